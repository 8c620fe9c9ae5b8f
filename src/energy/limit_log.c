/*
 * The rate limit of load-management limit events (limit_log.h): pure, so
 * that its thresholds are unit-tested with a virtual clock.
 */
#include "energy/limit_log.h"

#include <math.h>

bool limit_log_due(limit_log *l, double amps, int by, borne_ms now) {
  if (l->logged) {
    bool changed = by != l->by || fabs(amps - l->amps) >= LIMIT_LOG_STEP_A;
    bool on_off = (amps >= LIMIT_LOG_MIN_A) != (l->amps >= LIMIT_LOG_MIN_A);
    if (!changed || (!on_off && now - l->at < LIMIT_LOG_GAP_MS)) return false;
  }
  *l = (limit_log){.logged = true, .amps = amps, .by = by, .at = now};
  return true;
}
