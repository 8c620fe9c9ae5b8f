/*
 * OCPP 2.0.1 smart charging (block K) over the one profile engine, on a
 * virtual clock: 2.0.1 ChargingProfiles decoded (every request first passes
 * the generated validator, as the RPC layer does) and installed in the
 * engine 1.6 uses, the limit that follows (A and W, stack levels, validity,
 * Recurring, Relative with a transaction), the refusals 2.0.1 adds
 * (ChargingStationExternalConstraints, several schedules, phaseToUse, a
 * TxProfile without transactionId), a remote start's TxProfile bound to the
 * transaction, installed profiles reported back as ChargingProfileType
 * (ReportChargingProfiles passes the schema, and reads back the same),
 * GetChargingProfiles' selection, ClearChargingProfile's criteria, the
 * composite schedule as GetCompositeScheduleResponse, and a profile set in
 * 2.0.1 seen by a reopened store (restart, or 1.6); K01.FR.61's
 * ChargingRateChanged decision, isGridCritical, borne's own limits as
 * ChargingStationExternalConstraints profiles (reported, selected, capping
 * the composite schedule).
 */
/* cmocka.h needs these first */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chargepoint/profiles.h"
#include "ocpp/ocpp_keys.h"
#include "ocpp/v201/charging_profile.h"
#include "ocpp/v201/v201_internal.h"
#include "ocpp201_messages.h"
#include "ocpp21_messages.h"
#include "test_tmpdir.h"
#include "config/config.h"
#include "config/config_tables.h"
#include "store/store.h"

/* 2026-12-06T01:00:00Z */
#define T0 (1796518800LL * 1000)
#define S 1000LL

static const cp_profile_limits LIM = {
    .max_stack_level = 8, .max_periods = 24, .max_profiles = 16, .allow_watts = true};

static void valid(const char *action, bool request, const json_t *payload) {
  ocpp_error err = {.kind = OCPP_ERR_NONE};
  if (ocpp201_validate(action, request, payload, &err) != 0) {
    char *text = json_dumps(payload, JSON_COMPACT);
    fail_msg("%s: %s %s in %.400s", action, err.code, err.text, text);
  }
}

/* A SetChargingProfile request's profile from JSON text: validated, decoded
 * and handed to the engine as smart_charging.c does. */
static cp_profile_result set201(cp_profiles *s, int evse, const char *profile_json,
                                const char *active_tx, borne_ms now, v201_refusal *why) {
  json_t *req =
      json_pack("{s:i,s:o}", "evseId", evse, "chargingProfile", json_loads(profile_json, 0, NULL));
  valid("SetChargingProfile", true, req);
  ocpp201_SetChargingProfileRequest q;
  ocpp_error e;
  assert_int_equal(ocpp201_SetChargingProfileRequest_decode(req, &q, &e), 0);
  json_decref(req);
  cp_charging_profile p;
  cp_schedule_period *periods = NULL;
  v201_refusal w = {0};
  cp_profile_result r = v201_profile_decode(&q.chargingProfile, &p, &periods, &w) == 0
                            ? cp_profiles_set(s, evse, &p, active_tx, now)
                            : CP_PROFILE_REJECTED;
  free(periods);
  ocpp201_SetChargingProfileRequest_free(&q);
  json_t *answer = v201_set_profile_answer(r, w.reason ? &w : NULL);
  valid("SetChargingProfile", false, answer);
  json_decref(answer);
  if (why) *why = w;
  return r;
}

#define TXDEFAULT_10A                                                                              \
  "{\"id\":1,\"stackLevel\":0,\"chargingProfilePurpose\":\"TxDefaultProfile\","                    \
  "\"chargingProfileKind\":\"Absolute\",\"chargingSchedule\":[{\"id\":7,"                          \
  "\"startSchedule\":\"2026-12-06T01:00:00Z\",\"chargingRateUnit\":\"A\","                         \
  "\"chargingSchedulePeriod\":[{\"startPeriod\":0,\"limit\":10},{\"startPeriod\":600,"             \
  "\"limit\":16,\"numberPhases\":1}]}]}"

static void tx_default_limits_the_evse(void **state) {
  (void)state;
  char err[200];
  cp_profiles *s = cp_profiles_open(NULL, 2, &LIM, err, sizeof err);
  assert_non_null(s);
  assert_int_equal(set201(s, 0, TXDEFAULT_10A, NULL, T0, NULL), CP_PROFILE_ACCEPTED);
  assert_true(cp_profiles_limit_a(s, 1, T0 + 5 * S, "", 0, 3, 230) == 10.0);
  assert_true(cp_profiles_limit_a(s, 2, T0 + 599 * S, "", 0, 3, 230) == 10.0);
  assert_true(cp_profiles_limit_a(s, 1, T0 + 600 * S, "", 0, 3, 230) == 16.0);
  assert_true(cp_profiles_next_change(s, T0 + 5 * S) == T0 + 600 * S);
  /* a higher stack level on EVSE 2 only, in W: 6900 W on 3 phases is 10 A... */
  const char *w = "{\"id\":2,\"stackLevel\":3,\"chargingProfilePurpose\":\"TxDefaultProfile\","
                  "\"chargingProfileKind\":\"Absolute\",\"chargingSchedule\":[{\"id\":1,"
                  "\"chargingRateUnit\":\"W\",\"chargingSchedulePeriod\":[{\"startPeriod\":0,"
                  "\"limit\":4140}]}]}";
  assert_int_equal(set201(s, 2, w, NULL, T0, NULL), CP_PROFILE_ACCEPTED);
  assert_true(cp_profiles_limit_a(s, 2, T0 + 5 * S, "", 0, 3, 230) == 6.0);
  assert_true(cp_profiles_limit_a(s, 1, T0 + 5 * S, "", 0, 3, 230) == 10.0);
  /* ...and the station maximum caps both */
  const char *max = "{\"id\":3,\"stackLevel\":0,\"chargingProfilePurpose\":"
                    "\"ChargingStationMaxProfile\",\"chargingProfileKind\":\"Recurring\","
                    "\"recurrencyKind\":\"Daily\",\"chargingSchedule\":[{\"id\":1,"
                    "\"startSchedule\":\"2026-12-06T00:00:00Z\",\"chargingRateUnit\":\"A\","
                    "\"chargingSchedulePeriod\":[{\"startPeriod\":0,\"limit\":8},"
                    "{\"startPeriod\":7200,\"limit\":32}]}]}";
  assert_int_equal(set201(s, 1, max, NULL, T0, NULL), CP_PROFILE_REJECTED); /* EVSE 0 only */
  assert_int_equal(set201(s, 0, max, NULL, T0, NULL), CP_PROFILE_ACCEPTED);
  assert_true(cp_profiles_limit_a(s, 1, T0 + 5 * S, "", 0, 3, 230) == 8.0);
  assert_true(cp_profiles_limit_a(s, 1, T0 + 3601 * S, "", 0, 3, 230) == 16.0);
  assert_true(cp_profiles_limit_a(s, 1, T0 + 86400 * S, "", 0, 3, 230) == 8.0); /* next day */
  assert_int_equal(cp_profiles_count(s), 3);
  cp_profiles_free(s);
}

