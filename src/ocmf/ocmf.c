/* Signed meter data of a station: key, pagination, records (see ocmf.h). */
#include "ocmf/ocmf.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/errbuf.h"

struct ocmf {
  store *db;
  ocmf_key *key; /* NULL until ocmf_key_ensure when deferred */
  char *key_path;
  bool create_key;
  ocmf_source src;
  int64_t max_rows;
};

/* The module's numbered schema steps (store_module_migrate). */
static const char *const migrations[] = {
    "CREATE TABLE ocmf_pagination(context TEXT PRIMARY KEY, last INTEGER NOT NULL);"
    "INSERT INTO ocmf_pagination(context, last) VALUES('T', 0);"
    "CREATE TABLE ocmf_records(id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " session_id INTEGER NOT NULL, connector INTEGER NOT NULL, kind TEXT NOT NULL,"
    " pagination INTEGER NOT NULL, at_ms INTEGER NOT NULL, record TEXT NOT NULL);"
    "CREATE INDEX ocmf_records_session ON ocmf_records(session_id, id);",
    /* who asked for the record: '' the session's begin / end or the API, 'ocpp'
     * a transaction's periodic or clock-aligned OCPP reading (issue 16) */
    "ALTER TABLE ocmf_records ADD COLUMN origin TEXT NOT NULL DEFAULT '';",
};

static int db_fail(ocmf *o, const char *what, char *err, size_t errlen) {
  return errbuf_fail(err, errlen, "OCMF %s: %s", what, sqlite3_errmsg(store_sqlite(o->db)));
}

static int sign_with_station_key(void *ctx, const ocmf_payload *p, char *out, size_t outlen,
                                 char *err, size_t errlen) {
  ocmf *o = ctx;
  if (ocmf_key_ensure(o, err, errlen) != 0) return -1;
  return ocmf_record_sign(p, o->key, out, outlen, err, errlen);
}

int ocmf_key_ensure(ocmf *o, char *err, size_t errlen) {
  if (o->key) return 0;
  return ocmf_key_load(&o->key, o->key_path, o->create_key, err, errlen);
}

int ocmf_schema(store *db, char *err, size_t errlen) {
  if (store_module_migrate(db, "ocmf", migrations,
                           (int)(sizeof migrations / sizeof migrations[0])) == 0)
    return 0;
  snprintf(err, errlen, "OCMF tables: %s", store_last_error(db));
  return -1;
}

int ocmf_open(ocmf **out, store *db, const ocmf_options *opt, char *err, size_t errlen) {
  *out = NULL;
  ocmf *o = calloc(1, sizeof *o);
  if (!o) {
    snprintf(err, errlen, "OCMF: out of memory");
    return -1;
  }
  o->db = db;
  o->max_rows = OCMF_RECORD_MAX_ROWS;
  o->create_key = opt->create_key;
  if (!(o->key_path = strdup(opt->key_path))) {
    snprintf(err, errlen, "OCMF: out of memory");
    free(o);
    return -1;
  }
  if (ocmf_schema(db, err, errlen) != 0) {
    free(o->key_path);
    free(o);
    return -1;
  }
  if (!opt->defer_key && ocmf_key_ensure(o, err, errlen) != 0) {
    free(o->key_path);
    free(o);
    return -1;
  }
  ocmf_set_source(o, NULL);
  *out = o;
  return 0;
}

void ocmf_set_record_budget(ocmf *o, int64_t max_rows) { o->max_rows = max_rows; }

void ocmf_close(ocmf *o) {
  if (!o) return;
  ocmf_key_free(o->key);
  free(o->key_path);
  free(o);
}

const ocmf_key *ocmf_signing_key(const ocmf *o) { return o->key; }

void ocmf_set_source(ocmf *o, const ocmf_source *src) {
  if (src)
    o->src = *src;
  else
    o->src = (ocmf_source){"station-key", o, sign_with_station_key};
}

const char *ocmf_source_name(const ocmf *o) { return o->src.name; }

int ocmf_reserve_pagination(ocmf *o, uint64_t *out, char *err, size_t errlen) {
  sqlite3_stmt *st = NULL;
  /* One statement in autocommit mode: committed (and fsync'd, synchronous=FULL)
   * before sqlite3_step returns the new value. */
  if (!(st = store_stmt(o->db, "UPDATE ocmf_pagination SET last = last + 1 WHERE context = 'T' "
                               "RETURNING last")))
    return db_fail(o, "pagination", err, errlen);
  int rc = sqlite3_step(st);
  int64_t v = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
  if (rc == SQLITE_ROW) rc = sqlite3_step(st);
  if (rc != SQLITE_DONE || v <= 0) {
    db_fail(o, "pagination", err, errlen);
    store_stmt_release(o->db, st);
    return -1;
  }
  store_stmt_release(o->db, st);
  *out = (uint64_t)v;
  return 0;
}

int ocmf_last_pagination(ocmf *o, uint64_t *out) {
  sqlite3_stmt *st = NULL;
  if (!(st = store_stmt(o->db, "SELECT last FROM ocmf_pagination WHERE context = 'T'"))) return -1;
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) *out = (uint64_t)sqlite3_column_int64(st, 0);
  store_stmt_release(o->db, st);
  return rc == SQLITE_ROW ? 0 : -1;
}

