/*
 * The simulated EV on a virtual clock: it follows the pilot like Annex A
 * says an EV does, draws what is offered, fills its battery and meters
 * exactly. No loop, no sleeps.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/pilot.h"
#include "hal/sim_ev.h"

#define T0 1700000000000LL
#define DUTY_32A 533 /* 32 / 0.6 = 53.3 % */

static sim_ev plugged_ev(double soc, double target) {
  sim_ev ev;
  sim_ev_init(&ev, 230.0, 1000.0, T0);
  sim_ev_params p = {.max_current_a = 16,
                     .phases = 3,
                     .battery_kwh = 50,
                     .soc_pct = soc,
                     .target_soc_pct = target};
  sim_ev_plug(&ev, &p, T0);
  return ev;
}

static void unplugged_is_A_and_plugged_is_B(void **state) {
  (void)state;
  sim_ev ev;
  sim_ev_init(&ev, 230.0, 0.0, T0);
  assert_int_equal(sim_ev_cp(&ev), CP_A);
  ev = plugged_ev(20, 80);
  assert_int_equal(sim_ev_cp(&ev), CP_B);
}

static void steady_low_pilot_reads_F(void **state) {
  (void)state;
  sim_ev ev = plugged_ev(20, 80);
  sim_ev_set_outputs(&ev, PILOT_STEADY_LOW, false, T0);
  assert_int_equal(sim_ev_cp(&ev), CP_F);
}

static void ev_closes_s2_after_reaction_delay_when_pwm_starts(void **state) {
  (void)state;
  sim_ev ev = plugged_ev(20, 80);
  sim_ev_set_outputs(&ev, DUTY_32A, false, T0);
  sim_ev_advance(&ev, T0 + SIM_EV_REACTION_MS - 1);
  assert_int_equal(sim_ev_cp(&ev), CP_B);
  assert_int_equal(sim_ev_next_change(&ev, T0 + SIM_EV_REACTION_MS - 1), T0 + SIM_EV_REACTION_MS);
  sim_ev_advance(&ev, T0 + SIM_EV_REACTION_MS);
  assert_int_equal(sim_ev_cp(&ev), CP_C);
}

static void draws_min_of_offered_and_ev_max_and_meters_exactly(void **state) {
  (void)state;
  sim_ev ev = plugged_ev(20, 80);
  sim_ev_set_outputs(&ev, DUTY_32A, false, T0);
  sim_ev_advance(&ev, T0 + 1000);
  sim_ev_set_outputs(&ev, DUTY_32A, true, T0 + 1000);
  sim_ev_advance(&ev, T0 + 2000);
  meter_reading m;
  sim_ev_meter(&ev, &m);
  assert_float_equal(m.current_a[0], 16.0, 1e-9); /* EV max 16 A < offered 32 A */
  assert_float_equal(m.current_a[2], 16.0, 1e-9);
  assert_float_equal(m.power_total_w, 16.0 * 230.0 * 3, 1e-6);
  /* one hour later: 11.04 kWh more on the register */
  sim_ev_advance(&ev, T0 + 2000 + 3600000);
  sim_ev_meter(&ev, &m);
  assert_float_equal(m.energy_import_wh, 1000.0 + 11040.0, 1e-6);
}

/* A phase contactor at one phase: a three-phase EV draws on L1 only and
 * meters a third of the energy; back at three it draws on all three. */
static void supply_phases_follow_the_phase_contactor(void **state) {
  (void)state;
  sim_ev ev = plugged_ev(20, 80);
  assert_int_equal(sim_ev_phases(&ev), 3);
  sim_ev_set_supply_phases(&ev, 1, T0);
  assert_int_equal(sim_ev_phases(&ev), 1);
  sim_ev_set_outputs(&ev, DUTY_32A, true, T0);
  sim_ev_advance(&ev, T0 + SIM_EV_REACTION_MS);
  meter_reading m;
  sim_ev_meter(&ev, &m);
  assert_float_equal(m.current_a[0], 16.0, 1e-9);
  assert_float_equal(m.current_a[1], 0.0, 1e-9);
  assert_float_equal(m.current_a[2], 0.0, 1e-9);
  sim_ev_advance(&ev, T0 + SIM_EV_REACTION_MS + 3600000);
  sim_ev_meter(&ev, &m);
  assert_float_equal(m.energy_import_wh, 1000.0 + 3680.0, 1e-6); /* 16 A x 230 V, 1 h */
  sim_ev_set_supply_phases(&ev, 3, T0 + SIM_EV_REACTION_MS + 3600000);
  sim_ev_meter(&ev, &m);
  assert_float_equal(m.current_a[2], 16.0, 1e-9);
  sim_ev_unplug(&ev, T0 + SIM_EV_REACTION_MS + 3600000);
  assert_int_equal(sim_ev_phases(&ev), 0);
}

