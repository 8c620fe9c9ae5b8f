/*
 * Modbus meters attached to the station: builds the buses from meter.NAME.*
 * (one bus per port, meters on it polled in turn by its worker), gives each
 * connector with connector.N.meter its readings (station_set_meter_source,
 * phases mapped by connector.N.meter_phases), publishes the grid meter's
 * readings (station_grid_sample "meter") and the PV inverter's
 * (solar.inverter: "inverter"), judges plausibility, counts
 * failures and, when meter.required, faults the connector
 * (CS_EV_METER_FAULT -> 802 PowerMeterFailure) after
 * meter.failures_before_fault failed polls in a row, until the meter answers
 * again. Adds a `meter` object to each metered connector of
 * GET /api/v1/status and `grid_meter` to the station object.
 * Runs on the loop thread only; blocking Modbus I/O stays in meter_bus.c.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meter/meter_bus.h"
#include "meter/meter_map.h"
#include "meter/meter_module.h"
#include "station/station.h"
#include "util/log.h"

#define MOD "metering"
#define METERING_MAX 32

typedef struct metering metering;

typedef struct {
  metering *owner;
  char name[CONFIG_NAME_MAX + 1];
  meter_map map;
  char port[256];
  int unit_id;
  meter_bus *bus;
  int connector; /* 0: not a connector's meter */
  bool grid;
  bool inverter;   /* solar.inverter: its production feeds solar charging */
  int phase_of[3]; /* connector phase i <- meter phase phase_of[i] (-1: none) */
  meter_limits limits;
  /* state */
  bool answered;         /* at least one result */
  meter_result last;     /* latest result (counters) */
  bool reading_ok;       /* latest poll gave a plausible reading */
  meter_reading reading; /* latest plausible reading, connector phase order */
  meter_reading prev;    /* in meter phase order, for the backwards check */
  bool have_prev;
  char error[192];
  uint64_t implausible;
  int failures_in_row;
  bool faulted;
} metered;

/* Result routing: a bus knows its meters by index. */
typedef struct {
  metering *mt;
  metered *by_index[METER_BUS_MAX_METERS];
} bus_ctx;

/* The tables are sized to the meters configured (at most METERING_MAX, about
 * 3.6 kB each): a station without a Modbus meter allocates none (issue 15). */
struct metering {
  station *st;
  metered *meters; /* cap */
  int count, cap;
  meter_bus **buses; /* cap: a bus serves one meter at least */
  bus_ctx *bctx;     /* cap */
  char (*bus_port)[256];
  int bus_count;
  int failures_before_fault;
  bool required;
  bool closed;
};

static void map_phases(const metered *m, const meter_reading *in, meter_reading *out) {
  *out = *in;
  bool single = m->phase_of[1] < 0;
  for (int i = 0; i < 3; i++) {
    int p = m->phase_of[i];
    out->voltage_v[i] = p >= 0 ? in->voltage_v[p] : 0;
    out->current_a[i] = p >= 0 ? in->current_a[p] : 0;
    out->power_w[i] = p >= 0 ? in->power_w[p] : 0;
  }
  /* A 1-phase point on a 3-phase meter: its power is its phase's, when the
   * map has per-phase power (else the meter's total is all there is). */
  if (single && m->map.field[MQ_POWER_L1 + m->phase_of[0]].present)
    out->power_total_w = in->power_w[m->phase_of[0]];
}

static void set_fault(metering *mt, metered *m, bool failed) {
  station *st = mt->st;
  if (!m->connector || st->closing) return;
  if (failed) {
    if (m->faulted || !mt->required) return;
    m->faulted = true;
    station_event(st, m->connector, "meter_fault",
                  "meter %s failed %d polls in a row: %s; connector out of service "
                  "(PowerMeterFailure)",
                  m->name, m->failures_in_row, m->error);
  } else {
    if (!m->faulted) return;
    m->faulted = false;
    station_event(st, m->connector, "meter_recovered", "meter %s answers again", m->name);
  }
  station_connector_event(st, m->connector, &(cs_event){.type = CS_EV_METER_FAULT, .flag = failed});
}

static void publish_grid(metering *mt, const meter_reading *r) {
  grid_sample g = {.at = r->at, .has_current = true, .has_power = true};
  for (int i = 0; i < 3; i++) {
    g.current_a[i] = r->current_a[i];
    g.power_w[i] = r->power_w[i];
  }
  g.power_total_w = r->power_total_w;
  station_grid_sample(mt->st, "meter", &g);
}

