/*
 * The OCPP 1.6 encoding of the charge-point model (src/ocpp/ocpp16_model.[ch])
 * over the real model on a SQLite file, on a virtual clock: what is 1.6 in
 * the charge point's state, the rest being tested in test_chargepoint_*:
 *   - the policies read from the 1.6 configuration keys;
 *   - idTagInfo (status, expiryDate, parentIdTag) into the cache (OCPP 1.6
 *     3.5), nonsense not stored;
 *   - SendLocalList.req (5.15) Full / Differential / VersionMismatch /
 *     Failed / NotSupported, GetLocalListVersion (5.10);
 *   - the queued messages: action <-> kind, the Security whitepaper's
 *     critical events never dropped in a flood, and the back end's
 *     transactionId put into a session's MeterValues and StopTransaction
 *     queued before StartTransaction.conf (issue 4), across restarts;
 *   - ReserveNow.conf statuses.
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

#include "ocpp/ocpp_keys.h"
#include "ocpp/v16/model.h"
#include "test_tmpdir.h"
#include "config/config.h"
#include "store/store.h"
#include "util/log.h"

/* Monday 2026-01-05T00:00:00Z. */
#define T0 (1767571200LL * 1000)
#define S(x) ((borne_ms)(x)*1000)
#define H(x) S((x)*3600)

typedef struct {
  test_tmpdb *tmp;
  store *db;
  config *cfg;
  cp_journal *j;
  cp_auth *a;
} fx;

static void m_open(fx *f) {
  char err[256];
  if (store_open(&f->db, f->tmp->path, err, sizeof err) != 0) fail_msg("store_open: %s", err);
  f->j = cp_journal_open(f->db, err, sizeof err);
  f->a = cp_auth_open(f->db, err, sizeof err);
  if (!f->j || !f->a) fail_msg("open: %s", err);
}

static void m_close(fx *f) {
  cp_journal_free(f->j);
  cp_auth_free(f->a);
  store_close(f->db);
  f->j = NULL;
  f->a = NULL;
  f->db = NULL;
}

static void reopen(fx *f) {
  m_close(f);
  m_open(f);
}

static int setup(void **state) {
  log_set_level(LOG_ERROR);
  fx *f = calloc(1, sizeof *f);
  assert_non_null(f);
  void *t = NULL;
  assert_int_equal(test_tmpdb_setup(&t, "borne-ocpp-model"), 0);
  f->tmp = t;
  f->cfg = config_new();
  m_open(f);
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fx *f = *state;
  m_close(f);
  config_free(f->cfg);
  void *t = f->tmp;
  test_tmpdb_teardown(&t);
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

/* ---------------- policies ---------------- */

static void test_policies(void **state) {
  fx *f = *state;
  cp_auth_policy p = v16_auth_policy(f->cfg);
  /* the defaults of the ocpp.* settings */
  assert_false(p.local_pre_authorize);
  assert_true(p.local_authorize_offline);
  assert_false(p.allow_offline_unknown);
  assert_true(p.cache_enabled);
  assert_true(p.list_enabled);
  cp_retry_policy r = v16_retry_policy(f->cfg);
  assert_int_equal(r.attempts, 3);
  assert_int_equal(r.interval_s, 60);
  cp_list_limits l = v16_list_limits(f->cfg);
  assert_int_equal(l.max_per_update, 1000);
  assert_int_equal(l.max_entries, 10000);
  set(f, "ocpp.LocalPreAuthorize", "true");
  set(f, "ocpp.LocalAuthorizeOffline", "false");
  set(f, "ocpp.AllowOfflineTxForUnknownId", "true");
  set(f, "ocpp.AuthorizationCacheEnabled", "false");
  set(f, "ocpp.LocalAuthListEnabled", "false");
  set(f, "ocpp.TransactionMessageAttempts", "7");
  set(f, "ocpp.TransactionMessageRetryInterval", "11");
  set(f, "ocpp.SendLocalListMaxLength", "3");
  set(f, "ocpp.LocalAuthListMaxLength", "4");
  p = v16_auth_policy(f->cfg);
  assert_true(p.local_pre_authorize);
  assert_false(p.local_authorize_offline);
  assert_true(p.allow_offline_unknown);
  assert_false(p.cache_enabled);
  assert_false(p.list_enabled);
  r = v16_retry_policy(f->cfg);
  assert_int_equal(r.attempts, 7);
  assert_int_equal(r.interval_s, 11);
  l = v16_list_limits(f->cfg);
  assert_int_equal(l.max_per_update, 3);
  assert_int_equal(l.max_entries, 4);
}

/* ---------------- idTagInfo ---------------- */

static void test_token_info(void **state) {
  (void)state;
  cp_token_info i;
  json_t *j = js("{'status':'Accepted','expiryDate':'2026-01-05T01:00:00Z','parentIdTag':'FLEET'}");
  assert_true(v16_token_info(j, &i));
  assert_int_equal(i.status, CP_TOKEN_ACCEPTED);
  assert_true(i.expiry == T0 + H(1));
  assert_string_equal(i.group, "FLEET");
  json_decref(j);
  static const struct {
    const char *status;
    cp_token_status want;
  } statuses[] = {{"Accepted", CP_TOKEN_ACCEPTED},
                  {"Blocked", CP_TOKEN_BLOCKED},
                  {"Expired", CP_TOKEN_EXPIRED},
                  {"Invalid", CP_TOKEN_INVALID},
                  {"ConcurrentTx", CP_TOKEN_CONCURRENT_TX}};
  for (size_t k = 0; k < sizeof statuses / sizeof *statuses; k++) {
    json_t *x = json_pack("{s:s}", "status", statuses[k].status);
    assert_true(v16_token_info(x, &i));
    assert_int_equal(i.status, statuses[k].want);
    assert_true(i.expiry == 0);
    assert_string_equal(i.group, "");
    json_decref(x);
  }
  /* an expiryDate that is not a date: no expiry */
  j = js("{'status':'Accepted','expiryDate':'tomorrow'}");
  assert_true(v16_token_info(j, &i));
  assert_true(i.expiry == 0);
  json_decref(j);
  /* nonsense: not an answer */
  assert_false(v16_token_info(NULL, &i));
  static const char *const bad[] = {"{'nostatus':1}", "{'status':'Maybe'}", "{'status':5}", "[]"};
  for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
    j = js(bad[k]);
    assert_false(v16_token_info(j, &i));
    json_decref(j);
  }
}

