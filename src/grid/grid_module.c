/*
 * Grid inputs attached to the station (see docs/grid-inputs.md): when
 * grid.source is tic or p1, opens grid.port as a serial line
 * (src/grid/serial_line.c), feeds the TIC or P1 parser, and publishes every
 * complete frame with station_grid_sample("tic" | "p1"). Records the line
 * going down and coming back in the event log (kind "grid"), and adds a
 * `grid_input` object to the station object of GET /api/v1/status: source,
 * port, line state, counters (good frames, bad groups / CRC errors), time
 * and values of the last frame.
 *
 * Runs on the loop thread only; parsing is pure (src/grid/tic.c, p1.c).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grid/ct.h"
#include "grid/grid_module.h"
#include "grid/p1.h"
#include "grid/tic.h"
#include "http/http_json.h"
#include "station/station.h"
#include "hal/serial_line.h"
#include "util/log.h"

#define MOD "grid"
#define GRID_RETRY_MS 1000u
/* TIC mode search (grid.tic_mode = auto): a speed that gave no valid group
 * within this time is swapped for the other. A historic frame takes about
 * 1.5 s at 1200 baud, the meter sends them back to back. */
#define TIC_HUNT_MS 5000u

typedef enum { GI_NONE, GI_TIC, GI_P1 } gi_kind;

typedef struct {
  station *st;
  char grid_source[16]; /* grid.source */
  gi_kind kind;         /* the serial line's protocol, GI_NONE without a line */
  const char *source;   /* "tic" | "p1" */
  char port[256];
  serial_line *line;
  bool line_up;
  bool line_was_up;
  char line_error[200];
  uint64_t line_losses;
  /* TIC */
  tic_parser tic;
  tic_mode tic_cfg;
  tic_mode tic_speed; /* the line's current speed while searching (HISTORIC / STANDARD) */
  uint64_t hunt_groups_ok;
  uv_timer_t hunt;
  /* P1 */
  p1_parser *p1;
  /* last frame */
  uint64_t published;
  borne_ms last_at;
  grid_sample last;
  char meter_id[48];
  tic_mode last_mode;
  bool talking;               /* a frame arrived since the line came up */
  uint64_t errors_next_event; /* error count that makes the next event: 1, 10, 100 ... */
  /* utility control contact (EnWG 14a) */
  bool has_contact;
  char contact_spec[64];
  bool contact_known;
  bool contact_asserted;
  borne_ms contact_since;
  uint64_t contact_changes;
  /* CT clamps: read in a worker thread (read_ct blocks for a block), one
   * reading at a time; w_* are the worker's, copied on the loop after it */
  bool has_ct;
  bool ct_used[3];
  char ct_spec[3][96];
  ct_calibration ct_cal[3];
  uv_timer_t ct_timer;
  uv_work_t ct_work;
  bool ct_busy;
  double w_amps[3];
  bool w_clipped[3];
  char w_err[200];
  uint64_t ct_reads, ct_errors;
  borne_ms ct_at;
  double ct_amps[3];
  bool ct_clipped[3];
  bool ct_failing;
  char ct_error[200];
  bool closed;
} grid_inputs;

static const serial_params tic_historic = {1200, 7, 'E', 1};
static const serial_params tic_standard = {9600, 7, 'E', 1};

static void publish(grid_inputs *gi, const grid_sample *g, const char *meter_id) {
  bool tariff_changed = gi->published > 0 && strcmp(gi->last.tariff, g->tariff) != 0;
  if (!gi->talking) {
    gi->talking = true;
    station_event(gi->st, 0, "grid", "%s data from meter %s%s%s%s%s", gi->source, meter_id,
                  gi->kind == GI_TIC ? ", " : "",
                  gi->kind == GI_TIC ? tic_mode_name(gi->last_mode) : "",
                  gi->kind == GI_TIC ? " mode" : "",
                  g->has_offpeak ? (g->offpeak ? ", off-peak" : ", peak") : "");
  } else if (tariff_changed) {
    station_event(gi->st, 0, "grid", "%s tariff period %s -> %s%s", gi->source,
                  gi->last.tariff[0] ? gi->last.tariff : "?", g->tariff[0] ? g->tariff : "?",
                  g->has_offpeak ? (g->offpeak ? " (off-peak)" : " (peak)") : "");
  }
  gi->published++;
  gi->last_at = g->at;
  gi->last = *g;
  snprintf(gi->meter_id, sizeof gi->meter_id, "%s", meter_id);
  if (g->has_current || g->has_power || g->has_offpeak) station_grid_sample(gi->st, gi->source, g);
}

