/*
 * Lock-out arithmetic, the session table, the role table of the API and two
 * small parsers (see auth.h). Pure: no clock, no random source, no I/O.
 */
#include "web/auth.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* ---- lock-out ---- */

int64_t web_lockout_remaining(const web_lockout *l, int64_t now) {
  return l->locked_until_ms > now ? l->locked_until_ms - now : 0;
}

int64_t web_lockout_fail(web_lockout *l, int64_t now, int64_t base_ms) {
  if (l->failures < 1000) l->failures++;
  if (l->failures < WEB_LOCK_FREE) return 0;
  int64_t lock = base_ms > 0 ? base_ms : 1000;
  for (int i = WEB_LOCK_FREE; i < l->failures && lock < WEB_LOCK_MAX_MS; i++) lock *= 2;
  if (lock > WEB_LOCK_MAX_MS) lock = WEB_LOCK_MAX_MS;
  l->locked_until_ms = now + lock;
  return lock;
}

void web_lockout_success(web_lockout *l) {
  l->failures = 0;
  l->locked_until_ms = 0;
}

int web_lockout_free_left(const web_lockout *l) {
  int left = WEB_LOCK_FREE - 1 - l->failures;
  return left > 0 ? left : 0;
}

/* ---- sessions ---- */

bool web_token_equal(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  unsigned char diff = la != lb;
  for (size_t i = 0; i < lb; i++) diff |= (unsigned char)(b[i] ^ (i < la ? a[i] : 0));
  return diff == 0;
}

static void to_hex(const unsigned char *in, size_t n, char *out) {
  static const char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = digits[in[i] >> 4];
    out[2 * i + 1] = digits[in[i] & 15];
  }
  out[2 * n] = '\0';
}

const web_session *web_session_new(web_sessions *t, web_role role, int64_t now, int64_t ttl_ms,
                                   const unsigned char rnd[2 * WEB_TOKEN_BYTES]) {
  web_session *slot = NULL;
  for (int i = 0; i < WEB_SESSIONS_MAX; i++) {
    web_session *s = &t->s[i];
    if (!s->id[0] || s->expires_ms <= now) {
      slot = s;
      break;
    }
    if (!slot || s->expires_ms < slot->expires_ms) slot = s;
  }
  memset(slot, 0, sizeof *slot);
  to_hex(rnd, WEB_TOKEN_BYTES, slot->id);
  to_hex(rnd + WEB_TOKEN_BYTES, WEB_TOKEN_BYTES, slot->csrf);
  slot->role = role;
  slot->expires_ms = now + ttl_ms;
  return slot;
}

web_session *web_session_find(web_sessions *t, const char *id, int64_t now, int64_t ttl_ms) {
  if (!id || strlen(id) != WEB_TOKEN_HEX) return NULL;
  web_session *found = NULL;
  for (int i = 0; i < WEB_SESSIONS_MAX; i++) {
    web_session *s = &t->s[i];
    if (s->id[0] && web_token_equal(id, s->id)) found = s;
  }
  if (!found) return NULL;
  if (found->expires_ms <= now) {
    memset(found, 0, sizeof *found);
    return NULL;
  }
  found->expires_ms = now + ttl_ms;
  return found;
}

void web_session_drop(web_sessions *t, const char *id) {
  if (!id || !id[0]) return;
  for (int i = 0; i < WEB_SESSIONS_MAX; i++)
    if (t->s[i].id[0] && web_token_equal(id, t->s[i].id)) memset(&t->s[i], 0, sizeof t->s[i]);
}

void web_sessions_drop_role(web_sessions *t, web_role role) {
  for (int i = 0; i < WEB_SESSIONS_MAX; i++)
    if (t->s[i].role == role) memset(&t->s[i], 0, sizeof t->s[i]);
}

/* ---- roles ---- */

typedef struct {
  const char *method;  /* "*" = any */
  const char *pattern; /* "*" segment = any one segment; a final "**" = anything below */
  web_role role;
} role_rule;

/* Issue 7: the owner (reception) has the dashboard, the history, users and
 * badges, remote start/stop; the installer everything, settings included. */
