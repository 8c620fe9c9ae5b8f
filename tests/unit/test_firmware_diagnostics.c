/*
 * Diagnostics upload on a real loop with real libcurl transfers (file://
 * upload, so no server is needed here): the archive holds the station's
 * settings, self-test and the events of the requested window, one JSON object
 * per line (a secret setting only as set / not set: the archive may travel
 * over plain ftp); a location that cannot be written is retried, then
 * UploadFailed.
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
#include <sys/stat.h>

#include <jansson.h>
#include <sqlite3.h>

#include "firmware/diagnostics.h"
#include "test_tmpdir.h"

#define AUTH_KEY "Basic-Secret-0123456789"

typedef struct {
  char dir[64];
  uv_loop_t loop;
  station_clock clock;
  curl_uv *cu;
  diagnostics *d;
  diag_status last;
  char detail[300];
  int count;
} rig;

static void on_status(void *ctx, diag_status s, int request_id, const char *detail) {
  (void)request_id;
  rig *r = ctx;
  r->last = s;
  r->count++;
  snprintf(r->detail, sizeof r->detail, "%s", detail);
}

static void exec_sql(const char *path, const char *sql) {
  sqlite3 *db;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  char *err = NULL;
  if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) fail_msg("%s", err);
  sqlite3_close(db);
}

static int setup(void **state) {
  rig *r = calloc(1, sizeof *r);
  if (!r || test_tmpdir_make(r->dir, sizeof r->dir, "borne-diag") != 0) return -1;
  char db[128];
  snprintf(db, sizeof db, "%s/borne.db", r->dir);
  exec_sql(db, "PRAGMA journal_mode=WAL;"
               "CREATE TABLE settings(key TEXT PRIMARY KEY, value TEXT, updated_ms INTEGER);"
               "CREATE TABLE selftest(at_ms INTEGER, connector INTEGER, check_name TEXT,"
               " ok INTEGER, detail TEXT);"
               "CREATE TABLE events(id INTEGER PRIMARY KEY, at_ms INTEGER, connector INTEGER,"
               " kind TEXT, detail TEXT);"
               "INSERT INTO settings VALUES('site.limit_a', '40', 0);"
               "INSERT INTO settings VALUES('ocpp.AuthorizationKey', '" AUTH_KEY "', 0);"
               "INSERT INTO selftest VALUES(1000, 1, 'rcd', 1, 'ok');"
               "INSERT INTO events VALUES(1, 1000, 0, 'boot', 'old');"
               "INSERT INTO events VALUES(2, 5000, 1, 'status', 'Charging \"quoted\"');"
               "INSERT INTO events VALUES(3, 9000, 1, 'status', 'Available');");
  uv_loop_init(&r->loop);
  clock_init(&r->clock, 1000.0);
  r->cu = curl_uv_new(&r->loop);
  diag_config cfg = {.loop = &r->loop,
                     .clock = &r->clock,
                     .data_dir = r->dir,
                     .station_id = "cp-7",
                     .on_status = on_status,
                     .ctx = r};
  r->d = diagnostics_new(&cfg, r->cu);
  *state = r;
  return 0;
}

static int teardown(void **state) {
  rig *r = *state;
  curl_uv_close(r->cu);
  diagnostics_close(r->d);
  uv_run(&r->loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&r->loop), 0);
  int rc = test_tmpdir_remove(r->dir);
  free(r);
  return rc;
}

static void run_until_done(rig *r) {
  for (int i = 0; i < 100000 && diagnostics_busy(r->d); i++) uv_run(&r->loop, UV_RUN_ONCE);
  assert_false(diagnostics_busy(r->d));
}

static void archive_holds_the_window_and_is_uploaded(void **state) {
  rig *r = *state;
  char out[128], url[160], name[200], err[160];
  snprintf(out, sizeof out, "%s/upload", r->dir);
  assert_int_equal(mkdir(out, 0700), 0);
  snprintf(url, sizeof url, "file://%s/", out);
  diag_request req = {.location = url, .start = 2000, .stop = 9500};
  assert_int_equal(diagnostics_upload(r->d, &req, name, sizeof name, err, sizeof err), 0);
  assert_non_null(strstr(name, "borne-diagnostics-cp-7-"));
  assert_int_equal(diagnostics_upload(r->d, &req, name, sizeof name, err, sizeof err), -1);
  run_until_done(r);
  assert_int_equal(r->last, DIAG_UPLOADED);
  char path[400];
  snprintf(path, sizeof path, "%s/%s", out, name);
  FILE *f = fopen(path, "r");
  assert_non_null(f);
  char line[1024];
  int events = 0, settings = 0, selftests = 0, stations = 0;
  while (fgets(line, sizeof line, f)) {
    if (strstr(line, AUTH_KEY)) fail_msg("the OCPP password is in the archive: %s", line);
    json_error_t e;
    json_t *o = json_loads(line, 0, &e);
    assert_non_null(o);
    const char *rec = json_string_value(json_object_get(o, "record"));
    assert_non_null(rec);
    if (!strcmp(rec, "event")) {
      events++;
      json_int_t id = json_integer_value(json_object_get(o, "id"));
      assert_true(id == 2 || id == 3); /* event 1 is before the window */
      if (id == 2)
        assert_string_equal(json_string_value(json_object_get(o, "detail")), "Charging \"quoted\"");
    }
    if (!strcmp(rec, "setting")) {
      settings++;
      const char *key = json_string_value(json_object_get(o, "key"));
      json_t *v = json_object_get(o, "value");
      if (!strcmp(key, "ocpp.AuthorizationKey"))
        assert_true(json_is_true(json_object_get(v, "set"))); /* set, value left out */
      else
        assert_string_equal(json_string_value(v), "40");
    }
    selftests += !strcmp(rec, "selftest");
    stations += !strcmp(rec, "station");
    json_decref(o);
  }
  fclose(f);
  assert_int_equal(events, 2);
  assert_int_equal(settings, 2);
  assert_int_equal(selftests, 1);
  assert_int_equal(stations, 1);
  /* the local copy is gone once delivered */
  snprintf(path, sizeof path, "%s/%s", r->dir, name);
  struct stat sb;
  assert_int_not_equal(stat(path, &sb), 0);
}

static void unwritable_location_is_retried_then_fails(void **state) {
  rig *r = *state;
  char url[160], name[200], err[160];
  snprintf(url, sizeof url, "file://%s/no/such/dir", r->dir);
  borne_ms t0 = clock_now(&r->clock);
  diag_request req = {.location = url, .retries = 1, .retry_interval_s = 20, .request_id = 5};
  assert_int_equal(diagnostics_upload(r->d, &req, name, sizeof name, err, sizeof err), 0);
  assert_non_null(strstr(name, "borne-log-cp-7-"));
  run_until_done(r);
  assert_int_equal(r->last, DIAG_UPLOAD_FAILED);
  assert_true(clock_now(&r->clock) - t0 >= 20000);
  assert_string_equal(diag_status_log_name(DIAG_UPLOAD_FAILED), "UploadFailure");
  assert_string_equal(diag_status_name(DIAG_UPLOAD_FAILED), "UploadFailed");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(archive_holds_the_window_and_is_uploaded, setup, teardown),
      cmocka_unit_test_setup_teardown(unwritable_location_is_retried_then_fails, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
