/*
 * Power loss at the storage level, for tests: a SQLite VFS that wraps the
 * unix VFS and remembers, per file, every write and truncation made since
 * that file's last xSync (with the bytes they replaced). At the cut point
 * (the Nth write, truncation or sync, chosen by the test) power is lost:
 * the unsynced changes of each file are undone, all of them or all but a
 * prefix (a disk that wrote back some of its cache, in order, before the
 * lights went out), and every later write, sync, read or delete fails as if
 * the machine were off. What xSync made durable stays. xSync itself does not
 * call fsync: durability is what this model says, and the tests run fast.
 *
 * This is what tells synchronous=FULL from NORMAL: in WAL mode NORMAL
 * commits without syncing the WAL, so a commit the store reported done is
 * undone at the cut.
 *
 * Usage: powercut_install() once (makes it the default VFS), then per run
 * powercut_arm(cut_at, seed) ... powercut_dead() ... powercut_reset().
 * Only one database at a time; not thread-safe (tests are single-threaded).
 */
#ifndef BORNE_TEST_POWERCUT_VFS_H
#define BORNE_TEST_POWERCUT_VFS_H

#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#define PC_MAX_PATHS 16

typedef struct pc_file pc_file;

typedef struct {
  int path;            /* index into pc.paths */
  sqlite3_int64 off;   /* where the old bytes go back */
  sqlite3_int64 size;  /* the file's size before the change */
  int len;             /* bytes in old */
  unsigned char old[]; /* what the change replaced (within the old size) */
} pc_undo;

static struct {
  sqlite3_vfs vfs;
  sqlite3_vfs *real;
  char *paths[PC_MAX_PATHS];
  pc_file *open[PC_MAX_PATHS]; /* the open handle of each path, if any */
  pc_undo **undo;              /* unsynced changes, oldest first */
  size_t nundo, capundo;
  int64_t ops;    /* writes, truncations and syncs so far */
  int64_t cut_at; /* 0: no cut */
  int64_t syncs;  /* xSync calls on tracked files since install */
  bool dead;
  uint64_t rng;
} pc;

struct pc_file {
  sqlite3_file base;
  sqlite3_file *real;
  int path; /* -1: not tracked (temporary files) */
};

static uint64_t pc_random(void) { /* xorshift64* */
  pc.rng ^= pc.rng >> 12;
  pc.rng ^= pc.rng << 25;
  pc.rng ^= pc.rng >> 27;
  return pc.rng * 2685821657736338717ULL;
}

static int pc_path_index(const char *name) {
  for (int i = 0; i < PC_MAX_PATHS; i++)
    if (pc.paths[i] && strcmp(pc.paths[i], name) == 0) return i;
  for (int i = 0; i < PC_MAX_PATHS; i++) {
    if (!pc.paths[i]) {
      pc.paths[i] = strdup(name);
      return i;
    }
  }
  return -1;
}

static void pc_forget(int path) { /* the file's changes are durable (or it is gone) */
  size_t k = 0;
  for (size_t i = 0; i < pc.nundo; i++) {
    if (pc.undo[i]->path == path)
      free(pc.undo[i]);
    else
      pc.undo[k++] = pc.undo[i];
  }
  pc.nundo = k;
}

/* Remembers what [off, off+len) held, and the size, before a change. */
static int pc_remember(pc_file *f, sqlite3_int64 off, sqlite3_int64 len) {
  sqlite3_int64 size = 0;
  if (f->real->pMethods->xFileSize(f->real, &size) != SQLITE_OK) return SQLITE_IOERR;
  sqlite3_int64 keep = off < size ? (off + len < size ? len : size - off) : 0;
  pc_undo *u = malloc(sizeof *u + (size_t)keep);
  if (!u) return SQLITE_NOMEM;
  *u = (pc_undo){.path = f->path, .off = off, .size = size, .len = (int)keep};
  if (keep > 0 && f->real->pMethods->xRead(f->real, u->old, (int)keep, off) != SQLITE_OK) {
    free(u);
    return SQLITE_IOERR;
  }
  if (pc.nundo == pc.capundo) {
    size_t cap = pc.capundo ? 2 * pc.capundo : 64;
    pc_undo **n = realloc(pc.undo, cap * sizeof *n);
    if (!n) {
      free(u);
      return SQLITE_NOMEM;
    }
    pc.undo = n;
    pc.capundo = cap;
  }
  pc.undo[pc.nundo++] = u;
  return SQLITE_OK;
}

/* Puts one change back: the old bytes, then the old size. */
static void pc_undo_one(const pc_undo *u) {
  pc_file *f = pc.open[u->path];
  if (f) {
    if (u->len) f->real->pMethods->xWrite(f->real, u->old, u->len, u->off);
    f->real->pMethods->xTruncate(f->real, u->size);
    return;
  }
  int fd = open(pc.paths[u->path], O_RDWR | O_CLOEXEC);
  if (fd < 0) return;
  if (u->len && pwrite(fd, u->old, (size_t)u->len, (off_t)u->off) != u->len) {
    /* nothing better to do: the test's checks will see it */
  }
  if (ftruncate(fd, (off_t)u->size) != 0) {
  }
  close(fd);
}

