/*
 * OCPP 1.6 Smart Charging profile: SetChargingProfile (5.16),
 * ClearChargingProfile (5.5), GetCompositeSchedule (5.7), and the composite
 * limit of each connector handed to the station as its OCPP limit
 * (apply_profiles). The profiles and their rules are the charge-point
 * model's (src/chargepoint/profiles.h); each handler decodes the 1.6 request
 * with the v16 codec (codec.h), calls the model and encodes its answer.
 */
#include <stdlib.h>
#include <string.h>

#include "ocpp/ocpp_core.h"
#include "ocpp/v16/v16_internal.h"
#include "core/grid_type.h"

/* When the running session of connector c started (Relative schedules). */
static borne_ms tx_start_of(ocpp16_station *o, int c) {
  session_row row;
  if (o->conn[c - 1].session_id &&
      store_session_get(o->st->db, o->conn[c - 1].session_id, &row) == 0)
    return row.start_ms;
  return 0;
}

/* W <-> A at the site's voltage for a load on `phases` conductors (an IT grid:
 * site.voltage_v is line-to-line, see core/grid_type.h) */
static double phase_voltage(const config *cfg, int phases) {
  return grid_phase_voltage(grid_type_parse(config_get(cfg, "site.grid_type")),
                            config_get_number(cfg, "site.voltage_v"), phases);
}

/* The composite profile limit of each connector, as a core limit (OCPP). */
void v16_apply_profiles(ocpp16_station *o) {
  /* the profiles are every version's: the dialect spoken applies them (its
   * transaction ids are the ones the TxProfiles are bound to) */
  if (o->shared && o->shared->active && o->shared->active->family != OCPP_FAMILY_V16) return;
  borne_ms now = now_of(o);
  for (int c = 1; c <= o->count; c++) {
    borne_ms tx_start = tx_start_of(o, c);
    char tx[CP_TX_ID_MAX + 1];
    v16_tx_id(o->conn[c - 1].transaction_id, tx);
    double a =
        cp_profiles_limit_a(o->smart, c, now, tx, tx_start, station_connector_phases(o->st, c),
                            phase_voltage(o->st->cfg, station_connector_phases(o->st, c)));
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
  cp_profile_result res = o->smart ? CP_PROFILE_REJECTED : CP_PROFILE_NOT_SUPPORTED;
  cp_charging_profile p;
  cp_schedule_period *periods = NULL;
  if (o->smart && c >= 0 && c <= o->count &&
      v16_profile_decode(&q.csChargingProfiles, &p, &periods) == 0) {
    char tx[CP_TX_ID_MAX + 1];
    v16_tx_id(c ? o->conn[c - 1].transaction_id : 0, tx);
    res = cp_profiles_set(o->smart, c, &p, tx, now_of(o));
  }
  free(periods);
  ocpp16_SetChargingProfileRequest_free(&q);
  v16_reply_status(r, v16_profile_status(res));
  if (res == CP_PROFILE_ACCEPTED) {
    v16_apply_profiles(o);
    v16_arm_tick(o);
  }
}

static void h_clear_charging_profile(ocpp16_station *o, const json_t *req, ocpp_reply *r) {
  ocpp16_ClearChargingProfileRequest q;
  ocpp_error e;
  if (!v16_decoded(ocpp16_ClearChargingProfileRequest_decode(req, &q, &e), &e, r)) return;
  cp_profile_filter f;
  int n = v16_clear_filter_decode(&q, &f) == 0 ? cp_profiles_clear(o->smart, &f) : 0;
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
    char id[CP_TX_ID_MAX + 1];
    v16_tx_id(tx, id);
    cp_composite_schedule cs;
    cp_profile_result res = cp_profiles_composite(
        o->smart, c, q.duration, v16_composite_unit(&q), now_of(o), id, tx ? tx_start_of(o, c) : 0,
        c ? station_connector_phases(o->st, c) : 3,
        phase_voltage(o->st->cfg, c ? station_connector_phases(o->st, c) : 3), &cs);
    r->result = v16_composite_encode(res, &cs);
    if (res == CP_PROFILE_ACCEPTED) cp_composite_schedule_free(&cs);
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
