/*
 * The meter keys (src/meter/meter_keys.c): value shapes (port, serial line,
 * phase mapping, names) and the cross-key checks: a meter referenced but not
 * defined, two meters on one port with one unit id, two serial settings on one
 * bus, one meter for two connectors, a 1-phase mapping on a 3-phase point.
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

static void load_ok(config *c, const char *text) {
  char err[256];
  if (config_load_string(c, text, "t.conf", err, sizeof err) != 0) fail_msg("%s", err);
  if (config_check(c, err, sizeof err) != 0) fail_msg("refused: %s", err);
}

static void check_fails(const char *text, const char *want) {
  config *c = config_new();
  char err[256] = "";
  int rc = config_load_string(c, text, "t.conf", err, sizeof err);
  if (rc == 0) rc = config_check(c, err, sizeof err);
  config_free(c);
  if (rc == 0) fail_msg("accepted, want '%s'", want);
  if (!strstr(err, want)) fail_msg("error '%s' lacks '%s'", err, want);
}

static void test_values(void **state) {
  (void)state;
  char err[256];
  assert_int_equal(config_validate("meter.m1.port", "tcp://10.0.0.5:502", err, sizeof err), 0);
  assert_int_equal(config_validate("meter.m1.port", "tcp://meter-1.local", err, sizeof err), 0);
  assert_int_equal(config_validate("meter.m1.port", "/dev/ttyUSB0", err, sizeof err), 0);
  assert_int_equal(config_validate("meter.m1.port", "tcp://host:99999", err, sizeof err), -1);
  assert_int_equal(config_validate("meter.m1.port", "ttyUSB0", err, sizeof err), -1);
  assert_int_equal(config_validate("meter.m1.serial", "9600,8N1", err, sizeof err), 0);
  assert_int_equal(config_validate("meter.m1.serial", "115200,8E2", err, sizeof err), 0);
  assert_int_equal(config_validate("meter.m1.serial", "9601,8N1", err, sizeof err), -1);
  assert_int_equal(config_validate("meter.m1.serial", "9600,8X1", err, sizeof err), -1);
  assert_int_equal(config_validate("meter.m1.serial", "9600,8N1x", err, sizeof err), -1);
  assert_int_equal(config_validate("meter.m1.model", "sdm630", err, sizeof err), 0);
  assert_int_equal(config_validate("meter.m1.model", "../x", err, sizeof err), -1);
  assert_int_equal(config_validate("meter.m1.unit_id", "248", err, sizeof err), -1);
  assert_int_equal(config_validate("connector.1.meter_phases", "L2L3L1", err, sizeof err), 0);
  assert_int_equal(config_validate("connector.1.meter_phases", "L2", err, sizeof err), 0);
  assert_int_equal(config_validate("connector.1.meter_phases", "L1L1L2", err, sizeof err), -1);
  assert_int_equal(config_validate("connector.1.meter_phases", "L4", err, sizeof err), -1);
  assert_int_equal(config_validate("connector.1.meter", "Meter1", err, sizeof err), -1);
  assert_int_equal(config_validate("grid.meter", "grid_main", err, sizeof err), 0);
  assert_int_equal(config_validate("meter.maps_dir", "/etc/borne/meters", err, sizeof err), 0);
  assert_int_equal(config_validate("meter.maps_dir", "meters", err, sizeof err), -1);
}

static void test_valid_setup(void **state) {
  (void)state;
  config *c = config_new();
  load_ok(c, "station.connectors = 2\n"
             "meter.p1.model = sdm630\nmeter.p1.port = /dev/ttyUSB0\nmeter.p1.unit_id = 1\n"
             "meter.p2.model = sdm630\nmeter.p2.port = /dev/ttyUSB0\nmeter.p2.unit_id = 2\n"
             "meter.grid.model = pac2200\nmeter.grid.port = tcp://10.0.0.9:502\n"
             "connector.1.meter = p1\nconnector.2.meter = p2\n"
             "connector.2.phases = 1\nconnector.2.meter_phases = L2\n"
             "grid.meter = grid\n"
             "meter.pv.model = sunspec-inverter\nmeter.pv.port = tcp://10.0.0.10:502\n"
             "solar.inverter = pv\nsolar.house_load_w = 400\n");
  assert_string_equal(config_get(c, "meter.p1.serial"), "9600,8N1");
  assert_int_equal((int)config_get_number(c, "solar.house_load_w"), 400);
  assert_int_equal(config_get_int(c, "meter.failures_before_fault"), 3);
  assert_true(config_get_bool(c, "meter.required"));
  config_free(c);
}

static void test_cross_checks(void **state) {
  (void)state;
  check_fails("connector.1.meter = p1\n", "connector.1.meter: meter 'p1' is not defined");
  check_fails("grid.meter = g\n", "grid.meter: meter 'g' is not defined");
  check_fails("solar.inverter = pv\n", "solar.inverter: meter 'pv' is not defined");
  check_fails("meter.p1.port = /dev/ttyUSB0\n", "meter.p1.model: required");
  check_fails("meter.p1.model = sdm630\n", "meter.p1.port: required");
  check_fails("meter.a.model = sdm630\nmeter.a.port = /dev/ttyS1\n"
              "meter.b.model = sdm630\nmeter.b.port = /dev/ttyS1\n",
              "meters 'a' and 'b' share port /dev/ttyS1 and unit id 1");
  check_fails("meter.a.model = sdm630\nmeter.a.port = /dev/ttyS1\n"
              "meter.b.model = sdm630\nmeter.b.port = /dev/ttyS1\nmeter.b.unit_id = 2\n"
              "meter.b.serial = 19200,8N1\n",
              "on the same serial bus /dev/ttyS1");
  check_fails("station.connectors = 2\nmeter.a.model = sdm630\nmeter.a.port = /dev/ttyS1\n"
              "connector.1.meter = a\nconnector.2.meter = a\n",
              "connector.2.meter: meter 'a' already measures connector 1");
  check_fails("meter.a.model = sdm630\nmeter.a.port = /dev/ttyS1\n"
              "connector.1.meter = a\nconnector.1.meter_phases = L2\n",
              "connector.1.meter_phases: L2 is one phase but connector.1.phases = 3");
  /* TCP meters on one gateway may differ only by unit id */
  config *c = config_new();
  load_ok(c, "meter.a.model = sdm630\nmeter.a.port = tcp://gw:502\n"
             "meter.b.model = em340\nmeter.b.port = tcp://gw:502\nmeter.b.unit_id = 7\n");
  config_free(c);
}

int main(void) {
  if (borne_keys_register() != 0) return 1; /* every module's configuration keys */
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_values),
      cmocka_unit_test(test_valid_setup),
      cmocka_unit_test(test_cross_checks),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