static void on_tic_frame(void *ctx, const tic_frame *f) {
  grid_inputs *gi = ctx;
  gi->last_mode = f->mode;
  publish(gi, &f->g, f->meter_id);
}

static void on_p1_telegram(void *ctx, const p1_telegram *t) {
  grid_inputs *gi = ctx;
  publish(gi, &t->g, t->ident);
}

static uint64_t error_count(const grid_inputs *gi) {
  if (gi->kind == GI_TIC) return gi->tic.stats.groups_bad;
  return gi->p1->stats.crc_errors + gi->p1->stats.dropped;
}

static void on_data(void *ctx, const uint8_t *bytes, size_t n) {
  grid_inputs *gi = ctx;
  borne_ms now = clock_now(&gi->st->clock);
  if (gi->kind == GI_TIC)
    tic_feed(&gi->tic, bytes, n, now, on_tic_frame, gi);
  else
    p1_feed(gi->p1, bytes, n, now, on_p1_telegram, gi);
  /* Errors go to the event log when their count reaches 1, 10, 100 ...: a
   * noisy line is visible without flooding the log; the status has the
   * exact counters. */
  uint64_t errors = error_count(gi);
  if (errors < gi->errors_next_event) return;
  while (gi->errors_next_event <= errors) gi->errors_next_event *= 10;
  if (gi->kind == GI_TIC)
    station_event(gi->st, 0, "grid", "tic: %llu bad group(s) dropped (checksum or format)",
                  (unsigned long long)errors);
  else
    station_event(gi->st, 0, "grid",
                  "p1: %llu telegram(s) ignored (%llu bad CRC, %llu cut or malformed)",
                  (unsigned long long)errors, (unsigned long long)gi->p1->stats.crc_errors,
                  (unsigned long long)gi->p1->stats.dropped);
}

static void on_state(void *ctx, bool up, const char *why) {
  grid_inputs *gi = ctx;
  gi->line_up = up;
  gi->talking = false;
  if (up) {
    gi->line_error[0] = '\0';
    station_event(gi->st, 0, "grid", "%s line %s on %s", gi->source,
                  gi->line_was_up ? "back" : "open", gi->port);
    gi->line_was_up = true;
  } else {
    snprintf(gi->line_error, sizeof gi->line_error, "%s", why);
    if (gi->line_was_up) gi->line_losses++;
    station_event(gi->st, 0, "grid", "%s line %s: %s", gi->source,
                  gi->line_was_up ? "lost" : "not open", why);
  }
}

/* grid.tic_mode = auto: no valid group for TIC_HUNT_MS at this speed, try the other. */
static void on_hunt(uv_timer_t *t) {
  grid_inputs *gi = t->data;
  if (!gi->line_up || gi->tic.stats.groups_ok != gi->hunt_groups_ok) {
    gi->hunt_groups_ok = gi->tic.stats.groups_ok;
    return;
  }
  gi->tic_speed = gi->tic_speed == TIC_MODE_HISTORIC ? TIC_MODE_STANDARD : TIC_MODE_HISTORIC;
  const serial_params *p = gi->tic_speed == TIC_MODE_HISTORIC ? &tic_historic : &tic_standard;
  if (serial_line_set_params(gi->line, p) != 0)
    log_warn(MOD, "%s: cannot switch to %d baud", gi->port, p->baud);
  else
    log_info(MOD, "TIC: no valid group, trying %s mode (%d baud)", tic_mode_name(gi->tic_speed),
             p->baud);
}

static json_t *reals(const double v[3]) {
  json_t *a = json_array();
  for (int i = 0; i < 3; i++) json_array_append_new(a, json_real(v[i]));
  return a;
}

