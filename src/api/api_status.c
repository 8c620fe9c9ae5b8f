/*
 * GET /api/v1/status, remote start/stop, and the event feed. Reads the
 * station; changes it only through station_* calls, never by poking the core.
 */
#include <stdlib.h>
#include <string.h>

#include "http/http_json.h"
#include "station/events.h"
#include "station/station.h"
#include "api/api_module.h"
#include "core/errors.h"
#include "core/pilot.h"

static json_t *number_triplet(const double v[3]) {
  json_t *a = json_array();
  for (int i = 0; i < 3; i++) json_array_append_new(a, json_real(v[i]));
  return a;
}

static json_t *connector_json(station *st, int c) {
  station_connector_view v;
  station_view(st, c, &v);
  const station_connector *sc = &st->conn[c - 1];
  json_t *o = json_object();
  json_object_set_new(o, "id", json_integer(c));
  json_object_set_new(o, "status", json_string(connector_status_name(v.status)));
  json_object_set_new(o, "cp_state", json_string(cp_state_name(v.cp)));
  json_object_set_new(o, "pwm_duty_pct", json_real(v.outputs.pwm_permille / 10.0));
  json_object_set_new(o, "offered_a", json_real(v.offered_a));
  json_object_set_new(o, "limited_by",
                      v.limited_by == LIMIT_COUNT ? json_null()
                                                  : json_string(limit_source_name(v.limited_by)));
  json_object_set_new(o, "contactor_closed", json_boolean(v.outputs.contactor_closed));
  json_object_set_new(o, "locked", json_boolean(sc->locked_feedback));
  json_object_set_new(o, "operative", json_boolean(v.operative));
  json_object_set_new(o, "reserved_for", v.reserved ? json_string(v.reserved_uid) : json_null());
  const led_look *led = led_look_of(v.led);
  json_object_set_new(o, "led",
                      json_pack("{s:s, s:s, s:s}", "state", led->name, "colour", led->colour,
                                "pattern", led_pattern_name(led->pattern)));
  const meter_reading *m = &sc->meter;
  json_object_set_new(o, "power_w", json_real(sc->meter_ok ? m->power_total_w : 0));
  json_object_set_new(o, "energy_wh", json_real(m->energy_import_wh));
  json_object_set_new(o, "current_a", number_triplet(m->current_a));
  json_object_set_new(o, "voltage_v", number_triplet(m->voltage_v));
  json_object_set_new(o, "phases", json_integer(v.phases));
  json_object_set_new(o, "temperature_c", json_real(sc->temperature_c));
  json_object_set_new(o, "meter_error",
                      sc->meter_ok ? json_null() : json_string(station_meter_error(sc)));
  if (sc->session_id) {
    json_t *s = json_object();
    session_row row;
    json_object_set_new(s, "id", json_integer(sc->session_id));
    json_object_set_new(s, "badge", json_string(v.uid));
    json_object_set_new(s, "user", json_string(v.user));
    if (store_session_get(st->db, sc->session_id, &row) == 0)
      json_object_set_new(s, "start", json_time(row.start_ms));
    json_object_set_new(s, "energy_wh", json_real(m->energy_import_wh - sc->session_start_wh));
    json_object_set_new(o, "session", s);
  } else {
    json_object_set_new(o, "session", json_null());
  }
  error_code e = v.error;
  json_object_set_new(o, "error",
                      e == ERR_NONE ? json_null()
                                    : json_pack("{s:i, s:s, s:s, s:s, s:s?}", "code", (int)e,
                                                "text", error_info_of(e)->owner_text, "action",
                                                error_info_of(e)->installer_action, "ocpp",
                                                error_info_of(e)->ocpp16_code, "vendor_code",
                                                error_info_of(e)->vendor_code));
  return o;
}

