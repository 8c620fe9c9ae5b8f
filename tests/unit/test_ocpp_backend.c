/*
 * The OCPP 1.6 charge point's durable state (src/ocpp/ocpp16_backend.[ch])
 * on a real SQLite file in a temporary directory, on a virtual clock:
 *   - the transaction message queue: strict FIFO, kept across close/reopen,
 *     the back end's transactionId put into the session's later messages,
 *     TransactionMessageAttempts / TransactionMessageRetryInterval (OCPP 1.6
 *     section 4.10 "Error responses to transaction-related messages": retry
 *     after interval x preceding attempts, drop after the last attempt);
 *   - authorization (OCPP 1.6 section 3.5): cache, local list and its
 *     precedence, LocalPreAuthorize, LocalAuthorizeOffline,
 *     AllowOfflineTxForUnknownId, expiry, parentIdTag;
 *   - SendLocalList (5.15) Full / Differential / VersionMismatch / Failed;
 *   - ChangeConfiguration / GetConfiguration (5.3, 5.8, section 9 keys);
 *   - reservations (5.13) and the availability the back end set.
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

#include "ocpp/ocpp16_backend.h"
#include "ocpp/ocpp_keys.h"
#include "test_tmpdir.h"
#include "config/config.h"
#include "store/store.h"
#include "util/log.h"

/* Monday 2026-01-05T00:00:00Z. */
#define T0 (1767571200LL * 1000)
#define S(x) ((borne_ms)(x)*1000)
#define H(x) S((x)*3600)

typedef struct {
  char dir[128];
  char path[160];
  store *db;
  config *cfg;
  ocpp16_backend *be;
} fx;

static void be_open(fx *f) {
  char err[256];
  if (store_open(&f->db, f->path, err, sizeof err) != 0) fail_msg("store_open: %s", err);
  f->be = ocpp16_backend_open(f->db, f->cfg, 2, err, sizeof err);
  if (!f->be) fail_msg("ocpp16_backend_open: %s", err);
}

static void be_close(fx *f) {
  ocpp16_backend_free(f->be);
  store_close(f->db);
  f->be = NULL;
  f->db = NULL;
}

/* A restart: everything closed, then opened again from the same file. */
static void reopen(fx *f) {
  be_close(f);
  be_open(f);
}

static int setup(void **state) {
  log_set_level(LOG_ERROR);
  fx *f = calloc(1, sizeof *f);
  assert_non_null(f);
  assert_int_equal(test_tmpdir_make(f->dir, sizeof f->dir, "borne-ocpp-backend"), 0);
  snprintf(f->path, sizeof f->path, "%s/borne.db", f->dir);
  f->cfg = config_new();
  be_open(f);
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fx *f = *state;
  be_close(f);
  config_free(f->cfg);
  test_tmpdir_remove(f->dir);
  free(f);
  return 0;
}

static void set(fx *f, const char *key, const char *value) {
  char err[256];
  if (config_set(f->cfg, key, value, err, sizeof err) != 0) fail_msg("%s", err);
}

/* JSON written with ' for " to keep the tests readable. */
static json_t *js(const char *text) {
  char *t = strdup(text);
  for (char *p = t; *p; p++)
    if (*p == '\'') *p = '"';
  json_error_t e;
  json_t *j = json_loads(t, 0, &e);
  if (!j) fail_msg("bad test JSON: %s in %s", e.text, t);
  free(t);
  return j;
}

static void push(fx *f, int64_t session, const char *action, const char *payload, borne_ms now) {
  json_t *p = js(payload);
  assert_int_equal(ocpp16_backend_queue_push(f->be, session, action, p, now), 0);
  json_decref(p);
}

/* Peeks the head (must be due) and checks its action and session. */
static ocpp16_queued head(fx *f, borne_ms now, const char *action, int64_t session) {
  ocpp16_queued q = {0};
  if (ocpp16_backend_queue_peek(f->be, now, &q) != 0) fail_msg("nothing due, expected %s", action);
  assert_string_equal(q.action, action);
  assert_int_equal(q.session_id, session);
  assert_non_null(q.payload);
  return q;
}

static long long int_of(const json_t *o, const char *k) {
  const json_t *v = json_object_get(o, k);
  if (!json_is_integer(v)) fail_msg("%s is not an integer", k);
  return (long long)json_integer_value(v);
}

static bool none_due(fx *f, borne_ms now) {
  ocpp16_queued q = {0};
  int rc = ocpp16_backend_queue_peek(f->be, now, &q);
  json_decref(q.payload);
  return rc != 0;
}

/* ---------------- queue ---------------- */

/* A flood of non-critical security events while offline keeps only the newest
 * 100 of them; critical ones and transaction messages all stay, in order. */
static void test_queue_security_flood_is_bounded(void **state) {
  fx *f = *state;
  push(f, 0, "SecurityEventNotification", "{'type':'StartupOfTheDevice','timestamp':'x'}", T0);
  push(f, 1, "StartTransaction", "{'connectorId':1}", T0);
  for (int i = 0; i < 300; i++) {
    char p[128];
    snprintf(p, sizeof p, "{'type':'MaintenanceLoginFailed','timestamp':'x','techInfo':'%d'}", i);
    push(f, 0, "SecurityEventNotification", p, T0);
    if (i == 150) push(f, 1, "MeterValues", "{'connectorId':1}", T0);
  }
  push(f, 0, "SecurityEventNotification", "{'type':'TamperDetectionActivated','timestamp':'x'}",
       T0);
  push(f, 1, "StopTransaction", "{'meterStop':5}", T0);
  assert_int_equal(ocpp16_backend_queue_length(f->be), 2 + 100 + 1 + 1 + 1);
  ocpp16_queued q = head(f, T0, "SecurityEventNotification", 0);
  assert_string_equal(json_string_value(json_object_get(q.payload, "type")), "StartupOfTheDevice");
  ocpp16_backend_queue_sent(f->be, q.id);
  json_decref(q.payload);
  q = head(f, T0, "StartTransaction", 1);
  ocpp16_backend_queue_sent(f->be, q.id);
  json_decref(q.payload);
  q = head(f, T0, "MeterValues", 1); /* pushed after try 150: tries 0..199 went */
  ocpp16_backend_queue_sent(f->be, q.id);
  json_decref(q.payload);
  for (int i = 200; i < 300; i++) {
    q = head(f, T0, "SecurityEventNotification", 0);
    char want[8];
    snprintf(want, sizeof want, "%d", i);
    assert_string_equal(json_string_value(json_object_get(q.payload, "techInfo")), want);
    ocpp16_backend_queue_sent(f->be, q.id);
    json_decref(q.payload);
  }
  q = head(f, T0, "SecurityEventNotification", 0);
  json_decref(q.payload);
  ocpp16_backend_queue_sent(f->be, q.id);
  q = head(f, T0, "StopTransaction", 1);
  json_decref(q.payload);
}