static void line_json(const grid_inputs *gi, json_t *o) {
  json_object_set_new(o, "port", json_string(gi->port));
  json_object_set_new(o, "line", json_string(gi->line_up ? "up" : "down"));
  json_object_set_new(o, "line_error",
                      gi->line_error[0] ? json_string(gi->line_error) : json_null());
  json_object_set_new(o, "line_losses", json_integer((json_int_t)gi->line_losses));
  json_object_set_new(o, "frames", json_integer((json_int_t)gi->published));
  if (gi->kind == GI_TIC) {
    const tic_stats *s = &gi->tic.stats;
    json_object_set_new(
        o, "mode",
        json_string(gi->published ? tic_mode_name(gi->last_mode) : tic_mode_name(gi->tic_cfg)));
    json_object_set_new(o, "frames_aborted", json_integer((json_int_t)s->frames_aborted));
    json_object_set_new(o, "groups_ok", json_integer((json_int_t)s->groups_ok));
    json_object_set_new(o, "groups_bad", json_integer((json_int_t)s->groups_bad));
  } else {
    const p1_stats *s = &gi->p1->stats;
    json_object_set_new(o, "crc_errors", json_integer((json_int_t)s->crc_errors));
    json_object_set_new(o, "dropped", json_integer((json_int_t)s->dropped));
  }
  json_object_set_new(o, "last_frame_at", json_time(gi->last_at));
  const grid_sample *g = &gi->last;
  bool any = gi->published > 0;
  json_object_set_new(o, "meter_id", any ? json_string(gi->meter_id) : json_null());
  json_object_set_new(o, "current_a", any && g->has_current ? reals(g->current_a) : json_null());
  json_object_set_new(o, "power_w", any && g->has_power ? reals(g->power_w) : json_null());
  json_object_set_new(o, "power_total_w",
                      any && g->has_power ? json_real(g->power_total_w) : json_null());
  json_object_set_new(o, "offpeak", any && g->has_offpeak ? json_boolean(g->offpeak) : json_null());
  json_object_set_new(o, "tariff", any && g->tariff[0] ? json_string(g->tariff) : json_null());
}

static void status_json(void *ctx, int connector, json_t *obj) {
  grid_inputs *gi = ctx;
  if (connector != 0) return;
  json_t *o = json_object();
  json_object_set_new(o, "source", json_string(gi->grid_source));
  if (gi->kind != GI_NONE) line_json(gi, o);
  if (gi->has_contact) {
    json_object_set_new(
        o, "contact",
        json_pack("{s:o, s:o, s:I}", "asserted",
                  gi->contact_known ? json_boolean(gi->contact_asserted) : json_null(), "since",
                  json_time(gi->contact_since), "changes", (json_int_t)gi->contact_changes));
  }
  if (gi->has_ct) {
    json_t *clipped = json_array();
    for (int i = 0; i < 3; i++) json_array_append_new(clipped, json_boolean(gi->ct_clipped[i]));
    json_object_set_new(o, "ct",
                        json_pack("{s:o, s:o, s:I, s:I, s:o, s:o}", "current_a",
                                  gi->ct_reads ? reals(gi->ct_amps) : json_null(), "clipped",
                                  clipped, "reads", (json_int_t)gi->ct_reads, "errors",
                                  (json_int_t)gi->ct_errors, "last_error",
                                  gi->ct_error[0] ? json_string(gi->ct_error) : json_null(),
                                  "last_at", json_time(gi->ct_at)));
  }
  json_object_set_new(obj, "grid_input", o);
}

/* ---------- CT clamps ---------- */

static const char *const phase_names[3] = {"l1", "l2", "l3"};

/* Worker thread: only the HAL's read_ct (documented as safe beside the
 * loop) and pure code; results in w_*. */
static void ct_work(uv_work_t *w) {
  grid_inputs *gi = w->data;
  hal *h = gi->st->hw;
  double volts[400];
  gi->w_err[0] = '\0';
  for (int k = 0; k < 3; k++) {
    gi->w_amps[k] = 0;
    gi->w_clipped[k] = false;
    if (!gi->ct_used[k]) continue;
    char err[160];
    int n = h->ops->read_ct(h, k, gi->ct_spec[k], volts, 400, err, sizeof err);
    if (n < 0 || ct_rms_current(volts, (size_t)n, &gi->ct_cal[k], &gi->w_amps[k], &gi->w_clipped[k],
                                err, sizeof err) != 0) {
      snprintf(gi->w_err, sizeof gi->w_err, "clamp %s: %s", phase_names[k], err);
      return;
    }
  }
}

