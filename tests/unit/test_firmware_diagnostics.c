/*
 * Diagnostics upload on a real loop with real libcurl transfers to a local
 * HTTP server on the same loop (test_httpd.h, multipart POST): the archive
 * holds the station's settings, self-test and the events of the requested
 * window, one JSON object per line (a secret setting only as set / not set: the archive
 * may travel over plain ftp); a location that refuses it is retried,
 * then UploadFailed; a location with another scheme than OCPP's (file://
 * into the station's own directories, gopher://, ...) is never used.
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

#include <dirent.h>

#include "firmware/diagnostics.h"
#include "keys/key_tables.h"
#include "test_httpd.h"
#include "test_tmpdir.h"

#define AUTH_KEY "Basic-Secret-0123456789"

typedef struct {
  char dir[64];
  uv_loop_t loop;
  station_clock clock;
  curl_uv *cu;
  httpd http;
  diagnostics *d;
  diag_status last;
  int request_id;
  char detail[300];
  int count;
} rig;

static void on_status(void *ctx, diag_status s, int request_id, const char *detail) {
  rig *r = ctx;
  r->request_id = request_id;
  r->last = s;
  r->count++;
  snprintf(r->detail, sizeof r->detail, "%s", detail);
  uv_stop(&r->loop); /* the waiting loop looks again */
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
  if (httpd_start(&r->http, &r->loop) != 0) return -1;
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
  httpd_stop(&r->http);
  while (uv_run(&r->loop, UV_RUN_DEFAULT) != 0) {
  } /* on_status may have stopped it */
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
  char url[160], name[200], err[160];
  httpd_set(&r->http, "/upload/", 200, NULL, 0, NULL);
  httpd_url(&r->http, "/upload/", url, sizeof url);
  diag_request req = {.location = url, .start = 2000, .stop = 9500};
  assert_int_equal(diagnostics_upload(r->d, &req, name, sizeof name, err, sizeof err), 0);
  assert_non_null(strstr(name, "borne-diagnostics-cp-7-"));
  assert_int_equal(diagnostics_upload(r->d, &req, name, sizeof name, err, sizeof err), -1);
  run_until_done(r);
  assert_int_equal(r->last, DIAG_UPLOADED);
  assert_int_equal(r->http.requests, 1);
  assert_string_equal(r->http.last_path, "/upload/");
  /* multipart: the part "file" named after the archive, its lines JSON */
  assert_non_null(r->http.upload);
  char want[260];
  snprintf(want, sizeof want, "name=\"file\"; filename=\"%s\"", name);
  assert_non_null(strstr(r->http.upload, want));
  int events = 0, settings = 0, selftests = 0, stations = 0;
  for (char *line = strtok(r->http.upload, "\r\n"); line; line = strtok(NULL, "\r\n")) {
    if (line[0] != '{') continue; /* the multipart boundary and headers */
    if (strstr(line, AUTH_KEY)) fail_msg("the OCPP password is in the archive: %s", line);
    json_error_t e;
    json_t *o = json_loads(line, 0, &e);
    if (!o) fail_msg("not JSON: %s", line);
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
  assert_int_equal(events, 2);
  assert_int_equal(settings, 2);
  assert_int_equal(selftests, 1);
  assert_int_equal(stations, 1);
  /* the local copy is gone once delivered */
  char path[400];
  snprintf(path, sizeof path, "%s/%s", r->dir, name);
  struct stat sb;
  assert_int_not_equal(stat(path, &sb), 0);
}

static void refusing_location_is_retried_then_fails(void **state) {
  rig *r = *state;
  char url[160], name[200], err[160];
  httpd_set(&r->http, "/full/", 507, NULL, 0, NULL);
  httpd_url(&r->http, "/full/", url, sizeof url);
  borne_ms t0 = clock_now(&r->clock);
  diag_request req = {.location = url, .retries = 1, .retry_interval_s = 20, .request_id = 5};
  assert_int_equal(diagnostics_upload(r->d, &req, name, sizeof name, err, sizeof err), 0);
  assert_non_null(strstr(name, "borne-log-cp-7-"));
  run_until_done(r);
  assert_int_equal(r->last, DIAG_UPLOAD_FAILED);
  assert_int_equal(r->http.requests, 2);
  assert_true(clock_now(&r->clock) - t0 >= 20000);
  assert_string_equal(diag_status_name(DIAG_UPLOAD_FAILED), "UploadFailed");
}

/* Files in dir whose name contains `part`. */
static int files_with(const char *dir, const char *part) {
  DIR *d = opendir(dir);
  int n = 0;
  for (struct dirent *e; d && (e = readdir(d)) != NULL;) n += strstr(e->d_name, part) != NULL;
  if (d) closedir(d);
  return n;
}

