/*
 * Local reservations on the station (see reservation_module.h). The rows
 * live in ocpp16_reservation with negative ids and a start time (the back
 * end's have positive ids: src/chargepoint/reservations.c leaves these
 * alone). Which reservation holds each connector is kept in memory and
 * rebuilt from the table at start.
 */
#include "reservation/reservation_module.h"

#include <jansson.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "chargepoint/cp_sql.h"
#include "http/http_json.h"
#include "reservation/reservation.h"
#include "station/station.h"
#include "util/log.h"
#include "util/timefmt.h"

#define MOD "reservation"
#define MAX_LOCAL 64

typedef struct {
  station *st;
  lazy_timer timer; /* the next reservation's start or expiry: none in an idle station */
  int held[BORNE_MAX_CONNECTORS + 1]; /* the local reservation holding connector c, or 0 */
} resv_mod;

static borne_ms now_of(resv_mod *m) { return clock_now(&m->st->clock); }

static int load(resv_mod *m, reservation *out, int max) {
  sqlite3_stmt *q =
      store_stmt(m->st->db, "SELECT id, connector, tag, parent, start_ms, expiry_ms FROM "
                            "ocpp16_reservation WHERE id < 0 ORDER BY start_ms, id");
  int n = 0;
  while (q && n < max && sqlite3_step(q) == SQLITE_ROW) {
    reservation *r = &out[n++];
    memset(r, 0, sizeof *r);
    r->id = sqlite3_column_int(q, 0);
    r->connector = sqlite3_column_int(q, 1);
    const unsigned char *t = sqlite3_column_text(q, 2), *p = sqlite3_column_text(q, 3);
    snprintf(r->badge, sizeof r->badge, "%s", t ? (const char *)t : "");
    snprintf(r->user, sizeof r->user, "%s", p ? (const char *)p : "");
    r->start = sqlite3_column_int64(q, 4);
    r->expiry = sqlite3_column_int64(q, 5);
  }
  if (q) store_stmt_release(m->st->db, q);
  return n;
}

static int exec_id(resv_mod *m, const char *sql, int id) {
  sqlite3_stmt *q = store_stmt(m->st->db, sql);
  if (!q) return -1;
  sqlite3_bind_int(q, 1, id);
  int rc = sqlite3_step(q) == SQLITE_DONE ? 0 : -1;
  store_stmt_release(m->st->db, q);
  return rc;
}

static void remove_row(resv_mod *m, int id) {
  if (exec_id(m, "DELETE FROM ocpp16_reservation WHERE id = ?1", id) != 0)
    log_warn(MOD, "cannot remove reservation %d: %s", id, sqlite3_errmsg(store_sqlite(m->st->db)));
}

static void timer_cb(uv_timer_t *t);

/* Hold the connectors whose reservation runs now, free the others, drop the
 * expired rows, and wake at the next start or expiry. */
static void sync(resv_mod *m) {
  reservation list[MAX_LOCAL];
  int n = load(m, list, MAX_LOCAL);
  borne_ms now = now_of(m);
  int want[BORNE_MAX_CONNECTORS + 1] = {0};
  for (int i = 0; i < n; i++) {
    reservation_phase ph = reservation_phase_at(&list[i], now);
    if (ph == RESERVATION_OVER) {
      remove_row(m, list[i].id);
      station_event(m->st, list[i].connector, "reservation_expired", "%d", list[i].id);
    } else if (ph == RESERVATION_ACTIVE && list[i].connector <= BORNE_MAX_CONNECTORS) {
      want[list[i].connector] = list[i].id;
    }
  }
  int count = station_connector_count(m->st);
  for (int c = 1; c <= count; c++) {
    if (m->held[c] == want[c]) continue;
    if (m->held[c]) station_cancel_reservation(m->st, c);
    m->held[c] = 0;
    for (int i = 0; want[c] && i < n; i++) {
      if (list[i].id != want[c]) continue;
      char err[128];
      if (station_reserve(m->st, c, list[i].badge, list[i].user[0] ? list[i].user : NULL, err,
                          sizeof err) == 0)
        m->held[c] = want[c];
      else
        log_warn(MOD, "reservation %d: %s", want[c], err);
    }
  }
  borne_ms next = reservation_next_change(list, n, now);
  if (next == INT64_MAX)
    lazy_timer_release(&m->timer);
  else if (!m->timer.closed && lazy_timer_start(&m->timer, m->st->loop, timer_cb, m,
                                                clock_real_delay_ms(&m->st->clock, next), 0) != 0)
    log_error(MOD, "no timer for the next reservation's change (out of memory)");
}

