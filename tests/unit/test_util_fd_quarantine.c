/*
 * Tests of util/fd_quarantine: the numbers a first teardown step closed are
 * not handed to anyone else before the second step, whose repeated close
 * then hits a placeholder, and nothing is left open at the end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "util/fd_quarantine.h"

static bool is_open(int fd) { return fcntl(fd, F_GETFD) != -1; }

static int count_open(void) {
  int n = 0;
  for (int fd = 0; fd < 1024; fd++) n += is_open(fd);
  return n;
}

/* lws's pattern: close the event fd at the first step, again at the second */
static void a_double_close_hits_the_placeholder(void **state) {
  (void)state;
  int open_before = count_open();
  int event_fd[2];
  assert_int_equal(pipe(event_fd), 0);
  fd_quarantine q;
  fd_quarantine_begin(&q);
  close(event_fd[0]); /* first step */
  fd_quarantine_hold(&q);
  assert_true(is_open(event_fd[0])); /* held */

  /* meanwhile someone opens a file: it does not get the number */
  int other = open("/dev/zero", O_RDONLY | O_CLOEXEC);
  assert_true(other >= 0);
  assert_int_not_equal(other, event_fd[0]);

  close(event_fd[0]); /* second step: the same number again */
  close(event_fd[1]);
  fd_quarantine_end(&q);
  char c;
  assert_int_equal(read(other, &c, 1), 1); /* untouched */
  close(other);
  assert_int_equal(count_open(), open_before);
}

/* what the second step does not close again is closed by the end */
static void placeholders_are_released(void **state) {
  (void)state;
  int open_before = count_open();
  int fds[2];
  assert_int_equal(pipe(fds), 0);
  fd_quarantine q;
  fd_quarantine_begin(&q);
  close(fds[0]);
  close(fds[1]);
  fd_quarantine_hold(&q);
  assert_true(is_open(fds[0]) && is_open(fds[1]));
  fd_quarantine_end(&q);
  assert_false(is_open(fds[0]) || is_open(fds[1]));
  assert_int_equal(count_open(), open_before);
}

/* descriptors opened after begin, or left open, are not touched */
static void other_descriptors_are_left_alone(void **state) {
  (void)state;
  fd_quarantine q;
  fd_quarantine_begin(&q);
  int later = open("/dev/zero", O_RDONLY | O_CLOEXEC);
  fd_quarantine_hold(&q);
  fd_quarantine_end(&q);
  assert_true(is_open(later));
  close(later);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(a_double_close_hits_the_placeholder),
      cmocka_unit_test(placeholders_are_released),
      cmocka_unit_test(other_descriptors_are_left_alone),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
