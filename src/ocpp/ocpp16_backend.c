/*
 * OCPP 1.6 charge point state on SQLite (see ocpp16_backend.h). The tables
 * belong to the module "ocpp16" (store_module_migrate); the store opens the
 * database with synchronous=FULL, so each statement outside an explicit
 * transaction is a durable commit.
 */
#include "ocpp/ocpp16_backend.h"

#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"
#include "util/timefmt.h"

#define MOD "ocpp"
#define NEVER INT64_MAX
#define AUTH_CACHE_MAX 1000 /* oldest entries go first */
/* Queued security events that are not critical (a flood of failed logins
 * while the link is down): the newest 100 are kept. Transaction messages and
 * critical security events are never dropped (OCPP 1.6 security whitepaper
 * A04: critical events have guaranteed delivery; docs/storage.md). */
#define SECURITY_QUEUE_MAX 100
#define CRITICAL_SECURITY_EVENTS                                                                   \
  "'FirmwareUpdated', 'SettingSystemTime', 'StartupOfTheDevice', 'ResetOrReboot',"                 \
  " 'SecurityLogWasCleared', 'MemoryExhaustion', 'TamperDetectionActivated'"

static const char *const schema[] = {
    /* 1 */
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
};

struct ocpp16_backend {
  store *st;
  sqlite3 *db;
  const config *cfg;
  int connectors;
  char error[256];
};

/* ---------- statements ---------- */

/* Prepares `sql` and binds the arguments described by `types`: i = int64,
 * s = text (NULL binds NULL). */
static sqlite3_stmt *prep(ocpp16_backend *be, const char *sql, const char *types, ...) {
  sqlite3_stmt *s = NULL;
  if (sqlite3_prepare_v2(be->db, sql, -1, &s, NULL) != SQLITE_OK) {
    snprintf(be->error, sizeof be->error, "%s", sqlite3_errmsg(be->db));
    log_error(MOD, "SQL error: %s (%s)", be->error, sql);
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

/* Runs a statement to completion; 0 on success. */
static int run(ocpp16_backend *be, sqlite3_stmt *s) {
  if (!s) return -1;
  int rc = sqlite3_step(s);
  while (rc == SQLITE_ROW) rc = sqlite3_step(s);
  if (rc != SQLITE_DONE) {
    snprintf(be->error, sizeof be->error, "%s", sqlite3_errmsg(be->db));
    log_error(MOD, "cannot write the OCPP state: %s", be->error);
  }
  sqlite3_finalize(s);
  return rc == SQLITE_DONE ? 0 : -1;
}

/* The first column of the first row as an integer, or `none`. */
static int64_t scalar(ocpp16_backend *be, sqlite3_stmt *s, int64_t none) {
  (void)be;
  if (!s) return none;
  int64_t v = none;
  if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL)
    v = sqlite3_column_int64(s, 0);
  sqlite3_finalize(s);
  return v;
}

static long key_int(const ocpp16_backend *be, const char *name) {
  char k[96];
  snprintf(k, sizeof k, "ocpp.%s", name);
  return config_get_int(be->cfg, k);
}

static bool key_bool(const ocpp16_backend *be, const char *name) {
  char k[96];
  snprintf(k, sizeof k, "ocpp.%s", name);
  return config_get_bool(be->cfg, k);
}

ocpp16_backend *ocpp16_backend_open(store *db, const config *cfg, int connectors, char *err,
                                    size_t errlen) {
  if (store_module_migrate(db, "ocpp16", schema, (int)(sizeof schema / sizeof schema[0])) != 0) {
    snprintf(err, errlen, "OCPP tables: %s", store_last_error(db));
    return NULL;
  }
  ocpp16_backend *be = calloc(1, sizeof *be);
  if (!be) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  be->st = db;
  be->db = store_sqlite(db);
  be->cfg = cfg;
  be->connectors = connectors;
  return be;
}

void ocpp16_backend_free(ocpp16_backend *be) { free(be); }

const char *ocpp16_backend_error(const ocpp16_backend *be) { return be->error; }

/* ---------- queue ---------- */

int ocpp16_backend_queue_push(ocpp16_backend *be, int64_t session_id, const char *action,
                              const json_t *payload, borne_ms now) {
  char *text = json_dumps(payload, JSON_COMPACT);
  if (!text) return -1;
  int rc = run(be, prep(be,
                        "INSERT INTO ocpp16_queue(session_id, action, payload, due_ms, created_ms)"
                        " VALUES(?, ?, ?, ?, ?)",
                        "issii", session_id, action, text, (int64_t)now, (int64_t)now));
  free(text);
  if (rc == 0 && strcmp(action, "SecurityEventNotification") == 0)
    rc = run(be, prep(be,
                      "DELETE FROM ocpp16_queue WHERE id IN (SELECT id FROM ocpp16_queue"
                      " WHERE action = 'SecurityEventNotification' AND"
                      " json_extract(payload, '$.type') NOT IN (" CRITICAL_SECURITY_EVENTS ")"
                      " ORDER BY id DESC LIMIT -1 OFFSET ?)",
                      "i", (int64_t)SECURITY_QUEUE_MAX));
  return rc;
}

int ocpp16_backend_queue_peek(ocpp16_backend *be, borne_ms now, ocpp16_queued *out) {
  sqlite3_stmt *s = prep(be,
                         "SELECT id, session_id, action, payload, due_ms, attempts"
                         " FROM ocpp16_queue ORDER BY id LIMIT 1",
                         NULL);
  if (!s) return -1;
  int rc = -1;
  if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_int64(s, 4) <= now) {
    json_error_t jerr;
    json_t *p = json_loads((const char *)sqlite3_column_text(s, 3), 0, &jerr);
    out->id = sqlite3_column_int64(s, 0);
    out->session_id = sqlite3_column_int64(s, 1);
    snprintf(out->action, sizeof out->action, "%s", (const char *)sqlite3_column_text(s, 2));
    out->attempts = sqlite3_column_int(s, 5);
    out->payload = p;
    if (p) {
      rc = 0;
    } else { /* cannot happen unless the file was edited: do not block the queue */
      log_error(MOD, "dropping queued %s %lld: unreadable payload", out->action,
                (long long)out->id);
      sqlite3_finalize(s);
      ocpp16_backend_queue_sent(be, out->id);
      return ocpp16_backend_queue_peek(be, now, out);
    }
  }
  sqlite3_finalize(s);
  return rc;
}

