/*
 * Who may use the API from the web page: PIN login of the two roles (owner
 * and installer), first-start PIN setup from the local network with the
 * setup code only the installer has (DATA_DIR/setup-code), PIN change,
 * logout, and the auth hook of the HTTP server that checks the session
 * cookie, the CSRF token and the role of every /api/ request, and the
 * Origin and Content-Type of the writes that need no session (login,
 * setup). PINs are hashed and checked in a libuv worker (PBKDF2 costs tens
 * of milliseconds), one check per client address and role at a time so that
 * parallel guesses cannot outrun the lock-out, which counts wrong PINs per
 * client address (web/auth.h). Failed logins are events of kind `security` whose detail starts
 * with the OCPP security event type (MaintenanceLoginFailed, OCPP 2.x
 * security event list; SecurityEventNotification), so the OCPP module can
 * forward them.
 */
#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "http/http_json.h"
#include "webpage/page_api.h"
#include "util/log.h"
#include "util/secret_file.h"

#define MOD "web"

/* ---- storage (module "web" in the station's database) ---- */

static const char *const steps[] = {
    "CREATE TABLE web_pins(role TEXT PRIMARY KEY, hash TEXT NOT NULL, changed_ms INTEGER NOT "
    "NULL)",
    /* Logins survive a restart of borned (issue 19): the live sessions, with
     * their expiry in wall-clock milliseconds (the loop's clock starts again). */
    "CREATE TABLE web_sessions(id TEXT PRIMARY KEY, csrf TEXT NOT NULL, role TEXT NOT NULL, "
    "expires_unix_ms INTEGER NOT NULL)",
    /* The site's load of the last 48 hours survives a restart (issue 19):
     * the highest phase of each minute (page_events.c). */
    "CREATE TABLE web_site_readings(minute_ms INTEGER PRIMARY KEY, amps REAL NOT NULL, "
    "limit_a REAL)",
};

static int load_pins(web_ctx *w, char *err, size_t errlen) {
  sqlite3_stmt *q;
  if (sqlite3_prepare_v2(store_sqlite(w->st->db), "SELECT role, hash FROM web_pins", -1, &q,
                         NULL) != SQLITE_OK) {
    snprintf(err, errlen, "web: cannot read the PINs: %s", sqlite3_errmsg(store_sqlite(w->st->db)));
    return -1;
  }
  while (sqlite3_step(q) == SQLITE_ROW) {
    web_role r = web_role_parse((const char *)sqlite3_column_text(q, 0));
    const char *h = (const char *)sqlite3_column_text(q, 1);
    if (r != WEB_ROLE_NONE && h) snprintf(w->pin_hash[r], sizeof w->pin_hash[r], "%s", h);
  }
  sqlite3_finalize(q);
  return 0;
}

static int save_pin(web_ctx *w, web_role r, const char *hash) {
  sqlite3_stmt *q;
  sqlite3 *db = store_sqlite(w->st->db);
  if (sqlite3_prepare_v2(db,
                         "INSERT INTO web_pins(role, hash, changed_ms) VALUES(?, ?, ?) "
                         "ON CONFLICT(role) DO UPDATE SET hash = excluded.hash, "
                         "changed_ms = excluded.changed_ms",
                         -1, &q, NULL) != SQLITE_OK)
    return -1;
  sqlite3_bind_text(q, 1, web_role_name(r), -1, SQLITE_STATIC);
  sqlite3_bind_text(q, 2, hash, -1, SQLITE_STATIC);
  sqlite3_bind_int64(q, 3, clock_now(&w->st->clock));
  int rc = sqlite3_step(q) == SQLITE_DONE ? 0 : -1;
  sqlite3_finalize(q);
  if (rc == 0) snprintf(w->pin_hash[r], sizeof w->pin_hash[r], "%s", hash);
  return rc;
}

/* ---- sessions on disk (table web_sessions) ---- */

/* Real wall-clock time (not the simulated station clock): a session's
 * expiry must mean the same after a restart. */