static void info(fx *f, const char *tag, const char *idtaginfo, borne_ms now) {
  json_t *j = js(idtaginfo);
  v16_auth_remember(f->a, f->cfg, tag, j, now);
  json_decref(j);
}

static cp_auth_verdict local(fx *f, const char *tag, borne_ms now, char group[CP_ID_MAX + 1]) {
  char g[CP_ID_MAX + 1] = "";
  cp_auth_policy p = v16_auth_policy(f->cfg);
  cp_auth_verdict v = cp_auth_local(f->a, &p, tag, now, g);
  if (group) snprintf(group, CP_ID_MAX + 1, "%s", g);
  return v;
}

static cp_auth_verdict offline(fx *f, const char *tag, borne_ms now, char group[CP_ID_MAX + 1]) {
  char g[CP_ID_MAX + 1] = "";
  cp_auth_policy p = v16_auth_policy(f->cfg);
  cp_auth_verdict v = cp_auth_offline(f->a, &p, tag, now, g);
  if (group) snprintf(group, CP_ID_MAX + 1, "%s", g);
  return v;
}

/* The answers of the back end, as 1.6 writes them, into the cache. */
static void test_cache_from_idtaginfo(void **state) {
  fx *f = *state;
  set(f, "ocpp.LocalPreAuthorize", "true");
  char group[CP_ID_MAX + 1];
  info(f, "CARD1",
       "{'status':'Accepted','expiryDate':'2026-01-05T01:00:00Z','parentIdTag':'FLEET'}", T0);
  assert_int_equal(local(f, "CARD1", T0, group), CP_AUTH_ACCEPT);
  assert_string_equal(group, "FLEET");
  assert_int_equal(local(f, "CARD1", T0 + H(1) - 1, NULL), CP_AUTH_ACCEPT);
  assert_int_equal(local(f, "CARD1", T0 + H(1), NULL), CP_AUTH_UNKNOWN);
  assert_int_equal(offline(f, "CARD1", T0 + H(1), NULL), CP_AUTH_REFUSE);
  info(f, "CARD1", "{'status':'Accepted'}", T0 + H(2));
  assert_int_equal(local(f, "CARD1", T0 + H(10000), group), CP_AUTH_ACCEPT);
  assert_string_equal(group, "");
  info(f, "CARD1", "{'status':'Blocked'}", T0 + H(3));
  assert_int_equal(offline(f, "CARD1", T0 + H(3), NULL), CP_AUTH_REFUSE);
  /* AuthorizationCacheEnabled false: not written */
  set(f, "ocpp.AuthorizationCacheEnabled", "false");
  info(f, "CARD2", "{'status':'Accepted'}", T0);
  set(f, "ocpp.AuthorizationCacheEnabled", "true");
  assert_int_equal(local(f, "CARD2", T0, NULL), CP_AUTH_UNKNOWN);
  /* nonsense in: nothing stored */
  v16_auth_remember(f->a, f->cfg, "CARD4", NULL, T0);
  info(f, "", "{'status':'Accepted'}", T0);
  info(f, "CARD5", "{'nostatus':1}", T0);
  info(f, "CARD6", "{'status':'Maybe'}", T0);
  assert_int_equal(local(f, "CARD4", T0, NULL), CP_AUTH_UNKNOWN);
  assert_int_equal(local(f, "", T0, NULL), CP_AUTH_UNKNOWN);
  assert_int_equal(local(f, "CARD5", T0, NULL), CP_AUTH_UNKNOWN);
  assert_int_equal(offline(f, "CARD6", T0, NULL), CP_AUTH_UNKNOWN);
}

