/*
 * The OCPP 2.0.1 device model (src/ocpp/v201/device_model.c) on any input.
 * The first byte shapes the station (EVSE count, their states, power); the
 * rest is read as JSON: a GetReportRequest whose componentVariable and
 * componentCriteria select the report, and GetVariables / SetVariables items
 * (getVariableData, setVariableData) looked up and checked. Nothing may
 * crash; every value fits ReportingValueSize; a set the model accepts names
 * the OCPP key it writes through; every NotifyReport page of the report
 * passes the 2.0.1 schema, with seqNo in order and tbc on all but the last.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ocpp/ocpp_keys.h"
#include "ocpp/v201/device_model.h"
#include "ocpp201_messages.h"
#include "config/config.h"
#include "config/config_tables.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static config *cfg;
  if (!cfg) {
    if (config_registry_add_table(&ocpp_keys) != 0) abort();
    cfg = config_new();
  }
  if (size < 1) return 0;
  static const char *const states[] = {"Available", "Occupied", "Reserved", "Unavailable",
                                       "Faulted"};
  dm_live live = {.evse_count = data[0] % 4, .now_ms = 1796518800000LL + data[0]};
  for (int i = 0; i < BORNE_MAX_CONNECTORS; i++) {
    live.evse_state[i] = states[(data[0] + i) % 5];
    live.evse_power_w[i] = data[0] * 100.0 * i;
  }
  dm_ctx c = {cfg, &live};
  json_t *req = json_loadb((const char *)data + 1, size - 1, 0, NULL);
  if (!req) return 0;

  const char *const lists[] = {"getVariableData", "setVariableData"};
  for (int l = 0; l < 2; l++) {
    size_t i;
    const json_t *item;
    json_array_foreach(json_object_get(req, lists[l]), i, item) {
      dm_ref ref = dm_ref_of(item);
      dm_attr attr;
      if (!dm_attr_parse(json_string_value(json_object_get(item, "attributeType")), &attr))
        attr = DM_ACTUAL;
      char value[DM_REPORTING_VALUE_SIZE + 1];
      if (dm_get(&c, &ref, attr, value, sizeof value) == DM_ACCEPTED &&
          strlen(value) > DM_REPORTING_VALUE_SIZE)
        abort();
      const char *name = (const char *)1,
                 *v = json_string_value(json_object_get(item, "attributeValue"));
      char why[160];
      dm_status s = dm_set_check(&c, &ref, attr, v, &name, why, sizeof why);
      if ((s == DM_ACCEPTED) != (name != NULL)) abort();
      if (s == DM_ACCEPTED && !ocpp_keys_borne_key(name)) abort();
    }
  }

  /* a report: GetReport's filters when the input has any, else a base report (one
   * input in four: the full inventory is the slow part) */
  bool filtered =
      json_object_get(req, "componentVariable") || json_object_get(req, "componentCriteria");
  if (!filtered && (data[0] & 0x30)) {
    json_decref(req);
    return 0;
  }
  json_t *items = dm_report(&c, (dm_base)(data[0] % 3), filtered ? req : NULL);
  json_t *pages = dm_report_pages(items, 7, "2026-12-06T01:00:00.000Z", 300 + data[0] * 40u);
  size_t i, total = 0;
  json_t *p;
  json_array_foreach(pages, i, p) {
    ocpp_error err;
    if (ocpp201_validate("NotifyReport", true, p, &err) != 0) abort();
    if (json_integer_value(json_object_get(p, "seqNo")) != (json_int_t)i) abort();
    if (json_is_true(json_object_get(p, "tbc")) != (i + 1 < json_array_size(pages))) abort();
    total += json_array_size(json_object_get(p, "reportData"));
  }
  if (total != json_array_size(items)) abort();
  json_decref(pages);
  json_decref(items);
  json_decref(req);
  return 0;
}