static int64_t wall_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Rewrites the table from the live sessions, one transaction (at most
 * WEB_SESSIONS_MAX rows). A failure is logged: the logins still work until
 * the next restart. */
static void sessions_save(web_ctx *w) {
  sqlite3 *db = store_sqlite(w->st->db);
  int64_t now = web_now(w), wall = wall_ms();
  sqlite3_stmt *q = NULL;
  bool ok = sqlite3_exec(db, "SAVEPOINT web_sessions; DELETE FROM web_sessions", NULL, NULL,
                         NULL) == SQLITE_OK &&
            sqlite3_prepare_v2(db,
                               "INSERT INTO web_sessions(id, csrf, role, expires_unix_ms) "
                               "VALUES(?, ?, ?, ?)",
                               -1, &q, NULL) == SQLITE_OK;
  for (int i = 0; ok && i < WEB_SESSIONS_MAX; i++) {
    web_session *s = &w->sessions.s[i];
    if (!s->id[0] || s->expires_ms <= now) continue;
    sqlite3_bind_text(q, 1, s->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, s->csrf, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, web_role_name(s->role), -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 4, wall + (s->expires_ms - now));
    ok = sqlite3_step(q) == SQLITE_DONE;
    sqlite3_reset(q);
    w->session_saved_ms[i] = s->expires_ms;
  }
  sqlite3_finalize(q);
  /* a savepoint: its own transaction, or part of a store batch running now */
  if (ok && sqlite3_exec(db, "RELEASE web_sessions", NULL, NULL, NULL) == SQLITE_OK) return;
  log_warn(MOD, "cannot save the logins (they end at the next restart): %s", sqlite3_errmsg(db));
  sqlite3_exec(db, "ROLLBACK TO web_sessions; RELEASE web_sessions", NULL, NULL, NULL);
}

static int sessions_load(web_ctx *w, char *err, size_t errlen) {
  sqlite3 *db = store_sqlite(w->st->db);
  sqlite3_stmt *q;
  if (sqlite3_prepare_v2(db,
                         "SELECT id, csrf, role, expires_unix_ms FROM web_sessions "
                         "WHERE expires_unix_ms > ? ORDER BY expires_unix_ms DESC",
                         -1, &q, NULL) != SQLITE_OK) {
    snprintf(err, errlen, "web: cannot read the logins: %s", sqlite3_errmsg(db));
    return -1;
  }
  int64_t now = web_now(w), wall = wall_ms();
  sqlite3_bind_int64(q, 1, wall);
  for (int i = 0; i < WEB_SESSIONS_MAX && sqlite3_step(q) == SQLITE_ROW; i++) {
    const char *id = (const char *)sqlite3_column_text(q, 0);
    const char *csrf = (const char *)sqlite3_column_text(q, 1);
    web_role r = web_role_parse((const char *)sqlite3_column_text(q, 2));
    if (!id || !csrf || r == WEB_ROLE_NONE || strlen(id) != WEB_TOKEN_HEX ||
        strlen(csrf) != WEB_TOKEN_HEX) {
      i--;
      continue;
    }
    web_session *s = &w->sessions.s[i];
    memcpy(s->id, id, WEB_TOKEN_HEX + 1);
    memcpy(s->csrf, csrf, WEB_TOKEN_HEX + 1);
    s->role = r;
    s->expires_ms = now + (sqlite3_column_int64(q, 3) - wall);
    w->session_saved_ms[i] = s->expires_ms;
  }
  sqlite3_finalize(q);
  return 0;
}

/* ---- the setup code (DATA_DIR/setup-code) ---- */

#define SETUP_CODE_FILE "setup-code"

static bool pins_all_set(const web_ctx *w) {
  return w->pin_hash[WEB_ROLE_OWNER][0] && w->pin_hash[WEB_ROLE_INSTALLER][0];
}

static void setup_code_path(const web_ctx *w, char *out, size_t len) {
  snprintf(out, len, "%s/" SETUP_CODE_FILE, w->st->data_dir);
}

