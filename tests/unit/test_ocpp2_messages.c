/*
 * The code generated from the OCA's OCPP 2.0.1 and 2.1 schemas
 * (schemas/ocpp/v2.0.1, v2.1; tools/ocpp-gen): every message of both versions
 * has its schemas, payloads built from the tables (minimal and with every
 * member) validate, decode and encode back to the same JSON; every error kind
 * with the JSON path of the fault, spelled in 2.0.1/2.1 words; the typed
 * structs ($ref'd definitions, customData, DataTransfer's untyped data).
 *
 * Run with `--validate` it is the borne side of ocpp2_schema_agreement.mjs:
 * it reads lines {"v":"2.0.1"|"2.1","action":..,"request":bool,"payload":..}
 * (or "1.6") on stdin and prints, per line, `ok` or the CALLERROR code and text, so that
 * the script can hold the generated validators against ajv.
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
#include "ocpp201_messages.h"
#include "ocpp21_messages.h"

typedef struct {
  const char *name;
  int action_count;
  const char *(*action_name)(int a);
  const ocpp_schema_node *(*schema)(const char *action, bool request);
  int (*validate)(const char *action, bool request, const json_t *payload, ocpp_error *err);
  bool (*known)(const char *action);
} version;

static const char *name201(int a) { return ocpp201_action_name((ocpp201_action)a); }
static const char *name21(int a) { return ocpp21_action_name((ocpp21_action)a); }

static const version versions[] = {
    {"2.0.1", OCPP201_ACTION_COUNT, name201, ocpp201_schema, ocpp201_validate,
     ocpp201_action_known},
    {"2.1", OCPP21_ACTION_COUNT, name21, ocpp21_schema, ocpp21_validate, ocpp21_action_known},
};

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
    if (n->max_length == 0) return json_string("");
    if (n->max_length == 1) return json_string("B");
    return json_string(seed % 2 ? "B" : "A\xc3\xa9"); /* 2 characters, 3 bytes */
  case OCPP_T_ENUM:
    return json_string(ocpp_schema_enum_value(n, (size_t)seed % n->count));
  case OCPP_T_INTEGER: {
    json_int_t i = seed + 1;
    ocpp_schema_limits l = ocpp_schema_number_limits(n);
    if ((n->flags & OCPP_SCHEMA_MAXIMUM) && (double)i > l.maximum) i = (json_int_t)l.maximum;
    if ((n->flags & OCPP_SCHEMA_MINIMUM) && (double)i < l.minimum) i = (json_int_t)l.minimum;
    return json_integer(i);
  }
  case OCPP_T_NUMBER: {
    double d = 230.25;
    ocpp_schema_limits l = ocpp_schema_number_limits(n);
    if ((n->flags & OCPP_SCHEMA_MAXIMUM) && d > l.maximum) d = l.maximum;
    if ((n->flags & OCPP_SCHEMA_MINIMUM) && d < l.minimum) d = l.minimum;
    return json_real(d);
  }
  case OCPP_T_ANY:
    return json_pack("{s:[i,s]}", "any", seed, "json");
  default:
    return json_boolean(seed % 2);
  }
}

static void every_message_round_trips(void **state) {
  (void)state;
  for (size_t vi = 0; vi < sizeof versions / sizeof versions[0]; vi++) {
    const version *ver = &versions[vi];
    assert_true(ver->action_count > 60);
    int messages = 0;
    for (int a = 0; a < ver->action_count; a++) {
      const char *name = ver->action_name(a);
      assert_true(ver->known(name));
      for (int req = 0; req < 2; req++) {
        const ocpp_schema_node *s = ver->schema(name, req);
        if (!s && !req && !strcmp(name, "NotifyPeriodicEventStream")) continue; /* 2.1 SEND */
        if (!s) fail_msg("%s %s has no %s schema", ver->name, name, req ? "request" : "response");
        messages++;
        for (int full = 0; full < 2; full++) {
          json_t *v = sample(s, full, a);
          ocpp_error err = {.kind = OCPP_ERR_NONE};
          if (ver->validate(name, req, v, &err) != 0)
            fail_msg("%s %s %s: %s %s", ver->name, name, req ? "request" : "response", err.code,
                     err.text);
          _Alignas(max_align_t) static unsigned char buf[1 << 20];
          assert_true(s->size <= sizeof buf);
          assert_int_equal(ocpp_schema_decode(s, v, buf, &err), 0);
          json_t *back = ocpp_schema_encode(s, buf);
          if (!json_equal(v, back)) {
            char *x = json_dumps(v, 0), *y = json_dumps(back, 0);
            fail_msg("%s %s round trip:\n%s\n%s", ver->name, name, x, y);
          }
          ocpp_schema_free(s, buf);
          json_decref(back);
          json_decref(v);
        }
      }
    }
    /* 2.0.1: 64 actions, 128 schema files; 2.1: 181 files (one SEND without response) */
    assert_int_equal(messages, vi == 0 ? 128 : 181);
  }
}

