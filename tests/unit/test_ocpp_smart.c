/*
 * OCPP 1.6 Smart Charging rules (3.13, 5.5, 5.7, 5.16) on a virtual clock:
 * which profile wins (purpose, stack level, connector, validity, periods),
 * what replaces what, the installation limits, Absolute / Recurring /
 * Relative schedules, watts converted to amps, TxProfiles bound to and
 * removed with their transaction, ClearChargingProfile criteria, the
 * composite schedule, the next change instant, and profiles surviving a
 * restart through a real SQLite file.
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

#include <sqlite3.h>

#include "chargepoint/profiles.h"
#include "ocpp/v16/codec.h"
#include "test_tmpdir.h"

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

/* Monday 2026-01-05T00:00:00Z. */
#define T0 (1767571200LL * 1000)
#define S(x) ((borne_ms)(x)*1000)
#define H(x) S((x)*3600)

static const cp_profile_limits LIM = {
    .max_stack_level = 8, .max_periods = 24, .max_profiles = 16, .allow_watts = true};

/* JSON written with ' for " to keep the tests readable. */
static json_t *js(const char *text) {
  char *t = strdup(text);
  for (char *p = t; *p; p++)
    if (*p == '\'') *p = '"';
  json_error_t e;
  json_t *j = json_loads(t, 0, &e);
  if (!j) fail_msg("bad test JSON: %s in %s", e.text, t);
  free(t);
  return j;
}

/* Installs a profile as the charge point does, from the generated struct
 * of a SetChargingProfile.req (or, remote, a RemoteStartTransaction.req)
 * that carries it, and returns the status; "Invalid" when that payload
 * fails the schema (the charge point answers a CALLERROR: the module never
 * sees it). */
static const char *set(cp_profiles *s, int connector, const char *text, int tx, bool remote,
                       borne_ms now) {
  json_t *j = js(text);
  const char *r = "Invalid";
  if (remote) {
    assert_int_equal(tx, 0); /* the transaction is not there yet */
    json_t *req = json_pack("{s:s, s:i, s:O}", "idTag", "TAG", "connectorId", connector,
                            "chargingProfile", j);
    ocpp16_RemoteStartTransactionRequest q;
    if (ocpp16_RemoteStartTransactionRequest_decode(req, &q, NULL) == 0) {
      r = remote16(s, connector, &q.chargingProfile, now);
      ocpp16_RemoteStartTransactionRequest_free(&q);
    }
    json_decref(req);
  } else {
    json_t *req = json_pack("{s:i, s:O}", "connectorId", connector, "csChargingProfiles", j);
    ocpp16_SetChargingProfileRequest q;
    if (ocpp16_SetChargingProfileRequest_decode(req, &q, NULL) == 0) {
      r = set16(s, connector, &q.csChargingProfiles, tx, now);
      ocpp16_SetChargingProfileRequest_free(&q);
    }
    json_decref(req);
  }
  json_decref(j);
  return r;
}

/* A one-period Absolute profile starting at 2026-01-05T00:00Z. */
static char *simple(int id, int stack, const char *purpose, double amps) {
  static char buf[4][512];
  static int k;
  char *b = buf[k++ % 4];
  snprintf(b, 512,
           "{'chargingProfileId':%d,'stackLevel':%d,'chargingProfilePurpose':'%s',"
           "'chargingProfileKind':'Absolute','chargingSchedule':{'startSchedule':"
           "'2026-01-05T00:00:00Z','chargingRateUnit':'A','chargingSchedulePeriod':"
           "[{'startPeriod':0,'limit':%.1f}]}}",
           id, stack, purpose, amps);
  return b;
}

static cp_profiles *open_mem(int connectors) {
  char err[200];
  cp_profiles *s = cp_profiles_open(NULL, connectors, &LIM, err, sizeof err);
  assert_non_null(s);
  return s;
}

static double lim(cp_profiles *s, int c, borne_ms now, int tx, borne_ms tx_start) {
  return limit16(s, c, now, tx, tx_start, 3, 230);
}

/* ---- purposes ---- */

static void no_profile_means_no_limit(void **state) {
  (void)state;
  cp_profiles *s = open_mem(2);
  assert_true(lim(s, 1, T0, 0, 0) < 0);
  assert_int_equal(cp_profiles_next_change(s, T0), INT64_MAX);
  cp_profiles_free(s);
}

static void purposes_are_checked_against_connectors(void **state) {
  (void)state;
  cp_profiles *s = open_mem(2);
  /* ChargePointMaxProfile only on connector 0, TxProfile never on 0. */
  assert_string_equal(set(s, 1, simple(1, 0, "ChargePointMaxProfile", 10), 0, false, T0),
                      "Rejected");
  assert_string_equal(set(s, 0, simple(2, 0, "TxProfile", 10), 7, false, T0), "Rejected");
  assert_string_equal(set(s, 3, simple(3, 0, "TxDefaultProfile", 10), 0, false, T0), "Rejected");
  assert_string_equal(set(s, -1, simple(3, 0, "TxDefaultProfile", 10), 0, false, T0), "Rejected");
  assert_int_equal(cp_profiles_count(s), 0);
  assert_string_equal(set(s, 0, simple(1, 0, "ChargePointMaxProfile", 10), 0, false, T0),
                      "Accepted");
  assert_string_equal(set(s, 0, simple(2, 0, "TxDefaultProfile", 10), 0, false, T0), "Accepted");
  assert_string_equal(set(s, 2, simple(3, 0, "TxDefaultProfile", 10), 0, false, T0), "Accepted");
  assert_int_equal(cp_profiles_count(s), 3);
  assert_string_equal(set16(NULL, 0, NULL, 0, T0), "NotSupported");
  assert_string_equal(remote16(NULL, 1, NULL, T0), "NotSupported");
  cp_profiles_free(s);
}

static void tx_profile_needs_its_transaction(void **state) {
  (void)state;
  cp_profiles *s = open_mem(2);
  /* No transaction on the connector: discarded (3.13.4). */
  assert_string_equal(set(s, 1, simple(1, 0, "TxProfile", 10), 0, false, T0), "Rejected");
  /* Another transaction than the one running. */
  assert_string_equal(set(s, 1,
                          "{'chargingProfileId':1,'transactionId':41,'stackLevel':0,"
                          "'chargingProfilePurpose':'TxProfile','chargingProfileKind':'Relative',"
                          "'chargingSchedule':{'chargingRateUnit':'A','chargingSchedulePeriod':"
                          "[{'startPeriod':0,'limit':8}]}}",
                          42, false, T0),
                      "Rejected");
  /* transactionId is for TxProfile only. */
  assert_string_equal(set(s, 1,
                          "{'chargingProfileId':1,'transactionId':42,'stackLevel':0,"
                          "'chargingProfilePurpose':'TxDefaultProfile','chargingProfileKind':"
                          "'Relative','chargingSchedule':{'chargingRateUnit':'A',"
                          "'chargingSchedulePeriod':[{'startPeriod':0,'limit':8}]}}",
                          42, false, T0),
                      "Rejected");
  assert_string_equal(set(s, 1,
                          "{'chargingProfileId':1,'transactionId':42,'stackLevel':0,"
                          "'chargingProfilePurpose':'TxProfile','chargingProfileKind':'Relative',"
                          "'chargingSchedule':{'chargingRateUnit':'A','chargingSchedulePeriod':"
                          "[{'startPeriod':0,'limit':8}]}}",
                          42, false, T0),
                      "Accepted");
  assert_true(lim(s, 1, T0 + S(5), 42, T0) == 8.0);
  /* Not for another transaction, nor with none, nor on the other connector. */
  assert_true(lim(s, 1, T0 + S(5), 43, T0) < 0);
  assert_true(lim(s, 1, T0 + S(5), 0, 0) < 0);
  assert_true(lim(s, 2, T0 + S(5), 42, T0) < 0);
  /* Without transactionId: bound to the running one. */
  assert_string_equal(set(s, 2, simple(2, 0, "TxProfile", 12), 50, false, T0), "Accepted");
  assert_true(lim(s, 2, T0, 50, T0) == 12.0);
  assert_true(lim(s, 2, T0, 51, T0) < 0);
  cp_profiles_free(s);
}

