/*
 * Cross-key checks (config_check): connector keys beyond
 * station.connectors, temperature thresholds, the Linux pin map's required
 * and duplicated pins. Order of sets must not matter: --set
 * connector.3.phases=1 before --connectors 2 is still refused.
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

static void set(config *c, const char *key, const char *value) {
  char err[256];
  if (config_set(c, key, value, err, sizeof err) != 0) fail_msg("%s", err);
}

static void check_ok(const config *c) {
  char err[256] = "";
  if (config_check(c, err, sizeof err) != 0) fail_msg("refused: %s", err);
}

static void check_fails(const config *c, const char *want) {
  char err[256] = "";
  assert_int_equal(config_check(c, err, sizeof err), -1);
  if (strcmp(err, want) != 0) fail_msg("error `%s`, want `%s`", err, want);
}

static void defaults_pass(void **state) { check_ok(*state); }

static void connector_keys_beyond_the_count_are_refused(void **state) {
  config *c = *state;
  set(c, "connector.3.phases", "1"); /* accepted alone: the count may come later */
  set(c, "station.connectors", "2");
  check_fails(c, "connector.3.phases: connector 3 does not exist (station.connectors = 2)");
  set(c, "station.connectors", "3");
  check_ok(c);
  set(c, "station.connectors", "1");
  set(c, "connector.3.phases", "3");
  check_fails(c, "connector.3.phases: connector 3 does not exist (station.connectors = 1)");
}

static void selftest_fail_must_name_an_existing_connector(void **state) {
  config *c = *state;
  set(c, "sim.selftest_fail", "2:rcd");
  check_ok(c);
  set(c, "sim.selftest_fail", "3:meter");
  check_fails(c, "sim.selftest_fail: connector 3 does not exist (station.connectors = 2)");
}

static void max_temp_must_be_above_derate(void **state) {
  config *c = *state;
  set(c, "connector.2.derate_temp_c", "80");
  set(c, "connector.2.max_temp_c", "80");
  check_fails(c, "connector.2.max_temp_c: 80 must be above connector.2.derate_temp_c (80): "
                 "derating starts before the stop");
  set(c, "connector.2.max_temp_c", "80.5");
  check_ok(c);
  /* the default max (85) against a raised derate */
  set(c, "connector.1.derate_temp_c", "90");
  check_fails(c, "connector.1.max_temp_c: 85 must be above connector.1.derate_temp_c (90): "
                 "derating starts before the stop");
}

static void linux_pins(config *c, int n, bool socket) {
  char key[64], v[64];
  static const char *const gpio[] = {"contactor",     "contactor_feedback", "lock",
                                     "lock_feedback", "rcd_trip",           "rcd_test"};
  for (int i = 0; i < 6; i++) {
    if (!socket && i >= 2 && i <= 3) continue;
    snprintf(key, sizeof key, "connector.%d.gpio.%s", n, gpio[i]);
    snprintf(v, sizeof v, "gpiochip0:%d", n * 10 + i);
    set(c, key, v);
  }
  snprintf(key, sizeof key, "connector.%d.pwm", n);
  snprintf(v, sizeof v, "pwmchip0:%d", n - 1);
  set(c, key, v);
  snprintf(key, sizeof key, "connector.%d.adc.cp", n);
  snprintf(v, sizeof v, "iio:device0:in_voltage%d_raw", n * 2);
  set(c, key, v);
  if (socket) {
    snprintf(key, sizeof key, "connector.%d.adc.pp", n);
    snprintf(v, sizeof v, "iio:device0:in_voltage%d_raw", n * 2 + 1);
    set(c, key, v);
  }
}