/* Reads the setup code, or makes it at the first start: created with
 * O_EXCL and set to 0600 whatever the umask, like the API token. */
static int setup_code_load(web_ctx *w, char *err, size_t errlen) {
  char path[600], text[64] = "";
  setup_code_path(w, path, sizeof path);
  int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd >= 0) {
    struct stat sb;
    ssize_t n = fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) ? read(fd, text, sizeof text - 1) : -1;
    if (n >= 0 && (sb.st_mode & 077) != 0) {
      log_warn(MOD, "%s was readable by others: mode set to 0600", path);
      if (fchmod(fd, 0600) != 0) n = -1;
    }
    close(fd);
    if (n < 0) {
      snprintf(err, errlen, "web: cannot read %s (a regular file, mode 0600)", path);
      return -1;
    }
    text[n] = '\0';
    text[strcspn(text, "\r\n")] = '\0';
    if (web_setup_code_canonical(text, w->setup_code) != 0) {
      snprintf(err, errlen, "web: %s is not a setup code; delete it to get a new one", path);
      return -1;
    }
    return 0;
  }
  if (errno != ENOENT) {
    snprintf(err, errlen, "web: cannot read %s: %s", path, strerror(errno));
    return -1;
  }
  unsigned char rnd[WEB_SETUP_CODE_CHARS];
  /* the kernel's random source, as for the API token: no OpenSSL DRBG on the
   * start path (issue 15) */
  if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd) {
    snprintf(err, errlen, "web: no random source for the setup code");
    return -1;
  }
  web_setup_code_make(rnd, text);
  OPENSSL_cleanse(rnd, sizeof rnd);
  char why[700];
  if (secret_file_create(path, text, why, sizeof why) != 0) {
    snprintf(err, errlen, "web: %s", why);
    return -1;
  }
  web_setup_code_canonical(text, w->setup_code);
  log_info(MOD,
           "first start: no PIN yet; the setup code asked for with them is in %s "
           "(bornectl setup-code prints it)",
           path);
  OPENSSL_cleanse(text, sizeof text);
  return 0;
}

/* Once both PINs are set the code has done its work: forget it. */
static void setup_code_forget(web_ctx *w) {
  char path[600];
  setup_code_path(w, path, sizeof path);
  OPENSSL_cleanse(w->setup_code, sizeof w->setup_code);
  if (unlink(path) != 0 && errno != ENOENT)
    log_warn(MOD, "cannot delete %s: %s", path, strerror(errno));
}

int web_auth_open(web_ctx *w, char *err, size_t errlen) {
  if (store_module_migrate(w->st->db, "web", steps, (int)(sizeof steps / sizeof steps[0])) != 0) {
    snprintf(err, errlen, "web: %s", store_last_error(w->st->db));
    return -1;
  }
  if (load_pins(w, err, errlen) != 0) return -1;
  if (sessions_load(w, err, errlen) != 0) return -1;
  if (pins_all_set(w)) {
    setup_code_forget(w);
    return 0;
  }
  return setup_code_load(w, err, errlen);
}

/* ---- sessions ---- */

int64_t web_now(const web_ctx *w) { return (int64_t)uv_now(w->st->loop); }

static int64_t ttl_ms(const web_ctx *w) {
  return config_get_int(w->st->cfg, "web.session_minutes") * 60 * 1000;
}

web_session *web_request_session(web_ctx *w, const http_request *req) {
  char id[WEB_TOKEN_HEX + 1];
  if (!web_cookie_value(req->cookie, WEB_COOKIE, id, sizeof id)) return NULL;
  web_session *s = web_session_find(&w->sessions, id, web_now(w), ttl_ms(w));
  /* The sliding expiry reaches the disk at most once a minute per session. */
  if (s && s->expires_ms - w->session_saved_ms[s - w->sessions.s] > 60 * 1000) sessions_save(w);
  return s;
}

