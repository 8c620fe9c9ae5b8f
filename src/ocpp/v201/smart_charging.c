/*
 * OCPP 2.0.1 functional block K (smart charging) over the charge-point
 * model's one profile engine (src/chargepoint/profiles.h), the store the 1.6
 * dialect uses too: K01 SetChargingProfile, K10 ClearChargingProfile, K09
 * GetChargingProfiles answered and followed by ReportChargingProfiles (one
 * message per EVSE, tbc on all but the last), K08 GetCompositeSchedule, the
 * TxProfile of F01 RequestStartTransaction, and the limit of each EVSE handed
 * to the station as its OCPP limit (v201_apply_profiles). Decoding and
 * encoding are charging_profile.c (pure); this file calls the engine.
 * One file of the 2.0.1 dialect's functional blocks.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "energy/energy_module.h"
#include "ocpp/ocpp_core.h"
#include "ocpp/v201/charging_profile.h"
#include "ocpp/v201/v201_internal.h"
#include "ocpp21_messages.h" /* generated from the OCPP 2.1 schemas */
#include "core/grid_type.h"

/* When EVSE c's running session started (Relative schedules). */
static borne_ms tx_start_of(ocpp201_station *o, int c) {
  session_row row;
  if (o->evse[c - 1].session_id &&
      store_session_get(o->st->db, o->evse[c - 1].session_id, &row) == 0)
    return row.start_ms;
  return 0;
}

/* W <-> A at the site's voltage for a load on `phases` conductors (an IT grid:
 * site.voltage_v is line-to-line, see core/grid_type.h) */
static double phase_voltage(const config *cfg, int phases) {
  return grid_phase_voltage(grid_type_parse(config_get(cfg, "site.grid_type")),
                            config_get_number(cfg, "site.voltage_v"), phases);
}

static bool speaks21(const ocpp201_station *o) {
  return o->link && ocpp_link_dialect(o->link) == &ocpp21_dialect;
}

/* 2.1 useLocalTime: the wall clock of site.timezone (UTC when unset), read
 * again when the settings changed */
static int32_t zone_offset(void *ctx, borne_ms utc) {
  const ocpp201_station *o = ctx;
  return o->zone_set ? tz_offset_at(&o->zone, utc) : 0;
}

static void refresh_zone(ocpp201_station *o) {
  unsigned long gen = config_generation(o->st->cfg);
  if (o->zone_read && o->zone_gen == gen) return;
  char why[200];
  o->zone_set =
      energy_zone_rule(config_get(o->st->cfg, "site.timezone"), &o->zone, why, sizeof why) == 0;
  o->zone_read = true;
  o->zone_gen = gen;
  cp_profiles_set_zone(o->profiles, zone_offset, o);
}

/* The composite profile limit of each EVSE, as the station's OCPP limit
 * (its limited_by says "ocpp" when it is the lowest). Only by the dialect
 * spoken: the TxProfiles are bound to its transaction ids. */
void v201_apply_profiles(ocpp201_station *o) {
  if (o->shared && o->shared->active && o->shared->active->family != OCPP_FAMILY_V201) return;
  refresh_zone(o);
  borne_ms now = now201(o);
  /* invalidAfterOfflineDuration: gone for good once offline too long */
  if (cp_profiles_expire_offline(o->profiles, now) > 0)
    station_event(o->st, 0, "ocpp_profile",
                  "charging profile(s) removed: offline longer than their maxOfflineDuration");
  for (int c = 1; c <= o->count; c++) {
    const v201_evse *k = &o->evse[c - 1];
    double a = cp_profiles_limit_a(o->profiles, c, now, k->tx_id, tx_start_of(o, c),
                                   station_connector_phases(o->st, c),
                                   phase_voltage(o->st->cfg, station_connector_phases(o->st, c)));
    station_set_limit(o->st, c, LIMIT_OCPP, a);
  }
}

static void profiles_changed(ocpp201_station *o) {
  v201_apply_profiles(o);
  v201_arm_tick(o);
}

/* ---------- K01 SetChargingProfile ---------- */

/* The request decoded with the code of the version spoken (2.1's: its
 * limit_L2 / limit_L3, useLocalTime, randomizedDelay) into the engine's
 * profile; -1 when answered with a CALLERROR. */
