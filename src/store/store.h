/*
 * Persistent state in one SQLite database (DATA_DIR/borne.db, WAL mode,
 * synchronous=FULL). Owns sessions, the event log, meter samples, users and
 * badges, run-time settings and self-test results. Schema changes are
 * numbered migrations applied by PRAGMA user_version.
 *
 * Durability rule: a function that records a session start or stop, or a
 * meter sample, returns only after the transaction is committed to disk.
 * All functions return 0 on success and -1 on failure, with a message in
 * store_last_error(). None of them calls exit() or aborts on bad input.
 */
#ifndef BORNE_STORE_STORE_H
#define BORNE_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/types.h"

typedef struct store store;

int store_open(store **out, const char *path, char *err, size_t errlen);
/* store_open for one of many stations in one process (borne-swarm): the
 * same database with a page cache of at most 64 KiB instead of 512 KiB, so
 * that an idle connection holds less memory (a smaller lookaside would be
 * the next lever, but Debian builds SQLite with SQLITE_OMIT_LOOKASIDE), and
 * synchronous=OFF: a write is in the kernel when the function returns, so
 * it survives kill -9 of the process but not a power cut or a crash of the
 * machine (docs/swarm.md), and no commit waits for the disk on the loop. */
int store_open_lean(store **out, const char *path, char *err, size_t errlen);
void store_close(store *s);
/* Drops the pages SQLite keeps cached (they are read again when needed): for
 * the end of the start, whose migrations and recovery read pages the
 * station's steady state may never read again. A lean store (store_open_lean)
 * also finalizes its kept statements, prepared again at their next use, and
 * when the store was not used for a second (store_set_idle_close_ms) and
 * nothing holds the connection (no statement lent or stepping, no batch or
 * transaction, no statement of a module's own still prepared) closes it,
 * its descriptor with it: the next call of the store (store_stmt,
 * store_sqlite, any store_* function) opens it again, and fails with the
 * reason when it cannot (the next call tries again). So a sqlite3 handle of
 * a lean store is never kept: ask store_sqlite for it at each use. Call it
 * between two uses of the store. borne-swarm calls it for every station
 * every 10 s. */
void store_release_cache(store *s);
/* How long a lean store must have been unused for store_release_cache to
 * close its connection (default 1000 ms; 0: whenever nothing holds it). */
void store_set_idle_close_ms(store *s, int ms);
/* The next use of a lean store is expected within `ms` (a station's meter
 * value due: borne-swarm's stations sampling every few seconds): until then
 * store_release_cache keeps its connection and its parsed schema instead of
 * closing it at the release before that use and opening it again for it
 * (about 0.25 ms of CPU, most of it SQLite parsing the schema; the
 * process-wide bound, store_set_lean_open_max, may still close it). A later
 * call replaces the expectation; 0 or less withdraws it. */
void store_expect_use(store *s, int ms);
/* How many lean stores of the process may have their connection open at
 * once (0, the default: no bound). Beyond it, a lean store opening its
 * connection again first closes the least recently used one that nothing
 * holds (as store_release_cache would). borne-swarm sets it from the
 * descriptor limit. */
void store_set_lean_open_max(int max);
/* Prepares every statement of the store now (they are otherwise prepared at
 * their first use): -1 with store_last_error if one does not compile against
 * the schema. For tests. */
int store_prepare_all(store *s);
const char *store_last_error(const store *s);
int store_schema_version(store *s);
int store_schema_latest(void); /* the user_version this code migrates to */

/* Modules beside the core keep their tables in the same database (same WAL,
 * same synchronous=FULL durability). Each module has its own numbered steps:
 * store_module_migrate applies steps[v..count-1] that this file lacks, each in
 * its own transaction, and records the module's version. Returns -1 with
 * store_last_error on failure (the failed step is rolled back). */
int store_module_migrate(store *s, const char *module, const char *const *steps, int count);
int store_module_version(store *s, const char *module); /* 0 if never migrated */
/* The SQLite handle, for a module's own prepared statements. Use it only on
 * the loop thread; commits are durable (synchronous=FULL). Do not keep it:
 * a lean store closes an idle connection (store_release_cache) and this
 * opens it again. */
struct sqlite3;
struct sqlite3 *store_sqlite(store *s);

/* A statement for `sql`, prepared on the first call and kept by the store
 * until store_close, so that a module's statement is not parsed again on
 * every use (SQLite prepares it again by itself after a schema change). It
 * is lent to one caller at a time, reset and without bindings: bind, step,
 * and give it back with store_stmt_release, never sqlite3_finalize. The
 * store keeps up to 64 texts; beyond that (or while the text's statement is
 * lent) a statement is prepared for this use and finalized by the release.
 * NULL with store_last_error when `sql` does not prepare. */
