/*
 * The charts' history: GET /api/v1/samples, a connector's stored meter
 * samples averaged over equal slices of a time span (downsampled in SQLite,
 * so a day of samples costs the page a few kB). Read-only over the store.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http_json.h"
#include "station/station.h"
#include "api/api_module.h"
#include "util/timefmt.h"

#define SAMPLES_POINTS_MAX 1000
#define SAMPLES_SPAN_MAX_MS (366LL * 24 * 3600 * 1000)

static int add_point(void *ctx, const sample_bucket *b) {
  json_array_append_new(ctx, json_pack("{s:o, s:f, s:f, s:i}", "time", json_time(b->at), "power_w",
                                       b->power_w, "energy_wh", b->energy_wh, "samples", b->count));
  return 0;
}

static int number_param(const http_request *req, const char *name, long lo, long hi, long *out) {
  char buf[24];
  const char *v = http_query_param(req, name, buf, sizeof buf);
  if (!v) return 0;
  char *end;
  long n = strtol(v, &end, 10);
  if (!*v || *end || n < lo || n > hi) return -1;
  *out = n;
  return 0;
}

static int get_samples(void *ctx, const http_request *req, http_response *res) {
  station *st = ctx;
  long connector = 0, points = 120;
  if (number_param(req, "connector", 1, station_connector_count(st), &connector) != 0 ||
      connector == 0)
    return http_json_error(res, 400, "connector: required, 1 to %d", station_connector_count(st)),
           0;
  if (number_param(req, "points", 1, SAMPLES_POINTS_MAX, &points) != 0)
    return http_json_error(res, 400, "points: must be 1 to %d", SAMPLES_POINTS_MAX), 0;
  char buf[64];
  const char *v;
  borne_ms until = clock_now(&st->clock), since;
  if ((v = http_query_param(req, "until", buf, sizeof buf)) && timefmt_parse(v, &until))
    return http_json_error(res, 400, "until: `%s` is not an ISO-8601 time or epoch seconds", v), 0;
  since = until - 2 * 3600 * 1000;
  if ((v = http_query_param(req, "since", buf, sizeof buf)) && timefmt_parse(v, &since))
    return http_json_error(res, 400, "since: `%s` is not an ISO-8601 time or epoch seconds", v), 0;
  if (since >= until || until - since > SAMPLES_SPAN_MAX_MS)
    return http_json_error(res, 400, "since must be before until, at most 366 days apart"), 0;
  json_t *list = json_array();
  if (store_samples_buckets(st->db, (int)connector, since, until, (int)points, add_point, list) !=
      0) {
    json_decref(list);
    return http_json_error(res, 500, "cannot read the samples: %s", store_last_error(st->db)), 0;
  }
  borne_ms step = (until - since + points - 1) / points;
  http_json_body(res, json_pack("{s:i, s:o, s:o, s:f, s:o}", "connector", (int)connector, "since",
                                json_time(since), "until", json_time(until), "step_s",
                                (double)step / 1000.0, "points", list));
  return 0;
}

void api_samples_routes(station *st) {
  http_add_route(st->http, &(http_route){"GET", "/api/v1/samples", get_samples, st});
}
