/*
 * Energy management on the station: keeps the latest grid sample of every
 * source (Modbus meter, TIC, P1, CT clamps, control contact, the API), runs
 * an allocation round (src/energy/allocator.c) every second of station time
 * and soon after every relevant event (session, status, grid sample,
 * setting), and applies the result as LIMIT_LOAD_MANAGEMENT, only when a
 * value changes. POST /api/v1/grid feeds the `api` source. Adds `site` to
 * the station object and `allocation` to each connector in
 * GET /api/v1/status, and records failsafe and pause events.
 *
 * The module's files: this one (configuration, rounds, windows, hooks),
 * energy_module_grid.c (sources, POST /api/v1/grid), energy_module_users.c
 * (users' own windows), energy_module_status.c (status JSON).
 *
 * Load management is on when site.limit_a is set; otherwise this module
 * only stores samples and answers the API. Loop thread only.
 *
 * Limits applied per connector (see docs/energy.md for why):
 *   charging            -> its share (>= 6 A)
 *   waiting for power   -> 0 A   (limited_by "load_management")
 *   held by another limit (< 6 A from schedule, OCPP, ...) -> 5.9 A: no
 *     power, yet the other limit stays the one named in limited_by, and
 *     when it lifts the session still gets nothing before a round gave it
 *     a share (no contactor cycling)
 *   no session          -> 0 A
 */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "energy/energy_module.h"
#include "energy/energy_module_internal.h"
#include "http/http_json.h"
#include "station/station.h"
#include "core/grid_type.h"
#include "core/pilot.h"
#include "util/log.h"

#define MOD "energy"
#define ZONEINFO_DIR "/usr/share/zoneinfo"
/* how far ahead the next window change is looked for; looked again after */
#define WINDOW_HORIZON_MS (8LL * 86400000)

/* grid phase of connector phase k from an "L2L3L1" rotation */
static void parse_rotation(const char *r, int out[3]) {
  for (int k = 0; k < 3; k++)
    out[k] = (r && strlen(r) == 6 && r[2 * k + 1] >= '1' && r[2 * k + 1] <= '3')
                 ? r[2 * k + 1] - '1'
                 : k;
}

