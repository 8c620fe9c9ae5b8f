/*
 * Configuration values: the registry lookup (with connector.N wildcards),
 * every type and its errors, the shape checks of string keys, canonical
 * storage, precedence of later sets, and the selector resolution.
 */
/* cmocka.h needs these first */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
// clang-format on

#include "keys/key_tables.h"
#include "config/config.h"

static int setup(void **state) {
  *state = config_new();
  return *state ? 0 : -1;
}

static int teardown(void **state) {
  config_free(*state);
  return 0;
}

/* config_set must fail and its message must contain `want`. */
static void set_fails(config *c, const char *key, const char *value, const char *want) {
  char err[256] = "";
  const char *before = config_get(c, key);
  char saved[600];
  snprintf(saved, sizeof saved, "%s", before ? before : "(null)");
  if (config_set(c, key, value, err, sizeof err) == 0)
    fail_msg("%s = `%s` was accepted", key, value);
  if (!strstr(err, want)) fail_msg("%s = `%s`: error `%s` lacks `%s`", key, value, err, want);
  const char *after = config_get(c, key);
  assert_string_equal(after ? after : "(null)", saved); /* a refused value changes nothing */
}

static void set_ok(config *c, const char *key, const char *value, const char *stored) {
  char err[256] = "";
  if (config_set(c, key, value, err, sizeof err) != 0)
    fail_msg("%s = `%s` refused: %s", key, value, err);
  assert_string_equal(config_get(c, key), stored);
}

static void wildcard_lookup_finds_connector_keys(void **state) {
  (void)state;
  const cfg_key_def *d = config_key_def("connector.2.phases");
  assert_non_null(d);
  assert_string_equal(d->key, "connector.*.phases");
  assert_ptr_equal(config_key_def("connector.8.gpio.lock"),
                   config_key_def("connector.1.gpio.lock"));
  assert_string_equal(config_key_def("station.id")->key, "station.id");
  assert_null(config_key_def("connector.9.phases"));
  assert_null(config_key_def("connector.0.phases"));
  assert_null(config_key_def("connector.x.phases"));
  assert_null(config_key_def("connector.01.phases"));
  assert_null(config_key_def("connector.10.phases"));
  assert_null(config_key_def("connector.*.phases")); /* the pattern is not a key */
  assert_null(config_key_def("connector.1.nope"));
  assert_null(config_key_def("station"));
  assert_null(config_key_def("station.id.x"));
  assert_null(config_key_def(""));
  assert_null(config_key_def(NULL));
}

static void named_wildcards_match_one_name_segment(void **state) {
  (void)state;
  assert_true(config_key_matches("meter.*.model", "meter.grid_1.model"));
  assert_false(config_key_matches("meter.*.model", "meter.Grid.model"));
  assert_false(config_key_matches("meter.*.model", "meter..model"));
  assert_false(config_key_matches("meter.*.model", "meter.a.b.model"));
  assert_false(config_key_matches("meter.*.model", "meter.*.model"));
  assert_false(config_key_matches("meter.*.model",
                                  "meter.abcdefghijklmnopqrstuvwxyz0123456.model")); /* 33 */
  assert_true(config_key_matches("connector.*.meter", "connector.8.meter"));
  assert_false(config_key_matches("connector.*.meter", "connector.grid.meter"));
  assert_true(config_key_matches("station.id", "station.id"));
  assert_false(config_key_matches("station.id", "station.idx"));
}

static void unknown_keys_are_errors(void **state) {
  config *c = *state;
  set_fails(c, "foo.bar", "1", "unknown key `foo.bar`");
  set_fails(c, "connector.9.phases", "1", "unknown key `connector.9.phases`");
  set_fails(c, "connector.x.phases", "1", "unknown key `connector.x.phases`");
  set_fails(c, "Station.id", "a", "unknown key");
  assert_null(config_get(c, "foo.bar"));
}

static void registry_rows_are_well_formed(void **state) {
  (void)state;
  int n = 0;
  const cfg_key_def *defs = config_registry(&n);
  assert_true(n >= 38);
  for (int i = 0; i < n; i++) {
    assert_non_null(defs[i].key);
    assert_non_null(defs[i].doc);
    assert_true(strlen(defs[i].doc) > 10);
    if (defs[i].type == CFG_ENUM) assert_non_null(defs[i].choices);
    if (defs[i].type == CFG_NUMBER) assert_true(defs[i].min < defs[i].max);
    for (int j = 0; j < i; j++) assert_string_not_equal(defs[i].key, defs[j].key);
  }
}

