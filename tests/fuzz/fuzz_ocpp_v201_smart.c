/*
 * OCPP 2.0.1 charging profiles (src/ocpp/v201/charging_profile.c) on any
 * input: the JSON after the first 2 bytes is a SetChargingProfile's
 * chargingProfile (evseId from byte 0). What the generated validator
 * accepts is decoded and offered to the profile engine, and never crashes
 * it; a profile the engine installs is reported back as a ChargingProfileType
 * that must pass the ReportChargingProfiles schema, and the composite
 * schedule of its EVSE (byte 1: duration, unit) the GetCompositeSchedule
 * answer's.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <jansson.h>

#include "chargepoint/profiles.h"
#include "ocpp/v201/charging_profile.h"
#include "ocpp201_messages.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define T0 (1796518800LL * 1000)

static void must_pass(const char *action, bool request, json_t *payload) {
  ocpp_error err;
  if (!payload || ocpp201_validate(action, request, payload, &err) != 0) abort();
  json_decref(payload);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2) return 0;
  json_t *profile = json_loadb((const char *)data + 2, size - 2, 0, NULL);
  if (!profile) return 0;
  int evse = data[0] % 4;
  json_t *req = json_pack("{s:i,s:o}", "evseId", evse, "chargingProfile", profile);
  ocpp_error err;
  ocpp201_SetChargingProfileRequest q;
  if (!req || ocpp201_validate("SetChargingProfile", true, req, &err) != 0 ||
      ocpp201_SetChargingProfileRequest_decode(req, &q, &err) != 0) {
    json_decref(req);
    return 0;
  }
  json_decref(req);
  cp_profile_limits lim = {
      .max_stack_level = 8, .max_periods = 24, .max_profiles = 16, .allow_watts = true};
  char e[128];
  cp_profiles *s = cp_profiles_open(NULL, 3, &lim, e, sizeof e);
  cp_charging_profile p;
  cp_schedule_period *periods = NULL;
  v201_refusal why = {0};
  cp_profile_result r = CP_PROFILE_REJECTED;
  if (v201_profile_decode(&q.chargingProfile, &p, &periods, &why) == 0)
    r = cp_profiles_set(s, evse, &p, p.transaction_id, T0);
  free(periods);
  ocpp201_SetChargingProfileRequest_free(&q);
  must_pass("SetChargingProfile", false, v201_set_profile_answer(r, why.reason ? &why : NULL));
  for (int i = 0; i < cp_profiles_count(s); i++) {
    int c;
    if (cp_profiles_get(s, i, &c, &p, &periods) != 0) abort();
    json_t *list = json_array();
    json_array_append_new(list, v201_profile_json(&p));
    free(periods);
    must_pass("ReportChargingProfiles", true,
              json_pack("{s:i,s:s,s:o,s:i}", "requestId", 1, "chargingLimitSource", "CSO",
                        "chargingProfile", list, "evseId", c));
  }
  cp_composite_schedule cs;
  int c = evse ? evse : 1;
  r = cp_profiles_composite(s, c, 1 + data[1] * 600, data[1] & 1 ? CP_UNIT_WATTS : CP_UNIT_AMPS, T0,
                            NULL, 0, 3, 230, &cs);
  must_pass("GetCompositeSchedule", false, v201_composite_json(r, &cs, c));
  if (r == CP_PROFILE_ACCEPTED) cp_composite_schedule_free(&cs);
  cp_profiles_free(s);
  return 0;
}