static void load_config(energy *e) {
  const config *cfg = e->st->cfg;
  e->loaded_at = config_generation(cfg);
  alloc_config c;
  alloc_config_defaults(&c);
  const char *lim = config_get(cfg, "site.limit_a");
  const char *kva = config_get(cfg, "site.limit_kva");
  bool has_a = lim && lim[0], has_kva = kva && kva[0];
  e->enabled = has_a || has_kva;
  c.phases = (int)config_get_int(cfg, "site.phases") == 1 ? 1 : 3;
  /* every W <-> A conversion below counts amperes summed over the phases; in
   * an IT grid site.voltage_v is line-to-line and a three-phase supply gives
   * sqrt(3) U I (core/grid_type.h) */
  e->grid = grid_type_parse(config_get(cfg, "site.grid_type"));
  e->voltage = grid_phase_voltage(e->grid, config_get_number(cfg, "site.voltage_v"), c.phases);
  /* without a site limit only the EnWG 14a contact can make load management act */
  double limit = has_a ? config_get_number(cfg, "site.limit_a") : 1e6;
  if (has_kva) {
    /* the subscription in kVA: a total over the phases, and per phase its
     * even split unless site.limit_a says what each phase's breaker takes */
    c.total_limit_a = config_get_number(cfg, "site.limit_kva") * 1000.0 / e->voltage;
    if (!has_a) limit = c.total_limit_a / c.phases;
  }
  for (int p = 0; p < 3; p++) c.limit_a[p] = limit;
  const char *cl = config_get(cfg, "site.circuit_limit_a");
  c.circuit_limit_a = cl && cl[0] ? config_get_number(cfg, "site.circuit_limit_a") : 0;
  c.margin_a = config_get_number(cfg, "site.margin_a");
  c.min_a = config_get_number(cfg, "energy.min_current_a");
  const char *fb = config_get(cfg, "grid.fallback_a");
  c.fallback_a = fb && fb[0] ? config_get_number(cfg, "grid.fallback_a") : -1;
  c.stale_ms = (borne_ms)(config_get_number(cfg, "grid.stale_s") * 1000);
  c.rotation_ms = config_get_int(cfg, "energy.rotation_s") * 1000;
  c.min_on_ms = config_get_int(cfg, "energy.min_on_s") * 1000;
  c.min_off_ms = config_get_int(cfg, "energy.min_off_s") * 1000;
  c.hysteresis_ms = (borne_ms)(config_get_number(cfg, "energy.hysteresis_s") * 1000);
  c.hysteresis_a = config_get_number(cfg, "energy.hysteresis_a");
  c.step_a = config_get_number(cfg, "energy.step_a");
  const char *src = config_get(cfg, "grid.source");
  e->source = energy_source_index(src);
  /* the control contact alone measures no load */
  c.use_grid =
      e->enabled && e->source >= 0 && strcmp(energy_source_names[e->source], "contact") != 0;
  e->follow_offpeak = config_get_bool(cfg, "schedule.follow_offpeak");
  e->contact_limit_w = config_get_number(cfg, "grid.contact_limit_w");
  int site_rot[3];
  parse_rotation(config_get(cfg, "site.phase_rotation"), site_rot);
  char k[64];
  for (int i = 0; i < e->n; i++) {
    snprintf(k, sizeof k, "connector.%d.phase_rotation", i + 1);
    const char *r = config_get(cfg, k);
    if (r && r[0] && strcmp(r, "site") != 0)
      parse_rotation(r, e->rotation[i]);
    else
      memcpy(e->rotation[i], site_rot, sizeof site_rot);
    snprintf(k, sizeof k, "connector.%d.priority", i + 1);
    e->priority[i] = (int)config_get_int(cfg, k);
  }
  e->acfg = c;
  if (e->alloc) allocator_set_config(e->alloc, &c);
  energy_solar_config(e);
  /* checked by the config registry already: cannot fail here */
  schedule *parsed = malloc(sizeof *parsed);
  if (parsed &&
      (schedule_parse(config_get(cfg, "schedule.windows"), parsed, NULL, 0) != 0 || !parsed->any)) {
    free(parsed);
    parsed = NULL;
  }
  free(e->sched);
  e->sched = parsed;
}

const schedule energy_no_windows = {.any = false};

int energy_zone_rule(const char *name, tz_rule *out, char *err, size_t errlen) {
  tz_rule_utc(out);
  if (!name || !name[0]) return 0;
  char path[256];
  snprintf(path, sizeof path, "%s/%s", ZONEINFO_DIR, name);
  FILE *f = fopen(path, "rb");
  if (!f) {
    snprintf(err, errlen, "site.timezone: cannot read %s: %s (is the tzdata package installed?)",
             path, strerror(errno));
    return -1;
  }
  static unsigned char buf[1 << 17];
  size_t n = fread(buf, 1, sizeof buf, f);
  bool whole = feof(f);
  fclose(f);
  char rule[128];
  if (!whole || tz_footer(buf, n, rule, sizeof rule) != 0) {
    snprintf(err, errlen, "site.timezone: %s is not a TZif v2+ file with a rule", path);
    return -1;
  }
  char why[160];
  if (tz_rule_parse(rule, out, why, sizeof why) != 0) {
    snprintf(err, errlen, "site.timezone: %s: %s", path, why);
    tz_rule_utc(out);
    return -1;
  }
  return 0;
}

/* site.timezone -> the POSIX rule in the footer of its TZif file. */
static int load_timezone(energy *e, char *err, size_t errlen) {
  const char *name = config_get(e->st->cfg, "site.timezone");
  snprintf(e->tz_name, sizeof e->tz_name, "%s", name && name[0] ? name : "UTC");
  return energy_zone_rule(name, &e->tz, err, errlen);
}

/* The most connector c could be offered by every limit but load management
 * and the schedule (both decided here, in the same round). */
static double other_limits(const station *st, int c) {
  station_connector_view view;
  station_view(st, c, &view);
  limit_set l = view.limits;
  limits_clear(&l, LIMIT_LOAD_MANAGEMENT);
  limits_clear(&l, LIMIT_SCHEDULE);
  double v = limits_offered(&l, PILOT_MAX_CURRENT_A, NULL);
  return v > PILOT_MAX_CURRENT_A ? PILOT_MAX_CURRENT_A : v;
}

