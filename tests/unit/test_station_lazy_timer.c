/*
 * station/lazy_timer.h (issue 18): a timer made by its first start, freed
 * once closed; nothing allocated for one never started, no start after the
 * close, and the loop ends with nothing left open (the ASan build finds a
 * handle not freed).
 */
/* cmocka.h needs these first */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#include "station/lazy_timer.h"

static int fired;

static void count_cb(uv_timer_t *t) { fired += *(int *)t->data; }

static void never_started_holds_nothing_and_closes_as_a_no_op(void **state) {
  (void)state;
  uv_loop_t loop;
  uv_loop_init(&loop);
  lazy_timer t = {0};
  assert_null(t.h);
  assert_false(lazy_timer_active(&t));
  lazy_timer_stop(&t);
  assert_null(t.h);
  lazy_timer_close(&t);
  assert_null(t.h);
  assert_int_equal(lazy_timer_start(&t, &loop, count_cb, &(int){1}, 0, 0), -1); /* closed */
  assert_null(t.h);
  assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
  assert_int_equal(uv_loop_close(&loop), 0);
}

static void started_it_fires_with_its_data_and_is_freed_by_the_close(void **state) {
  (void)state;
  uv_loop_t loop;
  uv_loop_init(&loop);
  lazy_timer t = {0};
  int step = 5;
  fired = 0;
  assert_int_equal(lazy_timer_start(&t, &loop, count_cb, &step, 0, 0), 0);
  assert_non_null(t.h);
  assert_true(lazy_timer_active(&t));
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(fired, 5);
  assert_false(lazy_timer_active(&t));
  uv_timer_t *kept = t.h;
  assert_int_equal(lazy_timer_start(&t, &loop, count_cb, &step, 1000000, 0), 0);
  assert_ptr_equal(t.h, kept); /* the same handle again */
  lazy_timer_stop(&t);
  assert_false(lazy_timer_active(&t));
  assert_int_equal(lazy_timer_start(&t, &loop, count_cb, &step, 1000000, 0), 0);
  lazy_timer_close(&t); /* active: stopped, closed, freed by the loop */
  assert_null(t.h);
  assert_int_equal(lazy_timer_start(&t, &loop, count_cb, &step, 0, 0), -1);
  assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
  assert_int_equal(fired, 5);
  assert_int_equal(uv_loop_close(&loop), 0);
}

/* lazy_timer_release: the handle goes (freed by the loop), the pending
 * expiry never fires, and a later start makes a new one that does. */
static void released_it_gives_the_handle_back_and_starts_again(void **state) {
  (void)state;
  uv_loop_t loop;
  uv_loop_init(&loop);
  lazy_timer t = {0};
  int step = 3;
  fired = 0;
  lazy_timer_release(&t); /* never started: nothing */
  assert_null(t.h);
  assert_int_equal(lazy_timer_start(&t, &loop, count_cb, &step, 0, 0), 0);
  lazy_timer_release(&t); /* armed, then given back before it fires */
  assert_null(t.h);
  assert_false(lazy_timer_active(&t));
  assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
  assert_int_equal(fired, 0);
  assert_int_equal(lazy_timer_start(&t, &loop, count_cb, &step, 0, 0), 0); /* not closed */
  assert_non_null(t.h);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(fired, 3);
  lazy_timer_close(&t);
  assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
  assert_int_equal(uv_loop_close(&loop), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(never_started_holds_nothing_and_closes_as_a_no_op),
      cmocka_unit_test(started_it_fires_with_its_data_and_is_freed_by_the_close),
      cmocka_unit_test(released_it_gives_the_handle_back_and_starts_again),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
