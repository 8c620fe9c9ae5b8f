/*
 * The web page's login rules (web/pin.h, web/auth.h) on a virtual clock:
 * PIN hashes verify only the right PIN and survive a cost change, the
 * lock-out locks at the third wrong PIN, grows and resets, per client
 * address in a bounded table, setup codes are made and matched, sessions
 * expire and slide, the role table closes what it does not list, and the
 * small parsers (Origin, Content-Type, cookies, peers) refuse junk.
 */
/* cmocka.h needs these first */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#include <stdio.h>
#include <string.h>

#include "webpage/auth.h"
#include "webpage/pin.h"

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
  assert_int_equal(WEB_LOCK_AT, 3);
  assert_int_equal(web_lockout_free_left(&l), 2); /* two wrong PINs cost nothing... */
  assert_int_equal(web_lockout_fail(&l, now, base), 0);
  assert_int_equal(web_lockout_free_left(&l), 1);
  assert_int_equal(web_lockout_fail(&l, now, base), 0);
  assert_int_equal(web_lockout_free_left(&l), 0); /* ...the next one locks */
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

/* Two clients: one locks itself out, the other logs in all the same. */
static void test_lock_per_address(void **state) {
  (void)state;
  static web_lock_table t;
  memset(&t, 0, sizeof t);
  int64_t now = 5000000, base = 30000;
  web_lock_entry *a = web_lock_entry_for(&t, "192.168.1.66", now);
  web_lock_entry *b = web_lock_entry_for(&t, "192.168.1.20", now);
  assert_ptr_not_equal(a, b);
  assert_ptr_not_equal(a, &t.others);
  for (int i = 0; i < WEB_LOCK_AT; i++) web_lock_entry_fail(a, WEB_ROLE_OWNER, now, base);
  assert_int_equal(web_lockout_remaining(&a->role[WEB_ROLE_OWNER], now), base);
  /* the same client, however spelled, finds its lock again */
  assert_ptr_equal(web_lock_entry_for(&t, "192.168.1.66", now + 1), a);
  assert_ptr_equal(web_lock_entry_for(&t, "::ffff:192.168.1.66", now + 1), a);
  assert_ptr_equal(web_lock_entry_for(&t, "FE80::0:1", now),
                   web_lock_entry_for(&t, "fe80::1", now));
  /* the other client is not locked, nor is the locked one's other role */
  assert_ptr_equal(web_lock_entry_for(&t, "192.168.1.20", now + 1), b);
  assert_int_equal(web_lockout_remaining(&b->role[WEB_ROLE_OWNER], now + 1), 0);
  assert_int_equal(web_lockout_free_left(&b->role[WEB_ROLE_OWNER]), WEB_LOCK_AT - 1);
  assert_int_equal(web_lockout_remaining(&a->role[WEB_ROLE_INSTALLER], now + 1), 0);
  /* a right PIN clears that client's count only */
  web_lock_entry_fail(b, WEB_ROLE_OWNER, now, base);
  web_lockout_success(&b->role[WEB_ROLE_OWNER]);
  assert_int_equal(web_lockout_free_left(&b->role[WEB_ROLE_OWNER]), WEB_LOCK_AT - 1);
  assert_int_equal(web_lockout_remaining(&a->role[WEB_ROLE_OWNER], now + 1), base - 1);
  /* no address at all: the shared entry */
  assert_ptr_equal(web_lock_entry_for(&t, "", now), &t.others);
  assert_ptr_equal(web_lock_entry_for(&t, NULL, now), &t.others);
}

/* The table never grows past WEB_LOCK_ADDRS: cold entries (no failure, or
 * none for an hour, not locked, no check running) make room, least recently
 * used first; hot ones are kept and newcomers then share `others`. */