static const role_rule rules[] = {
    {"GET", "/api/v1/public/**", WEB_ROLE_NONE},
    {"POST", "/api/v1/web/login", WEB_ROLE_NONE},
    {"GET", "/api/v1/web/session", WEB_ROLE_NONE},
    {"POST", "/api/v1/web/setup", WEB_ROLE_NONE},
    {"POST", "/api/v1/web/logout", WEB_ROLE_OWNER},
    {"GET", "/api/v1/status", WEB_ROLE_OWNER},
    {"GET", "/api/v1/events", WEB_ROLE_OWNER},
    {"GET", "/api/v1/events/stream", WEB_ROLE_OWNER},
    {"GET", "/api/v1/sessions", WEB_ROLE_OWNER},
    {"GET", "/api/v1/sessions/**", WEB_ROLE_OWNER},
    {"GET", "/api/v1/ocmf/pubkey", WEB_ROLE_OWNER},
    {"*", "/api/v1/users", WEB_ROLE_OWNER},
    {"*", "/api/v1/users/*", WEB_ROLE_OWNER},
    {"*", "/api/v1/users/*/windows", WEB_ROLE_OWNER},
    {"PUT", "/api/v1/owner-settings", WEB_ROLE_OWNER},
    {"*", "/api/v1/badges", WEB_ROLE_OWNER},
    {"*", "/api/v1/badges/*", WEB_ROLE_OWNER},
    {"POST", "/api/v1/connectors/*/start", WEB_ROLE_OWNER},
    {"POST", "/api/v1/connectors/*/stop", WEB_ROLE_OWNER},
    {"POST", "/api/v1/connectors/*/unlock", WEB_ROLE_OWNER},
};

static bool path_matches(const char *pattern, const char *path) {
  while (*pattern && *path) {
    if (pattern[0] == '*' && pattern[1] == '*') return path[0] != '\0';
    if (*pattern != '/' || *path != '/') return false;
    pattern++;
    path++;
    const char *pe = strchr(pattern, '/'), *qe = strchr(path, '/');
    size_t pn = pe ? (size_t)(pe - pattern) : strlen(pattern);
    size_t qn = qe ? (size_t)(qe - path) : strlen(path);
    if (pn == 2 && pattern[0] == '*' && pattern[1] == '*') return qn > 0;
    if (qn == 0) return false;
    if (!(pn == 1 && pattern[0] == '*') && (pn != qn || memcmp(pattern, path, pn) != 0))
      return false;
    pattern += pn;
    path += qn;
  }
  return !*pattern && !*path;
}

web_role web_required_role(const char *method, const char *path) {
  if (!method || !path) return WEB_ROLE_INSTALLER;
  bool head = strcmp(method, "HEAD") == 0;
  for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
    const role_rule *r = &rules[i];
    bool m = strcmp(r->method, "*") == 0 || strcmp(r->method, method) == 0 ||
             (head && strcmp(r->method, "GET") == 0);
    if (m && path_matches(r->pattern, path)) return r->role;
  }
  return WEB_ROLE_INSTALLER;
}

bool web_is_write(const char *method) {
  return !method || !(strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0 ||
                      strcmp(method, "OPTIONS") == 0);
}

/* ---- parsers ---- */

const char *web_cookie_value(const char *header, const char *name, char *buf, size_t len) {
  if (!header || !name || !len) return NULL;
  size_t nlen = strlen(name);
  const char *p = header;
  while (*p) {
    while (*p == ' ' || *p == ';' || *p == '\t') p++;
    const char *end = strchr(p, ';');
    size_t n = end ? (size_t)(end - p) : strlen(p);
    if (n > nlen && strncmp(p, name, nlen) == 0 && p[nlen] == '=') {
      const char *v = p + nlen + 1;
      size_t vn = n - nlen - 1;
      while (vn && (v[vn - 1] == ' ' || v[vn - 1] == '\t')) vn--;
      if (vn >= 2 && v[0] == '"' && v[vn - 1] == '"') { /* RFC 6265 allows DQUOTE'd values */
        v++;
        vn -= 2;
      }
      if (vn + 1 > len) return NULL;
      memcpy(buf, v, vn);
      buf[vn] = '\0';
      return buf;
    }
    p += n;
  }
  return NULL;
}

bool web_peer_is_local(const char *peer) {
  if (!peer) return false;
  unsigned char a[16];
  if (inet_pton(AF_INET, peer, a) == 1) {
  v4:
    return a[0] == 127 || a[0] == 10 || (a[0] == 172 && (a[1] & 0xf0) == 16) ||
           (a[0] == 192 && a[1] == 168) || (a[0] == 169 && a[1] == 254);
  }
  if (inet_pton(AF_INET6, peer, a) == 1) {
    static const unsigned char loop6[16] = {[15] = 1};
    static const unsigned char mapped[12] = {[10] = 0xff, [11] = 0xff};
    if (memcmp(a, loop6, 16) == 0) return true;
    if (memcmp(a, mapped, 12) == 0) {
      memmove(a, a + 12, 4);
      goto v4;
    }
    return (a[0] & 0xfe) == 0xfc || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80);
  }
  return false;
}
