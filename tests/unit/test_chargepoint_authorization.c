/*
 * Authorization in the charge-point model (src/chargepoint/authorization.[ch])
 * on a real SQLite file in a temporary directory, on a virtual clock, the
 * policy switches passed in as booleans:
 *   - the cache: written from back-end answers when enabled, case-insensitive
 *     tokens, expiry, group, replaced by newer answers, bounded, kept across
 *     a restart, cleared;
 *   - the local list and its precedence over the cache (OCPP 1.6 3.5.3);
 *   - LocalPreAuthorize (online, before asking), LocalAuthorizeOffline,
 *     AllowOfflineTxForUnknownId and the rule that a listed token that is not
 *     valid is refused offline whatever (1.6 3.5.4);
 *   - the course of a validation: begin online / offline, the answer, no
 *     answer (timeout, dropped link) decided by the offline rules;
 *   - list updates (1.6 5.15, 2.0.1 D01/D02): full, differential, version
 *     mismatch, too long (nothing applied), disabled.
 */
/* cmocka.h needs these first */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "chargepoint/authorization.h"
#include "powercut_vfs.h"
#include "test_tmpdir.h"
#include "store/store.h"
#include "util/log.h"

/* Monday 2026-01-05T00:00:00Z. */
#define T0 (1767571200LL * 1000)
#define S(x) ((borne_ms)(x)*1000)
#define H(x) S((x)*3600)

typedef struct {
  test_tmpdb *tmp;
  store *db;
  cp_auth *a;
  cp_auth_policy p;
  cp_list_limits lim;
} fx;

static void a_open(fx *f) {
  char err[256];
  if (store_open(&f->db, f->tmp->path, err, sizeof err) != 0) fail_msg("store_open: %s", err);
  f->a = cp_auth_open(f->db, err, sizeof err);
  if (!f->a) fail_msg("cp_auth_open: %s", err);
}

static void a_close(fx *f) {
  cp_auth_free(f->a);
  store_close(f->db);
  f->a = NULL;
  f->db = NULL;
}

static void reopen(fx *f) {
  a_close(f);
  a_open(f);
}

static int setup(void **state) {
  log_set_level(LOG_ERROR);
  fx *f = calloc(1, sizeof *f);
  assert_non_null(f);
  void *t = NULL;
  assert_int_equal(test_tmpdb_setup(&t, "borne-cp-auth"), 0);
  f->tmp = t;
  /* a station's defaults (the ocpp.* settings) */
  f->p = (cp_auth_policy){.local_pre_authorize = false,
                          .local_authorize_offline = true,
                          .allow_offline_unknown = false,
                          .cache_enabled = true,
                          .list_enabled = true};
  f->lim = (cp_list_limits){.max_per_update = 1000, .max_entries = 10000};
  a_open(f);
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fx *f = *state;
  a_close(f);
  void *t = f->tmp;
  test_tmpdb_teardown(&t);
  free(f);
  return 0;
}

/* A back-end answer about `tag`. */
static void info(fx *f, const char *tag, cp_token_status status, borne_ms expiry, const char *group,
                 borne_ms now) {
  cp_token_info i = {.status = status, .expiry = expiry};
  snprintf(i.group, sizeof i.group, "%s", group ? group : "");
  cp_auth_remember(f->a, &f->p, tag, &i, now);
}

static cp_auth_verdict local(fx *f, const char *tag, borne_ms now, char group[CP_ID_MAX + 1]) {
  char g[CP_ID_MAX + 1] = "unchanged";
  cp_auth_verdict v = cp_auth_local(f->a, &f->p, tag, now, g);
  if (group)
    snprintf(group, CP_ID_MAX + 1, "%s", g);
  else if (v != CP_AUTH_ACCEPT)
    assert_string_equal(g, "unchanged");
  return v;
}

static cp_auth_verdict offline(fx *f, const char *tag, borne_ms now, char group[CP_ID_MAX + 1]) {
  char g[CP_ID_MAX + 1] = "unchanged";
  cp_auth_verdict v = cp_auth_offline(f->a, &f->p, tag, now, g);
  if (group) snprintf(group, CP_ID_MAX + 1, "%s", g);
  return v;
}

#define ENTRY(tag, st)                                                                             \
  {                                                                                                \
    .token = tag, .has_info = true, .info = {.status = st }                                        \
  }
#define ACCEPTED(tag) ENTRY(tag, CP_TOKEN_ACCEPTED)
#define REMOVE(tag)                                                                                \
  { .token = tag, .has_info = false }

static cp_list_result send_list(fx *f, int version, bool full, const cp_list_entry *e, size_t n) {
  cp_list_update u = {.version = version, .full = full, .entries = e, .count = n};
  return cp_auth_list_update(f->a, &f->p, &f->lim, &u);
}

#define SEND(f, version, full, ...)                                                                \
  send_list(f, version, full, (const cp_list_entry[]){__VA_ARGS__},                                \
            sizeof((const cp_list_entry[]){__VA_ARGS__}) / sizeof(cp_list_entry))

/* ---------------- the cache ---------------- */

