/*
 * The variable monitors of OCPP 2.0.1 block N (src/ocpp/v201/monitor.c),
 * on a virtual clock: the rules of N04 for a new monitor (ids, Duplicate,
 * Rejected, UnsupportedMonitorType), N06 for a clearing, and when a
 * threshold, delta or periodic monitor trips (N07).
 */
/* cmocka.h needs these first */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#include <limits.h>
#include <string.h>

#include "ocpp/v201/monitor.h"

#define T0 1796515200000LL /* a midnight UTC */

static mon_monitor power(mon_type t, double value, int severity) {
  mon_monitor m = {.type = t, .value = value, .severity = severity, .evse = 1};
  strcpy(m.component, "EVSE");
  strcpy(m.variable, "Power");
  return m;
}

static int add(mon_set *s, mon_monitor m, bool has_id, mon_status expect) {
  int id = -1;
  const char *why;
  assert_int_equal(mon_set_add(s, &m, has_id, true, "0", T0, &id, &why), expect);
  return id;
}

static void ids_are_given_and_duplicates_refused(void **state) {
  (void)state;
  mon_set s;
  mon_set_init(&s);
  int a = add(&s, power(MON_UPPER, 7000, 4), false, MON_ACCEPTED);
  int b = add(&s, power(MON_LOWER, 100, 4), false, MON_ACCEPTED);
  assert_int_not_equal(a, b);
  /* N04.FR.10: same type and severity on the same variable */
  add(&s, power(MON_UPPER, 9000, 4), false, MON_DUPLICATE);
  /* another EVSE is another variable */
  mon_monitor other = power(MON_UPPER, 9000, 4);
  other.evse = 2;
  add(&s, other, false, MON_ACCEPTED);
  /* N04.FR.12: replaced by id; FR.13 unknown id; FR.16 other variable */
  mon_monitor r = power(MON_UPPER, 8000, 4);
  r.id = a;
  assert_int_equal(add(&s, r, true, MON_ACCEPTED), a);
  assert_true(mon_set_find(&s, a)->value == 8000);
  r.id = 999;
  add(&s, r, true, MON_REJECTED);
  r.id = a;
  strcpy(r.variable, "AvailabilityState");
  add(&s, r, true, MON_REJECTED);
  /* N04.FR.14 and the severity range */
  add(&s, power(MON_DELTA, -1, 5), false, MON_REJECTED);
  add(&s, power(MON_DELTA, 1, 10), false, MON_REJECTED);
  add(&s, power(MON_PERIODIC, 0, 5), false, MON_REJECTED);
  assert_int_equal(s.count, 3);
}

static void thresholds_need_numbers(void **state) {
  (void)state;
  mon_set s;
  mon_set_init(&s);
  mon_monitor m = power(MON_UPPER, 1, 3);
  strcpy(m.variable, "AvailabilityState");
  int id;
  const char *why;
  assert_int_equal(mon_set_add(&s, &m, false, false, "Available", T0, &id, &why),
                   MON_UNSUPPORTED_TYPE);
  m.type = MON_DELTA;
  assert_int_equal(mon_set_add(&s, &m, false, false, "Available", T0, &id, &why), MON_ACCEPTED);
}

static void clear_and_hardwired(void **state) {
  (void)state;
  mon_set s;
  mon_set_init(&s);
  int a = add(&s, power(MON_UPPER, 7000, 4), false, MON_ACCEPTED);
  int b = add(&s, power(MON_LOWER, 7000, 4), false, MON_ACCEPTED);
  mon_set_find(&s, b)->kind = MON_HARDWIRED;
  mon_monitor r = power(MON_LOWER, 10, 4);
  r.id = b;
  add(&s, r, true, MON_REJECTED); /* N04.FR.18 */
  assert_string_equal(mon_set_clear(&s, b), "Rejected");
  assert_string_equal(mon_set_clear(&s, a), "Accepted");
  assert_string_equal(mon_set_clear(&s, a), "NotFound");
  add(&s, power(MON_UPPER, 1, 1), false, MON_ACCEPTED);
  mon_set_clear_custom(&s);
  assert_int_equal(s.count, 1);
  assert_int_equal(s.m[0].id, b);
}