static void test_queue_fifo(void **state) {
  fx *f = *state;
  assert_int_equal(ocpp16_backend_queue_length(f->be), 0);
  assert_true(none_due(f, T0));
  assert_true(ocpp16_backend_queue_next_due(f->be) == INT64_MAX);
  push(f, 1, "StartTransaction", "{'connectorId':1,'meterStart':0,'seq':1}", T0);
  push(f, 2, "StartTransaction", "{'connectorId':2,'meterStart':5,'seq':2}", T0 + 1);
  push(f, 1, "MeterValues", "{'connectorId':1,'transactionId':-1,'seq':3}", T0 + 2);
  push(f, 2, "MeterValues", "{'connectorId':2,'transactionId':-2,'seq':4}", T0 + 2);
  push(f, 1, "StopTransaction", "{'transactionId':-1,'meterStop':10,'seq':5}", T0 + 3);
  assert_int_equal(ocpp16_backend_queue_length(f->be), 5);
  static const char *const actions[] = {"StartTransaction", "StartTransaction", "MeterValues",
                                        "MeterValues", "StopTransaction"};
  static const int sessions[] = {1, 2, 1, 2, 1};
  int64_t last = 0;
  for (int i = 0; i < 5; i++) {
    ocpp16_queued q = head(f, T0 + 10, actions[i], sessions[i]);
    assert_int_equal(int_of(q.payload, "seq"), i + 1);
    assert_int_equal(q.attempts, 0);
    assert_true(q.id > last);
    last = q.id;
    /* peeking twice gives the same message: nothing leaves before it is sent */
    ocpp16_queued again = head(f, T0 + 10, actions[i], sessions[i]);
    assert_true(again.id == q.id);
    json_decref(again.payload);
    json_decref(q.payload);
    ocpp16_backend_queue_sent(f->be, q.id);
    assert_int_equal(ocpp16_backend_queue_length(f->be), 4 - i);
  }
  assert_true(none_due(f, T0 + H(100)));
}

/* A message waiting for its retry holds back everything after it. */
static void test_queue_no_overtaking(void **state) {
  fx *f = *state;
  set(f, "ocpp.TransactionMessageRetryInterval", "30");
  push(f, 1, "StartTransaction", "{'seq':1}", T0);
  push(f, 1, "StopTransaction", "{'seq':2}", T0);
  ocpp16_queued q = head(f, T0, "StartTransaction", 1);
  json_decref(q.payload);
  assert_int_equal(ocpp16_backend_queue_failed(f->be, q.id, true, T0), 0);
  assert_true(none_due(f, T0));
  assert_true(none_due(f, T0 + S(30) - 1));
  assert_true(ocpp16_backend_queue_next_due(f->be) == T0 + S(30));
  q = head(f, T0 + S(30), "StartTransaction", 1);
  assert_int_equal(q.attempts, 1);
  json_decref(q.payload);
}

static void test_queue_survives_reopen(void **state) {
  fx *f = *state;
  push(f, 3, "StartTransaction", "{'seq':1}", T0);
  push(f, 3, "MeterValues", "{'transactionId':-3,'seq':2}", T0);
  push(f, 3, "StopTransaction", "{'transactionId':-3,'seq':3}", T0);
  ocpp16_queued q = head(f, T0, "StartTransaction", 3);
  json_decref(q.payload);
  reopen(f);
  /* the same messages, the same order, nothing duplicated */
  assert_int_equal(ocpp16_backend_queue_length(f->be), 3);
  ocpp16_queued q2 = head(f, T0, "StartTransaction", 3);
  assert_true(q2.id == q.id);
  json_decref(q2.payload);
  ocpp16_backend_queue_sent_start(f->be, q.id, 3, 777);
  reopen(f);
  /* the transaction id and the rewritten messages are on disk */
  assert_int_equal(ocpp16_backend_queue_tx_id(f->be, 3), 777);
  assert_int_equal(ocpp16_backend_queue_length(f->be), 2);
  /* a message pushed after the restart goes after the old ones */
  push(f, 4, "StartTransaction", "{'seq':4}", T0);
  q = head(f, T0, "MeterValues", 3);
  assert_int_equal(int_of(q.payload, "transactionId"), 777);
  json_decref(q.payload);
  ocpp16_backend_queue_sent(f->be, q.id);
  reopen(f);
  q = head(f, T0, "StopTransaction", 3);
  assert_int_equal(int_of(q.payload, "transactionId"), 777);
  assert_int_equal(int_of(q.payload, "seq"), 3);
  json_decref(q.payload);
  ocpp16_backend_queue_sent(f->be, q.id);
  reopen(f);
  q = head(f, T0, "StartTransaction", 4);
  assert_int_equal(int_of(q.payload, "seq"), 4);
  json_decref(q.payload);
  ocpp16_backend_queue_sent(f->be, q.id);
  reopen(f);
  assert_int_equal(ocpp16_backend_queue_length(f->be), 0);
}

static void test_queue_sent_start_rewrites(void **state) {
  fx *f = *state;
  push(f, 7, "StartTransaction", "{'connectorId':1,'idTag':'AA','meterStart':0}", T0);
  push(f, 8, "StartTransaction", "{'connectorId':2,'idTag':'BB','meterStart':0}", T0);
  push(f, 7, "MeterValues", "{'connectorId':1,'transactionId':-7,'meterValue':[]}", T0);
  push(f, 8, "MeterValues", "{'connectorId':2,'transactionId':-8,'meterValue':[]}", T0);
  push(f, 7, "MeterValues", "{'connectorId':1,'transactionId':-7,'meterValue':[]}", T0);
  push(f, 7, "StopTransaction", "{'transactionId':-7,'meterStop':1000,'reason':'Local'}", T0);
  assert_int_equal(ocpp16_backend_queue_tx_id(f->be, 7), 0);
  ocpp16_queued q = head(f, T0, "StartTransaction", 7);
  json_decref(q.payload);
  ocpp16_backend_queue_sent_start(f->be, q.id, 7, 4242);
  assert_int_equal(ocpp16_backend_queue_tx_id(f->be, 7), 4242);
  assert_int_equal(ocpp16_backend_queue_tx_id(f->be, 8), 0);
  assert_int_equal(ocpp16_backend_queue_length(f->be), 5);
  /* session 8's start: untouched, no transactionId added */
  q = head(f, T0, "StartTransaction", 8);
  assert_null(json_object_get(q.payload, "transactionId"));
  assert_string_equal(json_string_value(json_object_get(q.payload, "idTag")), "BB");
  json_decref(q.payload);
  ocpp16_backend_queue_sent_start(f->be, q.id, 8, 99);
  static const struct {
    const char *action;
    int session;
    int tx;
  } want[] = {{"MeterValues", 7, 4242},
              {"MeterValues", 8, 99},
              {"MeterValues", 7, 4242},
              {"StopTransaction", 7, 4242}};
  for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
    q = head(f, T0, want[i].action, want[i].session);
    assert_int_equal(int_of(q.payload, "transactionId"), want[i].tx);
    /* the rest of the payload is kept */
    if (strcmp(want[i].action, "StopTransaction") == 0) {
      assert_int_equal(int_of(q.payload, "meterStop"), 1000);
      assert_string_equal(json_string_value(json_object_get(q.payload, "reason")), "Local");
    } else {
      assert_true(json_is_array(json_object_get(q.payload, "meterValue")));
    }
    json_decref(q.payload);
    ocpp16_backend_queue_sent(f->be, q.id);
  }
  assert_int_equal(ocpp16_backend_queue_length(f->be), 0);
}

/* A session started offline whose Start is delivered while a Stop is
 * already queued: the Stop carries the back end's id (issue 4, test 3). */