static void timer_cb(uv_timer_t *t) { sync(t->data); }

static json_t *resv_json(const reservation *r, borne_ms now) {
  static const char *const phase[] = {"pending", "active", "over"};
  return json_pack("{s:i, s:i, s:s?, s:s?, s:o, s:o, s:s}", "id", r->id, "connector", r->connector,
                   "badge", r->badge[0] ? r->badge : NULL, "user", r->user[0] ? r->user : NULL,
                   "start", json_time(r->start), "expiry", json_time(r->expiry), "state",
                   phase[reservation_phase_at(r, now)]);
}

static int get_list(void *ctx, const http_request *req, http_response *res) {
  (void)req;
  resv_mod *m = ctx;
  reservation list[MAX_LOCAL];
  int n = load(m, list, MAX_LOCAL);
  borne_ms now = now_of(m);
  json_t *a = json_array();
  for (int i = 0; i < n; i++) json_array_append_new(a, resv_json(&list[i], now));
  http_json_body(res, json_pack("{s:o}", "reservations", a));
  return 0;
}

/* An ISO-8601 time member: 0 absent, 1 read, -1 with a 400. */
static int opt_time(json_t *body, const char *name, borne_ms *out, http_response *res) {
  const char *text = NULL;
  int rc = http_opt_string(body, name, 64, &text, res);
  if (rc <= 0) return rc;
  int64_t ms;
  if (timefmt_parse(text, &ms) != 0) {
    http_json_error(res, 400, "%s: `%s` is not an ISO-8601 time (2026-12-24T18:00:00Z)", name,
                    text);
    return -1;
  }
  *out = ms;
  return 1;
}

static int post_one(void *ctx, const http_request *req, http_response *res) {
  resv_mod *m = ctx;
  static const char *const allowed[] = {"connector", "badge", "user", "start", "expiry", NULL};
  json_t *body = http_parse_object(req, res, 0);
  if (!body) return 0;
  reservation r = {0};
  long connector = 0;
  const char *badge = NULL, *user = NULL;
  borne_ms now = now_of(m);
  r.start = now;
  if (http_only_members(body, allowed, res) == 0 &&
      http_opt_int(body, "connector", 0, BORNE_MAX_CONNECTORS, &connector, res) >= 0 &&
      http_opt_string(body, "badge", BORNE_UID_MAX, &badge, res) >= 0 &&
      http_opt_string(body, "user", BORNE_NAME_MAX, &user, res) >= 0 &&
      opt_time(body, "start", &r.start, res) >= 0 &&
      opt_time(body, "expiry", &r.expiry, res) >= 0) {
    r.connector = (int)connector;
    snprintf(r.badge, sizeof r.badge, "%s", badge ? badge : "");
    snprintf(r.user, sizeof r.user, "%s", user ? user : "");
    reservation list[MAX_LOCAL];
    int n = load(m, list, MAX_LOCAL);
    char why[160];
    user_row u;
    badge_row b;
    sqlite3_stmt *q = NULL;
    if (!r.expiry) {
      http_json_error(res, 400, "expiry: required");
    } else if (reservation_check(&r, station_connector_count(m->st), now, list, n, why,
                                 sizeof why) != 0) {
      http_json_error(res, strstr(why, "already reserved") ? 409 : 400, "%s", why);
    } else if (n >= MAX_LOCAL) {
      http_json_error(res, 409, "too many reservations (%d): delete one first", MAX_LOCAL);
    } else if (r.user[0] && store_user_find(m->st->db, r.user, &u) != 0) {
      http_json_error(res, 400, "user: no user named `%s`", r.user);
    } else if (r.badge[0] && store_badge_get(m->st->db, r.badge, &b) != 0) {
      http_json_error(res, 400, "badge: no badge `%s`", r.badge);
    } else if (!(q = store_stmt(m->st->db, "SELECT id FROM ocpp16_reservation WHERE id > 0 AND "
                                           "connector IN (?1, 0)"))) {
      http_json_error(res, 500, "%s", store_last_error(m->st->db));
    } else {
      sqlite3_bind_int(q, 1, r.connector);
      bool backend = sqlite3_step(q) == SQLITE_ROW;
      store_stmt_release(m->st->db, q);
      if (backend) {
        http_json_error(res, 409, "connector %d is reserved by the back end", r.connector);
      } else {
        if (r.badge[0]) snprintf(r.badge, sizeof r.badge, "%s", b.uid); /* as stored */
        sqlite3_stmt *ins = store_stmt(
            m->st->db, "INSERT INTO ocpp16_reservation(id, connector, tag, parent, start_ms, "
                       "expiry_ms) VALUES((SELECT min(0, coalesce(min(id), 0)) - 1 FROM "
                       "ocpp16_reservation), ?1, ?2, ?3, ?4, ?5) RETURNING id");
        int id = 0;
        if (ins) {
          sqlite3_bind_int(ins, 1, r.connector);
          sqlite3_bind_text(ins, 2, r.badge, -1, SQLITE_TRANSIENT);
          if (r.user[0])
            sqlite3_bind_text(ins, 3, r.user, -1, SQLITE_TRANSIENT);
          else
            sqlite3_bind_null(ins, 3);
          sqlite3_bind_int64(ins, 4, r.start);
          sqlite3_bind_int64(ins, 5, r.expiry);
          if (sqlite3_step(ins) == SQLITE_ROW) id = sqlite3_column_int(ins, 0);
          while (sqlite3_step(ins) == SQLITE_ROW) {
          }
          store_stmt_release(m->st->db, ins);
        }
        if (!id) {
          http_json_error(res, 500, "cannot save the reservation: %s",
                          sqlite3_errmsg(store_sqlite(m->st->db)));
        } else {
          r.id = id;
          char from[32], until[32];
          timefmt_iso(r.start, from, sizeof from);
          timefmt_iso(r.expiry, until, sizeof until);
          station_event(m->st, r.connector, "reservation_added", "%d: %s from %s until %s", id,
                        r.badge[0] ? r.badge : r.user, from, until);
          sync(m);
          res->status = 201;
          http_json_body(res, resv_json(&r, now_of(m)));
        }
      }
    }
  }
  json_decref(body);
  return 0;
}

