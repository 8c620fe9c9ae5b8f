/*
 * The OCPP 2.1 local cost calculator (src/tariff/tariff21.c) on a virtual
 * clock: energy, charging time, idle time and fixed prices, taxes stacked on
 * the net price, the first price whose conditions hold (time of day in the
 * local time, day of week, dates, energy so far, evseKind), the minimum and
 * maximum cost, a tariff changed during the transaction (charging periods),
 * and readings that go back counting nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tariff/tariff21.h"

#define MIN_MS 60000LL
static const int64_t MONDAY_2130 = 1796679000000LL;   /* 2026-12-07T21:30:00Z, a Monday */
static const int64_t SATURDAY_1000 = 1797069600000LL; /* 2026-12-12T10:00:00Z */

static t21_price price(double p) {
  t21_price x = {.price = p};
  t21_cond_none(&x.cond);
  return x;
}

static tariff21 base(void) {
  tariff21 t;
  memset(&t, 0, sizeof t);
  strcpy(t.id, "T1");
  strcpy(t.currency, "EUR");
  return t;
}

static void every_component_and_taxes(void **state) {
  (void)state;
  tariff21 t = base();
  t.energy.prices[t.energy.count++] = price(0.30);
  t.energy.taxes[t.energy.tax_count++] = (t21_tax){"VAT", 20, 0};
  t.charging.prices[t.charging.count++] = price(0.05);
  t.idle.prices[t.idle.count++] = price(0.10);
  t.fixed.prices[t.fixed.count++] = price(1.00);
  tariff21_run r;
  t21_start(&r, &t, MONDAY_2130, 0, 1000);
  t21_step(&r, MONDAY_2130, 0, 1000, true, 16, 11000);           /* charging from now */
  t21_step(&r, MONDAY_2130 + 30 * MIN_MS, 0, 6500, false, 0, 0); /* 30 min, 5.5 kWh */
  t21_step(&r, MONDAY_2130 + 40 * MIN_MS, 0, 6500, false, 0, 0); /* 10 min idle */
  t21_total c = t21_cost(&r);
  assert_float_equal(c.energy.excl, 1.65, 1e-9);
  assert_float_equal(c.energy.incl, 1.98, 1e-9);
  assert_float_equal(c.charging.excl, 1.50, 1e-9);
  assert_float_equal(c.idle.excl, 1.00, 1e-9);
  assert_float_equal(c.fixed.incl, 1.00, 1e-9);
  assert_float_equal(c.total.excl, 5.15, 1e-9);
  assert_float_equal(c.total.incl, 5.48, 1e-9);
  assert_int_equal(c.type, T21_NORMAL);
  assert_string_equal(t21_cost_type_name(c.type), "NormalCost");
  assert_float_equal(r.energy_wh, 5500, 1e-9);
  assert_float_equal(r.charging_s, 1800, 1e-9);
  assert_float_equal(r.idle_s, 600, 1e-9);
}

static void stacked_taxes(void **state) {
  (void)state;
  tariff21 t = base();
  t.fixed.prices[t.fixed.count++] = price(10);
  t.fixed.taxes[t.fixed.tax_count++] = (t21_tax){"Federal", 10, 0};
  t.fixed.taxes[t.fixed.tax_count++] = (t21_tax){"State", 5, 0};
  t.fixed.taxes[t.fixed.tax_count++] = (t21_tax){"City", 10, 1}; /* on top of the others */
  tariff21_run r;
  t21_start(&r, &t, MONDAY_2130, 0, 0);
  t21_total c = t21_cost(&r);
  assert_float_equal(c.fixed.excl, 10, 1e-9);
  assert_float_equal(c.fixed.incl, 12.65, 1e-9); /* 10 * 1.15 * 1.10 */
}

/* Ten-minute readings of 1 kWh each from `from` for `n` readings. */
static void charge(tariff21_run *r, int64_t from, int tz, int n) {
  double wh = r->last_wh;
  t21_step(r, from, tz, wh, true, 16, 11000);
  for (int i = 1; i <= n; i++)
    t21_step(r, from + i * 10 * MIN_MS, tz, wh + i * 1000, true, 16, 11000);
}