static void test_queue_offline_session_stop(void **state) {
  fx *f = *state;
  push(f, 11, "StartTransaction", "{'connectorId':1}", T0);
  push(f, 11, "StopTransaction", "{'transactionId':-11,'meterStop':5}", T0 + H(2));
  reopen(f);
  ocpp16_queued q = head(f, T0 + H(3), "StartTransaction", 11);
  json_decref(q.payload);
  ocpp16_backend_queue_sent_start(f->be, q.id, 11, 31337);
  reopen(f);
  q = head(f, T0 + H(3), "StopTransaction", 11);
  assert_int_equal(int_of(q.payload, "transactionId"), 31337);
  json_decref(q.payload);
}

static void test_queue_failed_attempts(void **state) {
  fx *f = *state;
  set(f, "ocpp.TransactionMessageAttempts", "3");
  set(f, "ocpp.TransactionMessageRetryInterval", "10");
  push(f, 1, "StopTransaction", "{'seq':1}", T0);
  push(f, 2, "StartTransaction", "{'seq':2}", T0);
  ocpp16_queued q = head(f, T0, "StopTransaction", 1);
  json_decref(q.payload);
  int64_t id = q.id;
  borne_ms now = T0;
  /* first answered failure: retried after 1 x interval */
  assert_int_equal(ocpp16_backend_queue_failed(f->be, id, true, now), 0);
  assert_true(ocpp16_backend_queue_next_due(f->be) == now + S(10));
  assert_true(none_due(f, now + S(10) - 1));
  now += S(10);
  q = head(f, now, "StopTransaction", 1);
  assert_int_equal(q.attempts, 1);
  json_decref(q.payload);
  /* second: after 2 x interval */
  assert_int_equal(ocpp16_backend_queue_failed(f->be, id, true, now), 0);
  assert_true(ocpp16_backend_queue_next_due(f->be) == now + S(20));
  assert_true(none_due(f, now + S(20) - 1));
  now += S(20);
  q = head(f, now, "StopTransaction", 1);
  assert_int_equal(q.attempts, 2);
  json_decref(q.payload);
  /* the attempt count survives a restart */
  reopen(f);
  q = head(f, now, "StopTransaction", 1);
  assert_int_equal(q.attempts, 2);
  json_decref(q.payload);
  /* third: that was the last attempt, dropped; the next message is due */
  assert_int_equal(ocpp16_backend_queue_failed(f->be, id, true, now), 1);
  assert_int_equal(ocpp16_backend_queue_length(f->be), 1);
  q = head(f, now, "StartTransaction", 2);
  json_decref(q.payload);
  /* an unknown id is nothing to fail */
  assert_int_equal(ocpp16_backend_queue_failed(f->be, id, true, now), 0);
  assert_int_equal(ocpp16_backend_queue_length(f->be), 1);
}

/* Timeouts and lost connections are not the back end's answer: never
 * counted, never dropped, retried every interval. */
static void test_queue_failed_unanswered(void **state) {
  fx *f = *state;
  set(f, "ocpp.TransactionMessageAttempts", "2");
  set(f, "ocpp.TransactionMessageRetryInterval", "5");
  push(f, 1, "StartTransaction", "{'seq':1}", T0);
  ocpp16_queued q = head(f, T0, "StartTransaction", 1);
  json_decref(q.payload);
  borne_ms now = T0;
  for (int i = 0; i < 20; i++) {
    assert_int_equal(ocpp16_backend_queue_failed(f->be, q.id, false, now), 0);
    assert_true(ocpp16_backend_queue_next_due(f->be) == now + S(5));
    now += S(5);
    ocpp16_queued h = head(f, now, "StartTransaction", 1);
    assert_int_equal(h.attempts, 0);
    json_decref(h.payload);
  }
  /* then the back end answers with errors: counted from the first */
  assert_int_equal(ocpp16_backend_queue_failed(f->be, q.id, true, now), 0);
  now += S(5);
  q = head(f, now, "StartTransaction", 1);
  assert_int_equal(q.attempts, 1);
  json_decref(q.payload);
  assert_int_equal(ocpp16_backend_queue_failed(f->be, q.id, true, now), 1);
  assert_int_equal(ocpp16_backend_queue_length(f->be), 0);
}

static void test_queue_single_attempt(void **state) {
  fx *f = *state;
  set(f, "ocpp.TransactionMessageAttempts", "1");
  push(f, 1, "MeterValues", "{'seq':1}", T0);
  ocpp16_queued q = head(f, T0, "MeterValues", 1);
  json_decref(q.payload);
  assert_int_equal(ocpp16_backend_queue_failed(f->be, q.id, true, T0), 1);
  assert_int_equal(ocpp16_backend_queue_length(f->be), 0);
}

/* ---------------- authorization ---------------- */

static void info(fx *f, const char *tag, const char *idtaginfo, borne_ms now) {
  json_t *j = js(idtaginfo);
  ocpp16_backend_auth_update(f->be, tag, j, now);
  json_decref(j);
}

static ocpp16_auth_verdict local(fx *f, const char *tag, borne_ms now, char parent[21]) {
  char p[21] = "unchanged";
  ocpp16_auth_verdict v = ocpp16_backend_auth_local(f->be, tag, now, p);
  if (parent) snprintf(parent, 21, "%s", p);
  return v;
}

static ocpp16_auth_verdict offline(fx *f, const char *tag, borne_ms now, char parent[21]) {
  char p[21] = "unchanged";
  ocpp16_auth_verdict v = ocpp16_backend_auth_offline(f->be, tag, now, p);
  if (parent) snprintf(parent, 21, "%s", p);
  return v;
}

static const char *send_list(fx *f, const char *req) {
  json_t *j = js(req);
  ocpp16_SendLocalListRequest q;
  ocpp_error e;
  if (ocpp16_SendLocalListRequest_decode(j, &q, &e) != 0) fail_msg("%s: %s", e.code, e.text);
  const char *r = ocpp16_backend_local_list_update(f->be, &q);
  ocpp16_SendLocalListRequest_free(&q);
  json_decref(j);
  return r;
}

