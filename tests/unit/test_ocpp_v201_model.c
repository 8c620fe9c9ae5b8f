/*
 * The OCPP 2.0.1 encoding of the charge-point model (src/ocpp/v201/model.c),
 * pure, on fixed times: every TransactionEvent it builds (Started, Updated,
 * Ended, each stop reason, offline, with meter values) validates against the
 * OCA's 2.0.1 schema through the generated validator; an idTokenInfo of any
 * of the schema's statuses becomes the model's token info (expiry, group);
 * the station's transactionId fits the schema's 36 characters; 2.0.1 meter
 * values carry numbers and unitOfMeasure.
 */
/* cmocka.h needs these first */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "ocpp/v201/model.h"
#include "ocpp/v201/vocabulary.h"
#include "ocpp201_messages.h"
#include "ocpp21_messages.h"

/* 2026-12-06T01:00:00Z */
#define T0 (1796518800LL * 1000)

static void valid(const char *action, bool request, const json_t *payload) {
  ocpp_error err = {.kind = OCPP_ERR_NONE};
  if (ocpp201_validate(action, request, payload, &err) != 0) {
    char *text = json_dumps(payload, JSON_COMPACT);
    fail_msg("%s: %s %s in %.300s", action, err.code, err.text, text);
  }
}

static json_t *energy(double wh, const char *context) {
  meter_reading r = {.energy_import_wh = wh};
  ocpp16_sample_extra x = {.phases = 1};
  return v201_meter_value("Energy.Active.Import.Register", &r, &x, context, T0);
}

static void started_event_validates(void **state) {
  (void)state;
  char tx[CP_TX_ID_MAX + 1];
  v201_tx_id(12, T0, tx);
  json_t *mv = json_array();
  json_array_append_new(mv, energy(1234.5, "Transaction.Begin"));
  v201_tx_event e = {.kind = CP_EVENT_STARTED,
                     .trigger_reason = "Authorized",
                     .seq_no = 0,
                     .at = T0,
                     .tx_id = tx,
                     .status = STATUS_PREPARING,
                     .evse = 2,
                     .id_token = "04A1B2C3",
                     .reservation_id = 5,
                     .meter_values = mv};
  json_t *p = v201_transaction_event(&e);
  assert_non_null(p);
  valid("TransactionEvent", true, p);
  assert_string_equal(json_string_value(json_object_get(p, "eventType")), "Started");
  assert_int_equal(json_integer_value(json_object_get(p, "seqNo")), 0);
  assert_null(json_object_get(p, "offline"));
  const json_t *info = json_object_get(p, "transactionInfo");
  assert_string_equal(json_string_value(json_object_get(info, "transactionId")), tx);
  assert_string_equal(json_string_value(json_object_get(info, "chargingState")), "EVConnected");
  assert_null(json_object_get(info, "stoppedReason"));
  assert_int_equal(json_integer_value(json_object_get(json_object_get(p, "evse"), "id")), 2);
  const json_t *tok = json_object_get(p, "idToken");
  assert_string_equal(json_string_value(json_object_get(tok, "type")), "ISO14443");
  assert_int_equal(json_integer_value(json_object_get(p, "reservationId")), 5);
  const json_t *sv = json_array_get(
      json_object_get(json_array_get(json_object_get(p, "meterValue"), 0), "sampledValue"), 0);
  assert_true(json_is_number(json_object_get(sv, "value")));
  assert_true(json_number_value(json_object_get(sv, "value")) == 1234.5 ||
              json_number_value(json_object_get(sv, "value")) == 1234 ||
              json_number_value(json_object_get(sv, "value")) == 1235);
  assert_string_equal(json_string_value(json_object_get(sv, "context")), "Transaction.Begin");
  assert_string_equal(
      json_string_value(json_object_get(json_object_get(sv, "unitOfMeasure"), "unit")), "Wh");
  json_decref(p);
}