/* The lights go out: each file keeps a random prefix of its unsynced changes
 * (half the time none of them). */
static void pc_cut(void) {
  int keep[PC_MAX_PATHS], seen[PC_MAX_PATHS] = {0};
  for (size_t i = 0; i < pc.nundo; i++) seen[pc.undo[i]->path]++;
  for (int p = 0; p < PC_MAX_PATHS; p++)
    keep[p] = seen[p] && (pc_random() & 1) ? (int)(pc_random() % (uint64_t)(seen[p] + 1)) : 0;
  int rev[PC_MAX_PATHS] = {0};
  for (size_t i = pc.nundo; i-- > 0;) {
    int p = pc.undo[i]->path;
    int k = seen[p] - 1 - rev[p]++; /* its place among the file's changes */
    if (k >= keep[p]) pc_undo_one(pc.undo[i]);
  }
  for (size_t i = 0; i < pc.nundo; i++) free(pc.undo[i]);
  pc.nundo = 0;
  pc.dead = true;
}

/* Counts an operation; true when power is (now) gone. */
static bool pc_tick(void) {
  if (pc.dead) return true;
  pc.ops++;
  if (pc.cut_at > 0 && pc.ops == pc.cut_at) pc_cut();
  return pc.dead;
}

static int pc_close(sqlite3_file *file) {
  pc_file *f = (pc_file *)file;
  if (f->path >= 0 && pc.open[f->path] == f) pc.open[f->path] = NULL;
  return f->real->pMethods->xClose(f->real);
}

static int pc_read(sqlite3_file *file, void *buf, int amt, sqlite3_int64 off) {
  pc_file *f = (pc_file *)file;
  if (pc.dead && f->path >= 0) return SQLITE_IOERR_READ;
  return f->real->pMethods->xRead(f->real, buf, amt, off);
}

static int pc_write(sqlite3_file *file, const void *buf, int amt, sqlite3_int64 off) {
  pc_file *f = (pc_file *)file;
  if (f->path >= 0) {
    if (pc_tick()) return SQLITE_IOERR_WRITE;
    int rc = pc_remember(f, off, amt);
    if (rc != SQLITE_OK) return rc;
  }
  return f->real->pMethods->xWrite(f->real, buf, amt, off);
}

static int pc_truncate(sqlite3_file *file, sqlite3_int64 size) {
  pc_file *f = (pc_file *)file;
  if (f->path >= 0) {
    if (pc_tick()) return SQLITE_IOERR_TRUNCATE;
    sqlite3_int64 now = 0;
    if (f->real->pMethods->xFileSize(f->real, &now) != SQLITE_OK) return SQLITE_IOERR_TRUNCATE;
    if (now > size) {
      int rc = pc_remember(f, size, now - size);
      if (rc != SQLITE_OK) return rc;
    }
  }
  return f->real->pMethods->xTruncate(f->real, size);
}

static int pc_sync(sqlite3_file *file, int flags) {
  pc_file *f = (pc_file *)file;
  (void)flags;
  if (f->path < 0) return SQLITE_OK;
  if (pc_tick()) return SQLITE_IOERR_FSYNC;
  pc.syncs++;
  pc_forget(f->path);
  return SQLITE_OK;
}

static int pc_file_size(sqlite3_file *file, sqlite3_int64 *size) {
  pc_file *f = (pc_file *)file;
  return f->real->pMethods->xFileSize(f->real, size);
}

static int pc_lock(sqlite3_file *file, int lock) {
  pc_file *f = (pc_file *)file;
  return f->real->pMethods->xLock(f->real, lock);
}

static int pc_unlock(sqlite3_file *file, int lock) {
  pc_file *f = (pc_file *)file;
  return f->real->pMethods->xUnlock(f->real, lock);
}

static int pc_check_reserved(sqlite3_file *file, int *out) {
  pc_file *f = (pc_file *)file;
  return f->real->pMethods->xCheckReservedLock(f->real, out);
}

static int pc_file_control(sqlite3_file *file, int op, void *arg) {
  pc_file *f = (pc_file *)file;
  return f->real->pMethods->xFileControl(f->real, op, arg);
}

static int pc_sector_size(sqlite3_file *file) {
  pc_file *f = (pc_file *)file;
  return f->real->pMethods->xSectorSize(f->real);
}

static int pc_device_characteristics(sqlite3_file *file) {
  pc_file *f = (pc_file *)file;
  return f->real->pMethods->xDeviceCharacteristics(f->real);
}

/* The WAL index (-shm) is shared memory that SQLite rebuilds from the WAL
 * when the first connection opens the database: it needs no model. */