static void refused_locations_are_never_used(void **state) {
  rig *r = *state;
  char out[128], file_url[160], upper[160], gopher[160], name[200], err[160];
  snprintf(out, sizeof out, "%s/upload", r->dir);
  assert_int_equal(mkdir(out, 0700), 0);
  snprintf(file_url, sizeof file_url, "file://%s/", out);
  snprintf(upper, sizeof upper, "FILE://%s/", out);
  snprintf(gopher, sizeof gopher, "gopher://127.0.0.1:%d/_x", r->http.port);
  const char *const bad[] = {file_url, upper, gopher, "tftp://127.0.0.1/x", "smb://host/share/"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    r->count = 0;
    name[0] = '\0';
    diag_request req = {.location = bad[i], .retries = 3, .retry_interval_s = 1};
    assert_int_equal(diagnostics_upload(r->d, &req, name, sizeof name, err, sizeof err), -1);
    assert_non_null(strstr(err, "not allowed"));
    assert_int_equal(r->count, 1); /* reported at once */
    assert_int_equal(r->last, DIAG_UPLOAD_FAILED);
    assert_string_equal(r->detail, err);
    assert_false(diagnostics_busy(r->d));
    assert_string_equal(name, "");
  }
  for (int i = 0; i < 20; i++) uv_run(&r->loop, UV_RUN_NOWAIT);
  assert_int_equal(files_with(out, "borne-"), 0);                /* nothing written there */
  assert_int_equal(files_with(r->dir, "borne-diagnostics-"), 0); /* nor collected */
  assert_int_equal(r->http.connections, 0);
  /* GetLog's request id is kept for its UploadFailure */
  diag_request log = {.location = file_url, .request_id = 12};
  assert_int_equal(diagnostics_upload(r->d, &log, name, sizeof name, err, sizeof err), -1);
  assert_int_equal(r->last, DIAG_UPLOAD_FAILED);
  assert_int_equal(r->request_id, 12);
}

/* N01.FR.12: diagnostics_cancel aborts a stalled upload (the connection
 * closed, the archive gone), reports Canceled with the cancelled request's
 * id, and the next upload runs. */
static void a_running_upload_is_cancelled(void **state) {
  rig *r = *state;
  char url[160], name[200], err[160];
  assert_int_equal(diagnostics_cancel(r->d, err, sizeof err), 0); /* nothing runs */
  httpd_set(&r->http, "/stall/", 0, NULL, 0, NULL);               /* never answered */
  httpd_url(&r->http, "/stall/", url, sizeof url);
  diag_request req = {.location = url, .retries = 2, .retry_interval_s = 1, .request_id = 41};
  assert_int_equal(diagnostics_upload(r->d, &req, name, sizeof name, err, sizeof err), 0);
  for (int i = 0; i < 100000 && r->http.held < 1; i++) uv_run(&r->loop, UV_RUN_ONCE);
  assert_int_equal(r->http.held, 1);
  int before = r->count;
  assert_int_equal(diagnostics_cancel(r->d, err, sizeof err), 1);
  assert_false(diagnostics_busy(r->d));
  assert_int_equal(r->count, before + 1);
  assert_int_equal(r->last, DIAG_CANCELED);
  assert_int_equal(r->request_id, 41);
  assert_string_equal(diag_status_name(DIAG_CANCELED), "Canceled");
  char archive[400];
  snprintf(archive, sizeof archive, "%s/%s", r->dir, name);
  assert_int_equal(access(archive, F_OK), -1);
  for (int i = 0; i < 100000 && r->http.peer_closed < 1; i++) uv_run(&r->loop, UV_RUN_ONCE);
  assert_int_equal(r->http.peer_closed, 1);
  /* the next one runs to the end */
  httpd_set(&r->http, "/upload/", 200, NULL, 0, NULL);
  httpd_url(&r->http, "/upload/", url, sizeof url);
  diag_request next = {.location = url, .request_id = 42};
  assert_int_equal(diagnostics_upload(r->d, &next, name, sizeof name, err, sizeof err), 0);
  run_until_done(r);
  assert_int_equal(r->last, DIAG_UPLOADED);
  assert_int_equal(r->request_id, 42);
  assert_string_equal(r->http.last_path, "/upload/");
}

/* N01.FR.12 while the archive is being written: the job is let go (its
 * archive removed once the worker is done), Canceled with its id at once,
 * and the next upload runs beside it under a name of its own. */
static void a_collecting_archive_is_cancelled(void **state) {
  rig *r = *state;
  char url[160], first[200], second[200], err[160];
  httpd_set(&r->http, "/upload/", 200, NULL, 0, NULL);
  httpd_url(&r->http, "/upload/", url, sizeof url);
  diag_request req = {.location = url, .request_id = 51};
  assert_int_equal(diagnostics_upload(r->d, &req, first, sizeof first, err, sizeof err), 0);
  /* the loop has not run: the worker is queued or writing */
  assert_int_equal(diagnostics_cancel(r->d, err, sizeof err), 1);
  assert_false(diagnostics_busy(r->d));
  assert_int_equal(r->last, DIAG_CANCELED);
  assert_int_equal(r->request_id, 51);
  diag_request next = {.location = url, .request_id = 52};
  assert_int_equal(diagnostics_upload(r->d, &next, second, sizeof second, err, sizeof err), 0);
  assert_string_not_equal(first, second); /* the same second: named apart */
  run_until_done(r);
  assert_int_equal(r->last, DIAG_UPLOADED);
  assert_int_equal(r->request_id, 52);
  assert_int_equal(r->http.requests, 1); /* the cancelled archive never left */
  /* the cancelled job's archive is removed once its worker is done */
  char path[400];
  snprintf(path, sizeof path, "%s/%s", r->dir, first);
  for (int i = 0; i < 100000 && files_with(r->dir, "borne-log-") > 0; i++)
    uv_run(&r->loop, UV_RUN_ONCE);
  assert_int_equal(access(path, F_OK), -1);
  assert_int_equal(files_with(r->dir, "borne-log-"), 0);
}

int main(void) {
  if (borne_keys_register() != 0) return 1; /* every module's configuration keys */
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(archive_holds_the_window_and_is_uploaded, setup, teardown),
      cmocka_unit_test_setup_teardown(a_running_upload_is_cancelled, setup, teardown),
      cmocka_unit_test_setup_teardown(a_collecting_archive_is_cancelled, setup, teardown),
      cmocka_unit_test_setup_teardown(refusing_location_is_retried_then_fails, setup, teardown),
      cmocka_unit_test_setup_teardown(refused_locations_are_never_used, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
