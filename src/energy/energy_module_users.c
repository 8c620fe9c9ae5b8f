/*
 * Users' own charging windows (GET/PUT /api/v1/users/{id}/windows, table
 * energy_user_windows): a user's windows replace the station's for their
 * sessions; loaded when a session starts and when they change.
 */
#include <jansson.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "energy/energy_module_internal.h"
#include "http/http_json.h"

const char *const energy_users_migrations[] = {
    "CREATE TABLE energy_user_windows (user_id INTEGER PRIMARY KEY, windows TEXT NOT NULL)",
    /* the 1/3-phase request of energy_request_phases() (Modbus offset 42), kept across a
     * restart (energy_module_solar.c) */
    "CREATE TABLE energy_phase_request (connector INTEGER PRIMARY KEY, phases INTEGER NOT NULL)",
};
const int energy_users_migration_count = 2;

/* The windows text of user `id` into out ("" when none). */
static int user_windows_get(energy *e, int64_t id, char *out, size_t outlen) {
  out[0] = '\0';
  sqlite3_stmt *q;
  if (sqlite3_prepare_v2(store_sqlite(e->st->db),
                         "SELECT windows FROM energy_user_windows WHERE user_id = ?", -1, &q,
                         NULL) != SQLITE_OK)
    return -1;
  sqlite3_bind_int64(q, 1, id);
  int rc = sqlite3_step(q);
  if (rc == SQLITE_ROW) snprintf(out, outlen, "%s", (const char *)sqlite3_column_text(q, 0));
  sqlite3_finalize(q);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

static int user_windows_set(energy *e, int64_t id, const char *windows) {
  sqlite3_stmt *q;
  const char *sql = windows[0] ? "INSERT OR REPLACE INTO energy_user_windows VALUES (?, ?)"
                               : "DELETE FROM energy_user_windows WHERE user_id = ?";
  if (sqlite3_prepare_v2(store_sqlite(e->st->db), sql, -1, &q, NULL) != SQLITE_OK) return -1;
  sqlite3_bind_int64(q, 1, id);
  if (windows[0]) sqlite3_bind_text(q, 2, windows, -1, SQLITE_TRANSIENT);
  int rc = sqlite3_step(q);
  sqlite3_finalize(q);
  return rc == SQLITE_DONE ? 0 : -1;
}

/* The windows of the user of connector c's session, if they have their own. */
void energy_load_user_windows(energy *e, int c) {
  free(e->user[c - 1]);
  e->user[c - 1] = NULL;
  station_connector_view v;
  station_view(e->st, c, &v);
  user_row u;
  if (!v.has_session || !v.user[0] || store_user_find(e->st->db, v.user, &u) != 0) return;
  user_window *w = malloc(sizeof *w);
  if (!w) return;
  if (user_windows_get(e, u.id, w->text, sizeof w->text) != 0 || !w->text[0] ||
      schedule_parse(w->text, &w->sched, NULL, 0) != 0) { /* checked when set */
    free(w);
    return;
  }
  w->open = schedule_open(&w->sched, &e->tz, energy_now(e));
  e->user[c - 1] = w;
}

static json_t *user_windows_json(int64_t id, const char *windows) {
  return json_pack("{s:I, s:s?}", "user", (json_int_t)id, "windows", windows[0] ? windows : NULL);
}

static int user_param(energy *e, const http_request *req, user_row *u, http_response *res) {
  char *end;
  long long id = strtoll(req->params[0], &end, 10);
  if (*end || id < 1 || store_user_get(e->st->db, id, u) != 0) {
    http_json_error(res, 404, "no user `%s`", req->params[0]);
    return -1;
  }
  return 0;
}

static int get_user_windows(void *ctx, const http_request *req, http_response *res) {
  energy *e = ctx;
  user_row u;
  if (user_param(e, req, &u, res)) return 0;
  char text[SCHED_MAX_TEXT + 1];
  if (user_windows_get(e, u.id, text, sizeof text) != 0)
    return http_json_error(res, 500, "database: %s", sqlite3_errmsg(store_sqlite(e->st->db))), 0;
  http_json_body(res, user_windows_json(u.id, text));
  return 0;
}

/* PUT {"windows": "Mon-Fri 00:00-24:00"}; "" or null: the station's windows apply. */
static int put_user_windows(void *ctx, const http_request *req, http_response *res) {
  energy *e = ctx;
  user_row u;
  if (user_param(e, req, &u, res)) return 0;
  json_t *body = http_parse_object(req, res, 0);
  if (!body) return 0;
  static const char *const allowed[] = {"windows", NULL};
  const char *text = NULL;
  json_t *w = json_object_get(body, "windows");
  if (http_only_members(body, allowed, res) ||
      (w && !json_is_null(w) && http_opt_string(body, "windows", SCHED_MAX_TEXT, &text, res) < 0)) {
    json_decref(body);
    return 0;
  }
  if (!w) {
    json_decref(body);
    return http_json_error(res, 400,
                           "windows: required (a string such as `Mon-Sun "
                           "22:00-06:00`, or null for the station's)"),
           0;
  }
  static schedule check;
  char why[200];
  if (text && schedule_parse(text, &check, why, sizeof why) != 0) {
    json_decref(body);
    return http_json_error(res, 400, "windows: %s", why), 0;
  }
  char copy[SCHED_MAX_TEXT + 1];
  snprintf(copy, sizeof copy, "%s", text && check.any ? text : "");
  json_decref(body);
  if (user_windows_set(e, u.id, copy) != 0)
    return http_json_error(res, 500, "database: %s", sqlite3_errmsg(store_sqlite(e->st->db))), 0;
  station_event(e->st, 0, "user_windows", "%s: %s", u.name, copy[0] ? copy : "station's");
  for (int c = 1; c <= e->n; c++) energy_load_user_windows(e, c);
  energy_arm_window(e);
  energy_round_soon(e);
  http_json_body(res, user_windows_json(u.id, copy));
  return 0;
}

void energy_users_routes(energy *e) {
  http_route routes[] = {
      {"GET", "/api/v1/users/{id}/windows", get_user_windows, e},
      {"PUT", "/api/v1/users/{id}/windows", put_user_windows, e},
  };
  for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
    http_add_route(e->st->http, &routes[i]);
}
