/*
 * The code generated from the OCPP 1.6 schemas (tools/ocpp-gen) and the
 * table walker (src/ocpp/ocpp_schema.c): every message has both schemas,
 * payloads built from the tables (minimal and with every member) validate,
 * decode and encode back to the same JSON; every CALLERROR code with the
 * JSON path of the fault.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "ocpp16_messages.h"

/* A value that conforms to `n`: every member when `full`, else only the
 * required ones; `seed` varies the values. */
static json_t *sample(const ocpp_schema_node *n, bool full, int seed) {
  switch (n->type) {
  case OCPP_T_OBJECT: {
    json_t *o = json_object();
    for (size_t i = 0; i < n->count; i++) {
      ocpp_schema_member_info p = ocpp_schema_member_at(n, i);
      if (p.required || full) json_object_set_new(o, p.name, sample(p.node, full, seed + (int)i));
    }
    return o;
  }
  case OCPP_T_ARRAY: {
    json_t *a = json_array();
    long count = n->min_items > 0 ? n->min_items : (full ? 2 : 0);
    if (n->max_items >= 0 && count > n->max_items) count = n->max_items;
    for (long i = 0; i < count; i++)
      json_array_append_new(a, sample(ocpp_schema_items(n), full, seed + (int)i));
    return a;
  }
  case OCPP_T_STRING:
    if (n->format == OCPP_FMT_DATE_TIME) return json_string("2026-11-23T10:00:00.000Z");
    if (n->format == OCPP_FMT_URI) return json_string("https://example.org/x");
    if (n->max_length == 0) return json_string("");
    return json_string(seed % 2 ? "B" : "A1");
  case OCPP_T_ENUM:
    return json_string(ocpp_schema_enum_value(n, (size_t)seed % n->count));
  case OCPP_T_INTEGER:
    return json_integer(seed + 1);
  case OCPP_T_NUMBER:
    return json_real(ocpp_schema_number_limits(n).multiple_of > 0 ? 16.5 : 230.25);
  default:
    return json_boolean(seed % 2);
  }
}

static void every_action_has_both_schemas_and_round_trips(void **state) {
  (void)state;
  for (int a = 0; a < OCPP16_ACTION_COUNT; a++) {
    const char *name = ocpp16_action_name((ocpp16_action)a);
    assert_true(ocpp16_action_known(name));
    for (int req = 0; req < 2; req++) {
      const ocpp_schema_node *s = ocpp16_schema(name, req);
      assert_non_null(s);
      for (int full = 0; full < 2; full++) {
        json_t *v = sample(s, full, a);
        ocpp_error err = {.kind = OCPP_ERR_NONE};
        if (ocpp16_validate(name, req, v, &err) != 0)
          fail_msg("%s %s: %s %s", name, req ? "request" : "response", err.code, err.text);
        /* decode into a buffer of the struct's size, encode, compare */
        _Alignas(max_align_t) static unsigned char buf[65536];
        assert_true(s->size <= sizeof buf);
        assert_int_equal(ocpp_schema_decode(s, v, buf, &err), 0);
        json_t *back = ocpp_schema_encode(s, buf);
        if (!json_equal(v, back)) {
          char *x = json_dumps(v, 0), *y = json_dumps(back, 0);
          fail_msg("%s round trip:\n%s\n%s", name, x, y);
        }
        ocpp_schema_free(s, buf);
        json_decref(back);
        json_decref(v);
      }
    }
  }
}

static void expect(const char *action, bool request, const char *payload, const char *code,
                   const char *text_start) {
  json_error_t jerr;
  json_t *v = json_loads(payload, JSON_DECODE_ANY, &jerr);
  assert_non_null(v);
  ocpp_error err = {.kind = OCPP_ERR_NONE};
  int rc = ocpp16_validate(action, request, v, &err);
  json_decref(v);
  if (!code) {
    if (rc != 0) fail_msg("%s %s: unexpected %s %s", action, payload, err.code, err.text);
    return;
  }
  assert_int_equal(rc, -1);
  if (strcmp(err.code, code) != 0 || strncmp(err.text, text_start, strlen(text_start)) != 0)
    fail_msg("%s %s: got %s `%s`, want %s `%s...`", action, payload, err.code, err.text, code,
             text_start);
}