static int decode_set(ocpp201_station *o, const json_t *req, ocpp_reply *r, int *evse,
                      cp_charging_profile *p, cp_schedule_period **periods, v201_refusal *why,
                      int *decoded) {
  ocpp_error e;
  *periods = NULL;
  if (speaks21(o)) {
    ocpp21_SetChargingProfileRequest *q = calloc(1, sizeof *q);
    if (!q) {
      r->error_code = ocpp_dialect_code(&ocpp201_dialect, OCPP_ERR_INTERNAL);
      snprintf(r->error_text, sizeof r->error_text, "out of memory");
      return -1;
    }
    if (!v201_decoded(ocpp21_SetChargingProfileRequest_decode(req, q, &e), &e, r)) {
      free(q);
      return -1;
    }
    *evse = (int)q->evseId;
    *decoded = *evse < 0 || *evse > o->count
                   ? -1
                   : v201_profile_decode21(&q->chargingProfile, p, periods, why);
    ocpp21_SetChargingProfileRequest_free(q);
    free(q);
    /* randomizedDelay: this profile's draw, kept with it */
    uint32_t seed = 0;
    if (*decoded == 0 && getrandom(&seed, sizeof seed, 0) != (ssize_t)sizeof seed)
      seed = (uint32_t)now201(o);
    p->random_seed = seed ? seed : 1;
    return 0;
  }
  ocpp201_SetChargingProfileRequest q;
  if (!v201_decoded(ocpp201_SetChargingProfileRequest_decode(req, &q, &e), &e, r)) return -1;
  *evse = (int)q.evseId;
  *decoded =
      *evse < 0 || *evse > o->count ? -1 : v201_profile_decode(&q.chargingProfile, p, periods, why);
  ocpp201_SetChargingProfileRequest_free(&q);
  return 0;
}

static void h_set_charging_profile(ocpp201_station *o, const json_t *req, ocpp_reply *r) {
  int c = 0, decoded = -1;
  cp_profile_result res = CP_PROFILE_REJECTED;
  v201_refusal why = {0};
  cp_charging_profile p;
  cp_schedule_period *periods = NULL;
  if (decode_set(o, req, r, &c, &p, &periods, &why, &decoded) != 0) return;
  if (c < 0 || c > o->count)
    why = (v201_refusal){"UnknownEVSE", "no such EVSE"};
  else if (decoded == 0) {
    /* a TxProfile names the transaction running on this EVSE */
    if (p.purpose == CP_PURPOSE_TX && (c == 0 || strcmp(p.transaction_id, o->evse[c - 1].tx_id)))
      why = (v201_refusal){"TxNotFound", "no such transaction on this EVSE"};
    else
      res = cp_profiles_set(o->profiles, c, &p, c ? o->evse[c - 1].tx_id : NULL, now201(o));
  }
  free(periods);
  r->result = v201_set_profile_answer(res, why.reason ? &why : NULL);
  station_event(o->st, c > 0 && c <= o->count ? c : 0, "ocpp_profile", "SetChargingProfile %s%s%s",
                res == CP_PROFILE_ACCEPTED ? "Accepted" : "Rejected", why.info ? ": " : "",
                why.info ? why.info : "");
  if (res == CP_PROFILE_ACCEPTED) profiles_changed(o);
}

/* ---------- 2.1 K28: dynamic charging profiles ---------- */

/* ChargingScheduleUpdateType (the same in UpdateDynamicSchedule and in
 * PullDynamicScheduleUpdate's answer) as the engine's update: the limits;
 * setpoints and discharge limits are V2X (-1: refused). */
static int dynamic_update_of(const json_t *u, cp_dynamic_update *out) {
  memset(out, 0, sizeof *out);
  static const char *const v2x[] = {
      "dischargeLimit",   "dischargeLimit_L2",   "dischargeLimit_L3",
      "setpoint",         "setpoint_L2",         "setpoint_L3",
      "setpointReactive", "setpointReactive_L2", "setpointReactive_L3"};
  for (size_t i = 0; i < sizeof v2x / sizeof v2x[0]; i++)
    if (json_object_get(u, v2x[i])) return -1;
  const json_t *l = json_object_get(u, "limit"), *l2 = json_object_get(u, "limit_L2"),
               *l3 = json_object_get(u, "limit_L3");
  out->has_limit = json_is_number(l);
  out->limit = json_number_value(l);
  out->has_limit_l2 = json_is_number(l2);
  out->limit_l2 = json_number_value(l2);
  out->has_limit_l3 = json_is_number(l3);
  out->limit_l3 = json_number_value(l3);
  return 0;
}

/* K28.FR.06/09: UpdateDynamicSchedule (2.1 only: the 2.0.1 dialect does not
 * know the action). Decoded with the generated 2.1 type (the values are
 * read from the request it checked). */