static void ended_event_for_every_stop_reason(void **state) {
  (void)state;
  for (int r = STOP_LOCAL; r <= STOP_OTHER; r++) {
    v201_tx_event e = {.kind = CP_EVENT_ENDED,
                       .trigger_reason = v201_stop_trigger((stop_reason)r),
                       .seq_no = 7,
                       .offline = true,
                       .at = T0,
                       .tx_id = "1-abc",
                       .status = STATUS_FINISHING,
                       .stopped = (stop_reason)r,
                       .remote_start_id = 42,
                       .evse = 1,
                       .id_token = "REMOTE",
                       .central_token = true};
    json_t *p = v201_transaction_event(&e);
    assert_non_null(p);
    valid("TransactionEvent", true, p);
    assert_true(json_is_true(json_object_get(p, "offline")));
    const json_t *info = json_object_get(p, "transactionInfo");
    assert_non_null(json_object_get(info, "stoppedReason"));
    assert_int_equal(json_integer_value(json_object_get(info, "remoteStartId")), 42);
    assert_string_equal(json_string_value(json_object_get(json_object_get(p, "idToken"), "type")),
                        "Central");
    json_decref(p);
  }
  assert_string_equal(v201_stop_trigger(STOP_LOCAL), "StopAuthorized");
  assert_string_equal(v201_stop_trigger(STOP_REMOTE), "RemoteStop");
  assert_string_equal(v201_stop_trigger(STOP_EV_DISCONNECTED), "EVCommunicationLost");
  assert_string_equal(v201_stop_trigger(STOP_SOFT_RESET), "ResetCommand");
}

/* An Ended never says energy flows: EVConnected while the car is there
 * (TC_E_22_CS, TC_E_08_CSMS), Idle once it left (TC_E_17_CS); an Updated says
 * the EVSE's state as it is. */
static void ended_event_says_no_energy_flows(void **state) {
  (void)state;
  const connector_status flowing[] = {STATUS_CHARGING, STATUS_SUSPENDED_EV, STATUS_SUSPENDED_EVSE,
                                      STATUS_FINISHING, STATUS_PREPARING};
  for (size_t i = 0; i < sizeof flowing / sizeof flowing[0]; i++) {
    v201_tx_event e = {.kind = CP_EVENT_ENDED,
                       .trigger_reason = "ChargingStateChanged",
                       .seq_no = 3,
                       .at = T0,
                       .tx_id = "3-1",
                       .status = flowing[i],
                       .stopped_name = "StoppedByEV"};
    json_t *p = v201_transaction_event(&e);
    valid("TransactionEvent", true, p);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(p, "transactionInfo"), "chargingState")),
        "EVConnected");
    json_decref(p);
    e.kind = CP_EVENT_UPDATED;
    p = v201_transaction_event(&e);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(p, "transactionInfo"), "chargingState")),
        v201_charging_state_name(flowing[i]));
    json_decref(p);
  }
  v201_tx_event gone = {.kind = CP_EVENT_ENDED,
                        .trigger_reason = "EVCommunicationLost",
                        .at = T0,
                        .tx_id = "3-2",
                        .status = STATUS_AVAILABLE,
                        .stopped = STOP_EV_DISCONNECTED};
  json_t *p = v201_transaction_event(&gone);
  assert_string_equal(
      json_string_value(json_object_get(json_object_get(p, "transactionInfo"), "chargingState")),
      "Idle");
  json_decref(p);
}

static void updated_event_without_token_or_meter(void **state) {
  (void)state;
  v201_tx_event e = {.kind = CP_EVENT_UPDATED,
                     .trigger_reason = "ChargingStateChanged",
                     .seq_no = 1,
                     .at = T0,
                     .tx_id = "9-1",
                     .status = STATUS_CHARGING,
                     .meter_values = json_array()}; /* empty: no meterValue member */
  json_t *p = v201_transaction_event(&e);
  valid("TransactionEvent", true, p);
  assert_null(json_object_get(p, "idToken"));
  assert_null(json_object_get(p, "evse"));
  assert_null(json_object_get(p, "meterValue"));
  assert_string_equal(
      json_string_value(json_object_get(json_object_get(p, "transactionInfo"), "chargingState")),
      "Charging");
  json_decref(p);
}

static void bad_events_are_refused(void **state) {
  (void)state;
  v201_tx_event e = {.kind = CP_EVENT_SECURITY, .trigger_reason = "Trigger", .tx_id = "1-1"};
  assert_null(v201_transaction_event(&e));
  e.kind = CP_EVENT_UPDATED;
  e.tx_id = "";
  e.meter_values = json_array(); /* freed even when refused (ASan) */
  assert_null(v201_transaction_event(&e));
  e.meter_values = NULL; /* stolen by the call above */
  e.tx_id = "1-1";
  e.trigger_reason = NULL;
  assert_null(v201_transaction_event(&e));
}

