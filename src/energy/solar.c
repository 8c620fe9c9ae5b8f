/*
 * Solar-surplus charging (see solar.h): one smoothed site surplus, shared by
 * priority and then max-min fairly among the sessions in a solar mode, and for each of them a
 * small state machine (waiting, charging, switching phases) with start and
 * stop timers, minimum charge and pause times, and a bounded number of phase
 * switches per hour. Never reads a clock, never allocates after solar_new().
 */
#include "energy/solar.h"
#include "util/carve.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The EV stops drawing within 5 s of a lower (here: zero) PWM offer
 * (IEC 61851-1 Annex A, as ALLOC_EV_REACTION_MS): the phase contactor moves
 * only once it has, and an increase is not followed by another sooner. */
#define EV_REACTION_MS 5000
/* The offer moves in half-amp steps and rises only by a whole amp or more:
 * a moving average still wanders a little, the car need not follow it. */
#define OFFER_STEP_A 0.5
#define RISE_MIN_A 1.0
#define RISE_SETTLE_MS 30000
/* a car drawing less than this on every phase is not charging */
#define IDLE_DRAW_A 1.0
/* Demand feedback: a car that has drawn DEMAND_SHORT_A or more below its
 * offer for DEMAND_SETTLE_MS (long after the EV's 5 s: it is not ramping,
 * it takes no more) is capped at its draw + DEMAND_HEAD_A, in offer steps;
 * what it leaves goes to the other solar sessions. When it draws up to that
 * cap (within DEMAND_FOLLOW_A) the cap rises by DEMAND_STEP_A, the next
 * rise once it has followed; a cap well above its draw comes down only after
 * DEMAND_SETTLE_MS again. So a car at its own maximum holds a steady cap
 * (its neighbours' offers do not move with its meter's noise) and a car that
 * wants more again has it back within a few of its reaction times. */
#define DEMAND_SHORT_A 1.5
#define DEMAND_SETTLE_MS 60000
#define DEMAND_HEAD_A 1.0
#define DEMAND_FOLLOW_A 0.5
#define DEMAND_STEP_A 2.0
/* A charging car goes from one phase to three only when the surplus covers
 * three phases with this much to spare (A, sum of phases): a surplus
 * hovering at the three-phase minimum (two cars in the evening) does not
 * send it back and forth. */
#define PHASE_UP_MARGIN_A 3.0
/* the learnt house load is averaged over a minute: the inverter's and the
 * grid meter's samples are not taken at the same instant, a passing cloud
 * must not be mistaken for the house */
#define HOUSE_SMOOTHING_MS 60000.0

struct solar {
  solar_config cfg;
  int n;
  solar_conn_out *out;
  double smooth; /* smoothed surplus, A (sum of phases) */
  solar_source source;
  /* scratch of solar_round (no allocation after solar_new) */
  int *order;
  bool *busy, *adm;
  double *share, *need;
  bool smooth_set; /* smooth holds a value */
  borne_ms last_at;
  double *cap, *free_share; /* scratch: demand caps, shares without them */
  /* the house load seen by the grid meter while the inverter was fresh too */
  double house;      /* A, sum of the phases, smoothed */
  borne_ms house_at; /* 0: never learnt */
};

static const char *const mode_names[SOLAR_MODE_COUNT] = {"normal", "solar", "solar_min",
                                                         "offpeak_or_solar"};

int solar_mode_parse(const char *s) {
  for (int i = 0; s && i < SOLAR_MODE_COUNT; i++)
    if (strcmp(s, mode_names[i]) == 0) return i;
  return -1;
}

const char *solar_mode_name(solar_mode m) {
  return (unsigned)m < SOLAR_MODE_COUNT ? mode_names[m] : "normal";
}

const char *solar_state_name(solar_state st) {
  switch (st) {
  case SOLAR_IDLE:
    return "idle";
  case SOLAR_WAITING:
    return "waiting";
  case SOLAR_CHARGING:
    return "charging";
  case SOLAR_SWITCHING:
    return "switching_phases";
  case SOLAR_FULL:
    return "full";
  }
  return "?";
}

