/*
 * The 2.1 local cost's JSON (see tariff_json.h): a TariffType decoded with the
 * generated 2.1 type into the pure calculator's tariff21, the calculator's
 * state saved with the session, and a transaction's costDetails.
 */
#include "ocpp/v201/tariff_json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ocpp21_messages.h" /* generated from the OCPP 2.1 schemas */
#include "util/timefmt.h"

/* ---------- the generated 2.1 TariffType -> tariff21 ---------- */

/* The members of TariffConditionsFixedType (and of TariffConditionsType). */
#define FIXED_COND(d, c, why)                                                                      \
  do {                                                                                             \
    if ((c).has_startTimeOfDay && ((d).start_min = t21_time_of_day((c).startTimeOfDay)) < 0)       \
      why = "startTimeOfDay";                                                                      \
    if ((c).has_endTimeOfDay && ((d).end_min = t21_time_of_day((c).endTimeOfDay)) < 0)             \
      why = "endTimeOfDay";                                                                        \
    for (size_t j_ = 0; (c).has_dayOfWeek && j_ < (c).dayOfWeek_count; j_++)                       \
      (d).days |= 1u << (int)(c).dayOfWeek[j_];                                                    \
    if ((c).has_validFromDate)                                                                     \
      snprintf((d).valid_from, sizeof(d).valid_from, "%.10s", (c).validFromDate);                  \
    if ((c).has_validToDate) snprintf((d).valid_to, sizeof(d).valid_to, "%.10s", (c).validToDate); \
    (d).dc_only = (c).has_evseKind && (int)(c).evseKind == 1; /* DC */                             \
  } while (0)

