/*
 * The cost of a transaction under an OCPP 2.1 tariff (TariffType, block I
 * "local cost"), as far as an AC station needs it: a price per kWh, per
 * minute of charging, per minute idle (plugged in, not charging), a fixed
 * fee, each a list of prices of which the first whose conditions hold
 * counts, taxes stacked on the net price, and a minimum and maximum cost.
 *
 * Pure: no I/O, no clock, no OCPP message types. The caller fills a
 * tariff21 (cost.c converts the generated 2.1 types), starts a run at the
 * transaction's start and steps it with each meter reading; a step's energy
 * and time count at the prices whose conditions hold at the step's start
 * (the readings come every few seconds). Times are milliseconds since the
 * epoch (UTC) with the local offset of the moment for the time-of-day, day
 * of week and date conditions.
 */
#ifndef BORNE_TARIFF21_H
#define BORNE_TARIFF21_H

#include <stdbool.h>
#include <stdint.h>

#define T21_MAX_PRICES 8  /* prices of one component (TooManyElements beyond) */
#define T21_MAX_TAXES 4   /* tax rates of one component */
#define T21_MAX_PERIODS 8 /* charging periods kept (a tariff change opens one) */

/* Conditions of a price; a bound < 0 (or "" / 0) is not set. */
typedef struct {
  int start_min, end_min; /* time of day, minutes after midnight; end < start wraps */
  unsigned days;          /* bit 0 Monday ... bit 6 Sunday; 0 any day */
  char valid_from[11];    /* local date YYYY-MM-DD, inclusive */
  char valid_to[11];      /* exclusive */
  bool dc_only;           /* evseKind DC: never holds on an AC station */
  double min_wh, max_wh;  /* energy of the transaction so far: [min, max) */
  double min_a, max_a;    /* current, A */
  double min_w, max_w;    /* power, W */
  double min_s, max_s;    /* duration of the transaction so far, s */
  double min_charging_s, max_charging_s;
  double min_idle_s, max_idle_s;
} t21_cond;

typedef struct {
  double price; /* per kWh, per minute or once, excluding taxes */
  t21_cond cond;
} t21_price;

typedef struct {
  char type[21];
  double tax; /* percent */
  int stack;  /* 0: on the net price; 1: on top of stack 0; ... */
} t21_tax;

typedef struct {
  t21_price prices[T21_MAX_PRICES];
  int count;
  t21_tax taxes[T21_MAX_TAXES];
  int tax_count;
} t21_component;

typedef struct {
  bool set;
  double excl, incl; /* < 0 when not given */
} t21_bound;

typedef struct {
  char id[61];
  char currency[4];
  t21_component energy;   /* per kWh */
  t21_component charging; /* per minute charging */
  t21_component idle;     /* per minute plugged in and not charging */
  t21_component fixed;    /* once, at the start */
  t21_bound min_cost, max_cost;
} tariff21;

/* A condition with no bound: every member "not set". */
void t21_cond_none(t21_cond *c);
/* "HH:MM" -> minutes after midnight, -1 when it is not one. */
int t21_time_of_day(const char *text);

/* What a component adds: excluding and including its taxes. */
typedef struct {
  double excl, incl;
} t21_amount;

typedef struct {
  char tariff_id[61];
  int64_t start_ms;
  double energy_wh, charging_s, idle_s; /* counted in this period */
} t21_period;

typedef struct tariff21_run {
  tariff21 t; /* in force now */
  int64_t start_ms, last_ms;
  double last_wh;
  bool last_charging;
  double last_a, last_w;
  double energy_wh, charging_s, idle_s; /* the transaction's so far */
  t21_amount energy, charging, idle, fixed;
  t21_period periods[T21_MAX_PERIODS];
  int period_count;
} tariff21_run;

typedef enum { T21_NORMAL, T21_MIN, T21_MAX } t21_cost_type;

typedef struct {
  t21_amount energy, charging, idle, fixed;
  t21_amount total; /* after the minimum and maximum cost */
  t21_cost_type type;
} t21_total;

/* The transaction starts at at_ms with the meter at wh: the fixed fees
 * whose conditions hold then count. */
void t21_start(tariff21_run *r, const tariff21 *t, int64_t at_ms, int tz_offset_s, double wh);
/* A reading at at_ms: the meter at wh, charging or not (idle), current a
 * and power w. The time and energy since the last reading count at the
 * prices that held at its start. A reading earlier than the last, or a
 * meter that went back, counts nothing (and becomes the new start). */
void t21_step(tariff21_run *r, int64_t at_ms, int tz_offset_s, double wh, bool charging, double a,
              double w);
/* A new tariff from at_ms (ChangeTransactionTariff): the time until then at
 * the old one, a new charging period. No fixed fee of the new one. */
void t21_change(tariff21_run *r, const tariff21 *t, int64_t at_ms, int tz_offset_s, double wh);
/* The cost so far, each amount rounded to the cent (half away from zero). */
t21_total t21_cost(const tariff21_run *r);
const char *t21_cost_type_name(t21_cost_type t); /* "NormalCost", "MinCost", "MaxCost" */

/* 2.1 I12.FR.02: a running cost update every interval_s seconds
 * (TariffCostCtrlr.Interval[Cost]) counted from *last. True when one is due
 * at now (*last becomes now); *next is when the next one is (INT64_MAX:
 * never, interval_s 0 or less). A clock that went back counts from now
 * again (nothing due). */
bool t21_running_cost_due(int64_t *last, int64_t now, long interval_s, int64_t *next);

#endif
