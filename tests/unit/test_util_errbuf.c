/*
 * util/errbuf: the one helper that writes an error message into a caller's
 * buffer. It formats, cuts to fit and terminates, ignores a NULL or empty
 * buffer, and errbuf_fail returns -1.
 */
/* cmocka.h needs these first */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#include <string.h>

#include "util/errbuf.h"

static void formats_into_the_buffer(void **state) {
  (void)state;
  char err[64];
  errbuf_setf(err, sizeof err, "`%s` must be %d to %d", "x", 1, 32);
  assert_string_equal(err, "`x` must be 1 to 32");
  assert_int_equal(errbuf_fail(err, sizeof err, "bad %s", "key"), -1);
  assert_string_equal(err, "bad key");
}

static void cuts_to_fit_and_terminates(void **state) {
  (void)state;
  char err[8];
  memset(err, 'z', sizeof err);
  errbuf_setf(err, sizeof err, "%s", "connector.1.phases");
  assert_string_equal(err, "connect");
  char one[1] = {'z'};
  assert_int_equal(errbuf_fail(one, sizeof one, "%s", "anything"), -1);
  assert_int_equal(one[0], '\0');
}

static void no_buffer_is_fine(void **state) {
  (void)state;
  errbuf_setf(NULL, 0, "dropped %d", 1);
  errbuf_setf(NULL, 16, "dropped %d", 2);
  char err[4] = "abc";
  errbuf_setf(err, 0, "dropped %d", 3);
  assert_string_equal(err, "abc"); /* a zero length leaves the buffer alone */
  assert_int_equal(errbuf_fail(NULL, 0, "dropped %d", 4), -1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(formats_into_the_buffer),
      cmocka_unit_test(cuts_to_fit_and_terminates),
      cmocka_unit_test(no_buffer_is_fine),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
