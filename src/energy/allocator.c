/*
 * Site current allocator (see allocator.h). A round has four steps:
 *  1. budget: what borne may draw per grid phase and in total (kVA, 14a);
 *  2. admission: which sessions get at least 6 A, in fairness order;
 *  3. sharing: max-min fair water-filling of the rest, priority by priority;
 *  4. stability: decreases at once, increases late and in steps, and only
 *     into room that the sessions still slowing down have really left.
 * The four "resources" are grid phases L1 L2 L3 and the total current (sum
 * over phases); a session uses each by its weight (phases it draws from).
 * Never reads a clock, never allocates after allocator_new().
 */
#include "energy/allocator.h"
#include "util/carve.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NRES 4 /* grid phases 0..2, total current 3 */
#define EPS 1e-6

typedef struct {
  double cap; /* most it may take this round */
  int prio;
  int order_class; /* admission class, see admission_key() */
  borne_ms tie;
  double w[NRES];
  bool admitted;
  bool frozen;
} cand;

struct allocator {
  alloc_config cfg;
  int n;
  alloc_conn_out *out;
  alloc_report rep;
  bool seen_grid;
  double peak_other[3]; /* highest building load without borne ever measured */
  /* scratch, sized n */
  cand *cd;
  int *idx;
  int *tmp;
  double *target;
};

void alloc_config_defaults(alloc_config *c) {
  memset(c, 0, sizeof *c);
  for (int p = 0; p < 3; p++) c->limit_a[p] = 32;
  c->circuit_limit_a = 0;
  c->total_limit_a = 0;
  c->phases = 3;
  c->margin_a = 1;
  c->min_a = ALLOC_MIN_A;
  c->fallback_a = -1;
  c->stale_ms = 30000;
  c->rotation_ms = 15 * 60000;
  c->min_on_ms = 60000;
  c->min_off_ms = 60000;
  c->hysteresis_ms = 5000;
  c->hysteresis_a = 1;
  c->step_a = 6;
  c->ev_reaction_ms = ALLOC_EV_REACTION_MS;
  c->use_grid = false;
}

/* Never below the IEC 61851-1 minimum, whatever the caller wrote. */
static void take_config(allocator *a, const alloc_config *cfg) {
  a->cfg = *cfg;
  if (!(a->cfg.min_a >= ALLOC_MIN_A)) a->cfg.min_a = ALLOC_MIN_A;
}

allocator *allocator_new(int connectors, const alloc_config *cfg) {
  if (connectors < 1 || connectors > ALLOC_MAX_CONNECTORS) return NULL;
  size_t n = (size_t)connectors;
  /* the value and its per-connector arrays in one block (a swarm holds
   * thousands of stations: each block's header and rounding add up) */
  unsigned char *block = NULL;
  allocator *a = NULL;
  for (int pass = 0; pass < 2; pass++) {
    size_t at = 0;
    a = carve(block, &at, 1, sizeof *a);
    void *out = carve(block, &at, n, sizeof *a->out);
    void *cd = carve(block, &at, n, sizeof *a->cd);
    void *idx = carve(block, &at, n, sizeof *a->idx);
    void *tmp = carve(block, &at, n, sizeof *a->tmp);
    void *target = carve(block, &at, n, sizeof *a->target);
    if (pass == 0) {
      if (!(block = calloc(1, at))) return NULL;
      continue;
    }
    a->out = out;
    a->cd = cd;
    a->idx = idx;
    a->tmp = tmp;
    a->target = target;
  }
  a->n = connectors;
  take_config(a, cfg);
  return a;
}

void allocator_free(allocator *a) { free(a); /* one block (allocator_new) */ }

/* Shares are offered in 0.1 A steps, rounded down (never above the budget). */
static double quantize(double amps) { return floor(amps * 10.0 + EPS) / 10.0; }

void allocator_set_config(allocator *a, const alloc_config *cfg) { take_config(a, cfg); }
const alloc_conn_out *allocator_conn(const allocator *a, int i) { return &a->out[i]; }

