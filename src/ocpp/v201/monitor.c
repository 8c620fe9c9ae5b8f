/*
 * The variable monitors of OCPP 2.0.1 block N, pure (see monitor.h): the
 * rules of N04 for a new monitor, N06 for a clearing, N03 for the station's
 * own monitors, when a monitor trips (N07) and the NotifyEvent messages of
 * one check.
 */
#include "ocpp/v201/monitor.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const type_names[] = {"UpperThreshold", "LowerThreshold", "Delta", "Periodic",
                                         "PeriodicClockAligned"};
static const char *const kind_names[] = {"CustomMonitor", "PreconfiguredMonitor",
                                         "HardWiredMonitor"};
static const char *const base_names[] = {"All", "FactoryDefault", "HardWiredOnly"};
static const char *const status_names[] = {"Accepted",        "UnknownComponent",
                                           "UnknownVariable", "UnsupportedMonitorType",
                                           "Rejected",        "Duplicate"};

const char *mon_type_name(mon_type t) { return type_names[t]; }
const char *mon_kind_name(mon_kind k) { return kind_names[k]; }
const char *mon_status_name(mon_status s) { return status_names[s]; }
const char *mon_base_name(mon_base b) { return base_names[b]; }

bool mon_base_parse(const char *name, mon_base *out) {
  for (size_t i = 0; name && i < sizeof base_names / sizeof base_names[0]; i++)
    if (!strcmp(name, base_names[i])) {
      *out = (mon_base)i;
      return true;
    }
  return false;
}

bool mon_type_parse(const char *name, mon_type *out) {
  for (size_t i = 0; name && i < sizeof type_names / sizeof type_names[0]; i++)
    if (!strcmp(name, type_names[i])) {
      *out = (mon_type)i;
      return true;
    }
  return false;
}

bool mon_number(const char *text, double *out) {
  if (!text || !*text) return false;
  char *end;
  errno = 0;
  double v = strtod(text, &end);
  if (*end || errno || !isfinite(v)) return false;
  *out = v;
  return true;
}

void mon_set_init(mon_set *s) {
  memset(s, 0, sizeof *s);
  s->next_id = 1;
}

mon_monitor *mon_set_find(mon_set *s, int id) {
  for (int i = 0; i < s->count; i++)
    if (s->m[i].id == id) return &s->m[i];
  return NULL;
}

static bool same_variable(const mon_monitor *a, const mon_monitor *b) {
  return !strcmp(a->component, b->component) && !strcmp(a->variable, b->variable) &&
         a->evse == b->evse && a->connector == b->connector;
}

static bool periodic(mon_type t) { return t == MON_PERIODIC || t == MON_PERIODIC_ALIGNED; }

/* The first report of a periodic monitor: one period on, or for a clock
 * aligned one the next multiple of the period counted from midnight UTC. */
static long long first_due(const mon_monitor *m, long long now_ms) {
  long long p = (long long)(m->value * 1000.0);
  if (p < 1000) p = 1000;
  if (m->type == MON_PERIODIC) return now_ms + p;
  long long day = now_ms - now_ms % 86400000LL;
  long long next = day + ((now_ms - day) / p + 1) * p;
  return next > day + 86400000LL ? day + 86400000LL : next;
}

int mon_set_custom_count(const mon_set *s) {
  int n = 0;
  for (int i = 0; i < s->count; i++) n += s->m[i].kind == MON_CUSTOM;
  return n;
}

/* N04.FR.11: a new id, below the station's own monitors' and in use by no
 * other monitor (after 999999 new ones the count starts again at 1). */
static int new_id(mon_set *s) {
  for (;;) {
    if (s->next_id < 1 || s->next_id >= MON_BUILTIN_ID) s->next_id = 1;
    int id = s->next_id++;
    if (!mon_set_find(s, id)) return id;
  }
}