/* The HTTP server's auth hook (http_set_auth): see api/http.h. */
static int web_auth(void *ctx, const http_request *req, const char **principal, char *msg,
                    size_t len) {
  web_ctx *w = ctx;
  web_role need = web_required_role(req->method, req->path);
  if (need == WEB_ROLE_NONE && web_is_write(req->method)) {
    /* Login and setup need no session, so no CSRF token protects them: a
     * page of another site must not be able to send them from a visitor's
     * browser. A foreign Origin is refused; a cross-site request without
     * one can only be a "simple" one (form types, no preflight), refused by
     * the JSON type. */
    if (!web_origin_matches(req->origin, req->host)) {
      snprintf(msg, len,
               "the Origin header is not this station (Host): a page of another site cannot "
               "log in or set the PINs");
      return 403;
    }
    if (!web_is_json_type(req->content_type)) {
      snprintf(msg, len, "Content-Type must be application/json");
      return 415;
    }
  }
  if (req->bearer_ok) { /* bornectl and scripts: the API token is the installer's key */
    *principal = "installer";
    return 0;
  }
  web_session *s = web_request_session(w, req);
  if (s) *principal = web_role_name(s->role);
  if (need == WEB_ROLE_NONE) return 0;
  if (!s) {
    snprintf(msg, len, "log in first (web page PIN), or send the API token");
    return 401;
  }
  if (web_is_write(req->method) &&
      (!req->csrf_token || !web_token_equal(req->csrf_token, s->csrf))) {
    snprintf(msg, len, "missing or wrong X-CSRF-Token header (reload the page)");
    return 403;
  }
  if (s->role < need) {
    snprintf(msg, len, "this needs the installer PIN");
    return 403;
  }
  return 0;
}

/* ---- PIN work off the loop ---- */

typedef enum { JOB_VERIFY, JOB_HASH } job_kind;

typedef struct {
  uv_work_t work;
  web_ctx *w;
  http_pending *pending;
  job_kind kind;
  int count; /* JOB_HASH: roles to hash */
  web_role roles[2];
  char pins[2][WEB_PIN_MAX + 1];
  char hashes[2][WEB_PIN_HASH_MAX];
  bool ok;
  char peer[64];
  web_lock_entry *entry;                /* JOB_VERIFY: the client's lock-out, `checking` set */
  bool setup;                           /* JOB_HASH from the first-start setup */
  char keep_session[WEB_TOKEN_HEX + 1]; /* JOB_HASH: the caller's session survives */
} pin_job;

static void job_run(uv_work_t *req) {
  pin_job *j = req->data;
  if (j->kind == JOB_VERIFY) {
    j->ok = web_pin_verify(j->pins[0], j->hashes[0]);
  } else {
    j->ok = true;
    for (int i = 0; i < j->count; i++)
      if (web_pin_hash(j->pins[i], WEB_PIN_ITERATIONS, j->hashes[i], sizeof j->hashes[i]) != 0)
        j->ok = false;
  }
  OPENSSL_cleanse(j->pins, sizeof j->pins);
}

static int64_t lock_base_ms(const web_ctx *w) {
  return config_get_int(w->st->cfg, "web.lockout_s") * 1000;
}

