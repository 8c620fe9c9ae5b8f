/*
 * OCPP 2.0.1 charging profiles to and from the charge-point model's engine
 * (see charging_profile.h). References are to OCPP 2.0.1 part 2 (edition 3
 * errata), functional block K. Pure: no clock, no I/O.
 */
#include "ocpp/v201/charging_profile.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ocpp/ocpp_schema.h"
#include "util/timefmt.h"

typedef ocpp201_SetChargingProfileRequest_chargingProfile profile201;
/* One decoder, over 2.1's ChargingProfileType (a superset of 2.0.1's: a
 * 2.0.1 profile is carried over to it by its JSON form) */
typedef ocpp21_SetChargingProfileRequest_chargingProfile profile21;
typedef ocpp21_SetChargingProfileRequest_chargingProfile_chargingSchedule schedule21;
typedef ocpp21_SetChargingProfileRequest_chargingProfile_chargingSchedule_chargingSchedulePeriod
    period21;

static int refuse(v201_refusal *why, const char *reason, const char *info) {
  if (why) *why = (v201_refusal){reason, info};
  return -1;
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

/* useLocalTime: the wall-clock time a date-time names, its offset
 * disregarded (held as if it were UTC). */
static int get_wall_time(const char *text, borne_ms *out) {
  char buf[40];
  size_t n = text ? strlen(text) : 0;
  if (n < 19 || n >= sizeof buf - 1 || text[10] != 'T') return -1;
  size_t end = 19;
  if (text[end] == '.') {
    end++;
    while (end < n && text[end] >= '0' && text[end] <= '9') end++;
  }
  memcpy(buf, text, end);
  buf[end] = 'Z';
  buf[end + 1] = '\0';
  int64_t ms;
  if (timefmt_parse(buf, &ms) != 0) return -1;
  *out = ms;
  return 0;
}

static int purpose_of(const char *name, cp_profile_purpose *out) {
  if (!name) return -1;
  if (!strcmp(name, "ChargingStationMaxProfile"))
    *out = CP_PURPOSE_CHARGE_POINT_MAX;
  else if (!strcmp(name, "TxDefaultProfile"))
    *out = CP_PURPOSE_TX_DEFAULT;
  else if (!strcmp(name, "TxProfile"))
    *out = CP_PURPOSE_TX;
  else if (!strcmp(name, "PriorityCharging")) /* 2.1 */
    *out = CP_PURPOSE_PRIORITY;
  else
    return -1; /* ChargingStationExternalConstraints; 2.1's LocalGeneration */
  return 0;
}

static const char *purpose_name(cp_profile_purpose p) {
  switch (p) {
  case CP_PURPOSE_CHARGE_POINT_MAX:
    return "ChargingStationMaxProfile";
  case CP_PURPOSE_TX_DEFAULT:
    return "TxDefaultProfile";
  case CP_PURPOSE_PRIORITY:
    return "PriorityCharging";
  case CP_PURPOSE_TX:
    break;
  }
  return "TxProfile";
}

static const char *const kind_names[] = {"Absolute", "Recurring", "Relative", "Dynamic"};

static int decode(const profile21 *j, bool need_tx_id, cp_charging_profile *out,
                  cp_schedule_period **periods, v201_refusal *why) {
  *periods = NULL;
  memset(out, 0, sizeof *out);
  if (!j) return refuse(why, "InvalidValue", "no chargingProfile");
  out->id = j->id;
  out->stack_level = j->stackLevel;
  const char *purpose =
      ocpp21_SetChargingProfileRequest_chargingProfile_chargingProfilePurpose_e_name(
          j->chargingProfilePurpose);
  if (purpose && !strcmp(purpose, "LocalGeneration"))
    return refuse(why, "UnsupportedParam",
                  "2.1's LocalGeneration profiles are not supported (no local generation input)");
  if (purpose_of(purpose, &out->purpose) != 0)
    return refuse(why, "InvalidValue",
                  "ChargingStationExternalConstraints is set by the station, not the CSMS");
  /* 2.1: a profile in force offline for a while only (or removed then) */
  if (j->has_maxOfflineDuration && (j->maxOfflineDuration < 0 || j->maxOfflineDuration > INT32_MAX))
    return refuse(why, "InvalidValue", "maxOfflineDuration is 0..2147483647 s");
  out->has_max_offline = j->has_maxOfflineDuration;
  out->max_offline_s = j->maxOfflineDuration;
  out->invalid_after_offline = j->has_invalidAfterOfflineDuration && j->invalidAfterOfflineDuration;
  if (j->has_transactionId) {
    if (out->purpose != CP_PURPOSE_TX)
      return refuse(why, "InvalidValue", "transactionId only with a TxProfile");
    if (strlen(j->transactionId) > CP_TX_ID_MAX)
      return refuse(why, "InvalidValue", "transactionId too long");
    snprintf(out->transaction_id, sizeof out->transaction_id, "%s", j->transactionId);
  } else if (need_tx_id && out->purpose == CP_PURPOSE_TX) {
    return refuse(why, "MissingParam", "a TxProfile names its transactionId");
  }
  const char *kind = ocpp21_SetChargingProfileRequest_chargingProfile_chargingProfileKind_e_name(
      j->chargingProfileKind);
  int k = -1;
  for (int i = 0; kind && i < 4; i++)
    if (!strcmp(kind, kind_names[i])) k = i;
  if (k < 0) return refuse(why, "InvalidValue", "unknown chargingProfileKind");
  /* 2.1 K28: a Dynamic profile is one schedule of one period (K28.FR.01/02),
   * its limits updated by the CSMS; dynUpdateTime is the station's (the time
   * of the last update: now) */
  if (k == CP_KIND_DYNAMIC) {
    if (j->chargingSchedule_count != 1 || !j->chargingSchedule ||
        j->chargingSchedule[0].chargingSchedulePeriod_count != 1)
      return refuse(why, "InvalidSchedule",
                    "a Dynamic profile has one chargingSchedule of one chargingSchedulePeriod");
    if (j->has_dynUpdateInterval && j->dynUpdateInterval < 0)
      return refuse(why, "InvalidValue", "dynUpdateInterval is not negative");
    out->dyn_update_interval_s = j->has_dynUpdateInterval ? j->dynUpdateInterval : 0;
  }
  out->kind = (cp_profile_kind)k;
  out->recurrency = CP_RECUR_NONE;
  if (j->has_recurrencyKind) {
    const char *r =
        ocpp21_SetChargingProfileRequest_chargingProfile_recurrencyKind_e_name(j->recurrencyKind);
    if (r && !strcmp(r, "Daily"))
      out->recurrency = CP_RECUR_DAILY;
    else if (r && !strcmp(r, "Weekly"))
      out->recurrency = CP_RECUR_WEEKLY;
    else
      return refuse(why, "InvalidValue", "unknown recurrencyKind");
  }
  if (get_time(j->has_validFrom, j->validFrom, &out->has_valid_from, &out->valid_from) != 0 ||
      get_time(j->has_validTo, j->validTo, &out->has_valid_to, &out->valid_to) != 0)
    return refuse(why, "InvalidValue", "unreadable validFrom / validTo");
  /* 1..3 schedules by the schema. The type's definition allows more than
   * one only in a TxProfile (the choice offered to an ISO 15118 EV, K15):
   * the first applies until the EV's choice is known
   * (cp_profiles_choose_schedule), the others are kept and reported. */
  size_t ns = j->chargingSchedule ? j->chargingSchedule_count : 0;
  if (ns < 1 || ns > CP_MAX_SCHEDULES)
    return refuse(why, "InvalidSchedule", "1 to 3 chargingSchedule");
  if (ns > 1 && out->purpose != CP_PURPOSE_TX)
    return refuse(why, "InvalidSchedule", "more than one chargingSchedule only in a TxProfile");
  size_t total = 0;
  for (size_t n = 0; n < ns; n++) {
    size_t np = j->chargingSchedule[n].chargingSchedulePeriod_count;
    if (np == 0 || np > 1024 || !j->chargingSchedule[n].chargingSchedulePeriod)
      return refuse(why, "InvalidSchedule", "1 to 1024 chargingSchedulePeriod");
    total += np;
  }
  cp_schedule_period *pd = calloc(total, sizeof *pd);
  if (!pd) return refuse(why, "InternalError", "out of memory");
  *periods = pd;
  for (size_t n = 0; n < ns; n++) {
    const schedule21 *cs = &j->chargingSchedule[n];
    cp_charging_schedule *o = n ? &out->alternatives[n - 1] : &out->schedule;
    o->has_id = true;
    o->id = cs->id;
    for (size_t m = 0; m < n; m++)
      if (j->chargingSchedule[m].id == cs->id)
        return refuse(why, "InvalidSchedule", "two chargingSchedules with the same id");
    /* 2.1 K01.FR.70: a PriorityCharging schedule has no duration (in
     * force until the end of the transaction) */
    if (out->purpose == CP_PURPOSE_PRIORITY && cs->has_duration)
      return refuse(why, "InvalidSchedule", "a PriorityCharging schedule has no duration");
    o->has_duration = cs->has_duration;
    o->duration_s = cs->duration;
    /* 2.1 useLocalTime: startSchedule's offset disregarded, the station's
     * zone instead (the engine follows its wall clock) */
    o->use_local_time = cs->has_useLocalTime && cs->useLocalTime;
    if (get_time(cs->has_startSchedule, cs->startSchedule, &o->has_start, &o->start) != 0 ||
        (o->use_local_time && o->has_start && get_wall_time(cs->startSchedule, &o->start) != 0))
      return refuse(why, "InvalidSchedule", "unreadable startSchedule");
    /* 2.1 randomizedDelay: TxProfile and TxDefaultProfile only */
    if (cs->has_randomizedDelay && cs->randomizedDelay != 0) {
      if (out->purpose != CP_PURPOSE_TX && out->purpose != CP_PURPOSE_TX_DEFAULT)
        return refuse(why, "InvalidValue",
                      "randomizedDelay only in a TxProfile or a TxDefaultProfile");
      if (cs->randomizedDelay < 0 || cs->randomizedDelay > CP_MAX_RANDOMIZED_DELAY_S)
        return refuse(why, "InvalidValue", "randomizedDelay is 0..86400 s");
      o->randomized_delay_s = cs->randomizedDelay;
    }
    const char *unit =
        ocpp21_SetChargingProfileRequest_chargingProfile_chargingSchedule_chargingRateUnit_e_name(
            cs->chargingRateUnit);
    if (unit && !strcmp(unit, "W"))
      o->unit = CP_UNIT_WATTS;
    else if (unit && !strcmp(unit, "A"))
      o->unit = CP_UNIT_AMPS;
    else
      return refuse(why, "UnsupportedRateUnit", "chargingRateUnit is A or W");
    o->has_min_rate = cs->has_minChargingRate;
    o->min_rate = cs->minChargingRate;
    size_t np = cs->chargingSchedulePeriod_count;
    for (size_t i = 0; i < np; i++) {
      const period21 *pj = &cs->chargingSchedulePeriod[i];
      /* 2.1: borne charges only (no V2X): operationMode ChargingOnly, whose
       * limit is required; discharge limits and setpoints do not apply */
      if (pj->has_operationMode) {
        const char *mode =
            ocpp21_SetChargingProfileRequest_chargingProfile_chargingSchedule_chargingSchedulePeriod_operationMode_e_name(
                pj->operationMode);
        if (!mode || strcmp(mode, "ChargingOnly") != 0)
          return refuse(why, "UnsupportedParam", "operationMode: ChargingOnly only (no V2X)");
      }
      if (!pj->has_limit)
        return refuse(why, "InvalidSchedule", "limit is required with operationMode ChargingOnly");
      if (pj->has_numberPhases && (pj->numberPhases < 1 || pj->numberPhases > 3))
        return refuse(why, "InvalidSchedule", "numberPhases is 1..3");
      /* phaseToUse: only with numberPhases 1 (K01.FR.19), only where the
       * EVSE switches the phase it gives a one-phase EV (K01.FR.20):
       * ACPhaseSwitchingSupported is false, borne's contactor switches 1 or
       * 3 phases, the one phase is always L1 */
      if (pj->has_phaseToUse && (!pj->has_numberPhases || pj->numberPhases != 1))
        return refuse(why, "InvalidSchedule", "phaseToUse only with numberPhases 1");
      if (pj->has_phaseToUse)
        return refuse(why, "InvalidSchedule",
                      "phaseToUse: ACPhaseSwitchingSupported is false (one phase is L1)");
      pd[i] = (cp_schedule_period){.start_s = pj->startPeriod,
                                   .limit = pj->limit,
                                   .phases = pj->has_numberPhases ? (int)pj->numberPhases : 0,
                                   .has_limit_l2 = pj->has_limit_L2,
                                   .limit_l2 = pj->limit_L2,
                                   .has_limit_l3 = pj->has_limit_L3,
                                   .limit_l3 = pj->limit_L3};
    }
    o->nperiods = np;
    o->periods = pd;
    pd += np;
  }
  out->nalternatives = ns - 1;
  return 0;
}

/* A ChargingProfileType generated for another message (or version) carried
 * over to 2.1's SetChargingProfile one by its JSON form, then decoded. */
static int decode_via_json(const ocpp_schema_node *from, const void *in, bool need_tx_id,
                           cp_charging_profile *out, cp_schedule_period **periods,
                           v201_refusal *why) {
  *periods = NULL;
  memset(out, 0, sizeof *out);
  if (!in) return refuse(why, "InvalidValue", "no chargingProfile");
  const ocpp_schema_node *to =
      ocpp_schema_member(ocpp21_SetChargingProfileRequest_schema, "chargingProfile");
  json_t *j = from ? ocpp_schema_encode(from, in) : NULL;
  profile21 *cp = calloc(1, sizeof *cp);
  int rc = j && to && cp ? ocpp_schema_decode(to, j, cp, NULL) : -1;
  json_decref(j);
  if (rc != 0) {
    free(cp);
    return refuse(why, "InternalError", "chargingProfile not readable");
  }
  rc = decode(cp, need_tx_id, out, periods, why);
  ocpp_schema_free(to, cp);
  free(cp);
  return rc;
}

int v201_profile_decode(const profile201 *j, cp_charging_profile *out, cp_schedule_period **periods,
                        v201_refusal *why) {
  return decode_via_json(
      ocpp_schema_member(ocpp201_SetChargingProfileRequest_schema, "chargingProfile"), j, true, out,
      periods, why);
}

int v201_profile_decode21(const profile21 *j, cp_charging_profile *out,
                          cp_schedule_period **periods, v201_refusal *why) {
  return decode(j, true, out, periods, why);
}

int v201_remote_start_profile_decode_json(const json_t *profile, cp_charging_profile *out,
                                          cp_schedule_period **periods, v201_refusal *why) {
  *periods = NULL;
  memset(out, 0, sizeof *out);
  const ocpp_schema_node *to =
      ocpp_schema_member(ocpp21_SetChargingProfileRequest_schema, "chargingProfile");
  profile21 *cp = calloc(1, sizeof *cp);
  int rc = profile && to && cp ? ocpp_schema_decode(to, profile, cp, NULL) : -1;
  if (rc != 0) {
    free(cp);
    return refuse(why, "InvalidValue", "chargingProfile not readable");
  }
  rc = decode(cp, false, out, periods, why); /* F01: a TxProfile without its id yet */
  ocpp_schema_free(to, cp);
  free(cp);
  return rc;
}

int v201_remote_start_profile_decode(
    const ocpp201_RequestStartTransactionRequest_chargingProfile *in, cp_charging_profile *out,
    cp_schedule_period **periods, v201_refusal *why) {
  /* F01: the profile of a start is a TxProfile of the transaction it makes,
   * which has no id yet (the engine refuses any other) */
  return decode_via_json(
      ocpp_schema_member(ocpp201_RequestStartTransactionRequest_schema, "chargingProfile"), in,
      false, out, periods, why);
}

static json_t *time_json(borne_ms t) {
  char buf[40];
  timefmt_iso(t, buf, sizeof buf);
  return json_string(buf);
}

static json_t *schedule_json(const cp_charging_schedule *cs, int64_t profile_id, bool v21) {
  json_t *periods = json_array();
  for (size_t i = 0; i < cs->nperiods; i++) {
    const cp_schedule_period *pd = &cs->periods[i];
    json_t *pj = json_pack("{s:I,s:f}", "startPeriod", (json_int_t)pd->start_s, "limit", pd->limit);
    if (pd->phases) json_object_set_new(pj, "numberPhases", json_integer(pd->phases));
    if (v21 && pd->has_limit_l2) json_object_set_new(pj, "limit_L2", json_real(pd->limit_l2));
    if (v21 && pd->has_limit_l3) json_object_set_new(pj, "limit_L3", json_real(pd->limit_l3));
    json_array_append_new(periods, pj);
  }
  json_t *sj = json_pack("{s:I,s:s,s:o}", "id", (json_int_t)(cs->has_id ? cs->id : profile_id),
                         "chargingRateUnit", cs->unit == CP_UNIT_WATTS ? "W" : "A",
                         "chargingSchedulePeriod", periods);
  if (cs->has_start) json_object_set_new(sj, "startSchedule", time_json(cs->start));
  if (cs->has_duration) json_object_set_new(sj, "duration", json_integer(cs->duration_s));
  if (cs->has_min_rate) json_object_set_new(sj, "minChargingRate", json_real(cs->min_rate));
  if (v21 && cs->use_local_time) json_object_set_new(sj, "useLocalTime", json_true());
  if (v21 && cs->randomized_delay_s)
    json_object_set_new(sj, "randomizedDelay", json_integer(cs->randomized_delay_s));
  return sj;
}

static json_t *profile_json(const cp_charging_profile *p, bool v21) {
  json_t *schedules = json_array();
  json_array_append_new(schedules, schedule_json(&p->schedule, p->id, v21));
  for (size_t k = 0; k < p->nalternatives && k < CP_MAX_SCHEDULES - 1; k++)
    json_array_append_new(schedules, schedule_json(&p->alternatives[k], p->id, v21));
  json_t *o = json_pack(
      "{s:I,s:I,s:s,s:s,s:o}", "id", (json_int_t)p->id, "stackLevel", (json_int_t)p->stack_level,
      "chargingProfilePurpose", purpose_name(p->purpose), "chargingProfileKind",
      kind_names[p->kind <= CP_KIND_DYNAMIC ? p->kind : 0], "chargingSchedule", schedules);
  if (v21 && p->has_max_offline) {
    json_object_set_new(o, "maxOfflineDuration", json_integer(p->max_offline_s));
    if (p->invalid_after_offline)
      json_object_set_new(o, "invalidAfterOfflineDuration", json_true());
  }
  if (v21 && p->kind == CP_KIND_DYNAMIC) {
    if (p->dyn_update_time) json_object_set_new(o, "dynUpdateTime", time_json(p->dyn_update_time));
    if (p->dyn_update_interval_s)
      json_object_set_new(o, "dynUpdateInterval", json_integer(p->dyn_update_interval_s));
  }
  if (p->kind == CP_KIND_RECURRING && p->recurrency != CP_RECUR_NONE)
    json_object_set_new(o, "recurrencyKind",
                        json_string(p->recurrency == CP_RECUR_WEEKLY ? "Weekly" : "Daily"));
  if (p->has_valid_from) json_object_set_new(o, "validFrom", time_json(p->valid_from));
  if (p->has_valid_to) json_object_set_new(o, "validTo", time_json(p->valid_to));
  if (p->transaction_id[0]) json_object_set_new(o, "transactionId", json_string(p->transaction_id));
  return o;
}

json_t *v201_profile_json(const cp_charging_profile *p) { return profile_json(p, false); }
json_t *v201_profile_json21(const cp_charging_profile *p) { return profile_json(p, true); }

int v201_clear_filter(const ocpp201_ClearChargingProfileRequest *q, cp_profile_filter *f) {
  memset(f, 0, sizeof *f);
  if (!q) return -1;
  f->has_id = q->has_chargingProfileId;
  f->id = q->chargingProfileId;
  if (!q->has_chargingProfileCriteria) return 0;
  const ocpp201_ClearChargingProfileRequest_chargingProfileCriteria *c =
      &q->chargingProfileCriteria;
  f->has_connector = c->has_evseId;
  f->connector = c->evseId;
  f->has_stack_level = c->has_stackLevel;
  f->stack_level = c->stackLevel;
  f->has_purpose = c->has_chargingProfilePurpose;
  if (f->has_purpose &&
      purpose_of(
          ocpp201_ClearChargingProfileRequest_chargingProfileCriteria_chargingProfilePurpose_e_name(
              c->chargingProfilePurpose),
          &f->purpose) != 0)
    return -1;
  return 0;
}

bool v201_report_match(const ocpp201_GetChargingProfilesRequest *q, int connector,
                       const cp_charging_profile *p) {
  if (!q || !p) return false;
  if (q->has_evseId && q->evseId != connector) return false;
  const ocpp201_GetChargingProfilesRequest_chargingProfile *c = &q->chargingProfile;
  if (c->has_chargingProfilePurpose) {
    cp_profile_purpose want;
    if (purpose_of(ocpp201_GetChargingProfilesRequest_chargingProfile_chargingProfilePurpose_e_name(
                       c->chargingProfilePurpose),
                   &want) != 0 ||
        want != p->purpose)
      return false;
  }
  if (c->has_stackLevel && c->stackLevel != p->stack_level) return false;
  if (c->has_chargingProfileId) {
    bool any = false;
    for (size_t i = 0; i < c->chargingProfileId_count && !any; i++)
      any = c->chargingProfileId[i] == p->id;
    if (!any) return false;
  }
  if (c->has_chargingLimitSource) {
    bool cso = false;
    for (size_t i = 0; i < c->chargingLimitSource_count && !cso; i++) {
      const char *s = ocpp201_GetChargingProfilesRequest_chargingProfile_chargingLimitSource_e_name(
          c->chargingLimitSource[i]);
      cso = s && !strcmp(s, "CSO");
    }
    if (!cso) return false;
  }
  return true;
}

json_t *v201_composite_json(cp_profile_result r, const cp_composite_schedule *c, int evse) {
  if (r != CP_PROFILE_ACCEPTED || !c)
    return json_pack("{s:s,s:{s:s,s:s}}", "status", "Rejected", "statusInfo", "reasonCode",
                     "NoProfile", "additionalInfo", "no charging profile limits this EVSE");
  json_t *periods = json_array();
  for (size_t i = 0; i < c->nperiods; i++) {
    const cp_schedule_period *p = &c->periods[i];
    json_t *pj = json_pack("{s:I,s:f}", "startPeriod", (json_int_t)p->start_s, "limit", p->limit);
    if (p->phases != 0 && p->phases != 3)
      json_object_set_new(pj, "numberPhases", json_integer(p->phases));
    json_array_append_new(periods, pj);
  }
  return json_pack("{s:s,s:{s:I,s:I,s:o,s:s,s:o}}", "status", "Accepted", "schedule", "evseId",
                   (json_int_t)evse, "duration", (json_int_t)c->duration_s, "scheduleStart",
                   time_json(c->start), "chargingRateUnit", c->unit == CP_UNIT_WATTS ? "W" : "A",
                   "chargingSchedulePeriod", periods);
}

int v201_composite_cap(cp_profile_result *r, cp_composite_schedule *cs, int connector,
                       int64_t duration_s, cp_rate_unit unit, borne_ms now, double cap) {
  if (cap < 0 || (*r != CP_PROFILE_ACCEPTED && duration_s <= 0)) return 0;
  cap = floor(cap * 10) / 10;
  bool had = *r == CP_PROFILE_ACCEPTED;
  size_t n = had ? cs->nperiods : 0;
  int64_t end = had ? cs->duration_s : 0;
  bool tail = end < duration_s;
  cp_schedule_period *pp = malloc((n + 1) * sizeof *pp);
  if (!pp) return -1;
  if (n) memcpy(pp, cs->periods, n * sizeof *pp);
  if (tail) pp[n++] = (cp_schedule_period){.start_s = end, .limit = cap};
  size_t m = 0;
  for (size_t i = 0; i < n; i++) {
    if (pp[i].limit > cap) pp[i].limit = cap;
    if (m && pp[m - 1].limit == pp[i].limit && pp[m - 1].phases == pp[i].phases) continue;
    pp[m++] = pp[i];
  }
  if (had)
    free(cs->periods);
  else
    *cs = (cp_composite_schedule){.connector = connector, .start = now, .unit = unit};
  cs->periods = pp;
  cs->nperiods = m;
  if (tail) cs->duration_s = duration_s;
  *r = CP_PROFILE_ACCEPTED;
  return 0;
}

bool v201_limit_change_significant(double told_a, double now_a, double percent) {
  if (told_a <= 0) return now_a > 0;
  if (now_a == told_a) return false;
  return fabs(now_a - told_a) * 100.0 >= percent * told_a;
}

json_t *v201_limit_schedule_json(int evse, borne_ms now, double amps, int phases) {
  json_t *period =
      json_pack("{s:i,s:f}", "startPeriod", 0, "limit", floor((amps > 0 ? amps : 0) * 10) / 10);
  if (phases == 1 || phases == 2) json_object_set_new(period, "numberPhases", json_integer(phases));
  return json_pack("[{s:i,s:o,s:s,s:[o]}]", "id", evse, "startSchedule", time_json(now),
                   "chargingRateUnit", "A", "chargingSchedulePeriod", period);
}

int v201_limit_report(const char *told, double told_a, const char *now, double now_a,
                      double percent) {
  bool same = told == now || (told && now && !strcmp(told, now));
  if (same && (!now || !v201_limit_change_significant(told_a, now_a, percent))) return 0;
  return (told && !same ? V201_LIMIT_CLEAR : 0) | (now ? V201_LIMIT_NOTIFY : 0);
}

json_t *v201_limit_notify_json(int evse, const char *source, int critical, borne_ms now,
                               double amps, int phases, bool v21, bool with_schedule) {
  json_t *limit = json_pack("{s:s}", "chargingLimitSource", source);
  if (critical >= 0) json_object_set_new(limit, "isGridCritical", json_boolean(critical));
  json_t *req = json_pack("{s:o}", "chargingLimit", limit);
  if (with_schedule)
    json_object_set_new(req, "chargingSchedule", v201_limit_schedule_json(evse, now, amps, phases));
  if (evse > 0 || v21) json_object_set_new(req, "evseId", json_integer(evse));
  return req;
}

json_t *v201_limit_cleared_json(int evse, const char *source, bool v21) {
  json_t *req = json_pack("{s:s}", "chargingLimitSource", source);
  if (evse > 0 || v21) json_object_set_new(req, "evseId", json_integer(evse));
  return req;
}

const char *v201_external_source(limit_source by) {
  switch (by) {
  case LIMIT_LOAD_MANAGEMENT:
  case LIMIT_SOLAR:
  case LIMIT_SITE:
  case LIMIT_FAILSAFE:
    return "EMS";
  case LIMIT_API:
  case LIMIT_MODBUS:
  case LIMIT_MQTT:
    return "Other";
  default:
    return NULL;
  }
}

int v201_limit_grid_critical(limit_source by) {
  switch (by) {
  case LIMIT_LOAD_MANAGEMENT:
  case LIMIT_SITE:
  case LIMIT_FAILSAFE:
    return 1;
  case LIMIT_SOLAR:
    return 0;
  default:
    return -1;
  }
}

bool v201_profile_rate_changed(double told_a, limit_source told_by, double now_a,
                               limit_source now_by, double percent) {
  if (told_by != LIMIT_OCPP && now_by != LIMIT_OCPP) return false;
  return v201_limit_change_significant(told_a, now_a, percent);
}

int v201_external_limits(const limit_set *l, bool session, v201_external_limit out[2]) {
  int n = 0;
  static const char *const sources[] = {"EMS", "Other"};
  for (size_t k = 0; k < 2; k++) {
    bool any = false;
    double lowest = 0;
    for (int i = 0; i < LIMIT_COUNT; i++) {
      const char *s = v201_external_source((limit_source)i);
      if (!l->active[i] || !s || strcmp(s, sources[k]) != 0) continue;
      if (i == LIMIT_LOAD_MANAGEMENT && !session) continue;
      if (!any || l->amps[i] < lowest) lowest = l->amps[i];
      any = true;
    }
    if (any) out[n++] = (v201_external_limit){sources[k], lowest > 0 ? lowest : 0};
  }
  return n;
}

int64_t v201_external_profile_id(int evse, const char *source) {
  return (source && !strcmp(source, "Other") ? -200 : -100) - (int64_t)evse;
}

json_t *v201_external_profile_json(int evse, const v201_external_limit *x, borne_ms now,
                                   int phases) {
  json_t *schedule = v201_limit_schedule_json(evse, now, x->amps, phases);
  json_t *s0 = json_incref(json_array_get(schedule, 0));
  json_decref(schedule);
  return json_pack("{s:I,s:i,s:s,s:s,s:[o]}", "id",
                   (json_int_t)v201_external_profile_id(evse, x->source), "stackLevel", 0,
                   "chargingProfilePurpose", "ChargingStationExternalConstraints",
                   "chargingProfileKind", "Absolute", "chargingSchedule", s0);
}

bool v201_external_report_match(const ocpp201_GetChargingProfilesRequest *q, int evse,
                                const v201_external_limit *x) {
  if (!q || !x || !x->source) return false;
  if (q->has_evseId && q->evseId != evse) return false;
  const ocpp201_GetChargingProfilesRequest_chargingProfile *c = &q->chargingProfile;
  if (c->has_chargingProfilePurpose) {
    const char *want =
        ocpp201_GetChargingProfilesRequest_chargingProfile_chargingProfilePurpose_e_name(
            c->chargingProfilePurpose);
    if (!want || strcmp(want, "ChargingStationExternalConstraints") != 0) return false;
  }
  if (c->has_stackLevel && c->stackLevel != 0) return false;
  if (c->has_chargingProfileId) {
    bool any = false;
    for (size_t i = 0; i < c->chargingProfileId_count && !any; i++)
      any = c->chargingProfileId[i] == v201_external_profile_id(evse, x->source);
    if (!any) return false;
  }
  if (c->has_chargingLimitSource) {
    bool listed = false;
    for (size_t i = 0; i < c->chargingLimitSource_count && !listed; i++) {
      const char *s = ocpp201_GetChargingProfilesRequest_chargingProfile_chargingLimitSource_e_name(
          c->chargingLimitSource[i]);
      listed = s && !strcmp(s, x->source);
    }
    if (!listed) return false;
  }
  return true;
}

json_t *v201_set_profile_answer(cp_profile_result r, const v201_refusal *why) {
  if (r == CP_PROFILE_ACCEPTED) return json_pack("{s:s}", "status", "Accepted");
  const char *reason = why && why->reason ? why->reason : "InvalidValue";
  const char *info = why && why->info ? why->info
                     : r == CP_PROFILE_NOT_SUPPORTED
                         ? "smart charging is not available"
                         : "refused by the profile rules (stack level, EVSE, transaction, "
                           "periods, validity or the number installed)";
  return json_pack("{s:s,s:{s:s,s:s}}", "status", "Rejected", "statusInfo", "reasonCode", reason,
                   "additionalInfo", info);
}
