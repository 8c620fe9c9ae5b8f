/*
 * bornectl's OCMF verbs (util/ctl_args): `sessions ocmf ID` and
 * `meter pubkey` become the right requests; bad ids and unknown meter
 * commands are usage errors, and plain `sessions` is unchanged.
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

#include "util/ctl_args.h"

typedef struct {
  ctl_globals g;
  ctl_command cmd;
  char err[512];
  int rc;
} parse_result;

static parse_result *parse(int n, const char *const *words) {
  static parse_result r;
  char *argv[16] = {"bornectl"};
  for (int i = 0; i < n && i < 15; i++) argv[i + 1] = (char *)words[i];
  memset(&r, 0, sizeof r);
  r.rc = ctl_parse(n + 1, argv, &r.g, &r.cmd, r.err, sizeof r.err);
  return &r;
}
#define PARSE(...)                                                                                 \
  parse((int)(sizeof((const char *[]){__VA_ARGS__}) / sizeof(const char *)),                       \
        (const char *[]){__VA_ARGS__})

static void expect_error(const parse_result *r, const char *needle) {
  assert_int_equal(r->rc, -1);
  if (!strstr(r->err, needle)) fail_msg("error `%s` does not mention `%s`", r->err, needle);
}

static void sessions_ocmf(void **state) {
  (void)state;
  parse_result *r = PARSE("sessions", "ocmf", "42");
  assert_int_equal(r->rc, 0);
  assert_string_equal(r->cmd.method, "GET");
  assert_string_equal(r->cmd.path, "/api/v1/sessions/42/ocmf");
  assert_int_equal(r->cmd.view, CTL_VIEW_OCMF);
  r = PARSE("--json", "sessions", "ocmf", "7");
  assert_int_equal(r->rc, 0);
  assert_true(r->g.json);
  assert_string_equal(r->cmd.path, "/api/v1/sessions/7/ocmf");
  expect_error(PARSE("sessions", "ocmf"), "sessions ocmf ID");
  expect_error(PARSE("sessions", "ocmf", "0"), "not a session id");
  expect_error(PARSE("sessions", "ocmf", "12x"), "not a session id");
  expect_error(PARSE("sessions", "ocmf", "-3"), "sessions ocmf");
  expect_error(PARSE("sessions", "ocmf", "1", "2"), "sessions ocmf");
  /* plain sessions still lists */
  r = PARSE("sessions", "--connector", "1");
  assert_int_equal(r->rc, 0);
  assert_int_equal(r->cmd.view, CTL_VIEW_SESSIONS);
}

static void meter_pubkey(void **state) {
  (void)state;
  parse_result *r = PARSE("meter", "pubkey");
  assert_int_equal(r->rc, 0);
  assert_string_equal(r->cmd.method, "GET");
  assert_string_equal(r->cmd.path, "/api/v1/ocmf/pubkey");
  assert_int_equal(r->cmd.view, CTL_VIEW_PUBKEY);
  expect_error(PARSE("meter"), "meter pubkey");
  expect_error(PARSE("meter", "privkey"), "not a meter command");
  expect_error(PARSE("meter", "pubkey", "extra"), "meter");
  assert_non_null(strstr(ctl_usage(), "meter pubkey"));
  assert_non_null(strstr(ctl_usage(), "sessions ocmf ID"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(sessions_ocmf),
      cmocka_unit_test(meter_pubkey),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
