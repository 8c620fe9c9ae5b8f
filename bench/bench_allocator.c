/*
 * Energy management figures for docs/performance.md:
 *  1. allocator time per round for 1 000 connectors (single- and three-phase
 *     mixed, a building load, more sessions than room so that admission,
 *     rotation and water-filling all work): goal <= 1 ms;
 *  2. time from a measured overload to the new duty cycles, end to end in
 *     process: a grid sample arrives (station_grid_sample, as a meter or the
 *     API would deliver it), the energy module runs its round, the station
 *     applies the new limits and the HAL gets the new PWM. Runs a real station
 *     (sim HAL, SQLite in a temp dir, HTTP on an ephemeral port). Target:
 *     within 1 s (issue 6); measured in microseconds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "energy/allocator.h"
#include "keys/key_tables.h"
#include "main/modules.h"
#include "station/station.h"
#include "hal/hal_sim.h"
#include "util/log.h"

#define ALLOC_N 1000
#define ALLOC_ROUNDS 2000
#define OVERLOADS 100

static uint64_t mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static void bench_rounds(void) {
  alloc_config cfg;
  alloc_config_defaults(&cfg);
  for (int p = 0; p < 3; p++) cfg.limit_a[p] = 4000;
  cfg.use_grid = true;
  cfg.rotation_ms = 60000;
  allocator *a = allocator_new(ALLOC_N, &cfg);
  alloc_conn_in *in = calloc(ALLOC_N, sizeof *in);
  double *samples = calloc(ALLOC_ROUNDS, sizeof *samples);
  if (!a || !in || !samples) exit(1);
  for (int i = 0; i < ALLOC_N; i++) {
    in[i].phases = i % 4 == 0 ? 1 : 3;
    for (int k = 0; k < 3; k++) in[i].grid_phase[k] = (k + i) % 3;
    in[i].wants = i % 10 != 0;
    in[i].max_a = i % 7 == 0 ? 10 : 32;
    in[i].priority = i % 50 == 0 ? 1 : 0;
  }
  borne_ms now = 1767571200000LL;
  alloc_grid_in g = {.grid_valid = true};
  for (int r = 0; r < ALLOC_ROUNDS; r++) {
    const alloc_report *rep = allocator_report(a);
    for (int p = 0; p < 3; p++) g.grid_a[p] = 300 + 50 * (r % 7) + rep->own_a[p];
    g.grid_at = now;
    uint64_t t0 = mono_ns();
    allocator_round(a, now, &g, in);
    samples[r] = (double)(mono_ns() - t0) / 1e3;
    for (int i = 0; i < ALLOC_N; i++)
      for (int k = 0; k < in[i].phases; k++) in[i].draw_a[k] = allocator_conn(a, i)->limit_a;
    now += 1000;
  }
  const alloc_report *rep = allocator_report(a);
  qsort(samples, ALLOC_ROUNDS, sizeof *samples, cmp);
  printf("allocator round, %d connectors (%d charging, %d waiting): median %.0f us, p99 %.0f us, "
         "max %.0f us (%d rounds)\n",
         ALLOC_N, rep->charging, rep->waiting, samples[ALLOC_ROUNDS / 2],
         samples[ALLOC_ROUNDS * 99 / 100], samples[ALLOC_ROUNDS - 1], ALLOC_ROUNDS);
  allocator_free(a);
  free(in);
  free(samples);
}

/* ---------- overload to duty cycles, through the station ---------- */

typedef struct {
  station st;
  int round;
  int phase; /* 0: wait for full current, 1: overload sent, wait for the new PWM */
  uint64_t t_sample;
  int pwm_before[2];
  bool seen[2];
  double samples[OVERLOADS];
} bench;

static void send_grid(bench *b, double building) {
  grid_sample g = {.at = clock_now(&b->st.clock), .has_current = true};
  for (int p = 0; p < 3; p++) {
    double own = 0;
    for (int c = 0; c < 2; c++) own += b->st.conn[c].meter.current_a[p];
    g.current_a[p] = building + own;
  }
  station_grid_sample(&b->st, "api", &g);
}

