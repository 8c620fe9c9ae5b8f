/*
 * OCPP 1.6 Smart Charging as a dialect of the charge-point model: the
 * ChargingProfile of SetChargingProfile.req / RemoteStartTransaction.req,
 * ClearChargingProfile.req and GetCompositeSchedule.conf translated to and
 * from src/chargepoint/profiles.h. The rules are the model's; this file only
 * knows how 1.6 spells things (see codec.h).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ocpp/ocpp_schema.h"
#include "ocpp/v16/codec.h"
#include "util/timefmt.h"

typedef ocpp16_SetChargingProfileRequest_csChargingProfiles profile16;

void v16_tx_id(int tx, char out[CP_TX_ID_MAX + 1]) {
  if (tx == 0)
    out[0] = '\0';
  else
    snprintf(out, CP_TX_ID_MAX + 1, "%d", tx);
}

/* An optional date-time member: 0 absent or read into *out, -1 unreadable. */
static int get_time(bool has, const char *text, bool *has_out, borne_ms *out) {
  *has_out = has;
  if (!has) return 0;
  int64_t ms;
  if (!text || timefmt_parse(text, &ms) != 0) return -1;
  *out = ms;
  return 0;
}

int v16_profile_decode(const profile16 *j, cp_charging_profile *out, cp_schedule_period **periods) {
  *periods = NULL;
  memset(out, 0, sizeof *out);
  if (!j) return -1;
  out->id = j->chargingProfileId;
  out->stack_level = j->stackLevel;
  switch (j->chargingProfilePurpose) {
  case ocpp16_SetChargingProfileRequest_csChargingProfiles_chargingProfilePurpose_ChargePointMaxProfile:
    out->purpose = CP_PURPOSE_CHARGE_POINT_MAX;
    break;
  case ocpp16_SetChargingProfileRequest_csChargingProfiles_chargingProfilePurpose_TxDefaultProfile:
    out->purpose = CP_PURPOSE_TX_DEFAULT;
    break;
  case ocpp16_SetChargingProfileRequest_csChargingProfiles_chargingProfilePurpose_TxProfile:
    out->purpose = CP_PURPOSE_TX;
    break;
  default:
    return -1;
  }
  /* ChargingProfile: transactionId only with TxProfile (also 0, which
   * borne reads as "no transaction"); 1.6 ids are 32-bit integers. */
  if (j->has_transactionId && (out->purpose != CP_PURPOSE_TX || j->transactionId < INT32_MIN ||
                               j->transactionId > INT32_MAX))
    return -1;
  v16_tx_id(j->has_transactionId ? (int)j->transactionId : 0, out->transaction_id);
  switch (j->chargingProfileKind) {
  case ocpp16_SetChargingProfileRequest_csChargingProfiles_chargingProfileKind_Absolute:
    out->kind = CP_KIND_ABSOLUTE;
    break;
  case ocpp16_SetChargingProfileRequest_csChargingProfiles_chargingProfileKind_Recurring:
    out->kind = CP_KIND_RECURRING;
    break;
  case ocpp16_SetChargingProfileRequest_csChargingProfiles_chargingProfileKind_Relative:
    out->kind = CP_KIND_RELATIVE;
    break;
  default:
    return -1;
  }
  out->recurrency = CP_RECUR_NONE;
  if (j->has_recurrencyKind) {
    if (j->recurrencyKind ==
        ocpp16_SetChargingProfileRequest_csChargingProfiles_recurrencyKind_Daily)
      out->recurrency = CP_RECUR_DAILY;
    else if (j->recurrencyKind ==
             ocpp16_SetChargingProfileRequest_csChargingProfiles_recurrencyKind_Weekly)
      out->recurrency = CP_RECUR_WEEKLY;
    else
      return -1;
  }
  if (get_time(j->has_validFrom, j->validFrom, &out->has_valid_from, &out->valid_from) != 0 ||
      get_time(j->has_validTo, j->validTo, &out->has_valid_to, &out->valid_to) != 0)
    return -1;

  const ocpp16_SetChargingProfileRequest_csChargingProfiles_chargingSchedule *cs =
      &j->chargingSchedule;
  cp_charging_schedule *o = &out->schedule;
  o->has_duration = cs->has_duration;
  o->duration_s = cs->duration;
  if (get_time(cs->has_startSchedule, cs->startSchedule, &o->has_start, &o->start) != 0) return -1;
  if (cs->chargingRateUnit ==
      ocpp16_SetChargingProfileRequest_csChargingProfiles_chargingSchedule_chargingRateUnit_W)
    o->unit = CP_UNIT_WATTS;
  else if (cs->chargingRateUnit ==
           ocpp16_SetChargingProfileRequest_csChargingProfiles_chargingSchedule_chargingRateUnit_A)
    o->unit = CP_UNIT_AMPS;
  else
    return -1;
  o->has_min_rate = cs->has_minChargingRate;
  o->min_rate = cs->minChargingRate;
  size_t np = cs->chargingSchedulePeriod_count;
  if (np == 0 || np > 1024) return -1;
  cp_schedule_period *pd = calloc(np, sizeof *pd);
  if (!pd) return -1;
  *periods = pd;
  for (size_t i = 0; i < np; i++) {
    const ocpp16_SetChargingProfileRequest_csChargingProfiles_chargingSchedule_chargingSchedulePeriod
        *pj = &cs->chargingSchedulePeriod[i];
    /* numberPhases: 1..3 when given (0 is the model's "not given") */
    if (pj->has_numberPhases && (pj->numberPhases < 1 || pj->numberPhases > 3)) return -1;
    pd[i] = (cp_schedule_period){.start_s = pj->startPeriod,
                                 .limit = pj->limit,
                                 .phases = pj->has_numberPhases ? (int)pj->numberPhases : 0};
  }
  o->nperiods = np;
  o->periods = pd;
  return 0;
}

