/*
 * Topics, state payloads, the command decoder and the Home Assistant
 * discovery payloads of the MQTT module, kept pure so that they are tested
 * and fuzzed without a broker. The entity fields follow Home Assistant's
 * MQTT documentation (sensor, binary_sensor, number, select, button,
 * switch: https://www.home-assistant.io/integrations/<type>.mqtt/).
 */
#include "mqtt/mqtt_proto.h"

#include <ctype.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int mqtt_topic(char *buf, size_t len, const char *prefix, const char *id, const char *rest) {
  int n = snprintf(buf, len, "%s/%s/%s", prefix, id, rest);
  return n < 0 || (size_t)n >= len ? -1 : 0;
}

static char *dump(json_t *o) {
  char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(10));
  json_decref(o);
  return s;
}

/* one decimal is what a meter or a pilot gives; fewer changes to publish */
static json_t *num(double v) { return json_real(round(v * 10.0) / 10.0); }

char *mqtt_connector_state_json(const mqtt_connector_state *s) {
  json_t *o = json_object();
  json_object_set_new(o, "status", json_string(s->status));
  json_object_set_new(o, "cp_state", json_string(s->cp_state));
  json_object_set_new(o, "power_w", num(s->power_w));
  json_object_set_new(o, "energy_wh", num(s->energy_wh));
  json_object_set_new(o, "session_energy_wh", num(s->has_session ? s->session_wh : 0));
  json_object_set_new(o, "session", json_boolean(s->has_session));
  json_object_set_new(o, "offered_a", num(s->offered_a));
  json_t *a = json_array();
  for (int i = 0; i < 3; i++) json_array_append_new(a, num(s->current_a[i]));
  json_object_set_new(o, "current_a", a);
  json_object_set_new(o, "limited_by", s->limited_by ? json_string(s->limited_by) : json_null());
  json_object_set_new(o, "charge_mode", json_string(s->charge_mode));
  json_object_set_new(o, "enabled", json_boolean(s->enabled));
  json_object_set_new(o, "current_limit_a", s->limit_a >= 0 ? num(s->limit_a) : json_null());
  json_object_set_new(o, "error", s->error ? json_string(s->error) : json_null());
  return dump(o);
}

static bool any_of(const char *const *statuses, int n, const char *const *names) {
  for (int i = 0; i < n; i++)
    for (const char *const *k = names; *k; k++)
      if (statuses[i] && strcmp(statuses[i], *k) == 0) return true;
  return false;
}

const char *mqtt_station_status(const char *const *statuses, int n) {
  static const char *const charging[] = {"Charging", NULL};
  static const char *const occupied[] = {"Preparing", "SuspendedEV", "SuspendedEVSE",
                                         "Finishing", "Reserved",    NULL};
  static const char *const available[] = {"Available", NULL};
  static const char *const faulted[] = {"Faulted", NULL};
  if (any_of(statuses, n, charging)) return "Charging";
  if (any_of(statuses, n, occupied)) return "Occupied";
  if (any_of(statuses, n, available)) return "Available";
  if (any_of(statuses, n, faulted)) return "Faulted";
  return "Unavailable";
}

char *mqtt_station_state_json(const mqtt_station_state *s) {
  json_t *o = json_object();
  json_object_set_new(o, "status", json_string(s->status ? s->status : "Unavailable"));
  json_object_set_new(o, "backend", json_string(s->backend));
  json_object_set_new(o, "site_limit_a", s->site_limit_a >= 0 ? num(s->site_limit_a) : json_null());
  json_object_set_new(o, "connectors", json_integer(s->connectors));
  return dump(o);
}

/* ---------- commands ---------- */

static const char *const charge_modes[] = {"normal", "solar", "solar_min", "offpeak_or_solar",
                                           NULL};

static int fail(char *err, size_t errlen, const char *fmt, const char *arg) {
  snprintf(err, errlen, fmt, arg);
  return -1;
}

