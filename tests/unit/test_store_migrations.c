/*
 * Schema migrations of the SQLite store and store_open's refusals: a fresh
 * file gets the latest schema; databases written by schema 1 and 2 (built by
 * hand here, from the SQL those versions shipped) are upgraded and keep their
 * rows; a newer schema, a failing step, a file that is not a database and a
 * missing directory all fail with a message a user can act on, and leave the
 * file as it was. The SQL below is a frozen copy of history: it must never
 * follow later edits of the migrations.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <sqlite3.h>

#include "test_tmpdir.h"
#include "store/store.h"

/* Schema 1 as released. */
static const char *const schema_v1 =
    "CREATE TABLE sessions(id INTEGER PRIMARY KEY AUTOINCREMENT, connector INTEGER NOT NULL,"
    " uid TEXT NOT NULL DEFAULT '', user TEXT NOT NULL DEFAULT '', start_ms INTEGER NOT NULL,"
    " stop_ms INTEGER NOT NULL DEFAULT 0, meter_start_wh REAL NOT NULL,"
    " meter_stop_wh REAL NOT NULL, stop_reason TEXT NOT NULL DEFAULT '');"
    "CREATE TABLE events(id INTEGER PRIMARY KEY AUTOINCREMENT, at_ms INTEGER NOT NULL,"
    " connector INTEGER NOT NULL, kind TEXT NOT NULL, detail TEXT NOT NULL);"
    "CREATE TABLE meter_samples(connector INTEGER NOT NULL, at_ms INTEGER NOT NULL,"
    " v1 REAL, v2 REAL, v3 REAL, i1 REAL, i2 REAL, i3 REAL, p1 REAL, p2 REAL, p3 REAL,"
    " p_total REAL, energy_wh REAL NOT NULL);"
    "CREATE TABLE users(id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE,"
    " enabled INTEGER NOT NULL DEFAULT 1);"
    "CREATE TABLE badges(uid TEXT PRIMARY KEY, user_id INTEGER REFERENCES users(id) ON DELETE"
    " SET NULL, enabled INTEGER NOT NULL DEFAULT 1, created_ms INTEGER NOT NULL);"
    "CREATE TABLE settings(key TEXT PRIMARY KEY, value TEXT NOT NULL,"
    " updated_ms INTEGER NOT NULL);";

/* Schema 2 as released, applied on top of schema 1. */
static const char *const schema_v2 =
    "ALTER TABLE meter_samples ADD COLUMN frequency_hz REAL NOT NULL DEFAULT 0;"
    "CREATE TABLE selftest(at_ms INTEGER NOT NULL, connector INTEGER NOT NULL,"
    " check_name TEXT NOT NULL, ok INTEGER NOT NULL, detail TEXT NOT NULL);"
    "CREATE INDEX sessions_start ON sessions(start_ms);"
    "CREATE INDEX sessions_uid ON sessions(uid);"
    "CREATE INDEX sessions_user ON sessions(user);"
    "CREATE INDEX sessions_open ON sessions(stop_ms) WHERE stop_ms = 0;"
    "CREATE INDEX samples_connector_time ON meter_samples(connector, at_ms);";

/* Schemas 3 and 4 as released, applied on top of schema 2. */
static const char *const schema_v3_v4 =
    "CREATE TABLE meter_last(connector INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL,"
    " v1 REAL, v2 REAL, v3 REAL, i1 REAL, i2 REAL, i3 REAL, p1 REAL, p2 REAL, p3 REAL,"
    " p_total REAL, energy_wh REAL NOT NULL, frequency_hz REAL NOT NULL);"
    "CREATE TRIGGER meter_samples_last AFTER INSERT ON meter_samples BEGIN"
    " INSERT OR REPLACE INTO meter_last VALUES(NEW.connector, NEW.at_ms, NEW.v1, NEW.v2,"
    " NEW.v3, NEW.i1, NEW.i2, NEW.i3, NEW.p1, NEW.p2, NEW.p3, NEW.p_total, NEW.energy_wh,"
    " NEW.frequency_hz); END;"
    "CREATE TABLE module_schema(module TEXT PRIMARY KEY, version INTEGER NOT NULL);";

typedef test_tmpdb tmpdb;

static int setup(void **state) { return test_tmpdb_setup(state, "borne-mig"); }

