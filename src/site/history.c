/*
 * The installation's history (history.h, docs/site.md). A member answers the
 * leader's signed request with its finished sessions after the leader's
 * cursor, oldest first, cut before its first open one (so the cursor never
 * passes a session still running); the leader writes them with INSERT OR
 * IGNORE under the key (member, id), so a page asked twice adds nothing,
 * and its cursor is the largest id it holds of that member (a restart goes
 * on from there). What must never happen here: a session twice, or one
 * skipped because the leader was away when it ended.
 */
#include "site/history.h"

#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/curl_uv.h"
#include "http/http_json.h"
#include "site/directory.h"
#include "station/station.h"
#include "util/errbuf.h"
#include "util/log.h"

#define MOD "site"
#define SITE_HISTORY_PERIOD_MS 5000
#define SITE_HISTORY_PAGE 200
#define SITE_HISTORY_RESP_MAX (4 * 1024 * 1024)
/* running sessions of one member the leader asks about again, at most */
#define SITE_HISTORY_OPEN_MAX 64

typedef struct {
  site_history *h;
  int member;
  bool busy;
  borne_ms next_at;
  char *resp;
  size_t resp_len;
  bool too_long;
  struct curl_slist *headers;
} pull;

struct site_history {
  station *st;
  bool leader, follower, closed;
  const char *secret;
  const site_member *m;
  int n;
  curl_uv *cu;
  pull pull[SITE_MAX_MEMBERS];
};

static const char *const steps[] = {
    "CREATE TABLE site_sessions (member TEXT NOT NULL, id INTEGER NOT NULL, "
    "station_id TEXT NOT NULL DEFAULT '', connector INTEGER NOT NULL, badge TEXT NOT NULL, "
    "user TEXT NOT NULL, start INTEGER NOT NULL, stop INTEGER NOT NULL, "
    "energy_wh REAL NOT NULL, stop_reason TEXT NOT NULL, PRIMARY KEY (member, id))",
    "CREATE INDEX site_sessions_start ON site_sessions (start)",
};

void site_history_signed_text(long long after, char *out, size_t len) {
  snprintf(out, len, "borne-site-sessions after=%lld", after);
}

void site_history_signed_text_open(long long after, const long long *open, int n, char *out,
                                   size_t len) {
  int k = snprintf(out, len, "borne-site-sessions after=%lld open=", after);
  for (int i = 0; i < n && k > 0 && (size_t)k < len; i++)
    k += snprintf(out + k, len - (size_t)k, i ? ",%lld" : "%lld", open[i]);
}

/* ---------- a member: POST /api/v1/site/sessions/export ---------- */

typedef struct {
  int64_t after;
  session_row *rows;
  int n, cap;
  bool fail;
} export_ctx;

static int push_row(export_ctx *e, const session_row *r) {
  if (e->n == e->cap) {
    int cap = e->cap ? 2 * e->cap : 64;
    session_row *p = realloc(e->rows, (size_t)cap * sizeof *p);
    if (!p) return e->fail = true, 1;
    e->rows = p;
    e->cap = cap;
  }
  e->rows[e->n++] = *r;
  return 0;
}

static int collect(void *ctx, const session_row *r) {
  export_ctx *e = ctx;
  if (r->id <= e->after) return 1; /* newest first: the rest is older */
  return push_row(e, r);
}

static json_t *export_json(const session_row *r) {
  return json_pack("{s:I, s:i, s:s, s:s, s:I, s:I, s:f, s:s}", "id", (json_int_t)r->id, "connector",
                   r->connector, "badge", r->uid, "user", r->user, "start_ms",
                   (json_int_t)r->start_ms, "stop_ms", (json_int_t)r->stop_ms, "energy_wh",
                   r->meter_stop_wh - r->meter_start_wh, "stop_reason",
                   r->stop_ms ? stop_reason_name(r->reason) : "");
}

/* The ids of "open" (the leader's sessions of this member still running
 * when it last asked): -1 when it is not an array of at most
 * SITE_HISTORY_OPEN_MAX positive integers. */
static int open_ids(json_t *a, long long *out) {
  if (!json_is_array(a) || json_array_size(a) > SITE_HISTORY_OPEN_MAX) return -1;
  size_t i;
  json_t *v;
  json_array_foreach(a, i, v) {
    if (!json_is_integer(v) || json_integer_value(v) < 1) return -1;
    out[i] = (long long)json_integer_value(v);
  }
  return (int)json_array_size(a);
}

