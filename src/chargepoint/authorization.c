/*
 * Authorization on SQLite (see authorization.h): the cache is the table
 * ocpp16_auth_cache, the local list ocpp16_local_list and its version the
 * row "local_list_version" of ocpp16_meta (cp_sql.c). Tokens compare
 * case-insensitively (the tables' COLLATE NOCASE: OCPP 1.6 CiString20).
 */
#include "chargepoint/authorization.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "chargepoint/cp_sql.h"

struct cp_auth {
  store *st; /* the statements are the store's (cp_sql_prep) */
  char error[256];
};

/* The status as stored (the spelling the tables always had). */
static const char *const status_names[] = {
    [CP_TOKEN_ACCEPTED] = "Accepted",
    [CP_TOKEN_BLOCKED] = "Blocked",
    [CP_TOKEN_EXPIRED] = "Expired",
    [CP_TOKEN_INVALID] = "Invalid",
    [CP_TOKEN_CONCURRENT_TX] = "ConcurrentTx",
};
#define STATUSES ((int)(sizeof status_names / sizeof status_names[0]))

static const char *status_name(cp_token_status s) {
  return (int)s >= 0 && (int)s < STATUSES ? status_names[s] : "Invalid";
}

#define PREP(a, sql, ...) cp_sql_prep((a)->st, (a)->error, sizeof(a)->error, sql, __VA_ARGS__)
#define RUN(a, s) cp_sql_run((a)->st, (a)->error, sizeof(a)->error, s)

typedef enum { LIST, CACHE } table;

cp_auth *cp_auth_open(store *db, char *err, size_t errlen) {
  if (cp_sql_migrate(db, err, errlen) != 0) return NULL;
  cp_auth *a = calloc(1, sizeof *a);
  if (!a) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  a->st = db;
  return a;
}

void cp_auth_free(cp_auth *a) { free(a); }

const char *cp_auth_error(const cp_auth *a) { return a->error; }

typedef struct {
  bool found;
  bool accepted;
  borne_ms expiry; /* 0 = none */
  char group[CP_ID_MAX + 1];
} entry;

static entry lookup(cp_auth *a, table t, const char *token) {
  entry e = {0};
  sqlite3_stmt *s = PREP(a,
                         t == LIST ? "SELECT status, expiry_ms, parent FROM ocpp16_local_list"
                                     " WHERE tag = ?"
                                   : "SELECT status, expiry_ms, parent FROM ocpp16_auth_cache"
                                     " WHERE tag = ?",
                         "s", token ? token : "");
  if (s && sqlite3_step(s) == SQLITE_ROW) {
    const unsigned char *st = sqlite3_column_text(s, 0);
    e.found = true;
    e.accepted = st && strcmp((const char *)st, status_names[CP_TOKEN_ACCEPTED]) == 0;
    e.expiry = sqlite3_column_int64(s, 1);
    const unsigned char *g = sqlite3_column_text(s, 2);
    snprintf(e.group, sizeof e.group, "%s", g ? (const char *)g : "");
  }
  cp_sql_done(a->st, s);
  return e;
}

/* Accepted and not expired. */
static bool valid(const entry *e, borne_ms now) {
  return e->found && e->accepted && (e->expiry == 0 || e->expiry > now);
}

static cp_auth_verdict accept(const entry *e, char group[CP_ID_MAX + 1]) {
  snprintf(group, CP_ID_MAX + 1, "%s", e->group);
  return CP_AUTH_ACCEPT;
}

/* AuthCacheCtrlr.LifeTime: the entries neither answered nor used within the
 * lifetime are removed (before the cache is read). */
static void cache_age(cp_auth *a, const cp_auth_policy *p, borne_ms now) {
  if (!p->cache_enabled || p->cache_lifetime_ms <= 0) return;
  store_unsynced_begin(a->st); /* a copy of the back end's answers (issue 15) */
  (void)RUN(a, PREP(a, "DELETE FROM ocpp16_auth_cache WHERE max(updated_ms, used_ms) <= ?", "i",
                    (int64_t)(now - p->cache_lifetime_ms)));
  if (store_unsynced_end(a->st) != 0)
    snprintf(a->error, sizeof a->error, "%s", store_last_error(a->st));
}

