/*
 * SQLite storage. Every write is its own committed transaction (WAL,
 * synchronous=FULL): when a function returns 0 the record survives kill -9
 * and power loss. Retention trims ride in the same transaction as the insert
 * that makes them due. Statements are prepared once and always bound: SQL is
 * never built from values. Must never abort on bad input, and never delete a
 * connector's newest meter sample (meter_last): every failure is a -1 with a
 * message in store_last_error().
 */
#include "store/store.h"
#include "store/sync_vfs.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "util/log.h"

#define MOD "store"

/* Retention defaults (docs/storage.md). 35 days covers a monthly billing
 * period with margin; the row budgets cap the file at about 150 MB even at
 * the shortest sample interval (1 s) on every connector. */
#define SAMPLE_MAX_AGE_MS (35LL * 24 * 3600 * 1000)
#define SAMPLE_MAX_ROWS 1000000
#define EVENT_MAX_ROWS 200000
/* A flood of failed logins only rolls the security log over (the OCPP
 * security whitepaper's "rolling format"); it cannot push the rest of the
 * event history out. */
#define SECURITY_EVENT_MAX_ROWS 10000
/* Closed sessions: decades of charging at any real rate (about 10 MB). */
#define SESSION_MAX_ROWS 100000
#define SELFTEST_MAX_ROWS 10000

/* A store's connection is used by the loop's thread only (the worker threads
 * that read the database, the diagnostics archive's, open their own): SQLite's
 * multi-thread mode, without the connection's mutex taken and released
 * around every call (sqlite3_step, bind, column, reset: ~1 000 a charging
 * cycle; issue 15). */
#define STORE_OPEN_THREADING SQLITE_OPEN_NOMUTEX

/* Numbered migrations: user_version N means steps 1..N are applied. */
static const char *const migrations[] = {
    /* 1: core tables */
    "CREATE TABLE sessions("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, connector INTEGER NOT NULL,"
    " uid TEXT NOT NULL DEFAULT '', user TEXT NOT NULL DEFAULT '',"
    " start_ms INTEGER NOT NULL, stop_ms INTEGER NOT NULL DEFAULT 0,"
    " meter_start_wh REAL NOT NULL, meter_stop_wh REAL NOT NULL,"
    " stop_reason TEXT NOT NULL DEFAULT '');"
    "CREATE TABLE events("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, at_ms INTEGER NOT NULL,"
    " connector INTEGER NOT NULL, kind TEXT NOT NULL, detail TEXT NOT NULL);"
    "CREATE TABLE meter_samples("
    " connector INTEGER NOT NULL, at_ms INTEGER NOT NULL,"
    " v1 REAL, v2 REAL, v3 REAL, i1 REAL, i2 REAL, i3 REAL, p1 REAL, p2 REAL, p3 REAL,"
    " p_total REAL, energy_wh REAL NOT NULL);"
    "CREATE TABLE users("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE,"
    " enabled INTEGER NOT NULL DEFAULT 1);"
    "CREATE TABLE badges("
    " uid TEXT PRIMARY KEY, user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,"
    " enabled INTEGER NOT NULL DEFAULT 1, created_ms INTEGER NOT NULL);"
    "CREATE TABLE settings("
    " key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_ms INTEGER NOT NULL);",
    /* 2: frequency in samples, self-test results, query indexes */
    "ALTER TABLE meter_samples ADD COLUMN frequency_hz REAL NOT NULL DEFAULT 0;"
    "CREATE TABLE selftest("
    " at_ms INTEGER NOT NULL, connector INTEGER NOT NULL, check_name TEXT NOT NULL,"
    " ok INTEGER NOT NULL, detail TEXT NOT NULL);"
    "CREATE INDEX sessions_start ON sessions(start_ms);"
    "CREATE INDEX sessions_uid ON sessions(uid);"
    "CREATE INDEX sessions_user ON sessions(user);"
    "CREATE INDEX sessions_open ON sessions(stop_ms) WHERE stop_ms = 0;"
    "CREATE INDEX samples_connector_time ON meter_samples(connector, at_ms);",
    /* 3: the newest sample of each connector, kept by a trigger, so that
     * retention can never erase the register a meter restarts from. */
    "CREATE TABLE meter_last("
    " connector INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL,"
    " v1 REAL, v2 REAL, v3 REAL, i1 REAL, i2 REAL, i3 REAL, p1 REAL, p2 REAL, p3 REAL,"
    " p_total REAL, energy_wh REAL NOT NULL, frequency_hz REAL NOT NULL);"
    "INSERT INTO meter_last SELECT connector, at_ms, v1, v2, v3, i1, i2, i3, p1, p2, p3,"
    " p_total, energy_wh, frequency_hz FROM meter_samples"
    " WHERE rowid IN (SELECT MAX(rowid) FROM meter_samples GROUP BY connector);"
    "CREATE TRIGGER meter_samples_last AFTER INSERT ON meter_samples BEGIN"
    " INSERT OR REPLACE INTO meter_last VALUES(NEW.connector, NEW.at_ms, NEW.v1, NEW.v2,"
    " NEW.v3, NEW.i1, NEW.i2, NEW.i3, NEW.p1, NEW.p2, NEW.p3, NEW.p_total, NEW.energy_wh,"
    " NEW.frequency_hz);"
    " END;",
    /* 4: modules beside the core (OCPP, metering, energy, web) own their
     * tables in this same file, each with its own numbered steps. */
    "CREATE TABLE module_schema(module TEXT PRIMARY KEY, version INTEGER NOT NULL);",
    /* 5: the security events in order, so that their own row budget is
     * trimmed from the low end of an index like the others. */
    "CREATE TABLE events_security(n INTEGER PRIMARY KEY AUTOINCREMENT,"
    " event_id INTEGER NOT NULL);"
    "INSERT INTO events_security(event_id) SELECT id FROM events WHERE kind = 'security'"
    " ORDER BY id;",
    /* 6: why an event happened, in words a program can test (issue 19: the
     * reason a badge was refused), '' when the event has none. */
    "ALTER TABLE events ADD COLUMN reason TEXT NOT NULL DEFAULT '';",
};
#define MIGRATION_COUNT ((int)(sizeof migrations / sizeof migrations[0]))

enum {
  Q_SESSION_BEGIN,
  Q_SESSION_PROGRESS,
  Q_SESSION_END,
  Q_SESSION_GET,
  Q_SESSIONS_OPEN,
  Q_SESSIONS_QUERY,
  Q_EVENT_ADD,
  Q_EVENTS_AFTER,
  Q_EVENTS_LAST,
  Q_EVENTS_TRIM,
  Q_SECURITY_ADD,
  Q_SECURITY_TRIM_EVENTS,
  Q_SECURITY_TRIM,
  Q_SESSIONS_TRIM,
  Q_SELFTEST_TRIM,
  Q_SAMPLE_ADD,
  Q_SAMPLE_LAST,
  Q_SAMPLES_BUCKETS,
  Q_SAMPLES_TRIM_AGE,
  Q_SAMPLES_TRIM_ROWS,
  Q_USER_CREATE,
  Q_USER_UPDATE,
  Q_USER_DELETE,
  Q_USER_GET,
  Q_USER_FIND,
  Q_USERS_LIST,
  Q_BADGE_ADD,
  Q_BADGE_UPDATE,
  Q_BADGE_REMOVE,
  Q_BADGE_GET,
  Q_BADGES_LIST,
  Q_SETTING_PUT,
  Q_SETTING_DELETE,
  Q_SETTINGS_EACH,
  Q_SELFTEST_ADD,
  Q_ROOM_SAMPLES,
  Q_ROOM_EVENTS,
  Q_ROOM_SECURITY,
  Q_BEGIN,
  Q_COMMIT,
  Q_ROLLBACK,
  Q_SAVEPOINT,
  Q_SAVEPOINT_RELEASE,
  Q_SAVEPOINT_UNDO,
  Q_COUNT
};

#define SESSION_COLS                                                                               \
  "id, connector, uid, user, start_ms, stop_ms, meter_start_wh, meter_stop_wh, stop_reason"
#define BADGE_COLS "b.uid, COALESCE(b.user_id, 0), COALESCE(u.name, ''), b.enabled, b.created_ms"

static const char *const sql[Q_COUNT] = {
    [Q_SESSION_BEGIN] = "INSERT INTO sessions(connector, uid, user, start_ms, meter_start_wh,"
                        " meter_stop_wh) VALUES(?1, ?2, ?3, ?4, ?5, ?5)",
    [Q_SESSION_PROGRESS] = "UPDATE sessions SET meter_stop_wh = ?2 WHERE id = ?1 AND stop_ms = 0",
    [Q_SESSION_END] = "UPDATE sessions SET stop_ms = ?2, meter_stop_wh = ?3, stop_reason = ?4"
                      " WHERE id = ?1",
    [Q_SESSION_GET] = "SELECT " SESSION_COLS " FROM sessions WHERE id = ?1",
    [Q_SESSIONS_OPEN] = "SELECT " SESSION_COLS " FROM sessions WHERE stop_ms = 0 ORDER BY id",
    [Q_SESSIONS_QUERY] = "SELECT " SESSION_COLS " FROM sessions"
                         " WHERE (?1 = 0 OR start_ms >= ?1) AND (?2 = 0 OR start_ms < ?2)"
                         " AND (?3 IS NULL OR instr(uid, ?3) > 0) AND (?4 IS NULL OR user = ?4)"
                         " AND (?5 = 0 OR connector = ?5) ORDER BY id DESC LIMIT ?6",
    [Q_EVENT_ADD] = "INSERT INTO events(at_ms, connector, kind, detail, reason)"
                    " VALUES(?1, ?2, ?3, ?4, ?5)",
    [Q_EVENTS_AFTER] = "SELECT id, at_ms, connector, kind, detail, reason FROM events WHERE id > ?1"
                       " ORDER BY id LIMIT ?2",
    [Q_EVENTS_LAST] = "SELECT COALESCE(MAX(id), 0) FROM events",
    [Q_EVENTS_TRIM] = "DELETE FROM events WHERE id <= ?1",
    [Q_SECURITY_ADD] = "INSERT INTO events_security(event_id) VALUES(?1)",
    [Q_SECURITY_TRIM_EVENTS] = "DELETE FROM events WHERE id IN"
                               " (SELECT event_id FROM events_security WHERE n <= ?1)",
    [Q_SECURITY_TRIM] = "DELETE FROM events_security WHERE n <= ?1",
    /* an open session is never trimmed, however old (it is resumed or closed
     * at the next start) */
    [Q_SESSIONS_TRIM] = "DELETE FROM sessions WHERE id <= ?1 AND stop_ms != 0",
    [Q_SELFTEST_TRIM] = "DELETE FROM selftest WHERE rowid <= ?1",
    [Q_SAMPLE_ADD] = "INSERT INTO meter_samples(connector, at_ms, v1, v2, v3, i1, i2, i3, p1,"
                     " p2, p3, p_total, energy_wh, frequency_hz)"
                     " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    /* meter_last holds the newest by insertion, not by time: under
     * --sim-speed station time is not monotonic across restarts, insertion
     * order is. */
    [Q_SAMPLE_LAST] = "SELECT at_ms, v1, v2, v3, i1, i2, i3, p1, p2, p3, p_total, energy_wh,"
                      " frequency_hz FROM meter_last WHERE connector = ?1",
    /* The charts: samples of one connector in [?2, ?3) in slices of ?4 ms,
     * along the samples_connector_time index. */
    [Q_SAMPLES_BUCKETS] = "SELECT (at_ms - ?2) / ?4 AS b, AVG(p_total), MAX(energy_wh), COUNT(*)"
                          " FROM meter_samples WHERE connector = ?1 AND at_ms >= ?2 AND at_ms < ?3"
                          " GROUP BY b ORDER BY b",
    /* Both trims walk an index range from its low end (samples_connector_time,
     * rowid): each insert removes the one or two rows that fell out, no scan. */
    [Q_SAMPLES_TRIM_AGE] = "DELETE FROM meter_samples WHERE connector = ?1 AND at_ms < ?2",
    [Q_SAMPLES_TRIM_ROWS] = "DELETE FROM meter_samples WHERE rowid <= ?1",
    [Q_USER_CREATE] = "INSERT INTO users(name, enabled) VALUES(?1, ?2)",
    [Q_USER_UPDATE] = "UPDATE users SET name = ?2, enabled = ?3 WHERE id = ?1",
    [Q_USER_DELETE] = "DELETE FROM users WHERE id = ?1",
    [Q_USER_GET] = "SELECT id, name, enabled FROM users WHERE id = ?1",
    [Q_USER_FIND] = "SELECT id, name, enabled FROM users WHERE name = ?1",
    [Q_USERS_LIST] = "SELECT id, name, enabled FROM users ORDER BY name",
    [Q_BADGE_ADD] = "INSERT INTO badges(uid, user_id, enabled, created_ms) VALUES(?1, ?2, ?3, ?4)",
    [Q_BADGE_UPDATE] = "UPDATE badges SET user_id = ?2, enabled = ?3 WHERE uid = ?1",
    [Q_BADGE_REMOVE] = "DELETE FROM badges WHERE uid = ?1",
    [Q_BADGE_GET] = "SELECT " BADGE_COLS " FROM badges b LEFT JOIN users u ON u.id = b.user_id"
                    " WHERE b.uid = ?1",
    [Q_BADGES_LIST] = "SELECT " BADGE_COLS " FROM badges b LEFT JOIN users u ON u.id = b.user_id"
                      " ORDER BY b.uid",
    [Q_SETTING_PUT] = "INSERT INTO settings(key, value, updated_ms) VALUES(?1, ?2,"
                      " CAST(strftime('%s','now') AS INTEGER) * 1000)"
                      " ON CONFLICT(key) DO UPDATE SET value = excluded.value,"
                      " updated_ms = excluded.updated_ms",
    [Q_SETTING_DELETE] = "DELETE FROM settings WHERE key = ?1",
    [Q_SETTINGS_EACH] = "SELECT key, value FROM settings ORDER BY updated_ms, key",
    [Q_SELFTEST_ADD] = "INSERT INTO selftest(at_ms, connector, check_name, ok, detail)"
                       " VALUES(?1, ?2, ?3, ?4, ?5)",
    /* store_make_room: the oldest local history, never the newest
     * 16 rows (an event just written in the open batch, which the
     * modules are about to hear of); a connector's newest sample stays in
     * meter_last (its own table) */
    [Q_ROOM_SAMPLES] = "DELETE FROM meter_samples WHERE rowid IN (SELECT rowid FROM meter_samples"
                       " WHERE rowid <= (SELECT max(rowid) FROM meter_samples) - 16"
                       " ORDER BY rowid LIMIT ?1)",
    [Q_ROOM_EVENTS] = "DELETE FROM events WHERE id IN (SELECT id FROM events"
                      " WHERE id <= (SELECT max(id) FROM events) - 16 ORDER BY id LIMIT ?1)",
    [Q_ROOM_SECURITY] = "DELETE FROM events_security"
                        " WHERE event_id < (SELECT COALESCE(MIN(id), 0) FROM events)",
    [Q_BEGIN] = "BEGIN IMMEDIATE",
    [Q_COMMIT] = "COMMIT",
    [Q_ROLLBACK] = "ROLLBACK",
    [Q_SAVEPOINT] = "SAVEPOINT store_write",
    [Q_SAVEPOINT_RELEASE] = "RELEASE store_write",
    [Q_SAVEPOINT_UNDO] = "ROLLBACK TO store_write",
};

