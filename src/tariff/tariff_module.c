/*
 * Attaches the tariff module: at each session's start it records the
 * tariff in force (table tariff_sessions, one row per session with a
 * price), and answers which tariff a session had. The prices are read at
 * each use.
 */
#include "tariff/tariff_module.h"

#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "energy/energy_module.h"
#include "energy/schedule.h"
#include "station/station.h"
#include "util/log.h"

#define MOD "tariff"
#define FLUSH_WH 50.0 /* off-peak energy written every 50 Wh and at the end */

static const char *const steps[] = {
    "CREATE TABLE tariff_sessions(session_id INTEGER PRIMARY KEY, price_kwh REAL NOT NULL, "
    "price_hour REAL NOT NULL, currency TEXT NOT NULL)",
    /* 2: the off-peak price and each session's energy inside the charging windows */
    "ALTER TABLE tariff_sessions ADD COLUMN price_kwh_offpeak REAL NOT NULL DEFAULT 0;"
    "ALTER TABLE tariff_sessions ADD COLUMN energy_offpeak_wh REAL NOT NULL DEFAULT 0;",
    /* 3: the back end's cost of a session (OCPP 2.0.1/2.1 block I), or the
     * station's own under a 2.1 tariff, with the calculator's state */
    "CREATE TABLE tariff_session_costs(session_id INTEGER PRIMARY KEY, transaction_id TEXT NOT "
    "NULL, total REAL, final INTEGER NOT NULL, currency TEXT NOT NULL, message TEXT NOT NULL, "
    "source TEXT NOT NULL, state TEXT)",
};

typedef struct {
  station *st;
  /* schedule.windows: off-peak while open; NULL when there is no rule (a
   * swarm's thousands of stations: 3 kB each otherwise) */
  schedule *sched;
  tz_rule tz;
  int64_t sid[BORNE_MAX_CONNECTORS];
  double last_wh[BORNE_MAX_CONNECTORS];
  double pending_wh[BORNE_MAX_CONNECTORS]; /* off-peak energy not yet written */
} tariff_mod;

static void read_windows(tariff_mod *m) {
  char why[300];
  schedule parsed;
  if (schedule_parse(config_get(m->st->cfg, "schedule.windows"), &parsed, why, sizeof why) != 0)
    parsed.any = false; /* the key's check refuses it before */
  if (!parsed.any) {
    free(m->sched);
    m->sched = NULL;
  } else if (m->sched || (m->sched = malloc(sizeof *m->sched)) != NULL) {
    *m->sched = parsed;
  } else {
    log_error(MOD, "out of memory: no off-peak windows");
  }
  if (energy_zone_rule(config_get(m->st->cfg, "site.timezone"), &m->tz, why, sizeof why) != 0)
    log_warn(MOD, "off-peak energy in UTC: %s", why);
}

static tariff_mod *mod_of(station *st) {
  for (int i = 0; i < st->module_count; i++)
    if (strcmp(st->modules[i].name, MOD) == 0) return st->modules[i].ctx;
  return NULL;
}

void tariff_now(const config *cfg, tariff *out) {
  memset(out, 0, sizeof *out);
  out->price_kwh = config_get_number(cfg, "tariff.price_kwh");
  out->price_hour = config_get_number(cfg, "tariff.price_hour");
  out->price_kwh_offpeak = config_get_number(cfg, "tariff.price_kwh_offpeak");
  const char *c = config_get(cfg, "tariff.currency");
  snprintf(out->currency, sizeof out->currency, "%s", c && tariff_currency_valid(c) ? c : "EUR");
}

int tariff_of_session(station *st, int64_t session_id, tariff *out) {
  sqlite3_stmt *q =
      store_stmt(st->db, "SELECT price_kwh, price_hour, currency, price_kwh_offpeak FROM "
                         "tariff_sessions WHERE session_id = ?1");
  if (!q) return -1;
  sqlite3_bind_int64(q, 1, session_id);
  int rc = -1;
  if (sqlite3_step(q) == SQLITE_ROW) {
    memset(out, 0, sizeof *out);
    out->price_kwh = sqlite3_column_double(q, 0);
    out->price_hour = sqlite3_column_double(q, 1);
    const char *c = (const char *)sqlite3_column_text(q, 2);
    snprintf(out->currency, sizeof out->currency, "%s", c ? c : "");
    out->price_kwh_offpeak = sqlite3_column_double(q, 3);
    rc = 0;
  }
  store_stmt_release(st->db, q);
  return rc;
}

double tariff_offpeak_wh(station *st, int64_t session_id) {
  sqlite3_stmt *q =
      store_stmt(st->db, "SELECT energy_offpeak_wh FROM tariff_sessions WHERE session_id = ?1");
  if (!q) return -1;
  sqlite3_bind_int64(q, 1, session_id);
  double wh = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_double(q, 0) : -1;
  store_stmt_release(st->db, q);
  tariff_mod *m = mod_of(st);
  for (int c = 0; wh >= 0 && m && c < BORNE_MAX_CONNECTORS; c++)
    if (m->sid[c] == session_id) wh += m->pending_wh[c];
  return wh;
}