static void refusals(void **state) {
  (void)state;
  char err[200];
  cp_profiles *s = cp_profiles_open(NULL, 2, &LIM, err, sizeof err);
  v201_refusal why;
  const char *ext = "{\"id\":1,\"stackLevel\":0,\"chargingProfilePurpose\":"
                    "\"ChargingStationExternalConstraints\",\"chargingProfileKind\":\"Absolute\","
                    "\"chargingSchedule\":[{\"id\":1,\"chargingRateUnit\":\"A\","
                    "\"chargingSchedulePeriod\":[{\"startPeriod\":0,\"limit\":6}]}]}";
  assert_int_equal(set201(s, 0, ext, NULL, T0, &why), CP_PROFILE_REJECTED);
  assert_string_equal(why.reason, "InvalidValue");
  const char *two = "{\"id\":1,\"stackLevel\":0,\"chargingProfilePurpose\":\"TxDefaultProfile\","
                    "\"chargingProfileKind\":\"Absolute\",\"chargingSchedule\":["
                    "{\"id\":1,\"chargingRateUnit\":\"A\",\"chargingSchedulePeriod\":[{"
                    "\"startPeriod\":0,\"limit\":6}]},{\"id\":2,\"chargingRateUnit\":\"A\","
                    "\"chargingSchedulePeriod\":[{\"startPeriod\":0,\"limit\":8}]}]}";
  assert_int_equal(set201(s, 0, two, NULL, T0, &why), CP_PROFILE_REJECTED);
  assert_string_equal(why.reason, "InvalidSchedule");
  const char *phase = "{\"id\":1,\"stackLevel\":0,\"chargingProfilePurpose\":\"TxDefaultProfile\","
                      "\"chargingProfileKind\":\"Absolute\",\"chargingSchedule\":[{\"id\":1,"
                      "\"chargingRateUnit\":\"A\",\"chargingSchedulePeriod\":[{\"startPeriod\":0,"
                      "\"limit\":6,\"numberPhases\":1,\"phaseToUse\":2}]}]}";
  assert_int_equal(set201(s, 1, phase, NULL, T0, &why), CP_PROFILE_REJECTED);
  assert_string_equal(why.reason, "InvalidSchedule"); /* K01.FR.20: no phase switching */
  assert_non_null(strstr(why.info, "ACPhaseSwitchingSupported"));
  const char *phase3 = "{\"id\":1,\"stackLevel\":0,\"chargingProfilePurpose\":\"TxDefaultProfile\","
                       "\"chargingProfileKind\":\"Absolute\",\"chargingSchedule\":[{\"id\":1,"
                       "\"chargingRateUnit\":\"A\",\"chargingSchedulePeriod\":[{\"startPeriod\":0,"
                       "\"limit\":6,\"phaseToUse\":2}]}]}";
  assert_int_equal(set201(s, 1, phase3, NULL, T0, &why), CP_PROFILE_REJECTED);
  assert_non_null(strstr(why.info, "numberPhases 1")); /* K01.FR.19 */
  const char *tx = "{\"id\":4,\"stackLevel\":1,\"chargingProfilePurpose\":\"TxProfile\","
                   "\"chargingProfileKind\":\"Relative\",\"chargingSchedule\":[{\"id\":1,"
                   "\"chargingRateUnit\":\"A\",\"chargingSchedulePeriod\":[{\"startPeriod\":0,"
                   "\"limit\":6}]}]}";
  assert_int_equal(set201(s, 1, tx, "tx-1", T0, &why), CP_PROFILE_REJECTED);
  assert_string_equal(why.reason, "MissingParam");
  /* periods out of order, too many stack levels: the engine's rules */
  const char *order = "{\"id\":1,\"stackLevel\":0,\"chargingProfilePurpose\":\"TxDefaultProfile\","
                      "\"chargingProfileKind\":\"Absolute\",\"chargingSchedule\":[{\"id\":1,"
                      "\"chargingRateUnit\":\"A\",\"chargingSchedulePeriod\":[{\"startPeriod\":60,"
                      "\"limit\":6}]}]}";
  assert_int_equal(set201(s, 1, order, NULL, T0, NULL), CP_PROFILE_REJECTED);
  const char *deep = "{\"id\":1,\"stackLevel\":9,\"chargingProfilePurpose\":\"TxDefaultProfile\","
                     "\"chargingProfileKind\":\"Absolute\",\"chargingSchedule\":[{\"id\":1,"
                     "\"chargingRateUnit\":\"A\",\"chargingSchedulePeriod\":[{\"startPeriod\":0,"
                     "\"limit\":6}]}]}";
  assert_int_equal(set201(s, 1, deep, NULL, T0, NULL), CP_PROFILE_REJECTED);
  assert_int_equal(cp_profiles_count(s), 0);
  cp_profiles_free(s);
}

static void tx_profiles(void **state) {
  (void)state;
  char err[200];
  cp_profiles *s = cp_profiles_open(NULL, 2, &LIM, err, sizeof err);
  const char *tx = "{\"id\":4,\"stackLevel\":1,\"chargingProfilePurpose\":\"TxProfile\","
                   "\"chargingProfileKind\":\"Relative\",\"transactionId\":\"12-abc\","
                   "\"chargingSchedule\":[{\"id\":1,\"chargingRateUnit\":\"A\","
                   "\"chargingSchedulePeriod\":[{\"startPeriod\":0,\"limit\":6},"
                   "{\"startPeriod\":60,\"limit\":12}]}]}";
  assert_int_equal(set201(s, 1, tx, "other", T0, NULL), CP_PROFILE_REJECTED);
  assert_int_equal(set201(s, 1, tx, "12-abc", T0, NULL), CP_PROFILE_ACCEPTED);
  /* Relative: from the transaction's start */
  assert_true(cp_profiles_limit_a(s, 1, T0 + 30 * S, "12-abc", T0, 3, 230) == 6.0);
  assert_true(cp_profiles_limit_a(s, 1, T0 + 61 * S, "12-abc", T0, 3, 230) == 12.0);
  cp_profiles_transaction_ended(s, 1);
  assert_int_equal(cp_profiles_count(s), 0);

  /* RequestStartTransaction's profile: a TxProfile without id, bound at the start */
  json_t *req = json_pack(
      "{s:i,s:i,s:{s:s,s:s},s:o}", "evseId", 2, "remoteStartId", 5, "idToken", "idToken", "TAG1",
      "type", "Central", "chargingProfile",
      json_loads("{\"id\":9,\"stackLevel\":2,\"chargingProfilePurpose\":\"TxProfile\","
                 "\"chargingProfileKind\":\"Relative\",\"chargingSchedule\":[{\"id\":3,"
                 "\"chargingRateUnit\":\"A\",\"chargingSchedulePeriod\":[{\"startPeriod\":0,"
                 "\"limit\":7}]}]}",
                 0, NULL));
  valid("RequestStartTransaction", true, req);
  ocpp201_RequestStartTransactionRequest q;
  ocpp_error e;
  assert_int_equal(ocpp201_RequestStartTransactionRequest_decode(req, &q, &e), 0);
  json_decref(req);
  cp_charging_profile p;
  cp_schedule_period *periods;
  v201_refusal why;
  assert_int_equal(v201_remote_start_profile_decode(&q.chargingProfile, &p, &periods, &why), 0);
  ocpp201_RequestStartTransactionRequest_free(&q);
  assert_int_equal(p.id, 9);
  assert_int_equal(p.schedule.id, 3);
  assert_int_equal(cp_profiles_set_for_next_transaction(s, 2, &p, T0), CP_PROFILE_ACCEPTED);
  free(periods);
  cp_profiles_bind_transaction(s, 2, "55-ff");
  assert_true(cp_profiles_limit_a(s, 2, T0 + S, "55-ff", T0, 3, 230) == 7.0);
  assert_true(cp_profiles_limit_a(s, 2, T0 + S, "56-00", T0, 3, 230) < 0); /* not another one */
  int c;
  assert_int_equal(cp_profiles_get(s, 0, &c, &p, &periods), 0);
  assert_int_equal(c, 2);
  assert_string_equal(p.transaction_id, "55-ff");
  free(periods);
  cp_profiles_free(s);
}

static void reported_profiles_pass_the_schema(void **state) {
  (void)state;
  char err[200];
  cp_profiles *s = cp_profiles_open(NULL, 2, &LIM, err, sizeof err);
  assert_int_equal(set201(s, 0, TXDEFAULT_10A, NULL, T0, NULL), CP_PROFILE_ACCEPTED);
  const char *rec = "{\"id\":3,\"stackLevel\":2,\"chargingProfilePurpose\":"
                    "\"ChargingStationMaxProfile\",\"chargingProfileKind\":\"Recurring\","
                    "\"recurrencyKind\":\"Weekly\",\"validFrom\":\"2026-12-01T00:00:00Z\","
                    "\"validTo\":\"2027-12-01T00:00:00Z\",\"chargingSchedule\":[{\"id\":11,"
                    "\"startSchedule\":\"2026-12-06T00:00:00Z\",\"duration\":3600,"
                    "\"minChargingRate\":6,\"chargingRateUnit\":\"W\","
                    "\"chargingSchedulePeriod\":[{\"startPeriod\":0,\"limit\":11000}]}]}";
  assert_int_equal(set201(s, 0, rec, NULL, T0, NULL), CP_PROFILE_ACCEPTED);
  json_t *list = json_array();
  for (int i = 0; i < cp_profiles_count(s); i++) {
    int c;
    cp_charging_profile p;
    cp_schedule_period *periods;
    assert_int_equal(cp_profiles_get(s, i, &c, &p, &periods), 0);
    assert_int_equal(c, 0);
    json_array_append_new(list, v201_profile_json(&p));
    free(periods);
  }
  json_t *report = json_pack("{s:i,s:s,s:o,s:i}", "requestId", 4, "chargingLimitSource", "CSO",
                             "chargingProfile", list, "evseId", 0);
  valid("ReportChargingProfiles", true, report);
  /* said back, the profiles read the same: set again, they replace themselves */
  const json_t *pj = json_array_get(list, 1);
  assert_string_equal(json_string_value(json_object_get(pj, "recurrencyKind")), "Weekly");
  const json_t *sj = json_array_get(json_object_get(pj, "chargingSchedule"), 0);
  assert_int_equal(json_integer_value(json_object_get(sj, "id")), 11);
  assert_int_equal(json_integer_value(json_object_get(sj, "duration")), 3600);
  assert_string_equal(json_string_value(json_object_get(sj, "chargingRateUnit")), "W");
  char *text = json_dumps(pj, JSON_COMPACT);
  assert_int_equal(set201(s, 0, text, NULL, T0, NULL), CP_PROFILE_ACCEPTED);
  free(text);
  assert_int_equal(cp_profiles_count(s), 2);
  json_decref(report);
  cp_profiles_free(s);
}

