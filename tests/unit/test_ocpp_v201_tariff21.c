/*
 * The 2.1 TariffCostCtrlr beyond the calculator (issue 16, block I), pure:
 * the running cost updates' clock (t21_running_cost_due, I12.FR.02: every
 * Interval[Cost] seconds, on a virtual clock), their costDetails without
 * chargingPeriods (I12.FR.02, errata 2025-09) and the Ended event's with
 * them, both passing the generated 2.1 TransactionEvent validator; the
 * NotifyEvent of TariffCostCtrlr.Problem for a driver tariff the station
 * cannot take (I08.FR.37) passing the 2.1 NotifyEvent validator; and the
 * device model's Interval (Cost, Tariff), OfflineTariffFallbackMessage and
 * Problem, views of borne's settings and state under 2.1 only.
 */
/* cmocka.h needs these first */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#include <jansson.h>
#include <string.h>

#include "keys/key_tables.h"
#include "ocpp/v201/device_model.h"
#include "ocpp/v201/tariff_json.h"
#include "ocpp21_messages.h"
#include "tariff/tariff21.h"
#include "config/config.h"
#include "config/config_tables.h"

#define T0 1796679000000LL /* 2026-12-07T21:30:00Z */
#define S 1000LL

/* I12.FR.02 on a virtual clock: due every interval from the start, never
 * with 0, a clock going back counts from there again. */
static void running_cost_every_interval(void **state) {
  (void)state;
  int64_t last = T0, next;
  assert_false(t21_running_cost_due(&last, T0 + 29 * S, 30, &next));
  assert_int_equal(next, T0 + 30 * S);
  assert_true(t21_running_cost_due(&last, T0 + 30 * S, 30, &next));
  assert_int_equal(last, T0 + 30 * S);
  assert_int_equal(next, T0 + 60 * S);
  assert_false(t21_running_cost_due(&last, T0 + 31 * S, 30, &next));
  /* a late tick (the loop was busy): one update, the next an interval on */
  assert_true(t21_running_cost_due(&last, T0 + 95 * S, 30, &next));
  assert_int_equal(next, T0 + 125 * S);
  /* the clock went back an hour: nothing due, counted from there */
  assert_false(t21_running_cost_due(&last, T0 - 3600 * S, 30, &next));
  assert_int_equal(next, T0 - 3570 * S);
  assert_true(t21_running_cost_due(&last, T0 - 3570 * S, 30, &next));
  /* 0 (and below): none of their own */
  last = T0;
  assert_false(t21_running_cost_due(&last, T0 + 86400 * S, 0, &next));
  assert_int_equal(next, INT64_MAX);
  assert_false(t21_running_cost_due(&last, T0 + 86400 * S, -5, &next));
}

static json_t *tx_event(const char *type, const char *trigger, json_t *details) {
  return json_pack("{s:s, s:s, s:s, s:i, s:{s:s}, s:o}", "eventType", type, "timestamp",
                   "2026-12-07T21:40:00.000Z", "triggerReason", trigger, "seqNo", 3,
                   "transactionInfo", "transactionId", "TX-1", "costDetails", details);
}

static void valid21(const char *action, json_t *req) {
  ocpp_error err = {.kind = OCPP_ERR_NONE};
  if (ocpp21_validate(action, true, req, &err) != 0) {
    char *text = json_dumps(req, JSON_COMPACT);
    fail_msg("%s: %s %s", text, err.code, err.text);
  }
}

/* The running cost updates leave chargingPeriods out; the Ended has them. */
static void running_cost_details_have_no_periods(void **state) {
  (void)state;
  tariff21 t;
  memset(&t, 0, sizeof t);
  strcpy(t.id, "T1");
  strcpy(t.currency, "EUR");
  t.energy.prices[t.energy.count] = (t21_price){.price = 0.30};
  t21_cond_none(&t.energy.prices[t.energy.count++].cond);
  static tariff21_run r;
  t21_start(&r, &t, T0, 0, 1000);
  t21_step(&r, T0 + 600 * S, 0, 3000, true, 16, 11000);
  json_t *running = v201_cost_details_json(&r, false);
  assert_non_null(running);
  assert_null(json_object_get(running, "chargingPeriods"));
  assert_true(json_real_value(json_object_get(
                  json_object_get(json_object_get(running, "totalCost"), "total"), "inclTax")) >
              0.59);
  json_t *full = v201_cost_details_json(&r, true);
  assert_int_equal(json_array_size(json_object_get(full, "chargingPeriods")), 1);
  json_t *u = tx_event("Updated", "RunningCost", running);
  valid21("TransactionEvent", u);
  json_t *e = tx_event("Ended", "StopAuthorized", full);
  valid21("TransactionEvent", e);
  json_decref(u);
  json_decref(e);
}

