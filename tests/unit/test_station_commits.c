/*
 * A session's start and stop are one durable commit each (issue 15: the
 * session row, its meter sample and progress, and its event used to be four
 * commits), and so is what the modules write when they hear of it (the OCPP
 * journal's StartTransaction / StopTransaction, OCMF's begin and end records):
 * a module's session_started and session_stopped hooks run inside the
 * station's batch (they see the rows through the station's connection,
 * another connection does not yet), and nothing leaves before the commit:
 * when a module's event hook runs (the web page pushes the event, MQTT
 * publishes it) another connection already sees it, the session's row with
 * it. Over the cycle, the log-only events (status, auth_accepted) are commits
 * without a sync of their own (issue 15): the syncs are counted through the
 * power-cut VFS (powercut_vfs.h, which never cuts here).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <sqlite3.h>

#include "keys/key_tables.h"
#include "main/modules.h"
#include "powercut_vfs.h"
#include "station/station.h"
#include "test_station_rig.h"
#include "test_tmpdir.h"
#include "util/log.h"

static char db_path[128];

/* What another process sees (committed rows only). */
static int64_t seen(const char *query) {
  sqlite3 *db;
  sqlite3_stmt *st;
  assert_int_equal(sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_prepare_v2(db, query, -1, &st, NULL), SQLITE_OK);
  int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
  sqlite3_finalize(st);
  sqlite3_close(db);
  return v;
}

typedef struct {
  station *st;
  int started, stopped, start_events, stop_events, events;
  int commits;                           /* durable commits of the station's connection */
  int at_last_event;                     /* commits when the previous event was published */
  int commits_of_start, commits_of_stop; /* since the event before */
} watcher;

static int count_commit(void *ctx) {
  ((watcher *)ctx)->commits++;
  return 0;
}

/* Inside the station's batch: the rows are there for the station's own
 * connection, not yet for another; what the hook writes joins the commit. */
static void inside_the_batch(watcher *w, int c, int64_t id, bool stop) {
  char q[160];
  snprintf(q, sizeof q, "SELECT COUNT(*) FROM sessions WHERE id = %lld AND stop_ms %s 0",
           (long long)id, stop ? "!=" : "=");
  assert_int_equal(seen(q), 0);
  session_row row;
  assert_int_equal(store_session_get(w->st->db, id, &row), 0);
  assert_true(stop ? row.stop_ms != 0 : row.stop_ms == 0);
  assert_true(store_in_batch(w->st->db));
  station_event(w->st, c, "watcher_heard", "{\"session\":%lld}", (long long)id);
}

static void on_started(void *ctx, int c, const station_session_info *s) {
  watcher *w = ctx;
  w->started++;
  inside_the_batch(w, c, s->id, false);
}

static void on_stopped(void *ctx, int c, const station_session_info *s) {
  watcher *w = ctx;
  w->stopped++;
  inside_the_batch(w, c, s->id, true);
}

static void on_event(void *ctx, int c, const char *kind, const char *detail) {
  watcher *w = ctx;
  (void)c;
  (void)detail;
  char q[160];
  snprintf(q, sizeof q, "SELECT COUNT(*) FROM events WHERE kind = '%s'", kind);
  assert_true(seen(q) >= 1); /* every event is on disk when a module hears of it */
  w->events++;
  if (strcmp(kind, "session_start") == 0) {
    assert_int_equal(seen("SELECT COUNT(*) FROM sessions WHERE stop_ms = 0"), 1);
    assert_true(seen("SELECT COUNT(*) FROM meter_samples WHERE connector = 1") >= 1);
    w->start_events++;
    w->commits_of_start = w->commits - w->at_last_event;
  }
  if (strcmp(kind, "session_stop") == 0) {
    assert_int_equal(seen("SELECT COUNT(*) FROM sessions WHERE stop_ms != 0"), 1);
    w->stop_events++;
    w->commits_of_stop = w->commits - w->at_last_event;
  }
  w->at_last_event = w->commits;
}

static watcher *watching;
static bool started(station *st) {
  (void)st;
  return watching->started == 1;
}
static bool stopped(station *st) {
  (void)st;
  return watching->stopped == 1;
}
static bool ready(station *st) {
  return st->selftest_done && cs_status(&st->core.conn[0]) == STATUS_PREPARING;
}

