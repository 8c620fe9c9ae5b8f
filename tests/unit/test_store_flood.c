/*
 * A flood of security events (what 20 000 failed logins write) with the
 * store's default retention: once the security budget (10 000) is full the
 * database file stops growing, the WAL stays within its 1 MiB bound, and the
 * memory SQLite holds beyond its page cache stays flat: the RSS growth seen
 * under a login flood is the page cache (bounded at 512 KiB) filling up, not a
 * leak (the ASan build of this test checks for leaks too). docs/storage.md.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include <sqlite3.h>

#include "test_tmpdir.h"
#include "store/store.h"

typedef test_tmpdb tmpdb;

static int setup(void **state) { return test_tmpdb_setup(state, "borne-flood"); }

static int teardown(void **state) { return test_tmpdb_teardown(state); }

static int64_t file_size(const char *path, const char *suffix) {
  char p[160];
  snprintf(p, sizeof p, "%s%s", path, suffix);
  struct stat sb;
  return stat(p, &sb) == 0 ? (int64_t)sb.st_size : 0;
}

static void flood(store *s, int from, int count, int64_t *max_wal, const char *path) {
  for (int i = from; i < from + count; i++) {
    char detail[128];
    snprintf(detail, sizeof detail,
             "MaintenanceLoginFailed: wrong owner PIN from 192.0.2.%d (%d in a row, locked 60 s)",
             i % 250, i);
    assert_int_equal(store_event_add(s, 1000 + i, 0, "security", detail, NULL), 0);
    if (i % 100 == 0) {
      int64_t w = file_size(path, "-wal");
      if (w > *max_wal) *max_wal = w;
    }
  }
}

typedef struct {
  int64_t heap;  /* sqlite3_memory_used(): every byte SQLite has allocated */
  int64_t cache; /* of which the page cache of the store's connection */
} sqlite_mem;

static sqlite_mem measure(store *s) {
  int cur = 0, hi = 0;
  assert_int_equal(sqlite3_db_status(store_sqlite(s), SQLITE_DBSTATUS_CACHE_USED, &cur, &hi, 0),
                   SQLITE_OK);
  return (sqlite_mem){sqlite3_memory_used(), cur};
}

static int64_t checkpointed_size(store *s, const char *path) {
  assert_int_equal(
      sqlite3_exec(store_sqlite(s), "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL),
      SQLITE_OK);
  return file_size(path, "") + file_size(path, "-wal");
}

static void security_flood_keeps_file_wal_and_memory_bounded(void **state) {
  tmpdb *t = *state;
  store *s;
  char err[256];
  assert_int_equal(store_open(&s, t->path, err, sizeof err), 0);
  /* durability is not under test here: skip the fsyncs to keep it quick */
  assert_int_equal(sqlite3_exec(store_sqlite(s), "PRAGMA synchronous=OFF", NULL, NULL, NULL),
                   SQLITE_OK);
  store_retention keep;
  store_get_retention(s, &keep);
  const int budget = (int)keep.security_event_max_rows;
  assert_int_equal(budget, 10000);
  assert_int_equal(store_event_add(s, 1, 0, "status", "boot", NULL), 0);
  int64_t max_wal = 0;
  flood(s, 0, budget, &max_wal, t->path);
  int64_t full = checkpointed_size(s, t->path);
  sqlite_mem m1 = measure(s);
  flood(s, budget, budget, &max_wal, t->path); /* 20 000 in all */
  int64_t after = checkpointed_size(s, t->path);
  sqlite_mem m2 = measure(s);
  print_message("flood: db %lld -> %lld bytes at %d -> %d security events, WAL at most %lld;"
                " SQLite heap %lld -> %lld of which page cache %lld -> %lld\n",
                (long long)full, (long long)after, budget, 2 * budget, (long long)max_wal,
                (long long)m1.heap, (long long)m2.heap, (long long)m1.cache, (long long)m2.cache);
  /* the file: 10 000 more events after the budget filled reuse the pages of
   * the ones they pushed out */
  if (after > full + full / 20)
    fail_msg("db grew from %lld to %lld", (long long)full, (long long)after);
  /* the WAL: checkpointed every 256 pages and cut back to 1 MiB */
  if (max_wal > 1280 * 1024) fail_msg("WAL reached %lld bytes", (long long)max_wal);
  /* memory: the page cache is bounded, and nothing else grows */
  if (m2.cache > 640 * 1024) fail_msg("page cache %lld bytes", (long long)m2.cache);
  if (m1.heap > 0) { /* SQLite built with memory statistics */
    int64_t other1 = m1.heap - m1.cache, other2 = m2.heap - m2.cache;
    if (other2 > other1 + 64 * 1024)
      fail_msg("SQLite heap outside the cache grew from %lld to %lld", (long long)other1,
               (long long)other2);
  }
  /* the budget holds, the rest of the log is untouched */
  sqlite3_stmt *st;
  assert_int_equal(sqlite3_prepare_v2(store_sqlite(s),
                                      "SELECT COUNT(*), MIN(at_ms) FROM events"
                                      " WHERE kind = 'security'",
                                      -1, &st, NULL),
                   SQLITE_OK);
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  assert_int_equal(sqlite3_column_int(st, 0), budget);
  assert_int_equal(sqlite3_column_int64(st, 1), 1000 + budget);
  sqlite3_finalize(st);
  assert_int_equal(sqlite3_prepare_v2(store_sqlite(s),
                                      "SELECT COUNT(*) FROM events WHERE kind = 'status'", -1, &st,
                                      NULL),
                   SQLITE_OK);
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  assert_int_equal(sqlite3_column_int(st, 0), 1);
  sqlite3_finalize(st);
  store_close(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(security_flood_keeps_file_wal_and_memory_bounded, setup,
                                      teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