static void test_cache(void **state) {
  fx *f = *state;
  f->p.local_pre_authorize = true;
  char group[CP_ID_MAX + 1];
  assert_int_equal(local(f, "CARD1", T0, NULL), CP_AUTH_UNKNOWN);
  info(f, "CARD1", CP_TOKEN_ACCEPTED, T0 + H(1), "FLEET", T0);
  assert_int_equal(local(f, "CARD1", T0, group), CP_AUTH_ACCEPT);
  assert_string_equal(group, "FLEET");
  /* tokens compare case-insensitively (1.6 CiString20) */
  assert_int_equal(local(f, "card1", T0, NULL), CP_AUTH_ACCEPT);
  assert_int_equal(offline(f, "CARD1", T0, group), CP_AUTH_ACCEPT);
  assert_string_equal(group, "FLEET");
  /* expired: online the back end decides, offline refused */
  assert_int_equal(local(f, "CARD1", T0 + H(1) - 1, NULL), CP_AUTH_ACCEPT);
  assert_int_equal(local(f, "CARD1", T0 + H(1), NULL), CP_AUTH_UNKNOWN);
  assert_int_equal(offline(f, "CARD1", T0 + H(1), NULL), CP_AUTH_REFUSE);
  /* a new answer replaces the entry; no expiry = never expires */
  info(f, "CARD1", CP_TOKEN_ACCEPTED, 0, NULL, T0 + H(2));
  assert_int_equal(local(f, "CARD1", T0 + H(10000), group), CP_AUTH_ACCEPT);
  assert_string_equal(group, "");
  /* Blocked / Invalid / Expired / ConcurrentTx answers are cached as such */
  info(f, "CARD1", CP_TOKEN_BLOCKED, 0, NULL, T0 + H(3));
  assert_int_equal(local(f, "CARD1", T0 + H(3), NULL), CP_AUTH_UNKNOWN);
  assert_int_equal(offline(f, "CARD1", T0 + H(3), NULL), CP_AUTH_REFUSE);
  info(f, "CARD2", CP_TOKEN_INVALID, 0, NULL, T0);
  assert_int_equal(offline(f, "CARD2", T0, NULL), CP_AUTH_REFUSE);
  info(f, "CARD6", CP_TOKEN_EXPIRED, 0, NULL, T0);
  assert_int_equal(offline(f, "CARD6", T0, NULL), CP_AUTH_REFUSE);
  info(f, "CARD7", CP_TOKEN_CONCURRENT_TX, 0, NULL, T0);
  assert_int_equal(offline(f, "CARD7", T0, NULL), CP_AUTH_REFUSE);
  assert_int_equal(local(f, "CARD7", T0, NULL), CP_AUTH_UNKNOWN);
  /* the cache survives a restart; clearing empties it */
  info(f, "CARD3", CP_TOKEN_ACCEPTED, 0, NULL, T0);
  reopen(f);
  assert_int_equal(local(f, "CARD3", T0, NULL), CP_AUTH_ACCEPT);
  assert_int_equal(offline(f, "CARD2", T0, NULL), CP_AUTH_REFUSE);
  assert_int_equal(cp_auth_clear_cache(f->a), 0);
  assert_int_equal(local(f, "CARD3", T0, NULL), CP_AUTH_UNKNOWN);
  assert_int_equal(offline(f, "CARD3", T0, NULL), CP_AUTH_UNKNOWN);
  assert_int_equal(offline(f, "CARD2", T0, NULL), CP_AUTH_UNKNOWN);
}

/* OCPP 2.0.1 AuthCacheCtrlr.LifeTime: an entry neither answered nor used
 * within the lifetime is removed; each use starts it again. */
static void test_cache_lifetime(void **state) {
  fx *f = *state;
  f->p.local_pre_authorize = true;
  f->p.cache_lifetime_ms = H(24);
  info(f, "CARD1", CP_TOKEN_ACCEPTED, 0, NULL, T0);
  info(f, "CARD2", CP_TOKEN_ACCEPTED, 0, NULL, T0);
  info(f, "CARD3", CP_TOKEN_BLOCKED, 0, NULL, T0);
  /* CARD1 used online after 20 h, CARD3 offline after 20 h: their lifetime
   * starts again; CARD2 is not used */
  assert_int_equal(local(f, "CARD1", T0 + H(20), NULL), CP_AUTH_ACCEPT);
  assert_int_equal(offline(f, "CARD3", T0 + H(20), NULL), CP_AUTH_REFUSE);
  /* 24 h after the answer: CARD2 is gone (the back end decides again,
   * offline it is unknown), CARD1 and CARD3 stay */
  assert_int_equal(local(f, "CARD2", T0 + H(24), NULL), CP_AUTH_UNKNOWN);
  assert_int_equal(offline(f, "CARD2", T0 + H(24), NULL), CP_AUTH_UNKNOWN);
  cp_auth_kept k;
  assert_false(cp_auth_entry(f->a, false, "CARD2", &k));
  assert_int_equal(local(f, "CARD1", T0 + H(24), NULL), CP_AUTH_ACCEPT);
  assert_int_equal(offline(f, "CARD3", T0 + H(43), NULL), CP_AUTH_REFUSE);
  /* the last use counts, across a restart */
  reopen(f);
  assert_int_equal(local(f, "CARD1", T0 + H(48) - 1, NULL), CP_AUTH_ACCEPT);
  assert_int_equal(offline(f, "CARD3", T0 + H(66), NULL), CP_AUTH_REFUSE);
  assert_int_equal(offline(f, "CARD1", T0 + H(72) + S(1), NULL), CP_AUTH_UNKNOWN);
  assert_false(cp_auth_entry(f->a, false, "CARD1", &k));
  /* a new answer starts it again; 0: no lifetime */
  info(f, "CARD1", CP_TOKEN_ACCEPTED, 0, NULL, T0 + H(100));
  f->p.cache_lifetime_ms = 0;
  assert_int_equal(local(f, "CARD1", T0 + H(10000), NULL), CP_AUTH_ACCEPT);
  assert_int_equal(offline(f, "CARD3", T0 + H(10000), NULL), CP_AUTH_REFUSE);
  /* a lifetime with the cache disabled removes nothing */
  f->p.cache_lifetime_ms = H(1);
  f->p.cache_enabled = false;
  assert_int_equal(local(f, "CARD1", T0 + H(20000), NULL), CP_AUTH_UNKNOWN);
  f->p.cache_enabled = true;
  assert_true(cp_auth_entry(f->a, false, "CARD1", &k));
}