static void upper_threshold_alerts_then_clears(void **state) {
  (void)state;
  mon_set s;
  mon_set_init(&s);
  mon_monitor *m = mon_set_find(&s, add(&s, power(MON_UPPER, 7000, 4), false, MON_ACCEPTED));
  mon_trip t;
  assert_false(mon_check(m, "3000", true, T0, &t));
  assert_false(mon_check(m, "7000", true, T0, &t)); /* at the threshold is not above */
  assert_true(mon_check(m, "7400.5", true, T0, &t));
  assert_string_equal(t.trigger, "Alerting");
  assert_false(t.cleared);
  m->trip_event_id = 42;
  assert_false(mon_check(m, "7600", true, T0, &t)); /* still above: told once */
  assert_true(mon_check(m, "0", true, T0, &t));
  assert_true(t.cleared);
  assert_int_equal(t.cause, 42);
  assert_false(mon_check(m, NULL, true, T0, &t));
}

static void lower_threshold(void **state) {
  (void)state;
  mon_set s;
  mon_set_init(&s);
  mon_monitor *m = mon_set_find(&s, add(&s, power(MON_LOWER, 100, 4), false, MON_ACCEPTED));
  mon_trip t;
  assert_true(mon_check(m, "50", true, T0, &t));
  assert_false(mon_check(m, "60", true, T0, &t));
  assert_true(mon_check(m, "150", true, T0, &t));
  assert_true(t.cleared);
}

static void delta_numeric_and_text(void **state) {
  (void)state;
  mon_set s;
  mon_set_init(&s);
  mon_monitor *m = mon_set_find(&s, add(&s, power(MON_DELTA, 1000, 6), false, MON_ACCEPTED));
  mon_trip t;
  assert_false(mon_check(m, "999", true, T0, &t));
  assert_true(mon_check(m, "1000", true, T0, &t));
  assert_string_equal(t.trigger, "Delta");
  assert_false(mon_check(m, "1500", true, T0, &t)); /* from the value told, 1000 */
  assert_true(mon_check(m, "0", true, T0, &t));

  mon_monitor a = power(MON_DELTA, 1, 7);
  strcpy(a.variable, "AvailabilityState");
  int id;
  const char *why;
  assert_int_equal(mon_set_add(&s, &a, false, false, "Available", T0, &id, &why), MON_ACCEPTED);
  m = mon_set_find(&s, id);
  assert_false(mon_check(m, "Available", false, T0, &t));
  assert_true(mon_check(m, "Unavailable", false, T0, &t));
  assert_false(mon_check(m, "Unavailable", false, T0, &t));
}

static void periodic_on_the_virtual_clock(void **state) {
  (void)state;
  mon_set s;
  mon_set_init(&s);
  mon_monitor *m = mon_set_find(&s, add(&s, power(MON_PERIODIC, 60, 8), false, MON_ACCEPTED));
  mon_trip t;
  assert_int_equal(mon_next_due(&s), T0 + 60000);
  assert_false(mon_check(m, "1", true, T0 + 59999, &t));
  assert_true(mon_check(m, "1", true, T0 + 60000, &t));
  assert_string_equal(t.trigger, "Periodic");
  /* an hour without a tick is one report, then every minute again */
  assert_true(mon_check(m, "1", true, T0 + 3600000 + 5, &t));
  assert_false(mon_check(m, "1", true, T0 + 3600000 + 6, &t));
  assert_int_equal(mon_next_due(&s), T0 + 3660005);

  mon_monitor c = power(MON_PERIODIC_ALIGNED, 900, 8);
  int id;
  const char *why;
  assert_int_equal(mon_set_add(&s, &c, false, true, "1", T0 + 1000, &id, &why), MON_ACCEPTED);
  assert_int_equal(mon_set_find(&s, id)->next_due, T0 + 900000);
  assert_true(mon_check(mon_set_find(&s, id), "1", true, T0 + 901000, &t));
  assert_int_equal(mon_set_find(&s, id)->next_due, T0 + 1800000);
}

static void saved_and_loaded(void **state) {
  (void)state;
  mon_monitor m = power(MON_DELTA, 2.5, 3), back;
  m.id = 17;
  m.transaction = true;
  json_t *j = mon_to_json(&m);
  assert_true(mon_from_json(j, &back));
  assert_int_equal(back.id, 17);
  assert_true(back.transaction);
  assert_true(back.value == 2.5);
  assert_string_equal(back.variable, "Power");
  json_object_set_new(j, "severity", json_integer(12));
  assert_false(mon_from_json(j, &back));
  json_decref(j);
  assert_false(mon_from_json(json_null(), &back));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(ids_are_given_and_duplicates_refused),
      cmocka_unit_test(thresholds_need_numbers),
      cmocka_unit_test(clear_and_hardwired),
      cmocka_unit_test(upper_threshold_alerts_then_clears),
      cmocka_unit_test(lower_threshold),
      cmocka_unit_test(delta_numeric_and_text),
      cmocka_unit_test(periodic_on_the_virtual_clock),
      cmocka_unit_test(saved_and_loaded),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
