/* OCPP 2.1 dynamic QR code payment, pure (see webpay.h). */
#include "ocpp/v201/webpay.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

static const EVP_MD *md_of(webpay_hash h) {
  switch (h) {
  case WEBPAY_SHA1:
    return EVP_sha1();
  case WEBPAY_SHA256:
    return EVP_sha256();
  case WEBPAY_SHA512:
    return EVP_sha512();
  }
  return NULL;
}

/* HMAC of the counter as 8 big-endian bytes; the hash's length, 0 on failure. */
static unsigned hmac_counter(webpay_hash h, const unsigned char *key, size_t keylen,
                             uint64_t counter, unsigned char out[EVP_MAX_MD_SIZE]) {
  unsigned char msg[8];
  for (int i = 7; i >= 0; i--) {
    msg[i] = (unsigned char)(counter & 0xff);
    counter >>= 8;
  }
  const EVP_MD *md = md_of(h);
  unsigned len = 0;
  static const unsigned char none = 0;
  if (!md || keylen > (size_t)INT32_MAX) return 0;
  if (!HMAC(md, key ? key : &none, (int)keylen, msg, sizeof msg, out, &len)) return 0;
  return len;
}

uint64_t webpay_time_step(int64_t unix_s, int64_t t0, int step_s) {
  if (step_s <= 0 || unix_s < t0) return 0;
  return (uint64_t)(unix_s - t0) / (uint64_t)step_s;
}

int webpay_hotp(webpay_hash h, const unsigned char *key, size_t keylen, uint64_t counter,
                int digits, char *out, size_t outlen) {
  if (!out || digits < 6 || digits > 9 || outlen < (size_t)digits + 1) return -1;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned n = hmac_counter(h, key, keylen, counter, mac);
  if (n < 20) return -1;
  unsigned off = mac[n - 1] & 0x0f; /* RFC 4226 5.3 dynamic truncation */
  uint32_t bin = ((uint32_t)(mac[off] & 0x7f) << 24) | ((uint32_t)mac[off + 1] << 16) |
                 ((uint32_t)mac[off + 2] << 8) | (uint32_t)mac[off + 3];
  uint32_t mod = 1;
  for (int i = 0; i < digits; i++) mod *= 10;
  snprintf(out, outlen, "%0*u", digits, (unsigned)(bin % mod));
  return 0;
}

int webpay_totp_rfc6238(webpay_hash h, const unsigned char *key, size_t keylen, int64_t unix_s,
                        int step_s, int digits, char *out, size_t outlen) {
  if (step_s <= 0) return -1;
  return webpay_hotp(h, key, keylen, webpay_time_step(unix_s, 0, step_s), digits, out, outlen);
}

int webpay_totp_v1_interval(const char *secret, uint64_t interval, int length, char *out,
                            size_t outlen) {
  if (!out || !secret || !secret[0] || length < 1 || length > 255 || outlen < (size_t)length + 1)
    return -1;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned n =
      hmac_counter(WEBPAY_SHA256, (const unsigned char *)secret, strlen(secret), interval, mac);
  if (n != 32) return -1;
  static const char alphabet[] = WEBPAY_BASE62;
  unsigned off = mac[n - 1] & 0x0f;
  for (int i = 0; i < length; i++) out[i] = alphabet[mac[(off + (unsigned)i) % n] % 62];
  out[length] = '\0';
  return 0;
}

int webpay_totp_v1(const char *secret, int64_t unix_s, int validity_s, int length, char *out,
                   size_t outlen, int *remaining_s) {
  if (validity_s <= 0 || unix_s < 0) return -1;
  if (remaining_s) *remaining_s = validity_s - (int)(unix_s % validity_s);
  return webpay_totp_v1_interval(secret, webpay_time_step(unix_s, 0, validity_s), length, out,
                                 outlen);
}

bool webpay_secret_ok(const char *secret) {
  size_t n = secret ? strlen(secret) : 0;
  if (n < WEBPAY_SECRET_MIN || n > WEBPAY_SECRET_MAX) return false;
  for (const char *p = secret; *p; p++)
    if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f) return false;
  return true;
}

