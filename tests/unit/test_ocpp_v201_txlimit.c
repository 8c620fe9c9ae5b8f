/*
 * OCPP 2.1 E16 transaction limits, the pure part (src/ocpp/v201/txlimit.c):
 * a TransactionLimitType read (only the supported members), written back,
 * merged with a later one, and reached or not on a virtual clock (the time
 * since the start), the energy since the start, a running cost and an SoC;
 * the trigger and stopped reasons of each kind; the payload of an event
 * queued under 2.1 said in 2.0.1 words (v201_event_as_201).
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

#include "ocpp/v201/model.h"
#include "ocpp/v201/txlimit.h"

#define ALL                                                                                        \
  ((1u << V201_TXLIM_ENERGY) | (1u << V201_TXLIM_TIME) | (1u << V201_TXLIM_COST) |                 \
   (1u << V201_TXLIM_SOC))
#define NO_SOC ((1u << V201_TXLIM_ENERGY) | (1u << V201_TXLIM_TIME) | (1u << V201_TXLIM_COST))

static v201_txlimit parsed(const char *text, unsigned supported, bool *ok) {
  json_t *j = json_loads(text, 0, NULL);
  v201_txlimit l = {0};
  *ok = v201_txlimit_parse(j, supported, &l);
  json_decref(j);
  return l;
}

static void parse_and_write_back(void **state) {
  (void)state;
  bool ok;
  v201_txlimit l = parsed(
      "{\"maxEnergy\": 1500.5, \"maxTime\": 600, \"maxCost\": 2.5, \"maxSoC\": 80}", ALL, &ok);
  assert_true(ok);
  assert_true(l.has_energy && l.has_time && l.has_cost && l.has_soc);
  assert_true(l.max_energy_wh == 1500.5);
  assert_int_equal(l.max_time_s, 600);
  assert_true(l.max_cost == 2.5);
  assert_int_equal(l.max_soc, 80);
  json_t *back = v201_txlimit_json(&l);
  assert_true(json_real_value(json_object_get(back, "maxEnergy")) == 1500.5);
  assert_int_equal(json_integer_value(json_object_get(back, "maxTime")), 600);
  assert_int_equal(json_integer_value(json_object_get(back, "maxSoC")), 80);
  assert_int_equal(json_object_size(back), 4);
  json_decref(back);
}

static void unsupported_members_are_left_out(void **state) {
  (void)state;
  bool ok;
  v201_txlimit l = parsed("{\"maxSoC\": 80, \"maxEnergy\": 100}", NO_SOC, &ok);
  assert_true(ok);
  assert_false(l.has_soc);
  assert_true(l.has_energy);
  /* nothing supported left: no limit at all */
  (void)parsed("{\"maxSoC\": 80}", NO_SOC, &ok);
  assert_false(ok);
  (void)parsed("{}", ALL, &ok);
  assert_false(ok);
  (void)parsed("[]", ALL, &ok);
  assert_false(ok);
  /* a maxTime that is no integer is no maxTime */
  (void)parsed("{\"maxTime\": 1.5}", ALL, &ok);
  assert_false(ok);
  v201_txlimit empty = {0};
  assert_null(v201_txlimit_json(&empty));
}

static void merge_keeps_what_the_update_does_not_name(void **state) {
  (void)state;
  bool ok;
  v201_txlimit a = parsed("{\"maxEnergy\": 1000, \"maxTime\": 60}", ALL, &ok);
  v201_txlimit b = parsed("{\"maxEnergy\": 2000, \"maxCost\": 3}", ALL, &ok);
  v201_txlimit m = v201_txlimit_merge(&a, &b);
  assert_true(m.has_energy && m.max_energy_wh == 2000);
  assert_true(m.has_time && m.max_time_s == 60);
  assert_true(m.has_cost && m.max_cost == 3);
  assert_false(m.has_soc);
  assert_false(v201_txlimit_equal(&m, &a));
  /* the same limit told again changes nothing */
  v201_txlimit again = v201_txlimit_merge(&m, &b);
  assert_true(v201_txlimit_equal(&again, &m));
}

