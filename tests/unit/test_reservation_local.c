/* Local reservations' rules (src/reservation/reservation.c, issue 19). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "reservation/reservation.h"

#define T0 1800000000000LL
#define H 3600000LL

static reservation make(int id, int c, const char *badge, const char *user, borne_ms start,
                        borne_ms expiry) {
  reservation r = {.id = id, .connector = c, .start = start, .expiry = expiry};
  snprintf(r.badge, sizeof r.badge, "%s", badge);
  snprintf(r.user, sizeof r.user, "%s", user);
  return r;
}

static void test_phase(void **state) {
  (void)state;
  reservation r = make(-1, 1, "", "Room 12", T0 + H, T0 + 2 * H);
  assert_int_equal(reservation_phase_at(&r, T0), RESERVATION_PENDING);
  assert_int_equal(reservation_phase_at(&r, T0 + H), RESERVATION_ACTIVE);
  assert_int_equal(reservation_phase_at(&r, T0 + 2 * H - 1), RESERVATION_ACTIVE);
  assert_int_equal(reservation_phase_at(&r, T0 + 2 * H), RESERVATION_OVER);
}

static void test_check(void **state) {
  (void)state;
  char why[160];
  reservation others[] = {make(-1, 1, "", "Room 12", T0 + H, T0 + 2 * H)};
  reservation r = make(0, 1, "04A1", "", T0, T0 + H); /* ends as the other starts */
  assert_int_equal(reservation_check(&r, 2, T0, others, 1, why, sizeof why), 0);
  r.expiry = T0 + H + 1;
  assert_int_equal(reservation_check(&r, 2, T0, others, 1, why, sizeof why), -1);
  assert_string_equal(why, "connector 1 is already reserved then (reservation -1)");
  r.connector = 2; /* another connector: no clash */
  assert_int_equal(reservation_check(&r, 2, T0, others, 1, why, sizeof why), 0);
  r.connector = 3;
  assert_int_equal(reservation_check(&r, 2, T0, others, 1, why, sizeof why), -1);
  assert_string_equal(why, "connector: this station has connectors 1 to 2");
  r = make(0, 2, "04A1", "Room 12", T0, T0 + H);
  assert_int_equal(reservation_check(&r, 2, T0, NULL, 0, why, sizeof why), -1);
  assert_non_null(strstr(why, "badge or user"));
  r = make(0, 2, "", "", T0, T0 + H);
  assert_int_equal(reservation_check(&r, 2, T0, NULL, 0, why, sizeof why), -1);
  r = make(0, 2, "04A1", "", T0, T0);
  assert_int_equal(reservation_check(&r, 2, T0, NULL, 0, why, sizeof why), -1);
  assert_string_equal(why, "expiry: must be in the future");
  r = make(0, 2, "04A1", "", T0 + 2 * H, T0 + H);
  assert_int_equal(reservation_check(&r, 2, T0, NULL, 0, why, sizeof why), -1);
  assert_string_equal(why, "start: must be before the expiry");
}

static void test_next_change(void **state) {
  (void)state;
  reservation l[] = {make(-1, 1, "", "A", T0 + H, T0 + 3 * H),
                     make(-2, 2, "B1", "", T0 - H, T0 + 2 * H)};
  assert_int_equal(reservation_next_change(l, 2, T0), T0 + H);
  assert_int_equal(reservation_next_change(l, 2, T0 + H), T0 + 2 * H);
  assert_int_equal(reservation_next_change(l, 2, T0 + 2 * H), T0 + 3 * H);
  assert_int_equal(reservation_next_change(l, 2, T0 + 3 * H), INT64_MAX);
  assert_int_equal(reservation_next_change(NULL, 0, T0), INT64_MAX);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_phase),
      cmocka_unit_test(test_check),
      cmocka_unit_test(test_next_change),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