static void ct_done(uv_work_t *w, int status) {
  grid_inputs *gi = w->data;
  gi->ct_busy = false;
  if (gi->closed || status != 0) return;
  borne_ms now = clock_now(&gi->st->clock);
  if (gi->w_err[0]) {
    gi->ct_errors++;
    snprintf(gi->ct_error, sizeof gi->ct_error, "%s", gi->w_err);
    if (!gi->ct_failing) station_event(gi->st, 0, "grid", "ct clamps: cannot read: %s", gi->w_err);
    gi->ct_failing = true;
    return;
  }
  if (gi->ct_failing) station_event(gi->st, 0, "grid", "ct clamps read again");
  gi->ct_failing = false;
  gi->ct_error[0] = '\0';
  gi->ct_reads++;
  gi->ct_at = now;
  memcpy(gi->ct_amps, gi->w_amps, sizeof gi->ct_amps);
  memcpy(gi->ct_clipped, gi->w_clipped, sizeof gi->ct_clipped);
  /* A clamp sees a magnitude: the current counts as drawn (import). */
  grid_sample g = {.at = now, .has_current = true};
  memcpy(g.current_a, gi->w_amps, sizeof g.current_a);
  station_grid_sample(gi->st, "ct", &g);
}

static void on_ct_timer(uv_timer_t *t) {
  grid_inputs *gi = t->data;
  if (gi->ct_busy || gi->closed) return; /* a slow block: skip this turn */
  gi->ct_work.data = gi;
  if (uv_queue_work(gi->st->loop, &gi->ct_work, ct_work, ct_done) == 0) gi->ct_busy = true;
}

/* grid.ct.lN.* into the calibration; -1 with a message naming the key. */
static int setup_ct(grid_inputs *gi, char *err, size_t errlen) {
  config *cfg = gi->st->cfg;
  int used = 0;
  for (int k = 0; k < 3; k++) {
    char key[64];
    snprintf(key, sizeof key, "grid.ct.%s.adc", phase_names[k]);
    const char *spec = config_get(cfg, key);
    snprintf(gi->ct_spec[k], sizeof gi->ct_spec[k], "%s", spec ? spec : "");
    /* the simulator has three clamps; linux only those wired */
    gi->ct_used[k] = gi->st->sim || (spec && spec[0]);
    used += gi->ct_used[k];
    ct_calibration *c = &gi->ct_cal[k];
    ct_calibration_default(c);
    snprintf(key, sizeof key, "grid.ct.%s.rated_a", phase_names[k]);
    c->rated_a = config_get_number(cfg, key);
    snprintf(key, sizeof key, "grid.ct.%s.rated_v", phase_names[k]);
    c->rated_v = config_get_number(cfg, key);
    snprintf(key, sizeof key, "grid.ct.%s.gain", phase_names[k]);
    c->gain = config_get_number(cfg, key);
    char why[160];
    if (ct_calibration_check(c, why, sizeof why) != 0) {
      snprintf(err, errlen, "grid.ct.%s: %s", phase_names[k], why);
      return -1;
    }
  }
  if (!used) {
    snprintf(err, errlen,
             "grid.ct.l1.adc: required when grid.source = ct (the clamps' ADC channels)");
    return -1;
  }
  if (!gi->st->hw->ops->read_ct) {
    snprintf(err, errlen, "grid.source: the %s HAL has no CT clamp input", gi->st->hw->ops->name);
    return -1;
  }
  return 0;
}

/* ---------- utility control contact ---------- */

/* Every change (and the level at start) goes to energy management at once:
 * EnWG 14a gives the charge point little time to reduce. */
static void on_contact(void *ctx, bool asserted) {
  grid_inputs *gi = ctx;
  if (gi->closed) return;
  borne_ms now = clock_now(&gi->st->clock);
  bool first = !gi->contact_known;
  if (!first && asserted == gi->contact_asserted) return;
  if (!first) gi->contact_changes++;
  gi->contact_known = true;
  gi->contact_asserted = asserted;
  gi->contact_since = now;
  grid_sample g = {.at = now, .has_contact = true, .contact_asserted = asserted};
  station_grid_sample(gi->st, "contact", &g);
  if (asserted)
    station_event(gi->st, 0, "grid",
                  "control contact asserted: the utility asks for reduced power");
  else if (!first)
    station_event(gi->st, 0, "grid", "control contact released");
}