static void transaction_ids_fit(void **state) {
  (void)state;
  char tx[CP_TX_ID_MAX + 1];
  v201_tx_id(INT64_MAX, INT64_MAX, tx);
  assert_true(strlen(tx) <= 36);
  v201_tx_id(1, T0, tx);
  char again[CP_TX_ID_MAX + 1];
  v201_tx_id(1, T0, again);
  assert_string_equal(tx, again); /* the same session after a restart: the same id */
  v201_tx_id(1, T0 + 1, again);
  assert_string_not_equal(tx, again); /* a database started anew: another id */
}

/* A transaction keeps one transactionId across a switch of version: the id a
 * back end already knows it by (the 1.6 back end's, from the journal) wins
 * over the one the station would make; without one, the station's own. */
static void a_known_transaction_id_wins(void **state) {
  (void)state;
  char tx[CP_TX_ID_MAX + 1], made[CP_TX_ID_MAX + 1];
  v201_tx_id(7, T0, made);
  v201_session_tx_id("1042", 7, T0, tx);
  assert_string_equal(tx, "1042");
  v201_session_tx_id(NULL, 7, T0, tx);
  assert_string_equal(tx, made);
  v201_session_tx_id("", 7, T0, tx);
  assert_string_equal(tx, made);
  /* the same every time it is asked (an Updated event and the Ended one) */
  char again[CP_TX_ID_MAX + 1];
  v201_session_tx_id("1042", 7, T0 + 5000, again);
  assert_string_equal(again, "1042");
  /* an id too long for 2.0.1's transactionId (36) is not taken */
  v201_session_tx_id("0123456789012345678901234567890123456789", 7, T0, tx);
  assert_string_equal(tx, made);
}

static void token_info_of_every_status(void **state) {
  (void)state;
  static const struct {
    const char *status;
    cp_token_status want;
  } cases[] = {{"Accepted", CP_TOKEN_ACCEPTED},
               {"Blocked", CP_TOKEN_BLOCKED},
               {"Expired", CP_TOKEN_EXPIRED},
               {"Invalid", CP_TOKEN_INVALID},
               {"ConcurrentTx", CP_TOKEN_CONCURRENT_TX},
               {"NoCredit", CP_TOKEN_INVALID},
               {"NotAllowedTypeEVSE", CP_TOKEN_INVALID},
               {"NotAtThisLocation", CP_TOKEN_INVALID},
               {"NotAtThisTime", CP_TOKEN_INVALID},
               {"Unknown", CP_TOKEN_INVALID}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    json_t *answer = json_pack("{s:{s:s}}", "idTokenInfo", "status", cases[i].status);
    valid("Authorize", false, answer); /* every status is the schema's */
    cp_token_info info;
    assert_true(v201_token_info(json_object_get(answer, "idTokenInfo"), &info));
    assert_int_equal(info.status, cases[i].want);
    assert_int_equal(info.expiry, 0);
    assert_string_equal(info.group, "");
    json_decref(answer);
  }
  json_t *full =
      json_pack("{s:s, s:s, s:{s:s, s:s}}", "status", "Accepted", "cacheExpiryDateTime",
                "2026-12-06T01:00:00Z", "groupIdToken", "idToken", "FLEET", "type", "Central");
  cp_token_info info;
  assert_true(v201_token_info(full, &info));
  assert_int_equal(info.expiry, T0);
  assert_string_equal(info.group, "FLEET");
  json_decref(full);
  json_t *bad = json_pack("{s:s}", "status", "Maybe");
  assert_false(v201_token_info(bad, &info));
  assert_false(v201_token_info(NULL, &info));
  json_decref(bad);
}

static void id_tokens(void **state) {
  (void)state;
  assert_null(v201_id_token("", false));
  assert_null(v201_id_token(NULL, true));
  json_t *t = v201_id_token("0123456789012345678901234567890123456789", false);
  json_t *req = json_pack("{s:O}", "idToken", t);
  valid("Authorize", true, req); /* cut to the schema's 36 characters */
  assert_int_equal(strlen(json_string_value(json_object_get(t, "idToken"))), 36);
  json_decref(req);
  json_decref(t);
}