mon_status mon_set_add(mon_set *s, const mon_monitor *want, bool has_id, bool numeric,
                       const char *current, long long now_ms, int *id_out, const char **why) {
  *why = "";
  /* a monitor is saved by its names (mon_from_json takes no empty one) */
  if (!want->component[0] || !want->variable[0])
    return *why = "no component or variable name", MON_REJECTED;
  mon_monitor *old = NULL;
  if (has_id) {
    old = mon_set_find(s, want->id);
    if (!old) return *why = "no monitor with this id", MON_REJECTED; /* N04.FR.13 */
    if (old->kind == MON_HARDWIRED) return *why = "hard-wired monitor", MON_REJECTED; /* .18 */
    if (!same_variable(old, want))
      return *why = "a monitor's variable cannot change", MON_REJECTED; /* N04.FR.16 */
  }
  if ((want->type == MON_UPPER || want->type == MON_LOWER) && !numeric)
    return *why = "thresholds need a numeric variable", MON_UNSUPPORTED_TYPE; /* N04.FR.05 */
  if (want->severity < 0 || want->severity > 9) return *why = "severity is 0..9", MON_REJECTED;
  if (!isfinite(want->value)) return *why = "value is not a number", MON_REJECTED;
  if (want->type == MON_DELTA && want->value < 0)
    return *why = "a negative delta", MON_REJECTED; /* N04.FR.14 */
  if (periodic(want->type) && want->value < 1)
    return *why = "a period below one second", MON_REJECTED;
  /* N04.FR.10: one monitor of a type and severity per variable */
  for (int i = 0; i < s->count; i++) {
    const mon_monitor *o = &s->m[i];
    if (o != old && same_variable(o, want) && o->type == want->type &&
        o->severity == want->severity)
      return *why = "same type and severity on this variable", MON_DUPLICATE;
  }
  if (!old && (mon_set_custom_count(s) >= MON_MAX || s->count >= MON_CAPACITY))
    return *why = "no room for another monitor", MON_REJECTED;
  int id = old ? old->id : new_id(s);
  mon_monitor *m = old ? old : &s->m[s->count++];
  *m = *want;
  m->id = id;
  m->kind = MON_CUSTOM; /* N04.FR.15: a replaced preconfigured monitor is custom */
  m->tripped = false;
  m->trip_event_id = 0;
  snprintf(m->reference, sizeof m->reference, "%s", current ? current : "");
  m->next_due = periodic(m->type) ? first_due(m, now_ms) : 0;
  (void)numeric;
  *id_out = id;
  return MON_ACCEPTED;
}

const char *mon_set_clear(mon_set *s, int id) {
  mon_monitor *m = mon_set_find(s, id);
  if (!m) return "NotFound";                       /* N06.FR.02 */
  if (m->kind == MON_HARDWIRED) return "Rejected"; /* N06.FR.03 */
  *m = s->m[--s->count];
  return "Accepted";
}

void mon_set_clear_custom(mon_set *s) {
  for (int i = s->count - 1; i >= 0; i--)
    if (s->m[i].kind == MON_CUSTOM) s->m[i] = s->m[--s->count];
}

static bool listed(const int *ids, int n, int id) {
  for (int i = 0; i < n; i++)
    if (ids[i] == id) return true;
  return false;
}

void mon_set_install(mon_set *s, const mon_monitor *own, int n, bool preconfigured, const int *off,
                     int noff, long long now_ms) {
  for (int i = 0; i < n && s->count < MON_CAPACITY; i++) {
    const mon_monitor *d = &own[i];
    if (d->kind == MON_CUSTOM || mon_set_find(s, d->id)) continue;
    if (d->kind == MON_PRECONFIGURED && (!preconfigured || listed(off, noff, d->id))) continue;
    mon_monitor *m = &s->m[s->count++];
    *m = *d;
    m->tripped = false;
    m->trip_event_id = 0;
    m->reference[0] = '\0'; /* a Delta takes the first value it sees */
    m->next_due = periodic(m->type) ? first_due(m, now_ms) : 0;
  }
}

void mon_set_base(mon_set *s, mon_base base, const mon_monitor *own, int n, long long now_ms) {
  for (int i = s->count - 1; i >= 0; i--) {
    mon_kind k = s->m[i].kind;
    if ((k == MON_CUSTOM && base != MON_BASE_ALL) ||
        (k == MON_PRECONFIGURED && base == MON_BASE_HARDWIRED_ONLY))
      s->m[i] = s->m[--s->count];
  }
  mon_set_install(s, own, n, base != MON_BASE_HARDWIRED_ONLY, NULL, 0, now_ms);
}

void mon_set_refresh(mon_set *s, const mon_monitor *own, int n) {
  for (int i = 0; i < n; i++) {
    mon_monitor *m = mon_set_find(s, own[i].id);
    if (m && m->kind == own[i].kind) m->value = own[i].value;
  }
}

json_t *mon_event_messages(const json_t *events, const char *generated_at, size_t max_bytes) {
  json_t *out = json_array();
  json_t *page = NULL;
  size_t used = 0, i;
  /* the message around its events: {"generatedAt":"…","seqNo":N,"tbc":true,"eventData":[]} */
  size_t frame = 64 + strlen(generated_at);
  const json_t *e;
  json_array_foreach(events, i, e) {
    char *text = json_dumps(e, JSON_COMPACT);
    size_t len = (text ? strlen(text) : 0) + 1; /* the comma */
    free(text);
    if (page && frame + used + len > max_bytes) page = NULL;
    if (!page) {
      page = json_pack("{s:s, s:I, s:[]}", "generatedAt", generated_at, "seqNo",
                       (json_int_t)json_array_size(out), "eventData");
      json_array_append_new(out, page);
      used = 0;
    }
    json_array_append(json_object_get(page, "eventData"), (json_t *)e);
    used += len;
  }
  size_t n = json_array_size(out);
  for (i = 0; n > 1 && i < n; i++) /* tbc: omitted means false; said on every part of a split */
    json_object_set_new(json_array_get(out, i), "tbc", json_boolean(i + 1 < n));
  return out;
}

