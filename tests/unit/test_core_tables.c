/*
 * Pure arithmetic and data of the core: duty cycle from current (IEC 61851-1
 * Table A.7), EV reading of a duty cycle (Table A.8), cable rating from the PP
 * resistor (Table B.2), names sent to back ends, limit composition, the LED
 * table and the error table.
 */
/* cmocka.h needs these first */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#include <math.h>
#include <string.h>

#include "core/errors.h"
#include "core/led.h"
#include "core/limits.h"
#include "core/pilot.h"
#include "core/types.h"

static void duty_follows_table_a7(void **state) {
  (void)state;
  assert_int_equal(pilot_duty_for_current(6.0), 100);   /* 10 % */
  assert_int_equal(pilot_duty_for_current(16.0), 266);  /* 26.67 % rounded down */
  assert_int_equal(pilot_duty_for_current(32.0), 533);  /* 53.33 % */
  assert_int_equal(pilot_duty_for_current(51.0), 850);  /* end of the first segment */
  assert_int_equal(pilot_duty_for_current(63.0), 892);  /* 63/2.5 + 64 = 89.2 % */
  assert_int_equal(pilot_duty_for_current(80.0), 960);  /* 96 % */
  assert_int_equal(pilot_duty_for_current(100.0), 960); /* clamped to 80 A */
  /* Below 6 A no charging is allowed: steady +12 V (x1), no PWM. */
  assert_int_equal(pilot_duty_for_current(5.9), PILOT_STEADY_HIGH);
  assert_int_equal(pilot_duty_for_current(0.0), PILOT_STEADY_HIGH);
  assert_int_equal(pilot_duty_for_current(-3.0), PILOT_STEADY_HIGH);
  assert_int_equal(pilot_duty_for_current(NAN), PILOT_STEADY_HIGH);
}

static void duty_never_offers_more_than_asked(void **state) {
  (void)state;
  for (int tenths = 60; tenths <= 800; tenths++) {
    double a = tenths / 10.0;
    int d = pilot_duty_for_current(a);
    assert_true(d >= 100 && d <= 960);
    /* What the EV reads back is at most what we meant (0.1 % step). */
    assert_true(pilot_current_for_duty(d) <= a + 1e-9);
    /* Within one 0.1 % step (0.25 A), except for 51..52.75 A: there the second
     * formula of Table A.7 gives 84.4..85 %, which Table A.8 reads with the
     * first one, so the EV takes up to 1.7 A less (a quirk of the standard). */
    double slack = (a > 51.0 && a < 52.75) ? 1.75 : 0.26;
    assert_true(pilot_current_for_duty(d) > a - slack);
  }
}

static void ev_reading_of_duty_follows_table_a8(void **state) {
  (void)state;
  assert_true(fabs(pilot_current_for_duty(100) - 6.0) < 1e-9);
  assert_true(fabs(pilot_current_for_duty(500) - 30.0) < 1e-9);
  assert_true(fabs(pilot_current_for_duty(900) - 65.0) < 1e-9);
  assert_true(fabs(pilot_current_for_duty(90) - 6.0) < 1e-9);
  assert_true(fabs(pilot_current_for_duty(965) - 80.0) < 1e-9);
  assert_true(pilot_current_for_duty(50) == 0.0);   /* < 8 %: no charging */
  assert_true(pilot_current_for_duty(1000) == 0.0); /* steady +12 V */
  assert_true(pilot_current_for_duty(0) == 0.0);
}

