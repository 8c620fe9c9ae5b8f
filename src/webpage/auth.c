/*
 * Lock-out arithmetic and its table of client addresses, the setup code's
 * text, the session table, the role table of the API and the small parsers
 * of headers (see auth.h). Pure: no clock, no random source, no I/O.
 */
#include "webpage/auth.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util/hex.h"

/* ---- lock-out ---- */

int64_t web_lockout_remaining(const web_lockout *l, int64_t now) {
  return l->locked_until_ms > now ? l->locked_until_ms - now : 0;
}

int64_t web_lockout_fail(web_lockout *l, int64_t now, int64_t base_ms) {
  if (l->failures < 1000) l->failures++;
  if (l->failures < WEB_LOCK_AT) return 0;
  int64_t lock = base_ms > 0 ? base_ms : 1000;
  for (int i = WEB_LOCK_AT; i < l->failures && lock < WEB_LOCK_MAX_MS; i++) lock *= 2;
  if (lock > WEB_LOCK_MAX_MS) lock = WEB_LOCK_MAX_MS;
  l->locked_until_ms = now + lock;
  return lock;
}

void web_lockout_success(web_lockout *l) {
  l->failures = 0;
  l->locked_until_ms = 0;
}

int web_lockout_free_left(const web_lockout *l) {
  int left = WEB_LOCK_AT - 1 - l->failures;
  return left > 0 ? left : 0;
}

/* ---- lock-out per client address ---- */

/* IPv4 and IPv6 text in one spelling per address, so that "::FFFF:10.0.0.1"
 * and "10.0.0.1" are one client. */
static void canonical_addr(const char *addr, char out[WEB_ADDR_MAX]) {
  unsigned char a[16];
  static const unsigned char mapped[12] = {[10] = 0xff, [11] = 0xff};
  if (!addr) addr = "";
  if (inet_pton(AF_INET, addr, a) == 1 && inet_ntop(AF_INET, a, out, WEB_ADDR_MAX)) return;
  if (inet_pton(AF_INET6, addr, a) == 1) {
    if (memcmp(a, mapped, sizeof mapped) == 0 && inet_ntop(AF_INET, a + 12, out, WEB_ADDR_MAX))
      return;
    if (inet_ntop(AF_INET6, a, out, WEB_ADDR_MAX)) return;
  }
  snprintf(out, WEB_ADDR_MAX, "%s", addr);
}

static bool entry_cold(const web_lock_entry *e, int64_t now) {
  bool failures = false;
  for (int r = 0; r < 3; r++) {
    if (e->checking[r] || web_lockout_remaining(&e->role[r], now) > 0) return false;
    failures |= e->role[r].failures > 0;
  }
  return !failures || now - e->failed_ms >= WEB_LOCK_MAX_MS;
}

web_lock_entry *web_lock_entry_for(web_lock_table *t, const char *addr, int64_t now) {
  char key[WEB_ADDR_MAX];
  canonical_addr(addr, key);
  web_lock_entry *slot = NULL;
  for (int i = 0; i < WEB_LOCK_ADDRS; i++) {
    web_lock_entry *e = &t->e[i];
    if (e->addr[0] && strcmp(e->addr, key) == 0) {
      e->used_ms = now;
      return e;
    }
    if (!e->addr[0]) {
      if (!slot || slot->addr[0]) slot = e;
    } else if (entry_cold(e, now) && (!slot || (slot->addr[0] && e->used_ms < slot->used_ms))) {
      slot = e;
    }
  }
  if (!slot || !key[0]) {
    t->others.used_ms = now;
    return &t->others;
  }
  memset(slot, 0, sizeof *slot);
  memcpy(slot->addr, key, sizeof slot->addr);
  slot->used_ms = now;
  return slot;
}

int64_t web_lock_entry_fail(web_lock_entry *e, web_role role, int64_t now, int64_t base_ms) {
  e->failed_ms = now;
  return web_lockout_fail(&e->role[role], now, base_ms);
}

/* ---- setup code ---- */

static const char code_alphabet[] = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"; /* 32: no 0 O 1 I */

void web_setup_code_make(const unsigned char rnd[WEB_SETUP_CODE_CHARS],
                         char out[WEB_SETUP_CODE_TEXT]) {
  size_t o = 0;
  for (int i = 0; i < WEB_SETUP_CODE_CHARS; i++) {
    if (i == WEB_SETUP_CODE_CHARS / 2) out[o++] = '-';
    out[o++] = code_alphabet[rnd[i] & 31];
  }
  out[o] = '\0';
}

int web_setup_code_canonical(const char *in, char out[WEB_SETUP_CODE_CHARS + 1]) {
  size_t n = 0;
  out[0] = '\0';
  if (!in) return -1;
  for (const char *p = in; *p; p++) {
    if (*p == '-' || *p == ' ') continue;
    char c = (char)toupper((unsigned char)*p);
    if (!strchr(code_alphabet, c) || n == WEB_SETUP_CODE_CHARS) return -1;
    out[n++] = c;
  }
  out[n] = '\0';
  return n == WEB_SETUP_CODE_CHARS ? 0 : -1;
}

