/*
 * GET /api/v1/events/stream: the event log pushed to the web page as
 * Server-Sent Events (text/event-stream), resumable with Last-Event-ID (or
 * ?after=ID), and, between events, the connectors' meter readings at most
 * once a second (type `meter`, without an id: they are not in the log).
 * Each stream remembers the last event id it was sent and is fed from the
 * events store whenever the station records an event.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "http/http_json.h"
#include "station/events.h"
#include "webpage/page_api.h"
#include "webpage/sse.h"
#include "store/store.h"
#include "util/log.h"

#define HEARTBEAT_MS 20000
#define BACKLOG_MAX 1000

static void site_store(web_ctx *w);

static void drop_stream(web_ctx *w, int i) {
  http_stream_end(w->streams[i]);
  w->streams[i] = w->streams[w->stream_count - 1];
  w->stream_last[i] = w->stream_last[w->stream_count - 1];
  w->stream_count--;
}

typedef struct {
  http_pending *p;
  int64_t last;
  int failed;
} feed_ctx;

static int feed_one(void *ctx, const event_row *row) {
  feed_ctx *f = ctx;
  json_t *e =
      json_pack("{s:I, s:o, s:i, s:s, s:s}", "id", (json_int_t)row->id, "time", json_time(row->at),
                "connector", row->connector, "kind", row->kind, "detail", row->detail);
  if (e && row->reason[0]) json_object_set_new(e, "reason", json_string(row->reason));
  char *data = json_dumps(e, JSON_COMPACT);
  json_decref(e);
  char buf[1024];
  int n = data ? web_sse_format(buf, sizeof buf, row->id, NULL, data) : -1;
  free(data);
  if (n < 0 || http_stream_send(f->p, buf, (size_t)n) != 0) {
    f->failed = 1;
    return 1;
  }
  f->last = row->id;
  return 0;
}

/* Sends stream i every event after its last one; -1 when the client is gone. */
static int feed(web_ctx *w, int i) {
  feed_ctx f = {.p = w->streams[i], .last = w->stream_last[i]};
  store_events_query(w->st->db, f.last, BACKLOG_MAX, feed_one, &f);
  w->stream_last[i] = f.last;
  return f.failed ? -1 : 0;
}

void web_events_push(web_ctx *w) {
  for (int i = 0; i < w->stream_count;) {
    if (!http_pending_alive(w->streams[i]) || feed(w, i) != 0)
      drop_stream(w, i);
    else
      i++;
  }
}

static void send_all(web_ctx *w, const char *text, size_t n) {
  for (int i = 0; i < w->stream_count;) {
    if (http_stream_send(w->streams[i], text, n) != 0)
      drop_stream(w, i);
    else
      i++;
  }
}

static void heartbeat_cb(uv_timer_t *t) {
  web_ctx *w = t->data;
  send_all(w, ": keep-alive\n\n", 14);
  if (w->stream_count == 0) uv_timer_stop(t);
}

static void on_meter(void *ctx, int connector, const meter_reading *r) {
  web_ctx *w = ctx;
  if (w->stream_count == 0 || connector < 1 || connector > BORNE_MAX_CONNECTORS) return;
  int64_t now = web_now(w);
  if (now - w->meter_sent[connector - 1] < 1000) return;
  w->meter_sent[connector - 1] = now;
  const station_connector *sc = &w->st->conn[connector - 1];
  json_t *o = json_pack("{s:i, s:f, s:f, s:[f,f,f], s:[f,f,f]}", "connector", connector, "power_w",
                        r->power_total_w, "energy_wh", r->energy_import_wh, "current_a",
                        r->current_a[0], r->current_a[1], r->current_a[2], "voltage_v",
                        r->voltage_v[0], r->voltage_v[1], r->voltage_v[2]);
  json_object_set_new(o, "time",
                      json_time(r->at)); /* station time: runs faster under --sim-speed */
  if (sc->session_id)
    json_object_set_new(o, "session_energy_wh",
                        json_real(r->energy_import_wh - sc->session_start_wh));
  char *data = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(10));
  json_decref(o);
  char buf[1024];
  int n = data ? web_sse_format(buf, sizeof buf, 0, "meter", data) : -1;
  free(data);
  if (n > 0) send_all(w, buf, (size_t)n);
}

