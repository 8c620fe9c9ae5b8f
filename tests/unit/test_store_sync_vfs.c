/*
 * The store's VFS (src/store/sync_vfs.c, issue 15), seen through the power-cut
 * VFS underneath it, which counts what reaches the disk: a log-only commit
 * makes no sync and leaves the connection at synchronous=FULL (no pragma
 * switched), a record's commit syncs the WAL, a checkpoint after an unsynced
 * commit still syncs, a WAL frame (header and page) is one write, and a power
 * cut after an unsynced commit loses it or keeps it whole while every synced
 * commit stays.
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
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <sqlite3.h>

#include "powercut_vfs.h"
#include "test_tmpdir.h"
#include "store/store.h"

typedef struct {
  char dir[64];
  char path[128];
  store *s;
} fixture;

static int setup(void **state) {
  powercut_install();
  fixture *f = calloc(1, sizeof *f);
  if (!f || test_tmpdir_make(f->dir, sizeof f->dir, "borne-syncvfs") != 0) return -1;
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
  powercut_uninstall();
  test_tmpdir_remove(f->dir);
  free(f);
  return 0;
}

static int synchronous_level(store *s) {
  sqlite3_stmt *st;
  assert_int_equal(sqlite3_prepare_v2(store_sqlite(s), "PRAGMA synchronous", -1, &st, NULL),
                   SQLITE_OK);
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  int v = sqlite3_column_int(st, 0);
  sqlite3_finalize(st);
  return v;
}

static int64_t wal_size(const fixture *f) {
  char wal[160];
  snprintf(wal, sizeof wal, "%s-wal", f->path);
  struct stat sb;
  return stat(wal, &sb) == 0 ? (int64_t)sb.st_size : -1;
}

static void a_log_only_commit_is_not_synced_and_a_record_is(void **state) {
  fixture *f = *state;
  assert_int_equal(store_event_add(f->s, 1, 0, "boot", "", NULL), 0); /* tables warm */
  int64_t syncs = powercut_syncs();
  assert_int_equal(store_event_add_unsynced(f->s, 2, 1, "status", "{}", NULL), 0);
  assert_int_equal(powercut_syncs(), syncs);
  assert_int_equal(synchronous_level(f->s), 2); /* FULL: nothing was switched */
  assert_int_equal(store_unsynced_begin(f->s), 0);
  assert_int_equal(store_event_add(f->s, 3, 1, "auth_accepted", "{}", NULL), 0);
  assert_int_equal(store_unsynced_end(f->s), 0);
  assert_int_equal(powercut_syncs(), syncs);
  /* a record: its commit syncs the WAL, and with it the rows before */
  assert_int_equal(store_event_add(f->s, 4, 1, "session_start", "{}", NULL), 0);
  assert_int_equal(powercut_syncs(), syncs + 1);
  assert_int_equal(store_event_add_unsynced(f->s, 5, 1, "status", "{}", NULL), 0);
  assert_int_equal(powercut_syncs(), syncs + 1);
}

static void a_frame_is_one_write(void **state) {
  fixture *f = *state;
  assert_int_equal(store_event_add(f->s, 1, 0, "boot", "", NULL), 0);
  int64_t size = wal_size(f), ops = powercut_ops(), syncs = powercut_syncs();
  assert_int_equal(store_event_add(f->s, 2, 1, "session_start", "{}", NULL), 0);
  int64_t frames = (wal_size(f) - size) / (24 + 4096);
  assert_true(frames >= 1);
  /* writes, truncations and syncs: one write per frame, one sync */
  assert_int_equal(powercut_ops() - ops, frames + (powercut_syncs() - syncs));
  assert_int_equal(powercut_syncs() - syncs, 1);
}

/* The WAL header's first salt (bytes 16..19), which SQLite changes each time
 * it writes the WAL again from its start after a checkpoint. */
static uint32_t wal_salt(const fixture *f) {
  char wal[160];
  snprintf(wal, sizeof wal, "%s-wal", f->path);
  unsigned char h[32] = {0};
  int fd = open(wal, O_RDONLY);
  if (fd >= 0) {
    assert_int_equal(pread(fd, h, sizeof h, 0), (ssize_t)sizeof h);
    close(fd);
  }
  return (uint32_t)h[16] << 24 | (uint32_t)h[17] << 16 | (uint32_t)h[18] << 8 | h[19];
}

