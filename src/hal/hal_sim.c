/*
 * Simulated hardware: connectors with an EV model each, contactor and lock
 * with feedback, RCD, temperature, meter, and a badge reader. Inputs are
 * queued and delivered from a zero-delay loop timer so that listeners are
 * never called from inside a hal_* command (no re-entrancy into the core).
 * Physics advances only at the instants something changes (an EV reaction,
 * a full battery) or when the meter is read: no periodic tick, no polling.
 */
#include "hal/hal_sim.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/pilot.h"

#define SIM_QUEUE_MAX 64
#define SIM_DEFAULT_PP_OHMS 220.0

typedef enum {
  IN_CP,
  IN_PP,
  IN_LOCK,
  IN_CONTACTOR,
  IN_RCD,
  IN_TEMP,
  IN_BADGE,
  IN_GRID_CONTACT,
  IN_TAMPER,
  IN_AP_BUTTON
} input_kind;

typedef struct {
  input_kind kind;
  int connector;
  cp_state cp;
  bool flag;
  double value;
  char uid[BORNE_UID_MAX + 1];
} sim_input;

typedef struct {
  sim_ev ev;
  bool contactor_cmd;
  bool lock_cmd;
  bool welded;
  bool lock_broken;
  bool lock_stuck;   /* SIM_FAULT_LOCK_STUCK */
  bool lock_reading; /* what the lock switch last told */
  double temperature_c;
  double pp_ohms;
  /* the cable is in the socket (a PP resistor reads): with the car at its
   * other end, or left behind by hal_sim_unplug_ev */
  bool cable_in;
  cp_state reported_cp;
  bool reported_diode;
  bool reported_once;
  char selftest_fail[16];
} sim_connector;

typedef struct {
  hal base;
  const station_clock *clock;
  uv_loop_t *loop;
  hal_listener listener;
  bool started;
  bool stopped; /* by sim_stop: inputs are no longer queued */
  bool tethered;
  /* the inputs not yet delivered: SIM_QUEUE_MAX of them, allocated by the
   * first one and freed once delivered (4 kB that an idle station of
   * borne-swarm does not hold) */
  sim_input *queue;
  int queued;
  /* made by an input to deliver, given back once they are delivered (an
   * idle station holds none: 152 bytes) */
  uv_timer_t *flush_timer;
  /* made by the first physics to wait for (a car plugged in): an idle
   * swarm station has none (152 bytes); freed by its close */
  uv_timer_t *physics_timer;
  char *error; /* SIM_ERROR_LEN, allocated by the first error (sim_errbuf) */
  /* grid inputs: the utility control contact, and the building's current
   * seen by the CT clamps (read from a worker thread: under ct_lock) */
  bool contact;
  hal_contact_cb contact_cb;
  void *contact_ctx;
  /* the cover/tamper switch (true = opened) */
  bool tamper;
  hal_contact_cb tamper_cb;
  void *tamper_ctx;
  /* the setup access point's push button (true = pressed) */
  bool ap_button;
  hal_contact_cb ap_button_cb;
  void *ap_button_ctx;
  /* the badge reader: unplugged through the API (taps then go nowhere) */
  bool reader_down;
  uint64_t taps, taps_lost;
  /* the shunt-trip output and how many times it was driven on */
  bool shunt_trip;
  int shunt_trips;
  uv_mutex_t ct_lock;
  double ct_amps[3];
  bool phase_contactor; /* the board has one per connector (sim.phase_contactor) */
  sim_connector conn[]; /* base.connectors of them */
} hal_sim;

static hal_sim *as_sim(hal *h) { return (hal_sim *)h; }

/* The last error's buffer, allocated by the first error (a swarm's idle
 * stations never have one: 160 bytes each); without memory for it the
 * message goes to a process-wide buffer. */