/* The PV inverter's production, for solar charging (energy's "inverter"). */
static void publish_inverter(metering *mt, const meter_reading *r) {
  grid_sample g = {.at = r->at, .has_power = true, .power_total_w = r->power_total_w};
  for (int i = 0; i < 3; i++) g.power_w[i] = r->power_w[i];
  station_grid_sample(mt->st, "inverter", &g);
}

static void on_result(void *ctx, int index, const meter_result *r) {
  bus_ctx *bc = ctx;
  metering *mt = bc->mt;
  if (mt->closed || mt->st->closing) return;
  metered *m = bc->by_index[index];
  bool was_ok = m->answered && m->reading_ok;
  m->answered = true;
  m->last = *r;
  bool ok = r->status == MB_OK;
  if (ok) {
    meter_reading cur = r->reading;
    cur.at = clock_now(&mt->st->clock);
    char why[160];
    meter_plausibility p =
        meter_check(m->have_prev ? &m->prev : NULL, &cur, &m->limits, why, sizeof why);
    if (p != MP_OK) {
      ok = false;
      m->implausible++;
      snprintf(m->error, sizeof m->error, "meter %s: implausible (%s): %s", m->name,
               meter_plausibility_name(p), why);
    } else {
      m->prev = cur;
      m->have_prev = true;
      map_phases(m, &cur, &m->reading);
    }
  } else {
    if (r->status == MB_DECODE) m->implausible++;
    snprintf(m->error, sizeof m->error, "meter %s: %s: %s", m->name,
             meter_poll_status_name(r->status), r->error);
  }
  m->reading_ok = ok;
  if (ok) {
    m->error[0] = '\0';
    m->failures_in_row = 0;
    set_fault(mt, m, false);
    if (m->grid) publish_grid(mt, &m->prev);
    if (m->inverter) publish_inverter(mt, &m->prev);
  } else {
    m->failures_in_row++;
    if (m->failures_in_row >= mt->failures_before_fault) set_fault(mt, m, true);
  }
  /* A change between answering and failing shows at once (events, status). */
  if (m->connector && ok != was_ok) station_read_meter(mt->st, m->connector);
}

static int meter_source(void *ctx, int connector, meter_reading *out, char *err, size_t errlen) {
  (void)connector;
  metered *m = ctx;
  if (!m->answered) {
    snprintf(err, errlen, "meter %s: no answer yet", m->name);
    return -1;
  }
  if (!m->reading_ok) {
    snprintf(err, errlen, "%s", m->error);
    return -1;
  }
  *out = m->reading;
  return 0;
}

static json_t *meter_json(const metered *m) {
  const meter_counters *c = &m->last.counters;
  json_t *o = json_object();
  json_object_set_new(o, "name", json_string(m->name));
  json_object_set_new(o, "model", json_string(m->map.name));
  json_object_set_new(o, "model_name", json_string(m->map.model));
  json_object_set_new(o, "port", json_string(m->port));
  json_object_set_new(o, "unit_id", json_integer(m->unit_id));
  json_object_set_new(o, "ok", json_boolean(m->answered && m->reading_ok));
  json_object_set_new(o, "error", m->error[0] ? json_string(m->error) : json_null());
  json_object_set_new(o, "failures_in_row", json_integer(m->failures_in_row));
  json_object_set_new(o, "faulted", json_boolean(m->faulted));
  json_object_set_new(o, "polls", json_integer((json_int_t)c->polls));
  json_object_set_new(o, "timeouts", json_integer((json_int_t)c->timeouts));
  json_object_set_new(o, "crc_errors", json_integer((json_int_t)c->crc_errors));
  json_object_set_new(o, "exceptions", json_integer((json_int_t)c->exceptions));
  json_object_set_new(o, "bad_frames", json_integer((json_int_t)c->bad_frames));
  json_object_set_new(o, "io_errors", json_integer((json_int_t)c->io_errors));
  json_object_set_new(o, "implausible", json_integer((json_int_t)m->implausible));
  json_object_set_new(o, "poll_ms", json_real(m->last.poll_ms));
  /* what the connector status lacks: power per phase and the frequency (connector phase order) */
  json_t *p = json_array();
  for (int i = 0; i < 3; i++) json_array_append_new(p, json_real(m->reading.power_w[i]));
  json_object_set_new(o, "power_w", p);
  json_object_set_new(o, "frequency_hz", json_real(m->reading.frequency_hz));
  return o;
}

static void status_json(void *ctx, int connector, json_t *obj) {
  metering *mt = ctx;
  for (int i = 0; i < mt->count; i++) {
    const metered *m = &mt->meters[i];
    if (connector > 0 && m->connector == connector)
      json_object_set_new(obj, "meter", meter_json(m));
    if (connector == 0 && m->grid) json_object_set_new(obj, "grid_meter", meter_json(m));
    if (connector == 0 && m->inverter) json_object_set_new(obj, "inverter", meter_json(m));
  }
}

