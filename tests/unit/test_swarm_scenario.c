/*
 * The swarm's scenario file and engine (src/swarm/swarm_scenario.c): the
 * parser takes the documented members and refuses the rest with a clear
 * line; the engine on its virtual clock gives the same events for the same
 * seed, follows the arrival rate and the time-of-day profile, keeps a
 * connector busy for the session, cuts the chosen share of stations during
 * an outage and reboots every station once within the boot storm's window.
 */
/* cmocka.h needs these first */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "swarm/swarm_scenario.h"

static int parse(swarm_scenario *sc, const char *text, char *err, size_t errlen) {
  swarm_scenario_defaults(sc);
  return swarm_scenario_parse(sc, text, strlen(text), err, errlen);
}

static void test_parse_full(void **state) {
  (void)state;
  swarm_scenario sc;
  char err[256] = "";
  const char *text = "{\"seed\": 7, \"start_hour\": 17, \"arrivals_per_hour\": 2,"
                     " \"profile\": [0,0,0,0,0,0,1,1,1,1,1,1,1,1,1,1,1,2,2,1,1,1,0,0],"
                     " \"session_minutes\": {\"mean\": 60, \"sd\": 20, \"min\": 5, \"max\": 300},"
                     " \"energy_kwh\": {\"mean\": 12, \"sd\": 4, \"min\": 1, \"max\": 50},"
                     " \"badges\": {\"count\": 50, \"prefix\": \"CARD\", \"unknown_share\": 0.25},"
                     " \"faults_per_hour\": 0.5, \"fault_length_s\": 90,"
                     " \"outages\": [{\"at_s\": 60, \"fraction\": 0.2, \"length_s\": 30}],"
                     " \"boot_storm\": {\"at_s\": 120, \"window_s\": 10},"
                     " \"meter_interval_s\": 15, \"heartbeat_interval_s\": 45}";
  assert_int_equal(parse(&sc, text, err, sizeof err), 0);
  assert_int_equal(sc.seed, 7);
  assert_int_equal(sc.start_hour, 17);
  assert_true(sc.profile[17] == 2.0 && sc.profile[0] == 0.0);
  assert_true(sc.session_min.mean == 60 && sc.session_min.max == 300);
  assert_int_equal(sc.badge_count, 50);
  assert_string_equal(sc.badge_prefix, "CARD");
  assert_true(sc.unknown_share == 0.25);
  assert_int_equal(sc.fault_length_ms, 90000);
  assert_int_equal(sc.outage_count, 1);
  assert_int_equal(sc.outages[0].at_ms, 60000);
  assert_int_equal(sc.outages[0].length_ms, 30000);
  assert_true(sc.boot_storm);
  assert_int_equal(sc.boot_storm_window_ms, 10000);
  assert_int_equal(sc.meter_interval_s, 15);
  assert_int_equal(sc.heartbeat_interval_s, 45);
}