static int teardown(void **state) { return test_tmpdb_teardown(state); }

/* Run SQL on the file with a plain connection (what a user's sqlite3 does). */
static void raw_exec(const char *path, const char *text) {
  sqlite3 *db;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  char *msg = NULL;
  int rc = sqlite3_exec(db, text, NULL, NULL, &msg);
  if (rc != SQLITE_OK) fprintf(stderr, "raw_exec: %s\n", msg ? msg : "?");
  sqlite3_free(msg);
  sqlite3_close(db);
  assert_int_equal(rc, SQLITE_OK);
}

/* First column of the first row of a query, as an integer (-1 if no row). */
static int64_t raw_int(const char *path, const char *query) {
  sqlite3 *db;
  sqlite3_stmt *st;
  int64_t v = -1;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  assert_int_equal(sqlite3_prepare_v2(db, query, -1, &st, NULL), SQLITE_OK);
  if (sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return v;
}

static int64_t schema_objects(const char *path, const char *type, const char *name) {
  char q[256];
  snprintf(q, sizeof q, "SELECT COUNT(*) FROM sqlite_master WHERE type = '%s' AND name = '%s'",
           type, name);
  return raw_int(path, q);
}

static void fresh_file_gets_the_latest_schema(void **state) {
  tmpdb *t = *state;
  store *s;
  char err[256];
  assert_int_equal(store_open(&s, t->path, err, sizeof err), 0);
  assert_int_equal(store_schema_latest(), 6);
  assert_int_equal(store_schema_version(s), store_schema_latest());
  store_close(s);
  const char *tables[] = {"sessions",      "events",         "meter_samples", "meter_last",
                          "users",         "badges",         "settings",      "selftest",
                          "module_schema", "events_security"};
  for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++)
    assert_int_equal(schema_objects(t->path, "table", tables[i]), 1);
  const char *indexes[] = {"sessions_start", "sessions_uid", "sessions_user", "sessions_open",
                           "samples_connector_time"};
  for (size_t i = 0; i < sizeof indexes / sizeof indexes[0]; i++)
    assert_int_equal(schema_objects(t->path, "index", indexes[i]), 1);
  assert_int_equal(schema_objects(t->path, "trigger", "meter_samples_last"), 1);
  /* WAL is a property of the file: another connection sees it */
  sqlite3 *db;
  sqlite3_stmt *st;
  assert_int_equal(sqlite3_open(t->path, &db), SQLITE_OK);
  assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
  sqlite3_finalize(st);
  sqlite3_close(db);
}

static void reopening_applies_nothing_twice(void **state) {
  tmpdb *t = *state;
  store *s;
  char err[256];
  int64_t id;
  assert_int_equal(store_open(&s, t->path, err, sizeof err), 0);
  assert_int_equal(store_session_begin(s, 1, "AA", "", 1000, 5.0, &id), 0);
  store_close(s);
  assert_int_equal(store_open(&s, t->path, err, sizeof err), 0);
  session_row r;
  assert_int_equal(store_session_get(s, id, &r), 0);
  assert_float_equal(r.meter_start_wh, 5.0, 1e-9);
  store_close(s);
}

/* Schema 1 → latest: migration 2 adds the frequency column (0 for old rows),
 * the self-test table and the indexes; migration 3 seeds meter_last. */