static void pp_nominal_values_and_bands(void **state) {
  (void)state;
  assert_true(pilot_cable_rating_for_pp(1500.0) == 13.0);
  assert_true(pilot_cable_rating_for_pp(680.0) == 20.0);
  assert_true(pilot_cable_rating_for_pp(220.0) == 32.0);
  assert_true(pilot_cable_rating_for_pp(100.0) == 63.0);
  /* +/- 10 % around each nominal value stays in its band. */
  static const double nominal[] = {1500.0, 680.0, 220.0, 100.0};
  static const double amps[] = {13.0, 20.0, 32.0, 63.0};
  for (int i = 0; i < 4; i++) {
    assert_true(pilot_cable_rating_for_pp(nominal[i] * 0.9) == amps[i]);
    assert_true(pilot_cable_rating_for_pp(nominal[i] * 1.1) == amps[i]);
  }
  /* Shared edges go to the lower current. */
  assert_true(pilot_cable_rating_for_pp(150.0) == 32.0);
  assert_true(pilot_cable_rating_for_pp(330.0) == 20.0);
  assert_true(pilot_cable_rating_for_pp(1000.0) == 13.0);
  assert_true(pilot_cable_rating_for_pp(75.0) == 63.0);
  assert_true(pilot_cable_rating_for_pp(2200.0) == 13.0);
}

static void pp_out_of_band_is_no_cable(void **state) {
  (void)state;
  assert_true(pilot_cable_rating_for_pp(-1.0) == 0.0); /* open */
  assert_true(pilot_cable_rating_for_pp(0.0) == 0.0);  /* short */
  assert_true(pilot_cable_rating_for_pp(10.0) == 0.0);
  assert_true(pilot_cable_rating_for_pp(74.9) == 0.0);
  assert_true(pilot_cable_rating_for_pp(2201.0) == 0.0);
  assert_true(pilot_cable_rating_for_pp(10000.0) == 0.0);
  assert_true(pilot_cable_rating_for_pp(NAN) == 0.0);
}

static void names_are_the_ocpp_strings(void **state) {
  (void)state;
  static const char *const cp[] = {"A", "B", "C", "D", "E", "F", "invalid"};
  for (int i = 0; i <= CP_INVALID; i++) assert_string_equal(cp_state_name((cp_state)i), cp[i]);
  assert_string_equal(cp_state_name((cp_state)42), "invalid");

  static const char *const st[] = {"Available",   "Preparing",     "Charging",
                                   "SuspendedEV", "SuspendedEVSE", "Finishing",
                                   "Reserved",    "Unavailable",   "Faulted"};
  for (int i = 0; i <= STATUS_FAULTED; i++)
    assert_string_equal(connector_status_name((connector_status)i), st[i]);

  assert_string_equal(stop_reason_name(STOP_LOCAL), "Local");
  assert_string_equal(stop_reason_name(STOP_REMOTE), "Remote");
  assert_string_equal(stop_reason_name(STOP_EV_DISCONNECTED), "EVDisconnected");
  assert_string_equal(stop_reason_name(STOP_POWER_LOSS), "PowerLoss");
  assert_string_equal(stop_reason_name(STOP_REBOOT), "Reboot");
  assert_string_equal(stop_reason_name(STOP_HARD_RESET), "HardReset");
  assert_string_equal(stop_reason_name(STOP_SOFT_RESET), "SoftReset");
  assert_string_equal(stop_reason_name(STOP_DEAUTHORIZED), "DeAuthorized");
  assert_string_equal(stop_reason_name(STOP_EMERGENCY_STOP), "EmergencyStop");
  assert_string_equal(stop_reason_name(STOP_UNLOCK_COMMAND), "UnlockCommand");
  assert_string_equal(stop_reason_name(STOP_OTHER), "Other");
}

