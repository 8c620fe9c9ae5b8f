/*
 * The pure tariff rules (tariff.h): the cost of a session, the currency's
 * shape. The module (tariff_module.c) keeps which tariff each session had.
 */
#include "tariff/tariff.h"

#include <math.h>

bool tariff_is_set(const tariff *t) {
  return t->price_kwh > 0 || t->price_hour > 0 || t->price_kwh_offpeak > 0;
}

double tariff_cost(const tariff *t, double energy_wh, int64_t occupied_ms) {
  return tariff_cost_offpeak(t, energy_wh, 0, occupied_ms);
}

double tariff_cost_offpeak(const tariff *t, double energy_wh, double offpeak_wh,
                           int64_t occupied_ms) {
  double kwh = energy_wh > 0 ? energy_wh / 1000.0 : 0;
  double off = offpeak_wh > 0 ? offpeak_wh / 1000.0 : 0;
  if (off > kwh) off = kwh;
  if (t->price_kwh_offpeak <= 0) off = 0; /* no off-peak price: every kWh at price_kwh */
  double hours = occupied_ms > 0 ? (double)occupied_ms / 3600000.0 : 0;
  double c = (kwh - off) * t->price_kwh + off * t->price_kwh_offpeak + hours * t->price_hour;
  /* 1e-9: 2.675 is 2.67499999… in binary; the guest expects 2.68 */
  return round(c * 100.0 + 1e-9) / 100.0;
}

bool tariff_currency_valid(const char *text) {
  if (!text) return false;
  for (int i = 0; i < 3; i++)
    if (text[i] < 'A' || text[i] > 'Z') return false;
  return text[3] == '\0';
}