static void version_1_database_is_upgraded_and_keeps_its_rows(void **state) {
  tmpdb *t = *state;
  raw_exec(t->path, schema_v1);
  raw_exec(t->path,
           "INSERT INTO sessions(connector, uid, user, start_ms, stop_ms, meter_start_wh,"
           " meter_stop_wh, stop_reason) VALUES(1, 'AB', 'Room 1', 1000, 2000, 10, 20, 'Local');"
           "INSERT INTO sessions(connector, uid, user, start_ms, meter_start_wh, meter_stop_wh)"
           " VALUES(2, 'CD', '', 3000, 40, 41);"
           "INSERT INTO meter_samples(connector, at_ms, energy_wh) VALUES(1, 2000, 20);"
           "INSERT INTO users(name) VALUES('Room 1');"
           "INSERT INTO badges(uid, user_id, created_ms) VALUES('04A1', 1, 500);"
           "INSERT INTO settings VALUES('auth.mode', 'badge', 1);"
           "PRAGMA user_version = 1;");

  store *s;
  char err[256];
  assert_int_equal(store_open(&s, t->path, err, sizeof err), 0);
  assert_int_equal(store_schema_version(s), store_schema_latest());
  session_row r;
  assert_int_equal(store_session_get(s, 1, &r), 0);
  assert_string_equal(r.user, "Room 1");
  assert_int_equal(r.reason, STOP_LOCAL);
  assert_int_equal(store_session_get(s, 2, &r), 0);
  assert_int_equal(r.stop_ms, 0);
  assert_int_equal(r.reason, STOP_NONE);
  meter_reading m;
  assert_int_equal(store_meter_last(s, 1, &m), 0); /* seeded into meter_last by step 3 */
  assert_float_equal(m.energy_import_wh, 20.0, 1e-9);
  assert_float_equal(m.frequency_hz, 0.0, 1e-9); /* the column added by step 2 */
  badge_row b;
  assert_int_equal(store_badge_get(s, "04:a1", &b), 0);
  assert_string_equal(b.user, "Room 1");
  assert_int_equal(store_selftest_record(s, 3000, 1, "rcd", true, "ok"), 0); /* table from 2 */
  store_close(s);
  assert_int_equal(schema_objects(t->path, "index", "samples_connector_time"), 1);
  assert_int_equal(raw_int(t->path, "SELECT COUNT(*) FROM settings"), 1);
}

/* Schema 2 → 3: meter_last gets each connector's newest sample by insertion
 * order, which is not the latest station time (time can jump back across a
 * --sim-speed restart). */
static void version_2_database_gets_the_last_sample_of_each_connector(void **state) {
  tmpdb *t = *state;
  raw_exec(t->path, schema_v1);
  raw_exec(t->path, schema_v2);
  raw_exec(t->path, "INSERT INTO meter_samples(connector, at_ms, energy_wh, frequency_hz)"
                    " VALUES(1, 9000, 100, 50), (2, 1000, 7, 50), (1, 5000, 130, 49.9),"
                    " (2, 2000, 8, 50);"
                    "PRAGMA user_version = 2;");
  store *s;
  char err[256];
  assert_int_equal(store_open(&s, t->path, err, sizeof err), 0);
  assert_int_equal(store_schema_version(s), store_schema_latest());
  meter_reading m;
  assert_int_equal(store_meter_last(s, 1, &m), 0);
  assert_float_equal(m.energy_import_wh, 130.0, 1e-9);
  assert_int_equal(m.at, 5000);
  assert_float_equal(m.frequency_hz, 49.9, 1e-9);
  assert_int_equal(store_meter_last(s, 2, &m), 0);
  assert_float_equal(m.energy_import_wh, 8.0, 1e-9);
  assert_int_equal(store_meter_last(s, 3, &m), -1);
  store_close(s);
  assert_int_equal(raw_int(t->path, "SELECT COUNT(*) FROM meter_samples"), 4);
}

/* Schema 5 → 6 (issue 19): the events logged before have no reason; an event
 * recorded with one reads back with it, through store_events_query. */
typedef struct {
  int n;
  char reasons[4][48];
} reasons_seen;

static int collect_reason(void *ctx, const event_row *row) {
  reasons_seen *r = ctx;
  if (r->n < 4) snprintf(r->reasons[r->n++], sizeof r->reasons[0], "%s", row->reason);
  return 0;
}

static void version_5_events_get_a_reason(void **state) {
  tmpdb *t = *state;
  raw_exec(t->path, schema_v1);
  raw_exec(t->path, schema_v2);
  raw_exec(t->path, schema_v3_v4);
  raw_exec(t->path, "CREATE TABLE events_security(n INTEGER PRIMARY KEY AUTOINCREMENT,"
                    " event_id INTEGER NOT NULL);"
                    "INSERT INTO events(at_ms, connector, kind, detail) VALUES"
                    " (1, 1, 'auth_refused', '04A1');"
                    "PRAGMA user_version = 5;");
  store *s;
  char err[256];
  assert_int_equal(store_open(&s, t->path, err, sizeof err), 0);
  assert_int_equal(store_schema_version(s), 6);
  assert_int_equal(
      store_event_add_reason(s, 2, 1, "auth_refused", "04A1", "badge_disabled", false, NULL), 0);
  assert_int_equal(store_event_add_reason(s, 3, 1, "limit", "{}", "load_management", true, NULL),
                   0);
  reasons_seen r = {0};
  assert_int_equal(store_events_query(s, 0, 10, collect_reason, &r), 0);
  store_close(s);
  assert_int_equal(r.n, 3);
  assert_string_equal(r.reasons[0], "");
  assert_string_equal(r.reasons[1], "badge_disabled");
  assert_string_equal(r.reasons[2], "load_management");
}

