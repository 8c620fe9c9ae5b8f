/*
 * The charging-profile model (src/chargepoint/profiles.h) in its own types,
 * on a virtual clock, without any OCPP message: which profile wins (purpose,
 * stack level, connector, validity, periods), what replaces what, the
 * installation limits, Absolute / Recurring / Relative schedules, watts
 * converted to amps, TxProfiles bound to and removed with their transaction
 * (ids as strings, so also 2.0.1's), clearing by criteria, the composite
 * schedule as a struct, the next change instant, and profiles surviving a
 * restart through a real SQLite file (rows written by the 1.6 code too).
 * test_ocpp_smart checks the same rules through the 1.6 codec.
 */
/* cmocka.h needs these first */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "chargepoint/profiles.h"
#include "test_tmpdir.h"

/* Monday 2026-01-05T00:00:00Z. */
#define T0 (1767571200LL * 1000)
#define S(x) ((borne_ms)(x)*1000)
#define H(x) S((x)*3600)

#define MAXP CP_PURPOSE_CHARGE_POINT_MAX
#define DEF CP_PURPOSE_TX_DEFAULT
#define TX CP_PURPOSE_TX
#define OK CP_PROFILE_ACCEPTED
#define NO CP_PROFILE_REJECTED

static const cp_profile_limits LIM = {
    .max_stack_level = 8, .max_periods = 24, .max_profiles = 16, .allow_watts = true};

/* A profile with room for its periods. */
typedef struct {
  cp_charging_profile p;
  cp_schedule_period per[32];
  size_t n;
} prof;

static void period(prof *x, int64_t start_s, double limit, int phases) {
  x->per[x->n++] = (cp_schedule_period){.start_s = start_s, .limit = limit, .phases = phases};
}

static prof make(int64_t id, int64_t stack, cp_profile_purpose purpose, cp_profile_kind kind) {
  prof x;
  memset(&x, 0, sizeof x);
  x.p.id = id;
  x.p.stack_level = stack;
  x.p.purpose = purpose;
  x.p.kind = kind;
  x.p.schedule.unit = CP_UNIT_AMPS;
  return x;
}

/* A one-period Absolute profile starting at T0. */
static prof simple(int64_t id, int64_t stack, cp_profile_purpose purpose, double amps) {
  prof x = make(id, stack, purpose, CP_KIND_ABSOLUTE);
  x.p.schedule.has_start = true;
  x.p.schedule.start = T0;
  period(&x, 0, amps, 0);
  return x;
}

static const cp_charging_profile *ready(prof *x) {
  x->p.schedule.periods = x->per;
  x->p.schedule.nperiods = x->n;
  return &x->p;
}

static cp_profile_result set(cp_profiles *s, int connector, prof x, const char *tx, borne_ms now) {
  return cp_profiles_set(s, connector, ready(&x), tx, now);
}

static cp_profiles *open_mem(int connectors) {
  char err[200];
  cp_profiles *s = cp_profiles_open(NULL, connectors, &LIM, err, sizeof err);
  assert_non_null(s);
  return s;
}

static double lim(cp_profiles *s, int c, borne_ms now, const char *tx, borne_ms tx_start) {
  return cp_profiles_limit_a(s, c, now, tx, tx_start, 3, 230);
}

/* ---- purposes and transactions ---- */

static void no_profile_means_no_limit(void **state) {
  (void)state;
  cp_profiles *s = open_mem(2);
  assert_true(lim(s, 1, T0, NULL, 0) < 0);
  assert_int_equal(cp_profiles_next_change(s, T0), INT64_MAX);
  cp_profiles_free(s);
}

static void purposes_are_checked_against_connectors(void **state) {
  (void)state;
  cp_profiles *s = open_mem(2);
  assert_int_equal(set(s, 1, simple(1, 0, MAXP, 10), NULL, T0), NO);
  assert_int_equal(set(s, 0, simple(2, 0, TX, 10), "7", T0), NO);
  assert_int_equal(set(s, 3, simple(3, 0, DEF, 10), NULL, T0), NO);
  assert_int_equal(set(s, -1, simple(3, 0, DEF, 10), NULL, T0), NO);
  assert_int_equal(cp_profiles_count(s), 0);
  assert_int_equal(set(s, 0, simple(1, 0, MAXP, 10), NULL, T0), OK);
  assert_int_equal(set(s, 0, simple(2, 0, DEF, 10), NULL, T0), OK);
  assert_int_equal(set(s, 2, simple(3, 0, DEF, 10), NULL, T0), OK);
  assert_int_equal(cp_profiles_count(s), 3);
  prof x = simple(1, 0, MAXP, 10);
  assert_int_equal(cp_profiles_set(NULL, 0, ready(&x), NULL, T0), CP_PROFILE_NOT_SUPPORTED);
  assert_int_equal(cp_profiles_set_for_next_transaction(NULL, 1, ready(&x), T0),
                   CP_PROFILE_NOT_SUPPORTED);
  cp_profiles_free(s);
}

static void tx_profile_needs_its_transaction(void **state) {
  (void)state;
  cp_profiles *s = open_mem(2);
  /* No transaction on the connector: discarded. */
  assert_int_equal(set(s, 1, simple(1, 0, TX, 10), NULL, T0), NO);
  assert_int_equal(set(s, 1, simple(1, 0, TX, 10), "", T0), NO);
  /* Another transaction than the one running. */
  prof x = make(1, 0, TX, CP_KIND_RELATIVE);
  period(&x, 0, 8, 0);
  snprintf(x.p.transaction_id, sizeof x.p.transaction_id, "41");
  assert_int_equal(set(s, 1, x, "42", T0), NO);
  /* A transaction id is for TxProfile only. */
  prof d = x;
  d.p.purpose = DEF;
  assert_int_equal(set(s, 1, d, "41", T0), NO);
  /* A 2.0.1-style string id. */
  snprintf(x.p.transaction_id, sizeof x.p.transaction_id, "A-7f3e");
  assert_int_equal(set(s, 1, x, "A-7f3e", T0), OK);
  assert_true(lim(s, 1, T0 + S(5), "A-7f3e", T0) == 8.0);
  /* Not for another transaction, nor with none, nor on the other connector. */
  assert_true(lim(s, 1, T0 + S(5), "A-7f3f", T0) < 0);
  assert_true(lim(s, 1, T0 + S(5), NULL, 0) < 0);
  assert_true(lim(s, 2, T0 + S(5), "A-7f3e", T0) < 0);
  /* An id longer than any back end's (36) is refused, never cut. */
  const char *long_id = "0123456789012345678901234567890123456"; /* 37 */
  assert_int_equal(set(s, 2, simple(9, 0, TX, 5), long_id, T0), NO);
  snprintf(x.p.transaction_id, sizeof x.p.transaction_id, "%.36s", long_id);
  assert_int_equal(set(s, 1, x, long_id, T0), NO);
  assert_true(lim(s, 1, T0 + S(5), long_id, T0) < 0);
  /* Without a transaction id: bound to the running one. */
  assert_int_equal(set(s, 2, simple(2, 0, TX, 12), "50", T0), OK);
  assert_true(lim(s, 2, T0, "50", T0) == 12.0);
  assert_true(lim(s, 2, T0, "51", T0) < 0);
  cp_profiles_free(s);
}

static void tx_profile_ends_with_its_transaction(void **state) {
  (void)state;
  cp_profiles *s = open_mem(2);
  assert_int_equal(set(s, 1, simple(1, 0, TX, 10), "7", T0), OK);
  assert_int_equal(set(s, 2, simple(2, 0, TX, 11), "8", T0), OK);
  assert_int_equal(set(s, 1, simple(3, 0, DEF, 16), NULL, T0), OK);
  assert_true(lim(s, 1, T0, "7", T0) == 10.0);
  cp_profiles_transaction_ended(s, 1);
  assert_int_equal(cp_profiles_count(s), 2);
  assert_true(lim(s, 1, T0, "9", T0) == 16.0);
  assert_true(lim(s, 2, T0, "8", T0) == 11.0);
  cp_profiles_free(s);
}

static void next_transaction_profile_binds_when_it_starts(void **state) {
  (void)state;
  cp_profiles *s = open_mem(2);
  prof def = simple(1, 0, DEF, 10);
  assert_int_equal(cp_profiles_set_for_next_transaction(s, 1, ready(&def), T0), NO);
  prof x = make(1, 0, TX, CP_KIND_RELATIVE);
  period(&x, 0, 8, 0);
  period(&x, 600, 13, 0);
  prof named = x;
  snprintf(named.p.transaction_id, sizeof named.p.transaction_id, "3");
  assert_int_equal(cp_profiles_set_for_next_transaction(s, 1, ready(&named), T0), NO);
  assert_int_equal(cp_profiles_set_for_next_transaction(s, 1, ready(&x), T0), OK);
  assert_true(lim(s, 1, T0, NULL, 0) < 0);
  cp_profiles_bind_transaction(s, 1, "77");
  assert_true(lim(s, 1, T0 + S(60), "77", T0 + S(30)) == 8.0);
  assert_true(lim(s, 1, T0 + S(629), "77", T0 + S(30)) == 8.0);
  assert_true(lim(s, 1, T0 + S(630), "77", T0 + S(30)) == 13.0);
  assert_true(lim(s, 1, T0 + S(630), "78", T0 + S(30)) < 0);
  /* An id too long to be one binds nothing: the profile waits for the next. */
  assert_int_equal(cp_profiles_set_for_next_transaction(s, 2, ready(&x), T0), OK);
  cp_profiles_bind_transaction(s, 2, "0123456789012345678901234567890123456789");
  cp_profiles_bind_transaction(s, 2, "");
  cp_profiles_bind_transaction(s, 2, "tx-b");
  assert_true(lim(s, 2, T0 + S(60), "tx-b", T0) == 8.0);
  assert_true(lim(s, 2, T0 + S(60), "tx-c", T0) < 0);
  cp_profiles_free(s);
}