/* ---------------- SendLocalList ---------------- */

static const char *send_list(fx *f, const char *req) {
  json_t *j = js(req);
  ocpp16_SendLocalListRequest q;
  ocpp_error e;
  if (ocpp16_SendLocalListRequest_decode(j, &q, &e) != 0) fail_msg("%s: %s", e.code, e.text);
  const char *r = v16_local_list_update(f->a, f->cfg, &q);
  ocpp16_SendLocalListRequest_free(&q);
  json_decref(j);
  return r;
}

static void test_local_list_updates(void **state) {
  fx *f = *state;
  set(f, "ocpp.LocalAuthorizeOffline", "true");
  assert_int_equal(v16_local_list_version(f->a, f->cfg), 0);
  assert_string_equal(send_list(f, "{'listVersion':5,'updateType':'Full','localAuthorizationList':["
                                   "{'idTag':'A','idTagInfo':{'status':'Accepted'}},"
                                   "{'idTag':'B','idTagInfo':{'status':'Accepted'}}]}"),
                      "Accepted");
  assert_int_equal(v16_local_list_version(f->a, f->cfg), 5);
  assert_int_equal(cp_auth_list_length(f->a), 2);
  /* differential: add C, block A, remove B (no idTagInfo) */
  assert_string_equal(
      send_list(f, "{'listVersion':6,'updateType':'Differential','localAuthorizationList':["
                   "{'idTag':'C','idTagInfo':{'status':'Accepted'}},"
                   "{'idTag':'A','idTagInfo':{'status':'Blocked'}},{'idTag':'B'}]}"),
      "Accepted");
  assert_int_equal(v16_local_list_version(f->a, f->cfg), 6);
  assert_int_equal(cp_auth_list_length(f->a), 2);
  assert_int_equal(offline(f, "A", T0, NULL), CP_AUTH_REFUSE);
  assert_int_equal(offline(f, "B", T0, NULL), CP_AUTH_UNKNOWN);
  assert_int_equal(offline(f, "C", T0, NULL), CP_AUTH_ACCEPT);
  /* a differential update not newer than the list: VersionMismatch, nothing changed */
  static const char *const stale[] = {
      "{'listVersion':6,'updateType':'Differential','localAuthorizationList':["
      "{'idTag':'D','idTagInfo':{'status':'Accepted'}}]}",
      "{'listVersion':2,'updateType':'Differential','localAuthorizationList':["
      "{'idTag':'D','idTagInfo':{'status':'Accepted'}}]}"};
  for (int i = 0; i < 2; i++) assert_string_equal(send_list(f, stale[i]), "VersionMismatch");
  assert_int_equal(offline(f, "D", T0, NULL), CP_AUTH_UNKNOWN);
  assert_int_equal(v16_local_list_version(f->a, f->cfg), 6);
  /* kept across a restart */
  reopen(f);
  assert_int_equal(v16_local_list_version(f->a, f->cfg), 6);
  assert_int_equal(offline(f, "C", T0, NULL), CP_AUTH_ACCEPT);
  /* every status, expiryDate and parentIdTag of an entry */
  char group[CP_ID_MAX + 1];
  assert_string_equal(
      send_list(f, "{'listVersion':7,'updateType':'Full','localAuthorizationList':["
                   "{'idTag':'E','idTagInfo':{'status':'Accepted','parentIdTag':'GROUP',"
                   "'expiryDate':'2026-01-05T01:00:00Z'}},"
                   "{'idTag':'X1','idTagInfo':{'status':'Expired'}},"
                   "{'idTag':'X2','idTagInfo':{'status':'Invalid'}},"
                   "{'idTag':'X3','idTagInfo':{'status':'ConcurrentTx'}}]}"),
      "Accepted");
  assert_int_equal(cp_auth_list_length(f->a), 4);
  assert_int_equal(offline(f, "C", T0, NULL), CP_AUTH_UNKNOWN);
  assert_int_equal(offline(f, "E", T0, group), CP_AUTH_ACCEPT);
  assert_string_equal(group, "GROUP");
  assert_int_equal(offline(f, "E", T0 + H(1), NULL), CP_AUTH_REFUSE);
  for (int i = 1; i <= 3; i++) {
    char tag[4];
    snprintf(tag, sizeof tag, "X%d", i);
    assert_int_equal(offline(f, tag, T0, NULL), CP_AUTH_REFUSE);
  }
  /* a full update without a list empties it: an empty list is version 0
   * (5.10; OCTT TC_042_2_CS), a later update newer than the one received
   * still accepted and its version told */
  assert_string_equal(send_list(f, "{'listVersion':8,'updateType':'Full'}"), "Accepted");
  assert_int_equal(cp_auth_list_length(f->a), 0);
  assert_int_equal(v16_local_list_version(f->a, f->cfg), 0);
  assert_string_equal(send_list(f, "{'listVersion':9,'updateType':'Differential','"
                                   "localAuthorizationList':[{'idTag':'F','idTagInfo':{'status':"
                                   "'Accepted'}}]}"),
                      "Accepted");
  assert_int_equal(v16_local_list_version(f->a, f->cfg), 9);
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
  assert_int_equal(cp_auth_list_length(f->a), 3);
  assert_int_equal(v16_local_list_version(f->a, f->cfg), 1);
  set(f, "ocpp.LocalAuthorizeOffline", "true");
  assert_int_equal(offline(f, "D", T0, NULL), CP_AUTH_UNKNOWN);
  /* the list disabled: NotSupported, version -1 (GetLocalListVersion, 5.10) */
  set(f, "ocpp.LocalAuthListEnabled", "false");
  assert_string_equal(send_list(f, "{'listVersion':9,'updateType':'Full'}"), "NotSupported");
  assert_int_equal(v16_local_list_version(f->a, f->cfg), -1);
  assert_int_equal(cp_auth_list_length(f->a), 3);
}

