/*
 * The web page's login rules (web/pin.h, web/auth.h) on a virtual clock:
 * PIN hashes verify only the right PIN and survive a cost change, the
 * lock-out grows and resets, sessions expire and slide, the role table
 * closes what it does not list, and the small parsers refuse junk.
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

#include "web/auth.h"
#include "web/pin.h"

static void test_pin_format(void **state) {
  (void)state;
  char why[64];
  assert_int_equal(web_pin_check_format("1234", why, sizeof why), 0);
  assert_int_equal(web_pin_check_format("123456789012", why, sizeof why), 0);
  assert_int_equal(web_pin_check_format("123", why, sizeof why), -1);
  assert_int_equal(web_pin_check_format("1234567890123", why, sizeof why), -1);
  assert_int_equal(web_pin_check_format("12a4", why, sizeof why), -1);
  assert_int_equal(web_pin_check_format("", why, sizeof why), -1);
  assert_int_equal(web_pin_check_format(NULL, why, sizeof why), -1);
}

static void test_pin_hash(void **state) {
  (void)state;
  char h1[WEB_PIN_HASH_MAX], h2[WEB_PIN_HASH_MAX];
  assert_int_equal(web_pin_hash("2468", 1000, h1, sizeof h1), 0);
  assert_int_equal(web_pin_hash("2468", 1000, h2, sizeof h2), 0);
  assert_string_not_equal(h1, h2); /* salted */
  assert_non_null(strstr(h1, "pbkdf2-sha256$1000$"));
  assert_null(strstr(h1, "2468$"));
  assert_true(web_pin_verify("2468", h1));
  assert_false(web_pin_verify("2469", h1));
  assert_false(web_pin_verify("", h1));
  /* another cost still verifies: the count is in the text */
  assert_int_equal(web_pin_hash("2468", 2000, h2, sizeof h2), 0);
  assert_true(web_pin_verify("2468", h2));
  /* malformed stored text never verifies */
  assert_false(web_pin_verify("2468", "pbkdf2-sha256$0$00$00"));
  assert_false(web_pin_verify("2468", "md5$1$x$y"));
  assert_false(web_pin_verify("2468", ""));
  char bad[WEB_PIN_HASH_MAX];
  strcpy(bad, h1);
  bad[strlen(bad) - 1] = 'g'; /* not hex */
  assert_false(web_pin_verify("2468", bad));
  assert_int_equal(web_pin_hash("2468", 1000, h2, 20), -1); /* too small */
}

static void test_roles(void **state) {
  (void)state;
  assert_int_equal(web_role_parse("owner"), WEB_ROLE_OWNER);
  assert_int_equal(web_role_parse("installer"), WEB_ROLE_INSTALLER);
  assert_int_equal(web_role_parse("root"), WEB_ROLE_NONE);
  assert_string_equal(web_role_name(WEB_ROLE_OWNER), "owner");
  assert_null(web_role_name(WEB_ROLE_NONE));
}

static void test_lockout_grows(void **state) {
  (void)state;
  web_lockout l = {0};
  int64_t now = 1000000, base = 30000;
  assert_int_equal(web_lockout_free_left(&l), 2);
  assert_int_equal(web_lockout_fail(&l, now, base), 0);
  assert_int_equal(web_lockout_fail(&l, now, base), 0);
  assert_int_equal(web_lockout_free_left(&l), 0);
  assert_int_equal(web_lockout_remaining(&l, now), 0);
  assert_int_equal(web_lockout_fail(&l, now, base), 30000); /* third wrong PIN */
  assert_int_equal(web_lockout_remaining(&l, now + 10000), 20000);
  assert_int_equal(web_lockout_fail(&l, now + 10000, base), 60000); /* tried while locked */
  assert_int_equal(web_lockout_fail(&l, now + 10000, base), 120000);
  assert_int_equal(web_lockout_remaining(&l, now + 10000), 120000);
  for (int i = 0; i < 40; i++) web_lockout_fail(&l, now, base);
  assert_int_equal(web_lockout_remaining(&l, now), WEB_LOCK_MAX_MS);
  web_lockout_success(&l);
  assert_int_equal(web_lockout_remaining(&l, now), 0);
  assert_int_equal(web_lockout_free_left(&l), 2);
}

static void fill(unsigned char *r, unsigned char v) {
  for (int i = 0; i < 2 * WEB_TOKEN_BYTES; i++) r[i] = (unsigned char)(v + i);
}