/* ---- stack levels and replacement ---- */

static void highest_stack_level_wins_and_falls_back(void **state) {
  (void)state;
  cp_profiles *s = open_mem(1);
  assert_int_equal(set(s, 0, simple(1, 1, DEF, 20), NULL, T0), OK);
  prof v = simple(2, 3, DEF, 6); /* 10:00 to 12:00 only */
  v.p.has_valid_from = v.p.has_valid_to = true;
  v.p.valid_from = T0 + H(10);
  v.p.valid_to = T0 + H(12);
  assert_int_equal(set(s, 0, v, NULL, T0), OK);
  prof d = simple(3, 5, DEF, 25); /* half an hour from 11:00 */
  d.p.schedule.start = T0 + H(11);
  d.p.schedule.has_duration = true;
  d.p.schedule.duration_s = 1800;
  assert_int_equal(set(s, 0, d, NULL, T0), OK);
  assert_true(lim(s, 1, T0 + H(9), NULL, 0) == 20.0);
  assert_true(lim(s, 1, T0 + H(10), NULL, 0) == 6.0);
  assert_true(lim(s, 1, T0 + H(11), NULL, 0) == 25.0); /* higher level wins, even upwards */
  assert_true(lim(s, 1, T0 + H(11) + S(1800) - 1, NULL, 0) == 25.0);
  assert_true(lim(s, 1, T0 + H(11) + S(1800), NULL, 0) == 6.0);
  assert_true(lim(s, 1, T0 + H(12) - 1, NULL, 0) == 6.0);
  assert_true(lim(s, 1, T0 + H(12), NULL, 0) == 20.0);
  cp_profiles_free(s);
}

static void connector_default_overrides_station_default(void **state) {
  (void)state;
  cp_profiles *s = open_mem(2);
  assert_int_equal(set(s, 0, simple(1, 2, DEF, 20), NULL, T0), OK);
  assert_int_equal(set(s, 1, simple(2, 2, DEF, 14), NULL, T0), OK);
  assert_true(lim(s, 1, T0, NULL, 0) == 14.0);
  assert_true(lim(s, 2, T0, NULL, 0) == 20.0);
  assert_int_equal(set(s, 0, simple(3, 3, DEF, 18), NULL, T0), OK);
  assert_true(lim(s, 1, T0, NULL, 0) == 18.0);
  cp_profiles_free(s);
}

static void limit_is_min_of_station_max_and_tx(void **state) {
  (void)state;
  cp_profiles *s = open_mem(2);
  assert_int_equal(set(s, 0, simple(1, 0, MAXP, 16), NULL, T0), OK);
  assert_int_equal(set(s, 0, simple(2, 0, DEF, 10), NULL, T0), OK);
  assert_true(lim(s, 1, T0, NULL, 0) == 10.0);
  assert_int_equal(set(s, 1, simple(3, 0, TX, 13), "5", T0), OK);
  assert_true(lim(s, 1, T0, "5", T0) == 13.0);
  assert_int_equal(set(s, 1, simple(3, 0, TX, 32), "5", T0), OK);
  assert_true(lim(s, 1, T0, "5", T0) == 16.0);
  assert_true(lim(s, 0, T0, NULL, 0) == 16.0);
  cp_profiles_free(s);
}

static void same_id_or_same_stack_and_purpose_replaces(void **state) {
  (void)state;
  cp_profiles *s = open_mem(2);
  assert_int_equal(set(s, 0, simple(1, 1, DEF, 10), NULL, T0), OK);
  assert_int_equal(set(s, 0, simple(2, 1, DEF, 12), NULL, T0), OK);
  assert_int_equal(cp_profiles_count(s), 1);
  assert_true(lim(s, 1, T0, NULL, 0) == 12.0);
  assert_int_equal(set(s, 0, simple(2, 4, MAXP, 9), NULL, T0), OK);
  assert_int_equal(cp_profiles_count(s), 1);
  assert_true(lim(s, 1, T0, NULL, 0) == 9.0);
  assert_int_equal(set(s, 1, simple(3, 1, DEF, 7), NULL, T0), OK);
  assert_int_equal(set(s, 2, simple(4, 1, DEF, 8), NULL, T0), OK);
  assert_int_equal(cp_profiles_count(s), 3);
  assert_int_equal(set(s, 1, simple(4, 1, DEF, 6), NULL, T0), OK);
  assert_int_equal(cp_profiles_count(s), 2);
  assert_true(lim(s, 1, T0, NULL, 0) == 6.0);
  assert_true(lim(s, 2, T0, NULL, 0) == 9.0);
  cp_profiles_free(s);
}

/* ---- installation limits and malformed profiles ---- */

static void installation_limits_are_enforced(void **state) {
  (void)state;
  cp_profile_limits l = {
      .max_stack_level = 2, .max_periods = 2, .max_profiles = 2, .allow_watts = false};
  char err[100];
  cp_profiles *s = cp_profiles_open(NULL, 2, &l, err, sizeof err);
  assert_non_null(s);
  assert_int_equal(set(s, 0, simple(1, 3, DEF, 10), NULL, T0), NO);
  assert_int_equal(set(s, 0, simple(1, 2, DEF, 10), NULL, T0), OK);
  prof three = make(2, 0, DEF, CP_KIND_RELATIVE);
  period(&three, 0, 8, 0);
  period(&three, 60, 9, 0);
  period(&three, 120, 10, 0);
  assert_int_equal(set(s, 0, three, NULL, T0), NO);
  prof watts = make(2, 0, DEF, CP_KIND_RELATIVE);
  watts.p.schedule.unit = CP_UNIT_WATTS;
  period(&watts, 0, 8000, 0);
  assert_int_equal(set(s, 0, watts, NULL, T0), NO);
  assert_int_equal(set(s, 1, simple(2, 0, DEF, 10), NULL, T0), OK);
  assert_int_equal(set(s, 2, simple(3, 0, DEF, 10), NULL, T0), NO); /* full */
  assert_int_equal(set(s, 1, simple(2, 0, DEF, 11), NULL, T0), OK); /* a replacement is not */
  assert_int_equal(cp_profiles_count(s), 2);
  l.allow_watts = true;
  l.max_profiles = 3;
  cp_profiles_set_limits(s, &l);
  assert_int_equal(set(s, 0, watts, NULL, T0), OK);
  cp_profiles_free(s);
}

static void malformed_profiles_are_rejected(void **state) {
  (void)state;
  cp_profiles *s = open_mem(1);
  prof bad[16];
  int n = 0;
  prof base = make(1, 0, DEF, CP_KIND_RELATIVE);
  bad[n] = base; /* first period not at 0 */
  period(&bad[n++], 5, 8, 0);
  bad[n] = base; /* periods out of order */
  period(&bad[n], 0, 8, 0);
  period(&bad[n], 60, 8, 0);
  period(&bad[n++], 60, 9, 0);
  bad[n++] = base; /* no period */
  bad[n] = base;   /* negative limit */
  period(&bad[n++], 0, -1, 0);
  bad[n] = base; /* not a number */
  period(&bad[n++], 0, NAN, 0);
  bad[n] = base; /* four phases */
  period(&bad[n++], 0, 8, 4);
  bad[n] = make(1, 0, DEF, CP_KIND_RECURRING); /* Recurring without recurrency */
  bad[n].p.schedule.has_start = true;
  bad[n].p.schedule.start = T0;
  period(&bad[n++], 0, 8, 0);
  bad[n] = make(1, 0, DEF, CP_KIND_RECURRING); /* Recurring without start */
  bad[n].p.recurrency = CP_RECUR_DAILY;
  period(&bad[n++], 0, 8, 0);
  bad[n] = base; /* validTo before validFrom */
  bad[n].p.has_valid_from = bad[n].p.has_valid_to = true;
  bad[n].p.valid_from = T0 + H(24);
  bad[n].p.valid_to = T0;
  period(&bad[n++], 0, 8, 0);
  bad[n] = base; /* zero duration */
  bad[n].p.schedule.has_duration = true;
  period(&bad[n++], 0, 8, 0);
  bad[n] = make(1, -1, DEF, CP_KIND_RELATIVE); /* negative stack level */
  period(&bad[n++], 0, 8, 0);
  bad[n] = make((int64_t)INT32_MAX + 1, 0, DEF, CP_KIND_RELATIVE); /* id out of range */
  period(&bad[n++], 0, 8, 0);
  bad[n] = make(1, 0, (cp_profile_purpose)7, CP_KIND_RELATIVE); /* no such purpose */
  period(&bad[n++], 0, 8, 0);
  for (int i = 0; i < n; i++)
    if (set(s, 0, bad[i], NULL, T0) != NO) fail_msg("case %d accepted", i);
  assert_int_equal(cp_profiles_count(s), 0);
  assert_int_equal(cp_profiles_set(s, 0, NULL, NULL, T0), NO);
  cp_profiles_free(s);
}

