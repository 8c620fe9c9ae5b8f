/*
 * The simulated HAL's input queue: inputs wait for the next loop turn; a full
 * queue drops a superseded input, never the only news of a contactor (whose
 * feedback the core judges: a lost one is a false "relay stuck"); the fault
 * lockstuck keeps the lock switch engaged after a release.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "hal/hal.h"
#include "hal/hal_sim.h"
#include "util/clock.h"

typedef struct {
  int contactor_inputs;
  bool contactor_closed;
  int lock_inputs;
  bool lock_engaged;
  cp_state cp;    /* connector 1's pilot */
  int pp_inputs;  /* connector 1's PP readings */
  double pp_ohms; /* the last one */
} seen;

static void on_cp(void *ctx, int c, cp_state cp, bool diode_ok) {
  (void)diode_ok;
  seen *s = ctx;
  if (c == 1) s->cp = cp;
}

static void on_pp(void *ctx, int c, double ohms) {
  seen *s = ctx;
  if (c != 1) return;
  s->pp_inputs++;
  s->pp_ohms = ohms;
}

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

/* A two-connector simulated HAL started on its own loop, its levels at the
 * start delivered and forgotten */
typedef struct {
  uv_loop_t loop;
  station_clock clk;
  double energy[2];
  hal *h;
  seen s;
  hal_listener l;
} sim_fixture;

static void fixture_start(sim_fixture *f) {
  *f = (sim_fixture){0};
  uv_loop_init(&f->loop);
  clock_init(&f->clk, 1);
  f->h = hal_sim_create(2, &f->clk, 230.0, f->energy, false);
  assert_non_null(f->h);
  f->l = (hal_listener){.ctx = &f->s,
                        .on_contactor = on_contactor,
                        .on_lock = on_lock,
                        .on_cp = on_cp,
                        .on_pp = on_pp};
  assert_int_equal(f->h->ops->start(f->h, &f->loop, &f->l), 0);
  uv_run(&f->loop, UV_RUN_NOWAIT); /* the levels at start */
  f->s = (seen){0};
}

static void fixture_end(sim_fixture *f) {
  f->h->ops->stop(f->h);
  f->h->ops->destroy(f->h);
  uv_run(&f->loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&f->loop), 0);
}

static void full_queue_keeps_the_contactor_feedback(void **state) {
  (void)state;
  sim_fixture f;
  fixture_start(&f);
  hal *h = f.h;
  /* one contactor command, then a burst of lock changes on the other
   * connector, far more than the queue holds, before the loop turns */
  h->ops->set_contactor(h, 1, true);
  for (int i = 0; i < 200; i++) h->ops->set_lock(h, 2, i % 2 == 0);
  uv_run(&f.loop, UV_RUN_NOWAIT);
  assert_int_equal(f.s.contactor_inputs, 1);
  assert_true(f.s.contactor_closed);
  assert_true(f.s.lock_inputs >= 1);
  assert_false(f.s.lock_engaged); /* the newest level (i = 199: released) */
  fixture_end(&f);
}

/* A stopped HAL delivers nothing and keeps nothing: the inputs not yet
 * delivered when it stops (the contactor a station's close opens) and those
 * made while it is stopped are dropped with their queue, not held until it is
 * destroyed (a swarm of 10 000 closing stations held 4.6 kB each) nor
 * delivered by a later start. */
static void a_stopped_hal_drops_its_inputs(void **state) {
  (void)state;
  sim_fixture f;
  fixture_start(&f);
  hal *h = f.h;
  h->ops->set_contactor(h, 1, true); /* queued for the next turn */
  h->ops->stop(h);
  h->ops->set_lock(h, 2, true); /* while stopped */
  uv_run(&f.loop, UV_RUN_NOWAIT);
  assert_int_equal(f.s.contactor_inputs, 0);
  assert_int_equal(f.s.lock_inputs, 0);
  /* started again: its levels at the start (one each), not the inputs of
   * before */
  assert_int_equal(h->ops->start(h, &f.loop, &f.l), 0);
  uv_run(&f.loop, UV_RUN_NOWAIT);
  assert_int_equal(f.s.contactor_inputs, 1);
  assert_false(f.s.contactor_closed);
  assert_int_equal(f.s.lock_inputs, 1);
  assert_false(f.s.lock_engaged);
  h->ops->set_contactor(h, 1, true); /* and what it is told from then on */
  uv_run(&f.loop, UV_RUN_NOWAIT);
  assert_int_equal(f.s.contactor_inputs, 2);
  assert_true(f.s.contactor_closed);
  fixture_end(&f);
}