static void reached_on_a_virtual_clock(void **state) {
  (void)state;
  bool ok;
  v201_txlimit l = parsed("{\"maxEnergy\": 1000, \"maxTime\": 120}", ALL, &ok);
  borne_ms start = 1700000000000;
  borne_ms now = start;
  v201_txlimit_usage u = {.energy_wh = 0, .elapsed = now - start};
  assert_int_equal(v201_txlimit_reached(&l, &u), V201_TXLIM_NONE);
  now += 60000;
  u = (v201_txlimit_usage){.energy_wh = 999.9, .elapsed = now - start};
  assert_int_equal(v201_txlimit_reached(&l, &u), V201_TXLIM_NONE);
  u.energy_wh = 1000;
  assert_int_equal(v201_txlimit_reached(&l, &u), V201_TXLIM_ENERGY);
  /* the time: due 120 s after the start, not a millisecond before */
  assert_int_equal(v201_txlimit_time_due(&l, start), start + 120000);
  now = start + 119999;
  u = (v201_txlimit_usage){.energy_wh = 10, .elapsed = now - start};
  assert_int_equal(v201_txlimit_reached(&l, &u), V201_TXLIM_NONE);
  now += 1;
  u.elapsed = now - start;
  assert_int_equal(v201_txlimit_reached(&l, &u), V201_TXLIM_TIME);
  /* both at once: energy first */
  u.energy_wh = 5000;
  assert_int_equal(v201_txlimit_reached(&l, &u), V201_TXLIM_ENERGY);
  v201_txlimit none = {0};
  assert_int_equal(v201_txlimit_time_due(&none, start), INT64_MAX);
}

/* Suspended at the limit, the energy may flow again once a raised limit
 * (merged over the one in force) is above what the transaction did: not
 * when the raise is still at or below it, nor when another member stays
 * reached. */
static void a_raised_limit_lifts_the_suspension(void **state) {
  (void)state;
  bool ok;
  v201_txlimit l = parsed("{\"maxEnergy\": 400, \"maxTime\": 3600}", ALL, &ok);
  v201_txlimit_usage u = {.energy_wh = 400.5, .elapsed = 600000};
  assert_int_equal(v201_txlimit_reached(&l, &u), V201_TXLIM_ENERGY);
  v201_txlimit up = parsed("{\"maxEnergy\": 400.5}", ALL, &ok);
  v201_txlimit m = v201_txlimit_merge(&l, &up);
  assert_int_equal(v201_txlimit_reached(&m, &u), V201_TXLIM_ENERGY); /* not above it */
  up = parsed("{\"maxEnergy\": 800}", ALL, &ok);
  m = v201_txlimit_merge(&l, &up);
  assert_int_equal(v201_txlimit_reached(&m, &u), V201_TXLIM_NONE);
  assert_true(m.has_time && m.max_time_s == 3600); /* the time still holds */
  u.elapsed = 3600000;
  assert_int_equal(v201_txlimit_reached(&m, &u), V201_TXLIM_TIME);
}

/* TxCtrlr.SupportedLimits: the members held, in the schema's spelling. */
static void supported_limits_in_the_schema_words(void **state) {
  (void)state;
  char buf[64];
  assert_string_equal(v201_txlimit_supported_list(V201_TXLIM_SUPPORTED, buf, sizeof buf),
                      "maxEnergy,maxTime,maxCost");
  assert_string_equal(v201_txlimit_supported_list(ALL, buf, sizeof buf),
                      "maxEnergy,maxTime,maxCost,maxSoC");
  assert_string_equal(v201_txlimit_supported_list(1u << V201_TXLIM_COST, buf, sizeof buf),
                      "maxCost");
  assert_string_equal(v201_txlimit_supported_list(0, buf, sizeof buf), "");
  char small[12];
  assert_string_equal(v201_txlimit_supported_list(ALL, small, sizeof small), "maxEnergy");
  /* the supported set leaves the SoC out: parsing drops it */
  bool ok;
  v201_txlimit l = parsed("{\"maxSoC\": 80, \"maxCost\": 3}", V201_TXLIM_SUPPORTED, &ok);
  assert_true(ok && l.has_cost && !l.has_soc);
}

