/*
 * The directory's transport (dirsync.h, docs/site.md). The leader's side: its
 * users and badges read from its store after each poll of the members (so a
 * change reaches them within about a second), the version raised when they
 * changed, and a PUT to each member in reach whose registers show another
 * copy — one transfer per member at a time, a failed one retried after
 * DIRSYNC_RETRY_MS. The follower's side: PUT /api/v1/site/directory, exempt
 * from the web login (web_required_role) because the leader has no PIN: the
 * HMAC under site.secret is its proof, and the version its replay guard.
 * What must never happen here: a copy applied half (one store batch), or an
 * unsigned or older copy applied at all.
 */
#include "site/dirsync.h"

#include <openssl/sha.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/curl_uv.h"
#include "http/http_json.h"
#include "modbus_server/modbus_server_module.h"
#include "site/directory.h"
#include "station/station.h"
#include "util/errbuf.h"
#include "util/log.h"

#define MOD "site"
#define DIRSYNC_RETRY_MS 10000 /* after a failed push, doubled at each further one */
#define DIRSYNC_RETRY_MAX_MS                                                                       \
  300000 /* ... up to this: a member refusing every copy (another                                  \
            site.secret) is not flooded, nor its event log */
#define DIRSYNC_RESP_MAX 400
/* the wire form as a JSON string: quotes escaped, with room for the rest */
#define DIRSYNC_BODY_MAX (2 * SITE_DIR_MAX_BYTES + 1024)

typedef struct {
  site_dirsync *d;
  int member;
  bool busy;
  uint32_t version;
  borne_ms retry_at;
  int fails; /* failed pushes in a row */
  struct curl_slist *headers;
  char resp[DIRSYNC_RESP_MAX + 1];
  size_t resp_len;
} push;

struct site_dirsync {
  station *st;
  bool leader, follower;
  bool closed;
  const char *secret; /* site.secret, "" when none */
  /* the copy held (follower) or sent (leader) */
  uint32_t version;
  uint8_t digest[32];
  char content_hex[65]; /* leader: SHA-256 of the users and badges (version 0) */
  char from[64];        /* follower: the address of the last leader that pushed */
  char why[200];        /* follower: the first failed write of a copy */
  /* leader: the signed body of the PUT, rebuilt when the copy changes */
  char *body;
  const site_member *m;
  int n;
  curl_uv *cu;
  /* leader: one per member (SITE_MAX_MEMBERS, ~30 kB), allocated by the first
   * cycle with a secret, never by a standalone station or a follower (issue 15) */
  push *push;
};

static const char *const steps[] = {
    "CREATE TABLE site_directory (id INTEGER PRIMARY KEY CHECK (id = 1), "
    "version INTEGER NOT NULL, digest TEXT NOT NULL, content TEXT NOT NULL DEFAULT '', "
    "leader TEXT NOT NULL DEFAULT '', at INTEGER NOT NULL DEFAULT 0)",
};

static void hex32(const uint8_t in[32], char out[65]) {
  static const char digits[] = "0123456789abcdef";
  for (int i = 0; i < 32; i++) {
    out[2 * i] = digits[in[i] >> 4];
    out[2 * i + 1] = digits[in[i] & 15];
  }
  out[64] = 0;
}

static bool unhex32(const char *s, uint8_t out[32]) {
  if (!s || strlen(s) != 64) return false;
  for (int i = 0; i < 32; i++) {
    unsigned v;
    if (sscanf(s + 2 * i, "%2x", &v) != 1) return false;
    out[i] = (uint8_t)v;
  }
  return true;
}

/* ---------- the store's row ---------- */

static int state_load(site_dirsync *d) {
  sqlite3_stmt *q = store_stmt(d->st->db, "SELECT version, digest, content, leader FROM "
                                          "site_directory WHERE id = 1");
  if (!q) return -1;
  if (sqlite3_step(q) == SQLITE_ROW) {
    d->version = (uint32_t)sqlite3_column_int64(q, 0);
    if (!unhex32((const char *)sqlite3_column_text(q, 1), d->digest)) d->version = 0;
    snprintf(d->content_hex, sizeof d->content_hex, "%s", sqlite3_column_text(q, 2));
    snprintf(d->from, sizeof d->from, "%s", sqlite3_column_text(q, 3));
  }
  store_stmt_release(d->st->db, q);
  return 0;
}