/* Defaults: docs/energy.md "Solar surplus" says where each comes from. */
void solar_config_defaults(solar_config *c) {
  memset(c, 0, sizeof *c);
  c->min_a = 6;
  c->start_threshold_a = 0;
  c->stop_threshold_a = 0;
  c->start_delay_ms = 60000;
  c->stop_delay_ms = 180000;
  c->min_charge_ms = 600000;
  c->min_pause_ms = 300000;
  c->smoothing_ms = 10000;
  c->phase_pause_ms = 60000;
  c->max_switches_per_hour = 4;
  c->stale_ms = 10000;
}

solar *solar_new(int connectors, const solar_config *cfg) {
  if (connectors < 1) return NULL;
  size_t n = (size_t)connectors;
  /* the value and its per-connector arrays in one block: a swarm holds
   * thousands of stations, each block's own header and rounding add up */
  unsigned char *block = NULL;
  solar *s = NULL;
  for (int pass = 0; pass < 2; pass++) {
    size_t at = 0;
    s = carve(block, &at, 1, sizeof *s);
    void *out = carve(block, &at, n, sizeof *s->out);
    void *order = carve(block, &at, n, sizeof *s->order);
    void *busy = carve(block, &at, n, sizeof *s->busy);
    void *adm = carve(block, &at, n, sizeof *s->adm);
    void *share = carve(block, &at, n, sizeof *s->share);
    void *need = carve(block, &at, n, sizeof *s->need);
    void *cap = carve(block, &at, n, sizeof *s->cap);
    void *free_share = carve(block, &at, n, sizeof *s->free_share);
    if (pass == 0) {
      if (!(block = calloc(1, at))) return NULL;
      continue;
    }
    s->out = out;
    s->order = order;
    s->busy = busy;
    s->adm = adm;
    s->share = share;
    s->need = need;
    s->cap = cap;
    s->free_share = free_share;
  }
  s->n = connectors;
  solar_set_config(s, cfg);
  for (int i = 0; i < connectors; i++) {
    s->out[i].phases = 3;
    s->out[i].limit_a = -1;
  }
  return s;
}

void solar_free(solar *s) { free(s); /* one block (solar_new) */ }

void solar_set_config(solar *s, const solar_config *cfg) {
  s->cfg = *cfg;
  if (!(s->cfg.min_a >= 6)) s->cfg.min_a = 6;
  /* the contactor moves only once the car has stopped drawing */
  if (s->cfg.phase_pause_ms < EV_REACTION_MS) s->cfg.phase_pause_ms = EV_REACTION_MS;
  /* the log must hold an hour's worth for the limit to count them all */
  if (s->cfg.max_switches_per_hour > SOLAR_MAX_SWITCH_LOG)
    s->cfg.max_switches_per_hour = SOLAR_MAX_SWITCH_LOG;
}

void solar_set_phases(solar *s, int i, int phases) {
  if (i >= 0 && i < s->n) s->out[i].phases = phases == 1 ? 1 : 3;
}

void solar_conn_wiring(solar_conn_in *in, int wired, int contactor, int car) {
  in->phases = wired == 1 ? 1 : 3;
  in->switchable = in->phases == 3 && contactor > 0;
  if (!in->switchable && car == 1) in->phases = 1;
}

const solar_conn_out *solar_conn(const solar *s, int i) { return &s->out[i]; }
double solar_surplus_a(const solar *s) { return s->smooth_set ? s->smooth : 0; }
solar_source solar_surplus_source(const solar *s) { return s->source; }

double solar_house_learnt_a(const solar *s, borne_ms now) {
  return s->house_at && now - s->house_at <= SOLAR_HOUSE_LEARNT_MS ? s->house : -1;
}

const char *solar_source_name(solar_source src) {
  switch (src) {
  case SOLAR_SRC_GRID:
    return "grid";
  case SOLAR_SRC_INVERTER:
    return "inverter";
  case SOLAR_SRC_NONE:
    return "none";
  }
  return "none";
}

int solar_switches_last_hour(const solar *s, int i, borne_ms now) {
  const solar_conn_out *o = &s->out[i];
  int k = 0;
  for (int j = 0; j < o->switch_log_n; j++)
    if (now - o->switch_log[j] < 3600000) k++;
  return k;
}