/* The phases the car really draws from: a single-phase car on a
 * three-phase connector shows current on the connector's L1 only, and
 * counting it on all three would leave two phases (and the kVA total) half
 * used. Learnt while it charges and kept for the session (a paused car is
 * resumed on the phase it uses); until then, the connector's own count. */
static int drawn_phases(energy *e, int i, const station_connector_view *v,
                        const station_connector *sc) {
  if (v->phases == 1) return 1;
  if (sc->meter_ok && v->status == STATUS_CHARGING) {
    const double *a = sc->meter.current_a;
    /* IT: a single-phase car's current comes back on the connector's L2 */
    if (a[0] >= 2.0 && (a[1] < 0.5 || e->grid == GRID_IT) && a[2] < 0.5)
      e->car_phases[i] = 1;
    else if ((a[1] >= 2.0 && e->grid != GRID_IT) || a[2] >= 2.0)
      e->car_phases[i] = 3;
  }
  return e->car_phases[i] ? e->car_phases[i] : 3;
}

static bool wants_power(const station_connector_view *v) {
  if (!v->has_session || v->finishing || v->error != ERR_NONE) return false;
  connector_status s = v->status;
  return s == STATUS_CHARGING || s == STATUS_SUSPENDED_EV || s == STATUS_SUSPENDED_EVSE ||
         s == STATUS_PREPARING;
}

/* Critical for the grid (station_set_limit_grid_critical): bound by the
 * grid's side of load management (any of its constraints, even when the
 * circuit binds too), not by borne's own circuit alone nor by nothing but
 * the stability rules (a ramp, a rest: borne's choice). */
static bool grid_critical(unsigned bound) { return (bound & ALLOC_BOUND_GRID_SIDE) != 0; }

static void apply(energy *e, int c, double amps) {
  if (fabs(e->applied[c - 1] - amps) < 1e-9) return;
  e->applied[c - 1] = amps;
  station_set_limit(e->st, c, LIMIT_LOAD_MANAGEMENT, amps);
}

static void apply_schedule(energy *e, int c, double amps) {
  if (fabs(e->sched_applied[c - 1] - amps) < 1e-9) return;
  e->sched_applied[c - 1] = amps;
  station_set_limit(e->st, c, LIMIT_SCHEDULE, amps);
}

/* A `limit` event (issue 19) when load management limits connector c's
 * session, or stops limiting it: what it is offered and what limits it, as
 * often as limit_log.h lets through. */
static void log_limit(energy *e, int c, borne_ms now) {
  station_connector_view v;
  station_view(e->st, c, &v);
  limit_log *l = &e->limit_logged[c - 1];
  if (!v.has_session) {
    *l = (limit_log){0};
    return;
  }
  limit_source by = LIMIT_COUNT;
  double amps = limits_offered(&v.limits, PILOT_MAX_CURRENT_A, &by);
  if (amps > PILOT_MAX_CURRENT_A) amps = PILOT_MAX_CURRENT_A;
  bool was = l->logged && l->by == (int)LIMIT_LOAD_MANAGEMENT;
  if (by != LIMIT_LOAD_MANAGEMENT && !was) return;
  if (!limit_log_due(l, amps, (int)by, now)) return;
  const char *name = by == LIMIT_COUNT ? "none" : limit_source_name(by);
  station_event_reason(e->st, c, "limit", name, "{\"current_a\":%.1f,\"limited_by\":\"%s\"}", amps,
                       name);
}

/* May connector c charge now as far as charging windows go? */
bool energy_window_open(const energy *e, int c) {
  /* offpeak_or_solar charges on the sun outside the off-peak period */
  if (c >= 1 && c <= e->n && e->mode[c - 1] == SOLAR_MODE_OFFPEAK_OR_SOLAR) return true;
  if (c >= 1 && c <= e->n && e->user[c - 1]) return e->user[c - 1]->open;
  return e->window_open;
}

static void window_cb(uv_timer_t *t);