static void h_update_dynamic_schedule(ocpp201_station *o, const json_t *req, ocpp_reply *r) {
  ocpp21_UpdateDynamicScheduleRequest q;
  ocpp_error e;
  if (!v201_decoded(ocpp21_UpdateDynamicScheduleRequest_decode(req, &q, &e), &e, r)) return;
  int64_t id = q.chargingProfileId;
  ocpp21_UpdateDynamicScheduleRequest_free(&q);
  cp_dynamic_update u;
  if (dynamic_update_of(json_object_get(req, "scheduleUpdate"), &u) != 0) {
    v201_reply_status_info(r, "Rejected", "UnsupportedParam",
                           "setpoints and discharge limits: no V2X on this charging station");
    return;
  }
  if (cp_profiles_update_dynamic(o->profiles, id, &u, now201(o)) != 0) {
    v201_reply_status_info(r, "Rejected", "InvalidValue",
                           "no Dynamic charging profile with this id, or a limit out of range");
    return;
  }
  v201_reply_status(r, "Accepted");
  station_event(o->st, 0, "ocpp_profile", "UpdateDynamicSchedule of profile %lld", (long long)id);
  profiles_changed(o);
}

typedef struct {
  ocpp201_station *o;
  int64_t id;
} pull_ctx;

static void pull_answered(void *ctx, const json_t *result, const char *code, const char *text) {
  pull_ctx *p = ctx;
  ocpp201_station *o = p->o;
  int64_t id = p->id;
  free(p);
  if (o->closing) return;
  const char *status = result ? json_string_value(json_object_get(result, "status")) : NULL;
  const json_t *upd = result ? json_object_get(result, "scheduleUpdate") : NULL;
  cp_dynamic_update u;
  if (!status || strcmp(status, "Accepted") != 0 || !upd || dynamic_update_of(upd, &u) != 0 ||
      cp_profiles_update_dynamic(o->profiles, id, &u, now201(o)) != 0) {
    log_info(MOD, "PullDynamicScheduleUpdate of profile %lld: no update (%s %s)", (long long)id,
             status ? status
             : code ? code
                    : "?",
             status ? ""
             : text ? text
                    : "");
    return;
  }
  profiles_changed(o); /* K28.FR.07/09: the new limits, dynUpdateTime now */
}

/* K28.FR.10: each Dynamic profile whose dynUpdateInterval has passed since
 * its last update asks for one (once per interval until it comes). */
void v201_dynamic_pulls(ocpp201_station *o) {
  if (!speaks21(o) || !online201(o)) return;
  int64_t id;
  while (cp_profiles_take_due_pull(o->profiles, now201(o), &id)) {
    pull_ctx *p = malloc(sizeof *p);
    if (!p) return;
    *p = (pull_ctx){o, id};
    if (ocpp_link_call(o->link, "PullDynamicScheduleUpdate",
                       json_pack("{s:I}", "chargingProfileId", (json_int_t)id), pull_answered,
                       p) != 0)
      free(p);
  }
}

borne_ms v201_dynamic_next_pull(ocpp201_station *o) {
  return speaks21(o) && online201(o) ? cp_profiles_next_pull(o->profiles) : INT64_MAX;
}

/* ClearChargingProfile's and GetChargingProfiles' criteria are read with
 * the 2.0.1 types, whose purposes lack 2.1's: under 2.1 (the link checked
 * the request against its schema) a criterion PriorityCharging or
 * LocalGeneration is taken out of a copy of the request (the copy is
 * returned; *purpose is CP_PURPOSE_PRIORITY, or -2 for LocalGeneration,
 * which no installed profile has; -1 when there was none). */
static json_t *purpose21_out(const ocpp201_station *o, const json_t *req, const char *member,
                             int *purpose) {
  *purpose = -1;
  const json_t *crit = json_object_get(req, member);
  const char *name = json_string_value(json_object_get(crit, "chargingProfilePurpose"));
  bool prio = name && !strcmp(name, "PriorityCharging");
  if (!speaks21(o) || !name || (!prio && strcmp(name, "LocalGeneration") != 0))
    return json_incref((json_t *)req);
  json_t *copy = json_deep_copy(req);
  json_object_del(json_object_get(copy, member), "chargingProfilePurpose");
  *purpose = prio ? CP_PURPOSE_PRIORITY : -2;
  return copy;
}

/* ---------- K10 ClearChargingProfile ---------- */