static void limits_take_the_minimum_and_name_it(void **state) {
  (void)state;
  limit_set l;
  limits_init(&l);
  limit_source by = LIMIT_API;
  assert_true(limits_offered(&l, 0.0, &by) == 0.0);
  assert_int_equal(by, LIMIT_COUNT);

  limits_set(&l, LIMIT_SELECTOR, 32);
  limits_set(&l, LIMIT_INSTALLATION, 25);
  assert_true(limits_offered(&l, 0.0, &by) == 25.0);
  assert_int_equal(by, LIMIT_INSTALLATION);
  limits_set(&l, LIMIT_CABLE, 20);
  assert_true(limits_offered(&l, 0.0, &by) == 20.0);
  assert_int_equal(by, LIMIT_CABLE);
  limits_set(&l, LIMIT_OCPP, 20); /* tie: the first source keeps it */
  assert_true(limits_offered(&l, 0.0, &by) == 20.0);
  assert_int_equal(by, LIMIT_CABLE);
  limits_set(&l, LIMIT_LOAD_MANAGEMENT, -5); /* negative means none may flow */
  assert_true(limits_offered(&l, 0.0, &by) == 0.0);
  assert_int_equal(by, LIMIT_LOAD_MANAGEMENT);
  limits_clear(&l, LIMIT_LOAD_MANAGEMENT);
  limits_clear(&l, LIMIT_CABLE);
  assert_true(limits_offered(&l, 0.0, NULL) == 20.0); /* the OCPP one */
  /* load management equal to a later source: the other one is named (the
   * allocator's share never exceeds the other limits: they bind) */
  limits_set(&l, LIMIT_SOLAR, 13.5);
  limits_set(&l, LIMIT_LOAD_MANAGEMENT, 13.5);
  assert_true(limits_offered(&l, 0.0, &by) == 13.5);
  assert_int_equal(by, LIMIT_SOLAR);
  limits_set(&l, LIMIT_LOAD_MANAGEMENT, 13.4);
  assert_true(limits_offered(&l, 0.0, &by) == 13.4);
  assert_int_equal(by, LIMIT_LOAD_MANAGEMENT);
  limits_clear(&l, LIMIT_SOLAR);
  limits_clear(&l, LIMIT_LOAD_MANAGEMENT);

  assert_string_equal(limit_source_name(LIMIT_CABLE), "cable");
  assert_string_equal(limit_source_name(LIMIT_SELECTOR), "selector");
  assert_string_equal(limit_source_name(LIMIT_INSTALLATION), "installation");
  assert_string_equal(limit_source_name(LIMIT_THERMAL), "thermal");
  assert_string_equal(limit_source_name(LIMIT_LOAD_MANAGEMENT), "load_management");
  assert_string_equal(limit_source_name(LIMIT_SCHEDULE), "schedule");
  assert_string_equal(limit_source_name(LIMIT_OCPP), "ocpp_profile");
  assert_string_equal(limit_source_name(LIMIT_API), "api");
  assert_string_equal(limit_source_name(LIMIT_MODBUS), "modbus");
  assert_string_equal(limit_source_name(LIMIT_SOLAR), "solar");
  assert_string_equal(limit_source_name(LIMIT_SITE), "site");
  assert_string_equal(limit_source_name(LIMIT_FAILSAFE), "failsafe");
  assert_string_equal(limit_source_name(LIMIT_TRANSACTION), "transaction");
  assert_string_equal(limit_source_name(LIMIT_RESUMED), "resumed");
  assert_string_equal(limit_source_name(LIMIT_DEAUTHORIZED), "deauthorized");
  assert_string_equal(limit_source_name(LIMIT_COUNT), "none");
}

static void led_states_look_distinct(void **state) {
  (void)state;
  /* Every user-visible state differs from every other in colour or pattern. */
  for (int a = LED_READY; a < LED_STATE_COUNT; a++) {
    const led_look *la = led_look_of((led_state)a);
    assert_non_null(la->name);
    assert_true(strlen(la->name) > 0);
    for (int b = a + 1; b < LED_STATE_COUNT; b++) {
      const led_look *lb = led_look_of((led_state)b);
      bool same = strcmp(la->colour, lb->colour) == 0 && la->pattern == lb->pattern;
      if (same) fail_msg("LED %s and %s look the same", la->name, lb->name);
      assert_string_not_equal(la->name, lb->name);
    }
  }
  /* Seeds 000/001: green ready, blue charging, red error, purple firmware. */
  assert_string_equal(led_look_of(LED_READY)->colour, "green");
  assert_string_equal(led_look_of(LED_CHARGING)->colour, "blue");
  assert_string_equal(led_look_of(LED_ERROR)->colour, "red");
  assert_string_equal(led_look_of(LED_AUTH_REFUSED)->colour, "red");
  assert_string_equal(led_look_of(LED_AUTH_ACCEPTED)->colour, "green");
  assert_string_equal(led_look_of(LED_WAITING_AUTH)->colour, "yellow");
  assert_string_equal(led_look_of(LED_FIRMWARE_UPDATE)->colour, "purple");
  assert_string_equal(led_look_of((led_state)99)->name, "off");
  assert_string_equal(led_pattern_name(LED_FLASH3), "flash3");
}

