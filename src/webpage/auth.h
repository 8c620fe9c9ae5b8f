/*
 * The pure rules of the web page's logins: the growing lock-out after wrong
 * PINs, counted per client address, the first-start setup code, the table of
 * cookie sessions (with their CSRF tokens), which role an API call needs,
 * and the parsers of the headers they read (Cookie, Origin, Content-Type).
 * No I/O, no clock: `now` is a monotonic millisecond count passed in, random
 * bytes are passed in.
 */
#ifndef BORNE_WEB_AUTH_H
#define BORNE_WEB_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "webpage/pin.h"

/* ---- lock-out ----
 * The first WEB_LOCK_AT - 1 wrong PINs in a row cost nothing; the
 * WEB_LOCK_AT-th (the third) locks for base_ms, doubled at every further
 * wrong PIN and at every attempt made while locked (which is refused without
 * looking at the PIN), up to WEB_LOCK_MAX_MS. A right PIN clears the count.
 * One web_lockout counts one role of one client address (web_lock_table). */
#define WEB_LOCK_AT 3
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
/* Wrong PINs that may still be made without a lock (WEB_LOCK_AT - 1 after
 * a right PIN, 0 when the next wrong one locks): the login's attempts_left. */
int web_lockout_free_left(const web_lockout *l);

/* ---- lock-out per client address ----
 * Wrong PINs are counted per client address and role, so a host that
 * guesses locks out itself only, never a role for everyone. The table keeps
 * WEB_LOCK_ADDRS addresses. A new address takes a free slot, else the slot
 * of the least recently used address that is cold: no check running, not
 * locked, and no wrong PIN at all or none for WEB_LOCK_MAX_MS. When no slot
 * is cold (WEB_LOCK_ADDRS hosts failing within the hour: someone changing
 * addresses to get more guesses), newcomers share the entry `others`, so
 * that fresh addresses do not buy fresh guesses. */
#define WEB_LOCK_ADDRS 64
#define WEB_ADDR_MAX 48 /* INET6_ADDRSTRLEN and the NUL */

typedef struct {
  char addr[WEB_ADDR_MAX]; /* canonical text; "" = free (and in `others`) */
  web_lockout role[3];     /* by web_role (WEB_ROLE_NONE unused) */
  bool checking[3];        /* a PIN check of this address and role runs */
  int64_t used_ms;         /* last lookup */
  int64_t failed_ms;       /* last failure */
} web_lock_entry;

typedef struct {
  web_lock_entry e[WEB_LOCK_ADDRS];
  web_lock_entry others;
} web_lock_table;

/* The entry of a client address, made if needed (see above); never NULL.
 * IPv4 and IPv6 text is canonicalised (an IPv4-mapped IPv6 address is the
 * IPv4 one); other text is used as is (cut to WEB_ADDR_MAX - 1 bytes). The
 * pointer stays this address's while its `checking` is set. */
web_lock_entry *web_lock_entry_for(web_lock_table *t, const char *addr, int64_t now);
/* web_lockout_fail on the entry's role, remembering when. */
int64_t web_lock_entry_fail(web_lock_entry *e, web_role role, int64_t now, int64_t base_ms);

/* ---- the first-start setup code ----
 * A secret only the installer has (DATA_DIR/setup-code, `bornectl
 * setup-code`), asked for with the first PINs. WEB_SETUP_CODE_CHARS
 * characters of an alphabet without 0/O and 1/I (5 bits each: 50 bits),
 * written in two groups: "ABCDE-FGHJK". */
#define WEB_SETUP_CODE_CHARS 10
#define WEB_SETUP_CODE_TEXT (WEB_SETUP_CODE_CHARS + 2) /* with the dash and the NUL */

/* The grouped text of a code from WEB_SETUP_CODE_CHARS random bytes. */
void web_setup_code_make(const unsigned char rnd[WEB_SETUP_CODE_CHARS],
                         char out[WEB_SETUP_CODE_TEXT]);
/* Typed text into the canonical form (upper case, no dash or spaces): 0, or
 * -1 when it is not a code's characters. */
int web_setup_code_canonical(const char *in, char out[WEB_SETUP_CODE_CHARS + 1]);
/* Whether `typed` is the canonical code `code`, compared in constant time;
 * false when `code` is empty. */
bool web_setup_code_matches(const char *typed, const char *code);

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

/* The checks of a write that needs no session (login, setup): a browser
 * sends such a request cross-site only as a "simple" request (form types,
 * no preflight) or with a foreign Origin.
 * Whether a Content-Type is application/json (parameters such as charset
 * allowed, case-insensitive). */
bool web_is_json_type(const char *content_type);
/* Whether an Origin header names the host the request was sent to (`host`,
 * the Host header): host name (case-insensitive) and port, a missing port
 * being the default of the Origin's scheme; the scheme itself is not
 * compared. No Origin (not a browser) matches; "null" or junk never does. */
bool web_origin_matches(const char *origin, const char *host);

/* Whether a peer address text is loopback or a private/link-local network
 * (RFC 1918, RFC 4193, RFC 3927/4291 link-local, IPv4-mapped forms): who
 * may set the first PINs. */
bool web_peer_is_local(const char *peer);

#endif