/* ---------------- the queue ---------------- */

static void test_event_kinds(void **state) {
  (void)state;
  cp_event_kind k;
  static const struct {
    const char *action;
    const char *payload;
    cp_event_kind kind;
  } map[] = {
      {"StartTransaction", "{'connectorId':1}", CP_EVENT_STARTED},
      {"MeterValues", "{'connectorId':1}", CP_EVENT_UPDATED},
      {"StopTransaction", "{'meterStop':1}", CP_EVENT_ENDED},
      {"SecurityEventNotification", "{'type':'MaintenanceLoginFailed'}", CP_EVENT_SECURITY},
      {"SecurityEventNotification", "{'type':'InvalidFirmwareSignature'}", CP_EVENT_SECURITY},
      {"SecurityEventNotification", "{}", CP_EVENT_SECURITY},
  };
  for (size_t i = 0; i < sizeof map / sizeof *map; i++) {
    json_t *p = js(map[i].payload);
    assert_int_equal(v16_event_kind(map[i].action, p, &k), 0);
    assert_int_equal(k, map[i].kind);
    assert_string_equal(v16_event_action(k), map[i].action);
    json_decref(p);
  }
  /* the Security whitepaper's critical events (A04) */
  static const char *const critical[] = {
      "FirmwareUpdated",       "SettingSystemTime", "StartupOfTheDevice",      "ResetOrReboot",
      "SecurityLogWasCleared", "MemoryExhaustion",  "TamperDetectionActivated"};
  for (size_t i = 0; i < sizeof critical / sizeof *critical; i++) {
    json_t *p = json_pack("{s:s}", "type", critical[i]);
    assert_int_equal(v16_event_kind("SecurityEventNotification", p, &k), 0);
    assert_int_equal(k, CP_EVENT_SECURITY_CRITICAL);
    json_decref(p);
  }
  assert_string_equal(v16_event_action(CP_EVENT_SECURITY_CRITICAL), "SecurityEventNotification");
  /* not queued */
  assert_int_equal(v16_event_kind("Heartbeat", NULL, &k), -1);
  assert_int_equal(v16_event_kind(NULL, NULL, &k), -1);
}