static void login_done(web_ctx *w, pin_job *j) {
  web_role r = j->roles[0];
  const char *name = web_role_name(r);
  web_lock_entry *e = j->entry;
  e->checking[r] = false;
  if (!j->ok) {
    int64_t lock = web_lock_entry_fail(e, r, web_now(w), lock_base_ms(w));
    char locked[48] = "";
    if (lock) snprintf(locked, sizeof locked, ", locked %lld s", (long long)((lock + 999) / 1000));
    station_event(w->st, 0, "security",
                  "MaintenanceLoginFailed: wrong %s PIN from %s (%d in a row%s)", name, j->peer,
                  e->role[r].failures, locked);
    http_response res = {0};
    json_t *o = json_pack(
        "{s:s, s:I, s:i}", "error",
        lock ? "wrong PIN: too many attempts, wait before the next one" : "wrong PIN", "locked_s",
        (json_int_t)((lock + 999) / 1000), "attempts_left", web_lockout_free_left(&e->role[r]));
    http_json_body(&res, o);
    res.status = lock ? 429 : 401;
    char retry[64];
    if (lock) {
      snprintf(retry, sizeof retry, "Retry-After: %lld", (long long)((lock + 999) / 1000));
      res.extra_header = retry;
    }
    http_complete(j->pending, &res);
    return;
  }
  web_lockout_success(&e->role[r]);
  unsigned char rnd[2 * WEB_TOKEN_BYTES];
  if (RAND_bytes(rnd, sizeof rnd) != 1) {
    http_complete_error(j->pending, 500, "no random source for a session");
    return;
  }
  int64_t ttl = ttl_ms(w);
  const web_session *s = web_session_new(&w->sessions, r, web_now(w), ttl, rnd);
  OPENSSL_cleanse(rnd, sizeof rnd);
  sessions_save(w);
  station_event(w->st, 0, "security", "MaintenanceLoginAccepted: %s from %s", name, j->peer);
  char cookie[256];
  snprintf(cookie, sizeof cookie,
           "Set-Cookie: " WEB_COOKIE "=%s; Path=/; Max-Age=%lld; HttpOnly; SameSite=Strict%s",
           s->id, (long long)(ttl / 1000), w->fingerprint[0] ? "; Secure" : "");
  http_response res = {.extra_header = cookie};
  http_json_body(&res, json_pack("{s:s, s:s, s:I}", "role", name, "csrf", s->csrf, "expires_in_s",
                                 (json_int_t)(ttl / 1000)));
  http_complete(j->pending, &res);
}

static void hash_done(web_ctx *w, pin_job *j) {
  if (!j->ok) {
    http_complete_error(j->pending, 500, "cannot hash the PIN (no random source)");
    return;
  }
  json_t *set = json_array();
  for (int i = 0; i < j->count; i++) {
    web_role r = j->roles[i];
    if (j->setup && w->pin_hash[r][0]) { /* someone else was faster */
      json_decref(set);
      http_complete_error(j->pending, 409, "the %s PIN is already set", web_role_name(r));
      return;
    }
  }
  for (int i = 0; i < j->count; i++) {
    web_role r = j->roles[i];
    if (save_pin(w, r, j->hashes[i]) != 0) {
      json_decref(set);
      http_complete_error(j->pending, 500, "cannot save the %s PIN: %s", web_role_name(r),
                          sqlite3_errmsg(store_sqlite(w->st->db)));
      return;
    }
    /* A new PIN logs out everyone who used the old one (but not the caller). */
    for (int k = 0; k < WEB_SESSIONS_MAX; k++) {
      web_session *s = &w->sessions.s[k];
      if (s->role == r && s->id[0] && strcmp(s->id, j->keep_session) != 0) memset(s, 0, sizeof *s);
    }
    /* A new PIN lifts the lock-outs of its role (a reception that locked
     * itself out and got a new PIN can use it at once). */
    for (int k = 0; k < WEB_LOCK_ADDRS; k++) web_lockout_success(&w->locks.e[k].role[r]);
    web_lockout_success(&w->locks.others.role[r]);
    station_event(w->st, 0, "security", "ReconfigurationOfSecurityParameters: %s PIN %s from %s",
                  web_role_name(r), j->setup ? "set" : "changed", j->peer);
    json_array_append_new(set, json_string(web_role_name(r)));
  }
  sessions_save(w);
  if (w->setup_code[0] && pins_all_set(w)) setup_code_forget(w);
  http_response res = {0};
  http_json_body(&res, json_pack("{s:o}", "set", set));
  http_complete(j->pending, &res);
}

static void job_done(uv_work_t *req, int status) {
  pin_job *j = req->data;
  web_ctx *w = j->w;
  w->jobs--;
  if (status != 0 || w->closing) {
    if (j->kind == JOB_VERIFY) j->entry->checking[j->roles[0]] = false;
    http_complete_error(j->pending, 503, "borned is shutting down");
  } else if (j->kind == JOB_VERIFY) {
    login_done(w, j);
  } else {
    hash_done(w, j);
  }
  OPENSSL_cleanse(j, sizeof *j);
  free(j);
}