static bool may_switch(const solar *s, int i, borne_ms now) {
  return s->cfg.max_switches_per_hour > 0 &&
         solar_switches_last_hour(s, i, now) < s->cfg.max_switches_per_hour;
}

static void log_switch(solar_conn_out *o, borne_ms now, int to) {
  if (o->switch_log_n == SOLAR_MAX_SWITCH_LOG) {
    memmove(o->switch_log, o->switch_log + 1, sizeof o->switch_log[0] * (SOLAR_MAX_SWITCH_LOG - 1));
    o->switch_log_n--;
  }
  o->switch_log[o->switch_log_n++] = now;
  o->phases = to;
  o->switches++;
}

static bool drawing(const solar_conn_in *in) {
  for (int k = 0; k < 3; k++)
    if (in->draw_a[k] >= IDLE_DRAW_A) return true;
  return false;
}

/* Change the contactor to `to`: at once when the car draws nothing, else
 * through a pause (SOLAR_SWITCHING) that lets it stop first. */
static void begin_switch(solar_conn_out *o, const solar_conn_in *in, borne_ms now, int to) {
  o->up3_since = o->down1_since = 0;
  o->demand_a = 0; /* on other phases the car may take another current */
  o->short_since = 0;
  if (!drawing(in) && o->limit_a <= 0) {
    log_switch(o, now, to);
    return;
  }
  o->state = SOLAR_SWITCHING;
  o->switch_at = now;
  o->switch_to = to;
  o->switch_done = false;
  o->limit_a = 0;
  o->reason = "switching phases";
}

/* A switch in progress: no current; the contactor moves once the pause
 * has passed (the car has long stopped), the charge resumes the EV's
 * reaction time later. True while it lasts. */
static bool switching(const solar *s, solar_conn_out *o, borne_ms now) {
  if (o->state != SOLAR_SWITCHING) return false;
  if (!o->switch_done && now - o->switch_at >= s->cfg.phase_pause_ms) {
    log_switch(o, now, o->switch_to);
    o->switch_done = true;
  }
  if (o->switch_done && now - o->switch_at >= s->cfg.phase_pause_ms + EV_REACTION_MS) {
    o->state = SOLAR_CHARGING;
    o->switch_at = 0;
    o->below_since = o->above_since = 0;
    if (!o->on_at) { /* the switch came with a start */
      o->on_at = now;
      o->starts++;
    }
    o->last_up = now;
    return false;
  }
  o->limit_a = 0;
  return true;
}

/* Decreases at once; increases by a whole amp or more, not faster than
 * the EV follows; a smaller rise once it has been possible for
 * RISE_SETTLE_MS (the average has settled: no chasing of noise). */
static void offer(solar_conn_out *o, double amps, borne_ms now) {
  double t = floor(amps / OFFER_STEP_A + 1e-9) * OFFER_STEP_A;
  if (o->limit_a < 0 || t < o->limit_a) {
    o->limit_a = t;
    o->rise_since = 0;
    return;
  }
  if (t <= o->limit_a) {
    o->rise_since = 0;
    return;
  }
  if (!o->rise_since) o->rise_since = now;
  bool big = t >= o->limit_a + RISE_MIN_A, settled = now - o->rise_since >= RISE_SETTLE_MS;
  if ((big || settled) && now - o->last_up >= EV_REACTION_MS) {
    o->limit_a = t;
    o->last_up = now;
    o->rise_since = 0;
  }
}

static void timer(borne_ms *since, bool cond, borne_ms now) {
  if (!cond)
    *since = 0;
  else if (!*since)
    *since = now;
}

static bool elapsed(borne_ms since, borne_ms delay, borne_ms now) {
  return since && now - since >= delay;
}

/* Phase decisions while charging (switchable connectors): to one phase when
 * the surplus stayed below the three-phase minimum for the stop delay, to
 * three when it stayed above it (plus the start threshold) for the start
 * delay. True when a switch began. */
