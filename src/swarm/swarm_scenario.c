/*
 * The scenario file's parser and the engine that draws the swarm's events
 * from it (swarm_scenario.h): Poisson arrivals thinned by the time-of-day
 * profile, clipped normal session lengths and energies, faults, outages and
 * a boot storm, each station with its own random stream derived from the
 * seed so that a run is reproducible whatever the order of the calls.
 */
#include "swarm/swarm_scenario.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/station_core.h"

#define HOUR_MS 3600000.0

void swarm_scenario_defaults(swarm_scenario *sc) {
  memset(sc, 0, sizeof *sc);
  sc->seed = 1;
  sc->arrivals_per_hour = 1.0;
  for (int h = 0; h < 24; h++) sc->profile[h] = 1.0;
  sc->start_hour = 8;
  sc->session_min = (swarm_dist){30, 10, 1, 600};
  sc->energy_kwh = (swarm_dist){10, 5, 0.5, 100};
  sc->badge_count = 100;
  snprintf(sc->badge_prefix, sizeof sc->badge_prefix, "SW");
  sc->unknown_share = 0.0;
  sc->faults_per_hour = 0.0;
  sc->fault_length_ms = 60000;
  sc->meter_interval_s = 60;
  sc->heartbeat_interval_s = 60;
}

static int bad(char *err, size_t errlen, const char *fmt, const char *what) {
  snprintf(err, errlen, fmt, what);
  return -1;
}

static int only(json_t *o, const char *where, const char *const *allowed, char *err,
                size_t errlen) {
  const char *k;
  json_t *v;
  json_object_foreach(o, k, v) {
    (void)v;
    int ok = 0;
    for (int i = 0; allowed[i]; i++)
      if (strcmp(k, allowed[i]) == 0) ok = 1;
    if (!ok) {
      snprintf(err, errlen, "scenario: unknown member `%s` in %s", k, where);
      return -1;
    }
  }
  return 0;
}

/* A number member in [lo, hi]; absent leaves *out. */
static int num(json_t *o, const char *key, double lo, double hi, double *out, char *err,
               size_t errlen) {
  json_t *v = json_object_get(o, key);
  if (!v) return 0;
  if (!json_is_number(v)) return bad(err, errlen, "scenario: `%s` must be a number", key);
  double d = json_number_value(v);
  if (!isfinite(d) || d < lo || d > hi) {
    snprintf(err, errlen, "scenario: `%s` must be between %g and %g", key, lo, hi);
    return -1;
  }
  *out = d;
  return 0;
}

static int dist(json_t *o, const char *key, double hi, swarm_dist *d, char *err, size_t errlen) {
  json_t *v = json_object_get(o, key);
  if (!v) return 0;
  static const char *const allowed[] = {"mean", "sd", "min", "max", NULL};
  if (!json_is_object(v)) return bad(err, errlen, "scenario: `%s` must be an object", key);
  if (only(v, key, allowed, err, errlen) != 0) return -1;
  if (num(v, "mean", 0, hi, &d->mean, err, errlen) || num(v, "sd", 0, hi, &d->sd, err, errlen) ||
      num(v, "min", 0, hi, &d->min, err, errlen) || num(v, "max", 0, hi, &d->max, err, errlen))
    return -1;
  if (d->min > d->max) return bad(err, errlen, "scenario: `%s`: min is above max", key);
  return 0;
}

