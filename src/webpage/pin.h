/*
 * PINs of the web page's roles, stored only as salted PBKDF2-HMAC-SHA256
 * hashes (OpenSSL), in the text form
 *   pbkdf2-sha256$ITERATIONS$SALT_HEX$HASH_HEX
 * so that the cost can be raised later without invalidating stored PINs.
 * Hashing costs tens of milliseconds on purpose: call it off the event loop.
 */
#ifndef BORNE_WEB_PIN_H
#define BORNE_WEB_PIN_H

#include <stdbool.h>
#include <stddef.h>

#define WEB_PIN_MIN 4
#define WEB_PIN_MAX 12
#define WEB_PIN_HASH_MAX 160
/* OWASP Password Storage Cheat Sheet lists 600 000 for PBKDF2-HMAC-SHA256
 * on servers; a station's CPU is far slower and a PIN's few digits are
 * protected by the login lock-out, not by the hash: 100 000 keeps a login
 * under a second on a small ARM board. */
#define WEB_PIN_ITERATIONS 100000

typedef enum { WEB_ROLE_NONE = 0, WEB_ROLE_OWNER = 1, WEB_ROLE_INSTALLER = 2 } web_role;

const char *web_role_name(web_role r);  /* "owner", "installer", NULL for NONE */
web_role web_role_parse(const char *s); /* WEB_ROLE_NONE when unknown */

/* 0 when `pin` is WEB_PIN_MIN..WEB_PIN_MAX digits, else -1 and a reason. */
int web_pin_check_format(const char *pin, char *why, size_t len);
/* Hash with a fresh random salt. -1 on failure (no random source). */
int web_pin_hash(const char *pin, int iterations, char *out, size_t outlen);
/* Constant-time comparison against a stored hash; false when malformed. */
bool web_pin_verify(const char *pin, const char *stored);

#endif
