/*
 * Authorization in the charge-point model: the cache of the back end's
 * answers, the local list the back end sends, and the rules that decide a
 * badge without the back end (before asking, when offline, when the question
 * got no answer). Protocol-neutral: an id token with a status, an expiry and
 * a group (OCPP 1.6 parentIdTag, 2.0.1 groupIdToken); the policy switches are
 * plain booleans the dialect reads from its configuration keys
 * (LocalPreAuthorize, LocalAuthorizeOffline, AllowOfflineTxForUnknownId,
 * AuthorizationCacheEnabled, LocalAuthListEnabled). Time is passed in.
 * Every write is a synchronous SQLite commit.
 */
#ifndef BORNE_CHARGEPOINT_AUTHORIZATION_H
#define BORNE_CHARGEPOINT_AUTHORIZATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/types.h"
#include "store/store.h"

/* An id token or group id: OCPP 2.0.1 allows 36 characters (1.6: 20). */
#define CP_ID_MAX 36

typedef enum {
  CP_TOKEN_ACCEPTED,
  CP_TOKEN_BLOCKED,
  CP_TOKEN_EXPIRED,
  CP_TOKEN_INVALID,
  CP_TOKEN_CONCURRENT_TX,
} cp_token_status;

/* What the back end said about a token. */
typedef struct {
  cp_token_status status;
  borne_ms expiry;           /* 0: none */
  char group[CP_ID_MAX + 1]; /* "" when none */
} cp_token_info;

/* Why a badge the back end answered for was refused, as recorded with the
 * event (`reason`, docs/api.md): "back_end_blocked", "back_end_expired",
 * "back_end_invalid", "back_end_concurrent_tx"; "back_end_refused" when the
 * answer was not understood (`known` false) or named no refusal. */
const char *cp_token_refusal_reason(bool known, const cp_token_info *info);

typedef struct {
  bool local_pre_authorize;     /* online: a valid local entry answers without asking */
  bool local_authorize_offline; /* offline: the list and the cache decide */
  bool allow_offline_unknown;   /* offline: a token neither list nor cache knows may charge */
  bool cache_enabled;
  bool list_enabled;
  /* OCPP 2.0.1 AuthCacheCtrlr.LifeTime: a cache entry neither answered nor
   * used to decide a badge for this long is gone (removed before the cache is
   * read); 0: no limit (the entry lives until its cacheExpiryDateTime, or
   * until CP_AUTH_CACHE_MAX newer ones push it out) */
  borne_ms cache_lifetime_ms;
} cp_auth_policy;

typedef enum { CP_AUTH_UNKNOWN, CP_AUTH_ACCEPT, CP_AUTH_REFUSE } cp_auth_verdict;

typedef struct cp_auth cp_auth;

cp_auth *cp_auth_open(store *db, char *err, size_t errlen);
void cp_auth_free(cp_auth *a);
const char *cp_auth_error(const cp_auth *a);

/* ---- the cache ---- */
#define CP_AUTH_CACHE_MAX 1000 /* the least recently updated go first */
/* A back-end answer about `token` (to an authorization, a transaction start
 * or end) goes into the cache when it is enabled, unless the local list
 * holds the token (the list governs its tokens). */
void cp_auth_remember(cp_auth *a, const cp_auth_policy *p, const char *token,
                      const cp_token_info *info, borne_ms now);
int cp_auth_clear_cache(cp_auth *a);

/* ---- what is kept about one token (OCPP 2.0.1 CustomerInformation) ---- */
typedef struct {
  char status[16]; /* "Accepted", "Blocked", ... as stored */
  borne_ms expiry; /* 0: none */
  char group[CP_ID_MAX + 1];
} cp_auth_kept;
/* The token's entry in the local list (list) or the cache (case ignored). */
bool cp_auth_entry(cp_auth *a, bool list, const char *token, cp_auth_kept *out);
/* Removes the token from the cache (the local list is the back end's: it
 * keeps it, OCPP 2.0.1 N10). */
int cp_auth_forget(cp_auth *a, const char *token);
/* The group the model keeps for a token (OCPP 1.6 parentIdTag, 2.0.1
 * groupIdToken): the local list's, else the cache's; "" when neither has
 * one. */
void cp_auth_group_of(cp_auth *a, const char *token, char group[CP_ID_MAX + 1]);
/* May `token`, whose authorization gave the group `group` (NULL or "":
 * none), stop a transaction that `starter` started? The same token (case
 * ignored), or one of the starter's non-empty group (OCPP 1.6 3.5.1: the
 * parentIdTag; 2.0.1 C09: the groupIdToken). The starter's group is
 * `starter_group` when the session kept it (NULL or "": unknown), else the
 * one the model keeps for the starter (cp_auth_group_of). */