int swarm_scenario_parse(swarm_scenario *sc, const char *text, size_t len, char *err,
                         size_t errlen) {
  json_error_t je;
  json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
  if (!root) {
    snprintf(err, errlen, "scenario: line %d: %s", je.line, je.text);
    return -1;
  }
  int rc = -1;
  static const char *const top[] = {"seed",
                                    "arrivals_per_hour",
                                    "profile",
                                    "start_hour",
                                    "session_minutes",
                                    "energy_kwh",
                                    "badges",
                                    "faults_per_hour",
                                    "fault_length_s",
                                    "outages",
                                    "boot_storm",
                                    "meter_interval_s",
                                    "heartbeat_interval_s",
                                    NULL};
  double d;
  if (!json_is_object(root)) {
    snprintf(err, errlen, "scenario: the top level must be an object");
    goto out;
  }
  if (only(root, "the scenario", top, err, errlen) != 0) goto out;
  d = (double)sc->seed;
  if (num(root, "seed", 0, 9007199254740991.0, &d, err, errlen) != 0) goto out;
  sc->seed = (uint64_t)d;
  if (num(root, "arrivals_per_hour", 0, 3600, &sc->arrivals_per_hour, err, errlen) != 0) goto out;
  json_t *p = json_object_get(root, "profile");
  if (p) {
    if (!json_is_array(p) || json_array_size(p) != 24) {
      snprintf(err, errlen, "scenario: `profile` must be an array of 24 numbers (hours 0-23)");
      goto out;
    }
    for (size_t h = 0; h < 24; h++) {
      json_t *v = json_array_get(p, h);
      double x = json_number_value(v);
      if (!json_is_number(v) || !isfinite(x) || x < 0 || x > 1000) {
        snprintf(err, errlen, "scenario: `profile`[%zu] must be a number between 0 and 1000", h);
        goto out;
      }
      sc->profile[h] = x;
    }
  }
  d = sc->start_hour;
  if (num(root, "start_hour", 0, 23, &d, err, errlen) != 0) goto out;
  sc->start_hour = (int)d;
  if (dist(root, "session_minutes", 10080, &sc->session_min, err, errlen) != 0) goto out;
  if (dist(root, "energy_kwh", 1000, &sc->energy_kwh, err, errlen) != 0) goto out;
  json_t *b = json_object_get(root, "badges");
  if (b) {
    static const char *const allowed[] = {"count", "prefix", "unknown_share", NULL};
    if (!json_is_object(b)) {
      snprintf(err, errlen, "scenario: `badges` must be an object");
      goto out;
    }
    if (only(b, "badges", allowed, err, errlen) != 0) goto out;
    d = sc->badge_count;
    if (num(b, "count", 1, 1000000, &d, err, errlen) != 0) goto out;
    sc->badge_count = (int)d;
    if (num(b, "unknown_share", 0, 1, &sc->unknown_share, err, errlen) != 0) goto out;
    json_t *pre = json_object_get(b, "prefix");
    if (pre) {
      const char *s = json_string_value(pre);
      if (!s || strlen(s) >= sizeof sc->badge_prefix ||
          strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                    "0123456789") != strlen(s)) {
        snprintf(err, errlen, "scenario: `badges.prefix`: up to 8 capital letters or digits");
        goto out;
      }
      snprintf(sc->badge_prefix, sizeof sc->badge_prefix, "%s", s);
    }
  }
  if (num(root, "faults_per_hour", 0, 3600, &sc->faults_per_hour, err, errlen) != 0) goto out;
  d = (double)sc->fault_length_ms / 1000.0;
  if (num(root, "fault_length_s", 1, 86400, &d, err, errlen) != 0) goto out;
  sc->fault_length_ms = (int64_t)(d * 1000);
  json_t *outs = json_object_get(root, "outages");
  if (outs) {
    if (!json_is_array(outs) || json_array_size(outs) > SWARM_MAX_OUTAGES) {
      snprintf(err, errlen, "scenario: `outages` must be an array of at most %d objects",
               SWARM_MAX_OUTAGES);
      goto out;
    }
    static const char *const allowed[] = {"at_s", "fraction", "length_s", NULL};
    size_t i;
    json_t *o;
    json_array_foreach(outs, i, o) {
      if (!json_is_object(o) || only(o, "an outage", allowed, err, errlen) != 0) {
        if (!json_is_object(o)) snprintf(err, errlen, "scenario: an outage must be an object");
        goto out;
      }
      double at = -1, fr = -1, le = -1;
      if (num(o, "at_s", 0, 31536000, &at, err, errlen) ||
          num(o, "fraction", 0, 1, &fr, err, errlen) ||
          num(o, "length_s", 1, 31536000, &le, err, errlen))
        goto out;
      if (at < 0 || fr < 0 || le < 0) {
        snprintf(err, errlen, "scenario: an outage needs at_s, fraction and length_s");
        goto out;
      }
      sc->outages[sc->outage_count++] =
          (swarm_outage){(int64_t)(at * 1000), fr, (int64_t)(le * 1000)};
    }
  }
  json_t *bs = json_object_get(root, "boot_storm");
  if (bs) {
    static const char *const allowed[] = {"at_s", "window_s", NULL};
    if (!json_is_object(bs)) {
      snprintf(err, errlen, "scenario: `boot_storm` must be an object");
      goto out;
    }
    if (only(bs, "boot_storm", allowed, err, errlen) != 0) goto out;
    double at = -1, w = 0;
    if (num(bs, "at_s", 0, 31536000, &at, err, errlen) ||
        num(bs, "window_s", 0, 86400, &w, err, errlen))
      goto out;
    if (at < 0) {
      snprintf(err, errlen, "scenario: `boot_storm` needs at_s");
      goto out;
    }
    sc->boot_storm = true;
    sc->boot_storm_at_ms = (int64_t)(at * 1000);
    sc->boot_storm_window_ms = (int64_t)(w * 1000);
  }
  d = sc->meter_interval_s;
  if (num(root, "meter_interval_s", 0, 86400, &d, err, errlen) != 0) goto out;
  sc->meter_interval_s = (int)d;
  d = sc->heartbeat_interval_s;
  if (num(root, "heartbeat_interval_s", 0, 86400, &d, err, errlen) != 0) goto out;
  sc->heartbeat_interval_s = (int)d;
  rc = 0;