static int state_save(site_dirsync *d) {
  sqlite3_stmt *q = store_stmt(d->st->db, "INSERT OR REPLACE INTO site_directory (id, version, "
                                          "digest, content, leader, at) VALUES (1, ?1, ?2, ?3, "
                                          "?4, ?5)");
  if (!q) return -1;
  char hex[65];
  hex32(d->digest, hex);
  sqlite3_bind_int64(q, 1, d->version);
  sqlite3_bind_text(q, 2, hex, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(q, 3, d->content_hex, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(q, 4, d->from, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(q, 5, clock_now(&d->st->clock));
  int rc = sqlite3_step(q) == SQLITE_DONE ? 0 : -1;
  store_stmt_release(d->st->db, q);
  return rc;
}

static void publish(site_dirsync *d) {
  modbus_server_set_directory(d->st, d->version, d->version ? d->digest : NULL);
}

/* ---------- the leader: its directory out of its store ---------- */

typedef struct {
  station *st;
  site_directory *dir;
  int cap_u, cap_b;
  bool fail;
} build_ctx;

static int build_user(void *ctx, const user_row *u) {
  build_ctx *b = ctx;
  site_directory *d = b->dir;
  if (d->n_users >= SITE_DIR_MAX_USERS) return b->fail = true, 1;
  if (d->n_users == b->cap_u) {
    int cap = b->cap_u ? 2 * b->cap_u : 16;
    site_dir_user *p = realloc(d->users, (size_t)cap * sizeof *p);
    if (!p) return b->fail = true, 1;
    d->users = p;
    b->cap_u = cap;
  }
  site_dir_user *o = &d->users[d->n_users++];
  memset(o, 0, sizeof *o);
  snprintf(o->name, sizeof o->name, "%s", u->name);
  o->enabled = u->enabled;
  store_user_connectors_get(b->st->db, u->id, &o->connectors);
  return 0;
}

static int build_badge(void *ctx, const badge_row *r) {
  build_ctx *b = ctx;
  site_directory *d = b->dir;
  if (d->n_badges >= SITE_DIR_MAX_BADGES) return b->fail = true, 1;
  if (d->n_badges == b->cap_b) {
    int cap = b->cap_b ? 2 * b->cap_b : 16;
    site_dir_badge *p = realloc(d->badges, (size_t)cap * sizeof *p);
    if (!p) return b->fail = true, 1;
    d->badges = p;
    b->cap_b = cap;
  }
  site_dir_badge *o = &d->badges[d->n_badges++];
  memset(o, 0, sizeof *o);
  snprintf(o->uid, sizeof o->uid, "%s", r->uid);
  snprintf(o->user, sizeof o->user, "%s", r->user_id ? r->user : "");
  o->enabled = r->enabled;
  return 0;
}

/* The leader's copy brought up to date: its version raised when the users
 * and badges changed, the signed body rebuilt. -1 when it cannot be built
 * (too many entries, out of memory): the members keep the copy they hold. */
static int leader_refresh(site_dirsync *d, uint32_t past) {
  site_directory dir = {0};
  build_ctx b = {.st = d->st, .dir = &dir};
  store_users_list(d->st->db, build_user, &b);
  if (!b.fail) store_badges_list(d->st->db, build_badge, &b);
  char *content = b.fail ? NULL : site_dir_serialize(&dir);
  if (!content) {
    site_dir_free(&dir);
    return -1;
  }
  uint8_t sum[32];
  char hex[65];
  site_dir_digest(content, strlen(content), sum);
  hex32(sum, hex);
  free(content);
  bool changed = strcmp(hex, d->content_hex) != 0 || past > d->version || !d->body;
  if (!changed) {
    site_dir_free(&dir);
    return 0;
  }
  uint32_t version = d->version;
  if (strcmp(hex, d->content_hex) != 0 || version == 0) version++;
  if (past > version) version = past;
  dir.version = version;
  char *wire = site_dir_serialize(&dir);
  site_dir_free(&dir);
  char sig[SITE_DIR_SIG_HEX + 1];
  if (!wire || site_dir_sign(d->secret, wire, strlen(wire), sig) != 0) {
    free(wire);
    return -1;
  }
  json_t *o = json_pack("{s:s, s:s}", "directory", wire, "signature", sig);
  char *body = o ? json_dumps(o, JSON_COMPACT) : NULL;
  json_decref(o);
  if (!body) {
    free(wire);
    return -1;
  }
  uint32_t old = d->version;
  d->version = version;
  site_dir_digest(wire, strlen(wire), d->digest);
  snprintf(d->content_hex, sizeof d->content_hex, "%s", hex);
  free(wire);
  free(d->body);
  d->body = body;
  if (state_save(d) != 0)
    log_warn(MOD, "cannot save the directory's version: %s", store_last_error(d->st->db));
  if (version != old)
    log_info(MOD, "installation directory: version %u (%s...)", version, hex + 48);
  return 0;
}

/* ---------- the leader: pushes ---------- */

static size_t on_resp(char *data, size_t size, size_t n, void *ctx) {
  push *p = ctx;
  size_t len = size * n, room = DIRSYNC_RESP_MAX - p->resp_len;
  memcpy(p->resp + p->resp_len, data, len < room ? len : room);
  p->resp_len += len < room ? len : room;
  p->resp[p->resp_len] = 0;
  return len;
}

/* The error sentence of a JSON answer {"error": "..."}, else the text. */
static void answer_text(const push *p, char *out, size_t len) {
  json_t *o = json_loadb(p->resp, p->resp_len, 0, NULL);
  const char *e = json_string_value(json_object_get(o, "error"));
  snprintf(out, len, "%s", e ? e : p->resp);
  json_decref(o);
}

static void push_done(void *ctx, CURLcode result, long code, const char *error) {
  push *p = ctx;
  site_dirsync *d = p->d;
  p->busy = false;
  if (p->headers) curl_uv_load(NULL, 0)->slist_free_all(p->headers);
  p->headers = NULL;
  if (d->closed || !d->m) return;
  const site_member *m = &d->m[p->member];
  if (result == CURLE_OK && code == 200) {
    p->fails = 0;
    station_event(d->st, 0, "site_directory_pushed",
                  "directory version %u copied to installation member %s (%s)", p->version,
                  m->address, m->last.station_id);
    return;
  }
  borne_ms wait = DIRSYNC_RETRY_MS;
  for (int i = 0; i < p->fails && wait < DIRSYNC_RETRY_MAX_MS; i++) wait *= 2;
  if (wait > DIRSYNC_RETRY_MAX_MS) wait = DIRSYNC_RETRY_MAX_MS;
  p->fails++;
  p->retry_at = clock_now(&d->st->clock) + wait;
  char why[DIRSYNC_RESP_MAX + 1];
  if (result == CURLE_OK)
    answer_text(p, why, sizeof why);
  else
    snprintf(why, sizeof why, "%s", error);
  log_warn(MOD, "directory version %u not copied to %s: %s%s (again in %d s)", p->version,
           m->address, result == CURLE_OK ? "" : "no answer: ", why, (int)(wait / 1000));
}

static void push_start(site_dirsync *d, int i) {
  const site_member *m = &d->m[i];
  push *p = &d->push[i];
  char why[300];
  const curl_fns *curl = curl_uv_load(why, sizeof why);
  if (!curl) {
    p->retry_at = clock_now(&d->st->clock) + DIRSYNC_RETRY_MS;
    log_warn(MOD, "directory not copied to %s: %s", m->address, why);
    return;
  }
  if (!d->cu && !(d->cu = curl_uv_new(d->st->loop))) return;
  CURL *easy = curl->easy_init();
  if (!easy) return;
  char url[160];
  bool v6 = strchr(m->host, ':') != NULL;
  snprintf(url, sizeof url, "%s://%s%s%s:%d/api/v1/site/directory",
           m->last.https ? "https" : "http", v6 ? "[" : "", m->host, v6 ? "]" : "",
           m->last.http_port);
  p->d = d;
  p->member = i;
  p->version = d->version;
  p->resp_len = 0;
  p->resp[0] = 0;
  p->headers = curl->slist_append(NULL, "Content-Type: application/json");
  if (p->headers) p->headers = curl->slist_append(p->headers, "Expect:");
  curl->easy_setopt(easy, CURLOPT_URL, url);
  curl->easy_setopt(easy, CURLOPT_CUSTOMREQUEST, "PUT");
  curl->easy_setopt(easy, CURLOPT_POSTFIELDSIZE, (long)strlen(d->body));
  curl->easy_setopt(easy, CURLOPT_COPYPOSTFIELDS, d->body);
  curl->easy_setopt(easy, CURLOPT_HTTPHEADER, p->headers);
  curl->easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_resp);
  curl->easy_setopt(easy, CURLOPT_WRITEDATA, p);
  curl->easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, 3000L);
  curl->easy_setopt(easy, CURLOPT_TIMEOUT_MS, 30000L);
  /* a follower's HTTPS is mostly its self-signed certificate; the copy's
   * integrity and origin are the HMAC's to prove, not TLS's */
  curl->easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 0L);
  curl->easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 0L);
  p->busy = true;
  if (curl_uv_start(d->cu, easy, push_done, p) != 0) {
    p->busy = false;
    curl->slist_free_all(p->headers);
    p->headers = NULL;
    p->retry_at = clock_now(&d->st->clock) + DIRSYNC_RETRY_MS;
  }
}