static void get_and_clear_criteria(void **state) {
  (void)state;
  char err[200];
  cp_profiles *s = cp_profiles_open(NULL, 2, &LIM, err, sizeof err);
  assert_int_equal(set201(s, 0, TXDEFAULT_10A, NULL, T0, NULL), CP_PROFILE_ACCEPTED);
  const char *e2 = "{\"id\":2,\"stackLevel\":1,\"chargingProfilePurpose\":\"TxDefaultProfile\","
                   "\"chargingProfileKind\":\"Absolute\",\"chargingSchedule\":[{\"id\":1,"
                   "\"chargingRateUnit\":\"A\",\"chargingSchedulePeriod\":[{\"startPeriod\":0,"
                   "\"limit\":6}]}]}";
  assert_int_equal(set201(s, 2, e2, NULL, T0, NULL), CP_PROFILE_ACCEPTED);
  struct {
    const char *req;
    int matches; /* of profile 1 (EVSE 0) and profile 2 (EVSE 2): bit 0, bit 1 */
  } cases[] = {
      {"{\"requestId\":1,\"chargingProfile\":{}}", 3},
      {"{\"requestId\":1,\"evseId\":0,\"chargingProfile\":{}}", 1},
      {"{\"requestId\":1,\"evseId\":2,\"chargingProfile\":{}}", 2},
      {"{\"requestId\":1,\"chargingProfile\":{\"stackLevel\":1}}", 2},
      {"{\"requestId\":1,\"chargingProfile\":{\"chargingProfileId\":[1,5]}}", 1},
      {"{\"requestId\":1,\"chargingProfile\":{\"chargingProfilePurpose\":\"TxProfile\"}}", 0},
      {"{\"requestId\":1,\"chargingProfile\":{\"chargingLimitSource\":[\"EMS\"]}}", 0},
      {"{\"requestId\":1,\"chargingProfile\":{\"chargingLimitSource\":[\"EMS\",\"CSO\"]}}", 3},
  };
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    json_t *req = json_loads(cases[k].req, 0, NULL);
    valid("GetChargingProfiles", true, req);
    ocpp201_GetChargingProfilesRequest q;
    ocpp_error e;
    assert_int_equal(ocpp201_GetChargingProfilesRequest_decode(req, &q, &e), 0);
    int got = 0;
    for (int i = 0; i < cp_profiles_count(s); i++) {
      int c;
      cp_charging_profile p;
      cp_schedule_period *periods;
      assert_int_equal(cp_profiles_get(s, i, &c, &p, &periods), 0);
      if (v201_report_match(&q, c, &p)) got |= 1 << (p.id - 1);
      free(periods);
    }
    if (got != cases[k].matches) fail_msg("%s: %d, not %d", cases[k].req, got, cases[k].matches);
    ocpp201_GetChargingProfilesRequest_free(&q);
    json_decref(req);
  }
  struct {
    const char *req;
    int cleared;
  } clears[] = {
      {"{\"chargingProfileId\":7}", 0},
      {"{\"chargingProfileCriteria\":{\"chargingProfilePurpose\":"
       "\"ChargingStationExternalConstraints\"}}",
       0},
      {"{\"chargingProfileCriteria\":{\"evseId\":2,\"stackLevel\":0}}", 0},
      {"{\"chargingProfileCriteria\":{\"evseId\":2,\"chargingProfilePurpose\":"
       "\"TxDefaultProfile\"}}",
       1},
      {"{\"chargingProfileId\":1}", 1},
  };
  for (size_t k = 0; k < sizeof clears / sizeof clears[0]; k++) {
    json_t *req = json_loads(clears[k].req, 0, NULL);
    valid("ClearChargingProfile", true, req);
    ocpp201_ClearChargingProfileRequest q;
    ocpp_error e;
    assert_int_equal(ocpp201_ClearChargingProfileRequest_decode(req, &q, &e), 0);
    cp_profile_filter f;
    int n = v201_clear_filter(&q, &f) == 0 ? cp_profiles_clear(s, &f) : 0;
    if (n != clears[k].cleared) fail_msg("%s: %d cleared", clears[k].req, n);
    ocpp201_ClearChargingProfileRequest_free(&q);
    json_decref(req);
  }
  assert_int_equal(cp_profiles_count(s), 0);
  cp_profiles_free(s);
}

static void composite_schedule(void **state) {
  (void)state;
  char err[200];
  cp_profiles *s = cp_profiles_open(NULL, 2, &LIM, err, sizeof err);
  cp_composite_schedule cs;
  cp_profile_result r = cp_profiles_composite(s, 1, 3600, CP_UNIT_AMPS, T0, NULL, 0, 3, 230, &cs);
  json_t *j = v201_composite_json(r, &cs, 1);
  valid("GetCompositeSchedule", false, j);
  assert_string_equal(json_string_value(json_object_get(j, "status")), "Rejected");
  json_decref(j);
  assert_int_equal(set201(s, 0, TXDEFAULT_10A, NULL, T0, NULL), CP_PROFILE_ACCEPTED);
  r = cp_profiles_composite(s, 1, 3600, CP_UNIT_AMPS, T0, NULL, 0, 3, 230, &cs);
  assert_int_equal(r, CP_PROFILE_ACCEPTED);
  j = v201_composite_json(r, &cs, 1);
  cp_composite_schedule_free(&cs);
  valid("GetCompositeSchedule", false, j);
  const json_t *sch = json_object_get(j, "schedule");
  assert_int_equal(json_integer_value(json_object_get(sch, "evseId")), 1);
  assert_int_equal(json_integer_value(json_object_get(sch, "duration")), 3600);
  assert_string_equal(json_string_value(json_object_get(sch, "scheduleStart")),
                      "2026-12-06T01:00:00.000Z");
  const json_t *pa = json_object_get(sch, "chargingSchedulePeriod");
  assert_int_equal(json_array_size(pa), 2);
  assert_true(json_number_value(json_object_get(json_array_get(pa, 0), "limit")) == 10.0);
  assert_int_equal(json_integer_value(json_object_get(json_array_get(pa, 1), "startPeriod")), 600);
  assert_int_equal(json_integer_value(json_object_get(json_array_get(pa, 1), "numberPhases")), 1);
  json_decref(j);
  /* in W: 10 A x 3 phases x 230 V */
  r = cp_profiles_composite(s, 1, 300, CP_UNIT_WATTS, T0, NULL, 0, 3, 230, &cs);
  j = v201_composite_json(r, &cs, 1);
  cp_composite_schedule_free(&cs);
  valid("GetCompositeSchedule", false, j);
  pa = json_object_get(json_object_get(j, "schedule"), "chargingSchedulePeriod");
  assert_true(json_number_value(json_object_get(json_array_get(pa, 0), "limit")) == 6900.0);
  json_decref(j);
  cp_profiles_free(s);
}

/* K01 with up to three chargingSchedules (a TxProfile: the choice offered to
 * an ISO 15118 EV): each checked by the engine's rules, the first applied,
 * all kept (across a restart) and reported; the EV's choice
 * (cp_profiles_choose_schedule) applies another. */
#define TX_THREE                                                                                   \
  "{\"id\":5,\"stackLevel\":1,\"chargingProfilePurpose\":\"TxProfile\","                           \
  "\"chargingProfileKind\":\"Relative\",\"transactionId\":\"t-1\",\"chargingSchedule\":["          \
  "{\"id\":21,\"chargingRateUnit\":\"A\",\"chargingSchedulePeriod\":[{\"startPeriod\":0,"          \
  "\"limit\":10}]},{\"id\":22,\"chargingRateUnit\":\"W\",\"chargingSchedulePeriod\":["             \
  "{\"startPeriod\":0,\"limit\":2760},{\"startPeriod\":60,\"limit\":4140}]},{\"id\":23,"           \
  "\"chargingRateUnit\":\"A\",\"chargingSchedulePeriod\":[{\"startPeriod\":0,\"limit\":16}]}]}"

