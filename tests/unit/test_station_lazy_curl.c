/*
 * libcurl is loaded by the first transfer, not at start (issue 15: borned
 * links no libcurl and so none of the ~28 libraries its Debian build brings).
 * A whole station at idle has no libcurl in /proc/self/maps; a missing
 * libcurl fails that firmware download and that diagnostics upload with the
 * reason in the status and the event log, nothing crashes, nothing is loaded;
 * one real download from a local HTTP server (test_httpd.h) loads it; and
 * `ldd` of the built borned does not list it. The tests run in this order in
 * one process: libcurl, once loaded, stays.
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
#include <unistd.h>

#include "firmware/diagnostics.h"
#include "firmware/firmware_module.h"
#include "main/modules.h"
#include "station/station.h"
#include "test_httpd.h"
#include "test_station_rig.h"
#include "test_tmpdir.h"
#include "store/store.h"
#include "util/log.h"

/* Whether a mapped file of this process has `name` in its path. */
static bool mapped(const char *name) {
  FILE *f = fopen("/proc/self/maps", "r");
  assert_non_null(f);
  char line[1024];
  bool found = false;
  while (!found && fgets(line, sizeof line, f)) found = strstr(line, name) != NULL;
  fclose(f);
  return found;
}

typedef struct {
  fw_status seen[16];
  int count;
} fw_seen;

static void on_fw(void *ctx, fw_status s, int request_id, const char *detail) {
  (void)request_id;
  (void)detail;
  fw_seen *w = ctx;
  if (w->count < 16) w->seen[w->count++] = s;
}

static bool fw_ended(station *st) {
  fw_status s = station_firmware_last(st, NULL);
  return s == FW_DOWNLOAD_FAILED || s == FW_INSTALLATION_FAILED || s == FW_INSTALLED;
}

typedef struct {
  diag_status last;
  char detail[300];
  int count;
} diag_seen;

static void on_diag(void *ctx, diag_status s, int request_id, const char *detail) {
  (void)request_id;
  diag_seen *w = ctx;
  w->last = s;
  w->count++;
  snprintf(w->detail, sizeof w->detail, "%s", detail);
}

typedef struct {
  const char *want;
  int found;
} event_search;

static int find_event(void *ctx, const event_row *row) {
  event_search *e = ctx;
  if (strcmp(row->kind, "firmware") == 0 && strstr(row->detail, e->want)) e->found++;
  return 0;
}

static bool station_idle(station *st) { return st->selftest_done; }

#define MISSING "/nonexistent/borne-test/libcurl.so.4"

static void missing_libcurl_fails_the_transfer_not_the_station(void **state) {
  (void)state;
  log_set_level(LOG_ERROR);
  char dir[64], url[160], err[256], name[200];
  assert_int_equal(test_tmpdir_make(dir, sizeof dir, "borne-lazycurl"), 0);
  station_rig r;
  double energy[1] = {0};
  station_rig_prepare(&r, 1, energy);
  station_rig_open(&r, dir);
  assert_true(station_rig_run_until(&r, station_idle));
  /* a station up, every module open, the web server listening: no libcurl */
  assert_false(mapped("libcurl"));

  curl_uv_set_library(MISSING);
  httpd http;
  assert_int_equal(httpd_start(&http, &r.loop), 0);
  httpd_set(&http, "/fw.bin", 200, "not firmware\n", 13, NULL);
  httpd_url(&http, "/fw.bin", url, sizeof url);

  /* firmware: DownloadFailed, the reason names libcurl and the file */
  firmware *fw = station_firmware(r.st);
  assert_non_null(fw);
  firmware_set_allow_unsigned(fw, true); /* an unsigned image is what is fetched here */
  fw_request req = {.location = url, .retries = 2, .retry_interval_s = 1};
  assert_int_equal(firmware_update(fw, &req, err, sizeof err), 0);
  assert_true(station_rig_run_until(&r, fw_ended));
  const char *detail = NULL;
  assert_int_equal(station_firmware_last(r.st, &detail), FW_DOWNLOAD_FAILED);
  if (!strstr(detail, "cannot load libcurl") || !strstr(detail, MISSING))
    fail_msg("unclear reason: %s", detail);
  assert_false(firmware_busy(fw));
  assert_int_equal(http.requests, 0);
  /* the reason is in the event log too */
  event_search es = {.want = "DownloadFailed: cannot load libcurl"};
  assert_int_equal(store_events_query(r.st->db, 0, 1000, find_event, &es), 0);
  assert_int_equal(es.found, 1);

  /* diagnostics: UploadFailed with the same reason */
  curl_uv *cu = curl_uv_new(&r.loop);
  diag_seen ds = {0};
  diag_config dc = {.loop = &r.loop,
                    .clock = &r.clk,
                    .data_dir = dir,
                    .station_id = "cp-lazy",
                    .on_status = on_diag,
                    .ctx = &ds};
  diagnostics *d = diagnostics_new(&dc, cu);
  assert_non_null(d);
  httpd_url(&http, "/upload/", url, sizeof url);
  diag_request dr = {.location = url, .retries = 2, .retry_interval_s = 1};
  assert_int_equal(diagnostics_upload(d, &dr, name, sizeof name, err, sizeof err), 0);
  for (int i = 0; i < 100000 && diagnostics_busy(d); i++) uv_run(&r.loop, UV_RUN_ONCE);
  assert_int_equal(ds.last, DIAG_UPLOAD_FAILED);
  if (!strstr(ds.detail, "cannot load libcurl") || !strstr(ds.detail, MISSING))
    fail_msg("unclear reason: %s", ds.detail);
  assert_int_equal(http.requests, 0);
  char archive[300];
  snprintf(archive, sizeof archive, "%s/%s", dir, name);
  assert_int_equal(access(archive, F_OK), -1); /* not left behind */

  assert_false(mapped("libcurl"));
  curl_uv_close(cu);
  diagnostics_close(d);
  httpd_stop(&http);
  station_rig_close(&r, NULL);
  curl_uv_set_library(NULL);
  assert_int_equal(test_tmpdir_remove(dir), 0);
}

