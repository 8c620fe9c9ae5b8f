/*
 * Configuration keys of the meter module (its table is handed to the
 * registry, see config/config_tables.h): Modbus meters by name
 * (meter.NAME.*), which meter belongs to which connector or to the grid
 * connection, and how failures count. Also the cross-key checks of these
 * keys (check_meters, run by config_check). Data and pure checks only:
 * whether a model's map file exists is checked when the station starts
 * (src/meter/meter_module.c), not here.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_tables.h"
#include "util/errbuf.h"

static int check_dir(const char *v, char *why, size_t len) {
  if (v[0] != '/' || strlen(v) > 400)
    return errbuf_fail(why, len, "`%s` must be an absolute path", v);
  return 0;
}

/* A meter's name, as the `*` of meter.*.model: 1..32 of a-z 0-9 _. */
static int check_meter_name(const char *v, char *why, size_t len) {
  size_t n = strlen(v);
  if (n < 1 || n > CONFIG_NAME_MAX)
    return errbuf_fail(why, len, "`%s` must be 1 to 32 characters", v);
  for (size_t i = 0; i < n; i++)
    if (!islower((unsigned char)v[i]) && !isdigit((unsigned char)v[i]) && v[i] != '_')
      return errbuf_fail(why, len, "`%s` may only contain a-z 0-9 _ (a meter.NAME)", v);
  return 0;
}

/* A map file name without extension: a-z 0-9 _ - (no path). */
static int check_model(const char *v, char *why, size_t len) {
  size_t n = strlen(v);
  if (n < 1 || n > 63) return errbuf_fail(why, len, "`%s` must be 1 to 63 characters", v);
  for (size_t i = 0; i < n; i++)
    if (!islower((unsigned char)v[i]) && !isdigit((unsigned char)v[i]) && v[i] != '_' &&
        v[i] != '-')
      return errbuf_fail(
          why, len, "`%s`: a file name of the maps folder without .map (a-z 0-9 _ -), e.g. sdm630",
          v);
  return 0;
}

/* tcp://host[:port] or an absolute serial device path. */
static int check_port(const char *v, char *why, size_t len) {
  if (strncmp(v, "tcp://", 6) == 0) {
    const char *host = v + 6;
    const char *colon = strrchr(host, ':');
    size_t hl = colon ? (size_t)(colon - host) : strlen(host);
    if (hl == 0 || hl > 253) return errbuf_fail(why, len, "`%s`: tcp://HOST:PORT needs a host", v);
    for (size_t i = 0; i < hl; i++)
      if (!isalnum((unsigned char)host[i]) && host[i] != '.' && host[i] != '-')
        return errbuf_fail(why, len, "`%s`: bad character in the host name", v);
    if (colon) {
      char *end;
      long p = strtol(colon + 1, &end, 10);
      if (!colon[1] || *end || p < 1 || p > 65535)
        return errbuf_fail(why, len, "`%s`: the port must be 1..65535", v);
    }
    return 0;
  }
  if (v[0] == '/' && strlen(v) < 256 && !strstr(v, "..")) return 0;
  return errbuf_fail(why, len, "`%s`: tcp://HOST:PORT or a serial device path such as /dev/ttyUSB0",
                     v);
}

/* BAUD,8N1: data bits 7|8, parity N|E|O, stop bits 1|2. */
static int check_serial(const char *v, char *why, size_t len) {
  char *end;
  long baud = strtol(v, &end, 10);
  static const long rates[] = {1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200};
  bool rate_ok = false;
  for (size_t i = 0; i < sizeof rates / sizeof rates[0]; i++) rate_ok |= baud == rates[i];
  if (end == v || !rate_ok || end[0] != ',' || (end[1] != '7' && end[1] != '8') ||
      !strchr("NEO", end[2]) || !end[2] || (end[3] != '1' && end[3] != '2') || end[4])
    return errbuf_fail(
        why, len,
        "`%s`: BAUD,DPS such as 9600,8N1 (baud 1200..115200, data 7|8, parity N|E|O, "
        "stop 1|2)",
        v);
  return 0;
}

