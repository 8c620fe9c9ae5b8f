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

#include "energy/allocator.h"
#include "energy/energy_module.h"
#include "energy/schedule.h"
#include "energy/tzrule.h"
#include "grid/grid_body.h"
#include "http/http_json.h"
#include "station/station.h"
#include "core/pilot.h"
#include "util/log.h"

#define MOD "energy"
#define HELD_A (ALLOC_MIN_A - 0.1)
#define ZONEINFO_DIR "/usr/share/zoneinfo"
/* how far ahead the next window change is looked for; looked again after */
#define WINDOW_HORIZON_MS (8LL * 86400000)

static const char *const source_names[] = {"meter", "tic", "p1", "ct", "contact", "api"};
#define NSOURCES (int)(sizeof source_names / sizeof source_names[0])

/* The latest of each kind of information from one source: a contact or
 * tariff report does not replace the load measurement, nor the reverse. */
typedef struct {
  bool have;       /* a load measurement (current or power) */
  grid_sample g;   /* ... the latest */
  double own_a[3]; /* borne's draw per grid phase when it arrived */
  long count;
  bool contact_known, contact;
  borne_ms contact_at;
  bool offpeak_known, offpeak;
  char tariff[16];
  borne_ms offpeak_at;
} source_slot;

typedef struct {
  station *st;
  int n;
  bool enabled;            /* site.limit_a set */
  unsigned long loaded_at; /* config_generation() of the last load_config() */
  allocator *alloc;
  alloc_config acfg;
  int source; /* index in source_names, -1: none */
  double voltage;
  double contact_limit_w;
  int rotation[BORNE_MAX_CONNECTORS][3];
  int priority[BORNE_MAX_CONNECTORS];
  /* phases each car was seen drawing from this session (1 or 3); 0: not yet */
  int car_phases[BORNE_MAX_CONNECTORS];
  source_slot src[NSOURCES];
  alloc_conn_in in[BORNE_MAX_CONNECTORS];
  double applied[BORNE_MAX_CONNECTORS]; /* LIMIT_LOAD_MANAGEMENT as applied; < 0: cleared */
  alloc_state prev_state[BORNE_MAX_CONNECTORS];
  /* charging windows */
  schedule sched;
  tz_rule tz;
  char tz_name[64];
  bool window_open;
  bool window_known;
  borne_ms window_next;                       /* next change, 0: none within the horizon */
  double sched_applied[BORNE_MAX_CONNECTORS]; /* LIMIT_SCHEDULE as applied; < 0: cleared */
  uv_timer_t window_timer;
  bool follow_offpeak;
  int window_from_meter; /* the window follows the meter's off-peak: 1, else 0 */
  /* per-user windows of the running sessions (replace the station's) */
  bool user_sched_valid[BORNE_MAX_CONNECTORS];
  schedule user_sched[BORNE_MAX_CONNECTORS];
  char user_windows[BORNE_MAX_CONNECTORS][SCHED_MAX_TEXT + 1];
  bool user_open[BORNE_MAX_CONNECTORS];
  bool lm_active; /* load management acted in the last round */
  bool failsafe;
  bool contact;
  long rounds;
  uv_timer_t tick;
  uv_timer_t soon;
  bool soon_armed;
  bool in_round;
  bool closed;
} energy;

static int source_index(const char *name) {
  for (int i = 0; i < NSOURCES; i++)
    if (name && strcmp(name, source_names[i]) == 0) return i;
  return -1;
}

static borne_ms now_of(const energy *e) { return clock_now(&e->st->clock); }

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
  e->voltage = config_get_number(cfg, "site.voltage_v");
  c.phases = (int)config_get_int(cfg, "site.phases") == 1 ? 1 : 3;
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
  e->source = source_index(src);
  /* the control contact alone measures no load */
  c.use_grid = e->enabled && e->source >= 0 && strcmp(source_names[e->source], "contact") != 0;
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
  /* checked by the config registry already: cannot fail here */
  if (schedule_parse(config_get(cfg, "schedule.windows"), &e->sched, NULL, 0) != 0)
    memset(&e->sched, 0, sizeof e->sched);
}