/* A statement of store_stmt: prepared once for its text, lent to one caller
 * at a time. */
typedef struct {
  uint32_t hash; /* of the SQL text */
  bool lent;
  sqlite3_stmt *st;
} cached_stmt;
#define STMT_CACHE_MAX 64 /* more distinct texts than this are prepared per use */

typedef struct {
  store_after_fn fn;
  void *ctx;
} after_work;

/* A module's schema version as store_module_version read it outside any
 * transaction (committed); a module asks at each use whether its tables are
 * made (~9 times in an OCPP 2.0.1 charging cycle, a statement prepared for
 * each read ~30 000 instructions). */
#define VERSIONS_KEPT 4
typedef struct {
  char module[24];
  int version;
} known_version;

struct store {
  sqlite3 *db;
  /* Q_COUNT slots, allocated by the first statement, freed with the last
   * one (close_if_free: an idle swarm station holds none) */
  sqlite3_stmt **q;
  /* STORE_ERROR_LEN, allocated by the first error (errbuf), or a constant
   * message of an expected outcome (error_owned false: errconst) */
  char *error;
  bool error_owned;
  store_retention keep;
  /* store_open_lean (borne-swarm): synchronous=OFF throughout, a commit is
   * in the kernel when it returns (it survives kill -9 of the process, not
   * a power cut or a crash of the machine); the level is never switched */
  bool lean;
  bool building;     /* build_fresh: synchronous=OFF, the level never switched */
  bool batch;        /* inside store_batch_begin .. store_batch_end */
  bool unsynced;     /* inside store_unsynced_begin .. store_unsynced_end, at NORMAL */
  bool skip_vfs;     /* unsynced through the VFS (sync_level), not the pragma */
  bool batch_failed; /* sqlite rolled the whole batch back */
  after_work *after; /* store_after_commit: run at the end of the open batch */
  int after_count, after_cap;
  int cached_count, cached_cap; /* cached: grown by need up to STMT_CACHE_MAX */
  cached_stmt *cached;
  known_version *versions;   /* VERSIONS_KEPT, allocated at the first one kept */
  const char *companions[4]; /* store_session_companion: static texts */
  /* lean: store_release_cache closes an idle connection (its descriptor and
   * its memory); the next use opens it again from `path` (store_reopen) */
  char *path;
  bool closed;         /* db is NULL, or a connection that failed to open again */
  bool capture;        /* lean and new: its file becomes the schema template (below) */
  int64_t last_use_ms; /* CLOCK_MONOTONIC of the last use (store_reopen) */
  int idle_close_ms;   /* store_set_idle_close_ms */
  /* lean and open: in the list of open lean connections, most recently
   * used first (store_set_lean_open_max) */
  struct store *newer, *older;
  bool listed;
  /* store_expect_use: CLOCK_MONOTONIC of the use expected, 0 none */
  int64_t expect_use_ms;
  /* store_set_max_size: the bound in bytes (0 none), applied by configure to
   * every connection; SQLite's own max_page_count, read once, for 0 */
  int64_t max_bytes;
  int64_t default_max_pages;
  int64_t page_size; /* store_page_size, read once */
  /* a write refused for want of room after store_make_room: store_exhausted */
  bool exhausted;
  char exhausted_why[128];
  bool full; /* the last failure was SQLITE_FULL or SQLITE_NOMEM (fail) */
  /* the episode was reported and no write has fitted since without
   * store_make_room: not reported again */
  bool told;
};

/* A store's last error, in a buffer allocated by its first error (most
 * stores of a swarm never have one: 320 bytes each); without memory for it
 * the message goes to a process-wide buffer. */
#define STORE_ERROR_LEN 320
static char *errbuf(store *s) {
  static char no_memory[STORE_ERROR_LEN];
  if (!s->error_owned) {
    s->error = calloc(1, STORE_ERROR_LEN);
    s->error_owned = s->error != NULL;
  }
  return s->error ? s->error : no_memory;
}

/* A constant message (an expected outcome every new station meets, such as
 * no meter sample yet): no buffer allocated for it. */
static void errconst(store *s, const char *msg) {
  if (s->error_owned)
    snprintf(s->error, STORE_ERROR_LEN, "%s", msg);
  else
    s->error = (char *)msg;
}

static const char *errtext(const store *s) { return s->error ? s->error : ""; }

static void err_save(const store *s, char out[STORE_ERROR_LEN]) {
  snprintf(out, STORE_ERROR_LEN, "%s", errtext(s));
}

static void err_restore(store *s, const char *saved) {
  if (!saved[0] && !s->error_owned)
    s->error = NULL;
  else
    snprintf(errbuf(s), STORE_ERROR_LEN, "%s", saved);
}

/* The open lean connections of the process (borne-swarm's stations), most
 * recently used first, and how many may be open at once (0: no bound): a
 * store opening its connection again beyond that closes the least recently
 * used one that nothing holds (the descriptor limit: 10 000 stations whose
 * clock-aligned meter values all come in the same second). */
static struct {
  store *newest, *oldest;
  int count, max;
} lean_open;

static void lean_unlist(store *s) {
  if (!s->listed) return;
  if (s->newer)
    s->newer->older = s->older;
  else
    lean_open.newest = s->older;
  if (s->older)
    s->older->newer = s->newer;
  else
    lean_open.oldest = s->newer;
  s->newer = s->older = NULL;
  s->listed = false;
  lean_open.count--;
}

static void lean_list_front(store *s) {
  if (!s->lean || lean_open.newest == s) return;
  lean_unlist(s);
  s->older = lean_open.newest;
  if (lean_open.newest) lean_open.newest->newer = s;
  lean_open.newest = s;
  if (!lean_open.oldest) lean_open.oldest = s;
  s->listed = true;
  lean_open.count++;
}

static bool close_if_free(store *s);

/* At the bound: the least recently used connection that nothing holds goes
 * (a few are tried: one held is rare). */
static void lean_make_room(void) {
  store *v = lean_open.oldest;
  for (int tries = 0; lean_open.max > 0 && lean_open.count >= lean_open.max && v && tries < 16;
       tries++) {
    store *next = v->newer;
    close_if_free(v);
    v = next;
  }
}

static int64_t mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int configure(store *s);

/* A lean store's connection, closed while its station was idle, opened again
 * with the same settings (the schema is already there: no migration). When
 * that fails (no descriptor left, the file gone) the store stays closed, with
 * the reason in s->error, and s->db is the failed handle SQLite returns
 * (its statements do not prepare: every call fails with the reason) or NULL;
 * the next call tries again. */