static void closing(void *ctx) {
  grid_inputs *gi = ctx;
  if (gi->closed) return;
  gi->closed = true;
  if (gi->kind != GI_NONE) {
    serial_line_close(gi->line);
    gi->line = NULL;
    uv_timer_stop(&gi->hunt);
    uv_close((uv_handle_t *)&gi->hunt, NULL);
  }
  if (gi->has_ct) {
    uv_timer_stop(&gi->ct_timer);
    uv_close((uv_handle_t *)&gi->ct_timer, NULL);
    /* a block in flight finishes; ct_done sees `closed` and publishes nothing */
  }
}

/* After the loop ended: the handles are closed. */
static void free_inputs(void *ctx) {
  grid_inputs *gi = ctx;
  free(gi->p1);
  free(gi);
}

/* The TIC / P1 parser and the line settings for it. */
static int setup_parser(grid_inputs *gi, serial_params *params, char *err, size_t errlen) {
  config *cfg = gi->st->cfg;
  if (gi->kind == GI_TIC) {
    if (tic_mode_parse(config_get(cfg, "grid.tic_mode"), &gi->tic_cfg) != 0)
      gi->tic_cfg = TIC_MODE_AUTO;
    tic_init(&gi->tic, gi->tic_cfg);
    /* Linky leaves the factory in historic mode: start the search there. */
    gi->tic_speed = gi->tic_cfg == TIC_MODE_STANDARD ? TIC_MODE_STANDARD : TIC_MODE_HISTORIC;
    *params = gi->tic_speed == TIC_MODE_STANDARD ? tic_standard : tic_historic;
    return 0;
  }
  gi->p1 = malloc(sizeof *gi->p1);
  if (!gi->p1) {
    snprintf(err, errlen, "grid: out of memory");
    return -1;
  }
  p1_init(gi->p1, (int)config_get_int(cfg, "grid.p1_offpeak_tariff"));
  /* P1 companion standard (DSMR 4.x/5.0), "Transfer speed and character formatting": 8N1 */
  *params = (serial_params){(int)config_get_int(cfg, "grid.p1_baud"), 8, 'N', 1};
  return 0;
}

/* grid.source at run time: the sources energy management reads without this
 * module (none, meter, api) switch at once; one whose input this module must
 * open (a serial line, the clamps, the contact) waits for the next start
 * unless that input is open already. */
static station_setting_state source_state(const config *cfg, const char *key, gi_kind kind,
                                          bool contact, bool ct) {
  if (strcmp(key, "grid.source") != 0) return SETTING_UNUSED;
  const char *s = config_get(cfg, key);
  bool open;
  if (!s)
    return SETTING_UNUSED;
  else if (!strcmp(s, "tic"))
    open = kind == GI_TIC;
  else if (!strcmp(s, "p1"))
    open = kind == GI_P1;
  else if (!strcmp(s, "ct"))
    open = ct;
  else if (!strcmp(s, "contact"))
    open = contact;
  else
    return SETTING_UNUSED;
  return open ? SETTING_CURRENT : SETTING_STALE;
}

static station_setting_state setting_state(void *ctx, const char *key) {
  grid_inputs *gi = ctx;
  return source_state(gi->st->cfg, key, gi->kind, gi->has_contact, gi->has_ct);
}

/* Without any input open the module still answers for grid.source. */
static station_setting_state idle_setting_state(void *ctx, const char *key) {
  station *st = ctx;
  return source_state(st->cfg, key, GI_NONE, false, false);
}

