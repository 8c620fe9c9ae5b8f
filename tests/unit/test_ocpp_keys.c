/*
 * The OCPP configuration keys (src/ocpp/ocpp_keys.[ch]) are described once,
 * by their rows in the configuration registry (ocpp_name, CFG_OCPP_READONLY),
 * plus the (fixed) keys that describe the firmware. This test holds that
 * description to what the back end and the reader see:
 *   - GetConfiguration without keys lists every key exactly once, in the
 *     order, with the access, borne key and default of the table of
 *     docs/ocpp16.md ("Configuration keys"), whose write-only keys are
 *     secrets of the registry;
 *   - every registry row with an OCPP name answers GetConfiguration (unless
 *     it is a secret) and maps back to its borne key;
 *   - a registry row's access decides ChangeConfiguration.
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

#include "keys/key_tables.h"
#include "ocpp/ocpp_keys.h"
#include "test_tmpdir.h"
#include "config/config.h"
#include "store/store.h"
#include "util/log.h"

/* BORNE_TEST_DATA_DIR is SOURCE/tests/data: the docs are SOURCE/docs. */
static char *read_doc(const char *name) {
  char path[1024];
  snprintf(path, sizeof path, "%s", BORNE_TEST_DATA_DIR);
  for (int i = 0; i < 2; i++) {
    char *slash = strrchr(path, '/');
    if (slash) *slash = '\0';
  }
  strncat(path, "/docs/", sizeof path - strlen(path) - 1);
  strncat(path, name, sizeof path - strlen(path) - 1);
  FILE *f = fopen(path, "rb");
  if (!f) fail_msg("cannot open %s", path);
  char *text = calloc(1, 1 << 20);
  assert_non_null(text);
  size_t n = fread(text, 1, (1 << 20) - 1, f);
  fclose(f);
  text[n] = '\0';
  return text;
}

/* One cell of a markdown table row starting at *p ("| `x` | ..."), without
 * its backquotes; *p moves to the next cell. */
static void cell(const char **p, char *out, size_t len) {
  const char *s = *p + strspn(*p, "| ");
  const char *e = strchr(s, '|');
  assert_non_null(e);
  const char *t = e;
  while (t > s && t[-1] == ' ') t--;
  if (t - s >= 2 && s[0] == '`' && t[-1] == '`') s++, t--;
  snprintf(out, len, "%.*s", (int)(t - s), s);
  *p = e;
}

/* Whether docs/ocpp16.md's table is GetConfiguration's answer, row by row;
 * false with the first difference in why. Fails nothing itself, so that the
 * caller frees what it holds before failing (no leak under LeakSanitizer). */
static bool docs_table_matches(const char *doc, const json_t *keys, char *why, size_t len) {
  const char *row = strstr(doc, "| OCPP key | access | borne key | default |\n");
  if (!row) {
    snprintf(why, len, "docs/ocpp16.md has no GetConfiguration table");
    return false;
  }
  row = strchr(row, '\n') + 1;
  row = strchr(row, '\n') + 1; /* the |---| line */
  size_t i = 0;
  for (; row[0] == '|'; row = strchr(row, '\n') + 1) {
    char name[64], access[16], borne[64], def[160];
    const char *p = row;
    cell(&p, name, sizeof name);
    cell(&p, access, sizeof access);
    cell(&p, borne, sizeof borne);
    cell(&p, def, sizeof def);
    if (strcmp(access, "write-only") == 0) { /* a secret: never listed, never shown */
      const char *b = ocpp_keys_borne_key(name);
      if (!b || strcmp(borne, b) != 0 || !config_key_secret(config_key_def(b))) {
        snprintf(why, len, "%s: write-only in docs/ocpp16.md, but %s is not a secret key", name,
                 b ? b : "(none)");
        return false;
      }
      continue;
    }
    const json_t *k = json_array_get(keys, i);
    if (!k) {
      snprintf(why, len, "docs/ocpp16.md lists %s, GetConfiguration has %zu keys", name, i);
      return false;
    }
    const char *got = json_string_value(json_object_get(k, "key"));
    if (!got || strcmp(got, name) != 0) {
      snprintf(why, len, "key %zu: docs/ocpp16.md %s, GetConfiguration %s", i, name,
               got ? got : "(none)");
      return false;
    }
    bool ro = json_is_true(json_object_get(k, "readonly"));
    if (strcmp(access, ro ? "read-only" : "read-write") != 0) {
      snprintf(why, len, "%s: docs/ocpp16.md says %s", name, access);
      return false;
    }
    const char *b = ocpp_keys_borne_key(name);
    if (strcmp(borne, b ? b : "(fixed)") != 0) {
      snprintf(why, len, "%s: docs/ocpp16.md says %s, the registry %s", name, borne,
               b ? b : "(fixed)");
      return false;
    }
    const char *v = json_string_value(json_object_get(k, "value"));
    if (strcmp(def, v ? v : "") != 0) {
      snprintf(why, len, "%s: docs/ocpp16.md default %s, value %s", name, def, v ? v : "(none)");
      return false;
    }
    i++;
  }
  if (i != json_array_size(keys) || i < 40) {
    snprintf(why, len, "docs/ocpp16.md lists %zu keys, GetConfiguration %zu", i,
             json_array_size(keys));
    return false;
  }
  return true;
}

static void docs_table_is_get_configuration(void **state) {
  (void)state;
  char *doc = read_doc("ocpp16.md"); /* first: it fails before holding anything */
  config *cfg = config_new();
  json_t *all = ocpp_keys_get(cfg, NULL);
  char why[400] = "";
  bool ok = docs_table_matches(doc, json_object_get(all, "configurationKey"), why, sizeof why);
  free(doc);
  json_decref(all);
  config_free(cfg);
  if (!ok) fail_msg("%s", why);
}

