/*
 * OCPP 2.0.1 J (src/ocpp/v201/tx_ended.c): the schedule of the readings a
 * transaction keeps for its Ended event, on a virtual clock. The sampled
 * series (SampledDataCtrlr.TxEndedInterval) counts from the transaction's
 * start, the clock-aligned one (AlignedDataCtrlr.TxEndedInterval) from
 * midnight UTC; a stall gives one reading, not one per missed instant; a
 * changed interval plans anew; a stopped transaction has none.
 */
/* cmocka.h needs these first */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#include "ocpp/v201/tx_ended.h"

#define DAY 86400000LL
/* a day at 10:00:07.250 UTC: not on any aligned instant */
#define T0 (20429 * DAY + 10 * 3600000LL + 7250)

typedef struct {
  int sampled, aligned; /* readings taken */
  borne_ms sampled_at[64], aligned_at[64];
} taken;

/* Walks the virtual clock from `from` to `to` in steps of `step` ms, as the
 * station's timer would (it also wakes at v201_txend_next). */
static void walk(v201_txend *t, long sampled_s, long aligned_s, borne_ms from, borne_ms to,
                 borne_ms step, taken *out) {
  for (borne_ms now = from; now <= to;) {
    borne_ms s_at = -1, a_at = -1;
    unsigned due = v201_txend_due(t, sampled_s, aligned_s, now, &s_at, &a_at);
    if ((due & V201_TXEND_SAMPLED) && out->sampled < 64) out->sampled_at[out->sampled++] = s_at;
    if ((due & V201_TXEND_ALIGNED) && out->aligned < 64) out->aligned_at[out->aligned++] = a_at;
    borne_ms next = v201_txend_next(t);
    now = next != V201_TXEND_NEVER && next < now + step ? next : now + step;
  }
}

static void test_sampled_from_the_start(void **state) {
  (void)state;
  v201_txend t;
  v201_txend_start(&t, T0);
  taken got = {0};
  walk(&t, 60, 0, T0, T0 + 300000, 1000, &got);
  /* at 60, 120, 180, 240, 300 s from the start; none at the start (its
   * value is the Started's Transaction.Begin) */
  assert_int_equal(got.sampled, 5);
  for (int i = 0; i < 5; i++) assert_int_equal(got.sampled_at[i], T0 + (i + 1) * 60000LL);
  assert_int_equal(got.aligned, 0);
  assert_int_equal(v201_txend_next(&t), T0 + 360000);
}

static void test_aligned_on_the_clock(void **state) {
  (void)state;
  v201_txend t;
  v201_txend_start(&t, T0);
  taken got = {0};
  walk(&t, 0, 900, T0, T0 + 3600000, 5000, &got);
  /* 10:15, 10:30, 10:45, 11:00 UTC, each stamped with its instant */
  assert_int_equal(got.aligned, 4);
  for (int i = 0; i < 4; i++)
    assert_int_equal(got.aligned_at[i], 20429 * DAY + 10 * 3600000LL + (i + 1) * 900000LL);
  assert_int_equal(got.sampled, 0);
}

static void test_both_series(void **state) {
  (void)state;
  v201_txend t;
  v201_txend_start(&t, T0);
  taken got = {0};
  walk(&t, 120, 60, T0, T0 + 600000, 1000, &got);
  assert_int_equal(got.sampled, 5);  /* every 120 s from 10:00:07.250 */
  assert_int_equal(got.aligned, 10); /* 10:01:00 … 10:10:00 */
  assert_int_equal(got.sampled_at[0], T0 + 120000);
  assert_int_equal(got.aligned_at[0], 20429 * DAY + 10 * 3600000LL + 60000);
  assert_int_equal(got.aligned_at[9], 20429 * DAY + 10 * 3600000LL + 600000);
}

static void test_stall_gives_one_reading(void **state) {
  (void)state;
  v201_txend t;
  v201_txend_start(&t, T0);
  assert_int_equal(v201_txend_due(&t, 60, 60, T0, NULL, NULL), 0u); /* plans */
  borne_ms s_at = 0, a_at = 0;
  /* the loop stood still 5 min: one reading of each, then the next instants */
  unsigned due = v201_txend_due(&t, 60, 60, T0 + 300500, &s_at, &a_at);
  assert_int_equal(due, V201_TXEND_SAMPLED | V201_TXEND_ALIGNED);
  assert_int_equal(s_at, T0 + 300500);
  assert_int_equal(a_at, 20429 * DAY + 10 * 3600000LL + 60000); /* the first missed instant */
  assert_int_equal(v201_txend_due(&t, 60, 60, T0 + 300600, NULL, NULL), 0u);
  assert_int_equal(t.next_sampled, T0 + 360000);
  assert_int_equal(t.next_aligned, 20429 * DAY + 10 * 3600000LL + 360000);
}

static void test_interval_changed_plans_anew(void **state) {
  (void)state;
  v201_txend t;
  v201_txend_start(&t, T0);
  taken got = {0};
  walk(&t, 60, 0, T0, T0 + 130000, 1000, &got);
  assert_int_equal(got.sampled, 2);
  /* 60 -> 300: nothing owed for the change, the next at 300 s from the start */
  assert_int_equal(v201_txend_due(&t, 300, 0, T0 + 131000, NULL, NULL), 0u);
  assert_int_equal(v201_txend_next(&t), T0 + 300000);
  /* off, then on again */
  assert_int_equal(v201_txend_due(&t, 0, 0, T0 + 132000, NULL, NULL), 0u);
  assert_int_equal(v201_txend_next(&t), V201_TXEND_NEVER);
  assert_int_equal(v201_txend_due(&t, 0, 30, T0 + 133000, NULL, NULL), 0u);
  assert_int_equal(v201_txend_next(&t), 20429 * DAY + 10 * 3600000LL + 150000);
}

static void test_restart_owes_nothing_past(void **state) {
  (void)state;
  /* a transaction started 10 min before a restart: the series goes on at
   * its next instant from its start, the instants missed are not owed */
  v201_txend t;
  v201_txend_start(&t, T0);
  assert_int_equal(v201_txend_due(&t, 60, 0, T0 + 610000, NULL, NULL), 0u);
  assert_int_equal(v201_txend_next(&t), T0 + 660000);
}

static void test_stopped_has_none(void **state) {
  (void)state;
  v201_txend t;
  v201_txend_start(&t, T0);
  assert_int_equal(v201_txend_due(&t, 60, 60, T0, NULL, NULL), 0u);
  v201_txend_stop(&t);
  assert_false(t.running);
  assert_int_equal(v201_txend_next(&t), V201_TXEND_NEVER);
  assert_int_equal(v201_txend_due(&t, 60, 60, T0 + 3600000, NULL, NULL), 0u);
  /* never started (zeroed) is the same */
  v201_txend z = {0};
  assert_int_equal(v201_txend_due(&z, 60, 60, T0, NULL, NULL), 0u);
  assert_int_equal(v201_txend_next(&z), V201_TXEND_NEVER);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sampled_from_the_start),
      cmocka_unit_test(test_aligned_on_the_clock),
      cmocka_unit_test(test_both_series),
      cmocka_unit_test(test_stall_gives_one_reading),
      cmocka_unit_test(test_interval_changed_plans_anew),
      cmocka_unit_test(test_restart_owes_nothing_past),
      cmocka_unit_test(test_stopped_has_none),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