/* OCPP 2.0.1 AuthCacheCtrlr.Storage / LocalAuthListCtrlr.Storage: the bytes
 * the entries hold (token, status, group, 8 a time kept). */
static void test_storage(void **state) {
  fx *f = *state;
  assert_int_equal(cp_auth_cache_bytes(f->a), 0);
  assert_int_equal(cp_auth_list_bytes(f->a), 0);
  info(f, "CARD1", CP_TOKEN_ACCEPTED, 0, "FLEET", T0);      /* 5 + 8 + 5 + 24 */
  info(f, "CARD22", CP_TOKEN_BLOCKED, T0 + H(1), NULL, T0); /* 6 + 7 + 0 + 24 */
  assert_int_equal(cp_auth_cache_bytes(f->a), 42 + 37);
  assert_int_equal(SEND(f, 1, true, ACCEPTED("LIST1"), ENTRY("LIST22", CP_TOKEN_INVALID)),
                   CP_LIST_ACCEPTED);
  assert_int_equal(cp_auth_list_bytes(f->a), (5 + 8 + 8) + (6 + 7 + 8));
  /* a removal gives its bytes back; the longest entry is within the bound */
  assert_int_equal(cp_auth_forget(f->a, "CARD22"), 0);
  assert_int_equal(cp_auth_cache_bytes(f->a), 42);
  assert_int_equal(cp_auth_clear_cache(f->a), 0);
  char tok[CP_ID_MAX + 1], grp[CP_ID_MAX + 1];
  memset(tok, 'T', CP_ID_MAX);
  tok[CP_ID_MAX] = 0;
  memset(grp, 'G', CP_ID_MAX);
  grp[CP_ID_MAX] = 0;
  info(f, tok, CP_TOKEN_CONCURRENT_TX, T0 + H(1), grp, T0);
  assert_true(cp_auth_cache_bytes(f->a) <= CP_AUTH_ENTRY_MAX_BYTES);
  assert_true(cp_auth_cache_bytes(f->a) >= CP_AUTH_ENTRY_MAX_BYTES - 2);
}

static void test_cache_disabled(void **state) {
  fx *f = *state;
  f->p.local_pre_authorize = true;
  info(f, "CARD1", CP_TOKEN_ACCEPTED, 0, NULL, T0);
  f->p.cache_enabled = false;
  /* a disabled cache is not consulted ... */
  assert_int_equal(local(f, "CARD1", T0, NULL), CP_AUTH_UNKNOWN);
  assert_int_equal(offline(f, "CARD1", T0, NULL), CP_AUTH_UNKNOWN);
  /* ... and not written */
  info(f, "CARD2", CP_TOKEN_ACCEPTED, 0, NULL, T0);
  f->p.cache_enabled = true;
  assert_int_equal(local(f, "CARD2", T0, NULL), CP_AUTH_UNKNOWN);
  assert_int_equal(local(f, "CARD1", T0, NULL), CP_AUTH_ACCEPT);
  /* nonsense in: nothing stored */
  cp_auth_remember(f->a, &f->p, "CARD4", NULL, T0);
  info(f, "", CP_TOKEN_ACCEPTED, 0, NULL, T0);
  info(f, NULL, CP_TOKEN_ACCEPTED, 0, NULL, T0);
  assert_int_equal(local(f, "CARD4", T0, NULL), CP_AUTH_UNKNOWN);
  assert_int_equal(local(f, "", T0, NULL), CP_AUTH_UNKNOWN);
  assert_int_equal(local(f, NULL, T0, NULL), CP_AUTH_UNKNOWN);
  assert_int_equal(offline(f, NULL, T0, NULL), CP_AUTH_UNKNOWN);
  /* a status out of range is stored as not valid, never as accepted */
  info(f, "CARD5", (cp_token_status)42, 0, NULL, T0);
  assert_int_equal(local(f, "CARD5", T0, NULL), CP_AUTH_UNKNOWN);
  assert_int_equal(offline(f, "CARD5", T0, NULL), CP_AUTH_REFUSE);
}