struct sqlite3_stmt;
struct sqlite3_stmt *store_stmt(store *s, const char *sql);
void store_stmt_release(store *s, struct sqlite3_stmt *st); /* NULL: nothing */

/* The writes made for one event in one durable commit. Between
 * store_batch_begin and store_batch_end every write on this database (the
 * store's calls and a module's statements) joins one transaction; a store_*
 * write that fails undoes its own part only (a savepoint), as if it had
 * failed alone. store_batch_end commits: 0 = all of the batch is on disk
 * (synchronous=FULL), -1 = none of it is (store_last_error). A store_* call
 * inside a batch returns 0 before anything is on disk: nothing that depends
 * on those writes may leave the station (a message, an answer, an event to a
 * module) before store_batch_end returned 0. Batches do not nest, and code
 * that opens its own transaction (BEGIN) cannot run inside one. */
int store_batch_begin(store *s);
int store_batch_end(store *s);
/* Whether a batch is open. */
bool store_in_batch(const store *s);
/* Work that may run only once the open batch is on disk (a message sent, an
 * event published): fn(ctx, true) from store_batch_end once the commit
 * succeeded, fn(ctx, false) when it did not (nothing of the batch is on disk:
 * free what ctx holds, send nothing), in the order they were added; outside a
 * batch fn(ctx, true) at once. -1 (store_last_error) when it cannot be kept
 * (out of memory): fn is not called, the caller does it later by its own
 * means (a timer). */
typedef void (*store_after_fn)(void *ctx, bool committed);
int store_after_commit(store *s, store_after_fn fn, void *ctx);

/* The writes between store_unsynced_begin and store_unsynced_end (a module's
 * own statements, one commit or a few) are committed without a sync of their
 * own, like store_event_add_unsynced: they survive kill -9 at once; a power
 * cut before the next synced commit loses each of them whole or keeps it
 * whole, in order, and the next synced commit makes them durable. Only for
 * what no back end is owed and what the station can do without (issue 15:
 * the authorization cache, a copy of the back end's answers). Inside a
 * batch, or with a transaction open, the writes are synced as usual (0).
 * store_unsynced_end: -1 (store_last_error) when the store could not go back
 * to synced commits. */
int store_unsynced_begin(store *s);
int store_unsynced_end(store *s);

/* Retention, applied by every insert inside its own transaction (so the file
 * stays bounded without a periodic job). A connector's newest sample is kept
 * apart (table meter_last) and never trimmed, nor is an open session. 0 = no
 * bound. Defaults (docs/storage.md): samples 35 days (by the station time of
 * the newest sample of the same connector) and 1 000 000 rows, events
 * 200 000 rows of which security events 10 000, closed sessions 100 000
 * rows, self-test results 10 000 rows. */
typedef struct {
  borne_ms sample_max_age_ms;
  int64_t sample_max_rows;
  int64_t event_max_rows;
  int64_t security_event_max_rows; /* events of kind "security" */
  int64_t session_max_rows;        /* the newest N by id; open ones are kept */
  int64_t selftest_max_rows;
} store_retention;
void store_set_retention(store *s, const store_retention *keep);
void store_get_retention(const store *s, store_retention *out);

/* A bound on the database's size (configuration key store.max_size_mb), in
 * bytes; 0: none (SQLite's own limit). Applied as SQLite's max_page_count on
 * this connection and on every one the store opens later (a lean store's
 * after an idle close): the database never grows past max_bytes (whole
 * pages; the WAL beside it is bounded apart, about 1 MiB). A bound below
 * the file's size keeps the file at its size, nothing is truncated. 0 or -1
 * (store_last_error). */
int store_set_max_size(store *s, int64_t max_bytes);
int64_t store_max_size(const store *s);
/* The max_page_count for a bound of max_bytes with pages of page_size bytes:
 * the whole pages that fit, at least 1; 0 for no bound. */
int64_t store_max_pages(int64_t max_bytes, int64_t page_size);
/* What a full database gives up first: the oldest meter samples (a
 * connector's newest stays, meter_last) and the oldest events, a few pages'
 * worth of each; the newest 16 of each table stay (an event just written in
 * the open batch among them). Nothing a back end is owed is in those tables. The event
 * log and the samples call it themselves when a write finds the database
 * full, and retry; the OCPP journal calls it before it refuses a message.
 * How many rows went (0: no history left), or -1 (store_last_error). */
int store_make_room(store *s);
/* Under a bound (store_set_max_size): the pages still free below it (the
 * unused ones and the free list); INT64_MAX without a bound. Read inside a
 * transaction, it counts the transaction's own pages. */
int64_t store_room_pages(store *s);
int64_t store_page_size(store *s);
/* Under a bound, the history (store_make_room) goes until at least `pages`
 * are free: 0, or -1 when there is no history left and still too few
 * (store_last_error). Room is made before a write, not after the write
 * failed: SQLite may answer a write that finds the database full
 * (SQLITE_FULL) by rolling back the whole transaction, a store batch (a
 * session's stop with its OCPP message) with it. Without a bound, 0. The
 * event log and the samples keep STORE_RESERVE_PAGES free. */