static bool member_current(const site_dirsync *d, const site_member *m) {
  return m->last.dir_version == d->version &&
         memcmp(m->last.dir_digest, d->digest, sizeof m->last.dir_digest) == 0;
}

void site_dirsync_cycle(site_dirsync *d, const site_member *m, int n) {
  if (!d || !d->leader || d->closed || !d->secret[0]) return;
  d->m = m;
  d->n = n;
  /* a member holding another copy under a version at or above ours (this
   * leader's database is new): ours moves past it, else it would refuse ours */
  uint32_t past = 0;
  for (int i = 0; i < n; i++) {
    if (!m[i].up || m[i].last.dir_version == 0 || member_current(d, &m[i])) continue;
    uint32_t v = site_dir_version_past(d->version, m[i].last.dir_version, false);
    if (v > past) past = v;
  }
  if (leader_refresh(d, past) != 0) return;
  if (!d->push && !(d->push = calloc(SITE_MAX_MEMBERS, sizeof *d->push))) {
    log_warn(MOD, "directory not copied: out of memory");
    return;
  }
  borne_ms now = clock_now(&d->st->clock);
  for (int i = 0; i < n; i++) {
    push *p = &d->push[i];
    if (!m[i].up || !m[i].last.http_port || p->busy || member_current(d, &m[i])) continue;
    if (p->retry_at > now && p->version == d->version) continue;
    push_start(d, i);
  }
}