static int delete_one(void *ctx, const http_request *req, http_response *res) {
  resv_mod *m = ctx;
  char *end;
  long long id = strtoll(req->params[0], &end, 10);
  reservation list[MAX_LOCAL];
  int n = load(m, list, MAX_LOCAL), found = -1;
  for (int i = 0; i < n && !*end; i++)
    if (list[i].id == id) found = i;
  if (found < 0) return http_json_error(res, 404, "no local reservation `%s`", req->params[0]), 0;
  remove_row(m, list[found].id);
  station_event(m->st, list[found].connector, "reservation_cancelled", "%d", list[found].id);
  sync(m);
  http_json_body(res, json_pack("{s:i}", "deleted", list[found].id));
  return 0;
}

/* A session started on a held connector: the core ended the hold (only the
 * guest's badges could start there), the reservation is used. */
static void on_started(void *ctx, int connector, const station_session_info *s) {
  resv_mod *m = ctx;
  if (s->resumed || connector < 1 || connector > BORNE_MAX_CONNECTORS || !m->held[connector])
    return;
  remove_row(m, m->held[connector]);
  station_event(m->st, connector, "reservation_used", "%d: %s", m->held[connector], s->uid);
  m->held[connector] = 0;
}

/* GET /status: the local reservation holding a connector. */
static void status_json(void *ctx, int connector, json_t *obj) {
  resv_mod *m = ctx;
  if (connector < 1 || connector > BORNE_MAX_CONNECTORS || !m->held[connector]) return;
  json_object_set_new(obj, "reservation_id", json_integer(m->held[connector]));
}

static void closing(void *ctx) {
  resv_mod *m = ctx;
  lazy_timer_close(&m->timer);
}

static void free_mod(void *ctx) { free(ctx); }

int reservation_attach(station *st, char *err, size_t errlen) {
  if (cp_sql_migrate(st->db, err, errlen) != 0) return -1;
  resv_mod *m = calloc(1, sizeof *m);
  if (!m) {
    snprintf(err, errlen, "reservation: out of memory");
    return -1;
  }
  m->st = st;
  station_module mod = {.name = MOD,
                        .ctx = m,
                        .session_started = on_started,
                        .status_json = status_json,
                        .closing = closing,
                        .free = free_mod};
  if (station_add_module(st, &mod) != 0) {
    snprintf(err, errlen, "reservation: too many modules");
    free(m);
    return -1;
  }
  http_route routes[] = {
      {"GET", "/api/v1/reservations", get_list, m},
      {"POST", "/api/v1/reservations", post_one, m},
      {"DELETE", "/api/v1/reservations/{id}", delete_one, m},
  };
  for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
    http_add_route(st->http, &routes[i]);
  sync(m);
  return 0;
}