static void h_clear_charging_profile(ocpp201_station *o, const json_t *req, ocpp_reply *r) {
  ocpp201_ClearChargingProfileRequest q;
  ocpp_error e;
  int purpose21;
  json_t *in = purpose21_out(o, req, "chargingProfileCriteria", &purpose21);
  int rc = ocpp201_ClearChargingProfileRequest_decode(in, &q, &e);
  json_decref(in);
  if (!v201_decoded(rc, &e, r)) return;
  cp_profile_filter f;
  int n = v201_clear_filter(&q, &f) == 0 ? 0 : -1;
  if (n == 0 && purpose21 != -1) {
    f.has_purpose = true;
    f.purpose = CP_PURPOSE_PRIORITY;
  }
  n = n == 0 && purpose21 != -2 ? cp_profiles_clear(o->profiles, &f) : 0;
  ocpp201_ClearChargingProfileRequest_free(&q);
  v201_reply_status(r, n > 0 ? "Accepted" : "Unknown");
  if (n > 0) profiles_changed(o);
}

/* ---------- borne's own limits as ChargingStationExternalConstraints ---------- */

/* The supply's phases (site.phases): those of EVSE 0, the grid connection. */
static int site_phases(const ocpp201_station *o) {
  return config_get_int(o->st->cfg, "site.phases") == 1 ? 1 : 3;
}

static int phases_of(const ocpp201_station *o, int c) {
  return c ? station_connector_phases(o->st, c) : site_phases(o);
}

/* Borne's own limits on EVSE c as ChargingStationExternalConstraints
 * (v201_external_limits); EVSE 0: those that bind the whole station
 * (station_site_limits: load management's budget for every EVSE together,
 * what the site's connection and site.circuit_limit_a leave), 0 A included
 * (nothing may charge). */
static int external_of(ocpp201_station *o, int c, v201_external_limit x[2]) {
  limit_set l;
  bool session = true;
  if (c == 0) {
    station_site_limits(o->st, &l);
  } else {
    station_connector_view v;
    station_view(o->st, c, &v);
    l = v.limits;
    session = v.has_session;
  }
  return v201_external_limits(&l, session, x);
}

/* ---------- K09 GetChargingProfiles -> ReportChargingProfiles ---------- */

static void h_get_charging_profiles(ocpp201_station *o, const json_t *req, ocpp_reply *r) {
  ocpp201_GetChargingProfilesRequest q;
  ocpp_error e;
  int purpose21;
  json_t *in = purpose21_out(o, req, "chargingProfile", &purpose21);
  int rc = ocpp201_GetChargingProfilesRequest_decode(in, &q, &e);
  json_decref(in);
  if (!v201_decoded(rc, &e, r)) return;
  /* one report per EVSE (evseId is required in it), 0 the station-wide */
  json_t *per_evse[BORNE_MAX_CONNECTORS + 1] = {0};
  int n = cp_profiles_count(o->profiles);
  for (int i = 0; i < n; i++) {
    int c;
    cp_charging_profile p;
    cp_schedule_period *periods;
    /* 2.0.1 has no Dynamic kind nor PriorityCharging purpose: such a
     * profile is not said in it */
    if (cp_profiles_get(o->profiles, i, &c, &p, &periods) == 0 && c >= 0 &&
        c <= BORNE_MAX_CONNECTORS && v201_report_match(&q, c, &p) &&
        (purpose21 == -1 || (int)p.purpose == purpose21) &&
        (speaks21(o) || (p.kind != CP_KIND_DYNAMIC && p.purpose != CP_PURPOSE_PRIORITY))) {
      if (!per_evse[c]) per_evse[c] = json_array();
      json_array_append_new(per_evse[c],
                            speaks21(o) ? v201_profile_json21(&p) : v201_profile_json(&p));
    }
    free(periods);
  }
  json_t *pages = json_array();
  for (int c = 0; c <= BORNE_MAX_CONNECTORS; c++)
    if (per_evse[c])
      json_array_append_new(pages,
                            json_pack("{s:I,s:s,s:o,s:I}", "requestId", (json_int_t)q.requestId,
                                      "chargingLimitSource", "CSO", "chargingProfile", per_evse[c],
                                      "evseId", (json_int_t)c));
  /* borne's own limits as ChargingStationExternalConstraints profiles, one
   * report per EVSE and source (the report names one chargingLimitSource) */
  for (int c = 0; c <= o->count && purpose21 == -1; c++) {
    v201_external_limit x[2];
    int nx = external_of(o, c, x);
    for (int i = 0; i < nx; i++)
      if (v201_external_report_match(&q, c, &x[i]))
        json_array_append_new(
            pages, json_pack("{s:I,s:s,s:[o],s:I}", "requestId", (json_int_t)q.requestId,
                             "chargingLimitSource", x[i].source, "chargingProfile",
                             v201_external_profile_json(c, &x[i], now201(o), phases_of(o, c)),
                             "evseId", (json_int_t)c));
  }
  ocpp201_GetChargingProfilesRequest_free(&q);
  size_t np = json_array_size(pages);
  v201_reply_status(r, np ? "Accepted" : "NoProfiles");
  if (!np) {
    json_decref(pages);
    return;
  }
  size_t i;
  json_t *page;
  json_array_foreach(pages, i, page) if (i + 1 < np) json_object_set_new(page, "tbc", json_true());
  /* sent once the answer is written (ocpp201_module.c's on_replied) */
  json_decref(o->profile_reports);
  o->profile_reports = pages;
}

