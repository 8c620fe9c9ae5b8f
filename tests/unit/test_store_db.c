/*
 * The SQLite store's records: sessions and their queries, the event log,
 * meter samples and the retention of every table, users and badges, settings, self-test
 * results, and the messages of failed calls. Migrations are in
 * test_store_migrations.c, the SIGKILL durability test in
 * test_store_durability.c. Rows are checked through the API and, where the
 * API has no reader, with a plain sqlite3 connection on the same file.
 */
#include <dirent.h>
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
  DIR *d = opendir(f->dir);
  if (d) {
    struct dirent *e;
    char p[400];
    while ((e = readdir(d)) != NULL) {
      if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
      snprintf(p, sizeof p, "%s/%s", f->dir, e->d_name);
      unlink(p);
    }
    closedir(d);
  }
  int rc = rmdir(f->dir);
  free(f);
  return rc;
}

/* First column of the first row of a query on a separate connection (what
 * `sqlite3 borne.db` sees while borned runs); -1 if no row. */
static int64_t raw_int(const fixture *f, const char *query) {
  sqlite3 *db;
  sqlite3_stmt *st;
  int64_t v = -1;
  assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
  assert_int_equal(sqlite3_prepare_v2(db, query, -1, &st, NULL), SQLITE_OK);
  if (sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return v;
}

static void raw_text(const fixture *f, const char *query, char *out, size_t len) {
  sqlite3 *db;
  sqlite3_stmt *st;
  out[0] = '\0';
  assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
  assert_int_equal(sqlite3_prepare_v2(db, query, -1, &st, NULL), SQLITE_OK);
  if (sqlite3_step(st) == SQLITE_ROW)
    snprintf(out, len, "%s", (const char *)sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  sqlite3_close(db);
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

static int stop_after_two(void *ctx, const session_row *r) {
  (void)r;
  return ++*(int *)ctx == 2;
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

  /* a part of a UID, any case and separators: "b2" finds 04B2 only */
  memset(ids, 0, sizeof ids);
  session_filter by_part = {.uid = "b2"};
  assert_int_equal(store_sessions_query(f->s, &by_part, collect_ids, ids), 0);
  assert_true(ids[0] == b && ids[1] == 0);
  memset(ids, 0, sizeof ids);
  session_filter by_prefix = {.uid = "04"};
  assert_int_equal(store_sessions_query(f->s, &by_prefix, collect_ids, ids), 0);
  assert_true(ids[0] == c && ids[1] == b && ids[2] == a);

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

/* A lean store (borne-swarm) finalizes its kept statements when its cache is
 * released: the next use prepares them again, a module's lent statement is
 * kept, and what was written before is read after. */
static void lean_store_prepares_again_after_a_release(void **state) {
  fixture *f = *state;
  store_close(f->s);
  f->s = NULL;
  char err[256];
  assert_int_equal(store_open_lean(&f->s, f->path, err, sizeof err), 0);
  int64_t id1, id2;
  assert_int_equal(store_event_add(f->s, 10, 0, "boot", "borne", &id1), 0);
  sqlite3_stmt *lent = store_stmt(f->s, "SELECT count(*) FROM events");
  assert_non_null(lent);
  store_release_cache(f->s);
  int used, high;
  /* a statement is lent: the parsed schema is kept */
  sqlite3_db_status(store_sqlite(f->s), SQLITE_DBSTATUS_SCHEMA_USED, &used, &high, 0);
  assert_true(used > 0);
  assert_int_equal(sqlite3_step(lent), SQLITE_ROW); /* still valid */
  assert_int_equal(sqlite3_column_int(lent, 0), 1);
  store_stmt_release(f->s, lent);
  assert_int_equal(store_event_add(f->s, 11, 1, "status", "Available", &id2), 0);
  store_release_cache(f->s);
  /* nothing held: the connection is closed (its schema with it), opened
   * again at the next use (lean_store_closes_an_idle_connection) */
  event_acc acc = {0};
  assert_int_equal(store_events_query(f->s, 0, 0, collect_event, &acc), 0);
  assert_int_equal(acc.count, 2);
  assert_int_equal(acc.last, id2);
  sqlite3_stmt *again = store_stmt(f->s, "SELECT count(*) FROM events");
  assert_non_null(again);
  assert_int_equal(sqlite3_step(again), SQLITE_ROW);
  assert_int_equal(sqlite3_column_int(again, 0), 2);
  store_stmt_release(f->s, again);
}

/* How many of this process's descriptors are open on `path`. */
static int fds_on(const char *path) {
  char real[4096];
  if (!realpath(path, real)) return 0;
  DIR *d = opendir("/proc/self/fd");
  if (!d) return -1;
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    char link[300], to[4096];
    snprintf(link, sizeof link, "/proc/self/fd/%s", e->d_name);
    ssize_t len = readlink(link, to, sizeof to - 1);
    if (len <= 0) continue;
    to[len] = '\0';
    if (strcmp(to, real) == 0) n++;
  }
  closedir(d);
  return n;
}

/* A lean store closes its idle connection at a release (its descriptor:
 * borne-swarm's 10 000 stations, issue 18) and opens it again at the next
 * use, with everything written before; not while a batch, a lent statement
 * or a module's own statement holds it; a failed reopen is a clear error and
 * the next call tries again. */
static void lean_store_closes_an_idle_connection(void **state) {
  fixture *f = *state;
  store_close(f->s);
  f->s = NULL;
  char err[256];
  assert_int_equal(store_open_lean(&f->s, f->path, err, sizeof err), 0);
  assert_int_equal(fds_on(f->path), 1);
  int64_t id;
  assert_int_equal(store_event_add(f->s, 10, 0, "boot", "borne", &id), 0);
  store_set_idle_close_ms(f->s, 60000);
  store_release_cache(f->s); /* used within the last minute: kept */
  assert_int_equal(fds_on(f->path), 1);
  store_set_idle_close_ms(f->s, 0);
  store_release_cache(f->s); /* idle long enough: closed */
  assert_int_equal(fds_on(f->path), 0);
  store_release_cache(f->s); /* closed: nothing to do */
  /* the next use opens it again, with what was written */
  event_acc acc = {0};
  assert_int_equal(store_events_query(f->s, 0, 0, collect_event, &acc), 0);
  assert_int_equal(acc.count, 1);
  assert_int_equal(fds_on(f->path), 1);

  /* a batch open: kept */
  assert_int_equal(store_batch_begin(f->s), 0);
  assert_int_equal(store_event_add(f->s, 11, 1, "status", "Charging", NULL), 0);
  store_release_cache(f->s); /* idle long enough, but held */
  assert_int_equal(fds_on(f->path), 1);
  assert_int_equal(store_batch_end(f->s), 0);

  /* a lent statement, then a module's own statement: kept, still valid */
  sqlite3_stmt *lent = store_stmt(f->s, "SELECT count(*) FROM events");
  assert_non_null(lent);
  store_release_cache(f->s);
  assert_int_equal(fds_on(f->path), 1);
  assert_int_equal(sqlite3_step(lent), SQLITE_ROW);
  assert_int_equal(sqlite3_column_int(lent, 0), 2);
  store_stmt_release(f->s, lent);
  sqlite3_stmt *own = NULL;
  assert_int_equal(
      sqlite3_prepare_v2(store_sqlite(f->s), "SELECT count(*) FROM events", -1, &own, NULL),
      SQLITE_OK);
  store_release_cache(f->s);
  assert_int_equal(fds_on(f->path), 1);
  assert_int_equal(sqlite3_step(own), SQLITE_ROW);
  assert_int_equal(sqlite3_column_int(own, 0), 2);
  sqlite3_finalize(own);
  store_release_cache(f->s); /* nothing held */
  assert_int_equal(fds_on(f->path), 0);

  /* the file gone: a write fails with the reason, and works once it is back */
  char away[128];
  snprintf(away, sizeof away, "%s.away", f->path);
  assert_int_equal(rename(f->path, away), 0);
  assert_int_equal(store_event_add(f->s, 12, 0, "status", "x", NULL), -1);
  assert_non_null(strstr(store_last_error(f->s), "cannot open the database again"));
  assert_null(store_stmt(f->s, "SELECT 1"));
  assert_int_equal(rename(away, f->path), 0);
  assert_int_equal(store_event_add(f->s, 13, 0, "status", "y", NULL), 0);
  memset(&acc, 0, sizeof acc);
  assert_int_equal(store_events_query(f->s, 0, 0, collect_event, &acc), 0);
  assert_int_equal(acc.count, 3);
  /* a store opened by borned (not lean) never closes its connection */
  store_close(f->s);
  f->s = NULL;
  assert_int_equal(store_open(&f->s, f->path, err, sizeof err), 0);
  store_set_idle_close_ms(f->s, 0);
  store_release_cache(f->s);
  assert_int_equal(fds_on(f->path), 1);
}

static int count_rows(store *s, const char *sql) {
  sqlite3_stmt *st = store_stmt(s, sql);
  int n = st && sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
  store_stmt_release(s, st);
  return n;
}

/* borne-swarm's schema template: the first new lean database of the process
 * gives its file as it is when its schema steps are done (at its first
 * write), and every later new lean database starts as a copy — the steps
 * found applied, a module's initial rows there, none of the first station's
 * own rows; a module migrated after that first write runs its steps itself.
 * An existing database is never touched, nor is a store_open (borned) one.
 * First in this file's list: the template is taken once per process. */
static void new_lean_databases_start_from_the_first_ones_schema(void **state) {
  fixture *f = *state;
  static const char *const m1[] = {"CREATE TABLE m1_rows(k TEXT PRIMARY KEY, v INTEGER NOT NULL);"
                                   "INSERT INTO m1_rows VALUES('start', 7);",
                                   "ALTER TABLE m1_rows ADD COLUMN w INTEGER NOT NULL DEFAULT 0;"};
  static const char *const m1b[] = {"CREATE TABLE m1b_rows(x INTEGER)"};
  static const char *const m2[] = {"CREATE TABLE m2_rows(x INTEGER)"};
  char err[256], a_path[128], b_path[128], c_path[128];
  snprintf(a_path, sizeof a_path, "%s/a.db", f->dir);
  snprintf(b_path, sizeof b_path, "%s/b.db", f->dir);
  snprintf(c_path, sizeof c_path, "%s/c.db", f->dir);
  store *a = NULL, *b = NULL, *c = NULL;
  assert_int_equal(store_open_lean(&a, a_path, err, sizeof err), 0);
  assert_int_equal(store_module_migrate(a, "m1", m1, 2), 0);
  assert_int_equal(store_sessions_open(a, NULL, NULL), 0); /* a read: not yet */
  assert_int_equal(store_module_migrate(a, "m1b", m1b, 1), 0);
  assert_int_equal(store_event_add(a, 10, 0, "boot", "a's own row", NULL), 0); /* taken here */
  assert_int_equal(store_module_migrate(a, "m2", m2, 1), 0);

  assert_int_equal(store_open_lean(&b, b_path, err, sizeof err), 0);
  assert_int_equal(store_schema_version(b), store_schema_latest());
  assert_int_equal(store_module_version(b, "m1"), 2);
  assert_int_equal(store_module_version(b, "m1b"), 1);
  assert_int_equal(store_module_version(b, "m2"), 0); /* after the first write */
  assert_int_equal(count_rows(b, "SELECT count(*) FROM m1_rows WHERE k = 'start' AND w = 0"), 1);
  assert_int_equal(count_rows(b, "SELECT count(*) FROM events"), 0);
  assert_int_equal(store_module_migrate(b, "m2", m2, 1), 0);
  assert_int_equal(store_module_version(b, "m2"), 1);
  int64_t id;
  assert_int_equal(store_event_add(b, 11, 0, "boot", "b's own row", &id), 0);
  assert_int_equal(id, 1);
  /* no copy left beside it */
  char side[160];
  snprintf(side, sizeof side, "%s-template", b_path);
  assert_int_equal(access(side, F_OK), -1);
  store_close(b);

  /* an existing database (b, with its row) is opened as it is */
  assert_int_equal(store_open_lean(&b, b_path, err, sizeof err), 0);
  assert_int_equal(count_rows(b, "SELECT count(*) FROM events"), 1);
  store_close(b);
  /* borned's store: a new database made by its steps, not the template */
  assert_int_equal(store_open(&c, c_path, err, sizeof err), 0);
  assert_int_equal(store_module_version(c, "m1"), 0);
  store_close(c);
  store_close(a);
  unlink(a_path);
  unlink(b_path);
  unlink(c_path);
}

/* At most N lean connections open in the process (borne-swarm: the
 * descriptor limit): opening one more closes the least recently used one
 * that nothing holds, which opens again at its next use. */
static void lean_connections_beyond_the_bound_close_the_oldest_free_one(void **state) {
  fixture *f = *state;
  char err[256], pa[128], pb[128], pc[128];
  snprintf(pa, sizeof pa, "%s/a.db", f->dir);
  snprintf(pb, sizeof pb, "%s/b.db", f->dir);
  snprintf(pc, sizeof pc, "%s/c.db", f->dir);
  store *a = NULL, *b = NULL, *c = NULL;
  assert_int_equal(store_open_lean(&a, pa, err, sizeof err), 0);
  assert_int_equal(store_open_lean(&b, pb, err, sizeof err), 0);
  store_set_lean_open_max(2);
  assert_int_equal(store_open_lean(&c, pc, err, sizeof err), 0);
  assert_int_equal(fds_on(pa), 0); /* the oldest */
  assert_int_equal(fds_on(pb), 1);
  assert_int_equal(fds_on(pc), 1);
  /* b holds its connection (a batch): c goes instead */
  assert_int_equal(store_batch_begin(b), 0);
  assert_int_equal(store_event_add(b, 1, 0, "boot", "b", NULL), 0);
  assert_int_equal(store_event_add(a, 1, 0, "boot", "a", NULL), 0);
  assert_int_equal(fds_on(pa), 1);
  assert_int_equal(fds_on(pb), 1);
  assert_int_equal(fds_on(pc), 0);
  assert_int_equal(store_batch_end(b), 0);
  /* c again: a (used before b's commit: the least recently used) goes;
   * nothing is lost */
  assert_int_equal(store_event_add(c, 1, 0, "boot", "c", NULL), 0);
  assert_int_equal(fds_on(pa), 0);
  assert_int_equal(fds_on(pb), 1);
  assert_int_equal(count_rows(b, "SELECT count(*) FROM events"), 1);
  assert_int_equal(count_rows(a, "SELECT count(*) FROM events"), 1);
  assert_int_equal(count_rows(c, "SELECT count(*) FROM events"), 1);
  store_set_lean_open_max(0);
  store_close(a);
  store_close(b);
  store_close(c);
  unlink(pa);
  unlink(pb);
  unlink(pc);
}

/* A lean store whose next use is expected soon (a swarm station's meter value
 * due within seconds: store_expect_use, issue 18) keeps its connection at a
 * release that would otherwise close it, and closes it once the expectation
 * is withdrawn; the process-wide bound still closes it when room is needed. */
static void lean_store_kept_open_for_an_expected_use(void **state) {
  fixture *f = *state;
  store_close(f->s);
  f->s = NULL;
  char err[256], pb[128];
  assert_int_equal(store_open_lean(&f->s, f->path, err, sizeof err), 0);
  store_set_idle_close_ms(f->s, 0);
  assert_int_equal(store_event_add(f->s, 10, 0, "boot", "borne", NULL), 0);
  store_expect_use(f->s, 10000); /* a sample in 10 s */
  store_release_cache(f->s);
  assert_int_equal(fds_on(f->path), 1); /* kept for it */
  store_release_cache(f->s);
  assert_int_equal(fds_on(f->path), 1);
  assert_int_equal(store_event_add(f->s, 11, 0, "status", "x", NULL), 0);
  store_expect_use(f->s, 0); /* the next one is a minute away */
  store_release_cache(f->s);
  assert_int_equal(fds_on(f->path), 0); /* the idle close as before */
  /* the bound wins over the expectation */
  assert_int_equal(store_event_add(f->s, 12, 0, "status", "y", NULL), 0);
  store_expect_use(f->s, 10000);
  store_set_lean_open_max(1);
  snprintf(pb, sizeof pb, "%s/b.db", f->dir);
  store *b = NULL;
  assert_int_equal(store_open_lean(&b, pb, err, sizeof err), 0);
  assert_int_equal(fds_on(f->path), 0);
  assert_int_equal(fds_on(pb), 1);
  store_set_lean_open_max(0);
  assert_int_equal(count_rows(f->s, "SELECT count(*) FROM events"), 3); /* nothing lost */
  store_close(b);
  unlink(pb);
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
  int n;
  sample_bucket b[8];
} buckets_seen;

static int see_bucket(void *ctx, const sample_bucket *b) {
  buckets_seen *s = ctx;
  if (s->n < 8) s->b[s->n] = *b;
  s->n++;
  return 0;
}

static void samples_are_averaged_per_slice(void **state) {
  fixture *f = *state;
  /* connector 1: 1 kW at 0 and 3 kW at 500 (slice 0), nothing in slice 1,
   * 7 kW at 2500 (slice 2); 9 kW at 4000 is outside; connector 2 ignored */
  const struct {
    int c;
    borne_ms at;
    double w, wh;
  } rows[] = {{1, 0, 1000, 10},
              {1, 500, 3000, 11},
              {1, 2500, 7000, 15},
              {1, 4000, 9000, 20},
              {2, 100, 5000, 1}};
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    meter_reading m = {
        .at = rows[i].at, .power_total_w = rows[i].w, .energy_import_wh = rows[i].wh};
    assert_int_equal(store_meter_sample(f->s, rows[i].c, &m), 0);
  }
  buckets_seen seen = {0};
  assert_int_equal(store_samples_buckets(f->s, 1, 0, 3000, 3, see_bucket, &seen), 0);
  assert_int_equal(seen.n, 2);
  assert_int_equal(seen.b[0].at, 0);
  assert_int_equal(seen.b[0].step, 1000);
  assert_float_equal(seen.b[0].power_w, 2000, 1e-9);
  assert_float_equal(seen.b[0].energy_wh, 11, 1e-9);
  assert_int_equal(seen.b[0].count, 2);
  assert_int_equal(seen.b[1].at, 2000);
  assert_float_equal(seen.b[1].power_w, 7000, 1e-9);
  /* an uneven span: slices of ceil(4001 / 2) ms, the last one reaches 4000 */
  seen.n = 0;
  assert_int_equal(store_samples_buckets(f->s, 1, 0, 4001, 2, see_bucket, &seen), 0);
  assert_int_equal(seen.n, 2);
  assert_int_equal(seen.b[1].at, 2001);
  assert_float_equal(seen.b[1].power_w, 8000, 1e-9);
  /* nonsense spans are refused with a reason */
  assert_int_equal(store_samples_buckets(f->s, 1, 10, 10, 3, see_bucket, &seen), -1);
  assert_int_equal(store_samples_buckets(f->s, 1, 0, 10, 0, see_bucket, &seen), -1);
  assert_true(strlen(store_last_error(f->s)) > 0);
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

static void stop_reason_is_stored_in_ocpp_words(void **state) {
  fixture *f = *state;
  int64_t id;
  assert_int_equal(store_session_begin(f->s, 2, "", "", 1000, 0, &id), 0);
  assert_int_equal(store_session_end(f->s, id, 2000, 3.5, STOP_EV_DISCONNECTED), 0);
  char text[32];
  raw_text(f, "SELECT stop_reason FROM sessions", text, sizeof text);
  assert_string_equal(text, "EVDisconnected"); /* OCPP 1.6 StopTransaction.req reason */
  session_row r;
  assert_int_equal(store_session_get(f->s, id, &r), 0);
  assert_int_equal(r.reason, STOP_EV_DISCONNECTED);
  assert_string_equal(r.uid, ""); /* free mode */
}

static void sessions_until_only_and_stop_early(void **state) {
  fixture *f = *state;
  for (int i = 0; i < 5; i++)
    assert_int_equal(store_session_begin(f->s, 1, "01", "", 1000 * (i + 1), 0, NULL), 0);
  int64_t ids[16] = {0};
  session_filter before_3000 = {.until_ms = 3000};
  assert_int_equal(store_sessions_query(f->s, &before_3000, collect_ids, ids), 0);
  assert_true(ids[0] == 2 && ids[1] == 1 && ids[2] == 0); /* start 2000 and 1000 */
  /* a callback returning non-zero stops the walk */
  int seen = 0;
  session_filter all = {0};
  assert_int_equal(store_sessions_query(f->s, &all, stop_after_two, &seen), 0);
  assert_int_equal(seen, 2);
}

static void events_trim_keeps_the_newest_and_never_reuses_ids(void **state) {
  fixture *f = *state;
  store_retention keep;
  store_get_retention(f->s, &keep);
  assert_int_equal(keep.event_max_rows, 200000);
  keep.event_max_rows = 3;
  store_set_retention(f->s, &keep);
  for (int i = 0; i < 7; i++) assert_int_equal(store_event_add(f->s, i, 0, "k", "", NULL), 0);
  assert_int_equal(raw_int(f, "SELECT COUNT(*) FROM events"), 3);
  assert_int_equal(raw_int(f, "SELECT MIN(id) FROM events"), 5);
  assert_int_equal(store_events_last_id(f->s), 7);
  event_acc acc = {0};
  assert_int_equal(store_events_query(f->s, 0, 0, collect_event, &acc), 0);
  assert_int_equal(acc.count, 3);
  assert_int_equal(acc.last, 7);
  int64_t id;
  assert_int_equal(store_event_add(f->s, 8, 0, "k", "", &id), 0);
  assert_int_equal(id, 8);
}

static void old_samples_are_trimmed_per_connector(void **state) {
  fixture *f = *state;
  store_retention keep;
  store_get_retention(f->s, &keep);
  assert_int_equal(keep.sample_max_age_ms, 35LL * 24 * 3600 * 1000);
  keep.sample_max_age_ms = 1000;
  store_set_retention(f->s, &keep);
  meter_reading m = {.at = 0, .energy_import_wh = 1};
  assert_int_equal(store_meter_sample(f->s, 2, &m), 0); /* another connector, same age */
  assert_int_equal(store_meter_sample(f->s, 1, &m), 0);
  m.at = 500;
  assert_int_equal(store_meter_sample(f->s, 1, &m), 0);
  m.at = 1500; /* cut-off 500: the sample at 0 goes, the one at 500 stays */
  assert_int_equal(store_meter_sample(f->s, 1, &m), 0);
  assert_int_equal(raw_int(f, "SELECT COUNT(*) FROM meter_samples WHERE connector = 1"), 2);
  assert_int_equal(raw_int(f, "SELECT MIN(at_ms) FROM meter_samples WHERE connector = 1"), 500);
  assert_int_equal(raw_int(f, "SELECT COUNT(*) FROM meter_samples WHERE connector = 2"), 1);
}

/* The row budget trims the oldest rows of any connector, but a connector's
 * newest sample survives in meter_last: the register it restarts from is
 * never lost, so it never goes backwards. */
static void row_budget_keeps_the_last_register_of_every_connector(void **state) {
  fixture *f = *state;
  store_retention keep = {.sample_max_rows = 3};
  store_set_retention(f->s, &keep);
  meter_reading m = {.at = 100, .energy_import_wh = 42, .frequency_hz = 50};
  assert_int_equal(store_meter_sample(f->s, 1, &m), 0);
  for (int i = 0; i < 6; i++) {
    meter_reading n = {.at = 200 + i, .energy_import_wh = 1000 + i};
    assert_int_equal(store_meter_sample(f->s, 2, &n), 0);
  }
  assert_int_equal(raw_int(f, "SELECT COUNT(*) FROM meter_samples"), 3);
  assert_int_equal(raw_int(f, "SELECT COUNT(*) FROM meter_samples WHERE connector = 1"), 0);
  assert_int_equal(raw_int(f, "SELECT MIN(energy_wh) FROM meter_samples"), 1003);
  meter_reading last;
  assert_int_equal(store_meter_last(f->s, 1, &last), 0);
  assert_float_equal(last.energy_import_wh, 42, 1e-9);
  assert_float_equal(last.frequency_hz, 50, 1e-9);
  assert_int_equal(last.at, 100);
  assert_int_equal(store_meter_last(f->s, 2, &last), 0);
  assert_float_equal(last.energy_import_wh, 1005, 1e-9);
}

/* A flood of security events (failed logins) rolls the security log over
 * within its own budget: the rest of the event history stays. */
static void security_events_have_their_own_budget(void **state) {
  fixture *f = *state;
  store_retention keep;
  store_get_retention(f->s, &keep);
  assert_int_equal(keep.security_event_max_rows, 10000);
  keep.security_event_max_rows = 4;
  store_set_retention(f->s, &keep);
  assert_int_equal(store_event_add(f->s, 1, 1, "status", "Charging", NULL), 0);
  for (int i = 0; i < 50; i++) {
    char detail[64];
    snprintf(detail, sizeof detail, "MaintenanceLoginFailed: try %d", i);
    assert_int_equal(store_event_add(f->s, 2 + i, 0, "security", detail, NULL), 0);
  }
  assert_int_equal(store_event_add(f->s, 99, 1, "error", "E42", NULL), 0);
  assert_int_equal(raw_int(f, "SELECT COUNT(*) FROM events WHERE kind = 'security'"), 4);
  assert_int_equal(raw_int(f, "SELECT MIN(at_ms) FROM events WHERE kind = 'security'"), 48);
  assert_int_equal(raw_int(f, "SELECT COUNT(*) FROM events WHERE kind != 'security'"), 2);
  assert_int_equal(raw_int(f, "SELECT COUNT(*) FROM events_security"), 4);
}

/* The newest closed sessions are kept; an open one is never trimmed, however
 * old (a crash recovery must still find it). */
static void closed_sessions_beyond_the_budget_are_trimmed(void **state) {
  fixture *f = *state;
  store_retention keep;
  store_get_retention(f->s, &keep);
  assert_int_equal(keep.session_max_rows, 100000);
  keep.session_max_rows = 3;
  store_set_retention(f->s, &keep);
  int64_t open_id, id;
  assert_int_equal(store_session_begin(f->s, 2, "", "", 1, 0, &open_id), 0);
  for (int i = 0; i < 8; i++) {
    assert_int_equal(store_session_begin(f->s, 1, "04A1", "", 10 + i, i * 10.0, &id), 0);
    assert_int_equal(store_session_end(f->s, id, 11 + i, i * 10.0 + 5, STOP_LOCAL), 0);
  }
  /* the budget counts ids: the last begin trimmed closed ids <= id - 3 */
  assert_int_equal(raw_int(f, "SELECT COUNT(*) FROM sessions WHERE stop_ms != 0"), 3);
  assert_int_equal(raw_int(f, "SELECT MIN(id) FROM sessions WHERE stop_ms != 0"), id - 2);
  session_row r;
  assert_int_equal(store_session_get(f->s, open_id, &r), 0);
  assert_int_equal(r.stop_ms, 0);
}

static void store_sql(store *s, const char *sql, int64_t id) {
  sqlite3_stmt *st = store_stmt(s, sql);
  assert_non_null(st);
  if (id) sqlite3_bind_int64(st, 1, id);
  assert_int_equal(sqlite3_step(st), SQLITE_DONE);
  store_stmt_release(s, st);
}

/* A module's table keyed by sessions (tariff_sessions, say) loses the rows
 * of the sessions the retention removed, and keeps those of an open one. */
static void a_companion_table_follows_the_session_trim(void **state) {
  fixture *f = *state;
  static const char trim_comp[] = "DELETE FROM comp WHERE session_id <= ?1 AND "
                                  "session_id NOT IN (SELECT id FROM sessions)";
  store_sql(f->s, "CREATE TABLE comp(session_id INTEGER PRIMARY KEY)", 0);
  assert_int_equal(store_session_companion(f->s, trim_comp), 0);
  assert_int_equal(store_session_companion(f->s, trim_comp), 0); /* the same text once */
  store_retention keep;
  store_get_retention(f->s, &keep);
  keep.session_max_rows = 3;
  store_set_retention(f->s, &keep);
  int64_t open_id, id;
  assert_int_equal(store_session_begin(f->s, 2, "", "", 1, 0, &open_id), 0);
  store_sql(f->s, "INSERT INTO comp VALUES(?1)", open_id);
  for (int i = 0; i < 8; i++) {
    assert_int_equal(store_session_begin(f->s, 1, "04A1", "", 10 + i, i * 10.0, &id), 0);
    store_sql(f->s, "INSERT INTO comp VALUES(?1)", id);
    assert_int_equal(store_session_end(f->s, id, 11 + i, i * 10.0 + 5, STOP_LOCAL), 0);
  }
  /* the last begin trimmed closed ids <= id - 3; its own row came after */
  assert_int_equal(raw_int(f, "SELECT COUNT(*) FROM comp"), 4); /* open one + 3 closed */
  assert_int_equal(raw_int(f, "SELECT COUNT(*) FROM comp WHERE session_id NOT IN "
                              "(SELECT id FROM sessions)"),
                   0);
  assert_int_equal(raw_int(f, "SELECT COUNT(*) FROM comp WHERE session_id = (SELECT MIN(id) "
                              "FROM sessions)"),
                   1);
  static const char *more[] = {"DELETE FROM comp WHERE 0 AND ?1", "DELETE FROM comp WHERE 1 AND ?1",
                               "DELETE FROM comp WHERE 2 AND ?1",
                               "DELETE FROM comp WHERE 3 AND ?1"};
  assert_int_equal(store_session_companion(f->s, more[0]), 0);
  assert_int_equal(store_session_companion(f->s, more[1]), 0);
  assert_int_equal(store_session_companion(f->s, more[2]), 0);
  assert_int_equal(store_session_companion(f->s, more[3]), -1); /* four at most */
}

static int count_selftest(void *ctx, const selftest_row *r) {
  (void)r;
  ++*(int *)ctx;
  return 0;
}

static void selftest_results_are_bounded_and_keep_the_latest(void **state) {
  fixture *f = *state;
  store_retention keep;
  store_get_retention(f->s, &keep);
  assert_int_equal(keep.selftest_max_rows, 10000);
  keep.selftest_max_rows = 4;
  store_set_retention(f->s, &keep);
  const char *checks[] = {"rcd", "contactor", "cp", "meter"};
  for (int round = 0; round < 5; round++)
    for (int i = 0; i < 4; i++)
      assert_int_equal(store_selftest_record(f->s, 1000 * round + i, 1, checks[i], round == 4, ""),
                       0);
  assert_int_equal(raw_int(f, "SELECT COUNT(*) FROM selftest"), 4);
  assert_int_equal(raw_int(f, "SELECT COUNT(*) FROM selftest WHERE ok = 1"), 4);
  int n = 0;
  assert_int_equal(store_selftest_latest(f->s, count_selftest, &n), 0);
  assert_int_equal(n, 4);
}

typedef struct {
  int count;
  char names[4][BORNE_NAME_MAX + 1];
} user_acc;

static int collect_user(void *ctx, const user_row *u) {
  user_acc *acc = ctx;
  if (acc->count < 4) snprintf(acc->names[acc->count], sizeof acc->names[0], "%s", u->name);
  acc->count++;
  return 0;
}

static void user_names_are_1_to_64_characters(void **state) {
  fixture *f = *state;
  char longest[BORNE_NAME_MAX + 2];
  memset(longest, 'x', BORNE_NAME_MAX);
  longest[BORNE_NAME_MAX] = '\0';
  int64_t id;
  assert_int_equal(store_user_create(f->s, longest, true, &id), 0);
  longest[BORNE_NAME_MAX] = 'x';
  longest[BORNE_NAME_MAX + 1] = '\0';
  assert_int_equal(store_user_create(f->s, longest, true, NULL), -1);
  assert_non_null(strstr(store_last_error(f->s), "1 to 64"));
  assert_int_equal(store_user_create(f->s, NULL, true, NULL), -1);
  assert_int_equal(store_user_create(f->s, "tab\there", true, NULL), -1);
  assert_int_equal(store_user_update(f->s, id, "", true), -1);
  assert_int_equal(store_user_update(f->s, 9999, "Nobody", true), -1);
  assert_non_null(strstr(store_last_error(f->s), "no user"));
  assert_int_equal(store_user_delete(f->s, 9999), -1);
  assert_int_equal(store_user_create(f->s, "Bravo", false, NULL), 0);
  assert_int_equal(store_user_create(f->s, "Alpha", true, NULL), 0);
  user_acc acc = {0};
  assert_int_equal(store_users_list(f->s, collect_user, &acc), 0);
  assert_int_equal(acc.count, 3);
  assert_string_equal(acc.names[0], "Alpha"); /* by name */
  assert_string_equal(acc.names[1], "Bravo");
  /* renaming onto an existing name is refused */
  assert_int_equal(store_user_update(f->s, id, "Alpha", true), -1);
  assert_non_null(strstr(store_last_error(f->s), "already exists"));
}

static void uid_normalization(void **state) {
  (void)state;
  char out[BORNE_UID_MAX + 1], err[128];
  assert_int_equal(store_uid_normalize("04:a1:b2", out, sizeof out, err, sizeof err), 0);
  assert_string_equal(out, "04A1B2");
  assert_int_equal(store_uid_normalize("04a1b2", out, sizeof out, err, sizeof err), 0);
  assert_string_equal(out, "04A1B2");
  assert_int_equal(store_uid_normalize("04-A1 b2", out, sizeof out, err, sizeof err), 0);
  assert_string_equal(out, "04A1B2");
  char longest[BORNE_UID_MAX + 2];
  memset(longest, 'f', BORNE_UID_MAX);
  longest[BORNE_UID_MAX] = '\0';
  assert_int_equal(store_uid_normalize(longest, out, sizeof out, err, sizeof err), 0);
  longest[BORNE_UID_MAX] = 'f';
  longest[BORNE_UID_MAX + 1] = '\0';
  assert_int_equal(store_uid_normalize(longest, out, sizeof out, err, sizeof err), -1);
  assert_non_null(strstr(err, "longer than 40"));
  assert_int_equal(store_uid_normalize("04:g1", out, sizeof out, err, sizeof err), -1);
  assert_non_null(strstr(err, "not hexadecimal"));
  assert_int_equal(store_uid_normalize("::", out, sizeof out, err, sizeof err), -1);
  assert_non_null(strstr(err, "empty"));
  assert_int_equal(store_uid_normalize(NULL, out, sizeof out, err, sizeof err), -1);
}

static void selftest_results_are_recorded(void **state) {
  fixture *f = *state;
  assert_int_equal(store_selftest_record(f->s, 5000, 1, "rcd_trip", true, "tripped in 23 ms"), 0);
  assert_int_equal(store_selftest_record(f->s, 5001, 1, "contactor", false, NULL), 0);
  assert_int_equal(raw_int(f, "SELECT COUNT(*) FROM selftest"), 2);
  assert_int_equal(raw_int(f, "SELECT ok FROM selftest WHERE check_name = 'contactor'"), 0);
  char detail[64];
  raw_text(f, "SELECT detail FROM selftest WHERE check_name = 'rcd_trip'", detail, sizeof detail);
  assert_string_equal(detail, "tripped in 23 ms");
}

/* All checks of a connector in one transaction: every row lands, or none. */
static void selftest_checks_are_recorded_together_or_not_at_all(void **state) {
  fixture *f = *state;
  store_selftest_check all[] = {{"rcd", true, "ok"},
                                {"contactor", false, "welded"},
                                {"cp", true, "ok"},
                                {"meter", true, NULL}};
  assert_int_equal(store_selftest_record_all(f->s, 6000, 2, all, 4), 0);
  assert_int_equal(raw_int(f, "SELECT COUNT(*) FROM selftest WHERE connector = 2 AND at_ms = 6000"),
                   4);
  assert_int_equal(raw_int(f, "SELECT ok FROM selftest WHERE check_name = 'contactor'"), 0);
  char detail[64];
  raw_text(f, "SELECT detail FROM selftest WHERE check_name = 'contactor'", detail, sizeof detail);
  assert_string_equal(detail, "welded");
  /* the third row fails (NOT NULL): the two before it are rolled back */
  store_selftest_check bad[] = {{"rcd", true, "ok"}, {"contactor", true, "ok"}, {NULL, true, ""}};
  assert_int_equal(store_selftest_record_all(f->s, 7000, 1, bad, 3), -1);
  assert_non_null(strstr(store_last_error(f->s), "cannot record the self-test"));
  assert_int_equal(raw_int(f, "SELECT COUNT(*) FROM selftest WHERE at_ms = 7000"), 0);
  assert_int_equal(raw_int(f, "SELECT COUNT(*) FROM selftest"), 4);
}

/* A failed call says what was being done and sqlite's reason. */
static void failures_carry_what_and_why(void **state) {
  fixture *f = *state;
  assert_int_equal(store_setting_put(f->s, "auth.mode", NULL), -1);
  assert_non_null(strstr(store_last_error(f->s), "cannot save the setting"));
  assert_non_null(strstr(store_last_error(f->s), "NOT NULL"));
  assert_int_equal(store_selftest_record(f->s, 1, 1, NULL, true, ""), -1);
  assert_non_null(strstr(store_last_error(f->s), "cannot record the self-test"));
  session_row r;
  assert_int_equal(store_session_get(f->s, 77, &r), -1);
  assert_string_equal(store_last_error(f->s), "no session 77");
  assert_int_equal(store_session_end(f->s, 77, 1, 1, STOP_LOCAL), -1);
  assert_string_equal(store_last_error(f->s), "no session 77");
  /* a failed write leaves no transaction open: the next one works */
  int64_t id;
  assert_int_equal(store_event_add(f->s, 1, 0, "boot", NULL, &id), 0);
  assert_int_equal(raw_int(f, "SELECT COUNT(*) FROM events"), 1);
}

/* Statements are prepared at their first use: every one of them compiles
 * against the schema, and one that cannot be prepared makes its call fail
 * with sqlite's reason, never crash. */
static void statements_compile_and_a_broken_one_fails_cleanly(void **state) {
  fixture *f = *state;
  assert_int_equal(store_prepare_all(f->s), 0);
  store_close(f->s);
  char err[256];
  assert_int_equal(store_open(&f->s, f->path, err, sizeof err), 0);
  assert_int_equal(
      sqlite3_exec(store_sqlite(f->s), "ALTER TABLE settings RENAME TO gone", NULL, NULL, NULL),
      SQLITE_OK);
  assert_int_equal(store_setting_put(f->s, "auth.mode", "free"), -1);
  assert_non_null(strstr(store_last_error(f->s), "cannot save the setting"));
  assert_non_null(strstr(store_last_error(f->s), "no such table: settings"));
  assert_int_equal(store_prepare_all(f->s), -1);
  /* the rest of the store still works */
  int64_t id;
  assert_int_equal(store_event_add(f->s, 1, 0, "boot", NULL, &id), 0);
  assert_int_equal(raw_int(f, "SELECT COUNT(*) FROM events"), 1);
}

static int64_t pragma_int(store *s, const char *sql) {
  sqlite3_stmt *st;
  assert_int_equal(sqlite3_prepare_v2(store_sqlite(s), sql, -1, &st, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  int64_t v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return v;
}

/* A second connection to the same database in the same process (borne-swarm
 * reopens a station while the old one's connection is still open) must not
 * take the first one's locks away: POSIX drops every lock a process holds on
 * a file when any descriptor of it is closed, so opening must not open and
 * close the database or its -shm behind SQLite's back. */
static void a_second_connection_keeps_the_first_ones_locks(void **state) {
  fixture *f = *state;
  int64_t id;
  assert_int_equal(store_event_add(f->s, 1, 0, "boot", NULL, &id), 0);
  char err[256];
  store *second;
  for (int round = 0; round < 3; round++) {
    assert_int_equal(store_open(&second, f->path, err, sizeof err), 0);
    assert_int_equal(store_prepare_all(second), 0);
    for (int i = 0; i < 20; i++) {
      assert_int_equal(store_event_add(f->s, 2, 0, "boot", NULL, &id), 0);
      assert_int_equal(store_event_add(second, 3, 0, "boot", NULL, &id), 0);
    }
    store_close(second);
  }
  assert_int_equal(store_event_add(f->s, 4, 0, "boot", NULL, &id), 0);
  assert_int_equal(raw_int(f, "SELECT COUNT(*) FROM events"), 1 + 3 * 40 + 1);
  assert_int_equal(raw_int(f, "PRAGMA integrity_check"), 0);
}

/* borne-swarm's connections: the same database, a smaller page cache. */
static void a_lean_connection_is_small_and_works(void **state) {
  fixture *f = *state;
  assert_int_equal(pragma_int(f->s, "PRAGMA cache_size"), -512);
  store_close(f->s);
  char err[256];
  assert_int_equal(store_open_lean(&f->s, f->path, err, sizeof err), 0);
  assert_int_equal(pragma_int(f->s, "PRAGMA cache_size"), -64);
  /* an existing file keeps its page size; a new lean one has 1 KiB pages */
  assert_int_equal(pragma_int(f->s, "PRAGMA page_size"), 4096);
  char fresh[4200];
  snprintf(fresh, sizeof fresh, "%s-lean.db", f->path);
  store *n = NULL;
  assert_int_equal(store_open_lean(&n, fresh, err, sizeof err), 0);
  assert_int_equal(pragma_int(n, "PRAGMA page_size"), 1024);
  int64_t nid;
  assert_int_equal(store_event_add(n, 1, 0, "boot", NULL, &nid), 0);
  store_close(n);
  unlink(fresh);
  snprintf(fresh + strlen(fresh), sizeof fresh - strlen(fresh), "-journal");
  unlink(fresh);
  assert_int_equal(store_prepare_all(f->s), 0);
  int64_t id;
  for (int i = 0; i < 50; i++) assert_int_equal(store_event_add(f->s, i, 0, "boot", NULL, &id), 0);
  assert_int_equal(raw_int(f, "SELECT COUNT(*) FROM events"), 50);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(new_lean_databases_start_from_the_first_ones_schema, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(sessions_lifecycle_and_queries, setup, teardown),
      cmocka_unit_test_setup_teardown(events_after_id_with_limit, setup, teardown),
      cmocka_unit_test_setup_teardown(lean_store_prepares_again_after_a_release, setup, teardown),
      cmocka_unit_test_setup_teardown(lean_store_closes_an_idle_connection, setup, teardown),
      cmocka_unit_test_setup_teardown(lean_connections_beyond_the_bound_close_the_oldest_free_one,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(lean_store_kept_open_for_an_expected_use, setup, teardown),
      cmocka_unit_test_setup_teardown(meter_last_is_the_newest_written, setup, teardown),
      cmocka_unit_test_setup_teardown(samples_are_averaged_per_slice, setup, teardown),
      cmocka_unit_test_setup_teardown(users_and_badges, setup, teardown),
      cmocka_unit_test_setup_teardown(settings_put_replace_delete, setup, teardown),
      cmocka_unit_test_setup_teardown(stop_reason_is_stored_in_ocpp_words, setup, teardown),
      cmocka_unit_test_setup_teardown(sessions_until_only_and_stop_early, setup, teardown),
      cmocka_unit_test_setup_teardown(events_trim_keeps_the_newest_and_never_reuses_ids, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(old_samples_are_trimmed_per_connector, setup, teardown),
      cmocka_unit_test_setup_teardown(row_budget_keeps_the_last_register_of_every_connector, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(security_events_have_their_own_budget, setup, teardown),
      cmocka_unit_test_setup_teardown(closed_sessions_beyond_the_budget_are_trimmed, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(a_companion_table_follows_the_session_trim, setup, teardown),
      cmocka_unit_test_setup_teardown(selftest_results_are_bounded_and_keep_the_latest, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(user_names_are_1_to_64_characters, setup, teardown),
      cmocka_unit_test(uid_normalization),
      cmocka_unit_test_setup_teardown(selftest_results_are_recorded, setup, teardown),
      cmocka_unit_test_setup_teardown(selftest_checks_are_recorded_together_or_not_at_all, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(failures_carry_what_and_why, setup, teardown),
      cmocka_unit_test_setup_teardown(statements_compile_and_a_broken_one_fails_cleanly, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(a_lean_connection_is_small_and_works, setup, teardown),
      cmocka_unit_test_setup_teardown(a_second_connection_keeps_the_first_ones_locks, setup,
                                      teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
