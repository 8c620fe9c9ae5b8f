/*
 * A fault in OCPP 2.0.1 words (src/ocpp/v201/problem.c): for every error
 * code of borne's table, the NotifyEvent of the fault and of its return to
 * normal passes the generated 2.0.1 validator and says the Problem variable
 * of the EVSE's Connector (its ConnectorPlugRetentionLock for a lock, G05)
 * with trigger Delta, actualValue "true" / "false", the code in techCode and
 * the clearing's cause.
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
#include <string.h>

#include "ocpp/v201/problem.h"
#include "ocpp201_messages.h"
#include "core/errors.h"

#define T0 1796500000000LL

static json_t *valid_event(const v201_problem *p) {
  json_t *req = v201_problem_event(p, T0);
  assert_non_null(req);
  ocpp_error err = {.kind = OCPP_ERR_NONE};
  if (ocpp201_validate("NotifyEvent", true, req, &err) != 0) {
    char *text = json_dumps(req, JSON_COMPACT);
    fail_msg("%s: %s %s", text, err.code, err.text);
  }
  return req;
}

static const char *str(const json_t *o, const char *path1, const char *path2) {
  const json_t *v = json_object_get(o, path1);
  if (path2) v = json_object_get(v, path2);
  return json_string_value(v);
}

static void every_fault_and_its_clearing_validate(void **state) {
  (void)state;
  int count;
  const error_info *table = error_table(&count);
  for (int i = 0; i < count; i++) {
    v201_problem p = {.evse = 2, .code = table[i].code, .event_id = 100 + i};
    json_t *req = valid_event(&p);
    json_t *d = json_array_get(json_object_get(req, "eventData"), 0);
    assert_int_equal(json_integer_value(json_object_get(req, "seqNo")), 0);
    assert_string_equal(str(d, "trigger", NULL), "Delta");
    assert_string_equal(str(d, "actualValue", NULL), "true");
    assert_string_equal(str(d, "eventNotificationType", NULL), "HardWiredNotification");
    assert_string_equal(str(d, "variable", "name"), "Problem");
    assert_string_equal(str(d, "techCode", NULL), table[i].vendor_code);
    assert_string_equal(str(d, "techInfo", NULL), table[i].owner_text);
    assert_int_equal(json_integer_value(json_object_get(d, "eventId")), 100 + i);
    const json_t *evse = json_object_get(json_object_get(d, "component"), "evse");
    assert_int_equal(json_integer_value(json_object_get(evse, "id")), 2);
    assert_int_equal(json_integer_value(json_object_get(evse, "connectorId")), 1);
    assert_null(json_object_get(d, "cleared"));
    assert_null(json_object_get(d, "transactionId"));
    json_decref(req);

    v201_problem back = {.evse = 2,
                         .code = table[i].code,
                         .cleared = true,
                         .event_id = 200 + i,
                         .cause = 100 + i,
                         .tx_id = "7-19abc"};
    req = valid_event(&back);
    d = json_array_get(json_object_get(req, "eventData"), 0);
    assert_string_equal(str(d, "actualValue", NULL), "false");
    assert_true(json_is_true(json_object_get(d, "cleared")));
    assert_int_equal(json_integer_value(json_object_get(d, "cause")), 100 + i);
    assert_string_equal(str(d, "transactionId", NULL), "7-19abc");
    json_decref(req);
  }
}

static void a_lock_is_the_plug_retention_lock(void **state) {
  (void)state;
  assert_string_equal(v201_problem_component(ERR_LOCK_FAILURE), "ConnectorPlugRetentionLock");
  assert_string_equal(v201_problem_component(ERR_UNLOCK_FAILURE), "ConnectorPlugRetentionLock");
  assert_string_equal(v201_problem_component(ERR_RCD_TRIP), "Connector");
  /* Faulted without a code: the generic entry */
  v201_problem p = {.evse = 1, .code = ERR_NONE, .event_id = 1};
  json_t *req = valid_event(&p);
  json_t *d = json_array_get(json_object_get(req, "eventData"), 0);
  assert_string_equal(str(d, "component", "name"), "Connector");
  assert_string_equal(str(d, "techCode", NULL), "borne.Unknown");
  json_decref(req);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(every_fault_and_its_clearing_validate),
      cmocka_unit_test(a_lock_is_the_plug_retention_lock),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