static void report_answered(void *ctx, const json_t *result, const char *code, const char *text) {
  (void)ctx, (void)result;
  if (code) log_debug(MOD, "ReportChargingProfiles: %s %s", code, text);
}

void v201_smart_charging_replied(ocpp201_station *o) {
  json_t *pages = o->profile_reports;
  o->profile_reports = NULL;
  size_t i;
  json_t *page;
  json_array_foreach(pages, i, page) {
    if (!o->link || ocpp_link_call(o->link, "ReportChargingProfiles", json_incref(page),
                                   report_answered, o) != 0)
      log_debug(MOD, "ReportChargingProfiles not sent: not connected");
  }
  json_decref(pages);
}

/* ---------- K08 GetCompositeSchedule ---------- */

static void h_get_composite_schedule(ocpp201_station *o, const json_t *req, ocpp_reply *r) {
  ocpp201_GetCompositeScheduleRequest q;
  ocpp_error e;
  if (!v201_decoded(ocpp201_GetCompositeScheduleRequest_decode(req, &q, &e), &e, r)) return;
  int c = (int)q.evseId;
  cp_rate_unit unit = CP_UNIT_AMPS;
  if (q.has_chargingRateUnit) {
    const char *u = ocpp201_GetCompositeScheduleRequest_chargingRateUnit_e_name(q.chargingRateUnit);
    if (u && !strcmp(u, "W")) unit = CP_UNIT_WATTS;
  }
  int64_t duration = q.duration;
  ocpp201_GetCompositeScheduleRequest_free(&q);
  if (c < 0 || c > o->count) {
    r->result =
        json_pack("{s:s,s:{s:s}}", "status", "Rejected", "statusInfo", "reasonCode", "UnknownEVSE");
    return;
  }
  const char *tx = c ? o->evse[c - 1].tx_id : NULL;
  /* where no profile applies, the EVSE's own maximum (its current
   * selector); for EVSE 0, the grid connection, all of them together: the
   * schedule always covers the window asked, from now (TC_K_39/41_CS) */
  double own = 0;
  for (int i = c ? c : 1; i <= (c ? c : o->count); i++) own += config_selector_amps(o->st->cfg, i);
  cp_composite_schedule cs;
  cp_profile_result res = cp_profiles_composite_filled(
      o->profiles, c, duration, unit, now201(o), tx, tx && tx[0] ? tx_start_of(o, c) : 0,
      c ? station_connector_phases(o->st, c) : 3,
      phase_voltage(o->st->cfg, c ? station_connector_phases(o->st, c) : 3), own, &cs);
  /* K08: borne's own limits on the EVSE (its ChargingStationExternalConstraints);
   * EVSE 0, the grid connection: those that bind the whole station */
  v201_external_limit x[2];
  int nx = external_of(o, c, x);
  double cap = -1;
  for (int i = 0; i < nx; i++)
    if (cap < 0 || x[i].amps < cap) cap = x[i].amps;
  int phases = phases_of(o, c);
  if (cap >= 0 && unit == CP_UNIT_WATTS) cap *= phases * phase_voltage(o->st->cfg, phases);
  if (v201_composite_cap(&res, &cs, c, duration, unit, now201(o), cap) != 0)
    log_warn(MOD, "GetCompositeSchedule: out of memory for the external limits");
  r->result = v201_composite_json(res, &cs, c);
  if (res == CP_PROFILE_ACCEPTED) cp_composite_schedule_free(&cs);
}

/* ---------- F01 RequestStartTransaction's TxProfile, E: the transaction ---------- */