static int store_reopen(store *s) {
  s->last_use_ms = mono_ms();
  if (!s->closed) {
    lean_list_front(s);
    return 0;
  }
  char why[STORE_ERROR_LEN];
  sqlite3_close(s->db);
  s->db = NULL;
  lean_make_room();
  int rc = sqlite3_open_v2(s->path, &s->db, SQLITE_OPEN_READWRITE | STORE_OPEN_THREADING, NULL);
  if (rc == SQLITE_OK) {
    sqlite3_busy_timeout(s->db, 5000);
    s->closed = false; /* configure's statements run on it */
    if (configure(s) == 0) {
      lean_list_front(s);
      return 0;
    }
    s->closed = true;
    snprintf(why, sizeof why, "%s", errtext(s));
  } else {
    snprintf(why, sizeof why, "%s", s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
  }
  snprintf(errbuf(s), STORE_ERROR_LEN, "cannot open the database again: %s", why);
  return -1;
}

/* The schema template of lean stores (borne-swarm): a new database of one of
 * many stations that all run the same modules gets the same tables. The
 * first lean store made new in the process keeps its file as it is when its
 * schema steps are done — at the first use of the store that is not a schema
 * step (store_use: a statement of the store or of a module, the handle), so
 * before any row of the station's own — and every later new lean database
 * starts as a copy of it: its steps (core and modules) are found applied,
 * and a module whose steps ran later (or not in the first station) runs them
 * as usual. Creating the schema was half of a swarm's CPU while its stations
 * started (docs/performance.md). The copy holds only what schema steps
 * wrote (tables, indexes, triggers, versions, a module's initial rows). */
static struct {
  unsigned char *bytes;
  size_t len;
  bool tried;
} lean_template;

static void capture_template(store *s) {
  s->capture = false;
  if (lean_template.tried) return;
  lean_template.tried = true;
  if (!sqlite3_get_autocommit(s->db)) return; /* a transaction open: not the steps' state */
  char journal[4096];
  struct stat sb;
  if (snprintf(journal, sizeof journal, "%s-journal", s->path) >= (int)sizeof journal ||
      (stat(journal, &sb) == 0 && sb.st_size > 0))
    return; /* not a committed state */
  int fd = open(s->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return;
  unsigned char *buf = NULL;
  size_t len = 0;
  if (fstat(fd, &sb) == 0 && sb.st_size > 0 && sb.st_size <= 4 * 1024 * 1024 &&
      (buf = malloc((size_t)sb.st_size)) != NULL) {
    while (len < (size_t)sb.st_size) {
      ssize_t n = read(fd, buf + len, (size_t)sb.st_size - len);
      if (n <= 0) break;
      len += (size_t)n;
    }
  }
  close(fd);
  if (!buf || len != (size_t)sb.st_size) {
    free(buf);
    return;
  }
  lean_template.bytes = buf;
  lean_template.len = len;
}

/* A new lean database (no file, or an empty one) starts as the template:
 * written beside it and renamed in place, so that a kill leaves either no
 * database or the whole template. 0 when the template was put in place. */
static int apply_template(const char *path) {
  if (!lean_template.bytes) return -1;
  struct stat sb;
  if (lstat(path, &sb) == 0 && (!S_ISREG(sb.st_mode) || sb.st_size != 0)) return -1;
  char tmp[4096];
  if (snprintf(tmp, sizeof tmp, "%s-template", path) >= (int)sizeof tmp) return -1;
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return -1;
  size_t done = 0;
  while (done < lean_template.len) {
    ssize_t n = write(fd, lean_template.bytes + done, lean_template.len - done);
    if (n <= 0) break;
    done += (size_t)n;
  }
  if (close(fd) != 0 || done != lean_template.len || rename(tmp, path) != 0) {
    unlink(tmp);
    return -1;
  }
  return 0;
}

/* Every use of the store from outside its schema steps: the connection
 * opened again if it was closed, and the template taken if it is due before
 * a statement that writes (`st`; NULL: the handle, any use) — reads (the
 * start's recovery, finding no open session) come between the steps of the
 * modules. */
static int store_use(store *s) {
  if (store_reopen(s)) return -1;
  if (s->capture && !s->closed) capture_template(s);
  return 0;
}

static bool writes(sqlite3_stmt *st) {
  if (!st) return false;
  if (!sqlite3_stmt_readonly(st)) return true;
  const char *text = sqlite3_sql(st); /* BEGIN and SAVEPOINT count as reads */
  return text && (strncasecmp(text, "BEGIN", 5) == 0 || strncasecmp(text, "SAVEPOINT", 9) == 0);
}

static void store_used_for(store *s, sqlite3_stmt *st) {
  if (s->capture && writes(st)) capture_template(s);
}

static int fail(store *s, const char *what) {
  if (s->closed) return -1; /* store_reopen said why */
  int code = sqlite3_extended_errcode(s->db) & 0xff;
  s->full = code == SQLITE_FULL || code == SQLITE_NOMEM;
  snprintf(errbuf(s), STORE_ERROR_LEN, "%s: %s", what, sqlite3_errmsg(s->db));
  return -1;
}

/* Statements are prepared at their first use and kept: a run that never
 * lists users or trims samples does not hold their programs (3 kB each). A
 * statement that cannot be prepared is NULL: sqlite3_step answers
 * SQLITE_MISUSE and the caller's error path runs, with sqlite's message. */
static sqlite3_stmt *stmt(store *s, int q) {
  if (store_reopen(s)) return NULL;
  if (!s->q && !(s->q = calloc(Q_COUNT, sizeof *s->q))) {
    snprintf(errbuf(s), STORE_ERROR_LEN, "out of memory");
    return NULL;
  }
  if (!s->q[q] &&
      sqlite3_prepare_v3(s->db, sql[q], -1, SQLITE_PREPARE_PERSISTENT, &s->q[q], NULL) != SQLITE_OK)
    return NULL;
  sqlite3_stmt *st = s->q[q];
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
  store_used_for(s, st);
  return st;
}

/* Run a write statement to completion. */
static int exec_write(store *s, sqlite3_stmt *st, const char *what) {
  /* a batch that sqlite rolled back takes no more writes: they would commit
   * one by one, and the batch is all or nothing */
  if (s->batch && (s->batch_failed || sqlite3_get_autocommit(s->db))) {
    s->batch_failed = true;
    snprintf(errbuf(s), STORE_ERROR_LEN, "%s: the batch was rolled back", what);
    return -1;
  }
  int rc = sqlite3_step(st);
  sqlite3_reset(st);
  if (s->batch && sqlite3_get_autocommit(s->db)) s->batch_failed = true;
  if (rc != SQLITE_DONE) return fail(s, what);
  return 0;
}

/* A write of several statements is one transaction: all of it is durable when
 * COMMIT returns, none of it after a failure. BEGIN IMMEDIATE takes the write
 * lock up front so that a busy database fails here, not halfway. */
/* Inside a batch (store_batch_begin) the same write is a savepoint of the
 * batch's transaction: its failure undoes it alone, and it is durable with
 * the batch's commit. */
static int tx_begin(store *s, const char *what) {
  return exec_write(s, stmt(s, s->batch ? Q_SAVEPOINT : Q_BEGIN), what);
}

/* Roll back, keeping the message of the failure that caused it. */
static int tx_abort(store *s) {
  if (!s->db || sqlite3_get_autocommit(s->db)) { /* sqlite already rolled back */
    if (s->batch) s->batch_failed = true;
    return -1;
  }
  char keep[STORE_ERROR_LEN];
  err_save(s, keep);
  if (s->batch) {
    sqlite3_stmt *undo = stmt(s, Q_SAVEPOINT_UNDO);
    sqlite3_step(undo);
    sqlite3_reset(undo);
  }
  sqlite3_stmt *st = stmt(s, s->batch ? Q_SAVEPOINT_RELEASE : Q_ROLLBACK);
  sqlite3_step(st);
  sqlite3_reset(st);
  err_restore(s, keep);
  return -1;
}

static int tx_commit(store *s, const char *what) {
  if (exec_write(s, stmt(s, s->batch ? Q_SAVEPOINT_RELEASE : Q_COMMIT), what)) return tx_abort(s);
  return 0;
}

/* Deletes what fell out of a row budget: `q` removes ids <= ?1; `newest` is
 * the id just inserted (ids grow by one per insert, so the newest `max` are
 * id > newest - max). 0 = no budget. */
static int trim(store *s, int q, int64_t newest, int64_t max, const char *what) {
  if (max <= 0 || newest <= max) return 0;
  sqlite3_stmt *st = stmt(s, q);
  sqlite3_bind_int64(st, 1, newest - max);
  return exec_write(s, st, what);
}

static int exec_sql(store *s, const char *text, const char *what) {
  if (store_reopen(s)) return -1;
  char *msg = NULL;
  if (sqlite3_exec(s->db, text, NULL, NULL, &msg) != SQLITE_OK) {
    snprintf(errbuf(s), STORE_ERROR_LEN, "%s: %s", what, msg ? msg : sqlite3_errmsg(s->db));
    sqlite3_free(msg);
    return -1;
  }
  return 0;
}

static int user_version(store *s) {
  sqlite3_stmt *st;
  int v = -1;
  if (store_reopen(s)) return -1;
  if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK) return -1;
  if (sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int(st, 0);
  sqlite3_finalize(st);
  return v;
}

/* Schema creation is committed with synchronous=NORMAL (issue 15: a first
 * start's fsyncs): the WAL is written, not synced. Nothing is acknowledged
 * by it: a power cut loses the whole transaction or nothing (the WAL keeps a
 * prefix of whole commits), so the next start finds version 0 (or the
 * module's tables absent) and creates them again; the next synced commit of
 * any record makes them durable with itself, in order. Every record's own
 * commit stays synced (synchronous=FULL). SQLite refuses to change the level
 * inside a transaction: set before BEGIN, back after COMMIT or ROLLBACK. */
static int sync_level(store *s, bool synced) {
  if (s->lean || s->building) return 0;
  if (!synced) {
    /* the WAL's commit sync left out by the store's VFS (sync_vfs.h): no
     * pragma compiled twice per commit; the pragma when the VFS cannot */
    s->skip_vfs = sync_vfs_skip(s->db, true);
    if (s->skip_vfs) return 0;
  } else if (s->skip_vfs) {
    s->skip_vfs = false;
    sync_vfs_skip(s->db, false);
    return 0;
  }
  if (sqlite3_exec(s->db, synced ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL", NULL,
                   NULL, NULL) != SQLITE_OK)
    return fail(s, synced ? "cannot go back to synchronous=FULL" : "cannot set synchronous");
  return 0;
}

/* Runs `count` schema steps from version `from`, each with its version bump
 * (bump_fmt gets the new version), one transaction per step, or all of them
 * in one when `whole`; unsynced when `creating` (see sync_level). */
static int run_steps(store *s, const char *const *steps, int from, int count, bool whole,
                     bool creating,
                     void (*bump_sql)(char *out, size_t len, int version, const char *module),
                     const char *module) {
  if (creating && sync_level(s, false)) return -1;
  int rc = 0;
  for (int i = from; i < count && rc == 0; i++) {
    char what[96], bump[200];
    if (module)
      snprintf(what, sizeof what, "%s migration %d", module, i + 1);
    else
      snprintf(what, sizeof what, "migration %d", i + 1);
    bump_sql(bump, sizeof bump, i + 1, module);
    if ((!whole || i == from) && exec_sql(s, "BEGIN IMMEDIATE", what)) {
      rc = -1;
      break;
    }
    if (exec_sql(s, steps[i], what) || exec_sql(s, bump, what)) {
      char keep[STORE_ERROR_LEN];
      err_save(s, keep);
      sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
      err_restore(s, keep);
      rc = -1;
      break;
    }
    if ((!whole || i == count - 1) && exec_sql(s, "COMMIT", what)) rc = -1;
  }
  if (creating && sync_level(s, true)) return -1;
  return rc;
}

static void core_bump(char *out, size_t len, int version, const char *module) {
  (void)module;
  snprintf(out, len, "PRAGMA user_version = %d", version);
}

static int migrate(store *s) {
  int v = user_version(s);
  if (v < 0) return fail(s, "cannot read the schema version");
  if (v > MIGRATION_COUNT) {
    snprintf(errbuf(s), STORE_ERROR_LEN,
             "database schema version %d is newer than this borne knows (%d): "
             "it was written by a later version",
             v, MIGRATION_COUNT);
    return -1;
  }
  /* An existing database is upgraded one step per transaction: a failing step
   * leaves it at the previous version. A fresh one (version 0, nothing to keep)
   * gets the whole schema in one transaction, one commit instead of one per
   * step, and unsynced (issue 15, start time): a crash, a power cut or a
   * failure anywhere leaves it empty at version 0, and the next start creates
   * it again. */
  bool fresh = v == 0;
  return run_steps(s, migrations, v, MIGRATION_COUNT, fresh, fresh, core_bump, NULL);
}

static int module_version(store *s, const char *module) {
  sqlite3_stmt *st;
  int v = -1;
  if (store_reopen(s)) return -1;
  if (sqlite3_prepare_v2(s->db, "SELECT version FROM module_schema WHERE module = ?", -1, &st,
                         NULL) != SQLITE_OK)
    return -1;
  sqlite3_bind_text(st, 1, module, -1, SQLITE_STATIC);
  int rc = sqlite3_step(st);
  v = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : rc == SQLITE_DONE ? 0 : -1;
  sqlite3_finalize(st);
  return v;
}

static void module_bump(char *out, size_t len, int version, const char *module) {
  snprintf(out, len,
           "INSERT INTO module_schema(module, version) VALUES('%s', %d)"
           " ON CONFLICT(module) DO UPDATE SET version = excluded.version",
           module, version);
}

/* The module's kept version, NULL none. */
static known_version *known(store *s, const char *module) {
  for (int i = 0; s->versions && i < VERSIONS_KEPT; i++)
    if (s->versions[i].module[0] && strcmp(s->versions[i].module, module) == 0)
      return &s->versions[i];
  return NULL;
}

int store_module_migrate(store *s, const char *module, const char *const *steps, int count) {
  known_version *k = known(s, module);
  if (k) k->module[0] = 0; /* read again after the migration, committed or not */
  int v = module_version(s, module);
  if (v < 0) return fail(s, "cannot read the module schema versions");
  if (v > count) {
    snprintf(errbuf(s), STORE_ERROR_LEN,
             "%s tables are at version %d, newer than this borne knows (%d): "
             "they were written by a later version",
             module, v, count);
    return -1;
  }
  if (strchr(module, '\'')) return fail(s, "bad module name");
  /* a module's tables made for the first time: unsynced, like the core
   * schema of a fresh database (run_steps) */
  return run_steps(s, steps, v, count, false, v == 0, module_bump, module);
}

int store_module_version(store *s, const char *module) {
  const known_version *k = known(s, module);
  if (k) return k->version;
  int v = module_version(s, module);
  /* kept only when read outside a transaction (a version read inside one may
   * still be rolled back) and when made (0: the tables may come later) */
  if (v > 0 && strlen(module) < sizeof k->module && !s->closed && sqlite3_get_autocommit(s->db)) {
    if (!s->versions) s->versions = calloc(VERSIONS_KEPT, sizeof *s->versions);
    for (int i = 0; s->versions && i < VERSIONS_KEPT; i++) {
      if (!s->versions[i].module[0]) {
        snprintf(s->versions[i].module, sizeof s->versions[i].module, "%s", module);
        s->versions[i].version = v;
        break;
      }
    }
  }
  return v;
}

sqlite3 *store_sqlite(store *s) {
  store_use(s); /* on failure the failed handle: its calls fail with SQLite's reason */
  return s->db;
}

/* ---- statements prepared once (store_stmt) ---- */

static uint32_t sql_hash(const char *text) {
  uint32_t h = 2166136261u; /* FNV-1a */
  for (const unsigned char *p = (const unsigned char *)text; *p; p++) h = (h ^ *p) * 16777619u;
  return h;
}

sqlite3_stmt *store_stmt(store *s, const char *text) {
  if (store_reopen(s)) return NULL;
  if (s->batch && (s->batch_failed || sqlite3_get_autocommit(s->db))) {
    /* a module's write after sqlite rolled the batch back would commit alone */
    s->batch_failed = true;
    snprintf(errbuf(s), STORE_ERROR_LEN, "the batch was rolled back");
    return NULL;
  }
  uint32_t h = sql_hash(text);
  for (int i = 0; i < s->cached_count; i++) {
    cached_stmt *c = &s->cached[i];
    if (!c->lent && c->hash == h && strcmp(sqlite3_sql(c->st), text) == 0) {
      c->lent = true;
      store_used_for(s, c->st);
      return c->st;
    }
  }
  bool keep = s->cached_count < STMT_CACHE_MAX;
  if (keep && s->cached_count == s->cached_cap) {
    int cap = s->cached_cap ? 2 * s->cached_cap : 4;
    if (cap > STMT_CACHE_MAX) cap = STMT_CACHE_MAX;
    cached_stmt *grown = realloc(s->cached, (size_t)cap * sizeof *grown);
    if (grown) {
      s->cached = grown;
      s->cached_cap = cap;
    } else {
      keep = false; /* prepared for this use only */
    }
  }
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v3(s->db, text, -1, keep ? SQLITE_PREPARE_PERSISTENT : 0, &st, NULL) !=
      SQLITE_OK) {
    fail(s, "cannot prepare a statement");
    sqlite3_finalize(st);
    return NULL;
  }
  if (keep) s->cached[s->cached_count++] = (cached_stmt){.hash = h, .lent = true, .st = st};
  store_used_for(s, st);
  return st;
}

void store_stmt_release(store *s, sqlite3_stmt *st) {
  if (!st) return;
  for (int i = 0; i < s->cached_count; i++) {
    if (s->cached[i].st == st) {
      sqlite3_reset(st);
      sqlite3_clear_bindings(st);
      s->cached[i].lent = false;
      return;
    }
  }
  sqlite3_finalize(st); /* prepared beyond the cache */
}

/* ---- batches: the writes of one event in one durable commit ---- */

int store_batch_begin(store *s) {
  if (s->batch) {
    snprintf(errbuf(s), STORE_ERROR_LEN, "a batch is already open");
    return -1;
  }
  if (exec_write(s, stmt(s, Q_BEGIN), "cannot begin a batch")) return -1;
  s->batch = true;
  s->batch_failed = false;
  return 0;
}

bool store_in_batch(const store *s) { return s->batch; }

int store_after_commit(store *s, store_after_fn fn, void *ctx) {
  if (!s->batch) {
    fn(ctx, true);
    return 0;
  }
  if (s->after_count == s->after_cap) {
    int cap = s->after_cap ? 2 * s->after_cap : 8;
    void *p = realloc(s->after, (size_t)cap * sizeof *s->after);
    if (!p) {
      snprintf(errbuf(s), STORE_ERROR_LEN, "out of memory");
      return -1;
    }
    s->after = p;
    s->after_cap = cap;
  }
  s->after[s->after_count].fn = fn;
  s->after[s->after_count].ctx = ctx;
  s->after_count++;
  return 0;
}

/* The batch's after-commit work, in order; what they add (a batch of their
 * own, more work) is theirs. */
static void run_after(store *s, bool committed) {
  while (s->after_count > 0) {
    int n = s->after_count;
    after_work *list = malloc((size_t)n * sizeof *list);
    if (!list) { /* run them from the array itself, emptied first */
      for (int i = 0; i < n && s->after_count > 0; i++) {
        store_after_fn fn = s->after[0].fn;
        void *ctx = s->after[0].ctx;
        memmove(s->after, s->after + 1, (size_t)(s->after_count - 1) * sizeof *s->after);
        s->after_count--;
        fn(ctx, committed);
      }
      continue;
    }
    memcpy(list, s->after, (size_t)n * sizeof *s->after);
    s->after_count = 0;
    for (int i = 0; i < n; i++) list[i].fn(list[i].ctx, committed);
    free(list);
  }
}

int store_batch_end(store *s) {
  if (!s->batch) {
    snprintf(errbuf(s), STORE_ERROR_LEN, "no batch is open");
    return -1;
  }
  s->batch = false;
  if (s->batch_failed || sqlite3_get_autocommit(s->db)) {
    /* sqlite rolled the transaction back (an I/O error, a full disk): the
     * writes after that ran on their own, the ones before are gone */
    if (!sqlite3_get_autocommit(s->db)) sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    snprintf(errbuf(s), STORE_ERROR_LEN, "the batch was rolled back by a failed write");
    run_after(s, false);
    return -1;
  }
  int rc = tx_commit(s, "cannot commit a batch");
  char error[STORE_ERROR_LEN];
  err_save(s, error); /* the work after may use the store */
  run_after(s, rc == 0);
  err_restore(s, error);
  return rc;
}

/* SQLite's automatic checkpoint (what `PRAGMA wal_autocheckpoint=256` sets),
 * after a commit of the WAL: its syncs are always made, also after a commit
 * whose own sync the VFS left out (sync_level). */
#define WAL_CHECKPOINT_PAGES 256
static int wal_hook(void *ctx, sqlite3 *db, const char *name, int pages) {
  store *s = ctx;
  if (s->skip_vfs) sync_vfs_skip(db, false); /* sync_level sets it again if it must */
  if (pages >= WAL_CHECKPOINT_PAGES) sqlite3_wal_checkpoint(db, name);
  if (s->skip_vfs) sync_vfs_skip(db, true);
  return SQLITE_OK;
}

static int64_t pragma_int(store *s, const char *text) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(s->db, text, -1, &st, NULL) != SQLITE_OK) return -1;
  int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
  sqlite3_finalize(st);
  return v;
}

