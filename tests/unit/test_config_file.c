/*
 * The configuration file format: key = value lines, comments, sections,
 * quotes and escapes, CRLF, and errors that name FILE:LINE; loading is all or
 * nothing; a missing file names its path and the system's reason.
 */
/* cmocka.h needs these first */
// clang-format off
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
// clang-format on

#include "keys/key_tables.h"
#include "site/members.h"
#include "config/config.h"

static int setup(void **state) {
  *state = config_new();
  return *state ? 0 : -1;
}

static int teardown(void **state) {
  config_free(*state);
  return 0;
}

static void load_ok(config *c, const char *text) {
  char err[512] = "";
  if (config_load_string(c, text, "t.conf", err, sizeof err) != 0)
    fail_msg("refused: %s\n---\n%s", err, text);
}

/* Loading must fail with exactly `want` and leave the config unchanged. */
static void load_fails(config *c, const char *text, const char *want) {
  char err[512] = "";
  char before[64];
  snprintf(before, sizeof before, "%s", config_get(c, "station.id"));
  if (config_load_string(c, text, "t.conf", err, sizeof err) == 0) fail_msg("accepted:\n%s", text);
  if (strcmp(err, want) != 0) fail_msg("error `%s`, want `%s`", err, want);
  assert_string_equal(config_get(c, "station.id"), before);
}

static void keys_values_and_comments(void **state) {
  config *c = *state;
  load_ok(c, "# hotel\n"
             "; also a comment\n"
             "\n"
             "   \t\n"
             "station.id = hotel-1\n"
             "auth.mode=free\n"
             "  log.level   =   debug   # trailing comment\n"
             "station.serial = SN#42 ; a # inside a word stays\n"
             "station.vendor = ACME Charging\n");
  assert_string_equal(config_get(c, "station.id"), "hotel-1");
  assert_string_equal(config_get(c, "auth.mode"), "free");
  assert_string_equal(config_get(c, "log.level"), "debug");
  assert_string_equal(config_get(c, "station.serial"), "SN#42");
  assert_string_equal(config_get(c, "station.vendor"), "ACME Charging");
}

static void sections_prefix_the_keys_below(void **state) {
  config *c = *state;
  load_ok(c, "station.connectors = 3\n"
             "[connector.1]\n"
             "phases = 1\n"
             "selector_a = 16\n"
             "[ connector.2 ]  # spaces inside the brackets are trimmed\n"
             "tethered = yes\n"
             "[connector.3.gpio]\n"
             "contactor = gpiochip0:5\n"
             "[connector]\n"
             "3.phases = 1\n"
             "[site]\n"
             "grid_type = TT\n");
  assert_string_equal(config_get(c, "station.connectors"), "3");
  assert_string_equal(config_get(c, "connector.1.phases"), "1");
  assert_string_equal(config_get(c, "connector.1.selector_a"), "16");
  assert_string_equal(config_get(c, "connector.2.phases"), "3");
  assert_string_equal(config_get(c, "connector.2.tethered"), "true");
  assert_string_equal(config_get(c, "connector.3.gpio.contactor"), "gpiochip0:5");
  assert_string_equal(config_get(c, "connector.3.phases"), "1");
  assert_string_equal(config_get(c, "site.grid_type"), "TT");
}

static void quotes_and_escapes(void **state) {
  config *c = *state;
  load_ok(c, "station.vendor = \"  ACME # ; x \"   # comment after quotes\n"
             "station.model = \"say \\\"hi\\\" \\\\o/\"\n"
             "station.serial = \"\"\n"
             "station.id = \"quoted-id\"\n");
  assert_string_equal(config_get(c, "station.vendor"), "  ACME # ; x ");
  assert_string_equal(config_get(c, "station.model"), "say \"hi\" \\o/");
  assert_string_equal(config_get(c, "station.serial"), "");
  assert_string_equal(config_get(c, "station.id"), "quoted-id");
  /* a value that is only partly quoted is not unquoted */
  load_fails(c, "station.id = a\"b\"\n",
             "t.conf:1: station.id: `a\"b\"` may only contain A-Z a-z 0-9 . _ -");
}

static void crlf_and_no_final_newline(void **state) {
  config *c = *state;
  load_ok(c, "station.id = win-1\r\n[connector.1]\r\nphases = 1\r\nselector_a = 8");
  assert_string_equal(config_get(c, "station.id"), "win-1");
  assert_string_equal(config_get(c, "connector.1.phases"), "1");
  assert_string_equal(config_get(c, "connector.1.selector_a"), "8");
}

