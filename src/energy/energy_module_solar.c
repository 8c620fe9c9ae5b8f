/*
 * Solar-surplus charging on the station: reads connector.N.charge_mode and
 * the solar.* keys, feeds the pure rules (solar.c) each allocation round
 * with the grid source's latest sample and the connectors' draw, applies
 * their result as LIMIT_SOLAR (so that `limited_by` says "solar" when the
 * surplus limits, and the site allocation, which reads every other limit,
 * always wins), moves the phase contactors through the HAL, records the
 * events and adds `solar` to the status. Loop thread only.
 */
#include <jansson.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "energy/energy_module_internal.h"
#include "http/http_json.h"
#include "core/pilot.h"
#include "util/log.h"

#define MOD "energy"

void energy_solar_config(energy *e) {
  const config *cfg = e->st->cfg;
  solar_config c;
  solar_config_defaults(&c);
  double v = e->voltage > 0 ? e->voltage : 230;
  c.min_a = config_get_number(cfg, "energy.min_current_a");
  c.start_threshold_a = config_get_number(cfg, "solar.start_threshold_w") / v;
  c.stop_threshold_a = config_get_number(cfg, "solar.stop_threshold_w") / v;
  c.start_delay_ms = config_get_int(cfg, "solar.start_delay_s") * 1000;
  c.stop_delay_ms = config_get_int(cfg, "solar.stop_delay_s") * 1000;
  c.min_charge_ms = config_get_int(cfg, "solar.min_charge_s") * 1000;
  c.min_pause_ms = config_get_int(cfg, "solar.min_pause_s") * 1000;
  c.smoothing_ms = (borne_ms)(config_get_number(cfg, "solar.smoothing_s") * 1000);
  c.phase_pause_ms = config_get_int(cfg, "solar.phase_switch_pause_s") * 1000;
  c.max_switches_per_hour = (int)config_get_int(cfg, "solar.max_switches_per_hour");
  c.stale_ms = (borne_ms)(config_get_number(cfg, "grid.stale_s") * 1000);
  e->scfg = c;
  const char *inv = config_get(cfg, "solar.inverter");
  e->has_inverter = inv && inv[0];
  e->house_load_w = config_get_number(cfg, "solar.house_load_w");
  if (e->sol) solar_set_config(e->sol, &c);
  char k[64];
  for (int i = 0; i < e->n; i++) {
    snprintf(k, sizeof k, "connector.%d.charge_mode", i + 1);
    int m = solar_mode_parse(config_get(cfg, k));
    e->mode[i] = m < 0 ? SOLAR_MODE_NORMAL : (solar_mode)m;
    /* without a grid input no surplus is ever known: say so, once per change */
    if (e->mode[i] != SOLAR_MODE_NORMAL && e->source < 0 && !e->has_inverter)
      log_warn(MOD,
               "%s = %s but grid.source = none and no solar.inverter: no solar surplus is "
               "measured",
               k, solar_mode_name(e->mode[i]));
  }
}

static int hal_phases(const energy *e, int c) {
  hal *hw = e->st->hw;
  return hw && hw->ops->get_phases ? hw->ops->get_phases(hw, c) : -1;
}

/* The phase requests saved by energy_solar_request_phases: a request outlives a restart (a
 * station asked for one phase is not back on three after a reboot). A row for a connector
 * the station no longer has, or a value other than 1 or 3, is ignored; a board that lost its
 * contactor ignores the request (solar.c switches only a switchable connector). */
static void load_phase_requests(energy *e) {
  store *db = e->st->db;
  sqlite3_stmt *q = store_stmt(db, "SELECT connector, phases FROM energy_phase_request");
  if (!q) {
    log_warn(MOD, "phase requests not read: %s", store_last_error(db));
    return;
  }
  while (sqlite3_step(q) == SQLITE_ROW) {
    int c = sqlite3_column_int(q, 0), phases = sqlite3_column_int(q, 1);
    if (c < 1 || c > e->n || (phases != 1 && phases != 3)) continue;
    e->phase_req[c - 1] = phases;
    log_info(MOD, "connector %d: %d phases asked for (kept from before the restart)", c, phases);
  }
  store_stmt_release(db, q);
}

static int save_phase_request(energy *e, int c, int phases) {
  store *db = e->st->db;
  sqlite3_stmt *q = store_stmt(
      db, "INSERT OR REPLACE INTO energy_phase_request (connector, phases) VALUES (?1, ?2)");
  int rc = SQLITE_ERROR;
  if (q) {
    sqlite3_bind_int(q, 1, c);
    sqlite3_bind_int(q, 2, phases);
    rc = sqlite3_step(q);
    store_stmt_release(db, q);
  }
  if (rc != SQLITE_DONE) {
    log_warn(MOD, "connector %d: the %d-phase request cannot be saved, refused: %s", c, phases,
             q ? sqlite3_errmsg(store_sqlite(db)) : store_last_error(db));
    return -1;
  }
  return 0;
}

