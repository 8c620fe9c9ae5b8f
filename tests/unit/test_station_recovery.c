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
#include "test_station_rig.h"
#include "hal/hal_sim.h"
#include "util/clock.h"
#include "util/log.h"

static bool recovered(station *st) {
  return st->selftest_done && st->conn[0].session_id != 0 && st->core.conn[0].out.contactor_closed;
}

/* The session resumed after the crash ends with Reboot at the graceful stop. */
static int64_t resumed_session;
static void ended_with_reboot(station *st) {
  session_row r;
  assert_int_equal(store_session_get(st->db, resumed_session, &r), 0);
  assert_int_equal(r.reason, STOP_REBOOT);
  assert_true(r.meter_stop_wh >= 150.0);
}

/* the same, whatever its energy */
static void ended_with_reboot_any(station *st) {
  session_row r;
  assert_int_equal(store_session_get(st->db, resumed_session, &r), 0);
  assert_int_equal(r.reason, STOP_REBOOT);
}

static bool closing(station *st) { return st->closing; }

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
  /* a minute ago: within session.resume_timeout_s (a day) */
  borne_ms t0 = clock_wall_ms() - 60000;
  assert_int_equal(store_session_begin(db, 1, "AB12", "", t0 + 1000, 100.0, &s1), 0);
  assert_int_equal(store_session_begin(db, 2, "CD34", "", t0 + 2000, 500.0, &s2), 0);
  meter_reading m1 = {.energy_import_wh = 150.0, .at = t0 + 5000};
  meter_reading m2 = {.energy_import_wh = 540.0, .at = t0 + 6000};
  assert_int_equal(store_meter_sample(db, 1, &m1), 0);
  assert_int_equal(store_meter_sample(db, 2, &m2), 0);
  assert_int_equal(store_session_progress(db, s2, 540.0), 0);
  store_close(db);

  /* After the restart the car on connector 1 is still plugged in. */
  station_rig rig;
  double energy[2] = {150.0, 540.0};
  station_rig_prepare(&rig, 2, energy);
  station_rig_open(&rig, dir);
  station *st = rig.st;
  bool ok = station_rig_run_until(&rig, recovered);
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
  resumed_session = s1;
  station_rig_close(&rig, ended_with_reboot);
  char cmd[96];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  assert_int_equal(system(cmd), 0);
}

/* The start-up decided: resumed or closed (close_unresumed_sessions). */
static bool selftest_done(station *st) { return st->selftest_done; }

/* A crash left one open session on connector 1 (its car still there) for
 * `uid`, its last record `ago_ms` before the restart; the station's badge
 * list holds `listed` (NULL: none), enabled or not; `timeout`:
 * session.resume_timeout_s (NULL: its default, a day). Returns whether the
 * same session went on after the restart. */
static bool resumed_after(const char *uid, const char *listed, bool enabled, borne_ms ago_ms,
                          const char *timeout) {
  char dir[] = "/tmp/borne-recovery-XXXXXX";
  assert_non_null(mkdtemp(dir));
  char dbpath[128], err[256];
  snprintf(dbpath, sizeof dbpath, "%s/borne.db", dir);
  store *db;
  assert_int_equal(store_open(&db, dbpath, err, sizeof err), 0);
  if (listed) assert_int_equal(store_badge_add(db, listed, 0, enabled, 1), 0);
  int64_t s1;
  assert_int_equal(store_session_begin(db, 1, uid, "", clock_wall_ms() - ago_ms, 100.0, &s1), 0);
  store_close(db);

  station_rig rig;
  double energy[2] = {100.0, 0.0};
  station_rig_prepare(&rig, 2, energy);
  if (timeout)
    assert_int_equal(config_set(rig.cfg, "session.resume_timeout_s", timeout, err, sizeof err), 0);
  station_rig_open(&rig, dir);
  station *st = rig.st;
  assert_true(station_rig_run_until(&rig, selftest_done));
  /* either it went on, or the start-up closed it with PowerLoss */
  session_row r;
  assert_int_equal(store_session_get(st->db, s1, &r), 0);
  bool went_on = st->conn[0].session_id == s1 && r.stop_ms == 0;
  if (!went_on) assert_int_equal(r.reason, STOP_POWER_LOSS);
  station_rig_close(&rig, NULL);
  char cmd[96];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  assert_int_equal(system(cmd), 0);
  return went_on;
}

