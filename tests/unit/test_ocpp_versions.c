/*
 * The `ocpp.version` list (src/ocpp/ocpp_version.c): one version or a
 * comma-separated list in order of preference becomes the dialects offered,
 * the Sec-WebSocket-Protocol value lists their subprotocols in that order,
 * the server's pick maps back to a dialect, and bad lists (unknown, twice,
 * empty, a version borne does not speak yet) get a clear reason.
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
#include <string.h>

#include "ocpp/ocpp_version.h"
#include "ocpp21_messages.h"

static size_t parse(const char *text, bool spoken_only, const ocpp_dialect **list, char *why) {
  size_t n = 99;
  if (ocpp_version_list_parse(text, spoken_only, list, &n, why, 200) != 0) return 0;
  return n;
}

static void a_list_keeps_its_order(void **state) {
  (void)state;
  const ocpp_dialect *l[OCPP_VERSIONS_MAX];
  char why[200] = "";
  assert_int_equal(parse("2.1,2.0.1,1.6", false, l, why), 3);
  assert_ptr_equal(l[0], &ocpp21_dialect);
  assert_ptr_equal(l[1], &ocpp201_dialect);
  assert_ptr_equal(l[2], &ocpp16_dialect);
  char offer[64];
  assert_int_equal(ocpp_version_offer(l, 3, offer, sizeof offer), 0);
  assert_string_equal(offer, "ocpp2.1, ocpp2.0.1, ocpp1.6");
  assert_int_equal(parse(" 1.6 , 2.0.1", false, l, why), 2);
  assert_ptr_equal(l[0], &ocpp16_dialect);
  assert_ptr_equal(l[1], &ocpp201_dialect);
  assert_int_equal(ocpp_version_offer(l, 2, offer, sizeof offer), 0);
  assert_string_equal(offer, "ocpp1.6, ocpp2.0.1");
  assert_int_equal(ocpp_version_offer(l, 2, offer, 10), -1); /* does not fit */
  assert_int_equal(parse("1.6", true, l, why), 1);
  assert_ptr_equal(l[0], &ocpp16_dialect);
}

static void bad_lists_say_why(void **state) {
  (void)state;
  const ocpp_dialect *l[OCPP_VERSIONS_MAX];
  char why[200];
  assert_int_equal(parse("", false, l, why), 0);
  assert_string_equal(why, "no OCPP version");
  assert_int_equal(parse("1.6,,2.0.1", false, l, why), 0);
  assert_string_equal(why, "an empty item in the list");
  assert_int_equal(parse("1.6,", false, l, why), 0);
  assert_int_equal(parse("2.0", false, l, why), 0);
  assert_string_equal(why, "unknown OCPP version '2.0' (1.6, 2.0.1 or 2.1)");
  assert_int_equal(parse("ocpp1.6", false, l, why), 0); /* versions, not subprotocols */
  assert_int_equal(parse("1.6,2.1,1.6", false, l, why), 0);
  assert_string_equal(why, "OCPP version 1.6 named twice");
  assert_int_equal(parse("1.6,2.1,2.0.1,1.6", false, l, why), 0);
  assert_int_equal(parse("a-very-long-version-name", false, l, why), 0);
  /* every version has its behaviour now (2.1 through the 2.0.1 dialect) */
  assert_int_equal(parse("2.0.1,1.6", true, l, why), 2);
  assert_int_equal(parse("2.1,2.0.1,1.6", true, l, why), 3);
}

static void the_servers_pick_is_a_dialect(void **state) {
  (void)state;
  const ocpp_dialect *l[] = {&ocpp201_dialect, &ocpp16_dialect};
  assert_ptr_equal(ocpp_version_picked(l, 2, "ocpp1.6"), &ocpp16_dialect);
  assert_ptr_equal(ocpp_version_picked(l, 2, "ocpp2.0.1"), &ocpp201_dialect);
  assert_ptr_equal(ocpp_version_picked(l, 2, ""), &ocpp201_dialect); /* none named: the first */
  assert_ptr_equal(ocpp_version_picked(l, 2, NULL), &ocpp201_dialect);
  assert_null(ocpp_version_picked(l, 2, "ocpp2.1")); /* not offered */
  assert_null(ocpp_version_picked(l, 0, "ocpp1.6"));
  assert_ptr_equal(ocpp_dialect_find("2.1"), &ocpp21_dialect);
  assert_ptr_equal(ocpp_dialect_find("ocpp2.0.1"), &ocpp201_dialect);
  assert_null(ocpp_dialect_find("ocpp2.0"));
  assert_null(ocpp_dialect_find(NULL));
  assert_true(ocpp16_dialect.spoken);
  assert_true(ocpp201_dialect.spoken);
  assert_true(ocpp21_dialect.spoken);
  assert_ptr_equal(ocpp21_dialect.validate, ocpp21_validate);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(a_list_keeps_its_order),
      cmocka_unit_test(bad_lists_say_why),
      cmocka_unit_test(the_servers_pick_is_a_dialect),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