bool web_setup_code_matches(const char *typed, const char *code) {
  char a[WEB_SETUP_CODE_CHARS + 1] = {0}, b[WEB_SETUP_CODE_CHARS + 1] = {0};
  bool ok = web_setup_code_canonical(typed, a) == 0;
  ok &= code && strlen(code) == WEB_SETUP_CODE_CHARS;
  if (code) snprintf(b, sizeof b, "%s", code);
  return CRYPTO_memcmp(a, b, WEB_SETUP_CODE_CHARS) == 0 && ok;
}

/* ---- sessions ---- */

bool web_token_equal(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  unsigned char diff = la != lb;
  for (size_t i = 0; i < lb; i++) diff |= (unsigned char)(b[i] ^ (i < la ? a[i] : 0));
  return diff == 0;
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
  hex_encode(rnd, WEB_TOKEN_BYTES, slot->id, false);
  hex_encode(rnd + WEB_TOKEN_BYTES, WEB_TOKEN_BYTES, slot->csrf, false);
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
    {"GET", "/api/v1/site", WEB_ROLE_OWNER},
    /* the leader's copy of the users and badges: its HMAC under site.secret
     * is the proof (src/site/dirsync.c), the leader has no PIN */
    {"PUT", "/api/v1/site/directory", WEB_ROLE_NONE},
    /* ... and its request for a member's sessions, signed the same way */
    {"POST", "/api/v1/site/sessions/export", WEB_ROLE_NONE},
    {"GET", "/api/v1/site/sessions", WEB_ROLE_OWNER},
    {"GET", "/api/v1/site/readings", WEB_ROLE_OWNER},
    {"GET", "/api/v1/events", WEB_ROLE_OWNER},
    {"GET", "/api/v1/events/stream", WEB_ROLE_OWNER},
    {"GET", "/api/v1/sessions", WEB_ROLE_OWNER},
    {"GET", "/api/v1/sessions/**", WEB_ROLE_OWNER},
    {"GET", "/api/v1/samples", WEB_ROLE_OWNER},
    {"GET", "/api/v1/ocmf/pubkey", WEB_ROLE_OWNER},
    {"*", "/api/v1/users", WEB_ROLE_OWNER},
    {"*", "/api/v1/users/*", WEB_ROLE_OWNER},
    {"*", "/api/v1/users/*/windows", WEB_ROLE_OWNER},
    {"PUT", "/api/v1/owner-settings", WEB_ROLE_OWNER},
    {"*", "/api/v1/badges", WEB_ROLE_OWNER},
    {"*", "/api/v1/badges/*", WEB_ROLE_OWNER},
    {"*", "/api/v1/reservations", WEB_ROLE_OWNER},
    {"*", "/api/v1/reservations/*", WEB_ROLE_OWNER},
    {"POST", "/api/v1/connectors/*/start", WEB_ROLE_OWNER},
    {"POST", "/api/v1/connectors/*/stop", WEB_ROLE_OWNER},
    {"POST", "/api/v1/connectors/*/unlock", WEB_ROLE_OWNER},
    {"POST", "/api/v1/connectors/*/priority", WEB_ROLE_OWNER},
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

bool web_is_json_type(const char *ct) {
  if (!ct) return false;
  while (*ct == ' ' || *ct == '\t') ct++;
  static const char json[] = "application/json";
  if (strncasecmp(ct, json, sizeof json - 1) != 0) return false;
  ct += sizeof json - 1;
  while (*ct == ' ' || *ct == '\t') ct++;
  return *ct == '\0' || *ct == ';';
}

/* "name", "name:port", "[v6]", "[v6]:port" -> name (without brackets) and
 * port (-1 when absent); false when malformed. */
static bool split_authority(const char *a, size_t n, char *name, size_t namelen, long *port) {
  const char *end = a + n, *colon = NULL;
  if (n && a[0] == '[') {
    const char *close = memchr(a, ']', n);
    if (!close) return false;
    if (close + 1 < end && close[1] != ':') return false;
    colon = close + 1 < end ? close + 1 : NULL;
    a++;
    n = (size_t)(close - a);
  } else {
    colon = memchr(a, ':', n);
    if (colon) n = (size_t)(colon - a);
  }
  if (n == 0 || n >= namelen) return false;
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)a[i] <= ' ' || strchr("/?#@[]", a[i])) return false;
  memcpy(name, a, n);
  name[n] = '\0';
  *port = -1;
  if (colon) {
    const char *d = colon + 1;
    if (d == end || end - d > 5) return false;
    long v = 0;
    for (; d < end; d++) {
      if (*d < '0' || *d > '9') return false;
      v = v * 10 + (*d - '0');
    }
    if (v > 65535) return false;
    *port = v;
  }
  return true;
}

bool web_origin_matches(const char *origin, const char *host) {
  if (!origin) return true;
  if (!host) return false;
  long def;
  if (strncasecmp(origin, "http://", 7) == 0) {
    def = 80;
    origin += 7;
  } else if (strncasecmp(origin, "https://", 8) == 0) {
    def = 443;
    origin += 8;
  } else {
    return false;
  }
  char on[256], hn[256];
  long op, hp;
  if (!split_authority(origin, strlen(origin), on, sizeof on, &op) ||
      !split_authority(host, strlen(host), hn, sizeof hn, &hp))
    return false;
  return strcasecmp(on, hn) == 0 && (op < 0 ? def : op) == (hp < 0 ? def : hp);
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