static void several_schedules(void **state) {
  (void)state;
  char dir[256], path[300], err[200];
  assert_int_equal(test_tmpdir_make(dir, sizeof dir, "v201three"), 0);
  snprintf(path, sizeof path, "%s/borne.db", dir);
  store *db;
  assert_int_equal(store_open(&db, path, err, sizeof err), 0);
  cp_profiles *s = cp_profiles_open(db, 2, &LIM, err, sizeof err);
  assert_non_null(s);
  v201_refusal why;
  /* an alternative that breaks a rule (periods out of order) refuses the profile */
  const char *bad = "{\"id\":5,\"stackLevel\":1,\"chargingProfilePurpose\":\"TxProfile\","
                    "\"chargingProfileKind\":\"Relative\",\"transactionId\":\"t-1\","
                    "\"chargingSchedule\":[{\"id\":1,\"chargingRateUnit\":\"A\","
                    "\"chargingSchedulePeriod\":[{\"startPeriod\":0,\"limit\":6}]},{\"id\":2,"
                    "\"chargingRateUnit\":\"A\",\"chargingSchedulePeriod\":[{\"startPeriod\":30,"
                    "\"limit\":6}]}]}";
  assert_int_equal(set201(s, 1, bad, "t-1", T0, &why), CP_PROFILE_REJECTED);
  const char *same_id = "{\"id\":5,\"stackLevel\":1,\"chargingProfilePurpose\":\"TxProfile\","
                        "\"chargingProfileKind\":\"Relative\",\"transactionId\":\"t-1\","
                        "\"chargingSchedule\":[{\"id\":1,\"chargingRateUnit\":\"A\","
                        "\"chargingSchedulePeriod\":[{\"startPeriod\":0,\"limit\":6}]},{\"id\":1,"
                        "\"chargingRateUnit\":\"A\",\"chargingSchedulePeriod\":[{\"startPeriod\":0,"
                        "\"limit\":8}]}]}";
  assert_int_equal(set201(s, 1, same_id, "t-1", T0, &why), CP_PROFILE_REJECTED);
  assert_string_equal(why.reason, "InvalidSchedule");
  assert_int_equal(set201(s, 1, TX_THREE, "t-1", T0, &why), CP_PROFILE_ACCEPTED);
  assert_true(cp_profiles_limit_a(s, 1, T0 + S, "t-1", T0, 3, 230) == 10.0); /* the first */
  cp_profiles_free(s);
  store_close(db);

  /* a restart keeps the three */
  assert_int_equal(store_open(&db, path, err, sizeof err), 0);
  s = cp_profiles_open(db, 2, &LIM, err, sizeof err);
  assert_int_equal(cp_profiles_count(s), 1);
  assert_true(cp_profiles_limit_a(s, 1, T0 + S, "t-1", T0, 3, 230) == 10.0);
  int c;
  cp_charging_profile p;
  cp_schedule_period *periods;
  assert_int_equal(cp_profiles_get(s, 0, &c, &p, &periods), 0);
  assert_int_equal(p.nalternatives, 2);
  assert_int_equal(p.alternatives[0].id, 22);
  assert_int_equal(p.alternatives[0].nperiods, 2);
  assert_true(p.alternatives[0].periods[1].limit == 4140);
  json_t *report = json_pack("{s:i,s:s,s:[o],s:i}", "requestId", 1, "chargingLimitSource", "CSO",
                             "chargingProfile", v201_profile_json(&p), "evseId", 1);
  free(periods);
  valid("ReportChargingProfiles", true, report);
  const json_t *sched = json_object_get(
      json_array_get(json_object_get(report, "chargingProfile"), 0), "chargingSchedule");
  assert_int_equal(json_array_size(sched), 3);
  assert_int_equal(json_integer_value(json_object_get(json_array_get(sched, 2), "id")), 23);
  json_decref(report);

  /* the EV picked schedule 22 (4140 W on 3 phases at 230 V: 6 A after a minute) */
  assert_int_equal(cp_profiles_choose_schedule(s, 2, 22), -1); /* not on EVSE 2 */
  assert_int_equal(cp_profiles_choose_schedule(s, 1, 99), -1);
  assert_int_equal(cp_profiles_choose_schedule(s, 1, 22), 0);
  assert_true(cp_profiles_limit_a(s, 1, T0 + S, "t-1", T0, 3, 230) == 4.0);
  assert_true(cp_profiles_limit_a(s, 1, T0 + 61 * S, "t-1", T0, 3, 230) == 6.0);
  cp_profiles_free(s);
  store_close(db);
  assert_int_equal(store_open(&db, path, err, sizeof err), 0);
  s = cp_profiles_open(db, 2, &LIM, err, sizeof err);
  assert_true(cp_profiles_limit_a(s, 1, T0 + 61 * S, "t-1", T0, 3, 230) == 6.0); /* kept */
  assert_int_equal(cp_profiles_get(s, 0, &c, &p, &periods), 0);
  assert_int_equal(p.schedule.id, 22);
  assert_int_equal(p.nalternatives, 2);
  free(periods);
  cp_profiles_transaction_ended(s, 1); /* gone with its transaction */
  assert_int_equal(cp_profiles_count(s), 0);
  cp_profiles_free(s);
  store_close(db);
  test_tmpdir_remove(dir);
}

/* K11/K12: borne's own limit told with its schedule (one period from now),
 * told again when its value moves by LimitChangeSignificance (10 % by default) or more. */
static void external_limit_schedule_and_significance(void **state) {
  (void)state;
  json_t *sched = v201_limit_schedule_json(2, T0, 4.87, 1);
  json_t *req = json_pack("{s:i,s:{s:s},s:o}", "evseId", 2, "chargingLimit", "chargingLimitSource",
                          "EMS", "chargingSchedule", sched);
  valid("NotifyChargingLimit", true, req);
  const json_t *p0 =
      json_array_get(json_object_get(json_array_get(json_object_get(req, "chargingSchedule"), 0),
                                     "chargingSchedulePeriod"),
                     0);
  assert_true(json_number_value(json_object_get(p0, "limit")) == 4.8);
  assert_int_equal(json_integer_value(json_object_get(p0, "numberPhases")), 1);
  json_decref(req);
  /* the significance is the setting ocpp.LimitChangeSignificance: 10 % by default */
  config *cfg = config_new();
  assert_non_null(cfg);
  double pc = config_get_number(cfg, "ocpp.LimitChangeSignificance");
  assert_true(pc == 10);
  assert_true(v201_limit_change_significant(0, 6, pc));
  assert_false(v201_limit_change_significant(10, 10.9, pc));
  assert_false(v201_limit_change_significant(10, 9.1, pc));
  assert_true(v201_limit_change_significant(10, 11, pc));
  assert_true(v201_limit_change_significant(10, 8.9, pc));
  /* set (SetVariables writes the same setting): 25 %, then 0 (any change) */
  char err[160];
  assert_int_equal(config_set(cfg, "ocpp.LimitChangeSignificance", "25", err, sizeof err), 0);
  pc = config_get_number(cfg, "ocpp.LimitChangeSignificance");
  assert_false(v201_limit_change_significant(10, 12, pc));
  assert_true(v201_limit_change_significant(10, 12.5, pc));
  assert_true(v201_limit_change_significant(10, 7.5, pc));
  assert_int_equal(config_set(cfg, "ocpp.LimitChangeSignificance", "0", err, sizeof err), 0);
  pc = config_get_number(cfg, "ocpp.LimitChangeSignificance");
  assert_true(v201_limit_change_significant(10, 10.1, pc));
  assert_false(v201_limit_change_significant(10, 10, pc));
  /* out of range: refused, the value kept */
  assert_int_not_equal(config_set(cfg, "ocpp.LimitChangeSignificance", "101", err, sizeof err), 0);
  assert_int_not_equal(config_set(cfg, "ocpp.LimitChangeSignificance", "-1", err, sizeof err), 0);
  assert_true(config_get_number(cfg, "ocpp.LimitChangeSignificance") == 0);
  config_free(cfg);
}

/* K01.FR.61: a TransactionEvent ChargingRateChanged when the CSMS's own
 * profiles move the charging rate by LimitChangeSignificance or more (the
 * decision; smart_charging.c keeps the rate told and calls it on every
 * meter reading and tick of the virtual clock). */
static void profile_rate_change(void **state) {
  (void)state;
  /* a TxDefaultProfile lowers 16 A (the installation's) to 10 A: told */
  assert_true(v201_profile_rate_changed(16, LIMIT_INSTALLATION, 10, LIMIT_OCPP, 10));
  /* then 9.5 A: 5 % of the 10 A told, below 10 %: not told */
  assert_false(v201_profile_rate_changed(10, LIMIT_OCPP, 9.5, LIMIT_OCPP, 10));
  /* then 8 A: 20 % of the 10 A told (the 9.5 A step not the base): told */
  assert_true(v201_profile_rate_changed(10, LIMIT_OCPP, 8, LIMIT_OCPP, 10));
  /* a profile lifted, the cable's 16 A decides again: told */
  assert_true(v201_profile_rate_changed(8, LIMIT_OCPP, 16, LIMIT_CABLE, 10));
  /* the profiles have no part in it (the temperature derates): not a profile's */
  assert_false(v201_profile_rate_changed(16, LIMIT_CABLE, 8, LIMIT_THERMAL, 10));
  /* 0: every change */
  assert_true(v201_profile_rate_changed(10, LIMIT_OCPP, 9.9, LIMIT_OCPP, 0));
  assert_false(v201_profile_rate_changed(10, LIMIT_OCPP, 10, LIMIT_OCPP, 0));
}

/* isGridCritical: the grid side's limits (load management of the site's
 * connection, the leader's setpoint, its fail-safe) are, solar is not, an
 * operator's / Modbus / MQTT setpoint is not known (left out); the message
 * passes the schema. */
static void grid_critical(void **state) {
  (void)state;
  assert_int_equal(v201_limit_grid_critical(LIMIT_LOAD_MANAGEMENT), 1);
  assert_int_equal(v201_limit_grid_critical(LIMIT_SITE), 1);
  assert_int_equal(v201_limit_grid_critical(LIMIT_FAILSAFE), 1);
  assert_int_equal(v201_limit_grid_critical(LIMIT_SOLAR), 0);
  assert_int_equal(v201_limit_grid_critical(LIMIT_API), -1);
  assert_int_equal(v201_limit_grid_critical(LIMIT_MODBUS), -1);
  assert_int_equal(v201_limit_grid_critical(LIMIT_MQTT), -1);
  assert_string_equal(v201_external_source(LIMIT_LOAD_MANAGEMENT), "EMS");
  assert_string_equal(v201_external_source(LIMIT_MQTT), "Other");
  assert_null(v201_external_source(LIMIT_OCPP));
  assert_null(v201_external_source(LIMIT_CABLE));
  json_t *req =
      json_pack("{s:i,s:{s:s,s:b},s:o}", "evseId", 1, "chargingLimit", "chargingLimitSource", "EMS",
                "isGridCritical", 1, "chargingSchedule", v201_limit_schedule_json(1, T0, 7.2, 3));
  valid("NotifyChargingLimit", true, req);
  json_decref(req);
}

/* Borne's own limits as ChargingStationExternalConstraints profiles: the
 * lowest active limit per source, reported (ReportChargingProfiles passes
 * the schema) and selected by GetChargingProfiles' criteria, and the
 * composite schedule capped by them. */
