/*
 * Work that many stations of one process owe at the same instant, run a
 * slice per turn of the loop (borne-swarm, issue 18). The clock-aligned
 * meter values of every station fall due in the same second at the minute
 * mark; run in the timers' phase of one turn they held the loop for seconds
 * (5 s at 2 000 stations, links dropped at 10 000). Queued here instead,
 * they run in the loop's check phase for at most `budget` of real time per
 * turn (at least one item per turn), and the loop polls its sockets and
 * runs its timers between two slices. While work is queued the loop polls
 * without waiting (an idle handle); with the queue empty nothing runs and
 * nothing spins.
 *
 * One queue per process, on one loop: loop_slices_start gives it the loop.
 * Without it (borned: one station) loop_slices_add says false and the caller
 * does its work at once, as before. Items are the callers' own (no
 * allocation): an item is queued once, in the order added; cancel it before
 * its memory goes.
 */
#ifndef BORNE_STATION_LOOP_SLICES_H
#define BORNE_STATION_LOOP_SLICES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

typedef struct loop_slice loop_slice;
typedef void (*loop_slice_fn)(loop_slice *item);
struct loop_slice {
  loop_slice *next, *prev;
  loop_slice_fn run;
  bool queued;
};

/* Slices of at most budget_us microseconds of real time per turn of `loop`
 * (0: one item per turn). 0, or -1 when the queue already runs on another
 * loop or the handles cannot be made. */
int loop_slices_start(uv_loop_t *loop, unsigned budget_us);
/* Queues `item` to run(item) in a later slice: true. False when no queue runs
 * on `loop` (loop_slices_start), or it was stopped: the caller runs its work
 * now. An item already queued stays where it is (true). */
bool loop_slices_add(uv_loop_t *loop, loop_slice *item, loop_slice_fn run);
/* Takes `item` out of the queue if it is there (it will not run). */
void loop_slices_cancel(loop_slice *item);
/* Held (true): no slice runs, the queue keeps what is added, the loop
 * waits as usual; released (false): the slices run again. borne-swarm holds
 * them while its ramp is behind: opening stations comes first, the mark's
 * values (taken at the mark, stamped with it) go out once it caught up. */
void loop_slices_hold(bool held);
/* Items queued now. */
size_t loop_slices_pending(void);
/* Turns of the loop that ran a slice since loop_slices_start (for tests). */
uint64_t loop_slices_turns(void);
/* Runs what is still queued, then closes the handles (before the loop's own
 * close); loop_slices_add says false after it. */
void loop_slices_stop(void);

#endif
