/*
 * The OCPP 2.0.1 variable monitors (src/ocpp/v201/monitor.c) on any input:
 * the bytes are a SetVariableMonitoringRequest, decoded by the generated
 * 2.0.1 code as the dialect does (monitoring.c), each setMonitoringData item
 * added to a set of monitors (its id, type, value and severity as the CSMS
 * sent them), then every monitor checked against the items' values as the
 * variable's value on a clock that moves, and saved and loaded back. Also
 * every item read as a saved monitor (mon_from_json). Nothing may crash; the
 * set never exceeds MON_MAX; an accepted monitor is found by its id; a
 * saved monitor loads back as the same definition.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ocpp/v201/monitor.h"
#include "ocpp201_messages.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  json_t *req = json_loadb((const char *)data + 1, size - 1, 0, NULL);
  if (!req) return 0;
  mon_set s;
  mon_set_init(&s);
  long long now = 1796515200000LL + data[0] * 1000LL;
  size_t i;
  const json_t *item;
  json_array_foreach(json_object_get(req, "setMonitoringData"), i, item) {
    mon_monitor m;
    if (mon_from_json(item, &m) && (m.severity < 0 || m.severity > 9)) abort();
  }
  ocpp201_SetVariableMonitoringRequest q;
  ocpp_error err;
  if (ocpp201_SetVariableMonitoringRequest_decode(req, &q, &err) == 0) {
    for (size_t k = 0; k < q.setMonitoringData_count; k++) {
      const ocpp201_SetVariableMonitoringRequest_setMonitoringData *d = &q.setMonitoringData[k];
      mon_monitor m = {.id = d->has_id && d->id > 0 && d->id < 1000000 ? (int)d->id : 0,
                       .type = (mon_type)d->type,
                       .value = d->value,
                       .severity = d->severity < 0 || d->severity > 9 ? -1 : (int)d->severity,
                       .transaction = d->has_transaction && d->transaction,
                       .evse = d->component.has_evse ? (int)(d->component.evse.id & 0xff) : 0};
      snprintf(m.component, sizeof m.component, "%s", d->component.name);
      snprintf(m.variable, sizeof m.variable, "%s", d->variable.name);
      char current[32];
      snprintf(current, sizeof current, "%g", d->value);
      int id = 0;
      const char *why = NULL;
      mon_status st = mon_set_add(&s, &m, d->has_id, (data[0] & 1) != 0, current, now, &id, &why);
      if (!why || s.count > MON_MAX) abort();
      if (st == MON_ACCEPTED && !mon_set_find(&s, id)) abort();
    }
    for (int step = 0; step < 4; step++) {
      now += 60000LL * (data[0] % 7 + step);
      for (int k = 0; k < s.count; k++) {
        mon_trip t;
        char v[32];
        snprintf(v, sizeof v, "%g",
                 q.setMonitoringData_count ? q.setMonitoringData[0].value * step : 0);
        if (mon_check(&s.m[k], v, true, now, &t) && !t.trigger) abort();
        json_t *j = mon_to_json(&s.m[k]);
        mon_monitor back;
        if (!mon_from_json(j, &back) || back.id != s.m[k].id || back.type != s.m[k].type ||
            strcmp(back.variable, s.m[k].variable) != 0)
          abort();
        json_decref(j);
      }
    }
    if (s.count && !strcmp(mon_set_clear(&s, s.m[0].id), "NotFound")) abort();
    ocpp201_SetVariableMonitoringRequest_free(&q);
  }
  json_decref(req);
  return 0;
}
