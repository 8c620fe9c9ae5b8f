/*
 * OCPP 2.0.1 J (src/ocpp/v201/tx_ended.c): the schedule of the readings a
 * transaction keeps for its Ended event, on a virtual clock. The sampled
 * series (SampledDataCtrlr.TxEndedInterval) counts from the transaction's
 * start, the clock-aligned one (AlignedDataCtrlr.TxEndedInterval) from
 * midnight UTC; a stall gives one reading, not one per missed instant; a
 * changed interval plans anew; a stopped transaction has none. The bounds:
 * a 1 s series over three days keeps at most V201_TXEND_ROWS + 1 readings on
 * disk, evenly spread, the first and the latest always; the Ended's series
 * thinned to its byte budget, first and last kept, the middle evenly.
 */
/* cmocka.h needs these first */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#include <stdbool.h>
#include <stdlib.h>

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

/* The readings on disk (their numbers n) of a series taken every second for
 * three days on the virtual clock, each kept as transactions.c does: the new
 * one inserted, then the ones v201_txend_keeps no longer wants removed. */
static void test_rows_bounded_over_days(void **state) {
  (void)state;
  v201_txend t;
  v201_txend_start(&t, T0);
  long kept[V201_TXEND_ROWS + 2];
  int count = 0;
  long ntaken = 0;
  borne_ms end = T0 + 3 * DAY;
  for (borne_ms now = T0; now <= end;) {
    if (v201_txend_due(&t, 1, 0, now, NULL, NULL) & V201_TXEND_SAMPLED) {
      assert_true(count < V201_TXEND_ROWS + 2);
      kept[count++] = ntaken++;
      int w = 0;
      for (int i = 0; i < count; i++)
        if (v201_txend_keeps(kept[i], ntaken, V201_TXEND_ROWS)) kept[w++] = kept[i];
      count = w;
      assert_true(count <= V201_TXEND_ROWS + 1);
      assert_int_equal(kept[0], 0);                  /* the first */
      assert_int_equal(kept[count - 1], ntaken - 1); /* the latest */
    }
    now = v201_txend_next(&t);
  }
  assert_true(ntaken >= 3 * 86400 - 1);
  /* evenly spread: one stride apart, but the latest */
  long stride = v201_txend_stride(ntaken, V201_TXEND_ROWS);
  assert_true(stride >= 2048 && stride <= 4096);
  for (int i = 1; i < count - 1; i++) assert_int_equal(kept[i] - kept[i - 1], stride);
  assert_true(count >= V201_TXEND_ROWS / 2);
  /* the predicate alone: a short series keeps everything */
  for (long n = 0; n < V201_TXEND_ROWS; n++)
    assert_true(v201_txend_keeps(n, V201_TXEND_ROWS, V201_TXEND_ROWS));
  assert_int_equal(v201_txend_stride(0, V201_TXEND_ROWS), 1);
  assert_int_equal(v201_txend_stride(V201_TXEND_ROWS + 1, V201_TXEND_ROWS), 2);
  assert_false(v201_txend_keeps(5, 5, V201_TXEND_ROWS)); /* not taken yet */
}

static void test_thin_to_the_budget(void **state) {
  (void)state;
  enum { N = 1000 };
  size_t sizes[N];
  bool keep[N];
  unsigned char one[N] = {0};
  for (int i = 0; i < N; i++) sizes[i] = 300;
  /* fits: all of them */
  assert_int_equal(v201_txend_thin(sizes, one, N, N * 301, keep), N);
  /* 20 000 bytes: first and last, the middle evenly */
  size_t k = v201_txend_thin(sizes, one, N, 20000, keep);
  assert_true(k >= 2 && k * 301 <= 20000 && k * 301 > 10000);
  assert_true(keep[0] && keep[N - 1]);
  int prev = 0, gap = 0;
  for (int i = 1; i < N - 1; i++) {
    if (!keep[i]) continue;
    if (gap) assert_int_equal(i - prev, gap);
    gap = i - prev;
    prev = i;
  }
  assert_true(gap >= 2);
  assert_true(N - 1 - prev <= gap); /* the last no further than one step */
  /* room for one: the last (the latest reading) */
  assert_int_equal(v201_txend_thin(sizes, one, N, 400, keep), 1);
  assert_true(keep[N - 1]);
  /* room for none */
  assert_int_equal(v201_txend_thin(sizes, one, N, 100, keep), 0);
  assert_int_equal(v201_txend_thin(sizes, one, 0, 0, keep), 0);

  /* two series mixed (the sampled and the clock-aligned one taken in turn):
   * each keeps its own first and last, each thinned evenly */
  unsigned char two[N];
  for (int i = 0; i < N; i++) two[i] = (unsigned char)(i % 2);
  k = v201_txend_thin(sizes, two, N, 20000, keep);
  assert_true(k * 301 <= 20000 && k >= 20);
  assert_true(keep[0] && keep[1] && keep[N - 2] && keep[N - 1]);
  for (int g = 0; g < 2; g++) {
    int count = 0, last = -1, step = 0, uneven = 0;
    for (int i = g; i < N; i += 2) {
      if (!keep[i]) continue;
      count++;
      if (last >= 0 && i < N - 2) {
        if (step && i - last != step) uneven++;
        step = i - last;
      }
      last = i;
    }
    assert_true(count >= 10);
    assert_int_equal(uneven, 0);
  }
  /* room for the two lasts only: the firsts go first */
  assert_int_equal(v201_txend_thin(sizes, two, N, 700, keep), 2);
  assert_true(keep[N - 2] && keep[N - 1]);
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
      cmocka_unit_test(test_rows_bounded_over_days),
      cmocka_unit_test(test_thin_to_the_budget),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
