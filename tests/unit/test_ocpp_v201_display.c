/*
 * Display messages, pure (src/ocpp/v201/display_msgs.c, OCPP 2.0.1 block O):
 * what SetDisplayMessage takes (formats, the display EVSE, start before
 * end; QRCODE only under 2.1), when a message is shown (its EVSE, its time
 * window, its state), GetDisplayMessages' selection, NotifyDisplayMessages
 * pages passing the generated 2.0.1 validator with tbc on all but the last,
 * the API's view.
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

#include "ocpp/v201/display_msgs.h"
#include "ocpp201_messages.h"
#include "util/timefmt.h"

#define T0 1796500000000LL /* 2026-12-05 */

static json_t *info(const char *text) {
  json_error_t e;
  json_t *j = json_loads(text, 0, &e);
  if (!j) fail_msg("%s: %s", text, e.text);
  return j;
}

static void test_refusal(void **state) {
  (void)state;
  json_t *ok = info("{\"id\":1,\"priority\":\"InFront\",\"message\":{\"format\":\"UTF8\","
                    "\"content\":\"hi\"}}");
  assert_null(v201_display_refusal(ok, 2, false));
  json_t *qr = info("{\"id\":2,\"priority\":\"InFront\",\"message\":{\"format\":\"QRCODE\","
                    "\"content\":\"https://pay.example/x\"}}");
  assert_string_equal(v201_display_refusal(qr, 2, false), "NotSupportedMessageFormat");
  assert_null(v201_display_refusal(qr, 2, true));
  json_t *evse = info("{\"id\":3,\"priority\":\"InFront\",\"display\":{\"name\":\"D\","
                      "\"evse\":{\"id\":3}},\"message\":{\"format\":\"ASCII\",\"content\":\"x\"}}");
  assert_string_equal(v201_display_refusal(evse, 2, false), "Rejected");
  assert_null(v201_display_refusal(evse, 3, false));
  assert_int_equal(v201_display_evse(evse), 3);
  json_t *window = info("{\"id\":4,\"priority\":\"InFront\",\"startDateTime\":"
                        "\"2026-12-05T10:00:00Z\",\"endDateTime\":\"2026-12-05T09:00:00Z\","
                        "\"message\":{\"format\":\"ASCII\",\"content\":\"x\"}}");
  assert_string_equal(v201_display_refusal(window, 2, false), "Rejected");
  json_t *junk = info("[1,2]");
  assert_string_equal(v201_display_refusal(junk, 2, false), "Rejected");
  json_decref(ok), json_decref(qr), json_decref(evse), json_decref(window), json_decref(junk);
}

static void test_shown(void **state) {
  (void)state;
  char start[40], end[40];
  timefmt_iso(T0, start, sizeof start);
  timefmt_iso(T0 + 60000, end, sizeof end);
  char text[512];
  snprintf(text, sizeof text,
           "{\"id\":1,\"priority\":\"NormalCycle\",\"state\":\"Charging\",\"startDateTime\":\"%s\","
           "\"endDateTime\":\"%s\",\"display\":{\"name\":\"D\",\"evse\":{\"id\":2}},"
           "\"message\":{\"format\":\"UTF8\",\"content\":\"x\"}}",
           start, end);
  json_t *m = info(text);
  assert_true(v201_display_shown(m, 2, "Charging", T0));
  assert_true(v201_display_shown(m, 2, "Charging", T0 + 59999));
  assert_false(v201_display_shown(m, 2, "Charging", T0 + 60000)); /* ended */
  assert_false(v201_display_shown(m, 2, "Charging", T0 - 1));     /* not yet */
  assert_false(v201_display_shown(m, 1, "Charging", T0));         /* another EVSE */
  assert_false(v201_display_shown(m, 2, "Idle", T0));             /* another state */
  assert_int_equal(v201_display_end(m), T0 + 60000);
  json_t *any = info("{\"id\":2,\"priority\":\"AlwaysFront\",\"message\":{\"format\":\"UTF8\","
                     "\"content\":\"y\"}}");
  assert_true(v201_display_shown(any, 1, "Faulted", T0));
  assert_int_equal(v201_display_end(any), V201_DISPLAY_NEVER);
  assert_int_equal(v201_display_rank(any), 0);
  assert_int_equal(v201_display_rank(m), 2);
  json_decref(m), json_decref(any);
}

static void test_selected(void **state) {
  (void)state;
  json_t *m = info("{\"id\":7,\"priority\":\"InFront\",\"state\":\"Idle\",\"message\":"
                   "{\"format\":\"UTF8\",\"content\":\"x\"}}");
  json_t *ids = info("[3,7]"), *other = info("[3]"), *none = json_array();
  assert_true(v201_display_selected(m, NULL, NULL, NULL));
  assert_true(v201_display_selected(m, none, NULL, NULL));
  assert_true(v201_display_selected(m, ids, "InFront", "Idle"));
  assert_false(v201_display_selected(m, other, NULL, NULL));
  assert_false(v201_display_selected(m, ids, "AlwaysFront", NULL));
  assert_false(v201_display_selected(m, ids, NULL, "Charging"));
  json_decref(m), json_decref(ids), json_decref(other), json_decref(none);
}

static void test_pages(void **state) {
  (void)state;
  json_t *infos = json_array();
  for (int i = 0; i < 2 * V201_DISPLAY_PER_PAGE + 1; i++)
    json_array_append_new(infos,
                          json_pack("{s:i, s:s, s:{s:s, s:s}}", "id", i, "priority", "NormalCycle",
                                    "message", "format", "UTF8", "content", "x"));
  json_t *pages = v201_display_pages(infos, 9);
  assert_int_equal(json_array_size(pages), 3);
  size_t i, count = 0;
  json_t *p;
  json_array_foreach(pages, i, p) {
    ocpp_error err = {.kind = OCPP_ERR_NONE};
    if (ocpp201_validate("NotifyDisplayMessages", true, p, &err) != 0)
      fail_msg("page %zu: %s %s", i, err.code, err.text);
    assert_int_equal(json_integer_value(json_object_get(p, "requestId")), 9);
    assert_int_equal(json_is_true(json_object_get(p, "tbc")), i + 1 < json_array_size(pages));
    count += json_array_size(json_object_get(p, "messageInfo"));
  }
  assert_int_equal(count, 2 * V201_DISPLAY_PER_PAGE + 1);
  json_decref(pages);
  json_decref(infos);
}

static void test_view(void **state) {
  (void)state;
  json_t *m = info("{\"id\":5,\"priority\":\"InFront\",\"transactionId\":\"t-1\",\"message\":"
                   "{\"format\":\"URI\",\"language\":\"fr\",\"content\":\"https://x\"},"
                   "\"display\":{\"name\":\"D\",\"evse\":{\"id\":1}}}");
  json_t *v = v201_display_view(m);
  assert_int_equal(json_integer_value(json_object_get(v, "id")), 5);
  assert_string_equal(json_string_value(json_object_get(v, "format")), "URI");
  assert_string_equal(json_string_value(json_object_get(v, "language")), "fr");
  assert_string_equal(json_string_value(json_object_get(v, "transaction_id")), "t-1");
  assert_int_equal(json_integer_value(json_object_get(v, "evse")), 1);
  assert_true(json_is_null(json_object_get(v, "end")));
  assert_string_equal(v201_display_transaction(m), "t-1");
  json_decref(v), json_decref(m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_refusal), cmocka_unit_test(test_shown), cmocka_unit_test(test_selected),
      cmocka_unit_test(test_pages),   cmocka_unit_test(test_view),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
