/*
 * Issue 22: a setting the registry calls "run time" must reach the code that
 * uses it when it is changed through the API, or the API must say that it
 * waits for a restart. This test walks the registry: every run-time key is
 * changed with a real PUT /api/v1/settings (libcurl on the station's own
 * loop), then the station is asked whether its modules work with the new
 * value (station_setting_use: each module compares the copy it keeps, or
 * reads the value at each use). A key no module takes, or one a module keeps
 * stale (whether or not the answer's restart_required says so), fails the
 * test.
 *
 * Also here: the answers for keys the API may not set (file only), the masking
 * of secrets in GET/PUT /api/v1/settings, and that a value changed behind the
 * station's back (config_set without station_apply_setting) is seen as stale
 * where a module keeps a copy — the check is not a formality.
 */
/* cmocka.h needs these first */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/curl_uv.h"
#include "firmware/firmware_module.h"
#include "keys/key_tables.h"
#include "main/modules.h"
#include "station/station.h"
#include "test_tmpdir.h"
#include "util/log.h"

typedef struct {
  uv_loop_t loop;
  config *cfg;
  station *st;
  curl_uv *cu;
  char dir[64];
} fx;

/* ---------- a station on a loop, and HTTP requests to it on that loop ---------- */

static int open_station(fx *f, const char *ocpp_url) {
  log_set_level(LOG_ERROR);
  if (test_tmpdir_make(f->dir, sizeof f->dir, "borne-settings-rt") != 0) return -1;
  f->cfg = config_new();
  char err[256];
  const char *sets[][2] = {{"http.listen", "127.0.0.1:0"},
                           {"station.connectors", "2"},
                           {"log.level", "error"},
                           {"ocpp.url", ocpp_url}};
  for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++)
    if (config_set(f->cfg, sets[i][0], sets[i][1], err, sizeof err) != 0) fail_msg("%s", err);
  uv_loop_init(&f->loop);
  f->st = calloc(1, sizeof *f->st);
  station_options opt = {.data_dir = f->dir, .cfg = f->cfg, .parts = &borne_station_parts};
  if (station_open(f->st, &f->loop, &opt, err, sizeof err) != 0) fail_msg("%s", err);
  f->cu = curl_uv_new(&f->loop);
  return 0;
}

static int setup_ocpp(void **state) {
  fx *f = calloc(1, sizeof *f);
  *state = f;
  /* a back end that is never there: the OCPP module runs and keeps retrying */
  return open_station(f, "ws://127.0.0.1:9/ocpp");
}

static int setup_no_ocpp(void **state) {
  fx *f = calloc(1, sizeof *f);
  *state = f;
  return open_station(f, "");
}

static int teardown(void **state) {
  fx *f = *state;
  curl_uv_close(f->cu);
  station_close(f->st);
  uv_run(&f->loop, UV_RUN_DEFAULT);
  station_free(f->st);
  free(f->st);
  assert_int_equal(uv_loop_close(&f->loop), 0);
  config_free(f->cfg);
  test_tmpdir_remove(f->dir);
  free(f);
  return 0;
}

typedef struct {
  bool done;
  long status;
  char *body;
  size_t len;
} reply;

static size_t on_body(char *data, size_t size, size_t n, void *ctx) {
  reply *r = ctx;
  char *grown = realloc(r->body, r->len + size * n + 1);
  if (!grown) return 0;
  r->body = grown;
  memcpy(r->body + r->len, data, size * n);
  r->len += size * n;
  r->body[r->len] = '\0';
  return size * n;
}

static void on_done(void *ctx, CURLcode rc, long status, const char *error) {
  reply *r = ctx;
  if (rc != CURLE_OK) fprintf(stderr, "request failed: %s\n", error);
  r->status = status;
  r->done = true;
}

/* METHOD PATH with a JSON body (may be NULL); the answer's body as JSON (the
 * caller decrefs), its text in *text when asked (the caller frees). */