static void external_constraints(void **state) {
  (void)state;
  limit_set l;
  limits_init(&l);
  limits_set(&l, LIMIT_CABLE, 20);
  limits_set(&l, LIMIT_OCPP, 10);
  v201_external_limit x[2];
  assert_int_equal(v201_external_limits(&l, true, x), 0);
  /* load management's 0 A without a session: no constraint */
  limits_set(&l, LIMIT_LOAD_MANAGEMENT, 0);
  assert_int_equal(v201_external_limits(&l, false, x), 0);
  limits_set(&l, LIMIT_LOAD_MANAGEMENT, 7.25);
  limits_set(&l, LIMIT_SOLAR, 9);
  limits_set(&l, LIMIT_MQTT, 12);
  assert_int_equal(v201_external_limits(&l, false, x), 2);
  assert_true(x[0].amps == 9); /* solar's, load management's left out */
  assert_int_equal(v201_external_limits(&l, true, x), 2);
  assert_string_equal(x[0].source, "EMS");
  assert_true(x[0].amps == 7.25);
  assert_string_equal(x[1].source, "Other");
  assert_true(x[1].amps == 12);
  assert_int_equal(v201_external_profile_id(2, "EMS"), -102);
  assert_int_equal(v201_external_profile_id(2, "Other"), -202);
  json_t *prof = v201_external_profile_json(2, &x[0], T0, 1);
  json_t *rep = json_pack("{s:i,s:s,s:[O],s:i}", "requestId", 4, "chargingLimitSource", "EMS",
                          "chargingProfile", prof, "evseId", 2);
  valid("ReportChargingProfiles", true, rep);
  json_decref(rep);
  assert_string_equal(json_string_value(json_object_get(prof, "chargingProfilePurpose")),
                      "ChargingStationExternalConstraints");
  const json_t *p0 =
      json_array_get(json_object_get(json_array_get(json_object_get(prof, "chargingSchedule"), 0),
                                     "chargingSchedulePeriod"),
                     0);
  assert_true(json_number_value(json_object_get(p0, "limit")) == 7.2);
  assert_int_equal(json_integer_value(json_object_get(p0, "numberPhases")), 1);
  json_decref(prof);
  struct {
    const char *req;
    int matches; /* EMS bit 0, Other bit 1, on EVSE 2 */
  } cases[] = {
      {"{\"requestId\":1,\"chargingProfile\":{}}", 3},
      {"{\"requestId\":1,\"evseId\":1,\"chargingProfile\":{}}", 0},
      {"{\"requestId\":1,\"evseId\":2,\"chargingProfile\":{}}", 3},
      {"{\"requestId\":1,\"chargingProfile\":{\"chargingLimitSource\":[\"CSO\"]}}", 0},
      {"{\"requestId\":1,\"chargingProfile\":{\"chargingLimitSource\":[\"EMS\"]}}", 1},
      {"{\"requestId\":1,\"chargingProfile\":{\"chargingLimitSource\":[\"Other\",\"SO\"]}}", 2},
      {"{\"requestId\":1,\"chargingProfile\":{\"chargingProfilePurpose\":"
       "\"ChargingStationExternalConstraints\"}}",
       3},
      {"{\"requestId\":1,\"chargingProfile\":{\"chargingProfilePurpose\":\"TxProfile\"}}", 0},
      {"{\"requestId\":1,\"chargingProfile\":{\"stackLevel\":1}}", 0},
      {"{\"requestId\":1,\"chargingProfile\":{\"chargingProfileId\":[-202]}}", 2},
  };
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    json_t *req = json_loads(cases[k].req, 0, NULL);
    valid("GetChargingProfiles", true, req);
    ocpp201_GetChargingProfilesRequest q;
    ocpp_error e;
    assert_int_equal(ocpp201_GetChargingProfilesRequest_decode(req, &q, &e), 0);
    int got = 0;
    for (int i = 0; i < 2; i++)
      if (v201_external_report_match(&q, 2, &x[i])) got |= 1 << i;
    assert_int_equal(got, cases[k].matches);
    ocpp201_GetChargingProfilesRequest_free(&q);
    json_decref(req);
  }
  /* the composite schedule: none of the CSMS's, the external limit for the whole window */
  cp_composite_schedule cs;
  cp_profile_result r = CP_PROFILE_REJECTED;
  assert_int_equal(v201_composite_cap(&r, &cs, 1, 600, CP_UNIT_AMPS, T0, 7.25), 0);
  assert_int_equal(r, CP_PROFILE_ACCEPTED);
  json_t *j = v201_composite_json(r, &cs, 1);
  cp_composite_schedule_free(&cs);
  valid("GetCompositeSchedule", false, j);
  const json_t *sch = json_object_get(j, "schedule");
  assert_int_equal(json_integer_value(json_object_get(sch, "duration")), 600);
  const json_t *pa = json_object_get(sch, "chargingSchedulePeriod");
  assert_int_equal(json_array_size(pa), 1);
  assert_true(json_number_value(json_object_get(json_array_get(pa, 0), "limit")) == 7.2);
  json_decref(j);
  /* the CSMS's 10 A then 6 A (from 300 s) for 400 s, capped at 8 A, the rest of the hour 8 A */
  cp_schedule_period *pp = calloc(2, sizeof *pp);
  assert_non_null(pp);
  pp[0] = (cp_schedule_period){.start_s = 0, .limit = 10};
  pp[1] = (cp_schedule_period){.start_s = 300, .limit = 6};
  cs = (cp_composite_schedule){.connector = 1,
                               .start = T0,
                               .duration_s = 400,
                               .unit = CP_UNIT_AMPS,
                               .nperiods = 2,
                               .periods = pp};
  r = CP_PROFILE_ACCEPTED;
  assert_int_equal(v201_composite_cap(&r, &cs, 1, 3600, CP_UNIT_AMPS, T0, 8), 0);
  assert_int_equal(cs.duration_s, 3600);
  assert_int_equal(cs.nperiods, 3);
  assert_true(cs.periods[0].limit == 8 && cs.periods[1].limit == 6 && cs.periods[2].limit == 8);
  assert_int_equal(cs.periods[2].start_s, 400);
  j = v201_composite_json(r, &cs, 1);
  valid("GetCompositeSchedule", false, j);
  json_decref(j);
  /* a cap above every period changes nothing but the tail; none: nothing */
  assert_int_equal(v201_composite_cap(&r, &cs, 1, 3600, CP_UNIT_AMPS, T0, -1), 0);
  assert_int_equal(cs.nperiods, 3);
  assert_int_equal(v201_composite_cap(&r, &cs, 1, 3600, CP_UNIT_AMPS, T0, 6), 0);
  assert_int_equal(cs.nperiods, 1); /* all 6 A: merged */
  cp_composite_schedule_free(&cs);
}

/* The station-wide limit (EVSE 0: load management's budget for every EVSE
 * together) as an external constraint: counted even at 0 A (nothing may
 * charge), reported for evseId 0 (GetChargingProfiles evseId 0, or no
 * evseId), capping EVSE 0's composite schedule; told in NotifyChargingLimit
 * without evseId in 2.0.1, with evseId 0 in 2.1, on the virtual clock's
 * sequence of budgets (appears, small move, big move, goes). */
