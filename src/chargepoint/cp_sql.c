/*
 * The charge-point model's tables (see cp_sql.h): one numbered migration
 * list for the store module "ocpp16", and the statement helpers the parts of
 * the model share. The store opens the database with synchronous=FULL, so
 * each statement outside an explicit transaction is a durable commit.
 */
#include "chargepoint/cp_sql.h"

#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>

#include "util/log.h"

#define MOD "chargepoint"

static const char *const schema[] = {
    /* 1: the tables of the OCPP 1.6 back end, as every station has them */
    "CREATE TABLE ocpp16_queue(id INTEGER PRIMARY KEY AUTOINCREMENT, session_id INTEGER NOT NULL,"
    " action TEXT NOT NULL, payload TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,"
    " due_ms INTEGER NOT NULL, created_ms INTEGER NOT NULL);"
    "CREATE TABLE ocpp16_tx(session_id INTEGER PRIMARY KEY, tx_id INTEGER NOT NULL);"
    "CREATE TABLE ocpp16_auth_cache(tag TEXT PRIMARY KEY COLLATE NOCASE, status TEXT NOT NULL,"
    " expiry_ms INTEGER, parent TEXT, updated_ms INTEGER NOT NULL);"
    "CREATE TABLE ocpp16_local_list(tag TEXT PRIMARY KEY COLLATE NOCASE, status TEXT NOT NULL,"
    " expiry_ms INTEGER, parent TEXT);"
    "CREATE TABLE ocpp16_meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL);"
    "CREATE TABLE ocpp16_reservation(id INTEGER PRIMARY KEY, connector INTEGER NOT NULL,"
    " tag TEXT NOT NULL, parent TEXT, expiry_ms INTEGER NOT NULL);"
    "CREATE TABLE ocpp16_availability(connector INTEGER PRIMARY KEY, operative INTEGER NOT NULL);",
    /* 2: the queue's `action` holds the neutral kind of the event (journal.c)
     * instead of the OCPP 1.6 action; whether a security event is critical
     * (never dropped) is in the kind, no longer read from the payload. The
     * list is the Security whitepaper's critical events (A04). */
    "UPDATE ocpp16_queue SET action = CASE"
    " WHEN action = 'StartTransaction' THEN 'started'"
    " WHEN action = 'MeterValues' THEN 'updated'"
    " WHEN action = 'StopTransaction' THEN 'ended'"
    " WHEN action = 'SecurityEventNotification' AND json_extract(payload, '$.type') IN"
    " ('FirmwareUpdated', 'SettingSystemTime', 'StartupOfTheDevice', 'ResetOrReboot',"
    " 'SecurityLogWasCleared', 'MemoryExhaustion', 'TamperDetectionActivated')"
    " THEN 'security_critical'"
    " WHEN action = 'SecurityEventNotification' THEN 'security'"
    " ELSE action END;",
    /* 3: the next sequence number of each session's transaction events (OCPP 2.0.1
     * TransactionEvent seqNo: no gap across kill -9, journal.h cp_journal_next_seq) */
    "CREATE TABLE cp_tx_seq(session_id INTEGER PRIMARY KEY, next INTEGER NOT NULL);",
    /* 4: local reservations (issue 19, src/reservation) share the table with
     * negative ids and a start time; the back end's have ids > 0 and start 0 */
    "ALTER TABLE ocpp16_reservation ADD COLUMN start_ms INTEGER NOT NULL DEFAULT 0;",
    /* 5: when a cache entry last decided a badge (OCPP 2.0.1 AuthCacheCtrlr.LifeTime
     * counts from its last use; 0: never used since the back end's answer) */
    "ALTER TABLE ocpp16_auth_cache ADD COLUMN used_ms INTEGER NOT NULL DEFAULT 0;",
    /* 6: a reservation of any connector (connector 0) among some only: the
     * bits of the connectors it may take (OCPP 2.0.1 ReserveNow connectorType
     * without evseId: those of that type); 0, all of them */
    "ALTER TABLE ocpp16_reservation ADD COLUMN among INTEGER NOT NULL DEFAULT 0;",
    /* 7: messages set aside by the dialect spoken, which cannot say them, for
     * another that can (journal.h cp_journal_park: a 2.0.1 transaction's
     * Ended under 1.6), each with its queue row as it was (its id: its place) */
    "CREATE TABLE cp_parked(id INTEGER PRIMARY KEY, session_id INTEGER NOT NULL,"
    " action TEXT NOT NULL, payload TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,"
    " due_ms INTEGER NOT NULL, created_ms INTEGER NOT NULL);",
};

