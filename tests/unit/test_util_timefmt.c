/*
 * ISO-8601 parsing and formatting (util/timefmt): known instants, offsets,
 * fractions, and the texts that must be refused (impossible dates, junk).
 */
/* cmocka.h needs these first */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#include "util/timefmt.h"

/* 2026-01-01T00:00:00Z, checked with `date -u -d 2026-01-01 +%s`. */
#define NEW_YEAR_2026_MS 1767225600000LL

static int64_t parsed(const char *text) {
  int64_t ms = -42;
  assert_int_equal(timefmt_parse(text, &ms), 0);
  return ms;
}

static void refused(const char *text) {
  int64_t ms = -42;
  assert_int_equal(timefmt_parse(text, &ms), -1);
  assert_int_equal(ms, -42); /* untouched */
}

static void dates_and_times_in_utc(void **state) {
  (void)state;
  assert_int_equal(parsed("2026-01-01"), NEW_YEAR_2026_MS);
  assert_int_equal(parsed("2026-01-01T00:00:00Z"), NEW_YEAR_2026_MS);
  assert_int_equal(parsed("2026-01-01T00:00Z"), NEW_YEAR_2026_MS);
  assert_int_equal(parsed("2026-01-01 00:00:00"), NEW_YEAR_2026_MS);
  assert_int_equal(parsed("2026-01-01t10:20:30z"),
                   NEW_YEAR_2026_MS + (10 * 3600 + 20 * 60 + 30) * 1000LL);
  assert_int_equal(parsed("1970-01-01T00:00:00Z"), 0);
  /* leap day of a leap year, last second of a year */
  assert_int_equal(parsed("2024-02-29T12:00:00Z"), 1709208000000LL);
  assert_int_equal(parsed("2025-12-31T23:59:59Z"), NEW_YEAR_2026_MS - 1000);
}

static void fractions_are_milliseconds(void **state) {
  (void)state;
  assert_int_equal(parsed("2026-01-01T00:00:00.5Z"), NEW_YEAR_2026_MS + 500);
  assert_int_equal(parsed("2026-01-01T00:00:00.123Z"), NEW_YEAR_2026_MS + 123);
  assert_int_equal(parsed("2026-01-01T00:00:00.123999Z"), NEW_YEAR_2026_MS + 123);
  assert_int_equal(parsed("2026-01-01T00:00:00,25Z"), NEW_YEAR_2026_MS + 250);
  refused("2026-01-01T00:00:00.Z");
}

static void offsets_move_to_utc(void **state) {
  (void)state;
  /* 01:00 in UTC+1 is midnight UTC; 23:30 the day before in UTC-00:30 too */
  assert_int_equal(parsed("2026-01-01T01:00:00+01:00"), NEW_YEAR_2026_MS);
  assert_int_equal(parsed("2026-01-01T01:00:00+0100"), NEW_YEAR_2026_MS);
  assert_int_equal(parsed("2025-12-31T23:30:00-00:30"), NEW_YEAR_2026_MS);
  refused("2026-01-01T00:00:00+1");
  refused("2026-01-01T00:00:00+24:00");
}

static void epoch_seconds(void **state) {
  (void)state;
  assert_int_equal(parsed("1767225600"), NEW_YEAR_2026_MS);
  assert_int_equal(parsed("0"), 0);
  assert_int_equal(parsed("20260101"), 20260101000LL); /* digits only: always epoch */
  refused("99999999999999999999");
  refused("-5");
}

static void impossible_or_malformed_texts_are_refused(void **state) {
  (void)state;
  const char *bad[] = {"",
                       "yesterday",
                       "2026-02-29",
                       "2025-13-01",
                       "2025-00-10",
                       "2025-04-31",
                       "2026-01-01T24:00:00Z",
                       "2026-01-01T10:60Z",
                       "2026-01-01T10:00:60Z",
                       "2026-01-01T10",
                       "2026-1-01",
                       "2026-01-01X",
                       "2026-01-01T10:00:00Zjunk",
                       "1969-12-31T23:59:59Z",
                       "1970-01-01T00:30:00+01:00"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) refused(bad[i]);
  int64_t ms;
  assert_int_equal(timefmt_parse(NULL, &ms), -1);
}

static void formatting_round_trips(void **state) {
  (void)state;
  char buf[40];
  timefmt_iso(NEW_YEAR_2026_MS + 123, buf, sizeof buf);
  assert_string_equal(buf, "2026-01-01T00:00:00.123Z");
  assert_int_equal(parsed(buf), NEW_YEAR_2026_MS + 123);
  timefmt_iso(1709208000000LL + 59 * 1000, buf, sizeof buf);
  assert_string_equal(buf, "2024-02-29T12:00:59.000Z");
  timefmt_short(NEW_YEAR_2026_MS - 1, buf, sizeof buf);
  assert_string_equal(buf, "2025-12-31 23:59:59");
  for (int64_t t = 0; t < 4102444800000LL; t += 86400000LL * 37 + 3723456) {
    timefmt_iso(t, buf, sizeof buf);
    assert_int_equal(parsed(buf), t);
  }
}

/* the text is written without snprintf in range; outside it (or in a short
 * buffer) it is still snprintf's */
static void iso_text_at_the_edges(void **state) {
  (void)state;
  char buf[40];
  timefmt_iso(-1, buf, sizeof buf);
  assert_string_equal(buf, "1969-12-31T23:59:59.999Z");
  timefmt_iso(253402300799999LL, buf, sizeof buf);
  assert_string_equal(buf, "9999-12-31T23:59:59.999Z");
  timefmt_iso(253402300800000LL, buf, sizeof buf);
  assert_string_equal(buf, "10000-01-01T00:00:00.000Z");
  char small[10];
  timefmt_iso(NEW_YEAR_2026_MS, small, sizeof small);
  assert_string_equal(small, "2026-01-0");
  char exact[25];
  timefmt_iso(NEW_YEAR_2026_MS + 7, exact, sizeof exact);
  assert_string_equal(exact, "2026-01-01T00:00:00.007Z");
}

static void durations_are_short(void **state) {
  (void)state;
  char buf[32];
  const struct {
    int64_t s;
    const char *text;
  } cases[] = {{0, "0s"},         {59, "59s"},     {60, "1m00s"},     {185, "3m05s"},
               {3600, "1h00m"},   {3720, "1h02m"}, {86399, "23h59m"}, {86400, "1d00h"},
               {187200, "2d04h"}, {-1, "-"}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    timefmt_duration(cases[i].s, buf, sizeof buf);
    assert_string_equal(buf, cases[i].text);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(dates_and_times_in_utc),
      cmocka_unit_test(fractions_are_milliseconds),
      cmocka_unit_test(offsets_move_to_utc),
      cmocka_unit_test(epoch_seconds),
      cmocka_unit_test(impossible_or_malformed_texts_are_refused),
      cmocka_unit_test(formatting_round_trips),
      cmocka_unit_test(iso_text_at_the_edges),
      cmocka_unit_test(durations_are_short),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