/* The cache holds the 1000 most recently updated tokens. */
static void test_cache_bounded(void **state) {
  fx *f = *state;
  for (int i = 0; i <= CP_AUTH_CACHE_MAX; i++) {
    char tag[16];
    snprintf(tag, sizeof tag, "T%d", i);
    info(f, tag, CP_TOKEN_ACCEPTED, 0, NULL, T0 + i);
  }
  assert_int_equal(offline(f, "T0", T0, NULL), CP_AUTH_UNKNOWN); /* the oldest went */
  assert_int_equal(offline(f, "T1", T0, NULL), CP_AUTH_ACCEPT);
  assert_int_equal(offline(f, "T1000", T0, NULL), CP_AUTH_ACCEPT);
  /* an update makes a token recent again */
  info(f, "T1", CP_TOKEN_ACCEPTED, 0, NULL, T0 + 5000);
  info(f, "NEW", CP_TOKEN_ACCEPTED, 0, NULL, T0 + 5001);
  assert_int_equal(offline(f, "T1", T0, NULL), CP_AUTH_ACCEPT);
  assert_int_equal(offline(f, "T2", T0, NULL), CP_AUTH_UNKNOWN);
  assert_int_equal(offline(f, "NEW", T0, NULL), CP_AUTH_ACCEPT);
}

static int count_commit(void *ctx) {
  ++*(int *)ctx;
  return 0;
}

/* An answer is remembered and the cache trimmed in one durable commit (two
 * before issue 15); after the commit both are on disk: the 1001st token
 * pushed the oldest out, also for a connection opened afresh. */
static void test_cache_remember_is_one_commit(void **state) {
  fx *f = *state;
  for (int i = 0; i < CP_AUTH_CACHE_MAX; i++) {
    char tag[16];
    snprintf(tag, sizeof tag, "T%d", i);
    info(f, tag, CP_TOKEN_ACCEPTED, 0, NULL, T0 + i);
  }
  int commits = 0;
  sqlite3_commit_hook(store_sqlite(f->db), count_commit, &commits);
  info(f, "NEW", CP_TOKEN_ACCEPTED, 0, NULL, T0 + 5000);
  assert_int_equal(commits, 1);
  sqlite3_commit_hook(store_sqlite(f->db), NULL, NULL);
  reopen(f);
  assert_int_equal(offline(f, "NEW", T0, NULL), CP_AUTH_ACCEPT);
  assert_int_equal(offline(f, "T0", T0, NULL), CP_AUTH_UNKNOWN);
  assert_int_equal(offline(f, "T1", T0, NULL), CP_AUTH_ACCEPT);
}

/* Issue 15: a cache answer is committed without a sync of its own (the cache
 * copies answers the back end keeps; losing the newest costs a question
 * asked again), and the next synced commit makes it durable with itself. Run
 * on the power-cut VFS (tests/unit/powercut_vfs.h), which counts the syncs. */
static void test_cache_remember_is_not_synced(void **state) {
  fx *f = *state;
  a_close(f);
  powercut_install();
  a_open(f);
  /* (the first write after opening may sync: SQLite starting a new WAL) */
  info(f, "CARD0", CP_TOKEN_ACCEPTED, 0, NULL, T0);
  int64_t syncs0 = powercut_syncs();
  info(f, "CARD1", CP_TOKEN_ACCEPTED, 0, NULL, T0);
  assert_int_equal(powercut_syncs() - syncs0, 0);
  /* a list update is synced: the cache answer before it is durable with it */
  assert_int_equal(SEND(f, 1, true, ACCEPTED("LIST1")), CP_LIST_ACCEPTED);
  assert_true(powercut_syncs() - syncs0 >= 1);
  /* the power goes at the next write: an unsynced answer is lost whole */
  powercut_arm(1, 7);
  info(f, "CARD2", CP_TOKEN_ACCEPTED, 0, NULL, T0);
  assert_true(powercut_dead());
  powercut_reset();
  reopen(f);
  assert_int_equal(offline(f, "CARD1", T0, NULL), CP_AUTH_ACCEPT);
  assert_int_equal(offline(f, "LIST1", T0, NULL), CP_AUTH_ACCEPT);
  assert_int_equal(offline(f, "CARD2", T0, NULL), CP_AUTH_UNKNOWN);
  /* and after a restart: the cache unsynced, the list synced */
  info(f, "CARD3", CP_TOKEN_ACCEPTED, 0, NULL, T0);
  syncs0 = powercut_syncs();
  info(f, "CARD4", CP_TOKEN_ACCEPTED, 0, NULL, T0);
  assert_int_equal(powercut_syncs() - syncs0, 0);
  assert_int_equal(SEND(f, 2, true, ACCEPTED("LIST2")), CP_LIST_ACCEPTED);
  assert_true(powercut_syncs() - syncs0 >= 1);
  a_close(f);
  powercut_uninstall();
  a_open(f);
}