static void a_session_start_and_stop_are_one_commit_each_with_the_modules_writes(void **state) {
  (void)state;
  log_set_level(LOG_ERROR);
  powercut_install(); /* never cuts here: counts the syncs */
  char dir[64], err[256];
  assert_int_equal(test_tmpdir_make(dir, sizeof dir, "borne-commits"), 0);
  snprintf(db_path, sizeof db_path, "%s/borne.db", dir);
  store *db;
  assert_int_equal(store_open(&db, db_path, err, sizeof err), 0);
  assert_int_equal(store_badge_add(db, "A1A1", 0, true, 1), 0);
  store_close(db);

  station_rig r;
  double energy[1] = {1000};
  station_rig_prepare(&r, 1, energy);
  station_rig_open(&r, dir);
  station *st = r.st;
  watcher w = {.st = st};
  watching = &w;
  station_module m = {.name = "watcher",
                      .ctx = &w,
                      .session_started = on_started,
                      .session_stopped = on_stopped,
                      .event = on_event};
  assert_int_equal(station_add_module(st, &m), 0);
  assert_true(station_rig_run_until(&r, ready));
  sqlite3_commit_hook(store_sqlite(st->db), count_commit, &w);
  int64_t syncs0 = powercut_syncs();
  int events0 = w.events;

  /* the start: the session row, its sample and progress, its event and what
   * the modules wrote (OCMF's begin record, this watcher's event) are the one
   * commit since the event before (four commits, then three, before) */
  assert_int_equal(station_remote_start(st, 1, "A1A1", err, sizeof err), 0);
  assert_true(station_rig_run_until(&r, started));
  assert_int_equal(w.start_events, 1);
  assert_int_equal(w.commits_of_start, 1);
  /* the stop: the last sample and progress, the stop and its event */
  assert_int_equal(station_remote_stop(st, 1, err, sizeof err), 0);
  assert_true(station_rig_run_until(&r, stopped));
  assert_int_equal(w.stop_events, 1);
  assert_int_equal(w.commits_of_stop, 1);
  /* the whole cycle: the log-only events (status changes) are committed
   * without a sync of their own (issue 15); the session's start and stop
   * and the samples are synced */
  int64_t syncs = powercut_syncs() - syncs0;
  print_message("cycle: %d commits, %lld syncs, %d events\n", w.commits, (long long)syncs,
                w.events - events0);
  /* session_start with OCMF's begin reading (pagination, record, its event)
   * and the watcher's event 1; auth_accepted 1; session_stop with OCMF's
   * end reading and the watcher's event 1; status Finishing 1. Synced: the
   * start and the stop (10 syncs before the log-only events, 8 before OCMF's
   * record and number were one commit, 6 before the modules wrote inside the
   * session's commit). Events: session_start, ocmf, watcher_heard,
   * auth_accepted, session_stop, ocmf, watcher_heard, status. */
  assert_int_equal(w.events - events0, 8);
  assert_int_equal(w.commits, 4);
  assert_int_equal(syncs, 2);
  sqlite3_commit_hook(store_sqlite(st->db), NULL, NULL);

  station_rig_close(&r, NULL);
  assert_int_equal(test_tmpdir_remove(dir), 0);
  powercut_uninstall();
}

static char order[16];
static void heard_a(void *ctx, int c, const char *kind, const char *detail) {
  (void)ctx, (void)c, (void)kind, (void)detail;
  strncat(order, "a", sizeof order - strlen(order) - 1);
}
static void heard_b(void *ctx, int c, const char *kind, const char *detail) {
  (void)ctx, (void)c, (void)kind, (void)detail;
  strncat(order, "b", sizeof order - strlen(order) - 1);
}
static void heard_c(void *ctx, int c, const char *kind, const char *detail) {
  (void)ctx, (void)c, (void)kind, (void)detail;
  strncat(order, "c", sizeof order - strlen(order) - 1);
}

/* OCMF attaches after OCPP (issue 15: OCPP starts connecting first) but its
 * hooks must run before OCPP's: station_add_module_before puts a module's
 * hooks before the named one's, and after all when that one is absent. */
static void a_module_added_before_another_hears_first(void **state) {
  (void)state;
  log_set_level(LOG_ERROR);
  char dir[64];
  assert_int_equal(test_tmpdir_make(dir, sizeof dir, "borne-order"), 0);
  station_rig r;
  double energy[1] = {1000};
  station_rig_prepare(&r, 1, energy);
  station_rig_open(&r, dir);
  station *st = r.st;
  assert_int_equal(station_add_module(st, &(station_module){.name = "ocpp", .event = heard_a}), 0);
  assert_int_equal(
      station_add_module_before(st, "ocpp", &(station_module){.name = "ocmf", .event = heard_b}),
      0);
  assert_int_equal(
      station_add_module_before(st, "absent", &(station_module){.name = "late", .event = heard_c}),
      0);
  order[0] = '\0';
  station_event(st, 0, "setting", "%s", "x");
  assert_string_equal(order, "bac");
  station_rig_close(&r, NULL);
  assert_int_equal(test_tmpdir_remove(dir), 0);
}

int main(void) {
  if (borne_keys_register() != 0) return 1; /* every module's configuration keys */
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(a_session_start_and_stop_are_one_commit_each_with_the_modules_writes),
      cmocka_unit_test(a_module_added_before_another_hears_first),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