static bool phase_rules(const solar *s, int i, const solar_conn_in *in, double avail,
                        borne_ms now) {
  const solar_config *c = &s->cfg;
  solar_conn_out *o = &s->out[i];
  double min3 = 3 * c->min_a;
  timer(&o->down1_since, o->phases == 3 && avail < min3 - c->stop_threshold_a, now);
  timer(&o->up3_since, o->phases == 1 && avail >= min3 + PHASE_UP_MARGIN_A + c->start_threshold_a,
        now);
  if (elapsed(o->down1_since, c->stop_delay_ms, now) && may_switch(s, i, now) &&
      (in->mode == SOLAR_MODE_SOLAR_MIN || avail >= c->min_a - c->stop_threshold_a)) {
    begin_switch(o, in, now, 1);
    return true;
  }
  if (elapsed(o->up3_since, c->start_delay_ms, now) && may_switch(s, i, now)) {
    begin_switch(o, in, now, 3);
    return true;
  }
  return false;
}

/* Surplus-only charging (solar, offpeak_or_solar outside the off-peak).
 * `avail` is its share, `uncapped` the share it would have if no car's demand
 * were capped: the phase count follows the sun, not what one car takes. */
static void solar_only(solar *s, int i, const solar_conn_in *in, double avail, double uncapped,
                       borne_ms now) {
  const solar_config *c = &s->cfg;
  solar_conn_out *o = &s->out[i];
  if (o->state != SOLAR_CHARGING) {
    o->state = SOLAR_WAITING;
    o->limit_a = 0;
    int least = in->switchable ? 1 : o->phases;
    timer(&o->above_since, avail >= least * c->min_a + c->start_threshold_a, now);
    bool rested = !o->off_at || now - o->off_at >= c->min_pause_ms;
    o->reason = !rested ? "minimum pause" : "waiting for solar surplus";
    if (!elapsed(o->above_since, c->start_delay_ms, now) || !rested) return;
    int want = in->switchable && avail >= 3 * c->min_a + c->start_threshold_a ? 3 : least;
    if (in->switchable && want != o->phases) {
      if (may_switch(s, i, now))
        begin_switch(o, in, now, want);
      else if (avail < o->phases * c->min_a + c->start_threshold_a)
        return; /* the contactor may not move this hour and the sun is short for its phases */
      if (o->state == SOLAR_SWITCHING) return;
    }
    o->state = SOLAR_CHARGING;
    o->on_at = now;
    o->starts++;
    o->below_since = 0;
    o->last_up = now;
    o->limit_a = -1;
  }
  if (in->switchable && phase_rules(s, i, in, uncapped, now)) return;
  int n = o->phases;
  timer(&o->below_since, avail < n * c->min_a - c->stop_threshold_a, now);
  if (elapsed(o->below_since, c->stop_delay_ms, now) && now - o->on_at >= c->min_charge_ms) {
    o->state = SOLAR_WAITING;
    o->limit_a = 0;
    o->off_at = now;
    o->on_at = 0;
    o->stops++;
    o->above_since = o->below_since = 0;
    o->reason = "solar surplus too low";
    return;
  }
  o->reason = o->below_since ? "solar surplus low: minimum" : "solar surplus";
  offer(o, fmax(c->min_a, avail / n), now);
}

/* The minimum from the grid, the rest from the surplus: never stops. */
static void solar_min(solar *s, int i, const solar_conn_in *in, double avail, double uncapped,
                      borne_ms now) {
  solar_conn_out *o = &s->out[i];
  if (o->state != SOLAR_CHARGING) {
    o->state = SOLAR_CHARGING;
    o->on_at = now;
    o->starts++;
    o->limit_a = -1;
    o->last_up = now;
  }
  if (in->switchable && phase_rules(s, i, in, uncapped, now)) return;
  o->reason = avail >= o->phases * s->cfg.min_a ? "solar surplus" : "minimum + solar surplus";
  offer(o, fmax(s->cfg.min_a, avail / o->phases), now);
}

/* No solar rule (normal, off-peak): three phases when the contactor can,
 * or the phases asked for (want_phases). */