/* Arm the timer to the next window change (no polling). */
void energy_arm_window(energy *e) {
  if (e->closed) return;
  borne_ms now = energy_now(e);
  e->window_next = schedule_next_change(energy_sched(e), &e->tz, now, WINDOW_HORIZON_MS);
  borne_ms at =
      (e->sched != NULL) ? (e->window_next ? e->window_next : now + WINDOW_HORIZON_MS) : 0;
  for (int i = 0; i < e->n; i++) {
    if (!e->user[i]) continue;
    borne_ms u = schedule_next_change(&e->user[i]->sched, &e->tz, now, WINDOW_HORIZON_MS);
    if (!u) u = now + WINDOW_HORIZON_MS;
    if (!at || u < at) at = u;
  }
  if (!at) {
    lazy_timer_stop(&e->window_timer);
    return;
  }
  lazy_timer_start(&e->window_timer, e->st->loop, window_cb, e,
                   clock_real_delay_ms(&e->st->clock, at), 0);
}

static void update_window(energy *e, borne_ms now) {
  for (int i = 0; i < e->n; i++)
    if (e->user[i]) e->user[i]->open = schedule_open(&e->user[i]->sched, &e->tz, now);
  /* "off-peak follows the meter": the utility's tariff period when a source
   * reports it (Linky PTEC/NTARF...), else the configured windows */
  int offpeak = e->follow_offpeak ? energy_offpeak_now(e, now) : -1;
  e->window_from_meter = offpeak >= 0;
  bool open = offpeak >= 0 ? offpeak == 1 : schedule_open(energy_sched(e), &e->tz, now);
  bool configured = (e->sched != NULL) || offpeak >= 0;
  if (e->window_known && open == e->window_open) return;
  bool first = !e->window_known;
  e->window_known = true;
  e->window_open = open;
  if (!configured || first) return; /* the state at start is in the status */
  station_event(e->st, 0, open ? "window_open" : "window_closed", "charging window %s (%s)",
                open ? "opens" : "closes", offpeak >= 0 ? "meter's off-peak period" : e->tz_name);
}