static void test_auth_cache(void **state) {
  fx *f = *state;
  set(f, "ocpp.LocalPreAuthorize", "true");
  set(f, "ocpp.LocalAuthorizeOffline", "true");
  char parent[21];
  assert_int_equal(local(f, "CARD1", T0, NULL), OCPP16_AUTH_UNKNOWN);
  info(f, "CARD1",
       "{'status':'Accepted','expiryDate':'2026-01-05T01:00:00Z','parentIdTag':'FLEET'}", T0);
  assert_int_equal(local(f, "CARD1", T0, parent), OCPP16_AUTH_ACCEPT);
  assert_string_equal(parent, "FLEET");
  /* idTag is a CiString20: case-insensitive */
  assert_int_equal(local(f, "card1", T0, NULL), OCPP16_AUTH_ACCEPT);
  assert_int_equal(offline(f, "CARD1", T0, parent), OCPP16_AUTH_ACCEPT);
  assert_string_equal(parent, "FLEET");
  /* expired: online the back end decides, offline refused */
  assert_int_equal(local(f, "CARD1", T0 + H(1) - 1, NULL), OCPP16_AUTH_ACCEPT);
  assert_int_equal(local(f, "CARD1", T0 + H(1), NULL), OCPP16_AUTH_UNKNOWN);
  assert_int_equal(offline(f, "CARD1", T0 + H(1), NULL), OCPP16_AUTH_REFUSE);
  /* a new answer replaces the entry; no expiryDate = no expiry */
  info(f, "CARD1", "{'status':'Accepted'}", T0 + H(2));
  assert_int_equal(local(f, "CARD1", T0 + H(10000), parent), OCPP16_AUTH_ACCEPT);
  assert_string_equal(parent, "");
  /* Blocked / Invalid / Expired answers are cached as such */
  info(f, "CARD1", "{'status':'Blocked'}", T0 + H(3));
  assert_int_equal(local(f, "CARD1", T0 + H(3), NULL), OCPP16_AUTH_UNKNOWN);
  assert_int_equal(offline(f, "CARD1", T0 + H(3), NULL), OCPP16_AUTH_REFUSE);
  info(f, "CARD2", "{'status':'Invalid'}", T0);
  assert_int_equal(offline(f, "CARD2", T0, NULL), OCPP16_AUTH_REFUSE);
  /* the cache survives a restart; ClearCache empties it */
  info(f, "CARD3", "{'status':'Accepted'}", T0);
  reopen(f);
  assert_int_equal(local(f, "CARD3", T0, NULL), OCPP16_AUTH_ACCEPT);
  assert_int_equal(ocpp16_backend_auth_clear_cache(f->be), 0);
  assert_int_equal(local(f, "CARD3", T0, NULL), OCPP16_AUTH_UNKNOWN);
  assert_int_equal(offline(f, "CARD3", T0, NULL), OCPP16_AUTH_UNKNOWN);
  assert_int_equal(offline(f, "CARD2", T0, NULL), OCPP16_AUTH_UNKNOWN);
}

static void test_auth_cache_disabled(void **state) {
  fx *f = *state;
  set(f, "ocpp.LocalPreAuthorize", "true");
  info(f, "CARD1", "{'status':'Accepted'}", T0);
  set(f, "ocpp.AuthorizationCacheEnabled", "false");
  /* a disabled cache is not consulted ... */
  assert_int_equal(local(f, "CARD1", T0, NULL), OCPP16_AUTH_UNKNOWN);
  assert_int_equal(offline(f, "CARD1", T0, NULL), OCPP16_AUTH_UNKNOWN);
  /* ... and not written */
  info(f, "CARD2", "{'status':'Accepted'}", T0);
  set(f, "ocpp.AuthorizationCacheEnabled", "true");
  assert_int_equal(local(f, "CARD2", T0, NULL), OCPP16_AUTH_UNKNOWN);
  assert_int_equal(local(f, "CARD1", T0, NULL), OCPP16_AUTH_ACCEPT);
  /* nonsense in: nothing stored */
  ocpp16_backend_auth_update(f->be, "CARD4", NULL, T0);
  info(f, "", "{'status':'Accepted'}", T0);
  info(f, "CARD5", "{'nostatus':1}", T0);
  assert_int_equal(local(f, "CARD4", T0, NULL), OCPP16_AUTH_UNKNOWN);
  assert_int_equal(local(f, "", T0, NULL), OCPP16_AUTH_UNKNOWN);
  assert_int_equal(local(f, "CARD5", T0, NULL), OCPP16_AUTH_UNKNOWN);
}

static void test_auth_local_pre_authorize(void **state) {
  fx *f = *state;
  /* LocalPreAuthorize off (the default): online always asks the back end */
  assert_string_equal(send_list(f, "{'listVersion':1,'updateType':'Full','localAuthorizationList':"
                                   "[{'idTag':'LIST1','idTagInfo':{'status':'Accepted'}}]}"),
                      "Accepted");
  info(f, "CACHE1", "{'status':'Accepted'}", T0);
  assert_int_equal(local(f, "LIST1", T0, NULL), OCPP16_AUTH_UNKNOWN);
  assert_int_equal(local(f, "CACHE1", T0, NULL), OCPP16_AUTH_UNKNOWN);
  set(f, "ocpp.LocalPreAuthorize", "true");
  assert_int_equal(local(f, "LIST1", T0, NULL), OCPP16_AUTH_ACCEPT);
  assert_int_equal(local(f, "CACHE1", T0, NULL), OCPP16_AUTH_ACCEPT);
  assert_int_equal(local(f, "OTHER", T0, NULL), OCPP16_AUTH_UNKNOWN);
  /* the local list disabled: its entries are not used */
  set(f, "ocpp.LocalAuthListEnabled", "false");
  assert_int_equal(local(f, "LIST1", T0, NULL), OCPP16_AUTH_UNKNOWN);
  assert_int_equal(local(f, "CACHE1", T0, NULL), OCPP16_AUTH_ACCEPT);
}

static void test_auth_local_list_precedence(void **state) {
  fx *f = *state;
  set(f, "ocpp.LocalPreAuthorize", "true");
  set(f, "ocpp.LocalAuthorizeOffline", "true");
  char parent[21];
  /* a cached Accepted is replaced by the list's Blocked */
  info(f, "TAGB", "{'status':'Accepted'}", T0);
  assert_int_equal(offline(f, "TAGB", T0, NULL), OCPP16_AUTH_ACCEPT);
  assert_string_equal(
      send_list(f, "{'listVersion':1,'updateType':'Full','localAuthorizationList':["
                   "{'idTag':'TAGA','idTagInfo':{'status':'Accepted','parentIdTag':'GROUP'}},"
                   "{'idTag':'TAGB','idTagInfo':{'status':'Blocked'}},"
                   "{'idTag':'TAGE','idTagInfo':{'status':'Accepted','expiryDate':"
                   "'2026-01-04T00:00:00Z'}}]}"),
      "Accepted");
  assert_int_equal(offline(f, "TAGB", T0, NULL), OCPP16_AUTH_REFUSE);
  assert_int_equal(local(f, "TAGB", T0, NULL), OCPP16_AUTH_UNKNOWN);
  /* a back-end answer about a listed tag does not go into the cache */
  info(f, "TAGB", "{'status':'Accepted'}", T0);
  assert_int_equal(offline(f, "TAGB", T0, NULL), OCPP16_AUTH_REFUSE);
  /* accepted by the list, with its parent */
  assert_int_equal(local(f, "TAGA", T0, parent), OCPP16_AUTH_ACCEPT);
  assert_string_equal(parent, "GROUP");
  assert_int_equal(offline(f, "taga", T0, parent), OCPP16_AUTH_ACCEPT);
  assert_string_equal(parent, "GROUP");
  /* expired in the list: refused offline, asked online */
  assert_int_equal(offline(f, "TAGE", T0, NULL), OCPP16_AUTH_REFUSE);
  assert_int_equal(local(f, "TAGE", T0, NULL), OCPP16_AUTH_UNKNOWN);
}

