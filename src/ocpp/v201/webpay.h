/*
 * OCPP 2.1 ad hoc payment via a dynamic QR code (part 2 C25, AFIR), the
 * pure part: the time-based one-time passwords, the QR code's URL built from
 * WebPaymentsCtrlr.URLTemplate, and the web payment window that
 * NotifyWebPaymentStarted opens on an EVSE. No clock and no I/O: every
 * function takes the time (the station clock, Unix seconds or ms); the unit
 * tests run it on a virtual clock.
 *
 * Two one-time passwords share one core, the HMAC (OpenSSL) of the time step
 * T = floor((unix - T0) / X) as 8 big-endian bytes:
 * - RFC 6238 TOTP (RFC 4226's dynamic truncation to decimal digits), with
 *   SHA-1, SHA-256 or SHA-512: the RFC's own test vectors prove the core;
 * - OCPP 2.1's "TOTP algorithm version 1" (WebPaymentsCtrlr.TOTPVersion
 *   "v1"): HMAC-SHA256 keyed with the shared secret's UTF-8 bytes, T0 = 0,
 *   X = ValidityTime; from the offset given by the low 4 bits of the hash's
 *   last byte, Length hash bytes (wrapping around the 32) each mapped to
 *   base62[byte % 62], base62 = 0-9 a-z A-Z. The CSMS (or its payment page)
 *   accepts the code of the current, previous and next interval.
 */
#ifndef BORNE_OCPP_V201_WEBPAY_H
#define BORNE_OCPP_V201_WEBPAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum { WEBPAY_SHA1, WEBPAY_SHA256, WEBPAY_SHA512 } webpay_hash;

#define WEBPAY_BASE62 "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
#define WEBPAY_TOTP_VERSION "v1" /* the one TOTPVersion this station has */
#define WEBPAY_LENGTH_MIN 6      /* WebPaymentsCtrlr.Length */
#define WEBPAY_LENGTH_MAX 64
#define WEBPAY_VALIDITY_MIN 6 /* WebPaymentsCtrlr.ValidityTime, s */
#define WEBPAY_VALIDITY_MAX 3600
#define WEBPAY_SECRET_MIN 8 /* WebPaymentsCtrlr.SharedSecret, characters */
#define WEBPAY_SECRET_MAX 255
#define WEBPAY_TEMPLATE_MAX 512 /* WebPaymentsCtrlr.URLTemplate, characters */

/* RFC 6238's T: floor((unix_s - t0) / step_s); 0 before t0 or for step_s <= 0. */
uint64_t webpay_time_step(int64_t unix_s, int64_t t0, int step_s);

/* RFC 4226 HOTP of `counter` with `digits` (6 to 9) decimal digits into out
 * (zero-padded). 0, or -1 (bad arguments, out too small, HMAC failed). */
int webpay_hotp(webpay_hash h, const unsigned char *key, size_t keylen, uint64_t counter,
                int digits, char *out, size_t outlen);

/* RFC 6238 TOTP at unix_s (T0 = 0). 0 or -1 as webpay_hotp. */
int webpay_totp_rfc6238(webpay_hash h, const unsigned char *key, size_t keylen, int64_t unix_s,
                        int step_s, int digits, char *out, size_t outlen);

/* OCPP 2.1 TOTP v1 of one interval (see above): `length` characters of
 * base62 into out. 0, or -1 (no secret, length out of 1..255, out too small). */
int webpay_totp_v1_interval(const char *secret, uint64_t interval, int length, char *out,
                            size_t outlen);

/* OCPP 2.1 TOTP v1 at unix_s; *remaining_s (may be NULL): the seconds this
 * code still holds (1..validity_s). 0, or -1 (also validity_s <= 0). */
int webpay_totp_v1(const char *secret, int64_t unix_s, int validity_s, int length, char *out,
                   size_t outlen, int *remaining_s);

/* Is `secret` a shared secret this station takes: WEBPAY_SECRET_MIN to
 * WEBPAY_SECRET_MAX printable ASCII characters, no space. */
bool webpay_secret_ok(const char *secret);

/* Is `tpl` a URL template this station takes: http:// or https://, at most
 * WEBPAY_TEMPLATE_MAX characters, no space, quote or angle bracket, and the
 * {totp} variable (a template without it would be a static, forgeable code).
 * False with the reason in why. */
bool webpay_template_ok(const char *tpl, char *why, size_t whylen);

/* The QR code's URL: tpl with its variables, named in any case, replaced:
 * {chargingStationId} (percent-encoded), {evse}, {totp}, {version}; the
 * driver's limits {maxEnergy}, {maxTime}, {maxCost} by nothing (this
 * station has no keypad to enter them, URLParameters is empty). Any other
 * text, unknown {names} too, is copied. Returns the length, or -1 when out
 * is too small. */
int webpay_url(const char *tpl, const char *station, int evse, const char *totp,
               const char *version, char *out, size_t outlen);

/* The web payment window of one EVSE (NotifyWebPaymentStarted): a payment
 * is in progress at the payment page until `until_ms` (station clock), or
 * until the RequestStartTransaction that follows it. */
typedef struct {
  int64_t until_ms; /* 0: none */
  int64_t started_ms;
} webpay_window;

/* NotifyWebPaymentStarted at now_ms with `timeout_s`: opens (or renews) the
 * window; a timeout of 0 or less closes it (the CSMS's revocation). */
void webpay_window_start(webpay_window *w, int64_t now_ms, long timeout_s);
/* Is a payment in progress at now_ms? */
bool webpay_window_open(const webpay_window *w, int64_t now_ms);
/* The window ended at now_ms without a start (its timeout passed): true
 * once, then it is closed. */
bool webpay_window_expired(webpay_window *w, int64_t now_ms);
/* The start came (RequestStartTransaction, a transaction): closes it. */
void webpay_window_close(webpay_window *w);

#endif