/* Meter phases feeding connector phases 1..n: "L1L2L3", "L2L3L1", "L2". */
static int check_phases(const char *v, char *why, size_t len) {
  size_t n = strlen(v);
  if (n != 2 && n != 6)
    return errbuf_fail(why, len, "`%s`: L1L2L3 (a permutation) or one of L1 L2 L3", v);
  bool seen[4] = {false};
  for (size_t i = 0; i < n; i += 2) {
    if (v[i] != 'L' || v[i + 1] < '1' || v[i + 1] > '3' || seen[v[i + 1] - '0'])
      return errbuf_fail(why, len, "`%s`: L1L2L3 (a permutation) or one of L1 L2 L3", v);
    seen[v[i + 1] - '0'] = true;
  }
  return 0;
}

static const cfg_key_def rows[] = {
    {"meter.maps_dir", CFG_STRING, NULL, 0, 400, NULL, false,
     "Folder of meter register maps (MODEL.map); unset: the source tree's meters/ in a "
     "development build, else PREFIX/share/borne/meters.",
     "absolute path", check_dir},
    {"meter.*.model", CFG_STRING, NULL, 0, 63, NULL, false,
     "Register map of meter NAME: a file name of the maps folder without .map (sdm630, "
     "sdm72dm, sdm72dm-v2, abb-b23, pac2200, em340, finder-7m, pro380, sunspec-inverter, "
     "sunspec-inverter-float, generic).",
     "map name", check_model},
    {"meter.*.port", CFG_STRING, NULL, 0, 265, NULL, false,
     "Bus of meter NAME: tcp://HOST:PORT (Modbus TCP, port 502 when left out) or a serial "
     "device (Modbus RTU). Meters on the same port share one bus, polled in turn.",
     "tcp://host:port or /dev/...", check_port},
    {"meter.*.serial", CFG_STRING, "9600,8N1", 0, 10, NULL, false,
     "Serial line settings of meter NAME on an RTU port: baud, data bits, parity, stop bits.",
     "BAUD,8N1", check_serial},
    {"meter.*.unit_id", CFG_INT, "1", 1, 247, NULL, false,
     "Modbus unit id (slave address) of meter NAME.", NULL, NULL},
    {"meter.*.timeout_ms", CFG_INT, "500", 20, 10000, NULL, false,
     "Milliseconds meter NAME may take to answer one request before it counts as a timeout.", NULL,
     NULL},
    {"meter.poll_interval_ms", CFG_INT, "1000", 100, 60000, NULL, false,
     "Milliseconds between the starts of two polls of every meter of a bus.", NULL, NULL},
    {"meter.failures_before_fault", CFG_INT, "3", 1, 1000, NULL, false,
     "Failed polls in a row (timeout, CRC error, exception, implausible value) after which a "
     "connector's meter counts as failed.",
     NULL, NULL},
    {"meter.required", CFG_BOOL, "true", 0, 0, NULL, false,
     "Billing grade: a connector whose meter failed goes Faulted (PowerMeterFailure) and does "
     "not charge until it answers again; false for private sites (charge on, unmetered).",
     NULL, NULL},
    {"connector.*.meter", CFG_STRING, NULL, 0, 32, NULL, false,
     "The Modbus meter (a meter.NAME) measuring this connector; unset: the simulator's meter "
     "under hal.backend = sim, none on linux.",
     "meter name", check_meter_name},
    {"connector.*.meter_phases", CFG_STRING, "L1L2L3", 0, 6, NULL, false,
     "Meter phases feeding connector phases 1, 2, 3 (L2L3L1 for a rotated wiring), or the one "
     "meter phase of a single-phase connector (L2; with three named, a 1-phase connector "
     "uses the first).",
     "L1L2L3 or L1|L2|L3", check_phases},
    {"grid.meter", CFG_STRING, NULL, 0, 32, NULL, false,
     "The Modbus meter (a meter.NAME) at the building's grid connection, for energy management.",
     "meter name", check_meter_name},
    {0},
};

/* ---------- cross-key checks ---------- */

typedef struct {
  char names[32][CONFIG_NAME_MAX + 1];
  int count;
} name_list;

static int collect_meter(void *ctx, const char *key, const char *value) {
  (void)value;
  name_list *l = ctx;
  if (strncmp(key, "meter.", 6) != 0) return 0;
  const char *name = key + 6, *dot = strchr(name, '.');
  if (!dot) return 0; /* meter.required, meter.poll_interval_ms ... */
  size_t n = (size_t)(dot - name);
  if (n > CONFIG_NAME_MAX) return 0;
  for (int i = 0; i < l->count; i++)
    if (strlen(l->names[i]) == n && strncmp(l->names[i], name, n) == 0) return 0;
  if (l->count == 32) return 1;
  memcpy(l->names[l->count], name, n);
  l->names[l->count++][n] = '\0';
  return 0;
}