static void test_sessions(void **state) {
  (void)state;
  static web_sessions t;
  memset(&t, 0, sizeof t);
  unsigned char rnd[2 * WEB_TOKEN_BYTES];
  fill(rnd, 1);
  const web_session *s = web_session_new(&t, WEB_ROLE_OWNER, 0, 1000, rnd);
  char id[WEB_TOKEN_HEX + 1];
  strcpy(id, s->id);
  assert_int_equal(strlen(id), WEB_TOKEN_HEX);
  assert_string_not_equal(s->id, s->csrf);
  assert_non_null(web_session_find(&t, id, 900, 1000)); /* slides to 1900 */
  assert_non_null(web_session_find(&t, id, 1800, 1000));
  assert_null(web_session_find(&t, id, 2800, 1000)); /* expired and freed */
  assert_null(web_session_find(&t, id, 0, 1000));
  assert_null(web_session_find(&t, "abc", 0, 1000));
  assert_null(web_session_find(&t, NULL, 0, 1000));
  /* a full table drops the session closest to expiry */
  for (int i = 0; i < WEB_SESSIONS_MAX; i++) {
    fill(rnd, (unsigned char)(10 + i));
    web_session_new(&t, WEB_ROLE_INSTALLER, i, 1000, rnd);
  }
  fill(rnd, 10);
  char first[WEB_TOKEN_HEX + 1];
  strcpy(first, t.s[0].id);
  fill(rnd, 200);
  web_session_new(&t, WEB_ROLE_OWNER, 100, 1000, rnd);
  assert_null(web_session_find(&t, first, 100, 1000));
  web_sessions_drop_role(&t, WEB_ROLE_INSTALLER);
  int live = 0;
  for (int i = 0; i < WEB_SESSIONS_MAX; i++) live += t.s[i].id[0] != 0;
  assert_int_equal(live, 1);
  web_session_drop(&t, t.s[0].id[0] ? t.s[0].id : "x");
  assert_true(web_token_equal("abc", "abc"));
  assert_false(web_token_equal("abc", "abd"));
  assert_false(web_token_equal("abc", "abcd"));
  assert_false(web_token_equal("", "a"));
}

static void test_required_role(void **state) {
  (void)state;
  assert_int_equal(web_required_role("GET", "/api/v1/status"), WEB_ROLE_OWNER);
  assert_int_equal(web_required_role("HEAD", "/api/v1/status"), WEB_ROLE_OWNER);
  assert_int_equal(web_required_role("POST", "/api/v1/connectors/2/start"), WEB_ROLE_OWNER);
  assert_int_equal(web_required_role("POST", "/api/v1/connectors/2/availability"),
                   WEB_ROLE_INSTALLER);
  assert_int_equal(web_required_role("DELETE", "/api/v1/badges/04A1"), WEB_ROLE_OWNER);
  assert_int_equal(web_required_role("GET", "/api/v1/sessions/7/ocmf"), WEB_ROLE_OWNER);
  assert_int_equal(web_required_role("PUT", "/api/v1/settings"), WEB_ROLE_INSTALLER);
  assert_int_equal(web_required_role("GET", "/api/v1/settings"), WEB_ROLE_INSTALLER);
  assert_int_equal(web_required_role("POST", "/api/v1/reset"), WEB_ROLE_INSTALLER);
  assert_int_equal(web_required_role("POST", "/api/v1/web/login"), WEB_ROLE_NONE);
  assert_int_equal(web_required_role("GET", "/api/v1/public/connectors/1/qr.svg"), WEB_ROLE_NONE);
  assert_int_equal(web_required_role("GET", "/api/v1/public"), WEB_ROLE_INSTALLER);
  assert_int_equal(web_required_role("POST", "/api/v1/public/x"), WEB_ROLE_INSTALLER);
  assert_int_equal(web_required_role("GET", "/api/v1/statusx"), WEB_ROLE_INSTALLER);
  assert_int_equal(web_required_role("GET", "/api/v1/anything/new"), WEB_ROLE_INSTALLER);
  assert_int_equal(web_required_role("GET", "/api/v1/users/3/x"), WEB_ROLE_INSTALLER);
  assert_true(web_is_write("POST"));
  assert_true(web_is_write("DELETE"));
  assert_false(web_is_write("GET"));
}

static void test_cookie(void **state) {
  (void)state;
  char buf[80];
  assert_string_equal(
      web_cookie_value("a=1; borne_session=abc; b=2", "borne_session", buf, sizeof buf), "abc");
  assert_string_equal(web_cookie_value("borne_session=\"q\"", "borne_session", buf, sizeof buf),
                      "q");
  assert_null(web_cookie_value("xborne_session=abc", "borne_session", buf, sizeof buf));
  assert_null(web_cookie_value("borne_session", "borne_session", buf, sizeof buf));
  assert_null(web_cookie_value("borne_session=0123456789", "borne_session", buf, 5));
  assert_null(web_cookie_value(NULL, "borne_session", buf, sizeof buf));
  assert_string_equal(web_cookie_value("borne_session=", "borne_session", buf, sizeof buf), "");
}

static void test_local_peer(void **state) {
  (void)state;
  assert_true(web_peer_is_local("127.0.0.1"));
  assert_true(web_peer_is_local("192.168.1.20"));
  assert_true(web_peer_is_local("10.0.0.3"));
  assert_true(web_peer_is_local("172.20.0.1"));
  assert_false(web_peer_is_local("172.32.0.1"));
  assert_true(web_peer_is_local("169.254.3.4"));
  assert_true(web_peer_is_local("::1"));
  assert_true(web_peer_is_local("fe80::1"));
  assert_true(web_peer_is_local("fd00::5"));
  assert_true(web_peer_is_local("::ffff:192.168.0.9"));
  assert_false(web_peer_is_local("::ffff:8.8.8.8"));
  assert_false(web_peer_is_local("8.8.8.8"));
  assert_false(web_peer_is_local("2001:db8::1"));
  assert_false(web_peer_is_local("garbage"));
  assert_false(web_peer_is_local(""));
  assert_false(web_peer_is_local(NULL));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_pin_format), cmocka_unit_test(test_pin_hash),
      cmocka_unit_test(test_roles),      cmocka_unit_test(test_lockout_grows),
      cmocka_unit_test(test_sessions),   cmocka_unit_test(test_required_role),
      cmocka_unit_test(test_cookie),     cmocka_unit_test(test_local_peer),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
