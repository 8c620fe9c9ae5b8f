/* OCPP 1.6 MeterValues content from borne's readings, pure (see ocpp16_measurands.h). */
#include "ocpp/ocpp16_measurands.h"

#include "ocpp/ocpp_schema.h"
#include "ocpp16_messages.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* OCPP 1.6 section 7.31 Measurand: the members borne can measure on an AC
 * point, with their unit and whether they are reported per phase. Phase names
 * follow 7.30 Phase ("L1".."L3" for currents and powers, "L1-N".. for
 * phase-to-neutral voltages). */
typedef enum { Q_ENERGY, Q_POWER, Q_CURRENT, Q_VOLTAGE, Q_OFFERED, Q_TEMPERATURE, Q_FREQUENCY } qty;

typedef struct {
  const char *name;
  const char *unit;
  qty q;
  bool per_phase;
} measurand;

static const measurand supported[] = {
    {"Energy.Active.Import.Register", "Wh", Q_ENERGY, false},
    {"Power.Active.Import", "W", Q_POWER, true},
    {"Current.Import", "A", Q_CURRENT, true},
    {"Voltage", "V", Q_VOLTAGE, true},
    {"Current.Offered", "A", Q_OFFERED, false},
    {"Temperature", "Celsius", Q_TEMPERATURE, false},
    {"Frequency", "Hertz", Q_FREQUENCY, false}, /* the unit of the OCA's errata v4.0 */
};

static const measurand *find(const char *name, size_t n) {
  for (size_t i = 0; i < sizeof supported / sizeof supported[0]; i++)
    if (strlen(supported[i].name) == n && strncmp(supported[i].name, name, n) == 0)
      return &supported[i];
  return NULL;
}

/* Every 1.6 measurand, to tell "unknown" from "not measured here": the
 * schema's own list. */
OCPP_ENUM_MEMBER_FN(known_16, ocpp16_MeterValuesRequest_meterValue_sampledValue_measurand_e_name)

/* Calls fn for each trimmed member of a comma-separated list. */
typedef int (*member_fn)(void *ctx, const char *m, size_t n);
static int each_member(const char *csl, member_fn fn, void *ctx) {
  const char *p = csl ? csl : "";
  while (*p) {
    const char *end = strchr(p, ',');
    if (!end) end = p + strlen(p);
    const char *b = p, *e = end;
    while (b < e && (*b == ' ' || *b == '\t')) b++;
    while (e > b && (e[-1] == ' ' || e[-1] == '\t')) e--;
    int rc = fn(ctx, b, (size_t)(e - b));
    if (rc) return rc;
    p = *end ? end + 1 : end;
  }
  return 0;
}

typedef struct {
  char *why;
  size_t len;
} check_ctx;

static int check_one(void *ctx, const char *m, size_t n) {
  check_ctx *c = ctx;
  if (n == 0) {
    snprintf(c->why, c->len, "empty member in the list");
    return -1;
  }
  if (find(m, n)) return 0;
  snprintf(c->why, c->len, "`%.*s` %s", (int)n, m,
           known_16(m, n) ? "is not measured by this station" : "is not an OCPP 1.6 measurand");
  return -1;
}

int ocpp16_measurands_check(const char *csl, char *why, size_t whylen) {
  check_ctx c = {why, whylen};
  return each_member(csl, check_one, &c) ? -1 : 0;
}

typedef struct {
  const meter_reading *r;
  const ocpp16_sample_extra *x;
  const char *context;
  json_t *out;
} sample_ctx;

static void add(sample_ctx *s, const measurand *m, double v, const char *phase) {
  char text[32];
  snprintf(text, sizeof text, m->q == Q_ENERGY ? "%.0f" : "%.2f", v);
  /* built member by member: json_pack parses its format at every value, and
   * checks that the texts, all ASCII written here, are UTF-8 (issue 15) */
  json_t *o = json_object();
  json_object_set_new_nocheck(o, "value", json_string_nocheck(text));
  json_object_set_new_nocheck(o, "context", json_string(s->context));
  json_object_set_new_nocheck(o, "format", json_string_nocheck("Raw"));
  json_object_set_new_nocheck(o, "measurand", json_string_nocheck(m->name));
  json_object_set_new_nocheck(o, "location",
                              json_string_nocheck(m->q == Q_TEMPERATURE ? "Body" : "Outlet"));
  if (m->unit) json_object_set_new_nocheck(o, "unit", json_string_nocheck(m->unit));
  if (phase) json_object_set_new_nocheck(o, "phase", json_string_nocheck(phase));
  json_array_append_new(s->out, o);
}

static int sample_one(void *ctx, const char *name, size_t n) {
  sample_ctx *s = ctx;
  const measurand *m = find(name, n);
  if (!m) return 0;
  static const char *const phase_names[] = {"L1", "L2", "L3"};
  static const char *const voltage_phases[] = {"L1-N", "L2-N", "L3-N"};
  int phases = s->x && s->x->phases == 1 ? 1 : 3;
  switch (m->q) {
  case Q_ENERGY:
    add(s, m, s->r->energy_import_wh, NULL);
    break;
  case Q_POWER:
    add(s, m, s->r->power_total_w, NULL);
    if (phases == 3)
      for (int i = 0; i < 3; i++) add(s, m, s->r->power_w[i], phase_names[i]);
    break;
  case Q_CURRENT:
    for (int i = 0; i < phases; i++) add(s, m, s->r->current_a[i], phase_names[i]);
    break;
  case Q_VOLTAGE:
    for (int i = 0; i < phases; i++) add(s, m, s->r->voltage_v[i], voltage_phases[i]);
    break;
  case Q_OFFERED:
    if (s->x) add(s, m, s->x->offered_a, NULL);
    break;
  case Q_TEMPERATURE:
    if (s->x && s->x->has_temperature) add(s, m, s->x->temperature, NULL);
    break;
  case Q_FREQUENCY:
    if (s->r->frequency_hz > 0) add(s, m, s->r->frequency_hz, NULL);
    break;
  }
  return 0;
}

void ocpp16_sampled_values(const char *csl, const meter_reading *r, const ocpp16_sample_extra *x,
                           const char *context, json_t *out) {
  sample_ctx s = {r, x, context, out};
  each_member(csl, sample_one, &s);
}

borne_ms ocpp16_next_aligned(borne_ms now_ms, long interval_s) {
  if (interval_s <= 0) return INT64_MAX;
  const borne_ms day = 86400000;
  borne_ms midnight = now_ms - ((now_ms % day) + day) % day;
  borne_ms step = (borne_ms)interval_s * 1000;
  borne_ms k = (now_ms - midnight) / step + 1;
  borne_ms next = midnight + k * step;
  /* intervals restart at every midnight (a day need not be a multiple) */
  return next > midnight + day ? midnight + day : next;
}