/* A cache entry decided a badge: its lifetime starts again. Not synced on
 * its own (as the cache's answers, issue 15): a power cut that loses it
 * costs at most a question asked again. */
static void cache_used(cp_auth *a, const char *token, borne_ms now) {
  store_unsynced_begin(a->st);
  (void)RUN(a, PREP(a, "UPDATE ocpp16_auth_cache SET used_ms = ? WHERE tag = ?", "is", (int64_t)now,
                    token));
  if (store_unsynced_end(a->st) != 0)
    snprintf(a->error, sizeof a->error, "%s", store_last_error(a->st));
}

/* ---------- cache ---------- */

void cp_auth_remember(cp_auth *a, const cp_auth_policy *p, const char *token,
                      const cp_token_info *info, borne_ms now) {
  if (!token || !token[0] || !info || !p->cache_enabled) return;
  /* the answer and the trim of the least recently updated in one commit,
   * without a sync of its own (issue 15): the cache is a copy of answers the
   * back end keeps; a power cut that loses the newest ones costs at most a
   * question asked again (docs/chargepoint.md) */
  store_unsynced_begin(a->st);
  if (cp_sql_begin(a->st) != 0) {
    snprintf(a->error, sizeof a->error, "%s", sqlite3_errmsg(store_sqlite(a->st)));
    store_unsynced_end(a->st);
    return;
  }
  /* a token of the local list is governed by the list, not the cache: read
   * in the write's own transaction, not in a read transaction of its own
   * (its locks taken and dropped once less per answer, issue 15) */
  if (lookup(a, LIST, token).found) {
    cp_sql_end(a->st, 0);
    store_unsynced_end(a->st);
    return;
  }
  int rc = RUN(a, PREP(a,
                       "INSERT OR REPLACE INTO ocpp16_auth_cache(tag, status, expiry_ms, parent,"
                       " updated_ms) VALUES(?, ?, ?, ?, ?)",
                       "ssisi", token, status_name(info->status), (int64_t)info->expiry,
                       info->group[0] ? info->group : NULL, (int64_t)now));
  /* the trim sorts the whole cache into a temporary table: only when it is
   * over its size (the same rows are left either way) */
  if (rc == 0 && cp_sql_scalar(a->st, PREP(a, "SELECT count(*) FROM ocpp16_auth_cache", NULL), 0) >
                     CP_AUTH_CACHE_MAX)
    rc = RUN(a, PREP(a,
                     "DELETE FROM ocpp16_auth_cache WHERE tag NOT IN"
                     " (SELECT tag FROM ocpp16_auth_cache ORDER BY updated_ms DESC LIMIT ?)",
                     "i", (int64_t)CP_AUTH_CACHE_MAX));
  cp_sql_end(a->st, rc);
  if (store_unsynced_end(a->st) != 0)
    snprintf(a->error, sizeof a->error, "%s", store_last_error(a->st));
}

int cp_auth_clear_cache(cp_auth *a) {
  return RUN(a, PREP(a, "DELETE FROM ocpp16_auth_cache", NULL));
}

/* ---------- what is kept about one token (OCPP 2.0.1 N09/N10) ---------- */

bool cp_auth_entry(cp_auth *a, bool list, const char *token, cp_auth_kept *out) {
  memset(out, 0, sizeof *out);
  sqlite3_stmt *s = PREP(a,
                         list ? "SELECT status, expiry_ms, parent FROM ocpp16_local_list"
                                " WHERE tag = ? COLLATE NOCASE"
                              : "SELECT status, expiry_ms, parent FROM ocpp16_auth_cache"
                                " WHERE tag = ? COLLATE NOCASE",
                         "s", token ? token : "");
  bool found = s && sqlite3_step(s) == SQLITE_ROW;
  if (found) {
    const unsigned char *st = sqlite3_column_text(s, 0);
    const unsigned char *g = sqlite3_column_text(s, 2);
    snprintf(out->status, sizeof out->status, "%s", st ? (const char *)st : "");
    out->expiry = sqlite3_column_int64(s, 1);
    snprintf(out->group, sizeof out->group, "%s", g ? (const char *)g : "");
  }
  cp_sql_done(a->st, s);
  return found;
}

