/*
 * OCPP 2.0.1 functional block N (Diagnostics), variable monitoring:
 * SetVariableMonitoring (N04), ClearVariableMonitoring (N06),
 * SetMonitoringBase (N03), SetMonitoringLevel (N05) and GetMonitoringReport
 * (N02, NotifyMonitoringReport pages sent once answered), and the
 * NotifyEvent a monitor raises when it trips (N07). The monitors and their
 * rules are monitor.c (pure); this file reads the watched variables through
 * the device model (device_model.h), checks the monitors when the station's
 * state changes (a status, a meter reading) and on the dialect's one timer
 * for the periodic ones, and keeps the custom monitors, the level and the
 * base in SQLite before answering. The station ships monitors of its own
 * (own_monitors: hard-wired and preconfigured, N03); MonitoringCtrlr.Enabled
 * (the setting ocpp.MonitoringEnabled) false stops them all. One file of the
 * 2.0.1 dialect's functional blocks.
 */
#include <limits.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "ocpp/v201/device_model.h"
#include "ocpp/v201/monitor.h"
#include "ocpp/v201/v201_internal.h"
#include "core/connector.h"
#include "store/store.h"

#define MON_REPORT_ITEMS 10 /* monitor entries in one NotifyMonitoringReport */
/* a NotifyEvent's payload at most: the BytesPerMessage borne takes, less the
 * frame around it ([2,"<message id>","NotifyEvent",...]) */
#define EVENT_MESSAGE_MAX (DM_BYTES_PER_MESSAGE - 128)

/* The station's own monitors' ids (monitor.h reserves them). */
#define OWN_STATION_AVAILABLE MON_BUILTIN_ID                 /* preconfigured */
#define OWN_EVSE_POWER(c) (MON_BUILTIN_ID + (c))             /* hard-wired, EVSE c */
#define OWN_EVSE_TEMPERATURE(c) (MON_BUILTIN_ID + 100 + (c)) /* preconfigured, EVSE c */

struct v201_monitoring {
  mon_set set;
  int level;                /* ActiveMonitoringLevel: events of severity <= it are told (N05) */
  mon_base base;            /* ActiveMonitoringBase */
  int off[MON_BUILTIN_MAX]; /* preconfigured monitors the CSMS cleared (until a base) */
  int noff;
  json_t *pages; /* NotifyMonitoringReport, sent once GetMonitoringReport is answered */
  bool store_ok;
};

static const char *const steps[] = {
    "CREATE TABLE ocpp201_monitor (id INTEGER PRIMARY KEY, def TEXT NOT NULL)",
    "CREATE TABLE ocpp201_monitoring (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
};

/* The variables a monitor can watch: those with a live value (a number, a
 * boolean or an AvailabilityState word). */
static const struct {
  const char *component, *variable;
  bool numeric;
} watchable[] = {
    {"EVSE", "Power", true},
    {"EVSE", "ACCurrent", true},
    {"TemperatureSensor", "Temperature", true},
    {"EVSE", "AvailabilityState", false},
    {"EVSE", "Available", false},
    {"Connector", "AvailabilityState", false},
    {"Connector", "Available", false},
    {"ChargingStation", "AvailabilityState", false},
    {"ChargingStation", "Available", false},
};

static int watchable_index(const char *component, const char *variable) {
  for (size_t i = 0; i < sizeof watchable / sizeof watchable[0]; i++)
    if (!strcmp(component, watchable[i].component) && !strcmp(variable, watchable[i].variable))
      return (int)i;
  return -1;
}

static mon_monitor own_monitor(mon_kind kind, int id, const char *component, int evse,
                               const char *variable, mon_type type, double value, int severity) {
  mon_monitor m = {
      .id = id, .kind = kind, .type = type, .value = value, .severity = severity, .evse = evse};
  snprintf(m.component, sizeof m.component, "%s", component);
  snprintf(m.variable, sizeof m.variable, "%s", variable);
  return m;
}