int64_t store_max_pages(int64_t max_bytes, int64_t page_size) {
  if (max_bytes <= 0 || page_size <= 0) return 0;
  int64_t pages = max_bytes / page_size;
  return pages < 1 ? 1 : pages;
}

/* The bound (store_set_max_size) on this connection: SQLite's max_page_count
 * is a setting of the connection, not of the file, so every connection the
 * store opens (a lean store's again after an idle close) gets it here. A
 * bound below the file's size holds the file at its size (SQLite never sets
 * it lower): nothing is truncated. */
static int apply_max_size(store *s) {
  /* never bounded: SQLite's default, not a statement more (a swarm opens
   * thousands of connections) */
  if (s->max_bytes <= 0 && s->default_max_pages == 0) return 0;
  if (s->default_max_pages == 0) s->default_max_pages = pragma_int(s, "PRAGMA max_page_count");
  int64_t pages = store_max_pages(s->max_bytes, pragma_int(s, "PRAGMA page_size"));
  if (pages == 0) pages = s->default_max_pages;
  if (pages <= 0) return 0; /* nothing known to restore: SQLite's default stays */
  char text[64];
  snprintf(text, sizeof text, "PRAGMA max_page_count = %lld", (long long)pages);
  return pragma_int(s, text) > 0 ? 0 : fail(s, "cannot bound the database's size");
}

/* WAL + synchronous=FULL: a commit returns after the WAL is fsync'd, so it
 * survives power loss, and readers (sqlite3 on the command line) never block
 * the writer. The first statement reads the file, so a file that is not a
 * database fails here with sqlite's "file is not a database". */
static int configure(store *s) {
  if (sqlite3_db_readonly(s->db, "main") == 1) {
    snprintf(errbuf(s), STORE_ERROR_LEN,
             "the file is read-only: borned needs write access to it and to its directory");
    return -1;
  }
  /* lean: before the switch to WAL, whose commit would sync a new file; a
   * new lean database gets 1 KiB pages instead of 4 KiB (SQLite keeps two
   * page-sized scratch buffers per connection and caches whole pages: 6 kB
   * less per idle station; an existing file keeps its size) */
  if (s->lean && exec_sql(s, "PRAGMA page_size=1024; PRAGMA synchronous=OFF; PRAGMA cache_size=-64",
                          "cannot configure the database"))
    return -1;
  /* lean: a rollback journal, truncated after each commit, instead of the
   * WAL, whose index (borne.db-shm, mapped) is 32 kB resident per station;
   * without fsync either keeps every commit through kill -9 (the journal is
   * in the kernel before a page of the file is changed) */
  const char *want = s->lean ? "truncate" : "wal";
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(s->db,
                         s->lean ? "PRAGMA journal_mode=TRUNCATE" : "PRAGMA journal_mode=WAL", -1,
                         &st, NULL) != SQLITE_OK)
    return fail(s, "cannot read the database");
  int rc = sqlite3_step(st);
  char mode[16] = "";
  if (rc == SQLITE_ROW) snprintf(mode, sizeof mode, "%s", (const char *)sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  if (rc != SQLITE_ROW) return fail(s, "cannot read the database");
  if (strcmp(mode, want) != 0) {
    snprintf(errbuf(s), STORE_ERROR_LEN,
             "cannot switch to the %s journal (still `%s`): the directory must be writable",
             s->lean ? "rollback" : "WAL", mode);
    return -1;
  }
  /* The WAL is checkpointed every 256 pages (1 MiB) and cut back to 1 MiB
   * after each checkpoint (it otherwise keeps its largest size); the page
   * cache is at most 512 KiB: the memory a long run grows by (a charging
   * cycle reads about 25 pages, 100 kB; misses are read again from the WAL
   * or the file, through the kernel's page cache). */
  if (exec_sql(s,
               s->lean ? "PRAGMA foreign_keys=ON; PRAGMA journal_size_limit=1048576;"
                       : "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
                         " PRAGMA journal_size_limit=1048576; PRAGMA cache_size=-512;",
               "cannot configure the database"))
    return -1;
  if (!s->lean) sqlite3_wal_hook(s->db, wal_hook, s);
  return apply_max_size(s);
}

/* The database holds secrets (the OCPP AuthorizationKey among the settings,
 * PIN hashes, badges): its files are 0600 whatever the umask and the
 * directory's mode. SQLite creates a new database 0644 (its compile-time
 * default) and gives -wal and -shm the mode of the database file, so the
 * database is created here first, 0600, and an existing one (an older
 * install) with its -wal, -shm and -journal is brought to 0600. Symlinks are
 * not followed. A file that cannot be opened read-write is left to
 * sqlite3_open_v2, whose message says why. */
static int private_file(const char *path, bool create, char *err, size_t errlen) {
  int fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW | (create ? O_CREAT : 0), 0600);
  if (fd < 0) return 0; /* absent, read-only, a directory...: SQLite says why */
  struct stat sb;
  int rc = fstat(fd, &sb);
  if (rc == 0 && (sb.st_mode & 07777) != 0600) rc = fchmod(fd, 0600);
  if (rc != 0) snprintf(err, errlen, "cannot make database %s private: %s", path, strerror(errno));
  close(fd);
  return rc == 0 ? 0 : -1;
}

static int private_files(const char *path, char *err, size_t errlen) {
  if (private_file(path, true, err, errlen)) return -1;
  static const char *const suffixes[] = {"-wal", "-shm", "-journal"};
  for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
    char side[4096];
    if (snprintf(side, sizeof side, "%s%s", path, suffixes[i]) >= (int)sizeof side) {
      snprintf(err, errlen, "database path too long: %s", path);
      return -1;
    }
    if (private_file(side, false, err, errlen)) return -1;
  }
  return 0;
}

static void unlink_side_files(const char *path) {
  static const char *const suffixes[] = {"-wal", "-shm", "-journal"};
  for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
    char side[4200];
    snprintf(side, sizeof side, "%s%s", path, suffixes[i]);
    unlink(side);
  }
}

static int sync_dir_of(const char *path) {
  char dir[4096];
  snprintf(dir, sizeof dir, "%s", path);
  char *slash = strrchr(dir, '/');
  if (!slash)
    snprintf(dir, sizeof dir, ".");
  else if (slash == dir)
    dir[1] = '\0';
  else
    *slash = '\0';
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return -1;
  int rc = fsync(fd);
  close(fd);
  return rc;
}