/* amps, or "" / "none" / "null" (clear): -1 when neither */
static int parse_amps(const char *t, double max, double *out) {
  if (!t[0] || strcmp(t, "none") == 0 || strcmp(t, "null") == 0) {
    *out = -1;
    return 0;
  }
  char *end;
  double v = strtod(t, &end);
  if (end == t || *end || !isfinite(v) || v < 0 || v > max) return -1;
  *out = v;
  return 0;
}

int mqtt_command_parse(const char *prefix, const char *id, int connectors, const char *topic,
                       const void *payload, size_t len, mqtt_command *out, char *err,
                       size_t errlen) {
  memset(out, 0, sizeof *out);
  out->amps = -1;
  size_t pl = strlen(prefix), il = strlen(id);
  if (strncmp(topic, prefix, pl) != 0 || topic[pl] != '/' || strncmp(topic + pl + 1, id, il) != 0 ||
      topic[pl + 1 + il] != '/')
    return 1;
  const char *rest = topic + pl + il + 2;
  const char *name;
  if (strncmp(rest, "connector/", 10) == 0) {
    const char *p = rest + 10;
    char *end;
    long n = strtol(p, &end, 10);
    if (end == p || !isdigit((unsigned char)*p) || strncmp(end, "/set/", 5) != 0) return 1;
    name = end + 5;
    snprintf(out->name, sizeof out->name, "%s", name);
    if (n < 1 || n > connectors) {
      snprintf(err, errlen, "no connector %ld on this station (1..%d)", n, connectors);
      return -1;
    }
    out->connector = (int)n;
  } else if (strncmp(rest, "set/", 4) == 0) {
    name = rest + 4;
    snprintf(out->name, sizeof out->name, "%s", name);
  } else {
    return 1;
  }
  /* the payload as text: short, printable, trimmed */
  const unsigned char *b = payload;
  while (len && isspace(b[len - 1])) len--;
  while (len && isspace(b[0])) b++, len--;
  if (len >= sizeof out->text) return fail(err, errlen, "%s: payload too long", out->name);
  for (size_t i = 0; i < len; i++)
    if (b[i] < 0x20 || b[i] > 0x7e)
      return fail(err, errlen, "%s: payload must be printable ASCII text", out->name);
  char t[sizeof out->text];
  if (len) memcpy(t, b, len); /* an empty message comes as NULL */
  t[len] = 0;
  if (out->connector == 0) {
    if (strcmp(name, "site_limit_a") == 0) {
      out->kind = MQTT_CMD_SITE_LIMIT;
      if (parse_amps(t, 2000, &out->amps) != 0)
        return fail(err, errlen, "site_limit_a: `%s` is not a current in A (or empty to clear)", t);
      return 0;
    }
    return fail(err, errlen, "unknown station command `%s` (site_limit_a)", name);
  }
  if (strcmp(name, "current_limit_a") == 0) {
    out->kind = MQTT_CMD_CURRENT_LIMIT;
    if (parse_amps(t, 80, &out->amps) != 0)
      return fail(err, errlen,
                  "current_limit_a: `%s` is not a current between 0 and 80 A (or empty to clear)",
                  t);
    return 0;
  }
  if (strcmp(name, "charge_mode") == 0) {
    out->kind = MQTT_CMD_CHARGE_MODE;
    for (int i = 0; charge_modes[i]; i++)
      if (strcmp(t, charge_modes[i]) == 0) {
        snprintf(out->text, sizeof out->text, "%s", t);
        return 0;
      }
    return fail(err, errlen,
                "charge_mode: `%s` is not one of normal, solar, solar_min, offpeak_or_solar", t);
  }
  if (strcmp(name, "start") == 0) {
    out->kind = MQTT_CMD_START;
    /* a Home Assistant button sends PRESS: start without a badge */
    if (strcmp(t, "PRESS") != 0) snprintf(out->text, sizeof out->text, "%s", t);
    for (const char *c = out->text; *c; c++)
      if (!isalnum((unsigned char)*c) && *c != '-' && *c != '_' && *c != ':')
        return fail(err, errlen,
                    "start: badge `%s` has characters other than A-Z 0-9 - _ :", out->text);
    return 0;
  }
  if (strcmp(name, "stop") == 0) {
    out->kind = MQTT_CMD_STOP;
    return 0;
  }
  if (strcmp(name, "enabled") == 0) {
    out->kind = MQTT_CMD_ENABLED;
    if (!strcmp(t, "ON") || !strcmp(t, "on") || !strcmp(t, "true") || !strcmp(t, "1"))
      out->on = true;
    else if (!strcmp(t, "OFF") || !strcmp(t, "off") || !strcmp(t, "false") || !strcmp(t, "0"))
      out->on = false;
    else
      return fail(err, errlen, "enabled: `%s` is neither ON nor OFF", t);
    return 0;
  }
  return fail(err, errlen,
              "unknown command `%s` (current_limit_a, charge_mode, start, stop, enabled)", name);
}