int v16_remote_start_profile_decode(const ocpp16_RemoteStartTransactionRequest_chargingProfile *in,
                                    cp_charging_profile *out, cp_schedule_period **periods) {
  *periods = NULL;
  if (!in) return -1;
  /* The schema's ChargingProfile generated for another message: the same
   * members, carried over by its JSON form through the generated tables. */
  const ocpp_schema_node *to =
      ocpp_schema_member(ocpp16_SetChargingProfileRequest_schema, "csChargingProfiles");
  json_t *j = ocpp_schema_encode(
      ocpp_schema_member(ocpp16_RemoteStartTransactionRequest_schema, "chargingProfile"), in);
  profile16 cp;
  int rc = j ? ocpp_schema_decode(to, j, &cp, NULL) : -1;
  json_decref(j);
  if (rc != 0) return -1;
  rc = v16_profile_decode(&cp, out, periods);
  ocpp_schema_free(to, &cp);
  return rc;
}

const char *v16_profile_status(cp_profile_result r) {
  switch (r) {
  case CP_PROFILE_ACCEPTED:
    return "Accepted";
  case CP_PROFILE_NOT_SUPPORTED:
    return "NotSupported";
  case CP_PROFILE_REJECTED:
    break;
  }
  return "Rejected";
}

int v16_clear_filter_decode(const ocpp16_ClearChargingProfileRequest *req, cp_profile_filter *f) {
  memset(f, 0, sizeof *f);
  if (!req) return -1;
  *f = (cp_profile_filter){.has_id = req->has_id,
                           .id = req->id,
                           .has_connector = req->has_connectorId,
                           .connector = req->connectorId,
                           .has_stack_level = req->has_stackLevel,
                           .stack_level = req->stackLevel,
                           .has_purpose = req->has_chargingProfilePurpose};
  if (!f->has_purpose) return 0;
  switch (req->chargingProfilePurpose) {
  case ocpp16_ClearChargingProfileRequest_chargingProfilePurpose_ChargePointMaxProfile:
    f->purpose = CP_PURPOSE_CHARGE_POINT_MAX;
    return 0;
  case ocpp16_ClearChargingProfileRequest_chargingProfilePurpose_TxDefaultProfile:
    f->purpose = CP_PURPOSE_TX_DEFAULT;
    return 0;
  case ocpp16_ClearChargingProfileRequest_chargingProfilePurpose_TxProfile:
    f->purpose = CP_PURPOSE_TX;
    return 0;
  }
  return -1;
}

cp_rate_unit v16_composite_unit(const ocpp16_GetCompositeScheduleRequest *req) {
  return req && req->has_chargingRateUnit &&
                 req->chargingRateUnit == ocpp16_GetCompositeScheduleRequest_chargingRateUnit_W
             ? CP_UNIT_WATTS
             : CP_UNIT_AMPS;
}

json_t *v16_composite_encode(cp_profile_result r, const cp_composite_schedule *c) {
  if (r != CP_PROFILE_ACCEPTED || !c) return json_pack("{s:s}", "status", "Rejected");
  json_t *periods = json_array();
  for (size_t i = 0; i < c->nperiods; i++) {
    const cp_schedule_period *p = &c->periods[i];
    json_t *pj = json_pack("{s:I,s:f}", "startPeriod", (json_int_t)p->start_s, "limit", p->limit);
    if (p->phases != 0 && p->phases != 3)
      json_object_set_new(pj, "numberPhases", json_integer(p->phases));
    json_array_append_new(periods, pj);
  }
  char start_text[40];
  timefmt_iso(c->start, start_text, sizeof start_text);
  json_t *sched = json_pack(
      "{s:I,s:s,s:s,s:o}", "duration", (json_int_t)c->duration_s, "startSchedule", start_text,
      "chargingRateUnit", c->unit == CP_UNIT_WATTS ? "W" : "A", "chargingSchedulePeriod", periods);
  return json_pack("{s:s,s:I,s:s,s:o}", "status", "Accepted", "connectorId",
                   (json_int_t)c->connector, "scheduleStart", start_text, "chargingSchedule",
                   sched);
}