#define SCHEMA_STEPS ((int)(sizeof schema / sizeof schema[0]))

const char *const *cp_sql_schema(int *count) {
  *count = SCHEMA_STEPS;
  return schema;
}

int cp_sql_migrate(store *db, char *err, size_t errlen) {
  if (store_module_migrate(db, "ocpp16", schema, SCHEMA_STEPS) != 0) {
    snprintf(err, errlen, "charge-point tables: %s", store_last_error(db));
    return -1;
  }
  return 0;
}

sqlite3_stmt *cp_sql_prep(store *db, char *error, size_t errlen, const char *sql, const char *types,
                          ...) {
  /* prepared once per text and kept by the store (store_stmt): the model's
   * statements run on every OCPP message, parsing them each time cost more
   * than running them */
  sqlite3_stmt *s = store_stmt(db, sql);
  if (!s) {
    snprintf(error, errlen, "%s", store_last_error(db));
    log_error(MOD, "SQL error: %s (%s)", error, sql);
    return NULL;
  }
  va_list ap;
  va_start(ap, types);
  for (int i = 0; types && types[i]; i++) {
    if (types[i] == 'i') {
      sqlite3_bind_int64(s, i + 1, va_arg(ap, int64_t));
    } else {
      const char *v = va_arg(ap, const char *);
      if (v)
        sqlite3_bind_text(s, i + 1, v, -1, SQLITE_TRANSIENT);
      else
        sqlite3_bind_null(s, i + 1);
    }
  }
  va_end(ap);
  return s;
}

void cp_sql_done(store *db, sqlite3_stmt *s) { store_stmt_release(db, s); }

int cp_sql_run(store *db, char *error, size_t errlen, sqlite3_stmt *s) {
  if (!s) return -1;
  int rc = sqlite3_step(s);
  while (rc == SQLITE_ROW) rc = sqlite3_step(s);
  if (rc != SQLITE_DONE) {
    snprintf(error, errlen, "%s", sqlite3_errmsg(store_sqlite(db)));
    log_error(MOD, "cannot write the charge-point state: %s", error);
  }
  cp_sql_done(db, s);
  return rc == SQLITE_DONE ? 0 : -1;
}

int64_t cp_sql_scalar(store *db, sqlite3_stmt *s, int64_t none) {
  if (!s) return none;
  int64_t v = none;
  if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL)
    v = sqlite3_column_int64(s, 0);
  cp_sql_done(db, s);
  return v;
}

/* A savepoint rather than BEGIN IMMEDIATE: the same one commit on its own,
 * and a part of the caller's store batch inside one (store_batch_begin). */
static int exec_kept(store *db, const char *sql) {
  sqlite3_stmt *s = store_stmt(db, sql);
  if (!s) return -1;
  int rc = sqlite3_step(s);
  store_stmt_release(db, s);
  return rc == SQLITE_DONE ? 0 : -1;
}

int cp_sql_begin(store *db) { return exec_kept(db, "SAVEPOINT cp_write"); }

int cp_sql_end(store *db, int ok) {
  if (ok == 0 && exec_kept(db, "RELEASE cp_write") == 0) return 0;
  exec_kept(db, "ROLLBACK TO cp_write");
  exec_kept(db, "RELEASE cp_write");
  return ok != 0 ? ok : -1;
}