static json_t *request(fx *f, const char *method, const char *path, json_t *body, long *status,
                       char **text) {
  char url[256], auth[128];
  snprintf(url, sizeof url, "http://127.0.0.1:%d%s", http_server_port(f->st->http), path);
  snprintf(auth, sizeof auth, "Authorization: Bearer %s", f->st->token);
  struct curl_slist *hdr = curl_slist_append(NULL, auth);
  hdr = curl_slist_append(hdr, "Content-Type: application/json");
  CURL *e = curl_easy_init();
  reply r = {0};
  char *payload = body ? json_dumps(body, JSON_COMPACT) : NULL;
  curl_easy_setopt(e, CURLOPT_URL, url);
  curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, hdr);
  if (payload) curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, payload);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, &r);
  free(payload);
  assert_int_equal(curl_uv_start(f->cu, e, on_done, &r), 0);
  while (!r.done) uv_run(&f->loop, UV_RUN_ONCE);
  curl_slist_free_all(hdr);
  *status = r.status;
  json_t *j = r.body ? json_loads(r.body, 0, NULL) : NULL;
  if (text)
    *text = r.body;
  else
    free(r.body);
  return j;
}

/* PUT /api/v1/settings {key: value}: the HTTP status; *restart tells whether
 * the answer lists the key in restart_required. */
static long put_setting(fx *f, const char *key, const char *value, bool *restart, char *err,
                        size_t errlen) {
  json_t *body = json_pack("{s:s}", key, value);
  long status;
  json_t *res = request(f, "PUT", "/api/v1/settings", body, &status, NULL);
  json_decref(body);
  *restart = false;
  err[0] = '\0';
  if (status == 200) {
    size_t i;
    json_t *k;
    json_array_foreach(json_object_get(res, "restart_required"), i, k) {
      if (!strcmp(json_string_value(k), key)) *restart = true;
    }
  } else {
    const char *e = json_string_value(json_object_get(res, "error"));
    snprintf(err, errlen, "%s", e ? e : "(no error)");
  }
  json_decref(res);
  return status;
}

/* ---------- values to change each key to ---------- */

/* Valid values of the run-time string keys (their shape is not generic). */
static const char *const string_samples[][2] = {
    {"ocpp.url", "ws://127.0.0.1:9/other"},
    {"tariff.currency", "CHF"},
    {"tariff.fallback_message", "0.40 EUR/kWh"},
    {"tariff.total_cost_fallback_message", "Your receipt follows by e-mail"},
    {"tariff.offline_fallback_message", "Offline: 0.40 EUR/kWh, shown at the station"},
    {"ocpp.ca_file", "/nonexistent/ca.pem"},
    {"ocpp.cert_file", "/nonexistent/cert.pem"},
    {"ocpp.key_file", "/nonexistent/key.pem"},
    {"ocpp.AuthorizationKey", "0123456789abcdefRUNTIME"},
    {"ocpp.free_id_tag", "RUNTIMETAG"},
    {"ocpp.CpoName", "Example CPO"},
    {"ocpp.ConnectorPhaseRotation", "0.RST,1.RST,2.RTS"},
    {"ocpp.MeterValuesAlignedData", "Energy.Active.Import.Register,Power.Active.Import"},
    {"ocpp.MeterValuesSampledData", "Energy.Active.Import.Register"},
    {"ocpp.StopTxnAlignedData", "Energy.Active.Import.Register"},
    {"ocpp.StopTxnSampledData", "Energy.Active.Import.Register,Current.Import"},
    {"schedule.windows", "Mon-Sun 22:00-06:00"},
    {"firmware.ca_file", "/nonexistent/manufacturer-root.pem"},
    {"payment.qr_url", "https://pay.example.org/{station}/{connector}"},
    {"payment.notice", "0.30 EUR/kWh"},
    {"ocpp.NetworkConfigurationPriority", "1,2"},
    {"ocpp.MasterPassGroupId", "MASTERGROUP"},
    {"ocpp.TxStopPoint", "Authorized,EVConnected"},
    {"ocpp.TxStartPoint", "EVConnected,EnergyTransfer"},
    {"ocpp.WebPaymentsURLTemplate", "https://pay.example.org/{chargingStationId}/{evse}/{totp}"},
    {"ocpp.WebPaymentsSharedSecret", "secure!Charging!"},
    {"network.interface.Wired0", "eth0"},
    {"network.interface.Wired1", "eth1"},
    {"network.interface.Wired2", "enp2s0"},
    {"network.interface.Wired3", "eth3"},
    {"network.interface.Wireless0", "wwan0"},
    {"network.interface.Wireless1", "wlan0"},
    {"network.interface.Wireless2", "wwan1"},
    {"network.interface.Wireless3", "wlan1"},
};