static void round_now(energy *e) {
  station *st = e->st;
  if (e->closed || st->closing || e->in_round) return;
  e->in_round = true;
  borne_ms now = energy_now(e);
  update_window(e, now);
  energy_solar_round(e, now); /* LIMIT_SOLAR first: the allocation reads it */
  bool contact = energy_contact_asserted(e);
  if (contact != e->contact) {
    e->contact = contact;
    if (contact)
      station_event(st, 0, "energy_contact",
                    "utility control contact asserted: charging capped to %.0f W",
                    e->contact_limit_w);
    else
      station_event(st, 0, "energy_contact_end", "%s", "utility control contact released");
  }
  if (!e->enabled && !e->contact) {
    e->lm_active = false;
    station_set_site_limit(st, LIMIT_LOAD_MANAGEMENT, -1);
    for (int c = 1; c <= e->n; c++) {
      apply(e, c, -1);
      apply_schedule(e, c, energy_window_open(e, c) ? -1 : 0);
    }
    e->in_round = false;
    return;
  }
  if (!e->lm_active) {
    /* load management takes over: sessions charging now go on from their
     * current offer (reduced at once if need be), not from a pause */
    e->lm_active = true;
    for (int i = 0; i < e->n; i++) {
      station_connector_view v;
      station_view(st, i + 1, &v);
      if (wants_power(&v) && energy_window_open(e, i + 1))
        allocator_seed(e->alloc, i, v.offered_a, now);
    }
  }
  for (int i = 0; i < e->n; i++) {
    station_connector_view v;
    station_view(st, i + 1, &v);
    const station_connector *sc = &st->conn[i];
    alloc_conn_in *in = &e->in[i];
    /* on a single-phase supply every connector draws from its L1 */
    in->phases = e->acfg.phases == 1 ? 1 : drawn_phases(e, i, &v, sc);
    memcpy(in->grid_phase, e->rotation[i], sizeof in->grid_phase);
    if (e->acfg.phases == 1) in->grid_phase[0] = 0;
    in->wants = wants_power(&v);
    in->max_a = energy_window_open(e, i + 1) ? other_limits(st, i + 1) : 0;
    in->priority = e->priority[i];
    for (int k = 0; k < 3; k++) in->draw_a[k] = sc->meter_ok ? sc->meter.current_a[k] : 0;
    if (e->acfg.phases == 3 && in->phases == 1 && e->grid == GRID_IT) {
      /* between the connector's L1 and L2: the same current in both grid lines */
      in->phases = grid_lines_loaded(e->grid, 1);
      in->draw_a[1] = in->draw_a[0];
    }
  }
  alloc_grid_in g;
  energy_grid_input(e, &g);
  const alloc_conn_in *in = e->in;
  if (e->has_remote) {
    /* the members' connectors after the local ones; the grid sample's own
     * draw was the local one only: the draw now counts every member */
    int slots = e->remote.slots;
    memcpy(e->all_in, e->in, (size_t)e->n * sizeof *e->in);
    memset(e->all_in + e->n, 0, (size_t)slots * sizeof *e->all_in);
    memset(e->seed, 0, (size_t)slots * sizeof *e->seed);
    e->remote.fill(e->remote.ctx, now, e->all_in + e->n, e->seed, g.reserved_a);
    for (int s = 0; s < slots; s++) {
      alloc_conn_in *ri = &e->all_in[e->n + s];
      /* the leader's windows hold the whole site, or a session's user's own */
      bool open = e->remote.window_open
                      ? e->remote.window_open(e->remote.ctx, s, e->window_open, &e->tz, now)
                      : e->window_open;
      if (!open) ri->max_a = 0;
      if (e->acfg.phases == 1) ri->phases = 1, ri->grid_phase[0] = 0;
      if (e->seed[s] > 0) allocator_seed(e->alloc, e->n + s, e->seed[s], now);
    }
    g.has_own = false;
    in = e->all_in;
  }
  allocator_round(e->alloc, now, &g, in);
  e->rounds++;
  const alloc_report *r = allocator_report(e->alloc);
  /* what every connector may draw together (the site's connection less the
   * building's other loads, or the fail-safe budget, capped by
   * site.circuit_limit_a; site.limit_kva and the 14a cap over the phases;
   * a leader's members' connectors share it too) and what sets it */
  unsigned site_bound = 0;
  double budget = allocator_station_budget(e->alloc, &site_bound);
  station_set_limit_grid_critical(st, 0, grid_critical(site_bound));
  station_set_site_limit(st, LIMIT_LOAD_MANAGEMENT, budget);
  if (r->failsafe != e->failsafe) {
    e->failsafe = r->failsafe;
    if (r->failsafe)
      station_event(st, 0, "energy_failsafe",
                    "grid data (%s) stale or missing: connectors share %.1f A per phase",
                    e->source >= 0 ? energy_source_names[e->source] : "none", r->available_a[0]);
    else
      station_event(st, 0, "energy_failsafe_end", "grid data (%s) fresh again",
                    e->source >= 0 ? energy_source_names[e->source] : "none");
  }
  for (int c = 1; c <= e->n; c++) {
    const alloc_conn_out *o = allocator_conn(e->alloc, c - 1);
    double amps = o->state == ALLOC_CHARGE ? o->limit_a : o->state == ALLOC_HELD ? HELD_A : 0;
    /* what last held this session's share: known with the limit */
    station_set_limit_grid_critical(st, c, grid_critical(o->last_bound));
    apply(e, c, amps); /* before the schedule opens: no moment without either */
    apply_schedule(e, c, energy_window_open(e, c) ? -1 : 0);
    alloc_state prev = e->prev_state[c - 1];
    e->prev_state[c - 1] = o->state;
    if (o->state == ALLOC_WAITING && prev != ALLOC_WAITING)
      station_event(st, c, "energy_paused", "waiting for power (%.1f A available per phase)",
                    r->available_a[0]);
    else if (prev == ALLOC_WAITING && o->state == ALLOC_CHARGE)
      station_event(st, c, "energy_resumed", "%.1f A", o->limit_a);
    log_limit(e, c, now);
  }
  for (int s = 0; e->has_remote && s < e->remote.slots; s++) {
    const alloc_conn_out *o = allocator_conn(e->alloc, e->n + s);
    double amps = o->state == ALLOC_CHARGE ? o->limit_a : o->state == ALLOC_HELD ? HELD_A : 0;
    e->remote.result(e->remote.ctx, s, amps, o);
  }
  e->in_round = false;
}

static void soon_cb(uv_timer_t *t) {
  energy *e = t->data;
  e->soon_armed = false;
  round_now(e);
}

