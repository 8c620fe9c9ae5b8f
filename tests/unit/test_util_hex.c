/*
 * util/hex: bytes as hex text in either case (OCMF wants upper case, OCPP
 * hashes and web tokens lower case) and the value of one hex digit.
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

#include "util/hex.h"

static void encodes_every_byte_in_either_case(void **state) {
  (void)state;
  const unsigned char in[] = {0x00, 0x0f, 0x10, 0xa5, 0xff};
  char out[2 * sizeof in + 1];
  memset(out, 'z', sizeof out);
  hex_encode(in, sizeof in, out, true);
  assert_string_equal(out, "000F10A5FF");
  hex_encode(in, sizeof in, out, false);
  assert_string_equal(out, "000f10a5ff");
  hex_encode(in, 0, out, false);
  assert_string_equal(out, "");
}

static void digit_values(void **state) {
  (void)state;
  const char *digits = "0123456789abcdef";
  for (int i = 0; i < 16; i++) assert_int_equal(hex_digit(digits[i]), i);
  const char *upper = "ABCDEF";
  for (int i = 0; i < 6; i++) assert_int_equal(hex_digit(upper[i]), 10 + i);
  const char *not_hex = "gG/:@`\0 x";
  for (size_t i = 0; i < 9; i++) assert_int_equal(hex_digit(not_hex[i]), -1);
  assert_int_equal(hex_digit((char)0xC3), -1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(encodes_every_byte_in_either_case),
      cmocka_unit_test(digit_values),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
