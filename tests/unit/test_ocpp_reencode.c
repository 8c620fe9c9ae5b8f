/*
 * Queued messages said in the other OCPP version (src/ocpp/ocpp_reencode.c):
 * every 1.6 transaction message has its 2.0.1 TransactionEvent and back,
 * each result valid under the target version's generated validator; what
 * has no equivalent is refused with a reason.
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
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ocpp/ocpp_reencode.h"
#include "ocpp16_messages.h"
#include "ocpp201_messages.h"

static json_t *load(const char *text) {
  json_error_t e;
  json_t *j = json_loads(text, 0, &e);
  if (!j) fail_msg("bad test JSON: %s", e.text);
  return j;
}

/* Re-encodes `text` and checks the result against the target's schema. */
static json_t *again(cp_event_kind kind, const char *text, ocpp_words to,
                     const ocpp_reencode_ctx *cx, const char *want_action) {
  json_t *in = load(text);
  const char *action = NULL;
  char why[200] = "";
  json_t *out = ocpp_reencode(kind, in, to, cx, &action, why, sizeof why);
  json_decref(in);
  if (!out) fail_msg("no equivalent: %s", why);
  assert_string_equal(action, want_action);
  ocpp_error err;
  int rc = to == OCPP_WORDS_V201 ? ocpp201_validate(action, true, out, &err)
                                 : ocpp16_validate(action, true, out, &err);
  if (rc != 0) {
    char *dump = json_dumps(out, JSON_COMPACT);
    fail_msg("%s not valid: %s: %s", action, err.text, dump);
  }
  return out;
}

static void refused(cp_event_kind kind, const char *text, ocpp_words to,
                    const ocpp_reencode_ctx *cx, const char *why_part) {
  json_t *in = load(text);
  const char *action = "x";
  char why[200] = "";
  json_t *out = ocpp_reencode(kind, in, to, cx, &action, why, sizeof why);
  json_decref(in);
  assert_null(out);
  assert_null(action);
  if (!strstr(why, why_part)) fail_msg("reason '%s' lacks '%s'", why, why_part);
}

static const char *START16 = "{\"connectorId\":2,\"idTag\":\"BADGE1\",\"meterStart\":1200,"
                             "\"timestamp\":\"2026-12-06T10:00:00.000Z\",\"reservationId\":7}";
static const char *METER16 =
    "{\"connectorId\":2,\"meterValue\":[{\"timestamp\":\"2026-12-06T10:05:00.000Z\","
    "\"sampledValue\":[{\"value\":\"1500\",\"context\":\"Sample.Periodic\",\"measurand\":"
    "\"Energy.Active.Import.Register\",\"unit\":\"Wh\"},{\"value\":\"31.5\",\"measurand\":"
    "\"Temperature\",\"unit\":\"Celsius\"},{\"value\":\"6.1\",\"measurand\":\"Current.Import\","
    "\"phase\":\"L1\",\"unit\":\"A\"}]}]}";
static const char *STOP16 = "{\"meterStop\":2400,\"timestamp\":\"2026-12-06T10:30:00.000Z\","
                            "\"transactionId\":1000,\"reason\":\"EVDisconnected\","
                            "\"idTag\":\"BADGE1\"}";

static void v16_transaction_becomes_transaction_events(void **state) {
  (void)state;
  ocpp_reencode_ctx cx = {.tx_id = "42-18f", .seq_no = 0, .connector = 2};
  json_t *s = again(CP_EVENT_STARTED, START16, OCPP_WORDS_V201, &cx, "TransactionEvent");
  assert_string_equal(json_string_value(json_object_get(s, "eventType")), "Started");
  assert_int_equal(json_integer_value(json_object_get(s, "seqNo")), 0);
  assert_int_equal(json_integer_value(json_object_get(json_object_get(s, "evse"), "id")), 2);
  assert_string_equal(
      json_string_value(json_object_get(json_object_get(s, "transactionInfo"), "transactionId")),
      "42-18f");
  assert_string_equal(json_string_value(json_object_get(json_object_get(s, "idToken"), "idToken")),
                      "BADGE1");
  assert_int_equal(json_integer_value(json_object_get(s, "reservationId")), 7);
  json_t *sv = json_array_get(
      json_object_get(json_array_get(json_object_get(s, "meterValue"), 0), "sampledValue"), 0);
  assert_true(json_number_value(json_object_get(sv, "value")) == 1200.0);
  json_decref(s);

  cx.seq_no = 1;
  json_t *u = again(CP_EVENT_UPDATED, METER16, OCPP_WORDS_V201, &cx, "TransactionEvent");
  assert_string_equal(json_string_value(json_object_get(u, "eventType")), "Updated");
  json_t *svs =
      json_object_get(json_array_get(json_object_get(u, "meterValue"), 0), "sampledValue");
  assert_int_equal(json_array_size(svs), 2); /* Temperature has no 2.0.1 measurand */
  assert_true(json_number_value(json_object_get(json_array_get(svs, 1), "value")) == 6.1);
  json_decref(u);

  cx.seq_no = 2;
  json_t *e = again(CP_EVENT_ENDED, STOP16, OCPP_WORDS_V201, &cx, "TransactionEvent");
  assert_string_equal(json_string_value(json_object_get(e, "eventType")), "Ended");
  assert_string_equal(json_string_value(json_object_get(e, "triggerReason")),
                      "EVCommunicationLost");
  assert_string_equal(
      json_string_value(json_object_get(json_object_get(e, "transactionInfo"), "stoppedReason")),
      "EVDisconnected");
  json_decref(e);
}