static void valid21(const char *action, bool request, const json_t *payload);
static void station_wide_constraint(void **state) {
  (void)state;
  limit_set l;
  limits_init(&l);
  limits_set(&l, LIMIT_LOAD_MANAGEMENT, 0);
  v201_external_limit x[2];
  assert_int_equal(v201_external_limits(&l, true, x), 1);
  assert_true(x[0].amps == 0);
  limits_set(&l, LIMIT_LOAD_MANAGEMENT, 8.69);
  assert_int_equal(v201_external_limits(&l, true, x), 1);
  assert_string_equal(x[0].source, "EMS");
  assert_int_equal(v201_external_profile_id(0, "EMS"), -100);
  json_t *prof = v201_external_profile_json(0, &x[0], T0, 3);
  json_t *rep = json_pack("{s:i,s:s,s:[O],s:i}", "requestId", 4, "chargingLimitSource", "EMS",
                          "chargingProfile", prof, "evseId", 0);
  valid("ReportChargingProfiles", true, rep);
  json_decref(rep);
  json_decref(prof);
  const char *reqs[] = {"{\"requestId\":1,\"chargingProfile\":{}}",
                        "{\"requestId\":1,\"evseId\":0,\"chargingProfile\":{}}",
                        "{\"requestId\":1,\"evseId\":1,\"chargingProfile\":{}}",
                        "{\"requestId\":1,\"chargingProfile\":{\"chargingLimitSource\":[\"EMS\"]}}",
                        "{\"requestId\":1,\"chargingProfile\":{\"chargingProfileId\":[-100]}}",
                        "{\"requestId\":1,\"chargingProfile\":{\"chargingProfileId\":[-101]}}"};
  const bool match[] = {true, true, false, true, true, false};
  for (size_t k = 0; k < sizeof reqs / sizeof reqs[0]; k++) {
    json_t *req = json_loads(reqs[k], 0, NULL);
    valid("GetChargingProfiles", true, req);
    ocpp201_GetChargingProfilesRequest q;
    ocpp_error e;
    assert_int_equal(ocpp201_GetChargingProfilesRequest_decode(req, &q, &e), 0);
    assert_int_equal(v201_external_report_match(&q, 0, &x[0]), match[k]);
    ocpp201_GetChargingProfilesRequest_free(&q);
    json_decref(req);
  }
  /* EVSE 0's composite schedule: the budget over the whole window */
  cp_composite_schedule cs;
  cp_profile_result r = CP_PROFILE_REJECTED;
  assert_int_equal(v201_composite_cap(&r, &cs, 0, 300, CP_UNIT_AMPS, T0, x[0].amps), 0);
  json_t *j = v201_composite_json(r, &cs, 0);
  cp_composite_schedule_free(&cs);
  valid("GetCompositeSchedule", false, j);
  const json_t *sch = json_object_get(j, "schedule");
  assert_int_equal(json_integer_value(json_object_get(sch, "evseId")), 0);
  assert_true(json_number_value(json_object_get(
                  json_array_get(json_object_get(sch, "chargingSchedulePeriod"), 0), "limit")) ==
              8.6);
  json_decref(j);
  /* NotifyChargingLimit / ClearedChargingLimit for the whole station */
  json_t *n = v201_limit_notify_json(0, "EMS", 1, T0, 8.69, 3, false, true);
  valid("NotifyChargingLimit", true, n);
  assert_null(json_object_get(n, "evseId"));
  assert_non_null(json_object_get(n, "chargingSchedule"));
  assert_true(json_is_true(json_object_get(json_object_get(n, "chargingLimit"), "isGridCritical")));
  json_decref(n);
  n = v201_limit_notify_json(0, "EMS", 1, T0, 8.69, 3, true, true);
  valid21("NotifyChargingLimit", true, n);
  assert_int_equal(json_integer_value(json_object_get(n, "evseId")), 0);
  json_decref(n);
  n = v201_limit_notify_json(2, "Other", -1, T0, 8.69, 1, false, true);
  valid("NotifyChargingLimit", true, n);
  assert_int_equal(json_integer_value(json_object_get(n, "evseId")), 2);
  assert_null(json_object_get(json_object_get(n, "chargingLimit"), "isGridCritical"));
  json_decref(n);
  /* NotifyChargingLimitWithSchedules false: the source only, no schedule */
  n = v201_limit_notify_json(2, "EMS", 1, T0, 8.69, 1, false, false);
  valid("NotifyChargingLimit", true, n);
  assert_null(json_object_get(n, "chargingSchedule"));
  assert_string_equal(json_string_value(json_object_get(json_object_get(n, "chargingLimit"),
                                                        "chargingLimitSource")),
                      "EMS");
  json_decref(n);
  n = v201_limit_cleared_json(0, "EMS", false);
  valid("ClearedChargingLimit", true, n);
  assert_null(json_object_get(n, "evseId"));
  json_decref(n);
  n = v201_limit_cleared_json(0, "EMS", true);
  valid21("ClearedChargingLimit", true, n);
  assert_int_equal(json_integer_value(json_object_get(n, "evseId")), 0);
  json_decref(n);
  /* what is told as the budget moves (LimitChangeSignificance 10 %) */
  assert_int_equal(v201_limit_report(NULL, 0, NULL, 0, 10), 0);
  assert_int_equal(v201_limit_report(NULL, 0, "EMS", 8.69, 10), V201_LIMIT_NOTIFY);
  assert_int_equal(v201_limit_report("EMS", 8.69, "EMS", 9.2, 10), 0);
  assert_int_equal(v201_limit_report("EMS", 8.69, "EMS", 7.5, 10), V201_LIMIT_NOTIFY);
  assert_int_equal(v201_limit_report("EMS", 8.69, "Other", 7.5, 10),
                   V201_LIMIT_CLEAR | V201_LIMIT_NOTIFY);
  assert_int_equal(v201_limit_report("EMS", 8.69, NULL, 0, 10), V201_LIMIT_CLEAR);
}

/* K15-K17: the hooks an ISO 15118 stack calls send the message and hand the
 * answer back; a payload for no EVSE is not sent. The link is played by a
 * sender that checks the frame against the 2.0.1 schema and answers. */
static int sent;
static json_t *sent_payload;
static int fake_send(ocpp_link *l, const char *action, json_t *payload, ocpp_answer_fn cb,
                     void *ctx) {
  (void)l;
  ocpp_error err = {.kind = OCPP_ERR_NONE};
  if (ocpp201_validate(action, true, payload, &err) != 0) {
    json_decref(payload);
    return -1;
  }
  sent++;
  json_decref(sent_payload);
  sent_payload = payload;
  json_t *answer = json_pack("{s:s}", "status", "Accepted");
  cb(ctx, answer, NULL, NULL);
  json_decref(answer);
  return 0;
}

static int answers;
static void got(void *ctx, const json_t *result, const char *code, const char *text) {
  (void)text;
  assert_ptr_equal(ctx, &answers);
  assert_null(code);
  assert_string_equal(json_string_value(json_object_get(result, "status")), "Accepted");
  answers++;
}

static void iso15118_hooks(void **state) {
  (void)state;
  ocpp201_station o;
  memset(&o, 0, sizeof o);
  o.count = 2;
  o.link = (ocpp_link *)&o; /* never used: the fake sender plays it */
  v201_set_iso15118_sender(fake_send);
  json_t *needs =
      json_loads("{\"evseId\":1,\"maxScheduleTuples\":3,\"chargingNeeds\":{"
                 "\"requestedEnergyTransfer\":\"AC_three_phase\",\"acChargingParameters\":"
                 "{\"energyAmount\":20000,\"evMinCurrent\":6,\"evMaxCurrent\":16,"
                 "\"evMaxVoltage\":400}}}",
                 0, NULL);
  assert_int_equal(v201_notify_ev_charging_needs(&o, needs, got, &answers), 0);
  assert_int_equal(answers, 1);
  const json_t *ac =
      json_object_get(json_object_get(sent_payload, "chargingNeeds"), "acChargingParameters");
  assert_int_equal(json_integer_value(json_object_get(ac, "evMaxCurrent")), 16);
  json_t *plan = json_loads("{\"evseId\":2,\"timeBase\":\"2026-12-06T01:00:00Z\","
                            "\"chargingSchedule\":{\"id\":22,\"chargingRateUnit\":\"W\","
                            "\"chargingSchedulePeriod\":[{\"startPeriod\":0,\"limit\":4140}]}}",
                            0, NULL);
  assert_int_equal(v201_notify_ev_charging_schedule(&o, plan, got, &answers), 0);
  assert_int_equal(answers, 2);
  assert_int_equal(json_integer_value(json_object_get(sent_payload, "evseId")), 2);
  /* no such EVSE, a payload the schema refuses: not sent, no answer */
  json_t *bad = json_pack("{s:i,s:{}}", "evseId", 3, "chargingNeeds");
  assert_int_equal(v201_notify_ev_charging_needs(&o, bad, got, &answers), -1);
  bad = json_pack("{s:i}", "evseId", 1);
  assert_int_equal(v201_notify_ev_charging_schedule(&o, bad, got, &answers), -1);
  assert_int_equal(sent, 2);
  assert_int_equal(answers, 2);
  v201_set_iso15118_sender(NULL);
  json_decref(sent_payload);
  sent_payload = NULL;
}

/* One store: what 2.0.1 sets, a reopened engine (a restart, the 1.6 dialect) has. */
static void profiles_survive_a_restart(void **state) {
  (void)state;
  char dir[256], path[300], err[200];
  assert_int_equal(test_tmpdir_make(dir, sizeof dir, "v201smart"), 0);
  snprintf(path, sizeof path, "%s/borne.db", dir);
  store *db;
  assert_int_equal(store_open(&db, path, err, sizeof err), 0);
  cp_profiles *s = cp_profiles_open(db, 2, &LIM, err, sizeof err);
  assert_non_null(s);
  assert_int_equal(set201(s, 0, TXDEFAULT_10A, NULL, T0, NULL), CP_PROFILE_ACCEPTED);
  cp_profiles_free(s);
  store_close(db);
  assert_int_equal(store_open(&db, path, err, sizeof err), 0);
  s = cp_profiles_open(db, 2, &LIM, err, sizeof err);
  assert_int_equal(cp_profiles_count(s), 1);
  assert_true(cp_profiles_limit_a(s, 1, T0 + 5 * S, "", 0, 3, 230) == 10.0);
  int c;
  cp_charging_profile p;
  cp_schedule_period *periods;
  assert_int_equal(cp_profiles_get(s, 0, &c, &p, &periods), 0);
  assert_int_equal(p.schedule.id, 7); /* the 2.0.1 schedule id is kept */
  free(periods);
  cp_profiles_free(s);
  store_close(db);
  test_tmpdir_remove(dir);
}

/* ---- 2.1's SetChargingProfile (decoded with the 2.1 types) ---- */

static void valid21(const char *action, bool request, const json_t *payload) {
  ocpp_error err = {.kind = OCPP_ERR_NONE};
  if (ocpp21_validate(action, request, payload, &err) != 0) {
    char *text = json_dumps(payload, JSON_COMPACT);
    fail_msg("2.1 %s: %s %s in %.400s", action, err.code, err.text, text);
  }
}

/* 2.1's selectedChargingScheduleId is carried only by NotifyEVChargingSchedule
 * (K15-K17): the ISO 15118 EV's choice among a profile's schedules, which an
 * IEC 61851 AC station never hears (docs/ocpp21.md). The 15118 hook passes it
 * through under 2.1 (the 2.1 schema takes it); 2.0.1's schema refuses it, so
 * the hook cannot send it to a 2.0.1 back end. */