/* ---------- the follower: PUT /api/v1/site/directory ---------- */

typedef struct {
  char *buf;
  size_t len, cap;
} body_buf;

static void *body_begin(void *ctx, const http_request *req, size_t length, int *status, char *msg,
                        size_t msglen) {
  (void)ctx;
  (void)req;
  if (length > DIRSYNC_BODY_MAX) {
    *status = 413;
    snprintf(msg, msglen, "the directory is larger than %d bytes", DIRSYNC_BODY_MAX);
    return NULL;
  }
  body_buf *b = calloc(1, sizeof *b);
  if (b) b->cap = length ? length + 1 : 4096;
  if (!b || !(b->buf = malloc(b->cap))) {
    free(b);
    *status = 500;
    snprintf(msg, msglen, "out of memory");
    return NULL;
  }
  return b;
}

static int body_chunk(void *state, const char *data, size_t len, char *msg, size_t msglen) {
  body_buf *b = state;
  if (b->len + len > DIRSYNC_BODY_MAX) {
    snprintf(msg, msglen, "the directory is larger than %d bytes", DIRSYNC_BODY_MAX);
    return 413;
  }
  if (b->len + len + 1 > b->cap) {
    size_t cap = 2 * (b->len + len + 1);
    char *p = realloc(b->buf, cap);
    if (!p) {
      snprintf(msg, msglen, "out of memory");
      return 500;
    }
    b->buf = p;
    b->cap = cap;
  }
  memcpy(b->buf + b->len, data, len);
  b->len += len;
  return 0;
}