static void linux_backend_needs_its_pins(void **state) {
  config *c = *state;
  set(c, "hal.backend", "linux");
  check_fails(c, "connector.1.gpio.contactor: required when hal.backend = linux");
  linux_pins(c, 1, true);
  check_fails(c, "connector.2.gpio.contactor: required when hal.backend = linux");
  linux_pins(c, 2, false);
  check_fails(c, "connector.2.gpio.lock: required when hal.backend = linux and the connector is "
                 "a socket (tethered = false)");
  set(c, "connector.2.tethered", "true");
  check_ok(c);
  set(c, "connector.1.pwm", "");
  check_fails(c, "connector.1.pwm: required when hal.backend = linux");
  set(c, "connector.1.pwm", "pwmchip0:0");
  check_ok(c);
  /* the simulator needs no pins */
  set(c, "hal.backend", "sim");
  set(c, "connector.1.adc.cp", "");
  check_ok(c);
}

/* connector.N.type: a cable type on a tethered connector, a socket type on a
 * socket; auto and the Other... types on either */
static void connector_type_agrees_with_tethered(void **state) {
  config *c = *state;
  set(c, "connector.1.type", "cType1");
  check_fails(c, "connector.1.type: cType1 is a cable but connector.1.tethered is false");
  set(c, "connector.1.tethered", "true");
  check_ok(c);
  set(c, "connector.1.type", "sType2");
  check_fails(c, "connector.1.type: sType2 is a socket but connector.1.tethered is true");
  set(c, "connector.1.type", "Other1PhMax16A");
  check_ok(c);
  set(c, "connector.1.type", "auto");
  check_ok(c);
  char err[256];
  assert_int_equal(config_set(c, "connector.1.type", "cCCS2", err, sizeof err), -1); /* DC */
}

static void a_pin_is_used_once(void **state) {
  config *c = *state;
  set(c, "hal.backend", "linux");
  linux_pins(c, 1, true);
  linux_pins(c, 2, true);
  check_ok(c);
  set(c, "connector.2.gpio.rcd_test", "gpiochip0:10"); /* connector 1's contactor */
  check_fails(c, "connector.2.gpio.rcd_test: gpiochip0:10 is already used by "
                 "connector.1.gpio.contactor");
  set(c, "connector.2.gpio.rcd_test", "gpiochip1:10"); /* another chip: fine */
  check_ok(c);
  set(c, "connector.2.pwm", "pwmchip0:0");
  check_fails(c, "connector.2.pwm: pwmchip0:0 is already used by connector.1.pwm");
}

/* The station-wide lines (tamper switch, shunt-trip relay) are checked
 * against the connectors' and each other, whatever their `!`. */
static void station_lines_are_not_connector_lines(void **state) {
  config *c = *state;
  set(c, "hal.backend", "linux");
  linux_pins(c, 1, true);
  linux_pins(c, 2, true);
  set(c, "tamper.gpio", "!gpiochip0:10"); /* connector 1's contactor */
  check_fails(c, "tamper.gpio: !gpiochip0:10 is already used by connector.1.gpio.contactor");
  set(c, "tamper.gpio", "gpiochip3:1");
  check_ok(c);
  set(c, "shunt_trip.gpio", "!gpiochip3:1");
  check_fails(c, "shunt_trip.gpio: !gpiochip3:1 is already used by tamper.gpio");
  set(c, "shunt_trip.gpio", "gpiochip3:2");
  check_ok(c);
}

int main(void) {
  if (borne_keys_register() != 0) return 1; /* every module's configuration keys */
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(defaults_pass, setup, teardown),
      cmocka_unit_test_setup_teardown(connector_keys_beyond_the_count_are_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(selftest_fail_must_name_an_existing_connector, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(max_temp_must_be_above_derate, setup, teardown),
      cmocka_unit_test_setup_teardown(linux_backend_needs_its_pins, setup, teardown),
      cmocka_unit_test_setup_teardown(a_pin_is_used_once, setup, teardown),
      cmocka_unit_test_setup_teardown(connector_type_agrees_with_tethered, setup, teardown),
      cmocka_unit_test_setup_teardown(station_lines_are_not_connector_lines, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
