/*
 * PIN hashing and verification (see pin.h). Never logs or keeps a PIN.
 */
#include "webpage/pin.h"

#include <ctype.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SALT_LEN 16
#define HASH_LEN 32
#define ITER_MAX 10000000

const char *web_role_name(web_role r) {
  switch (r) {
  case WEB_ROLE_OWNER:
    return "owner";
  case WEB_ROLE_INSTALLER:
    return "installer";
  default:
    return NULL;
  }
}

web_role web_role_parse(const char *s) {
  if (!s) return WEB_ROLE_NONE;
  if (strcmp(s, "owner") == 0) return WEB_ROLE_OWNER;
  if (strcmp(s, "installer") == 0) return WEB_ROLE_INSTALLER;
  return WEB_ROLE_NONE;
}

int web_pin_check_format(const char *pin, char *why, size_t len) {
  size_t n = pin ? strlen(pin) : 0;
  if (n < WEB_PIN_MIN || n > WEB_PIN_MAX) {
    snprintf(why, len, "a PIN has %d to %d digits", WEB_PIN_MIN, WEB_PIN_MAX);
    return -1;
  }
  for (size_t i = 0; i < n; i++)
    if (!isdigit((unsigned char)pin[i])) {
      snprintf(why, len, "a PIN has only digits 0-9");
      return -1;
    }
  return 0;
}

static void hex(const unsigned char *in, size_t n, char *out) {
  for (size_t i = 0; i < n; i++) snprintf(out + 2 * i, 3, "%02x", in[i]);
}

static int unhex(const char *in, size_t n, unsigned char *out) {
  for (size_t i = 0; i < n; i++) {
    unsigned v;
    char two[3] = {in[2 * i], in[2 * i + 1], 0};
    if (!isxdigit((unsigned char)two[0]) || !isxdigit((unsigned char)two[1]) ||
        sscanf(two, "%2x", &v) != 1)
      return -1;
    out[i] = (unsigned char)v;
  }
  return 0;
}

static int derive(const char *pin, const unsigned char *salt, int iterations,
                  unsigned char out[HASH_LEN]) {
  return PKCS5_PBKDF2_HMAC(pin, (int)strlen(pin), salt, SALT_LEN, iterations, EVP_sha256(),
                           HASH_LEN, out) == 1
             ? 0
             : -1;
}

int web_pin_hash(const char *pin, int iterations, char *out, size_t outlen) {
  unsigned char salt[SALT_LEN], h[HASH_LEN];
  char salt_hex[2 * SALT_LEN + 1], h_hex[2 * HASH_LEN + 1];
  if (!pin || iterations < 1 || iterations > ITER_MAX) return -1;
  if (RAND_bytes(salt, sizeof salt) != 1) return -1;
  if (derive(pin, salt, iterations, h) != 0) return -1;
  hex(salt, SALT_LEN, salt_hex);
  hex(h, HASH_LEN, h_hex);
  int n = snprintf(out, outlen, "pbkdf2-sha256$%d$%s$%s", iterations, salt_hex, h_hex);
  OPENSSL_cleanse(h, sizeof h);
  return n > 0 && (size_t)n < outlen ? 0 : -1;
}

bool web_pin_verify(const char *pin, const char *stored) {
  static const char prefix[] = "pbkdf2-sha256$";
  if (!pin || !stored || strncmp(stored, prefix, sizeof prefix - 1) != 0) return false;
  const char *p = stored + sizeof prefix - 1;
  char *end;
  long iter = strtol(p, &end, 10);
  if (end == p || *end != '$' || iter < 1 || iter > ITER_MAX) return false;
  const char *salt_hex = end + 1;
  const char *dollar = strchr(salt_hex, '$');
  if (!dollar || dollar - salt_hex != 2 * SALT_LEN) return false;
  const char *h_hex = dollar + 1;
  if (strlen(h_hex) != 2 * HASH_LEN) return false;
  unsigned char salt[SALT_LEN], want[HASH_LEN], got[HASH_LEN];
  if (unhex(salt_hex, SALT_LEN, salt) != 0 || unhex(h_hex, HASH_LEN, want) != 0) return false;
  if (derive(pin, salt, (int)iter, got) != 0) return false;
  bool ok = CRYPTO_memcmp(got, want, HASH_LEN) == 0;
  OPENSSL_cleanse(got, sizeof got);
  return ok;
}