/* The monitors this station ships (N03), into out[MON_BUILTIN_MAX]:
 * - preconfigured: a Delta on ChargingStation.Available, severity 5 (Alert):
 *   the station as a whole went out of service (every EVSE Unavailable) or
 *   came back; on each EVSE an UpperThreshold on its TemperatureSensor's
 *   Temperature, severity 6 (Warning), at connector.N.derate_temp_c: the
 *   connector is hot enough for borne to lower the current (it stops at
 *   max_temp_c, error 601); the value follows the setting;
 * - hard-wired, on each EVSE: an UpperThreshold on EVSE.Power, severity 3
 *   (Critical), at the most its settings allow (Power MaxSet) plus the
 *   tolerance of borne's overcurrent supervision (core/connector.h): a car
 *   or a meter beyond what the installation was set for. The value follows
 *   the settings. */
_Static_assert(1 + 2 * BORNE_MAX_CONNECTORS <= MON_BUILTIN_MAX, "room for the own monitors");
static int own_monitors(const ocpp201_station *o, mon_monitor *out) {
  int n = 0;
  out[n++] = own_monitor(MON_PRECONFIGURED, OWN_STATION_AVAILABLE, "ChargingStation", 0,
                         "Available", MON_DELTA, 1, 5);
  /* MaxSet comes from the settings: the EVSEs' count is all it needs of the station */
  dm_live live = {.evse_count = o->count};
  dm_ctx c = {o->st->cfg, &live};
  for (int e = 1; e <= o->count && n < MON_BUILTIN_MAX; e++) {
    dm_ref ref = {.component = "EVSE", .evse = e, .variable = "Power"};
    char text[64];
    double max = 0;
    if (dm_get(&c, &ref, DM_MAXSET, text, sizeof text) != DM_ACCEPTED || !mon_number(text, &max))
      continue;
    out[n++] = own_monitor(MON_HARDWIRED, OWN_EVSE_POWER(e), "EVSE", e, "Power", MON_UPPER,
                           max * (1.0 + CS_OVERCURRENT_TOLERANCE), 3);
  }
  for (int e = 1; e <= o->count && n < MON_BUILTIN_MAX; e++) {
    char key[64];
    snprintf(key, sizeof key, "connector.%d.derate_temp_c", e);
    out[n++] = own_monitor(MON_PRECONFIGURED, OWN_EVSE_TEMPERATURE(e), "TemperatureSensor", e,
                           "Temperature", MON_UPPER, config_get_number(o->st->cfg, key), 6);
  }
  return n;
}

static bool monitoring_enabled(const ocpp201_station *o) {
  return config_get_bool(o->st->cfg, "ocpp.MonitoringEnabled");
}

static bool exec_sql(ocpp201_station *o, const char *sql, int id, const char *text) {
  sqlite3_stmt *s = store_stmt(o->st->db, sql);
  if (!s) return false;
  if (id) sqlite3_bind_int(s, 1, id);
  if (text) sqlite3_bind_text(s, id ? 2 : 1, text, -1, SQLITE_TRANSIENT);
  int rc = sqlite3_step(s);
  store_stmt_release(o->st->db, s);
  if (rc != SQLITE_DONE) log_warn(MOD, "monitoring: cannot save: %s", sql);
  return rc == SQLITE_DONE;
}

static bool save_monitor(ocpp201_station *o, const mon_monitor *m) {
  json_t *j = mon_to_json(m);
  char *text = json_dumps(j, JSON_COMPACT);
  json_decref(j);
  bool ok = text && exec_sql(o, "INSERT OR REPLACE INTO ocpp201_monitor (id, def) VALUES (?1, ?2)",
                             m->id, text);
  free(text);
  return ok;
}