static void selected_schedule_id_is_iso15118_only(void **state) {
  (void)state;
  json_t *plan = json_loads("{\"evseId\":1,\"timeBase\":\"2026-12-06T01:00:00Z\","
                            "\"selectedChargingScheduleId\":22,"
                            "\"chargingSchedule\":{\"id\":22,\"chargingRateUnit\":\"A\","
                            "\"chargingSchedulePeriod\":[{\"startPeriod\":0,\"limit\":10}]}}",
                            0, NULL);
  assert_non_null(plan);
  valid21("NotifyEVChargingSchedule", true, plan);
  ocpp_error err = {.kind = OCPP_ERR_NONE};
  assert_int_not_equal(ocpp201_validate("NotifyEVChargingSchedule", true, plan, &err), 0);
  /* no other 2.1 message a station sends has it: TransactionEvent neither */
  json_t *tx = json_loads("{\"eventType\":\"Updated\",\"timestamp\":\"2026-12-06T01:00:00Z\","
                          "\"triggerReason\":\"ChargingRateChanged\",\"seqNo\":1,"
                          "\"selectedChargingScheduleId\":22,"
                          "\"transactionInfo\":{\"transactionId\":\"t1\"}}",
                          0, NULL);
  err = (ocpp_error){.kind = OCPP_ERR_NONE};
  assert_int_not_equal(ocpp21_validate("TransactionEvent", true, tx, &err), 0);
  json_decref(tx);
  json_decref(plan);
}

static cp_profile_result set21(cp_profiles *s, int evse, const char *profile_json,
                               const char *active_tx, borne_ms now, v201_refusal *why) {
  json_t *req =
      json_pack("{s:i,s:o}", "evseId", evse, "chargingProfile", json_loads(profile_json, 0, NULL));
  valid21("SetChargingProfile", true, req);
  ocpp21_SetChargingProfileRequest *q = calloc(1, sizeof *q);
  ocpp_error e;
  assert_int_equal(ocpp21_SetChargingProfileRequest_decode(req, q, &e), 0);
  json_decref(req);
  cp_charging_profile p;
  cp_schedule_period *periods = NULL;
  v201_refusal w = {0};
  int rc = v201_profile_decode21(&q->chargingProfile, &p, &periods, &w);
  p.random_seed = 42;
  cp_profile_result r =
      rc == 0 ? cp_profiles_set(s, evse, &p, active_tx, now) : CP_PROFILE_REJECTED;
  free(periods);
  ocpp21_SetChargingProfileRequest_free(q);
  free(q);
  json_t *answer = v201_set_profile_answer(r, w.reason ? &w : NULL);
  valid21("SetChargingProfile", false, answer);
  json_decref(answer);
  if (why) *why = w;
  return r;
}

static int32_t plus_one_hour(void *ctx, borne_ms utc) {
  (void)ctx, (void)utc;
  return 3600;
}

static void v21_additions(void **state) {
  (void)state;
  char err[200];
  cp_profiles *s = cp_profiles_open(NULL, 1, &LIM, err, sizeof err);
  assert_non_null(s);
  v201_refusal why;
  /* limit_L2 / limit_L3: the lowest phase; 2.0.1's schema has no such member */
  const char *phases =
      "{\"id\":1,\"stackLevel\":0,\"chargingProfilePurpose\":\"TxDefaultProfile\","
      "\"chargingProfileKind\":\"Absolute\",\"chargingSchedule\":[{\"id\":1,"
      "\"startSchedule\":\"2026-12-06T01:00:00Z\",\"chargingRateUnit\":\"A\","
      "\"chargingSchedulePeriod\":[{\"startPeriod\":0,\"limit\":16,\"limit_L2\":12,"
      "\"limit_L3\":14,\"operationMode\":\"ChargingOnly\"}]}]}";
  json_t *as201 =
      json_pack("{s:i,s:o}", "evseId", 1, "chargingProfile", json_loads(phases, 0, NULL));
  ocpp_error ve = {.kind = OCPP_ERR_NONE};
  assert_int_not_equal(ocpp201_validate("SetChargingProfile", true, as201, &ve), 0);
  json_decref(as201);
  assert_int_equal(set21(s, 1, phases, NULL, T0, &why), CP_PROFILE_ACCEPTED);
  assert_true(cp_profiles_limit_a(s, 1, T0, NULL, 0, 3, 230) == 12.0);
  assert_true(cp_profiles_limit_a(s, 1, T0, NULL, 0, 1, 230) == 16.0);
  /* reported back: with the members under 2.1, without under 2.0.1 */
  int c;
  cp_charging_profile got;
  cp_schedule_period *periods;
  assert_int_equal(cp_profiles_get(s, 0, &c, &got, &periods), 0);
  json_t *j21 = v201_profile_json21(&got), *j201 = v201_profile_json(&got);
  free(periods);
  json_t *rep21 = json_pack("{s:i,s:s,s:[o],s:i}", "requestId", 1, "chargingLimitSource", "CSO",
                            "chargingProfile", j21, "evseId", 1);
  json_t *rep201 = json_pack("{s:i,s:s,s:[o],s:i}", "requestId", 1, "chargingLimitSource", "CSO",
                             "chargingProfile", j201, "evseId", 1);
  valid21("ReportChargingProfiles", true, rep21);
  valid("ReportChargingProfiles", true, rep201);
  json_t *p0 = json_object_get(json_array_get(json_object_get(j21, "chargingSchedule"), 0),
                               "chargingSchedulePeriod");
  assert_true(json_real_value(json_object_get(json_array_get(p0, 0), "limit_L2")) == 12.0);
  p0 = json_object_get(json_array_get(json_object_get(j201, "chargingSchedule"), 0),
                       "chargingSchedulePeriod");
  assert_null(json_object_get(json_array_get(p0, 0), "limit_L2"));
  json_decref(rep21);
  json_decref(rep201);

  /* useLocalTime: 08:00 of the station's zone (UTC+1 here), whatever offset the CSMS wrote */
  cp_profiles_set_zone(s, plus_one_hour, NULL);
  const char *local =
      "{\"id\":2,\"stackLevel\":1,\"chargingProfilePurpose\":\"TxDefaultProfile\","
      "\"chargingProfileKind\":\"Recurring\",\"recurrencyKind\":\"Daily\",\"chargingSchedule\":[{"
      "\"id\":2,\"startSchedule\":\"2026-12-06T08:00:00+05:00\",\"useLocalTime\":true,"
      "\"duration\":3600,\"chargingRateUnit\":\"A\",\"chargingSchedulePeriod\":[{\"startPeriod\":0,"
      "\"limit\":6}]}]}";
  assert_int_equal(set21(s, 1, local, NULL, T0, &why), CP_PROFILE_ACCEPTED);
  borne_ms day = T0 - 3600 * S; /* 2026-12-06T00:00Z */
  assert_true(cp_profiles_limit_a(s, 1, day + 7 * 3600 * S, NULL, 0, 3, 230) == 6.0);
  assert_true(cp_profiles_limit_a(s, 1, day + 8 * 3600 * S, NULL, 0, 3, 230) == 12.0);
  assert_true(cp_profiles_limit_a(s, 1, day + 3 * 3600 * S, NULL, 0, 3, 230) == 12.0);

  /* randomizedDelay: TxProfile / TxDefaultProfile only */
  const char *delayed =
      "{\"id\":3,\"stackLevel\":2,\"chargingProfilePurpose\":\"TxDefaultProfile\","
      "\"chargingProfileKind\":\"Absolute\",\"chargingSchedule\":[{\"id\":3,"
      "\"startSchedule\":\"2026-12-06T02:00:00Z\",\"randomizedDelay\":600,"
      "\"chargingRateUnit\":\"A\",\"chargingSchedulePeriod\":[{\"startPeriod\":0,\"limit\":8}]}]}";
  assert_int_equal(set21(s, 1, delayed, NULL, T0, &why), CP_PROFILE_ACCEPTED);
  borne_ms next = cp_profiles_next_change(s, T0 + 3600 * S);
  assert_true(next >= T0 + 3600 * S && next <= T0 + 4200 * S);
  assert_true(cp_profiles_limit_a(s, 1, T0 + 4200 * S, NULL, 0, 3, 230) == 8.0);
  const char *max_delayed =
      "{\"id\":4,\"stackLevel\":0,\"chargingProfilePurpose\":\"ChargingStationMaxProfile\","
      "\"chargingProfileKind\":\"Absolute\",\"chargingSchedule\":[{\"id\":4,"
      "\"randomizedDelay\":60,\"chargingRateUnit\":\"A\",\"chargingSchedulePeriod\":[{"
      "\"startPeriod\":0,\"limit\":32}]}]}";
  assert_int_equal(set21(s, 0, max_delayed, NULL, T0, &why), CP_PROFILE_REJECTED);
  assert_string_equal(why.reason, "InvalidValue");

  /* what an AC station without V2X refuses */
  const char *refused[] = {
      "{\"id\":5,\"stackLevel\":0,\"chargingProfilePurpose\":\"LocalGeneration\","
      "\"chargingProfileKind\":\"Absolute\",\"chargingSchedule\":[{\"id\":5,"
      "\"chargingRateUnit\":\"A\",\"chargingSchedulePeriod\":[{\"startPeriod\":0,\"limit\":32}]}]}",
      "{\"id\":5,\"stackLevel\":0,\"chargingProfilePurpose\":\"TxDefaultProfile\","
      "\"chargingProfileKind\":\"Dynamic\",\"dynUpdateInterval\":60,\"chargingSchedule\":[{\"id\":"
      "5,\"chargingRateUnit\":\"A\",\"chargingSchedulePeriod\":[{\"startPeriod\":0,\"limit\":32},"
      "{\"startPeriod\":60,\"limit\":16}]}]}", /* Dynamic: one period */
      "{\"id\":5,\"stackLevel\":0,\"chargingProfilePurpose\":\"TxDefaultProfile\","
      "\"chargingProfileKind\":\"Absolute\",\"maxOfflineDuration\":-1,\"chargingSchedule\":[{"
      "\"id\":5,\"chargingRateUnit\":\"A\",\"chargingSchedulePeriod\":[{\"startPeriod\":0,"
      "\"limit\":32}]}]}", /* a negative maxOfflineDuration */
      "{\"id\":5,\"stackLevel\":0,\"chargingProfilePurpose\":\"TxDefaultProfile\","
      "\"chargingProfileKind\":\"Absolute\",\"chargingSchedule\":[{\"id\":5,"
      "\"chargingRateUnit\":\"W\",\"chargingSchedulePeriod\":[{\"startPeriod\":0,\"setpoint\":"
      "-3000,\"operationMode\":\"CentralSetpoint\"}]}]}",
      "{\"id\":5,\"stackLevel\":0,\"chargingProfilePurpose\":\"TxDefaultProfile\","
      "\"chargingProfileKind\":\"Absolute\",\"chargingSchedule\":[{\"id\":5,"
      "\"chargingRateUnit\":\"A\",\"chargingSchedulePeriod\":[{\"startPeriod\":0}]}]}",
  };
  for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
    assert_int_equal(set21(s, 1, refused[i], NULL, T0, &why), CP_PROFILE_REJECTED);
    assert_non_null(why.reason);
  }
  assert_int_equal(cp_profiles_count(s), 3);
  /* maxOfflineDuration: in force while online, not after that long offline */
  const char *offline =
      "{\"id\":6,\"stackLevel\":5,\"chargingProfilePurpose\":\"TxDefaultProfile\","
      "\"chargingProfileKind\":\"Absolute\",\"maxOfflineDuration\":60,"
      "\"invalidAfterOfflineDuration\":true,\"chargingSchedule\":[{\"id\":6,"
      "\"startSchedule\":\"2026-12-06T01:00:00Z\",\"chargingRateUnit\":\"A\","
      "\"chargingSchedulePeriod\":[{\"startPeriod\":0,\"limit\":5}]}]}";
  assert_int_equal(set21(s, 1, offline, NULL, T0, &why), CP_PROFILE_ACCEPTED);
  assert_true(cp_profiles_limit_a(s, 1, T0 + 3600 * S, NULL, 0, 3, 230) == 5.0);
  int ci;
  cp_charging_profile op;
  cp_schedule_period *opp;
  bool reported = false;
  for (int i = 0; i < cp_profiles_count(s); i++) {
    assert_int_equal(cp_profiles_get(s, i, &ci, &op, &opp), 0);
    if (op.id == 6) {
      json_t *oj = v201_profile_json21(&op);
      assert_int_equal(json_integer_value(json_object_get(oj, "maxOfflineDuration")), 60);
      assert_true(json_is_true(json_object_get(oj, "invalidAfterOfflineDuration")));
      json_t *rep = json_pack("{s:i,s:s,s:[o],s:i}", "requestId", 2, "chargingLimitSource", "CSO",
                              "chargingProfile", oj, "evseId", 1);
      valid21("ReportChargingProfiles", true, rep);
      json_decref(rep);
      reported = true;
    }
    free(opp);
  }
  assert_true(reported);
  cp_profiles_set_offline(s, T0 + 3600 * S);
  assert_true(cp_profiles_limit_a(s, 1, T0 + 3659 * S, NULL, 0, 3, 230) == 5.0);
  assert_true(cp_profiles_limit_a(s, 1, T0 + 3660 * S, NULL, 0, 3, 230) != 5.0);
  assert_int_equal(cp_profiles_expire_offline(s, T0 + 3660 * S), 1); /* gone for good */
  assert_int_equal(cp_profiles_count(s), 3);
  cp_profiles_free(s);
}