static int get_status(void *ctx, const http_request *req, http_response *res) {
  (void)req;
  station *st = ctx;
  /* fresh readings for the answer, not only the last poll's */
  for (int c = 1; c <= station_connector_count(st); c++) station_read_meter(st, c);
  json_t *station_obj = json_object();
  json_object_set_new(station_obj, "id", json_string(config_get(st->cfg, "station.id")));
  json_object_set_new(station_obj, "firmware_version", json_string(BORNE_VERSION));
  json_object_set_new(station_obj, "uptime_s",
                      json_integer((json_int_t)((uv_now(st->loop) - st->started_real_ms) / 1000)));
  json_object_set_new(station_obj, "mode", json_string(st->hw->ops->name));
  json_object_set_new(station_obj, "auth_mode", json_string(config_get(st->cfg, "auth.mode")));
  json_object_set_new(station_obj, "time", json_time(clock_now(&st->clock)));
  json_object_set_new(station_obj, "sim_speed", json_real(st->clock.speed));
  json_object_set_new(station_obj, "selftest_done", json_boolean(st->selftest_done));
  json_object_set_new(station_obj, "grid_type", json_string(config_get(st->cfg, "site.grid_type")));
  hal_reader_state rs;
  if (st->hw->ops->reader_state && st->hw->ops->reader_state(st->hw, &rs) == 0)
    json_object_set_new(station_obj, "reader",
                        json_pack("{s:s, s:s, s:b, s:o, s:I, s:I, s:I}", "type", rs.type, "port",
                                  rs.port, "up", rs.up, "error",
                                  rs.up ? json_null() : json_string(rs.why), "frames",
                                  (json_int_t)rs.frames, "bad_frames", (json_int_t)rs.bad_frames,
                                  "badges", (json_int_t)rs.badges));
  json_object_set_new(station_obj, "phase_rotation",
                      json_string(config_get(st->cfg, "site.phase_rotation")));
  json_t *conns = json_array();
  for (int c = 1; c <= station_connector_count(st); c++) {
    json_t *co = connector_json(st, c);
    for (int m = 0; m < st->module_count; m++)
      if (st->modules[m].status_json) st->modules[m].status_json(st->modules[m].ctx, c, co);
    json_array_append_new(conns, co);
  }
  for (int m = 0; m < st->module_count; m++)
    if (st->modules[m].status_json) st->modules[m].status_json(st->modules[m].ctx, 0, station_obj);
  json_t *o = json_object();
  json_object_set_new(o, "station", station_obj);
  json_object_set_new(o, "connectors", conns);
  http_json_body(res, o);
  return 0;
}

static int post_start(void *ctx, const http_request *req, http_response *res) {
  station *st = ctx;
  int c = http_connector_param(req, 0, station_connector_count(st), res);
  if (c < 0) return 0;
  json_t *body = http_parse_object(req, res, 1);
  if (!body) return 0;
  const char *badge = NULL;
  static const char *const allowed[] = {"badge", NULL};
  if (http_only_members(body, allowed, res) ||
      http_opt_string(body, "badge", BORNE_UID_MAX, &badge, res) < 0) {
    json_decref(body);
    return 0;
  }
  char err[160];
  if (station_remote_start(st, c, badge, err, sizeof err) != 0) {
    http_json_error(res, 409, "%s", err);
  } else {
    http_json_body(res, json_pack("{s:i, s:s}", "connector", c, "result", "accepted"));
  }
  json_decref(body);
  return 0;
}

static int post_stop(void *ctx, const http_request *req, http_response *res) {
  station *st = ctx;
  int c = http_connector_param(req, 0, station_connector_count(st), res);
  if (c < 0) return 0;
  char err[160];
  if (station_remote_stop(st, c, err, sizeof err) != 0) {
    http_json_error(res, 409, "%s", err);
  } else {
    http_json_body(res, json_pack("{s:i, s:s}", "connector", c, "result", "accepted"));
  }
  return 0;
}

