/*
 * The installation's directory of users and badges (docs/site.md), pure:
 * what the leader copies to every follower so that a badge registered once
 * works at every station. Its wire form is a JSON document
 *   {"version": N, "users": [{"name", "enabled", "connectors"}],
 *    "badges": [{"uid", "user", "enabled"}]}
 * signed with HMAC-SHA256 under the installation's shared secret
 * (`site.secret`; OpenSSL), the signature sent beside it as 64 hex digits.
 * Its digest (SHA-256 of the exact bytes) tells the leader, through a
 * member's registers, whether that member holds the current copy.
 * No I/O: the store and HTTP sides use these.
 */
#ifndef BORNE_SITE_DIRECTORY_H
#define BORNE_SITE_DIRECTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/types.h"

#define SITE_DIR_MAX_BYTES (512 * 1024) /* a larger body is refused unread */
#define SITE_DIR_MAX_USERS 2000
#define SITE_DIR_MAX_BADGES 10000
#define SITE_DIR_SIG_HEX 64    /* HMAC-SHA256 as lower-case hex */
#define SITE_DIR_SECRET_MIN 16 /* characters of site.secret, at least */

typedef struct {
  char name[BORNE_NAME_MAX + 1];
  bool enabled;
  unsigned connectors; /* bit c-1: connector c allowed; 0: every connector */
} site_dir_user;

typedef struct {
  char uid[BORNE_UID_MAX + 1];   /* upper-case hex, as the store keeps it */
  char user[BORNE_NAME_MAX + 1]; /* one of the users' names, "" for none */
  bool enabled;
} site_dir_badge;

typedef struct {
  uint32_t version; /* the leader's counter, raised at each change */
  int n_users, n_badges;
  site_dir_user *users;   /* n_users, malloc'd */
  site_dir_badge *badges; /* n_badges, malloc'd */
} site_directory;

/* HMAC-SHA256 of body under secret, as SITE_DIR_SIG_HEX hex digits + NUL.
 * -1 when the secret is shorter than SITE_DIR_SECRET_MIN. */
int site_dir_sign(const char *secret, const void *body, size_t len, char hex[SITE_DIR_SIG_HEX + 1]);
/* Whether hex is body's signature under secret (compared in constant time;
 * false for a short secret, a signature of the wrong length or not hex). */
bool site_dir_verify(const char *secret, const void *body, size_t len, const char *hex);
/* SHA-256 of body: the copy's identity, 16 bytes of it in the registers. */
void site_dir_digest(const void *body, size_t len, uint8_t out[32]);

/* Parses a directory (len bytes, not NUL-terminated). 0, or -1 with one
 * line in why: too large, not JSON, a field missing or of the wrong type,
 * a name or UID too long or empty, a UID not hex, a name or UID twice, a
 * badge naming a user not listed, too many entries. On 0 free it with
 * site_dir_free; on -1 there is nothing to free. UIDs are upper-cased. */
int site_dir_parse(const char *body, size_t len, site_directory *out, char *why, size_t whylen);
/* The wire form (compact JSON, keys sorted): malloc'd, NUL-terminated; NULL
 * when out of memory. site_dir_parse of it gives back the same directory. */
char *site_dir_serialize(const site_directory *d);
void site_dir_free(site_directory *d);

/* What a follower does with a correctly signed copy, given the copy it holds
 * (held_version 0: none): apply a newer one, acknowledge the one it holds
 * already, refuse an older one or another copy under the same version (a
 * replayed or forged-by-a-leader-reset push: the leader then moves past the
 * member's version, site_dir_version_past). */
typedef enum { SITE_DIR_APPLY, SITE_DIR_SAME, SITE_DIR_STALE } site_dir_verdict;
site_dir_verdict site_dir_judge(uint32_t held_version, const uint8_t held_digest[32],
                                uint32_t version, const uint8_t digest[32]);
/* The leader's version for its copy: own, or past a member's that holds
 * another copy under a version at or above own (the leader's database was
 * reset, or another leader led it). */
uint32_t site_dir_version_past(uint32_t own, uint32_t member, bool member_same_copy);

#endif
