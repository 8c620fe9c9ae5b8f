/*
 * Which URLs the station's transfers may use, and libcurl held to them: the
 * allow-list (curl_uv_url_allowed: https, http, ftps, ftp, any case; file,
 * gopher, dict, ldap, telnet, smb, scp, sftp, tftp... refused, a missing
 * scheme too), then real transfers through curl_uv on a loop against a local
 * HTTP server: a redirect to file:// and a gopher:// URL handed straight to
 * libcurl are refused by libcurl itself (defence in depth), a redirect to
 * http:// is followed, and a redirect loop stops after CURL_UV_MAX_REDIRS.
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
#include <stdlib.h>
#include <string.h>

#include "firmware/curl_uv.h"
#include "test_httpd.h"
#include "test_tmpdir.h"

static void allowed(const char *url) {
  char why[200] = "untouched";
  if (!curl_uv_url_allowed(url, why, sizeof why)) fail_msg("%s refused: %s", url, why);
  assert_string_equal(why, "");
}

static void refused(const char *url, const char *reason) {
  char why[200] = "";
  if (curl_uv_url_allowed(url, why, sizeof why)) fail_msg("%s allowed", url);
  if (!strstr(why, reason)) fail_msg("%s: reason \"%s\" lacks \"%s\"", url, why, reason);
}

static void only_ocpp_schemes_are_allowed(void **state) {
  (void)state;
  allowed("https://cs.example.com/fw/borne-2.0.img");
  allowed("http://10.0.0.5:8080/fw.img");
  allowed("ftps://user:pw@ftp.example.com/diag/");
  allowed("ftp://ftp.example.com:2121/upload");
  allowed("HTTPS://CS.EXAMPLE.COM/fw.img"); /* schemes are case-insensitive */
  allowed("Ftp://host/dir/");
  refused("file:///etc/passwd", "scheme file is not allowed");
  refused("FILE:///etc/passwd", "scheme FILE is not allowed");
  refused("File://localhost/etc/shadow", "not allowed");
  refused("gopher://192.168.1.10:6379/_SET%20x%201", "scheme gopher is not allowed");
  refused("gophers://host/", "not allowed");
  refused("dict://192.168.1.10:11211/stats", "scheme dict is not allowed");
  refused("ldap://host/dc=example", "not allowed");
  refused("ldaps://host/", "not allowed");
  refused("telnet://host:23", "not allowed");
  refused("smb://host/share/file", "not allowed");
  refused("smbs://host/share/file", "not allowed");
  refused("scp://host/etc/passwd", "not allowed");
  refused("sftp://host/fw.img", "scheme sftp is not allowed");
  refused("tftp://host/fw.img", "not allowed");
  refused("imap://host/", "not allowed");
  refused("mqtt://host/topic", "not allowed");
  refused("rtsp://host/", "not allowed");
  refused("httpx://host/", "not allowed"); /* a prefix of an allowed scheme is not it */
  refused("ftpes://host/", "not allowed"); /* nor is a longer one */
  refused("htt://host/", "not allowed");
  /* no scheme: libcurl would guess one (http, or ftp for ftp.* hosts) */
  refused("example.com/fw.img", "not a URL with a scheme");
  refused("/etc/passwd", "not a URL with a scheme");
  refused("://host/x", "not a URL with a scheme");
  refused(" https://host/x", "not a URL with a scheme"); /* no trimming */
  refused("1http://host/x", "not a URL with a scheme");
  refused("http:/host/x", "of the form http://host/path");
  refused("https:host", "of the form https://host/path");
  refused("", "no location");
  refused(NULL, "no location");
  char tiny[8];
  assert_false(curl_uv_url_allowed("file:///etc/passwd", tiny, sizeof tiny)); /* truncated */
  assert_int_equal(strlen(tiny), sizeof tiny - 1);
}

/* ---------- real transfers ---------- */

typedef struct {
  char dir[64];
  uv_loop_t loop;
  curl_uv *cu;
  httpd http;
  bool done;
  CURLcode result;
  long code;
  char error[400];
  char body[256];
  size_t body_len;
} rig;

