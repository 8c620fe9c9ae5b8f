/*
 * The store's two CPU savers of issue 15, and what they must not break.
 * Batches (store_batch_begin/end): the writes of one event in one durable
 * commit, all or nothing: another connection sees none of it before the end,
 * a write that fails inside undoes only itself, and a power cut at any write
 * or sync of the batch leaves all of it (when the end returned 0) or none of
 * it. Statements kept by the store (store_stmt): the same statement again for
 * the same text, a second one while the first is lent, still right after a
 * module migration changed the tables, released by store_close (ASan's leak
 * check), and more texts than the store keeps still work.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <sqlite3.h>

#include "powercut_vfs.h"
#include "test_tmpdir.h"
#include "store/store.h"

typedef struct {
  test_tmpdb *t;
  store *s;
} fixture;

static int setup(void **state) {
  void *t = NULL;
  if (test_tmpdb_setup(&t, "borne-batch") != 0) return -1;
  fixture *f = calloc(1, sizeof *f);
  f->t = t;
  char err[256];
  if (store_open(&f->s, f->t->path, err, sizeof err) != 0) {
    fprintf(stderr, "%s\n", err);
    return -1;
  }
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fixture *f = *state;
  store_close(f->s);
  void *t = f->t;
  free(f);
  return test_tmpdb_teardown(&t);
}

/* What another process (sqlite3 on the command line) sees: committed rows. */
static int64_t other_count(const char *path, const char *table) {
  sqlite3 *db;
  sqlite3_stmt *st;
  char q[96];
  snprintf(q, sizeof q, "SELECT COUNT(*) FROM %s", table);
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  assert_int_equal(sqlite3_prepare_v2(db, q, -1, &st, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  int64_t n = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return n;
}

static int count_commit(void *ctx) {
  ++*(int *)ctx;
  return 0;
}

/* The station's session start: row, sample, progress, event. */
static int session_start_writes(store *s, int64_t *id) {
  meter_reading r = {.at = 1000, .energy_import_wh = 42.0, .frequency_hz = 50};
  if (store_session_begin(s, 1, "04A1B2", "", 1000, 42.0, id) != 0) return -1;
  if (store_meter_sample(s, 1, &r) != 0) return -1;
  if (store_session_progress(s, *id, 42.0) != 0) return -1;
  return store_event_add(s, 1000, 1, "session_start", "{}", NULL);
}

static void a_batch_is_one_commit_seen_only_at_its_end(void **state) {
  fixture *f = *state;
  int commits = 0;
  sqlite3_commit_hook(store_sqlite(f->s), count_commit, &commits);
  assert_int_equal(store_batch_begin(f->s), 0);
  int64_t id;
  assert_int_equal(session_start_writes(f->s, &id), 0);
  assert_int_equal(commits, 0);
  /* reads of the writer's connection see the batch; others nothing yet */
  session_row row;
  assert_int_equal(store_session_get(f->s, id, &row), 0);
  assert_int_equal(other_count(f->t->path, "sessions"), 0);
  assert_int_equal(other_count(f->t->path, "meter_samples"), 0);
  assert_int_equal(other_count(f->t->path, "events"), 0);
  assert_int_equal(store_batch_end(f->s), 0);
  assert_int_equal(commits, 1);
  assert_int_equal(other_count(f->t->path, "sessions"), 1);
  assert_int_equal(other_count(f->t->path, "meter_samples"), 1);
  assert_int_equal(other_count(f->t->path, "events"), 1);
  /* without a batch the same writes are four commits */
  commits = 0;
  assert_int_equal(session_start_writes(f->s, &id), 0);
  assert_int_equal(commits, 4);
  sqlite3_commit_hook(store_sqlite(f->s), NULL, NULL);
}

static void a_failed_write_in_a_batch_undoes_only_itself(void **state) {
  fixture *f = *state;
  assert_int_equal(store_batch_begin(f->s), 0);
  assert_int_equal(store_event_add(f->s, 1, 0, "boot", "", NULL), 0);
  /* a write that fails inside its own transaction (NOT NULL check) */
  assert_int_equal(store_selftest_record(f->s, 1, 1, NULL, true, ""), -1);
  assert_non_null(strstr(store_last_error(f->s), "cannot record the self-test"));
  assert_int_equal(store_event_add(f->s, 2, 0, "tap", "04A1B2", NULL), 0);
  assert_int_equal(store_batch_end(f->s), 0);
  assert_int_equal(other_count(f->t->path, "events"), 2);
  assert_int_equal(other_count(f->t->path, "selftest"), 0);
  /* the store works on its own after the batch */
  assert_int_equal(store_event_add(f->s, 3, 0, "tap", "04A1B2", NULL), 0);
  assert_int_equal(other_count(f->t->path, "events"), 3);
}

static void batches_do_not_nest_and_end_once(void **state) {
  fixture *f = *state;
  assert_int_equal(store_batch_end(f->s), -1);
  assert_string_equal(store_last_error(f->s), "no batch is open");
  assert_int_equal(store_batch_begin(f->s), 0);
  assert_int_equal(store_batch_begin(f->s), -1);
  assert_string_equal(store_last_error(f->s), "a batch is already open");
  assert_int_equal(store_event_add(f->s, 1, 0, "boot", "", NULL), 0);
  assert_int_equal(store_batch_end(f->s), 0);
  assert_int_equal(store_batch_end(f->s), -1);
  assert_int_equal(other_count(f->t->path, "events"), 1);
}

static void closing_inside_a_batch_keeps_none_of_it(void **state) {
  fixture *f = *state;
  assert_int_equal(store_batch_begin(f->s), 0);
  int64_t id;
  assert_int_equal(session_start_writes(f->s, &id), 0);
  store_close(f->s);
  char err[256];
  assert_int_equal(store_open(&f->s, f->t->path, err, sizeof err), 0);
  assert_int_equal(other_count(f->t->path, "sessions"), 0);
  assert_int_equal(other_count(f->t->path, "events"), 0);
}

/* store_after_commit: what must wait for the batch's commit. */
typedef struct {
  fixture *f;
  char calls[8]; /* 'a', 'b' committed; 'x' told it failed */
  int64_t sessions_seen;
} after_log;

static void after_a(void *ctx, bool committed) {
  after_log *l = ctx;
  strncat(l->calls, committed ? "a" : "x", sizeof l->calls - strlen(l->calls) - 1);
  if (committed) l->sessions_seen = other_count(l->f->t->path, "sessions");
}
static void after_b(void *ctx, bool committed) {
  after_log *l = ctx;
  strncat(l->calls, committed ? "b" : "x", sizeof l->calls - strlen(l->calls) - 1);
}

static void work_after_a_batch_runs_once_it_is_on_disk(void **state) {
  fixture *f = *state;
  after_log l = {.f = f};
  /* outside a batch: at once */
  assert_false(store_in_batch(f->s));
  assert_int_equal(store_after_commit(f->s, after_b, &l), 0);
  assert_string_equal(l.calls, "b");
  /* inside: at the commit, in order, the batch already seen by others */
  l.calls[0] = '\0';
  assert_int_equal(store_batch_begin(f->s), 0);
  assert_true(store_in_batch(f->s));
  int64_t id;
  assert_int_equal(session_start_writes(f->s, &id), 0);
  assert_int_equal(store_after_commit(f->s, after_a, &l), 0);
  assert_int_equal(store_after_commit(f->s, after_b, &l), 0);
  assert_string_equal(l.calls, "");
  assert_int_equal(store_batch_end(f->s), 0);
  assert_string_equal(l.calls, "ab");
  assert_int_equal(l.sessions_seen, 1);
  assert_false(store_in_batch(f->s));
  /* a batch that never commits (closed inside it): told so, nothing on disk */
  l.calls[0] = '\0';
  assert_int_equal(store_batch_begin(f->s), 0);
  assert_int_equal(session_start_writes(f->s, &id), 0);
  assert_int_equal(store_after_commit(f->s, after_a, &l), 0);
  store_close(f->s);
  assert_string_equal(l.calls, "x");
  char err[256];
  assert_int_equal(store_open(&f->s, f->t->path, err, sizeof err), 0);
  assert_int_equal(other_count(f->t->path, "sessions"), 1);
}

/* One run of the batch under the power-cut VFS, cut at op `cut_at` (0 =
 * never); returns the ops made. *acked: store_batch_end returned 0. Then
 * power comes back and the rows are counted: all four tables or none. */
static int64_t batch_at_cut(const char *dir, int64_t cut_at, bool *acked, int *rows_seen) {
  char path[128];
  snprintf(path, sizeof path, "%s/cut-%lld.db", dir, (long long)cut_at);
  char err[256];
  store *s = NULL;
  /* the schema first, with the power on */
  assert_int_equal(store_open(&s, path, err, sizeof err), 0);
  store_close(s);
  powercut_arm(cut_at, (uint64_t)cut_at * 7919u + 1);
  *acked = false;
  if (store_open(&s, path, err, sizeof err) == 0) {
    int64_t id;
    if (store_batch_begin(s) == 0) {
      int w = session_start_writes(s, &id);
      *acked = store_batch_end(s) == 0 && w == 0;
    }
    store_close(s);
  }
  int64_t ops = powercut_ops();
  bool dead = powercut_dead();
  powercut_reset();
  if (!dead) assert_true(*acked);
  assert_int_equal(store_open(&s, path, err, sizeof err), 0);
  store_close(s);
  int n = 0;
  n += other_count(path, "sessions") == 1;
  n += other_count(path, "meter_samples") == 1;
  n += other_count(path, "meter_last") == 1;
  n += other_count(path, "events") == 1;
  *rows_seen = n;
  return ops;
}

static void a_power_cut_leaves_all_of_a_batch_or_none(void **state) {
  (void)state;
  char dir[64];
  assert_int_equal(test_tmpdir_make(dir, sizeof dir, "borne-batch-cut"), 0);
  powercut_install();
  int fd = dup(2), null = open("/dev/null", O_WRONLY);
  bool acked;
  int rows;
  int64_t total = batch_at_cut(dir, 0, &acked, &rows);
  assert_true(acked);
  assert_int_equal(rows, 4);
  assert_true(total > 2);
  int landed = 0;
  for (int64_t at = 1; at <= total; at++) {
    dup2(null, 2); /* the store's messages once the power is gone */
    batch_at_cut(dir, at, &acked, &rows);
    dup2(fd, 2);
    if (rows != 0 && rows != 4)
      fail_msg("cut at op %lld of %lld: %d of 4 tables hold the batch: half a commit",
               (long long)at, (long long)total, rows);
    if (acked && rows != 4)
      fail_msg("cut at op %lld of %lld: the batch was acknowledged and is lost", (long long)at,
               (long long)total);
    landed += rows == 0;
  }
  close(fd);
  close(null);
  powercut_uninstall();
  test_tmpdir_remove(dir);
  assert_true(landed > 0); /* some cuts came before the commit's sync */
}

static void a_statement_is_prepared_once_per_text(void **state) {
  fixture *f = *state;
  const char *q = "SELECT COUNT(*) FROM events WHERE kind = ?";
  sqlite3_stmt *a = store_stmt(f->s, q);
  assert_non_null(a);
  sqlite3_bind_text(a, 1, "boot", -1, SQLITE_STATIC);
  assert_int_equal(sqlite3_step(a), SQLITE_ROW);
  /* while `a` is lent (stepped, not given back) the same text gets another */
  sqlite3_stmt *b = store_stmt(f->s, q);
  assert_non_null(b);
  assert_ptr_not_equal(a, b);
  store_stmt_release(f->s, b);
  store_stmt_release(f->s, a);
  /* given back: the same statement again, reset and without bindings */
  char copy[64];
  snprintf(copy, sizeof copy, "%s", q); /* the text, not the pointer, is the key */
  sqlite3_stmt *c = store_stmt(f->s, copy);
  assert_true(c == a || c == b);
  assert_false(sqlite3_stmt_busy(c));
  assert_int_equal(sqlite3_step(c), SQLITE_ROW);
  assert_int_equal(sqlite3_column_int(c, 0), 0); /* kind = NULL: no binding left */
  store_stmt_release(f->s, c);
  assert_null(store_stmt(f->s, "SELECT nonsense FROM nowhere"));
  assert_non_null(strstr(store_last_error(f->s), "no such table"));
  store_stmt_release(f->s, NULL);
}

/* A module's schema version, read outside a transaction, is kept until the module's next
 * migration (store_module_version: modules ask at each use); one read inside a transaction,
 * or 0 (tables not made yet), is read again each time. */
static void a_module_version_is_kept_until_its_next_migration(void **state) {
  fixture *f = *state;
  static const char *const v2[] = {"CREATE TABLE vers(a INTEGER)",
                                   "ALTER TABLE vers ADD COLUMN b INTEGER"};
  sqlite3 *db = store_sqlite(f->s);
  assert_int_equal(store_module_version(f->s, "vers"), 0); /* not made: not kept */
  assert_int_equal(store_module_migrate(f->s, "vers", v2, 1), 0);
  assert_int_equal(store_module_version(f->s, "vers"), 1);
  /* kept: a change behind the store's back is not read again */
  assert_int_equal(
      sqlite3_exec(db, "UPDATE module_schema SET version = 9 WHERE module = 'vers'", 0, 0, 0),
      SQLITE_OK);
  assert_int_equal(store_module_version(f->s, "vers"), 1);
  assert_int_equal(
      sqlite3_exec(db, "UPDATE module_schema SET version = 1 WHERE module = 'vers'", 0, 0, 0),
      SQLITE_OK);
  /* a migration reads it again */
  assert_int_equal(store_module_migrate(f->s, "vers", v2, 2), 0);
  assert_int_equal(store_module_version(f->s, "vers"), 2);
  /* read inside a transaction: not kept */
  static const char *const other[] = {"CREATE TABLE other(a INTEGER)"};
  assert_int_equal(store_module_migrate(f->s, "other", other, 1), 0); /* not inside a batch */
  assert_int_equal(store_batch_begin(f->s), 0);
  assert_int_equal(store_module_version(f->s, "other"), 1);
  assert_int_equal(store_batch_end(f->s), 0);
  assert_int_equal(
      sqlite3_exec(db, "UPDATE module_schema SET version = 0 WHERE module = 'other'", 0, 0, 0),
      SQLITE_OK);
  assert_int_equal(store_module_version(f->s, "other"), 0);
}

static void a_kept_statement_follows_a_module_migration(void **state) {
  fixture *f = *state;
  static const char *const v1[] = {"CREATE TABLE kept(a INTEGER); INSERT INTO kept VALUES(1);"};
  static const char *const v2[] = {
      "CREATE TABLE kept(a INTEGER); INSERT INTO kept VALUES(1);",
      "ALTER TABLE kept ADD COLUMN b INTEGER NOT NULL DEFAULT 7; INSERT INTO kept VALUES(2, 8);"};
  assert_int_equal(store_module_migrate(f->s, "kept", v1, 1), 0);
  const char *q = "SELECT * FROM kept ORDER BY a DESC LIMIT 1";
  sqlite3_stmt *st = store_stmt(f->s, q);
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  assert_int_equal(sqlite3_column_count(st), 1);
  store_stmt_release(f->s, st);
  /* the schema changes under the kept statement: SQLite prepares it again */
  assert_int_equal(store_module_migrate(f->s, "kept", v2, 2), 0);
  sqlite3_stmt *again = store_stmt(f->s, q);
  assert_ptr_equal(again, st);
  assert_int_equal(sqlite3_step(again), SQLITE_ROW);
  assert_int_equal(sqlite3_column_count(again), 2);
  assert_int_equal(sqlite3_column_int(again, 0), 2);
  assert_int_equal(sqlite3_column_int(again, 1), 8);
  store_stmt_release(f->s, again);
  /* closed with a statement still lent, opened again: a fresh, working cache */
  sqlite3_stmt *lent = store_stmt(f->s, q);
  assert_int_equal(sqlite3_step(lent), SQLITE_ROW);
  store_close(f->s);
  char err[256];
  assert_int_equal(store_open(&f->s, f->t->path, err, sizeof err), 0);
  st = store_stmt(f->s, "SELECT b FROM kept WHERE a = 1");
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  assert_int_equal(sqlite3_column_int(st, 0), 7);
  store_stmt_release(f->s, st);
}

static void more_texts_than_the_store_keeps_still_work(void **state) {
  fixture *f = *state;
  for (int round = 0; round < 2; round++) {
    for (int i = 0; i < 100; i++) {
      char q[64];
      snprintf(q, sizeof q, "SELECT %d + 1", i);
      sqlite3_stmt *st = store_stmt(f->s, q);
      assert_non_null(st);
      assert_int_equal(sqlite3_step(st), SQLITE_ROW);
      assert_int_equal(sqlite3_column_int(st, 0), i + 1);
      store_stmt_release(f->s, st); /* beyond the cache: finalized (ASan: no leak) */
    }
  }
  /* the store's own writes are unaffected */
  assert_int_equal(store_event_add(f->s, 1, 0, "boot", "", NULL), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(a_batch_is_one_commit_seen_only_at_its_end, setup, teardown),
      cmocka_unit_test_setup_teardown(a_failed_write_in_a_batch_undoes_only_itself, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(batches_do_not_nest_and_end_once, setup, teardown),
      cmocka_unit_test_setup_teardown(closing_inside_a_batch_keeps_none_of_it, setup, teardown),
      cmocka_unit_test_setup_teardown(work_after_a_batch_runs_once_it_is_on_disk, setup, teardown),
      cmocka_unit_test(a_power_cut_leaves_all_of_a_batch_or_none),
      cmocka_unit_test_setup_teardown(a_statement_is_prepared_once_per_text, setup, teardown),
      cmocka_unit_test_setup_teardown(a_kept_statement_follows_a_module_migration, setup, teardown),
      cmocka_unit_test_setup_teardown(a_module_version_is_kept_until_its_next_migration, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(more_texts_than_the_store_keeps_still_work, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