static void every_registry_ocpp_key_is_answered(void **state) {
  (void)state;
  config *cfg = config_new();
  json_t *all = ocpp_keys_get(cfg, NULL);
  int n, named = 0;
  const cfg_key_def *defs = config_registry(&n);
  for (int i = 0; i < n; i++) {
    if (!defs[i].ocpp_name) continue;
    named++;
    assert_string_equal(ocpp_keys_borne_key(defs[i].ocpp_name), defs[i].key);
    int seen = 0;
    size_t j;
    const json_t *k;
    json_array_foreach(json_object_get(all, "configurationKey"), j, k) {
      if (strcmp(json_string_value(json_object_get(k, "key")), defs[i].ocpp_name) != 0) continue;
      seen++;
      assert_int_equal(json_is_true(json_object_get(k, "readonly")),
                       (defs[i].flags & CFG_OCPP_READONLY) != 0);
    }
    if (seen != (config_key_secret(&defs[i]) ? 0 : 1))
      fail_msg("%s (%s) is listed %d times", defs[i].ocpp_name, defs[i].key, seen);
  }
  assert_true(named >= 25); /* the core's two and the ocpp module's */
  json_decref(all);
  config_free(cfg);
}

/* A key is read-only over OCPP exactly when its registry row says so. */
static void registry_access_decides_change(void **state) {
  (void)state;
  char dir[128], path[160], err[256];
  assert_int_equal(test_tmpdir_make(dir, sizeof dir, "borne-ocpp-keys"), 0);
  snprintf(path, sizeof path, "%s/borne.db", dir);
  store *db;
  if (store_open(&db, path, err, sizeof err) != 0) fail_msg("store_open: %s", err);
  config *cfg = config_new();
  char applied[96] = "";
  assert_string_equal(ocpp_keys_change(db, cfg, "NumberOfConnectors", "2", applied, sizeof applied),
                      "Rejected");
  assert_string_equal(
      ocpp_keys_change(db, cfg, "SendLocalListMaxLength", "10", applied, sizeof applied),
      "Rejected");
  assert_string_equal(applied, "");
  /* the same row without the flag would be writable: ConnectionTimeOut is */
  assert_string_equal(ocpp_keys_change(db, cfg, "connectiontimeout", "90", applied, sizeof applied),
                      "Accepted");
  assert_string_equal(applied, "auth.timeout_s");
  assert_string_equal(config_get(cfg, "auth.timeout_s"), "90");
  /* a fixed key is never a setting */
  assert_string_equal(
      ocpp_keys_change(db, cfg, "SupportedFeatureProfiles", "Core", applied, sizeof applied),
      "Rejected");
  assert_string_equal(ocpp_keys_change(db, cfg, "NoSuchKey", "1", applied, sizeof applied),
                      "NotSupported");
  /* OCPP 2.0.1 TxStartPoint / TxStopPoint: the points an AC badge station has (E01/E06) */
  static const struct {
    const char *key, *value, *want;
  } points[] = {
      {"TxStartPoint", "PowerPathClosed", "Accepted"},
      {"TxStartPoint", "EVConnected", "Accepted"},
      {"TxStartPoint", "Authorized,EVConnected", "Accepted"},
      {"TxStartPoint", "PowerPathClosed,EnergyTransfer", "Accepted"},
      {"TxStartPoint", "EnergyTransfer", "Accepted"},
      {"TxStartPoint", "Parking", "Rejected"},
      {"TxStartPoint", "ParkingBayOccupancy", "Rejected"},
      {"TxStartPoint", "DataSigned,EVConnected", "Rejected"},
      {"TxStartPoint", "EVConnected,", "Rejected"},
      {"TxStartPoint", "", "Rejected"},
      {"TxStopPoint", "Authorized,EVConnected", "Accepted"},
      {"TxStopPoint", "EVConnected,Authorized", "Accepted"},
      {"TxStopPoint", "EVConnected", "Accepted"},
      {"TxStopPoint", "EnergyTransfer", "Accepted"},
      {"TxStopPoint", "PowerPathClosed", "Accepted"},
      {"TxStopPoint", "ParkingBayOccupancy,EVConnected,Authorized", "Rejected"},
  };
  for (size_t i = 0; i < sizeof points / sizeof points[0]; i++) {
    const char *got =
        ocpp_keys_change(db, cfg, points[i].key, points[i].value, applied, sizeof applied);
    if (strcmp(got, points[i].want) != 0)
      fail_msg("%s = '%s': %s, not %s", points[i].key, points[i].value, got, points[i].want);
  }
  assert_string_equal(config_get(cfg, "ocpp.TxStopPoint"), "PowerPathClosed");
  assert_string_equal(config_get(cfg, "ocpp.TxStartPoint"), "EnergyTransfer");
  config_free(cfg);
  store_close(db);
  test_tmpdir_remove(dir);
}

int main(void) {
  log_set_level(LOG_ERROR);
  if (config_registry_add_table(&ocpp_keys) != 0) return 1; /* the ocpp.* keys */
  /* and the other tables with OCPP names (TariffCostCtrlr's fallback messages) */
  if (config_registry_add_table(&tariff_keys) != 0) return 1;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(docs_table_is_get_configuration),
      cmocka_unit_test(every_registry_ocpp_key_is_answered),
      cmocka_unit_test(registry_access_decides_change),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