static void transaction_events_become_v16_messages(void **state) {
  (void)state;
  ocpp_reencode_ctx cx = {.tx_id = "42-18f", .seq_no = 0, .connector = 2};
  /* there and back: the 2.0.1 words of the 1.6 start, said in 1.6 again */
  json_t *s201 = again(CP_EVENT_STARTED, START16, OCPP_WORDS_V201, &cx, "TransactionEvent");
  char *text = json_dumps(s201, JSON_COMPACT);
  json_decref(s201);
  ocpp_reencode_ctx back = {.tx_id = "", .connector = 0};
  json_t *s = again(CP_EVENT_STARTED, text, OCPP_WORDS_V16, &back, "StartTransaction");
  free(text);
  json_t *want = load(START16);
  assert_true(json_equal(s, want));
  json_decref(want);
  json_decref(s);

  /* a 2.0.1 Updated of a transaction the 1.6 back end numbered 1000 */
  const char *upd =
      "{\"eventType\":\"Updated\",\"timestamp\":\"2026-12-06T10:05:00.000Z\",\"triggerReason\":"
      "\"MeterValuePeriodic\",\"seqNo\":1,\"transactionInfo\":{\"transactionId\":\"42-18f\"},"
      "\"meterValue\":[{\"timestamp\":\"2026-12-06T10:05:00.000Z\",\"sampledValue\":[{\"value\":"
      "1.5,\"measurand\":\"Energy.Active.Import.Register\",\"unitOfMeasure\":{\"unit\":\"kWh\"}},"
      "{\"value\":2300,\"measurand\":\"Power.Active.Import\",\"unitOfMeasure\":{\"unit\":\"W\"}}]}]"
      "}";
  ocpp_reencode_ctx numbered = {.tx_id = "1000", .connector = 2};
  json_t *m = again(CP_EVENT_UPDATED, upd, OCPP_WORDS_V16, &numbered, "MeterValues");
  assert_int_equal(json_integer_value(json_object_get(m, "transactionId")), 1000);
  assert_int_equal(json_integer_value(json_object_get(m, "connectorId")), 2);
  json_t *sv = json_array_get(
      json_object_get(json_array_get(json_object_get(m, "meterValue"), 0), "sampledValue"), 0);
  assert_string_equal(json_string_value(json_object_get(sv, "value")), "1.5");
  json_decref(m);

  const char *end =
      "{\"eventType\":\"Ended\",\"timestamp\":\"2026-12-06T10:30:00.000Z\",\"triggerReason\":"
      "\"ResetCommand\",\"seqNo\":2,\"transactionInfo\":{\"transactionId\":\"42-18f\","
      "\"stoppedReason\":\"ImmediateReset\"},\"meterValue\":[{\"timestamp\":"
      "\"2026-12-06T10:30:00.000Z\",\"sampledValue\":[{\"value\":2400,\"context\":"
      "\"Transaction.End\",\"measurand\":\"Energy.Active.Import.Register\"}]}]}";
  json_t *st = again(CP_EVENT_ENDED, end, OCPP_WORDS_V16, &numbered, "StopTransaction");
  assert_int_equal(json_integer_value(json_object_get(st, "meterStop")), 2400);
  assert_string_equal(json_string_value(json_object_get(st, "reason")), "HardReset");
  json_decref(st);

  /* without a 1.6 transactionId, only the start has an equivalent */
  refused(CP_EVENT_ENDED, end, OCPP_WORDS_V16, &back, "no transactionId");
  refused(CP_EVENT_UPDATED, upd, OCPP_WORDS_V16, &back, "no transactionId");
}