static void first_price_that_holds_by_time_of_day(void **state) {
  (void)state;
  tariff21 t = base();
  t21_price night = price(0.20);
  night.cond.start_min = t21_time_of_day("22:00");
  night.cond.end_min = t21_time_of_day("06:00"); /* across midnight */
  t.energy.prices[t.energy.count++] = night;
  t.energy.prices[t.energy.count++] = price(0.40);
  tariff21_run r;
  /* UTC: 21:30, 21:40, 21:50 by day, 22:00, 22:10, 22:20 by night */
  t21_start(&r, &t, MONDAY_2130, 0, 0);
  charge(&r, MONDAY_2130, 0, 6);
  assert_float_equal(t21_cost(&r).energy.excl, 1.80, 1e-9);
  /* an hour ahead of UTC, the whole hour is night */
  t21_start(&r, &t, MONDAY_2130, 3600, 0);
  charge(&r, MONDAY_2130, 3600, 6);
  assert_float_equal(t21_cost(&r).energy.excl, 1.20, 1e-9);
}

static void day_of_week_dates_and_kind(void **state) {
  (void)state;
  tariff21 t = base();
  t21_price weekend = price(0.10);
  weekend.cond.days = 1u << 5 | 1u << 6; /* Saturday, Sunday */
  t21_price dc = price(0.01);
  dc.cond.dc_only = true;
  t21_price december = price(0.30);
  strcpy(december.cond.valid_from, "2026-12-01");
  strcpy(december.cond.valid_to, "2027-01-01");
  t.energy.prices[t.energy.count++] = dc;
  t.energy.prices[t.energy.count++] = weekend;
  t.energy.prices[t.energy.count++] = december;
  t.energy.prices[t.energy.count++] = price(0.50);
  tariff21_run r;
  t21_start(&r, &t, SATURDAY_1000, 0, 0);
  charge(&r, SATURDAY_1000, 0, 2);
  assert_float_equal(t21_cost(&r).energy.excl, 0.20, 1e-9); /* a Saturday */
  t21_start(&r, &t, MONDAY_2130, 0, 0);
  charge(&r, MONDAY_2130, 0, 2);
  assert_float_equal(t21_cost(&r).energy.excl, 0.60, 1e-9); /* a Monday in December */
  t21_start(&r, &t, MONDAY_2130 + 30LL * 86400000, 0, 0);   /* 2027-01-06, a Wednesday */
  charge(&r, MONDAY_2130 + 30LL * 86400000, 0, 2);
  assert_float_equal(t21_cost(&r).energy.excl, 1.00, 1e-9);
}

static void energy_and_duration_conditions(void **state) {
  (void)state;
  tariff21 t = base();
  t21_price first = price(0.50);
  first.cond.max_wh = 2000; /* the first 2 kWh */
  t.energy.prices[t.energy.count++] = first;
  t.energy.prices[t.energy.count++] = price(0.25);
  t21_price after_hour = price(0.20); /* idle: free for an hour, then 0.20/min */
  after_hour.cond.min_s = 3600;
  t.idle.prices[t.idle.count++] = after_hour;
  tariff21_run r;
  t21_start(&r, &t, MONDAY_2130, 0, 0);
  charge(&r, MONDAY_2130, 0, 5); /* 5 kWh in 50 min: 2 at 0.50, 3 at 0.25 */
  assert_float_equal(t21_cost(&r).energy.excl, 1.75, 1e-9);
  t21_step(&r, MONDAY_2130 + 50 * MIN_MS, 0, 5000, false, 0, 0);
  t21_step(&r, MONDAY_2130 + 60 * MIN_MS, 0, 5000, false, 0, 0); /* 10 min idle, free */
  t21_step(&r, MONDAY_2130 + 70 * MIN_MS, 0, 5000, false, 0, 0); /* 10 min at 0.20 */
  assert_float_equal(t21_cost(&r).idle.excl, 2.00, 1e-9);
}

