/*
 * Latency from a pilot change seen by the hardware to the contactor command:
 * a charging simulated EV opens S2 (C -> B), the HAL reports it through the
 * loop, the core decides, the station commands the contactor open. Runs a
 * real station (sim HAL, SQLite in a temp dir, HTTP on an ephemeral port) and
 * prints percentiles. Target: <= 10 ms (IEC 61851-1 allows 100 ms).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "keys/key_tables.h"
#include "main/modules.h"
#include "station/station.h"
#include "hal/hal_sim.h"
#include "util/log.h"

#define ROUNDS 200

typedef struct {
  station st;
  uv_loop_t *loop;
  int round;
  uint64_t t_change;
  double samples[ROUNDS];
  int phase; /* 0 wait charging, 1 wait open */
} bench;

static uint64_t mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void step(uv_timer_t *t);

static void on_applied(void *ctx, int c) {
  bench *b = ctx;
  if (c != 1 || b->phase != 1) return;
  if (!b->st.core.conn[0].out.contactor_closed) {
    b->samples[b->round] = (double)(mono_ns() - b->t_change) / 1e3;
    b->round++;
    b->phase = 0;
  }
}

static void step(uv_timer_t *t) {
  bench *b = t->data;
  char err[128];
  if (b->round == ROUNDS) {
    uv_timer_stop(t);
    uv_close((uv_handle_t *)t, NULL);
    station_close(&b->st);
    return;
  }
  if (b->phase == 0) {
    const connector_sm *sm = &b->st.core.conn[0];
    if (sm->out.contactor_closed && sm->cp == CP_C) {
      b->phase = 1;
      b->t_change = mono_ns();
      hal_sim_ev_request(b->st.hw, 1, SIM_EV_PAUSE, err, sizeof err);
    } else if (sm->cp == CP_B && !sm->out.contactor_closed) {
      hal_sim_ev_request(b->st.hw, 1, SIM_EV_CHARGE, err, sizeof err);
    }
  }
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main(void) {
  if (borne_keys_register() != 0) return 1; /* every module's configuration keys */
  char dir[] = "/tmp/borne-bench-XXXXXX";
  if (!mkdtemp(dir)) return 1;
  log_set_level(LOG_ERROR);
  config *cfg = config_new();
  char err[256];
  config_set(cfg, "auth.mode", "free", err, sizeof err);
  config_set(cfg, "http.listen", "127.0.0.1:0", err, sizeof err);
  config_set(cfg, "sim.speed", "100", err, sizeof err);
  config_set(cfg, "log.level", "error", err, sizeof err);
  uv_loop_t loop;
  uv_loop_init(&loop);
  bench *b = calloc(1, sizeof *b);
  b->loop = &loop;
  station_options so = {.data_dir = dir, .cfg = cfg, .parts = &borne_station_parts};
  if (station_open(&b->st, &loop, &so, err, sizeof err) != 0) {
    fprintf(stderr, "bench: %s\n", err);
    return 1;
  }
  b->st.on_outputs_applied = on_applied;
  b->st.on_outputs_applied_ctx = b;
  sim_ev_params p = {
      .max_current_a = 16, .phases = 3, .battery_kwh = 500, .soc_pct = 10, .target_soc_pct = 100};
  hal_sim_plug(b->st.hw, 1, &p, 220, err, sizeof err);
  uv_timer_t t;
  uv_timer_init(&loop, &t);
  t.data = b;
  uv_timer_start(&t, step, 1, 1);
  uv_run(&loop, UV_RUN_DEFAULT);
  station_free(&b->st);
  qsort(b->samples, ROUNDS, sizeof b->samples[0], cmp);
  printf("CP change (C->B) to contactor open command: median %.1f us, p99 %.1f us, max %.1f us "
         "(%d rounds)\n",
         b->samples[ROUNDS / 2], b->samples[ROUNDS * 99 / 100], b->samples[ROUNDS - 1], ROUNDS);
  uv_loop_close(&loop);
  config_free(cfg);
  free(b);
  char cmd[64];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  return system(cmd) == 0 ? 0 : 1;
}