/* Defers the request and queues the job; 0, or -1 with res filled. */
static int start_job(web_ctx *w, pin_job *j, const http_request *req, http_response *res) {
  j->w = w;
  j->work.data = j;
  snprintf(j->peer, sizeof j->peer, "%s", req->peer && req->peer[0] ? req->peer : "?");
  j->pending = http_defer(req);
  if (!j->pending) {
    http_json_error(res, 500, "cannot defer the request");
    return -1;
  }
  if (uv_queue_work(w->st->loop, &j->work, job_run, job_done) != 0) {
    http_complete_error(j->pending, 500, "cannot start the PIN check");
    return 1;
  }
  w->jobs++;
  return 1;
}

/* ---- endpoints ---- */

/* When this client may not try a secret of role r now (its address is locked
 * for it, or a check of it runs): fills a 429 and returns true. Trying while
 * locked makes the lock longer. `what`: "PIN" or "setup code". */
static bool refuse_locked(web_ctx *w, const http_request *req, web_lock_entry *e, web_role r,
                          const char *what, http_response *res) {
  int64_t left = web_lockout_remaining(&e->role[r], web_now(w));
  if (left <= 0 && !e->checking[r]) return false;
  int64_t lock = left > 0 ? web_lock_entry_fail(e, r, web_now(w), lock_base_ms(w)) : 1000;
  if (left > 0)
    station_event(w->st, 0, "security",
                  "MaintenanceLoginFailed: %s %s tried while locked from %s (locked %lld s)",
                  web_role_name(r), what, req->peer, (long long)(lock / 1000));
  static char retry[64];
  snprintf(retry, sizeof retry, "Retry-After: %lld", (long long)((lock + 999) / 1000));
  const char *why = left <= 0                  ? "a check is already running: try again"
                    : strcmp(what, "PIN") == 0 ? "too many wrong PINs: wait before the next attempt"
                                               : "too many wrong setup codes: wait before the next "
                                                 "attempt";
  http_json_body(res, json_pack("{s:s, s:I, s:i}", "error", why, "locked_s",
                                (json_int_t)((lock + 999) / 1000), "attempts_left", 0));
  res->status = 429;
  res->extra_header = retry;
  return true;
}

/* The body of login and PIN change: {"role": "owner"|"installer", "pin":
 * "digits"}. The parsed body (it owns *pin), or NULL with res filled. */
static json_t *parse_role_pin(const http_request *req, http_response *res, web_role *r,
                              const char **pin) {
  json_t *body = http_parse_object(req, res, 0);
  if (!body) return NULL;
  static const char *const allowed[] = {"role", "pin", NULL};
  const char *role = NULL;
  char why[128];
  *pin = NULL;
  if (http_only_members(body, allowed, res) != 0 ||
      http_opt_string(body, "role", 32, &role, res) < 0 ||
      http_opt_string(body, "pin", 64, pin, res) < 0) {
    json_decref(body);
    return NULL;
  }
  *r = web_role_parse(role);
  if (*r == WEB_ROLE_NONE) {
    json_decref(body);
    http_json_error(res, 400, "role: must be \"owner\" or \"installer\"");
    return NULL;
  }
  if (web_pin_check_format(*pin, why, sizeof why) != 0) {
    json_decref(body);
    http_json_error(res, 400, "pin: %s", why);
    return NULL;
  }
  return body;
}