/* ---- kinds ---- */

static void absolute_periods_and_duration(void **state) {
  (void)state;
  cp_profiles *s = open_mem(1);
  prof a = make(1, 0, DEF, CP_KIND_ABSOLUTE);
  a.p.schedule.has_start = true;
  a.p.schedule.start = T0 + H(7);
  a.p.schedule.has_duration = true;
  a.p.schedule.duration_s = 7200;
  period(&a, 0, 10, 0);
  period(&a, 1800, 16, 0);
  period(&a, 3600, 6.5, 0);
  assert_int_equal(set(s, 0, a, NULL, T0), OK);
  assert_true(lim(s, 1, T0 + H(7) - 1, NULL, 0) < 0);
  assert_true(lim(s, 1, T0 + H(7), NULL, 0) == 10.0);
  assert_true(lim(s, 1, T0 + H(7) + S(1799), NULL, 0) == 10.0);
  assert_true(lim(s, 1, T0 + H(7) + S(1800), NULL, 0) == 16.0);
  assert_true(lim(s, 1, T0 + H(8) + S(1), NULL, 0) == 6.5);
  assert_true(lim(s, 1, T0 + H(9) - 1, NULL, 0) == 6.5);
  assert_true(lim(s, 1, T0 + H(9), NULL, 0) < 0);
  /* Without a start an Absolute schedule starts when it is received. */
  prof b = make(2, 1, DEF, CP_KIND_ABSOLUTE);
  period(&b, 0, 7, 0);
  period(&b, 60, 9, 0);
  assert_int_equal(set(s, 0, b, NULL, T0 + H(20)), OK);
  assert_true(lim(s, 1, T0 + H(20) + S(59), NULL, 0) == 7.0);
  assert_true(lim(s, 1, T0 + H(20) + S(60), NULL, 0) == 9.0);
  cp_profiles_free(s);
}

static prof recurring(int64_t id, int64_t stack, cp_recurrency r, borne_ms start) {
  prof x = make(id, stack, DEF, CP_KIND_RECURRING);
  x.p.recurrency = r;
  x.p.schedule.has_start = true;
  x.p.schedule.start = start;
  return x;
}

static void recurring_daily_and_weekly(void **state) {
  (void)state;
  cp_profiles *s = open_mem(1);
  prof d = recurring(1, 1, CP_RECUR_DAILY, T0 + H(18));
  d.p.schedule.has_duration = true;
  d.p.schedule.duration_s = 14400;
  period(&d, 0, 8, 0);
  period(&d, 7200, 6, 0);
  assert_int_equal(set(s, 0, d, NULL, T0), OK);
  assert_true(lim(s, 1, T0 + H(17), NULL, 0) < 0);
  assert_true(lim(s, 1, T0 + H(18), NULL, 0) == 8.0);
  assert_true(lim(s, 1, T0 + H(20), NULL, 0) == 6.0);
  assert_true(lim(s, 1, T0 + H(22), NULL, 0) < 0);
  borne_ms d10 = T0 + H(24 * 10);
  assert_true(lim(s, 1, d10 + H(17), NULL, 0) < 0);
  assert_true(lim(s, 1, d10 + H(19), NULL, 0) == 8.0);
  assert_true(lim(s, 1, d10 + H(21), NULL, 0) == 6.0);
  assert_true(lim(s, 1, d10 + H(22), NULL, 0) < 0);
  prof w = recurring(2, 0, CP_RECUR_WEEKLY, T0);
  period(&w, 0, 10, 0);
  period(&w, 86400, 20, 0);
  assert_int_equal(set(s, 0, w, NULL, T0), OK);
  assert_true(lim(s, 1, T0 + H(12), NULL, 0) == 10.0);
  assert_true(lim(s, 1, T0 + H(24 + 12), NULL, 0) == 20.0);
  assert_true(lim(s, 1, T0 + H(24 * 7 + 12), NULL, 0) == 10.0);
  assert_true(lim(s, 1, T0 + H(24 * 7 + 18), NULL, 0) == 8.0);
  assert_true(lim(s, 1, T0 + H(24 * 13 + 12), NULL, 0) == 20.0);
  /* A daily schedule longer than a day is cut at the next day's start. */
  prof l = recurring(3, 2, CP_RECUR_DAILY, T0);
  l.p.schedule.has_duration = true;
  l.p.schedule.duration_s = 100000;
  period(&l, 0, 8, 0);
  period(&l, 43200, 16, 0);
  assert_int_equal(set(s, 0, l, NULL, T0), OK);
  assert_true(lim(s, 1, T0 + H(24) - 1, NULL, 0) == 16.0);
  assert_true(lim(s, 1, T0 + H(24), NULL, 0) == 8.0);
  assert_true(lim(s, 1, T0 + H(36), NULL, 0) == 16.0);
  assert_int_equal(cp_profiles_next_change(s, T0 + H(13)), T0 + H(18));
  cp_profiles_free(s);
}

static void relative_follows_the_transaction_start(void **state) {
  (void)state;
  cp_profiles *s = open_mem(1);
  prof r = make(1, 0, DEF, CP_KIND_RELATIVE);
  r.p.schedule.has_duration = true;
  r.p.schedule.duration_s = 3600;
  period(&r, 0, 16, 0);
  period(&r, 900, 10, 0);
  assert_int_equal(set(s, 1, r, NULL, T0), OK);
  assert_true(lim(s, 1, T0 + H(5), NULL, 0) == 16.0);
  borne_ms start = T0 + H(6);
  assert_true(lim(s, 1, start + S(899), "3", start) == 16.0);
  assert_true(lim(s, 1, start + S(900), "3", start) == 10.0);
  assert_true(lim(s, 1, start + S(3600), "3", start) < 0);
  cp_profiles_free(s);
}

static void watts_become_amps_per_phase(void **state) {
  (void)state;
  cp_profiles *s = open_mem(1);
  prof w = make(1, 0, DEF, CP_KIND_RELATIVE);
  w.p.schedule.unit = CP_UNIT_WATTS;
  period(&w, 0, 11040, 0);
  period(&w, 60, 3680, 1);
  assert_int_equal(set(s, 0, w, NULL, T0), OK);
  assert_float_equal(cp_profiles_limit_a(s, 1, T0, "1", T0, 3, 230), 16.0, 1e-9);
  assert_float_equal(cp_profiles_limit_a(s, 1, T0, "1", T0, 1, 230), 48.0, 1e-9);
  assert_float_equal(cp_profiles_limit_a(s, 1, T0 + S(60), "1", T0, 3, 230), 16.0, 1e-9);
  assert_float_equal(cp_profiles_limit_a(s, 1, T0, "1", T0, 3, 240), 11040.0 / 720, 1e-9);
  assert_float_equal(cp_profiles_limit_a(s, 1, T0, "1", T0, 3, 0), 16.0, 1e-9);
  assert_int_equal(set(s, 0, simple(2, 0, MAXP, 13), NULL, T0), OK);
  assert_float_equal(cp_profiles_limit_a(s, 1, T0, "1", T0, 3, 230), 13.0, 1e-9);
  assert_float_equal(cp_profiles_limit_a(s, 1, T0, "1", T0, 3, 400), 11040.0 / 1200, 1e-9);
  cp_profiles_free(s);
}

/* ---- clear and next change ---- */

static void clear_matches_every_given_criterion(void **state) {
  (void)state;
  cp_profiles *s = open_mem(2);
  assert_int_equal(set(s, 0, simple(1, 0, MAXP, 32), NULL, T0), OK);
  assert_int_equal(set(s, 0, simple(2, 1, DEF, 16), NULL, T0), OK);
  assert_int_equal(set(s, 1, simple(3, 1, DEF, 10), NULL, T0), OK);
  assert_int_equal(set(s, 2, simple(4, 2, DEF, 12), NULL, T0), OK);
  assert_int_equal(set(s, 1, simple(5, 1, TX, 8), "9", T0), OK);
  assert_int_equal(cp_profiles_clear(s, &(cp_profile_filter){.has_id = true, .id = 99}), 0);
  assert_int_equal(
      cp_profiles_clear(
          s, &(cp_profile_filter){.has_id = true, .id = 1, .has_connector = true, .connector = 1}),
      0);
  assert_int_equal(cp_profiles_clear(s, &(cp_profile_filter){.has_purpose = true,
                                                             .purpose = DEF,
                                                             .has_stack_level = true,
                                                             .stack_level = 1}),
                   2);
  assert_int_equal(cp_profiles_count(s), 3);
  assert_int_equal(
      cp_profiles_clear(s, &(cp_profile_filter){.has_connector = true, .connector = 1}), 1);
  assert_true(lim(s, 1, T0, "9", T0) == 32.0);
  assert_int_equal(cp_profiles_clear(s, &(cp_profile_filter){.has_id = true, .id = 1}), 1);
  assert_true(lim(s, 1, T0, "9", T0) < 0);
  assert_int_equal(cp_profiles_clear(s, &(cp_profile_filter){0}), 1);
  assert_int_equal(cp_profiles_count(s), 0);
  assert_int_equal(cp_profiles_clear(s, &(cp_profile_filter){0}), 0);
  assert_int_equal(cp_profiles_clear(s, NULL), 0);
  cp_profiles_free(s);
}