static void closing(void *ctx) {
  metering *mt = ctx;
  if (mt->closed) return;
  mt->closed = true;
  for (int b = 0; b < mt->bus_count; b++) meter_bus_close(mt->buses[b]);
  for (int c = 1; c <= station_connector_count(mt->st); c++)
    station_set_meter_source(mt->st, c, NULL, NULL);
}

static void free_metering(void *ctx) {
  metering *mt = ctx;
  if (!mt) return;
  free(mt->meters);
  free(mt->buses);
  free(mt->bctx);
  free(mt->bus_port);
  free(mt);
}

/* ---------- building from the configuration ---------- */

typedef struct {
  metering *mt;
  char *err;
  size_t errlen;
  const char *dir;
  int rc;
} build_ctx;

static int add_meter(void *ctx, const char *key, const char *value) {
  build_ctx *b = ctx;
  metering *mt = b->mt;
  const char *name = key + 6;
  size_t n = strlen(name);
  if (strncmp(key, "meter.", 6) != 0 || n < 7 || strcmp(name + n - 6, ".model") != 0) return 0;
  n -= 6;
  if (n > CONFIG_NAME_MAX || mt->count == mt->cap) return 0; /* config checks refuse it */
  metered *m = &mt->meters[mt->count];
  memset(m, 0, sizeof *m);
  m->owner = mt;
  memcpy(m->name, name, n);
  m->name[n] = '\0';
  if (meter_map_load(&m->map, b->dir, value, b->err, b->errlen) != 0) {
    b->rc = -1;
    return 1;
  }
  char k[96];
  snprintf(k, sizeof k, "meter.%s.port", m->name);
  const char *port = config_get(mt->st->cfg, k);
  snprintf(m->port, sizeof m->port, "%s", port ? port : "");
  snprintf(k, sizeof k, "meter.%s.unit_id", m->name);
  m->unit_id = (int)config_get_int(mt->st->cfg, k);
  for (int i = 0; i < 3; i++) m->phase_of[i] = i;
  mt->count++;
  return 0;
}

static metered *find_meter(metering *mt, const char *name) {
  for (int i = 0; i < mt->count; i++)
    if (strcmp(mt->meters[i].name, name) == 0) return &mt->meters[i];
  return NULL;
}

static meter_bus *bus_for(metering *mt, const metered *m, bus_ctx **bc_out, char *err,
                          size_t errlen) {
  for (int b = 0; b < mt->bus_count; b++)
    if (strcmp(mt->bus_port[b], m->port) == 0) {
      *bc_out = &mt->bctx[b];
      return mt->buses[b];
    }
  if (mt->bus_count == mt->cap) {
    snprintf(err, errlen, "too many meter buses");
    return NULL;
  }
  char k[96];
  snprintf(k, sizeof k, "meter.%s.serial", m->name);
  bus_ctx *bc = &mt->bctx[mt->bus_count];
  bc->mt = mt;
  meter_bus_config cfg = {
      .port = m->port,
      .serial = config_get(mt->st->cfg, k),
      .poll_interval_ms = (int)config_get_int(mt->st->cfg, "meter.poll_interval_ms"),
  };
  meter_bus *bus = meter_bus_new(mt->st->loop, &cfg, on_result, bc, err, errlen);
  if (!bus) return NULL;
  int b = mt->bus_count++;
  mt->buses[b] = bus;
  snprintf(mt->bus_port[b], sizeof mt->bus_port[b], "%s", m->port);
  *bc_out = bc;
  return bus;
}

/* Counts the meter.NAME.model keys set. */
static int count_meter(void *ctx, const char *key, const char *value) {
  (void)value;
  size_t n = strlen(key);
  if (strncmp(key, "meter.", 6) == 0 && n >= 13 && strcmp(key + n - 6, ".model") == 0)
    (*(int *)ctx)++;
  return 0;
}

