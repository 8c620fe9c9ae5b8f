/*
 * The variable monitors of OCPP 2.0.1 block N (src/ocpp/v201/monitor.c),
 * on a virtual clock: the rules of N04 for a new monitor (ids, Duplicate,
 * Rejected, UnsupportedMonitorType), N06 for a clearing, when a
 * threshold, delta or periodic monitor trips (N07), the station's own
 * hard-wired and preconfigured monitors under SetMonitoringBase (N03) and
 * the NotifyEvent messages of one check (seqNo, tbc).
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
#include <stdlib.h>
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
  mon_monitor unnamed = power(MON_DELTA, 1, 2);
  unnamed.component[0] = '\0'; /* could not be saved */
  add(&s, unnamed, false, MON_REJECTED);
  assert_int_equal(s.count, 3);
  mon_set_free(&s);
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
  mon_set_free(&s);
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
  mon_set_free(&s);
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
  mon_set_free(&s);
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
  mon_set_free(&s);
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
  mon_set_free(&s);
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
  mon_set_free(&s);
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

/* The station's own monitors as monitoring.c lists them: a preconfigured
 * Delta on ChargingStation.Available, a hard-wired UpperThreshold on the
 * Power of EVSE 1 and 2. */
static int own(mon_monitor *out, double max_w) {
  out[0] = (mon_monitor){.id = MON_BUILTIN_ID,
                         .kind = MON_PRECONFIGURED,
                         .type = MON_DELTA,
                         .value = 1,
                         .severity = 5};
  strcpy(out[0].component, "ChargingStation");
  strcpy(out[0].variable, "Available");
  for (int e = 1; e <= 2; e++) {
    out[e] = power(MON_UPPER, max_w, 3);
    out[e].evse = e;
    out[e].id = MON_BUILTIN_ID + e;
    out[e].kind = MON_HARDWIRED;
  }
  return 3;
}

/* A new set with the station's own monitors (own(), 11 kW) installed, the
 * preconfigured ones too; their definitions in defs, their count returned */
static int with_own(mon_set *s, mon_monitor defs[MON_BUILTIN_MAX]) {
  mon_set_init(s);
  int n = own(defs, 11000);
  mon_set_install(s, defs, n, true, NULL, 0, T0);
  return n;
}

static void own_monitors_follow_the_base(void **state) {
  (void)state;
  mon_set s;
  mon_monitor defs[MON_BUILTIN_MAX];
  int n = with_own(&s, defs);
  assert_int_equal(s.count, 3);
  assert_int_equal(mon_set_find(&s, MON_BUILTIN_ID)->kind, MON_PRECONFIGURED);
  assert_int_equal(mon_set_find(&s, MON_BUILTIN_ID + 2)->kind, MON_HARDWIRED);
  int custom = add(&s, power(MON_UPPER, 7000, 4), false, MON_ACCEPTED);
  assert_true(custom > 0 && custom < MON_BUILTIN_ID);
  /* N04.FR.10 holds against them too */
  add(&s, power(MON_UPPER, 9000, 3), false, MON_DUPLICATE);
  /* N04.FR.18 / N06.FR.03: a hard-wired one is neither replaced nor cleared */
  mon_monitor r = power(MON_UPPER, 1, 2);
  r.id = MON_BUILTIN_ID + 1;
  add(&s, r, true, MON_REJECTED);
  assert_string_equal(mon_set_clear(&s, MON_BUILTIN_ID + 1), "Rejected");
  /* N04.FR.15: a replaced preconfigured monitor is a custom one, same id */
  mon_monitor p = defs[0];
  p.kind = MON_CUSTOM;
  p.severity = 6;
  int id = -1;
  const char *why;
  assert_int_equal(mon_set_add(&s, &p, true, false, "true", T0, &id, &why), MON_ACCEPTED);
  assert_int_equal(id, MON_BUILTIN_ID);
  assert_int_equal(mon_set_find(&s, id)->kind, MON_CUSTOM);
  /* All keeps the custom monitors, the replacement included */
  mon_set_base(&s, MON_BASE_ALL, defs, n, T0);
  assert_int_equal(s.count, 4);
  assert_int_equal(mon_set_find(&s, MON_BUILTIN_ID)->severity, 6);
  assert_non_null(mon_set_find(&s, custom));
  /* FactoryDefault: the custom ones go, the preconfigured one is back as shipped */
  mon_set_base(&s, MON_BASE_FACTORY_DEFAULT, defs, n, T0);
  assert_int_equal(s.count, 3);
  assert_null(mon_set_find(&s, custom));
  assert_int_equal(mon_set_find(&s, MON_BUILTIN_ID)->kind, MON_PRECONFIGURED);
  assert_int_equal(mon_set_find(&s, MON_BUILTIN_ID)->severity, 5);
  /* a preconfigured one may be cleared; HardWiredOnly leaves the hard-wired ones */
  assert_string_equal(mon_set_clear(&s, MON_BUILTIN_ID), "Accepted");
  add(&s, power(MON_LOWER, 10, 4), false, MON_ACCEPTED);
  mon_set_base(&s, MON_BASE_HARDWIRED_ONLY, defs, n, T0);
  assert_int_equal(s.count, 2);
  for (int i = 0; i < s.count; i++) assert_int_equal(s.m[i].kind, MON_HARDWIRED);
  mon_set_base(&s, MON_BASE_ALL, defs, n, T0);
  assert_int_equal(s.count, 3);
  mon_set_free(&s);
}

