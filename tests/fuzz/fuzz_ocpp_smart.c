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

#include "ocpp/ocpp16_smart.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define T0 (1767571200LL * 1000) /* 2026-01-05T00:00:00Z */

static void install(ocpp16_smart *s, int connector, json_t *profile, int tx, bool remote) {
  if (remote) {
    json_t *req = json_pack("{s:s, s:O}", "idTag", "FUZZ", "chargingProfile", profile);
    ocpp16_RemoteStartTransactionRequest q;
    if (ocpp16_RemoteStartTransactionRequest_decode(req, &q, NULL) == 0) {
      ocpp16_smart_set_remote_start(s, connector, &q.chargingProfile, T0);
      ocpp16_RemoteStartTransactionRequest_free(&q);
    }
    json_decref(req);
  } else {
    json_t *req = json_pack("{s:i, s:O}", "connectorId", connector, "csChargingProfiles", profile);
    ocpp16_SetChargingProfileRequest q;
    if (ocpp16_SetChargingProfileRequest_decode(req, &q, NULL) == 0) {
      ocpp16_smart_set(s, connector, &q.csChargingProfiles, tx, T0);
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
  ocpp16_smart_limits lim = {.max_stack_level = 8,
                             .max_periods = 24,
                             .max_profiles = 16,
                             .allow_watts = (mode & 0x40) != 0};
  char err[100];
  ocpp16_smart *s = ocpp16_smart_open(NULL, 2, &lim, err, sizeof err);
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
  if (remote) ocpp16_smart_bind_transaction(s, connector, 7);
  for (int c = 0; c <= 2; c++) {
    ocpp16_smart_limit_a(s, c, T0 + 3600000, tx, T0, 1 + (mode >> 4 & 3), 230);
    ocpp16_GetCompositeScheduleRequest req = {
        .connectorId = c,
        .duration = 86400 * 7,
        .has_chargingRateUnit = true,
        .chargingRateUnit = (mode & 0x80) ? ocpp16_GetCompositeScheduleRequest_chargingRateUnit_W
                                          : ocpp16_GetCompositeScheduleRequest_chargingRateUnit_A};
    json_t *comp = ocpp16_smart_composite(s, &req, T0, tx, T0, 3, 230);
    if (!comp) abort();
    json_decref(comp);
  }
  borne_ms t = T0;
  for (int k = 0; k < 64 && t != INT64_MAX; k++) t = ocpp16_smart_next_change(s, t);
  ocpp16_ClearChargingProfileRequest clear;
  if (ocpp16_ClearChargingProfileRequest_decode(j, &clear, NULL) == 0) {
    ocpp16_smart_clear(s, &clear);
    ocpp16_ClearChargingProfileRequest_free(&clear);
  }
  ocpp16_smart_transaction_ended(s, connector);
  ocpp16_smart_free(s);
  json_decref(j);
  return 0;
}
