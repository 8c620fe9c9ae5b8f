/*
 * Station clock over CLOCK_MONOTONIC, so that a wall-clock step (NTP) never
 * makes station time jump backwards during a session.
 */
#include "util/clock.h"

#include <math.h>
#include <time.h>

static uint64_t mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

borne_ms clock_wall_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (borne_ms)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void clock_init(station_clock *c, double speed) {
  c->speed = speed > 0 ? speed : 1.0;
  c->wall_at_start = clock_wall_ms();
  c->mono_at_start = mono_ns();
}

borne_ms clock_now(const station_clock *c) {
  double elapsed_ms = (double)(mono_ns() - c->mono_at_start) / 1e6;
  return c->wall_at_start + (borne_ms)(elapsed_ms * c->speed);
}

uint64_t clock_real_delay_ms(const station_clock *c, borne_ms deadline) {
  borne_ms now = clock_now(c);
  if (deadline <= now) return 0;
  double real = ceil((double)(deadline - now) / c->speed);
  return real > 1e12 ? (uint64_t)1e12 : (uint64_t)real;
}
