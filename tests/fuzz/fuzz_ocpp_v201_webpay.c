/*
 * OCPP 2.1 dynamic QR code (src/ocpp/v201/webpay.c) on any input: the input
 * is split at its first two NUL bytes into a URL template, a station id and
 * a shared secret (the rest of the bytes). The template is checked
 * (webpay_template_ok), a one-time password made of the secret at a time,
 * validity and length taken from the input, and the URL built into buffers
 * of every size up to the full one. Nothing may crash; a URL built fits its
 * buffer and its length is the one returned; a buffer too small is refused
 * (-1), never overrun; a password is `length` base62 characters and the
 * same at every second of its interval.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ocpp/v201/webpay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 4 || size > 4096) return 0;
  uint32_t knobs = (uint32_t)data[0] | (uint32_t)data[1] << 8 | (uint32_t)data[2] << 16;
  char *text = malloc(size - 3 + 3);
  if (!text) return 0;
  memcpy(text, data + 3, size - 3);
  text[size - 3] = text[size - 2] = text[size - 1] = 0;
  /* three NULs appended: each string ends inside the buffer */
  const char *tpl = text;
  const char *station = tpl + strlen(tpl) + 1;
  const char *secret = station + strlen(station) + 1;

  char why[128];
  bool ok = webpay_template_ok(tpl, why, sizeof why);
  if (!ok && !why[0]) abort();

  int validity = 1 + (int)(knobs % 3600);
  int length = 1 + (int)((knobs >> 12) % 255);
  int64_t now = (int64_t)(knobs >> 4) * 977;
  char code[256], again[256];
  int left = 0;
  int rc = webpay_totp_v1(secret, now, validity, length, code, sizeof code, &left);
  if (rc == 0) {
    if ((int)strlen(code) != length || left < 1 || left > validity) abort();
    for (int i = 0; i < length; i++)
      if (!strchr(WEBPAY_BASE62, code[i])) abort();
    if (webpay_totp_v1(secret, now + left - 1, validity, length, again, sizeof again, NULL) != 0 ||
        strcmp(code, again) != 0)
      abort();
  } else if (secret[0]) {
    abort(); /* a secret, a validity and a length in range always give one */
  } else {
    strcpy(code, "");
  }

  /* each template byte gives at most one variable's value, percent-encoded */
  size_t most = strlen(station) > strlen(code) ? strlen(station) : strlen(code);
  size_t full = strlen(tpl) * (3 * most + 8) + 64;
  char *url = malloc(full);
  if (!url) {
    free(text);
    return 0;
  }
  int n = webpay_url(tpl, station, (int)(knobs % 100), code, WEBPAY_TOTP_VERSION, url, full);
  if (n < 0 || (size_t)n != strlen(url) || (size_t)n >= full) abort();
  for (size_t cap = 1; cap <= (size_t)n + 1; cap += 1 + cap / 8) {
    char *small = malloc(cap);
    if (!small) break;
    int m = webpay_url(tpl, station, (int)(knobs % 100), code, WEBPAY_TOTP_VERSION, small, cap);
    if (m >= 0 && ((size_t)m >= cap || strcmp(small, url) != 0)) abort();
    if (m < 0 && cap > (size_t)n) abort();
    free(small);
  }
  free(url);
  free(text);
  return 0;
}
