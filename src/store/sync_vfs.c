/*
 * The store's VFS: the default VFS, with a WAL whose commit sync can be left
 * out (sync_vfs.h). Only WAL files are wrapped; the database file, its
 * shared memory and journals are opened by the default VFS into the same
 * memory and keep its methods (no call through here).
 */
#include "store/sync_vfs.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

/* A WAL frame is a 24-byte header and a page, which SQLite writes with two
 * calls, one right after the other: the header is held here and goes out
 * with its page in one write (one pwrite instead of two, 56 a charging
 * cycle). Anything else that reaches the file first writes it out alone. */
#define FRAME_HEADER 24

typedef struct {
  sqlite3_file base;
  sqlite3_file *real; /* the default VFS's file, right after this struct */
  bool skip;          /* sync_vfs_skip: the commit sync left out */
  bool header;        /* offset 0 (the WAL header) written since the last sync */
  bool fresh;         /* empty when opened and never synced since (below) */
  bool held;          /* a frame header waits for its page */
  sqlite3_int64 held_at;
  unsigned char header_bytes[FRAME_HEADER];
  unsigned char *frame; /* a header and a page, allocated at the first frame */
  int frame_cap;
} wal_file;

#define WRAPPERS_MAX 4 /* default VFSes seen (tests install their own) */

static struct {
  pthread_mutex_t lock;
  int count;
  struct {
    sqlite3_vfs vfs;
    char name[32];
  } w[WRAPPERS_MAX];
} wrappers = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* The held header written out alone: before anything else that reads, sizes,
 * syncs or closes the file. */
static int flush(wal_file *w) {
  if (!w->held) return SQLITE_OK;
  w->held = false;
  return w->real->pMethods->xWrite(w->real, w->header_bytes, FRAME_HEADER, w->held_at);
}

static sqlite3_file *real_of(sqlite3_file *f) { return ((wal_file *)f)->real; }

static int w_close(sqlite3_file *f) {
  wal_file *w = (wal_file *)f;
  int rc = w->real->pMethods ? flush(w) : SQLITE_OK;
  int closed = w->real->pMethods ? w->real->pMethods->xClose(w->real) : SQLITE_OK;
  sqlite3_free(w->frame);
  w->frame = NULL;
  f->pMethods = NULL;
  return rc != SQLITE_OK ? rc : closed;
}

static int w_read(sqlite3_file *f, void *buf, int amt, sqlite3_int64 off) {
  wal_file *w = (wal_file *)f;
  int rc = flush(w);
  return rc != SQLITE_OK ? rc : w->real->pMethods->xRead(w->real, buf, amt, off);
}

static int w_write(sqlite3_file *f, const void *buf, int amt, sqlite3_int64 off) {
  wal_file *w = (wal_file *)f;
  if (w->held && off == w->held_at + FRAME_HEADER && amt > 0 && amt <= 65536) {
    /* the page of the held header: both in one write */
    if (w->frame_cap < FRAME_HEADER + amt) {
      unsigned char *grown = sqlite3_realloc(w->frame, FRAME_HEADER + amt);
      if (grown) {
        w->frame = grown;
        w->frame_cap = FRAME_HEADER + amt;
      }
    }
    if (w->frame_cap >= FRAME_HEADER + amt) {
      w->held = false;
      memcpy(w->frame, w->header_bytes, FRAME_HEADER);
      memcpy(w->frame + FRAME_HEADER, buf, (size_t)amt);
      return w->real->pMethods->xWrite(w->real, w->frame, FRAME_HEADER + amt, w->held_at);
    }
  }
  int rc = flush(w);
  if (rc != SQLITE_OK) return rc;
  if (off == 0) w->header = true; /* a restarted WAL: its header is synced, as at NORMAL */
  if (amt == FRAME_HEADER && off > 0) {
    memcpy(w->header_bytes, buf, FRAME_HEADER);
    w->held = true;
    w->held_at = off;
    return SQLITE_OK;
  }
  return w->real->pMethods->xWrite(w->real, buf, amt, off);
}

static int w_truncate(sqlite3_file *f, sqlite3_int64 size) {
  wal_file *w = (wal_file *)f;
  int rc = flush(w);
  return rc != SQLITE_OK ? rc : w->real->pMethods->xTruncate(w->real, size);
}

static int w_sync(sqlite3_file *f, int flags) {
  wal_file *w = (wal_file *)f;
  int rc = flush(w);
  if (rc != SQLITE_OK) return rc;
  /* A WAL that was empty when opened (a new one: after a clean stop, on a
   * first start) and not synced since has no older frames its new header
   * could be confused with: its header need not be synced before the
   * skipped commit's frames either (a cut keeps a prefix of it, a header
   * without frames or nothing: the WAL is empty or ignored). Its first real
   * sync, the next synced commit or a checkpoint, makes header, frames and
   * (the default VFS's) directory entry durable together. */
  if (w->skip && (!w->header || w->fresh)) return SQLITE_OK;
  rc = w->real->pMethods->xSync(w->real, flags);
  if (rc == SQLITE_OK) w->header = w->fresh = false;
  return rc;
}