static int pc_shm_map(sqlite3_file *file, int pg, int pgsz, int extend, void volatile **out) {
  pc_file *f = (pc_file *)file;
  return f->real->pMethods->xShmMap(f->real, pg, pgsz, extend, out);
}

static int pc_shm_lock(sqlite3_file *file, int offset, int n, int flags) {
  pc_file *f = (pc_file *)file;
  return f->real->pMethods->xShmLock(f->real, offset, n, flags);
}

static void pc_shm_barrier(sqlite3_file *file) {
  pc_file *f = (pc_file *)file;
  f->real->pMethods->xShmBarrier(f->real);
}

static int pc_shm_unmap(sqlite3_file *file, int delete_flag) {
  pc_file *f = (pc_file *)file;
  return f->real->pMethods->xShmUnmap(f->real, delete_flag);
}

static int pc_fetch(sqlite3_file *file, sqlite3_int64 off, int amt, void **out) {
  (void)file;
  (void)off;
  (void)amt;
  *out = NULL; /* no memory-mapped reads: every read goes through pc_read */
  return SQLITE_OK;
}

static int pc_unfetch(sqlite3_file *file, sqlite3_int64 off, void *p) {
  (void)file;
  (void)off;
  (void)p;
  return SQLITE_OK;
}

static const sqlite3_io_methods pc_io = {
    3,
    pc_close,
    pc_read,
    pc_write,
    pc_truncate,
    pc_sync,
    pc_file_size,
    pc_lock,
    pc_unlock,
    pc_check_reserved,
    pc_file_control,
    pc_sector_size,
    pc_device_characteristics,
    pc_shm_map,
    pc_shm_lock,
    pc_shm_barrier,
    pc_shm_unmap,
    pc_fetch,
    pc_unfetch,
};

static int pc_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags,
                   int *out_flags) {
  (void)vfs;
  pc_file *f = (pc_file *)file;
  f->base.pMethods = NULL;
  f->real = (sqlite3_file *)&f[1];
  f->path = -1;
  if (pc.dead) return SQLITE_CANTOPEN;
  int rc = pc.real->xOpen(pc.real, name, f->real, flags, out_flags);
  if (rc != SQLITE_OK) return rc;
  if (name && (flags & (SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_WAL | SQLITE_OPEN_MAIN_JOURNAL))) {
    f->path = pc_path_index(name);
    if (f->path >= 0) pc.open[f->path] = f;
  }
  f->base.pMethods = &pc_io;
  return SQLITE_OK;
}

static int pc_delete(sqlite3_vfs *vfs, const char *name, int sync_dir) {
  (void)vfs;
  if (pc.dead) return SQLITE_IOERR_DELETE;
  int rc = pc.real->xDelete(pc.real, name, sync_dir);
  for (int i = 0; rc == SQLITE_OK && i < PC_MAX_PATHS; i++)
    if (pc.paths[i] && strcmp(pc.paths[i], name) == 0) pc_forget(i);
  return rc;
}

/* Makes the power-cut VFS SQLite's default (over the unix VFS). */
static inline void powercut_install(void) {
  pc.real = sqlite3_vfs_find("unix");
  pc.vfs = *pc.real; /* the unix VFS's functions ignore their vfs argument */
  pc.vfs.pNext = NULL;
  pc.vfs.zName = "powercut";
  pc.vfs.szOsFile = (int)sizeof(pc_file) + pc.real->szOsFile;
  pc.vfs.xOpen = pc_open;
  pc.vfs.xDelete = pc_delete;
  pc.vfs.pAppData = NULL;
  sqlite3_vfs_register(&pc.vfs, 1);
}

/* Power is lost at the cut_at-th write, truncation or sync from now (0:
 * never); `seed` draws which unsynced changes a disk had written back. */
static inline void powercut_arm(int64_t cut_at, uint64_t seed) {
  pc.ops = 0;
  pc.cut_at = cut_at;
  pc.rng = seed ? seed : 1;
}

static inline bool powercut_dead(void) { return pc.dead; }
static inline int64_t powercut_ops(void) { return pc.ops; }
/* Syncs so far (what would be fsync/fdatasync calls with the unix VFS). */
static inline int64_t powercut_syncs(void) { return pc.syncs; }

/* Power is back: nothing is pending, nothing will be cut. */
static inline void powercut_reset(void) {
  for (size_t i = 0; i < pc.nundo; i++) free(pc.undo[i]);
  pc.nundo = 0;
  pc.dead = false;
  pc.cut_at = 0;
  pc.ops = 0;
  for (int i = 0; i < PC_MAX_PATHS; i++) {
    if (!pc.open[i]) {
      free(pc.paths[i]);
      pc.paths[i] = NULL;
    }
  }
}

static inline void powercut_uninstall(void) {
  powercut_reset();
  free(pc.undo);
  pc.undo = NULL;
  pc.capundo = 0;
  sqlite3_vfs_unregister(&pc.vfs);
}

#endif
