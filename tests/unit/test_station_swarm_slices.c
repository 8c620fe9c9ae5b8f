/*
 * Tests of station/loop_slices (borne-swarm's minute mark, issue 18): work
 * queued by many stations at one instant runs in slices of the loop's turns,
 * in order, at most the budget per turn (one item at least), and the loop
 * runs its timers between two slices; without a queue on the loop the caller
 * is told to do the work at once; a cancelled item never runs; with nothing
 * queued the loop is not kept awake.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <uv.h>

#include "station/loop_slices.h"

#define ITEMS 24
#define ITEM_NS (2u * 1000u * 1000u) /* each item's work: 2 ms of real time */

typedef struct {
  loop_slice slice;
  int index;
  int ran_in_turn; /* the loop turn (prepare count) it ran in, -1 never */
} item;

static struct {
  uv_loop_t loop;
  uv_prepare_t turn; /* counts the loop's turns */
  uv_timer_t witness;
  uv_timer_t keep; /* a ref'd handle a test may need; stopped by the last item */
  int turns;
  int order[ITEMS];
  int ran;
  int witness_fired_after; /* how many items had run when the timer fired, -1 not yet */
  item items[ITEMS];
} t;

static void on_turn(uv_prepare_t *h) {
  (void)h;
  t.turns++;
}

static void on_witness(uv_timer_t *h) {
  (void)h;
  if (t.witness_fired_after < 0) t.witness_fired_after = t.ran;
}

static void work(loop_slice *s) {
  item *it = (item *)((char *)s - offsetof(item, slice));
  uint64_t start = uv_hrtime();
  while (uv_hrtime() - start < ITEM_NS) {
  } /* the item's work: CPU, as a station's write and send */
  it->ran_in_turn = t.turns;
  t.order[t.ran++] = it->index;
  /* the first item arms a timer due at once: the loop must run it before
   * the queue is empty (between two slices), not after all the work */
  if (t.ran == 1) uv_timer_start(&t.witness, on_witness, 0, 0);
}

static void setup_loop(void) {
  uv_loop_init(&t.loop);
  uv_prepare_init(&t.loop, &t.turn); /* started by each test */
  uv_timer_init(&t.loop, &t.witness);
  uv_timer_init(&t.loop, &t.keep);
  t.turns = 0;
  t.ran = 0;
  t.witness_fired_after = -1;
  for (int i = 0; i < ITEMS; i++) t.items[i] = (item){.index = i, .ran_in_turn = -1};
}

static void close_walk(uv_handle_t *h, void *arg) {
  (void)arg;
  if (!uv_is_closing(h)) uv_close(h, NULL);
}

static void teardown_loop(void) {
  loop_slices_stop();
  uv_walk(&t.loop, close_walk, NULL);
  uv_run(&t.loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&t.loop), 0);
}

/* the prepare handle would keep the loop alive: it stops once all ran */
static void on_turn_until_done(uv_prepare_t *h) {
  on_turn(h);
  if (loop_slices_pending() == 0) uv_prepare_stop(h);
}

static void slices_of_the_budget_in_order_timers_between(void **state) {
  (void)state;
  setup_loop();
  uv_prepare_start(&t.turn, on_turn_until_done);
  assert_int_equal(loop_slices_start(&t.loop, 5000), 0); /* 5 ms per turn */
  for (int i = 0; i < ITEMS; i++) assert_true(loop_slices_add(&t.loop, &t.items[i].slice, work));
  assert_int_equal((int)loop_slices_pending(), ITEMS);
  /* queued twice: still once, in its place */
  assert_true(loop_slices_add(&t.loop, &t.items[3].slice, work));
  assert_int_equal((int)loop_slices_pending(), ITEMS);
  assert_int_equal(t.ran, 0); /* nothing ran at the add */

  uv_run(&t.loop, UV_RUN_DEFAULT); /* returns once the queue is empty */

  assert_int_equal(t.ran, ITEMS);
  assert_int_equal((int)loop_slices_pending(), 0);
  for (int i = 0; i < ITEMS; i++) assert_int_equal(t.order[i], i);
  /* at most the budget per turn: 5 ms of 2 ms items is 3 (the third starts
   * before 5 ms), never all 24 in one turn as the timers' phase ran them */
  int per_turn[ITEMS + 64] = {0};
  int max_per_turn = 0, turns_used = 0;
  for (int i = 0; i < ITEMS; i++) {
    int turn = t.items[i].ran_in_turn;
    assert_true(turn >= 0 && turn < ITEMS + 64);
    if (per_turn[turn]++ == 0) turns_used++;
    if (per_turn[turn] > max_per_turn) max_per_turn = per_turn[turn];
  }
  assert_true(max_per_turn >= 1 && max_per_turn <= 3);
  assert_true(turns_used >= ITEMS / 3);
  assert_true(loop_slices_turns() >= (uint64_t)turns_used);
  /* the timer armed by the first item ran while work was still queued */
  assert_true(t.witness_fired_after >= 1 && t.witness_fired_after < ITEMS);
  teardown_loop();
}