static void full(solar *s, int i, const solar_conn_in *in, borne_ms now) {
  solar_conn_out *o = &s->out[i];
  o->state = in->mode == SOLAR_MODE_NORMAL ? SOLAR_IDLE : SOLAR_FULL;
  o->limit_a = -1;
  o->reason = in->mode == SOLAR_MODE_NORMAL ? "" : "off-peak period";
  o->above_since = o->below_since = 0;
  int to = in->want_phases == 1 ? 1 : 3;
  if (in->wants && in->switchable && o->phases != to && may_switch(s, i, now))
    begin_switch(o, in, now, to);
}

static bool governed(const solar_conn_in *in) {
  if (!in->wants) return false;
  return in->mode == SOLAR_MODE_SOLAR || in->mode == SOLAR_MODE_SOLAR_MIN ||
         (in->mode == SOLAR_MODE_OFFPEAK_OR_SOLAR && !in->offpeak);
}

static double sum3(const double v[3]) { return v[0] + v[1] + v[2]; }

/* The least a session can charge with, A (sum of phases): the minimum on
 * one phase when its contactor can go there, else on its phases (a phase
 * switch in progress: on the phases it goes to). */
static double least_a(const solar *s, const solar_conn_in *in, const solar_conn_out *o) {
  int phases = o->state == SOLAR_SWITCHING ? o->switch_to : in->switchable ? 1 : o->phases;
  return phases * s->cfg.min_a;
}

static bool running(const solar_conn_out *o) {
  return o->state == SOLAR_CHARGING || o->state == SOLAR_SWITCHING;
}

/* Sharing order: session a before b? */
static bool share_before(const solar *s, const solar_conn_in *in, int a, int b) {
  if (in[a].priority != in[b].priority) return in[a].priority > in[b].priority;
  bool ra = running(&s->out[a]) || in[a].mode == SOLAR_MODE_SOLAR_MIN;
  bool rb = running(&s->out[b]) || in[b].mode == SOLAR_MODE_SOLAR_MIN;
  if (ra != rb) return ra;
  return a < b;
}

/* Demand feedback for a charging session (see DEMAND_SHORT_A): caps it at
 * what its car takes when that is clearly less than its offer. */
static void track_demand(const solar *s, solar_conn_out *o, const solar_conn_in *in, borne_ms now) {
  if (o->state != SOLAR_CHARGING || o->limit_a < s->cfg.min_a) {
    o->demand_a = 0;
    o->short_since = 0;
    return;
  }
  double d = fmax(in->draw_a[0], fmax(in->draw_a[1], in->draw_a[2]));
  double at = ceil((d + DEMAND_HEAD_A) / OFFER_STEP_A - 1e-9) * OFFER_STEP_A;
  at = fmax(s->cfg.min_a, at);
  if (o->demand_a <= 0) {
    timer(&o->short_since, d < o->limit_a - DEMAND_SHORT_A, now);
    if (elapsed(o->short_since, DEMAND_SETTLE_MS, now)) {
      o->demand_a = at;
      o->short_since = 0;
    }
    return;
  }
  if (d >= o->limit_a - DEMAND_FOLLOW_A) {
    o->short_since = 0;
    if (o->limit_a < o->demand_a - 1e-9)
      o->demand_a = 0; /* it follows an offer below its cap: the cap does not bind */
    else
      o->demand_a += DEMAND_STEP_A; /* it takes all its cap: it may want more */
    return;
  }
  timer(&o->short_since, at < o->demand_a - 1e-9, now);
  if (elapsed(o->short_since, DEMAND_SETTLE_MS, now)) {
    o->demand_a = at;
    o->short_since = 0;
  }
}

/* The phases a session's share is spread over. */
static int share_phases(const solar_conn_out *o) {
  return o->state == SOLAR_SWITCHING ? o->switch_to : o->phases;
}

/* The level P at which the admitted sessions' clamp(P, need, cap) add up to
 * `avail` (max-min fairness, water-filling: cap >= need, and the needs fit);
 * the highest cap when even all the caps fit. */