static void own_monitors_after_a_restart(void **state) {
  (void)state;
  mon_monitor defs[MON_BUILTIN_MAX];
  int n = own(defs, 11000);
  /* the saved custom monitors come first: one replaced the preconfigured one */
  mon_set s;
  mon_set_init(&s);
  mon_monitor *saved = mon_set_push(&s);
  *saved = defs[0];
  saved->kind = MON_CUSTOM;
  saved->severity = 7;
  mon_set_install(&s, defs, n, true, NULL, 0, T0);
  assert_int_equal(s.count, 3);
  assert_int_equal(mon_set_find(&s, MON_BUILTIN_ID)->severity, 7);
  /* a preconfigured one the CSMS cleared stays away; under HardWiredOnly all do */
  mon_set_free(&s);
  int off[] = {MON_BUILTIN_ID};
  mon_set_install(&s, defs, n, true, off, 1, T0);
  assert_null(mon_set_find(&s, MON_BUILTIN_ID));
  mon_set_free(&s);
  mon_set_install(&s, defs, n, false, NULL, 0, T0);
  assert_int_equal(s.count, 2);
  /* their room is theirs: MON_MAX custom monitors besides them */
  mon_set_install(&s, defs, n, true, NULL, 0, T0);
  for (int i = 0; i < MON_MAX; i++) {
    mon_monitor m = power(MON_DELTA, 1, i % 10);
    m.evse = 3 + i / 10;
    add(&s, m, false, MON_ACCEPTED);
  }
  mon_monitor m = power(MON_DELTA, 1, 0);
  m.evse = 99;
  add(&s, m, false, MON_REJECTED);
  assert_int_equal(s.count, MON_MAX + 3);
  mon_set_free(&s);
}