static void each_error_code_names_the_path(void **state) {
  (void)state;
  expect("Authorize", true, "{\"idTag\":\"ABC\"}", NULL, "");
  expect("Authorize", true, "[1]", "FormationViolation", "the payload");
  expect("Authorize", true, "{}", "OccurenceConstraintViolation", "idTag: required");
  expect("Authorize", true, "{\"idTag\":5}", "TypeConstraintViolation", "idTag: must be a string");
  expect("Authorize", true, "{\"idTag\":\"123456789012345678901\"}", "PropertyConstraintViolation",
         "idTag: longer than 20");
  /* OCPP-J 1.6 4.2.3: not the PDU's structure is FormationViolation */
  expect("Authorize", true, "{\"idTag\":\"A\",\"extra\":1}", "FormationViolation",
         "extra: unknown member");
  expect("MakeCoffee", true, "{}", "NotImplemented", "MakeCoffee");
  expect("StartTransaction", false, "{\"transactionId\":1,\"idTagInfo\":{\"status\":\"Maybe\"}}",
         "PropertyConstraintViolation", "idTagInfo.status: `Maybe` is not an allowed value");
  expect("StartTransaction", false,
         "{\"transactionId\":1.5,\"idTagInfo\":{\"status\":\"Accepted\"}}",
         "TypeConstraintViolation", "transactionId: must be an integer");
  /* 3.0 is an integer in JSON Schema */
  expect("StartTransaction", false,
         "{\"transactionId\":3.0,\"idTagInfo\":{\"status\":\"Accepted\"}}", NULL, "");
  expect(
      "StartTransaction", false,
      "{\"transactionId\":1,\"idTagInfo\":{\"status\":\"Accepted\",\"expiryDate\":\"tomorrow\"}}",
      "PropertyConstraintViolation", "idTagInfo.expiryDate: not an RFC 3339");
  expect(
      "SetChargingProfile", true,
      "{\"connectorId\":1,\"csChargingProfiles\":{\"chargingProfileId\":1,\"stackLevel\":0,"
      "\"chargingProfilePurpose\":\"TxDefaultProfile\",\"chargingProfileKind\":\"Absolute\","
      "\"chargingSchedule\":{\"chargingRateUnit\":\"A\",\"chargingSchedulePeriod\":["
      "{\"startPeriod\":0,\"limit\":10},{\"startPeriod\":60,\"limit\":10.25}]}}}",
      "PropertyConstraintViolation",
      "csChargingProfiles.chargingSchedule.chargingSchedulePeriod[1].limit: not a multiple of 0.1");
  expect("GetInstalledCertificateIds", false,
         "{\"status\":\"Accepted\",\"certificateHashData\":[]}", "OccurenceConstraintViolation",
         "certificateHashData: at least 1 items");
  expect("Reset", true, "{\"type\":\"Sideways\"}", "PropertyConstraintViolation", "type:");
  expect("ChangeAvailability", true, "{\"connectorId\":\"one\",\"type\":\"Inoperative\"}",
         "TypeConstraintViolation", "connectorId: must be an integer");
  expect("DataTransfer", true, "{\"vendorId\":\"x\",\"data\":\"any length at all, no maxLength\"}",
         NULL, "");
}

static void date_times_follow_rfc_3339(void **state) {
  (void)state;
  const char *good[] = {"2026-11-23T10:00:00Z", "2026-11-23T10:00:00.123Z",
                        "2026-11-23T10:00:00+01:00", "2026-03-29t01:59:59.9-05:30"};
  const char *bad[] = {"2026-11-23 10:00:00Z",
                       "2026-11-23T10:00:00",
                       "2026-13-01T00:00:00Z",
                       "2026-11-23T24:00:00Z",
                       "2026-11-23T10:00:00.Z",
                       "2026-11-23T10:00:00+1:00",
                       "",
                       "yesterday"};
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
    assert_true(ocpp_schema_is_date_time(good[i]));
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    assert_false(ocpp_schema_is_date_time(bad[i]));
}