static int post_export(void *ctx, const http_request *req, http_response *res) {
  site_history *h = ctx;
  if (!h->follower) {
    http_json_error(res, 409, "this station is not a follower (site.role)");
    return 0;
  }
  if (!h->secret[0]) {
    http_json_error(res, 403, "site.secret is not set on this station");
    return 0;
  }
  json_t *body = http_parse_object(req, res, 0);
  if (!body) return 0;
  json_t *a = json_object_get(body, "after");
  json_t *open_a = json_object_get(body, "open");
  const char *sig = json_string_value(json_object_get(body, "signature"));
  long long open[SITE_HISTORY_OPEN_MAX] = {0};
  int n_open = open_a ? open_ids(open_a, open) : 0;
  if (!json_is_integer(a) || json_integer_value(a) < 0 || !sig || n_open < 0) {
    http_json_error(res, 400,
                    "the body must be {\"after\": <session id>, \"open\": [<session id>, ...] "
                    "(optional, at most %d), \"signature\": \"...\"}",
                    SITE_HISTORY_OPEN_MAX);
    json_decref(body);
    return 0;
  }
  long long after = json_integer_value(a);
  /* with "open" the leader also takes running sessions (docs/site.md);
   * without it (an older leader) the page stops before the first one */
  bool running = open_a != NULL;
  char text[64 + SITE_HISTORY_OPEN_MAX * 21];
  if (running)
    site_history_signed_text_open(after, open, n_open, text, sizeof text);
  else
    site_history_signed_text(after, text, sizeof text);
  bool signed_ok = site_dir_verify(h->secret, text, strlen(text), sig);
  json_decref(body); /* sig was in it */
  if (!signed_ok) {
    http_json_error(res, 403,
                    "the signature does not match: the request was not signed with this "
                    "station's site.secret");
    return 0;
  }
  export_ctx e = {.after = after};
  session_filter f = {0};
  if (store_sessions_query(h->st->db, &f, collect, &e) != 0 && !e.n && !e.fail) {
    http_json_error(res, 500, "%s", store_last_error(h->st->db));
    return 0;
  }
  json_t *list = json_array();
  int sent = 0;
  for (int i = e.n - 1; i >= 0 && sent < SITE_HISTORY_PAGE; i--, sent++) {
    const session_row *r = &e.rows[i];
    if (!r->stop_ms && !running) break; /* not past a running one: the cursor would skip it */
    json_array_append_new(list, export_json(r));
  }
  /* the sessions the leader holds as running, as they are now (ended or not) */
  for (int i = 0; i < n_open; i++) {
    session_row r;
    if (open[i] > after || store_session_get(h->st->db, open[i], &r) != 0) continue;
    json_array_append_new(list, export_json(&r));
  }
  free(e.rows);
  const char *id = config_get(h->st->cfg, "station.id");
  http_json_body(res, json_pack("{s:s, s:o, s:b}", "station_id", id ? id : "", "sessions", list,
                                "full", sent == SITE_HISTORY_PAGE));
  return 0;
}

/* ---------- the leader: pulls ---------- */

static int64_t cursor_of(site_history *h, const char *member) {
  sqlite3_stmt *q = store_stmt(h->st->db, "SELECT MAX(id) FROM site_sessions WHERE member = ?1");
  if (!q) return -1;
  sqlite3_bind_text(q, 1, member, -1, SQLITE_TRANSIENT);
  int64_t v = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int64(q, 0) : -1;
  store_stmt_release(h->st->db, q);
  return v;
}