static void test_auth_offline_rules(void **state) {
  fx *f = *state;
  set(f, "ocpp.LocalAuthorizeOffline", "true");
  set(f, "ocpp.AllowOfflineTxForUnknownId", "false");
  assert_string_equal(send_list(f, "{'listVersion':1,'updateType':'Full','localAuthorizationList':["
                                   "{'idTag':'GOOD','idTagInfo':{'status':'Accepted'}},"
                                   "{'idTag':'BLOCKED','idTagInfo':{'status':'Blocked'}}]}"),
                      "Accepted");
  info(f, "CACHED", "{'status':'Accepted'}", T0);
  info(f, "CACHEDBAD", "{'status':'Invalid'}", T0);
  assert_int_equal(offline(f, "GOOD", T0, NULL), OCPP16_AUTH_ACCEPT);
  assert_int_equal(offline(f, "CACHED", T0, NULL), OCPP16_AUTH_ACCEPT);
  assert_int_equal(offline(f, "BLOCKED", T0, NULL), OCPP16_AUTH_REFUSE);
  assert_int_equal(offline(f, "CACHEDBAD", T0, NULL), OCPP16_AUTH_REFUSE);
  assert_int_equal(offline(f, "STRANGER", T0, NULL), OCPP16_AUTH_UNKNOWN);
  /* unknown badges may charge offline; known bad ones still may not */
  set(f, "ocpp.AllowOfflineTxForUnknownId", "true");
  assert_int_equal(offline(f, "STRANGER", T0, NULL), OCPP16_AUTH_ACCEPT);
  assert_int_equal(offline(f, "BLOCKED", T0, NULL), OCPP16_AUTH_REFUSE);
  assert_int_equal(offline(f, "CACHEDBAD", T0, NULL), OCPP16_AUTH_REFUSE);
  /* LocalAuthorizeOffline off: list and cache are not used offline */
  set(f, "ocpp.AllowOfflineTxForUnknownId", "false");
  set(f, "ocpp.LocalAuthorizeOffline", "false");
  assert_int_equal(offline(f, "GOOD", T0, NULL), OCPP16_AUTH_UNKNOWN);
  assert_int_equal(offline(f, "CACHED", T0, NULL), OCPP16_AUTH_UNKNOWN);
  assert_int_equal(offline(f, "STRANGER", T0, NULL), OCPP16_AUTH_UNKNOWN);
  /* only the cache or only the list enabled */
  set(f, "ocpp.LocalAuthorizeOffline", "true");
  set(f, "ocpp.AuthorizationCacheEnabled", "false");
  assert_int_equal(offline(f, "GOOD", T0, NULL), OCPP16_AUTH_ACCEPT);
  assert_int_equal(offline(f, "CACHED", T0, NULL), OCPP16_AUTH_UNKNOWN);
  set(f, "ocpp.AuthorizationCacheEnabled", "true");
  set(f, "ocpp.LocalAuthListEnabled", "false");
  assert_int_equal(offline(f, "GOOD", T0, NULL), OCPP16_AUTH_UNKNOWN);
  assert_int_equal(offline(f, "BLOCKED", T0, NULL), OCPP16_AUTH_UNKNOWN);
  assert_int_equal(offline(f, "CACHED", T0, NULL), OCPP16_AUTH_ACCEPT);
}

/* OCPP 1.6 3.5.4 (Unknown Offline Authorization): offline, "identifiers that are present in a Local
 * Authorization List that have a status other than Accepted (Invalid,
 * Blocked, Expired) MUST be rejected", also when unknown ids may charge. */
static void test_auth_offline_unknown_never_overrides_list(void **state) {
  fx *f = *state;
  set(f, "ocpp.LocalAuthorizeOffline", "false");
  set(f, "ocpp.AllowOfflineTxForUnknownId", "true");
  assert_string_equal(send_list(f, "{'listVersion':1,'updateType':'Full','localAuthorizationList':["
                                   "{'idTag':'BLOCKED','idTagInfo':{'status':'Blocked'}}]}"),
                      "Accepted");
  assert_int_equal(offline(f, "BLOCKED", T0, NULL), OCPP16_AUTH_REFUSE);
  assert_int_equal(offline(f, "STRANGER", T0, NULL), OCPP16_AUTH_ACCEPT);
}

/* ---------------- SendLocalList ---------------- */

static void test_local_list_updates(void **state) {
  fx *f = *state;
  set(f, "ocpp.LocalAuthorizeOffline", "true");
  assert_int_equal(ocpp16_backend_local_list_version(f->be), 0);
  assert_string_equal(send_list(f, "{'listVersion':5,'updateType':'Full','localAuthorizationList':["
                                   "{'idTag':'A','idTagInfo':{'status':'Accepted'}},"
                                   "{'idTag':'B','idTagInfo':{'status':'Accepted'}}]}"),
                      "Accepted");
  assert_int_equal(ocpp16_backend_local_list_version(f->be), 5);
  assert_int_equal(ocpp16_backend_local_list_length(f->be), 2);
  /* differential: add C, block A, remove B (no idTagInfo) */
  assert_string_equal(
      send_list(f, "{'listVersion':6,'updateType':'Differential','localAuthorizationList':["
                   "{'idTag':'C','idTagInfo':{'status':'Accepted'}},"
                   "{'idTag':'A','idTagInfo':{'status':'Blocked'}},{'idTag':'B'}]}"),
      "Accepted");
  assert_int_equal(ocpp16_backend_local_list_version(f->be), 6);
  assert_int_equal(ocpp16_backend_local_list_length(f->be), 2);
  assert_int_equal(offline(f, "A", T0, NULL), OCPP16_AUTH_REFUSE);
  assert_int_equal(offline(f, "B", T0, NULL), OCPP16_AUTH_UNKNOWN);
  assert_int_equal(offline(f, "C", T0, NULL), OCPP16_AUTH_ACCEPT);
  /* a differential update not newer than the list: VersionMismatch, nothing changed */
  static const char *const stale[] = {
      "{'listVersion':6,'updateType':'Differential','localAuthorizationList':["
      "{'idTag':'D','idTagInfo':{'status':'Accepted'}}]}",
      "{'listVersion':2,'updateType':'Differential','localAuthorizationList':["
      "{'idTag':'D','idTagInfo':{'status':'Accepted'}}]}"};
  for (int i = 0; i < 2; i++) assert_string_equal(send_list(f, stale[i]), "VersionMismatch");
  assert_int_equal(offline(f, "D", T0, NULL), OCPP16_AUTH_UNKNOWN);
  assert_int_equal(ocpp16_backend_local_list_version(f->be), 6);
  /* kept across a restart */
  reopen(f);
  assert_int_equal(ocpp16_backend_local_list_version(f->be), 6);
  assert_int_equal(ocpp16_backend_local_list_length(f->be), 2);
  assert_int_equal(offline(f, "C", T0, NULL), OCPP16_AUTH_ACCEPT);
  /* a full update replaces everything */
  assert_string_equal(send_list(f, "{'listVersion':7,'updateType':'Full','localAuthorizationList':["
                                   "{'idTag':'E','idTagInfo':{'status':'Accepted'}}]}"),
                      "Accepted");
  assert_int_equal(ocpp16_backend_local_list_length(f->be), 1);
  assert_int_equal(offline(f, "C", T0, NULL), OCPP16_AUTH_UNKNOWN);
  assert_int_equal(offline(f, "A", T0, NULL), OCPP16_AUTH_UNKNOWN);
  /* a full update without a list empties it */
  assert_string_equal(send_list(f, "{'listVersion':8,'updateType':'Full'}"), "Accepted");
  assert_int_equal(ocpp16_backend_local_list_length(f->be), 0);
  assert_int_equal(ocpp16_backend_local_list_version(f->be), 8);
}