/* I08.FR.37: TariffCostCtrlr.Problem, Alerting, "true", the reason. */
static void a_driver_tariff_not_taken_is_a_problem_event(void **state) {
  (void)state;
  json_t *req = v201_tariff_problem_event(42, T0, "TooManyElements", "T-DRV");
  assert_non_null(req);
  valid21("NotifyEvent", req);
  json_t *d = json_array_get(json_object_get(req, "eventData"), 0);
  assert_int_equal(json_integer_value(json_object_get(d, "eventId")), 42);
  assert_string_equal(json_string_value(json_object_get(d, "trigger")), "Alerting");
  assert_string_equal(json_string_value(json_object_get(d, "actualValue")), "true");
  assert_string_equal(json_string_value(json_object_get(d, "eventNotificationType")),
                      "HardWiredNotification");
  assert_string_equal(json_string_value(json_object_get(d, "techCode")), "TooManyElements");
  assert_string_equal(json_string_value(json_object_get(json_object_get(d, "component"), "name")),
                      "TariffCostCtrlr");
  assert_string_equal(json_string_value(json_object_get(json_object_get(d, "variable"), "name")),
                      "Problem");
  assert_non_null(strstr(json_string_value(json_object_get(d, "techInfo")), "T-DRV"));
  json_decref(req);
  /* a tariffId at its longest (36) and no reason still validate */
  req = v201_tariff_problem_event(1, T0, NULL, "012345678901234567890123456789012345");
  valid21("NotifyEvent", req);
  json_decref(req);
}

static dm_status get(const dm_ctx *c, const char *var, const char *inst, char *out, size_t len) {
  dm_ref r = {.component = "TariffCostCtrlr", .variable = var, .variable_instance = inst};
  return dm_get(c, &r, DM_ACTUAL, out, len);
}

/* The device model: views of tariff.* settings and the station's state,
 * under 2.1 only; Interval[Cost] and the offline message writable. */
static void device_model_variables(void **state) {
  (void)state;
  config *cfg = config_new();
  char err[200], v[DM_REPORTING_VALUE_SIZE + 1];
  dm_live live = {.evse_count = 1, .evse_state = {"Available"}, .v21 = false};
  dm_ctx c = {cfg, &live};
  /* 2.0.1: not there */
  assert_int_equal(get(&c, "Interval", "Cost", v, sizeof v), DM_UNKNOWN_VARIABLE);
  assert_int_equal(get(&c, "OfflineTariffFallbackMessage", NULL, v, sizeof v), DM_UNKNOWN_VARIABLE);
  assert_int_equal(get(&c, "Problem", NULL, v, sizeof v), DM_UNKNOWN_VARIABLE);
  live.v21 = true;
  assert_int_equal(get(&c, "Interval", "Cost", v, sizeof v), DM_ACCEPTED);
  assert_string_equal(v, "60");
  assert_int_equal(config_set(cfg, "tariff.running_cost_interval", "15", err, sizeof err), 0);
  assert_int_equal(get(&c, "Interval", "Cost", v, sizeof v), DM_ACCEPTED);
  assert_string_equal(v, "15");
  assert_int_equal(get(&c, "Interval", "Tariff", v, sizeof v), DM_ACCEPTED);
  assert_string_equal(v, "1");
  assert_int_equal(get(&c, "Problem", NULL, v, sizeof v), DM_ACCEPTED);
  assert_string_equal(v, "false");
  live.tariff_problem = true;
  assert_int_equal(get(&c, "Problem", NULL, v, sizeof v), DM_ACCEPTED);
  assert_string_equal(v, "true");
  assert_int_equal(get(&c, "OfflineTariffFallbackMessage", NULL, v, sizeof v), DM_ACCEPTED);
  assert_string_equal(v, "");
  /* SetVariables: through the settings' OCPP names; read-only ones refused */
  const char *name = NULL;
  char why[160];
  dm_ref r = {.component = "TariffCostCtrlr", .variable = "Interval", .variable_instance = "Cost"};
  assert_int_equal(dm_set_check(&c, &r, DM_ACTUAL, "5", &name, why, sizeof why), DM_ACCEPTED);
  assert_string_equal(name, "RunningCostInterval");
  assert_int_equal(dm_set_check(&c, &r, DM_ACTUAL, "five", &name, why, sizeof why), DM_REJECTED);
  r.variable_instance = "Tariff";
  assert_int_equal(dm_set_check(&c, &r, DM_ACTUAL, "5", &name, why, sizeof why), DM_REJECTED);
  r = (dm_ref){.component = "TariffCostCtrlr", .variable = "OfflineTariffFallbackMessage"};
  assert_int_equal(dm_set_check(&c, &r, DM_ACTUAL, "0.40 EUR/kWh", &name, why, sizeof why),
                   DM_ACCEPTED);
  assert_string_equal(name, "OfflineTariffFallbackMessage");
  r = (dm_ref){.component = "TariffCostCtrlr", .variable = "Problem"};
  assert_int_equal(dm_set_check(&c, &r, DM_ACTUAL, "false", &name, why, sizeof why), DM_REJECTED);
  config_free(cfg);
}

int main(void) {
  if (config_registry_add_table(&ocpp_keys) != 0) return 1;
  if (config_registry_add_table(&tariff_keys) != 0) return 1; /* the tariff.* keys */
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(running_cost_every_interval),
      cmocka_unit_test(running_cost_details_have_no_periods),
      cmocka_unit_test(a_driver_tariff_not_taken_is_a_problem_event),
      cmocka_unit_test(device_model_variables),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
