/*
 * Charge history: GET /api/v1/sessions (JSON or CSV) and /sessions/{id}.
 * Read-only over the store; a running session shows its live energy and
 * cost. A session's cost follows the tariff it started under (tariff module).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "energy/energy_module.h"
#include "http/http_json.h"
#include "station/station.h"
#include "tariff/tariff_module.h"
#include <time.h>
#include "api/api_module.h"
#include "util/log.h"
#include "util/timefmt.h"

static double live_stop_wh(station *st, const session_row *r) {
  if (r->stop_ms == 0 && r->connector >= 1 && r->connector <= station_connector_count(st) &&
      st->conn[r->connector - 1].session_id == r->id)
    return st->conn[r->connector - 1].meter.energy_import_wh;
  return r->meter_stop_wh;
}

/* The cost of a session at its tariff (so far, while it runs): 0 with the
 * cost and currency, or -1 when it had no tariff. */
static int session_cost(station *st, const session_row *r, double stop_wh, double *cost, tariff *t,
                        double *offpeak_wh) {
  if (tariff_of_session(st, r->id, t) != 0) return -1;
  borne_ms end = r->stop_ms ? r->stop_ms : clock_now(&st->clock);
  *offpeak_wh = tariff_offpeak_wh(st, r->id);
  if (*offpeak_wh < 0) *offpeak_wh = 0;
  *cost = tariff_cost_offpeak(t, stop_wh - r->meter_start_wh, *offpeak_wh, end - r->start_ms);
  return 0;
}

static json_t *session_json(station *st, const session_row *r) {
  double stop_wh = live_stop_wh(st, r);
  double cost, off;
  tariff t;
  bool priced = session_cost(st, r, stop_wh, &cost, &t, &off) == 0;
  json_t *o = json_object();
  json_object_set_new(o, "id", json_integer(r->id));
  json_object_set_new(o, "connector", json_integer(r->connector));
  json_object_set_new(o, "badge", json_string(r->uid));
  json_object_set_new(o, "user", json_string(r->user));
  json_object_set_new(o, "start", json_time(r->start_ms));
  json_object_set_new(o, "stop", json_time(r->stop_ms));
  json_object_set_new(o, "meter_start_wh", json_real(r->meter_start_wh));
  json_object_set_new(o, "meter_stop_wh", json_real(stop_wh));
  json_object_set_new(o, "energy_wh", json_real(stop_wh - r->meter_start_wh));
  json_object_set_new(o, "stop_reason",
                      r->stop_ms ? json_string(stop_reason_name(r->reason)) : json_null());
  json_object_set_new(o, "active", json_boolean(r->stop_ms == 0));
  json_object_set_new(o, "cost", priced ? json_real(cost) : json_null());
  json_object_set_new(o, "currency", priced ? json_string(t.currency) : json_null());
  json_object_set_new(o, "energy_offpeak_wh", priced ? json_real(off) : json_null());
  /* the OCPP back end's cost (or the station's under a 2.1 tariff) */
  tariff_session_cost bc;
  json_object_set_new(
      o, "backend_cost",
      tariff_session_cost_get(st, r->id, &bc, NULL) == 0
          ? json_pack("{s:s, s:o, s:s, s:b, s:s, s:o}", "transaction_id", bc.transaction_id,
                      "total", bc.has_total ? json_real(bc.total) : json_null(), "currency",
                      bc.currency, "final", bc.final, "source", bc.local ? "local" : "csms",
                      "message", bc.message[0] ? json_string(bc.message) : json_null())
          : json_null());
  return o;
}

/* A total row of the CSV (totals=1): per user, or per local month. */
typedef struct {
  char key[BORNE_NAME_MAX + 1];
  char currency[4];
  double energy_wh, offpeak_wh, cost;
  int sessions;
} csv_total;

typedef struct {
  station *st;
  tz_rule zone; /* site.timezone, for the CSV's local times */
  json_t *list;
  char *csv;
  size_t csv_len, csv_cap;
  bool totals;
  csv_total *users, *months;
  int nusers, nmonths;
} collect_ctx;

/* Add a session to the total named key (the list grows; a failed growth
 * drops the session from the totals, never the CSV). */
static void add_total(csv_total **list, int *n, const char *key, double wh, double off, double cost,
                      const char *currency) {
  int i = 0;
  while (i < *n && strcmp((*list)[i].key, key) != 0) i++;
  if (i == *n) {
    csv_total *grown = realloc(*list, (size_t)(*n + 1) * sizeof *grown);
    if (!grown) return;
    *list = grown;
    memset(&grown[i], 0, sizeof grown[i]);
    snprintf(grown[i].key, sizeof grown[i].key, "%s", key);
    (*n)++;
  }
  csv_total *t = &(*list)[i];
  t->energy_wh += wh;
  t->offpeak_wh += off;
  t->cost += cost;
  t->sessions++;
  if (currency && currency[0]) snprintf(t->currency, sizeof t->currency, "%s", currency);
}