static void what_has_no_equivalent_is_refused(void **state) {
  (void)state;
  ocpp_reencode_ctx cx = {.tx_id = "t", .seq_no = 3, .connector = 1};
  /* signed data and a measurand 2.0.1 lacks: nothing left to say */
  refused(CP_EVENT_UPDATED,
          "{\"connectorId\":1,\"meterValue\":[{\"timestamp\":\"2026-12-06T10:05:00Z\","
          "\"sampledValue\":[{\"value\":\"OCMF|{}\",\"format\":\"SignedData\"},{\"value\":\"20\","
          "\"measurand\":\"Temperature\"}]}]}",
          OCPP_WORDS_V201, &cx, "none of whose samples");
  refused(CP_EVENT_STARTED, "{\"connectorId\":1}", OCPP_WORDS_V201, &cx, "StartTransaction");
  ocpp_reencode_ctx no_id = {.tx_id = "", .seq_no = 0};
  refused(CP_EVENT_STARTED, START16, OCPP_WORDS_V201, &no_id, "transactionId");
  refused(CP_EVENT_STARTED,
          "{\"eventType\":\"Started\",\"timestamp\":\"2026-12-06T10:00:00Z\",\"idToken\":"
          "{\"idToken\":\"A-TOKEN-LONGER-THAN-TWENTY\",\"type\":\"ISO14443\"}}",
          OCPP_WORDS_V16, &cx, "idTag");
  refused(CP_EVENT_STARTED, "[1]", OCPP_WORDS_V16, &cx, "object");
  refused((cp_event_kind)99, "{}", OCPP_WORDS_V16, &cx, "kind");
}

static void same_words_and_security_events_are_kept(void **state) {
  (void)state;
  ocpp_reencode_ctx cx = {.tx_id = "1000"};
  const char *sec = "{\"type\":\"StartupOfTheDevice\",\"timestamp\":\"2026-12-06T10:00:00Z\"}";
  json_t *a =
      again(CP_EVENT_SECURITY_CRITICAL, sec, OCPP_WORDS_V201, &cx, "SecurityEventNotification");
  json_t *b = again(CP_EVENT_SECURITY, sec, OCPP_WORDS_V16, &cx, "SecurityEventNotification");
  assert_true(json_equal(a, b));
  json_decref(a);
  json_decref(b);
  json_t *s = again(CP_EVENT_STARTED, START16, OCPP_WORDS_V16, &cx, "StartTransaction");
  json_t *want = load(START16);
  assert_true(json_equal(s, want));
  json_decref(want);
  json_decref(s);
  json_t *p = load(START16);
  assert_int_equal(ocpp_reencode_words_of(CP_EVENT_STARTED, p), OCPP_WORDS_V16);
  json_decref(p);
}

/* A queued 2.0.1 message that is no transaction event (FirmwareStatusNotification,
 * LogStatusNotification, NotifyEvent): its inner payload and action in 2.0.1,
 * nothing in 1.6 (its namesake there says other things). */
static void other_messages_are_2_0_1_only(void **state) {
  (void)state;
  ocpp_reencode_ctx cx = {.tx_id = ""};
  const char *m = "{\"action\":\"FirmwareStatusNotification\",\"payload\":{\"status\":"
                  "\"Downloading\",\"requestId\":7}}";
  json_t *p = load(m);
  assert_int_equal(ocpp_reencode_words_of(CP_EVENT_MESSAGE, p), OCPP_WORDS_V201);
  json_decref(p);
  json_t *inner = again(CP_EVENT_MESSAGE, m, OCPP_WORDS_V201, &cx, "FirmwareStatusNotification");
  json_t *want = load("{\"status\":\"Downloading\",\"requestId\":7}");
  assert_true(json_equal(inner, want));
  json_decref(want);
  json_decref(inner);
  refused(CP_EVENT_MESSAGE, m, OCPP_WORDS_V16, &cx, "FirmwareStatusNotification has no 1.6");
  refused(CP_EVENT_MESSAGE, "{\"payload\":{}}", OCPP_WORDS_V201, &cx, "no 1.6 equivalent");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(v16_transaction_becomes_transaction_events),
      cmocka_unit_test(transaction_events_become_v16_messages),
      cmocka_unit_test(what_has_no_equivalent_is_refused),
      cmocka_unit_test(same_words_and_security_events_are_kept),
      cmocka_unit_test(other_messages_are_2_0_1_only),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
