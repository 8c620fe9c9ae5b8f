/*
 * The simulated HAL's input queue: inputs wait for the next loop turn; a full
 * queue drops a superseded input, never the only news of a contactor (whose
 * feedback the core judges: a lost one is a false "relay stuck").
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "hal/hal.h"
#include "hal/hal_sim.h"
#include "util/clock.h"

typedef struct {
  int contactor_inputs;
  bool contactor_closed;
  int lock_inputs;
  bool lock_engaged;
} seen;

static void on_contactor(void *ctx, int c, bool closed) {
  seen *s = ctx;
  if (c != 1) return;
  s->contactor_inputs++;
  s->contactor_closed = closed;
}

static void on_lock(void *ctx, int c, bool locked) {
  seen *s = ctx;
  if (c != 2) return;
  s->lock_inputs++;
  s->lock_engaged = locked;
}

static void full_queue_keeps_the_contactor_feedback(void **state) {
  (void)state;
  uv_loop_t loop;
  uv_loop_init(&loop);
  station_clock clk;
  clock_init(&clk, 1);
  double energy[2] = {0, 0};
  hal *h = hal_sim_create(2, &clk, 230.0, energy, false);
  assert_non_null(h);
  seen s = {0};
  hal_listener l = {.ctx = &s, .on_contactor = on_contactor, .on_lock = on_lock};
  assert_int_equal(h->ops->start(h, &loop, &l), 0);
  uv_run(&loop, UV_RUN_NOWAIT); /* the levels at start */
  s = (seen){0};
  /* one contactor command, then a burst of lock changes on the other
   * connector, far more than the queue holds, before the loop turns */
  h->ops->set_contactor(h, 1, true);
  for (int i = 0; i < 200; i++) h->ops->set_lock(h, 2, i % 2 == 0);
  uv_run(&loop, UV_RUN_NOWAIT);
  assert_int_equal(s.contactor_inputs, 1);
  assert_true(s.contactor_closed);
  assert_true(s.lock_inputs >= 1);
  assert_false(s.lock_engaged); /* the newest level (i = 199: released) */
  h->ops->stop(h);
  h->ops->destroy(h);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&loop), 0);
}

/* A stopped HAL delivers nothing and keeps nothing: the inputs not yet
 * delivered when it stops (the contactor a station's close opens) and those
 * made while it is stopped are dropped with their queue, not held until it is
 * destroyed (a swarm of 10 000 closing stations held 4.6 kB each) nor
 * delivered by a later start. */
static void a_stopped_hal_drops_its_inputs(void **state) {
  (void)state;
  uv_loop_t loop;
  uv_loop_init(&loop);
  station_clock clk;
  clock_init(&clk, 1);
  double energy[2] = {0, 0};
  hal *h = hal_sim_create(2, &clk, 230.0, energy, false);
  assert_non_null(h);
  seen s = {0};
  hal_listener l = {.ctx = &s, .on_contactor = on_contactor, .on_lock = on_lock};
  assert_int_equal(h->ops->start(h, &loop, &l), 0);
  uv_run(&loop, UV_RUN_NOWAIT);
  s = (seen){0};
  h->ops->set_contactor(h, 1, true); /* queued for the next turn */
  h->ops->stop(h);
  h->ops->set_lock(h, 2, true); /* while stopped */
  uv_run(&loop, UV_RUN_NOWAIT);
  assert_int_equal(s.contactor_inputs, 0);
  assert_int_equal(s.lock_inputs, 0);
  /* started again: its levels at the start (one each), not the inputs of
   * before */
  assert_int_equal(h->ops->start(h, &loop, &l), 0);
  uv_run(&loop, UV_RUN_NOWAIT);
  assert_int_equal(s.contactor_inputs, 1);
  assert_false(s.contactor_closed);
  assert_int_equal(s.lock_inputs, 1);
  assert_false(s.lock_engaged);
  h->ops->set_contactor(h, 1, true); /* and what it is told from then on */
  uv_run(&loop, UV_RUN_NOWAIT);
  assert_int_equal(s.contactor_inputs, 2);
  assert_true(s.contactor_closed);
  h->ops->stop(h);
  h->ops->destroy(h);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&loop), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(full_queue_keeps_the_contactor_feedback),
      cmocka_unit_test(a_stopped_hal_drops_its_inputs),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