static void test_local_list_limits(void **state) {
  fx *f = *state;
  set(f, "ocpp.SendLocalListMaxLength", "3");
  set(f, "ocpp.LocalAuthListMaxLength", "4");
  assert_string_equal(send_list(f, "{'listVersion':1,'updateType':'Full','localAuthorizationList':["
                                   "{'idTag':'A','idTagInfo':{'status':'Accepted'}},"
                                   "{'idTag':'B','idTagInfo':{'status':'Accepted'}},"
                                   "{'idTag':'C','idTagInfo':{'status':'Accepted'}}]}"),
                      "Accepted");
  /* more entries than one message may carry */
  assert_string_equal(send_list(f, "{'listVersion':2,'updateType':'Full','localAuthorizationList':["
                                   "{'idTag':'A','idTagInfo':{'status':'Accepted'}},"
                                   "{'idTag':'B','idTagInfo':{'status':'Accepted'}},"
                                   "{'idTag':'C','idTagInfo':{'status':'Accepted'}},"
                                   "{'idTag':'D','idTagInfo':{'status':'Accepted'}}]}"),
                      "Failed");
  /* more than the list may hold: Failed, and nothing of it applied */
  assert_string_equal(
      send_list(f, "{'listVersion':2,'updateType':'Differential','localAuthorizationList':["
                   "{'idTag':'D','idTagInfo':{'status':'Accepted'}},"
                   "{'idTag':'E','idTagInfo':{'status':'Accepted'}}]}"),
      "Failed");
  assert_int_equal(ocpp16_backend_local_list_length(f->be), 3);
  assert_int_equal(ocpp16_backend_local_list_version(f->be), 1);
  set(f, "ocpp.LocalAuthorizeOffline", "true");
  assert_int_equal(offline(f, "D", T0, NULL), OCPP16_AUTH_UNKNOWN);
  /* the list disabled: NotSupported, version -1 (GetLocalListVersion, 5.10) */
  set(f, "ocpp.LocalAuthListEnabled", "false");
  assert_string_equal(send_list(f, "{'listVersion':9,'updateType':'Full'}"), "NotSupported");
  assert_int_equal(ocpp16_backend_local_list_version(f->be), -1);
  assert_int_equal(ocpp16_backend_local_list_length(f->be), 3);
}

/* ---------------- configuration keys ---------------- */

static const char *change(fx *f, const char *key, const char *value, char *applied) {
  char buf[64] = "";
  const char *r = ocpp_keys_change(f->db, f->cfg, key, value, buf, sizeof buf);
  if (applied) snprintf(applied, 64, "%s", buf);
  return r;
}

typedef struct {
  const char *key;
  char value[128];
  bool found;
} setting_probe;

static int find_setting(void *ctx, const char *key, const char *value) {
  setting_probe *p = ctx;
  if (strcmp(key, p->key) == 0) {
    snprintf(p->value, sizeof p->value, "%s", value);
    p->found = true;
  }
  return 0;
}

static setting_probe saved(fx *f, const char *key) {
  setting_probe p = {.key = key};
  assert_int_equal(store_settings_each(f->db, find_setting, &p), 0);
  return p;
}

static void test_keys_change(void **state) {
  fx *f = *state;
  char applied[64];
  assert_string_equal(change(f, "HeartbeatInterval", "600", applied), "Accepted");
  assert_string_equal(applied, "ocpp.HeartbeatInterval");
  assert_int_equal(config_get_int(f->cfg, "ocpp.HeartbeatInterval"), 600);
  /* saved with borne's settings: one store, not two copies */
  setting_probe p = saved(f, "ocpp.HeartbeatInterval");
  assert_true(p.found);
  assert_string_equal(p.value, "600");
  /* key names are CiString50: case-insensitive */
  assert_string_equal(change(f, "heartbeatINTERVAL", "700", NULL), "Accepted");
  assert_int_equal(config_get_int(f->cfg, "ocpp.HeartbeatInterval"), 700);
  /* bad values: Rejected, nothing changed or saved */
  static const char *const bad[] = {"abc", "-5", "86401", "", "1.5", "600 "};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    if (strcmp(change(f, "HeartbeatInterval", bad[i], NULL), "Rejected") != 0)
      fail_msg("HeartbeatInterval=\"%s\" not rejected", bad[i]);
  }
  assert_int_equal(config_get_int(f->cfg, "ocpp.HeartbeatInterval"), 700);
  assert_string_equal(saved(f, "ocpp.HeartbeatInterval").value, "700");
  assert_string_equal(change(f, "LocalPreAuthorize", "maybe", NULL), "Rejected");
  assert_string_equal(change(f, "LocalPreAuthorize", "true", NULL), "Accepted");
  assert_true(config_get_bool(f->cfg, "ocpp.LocalPreAuthorize"));
  /* unknown keys */
  assert_string_equal(change(f, "NoSuchKey", "1", NULL), "NotSupported");
  assert_string_equal(change(f, "", "1", NULL), "NotSupported");
  /* read-only keys */
  static const char *const ro[] = {"NumberOfConnectors",        "SupportedFeatureProfiles",
                                   "GetConfigurationMaxKeys",   "LocalAuthListMaxLength",
                                   "SendLocalListMaxLength",    "ReserveConnectorZeroSupported",
                                   "ChargeProfileMaxStackLevel"};
  for (size_t i = 0; i < sizeof ro / sizeof *ro; i++)
    if (strcmp(change(f, ro[i], "1", NULL), "Rejected") != 0) fail_msg("%s is writable", ro[i]);
  assert_int_equal(config_get_int(f->cfg, "station.connectors"), 2);
  /* keys that are other borne settings */
  assert_string_equal(change(f, "ConnectionTimeOut", "120", applied), "Accepted");
  assert_string_equal(applied, "auth.timeout_s");
  assert_int_equal(config_get_int(f->cfg, "auth.timeout_s"), 120);
  /* measurand lists: known measurands only, at most 8 */
  assert_string_equal(
      change(f, "MeterValuesSampledData", "Energy.Active.Import.Register,Bogus", NULL), "Rejected");
  assert_string_equal(change(f, "MeterValuesSampledData",
                             "Energy.Active.Import.Register,Power.Active.Import", NULL),
                      "Accepted");
  assert_string_equal(config_get(f->cfg, "ocpp.MeterValuesSampledData"),
                      "Energy.Active.Import.Register,Power.Active.Import");
  char nine[512] = "";
  for (int i = 0; i < 9; i++) strcat(nine, i ? ",Power.Active.Import" : "Power.Active.Import");
  assert_string_equal(change(f, "StopTxnSampledData", nine, NULL), "Rejected");
  /* SecurityProfile can only be raised */
  assert_string_equal(change(f, "SecurityProfile", "1", NULL), "Accepted");
  assert_string_equal(change(f, "SecurityProfile", "0", NULL), "Rejected");
  assert_int_equal(config_get_int(f->cfg, "ocpp.security_profile"), 1);
  assert_string_equal(change(f, "SecurityProfile", "4", NULL), "Rejected");
  /* AuthorizationKey: 16 to 40 characters */
  assert_string_equal(change(f, "AuthorizationKey", "short", NULL), "Rejected");
  assert_string_equal(change(f, "AuthorizationKey", "0123456789abcdef", NULL), "Accepted");
  assert_string_equal(config_get(f->cfg, "ocpp.AuthorizationKey"), "0123456789abcdef");
  /* the registry's length bounds hold over OCPP too (issue 22) */
  char text[502];
  memset(text, 'A', 65);
  text[65] = '\0';
  assert_string_equal(change(f, "CpoName", text, NULL), "Rejected");
  text[64] = '\0';
  assert_string_equal(change(f, "CpoName", text, NULL), "Accepted");
  memset(text, 'A', 501);
  text[501] = '\0';
  assert_string_equal(change(f, "ConnectorPhaseRotation", text, NULL), "Rejected");
  assert_string_equal(config_get(f->cfg, "ocpp.ConnectorPhaseRotation"), "NotApplicable");
  /* a restart reads the saved values back (the daemon loads settings into
   * its config; here we just check they are all in the store) */
  reopen(f);
  assert_string_equal(saved(f, "ocpp.LocalPreAuthorize").value, "true");
  assert_string_equal(saved(f, "auth.timeout_s").value, "120");
  assert_false(saved(f, "ocpp.SendLocalListMaxLength").found);
}