static void next_change_finds_every_boundary(void **state) {
  (void)state;
  cp_profiles *s = open_mem(2);
  prof d = recurring(1, 0, CP_RECUR_DAILY, T0 + H(6));
  d.p.has_valid_to = true;
  d.p.valid_to = T0 + H(48 + 12);
  d.p.schedule.has_duration = true;
  d.p.schedule.duration_s = 7200;
  period(&d, 0, 8, 0);
  period(&d, 3600, 6, 0);
  assert_int_equal(set(s, 0, d, NULL, T0), OK);
  assert_int_equal(cp_profiles_next_change(s, T0), T0 + H(6));
  assert_int_equal(cp_profiles_next_change(s, T0 + H(6)), T0 + H(7));
  assert_int_equal(cp_profiles_next_change(s, T0 + H(7)), T0 + H(8));
  assert_int_equal(cp_profiles_next_change(s, T0 + H(8)), T0 + H(24 + 6));
  assert_int_equal(cp_profiles_next_change(s, T0 + H(48 + 7)), T0 + H(48 + 8));
  assert_int_equal(cp_profiles_next_change(s, T0 + H(48 + 8)), T0 + H(48 + 12));
  assert_int_equal(cp_profiles_next_change(s, T0 + H(48 + 12)), INT64_MAX);
  prof r = make(2, 0, TX, CP_KIND_RELATIVE);
  period(&r, 0, 8, 0);
  period(&r, 600, 6, 0);
  assert_int_equal(set(s, 2, r, "4", T0 + H(100)), OK);
  borne_ms tx_start = T0 + H(100) - S(100);
  assert_true(lim(s, 2, T0 + H(100), "4", tx_start) == 8.0);
  assert_int_equal(cp_profiles_next_change(s, T0 + H(100)), tx_start + S(600));
  cp_profiles_transaction_ended(s, 2);
  assert_int_equal(cp_profiles_next_change(s, T0 + H(100)), INT64_MAX);
  cp_profiles_free(s);
}

/* ---- composite ---- */

/* a period as the composite schedule gives it */
#define PD(s, l, ph)                                                                               \
  { .start_s = (s), .limit = (l), .phases = (ph) }

static void expect_periods(const cp_composite_schedule *c, const cp_schedule_period *want,
                           size_t n) {
  assert_int_equal(c->nperiods, n);
  for (size_t i = 0; i < n; i++) {
    assert_int_equal(c->periods[i].start_s, want[i].start_s);
    assert_float_equal(c->periods[i].limit, want[i].limit, 1e-9);
    assert_int_equal(c->periods[i].phases, want[i].phases);
  }
}

static void composite_merges_purposes_over_the_window(void **state) {
  (void)state;
  cp_profiles *s = open_mem(2);
  prof m = simple(1, 0, MAXP, 20);
  period(&m, 3600, 12, 0);
  assert_int_equal(set(s, 0, m, NULL, T0), OK);
  assert_int_equal(set(s, 0, simple(2, 0, DEF, 16), NULL, T0), OK);
  prof t = make(3, 0, TX, CP_KIND_RELATIVE);
  t.p.schedule.has_duration = true;
  t.p.schedule.duration_s = 1800;
  period(&t, 0, 10, 0);
  assert_int_equal(set(s, 1, t, "5", T0 + S(900)), OK);
  cp_composite_schedule c;
  assert_int_equal(
      cp_profiles_composite(s, 1, 7200, CP_UNIT_AMPS, T0, "5", T0 + S(900), 3, 230, &c), OK);
  assert_int_equal(c.connector, 1);
  assert_int_equal(c.start, T0);
  assert_int_equal(c.duration_s, 7200);
  assert_int_equal(c.unit, CP_UNIT_AMPS);
  expect_periods(
      &c, (cp_schedule_period[]){PD(0, 16, 0), PD(900, 10, 0), PD(2700, 16, 0), PD(3600, 12, 0)},
      4);
  cp_composite_schedule_free(&c);
  assert_int_equal(
      cp_profiles_composite(s, 1, 7200, CP_UNIT_WATTS, T0, "5", T0 + S(900), 3, 230, &c), OK);
  assert_int_equal(c.unit, CP_UNIT_WATTS);
  expect_periods(&c,
                 (cp_schedule_period[]){PD(0, 11040, 0), PD(900, 6900, 0), PD(2700, 11040, 0),
                                        PD(3600, 8280, 0)},
                 4);
  cp_composite_schedule_free(&c);
  assert_int_equal(cp_profiles_composite(s, 0, 7200, CP_UNIT_AMPS, T0, NULL, 0, 3, 230, &c), OK);
  expect_periods(&c, (cp_schedule_period[]){PD(0, 20, 0), PD(3600, 12, 0)}, 2);
  cp_composite_schedule_free(&c);
  cp_profiles_free(s);
}

static void composite_gaps_and_refusals(void **state) {
  (void)state;
  cp_profiles *s = open_mem(1);
  cp_composite_schedule c;
  assert_int_equal(cp_profiles_composite(s, 1, 600, CP_UNIT_AMPS, T0, NULL, 0, 3, 230, &c), NO);
  assert_int_equal(c.nperiods, 0);
  prof g = make(1, 0, DEF, CP_KIND_ABSOLUTE); /* 00:10 to 00:20 */
  g.p.schedule.has_start = true;
  g.p.schedule.start = T0 + S(600);
  g.p.schedule.has_duration = true;
  g.p.schedule.duration_s = 600;
  g.p.schedule.unit = CP_UNIT_WATTS;
  period(&g, 0, 4600, 1);
  period(&g, 300, 7360, 0);
  assert_int_equal(set(s, 0, g, NULL, T0), OK);
  assert_int_equal(cp_profiles_composite(s, 1, 3600, CP_UNIT_AMPS, T0, NULL, 0, 3, 230, &c), OK);
  assert_int_equal(c.start, T0 + S(600));
  assert_int_equal(c.duration_s, 600);
  /* 4600 W on one phase = 20 A; 7360 W on three = 10.6 A (rounded down). */
  expect_periods(&c, (cp_schedule_period[]){PD(0, 20, 1), PD(300, 10.6, 0)}, 2);
  cp_composite_schedule_free(&c);
  assert_int_equal(cp_profiles_composite(s, 1, 3600, CP_UNIT_WATTS, T0, NULL, 0, 3, 230, &c), OK);
  expect_periods(&c, (cp_schedule_period[]){PD(0, 4600, 1), PD(300, 7360, 0)}, 2);
  cp_composite_schedule_free(&c);
  assert_int_equal(cp_profiles_composite(s, 2, 600, CP_UNIT_AMPS, T0, NULL, 0, 3, 230, &c), NO);
  assert_int_equal(cp_profiles_composite(s, -1, 600, CP_UNIT_AMPS, T0, NULL, 0, 3, 230, &c), NO);
  assert_int_equal(cp_profiles_composite(s, 1, 0, CP_UNIT_AMPS, T0, NULL, 0, 3, 230, &c), NO);
  assert_int_equal(cp_profiles_composite(NULL, 1, 60, CP_UNIT_AMPS, T0, NULL, 0, 3, 230, &c), NO);
  cp_profiles_free(s);
}

/* The filled composite (2.0.1 K08, OCTT TC_K_39/41_CS): the window asked,
 * from now; the point's own maximum where no profile applies. */
static void composite_filled_covers_the_window(void **state) {
  (void)state;
  cp_profiles *s = open_mem(1);
  cp_composite_schedule c;
  /* no profile at all: Accepted, the maximum for the whole window */
  assert_int_equal(
      cp_profiles_composite_filled(s, 1, 300, CP_UNIT_AMPS, T0, NULL, 0, 3, 230, 32, &c), OK);
  assert_int_equal(c.start, T0);
  assert_int_equal(c.duration_s, 300);
  expect_periods(&c, (cp_schedule_period[]){PD(0, 32, 0)}, 1);
  cp_composite_schedule_free(&c);
  prof g = make(1, 0, DEF, CP_KIND_ABSOLUTE); /* 00:10 to 00:20 */
  g.p.schedule.has_start = true;
  g.p.schedule.start = T0 + S(600);
  g.p.schedule.has_duration = true;
  g.p.schedule.duration_s = 600;
  period(&g, 0, 10, 0);
  assert_int_equal(set(s, 0, g, NULL, T0), OK);
  /* before, during and after it: 32, 10, 32 A; in W on three phases */
  assert_int_equal(
      cp_profiles_composite_filled(s, 1, 3600, CP_UNIT_AMPS, T0, NULL, 0, 3, 230, 32, &c), OK);
  assert_int_equal(c.start, T0);
  assert_int_equal(c.duration_s, 3600);
  expect_periods(&c, (cp_schedule_period[]){PD(0, 32, 0), PD(600, 10, 0), PD(1200, 32, 0)}, 3);
  cp_composite_schedule_free(&c);
  assert_int_equal(
      cp_profiles_composite_filled(s, 1, 3600, CP_UNIT_WATTS, T0, NULL, 0, 3, 230, 32, &c), OK);
  expect_periods(&c, (cp_schedule_period[]){PD(0, 22080, 0), PD(600, 6900, 0), PD(1200, 22080, 0)},
                 3);
  cp_composite_schedule_free(&c);
  /* a bad request is still refused */
  assert_int_equal(
      cp_profiles_composite_filled(s, 2, 600, CP_UNIT_AMPS, T0, NULL, 0, 3, 230, 32, &c), NO);
  assert_int_equal(cp_profiles_composite_filled(s, 1, 0, CP_UNIT_AMPS, T0, NULL, 0, 3, 230, 32, &c),
                   NO);
  cp_profiles_free(s);
}

