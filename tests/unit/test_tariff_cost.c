/*
 * The tariff rules: a session's cost from its energy and duration, rounded
 * to the cent, and the currency's shape (tariff.currency).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tariff/tariff.h"

static void energy_and_occupancy_add_up(void **state) {
  (void)state;
  tariff t = {.price_kwh = 0.25, .price_hour = 1.5, .currency = "EUR"};
  /* 11 kWh and 2 h 30 min: 2.75 + 3.75 */
  assert_float_equal(tariff_cost(&t, 11000, 150 * 60 * 1000), 6.5, 1e-9);
  tariff e = {.price_kwh = 0.3, .currency = "EUR"};
  assert_float_equal(tariff_cost(&e, 12345, 999999999), 3.7, 1e-9); /* 3.7035 */
  tariff h = {.price_hour = 2, .currency = "CHF"};
  assert_float_equal(tariff_cost(&h, 50000, 45 * 60 * 1000), 1.5, 1e-9);
  /* nothing delivered, no time, or a meter that went back: nothing owed */
  assert_float_equal(tariff_cost(&t, 0, 0), 0, 1e-9);
  assert_float_equal(tariff_cost(&t, -500, -1000), 0, 1e-9);
}

static void cents_round_half_away_from_zero(void **state) {
  (void)state;
  tariff t = {.price_kwh = 1, .currency = "EUR"};
  assert_float_equal(tariff_cost(&t, 2675, 0), 2.68, 1e-9); /* 2.675 is 2.67499… in binary */
  assert_float_equal(tariff_cost(&t, 2674, 0), 2.67, 1e-9);
  assert_float_equal(tariff_cost(&t, 5, 0), 0.01, 1e-9);
  assert_float_equal(tariff_cost(&t, 4, 0), 0, 1e-9);
}

static void a_tariff_needs_a_price(void **state) {
  (void)state;
  assert_false(tariff_is_set(&(tariff){.currency = "EUR"}));
  assert_true(tariff_is_set(&(tariff){.price_kwh = 0.01}));
  assert_true(tariff_is_set(&(tariff){.price_hour = 0.5}));
}

static void offpeak_energy_at_its_price(void **state) {
  (void)state;
  tariff t = {.price_kwh = 0.30, .price_kwh_offpeak = 0.10, .price_hour = 1, .currency = "EUR"};
  /* 10 kWh of which 6 off-peak, 1 h: 4 * 0.30 + 6 * 0.10 + 1 */
  assert_float_equal(tariff_cost_offpeak(&t, 10000, 6000, 3600000), 2.8, 1e-9);
  /* more off-peak than energy (a reading's jitter) counts as all of it */
  assert_float_equal(tariff_cost_offpeak(&t, 10000, 12000, 0), 1.0, 1e-9);
  assert_float_equal(tariff_cost_offpeak(&t, 10000, -5, 0), 3.0, 1e-9);
  /* no off-peak price: every kWh at price_kwh, as tariff_cost */
  tariff d = {.price_kwh = 0.30, .currency = "EUR"};
  assert_float_equal(tariff_cost_offpeak(&d, 10000, 6000, 0), 3.0, 1e-9);
  assert_float_equal(tariff_cost(&t, 10000, 0), 3.0, 1e-9);
  assert_true(tariff_is_set(&(tariff){.price_kwh_offpeak = 0.1}));
}

static void currency_is_three_capital_letters(void **state) {
  (void)state;
  assert_true(tariff_currency_valid("EUR"));
  assert_true(tariff_currency_valid("CHF"));
  assert_false(tariff_currency_valid("eur"));
  assert_false(tariff_currency_valid("EU"));
  assert_false(tariff_currency_valid("EURO"));
  assert_false(tariff_currency_valid("€"));
  assert_false(tariff_currency_valid(""));
  assert_false(tariff_currency_valid(NULL));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(energy_and_occupancy_add_up),
      cmocka_unit_test(cents_round_half_away_from_zero),
      cmocka_unit_test(a_tariff_needs_a_price),
      cmocka_unit_test(offpeak_energy_at_its_price),
      cmocka_unit_test(currency_is_three_capital_letters),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