/* A new database (issue 15, a first start's syncs): built whole under a
 * temporary name, `PATH.new` (any leftover of an earlier try removed first),
 * at synchronous=OFF and without a journal (no sync, no journal file: a cut
 * leaves only the temporary file, which is not the database), already
 * switched to WAL and with the whole core schema; then synced once (through
 * the VFS, so the power-cut tests see it), renamed to PATH and its directory
 * synced once. Two syncs instead of six (the rollback journal of the WAL
 * switch, its directory, the database file, the first WAL's header and its
 * directory). PATH was absent or empty: any -wal, -shm or -journal beside it
 * belongs to no database (SQLite itself drops a WAL beside an empty
 * database) and goes before the rename, so that no stale WAL is replayed
 * into the new file. */
static int build_fresh(const char *path, char *err, size_t errlen) {
  char tmp[4096];
  if (snprintf(tmp, sizeof tmp, "%s.new", path) >= (int)sizeof tmp) {
    snprintf(err, errlen, "database path too long: %s", path);
    return -1;
  }
  unlink(tmp);
  unlink_side_files(tmp);
  if (private_file(tmp, true, err, errlen)) return -1;
  store *b = calloc(1, sizeof *b);
  if (!b) {
    snprintf(err, errlen, "%s: out of memory", path);
    return -1;
  }
  b->building = true;
  int rc = -1;
  const char *why = "";
  if (sqlite3_open_v2(tmp, &b->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
    why = b->db ? sqlite3_errmsg(b->db) : "cannot create it"; /* e.g. no such directory */
  else if (exec_sql(b, "PRAGMA synchronous=OFF; PRAGMA journal_mode=OFF", "cannot configure it") ||
           migrate(b) || exec_sql(b, "PRAGMA journal_mode=WAL", "cannot switch it to WAL"))
    why = errtext(b);
  else {
    sqlite3_file *f = NULL;
    if (sqlite3_file_control(b->db, "main", SQLITE_FCNTL_FILE_POINTER, &f) != SQLITE_OK || !f ||
        !f->pMethods || f->pMethods->xSync(f, SQLITE_SYNC_NORMAL) != SQLITE_OK)
      why = "cannot sync it";
    else
      rc = 0;
  }
  if (rc != 0) snprintf(err, errlen, "cannot create database %s: %s", path, why);
  if (sqlite3_close(b->db) != SQLITE_OK && rc == 0) {
    snprintf(err, errlen, "cannot create database %s: cannot close it", path);
    rc = -1;
  }
  if (b->error_owned) free(b->error);
  free(b);
  struct stat sb;
  char wal[4200];
  snprintf(wal, sizeof wal, "%s-wal", tmp);
  if (rc == 0 && lstat(wal, &sb) == 0) {
    snprintf(err, errlen, "cannot create database %s: its WAL was left behind", path);
    rc = -1;
  }
  if (rc == 0) {
    unlink_side_files(path);
    if (rename(tmp, path) != 0 || sync_dir_of(path) != 0) {
      snprintf(err, errlen, "cannot create database %s: %s", path, strerror(errno));
      rc = -1;
    }
  }
  if (rc != 0) {
    unlink(tmp);
    unlink_side_files(tmp);
  }
  return rc;
}

static int open_store(store **out, const char *path, bool lean, char *err, size_t errlen) {
  *out = NULL;
  /* lean: a new database starts as the schema template when there is one;
   * the first new one without it gives it (capture_template) */
  bool fresh = false;
  if (lean && apply_template(path) != 0) {
    struct stat sb;
    fresh = lstat(path, &sb) != 0 || (S_ISREG(sb.st_mode) && sb.st_size == 0);
  }
  /* Process-wide, before SQLite's first use (later calls are refused with
   * SQLITE_MISUSE, harmlessly): no up-front block of 20 page buffers per
   * connection (87 kB, each page header written, so all of it dirty); pages
   * are allocated as they are read, up to cache_size. */
  sqlite3_config(SQLITE_CONFIG_PAGECACHE, NULL, 0, 0);
  if (!lean) {
    /* absent or empty: built aside and renamed into place, so no empty file
     * is created first only to be replaced (one file made less at a first
     * start, issue 15); then made private like an existing one */
    struct stat sb;
    bool have = lstat(path, &sb) == 0;
    bool absent = !have && errno == ENOENT;
    if (absent || (have && S_ISREG(sb.st_mode) && sb.st_size == 0)) {
      if (build_fresh(path, err, errlen)) return -1;
    } else {
      /* a start after a cut in build_fresh: its leftover */
      char tmp[4200];
      snprintf(tmp, sizeof tmp, "%s.new", path);
      if (unlink(tmp) == 0) unlink_side_files(tmp);
    }
  }
  if (private_files(path, err, errlen)) return -1;
  store *s = calloc(1, sizeof *s);
  if (!s) {
    snprintf(err, errlen, "%s: out of memory", path);
    return -1;
  }
  if (lean) lean_make_room();
  int rc = sqlite3_open_v2(path, &s->db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | STORE_OPEN_THREADING,
                           lean ? NULL : sync_vfs_name());
  if (rc != SQLITE_OK) {
    snprintf(err, errlen, "cannot open database %s: %s", path,
             s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
    sqlite3_close(s->db);
    free(s);
    return -1;
  }
  sqlite3_busy_timeout(s->db, 5000);
  s->lean = lean;
  s->idle_close_ms = 1000;
  if (lean && !(s->path = strdup(path))) {
    snprintf(err, errlen, "%s: out of memory", path);
    store_close(s);
    return -1;
  }
  s->keep = (store_retention){.sample_max_age_ms = SAMPLE_MAX_AGE_MS,
                              .sample_max_rows = SAMPLE_MAX_ROWS,
                              .event_max_rows = EVENT_MAX_ROWS,
                              .security_event_max_rows = SECURITY_EVENT_MAX_ROWS,
                              .session_max_rows = SESSION_MAX_ROWS,
                              .selftest_max_rows = SELFTEST_MAX_ROWS};
  if (configure(s) || migrate(s)) {
    snprintf(err, errlen, "database %s: %s", path, errtext(s));
    store_close(s);
    return -1;
  }
  s->capture = fresh && !lean_template.tried;
  if (lean) {
    s->last_use_ms = mono_ms();
    lean_list_front(s);
  }
  *out = s;
  return 0;
}

int store_open(store **out, const char *path, char *err, size_t errlen) {
  return open_store(out, path, false, err, errlen);
}

int store_open_lean(store **out, const char *path, char *err, size_t errlen) {
  return open_store(out, path, true, err, errlen);
}

void store_release_cache(store *s) {
  if (!s || s->closed) return;
  sqlite3_db_release_memory(s->db);
  if (!s->lean) return;
  int64_t now = mono_ms();
  /* a use expected soon: kept, schema and all (store_expect_use); a second
   * of slack for a use that comes a little late */
  if (s->expect_use_ms > 0 && now <= s->expect_use_ms + 1000) return;
  bool idle = now - s->last_use_ms >= s->idle_close_ms;
  if (idle && close_if_free(s)) return;
  if (s->closed) return;
  /* not closed: still without its parsed schema when nothing holds it */
  bool held = s->cached_count > 0 || !sqlite3_get_autocommit(s->db) || s->batch || s->unsynced ||
              s->after_count > 0;
  for (int i = 0; s->q && i < Q_COUNT && !held; i++) held = s->q[i] != NULL;
  if (!held) sqlite3_exec(s->db, "PRAGMA writable_schema=RESET", NULL, NULL, NULL);
}

/* A lean store's kept statements finalized (about 3 kB each, 20 to 30 of
 * them in a charging station's day: prepared again at their next use; never
 * one a caller holds: a module's lent statement, a statement mid-step), then
 * its connection closed if nothing holds it. True when closed. */
static bool close_if_free(store *s) {
  if (s->closed) return true;
  bool any_q = false;
  for (int i = 0; s->q && i < Q_COUNT; i++) {
    if (s->q[i] && !sqlite3_stmt_busy(s->q[i])) {
      sqlite3_finalize(s->q[i]);
      s->q[i] = NULL;
    }
    any_q = any_q || s->q[i] != NULL;
  }
  if (!any_q) { /* the slots go with their statements */
    free(s->q);
    s->q = NULL;
  }
  int kept = 0;
  for (int i = 0; i < s->cached_count; i++) {
    if (!s->cached[i].lent && !sqlite3_stmt_busy(s->cached[i].st))
      sqlite3_finalize(s->cached[i].st);
    else
      s->cached[kept++] = s->cached[i];
  }
  s->cached_count = kept;
  if (kept == 0) { /* the cache's slots go with its statements */
    free(s->cached);
    s->cached = NULL;
    s->cached_cap = 0;
  }
  bool held =
      kept > 0 || !sqlite3_get_autocommit(s->db) || s->batch || s->unsynced || s->after_count > 0;
  for (int i = 0; s->q && i < Q_COUNT && !held; i++) held = s->q[i] != NULL;
  /* nothing held: the connection itself goes (its descriptor, 11 kB of
   * memory, 18 kB of parsed schema), opened again at the next use
   * (store_reopen) — unless a module keeps a statement of its own (it would
   * point into a closed connection) */
  if (held || sqlite3_next_stmt(s->db, NULL) || sqlite3_close(s->db) != SQLITE_OK) return false;
  s->db = NULL;
  s->closed = true;
  lean_unlist(s);
  return true;
}

void store_set_lean_open_max(int max) { lean_open.max = max < 0 ? 0 : max; }

void store_expect_use(store *s, int ms) { s->expect_use_ms = ms > 0 ? mono_ms() + ms : 0; }

void store_set_idle_close_ms(store *s, int ms) { s->idle_close_ms = ms < 0 ? 0 : ms; }

int store_prepare_all(store *s) {
  for (int i = 0; i < Q_COUNT; i++)
    if (!stmt(s, i)) return fail(s, "cannot prepare a statement");
  return 0;
}

void store_close(store *s) {
  if (!s) return;
  if (s->batch) {
    sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    s->batch = false;
    run_after(s, false);
  }
  free(s->after);
  for (int i = 0; s->q && i < Q_COUNT; i++) sqlite3_finalize(s->q[i]);
  free(s->q);
  for (int i = 0; i < s->cached_count; i++) sqlite3_finalize(s->cached[i].st);
  free(s->cached);
  free(s->versions);
  sqlite3_close(s->db);
  lean_unlist(s);
  free(s->path);
  if (s->error_owned) free(s->error);
  free(s);
}

const char *store_last_error(const store *s) { return s ? errtext(s) : "no database"; }

int store_schema_version(store *s) { return user_version(s); }

int store_schema_latest(void) { return MIGRATION_COUNT; }

void store_set_retention(store *s, const store_retention *keep) { s->keep = *keep; }

int store_set_max_size(store *s, int64_t max_bytes) {
  s->max_bytes = max_bytes > 0 ? max_bytes : 0;
  if (s->closed) return 0; /* configure applies it when the connection opens again */
  return apply_max_size(s);
}

int64_t store_max_size(const store *s) { return s->max_bytes; }

/* The last failure (fail) was SQLite's want of room: the disk, the bound
 * (store_set_max_size), or memory. */
static bool store_full(const store *s) { return s->full; }

/* Rows of each history table removed by one store_make_room: a few pages'
 * worth (a sample row is about 120 bytes, an event up to 300). */
#define ROOM_ROWS 256

int store_make_room(store *s) {
  if (tx_begin(s, "cannot make room")) return -1;
  int removed = 0;
  static const int qs[] = {Q_ROOM_SAMPLES, Q_ROOM_EVENTS};
  for (size_t i = 0; i < sizeof qs / sizeof qs[0]; i++) {
    sqlite3_stmt *st = stmt(s, qs[i]);
    sqlite3_bind_int(st, 1, ROOM_ROWS);
    if (exec_write(s, st, "cannot make room")) return tx_abort(s);
    removed += sqlite3_changes(s->db);
  }
  if (removed > 0 && exec_write(s, stmt(s, Q_ROOM_SECURITY), "cannot make room"))
    return tx_abort(s);
  if (tx_commit(s, "cannot make room")) return -1;
  if (removed > 0)
    log_warn(MOD, "database full: %d of the oldest samples and events removed", removed);
  return removed;
}

int64_t store_room_pages(store *s) {
  if (s->max_bytes <= 0) return INT64_MAX;
  /* one statement, kept (store_stmt): every bounded write asks */
  sqlite3_stmt *st = store_stmt(s, "SELECT m.max_page_count - c.page_count + f.freelist_count"
                                   " FROM pragma_max_page_count() m, pragma_page_count() c,"
                                   " pragma_freelist_count() f");
  if (!st) return INT64_MAX; /* the write that follows says why */
  int64_t room = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : INT64_MAX;
  store_stmt_release(s, st);
  return room;
}

int64_t store_page_size(store *s) {
  if (s->page_size > 0) return s->page_size; /* a file's page size never changes */
  if (store_reopen(s)) return 4096;
  int64_t size = pragma_int(s, "PRAGMA page_size");
  if (size > 0) s->page_size = size;
  return size > 0 ? size : 4096;
}

int store_keep_room(store *s, int64_t pages) {
  if (s->max_bytes <= 0) return 0;
  for (int i = 0; i < 256; i++) {
    if (store_room_pages(s) >= pages) return 0;
    if (store_make_room(s) <= 0) break;
  }
  if (store_room_pages(s) >= pages) return 0;
  snprintf(errbuf(s), STORE_ERROR_LEN,
           "database or disk is full (store.max_size_mb: fewer than %lld pages free)",
           (long long)pages);
  s->full = true;
  return -1;
}

/* A write refused for want of room (store_full) after the history made what
 * room it could: the first cause of the episode, for MemoryExhaustion. */
static void note_exhausted(store *s) {
  if (s->exhausted || s->told) return;
  s->exhausted = true;
  snprintf(s->exhausted_why, sizeof s->exhausted_why, "%s", errtext(s));
}

const char *store_exhausted(const store *s) { return s->exhausted ? s->exhausted_why : NULL; }

void store_exhaustion_reported(store *s) {
  s->exhausted = false;
  s->told = true;
}

void store_get_retention(const store *s, store_retention *out) { *out = s->keep; }

static void bind_text_or_null(sqlite3_stmt *st, int i, const char *v) {
  if (v)
    sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null(st, i);
}

static void copy_text(char *dst, size_t len, sqlite3_stmt *st, int col) {
  const unsigned char *t = sqlite3_column_text(st, col);
  snprintf(dst, len, "%s", t ? (const char *)t : "");
}

/* ---- sessions ---- */

static stop_reason reason_from_name(const char *name) {
  for (int r = STOP_LOCAL; r <= STOP_OTHER; r++)
    if (strcmp(stop_reason_name((stop_reason)r), name) == 0) return (stop_reason)r;
  return name[0] ? STOP_OTHER : STOP_NONE;
}

static void read_session(sqlite3_stmt *st, session_row *r) {
  memset(r, 0, sizeof *r);
  r->id = sqlite3_column_int64(st, 0);
  r->connector = sqlite3_column_int(st, 1);
  copy_text(r->uid, sizeof r->uid, st, 2);
  copy_text(r->user, sizeof r->user, st, 3);
  r->start_ms = sqlite3_column_int64(st, 4);
  r->stop_ms = sqlite3_column_int64(st, 5);
  r->meter_start_wh = sqlite3_column_double(st, 6);
  r->meter_stop_wh = sqlite3_column_double(st, 7);
  char reason[32];
  copy_text(reason, sizeof reason, st, 8);
  r->reason = reason_from_name(reason);
}

int store_session_companion(store *s, const char *delete_sql) {
  for (size_t i = 0; i < sizeof s->companions / sizeof s->companions[0]; i++)
    if (!s->companions[i] || s->companions[i] == delete_sql) {
      s->companions[i] = delete_sql;
      return 0;
    }
  return -1;
}

/* The companions' rows of the sessions Q_SESSIONS_TRIM just removed. */
static int trim_companions(store *s, int64_t newest) {
  int64_t max = s->keep.session_max_rows;
  if (max <= 0 || newest <= max) return 0;
  for (size_t i = 0; i < sizeof s->companions / sizeof s->companions[0] && s->companions[i]; i++) {
    sqlite3_stmt *st = store_stmt(s, s->companions[i]);
    if (!st) return -1;
    sqlite3_bind_int64(st, 1, newest - max);
    int rc = exec_write(s, st, "cannot trim a module's rows of old sessions");
    store_stmt_release(s, st);
    if (rc) return -1;
  }
  return 0;
}

int store_session_begin(store *s, int connector, const char *uid, const char *user, borne_ms start,
                        double meter_start_wh, int64_t *id_out) {
  if (tx_begin(s, "cannot record the session start")) return -1;
  sqlite3_stmt *st = stmt(s, Q_SESSION_BEGIN);
  sqlite3_bind_int(st, 1, connector);
  sqlite3_bind_text(st, 2, uid ? uid : "", -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 3, user ? user : "", -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(st, 4, start);
  sqlite3_bind_double(st, 5, meter_start_wh);
  if (exec_write(s, st, "cannot record the session start")) return tx_abort(s);
  int64_t id = sqlite3_last_insert_rowid(s->db);
  if (trim(s, Q_SESSIONS_TRIM, id, s->keep.session_max_rows, "cannot trim old sessions") ||
      trim_companions(s, id))
    return tx_abort(s);
  if (tx_commit(s, "cannot record the session start")) return -1;
  if (id_out) *id_out = id;
  return 0;
}

int store_session_progress(store *s, int64_t id, double meter_now_wh) {
  sqlite3_stmt *st = stmt(s, Q_SESSION_PROGRESS);
  sqlite3_bind_int64(st, 1, id);
  sqlite3_bind_double(st, 2, meter_now_wh);
  return exec_write(s, st, "cannot record session progress");
}

int store_session_end(store *s, int64_t id, borne_ms stop, double meter_stop_wh,
                      stop_reason reason) {
  sqlite3_stmt *st = stmt(s, Q_SESSION_END);
  sqlite3_bind_int64(st, 1, id);
  sqlite3_bind_int64(st, 2, stop);
  sqlite3_bind_double(st, 3, meter_stop_wh);
  sqlite3_bind_text(st, 4, stop_reason_name(reason), -1, SQLITE_STATIC);
  if (exec_write(s, st, "cannot record the session stop")) return -1;
  if (sqlite3_changes(s->db) != 1) {
    snprintf(errbuf(s), STORE_ERROR_LEN, "no session %lld", (long long)id);
    return -1;
  }
  return 0;
}

int store_session_get(store *s, int64_t id, session_row *out) {
  sqlite3_stmt *st = stmt(s, Q_SESSION_GET);
  sqlite3_bind_int64(st, 1, id);
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    read_session(st, out);
    sqlite3_reset(st);
    return 0;
  }
  sqlite3_reset(st);
  if (rc == SQLITE_DONE) {
    snprintf(errbuf(s), STORE_ERROR_LEN, "no session %lld", (long long)id);
    return -1;
  }
  return fail(s, "cannot read a session");
}

/* Step a query and hand each row to `each`; a non-zero return stops. */
static int each_row(store *s, sqlite3_stmt *st, int (*each)(sqlite3_stmt *, void *), void *ctx,
                    const char *what) {
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (each(st, ctx)) {
      sqlite3_reset(st);
      return 0;
    }
  }
  sqlite3_reset(st);
  return rc == SQLITE_DONE ? 0 : fail(s, what);
}

typedef struct {
  session_cb cb;
  void *ctx;
} session_walk;

static int session_row_cb(sqlite3_stmt *st, void *ctx) {
  session_walk *w = ctx;
  session_row r;
  read_session(st, &r);
  return w->cb(w->ctx, &r);
}

int store_sessions_open(store *s, session_cb cb, void *ctx) {
  session_walk w = {cb, ctx};
  return each_row(s, stmt(s, Q_SESSIONS_OPEN), session_row_cb, &w, "cannot list open sessions");
}

int store_sessions_query(store *s, const session_filter *f, session_cb cb, void *ctx) {
  sqlite3_stmt *st = stmt(s, Q_SESSIONS_QUERY);
  sqlite3_bind_int64(st, 1, f->since_ms);
  sqlite3_bind_int64(st, 2, f->until_ms);
  char uid[BORNE_UID_MAX + 1];
  if (f->uid) {
    char err[128];
    /* an invalid UID matches nothing rather than everything */
    if (store_uid_normalize(f->uid, uid, sizeof uid, err, sizeof err) != 0)
      snprintf(uid, sizeof uid, "!");
    bind_text_or_null(st, 3, uid);
  }
  bind_text_or_null(st, 4, f->user);
  sqlite3_bind_int(st, 5, f->connector);
  sqlite3_bind_int(st, 6, f->limit > 0 ? f->limit : -1);
  session_walk w = {cb, ctx};
  return each_row(s, st, session_row_cb, &w, "cannot query sessions");
}

/* OCPP 2.0.1 CustomerInformation (N09/N10): the sessions of one id token,
 * exactly (OCPP's idToken is case-insensitive), and forgetting it in the
 * finished ones. Rare calls: prepared each time, not in the statement table. */
int store_sessions_of_uid(store *s, const char *uid, session_cb cb, void *ctx) {
  sqlite3_stmt *st = NULL;
  if (store_use(s)) return -1;
  if (sqlite3_prepare_v2(s->db,
                         "SELECT " SESSION_COLS " FROM sessions WHERE uid = ?1 COLLATE NOCASE"
                         " ORDER BY id",
                         -1, &st, NULL) != SQLITE_OK)
    return fail(s, "cannot query sessions");
  sqlite3_bind_text(st, 1, uid ? uid : "", -1, SQLITE_TRANSIENT);
  session_walk w = {cb, ctx};
  int rc = each_row(s, st, session_row_cb, &w, "cannot query sessions");
  sqlite3_finalize(st);
  return rc;
}

int store_sessions_forget_uid(store *s, const char *uid, int *count) {
  sqlite3_stmt *st = NULL;
  if (store_use(s)) return -1;
  if (sqlite3_prepare_v2(s->db,
                         "UPDATE sessions SET uid = '', user = ''"
                         " WHERE uid = ?1 COLLATE NOCASE AND stop_ms != 0",
                         -1, &st, NULL) != SQLITE_OK)
    return fail(s, "cannot forget the sessions' badge");
  sqlite3_bind_text(st, 1, uid ? uid : "", -1, SQLITE_TRANSIENT);
  int rc = exec_write(s, st, "cannot forget the sessions' badge");
  if (rc == 0 && count) *count = sqlite3_changes(s->db);
  sqlite3_finalize(st);
  return rc;
}

/* ---- events ---- */

/* A log-only event: committed with synchronous=NORMAL (WAL written, not
 * synced), then FULL again. SQLite refuses to change the level inside a
 * transaction, so inside a batch the row simply joins the batch's commit.
 * The WAL is appended in order and its frames carry a running checksum:
 * after a power cut recovery keeps a prefix of the commits, so this row is
 * lost or whole, never ahead of an earlier commit, and the next synced
 * commit (any other store write) makes it durable with itself. */
int store_unsynced_begin(store *s) {
  /* SQLite ignores the level inside a transaction: nothing to change then;
   * a lean store (borne-swarm) is at OFF throughout */
  if (s->lean || s->batch || !sqlite3_get_autocommit(s->db)) return 0;
  if (sync_level(s, false) != 0) return 0;
  s->unsynced = true;
  return 0;
}

int store_unsynced_end(store *s) {
  if (!s->unsynced) return 0;
  if (sync_level(s, true) != 0) return -1;
  s->unsynced = false;
  return 0;
}

int store_event_add_unsynced(store *s, borne_ms at, int connector, const char *kind,
                             const char *detail, int64_t *id_out) {
  return store_event_add_reason(s, at, connector, kind, detail, "", false, id_out);
}

int store_event_add(store *s, borne_ms at, int connector, const char *kind, const char *detail,
                    int64_t *id_out) {
  return store_event_add_reason(s, at, connector, kind, detail, "", true, id_out);
}

static int event_add(store *s, borne_ms at, int connector, const char *kind, const char *detail,
                     const char *reason, int64_t *id_out);

int store_event_add_reason(store *s, borne_ms at, int connector, const char *kind,
                           const char *detail, const char *reason, bool synced, int64_t *id_out) {
  if (synced || s->batch || s->unsynced || s->lean)
    return event_add(s, at, connector, kind, detail, reason, id_out);
  if (sync_level(s, false)) return fail(s, "cannot record an event");
  int rc = event_add(s, at, connector, kind, detail, reason, id_out);
  /* failing, the next commit would not be synced either */
  if (sync_level(s, true)) return -1;
  return rc;
}

static int event_insert(store *s, borne_ms at, int connector, const char *kind, const char *detail,
                        const char *reason, int64_t *id_out);

/* The database full: the oldest history goes (store_make_room) until the
 * row fits or there is none left; then the event is refused and the store
 * exhausted (MemoryExhaustion). */
static int event_add(store *s, borne_ms at, int connector, const char *kind, const char *detail,
                     const char *reason, int64_t *id_out) {
  s->full = false;
  /* bounded: room made before the write, never by a write that fails (a
   * SQLITE_FULL may roll back the whole transaction, a batch with it) */
  if (store_keep_room(s, STORE_RESERVE_PAGES) != 0) {
    note_exhausted(s);
    return -1;
  }
  int rc = event_insert(s, at, connector, kind, detail, reason, id_out);
  if (rc == 0) s->told = false; /* room without making it: the episode is over */
  while (rc != 0 && store_full(s) && !s->batch_failed && store_make_room(s) > 0)
    rc = event_insert(s, at, connector, kind, detail, reason, id_out);
  if (rc != 0 && store_full(s)) note_exhausted(s);
  return rc;
}

static int event_insert(store *s, borne_ms at, int connector, const char *kind, const char *detail,
                        const char *reason, int64_t *id_out) {
  if (tx_begin(s, "cannot record an event")) return -1;
  sqlite3_stmt *st = stmt(s, Q_EVENT_ADD);
  sqlite3_bind_int64(st, 1, at);
  sqlite3_bind_int(st, 2, connector);
  sqlite3_bind_text(st, 3, kind ? kind : "", -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 4, detail ? detail : "", -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 5, reason ? reason : "", -1, SQLITE_TRANSIENT);
  if (exec_write(s, st, "cannot record an event")) return tx_abort(s);
  int64_t id = sqlite3_last_insert_rowid(s->db);
  /* ids are AUTOINCREMENT (never reused), so the newest N are id > id - N */
  if (trim(s, Q_EVENTS_TRIM, id, s->keep.event_max_rows, "cannot trim the event log"))
    return tx_abort(s);
  if (kind && strcmp(kind, "security") == 0) {
    st = stmt(s, Q_SECURITY_ADD);
    sqlite3_bind_int64(st, 1, id);
    if (exec_write(s, st, "cannot record an event")) return tx_abort(s);
    int64_t n = sqlite3_last_insert_rowid(s->db);
    if (s->keep.security_event_max_rows > 0 && n > s->keep.security_event_max_rows) {
      st = stmt(s, Q_SECURITY_TRIM_EVENTS);
      sqlite3_bind_int64(st, 1, n - s->keep.security_event_max_rows);
      if (exec_write(s, st, "cannot trim the security log")) return tx_abort(s);
    }
    if (trim(s, Q_SECURITY_TRIM, n, s->keep.security_event_max_rows,
             "cannot trim the security log"))
      return tx_abort(s);
  }
  if (tx_commit(s, "cannot record an event")) return -1;
  if (id_out) *id_out = id;
  return 0;
}

typedef struct {
  event_cb cb;
  void *ctx;
} event_walk;

static int event_row_cb(sqlite3_stmt *st, void *ctx) {
  event_walk *w = ctx;
  event_row r;
  memset(&r, 0, sizeof r);
  r.id = sqlite3_column_int64(st, 0);
  r.at = sqlite3_column_int64(st, 1);
  r.connector = sqlite3_column_int(st, 2);
  copy_text(r.kind, sizeof r.kind, st, 3);
  copy_text(r.detail, sizeof r.detail, st, 4);
  copy_text(r.reason, sizeof r.reason, st, 5);
  return w->cb(w->ctx, &r);
}

int store_events_query(store *s, int64_t after_id, int limit, event_cb cb, void *ctx) {
  sqlite3_stmt *st = stmt(s, Q_EVENTS_AFTER);
  sqlite3_bind_int64(st, 1, after_id);
  sqlite3_bind_int(st, 2, limit > 0 ? limit : 1000);
  event_walk w = {cb, ctx};
  return each_row(s, st, event_row_cb, &w, "cannot read events");
}

int store_events_of_kinds(store *s, const char *const *kinds, int nkinds, int64_t before_id,
                          int limit, int64_t window, event_cb cb, void *ctx) {
  if (nkinds < 1 || nkinds > 16) return 0;
  char query[400] =
      "SELECT id, at_ms, connector, kind, detail, reason FROM events WHERE id < ?1 AND id > ?2"
      " AND kind IN (";
  for (int i = 0; i < nkinds; i++) {
    char p[8];
    snprintf(p, sizeof p, "%s?%d", i ? ", " : "", 4 + i);
    strcat(query, p);
  }
  strcat(query, ") ORDER BY id DESC LIMIT ?3");
  sqlite3_stmt *st;
  if (store_use(s)) return -1;
  if (sqlite3_prepare_v2(s->db, query, -1, &st, NULL) != SQLITE_OK)
    return fail(s, "cannot read events");
  int64_t last = store_events_last_id(s);
  sqlite3_bind_int64(st, 1, before_id > 0 ? before_id : INT64_MAX);
  sqlite3_bind_int64(st, 2, window > 0 ? last - window : 0);
  sqlite3_bind_int(st, 3, limit > 0 ? limit : 1000);
  for (int i = 0; i < nkinds; i++) sqlite3_bind_text(st, 4 + i, kinds[i], -1, SQLITE_STATIC);
  event_walk w = {cb, ctx};
  int rc = each_row(s, st, event_row_cb, &w, "cannot read events");
  sqlite3_finalize(st);
  return rc;
}

int64_t store_events_last_id(store *s) {
  sqlite3_stmt *st = stmt(s, Q_EVENTS_LAST);
  int64_t id = 0;
  if (sqlite3_step(st) == SQLITE_ROW) id = sqlite3_column_int64(st, 0);
  sqlite3_reset(st);
  return id;
}

/* ---- meter samples ---- */

static int sample_insert(store *s, int connector, const meter_reading *r);

int store_meter_sample(store *s, int connector, const meter_reading *r) {
  s->full = false;
  if (store_keep_room(s, STORE_RESERVE_PAGES) != 0) {
    note_exhausted(s);
    return -1;
  }
  int rc = sample_insert(s, connector, r);
  while (rc != 0 && store_full(s) && !s->batch_failed && store_make_room(s) > 0)
    rc = sample_insert(s, connector, r);
  if (rc != 0 && store_full(s)) note_exhausted(s);
  return rc;
}

static int sample_insert(store *s, int connector, const meter_reading *r) {
  if (tx_begin(s, "cannot record a meter sample")) return -1;
  sqlite3_stmt *st = stmt(s, Q_SAMPLE_ADD);
  sqlite3_bind_int(st, 1, connector);
  sqlite3_bind_int64(st, 2, r->at);
  for (int i = 0; i < 3; i++) {
    sqlite3_bind_double(st, 3 + i, r->voltage_v[i]);
    sqlite3_bind_double(st, 6 + i, r->current_a[i]);
    sqlite3_bind_double(st, 9 + i, r->power_w[i]);
  }
  sqlite3_bind_double(st, 12, r->power_total_w);
  sqlite3_bind_double(st, 13, r->energy_import_wh);
  sqlite3_bind_double(st, 14, r->frequency_hz);
  if (exec_write(s, st, "cannot record a meter sample")) return tx_abort(s);
  int64_t rowid = sqlite3_last_insert_rowid(s->db);
  if (s->keep.sample_max_age_ms > 0) {
    st = stmt(s, Q_SAMPLES_TRIM_AGE);
    sqlite3_bind_int(st, 1, connector);
    sqlite3_bind_int64(st, 2, r->at - s->keep.sample_max_age_ms);
    if (exec_write(s, st, "cannot trim old meter samples")) return tx_abort(s);
  }
  /* rowids grow by one per insert (max + 1), so the newest N are rowid > rowid - N */
  if (s->keep.sample_max_rows > 0 && rowid > s->keep.sample_max_rows) {
    st = stmt(s, Q_SAMPLES_TRIM_ROWS);
    sqlite3_bind_int64(st, 1, rowid - s->keep.sample_max_rows);
    if (exec_write(s, st, "cannot trim meter samples")) return tx_abort(s);
  }
  return tx_commit(s, "cannot record a meter sample");
}

int store_meter_last(store *s, int connector, meter_reading *out) {
  sqlite3_stmt *st = stmt(s, Q_SAMPLE_LAST);
  sqlite3_bind_int(st, 1, connector);
  int rc = sqlite3_step(st);
  if (rc != SQLITE_ROW) {
    sqlite3_reset(st);
    if (rc == SQLITE_DONE) {
      errconst(s, "no meter sample for this connector");
      return -1;
    }
    return fail(s, "cannot read the last meter sample");
  }
  memset(out, 0, sizeof *out);
  out->at = sqlite3_column_int64(st, 0);
  for (int i = 0; i < 3; i++) {
    out->voltage_v[i] = sqlite3_column_double(st, 1 + i);
    out->current_a[i] = sqlite3_column_double(st, 4 + i);
    out->power_w[i] = sqlite3_column_double(st, 7 + i);
  }
  out->power_total_w = sqlite3_column_double(st, 10);
  out->energy_import_wh = sqlite3_column_double(st, 11);
  out->frequency_hz = sqlite3_column_double(st, 12);
  sqlite3_reset(st);
  return 0;
}

int store_samples_buckets(store *s, int connector, borne_ms since, borne_ms until, int buckets,
                          sample_bucket_cb cb, void *ctx) {
  if (buckets < 1 || until <= since) {
    snprintf(errbuf(s), STORE_ERROR_LEN, "an empty time span or no slice");
    return -1;
  }
  borne_ms step = (until - since + buckets - 1) / buckets;
  sqlite3_stmt *st = stmt(s, Q_SAMPLES_BUCKETS);
  sqlite3_bind_int(st, 1, connector);
  sqlite3_bind_int64(st, 2, since);
  sqlite3_bind_int64(st, 3, until);
  sqlite3_bind_int64(st, 4, step);
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    sample_bucket b = {.at = since + sqlite3_column_int64(st, 0) * step,
                       .step = step,
                       .power_w = sqlite3_column_double(st, 1),
                       .energy_wh = sqlite3_column_double(st, 2),
                       .count = sqlite3_column_int(st, 3)};
    if (cb(ctx, &b) != 0) {
      rc = SQLITE_DONE;
      break;
    }
  }
  sqlite3_reset(st);
  return rc == SQLITE_DONE ? 0 : fail(s, "cannot read the meter samples");
}

/* ---- users and badges ---- */

static int check_name(store *s, const char *name) {
  size_t n = name ? strlen(name) : 0;
  if (n == 0 || n > BORNE_NAME_MAX) {
    snprintf(errbuf(s), STORE_ERROR_LEN, "a user name must be 1 to %d characters", BORNE_NAME_MAX);
    return -1;
  }
  for (const char *p = name; *p; p++) {
    if ((unsigned char)*p < 0x20) {
      snprintf(errbuf(s), STORE_ERROR_LEN, "a user name must not contain control characters");
      return -1;
    }
  }
  return 0;
}

static void read_user(sqlite3_stmt *st, user_row *u) {
  memset(u, 0, sizeof *u);
  u->id = sqlite3_column_int64(st, 0);
  copy_text(u->name, sizeof u->name, st, 1);
  u->enabled = sqlite3_column_int(st, 2) != 0;
}

int store_user_create(store *s, const char *name, bool enabled, int64_t *id_out) {
  if (check_name(s, name)) return -1;
  sqlite3_stmt *st = stmt(s, Q_USER_CREATE);
  sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int(st, 2, enabled);
  if (sqlite3_step(st) != SQLITE_DONE) {
    int ext = sqlite3_extended_errcode(s->db);
    sqlite3_reset(st);
    if (ext == SQLITE_CONSTRAINT_UNIQUE) {
      snprintf(errbuf(s), STORE_ERROR_LEN, "a user named `%s` already exists", name);
      return -1;
    }
    return fail(s, "cannot create the user");
  }
  sqlite3_reset(st);
  if (id_out) *id_out = sqlite3_last_insert_rowid(s->db);
  return 0;
}

int store_user_update(store *s, int64_t id, const char *name, bool enabled) {
  if (check_name(s, name)) return -1;
  sqlite3_stmt *st = stmt(s, Q_USER_UPDATE);
  sqlite3_bind_int64(st, 1, id);
  sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int(st, 3, enabled);
  if (sqlite3_step(st) != SQLITE_DONE) {
    int ext = sqlite3_extended_errcode(s->db);
    sqlite3_reset(st);
    if (ext == SQLITE_CONSTRAINT_UNIQUE) {
      snprintf(errbuf(s), STORE_ERROR_LEN, "a user named `%s` already exists", name);
      return -1;
    }
    return fail(s, "cannot update the user");
  }
  sqlite3_reset(st);
  if (sqlite3_changes(s->db) != 1) {
    snprintf(errbuf(s), STORE_ERROR_LEN, "no user %lld", (long long)id);
    return -1;
  }
  return 0;
}

int store_user_delete(store *s, int64_t id) {
  sqlite3_stmt *st = stmt(s, Q_USER_DELETE);
  sqlite3_bind_int64(st, 1, id);
  if (exec_write(s, st, "cannot delete the user")) return -1;
  if (sqlite3_changes(s->db) != 1) {
    snprintf(errbuf(s), STORE_ERROR_LEN, "no user %lld", (long long)id);
    return -1;
  }
  return 0;
}

static int user_one(store *s, sqlite3_stmt *st, user_row *out, const char *what) {
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) read_user(st, out);
  sqlite3_reset(st);
  if (rc == SQLITE_ROW) return 0;
  if (rc == SQLITE_DONE) {
    snprintf(errbuf(s), STORE_ERROR_LEN, "%s", what);
    return -1;
  }
  return fail(s, "cannot read users");
}