static bool is_ocpp16_error_code(const char *s) {
  static const char *const codes[] = {
      "ConnectorLockFailure", "EVCommunicationError", "GroundFailure",     "HighTemperature",
      "InternalError",        "LocalListConflict",    "NoError",           "OtherError",
      "OverCurrentFailure",   "OverVoltage",          "PowerMeterFailure", "PowerSwitchFailure",
      "ReaderFailure",        "ResetFailure",         "UnderVoltage",      "WeakSignal"};
  for (unsigned i = 0; i < sizeof codes / sizeof codes[0]; i++)
    if (strcmp(codes[i], s) == 0) return true;
  return false;
}

static void error_table_is_complete_and_mapped(void **state) {
  (void)state;
  int n = 0;
  const error_info *t = error_table(&n);
  assert_true(n >= 16);
  for (int i = 0; i < n; i++) {
    assert_true(t[i].code != ERR_NONE);
    assert_true(strlen(t[i].owner_text) > 5);
    assert_true(strlen(t[i].installer_action) > 5);
    assert_true(is_ocpp16_error_code(t[i].ocpp16_code));
    assert_null(strchr(t[i].owner_text, '"'));
    assert_non_null(t[i].vendor_code);
    assert_true(strlen(t[i].vendor_code) > 0 && strlen(t[i].vendor_code) <= 50);
    assert_ptr_equal(error_info_of(t[i].code), &t[i]);
    for (int j = i + 1; j < n; j++) assert_int_not_equal(t[i].code, t[j].code);
  }
  assert_string_equal(error_info_of(ERR_RCD_TRIP)->ocpp16_code, "GroundFailure");
  assert_string_equal(error_info_of(ERR_CONTACTOR_WELDED)->ocpp16_code, "OtherError");
  assert_string_equal(error_info_of(ERR_CONTACTOR_WELDED)->vendor_code, "borne.ContactorWelded");
  assert_string_equal(error_info_of(ERR_OVERTEMP)->ocpp16_code, "HighTemperature");
  assert_string_equal(error_info_of(ERR_LOCK_FAILURE)->ocpp16_code, "ConnectorLockFailure");
  assert_string_equal(error_info_of(ERR_METER_MISSING)->ocpp16_code, "PowerMeterFailure");
  assert_string_equal(error_info_of(ERR_READER)->ocpp16_code, "ReaderFailure");
  assert_string_equal(error_info_of(ERR_DIODE)->ocpp16_code, "EVCommunicationError");
  assert_string_equal(error_info_of(ERR_CP_SHORT)->ocpp16_code, "EVCommunicationError");
  assert_string_equal(error_info_of(ERR_OVERCURRENT)->ocpp16_code, "OverCurrentFailure");
  /* Unknown codes still get an entry a user can read. */
  const error_info *u = error_info_of((error_code)12345);
  assert_non_null(u);
  assert_string_equal(u->ocpp16_code, "OtherError");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(duty_follows_table_a7),
      cmocka_unit_test(duty_never_offers_more_than_asked),
      cmocka_unit_test(ev_reading_of_duty_follows_table_a8),
      cmocka_unit_test(pp_nominal_values_and_bands),
      cmocka_unit_test(pp_out_of_band_is_no_cable),
      cmocka_unit_test(names_are_the_ocpp_strings),
      cmocka_unit_test(limits_take_the_minimum_and_name_it),
      cmocka_unit_test(led_states_look_distinct),
      cmocka_unit_test(error_table_is_complete_and_mapped),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