static int post_unlock(void *ctx, const http_request *req, http_response *res) {
  station *st = ctx;
  int c = http_connector_param(req, 0, station_connector_count(st), res);
  if (c < 0) return 0;
  char err[160];
  /* 1: commanded, the lock's travel told later (event unlock_result) */
  if (station_unlock(st, c, err, sizeof err) < 0)
    http_json_error(res, 409, "%s", err);
  else
    http_json_body(res, json_pack("{s:i, s:s}", "connector", c, "result", "accepted"));
  return 0;
}

static int post_availability(void *ctx, const http_request *req, http_response *res) {
  station *st = ctx;
  int c = http_connector_param(req, 0, station_connector_count(st), res);
  if (c < 0) return 0;
  json_t *body = http_parse_object(req, res, 1);
  if (!body) return 0;
  static const char *const allowed[] = {"operative", NULL};
  json_t *op = json_object_get(body, "operative");
  if (http_only_members(body, allowed, res) == 0) {
    if (!json_is_boolean(op)) {
      http_json_error(res, 400, "operative: must be true or false");
    } else {
      station_set_available(st, c, json_is_true(op));
      http_json_body(res, json_pack("{s:i, s:s}", "connector", c, "result",
                                    station_has_session(st, c) ? "scheduled" : "accepted"));
    }
  }
  json_decref(body);
  return 0;
}

static int post_reset(void *ctx, const http_request *req, http_response *res) {
  station *st = ctx;
  json_t *body = http_parse_object(req, res, 1);
  if (!body) return 0;
  static const char *const allowed[] = {"type", NULL};
  const char *type = NULL;
  if (http_only_members(body, allowed, res) == 0) {
    json_t *t = json_object_get(body, "type");
    type = json_is_string(t) ? json_string_value(t) : NULL;
    if (!type || (strcmp(type, "soft") != 0 && strcmp(type, "hard") != 0)) {
      http_json_error(res, 400, "type: must be \"soft\" or \"hard\"");
    } else {
      station_reset(st, strcmp(type, "hard") == 0, BOOT_REASON_LOCAL_RESET);
      http_json_body(res, json_pack("{s:s}", "result", "accepted"));
    }
  }
  json_decref(body);
  return 0;
}

static int get_events(void *ctx, const http_request *req, http_response *res) {
  station *st = ctx;
  char buf[32];
  long long after = 0, limit = 200, wait = 0;
  const char *v;
  char *end;
  if ((v = http_query_param(req, "after", buf, sizeof buf))) {
    after = strtoll(v, &end, 10);
    if (*end || after < 0) return http_json_error(res, 400, "after: must be an event id"), 0;
  }
  if ((v = http_query_param(req, "limit", buf, sizeof buf))) {
    limit = strtoll(v, &end, 10);
    if (*end || limit < 1 || limit > 1000)
      return http_json_error(res, 400, "limit: must be 1 to 1000"), 0;
  }
  if ((v = http_query_param(req, "wait", buf, sizeof buf))) {
    wait = strtoll(v, &end, 10);
    if (*end || wait < 0 || wait > 300)
      return http_json_error(res, 400, "wait: must be 0 to 300 seconds"), 0;
  }
  if (wait > 0 && store_events_last_id(st->db) <= after) {
    http_pending *p = http_defer(req);
    if (p && events_waiter_add(st, p, after, (int)limit, (unsigned)wait * 1000) == 0) return 1;
    if (p) return http_complete_error(p, 503, "too many clients waiting for events"), 1;
  }
  http_json_body(res, events_json(st, after, (int)limit));
  return 0;
}

void api_status_routes(station *st) {
  http_route routes[] = {
      {"GET", "/api/v1/status", get_status, st},
      {"POST", "/api/v1/connectors/{id}/start", post_start, st},
      {"POST", "/api/v1/connectors/{id}/stop", post_stop, st},
      {"POST", "/api/v1/connectors/{id}/unlock", post_unlock, st},
      {"POST", "/api/v1/connectors/{id}/availability", post_availability, st},
      {"POST", "/api/v1/reset", post_reset, st},
      {"GET", "/api/v1/events", get_events, st},
  };
  for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
    http_add_route(st->http, &routes[i]);
}