/* ---- persistence ---- */

typedef test_tmpdb tmpdb;

static int db_setup(void **state) { return test_tmpdb_setup(state, "borne-cpprof"); }

static int db_teardown(void **state) { return test_tmpdb_teardown(state); }

static cp_profiles *open_db(const char *path, store **db) {
  char err[200];
  assert_int_equal(store_open(db, path, err, sizeof err), 0);
  cp_profiles *s = cp_profiles_open(*db, 2, &LIM, err, sizeof err);
  if (!s) fail_msg("open: %s", err);
  return s;
}

static void close_db(cp_profiles *s, store *db) {
  cp_profiles_free(s);
  store_close(db);
}

static void profiles_survive_a_restart(void **state) {
  tmpdb *t = *state;
  store *db;
  cp_profiles *s = open_db(t->path, &db);
  assert_int_equal(set(s, 0, simple(1, 0, MAXP, 20), NULL, T0), OK);
  prof a = make(2, 1, DEF, CP_KIND_ABSOLUTE); /* start = receipt time, kept */
  a.p.schedule.has_min_rate = true;
  a.p.schedule.min_rate = 6;
  period(&a, 0, 10, 0);
  period(&a, 60, 14, 0);
  assert_int_equal(set(s, 0, a, NULL, T0 + H(1)), OK);
  assert_int_equal(set(s, 1, simple(3, 0, TX, 6), "tx-31", T0), OK); /* a string id */
  assert_int_equal(set(s, 2, simple(6, 1, TX, 5), "007", T0), OK);   /* not the integer 7 */
  prof r = make(4, 0, TX, CP_KIND_RELATIVE);
  period(&r, 0, 7, 2);
  assert_int_equal(cp_profiles_set_for_next_transaction(s, 2, ready(&r), T0), OK);
  assert_int_equal(set(s, 0, simple(5, 3, DEF, 9), NULL, T0), OK);
  assert_int_equal(cp_profiles_clear(s, &(cp_profile_filter){.has_id = true, .id = 5}), 1);
  close_db(s, db);

  s = open_db(t->path, &db);
  assert_int_equal(cp_profiles_count(s), 5);
  assert_true(lim(s, 2, T0, "007", T0) == 5.0);
  assert_true(lim(s, 2, T0, "7", T0) == 7.0); /* only the unbound one */
  cp_profiles_transaction_ended(s, 2);
  close_db(s, db);
  s = open_db(t->path, &db);
  assert_int_equal(cp_profiles_count(s), 3);
  prof r2 = make(4, 0, TX, CP_KIND_RELATIVE);
  period(&r2, 0, 7, 2);
  assert_int_equal(cp_profiles_set_for_next_transaction(s, 2, ready(&r2), T0), OK);
  assert_true(lim(s, 1, T0 + H(1) + S(59), NULL, 0) == 10.0);
  assert_true(lim(s, 1, T0 + H(1) + S(60), NULL, 0) == 14.0);
  assert_true(lim(s, 1, T0 + H(2), "tx-31", T0) == 6.0);
  assert_true(lim(s, 1, T0 + H(2), "tx-32", T0) == 14.0);
  cp_profiles_bind_transaction(s, 2, "90");
  close_db(s, db);

  s = open_db(t->path, &db);
  assert_true(lim(s, 2, T0 + H(2), "90", T0) == 7.0);
  assert_true(lim(s, 2, T0 + H(2), "91", T0) == 14.0);
  cp_profiles_transaction_ended(s, 1);
  close_db(s, db);

  s = open_db(t->path, &db);
  assert_int_equal(cp_profiles_count(s), 3);
  assert_true(lim(s, 1, T0 + H(2), "tx-31", T0) == 14.0);
  close_db(s, db);
}

/* A transaction's end comes inside the station's batch of the session stop:
 * its TxProfiles go, and the batch's other writes are kept (a BEGIN here
 * failed and kept the profiles; a ROLLBACK would have undone the batch). */
static void a_transaction_end_inside_a_batch_removes_its_profiles(void **state) {
  tmpdb *t = *state;
  store *db;
  cp_profiles *s = open_db(t->path, &db);
  assert_int_equal(set(s, 0, simple(1, 0, DEF, 20), NULL, T0), OK);
  assert_int_equal(set(s, 1, simple(2, 0, TX, 10), "4", T0), OK);
  assert_int_equal(store_batch_begin(db), 0);
  assert_int_equal(store_event_add(db, T0, 1, "session_stop", "", NULL), 0);
  cp_profiles_transaction_ended(s, 1);
  assert_int_equal(cp_profiles_count(s), 1);
  assert_int_equal(store_batch_end(db), 0);
  close_db(s, db);
  s = open_db(t->path, &db);
  assert_int_equal(cp_profiles_count(s), 1);
  assert_int_equal(store_events_last_id(db), 1);
  close_db(s, db);
}

static void rows_of_earlier_versions_load(void **state) {
  tmpdb *t = *state;
  store *db;
  cp_profiles *s = open_db(t->path, &db);
  assert_int_equal(set(s, 0, simple(1, 0, MAXP, 20), NULL, T0), OK);
  cp_profiles_free(s);
  /* As the 1.6 code wrote them: the payload's own text, an integer
   * transaction id in the column; and rows nobody can read, skipped. */
  assert_int_equal(
      sqlite3_exec(store_sqlite(db),
                   "INSERT INTO ocpp16_smart_profiles VALUES(7, 1, 0, 0, 'not json');"
                   "INSERT INTO ocpp16_smart_profiles VALUES(8, 9, 0, 0, '{}');"
                   "INSERT INTO ocpp16_smart_profiles VALUES(9, 1, 0, 0, '{}');"
                   "INSERT INTO ocpp16_smart_profiles VALUES(10, 1, 42, 0, '{\"chargingProfileId\":"
                   "10,\"chargingProfileKind\":\"Relative\",\"chargingProfilePurpose\":"
                   "\"TxProfile\",\"chargingSchedule\":{\"chargingRateUnit\":\"A\","
                   "\"chargingSchedulePeriod\":[{\"limit\":12,\"startPeriod\":0}]},"
                   "\"stackLevel\":0,\"transactionId\":42}');"
                   /* a transaction id too long to be one */
                   "INSERT INTO ocpp16_smart_profiles SELECT 11, 1, "
                   "'tx-0123456789012345678901234567890123456789', 0, replace(profile, '10', '11') "
                   "FROM ocpp16_smart_profiles WHERE id = 10;",
                   NULL, NULL, NULL),
      SQLITE_OK);
  store_close(db);
  s = open_db(t->path, &db);
  assert_int_equal(cp_profiles_count(s), 2);
  assert_true(lim(s, 1, T0, "42", T0) == 12.0);
  assert_true(lim(s, 1, T0, "43", T0) == 20.0);
  close_db(s, db);
}

static void a_failed_write_changes_nothing(void **state) {
  tmpdb *t = *state;
  store *db;
  cp_profiles *s = open_db(t->path, &db);
  assert_int_equal(set(s, 0, simple(1, 0, DEF, 20), NULL, T0), OK);
  assert_int_equal(set(s, 1, simple(2, 0, TX, 10), "4", T0), OK);
  assert_int_equal(sqlite3_exec(store_sqlite(db), "PRAGMA query_only = 1", NULL, NULL, NULL),
                   SQLITE_OK);
  assert_int_equal(set(s, 0, simple(1, 0, DEF, 6), NULL, T0), NO);
  assert_int_equal(set(s, 0, simple(3, 1, DEF, 6), NULL, T0), NO);
  assert_int_equal(cp_profiles_clear(s, &(cp_profile_filter){0}), 0);
  assert_int_equal(cp_profiles_count(s), 2);
  assert_true(lim(s, 1, T0, NULL, 0) == 20.0);
  assert_true(lim(s, 1, T0, "4", T0) == 10.0);
  assert_int_equal(sqlite3_exec(store_sqlite(db), "PRAGMA query_only = 0", NULL, NULL, NULL),
                   SQLITE_OK);
  close_db(s, db);
  s = open_db(t->path, &db);
  assert_int_equal(cp_profiles_count(s), 2);
  assert_true(lim(s, 1, T0, NULL, 0) == 20.0);
  close_db(s, db);
}

/* ---- 2.1 additions ---- */

/* limit_L2 / limit_L3: the lowest of the phases the EV uses (one pilot
 * current for all); in W each phase's own power, without them the sum. */