static void test_lock_table_bounded(void **state) {
  (void)state;
  static web_lock_table t;
  memset(&t, 0, sizeof t);
  int64_t now = 10000000, base = 30000;
  char addr[WEB_ADDR_MAX];
  /* an address that only logged in successfully is cold: its slot is reused */
  for (int i = 0; i < WEB_LOCK_ADDRS; i++) {
    snprintf(addr, sizeof addr, "10.0.%d.%d", i / 200, i % 200 + 1);
    web_lock_entry *e = web_lock_entry_for(&t, addr, now + i);
    assert_ptr_not_equal(e, &t.others);
    if (i > 0) web_lock_entry_fail(e, WEB_ROLE_OWNER, now + i, base); /* 10.0.0.1 stays clean */
  }
  web_lock_entry *n = web_lock_entry_for(&t, "10.1.0.1", now + 100);
  assert_ptr_equal(n, &t.e[0]); /* took 10.0.0.1's slot */
  assert_string_equal(n->addr, "10.1.0.1");
  web_lock_entry_fail(n, WEB_ROLE_OWNER, now + 100, base);
  /* now every slot has a recent failure: newcomers share `others`... */
  web_lock_entry *o = web_lock_entry_for(&t, "10.1.0.2", now + 200);
  assert_ptr_equal(o, &t.others);
  assert_ptr_equal(web_lock_entry_for(&t, "10.1.0.3", now + 200), &t.others);
  /* ...so a fresh address is no fresh count: it shares the lock of the others */
  for (int i = 0; i < WEB_LOCK_AT; i++) web_lock_entry_fail(o, WEB_ROLE_OWNER, now + 200, base);
  assert_true(
      web_lockout_remaining(&web_lock_entry_for(&t, "10.1.0.4", now + 300)->role[WEB_ROLE_OWNER],
                            now + 300) > 0);
  /* ...and the ones in the table keep theirs (not locked) */
  snprintf(addr, sizeof addr, "10.0.0.%d", 5);
  web_lock_entry *kept = web_lock_entry_for(&t, addr, now + 300);
  assert_ptr_not_equal(kept, &t.others);
  assert_int_equal(kept->role[WEB_ROLE_OWNER].failures, 1);
  /* an hour without a failure makes a slot cold again, least recently used first */
  int64_t later = now + 300 + WEB_LOCK_MAX_MS;
  web_lock_entry *back = web_lock_entry_for(&t, "10.1.0.5", later);
  assert_ptr_not_equal(back, &t.others);
  assert_string_equal(back->addr, "10.1.0.5");
  assert_int_equal(back->role[WEB_ROLE_OWNER].failures, 0);
  assert_ptr_equal(back, &t.e[1]); /* 10.0.0.2: failed at now + 1, never used since */
  /* a locked address or a running check is never evicted */
  memset(&t, 0, sizeof t);
  for (int i = 0; i < WEB_LOCK_ADDRS; i++) {
    snprintf(addr, sizeof addr, "10.2.0.%d", i + 1);
    web_lock_entry *e = web_lock_entry_for(&t, addr, now);
    if (i % 2)
      for (int k = 0; k < WEB_LOCK_AT + 20; k++)
        web_lock_entry_fail(e, WEB_ROLE_INSTALLER, now, base);
    else
      e->checking[WEB_ROLE_OWNER] = true;
  }
  assert_ptr_equal(web_lock_entry_for(&t, "10.3.0.1", now + WEB_LOCK_MAX_MS - 1), &t.others);
  int count = 0;
  for (int i = 0; i < WEB_LOCK_ADDRS; i++) count += t.e[i].addr[0] != 0;
  assert_int_equal(count, WEB_LOCK_ADDRS);
}

static void test_setup_code(void **state) {
  (void)state;
  unsigned char rnd[WEB_SETUP_CODE_CHARS];
  for (int i = 0; i < WEB_SETUP_CODE_CHARS; i++) rnd[i] = (unsigned char)(i * 37 + 5);
  char text[WEB_SETUP_CODE_TEXT], code[WEB_SETUP_CODE_CHARS + 1];
  web_setup_code_make(rnd, text);
  assert_int_equal(strlen(text), 11);
  assert_int_equal(text[5], '-');
  assert_int_equal(strcspn(text, "01IO"), strlen(text)); /* nothing to misread */
  assert_int_equal(web_setup_code_canonical(text, code), 0);
  assert_int_equal(strlen(code), WEB_SETUP_CODE_CHARS);
  assert_null(strchr(code, '-'));
  /* every byte value lands in the alphabet, all 32 letters used */
  char seen[256] = {0};
  for (int v = 0; v < 256; v++) {
    unsigned char r[WEB_SETUP_CODE_CHARS];
    memset(r, v, sizeof r);
    web_setup_code_make(r, text);
    assert_int_equal(web_setup_code_canonical(text, code), 0);
    seen[(unsigned char)text[0]] = 1;
  }
  int letters = 0;
  for (int c = 0; c < 256; c++) letters += seen[c];
  assert_int_equal(letters, 32);

  assert_true(web_setup_code_matches("ABCDE-FGHJK", "ABCDEFGHJK"));
  assert_true(web_setup_code_matches("abcde fghjk", "ABCDEFGHJK"));
  assert_true(web_setup_code_matches("ABCDEFGHJK", "ABCDEFGHJK"));
  assert_false(web_setup_code_matches("ABCDE-FGHJL", "ABCDEFGHJK"));
  assert_false(web_setup_code_matches("ABCDE-FGHJ", "ABCDEFGHJK"));
  assert_false(web_setup_code_matches("ABCDE-FGHJKK", "ABCDEFGHJK"));
  assert_false(web_setup_code_matches("ABCDE-FGHJ0", "ABCDEFGHJ0")); /* not a code */
  assert_false(web_setup_code_matches("", ""));
  assert_false(web_setup_code_matches("ABCDE-FGHJK", "")); /* no code (PINs set): nothing matches */
  assert_false(web_setup_code_matches(NULL, "ABCDEFGHJK"));
  assert_int_equal(web_setup_code_canonical("ABCDE-FGHJ!", code), -1);
}

