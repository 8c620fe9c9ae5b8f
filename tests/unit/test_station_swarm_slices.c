/*
 * Tests of station/loop_slices (borne-swarm's minute mark, issue 18): work
 * queued by many stations at one instant runs in slices of the loop's turns,
 * in order, at most the budget per turn (one item at least), and the loop
 * runs its timers between two slices; without a queue on the loop the caller
 * is told to do the work at once; a cancelled item never runs; with nothing
 * queued the loop is not kept awake. Then swarm stations (lean stores, the
 * swarm's modules) against one back end (test_csms.h) with clock-aligned
 * meter values every second: their values go through the queue, each
 * station's connectors in order, stamped with the mark itself — with the
 * 1.6 dialect (MeterValues per connector) and the 2.0.1 one (MeterValues per
 * idle EVSE, J01).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "keys/key_tables.h"
#include "main/modules.h"
#include "station/loop_slices.h"
#include "station/station.h"
#include "test_csms.h"
#include "test_tmpdir.h"
#include "util/log.h"

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

/* Held: nothing runs and the loop does not spin (it returns with only the
 * queue left: no handle of the queue is active); released, the queue runs
 * in order. */
static void held_slices_wait_for_their_release(void **state) {
  (void)state;
  setup_loop();
  assert_int_equal(loop_slices_start(&t.loop, 5000), 0);
  loop_slices_hold(true);
  for (int i = 0; i < 4; i++) assert_true(loop_slices_add(&t.loop, &t.items[i].slice, work));
  assert_int_equal(uv_run(&t.loop, UV_RUN_NOWAIT), 0); /* nothing active: no busy poll */
  assert_int_equal(t.ran, 0);
  assert_int_equal((int)loop_slices_pending(), 4);
  loop_slices_hold(false);
  uv_prepare_start(&t.turn, on_turn_until_done);
  uv_run(&t.loop, UV_RUN_DEFAULT);
  assert_int_equal(t.ran, 4);
  for (int i = 0; i < 4; i++) assert_int_equal(t.order[i], i);
  /* held while running: what is left waits */
  loop_slices_hold(true);
  for (int i = 4; i < 8; i++) assert_true(loop_slices_add(&t.loop, &t.items[i].slice, work));
  loop_slices_hold(true); /* twice: no change */
  assert_int_equal(uv_run(&t.loop, UV_RUN_NOWAIT), 0);
  assert_int_equal(t.ran, 4);
  loop_slices_hold(false);
  uv_prepare_start(&t.turn, on_turn_until_done);
  uv_run(&t.loop, UV_RUN_DEFAULT);
  assert_int_equal(t.ran, 8);
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

/* ---------- swarm stations' clock-aligned values through the queue ---------- */

#define STATIONS 3
#define DEADLINE_S 60.0 /* real seconds for the whole wait (ASan is slow) */

typedef struct {
  uv_loop_t loop;
  csms cs;
  char dir[STATIONS][64];
  config *cfg[STATIONS];
  station *st[STATIONS];
} swarm_fx;

static void set(config *cfg, const char *key, const char *value) {
  char err[256];
  if (config_set(cfg, key, value, err, sizeof err) != 0) fail_msg("%s=%s: %s", key, value, err);
}

/* MeterValues of station i (by its connection's path) among what the back end got. */
static int meter_values_of(const swarm_fx *f, int i, json_t **out, int max) {
  char path[64];
  snprintf(path, sizeof path, "/ocpp/SL%d", i + 1);
  int n = 0;
  size_t k;
  json_t *e;
  json_array_foreach(f->cs.log, k, e) {
    json_t *fr = json_object_get(e, "frame");
    if (json_integer_value(json_array_get(fr, 0)) != 2 ||
        strcmp(json_string_value(json_array_get(fr, 2)), "MeterValues") != 0 ||
        strcmp(json_string_value(json_object_get(e, "path")), path) != 0)
      continue;
    if (n < max) out[n] = json_array_get(fr, 3);
    n++;
  }
  return n;
}

static bool two_marks_each(const swarm_fx *f) {
  json_t *mv[1];
  for (int i = 0; i < STATIONS; i++)
    if (meter_values_of(f, i, mv, 0) < 4) return false;
  return true;
}

static void aligned_values_go_through_the_slices(const char *version) {
  swarm_fx *f = calloc(1, sizeof *f);
  assert_non_null(f);
  log_set_level(LOG_ERROR);
  uv_loop_init(&f->loop);
  assert_int_equal(csms_start(&f->cs, &f->loop, 1), 0);
  assert_int_equal(loop_slices_start(&f->loop, 0), 0); /* one station per turn */
  char url[128];
  csms_url(&f->cs, "/ocpp", url, sizeof url);
  for (int i = 0; i < STATIONS; i++) {
    char id[16];
    snprintf(id, sizeof id, "SL%d", i + 1);
    assert_int_equal(test_tmpdir_make(f->dir[i], sizeof f->dir[i], "borne-slices"), 0);
    f->cfg[i] = config_new();
    set(f->cfg[i], "station.id", id);
    set(f->cfg[i], "station.connectors", "2");
    set(f->cfg[i], "log.level", "error");
    set(f->cfg[i], "hal.backend", "sim");
    set(f->cfg[i], "auth.mode", "ocpp");
    set(f->cfg[i], "ocpp.url", url);
    set(f->cfg[i], "ocpp.version", version);
    set(f->cfg[i], "ocpp.ClockAlignedDataInterval", "1");
    f->st[i] = calloc(1, sizeof *f->st[i]);
    station_options opt = {.data_dir = f->dir[i],
                           .cfg = f->cfg[i],
                           .parts = &borne_swarm_station_parts,
                           .swarm = true};
    char err[256];
    if (station_open(f->st[i], &f->loop, &opt, err, sizeof err) != 0) fail_msg("%s: %s", id, err);
  }
  uint64_t end = uv_hrtime() + (uint64_t)(DEADLINE_S * 1e9);
  while (!two_marks_each(f) && uv_hrtime() < end) uv_run(&f->loop, UV_RUN_ONCE);
  assert_true(two_marks_each(f));
  /* they came through the queue: one station per turn at a budget of 0 */
  assert_true(loop_slices_turns() >= STATIONS);

  for (int i = 0; i < STATIONS; i++) {
    json_t *mv[64];
    int n = meter_values_of(f, i, mv, 64);
    if (n > 64) n = 64;
    for (int k = 0; k < n; k++) {
      json_t *v = json_array_get(json_object_get(mv[k], "meterValue"), 0);
      const char *ts = json_string_value(json_object_get(v, "timestamp"));
      assert_non_null(ts);
      /* stamped with the mark (a whole second), not with the slice's moment */
      const char *dot = strchr(ts, '.');
      assert_non_null(dot);
      assert_true(strncmp(dot, ".000", 4) == 0);
      json_t *sv = json_array_get(json_object_get(v, "sampledValue"), 0);
      assert_string_equal(json_string_value(json_object_get(sv, "context")), "Sample.Clock");
      /* a mark's values: connector 1, then connector 2 with the same stamp */
      int c = (int)json_integer_value(
          json_object_get(mv[k], strcmp(version, "1.6") ? "evseId" : "connectorId"));
      if (k % 2 == 0) {
        assert_int_equal(c, 1);
      } else {
        assert_int_equal(c, 2);
        json_t *prev = json_array_get(json_object_get(mv[k - 1], "meterValue"), 0);
        assert_string_equal(json_string_value(json_object_get(prev, "timestamp")), ts);
      }
    }
  }

  for (int i = 0; i < STATIONS; i++) station_close(f->st[i]);
  csms_stop(&f->cs);
  end = uv_hrtime() + (uint64_t)(DEADLINE_S * 1e9);
  while (!csms_stopped(&f->cs) && uv_hrtime() < end) uv_run(&f->loop, UV_RUN_ONCE);
  assert_true(csms_stopped(&f->cs));
  uv_run(&f->loop, UV_RUN_DEFAULT);
  for (int i = 0; i < STATIONS; i++) {
    station_free(f->st[i]);
    free(f->st[i]);
  }
  assert_int_equal((int)loop_slices_pending(), 0);
  loop_slices_stop();
  uv_run(&f->loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&f->loop), 0);
  csms_free(&f->cs);
  for (int i = 0; i < STATIONS; i++) {
    config_free(f->cfg[i]);
    assert_int_equal(test_tmpdir_remove(f->dir[i]), 0);
  }
  free(f);
}

static void swarm_aligned_values_go_through_the_slices(void **state) {
  (void)state;
  aligned_values_go_through_the_slices("1.6");
}

/* the 2.0.1 dialect's as well: before, each station wrote and sent its
 * values in its tick, all of them in the timers' phase of one turn */
static void swarm_201_aligned_values_go_through_the_slices(void **state) {
  (void)state;
  aligned_values_go_through_the_slices("2.0.1");
}

int main(void) {
  if (borne_keys_register() != 0) return 1; /* every module's configuration keys */
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(slices_of_the_budget_in_order_timers_between),
      cmocka_unit_test(budget_zero_is_one_item_per_turn),
      cmocka_unit_test(held_slices_wait_for_their_release),
      cmocka_unit_test(without_a_queue_the_caller_works_now),
      cmocka_unit_test(cancelled_items_never_run),
      cmocka_unit_test(stop_runs_what_is_queued),
      cmocka_unit_test(swarm_aligned_values_go_through_the_slices),
      cmocka_unit_test(swarm_201_aligned_values_go_through_the_slices),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