/* Does s begin with the variable {name}, in any case? Its length, else 0. */
static size_t variable(const char *s, const char *name) {
  size_t n = strlen(name);
  if (s[0] != '{' || strncasecmp(s + 1, name, n) != 0 || s[n + 1] != '}') return 0;
  return n + 2;
}

bool webpay_template_ok(const char *tpl, char *why, size_t whylen) {
  if (!tpl || (strncmp(tpl, "https://", 8) != 0 && strncmp(tpl, "http://", 7) != 0)) {
    snprintf(why, whylen, "must start with https:// or http://");
    return false;
  }
  if (strlen(tpl) > WEBPAY_TEMPLATE_MAX) {
    snprintf(why, whylen, "at most %d characters", WEBPAY_TEMPLATE_MAX);
    return false;
  }
  bool totp = false;
  for (const char *p = tpl; *p; p++) {
    unsigned char ch = (unsigned char)*p;
    if (ch <= ' ' || ch == '"' || ch == '<' || ch == '>' || ch == 0x7f) {
      snprintf(why, whylen, "must not contain spaces, quotes or angle brackets");
      return false;
    }
    totp = totp || variable(p, "totp");
  }
  if (!totp) {
    snprintf(why, whylen, "must contain {totp}");
    return false;
  }
  return true;
}

static int put(char *out, size_t len, size_t *at, const char *s, size_t n) {
  if (*at + n + 1 > len) return -1;
  memcpy(out + *at, s, n);
  *at += n;
  out[*at] = '\0';
  return 0;
}

/* s percent-encoded (RFC 3986: the unreserved characters stay). */
static int put_encoded(char *out, size_t len, size_t *at, const char *s) {
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    char buf[4];
    if (isalnum(*p) || *p == '-' || *p == '.' || *p == '_' || *p == '~') {
      buf[0] = (char)*p;
      if (put(out, len, at, buf, 1)) return -1;
    } else {
      snprintf(buf, sizeof buf, "%%%02X", *p);
      if (put(out, len, at, buf, 3)) return -1;
    }
  }
  return 0;
}

int webpay_url(const char *tpl, const char *station, int evse, const char *totp,
               const char *version, char *out, size_t outlen) {
  static const char *const empty[] = {"maxEnergy", "maxTime", "maxCost"};
  size_t at = 0, n;
  char num[16];
  snprintf(num, sizeof num, "%d", evse);
  if (!out || !outlen) return -1;
  out[0] = '\0';
  for (const char *p = tpl ? tpl : ""; *p;) {
    if ((n = variable(p, "chargingStationId"))) {
      if (put_encoded(out, outlen, &at, station ? station : "")) return -1;
    } else if ((n = variable(p, "evse"))) {
      if (put(out, outlen, &at, num, strlen(num))) return -1;
    } else if ((n = variable(p, "totp"))) {
      if (put_encoded(out, outlen, &at, totp ? totp : "")) return -1;
    } else if ((n = variable(p, "version"))) {
      if (put_encoded(out, outlen, &at, version ? version : "")) return -1;
    } else {
      for (size_t i = 0; i < sizeof empty / sizeof empty[0] && !n; i++) n = variable(p, empty[i]);
      if (!n) {
        if (put(out, outlen, &at, p, 1)) return -1;
        n = 1;
      }
    }
    p += n;
  }
  return (int)at;
}

void webpay_window_start(webpay_window *w, int64_t now_ms, long timeout_s) {
  if (timeout_s <= 0) {
    webpay_window_close(w);
    return;
  }
  w->started_ms = now_ms;
  w->until_ms = now_ms + (int64_t)timeout_s * 1000;
}

bool webpay_window_open(const webpay_window *w, int64_t now_ms) {
  return w->until_ms != 0 && now_ms < w->until_ms;
}

bool webpay_window_expired(webpay_window *w, int64_t now_ms) {
  if (w->until_ms == 0 || now_ms < w->until_ms) return false;
  webpay_window_close(w);
  return true;
}

void webpay_window_close(webpay_window *w) {
  w->until_ms = 0;
  w->started_ms = 0;
}
