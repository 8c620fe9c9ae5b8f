/*
 * Self-test and error log for the installer's page:
 *
 *   GET  /api/v1/selftest   the latest result of every check of every
 *                           connector (from the store), whether one runs
 *   POST /api/v1/selftest   run it again (station_selftest_again: refused
 *                           while a cable is plugged in)
 *   GET  /api/v1/errors     the faults now (code, owner text, installer
 *                           action: docs/error-codes.md) and the event log
 *                           filtered to faults, meter failures and
 *                           self-tests, newest first (?before=ID&limit=N)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "http/http_json.h"
#include "webpage/page_api.h"
#include "core/errors.h"

/* Kinds of the error log. */
static const char *const error_kinds[] = {"error",    "error_cleared", "meter_error", "meter_ok",
                                          "selftest", "tamper",        "shunt_trip"};
/* The error log looks at the newest events only (no index on kind). */
#define ERROR_LOG_WINDOW 50000

static json_t *error_json(error_code e) {
  const error_info *i = error_info_of(e);
  return json_pack("{s:i, s:s, s:s, s:s, s:s?}", "code", (int)e, "text", i->owner_text, "action",
                   i->installer_action, "ocpp", i->ocpp16_code, "vendor_code", i->vendor_code);
}

static int selftest_row_json(void *ctx, const selftest_row *r) {
  json_array_append_new(ctx, json_pack("{s:i, s:s, s:b, s:s, s:o}", "connector", r->connector,
                                       "check", r->check, "ok", r->ok, "detail", r->detail, "time",
                                       json_time(r->at)));
  return 0;
}

static int get_selftest(void *ctx, const http_request *req, http_response *res) {
  (void)req;
  web_ctx *w = ctx;
  json_t *results = json_array();
  if (store_selftest_latest(w->st->db, selftest_row_json, results) != 0) {
    json_decref(results);
    http_json_error(res, 500, "%s", store_last_error(w->st->db));
    return 0;
  }
  http_json_body(res, json_pack("{s:b, s:b, s:o}", "done", w->st->selftest_done, "running",
                                w->st->selftests_pending > 0, "results", results));
  return 0;
}

static int post_selftest(void *ctx, const http_request *req, http_response *res) {
  (void)req;
  web_ctx *w = ctx;
  char err[200];
  if (station_selftest_again(w->st, err, sizeof err) != 0) {
    http_json_error(res, 409, "%s", err);
    return 0;
  }
  res->status = 202;
  http_json_body(res, json_pack("{s:b}", "running", w->st->selftests_pending > 0));
  return 0;
}

/* One log entry; faults get their code, text and action decoded. */
static int log_row_json(void *ctx, const event_row *r) {
  json_t *o =
      json_pack("{s:I, s:o, s:i, s:s, s:s}", "id", (json_int_t)r->id, "time", json_time(r->at),
                "connector", r->connector, "kind", r->kind, "detail", r->detail);
  int code = 0;
  if (!strcmp(r->kind, "error"))
    code = atoi(r->detail);
  else if (!strcmp(r->kind, "error_cleared") && !strncmp(r->detail, "{\"code\":", 8))
    code = atoi(r->detail + 8);
  if (code > 0) json_object_set_new(o, "error", error_json((error_code)code));
  json_array_append_new(ctx, o);
  return 0;
}

static int get_errors(void *ctx, const http_request *req, http_response *res) {
  web_ctx *w = ctx;
  char buf[32];
  long long before = 0, limit = 100;
  const char *v;
  char *end;
  if ((v = http_query_param(req, "before", buf, sizeof buf))) {
    before = strtoll(v, &end, 10);
    if (*end || before < 1) return http_json_error(res, 400, "before: must be an event id"), 0;
  }
  if ((v = http_query_param(req, "limit", buf, sizeof buf))) {
    limit = strtoll(v, &end, 10);
    if (*end || limit < 1 || limit > 500)
      return http_json_error(res, 400, "limit: must be 1 to 500"), 0;
  }
  json_t *current = json_array();
  for (int c = 1; c <= station_connector_count(w->st); c++) {
    station_connector_view view;
    station_view(w->st, c, &view);
    error_code e = view.error;
    if (e == ERR_NONE) continue;
    json_t *o = error_json(e);
    json_object_set_new(o, "connector", json_integer(c));
    json_array_append_new(current, o);
  }
  json_t *log = json_array();
  if (store_events_of_kinds(w->st->db, error_kinds,
                            (int)(sizeof error_kinds / sizeof error_kinds[0]), before, (int)limit,
                            ERROR_LOG_WINDOW, log_row_json, log) != 0) {
    json_decref(current);
    json_decref(log);
    http_json_error(res, 500, "%s", store_last_error(w->st->db));
    return 0;
  }
  http_json_body(res, json_pack("{s:o, s:o}", "current", current, "log", log));
  return 0;
}

void api_web_selftest_routes(web_ctx *w) {
  const http_route routes[] = {
      {"GET", "/api/v1/selftest", get_selftest, w},
      {"POST", "/api/v1/selftest", post_selftest, w},
      {"GET", "/api/v1/errors", get_errors, w},
  };
  for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
    http_add_route(w->st->http, &routes[i]);
}