/* Every writable key answers Accepted, or RebootRequired exactly when its
 * borne setting cannot change at run time. */
static void test_keys_reboot_required(void **state) {
  fx *f = *state;
  json_t *all = ocpp_keys_get(f->cfg, NULL);
  size_t i;
  json_t *k;
  int writable = 0;
  json_array_foreach(json_object_get(all, "configurationKey"), i, k) {
    if (json_is_true(json_object_get(k, "readonly"))) continue;
    const char *name = json_string_value(json_object_get(k, "key"));
    const char *value = json_string_value(json_object_get(k, "value"));
    assert_non_null(value);
    const char *borne = ocpp_keys_borne_key(name);
    assert_non_null(borne);
    const cfg_key_def *def = config_key_def(borne);
    assert_non_null(def);
    const char *r = change(f, name, value, NULL);
    if (strcmp(r, config_key_runtime(def) ? "Accepted" : "RebootRequired") != 0)
      fail_msg("%s=%s: %s", name, value, r);
    writable++;
  }
  assert_true(writable >= 20);
  json_decref(all);
}

static const json_t *find_key(const json_t *res, const char *name) {
  size_t i;
  const json_t *k;
  json_array_foreach(json_object_get(res, "configurationKey"), i, k) {
    if (strcmp(json_string_value(json_object_get(k, "key")), name) == 0) return k;
  }
  return NULL;
}

/* GetConfiguration.req -> .conf */
static json_t *get_keys(fx *f, const char *req) {
  json_t *j = js(req);
  ocpp16_GetConfigurationRequest q;
  ocpp_error e;
  if (ocpp16_GetConfigurationRequest_decode(j, &q, &e) != 0) fail_msg("%s: %s", e.code, e.text);
  json_t *res = ocpp_keys_get(f->cfg, &q);
  ocpp16_GetConfigurationRequest_free(&q);
  json_decref(j);
  return res;
}

static void test_keys_get(void **state) {
  fx *f = *state;
  json_t *all = ocpp_keys_get(f->cfg, NULL);
  assert_null(json_object_get(all, "unknownKey"));
  /* the Core keys of OCPP 1.6 section 9.1 that a charge point must have */
  static const char *const core[] = {"AuthorizeRemoteTxRequests",
                                     "ClockAlignedDataInterval",
                                     "ConnectionTimeOut",
                                     "GetConfigurationMaxKeys",
                                     "HeartbeatInterval",
                                     "LocalAuthorizeOffline",
                                     "LocalPreAuthorize",
                                     "MeterValuesAlignedData",
                                     "MeterValuesSampledData",
                                     "MeterValueSampleInterval",
                                     "NumberOfConnectors",
                                     "ResetRetries",
                                     "ConnectorPhaseRotation",
                                     "StopTransactionOnEVSideDisconnect",
                                     "StopTransactionOnInvalidId",
                                     "StopTxnAlignedData",
                                     "StopTxnSampledData",
                                     "SupportedFeatureProfiles",
                                     "TransactionMessageAttempts",
                                     "TransactionMessageRetryInterval",
                                     "UnlockConnectorOnEVSideDisconnect",
                                     "LocalAuthListEnabled",
                                     "LocalAuthListMaxLength",
                                     "SendLocalListMaxLength"};
  for (size_t i = 0; i < sizeof core / sizeof *core; i++) {
    const json_t *k = find_key(all, core[i]);
    if (!k) fail_msg("GetConfiguration lacks %s", core[i]);
    assert_true(json_is_boolean(json_object_get(k, "readonly")));
    const char *v = json_string_value(json_object_get(k, "value"));
    assert_non_null(v);
    assert_true(strlen(v) <= 500); /* CiString500 */
  }
  const json_t *n = find_key(all, "NumberOfConnectors");
  assert_true(json_is_true(json_object_get(n, "readonly")));
  assert_string_equal(json_string_value(json_object_get(n, "value")), "2");
  const json_t *h = find_key(all, "HeartbeatInterval");
  assert_true(json_is_false(json_object_get(h, "readonly")));
  assert_string_equal(json_string_value(json_object_get(h, "value")), "300");
  /* AuthorizationKey is write-only: never read back */
  assert_null(find_key(all, "AuthorizationKey"));
  json_decref(all);

  /* chosen keys; unknown and write-only ones in unknownKey */
  char applied[64];
  assert_string_equal(change(f, "HeartbeatInterval", "42", applied), "Accepted");
  json_t *res = get_keys(f, "{'key':['heartbeatinterval','AuthorizationKey','Nope']}");
  assert_int_equal(json_array_size(json_object_get(res, "configurationKey")), 1);
  assert_string_equal(json_string_value(json_object_get(
                          json_array_get(json_object_get(res, "configurationKey"), 0), "value")),
                      "42");
  json_t *unknown = json_object_get(res, "unknownKey");
  assert_int_equal(json_array_size(unknown), 2);
  assert_string_equal(json_string_value(json_array_get(unknown, 0)), "AuthorizationKey");
  assert_string_equal(json_string_value(json_array_get(unknown, 1)), "Nope");
  json_decref(res);
  /* only unknown keys: no configurationKey at all */
  res = get_keys(f, "{'key':['Nope']}");
  assert_null(json_object_get(res, "configurationKey"));
  assert_int_equal(json_array_size(json_object_get(res, "unknownKey")), 1);
  json_decref(res);
  /* an empty list is all keys, and so is no list */
  res = get_keys(f, "{'key':[]}");
  assert_non_null(find_key(res, "HeartbeatInterval"));
  json_decref(res);
  res = get_keys(f, "{}");
  assert_non_null(find_key(res, "HeartbeatInterval"));
  json_decref(res);
}

static void test_borne_key_map(void **state) {
  (void)state;
  assert_string_equal(ocpp_keys_borne_key("HeartbeatInterval"), "ocpp.HeartbeatInterval");
  assert_string_equal(ocpp_keys_borne_key("ConnectionTimeOut"), "auth.timeout_s");
  assert_string_equal(ocpp_keys_borne_key("SecurityProfile"), "ocpp.security_profile");
  assert_null(ocpp_keys_borne_key("SupportedFeatureProfiles"));
  assert_null(ocpp_keys_borne_key("NoSuchKey"));
  assert_null(ocpp_keys_borne_key(NULL));
}

/* ---------------- reservations ---------------- */

