/*
 * The rate limit of load-management limit events (issue 19): the first
 * limit is logged, a change of limited_by or of 1 A or more is logged, a
 * smaller move is not, and no connector logs twice within 30 s (a change
 * held back is logged once the gap is over) unless the limit starts or
 * stops the charge (6 A).
 */
/* cmocka.h needs these first */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#include "energy/limit_log.h"

static void first_then_small_moves(void **state) {
  (void)state;
  limit_log l = {0};
  assert_true(limit_log_due(&l, 16.0, 1, 0));
  assert_false(limit_log_due(&l, 16.0, 1, 60000));
  assert_false(limit_log_due(&l, 16.9, 1, 60000));
  assert_false(limit_log_due(&l, 15.1, 1, 90000));
  assert_true(limit_log_due(&l, 15.0, 1, 90000));
}

static void source_change(void **state) {
  (void)state;
  limit_log l = {0};
  assert_true(limit_log_due(&l, 10.0, 1, 0));
  assert_true(limit_log_due(&l, 10.0, 2, LIMIT_LOG_GAP_MS));
}

static void gap_holds_back_then_logs(void **state) {
  (void)state;
  limit_log l = {0};
  assert_true(limit_log_due(&l, 20.0, 1, 1000));
  /* a grid sample every second moving the share by amps: held back */
  for (int s = 1; s < 30; s++)
    assert_false(limit_log_due(&l, 20.0 - s % 12, s % 2 ? 2 : 1, 1000 + s * 1000));
  assert_true(limit_log_due(&l, 8.0, 1, 1000 + LIMIT_LOG_GAP_MS));
  assert_true(l.amps == 8.0);
  assert_false(limit_log_due(&l, 6.0, 1, 1000 + LIMIT_LOG_GAP_MS + 1000));
}

static void start_and_stop_go_through_the_gap(void **state) {
  (void)state;
  limit_log l = {0};
  assert_true(limit_log_due(&l, 0.0, 1, 0));   /* waiting for power */
  assert_true(limit_log_due(&l, 8.0, 1, 500)); /* its share: charging */
  assert_false(limit_log_due(&l, 10.0, 1, 1000));
  assert_true(limit_log_due(&l, 0.0, 1, 1500)); /* paused */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(first_then_small_moves),
      cmocka_unit_test(source_change),
      cmocka_unit_test(gap_holds_back_then_logs),
      cmocka_unit_test(start_and_stop_go_through_the_gap),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