/* Appends v to out[] unless it is `now` or out[] is full. */
static void add(char out[][128], int *n, int max, const char *now, const char *v) {
  if (*n < max && (!now || strcmp(now, v) != 0)) snprintf(out[(*n)++], 128, "%s", v);
}

/* Candidate new values of `def`, other than `now`, into out[]; returns how
 * many. */
static int candidates(const cfg_key_def *def, const char *now, char out[][128], int max) {
  int n = 0;
  char buf[128];
  switch (def->type) {
  case CFG_BOOL:
    add(out, &n, max, now, now && !strcmp(now, "true") ? "false" : "true");
    break;
  case CFG_ENUM:
  case CFG_INT:
    if (def->choices) {
      for (const char *p = def->choices; *p;) {
        size_t w = strcspn(p, "|");
        snprintf(buf, sizeof buf, "%.*s", (int)w, p);
        add(out, &n, max, now, buf);
        p += w + (p[w] == '|');
      }
      break;
    }
    /* fall through */
  case CFG_NUMBER: {
    double vals[] = {def->min, def->max, (def->min + def->max) / 2};
    for (size_t i = 0; i < 3; i++) {
      if (def->type == CFG_INT)
        snprintf(buf, sizeof buf, "%ld", (long)vals[i]);
      else
        snprintf(buf, sizeof buf, "%.15g", vals[i]);
      add(out, &n, max, now, buf);
    }
    break;
  }
  case CFG_STRING:
    for (size_t i = 0; i < sizeof string_samples / sizeof string_samples[0]; i++)
      if (!strcmp(string_samples[i][0], def->key)) add(out, &n, max, now, string_samples[i][1]);
    break;
  }
  return n;
}

/* ---------- the walk ---------- */

static void every_runtime_key_reaches_its_user(void **state) {
  fx *f = *state;
  int n, walked = 0;
  const cfg_key_def *defs = config_registry(&n);
  for (int i = 0; i < n; i++) {
    const cfg_key_def *d = &defs[i];
    if (!config_key_runtime(d)) continue;
    char key[128];
    const char *star = strchr(d->key, '*');
    if (star && strncmp(d->key, "connector.", 10) != 0)
      fail_msg("%s: a run-time key under a named wildcard: teach this test its names", d->key);
    if (star)
      snprintf(key, sizeof key, "connector.2.%s", star + 2);
    else
      snprintf(key, sizeof key, "%s", d->key);
    const char *now = config_get(f->cfg, key);
    char values[8][128];
    int nv = candidates(d, now, values, 8);
    /* a key with one possible value (always true in borne) is set to it */
    if (nv == 0 && d->type == CFG_ENUM && !strchr(d->choices, '|')) {
      snprintf(values[0], sizeof values[0], "%s", d->choices);
      nv = 1;
    }
    if (nv == 0) fail_msg("%s: no value to change it to (add one to string_samples)", key);
    bool restart = false, accepted = false;
    char err[256] = "";
    for (int v = 0; v < nv && !accepted; v++) {
      long status = put_setting(f, key, values[v], &restart, err, sizeof err);
      if (status == 200) {
        accepted = true;
        char canon[CONFIG_VALUE_MAX + 1];
        char e2[64];
        config *probe = config_new();
        config_set(probe, key, values[v], e2, sizeof e2);
        snprintf(canon, sizeof canon, "%s", config_get(probe, key));
        config_free(probe);
        assert_string_equal(config_get(f->cfg, key), canon);
      } else if (status != 400) {
        fail_msg("PUT %s=%s: HTTP %ld: %s", key, values[v], status, err);
      }
    }
    if (!accepted) fail_msg("%s: no candidate value was accepted (last: %s)", key, err);
    station_setting_state use = station_setting_use(f->st, key);
    if (use == SETTING_UNUSED)
      fail_msg("%s: run time, but no module takes it (add it to a module's setting_state)", key);
    if (use == SETTING_STALE && !restart)
      fail_msg("%s: a module keeps the old value and the API did not say restart", key);
    if (use == SETTING_CURRENT && restart)
      fail_msg("%s: applied, yet reported in restart_required", key);
    /* run time means applied: a key that always waits for a restart is a
     * restart key (grid.source waits only for some values: see below) */
    if (use != SETTING_CURRENT)
      fail_msg("%s: run time in the registry, but a module keeps the old value until a restart "
               "(refresh it in setting_changed, or make the key a restart key)",
               key);
    walked++;
  }
  assert_true(walked >= 60);
}