void allocator_seed(allocator *a, int i, double amps, borne_ms now) {
  if (i < 0 || i >= a->n || amps < a->cfg.min_a) return;
  alloc_conn_out *o = &a->out[i];
  o->limit_a = quantize(amps);
  o->state = ALLOC_CHARGE;
  o->since = now;
  o->up_since = 0;
}
const alloc_report *allocator_report(const allocator *a) { return &a->rep; }
int allocator_count(const allocator *a) { return a->n; }

const char *alloc_state_name(alloc_state s) {
  switch (s) {
  case ALLOC_IDLE:
    return "idle";
  case ALLOC_HELD:
    return "held";
  case ALLOC_CHARGE:
    return "charging";
  case ALLOC_WAITING:
    return "waiting_for_power";
  }
  return "?";
}

static double dmin(double x, double y) { return x < y ? x : y; }
/* Grid phase of connector phase k, 0..2 whatever the caller wrote. */
static int gphase(const alloc_conn_in *c, int k) {
  int p = c->grid_phase[k];
  return p >= 0 && p < 3 ? p : 0;
}
static double dmax(double x, double y) { return x > y ? x : y; }

/* Failsafe budget per phase. grid.fallback_a when set; else "the smallest
 * that respects the breaker with everything else at maximum": the site limit
 * minus the margin minus the highest building load without borne measured
 * since start (the building's other loads at their maximum as far as we
 * know); before any measurement, one session at the minimum (6 A). */
static double fallback_budget(const allocator *a, int p) {
  const alloc_config *c = &a->cfg;
  if (c->fallback_a >= 0) return c->fallback_a;
  if (!a->seen_grid) return a->cfg.min_a;
  return c->limit_a[p] - c->margin_a - a->peak_other[p];
}

static void budget(allocator *a, borne_ms now, const alloc_grid_in *g, const alloc_conn_in *in,
                   double avail[NRES]) {
  const alloc_config *c = &a->cfg;
  alloc_report *r = &a->rep;
  memset(r->own_a, 0, sizeof r->own_a);
  for (int i = 0; i < a->n; i++)
    for (int k = 0; k < in[i].phases && k < 3; k++)
      r->own_a[gphase(&in[i], k)] += dmax(0, in[i].draw_a[k]);
  double res[3] = {0}, res_sum = 0;
  for (int p = 0; p < 3 && g; p++) {
    res[p] = dmax(0, g->reserved_a[p]);
    res_sum += res[p];
    r->own_a[p] += res[p];
  }
  r->failsafe = false;
  unsigned site_bit = ALLOC_BOUND_GRID;
  if (!c->use_grid) {
    for (int p = 0; p < 3; p++) {
      r->building_a[p] = r->own_a[p];
      r->other_a[p] = 0;
      avail[p] = c->limit_a[p] - c->margin_a;
    }
  } else if (g && g->grid_valid && now - g->grid_at <= c->stale_ms) {
    a->seen_grid = true;
    for (int p = 0; p < 3; p++) {
      r->building_a[p] = g->grid_a[p];
      r->other_a[p] = dmax(0, g->grid_a[p] - (g->has_own ? g->own_a[p] + res[p] : r->own_a[p]));
      a->peak_other[p] = dmax(a->peak_other[p], r->other_a[p]);
      avail[p] = c->limit_a[p] - r->other_a[p] - c->margin_a;
    }
  } else {
    r->failsafe = true;
    site_bit = ALLOC_BOUND_FAILSAFE;
    for (int p = 0; p < 3; p++) {
      if (g && g->grid_valid) r->building_a[p] = g->grid_a[p];
      avail[p] = fallback_budget(a, p);
    }
  }
  for (int p = 0; p < 3; p++) {
    double site = avail[p] - res[p];
    double circuit = c->circuit_limit_a > 0 ? c->circuit_limit_a - c->margin_a : INFINITY;
    if (c->phases == 1 && p > 0) { /* a single-phase supply has L1 only */
      avail[p] = 0;
      r->phase_bound[p] = ALLOC_BOUND_GRID;
    } else {
      avail[p] = dmax(0, dmin(site, circuit));
      /* every one that ties binds: "grid critical" when the grid's does */
      r->phase_bound[p] = (site <= avail[p] + EPS ? site_bit : 0u) |
                          (circuit <= avail[p] + EPS ? (unsigned)ALLOC_BOUND_CIRCUIT : 0u);
    }
    r->available_a[p] = avail[p];
  }
  /* The subscription's apparent power (site.limit_kva) caps the sum of the
   * phases: what the building's other loads take on any phase counts. In
   * failsafe their highest measured load counts, as for the per-phase
   * budget; an explicit grid.fallback_a replaces both. */
  double total = INFINITY;
  unsigned total_bound = 0;
  if (c->total_limit_a > 0 && !(r->failsafe && c->fallback_a >= 0)) {
    int nph = c->phases == 1 ? 1 : 3;
    double other = 0;
    for (int p = 0; p < nph; p++)
      other += !c->use_grid  ? 0
               : r->failsafe ? (a->seen_grid ? a->peak_other[p] : 0)
                             : r->other_a[p];
    total = dmax(0, c->total_limit_a - other - c->margin_a * nph - res_sum);
    total_bound = ALLOC_BOUND_KVA;
  }
  if (g && g->total_limit_a > 0) {
    if (g->total_limit_a < total - EPS)
      total_bound = ALLOC_BOUND_GRID_CAP;
    else if (g->total_limit_a <= total + EPS)
      total_bound |= ALLOC_BOUND_GRID_CAP;
    total = dmin(total, g->total_limit_a);
  }
  avail[3] = total;
  r->available_total_a = total;
  r->total_bound = total_bound;
}

