/*
 * The shunt-trip output on a whole simulated station (issue 20, seed 001):
 * a failed RCD self-test at start and a welded contactor (fault injection)
 * each pulse the sim HAL's output once, for shunt_trip.pulse_ms; an
 * ordinary fault does not; and the cause table itself.
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

#include "keys/key_tables.h"
#include "shunt_trip/shunt_trip_module.h"
#include "test_station_rig.h"
#include "test_tmpdir.h"

static hal *the_hw;

static bool selftest_done(station *st) { return st->selftest_done; }
static int trips(void) {
  int n = 0;
  hal_sim_shunt_trip(the_hw, &n);
  return n;
}
static bool one_trip_over(station *st) {
  (void)st;
  return trips() == 1 && !hal_sim_shunt_trip(the_hw, NULL);
}
static bool two_trips_over(station *st) {
  (void)st;
  return trips() == 2 && !hal_sim_shunt_trip(the_hw, NULL);
}
static bool overtemp(station *st) {
  station_connector_view v;
  station_view(st, 1, &v);
  return v.error == ERR_OVERTEMP;
}

static void causes(void **state) {
  (void)state;
  assert_non_null(shunt_trip_cause(ERR_CONTACTOR_WELDED));
  assert_non_null(shunt_trip_cause(ERR_RCD_SELFTEST));
  assert_null(shunt_trip_cause(ERR_RCD_TRIP)); /* the contactor opens: the station still can */
  assert_null(shunt_trip_cause(ERR_OVERTEMP));
  assert_null(shunt_trip_cause(ERR_TAMPER));
  assert_null(shunt_trip_cause(ERR_NONE));
}

static void welded_contactor_and_failed_rcd_test_trip_the_breaker(void **state) {
  (void)state;
  char dir[64], err[160];
  assert_int_equal(test_tmpdir_make(dir, sizeof dir, "borne-shunt"), 0);
  station_rig r;
  double energy[2] = {0, 0};
  station_rig_prepare(&r, 2, energy);
  assert_int_equal(config_set(r.cfg, "shunt_trip.enabled", "true", err, sizeof err), 0);
  assert_int_equal(config_set(r.cfg, "shunt_trip.pulse_ms", "100", err, sizeof err), 0);
  the_hw = r.hw;
  assert_int_equal(hal_sim_fail_selftest(r.hw, 2, "rcd"), 0);
  station_rig_open(&r, dir);
  assert_true(station_rig_run_until(&r, selftest_done));
  /* the failed RCD test: one pulse, then the output is off again */
  assert_true(station_rig_run_until(&r, one_trip_over));
  /* an ordinary fault changes nothing */
  assert_int_equal(hal_sim_fault(r.hw, 1, SIM_FAULT_OVERTEMP, err, sizeof err), 0);
  assert_true(station_rig_run_until(&r, overtemp));
  assert_int_equal(trips(), 1);
  /* a welded contactor: the second pulse */
  assert_int_equal(hal_sim_fault(r.hw, 1, SIM_FAULT_WELDING, err, sizeof err), 0);
  assert_true(station_rig_run_until(&r, two_trips_over));
  station_rig_close(&r, NULL);
  assert_int_equal(test_tmpdir_remove(dir), 0);
}

int main(void) {
  if (borne_keys_register() != 0) return 1; /* every module's configuration keys */
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(causes),
      cmocka_unit_test(welded_contactor_and_failed_rcd_test_trip_the_breaker),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