static void body_free(void *state) {
  body_buf *b = state;
  if (!b) return;
  free(b->buf);
  free(b);
}

static const http_body_sink body_sink = {
    .max_body = DIRSYNC_BODY_MAX,
    .begin = body_begin,
    .chunk = body_chunk,
    .abort = body_free,
};

static int refuse(site_dirsync *d, const http_request *req, http_response *res, int status,
                  const char *why) {
  station_event(d->st, 0, "site_directory_refused", "a directory copy from %s refused: %s",
                req->peer && req->peer[0] ? req->peer : "?", why);
  http_json_error(res, status, "%s", why);
  return 0;
}

/* Users and badges made the directory's, in the caller's batch. -1 when a
 * write failed (the caller does not record the copy as held). */
/* The first failure's reason kept (a later store call may overwrite it). */
static void failed(site_dirsync *d, int *rc) {
  if (*rc == 0) snprintf(d->why, sizeof d->why, "%s", store_last_error(d->st->db));
  *rc = -1;
}

static int apply(site_dirsync *d, const site_directory *dir) {
  store *db = d->st->db;
  int rc = 0;
  for (int i = 0; i < dir->n_users; i++) {
    const site_dir_user *u = &dir->users[i];
    user_row row;
    int64_t id;
    if (store_user_find(db, u->name, &row) == 0) {
      id = row.id;
      if (row.enabled != u->enabled && store_user_update(db, id, u->name, u->enabled) != 0)
        failed(d, &rc);
    } else if (store_user_create(db, u->name, u->enabled, &id) != 0) {
      failed(d, &rc);
      continue;
    }
    unsigned have = 0;
    if ((store_user_connectors_get(db, id, &have) != 0 || have != u->connectors) &&
        store_user_connectors_set(db, id, u->connectors) != 0)
      failed(d, &rc);
  }
  borne_ms now = clock_now(&d->st->clock);
  for (int i = 0; i < dir->n_badges; i++) {
    const site_dir_badge *b = &dir->badges[i];
    int64_t user_id = 0;
    user_row row;
    if (b->user[0] && store_user_find(db, b->user, &row) == 0) user_id = row.id;
    badge_row have;
    if (store_badge_get(db, b->uid, &have) == 0) {
      if ((have.user_id != user_id || have.enabled != b->enabled) &&
          store_badge_update(db, b->uid, user_id, b->enabled) != 0)
        failed(d, &rc);
    } else if (store_badge_add(db, b->uid, user_id, b->enabled, now) != 0) {
      failed(d, &rc);
    }
  }
  return rc;
}

/* Those not in the directory: collected first, removed after the listing. */
typedef struct {
  const site_directory *dir;
  char (*uids)[BORNE_UID_MAX + 1];
  int64_t *ids;
  int n, cap;
  bool fail;
} stale;

static bool grow(stale *s, size_t each) {
  if (s->n < s->cap) return true;
  int cap = s->cap ? 2 * s->cap : 32;
  void *p = realloc(each == sizeof *s->ids ? (void *)s->ids : (void *)s->uids, (size_t)cap * each);
  if (!p) return s->fail = true, false;
  if (each == sizeof *s->ids)
    s->ids = p;
  else
    s->uids = p;
  s->cap = cap;
  return true;
}

static int stale_badge(void *ctx, const badge_row *r) {
  stale *s = ctx;
  for (int i = 0; i < s->dir->n_badges; i++)
    if (!strcmp(s->dir->badges[i].uid, r->uid)) return 0;
  if (!grow(s, sizeof *s->uids)) return 1;
  snprintf(s->uids[s->n++], sizeof s->uids[0], "%s", r->uid);
  return 0;
}