static int setup(void **state) {
  rig *r = calloc(1, sizeof *r);
  if (!r || test_tmpdir_make(r->dir, sizeof r->dir, "borne-curl") != 0) return -1;
  uv_loop_init(&r->loop);
  r->cu = curl_uv_new(&r->loop);
  if (!r->cu || httpd_start(&r->http, &r->loop) != 0) return -1;
  *state = r;
  return 0;
}

static int teardown(void **state) {
  rig *r = *state;
  curl_uv_close(r->cu);
  httpd_stop(&r->http);
  uv_run(&r->loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&r->loop), 0);
  int rc = test_tmpdir_remove(r->dir);
  free(r);
  return rc;
}

static size_t keep(char *data, size_t size, size_t n, void *ctx) {
  rig *r = ctx;
  size_t len = size * n;
  size_t room = sizeof r->body - 1 - r->body_len;
  memcpy(r->body + r->body_len, data, len < room ? len : room);
  r->body_len += len < room ? len : room;
  r->body[r->body_len] = '\0';
  return len;
}

static void done(void *ctx, CURLcode result, long code, const char *error) {
  rig *r = ctx;
  r->done = true;
  uv_stop(&r->loop); /* the loop would wait for the next event first */
  r->result = result;
  r->code = code;
  snprintf(r->error, sizeof r->error, "%s", error);
}

/* A download as firmware.c makes it (redirects followed), straight to curl_uv. */
static void fetch(rig *r, const char *url) {
  r->done = false;
  r->body_len = 0;
  r->body[0] = '\0';
  CURL *easy = curl_easy_init();
  assert_non_null(easy);
  curl_easy_setopt(easy, CURLOPT_URL, url);
  curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(easy, CURLOPT_FAILONERROR, 1L);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, keep);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, r);
  assert_int_equal(curl_uv_start(r->cu, easy, done, r), 0);
  for (int i = 0; i < 100000 && !r->done; i++) uv_run(&r->loop, UV_RUN_ONCE);
  assert_true(r->done);
}

static void redirect_to_file_is_refused_by_libcurl(void **state) {
  rig *r = *state;
  /* a secret on the station that a redirect must not reach */
  char secret[128], location[200];
  snprintf(secret, sizeof secret, "%s/secret.txt", r->dir);
  FILE *f = fopen(secret, "w");
  assert_non_null(f);
  fputs("the station's private key\n", f);
  fclose(f);
  snprintf(location, sizeof location, "file://%s", secret);
  httpd_set(&r->http, "/fw.img", 302, NULL, 0, location);
  httpd_set(&r->http, "/passwd", 302, NULL, 0, "file:///etc/passwd");
  char url[200];
  httpd_url(&r->http, "/fw.img", url, sizeof url);
  fetch(r, url);
  assert_int_equal(r->result, CURLE_UNSUPPORTED_PROTOCOL);
  assert_int_equal(r->http.requests, 1);
  assert_null(strstr(r->body, "private key"));
  assert_non_null(strstr(r->error, "file"));
  httpd_url(&r->http, "/passwd", url, sizeof url);
  fetch(r, url);
  assert_int_equal(r->result, CURLE_UNSUPPORTED_PROTOCOL);
  assert_null(strstr(r->body, "root:"));
  /* a redirect to OCPP's schemes is still followed */
  httpd_set(&r->http, "/image", 200, "image bytes", 11, NULL);
  httpd_set(&r->http, "/moved", 301, NULL, 0, "/image");
  httpd_url(&r->http, "/moved", url, sizeof url);
  fetch(r, url);
  assert_int_equal(r->result, CURLE_OK);
  assert_string_equal(r->body, "image bytes");
  assert_string_equal(r->error, "");
}

static void other_schemes_never_leave_libcurl(void **state) {
  rig *r = *state;
  /* handed to libcurl directly, past curl_uv_url_allowed: libcurl itself
   * refuses, and not one byte reaches the host */
  char url[200];
  snprintf(url, sizeof url, "gopher://127.0.0.1:%d/_PING%%0D%%0A", r->http.port);
  fetch(r, url);
  assert_int_equal(r->result, CURLE_UNSUPPORTED_PROTOCOL);
  snprintf(url, sizeof url, "dict://127.0.0.1:%d/info", r->http.port);
  fetch(r, url);
  assert_int_equal(r->result, CURLE_UNSUPPORTED_PROTOCOL);
  fetch(r, "file:///etc/passwd");
  assert_int_equal(r->result, CURLE_UNSUPPORTED_PROTOCOL);
  assert_null(strstr(r->body, "root:"));
  uv_run(&r->loop, UV_RUN_NOWAIT);
  assert_int_equal(r->http.connections, 0);
}

