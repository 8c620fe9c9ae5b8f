/*
 * The price of a charge for re-billing guests (issue 19): a price per kWh
 * and per hour of occupancy in one currency, and the cost of a session from
 * its energy and duration. Pure: no I/O, no clock.
 */
#ifndef BORNE_TARIFF_H
#define BORNE_TARIFF_H

#include <stdbool.h>
#include <stdint.h>

typedef struct {
  double price_kwh;         /* per kWh delivered */
  double price_hour;        /* per hour the session lasted (plugged in, charging or not) */
  double price_kwh_offpeak; /* per kWh taken inside the charging windows; 0: price_kwh */
  char currency[4];         /* ISO 4217 code, "EUR" */
} tariff;

/* Whether the tariff asks for anything (a price of 0 and 0 is no tariff). */
bool tariff_is_set(const tariff *t);
/* Cost of energy_wh over occupied_ms, rounded to the cent (half away from
 * zero); negative inputs count as 0. */
double tariff_cost(const tariff *t, double energy_wh, int64_t occupied_ms);
/* The same when offpeak_wh of energy_wh was taken off-peak (inside the
 * charging windows, schedule.windows): that part at price_kwh_offpeak when
 * it is set. */
double tariff_cost_offpeak(const tariff *t, double energy_wh, double offpeak_wh,
                           int64_t occupied_ms);
/* Whether text is an ISO 4217 code's shape: three upper-case letters. */
bool tariff_currency_valid(const char *text);

#endif
