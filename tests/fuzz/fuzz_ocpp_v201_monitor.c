/*
 * The OCPP 2.0.1 variable monitors (src/ocpp/v201/monitor.c) on any input:
 * the bytes are a SetVariableMonitoringRequest, decoded by the generated
 * 2.0.1 code as the dialect does (monitoring.c), each setMonitoringData item
 * added to a set of monitors (its id, type, value and severity as the CSMS
 * sent them), then every monitor checked against the items' values as the
 * variable's value on a clock that moves, and saved and loaded back. Also
 * every item read as a saved monitor (mon_from_json). The station's own
 * monitors (one preconfigured, one hard-wired) are installed first and a
 * SetMonitoringBase picked by the first byte applied at the end; the events
 * of the checks are cut into NotifyEvent messages. Nothing may crash; the
 * set never holds more than MON_MAX custom monitors; an accepted monitor is
 * found by its id; a saved monitor loads back as the same definition; the
 * hard-wired monitor is always there; the messages carry every event once.
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
  mon_monitor own[2] = {{.id = MON_BUILTIN_ID,
                         .kind = MON_PRECONFIGURED,
                         .type = MON_DELTA,
                         .value = 1,
                         .severity = 5},
                        {.id = MON_BUILTIN_ID + 1,
                         .kind = MON_HARDWIRED,
                         .type = MON_UPPER,
                         .value = 11000,
                         .severity = 3,
                         .evse = 1}};
  strcpy(own[0].component, "ChargingStation");
  strcpy(own[0].variable, "Available");
  strcpy(own[1].component, "EVSE");
  strcpy(own[1].variable, "Power");
  mon_set_install(&s, own, 2, true, NULL, 0, 0);
  json_t *events = json_array();
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
      if (!why || mon_set_custom_count(&s) > MON_MAX || s.count > MON_CAPACITY) abort();
      if (st == MON_ACCEPTED && !mon_set_find(&s, id)) abort();
    }
    for (int step = 0; step < 4; step++) {
      now += 60000LL * (data[0] % 7 + step);
      for (int k = 0; k < s.count; k++) {
        mon_trip t;
        char v[32];
        snprintf(v, sizeof v, "%g",
                 q.setMonitoringData_count ? q.setMonitoringData[0].value * step : 0);
        if (mon_check(&s.m[k], v, true, now, &t)) {
          if (!t.trigger) abort();
          json_array_append_new(
              events, json_pack("{s:i, s:s}", "variableMonitoringId", s.m[k].id, "actualValue", v));
        }
        json_t *j = mon_to_json(&s.m[k]);
        mon_monitor back;
        if (!mon_from_json(j, &back) || back.id != s.m[k].id || back.type != s.m[k].type ||
            strcmp(back.variable, s.m[k].variable) != 0)
          abort();
        json_decref(j);
      }
    }
    if (s.count && !strcmp(mon_set_clear(&s, s.m[0].id), "NotFound")) abort();
    mon_set_base(&s, (mon_base)(data[0] % 3), own, 2, now);
    if (!mon_set_find(&s, MON_BUILTIN_ID + 1) ||
        strcmp(mon_set_clear(&s, MON_BUILTIN_ID + 1), "Rejected"))
      abort();
    json_t *messages = mon_event_messages(events, "2026-12-07T10:00:00.000Z", 200 + data[0] * 4u);
    size_t told = 0, k;
    json_t *msg;
    json_array_foreach(messages, k, msg) {
      if (json_integer_value(json_object_get(msg, "seqNo")) != (json_int_t)k) abort();
      told += json_array_size(json_object_get(msg, "eventData"));
    }
    if (told != json_array_size(events)) abort();
    json_decref(messages);
    ocpp201_SetVariableMonitoringRequest_free(&q);
  }
  json_decref(events);
  json_decref(req);
  return 0;
}