static bool resumed_after_crash(const char *uid, const char *listed, bool enabled) {
  return resumed_after(uid, listed, enabled, 60000, NULL);
}

/* session.resume_timeout_s (2.1's TxCtrlr.ResumptionTimeout): an
 * interruption longer than it, or 0, closes the session (PowerLoss) though
 * its car is still there; a shorter one resumes it. */
static void longer_interruption_closes_the_session(void **state) {
  (void)state;
  log_set_level(LOG_ERROR);
  assert_false(resumed_after("AB12", "AB12", true, 2 * 86400000LL, NULL));
  assert_false(resumed_after("AB12", "AB12", true, 120000, "60"));
  assert_true(resumed_after("AB12", "AB12", true, 120000, "600"));
  assert_false(resumed_after("AB12", "AB12", true, 1000, "0"));
}

/* A token the station's list does not hold was authorized by the back end
 * (or its cache, or its local list): its session goes on with the car. */
static void back_end_token_session_resumes(void **state) {
  (void)state;
  log_set_level(LOG_ERROR);
  assert_true(resumed_after_crash("04A1B2C3D4", NULL, true));
}

/* A badge of the station's list disabled meanwhile: closed with PowerLoss. */
static void disabled_badge_session_is_closed(void **state) {
  (void)state;
  log_set_level(LOG_ERROR);
  assert_false(resumed_after_crash("AB12", "AB12", false));
  assert_true(resumed_after_crash("AB12", "AB12", true));
}

/* station_reset_keeping_sessions (2.1 Reset ImmediateAndResume): the restart
 * ends no session; its reading of that instant is on disk and the restarted
 * station resumes the same session (its car still there). */
static int64_t kept_session;
static void left_open(station *st) {
  session_row r;
  assert_int_equal(store_session_get(st->db, kept_session, &r), 0);
  assert_int_equal(r.stop_ms, 0);
  meter_reading last;
  assert_int_equal(store_meter_last(st->db, 1, &last), 0);
  assert_true(last.at >= r.start_ms);
}

static void reset_keeping_sessions_resumes_them(void **state) {
  (void)state;
  log_set_level(LOG_ERROR);
  char dir[] = "/tmp/borne-recovery-XXXXXX";
  assert_non_null(mkdtemp(dir));
  char dbpath[128], err[256];
  snprintf(dbpath, sizeof dbpath, "%s/borne.db", dir);
  store *db;
  assert_int_equal(store_open(&db, dbpath, err, sizeof err), 0);
  assert_int_equal(store_badge_add(db, "AB12", 0, true, 1), 0);
  assert_int_equal(
      store_session_begin(db, 1, "AB12", "", clock_wall_ms() - 1000, 100.0, &kept_session), 0);
  store_close(db);

  station_rig rig;
  double energy[2] = {100.0, 0.0};
  station_rig_prepare(&rig, 2, energy);
  station_rig_open(&rig, dir);
  assert_true(station_rig_run_until(&rig, recovered));
  assert_int_equal(rig.st->conn[0].session_id, kept_session);
  station_reset_keeping_sessions(rig.st, BOOT_REASON_REMOTE_RESET);
  assert_true(station_rig_run_until(&rig, closing));
  station_rig_close(&rig, left_open);

  station_rig again;
  station_rig_prepare(&again, 2, energy);
  station_rig_open(&again, dir);
  assert_true(station_rig_run_until(&again, recovered));
  assert_int_equal(again.st->conn[0].session_id, kept_session);
  resumed_session = kept_session;
  station_rig_close(&again, ended_with_reboot_any);
  char cmd[96];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  assert_int_equal(system(cmd), 0);
}

int main(void) {
  if (borne_keys_register() != 0) return 1; /* every module's configuration keys */
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(open_session_resumes_if_ev_is_there_else_power_loss),
      cmocka_unit_test(back_end_token_session_resumes),
      cmocka_unit_test(disabled_badge_session_is_closed),
      cmocka_unit_test(longer_interruption_closes_the_session),
      cmocka_unit_test(reset_keeping_sessions_resumes_them),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
