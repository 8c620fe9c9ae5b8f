/*
 * OCPP 2.0.1 blocks K15-K17: the hooks an ISO 15118 stack calls when the EV
 * tells its charging needs or its own charging schedule (NotifyEVChargingNeeds,
 * NotifyEVChargingSchedule). borne has no 15118 stack and AC basic charging
 * (IEC 61851) never calls them; they exist so that one can be added without
 * touching the dialect (declared in v201_internal.h, unit-tested by
 * test_ocpp_v201_smart). The EV's choice among a TxProfile's schedules is
 * v201_ev_schedule_chosen (smart_charging.c). Block M's hooks (certificates
 * of the EV) are security.c's. One file of the 2.0.1 dialect's functional
 * blocks; it needs only the link, so it links without the station.
 */
#include <stdlib.h>

#include "ocpp/v201/v201_internal.h"

static v201_call_fn ev_sender;

void v201_set_iso15118_sender(v201_call_fn send) { ev_sender = send; }

typedef struct {
  v201_ev_answer_fn done;
  void *ctx;
} ev_pending;

static void ev_answered(void *ctx, const json_t *result, const char *code, const char *text) {
  ev_pending *p = ctx;
  if (code) log_info(MOD, "ISO 15118 message: %s %s", code, text ? text : "");
  if (p->done) p->done(p->ctx, result, code, text);
  free(p);
}

static int ev_send(ocpp201_station *o, const char *action, json_t *request, v201_ev_answer_fn done,
                   void *ctx) {
  const json_t *evse = json_object_get(request, "evseId");
  ev_pending *p = NULL;
  if (!o || !o->link || !json_is_integer(evse) || json_integer_value(evse) < 1 ||
      json_integer_value(evse) > o->count || !(p = malloc(sizeof *p))) {
    json_decref(request);
    return -1;
  }
  *p = (ev_pending){done, ctx};
  if ((ev_sender ? ev_sender : ocpp_link_call)(o->link, action, request, ev_answered, p) != 0) {
    free(p);
    log_info(MOD, "%s not sent (not connected, or refused by the schema)", action);
    return -1;
  }
  return 0;
}

int v201_notify_ev_charging_needs(ocpp201_station *o, json_t *request, v201_ev_answer_fn done,
                                  void *ctx) {
  return ev_send(o, "NotifyEVChargingNeeds", request, done, ctx);
}

int v201_notify_ev_charging_schedule(ocpp201_station *o, json_t *request, v201_ev_answer_fn done,
                                     void *ctx) {
  return ev_send(o, "NotifyEVChargingSchedule", request, done, ctx);
}