out:
  json_decref(root);
  return rc;
}

/* ---------- the engine ---------- */

#define NEVER INT64_MAX

typedef struct {
  uint64_t rng;
  int64_t next_arrival, next_fault, reboot_at;
  int64_t outage_from[SWARM_MAX_OUTAGES]; /* NEVER when not cut by that outage */
  int outage_state[SWARM_MAX_OUTAGES];    /* 0 before, 1 during, 2 after */
  int64_t *leave_at;                      /* per connector, NEVER when free */
  int64_t *clear_at;                      /* per connector, NEVER when no fault */
} station_plan;

struct swarm_engine {
  swarm_scenario sc;
  int stations, connectors;
  double profile_max;
  long turned_away;
  station_plan *st;
  int64_t *slots;
};

/* splitmix64: small, fast, good enough for a simulation, reproducible. */
static uint64_t next_u64(uint64_t *s) {
  uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static double uniform(uint64_t *s) { return (double)(next_u64(s) >> 11) * 0x1.0p-53; }

static double expo(uint64_t *s, double rate_per_ms) { return -log(1.0 - uniform(s)) / rate_per_ms; }

static double clipped_normal(uint64_t *s, const swarm_dist *d) {
  double u1 = uniform(s), u2 = uniform(s);
  double z = sqrt(-2.0 * log(1.0 - u1)) * cos(2.0 * M_PI * u2);
  double x = d->mean + d->sd * z;
  return x < d->min ? d->min : x > d->max ? d->max : x;
}

static double profile_at(const swarm_engine *e, int64_t t) {
  int h = (int)(((int64_t)e->sc.start_hour + t / (int64_t)HOUR_MS) % 24);
  return e->sc.profile[h];
}

/* The next accepted arrival after t (thinning), NEVER when the rate is 0. */
static int64_t draw_arrival(swarm_engine *e, station_plan *p, int64_t t) {
  double peak = e->sc.arrivals_per_hour * e->profile_max;
  if (peak <= 0) return NEVER;
  for (int tries = 0; tries < 100000; tries++) {
    t += (int64_t)ceil(expo(&p->rng, peak / HOUR_MS));
    if (uniform(&p->rng) * e->profile_max < profile_at(e, t)) return t;
  }
  return NEVER;
}

static int64_t draw_fault(swarm_engine *e, station_plan *p, int64_t t) {
  if (e->sc.faults_per_hour <= 0) return NEVER;
  return t + (int64_t)ceil(expo(&p->rng, e->sc.faults_per_hour / HOUR_MS));
}

swarm_engine *swarm_engine_new(const swarm_scenario *sc, int stations, int connectors) {
  if (stations < 1 || connectors < 1 || connectors > BORNE_MAX_CONNECTORS) return NULL;
  swarm_engine *e = calloc(1, sizeof *e);
  if (!e) return NULL;
  e->sc = *sc;
  e->stations = stations;
  e->connectors = connectors;
  for (int h = 0; h < 24; h++)
    if (sc->profile[h] > e->profile_max) e->profile_max = sc->profile[h];
  e->st = calloc((size_t)stations, sizeof *e->st);
  e->slots = calloc((size_t)stations * (size_t)connectors * 2, sizeof *e->slots);
  if (!e->st || !e->slots) {
    swarm_engine_free(e);
    return NULL;
  }
  for (int i = 0; i < stations; i++) {
    station_plan *p = &e->st[i];
    p->rng = sc->seed * 0x2545f4914f6cdd1dULL + (uint64_t)i * 0x9e3779b97f4a7c15ULL + 1;
    p->leave_at = e->slots + (size_t)i * (size_t)connectors * 2;
    p->clear_at = p->leave_at + connectors;
    for (int c = 0; c < connectors; c++) p->leave_at[c] = p->clear_at[c] = NEVER;
    for (int o = 0; o < sc->outage_count; o++)
      p->outage_from[o] = uniform(&p->rng) < sc->outages[o].fraction ? sc->outages[o].at_ms : NEVER;
    p->reboot_at =
        sc->boot_storm
            ? sc->boot_storm_at_ms + (int64_t)(uniform(&p->rng) * (double)sc->boot_storm_window_ms)
            : NEVER;
    p->next_arrival = draw_arrival(e, p, 0);
    p->next_fault = draw_fault(e, p, 0);
  }
  return e;
}

void swarm_engine_free(swarm_engine *e) {
  if (!e) return;
  free(e->st);
  free(e->slots);
  free(e);
}

long swarm_engine_turned_away(const swarm_engine *e) { return e->turned_away; }

void swarm_engine_run(swarm_engine *e, int64_t now_ms, void (*fn)(void *ctx, const swarm_event *ev),
                      void *ctx) {
  for (int i = 0; i < e->stations; i++) {
    station_plan *p = &e->st[i];
    for (;;) {
      /* the earliest of this station's pending events */
      int64_t t = p->next_arrival;
      int what = 0, which = 0;
      if (p->next_fault < t) t = p->next_fault, what = 1;
      if (p->reboot_at < t) t = p->reboot_at, what = 2;
      for (int c = 0; c < e->connectors; c++) {
        if (p->leave_at[c] < t) t = p->leave_at[c], what = 3, which = c;
        if (p->clear_at[c] < t) t = p->clear_at[c], what = 4, which = c;
      }
      for (int o = 0; o < e->sc.outage_count; o++) {
        if (p->outage_from[o] == NEVER || p->outage_state[o] == 2) continue;
        int64_t at = p->outage_state[o] == 0 ? p->outage_from[o]
                                             : p->outage_from[o] + e->sc.outages[o].length_ms;
        if (at < t) t = at, what = 5, which = o;
      }
      if (t == NEVER || t > now_ms) break;
      swarm_event ev = {.at_ms = t, .station = i};
      switch (what) {
      case 0: { /* a car: the first free connector without a fault */
        p->next_arrival = draw_arrival(e, p, t);
        int c = -1;
        for (int k = 0; k < e->connectors && c < 0; k++)
          if (p->leave_at[k] == NEVER && p->clear_at[k] == NEVER) c = k;
        if (c < 0) {
          e->turned_away++;
          continue;
        }
        double minutes = clipped_normal(&p->rng, &e->sc.session_min);
        ev.kind = SWARM_EV_ARRIVE;
        ev.connector = c + 1;
        ev.energy_wh = clipped_normal(&p->rng, &e->sc.energy_kwh) * 1000.0;
        ev.known = uniform(&p->rng) >= e->sc.unknown_share;
        if (ev.known)
          snprintf(ev.uid, sizeof ev.uid, "%s%04d", e->sc.badge_prefix,
                   1 + (int)(next_u64(&p->rng) % (uint64_t)e->sc.badge_count));
        else
          snprintf(ev.uid, sizeof ev.uid, "UNKNOWN%08X", (unsigned)(next_u64(&p->rng) >> 32));
        p->leave_at[c] = t + (int64_t)(minutes * 60000.0);
        break;
      }
      case 1: { /* a fault on a random connector that has none */
        p->next_fault = draw_fault(e, p, t);
        int c = (int)(next_u64(&p->rng) % (uint64_t)e->connectors);
        if (p->clear_at[c] != NEVER) continue;
        p->clear_at[c] = t + e->sc.fault_length_ms;
        ev.kind = SWARM_EV_FAULT;
        ev.connector = c + 1;
        break;
      }
      case 2:
        p->reboot_at = NEVER;
        ev.kind = SWARM_EV_REBOOT;
        break;
      case 3:
        p->leave_at[which] = NEVER;
        ev.kind = SWARM_EV_LEAVE;
        ev.connector = which + 1;
        break;
      case 4:
        p->clear_at[which] = NEVER;
        ev.kind = SWARM_EV_FAULT_CLEAR;
        ev.connector = which + 1;
        break;
      default:
        ev.kind = p->outage_state[which] == 0 ? SWARM_EV_OFFLINE : SWARM_EV_ONLINE;
        p->outage_state[which]++;
        break;
      }
      fn(ctx, &ev);
    }
  }
}
