/*
 * The OCPP 1.6 configuration keys (src/ocpp/ocpp_keys.[ch]) as the
 * configuration family of the 1.6 dialect uses them, on a real SQLite file
 * in a temporary directory: ChangeConfiguration / GetConfiguration (5.3,
 * 5.8, section 9 keys), one store with borne's settings. (The charge point's
 * other state, once in this file, is the charge-point model:
 * tests/unit/test_chargepoint_*.c, and its 1.6 words test_ocpp_model.c.)
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
#include "test_tmpdir.h"
#include "config/config.h"
#include "store/store.h"
#include "util/log.h"

typedef struct {
  char dir[128];
  char path[160];
  store *db;
  config *cfg;
} fx;

static void be_open(fx *f) {
  char err[256];
  if (store_open(&f->db, f->path, err, sizeof err) != 0) fail_msg("store_open: %s", err);
}

static void be_close(fx *f) {
  store_close(f->db);
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
  assert_int_equal(test_tmpdir_make(f->dir, sizeof f->dir, "borne-ocpp-config"), 0);
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
  /* a ':' belongs to the password (RFC 7617 splits at the first one, the id's); no space */
  assert_string_equal(change(f, "AuthorizationKey", "pass:word|with@it", NULL), "Accepted");
  assert_string_equal(change(f, "AuthorizationKey", "pass word with it", NULL), "Rejected");
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

int main(void) {
  if (config_registry_add_table(&ocpp_keys) != 0) return 1; /* the ocpp.* keys */
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
  const struct CMUnitTest tests[] = {
      T(test_keys_change),
      T(test_keys_reboot_required),
      T(test_keys_get),
      T(test_borne_key_map),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