static void tx_profile_ends_with_its_transaction(void **state) {
  (void)state;
  cp_profiles *s = open_mem(2);
  assert_string_equal(set(s, 1, simple(1, 0, "TxProfile", 10), 7, false, T0), "Accepted");
  assert_string_equal(set(s, 2, simple(2, 0, "TxProfile", 11), 8, false, T0), "Accepted");
  assert_string_equal(set(s, 1, simple(3, 0, "TxDefaultProfile", 16), 0, false, T0), "Accepted");
  assert_true(lim(s, 1, T0, 7, T0) == 10.0);
  cp_profiles_transaction_ended(s, 1);
  assert_int_equal(cp_profiles_count(s), 2);
  /* The next transaction falls back to the default; connector 2 keeps its own. */
  assert_true(lim(s, 1, T0, 9, T0) == 16.0);
  assert_true(lim(s, 2, T0, 8, T0) == 11.0);
  cp_profiles_free(s);
}

static void remote_start_profile_binds_to_the_next_transaction(void **state) {
  (void)state;
  cp_profiles *s = open_mem(2);
  /* Not a TxProfile, or one naming a transaction: refused (5.11). */
  assert_string_equal(set(s, 1, simple(1, 0, "TxDefaultProfile", 10), 0, true, T0), "Rejected");
  assert_string_equal(set(s, 1,
                          "{'chargingProfileId':1,'transactionId':3,'stackLevel':0,"
                          "'chargingProfilePurpose':'TxProfile','chargingProfileKind':'Relative',"
                          "'chargingSchedule':{'chargingRateUnit':'A','chargingSchedulePeriod':"
                          "[{'startPeriod':0,'limit':8}]}}",
                          0, true, T0),
                      "Rejected");
  assert_string_equal(set(s, 1,
                          "{'chargingProfileId':1,'stackLevel':0,"
                          "'chargingProfilePurpose':'TxProfile','chargingProfileKind':'Relative',"
                          "'chargingSchedule':{'chargingRateUnit':'A','chargingSchedulePeriod':"
                          "[{'startPeriod':0,'limit':8},{'startPeriod':600,'limit':13}]}}",
                          0, true, T0),
                      "Accepted");
  /* No transaction yet: nothing applies. */
  assert_true(lim(s, 1, T0, 0, 0) < 0);
  bind16(s, 1, 77);
  /* Relative: counted from the transaction start. */
  assert_true(lim(s, 1, T0 + S(60), 77, T0 + S(30)) == 8.0);
  assert_true(lim(s, 1, T0 + S(629), 77, T0 + S(30)) == 8.0);
  assert_true(lim(s, 1, T0 + S(630), 77, T0 + S(30)) == 13.0);
  assert_true(lim(s, 1, T0 + S(630), 78, T0 + S(30)) < 0);
  cp_profiles_free(s);
}

/* ---- stack levels and replacement ---- */

static void highest_stack_level_wins_and_falls_back(void **state) {
  (void)state;
  cp_profiles *s = open_mem(1);
  assert_string_equal(set(s, 0, simple(1, 1, "TxDefaultProfile", 20), 0, false, T0), "Accepted");
  /* Level 3 only from 10:00 to 12:00 (validFrom / validTo). */
  assert_string_equal(set(s, 0,
                          "{'chargingProfileId':2,'stackLevel':3,'chargingProfilePurpose':"
                          "'TxDefaultProfile','chargingProfileKind':'Absolute','validFrom':"
                          "'2026-01-05T10:00:00Z','validTo':'2026-01-05T12:00:00Z',"
                          "'chargingSchedule':{'startSchedule':'2026-01-05T00:00:00Z',"
                          "'chargingRateUnit':'A','chargingSchedulePeriod':[{'startPeriod':0,"
                          "'limit':6}]}}",
                          0, false, T0),
                      "Accepted");
  /* Level 5 with a schedule that lasts half an hour from 11:00. */
  assert_string_equal(set(s, 0,
                          "{'chargingProfileId':3,'stackLevel':5,'chargingProfilePurpose':"
                          "'TxDefaultProfile','chargingProfileKind':'Absolute',"
                          "'chargingSchedule':{'startSchedule':'2026-01-05T11:00:00Z',"
                          "'duration':1800,'chargingRateUnit':'A','chargingSchedulePeriod':"
                          "[{'startPeriod':0,'limit':25}]}}",
                          0, false, T0),
                      "Accepted");
  assert_true(lim(s, 1, T0 + H(9), 0, 0) == 20.0);
  assert_true(lim(s, 1, T0 + H(10), 0, 0) == 6.0);
  /* The higher level wins even when its limit is higher. */
  assert_true(lim(s, 1, T0 + H(11), 0, 0) == 25.0);
  assert_true(lim(s, 1, T0 + H(11) + S(1800) - 1, 0, 0) == 25.0);
  assert_true(lim(s, 1, T0 + H(11) + S(1800), 0, 0) == 6.0);
  assert_true(lim(s, 1, T0 + H(12) - 1, 0, 0) == 6.0);
  assert_true(lim(s, 1, T0 + H(12), 0, 0) == 20.0);
  cp_profiles_free(s);
}

static void connector_default_overrides_station_default(void **state) {
  (void)state;
  cp_profiles *s = open_mem(2);
  assert_string_equal(set(s, 0, simple(1, 2, "TxDefaultProfile", 20), 0, false, T0), "Accepted");
  assert_string_equal(set(s, 1, simple(2, 2, "TxDefaultProfile", 14), 0, false, T0), "Accepted");
  assert_true(lim(s, 1, T0, 0, 0) == 14.0);
  assert_true(lim(s, 2, T0, 0, 0) == 20.0);
  /* A higher level on connector 0 wins over a lower one on the connector. */
  assert_string_equal(set(s, 0, simple(3, 3, "TxDefaultProfile", 18), 0, false, T0), "Accepted");
  assert_true(lim(s, 1, T0, 0, 0) == 18.0);
  cp_profiles_free(s);
}