/* Schema 4 → 5: the security events already logged count against their own
 * budget, oldest first, and the other events are not touched by it. */
static void version_4_security_events_join_their_budget(void **state) {
  tmpdb *t = *state;
  raw_exec(t->path, schema_v1);
  raw_exec(t->path, schema_v2);
  raw_exec(t->path, schema_v3_v4);
  raw_exec(t->path, "INSERT INTO events(at_ms, connector, kind, detail) VALUES"
                    " (1, 0, 'security', 'a'), (2, 0, 'status', 'x'), (3, 0, 'security', 'b'),"
                    " (4, 0, 'security', 'c'), (5, 0, 'error', 'y'), (6, 0, 'security', 'd');"
                    "PRAGMA user_version = 4;");
  store *s;
  char err[256];
  assert_int_equal(store_open(&s, t->path, err, sizeof err), 0);
  assert_int_equal(store_schema_version(s), store_schema_latest());
  store_retention keep;
  store_get_retention(s, &keep);
  keep.security_event_max_rows = 3;
  store_set_retention(s, &keep);
  assert_int_equal(store_event_add(s, 7, 0, "security", "e", NULL), 0);
  store_close(s);
  assert_int_equal(raw_int(t->path, "SELECT COUNT(*) FROM events WHERE kind = 'security'"), 3);
  assert_int_equal(raw_int(t->path, "SELECT MIN(at_ms) FROM events WHERE kind = 'security'"), 4);
  assert_int_equal(raw_int(t->path, "SELECT COUNT(*) FROM events WHERE kind != 'security'"), 2);
}

static void newer_schema_is_refused_and_left_alone(void **state) {
  tmpdb *t = *state;
  raw_exec(t->path, schema_v1);
  raw_exec(t->path, "PRAGMA user_version = 99");
  store *s = (store *)1;
  char err[256];
  assert_int_equal(store_open(&s, t->path, err, sizeof err), -1);
  assert_null(s);
  assert_non_null(strstr(err, t->path));
  assert_non_null(strstr(err, "newer"));
  assert_non_null(strstr(err, "99"));
  assert_int_equal(raw_int(t->path, "PRAGMA user_version"), 99);
  assert_int_equal(schema_objects(t->path, "table", "selftest"), 0);
}

/* A fresh file gets all steps in one transaction (one durable commit, issue 15):
 * a step that fails (or a crash) leaves it at version 0 with nothing applied,
 * not half a schema. Here the last step's table is in the way. */
static void fresh_file_failing_late_step_leaves_nothing(void **state) {
  tmpdb *t = *state;
  raw_exec(t->path, "CREATE TABLE events_security(x);");
  store *s;
  char err[256];
  assert_int_equal(store_open(&s, t->path, err, sizeof err), -1);
  assert_non_null(strstr(err, "migration 5"));
  assert_int_equal(raw_int(t->path, "PRAGMA user_version"), 0);
  assert_int_equal(schema_objects(t->path, "table", "sessions"), 0);
  assert_int_equal(schema_objects(t->path, "table", "selftest"), 0);
  assert_int_equal(schema_objects(t->path, "table", "module_schema"), 0);
  /* once the obstacle is gone, the next start creates the whole schema */
  raw_exec(t->path, "DROP TABLE events_security;");
  assert_int_equal(store_open(&s, t->path, err, sizeof err), 0);
  assert_int_equal(store_schema_version(s), store_schema_latest());
  store_close(s);
  assert_int_equal(schema_objects(t->path, "table", "sessions"), 1);
}

/* Each step is its own transaction: a step that fails leaves the database at
 * the previous version with nothing of the failed step applied. */