static void flush(tariff_mod *m, int i) {
  if (!m->sid[i] || m->pending_wh[i] <= 0) return;
  sqlite3_stmt *q = store_stmt(m->st->db, "UPDATE tariff_sessions SET energy_offpeak_wh = "
                                          "energy_offpeak_wh + ?2 WHERE session_id = ?1");
  if (!q) return;
  sqlite3_bind_int64(q, 1, m->sid[i]);
  sqlite3_bind_double(q, 2, m->pending_wh[i]);
  if (sqlite3_step(q) == SQLITE_DONE) m->pending_wh[i] = 0;
  store_stmt_release(m->st->db, q);
}

/* Each reading of a charging connector: the energy since the last one counts
 * off-peak when the charging windows are open. */
static void on_meter(void *ctx, int connector, const meter_reading *r) {
  tariff_mod *m = ctx;
  int i = connector - 1;
  if (i < 0 || i >= BORNE_MAX_CONNECTORS) return;
  int64_t sid = m->st->conn[i].session_id;
  if (sid != m->sid[i]) {
    flush(m, i);
    m->sid[i] = sid;
    m->last_wh[i] = r->energy_import_wh;
    m->pending_wh[i] = 0;
    return;
  }
  if (!sid) return;
  double delta = r->energy_import_wh - m->last_wh[i];
  m->last_wh[i] = r->energy_import_wh;
  if (delta > 0 && m->sched && schedule_open(m->sched, &m->tz, r->at)) {
    m->pending_wh[i] += delta;
    if (m->pending_wh[i] >= FLUSH_WH) flush(m, i);
  }
}

static void on_stopped(void *ctx, int connector, const station_session_info *s) {
  tariff_mod *m = ctx;
  int i = connector - 1;
  if (i < 0 || i >= BORNE_MAX_CONNECTORS || m->sid[i] != s->id) return;
  double delta = s->meter_stop_wh - m->last_wh[i]; /* since the last reading */
  if (delta > 0 && m->sched && schedule_open(m->sched, &m->tz, s->stop_ms))
    m->pending_wh[i] += delta;
  flush(m, i);
  m->sid[i] = 0;
}

/* A resumed session (after a restart) keeps the tariff it started under. */
static void on_started(void *ctx, int connector, const station_session_info *s) {
  tariff_mod *m = ctx;
  station *st = m->st;
  tariff t;
  tariff_now(st->cfg, &t);
  if (connector >= 1 && connector <= BORNE_MAX_CONNECTORS) {
    /* counted from the session's first Wh (a resumed one: from now on) */
    flush(m, connector - 1);
    m->sid[connector - 1] = s->id;
    m->last_wh[connector - 1] =
        s->resumed ? m->st->conn[connector - 1].meter.energy_import_wh : s->meter_start_wh;
    m->pending_wh[connector - 1] = 0;
  }
  if (s->resumed || !tariff_is_set(&t)) return;
  sqlite3_stmt *q =
      store_stmt(st->db, "INSERT OR IGNORE INTO tariff_sessions(session_id, price_kwh, "
                         "price_hour, currency, price_kwh_offpeak) VALUES(?1, ?2, ?3, ?4, ?5)");
  if (!q) return;
  sqlite3_bind_int64(q, 1, s->id);
  sqlite3_bind_double(q, 2, t.price_kwh);
  sqlite3_bind_double(q, 3, t.price_hour);
  sqlite3_bind_text(q, 4, t.currency, -1, SQLITE_TRANSIENT);
  sqlite3_bind_double(q, 5, t.price_kwh_offpeak);
  if (sqlite3_step(q) != SQLITE_DONE)
    log_warn(MOD, "session %lld: cannot record its tariff: %s", (long long)s->id,
             sqlite3_errmsg(store_sqlite(st->db)));
  store_stmt_release(st->db, q);
}

/* GET /status: a running session's tariff (connectors[].session.tariff), so
 * that the dashboard shows its cost as it grows. */
static void tariff_status(void *ctx, int connector, json_t *obj) {
  tariff_mod *m = ctx;
  station *st = m->st;
  json_t *s = connector ? json_object_get(obj, "session") : NULL;
  json_t *id = s ? json_object_get(s, "id") : NULL;
  tariff t;
  if (!json_is_integer(id) || tariff_of_session(st, json_integer_value(id), &t) != 0) return;
  json_object_set_new(s, "tariff",
                      json_pack("{s:f, s:f, s:f, s:s}", "price_kwh", t.price_kwh,
                                "price_kwh_offpeak", t.price_kwh_offpeak, "price_hour",
                                t.price_hour, "currency", t.currency));
  double off = tariff_offpeak_wh(st, json_integer_value(id));
  if (off >= 0) json_object_set_new(s, "energy_offpeak_wh", json_real(off));
}

/* The prices are read at each session's start and each public page; the
 * windows and the zone are read again when they change. */