static void save_setting(ocpp201_station *o, const char *name, const char *value) {
  sqlite3_stmt *s = store_stmt(
      o->st->db, "INSERT OR REPLACE INTO ocpp201_monitoring (name, value) VALUES (?1, ?2)");
  if (!s) return;
  sqlite3_bind_text(s, 1, name, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(s, 2, value, -1, SQLITE_TRANSIENT);
  if (sqlite3_step(s) != SQLITE_DONE) log_warn(MOD, "monitoring: cannot save %s", name);
  store_stmt_release(o->st->db, s);
}

static bool is_own(const mon_monitor *own, int n, int id, mon_kind kind) {
  for (int i = 0; i < n; i++)
    if (own[i].id == id && own[i].kind == kind) return true;
  return false;
}

/* The preconfigured monitors the CSMS cleared, as saved: "[id,...]". */
static void save_off(ocpp201_station *o, const v201_monitoring *mo) {
  json_t *ids = json_array();
  for (int i = 0; i < mo->noff; i++) json_array_append_new(ids, json_integer(mo->off[i]));
  char *text = json_dumps(ids, JSON_COMPACT);
  json_decref(ids);
  if (text && mo->store_ok) save_setting(o, "off", text);
  free(text);
}

int v201_monitoring_schema(store *db) {
  return store_module_migrate(db, "ocpp201_monitoring", steps,
                              (int)(sizeof steps / sizeof steps[0]));
}

static void load(ocpp201_station *o, v201_monitoring *mo, const mon_monitor *own, int nown) {
  store *db = o->st->db;
  if (v201_monitoring_schema(db) != 0) {
    log_warn(MOD, "monitoring: %s: monitors are not kept", store_last_error(db));
    return;
  }
  mo->store_ok = true;
  sqlite3_stmt *s = store_stmt(db, "SELECT def FROM ocpp201_monitor ORDER BY id");
  while (s && sqlite3_step(s) == SQLITE_ROW && mo->set.count < MON_MAX) {
    json_t *j = json_loads((const char *)sqlite3_column_text(s, 0), 0, NULL);
    mon_monitor m;
    /* a custom monitor, or one that replaced a preconfigured one (its id) */
    mon_monitor *slot = NULL;
    if (mon_from_json(j, &m) && m.kind == MON_CUSTOM && !is_own(own, nown, m.id, MON_HARDWIRED) &&
        (slot = mon_set_push(&mo->set))) {
      *slot = m;
      if (m.id < MON_BUILTIN_ID && m.id >= mo->set.next_id) mo->set.next_id = m.id + 1;
    }
    json_decref(j);
  }
  store_stmt_release(db, s);
  s = store_stmt(db, "SELECT name, value FROM ocpp201_monitoring");
  while (s && sqlite3_step(s) == SQLITE_ROW) {
    const char *name = (const char *)sqlite3_column_text(s, 0);
    const char *value = (const char *)sqlite3_column_text(s, 1);
    if (!strcmp(name, "level")) mo->level = atoi(value);
    if (!strcmp(name, "base")) mon_base_parse(value, &mo->base);
    if (!strcmp(name, "off")) {
      json_t *ids = json_loads(value, 0, NULL);
      size_t i;
      json_t *id;
      json_array_foreach(ids, i, id) if (json_is_integer(id) && mo->noff < MON_BUILTIN_MAX)
          mo->off[mo->noff++] = (int)json_integer_value(id);
      json_decref(ids);
    }
  }
  store_stmt_release(db, s);
}

void v201_monitoring_open(ocpp201_station *o) {
  v201_monitoring *mo = calloc(1, sizeof *mo);
  if (!mo) return;
  mon_set_init(&mo->set);
  mo->level = 9;
  mo->base = MON_BASE_ALL;
  mon_monitor own[MON_BUILTIN_MAX];
  int nown = own_monitors(o, own);
  load(o, mo, own, nown);
  mon_set_install(&mo->set, own, nown, mo->base != MON_BASE_HARDWIRED_ONLY, mo->off, mo->noff,
                  now201(o));
  o->monitoring = mo;
}

void v201_monitoring_free(ocpp201_station *o) {
  if (!o->monitoring) return;
  json_decref(o->monitoring->pages);
  mon_set_free(&o->monitoring->set);
  free(o->monitoring);
  o->monitoring = NULL;
}

int v201_monitoring_level(const ocpp201_station *o) {
  return o->monitoring ? o->monitoring->level : 9;
}
const char *v201_monitoring_base(const ocpp201_station *o) {
  return mon_base_name(o->monitoring ? o->monitoring->base : MON_BASE_ALL);
}

/* The watched variable's value now (c: the station as it is); NULL when the
 * device model has none. */
static const char *read_value(const dm_ctx *c, const mon_monitor *m, char *out, size_t outlen) {
  dm_ref ref = {.component = m->component,
                .evse = m->evse,
                .connector = m->connector,
                .variable = m->variable};
  return dm_get(c, &ref, DM_ACTUAL, out, outlen) == DM_ACCEPTED ? out : NULL;
}

static bool numeric_variable(const mon_monitor *m) {
  int i = watchable_index(m->component, m->variable);
  return i >= 0 && watchable[i].numeric;
}

/* A transaction monitor is checked only while one runs on its EVSE (any EVSE
 * for the station's variables). */
static const char *running_tx(const ocpp201_station *o, int evse) {
  for (int c = 1; c <= o->count; c++)
    if ((!evse || c == evse) && o->evse[c - 1].tx_id[0]) return o->evse[c - 1].tx_id;
  return NULL;
}

static json_t *event_data(ocpp201_station *o, const mon_monitor *m, const mon_trip *t,
                          const char *value, int event_id) {
  json_t *comp = json_pack("{s:s}", "name", m->component);
  if (m->evse) {
    json_t *evse = json_pack("{s:i}", "id", m->evse);
    if (m->connector) json_object_set_new(evse, "connectorId", json_integer(m->connector));
    json_object_set_new(comp, "evse", evse);
  }
  json_t *d =
      json_pack("{s:i, s:o, s:s, s:s, s:s, s:i, s:o, s:{s:s}}", "eventId", event_id, "timestamp",
                time201(now201(o)), "trigger", t->trigger, "actualValue", value ? value : "",
                "eventNotificationType", mon_kind_name(m->kind), "variableMonitoringId", m->id,
                "component", comp, "variable", "name", m->variable);
  if (t->cleared) {
    json_object_set_new(d, "cleared", json_true());
    if (t->cause) json_object_set_new(d, "cause", json_integer(t->cause));
  }
  const char *tx = m->evse ? running_tx(o, m->evse) : NULL;
  if (tx) json_object_set_new(d, "transactionId", json_string(tx));
  return d;
}

/* N07: every monitor is checked against its variable's value now; those that
 * trip with a severity within ActiveMonitoringLevel go out in one NotifyEvent,
 * queued on disk with the other messages (delivered in order). While not
 * registered only those of a severity within OfflineQueuingSeverity are
 * queued, the others are not told (N07.FR.04). */
void v201_monitoring_check(ocpp201_station *o) {
  v201_monitoring *mo = o->monitoring;
  if (!mo || !mo->set.count || !monitoring_enabled(o)) return;
  mon_monitor own[MON_BUILTIN_MAX];
  mon_set_refresh(&mo->set, own, own_monitors(o, own));
  borne_ms now = now201(o);
  bool online = online201(o);
  long offline_level = key201_int(o, "OfflineQueuingSeverity");
  dm_live live; /* read once for every monitor of this check: the watchable variables' part */
  v201_fill_live_evses(o, &live);
  dm_ctx c = {o->st->cfg, &live};
  json_t *events = json_array();
  for (int i = 0; i < mo->set.count; i++) {
    mon_monitor *m = &mo->set.m[i];
    if (m->transaction && !running_tx(o, m->evse)) continue;
    char buf[DM_REPORTING_VALUE_SIZE + 1];
    const char *value = read_value(&c, m, buf, sizeof buf);
    mon_trip t;
    if (!mon_check(m, value, numeric_variable(m), now, &t)) continue;
    if (m->severity > mo->level) continue;                /* N05.FR.03 */
    if (!online && m->severity > offline_level) continue; /* N07.FR.04 */
    int id = o->next_event_id++;
    if (!strcmp(t.trigger, "Alerting") && !t.cleared) m->trip_event_id = id;
    json_array_append_new(events, event_data(o, m, &t, value, id));
  }
  /* more than one message holds: seqNo and tbc say the parts (the schema's
   * "to be continued" indicator, N07.FR.07 / N08.FR.04 seqNo 0 for the first) */
  char at[40];
  timefmt_iso(now, at, sizeof at);
  json_t *messages = mon_event_messages(events, at, EVENT_MESSAGE_MAX);
  json_decref(events);
  size_t i;
  json_t *message;
  json_array_foreach(messages, i, message)
      v201_queue_message(o, "NotifyEvent", json_incref(message));
  json_decref(messages);
}

borne_ms v201_monitoring_next_due(const ocpp201_station *o) {
  if (!o->monitoring || !monitoring_enabled(o)) return NEVER;
  long long next = mon_next_due(&o->monitoring->set);
  return next == LLONG_MAX ? NEVER : (borne_ms)next;
}

/* ---------- incoming calls ---------- */

/* Too many items or bytes for what MonitoringCtrlr declares (N04.FR.09,
 * N06.FR.06/07): a CALLERROR, true. */
static bool over_limits(const json_t *req, const json_t *items, ocpp_reply *r) {
  if (json_array_size(items) > V201_MONITORING_ITEMS) {
    r->error_code = ocpp_dialect_code(&ocpp201_dialect, OCPP_ERR_OCCURRENCE_CONSTRAINT);
    snprintf(r->error_text, sizeof r->error_text, "at most %d items (ItemsPerMessage)",
             V201_MONITORING_ITEMS);
    return true;
  }
  char *text = json_dumps(req, JSON_COMPACT);
  size_t n = text ? strlen(text) : 0;
  free(text);
  if (n > V201_MONITORING_BYTES) {
    r->error_code = ocpp_dialect_code(&ocpp201_dialect, OCPP_ERR_FORMAT);
    snprintf(r->error_text, sizeof r->error_text, "at most %d bytes (BytesPerMessage)",
             V201_MONITORING_BYTES);
    return true;
  }
  return false;
}

static mon_status set_one(ocpp201_station *o, const json_t *item,
                          const ocpp201_SetVariableMonitoringRequest_setMonitoringData *d, int *id,
                          const char **why) {
  v201_monitoring *mo = o->monitoring;
  *why = "";
  dm_live live;
  v201_fill_live(o, &live);
  dm_ctx c = {o->st->cfg, &live};
  dm_ref ref = dm_ref_of(item);
  char value[DM_REPORTING_VALUE_SIZE + 1];
  dm_status s = dm_get(&c, &ref, DM_ACTUAL, value, sizeof value);
  if (s == DM_UNKNOWN_COMPONENT) return MON_UNKNOWN_COMPONENT; /* N04.FR.03 */
  if (s == DM_UNKNOWN_VARIABLE) return MON_UNKNOWN_VARIABLE;   /* N04.FR.04 */
  int w = watchable_index(d->component.name, d->variable.name);
  if (s != DM_ACCEPTED || w < 0 || d->component.has_instance || d->variable.has_instance) {
    *why = "this variable cannot be monitored"; /* N04.FR.05 */
    return MON_UNSUPPORTED_TYPE;
  }
  if (!mo) return *why = "out of memory", MON_REJECTED;
  mon_monitor m = {.id = d->has_id ? (int)d->id : 0,
                   .type = (mon_type)d->type,
                   .value = d->value,
                   .severity = d->severity < 0 || d->severity > 9 ? -1 : (int)d->severity,
                   .transaction = d->has_transaction && d->transaction,
                   .evse = ref.evse,
                   .connector = ref.connector};
  snprintf(m.component, sizeof m.component, "%s", d->component.name);
  snprintf(m.variable, sizeof m.variable, "%s", d->variable.name);
  if (d->has_id && (d->id <= 0 || d->id > INT_MAX))
    return *why = "no monitor with this id", MON_REJECTED;
  mon_status st =
      mon_set_add(&mo->set, &m, d->has_id, watchable[w].numeric, value, now201(o), id, why);
  if (st == MON_ACCEPTED && mo->store_ok && !save_monitor(o, mon_set_find(&mo->set, *id))) {
    mon_set_clear(&mo->set, *id);
    *why = "cannot be saved";
    return MON_REJECTED;
  }
  return st;
}

static void h_set_variable_monitoring(ocpp201_station *o, const json_t *req, ocpp_reply *r) {
  const json_t *items = json_object_get(req, "setMonitoringData");
  if (over_limits(req, items, r)) return;
  ocpp201_SetVariableMonitoringRequest q;
  ocpp_error e;
  if (!v201_decoded(ocpp201_SetVariableMonitoringRequest_decode(req, &q, &e), &e, r)) return;
  json_t *results = json_array();
  for (size_t i = 0; i < q.setMonitoringData_count; i++) {
    const ocpp201_SetVariableMonitoringRequest_setMonitoringData *d = &q.setMonitoringData[i];
    const json_t *item = json_array_get(items, i);
    int id = 0;
    const char *why = "";
    mon_status s = set_one(o, item, d, &id, &why);
    json_t *res = json_pack(
        "{s:s, s:s, s:I, s:O, s:O}", "status", mon_status_name(s), "type",
        ocpp201_SetVariableMonitoringRequest_setMonitoringData_type_e_name(d->type), "severity",
        (json_int_t)d->severity, "component", json_object_get(item, "component"), "variable",
        json_object_get(item, "variable"));
    if (s == MON_ACCEPTED)
      json_object_set_new(res, "id", json_integer(id));
    else if (d->has_id)
      json_object_set_new(res, "id", json_integer(d->id));
    if (why[0])
      json_object_set_new(
          res, "statusInfo",
          json_pack("{s:s, s:s}", "reasonCode", "InvalidValue", "additionalInfo", why));
    log_info(MOD, "SetVariableMonitoring %s.%s %s: %s%s%s", d->component.name, d->variable.name,
             mon_type_name((mon_type)d->type), mon_status_name(s), why[0] ? ", " : "", why);
    json_array_append_new(results, res);
  }
  ocpp201_SetVariableMonitoringRequest_free(&q);
  r->result = json_pack("{s:o}", "setMonitoringResult", results);
  v201_arm_tick(o);
}

static void h_clear_variable_monitoring(ocpp201_station *o, const json_t *req, ocpp_reply *r) {
  const json_t *ids = json_object_get(req, "id");
  if (over_limits(req, ids, r)) return;
  json_t *results = json_array();
  size_t i;
  const json_t *v;
  json_array_foreach(ids, i, v) {
    json_int_t id = json_integer_value(v);
    const char *status = "NotFound";
    v201_monitoring *mo = o->monitoring;
    if (mo && id > 0 && id <= INT_MAX) {
      status = mon_set_clear(&mo->set, (int)id);
      if (!strcmp(status, "Accepted") && mo->store_ok)
        exec_sql(o, "DELETE FROM ocpp201_monitor WHERE id = ?1", (int)id, NULL);
      /* a preconfigured monitor (or the custom one that replaced it) stays
       * cleared, across restarts, until a SetMonitoringBase brings it back */
      mon_monitor own[MON_BUILTIN_MAX];
      int nown = own_monitors(o, own);
      if (!strcmp(status, "Accepted") && is_own(own, nown, (int)id, MON_PRECONFIGURED) &&
          mo->noff < MON_BUILTIN_MAX) {
        mo->off[mo->noff++] = (int)id;
        save_off(o, mo);
      }
    }
    json_array_append_new(results, json_pack("{s:s, s:I}", "status", status, "id", id));
  }
  r->result = json_pack("{s:o}", "clearMonitoringResult", results);
}

/* N03 (mon_set_base): All keeps the custom monitors and brings back the
 * preconfigured ones not replaced by one; FactoryDefault removes the custom
 * monitors and brings back every preconfigured one; HardWiredOnly leaves the
 * hard-wired ones alone. */
static void h_set_monitoring_base(ocpp201_station *o, const json_t *req, ocpp_reply *r) {
  mon_base base;
  v201_monitoring *mo = o->monitoring;
  if (!mo || !mon_base_parse(json_string_value(json_object_get(req, "monitoringBase")), &base)) {
    v201_reply_status(r, "NotSupported"); /* N03.FR.02 */
    return;
  }
  mon_monitor own[MON_BUILTIN_MAX];
  mon_set_base(&mo->set, base, own, own_monitors(o, own), now201(o));
  mo->noff = 0;
  if (mo->store_ok) {
    if (base != MON_BASE_ALL) exec_sql(o, "DELETE FROM ocpp201_monitor", 0, NULL);
    save_setting(o, "base", mon_base_name(base));
    save_off(o, mo);
  }
  mo->base = base;
  v201_reply_status(r, "Accepted");
  v201_arm_tick(o);
}

static void h_set_monitoring_level(ocpp201_station *o, const json_t *req, ocpp_reply *r) {
  json_int_t sev = json_integer_value(json_object_get(req, "severity"));
  v201_monitoring *mo = o->monitoring;
  if (!mo || sev < 0 || sev > 9) { /* N05.FR.02 */
    v201_reply_status(r, "Rejected");
    return;
  }
  mo->level = (int)sev;
  char text[4];
  snprintf(text, sizeof text, "%d", mo->level);
  if (mo->store_ok) save_setting(o, "level", text);
  v201_reply_status(r, "Accepted");
}

/* N02.FR.11-14: ThresholdMonitoring, DeltaMonitoring, PeriodicMonitoring. */
static bool criteria_match(const json_t *criteria, mon_type t) {
  if (!json_array_size(criteria)) return true;
  const char *want = t == MON_UPPER || t == MON_LOWER ? "ThresholdMonitoring"
                     : t == MON_DELTA                 ? "DeltaMonitoring"
                                                      : "PeriodicMonitoring";
  size_t i;
  const json_t *c;
  json_array_foreach(criteria, i, c) if (!strcmp(json_string_value(c), want)) return true;
  return false;
}

/* N02.FR.15-17: a componentVariable without evse or variable names all. */
static bool selected(const json_t *cvs, const mon_monitor *m) {
  if (!json_array_size(cvs)) return true;
  size_t i;
  const json_t *cv;
  json_array_foreach(cvs, i, cv) {
    dm_ref ref = dm_ref_of(cv);
    if (!ref.component || strcmp(ref.component, m->component) != 0) continue;
    if (json_object_get(json_object_get(cv, "component"), "evse") &&
        (ref.evse != m->evse || (ref.connector && ref.connector != m->connector)))
      continue;
    if (ref.variable && strcmp(ref.variable, m->variable) != 0) continue;
    return true;
  }
  return false;
}

static json_t *component_of(const mon_monitor *m) {
  json_t *comp = json_pack("{s:s}", "name", m->component);
  if (m->evse) {
    json_t *evse = json_pack("{s:i}", "id", m->evse);
    if (m->connector) json_object_set_new(evse, "connectorId", json_integer(m->connector));
    json_object_set_new(comp, "evse", evse);
  }
  return comp;
}

static void h_get_monitoring_report(ocpp201_station *o, const json_t *req, ocpp_reply *r) {
  const json_t *cvs = json_object_get(req, "componentVariable");
  if (over_limits(req, cvs, r)) return;
  v201_monitoring *mo = o->monitoring;
  /* one MonitoringDataType per variable, its monitors in variableMonitoring */
  json_t *entries = json_array();
  bool done[MON_CAPACITY] = {false};
  bool speaks21 = o->link && ocpp_link_dialect(o->link) == &ocpp21_dialect;
  for (int i = 0; mo && i < mo->set.count; i++) {
    const mon_monitor *m = &mo->set.m[i];
    if (done[i] || !selected(cvs, m) ||
        !criteria_match(json_object_get(req, "monitoringCriteria"), m->type))
      continue;
    json_t *list = json_array();
    for (int k = i; k < mo->set.count; k++) {
      const mon_monitor *n = &mo->set.m[k];
      if (done[k] || strcmp(n->component, m->component) || strcmp(n->variable, m->variable) ||
          n->evse != m->evse || n->connector != m->connector ||
          !criteria_match(json_object_get(req, "monitoringCriteria"), n->type))
        continue;
      done[k] = true;
      json_t *vm =
          json_pack("{s:i, s:b, s:f, s:s, s:i}", "id", n->id, "transaction", n->transaction,
                    "value", n->value, "type", mon_type_name(n->type), "severity", n->severity);
      /* 2.1's VariableMonitoringType says which kind it is (required there) */
      if (speaks21)
        json_object_set_new(vm, "eventNotificationType", json_string(mon_kind_name(n->kind)));
      json_array_append_new(list, vm);
    }
    json_array_append_new(entries,
                          json_pack("{s:o, s:{s:s}, s:o}", "component", component_of(m), "variable",
                                    "name", m->variable, "variableMonitoring", list));
  }
  size_t n = json_array_size(entries);
  if (!n) {
    json_decref(entries);
    v201_reply_status(r, "EmptyResultSet");
    return;
  }
  int request_id = (int)json_integer_value(json_object_get(req, "requestId"));
  json_t *pages = json_array();
  for (size_t from = 0, seq = 0; from < n; from += MON_REPORT_ITEMS, seq++) {
    json_t *part = json_array();
    for (size_t k = from; k < n && k < from + MON_REPORT_ITEMS; k++)
      json_array_append(part, json_array_get(entries, k));
    json_t *page = json_pack("{s:i, s:I, s:o, s:o, s:o}", "requestId", request_id, "seqNo",
                             (json_int_t)seq, "generatedAt", time201(now201(o)), "monitor", part,
                             "tbc", json_boolean(from + MON_REPORT_ITEMS < n));
    json_array_append_new(pages, page);
  }
  json_decref(entries);
  json_decref(mo->pages);
  mo->pages = pages;
  v201_reply_status(r, "Accepted");
}

static void report_answer(void *ctx, const json_t *result, const char *code, const char *text) {
  (void)ctx, (void)result;
  if (code) log_debug(MOD, "NotifyMonitoringReport: %s %s", code, text);
}

/* Once GetMonitoringReport is answered: its pages (N02.FR.01). */
void v201_monitoring_replied(ocpp201_station *o, const char *action) {
  if (!o->monitoring || !o->monitoring->pages || strcmp(action, "GetMonitoringReport") != 0) return;
  json_t *pages = o->monitoring->pages;
  o->monitoring->pages = NULL;
  size_t i;
  json_t *page;
  json_array_foreach(pages, i, page) {
    if (!ocpp_link_connected(o->link) || o->boot == B201_REJECTED) break;
    if (ocpp_link_call(o->link, "NotifyMonitoringReport", json_incref(page), report_answer, o))
      log_warn(MOD, "NotifyMonitoringReport %zu not sent", i);
  }
  json_decref(pages);
}

static const v201_handler handlers[] = {
    {"SetVariableMonitoring", h_set_variable_monitoring},
    {"ClearVariableMonitoring", h_clear_variable_monitoring},
    {"SetMonitoringBase", h_set_monitoring_base},
    {"SetMonitoringLevel", h_set_monitoring_level},
    {"GetMonitoringReport", h_get_monitoring_report},
};
const v201_family v201_monitoring_calls = {handlers, sizeof handlers / sizeof handlers[0]};