/* Issue 16: 2.1's idTokens of up to 255 characters are refused, never cut. */
static void long_ids_are_not_cut(void **state) {
  (void)state;
  const char *k36 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
             *k37 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789X";
  json_t *fits = json_pack("{s:s, s:s}", "idToken", k36, "type", "ISO14443");
  json_t *too = json_pack("{s:s, s:s}", "idToken", k37, "type", "VASReference");
  assert_true(v201_id_fits(fits));
  assert_false(v201_id_fits(too));
  assert_true(v201_id_fits(NULL)); /* absent: nothing to cut */
  /* 36 characters of two bytes each are more than the 36 bytes kept */
  json_t *wide = json_pack("{s:s}", "idToken",
                           "\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9"
                           "\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9");
  assert_false(v201_id_fits(wide));
  /* a groupIdToken too long: the token's answer is understood, without a group */
  json_t *info = json_pack("{s:s, s:O}", "status", "Accepted", "groupIdToken", too);
  cp_token_info ti;
  assert_true(v201_token_info(info, &ti));
  assert_int_equal(ti.status, CP_TOKEN_ACCEPTED);
  assert_string_equal(ti.group, "");
  json_object_set(info, "groupIdToken", fits);
  assert_true(v201_token_info(info, &ti));
  assert_string_equal(ti.group, k36);
  /* SendLocalList: the first entry whose idToken or group does not fit */
  json_t *list = json_pack("{s:i, s:s, s:[{s:O, s:{s:s}}, {s:O, s:{s:s, s:O}}]}", "versionNumber",
                           3, "updateType", "Full", "localAuthorizationList", "idToken", fits,
                           "idTokenInfo", "status", "Accepted", "idToken", fits, "idTokenInfo",
                           "status", "Accepted", "groupIdToken", too);
  size_t bad = 99;
  assert_false(v201_local_list_ids_fit(list, &bad));
  assert_int_equal(bad, 1);
  json_object_set(
      json_object_get(json_array_get(json_object_get(list, "localAuthorizationList"), 1),
                      "idTokenInfo"),
      "groupIdToken", fits);
  assert_true(v201_local_list_ids_fit(list, &bad));
  json_object_set(json_array_get(json_object_get(list, "localAuthorizationList"), 0), "idToken",
                  too);
  assert_false(v201_local_list_ids_fit(list, &bad));
  assert_int_equal(bad, 0);
  json_t *none = json_pack("{s:i, s:s}", "versionNumber", 4, "updateType", "Full");
  assert_true(v201_local_list_ids_fit(none, NULL));
  json_decref(none);
  json_decref(list);
  json_decref(info);
  json_decref(wide);
  json_decref(too);
  json_decref(fits);
}

/* A remote start's token keeps its type in the Started event (C25: DirectPayment). */
static void typed_tokens(void **state) {
  (void)state;
  json_t *t = v201_id_token_typed("PSP-REF-1", "DirectPayment");
  assert_string_equal(json_string_value(json_object_get(t, "type")), "DirectPayment");
  json_decref(t);
  t = v201_id_token_typed("X", NULL);
  assert_string_equal(json_string_value(json_object_get(t, "type")), "Central");
  json_decref(t);
  assert_null(v201_id_token_typed("", "Central"));
  v201_tx_event e = {.kind = CP_EVENT_STARTED,
                     .trigger_reason = "RemoteStart",
                     .at = T0,
                     .tx_id = "tx-1",
                     .status = STATUS_CHARGING,
                     .evse = 1,
                     .id_token = "PSP-REF-1",
                     .central_token = true,
                     .token_type = "DirectPayment",
                     .remote_start_id = 42};
  json_t *p = v201_transaction_event(&e);
  json_t *want = json_pack("{s:s, s:s}", "idToken", "PSP-REF-1", "type", "DirectPayment");
  assert_true(json_equal(json_object_get(p, "idToken"), want));
  ocpp_error err = {.kind = OCPP_ERR_NONE};
  assert_int_equal(ocpp21_validate("TransactionEvent", true, p, &err), 0);
  /* queued under 2.1, sent under 2.0.1: a type 2.0.1 has not is Central there */
  assert_int_not_equal(ocpp201_validate("TransactionEvent", true, p, &err), 0);
  v201_id_token_as_201(json_object_get(p, "idToken"));
  assert_string_equal(json_string_value(json_object_get(json_object_get(p, "idToken"), "type")),
                      "Central");
  valid("TransactionEvent", true, p);
  json_t *emaid = json_pack("{s:s, s:s}", "idToken", "X", "type", "eMAID");
  v201_id_token_as_201(emaid);
  assert_string_equal(json_string_value(json_object_get(emaid, "type")), "eMAID");
  json_decref(emaid);
  v201_id_token_as_201(NULL);
  json_decref(p);
  e.token_type = NULL; /* none kept: as before, Central */
  p = v201_transaction_event(&e);
  assert_string_equal(json_string_value(json_object_get(json_object_get(p, "idToken"), "type")),
                      "Central");
  valid("TransactionEvent", true, p);
  json_decref(p);
  json_decref(want);
}