static void push(fx *f, int64_t session, const char *action, const char *payload, borne_ms now) {
  json_t *p = js(payload);
  assert_int_equal(v16_journal_push(f->j, session, action, p, now), 0);
  json_decref(p);
}

/* The head, as the 1.6 dialect sends it: action and payload (transactionId put in). */
static json_t *head(fx *f, borne_ms now, const char *action, int64_t session, int64_t *id) {
  cp_journal_entry e = {0};
  if (cp_journal_peek(f->j, now, &e) != 0) fail_msg("nothing due, expected %s", action);
  assert_string_equal(v16_event_action(e.kind), action);
  assert_int_equal(e.session_id, session);
  char tx[CP_TX_ID_MAX + 1];
  cp_journal_tx_id(f->j, e.session_id, tx);
  json_t *p = v16_event_payload(&e, tx);
  assert_non_null(p);
  free(e.payload);
  if (id) *id = e.id;
  return p;
}

static long long int_of(const json_t *o, const char *k) {
  const json_t *v = json_object_get(o, k);
  if (!json_is_integer(v)) fail_msg("%s is not an integer", k);
  return (long long)json_integer_value(v);
}

static void sent_start(fx *f, int64_t id, int64_t session, int tx) {
  char text[CP_TX_ID_MAX + 1];
  v16_tx_text(tx, text);
  assert_int_equal(cp_journal_sent_start(f->j, id, session, text), 0);
}

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
  assert_int_equal(cp_journal_length(f->j), 2 + 100 + 1 + 1 + 1);
  int64_t id;
  json_t *q = head(f, T0, "SecurityEventNotification", 0, &id);
  assert_string_equal(json_string_value(json_object_get(q, "type")), "StartupOfTheDevice");
  cp_journal_sent(f->j, id);
  json_decref(q);
  q = head(f, T0, "StartTransaction", 1, &id);
  cp_journal_sent(f->j, id);
  json_decref(q);
  q = head(f, T0, "MeterValues", 1, &id); /* pushed after try 150: tries 0..199 went */
  cp_journal_sent(f->j, id);
  json_decref(q);
  for (int i = 200; i < 300; i++) {
    q = head(f, T0, "SecurityEventNotification", 0, &id);
    char want[8];
    snprintf(want, sizeof want, "%d", i);
    assert_string_equal(json_string_value(json_object_get(q, "techInfo")), want);
    cp_journal_sent(f->j, id);
    json_decref(q);
  }
  q = head(f, T0, "SecurityEventNotification", 0, &id);
  assert_string_equal(json_string_value(json_object_get(q, "type")), "TamperDetectionActivated");
  json_decref(q);
  cp_journal_sent(f->j, id);
  q = head(f, T0, "StopTransaction", 1, &id);
  json_decref(q);
}