static void limit_is_min_of_station_max_and_tx(void **state) {
  (void)state;
  cp_profiles *s = open_mem(2);
  assert_string_equal(set(s, 0, simple(1, 0, "ChargePointMaxProfile", 16), 0, false, T0),
                      "Accepted");
  assert_string_equal(set(s, 0, simple(2, 0, "TxDefaultProfile", 10), 0, false, T0), "Accepted");
  assert_true(lim(s, 1, T0, 0, 0) == 10.0);
  /* TxProfile replaces the default (even upwards), the station max still caps. */
  assert_string_equal(set(s, 1, simple(3, 0, "TxProfile", 13), 5, false, T0), "Accepted");
  assert_true(lim(s, 1, T0, 5, T0) == 13.0);
  assert_string_equal(set(s, 1, simple(3, 0, "TxProfile", 32), 5, false, T0), "Accepted");
  assert_true(lim(s, 1, T0, 5, T0) == 16.0);
  /* Connector 0 itself: the station max only. */
  assert_true(lim(s, 0, T0, 0, 0) == 16.0);
  cp_profiles_free(s);
}

static void same_id_or_same_stack_and_purpose_replaces(void **state) {
  (void)state;
  cp_profiles *s = open_mem(2);
  assert_string_equal(set(s, 0, simple(1, 1, "TxDefaultProfile", 10), 0, false, T0), "Accepted");
  /* Same stack level and purpose: replaces. */
  assert_string_equal(set(s, 0, simple(2, 1, "TxDefaultProfile", 12), 0, false, T0), "Accepted");
  assert_int_equal(cp_profiles_count(s), 1);
  assert_true(lim(s, 1, T0, 0, 0) == 12.0);
  /* Same id, other purpose: replaces too. */
  assert_string_equal(set(s, 0, simple(2, 4, "ChargePointMaxProfile", 9), 0, false, T0),
                      "Accepted");
  assert_int_equal(cp_profiles_count(s), 1);
  assert_true(lim(s, 1, T0, 0, 0) == 9.0);
  /* Same level and purpose on another connector: both kept. */
  assert_string_equal(set(s, 1, simple(3, 1, "TxDefaultProfile", 7), 0, false, T0), "Accepted");
  assert_string_equal(set(s, 2, simple(4, 1, "TxDefaultProfile", 8), 0, false, T0), "Accepted");
  assert_int_equal(cp_profiles_count(s), 3);
  /* A new id replacing two at once (id 3's slot, and id 4 by id). */
  assert_string_equal(set(s, 1, simple(4, 1, "TxDefaultProfile", 6), 0, false, T0), "Accepted");
  assert_int_equal(cp_profiles_count(s), 2);
  assert_true(lim(s, 1, T0, 0, 0) == 6.0);
  assert_true(lim(s, 2, T0, 0, 0) == 9.0);
  cp_profiles_free(s);
}

/* ---- installation limits and malformed schedules ---- */

static void installation_limits_are_enforced(void **state) {
  (void)state;
  cp_profile_limits l = {
      .max_stack_level = 2, .max_periods = 2, .max_profiles = 2, .allow_watts = false};
  char err[100];
  cp_profiles *s = cp_profiles_open(NULL, 2, &l, err, sizeof err);
  assert_non_null(s);
  assert_string_equal(set(s, 0, simple(1, 3, "TxDefaultProfile", 10), 0, false, T0), "Rejected");
  assert_string_equal(set(s, 0, simple(1, 2, "TxDefaultProfile", 10), 0, false, T0), "Accepted");
  const char *three =
      "{'chargingProfileId':2,'stackLevel':0,'chargingProfilePurpose':'TxDefaultProfile',"
      "'chargingProfileKind':'Relative','chargingSchedule':{'chargingRateUnit':'A',"
      "'chargingSchedulePeriod':[{'startPeriod':0,'limit':8},{'startPeriod':60,'limit':9},"
      "{'startPeriod':120,'limit':10}]}}";
  assert_string_equal(set(s, 0, three, 0, false, T0), "Rejected");
  const char *watts =
      "{'chargingProfileId':2,'stackLevel':0,'chargingProfilePurpose':'TxDefaultProfile',"
      "'chargingProfileKind':'Relative','chargingSchedule':{'chargingRateUnit':'W',"
      "'chargingSchedulePeriod':[{'startPeriod':0,'limit':8000}]}}";
  assert_string_equal(set(s, 0, watts, 0, false, T0), "Rejected");
  assert_string_equal(set(s, 1, simple(2, 0, "TxDefaultProfile", 10), 0, false, T0), "Accepted");
  /* Full: a third is refused, a replacement is not. */
  assert_string_equal(set(s, 2, simple(3, 0, "TxDefaultProfile", 10), 0, false, T0), "Rejected");
  assert_string_equal(set(s, 1, simple(2, 0, "TxDefaultProfile", 11), 0, false, T0), "Accepted");
  assert_int_equal(cp_profiles_count(s), 2);
  /* Limits raised at run time (ChangeConfiguration). */
  l.allow_watts = true;
  l.max_profiles = 3;
  cp_profiles_set_limits(s, &l);
  assert_string_equal(set(s, 0, watts, 0, false, T0), "Accepted");
  cp_profiles_free(s);
}

