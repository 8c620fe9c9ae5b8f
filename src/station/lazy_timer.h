/*
 * A libuv timer made by its first start (issue 18): a uv_timer_t is 152
 * bytes, and most of a station's timers (a reset's flush, a reconnect after
 * new certificates, a long poll's deadline, the start's deferred half...)
 * never run in an idle station's life; borne-swarm holds thousands of
 * stations. The handle is allocated by lazy_timer_start and freed once
 * closed (lazy_timer_close, the loop then frees it): its owner does not wait
 * for its close callback. The callback gets the uv_timer_t, whose data is
 * the data given to lazy_timer_start.
 */
#ifndef BORNE_STATION_LAZY_TIMER_H
#define BORNE_STATION_LAZY_TIMER_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

typedef struct {
  uv_timer_t *h; /* NULL until the first start, and after the close */
  bool closed;   /* lazy_timer_close ran: no start makes it again */
} lazy_timer;

/* uv_timer_start on the timer, made first if need be: 0, or -1 when it
 * cannot be made (out of memory) or was closed. */
int lazy_timer_start(lazy_timer *t, uv_loop_t *loop, uv_timer_cb cb, void *data,
                     uint64_t timeout_ms, uint64_t repeat_ms);
/* Stops it if it was ever started (then it stays allocated for the next). */
void lazy_timer_stop(lazy_timer *t);
bool lazy_timer_active(const lazy_timer *t);
/* Stops it and gives its handle back (the loop frees it); a later start
 * makes a new one. For a timer idle most of the time (152 bytes each in
 * thousands of stations). */
void lazy_timer_release(lazy_timer *t);
/* Stops and closes it; the loop frees the handle. No-op if never started. */
void lazy_timer_close(lazy_timer *t);

#endif
