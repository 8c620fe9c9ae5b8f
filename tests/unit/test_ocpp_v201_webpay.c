/*
 * OCPP 2.1 C25 dynamic QR codes, the pure part (src/ocpp/v201/webpay.c):
 * the one-time password core against RFC 4226 / RFC 6238's own test
 * vectors (SHA-1, SHA-256, SHA-512), OCPP 2.1's TOTP v1 against the vectors
 * of the public reference implementation (OpenChargingCloud/DynamicQRCodes,
 * the secret "secure!Charging!" on 2024-05-23 00:23:05 UTC), the URL built
 * from a WebPaymentsCtrlr.URLTemplate, the checks of the settings, and the
 * web payment window of NotifyWebPaymentStarted on a virtual clock.
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

#include "ocpp/v201/webpay.h"

static void rfc4226_hotp_vectors(void **state) {
  (void)state;
  static const char *const expect[] = {"755224", "287082", "359152", "969429", "338314",
                                       "254676", "287922", "162583", "399871", "520489"};
  const unsigned char *key = (const unsigned char *)"12345678901234567890";
  char out[16];
  for (uint64_t i = 0; i < 10; i++) {
    assert_int_equal(webpay_hotp(WEBPAY_SHA1, key, 20, i, 6, out, sizeof out), 0);
    assert_string_equal(out, expect[i]);
  }
}

/* RFC 6238 appendix B: 8 digits, X = 30 s, T0 = 0, one seed per hash. */
static void rfc6238_totp_vectors(void **state) {
  (void)state;
  static const struct {
    int64_t t;
    const char *sha1, *sha256, *sha512;
    uint64_t step;
  } v[] = {
      {59, "94287082", "46119246", "90693936", 0x1},
      {1111111109, "07081804", "68084774", "25091201", 0x23523EC},
      {1111111111, "14050471", "67062674", "99943326", 0x23523ED},
      {1234567890, "89005924", "91819424", "93441116", 0x273EF07},
      {2000000000, "69279037", "90698825", "38618901", 0x3F940AA},
      {20000000000, "65353130", "77737706", "47863826", 0x27BC86AA},
  };
  const unsigned char *k1 = (const unsigned char *)"12345678901234567890";
  const unsigned char *k256 = (const unsigned char *)"12345678901234567890123456789012";
  const unsigned char *k512 =
      (const unsigned char *)"1234567890123456789012345678901234567890123456789012345678901234";
  char out[16];
  for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
    assert_int_equal(webpay_time_step(v[i].t, 0, 30), v[i].step);
    assert_int_equal(webpay_totp_rfc6238(WEBPAY_SHA1, k1, 20, v[i].t, 30, 8, out, sizeof out), 0);
    assert_string_equal(out, v[i].sha1);
    assert_int_equal(webpay_totp_rfc6238(WEBPAY_SHA256, k256, 32, v[i].t, 30, 8, out, sizeof out),
                     0);
    assert_string_equal(out, v[i].sha256);
    assert_int_equal(webpay_totp_rfc6238(WEBPAY_SHA512, k512, 64, v[i].t, 30, 8, out, sizeof out),
                     0);
    assert_string_equal(out, v[i].sha512);
  }
  /* before T0, a zero step, bad digits, a small buffer */
  assert_int_equal(webpay_time_step(10, 100, 30), 0);
  assert_int_equal(webpay_time_step(100, 0, 0), 0);
  assert_int_equal(webpay_totp_rfc6238(WEBPAY_SHA1, k1, 20, 59, 0, 8, out, sizeof out), -1);
  assert_int_equal(webpay_hotp(WEBPAY_SHA1, k1, 20, 1, 5, out, sizeof out), -1);
  assert_int_equal(webpay_hotp(WEBPAY_SHA1, k1, 20, 1, 8, out, 8), -1);
}

/* 2024-05-23 00:23:05 UTC */
#define REF_T 1716423785

static void ocpp21_totp_v1_vectors(void **state) {
  (void)state;
  char out[64];
  int left = 0;
  assert_int_equal(webpay_totp_v1("secure!Charging!", REF_T, 30, 12, out, sizeof out, &left), 0);
  assert_string_equal(out, "CN63y502maVh");
  assert_int_equal(left, 25);
  assert_int_equal(webpay_totp_v1("secure!Charging!", REF_T - 30, 30, 12, out, sizeof out, NULL),
                   0);
  assert_string_equal(out, "MdPU0jCm5tXz"); /* the previous interval */
  assert_int_equal(webpay_totp_v1("secure!Charging!", REF_T + 30, 30, 12, out, sizeof out, NULL),
                   0);
  assert_string_equal(out, "dI54vnA25m2h"); /* the next */
  /* longer than the 16 bytes after the offset: wraps around the hash */
  assert_int_equal(webpay_totp_v1("secure!Charging!", REF_T, 30, 23, out, sizeof out, NULL), 0);
  assert_string_equal(out, "CN63y502maVhAsv27Sd7JlE");
  /* ValidityTime 60 */
  assert_int_equal(webpay_totp_v1("secure!Charging!", REF_T, 60, 12, out, sizeof out, &left), 0);
  assert_string_equal(out, "XJZr0L1DGKn0");
  assert_int_equal(left, 55);
  assert_int_equal(webpay_totp_v1("secure!Charging!", REF_T - 60, 60, 12, out, sizeof out, NULL),
                   0);
  assert_string_equal(out, "nTdkiuG6yUyg");
  /* the same code all through its interval, another one after it */
  char first[16], again[16];
  int64_t start = REF_T - 5; /* an interval's first second */
  assert_int_equal(webpay_totp_v1("secure!Charging!", start, 30, 12, first, sizeof first, &left),
                   0);
  assert_int_equal(left, 30);
  assert_int_equal(
      webpay_totp_v1("secure!Charging!", start + 29, 30, 12, again, sizeof again, &left), 0);
  assert_string_equal(first, again);
  assert_int_equal(left, 1);
  assert_int_equal(
      webpay_totp_v1("secure!Charging!", start + 30, 30, 12, again, sizeof again, NULL), 0);
  assert_string_not_equal(first, again);
  /* refused: no secret, a bad length or validity, a small buffer */
  assert_int_equal(webpay_totp_v1("", REF_T, 30, 12, out, sizeof out, NULL), -1);
  assert_int_equal(webpay_totp_v1(NULL, REF_T, 30, 12, out, sizeof out, NULL), -1);
  assert_int_equal(webpay_totp_v1("secure!Charging!", REF_T, 0, 12, out, sizeof out, NULL), -1);
  assert_int_equal(webpay_totp_v1("secure!Charging!", REF_T, 30, 0, out, sizeof out, NULL), -1);
  assert_int_equal(webpay_totp_v1("secure!Charging!", REF_T, 30, 12, out, 12, NULL), -1);
}