char *mqtt_result_json(const char *topic, const mqtt_command *cmd, bool ok, const char *error) {
  json_t *o = json_object();
  json_object_set_new(o, "topic", json_string(topic));
  if (cmd && cmd->name[0]) json_object_set_new(o, "command", json_string(cmd->name));
  if (cmd && cmd->connector) json_object_set_new(o, "connector", json_integer(cmd->connector));
  json_object_set_new(o, "ok", json_boolean(ok));
  if (!ok) json_object_set_new(o, "error", json_string(error ? error : "refused"));
  /* a topic with bytes that are not UTF-8 makes json_string fail: say so plainly */
  if (!json_object_get(o, "topic")) json_object_set_new(o, "topic", json_string("(not UTF-8)"));
  return dump(o);
}

/* ---------- Home Assistant discovery ---------- */

typedef struct {
  const char *component; /* sensor, binary_sensor, number, select, button, switch */
  const char *key;       /* object id suffix */
  const char *en, *fr;   /* entity name */
  const char *device_class, *state_class, *unit;
  const char *value_template; /* NULL: no state topic (buttons) */
  const char *command;        /* set/<command> */
} entity_def;

/* {n}: replaced by the connector's number */
static const entity_def connector_entities[] = {
    {"sensor", "status", "Status {n}", "État {n}", NULL, NULL, NULL, "{{ value_json.status }}",
     NULL},
    {"sensor", "cp_state", "Pilot state {n}", "État du pilote {n}", NULL, NULL, NULL,
     "{{ value_json.cp_state }}", NULL},
    {"sensor", "power", "Power {n}", "Puissance {n}", "power", "measurement", "W",
     "{{ value_json.power_w }}", NULL},
    {"sensor", "energy", "Energy {n}", "Énergie {n}", "energy", "total_increasing", "Wh",
     "{{ value_json.energy_wh }}", NULL},
    {"sensor", "session_energy", "Session energy {n}", "Énergie de la charge {n}", "energy",
     "total", "Wh", "{{ value_json.session_energy_wh }}", NULL},
    {"sensor", "offered_current", "Offered current {n}", "Courant proposé {n}", "current",
     "measurement", "A", "{{ value_json.offered_a }}", NULL},
    {"sensor", "current_l1", "Current L1 {n}", "Courant L1 {n}", "current", "measurement", "A",
     "{{ value_json.current_a[0] }}", NULL},
    {"sensor", "current_l2", "Current L2 {n}", "Courant L2 {n}", "current", "measurement", "A",
     "{{ value_json.current_a[1] }}", NULL},
    {"sensor", "current_l3", "Current L3 {n}", "Courant L3 {n}", "current", "measurement", "A",
     "{{ value_json.current_a[2] }}", NULL},
    {"sensor", "limited_by", "Limited by {n}", "Limité par {n}", NULL, NULL, NULL,
     "{{ value_json.limited_by if value_json.limited_by else 'none' }}", NULL},
    {"sensor", "error", "Error {n}", "Défaut {n}", NULL, NULL, NULL,
     "{{ value_json.error if value_json.error else 'none' }}", NULL},
    {"binary_sensor", "charging", "Charging {n}", "En charge {n}", "battery_charging", NULL, NULL,
     "{{ 'ON' if value_json.status == 'Charging' else 'OFF' }}", NULL},
    {"binary_sensor", "plugged", "Car plugged in {n}", "Voiture branchée {n}", "plug", NULL, NULL,
     "{{ 'ON' if value_json.cp_state in ['B', 'C', 'D'] else 'OFF' }}", NULL},
    {"binary_sensor", "problem", "Fault {n}", "Défaut présent {n}", "problem", NULL, NULL,
     "{{ 'ON' if value_json.error else 'OFF' }}", NULL},
    {"number", "current_limit", "Current limit {n}", "Limite de courant {n}", "current", NULL, "A",
     "{{ value_json.current_limit_a if value_json.current_limit_a is not none else {max} }}",
     "current_limit_a"},
    {"select", "charge_mode", "Charging mode {n}", "Mode de charge {n}", NULL, NULL, NULL,
     "{{ value_json.charge_mode }}", "charge_mode"},
    {"button", "start", "Start charging {n}", "Démarrer la charge {n}", NULL, NULL, NULL, NULL,
     "start"},
    {"button", "stop", "Stop charging {n}", "Arrêter la charge {n}", NULL, NULL, NULL, NULL,
     "stop"},
    {"switch", "enabled", "Enabled {n}", "En service {n}", NULL, NULL, NULL,
     "{{ 'ON' if value_json.enabled else 'OFF' }}", "enabled"},
};