int cp_auth_forget(cp_auth *a, const char *token) {
  return RUN(a, PREP(a, "DELETE FROM ocpp16_auth_cache WHERE tag = ? COLLATE NOCASE", "s",
                     token ? token : ""));
}

void cp_auth_group_of(cp_auth *a, const char *token, char group[CP_ID_MAX + 1]) {
  cp_auth_kept k;
  group[0] = '\0';
  if (!token || !token[0]) return;
  if ((cp_auth_entry(a, true, token, &k) && k.group[0]) ||
      (cp_auth_entry(a, false, token, &k) && k.group[0]))
    snprintf(group, CP_ID_MAX + 1, "%s", k.group);
}

bool cp_auth_may_stop(cp_auth *a, const char *starter, const char *starter_group, const char *token,
                      const char *group) {
  if (!starter || !starter[0] || !token || !token[0]) return false;
  if (strcasecmp(starter, token) == 0) return true;
  if (!group || !group[0]) return false;
  char kept[CP_ID_MAX + 1];
  if (starter_group && starter_group[0])
    snprintf(kept, sizeof kept, "%s", starter_group);
  else
    cp_auth_group_of(a, starter, kept);
  return kept[0] && strcasecmp(kept, group) == 0;
}

/* ---------- deciding ---------- */

cp_auth_verdict cp_auth_local(cp_auth *a, const cp_auth_policy *p, const char *token, borne_ms now,
                              char group[CP_ID_MAX + 1]) {
  if (!p->local_pre_authorize) return CP_AUTH_UNKNOWN;
  if (p->list_enabled) {
    entry e = lookup(a, LIST, token);
    if (valid(&e, now)) return accept(&e, group);
    if (e.found) return CP_AUTH_UNKNOWN; /* not valid locally: the back end decides */
  }
  if (p->cache_enabled) {
    cache_age(a, p, now);
    entry e = lookup(a, CACHE, token);
    if (valid(&e, now)) {
      cache_used(a, token, now);
      return accept(&e, group);
    }
  }
  return CP_AUTH_UNKNOWN;
}

cp_auth_verdict cp_auth_offline(cp_auth *a, const cp_auth_policy *p, const char *token,
                                borne_ms now, char group[CP_ID_MAX + 1]) {
  if (p->local_authorize_offline) {
    const bool use[2] = {[LIST] = p->list_enabled, [CACHE] = p->cache_enabled};
    for (int t = LIST; t <= CACHE; t++) {
      if (!use[t]) continue;
      if (t == CACHE) cache_age(a, p, now);
      entry e = lookup(a, (table)t, token);
      if (!e.found) continue;
      if (t == CACHE) cache_used(a, token, now);
      if (!valid(&e, now)) return CP_AUTH_REFUSE; /* known and not valid */
      return accept(&e, group);
    }
  }
  if (p->allow_offline_unknown) {
    /* only unknown ids: a token of the local list that is not valid is
     * refused, whether the list decides offline or not */
    if (p->list_enabled) {
      entry e = lookup(a, LIST, token);
      if (e.found && !valid(&e, now)) return CP_AUTH_REFUSE;
    }
    return CP_AUTH_ACCEPT;
  }
  return CP_AUTH_UNKNOWN;
}

cp_auth_verdict cp_auth_begin(cp_auth *a, const cp_auth_policy *p, const char *token, bool online,
                              borne_ms now, char group[CP_ID_MAX + 1]) {
  return online ? cp_auth_local(a, p, token, now, group) : cp_auth_offline(a, p, token, now, group);
}

cp_auth_verdict cp_auth_answered(cp_auth *a, const cp_auth_policy *p, const char *token,
                                 const cp_token_info *info, borne_ms now) {
  cp_auth_remember(a, p, token, info, now);
  return info && info->status == CP_TOKEN_ACCEPTED ? CP_AUTH_ACCEPT : CP_AUTH_REFUSE;
}

cp_auth_verdict cp_auth_unanswered(cp_auth *a, const cp_auth_policy *p, const char *token,
                                   borne_ms now, char group[CP_ID_MAX + 1]) {
  return cp_auth_offline(a, p, token, now, group);
}

