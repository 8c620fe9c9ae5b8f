/*
 * The database's files and settings as store_open leaves them: every file
 * (borne.db, -wal, -shm) is 0600 whatever the umask and the directory's mode,
 * an older install's 0644 files are made private at open, and the pragmas the
 * durability promise rests on (WAL, synchronous=FULL) and the bounds of the
 * WAL and the page cache read back as set. A change of synchronous=FULL to
 * NORMAL in store.c fails here (and in test_chargepoint_powercut.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <sqlite3.h>

#include "test_tmpdir.h"
#include "store/store.h"

typedef struct {
  char dir[64];
  char path[128];
  mode_t umask_was;
} tmpdb;

static int setup(void **state) {
  tmpdb *t = calloc(1, sizeof *t);
  if (!t || test_tmpdir_make(t->dir, sizeof t->dir, "borne-files") != 0) return -1;
  snprintf(t->path, sizeof t->path, "%s/borne.db", t->dir);
  t->umask_was = umask(0);
  umask(t->umask_was);
  *state = t;
  return 0;
}

static int teardown(void **state) {
  tmpdb *t = *state;
  umask(t->umask_was);
  int rc = test_tmpdir_remove(t->dir);
  free(t);
  return rc;
}

static int mode_of(const char *dir, const char *name) {
  char p[256];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  struct stat sb;
  if (stat(p, &sb) != 0) return -1;
  return (int)(sb.st_mode & 07777);
}

static void assert_private(const tmpdb *t, const char *name) {
  int m = mode_of(t->dir, name);
  if (m != 0600) fail_msg("%s is %04o, not 0600", name, m);
}

static void text_pragma(store *s, const char *q, char *out, size_t len) {
  sqlite3_stmt *st;
  assert_int_equal(sqlite3_prepare_v2(store_sqlite(s), q, -1, &st, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  snprintf(out, len, "%s", (const char *)sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
}

static int64_t int_pragma(store *s, const char *q) {
  char v[32];
  text_pragma(s, q, v, sizeof v);
  return strtoll(v, NULL, 10);
}

/* umask 000 and a world-writable directory: SQLite alone would make the
 * database 0644 and its -wal and -shm likewise. */
static void new_files_are_0600_whatever_the_umask_and_directory(void **state) {
  tmpdb *t = *state;
  assert_int_equal(chmod(t->dir, 0777), 0);
  umask(0);
  store *s;
  char err[256];
  assert_int_equal(store_open(&s, t->path, err, sizeof err), 0);
  assert_int_equal(store_event_add(s, 1, 0, "boot", "", NULL), 0);
  /* while open: the WAL and its index exist */
  assert_private(t, "borne.db");
  assert_private(t, "borne.db-wal");
  assert_private(t, "borne.db-shm");
  store_close(s);
  assert_private(t, "borne.db");
}

/* An install from before this rule: the files were 0644 (and a reader kept
 * -wal and -shm in place). Opening makes all of them private. */
static void existing_files_are_made_private_at_open(void **state) {
  tmpdb *t = *state;
  umask(0);
  sqlite3 *reader;
  assert_int_equal(sqlite3_open(t->path, &reader), SQLITE_OK); /* SQLite's own 0644 */
  assert_int_equal(sqlite3_exec(reader,
                                "PRAGMA journal_mode=WAL; CREATE TABLE x(a);"
                                " INSERT INTO x VALUES(1);",
                                NULL, NULL, NULL),
                   SQLITE_OK);
  assert_int_equal(mode_of(t->dir, "borne.db"), 0644);
  assert_int_equal(mode_of(t->dir, "borne.db-wal"), 0644);
  char side[160];
  snprintf(side, sizeof side, "%s-shm", t->path);
  assert_int_equal(chmod(side, 0666), 0);
  store *s;
  char err[256];
  assert_int_equal(store_open(&s, t->path, err, sizeof err), 0);
  assert_private(t, "borne.db");
  assert_private(t, "borne.db-wal");
  assert_private(t, "borne.db-shm");
  store_close(s);
  sqlite3_close(reader);
}

/* The durability promise is WAL with synchronous=FULL (2): read back from a
 * store as opened, not taken from the source. */
static void durability_pragmas_read_back(void **state) {
  tmpdb *t = *state;
  store *s;
  char err[256];
  assert_int_equal(store_open(&s, t->path, err, sizeof err), 0);
  char mode[16];
  text_pragma(s, "PRAGMA journal_mode", mode, sizeof mode);
  assert_string_equal(mode, "wal");
  assert_int_equal(int_pragma(s, "PRAGMA synchronous"), 2); /* FULL; NORMAL is 1 */
  assert_int_equal(int_pragma(s, "PRAGMA foreign_keys"), 1);
  /* the bounds of the WAL file and of the page cache (docs/storage.md); the
   * checkpoint every 256 pages is the store's WAL hook (test_store_sync_vfs) */
  assert_int_equal(int_pragma(s, "PRAGMA journal_size_limit"), 1048576);
  assert_int_equal(int_pragma(s, "PRAGMA cache_size"), -512);
  store_close(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(new_files_are_0600_whatever_the_umask_and_directory, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(existing_files_are_made_private_at_open, setup, teardown),
      cmocka_unit_test_setup_teardown(durability_pragmas_read_back, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
