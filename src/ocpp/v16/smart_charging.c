/*
 * OCPP 1.6 Smart Charging profile: SetChargingProfile (5.16),
 * ClearChargingProfile (5.5), GetCompositeSchedule (5.7), and the composite
 * limit of each connector handed to the station as its OCPP limit
 * (apply_profiles). The profiles and their arithmetic are ocpp16_smart.c;
 * this is the 1.6 dialect's glue for them.
 */
#include <string.h>

#include "ocpp/v16/v16_internal.h"

/* When the running session of connector c started (Relative schedules). */
static borne_ms tx_start_of(ocpp16_station *o, int c) {
  session_row row;
  if (o->conn[c - 1].session_id &&
      store_session_get(o->st->db, o->conn[c - 1].session_id, &row) == 0)
    return row.start_ms;
  return 0;
}

/* The composite profile limit of each connector, as a core limit (OCPP). */
void v16_apply_profiles(ocpp16_station *o) {
  borne_ms now = now_of(o);
  double voltage = config_get_number(o->st->cfg, "site.voltage_v");
  for (int c = 1; c <= o->count; c++) {
    borne_ms tx_start = tx_start_of(o, c);
    double a = ocpp16_smart_limit_a(o->smart, c, now, o->conn[c - 1].transaction_id, tx_start,
                                    station_connector_phases(o->st, c), voltage);
    /* the core keeps the value; setting the same one again changes nothing */
    station_set_limit(o->st, c, LIMIT_OCPP, a);
  }
}

/* ---------- incoming calls ---------- */

static void h_set_charging_profile(ocpp16_station *o, const json_t *req, ocpp_reply *r) {
  ocpp16_SetChargingProfileRequest q;
  ocpp_error e;
  if (!v16_decoded(ocpp16_SetChargingProfileRequest_decode(req, &q, &e), &e, r)) return;
  int c = (int)q.connectorId;
  const char *status = "Rejected";
  if (c >= 0 && c <= o->count)
    status = ocpp16_smart_set(o->smart, c, &q.csChargingProfiles,
                              c ? o->conn[c - 1].transaction_id : 0, now_of(o));
  ocpp16_SetChargingProfileRequest_free(&q);
  v16_reply_status(r, status);
  if (strcmp(status, "Accepted") == 0) {
    v16_apply_profiles(o);
    v16_arm_tick(o);
  }
}

static void h_clear_charging_profile(ocpp16_station *o, const json_t *req, ocpp_reply *r) {
  ocpp16_ClearChargingProfileRequest q;
  ocpp_error e;
  if (!v16_decoded(ocpp16_ClearChargingProfileRequest_decode(req, &q, &e), &e, r)) return;
  int n = ocpp16_smart_clear(o->smart, &q);
  ocpp16_ClearChargingProfileRequest_free(&q);
  v16_reply_status(r, n > 0 ? "Accepted" : "Unknown");
  v16_apply_profiles(o);
  v16_arm_tick(o);
}

static void h_get_composite_schedule(ocpp16_station *o, const json_t *req, ocpp_reply *r) {
  ocpp16_GetCompositeScheduleRequest q;
  ocpp_error e;
  if (!v16_decoded(ocpp16_GetCompositeScheduleRequest_decode(req, &q, &e), &e, r)) return;
  int c = (int)q.connectorId;
  if (c < 0 || c > o->count) {
    v16_reply_status(r, "Rejected");
  } else {
    int tx = c ? o->conn[c - 1].transaction_id : 0;
    r->result = ocpp16_smart_composite(o->smart, &q, now_of(o), tx, tx ? tx_start_of(o, c) : 0,
                                       c ? station_connector_phases(o->st, c) : 3,
                                       config_get_number(o->st->cfg, "site.voltage_v"));
  }
  ocpp16_GetCompositeScheduleRequest_free(&q);
}

/* The incoming CALLs of this family (gathered by on_call in ocpp16_module.c). */
static const v16_handler handlers[] = {
    {"SetChargingProfile", h_set_charging_profile, false},
    {"ClearChargingProfile", h_clear_charging_profile, false},
    {"GetCompositeSchedule", h_get_composite_schedule, false},
};
const v16_family v16_smart_charging_calls = {handlers, sizeof handlers / sizeof handlers[0]};