static void typed_structs_decode_and_encode(void **state) {
  (void)state;
  json_t *v = json_pack("{s:s, s:{s:s, s:s}}", "status", "Accepted", "idTagInfo", "status",
                        "Blocked", "parentIdTag", "GROUP");
  json_decref(v);
  v = json_pack("{s:i, s:{s:s, s:s}}", "transactionId", 42, "idTagInfo", "status", "Blocked",
                "parentIdTag", "GROUP");
  ocpp16_StartTransactionResponse r;
  ocpp_error err;
  assert_int_equal(ocpp16_StartTransactionResponse_decode(v, &r, &err), 0);
  assert_int_equal(r.transactionId, 42);
  assert_int_equal(r.idTagInfo.status, ocpp16_StartTransactionResponse_idTagInfo_status_Blocked);
  assert_true(r.idTagInfo.has_parentIdTag);
  assert_string_equal(r.idTagInfo.parentIdTag, "GROUP");
  assert_false(r.idTagInfo.has_expiryDate);
  json_t *back = ocpp16_StartTransactionResponse_encode(&r);
  assert_true(json_equal(v, back));
  json_decref(back);
  json_decref(v);
  /* an owned string and an array */
  ocpp16_DataTransferRequest d = {0};
  snprintf(d.vendorId, sizeof d.vendorId, "org.example");
  d.has_data = true;
  d.data = "payload";
  json_t *e = ocpp16_DataTransferRequest_encode(&d);
  assert_string_equal(json_string_value(json_object_get(e, "data")), "payload");
  assert_null(json_object_get(e, "messageId"));
  json_decref(e);
  /* a failed decode leaves nothing allocated and says why */
  v = json_pack("{s:s}", "vendorId", "x");
  json_object_set_new(v, "data", json_integer(3));
  assert_int_equal(ocpp16_DataTransferRequest_decode(v, &d, &err), -1);
  assert_string_equal(err.code, "TypeConstraintViolation");
  assert_null(d.data);
  json_decref(v);
  /* integers decode exactly, beyond a double's 53 bits too; 3.0 is an integer */
  v = json_pack("{s:I}", "transactionId", (json_int_t)9007199254740993LL);
  ocpp16_RemoteStopTransactionRequest stop;
  assert_int_equal(ocpp16_RemoteStopTransactionRequest_decode(v, &stop, &err), 0);
  assert_true(stop.transactionId == 9007199254740993LL);
  json_decref(v);
  v = json_pack("{s:f}", "transactionId", 3.0);
  assert_int_equal(ocpp16_RemoteStopTransactionRequest_decode(v, &stop, &err), 0);
  assert_true(stop.transactionId == 3);
  json_decref(v);
  /* maxLength counts characters: 20 of 3 bytes (an idTag) decode whole */
  char tag[64] = "";
  for (int i = 0; i < 20; i++) strcat(tag, "\xe2\x82\xac"); /* U+20AC */
  v = json_pack("{s:s}", "idTag", tag);
  ocpp16_AuthorizeRequest auth;
  assert_int_equal(ocpp16_AuthorizeRequest_decode(v, &auth, &err), 0);
  assert_string_equal(auth.idTag, tag);
  json_decref(v);
  strcat(tag, "x"); /* 21 characters: too long */
  v = json_pack("{s:s}", "idTag", tag);
  assert_int_equal(ocpp16_AuthorizeRequest_decode(v, &auth, &err), -1);
  assert_string_equal(err.code, "PropertyConstraintViolation");
  json_decref(v);
}

/* The validators know the error's kind; its spelling is the version's
 * (ocpp_version.h): the generated 1.6 functions spell it in 1.6, the table
 * walker alone leaves it to the caller, and the 2.0.1 dialect spells the
 * same kinds its own way. */