static void minimum_and_maximum_cost(void **state) {
  (void)state;
  tariff21 t = base();
  t.energy.prices[t.energy.count++] = price(1.00);
  t.min_cost = (t21_bound){true, 5.00, -1};
  t.max_cost = (t21_bound){true, 8.00, 9.60};
  tariff21_run r;
  t21_start(&r, &t, MONDAY_2130, 0, 0);
  charge(&r, MONDAY_2130, 0, 2);
  t21_total c = t21_cost(&r);
  assert_int_equal(c.type, T21_MIN);
  assert_float_equal(c.total.excl, 5.00, 1e-9);
  assert_string_equal(t21_cost_type_name(c.type), "MinCost");
  charge(&r, MONDAY_2130 + 20 * MIN_MS, 0, 8); /* 10 kWh */
  c = t21_cost(&r);
  assert_int_equal(c.type, T21_MAX);
  assert_float_equal(c.total.excl, 8.00, 1e-9);
  assert_float_equal(c.total.incl, 9.60, 1e-9);
  assert_float_equal(c.energy.excl, 10.00, 1e-9); /* the components as counted */
}

static void a_new_tariff_opens_a_period(void **state) {
  (void)state;
  tariff21 a = base(), b = base();
  a.energy.prices[a.energy.count++] = price(0.30);
  strcpy(b.id, "T2");
  b.energy.prices[b.energy.count++] = price(0.10);
  b.fixed.prices[b.fixed.count++] = price(5); /* not charged again */
  tariff21_run r;
  t21_start(&r, &a, MONDAY_2130, 0, 0);
  charge(&r, MONDAY_2130, 0, 3);
  t21_change(&r, &b, MONDAY_2130 + 30 * MIN_MS, 0, 3000);
  charge(&r, MONDAY_2130 + 30 * MIN_MS, 0, 2);
  t21_total c = t21_cost(&r);
  assert_float_equal(c.energy.excl, 1.10, 1e-9);
  assert_float_equal(c.fixed.excl, 0, 1e-9);
  assert_int_equal(r.period_count, 2);
  assert_string_equal(r.periods[0].tariff_id, "T1");
  assert_float_equal(r.periods[0].energy_wh, 3000, 1e-9);
  assert_string_equal(r.periods[1].tariff_id, "T2");
  assert_true(r.periods[1].start_ms == MONDAY_2130 + 30 * MIN_MS);
  assert_float_equal(r.periods[1].energy_wh, 2000, 1e-9);
  /* more changes than periods kept: the last one goes on */
  for (int i = 0; i < 20; i++)
    t21_change(&r, i % 2 ? &a : &b, MONDAY_2130 + (60 + i) * MIN_MS, 0, 5000);
  assert_int_equal(r.period_count, T21_MAX_PERIODS);
}

static void readings_that_go_back_count_nothing(void **state) {
  (void)state;
  tariff21 t = base();
  t.energy.prices[t.energy.count++] = price(1.00);
  t.charging.prices[t.charging.count++] = price(1.00);
  tariff21_run r;
  t21_start(&r, &t, MONDAY_2130, 0, 5000);
  t21_step(&r, MONDAY_2130, 0, 5000, true, 16, 11000);
  t21_step(&r, MONDAY_2130 + MIN_MS, 0, 4000, true, 16, 11000);     /* a meter that went back */
  t21_step(&r, MONDAY_2130 - MIN_MS, 0, 6000, true, 16, 11000);     /* a clock that went back */
  t21_step(&r, MONDAY_2130 + 2 * MIN_MS, 0, 7000, true, 16, 11000); /* 1 min, 1 kWh */
  t21_total c = t21_cost(&r);
  assert_float_equal(c.energy.excl, 1.00, 1e-9);
  assert_float_equal(c.charging.excl, 1.00, 1e-9);
}

static void times_of_day(void **state) {
  (void)state;
  assert_int_equal(t21_time_of_day("00:00"), 0);
  assert_int_equal(t21_time_of_day("23:59"), 1439);
  assert_int_equal(t21_time_of_day("24:00"), -1);
  assert_int_equal(t21_time_of_day("7:00"), -1);
  assert_int_equal(t21_time_of_day("07:60"), -1);
  assert_int_equal(t21_time_of_day("ab:cd"), -1);
  assert_int_equal(t21_time_of_day(NULL), -1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(every_component_and_taxes),
      cmocka_unit_test(stacked_taxes),
      cmocka_unit_test(first_price_that_holds_by_time_of_day),
      cmocka_unit_test(day_of_week_dates_and_kind),
      cmocka_unit_test(energy_and_duration_conditions),
      cmocka_unit_test(minimum_and_maximum_cost),
      cmocka_unit_test(a_new_tariff_opens_a_period),
      cmocka_unit_test(readings_that_go_back_count_nothing),
      cmocka_unit_test(times_of_day),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
