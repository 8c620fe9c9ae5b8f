/*
 * OCPP 1.6 Smart Charging, the calls the 1.6 glue makes (see
 * ocpp16_smart.h): thin wrappers that decode the generated 1.6 types with
 * the v16 codec (src/ocpp/v16/codec.h), hand them to the charge-point model
 * (src/chargepoint/profiles.h) where the rules live, and encode its answer.
 * They go when the glue in src/ocpp/v16 calls model and codec itself.
 */
#include "ocpp/ocpp16_smart.h"

#include <stdlib.h>

#include "chargepoint/profiles.h"
#include "ocpp/v16/codec.h"

struct ocpp16_smart {
  cp_profiles *m;
};

static cp_profile_limits limits_of(const ocpp16_smart_limits *l) {
  return (cp_profile_limits){.max_stack_level = l->max_stack_level,
                             .max_periods = l->max_periods,
                             .max_profiles = l->max_profiles,
                             .allow_watts = l->allow_watts};
}

ocpp16_smart *ocpp16_smart_open(store *db, int connectors, const ocpp16_smart_limits *lim,
                                char *err, size_t errlen) {
  cp_profile_limits l = lim ? limits_of(lim) : (cp_profile_limits){0};
  ocpp16_smart *s = calloc(1, sizeof *s);
  if (s) s->m = cp_profiles_open(db, connectors, lim ? &l : NULL, err, errlen);
  if (!s || !s->m) {
    free(s);
    return NULL;
  }
  return s;
}

void ocpp16_smart_free(ocpp16_smart *s) {
  if (!s) return;
  cp_profiles_free(s->m);
  free(s);
}

void ocpp16_smart_set_limits(ocpp16_smart *s, const ocpp16_smart_limits *lim) {
  if (!s || !lim) return;
  cp_profile_limits l = limits_of(lim);
  cp_profiles_set_limits(s->m, &l);
}

const char *ocpp16_smart_set(ocpp16_smart *s, int connector, const ocpp16_charging_profile *in,
                             int active_tx_id, borne_ms now) {
  if (!s) return v16_profile_status(CP_PROFILE_NOT_SUPPORTED);
  cp_charging_profile p;
  cp_schedule_period *periods;
  cp_profile_result r = CP_PROFILE_REJECTED;
  if (v16_profile_decode(in, &p, &periods) == 0) {
    char tx[CP_TX_ID_MAX + 1];
    v16_tx_id(active_tx_id, tx);
    r = cp_profiles_set(s->m, connector, &p, tx, now);
  }
  free(periods);
  return v16_profile_status(r);
}

const char *
ocpp16_smart_set_remote_start(ocpp16_smart *s, int connector,
                              const ocpp16_RemoteStartTransactionRequest_chargingProfile *in,
                              borne_ms now) {
  if (!s) return v16_profile_status(CP_PROFILE_NOT_SUPPORTED);
  cp_charging_profile p;
  cp_schedule_period *periods;
  cp_profile_result r = CP_PROFILE_REJECTED;
  if (v16_remote_start_profile_decode(in, &p, &periods) == 0)
    r = cp_profiles_set_for_next_transaction(s->m, connector, &p, now);
  free(periods);
  return v16_profile_status(r);
}

void ocpp16_smart_bind_transaction(ocpp16_smart *s, int connector, int tx_id) {
  if (!s) return;
  char tx[CP_TX_ID_MAX + 1];
  v16_tx_id(tx_id, tx);
  cp_profiles_bind_transaction(s->m, connector, tx);
}

int ocpp16_smart_clear(ocpp16_smart *s, const ocpp16_ClearChargingProfileRequest *req) {
  cp_profile_filter f;
  if (!s || v16_clear_filter_decode(req, &f) != 0) return 0;
  return cp_profiles_clear(s->m, &f);
}

double ocpp16_smart_limit_a(ocpp16_smart *s, int connector, borne_ms now, int tx_id,
                            borne_ms tx_start, int phases, double voltage) {
  if (!s) return -1;
  char tx[CP_TX_ID_MAX + 1];
  v16_tx_id(tx_id, tx);
  return cp_profiles_limit_a(s->m, connector, now, tx, tx_start, phases, voltage);
}

borne_ms ocpp16_smart_next_change(ocpp16_smart *s, borne_ms now) {
  return s ? cp_profiles_next_change(s->m, now) : INT64_MAX;
}

void ocpp16_smart_transaction_ended(ocpp16_smart *s, int connector) {
  if (s) cp_profiles_transaction_ended(s->m, connector);
}

json_t *ocpp16_smart_composite(ocpp16_smart *s, const ocpp16_GetCompositeScheduleRequest *req,
                               borne_ms now, int tx_id, borne_ms tx_start, int phases,
                               double voltage) {
  if (!s || !req) return v16_composite_encode(CP_PROFILE_REJECTED, NULL);
  if (req->connectorId < 0 || req->connectorId > BORNE_MAX_CONNECTORS)
    return v16_composite_encode(CP_PROFILE_REJECTED, NULL);
  cp_rate_unit unit = v16_composite_unit(req);
  char tx[CP_TX_ID_MAX + 1];
  v16_tx_id(tx_id, tx);
  cp_composite_schedule c;
  cp_profile_result r = cp_profiles_composite(s->m, (int)req->connectorId, req->duration, unit, now,
                                              tx, tx_start, phases, voltage, &c);
  json_t *out = v16_composite_encode(r, &c);
  cp_composite_schedule_free(&c);
  return out;
}

int ocpp16_smart_count(const ocpp16_smart *s) { return s ? cp_profiles_count(s->m) : 0; }