/* The site limit unset: "None", which Home Assistant's MQTT number takes as
 * an unknown value (a 0 would be outside its 6..2000 range and logged as
 * invalid). */
static const entity_def station_entities[] = {
    {"sensor", "status", "Status", "État", NULL, NULL, NULL, "{{ value_json.status }}", NULL},
    {"sensor", "backend", "Back end", "Supervision", NULL, NULL, NULL, "{{ value_json.backend }}",
     NULL},
    {"number", "site_limit", "Site limit", "Limite du site", "current", NULL, "A",
     "{{ value_json.site_limit_a if value_json.site_limit_a is not none else 'None' }}",
     "site_limit_a"},
};

/* replaces every {n} and {max} of t */
static void fill(char *out, size_t len, const char *t, int n, double max) {
  size_t o = 0;
  while (*t && o + 1 < len) {
    char rep[32];
    if (strncmp(t, "{n}", 3) == 0) {
      snprintf(rep, sizeof rep, "%d", n);
      t += 3;
    } else if (strncmp(t, "{max}", 5) == 0) {
      snprintf(rep, sizeof rep, "%g", max);
      t += 5;
    } else {
      out[o++] = *t++;
      continue;
    }
    for (const char *r = rep; *r && o + 1 < len; r++) out[o++] = *r;
  }
  out[o] = 0;
}

/* node and object ids: [a-zA-Z0-9_-] only */
static void safe_id(char *out, size_t len, const char *in) {
  size_t o = 0;
  for (; *in && o + 1 < len; in++)
    out[o++] = (isalnum((unsigned char)*in) || *in == '-' || *in == '_') ? *in : '_';
  out[o] = 0;
}