static void malformed_schedules_are_rejected(void **state) {
  (void)state;
  cp_profiles *s = open_mem(1);
  const char *bad[] = {
      /* first period not at 0 */
      "{'chargingProfileId':1,'stackLevel':0,'chargingProfilePurpose':'TxDefaultProfile',"
      "'chargingProfileKind':'Relative','chargingSchedule':{'chargingRateUnit':'A',"
      "'chargingSchedulePeriod':[{'startPeriod':5,'limit':8}]}}",
      /* periods out of order */
      "{'chargingProfileId':1,'stackLevel':0,'chargingProfilePurpose':'TxDefaultProfile',"
      "'chargingProfileKind':'Relative','chargingSchedule':{'chargingRateUnit':'A',"
      "'chargingSchedulePeriod':[{'startPeriod':0,'limit':8},{'startPeriod':60,'limit':8},"
      "{'startPeriod':60,'limit':9}]}}",
      /* no period */
      "{'chargingProfileId':1,'stackLevel':0,'chargingProfilePurpose':'TxDefaultProfile',"
      "'chargingProfileKind':'Relative','chargingSchedule':{'chargingRateUnit':'A',"
      "'chargingSchedulePeriod':[]}}",
      /* negative limit */
      "{'chargingProfileId':1,'stackLevel':0,'chargingProfilePurpose':'TxDefaultProfile',"
      "'chargingProfileKind':'Relative','chargingSchedule':{'chargingRateUnit':'A',"
      "'chargingSchedulePeriod':[{'startPeriod':0,'limit':-1}]}}",
      /* four phases */
      "{'chargingProfileId':1,'stackLevel':0,'chargingProfilePurpose':'TxDefaultProfile',"
      "'chargingProfileKind':'Relative','chargingSchedule':{'chargingRateUnit':'A',"
      "'chargingSchedulePeriod':[{'startPeriod':0,'limit':8,'numberPhases':4}]}}",
      /* Recurring without recurrencyKind */
      "{'chargingProfileId':1,'stackLevel':0,'chargingProfilePurpose':'TxDefaultProfile',"
      "'chargingProfileKind':'Recurring','chargingSchedule':{'startSchedule':"
      "'2026-01-05T00:00:00Z','chargingRateUnit':'A','chargingSchedulePeriod':"
      "[{'startPeriod':0,'limit':8}]}}",
      /* Recurring without startSchedule */
      "{'chargingProfileId':1,'stackLevel':0,'chargingProfilePurpose':'TxDefaultProfile',"
      "'chargingProfileKind':'Recurring','recurrencyKind':'Daily','chargingSchedule':{"
      "'chargingRateUnit':'A','chargingSchedulePeriod':[{'startPeriod':0,'limit':8}]}}",
      /* validTo before validFrom */
      "{'chargingProfileId':1,'stackLevel':0,'chargingProfilePurpose':'TxDefaultProfile',"
      "'chargingProfileKind':'Relative','validFrom':'2026-01-06T00:00:00Z','validTo':"
      "'2026-01-05T00:00:00Z','chargingSchedule':{'chargingRateUnit':'A',"
      "'chargingSchedulePeriod':[{'startPeriod':0,'limit':8}]}}",
      /* zero duration */
      "{'chargingProfileId':1,'stackLevel':0,'chargingProfilePurpose':'TxDefaultProfile',"
      "'chargingProfileKind':'Relative','chargingSchedule':{'duration':0,"
      "'chargingRateUnit':'A','chargingSchedulePeriod':[{'startPeriod':0,'limit':8}]}}",
      /* negative stack level */
      "{'chargingProfileId':1,'stackLevel':-1,'chargingProfilePurpose':'TxDefaultProfile',"
      "'chargingProfileKind':'Relative','chargingSchedule':{'chargingRateUnit':'A',"
      "'chargingSchedulePeriod':[{'startPeriod':0,'limit':8}]}}",
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    const char *r = set(s, 0, bad[i], 0, false, T0);
    if (strcmp(r, "Rejected") != 0) fail_msg("case %zu: %s: %s", i, r, bad[i]);
  }
  /* What the schema refuses never reaches the module: the charge point
   * answers a CALLERROR. */
  const char *invalid[] = {
      /* not a time */
      "{'chargingProfileId':1,'stackLevel':0,'chargingProfilePurpose':'TxDefaultProfile',"
      "'chargingProfileKind':'Relative','validFrom':'tomorrow','chargingSchedule':{"
      "'chargingRateUnit':'A','chargingSchedulePeriod':[{'startPeriod':0,'limit':8}]}}",
      /* unknown unit, purpose, kind; missing schedule; not an object */
      "{'chargingProfileId':1,'stackLevel':0,'chargingProfilePurpose':'TxDefaultProfile',"
      "'chargingProfileKind':'Relative','chargingSchedule':{'chargingRateUnit':'kW',"
      "'chargingSchedulePeriod':[{'startPeriod':0,'limit':8}]}}",
      "{'chargingProfileId':1,'stackLevel':0,'chargingProfilePurpose':'Tx',"
      "'chargingProfileKind':'Relative','chargingSchedule':{'chargingRateUnit':'A',"
      "'chargingSchedulePeriod':[{'startPeriod':0,'limit':8}]}}",
      "{'chargingProfileId':1,'stackLevel':0,'chargingProfilePurpose':'TxDefaultProfile',"
      "'chargingProfileKind':'Once','chargingSchedule':{'chargingRateUnit':'A',"
      "'chargingSchedulePeriod':[{'startPeriod':0,'limit':8}]}}",
      "{'chargingProfileId':1,'stackLevel':0,'chargingProfilePurpose':'TxDefaultProfile',"
      "'chargingProfileKind':'Relative'}",
      "{'chargingProfileId':'1','stackLevel':0,'chargingProfilePurpose':'TxDefaultProfile',"
      "'chargingProfileKind':'Relative','chargingSchedule':{'chargingRateUnit':'A',"
      "'chargingSchedulePeriod':[{'startPeriod':0,'limit':8}]}}",
      "[]",
  };
  for (size_t i = 0; i < sizeof invalid / sizeof *invalid; i++) {
    const char *r = set(s, 0, invalid[i], 0, false, T0);
    if (strcmp(r, "Invalid") != 0) fail_msg("case %zu: %s: %s", i, r, invalid[i]);
  }
  assert_int_equal(cp_profiles_count(s), 0);
  assert_string_equal(set16(s, 0, NULL, 0, T0), "Rejected");
  assert_string_equal(remote16(s, 1, NULL, T0), "Rejected");
  cp_profiles_free(s);
}

/* ---- kinds ---- */

static void absolute_periods_and_duration(void **state) {
  (void)state;
  cp_profiles *s = open_mem(1);
  assert_string_equal(set(s, 0,
                          "{'chargingProfileId':1,'stackLevel':0,'chargingProfilePurpose':"
                          "'TxDefaultProfile','chargingProfileKind':'Absolute',"
                          "'chargingSchedule':{'startSchedule':'2026-01-05T08:00:00+01:00',"
                          "'duration':7200,'chargingRateUnit':'A','minChargingRate':6.0,"
                          "'chargingSchedulePeriod':[{'startPeriod':0,'limit':10},"
                          "{'startPeriod':1800,'limit':16},{'startPeriod':3600,'limit':6.5}]}}",
                          0, false, T0),
                      "Accepted");
  /* 08:00+01:00 is 07:00Z. */
  assert_true(lim(s, 1, T0 + H(7) - 1, 0, 0) < 0);
  assert_true(lim(s, 1, T0 + H(7), 0, 0) == 10.0);
  assert_true(lim(s, 1, T0 + H(7) + S(1799), 0, 0) == 10.0);
  assert_true(lim(s, 1, T0 + H(7) + S(1800), 0, 0) == 16.0);
  assert_true(lim(s, 1, T0 + H(8) + S(1), 0, 0) == 6.5);
  /* duration ends the schedule. */
  assert_true(lim(s, 1, T0 + H(9) - 1, 0, 0) == 6.5);
  assert_true(lim(s, 1, T0 + H(9), 0, 0) < 0);
  /* Without startSchedule an Absolute schedule starts when it is received. */
  assert_string_equal(set(s, 0,
                          "{'chargingProfileId':2,'stackLevel':1,'chargingProfilePurpose':"
                          "'TxDefaultProfile','chargingProfileKind':'Absolute',"
                          "'chargingSchedule':{'chargingRateUnit':'A',"
                          "'chargingSchedulePeriod':[{'startPeriod':0,'limit':7},"
                          "{'startPeriod':60,'limit':9}]}}",
                          0, false, T0 + H(20)),
                      "Accepted");
  assert_true(lim(s, 1, T0 + H(20) + S(59), 0, 0) == 7.0);
  assert_true(lim(s, 1, T0 + H(20) + S(60), 0, 0) == 9.0);
  cp_profiles_free(s);
}