static void test_origin_and_type(void **state) {
  (void)state;
  assert_true(web_is_json_type("application/json"));
  assert_true(web_is_json_type("application/json; charset=utf-8"));
  assert_true(web_is_json_type("Application/JSON;charset=UTF-8"));
  assert_false(web_is_json_type("text/plain"));
  assert_false(web_is_json_type("text/plain; application/json"));
  assert_false(web_is_json_type("application/jsonx"));
  assert_false(web_is_json_type("application/x-www-form-urlencoded"));
  assert_false(web_is_json_type("multipart/form-data; boundary=x"));
  assert_false(web_is_json_type(""));
  assert_false(web_is_json_type(NULL));

  assert_true(web_origin_matches(NULL, "192.168.1.50")); /* not a browser */
  assert_true(web_origin_matches(NULL, NULL));
  assert_true(web_origin_matches("http://192.168.1.50", "192.168.1.50"));
  assert_true(web_origin_matches("http://192.168.1.50:8080", "192.168.1.50:8080"));
  assert_true(web_origin_matches("http://Borne.local", "borne.local:80"));
  assert_true(web_origin_matches("https://borne.local", "borne.local"));
  assert_true(web_origin_matches("https://borne.local", "borne.local:443"));
  assert_true(web_origin_matches("https://borne.local:8443", "borne.local:8443"));
  assert_true(web_origin_matches("http://[fe80::1]:8080", "[FE80::1]:8080"));
  assert_false(web_origin_matches("http://evil.example", "192.168.1.50"));
  assert_false(web_origin_matches("http://192.168.1.50:8081", "192.168.1.50:8080"));
  assert_false(web_origin_matches("http://192.168.1.50", "192.168.1.50:8080"));
  assert_false(web_origin_matches("https://borne.local", "borne.local:80"));
  assert_false(web_origin_matches("null", "192.168.1.50"));
  assert_false(web_origin_matches("file://", "192.168.1.50"));
  assert_false(web_origin_matches("http://192.168.1.50", NULL));
  assert_false(web_origin_matches("http://192.168.1.50", ""));
  assert_false(web_origin_matches("http://", ""));
  assert_false(web_origin_matches("http://192.168.1.50/x", "192.168.1.50/x"));
  assert_false(web_origin_matches("http://a@192.168.1.50", "a@192.168.1.50"));
  assert_false(web_origin_matches("http://192.168.1.50:99999", "192.168.1.50:99999"));
  assert_false(web_origin_matches("http://[fe80::1", "[fe80::1"));
  assert_false(web_origin_matches("http://192.168.1.50:", "192.168.1.50:"));
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
  /* the leader's signed copy needs no login (its HMAC is checked), nothing else there */
  assert_int_equal(web_required_role("PUT", "/api/v1/site/directory"), WEB_ROLE_NONE);
  assert_int_equal(web_required_role("GET", "/api/v1/site/directory"), WEB_ROLE_INSTALLER);
  assert_int_equal(web_required_role("DELETE", "/api/v1/site/directory"), WEB_ROLE_INSTALLER);
  assert_int_equal(web_required_role("POST", "/api/v1/site/sessions/export"), WEB_ROLE_NONE);
  assert_int_equal(web_required_role("GET", "/api/v1/site/sessions/export"), WEB_ROLE_INSTALLER);
  assert_int_equal(web_required_role("GET", "/api/v1/site/sessions"), WEB_ROLE_OWNER);
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
      cmocka_unit_test(test_pin_format),
      cmocka_unit_test(test_pin_hash),
      cmocka_unit_test(test_roles),
      cmocka_unit_test(test_lockout_grows),
      cmocka_unit_test(test_sessions),
      cmocka_unit_test(test_required_role),
      cmocka_unit_test(test_cookie),
      cmocka_unit_test(test_local_peer),
      cmocka_unit_test(test_lock_per_address),
      cmocka_unit_test(test_lock_table_bounded),
      cmocka_unit_test(test_setup_code),
      cmocka_unit_test(test_origin_and_type),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
