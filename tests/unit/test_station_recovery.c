/*
 * Crash recovery of the whole station (core + store + sim HAL, on a real
 * loop): sessions left open by a crash are resumed when the EV is still
 * plugged in and its badge still valid, and closed with PowerLoss at the last
 * durable meter reading otherwise. Never lost, never counted twice.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "keys/key_tables.h"
#include "main/modules.h"
#include "station/station.h"
#include "hal/hal_sim.h"
#include "util/log.h"

static bool run_until(uv_loop_t *loop, bool (*cond)(station *), station *st) {
  for (int i = 0; i < 2000 && !cond(st); i++) uv_run(loop, UV_RUN_ONCE);
  return cond(st);
}

static bool recovered(station *st) {
  return st->selftest_done && st->conn[0].session_id != 0 && st->core.conn[0].out.contactor_closed;
}

static bool closed(station *st) { return st->loop == NULL || !uv_loop_alive(st->loop); }

static void open_session_resumes_if_ev_is_there_else_power_loss(void **state) {
  (void)state;
  log_set_level(LOG_ERROR);
  char dir[] = "/tmp/borne-recovery-XXXXXX";
  assert_non_null(mkdtemp(dir));
  char dbpath[128], err[256];
  snprintf(dbpath, sizeof dbpath, "%s/borne.db", dir);

  /* The database as a crash left it: two open sessions, samples on both. */
  store *db;
  assert_int_equal(store_open(&db, dbpath, err, sizeof err), 0);
  assert_int_equal(store_badge_add(db, "AB12", 0, true, 1), 0);
  assert_int_equal(store_badge_add(db, "CD34", 0, true, 1), 0);
  int64_t s1, s2;
  assert_int_equal(store_session_begin(db, 1, "AB12", "", 1000, 100.0, &s1), 0);
  assert_int_equal(store_session_begin(db, 2, "CD34", "", 2000, 500.0, &s2), 0);
  meter_reading m1 = {.energy_import_wh = 150.0, .at = 5000};
  meter_reading m2 = {.energy_import_wh = 540.0, .at = 6000};
  assert_int_equal(store_meter_sample(db, 1, &m1), 0);
  assert_int_equal(store_meter_sample(db, 2, &m2), 0);
  assert_int_equal(store_session_progress(db, s2, 540.0), 0);
  store_close(db);

  config *cfg = config_new();
  assert_int_equal(config_set(cfg, "auth.mode", "badge", err, sizeof err), 0);
  assert_int_equal(config_set(cfg, "http.listen", "127.0.0.1:0", err, sizeof err), 0);
  assert_int_equal(config_set(cfg, "sim.speed", "50", err, sizeof err), 0);

  /* After the restart the car on connector 1 is still plugged in. */
  station_clock clk;
  clock_init(&clk, 50);
  double energy[2] = {150.0, 540.0};
  hal *hw = hal_sim_create(2, &clk, 230.0, energy, false);
  sim_ev_params ev = {
      .max_current_a = 16, .phases = 3, .battery_kwh = 50, .soc_pct = 20, .target_soc_pct = 90};
  assert_int_equal(hal_sim_plug(hw, 1, &ev, 220, err, sizeof err), 0);

  uv_loop_t loop;
  uv_loop_init(&loop);
  station *st = calloc(1, sizeof *st);
  station_options opt = {.data_dir = dir, .cfg = cfg, .parts = &borne_station_parts, .hw = hw};
  assert_int_equal(station_open(st, &loop, &opt, err, sizeof err), 0);
  bool ok = run_until(&loop, recovered, st);
  if (!ok)
    fprintf(stderr, "selftest %d session %lld status %s contactor %d error %d\n", st->selftest_done,
            (long long)st->conn[0].session_id, connector_status_name(cs_status(&st->core.conn[0])),
            st->core.conn[0].out.contactor_closed, (int)cs_error(&st->core.conn[0]));
  assert_true(ok);

  /* connector 1: the same session goes on, from its original start reading */
  assert_int_equal(st->conn[0].session_id, s1);
  assert_float_equal(st->conn[0].session_start_wh, 100.0, 1e-9);
  session_row r;
  assert_int_equal(store_session_get(st->db, s1, &r), 0);
  assert_int_equal(r.stop_ms, 0);
  assert_string_equal(cs_session_uid(&st->core.conn[0]), "AB12");

  /* connector 2: no car any more -> PowerLoss at the last durable reading */
  assert_int_equal(store_session_get(st->db, s2, &r), 0);
  assert_true(r.stop_ms > 0);
  assert_int_equal(r.reason, STOP_POWER_LOSS);
  assert_float_equal(r.meter_stop_wh, 540.0, 1e-9);
  assert_int_equal(st->conn[1].session_id, 0);

  /* a graceful stop ends the resumed session with Reboot */
  station_close(st);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_true(closed(st));
  assert_int_equal(store_session_get(st->db, s1, &r), 0);
  assert_int_equal(r.reason, STOP_REBOOT);
  assert_true(r.meter_stop_wh >= 150.0);
  station_free(st);
  free(st);
  assert_int_equal(uv_loop_close(&loop), 0);
  config_free(cfg);
  char cmd[96];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  assert_int_equal(system(cmd), 0);
}

int main(void) {
  if (borne_keys_register() != 0) return 1; /* every module's configuration keys */
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(open_session_resumes_if_ev_is_there_else_power_loss),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