static void expect_in(const version *ver, const char *action, bool request, const char *payload,
                      const char *code, const char *text_start) {
  json_error_t jerr;
  json_t *v = json_loads(payload, JSON_DECODE_ANY, &jerr);
  if (!v) fail_msg("bad test JSON %s: %s", payload, jerr.text);
  ocpp_error err = {.kind = OCPP_ERR_NONE};
  int rc = ver->validate(action, request, v, &err);
  json_decref(v);
  if (!code) {
    if (rc != 0)
      fail_msg("%s %s %s: unexpected %s %s", ver->name, action, payload, err.code, err.text);
    return;
  }
  if (rc == 0) fail_msg("%s %s %s: accepted, want %s", ver->name, action, payload, code);
  if (strcmp(err.code, code) != 0 || strncmp(err.text, text_start, strlen(text_start)) != 0)
    fail_msg("%s %s %s: got %s `%s`, want %s `%s...`", ver->name, action, payload, err.code,
             err.text, code, text_start);
}

/* Every error kind, with the path, in both versions (the same schemas here). */
static void each_error_kind_names_the_path(void **state) {
  (void)state;
  for (size_t vi = 0; vi < sizeof versions / sizeof versions[0]; vi++) {
    const version *ver = &versions[vi];
#define E(action, req, payload, code, text) expect_in(ver, action, req, payload, code, text)
    E("Authorize", true, "{\"idToken\":{\"idToken\":\"ABC\",\"type\":\"ISO14443\"}}", NULL, "");
    E("Authorize", true, "[1]", "FormatViolation", "the payload");
    E("Authorize", true, "{}", "OccurrenceConstraintViolation", "idToken: required");
    E("Authorize", true, "{\"idToken\":{\"type\":\"ISO14443\"}}", "OccurrenceConstraintViolation",
      "idToken.idToken: required");
    E("Authorize", true, "{\"idToken\":{\"idToken\":5,\"type\":\"ISO14443\"}}",
      "TypeConstraintViolation", "idToken.idToken: must be a string");
    E("Reset", true, "{\"type\":\"Sideways\"}", "PropertyConstraintViolation",
      "type: `Sideways` is not an allowed value");
    /* not the message's structure: FormatViolation (OCPP-J 2.0.1 4.3; 1.6 FormationViolation) */
    E("Authorize", true, "{\"idToken\":{\"idToken\":\"A\",\"type\":\"ISO14443\"},\"x\":1}",
      "FormatViolation", "x: unknown member");
    /* customData is open: vendor members are allowed, vendorId is required */
    E("Authorize", true,
      "{\"idToken\":{\"idToken\":\"A\",\"type\":\"ISO14443\"},"
      "\"customData\":{\"vendorId\":\"org.example\",\"anything\":[1]}}",
      NULL, "");
    E("Authorize", true,
      "{\"idToken\":{\"idToken\":\"A\",\"type\":\"ISO14443\"},\"customData\":{}}",
      "OccurrenceConstraintViolation", "customData.vendorId: required");
    E("Heartbeat", false, "{\"currentTime\":\"noon\"}", "PropertyConstraintViolation",
      "currentTime: not an RFC 3339 date-time");
    E("BootNotification", true,
      "{\"reason\":\"PowerUp\",\"chargingStation\":{\"model\":\"123456789012345678901\","
      "\"vendorName\":\"v\"}}",
      "PropertyConstraintViolation", "chargingStation.model: longer than 20 characters");
    /* arrays: minItems, maxItems, an item's path */
    E("GetVariables", true, "{\"getVariableData\":[]}", "OccurrenceConstraintViolation",
      "getVariableData: at least 1 items");
    E("GetVariables", true,
      "{\"getVariableData\":[{\"component\":{\"name\":\"C\"},\"variable\":{\"name\":\"V\"}},"
      "{\"component\":{\"name\":\"C\"},\"variable\":{}}]}",
      "OccurrenceConstraintViolation", "getVariableData[1].variable.name: required");
    E("MeterValues", true,
      "{\"evseId\":1,\"meterValue\":[{\"timestamp\":\"2026-01-01T00:00:00Z\","
      "\"sampledValue\":[]}]}",
      "OccurrenceConstraintViolation", "meterValue[0].sampledValue: at least 1 items");
    E("SetChargingProfile", true,
      "{\"evseId\":0,\"chargingProfile\":{\"id\":1,\"stackLevel\":0,"
      "\"chargingProfilePurpose\":\"TxDefaultProfile\",\"chargingProfileKind\":\"Absolute\","
      "\"chargingSchedule\":[{\"id\":1,\"chargingRateUnit\":\"A\",\"chargingSchedulePeriod\":["
      "{\"startPeriod\":0,\"limit\":16}]},{\"id\":2,\"chargingRateUnit\":\"A\","
      "\"chargingSchedulePeriod\":[{\"startPeriod\":0,\"limit\":16}]},{\"id\":3,"
      "\"chargingRateUnit\":\"A\",\"chargingSchedulePeriod\":[{\"startPeriod\":0,\"limit\":16}]"
      "},{\"id\":4,\"chargingRateUnit\":\"A\",\"chargingSchedulePeriod\":[{\"startPeriod\":0,"
      "\"limit\":16}]}]}}",
      "OccurrenceConstraintViolation", "chargingProfile.chargingSchedule: at most 3 items");
    E("ReserveNow", true,
      "{\"id\":1.5,\"expiryDateTime\":\"2026-01-01T00:00:00Z\",\"idToken\":{\"idToken\":\"A\","
      "\"type\":\"Central\"}}",
      "TypeConstraintViolation", "id: must be an integer");
    E("DataTransfer", true, "{\"vendorId\":\"x\",\"data\":{\"free\":[1,\"form\",null]}}", NULL, "");
    E("DataTransfer", true, "{\"vendorId\":\"x\",\"data\":null}", NULL, "");
    E("MakeCoffee", true, "{}", "NotImplemented", "MakeCoffee");
#undef E
  }
  /* what only one of the two has: minimum and maximum */
  expect_in(&versions[1], "GetVariables", false,
            "{\"getVariableResult\":[{\"attributeStatus\":\"Accepted\",\"component\":{\"name\":"
            "\"C\",\"evse\":{\"id\":-1}},\"variable\":{\"name\":\"V\"}}]}",
            "PropertyConstraintViolation", "getVariableResult[0].component.evse.id: below 0");
  expect_in(&versions[0], "GetVariables", false,
            "{\"getVariableResult\":[{\"attributeStatus\":\"Accepted\",\"component\":{\"name\":"
            "\"C\",\"evse\":{\"id\":-1}},\"variable\":{\"name\":\"V\"}}]}",
            NULL, ""); /* 2.0.1's EVSEType.id has no minimum */
  expect_in(&versions[0], "NotifyEVChargingNeeds", true,
            "{\"evseId\":1,\"chargingNeeds\":{\"requestedEnergyTransfer\":\"AC_three_phase\","
            "\"dcChargingParameters\":{\"evMaxCurrent\":10,\"evMaxVoltage\":400,"
            "\"stateOfCharge\":101}}}",
            "PropertyConstraintViolation",
            "chargingNeeds.dcChargingParameters.stateOfCharge: above 100");
  expect_in(&versions[0], "NotifyPeriodicEventStream", true, "{}", "NotImplemented",
            "NotifyPeriodicEventStream is not an action of this OCPP version");
  expect_in(&versions[1], "NotifyPeriodicEventStream", false, "{}", "NotImplemented",
            "NotifyPeriodicEventStream has no response (a SEND message)");
  expect_in(&versions[1], "NotifyPeriodicEventStream", true,
            "{\"id\":1,\"pending\":0,\"basetime\":\"2026-01-01T00:00:00Z\",\"data\":"
            "[{\"t\":0.5,\"v\":\"1\"}]}",
            NULL, "");
  expect_in(&versions[1], "MeterValues", true,
            "{\"evseId\":1,\"meterValue\":[{\"timestamp\":\"2026-01-01T00:00:00Z\","
            "\"sampledValue\":[{\"value\":1,\"location\":\"Upstream\"}]}]}",
            NULL, "");
  expect_in(&versions[0], "MeterValues", true,
            "{\"evseId\":1,\"meterValue\":[{\"timestamp\":\"2026-01-01T00:00:00Z\","
            "\"sampledValue\":[{\"value\":1,\"location\":\"Upstream\"}]}]}",
            "PropertyConstraintViolation", "meterValue[0].sampledValue[0].location: `Upstream`");
}