#define SIM_ERROR_LEN 160
static char *sim_errbuf(hal_sim *s) {
  static char no_memory[SIM_ERROR_LEN];
  if (!s->error) s->error = calloc(1, SIM_ERROR_LEN);
  return s->error ? s->error : no_memory;
}

static int check_connector(hal_sim *s, int c, char *err, size_t errlen) {
  if (c >= 1 && c <= s->base.connectors) return 0;
  snprintf(err, errlen, "no connector %d (this station has %d)", c, s->base.connectors);
  return -1;
}

static void flush_cb(uv_timer_t *t);
static void arm_flush(hal_sim *s);

/* The index of the oldest queued input a later one of the same kind and
 * connector supersedes (badges never are), 0 (the oldest) when none is. */
static int superseded_input(const hal_sim *s) {
  for (int i = 0; i < s->queued; i++) {
    if (s->queue[i].kind == IN_BADGE) continue;
    for (int j = i + 1; j < s->queued; j++)
      if (s->queue[j].kind == s->queue[i].kind && s->queue[j].connector == s->queue[i].connector)
        return i;
  }
  return 0;
}

static void enqueue(hal_sim *s, const sim_input *in) {
  if (s->stopped) return; /* nobody listens any more (sim_stop) */
  if (!s->queue && !(s->queue = malloc(SIM_QUEUE_MAX * sizeof *s->queue))) {
    snprintf(sim_errbuf(s), SIM_ERROR_LEN, "out of memory: an input was lost");
    return;
  }
  if (s->queued == SIM_QUEUE_MAX) {
    /* Full: drop the oldest input a later one of the same kind and connector
     * supersedes (inputs are levels; a badge is not), else the oldest: the
     * only news of a contactor or a lock, whose feedback the core judges,
     * stays while a superseded one can go */
    int drop = superseded_input(s);
    memmove(&s->queue[drop], &s->queue[drop + 1],
            sizeof s->queue[0] * (size_t)(SIM_QUEUE_MAX - 1 - drop));
    s->queued--;
  }
  s->queue[s->queued++] = *in;
  if (s->started) arm_flush(s);
}

/* Report the CP level if it changed since last reported. */
static void sync_cp(hal_sim *s, int c) {
  sim_connector *sc = &s->conn[c - 1];
  cp_state cp = sim_ev_cp(&sc->ev);
  bool diode_ok = !sc->ev.diode_missing;
  if (sc->reported_once && cp == sc->reported_cp && diode_ok == sc->reported_diode) return;
  sc->reported_once = true;
  sc->reported_cp = cp;
  sc->reported_diode = diode_ok;
  enqueue(s, &(sim_input){.kind = IN_CP, .connector = c, .cp = cp, .flag = diode_ok});
}

static void physics_cb(uv_timer_t *t);

/* Advance every EV to now, report visible changes and arm the next wake-up. */
static void advance_all(hal_sim *s) {
  borne_ms now = clock_now(s->clock);
  borne_ms next = INT64_MAX;
  for (int c = 1; c <= s->base.connectors; c++) {
    sim_connector *sc = &s->conn[c - 1];
    sim_ev_advance(&sc->ev, now);
    sync_cp(s, c);
    borne_ms n = sim_ev_next_change(&sc->ev, now);
    if (n < next) next = n;
  }
  if (!s->started) return;
  if (next == INT64_MAX) {
    if (s->physics_timer) uv_timer_stop(s->physics_timer);
    return;
  }
  if (!s->physics_timer) {
    uv_timer_t *t = malloc(sizeof *t);
    if (!t) return; /* the next input advances the physics */
    uv_timer_init(s->loop, t);
    t->data = s;
    s->physics_timer = t;
  }
  uv_timer_start(s->physics_timer, physics_cb, clock_real_delay_ms(s->clock, next), 0);
}

static void physics_cb(uv_timer_t *t) { advance_all(t->data); }

static void free_handle(uv_handle_t *h) { free(h); }