int grid_attach(station *st, char *err, size_t errlen) {
  const char *source = config_get(st->cfg, "grid.source");
  if (!source) source = "none";
  gi_kind kind = GI_NONE;
  if (strcmp(source, "tic") == 0)
    kind = GI_TIC;
  else if (strcmp(source, "p1") == 0)
    kind = GI_P1;
  bool contact = strcmp(source, "contact") == 0 || config_get_bool(st->cfg, "grid.contact");
  bool ct = strcmp(source, "ct") == 0;
  if (kind == GI_NONE && !contact && !ct) {
    station_module idle = {.name = "grid_inputs", .ctx = st, .setting_state = idle_setting_state};
    if (station_add_module(st, &idle) != 0) {
      snprintf(err, errlen, "grid: too many station modules");
      return -1;
    }
    return 0;
  }
  const char *port = config_get(st->cfg, "grid.port");
  if (kind != GI_NONE && (!port || !port[0])) {
    snprintf(err, errlen, "grid.port: required when grid.source = %s (the serial device)", source);
    return -1;
  }
  const char *spec = config_get(st->cfg, "grid.contact_gpio");
  if (contact && !st->sim && (!spec || !spec[0])) {
    snprintf(err, errlen, "grid.contact_gpio: required for the control contact (gpiochipN:LINE)");
    return -1;
  }
  if (contact && !st->hw->ops->watch_contact) {
    snprintf(err, errlen, "grid.contact: the %s HAL has no control contact input",
             st->hw->ops->name);
    return -1;
  }
  grid_inputs *gi = calloc(1, sizeof *gi);
  if (!gi) {
    snprintf(err, errlen, "grid: out of memory");
    return -1;
  }
  gi->st = st;
  snprintf(gi->grid_source, sizeof gi->grid_source, "%s", source);
  gi->kind = kind;
  gi->source = kind == GI_TIC ? "tic" : "p1";
  gi->errors_next_event = 1;
  gi->has_contact = contact;
  snprintf(gi->contact_spec, sizeof gi->contact_spec, "%s", spec ? spec : "");
  gi->has_ct = ct;
  if (ct && setup_ct(gi, err, errlen) != 0) {
    free(gi);
    return -1;
  }
  serial_params params = {0};
  if (kind != GI_NONE) {
    snprintf(gi->port, sizeof gi->port, "%s", port);
    if (setup_parser(gi, &params, err, errlen) != 0) {
      free(gi);
      return -1;
    }
  }
  station_module mod = {.name = "grid_inputs",
                        .ctx = gi,
                        .status_json = status_json,
                        .setting_state = setting_state,
                        .closing = closing,
                        .free = free_inputs};
  if (station_add_module(st, &mod) != 0) {
    snprintf(err, errlen, "grid: too many station modules");
    free(gi->p1);
    free(gi);
    return -1;
  }
  /* From here on the module's hooks close and free gi. */
  if (kind != GI_NONE) {
    uv_timer_init(st->loop, &gi->hunt);
    gi->hunt.data = gi;
  }
  if (ct) {
    uv_timer_init(st->loop, &gi->ct_timer);
    gi->ct_timer.data = gi;
    /* the interval is station time: faster under --sim-speed */
    double real = (double)config_get_int(st->cfg, "grid.ct_interval_ms") / st->clock.speed;
    uint64_t every = real < 20 ? 20 : (uint64_t)real;
    uv_timer_start(&gi->ct_timer, on_ct_timer, 0, every);
    log_info(MOD, "CT clamps read every %llu ms", (unsigned long long)every);
  }
  if (contact && st->hw->ops->watch_contact(st->hw, gi->contact_spec, on_contact, gi) != 0) {
    snprintf(err, errlen, "grid.contact_gpio: %s", st->hw->ops->last_error(st->hw));
    return -1;
  }
  if (kind == GI_NONE) {
    log_info(MOD, "control contact on %s",
             gi->contact_spec[0] ? gi->contact_spec : "the simulator");
    return 0;
  }
  serial_line_cbs cbs = {.data = on_data, .state = on_state, .ctx = gi};
  gi->line = serial_line_open(st->loop, gi->port, &params, GRID_RETRY_MS, &cbs);
  if (!gi->line) {
    snprintf(err, errlen, "grid.port: cannot use %s", gi->port);
    return -1;
  }
  if (kind == GI_TIC && gi->tic_cfg == TIC_MODE_AUTO)
    uv_timer_start(&gi->hunt, on_hunt, TIC_HUNT_MS, TIC_HUNT_MS);
  log_info(MOD, "%s input on %s (%d baud %d%c%d)", gi->source, gi->port, params.baud,
           params.data_bits, params.parity, params.stop_bits);
  return 0;
}