static void test_queue_transaction_id_put_in(void **state) {
  fx *f = *state;
  push(f, 7, "StartTransaction", "{'connectorId':1,'idTag':'AA','meterStart':0}", T0);
  push(f, 8, "StartTransaction", "{'connectorId':2,'idTag':'BB','meterStart':0}", T0);
  push(f, 7, "MeterValues", "{'connectorId':1,'transactionId':-7,'meterValue':[]}", T0);
  push(f, 8, "MeterValues", "{'connectorId':2,'transactionId':-8,'meterValue':[]}", T0);
  push(f, 7, "MeterValues", "{'connectorId':1,'transactionId':-7,'meterValue':[]}", T0);
  push(f, 7, "StopTransaction", "{'transactionId':-7,'meterStop':1000,'reason':'Local'}", T0);
  assert_int_equal(v16_journal_tx_id(f->j, 7), 0);
  int64_t id;
  json_t *q = head(f, T0, "StartTransaction", 7, &id);
  json_decref(q);
  sent_start(f, id, 7, 4242);
  assert_int_equal(v16_journal_tx_id(f->j, 7), 4242);
  assert_int_equal(v16_journal_tx_id(f->j, 8), 0);
  assert_int_equal(cp_journal_length(f->j), 5);
  /* session 8's start: untouched, no transactionId added */
  q = head(f, T0, "StartTransaction", 8, &id);
  assert_null(json_object_get(q, "transactionId"));
  assert_string_equal(json_string_value(json_object_get(q, "idTag")), "BB");
  json_decref(q);
  sent_start(f, id, 8, 99);
  reopen(f); /* the ids are on disk */
  static const struct {
    const char *action;
    int session;
    int tx;
  } want[] = {{"MeterValues", 7, 4242},
              {"MeterValues", 8, 99},
              {"MeterValues", 7, 4242},
              {"StopTransaction", 7, 4242}};
  for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
    q = head(f, T0, want[i].action, want[i].session, &id);
    assert_int_equal(int_of(q, "transactionId"), want[i].tx);
    /* the rest of the payload is kept */
    if (strcmp(want[i].action, "StopTransaction") == 0) {
      assert_int_equal(int_of(q, "meterStop"), 1000);
      assert_string_equal(json_string_value(json_object_get(q, "reason")), "Local");
    } else {
      assert_true(json_is_array(json_object_get(q, "meterValue")));
    }
    json_decref(q);
    cp_journal_sent(f->j, id);
  }
  assert_int_equal(cp_journal_length(f->j), 0);
}

/* A session started offline whose Start is delivered while a Stop is
 * already queued: the Stop carries the back end's id (issue 4, test 3). */
static void test_queue_offline_session_stop(void **state) {
  fx *f = *state;
  push(f, 11, "StartTransaction", "{'connectorId':1}", T0);
  push(f, 11, "StopTransaction", "{'transactionId':-11,'meterStop':5}", T0 + H(2));
  reopen(f);
  int64_t id;
  json_t *q = head(f, T0 + H(3), "StartTransaction", 11, &id);
  json_decref(q);
  sent_start(f, id, 11, 31337);
  reopen(f);
  q = head(f, T0 + H(3), "StopTransaction", 11, &id);
  assert_int_equal(int_of(q, "transactionId"), 31337);
  json_decref(q);
}

/* What the dialect cannot read is reported as such (the pump drops it). */
static void test_unreadable_payload(void **state) {
  (void)state;
  cp_journal_entry e = {.kind = CP_EVENT_UPDATED, .payload = "{not json"};
  assert_null(v16_event_payload(&e, "5"));
  e.payload = "[1]";
  assert_null(v16_event_payload(&e, "5"));
  /* a transaction id that is not a 1.6 integer is not put in */
  e.payload = "{\"transactionId\":3}";
  json_t *p = v16_event_payload(&e, "abc");
  assert_int_equal(int_of(p, "transactionId"), 3);
  json_decref(p);
  p = v16_event_payload(&e, "");
  assert_int_equal(int_of(p, "transactionId"), 3);
  json_decref(p);
  /* only MeterValues and StopTransaction get it */
  e.kind = CP_EVENT_STARTED;
  p = v16_event_payload(&e, "5");
  assert_int_equal(int_of(p, "transactionId"), 3);
  json_decref(p);
  char text[CP_TX_ID_MAX + 1];
  v16_tx_text(-2147483647 - 1, text);
  assert_string_equal(text, "-2147483648");
}

/* The pump sends a queued message's own text when the payload it sends is
 * the value that text was written from (issue 15): unchanged only when no
 * transactionId had to be put in or changed, and then its text is the same. */