int energy_solar_attach(energy *e) {
  e->sol = solar_new(e->n, &e->scfg);
  if (!e->sol) return -1;
  for (int i = 0; i < e->n; i++) {
    e->solar_applied[i] = -1;
    int p = hal_phases(e, i + 1);
    if (p > 0) solar_set_phases(e->sol, i, p);
  }
  if (e->st->db) load_phase_requests(e);
  return 0;
}

/* The off-peak period of offpeak_or_solar: the utility's tariff signal
 * when a grid input reports it, else the station's charging windows; no
 * signal and no windows: never off-peak (the sun only). */
bool energy_solar_offpeak(const energy *e, borne_ms now) {
  int op = energy_offpeak_now(e, now);
  if (op >= 0) return op == 1;
  return (e->sched != NULL) && schedule_open(energy_sched(e), &e->tz, now);
}

/* The most connector c's other limits allow (cable, selector, thermal,
 * OCPP, API, MQTT, Modbus...): a solar share above it would be exported.
 * Load management, the charging windows and the solar rule itself are
 * not counted. <= 0 when none is set. */
static double solar_max_a(const station *st, int c) {
  station_connector_view view;
  station_view(st, c, &view);
  limit_set l = view.limits;
  limits_clear(&l, LIMIT_LOAD_MANAGEMENT);
  limits_clear(&l, LIMIT_SCHEDULE);
  limits_clear(&l, LIMIT_SOLAR);
  double v = limits_offered(&l, -1, NULL);
  return v >= PILOT_MAX_CURRENT_A ? -1 : v;
}

static void apply_solar(energy *e, int c, double amps) {
  if (fabs(e->solar_applied[c - 1] - amps) < 1e-9) return;
  e->solar_applied[c - 1] = amps;
  station_set_limit(e->st, c, LIMIT_SOLAR, amps);
}

static bool wants(const station_connector_view *v) {
  if (!v->has_session || v->finishing || v->error != ERR_NONE) return false;
  connector_status s = v->status;
  return s == STATUS_CHARGING || s == STATUS_SUSPENDED_EV || s == STATUS_SUSPENDED_EVSE ||
         s == STATUS_PREPARING;
}

/* Moves connector c's phase contactor where the rules want it; a board
 * that refuses keeps the rules on its actual position. */
static void move_contactor(energy *e, int c, int want, int have) {
  hal *hw = e->st->hw;
  if (!hw->ops->set_phases || hw->ops->set_phases(hw, c, want) != 0) {
    const char *why = hw->ops->last_error ? hw->ops->last_error(hw) : "not supported";
    log_warn(MOD, "connector %d: phase contactor to %d phases refused: %s", c, want, why);
    solar_set_phases(e->sol, c - 1, have);
    return;
  }
  e->car_phases[c - 1] = 0; /* the car's phases are learnt again */
  station_event(e->st, c, "phase_switch", "%d -> %d phases (%d in the last hour)", have, want,
                solar_switches_last_hour(e->sol, c - 1, energy_now(e)));
}

void energy_solar_round(energy *e, borne_ms now) {
  station *st = e->st;
  bool offpeak = energy_solar_offpeak(e, now);
  for (int i = 0; i < e->n; i++) {
    station_connector_view v;
    station_view(st, i + 1, &v);
    const station_connector *sc = &st->conn[i];
    solar_conn_in *in = &e->sol_in[i];
    in->mode = e->mode[i];
    in->wants = wants(&v);
    /* the car's phases are learnt by load management from its meter */
    solar_conn_wiring(in, station_connector_phases(st, i + 1), hal_phases(e, i + 1),
                      e->car_phases[i]);
    in->offpeak = offpeak;
    in->priority = e->priority[i];
    for (int k = 0; k < 3; k++) in->draw_a[k] = sc->meter_ok ? fmax(0, sc->meter.current_a[k]) : 0;
    in->max_a = solar_max_a(st, i + 1);
    in->want_phases = e->mode[i] == SOLAR_MODE_NORMAL ? e->phase_req[i] : 0;
  }
  alloc_grid_in ag;
  energy_grid_input(e, &ag);
  solar_grid_in g = {.valid = ag.grid_valid, .at = ag.grid_at};
  memcpy(g.grid_a, ag.grid_a, sizeof g.grid_a);
  g.own_a = ag.own_a[0] + ag.own_a[1] + ag.own_a[2];
  if (e->has_inverter && e->pv_have) {
    g.has_pv = true;
    g.pv_at = e->pv_at;
    g.pv_a = e->pv_w / e->voltage;
    g.house_a = e->house_load_w / e->voltage;
  }
  solar_round(e->sol, now, &g, e->sol_in);
  for (int c = 1; c <= e->n; c++) {
    const solar_conn_out *o = solar_conn(e->sol, c - 1);
    int have = hal_phases(e, c);
    if (e->sol_in[c - 1].switchable && have > 0 && o->phases != have)
      move_contactor(e, c, o->phases, have);
    apply_solar(e, c, o->limit_a);
    solar_state prev = e->solar_prev[c - 1];
    e->solar_prev[c - 1] = o->state;
    if (!e->sol_in[c - 1].wants || prev == o->state) continue;
    if (o->state == SOLAR_CHARGING && prev == SOLAR_WAITING)
      station_event(st, c, "solar_started", "%s, %.1f A surplus", solar_mode_name(e->mode[c - 1]),
                    o->share_a);
    else if (o->state == SOLAR_WAITING && prev == SOLAR_CHARGING)
      station_event(st, c, "solar_stopped", "%s (%.1f A surplus)", o->reason, o->share_a);
  }
}