int store_user_get(store *s, int64_t id, user_row *out) {
  sqlite3_stmt *st = stmt(s, Q_USER_GET);
  sqlite3_bind_int64(st, 1, id);
  return user_one(s, st, out, "no such user");
}

int store_user_find(store *s, const char *name, user_row *out) {
  sqlite3_stmt *st = stmt(s, Q_USER_FIND);
  sqlite3_bind_text(st, 1, name ? name : "", -1, SQLITE_TRANSIENT);
  return user_one(s, st, out, "no such user");
}

typedef struct {
  user_cb cb;
  void *ctx;
} user_walk;

static int user_row_cb(sqlite3_stmt *st, void *ctx) {
  user_walk *w = ctx;
  user_row u;
  read_user(st, &u);
  return w->cb(w->ctx, &u);
}

int store_users_list(store *s, user_cb cb, void *ctx) {
  user_walk w = {cb, ctx};
  return each_row(s, stmt(s, Q_USERS_LIST), user_row_cb, &w, "cannot list users");
}

int store_uid_normalize(const char *in, char *out, size_t outlen, char *err, size_t errlen) {
  size_t n = 0;
  if (!in) in = "";
  for (const char *p = in; *p; p++) {
    if (*p == ':' || *p == '-' || *p == ' ') continue;
    if (!isxdigit((unsigned char)*p)) {
      snprintf(err, errlen, "badge UID `%.48s` is not hexadecimal", in);
      return -1;
    }
    if (n + 1 >= outlen || n >= BORNE_UID_MAX) {
      snprintf(err, errlen, "badge UID `%.48s` is longer than %d hex digits", in, BORNE_UID_MAX);
      return -1;
    }
    out[n++] = (char)toupper((unsigned char)*p);
  }
  if (n == 0) {
    snprintf(err, errlen, "badge UID is empty");
    return -1;
  }
  out[n] = '\0';
  return 0;
}