bool cp_auth_may_stop(cp_auth *a, const char *starter, const char *starter_group, const char *token,
                      const char *group);

/* ---- deciding ---- */
/* Online, before asking: with local_pre_authorize, a valid (accepted, not
 * expired) list entry, else cache entry, accepts; anything else is
 * UNKNOWN (ask the back end). `group` gets the entry's group on ACCEPT. */
cp_auth_verdict cp_auth_local(cp_auth *a, const cp_auth_policy *p, const char *token, borne_ms now,
                              char group[CP_ID_MAX + 1]);
/* Offline: with local_authorize_offline, a known token is accepted when
 * valid and refused otherwise; an unknown one is accepted when
 * allow_offline_unknown, except that a token of the local list that is not
 * valid is always refused (OCPP 1.6 3.5.4, 2.0.1 C15). */
cp_auth_verdict cp_auth_offline(cp_auth *a, const cp_auth_policy *p, const char *token,
                                borne_ms now, char group[CP_ID_MAX + 1]);

/* The course of one validation (a badge presented):
 *   cp_auth_begin: offline -> the offline verdict (UNKNOWN means no rule
 *     accepts: the station may still try its own badges, else refuse);
 *     online -> the local verdict; UNKNOWN means ask the back end.
 *   the back end answers -> cp_auth_answered (remembers, accepts iff ACCEPTED);
 *   no answer (the call timed out, the link dropped, an error came back)
 *     -> cp_auth_unanswered: decided as offline. */
cp_auth_verdict cp_auth_begin(cp_auth *a, const cp_auth_policy *p, const char *token, bool online,
                              borne_ms now, char group[CP_ID_MAX + 1]);
cp_auth_verdict cp_auth_answered(cp_auth *a, const cp_auth_policy *p, const char *token,
                                 const cp_token_info *info, borne_ms now);
cp_auth_verdict cp_auth_unanswered(cp_auth *a, const cp_auth_policy *p, const char *token,
                                   borne_ms now, char group[CP_ID_MAX + 1]);

/* ---- the local list ---- */
typedef struct {
  const char *token;
  bool has_info; /* false: remove the token (a differential update) */
  cp_token_info info;
} cp_list_entry;

typedef struct {
  int version;
  bool full; /* a full update replaces the list; else differential */
  const cp_list_entry *entries;
  size_t count;
} cp_list_update;

typedef struct {
  int max_per_update; /* OCPP 1.6 SendLocalListMaxLength, 2.0.1 ItemsPerMessage */
  int max_entries;    /* OCPP 1.6 LocalAuthListMaxLength, 2.0.1 Storage entries */
} cp_list_limits;

typedef enum {
  CP_LIST_ACCEPTED,
  CP_LIST_FAILED,           /* too long, or could not be written: nothing applied */
  CP_LIST_NOT_SUPPORTED,    /* the local list is disabled */
  CP_LIST_VERSION_MISMATCH, /* a differential update not newer than the list */
} cp_list_result;

cp_list_result cp_auth_list_update(cp_auth *a, const cp_auth_policy *p, const cp_list_limits *lim,
                                   const cp_list_update *u);
/* The list's version; -1 when the list is disabled. */
int cp_auth_list_version(cp_auth *a, const cp_auth_policy *p);
int cp_auth_list_length(cp_auth *a);

/* ---- storage (OCPP 2.0.1 AuthCacheCtrlr.Storage, LocalAuthListCtrlr.Storage) ---- */
/* The bytes an entry holds: its token, status and group as UTF-8, and 8 for
 * each time it keeps (the list: its expiry; the cache: its expiry, the
 * answer's time and the last use). The bytes used are the sum over the
 * entries; the most an entry can hold is CP_AUTH_ENTRY_MAX_BYTES (a list
 * entry 16 less), the most the cache can use CP_AUTH_CACHE_MAX times that. */
#define CP_AUTH_ENTRY_MAX_BYTES (CP_ID_MAX + 12 + CP_ID_MAX + 3 * 8)
#define CP_AUTH_LIST_ENTRY_MAX_BYTES (CP_AUTH_ENTRY_MAX_BYTES - 2 * 8)
long cp_auth_cache_bytes(cp_auth *a);
long cp_auth_list_bytes(cp_auth *a);

#endif