/* Every default passes its own validator, unchanged (already canonical). */
static void every_default_parses_under_its_validator(void **state) {
  config *c = *state;
  int n;
  const cfg_key_def *defs = config_registry(&n);
  int checked = 0;
  for (int i = 0; i < n; i++) {
    if (!defs[i].def) continue;
    char key[128];
    const char *star = strstr(defs[i].key, "*");
    if (star)
      snprintf(key, sizeof key, "%.*s1%s", (int)(star - defs[i].key), defs[i].key, star + 1);
    else
      snprintf(key, sizeof key, "%s", defs[i].key);
    assert_string_equal(config_get(c, key), defs[i].def);
    char err[256];
    if (config_set(c, key, defs[i].def, err, sizeof err) != 0)
      fail_msg("default of %s refused: %s", key, err);
    assert_string_equal(config_get(c, key), defs[i].def);
    checked++;
  }
  assert_true(checked >= 25);
}

static void required_keys_and_defaults(void **state) {
  config *c = *state;
  static const struct {
    const char *key, *def;
    bool runtime;
  } want[] = {
      {"station.id", "borne-sim-1", false},
      {"station.connectors", "2", false},
      {"station.vendor", "borne", false},
      {"station.model", "borne-sim", false},
      {"station.serial", "", false},
      {"http.listen", "127.0.0.1:8080", false},
      {"auth.mode", "badge", false},
      {"auth.timeout_s", "60", true},
      {"log.level", "info", true},
      {"hal.backend", "sim", false},
      {"sim.speed", "1", false},
      {"site.grid_type", "TN", false},
      {"site.phase_rotation", "L1L2L3", false},
      {"site.voltage_v", "230", false},
      {"connector.3.selector_a", "32", true},
      {"connector.3.phases", "3", false},
      {"connector.3.tethered", "false", false},
      {"connector.3.breaker_a", "32", true},
      {"connector.3.permanent_lock", "false", true},
      {"connector.3.ventilation", "false", true},
      {"connector.3.rcd_auto_retries", "0", true},
      {"connector.3.derate_temp_c", "70", true},
      {"connector.3.max_temp_c", "85", true},
      {"meter.sample_interval_s", "60", true},
      {"hal.sysfs_root", "/sys", false},
      {"hal.gpio_dev_root", "/dev", false},
  };
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
    const char *v = config_get(c, want[i].key);
    if (!v || strcmp(v, want[i].def) != 0)
      fail_msg("%s defaults to %s, want %s", want[i].key, v ? v : "NULL", want[i].def);
    assert_int_equal(config_key_runtime(config_key_def(want[i].key)), want[i].runtime);
  }
  static const char *const unset[] = {"connector.1.selector_position",
                                      "connector.1.gpio.contactor",
                                      "connector.1.gpio.contactor_feedback",
                                      "connector.1.gpio.lock",
                                      "connector.1.gpio.lock_feedback",
                                      "connector.1.gpio.rcd_trip",
                                      "connector.1.gpio.rcd_test",
                                      "connector.1.pwm",
                                      "connector.1.adc.cp",
                                      "connector.1.adc.pp",
                                      "connector.1.adc.temp"};
  for (size_t i = 0; i < sizeof unset / sizeof unset[0]; i++) {
    assert_non_null(config_key_def(unset[i]));
    assert_null(config_get(c, unset[i]));
  }
  assert_int_equal(config_get_int(c, "station.connectors"), 2);
  assert_true(config_get_number(c, "site.voltage_v") == 230.0);
  assert_false(config_get_bool(c, "connector.1.tethered"));
  assert_int_equal(config_get_int(c, "connector.1.selector_position"), 0); /* unset reads 0 */
}

static void bools_accept_the_documented_words(void **state) {
  config *c = *state;
  static const char *const yes[] = {"true", "yes", "on", "1"};
  static const char *const no[] = {"false", "no", "off", "0"};
  for (int i = 0; i < 4; i++) {
    set_ok(c, "connector.1.tethered", yes[i], "true");
    assert_true(config_get_bool(c, "connector.1.tethered"));
    set_ok(c, "connector.1.tethered", no[i], "false");
    assert_false(config_get_bool(c, "connector.1.tethered"));
  }
  set_fails(c, "connector.1.tethered", "perhaps",
            "connector.1.tethered: `perhaps` is not a boolean");
  set_fails(c, "connector.1.tethered", "", "not a boolean");
  set_fails(c, "connector.1.tethered", "TRUE", "not a boolean");
  set_fails(c, "connector.1.tethered", "2", "not a boolean");
  set_fails(c, "connector.1.tethered", "true ", "not a boolean");
}

