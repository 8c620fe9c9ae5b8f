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
#include "test_station_rig.h"
#include "test_tmpdir.h"
#include "hal/hal_sim.h"
#include "util/log.h"

static bool ready(station *st) {
  return st->selftest_done && cs_status(&st->core.conn[0]) == STATUS_PREPARING;
}
static bool has_session(station *st) { return cs_has_session(&st->core.conn[0]); }

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

  station_rig r;
  double energy[1] = {0};
  station_rig_prepare(&r, 1, energy);
  station_rig_open(&r, dir);
  station *st = r.st;
  assert_true(station_rig_run_until(&r, ready));

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
  for (int i = 0; i < 50; i++) uv_run(&r.loop, UV_RUN_NOWAIT);
  assert_false(has_session(st));
  /* nor by a remote start with it */
  assert_int_equal(station_remote_start(st, 1, "B2B2", err, sizeof err), -1);
  assert_string_equal(err, "badge B2B2 is unknown or disabled");
  assert_false(has_session(st));

  /* bob enabled again: the same badge starts a session in his name */
  assert_int_equal(store_user_update(st->db, bob, "bob", true), 0);
  station_tap(st, "B2B2");
  assert_true(station_rig_run_until(&r, has_session));
  assert_string_equal(cs_session_uid(&st->core.conn[0]), "B2B2");

  station_rig_close(&r, NULL);
  assert_int_equal(test_tmpdir_remove(dir), 0);
}

/* The auth_refused events with reason `reason` since event `after`. */
typedef struct {
  const char *reason;
  int count;
} refusals;
static int count_refusal(void *ctx, const event_row *row) {
  refusals *r = ctx;
  if (strcmp(row->kind, "auth_refused") == 0 && strcmp(row->reason, r->reason) == 0) r->count++;
  return 0;
}

/* The back end takes badges of at most N characters (OCPP 1.6 idTag: 20,
 * station_set_badge_max): a longer local badge is refused at the reader and
 * for a remote start (API, MQTT) with reason token_too_long — a session it
 * started would be heard by the back end under a cut badge, another one. */
static void badge_longer_than_the_back_end_takes_is_refused(void **state) {
  (void)state;
  log_set_level(LOG_ERROR);
  char dir[64], dbpath[128], err[256];
  const char *LONG = "04A1B2C3D4E5F60718293A4B"; /* 24: its first 20 are another badge */
  assert_int_equal(test_tmpdir_make(dir, sizeof dir, "borne-badges"), 0);
  snprintf(dbpath, sizeof dbpath, "%s/borne.db", dir);
  store *db;
  int64_t alice;
  assert_int_equal(store_open(&db, dbpath, err, sizeof err), 0);
  assert_int_equal(store_user_create(db, "alice", true, &alice), 0);
  assert_int_equal(store_badge_add(db, LONG, alice, true, 1), 0);
  store_close(db);

  station_rig r;
  double energy[1] = {0};
  station_rig_prepare(&r, 1, energy);
  station_rig_open(&r, dir);
  station *st = r.st;
  assert_true(station_rig_run_until(&r, ready));
  station_set_badge_max(st, 20);
  int64_t after = store_events_last_id(st->db);

  station_tap(st, LONG);
  for (int i = 0; i < 50; i++) uv_run(&r.loop, UV_RUN_NOWAIT);
  assert_false(has_session(st));
  assert_int_equal(station_remote_start(st, 1, LONG, err, sizeof err), -1);
  assert_non_null(strstr(err, "longer than the 20 characters"));
  assert_false(has_session(st));
  refusals rf = {.reason = "token_too_long"};
  assert_int_equal(store_events_query(st->db, after, 1000, count_refusal, &rf), 0);
  assert_int_equal(rf.count, 2); /* the tap's and the remote start's */

  /* a limit as long as the badge takes it */
  station_set_badge_max(st, (int)strlen(LONG));
  station_tap(st, LONG);
  assert_true(station_rig_run_until(&r, has_session));
  assert_string_equal(cs_session_uid(&st->core.conn[0]), LONG);

  station_rig_close(&r, NULL);
  assert_int_equal(test_tmpdir_remove(dir), 0);
}

int main(void) {
  if (borne_keys_register() != 0) return 1; /* every module's configuration keys */
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(disabled_users_badge_is_refused),
      cmocka_unit_test(badge_longer_than_the_back_end_takes_is_refused),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