int meter_attach(station *st, char *err, size_t errlen) {
  int cap = 0;
  config_each_set(st->cfg, count_meter, &cap);
  if (cap == 0) return 0; /* no Modbus meter: the HAL's meter (simulator) or none */
  if (cap > METERING_MAX) cap = METERING_MAX;
  metering *mt = calloc(1, sizeof *mt);
  if (mt) {
    mt->cap = cap;
    mt->meters = calloc((size_t)cap, sizeof *mt->meters);
    mt->buses = calloc((size_t)cap, sizeof *mt->buses);
    mt->bctx = calloc((size_t)cap, sizeof *mt->bctx);
    mt->bus_port = calloc((size_t)cap, sizeof *mt->bus_port);
  }
  if (!mt || !mt->meters || !mt->buses || !mt->bctx || !mt->bus_port) {
    free_metering(mt);
    snprintf(err, errlen, "metering: out of memory");
    return -1;
  }
  mt->st = st;
  mt->failures_before_fault = (int)config_get_int(st->cfg, "meter.failures_before_fault");
  mt->required = config_get_bool(st->cfg, "meter.required");
  const char *dir = config_get(st->cfg, "meter.maps_dir");
  build_ctx b = {.mt = mt,
                 .err = err,
                 .errlen = errlen,
                 .dir = dir && dir[0] ? dir : meter_maps_dir_default()};
  config_each_set(st->cfg, add_meter, &b);
  if (b.rc != 0) {
    free_metering(mt);
    return -1;
  }
  if (mt->count == 0) {
    free_metering(mt);
    return 0; /* no Modbus meter: the HAL's meter (simulator) or none */
  }
  char k[64];
  for (int c = 1; c <= station_connector_count(st); c++) {
    snprintf(k, sizeof k, "connector.%d.meter", c);
    const char *name = config_get(st->cfg, k);
    if (!name || !name[0]) continue;
    metered *m = find_meter(mt, name);
    if (!m) {
      snprintf(err, errlen, "%s: meter '%s' is not defined", k, name);
      free_metering(mt);
      return -1;
    }
    m->connector = c;
    snprintf(k, sizeof k, "connector.%d.phases", c);
    int phases = (int)config_get_int(st->cfg, k);
    snprintf(k, sizeof k, "connector.%d.meter_phases", c);
    const char *map = config_get(st->cfg, k);
    if (!map || !map[0]) map = "L1L2L3";
    size_t named = strlen(map) / 2;
    for (int i = 0; i < 3; i++)
      m->phase_of[i] = (i < (int)named && (phases == 3 || i == 0)) ? map[2 * i + 1] - '1' : -1;
    snprintf(k, sizeof k, "connector.%d.breaker_a", c);
    m->limits = (meter_limits){.breaker_a = config_get_number(st->cfg, k),
                               .phases = phases,
                               .nominal_voltage = 230,
                               .margin = 1.5};
  }
  const char *grid = config_get(st->cfg, "grid.meter");
  if (grid && grid[0]) {
    metered *m = find_meter(mt, grid);
    if (!m) {
      snprintf(err, errlen, "grid.meter: meter '%s' is not defined", grid);
      free_metering(mt);
      return -1;
    }
    m->grid = true;
  }
  const char *inv = config_get(st->cfg, "solar.inverter");
  if (inv && inv[0]) {
    metered *m = find_meter(mt, inv);
    if (!m) {
      snprintf(err, errlen, "solar.inverter: meter '%s' is not defined", inv);
      free_metering(mt);
      return -1;
    }
    m->inverter = true;
  }
  for (int i = 0; i < mt->count; i++) {
    metered *m = &mt->meters[i];
    bus_ctx *bc = NULL;
    m->bus = bus_for(mt, m, &bc, err, errlen);
    if (!m->bus) goto fail;
    snprintf(k, sizeof k, "meter.%.32s.timeout_ms", m->name);
    int idx =
        meter_bus_add(m->bus, &m->map, m->unit_id, (int)config_get_int(st->cfg, k), err, errlen);
    if (idx < 0) goto fail;
    bc->by_index[idx] = m;
  }
  station_module mod = {.name = "metering",
                        .ctx = mt,
                        .status_json = status_json,
                        .closing = closing,
                        .free = free_metering};
  if (station_add_module(st, &mod) != 0) {
    snprintf(err, errlen, "metering: too many station modules");
    goto fail;
  }
  for (int i = 0; i < mt->count; i++)
    if (mt->meters[i].connector)
      station_set_meter_source(st, mt->meters[i].connector, meter_source, &mt->meters[i]);
  for (int i = 0; i < mt->bus_count; i++)
    if (meter_bus_start(mt->buses[i], err, errlen) != 0) {
      closing(mt); /* the station frees mt through the module's free hook */
      return -1;
    }
  log_info(MOD, "%d meter(s) on %d bus(es)", mt->count, mt->bus_count);
  return 0;
fail:
  /* Workers joined, async handles closing: no callback can reach mt any more. */
  for (int i = 0; i < mt->bus_count; i++) meter_bus_close(mt->buses[i]);
  free_metering(mt);
  return -1;
}