static const char *meter_get(const config *c, const char *name, const char *what, char *key,
                             size_t len) {
  snprintf(key, len, "meter.%s.%s", name, what);
  return config_get(c, key);
}

static int check_defined(const config *c, const char *ref_key, const char *name, char *err,
                         size_t errlen) {
  char key[96];
  const char *model = meter_get(c, name, "model", key, sizeof key);
  const char *port = meter_get(c, name, "port", key, sizeof key);
  if (!model || !model[0] || !port || !port[0]) {
    errbuf_setf(err, errlen, "%s: meter '%s' is not defined (set meter.%s.model and meter.%s.port)",
                ref_key, name, name, name);
    return -1;
  }
  return 0;
}

static int check_meters(const config *c, char *err, size_t errlen) {
  name_list l = {.count = 0};
  if (config_each_set(c, collect_meter, &l) != 0) {
    errbuf_setf(err, errlen, "meter: more than 32 meters defined");
    return -1;
  }
  char key[96], key2[96];
  for (int i = 0; i < l.count; i++) {
    const char *model = meter_get(c, l.names[i], "model", key, sizeof key);
    if (!model || !model[0]) {
      errbuf_setf(err, errlen, "%s: required for meter '%s'", key, l.names[i]);
      return -1;
    }
    const char *port = meter_get(c, l.names[i], "port", key, sizeof key);
    if (!port || !port[0]) {
      errbuf_setf(err, errlen, "%s: required for meter '%s'", key, l.names[i]);
      return -1;
    }
    snprintf(key, sizeof key, "meter.%s.unit_id", l.names[i]);
    long unit = config_get_int(c, key);
    for (int j = 0; j < i; j++) {
      const char *port2 = meter_get(c, l.names[j], "port", key2, sizeof key2);
      snprintf(key2, sizeof key2, "meter.%s.unit_id", l.names[j]);
      if (port2 && strcmp(port, port2) == 0 && config_get_int(c, key2) == unit) {
        errbuf_setf(err, errlen, "%s: meters '%s' and '%s' share port %s and unit id %ld", key,
                    l.names[j], l.names[i], port, unit);
        return -1;
      }
      if (port2 && strcmp(port, port2) == 0 && strncmp(port, "tcp://", 6) != 0) {
        const char *s1 = meter_get(c, l.names[i], "serial", key, sizeof key);
        const char *s2 = meter_get(c, l.names[j], "serial", key2, sizeof key2);
        if (s1 && s2 && strcmp(s1, s2) != 0) {
          errbuf_setf(err, errlen, "%s: %s differs from %s (%s) on the same serial bus %s", key, s1,
                      key2, s2, port);
          return -1;
        }
      }
    }
  }
  long connectors = config_get_int(c, "station.connectors");
  for (int n = 1; n <= connectors; n++) {
    snprintf(key, sizeof key, "connector.%d.meter", n);
    const char *name = config_get(c, key);
    char pk[64], phk[64];
    snprintf(phk, sizeof phk, "connector.%d.phases", n);
    snprintf(pk, sizeof pk, "connector.%d.meter_phases", n);
    if (!name || !name[0]) continue;
    const char *map = config_get(c, pk);
    if (map && strlen(map) == 2 && config_get_int(c, phk) == 3) {
      errbuf_setf(err, errlen,
                  "%s: %s is one phase but %s = 3: name the three meter phases (L1L2L3)", pk, map,
                  phk);
      return -1;
    }
    if (check_defined(c, key, name, err, errlen) != 0) return -1;
    for (int m = 1; m < n; m++) {
      snprintf(key2, sizeof key2, "connector.%d.meter", m);
      const char *other = config_get(c, key2);
      if (other && strcmp(other, name) == 0) {
        errbuf_setf(err, errlen, "%s: meter '%s' already measures connector %d", key, name, m);
        return -1;
      }
    }
  }
  const char *grid = config_get(c, "grid.meter");
  if (grid && grid[0] && check_defined(c, "grid.meter", grid, err, errlen) != 0) return -1;
  const char *inv = config_get(c, "solar.inverter");
  if (inv && inv[0] && check_defined(c, "solar.inverter", inv, err, errlen) != 0) return -1;
  return 0;
}

const cfg_key_table meter_keys = {"meter", rows, check_meters};