/* 2.1 K21/K22: a PriorityCharging profile decoded (per EVSE or for 0),
 * reported back as set (valid under 2.1); refused with a duration
 * (K01.FR.70), a transactionId, a randomizedDelay; in force only once
 * activated. */
static void v21_priority_charging(void **state) {
  (void)state;
  char err[200];
  const cp_profile_limits lim = {
      .max_stack_level = 8, .max_periods = 24, .max_profiles = 16, .allow_watts = true};
  cp_profiles *s = cp_profiles_open(NULL, 2, &lim, err, sizeof err);
  assert_non_null(s);
  v201_refusal why;
  const char *tx_default =
      "{\"id\":1,\"stackLevel\":0,\"chargingProfilePurpose\":\"TxDefaultProfile\","
      "\"chargingProfileKind\":\"Relative\",\"chargingSchedule\":[{\"id\":1,"
      "\"chargingRateUnit\":\"A\",\"chargingSchedulePeriod\":[{\"startPeriod\":0,\"limit\":6}]}]}";
  assert_int_equal(set21(s, 0, tx_default, NULL, T0, &why), CP_PROFILE_ACCEPTED);
  const char *prio =
      "{\"id\":2,\"stackLevel\":0,\"chargingProfilePurpose\":\"PriorityCharging\","
      "\"chargingProfileKind\":\"Relative\",\"chargingSchedule\":[{\"id\":2,"
      "\"chargingRateUnit\":\"W\",\"chargingSchedulePeriod\":[{\"startPeriod\":0,\"limit\":"
      "22080,\"operationMode\":\"ChargingOnly\"}]}]}";
  assert_int_equal(set21(s, 1, prio, NULL, T0, &why), CP_PROFILE_ACCEPTED);
  const char *refused[] = {
      "{\"id\":3,\"stackLevel\":0,\"chargingProfilePurpose\":\"PriorityCharging\","
      "\"chargingProfileKind\":\"Relative\",\"chargingSchedule\":[{\"id\":3,\"duration\":3600,"
      "\"chargingRateUnit\":\"A\",\"chargingSchedulePeriod\":[{\"startPeriod\":0,\"limit\":32}]}]}",
      "{\"id\":3,\"stackLevel\":0,\"chargingProfilePurpose\":\"PriorityCharging\","
      "\"transactionId\":\"T1\",\"chargingProfileKind\":\"Relative\",\"chargingSchedule\":[{"
      "\"id\":3,\"chargingRateUnit\":\"A\",\"chargingSchedulePeriod\":[{\"startPeriod\":0,"
      "\"limit\":32}]}]}",
      "{\"id\":3,\"stackLevel\":0,\"chargingProfilePurpose\":\"PriorityCharging\","
      "\"chargingProfileKind\":\"Relative\",\"chargingSchedule\":[{\"id\":3,\"randomizedDelay\":"
      "60,\"chargingRateUnit\":\"A\",\"chargingSchedulePeriod\":[{\"startPeriod\":0,\"limit\":32}"
      "]}]}",
  };
  for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
    assert_int_equal(set21(s, 1, refused[i], "T1", T0, &why), CP_PROFILE_REJECTED);
    assert_non_null(why.reason);
  }
  assert_string_equal(why.reason, "InvalidValue");
  assert_int_equal(cp_profiles_count(s), 2);
  /* reported back as set, valid under 2.1 */
  bool seen = false;
  for (int i = 0; i < cp_profiles_count(s); i++) {
    int c;
    cp_charging_profile p;
    cp_schedule_period *pp;
    assert_int_equal(cp_profiles_get(s, i, &c, &p, &pp), 0);
    if (p.id == 2) {
      assert_int_equal(c, 1);
      json_t *pj = v201_profile_json21(&p);
      assert_string_equal(json_string_value(json_object_get(pj, "chargingProfilePurpose")),
                          "PriorityCharging");
      json_t *rep = json_pack("{s:i,s:s,s:i,s:[o]}", "requestId", 1, "chargingLimitSource", "CSO",
                              "evseId", c, "chargingProfile", pj);
      valid21("ReportChargingProfiles", true, rep);
      json_decref(rep);
      seen = true;
    }
    free(pp);
  }
  assert_true(seen);
  /* 6 A until activated, then 22080 W on three phases = 32 A */
  assert_true(cp_profiles_limit_a(s, 1, T0 + S, "T1", T0, 3, 230) == 6.0);
  assert_int_equal(cp_profiles_use_priority(s, 1, "T1", true, NULL), CP_PRIORITY_ACCEPTED);
  assert_float_equal(cp_profiles_limit_a(s, 1, T0 + S, "T1", T0, 3, 230), 32.0, 1e-9);
  assert_int_equal(cp_profiles_use_priority(s, 2, "T2", true, NULL), CP_PRIORITY_NO_PROFILE);
  cp_profiles_free(s);
}

int main(void) {
  if (config_registry_add_table(&ocpp_keys) != 0) return 1; /* the ocpp.* keys */
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(tx_default_limits_the_evse),
      cmocka_unit_test(refusals),
      cmocka_unit_test(tx_profiles),
      cmocka_unit_test(reported_profiles_pass_the_schema),
      cmocka_unit_test(get_and_clear_criteria),
      cmocka_unit_test(composite_schedule),
      cmocka_unit_test(profiles_survive_a_restart),
      cmocka_unit_test(several_schedules),
      cmocka_unit_test(external_limit_schedule_and_significance),
      cmocka_unit_test(profile_rate_change),
      cmocka_unit_test(grid_critical),
      cmocka_unit_test(external_constraints),
      cmocka_unit_test(station_wide_constraint),
      cmocka_unit_test(iso15118_hooks),
      cmocka_unit_test(selected_schedule_id_is_iso15118_only),
      cmocka_unit_test(v21_additions),
      cmocka_unit_test(v21_priority_charging),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
