/*
 * Fuzz target for the Smart Charging profile checks: arbitrary JSON as the
 * profile of a SetChargingProfile or RemoteStartTransaction (on a connector
 * and with a transaction chosen by the first byte; decoded into the
 * generated struct when the payload passes the schema, as the charge point
 * does), then the limit, the next change, a composite schedule and a clear
 * over what was installed. Anything must be Accepted or Rejected, never a
 * crash, a hang or a leak.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chargepoint/profiles.h"
#include "ocpp/v16/codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define T0 (1767571200LL * 1000) /* 2026-01-05T00:00:00Z */

/* The 1.6 answers as src/ocpp/v16/smart_charging.c makes them: the v16
 * codec decodes, the model decides, the codec encodes. */
static const char *set16(cp_profiles *s, int connector,
                         const ocpp16_SetChargingProfileRequest_csChargingProfiles *in, int tx,
                         borne_ms now) {
  cp_charging_profile p;
  cp_schedule_period *periods = NULL;
  char id[CP_TX_ID_MAX + 1];
  v16_tx_id(tx, id);
  cp_profile_result r = !s ? CP_PROFILE_NOT_SUPPORTED
                        : v16_profile_decode(in, &p, &periods) == 0
                            ? cp_profiles_set(s, connector, &p, id, now)
                            : CP_PROFILE_REJECTED;
  free(periods);
  return v16_profile_status(r);
}

static const char *remote16(cp_profiles *s, int connector,
                            const ocpp16_RemoteStartTransactionRequest_chargingProfile *in,
                            borne_ms now) {
  cp_charging_profile p;
  cp_schedule_period *periods = NULL;
  cp_profile_result r = !s ? CP_PROFILE_NOT_SUPPORTED
                        : v16_remote_start_profile_decode(in, &p, &periods) == 0
                            ? cp_profiles_set_for_next_transaction(s, connector, &p, now)
                            : CP_PROFILE_REJECTED;
  free(periods);
  return v16_profile_status(r);
}

static double limit16(cp_profiles *s, int connector, borne_ms now, int tx, borne_ms tx_start,
                      int phases, double voltage) {
  char id[CP_TX_ID_MAX + 1];
  v16_tx_id(tx, id);
  return cp_profiles_limit_a(s, connector, now, id, tx_start, phases, voltage);
}

static void bind16(cp_profiles *s, int connector, int tx) {
  char id[CP_TX_ID_MAX + 1];
  v16_tx_id(tx, id);
  cp_profiles_bind_transaction(s, connector, id);
}

static int clear16(cp_profiles *s, const ocpp16_ClearChargingProfileRequest *req) {
  cp_profile_filter f;
  return v16_clear_filter_decode(req, &f) == 0 ? cp_profiles_clear(s, &f) : 0;
}

static json_t *composite16(cp_profiles *s, const ocpp16_GetCompositeScheduleRequest *req,
                           borne_ms now, int tx, borne_ms tx_start, int phases, double voltage) {
  char id[CP_TX_ID_MAX + 1];
  v16_tx_id(tx, id);
  cp_composite_schedule c;
  cp_profile_result r =
      req->connectorId < 0 || req->connectorId > BORNE_MAX_CONNECTORS
          ? CP_PROFILE_REJECTED
          : cp_profiles_composite(s, (int)req->connectorId, req->duration, v16_composite_unit(req),
                                  now, id, tx_start, phases, voltage, &c);
  json_t *out = v16_composite_encode(r, r == CP_PROFILE_ACCEPTED ? &c : NULL);
  if (r == CP_PROFILE_ACCEPTED) cp_composite_schedule_free(&c);
  return out;
}

static void install(cp_profiles *s, int connector, json_t *profile, int tx, bool remote) {
  if (remote) {
    json_t *req = json_pack("{s:s, s:O}", "idTag", "FUZZ", "chargingProfile", profile);
    ocpp16_RemoteStartTransactionRequest q;
    if (ocpp16_RemoteStartTransactionRequest_decode(req, &q, NULL) == 0) {
      remote16(s, connector, &q.chargingProfile, T0);
      ocpp16_RemoteStartTransactionRequest_free(&q);
    }
    json_decref(req);
  } else {
    json_t *req = json_pack("{s:i, s:O}", "connectorId", connector, "csChargingProfiles", profile);
    ocpp16_SetChargingProfileRequest q;
    if (ocpp16_SetChargingProfileRequest_decode(req, &q, NULL) == 0) {
      set16(s, connector, &q.csChargingProfiles, tx, T0);
      ocpp16_SetChargingProfileRequest_free(&q);
    }
    json_decref(req);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  uint8_t mode = data[0];
  json_t *j = json_loadb((const char *)data + 1, size - 1, JSON_DECODE_ANY, NULL);
  if (!j) return 0;
  cp_profile_limits lim = {.max_stack_level = 8,
                           .max_periods = 24,
                           .max_profiles = 16,
                           .allow_watts = (mode & 0x40) != 0};
  char err[100];
  cp_profiles *s = cp_profiles_open(NULL, 2, &lim, err, sizeof err);
  if (!s) abort();
  int connector = mode & 3; /* 3 is out of range on purpose */
  int tx = (mode & 4) ? 7 : 0;
  bool remote = (mode & 8) != 0;
  /* The same input as a profile, and as a list of profiles. */
  if (json_is_array(j)) {
    size_t i;
    json_t *p;
    json_array_foreach(j, i, p) install(s, connector, p, tx, remote);
  } else {
    install(s, connector, j, tx, remote);
  }
  if (remote) bind16(s, connector, 7);
  for (int c = 0; c <= 2; c++) {
    limit16(s, c, T0 + 3600000, tx, T0, 1 + (mode >> 4 & 3), 230);
    ocpp16_GetCompositeScheduleRequest req = {
        .connectorId = c,
        .duration = 86400 * 7,
        .has_chargingRateUnit = true,
        .chargingRateUnit = (mode & 0x80) ? ocpp16_GetCompositeScheduleRequest_chargingRateUnit_W
                                          : ocpp16_GetCompositeScheduleRequest_chargingRateUnit_A};
    json_t *comp = composite16(s, &req, T0, tx, T0, 3, 230);
    if (!comp) abort();
    json_decref(comp);
  }
  borne_ms t = T0;
  for (int k = 0; k < 64 && t != INT64_MAX; k++) t = cp_profiles_next_change(s, t);
  ocpp16_ClearChargingProfileRequest clear;
  if (ocpp16_ClearChargingProfileRequest_decode(j, &clear, NULL) == 0) {
    clear16(s, &clear);
    ocpp16_ClearChargingProfileRequest_free(&clear);
  }
  cp_profiles_transaction_ended(s, connector);
  cp_profiles_free(s);
  json_decref(j);
  return 0;
}
