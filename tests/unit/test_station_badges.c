/*
 * Local badge authorization of the whole station (store + core + sim HAL,
 * on a real loop), where the decision is made (station_authorize_locally):
 * a badge is accepted only when it is known, enabled, and its user (if it
 * has one) is enabled. A disabled user's badge, itself enabled, is refused
 * when tapped and for a remote start, and accepted again once the user is
 * enabled. The integration tests check the same through the API; this one
 * fails at the line that decides.
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

#include "keys/key_tables.h"
#include "main/modules.h"
#include "station/station.h"
#include "test_tmpdir.h"
#include "hal/hal_sim.h"
#include "util/log.h"

static bool run_until(uv_loop_t *loop, bool (*cond)(station *), station *st) {
  for (int i = 0; i < 2000 && !cond(st); i++) uv_run(loop, UV_RUN_ONCE);
  return cond(st);
}

static bool ready(station *st) {
  return st->selftest_done && cs_status(&st->core.conn[0]) == STATUS_PREPARING;
}
static bool has_session(station *st) { return cs_has_session(&st->core.conn[0]); }
static bool closed(station *st) { return st->loop == NULL || !uv_loop_alive(st->loop); }

static void disabled_users_badge_is_refused(void **state) {
  (void)state;
  log_set_level(LOG_ERROR);
  char dir[64], dbpath[128], err[256];
  assert_int_equal(test_tmpdir_make(dir, sizeof dir, "borne-badges"), 0);
  snprintf(dbpath, sizeof dbpath, "%s/borne.db", dir);

  /* alice (enabled) and bob (disabled), each with an enabled badge; a
   * disabled badge of alice's; an enabled badge of no one. */
  store *db;
  int64_t alice, bob;
  assert_int_equal(store_open(&db, dbpath, err, sizeof err), 0);
  assert_int_equal(store_user_create(db, "alice", true, &alice), 0);
  assert_int_equal(store_user_create(db, "bob", false, &bob), 0);
  assert_int_equal(store_badge_add(db, "A1A1", alice, true, 1), 0);
  assert_int_equal(store_badge_add(db, "B2B2", bob, true, 1), 0);
  assert_int_equal(store_badge_add(db, "C3C3", alice, false, 1), 0);
  assert_int_equal(store_badge_add(db, "D4D4", 0, true, 1), 0);
  store_close(db);

  config *cfg = config_new();
  assert_int_equal(config_set(cfg, "auth.mode", "badge", err, sizeof err), 0);
  assert_int_equal(config_set(cfg, "http.listen", "127.0.0.1:0", err, sizeof err), 0);
  assert_int_equal(config_set(cfg, "sim.speed", "50", err, sizeof err), 0);
  station_clock clk;
  clock_init(&clk, 50);
  double energy[1] = {0};
  hal *hw = hal_sim_create(1, &clk, 230.0, energy, false);
  sim_ev_params ev = {
      .max_current_a = 16, .phases = 3, .battery_kwh = 50, .soc_pct = 20, .target_soc_pct = 90};
  assert_int_equal(hal_sim_plug(hw, 1, &ev, 220, err, sizeof err), 0);
  uv_loop_t loop;
  uv_loop_init(&loop);
  station *st = calloc(1, sizeof *st);
  station_options opt = {.data_dir = dir, .cfg = cfg, .parts = &borne_station_parts, .hw = hw};
  assert_int_equal(station_open(st, &loop, &opt, err, sizeof err), 0);
  assert_true(run_until(&loop, ready, st));

  /* the verdicts, and the user's name with an accepted badge */
  char user[BORNE_NAME_MAX + 1];
  assert_true(station_authorize_locally(st, "A1A1", user, sizeof user));
  assert_string_equal(user, "alice");
  assert_false(station_authorize_locally(st, "B2B2", user, sizeof user)); /* user disabled */
  assert_string_equal(user, "");
  assert_false(station_authorize_locally(st, "C3C3", user, sizeof user)); /* badge disabled */
  assert_true(station_authorize_locally(st, "D4D4", user, sizeof user));  /* no user */
  assert_string_equal(user, "");
  assert_false(station_authorize_locally(st, "E5E5", user, sizeof user)); /* unknown */

  /* bob's badge at the reader with a car plugged in: no session */
  station_tap(st, "B2B2");
  for (int i = 0; i < 50; i++) uv_run(&loop, UV_RUN_NOWAIT);
  assert_false(has_session(st));
  /* nor by a remote start with it */
  assert_int_equal(station_remote_start(st, 1, "B2B2", err, sizeof err), -1);
  assert_string_equal(err, "badge B2B2 is unknown or disabled");
  assert_false(has_session(st));

  /* bob enabled again: the same badge starts a session in his name */
  assert_int_equal(store_user_update(st->db, bob, "bob", true), 0);
  station_tap(st, "B2B2");
  assert_true(run_until(&loop, has_session, st));
  assert_string_equal(cs_session_uid(&st->core.conn[0]), "B2B2");

  station_close(st);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_true(closed(st));
  station_free(st);
  free(st);
  assert_int_equal(uv_loop_close(&loop), 0);
  config_free(cfg);
  assert_int_equal(test_tmpdir_remove(dir), 0);
}

int main(void) {
  if (borne_keys_register() != 0) return 1; /* every module's configuration keys */
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(disabled_users_badge_is_refused),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