static void own_monitor_trips_and_follows_the_settings(void **state) {
  (void)state;
  mon_set s;
  mon_monitor defs[MON_BUILTIN_MAX];
  int n = with_own(&s, defs);
  mon_monitor *hw = mon_set_find(&s, MON_BUILTIN_ID + 1);
  mon_trip t;
  assert_false(mon_check(hw, "10000", true, T0, &t));
  /* the settings now allow less: the threshold follows */
  n = own(defs, 7000);
  mon_set_refresh(&s, defs, n);
  assert_true(hw->value == 7000);
  assert_true(mon_check(hw, "10000", true, T0, &t));
  assert_string_equal(t.trigger, "Alerting");
  assert_int_equal(hw->kind, MON_HARDWIRED);
  assert_string_equal(mon_kind_name(hw->kind), "HardWiredMonitor");
  assert_string_equal(mon_kind_name(MON_PRECONFIGURED), "PreconfiguredMonitor");
  /* a Delta takes the first value it sees */
  mon_monitor *pre = mon_set_find(&s, MON_BUILTIN_ID);
  assert_false(mon_check(pre, "true", false, T0, &t));
  assert_true(mon_check(pre, "false", false, T0, &t));
  /* a custom monitor that replaced one keeps its own value */
  mon_monitor p = *pre;
  p.value = 3;
  int id;
  const char *why;
  assert_int_equal(mon_set_add(&s, &p, true, false, "false", T0, &id, &why), MON_ACCEPTED);
  mon_set_refresh(&s, defs, n);
  assert_true(mon_set_find(&s, id)->value == 3);
  mon_base b;
  assert_true(mon_base_parse("HardWiredOnly", &b));
  assert_int_equal(b, MON_BASE_HARDWIRED_ONLY);
  assert_false(mon_base_parse("None", &b));
  assert_string_equal(mon_base_name(MON_BASE_FACTORY_DEFAULT), "FactoryDefault");
  mon_set_free(&s);
}

static json_t *event(int id, size_t info) {
  char text[600];
  memset(text, 'x', info);
  text[info] = '\0';
  return json_pack("{s:i, s:s}", "eventId", id, "techInfo", text);
}

static void events_split_into_messages(void **state) {
  (void)state;
  json_t *events = json_array();
  for (int i = 0; i < 5; i++) json_array_append_new(events, event(i, 200));
  /* all fit: one message, seqNo 0, no tbc */
  json_t *m = mon_event_messages(events, "2026-12-07T10:00:00.000Z", 65000);
  assert_int_equal(json_array_size(m), 1);
  json_t *one = json_array_get(m, 0);
  assert_int_equal(json_integer_value(json_object_get(one, "seqNo")), 0);
  assert_null(json_object_get(one, "tbc"));
  assert_int_equal(json_array_size(json_object_get(one, "eventData")), 5);
  json_decref(m);
  /* about two events a message: three messages in order, tbc on all but the last */
  m = mon_event_messages(events, "2026-12-07T10:00:00.000Z", 600);
  assert_int_equal(json_array_size(m), 3);
  int next = 0;
  for (size_t i = 0; i < 3; i++) {
    json_t *msg = json_array_get(m, i);
    assert_int_equal(json_integer_value(json_object_get(msg, "seqNo")), (json_int_t)i);
    assert_true(json_is_true(json_object_get(msg, "tbc")) == (i < 2));
    char *text = json_dumps(msg, JSON_COMPACT);
    assert_true(strlen(text) <= 600);
    free(text);
    size_t k;
    json_t *e;
    json_array_foreach(json_object_get(msg, "eventData"), k, e)
        assert_int_equal(json_integer_value(json_object_get(e, "eventId")), next++);
  }
  assert_int_equal(next, 5);
  json_decref(m);
  /* an event larger than the budget goes alone; none: no message */
  json_array_append_new(events, event(5, 500));
  m = mon_event_messages(events, "2026-12-07T10:00:00.000Z", 300);
  assert_int_equal(json_array_size(m), 6);
  json_decref(m);
  json_array_clear(events);
  m = mon_event_messages(events, "2026-12-07T10:00:00.000Z", 300);
  assert_int_equal(json_array_size(m), 0);
  json_decref(m);
  json_decref(events);
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
      cmocka_unit_test(own_monitors_follow_the_base),
      cmocka_unit_test(own_monitors_after_a_restart),
      cmocka_unit_test(own_monitor_trips_and_follows_the_settings),
      cmocka_unit_test(events_split_into_messages),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