static void error_kinds_spelled_by_the_dialect(void **state) {
  (void)state;
  ocpp_error err = {.kind = OCPP_ERR_NONE};
  json_t *v = json_object();
  assert_int_equal(ocpp16_validate("Authorize", true, v, &err), -1);
  assert_int_equal(err.kind, OCPP_ERR_OCCURRENCE_CONSTRAINT);
  assert_string_equal(err.code, "OccurenceConstraintViolation");
  ocpp_dialect_spell(&ocpp201_dialect, &err);
  assert_string_equal(err.code, "OccurrenceConstraintViolation");
  ocpp_error raw = {.kind = OCPP_ERR_NONE};
  assert_int_equal(ocpp_schema_validate(ocpp16_schema("Authorize", true), v, &raw), -1);
  assert_int_equal(raw.kind, OCPP_ERR_OCCURRENCE_CONSTRAINT);
  assert_string_equal(raw.code, "");
  assert_string_equal(raw.text, err.text);
  ocpp16_AuthorizeRequest q;
  assert_int_equal(ocpp16_AuthorizeRequest_decode(v, &q, &err), -1);
  assert_string_equal(err.code, "OccurenceConstraintViolation");
  json_decref(v);
  v = json_array();
  assert_int_equal(ocpp16_validate("Authorize", true, v, &err), -1);
  assert_int_equal(err.kind, OCPP_ERR_FORMAT);
  assert_string_equal(err.code, "FormationViolation");
  assert_string_equal(ocpp_dialect_code(&ocpp201_dialect, err.kind), "FormatViolation");
  json_decref(v);
  /* an unknown member is a format error: 2.0.1 spells it FormatViolation */
  v = json_pack("{s:s,s:i}", "idTag", "A", "extra", 1);
  assert_int_equal(ocpp16_validate("Authorize", true, v, &err), -1);
  assert_int_equal(err.kind, OCPP_ERR_FORMAT);
  assert_string_equal(err.code, "FormationViolation");
  assert_string_equal(ocpp_dialect_code(&ocpp201_dialect, err.kind), "FormatViolation");
  json_decref(v);
  assert_int_equal(ocpp16_validate("FlyToTheMoon", true, NULL, &err), -1);
  assert_int_equal(err.kind, OCPP_ERR_NOT_IMPLEMENTED);
  assert_string_equal(err.code, "NotImplemented");
  /* every kind has a spelling in both; out of range is GenericError */
  for (int k = 0; k < OCPP_ERR_KIND_COUNT; k++) {
    assert_non_null(ocpp16_dialect.codes[k]);
    assert_non_null(ocpp201_dialect.codes[k]);
  }
  assert_string_equal(ocpp_dialect_code(&ocpp16_dialect, OCPP_ERR_KIND_COUNT), "GenericError");
  assert_string_equal(ocpp16_dialect.subprotocol, "ocpp1.6");
  assert_string_equal(ocpp201_dialect.subprotocol, "ocpp2.0.1");
  assert_int_equal(ocpp16_dialect.max_outstanding_calls, 1);
  assert_int_equal(ocpp201_dialect.max_outstanding_calls, 1);
}

static void action_names_parse(void **state) {
  (void)state;
  ocpp16_action a;
  assert_int_equal(ocpp16_action_parse("BootNotification", &a), 0);
  assert_int_equal(a, OCPP16_BootNotification);
  assert_string_equal(ocpp16_action_name(a), "BootNotification");
  assert_int_equal(ocpp16_action_parse("bootnotification", &a), -1);
  assert_false(ocpp16_action_known(NULL));
  assert_null(ocpp16_schema("Nope", true));
  /* every enum names its values as the schema spells them */
  assert_string_equal(
      ocpp16_SendLocalListRequest_localAuthorizationList_idTagInfo_status_e_name(
          ocpp16_SendLocalListRequest_localAuthorizationList_idTagInfo_status_ConcurrentTx),
      "ConcurrentTx");
  assert_null(
      ocpp16_BootNotificationResponse_status_e_name((ocpp16_BootNotificationResponse_status_e)3));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(every_action_has_both_schemas_and_round_trips),
      cmocka_unit_test(each_error_code_names_the_path),
      cmocka_unit_test(date_times_follow_rfc_3339),
      cmocka_unit_test(typed_structs_decode_and_encode),
      cmocka_unit_test(action_names_parse),
      cmocka_unit_test(error_kinds_spelled_by_the_dialect),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
