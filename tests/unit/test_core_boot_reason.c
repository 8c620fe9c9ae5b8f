/*
 * The BootNotification reason of a start (core/boot_reason.h): the reason a
 * restarter recorded wins; else the run before's marker and OS boot id
 * against the boot id of now tell a power-up, a crash of the application, a
 * clean stop and start by a local hand, a watchdog reboot.
 */
/* cmocka.h needs these first */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#include "core/boot_reason.h"

#define BOOT_A "0b1c2d3e-0000-4000-8000-00000000000a"
#define BOOT_B "0b1c2d3e-0000-4000-8000-00000000000b"

static void a_recorded_reason_wins_whatever_the_boot(void **state) {
  (void)state;
  static const boot_reason recorded[] = {BOOT_REASON_LOCAL_RESET, BOOT_REASON_REMOTE_RESET,
                                         BOOT_REASON_FIRMWARE_UPDATE};
  for (size_t i = 0; i < sizeof recorded / sizeof recorded[0]; i++) {
    /* the same boot, or a new one (RAUC's reboot into the other slot) */
    boot_facts same = {
        .had_run = true, .recorded = recorded[i], .run_boot = BOOT_A, .boot = BOOT_A};
    boot_facts other = same;
    other.boot = BOOT_B;
    other.running = true;
    assert_int_equal(boot_reason_decide(&same), recorded[i]);
    assert_int_equal(boot_reason_decide(&other), recorded[i]);
  }
}

static void the_first_start_is_a_power_up(void **state) {
  (void)state;
  boot_facts f = {.boot = BOOT_A};
  assert_int_equal(boot_reason_decide(&f), BOOT_REASON_POWER_UP);
}

static void a_new_os_boot_is_a_power_up_or_the_watchdog(void **state) {
  (void)state;
  /* a power cut (the marker left) or a clean shutdown of the OS */
  for (int running = 0; running <= 1; running++) {
    boot_facts f = {.had_run = true, .running = running, .run_boot = BOOT_A, .boot = BOOT_B};
    assert_int_equal(boot_reason_decide(&f), BOOT_REASON_POWER_UP);
    f.watchdog_rebooted = true;
    assert_int_equal(boot_reason_decide(&f), BOOT_REASON_WATCHDOG);
  }
}

static void the_same_os_boot_and_the_marker_left_is_an_application_reset(void **state) {
  (void)state;
  boot_facts f = {.had_run = true, .running = true, .run_boot = BOOT_A, .boot = BOOT_A};
  assert_int_equal(boot_reason_decide(&f), BOOT_REASON_APPLICATION_RESET);
  /* the watchdog device's word is about the OS boot, not this one */
  f.watchdog_rebooted = true;
  assert_int_equal(boot_reason_decide(&f), BOOT_REASON_APPLICATION_RESET);
}

static void the_same_os_boot_after_a_clean_stop_is_a_local_reset(void **state) {
  (void)state;
  boot_facts f = {.had_run = true, .running = false, .run_boot = BOOT_A, .boot = BOOT_A};
  assert_int_equal(boot_reason_decide(&f), BOOT_REASON_LOCAL_RESET);
}

static void an_unknown_boot_id_is_unknown(void **state) {
  (void)state;
  boot_facts f = {.had_run = true, .running = true, .run_boot = "", .boot = BOOT_A};
  assert_int_equal(boot_reason_decide(&f), BOOT_REASON_UNKNOWN);
  f.run_boot = BOOT_A;
  f.boot = NULL;
  assert_int_equal(boot_reason_decide(&f), BOOT_REASON_UNKNOWN);
}

static void names_are_boot_reason_enum_type_words_and_parse_back(void **state) {
  (void)state;
  assert_string_equal(boot_reason_name(BOOT_REASON_POWER_UP), "PowerUp");
  assert_string_equal(boot_reason_name(BOOT_REASON_LOCAL_RESET), "LocalReset");
  assert_string_equal(boot_reason_name(BOOT_REASON_REMOTE_RESET), "RemoteReset");
  assert_string_equal(boot_reason_name(BOOT_REASON_FIRMWARE_UPDATE), "FirmwareUpdate");
  assert_string_equal(boot_reason_name(BOOT_REASON_APPLICATION_RESET), "ApplicationReset");
  assert_string_equal(boot_reason_name(BOOT_REASON_WATCHDOG), "Watchdog");
  assert_string_equal(boot_reason_name(BOOT_REASON_UNKNOWN), "Unknown");
  assert_string_equal(boot_reason_name(BOOT_REASON_NONE), "Unknown");
  for (int r = BOOT_REASON_POWER_UP; r <= BOOT_REASON_UNKNOWN; r++)
    assert_int_equal(boot_reason_parse(boot_reason_name((boot_reason)r)), r);
  assert_int_equal(boot_reason_parse("Triggered"), BOOT_REASON_NONE);
  assert_int_equal(boot_reason_parse(NULL), BOOT_REASON_NONE);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(a_recorded_reason_wins_whatever_the_boot),
      cmocka_unit_test(the_first_start_is_a_power_up),
      cmocka_unit_test(a_new_os_boot_is_a_power_up_or_the_watchdog),
      cmocka_unit_test(the_same_os_boot_and_the_marker_left_is_an_application_reset),
      cmocka_unit_test(the_same_os_boot_after_a_clean_stop_is_a_local_reset),
      cmocka_unit_test(an_unknown_boot_id_is_unknown),
      cmocka_unit_test(names_are_boot_reason_enum_type_words_and_parse_back),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