/* What sets the budget of resource r (ALLOC_BOUND_* bits). */
static unsigned res_bound(const allocator *a, int r) {
  return r < 3 ? a->rep.phase_bound[r] : a->rep.total_bound;
}

double allocator_station_budget(const allocator *a, unsigned *bound) {
  const alloc_report *r = &a->rep;
  int nph = a->cfg.phases == 1 ? 1 : 3;
  double v = r->available_a[0];
  for (int p = 1; p < nph; p++) v = dmin(v, r->available_a[p]);
  bool total = isfinite(r->available_total_a);
  if (total) v = dmin(v, r->available_total_a / nph);
  v = dmax(0, v);
  unsigned b = 0;
  for (int p = 0; p < nph; p++)
    if (r->available_a[p] <= v + EPS) b |= r->phase_bound[p];
  if (total && r->available_total_a / nph <= v + EPS) b |= r->total_bound;
  if (bound) *bound = b;
  return v;
}

/* Admission order: sessions within their minimum on time first (contactor
 * protection; only an overload pauses them), then by priority, then
 * charging sessions still within their fairness turn, then waiting ones
 * (longest wait first), then those whose turn is over (longest on last). */
static int cmp_admission(const void *x, const void *y, void *ctx) {
  const cand *cd = ctx;
  const cand *a = &cd[*(const int *)x], *b = &cd[*(const int *)y];
  if (a->order_class / 10 != b->order_class / 10) return a->order_class / 10 - b->order_class / 10;
  if (a->prio != b->prio) return b->prio - a->prio;
  if (a->order_class != b->order_class) return a->order_class - b->order_class;
  if (a->tie != b->tie) return a->tie < b->tie ? -1 : 1;
  return *(const int *)x - *(const int *)y;
}

/* qsort has no context argument in C17: a small merge sort instead. */
static void sort_idx(int *v, int *tmp, int n, const void *ctx,
                     int (*cmp)(const void *, const void *, void *)) {
  if (n < 2) return;
  int h = n / 2;
  sort_idx(v, tmp, h, ctx, cmp);
  sort_idx(v + h, tmp, n - h, ctx, cmp);
  int i = 0, j = h, k = 0;
  while (i < h && j < n) tmp[k++] = cmp(&v[j], &v[i], (void *)ctx) < 0 ? v[j++] : v[i++];
  while (i < h) tmp[k++] = v[i++];
  while (j < n) tmp[k++] = v[j++];
  memcpy(v, tmp, (size_t)n * sizeof *v);
}

static int cmp_prio(const void *x, const void *y, void *ctx) {
  const cand *cd = ctx;
  return cd[*(const int *)y].prio - cd[*(const int *)x].prio;
}