/* site.timezone -> the POSIX rule in the footer of its TZif file. */
static int load_timezone(energy *e, char *err, size_t errlen) {
  const char *name = config_get(e->st->cfg, "site.timezone");
  tz_rule_utc(&e->tz);
  snprintf(e->tz_name, sizeof e->tz_name, "%s", name && name[0] ? name : "UTC");
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
  if (tz_rule_parse(rule, &e->tz, why, sizeof why) != 0) {
    snprintf(err, errlen, "site.timezone: %s: %s", path, why);
    return -1;
  }
  return 0;
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
    if (a[0] >= 2.0 && a[1] < 0.5 && a[2] < 0.5)
      e->car_phases[i] = 1;
    else if (a[1] >= 2.0 || a[2] >= 2.0)
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

/* Building current on phase p, import positive. A meter's currents carry
 * no sign (PAC2200, Linky): a phase whose power says it exports (solar) is
 * counted negative, so the sun's share is not taken for load. */
static double grid_current(const grid_sample *g, int p, double voltage) {
  if (!g->has_current) return g->power_w[p] / voltage;
  if (g->has_power && g->power_w[p] < 0) return -fabs(g->current_a[p]);
  return g->current_a[p];
}

/* The sample that feeds the allocator, as building current per phase. */
static void grid_input(const energy *e, alloc_grid_in *g) {
  memset(g, 0, sizeof *g);
  if (e->source >= 0) {
    const source_slot *s = &e->src[e->source];
    if (s->have) {
      g->grid_valid = true;
      g->grid_at = s->g.at;
      g->has_own = true;
      memcpy(g->own_a, s->own_a, sizeof g->own_a);
      for (int p = 0; p < 3; p++) g->grid_a[p] = grid_current(&s->g, p, e->voltage);
    }
  }
  if (e->contact) g->total_limit_a = e->contact_limit_w / e->voltage;
}

/* EnWG 14a: asserted when the latest sample of any source that reads a
 * control contact says so. */
static bool contact_asserted(const energy *e) {
  for (int i = 0; i < NSOURCES; i++)
    if (e->src[i].contact_known && e->src[i].contact) return true;
  return false;
}

/* The utility's tariff period from the freshest source that reports one
 * (not older than grid.stale_s); -1 when unknown. */
static int offpeak_now(const energy *e, borne_ms now) {
  const source_slot *best = NULL;
  for (int i = 0; i < NSOURCES; i++) {
    const source_slot *x = &e->src[i];
    if (x->offpeak_known && now - x->offpeak_at <= e->acfg.stale_ms &&
        (!best || x->offpeak_at > best->offpeak_at))
      best = x;
  }
  return best ? best->offpeak : -1;
}

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

/* May connector c charge now as far as charging windows go? */
static bool connector_window_open(const energy *e, int c) {
  if (c >= 1 && c <= e->n && e->user_sched_valid[c - 1]) return e->user_open[c - 1];
  return e->window_open;
}

static void window_cb(uv_timer_t *t);

/* Arm the timer to the next window change (no polling). */
static void arm_window(energy *e) {
  if (e->closed) return;
  borne_ms now = now_of(e);
  e->window_next = schedule_next_change(&e->sched, &e->tz, now, WINDOW_HORIZON_MS);
  borne_ms at = e->sched.any ? (e->window_next ? e->window_next : now + WINDOW_HORIZON_MS) : 0;
  for (int i = 0; i < e->n; i++) {
    if (!e->user_sched_valid[i]) continue;
    borne_ms u = schedule_next_change(&e->user_sched[i], &e->tz, now, WINDOW_HORIZON_MS);
    if (!u) u = now + WINDOW_HORIZON_MS;
    if (!at || u < at) at = u;
  }
  if (!at) {
    uv_timer_stop(&e->window_timer);
    return;
  }
  uv_timer_start(&e->window_timer, window_cb, clock_real_delay_ms(&e->st->clock, at), 0);
}

static void update_window(energy *e, borne_ms now) {
  for (int i = 0; i < e->n; i++)
    if (e->user_sched_valid[i]) e->user_open[i] = schedule_open(&e->user_sched[i], &e->tz, now);
  /* "off-peak follows the meter": the utility's tariff period when a source
   * reports it (Linky PTEC/NTARF...), else the configured windows */
  int offpeak = e->follow_offpeak ? offpeak_now(e, now) : -1;
  e->window_from_meter = offpeak >= 0;
  bool open = offpeak >= 0 ? offpeak == 1 : schedule_open(&e->sched, &e->tz, now);
  bool configured = e->sched.any || offpeak >= 0;
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
  borne_ms now = now_of(e);
  update_window(e, now);
  bool contact = contact_asserted(e);
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
    for (int c = 1; c <= e->n; c++) {
      apply(e, c, -1);
      apply_schedule(e, c, connector_window_open(e, c) ? -1 : 0);
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
      if (wants_power(&v) && connector_window_open(e, i + 1))
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
    in->max_a = connector_window_open(e, i + 1) ? other_limits(st, i + 1) : 0;
    in->priority = e->priority[i];
    for (int k = 0; k < 3; k++) in->draw_a[k] = sc->meter_ok ? sc->meter.current_a[k] : 0;
  }
  alloc_grid_in g;
  grid_input(e, &g);
  allocator_round(e->alloc, now, &g, e->in);
  e->rounds++;
  const alloc_report *r = allocator_report(e->alloc);
  if (r->failsafe != e->failsafe) {
    e->failsafe = r->failsafe;
    if (r->failsafe)
      station_event(st, 0, "energy_failsafe",
                    "grid data (%s) stale or missing: connectors share %.1f A per phase",
                    e->source >= 0 ? source_names[e->source] : "none", r->available_a[0]);
    else
      station_event(st, 0, "energy_failsafe_end", "grid data (%s) fresh again",
                    e->source >= 0 ? source_names[e->source] : "none");
  }
  for (int c = 1; c <= e->n; c++) {
    const alloc_conn_out *o = allocator_conn(e->alloc, c - 1);
    double amps = o->state == ALLOC_CHARGE ? o->limit_a : o->state == ALLOC_HELD ? HELD_A : 0;
    apply(e, c, amps); /* before the schedule opens: no moment without either */
    apply_schedule(e, c, connector_window_open(e, c) ? -1 : 0);
    alloc_state prev = e->prev_state[c - 1];
    e->prev_state[c - 1] = o->state;
    if (o->state == ALLOC_WAITING && prev != ALLOC_WAITING)
      station_event(st, c, "energy_paused", "waiting for power (%.1f A available per phase)",
                    r->available_a[0]);
    else if (prev == ALLOC_WAITING && o->state == ALLOC_CHARGE)
      station_event(st, c, "energy_resumed", "%.1f A", o->limit_a);
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
static void round_soon(energy *e) {
  if (e->closed || e->soon_armed) return;
  e->soon_armed = true;
  uv_timer_start(&e->soon, soon_cb, 0, 0);
}

static void tick_cb(uv_timer_t *t) { round_now(t->data); }

static void window_cb(uv_timer_t *t) {
  energy *e = t->data;
  round_now(e);
  arm_window(e);
}

static uint64_t tick_real_ms(const energy *e) {
  double ms = 1000.0 / e->st->clock.speed;
  if (ms < 20) ms = 20;
  return (uint64_t)ms;
}

/* ---------- hooks ---------- */

/* ---------- per-user charging windows (table energy_user_windows) ---------- */

static const char *const migrations[] = {
    "CREATE TABLE energy_user_windows (user_id INTEGER PRIMARY KEY, windows TEXT NOT NULL)",
};

/* The windows text of user `id` into out ("" when none). */
static int user_windows_get(energy *e, int64_t id, char *out, size_t outlen) {
  out[0] = '\0';
  sqlite3_stmt *q;
  if (sqlite3_prepare_v2(store_sqlite(e->st->db),
                         "SELECT windows FROM energy_user_windows WHERE user_id = ?", -1, &q,
                         NULL) != SQLITE_OK)
    return -1;
  sqlite3_bind_int64(q, 1, id);
  int rc = sqlite3_step(q);
  if (rc == SQLITE_ROW) snprintf(out, outlen, "%s", (const char *)sqlite3_column_text(q, 0));
  sqlite3_finalize(q);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

static int user_windows_set(energy *e, int64_t id, const char *windows) {
  sqlite3_stmt *q;
  const char *sql = windows[0] ? "INSERT OR REPLACE INTO energy_user_windows VALUES (?, ?)"
                               : "DELETE FROM energy_user_windows WHERE user_id = ?";
  if (sqlite3_prepare_v2(store_sqlite(e->st->db), sql, -1, &q, NULL) != SQLITE_OK) return -1;
  sqlite3_bind_int64(q, 1, id);
  if (windows[0]) sqlite3_bind_text(q, 2, windows, -1, SQLITE_TRANSIENT);
  int rc = sqlite3_step(q);
  sqlite3_finalize(q);
  return rc == SQLITE_DONE ? 0 : -1;
}

/* The windows of the user of connector c's session, if they have their own. */
static void load_user_windows(energy *e, int c) {
  e->user_sched_valid[c - 1] = false;
  station_connector_view v;
  station_view(e->st, c, &v);
  user_row u;
  if (!v.has_session || !v.user[0] || store_user_find(e->st->db, v.user, &u) != 0) return;
  char *text = e->user_windows[c - 1];
  if (user_windows_get(e, u.id, text, SCHED_MAX_TEXT + 1) != 0 || !text[0]) return;
  if (schedule_parse(text, &e->user_sched[c - 1], NULL, 0) != 0) return; /* checked when set */
  e->user_sched_valid[c - 1] = true;
  e->user_open[c - 1] = schedule_open(&e->user_sched[c - 1], &e->tz, now_of(e));
}

static void on_session(void *ctx, int connector, const station_session_info *s) {
  (void)s;
  energy *e = ctx;
  if (connector >= 1 && connector <= e->n) {
    e->car_phases[connector - 1] = 0; /* a new car, or none */
    load_user_windows(e, connector);
    arm_window(e);
  }
  round_soon(e);
}

static json_t *user_windows_json(int64_t id, const char *windows) {
  return json_pack("{s:I, s:s?}", "user", (json_int_t)id, "windows", windows[0] ? windows : NULL);
}

static int user_param(energy *e, const http_request *req, user_row *u, http_response *res) {
  char *end;
  long long id = strtoll(req->params[0], &end, 10);
  if (*end || id < 1 || store_user_get(e->st->db, id, u) != 0) {
    http_json_error(res, 404, "no user `%s`", req->params[0]);
    return -1;
  }
  return 0;
}

static int get_user_windows(void *ctx, const http_request *req, http_response *res) {
  energy *e = ctx;
  user_row u;
  if (user_param(e, req, &u, res)) return 0;
  char text[SCHED_MAX_TEXT + 1];
  if (user_windows_get(e, u.id, text, sizeof text) != 0)
    return http_json_error(res, 500, "database: %s", sqlite3_errmsg(store_sqlite(e->st->db))), 0;
  http_json_body(res, user_windows_json(u.id, text));
  return 0;
}

/* PUT {"windows": "Mon-Fri 00:00-24:00"}; "" or null: the station's windows apply. */
static int put_user_windows(void *ctx, const http_request *req, http_response *res) {
  energy *e = ctx;
  user_row u;
  if (user_param(e, req, &u, res)) return 0;
  json_t *body = http_parse_object(req, res, 0);
  if (!body) return 0;
  static const char *const allowed[] = {"windows", NULL};
  const char *text = NULL;
  json_t *w = json_object_get(body, "windows");
  if (http_only_members(body, allowed, res) ||
      (w && !json_is_null(w) && http_opt_string(body, "windows", SCHED_MAX_TEXT, &text, res) < 0)) {
    json_decref(body);
    return 0;
  }
  if (!w) {
    json_decref(body);
    return http_json_error(res, 400,
                           "windows: required (a string such as `Mon-Sun "
                           "22:00-06:00`, or null for the station's)"),
           0;
  }
  static schedule check;
  char why[200];
  if (text && schedule_parse(text, &check, why, sizeof why) != 0) {
    json_decref(body);
    return http_json_error(res, 400, "windows: %s", why), 0;
  }
  char copy[SCHED_MAX_TEXT + 1];
  snprintf(copy, sizeof copy, "%s", text && check.any ? text : "");
  json_decref(body);
  if (user_windows_set(e, u.id, copy) != 0)
    return http_json_error(res, 500, "database: %s", sqlite3_errmsg(store_sqlite(e->st->db))), 0;
  station_event(e->st, 0, "user_windows", "%s: %s", u.name, copy[0] ? copy : "station's");
  for (int c = 1; c <= e->n; c++) load_user_windows(e, c);
  arm_window(e);
  round_soon(e);
  http_json_body(res, user_windows_json(u.id, copy));
  return 0;
}

static void on_status(void *ctx, int connector, connector_status status, error_code error) {
  (void)connector, (void)status, (void)error;
  round_soon(ctx);
}

/* borne's draw per grid phase from the connectors' latest meter readings */
static void own_draw(const energy *e, double own[3]) {
  own[0] = own[1] = own[2] = 0;
  for (int i = 0; i < e->n; i++) {
    const station_connector *sc = &e->st->conn[i];
    int phases = station_connector_phases(e->st, i + 1) == 1 ? 1 : 3;
    for (int k = 0; k < phases && sc->meter_ok; k++)
      own[e->rotation[i][k]] += fmax(0, sc->meter.current_a[k]);
  }
}

static void on_grid(void *ctx, const char *source, const grid_sample *g) {
  energy *e = ctx;
  int i = source_index(source);
  if (i < 0) return;
  source_slot *x = &e->src[i];
  x->count++;
  if (g->has_current || g->has_power) {
    x->have = true;
    x->g = *g;
    own_draw(e, x->own_a);
  }
  if (g->has_contact) {
    x->contact_known = true;
    x->contact = g->contact_asserted;
    x->contact_at = g->at;
  }
  if (g->has_offpeak) {
    x->offpeak_known = true;
    x->offpeak = g->offpeak;
    x->offpeak_at = g->at;
    snprintf(x->tariff, sizeof x->tariff, "%s", g->tariff);
  }
  if (i == e->source || g->has_contact || g->has_offpeak) round_soon(e); /* met at once */
}

static bool energy_key(const char *key) {
  return !strncmp(key, "site.", 5) || !strncmp(key, "grid.", 5) || !strncmp(key, "energy.", 7) ||
         !strncmp(key, "schedule.", 9) || strstr(key, ".priority");
}

static void on_setting(void *ctx, const char *key) {
  energy *e = ctx;
  if (!energy_key(key)) return;
  load_config(e);
  arm_window(e);
  round_soon(e);
}

/* Every run-time key of energy management is read by load_config(), which
 * on_setting() runs again after each change. */
static station_setting_state setting_state(void *ctx, const char *key) {
  energy *e = ctx;
  if (!energy_key(key) || !config_key_runtime(config_key_def(key))) return SETTING_UNUSED;
  return e->loaded_at >= config_changed_at(e->st->cfg, key) ? SETTING_CURRENT : SETTING_STALE;
}

static json_t *triplet(const double v[3]) {
  json_t *a = json_array();
  for (int i = 0; i < 3; i++) json_array_append_new(a, json_real(round(v[i] * 100) / 100));
  return a;
}

static void status_json(void *ctx, int connector, json_t *obj) {
  energy *e = ctx;
  borne_ms now = now_of(e);
  if (connector == 0) {
    json_t *s = json_object();
    json_object_set_new(s, "load_management", json_boolean(e->enabled));
    json_object_set_new(
        s, "limit_a", e->enabled ? json_real(round(e->acfg.limit_a[0] * 100) / 100) : json_null());
    json_object_set_new(s, "limit_kva",
                        e->acfg.total_limit_a > 0
                            ? json_real(round(e->acfg.total_limit_a * e->voltage / 10) / 100)
                            : json_null());
    json_object_set_new(s, "phases", json_integer(e->acfg.phases));
    json_object_set_new(s, "margin_a", json_real(e->acfg.margin_a));
    json_object_set_new(s, "circuit_limit_a",
                        e->acfg.circuit_limit_a > 0 ? json_real(e->acfg.circuit_limit_a)
                                                    : json_null());
    json_object_set_new(s, "source",
                        json_string(e->source >= 0 ? source_names[e->source] : "none"));
    const source_slot *src = e->source >= 0 ? &e->src[e->source] : NULL;
    json_object_set_new(s, "grid_age_s",
                        src && src->have ? json_real((double)(now - src->g.at) / 1000.0)
                                         : json_null());
    const alloc_report *r = e->alloc ? allocator_report(e->alloc) : NULL;
    bool on = (e->enabled || e->contact) && r && e->rounds > 0;
    json_object_set_new(s, "failsafe", json_boolean(on && r->failsafe));
    json_object_set_new(s, "building_a", on ? triplet(r->building_a) : json_null());
    json_object_set_new(s, "own_a", on ? triplet(r->own_a) : json_null());
    json_object_set_new(s, "available_a", on ? triplet(r->available_a) : json_null());
    json_object_set_new(s, "allocated_a", on ? triplet(r->allocated_a) : json_null());
    json_object_set_new(s, "available_total_a",
                        on && isfinite(r->available_total_a)
                            ? json_real(round(r->available_total_a * 100) / 100)
                            : json_null());
    json_object_set_new(s, "charging", json_integer(on ? r->charging : 0));
    json_object_set_new(s, "waiting", json_integer(on ? r->waiting : 0));
    json_t *ct = json_object();
    json_object_set_new(ct, "asserted", json_boolean(e->contact));
    json_object_set_new(ct, "limit_w", json_real(e->contact_limit_w));
    json_object_set_new(s, "contact", ct);
    json_t *w = json_object();
    json_object_set_new(w, "configured", json_boolean(e->sched.any || e->window_from_meter));
    json_object_set_new(w, "windows", json_string(config_get(e->st->cfg, "schedule.windows")));
    json_object_set_new(w, "timezone", json_string(e->tz_name));
    json_object_set_new(w, "source", json_string(e->window_from_meter ? "meter" : "schedule"));
    json_object_set_new(w, "open", json_boolean(e->window_open));
    json_object_set_new(w, "next_change",
                        e->sched.any && e->window_next ? json_time(e->window_next) : json_null());
    json_object_set_new(s, "window", w);
    json_object_set_new(obj, "site", s);
    return;
  }
  if (connector > e->n) return;
  if (e->sched.any || e->user_sched_valid[connector - 1] || e->window_from_meter) {
    json_t *w = json_object();
    json_object_set_new(w, "open", json_boolean(connector_window_open(e, connector)));
    json_object_set_new(w, "user_windows",
                        e->user_sched_valid[connector - 1]
                            ? json_string(e->user_windows[connector - 1])
                            : json_null());
    json_object_set_new(obj, "window", w);
  }
  if (!(e->enabled || e->contact) || !e->alloc) return;
  const alloc_conn_out *o = allocator_conn(e->alloc, connector - 1);
  json_t *a = json_object();
  json_object_set_new(a, "state", json_string(alloc_state_name(o->state)));
  json_object_set_new(a, "share_a", json_real(o->limit_a));
  json_object_set_new(a, "target_a", json_real(o->target_a));
  const char *reason = o->state == ALLOC_WAITING ? "waiting for power"
                       : o->state == ALLOC_HELD && !connector_window_open(e, connector)
                           ? "waiting for allowed period"
                           : NULL;
  json_object_set_new(a, "reason", reason ? json_string(reason) : json_null());
  json_object_set_new(a, "priority", json_integer(e->priority[connector - 1]));
  int ph = e->in[connector - 1].phases; /* 0 before the first round */
  json_object_set_new(a, "phases",
                      json_integer(ph ? ph : station_connector_phases(e->st, connector)));
  json_object_set_new(a, "since", json_time(o->since));
  json_object_set_new(obj, "allocation", a);
}

static void closing(void *ctx) {
  energy *e = ctx;
  if (e->closed) return;
  e->closed = true;
  uv_close((uv_handle_t *)&e->tick, NULL);
  uv_close((uv_handle_t *)&e->soon, NULL);
  uv_close((uv_handle_t *)&e->window_timer, NULL);
}

static void free_energy(void *ctx) {
  energy *e = ctx;
  allocator_free(e->alloc);
  free(e);
}

/* ---------- POST /api/v1/grid ---------- */

static int post_grid(void *ctx, const http_request *req, http_response *res) {
  energy *e = ctx;
  json_t *body = http_parse_object(req, res, 0);
  if (!body) return 0;
  grid_sample g = {.at = now_of(e)};
  int rc = grid_body_read(body, &g, res);
  json_decref(body);
  if (rc != 0) return 0;
  station_grid_sample(e->st, "api", &g);
  http_json_body(res,
                 json_pack("{s:s, s:o, s:b}", "result", "accepted", "at", json_time(g.at), "used",
                           e->source >= 0 && strcmp(source_names[e->source], "api") == 0));
  return 0;
}

int energy_attach(station *st, char *err, size_t errlen) {
  energy *e = calloc(1, sizeof *e);
  if (!e) {
    snprintf(err, errlen, "energy: out of memory");
    return -1;
  }
  e->st = st;
  e->n = station_connector_count(st);
  for (int i = 0; i < BORNE_MAX_CONNECTORS; i++) e->applied[i] = e->sched_applied[i] = -1;
  load_config(e);
  if (load_timezone(e, err, errlen) != 0) {
    free(e);
    return -1;
  }
  if (store_module_migrate(st->db, "energy", migrations,
                           (int)(sizeof migrations / sizeof migrations[0])) != 0) {
    snprintf(err, errlen, "energy: database: %s", store_last_error(st->db));
    free(e);
    return -1;
  }
  e->alloc = allocator_new(e->n, &e->acfg);
  if (!e->alloc) {
    free(e);
    snprintf(err, errlen, "energy: out of memory");
    return -1;
  }
  station_module mod = {.name = "energy",
                        .ctx = e,
                        .session_started = on_session,
                        .session_stopped = on_session,
                        .status_changed = on_status,
                        .grid_sample = on_grid,
                        .status_json = status_json,
                        .setting_changed = on_setting,
                        .setting_state = setting_state,
                        .closing = closing,
                        .free = free_energy};
  if (station_add_module(st, &mod) != 0) {
    allocator_free(e->alloc);
    free(e);
    snprintf(err, errlen, "energy: too many station modules");
    return -1;
  }
  uv_timer_init(st->loop, &e->tick);
  uv_timer_init(st->loop, &e->soon);
  uv_timer_init(st->loop, &e->window_timer);
  e->tick.data = e->soon.data = e->window_timer.data = e;
  for (int c = 1; c <= e->n; c++) load_user_windows(e, c); /* sessions resumed */
  arm_window(e);
  round_soon(e);
  uv_timer_start(&e->tick, tick_cb, tick_real_ms(e), tick_real_ms(e));
  http_route routes[] = {
      {"POST", "/api/v1/grid", post_grid, e},
      {"GET", "/api/v1/users/{id}/windows", get_user_windows, e},
      {"PUT", "/api/v1/users/{id}/windows", put_user_windows, e},
  };
  for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
    http_add_route(st->http, &routes[i]);
  if (e->enabled)
    log_info(MOD, "load management: %.1f A per phase%s, %d-phase supply, grid source %s",
             e->acfg.limit_a[0], e->acfg.total_limit_a > 0 ? " (kVA limit)" : "", e->acfg.phases,
             e->source >= 0 ? source_names[e->source] : "none");
  return 0;
}