static void redirects_stop_after_the_cap(void **state) {
  rig *r = *state;
  httpd_set(&r->http, "/loop", 302, NULL, 0, "/loop");
  char url[200];
  httpd_url(&r->http, "/loop", url, sizeof url);
  fetch(r, url);
  assert_int_equal(r->result, CURLE_TOO_MANY_REDIRECTS);
  assert_int_equal(r->http.requests, 1 + (int)CURL_UV_MAX_REDIRS);
}

/* curl_uv_cancel: a stalled download of one ctx aborted (its callback once,
 * at once, its connection closed), another ctx's transfer untouched, and the
 * multi handle still good for the next transfer. */
typedef struct {
  int calls;
  CURLcode result;
  char error[64];
} cancel_seen;

static void cancel_done(void *ctx, CURLcode result, long code, const char *error) {
  (void)code;
  cancel_seen *c = ctx;
  c->calls++;
  c->result = result;
  snprintf(c->error, sizeof c->error, "%s", error);
}

static CURL *stalled_easy(rig *r) {
  char url[200];
  httpd_url(&r->http, "/stall", url, sizeof url);
  CURL *easy = curl_easy_init();
  assert_non_null(easy);
  curl_easy_setopt(easy, CURLOPT_URL, url);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, keep);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, r);
  return easy;
}

static void a_transfer_is_cancelled_by_its_ctx(void **state) {
  rig *r = *state;
  httpd_set(&r->http, "/stall", 0, NULL, 0, NULL); /* never answered */
  cancel_seen first = {0}, other = {0};
  assert_int_equal(curl_uv_cancel(r->cu, &first), 0); /* nothing runs: nothing to do */
  assert_int_equal(curl_uv_start(r->cu, stalled_easy(r), cancel_done, &first), 0);
  assert_int_equal(curl_uv_start(r->cu, stalled_easy(r), cancel_done, &other), 0);
  for (int i = 0; i < 100000 && r->http.held < 2; i++) uv_run(&r->loop, UV_RUN_ONCE);
  assert_int_equal(r->http.held, 2); /* both requests reached the server */
  assert_int_equal(curl_uv_cancel(r->cu, &first), 1);
  assert_int_equal(first.calls, 1); /* before curl_uv_cancel returned */
  assert_int_equal(first.result, CURLE_ABORTED_BY_CALLBACK);
  assert_string_equal(first.error, "cancelled");
  assert_int_equal(other.calls, 0);
  /* the server sees the cancelled one's connection closed, not the other's */
  for (int i = 0; i < 100000 && r->http.peer_closed < 1; i++) uv_run(&r->loop, UV_RUN_ONCE);
  assert_int_equal(r->http.peer_closed, 1);
  assert_int_equal(other.calls, 0);
  assert_int_equal(curl_uv_cancel(r->cu, &first), 0); /* once only */
  assert_int_equal(first.calls, 1);
  /* the next transfer runs as before */
  httpd_set(&r->http, "/image", 200, "image bytes", 11, NULL);
  char url[200];
  httpd_url(&r->http, "/image", url, sizeof url);
  fetch(r, url);
  assert_int_equal(r->result, CURLE_OK);
  assert_string_equal(r->body, "image bytes");
  assert_int_equal(curl_uv_cancel(r->cu, &other), 1);
  assert_int_equal(other.result, CURLE_ABORTED_BY_CALLBACK);
  for (int i = 0; i < 100000 && r->http.peer_closed < 2; i++) uv_run(&r->loop, UV_RUN_ONCE);
  assert_int_equal(r->http.peer_closed, 2);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(only_ocpp_schemes_are_allowed),
      cmocka_unit_test_setup_teardown(redirect_to_file_is_refused_by_libcurl, setup, teardown),
      cmocka_unit_test_setup_teardown(other_schemes_never_leave_libcurl, setup, teardown),
      cmocka_unit_test_setup_teardown(redirects_stop_after_the_cap, setup, teardown),
      cmocka_unit_test_setup_teardown(a_transfer_is_cancelled_by_its_ctx, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