static void per_phase_limits(void **state) {
  (void)state;
  cp_profiles *s = open_mem(1);
  prof a = make(1, 0, DEF, CP_KIND_ABSOLUTE);
  a.p.schedule.has_start = true;
  a.p.schedule.start = T0;
  period(&a, 0, 16, 0);
  a.per[0].has_limit_l2 = true;
  a.per[0].limit_l2 = 10;
  a.per[0].has_limit_l3 = true;
  a.per[0].limit_l3 = 13;
  period(&a, 600, 16, 1); /* one phase: L1's limit only */
  a.per[1].has_limit_l2 = true;
  a.per[1].limit_l2 = 6;
  period(&a, 1200, 20, 0); /* only L3 given: L2 is `limit` */
  a.per[2].has_limit_l3 = true;
  a.per[2].limit_l3 = 18;
  assert_int_equal(set(s, 1, a, NULL, T0), OK);
  assert_float_equal(lim(s, 1, T0, NULL, 0), 10, 1e-9);
  assert_float_equal(cp_profiles_limit_a(s, 1, T0, NULL, 0, 1, 230), 16, 1e-9); /* 1-phase EVSE */
  assert_float_equal(cp_profiles_limit_a(s, 1, T0, NULL, 0, 2, 230), 10, 1e-9);
  assert_float_equal(lim(s, 1, T0 + S(600), NULL, 0), 16, 1e-9);
  assert_float_equal(lim(s, 1, T0 + S(1200), NULL, 0), 18, 1e-9);
  cp_composite_schedule c;
  assert_int_equal(cp_profiles_composite(s, 1, 1800, CP_UNIT_AMPS, T0, NULL, 0, 3, 230, &c), OK);
  expect_periods(&c, (cp_schedule_period[]){PD(0, 10, 0), PD(600, 16, 1), PD(1200, 18, 0)}, 3);
  cp_composite_schedule_free(&c);
  /* watts: per phase with L2/L3 (2300 W on L1 = 10 A), the sum without */
  prof w = make(2, 1, DEF, CP_KIND_ABSOLUTE);
  w.p.schedule.unit = CP_UNIT_WATTS;
  w.p.schedule.has_start = true;
  w.p.schedule.start = T0;
  period(&w, 0, 2300, 0);
  w.per[0].has_limit_l2 = true;
  w.per[0].limit_l2 = 4600;
  w.per[0].has_limit_l3 = true;
  w.per[0].limit_l3 = 3450;
  period(&w, 60, 6900, 0);
  assert_int_equal(set(s, 1, w, NULL, T0), OK);
  assert_float_equal(lim(s, 1, T0, NULL, 0), 10, 1e-9);
  assert_float_equal(lim(s, 1, T0 + S(60), NULL, 0), 10, 1e-9); /* 6900 W / 3 / 230 V */
  /* a phase limit below 0 or not finite: refused */
  prof bad = simple(3, 2, DEF, 16);
  bad.per[0].has_limit_l2 = true;
  bad.per[0].limit_l2 = -1;
  assert_int_equal(set(s, 1, bad, NULL, T0), NO);
  bad.per[0].limit_l2 = NAN;
  assert_int_equal(set(s, 1, bad, NULL, T0), NO);
  cp_profiles_free(s);
}

/* A zone of its own: UTC+1 in winter, UTC+2 from 2026-03-29T01:00Z. */
#define DST_START (T0 + 83LL * 86400 * 1000 + H(1))
static int32_t test_zone(void *ctx, borne_ms utc) {
  (void)ctx;
  return utc >= DST_START ? 7200 : 3600;
}

/* useLocalTime: a Recurring daily schedule at 08:00 wall clock stays at 08:00
 * local across the change to summer time (07:00Z, then 06:00Z); without it,
 * at 08:00Z. */
static void use_local_time_follows_the_zone(void **state) {
  (void)state;
  cp_profiles *s = open_mem(2);
  cp_profiles_set_zone(s, test_zone, NULL);
  for (int local = 0; local <= 1; local++) {
    prof r = make(1 + local, 0, DEF, CP_KIND_RECURRING);
    r.p.recurrency = CP_RECUR_DAILY;
    r.p.schedule.has_start = true;
    r.p.schedule.start = T0 + H(8); /* "08:00", its offset disregarded when local */
    r.p.schedule.use_local_time = local;
    r.p.schedule.has_duration = true;
    r.p.schedule.duration_s = 3600;
    period(&r, 0, 6, 0);
    assert_int_equal(set(s, 1 + local, r, NULL, T0), OK);
  }
  borne_ms day2 = T0 + H(24), summer = DST_START + H(23); /* 2026-03-30T00:00Z */
  /* winter: local 08:00 is 07:00Z */
  assert_true(lim(s, 2, day2 + H(7), NULL, 0) == 6.0);
  assert_true(lim(s, 2, day2 + H(8), NULL, 0) < 0);
  assert_true(lim(s, 2, day2 + H(7) - S(1), NULL, 0) < 0);
  assert_true(lim(s, 1, day2 + H(8), NULL, 0) == 6.0);
  assert_true(lim(s, 1, day2 + H(7), NULL, 0) < 0);
  /* summer: 06:00Z */
  assert_true(lim(s, 2, summer + H(6), NULL, 0) == 6.0);
  assert_true(lim(s, 2, summer + H(7), NULL, 0) < 0);
  assert_true(lim(s, 1, summer + H(8), NULL, 0) == 6.0);
  /* the next change is told in UTC */
  assert_int_equal(cp_profiles_next_change(s, day2 + H(7) - H(3)), day2 + H(7));
  assert_int_equal(cp_profiles_next_change(s, summer + H(3)), summer + H(6));
  /* the composite schedule over the night of the change */
  cp_composite_schedule c;
  assert_int_equal(
      cp_profiles_composite(s, 2, 86400, CP_UNIT_AMPS, summer - H(12), NULL, 0, 3, 230, &c), OK);
  assert_int_equal(c.start, summer + H(6));
  cp_composite_schedule_free(&c);
  /* restarted: the flag is kept */
  cp_profiles_set_zone(s, NULL, NULL); /* UTC: 08:00 is 08:00Z */
  assert_true(lim(s, 2, day2 + H(8), NULL, 0) == 6.0);
  cp_profiles_free(s);
}

/* randomizedDelay: each period's start moved by its own draw in
 * 0..randomizedDelay, the same for the same seed, never out of order; only
 * TxProfile and TxDefaultProfile. */
static void randomized_delay_moves_each_period(void **state) {
  (void)state;
  cp_profiles *s = open_mem(1);
  prof x = make(1, 0, DEF, CP_KIND_ABSOLUTE);
  x.p.schedule.has_start = true;
  x.p.schedule.start = T0;
  x.p.schedule.randomized_delay_s = 300;
  x.p.random_seed = 12345;
  period(&x, 0, 16, 0);
  period(&x, 3600, 8, 0);
  period(&x, 3700, 10, 0); /* within the delay of the one before */
  assert_int_equal(set(s, 1, x, NULL, T0), OK);
  cp_composite_schedule c;
  assert_int_equal(cp_profiles_composite(s, 1, 7200, CP_UNIT_AMPS, T0, NULL, 0, 3, 230, &c), OK);
  assert_int_equal(c.nperiods, 3);
  int64_t d0 = (c.start - T0) / 1000;
  assert_true(d0 >= 0 && d0 <= 300);
  int64_t s1 = d0 + c.periods[1].start_s, s2 = d0 + c.periods[2].start_s;
  assert_true(s1 >= 3600 && s1 <= 3900);
  assert_true(s2 > s1 && s2 <= 4000);
  assert_float_equal(c.periods[1].limit, 8, 1e-9);
  /* the limit follows the delayed starts */
  assert_true(lim(s, 1, T0 + S(d0), NULL, 0) == 16.0);
  if (d0 > 0) assert_true(lim(s, 1, T0 + S(d0) - 1, NULL, 0) < 0);
  assert_true(lim(s, 1, T0 + S(s1) - 1, NULL, 0) == 16.0);
  assert_true(lim(s, 1, T0 + S(s1), NULL, 0) == 8.0);
  assert_true(lim(s, 1, T0 + S(s2), NULL, 0) == 10.0);
  assert_int_equal(cp_profiles_next_change(s, T0 + S(d0)), T0 + S(s1));
  cp_composite_schedule_free(&c);
  /* other seeds draw other delays, all within bounds */
  bool differs = false;
  for (uint32_t seed = 1; seed <= 20; seed++) {
    x.p.random_seed = seed;
    assert_int_equal(set(s, 1, x, NULL, T0), OK); /* same id: replaces */
    cp_composite_schedule d;
    assert_int_equal(cp_profiles_composite(s, 1, 7200, CP_UNIT_AMPS, T0, NULL, 0, 3, 230, &d), OK);
    int64_t e0 = (d.start - T0) / 1000, e1 = e0 + d.periods[1].start_s;
    assert_true(e0 >= 0 && e0 <= 300 && e1 >= 3600 && e1 <= 3900);
    differs |= e0 != d0 || e1 != s1;
    cp_composite_schedule_free(&d);
  }
  assert_true(differs);
  /* not for the station maximum; not beyond a day */
  prof m = simple(2, 0, MAXP, 20);
  m.p.schedule.randomized_delay_s = 10;
  assert_int_equal(set(s, 0, m, NULL, T0), NO);
  x.p.schedule.randomized_delay_s = CP_MAX_RANDOMIZED_DELAY_S + 1;
  assert_int_equal(set(s, 1, x, NULL, T0), NO);
  cp_profiles_free(s);
}