static double water_level(const bool *adm, const double *need, const double *cap, int n,
                          double avail) {
  double lo = 0, hi = 0;
  for (int j = 0; j < n; j++)
    if (adm[j]) hi = fmax(hi, cap[j]);
  for (int it = 0; it < 64; it++) {
    double p = it ? (lo + hi) / 2 : hi, sum = 0;
    for (int j = 0; j < n; j++)
      if (adm[j]) sum += fmin(cap[j], fmax(need[j], p));
    if (sum <= avail + 1e-9) {
      if (!it) return hi;
      lo = p;
    } else {
      hi = p;
    }
  }
  return lo;
}

/* The shares of one priority's sessions (in sharing order) in `avail`:
 * admitted in order while their least currents fit, then max-min fair
 * among the admitted (each at least its least, the rest evenly: equal
 * power to those that can take it), a session never above what it can
 * take (its other limits, its car's measured demand: the rest goes to the
 * others); one not admitted gets what is left (too little to charge: it
 * waits, or stops after the delays). own_free[] gets each session's share
 * without its own cap (the others' stay): its phase decisions follow the sun. */
static void fair_shares(solar *s, const solar_conn_in *in, const int *idx, int n, double avail,
                        double *share, double *own_free) {
  double *need = s->need, *cap = s->cap, used = 0;
  bool *adm = s->adm;
  for (int j = 0; j < n; j++) {
    need[j] = least_a(s, &in[idx[j]], &s->out[idx[j]]);
    adm[j] = used + need[j] <= avail + 1e-9;
    if (adm[j]) used += need[j];
  }
  for (int j = 0; j < n; j++) {
    const solar_conn_out *o = &s->out[idx[j]];
    double c = avail, ph = share_phases(o);
    if (o->demand_a > 0) c = fmin(c, o->demand_a * ph);
    if (in[idx[j]].max_a > 0) c = fmin(c, in[idx[j]].max_a * ph);
    cap[j] = fmax(need[j], c);
  }
  double level = water_level(adm, need, cap, n, avail), given = 0;
  for (int j = 0; j < n; j++)
    if (adm[j]) {
      share[j] = fmin(cap[j], fmax(need[j], level));
      given += share[j];
    }
  for (int j = 0; j < n; j++) {
    if (!adm[j]) share[j] = fmax(0, avail - given);
    own_free[j] = share[j];
  }
  /* a session held by its own cap: what it would have without it (the
   * others' caps stay), for its phase decisions */
  for (int j = 0; j < n; j++) {
    if (!adm[j] || !in[idx[j]].switchable || share[j] < cap[j] - 1e-9 || cap[j] >= avail) continue;
    double keep = cap[j];
    cap[j] = avail;
    own_free[j] = fmin(avail, fmax(need[j], water_level(adm, need, cap, n, avail)));
    cap[j] = keep;
  }
}