#define BOUND(d, c, lo, hi, m, M)                                                                  \
  do {                                                                                             \
    if ((c).has_##m) (d).lo = (double)(c).m;                                                       \
    if ((c).has_##M) (d).hi = (double)(c).M;                                                       \
  } while (0)

#define FULL_COND(d, c, why)                                                                       \
  do {                                                                                             \
    FIXED_COND(d, c, why);                                                                         \
    BOUND(d, c, min_wh, max_wh, minEnergy, maxEnergy);                                             \
    BOUND(d, c, min_a, max_a, minCurrent, maxCurrent);                                             \
    BOUND(d, c, min_w, max_w, minPower, maxPower);                                                 \
    BOUND(d, c, min_s, max_s, minTime, maxTime);                                                   \
    BOUND(d, c, min_charging_s, max_charging_s, minChargingTime, maxChargingTime);                 \
    BOUND(d, c, min_idle_s, max_idle_s, minIdleTime, maxIdleTime);                                 \
  } while (0)

/* One component (energy, chargingTime, idleTime, fixedFee); status set on
 * what the station cannot take. */
#define COMPONENT(d, s, has, PRICE, COND, PAYMENT, status, why)                                    \
  do {                                                                                             \
    if (!(has)) break;                                                                             \
    if ((s).prices_count > T21_MAX_PRICES ||                                                       \
        ((s).has_taxRates && (s).taxRates_count > T21_MAX_TAXES)) {                                \
      status = "TooManyElements";                                                                  \
      break;                                                                                       \
    }                                                                                              \
    for (size_t i_ = 0; i_ < (s).prices_count; i_++) {                                             \
      t21_price *p_ = &(d).prices[(d).count++];                                                    \
      t21_cond_none(&p_->cond);                                                                    \
      p_->price = (s).prices[i_].PRICE;                                                            \
      if ((s).prices[i_].has_conditions) {                                                         \
        COND(p_->cond, (s).prices[i_].conditions, why);                                            \
        PAYMENT((s).prices[i_].conditions, status);                                                \
      }                                                                                            \
    }                                                                                              \
    for (size_t i_ = 0; (s).has_taxRates && i_ < (s).taxRates_count; i_++) {                       \
      t21_tax *x_ = &(d).taxes[(d).tax_count++];                                                   \
      snprintf(x_->type, sizeof x_->type, "%s", (s).taxRates[i_].type);                            \
      x_->tax = (s).taxRates[i_].tax;                                                              \
      x_->stack = (s).taxRates[i_].has_stack ? (int)(s).taxRates[i_].stack : 0;                    \
    }                                                                                              \
  } while (0)

/* TariffConditionsFixedType (fixedFee) has the payment members, which borne
 * cannot check (no payment terminal); TariffConditionsType has none. */
#define PAYMENT_UNSUPPORTED(c, status)                                                             \
  do {                                                                                             \
    if ((c).has_paymentBrand || (c).has_paymentRecognition) status = "ConditionNotSupported";      \
  } while (0)
#define NO_PAYMENT(c, status)                                                                      \
  do {                                                                                             \
  } while (0)

#define CONVERT_TARIFF(d, s, status, why)                                                          \
  do {                                                                                             \
    memset(&(d), 0, sizeof(d));                                                                    \
    snprintf((d).id, sizeof(d).id, "%s", (s).tariffId);                                            \
    snprintf((d).currency, sizeof(d).currency, "%s", (s).currency);                                \
    COMPONENT((d).energy, (s).energy, (s).has_energy, priceKwh, FULL_COND, NO_PAYMENT, status,     \
              why);                                                                                \
    COMPONENT((d).charging, (s).chargingTime, (s).has_chargingTime, priceMinute, FULL_COND,        \
              NO_PAYMENT, status, why);                                                            \
    COMPONENT((d).idle, (s).idleTime, (s).has_idleTime, priceMinute, FULL_COND, NO_PAYMENT,        \
              status, why);                                                                        \
    COMPONENT((d).fixed, (s).fixedFee, (s).has_fixedFee, priceFixed, FIXED_COND,                   \
              PAYMENT_UNSUPPORTED, status, why);                                                   \
    if ((s).has_minCost)                                                                           \
      (d).min_cost = (t21_bound){true, (s).minCost.has_exclTax ? (s).minCost.exclTax : -1,         \
                                 (s).minCost.has_inclTax ? (s).minCost.inclTax : -1};              \
    if ((s).has_maxCost)                                                                           \
      (d).max_cost = (t21_bound){true, (s).maxCost.has_exclTax ? (s).maxCost.exclTax : -1,         \
                                 (s).maxCost.has_inclTax ? (s).maxCost.inclTax : -1};              \
    if ((d).min_cost.set && (d).min_cost.excl < 0 && (d).min_cost.incl < 0)                        \
      (d).min_cost.set = false;                                                                    \
    if ((d).max_cost.set && (d).max_cost.excl < 0 && (d).max_cost.incl < 0)                        \
      (d).max_cost.set = false;                                                                    \
  } while (0)

/* A TariffType (JSON, as the CSMS sent it) -> t: "Accepted", or the
 * TariffSetStatus that refuses it (why says what). Decoded with the
 * generated 2.1 type of SetDefaultTariffRequest. */
const char *v201_tariff_of_json(const json_t *tf, tariff21 *t, const char **why) {
  *why = NULL;
  json_t *wrap = json_pack("{s:i, s:O}", "evseId", 0, "tariff", tf);
  ocpp21_SetDefaultTariffRequest q;
  ocpp_error e;
  const char *status = "Accepted";
  if (!wrap || ocpp21_SetDefaultTariffRequest_decode(wrap, &q, &e) != 0) {
    json_decref(wrap);
    *why = "not a TariffType";
    return "Rejected";
  }
  json_decref(wrap);
  CONVERT_TARIFF(*t, q.tariff, status, *why);
  if (*why && !strcmp(status, "Accepted")) status = "Rejected";
  ocpp21_SetDefaultTariffRequest_free(&q);
  return status;
}

/* ---------- the calculator's state ---------- */

static json_t *amount_json(t21_amount a) { return json_pack("[f, f]", a.excl, a.incl); }
static t21_amount amount_of(const json_t *j) {
  return (t21_amount){json_number_value(json_array_get(j, 0)),
                      json_number_value(json_array_get(j, 1))};
}

char *v201_tariff_state(const tariff21_run *r, const json_t *tariff, bool driver) {
  json_t *periods = json_array();
  for (int i = 0; i < r->period_count; i++)
    json_array_append_new(periods,
                          json_pack("[s, I, f, f, f]", r->periods[i].tariff_id,
                                    (json_int_t)r->periods[i].start_ms, r->periods[i].energy_wh,
                                    r->periods[i].charging_s, r->periods[i].idle_s));
  json_t *s =
      json_pack("{s:O, s:b, s:I, s:I, s:f, s:b, s:f, s:f, s:f, s:o, s:o, s:o, s:o, s:o}", "tariff",
                tariff, "driver", driver, "start_ms", (json_int_t)r->start_ms, "last_ms",
                (json_int_t)r->last_ms, "last_wh", r->last_wh, "charging", r->last_charging,
                "energy_wh", r->energy_wh, "charging_s", r->charging_s, "idle_s", r->idle_s,
                "energy", amount_json(r->energy), "charging_cost", amount_json(r->charging), "idle",
                amount_json(r->idle), "fixed", amount_json(r->fixed), "periods", periods);
  char *text = s ? json_dumps(s, JSON_COMPACT) : NULL;
  json_decref(s);
  return text;
}

static double num(const json_t *s, const char *key) {
  double v = json_number_value(json_object_get(s, key));
  return isfinite(v) ? v : 0;
}

/* A saved instant that an RFC 3339 date-time can say (years 0000-9999): a
 * state saved by this station always is; anything else is not its state. */
static bool instant_ok(const json_t *v) {
  json_int_t ms = json_integer_value(v);
  return json_is_integer(v) && ms >= 0 && ms <= 253402300799999LL;
}

int v201_tariff_restore(const char *text, tariff21_run *r, json_t **tariff, bool *driver) {
  json_t *s = text ? json_loads(text, 0, NULL) : NULL;
  tariff21 t;
  const char *why;
  const json_t *tf = json_object_get(s, "tariff");
  if (!json_is_object(s) || !json_is_object(tf) ||
      strcmp(v201_tariff_of_json(tf, &t, &why), "Accepted") != 0 ||
      !instant_ok(json_object_get(s, "start_ms")) || !instant_ok(json_object_get(s, "last_ms"))) {
    json_decref(s);
    return -1;
  }
  const json_t *periods = json_object_get(s, "periods");
  for (size_t i = 0; i < json_array_size(periods); i++)
    if (!instant_ok(json_array_get(json_array_get(periods, i), 1))) {
      json_decref(s);
      return -1;
    }
  t21_start(r, &t, json_integer_value(json_object_get(s, "start_ms")), 0, num(s, "last_wh"));
  memset(&r->fixed, 0, sizeof r->fixed); /* the amounts are the saved ones */
  r->last_ms = json_integer_value(json_object_get(s, "last_ms"));
  r->last_charging = json_is_true(json_object_get(s, "charging"));
  r->energy_wh = num(s, "energy_wh");
  r->charging_s = num(s, "charging_s");
  r->idle_s = num(s, "idle_s");
  r->energy = amount_of(json_object_get(s, "energy"));
  r->charging = amount_of(json_object_get(s, "charging_cost"));
  r->idle = amount_of(json_object_get(s, "idle"));
  r->fixed = amount_of(json_object_get(s, "fixed"));
  r->period_count = 0;
  for (size_t i = 0; i < json_array_size(periods) && i < T21_MAX_PERIODS; i++) {
    const json_t *p = json_array_get(periods, i);
    t21_period *d = &r->periods[r->period_count++];
    const char *id = json_string_value(json_array_get(p, 0));
    snprintf(d->tariff_id, sizeof d->tariff_id, "%s", id ? id : "");
    d->start_ms = json_integer_value(json_array_get(p, 1));
    d->energy_wh = json_number_value(json_array_get(p, 2));
    d->charging_s = json_number_value(json_array_get(p, 3));
    d->idle_s = json_number_value(json_array_get(p, 4));
  }
  if (!r->period_count) r->period_count = 1;
  *tariff = json_incref((json_t *)tf);
  *driver = json_is_true(json_object_get(s, "driver"));
  json_decref(s);
  return 0;
}

/* ---------- costDetails ---------- */

static json_t *price_json(t21_amount a) {
  return json_pack("{s:f, s:f}", "exclTax", a.excl, "inclTax", a.incl);
}

json_t *v201_cost_details_json(const tariff21_run *r, bool periods_too) {
  t21_total t = t21_cost(r);
  json_t *periods = json_array();
  for (int i = 0; i < r->period_count; i++) {
    const t21_period *p = &r->periods[i];
    char at[40];
    timefmt_iso(p->start_ms, at, sizeof at);
    json_array_append_new(periods, json_pack("{s:s, s:s, s:[{s:s, s:f}, {s:s, s:f}, {s:s, s:f}]}",
                                             "tariffId", p->tariff_id, "startPeriod", at,
                                             "dimensions", "type", "Energy", "volume", p->energy_wh,
                                             "type", "ChargingTime", "volume", p->charging_s,
                                             "type", "IdleTIme", "volume", p->idle_s));
  }
  json_t *total = json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:o}", "currency", r->t.currency,
                            "typeOfCost", t21_cost_type_name(t.type), "fixed", price_json(t.fixed),
                            "energy", price_json(t.energy), "chargingTime", price_json(t.charging),
                            "idleTime", price_json(t.idle), "total", price_json(t.total));
  double all_s = r->charging_s + r->idle_s;
  json_t *usage = json_pack("{s:f, s:I, s:I}", "energy", r->energy_wh, "chargingTime",
                            (json_int_t)(isfinite(all_s) ? llround(all_s) : 0), "idleTime",
                            (json_int_t)(isfinite(r->idle_s) ? llround(r->idle_s) : 0));
  if (!total || !usage) { /* a number JSON cannot hold (infinite) */
    json_decref(periods);
    json_decref(total);
    json_decref(usage);
    return NULL;
  }
  json_t *d = json_pack("{s:o, s:o}", "totalCost", total, "totalUsage", usage);
  /* chargingPeriods has minItems 1: left out before the first period */
  if (d && periods_too && json_array_size(periods)) json_object_set(d, "chargingPeriods", periods);
  json_decref(periods);
  return d;
}

/* ---------- TariffCostCtrlr.Problem ---------- */

json_t *v201_tariff_problem_event(int event_id, int64_t now_ms, const char *tech_code,
                                  const char *tariff_id) {
  char at[40], info[120];
  timefmt_iso(now_ms, at, sizeof at);
  snprintf(info, sizeof info, "driver tariff %.60s not taken", tariff_id ? tariff_id : "");
  return json_pack("{s:s, s:i, s:[{s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:{s:s}, s:{s:s}}]}",
                   "generatedAt", at, "seqNo", 0, "eventData", "eventId", event_id, "timestamp", at,
                   "trigger", "Alerting", "actualValue", "true", "techCode",
                   tech_code ? tech_code : "InternalError", "techInfo", info,
                   "eventNotificationType", "HardWiredNotification", "component", "name",
                   "TariffCostCtrlr", "variable", "name", "Problem");
}