/* The 2.1 members survive a restart (and the delays drawn stay the same). */
static void additions_survive_a_restart(void **state) {
  test_tmpdb *t = *state;
  store *db;
  cp_profiles *s = open_db(t->path, &db);
  prof x = make(1, 0, DEF, CP_KIND_ABSOLUTE);
  x.p.schedule.has_start = true;
  x.p.schedule.start = T0;
  x.p.schedule.randomized_delay_s = 600;
  x.p.schedule.use_local_time = true;
  x.p.random_seed = 777;
  period(&x, 0, 16, 0);
  x.per[0].has_limit_l2 = true;
  x.per[0].limit_l2 = 9;
  period(&x, 3600, 8, 0);
  assert_int_equal(set(s, 1, x, NULL, T0), OK);
  cp_composite_schedule before;
  assert_int_equal(cp_profiles_composite(s, 1, 7200, CP_UNIT_AMPS, T0, NULL, 0, 3, 230, &before),
                   OK);
  close_db(s, db);
  s = open_db(t->path, &db);
  cp_composite_schedule after;
  assert_int_equal(cp_profiles_composite(s, 1, 7200, CP_UNIT_AMPS, T0, NULL, 0, 3, 230, &after),
                   OK);
  assert_int_equal(after.start, before.start);
  assert_int_equal(after.nperiods, before.nperiods);
  for (size_t i = 0; i < after.nperiods; i++) {
    assert_int_equal(after.periods[i].start_s, before.periods[i].start_s);
    assert_float_equal(after.periods[i].limit, before.periods[i].limit, 1e-9);
  }
  assert_float_equal(after.periods[0].limit, 9, 1e-9);
  cp_composite_schedule_free(&before);
  cp_composite_schedule_free(&after);
  int c;
  cp_charging_profile got;
  cp_schedule_period *periods;
  assert_int_equal(cp_profiles_get(s, 0, &c, &got, &periods), 0);
  assert_true(got.schedule.use_local_time);
  assert_int_equal(got.schedule.randomized_delay_s, 600);
  assert_int_equal(got.random_seed, 777);
  assert_true(got.schedule.periods[0].has_limit_l2);
  assert_float_equal(got.schedule.periods[0].limit_l2, 9, 1e-9);
  assert_false(got.schedule.periods[0].has_limit_l3);
  assert_int_equal(got.schedule.periods[1].start_s, 3600); /* as set, not as delayed */
  free(periods);
  close_db(s, db);
}

/* K28: a Dynamic profile: one period, its limits updated, dynUpdateTime the
 * last update; with a duration, invalid that long after it (the profile
 * below applies) until the next update; updates asked for every
 * dynUpdateInterval without one. */
static void dynamic_profiles(void **state) {
  (void)state;
  cp_profiles *s = open_mem(1);
  assert_int_equal(set(s, 1, simple(1, 0, DEF, 6), NULL, T0), OK); /* the fallback */
  prof d = make(2, 1, DEF, CP_KIND_DYNAMIC);
  d.p.schedule.has_duration = true;
  d.p.schedule.duration_s = 600;
  d.p.dyn_update_interval_s = 60;
  period(&d, 0, 16, 0);
  assert_int_equal(set(s, 1, d, NULL, T0), OK);
  assert_true(lim(s, 1, T0, NULL, 0) == 16.0);
  /* a pull due one interval after the last update, then once an interval */
  int64_t id = 0;
  assert_int_equal(cp_profiles_next_pull(s), T0 + S(60));
  assert_int_equal(cp_profiles_take_due_pull(s, T0 + S(59), &id), 0);
  assert_int_equal(cp_profiles_take_due_pull(s, T0 + S(60), &id), 1);
  assert_int_equal(id, 2);
  assert_int_equal(cp_profiles_take_due_pull(s, T0 + S(60), &id), 0);
  assert_int_equal(cp_profiles_next_pull(s), T0 + S(120));
  /* an update: the limits given, dynUpdateTime now, the next pull an interval on */
  cp_dynamic_update u = {.has_limit = true, .limit = 10, .has_limit_l3 = true, .limit_l3 = 8};
  assert_int_equal(cp_profiles_update_dynamic(s, 2, &u, T0 + S(100)), 0);
  assert_true(lim(s, 1, T0 + S(100), NULL, 0) == 8.0);
  assert_int_equal(cp_profiles_next_pull(s), T0 + S(160));
  /* no update within duration: the fallback, and the change is foreseen */
  assert_int_equal(cp_profiles_next_change(s, T0 + S(101)), T0 + S(700));
  assert_true(lim(s, 1, T0 + S(699), NULL, 0) == 8.0);
  assert_true(lim(s, 1, T0 + S(700), NULL, 0) == 6.0);
  /* valid again with the next update (an empty one too: K28.FR.09) */
  cp_dynamic_update none = {0};
  assert_int_equal(cp_profiles_update_dynamic(s, 2, &none, T0 + S(800)), 0);
  assert_true(lim(s, 1, T0 + S(800), NULL, 0) == 8.0);
  int c;
  cp_charging_profile got;
  cp_schedule_period *periods;
  for (int i = 0; i < cp_profiles_count(s); i++) {
    assert_int_equal(cp_profiles_get(s, i, &c, &got, &periods), 0);
    if (got.id == 2) {
      assert_int_equal(got.kind, CP_KIND_DYNAMIC);
      assert_int_equal(got.dyn_update_time, T0 + S(800));
      assert_int_equal(got.dyn_update_interval_s, 60);
      assert_float_equal(got.schedule.periods[0].limit, 10, 1e-9);
    }
    free(periods);
  }
  /* refused: an update of a profile that is not Dynamic, or of none, or out of range */
  assert_int_equal(cp_profiles_update_dynamic(s, 1, &u, T0), -1);
  assert_int_equal(cp_profiles_update_dynamic(s, 9, &u, T0), -1);
  cp_dynamic_update bad = {.has_limit = true, .limit = -1};
  assert_int_equal(cp_profiles_update_dynamic(s, 2, &bad, T0 + S(900)), -1);
  assert_true(lim(s, 1, T0 + S(900), NULL, 0) == 8.0);
  /* a Dynamic profile of two periods */
  prof two = make(3, 2, DEF, CP_KIND_DYNAMIC);
  period(&two, 0, 16, 0);
  period(&two, 60, 8, 0);
  assert_int_equal(set(s, 1, two, NULL, T0), NO);
  cp_profiles_free(s);
}

/* A Dynamic profile's last update and its values survive a restart. */
static void dynamic_survives_a_restart(void **state) {
  test_tmpdb *t = *state;
  store *db;
  cp_profiles *s = open_db(t->path, &db);
  prof d = make(2, 1, DEF, CP_KIND_DYNAMIC);
  d.p.schedule.has_duration = true;
  d.p.schedule.duration_s = 600;
  d.p.dyn_update_interval_s = 30;
  period(&d, 0, 16, 0);
  assert_int_equal(set(s, 1, d, NULL, T0), OK);
  cp_dynamic_update u = {.has_limit = true, .limit = 11};
  assert_int_equal(cp_profiles_update_dynamic(s, 2, &u, T0 + S(200)), 0);
  close_db(s, db);
  s = open_db(t->path, &db);
  assert_true(lim(s, 1, T0 + S(799), NULL, 0) == 11.0);
  assert_true(lim(s, 1, T0 + S(800), NULL, 0) < 0);
  assert_int_equal(cp_profiles_next_pull(s), T0 + S(230));
  close_db(s, db);
}

/* 2.1 maxOfflineDuration: a profile in force while online, and offline for
 * that long only (the next change says when); online again, in force
 * again; invalidAfterOfflineDuration removes it for good. Kept across a
 * restart. */
static void max_offline_duration(void **state) {
  test_tmpdb *t = *state;
  store *db;
  cp_profiles *s = open_db(t->path, &db);
  assert_int_equal(set(s, 1, simple(1, 0, DEF, 6), NULL, T0), OK);
  prof a = simple(2, 1, DEF, 10);
  a.p.has_max_offline = true;
  a.p.max_offline_s = 300;
  assert_int_equal(set(s, 1, a, NULL, T0), OK);
  prof b = simple(3, 2, DEF, 8);
  b.p.has_max_offline = true;
  b.p.max_offline_s = 0; /* not in force at all while offline */
  b.p.invalid_after_offline = true;
  assert_int_equal(set(s, 1, b, NULL, T0), OK);
  close_db(s, db);
  s = open_db(t->path, &db); /* kept */
  assert_true(lim(s, 1, T0 + S(10), NULL, 0) == 8.0);
  cp_profiles_set_offline(s, T0 + S(100));
  assert_true(lim(s, 1, T0 + S(100), NULL, 0) == 10.0);
  assert_int_equal(cp_profiles_next_change(s, T0 + S(100)), T0 + S(400));
  assert_true(lim(s, 1, T0 + S(399), NULL, 0) == 10.0);
  assert_true(lim(s, 1, T0 + S(400), NULL, 0) == 6.0);
  assert_int_equal(cp_profiles_count(s), 3);
  assert_int_equal(cp_profiles_expire_offline(s, T0 + S(400)), 1); /* 3: for good */
  assert_int_equal(cp_profiles_count(s), 2);
  cp_profiles_set_offline(s, 0); /* online: 2 again */
  assert_true(lim(s, 1, T0 + S(500), NULL, 0) == 10.0);
  assert_int_equal(cp_profiles_expire_offline(s, T0 + S(500)), 0);
  close_db(s, db);
  s = open_db(t->path, &db);
  assert_int_equal(cp_profiles_count(s), 2); /* the removal is on disk */
  close_db(s, db);
}

