/*
 * The setup button's decision (src/network/network_button.c, issue 20) on a
 * virtual clock: a press (released → pressed) opens the setup access point;
 * the level at start-up is no press (a button held or stuck at boot opens
 * nothing); presses within NET_AP_BUTTON_REPEAT_MS (2 s) of the one that
 * opened it are the same press; a clock set back does not silence the button.
 */
/* cmocka.h needs these first */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#include "network/network_button.h"

/* the virtual clock: station time in ms, moved by the test only */
static borne_ms now_ms;

static bool level(net_ap_button *b, bool pressed) {
  return net_ap_button_level(b, pressed, now_ms);
}

static void test_startup_level_is_no_press(void **state) {
  (void)state;
  now_ms = 1000000;
  net_ap_button held = {0};
  assert_false(level(&held, true)); /* held (or stuck) at start-up */
  now_ms += 60000;
  assert_false(level(&held, true)); /* still held: no edge */
  assert_false(level(&held, false));
  now_ms += 100;
  assert_true(level(&held, true)); /* released then pressed: a press */

  net_ap_button up = {0};
  assert_false(level(&up, false)); /* released at start-up */
  now_ms += 10;
  assert_true(level(&up, true));   /* the first press counts at once */
  assert_false(level(&up, false)); /* a release is never a press */
}

static void test_presses_within_2s_are_one(void **state) {
  (void)state;
  now_ms = 5000;
  net_ap_button b = {0};
  assert_false(level(&b, false));
  assert_true(level(&b, true));
  borne_ms opened = now_ms;
  /* bounce and an impatient finger: every press up to 1999 ms after is the same press */
  for (borne_ms dt = 1; dt < NET_AP_BUTTON_REPEAT_MS; dt += 250) {
    now_ms = opened + dt;
    assert_false(level(&b, false));
    assert_false(level(&b, true));
  }
  now_ms = opened + NET_AP_BUTTON_REPEAT_MS - 1;
  assert_false(level(&b, false));
  assert_false(level(&b, true));
  /* exactly 2 s after the press that opened it: a new press (the time starts over) */
  assert_false(level(&b, false));
  now_ms = opened + NET_AP_BUTTON_REPEAT_MS;
  assert_true(level(&b, true));
  /* the window counts from that new press, not from the first one */
  now_ms += NET_AP_BUTTON_REPEAT_MS - 1;
  assert_false(level(&b, false));
  assert_false(level(&b, true));
  now_ms += 1;
  assert_false(level(&b, false));
  assert_true(level(&b, true));
}

static void test_repeated_levels_are_no_edge(void **state) {
  (void)state;
  now_ms = 0;
  net_ap_button b = {0};
  assert_false(level(&b, false));
  assert_false(level(&b, false));
  now_ms = 10000;
  assert_true(level(&b, true));
  now_ms = 30000;
  assert_false(level(&b, true)); /* the same level reported again (a re-read, not an edge) */
  assert_false(level(&b, false));
  assert_false(level(&b, false));
  now_ms = 40000;
  assert_true(level(&b, true));
}

static void test_clock_set_back(void **state) {
  (void)state;
  now_ms = 3600000;
  net_ap_button b = {0};
  assert_false(level(&b, false));
  assert_true(level(&b, true));
  assert_false(level(&b, false));
  now_ms -= 3000000; /* set back by 50 min: a press is a press, not 50 min of silence */
  assert_true(level(&b, true));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_startup_level_is_no_press),
      cmocka_unit_test(test_presses_within_2s_are_one),
      cmocka_unit_test(test_repeated_levels_are_no_edge),
      cmocka_unit_test(test_clock_set_back),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