/* A round on the next loop turn: hooks run inside the station's own event
 * handling, where changing limits again would nest. */
void energy_round_soon(energy *e) {
  if (e->closed || e->soon_armed) return;
  e->soon_armed = true;
  if (lazy_timer_start(&e->soon, e->st->loop, soon_cb, e, 0, 0) != 0) e->soon_armed = false;
}

static void tick_cb(uv_timer_t *t) { round_now(t->data); }

static void window_cb(uv_timer_t *t) {
  energy *e = t->data;
  round_now(e);
  energy_arm_window(e);
}

static uint64_t tick_real_ms(const energy *e) {
  double ms = 1000.0 / e->st->clock.speed;
  if (ms < 20) ms = 20;
  return (uint64_t)ms;
}

/* ---------- hooks ---------- */

static void on_session(void *ctx, int connector, const station_session_info *s) {
  (void)s;
  energy *e = ctx;
  if (connector >= 1 && connector <= e->n) {
    e->car_phases[connector - 1] = 0; /* a new car, or none */
    energy_load_user_windows(e, connector);
    energy_arm_window(e);
  }
  energy_round_soon(e);
}

static void on_status(void *ctx, int connector, connector_status status, error_code error) {
  (void)connector, (void)status, (void)error;
  energy_round_soon(ctx);
}

static bool energy_key(const char *key) {
  return !strncmp(key, "site.", 5) || !strncmp(key, "grid.", 5) || !strncmp(key, "energy.", 7) ||
         !strncmp(key, "schedule.", 9) || !strncmp(key, "solar.", 6) || strstr(key, ".priority") ||
         strstr(key, ".charge_mode");
}

static void on_setting(void *ctx, const char *key) {
  energy *e = ctx;
  if (!energy_key(key)) return;
  load_config(e);
  energy_arm_window(e);
  energy_round_soon(e);
}

/* Every run-time key of energy management is read by load_config(), which
 * on_setting() runs again after each change. */
static station_setting_state setting_state(void *ctx, const char *key) {
  energy *e = ctx;
  if (!energy_key(key) || !config_key_runtime(config_key_def(key))) return SETTING_UNUSED;
  return e->loaded_at >= config_changed_at(e->st->cfg, key) ? SETTING_CURRENT : SETTING_STALE;
}

static void closing(void *ctx) {
  energy *e = ctx;
  if (e->closed) return;
  e->closed = true;
  uv_close((uv_handle_t *)&e->tick, NULL);
  lazy_timer_close(&e->soon);
  lazy_timer_close(&e->window_timer);
}

/* The per-connector arrays of energy_module_internal.h in one block of
 * e->n entries each; -1 when out of memory. */
static int alloc_connectors(energy *e) {
  size_t n = (size_t)(e->n > 0 ? e->n : 1);
#define PART(f) ((n * sizeof *e->f + 15) & ~(size_t)15)
  size_t total = PART(rotation) + PART(priority) + PART(car_phases) + PART(in) + PART(applied) +
                 PART(prev_state) + PART(limit_logged) + PART(sched_applied) + PART(user) +
                 PART(mode) + PART(sol_in) + PART(phase_req) + PART(solar_applied) +
                 PART(solar_prev);
  char *b = calloc(1, total);
  if (!b) return -1;
  e->conn_block = b;
#define TAKE(f) (e->f = (void *)b, b += PART(f))
  TAKE(rotation);
  TAKE(priority);
  TAKE(car_phases);
  TAKE(in);
  TAKE(applied);
  TAKE(prev_state);
  TAKE(limit_logged);
  TAKE(sched_applied);
  TAKE(user);
  TAKE(mode);
  TAKE(sol_in);
  TAKE(phase_req);
  TAKE(solar_applied);
  TAKE(solar_prev);
#undef TAKE
#undef PART
  return 0;
}

static void free_value(energy *e) {
  free(e->conn_block);
  free(e->src);
  free(e);
}

static void free_energy(void *ctx) {
  energy *e = ctx;
  allocator_free(e->alloc);
  solar_free(e->sol);
  free(e->all_in);
  free(e->seed);
  free(e->sched);
  for (int i = 0; i < e->n; i++) free(e->user[i]);
  free_value(e);
}