static void csv_append(collect_ctx *cc, const char *s) {
  size_t n = strlen(s);
  if (cc->csv_len + n + 1 > cc->csv_cap) {
    size_t cap = cc->csv_cap ? cc->csv_cap * 2 : 4096;
    while (cap < cc->csv_len + n + 1) cap *= 2;
    char *p = realloc(cc->csv, cap);
    if (!p) return;
    cc->csv = p;
    cc->csv_cap = cap;
  }
  memcpy(cc->csv + cc->csv_len, s, n + 1);
  cc->csv_len += n;
}

/* RFC 4180 field: quoted when it holds a comma, quote or line break; a leading
 * = + - @ is prefixed with ' so spreadsheets do not run it as a formula. */
static void csv_field(collect_ctx *cc, const char *v, int last) {
  char buf[2 * BORNE_NAME_MAX + 8];
  size_t o = 0;
  int quote = strpbrk(v, ",\"\r\n") != NULL;
  if (quote) buf[o++] = '"';
  if (strchr("=+-@", v[0]) && v[0]) buf[o++] = '\'';
  for (const char *p = v; *p && o < sizeof buf - 4; p++) {
    if (*p == '"') buf[o++] = '"';
    buf[o++] = *p;
  }
  if (quote) buf[o++] = '"';
  buf[o++] = last ? '\n' : ',';
  buf[o] = '\0';
  csv_append(cc, buf);
}

/* A station time in the site's zone, ISO 8601 with its offset:
 * "2026-11-22T11:00:00+01:00" ("" for 0). */
static void local_iso(const tz_rule *z, borne_ms t, char *out, size_t len) {
  if (!t) {
    out[0] = '\0';
    return;
  }
  int32_t east = tz_offset_at(z, t);
  time_t secs = (time_t)((t / 1000) + east);
  struct tm tm;
  gmtime_r(&secs, &tm);
  int32_t a = east < 0 ? -east : east;
  snprintf(out, len, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
           tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, east < 0 ? '-' : '+', (int)(a / 3600),
           (int)(a % 3600 / 60));
}

static int collect(void *ctx, const session_row *r) {
  collect_ctx *cc = ctx;
  if (cc->list) {
    json_array_append_new(cc->list, session_json(cc->st, r));
    return 0;
  }
  char num[64], start[40], stop[40];
  double stop_wh = live_stop_wh(cc->st, r);
  snprintf(num, sizeof num, "%lld", (long long)r->id);
  csv_field(cc, num, 0);
  snprintf(num, sizeof num, "%d", r->connector);
  csv_field(cc, num, 0);
  csv_field(cc, r->uid, 0);
  csv_field(cc, r->user, 0);
  timefmt_iso(r->start_ms, start, sizeof start);
  csv_field(cc, start, 0);
  if (r->stop_ms)
    timefmt_iso(r->stop_ms, stop, sizeof stop);
  else
    stop[0] = '\0';
  csv_field(cc, stop, 0);
  snprintf(num, sizeof num, "%.1f", r->meter_start_wh);
  csv_field(cc, num, 0);
  snprintf(num, sizeof num, "%.1f", stop_wh);
  csv_field(cc, num, 0);
  snprintf(num, sizeof num, "%.1f", stop_wh - r->meter_start_wh);
  csv_field(cc, num, 0);
  csv_field(cc, r->stop_ms ? stop_reason_name(r->reason) : "", 0);
  csv_field(cc, r->stop_ms ? "false" : "true", 0);
  double cost = 0, off = 0;
  tariff t;
  bool priced = session_cost(cc->st, r, stop_wh, &cost, &t, &off) == 0;
  if (priced) snprintf(num, sizeof num, "%.2f", cost);
  csv_field(cc, priced ? num : "", 0);
  csv_field(cc, priced ? t.currency : "", 0);
  local_iso(&cc->zone, r->start_ms, start, sizeof start);
  csv_field(cc, start, 0);
  if (cc->totals) {
    char month[8];
    snprintf(month, sizeof month, "%.7s", start); /* local YYYY-MM */
    add_total(&cc->users, &cc->nusers, r->user, stop_wh - r->meter_start_wh, off, cost,
              priced ? t.currency : "");
    add_total(&cc->months, &cc->nmonths, month, stop_wh - r->meter_start_wh, off, cost,
              priced ? t.currency : "");
  }
  local_iso(&cc->zone, r->stop_ms, stop, sizeof stop);
  csv_field(cc, stop, 0);
  snprintf(num, sizeof num, "%.1f", off);
  csv_field(cc, priced ? num : "", 1);
  return 0;
}

/* The rows after the sessions (totals=1): `total_user` with the user in the
 * user column, `total_month` with the local month (YYYY-MM) in the start
 * column; energy, cost, currency and off-peak energy summed; the session
 * count in the connector column. */
