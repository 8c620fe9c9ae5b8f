/* The cost of a transaction under an OCPP 2.1 tariff (see tariff21.h). */
#include "tariff/tariff21.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void t21_cond_none(t21_cond *c) {
  memset(c, 0, sizeof *c);
  c->start_min = c->end_min = -1;
  c->min_wh = c->max_wh = c->min_a = c->max_a = c->min_w = c->max_w = -1;
  c->min_s = c->max_s = c->min_charging_s = c->max_charging_s = -1;
  c->min_idle_s = c->max_idle_s = -1;
}

int t21_time_of_day(const char *text) {
  if (!text || strlen(text) != 5 || text[2] != ':') return -1;
  for (int i = 0; i < 5; i++)
    if (i != 2 && (text[i] < '0' || text[i] > '9')) return -1;
  int h = (text[0] - '0') * 10 + (text[1] - '0'), m = (text[3] - '0') * 10 + (text[4] - '0');
  return h < 24 && m < 60 ? h * 60 + m : -1;
}

/* Days since 1970-01-01 of a local time -> its civil date (H. Hinnant). */
static void civil(int64_t days, int *y, int *m, int *d) {
  days += 719468;
  int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  int64_t doe = days - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  *d = (int)(doy - (153 * mp + 2) / 5 + 1);
  *m = (int)(mp < 10 ? mp + 3 : mp - 9);
  *y = (int)(yoe + era * 400 + (*m <= 2));
}

typedef struct {
  int64_t at_ms;
  int tz_offset_s;
  double wh, a, w, s, charging_s, idle_s; /* the transaction's so far, and now */
} t21_now;

static bool within(double v, double lo, double hi) {
  return (lo < 0 || v >= lo) && (hi < 0 || v < hi);
}

static bool holds(const t21_cond *c, const t21_now *n) {
  if (c->dc_only) return false;
  int64_t local_s = n->at_ms / 1000 + n->tz_offset_s;
  int64_t days = local_s >= 0 ? local_s / 86400 : (local_s - 86399) / 86400;
  int minute = (int)((local_s - days * 86400) / 60);
  if (c->start_min >= 0 || c->end_min >= 0) {
    int from = c->start_min >= 0 ? c->start_min : 0;
    int to = c->end_min >= 0 ? c->end_min : 1440;
    bool in = from <= to ? minute >= from && minute < to : minute >= from || minute < to;
    if (!in) return false;
  }
  if (c->days) {
    int dow = (int)(((days % 7) + 7 + 3) % 7); /* 1970-01-01 was a Thursday (3, Monday 0) */
    if (!(c->days & (1u << dow))) return false;
  }
  if (c->valid_from[0] || c->valid_to[0]) {
    int y, m, d;
    civil(days, &y, &m, &d);
    char date[16];
    snprintf(date, sizeof date, "%04d-%02d-%02d", y, m, d);
    if (c->valid_from[0] && strcmp(date, c->valid_from) < 0) return false;
    if (c->valid_to[0] && strcmp(date, c->valid_to) >= 0) return false;
  }
  return within(n->wh, c->min_wh, c->max_wh) && within(n->a, c->min_a, c->max_a) &&
         within(n->w, c->min_w, c->max_w) && within(n->s, c->min_s, c->max_s) &&
         within(n->charging_s, c->min_charging_s, c->max_charging_s) &&
         within(n->idle_s, c->min_idle_s, c->max_idle_s);
}

/* The first price of the component whose conditions hold, or NULL. */
static const t21_price *price_now(const t21_component *k, const t21_now *n) {
  for (int i = 0; i < k->count; i++)
    if (holds(&k->prices[i].cond, n)) return &k->prices[i];
  return NULL;
}

static double with_taxes(const t21_component *k, double excl) {
  double v = excl;
  for (int stack = 0; stack < 16; stack++) {
    double rate = 0;
    bool any = false;
    for (int i = 0; i < k->tax_count; i++)
      if (k->taxes[i].stack == stack) {
        rate += k->taxes[i].tax;
        any = true;
      }
    if (any) v += v * rate / 100.0;
  }
  return v;
}

static void add(t21_amount *a, const t21_component *k, double excl) {
  a->excl += excl;
  a->incl += with_taxes(k, excl);
}

static t21_now now_of(const tariff21_run *r, int64_t at_ms, int tz_offset_s) {
  return (t21_now){at_ms,         tz_offset_s, r->energy_wh,
                   r->last_a,     r->last_w,   (double)(at_ms - r->start_ms) / 1000.0,
                   r->charging_s, r->idle_s};
}

static void copy_id(char dst[61], const char *src) {
  size_t n = strnlen(src, 60);
  memmove(dst, src, n);
  dst[n] = 0;
}

