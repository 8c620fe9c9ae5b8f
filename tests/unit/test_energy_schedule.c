/*
 * Charging windows and POSIX TZ rules, pure: offsets across the Europe/Paris
 * changes of March and October 2026 (and a southern-hemisphere zone), the
 * TZif footer, the window grammar with its errors, weekly spans across
 * midnight and across DST changes, date exceptions, the next change.
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
#include <string.h>

#include "energy/schedule.h"
#include "energy/tzrule.h"
#include "util/civil.h"
#include "util/timefmt.h"

#define PARIS "CET-1CEST,M3.5.0,M10.5.0/3"

static borne_ms at(const char *iso) {
  int64_t ms;
  if (timefmt_parse(iso, &ms) != 0) fail_msg("bad test time %s", iso);
  return ms;
}

static tz_rule tz(const char *text) {
  tz_rule r;
  char err[160];
  if (tz_rule_parse(text, &r, err, sizeof err) != 0) fail_msg("%s: %s", text, err);
  return r;
}

static void paris_offsets(void **state) {
  (void)state;
  tz_rule r = tz(PARIS);
  assert_string_equal(r.std_name, "CET");
  assert_string_equal(r.dst_name, "CEST");
  assert_int_equal(tz_offset_at(&r, at("2026-01-15T12:00:00Z")), 3600);
  assert_int_equal(tz_offset_at(&r, at("2026-07-15T12:00:00Z")), 7200);
  /* last Sunday of March 2026 is the 29th: 02:00 CET -> 03:00 CEST at 01:00 UTC */
  assert_int_equal(tz_offset_at(&r, at("2026-03-29T00:59:59Z")), 3600);
  assert_int_equal(tz_offset_at(&r, at("2026-03-29T01:00:00Z")), 7200);
  /* last Sunday of October 2026 is the 25th: 03:00 CEST -> 02:00 CET at 01:00 UTC */
  assert_int_equal(tz_offset_at(&r, at("2026-10-25T00:59:59Z")), 7200);
  assert_int_equal(tz_offset_at(&r, at("2026-10-25T01:00:00Z")), 3600);
  /* 2027: March 28, October 31 */
  assert_int_equal(tz_offset_at(&r, at("2027-03-28T01:00:00Z")), 7200);
  assert_int_equal(tz_offset_at(&r, at("2027-10-31T00:30:00Z")), 7200);
  assert_int_equal(tz_offset_at(&r, at("2027-10-31T01:00:00Z")), 3600);
}

static void other_zones(void **state) {
  (void)state;
  /* Australia/Sydney: DST from the first Sunday of October to the first of April */
  tz_rule syd = tz("AEST-10AEDT,M10.1.0,M4.1.0/3");
  assert_int_equal(tz_offset_at(&syd, at("2026-01-15T00:00:00Z")), 11 * 3600);
  assert_int_equal(tz_offset_at(&syd, at("2026-07-15T00:00:00Z")), 10 * 3600);
  tz_rule plus3 = tz("<+03>-3");
  assert_false(plus3.has_dst);
  assert_int_equal(tz_offset_at(&plus3, at("2026-07-15T00:00:00Z")), 3 * 3600);
  /* no rule after the DST name: the US rule (second Sunday of March, first of November) */
  tz_rule ny = tz("EST5EDT");
  assert_int_equal(tz_offset_at(&ny, at("2026-03-08T06:59:00Z")), -5 * 3600);
  assert_int_equal(tz_offset_at(&ny, at("2026-03-08T07:00:00Z")), -4 * 3600);
  tz_rule utc = tz("UTC0");
  assert_int_equal(tz_offset_at(&utc, at("2026-07-15T00:00:00Z")), 0);
  /* Jn and n day forms, negative and large transition times (RFC 8536) */
  tz_rule j = tz("XXX3YYY,J60/-1,300/26:30");
  assert_true(j.has_dst);
  assert_int_equal(j.start.kind, 'J');
  assert_int_equal(j.start.time, -3600);
  assert_int_equal(j.end.time, 26 * 3600 + 1800);
}

static void tz_errors(void **state) {
  (void)state;
  const char *bad[] = {"",
                       "CE",
                       "CET",
                       "CET-1CEST,M3.5.0",
                       "CET-1CEST,M13.5.0,M10.5.0",
                       "CET-1CEST,M3.6.0,M10.5.0",
                       "CET-1CEST,M3.5.7,M10.5.0",
                       "CET-25",
                       "CET-1CEST,M3.5.0,M10.5.0/200",
                       "CET-1 CEST",
                       "<+0>-1",
                       "CET-1CEST,J0,J10"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    tz_rule r;
    char err[160] = "";
    if (tz_rule_parse(bad[i], &r, err, sizeof err) == 0) fail_msg("accepted `%s`", bad[i]);
    assert_non_null(strstr(err, "TZ rule"));
  }
}