void energy_solar_status(const energy *e, int connector, json_t *obj) {
  if (connector == 0) {
    json_t *s = json_object();
    double a = e->sol ? solar_surplus_a(e->sol) : 0;
    json_object_set_new(s, "surplus_a", json_real(round(a * 100) / 100));
    json_object_set_new(s, "surplus_w", json_real(round(a * e->voltage)));
    json_object_set_new(s, "offpeak", json_boolean(energy_solar_offpeak(e, energy_now(e))));
    json_object_set_new(
        s, "source",
        json_string(solar_source_name(e->sol ? solar_surplus_source(e->sol) : SOLAR_SRC_NONE)));
    json_object_set_new(s, "pv_w",
                        e->has_inverter && e->pv_have ? json_real(round(e->pv_w)) : json_null());
    /* the house load the inverter's surplus is computed with: learnt from
     * the grid meter while both were fresh, else solar.house_load_w */
    double h = e->sol ? solar_house_learnt_a(e->sol, energy_now(e)) : -1;
    json_object_set_new(s, "house_w",
                        e->has_inverter
                            ? json_real(round(h >= 0 ? h * e->voltage : e->house_load_w))
                            : json_null());
    json_object_set_new(s, "house_source",
                        e->has_inverter ? json_string(h >= 0 ? "grid" : "configured")
                                        : json_null());
    json_object_set_new(obj, "solar", s);
    return;
  }
  if (connector > e->n || !e->sol) return;
  const solar_conn_out *o = solar_conn(e->sol, connector - 1);
  json_object_set_new(obj, "charge_mode", json_string(solar_mode_name(e->mode[connector - 1])));
  json_t *s = json_object();
  json_object_set_new(s, "state", json_string(solar_state_name(o->state)));
  json_object_set_new(s, "reason",
                      o->reason && o->reason[0] ? json_string(o->reason) : json_null());
  json_object_set_new(s, "limit_a", o->limit_a >= 0 ? json_real(o->limit_a) : json_null());
  json_object_set_new(s, "share_a", json_real(round(o->share_a * 100) / 100));
  json_object_set_new(s, "demand_a", o->demand_a > 0 ? json_real(o->demand_a) : json_null());
  json_object_set_new(s, "phases", json_integer(o->phases));
  json_object_set_new(s, "phase_contactor", json_boolean(e->sol_in[connector - 1].switchable));
  json_object_set_new(s, "switches_last_hour",
                      json_integer(solar_switches_last_hour(e->sol, connector - 1, energy_now(e))));
  json_object_set_new(s, "starts", json_integer(o->starts));
  json_object_set_new(s, "stops", json_integer(o->stops));
  json_object_set_new(obj, "solar", s);
}

int energy_solar_request_phases(energy *e, int c, int phases) {
  hal *hw = e->st->hw;
  if (c < 1 || c > e->n || (phases != 1 && phases != 3) || !hw || !hw->ops->set_phases ||
      hal_phases(e, c) <= 0 || station_connector_phases(e->st, c) != 3)
    return -1;
  if (e->mode[c - 1] != SOLAR_MODE_NORMAL) return -2;
  if (e->phase_req[c - 1] != phases) {
    /* saved before it is taken: a request that would not outlive a restart is refused */
    if (e->st->db && save_phase_request(e, c, phases) != 0) return -2;
    log_info(MOD, "connector %d: %d phases asked for (the contactor is at %d)", c, phases,
             hal_phases(e, c));
  }
  e->phase_req[c - 1] = phases;
  energy_round_soon(e);
  return 0;
}