/* The inputs queued go to the listener from the next turn of the loop. */
static void arm_flush(hal_sim *s) {
  if (!s->flush_timer) {
    uv_timer_t *t = malloc(sizeof *t);
    if (!t) { /* delivered with the next input that finds memory */
      snprintf(sim_errbuf(s), SIM_ERROR_LEN, "out of memory: inputs wait for the next one");
      return;
    }
    uv_timer_init(s->loop, t);
    t->data = s;
    s->flush_timer = t;
  }
  uv_timer_start(s->flush_timer, flush_cb, 0, 0);
}

static void release_flush(hal_sim *s) {
  if (!s->flush_timer) return;
  uv_timer_stop(s->flush_timer);
  uv_close((uv_handle_t *)s->flush_timer, free_handle);
  s->flush_timer = NULL;
}

static void deliver(hal_sim *s, const sim_input *in) {
  const hal_listener *l = &s->listener;
  switch (in->kind) {
  case IN_CP:
    if (l->on_cp) l->on_cp(l->ctx, in->connector, in->cp, in->flag);
    break;
  case IN_PP:
    if (l->on_pp) l->on_pp(l->ctx, in->connector, in->value);
    break;
  case IN_LOCK:
    if (l->on_lock) l->on_lock(l->ctx, in->connector, in->flag);
    break;
  case IN_CONTACTOR:
    if (l->on_contactor) l->on_contactor(l->ctx, in->connector, in->flag);
    break;
  case IN_RCD:
    if (l->on_rcd_trip) l->on_rcd_trip(l->ctx, in->connector, in->flag);
    break;
  case IN_TEMP:
    if (l->on_temperature) l->on_temperature(l->ctx, in->connector, in->value);
    break;
  case IN_BADGE:
    if (l->on_badge) l->on_badge(l->ctx, in->uid);
    break;
  case IN_GRID_CONTACT:
    if (s->contact_cb) s->contact_cb(s->contact_ctx, in->flag);
    break;
  case IN_TAMPER:
    if (s->tamper_cb) s->tamper_cb(s->tamper_ctx, in->flag);
    break;
  case IN_AP_BUTTON:
    if (s->ap_button_cb) s->ap_button_cb(s->ap_button_ctx, in->flag);
    break;
  }
}

static void flush_cb(uv_timer_t *t) {
  hal_sim *s = t->data;
  /* Listeners may issue commands that queue more inputs: those are
   * delivered in this same call, in order. */
  while (s->queued > 0) {
    sim_input in = s->queue[0];
    memmove(&s->queue[0], &s->queue[1], sizeof s->queue[0] * (size_t)(s->queued - 1));
    s->queued--;
    deliver(s, &in);
  }
  free(s->queue);
  s->queue = NULL;
  release_flush(s); /* made again by the next input */
}

static int sim_start(hal *h, uv_loop_t *loop, const hal_listener *listener) {
  hal_sim *s = as_sim(h);
  s->loop = loop;
  s->listener = *listener;
  s->started = true;
  s->stopped = false;
  for (int c = 1; c <= h->connectors; c++) {
    sim_connector *sc = &s->conn[c - 1];
    sc->reported_once = false;
    sync_cp(s, c);
    if (!s->tethered)
      enqueue(
          s, &(sim_input){.kind = IN_PP, .connector = c, .value = sc->cable_in ? sc->pp_ohms : -1});
    enqueue(s, &(sim_input){.kind = IN_TEMP, .connector = c, .value = sc->temperature_c});
    enqueue(s, &(sim_input){.kind = IN_CONTACTOR, .connector = c, .flag = sc->welded});
    enqueue(s, &(sim_input){.kind = IN_LOCK, .connector = c, .flag = false});
  }
  arm_flush(s);
  return 0;
}