/* 2.1 priority charging (K21/K22): a PriorityCharging profile is not in
 * force until activated for the running transaction; then it replaces the
 * TxProfile / TxDefaultProfile (the station maximum still bounds it), for
 * that transaction only; the composite schedule shows it; NoProfile without
 * one; one per connector; no duration, no transactionId; it ends with the
 * transaction (the profile stays), and a restart keeps the activation. */
static void priority_charging(void **state) {
  test_tmpdb *t = *state;
  store *db;
  cp_profiles *s = open_db(t->path, &db);
  assert_int_equal(set(s, 0, simple(1, 0, MAXP, 25), NULL, T0), OK);
  assert_int_equal(set(s, 0, simple(2, 0, DEF, 10), NULL, T0), OK);
  prof tx = simple(3, 1, TX, 8);
  assert_int_equal(set(s, 1, tx, "A", T0), OK);
  /* not activatable without a profile */
  bool changed = true;
  assert_int_equal(cp_profiles_use_priority(s, 1, "A", true, &changed), CP_PRIORITY_NO_PROFILE);
  assert_false(changed);
  assert_false(cp_profiles_priority_available(s, 1));
  /* refused: a duration (K01.FR.70), a transactionId */
  prof bad = make(4, 0, CP_PURPOSE_PRIORITY, CP_KIND_RELATIVE);
  period(&bad, 0, 32, 0);
  bad.p.schedule.has_duration = true;
  bad.p.schedule.duration_s = 3600;
  assert_int_equal(set(s, 1, bad, "A", T0), NO);
  bad.p.schedule.has_duration = false;
  snprintf(bad.p.transaction_id, sizeof bad.p.transaction_id, "A");
  assert_int_equal(set(s, 1, bad, "A", T0), NO);
  /* installed for every connector (0), then one of connector 1's own */
  prof pr = make(5, 0, CP_PURPOSE_PRIORITY, CP_KIND_RELATIVE);
  period(&pr, 0, 20, 0);
  assert_int_equal(set(s, 0, pr, NULL, T0), OK);
  assert_true(cp_profiles_priority_available(s, 1));
  assert_true(cp_profiles_priority_available(s, 2));
  assert_true(lim(s, 1, T0 + S(10), "A", T0) == 8.0); /* not in force yet */
  assert_int_equal(cp_profiles_use_priority(s, 1, "A", true, &changed), CP_PRIORITY_ACCEPTED);
  assert_true(changed);
  assert_true(cp_profiles_priority_active(s, 1, "A"));
  assert_true(lim(s, 1, T0 + S(10), "A", T0) == 20.0); /* replaces the TxProfile */
  assert_true(lim(s, 2, T0 + S(10), "B", T0) == 10.0); /* another transaction: not */
  assert_int_equal(cp_profiles_use_priority(s, 1, "A", true, &changed), CP_PRIORITY_ACCEPTED);
  assert_false(changed); /* already on */
  /* connector 1's own replaces nothing of 0's; a second one of its own
   * replaces the first whatever its stack level (one per connector) */
  prof own = make(6, 2, CP_PURPOSE_PRIORITY, CP_KIND_RELATIVE);
  period(&own, 0, 40, 0);
  assert_int_equal(set(s, 1, own, NULL, T0), OK);
  prof own2 = make(7, 3, CP_PURPOSE_PRIORITY, CP_KIND_RELATIVE);
  period(&own2, 0, 30, 0);
  assert_int_equal(set(s, 1, own2, NULL, T0), OK);
  assert_int_equal(cp_profiles_count(s), 5); /* max, default, tx, 0's priority, 7 */
  /* the station maximum bounds it: 30 A asked, 25 A allowed */
  assert_true(lim(s, 1, T0 + S(10), "A", T0) == 25.0);
  cp_composite_schedule c;
  assert_int_equal(cp_profiles_composite(s, 1, 600, CP_UNIT_AMPS, T0, "A", T0, 3, 230, &c), OK);
  expect_periods(&c, (cp_schedule_period[]){PD(0, 25, 0)}, 1);
  cp_composite_schedule_free(&c);
  /* a restart keeps the activation */
  close_db(s, db);
  s = open_db(t->path, &db);
  assert_true(cp_profiles_priority_active(s, 1, "A"));
  assert_false(cp_profiles_priority_active(s, 1, "B"));
  assert_true(lim(s, 1, T0 + S(10), "A", T0) == 25.0);
  /* deactivated: the TxProfile again */
  assert_int_equal(cp_profiles_use_priority(s, 1, "A", false, &changed), CP_PRIORITY_ACCEPTED);
  assert_true(changed);
  assert_true(lim(s, 1, T0 + S(10), "A", T0) == 8.0);
  assert_int_equal(cp_profiles_use_priority(s, 1, "A", false, &changed), CP_PRIORITY_ACCEPTED);
  assert_false(changed);
  /* the end of the transaction ends it; the profiles stay */
  assert_int_equal(cp_profiles_use_priority(s, 1, "A", true, &changed), CP_PRIORITY_ACCEPTED);
  cp_profiles_transaction_ended(s, 1);
  assert_false(cp_profiles_priority_active(s, 1, "A"));
  assert_true(cp_profiles_priority_available(s, 1));
  close_db(s, db);
  s = open_db(t->path, &db);
  assert_false(cp_profiles_priority_active(s, 1, "A")); /* on disk too */
  assert_true(lim(s, 1, T0 + S(10), "A", T0) == 10.0);  /* TxDefault: the TxProfile went */
  /* bad requests */
  assert_int_equal(cp_profiles_use_priority(s, 0, "A", true, NULL), CP_PRIORITY_REJECTED);
  assert_int_equal(cp_profiles_use_priority(s, 3, "A", true, NULL), CP_PRIORITY_REJECTED);
  assert_int_equal(cp_profiles_use_priority(s, 1, "", true, NULL), CP_PRIORITY_REJECTED);
  assert_int_equal(
      cp_profiles_use_priority(s, 1, "0123456789012345678901234567890123456", true, NULL),
      CP_PRIORITY_REJECTED);
  assert_int_equal(cp_profiles_use_priority(NULL, 1, "A", true, NULL), CP_PRIORITY_REJECTED);
  /* clearing it by purpose */
  cp_profile_filter f = {.has_purpose = true, .purpose = CP_PURPOSE_PRIORITY};
  assert_int_equal(cp_profiles_clear(s, &f), 2);
  assert_false(cp_profiles_priority_available(s, 1));
  close_db(s, db);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(no_profile_means_no_limit),
      cmocka_unit_test(purposes_are_checked_against_connectors),
      cmocka_unit_test(tx_profile_needs_its_transaction),
      cmocka_unit_test(tx_profile_ends_with_its_transaction),
      cmocka_unit_test(next_transaction_profile_binds_when_it_starts),
      cmocka_unit_test(highest_stack_level_wins_and_falls_back),
      cmocka_unit_test(connector_default_overrides_station_default),
      cmocka_unit_test(limit_is_min_of_station_max_and_tx),
      cmocka_unit_test(same_id_or_same_stack_and_purpose_replaces),
      cmocka_unit_test(installation_limits_are_enforced),
      cmocka_unit_test(malformed_profiles_are_rejected),
      cmocka_unit_test(absolute_periods_and_duration),
      cmocka_unit_test(recurring_daily_and_weekly),
      cmocka_unit_test(relative_follows_the_transaction_start),
      cmocka_unit_test(watts_become_amps_per_phase),
      cmocka_unit_test(clear_matches_every_given_criterion),
      cmocka_unit_test(next_change_finds_every_boundary),
      cmocka_unit_test(composite_merges_purposes_over_the_window),
      cmocka_unit_test(composite_gaps_and_refusals),
      cmocka_unit_test(composite_filled_covers_the_window),
      cmocka_unit_test_setup_teardown(profiles_survive_a_restart, db_setup, db_teardown),
      cmocka_unit_test_setup_teardown(a_transaction_end_inside_a_batch_removes_its_profiles,
                                      db_setup, db_teardown),
      cmocka_unit_test_setup_teardown(rows_of_earlier_versions_load, db_setup, db_teardown),
      cmocka_unit_test_setup_teardown(a_failed_write_changes_nothing, db_setup, db_teardown),
      cmocka_unit_test(per_phase_limits),
      cmocka_unit_test(use_local_time_follows_the_zone),
      cmocka_unit_test(randomized_delay_moves_each_period),
      cmocka_unit_test_setup_teardown(additions_survive_a_restart, db_setup, db_teardown),
      cmocka_unit_test(dynamic_profiles),
      cmocka_unit_test_setup_teardown(dynamic_survives_a_restart, db_setup, db_teardown),
      cmocka_unit_test_setup_teardown(max_offline_duration, db_setup, db_teardown),
      cmocka_unit_test_setup_teardown(priority_charging, db_setup, db_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