/* The OCA's text, not a library's edit: 2.0.1's exiResponse is at most 5600 characters
 * (mobilityhouse/ocpp raised it to 7500 in its copy; schemas/ocpp/ORIGIN.md). */
static void exi_response_keeps_the_oca_limit(void **state) {
  (void)state;
  static char exi[7501];
  memset(exi, 'A', 5600);
  json_t *v = json_pack("{s:s, s:s}", "status", "Accepted", "exiResponse", exi);
  ocpp_error err = {.kind = OCPP_ERR_NONE};
  assert_int_equal(ocpp201_validate("Get15118EVCertificate", false, v, &err), 0);
  json_decref(v);
  memset(exi, 'A', 5601);
  v = json_pack("{s:s, s:s}", "status", "Accepted", "exiResponse", exi);
  assert_int_equal(ocpp201_validate("Get15118EVCertificate", false, v, &err), -1);
  assert_string_equal(err.code, "PropertyConstraintViolation");
  assert_string_equal(err.text, "exiResponse: longer than 5600 characters");
  json_decref(v);
}

/* The typed structs: $ref'd definitions become nested structs, enums C enums. */
static void typed_structs_decode_and_encode(void **state) {
  (void)state;
  json_t *v = json_pack("{s:s, s:{s:s, s:s, s:{s:s}}, s:{s:s}}", "reason", "PowerUp",
                        "chargingStation", "model", "AC22", "vendorName", "borne", "modem", "iccid",
                        "8933", "customData", "vendorId", "org.borne");
  ocpp201_BootNotificationRequest b;
  ocpp_error err;
  assert_int_equal(ocpp201_BootNotificationRequest_decode(v, &b, &err), 0);
  assert_int_equal(b.reason, ocpp201_BootNotificationRequest_reason_PowerUp);
  assert_string_equal(b.chargingStation.model, "AC22");
  assert_false(b.chargingStation.has_serialNumber);
  assert_true(b.chargingStation.has_modem);
  assert_true(b.chargingStation.modem.has_iccid);
  assert_string_equal(b.chargingStation.modem.iccid, "8933");
  assert_true(b.has_customData);
  assert_string_equal(b.customData.vendorId, "org.borne");
  json_t *back = ocpp201_BootNotificationRequest_encode(&b);
  assert_true(json_equal(v, back));
  json_decref(back);
  ocpp201_BootNotificationRequest_free(&b);
  json_decref(v);
  /* an enum value out of range does not encode */
  ocpp201_BootNotificationResponse r = {0};
  char now[] = "2026-01-01T00:00:00Z";
  r.currentTime = now; /* a date-time has no maxLength: an owned char * */
  r.interval = 300;
  r.status = ocpp201_BootNotificationResponse_status_Accepted;
  json_t *e = ocpp201_BootNotificationResponse_encode(&r);
  assert_non_null(e);
  assert_string_equal(json_string_value(json_object_get(e, "status")), "Accepted");
  assert_int_equal(ocpp201_validate("BootNotification", false, e, &err), 0);
  json_decref(e);
  r.status = (ocpp201_BootNotificationResponse_status_e)99;
  assert_null(ocpp201_BootNotificationResponse_encode(&r));
  assert_null(ocpp201_BootNotificationResponse_status_e_name(r.status));
  /* DataTransfer.data has no type: any JSON, kept as an owned json_t * */
  v = json_pack("{s:s, s:{s:[i,s]}}", "vendorId", "x", "data", "k", 1, "two");
  ocpp21_DataTransferRequest d;
  assert_int_equal(ocpp21_DataTransferRequest_decode(v, &d, &err), 0);
  assert_true(d.has_data);
  assert_true(json_equal(d.data, json_object_get(v, "data")));
  assert_true(d.data != json_object_get(v, "data")); /* a copy: v may go */
  json_decref(v);
  back = ocpp21_DataTransferRequest_encode(&d);
  assert_int_equal(
      json_integer_value(json_array_get(json_object_get(json_object_get(back, "data"), "k"), 0)),
      1);
  json_decref(back);
  ocpp21_DataTransferRequest_free(&d);
  assert_null(d.data);
  /* a failed decode leaves nothing allocated */
  v = json_pack("{s:s, s:i, s:s}", "vendorId", "x", "data", 1, "messageId", "");
  json_object_set_new(v, "extra", json_true());
  assert_int_equal(ocpp21_DataTransferRequest_decode(v, &d, &err), -1);
  assert_string_equal(err.code, "FormatViolation");
  assert_null(d.data);
  json_decref(v);
}