static int stale_user(void *ctx, const user_row *r) {
  stale *s = ctx;
  for (int i = 0; i < s->dir->n_users; i++)
    if (!strcmp(s->dir->users[i].name, r->name)) return 0;
  if (!grow(s, sizeof *s->ids)) return 1;
  s->ids[s->n++] = r->id;
  return 0;
}

static int remove_stale(site_dirsync *d, const site_directory *dir) {
  store *db = d->st->db;
  int rc = 0;
  stale b = {.dir = dir};
  store_badges_list(db, stale_badge, &b);
  for (int i = 0; i < b.n; i++)
    if (store_badge_remove(db, b.uids[i]) != 0) failed(d, &rc);
  stale u = {.dir = dir};
  store_users_list(db, stale_user, &u);
  for (int i = 0; i < u.n; i++)
    if (store_user_delete(db, u.ids[i]) != 0) failed(d, &rc);
  free(b.uids);
  free(u.ids);
  if (b.fail || u.fail) {
    snprintf(d->why, sizeof d->why, "out of memory");
    rc = -1;
  }
  return rc;
}

static void set_managed_by(site_dirsync *d) {
  station *st = d->st;
  if (!st->people_managed_by && !(st->people_managed_by = malloc(PEOPLE_MANAGED_BY_MAX))) {
    log_error(MOD, "out of memory: the users and badges are not shown as the leader's");
    return;
  }
  if (d->from[0])
    snprintf(st->people_managed_by, PEOPLE_MANAGED_BY_MAX, "the leader %s", d->from);
  else
    snprintf(st->people_managed_by, PEOPLE_MANAGED_BY_MAX, "the installation's leader");
}

static int put_directory(void *ctx, const http_request *req, http_response *res) {
  site_dirsync *d = ctx;
  body_buf *b = req->body_state;
  int rc = 0;
  json_t *o = NULL;
  site_directory dir = {0};
  bool parsed = false;
  const char *peer = req->peer && req->peer[0] ? req->peer : "?";
  if (!d->follower) {
    http_json_error(res, 409, "this station is not a follower (site.role): it takes no copy");
    goto out;
  }
  if (!d->secret[0]) {
    refuse(d, req, res, 403,
           "site.secret is not set on this station: it cannot check a copy's signature");
    goto out;
  }
  json_error_t je;
  o = b ? json_loadb(b->buf, b->len, JSON_REJECT_DUPLICATES, &je) : NULL;
  json_t *text = json_object_get(o, "directory");
  const char *sig = json_string_value(json_object_get(o, "signature"));
  if (!json_is_object(o) || !json_is_string(text) || !sig) {
    refuse(d, req, res, 400,
           "the body must be {\"directory\": \"...\", \"signature\": \"<64 hex digits>\"}");
    goto out;
  }
  const char *wire = json_string_value(text);
  size_t len = json_string_length(text);
  if (!site_dir_verify(d->secret, wire, len, sig)) {
    refuse(d, req, res, 403,
           "the signature does not match: the copy was not signed with this station's "
           "site.secret");
    goto out;
  }
  char why[160];
  if (site_dir_parse(wire, len, &dir, why, sizeof why) != 0) {
    char msg[200];
    snprintf(msg, sizeof msg, "the directory is not valid: %s", why);
    refuse(d, req, res, 400, msg);
    goto out;
  }
  parsed = true;
  uint8_t digest[32];
  site_dir_digest(wire, len, digest);
  switch (site_dir_judge(d->version, d->digest, dir.version, digest)) {
  case SITE_DIR_SAME:
    http_json_body(res,
                   json_pack("{s:b, s:I}", "applied", false, "version", (json_int_t)dir.version));
    goto out;
  case SITE_DIR_STALE: {
    char msg[200];
    snprintf(msg, sizeof msg,
             "version %u is not newer than the copy held (version %u): a replayed or stale copy",
             dir.version, d->version);
    refuse(d, req, res, 403, msg);
    goto out;
  }
  case SITE_DIR_APPLY:
    break;
  }
  uint32_t old_version = d->version;
  uint8_t old_digest[32];
  char old_from[sizeof d->from];
  memcpy(old_digest, d->digest, sizeof old_digest);
  memcpy(old_from, d->from, sizeof old_from);
  d->version = dir.version;
  memcpy(d->digest, digest, sizeof digest);
  snprintf(d->from, sizeof d->from, "%s", peer);
  store *db = d->st->db;
  d->why[0] = 0;
  int bad = store_batch_begin(db);
  if (bad == 0) {
    bad |= apply(d, &dir);
    bad |= remove_stale(d, &dir);
    if (bad == 0 && state_save(d) != 0) failed(d, &bad);
    /* a failed write undid only its own part: the copy is not recorded as
     * held, so the leader sends it again */
    if (store_batch_end(db) != 0) failed(d, &bad);
  } else {
    failed(d, &bad);
  }
  if (bad) {
    d->version = old_version;
    memcpy(d->digest, old_digest, sizeof old_digest);
    memcpy(d->from, old_from, sizeof old_from);
    http_json_error(res, 500, "cannot write the copy: %s", d->why);
    goto out;
  }
  publish(d);
  set_managed_by(d);
  station_event(d->st, 0, "site_directory_applied",
                "directory version %u from the leader %s applied: %d user(s), %d badge(s)",
                dir.version, peer, dir.n_users, dir.n_badges);
  http_json_body(res, json_pack("{s:b, s:I}", "applied", true, "version", (json_int_t)dir.version));
out:
  if (parsed) site_dir_free(&dir);
  json_decref(o);
  body_free(b);
  return rc;
}