static void ints_reject_garbage_and_overflow(void **state) {
  config *c = *state;
  set_ok(c, "auth.timeout_s", "120", "120");
  assert_int_equal(config_get_int(c, "auth.timeout_s"), 120);
  set_ok(c, "auth.timeout_s", "+30", "30");
  set_ok(c, "auth.timeout_s", "007", "7");
  set_fails(c, "auth.timeout_s", "12abc", "auth.timeout_s: `12abc` is not a whole number");
  set_fails(c, "auth.timeout_s", "", "not a whole number");
  set_fails(c, "auth.timeout_s", "1.5", "not a whole number");
  set_fails(c, "auth.timeout_s", "0x10", "not a whole number");
  set_fails(c, "auth.timeout_s", " 10", "not a whole number");
  set_fails(c, "auth.timeout_s", "-", "not a whole number");
  set_fails(c, "auth.timeout_s", "99999999999999999999999", "not a whole number");
  set_fails(c, "auth.timeout_s", "-99999999999999999999999", "not a whole number");
  set_fails(c, "auth.timeout_s", "4", "auth.timeout_s: 4 is out of range (5 to 600)");
  set_fails(c, "auth.timeout_s", "601", "out of range (5 to 600)");
  set_fails(c, "station.connectors", "9", "station.connectors: 9 is out of range (1 to 8)");
  set_fails(c, "station.connectors", "0", "out of range (1 to 8)");
  set_fails(c, "station.connectors", "-1", "out of range (1 to 8)");
  set_ok(c, "station.connectors", "8", "8");
  set_ok(c, "connector.1.rcd_auto_retries", "5", "5");
  set_fails(c, "connector.1.rcd_auto_retries", "6", "(0 to 5)");
  set_ok(c, "meter.sample_interval_s", "3600", "3600");
  set_fails(c, "meter.sample_interval_s", "0", "(1 to 3600)");
}

static void int_choices_say_what_is_allowed(void **state) {
  config *c = *state;
  set_fails(c, "connector.1.phases", "2", "connector.1.phases: 2 is not allowed (1 or 3)");
  set_ok(c, "connector.1.phases", "1", "1");
  set_ok(c, "connector.1.phases", "3", "3");
  static const char *const amps[] = {"32", "25", "20", "16", "12", "8"};
  for (int i = 0; i < 6; i++) set_ok(c, "connector.2.selector_a", amps[i], amps[i]);
  set_fails(c, "connector.2.selector_a", "17",
            "connector.2.selector_a: 17 is not allowed (32, 25, 20, 16, 12 or 8)");
  set_fails(c, "connector.2.selector_a", "6", "not allowed");
  set_fails(c, "connector.2.selector_a", "320", "not allowed");
  set_fails(c, "connector.2.selector_a", "16A", "not a whole number");
}

