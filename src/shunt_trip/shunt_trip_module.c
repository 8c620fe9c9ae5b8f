/*
 * The shunt-trip glue (see shunt_trip_module.h): the connectors' errors in,
 * one pulse of the HAL's shunt-trip output out, an event for each. It never
 * clears anything: what tripped the breaker stays latched in the core
 * until an operator clears it with the station powered again.
 */
#include "shunt_trip/shunt_trip_module.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http_json.h"
#include "core/errors.h"
#include "util/log.h"

#define MOD "shunt_trip"

typedef struct {
  station *st;
  uv_timer_t pulse;
  unsigned pulse_ms;
  bool output;
  error_code last_error[BORNE_MAX_CONNECTORS]; /* a trip on the change into a cause only */
  uint64_t trips;
  borne_ms last_trip;
  char cause[160];
} shunt_trip;

const char *shunt_trip_cause(error_code e) {
  switch (e) {
  case ERR_CONTACTOR_WELDED:
    return "contactor welded"; /* the station cannot open the circuit any more */
  case ERR_RCD_SELFTEST:
    return "residual-current monitor failed its self-test"; /* nothing would open it on a fault */
  default:
    return NULL;
  }
}

static void pulse_done(uv_timer_t *t) {
  shunt_trip *s = t->data;
  s->output = false;
  s->st->hw->ops->set_shunt_trip(s->st->hw, false);
  /* still running: the breaker did not cut our supply */
  station_event(s->st, 0, "shunt_trip",
                "output off after %u ms; the station still runs: check the breaker's shunt release "
                "and its wiring",
                s->pulse_ms);
}

static void on_status(void *ctx, int c, connector_status status, error_code error) {
  (void)status;
  shunt_trip *s = ctx;
  if (c < 1 || c > BORNE_MAX_CONNECTORS) return;
  error_code before = s->last_error[c - 1];
  s->last_error[c - 1] = error;
  const char *cause = shunt_trip_cause(error);
  if (!cause || error == before) return;
  snprintf(s->cause, sizeof s->cause, "%s on connector %d (%d)", cause, c, (int)error);
  s->trips++;
  s->last_trip = clock_now(&s->st->clock);
  log_error(MOD, "tripping the upstream breaker: %s", s->cause);
  station_event(s->st, c, "shunt_trip", "output on: %s", s->cause);
  s->output = true;
  s->st->hw->ops->set_shunt_trip(s->st->hw, true);
  uv_timer_start(&s->pulse, pulse_done, s->pulse_ms, 0); /* a new cause restarts the pulse */
}

static void status_json(void *ctx, int c, json_t *obj) {
  shunt_trip *s = ctx;
  if (c != 0) return;
  json_object_set_new(obj, "shunt_trip",
                      json_pack("{s:b, s:I, s:o, s:o}", "output", s->output, "trips",
                                (json_int_t)s->trips, "last_trip",
                                s->last_trip ? json_time(s->last_trip) : json_null(), "cause",
                                s->cause[0] ? json_string(s->cause) : json_null()));
}

static void closing(void *ctx) {
  shunt_trip *s = ctx;
  uv_close((uv_handle_t *)&s->pulse, NULL);
}

static void free_state(void *ctx) { free(ctx); }

static void free_after_close(uv_handle_t *h) { free(h->data); }

int shunt_trip_attach(station *st, char *err, size_t errlen) {
  if (!config_get_bool(st->cfg, "shunt_trip.enabled")) return 0;
  const char *spec = config_get(st->cfg, "shunt_trip.gpio");
  if (!st->sim && (!spec || !spec[0])) {
    snprintf(err, errlen, "shunt_trip.gpio: required with shunt_trip.enabled (gpiochipN:LINE)");
    return -1;
  }
  if (!st->hw->ops->open_shunt_trip || !st->hw->ops->set_shunt_trip) {
    snprintf(err, errlen, "shunt_trip.enabled: the %s HAL has no shunt-trip output",
             st->hw->ops->name);
    return -1;
  }
  if (st->hw->ops->open_shunt_trip(st->hw, spec ? spec : "") != 0) {
    snprintf(err, errlen, "shunt_trip.gpio: %s", st->hw->ops->last_error(st->hw));
    return -1;
  }
  shunt_trip *s = calloc(1, sizeof *s);
  if (!s) {
    snprintf(err, errlen, "shunt_trip: out of memory");
    return -1;
  }
  s->st = st;
  s->pulse_ms = (unsigned)config_get_int(st->cfg, "shunt_trip.pulse_ms");
  uv_timer_init(st->loop, &s->pulse);
  s->pulse.data = s;
  station_module m = {.name = MOD,
                      .ctx = s,
                      .status_changed = on_status,
                      .status_json = status_json,
                      .closing = closing,
                      .free = free_state};
  if (station_add_module(st, &m) != 0) {
    uv_close((uv_handle_t *)&s->pulse, free_after_close);
    snprintf(err, errlen, "shunt_trip: too many station modules");
    return -1;
  }
  log_info(MOD, "shunt trip on %s (%u ms pulse)",
           spec && spec[0] && !st->sim ? spec : "the simulator", s->pulse_ms);
  return 0;
}