static int cmp_cap(const void *x, const void *y, void *ctx) {
  const cand *cd = ctx;
  double a = cd[*(const int *)x].cap, b = cd[*(const int *)y].cap;
  return a < b ? -1 : a > b ? 1 : 0;
}

/* Max-min fair extra above the 6 A base for the sessions idx[0..m) (all of
 * one priority): raise a common level; a session stops rising at its cap or
 * when a resource it uses is exhausted. rem[] is what is left, updated. */
static void water_fill(allocator *a, int *idx, int *tmp, int m, double rem[NRES]) {
  cand *cd = a->cd;
  sort_idx(idx, tmp, m, cd, cmp_cap); /* by cap: the order they reach it */
  double wsum[NRES] = {0};
  for (int j = 0; j < m; j++) {
    cd[idx[j]].frozen = false;
    for (int r = 0; r < NRES; r++) wsum[r] += cd[idx[j]].w[r];
  }
  double level = 0; /* extra above the base */
  int next = 0, left = m;
  while (left > 0) {
    while (next < m && cd[idx[next]].frozen) next++;
    double lcap = next < m ? cd[idx[next]].cap - a->cfg.min_a : INFINITY;
    double lres = INFINITY;
    int rsat = -1;
    for (int r = 0; r < NRES; r++)
      if (wsum[r] > EPS && isfinite(rem[r])) {
        double l = level + dmax(0, rem[r]) / wsum[r];
        if (l < lres) lres = l, rsat = r;
      }
    double lnext = dmin(lcap, lres);
    for (int r = 0; r < NRES; r++)
      if (isfinite(rem[r])) rem[r] -= wsum[r] * (lnext - level);
    level = lnext;
    if (rsat >= 0 && lres <= lcap) { /* resource rsat exhausted: its users stop */
      /* the others exhausted at the same level stop theirs too (what bound
       * each one: every full resource it uses) */
      bool full[NRES] = {false};
      for (int r = 0; r < NRES; r++)
        full[r] = r == rsat || (wsum[r] > EPS && isfinite(rem[r]) && rem[r] <= EPS * wsum[r]);
      for (int j = next; j < m; j++) {
        cand *c = &cd[idx[j]];
        if (c->frozen) continue;
        unsigned why = 0;
        for (int r = 0; r < NRES; r++)
          if (full[r] && c->w[r] > 0) why |= res_bound(a, r);
        if (!why) continue;
        c->frozen = true;
        a->target[idx[j]] = a->cfg.min_a + level;
        a->out[idx[j]].bound |= why;
        for (int r = 0; r < NRES; r++) wsum[r] -= c->w[r];
        left--;
      }
      for (int r = 0; r < NRES; r++)
        if (full[r]) rem[r] = 0;
    } else { /* the next session reached its cap */
      cand *c = &cd[idx[next]];
      c->frozen = true;
      a->target[idx[next]] = c->cap;
      for (int r = 0; r < NRES; r++) wsum[r] -= c->w[r];
      left--;
    }
  }
}

/* "Capped by what it can take": see ALLOC_EV_CAP_MS. */
static void learn_ev_cap(alloc_conn_out *o, const alloc_conn_in *in, borne_ms now,
                         const alloc_config *c) {
  double draw = 0;
  for (int k = 0; k < in->phases && k < 3; k++) draw = dmax(draw, in->draw_a[k]);
  if (o->ev_cap_a > 0 && (draw >= o->ev_cap_a - 0.5 || now - o->ev_cap_at >= c->rotation_ms))
    o->ev_cap_a = 0, o->under_since = 0; /* it wants more, or its turn is over: probe again */
  if (o->state != ALLOC_CHARGE || o->limit_a < c->min_a || draw >= o->limit_a - 2) {
    o->under_since = 0;
    return;
  }
  if (!o->under_since) o->under_since = now;
  if (now - o->under_since >= ALLOC_EV_CAP_MS && o->ev_cap_a == 0) {
    o->ev_cap_a = dmax(c->min_a, quantize(draw + 1));
    o->ev_cap_at = now;
  }
}

