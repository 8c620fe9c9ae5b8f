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
#include "core/grid_type.h"

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

/* Two single-phase cars, the second connector wired L2L3L1. In a TN grid each
 * takes its own grid phase (16 A each); in an IT grid (no neutral) each sits
 * between its connector's L1 and L2, so both load grid L2 and share it. */
static void it_grid_single_phase_cars_load_two_lines(void **state) {
  (void)state;
  for (int it = 0; it < 2; it++) {
    sim s;
    sim_init(&s, 2, 16);
    sim_start(&s);
    int lines = grid_lines_loaded(it ? GRID_IT : GRID_TN, 1);
    assert_int_equal(lines, it ? 2 : 1);
    for (int i = 0; i < 2; i++) s.in[i].phases = lines;
    int rot[3] = {1, 2, 0};
    memcpy(s.in[1].grid_phase, rot, sizeof rot);
    plug(&s, 0, 32);
    plug(&s, 1, 32);
    s.meter = true;
    sim_run(&s, 120);
    assert_amps(offered(&s, 0), it ? 8 : 16);
    assert_amps(offered(&s, 1), it ? 8 : 16);
    const alloc_report *r = allocator_report(s.a);
    /* IT: L1 and L3 carry one car each, L2 both; TN: L1 and L2 one car each */
    assert_amps(r->own_a[0], it ? 8 : 16);
    assert_amps(r->own_a[1], 16);
    assert_amps(r->own_a[2], it ? 8 : 0);
    for (int p = 0; p < 3; p++) assert_int_equal(s.over_ms[p], 0);
    allocator_free(s.a);
  }
}

/* W <-> A per earthing system: TN/TT phase voltage; IT line-to-line, a
 * three-phase load sqrt(3) U I (11 kW on 3 x 230 V IT: 27.6 A per line). */