static int entity_message(const mqtt_discovery_ctx *c, const entity_def *e, int n,
                          mqtt_message *m) {
  char node[80], obj[128], name[96], tpl[256], t[MQTT_TOPIC_MAX], uid[160];
  safe_id(node, sizeof node, c->id);
  if (n)
    snprintf(obj, sizeof obj, "c%d_%s", n, e->key);
  else
    snprintf(obj, sizeof obj, "%s", e->key);
  snprintf(uid, sizeof uid, "borne_%s_%s", node, obj);
  if (snprintf(m->topic, sizeof m->topic, "%s/%s/borne_%s/%s/config", c->discovery_prefix,
               e->component, node, obj) >= (int)sizeof m->topic)
    return -1;
  json_t *o = json_object();
  fill(name, sizeof name, strcmp(c->language, "fr") == 0 ? e->fr : e->en, n, c->max_a);
  json_object_set_new(o, "name", json_string(name));
  json_object_set_new(o, "unique_id", json_string(uid));
  if (mqtt_topic(t, sizeof t, c->prefix, c->id, "availability") != 0) goto too_long;
  json_object_set_new(o, "availability_topic", json_string(t));
  json_object_set_new(o, "payload_available", json_string("online"));
  json_object_set_new(o, "payload_not_available", json_string("offline"));
  if (e->value_template) {
    char rest[64];
    if (n)
      snprintf(rest, sizeof rest, "connector/%d/state", n);
    else
      snprintf(rest, sizeof rest, "state");
    if (mqtt_topic(t, sizeof t, c->prefix, c->id, rest) != 0) goto too_long;
    json_object_set_new(o, "state_topic", json_string(t));
    fill(tpl, sizeof tpl, e->value_template, n, c->max_a);
    json_object_set_new(o, "value_template", json_string(tpl));
  }
  if (e->command) {
    char rest[64];
    if (n)
      snprintf(rest, sizeof rest, "connector/%d/set/%s", n, e->command);
    else
      snprintf(rest, sizeof rest, "set/%s", e->command);
    if (mqtt_topic(t, sizeof t, c->prefix, c->id, rest) != 0) goto too_long;
    json_object_set_new(o, "command_topic", json_string(t));
    json_object_set_new(o, "qos", json_integer(1));
  }
  if (e->device_class) json_object_set_new(o, "device_class", json_string(e->device_class));
  if (e->state_class) json_object_set_new(o, "state_class", json_string(e->state_class));
  if (e->unit) json_object_set_new(o, "unit_of_measurement", json_string(e->unit));
  if (strcmp(e->component, "binary_sensor") == 0 || strcmp(e->component, "switch") == 0) {
    json_object_set_new(o, "payload_on", json_string("ON"));
    json_object_set_new(o, "payload_off", json_string("OFF"));
  }
  if (strcmp(e->component, "switch") == 0) {
    json_object_set_new(o, "state_on", json_string("ON"));
    json_object_set_new(o, "state_off", json_string("OFF"));
  }
  if (strcmp(e->component, "number") == 0) {
    json_object_set_new(o, "min", json_real(n ? 0 : 6));
    json_object_set_new(o, "max", json_real(n ? c->max_a : 2000));
    json_object_set_new(o, "step", json_real(1));
    json_object_set_new(o, "mode", json_string("box"));
  }
  if (strcmp(e->component, "select") == 0) {
    json_t *opts = json_array();
    for (int i = 0; charge_modes[i]; i++) json_array_append_new(opts, json_string(charge_modes[i]));
    json_object_set_new(o, "options", opts);
  }
  if (strcmp(e->component, "button") == 0)
    json_object_set_new(o, "payload_press", json_string("PRESS"));
  char ident[96], dname[96];
  snprintf(ident, sizeof ident, "borne_%s", node);
  snprintf(dname, sizeof dname, "borne %s", c->id);
  json_object_set_new(o, "device",
                      json_pack("{s:[s], s:s, s:s, s:s, s:s}", "identifiers", ident, "name", dname,
                                "manufacturer", "borne", "model", "borne charging station",
                                "sw_version", c->version ? c->version : "unknown"));
  m->payload = dump(o);
  return m->payload ? 0 : -1;
too_long:
  json_decref(o);
  return -1;
}

int mqtt_discovery_messages(const mqtt_discovery_ctx *c, mqtt_message *out, int cap) {
  int k = 0;
  size_t ns = sizeof station_entities / sizeof *station_entities;
  size_t nc = sizeof connector_entities / sizeof *connector_entities;
  for (size_t i = 0; i < ns; i++) {
    if (k >= cap || entity_message(c, &station_entities[i], 0, &out[k]) != 0) goto fail;
    k++;
  }
  for (int n = 1; n <= c->connectors; n++)
    for (size_t i = 0; i < nc; i++) {
      if (k >= cap || entity_message(c, &connector_entities[i], n, &out[k]) != 0) goto fail;
      k++;
    }
  return k;
fail:
  mqtt_messages_free(out, k);
  return -1;
}

void mqtt_messages_free(mqtt_message *m, int n) {
  for (int i = 0; i < n; i++) {
    free(m[i].payload);
    m[i].payload = NULL;
  }
}