static void budget_zero_is_one_item_per_turn(void **state) {
  (void)state;
  setup_loop();
  uv_prepare_start(&t.turn, on_turn_until_done);
  assert_int_equal(loop_slices_start(&t.loop, 0), 0);
  for (int i = 0; i < 6; i++) assert_true(loop_slices_add(&t.loop, &t.items[i].slice, work));
  uv_run(&t.loop, UV_RUN_DEFAULT);
  assert_int_equal(t.ran, 6);
  for (int i = 1; i < 6; i++) assert_true(t.items[i].ran_in_turn > t.items[i - 1].ran_in_turn);
  teardown_loop();
}

static void without_a_queue_the_caller_works_now(void **state) {
  (void)state;
  setup_loop();
  /* no loop_slices_start: borned's one station */
  assert_false(loop_slices_add(&t.loop, &t.items[0].slice, work));
  assert_false(t.items[0].slice.queued);
  assert_int_equal((int)loop_slices_pending(), 0);
  /* a queue on another loop does not take this loop's work */
  uv_loop_t other;
  uv_loop_init(&other);
  assert_int_equal(loop_slices_start(&other, 1000), 0);
  assert_int_equal(loop_slices_start(&t.loop, 1000), -1);
  assert_false(loop_slices_add(&t.loop, &t.items[0].slice, work));
  loop_slices_stop();
  uv_run(&other, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&other), 0);
  /* after stop: no queue */
  assert_false(loop_slices_add(&other, &t.items[0].slice, work));
  teardown_loop();
}

static void stop_keep(loop_slice *s) {
  work(s);
  if (loop_slices_pending() == 0) uv_timer_stop(&t.keep);
}

static void on_keep(uv_timer_t *h) { (void)h; }

static void cancelled_items_never_run(void **state) {
  (void)state;
  setup_loop();
  /* only `keep` holds the loop */
  uv_timer_start(&t.keep, on_keep, 1000, 1000);
  assert_int_equal(loop_slices_start(&t.loop, 0), 0);
  for (int i = 0; i < 5; i++) assert_true(loop_slices_add(&t.loop, &t.items[i].slice, stop_keep));
  loop_slices_cancel(&t.items[0].slice); /* the head */
  loop_slices_cancel(&t.items[2].slice); /* the middle */
  loop_slices_cancel(&t.items[4].slice); /* the tail */
  loop_slices_cancel(&t.items[4].slice); /* twice: nothing */
  assert_int_equal((int)loop_slices_pending(), 2);
  /* re-added after a cancel: at the end */
  assert_true(loop_slices_add(&t.loop, &t.items[0].slice, stop_keep));
  uv_run(&t.loop, UV_RUN_DEFAULT);
  assert_int_equal(t.ran, 3);
  assert_int_equal(t.order[0], 1);
  assert_int_equal(t.order[1], 3);
  assert_int_equal(t.order[2], 0);
  assert_int_equal(t.items[2].ran_in_turn, -1);
  assert_int_equal(t.items[4].ran_in_turn, -1);
  /* every item cancelled: the loop is not kept awake by the queue (an
   * empty run returns at once) */
  assert_true(loop_slices_add(&t.loop, &t.items[2].slice, stop_keep));
  loop_slices_cancel(&t.items[2].slice);
  assert_int_equal(uv_run(&t.loop, UV_RUN_NOWAIT), 0);
  assert_int_equal(t.ran, 3);
  teardown_loop();
}

static void stop_runs_what_is_queued(void **state) {
  (void)state;
  setup_loop();
  assert_int_equal(loop_slices_start(&t.loop, 1000), 0);
  for (int i = 0; i < 3; i++) assert_true(loop_slices_add(&t.loop, &t.items[i].slice, work));
  loop_slices_stop(); /* the loop never ran: the work is done here */
  assert_int_equal(t.ran, 3);
  assert_int_equal((int)loop_slices_pending(), 0);
  assert_false(loop_slices_add(&t.loop, &t.items[0].slice, work));
  teardown_loop();
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(slices_of_the_budget_in_order_timers_between),
      cmocka_unit_test(budget_zero_is_one_item_per_turn),
      cmocka_unit_test(without_a_queue_the_caller_works_now),
      cmocka_unit_test(cancelled_items_never_run),
      cmocka_unit_test(stop_runs_what_is_queued),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