static void open_period(tariff21_run *r, int64_t at_ms) {
  if (r->period_count == T21_MAX_PERIODS) { /* the last one goes on */
    copy_id(r->periods[T21_MAX_PERIODS - 1].tariff_id, r->t.id);
    return;
  }
  t21_period *p = &r->periods[r->period_count++];
  memset(p, 0, sizeof *p);
  copy_id(p->tariff_id, r->t.id);
  p->start_ms = at_ms;
}

void t21_start(tariff21_run *r, const tariff21 *t, int64_t at_ms, int tz_offset_s, double wh) {
  memset(r, 0, sizeof *r);
  r->t = *t;
  r->start_ms = r->last_ms = at_ms;
  r->last_wh = wh;
  open_period(r, at_ms);
  t21_now n = now_of(r, at_ms, tz_offset_s);
  for (int i = 0; i < t->fixed.count; i++) /* every fixed fee that holds counts */
    if (holds(&t->fixed.prices[i].cond, &n)) add(&r->fixed, &t->fixed, t->fixed.prices[i].price);
}

void t21_step(tariff21_run *r, int64_t at_ms, int tz_offset_s, double wh, bool charging, double a,
              double w) {
  if (at_ms < r->last_ms || wh < r->last_wh || !isfinite(wh)) {
    r->last_ms = at_ms > r->last_ms ? at_ms : r->last_ms;
    r->last_wh = isfinite(wh) ? wh : r->last_wh;
    r->last_charging = charging;
    return;
  }
  double dt = (double)(at_ms - r->last_ms) / 1000.0, de = wh - r->last_wh;
  t21_now n = now_of(r, r->last_ms, tz_offset_s); /* as it was at the step's start */
  const t21_price *p = price_now(&r->t.energy, &n);
  if (p) add(&r->energy, &r->t.energy, p->price * de / 1000.0);
  const t21_component *k = r->last_charging ? &r->t.charging : &r->t.idle;
  p = price_now(k, &n);
  if (p) add(r->last_charging ? &r->charging : &r->idle, k, p->price * dt / 60.0);
  r->energy_wh += de;
  if (r->last_charging)
    r->charging_s += dt;
  else
    r->idle_s += dt;
  t21_period *cur = &r->periods[r->period_count - 1];
  cur->energy_wh += de;
  if (r->last_charging)
    cur->charging_s += dt;
  else
    cur->idle_s += dt;
  r->last_ms = at_ms;
  r->last_wh = wh;
  r->last_charging = charging;
  r->last_a = isfinite(a) ? a : 0;
  r->last_w = isfinite(w) ? w : 0;
}

void t21_change(tariff21_run *r, const tariff21 *t, int64_t at_ms, int tz_offset_s, double wh) {
  t21_step(r, at_ms, tz_offset_s, wh, r->last_charging, r->last_a, r->last_w);
  r->t = *t;
  open_period(r, at_ms);
}

static double cents(double v) { return round(v * 100.0) / 100.0; }

static t21_amount rounded(t21_amount a) { return (t21_amount){cents(a.excl), cents(a.incl)}; }

t21_total t21_cost(const tariff21_run *r) {
  t21_total o = {.energy = rounded(r->energy),
                 .charging = rounded(r->charging),
                 .idle = rounded(r->idle),
                 .fixed = rounded(r->fixed),
                 .type = T21_NORMAL};
  t21_amount sum = {r->energy.excl + r->charging.excl + r->idle.excl + r->fixed.excl,
                    r->energy.incl + r->charging.incl + r->idle.incl + r->fixed.incl};
  /* the bounds compare on the excluding-tax price when given, else on the including */
  const t21_bound *lo = &r->t.min_cost, *hi = &r->t.max_cost;
  double ratio = sum.excl > 0 ? sum.incl / sum.excl : 1.0;
  if (lo->set && (lo->excl >= 0 ? sum.excl < lo->excl : sum.incl < lo->incl)) {
    sum.excl = lo->excl >= 0 ? lo->excl : lo->incl / ratio;
    sum.incl = lo->incl >= 0 ? lo->incl : lo->excl * ratio;
    o.type = T21_MIN;
  } else if (hi->set && (hi->excl >= 0 ? sum.excl > hi->excl : sum.incl > hi->incl)) {
    sum.excl = hi->excl >= 0 ? hi->excl : hi->incl / ratio;
    sum.incl = hi->incl >= 0 ? hi->incl : hi->excl * ratio;
    o.type = T21_MAX;
  }
  o.total = rounded(sum);
  return o;
}

const char *t21_cost_type_name(t21_cost_type t) {
  return t == T21_MIN ? "MinCost" : t == T21_MAX ? "MaxCost" : "NormalCost";
}

bool t21_running_cost_due(int64_t *last, int64_t now, long interval_s, int64_t *next) {
  *next = INT64_MAX;
  if (interval_s <= 0) return false;
  if (now < *last) *last = now; /* the clock went back */
  int64_t every = (int64_t)interval_s * 1000;
  bool due = now - *last >= every;
  if (due) *last = now;
  *next = *last + every;
  return due;
}