static station_setting_state tariff_setting_state(void *ctx, const char *key) {
  (void)ctx;
  return strncmp(key, "tariff.", 7) == 0 || strcmp(key, "schedule.windows") == 0 ||
                 strcmp(key, "site.timezone") == 0
             ? SETTING_CURRENT
             : SETTING_UNUSED;
}

static void tariff_setting_changed(void *ctx, const char *key) {
  if (strcmp(key, "schedule.windows") == 0 || strcmp(key, "site.timezone") == 0) read_windows(ctx);
}

static void free_mod(void *ctx) {
  tariff_mod *m = ctx;
  free(m->sched);
  free(m);
}

int tariff_session_cost_put(station *st, int64_t session_id, const tariff_session_cost *c) {
  sqlite3_stmt *q = store_stmt(
      st->db, "INSERT OR REPLACE INTO tariff_session_costs(session_id, transaction_id, total, "
              "final, currency, message, source, state) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
  if (!q) return -1;
  sqlite3_bind_int64(q, 1, session_id);
  sqlite3_bind_text(q, 2, c->transaction_id, -1, SQLITE_TRANSIENT);
  if (c->has_total)
    sqlite3_bind_double(q, 3, c->total);
  else
    sqlite3_bind_null(q, 3);
  sqlite3_bind_int(q, 4, c->final);
  sqlite3_bind_text(q, 5, c->currency, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(q, 6, c->message, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(q, 7, c->local ? "local" : "csms", -1, SQLITE_STATIC);
  if (c->state)
    sqlite3_bind_text(q, 8, c->state, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null(q, 8);
  int rc = sqlite3_step(q) == SQLITE_DONE ? 0 : -1;
  if (rc) log_error(MOD, "cannot save the cost of session %lld", (long long)session_id);
  store_stmt_release(st->db, q);
  return rc;
}

int tariff_session_cost_get(station *st, int64_t session_id, tariff_session_cost *out,
                            char **state) {
  if (state) *state = NULL;
  sqlite3_stmt *q =
      store_stmt(st->db, "SELECT transaction_id, total, final, currency, message, source, state "
                         "FROM tariff_session_costs WHERE session_id = ?1");
  if (!q) return -1;
  sqlite3_bind_int64(q, 1, session_id);
  int rc = -1;
  if (sqlite3_step(q) == SQLITE_ROW) {
    memset(out, 0, sizeof *out);
    const char *t = (const char *)sqlite3_column_text(q, 0);
    snprintf(out->transaction_id, sizeof out->transaction_id, "%s", t ? t : "");
    out->has_total = sqlite3_column_type(q, 1) != SQLITE_NULL;
    out->total = sqlite3_column_double(q, 1);
    out->final = sqlite3_column_int(q, 2) != 0;
    t = (const char *)sqlite3_column_text(q, 3);
    snprintf(out->currency, sizeof out->currency, "%s", t ? t : "");
    t = (const char *)sqlite3_column_text(q, 4);
    snprintf(out->message, sizeof out->message, "%s", t ? t : "");
    t = (const char *)sqlite3_column_text(q, 5);
    out->local = t && strcmp(t, "local") == 0;
    t = (const char *)sqlite3_column_text(q, 6);
    if (state && t) *state = strdup(t);
    rc = 0;
  }
  store_stmt_release(st->db, q);
  return rc;
}

int tariff_attach(station *st, char *err, size_t errlen) {
  if (store_module_migrate(st->db, "tariff", steps, (int)(sizeof steps / sizeof steps[0])) != 0) {
    snprintf(err, errlen, "tariff: %s", store_last_error(st->db));
    return -1;
  }
  /* the rows of the sessions the store's retention removes go with them */
  static const char trim_tariffs[] = "DELETE FROM tariff_sessions WHERE session_id <= ?1 AND "
                                     "session_id NOT IN (SELECT id FROM sessions)";
  static const char trim_costs[] = "DELETE FROM tariff_session_costs WHERE session_id <= ?1 AND "
                                   "session_id NOT IN (SELECT id FROM sessions)";
  if (store_session_companion(st->db, trim_tariffs) ||
      store_session_companion(st->db, trim_costs)) {
    snprintf(err, errlen, "tariff: too many tables kept with the sessions");
    return -1;
  }
  tariff_mod *tm = calloc(1, sizeof *tm);
  if (!tm) {
    snprintf(err, errlen, "tariff: out of memory");
    return -1;
  }
  tm->st = st;
  read_windows(tm);
  station_module m = {.name = MOD,
                      .ctx = tm,
                      .session_started = on_started,
                      .session_stopped = on_stopped,
                      .meter_read = on_meter,
                      .status_json = tariff_status,
                      .setting_changed = tariff_setting_changed,
                      .setting_state = tariff_setting_state,
                      .free = free_mod};
  if (station_add_module(st, &m) != 0) {
    free(tm);
    snprintf(err, errlen, "tariff: too many modules");
    return -1;
  }
  return 0;
}