static void recurring_daily_and_weekly(void **state) {
  (void)state;
  cp_profiles *s = open_mem(1);
  /* Every day from 18:00Z for 4 h: 8 A, then 6 A after 2 h. */
  assert_string_equal(set(s, 0,
                          "{'chargingProfileId':1,'stackLevel':1,'chargingProfilePurpose':"
                          "'TxDefaultProfile','chargingProfileKind':'Recurring',"
                          "'recurrencyKind':'Daily','chargingSchedule':{'startSchedule':"
                          "'2026-01-05T18:00:00Z','duration':14400,'chargingRateUnit':'A',"
                          "'chargingSchedulePeriod':[{'startPeriod':0,'limit':8},"
                          "{'startPeriod':7200,'limit':6}]}}",
                          0, false, T0),
                      "Accepted");
  /* Nothing before the first occurrence. */
  assert_true(lim(s, 1, T0 + H(17), 0, 0) < 0);
  assert_true(lim(s, 1, T0 + H(18), 0, 0) == 8.0);
  assert_true(lim(s, 1, T0 + H(20), 0, 0) == 6.0);
  assert_true(lim(s, 1, T0 + H(22), 0, 0) < 0);
  /* Ten days later, same hours. */
  borne_ms d10 = T0 + H(24 * 10);
  assert_true(lim(s, 1, d10 + H(17), 0, 0) < 0);
  assert_true(lim(s, 1, d10 + H(19), 0, 0) == 8.0);
  assert_true(lim(s, 1, d10 + H(21), 0, 0) == 6.0);
  assert_true(lim(s, 1, d10 + H(22), 0, 0) < 0);
  /* Weekly from Monday: 10 A on Monday, 20 A the rest of the week. */
  assert_string_equal(set(s, 0,
                          "{'chargingProfileId':2,'stackLevel':0,'chargingProfilePurpose':"
                          "'TxDefaultProfile','chargingProfileKind':'Recurring',"
                          "'recurrencyKind':'Weekly','chargingSchedule':{'startSchedule':"
                          "'2026-01-05T00:00:00Z','chargingRateUnit':'A',"
                          "'chargingSchedulePeriod':[{'startPeriod':0,'limit':10},"
                          "{'startPeriod':86400,'limit':20}]}}",
                          0, false, T0),
                      "Accepted");
  assert_true(lim(s, 1, T0 + H(12), 0, 0) == 10.0);
  assert_true(lim(s, 1, T0 + H(24 + 12), 0, 0) == 20.0);
  assert_true(lim(s, 1, T0 + H(24 * 7 + 12), 0, 0) == 10.0);
  assert_true(lim(s, 1, T0 + H(24 * 7 + 18), 0, 0) == 8.0); /* the daily one is above */
  assert_true(lim(s, 1, T0 + H(24 * 13 + 12), 0, 0) == 20.0);
  cp_profiles_free(s);
}

static void recurrence_restarts_even_with_a_longer_duration(void **state) {
  (void)state;
  cp_profiles *s = open_mem(1);
  /* A Daily schedule of 100000 s is cut at the next day's start. */
  assert_string_equal(set(s, 0,
                          "{'chargingProfileId':1,'stackLevel':0,'chargingProfilePurpose':"
                          "'TxDefaultProfile','chargingProfileKind':'Recurring',"
                          "'recurrencyKind':'Daily','chargingSchedule':{'startSchedule':"
                          "'2026-01-05T00:00:00Z','duration':100000,'chargingRateUnit':'A',"
                          "'chargingSchedulePeriod':[{'startPeriod':0,'limit':8},"
                          "{'startPeriod':43200,'limit':16}]}}",
                          0, false, T0),
                      "Accepted");
  assert_true(lim(s, 1, T0 + H(24) - 1, 0, 0) == 16.0);
  assert_true(lim(s, 1, T0 + H(24), 0, 0) == 8.0);
  assert_true(lim(s, 1, T0 + H(36), 0, 0) == 16.0);
  assert_int_equal(cp_profiles_next_change(s, T0 + H(13)), T0 + H(24));
  cp_profiles_free(s);
}

static void relative_follows_the_transaction_start(void **state) {
  (void)state;
  cp_profiles *s = open_mem(1);
  assert_string_equal(set(s, 1,
                          "{'chargingProfileId':1,'stackLevel':0,'chargingProfilePurpose':"
                          "'TxDefaultProfile','chargingProfileKind':'Relative',"
                          "'chargingSchedule':{'duration':3600,'chargingRateUnit':'A',"
                          "'chargingSchedulePeriod':[{'startPeriod':0,'limit':16},"
                          "{'startPeriod':900,'limit':10}]}}",
                          0, false, T0),
                      "Accepted");
  /* No transaction: the first period. */
  assert_true(lim(s, 1, T0 + H(5), 0, 0) == 16.0);
  borne_ms start = T0 + H(6);
  assert_true(lim(s, 1, start + S(899), 3, start) == 16.0);
  assert_true(lim(s, 1, start + S(900), 3, start) == 10.0);
  assert_true(lim(s, 1, start + S(3600), 3, start) < 0);
  cp_profiles_free(s);
}

/* ---- units ---- */

static void watts_become_amps_per_phase(void **state) {
  (void)state;
  cp_profiles *s = open_mem(1);
  assert_string_equal(set(s, 0,
                          "{'chargingProfileId':1,'stackLevel':0,'chargingProfilePurpose':"
                          "'TxDefaultProfile','chargingProfileKind':'Relative',"
                          "'chargingSchedule':{'chargingRateUnit':'W',"
                          "'chargingSchedulePeriod':[{'startPeriod':0,'limit':11040},"
                          "{'startPeriod':60,'limit':3680,'numberPhases':1}]}}",
                          0, false, T0),
                      "Accepted");
  /* 11040 W on 3 x 230 V = 16 A; on a single-phase point all of it on one phase. */
  assert_float_equal(limit16(s, 1, T0, 1, T0, 3, 230), 16.0, 1e-9);
  assert_float_equal(limit16(s, 1, T0, 1, T0, 1, 230), 48.0, 1e-9);
  /* 3680 W on one phase = 16 A, whatever the point has. */
  assert_float_equal(limit16(s, 1, T0 + S(60), 1, T0, 3, 230), 16.0, 1e-9);
  /* The measured voltage is used; none given: 230 V. */
  assert_float_equal(limit16(s, 1, T0, 1, T0, 3, 240), 11040.0 / 720, 1e-9);
  assert_float_equal(limit16(s, 1, T0, 1, T0, 3, 0), 16.0, 1e-9);
  /* A station max in A beside it: the smaller wins. */
  assert_string_equal(set(s, 0, simple(2, 0, "ChargePointMaxProfile", 13), 0, false, T0),
                      "Accepted");
  assert_float_equal(limit16(s, 1, T0, 1, T0, 3, 230), 13.0, 1e-9);
  assert_float_equal(limit16(s, 1, T0, 1, T0, 3, 400), 11040.0 / 1200, 1e-9);
  cp_profiles_free(s);
}

