/*
 * The installation's directory of users and badges: parse, serialize,
 * sign, verify (directory.h). Pure: jansson and OpenSSL's HMAC/SHA-256.
 */
#include "site/directory.h"

#include <ctype.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/errbuf.h"

static void to_hex(const uint8_t *in, size_t n, char *out) {
  static const char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = digits[in[i] >> 4];
    out[2 * i + 1] = digits[in[i] & 15];
  }
  out[2 * n] = 0;
}

static bool mac(const char *secret, const void *body, size_t len, uint8_t out[32]) {
  if (!secret || strlen(secret) < SITE_DIR_SECRET_MIN) return false;
  unsigned int n = 0;
  if (!HMAC(EVP_sha256(), secret, (int)strlen(secret), body, len, out, &n) || n != 32) return false;
  return true;
}

int site_dir_sign(const char *secret, const void *body, size_t len,
                  char hex[SITE_DIR_SIG_HEX + 1]) {
  uint8_t m[32];
  if (!mac(secret, body, len, m)) return -1;
  to_hex(m, sizeof m, hex);
  return 0;
}

bool site_dir_verify(const char *secret, const void *body, size_t len, const char *hex) {
  if (!hex || strlen(hex) != SITE_DIR_SIG_HEX) return false;
  char want[SITE_DIR_SIG_HEX + 1], got[SITE_DIR_SIG_HEX + 1];
  if (site_dir_sign(secret, body, len, want) != 0) return false;
  for (int i = 0; i < SITE_DIR_SIG_HEX; i++) {
    if (!isxdigit((unsigned char)hex[i])) return false;
    got[i] = (char)tolower((unsigned char)hex[i]);
  }
  got[SITE_DIR_SIG_HEX] = 0;
  return CRYPTO_memcmp(want, got, SITE_DIR_SIG_HEX) == 0;
}

void site_dir_digest(const void *body, size_t len, uint8_t out[32]) { SHA256(body, len, out); }

void site_dir_free(site_directory *d) {
  if (!d) return;
  free(d->users);
  free(d->badges);
  d->users = NULL;
  d->badges = NULL;
  d->n_users = d->n_badges = 0;
}

static int text_field(json_t *o, const char *key, char *out, size_t size, bool may_be_empty,
                      const char *what, int i, char *why, size_t whylen) {
  json_t *v = json_object_get(o, key);
  if (!json_is_string(v))
    return errbuf_fail(why, whylen, "%s %d: \"%s\" must be a string", what, i, key);
  const char *s = json_string_value(v);
  size_t n = json_string_length(v);
  if (n != strlen(s)) return errbuf_fail(why, whylen, "%s %d: \"%s\" holds a NUL", what, i, key);
  if (n >= size)
    return errbuf_fail(why, whylen, "%s %d: \"%s\" longer than %zu characters", what, i, key,
                       size - 1);
  if (!n && !may_be_empty) return errbuf_fail(why, whylen, "%s %d: \"%s\" is empty", what, i, key);
  memcpy(out, s, n + 1);
  return 0;
}

static int bool_field(json_t *o, const char *key, bool *out, const char *what, int i, char *why,
                      size_t whylen) {
  json_t *v = json_object_get(o, key);
  if (!json_is_boolean(v))
    return errbuf_fail(why, whylen, "%s %d: \"%s\" must be true or false", what, i, key);
  *out = json_is_true(v);
  return 0;
}

static int parse_users(json_t *a, site_directory *d, char *why, size_t whylen) {
  size_t n = json_array_size(a);
  if (n > SITE_DIR_MAX_USERS)
    return errbuf_fail(why, whylen, "more than %d users", SITE_DIR_MAX_USERS);
  d->users = calloc(n ? n : 1, sizeof *d->users);
  if (!d->users) return errbuf_fail(why, whylen, "out of memory");
  for (size_t i = 0; i < n; i++) {
    json_t *o = json_array_get(a, i);
    site_dir_user *u = &d->users[i];
    if (!json_is_object(o)) return errbuf_fail(why, whylen, "user %zu: not an object", i);
    if (text_field(o, "name", u->name, sizeof u->name, false, "user", (int)i, why, whylen) ||
        bool_field(o, "enabled", &u->enabled, "user", (int)i, why, whylen))
      return -1;
    json_t *c = json_object_get(o, "connectors");
    if (!json_is_integer(c) || json_integer_value(c) < 0 || json_integer_value(c) > 0xFFFF)
      return errbuf_fail(why, whylen, "user %zu: \"connectors\" must be a bit mask 0..65535", i);
    u->connectors = (unsigned)json_integer_value(c);
    for (size_t k = 0; k < i; k++)
      if (!strcmp(d->users[k].name, u->name))
        return errbuf_fail(why, whylen, "user %zu: the name `%s` twice", i, u->name);
    d->n_users = (int)i + 1;
  }
  return 0;
}