static int get_stream(void *ctx, const http_request *req, http_response *res) {
  web_ctx *w = ctx;
  char buf[32];
  int64_t after = web_sse_last_id(req->last_event_id);
  const char *v = http_query_param(req, "after", buf, sizeof buf);
  if (after < 0 && v) {
    after = web_sse_last_id(v);
    if (after < 0) return http_json_error(res, 400, "after: must be an event id"), 0;
  }
  if (after < 0) after = store_events_last_id(w->st->db); /* only what comes next */
  if (w->closing) return http_json_error(res, 503, "borned is shutting down"), 0;
  if (w->stream_count == WEB_MAX_STREAMS)
    return http_json_error(res, 503, "too many event streams open; close a page"), 0;
  http_pending *p = http_defer(req);
  if (!p) return http_json_error(res, 500, "cannot keep the request open"), 0;
  if (http_stream_begin(p, "text/event-stream", "X-Accel-Buffering: no") != 0) {
    http_stream_end(p);
    return 1;
  }
  int i = w->stream_count++;
  w->streams[i] = p;
  w->stream_last[i] = after;
  /* retry: how long EventSource waits before reconnecting (ms). */
  if (http_stream_send(p, "retry: 2000\n\n", 13) != 0 || feed(w, i) != 0) {
    drop_stream(w, i);
    return 1;
  }
  if (!uv_is_active((uv_handle_t *)&w->heartbeat))
    uv_timer_start(&w->heartbeat, heartbeat_cb, HEARTBEAT_MS, HEARTBEAT_MS);
  return 1;
}

void web_events_close(web_ctx *w) {
  site_store(w);
  while (w->stream_count) drop_stream(w, w->stream_count - 1);
  uv_timer_stop(&w->heartbeat);
  uv_close((uv_handle_t *)&w->heartbeat, NULL);
}

static int get_site_readings(void *ctx, const http_request *req, http_response *res);

void api_web_events_routes(web_ctx *w) {
  uv_timer_init(w->st->loop, &w->heartbeat);
  w->heartbeat.data = w;
  uv_unref((uv_handle_t *)&w->heartbeat);
  http_add_route(w->st->http, &(http_route){"GET", "/api/v1/events/stream", get_stream, w});
  http_add_route(w->st->http, &(http_route){"GET", "/api/v1/site/readings", get_site_readings, w});
}

/* The building's load per phase as a grid input measured it, with the site
 * limit, for the dashboard's live chart of the site against its limit
 * (`event: site_reading`, at most one a second, only while someone listens),
 * and its history: the highest phase of each minute, written to the
 * database when the minute is over (and at shutdown), the last 48 hours
 * kept. A crash loses at most the minute being measured: a chart, not a
 * record anyone bills from. */
static void site_store(web_ctx *w) {
  if (!w->site_has) return;
  sqlite3_stmt *q = store_stmt(w->st->db, "INSERT OR REPLACE INTO web_site_readings(minute_ms, "
                                          "amps, limit_a) VALUES(?1, ?2, ?3)");
  if (q) {
    sqlite3_bind_int64(q, 1, w->site.at);
    sqlite3_bind_double(q, 2, w->site.amps);
    if (w->site.limit_a >= 0)
      sqlite3_bind_double(q, 3, w->site.limit_a);
    else
      sqlite3_bind_null(q, 3);
    if (sqlite3_step(q) != SQLITE_DONE)
      log_warn("web", "site readings: %s", sqlite3_errmsg(store_sqlite(w->st->db)));
  }
  store_stmt_release(w->st->db, q);
  q = store_stmt(w->st->db, "DELETE FROM web_site_readings WHERE minute_ms < ?1");
  if (q) {
    sqlite3_bind_int64(q, 1, w->site.at - WEB_SITE_KEEP_MS);
    sqlite3_step(q);
  }
  store_stmt_release(w->st->db, q);
}

