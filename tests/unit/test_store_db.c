/*
 * The SQLite store: migrations (fresh and from an older schema), sessions and
 * their queries, events, meter samples, users and badges, settings, and the
 * durability promise (a child killed with SIGKILL right after a call returned
 * loses nothing).
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <sqlite3.h>

#include "store/store.h"

typedef struct {
  char dir[64];
  char path[96];
  store *s;
} fixture;

static int setup(void **state) {
  fixture *f = calloc(1, sizeof *f);
  snprintf(f->dir, sizeof f->dir, "/tmp/borne-store-XXXXXX");
  if (!mkdtemp(f->dir)) return -1;
  snprintf(f->path, sizeof f->path, "%s/borne.db", f->dir);
  char err[256];
  if (store_open(&f->s, f->path, err, sizeof err) != 0) {
    fprintf(stderr, "%s\n", err);
    return -1;
  }
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fixture *f = *state;
  store_close(f->s);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
  int rc = system(cmd);
  free(f);
  return rc == 0 ? 0 : -1;
}

static void fresh_database_has_latest_schema(void **state) {
  fixture *f = *state;
  assert_int_equal(store_schema_version(f->s), 2);
}

/* A database written by schema version 1 (built by hand here) is upgraded on
 * open and keeps its rows. */
static void version_1_database_is_migrated_and_keeps_data(void **state) {
  (void)state;
  char dir[] = "/tmp/borne-mig-XXXXXX";
  assert_non_null(mkdtemp(dir));
  char path[96];
  snprintf(path, sizeof path, "%s/old.db", dir);
  sqlite3 *db;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  const char *v1 =
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
      " updated_ms INTEGER NOT NULL);"
      "INSERT INTO sessions(connector, uid, user, start_ms, stop_ms, meter_start_wh,"
      " meter_stop_wh, stop_reason) VALUES(1, 'AB', 'Room 1', 1000, 2000, 10, 20, 'Local');"
      "INSERT INTO meter_samples(connector, at_ms, energy_wh) VALUES(1, 2000, 20);"
      "PRAGMA user_version = 1;";
  assert_int_equal(sqlite3_exec(db, v1, NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close(db);

  store *s;
  char err[256];
  assert_int_equal(store_open(&s, path, err, sizeof err), 0);
  assert_int_equal(store_schema_version(s), 2);
  session_row r;
  assert_int_equal(store_session_get(s, 1, &r), 0);
  assert_string_equal(r.user, "Room 1");
  assert_int_equal(r.reason, STOP_LOCAL);
  meter_reading m;
  assert_int_equal(store_meter_last(s, 1, &m), 0);
  assert_float_equal(m.energy_import_wh, 20.0, 1e-9);
  assert_float_equal(m.frequency_hz, 0.0, 1e-9); /* the column added by migration 2 */
  assert_int_equal(store_selftest_record(s, 3000, 1, "rcd", true, "ok"), 0); /* table from 2 */
  store_close(s);
  char cmd[96];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  assert_int_equal(system(cmd), 0);
}

static void newer_schema_is_refused_with_a_clear_error(void **state) {
  fixture *f = *state;
  store_close(f->s);
  sqlite3 *db;
  assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
  assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close(db);
  char err[256];
  assert_int_equal(store_open(&f->s, f->path, err, sizeof err), -1);
  assert_non_null(strstr(err, "newer"));
  assert_null(f->s);
  /* reopen something valid for teardown */
  sqlite3_open(f->path, &db);
  sqlite3_exec(db, "PRAGMA user_version = 2", NULL, NULL, NULL);
  sqlite3_close(db);
  assert_int_equal(store_open(&f->s, f->path, err, sizeof err), 0);
}

static void garbage_file_is_refused(void **state) {
  fixture *f = *state;
  char path[128];
  snprintf(path, sizeof path, "%s/garbage.db", f->dir);
  FILE *g = fopen(path, "w");
  for (int i = 0; i < 200; i++) fputs("this is not a database ", g);
  fclose(g);
  store *s = NULL;
  char err[256];
  assert_int_equal(store_open(&s, path, err, sizeof err), -1);
  assert_non_null(strstr(err, path));
}

static int collect_ids(void *ctx, const session_row *r) {
  int64_t *ids = ctx;
  for (int i = 0; i < 16; i++) {
    if (ids[i] == 0) {
      ids[i] = r->id;
      break;
    }
  }
  return 0;
}

static void sessions_lifecycle_and_queries(void **state) {
  fixture *f = *state;
  int64_t a, b, c;
  assert_int_equal(store_session_begin(f->s, 1, "04A1", "Room 12", 1000, 100.0, &a), 0);
  assert_int_equal(store_session_begin(f->s, 2, "04B2", "Room 14", 2000, 50.0, &b), 0);
  assert_int_equal(store_session_begin(f->s, 1, "04A1", "Room 12", 5000, 300.0, &c), 0);
  assert_true(a < b && b < c);
  assert_int_equal(store_session_progress(f->s, a, 150.0), 0);
  session_row r;
  assert_int_equal(store_session_get(f->s, a, &r), 0);
  assert_int_equal(r.stop_ms, 0);
  assert_float_equal(r.meter_stop_wh, 150.0, 1e-9);
  assert_int_equal(store_session_end(f->s, a, 4000, 290.0, STOP_LOCAL), 0);
  assert_int_equal(store_session_get(f->s, a, &r), 0);
  assert_int_equal(r.stop_ms, 4000);
  assert_float_equal(r.meter_stop_wh, 290.0, 1e-9);
  assert_int_equal(r.reason, STOP_LOCAL);
  /* progress after the end changes nothing */
  assert_int_equal(store_session_progress(f->s, a, 999.0), 0);
  assert_int_equal(store_session_get(f->s, a, &r), 0);
  assert_float_equal(r.meter_stop_wh, 290.0, 1e-9);
  assert_int_equal(store_session_end(f->s, 12345, 1, 1, STOP_LOCAL), -1);
  assert_int_equal(store_session_get(f->s, 12345, &r), -1);

  int64_t ids[16] = {0};
  assert_int_equal(store_sessions_open(f->s, collect_ids, ids), 0);
  assert_true(ids[0] == b && ids[1] == c && ids[2] == 0); /* oldest first */

  memset(ids, 0, sizeof ids);
  session_filter all = {0};
  assert_int_equal(store_sessions_query(f->s, &all, collect_ids, ids), 0);
  assert_true(ids[0] == c && ids[1] == b && ids[2] == a); /* newest first */

  memset(ids, 0, sizeof ids);
  session_filter by_uid = {.uid = "04:a1"};
  assert_int_equal(store_sessions_query(f->s, &by_uid, collect_ids, ids), 0);
  assert_true(ids[0] == c && ids[1] == a && ids[2] == 0);

  memset(ids, 0, sizeof ids);
  session_filter by_user = {.user = "Room 14"};
  assert_int_equal(store_sessions_query(f->s, &by_user, collect_ids, ids), 0);
  assert_true(ids[0] == b && ids[1] == 0);

  memset(ids, 0, sizeof ids);
  session_filter window = {.since_ms = 2000, .until_ms = 5000};
  assert_int_equal(store_sessions_query(f->s, &window, collect_ids, ids), 0);
  assert_true(ids[0] == b && ids[1] == 0);

  memset(ids, 0, sizeof ids);
  session_filter conn_limit = {.connector = 1, .limit = 1};
  assert_int_equal(store_sessions_query(f->s, &conn_limit, collect_ids, ids), 0);
  assert_true(ids[0] == c && ids[1] == 0);

  memset(ids, 0, sizeof ids);
  session_filter bad_uid = {.uid = "not hex"};
  assert_int_equal(store_sessions_query(f->s, &bad_uid, collect_ids, ids), 0);
  assert_int_equal(ids[0], 0);
}

typedef struct {
  int count;
  int64_t last;
  char kinds[8][32];
} event_acc;

static int collect_event(void *ctx, const event_row *e) {
  event_acc *acc = ctx;
  if (acc->count < 8) snprintf(acc->kinds[acc->count], 32, "%s", e->kind);
  acc->count++;
  acc->last = e->id;
  return 0;
}

static void events_after_id_with_limit(void **state) {
  fixture *f = *state;
  assert_int_equal(store_events_last_id(f->s), 0);
  int64_t id1, id2, id3;
  assert_int_equal(store_event_add(f->s, 10, 0, "boot", "borne", &id1), 0);
  assert_int_equal(store_event_add(f->s, 11, 1, "status", "Available", &id2), 0);
  assert_int_equal(store_event_add(f->s, 12, 1, "status", "Preparing", &id3), 0);
  assert_int_equal(store_events_last_id(f->s), id3);
  event_acc acc = {0};
  assert_int_equal(store_events_query(f->s, id1, 0, collect_event, &acc), 0);
  assert_int_equal(acc.count, 2);
  assert_string_equal(acc.kinds[0], "status");
  memset(&acc, 0, sizeof acc);
  assert_int_equal(store_events_query(f->s, 0, 1, collect_event, &acc), 0);
  assert_int_equal(acc.count, 1);
  assert_int_equal(acc.last, id1);
}

static void meter_last_is_the_newest_written(void **state) {
  fixture *f = *state;
  meter_reading m = {0};
  assert_int_equal(store_meter_last(f->s, 1, &m), -1);
  meter_reading a = {.energy_import_wh = 100, .at = 5000, .voltage_v = {230, 231, 232}};
  meter_reading b = {.energy_import_wh = 120, .at = 4000}; /* older clock, written later */
  assert_int_equal(store_meter_sample(f->s, 1, &a), 0);
  assert_int_equal(store_meter_sample(f->s, 1, &b), 0);
  meter_reading other = {.energy_import_wh = 7, .at = 9000};
  assert_int_equal(store_meter_sample(f->s, 2, &other), 0);
  assert_int_equal(store_meter_last(f->s, 1, &m), 0);
  assert_float_equal(m.energy_import_wh, 120, 1e-9);
  assert_int_equal(store_meter_last(f->s, 2, &m), 0);
  assert_float_equal(m.energy_import_wh, 7, 1e-9);
}

typedef struct {
  int count;
  char first[BORNE_UID_MAX + 1];
  char first_user[BORNE_NAME_MAX + 1];
} badge_acc;

static int collect_badge(void *ctx, const badge_row *b) {
  badge_acc *acc = ctx;
  if (acc->count++ == 0) {
    snprintf(acc->first, sizeof acc->first, "%s", b->uid);
    snprintf(acc->first_user, sizeof acc->first_user, "%s", b->user);
  }
  return 0;
}

static void users_and_badges(void **state) {
  fixture *f = *state;
  int64_t room12, room14;
  assert_int_equal(store_user_create(f->s, "Room 12", true, &room12), 0);
  assert_int_equal(store_user_create(f->s, "Room 14", true, &room14), 0);
  assert_int_equal(store_user_create(f->s, "Room 12", true, NULL), -1);
  assert_non_null(strstr(store_last_error(f->s), "already exists"));
  assert_int_equal(store_user_create(f->s, "", true, NULL), -1);

  assert_int_equal(store_badge_add(f->s, "04:a1:b2", room12, true, 1000), 0);
  assert_int_equal(store_badge_add(f->s, "04A1B2", room14, true, 1000), -1); /* same badge */
  assert_int_equal(store_badge_add(f->s, "zz", 0, true, 1000), -1);
  assert_non_null(strstr(store_last_error(f->s), "hexadecimal"));
  assert_int_equal(store_badge_add(f->s, "0102030405060708091011121314151617181920AA", 0, true, 0),
                   -1);
  assert_int_equal(store_badge_add(f->s, "ABCD", 999, true, 1000), -1); /* no such user */

  badge_row b;
  assert_int_equal(store_badge_get(f->s, "04a1b2", &b), 0);
  assert_string_equal(b.uid, "04A1B2");
  assert_string_equal(b.user, "Room 12");
  assert_true(b.enabled);
  assert_int_equal(store_badge_update(f->s, "04A1B2", room14, false), 0);
  assert_int_equal(store_badge_get(f->s, "04A1B2", &b), 0);
  assert_string_equal(b.user, "Room 14");
  assert_false(b.enabled);

  /* deleting a user keeps its badges, unassigned */
  assert_int_equal(store_user_delete(f->s, room14), 0);
  assert_int_equal(store_badge_get(f->s, "04A1B2", &b), 0);
  assert_int_equal(b.user_id, 0);
  assert_string_equal(b.user, "");
  user_row u;
  assert_int_equal(store_user_get(f->s, room14, &u), -1);
  assert_int_equal(store_user_find(f->s, "Room 12", &u), 0);
  assert_int_equal(u.id, room12);
  assert_int_equal(store_user_update(f->s, room12, "Suite 1", false), 0);
  assert_int_equal(store_user_get(f->s, room12, &u), 0);
  assert_string_equal(u.name, "Suite 1");
  assert_false(u.enabled);

  badge_acc acc = {0};
  assert_int_equal(store_badges_list(f->s, collect_badge, &acc), 0);
  assert_int_equal(acc.count, 1);
  assert_int_equal(store_badge_remove(f->s, "04-A1-B2"), 0);
  assert_int_equal(store_badge_remove(f->s, "04A1B2"), -1);
  assert_int_equal(store_badge_get(f->s, "04A1B2", &b), -1);
}

static int collect_setting(void *ctx, const char *key, const char *value) {
  char *out = ctx;
  strcat(out, key);
  strcat(out, "=");
  strcat(out, value);
  strcat(out, ";");
  return 0;
}

static void settings_put_replace_delete(void **state) {
  fixture *f = *state;
  assert_int_equal(store_setting_put(f->s, "connector.1.selector_a", "16"), 0);
  assert_int_equal(store_setting_put(f->s, "connector.1.selector_a", "12"), 0);
  assert_int_equal(store_setting_put(f->s, "auth.timeout_s", "30"), 0);
  char all[256] = "";
  assert_int_equal(store_settings_each(f->s, collect_setting, all), 0);
  assert_non_null(strstr(all, "connector.1.selector_a=12;"));
  assert_null(strstr(all, "=16;"));
  assert_int_equal(store_setting_delete(f->s, "auth.timeout_s"), 0);
  all[0] = '\0';
  store_settings_each(f->s, collect_setting, all);
  assert_null(strstr(all, "auth.timeout_s"));
}

/* Durability: a child records sessions and samples and reports each completed
 * call through a pipe; it is killed with SIGKILL mid-stream. Everything it
 * reported as done is in the database afterwards. */
static void records_survive_sigkill(void **state) {
  fixture *f = *state;
  int fds[2];
  assert_int_equal(pipe(fds), 0);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    close(fds[0]);
    store *s;
    char err[256];
    if (store_open(&s, f->path, err, sizeof err) != 0) _exit(1);
    for (int i = 0;; i++) {
      int64_t id;
      if (store_session_begin(s, 1, "AB", "", 1000 + i, i * 10.0, &id) != 0) _exit(2);
      meter_reading m = {.energy_import_wh = i * 10.0 + 5, .at = 1000 + i};
      if (store_meter_sample(s, 1, &m) != 0) _exit(3);
      if (store_session_end(s, id, 2000 + i, i * 10.0 + 5, STOP_LOCAL) != 0) _exit(4);
      if (write(fds[1], &id, sizeof id) != sizeof id) _exit(5);
    }
  }
  close(fds[1]);
  int64_t id = 0, last_reported = 0;
  for (int n = 0; n < 25 && read(fds[0], &id, sizeof id) == sizeof id; n++) last_reported = id;
  kill(pid, SIGKILL);
  int status;
  waitpid(pid, &status, 0);
  close(fds[0]);
  assert_true(WIFSIGNALED(status));
  assert_true(last_reported >= 25);
  store_close(f->s);
  char err[256];
  assert_int_equal(store_open(&f->s, f->path, err, sizeof err), 0);
  for (int64_t i = 1; i <= last_reported; i++) {
    session_row r;
    assert_int_equal(store_session_get(f->s, i, &r), 0);
    assert_int_equal(r.reason, STOP_LOCAL);
    assert_true(r.stop_ms > 0);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(fresh_database_has_latest_schema, setup, teardown),
      cmocka_unit_test(version_1_database_is_migrated_and_keeps_data),
      cmocka_unit_test_setup_teardown(newer_schema_is_refused_with_a_clear_error, setup, teardown),
      cmocka_unit_test_setup_teardown(garbage_file_is_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(sessions_lifecycle_and_queries, setup, teardown),
      cmocka_unit_test_setup_teardown(events_after_id_with_limit, setup, teardown),
      cmocka_unit_test_setup_teardown(meter_last_is_the_newest_written, setup, teardown),
      cmocka_unit_test_setup_teardown(users_and_badges, setup, teardown),
      cmocka_unit_test_setup_teardown(settings_put_replace_delete, setup, teardown),
      cmocka_unit_test_setup_teardown(records_survive_sigkill, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