static int post_login(void *ctx, const http_request *req, http_response *res) {
  web_ctx *w = ctx;
  web_role r;
  const char *pin;
  json_t *body = parse_role_pin(req, res, &r, &pin);
  if (!body) return 0;
  if (!w->pin_hash[r][0]) {
    json_decref(body);
    return http_json_error(res, 409, "no %s PIN yet: set it first", web_role_name(r)), 0;
  }
  web_lock_entry *e = web_lock_entry_for(&w->locks, req->peer, web_now(w));
  if (refuse_locked(w, req, e, r, "PIN", res)) {
    json_decref(body);
    return 0;
  }
  pin_job *j = calloc(1, sizeof *j);
  if (!j) {
    json_decref(body);
    return http_json_error(res, 500, "out of memory"), 0;
  }
  j->kind = JOB_VERIFY;
  j->count = 1;
  j->roles[0] = r;
  snprintf(j->pins[0], sizeof j->pins[0], "%s", pin);
  snprintf(j->hashes[0], sizeof j->hashes[0], "%s", w->pin_hash[r]);
  json_decref(body);
  j->entry = e;
  e->checking[r] = true;
  int rc = start_job(w, j, req, res);
  if (rc < 0) {
    e->checking[r] = false;
    free(j);
    return 0;
  }
  return 1;
}

static int post_logout(void *ctx, const http_request *req, http_response *res) {
  web_ctx *w = ctx;
  char id[WEB_TOKEN_HEX + 1];
  if (web_cookie_value(req->cookie, WEB_COOKIE, id, sizeof id)) {
    web_session_drop(&w->sessions, id);
    sessions_save(w);
  }
  res->extra_header = w->fingerprint[0] ? "Set-Cookie: " WEB_COOKIE
                                          "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict; Secure"
                                        : "Set-Cookie: " WEB_COOKIE
                                          "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict";
  http_json_body(res, json_pack("{s:b}", "logged_out", 1));
  return 0;
}

static int get_session(void *ctx, const http_request *req, http_response *res) {
  web_ctx *w = ctx;
  web_session *s = web_request_session(w, req);
  const char *role = s ? web_role_name(s->role) : req->bearer_ok ? "installer" : NULL;
  bool need_owner = !w->pin_hash[WEB_ROLE_OWNER][0];
  bool need_installer = !w->pin_hash[WEB_ROLE_INSTALLER][0];
  /* the page shows dates and times in the station's zone (unset: the browser's) */
  const char *zone = config_get(w->st->cfg, "site.timezone");
  http_json_body(res, json_pack("{s:s?, s:s?, s:s, s:{s:b, s:b}, s:b, s:s?}", "role", role, "csrf",
                                s ? s->csrf : NULL, "station", config_get(w->st->cfg, "station.id"),
                                "pin_set", "owner", !need_owner, "installer", !need_installer,
                                "can_setup",
                                (need_owner || need_installer) && web_peer_is_local(req->peer),
                                "timezone", zone && zone[0] ? zone : NULL));
  return 0;
}

/* Reads {"setup_code": CODE, "owner": PIN, "installer": PIN} (setup) or
 * {"role", "pin"} (change) into a JOB_HASH job. A wrong setup code counts
 * as a wrong installer PIN of the client's address. */
