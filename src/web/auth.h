/*
 * The pure rules of the web page's logins: the growing lock-out after wrong
 * PINs, the table of cookie sessions (with their CSRF tokens), which role an
 * API call needs, and the Cookie header parser. No I/O, no clock: `now` is a
 * monotonic millisecond count passed in, random bytes are passed in.
 */
#ifndef BORNE_WEB_AUTH_H
#define BORNE_WEB_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "web/pin.h"

/* ---- lock-out ----
 * The first WEB_LOCK_FREE wrong PINs of a role cost nothing. From then on
 * the role is locked for base_ms, doubled at every further wrong PIN and at
 * every attempt made while locked (which is refused without looking at the
 * PIN), up to WEB_LOCK_MAX_MS. A right PIN clears the count. */
#define WEB_LOCK_FREE 3
#define WEB_LOCK_MAX_MS (3600 * 1000LL)

typedef struct {
  int failures;
  int64_t locked_until_ms;
} web_lockout;

/* Milliseconds the role stays locked (0: a PIN may be tried). */
int64_t web_lockout_remaining(const web_lockout *l, int64_t now);
/* A wrong PIN, or an attempt while locked: returns the new lock (ms, 0 if none). */
int64_t web_lockout_fail(web_lockout *l, int64_t now, int64_t base_ms);
void web_lockout_success(web_lockout *l);
/* Wrong PINs left before the first lock. */
int web_lockout_free_left(const web_lockout *l);

/* ---- sessions ---- */
#define WEB_SESSIONS_MAX 32
#define WEB_TOKEN_BYTES 32
#define WEB_TOKEN_HEX (2 * WEB_TOKEN_BYTES)

typedef struct {
  char id[WEB_TOKEN_HEX + 1]; /* the cookie value; "" = free slot */
  char csrf[WEB_TOKEN_HEX + 1];
  web_role role;
  int64_t expires_ms;
} web_session;

typedef struct {
  web_session s[WEB_SESSIONS_MAX];
} web_sessions;

/* A new session from 2 * WEB_TOKEN_BYTES random bytes; when the table is
 * full the session closest to expiry is dropped. */
const web_session *web_session_new(web_sessions *t, web_role role, int64_t now, int64_t ttl_ms,
                                   const unsigned char rnd[2 * WEB_TOKEN_BYTES]);
/* The live session with this id (constant-time compare), its expiry moved
 * to now + ttl_ms; NULL (and the slot freed) when unknown or expired. */
web_session *web_session_find(web_sessions *t, const char *id, int64_t now, int64_t ttl_ms);
void web_session_drop(web_sessions *t, const char *id);
/* After a PIN change: log out every session of that role. */
void web_sessions_drop_role(web_sessions *t, web_role role);
/* Constant-time equality of two NUL-terminated tokens. */
bool web_token_equal(const char *a, const char *b);

/* ---- roles of the API ----
 * WEB_ROLE_NONE: public (no login); OWNER: the reception; INSTALLER:
 * everything. Paths not listed need the installer, so an endpoint added by
 * a new module is closed until someone decides otherwise. */
web_role web_required_role(const char *method, const char *path);
/* Whether the method changes something (and so needs the CSRF token). */
bool web_is_write(const char *method);

/* Value of cookie `name` in a Cookie header into buf; NULL when absent or
 * longer than len - 1. */
const char *web_cookie_value(const char *header, const char *name, char *buf, size_t len);

/* Whether a peer address text is loopback or a private/link-local network
 * (RFC 1918, RFC 4193, RFC 3927/4291 link-local, IPv4-mapped forms): who
 * may set the first PINs. */
bool web_peer_is_local(const char *peer);

#endif