bool mon_check(mon_monitor *m, const char *value, bool numeric, long long now_ms, mon_trip *out) {
  *out = (mon_trip){0};
  if (periodic(m->type)) {
    if (!m->next_due) m->next_due = first_due(m, now_ms);
    if (now_ms < m->next_due) return false;
    long long p = (long long)(m->value * 1000.0);
    if (p < 1000) p = 1000;
    /* periods missed while nothing ran are one report, not a burst */
    m->next_due = m->type == MON_PERIODIC ? now_ms + p : first_due(m, now_ms);
    out->trigger = "Periodic";
    return true;
  }
  if (!value) return false;
  double v = 0;
  bool num = numeric && mon_number(value, &v);
  if (m->type == MON_DELTA) {
    if (!m->reference[0]) { /* loaded at a start: the first value is the reference */
      snprintf(m->reference, sizeof m->reference, "%s", value);
      return false;
    }
    double ref;
    bool changed = num && mon_number(m->reference, &ref) ? fabs(v - ref) >= m->value && v != ref
                                                         : strcmp(value, m->reference) != 0;
    if (!changed) return false;
    snprintf(m->reference, sizeof m->reference, "%s", value);
    out->trigger = "Delta";
    return true;
  }
  if (!num) return false;
  bool beyond = m->type == MON_UPPER ? v > m->value : v < m->value;
  if (beyond == m->tripped) return false;
  m->tripped = beyond;
  out->trigger = "Alerting";
  out->cleared = !beyond;
  out->cause = beyond ? 0 : m->trip_event_id;
  return true;
}

long long mon_next_due(const mon_set *s) {
  long long next = LLONG_MAX;
  for (int i = 0; i < s->count; i++)
    if (periodic(s->m[i].type) && s->m[i].next_due && s->m[i].next_due < next)
      next = s->m[i].next_due;
  return next;
}

json_t *mon_to_json(const mon_monitor *m) {
  return json_pack("{s:i, s:s, s:s, s:f, s:i, s:b, s:s, s:i, s:i, s:s}", "id", m->id, "kind",
                   kind_names[m->kind], "type", type_names[m->type], "value", m->value, "severity",
                   m->severity, "transaction", m->transaction, "component", m->component, "evse",
                   m->evse, "connector", m->connector, "variable", m->variable);
}

static bool copy_name(char *dst, const json_t *v) {
  const char *s = json_string_value(v);
  if (!s || !*s || strlen(s) > MON_NAME_MAX) return false;
  memcpy(dst, s, strlen(s) + 1);
  return true;
}

static bool small_int(const json_t *v, int lo, int hi, int *out) {
  if (!json_is_integer(v)) return false;
  json_int_t x = json_integer_value(v);
  if (x < lo || x > hi) return false;
  *out = (int)x;
  return true;
}

bool mon_from_json(const json_t *j, mon_monitor *out) {
  mon_monitor m = {0};
  if (!json_is_object(j)) return false;
  const char *kind = json_string_value(json_object_get(j, "kind"));
  int k = -1;
  for (int i = 0; kind && i < 3; i++)
    if (!strcmp(kind, kind_names[i])) k = i;
  const json_t *value = json_object_get(j, "value");
  const json_t *tx = json_object_get(j, "transaction");
  if (k < 0 || !mon_type_parse(json_string_value(json_object_get(j, "type")), &m.type) ||
      !json_is_number(value) || !json_is_boolean(tx) ||
      !small_int(json_object_get(j, "id"), 1, INT_MAX - 1, &m.id) ||
      !small_int(json_object_get(j, "severity"), 0, 9, &m.severity) ||
      !small_int(json_object_get(j, "evse"), 0, 1000, &m.evse) ||
      !small_int(json_object_get(j, "connector"), 0, 1000, &m.connector) ||
      !copy_name(m.component, json_object_get(j, "component")) ||
      !copy_name(m.variable, json_object_get(j, "variable")))
    return false;
  m.kind = (mon_kind)k;
  m.value = json_number_value(value);
  if (!isfinite(m.value)) return false;
  m.transaction = json_is_true(tx);
  *out = m;
  return true;
}
