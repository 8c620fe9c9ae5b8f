/*
 * The embedded web page (web/assets.h): every file is there with its type
 * and one copy (its gzip, or itself when gzip does not make it smaller) that
 * gives back the file its ETag names, a truncated gzip is refused, the whole
 * page stays within its 150 kB compressed budget,
 * and the Accept-Encoding / If-None-Match parsers read real-world headers.
 */
/* cmocka.h needs these first */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "webpage/assets.h"

/* Issue 7: "whole page <= 150 kB compressed". */
#define PAGE_BUDGET (150 * 1024)

static void test_budget(void **state) {
  (void)state;
  size_t total = web_assets_gz_total();
  assert_true(total > 0);
  assert_true(total <= PAGE_BUDGET);
}

static void test_index_and_types(void **state) {
  (void)state;
  const web_asset *a = web_asset_find("/index.html");
  assert_non_null(a);
  assert_string_equal(a->content_type, "text/html; charset=utf-8");
  assert_true(a->gz_len > 18);
  assert_int_equal(a->gz[0], 0x1f); /* gzip magic, RFC 1952 */
  assert_int_equal(a->gz[1], 0x8b);
  assert_int_equal(a->etag[0], '"');
  for (const web_asset *x = web_assets; x->path; x++) {
    assert_int_equal(x->path[0], '/');
    if (strstr(x->path, ".js"))
      assert_string_equal(x->content_type, "text/javascript; charset=utf-8");
    if (strstr(x->path, ".css")) assert_string_equal(x->content_type, "text/css; charset=utf-8");
  }
  assert_null(web_asset_find("/nope.html"));
  assert_null(web_asset_find("index.html"));
  assert_null(web_asset_find(NULL));
}

static void test_accept_encoding(void **state) {
  (void)state;
  assert_true(web_accepts_gzip("gzip, deflate, br"));
  assert_true(web_accepts_gzip("br;q=1.0, gzip;q=0.8, *;q=0.1"));
  assert_true(web_accepts_gzip("GZIP"));
  assert_true(web_accepts_gzip("*"));
  assert_false(web_accepts_gzip("gzip;q=0"));
  assert_false(web_accepts_gzip("gzip; q=0.000, identity"));
  assert_false(web_accepts_gzip("deflate, br"));
  assert_false(web_accepts_gzip("x-gzip2"));
  assert_false(web_accepts_gzip(""));
  assert_false(web_accepts_gzip(NULL));
}

static void test_etag(void **state) {
  (void)state;
  const char *tag = "\"0123456789abcdef\"";
  assert_true(web_etag_matches("\"0123456789abcdef\"", tag));
  assert_true(web_etag_matches("W/\"0123456789abcdef\"", tag));
  assert_true(web_etag_matches("\"other\", \"0123456789abcdef\"", tag));
  assert_true(web_etag_matches("*", tag));
  assert_false(web_etag_matches("\"0123456789abcde\"", tag));
  assert_false(web_etag_matches("0123456789abcdef", tag));
  assert_false(web_etag_matches("", tag));
  assert_false(web_etag_matches(NULL, tag));
}

/* Issue 15: one copy per file; the inflated file is the one the ETag hashes. */
static void test_one_copy_gives_the_file(void **state) {
  (void)state;
  int gzipped = 0;
  for (const web_asset *a = web_assets; a->path; a++) {
    assert_true((a->gz == NULL) != (a->data == NULL));
    if (a->gz) {
      gzipped++;
      assert_true(a->gz_len < a->len);
    }
    unsigned char *buf = malloc(a->len ? a->len : 1);
    assert_non_null(buf);
    assert_int_equal(web_asset_inflate(a, buf), 0);
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256(buf, a->len, md);
    char etag[19] = "\"";
    for (int i = 0; i < 8; i++) snprintf(etag + 1 + 2 * i, 3, "%02x", md[i]);
    etag[17] = '"';
    assert_string_equal(a->etag, etag);
    free(buf);
  }
  assert_true(gzipped > 0);
  /* a gzip cut short, or longer than it says, is refused */
  const web_asset *idx = web_asset_find("/index.html");
  web_asset cut = *idx;
  cut.gz_len /= 2;
  unsigned char *buf = malloc(idx->len + 16);
  assert_int_equal(web_asset_inflate(&cut, buf), -1);
  web_asset shorter = *idx;
  shorter.len -= 1;
  assert_int_equal(web_asset_inflate(&shorter, buf), -1);
  free(buf);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_budget),
      cmocka_unit_test(test_index_and_types),
      cmocka_unit_test(test_accept_encoding),
      cmocka_unit_test(test_etag),
      cmocka_unit_test(test_one_copy_gives_the_file),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