/* ---- clear ---- */

static int clear(cp_profiles *s, const char *text) {
  json_t *j = js(text);
  ocpp16_ClearChargingProfileRequest q;
  ocpp_error e;
  if (ocpp16_ClearChargingProfileRequest_decode(j, &q, &e) != 0) fail_msg("%s: %s", e.code, e.text);
  int n = clear16(s, &q);
  ocpp16_ClearChargingProfileRequest_free(&q);
  json_decref(j);
  return n;
}

static void clear_matches_every_given_criterion(void **state) {
  (void)state;
  cp_profiles *s = open_mem(2);
  assert_string_equal(set(s, 0, simple(1, 0, "ChargePointMaxProfile", 32), 0, false, T0),
                      "Accepted");
  assert_string_equal(set(s, 0, simple(2, 1, "TxDefaultProfile", 16), 0, false, T0), "Accepted");
  assert_string_equal(set(s, 1, simple(3, 1, "TxDefaultProfile", 10), 0, false, T0), "Accepted");
  assert_string_equal(set(s, 2, simple(4, 2, "TxDefaultProfile", 12), 0, false, T0), "Accepted");
  assert_string_equal(set(s, 1, simple(5, 1, "TxProfile", 8), 9, false, T0), "Accepted");
  assert_int_equal(clear(s, "{'id':99}"), 0);
  assert_int_equal(clear(s, "{'id':1,'connectorId':1}"), 0);
  assert_int_equal(clear(s, "{'chargingProfilePurpose':'TxDefaultProfile','stackLevel':1}"), 2);
  assert_int_equal(cp_profiles_count(s), 3);
  assert_int_equal(clear(s, "{'connectorId':1}"), 1); /* the TxProfile */
  assert_true(lim(s, 1, T0, 9, T0) == 32.0);
  assert_int_equal(clear(s, "{'id':1}"), 1);
  assert_true(lim(s, 1, T0, 9, T0) < 0);
  assert_int_equal(clear(s, "{}"), 1);
  assert_int_equal(cp_profiles_count(s), 0);
  assert_int_equal(clear(s, "{}"), 0);
  cp_profiles_free(s);
}

/* ---- next change ---- */

static void next_change_finds_every_boundary(void **state) {
  (void)state;
  cp_profiles *s = open_mem(2);
  assert_string_equal(set(s, 0,
                          "{'chargingProfileId':1,'stackLevel':0,'chargingProfilePurpose':"
                          "'TxDefaultProfile','chargingProfileKind':'Recurring',"
                          "'recurrencyKind':'Daily','validTo':'2026-01-07T12:00:00Z',"
                          "'chargingSchedule':{'startSchedule':'2026-01-05T06:00:00Z',"
                          "'duration':7200,'chargingRateUnit':'A',"
                          "'chargingSchedulePeriod':[{'startPeriod':0,'limit':8},"
                          "{'startPeriod':3600,'limit':6}]}}",
                          0, false, T0),
                      "Accepted");
  assert_int_equal(cp_profiles_next_change(s, T0), T0 + H(6));
  assert_int_equal(cp_profiles_next_change(s, T0 + H(6)), T0 + H(7));
  assert_int_equal(cp_profiles_next_change(s, T0 + H(7)), T0 + H(8));
  assert_int_equal(cp_profiles_next_change(s, T0 + H(8)), T0 + H(24 + 6));
  assert_int_equal(cp_profiles_next_change(s, T0 + H(48 + 7)), T0 + H(48 + 8));
  /* validTo ends it: nothing after the last occurrence. */
  assert_int_equal(cp_profiles_next_change(s, T0 + H(48 + 8)), T0 + H(48 + 12));
  assert_int_equal(cp_profiles_next_change(s, T0 + H(48 + 12)), INT64_MAX);
  /* A Relative TxProfile changes relative to the transaction last seen. */
  assert_string_equal(set(s, 2,
                          "{'chargingProfileId':2,'stackLevel':0,'chargingProfilePurpose':"
                          "'TxProfile','chargingProfileKind':'Relative','chargingSchedule':{"
                          "'chargingRateUnit':'A','chargingSchedulePeriod':[{'startPeriod':0,"
                          "'limit':8},{'startPeriod':600,'limit':6}]}}",
                          4, false, T0 + H(100)),
                      "Accepted");
  borne_ms tx_start = T0 + H(100) - S(100);
  assert_true(lim(s, 2, T0 + H(100), 4, tx_start) == 8.0);
  assert_int_equal(cp_profiles_next_change(s, T0 + H(100)), tx_start + S(600));
  cp_profiles_transaction_ended(s, 2);
  assert_int_equal(cp_profiles_next_change(s, T0 + H(100)), INT64_MAX);
  cp_profiles_free(s);
}

/* ---- composite ---- */

static json_t *composite(cp_profiles *s, const char *req, borne_ms now, int tx, borne_ms tx_start) {
  json_t *r = js(req);
  ocpp16_GetCompositeScheduleRequest q;
  ocpp_error e;
  if (ocpp16_GetCompositeScheduleRequest_decode(r, &q, &e) != 0) fail_msg("%s: %s", e.code, e.text);
  json_t *c = composite16(s, &q, now, tx, tx_start, 3, 230);
  ocpp16_GetCompositeScheduleRequest_free(&q);
  json_decref(r);
  assert_non_null(c);
  return c;
}

static void expect_periods(json_t *c, const char *want) {
  json_t *w = js(want);
  json_t *got = json_object_get(json_object_get(c, "chargingSchedule"), "chargingSchedulePeriod");
  if (!json_equal(got, w)) {
    char *g = json_dumps(got, JSON_COMPACT);
    char *e = json_dumps(w, JSON_COMPACT);
    fail_msg("periods %s, expected %s", g, e);
  }
  json_decref(w);
}