static void dialects_and_names(void **state) {
  (void)state;
  ocpp_error err = {.kind = OCPP_ERR_NONE};
  json_t *v = json_object();
  assert_int_equal(ocpp21_validate("Heartbeat", false, v, &err), -1);
  assert_int_equal(err.kind, OCPP_ERR_OCCURRENCE_CONSTRAINT);
  assert_string_equal(err.code, "OccurrenceConstraintViolation");
  ocpp201_HeartbeatResponse h;
  assert_int_equal(ocpp201_HeartbeatResponse_decode(v, &h, &err), -1);
  assert_string_equal(err.code, "OccurrenceConstraintViolation");
  json_decref(v);
  for (int k = 0; k < OCPP_ERR_KIND_COUNT; k++) {
    assert_non_null(ocpp21_dialect.codes[k]);
    assert_string_equal(ocpp21_dialect.codes[k], ocpp201_dialect.codes[k]);
  }
  assert_string_equal(ocpp21_dialect.subprotocol, "ocpp2.1");
  assert_string_equal(ocpp21_dialect.version, "2.1");
  ocpp201_action a;
  assert_int_equal(ocpp201_action_parse("TransactionEvent", &a), 0);
  assert_string_equal(ocpp201_action_name(a), "TransactionEvent");
  assert_false(ocpp201_action_known("StartTransaction")); /* a 1.6 action */
  assert_true(ocpp21_action_known("SetDefaultTariff"));   /* a 2.1 action */
  assert_false(ocpp201_action_known("SetDefaultTariff"));
  assert_null(ocpp21_schema("NotifyPeriodicEventStream", false));
  assert_non_null(ocpp21_schema("NotifyPeriodicEventStream", true));
}