/* ---------- GET /api/v1/site ---------- */

json_t *site_dirsync_json(const site_dirsync *d) {
  if (!d || (!d->leader && !d->follower) || !d->secret[0]) return json_null();
  char hex[65];
  hex32(d->digest, hex);
  json_t *o = json_object();
  json_object_set_new(o, "version", d->version ? json_integer(d->version) : json_null());
  json_object_set_new(o, "digest", d->version ? json_string(hex) : json_null());
  if (d->follower) json_object_set_new(o, "from", d->from[0] ? json_string(d->from) : json_null());
  return o;
}

json_t *site_dirsync_member_json(const site_dirsync *d, const site_member *m) {
  if (!d || !d->leader || !d->secret[0] || !m->ever_up) return json_null();
  return json_pack("{s:I, s:b}", "version", (json_int_t)m->last.dir_version, "current",
                   member_current(d, m));
}

/* ---------- module ---------- */

site_dirsync *site_dirsync_new(station *st, bool leader, bool follower, char *err, size_t errlen) {
  site_dirsync *d = calloc(1, sizeof *d);
  if (!d) return errbuf_fail(err, errlen, "site: out of memory"), NULL;
  d->st = st;
  d->leader = leader;
  d->follower = follower;
  const char *secret = config_get(st->cfg, "site.secret");
  d->secret = secret ? secret : "";
  if (store_module_migrate(st->db, "site", steps, (int)(sizeof steps / sizeof steps[0])) != 0 ||
      state_load(d) != 0) {
    errbuf_fail(err, errlen, "site: the directory's table: %s", store_last_error(st->db));
    free(d);
    return NULL;
  }
  http_add_route_sink(st->http, &(http_route){"PUT", "/api/v1/site/directory", put_directory, d},
                      &body_sink);
  if (follower && d->secret[0]) {
    publish(d);
    set_managed_by(d);
    log_info(MOD, "users and badges managed by %s (directory version %u held)",
             st->people_managed_by ? st->people_managed_by : "the leader", d->version);
  }
  if (leader && !d->secret[0])
    log_info(MOD, "site.secret not set: users and badges are not copied to the members");
  return d;
}

void site_dirsync_close(site_dirsync *d) {
  if (!d || d->closed) return;
  d->closed = true;
  if (d->cu) curl_uv_close(d->cu);
}

void site_dirsync_free(site_dirsync *d) {
  if (!d) return;
  for (int i = 0; d->push && i < SITE_MAX_MEMBERS; i++)
    if (d->push[i].headers) curl_uv_load(NULL, 0)->slist_free_all(d->push[i].headers);
  free(d->push);
  free(d->body);
  free(d);
}