static void composite_merges_purposes_over_the_window(void **state) {
  (void)state;
  cp_profiles *s = open_mem(2);
  /* Station max: 20 A, 12 A from 01:00. Default: 16 A. TxProfile: 10 A for
   * 30 min from the transaction start (00:15). */
  assert_string_equal(set(s, 0,
                          "{'chargingProfileId':1,'stackLevel':0,'chargingProfilePurpose':"
                          "'ChargePointMaxProfile','chargingProfileKind':'Absolute',"
                          "'chargingSchedule':{'startSchedule':'2026-01-05T00:00:00Z',"
                          "'chargingRateUnit':'A','chargingSchedulePeriod':[{'startPeriod':0,"
                          "'limit':20},{'startPeriod':3600,'limit':12}]}}",
                          0, false, T0),
                      "Accepted");
  assert_string_equal(set(s, 0, simple(2, 0, "TxDefaultProfile", 16), 0, false, T0), "Accepted");
  assert_string_equal(set(s, 1,
                          "{'chargingProfileId':3,'stackLevel':0,'chargingProfilePurpose':"
                          "'TxProfile','chargingProfileKind':'Relative','chargingSchedule':{"
                          "'duration':1800,'chargingRateUnit':'A','chargingSchedulePeriod':"
                          "[{'startPeriod':0,'limit':10}]}}",
                          5, false, T0 + S(900)),
                      "Accepted");
  json_t *c = composite(s, "{'connectorId':1,'duration':7200}", T0, 5, T0 + S(900));
  assert_string_equal(json_string_value(json_object_get(c, "status")), "Accepted");
  assert_int_equal(json_integer_value(json_object_get(c, "connectorId")), 1);
  assert_string_equal(json_string_value(json_object_get(c, "scheduleStart")),
                      "2026-01-05T00:00:00.000Z");
  json_t *cs = json_object_get(c, "chargingSchedule");
  assert_string_equal(json_string_value(json_object_get(cs, "chargingRateUnit")), "A");
  assert_int_equal(json_integer_value(json_object_get(cs, "duration")), 7200);
  expect_periods(c, "[{'startPeriod':0,'limit':16.0},{'startPeriod':900,'limit':10.0},"
                    "{'startPeriod':2700,'limit':16.0},{'startPeriod':3600,'limit':12.0}]");
  json_decref(c);
  /* In watts: x 3 x 230 V. */
  c = composite(s, "{'connectorId':1,'duration':7200,'chargingRateUnit':'W'}", T0, 5, T0 + S(900));
  assert_string_equal(json_string_value(json_object_get(json_object_get(c, "chargingSchedule"),
                                                        "chargingRateUnit")),
                      "W");
  expect_periods(c, "[{'startPeriod':0,'limit':11040.0},{'startPeriod':900,'limit':6900.0},"
                    "{'startPeriod':2700,'limit':11040.0},{'startPeriod':3600,'limit':8280.0}]");
  json_decref(c);
  /* Connector 0: the station max. */
  c = composite(s, "{'connectorId':0,'duration':7200}", T0, 0, 0);
  expect_periods(c, "[{'startPeriod':0,'limit':20.0},{'startPeriod':3600,'limit':12.0}]");
  json_decref(c);
  cp_profiles_free(s);
}

static void composite_gaps_and_refusals(void **state) {
  (void)state;
  cp_profiles *s = open_mem(1);
  json_t *c = composite(s, "{'connectorId':1,'duration':600}", T0, 0, 0);
  assert_string_equal(json_string_value(json_object_get(c, "status")), "Rejected");
  assert_int_equal(json_object_size(c), 1);
  json_decref(c);
  /* A schedule from 00:10 to 00:20 seen from 00:00 for an hour: starts at
   * its first limit and ends with it. */
  assert_string_equal(set(s, 0,
                          "{'chargingProfileId':1,'stackLevel':0,'chargingProfilePurpose':"
                          "'TxDefaultProfile','chargingProfileKind':'Absolute',"
                          "'chargingSchedule':{'startSchedule':'2026-01-05T00:10:00Z',"
                          "'duration':600,'chargingRateUnit':'W','chargingSchedulePeriod':"
                          "[{'startPeriod':0,'limit':4600,'numberPhases':1},"
                          "{'startPeriod':300,'limit':7360}]}}",
                          0, false, T0),
                      "Accepted");
  c = composite(s, "{'connectorId':1,'duration':3600}", T0, 0, 0);
  assert_string_equal(json_string_value(json_object_get(c, "status")), "Accepted");
  assert_string_equal(json_string_value(json_object_get(c, "scheduleStart")),
                      "2026-01-05T00:10:00.000Z");
  assert_int_equal(
      json_integer_value(json_object_get(json_object_get(c, "chargingSchedule"), "duration")), 600);
  /* 4600 W on one phase = 20 A; 7360 W on three = 10.6 A (rounded down). */
  expect_periods(c, "[{'startPeriod':0,'limit':20.0,'numberPhases':1},"
                    "{'startPeriod':300,'limit':10.6}]");
  json_decref(c);
  c = composite(s, "{'connectorId':1,'duration':3600,'chargingRateUnit':'W'}", T0, 0, 0);
  expect_periods(c, "[{'startPeriod':0,'limit':4600.0,'numberPhases':1},"
                    "{'startPeriod':300,'limit':7360.0}]");
  json_decref(c);
  const char *refused[] = {"{'connectorId':2,'duration':600}", "{'connectorId':-1,'duration':600}",
                           "{'connectorId':1,'duration':0}"};
  for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
    c = composite(s, refused[i], T0, 0, 0);
    assert_string_equal(json_string_value(json_object_get(c, "status")), "Rejected");
    json_decref(c);
  }
  /* what the schema refuses never reaches the module (the answer is a CALLERROR) */
  const char *invalid[] = {"{'duration':600}",
                           "{'connectorId':1,'duration':600,'chargingRateUnit':'kW'}"};
  for (size_t i = 0; i < sizeof invalid / sizeof *invalid; i++) {
    json_t *j = js(invalid[i]);
    ocpp16_GetCompositeScheduleRequest q;
    assert_int_equal(ocpp16_GetCompositeScheduleRequest_decode(j, &q, NULL), -1);
    json_decref(j);
  }
  cp_profiles_free(s);
}

/* ---- persistence ---- */

typedef test_tmpdb tmpdb;

static int db_setup(void **state) { return test_tmpdb_setup(state, "borne-smart"); }

static int db_teardown(void **state) { return test_tmpdb_teardown(state); }

static cp_profiles *open_db(const char *path, store **db) {
  char err[200];
  assert_int_equal(store_open(db, path, err, sizeof err), 0);
  cp_profiles *s = cp_profiles_open(*db, 2, &LIM, err, sizeof err);
  if (!s) fail_msg("open: %s", err);
  return s;
}