static void on_applied(void *ctx, int c) {
  bench *b = ctx;
  if (b->phase != 1 || c < 1 || c > 2) return;
  const cs_outputs *o = &b->st.core.conn[c - 1].out;
  if (o->pwm_permille < b->pwm_before[c - 1]) b->seen[c - 1] = true;
  if (b->seen[0] && b->seen[1]) {
    b->samples[b->round++] = (double)(mono_ns() - b->t_sample) / 1e3;
    b->phase = 0;
  }
}

static void step(uv_timer_t *t) {
  bench *b = t->data;
  if (b->round == OVERLOADS) {
    uv_timer_stop(t);
    uv_close((uv_handle_t *)t, NULL);
    station_close(&b->st);
    return;
  }
  if (b->phase != 0) return;
  send_grid(b, 5); /* the building's normal load: room for 2 x 16 A */
  bool full = true;
  for (int c = 0; c < 2; c++)
    full &= b->st.core.conn[c].out.contactor_closed && b->st.core.conn[c].offered_a >= 16 &&
            b->st.conn[c].meter.current_a[0] > 15;
  if (!full) return;
  for (int c = 0; c < 2; c++) {
    b->pwm_before[c] = b->st.core.conn[c].out.pwm_permille;
    b->seen[c] = false;
  }
  b->phase = 1;
  b->t_sample = mono_ns();
  send_grid(b, 25); /* a step of 20 A: 40 - 25 - 1 leaves 7 A each */
}

static int bench_overload(void) {
  char dir[] = "/tmp/borne-bench-XXXXXX";
  if (!mkdtemp(dir)) return 1;
  config *cfg = config_new();
  char err[256];
  const char *set[][2] = {
      {"auth.mode", "free"},   {"http.listen", "127.0.0.1:0"}, {"sim.speed", "1000"},
      {"log.level", "error"},  {"station.connectors", "2"},    {"site.limit_a", "40"},
      {"grid.source", "api"},  {"grid.stale_s", "3600"},       {"energy.hysteresis_s", "0"},
      {"energy.step_a", "32"}, {"energy.min_on_s", "0"},       {"energy.min_off_s", "0"}};
  for (size_t i = 0; i < sizeof set / sizeof set[0]; i++)
    if (config_set(cfg, set[i][0], set[i][1], err, sizeof err) != 0) {
      fprintf(stderr, "bench: %s\n", err);
      return 1;
    }
  uv_loop_t loop;
  uv_loop_init(&loop);
  bench *b = calloc(1, sizeof *b);
  station_options so = {.data_dir = dir, .cfg = cfg, .parts = &borne_station_parts};
  if (!b || station_open(&b->st, &loop, &so, err, sizeof err) != 0) {
    fprintf(stderr, "bench: %s\n", err);
    return 1;
  }
  b->st.on_outputs_applied = on_applied;
  b->st.on_outputs_applied_ctx = b;
  sim_ev_params p = {
      .max_current_a = 16, .phases = 3, .battery_kwh = 5000, .soc_pct = 1, .target_soc_pct = 100};
  for (int c = 1; c <= 2; c++) hal_sim_plug(b->st.hw, c, &p, 220, err, sizeof err);
  uv_timer_t t;
  uv_timer_init(&loop, &t);
  t.data = b;
  uv_timer_start(&t, step, 1, 1);
  uv_run(&loop, UV_RUN_DEFAULT);
  station_free(&b->st);
  qsort(b->samples, (size_t)b->round, sizeof b->samples[0], cmp);
  if (b->round)
    printf("measured overload (grid sample) to new duty cycles on both connectors: median %.0f us, "
           "p99 %.0f us, max %.0f us (%d overloads)\n",
           b->samples[b->round / 2], b->samples[b->round * 99 / 100], b->samples[b->round - 1],
           b->round);
  uv_loop_close(&loop);
  config_free(cfg);
  free(b);
  char cmd[64];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  return system(cmd) == 0 ? 0 : 1;
}

int main(void) {
  if (borne_keys_register() != 0) return 1; /* every module's configuration keys */
  log_set_level(LOG_ERROR);
  bench_rounds();
  return bench_overload();
}