/* ---------- the local list ---------- */

static int meta_get(cp_auth *a, const char *key, int none) {
  return (int)cp_sql_scalar(a->st, PREP(a, "SELECT value FROM ocpp16_meta WHERE key = ?", "s", key),
                            none);
}

int cp_auth_list_version(cp_auth *a, const cp_auth_policy *p) {
  if (!p->list_enabled) return -1;
  return meta_get(a, "local_list_version", 0);
}

int cp_auth_list_length(cp_auth *a) {
  return (int)cp_sql_scalar(a->st, PREP(a, "SELECT count(*) FROM ocpp16_local_list", NULL), 0);
}

long cp_auth_cache_bytes(cp_auth *a) {
  return (long)cp_sql_scalar(
      a->st,
      PREP(a,
           "SELECT total(length(CAST(tag AS BLOB)) + length(CAST(status AS BLOB))"
           " + ifnull(length(CAST(parent AS BLOB)), 0) + 24) FROM ocpp16_auth_cache",
           NULL),
      0);
}

long cp_auth_list_bytes(cp_auth *a) {
  return (long)cp_sql_scalar(
      a->st,
      PREP(a,
           "SELECT total(length(CAST(tag AS BLOB)) + length(CAST(status AS BLOB))"
           " + ifnull(length(CAST(parent AS BLOB)), 0) + 8) FROM ocpp16_local_list",
           NULL),
      0);
}

cp_list_result cp_auth_list_update(cp_auth *a, const cp_auth_policy *p, const cp_list_limits *lim,
                                   const cp_list_update *u) {
  if (!p->list_enabled) return CP_LIST_NOT_SUPPORTED;
  if (u->count > 0 && !u->entries) return CP_LIST_FAILED;
  if (lim->max_per_update < 0 || u->count > (size_t)lim->max_per_update) return CP_LIST_FAILED;
  if (!u->full && u->version <= meta_get(a, "local_list_version", 0))
    return CP_LIST_VERSION_MISMATCH;
  if (cp_sql_begin(a->st) != 0) return CP_LIST_FAILED;
  int rc = u->full ? RUN(a, PREP(a, "DELETE FROM ocpp16_local_list", NULL)) : 0;
  for (size_t i = 0; i < u->count && !rc; i++) {
    const cp_list_entry *item = &u->entries[i];
    if (!item->token || !item->token[0]) {
      rc = -1;
      break;
    }
    if (!item->has_info) { /* differential: an entry without info is removed */
      rc = RUN(a, PREP(a, "DELETE FROM ocpp16_local_list WHERE tag = ?", "s", item->token));
      continue;
    }
    const cp_token_info *info = &item->info;
    rc = RUN(a, PREP(a,
                     "INSERT OR REPLACE INTO ocpp16_local_list(tag, status, expiry_ms, parent)"
                     " VALUES(?, ?, ?, ?)",
                     "ssis", item->token, status_name(info->status), (int64_t)info->expiry,
                     info->group[0] ? info->group : NULL));
    /* the list governs its tokens: no stale cache entry may contradict it */
    if (!rc) rc = RUN(a, PREP(a, "DELETE FROM ocpp16_auth_cache WHERE tag = ?", "s", item->token));
  }
  if (!rc && cp_auth_list_length(a) > lim->max_entries) rc = -1;
  if (!rc)
    rc = RUN(a, PREP(a, "INSERT OR REPLACE INTO ocpp16_meta(key, value) VALUES(?, ?)", "si",
                     "local_list_version", (int64_t)u->version));
  return cp_sql_end(a->st, rc) == 0 ? CP_LIST_ACCEPTED : CP_LIST_FAILED;
}

const char *cp_token_refusal_reason(bool known, const cp_token_info *info) {
  if (!known) return "back_end_refused";
  switch (info->status) {
  case CP_TOKEN_BLOCKED:
    return "back_end_blocked";
  case CP_TOKEN_EXPIRED:
    return "back_end_expired";
  case CP_TOKEN_INVALID:
    return "back_end_invalid";
  case CP_TOKEN_CONCURRENT_TX:
    return "back_end_concurrent_tx";
  default:
    return "back_end_refused";
  }
}