static void cost_and_soc_only_when_known(void **state) {
  (void)state;
  bool ok;
  v201_txlimit l = parsed("{\"maxCost\": 2.0, \"maxSoC\": 80}", ALL, &ok);
  v201_txlimit_usage u = {.cost = 5, .soc = 90};
  assert_int_equal(v201_txlimit_reached(&l, &u), V201_TXLIM_NONE); /* neither known */
  u.cost_known = true;
  u.cost = 1.99;
  assert_int_equal(v201_txlimit_reached(&l, &u), V201_TXLIM_NONE);
  u.cost = 2.0;
  assert_int_equal(v201_txlimit_reached(&l, &u), V201_TXLIM_COST);
  u.cost = 0;
  u.soc_known = true;
  u.soc = 79.9;
  assert_int_equal(v201_txlimit_reached(&l, &u), V201_TXLIM_NONE);
  u.soc = 80;
  assert_int_equal(v201_txlimit_reached(&l, &u), V201_TXLIM_SOC);
}

static void reasons(void **state) {
  (void)state;
  assert_string_equal(v201_txlimit_trigger(V201_TXLIM_ENERGY), "EnergyLimitReached");
  assert_string_equal(v201_txlimit_trigger(V201_TXLIM_TIME), "TimeLimitReached");
  assert_string_equal(v201_txlimit_trigger(V201_TXLIM_COST), "CostLimitReached");
  assert_string_equal(v201_txlimit_trigger(V201_TXLIM_SOC), "SoCLimitReached");
  assert_null(v201_txlimit_trigger(V201_TXLIM_NONE));
  assert_string_equal(v201_txlimit_stopped(V201_TXLIM_ENERGY), "EnergyLimitReached");
  assert_string_equal(v201_txlimit_stopped(V201_TXLIM_TIME), "TimeLimitReached");
  assert_string_equal(v201_txlimit_stopped(V201_TXLIM_COST), "LocalOutOfCredit");
  assert_string_equal(v201_txlimit_stopped(V201_TXLIM_SOC), "SOCLimitReached");
  assert_null(v201_txlimit_stopped(V201_TXLIM_NONE));
}

static void event_in_201_words(void **state) {
  (void)state;
  bool ok;
  v201_txlimit l = parsed("{\"maxEnergy\": 1000}", ALL, &ok);
  json_t *tl = v201_txlimit_json(&l);
  v201_tx_event e = {.kind = CP_EVENT_UPDATED,
                     .trigger_reason = "LimitSet",
                     .seq_no = 3,
                     .at = 1700000000000,
                     .tx_id = "7-abc",
                     .status = STATUS_CHARGING,
                     .evse = 1,
                     .transaction_limit = tl};
  json_t *p = v201_transaction_event(&e);
  json_decref(tl);
  json_t *info = json_object_get(p, "transactionInfo");
  assert_true(json_real_value(
                  json_object_get(json_object_get(info, "transactionLimit"), "maxEnergy")) == 1000);
  assert_true(v201_event_as_201(p));
  assert_null(json_object_get(info, "transactionLimit"));
  assert_string_equal(json_string_value(json_object_get(p, "triggerReason")), "MeterValuePeriodic");
  assert_false(v201_event_as_201(p)); /* 2.0.1 words already */
  json_decref(p);
  /* a 2.0.1 trigger stays as it is */
  e.transaction_limit = NULL;
  e.trigger_reason = "EnergyLimitReached";
  e.kind = CP_EVENT_ENDED;
  e.stopped_name = "EnergyLimitReached";
  p = v201_transaction_event(&e);
  assert_false(v201_event_as_201(p));
  assert_string_equal(json_string_value(json_object_get(p, "triggerReason")), "EnergyLimitReached");
  json_decref(p);
  e.trigger_reason = "CostLimitReached";
  p = v201_transaction_event(&e);
  assert_true(v201_event_as_201(p));
  assert_string_equal(json_string_value(json_object_get(p, "triggerReason")),
                      "ChargingStateChanged");
  json_decref(p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(parse_and_write_back),
      cmocka_unit_test(unsupported_members_are_left_out),
      cmocka_unit_test(merge_keeps_what_the_update_does_not_name),
      cmocka_unit_test(reached_on_a_virtual_clock),
      cmocka_unit_test(cost_and_soc_only_when_known),
      cmocka_unit_test(reasons),
      cmocka_unit_test(a_raised_limit_lifts_the_suspension),
      cmocka_unit_test(supported_limits_in_the_schema_words),
      cmocka_unit_test(event_in_201_words),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