#define STORE_RESERVE_PAGES 4
int store_keep_room(store *s, int64_t pages);
/* Running out of room (the security event MemoryExhaustion): an event or a
 * sample the store refused for want of room (SQLITE_FULL, SQLITE_NOMEM) once
 * store_make_room had nothing left to remove. The first cause of the
 * episode, or NULL; store_exhaustion_reported clears it, the next refusal
 * marks it again. */
const char *store_exhausted(const store *s);
void store_exhaustion_reported(store *s);

/* ---- sessions ---- */
typedef struct {
  int64_t id;
  int connector;
  char uid[BORNE_UID_MAX + 1];   /* "" in free mode */
  char user[BORNE_NAME_MAX + 1]; /* "" when unknown */
  borne_ms start_ms;
  borne_ms stop_ms; /* 0 while open */
  double meter_start_wh;
  double meter_stop_wh; /* last known register while open */
  stop_reason reason;   /* STOP_NONE while open */
} session_row;

typedef struct {
  borne_ms since_ms; /* 0 = no bound; sessions that started at or after */
  borne_ms until_ms; /* 0 = no bound; sessions that started before */
  const char *uid;   /* NULL = any; else a part of the UID, case and separators ignored */
  const char *user;  /* NULL = any */
  int connector;     /* 0 = any */
  int limit;         /* 0 = no limit; newest first */
} session_filter;

typedef int (*session_cb)(void *ctx, const session_row *row); /* non-zero stops */

/* A module's table keyed by a session (its column `session_id`): its rows go
 * with the sessions the retention removes, in the same transaction. `delete_sql`
 * is a static text deleting the rows of sessions that are gone, e.g.
 * "DELETE FROM t WHERE session_id <= ?1 AND session_id NOT IN (SELECT id FROM
 * sessions)" (?1: the newest id the trim could remove). At most 4; -1 beyond. */
int store_session_companion(store *s, const char *delete_sql);
int store_session_begin(store *s, int connector, const char *uid, const char *user, borne_ms start,
                        double meter_start_wh, int64_t *id_out);
int store_session_progress(store *s, int64_t id, double meter_now_wh);
int store_session_end(store *s, int64_t id, borne_ms stop, double meter_stop_wh,
                      stop_reason reason);
int store_session_get(store *s, int64_t id, session_row *out); /* -1 if none */
/* Sessions with no stop (after a crash), oldest first. */
int store_sessions_open(store *s, session_cb cb, void *ctx);
int store_sessions_query(store *s, const session_filter *f, session_cb cb, void *ctx);
/* The sessions of exactly this id token (case ignored), oldest first. */
int store_sessions_of_uid(store *s, const char *uid, session_cb cb, void *ctx);
/* Forgets the id token (and its user) in the finished sessions that carry it
 * (OCPP 2.0.1 N10, clear customer information); a running one keeps it until
 * it ends. *count gets how many were changed. */
int store_sessions_forget_uid(store *s, const char *uid, int *count);

/* ---- event log ---- */
typedef struct {
  int64_t id; /* strictly increasing */
  borne_ms at;
  int connector;    /* 0 = station */
  char kind[32];    /* "status", "error", "session_start", ... */
  char detail[256]; /* short text or compact JSON */
  char reason[48];  /* why, as a word a program can test ("badge_disabled"), or "" */
} event_row;
typedef int (*event_cb)(void *ctx, const event_row *row);

int store_event_add(store *s, borne_ms at, int connector, const char *kind, const char *detail,
                    int64_t *id_out);
/* The same for a row nobody outside the station must see (a status change,
 * a badge tap, a self-test result: issue 15), committed without its own
 * fsync (synchronous=NORMAL for that commit only). It survives kill -9 at
 * once; a power cut before the next synced commit loses it whole or keeps
 * it whole, and never keeps it without every commit made before it: the
 * next store write that is synced (every other store_* write, a batch)
 * makes it durable too, in order. Never for what a back end must get
 * (sessions, samples, the OCPP journal, OCMF, security events). Inside a
 * batch it is part of the batch (durable with its commit). */
int store_event_add_unsynced(store *s, borne_ms at, int connector, const char *kind,
                             const char *detail, int64_t *id_out);
/* Either of the two with a reason (event_row.reason; "" for none): synced
 * as store_event_add, or not as store_event_add_unsynced. */
int store_event_add_reason(store *s, borne_ms at, int connector, const char *kind,
                           const char *detail, const char *reason, bool synced, int64_t *id_out);