static void tzif_footer(void **state) {
  (void)state;
  unsigned char buf[128] = "TZif2";
  size_t n = 60;
  const char *tail = "\nCET-1CEST,M3.5.0,M10.5.0/3\n";
  memcpy(buf + n, tail, strlen(tail));
  n += strlen(tail);
  char out[64];
  assert_int_equal(tz_footer(buf, n, out, sizeof out), 0);
  assert_string_equal(out, PARIS);
  /* version 1 files have no footer; an empty footer means no rule */
  buf[4] = 0;
  assert_int_equal(tz_footer(buf, n, out, sizeof out), -1);
  buf[4] = '3';
  memcpy(buf + 60, "\n\n", 2);
  assert_int_equal(tz_footer(buf, 62, out, sizeof out), -1);
  assert_int_equal(tz_footer((const unsigned char *)"TZif", 4, out, sizeof out), -1);
}

static schedule sched(const char *text) {
  static schedule s;
  char err[200];
  if (schedule_parse(text, &s, err, sizeof err) != 0) fail_msg("%s: %s", text, err);
  return s;
}

static void grammar_errors(void **state) {
  (void)state;
  struct {
    const char *text, *msg;
  } bad[] = {
      {"Mon-Fry 22:00-06:00", "rule 1 (`Mon-Fry 22:00-06:00`): unknown day `Fry`"},
      {"Mon 25:00-06:00", "is not a time from 00:00 to 24:00"},
      {"Mon 22:00", "a span HH:MM-HH:MM expected"},
      {"Mon", "days (Mon-Fri, Sat,Sun) then spans"},
      {"Mon-Sun 10:00-10:00", "empty span"},
      {"Mon 24:00-06:00", "cannot start at 24:00"},
      {"Mon-Sun 22:00-06:00;; Sat 10:00-11:00", "rule 2 (``): empty rule"},
      {"2026-02-30 off", "2026-02-30 is not a date"},
      {"2026-12-24 22:00-06:00", "must end after it starts"},
      {"2026-12-24", "`off` or spans"},
      {"2026-12-25 off; 2026-12-25 10:00-11:00", "given twice"},
      {"Mon-Fri 08:00-12:00 x", "unexpected `x`"},
      {"Mon-Fri 08:00-12:00,", "a time HH:MM expected"},
      {"Lun 08:00-12:00", "unknown day `Lun`"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    schedule s;
    char err[200] = "";
    if (schedule_parse(bad[i].text, &s, err, sizeof err) == 0)
      fail_msg("accepted `%s`", bad[i].text);
    if (!strstr(err, bad[i].msg))
      fail_msg("`%s`: got `%s`, wanted `%s`", bad[i].text, err, bad[i].msg);
  }
  schedule s;
  assert_int_equal(schedule_parse(NULL, &s, NULL, 0), 0);
  assert_false(s.any);
  assert_int_equal(schedule_parse("  ", &s, NULL, 0), 0);
  assert_false(s.any);
  assert_int_equal(schedule_parse("mon-fri 08:00-12:00 ; SAT,sun 10:00-11:00;", &s, NULL, 0), 0);
  assert_int_equal(s.nweekly, 2);
}

static void weekly_rules_local(void **state) {
  (void)state;
  schedule s = sched("Mon-Fri 08:00-12:00,14:00-18:00; Fri-Mon 22:00-24:00");
  int64_t mon = civil_days_from_date(2026, 1, 5); /* a Monday */
  assert_true(schedule_open_local(&s, mon, 8 * 60));
  assert_true(schedule_open_local(&s, mon, 11 * 60 + 59));
  assert_false(schedule_open_local(&s, mon, 12 * 60));
  assert_false(schedule_open_local(&s, mon, 7 * 60 + 59));
  assert_true(schedule_open_local(&s, mon, 23 * 60));
  assert_false(schedule_open_local(&s, mon + 1, 23 * 60)); /* Tuesday */
  assert_true(schedule_open_local(&s, mon + 5, 23 * 60));  /* Saturday (Fri-Mon) */
  assert_false(schedule_open_local(&s, mon + 5, 9 * 60));  /* not Mon-Fri */
  schedule always = sched("");
  assert_true(schedule_open_local(&always, mon, 0));
}

/* The hotel window 22:00-06:00 in Paris: 8 hours, 7 on the night of the
 * spring change, 9 on the autumn one; the next change in UTC. */
static void night_window_across_dst(void **state) {
  (void)state;
  tz_rule r = tz(PARIS);
  schedule s = sched("Mon-Sun 22:00-06:00");
  borne_ms day = 86400000;
  /* an ordinary winter night: 21:00Z to 05:00Z */
  assert_false(schedule_open(&s, &r, at("2026-01-14T20:59:00Z")));
  assert_true(schedule_open(&s, &r, at("2026-01-14T21:00:00Z")));
  assert_int_equal(schedule_next_change(&s, &r, at("2026-01-14T12:00:00Z"), day),
                   at("2026-01-14T21:00:00Z"));
  assert_int_equal(schedule_next_change(&s, &r, at("2026-01-14T21:00:00Z"), day),
                   at("2026-01-15T05:00:00Z"));
  /* spring: opens 22:00 CET (21:00Z), closes 06:00 CEST (04:00Z): 7 hours */
  assert_int_equal(schedule_next_change(&s, &r, at("2026-03-28T12:00:00Z"), day),
                   at("2026-03-28T21:00:00Z"));
  assert_int_equal(schedule_next_change(&s, &r, at("2026-03-28T21:00:00Z"), day),
                   at("2026-03-29T04:00:00Z"));
  assert_true(schedule_open(&s, &r, at("2026-03-29T03:59:00Z")));
  /* summer: 20:00Z to 04:00Z */
  assert_int_equal(schedule_next_change(&s, &r, at("2026-03-29T12:00:00Z"), day),
                   at("2026-03-29T20:00:00Z"));
  /* autumn: opens 22:00 CEST (20:00Z), closes 06:00 CET (05:00Z): 9 hours */
  assert_int_equal(schedule_next_change(&s, &r, at("2026-10-24T12:00:00Z"), day),
                   at("2026-10-24T20:00:00Z"));
  assert_int_equal(schedule_next_change(&s, &r, at("2026-10-24T20:00:00Z"), day),
                   at("2026-10-25T05:00:00Z"));
  /* no change within a short horizon */
  assert_int_equal(schedule_next_change(&s, &r, at("2026-01-14T12:00:00Z"), 3600000), 0);
}

/* A window boundary inside the skipped hour takes effect at the jump; one
 * inside the repeated hour happens twice. */
static void boundaries_in_changed_hours(void **state) {
  (void)state;
  tz_rule r = tz(PARIS);
  schedule s = sched("Sun 02:30-05:00");
  /* 2026-03-29 02:30 local does not exist: open from 03:00 CEST (01:00Z) */
  assert_false(schedule_open(&s, &r, at("2026-03-29T00:59:00Z")));
  assert_true(schedule_open(&s, &r, at("2026-03-29T01:00:00Z")));
  /* 2026-10-25: 02:30 CEST (00:30Z) opens; 02:00 CET again at 01:00Z: closed
   * until 02:30 CET (01:30Z), then open until 05:00 CET (04:00Z) */
  assert_true(schedule_open(&s, &r, at("2026-10-25T00:30:00Z")));
  assert_false(schedule_open(&s, &r, at("2026-10-25T01:00:00Z")));
  assert_true(schedule_open(&s, &r, at("2026-10-25T01:30:00Z")));
  assert_int_equal(schedule_next_change(&s, &r, at("2026-10-25T01:30:00Z"), 86400000),
                   at("2026-10-25T04:00:00Z"));
}

static void date_exceptions(void **state) {
  (void)state;
  tz_rule r = tz(PARIS);
  schedule s = sched("Mon-Sun 22:00-06:00; 2026-12-25 off; 2026-12-24 00:00-24:00; "
                     "2026-12-31 10:00-12:00,23:00-24:00");
  /* Dec 24: open all day (local), also 10:00 */
  assert_true(schedule_open(&s, &r, at("2026-12-24T09:00:00Z")));
  /* Dec 25 off: even the night that started on the 24th stops at midnight */
  assert_false(schedule_open(&s, &r, at("2026-12-24T23:30:00Z")));
  assert_false(schedule_open(&s, &r, at("2026-12-25T21:30:00Z")));
  /* Dec 26: no spill from the 25th's replaced rule; its own evening opens */
  assert_false(schedule_open(&s, &r, at("2026-12-26T02:00:00Z")));
  assert_true(schedule_open(&s, &r, at("2026-12-26T21:30:00Z")));
  /* Dec 31: only 10-12 and 23-24 local */
  assert_true(schedule_open(&s, &r, at("2026-12-31T09:30:00Z")));
  assert_false(schedule_open(&s, &r, at("2026-12-31T21:30:00Z")));
  assert_true(schedule_open(&s, &r, at("2026-12-31T22:30:00Z")));
  /* next change from Dec 24 noon: midnight local (23:00Z) */
  assert_int_equal(schedule_next_change(&s, &r, at("2026-12-24T11:00:00Z"), 86400000),
                   at("2026-12-24T23:00:00Z"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(paris_offsets),
      cmocka_unit_test(other_zones),
      cmocka_unit_test(tz_errors),
      cmocka_unit_test(tzif_footer),
      cmocka_unit_test(grammar_errors),
      cmocka_unit_test(weekly_rules_local),
      cmocka_unit_test(night_window_across_dst),
      cmocka_unit_test(boundaries_in_changed_hours),
      cmocka_unit_test(date_exceptions),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