static void later_lines_override_earlier_ones(void **state) {
  config *c = *state;
  load_ok(c, "auth.mode = free\nauth.mode = ocpp\n[connector.1]\nphases = 1\nphases = 3\n");
  assert_string_equal(config_get(c, "auth.mode"), "ocpp");
  assert_string_equal(config_get(c, "connector.1.phases"), "3");
  /* a second load and a later set override the first file */
  load_ok(c, "auth.mode = badge\n");
  assert_string_equal(config_get(c, "auth.mode"), "badge");
  char err[128];
  assert_int_equal(config_set(c, "auth.mode", "free", err, sizeof err), 0);
  assert_string_equal(config_get(c, "auth.mode"), "free");
}

static void errors_name_the_line(void **state) {
  config *c = *state;
  load_fails(c, "# hotel\nstation.id = hotel-1\n[connector.1]\nphases = 3\nselector_a = 17\n",
             "t.conf:5: connector.1.selector_a: 17 is not allowed (32, 25, 20, 16, 12 or 8)");
  load_fails(c, "station.id hotel\n", "t.conf:1: expected `key = value`");
  load_fails(c, "\n\n = 3\n", "t.conf:3: empty key before `=`");
  load_fails(c, "foo.bar = 1\n", "t.conf:1: unknown key `foo.bar`");
  load_fails(c, "[connector.9]\nphases = 1\n", "t.conf:1: unknown section `[connector.9]`");
  load_fails(c, "[connector.x]\n", "t.conf:1: unknown section `[connector.x]`");
  load_fails(c, "[station.id]\n", "t.conf:1: unknown section `[station.id]`");
  load_fails(c, "[nothing]\n", "t.conf:1: unknown section `[nothing]`");
  load_fails(c, "[connector.1\n", "t.conf:1: section header is missing `]`");
  load_fails(c, "[]\n", "t.conf:1: empty section name `[]`");
  load_fails(c, "[connector..1]\n", "t.conf:1: bad section name `connector..1`");
  load_fails(c, "[connector.1]\n9.phases = 1\n", "t.conf:2: unknown key `connector.1.9.phases`");
  load_fails(c, "connector.*.phases = 1\n", "t.conf:1: bad key `connector.*.phases`");
  load_fails(c, "station id = x\n", "t.conf:1: bad key `station id`");
  load_fails(c, "station.id = \"open\n", "t.conf:1: missing closing quote");
  load_fails(c, "station.id = \"a\" b\n", "t.conf:1: text after the closing quote");
  load_fails(c, "station.id = \"a\\nb\"\n",
             "t.conf:1: unknown escape in quotes (only \\\" and \\\\)");
  load_fails(c, "station.id = \"a\\\"\n", "t.conf:1: missing closing quote");
  load_fails(c, "station.connectors = 12abc\n",
             "t.conf:1: station.connectors: `12abc` is not a whole number");
  load_fails(c, "station.connectors =\n",
             "t.conf:1: station.connectors: an empty value is not a whole number");
}

static void long_lines_are_refused(void **state) {
  config *c = *state;
  char *text = malloc(CONFIG_LINE_MAX + 64);
  /* exactly 4096 characters: accepted (a comment) */
  assert_int_equal(CONFIG_LINE_MAX, 4096);
  memset(text, '#', 4096);
  strcpy(text + 4096, "\nstation.id = ok-1\n");
  load_ok(c, text);
  assert_string_equal(config_get(c, "station.id"), "ok-1");
  memset(text, '#', 4097);
  strcpy(text + 4097, "\n");
  load_fails(c, text, "t.conf:1: line is longer than 4096 characters");
  free(text);
}

/* Issue 17: site.members holds 64 members written out in full
 * (255.255.255.255:65535 is the longest: 64 x 21 + 63 commas = 1407
 * characters, with a space after each comma 1470), in a file line, and the
 * site module reads 64 members back from it. */
