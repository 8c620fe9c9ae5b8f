/* A fault as an OCPP 2.0.1 NotifyEvent (problem.h). */
#include "ocpp/v201/problem.h"

#include <stdio.h>

#include "core/errors.h"
#include "util/timefmt.h"

const char *v201_problem_component(error_code code) {
  return code == ERR_LOCK_FAILURE || code == ERR_UNLOCK_FAILURE ? "ConnectorPlugRetentionLock"
                                                                : "Connector";
}

json_t *v201_problem_event(const v201_problem *p, borne_ms now) {
  char at[40], code[51], info[501];
  timefmt_iso(now, at, sizeof at);
  const error_info *e = error_info_of(p->code);
  snprintf(code, sizeof code, "%s", e->vendor_code ? e->vendor_code : e->ocpp16_code);
  snprintf(info, sizeof info, "%s", e->owner_text ? e->owner_text : "");
  json_t *data = json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:{s:s, s:{s:i, s:i}}, s:{s:s}}",
                           "eventId", p->event_id, "timestamp", at, "trigger", "Delta",
                           "actualValue", p->cleared ? "false" : "true", "techCode", code,
                           "techInfo", info, "eventNotificationType", "HardWiredNotification",
                           "component", "name", v201_problem_component(p->code), "evse", "id",
                           p->evse, "connectorId", 1, "variable", "name", "Problem");
  if (!data) return NULL;
  if (p->cleared) {
    json_object_set_new(data, "cleared", json_true());
    if (p->cause) json_object_set_new(data, "cause", json_integer(p->cause));
  }
  if (p->tx_id && p->tx_id[0]) json_object_set_new(data, "transactionId", json_string(p->tx_id));
  return json_pack("{s:s, s:i, s:[o]}", "generatedAt", at, "seqNo", 0, "eventData", data);
}