void ocpp16_backend_queue_sent(ocpp16_backend *be, int64_t id) {
  run(be, prep(be, "DELETE FROM ocpp16_queue WHERE id = ?", "i", id));
}

void ocpp16_backend_queue_sent_start(ocpp16_backend *be, int64_t id, int64_t session_id, int tx) {
  sqlite3_exec(be->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
  int rc = run(be, prep(be, "DELETE FROM ocpp16_queue WHERE id = ?", "i", id));
  if (!rc)
    rc = run(be, prep(be, "INSERT OR REPLACE INTO ocpp16_tx(session_id, tx_id) VALUES(?, ?)", "ii",
                      session_id, (int64_t)tx));
  if (!rc)
    rc = run(be, prep(be,
                      "UPDATE ocpp16_queue SET payload = json_set(payload, '$.transactionId', ?)"
                      " WHERE session_id = ? AND action IN ('MeterValues', 'StopTransaction')",
                      "ii", (int64_t)tx, session_id));
  /* keep the map small: sessions whose messages are all delivered are done */
  if (!rc)
    rc = run(be, prep(be,
                      "DELETE FROM ocpp16_tx WHERE session_id NOT IN"
                      " (SELECT session_id FROM ocpp16_queue) AND session_id < ?",
                      "i", session_id - 1000));
  sqlite3_exec(be->db, rc ? "ROLLBACK" : "COMMIT", NULL, NULL, NULL);
}

int ocpp16_backend_queue_failed(ocpp16_backend *be, int64_t id, bool answered, borne_ms now) {
  int64_t attempts =
      scalar(be, prep(be, "SELECT attempts FROM ocpp16_queue WHERE id = ?", "i", id), -1);
  if (attempts < 0) return 0;
  attempts++;
  long max = key_int(be, "TransactionMessageAttempts");
  long interval = key_int(be, "TransactionMessageRetryInterval");
  if (answered && attempts >= (max > 0 ? max : 1)) {
    ocpp16_backend_queue_sent(be, id);
    return 1;
  }
  /* a message the back end never saw is retried at the same pace, capped */
  int64_t wait = (int64_t)(interval > 0 ? interval : 1) * 1000 * (answered ? attempts : 1);
  run(be, prep(be, "UPDATE ocpp16_queue SET attempts = ?, due_ms = ? WHERE id = ?", "iii",
               answered ? attempts : attempts - 1, (int64_t)(now + wait), id));
  return 0;
}

borne_ms ocpp16_backend_queue_next_due(ocpp16_backend *be) {
  return scalar(be, prep(be, "SELECT due_ms FROM ocpp16_queue ORDER BY id LIMIT 1", NULL), NEVER);
}

int ocpp16_backend_queue_tx_id(ocpp16_backend *be, int64_t session_id) {
  return (int)scalar(
      be, prep(be, "SELECT tx_id FROM ocpp16_tx WHERE session_id = ?", "i", session_id), 0);
}

int64_t ocpp16_backend_queue_length(ocpp16_backend *be) {
  return scalar(be, prep(be, "SELECT count(*) FROM ocpp16_queue", NULL), 0);
}

/* ---------- authorization ---------- */

typedef struct {
  bool found;
  char status[24];
  borne_ms expiry; /* 0 = none */
  char parent[21];
} auth_entry;

static auth_entry lookup(ocpp16_backend *be, const char *table, const char *tag) {
  auth_entry e = {0};
  char sql[128];
  snprintf(sql, sizeof sql, "SELECT status, expiry_ms, parent FROM %s WHERE tag = ?", table);
  sqlite3_stmt *s = prep(be, sql, "s", tag);
  if (s && sqlite3_step(s) == SQLITE_ROW) {
    e.found = true;
    snprintf(e.status, sizeof e.status, "%s", (const char *)sqlite3_column_text(s, 0));
    e.expiry = sqlite3_column_int64(s, 1);
    const unsigned char *p = sqlite3_column_text(s, 2);
    snprintf(e.parent, sizeof e.parent, "%s", p ? (const char *)p : "");
  }
  sqlite3_finalize(s);
  return e;
}

/* Accepted and not expired. */
static bool valid(const auth_entry *e, borne_ms now) {
  return e->found && strcmp(e->status, "Accepted") == 0 && (e->expiry == 0 || e->expiry > now);
}

/* An idTagInfo's expiryDate (NULL when absent); 0: none. */
static borne_ms expiry_at(const char *text) {
  int64_t t = 0;
  return text && timefmt_parse(text, &t) == 0 ? t : 0;
}

void ocpp16_backend_auth_update(ocpp16_backend *be, const char *tag, const json_t *id_tag_info,
                                borne_ms now) {
  const char *status = json_string_value(json_object_get(id_tag_info, "status"));
  if (!tag || !tag[0] || !status || !key_bool(be, "AuthorizationCacheEnabled")) return;
  /* a tag of the local list is governed by the list, not the cache (1.6 3.5.3) */
  if (lookup(be, "ocpp16_local_list", tag).found) return;
  borne_ms expiry = expiry_at(json_string_value(json_object_get(id_tag_info, "expiryDate")));
  const char *parent = json_string_value(json_object_get(id_tag_info, "parentIdTag"));
  run(be,
      prep(be,
           "INSERT OR REPLACE INTO ocpp16_auth_cache(tag, status, expiry_ms, parent, updated_ms)"
           " VALUES(?, ?, ?, ?, ?)",
           "ssisi", tag, status, (int64_t)expiry, parent, (int64_t)now));
  run(be, prep(be,
               "DELETE FROM ocpp16_auth_cache WHERE tag NOT IN"
               " (SELECT tag FROM ocpp16_auth_cache ORDER BY updated_ms DESC LIMIT ?)",
               "i", (int64_t)AUTH_CACHE_MAX));
}

ocpp16_auth_verdict ocpp16_backend_auth_local(ocpp16_backend *be, const char *tag, borne_ms now,
                                              char parent[21]) {
  if (!key_bool(be, "LocalPreAuthorize")) return OCPP16_AUTH_UNKNOWN;
  if (key_bool(be, "LocalAuthListEnabled")) {
    auth_entry e = lookup(be, "ocpp16_local_list", tag);
    if (valid(&e, now)) {
      snprintf(parent, 21, "%s", e.parent);
      return OCPP16_AUTH_ACCEPT;
    }
    if (e.found) return OCPP16_AUTH_UNKNOWN; /* not valid locally: the back end decides */
  }
  if (key_bool(be, "AuthorizationCacheEnabled")) {
    auth_entry e = lookup(be, "ocpp16_auth_cache", tag);
    if (valid(&e, now)) {
      snprintf(parent, 21, "%s", e.parent);
      return OCPP16_AUTH_ACCEPT;
    }
  }
  return OCPP16_AUTH_UNKNOWN;
}

ocpp16_auth_verdict ocpp16_backend_auth_offline(ocpp16_backend *be, const char *tag, borne_ms now,
                                                char parent[21]) {
  if (key_bool(be, "LocalAuthorizeOffline")) {
    const char *tables[2] = {key_bool(be, "LocalAuthListEnabled") ? "ocpp16_local_list" : NULL,
                             key_bool(be, "AuthorizationCacheEnabled") ? "ocpp16_auth_cache"
                                                                       : NULL};
    for (int i = 0; i < 2; i++) {
      if (!tables[i]) continue;
      auth_entry e = lookup(be, tables[i], tag);
      if (!e.found) continue;
      if (!valid(&e, now)) return OCPP16_AUTH_REFUSE; /* known and not valid */
      snprintf(parent, 21, "%s", e.parent);
      return OCPP16_AUTH_ACCEPT;
    }
  }
  if (key_bool(be, "AllowOfflineTxForUnknownId")) {
    /* 1.6 3.5.4: only "unknown" ids; a tag of the local list that is not
     * Accepted (or has expired) MUST be rejected, LocalAuthorizeOffline or not */
    if (key_bool(be, "LocalAuthListEnabled")) {
      auth_entry e = lookup(be, "ocpp16_local_list", tag);
      if (e.found && !valid(&e, now)) return OCPP16_AUTH_REFUSE;
    }
    return OCPP16_AUTH_ACCEPT;
  }
  return OCPP16_AUTH_UNKNOWN;
}

int ocpp16_backend_auth_clear_cache(ocpp16_backend *be) {
  return run(be, prep(be, "DELETE FROM ocpp16_auth_cache", NULL));
}

static int meta_get(ocpp16_backend *be, const char *key, int none) {
  return (int)scalar(be, prep(be, "SELECT value FROM ocpp16_meta WHERE key = ?", "s", key), none);
}

int ocpp16_backend_local_list_version(ocpp16_backend *be) {
  if (!key_bool(be, "LocalAuthListEnabled")) return -1;
  return meta_get(be, "local_list_version", 0);
}

int ocpp16_backend_local_list_length(ocpp16_backend *be) {
  return (int)scalar(be, prep(be, "SELECT count(*) FROM ocpp16_local_list", NULL), 0);
}

const char *ocpp16_backend_local_list_update(ocpp16_backend *be,
                                             const ocpp16_SendLocalListRequest *req) {
  if (!key_bool(be, "LocalAuthListEnabled")) return "NotSupported";
  int version = (int)req->listVersion;
  bool full = req->updateType == ocpp16_SendLocalListRequest_updateType_Full;
  size_t count = req->localAuthorizationList_count; /* 0 when absent */
  if (count > (size_t)key_int(be, "SendLocalListMaxLength")) return "Failed";
  if (!full && version <= meta_get(be, "local_list_version", 0)) return "VersionMismatch";
  if (sqlite3_exec(be->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) return "Failed";
  int rc = full ? run(be, prep(be, "DELETE FROM ocpp16_local_list", NULL)) : 0;
  for (size_t i = 0; i < count && !rc; i++) {
    const ocpp16_SendLocalListRequest_localAuthorizationList *item =
        &req->localAuthorizationList[i];
    const char *tag = item->idTag;
    if (!item->has_idTagInfo) { /* differential: an entry without idTagInfo is removed */
      rc = run(be, prep(be, "DELETE FROM ocpp16_local_list WHERE tag = ?", "s", tag));
      continue;
    }
    const ocpp16_SendLocalListRequest_localAuthorizationList_idTagInfo *info = &item->idTagInfo;
    rc = run(be, prep(be,
                      "INSERT OR REPLACE INTO ocpp16_local_list(tag, status, expiry_ms, parent)"
                      " VALUES(?, ?, ?, ?)",
                      "ssis", tag,
                      ocpp16_SendLocalListRequest_localAuthorizationList_idTagInfo_status_e_name(
                          info->status),
                      (int64_t)expiry_at(info->has_expiryDate ? info->expiryDate : NULL),
                      info->has_parentIdTag ? info->parentIdTag : NULL));
    /* the list governs its tags: no stale cache entry may contradict it */
    if (!rc) rc = run(be, prep(be, "DELETE FROM ocpp16_auth_cache WHERE tag = ?", "s", tag));
  }
  if (!rc && ocpp16_backend_local_list_length(be) > key_int(be, "LocalAuthListMaxLength")) rc = -1;
  if (!rc)
    rc = run(be, prep(be, "INSERT OR REPLACE INTO ocpp16_meta(key, value) VALUES(?, ?)", "si",
                      "local_list_version", (int64_t)version));
  sqlite3_exec(be->db, rc ? "ROLLBACK" : "COMMIT", NULL, NULL, NULL);
  return rc ? "Failed" : "Accepted";
}

/* ---------- reservations ---------- */

const char *ocpp16_backend_reservation_add(ocpp16_backend *be, int connector, int id,
                                           const char *tag, const char *parent, borne_ms expiry) {
  /* the same id replaces its reservation (1.6 5.13); another id on the same
   * connector is Occupied */
  int64_t other =
      scalar(be,
             prep(be, "SELECT id FROM ocpp16_reservation WHERE connector = ? AND id <> ?", "ii",
                  (int64_t)connector, (int64_t)id),
             0);
  if (other) return "Occupied";
  if (run(be,
          prep(be,
               "INSERT OR REPLACE INTO ocpp16_reservation(id, connector, tag, parent, expiry_ms)"
               " VALUES(?, ?, ?, ?, ?)",
               "iissi", (int64_t)id, (int64_t)connector, tag, parent, (int64_t)expiry)) != 0)
    return "Rejected";
  return "Accepted";
}

int ocpp16_backend_reservation_cancel(ocpp16_backend *be, int id) {
  int c = (int)scalar(
      be, prep(be, "SELECT connector FROM ocpp16_reservation WHERE id = ?", "i", (int64_t)id), -1);
  if (c >= 0) run(be, prep(be, "DELETE FROM ocpp16_reservation WHERE id = ?", "i", (int64_t)id));
  return c;
}

int ocpp16_backend_reservation_expired(ocpp16_backend *be, int connector, borne_ms now) {
  int id = (int)scalar(
      be,
      prep(be, "SELECT id FROM ocpp16_reservation WHERE connector = ? AND expiry_ms <= ?", "ii",
           (int64_t)connector, (int64_t)now),
      0);
  if (id) run(be, prep(be, "DELETE FROM ocpp16_reservation WHERE id = ?", "i", (int64_t)id));
  return id;
}

borne_ms ocpp16_backend_reservation_next_expiry(ocpp16_backend *be) {
  return scalar(be, prep(be, "SELECT min(expiry_ms) FROM ocpp16_reservation", NULL), NEVER);
}

int ocpp16_backend_reservation_use(ocpp16_backend *be, int connector, const char *tag,
                                   const char *parent) {
  int id = (int)scalar(be,
                       prep(be,
                            "SELECT id FROM ocpp16_reservation WHERE connector IN (?, 0)"
                            " AND (tag = ? COLLATE NOCASE OR (parent IS NOT NULL AND parent <> ''"
                            " AND parent = ? COLLATE NOCASE)) ORDER BY connector DESC LIMIT 1",
                            "iss", (int64_t)connector, tag, parent ? parent : ""),
                       0);
  if (id) run(be, prep(be, "DELETE FROM ocpp16_reservation WHERE id = ?", "i", (int64_t)id));
  return id;
}

int ocpp16_backend_reservations(ocpp16_backend *be, ocpp16_reservation *out, int max) {
  sqlite3_stmt *s = prep(be,
                         "SELECT id, connector, tag, parent, expiry_ms FROM ocpp16_reservation"
                         " ORDER BY id",
                         NULL);
  int n = 0;
  while (s && n < max && sqlite3_step(s) == SQLITE_ROW) {
    ocpp16_reservation *r = &out[n++];
    r->id = sqlite3_column_int(s, 0);
    r->connector = sqlite3_column_int(s, 1);
    snprintf(r->tag, sizeof r->tag, "%s", (const char *)sqlite3_column_text(s, 2));
    const unsigned char *p = sqlite3_column_text(s, 3);
    snprintf(r->parent, sizeof r->parent, "%s", p ? (const char *)p : "");
    r->expiry = sqlite3_column_int64(s, 4);
  }
  sqlite3_finalize(s);
  return n;
}

/* ---------- availability ---------- */

void ocpp16_backend_availability_save(ocpp16_backend *be, int connector, bool operative) {
  run(be, prep(be, "INSERT OR REPLACE INTO ocpp16_availability(connector, operative) VALUES(?, ?)",
               "ii", (int64_t)connector, (int64_t)operative));
}

bool ocpp16_backend_availability(ocpp16_backend *be, int connector) {
  return scalar(be,
                prep(be, "SELECT operative FROM ocpp16_availability WHERE connector = ?", "i",
                     (int64_t)connector),
                1) != 0;
}