static void keep_site(web_ctx *w, const grid_sample *g) {
  double a = g->current_a[0];
  for (int i = 1; i < 3; i++)
    if (g->current_a[i] > a) a = g->current_a[i];
  const char *limit = config_get(w->st->cfg, "site.limit_a");
  double lim = limit && limit[0] ? config_get_number(w->st->cfg, "site.limit_a") : -1;
  int64_t minute = g->at - (g->at % WEB_SITE_STEP_MS + WEB_SITE_STEP_MS) % WEB_SITE_STEP_MS;
  if (w->site_has && minute == w->site.at) {
    if (a > w->site.amps) w->site.amps = a;
    w->site.limit_a = lim;
    return;
  }
  site_store(w);
  w->site = (web_site_point){.at = minute, .amps = a, .limit_a = lim};
  w->site_has = true;
}

static json_t *site_point_json(int64_t at, double amps, double limit_a) {
  return json_pack("{s:o, s:f, s:o}", "time", json_time(at), "current_a", amps, "limit_a",
                   limit_a >= 0 ? json_real(limit_a) : json_null());
}

/* GET /api/v1/site/readings[?hours=N]: the minutes of the last N hours (48
 * at most and by default), oldest first, the minute being measured last. */
static int get_site_readings(void *ctx, const http_request *req, http_response *res) {
  web_ctx *w = ctx;
  char buf[16];
  long hours = 48;
  const char *v = http_query_param(req, "hours", buf, sizeof buf);
  if (v) {
    char *end;
    hours = strtol(v, &end, 10);
    if (!*v || *end || hours < 1 || hours > 48)
      return http_json_error(res, 400, "hours: a whole number from 1 to 48"), 0;
  }
  int64_t now = clock_now(&w->st->clock);
  if (w->site_has && w->site.at > now) now = w->site.at;
  json_t *a = json_array();
  sqlite3_stmt *q = store_stmt(w->st->db, "SELECT minute_ms, amps, limit_a FROM web_site_readings "
                                          "WHERE minute_ms >= ?1 ORDER BY minute_ms");
  if (!q) {
    json_decref(a);
    return http_json_error(res, 500, "%s", store_last_error(w->st->db)), 0;
  }
  sqlite3_bind_int64(q, 1, now - hours * 3600 * 1000);
  while (sqlite3_step(q) == SQLITE_ROW) {
    int64_t at = sqlite3_column_int64(q, 0);
    if (w->site_has && at == w->site.at) continue; /* the one in memory is newer */
    json_array_append_new(a, site_point_json(at, sqlite3_column_double(q, 1),
                                             sqlite3_column_type(q, 2) == SQLITE_NULL
                                                 ? -1
                                                 : sqlite3_column_double(q, 2)));
  }
  store_stmt_release(w->st->db, q);
  if (w->site_has && w->site.at >= now - hours * 3600 * 1000)
    json_array_append_new(a, site_point_json(w->site.at, w->site.amps, w->site.limit_a));
  http_json_body(res, json_pack("{s:i, s:o}", "step_s", WEB_SITE_STEP_MS / 1000, "readings", a));
  return 0;
}

static void on_grid(void *ctx, const char *source, const grid_sample *g) {
  web_ctx *w = ctx;
  (void)source;
  if (!g->has_current) return;
  keep_site(w, g);
  if (w->stream_count == 0) return;
  int64_t now = web_now(w);
  if (now - w->site_sent < 1000) return;
  w->site_sent = now;
  const char *limit = config_get(w->st->cfg, "site.limit_a");
  json_t *o = json_pack("{s:o, s:[f,f,f], s:o}", "time", json_time(g->at), "current_a",
                        g->current_a[0], g->current_a[1], g->current_a[2], "limit_a",
                        limit && limit[0] ? json_real(config_get_number(w->st->cfg, "site.limit_a"))
                                          : json_null());
  char *data = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(10));
  json_decref(o);
  char buf[512];
  int n = data ? web_sse_format(buf, sizeof buf, 0, "site_reading", data) : -1;
  free(data);
  if (n > 0) send_all(w, buf, (size_t)n);
}

void web_events_meter_hook(station_module *m) {
  m->meter_read = on_meter;
  m->grid_sample = on_grid;
}