void solar_round(solar *s, borne_ms now, const solar_grid_in *g, const solar_conn_in *in) {
  const solar_config *c = &s->cfg;
  /* The surplus: what would be exported if the solar-mode sessions drew
   * nothing. borne's draw is the one when the grid sample was measured;
   * the other sessions (normal mode, off-peak) count as the building's
   * load. Stale or missing data: no surplus. */
  double raw = 0;
  bool grid = g && g->valid && now - g->at <= c->stale_ms;
  bool pv_fresh = g && g->has_pv && now - g->pv_at <= c->stale_ms, pv = !grid && pv_fresh;
  s->source = grid ? SOLAR_SRC_GRID : pv ? SOLAR_SRC_INVERTER : SOLAR_SRC_NONE;
  if (grid && pv_fresh) {
    /* both fresh: the grid meter is the truth (it sees the house); the
     * house load it implies (production + import - borne's draw) is
     * learnt, for when it goes silent */
    double h = fmax(0, g->pv_a + sum3(g->grid_a) - g->own_a);
    if (!s->house_at || now - s->house_at > SOLAR_HOUSE_LEARNT_MS)
      s->house = h;
    else if (now > s->house_at)
      s->house += (h - s->house) * (1 - exp(-(double)(now - s->house_at) / HOUSE_SMOOTHING_MS));
    s->house_at = now;
  }
  if (grid || pv) {
    /* the grid: what is exported plus borne's draw; the inverter: what it
     * produces minus the house load (learnt from the grid meter lately,
     * else the one configured) */
    double house = solar_house_learnt_a(s, now);
    raw = grid ? g->own_a - sum3(g->grid_a) : g->pv_a - (house >= 0 ? house : g->house_a);
    for (int i = 0; i < s->n; i++)
      if (!governed(&in[i])) raw -= fmax(0, sum3(in[i].draw_a));
  }
  if (!s->smooth_set || c->smoothing_ms <= 0) {
    s->smooth = raw;
    s->smooth_set = true;
  } else if (now > s->last_at) {
    double k = 1 - exp(-(double)(now - s->last_at) / (double)c->smoothing_ms);
    s->smooth += (raw - s->smooth) * k;
  }
  s->last_at = now;

  /* The sessions outside the solar rules first; the governed ones (and
   * those pausing for a phase switch) then share the surplus. */
  int *order = s->order, k = 0;
  bool *busy = s->busy;
  for (int i = 0; i < s->n; i++) {
    solar_conn_out *o = &s->out[i];
    busy[i] = false;
    if (!in[i].switchable) o->phases = in[i].phases == 1 ? 1 : 3;
    if (!in[i].wants) {
      bool sunny = in[i].mode != SOLAR_MODE_NORMAL;
      o->state = sunny ? SOLAR_WAITING : SOLAR_IDLE;
      /* a solar session starts from nothing, not from a full offer */
      o->limit_a = sunny ? 0 : -1;
      o->reason = sunny ? "no session" : "";
      o->off_at = o->on_at = o->above_since = o->below_since = 0;
      o->up3_since = o->down1_since = o->switch_at = 0;
      o->demand_a = 0;
      o->short_since = 0;
      o->share_a = 0;
      /* no car drawing: the phases asked for at once */
      if (in[i].switchable && in[i].want_phases && o->phases != in[i].want_phases)
        log_switch(o, now, in[i].want_phases == 1 ? 1 : 3);
      continue;
    }
    if (switching(s, o, now)) {
      busy[i] = governed(&in[i]);
      if (busy[i]) order[k++] = i;
      continue;
    }
    if (!governed(&in[i])) {
      full(s, i, &in[i], now);
      o->share_a = 0;
      o->demand_a = 0;
      o->short_since = 0;
      continue;
    }
    track_demand(s, o, &in[i], now);
    order[k++] = i;
  }
  /* Higher connector.N.priority first; within one, the sessions already
   * charging before those waiting (a newcomer does not push a running car
   * below its minimum), then connector order. */
  for (int a = 1; a < k; a++)
    for (int b = a; b > 0 && share_before(s, in, order[b], order[b - 1]); b--) {
      int t = order[b];
      order[b] = order[b - 1];
      order[b - 1] = t;
    }
  double left = s->smooth;
  for (int grp = 0; grp < k;) {
    int e = grp;
    while (e < k && in[order[e]].priority == in[order[grp]].priority) e++;
    double avail = fmax(0, left), *share = s->share, *uncapped = s->free_share;
    fair_shares(s, in, order + grp, e - grp, avail, share, uncapped);
    for (int j = grp; j < e; j++) {
      int i = order[j];
      solar_conn_out *o = &s->out[i];
      o->share_a = share[j - grp];
      if (busy[i]) { /* its minimum stays reserved through the pause */
        left -= fmin(share[j - grp], least_a(s, &in[i], o));
        continue;
      }
      if (in[i].mode == SOLAR_MODE_SOLAR_MIN)
        solar_min(s, i, &in[i], share[j - grp], uncapped[j - grp], now);
      else
        solar_only(s, i, &in[i], share[j - grp], uncapped[j - grp], now);
      /* what it takes: its offer, or less when the car draws less (its own
       * maximum) - the rest is there for the next priority - never less
       * than its minimum */
      double least = least_a(s, &in[i], o);
      if (o->limit_a > 0)
        left -= fmin(share[j - grp],
                     fmax(least, fmin(o->limit_a * o->phases, sum3(in[i].draw_a) + IDLE_DRAW_A)));
      else if (share[j - grp] >= least)
        left -= share[j - grp]; /* waiting for its start delay: first claim on it */
    }
    grp = e;
  }
}
