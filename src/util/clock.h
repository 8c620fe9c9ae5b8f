/*
 * The station clock: wall time that may run faster than real time in the
 * simulator (--sim-speed X). Edges read it and pass `now` to the pure core.
 */
#ifndef BORNE_UTIL_CLOCK_H
#define BORNE_UTIL_CLOCK_H

#include <stdint.h>

#include "core/types.h"

typedef struct {
  double speed;           /* 1.0 = real time */
  borne_ms wall_at_start; /* epoch ms when the clock started */
  uint64_t mono_at_start; /* monotonic ns when the clock started */
} station_clock;

void clock_init(station_clock *c, double speed);
borne_ms clock_now(const station_clock *c);
/* Real milliseconds until station time `deadline` (0 if past). */
uint64_t clock_real_delay_ms(const station_clock *c, borne_ms deadline);
/* Real wall-clock epoch ms (for logs, not for the core). */
borne_ms clock_wall_ms(void);

#endif