/* The ids of the member's sessions held as running (oldest first). */
static int open_of(site_history *h, const char *member, long long *out) {
  sqlite3_stmt *q = store_stmt(h->st->db, "SELECT id FROM site_sessions WHERE member = ?1 AND "
                                          "stop = 0 ORDER BY id LIMIT ?2");
  if (!q) return 0;
  sqlite3_bind_text(q, 1, member, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int(q, 2, SITE_HISTORY_OPEN_MAX);
  int n = 0;
  while (n < SITE_HISTORY_OPEN_MAX && sqlite3_step(q) == SQLITE_ROW)
    out[n++] = (long long)sqlite3_column_int64(q, 0);
  store_stmt_release(h->st->db, q);
  return n;
}

static size_t on_resp(char *data, size_t size, size_t n, void *ctx) {
  pull *p = ctx;
  size_t len = size * n;
  if (p->too_long || p->resp_len + len > SITE_HISTORY_RESP_MAX) {
    p->too_long = true;
    return len;
  }
  char *b = realloc(p->resp, p->resp_len + len + 1);
  if (!b) {
    p->too_long = true;
    return len;
  }
  memcpy(b + p->resp_len, data, len);
  p->resp = b;
  p->resp_len += len;
  b[p->resp_len] = 0;
  return len;
}

/* What the member's session `id` is in the table: 0 not there, 1 running,
 * 2 finished. */
static int held(store *db, const char *member, json_int_t id) {
  sqlite3_stmt *q = store_stmt(db, "SELECT stop FROM site_sessions WHERE member = ?1 AND id = ?2");
  if (!q) return 0;
  sqlite3_bind_text(q, 1, member, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(q, 2, id);
  int v = sqlite3_step(q) == SQLITE_ROW ? (sqlite3_column_int64(q, 0) ? 2 : 1) : 0;
  store_stmt_release(db, q);
  return v;
}

/* The page written in one batch; the sessions new to the table or ended
 * since (*changed), -1 on failure. */
static int save_page(site_history *h, const site_member *m, json_t *o, int *changed) {
  json_t *list = json_object_get(o, "sessions");
  const char *sid = json_string_value(json_object_get(o, "station_id"));
  *changed = 0;
  if (!json_is_array(list)) return -1;
  store *db = h->st->db;
  if (store_batch_begin(db) != 0) return -1;
  int rc = 0;
  size_t i;
  json_t *s;
  json_array_foreach(list, i, s) {
    json_t *id = json_object_get(s, "id");
    const char *badge = json_string_value(json_object_get(s, "badge"));
    const char *user = json_string_value(json_object_get(s, "user"));
    const char *why = json_string_value(json_object_get(s, "stop_reason"));
    json_int_t stop = json_integer_value(json_object_get(s, "stop_ms"));
    if (!json_is_integer(id) || !badge || !user || !why || stop < 0) {
      rc = -1;
      break;
    }
    int was = held(db, m->address, json_integer_value(id));
    if (was == 0 || (was == 1 && stop > 0)) ++*changed;
    /* a new session, or one held as running: as it is now; a finished one
     * held already is never changed */
    sqlite3_stmt *q = store_stmt(
        db, "INSERT INTO site_sessions (member, id, station_id, connector, badge, "
            "user, start, stop, energy_wh, stop_reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
            "?9, ?10) ON CONFLICT (member, id) DO UPDATE SET badge = excluded.badge, user = "
            "excluded.user, stop = excluded.stop, energy_wh = excluded.energy_wh, stop_reason = "
            "excluded.stop_reason WHERE site_sessions.stop = 0");
    if (!q) {
      rc = -1;
      break;
    }
    sqlite3_bind_text(q, 1, m->address, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(q, 2, json_integer_value(id));
    sqlite3_bind_text(q, 3, sid ? sid : "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(q, 4, json_integer_value(json_object_get(s, "connector")));
    sqlite3_bind_text(q, 5, badge, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 6, user, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(q, 7, json_integer_value(json_object_get(s, "start_ms")));
    sqlite3_bind_int64(q, 8, stop);
    sqlite3_bind_double(q, 9, json_number_value(json_object_get(s, "energy_wh")));
    sqlite3_bind_text(q, 10, why, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(q) != SQLITE_DONE) rc = -1;
    store_stmt_release(db, q);
    if (rc) break;
  }
  if (store_batch_end(db) != 0) rc = -1;
  if (rc) *changed = 0;
  return rc ? -1 : (int)json_array_size(list);
}

static void pull_start(site_history *h, int i);

static void pull_done(void *ctx, CURLcode result, long code, const char *error) {
  pull *p = ctx;
  site_history *h = p->h;
  p->busy = false;
  if (p->headers) curl_uv_load(NULL, 0)->slist_free_all(p->headers);
  p->headers = NULL;
  if (h->closed || !h->m) goto out;
  const site_member *m = &h->m[p->member];
  json_t *o = result == CURLE_OK && code == 200 && !p->too_long
                  ? json_loadb(p->resp ? p->resp : "", p->resp_len, 0, NULL)
                  : NULL;
  int changed = 0;
  int got = o ? save_page(h, m, o, &changed) : -1;
  /* more: the next page at the next cycle (an older member says nothing) */
  json_t *full = o ? json_object_get(o, "full") : NULL;
  bool more = full ? json_is_true(full) : got == SITE_HISTORY_PAGE;
  json_decref(o);
  if (got < 0) {
    log_warn(MOD, "sessions of %s not collected: %s", m->address,
             result != CURLE_OK ? error
             : code != 200      ? (p->resp ? p->resp : "no answer")
                                : "a page that cannot be read or saved");
  } else if (changed > 0) {
    station_event(h->st, 0, "site_sessions_collected",
                  "%d session(s) of installation member %s (%s) added to the history or ended",
                  changed, m->address, m->last.station_id);
  }
  if (got >= 0 && more) p->next_at = 0;
out:
  free(p->resp);
  p->resp = NULL;
  p->resp_len = 0;
}

static void pull_start(site_history *h, int i) {
  const site_member *m = &h->m[i];
  pull *p = &h->pull[i];
  p->next_at = clock_now(&h->st->clock) + SITE_HISTORY_PERIOD_MS;
  char why[300];
  const curl_fns *curl = curl_uv_load(why, sizeof why);
  if (!curl) return;
  if (!h->cu && !(h->cu = curl_uv_new(h->st->loop))) return;
  int64_t after = cursor_of(h, m->address);
  if (after < 0) return;
  long long open[SITE_HISTORY_OPEN_MAX] = {0};
  int n_open = open_of(h, m->address, open);
  char text[64 + SITE_HISTORY_OPEN_MAX * 21], sig[SITE_DIR_SIG_HEX + 1];
  site_history_signed_text_open((long long)after, open, n_open, text, sizeof text);
  if (site_dir_sign(h->secret, text, strlen(text), sig) != 0) return;
  char body[160 + SITE_HISTORY_OPEN_MAX * 21];
  int k = snprintf(body, sizeof body, "{\"after\":%lld,\"open\":[", (long long)after);
  for (int j = 0; j < n_open; j++)
    k += snprintf(body + k, sizeof body - (size_t)k, j ? ",%lld" : "%lld", open[j]);
  snprintf(body + k, sizeof body - (size_t)k, "],\"signature\":\"%s\"}", sig);
  CURL *easy = curl->easy_init();
  if (!easy) return;
  char url[160];
  bool v6 = strchr(m->host, ':') != NULL;
  snprintf(url, sizeof url, "%s://%s%s%s:%d/api/v1/site/sessions/export",
           m->last.https ? "https" : "http", v6 ? "[" : "", m->host, v6 ? "]" : "",
           m->last.http_port);
  p->h = h;
  p->member = i;
  p->too_long = false;
  p->headers = curl->slist_append(NULL, "Content-Type: application/json");
  curl->easy_setopt(easy, CURLOPT_URL, url);
  curl->easy_setopt(easy, CURLOPT_COPYPOSTFIELDS, body);
  curl->easy_setopt(easy, CURLOPT_HTTPHEADER, p->headers);
  curl->easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_resp);
  curl->easy_setopt(easy, CURLOPT_WRITEDATA, p);
  curl->easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, 3000L);
  curl->easy_setopt(easy, CURLOPT_TIMEOUT_MS, 30000L);
  curl->easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 0L); /* the HMAC proves the request */
  curl->easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 0L);
  p->busy = true;
  if (curl_uv_start(h->cu, easy, pull_done, p) != 0) {
    p->busy = false;
    curl->slist_free_all(p->headers);
    p->headers = NULL;
  }
}

void site_history_cycle(site_history *h, const site_member *m, int n) {
  if (!h || !h->leader || h->closed || !h->secret[0]) return;
  h->m = m;
  h->n = n;
  borne_ms now = clock_now(&h->st->clock);
  for (int i = 0; i < n; i++) {
    pull *p = &h->pull[i];
    if (!m[i].up || !m[i].last.http_port || p->busy || p->next_at > now) continue;
    pull_start(h, i);
  }
}

/* ---------- the leader: GET /api/v1/site/sessions ---------- */

typedef struct {
  json_t *list;
} own_ctx;

static int own_row(void *ctx, const session_row *r) {
  own_ctx *o = ctx;
  json_array_append_new(
      o->list,
      json_pack("{s:n, s:I, s:i, s:s, s:s, s:I, s:I, s:f, s:o}", "member", "id", (json_int_t)r->id,
                "connector", r->connector, "badge", r->uid, "user", r->user, "start_ms",
                (json_int_t)r->start_ms, "stop_ms", (json_int_t)r->stop_ms, "energy_wh",
                r->meter_stop_wh - r->meter_start_wh, "stop_reason",
                r->stop_ms ? json_string(stop_reason_name(r->reason)) : json_null()));
  return 0;
}

static json_int_t start_of(json_t *s) { return json_integer_value(json_object_get(s, "start_ms")); }

static int by_start_desc(const void *a, const void *b) {
  json_int_t x = start_of(*(json_t *const *)a), y = start_of(*(json_t *const *)b);
  return x < y ? 1 : x > y ? -1 : 0;
}

static void csv_cell(char **buf, size_t *len, size_t *cap, const char *v, bool last) {
  char cell[256];
  size_t k = 0;
  bool quote = strpbrk(v, ",\"\r\n") != NULL || (v[0] && strchr("=+-@", v[0]) != NULL);
  if (quote) cell[k++] = '"';
  if (v[0] && strchr("=+-@", v[0])) cell[k++] = '\'';
  for (const char *p = v; *p && k + 4 < sizeof cell; p++) {
    if (*p == '"') cell[k++] = '"';
    cell[k++] = *p;
  }
  if (quote) cell[k++] = '"';
  cell[k++] = last ? '\n' : ',';
  if (*len + k + 1 > *cap) {
    size_t c = *cap ? 2 * *cap : 4096;
    while (c < *len + k + 1) c *= 2;
    char *p = realloc(*buf, c);
    if (!p) return;
    *buf = p;
    *cap = c;
  }
  memcpy(*buf + *len, cell, k);
  *len += k;
  (*buf)[*len] = 0;
}

static void iso(json_int_t ms, char *out, size_t len) {
  if (!ms) {
    out[0] = 0;
    return;
  }
  json_t *t = json_time((borne_ms)ms);
  snprintf(out, len, "%s", json_string_value(t) ? json_string_value(t) : "");
  json_decref(t);
}

static int get_sessions(void *ctx, const http_request *req, http_response *res) {
  site_history *h = ctx;
  char buf[16];
  long limit = 500;
  if (http_query_param(req, "limit", buf, sizeof buf)) {
    char *end;
    limit = strtol(buf, &end, 10);
    if (*end || limit < 1 || limit > 100000) {
      http_json_error(res, 400, "limit: 1 to 100000");
      return 0;
    }
  }
  bool csv = http_query_param(req, "format", buf, sizeof buf) && !strcmp(buf, "csv");
  const char *own_id = config_get(h->st->cfg, "station.id");
  own_ctx own = {json_array()};
  session_filter f = {.limit = (int)limit};
  store_sessions_query(h->st->db, &f, own_row, &own);
  size_t i;
  json_t *s;
  json_array_foreach(own.list, i, s)
      json_object_set_new(s, "station_id", json_string(own_id ? own_id : ""));
  sqlite3_stmt *q = store_stmt(h->st->db, "SELECT member, id, station_id, connector, badge, user, "
                                          "start, stop, energy_wh, stop_reason FROM "
                                          "site_sessions ORDER BY start DESC LIMIT ?1");
  if (q) {
    sqlite3_bind_int64(q, 1, limit);
    while (sqlite3_step(q) == SQLITE_ROW)
      json_array_append_new(
          own.list,
          json_pack("{s:s, s:I, s:s, s:i, s:s, s:s, s:I, s:I, s:f, s:s?}", "member",
                    (const char *)sqlite3_column_text(q, 0), "id",
                    (json_int_t)sqlite3_column_int64(q, 1), "station_id",
                    (const char *)sqlite3_column_text(q, 2), "connector", sqlite3_column_int(q, 3),
                    "badge", (const char *)sqlite3_column_text(q, 4), "user",
                    (const char *)sqlite3_column_text(q, 5), "start_ms",
                    (json_int_t)sqlite3_column_int64(q, 6), "stop_ms",
                    (json_int_t)sqlite3_column_int64(q, 7), "energy_wh",
                    sqlite3_column_double(q, 8), "stop_reason",
                    sqlite3_column_int64(q, 7) ? (const char *)sqlite3_column_text(q, 9) : NULL));
    store_stmt_release(h->st->db, q);
  }
  /* newest first, own and members' together, at most `limit` */
  size_t n = json_array_size(own.list);
  json_t **rows = malloc((n ? n : 1) * sizeof *rows);
  json_t *out = json_array();
  if (rows) {
    for (i = 0; i < n; i++) rows[i] = json_array_get(own.list, i);
    qsort(rows, n, sizeof *rows, by_start_desc);
    for (i = 0; i < n && i < (size_t)limit; i++) {
      json_t *r = rows[i];
      char t[40];
      iso(start_of(r), t, sizeof t);
      json_object_set_new(r, "start", json_string(t));
      iso(json_integer_value(json_object_get(r, "stop_ms")), t, sizeof t);
      json_object_set_new(r, "stop", t[0] ? json_string(t) : json_null());
      json_object_del(r, "start_ms");
      json_object_del(r, "stop_ms");
      json_array_append(out, r);
    }
    free(rows);
  }
  json_decref(own.list);
  if (!csv) {
    http_json_body(res, json_pack("{s:o}", "sessions", out));
    return 0;
  }
  char *text = NULL;
  size_t len = 0, cap = 0;
  static const char *const cols[] = {"station_id", "member", "id",   "connector", "badge",
                                     "user",       "start",  "stop", "energy_wh", "stop_reason"};
  size_t ncols = sizeof cols / sizeof cols[0];
  for (size_t c = 0; c < ncols; c++) csv_cell(&text, &len, &cap, cols[c], c + 1 == ncols);
  json_array_foreach(out, i, s) {
    for (size_t c = 0; c < ncols; c++) {
      json_t *v = json_object_get(s, cols[c]);
      char cell[64];
      if (json_is_string(v))
        csv_cell(&text, &len, &cap, json_string_value(v), c + 1 == ncols);
      else {
        if (json_is_integer(v))
          snprintf(cell, sizeof cell, "%lld", (long long)json_integer_value(v));
        else if (json_is_real(v))
          snprintf(cell, sizeof cell, "%.1f", json_real_value(v));
        else
          cell[0] = 0;
        csv_cell(&text, &len, &cap, cell, c + 1 == ncols);
      }
    }
  }
  json_decref(out);
  res->content_type = "text/csv; charset=utf-8";
  res->extra_header = "Content-Disposition: attachment; filename=\"installation-sessions.csv\"";
  res->body = text;
  res->body_len = len;
  return 0;
}

/* ---------- module ---------- */

site_history *site_history_new(station *st, bool leader, bool follower, char *err, size_t errlen) {
  site_history *h = calloc(1, sizeof *h);
  if (!h) return errbuf_fail(err, errlen, "site: out of memory"), NULL;
  h->st = st;
  h->leader = leader;
  h->follower = follower;
  const char *secret = config_get(st->cfg, "site.secret");
  h->secret = secret ? secret : "";
  if (leader && store_module_migrate(st->db, "site_history", steps,
                                     (int)(sizeof steps / sizeof steps[0])) != 0) {
    errbuf_fail(err, errlen, "site: the history's table: %s", store_last_error(st->db));
    free(h);
    return NULL;
  }
  http_add_route(st->http, &(http_route){"POST", "/api/v1/site/sessions/export", post_export, h});
  if (leader)
    http_add_route(st->http, &(http_route){"GET", "/api/v1/site/sessions", get_sessions, h});
  return h;
}

void site_history_close(site_history *h) {
  if (!h || h->closed) return;
  h->closed = true;
  if (h->cu) curl_uv_close(h->cu);
}

void site_history_free(site_history *h) {
  if (!h) return;
  for (int i = 0; i < SITE_MAX_MEMBERS; i++) {
    if (h->pull[i].headers) curl_uv_load(NULL, 0)->slist_free_all(h->pull[i].headers);
    free(h->pull[i].resp);
  }
  free(h);
}