static void lower_duty_is_followed_after_reaction(void **state) {
  (void)state;
  sim_ev ev = plugged_ev(20, 80);
  sim_ev_set_outputs(&ev, DUTY_32A, false, T0);
  sim_ev_advance(&ev, T0 + 1000);
  sim_ev_set_outputs(&ev, DUTY_32A, true, T0 + 1000);
  sim_ev_advance(&ev, T0 + 2000);
  int duty_10a = pilot_duty_for_current(10.0);
  sim_ev_set_outputs(&ev, duty_10a, true, T0 + 5000);
  sim_ev_advance(&ev, T0 + 5500);
  meter_reading m;
  sim_ev_meter(&ev, &m);
  assert_float_equal(m.current_a[0], 16.0, 1e-9);
  sim_ev_advance(&ev, T0 + 6000);
  sim_ev_meter(&ev, &m);
  assert_float_equal(m.current_a[0], 10.0, 0.05);
}

static void pwm_off_makes_ev_leave_C(void **state) {
  (void)state;
  sim_ev ev = plugged_ev(20, 80);
  sim_ev_set_outputs(&ev, DUTY_32A, false, T0);
  sim_ev_advance(&ev, T0 + 1000);
  sim_ev_set_outputs(&ev, PILOT_STEADY_HIGH, false, T0 + 2000);
  assert_int_equal(sim_ev_cp(&ev), CP_C);
  sim_ev_advance(&ev, T0 + 3000);
  assert_int_equal(sim_ev_cp(&ev), CP_B);
}

static void full_battery_returns_to_B_and_stops_metering(void **state) {
  (void)state;
  sim_ev ev = plugged_ev(79, 80); /* 1 % of 50 kWh = 500 Wh to go */
  sim_ev_set_outputs(&ev, DUTY_32A, false, T0);
  sim_ev_advance(&ev, T0 + 1000);
  sim_ev_set_outputs(&ev, DUTY_32A, true, T0 + 1000);
  sim_ev_advance(&ev, T0 + 2000);
  borne_ms full_at = sim_ev_next_change(&ev, T0 + 2000);
  /* 500 Wh at 11040 W = 163.04 s */
  assert_in_range(full_at, T0 + 2000 + 163000, T0 + 2000 + 163100);
  sim_ev_advance(&ev, full_at + 10);
  assert_int_equal(sim_ev_cp(&ev), CP_B);
  meter_reading m;
  sim_ev_meter(&ev, &m);
  assert_float_equal(m.energy_import_wh, 1500.0, 0.01);
  sim_ev_advance(&ev, full_at + 3600000);
  sim_ev_meter(&ev, &m);
  assert_float_equal(m.energy_import_wh, 1500.0, 0.01);
  assert_float_equal(m.power_total_w, 0.0, 1e-9);
}

static void pause_and_ventilation_requests(void **state) {
  (void)state;
  sim_ev ev = plugged_ev(20, 80);
  sim_ev_set_outputs(&ev, DUTY_32A, false, T0);
  sim_ev_advance(&ev, T0 + 1000);
  sim_ev_set_request(&ev, SIM_EV_PAUSE, T0 + 2000);
  assert_int_equal(sim_ev_cp(&ev), CP_B);
  sim_ev_set_request(&ev, SIM_EV_VENTILATION, T0 + 3000);
  sim_ev_advance(&ev, T0 + 4000);
  assert_int_equal(sim_ev_cp(&ev), CP_D);
}

static void register_never_goes_backwards(void **state) {
  (void)state;
  sim_ev ev = plugged_ev(20, 80);
  sim_ev_set_outputs(&ev, DUTY_32A, true, T0);
  double last = 0;
  for (borne_ms t = T0; t < T0 + 600000; t += 7777) {
    sim_ev_advance(&ev, t);
    meter_reading m;
    sim_ev_meter(&ev, &m);
    assert_true(m.energy_import_wh >= last);
    last = m.energy_import_wh;
  }
  sim_ev_advance(&ev, T0); /* time going backwards changes nothing */
  meter_reading m;
  sim_ev_meter(&ev, &m);
  assert_float_equal(m.energy_import_wh, last, 1e-9);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(unplugged_is_A_and_plugged_is_B),
      cmocka_unit_test(steady_low_pilot_reads_F),
      cmocka_unit_test(ev_closes_s2_after_reaction_delay_when_pwm_starts),
      cmocka_unit_test(draws_min_of_offered_and_ev_max_and_meters_exactly),
      cmocka_unit_test(supply_phases_follow_the_phase_contactor),
      cmocka_unit_test(lower_duty_is_followed_after_reaction),
      cmocka_unit_test(pwm_off_makes_ev_leave_C),
      cmocka_unit_test(full_battery_returns_to_B_and_stops_metering),
      cmocka_unit_test(pause_and_ventilation_requests),
      cmocka_unit_test(register_never_goes_backwards),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