static int normalize(store *s, const char *uid, char *out) {
  return store_uid_normalize(uid, out, BORNE_UID_MAX + 1, errbuf(s), STORE_ERROR_LEN);
}

static void read_badge(sqlite3_stmt *st, badge_row *b) {
  memset(b, 0, sizeof *b);
  copy_text(b->uid, sizeof b->uid, st, 0);
  b->user_id = sqlite3_column_int64(st, 1);
  copy_text(b->user, sizeof b->user, st, 2);
  b->enabled = sqlite3_column_int(st, 3) != 0;
  b->created_ms = sqlite3_column_int64(st, 4);
}

static void bind_user_id(sqlite3_stmt *st, int i, int64_t user_id) {
  if (user_id > 0)
    sqlite3_bind_int64(st, i, user_id);
  else
    sqlite3_bind_null(st, i);
}

static int badge_write_error(store *s, const char *uid, const char *what) {
  int ext = sqlite3_extended_errcode(s->db);
  if (ext == SQLITE_CONSTRAINT_PRIMARYKEY || ext == SQLITE_CONSTRAINT_UNIQUE) {
    snprintf(errbuf(s), STORE_ERROR_LEN, "badge %s already exists", uid);
    return -1;
  }
  if (ext == SQLITE_CONSTRAINT_FOREIGNKEY) {
    snprintf(errbuf(s), STORE_ERROR_LEN, "badge %s: no such user", uid);
    return -1;
  }
  return fail(s, what);
}