static void test_parse_errors(void **state) {
  (void)state;
  static const struct {
    const char *text, *says;
  } cases[] = {
      {"{", "line 1"},
      {"[]", "top level must be an object"},
      {"{\"sede\": 1}", "unknown member `sede`"},
      {"{\"arrivals_per_hour\": \"ten\"}", "`arrivals_per_hour` must be a number"},
      {"{\"arrivals_per_hour\": -1}", "between 0 and 3600"},
      {"{\"profile\": [1, 2]}", "24 numbers"},
      {"{\"session_minutes\": {\"mean\": 5, \"min\": 10, \"max\": 2}}", "min is above max"},
      {"{\"session_minutes\": {\"avg\": 5}}", "unknown member `avg` in session_minutes"},
      {"{\"badges\": {\"prefix\": \"lower\"}}", "capital letters"},
      {"{\"badges\": {\"unknown_share\": 1.5}}", "between 0 and 1"},
      {"{\"outages\": [{\"at_s\": 5}]}", "needs at_s, fraction and length_s"},
      {"{\"outages\": [3]}", "an outage must be an object"},
      {"{\"boot_storm\": {\"window_s\": 5}}", "needs at_s"},
      {"{\"seed\": 1, \"seed\": 2}", "duplicate"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    swarm_scenario sc;
    char err[256] = "";
    assert_int_equal(parse(&sc, cases[i].text, err, sizeof err), -1);
    if (!strstr(err, cases[i].says)) fail_msg("%s: got `%s`", cases[i].text, err);
  }
}

typedef struct {
  swarm_event ev[20000];
  int n;
} log_t;

static void collect(void *ctx, const swarm_event *ev) {
  log_t *l = ctx;
  if (l->n < (int)(sizeof l->ev / sizeof l->ev[0])) l->ev[l->n++] = *ev;
}

static int count(const log_t *l, swarm_event_kind k) {
  int n = 0;
  for (int i = 0; i < l->n; i++) n += l->ev[i].kind == k;
  return n;
}

static log_t *run(const swarm_scenario *sc, int stations, int connectors, int64_t until_ms,
                  int64_t step_ms) {
  log_t *l = calloc(1, sizeof *l);
  swarm_engine *e = swarm_engine_new(sc, stations, connectors);
  assert_non_null(e);
  for (int64_t t = 0; t <= until_ms; t += step_ms) swarm_engine_run(e, t, collect, l);
  swarm_engine_free(e);
  return l;
}

static void test_same_seed_same_events(void **state) {
  (void)state;
  swarm_scenario sc;
  swarm_scenario_defaults(&sc);
  sc.arrivals_per_hour = 3;
  sc.faults_per_hour = 0.5;
  /* the step of the virtual clock does not change the events either */
  log_t *a = run(&sc, 20, 2, 4 * 3600000LL, 1000);
  log_t *b = run(&sc, 20, 2, 4 * 3600000LL, 60000);
  assert_true(a->n > 100);
  assert_int_equal(a->n, b->n);
  /* per station the order is the same (the coarse step groups by station) */
  for (int s = 0; s < 20; s++) {
    int i = 0, j = 0;
    for (;;) {
      while (i < a->n && a->ev[i].station != s) i++;
      while (j < b->n && b->ev[j].station != s) j++;
      if (i == a->n || j == b->n) break;
      assert_int_equal(a->ev[i].kind, b->ev[j].kind);
      assert_int_equal(a->ev[i].at_ms, b->ev[j].at_ms);
      assert_string_equal(a->ev[i].uid, b->ev[j].uid);
      i++, j++;
    }
    assert_true(i == a->n && j == b->n);
  }
  sc.seed = 2;
  log_t *c = run(&sc, 20, 2, 4 * 3600000LL, 60000);
  assert_true(c->n != a->n || c->ev[0].at_ms != a->ev[0].at_ms);
  free(a);
  free(b);
  free(c);
}

static void test_rate_profile_and_sessions(void **state) {
  (void)state;
  swarm_scenario sc;
  swarm_scenario_defaults(&sc);
  sc.start_hour = 0;
  for (int h = 0; h < 24; h++) sc.profile[h] = h < 12 ? 0.0 : 1.0; /* nobody in the morning */
  sc.arrivals_per_hour = 2;
  sc.session_min = (swarm_dist){10, 0, 10, 10}; /* exactly 10 min */
  sc.unknown_share = 0.5;
  log_t *l = run(&sc, 50, 2, 24 * 3600000LL, 60000);
  int arrive = count(l, SWARM_EV_ARRIVE), leave = count(l, SWARM_EV_LEAVE), unknown = 0;
  /* 50 stations x 12 h x 2/h = 1200 expected; Poisson: well within +-15 % */
  assert_true(arrive > 1020 && arrive < 1380);
  assert_true(leave >= arrive - 100 && leave <= arrive);
  for (int i = 0; i < l->n; i++) {
    const swarm_event *ev = &l->ev[i];
    if (ev->kind != SWARM_EV_ARRIVE) continue;
    assert_true(ev->at_ms >= 12 * 3600000LL); /* the profile's zero hours stay empty */
    assert_true(ev->connector >= 1 && ev->connector <= 2);
    assert_true(ev->energy_wh >= 500 && ev->energy_wh <= 100000);
    if (!ev->known) {
      unknown++;
      assert_memory_equal(ev->uid, "UNKNOWN", 7);
    } else {
      assert_memory_equal(ev->uid, "SW", 2);
    }
    /* its leave comes 10 minutes later on the same connector */
    bool found = false;
    for (int k = i + 1; k < l->n && !found; k++)
      if (l->ev[k].kind == SWARM_EV_LEAVE && l->ev[k].station == ev->station &&
          l->ev[k].connector == ev->connector) {
        assert_int_equal(l->ev[k].at_ms, ev->at_ms + 600000);
        found = true;
      }
    if (ev->at_ms + 600000 <= 24 * 3600000LL) assert_true(found);
  }
  assert_true(unknown > arrive / 3 && unknown < 2 * arrive / 3);
  free(l);
}

static void test_busy_station_turns_cars_away(void **state) {
  (void)state;
  swarm_scenario sc;
  swarm_scenario_defaults(&sc);
  sc.arrivals_per_hour = 60;
  sc.session_min = (swarm_dist){600, 0, 600, 600}; /* ten hours each */
  swarm_engine *e = swarm_engine_new(&sc, 1, 2);
  log_t *l = calloc(1, sizeof *l);
  swarm_engine_run(e, 3600000, collect, l);
  assert_int_equal(count(l, SWARM_EV_ARRIVE), 2); /* one per connector */
  assert_true(swarm_engine_turned_away(e) > 30);
  swarm_engine_free(e);
  free(l);
}

static void test_outage_and_boot_storm(void **state) {
  (void)state;
  swarm_scenario sc;
  swarm_scenario_defaults(&sc);
  sc.arrivals_per_hour = 0;
  sc.outages[0] = (swarm_outage){60000, 0.2, 30000};
  sc.outage_count = 1;
  sc.boot_storm = true;
  sc.boot_storm_at_ms = 120000;
  sc.boot_storm_window_ms = 10000;
  log_t *l = run(&sc, 1000, 2, 600000, 1000);
  int off = count(l, SWARM_EV_OFFLINE), on = count(l, SWARM_EV_ONLINE);
  assert_true(off > 150 && off < 250);
  assert_int_equal(on, off);
  assert_int_equal(count(l, SWARM_EV_REBOOT), 1000);
  for (int i = 0; i < l->n; i++) {
    const swarm_event *ev = &l->ev[i];
    if (ev->kind == SWARM_EV_OFFLINE) assert_int_equal(ev->at_ms, 60000);
    if (ev->kind == SWARM_EV_ONLINE) assert_int_equal(ev->at_ms, 90000);
    if (ev->kind == SWARM_EV_REBOOT) assert_true(ev->at_ms >= 120000 && ev->at_ms <= 130000);
  }
  free(l);
}

static void test_bad_sizes(void **state) {
  (void)state;
  swarm_scenario sc;
  swarm_scenario_defaults(&sc);
  assert_null(swarm_engine_new(&sc, 0, 2));
  assert_null(swarm_engine_new(&sc, 1, 0));
  assert_null(swarm_engine_new(&sc, 1, 99));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_parse_full),
      cmocka_unit_test(test_parse_errors),
      cmocka_unit_test(test_same_seed_same_events),
      cmocka_unit_test(test_rate_profile_and_sessions),
      cmocka_unit_test(test_busy_station_turns_cars_away),
      cmocka_unit_test(test_outage_and_boot_storm),
      cmocka_unit_test(test_bad_sizes),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