static void sim_stop(hal *h) {
  hal_sim *s = as_sim(h);
  if (!s->started) return;
  s->started = false;
  /* A stopped HAL delivers nothing: the inputs not yet delivered (the
   * contactor opened by the station's close) go, and their queue with them
   * rather than stay until the HAL is destroyed (4.6 kB a station while a
   * swarm of 10 000 closed: its close's peak) */
  s->stopped = true;
  free(s->queue);
  s->queue = NULL;
  s->queued = 0;
  release_flush(s);
  if (s->physics_timer) uv_close((uv_handle_t *)s->physics_timer, free_handle);
  s->physics_timer = NULL;
}

static void outputs_changed(hal_sim *s, int c) {
  sim_connector *sc = &s->conn[c - 1];
  borne_ms now = clock_now(s->clock);
  sim_ev_set_outputs(&sc->ev, sc->ev.pwm_permille, sc->contactor_cmd || sc->welded, now);
  advance_all(s);
}

static void sim_set_pwm(hal *h, int c, int permille) {
  hal_sim *s = as_sim(h);
  if (c < 1 || c > h->connectors) return;
  sim_connector *sc = &s->conn[c - 1];
  sim_ev_set_outputs(&sc->ev, permille, sc->ev.contactor_closed, clock_now(s->clock));
  advance_all(s);
}

static void sim_set_contactor(hal *h, int c, bool closed) {
  hal_sim *s = as_sim(h);
  if (c < 1 || c > h->connectors) return;
  sim_connector *sc = &s->conn[c - 1];
  sc->contactor_cmd = closed;
  outputs_changed(s, c);
  enqueue(s, &(sim_input){.kind = IN_CONTACTOR, .connector = c, .flag = closed || sc->welded});
}

/* The lock switch after a command or a fault: engaged as commanded unless
 * broken (never confirms), kept engaged when stuck and released. */
static void report_lock(hal_sim *s, int c) {
  sim_connector *sc = &s->conn[c - 1];
  sc->lock_reading =
      sc->lock_cmd ? !sc->lock_broken : sc->lock_stuck && sc->lock_reading && !sc->lock_broken;
  enqueue(s, &(sim_input){.kind = IN_LOCK, .connector = c, .flag = sc->lock_reading});
}

static void sim_set_lock(hal *h, int c, bool engaged) {
  hal_sim *s = as_sim(h);
  if (c < 1 || c > h->connectors) return;
  sim_connector *sc = &s->conn[c - 1];
  sc->lock_cmd = engaged;
  report_lock(s, c);
}

static void sim_set_led(hal *h, int c, const led_look *look) {
  (void)h, (void)c, (void)look; /* the API shows the LED from the core's state */
}

static int sim_read_meter(hal *h, int c, meter_reading *out) {
  hal_sim *s = as_sim(h);
  if (c < 1 || c > h->connectors) {
    snprintf(sim_errbuf(s), SIM_ERROR_LEN, "no connector %d", c);
    return -1;
  }
  sim_connector *sc = &s->conn[c - 1];
  if (strcmp(sc->selftest_fail, "meter") == 0) {
    snprintf(sim_errbuf(s), SIM_ERROR_LEN, "simulated meter of connector %d does not answer", c);
    return -1;
  }
  advance_all(s);
  sim_ev_meter(&sc->ev, out);
  return 0;
}

static int sim_selftest(hal *h, int c, hal_selftest *out) {
  hal_sim *s = as_sim(h);
  if (c < 1 || c > h->connectors) return -1;
  const char *fail = s->conn[c - 1].selftest_fail;
  out->rcd_ok = strcmp(fail, "rcd") != 0;
  out->contactor_ok = strcmp(fail, "contactor") != 0 && !s->conn[c - 1].welded;
  out->cp_ok = strcmp(fail, "cp") != 0;
  out->meter_ok = strcmp(fail, "meter") != 0;
  return 0;
}

static const char *sim_last_error(hal *h) {
  const char *e = as_sim(h)->error;
  return e ? e : "";
}