static int post_setup(void *ctx, const http_request *req, http_response *res) {
  web_ctx *w = ctx;
  if (!web_peer_is_local(req->peer))
    return http_json_error(res, 403,
                           "the first PINs can only be set from the local network (or with "
                           "bornectl pin set)"),
           0;
  if (pins_all_set(w))
    return http_json_error(res, 409,
                           "the PINs are already set: log in as installer to change them"),
           0;
  web_lock_entry *e = web_lock_entry_for(&w->locks, req->peer, web_now(w));
  if (refuse_locked(w, req, e, WEB_ROLE_INSTALLER, "setup code", res)) return 0;
  json_t *body = http_parse_object(req, res, 0);
  if (!body) return 0;
  static const char *const allowed[] = {"setup_code", "owner", "installer", NULL};
  const char *code = NULL;
  if (http_only_members(body, allowed, res) != 0 ||
      http_opt_string(body, "setup_code", 64, &code, res) < 0) {
    json_decref(body);
    return 0;
  }
  if (!code) {
    json_decref(body);
    return http_json_error(res, 400,
                           "setup_code: missing: the installer reads it on the station with "
                           "`bornectl setup-code`"),
           0;
  }
  if (!web_setup_code_matches(code, w->setup_code)) {
    json_decref(body);
    int64_t lock = web_lock_entry_fail(e, WEB_ROLE_INSTALLER, web_now(w), lock_base_ms(w));
    char locked[48] = "";
    if (lock) snprintf(locked, sizeof locked, ", locked %lld s", (long long)((lock + 999) / 1000));
    station_event(w->st, 0, "security",
                  "MaintenanceLoginFailed: wrong setup code from %s (%d in a row%s)",
                  req->peer[0] ? req->peer : "?", e->role[WEB_ROLE_INSTALLER].failures, locked);
    if (!lock)
      return http_json_error(res, 403,
                             "setup_code: wrong code (`bornectl setup-code` prints it on the "
                             "station)"),
             0;
    static char retry[64];
    snprintf(retry, sizeof retry, "Retry-After: %lld", (long long)((lock + 999) / 1000));
    http_json_error(res, 429, "setup_code: wrong code, and too many: wait %lld s",
                    (long long)((lock + 999) / 1000));
    res->extra_header = retry;
    return 0;
  }
  pin_job *j = calloc(1, sizeof *j);
  if (!j) {
    json_decref(body);
    return http_json_error(res, 500, "out of memory"), 0;
  }
  j->kind = JOB_HASH;
  j->setup = true;
  for (web_role r = WEB_ROLE_OWNER; r <= WEB_ROLE_INSTALLER; r++) {
    const char *pin = NULL;
    char why[128];
    if (http_opt_string(body, web_role_name(r), 64, &pin, res) < 0) goto refuse;
    if (!pin) continue;
    if (w->pin_hash[r][0]) {
      http_json_error(res, 409, "the %s PIN is already set: log in as installer to change it",
                      web_role_name(r));
      goto refuse;
    }
    if (web_pin_check_format(pin, why, sizeof why) != 0) {
      http_json_error(res, 400, "%s: %s", web_role_name(r), why);
      goto refuse;
    }
    j->roles[j->count] = r;
    snprintf(j->pins[j->count], sizeof j->pins[0], "%s", pin);
    j->count++;
  }
  if (j->count == 2 && strcmp(j->pins[0], j->pins[1]) == 0) {
    http_json_error(res, 400, "installer: must differ from the owner PIN");
    goto refuse;
  }
  if (j->count == 0) {
    http_json_error(res, 400, "give \"owner\" and/or \"installer\"");
    goto refuse;
  }
  json_decref(body);
  if (start_job(w, j, req, res) < 0) {
    free(j);
    return 0;
  }
  return 1;
refuse:
  OPENSSL_cleanse(j, sizeof *j);
  free(j);
  json_decref(body);
  return 0;
}

static int post_pin(void *ctx, const http_request *req, http_response *res) {
  web_ctx *w = ctx;
  web_role r;
  const char *pin;
  json_t *body = parse_role_pin(req, res, &r, &pin);
  if (!body) return 0;
  pin_job *j = calloc(1, sizeof *j);
  if (!j) {
    json_decref(body);
    return http_json_error(res, 500, "out of memory"), 0;
  }
  j->kind = JOB_HASH;
  j->count = 1;
  j->roles[0] = r;
  snprintf(j->pins[0], sizeof j->pins[0], "%s", pin);
  web_cookie_value(req->cookie, WEB_COOKIE, j->keep_session, sizeof j->keep_session);
  json_decref(body);
  if (start_job(w, j, req, res) < 0) {
    free(j);
    return 0;
  }
  return 1;
}

void api_web_auth_routes(web_ctx *w) {
  const http_route routes[] = {
      {"POST", "/api/v1/web/login", post_login, w},
      {"POST", "/api/v1/web/logout", post_logout, w},
      {"GET", "/api/v1/web/session", get_session, w},
      {"POST", "/api/v1/web/setup", post_setup, w},
      {"POST", "/api/v1/web/pin", post_pin, w},
  };
  for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
    http_add_route(w->st->http, &routes[i]);
  http_set_auth(w->st->http, web_auth, w);
}