static void test_reservation_add_cancel(void **state) {
  fx *f = *state;
  assert_true(ocpp16_backend_reservation_next_expiry(f->be) == INT64_MAX);
  assert_string_equal(ocpp16_backend_reservation_add(f->be, 1, 5, "TAGA", NULL, T0 + H(1)),
                      "Accepted");
  /* another reservation on the same connector */
  assert_string_equal(ocpp16_backend_reservation_add(f->be, 1, 6, "TAGB", NULL, T0 + H(1)),
                      "Occupied");
  /* the same id replaces its reservation (OCPP 1.6 5.13) */
  assert_string_equal(ocpp16_backend_reservation_add(f->be, 1, 5, "TAGC", "GRP", T0 + H(2)),
                      "Accepted");
  assert_string_equal(ocpp16_backend_reservation_add(f->be, 0, 7, "TAGD", NULL, T0 + H(3)),
                      "Accepted");
  ocpp16_reservation r[4];
  assert_int_equal(ocpp16_backend_reservations(f->be, r, 4), 2);
  assert_int_equal(r[0].id, 5);
  assert_int_equal(r[0].connector, 1);
  assert_string_equal(r[0].tag, "TAGC");
  assert_string_equal(r[0].parent, "GRP");
  assert_true(r[0].expiry == T0 + H(2));
  assert_int_equal(r[1].id, 7);
  assert_int_equal(r[1].connector, 0);
  assert_string_equal(r[1].parent, "");
  assert_true(ocpp16_backend_reservation_next_expiry(f->be) == T0 + H(2));
  /* the table is read at most `max` rows */
  assert_int_equal(ocpp16_backend_reservations(f->be, r, 1), 1);
  /* kept across a restart */
  reopen(f);
  assert_int_equal(ocpp16_backend_reservations(f->be, r, 4), 2);
  /* cancel: the connector it was on, -1 when unknown */
  assert_int_equal(ocpp16_backend_reservation_cancel(f->be, 6), -1);
  assert_int_equal(ocpp16_backend_reservation_cancel(f->be, 7), 0);
  assert_int_equal(ocpp16_backend_reservation_cancel(f->be, 7), -1);
  assert_int_equal(ocpp16_backend_reservation_cancel(f->be, 5), 1);
  assert_int_equal(ocpp16_backend_reservations(f->be, r, 4), 0);
  assert_true(ocpp16_backend_reservation_next_expiry(f->be) == INT64_MAX);
  /* the connector is free again */
  assert_string_equal(ocpp16_backend_reservation_add(f->be, 1, 6, "TAGB", NULL, T0 + H(1)),
                      "Accepted");
}

static void test_reservation_expiry(void **state) {
  fx *f = *state;
  ocpp16_backend_reservation_add(f->be, 1, 1, "A", NULL, T0 + H(1));
  ocpp16_backend_reservation_add(f->be, 2, 2, "B", NULL, T0 + H(2));
  assert_true(ocpp16_backend_reservation_next_expiry(f->be) == T0 + H(1));
  assert_int_equal(ocpp16_backend_reservation_expired(f->be, 1, T0 + H(1) - 1), 0);
  assert_int_equal(ocpp16_backend_reservation_expired(f->be, 2, T0 + H(1)), 0);
  assert_int_equal(ocpp16_backend_reservation_expired(f->be, 1, T0 + H(1)), 1);
  /* removed: reported once */
  assert_int_equal(ocpp16_backend_reservation_expired(f->be, 1, T0 + H(1)), 0);
  assert_true(ocpp16_backend_reservation_next_expiry(f->be) == T0 + H(2));
  assert_int_equal(ocpp16_backend_reservation_use(f->be, 1, "A", NULL), 0);
  assert_int_equal(ocpp16_backend_reservation_expired(f->be, 2, T0 + H(5)), 2);
}

static void test_reservation_use(void **state) {
  fx *f = *state;
  ocpp16_backend_reservation_add(f->be, 1, 10, "OWNER", "FLEET", T0 + H(1));
  ocpp16_backend_reservation_add(f->be, 2, 20, "SOLO", NULL, T0 + H(1));
  /* another badge, another group: not this reservation */
  assert_int_equal(ocpp16_backend_reservation_use(f->be, 1, "STRANGER", "OTHER"), 0);
  assert_int_equal(ocpp16_backend_reservation_use(f->be, 1, "STRANGER", NULL), 0);
  assert_int_equal(ocpp16_backend_reservation_use(f->be, 1, "STRANGER", ""), 0);
  /* the right badge on the wrong connector */
  assert_int_equal(ocpp16_backend_reservation_use(f->be, 2, "OWNER", NULL), 0);
  /* a badge of the same group (parentIdTag) may use it */
  assert_int_equal(ocpp16_backend_reservation_use(f->be, 1, "COLLEAGUE", "fleet"), 10);
  assert_int_equal(ocpp16_backend_reservation_use(f->be, 1, "OWNER", "FLEET"), 0); /* used up */
  /* a reservation without a parent is not matched by an empty parent */
  assert_int_equal(ocpp16_backend_reservation_use(f->be, 2, "OTHER", ""), 0);
  assert_int_equal(ocpp16_backend_reservation_use(f->be, 2, "solo", NULL), 20);
  /* connector 0: any connector; the connector's own reservation goes first */
  ocpp16_backend_reservation_add(f->be, 0, 30, "ANY", NULL, T0 + H(1));
  ocpp16_backend_reservation_add(f->be, 2, 40, "ANY", NULL, T0 + H(1));
  assert_int_equal(ocpp16_backend_reservation_use(f->be, 2, "ANY", NULL), 40);
  assert_int_equal(ocpp16_backend_reservation_use(f->be, 1, "ANY", NULL), 30);
  ocpp16_reservation r[4];
  assert_int_equal(ocpp16_backend_reservations(f->be, r, 4), 0);
}

/* ---------------- availability ---------------- */

static void test_availability(void **state) {
  fx *f = *state;
  assert_true(ocpp16_backend_availability(f->be, 0));
  assert_true(ocpp16_backend_availability(f->be, 1));
  ocpp16_backend_availability_save(f->be, 1, false);
  assert_false(ocpp16_backend_availability(f->be, 1));
  assert_true(ocpp16_backend_availability(f->be, 2));
  reopen(f);
  assert_false(ocpp16_backend_availability(f->be, 1));
  ocpp16_backend_availability_save(f->be, 1, true);
  reopen(f);
  assert_true(ocpp16_backend_availability(f->be, 1));
}

int main(void) {
  if (config_registry_add_table(&ocpp_keys) != 0) return 1; /* the ocpp.* keys */
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
  const struct CMUnitTest tests[] = {
      T(test_queue_fifo),
      T(test_queue_security_flood_is_bounded),
      T(test_queue_no_overtaking),
      T(test_queue_survives_reopen),
      T(test_queue_sent_start_rewrites),
      T(test_queue_offline_session_stop),
      T(test_queue_failed_attempts),
      T(test_queue_failed_unanswered),
      T(test_queue_single_attempt),
      T(test_auth_cache),
      T(test_auth_cache_disabled),
      T(test_auth_local_pre_authorize),
      T(test_auth_local_list_precedence),
      T(test_auth_offline_rules),
      T(test_auth_offline_unknown_never_overrides_list),
      T(test_local_list_updates),
      T(test_local_list_limits),
      T(test_keys_change),
      T(test_keys_reboot_required),
      T(test_keys_get),
      T(test_borne_key_map),
      T(test_reservation_add_cancel),
      T(test_reservation_expiry),
      T(test_reservation_use),
      T(test_availability),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