static void sim_destroy(hal *h) {
  uv_mutex_destroy(&as_sim(h)->ct_lock);
  free(as_sim(h)->queue);
  free(as_sim(h)->error);
  free(h);
}

static int sim_watch_contact(hal *h, const char *spec, hal_contact_cb cb, void *ctx) {
  (void)spec;
  hal_sim *s = as_sim(h);
  if (!s->started) {
    snprintf(sim_errbuf(s), SIM_ERROR_LEN, "the HAL is not started");
    return -1;
  }
  s->contact_cb = cb;
  s->contact_ctx = ctx;
  if (cb) enqueue(s, &(sim_input){.kind = IN_GRID_CONTACT, .flag = s->contact});
  return 0;
}

static int sim_watch_tamper(hal *h, const char *spec, hal_contact_cb cb, void *ctx) {
  (void)spec;
  hal_sim *s = as_sim(h);
  if (!s->started) {
    snprintf(sim_errbuf(s), SIM_ERROR_LEN, "the HAL is not started");
    return -1;
  }
  s->tamper_cb = cb;
  s->tamper_ctx = ctx;
  if (cb) enqueue(s, &(sim_input){.kind = IN_TAMPER, .flag = s->tamper});
  return 0;
}

static int sim_watch_ap_button(hal *h, const char *spec, hal_contact_cb cb, void *ctx) {
  (void)spec;
  hal_sim *s = as_sim(h);
  if (!s->started) {
    snprintf(sim_errbuf(s), SIM_ERROR_LEN, "the HAL is not started");
    return -1;
  }
  s->ap_button_cb = cb;
  s->ap_button_ctx = ctx;
  if (cb) enqueue(s, &(sim_input){.kind = IN_AP_BUTTON, .flag = s->ap_button});
  return 0;
}

static int sim_reader_state(hal *h, hal_reader_state *out) {
  hal_sim *s = as_sim(h);
  memset(out, 0, sizeof *out);
  out->type = "sim";
  out->port = "POST /api/v1/sim/tap";
  out->up = !s->reader_down;
  if (s->reader_down) snprintf(out->why, sizeof out->why, "simulated reader unplugged");
  out->frames = out->badges = s->taps;
  out->bad_frames = s->taps_lost;
  return 0;
}

static int sim_open_shunt_trip(hal *h, const char *spec) {
  (void)h, (void)spec;
  return 0;
}

static void sim_set_shunt_trip(hal *h, bool trip) {
  hal_sim *s = as_sim(h);
  if (trip && !s->shunt_trip) s->shunt_trips++;
  s->shunt_trip = trip;
}

/* The simulated clamps are the default ones (100 A / 333 mV, docs/hal.md) on
 * an ADC input biased at 1.65 V: 5 periods of 50 Hz, 40 samples each, phase
 * k shifted by k x 120 degrees. */
#define SIM_CT_PERIODS 5
#define SIM_CT_PER_PERIOD 40
static int sim_read_ct(hal *h, int clamp, const char *spec, double *volts, int max, char *err,
                       size_t errlen) {
  (void)spec;
  hal_sim *s = as_sim(h);
  if (clamp < 0 || clamp > 2) {
    snprintf(err, errlen, "no CT clamp %d (0..2)", clamp);
    return -1;
  }
  uv_mutex_lock(&s->ct_lock);
  double amps = s->ct_amps[clamp];
  uv_mutex_unlock(&s->ct_lock);
  int n = SIM_CT_PERIODS * SIM_CT_PER_PERIOD;
  if (n > max) n = max - max % SIM_CT_PER_PERIOD;
  const double pi = 3.14159265358979323846;
  for (int i = 0; i < n; i++)
    volts[i] = 1.65 + amps * sqrt(2.0) * (0.333 / 100.0) *
                          sin(2 * pi * i / SIM_CT_PER_PERIOD + clamp * 2 * pi / 3);
  return n;
}