static void meter_values_of_several_measurands(void **state) {
  (void)state;
  meter_reading r = {.energy_import_wh = 5000,
                     .power_w = {2400, 2400, 2400},
                     .current_a = {10, 11, 12},
                     .voltage_v = {230, 231, 229}};
  ocpp16_sample_extra x = {
      .phases = 3, .offered_a = 16, .temperature = 31.5, .has_temperature = true};
  json_t *mv = v201_meter_value(
      "Energy.Active.Import.Register,Power.Active.Import,Current.Import,Voltage,Current.Offered,"
      "Temperature",
      &r, &x, "Sample.Periodic", T0);
  assert_non_null(mv);
  json_t *req = json_pack("{s:i, s:[O]}", "evseId", 1, "meterValue", mv);
  valid("MeterValues", true, req);
  const json_t *sv = json_object_get(mv, "sampledValue");
  assert_true(json_array_size(sv) >= 6);
  /* 2.0.1 has no Temperature measurand (1.6 had): left out */
  size_t k;
  json_t *each;
  json_array_foreach(sv, k, each)
      assert_string_not_equal(json_string_value(json_object_get(each, "measurand")), "Temperature");
  size_t i;
  json_t *one;
  json_array_foreach(sv, i, one) {
    assert_true(json_is_number(json_object_get(one, "value")));
    assert_null(json_object_get(one, "unit")); /* 1.6's member, not 2.0.1's */
    assert_null(json_object_get(one, "format"));
  }
  json_decref(req);
  json_decref(mv);
  /* nothing measured: no MeterValue (the schema wants a sampledValue) */
  assert_null(v201_meter_value("", &r, &x, "Sample.Periodic", T0));
  assert_null(v201_meter_value("Temperature", &r, &x, "Sample.Periodic", T0));
  /* the schema's answer is kept per set of texts (context, measurand, phase, location, unit):
   * asked again, the same values come, and a kept "no" stays no */
  json_t *again = v201_meter_value(
      "Energy.Active.Import.Register,Power.Active.Import,Current.Import,Voltage,Current.Offered,"
      "Temperature",
      &r, &x, "Sample.Periodic", T0);
  json_t *first = v201_meter_value(
      "Energy.Active.Import.Register,Power.Active.Import,Current.Import,Voltage,Current.Offered",
      &r, &x, "Sample.Periodic", T0);
  assert_true(json_equal(again, first));
  json_decref(again);
  json_decref(first);
}

#define RECORD                                                                                     \
  "OCMF|{\"FV\":\"1.0\",\"RD\":[{\"RV\":1.234,\"RI\":\"1-b:1.8.0\"}]}|{\"SA\":\"ECDSA-secp256r1-"  \
  "SHA256\",\"SD\":\"3045AB\"}"
#define KEY_HEX                                                                                    \
  "3059301306072A8648CE3D020106082A8648CE3D030107034200"                                           \
  "0411111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111" \
  "111111111111111111111111111111111111"

/* E/J: an OCMF record on the register's Transaction.Begin / End value, as
 * 2.0.1's SignedMeterValueType (Base64 members), in an event the schema
 * accepts; a clock-aligned Updated event (J02) too. */