bool v201_remote_start_profile(ocpp201_station *o, int c, const json_t *profile) {
  cp_charging_profile p;
  cp_schedule_period *periods = NULL;
  v201_refusal why = {0};
  bool ok = v201_remote_start_profile_decode_json(profile, &p, &periods, &why) == 0;
  uint32_t seed = 0; /* randomizedDelay's draw (2.1) */
  if (ok && getrandom(&seed, sizeof seed, 0) != (ssize_t)sizeof seed) seed = (uint32_t)now201(o);
  p.random_seed = seed ? seed : 1;
  ok = ok &&
       cp_profiles_set_for_next_transaction(o->profiles, c, &p, now201(o)) == CP_PROFILE_ACCEPTED;
  free(periods);
  station_event(o->st, c, "ocpp_profile", "RequestStartTransaction's chargingProfile %s%s%s",
                ok ? "Accepted" : "Rejected", why.info ? ": " : "", why.info ? why.info : "");
  if (ok) profiles_changed(o);
  return ok;
}

void v201_profiles_transaction_started(ocpp201_station *o, int c) {
  cp_profiles_bind_transaction(o->profiles, c, o->evse[c - 1].tx_id);
  profiles_changed(o);
}

void v201_profiles_transaction_ended(ocpp201_station *o, int c) {
  cp_profiles_transaction_ended(o->profiles, c); /* its TxProfiles end with it */
  profiles_changed(o);
}

/* ---------- K11-K13: borne's own limits, as external limits ---------- */

static void limit_answered(void *ctx, const json_t *result, const char *code, const char *text) {
  (void)ctx, (void)result;
  if (code) log_debug(MOD, "charging limit: %s %s", code, text);
}

/* The station-wide external limit (EVSE 0: load management's budget for
 * every EVSE together) told the same way (K12): NotifyChargingLimit when it
 * appears or moves by LimitChangeSignificance or more of the value told
 * last, ClearedChargingLimit when it goes. The EVSE is the whole station:
 * evseId left out in 2.0.1 (its NotifyChargingLimitRequest: "evseId must be
 * > 0"), 0 in 2.1 ("If absent or when zero, it applies to the entire
 * Charging Station"); ClearedChargingLimit the same. */
static bool with_schedules(const ocpp201_station *o) {
  return config_get_bool(o->st->cfg, "ocpp.NotifyChargingLimitWithSchedules");
}

static void report_station_limit(ocpp201_station *o, double pct) {
  v201_external_limit x[2];
  int nx = external_of(o, 0, x);
  const char *src = nx ? x[0].source : NULL;
  double amps = nx ? x[0].amps : 0;
  const char *was = o->site_limit_reported;
  /* load management's, the one station-wide limit: critical unless only
   * borne's own circuit binds the budget */
  int critical =
      v201_limit_grid_critical(LIMIT_LOAD_MANAGEMENT, station_limit_grid_critical(o->st, 0));
  int what = v201_limit_report(was, o->site_limit_reported_a, src, amps, pct);
  bool only_critical =
      !what && src && v201_limit_became_critical(o->site_limit_reported_critical, critical);
  if (only_critical) what = V201_LIMIT_NOTIFY;
  if (!what) return;
  if (what & V201_LIMIT_CLEAR)
    ocpp_link_call(o->link, "ClearedChargingLimit", v201_limit_cleared_json(0, was, speaks21(o)),
                   limit_answered, o);
  if (what & V201_LIMIT_NOTIFY) {
    ocpp_link_call(o->link, "NotifyChargingLimit",
                   v201_limit_notify_json(0, src, critical, now201(o), amps, site_phases(o),
                                          speaks21(o), with_schedules(o)),
                   limit_answered, o);
    if (only_critical)
      station_event(o->st, 0, "ocpp_limit", "station-wide external limit %s %.1f A grid critical",
                    src, o->site_limit_reported_a);
    else if (!(what & V201_LIMIT_CLEAR) && was)
      station_event(o->st, 0, "ocpp_limit", "station-wide external limit %s %.1f A (was %.1f A)",
                    src, amps, o->site_limit_reported_a);
    else
      station_event(o->st, 0, "ocpp_limit", "station-wide external limit %s %.1f A", src, amps);
  } else {
    station_event(o->st, 0, "ocpp_limit", "station-wide external limit released");
  }
  o->site_limit_reported_critical = src ? critical : -1;
  if (only_critical) return; /* the value told stays the base of LimitChangeSignificance */
  o->site_limit_reported = src;
  o->site_limit_reported_a = src ? amps : 0;
}

/* When one of borne's own limits starts or stops capping an EVSE (its
 * limited_by), or its value changes by LimitChangeSignificance or more, the
 * CSMS hears it: NotifyChargingLimit with the limit as a schedule (K11, K12),
 * ClearedChargingLimit when released (K13), and a running transaction a
 * TransactionEvent Updated ChargingRateChanged (K11.FR.04, K13.FR.03); the
 * same TransactionEvent when the CSMS's own profiles move a running
 * transaction's rate by LimitChangeSignificance or more (K01.FR.61). Only
 * while registered: a change while offline is told once the station is
 * accepted again (the last state, not each step). Called on every meter
 * reading and tick. */