static energy *energy_of(struct station *st) {
  for (int i = 0; i < st->module_count; i++)
    if (st->modules[i].name && !strcmp(st->modules[i].name, "energy")) return st->modules[i].ctx;
  return NULL;
}

int energy_set_remote(struct station *st, const energy_remote *r, char *err, size_t errlen) {
  energy *e = energy_of(st);
  if (!e) {
    snprintf(err, errlen, "energy: not attached");
    return -1;
  }
  if (e->has_remote || r->slots < 1 || e->n + r->slots > ALLOC_MAX_CONNECTORS || !r->fill ||
      !r->result) {
    snprintf(err, errlen, "energy: bad remote consumers");
    return -1;
  }
  allocator *a = allocator_new(e->n + r->slots, &e->acfg);
  alloc_conn_in *in = calloc((size_t)(e->n + r->slots), sizeof *in);
  double *seed = calloc((size_t)r->slots, sizeof *seed);
  if (!a || !in || !seed) {
    allocator_free(a);
    free(in);
    free(seed);
    snprintf(err, errlen, "energy: out of memory");
    return -1;
  }
  /* before any round with sessions: the local slots keep their indexes */
  allocator_free(e->alloc);
  e->alloc = a;
  e->lm_active = false; /* running local sessions are seeded again */
  e->all_in = in;
  e->seed = seed;
  e->remote = *r;
  e->has_remote = true;
  return 0;
}

int energy_request_phases(struct station *st, int c, int phases) {
  energy *e = energy_of(st);
  return e ? energy_solar_request_phases(e, c, phases) : -1;
}

void energy_remote_round_soon(struct station *st) {
  energy *e = energy_of(st);
  if (e) energy_round_soon(e);
}

int energy_attach(station *st, char *err, size_t errlen) {
  energy *e = calloc(1, sizeof *e);
  if (!e) {
    snprintf(err, errlen, "energy: out of memory");
    return -1;
  }
  e->st = st;
  e->n = station_connector_count(st);
  if (alloc_connectors(e) != 0) {
    free_value(e);
    snprintf(err, errlen, "energy: out of memory");
    return -1;
  }
  for (int i = 0; i < e->n; i++) e->applied[i] = e->sched_applied[i] = -1;
  load_config(e);
  if (load_timezone(e, err, errlen) != 0) {
    free_value(e);
    return -1;
  }
  if (store_module_migrate(st->db, "energy", energy_users_migrations,
                           energy_users_migration_count) != 0) {
    snprintf(err, errlen, "energy: database: %s", store_last_error(st->db));
    free_value(e);
    return -1;
  }
  e->alloc = allocator_new(e->n, &e->acfg);
  if (!e->alloc || energy_solar_attach(e) != 0) {
    allocator_free(e->alloc);
    free_value(e);
    snprintf(err, errlen, "energy: out of memory");
    return -1;
  }
  station_module mod = {.name = "energy",
                        .ctx = e,
                        .session_started = on_session,
                        .session_stopped = on_session,
                        .status_changed = on_status,
                        .grid_sample = energy_on_grid,
                        .status_json = energy_status_json,
                        .setting_changed = on_setting,
                        .setting_state = setting_state,
                        .closing = closing,
                        .free = free_energy};
  if (station_add_module(st, &mod) != 0) {
    allocator_free(e->alloc);
    solar_free(e->sol);
    free_value(e);
    snprintf(err, errlen, "energy: too many station modules");
    return -1;
  }
  uv_timer_init(st->loop, &e->tick);
  e->tick.data = e;
  for (int c = 1; c <= e->n; c++) energy_load_user_windows(e, c); /* sessions resumed */
  energy_arm_window(e);
  energy_round_soon(e);
  uv_timer_start(&e->tick, tick_cb, tick_real_ms(e), tick_real_ms(e));
  energy_grid_routes(e);
  energy_users_routes(e);
  if (e->enabled)
    log_info(MOD, "load management: %.1f A per phase%s, %d-phase supply, grid source %s",
             e->acfg.limit_a[0], e->acfg.total_limit_a > 0 ? " (kVA limit)" : "", e->acfg.phases,
             e->source >= 0 ? energy_source_names[e->source] : "none");
  return 0;
}