static void failing_migration_rolls_back_to_the_previous_version(void **state) {
  tmpdb *t = *state;
  raw_exec(t->path, schema_v1);
  /* step 2 alters meter_samples: without it, the step fails midway */
  raw_exec(t->path, "DROP TABLE meter_samples; PRAGMA user_version = 1;");
  store *s;
  char err[256];
  assert_int_equal(store_open(&s, t->path, err, sizeof err), -1);
  assert_non_null(strstr(err, "migration 2"));
  assert_non_null(strstr(err, "meter_samples")); /* sqlite's own words: no such table */
  assert_int_equal(raw_int(t->path, "PRAGMA user_version"), 1);
  assert_int_equal(schema_objects(t->path, "table", "selftest"), 0);
  assert_int_equal(schema_objects(t->path, "index", "sessions_start"), 0);
}

static void module_steps_apply_once_in_order_and_roll_back_on_failure(void **state) {
  tmpdb *t = *state;
  store *s;
  char err[256];
  assert_int_equal(store_open(&s, t->path, err, sizeof err), 0);
  static const char *const v1[] = {"CREATE TABLE demo_a(x INTEGER);"};
  static const char *const v2[] = {"CREATE TABLE demo_a(x INTEGER);",
                                   "ALTER TABLE demo_a ADD COLUMN y TEXT;"};
  static const char *const bad[] = {"CREATE TABLE demo_a(x INTEGER);",
                                    "ALTER TABLE demo_a ADD COLUMN y TEXT;",
                                    "CREATE TABLE demo_b(z); SELECT no_such_function();"};
  assert_int_equal(store_module_version(s, "demo"), 0);
  assert_int_equal(store_module_migrate(s, "demo", v1, 1), 0);
  assert_int_equal(store_module_version(s, "demo"), 1);
  assert_int_equal(store_module_migrate(s, "demo", v1, 1), 0); /* nothing twice */
  assert_int_equal(store_module_migrate(s, "demo", v2, 2), 0);
  assert_int_equal(store_module_version(s, "demo"), 2);
  assert_int_equal(store_module_migrate(s, "demo", bad, 3), -1);
  assert_non_null(strstr(store_last_error(s), "demo migration 3"));
  assert_int_equal(store_module_version(s, "demo"), 2);
  /* an older borne refuses tables written by a newer one */
  assert_int_equal(store_module_migrate(s, "demo", v1, 1), -1);
  assert_non_null(strstr(store_last_error(s), "newer"));
  assert_int_equal(store_module_version(s, "other"), 0);
  store_close(s);
  assert_int_equal(schema_objects(t->path, "table", "demo_b"), 0);
  assert_int_equal(raw_int(t->path, "SELECT COUNT(*) FROM pragma_table_info('demo_a')"), 2);
}

static void file_that_is_not_a_database_is_refused(void **state) {
  tmpdb *t = *state;
  FILE *g = fopen(t->path, "w");
  assert_non_null(g);
  for (int i = 0; i < 200; i++) fputs("this is not a database ", g);
  fclose(g);
  store *s;
  char err[256];
  assert_int_equal(store_open(&s, t->path, err, sizeof err), -1);
  assert_null(s);
  assert_non_null(strstr(err, t->path));
  assert_non_null(strstr(err, "not a database"));
}

static void missing_directory_is_refused(void **state) {
  tmpdb *t = *state;
  char path[200];
  snprintf(path, sizeof path, "%s/no/such/dir/borne.db", t->dir);
  store *s;
  char err[256];
  assert_int_equal(store_open(&s, path, err, sizeof err), -1);
  assert_null(s);
  assert_non_null(strstr(err, path));
  assert_non_null(strstr(err, "unable to open"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(fresh_file_gets_the_latest_schema, setup, teardown),
      cmocka_unit_test_setup_teardown(reopening_applies_nothing_twice, setup, teardown),
      cmocka_unit_test_setup_teardown(version_1_database_is_upgraded_and_keeps_its_rows, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(version_2_database_gets_the_last_sample_of_each_connector,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(version_4_security_events_join_their_budget, setup, teardown),
      cmocka_unit_test_setup_teardown(newer_schema_is_refused_and_left_alone, setup, teardown),
      cmocka_unit_test_setup_teardown(fresh_file_failing_late_step_leaves_nothing, setup, teardown),
      cmocka_unit_test_setup_teardown(failing_migration_rolls_back_to_the_previous_version, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(module_steps_apply_once_in_order_and_roll_back_on_failure,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(file_that_is_not_a_database_is_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(missing_directory_is_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(version_5_events_get_a_reason, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