static bool fits(const double used[NRES], const double w[NRES], double amps,
                 const double avail[NRES]) {
  for (int r = 0; r < NRES; r++)
    if (w[r] > 0 && used[r] + w[r] * amps > avail[r] + EPS) return false;
  return true;
}

static void set_limit(alloc_conn_out *o, double v) {
  if (fabs(v - o->limit_a) > EPS) o->changes++;
  o->limit_a = v;
}

void allocator_round(allocator *a, borne_ms now, const alloc_grid_in *grid,
                     const alloc_conn_in *in) {
  const alloc_config *c = &a->cfg;
  double avail[NRES];
  budget(a, now, grid, in, avail);

  /* 2. candidates and admission */
  int m = 0;
  for (int i = 0; i < a->n; i++) {
    alloc_conn_out *o = &a->out[i];
    cand *cd = &a->cd[i];
    o->bound = 0;
    a->target[i] = 0;
    cd->admitted = false;
    memset(cd->w, 0, sizeof cd->w);
    int ph = in[i].phases >= 1 && in[i].phases <= 3 ? in[i].phases : 3;
    for (int k = 0; k < ph; k++) cd->w[gphase(&in[i], k)] += 1;
    cd->w[3] = ph;
    bool candidate = in[i].wants && in[i].max_a >= a->cfg.min_a - EPS;
    if (!candidate) {
      alloc_state st = in[i].wants ? ALLOC_HELD : ALLOC_IDLE;
      if (o->state != st) o->since = now;
      if (!in[i].wants) /* a new session starts afresh */
        o->off_at = 0, o->ev_cap_a = 0, o->last_bound = 0;
      o->under_since = 0;
      o->state = st;
      continue;
    }
    if (o->state == ALLOC_IDLE || o->state == ALLOC_HELD) {
      o->state = ALLOC_WAITING;
      o->since = now;
    }
    learn_ev_cap(o, &in[i], now, c);
    cd->cap = dmax(o->ev_cap_a > 0 ? dmin(in[i].max_a, o->ev_cap_a) : in[i].max_a, a->cfg.min_a);
    cd->prio = in[i].priority;
    borne_ms on = now - o->since;
    if (o->state == ALLOC_CHARGE) {
      cd->order_class = on < c->min_on_ms ? 0 : on < c->rotation_ms ? 10 : 12;
      cd->tie = -o->since; /* the latest started first */
    } else {
      if (o->off_at && now - o->off_at < c->min_off_ms) continue; /* resting */
      cd->order_class = 11;
      cd->tie = o->since; /* the longest waiting first */
    }
    a->idx[m++] = i;
  }
  sort_idx(a->idx, a->tmp, m, a->cd, cmp_admission);
  double used[NRES] = {0};
  int admitted = 0;
  for (int j = 0; j < m; j++) {
    cand *cd = &a->cd[a->idx[j]];
    if (!fits(used, cd->w, a->cfg.min_a, avail)) {
      for (int r = 0; r < NRES; r++) /* the budgets it does not fit in */
        if (cd->w[r] > 0 && used[r] + cd->w[r] * a->cfg.min_a > avail[r] + EPS)
          a->out[a->idx[j]].bound |= res_bound(a, r);
      continue;
    }
    cd->admitted = true;
    for (int r = 0; r < NRES; r++) used[r] += cd->w[r] * a->cfg.min_a;
    a->idx[admitted++] = a->idx[j];
  }

  /* 3. sharing above the base, highest priority first */
  double rem[NRES];
  for (int r = 0; r < NRES; r++) rem[r] = avail[r] - used[r];
  sort_idx(a->idx, a->tmp, admitted, a->cd, cmp_prio);
  for (int j = 0; j < admitted;) {
    int k = j;
    while (k < admitted && a->cd[a->idx[k]].prio == a->cd[a->idx[j]].prio) k++;
    water_fill(a, a->idx + j, a->tmp, k - j, rem);
    j = k;
  }

  /* 4. stability: decreases first (they make room), then increases into
   * the room that is really free: a session still slowing down (up to the
   * EV's reaction time) counts with what it draws, not what it was given. */
  double committed[NRES] = {0};
  for (int i = 0; i < a->n; i++) {
    alloc_conn_out *o = &a->out[i];
    double t = a->target[i] > 0 ? quantize(a->target[i]) : 0;
    o->target_a = t;
    if (t < o->limit_a - EPS) {
      if (o->limit_a >= a->cfg.min_a && t < a->cfg.min_a) o->off_at = now;
      /* A small decrease goes half the hysteresis band below the target:
       * a budget that keeps shrinking slowly (a ramp) then costs one change
       * per half band, not one per round; the next increase needs a full
       * band above. A step goes exactly to the target. */
      double down = o->limit_a - t < c->hysteresis_a
                        ? quantize(dmax(a->cfg.min_a, t - c->hysteresis_a / 2))
                        : t;
      set_limit(o, t < a->cfg.min_a ? 0 : down);
      o->up_since = 0;
    }
    double draw = 0;
    for (int k = 0; k < in[i].phases && k < 3; k++) draw = dmax(draw, in[i].draw_a[k]);
    double held = dmax(o->limit_a, draw);
    for (int r = 0; r < NRES; r++) committed[r] += a->cd[i].w[r] * held;
  }
  for (int j = 0; j < admitted; j++) {
    int i = a->idx[j];
    alloc_conn_out *o = &a->out[i];
    double t = o->target_a;
    bool start = o->limit_a < a->cfg.min_a;
    if (!(t >= o->limit_a + c->hysteresis_a - EPS || (start && t >= a->cfg.min_a))) {
      o->up_since = 0;
      continue;
    }
    if (!o->up_since) o->up_since = now;
    if (now - o->up_since < c->hysteresis_ms) continue;
    if (o->last_up && now - o->last_up < c->ev_reaction_ms) continue;
    double from = start ? 0 : o->limit_a;
    double want = dmin(t, (start ? a->cfg.min_a : o->limit_a) + c->step_a);
    double draw = 0;
    for (int k = 0; k < in[i].phases && k < 3; k++) draw = dmax(draw, in[i].draw_a[k]);
    double held = dmax(from, draw);
    /* the most this session may rise to within the room left */
    double room = INFINITY;
    for (int r = 0; r < NRES; r++)
      if (a->cd[i].w[r] > 0) room = dmin(room, (avail[r] - committed[r]) / a->cd[i].w[r]);
    double top = quantize(held + dmax(0, room));
    if (want > top) {
      want = top;
      for (int r = 0; r < NRES; r++) /* the budgets that leave no more room */
        if (a->cd[i].w[r] > 0 && (avail[r] - committed[r]) / a->cd[i].w[r] <= room + EPS)
          o->bound |= res_bound(a, r);
    }
    if (want < a->cfg.min_a || want <= from + EPS) continue; /* no room yet: next round */
    for (int r = 0; r < NRES; r++) committed[r] += a->cd[i].w[r] * (dmax(want, draw) - held);
    set_limit(o, want);
    o->last_up = now;
    o->up_since = now;
  }

  /* states and report */
  alloc_report *rep = &a->rep;
  memset(rep->allocated_a, 0, sizeof rep->allocated_a);
  rep->charging = rep->waiting = 0;
  rep->bound = 0;
  for (int i = 0; i < a->n; i++) {
    alloc_conn_out *o = &a->out[i];
    if (o->state == ALLOC_IDLE || o->state == ALLOC_HELD) {
      if (o->limit_a > 0) set_limit(o, 0);
      o->bound = 0;
      continue;
    }
    rep->bound |= o->bound;
    if (o->bound) o->last_bound = o->bound;
    alloc_state st = o->limit_a >= a->cfg.min_a ? ALLOC_CHARGE : ALLOC_WAITING;
    if (st != o->state) o->since = now;
    o->state = st;
    if (st == ALLOC_CHARGE)
      rep->charging++;
    else
      rep->waiting++;
    for (int k = 0; k < 3; k++)
      if (a->cd[i].w[k] > 0) rep->allocated_a[k] += a->cd[i].w[k] * o->limit_a;
  }
}