static void url_from_template(void **state) {
  (void)state;
  char out[256];
  int n = webpay_url("https://qr.example.com/{chargingstationid}/{evse}/{totp}/{version}", "cp 1/é",
                     2, "CN63y502maVh", "v1", out, sizeof out);
  assert_string_equal(out, "https://qr.example.com/cp%201%2F%C3%A9/2/CN63y502maVh/v1");
  assert_int_equal(n, (int)strlen(out));
  /* names in any case, limits by nothing, unknown names and braces kept */
  webpay_url("https://p.example/{ChargingStationId}?e={EVSE}&t={TOTP}&v={Version}&m={maxEnergy}"
             "{maxTime}{MAXCOST}&x={other}&{",
             "CP-1", 1, "abc", "v1", out, sizeof out);
  assert_string_equal(out, "https://p.example/CP-1?e=1&t=abc&v=v1&m=&x={other}&{");
  /* too small */
  assert_int_equal(webpay_url("https://p.example/{totp}", "CP", 1, "abcdef", "v1", out, 20), -1);
  assert_int_equal(webpay_url(NULL, "CP", 1, "abc", "v1", out, sizeof out), 0);
  assert_string_equal(out, "");
}

static void settings_checked(void **state) {
  (void)state;
  char why[128];
  assert_true(webpay_template_ok("https://pay.example.org/{chargingStationId}/{evse}/{TOTP}", why,
                                 sizeof why));
  assert_true(webpay_template_ok("http://p/{totp}", why, sizeof why));
  assert_false(webpay_template_ok("https://pay.example.org/{evse}", why, sizeof why));
  assert_string_equal(why, "must contain {totp}");
  assert_false(webpay_template_ok("ftp://p/{totp}", why, sizeof why));
  assert_false(webpay_template_ok("https://p/{totp} x", why, sizeof why));
  assert_false(webpay_template_ok("https://p/{totp}\"", why, sizeof why));
  assert_false(webpay_template_ok(NULL, why, sizeof why));
  char lng[WEBPAY_TEMPLATE_MAX + 10];
  memset(lng, 'a', sizeof lng - 1);
  lng[sizeof lng - 1] = 0;
  memcpy(lng, "https://p/{totp}", 16);
  assert_false(webpay_template_ok(lng, why, sizeof why));
  assert_true(webpay_secret_ok("12345678"));
  assert_true(webpay_secret_ok("secure!Charging!"));
  assert_false(webpay_secret_ok("1234567"));
  assert_false(webpay_secret_ok("secure Charging!"));
  assert_false(webpay_secret_ok(""));
  assert_false(webpay_secret_ok(NULL));
}

/* NotifyWebPaymentStarted on a virtual clock. */
static void payment_window(void **state) {
  (void)state;
  webpay_window w = {0};
  int64_t t = 1000000;
  assert_false(webpay_window_open(&w, t));
  assert_false(webpay_window_expired(&w, t));
  webpay_window_start(&w, t, 60);
  assert_true(webpay_window_open(&w, t));
  assert_true(webpay_window_open(&w, t + 59999));
  assert_false(webpay_window_expired(&w, t + 59999));
  /* renewed: a later timeout counts from the new call */
  webpay_window_start(&w, t + 30000, 60);
  assert_true(webpay_window_open(&w, t + 89999));
  assert_false(webpay_window_open(&w, t + 90000));
  assert_true(webpay_window_expired(&w, t + 90000)); /* once */
  assert_false(webpay_window_expired(&w, t + 90001));
  assert_false(webpay_window_open(&w, t + 90001));
  /* revoked by a timeout of 0, closed by the start */
  webpay_window_start(&w, t, 60);
  webpay_window_start(&w, t + 1, 0);
  assert_false(webpay_window_open(&w, t + 2));
  assert_false(webpay_window_expired(&w, t + 70000));
  webpay_window_start(&w, t, 60);
  webpay_window_close(&w);
  assert_false(webpay_window_open(&w, t));
  assert_false(webpay_window_expired(&w, t + 70000));
  webpay_window_start(&w, t, -5);
  assert_false(webpay_window_open(&w, t));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(rfc4226_hotp_vectors),   cmocka_unit_test(rfc6238_totp_vectors),
      cmocka_unit_test(ocpp21_totp_v1_vectors), cmocka_unit_test(url_from_template),
      cmocka_unit_test(settings_checked),       cmocka_unit_test(payment_window),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