static void test_payload_unchanged_keeps_its_text(void **state) {
  (void)state;
  static const char *const text =
      "{\"transactionId\":1001,\"meterStop\":5,\"timestamp\":\"2026-12-08T00:00:00Z\","
      "\"reason\":\"Local\"}";
  static const struct {
    cp_event_kind kind;
    const char *tx;
    bool unchanged;
  } cases[] = {{CP_EVENT_ENDED, "1001", true},  {CP_EVENT_UPDATED, "1001", true},
               {CP_EVENT_ENDED, "1002", false}, {CP_EVENT_ENDED, "", true},
               {CP_EVENT_ENDED, "abc", true},   {CP_EVENT_STARTED, "7", true}};
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    bool unchanged = !cases[i].unchanged;
    json_t *p =
        v16_event_payload_of(json_loads(text, 0, NULL), cases[i].kind, cases[i].tx, &unchanged);
    assert_non_null(p);
    assert_int_equal(unchanged, cases[i].unchanged);
    char *again = json_dumps(p, JSON_COMPACT);
    assert_int_equal(strcmp(again, text) == 0, cases[i].unchanged);
    free(again);
    json_decref(p);
  }
  /* no transactionId yet: put in, so not the text any more */
  bool unchanged = true;
  json_t *p = v16_event_payload_of(json_loads("{\"meterStop\":5}", 0, NULL), CP_EVENT_ENDED, "9",
                                   &unchanged);
  assert_false(unchanged);
  assert_int_equal(int_of(p, "transactionId"), 9);
  json_decref(p);
  unchanged = true;
  assert_null(v16_event_payload_of(json_loads("[1]", 0, NULL), CP_EVENT_ENDED, "9", &unchanged));
  assert_false(unchanged);
}

/* ---------------- reservations ---------------- */

static void test_reservation_statuses(void **state) {
  (void)state;
  assert_string_equal(v16_reservation_status(CP_RESERVE_ACCEPTED), "Accepted");
  assert_string_equal(v16_reservation_status(CP_RESERVE_OCCUPIED), "Occupied");
  assert_string_equal(v16_reservation_status(CP_RESERVE_REJECTED), "Rejected");
}

/* ChangeConfiguration AuthorizationKey: the password hex-encoded (OCPP-J
 * 1.6, the security whitepaper; OCTT TC_073_CS's value), else as it is. */
static void test_authorization_key_decode(void **state) {
  (void)state;
  char out[64];
  /* "OCA_OCTT_admin_test", the OCTT's, in either case of hex digits */
  assert_int_equal(
      v16_authorization_key_decode("4F43415F4F4354545F61646D696E5F74657374", out, sizeof out), 1);
  assert_string_equal(out, "OCA_OCTT_admin_test");
  assert_int_equal(
      v16_authorization_key_decode("4f43415f4f4354545f61646d696e5f74657374", out, sizeof out), 1);
  assert_string_equal(out, "OCA_OCTT_admin_test");
  /* 16 and 20 bytes: the bounds */
  assert_int_equal(
      v16_authorization_key_decode("41424344454647484142434445464748", out, sizeof out), 1);
  assert_string_equal(out, "ABCDEFGHABCDEFGH");
  /* not 32 to 40 hex digits of whole bytes: the password itself */
  static const char *const plain[] = {
      "the-new-key-0123456789ab", "0123456789abcdef", "4F43415F4F4354545F61646D696E5F7465737",
      "4F43415F4F4354545F61646D696E5F746573744142", "4F43415F4F4354545F61646D696E5F7465737G"};
  for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++) {
    assert_int_equal(v16_authorization_key_decode(plain[i], out, sizeof out), 0);
    assert_string_equal(out, plain[i]);
  }
  /* random binary bytes (a space, a control byte, beyond ASCII): cannot be kept */
  assert_int_equal(
      v16_authorization_key_decode("00112233445566778899aabbccddeeff", out, sizeof out), -1);
  assert_int_equal(
      v16_authorization_key_decode("20414243444546474142434445464748", out, sizeof out), -1);
  /* a buffer too small to hold it */
  assert_int_equal(v16_authorization_key_decode("41424344454647484142434445464748", out, 10), -1);
}

int main(void) {
  if (config_registry_add_table(&ocpp_keys) != 0) return 1; /* the ocpp.* keys */
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
  const struct CMUnitTest tests[] = {
      T(test_policies),
      T(test_token_info),
      T(test_cache_from_idtaginfo),
      T(test_local_list_updates),
      T(test_local_list_limits),
      T(test_event_kinds),
      T(test_queue_security_flood_is_bounded),
      T(test_queue_transaction_id_put_in),
      T(test_queue_offline_session_stop),
      T(test_unreadable_payload),
      T(test_payload_unchanged_keeps_its_text),
      T(test_reservation_statuses),
      T(test_authorization_key_decode),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
