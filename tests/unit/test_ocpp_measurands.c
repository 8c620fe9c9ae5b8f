/*
 * MeterValues content: measurand lists are checked like ChangeConfiguration
 * must (unknown vs not measured here), sampled values carry the right units,
 * phases and contexts for 1- and 3-phase points, and clock-aligned instants
 * are evenly spaced from midnight UTC.
 */
/* cmocka.h needs these first */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#include <string.h>

#include "ocpp/ocpp16_measurands.h"

static void lists_are_checked_member_by_member(void **state) {
  (void)state;
  char why[160];
  assert_int_equal(ocpp16_measurands_check("", why, sizeof why), 0);
  assert_int_equal(
      ocpp16_measurands_check("Energy.Active.Import.Register, Power.Active.Import,Current.Import,"
                              "Voltage,Current.Offered,Temperature,Frequency",
                              why, sizeof why),
      0);
  assert_int_equal(ocpp16_measurands_check("Energy.Active.Import.Register,SoC", why, sizeof why),
                   -1);
  assert_string_equal(why, "`SoC` is not measured by this station");
  assert_int_equal(ocpp16_measurands_check("Voltage,Volts", why, sizeof why), -1);
  assert_string_equal(why, "`Volts` is not an OCPP 1.6 measurand");
  assert_int_equal(ocpp16_measurands_check("Voltage,,Current.Import", why, sizeof why), -1);
}

static meter_reading reading(void) {
  meter_reading r = {.voltage_v = {230.1, 229.5, 231.0},
                     .current_a = {15.9, 16.0, 16.1},
                     .power_w = {3659, 3672, 3719},
                     .power_total_w = 11050,
                     .energy_import_wh = 123456.7,
                     .frequency_hz = 0};
  return r;
}

static const char *member(json_t *o, const char *k) {
  json_t *v = json_object_get(o, k);
  return v ? json_string_value(v) : NULL;
}

static void three_phase_values_have_units_and_phases(void **state) {
  (void)state;
  meter_reading r = reading();
  ocpp16_sample_extra x = {
      .phases = 3, .offered_a = 16, .temperature = 31.5, .has_temperature = true};
  json_t *a = json_array();
  ocpp16_sampled_values("Energy.Active.Import.Register,Current.Import,Voltage,Power.Active.Import,"
                        "Current.Offered,Temperature,Frequency",
                        &r, &x, "Sample.Periodic", a);
  /* energy 1 + current 3 + voltage 3 + power 1+3 + offered 1 + temperature 1; no frequency */
  assert_int_equal(json_array_size(a), 13);
  json_t *e = json_array_get(a, 0);
  assert_string_equal(member(e, "measurand"), "Energy.Active.Import.Register");
  assert_string_equal(member(e, "value"), "123457");
  assert_string_equal(member(e, "unit"), "Wh");
  assert_string_equal(member(e, "context"), "Sample.Periodic");
  assert_null(member(e, "phase"));
  json_t *i2 = json_array_get(a, 2);
  assert_string_equal(member(i2, "measurand"), "Current.Import");
  assert_string_equal(member(i2, "phase"), "L2");
  assert_string_equal(member(i2, "value"), "16.00");
  json_t *v3 = json_array_get(a, 6);
  assert_string_equal(member(v3, "phase"), "L3-N");
  assert_string_equal(member(v3, "unit"), "V");
  json_t *t = json_array_get(a, 12);
  assert_string_equal(member(t, "measurand"), "Temperature");
  assert_string_equal(member(t, "unit"), "Celsius");
  assert_string_equal(member(t, "location"), "Body");
  json_decref(a);
}

static void single_phase_point_reports_l1_only(void **state) {
  (void)state;
  meter_reading r = reading();
  r.frequency_hz = 50.02;
  ocpp16_sample_extra x = {.phases = 1, .offered_a = 10};
  json_t *a = json_array();
  ocpp16_sampled_values("Current.Import,Power.Active.Import,Temperature,Frequency", &r, &x,
                        "Transaction.End", a);
  /* current L1, power total, no temperature sensor, frequency */
  assert_int_equal(json_array_size(a), 3);
  assert_string_equal(member(json_array_get(a, 0), "phase"), "L1");
  assert_null(member(json_array_get(a, 1), "phase"));
  assert_string_equal(member(json_array_get(a, 2), "measurand"), "Frequency");
  /* OCPP 1.6 errata v4.0: Hertz (without a unit the value would be in the default, Wh) */
  assert_string_equal(member(json_array_get(a, 2), "unit"), "Hertz");
  json_decref(a);
}

static void aligned_instants_start_at_midnight(void **state) {
  (void)state;
  const borne_ms day = 86400000, t = 20000 * day; /* a midnight UTC */
  assert_int_equal(ocpp16_next_aligned(t, 900), t + 900000);
  assert_int_equal(ocpp16_next_aligned(t + 1, 900), t + 900000);
  assert_int_equal(ocpp16_next_aligned(t + 900000, 900), t + 1800000);
  assert_int_equal(ocpp16_next_aligned(t + day - 1, 900), t + day);
  /* 7 h does not divide a day: the last interval ends at midnight */
  assert_int_equal(ocpp16_next_aligned(t + 21 * 3600000LL + 5, 7 * 3600), t + day);
  assert_int_equal(ocpp16_next_aligned(t, 0), INT64_MAX);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(lists_are_checked_member_by_member),
      cmocka_unit_test(three_phase_values_have_units_and_phases),
      cmocka_unit_test(single_phase_point_reports_l1_only),
      cmocka_unit_test(aligned_instants_start_at_midnight),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