static int parse_badges(json_t *a, site_directory *d, char *why, size_t whylen) {
  size_t n = json_array_size(a);
  if (n > SITE_DIR_MAX_BADGES)
    return errbuf_fail(why, whylen, "more than %d badges", SITE_DIR_MAX_BADGES);
  d->badges = calloc(n ? n : 1, sizeof *d->badges);
  if (!d->badges) return errbuf_fail(why, whylen, "out of memory");
  for (size_t i = 0; i < n; i++) {
    json_t *o = json_array_get(a, i);
    site_dir_badge *b = &d->badges[i];
    if (!json_is_object(o)) return errbuf_fail(why, whylen, "badge %zu: not an object", i);
    if (text_field(o, "uid", b->uid, sizeof b->uid, false, "badge", (int)i, why, whylen) ||
        text_field(o, "user", b->user, sizeof b->user, true, "badge", (int)i, why, whylen) ||
        bool_field(o, "enabled", &b->enabled, "badge", (int)i, why, whylen))
      return -1;
    for (char *p = b->uid; *p; p++) {
      if (!isxdigit((unsigned char)*p))
        return errbuf_fail(why, whylen, "badge %zu: the UID is not hex", i);
      *p = (char)toupper((unsigned char)*p);
    }
    /* a linear search: directories are small, and parsing is bounded */
    if (b->user[0]) {
      bool known = false;
      for (int k = 0; k < d->n_users && !known; k++) known = !strcmp(d->users[k].name, b->user);
      if (!known)
        return errbuf_fail(why, whylen, "badge %zu: the user `%s` is not listed", i, b->user);
    }
    d->n_badges = (int)i + 1;
  }
  return 0;
}

static int uid_cmp(const void *a, const void *b) {
  return strcmp(((const site_dir_badge *)a)->uid, ((const site_dir_badge *)b)->uid);
}

int site_dir_parse(const char *body, size_t len, site_directory *out, char *why, size_t whylen) {
  memset(out, 0, sizeof *out);
  if (len > SITE_DIR_MAX_BYTES)
    return errbuf_fail(why, whylen, "larger than %d bytes", SITE_DIR_MAX_BYTES);
  json_error_t je;
  json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
  if (!root) return errbuf_fail(why, whylen, "not JSON: %s", je.text);
  int rc = -1;
  json_t *v = json_object_get(root, "version");
  json_t *users = json_object_get(root, "users"), *badges = json_object_get(root, "badges");
  if (!json_is_object(root)) {
    errbuf_fail(why, whylen, "not a JSON object");
  } else if (!json_is_integer(v) || json_integer_value(v) < 0 ||
             json_integer_value(v) > (json_int_t)UINT32_MAX) {
    errbuf_fail(why, whylen, "\"version\" must be an integer 0..4294967295");
  } else if (!json_is_array(users) || !json_is_array(badges)) {
    errbuf_fail(why, whylen, "\"users\" and \"badges\" must be arrays");
  } else {
    out->version = (uint32_t)json_integer_value(v);
    if (parse_users(users, out, why, whylen) == 0 && parse_badges(badges, out, why, whylen) == 0) {
      /* the same badge twice (also as "04a1" and "04A1"): sorted copy, neighbours */
      rc = 0;
      if (out->n_badges > 1) {
        site_dir_badge *s = malloc((size_t)out->n_badges * sizeof *s);
        if (!s) {
          rc = errbuf_fail(why, whylen, "out of memory");
        } else {
          memcpy(s, out->badges, (size_t)out->n_badges * sizeof *s);
          qsort(s, (size_t)out->n_badges, sizeof *s, uid_cmp);
          for (int i = 1; i < out->n_badges && rc == 0; i++)
            if (!strcmp(s[i - 1].uid, s[i].uid))
              rc = errbuf_fail(why, whylen, "the badge %s twice", s[i].uid);
          free(s);
        }
      }
    }
  }
  json_decref(root);
  if (rc != 0) site_dir_free(out);
  return rc;
}

char *site_dir_serialize(const site_directory *d) {
  json_t *root = json_object(), *users = json_array(), *badges = json_array();
  if (!root || !users || !badges) {
    json_decref(root), json_decref(users), json_decref(badges);
    return NULL;
  }
  json_object_set_new(root, "version", json_integer(d->version));
  for (int i = 0; i < d->n_users; i++) {
    const site_dir_user *u = &d->users[i];
    json_array_append_new(users, json_pack("{s:s, s:b, s:I}", "name", u->name, "enabled",
                                           u->enabled, "connectors", (json_int_t)u->connectors));
  }
  for (int i = 0; i < d->n_badges; i++) {
    const site_dir_badge *b = &d->badges[i];
    json_array_append_new(badges, json_pack("{s:s, s:s, s:b}", "uid", b->uid, "user", b->user,
                                            "enabled", b->enabled));
  }
  json_object_set_new(root, "users", users);
  json_object_set_new(root, "badges", badges);
  char *s = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref(root);
  return s;
}

site_dir_verdict site_dir_judge(uint32_t held_version, const uint8_t held_digest[32],
                                uint32_t version, const uint8_t digest[32]) {
  if (held_version == 0 || version > held_version) return SITE_DIR_APPLY;
  if (version == held_version && memcmp(held_digest, digest, 32) == 0) return SITE_DIR_SAME;
  return SITE_DIR_STALE;
}

uint32_t site_dir_version_past(uint32_t own, uint32_t member, bool member_same_copy) {
  if (member_same_copy || member < own || member == UINT32_MAX) return own;
  return member + 1;
}