/* ---------------- deciding ---------------- */

static void test_local_pre_authorize(void **state) {
  fx *f = *state;
  /* LocalPreAuthorize off (the default): online always asks the back end */
  assert_int_equal(SEND(f, 1, true, ACCEPTED("LIST1")), CP_LIST_ACCEPTED);
  info(f, "CACHE1", CP_TOKEN_ACCEPTED, 0, NULL, T0);
  assert_int_equal(local(f, "LIST1", T0, NULL), CP_AUTH_UNKNOWN);
  assert_int_equal(local(f, "CACHE1", T0, NULL), CP_AUTH_UNKNOWN);
  f->p.local_pre_authorize = true;
  assert_int_equal(local(f, "LIST1", T0, NULL), CP_AUTH_ACCEPT);
  assert_int_equal(local(f, "CACHE1", T0, NULL), CP_AUTH_ACCEPT);
  assert_int_equal(local(f, "OTHER", T0, NULL), CP_AUTH_UNKNOWN);
  /* the local list disabled: its entries are not used */
  f->p.list_enabled = false;
  assert_int_equal(local(f, "LIST1", T0, NULL), CP_AUTH_UNKNOWN);
  assert_int_equal(local(f, "CACHE1", T0, NULL), CP_AUTH_ACCEPT);
}

static void test_list_precedence(void **state) {
  fx *f = *state;
  f->p.local_pre_authorize = true;
  char group[CP_ID_MAX + 1];
  /* a cached Accepted is replaced by the list's Blocked */
  info(f, "TAGB", CP_TOKEN_ACCEPTED, 0, NULL, T0);
  assert_int_equal(offline(f, "TAGB", T0, NULL), CP_AUTH_ACCEPT);
  cp_list_entry e[] = {
      {.token = "TAGA", .has_info = true, .info = {.status = CP_TOKEN_ACCEPTED, .group = "GROUP"}},
      ENTRY("TAGB", CP_TOKEN_BLOCKED),
      {.token = "TAGE",
       .has_info = true,
       .info = {.status = CP_TOKEN_ACCEPTED, .expiry = T0 - H(24)}},
  };
  assert_int_equal(send_list(f, 1, true, e, 3), CP_LIST_ACCEPTED);
  assert_int_equal(offline(f, "TAGB", T0, NULL), CP_AUTH_REFUSE);
  assert_int_equal(local(f, "TAGB", T0, NULL), CP_AUTH_UNKNOWN);
  /* a back-end answer about a listed token does not go into the cache */
  info(f, "TAGB", CP_TOKEN_ACCEPTED, 0, NULL, T0);
  assert_int_equal(offline(f, "TAGB", T0, NULL), CP_AUTH_REFUSE);
  f->p.list_enabled = false; /* (the cache has nothing about it either) */
  assert_int_equal(offline(f, "TAGB", T0, NULL), CP_AUTH_UNKNOWN);
  f->p.list_enabled = true;
  /* accepted by the list, with its group */
  assert_int_equal(local(f, "TAGA", T0, group), CP_AUTH_ACCEPT);
  assert_string_equal(group, "GROUP");
  assert_int_equal(offline(f, "taga", T0, group), CP_AUTH_ACCEPT);
  assert_string_equal(group, "GROUP");
  /* expired in the list: refused offline, asked online */
  assert_int_equal(offline(f, "TAGE", T0, NULL), CP_AUTH_REFUSE);
  assert_int_equal(local(f, "TAGE", T0, NULL), CP_AUTH_UNKNOWN);
  /* a list entry not valid online is asked, even with a valid cache entry */
  f->p.list_enabled = false;
  info(f, "TAGE", CP_TOKEN_ACCEPTED, 0, NULL, T0); /* not stored: listed */
  f->p.list_enabled = true;
  assert_int_equal(local(f, "TAGE", T0, NULL), CP_AUTH_UNKNOWN);
}