/* A copy refreshed only by station_apply_setting: changed behind the
 * station's back, the modules that keep one see it stale; applied, current. */
static void copies_changed_behind_the_back_are_seen_stale(void **state) {
  fx *f = *state;
  static const char *const copied[][2] = {
      {"firmware.ca_file", "/elsewhere/root.pem"},         /* the updater's root (issue 22) */
      {"ocpp.call_timeout_s", "45"},                       /* the link's call timeout */
      {"ocpp.reconnect_max_s", "120"},                     /* the link's back-off */
      {"ocpp.AuthorizationKey", "0123456789abcdefBEHIND"}, /* the link's password */
      {"ocpp.HeartbeatInterval", "77"},                    /* the heartbeat timer */
      {"auth.timeout_s", "99"},                            /* the core's */
      {"connector.1.breaker_a", "20"},
      {"site.margin_a", "3"}, /* energy management */
  };
  char err[256];
  /* the firmware updater is made by the first update: until then nothing
   * holds firmware.ca_file (read when it is made); made, it keeps a copy */
  if (!station_firmware_made(f->st)) {
    if (config_set(f->cfg, "firmware.ca_file", "/before/root.pem", err, sizeof err) != 0)
      fail_msg("%s", err);
    assert_int_equal(station_setting_use(f->st, "firmware.ca_file"), SETTING_CURRENT);
  }
  firmware *fw = station_firmware(f->st);
  assert_non_null(fw);
  assert_string_equal(firmware_ca_file(fw), config_get(f->cfg, "firmware.ca_file"));
  for (size_t i = 0; i < sizeof copied / sizeof copied[0]; i++) {
    const char *key = copied[i][0];
    if (config_set(f->cfg, key, copied[i][1], err, sizeof err) != 0) fail_msg("%s", err);
    if (station_setting_use(f->st, key) != SETTING_STALE)
      fail_msg("%s changed without being applied, yet reported current", key);
    station_apply_setting(f->st, key);
    if (station_setting_use(f->st, key) != SETTING_CURRENT) fail_msg("%s: not applied", key);
  }
}

/* grid.source: switching to an input that must be opened (the CT clamps)
 * waits for a restart, and the API says so; back to `api` applies at once. */
static void grid_source_needing_an_input_says_restart(void **state) {
  fx *f = *state;
  bool restart;
  char err[256];
  assert_int_equal(put_setting(f, "grid.source", "ct", &restart, err, sizeof err), 200);
  assert_true(restart);
  assert_int_equal(station_setting_use(f->st, "grid.source"), SETTING_STALE);
  assert_int_equal(put_setting(f, "grid.source", "api", &restart, err, sizeof err), 200);
  assert_false(restart);
  assert_int_equal(station_setting_use(f->st, "grid.source"), SETTING_CURRENT);
}

/* Without a back end at start, ocpp.url attaches it at run time. */
static void ocpp_url_attaches_the_back_end(void **state) {
  fx *f = *state;
  bool restart;
  char err[256];
  assert_int_equal(station_setting_use(f->st, "ocpp.HeartbeatInterval"), SETTING_CURRENT);
  assert_int_equal(put_setting(f, "ocpp.url", "ws://127.0.0.1:9/late", &restart, err, sizeof err),
                   200);
  assert_false(restart);
  assert_int_equal(station_setting_use(f->st, "ocpp.url"), SETTING_CURRENT);
  assert_int_equal(put_setting(f, "ocpp.call_timeout_s", "50", &restart, err, sizeof err), 200);
  assert_false(restart);
  assert_int_equal(station_setting_use(f->st, "ocpp.call_timeout_s"), SETTING_CURRENT);
}

/* Issue 22: the command key is set in the configuration file only; secrets
 * are write-only in GET and PUT. */