static int w_file_size(sqlite3_file *f, sqlite3_int64 *size) {
  wal_file *w = (wal_file *)f;
  int rc = flush(w);
  return rc != SQLITE_OK ? rc : w->real->pMethods->xFileSize(w->real, size);
}

static int w_lock(sqlite3_file *f, int level) {
  sqlite3_file *r = real_of(f);
  return r->pMethods->xLock(r, level);
}

static int w_unlock(sqlite3_file *f, int level) {
  sqlite3_file *r = real_of(f);
  return r->pMethods->xUnlock(r, level);
}

static int w_check_reserved(sqlite3_file *f, int *out) {
  sqlite3_file *r = real_of(f);
  return r->pMethods->xCheckReservedLock(r, out);
}

static int w_file_control(sqlite3_file *f, int op, void *arg) {
  wal_file *w = (wal_file *)f;
  int rc = flush(w);
  return rc != SQLITE_OK ? rc : w->real->pMethods->xFileControl(w->real, op, arg);
}

static int w_sector_size(sqlite3_file *f) {
  sqlite3_file *r = real_of(f);
  return r->pMethods->xSectorSize(r);
}

static int w_device_characteristics(sqlite3_file *f) {
  sqlite3_file *r = real_of(f);
  return r->pMethods->xDeviceCharacteristics(r);
}

/* A WAL has no shared memory of its own (that is the database file's) and is
 * never memory-mapped: version 1 methods. */
static const sqlite3_io_methods wal_methods = {
    .iVersion = 1,
    .xClose = w_close,
    .xRead = w_read,
    .xWrite = w_write,
    .xTruncate = w_truncate,
    .xSync = w_sync,
    .xFileSize = w_file_size,
    .xLock = w_lock,
    .xUnlock = w_unlock,
    .xCheckReservedLock = w_check_reserved,
    .xFileControl = w_file_control,
    .xSectorSize = w_sector_size,
    .xDeviceCharacteristics = w_device_characteristics,
};

static int w_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags,
                  int *out_flags) {
  sqlite3_vfs *real = vfs->pAppData;
  if (!(flags & SQLITE_OPEN_WAL)) /* the default VFS's file as it is */
    return real->xOpen(real, name, file, flags, out_flags);
  wal_file *w = (wal_file *)file;
  memset(w, 0, sizeof *w);
  w->real = (sqlite3_file *)&w[1];
  int rc = real->xOpen(real, name, w->real, flags, out_flags);
  /* the default VFS may set its methods even when the open fails: they
   * close it then, through ours */
  if (rc == SQLITE_OK || w->real->pMethods) w->base.pMethods = &wal_methods;
  sqlite3_int64 size = -1;
  if (rc == SQLITE_OK && w->real->pMethods->xFileSize(w->real, &size) == SQLITE_OK && size == 0)
    w->fresh = true;
  return rc;
}

const char *sync_vfs_name(void) {
  sqlite3_vfs *dflt = sqlite3_vfs_find(NULL);
  if (!dflt) return NULL;
  const char *name = NULL;
  pthread_mutex_lock(&wrappers.lock);
  for (int i = 0; i < wrappers.count && !name; i++)
    if (wrappers.w[i].vfs.pAppData == dflt) name = wrappers.w[i].name;
  if (!name && wrappers.count < WRAPPERS_MAX) {
    int i = wrappers.count;
    sqlite3_vfs *v = &wrappers.w[i].vfs;
    snprintf(wrappers.w[i].name, sizeof wrappers.w[i].name, "borne-sync-%d", i);
    *v = *dflt; /* its other functions as they are (the unix VFS's ignore their vfs) */
    v->pNext = NULL;
    v->zName = wrappers.w[i].name;
    v->szOsFile = (int)sizeof(wal_file) + dflt->szOsFile;
    v->xOpen = w_open;
    v->pAppData = dflt;
    if (sqlite3_vfs_register(v, 0) == SQLITE_OK) {
      wrappers.count++;
      name = wrappers.w[i].name;
    }
  }
  pthread_mutex_unlock(&wrappers.lock);
  return name;
}

bool sync_vfs_skip(sqlite3 *db, bool on) {
  sqlite3_file *f = NULL;
  if (sqlite3_file_control(db, "main", SQLITE_FCNTL_JOURNAL_POINTER, &f) != SQLITE_OK || !f ||
      f->pMethods != &wal_methods)
    return false;
  ((wal_file *)f)->skip = on;
  return true;
}