static void test_offline_rules(void **state) {
  fx *f = *state;
  f->p.local_authorize_offline = true;
  f->p.allow_offline_unknown = false;
  assert_int_equal(SEND(f, 1, true, ACCEPTED("GOOD"), ENTRY("BLOCKED", CP_TOKEN_BLOCKED)),
                   CP_LIST_ACCEPTED);
  info(f, "CACHED", CP_TOKEN_ACCEPTED, 0, NULL, T0);
  info(f, "CACHEDBAD", CP_TOKEN_INVALID, 0, NULL, T0);
  assert_int_equal(offline(f, "GOOD", T0, NULL), CP_AUTH_ACCEPT);
  assert_int_equal(offline(f, "CACHED", T0, NULL), CP_AUTH_ACCEPT);
  assert_int_equal(offline(f, "BLOCKED", T0, NULL), CP_AUTH_REFUSE);
  assert_int_equal(offline(f, "CACHEDBAD", T0, NULL), CP_AUTH_REFUSE);
  assert_int_equal(offline(f, "STRANGER", T0, NULL), CP_AUTH_UNKNOWN);
  /* unknown badges may charge offline; known bad ones still may not */
  f->p.allow_offline_unknown = true;
  assert_int_equal(offline(f, "STRANGER", T0, NULL), CP_AUTH_ACCEPT);
  assert_int_equal(offline(f, "BLOCKED", T0, NULL), CP_AUTH_REFUSE);
  assert_int_equal(offline(f, "CACHEDBAD", T0, NULL), CP_AUTH_REFUSE);
  /* LocalAuthorizeOffline off: list and cache are not used offline */
  f->p.allow_offline_unknown = false;
  f->p.local_authorize_offline = false;
  assert_int_equal(offline(f, "GOOD", T0, NULL), CP_AUTH_UNKNOWN);
  assert_int_equal(offline(f, "CACHED", T0, NULL), CP_AUTH_UNKNOWN);
  assert_int_equal(offline(f, "STRANGER", T0, NULL), CP_AUTH_UNKNOWN);
  /* only the cache or only the list enabled */
  f->p.local_authorize_offline = true;
  f->p.cache_enabled = false;
  assert_int_equal(offline(f, "GOOD", T0, NULL), CP_AUTH_ACCEPT);
  assert_int_equal(offline(f, "CACHED", T0, NULL), CP_AUTH_UNKNOWN);
  f->p.cache_enabled = true;
  f->p.list_enabled = false;
  assert_int_equal(offline(f, "GOOD", T0, NULL), CP_AUTH_UNKNOWN);
  assert_int_equal(offline(f, "BLOCKED", T0, NULL), CP_AUTH_UNKNOWN);
  assert_int_equal(offline(f, "CACHED", T0, NULL), CP_AUTH_ACCEPT);
  /* the list disabled, unknown ids allowed: its blocked entry is no longer known */
  f->p.allow_offline_unknown = true;
  assert_int_equal(offline(f, "BLOCKED", T0, NULL), CP_AUTH_ACCEPT);
}

/* OCPP 1.6 3.5.4 (Unknown Offline Authorization): offline, "identifiers that
 * are present in a Local Authorization List that have a status other than
 * Accepted (Invalid, Blocked, Expired) MUST be rejected", also when unknown
 * ids may charge. */
static void test_offline_unknown_never_overrides_list(void **state) {
  fx *f = *state;
  f->p.local_authorize_offline = false;
  f->p.allow_offline_unknown = true;
  cp_list_entry e[] = {
      ENTRY("BLOCKED", CP_TOKEN_BLOCKED),
      ENTRY("EXPIRED", CP_TOKEN_EXPIRED),
      ENTRY("INVALID", CP_TOKEN_INVALID),
      {.token = "OLD", .has_info = true, .info = {.status = CP_TOKEN_ACCEPTED, .expiry = T0}},
  };
  assert_int_equal(send_list(f, 1, true, e, 4), CP_LIST_ACCEPTED);
  assert_int_equal(offline(f, "BLOCKED", T0, NULL), CP_AUTH_REFUSE);
  assert_int_equal(offline(f, "EXPIRED", T0, NULL), CP_AUTH_REFUSE);
  assert_int_equal(offline(f, "INVALID", T0, NULL), CP_AUTH_REFUSE);
  assert_int_equal(offline(f, "OLD", T0 - 1, NULL), CP_AUTH_ACCEPT);
  assert_int_equal(offline(f, "OLD", T0, NULL), CP_AUTH_REFUSE);
  assert_int_equal(offline(f, "STRANGER", T0, NULL), CP_AUTH_ACCEPT);
}

/* The course of one validation, the timeout of the question included. */
static void test_validation_course(void **state) {
  fx *f = *state;
  char group[CP_ID_MAX + 1];
  /* online, nothing local: ask */
  assert_int_equal(cp_auth_begin(f->a, &f->p, "CARD", true, T0, group), CP_AUTH_UNKNOWN);
  /* the back end accepts: remembered (with its group), accepted */
  cp_token_info yes = {.status = CP_TOKEN_ACCEPTED, .group = "G1"};
  assert_int_equal(cp_auth_answered(f->a, &f->p, "CARD", &yes, T0), CP_AUTH_ACCEPT);
  /* offline now: the cache decides */
  assert_int_equal(cp_auth_begin(f->a, &f->p, "CARD", false, T0, group), CP_AUTH_ACCEPT);
  assert_string_equal(group, "G1");
  /* with LocalPreAuthorize, online too, without asking */
  f->p.local_pre_authorize = true;
  assert_int_equal(cp_auth_begin(f->a, &f->p, "CARD", true, T0, group), CP_AUTH_ACCEPT);
  f->p.local_pre_authorize = false;
  /* the back end refuses: remembered as refused, refused */
  cp_token_info no = {.status = CP_TOKEN_BLOCKED};
  assert_int_equal(cp_auth_answered(f->a, &f->p, "CARD", &no, T0), CP_AUTH_REFUSE);
  assert_int_equal(cp_auth_begin(f->a, &f->p, "CARD", false, T0, group), CP_AUTH_REFUSE);
  assert_int_equal(cp_auth_answered(f->a, &f->p, "X", NULL, T0), CP_AUTH_REFUSE);
  /* the question times out (or the link drops): the offline rules decide */
  assert_int_equal(cp_auth_begin(f->a, &f->p, "NEW", true, T0, group), CP_AUTH_UNKNOWN);
  assert_int_equal(cp_auth_unanswered(f->a, &f->p, "NEW", T0, group), CP_AUTH_UNKNOWN);
  f->p.allow_offline_unknown = true;
  assert_int_equal(cp_auth_unanswered(f->a, &f->p, "NEW", T0, group), CP_AUTH_ACCEPT);
  assert_int_equal(cp_auth_unanswered(f->a, &f->p, "CARD", T0, group), CP_AUTH_REFUSE);
  /* the unanswered question wrote nothing */
  f->p.allow_offline_unknown = false;
  assert_int_equal(cp_auth_unanswered(f->a, &f->p, "NEW", T0, group), CP_AUTH_UNKNOWN);
  /* an answer that expired by the time the next badge comes */
  cp_token_info until = {.status = CP_TOKEN_ACCEPTED, .expiry = T0 + S(30)};
  assert_int_equal(cp_auth_answered(f->a, &f->p, "BRIEF", &until, T0), CP_AUTH_ACCEPT);
  assert_int_equal(cp_auth_unanswered(f->a, &f->p, "BRIEF", T0 + S(29), group), CP_AUTH_ACCEPT);
  assert_int_equal(cp_auth_unanswered(f->a, &f->p, "BRIEF", T0 + S(30), group), CP_AUTH_REFUSE);
}