/* Events with id > after_id, oldest first, at most `limit` (0 = 1000). */
int store_events_query(store *s, int64_t after_id, int limit, event_cb cb, void *ctx);
int64_t store_events_last_id(store *s);
/* Events whose kind is one of kinds[0..nkinds), newest first, with id <
 * before_id (0: from the newest), at most `limit`, among the newest
 * `window` events (0: all; bounds the scan, there is no index on kind). */
int store_events_of_kinds(store *s, const char *const *kinds, int nkinds, int64_t before_id,
                          int limit, int64_t window, event_cb cb, void *ctx);

/* ---- meter samples ---- */
int store_meter_sample(store *s, int connector, const meter_reading *r);
/* Newest durable sample of a connector's meter, by insertion order (not by
 * time); -1 if none was ever stored. Retention never removes it. */
int store_meter_last(store *s, int connector, meter_reading *out);
/* The charts' history: a connector's samples with since <= at < until cut
 * into `buckets` equal slices (the last may end after until), oldest first;
 * a slice without a sample is left out. cb returning non-zero stops early. */
typedef struct {
  borne_ms at;      /* start of the slice */
  borne_ms step;    /* its length */
  double power_w;   /* mean total active power of its samples */
  double energy_wh; /* highest import register in it */
  int count;        /* samples in it */
} sample_bucket;
typedef int (*sample_bucket_cb)(void *ctx, const sample_bucket *b);
int store_samples_buckets(store *s, int connector, borne_ms since, borne_ms until, int buckets,
                          sample_bucket_cb cb, void *ctx);

/* ---- users and badges ---- */
/* Badge UIDs are stored as upper-case hex without separators: "04:a1:b2"
 * and "04A1B2" are the same badge. Returns -1 with a reason in err when the
 * text is not a UID (non-hex, empty, longer than BORNE_UID_MAX). */
int store_uid_normalize(const char *in, char *out, size_t outlen, char *err, size_t errlen);

typedef struct {
  int64_t id;
  char name[BORNE_NAME_MAX + 1];
  bool enabled;
} user_row;
typedef struct {
  char uid[BORNE_UID_MAX + 1];   /* upper-case hex, unique */
  int64_t user_id;               /* 0 = no user */
  char user[BORNE_NAME_MAX + 1]; /* joined user name, "" if none */
  bool enabled;
  borne_ms created_ms;
} badge_row;
typedef int (*user_cb)(void *ctx, const user_row *row);
typedef int (*badge_cb)(void *ctx, const badge_row *row);

int store_user_create(store *s, const char *name, bool enabled, int64_t *id_out);
int store_user_update(store *s, int64_t id, const char *name, bool enabled);
int store_user_delete(store *s, int64_t id); /* its badges keep existing, unassigned */
int store_user_get(store *s, int64_t id, user_row *out);
int store_user_find(store *s, const char *name, user_row *out);
int store_users_list(store *s, user_cb cb, void *ctx);
int store_badge_add(store *s, const char *uid, int64_t user_id, bool enabled, borne_ms now);
int store_badge_update(store *s, const char *uid, int64_t user_id, bool enabled);
int store_badge_remove(store *s, const char *uid);
int store_badge_get(store *s, const char *uid, badge_row *out); /* -1 if unknown */
int store_badges_list(store *s, badge_cb cb, void *ctx);

/* ---- which connectors a user may use (store_access.c, module "access") ----
 * `allowed`: bit c-1 for connector c; 0 = every connector (no restriction). */
int store_access_open(store *s); /* creates or migrates its table */
int store_user_connectors_get(store *s, int64_t user_id, unsigned *allowed);
int store_user_connectors_set(store *s, int64_t user_id, unsigned allowed);

/* ---- run-time settings (configuration keys changed through the API) ---- */
typedef int (*setting_cb)(void *ctx, const char *key, const char *value);
int store_setting_put(store *s, const char *key, const char *value);
int store_setting_delete(store *s, const char *key);
int store_settings_each(store *s, setting_cb cb, void *ctx);

/* ---- self-test results ---- */
int store_selftest_record(store *s, borne_ms at, int connector, const char *check, bool ok,
                          const char *detail);
/* Several checks of one connector in one transaction: all rows or none,
 * committed without a sync of its own (issue 15, like the log-only events:
 * the next synced commit makes them durable, in order). */
typedef struct {
  const char *check;
  bool ok;
  const char *detail;
} store_selftest_check;
int store_selftest_record_all(store *s, borne_ms at, int connector, const store_selftest_check *c,
                              size_t n);
typedef struct {
  borne_ms at;
  int connector;
  char check[16];
  bool ok;
  char detail[200];
} selftest_row;
typedef int (*store_selftest_cb)(void *ctx, const selftest_row *row);
/* The latest result of every (connector, check), by connector then check. */
int store_selftest_latest(store *s, store_selftest_cb cb, void *ctx);

#endif