static void numbers_reject_nan_inf_and_garbage(void **state) {
  config *c = *state;
  set_ok(c, "sim.speed", "0.1", "0.1");
  set_ok(c, "sim.speed", "1e3", "1000");
  set_ok(c, "sim.speed", "100000", "100000");
  set_ok(c, "sim.speed", ".5", "0.5");
  assert_true(config_get_number(c, "sim.speed") == 0.5);
  set_ok(c, "site.voltage_v", "230.0", "230");
  static const char *const bad[] = {"nan", "NaN",  "inf", "-inf", "infinity", "fast", "",
                                    "1,5", "0x10", "1e",  "--1",  "1.2.3",    ".",    "1e99999"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    set_fails(c, "sim.speed", bad[i], "is not a number");
  set_fails(c, "sim.speed", "0.09", "sim.speed: 0.09 is out of range (0.1 to 100000)");
  set_fails(c, "sim.speed", "100001", "out of range");
  set_fails(c, "site.voltage_v", "99.9", "(100 to 277)");
  set_fails(c, "connector.1.breaker_a", "5", "(6 to 80)");
  set_fails(c, "connector.1.derate_temp_c", "101", "(40 to 100)");
  set_fails(c, "connector.1.max_temp_c", "49", "(50 to 110)");
  set_ok(c, "connector.1.breaker_a", "6.5", "6.5");
}

static void enums_match_exactly(void **state) {
  config *c = *state;
  set_ok(c, "auth.mode", "free", "free");
  set_ok(c, "auth.mode", "ocpp", "ocpp");
  set_fails(c, "auth.mode", "maybe", "auth.mode: `maybe` is not one of free, badge or ocpp");
  set_fails(c, "auth.mode", "Badge", "not one of");
  set_fails(c, "auth.mode", "", "not one of");
  set_fails(c, "auth.mode", "fre", "not one of");
  set_fails(c, "auth.mode", "free|badge", "not one of");
  set_ok(c, "site.grid_type", "IT", "IT");
  set_fails(c, "site.grid_type", "tn", "site.grid_type: `tn` is not one of TN, TT or IT");
  set_fails(c, "site.grid_type", "XX", "site.grid_type");
  set_ok(c, "site.phase_rotation", "L3L1L2", "L3L1L2");
  set_fails(c, "site.phase_rotation", "L1L3L2", "not one of");
  set_ok(c, "log.level", "debug", "debug");
  set_fails(c, "log.level", "trace", "not one of error, warn, info or debug");
  set_ok(c, "hal.backend", "linux", "linux");
  set_fails(c, "hal.backend", "gpio", "not one of sim or linux");
}

static void station_strings_are_checked(void **state) {
  config *c = *state;
  set_ok(c, "station.id", "hotel-du-lac_1.a", "hotel-du-lac_1.a");
  set_ok(c, "station.id", "a", "a");
  char id[50];
  memset(id, 'x', 48);
  id[48] = '\0';
  set_ok(c, "station.id", id, id);
  id[48] = 'x';
  id[49] = '\0';
  set_fails(c, "station.id", id, "at most 48 are allowed");
  set_fails(c, "station.id", "", "1 to 48 characters");
  set_fails(c, "station.id", "hotel 1", "may only contain");
  set_fails(c, "station.id", "hotel/1", "may only contain");
  set_fails(c, "station.id", "h\xc3\xb4tel", "may only contain");
  set_ok(c, "station.vendor", "ACME Charging", "ACME Charging");
  set_fails(c, "station.vendor", "", "1 to 20 characters");
  set_fails(c, "station.vendor", "123456789012345678901", "at most 20 are allowed");
  set_ok(c, "station.serial", "", "");
  set_fails(c, "station.serial", "12345678901234567890123456", "at most 25 are allowed");
  set_fails(c, "station.serial", "tab\there", "control character");
  set_ok(c, "hal.sysfs_root", "/tmp/fake-sys", "/tmp/fake-sys");
  set_fails(c, "hal.sysfs_root", "sys", "absolute path");
  set_ok(c, "sim.selftest_fail", "2:rcd", "2:rcd");
  set_fails(c, "sim.selftest_fail", "2:brakes", "CONNECTOR:rcd|contactor|cp|meter");
  set_fails(c, "sim.selftest_fail", "9:rcd", "CONNECTOR:");
}

/* The file keys of several modules share one check: an absolute path, or empty. */
static void file_keys_are_absolute_paths_or_empty(void **state) {
  config *c = *state;
  static const char *const keys[] = {"ocpp.ca_file",    "ocpp.cert_file", "ocpp.key_file",
                                     "ocmf.key_file",   "web.cert_file",  "web.key_file",
                                     "firmware.ca_file"};
  for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
    set_ok(c, keys[i], "/etc/borne/x.pem", "/etc/borne/x.pem");
    set_fails(c, keys[i], "x.pem", "`x.pem` must be an absolute path");
    set_fails(c, keys[i], "etc/borne/x.pem", "must be an absolute path");
    set_ok(c, keys[i], "", "");
  }
}

