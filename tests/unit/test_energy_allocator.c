/*
 * Site current allocator on a virtual clock: budget from the site limit,
 * the building load and borne's own draw, max-min fair shares with 1- and
 * 3-phase sessions, the 6 A minimum (pause, "waiting for power"), failsafe
 * on stale grid data and recovery. A small simulation drives the rounds:
 * every simulated second the EVs draw what they were offered (or, with
 * `lag`, follow a lower offer only after the IEC 61851 reaction time) and
 * the grid meter sees the building's other load plus borne's draw.
 */
/* cmocka.h needs these first */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "energy/allocator.h"

#define T0 ((borne_ms)1767571200000LL)
#define S(x) ((borne_ms)(x)*1000)
#define MAXC 128

/* Equal to 1e-6 A, with both values in the failure message. */
#define assert_amps(a, b)                                                                          \
  do {                                                                                             \
    double a_ = (a), b_ = (b);                                                                     \
    if (fabs(a_ - b_) > 1e-6) fail_msg("%s = %.3f, expected %.3f", #a, a_, b_);                    \
  } while (0)

typedef struct {
  allocator *a;
  alloc_config cfg;
  alloc_conn_in in[MAXC];
  double ev_max[MAXC]; /* what each car can take */
  int n;
  double other[3]; /* building load without borne */
  bool meter;      /* the grid meter answers */
  alloc_grid_in grid;
  borne_ms now;
  bool lag;                /* EVs follow decreases only after 5 s */
  borne_ms lower_at[MAXC]; /* when the offer went below the draw */
  double energy_as[MAXC];  /* amp-seconds received per car (phase 1) */
  long over_ms[3];         /* time the site limit was exceeded per phase */
  long longest_over_ms[3]; /* longest continuous overload per phase */
  long cur_over_ms[3];
} sim;

static void sim_init(sim *s, int n, double limit) {
  memset(s, 0, sizeof *s);
  alloc_config_defaults(&s->cfg);
  for (int p = 0; p < 3; p++) s->cfg.limit_a[p] = limit;
  s->cfg.margin_a = 0;
  s->n = n;
  s->now = T0;
  for (int i = 0; i < n; i++) {
    s->in[i].phases = 3;
    for (int k = 0; k < 3; k++) s->in[i].grid_phase[k] = k;
    s->in[i].max_a = 32;
    s->ev_max[i] = 32;
  }
}

static void sim_start(sim *s) {
  s->a = allocator_new(s->n, &s->cfg);
  assert_non_null(s->a);
}

static double offered(const sim *s, int i) { return allocator_conn(s->a, i)->limit_a; }

/* One simulated second: the meter measures, the allocator decides, the EVs
 * react. */
static void sim_tick(sim *s) {
  double own[3] = {0};
  for (int i = 0; i < s->n; i++)
    for (int k = 0; k < s->in[i].phases; k++) own[s->in[i].grid_phase[k]] += s->in[i].draw_a[k];
  for (int p = 0; p < 3; p++) {
    double load = s->other[p] + own[p];
    if (load > s->cfg.limit_a[p] + 1e-6) {
      s->over_ms[p] += 1000;
      s->cur_over_ms[p] += 1000;
      if (s->cur_over_ms[p] > s->longest_over_ms[p]) s->longest_over_ms[p] = s->cur_over_ms[p];
    } else {
      s->cur_over_ms[p] = 0;
    }
  }
  if (s->meter) {
    s->grid.grid_valid = true;
    s->grid.grid_at = s->now;
    for (int p = 0; p < 3; p++) s->grid.grid_a[p] = s->other[p] + own[p];
  }
  allocator_round(s->a, s->now, &s->grid, s->in);
  for (int i = 0; i < s->n; i++) {
    double want = s->in[i].wants ? fmin(offered(s, i), s->ev_max[i]) : 0;
    double d = s->in[i].draw_a[0];
    if (want < d - 1e-9 && s->lag) {
      if (!s->lower_at[i]) s->lower_at[i] = s->now;
      if (s->now - s->lower_at[i] < ALLOC_EV_REACTION_MS) want = d;
    } else {
      s->lower_at[i] = 0;
    }
    for (int k = 0; k < 3; k++) s->in[i].draw_a[k] = k < s->in[i].phases ? want : 0;
    s->energy_as[i] += want;
  }
  s->now += S(1);
}

static void sim_run(sim *s, int seconds) {
  for (int t = 0; t < seconds; t++) sim_tick(s);
}

static void plug(sim *s, int i, double ev_max) {
  s->in[i].wants = true;
  s->ev_max[i] = ev_max;
}

static void one_connector(void **state) {
  (void)state;
  sim s;
  sim_init(&s, 1, 32);
  s.cfg.margin_a = 1;
  sim_start(&s);
  sim_run(&s, 3);
  assert_int_equal(allocator_conn(s.a, 0)->state, ALLOC_IDLE);
  assert_true(offered(&s, 0) == 0);
  plug(&s, 0, 32);
  sim_run(&s, 60);
  /* the whole budget (limit - margin), reached in bounded steps */
  assert_int_equal(allocator_conn(s.a, 0)->state, ALLOC_CHARGE);
  assert_amps(offered(&s, 0), 31);
  assert_true(allocator_conn(s.a, 0)->changes <= 6);
  assert_amps(allocator_report(s.a)->available_a[0], 31);
  /* unplugged: back to idle, no limit */
  s.in[0].wants = false;
  sim_run(&s, 1);
  assert_int_equal(allocator_conn(s.a, 0)->state, ALLOC_IDLE);
  assert_true(offered(&s, 0) == 0);
  allocator_free(s.a);
}

static void two_connectors_fair_share(void **state) {
  (void)state;
  sim s;
  sim_init(&s, 2, 20);
  sim_start(&s);
  plug(&s, 0, 32);
  plug(&s, 1, 32);
  sim_run(&s, 60);
  assert_amps(offered(&s, 0), 10);
  assert_amps(offered(&s, 1), 10);
  allocator_free(s.a);
}

/* What one car cannot use goes to the other (water-filling). */
static void fair_share_capped(void **state) {
  (void)state;
  sim s;
  sim_init(&s, 2, 40);
  sim_start(&s);
  s.in[0].max_a = 10; /* cable, selector, OCPP... */
  plug(&s, 0, 10);
  plug(&s, 1, 32);
  sim_run(&s, 90);
  assert_amps(offered(&s, 0), 10);
  assert_amps(offered(&s, 1), 30);
  allocator_free(s.a);
}

/* A connector already held below 6 A by another limit is left to it. */
static void held_by_other_limit(void **state) {
  (void)state;
  sim s;
  sim_init(&s, 2, 20);
  sim_start(&s);
  plug(&s, 0, 32);
  plug(&s, 1, 32);
  s.in[1].max_a = 0; /* e.g. the charging window is closed */
  sim_run(&s, 60);
  assert_int_equal(allocator_conn(s.a, 1)->state, ALLOC_HELD);
  assert_amps(offered(&s, 0), 20);
  assert_true(offered(&s, 1) == 0);
  allocator_free(s.a);
}

/* 10 A for two cars: one charges at 10 A, the other waits for power. */
static void pause_below_minimum(void **state) {
  (void)state;
  sim s;
  sim_init(&s, 2, 10);
  sim_start(&s);
  plug(&s, 0, 32);
  sim_run(&s, 30);
  plug(&s, 1, 32);
  sim_run(&s, 30);
  assert_amps(offered(&s, 0), 10);
  assert_true(offered(&s, 1) == 0);
  assert_int_equal(allocator_conn(s.a, 1)->state, ALLOC_WAITING);
  assert_int_equal(allocator_report(s.a)->waiting, 1);
  assert_int_equal(allocator_report(s.a)->charging, 1);
  /* with 12 A both get 6 A */
  for (int p = 0; p < 3; p++) s.cfg.limit_a[p] = 12;
  allocator_set_config(s.a, &s.cfg);
  sim_run(&s, 90);
  assert_amps(offered(&s, 0), 6);
  assert_amps(offered(&s, 1), 6);
  allocator_free(s.a);
}

/* available = limit - (building load - own draw) - margin */
static void building_load(void **state) {
  (void)state;
  sim s;
  sim_init(&s, 2, 40);
  s.cfg.use_grid = true;
  s.cfg.margin_a = 2;
  s.meter = true;
  s.other[0] = 12, s.other[1] = 8, s.other[2] = 10;
  sim_start(&s);
  plug(&s, 0, 32);
  plug(&s, 1, 32);
  sim_run(&s, 120);
  const alloc_report *r = allocator_report(s.a);
  assert_false(r->failsafe);
  assert_amps(r->other_a[0], 12);
  assert_amps(r->available_a[0], 26);
  assert_amps(r->available_a[1], 30);
  /* the tightest phase decides for 3-phase cars */
  assert_amps(offered(&s, 0), 13);
  assert_amps(offered(&s, 1), 13);
  /* a load step: reduced at once (the same round) */
  s.other[0] = 30;
  sim_tick(&s);
  sim_tick(&s);
  assert_true(offered(&s, 0) + offered(&s, 1) <= 40 - 30 - 2 + 1e-9);
  allocator_free(s.a);
}

/* A 1-phase car on L1 and a 3-phase car share L1; the 3-phase car is held
 * by L1 too (it draws the same on every phase). */
static void mixed_phases(void **state) {
  (void)state;
  sim s;
  sim_init(&s, 2, 16);
  sim_start(&s);
  s.in[1].phases = 1;
  plug(&s, 0, 32);
  plug(&s, 1, 32);
  sim_run(&s, 90);
  assert_amps(offered(&s, 0), 8);
  assert_amps(offered(&s, 1), 8);
  /* wired on L2 instead (phase rotation): each has its own phase for it */
  s.in[1].grid_phase[0] = 1;
  sim_run(&s, 120);
  assert_amps(offered(&s, 0), 8);
  /* now the 3-phase car can rise to 16 (L1 and L3 free), capped by L2 */
  allocator_free(s.a);
}

static void stale_failsafe_and_recovery(void **state) {
  (void)state;
  sim s;
  sim_init(&s, 2, 40);
  s.cfg.use_grid = true;
  s.cfg.stale_ms = S(10);
  s.cfg.fallback_a = 10;
  s.meter = true;
  s.other[0] = s.other[1] = s.other[2] = 10;
  sim_start(&s);
  plug(&s, 0, 32);
  plug(&s, 1, 32);
  sim_run(&s, 120);
  assert_amps(offered(&s, 0), 15);
  assert_false(allocator_report(s.a)->failsafe);
  s.meter = false; /* silent */
  sim_run(&s, 10);
  assert_false(allocator_report(s.a)->failsafe);
  sim_run(&s, 2);
  assert_true(allocator_report(s.a)->failsafe);
  /* 10 A for borne: one car at 10 A, the other waits */
  assert_amps(offered(&s, 0) + offered(&s, 1), 10);
  assert_amps(allocator_report(s.a)->available_a[0], 10);
  s.meter = true; /* back */
  sim_run(&s, 200);
  assert_false(allocator_report(s.a)->failsafe);
  assert_amps(offered(&s, 0), 15);
  assert_amps(offered(&s, 1), 15);
  allocator_free(s.a);
}

/* Default fallback: limit - margin - the highest other load seen. */
static void default_fallback(void **state) {
  (void)state;
  sim s;
  sim_init(&s, 1, 40);
  s.cfg.use_grid = true;
  s.cfg.stale_ms = S(5);
  s.cfg.margin_a = 2;
  sim_start(&s);
  plug(&s, 0, 32);
  /* never a sample: one session at the minimum */
  sim_run(&s, 30);
  assert_true(allocator_report(s.a)->failsafe);
  assert_amps(offered(&s, 0), 6);
  s.meter = true;
  s.other[0] = 25, s.other[1] = 5, s.other[2] = 5;
  sim_run(&s, 5);
  s.other[0] = 15;
  sim_run(&s, 60);
  s.meter = false;
  sim_run(&s, 10);
  assert_true(allocator_report(s.a)->failsafe);
  assert_amps(allocator_report(s.a)->available_a[0], 40 - 2 - 25);
  assert_amps(offered(&s, 0), 13);
  allocator_free(s.a);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(one_connector),       cmocka_unit_test(two_connectors_fair_share),
      cmocka_unit_test(fair_share_capped),   cmocka_unit_test(held_by_other_limit),
      cmocka_unit_test(pause_below_minimum), cmocka_unit_test(building_load),
      cmocka_unit_test(mixed_phases),        cmocka_unit_test(stale_failsafe_and_recovery),
      cmocka_unit_test(default_fallback),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