/* The reservation, the record and the trim of a station-key record are one
 * durable commit (a store batch; issue 15: one fsync per record instead of
 * two). Nothing of it leaves the station before that commit returned, so a
 * crash before it loses a number no record carries anywhere. When the key
 * fails to sign, the reservation is committed alone (a number once handed
 * to a signer is never reused). Another source (a meter that signs, and may
 * keep what it signed) gets its number durably before it is asked, as
 * before; so does any record emitted inside a caller's batch. */
static int emit_in(ocmf *o, ocmf_payload *p, int64_t session_id, int connector, char kind,
                   int64_t at_ms, const char *origin, char *rec, int *len, char *err,
                   size_t errlen) {
  uint64_t pg;
  if (ocmf_reserve_pagination(o, &pg, err, errlen) != 0) return -1;
  p->pagination = pg;
  int n = o->src.sign(o->src.ctx, p, rec, OCMF_RECORD_MAX, err, errlen);
  if (n < 0) return -1;
  sqlite3_stmt *st = NULL;
  if (!(st = store_stmt(o->db,
                        "INSERT INTO ocmf_records(session_id, connector, kind, pagination, at_ms,"
                        " record, origin) VALUES(?, ?, ?, ?, ?, ?, ?)")))
    return db_fail(o, "records", err, errlen);
  char k[2] = {kind, '\0'};
  sqlite3_bind_int64(st, 1, session_id);
  sqlite3_bind_int(st, 2, connector);
  sqlite3_bind_text(st, 3, k, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 4, (sqlite3_int64)pg);
  sqlite3_bind_int64(st, 5, at_ms);
  sqlite3_bind_text(st, 6, rec, n, SQLITE_STATIC);
  sqlite3_bind_text(st, 7, origin ? origin : "", -1, SQLITE_STATIC);
  int rc = sqlite3_step(st);
  store_stmt_release(o->db, st);
  if (rc != SQLITE_DONE) return db_fail(o, "records", err, errlen);
  /* Retention: ids are AUTOINCREMENT, so the newest N are id > id - N (an
   * index range from its low end, like the store's own trims). */
  int64_t id = sqlite3_last_insert_rowid(store_sqlite(o->db));
  if (o->max_rows > 0 && id > o->max_rows) {
    if (!(st = store_stmt(o->db, "DELETE FROM ocmf_records WHERE id <= ?")))
      return db_fail(o, "records", err, errlen);
    sqlite3_bind_int64(st, 1, id - o->max_rows);
    rc = sqlite3_step(st);
    store_stmt_release(o->db, st);
    if (rc != SQLITE_DONE) return db_fail(o, "records", err, errlen);
  }
  *len = n;
  return 0;
}

int ocmf_emit(ocmf *o, ocmf_payload *p, int64_t session_id, int connector, char kind, int64_t at_ms,
              char *out, size_t outlen, char *err, size_t errlen) {
  return ocmf_emit_origin(o, p, session_id, connector, kind, at_ms, NULL, out, outlen, err, errlen);
}

int ocmf_emit_origin(ocmf *o, ocmf_payload *p, int64_t session_id, int connector, char kind,
                     int64_t at_ms, const char *origin, char *out, size_t outlen, char *err,
                     size_t errlen) {
  /* a station key that cannot be had uses no number */
  bool station_key = o->src.sign == sign_with_station_key;
  if (station_key && ocmf_key_ensure(o, err, errlen) != 0) return -1;
  bool batch = station_key && store_batch_begin(o->db) == 0;
  char rec[OCMF_RECORD_MAX];
  int n = 0;
  int rc = emit_in(o, p, session_id, connector, kind, at_ms, origin, rec, &n, err, errlen);
  /* on a failure what succeeded (the reservation) is committed */
  if (batch && store_batch_end(o->db) != 0) {
    if (rc == 0) snprintf(err, errlen, "OCMF records: %s", store_last_error(o->db));
    return -1;
  }
  if (rc != 0) return -1;
  if (out && outlen) snprintf(out, outlen, "%.*s", n, rec);
  return 0;
}

int ocmf_session_records(ocmf *o, int64_t session_id, ocmf_record_cb cb, void *ctx) {
  sqlite3_stmt *st = NULL;
  if (!(st = store_stmt(o->db, "SELECT id, session_id, connector, kind, pagination, at_ms, record,"
                               " origin FROM ocmf_records WHERE session_id = ? ORDER BY id")))
    return -1;
  sqlite3_bind_int64(st, 1, session_id);
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    const char *kind = (const char *)sqlite3_column_text(st, 3);
    const char *text = (const char *)sqlite3_column_text(st, 6);
    ocmf_record_row row = {
        .id = sqlite3_column_int64(st, 0),
        .session_id = sqlite3_column_int64(st, 1),
        .connector = sqlite3_column_int(st, 2),
        .kind = kind && kind[0] ? kind[0] : '?',
        .pagination = (uint64_t)sqlite3_column_int64(st, 4),
        .at_ms = sqlite3_column_int64(st, 5),
        .record = text ? text : "",
        .origin = sqlite3_column_text(st, 7) ? (const char *)sqlite3_column_text(st, 7) : "",
    };
    if (cb(ctx, &row) != 0) {
      rc = SQLITE_DONE;
      break;
    }
  }
  store_stmt_release(o->db, st);
  return rc == SQLITE_DONE ? 0 : -1;
}