/* The borne side of tests/unit/ocpp2_schema_agreement.mjs. */
static int validate_lines(void) {
  static char line[1 << 20];
  while (fgets(line, sizeof line, stdin)) {
    json_error_t jerr;
    json_t *q = json_loads(line, 0, &jerr);
    if (!q) {
      printf("bad-input %s\n", jerr.text);
      continue;
    }
    const char *ver = json_string_value(json_object_get(q, "v"));
    const char *action = json_string_value(json_object_get(q, "action"));
    bool request = json_is_true(json_object_get(q, "request"));
    ocpp_error err = {.kind = OCPP_ERR_NONE};
    int rc = (ver && !strcmp(ver, "2.1") ? ocpp21_validate
              : ver && !strcmp(ver, "1.6")
                  ? ocpp16_validate
                  : ocpp201_validate)(action, request, json_object_get(q, "payload"), &err);
    if (rc == 0)
      printf("ok\n");
    else
      printf("%s %s\n", err.code, err.text);
    fflush(stdout);
    json_decref(q);
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc > 1 && !strcmp(argv[1], "--validate")) return validate_lines();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(every_message_round_trips),
      cmocka_unit_test(each_error_kind_names_the_path),
      cmocka_unit_test(typed_structs_decode_and_encode),
      cmocka_unit_test(exi_response_keeps_the_oca_limit),
      cmocka_unit_test(dialects_and_names),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