void v201_report_external_limits(ocpp201_station *o) {
  if (!online201(o) || o->closing) return;
  double pct = config_get_number(o->st->cfg, "ocpp.LimitChangeSignificance");
  report_station_limit(o, pct);
  for (int c = 1; c <= o->count; c++) {
    v201_evse *k = &o->evse[c - 1];
    station_connector_view v;
    station_view(o->st, c, &v);
    bool tx = k->session_id && k->tx_id[0];
    const char *src = v201_external_source(v.limited_by);
    int critical = v201_limit_grid_critical(v.limited_by, station_limit_grid_critical(o->st, c));
    bool same =
        src == k->limit_reported || (src && k->limit_reported && !strcmp(src, k->limit_reported));
    bool told = false;
    if (same && src && !v201_limit_change_significant(k->limit_reported_a, v.offered_a, pct) &&
        v201_limit_became_critical(k->limit_reported_critical, critical)) {
      /* the same limit, now critical for the grid: told again, nothing else
       * (the rate did not move; the value told stays the base of
       * LimitChangeSignificance) */
      ocpp_link_call(o->link, "NotifyChargingLimit",
                     v201_limit_notify_json(c, src, critical, now201(o), v.offered_a,
                                            station_connector_phases(o->st, c), speaks21(o),
                                            with_schedules(o)),
                     limit_answered, o);
      station_event(o->st, c, "ocpp_limit", "external limit %s %.1f A grid critical", src,
                    v.offered_a);
      k->limit_reported_critical = critical;
    } else if (!same ||
               (src && v201_limit_change_significant(k->limit_reported_a, v.offered_a, pct))) {
      if (k->limit_reported && !same)
        ocpp_link_call(
            o->link, "ClearedChargingLimit",
            json_pack("{s:s,s:i}", "chargingLimitSource", k->limit_reported, "evseId", c),
            limit_answered, o);
      if (src)
        ocpp_link_call(o->link, "NotifyChargingLimit",
                       v201_limit_notify_json(c, src, critical, now201(o), v.offered_a,
                                              station_connector_phases(o->st, c), speaks21(o),
                                              with_schedules(o)),
                       limit_answered, o);
      if (same)
        station_event(o->st, c, "ocpp_limit", "external limit %s %.1f A (was %.1f A)", src,
                      v.offered_a, k->limit_reported_a);
      else
        station_event(o->st, c, "ocpp_limit", "external limit %s", src ? src : "released");
      k->limit_reported = src;
      k->limit_reported_a = src ? v.offered_a : 0;
      k->limit_reported_critical = src ? critical : -1;
      told = tx;
    } else if (tx && k->rate_known &&
               v201_profile_rate_changed(k->rate_a, k->rate_by, v.offered_a, v.limited_by, pct)) {
      /* K01.FR.61: the CSMS's own profiles moved the rate */
      station_event(o->st, c, "ocpp_limit", "charging rate %.1f A (was %.1f A) by a profile",
                    v.offered_a, k->rate_a);
      told = true;
    }
    if (told) v201_send_tx_updated(o, c, "ChargingRateChanged");
    /* the rate the CSMS last heard of (or the transaction's first), and what
     * decided it; a move the profiles have no part in starts from the new
     * rate, one below LimitChangeSignificance is measured from the old */
    if (!tx)
      k->rate_known = false;
    else if (told || !k->rate_known || (k->rate_by != LIMIT_OCPP && v.limited_by != LIMIT_OCPP)) {
      k->rate_known = true;
      k->rate_a = v.offered_a;
      k->rate_by = v.limited_by;
    }
  }
}

/* ---------- 2.1 K21 / K22: priority charging ---------- */

/* The EVSE running the transaction tx (0 when none): a transaction begun
 * at the plug before its session (TxStartPoint, E02) too. */
static int evse_of_tx(const ocpp201_station *o, const char *tx) {
  for (int c = 1; tx && tx[0] && c <= o->count; c++)
    if (!strcmp(o->evse[c - 1].tx_id, tx)) return c;
  return 0;
}

static void priority_event(ocpp201_station *o, int c, bool on, const char *who) {
  station_event(o->st, c, "ocpp_priority", "priority charging %s for transaction %s (%s)",
                on ? "activated" : "deactivated", o->evse[c - 1].tx_id, who);
}