static void file_only_refused_and_secrets_masked(void **state) {
  fx *f = *state;
  bool restart;
  char err[256];
  long status = put_setting(f, "firmware.install_command", "sh -c 'id > /tmp/pwned'", &restart, err,
                            sizeof err);
  assert_int_equal(status, 403);
  assert_non_null(strstr(err, "firmware.install_command: can only be set in the configuration"));
  assert_string_equal(config_get(f->cfg, "firmware.install_command"), "");
  /* all or nothing: a good key beside it is not saved either */
  json_t *both = json_pack("{s:s, s:s}", "auth.timeout_s", "77", "firmware.install_command", "x");
  json_t *res = request(f, "PUT", "/api/v1/settings", both, &status, NULL);
  assert_int_equal(status, 403);
  assert_int_equal(config_get_int(f->cfg, "auth.timeout_s"), 60);
  json_decref(res);
  json_decref(both);
  /* an import may carry the station's own (unchanged) value, not another */
  json_t *imp = json_pack("{s:{s:s}}", "settings", "firmware.install_command", "");
  res = request(f, "POST", "/api/v1/config/import", imp, &status, NULL);
  assert_int_equal(status, 200);
  json_decref(res);
  json_decref(imp);
  imp = json_pack("{s:{s:s}}", "settings", "firmware.install_command", "rm -rf /");
  char *text = NULL;
  res = request(f, "POST", "/api/v1/config/import", imp, &status, &text);
  assert_int_equal(status, 400);
  assert_non_null(strstr(text, "can only be set in the configuration file"));
  free(text);
  json_decref(res);
  json_decref(imp);

  /* a secret: the PUT answer, GET /settings and the export never show it */
  static const char key_value[] = "0123456789abcdefSECRET42";
  json_t *put = json_pack("{s:s}", "ocpp.AuthorizationKey", key_value);
  res = request(f, "PUT", "/api/v1/settings", put, &status, &text);
  assert_int_equal(status, 200);
  assert_null(strstr(text, key_value));
  assert_true(json_is_true(json_object_get(
      json_object_get(json_object_get(res, "applied"), "ocpp.AuthorizationKey"), "set")));
  free(text);
  json_decref(res);
  json_decref(put);
  assert_string_equal(config_get(f->cfg, "ocpp.AuthorizationKey"), key_value);
  res = request(f, "GET", "/api/v1/settings", NULL, &status, &text);
  assert_int_equal(status, 200);
  assert_null(strstr(text, key_value));
  json_t *shown = json_object_get(json_object_get(res, "settings"), "ocpp.AuthorizationKey");
  assert_true(json_is_object(shown));
  assert_true(json_is_true(json_object_get(shown, "set")));
  free(text);
  json_decref(res);
  res = request(f, "GET", "/api/v1/config/export", NULL, &status, &text);
  assert_int_equal(status, 200);
  assert_null(strstr(text, key_value));
  assert_string_equal(
      json_string_value(json_array_get(json_object_get(res, "secrets_excluded"), 0)),
      "ocpp.AuthorizationKey");
  free(text);
  json_decref(res);
  /* cleared: shown as not set */
  put = json_pack("{s:s}", "ocpp.AuthorizationKey", "");
  json_decref(request(f, "PUT", "/api/v1/settings", put, &status, NULL));
  json_decref(put);
  res = request(f, "GET", "/api/v1/settings", NULL, &status, NULL);
  shown = json_object_get(json_object_get(res, "settings"), "ocpp.AuthorizationKey");
  assert_true(json_is_false(json_object_get(shown, "set")));
  json_decref(res);
}

int main(void) {
  if (borne_keys_register() != 0) return 1; /* every module's configuration keys */
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(every_runtime_key_reaches_its_user, setup_ocpp, teardown),
      cmocka_unit_test_setup_teardown(copies_changed_behind_the_back_are_seen_stale, setup_ocpp,
                                      teardown),
      cmocka_unit_test_setup_teardown(grid_source_needing_an_input_says_restart, setup_ocpp,
                                      teardown),
      cmocka_unit_test_setup_teardown(ocpp_url_attaches_the_back_end, setup_no_ocpp, teardown),
      cmocka_unit_test_setup_teardown(file_only_refused_and_secrets_masked, setup_ocpp, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
