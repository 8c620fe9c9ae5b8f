/*
 * When a load-management limit goes into the event log (issue 19), pure: a
 * connector's limit is logged when what limits it (limited_by) changes or
 * its current moves by LIMIT_LOG_STEP_A or more, and at most once every
 * LIMIT_LOG_GAP_MS per connector, so that a grid sample that moves a little
 * every second does not fill the event table. A change held back by the gap
 * is logged (as it then is) on the first round after the gap. Except that
 * a limit that starts or stops the charge (crosses LIMIT_LOG_MIN_A, the
 * least a car may be offered, IEC 61851-1) is logged at once.
 */
#ifndef BORNE_ENERGY_LIMIT_LOG_H
#define BORNE_ENERGY_LIMIT_LOG_H

#include <stdbool.h>

#include "core/types.h"

#define LIMIT_LOG_STEP_A 1.0
#define LIMIT_LOG_GAP_MS 30000
#define LIMIT_LOG_MIN_A 6.0

typedef struct {
  bool logged; /* something was logged already */
  double amps; /* the last logged current */
  int by;      /* the last logged limit source */
  borne_ms at; /* when */
} limit_log;

/* Is (amps, by) at `now` worth an event? If so, it becomes the last logged. */
bool limit_log_due(limit_log *l, double amps, int by, borne_ms now);

#endif