static void site_members_of_64_full_addresses_fit(void **state) {
  config *c = *state;
  char list[2048] = "";
  size_t n = 0;
  for (int i = 0; i < 64; i++)
    n += (size_t)snprintf(list + n, sizeof list - n, "%s192.168.%d.%d:%d", i ? ", " : "", 100 + i,
                          155 + i % 100, 50200 + i);
  assert_int_equal(n, 64 * 21 + 63 * 2);
  char text[2200];
  snprintf(text, sizeof text, "site.role = leader\nsite.members = %s\n", list);
  load_ok(c, text);
  assert_string_equal(config_get(c, "site.members"), list);
  site_member m[SITE_MAX_MEMBERS + 1];
  char why[160] = "";
  assert_int_equal(
      site_members_parse(config_get(c, "site.members"), m, SITE_MAX_MEMBERS, why, sizeof why), 64);
  assert_string_equal(m[0].host, "192.168.100.155");
  assert_int_equal(m[0].port, 50200);
  assert_string_equal(m[63].address, "192.168.163.218:50263");
  /* its own bound is the longest value of any key, and still refuses a 65th */
  char err[256] = "";
  char more[2200];
  snprintf(more, sizeof more, "%s,10.0.0.1", list);
  assert_int_equal(config_set(c, "site.members", more, err, sizeof err), -1);
  assert_non_null(strstr(err, "at most 64 members"));
  assert_string_equal(config_get(c, "site.members"), list);
}

static void a_bad_file_changes_nothing(void **state) {
  config *c = *state;
  load_ok(c, "auth.mode = ocpp\n");
  load_fails(c, "station.id = new-id\nauth.mode = free\nlog.level = loud\n",
             "t.conf:3: log.level: `loud` is not one of error, warn, info or debug");
  assert_string_equal(config_get(c, "station.id"), "borne-sim-1");
  assert_string_equal(config_get(c, "auth.mode"), "ocpp");
}

static void empty_input_is_fine(void **state) {
  config *c = *state;
  load_ok(c, "");
  load_ok(c, "\n\n# only comments\n");
  char err[64];
  assert_int_equal(config_load_string(c, NULL, NULL, err, sizeof err), 0);
}

static void files_load_and_missing_files_say_why(void **state) {
  config *c = *state;
  char path[] = "/tmp/borne-config-test-XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  const char text[] = "station.id = from-file\n[connector.2]\nphases = 1\n";
  assert_int_equal(write(fd, text, sizeof text - 1), (ssize_t)(sizeof text - 1));
  close(fd);
  char err[512] = "";
  assert_int_equal(config_load_file(c, path, err, sizeof err), 0);
  assert_string_equal(config_get(c, "station.id"), "from-file");
  assert_string_equal(config_get(c, "connector.2.phases"), "1");

  fd = open(path, O_WRONLY | O_TRUNC);
  assert_true(fd >= 0);
  const char bad[] = "station.id = x\n\nauth.mode = maybe\n";
  assert_int_equal(write(fd, bad, sizeof bad - 1), (ssize_t)(sizeof bad - 1));
  close(fd);
  assert_int_equal(config_load_file(c, path, err, sizeof err), -1);
  char want[600];
  snprintf(want, sizeof want, "%s:3: auth.mode: `maybe` is not one of free, badge or ocpp", path);
  assert_string_equal(err, want);

  /* a NUL byte is refused, not silently cut */
  fd = open(path, O_WRONLY | O_TRUNC);
  assert_int_equal(write(fd, "station.id = a\0b\n", 17), 17);
  close(fd);
  assert_int_equal(config_load_file(c, path, err, sizeof err), -1);
  snprintf(want, sizeof want, "%s:1: line contains a NUL byte", path);
  assert_string_equal(err, want);
  unlink(path);

  assert_int_equal(config_load_file(c, "/nonexistent/dir/missing.conf", err, sizeof err), -1);
  assert_string_equal(err, "/nonexistent/dir/missing.conf: cannot open: No such file or directory");
  assert_int_equal(config_load_file(c, "/tmp", err, sizeof err), -1);
  assert_non_null(strstr(err, "/tmp: cannot read: "));
  assert_string_equal(config_get(c, "station.id"), "from-file");
}

int main(void) {
  if (borne_keys_register() != 0) return 1; /* every module's configuration keys */
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(keys_values_and_comments, setup, teardown),
      cmocka_unit_test_setup_teardown(sections_prefix_the_keys_below, setup, teardown),
      cmocka_unit_test_setup_teardown(quotes_and_escapes, setup, teardown),
      cmocka_unit_test_setup_teardown(crlf_and_no_final_newline, setup, teardown),
      cmocka_unit_test_setup_teardown(later_lines_override_earlier_ones, setup, teardown),
      cmocka_unit_test_setup_teardown(errors_name_the_line, setup, teardown),
      cmocka_unit_test_setup_teardown(long_lines_are_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(site_members_of_64_full_addresses_fit, setup, teardown),
      cmocka_unit_test_setup_teardown(a_bad_file_changes_nothing, setup, teardown),
      cmocka_unit_test_setup_teardown(empty_input_is_fine, setup, teardown),
      cmocka_unit_test_setup_teardown(files_load_and_missing_files_say_why, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