static void a_checkpoint_after_unsynced_commits_still_syncs(void **state) {
  fixture *f = *state;
  assert_int_equal(store_event_add(f->s, 1, 0, "boot", "", NULL), 0);
  int64_t syncs = powercut_syncs(), peak = 0;
  uint32_t salt = wal_salt(f);
  int commits = 0;
  /* each commit adds a few frames; the WAL is checkpointed at 256 pages and
   * the next commit writes it again from the start */
  while (commits < 1500 && wal_salt(f) == salt) {
    assert_int_equal(store_event_add_unsynced(f->s, commits, 1, "status", "{}", NULL), 0);
    commits++;
    int64_t now = wal_size(f);
    if (now > peak) peak = now;
  }
  /* checkpointed at 256 pages (the store's WAL hook, in place of SQLite's
   * automatic checkpoint): the WAL went back to its start, no longer than
   * 256 frames and the last commit's, after about a hundred commits */
  assert_true(wal_salt(f) != salt);
  assert_true(commits > 50);
  assert_true(peak <= 32 + (256 + 8) * (24 + 4096));
  /* the checkpoint synced the WAL and the database, and the restarted WAL's
   * header: what synchronous=NORMAL syncs too; the commits themselves none */
  assert_int_equal(powercut_syncs() - syncs, 3);
}

/* After a cut: the rows of `kind` the database kept. */
static int64_t kept(const char *path, const char *kind) {
  sqlite3 *db;
  sqlite3_stmt *st;
  assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, "unix"), SQLITE_OK);
  assert_int_equal(
      sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM events WHERE kind = ?1", -1, &st, NULL),
      SQLITE_OK);
  sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  int64_t n = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return n;
}

static void a_cut_keeps_every_synced_commit(void **state) {
  fixture *f = *state;
  assert_int_equal(store_event_add(f->s, 1, 0, "boot", "", NULL), 0);
  int lost_unsynced = 0;
  for (int seed = 1; seed <= 8; seed++) {
    /* synced, unsynced, synced, unsynced; power goes after the last */
    powercut_reset();
    assert_int_equal(store_event_add(f->s, 2, 1, "session_start", "{}", NULL), 0);
    assert_int_equal(store_event_add_unsynced(f->s, 3, 1, "status", "{}", NULL), 0);
    assert_int_equal(store_event_add(f->s, 4, 1, "session_stop", "{}", NULL), 0);
    assert_int_equal(store_event_add_unsynced(f->s, 5, 1, "tap", "{}", NULL), 0);
    powercut_arm(1, (uint64_t)seed); /* the next write, truncation or sync */
    store_event_add_unsynced(f->s, 6, 1, "tap", "{}", NULL); /* fails: power is gone */
    assert_true(powercut_dead());
    store_close(f->s);
    f->s = NULL;
    powercut_reset();
    assert_int_equal(kept(f->path, "session_start"), seed);
    assert_int_equal(kept(f->path, "session_stop"), seed);
    /* the status before the synced stop is durable with it */
    assert_int_equal(kept(f->path, "status"), seed);
    int64_t taps = kept(f->path, "tap");
    assert_true(taps == seed || taps == seed - 1);
    lost_unsynced += taps == seed - 1;
    char err[256];
    assert_int_equal(store_open(&f->s, f->path, err, sizeof err), 0);
    /* the rows of the lost taps are gone for good: keep the count in step */
    if (taps == seed - 1) assert_int_equal(store_event_add(f->s, 7, 1, "tap", "{}", NULL), 0);
  }
  assert_true(lost_unsynced > 0); /* the last commit was not synced: some cuts lose it */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(a_log_only_commit_is_not_synced_and_a_record_is, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(a_frame_is_one_write, setup, teardown),
      cmocka_unit_test_setup_teardown(a_checkpoint_after_unsynced_commits_still_syncs, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(a_cut_keeps_every_synced_commit, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
