/*
 * One rig for the unit tests that run a whole station on a real loop with
 * the simulated hardware (test_station_badges, test_station_recovery): the
 * configuration they share, the sim HAL with an EV on connector 1, opening
 * with every module, running the loop until a condition holds (no sleeps),
 * and a clean close that checks every handle was released.
 */
#ifndef BORNE_TEST_STATION_RIG_H
#define BORNE_TEST_STATION_RIG_H

#include <stdbool.h>
#include <stdlib.h>

#include "main/modules.h"
#include "station/station.h"
#include "hal/hal_sim.h"

typedef struct {
  uv_loop_t loop;
  station_clock clk;
  config *cfg;
  hal *hw;
  station *st;
} station_rig;

/* Badge authorization, an ephemeral HTTP port, simulated time 50 times faster;
 * a sim HAL of `connectors` connectors whose meters start at `energy_wh`
 * (one per connector), an EV plugged into connector 1. */
static inline void station_rig_prepare(station_rig *r, int connectors, double *energy_wh) {
  char err[256];
  r->cfg = config_new();
  assert_int_equal(config_set(r->cfg, "auth.mode", "badge", err, sizeof err), 0);
  assert_int_equal(config_set(r->cfg, "http.listen", "127.0.0.1:0", err, sizeof err), 0);
  assert_int_equal(config_set(r->cfg, "sim.speed", "50", err, sizeof err), 0);
  clock_init(&r->clk, 50);
  r->hw = hal_sim_create(connectors, &r->clk, 230.0, energy_wh, false);
  sim_ev_params ev = {
      .max_current_a = 16, .phases = 3, .battery_kwh = 50, .soc_pct = 20, .target_soc_pct = 90};
  assert_int_equal(hal_sim_plug(r->hw, 1, &ev, 220, err, sizeof err), 0);
}

static inline void station_rig_open(station_rig *r, const char *data_dir) {
  char err[256];
  uv_loop_init(&r->loop);
  r->st = calloc(1, sizeof *r->st);
  station_options opt = {
      .data_dir = data_dir, .cfg = r->cfg, .parts = &borne_station_parts, .hw = r->hw};
  if (station_open(r->st, &r->loop, &opt, err, sizeof err) != 0) fail_msg("%s", err);
}

/* Runs the loop until cond(st) holds (at most 2 000 turns); its last answer. */
static inline bool station_rig_run_until(station_rig *r, bool (*cond)(station *)) {
  for (int i = 0; i < 2000 && !cond(r->st); i++) uv_run(&r->loop, UV_RUN_ONCE);
  return cond(r->st);
}

/* Graceful stop; `after_close` (may be NULL) runs once the loop ended and
 * before the station is freed (its store is still open). */
static inline void station_rig_close(station_rig *r, void (*after_close)(station *)) {
  station_close(r->st);
  uv_run(&r->loop, UV_RUN_DEFAULT);
  assert_false(uv_loop_alive(&r->loop));
  if (after_close) after_close(r->st);
  station_free(r->st);
  free(r->st);
  assert_int_equal(uv_loop_close(&r->loop), 0);
  config_free(r->cfg);
}

#endif