int store_badge_add(store *s, const char *uid, int64_t user_id, bool enabled, borne_ms now) {
  char norm[BORNE_UID_MAX + 1];
  if (normalize(s, uid, norm)) return -1;
  sqlite3_stmt *st = stmt(s, Q_BADGE_ADD);
  sqlite3_bind_text(st, 1, norm, -1, SQLITE_TRANSIENT);
  bind_user_id(st, 2, user_id);
  sqlite3_bind_int(st, 3, enabled);
  sqlite3_bind_int64(st, 4, now);
  int rc = sqlite3_step(st);
  sqlite3_reset(st);
  return rc == SQLITE_DONE ? 0 : badge_write_error(s, norm, "cannot add the badge");
}

int store_badge_update(store *s, const char *uid, int64_t user_id, bool enabled) {
  char norm[BORNE_UID_MAX + 1];
  if (normalize(s, uid, norm)) return -1;
  sqlite3_stmt *st = stmt(s, Q_BADGE_UPDATE);
  sqlite3_bind_text(st, 1, norm, -1, SQLITE_TRANSIENT);
  bind_user_id(st, 2, user_id);
  sqlite3_bind_int(st, 3, enabled);
  int rc = sqlite3_step(st);
  sqlite3_reset(st);
  if (rc != SQLITE_DONE) return badge_write_error(s, norm, "cannot update the badge");
  if (sqlite3_changes(s->db) != 1) {
    snprintf(errbuf(s), STORE_ERROR_LEN, "no badge %s", norm);
    return -1;
  }
  return 0;
}

int store_badge_remove(store *s, const char *uid) {
  char norm[BORNE_UID_MAX + 1];
  if (normalize(s, uid, norm)) return -1;
  sqlite3_stmt *st = stmt(s, Q_BADGE_REMOVE);
  sqlite3_bind_text(st, 1, norm, -1, SQLITE_TRANSIENT);
  if (exec_write(s, st, "cannot remove the badge")) return -1;
  if (sqlite3_changes(s->db) != 1) {
    snprintf(errbuf(s), STORE_ERROR_LEN, "no badge %s", norm);
    return -1;
  }
  return 0;
}

int store_badge_get(store *s, const char *uid, badge_row *out) {
  char norm[BORNE_UID_MAX + 1];
  if (normalize(s, uid, norm)) return -1;
  sqlite3_stmt *st = stmt(s, Q_BADGE_GET);
  sqlite3_bind_text(st, 1, norm, -1, SQLITE_TRANSIENT);
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) read_badge(st, out);
  sqlite3_reset(st);
  if (rc == SQLITE_ROW) return 0;
  if (rc == SQLITE_DONE) {
    snprintf(errbuf(s), STORE_ERROR_LEN, "no badge %s", norm);
    return -1;
  }
  return fail(s, "cannot read the badge");
}

typedef struct {
  badge_cb cb;
  void *ctx;
} badge_walk;

static int badge_row_cb(sqlite3_stmt *st, void *ctx) {
  badge_walk *w = ctx;
  badge_row b;
  read_badge(st, &b);
  return w->cb(w->ctx, &b);
}

int store_badges_list(store *s, badge_cb cb, void *ctx) {
  badge_walk w = {cb, ctx};
  return each_row(s, stmt(s, Q_BADGES_LIST), badge_row_cb, &w, "cannot list badges");
}

/* ---- settings ---- */

int store_setting_put(store *s, const char *key, const char *value) {
  sqlite3_stmt *st = stmt(s, Q_SETTING_PUT);
  sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 2, value, -1, SQLITE_TRANSIENT);
  return exec_write(s, st, "cannot save the setting");
}

int store_setting_delete(store *s, const char *key) {
  sqlite3_stmt *st = stmt(s, Q_SETTING_DELETE);
  sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
  return exec_write(s, st, "cannot delete the setting");
}

typedef struct {
  setting_cb cb;
  void *ctx;
} setting_walk;

static int setting_row_cb(sqlite3_stmt *st, void *ctx) {
  setting_walk *w = ctx;
  return w->cb(w->ctx, (const char *)sqlite3_column_text(st, 0),
               (const char *)sqlite3_column_text(st, 1));
}

int store_settings_each(store *s, setting_cb cb, void *ctx) {
  setting_walk w = {cb, ctx};
  return each_row(s, stmt(s, Q_SETTINGS_EACH), setting_row_cb, &w, "cannot read settings");
}

/* ---- self-test ---- */

int store_selftest_record(store *s, borne_ms at, int connector, const char *check, bool ok,
                          const char *detail) {
  if (tx_begin(s, "cannot record the self-test")) return -1;
  sqlite3_stmt *st = stmt(s, Q_SELFTEST_ADD);
  sqlite3_bind_int64(st, 1, at);
  sqlite3_bind_int(st, 2, connector);
  sqlite3_bind_text(st, 3, check, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int(st, 4, ok);
  sqlite3_bind_text(st, 5, detail ? detail : "", -1, SQLITE_TRANSIENT);
  if (exec_write(s, st, "cannot record the self-test")) return tx_abort(s);
  /* rowid is max + 1 here; the latest result of each check is among the
   * newest rows as long as the budget exceeds the number of checks */
  if (trim(s, Q_SELFTEST_TRIM, sqlite3_last_insert_rowid(s->db), s->keep.selftest_max_rows,
           "cannot trim old self-test results"))
    return tx_abort(s);
  return tx_commit(s, "cannot record the self-test");
}

static int selftest_write(store *s, borne_ms at, int connector, const store_selftest_check *c,
                          size_t n);

/* Self-test results are a record of what the box saw, not something a back
 * end is owed (the fault they find is found again by the next start's
 * self-test): committed unsynced like the log-only events (issue 15: two
 * fsyncs fewer before a 2-connector station's first BootNotification, at
 * every start). A cut loses the rows of a connector whole or keeps them; the
 * next synced commit makes them durable, in order. Inside a batch, part of it. */
int store_selftest_record_all(store *s, borne_ms at, int connector, const store_selftest_check *c,
                              size_t n) {
  bool unsynced = !s->batch;
  if (unsynced && sync_level(s, false)) return -1;
  int rc = selftest_write(s, at, connector, c, n);
  if (unsynced && sync_level(s, true)) return -1;
  return rc;
}

static int selftest_write(store *s, borne_ms at, int connector, const store_selftest_check *c,
                          size_t n) {
  if (tx_begin(s, "cannot record the self-test")) return -1;
  for (size_t i = 0; i < n; i++) {
    sqlite3_stmt *st = stmt(s, Q_SELFTEST_ADD);
    sqlite3_bind_int64(st, 1, at);
    sqlite3_bind_int(st, 2, connector);
    sqlite3_bind_text(st, 3, c[i].check, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 4, c[i].ok);
    sqlite3_bind_text(st, 5, c[i].detail ? c[i].detail : "", -1, SQLITE_TRANSIENT);
    if (exec_write(s, st, "cannot record the self-test")) return tx_abort(s);
  }
  if (trim(s, Q_SELFTEST_TRIM, sqlite3_last_insert_rowid(s->db), s->keep.selftest_max_rows,
           "cannot trim old self-test results"))
    return tx_abort(s);
  return tx_commit(s, "cannot record the self-test");
}

typedef struct {
  store_selftest_cb cb;
  void *ctx;
} selftest_walk;

static int selftest_row_cb(sqlite3_stmt *st, void *ctx) {
  selftest_walk *w = ctx;
  selftest_row r;
  memset(&r, 0, sizeof r);
  r.at = sqlite3_column_int64(st, 0);
  r.connector = sqlite3_column_int(st, 1);
  copy_text(r.check, sizeof r.check, st, 2);
  r.ok = sqlite3_column_int(st, 3) != 0;
  copy_text(r.detail, sizeof r.detail, st, 4);
  return w->cb(w->ctx, &r);
}

int store_selftest_latest(store *s, store_selftest_cb cb, void *ctx) {
  if (store_use(s)) return -1;
  /* SQLite: with max() the bare columns come from the row holding the maximum */
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(s->db,
                         "SELECT max(at_ms), connector, check_name, ok, detail FROM selftest"
                         " GROUP BY connector, check_name ORDER BY connector, check_name",
                         -1, &st, NULL) != SQLITE_OK)
    return fail(s, "cannot read the self-test results");
  selftest_walk w = {cb, ctx};
  int rc = each_row(s, st, selftest_row_cb, &w, "cannot read the self-test results");
  sqlite3_finalize(st);
  return rc;
}