static int sim_get_phases(hal *h, int c) {
  hal_sim *s = as_sim(h);
  if (!s->phase_contactor || check_connector(s, c, NULL, 0) != 0) return -1;
  return s->conn[c - 1].ev.supply_phases;
}

static int sim_set_phases(hal *h, int c, int phases) {
  hal_sim *s = as_sim(h);
  if (check_connector(s, c, sim_errbuf(s), SIM_ERROR_LEN) != 0) return -1;
  if (!s->phase_contactor) {
    snprintf(sim_errbuf(s), SIM_ERROR_LEN, "connector %d has no phase contactor", c);
    return -1;
  }
  if (phases != 1 && phases != 3) {
    snprintf(sim_errbuf(s), SIM_ERROR_LEN, "phases: 1 or 3, not %d", phases);
    return -1;
  }
  sim_ev_set_supply_phases(&s->conn[c - 1].ev, phases, clock_now(s->clock));
  return 0;
}

void hal_sim_set_phase_contactor(hal *h, bool present) { as_sim(h)->phase_contactor = present; }

static const hal_ops sim_ops = {
    .name = "sim",
    .start = sim_start,
    .stop = sim_stop,
    .set_pwm = sim_set_pwm,
    .set_contactor = sim_set_contactor,
    .set_lock = sim_set_lock,
    .set_led = sim_set_led,
    .read_meter = sim_read_meter,
    .selftest = sim_selftest,
    .last_error = sim_last_error,
    .destroy = sim_destroy,
    .watch_contact = sim_watch_contact,
    .read_ct = sim_read_ct,
    .get_phases = sim_get_phases,
    .set_phases = sim_set_phases,
    .watch_tamper = sim_watch_tamper,
    .watch_ap_button = sim_watch_ap_button,
    .open_shunt_trip = sim_open_shunt_trip,
    .set_shunt_trip = sim_set_shunt_trip,
    .reader_state = sim_reader_state,
};

hal *hal_sim_create(int connectors, const station_clock *clock, double voltage_v,
                    const double *energy_wh, bool tethered) {
  if (connectors < 1 || connectors > BORNE_MAX_CONNECTORS) return NULL;
  hal_sim *s = calloc(1, sizeof *s + (size_t)connectors * sizeof s->conn[0]);
  if (!s) return NULL;
  s->base.ops = &sim_ops;
  s->base.connectors = connectors;
  s->clock = clock;
  s->tethered = tethered;
  uv_mutex_init(&s->ct_lock);
  borne_ms now = clock_now(clock);
  for (int i = 0; i < connectors; i++) {
    sim_ev_init(&s->conn[i].ev, voltage_v, energy_wh ? energy_wh[i] : 0.0, now);
    s->conn[i].temperature_c = SIM_AMBIENT_C;
    s->conn[i].pp_ohms = -1;
  }
  return &s->base;
}

int hal_sim_plug(hal *h, int c, const sim_ev_params *p, double pp_ohms, char *err, size_t errlen) {
  hal_sim *s = as_sim(h);
  if (check_connector(s, c, err, errlen)) return -1;
  sim_connector *sc = &s->conn[c - 1];
  if (sc->ev.plugged) {
    snprintf(err, errlen, "connector %d already has an EV plugged in", c);
    return -1;
  }
  /* The cable is inserted (PP) before the vehicle side is detected on CP;
   * one left in the socket (hal_sim_unplug_ev) stays the same cable. */
  if (!sc->cable_in) {
    sc->pp_ohms = pp_ohms > 0 ? pp_ohms : SIM_DEFAULT_PP_OHMS;
    sc->cable_in = !s->tethered;
    if (!s->tethered) enqueue(s, &(sim_input){.kind = IN_PP, .connector = c, .value = sc->pp_ohms});
  }
  sim_ev_plug(&sc->ev, p, clock_now(s->clock));
  advance_all(s);
  return 0;
}