/* The car's side and the socket's apart (OCPP's EV side disconnect): PP
 * stays while only the car left; a locked cable does not leave the socket. */
static void car_side_and_socket_side_unplug_apart(void **state) {
  (void)state;
  sim_fixture f;
  fixture_start(&f);
  hal *h = f.h;
  char err[160];
  sim_ev_params p = {
      .max_current_a = 32, .phases = 3, .battery_kwh = 60, .soc_pct = 20, .target_soc_pct = 80};
  assert_int_equal(hal_sim_plug(h, 1, &p, 0, err, sizeof err), 0);
  h->ops->set_lock(h, 1, true);
  uv_run(&f.loop, UV_RUN_NOWAIT);
  assert_int_equal(f.s.cp, CP_B);
  assert_true(f.s.pp_ohms > 0);
  int pp_before = f.s.pp_inputs;
  assert_int_equal(hal_sim_remove_cable(h, 1, err, sizeof err), -1); /* the car is there */
  assert_int_equal(hal_sim_unplug_ev(h, 1, err, sizeof err), 0);
  uv_run(&f.loop, UV_RUN_NOWAIT);
  assert_int_equal(f.s.cp, CP_A);
  assert_int_equal(f.s.pp_inputs, pp_before); /* the cable is still in the socket */
  assert_true(hal_sim_cable_in(h, 1));
  assert_int_equal(hal_sim_remove_cable(h, 1, err, sizeof err), -1);
  assert_non_null(strstr(err, "locked"));
  h->ops->set_lock(h, 1, false);
  assert_int_equal(hal_sim_remove_cable(h, 1, err, sizeof err), 0);
  uv_run(&f.loop, UV_RUN_NOWAIT);
  assert_true(f.s.pp_ohms < 0);
  assert_false(hal_sim_cable_in(h, 1));
  assert_int_equal(hal_sim_remove_cable(h, 1, err, sizeof err), -1); /* nothing left */
  /* the whole cable at once, as before */
  assert_int_equal(hal_sim_plug(h, 1, &p, 0, err, sizeof err), 0);
  uv_run(&f.loop, UV_RUN_NOWAIT);
  assert_true(f.s.pp_ohms > 0);
  assert_int_equal(hal_sim_unplug(h, 1, err, sizeof err), 0);
  uv_run(&f.loop, UV_RUN_NOWAIT);
  assert_int_equal(f.s.cp, CP_A);
  assert_true(f.s.pp_ohms < 0);
  fixture_end(&f);
}

/* The fault lockstuck: the lock engages as asked but, released, its switch
 * still reads engaged; `clear` lets it open. `lock` (broken) never engages. */
static void a_stuck_lock_reads_engaged_after_its_release(void **state) {
  (void)state;
  sim_fixture f;
  fixture_start(&f);
  hal *h = f.h;
  char err[120];
  assert_int_equal(hal_sim_fault(h, 2, SIM_FAULT_LOCK_STUCK, err, sizeof err), 0);
  h->ops->set_lock(h, 2, true);
  uv_run(&f.loop, UV_RUN_NOWAIT);
  assert_true(f.s.lock_engaged);
  h->ops->set_lock(h, 2, false);
  uv_run(&f.loop, UV_RUN_NOWAIT);
  assert_true(f.s.lock_engaged); /* stuck closed */
  assert_int_equal(hal_sim_fault(h, 2, SIM_FAULT_CLEAR, err, sizeof err), 0);
  uv_run(&f.loop, UV_RUN_NOWAIT);
  assert_false(f.s.lock_engaged); /* released, it opens now */
  h->ops->set_lock(h, 2, true);
  h->ops->set_lock(h, 2, false);
  uv_run(&f.loop, UV_RUN_NOWAIT);
  assert_false(f.s.lock_engaged); /* a healthy lock opens */
  sim_fault k;
  assert_int_equal(sim_fault_parse("lockstuck", &k), 0);
  assert_int_equal(k, SIM_FAULT_LOCK_STUCK);
  fixture_end(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(full_queue_keeps_the_contactor_feedback),
      cmocka_unit_test(a_stopped_hal_drops_its_inputs),
      cmocka_unit_test(car_side_and_socket_side_unplug_apart),
      cmocka_unit_test(a_stuck_lock_reads_engaged_after_its_release),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