static void grid_type_arithmetic(void **state) {
  (void)state;
  assert_int_equal(grid_type_parse("IT"), GRID_IT);
  assert_int_equal(grid_type_parse("TT"), GRID_TT);
  assert_int_equal(grid_type_parse("TN"), GRID_TN);
  assert_int_equal(grid_type_parse(NULL), GRID_TN);
  assert_amps(grid_phase_voltage(GRID_TN, 230, 3), 230);
  assert_amps(grid_phase_voltage(GRID_TT, 230, 1), 230);
  assert_amps(grid_phase_voltage(GRID_IT, 230, 1), 230);
  double v = grid_phase_voltage(GRID_IT, 230, 3);
  assert_amps(3 * v * 27.6, sqrt(3.0) * 230 * 27.6);
  assert_true(fabs(11000 / (3 * v) - 27.61) < 0.01);
  assert_int_equal(grid_lines_loaded(GRID_IT, 3), 3);
  assert_int_equal(grid_lines_loaded(GRID_TN, 3), 3);
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

/* Three cars, room for two at 6 A: the third waits, then they take turns
 * (energy.rotation_s); over an hour every car charges about a third of the
 * time, and contactors switch a bounded number of times. */
static void rotation_takes_turns(void **state) {
  (void)state;
  sim s;
  sim_init(&s, 3, 12);
  s.cfg.rotation_ms = S(600);
  s.cfg.min_on_ms = S(60);
  s.cfg.min_off_ms = S(60);
  sim_start(&s);
  for (int i = 0; i < 3; i++) plug(&s, i, 32);
  sim_run(&s, 60);
  assert_int_equal(allocator_report(s.a)->charging, 2);
  assert_int_equal(allocator_report(s.a)->waiting, 1);
  sim_run(&s, 3600 * 3 - 60);
  double lo = 1e18, hi = 0;
  for (int i = 0; i < 3; i++) {
    lo = fmin(lo, s.energy_as[i]);
    hi = fmax(hi, s.energy_as[i]);
    /* a start and a stop per turn of 10 minutes at most */
    assert_true(allocator_conn(s.a, i)->changes <= 3 * 3600 / 600 * 2 + 2);
  }
  assert_true(lo > 0);
  assert_true(hi - lo <= 6.0 * 600 + 1); /* at most one turn apart */
  for (int p = 0; p < 3; p++) assert_int_equal(s.over_ms[p], 0);
  allocator_free(s.a);
}

/* A started session is kept for energy.min_on_s, a paused one rests for
 * energy.min_off_s, except that an overload pauses at once. */
static void minimum_on_and_off_times(void **state) {
  (void)state;
  sim s;
  sim_init(&s, 2, 40);
  s.cfg.use_grid = true;
  s.cfg.min_on_ms = S(120);
  s.cfg.min_off_ms = S(120);
  s.cfg.rotation_ms = S(120);
  s.meter = true;
  sim_start(&s);
  plug(&s, 0, 32);
  sim_run(&s, 20);
  assert_int_equal(allocator_conn(s.a, 0)->state, ALLOC_CHARGE);
  /* the building takes nearly everything: paused at once despite min_on */
  s.other[0] = 36;
  sim_run(&s, 2);
  assert_int_equal(allocator_conn(s.a, 0)->state, ALLOC_WAITING);
  borne_ms paused = allocator_conn(s.a, 0)->off_at;
  assert_true(paused > 0);
  /* room again: it rests min_off first */
  s.other[0] = 0;
  while (allocator_conn(s.a, 0)->state != ALLOC_CHARGE) sim_tick(&s);
  assert_true(s.now - 1000 - paused >= S(120));
  /* a second car while the first is within min_on and room for one at 8 A
   * only: the new one waits until the first's min_on is over, then turns */
  s.other[0] = s.other[1] = s.other[2] = 32;
  sim_run(&s, 2);
  plug(&s, 1, 32);
  borne_ms started = s.now;
  while (allocator_conn(s.a, 1)->state != ALLOC_CHARGE) sim_tick(&s);
  assert_true(s.now - started >= S(100));
  assert_int_equal(allocator_conn(s.a, 0)->state, ALLOC_WAITING);
  allocator_free(s.a);
}

/* Increases: at most energy.step_a each, no sooner than the EV's reaction
 * time apart, only after energy.hysteresis_s; decreases at once. */
static void steps_and_hysteresis(void **state) {
  (void)state;
  sim s;
  sim_init(&s, 1, 32);
  s.cfg.step_a = 4;
  s.cfg.hysteresis_ms = S(3);
  sim_start(&s);
  plug(&s, 0, 32);
  double prev = 0;
  borne_ms last_up = 0;
  int ups = 0;
  for (int t = 0; t < 120; t++) {
    sim_tick(&s);
    double now = offered(&s, 0);
    if (now > prev) {
      assert_true(now - prev <= (prev == 0 ? ALLOC_MIN_A + 4 : 4) + 1e-9);
      if (last_up) assert_true(s.now - last_up >= ALLOC_EV_REACTION_MS);
      last_up = s.now;
      ups++;
    }
    prev = now;
  }
  assert_int_equal((int)offered(&s, 0), 32);
  assert_int_equal(ups, 7); /* 0 -> 10 -> 14 -> ... -> 30 -> 32 */
  /* no increase smaller than hysteresis_a */
  for (int p = 0; p < 3; p++) s.cfg.limit_a[p] = 20;
  allocator_set_config(s.a, &s.cfg);
  sim_tick(&s);
  assert_int_equal((int)offered(&s, 0), 20); /* at once */
  for (int p = 0; p < 3; p++) s.cfg.limit_a[p] = 20.5;
  allocator_set_config(s.a, &s.cfg);
  sim_run(&s, 60);
  assert_amps(offered(&s, 0), 20);
  allocator_free(s.a);
}

/* Building load noise of +-0.4 A does not make the offer oscillate. */
static void noise_does_not_oscillate(void **state) {
  (void)state;
  sim s;
  sim_init(&s, 2, 40);
  s.cfg.use_grid = true;
  s.meter = true;
  sim_start(&s);
  plug(&s, 0, 32);
  plug(&s, 1, 32);
  sim_run(&s, 120);
  long before = allocator_conn(s.a, 0)->changes + allocator_conn(s.a, 1)->changes;
  unsigned seed = 7;
  for (int t = 0; t < 3600; t++) {
    seed = seed * 1103515245u + 12345u;
    double noise = ((double)(seed >> 16 & 0x7fff) / 32767.0 - 0.5) * 0.8;
    for (int p = 0; p < 3; p++) s.other[p] = 20 + noise;
    sim_tick(&s);
  }
  long after = allocator_conn(s.a, 0)->changes + allocator_conn(s.a, 1)->changes;
  assert_true(after - before <= 10);
  allocator_free(s.a);
}

/* Single-phase cars spread over the grid's phases by rotation each get a
 * phase; all on L1 they share it (two fit at 8 A, the third waits). */
static void single_phase_rotation(void **state) {
  (void)state;
  sim s;
  sim_init(&s, 3, 16);
  sim_start(&s);
  for (int i = 0; i < 3; i++) {
    s.in[i].phases = 1;
    s.in[i].grid_phase[0] = 0;
    plug(&s, i, 32);
  }
  sim_run(&s, 120);
  assert_int_equal(allocator_report(s.a)->charging, 2);
  assert_amps(allocator_report(s.a)->allocated_a[0], 16);
  assert_amps(allocator_report(s.a)->allocated_a[1], 0);
  allocator_free(s.a);

  sim_init(&s, 3, 16);
  sim_start(&s);
  for (int i = 0; i < 3; i++) {
    s.in[i].phases = 1;
    s.in[i].grid_phase[0] = i; /* L1L2L3, L2L3L1, L3L1L2 */
    plug(&s, i, 32);
  }
  sim_run(&s, 120);
  for (int i = 0; i < 3; i++) assert_amps(offered(&s, i), 16);
  allocator_free(s.a);
}

/* A 3-phase car and 1-phase cars on different phases: the 3-phase car is
 * held by its fullest phase, the 1-phase cars on other phases use the rest. */
static void mixed_phases_water_filling(void **state) {
  (void)state;
  sim s;
  sim_init(&s, 3, 20);
  sim_start(&s);
  s.in[1].phases = 1;
  s.in[1].grid_phase[0] = 0;
  s.in[2].phases = 1;
  s.in[2].grid_phase[0] = 1;
  for (int i = 0; i < 3; i++) plug(&s, i, 32);
  sim_run(&s, 180);
  /* L1: 3-phase + 1-phase car 1 share 20 -> 10 each; L2: car 2 takes 20 - 10 */
  assert_amps(offered(&s, 0), 10);
  assert_amps(offered(&s, 1), 10);
  assert_amps(offered(&s, 2), 10);
  /* car 1 limited to 6 A by its cable: the others rise */
  s.in[1].max_a = 6;
  s.ev_max[1] = 6;
  sim_run(&s, 180);
  assert_amps(offered(&s, 1), 6);
  /* max-min: cars 0 and 2 rise together until L2 is full; 4 A stay free
   * on L1 because car 0 cannot use them without L2 */
  assert_amps(offered(&s, 0), 10);
  assert_amps(offered(&s, 2), 10);
  allocator_free(s.a);
}

/* Higher priority first; equal priorities share. */
static void priorities(void **state) {
  (void)state;
  sim s;
  sim_init(&s, 3, 26);
  sim_start(&s);
  s.in[0].priority = 2;
  for (int i = 0; i < 3; i++) plug(&s, i, 32);
  sim_run(&s, 180);
  /* 6 A base each, the rest (8 A) to the priority car first */
  assert_amps(offered(&s, 0), 14);
  assert_amps(offered(&s, 1), 6);
  assert_amps(offered(&s, 2), 6);
  /* less room: the priority car keeps charging, the others take turns */
  for (int p = 0; p < 3; p++) s.cfg.limit_a[p] = 12;
  allocator_set_config(s.a, &s.cfg);
  sim_run(&s, 5);
  assert_true(offered(&s, 0) >= 6);
  assert_int_equal(allocator_report(s.a)->charging, 2);
  allocator_free(s.a);
}

/* 8 connectors, 1- and 3-phase mixed, with a building load. */
static void eight_connectors(void **state) {
  (void)state;
  sim s;
  sim_init(&s, 8, 63);
  s.cfg.use_grid = true;
  s.cfg.margin_a = 2;
  s.meter = true;
  s.other[0] = 10, s.other[1] = 15, s.other[2] = 5;
  sim_start(&s);
  for (int i = 0; i < 8; i++) {
    if (i % 2) {
      s.in[i].phases = 1;
      s.in[i].grid_phase[0] = i % 3;
    }
    plug(&s, i, i == 3 ? 10 : 32);
    s.in[i].max_a = i == 3 ? 10 : 32;
  }
  sim_run(&s, 300);
  const alloc_report *r = allocator_report(s.a);
  for (int p = 0; p < 3; p++) assert_true(r->allocated_a[p] <= r->available_a[p] + 1e-6);
  assert_int_equal(r->charging, 8);
  /* the 10 A car is capped, nobody is starved */
  assert_amps(offered(&s, 3), 10);
  for (int i = 0; i < 8; i++) assert_true(offered(&s, i) >= ALLOC_MIN_A);
  for (int p = 0; p < 3; p++) assert_int_equal(s.over_ms[p], 0);
  allocator_free(s.a);
}

/* 100 three-phase cars on 400 A: 66 charge at about 6 A, 34 wait; all
 * charge over a few turns. */
static void hundred_connectors(void **state) {
  (void)state;
  sim s;
  sim_init(&s, 100, 400);
  s.cfg.rotation_ms = S(600);
  sim_start(&s);
  for (int i = 0; i < 100; i++) plug(&s, i, 32);
  sim_run(&s, 60);
  const alloc_report *r = allocator_report(s.a);
  assert_int_equal(r->charging, 66);
  assert_int_equal(r->waiting, 34);
  for (int p = 0; p < 3; p++) assert_true(r->allocated_a[p] <= 400 + 1e-6);
  sim_run(&s, 3600);
  for (int i = 0; i < 100; i++) assert_true(s.energy_as[i] > 0);
  for (int p = 0; p < 3; p++) assert_int_equal(s.over_ms[p], 0);
  allocator_free(s.a);
}

/* Two hours of a building load with steps and ramps, four cars whose EVs
 * follow a lower offer only after 5 s: the limit is never exceeded longer
 * than the reaction time (1 s round + 5 s EV), a bounded number of changes,
 * every car gets energy in every half hour. */
static void building_load_simulation(void **state) {
  (void)state;
  sim s;
  sim_init(&s, 4, 40);
  s.cfg.use_grid = true;
  s.cfg.margin_a = 1;
  s.cfg.rotation_ms = S(300);
  s.meter = true;
  s.lag = true;
  sim_start(&s);
  for (int i = 0; i < 4; i++) plug(&s, i, 32);
  s.in[3].phases = 1;
  double last[4] = {0};
  for (int t = 0; t < 7200; t++) {
    double base;
    int m = t % 1800;
    if (m < 300)
      base = 5;
    else if (m < 600)
      base = 5 + (m - 300) * 0.1; /* ramp to 35 A */
    else if (m < 900)
      base = 35;
    else if (m < 1000)
      base = 15; /* step down */
    else if (m < 1200)
      base = 28; /* step up */
    else
      base = 28 - (m - 1200) * 0.04;
    s.other[0] = base;
    s.other[1] = base * 0.7;
    s.other[2] = base * 0.5;
    sim_tick(&s);
    if (t % 1800 == 1799) {
      for (int i = 0; i < 4; i++) {
        assert_true(s.energy_as[i] > last[i]);
        last[i] = s.energy_as[i];
      }
    }
  }
  for (int p = 0; p < 3; p++) assert_true(s.longest_over_ms[p] <= 1000 + ALLOC_EV_REACTION_MS);
  /* 8 load events, 4 ramps of 5 to 10 minutes: well under one change a
   * minute (one a round would be 7200) */
  for (int i = 0; i < 4; i++) assert_true(allocator_conn(s.a, i)->changes < 150);
  allocator_free(s.a);
}

/* EnWG 14a: a cap on the sum of all phases' currents (4200 W / 230 V),
 * applied in the first round to sessions already charging (seeded). */
static void contact_total_cap(void **state) {
  (void)state;
  sim s;
  sim_init(&s, 3, 1e6);
  sim_start(&s);
  s.in[2].phases = 1;
  for (int i = 0; i < 3; i++) {
    plug(&s, i, 16);
    s.in[i].max_a = 16;
    allocator_seed(s.a, i, 16, s.now);
    for (int k = 0; k < s.in[i].phases; k++) s.in[i].draw_a[k] = 16;
  }
  s.grid.total_limit_a = 4200.0 / 230.0;
  sim_tick(&s);
  /* room for one 3-phase car at 6 A (18 of 18.26 A); the 1-phase car's
   * 6 A does not fit beside it; both others are paused at once */
  double total = 0;
  for (int i = 0; i < 3; i++) total += offered(&s, i) * s.in[i].phases;
  assert_true(total <= 4200.0 / 230.0 + 1e-9);
  assert_int_equal(allocator_report(s.a)->charging, 1);
  assert_amps(offered(&s, 0), 6);
  s.grid.total_limit_a = 0; /* released */
  sim_run(&s, 120);
  for (int i = 0; i < 3; i++) assert_amps(offered(&s, i), 16);
  allocator_free(s.a);
}

/* site.limit_kva: a 12 kVA subscription (52.2 A in total at 230 V) with
 * 32 A breakers per phase. The building's other load is all on L1: L1 has
 * 12 A left, the total 32.2 A, so a three-phase car gets a third of the
 * total; a single-phase car on L2 then shares the total with it (equal
 * currents: 3x + x). The failsafe keeps the total with the highest load
 * seen. */
static void kva_total_limit(void **state) {
  (void)state;
  sim s;
  sim_init(&s, 2, 32);
  s.cfg.total_limit_a = 12000.0 / 230.0;
  s.cfg.use_grid = true;
  s.cfg.min_on_ms = s.cfg.min_off_ms = 0;
  s.cfg.stale_ms = S(10);
  s.meter = true;
  s.other[0] = 20;
  sim_start(&s);
  plug(&s, 0, 32);
  sim_run(&s, 60);
  const alloc_report *r = allocator_report(s.a);
  assert_amps(r->available_a[0], 12);
  assert_amps(r->available_total_a, 12000.0 / 230.0 - 20);
  assert_amps(offered(&s, 0), 10.7); /* 32.17 / 3, in 0.1 A steps */
  s.in[1].phases = 1;
  s.in[1].grid_phase[0] = 1;
  plug(&s, 1, 32);
  sim_run(&s, 120);
  assert_amps(offered(&s, 0), 8.0);
  assert_amps(offered(&s, 1), 8.0);
  double total = s.other[0] + 3 * offered(&s, 0) + offered(&s, 1);
  assert_true(total <= 12000.0 / 230.0);
  /* the meter goes silent: failsafe, the total still counts the 20 A */
  s.meter = false;
  sim_run(&s, 15);
  assert_true(r->failsafe);
  assert_amps(r->available_total_a, 12000.0 / 230.0 - 20);
  assert_true(3 * offered(&s, 0) + offered(&s, 1) <= 12000.0 / 230.0 - 20 + 1e-9);
  allocator_free(s.a);
}

/* A single-phase supply (site.phases = 1): only L1 exists; two cars on it
 * share what a 9 kVA subscription leaves beside 10 A of other load. */
static void single_phase_supply(void **state) {
  (void)state;
  sim s;
  sim_init(&s, 2, 9000.0 / 230.0);
  s.cfg.phases = 1;
  s.cfg.total_limit_a = 9000.0 / 230.0;
  s.cfg.use_grid = true;
  s.cfg.min_on_ms = s.cfg.min_off_ms = 0;
  s.meter = true;
  s.other[0] = 10;
  sim_start(&s);
  for (int i = 0; i < 2; i++) {
    s.in[i].phases = 1;
    plug(&s, i, 32);
  }
  sim_run(&s, 120);
  const alloc_report *r = allocator_report(s.a);
  assert_amps(r->available_a[1], 0);
  assert_amps(r->available_a[2], 0);
  assert_amps(offered(&s, 0), 14.5); /* (39.13 - 10) / 2 = 14.56, rounded down */
  assert_amps(offered(&s, 1), 14.5);
  allocator_free(s.a);
}

/* site.margin_a with site.limit_kva: the margin is kept free on every phase,
 * so the total budget loses it once per phase of the supply (3 on a
 * three-phase supply, 1 on a single-phase one), not once in all. The
 * breakers are far above the subscription, so only the total binds. */
static void kva_margin_per_phase(void **state) {
  (void)state;
  sim s;
  sim_init(&s, 1, 63);
  s.cfg.total_limit_a = 12000.0 / 230.0; /* 52.17 A */
  s.cfg.margin_a = 1;
  s.cfg.use_grid = true;
  s.meter = true;
  s.other[0] = 20;
  sim_start(&s);
  plug(&s, 0, 32);
  sim_run(&s, 60);
  const alloc_report *r = allocator_report(s.a);
  assert_amps(r->available_a[0], 63 - 20 - 1);
  assert_amps(r->available_total_a, 12000.0 / 230.0 - 20 - 3 * 1);
  assert_amps(offered(&s, 0), 9.7); /* 29.17 / 3, in 0.1 A steps (10.3 with the margin once) */
  allocator_free(s.a);

  /* a single-phase supply has one phase to keep the margin on */
  sim_init(&s, 2, 63);
  s.cfg.phases = 1;
  s.cfg.total_limit_a = 9000.0 / 230.0; /* 39.13 A */
  s.cfg.margin_a = 1;
  s.cfg.use_grid = true;
  s.cfg.min_on_ms = s.cfg.min_off_ms = 0;
  s.meter = true;
  s.other[0] = 10;
  sim_start(&s);
  for (int i = 0; i < 2; i++) {
    s.in[i].phases = 1;
    plug(&s, i, 32);
  }
  sim_run(&s, 120);
  r = allocator_report(s.a);
  assert_amps(r->available_total_a, 9000.0 / 230.0 - 10 - 1);
  assert_amps(offered(&s, 0), 14.0); /* 28.13 / 2 = 14.06 (13.0 with the margin thrice) */
  assert_amps(offered(&s, 1), 14.0);
  allocator_free(s.a);
}

/* 63 A at the site, a 20 A circuit for borne (1 A margin, fallback 30 A),
 * the building taking 10, 30 and 40 A: two 3-phase cars of 32 A plugged on
 * connectors 1 and 2 of n, two minutes on */
static const alloc_report *circuit_under_site(sim *s, int n) {
  sim_init(s, n, 63);
  s->cfg.circuit_limit_a = 20;
  s->cfg.margin_a = 1;
  s->cfg.use_grid = true;
  s->cfg.stale_ms = S(10);
  s->cfg.fallback_a = 30;
  s->meter = true;
  s->other[0] = 10, s->other[1] = 30, s->other[2] = 40;
  sim_start(s);
  plug(s, 0, 32);
  plug(s, 1, 32);
  sim_run(s, 120);
  return allocator_report(s->a);
}

/* site.circuit_limit_a: the breaker of the circuit feeding the charge points
 * caps borne's own draw per phase (less the margin) whatever the building's
 * other loads, which only the site limit counts. 63 A at the site, a 20 A
 * circuit: two 3-phase cars share 19 A while the building leaves more; the
 * site limit binds again once the building leaves less; in failsafe the
 * fallback budget is capped by the circuit too. */
static void circuit_limit(void **state) {
  (void)state;
  sim s;
  const alloc_report *r = circuit_under_site(&s, 2);
  assert_false(r->failsafe);
  /* the site leaves 52, 32 and 22 A: the circuit's 19 A is the budget */
  for (int p = 0; p < 3; p++) assert_amps(r->available_a[p], 19);
  assert_amps(offered(&s, 0), 9.5);
  assert_amps(offered(&s, 1), 9.5);
  /* the building takes more on L3: 63 - 50 - 1 = 12 A is below the circuit's */
  s.other[2] = 50;
  sim_run(&s, 10);
  assert_amps(r->available_a[2], 12);
  assert_amps(r->available_a[0], 19);
  assert_true(offered(&s, 0) + offered(&s, 1) <= 12 + 1e-9);
  /* the meter goes silent: grid.fallback_a (30 A) is capped at 19 A too */
  s.other[2] = 40;
  s.meter = false;
  sim_run(&s, 15);
  assert_true(r->failsafe);
  for (int p = 0; p < 3; p++) assert_amps(r->available_a[p], 19);
  allocator_free(s.a);

  /* without grid data (the limit is borne's alone) the circuit caps it too */
  sim_init(&s, 1, 32);
  s.cfg.circuit_limit_a = 16;
  s.cfg.margin_a = 1;
  sim_start(&s);
  plug(&s, 0, 32);
  sim_run(&s, 60);
  assert_amps(allocator_report(s.a)->available_a[0], 15);
  assert_amps(offered(&s, 0), 15);
  allocator_free(s.a);
}

/* What bound the budget and the shares (OCPP 2.0.1 isGridCritical): the
 * circuit alone, the site's connection on one phase, both when they tie,
 * the failsafe budget, the kVA total and the grid operator's cap, a session
 * refused admission, one its own cap holds (nothing binds it; its last
 * bound is kept for the session, dropped when it ends). */
static void bound_report(void **state) {
  (void)state;
  sim s;
  const alloc_report *r = circuit_under_site(&s, 4);
  unsigned b = 0;
  /* the site leaves 52, 32 and 22 A: the circuit's 19 A binds, not the grid */
  for (int p = 0; p < 3; p++) assert_int_equal(r->phase_bound[p], ALLOC_BOUND_CIRCUIT);
  assert_int_equal(r->total_bound, 0);
  assert_amps(allocator_station_budget(s.a, &b), 19);
  assert_int_equal(b, ALLOC_BOUND_CIRCUIT);
  assert_int_equal(allocator_conn(s.a, 0)->bound, ALLOC_BOUND_CIRCUIT);
  assert_int_equal(r->bound, ALLOC_BOUND_CIRCUIT);
  assert_false(r->bound & ALLOC_BOUND_GRID_SIDE);
  /* L3's building load leaves 12 A there: the grid binds the 3-phase cars */
  s.other[2] = 50;
  sim_run(&s, 10);
  assert_int_equal(r->phase_bound[2], ALLOC_BOUND_GRID);
  assert_int_equal(r->phase_bound[0], ALLOC_BOUND_CIRCUIT);
  assert_amps(allocator_station_budget(s.a, &b), 12);
  assert_int_equal(b, ALLOC_BOUND_GRID);
  assert_int_equal(allocator_conn(s.a, 1)->bound, ALLOC_BOUND_GRID);
  assert_int_equal(allocator_conn(s.a, 1)->last_bound, ALLOC_BOUND_GRID);
  /* 63 - 43 - 1 = 19 A: the grid and the circuit tie, both bind */
  s.other[2] = 43;
  sim_run(&s, 60);
  assert_int_equal(r->phase_bound[2], ALLOC_BOUND_GRID | ALLOC_BOUND_CIRCUIT);
  allocator_station_budget(s.a, &b);
  assert_int_equal(b, ALLOC_BOUND_GRID | ALLOC_BOUND_CIRCUIT);
  assert_true(r->bound & ALLOC_BOUND_GRID);
  assert_true(r->bound & ALLOC_BOUND_CIRCUIT);
  /* two more cars: 19 A fits three at 6 A, the fourth waits, refused by both */
  s.other[2] = 40;
  plug(&s, 2, 32);
  plug(&s, 3, 32);
  sim_run(&s, 30);
  assert_int_equal(r->waiting, 1);
  assert_int_equal(r->charging, 3);
  for (int i = 0; i < 4; i++) assert_int_equal(allocator_conn(s.a, i)->bound, ALLOC_BOUND_CIRCUIT);
  s.in[2].wants = s.in[3].wants = false;
  /* the meter goes silent: grid.fallback_a 30 A, the circuit's 19 A binds;
   * a fallback of 15 A binds (the failsafe stands for the grid) */
  s.meter = false;
  sim_run(&s, 15);
  assert_true(r->failsafe);
  assert_int_equal(r->phase_bound[0], ALLOC_BOUND_CIRCUIT);
  s.cfg.fallback_a = 15;
  allocator_set_config(s.a, &s.cfg);
  sim_run(&s, 2);
  for (int p = 0; p < 3; p++) assert_int_equal(r->phase_bound[p], ALLOC_BOUND_FAILSAFE);
  assert_int_equal(allocator_conn(s.a, 0)->bound, ALLOC_BOUND_FAILSAFE);
  assert_true(r->bound & ALLOC_BOUND_GRID_SIDE);
  allocator_free(s.a);

  /* the kVA total (27 A for the three phases, no other load), then the 14a
   * cap below it, then equal to it */
  sim_init(&s, 1, 32);
  s.cfg.total_limit_a = 27;
  s.cfg.circuit_limit_a = 25;
  sim_start(&s);
  plug(&s, 0, 32);
  sim_run(&s, 60);
  r = allocator_report(s.a);
  assert_int_equal(r->total_bound, ALLOC_BOUND_KVA);
  assert_int_equal(allocator_conn(s.a, 0)->bound, ALLOC_BOUND_KVA);
  assert_amps(offered(&s, 0), 9);
  assert_amps(allocator_station_budget(s.a, &b), 9);
  assert_int_equal(b, ALLOC_BOUND_KVA);
  s.grid.total_limit_a = 21;
  sim_run(&s, 5);
  assert_int_equal(r->total_bound, ALLOC_BOUND_GRID_CAP);
  assert_int_equal(allocator_conn(s.a, 0)->bound, ALLOC_BOUND_GRID_CAP);
  s.grid.total_limit_a = 27;
  sim_run(&s, 60);
  assert_int_equal(r->total_bound, ALLOC_BOUND_KVA | ALLOC_BOUND_GRID_CAP);
  /* the car takes 8 A: its own cap holds it, nothing binds; the last bound
   * stays for the session, then goes with it */
  s.in[0].max_a = 8;
  sim_run(&s, 5);
  assert_amps(offered(&s, 0), 8);
  assert_int_equal(allocator_conn(s.a, 0)->bound, 0);
  assert_int_equal(r->bound, 0);
  assert_int_equal(allocator_conn(s.a, 0)->last_bound, ALLOC_BOUND_KVA | ALLOC_BOUND_GRID_CAP);
  s.in[0].wants = false;
  sim_run(&s, 1);
  assert_int_equal(allocator_conn(s.a, 0)->last_bound, 0);
  allocator_free(s.a);

  /* a single-phase supply: L2 and L3 do not exist, the grid's doing */
  sim_init(&s, 1, 32);
  s.cfg.phases = 1;
  sim_start(&s);
  plug(&s, 0, 32);
  s.in[0].phases = 1;
  sim_run(&s, 2);
  r = allocator_report(s.a);
  assert_int_equal(r->phase_bound[0], ALLOC_BOUND_GRID);
  assert_int_equal(r->phase_bound[1], ALLOC_BOUND_GRID);
  allocator_free(s.a);
}

/* A draw beyond the connectors (an installation's member out of reach,
 * docs/site.md): counted in borne's own draw and off the budget, with grid
 * data (the meter sees it too: not counted twice as the building's), without
 * (the limit is borne's), in failsafe, and off the kVA total. */
static void reserved_draw(void **state) {
  (void)state;
  sim s;
  sim_init(&s, 2, 40);
  s.cfg.margin_a = 1;
  s.cfg.use_grid = true;
  s.cfg.stale_ms = S(10);
  s.cfg.fallback_a = 30;
  s.meter = true;
  for (int p = 0; p < 3; p++) {
    s.other[p] = 10 + 8; /* the member out of reach draws 8 A: the meter sees it */
    s.grid.reserved_a[p] = 8;
  }
  sim_start(&s);
  plug(&s, 0, 32);
  plug(&s, 1, 32);
  sim_run(&s, 120);
  const alloc_report *r = allocator_report(s.a);
  assert_false(r->failsafe);
  for (int p = 0; p < 3; p++) {
    assert_amps(r->other_a[p], 10);
    assert_amps(r->available_a[p], 40 - 10 - 1 - 8);
    assert_amps(r->own_a[p], offered(&s, 0) + offered(&s, 1) + 8);
  }
  assert_amps(offered(&s, 0), 10.5);
  /* failsafe: grid.fallback_a less the reserved draw */
  s.meter = false;
  sim_run(&s, 15);
  assert_true(r->failsafe);
  assert_amps(r->available_a[0], 30 - 8);
  allocator_free(s.a);

  /* no grid data: the site limit less the margin and the reserved draw; kVA too */
  sim_init(&s, 1, 40);
  s.cfg.margin_a = 1;
  s.cfg.total_limit_a = 60;
  s.grid.reserved_a[0] = 8, s.grid.reserved_a[1] = 0, s.grid.reserved_a[2] = 4;
  sim_start(&s);
  plug(&s, 0, 32);
  sim_run(&s, 60);
  r = allocator_report(s.a);
  assert_amps(r->available_a[0], 31);
  assert_amps(r->available_a[1], 39);
  assert_amps(r->available_a[2], 35);
  assert_amps(r->available_total_a, 60 - 3 - 12);
  assert_amps(offered(&s, 0), 15);
  allocator_free(s.a);
}

/* energy.min_current_a: a site that sets 10 A as the least a session is
 * given (cars that charge badly near 6 A). 16 A free: one car at 16 A and
 * the other waits, where 6 A would have given 8 A each; a minimum written
 * below 6 A is raised to 6 A. */
static void configured_minimum_current(void **state) {
  (void)state;
  sim s;
  sim_init(&s, 2, 16);
  s.cfg.min_a = 10;
  s.cfg.min_on_ms = s.cfg.min_off_ms = 0;
  sim_start(&s);
  plug(&s, 0, 32);
  plug(&s, 1, 32);
  sim_run(&s, 60);
  assert_int_equal(allocator_report(s.a)->charging, 1);
  assert_int_equal(allocator_report(s.a)->waiting, 1);
  assert_amps(offered(&s, 0) + offered(&s, 1), 16);
  s.cfg.min_a = 2;
  allocator_set_config(s.a, &s.cfg);
  sim_run(&s, 60);
  assert_int_equal(allocator_report(s.a)->charging, 2);
  assert_amps(offered(&s, 0), 8);
  assert_amps(offered(&s, 1), 8);
  allocator_free(s.a);
}

/* An EV that takes 10 A of a 20 A offer: after a while its share is its
 * draw + 1 A and the other car gets the rest; when it wants more again
 * (the cap is reached), it gets its fair share back. */
static void ev_taking_less_leaves_the_rest(void **state) {
  (void)state;
  sim s;
  sim_init(&s, 2, 40);
  sim_start(&s);
  plug(&s, 0, 10); /* the EV's own maximum, unknown to the station */
  plug(&s, 1, 32);
  sim_run(&s, 20);
  assert_amps(offered(&s, 0), 20);
  sim_run(&s, 120);
  assert_amps(allocator_conn(s.a, 0)->ev_cap_a, 11);
  assert_amps(offered(&s, 0), 11);
  assert_amps(offered(&s, 1), 29);
  s.ev_max[0] = 32; /* now it takes what it gets */
  sim_run(&s, 120);
  assert_amps(offered(&s, 0), 20);
  assert_amps(offered(&s, 1), 20);
  allocator_free(s.a);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(one_connector),
      cmocka_unit_test(two_connectors_fair_share),
      cmocka_unit_test(fair_share_capped),
      cmocka_unit_test(held_by_other_limit),
      cmocka_unit_test(pause_below_minimum),
      cmocka_unit_test(building_load),
      cmocka_unit_test(mixed_phases),
      cmocka_unit_test(it_grid_single_phase_cars_load_two_lines),
      cmocka_unit_test(grid_type_arithmetic),
      cmocka_unit_test(stale_failsafe_and_recovery),
      cmocka_unit_test(default_fallback),
      cmocka_unit_test(rotation_takes_turns),
      cmocka_unit_test(minimum_on_and_off_times),
      cmocka_unit_test(steps_and_hysteresis),
      cmocka_unit_test(noise_does_not_oscillate),
      cmocka_unit_test(single_phase_rotation),
      cmocka_unit_test(mixed_phases_water_filling),
      cmocka_unit_test(priorities),
      cmocka_unit_test(eight_connectors),
      cmocka_unit_test(hundred_connectors),
      cmocka_unit_test(building_load_simulation),
      cmocka_unit_test(contact_total_cap),
      cmocka_unit_test(ev_taking_less_leaves_the_rest),
      cmocka_unit_test(kva_total_limit),
      cmocka_unit_test(single_phase_supply),
      cmocka_unit_test(configured_minimum_current),
      cmocka_unit_test(kva_margin_per_phase),
      cmocka_unit_test(circuit_limit),
      cmocka_unit_test(bound_report),
      cmocka_unit_test(reserved_draw),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