/* ---------------- list updates ---------------- */

static void test_list_updates(void **state) {
  fx *f = *state;
  assert_int_equal(cp_auth_list_version(f->a, &f->p), 0);
  assert_int_equal(SEND(f, 5, true, ACCEPTED("A"), ACCEPTED("B")), CP_LIST_ACCEPTED);
  assert_int_equal(cp_auth_list_version(f->a, &f->p), 5);
  assert_int_equal(cp_auth_list_length(f->a), 2);
  /* differential: add C, block A, remove B */
  assert_int_equal(SEND(f, 6, false, ACCEPTED("C"), ENTRY("A", CP_TOKEN_BLOCKED), REMOVE("B")),
                   CP_LIST_ACCEPTED);
  assert_int_equal(cp_auth_list_version(f->a, &f->p), 6);
  assert_int_equal(cp_auth_list_length(f->a), 2);
  assert_int_equal(offline(f, "A", T0, NULL), CP_AUTH_REFUSE);
  assert_int_equal(offline(f, "B", T0, NULL), CP_AUTH_UNKNOWN);
  assert_int_equal(offline(f, "C", T0, NULL), CP_AUTH_ACCEPT);
  /* removing what is not there is no error */
  assert_int_equal(SEND(f, 7, false, REMOVE("NOBODY")), CP_LIST_ACCEPTED);
  /* a differential update not newer than the list: version mismatch, nothing changed */
  assert_int_equal(SEND(f, 7, false, ACCEPTED("D")), CP_LIST_VERSION_MISMATCH);
  assert_int_equal(SEND(f, 2, false, ACCEPTED("D")), CP_LIST_VERSION_MISMATCH);
  assert_int_equal(offline(f, "D", T0, NULL), CP_AUTH_UNKNOWN);
  assert_int_equal(cp_auth_list_version(f->a, &f->p), 7);
  /* kept across a restart */
  reopen(f);
  assert_int_equal(cp_auth_list_version(f->a, &f->p), 7);
  assert_int_equal(cp_auth_list_length(f->a), 2);
  assert_int_equal(offline(f, "C", T0, NULL), CP_AUTH_ACCEPT);
  /* a full update replaces everything, whatever its version */
  assert_int_equal(SEND(f, 3, true, ACCEPTED("E")), CP_LIST_ACCEPTED);
  assert_int_equal(cp_auth_list_length(f->a), 1);
  assert_int_equal(cp_auth_list_version(f->a, &f->p), 3);
  assert_int_equal(offline(f, "C", T0, NULL), CP_AUTH_UNKNOWN);
  assert_int_equal(offline(f, "A", T0, NULL), CP_AUTH_UNKNOWN);
  /* a full update without entries empties it */
  assert_int_equal(send_list(f, 8, true, NULL, 0), CP_LIST_ACCEPTED);
  assert_int_equal(cp_auth_list_length(f->a), 0);
  assert_int_equal(cp_auth_list_version(f->a, &f->p), 8);
  /* a listed token's cache entry goes: the list governs it */
  info(f, "F", CP_TOKEN_ACCEPTED, 0, NULL, T0);
  assert_int_equal(SEND(f, 9, false, ENTRY("F", CP_TOKEN_BLOCKED)), CP_LIST_ACCEPTED);
  assert_int_equal(SEND(f, 10, false, REMOVE("F")), CP_LIST_ACCEPTED);
  assert_int_equal(offline(f, "F", T0, NULL), CP_AUTH_UNKNOWN);
}