/* The cable leaves the socket: PP opens. */
static void cable_out(hal_sim *s, int c) {
  sim_connector *sc = &s->conn[c - 1];
  sc->cable_in = false;
  if (!s->tethered) enqueue(s, &(sim_input){.kind = IN_PP, .connector = c, .value = -1});
}

int hal_sim_unplug_ev(hal *h, int c, char *err, size_t errlen) {
  hal_sim *s = as_sim(h);
  if (check_connector(s, c, err, errlen)) return -1;
  sim_connector *sc = &s->conn[c - 1];
  if (!sc->ev.plugged) {
    snprintf(err, errlen, "connector %d has no EV plugged in", c);
    return -1;
  }
  sim_ev_unplug(&sc->ev, clock_now(s->clock));
  advance_all(s);
  return 0;
}

int hal_sim_remove_cable(hal *h, int c, char *err, size_t errlen) {
  hal_sim *s = as_sim(h);
  if (check_connector(s, c, err, errlen)) return -1;
  sim_connector *sc = &s->conn[c - 1];
  if (s->tethered) {
    snprintf(err, errlen, "connector %d has a fixed cable", c);
    return -1;
  }
  if (sc->ev.plugged) {
    snprintf(err, errlen, "connector %d: the EV is still plugged in at the cable's other end", c);
    return -1;
  }
  if (!sc->cable_in) {
    snprintf(err, errlen, "connector %d has no cable in its socket", c);
    return -1;
  }
  if (sc->lock_cmd && !sc->lock_broken) {
    snprintf(err, errlen, "connector %d: the cable is locked in the socket", c);
    return -1;
  }
  cable_out(s, c);
  return 0;
}

int hal_sim_unplug(hal *h, int c, char *err, size_t errlen) {
  if (hal_sim_unplug_ev(h, c, err, errlen) != 0) return -1;
  cable_out(as_sim(h), c); /* the whole cable at once, locked or not */
  return 0;
}

bool hal_sim_cable_in(hal *h, int c) {
  hal_sim *s = as_sim(h);
  return c >= 1 && c <= h->connectors && s->conn[c - 1].cable_in;
}

int hal_sim_ev_request(hal *h, int c, sim_ev_request r, char *err, size_t errlen) {
  hal_sim *s = as_sim(h);
  if (check_connector(s, c, err, errlen)) return -1;
  sim_connector *sc = &s->conn[c - 1];
  if (!sc->ev.plugged) {
    snprintf(err, errlen, "connector %d has no EV plugged in", c);
    return -1;
  }
  sim_ev_set_request(&sc->ev, r, clock_now(s->clock));
  advance_all(s);
  return 0;
}

int sim_fault_parse(const char *name, sim_fault *out) {
  static const char *const names[] = {"rcd",      "diode",   "welding", "lock",
                                      "overtemp", "cpshort", "clear",   "lockstuck"};
  for (int i = 0; i < (int)(sizeof names / sizeof names[0]); i++) {
    if (strcmp(name, names[i]) == 0) {
      *out = (sim_fault)i;
      return 0;
    }
  }
  return -1;
}