/* K21: UsePriorityCharging (2.1 only). An unknown transaction is Rejected;
 * activating without a PriorityCharging profile for its EVSE (or for 0)
 * NoProfile; else Accepted, the profile in force (or not) from now. */
static void h_use_priority_charging(ocpp201_station *o, const json_t *req, ocpp_reply *r) {
  ocpp21_UsePriorityChargingRequest q;
  ocpp_error e;
  if (!v201_decoded(ocpp21_UsePriorityChargingRequest_decode(req, &q, &e), &e, r)) return;
  int c = evse_of_tx(o, q.transactionId);
  bool activate = q.activate;
  ocpp21_UsePriorityChargingRequest_free(&q);
  if (!c) {
    v201_reply_status_info(r, "Rejected", "TxNotFound", "no such transaction is running");
    return;
  }
  bool changed = false;
  cp_priority_result res =
      cp_profiles_use_priority(o->profiles, c, o->evse[c - 1].tx_id, activate, &changed);
  if (res == CP_PRIORITY_NO_PROFILE) {
    v201_reply_status_info(r, "NoProfile", "NoProfile",
                           "no PriorityCharging profile is installed for this EVSE");
    return;
  }
  if (res != CP_PRIORITY_ACCEPTED) {
    v201_reply_status(r, "Rejected");
    return;
  }
  v201_reply_status(r, "Accepted");
  if (!changed) return;
  priority_event(o, c, activate, "CSMS");
  profiles_changed(o);
}

static void notify_priority_answered(void *ctx, const json_t *result, const char *code,
                                     const char *text) {
  (void)ctx, (void)result;
  if (code) log_info(MOD, "NotifyPriorityCharging: %s %s", code, text ? text : "");
}

int v201_priority_request(ocpp201_station *o, int c, bool activate, char *err, size_t errlen) {
  if (c < 1 || c > o->count) return snprintf(err, errlen, "no such connector"), -1;
  if (!speaks21(o))
    return snprintf(err, errlen, "priority charging needs OCPP 2.1 (the back end speaks %s)",
                    o->link ? ocpp_link_dialect(o->link)->version : "nothing"),
           -1;
  const char *tx = o->evse[c - 1].tx_id;
  if (!tx[0]) return snprintf(err, errlen, "no transaction is running on connector %d", c), -1;
  bool changed = false;
  cp_priority_result res = cp_profiles_use_priority(o->profiles, c, tx, activate, &changed);
  if (res == CP_PRIORITY_NO_PROFILE)
    return snprintf(err, errlen,
                    "the back end installed no PriorityCharging profile for connector %d", c),
           -1;
  if (res != CP_PRIORITY_ACCEPTED) return snprintf(err, errlen, "refused"), -1;
  if (!changed) return 0;
  priority_event(o, c, activate, "local request");
  profiles_changed(o);
  /* K22: the CSMS hears it (registered and connected: not queued) */
  if (!online201(o) ||
      ocpp_link_call(o->link, "NotifyPriorityCharging",
                     json_pack("{s:s,s:b}", "transactionId", tx, "activated", activate),
                     notify_priority_answered, o) != 0)
    log_info(MOD, "NotifyPriorityCharging not sent: not connected or not registered");
  return 0;
}

json_t *v201_priority_status(const ocpp201_station *o, int c) {
  const char *tx = o->evse[c - 1].tx_id;
  if (!speaks21(o)) return json_null();
  return json_pack("{s:b,s:b}", "available", cp_profiles_priority_available(o->profiles, c),
                   "active", cp_profiles_priority_active(o->profiles, c, tx));
}

/* ---------- K15-K17: the ISO 15118 hooks ---------- */

int v201_ev_schedule_chosen(ocpp201_station *o, int evse, int64_t schedule_id) {
  if (!o || evse < 1 || evse > o->count ||
      cp_profiles_choose_schedule(o->profiles, evse, schedule_id) != 0)
    return -1;
  station_event(o->st, evse, "ocpp_profile", "the EV chose chargingSchedule %lld",
                (long long)schedule_id);
  profiles_changed(o);
  return 0;
}

static const v201_handler handlers[] = {
    {"SetChargingProfile", h_set_charging_profile},
    {"ClearChargingProfile", h_clear_charging_profile},
    {"GetChargingProfiles", h_get_charging_profiles},
    {"GetCompositeSchedule", h_get_composite_schedule},
    {"UpdateDynamicSchedule", h_update_dynamic_schedule}, /* 2.1 */
    {"UsePriorityCharging", h_use_priority_charging},     /* 2.1 */
};
const v201_family v201_smart_charging_calls = {handlers, sizeof handlers / sizeof handlers[0]};