static void csv_totals(collect_ctx *cc, const char *kind, const csv_total *list, int n,
                       bool by_user) {
  char num[64];
  for (int i = 0; i < n; i++) {
    const csv_total *t = &list[i];
    csv_field(cc, kind, 0);
    snprintf(num, sizeof num, "%d", t->sessions);
    csv_field(cc, num, 0);
    csv_field(cc, "", 0);
    csv_field(cc, by_user ? t->key : "", 0);
    csv_field(cc, by_user ? "" : t->key, 0);
    for (int k = 0; k < 3; k++) csv_field(cc, "", 0); /* stop, meter start and stop */
    snprintf(num, sizeof num, "%.1f", t->energy_wh);
    csv_field(cc, num, 0);
    csv_field(cc, "", 0);
    csv_field(cc, "", 0);
    snprintf(num, sizeof num, "%.2f", t->cost);
    csv_field(cc, t->currency[0] ? num : "", 0);
    csv_field(cc, t->currency, 0);
    csv_field(cc, "", 0);
    csv_field(cc, "", 0);
    snprintf(num, sizeof num, "%.1f", t->offpeak_wh);
    csv_field(cc, num, 1);
  }
}

static int get_sessions(void *ctx, const http_request *req, http_response *res) {
  station *st = ctx;
  session_filter f = {0};
  char since[64], until[64], badge[BORNE_UID_MAX + 2], user[BORNE_NAME_MAX + 2], conn[16],
      limit[16], format[16], totals[8];
  const char *v;
  if ((v = http_query_param(req, "since", since, sizeof since)) && timefmt_parse(v, &f.since_ms))
    return http_json_error(res, 400, "since: `%s` is not an ISO-8601 time or epoch seconds", v), 0;
  if ((v = http_query_param(req, "until", until, sizeof until)) && timefmt_parse(v, &f.until_ms))
    return http_json_error(res, 400, "until: `%s` is not an ISO-8601 time or epoch seconds", v), 0;
  f.uid = http_query_param(req, "badge", badge, sizeof badge);
  f.user = http_query_param(req, "user", user, sizeof user);
  if ((v = http_query_param(req, "connector", conn, sizeof conn))) {
    char *end;
    long c = strtol(v, &end, 10);
    if (*end || c < 1 || c > station_connector_count(st))
      return http_json_error(res, 400, "connector: `%s` is not a connector of this station", v), 0;
    f.connector = (int)c;
  }
  if ((v = http_query_param(req, "limit", limit, sizeof limit))) {
    char *end;
    long l = strtol(v, &end, 10);
    if (*end || l < 1 || l > 100000)
      return http_json_error(res, 400, "limit: must be 1 to 100000"), 0;
    f.limit = (int)l;
  }
  v = http_query_param(req, "format", format, sizeof format);
  int csv = v && strcmp(v, "csv") == 0;
  if (v && !csv && strcmp(v, "json") != 0)
    return http_json_error(res, 400, "format: `%s` is not json or csv", v), 0;

  collect_ctx cc = {.st = st, .list = csv ? NULL : json_array()};
  if ((v = http_query_param(req, "totals", totals, sizeof totals))) {
    if (strcmp(v, "0") != 0 && strcmp(v, "1") != 0)
      return json_decref(cc.list), http_json_error(res, 400, "totals: `%s` is not 0 or 1", v), 0;
    cc.totals = csv && v[0] == '1';
  }
  char why[300];
  if (csv && energy_zone_rule(config_get(st->cfg, "site.timezone"), &cc.zone, why, sizeof why) != 0)
    log_warn("api", "CSV local times in UTC: %s", why);
  if (csv)
    csv_append(&cc, "id,connector,badge,user,start,stop,meter_start_wh,meter_stop_wh,energy_wh,"
                    "stop_reason,active,cost,currency,start_local,stop_local,energy_offpeak_wh\n");
  int q = store_sessions_query(st->db, &f, collect, &cc);
  csv_totals(&cc, "total_user", cc.users, cc.nusers, true);
  csv_totals(&cc, "total_month", cc.months, cc.nmonths, false);
  free(cc.users);
  free(cc.months);
  if (q != 0) {
    json_decref(cc.list);
    free(cc.csv);
    return http_json_error(res, 500, "cannot read sessions: %s", store_last_error(st->db)), 0;
  }
  if (csv) {
    res->body = cc.csv;
    res->body_len = cc.csv_len;
    res->content_type = "text/csv; charset=utf-8";
    res->extra_header = "Content-Disposition: attachment; filename=\"sessions.csv\"";
  } else {
    http_json_body(res, json_pack("{s:o}", "sessions", cc.list));
  }
  return 0;
}

static int get_session(void *ctx, const http_request *req, http_response *res) {
  station *st = ctx;
  char *end;
  long long id = strtoll(req->params[0], &end, 10);
  session_row r;
  if (*end || id < 1 || store_session_get(st->db, id, &r) != 0)
    return http_json_error(res, 404, "no session `%s`", req->params[0]), 0;
  http_json_body(res, session_json(st, &r));
  return 0;
}

void api_sessions_routes(station *st) {
  http_add_route(st->http, &(http_route){"GET", "/api/v1/sessions", get_sessions, st});
  http_add_route(st->http, &(http_route){"GET", "/api/v1/sessions/{id}", get_session, st});
}