static void test_list_limits(void **state) {
  fx *f = *state;
  f->lim = (cp_list_limits){.max_per_update = 3, .max_entries = 4};
  assert_int_equal(SEND(f, 1, true, ACCEPTED("A"), ACCEPTED("B"), ACCEPTED("C")), CP_LIST_ACCEPTED);
  /* more entries than one update may carry */
  assert_int_equal(SEND(f, 2, true, ACCEPTED("A"), ACCEPTED("B"), ACCEPTED("C"), ACCEPTED("D")),
                   CP_LIST_FAILED);
  /* more than the list may hold: failed, and nothing of it applied */
  assert_int_equal(SEND(f, 2, false, ACCEPTED("D"), ACCEPTED("E")), CP_LIST_FAILED);
  assert_int_equal(cp_auth_list_length(f->a), 3);
  assert_int_equal(cp_auth_list_version(f->a, &f->p), 1);
  assert_int_equal(offline(f, "D", T0, NULL), CP_AUTH_UNKNOWN);
  /* an entry without a token: failed, nothing applied */
  assert_int_equal(SEND(f, 2, false, ACCEPTED("D"), ACCEPTED("")), CP_LIST_FAILED);
  assert_int_equal(SEND(f, 2, false, ACCEPTED("D"), ACCEPTED(NULL)), CP_LIST_FAILED);
  assert_int_equal(send_list(f, 2, false, NULL, 1), CP_LIST_FAILED);
  assert_int_equal(offline(f, "D", T0, NULL), CP_AUTH_UNKNOWN);
  assert_int_equal(cp_auth_list_version(f->a, &f->p), 1);
  /* exactly full is fine */
  assert_int_equal(SEND(f, 2, false, ACCEPTED("D")), CP_LIST_ACCEPTED);
  assert_int_equal(cp_auth_list_length(f->a), 4);
  /* the list disabled: not supported, version -1 (1.6 GetLocalListVersion 5.10) */
  f->p.list_enabled = false;
  assert_int_equal(send_list(f, 9, true, NULL, 0), CP_LIST_NOT_SUPPORTED);
  assert_int_equal(cp_auth_list_version(f->a, &f->p), -1);
  assert_int_equal(cp_auth_list_length(f->a), 4);
}

/* OCPP 1.6 3.5.1 / 2.0.1 C09: who may stop a transaction: its own token (any
 * case), or one of the starter's group, the group the session kept or else the
 * one the local list, then the cache, keep for the starter. */
static void test_may_stop(void **state) {
  fx *f = *state;
  char g[CP_ID_MAX + 1];
  assert_true(cp_auth_may_stop(f->a, "BADGE1", NULL, "badge1", NULL));
  assert_false(cp_auth_may_stop(f->a, "BADGE1", NULL, "BADGE2", NULL)); /* no group: no */
  assert_false(cp_auth_may_stop(f->a, "", NULL, "BADGE2", "FLEET"));
  assert_false(cp_auth_may_stop(f->a, "BADGE1", NULL, "", "FLEET"));
  /* the session kept its starter's group */
  assert_true(cp_auth_may_stop(f->a, "BADGE1", "FLEET", "BADGE2", "fleet"));
  assert_false(cp_auth_may_stop(f->a, "BADGE1", "FLEET", "BADGE2", "OTHER"));
  /* unknown starter group: the model's (the cache here) */
  assert_false(cp_auth_may_stop(f->a, "BADGE1", "", "BADGE2", "FLEET"));
  info(f, "BADGE1", CP_TOKEN_ACCEPTED, 0, "FLEET", 1000);
  cp_auth_group_of(f->a, "badge1", g);
  assert_string_equal(g, "FLEET");
  assert_true(cp_auth_may_stop(f->a, "BADGE1", NULL, "BADGE2", "FLEET"));
  assert_false(cp_auth_may_stop(f->a, "BADGE1", NULL, "BADGE2", "OTHER"));
  /* the local list's group comes first */
  cp_list_entry e = {
      .token = "BADGE1", .has_info = true, .info = {.status = CP_TOKEN_ACCEPTED, .group = "DEPOT"}};
  assert_int_equal(send_list(f, 1, true, &e, 1), CP_LIST_ACCEPTED);
  cp_auth_group_of(f->a, "BADGE1", g);
  assert_string_equal(g, "DEPOT");
  assert_true(cp_auth_may_stop(f->a, "BADGE1", NULL, "BADGE3", "DEPOT"));
  assert_false(cp_auth_may_stop(f->a, "BADGE1", NULL, "BADGE3", "FLEET"));
  cp_auth_group_of(f->a, "NOBODY", g);
  assert_string_equal(g, "");
}

int main(void) {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
  const struct CMUnitTest tests[] = {
      T(test_cache),
      T(test_cache_disabled),
      T(test_cache_lifetime),
      T(test_storage),
      T(test_cache_bounded),
      T(test_cache_remember_is_one_commit),
      T(test_cache_remember_is_not_synced),
      T(test_local_pre_authorize),
      T(test_list_precedence),
      T(test_offline_rules),
      T(test_offline_unknown_never_overrides_list),
      T(test_validation_course),
      T(test_list_updates),
      T(test_list_limits),
      T(test_may_stop),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