static void http_listen_is_host_and_port(void **state) {
  config *c = *state;
  static const char *const good[] = {"127.0.0.1:8080", "0.0.0.0:0",     "[::1]:8080",
                                     "[::]:65535",     "localhost:80",  "borne.local:8080",
                                     "a-b.example:1",  "[fe80::1]:443", "10.0.0.255:65535"};
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
    set_ok(c, "http.listen", good[i], good[i]);
  static const struct {
    const char *v, *why;
  } bad[] = {
      {"nonsense", "not HOST:PORT"},
      {"127.0.0.1", "not HOST:PORT"},
      {"127.0.0.1:", "port"},
      {"127.0.0.1:65536", "port"},
      {"127.0.0.1:80a", "port"},
      {"127.0.0.1:-1", "port"},
      {":8080", "host is missing"},
      {"999.1.1.1:80", "not an IPv4 address"},
      {"1.2.3:80", "not an IPv4 address"},
      {"::1:8080", "[ADDR]:PORT"},
      {"[::g]:80", "IPv6"},
      {"[]:80", "IPv6"},
      {"-bad.example:80", "host name"},
      {"bad-.example:80", "host name"},
      {"a..b:80", "host name"},
      {"under_score:80", "host name"},
      {"host name:80", "host name"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char want[128];
    snprintf(want, sizeof want, "http.listen: `%s`", bad[i].v);
    set_fails(c, "http.listen", bad[i].v, want);
    set_fails(c, "http.listen", bad[i].v, bad[i].why);
  }
}

static void pin_shapes_are_checked(void **state) {
  config *c = *state;
  set_ok(c, "connector.1.gpio.contactor", "gpiochip0:17", "gpiochip0:17");
  set_ok(c, "connector.1.gpio.rcd_test", "pinctrl-bcm2711:4", "pinctrl-bcm2711:4");
  set_fails(c, "connector.1.gpio.lock", "gpiochip0", "not CHIP:LINE");
  set_fails(c, "connector.1.gpio.lock", "gpiochip0:x", "not CHIP:LINE");
  set_fails(c, "connector.1.gpio.lock", ":17", "not CHIP:LINE");
  set_fails(c, "connector.1.gpio.lock", "gpiochip0:17:1", "not CHIP:LINE");
  set_ok(c, "connector.2.pwm", "pwmchip0:1", "pwmchip0:1");
  set_fails(c, "connector.2.pwm", "pwmchip:1", "not pwmchipN:CHANNEL");
  set_fails(c, "connector.2.pwm", "pwmchip0", "not pwmchipN:CHANNEL");
  set_fails(c, "connector.2.pwm", "gpiochip0:1", "not pwmchipN:CHANNEL");
  set_ok(c, "connector.2.adc.cp", "iio:device0:in_voltage0_raw", "iio:device0:in_voltage0_raw");
  set_fails(c, "connector.2.adc.pp", "iio:device0", "not iio:deviceN:CHANNEL");
  set_fails(c, "connector.2.adc.pp", "iio:deviceX:in_voltage1_raw", "not iio:deviceN");
  set_fails(c, "connector.2.adc.pp", "iio:device0:../../etc", "not iio:deviceN");
  /* empty clears an optional key */
  set_ok(c, "connector.2.pwm", "pwmchip1:0", "pwmchip1:0");
  char err[128];
  assert_int_equal(config_set(c, "connector.2.pwm", "", err, sizeof err), 0);
  assert_null(config_get(c, "connector.2.pwm"));
}

typedef struct {
  int n;
  char keys[8][64];
  char vals[8][64];
  int stop_at;
} collect_ctx;

static int collect(void *ctx, const char *key, const char *value) {
  collect_ctx *cc = ctx;
  if (cc->n >= 8) return 99;
  snprintf(cc->keys[cc->n], 64, "%s", key);
  snprintf(cc->vals[cc->n], 64, "%s", value);
  cc->n++;
  return cc->n == cc->stop_at ? 7 : 0;
}

static void later_sets_override_earlier_ones(void **state) {
  config *c = *state;
  set_ok(c, "auth.mode", "free", "free");
  set_ok(c, "connector.1.selector_a", "16", "16");
  set_ok(c, "connector.1.tethered", "yes", "true");
  set_ok(c, "auth.mode", "ocpp", "ocpp");
  set_ok(c, "connector.2.selector_a", "8", "8");
  set_ok(c, "connector.1.selector_a", "12", "12");
  assert_int_equal(config_get_int(c, "connector.1.selector_a"), 12);
  assert_int_equal(config_get_int(c, "connector.2.selector_a"), 8);
  assert_int_equal(config_get_int(c, "connector.3.selector_a"), 32); /* untouched: default */
  collect_ctx cc = {0};
  assert_int_equal(config_each_set(c, collect, &cc), 0);
  /* one entry per key, in the order first set, holding the last value */
  assert_int_equal(cc.n, 4);
  assert_string_equal(cc.keys[0], "auth.mode");
  assert_string_equal(cc.vals[0], "ocpp");
  assert_string_equal(cc.keys[1], "connector.1.selector_a");
  assert_string_equal(cc.vals[1], "12");
  assert_string_equal(cc.keys[2], "connector.1.tethered");
  assert_string_equal(cc.vals[2], "true"); /* canonical */
  assert_string_equal(cc.keys[3], "connector.2.selector_a");
}

static void each_set_stops_when_asked(void **state) {
  config *c = *state;
  collect_ctx cc = {0};
  assert_int_equal(config_each_set(c, collect, &cc), 0);
  assert_int_equal(cc.n, 0); /* defaults are not "set" */
  set_ok(c, "auth.mode", "free", "free");
  set_ok(c, "log.level", "warn", "warn");
  set_ok(c, "sim.speed", "10", "10");
  cc = (collect_ctx){.stop_at = 2};
  assert_int_equal(config_each_set(c, collect, &cc), 7);
  assert_int_equal(cc.n, 2);
}

/* Replaying each_set into a fresh config (what the API does for its scratch
 * copy and borned for saved settings) gives the same values. */
static int copy_into(void *ctx, const char *key, const char *value) {
  char err[128];
  return config_set(ctx, key, value, err, sizeof err) != 0;
}

static void canonical_values_replay_identically(void **state) {
  config *c = *state;
  set_ok(c, "connector.1.tethered", "on", "true");
  set_ok(c, "sim.speed", "2.50", "2.5");
  set_ok(c, "auth.timeout_s", "+045", "45");
  set_ok(c, "station.serial", "SN 1", "SN 1");
  set_ok(c, "connector.1.selector_position", "0", "0");
  config *copy = config_new();
  assert_int_equal(config_each_set(c, copy_into, copy), 0);
  static const char *const keys[] = {"connector.1.tethered", "sim.speed", "auth.timeout_s",
                                     "station.serial", "connector.1.selector_position"};
  for (size_t i = 0; i < 5; i++)
    assert_string_equal(config_get(copy, keys[i]), config_get(c, keys[i]));
  config_free(copy);
}

static void selector_position_wins_over_selector_a(void **state) {
  config *c = *state;
  assert_int_equal(config_selector_amps(c, 1), 32); /* default selector_a */
  set_ok(c, "connector.1.selector_a", "20", "20");
  assert_int_equal(config_selector_amps(c, 1), 20);
  static const int amps[10] = {32, 25, 20, 16, 12, 8, 8, 8, 8, 8};
  for (int p = 0; p <= 9; p++) {
    char v[4];
    snprintf(v, sizeof v, "%d", p);
    set_ok(c, "connector.1.selector_position", v, v);
    assert_int_equal(config_selector_amps(c, 1), amps[p]);
  }
  set_fails(c, "connector.1.selector_position", "10", "(0 to 9)");
  set_fails(c, "connector.1.selector_position", "-1", "(0 to 9)");
  assert_int_equal(config_selector_amps(c, 2), 32); /* other connector unaffected */
  char err[64];
  assert_int_equal(config_set(c, "connector.1.selector_position", "", err, sizeof err), 0);
  assert_null(config_get(c, "connector.1.selector_position"));
  assert_int_equal(config_selector_amps(c, 1), 20); /* back to selector_a */
  /* an empty value does not clear a key that has a default */
  set_fails(c, "connector.1.selector_a", "", "not a whole number");
}

static void validate_matches_set_without_storing(void **state) {
  config *c = *state;
  char err[128] = "";
  assert_int_equal(config_validate("connector.4.phases", "1", err, sizeof err), 0);
  assert_int_equal(config_validate("connector.4.phases", "2", err, sizeof err), -1);
  assert_string_equal(err, "connector.4.phases: 2 is not allowed (1 or 3)");
  assert_int_equal(config_validate("nope", "2", err, sizeof err), -1);
  assert_string_equal(err, "unknown key `nope`");
  assert_string_equal(config_get(c, "connector.4.phases"), "3");
}

static void errors_fit_any_buffer(void **state) {
  config *c = *state;
  char tiny[8];
  memset(tiny, 'z', sizeof tiny);
  assert_int_equal(config_set(c, "connector.1.phases", "2", tiny, sizeof tiny), -1);
  assert_string_equal(tiny, "connect"); /* truncated, terminated */
  assert_int_equal(config_set(c, "connector.1.phases", "2", NULL, 0), -1);
  assert_int_equal(config_set(c, "connector.1.phases", NULL, tiny, sizeof tiny), -1);
  assert_int_equal(config_set(NULL, "connector.1.phases", "1", tiny, sizeof tiny), -1);
  assert_int_equal(config_set(c, NULL, "1", tiny, sizeof tiny), -1);
  static char huge[CONFIG_VALUE_MAX + 100];
  memset(huge, 'a', sizeof huge - 1);
  huge[sizeof huge - 1] = '\0';
  set_fails(c, "station.serial", huge, "4099 characters long; at most 25 are allowed");
  set_fails(c, "auth.mode", huge, "longer than 4000"); /* not a string: the common bound */
  set_fails(c, "station.vendor", "a\nb", "control character");
}

/* A concrete key of a registry pattern: `*` is connector 1 or the name x. */
static void concrete_key(const char *pattern, char *out, size_t len) {
  size_t o = 0;
  bool conn = strncmp(pattern, "connector.", 10) == 0;
  for (const char *p = pattern; *p && o + 2 < len; p++)
    out[o++] = *p == '*' ? (conn ? '1' : 'x') : *p;
  out[o] = '\0';
}

/* Issue 22: every string key has a bound, enforced by config_set (file, API
 * and OCPP alike), and the error names it. */
static void every_string_key_has_a_length_bound(void **state) {
  config *c = *state;
  int n, strings = 0;
  const cfg_key_def *defs = config_registry(&n);
  static char value[CONFIG_VALUE_MAX + 2];
  for (int i = 0; i < n; i++) {
    const cfg_key_def *d = &defs[i];
    if (d->type != CFG_STRING) continue;
    strings++;
    if (!(d->max >= 1 && d->max <= CONFIG_VALUE_MAX && d->min == 0))
      fail_msg("%s: no length bound (max %g)", d->key, d->max);
    char key[128], want[64];
    concrete_key(d->key, key, sizeof key);
    size_t max = (size_t)d->max;
    memset(value, 'a', max + 1);
    value[max + 1] = '\0';
    snprintf(want, sizeof want, "%zu characters long; at most %zu are allowed", max + 1, max);
    set_fails(c, key, value, want);
    char err[256] = "";
    assert_int_equal(config_validate(key, value, err, sizeof err), -1);
    /* exactly the bound is not refused for its length (perhaps for its shape) */
    value[max] = '\0';
    err[0] = '\0';
    if (config_set(c, key, value, err, sizeof err) != 0 && strstr(err, "are allowed"))
      fail_msg("%s: %zu characters refused for their length: %s", key, max, err);
  }
  assert_true(strings >= 40);
  /* the bounds of their specs */
  static const struct {
    const char *key;
    double max;
  } spec[] = {
      {"ocpp.free_id_tag", 20}, /* OCPP 1.6 IdToken: CiString20 */
      {"ocpp.AuthorizationKey", 40},
      {"ocpp.CpoName", 64}, /* X.509 organizationName (RFC 5280 ub-organization-name) */
      /* ChangeConfiguration.req value and GetConfiguration.conf value: 500 */
      {"ocpp.ConnectorPhaseRotation", 500},
      {"ocpp.MeterValuesAlignedData", 500},
      {"ocpp.MeterValuesSampledData", 500},
      {"ocpp.StopTxnAlignedData", 500},
      {"ocpp.StopTxnSampledData", 500},
      {"station.vendor", 20}, /* BootNotification chargePointVendor: CiString20 */
      {"station.model", 20},
      {"station.serial", 25},
  };
  for (size_t i = 0; i < sizeof spec / sizeof spec[0]; i++)
    if (config_key_def(spec[i].key)->max != spec[i].max)
      fail_msg("%s: bound %g, want %g", spec[i].key, config_key_def(spec[i].key)->max, spec[i].max);
  char err[256];
  assert_int_equal(config_set(c, "ocpp.free_id_tag", "ABCDEFGHIJ0123456789", err, sizeof err), 0);
  set_fails(c, "ocpp.free_id_tag", "ABCDEFGHIJ0123456789X", "at most 20 are allowed");
}

/* Issue 22: secrets and keys the API and OCPP may not set. */
static void secret_and_file_only_keys(void **state) {
  (void)state;
  assert_true(config_key_secret(config_key_def("ocpp.AuthorizationKey")));
  assert_false(config_key_secret(config_key_def("ocpp.url")));
  assert_false(config_key_secret(NULL));
  const cfg_key_def *cmd = config_key_def("firmware.install_command");
  assert_true(config_key_file_only(cmd));
  assert_false(config_key_runtime(cmd)); /* the file is read at start */
  char err[256] = "";
  assert_int_equal(config_settable_remotely("firmware.install_command", err, sizeof err), -1);
  assert_non_null(
      strstr(err, "firmware.install_command: can only be set in the configuration file"));
  assert_int_equal(config_settable_remotely("firmware.ca_file", err, sizeof err), 0);
  assert_int_equal(config_settable_remotely("no.such.key", err, sizeof err), -1);
  assert_non_null(strstr(err, "unknown key"));
  /* the file and --set still set it */
  config *c = config_new();
  assert_int_equal(config_load_string(c, "firmware.install_command = rauc install {file}\n",
                                      "t.conf", err, sizeof err),
                   0);
  assert_string_equal(config_get(c, "firmware.install_command"), "rauc install {file}");
  config_free(c);
  /* no key that runs a command is left settable from outside */
  int n;
  const cfg_key_def *defs = config_registry(&n);
  for (int i = 0; i < n; i++) {
    const cfg_key_def *d = &defs[i];
    bool runs = (d->format && strstr(d->format, "command")) || strstr(d->doc, "/bin/sh");
    if (runs && !config_key_file_only(d))
      fail_msg("%s runs a command but is not file only", d->key);
    if (config_key_file_only(d) && config_key_runtime(d))
      fail_msg("%s: file only and run time", d->key);
  }
}

/* The generation tells a module whether its copies are older than a key. */
static void generations_follow_changes(void **state) {
  config *c = *state;
  char err[128];
  assert_int_equal(config_changed_at(c, "auth.timeout_s"), 0);
  unsigned long g0 = config_generation(c);
  assert_int_equal(config_set(c, "auth.timeout_s", "90", err, sizeof err), 0);
  unsigned long g1 = config_changed_at(c, "auth.timeout_s");
  assert_true(g1 > g0);
  assert_int_equal(config_generation(c), g1);
  assert_int_equal(config_set(c, "log.level", "debug", err, sizeof err), 0);
  assert_int_equal(config_changed_at(c, "auth.timeout_s"), g1); /* another key: unchanged */
  assert_true(config_changed_at(c, "log.level") > g1);
  /* a refused value changes nothing */
  unsigned long g2 = config_generation(c);
  assert_int_equal(config_set(c, "auth.timeout_s", "1", err, sizeof err), -1);
  assert_int_equal(config_generation(c), g2);
  /* clearing an optional key is a change too, and setting it again */
  assert_int_equal(config_set(c, "site.limit_a", "40", err, sizeof err), 0);
  unsigned long set_at = config_changed_at(c, "site.limit_a");
  assert_int_equal(config_set(c, "site.limit_a", "", err, sizeof err), 0);
  assert_null(config_get(c, "site.limit_a"));
  unsigned long cleared_at = config_changed_at(c, "site.limit_a");
  assert_true(cleared_at > set_at);
  assert_int_equal(config_set(c, "site.limit_a", "50", err, sizeof err), 0);
  assert_true(config_changed_at(c, "site.limit_a") > cleared_at);
  assert_string_equal(config_get(c, "site.limit_a"), "50");
}

int main(void) {
  if (borne_keys_register() != 0) return 1; /* every module's configuration keys */
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(wildcard_lookup_finds_connector_keys),
      cmocka_unit_test(named_wildcards_match_one_name_segment),
      cmocka_unit_test_setup_teardown(unknown_keys_are_errors, setup, teardown),
      cmocka_unit_test(registry_rows_are_well_formed),
      cmocka_unit_test_setup_teardown(every_default_parses_under_its_validator, setup, teardown),
      cmocka_unit_test_setup_teardown(required_keys_and_defaults, setup, teardown),
      cmocka_unit_test_setup_teardown(bools_accept_the_documented_words, setup, teardown),
      cmocka_unit_test_setup_teardown(ints_reject_garbage_and_overflow, setup, teardown),
      cmocka_unit_test_setup_teardown(int_choices_say_what_is_allowed, setup, teardown),
      cmocka_unit_test_setup_teardown(numbers_reject_nan_inf_and_garbage, setup, teardown),
      cmocka_unit_test_setup_teardown(enums_match_exactly, setup, teardown),
      cmocka_unit_test_setup_teardown(station_strings_are_checked, setup, teardown),
      cmocka_unit_test_setup_teardown(every_string_key_has_a_length_bound, setup, teardown),
      cmocka_unit_test(secret_and_file_only_keys),
      cmocka_unit_test_setup_teardown(generations_follow_changes, setup, teardown),
      cmocka_unit_test_setup_teardown(file_keys_are_absolute_paths_or_empty, setup, teardown),
      cmocka_unit_test_setup_teardown(http_listen_is_host_and_port, setup, teardown),
      cmocka_unit_test_setup_teardown(pin_shapes_are_checked, setup, teardown),
      cmocka_unit_test_setup_teardown(later_sets_override_earlier_ones, setup, teardown),
      cmocka_unit_test_setup_teardown(each_set_stops_when_asked, setup, teardown),
      cmocka_unit_test_setup_teardown(canonical_values_replay_identically, setup, teardown),
      cmocka_unit_test_setup_teardown(selector_position_wins_over_selector_a, setup, teardown),
      cmocka_unit_test_setup_teardown(validate_matches_set_without_storing, setup, teardown),
      cmocka_unit_test_setup_teardown(errors_fit_any_buffer, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