static void signed_and_clock_meter_values(void **state) {
  (void)state;
  json_t *sig = v201_signed_meter_value(RECORD, KEY_HEX);
  assert_non_null(sig);
  assert_string_equal(json_string_value(json_object_get(sig, "signedMeterData")),
                      "T0NNRnx7IkZWIjoiMS4wIiwiUkQiOlt7IlJWIjoxLjIzNCwiUkkiOiIxLWI6MS44LjAifV19fHsi"
                      "U0EiOiJFQ0RTQS1zZWNwMjU2cjEtU0hBMjU2IiwiU0QiOiIzMDQ1QUIifQ==");
  assert_string_equal(json_string_value(json_object_get(sig, "publicKey")),
                      "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEERERERERERERERERERERERERERERERERERERERER"
                      "EREREREREREREREREREREREREREREREREREREREREREREQ==");
  assert_string_equal(json_string_value(json_object_get(sig, "signingMethod")),
                      "ECDSA-secp256r1-SHA256");
  assert_string_equal(json_string_value(json_object_get(sig, "encodingMethod")), "OCMF");
  char tx[CP_TX_ID_MAX + 1];
  v201_tx_id(3, T0, tx);
  json_t *mv = json_array();
  json_array_append_new(mv, energy(1234, "Transaction.End"));
  assert_false(v201_attach_signed(mv, "Transaction.Begin", json_incref(sig)));
  assert_true(v201_attach_signed(mv, "Transaction.End", sig));
  v201_tx_event e = {.kind = CP_EVENT_ENDED,
                     .trigger_reason = "StopAuthorized",
                     .at = T0,
                     .tx_id = tx,
                     .status = STATUS_FINISHING,
                     .stopped = STOP_LOCAL,
                     .evse = 1,
                     .meter_values = mv};
  json_t *p = v201_transaction_event(&e);
  valid("TransactionEvent", true, p);
  /* the 2.1 dialect sends the same event: its schema takes it too */
  ocpp_error err21 = {.kind = OCPP_ERR_NONE};
  assert_int_equal(ocpp21_validate("TransactionEvent", true, p, &err21), 0);
  const json_t *sv = json_array_get(
      json_object_get(json_array_get(json_object_get(p, "meterValue"), 0), "sampledValue"), 0);
  assert_non_null(json_object_get(sv, "signedMeterValue"));
  json_decref(p);
  /* not hex, odd, too long: none */
  assert_null(v201_signed_meter_value(RECORD, "30zz"));
  assert_null(v201_signed_meter_value(RECORD, "305"));
  assert_null(v201_signed_meter_value("", KEY_HEX));
  char big[2000];
  memset(big, 'A', sizeof big - 1);
  big[sizeof big - 1] = 0;
  assert_null(v201_signed_meter_value(big, KEY_HEX));
  /* J02: clock-aligned values in an Updated event */
  json_t *clock = json_array();
  json_array_append_new(clock, energy(2000, "Sample.Clock"));
  v201_tx_event u = {.kind = CP_EVENT_UPDATED,
                     .trigger_reason = "MeterValueClock",
                     .seq_no = 4,
                     .at = T0,
                     .tx_id = tx,
                     .status = STATUS_CHARGING,
                     .evse = 1,
                     .meter_values = clock};
  p = v201_transaction_event(&u);
  valid("TransactionEvent", true, p);
  json_decref(p);
  /* J01: outside a transaction, MeterValues with the EVSE */
  json_t *idle = json_pack("{s:i, s:[o]}", "evseId", 2, "meterValue", energy(2000, "Sample.Clock"));
  valid("MeterValues", true, idle);
  json_decref(idle);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(started_event_validates),
      cmocka_unit_test(ended_event_for_every_stop_reason),
      cmocka_unit_test(ended_event_says_no_energy_flows),
      cmocka_unit_test(updated_event_without_token_or_meter),
      cmocka_unit_test(bad_events_are_refused),
      cmocka_unit_test(transaction_ids_fit),
      cmocka_unit_test(a_known_transaction_id_wins),
      cmocka_unit_test(token_info_of_every_status),
      cmocka_unit_test(id_tokens),
      cmocka_unit_test(long_ids_are_not_cut),
      cmocka_unit_test(typed_tokens),
      cmocka_unit_test(meter_values_of_several_measurands),
      cmocka_unit_test(signed_and_clock_meter_values),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