static void first_transfer_loads_libcurl(void **state) {
  (void)state;
  log_set_level(LOG_ERROR);
  curl_uv_set_library(NULL);
  char dir[64], url[160], err[256];
  assert_int_equal(test_tmpdir_make(dir, sizeof dir, "borne-lazycurl"), 0);
  station_rig r;
  double energy[1] = {0};
  station_rig_prepare(&r, 1, energy);
  station_rig_open(&r, dir);
  assert_true(station_rig_run_until(&r, station_idle));
  assert_false(mapped("libcurl"));

  httpd http;
  assert_int_equal(httpd_start(&http, &r.loop), 0);
  httpd_set(&http, "/fw.bin", 200, "not firmware\n", 13, NULL);
  httpd_url(&http, "/fw.bin", url, sizeof url);
  fw_seen seen = {0};
  assert_int_equal(station_firmware_listen(r.st, on_fw, &seen), 0);
  fw_request req = {.location = url};
  firmware_set_allow_unsigned(station_firmware(r.st), true);
  assert_int_equal(firmware_update(station_firmware(r.st), &req, err, sizeof err), 0);
  assert_true(station_rig_run_until(&r, fw_ended));
  /* downloaded through the loaded libcurl, then refused as not firmware */
  bool downloaded = false;
  for (int i = 0; i < seen.count; i++) downloaded |= seen.seen[i] == FW_DOWNLOADED;
  assert_true(downloaded);
  assert_int_equal(station_firmware_last(r.st, NULL), FW_INSTALLATION_FAILED);
  assert_int_equal(http.requests, 1);
  assert_true(mapped("libcurl.so.4"));

  httpd_stop(&http);
  station_rig_close(&r, NULL);
  assert_int_equal(test_tmpdir_remove(dir), 0);
}

/* The built borned (BORNED, set by CMake for this test): ldd lists no libcurl. */
static void borned_does_not_link_libcurl(void **state) {
  (void)state;
  const char *borned = getenv("BORNED");
  if (!borned || access(borned, X_OK) != 0) skip();
  char cmd[600];
  snprintf(cmd, sizeof cmd, "ldd '%s'", borned);
  FILE *p = popen(cmd, "r");
  assert_non_null(p);
  char line[512];
  int libraries = 0;
  while (fgets(line, sizeof line, p)) {
    if (strstr(line, "libcurl")) fail_msg("borned links libcurl: %s", line);
    libraries++;
  }
  assert_int_equal(pclose(p), 0);
  assert_true(libraries > 3); /* ldd did list something */
  print_message("ldd %s: %d lines, no libcurl\n", borned, libraries);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(missing_libcurl_fails_the_transfer_not_the_station),
      cmocka_unit_test(first_transfer_loads_libcurl),
      cmocka_unit_test(borned_does_not_link_libcurl),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