static void profiles_survive_a_restart(void **state) {
  tmpdb *t = *state;
  store *db;
  cp_profiles *s = open_db(t->path, &db);
  assert_string_equal(set(s, 0, simple(1, 0, "ChargePointMaxProfile", 20), 0, false, T0),
                      "Accepted");
  /* Absolute without startSchedule: its start is the receipt time, kept. */
  assert_string_equal(set(s, 0,
                          "{'chargingProfileId':2,'stackLevel':1,'chargingProfilePurpose':"
                          "'TxDefaultProfile','chargingProfileKind':'Absolute',"
                          "'chargingSchedule':{'chargingRateUnit':'A','chargingSchedulePeriod':"
                          "[{'startPeriod':0,'limit':10},{'startPeriod':60,'limit':14}]}}",
                          0, false, T0 + H(1)),
                      "Accepted");
  assert_string_equal(set(s, 1, simple(3, 0, "TxProfile", 6), 31, false, T0), "Accepted");
  assert_string_equal(set(s, 2,
                          "{'chargingProfileId':4,'stackLevel':0,'chargingProfilePurpose':"
                          "'TxProfile','chargingProfileKind':'Relative','chargingSchedule':{"
                          "'chargingRateUnit':'A','chargingSchedulePeriod':[{'startPeriod':0,"
                          "'limit':7}]}}",
                          0, true, T0),
                      "Accepted");
  /* Replaced and cleared ones stay gone. */
  assert_string_equal(set(s, 0, simple(5, 3, "TxDefaultProfile", 9), 0, false, T0), "Accepted");
  assert_string_equal(set(s, 0, simple(5, 3, "ChargePointMaxProfile", 9), 0, false, T0),
                      "Accepted");
  assert_int_equal(clear(s, "{'id':5}"), 1);
  cp_profiles_free(s);
  store_close(db);

  s = open_db(t->path, &db);
  assert_int_equal(cp_profiles_count(s), 4);
  assert_true(lim(s, 1, T0 + H(1) + S(59), 0, 0) == 10.0);
  assert_true(lim(s, 1, T0 + H(1) + S(60), 0, 0) == 14.0);
  assert_true(lim(s, 1, T0 + H(2), 31, T0) == 6.0);
  assert_true(lim(s, 1, T0 + H(2), 32, T0) == 14.0);
  /* The remote-start profile is bound after the restart, and that sticks. */
  bind16(s, 2, 90);
  cp_profiles_free(s);
  store_close(db);

  s = open_db(t->path, &db);
  assert_true(lim(s, 2, T0 + H(2), 90, T0) == 7.0);
  assert_true(lim(s, 2, T0 + H(2), 91, T0) == 14.0);
  cp_profiles_transaction_ended(s, 1);
  cp_profiles_free(s);
  store_close(db);

  s = open_db(t->path, &db);
  assert_int_equal(cp_profiles_count(s), 3);
  assert_true(lim(s, 1, T0 + H(2), 31, T0) == 14.0);
  cp_profiles_free(s);
  store_close(db);
}

static void unreadable_rows_are_skipped(void **state) {
  tmpdb *t = *state;
  store *db;
  cp_profiles *s = open_db(t->path, &db);
  assert_string_equal(set(s, 0, simple(1, 0, "ChargePointMaxProfile", 20), 0, false, T0),
                      "Accepted");
  cp_profiles_free(s);
  sqlite3 *h = store_sqlite(db);
  assert_int_equal(sqlite3_exec(h,
                                "INSERT INTO ocpp16_smart_profiles VALUES(7, 1, 0, 0, 'not json');"
                                "INSERT INTO ocpp16_smart_profiles VALUES(8, 9, 0, 0, '{}');"
                                "INSERT INTO ocpp16_smart_profiles VALUES(9, 1, 0, 0, '{}');",
                                NULL, NULL, NULL),
                   SQLITE_OK);
  store_close(db);
  s = open_db(t->path, &db);
  assert_int_equal(cp_profiles_count(s), 1);
  assert_true(lim(s, 1, T0, 0, 0) == 20.0);
  cp_profiles_free(s);
  /* a row as the payload's own text (integer limit) still loads */
  assert_int_equal(
      sqlite3_exec(store_sqlite(db),
                   "INSERT INTO ocpp16_smart_profiles VALUES(10, 1, 0, 0, '{\"chargingProfileId\":"
                   "10,\"chargingProfileKind\":\"Relative\",\"chargingProfilePurpose\":"
                   "\"TxDefaultProfile\",\"chargingSchedule\":{\"chargingRateUnit\":\"A\","
                   "\"chargingSchedulePeriod\":[{\"limit\":12,\"startPeriod\":0}]},"
                   "\"stackLevel\":0}');",
                   NULL, NULL, NULL),
      SQLITE_OK);
  store_close(db);
  s = open_db(t->path, &db);
  assert_int_equal(cp_profiles_count(s), 2);
  assert_true(lim(s, 1, T0, 0, 0) == 12.0);
  cp_profiles_free(s);
  store_close(db);
}

static void a_failed_write_changes_nothing(void **state) {
  tmpdb *t = *state;
  store *db;
  cp_profiles *s = open_db(t->path, &db);
  assert_string_equal(set(s, 0, simple(1, 0, "TxDefaultProfile", 20), 0, false, T0), "Accepted");
  assert_string_equal(set(s, 1, simple(2, 0, "TxProfile", 10), 4, false, T0), "Accepted");
  assert_int_equal(sqlite3_exec(store_sqlite(db), "PRAGMA query_only = 1", NULL, NULL, NULL),
                   SQLITE_OK);
  /* Not durable: refused, and what is installed stays as it was. */
  assert_string_equal(set(s, 0, simple(1, 0, "TxDefaultProfile", 6), 0, false, T0), "Rejected");
  assert_string_equal(set(s, 0, simple(3, 1, "TxDefaultProfile", 6), 0, false, T0), "Rejected");
  assert_int_equal(clear(s, "{}"), 0);
  assert_int_equal(cp_profiles_count(s), 2);
  assert_true(lim(s, 1, T0, 0, 0) == 20.0);
  assert_true(lim(s, 1, T0, 4, T0) == 10.0);
  assert_int_equal(sqlite3_exec(store_sqlite(db), "PRAGMA query_only = 0", NULL, NULL, NULL),
                   SQLITE_OK);
  cp_profiles_free(s);
  store_close(db);
  s = open_db(t->path, &db);
  assert_int_equal(cp_profiles_count(s), 2);
  assert_true(lim(s, 1, T0, 0, 0) == 20.0);
  cp_profiles_free(s);
  store_close(db);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(no_profile_means_no_limit),
      cmocka_unit_test(purposes_are_checked_against_connectors),
      cmocka_unit_test(tx_profile_needs_its_transaction),
      cmocka_unit_test(tx_profile_ends_with_its_transaction),
      cmocka_unit_test(remote_start_profile_binds_to_the_next_transaction),
      cmocka_unit_test(highest_stack_level_wins_and_falls_back),
      cmocka_unit_test(connector_default_overrides_station_default),
      cmocka_unit_test(limit_is_min_of_station_max_and_tx),
      cmocka_unit_test(same_id_or_same_stack_and_purpose_replaces),
      cmocka_unit_test(installation_limits_are_enforced),
      cmocka_unit_test(malformed_schedules_are_rejected),
      cmocka_unit_test(absolute_periods_and_duration),
      cmocka_unit_test(recurring_daily_and_weekly),
      cmocka_unit_test(recurrence_restarts_even_with_a_longer_duration),
      cmocka_unit_test(relative_follows_the_transaction_start),
      cmocka_unit_test(watts_become_amps_per_phase),
      cmocka_unit_test(clear_matches_every_given_criterion),
      cmocka_unit_test(next_change_finds_every_boundary),
      cmocka_unit_test(composite_merges_purposes_over_the_window),
      cmocka_unit_test(composite_gaps_and_refusals),
      cmocka_unit_test_setup_teardown(profiles_survive_a_restart, db_setup, db_teardown),
      cmocka_unit_test_setup_teardown(unreadable_rows_are_skipped, db_setup, db_teardown),
      cmocka_unit_test_setup_teardown(a_failed_write_changes_nothing, db_setup, db_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