int hal_sim_fault(hal *h, int c, sim_fault f, char *err, size_t errlen) {
  hal_sim *s = as_sim(h);
  if (check_connector(s, c, err, errlen)) return -1;
  sim_connector *sc = &s->conn[c - 1];
  switch (f) {
  case SIM_FAULT_RCD:
    enqueue(s, &(sim_input){.kind = IN_RCD, .connector = c, .flag = true});
    break;
  case SIM_FAULT_DIODE:
    sc->ev.diode_missing = true;
    break;
  case SIM_FAULT_WELDING:
    sc->welded = true;
    outputs_changed(s, c);
    enqueue(s, &(sim_input){.kind = IN_CONTACTOR, .connector = c, .flag = true});
    break;
  case SIM_FAULT_LOCK:
    sc->lock_broken = true;
    if (sc->lock_cmd) report_lock(s, c);
    break;
  case SIM_FAULT_LOCK_STUCK:
    sc->lock_stuck = true; /* told at the next release */
    break;
  case SIM_FAULT_OVERTEMP:
    sc->temperature_c = SIM_OVERTEMP_C;
    enqueue(s, &(sim_input){.kind = IN_TEMP, .connector = c, .value = sc->temperature_c});
    break;
  case SIM_FAULT_CPSHORT:
    if (!sc->ev.plugged) {
      snprintf(err, errlen, "connector %d: a CP short needs an EV plugged in", c);
      return -1;
    }
    sc->ev.cp_short = true;
    break;
  case SIM_FAULT_CLEAR:
    sc->ev.diode_missing = false;
    sc->ev.cp_short = false;
    sc->lock_broken = false;
    sc->lock_stuck = false;
    sc->welded = false;
    sc->selftest_fail[0] = '\0';
    sc->temperature_c = SIM_AMBIENT_C;
    outputs_changed(s, c);
    enqueue(s, &(sim_input){.kind = IN_TEMP, .connector = c, .value = sc->temperature_c});
    enqueue(s, &(sim_input){.kind = IN_CONTACTOR, .connector = c, .flag = sc->contactor_cmd});
    report_lock(s, c);
    break;
  }
  advance_all(s);
  return 0;
}

void hal_sim_tap(hal *h, const char *uid) {
  hal_sim *s = as_sim(h);
  if (s->reader_down) { /* nobody reads the card */
    s->taps_lost++;
    return;
  }
  s->taps++;
  sim_input in = {.kind = IN_BADGE};
  snprintf(in.uid, sizeof in.uid, "%s", uid);
  enqueue(s, &in);
}

int hal_sim_fail_selftest(hal *h, int c, const char *check) {
  hal_sim *s = as_sim(h);
  if (c < 1 || c > h->connectors) return -1;
  if (strcmp(check, "rcd") && strcmp(check, "contactor") && strcmp(check, "cp") &&
      strcmp(check, "meter"))
    return -1;
  snprintf(s->conn[c - 1].selftest_fail, sizeof s->conn[c - 1].selftest_fail, "%s", check);
  return 0;
}

void hal_sim_set_contact(hal *h, bool asserted) {
  hal_sim *s = as_sim(h);
  if (s->contact == asserted) return;
  s->contact = asserted;
  if (s->contact_cb && s->started)
    enqueue(s, &(sim_input){.kind = IN_GRID_CONTACT, .flag = asserted});
}

bool hal_sim_contact(hal *h) { return as_sim(h)->contact; }

void hal_sim_set_tamper(hal *h, bool opened) {
  hal_sim *s = as_sim(h);
  if (s->tamper == opened) return;
  s->tamper = opened;
  if (s->tamper_cb && s->started) enqueue(s, &(sim_input){.kind = IN_TAMPER, .flag = opened});
}

bool hal_sim_tamper(hal *h) { return as_sim(h)->tamper; }

void hal_sim_set_ap_button(hal *h, bool pressed) {
  hal_sim *s = as_sim(h);
  if (s->ap_button == pressed) return;
  s->ap_button = pressed;
  if (s->ap_button_cb && s->started)
    enqueue(s, &(sim_input){.kind = IN_AP_BUTTON, .flag = pressed});
}

void hal_sim_set_reader(hal *h, bool connected) { as_sim(h)->reader_down = !connected; }

bool hal_sim_shunt_trip(hal *h, int *trips) {
  if (trips) *trips = as_sim(h)->shunt_trips;
  return as_sim(h)->shunt_trip;
}

void hal_sim_set_ct(hal *h, const double amps[3]) {
  hal_sim *s = as_sim(h);
  uv_mutex_lock(&s->ct_lock);
  memcpy(s->ct_amps, amps, sizeof s->ct_amps);
  uv_mutex_unlock(&s->ct_lock);
}
