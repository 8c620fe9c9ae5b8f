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
#include <string.h>

#include "station/station.h"
#include "util/log.h"

#define MOD "tariff"

static const char *const steps[] = {
    "CREATE TABLE tariff_sessions(session_id INTEGER PRIMARY KEY, price_kwh REAL NOT NULL, "
    "price_hour REAL NOT NULL, currency TEXT NOT NULL)",
};

void tariff_now(const config *cfg, tariff *out) {
  memset(out, 0, sizeof *out);
  out->price_kwh = config_get_number(cfg, "tariff.price_kwh");
  out->price_hour = config_get_number(cfg, "tariff.price_hour");
  const char *c = config_get(cfg, "tariff.currency");
  snprintf(out->currency, sizeof out->currency, "%s", c && tariff_currency_valid(c) ? c : "EUR");
}

int tariff_of_session(station *st, int64_t session_id, tariff *out) {
  sqlite3_stmt *q =
      store_stmt(st->db, "SELECT price_kwh, price_hour, currency FROM tariff_sessions "
                         "WHERE session_id = ?1");
  if (!q) return -1;
  sqlite3_bind_int64(q, 1, session_id);
  int rc = -1;
  if (sqlite3_step(q) == SQLITE_ROW) {
    memset(out, 0, sizeof *out);
    out->price_kwh = sqlite3_column_double(q, 0);
    out->price_hour = sqlite3_column_double(q, 1);
    const char *c = (const char *)sqlite3_column_text(q, 2);
    snprintf(out->currency, sizeof out->currency, "%s", c ? c : "");
    rc = 0;
  }
  store_stmt_release(st->db, q);
  return rc;
}

/* A resumed session (after a restart) keeps the tariff it started under. */
static void on_started(void *ctx, int connector, const station_session_info *s) {
  station *st = ctx;
  (void)connector;
  tariff t;
  tariff_now(st->cfg, &t);
  if (s->resumed || !tariff_is_set(&t)) return;
  sqlite3_stmt *q =
      store_stmt(st->db, "INSERT OR IGNORE INTO tariff_sessions(session_id, price_kwh, "
                         "price_hour, currency) VALUES(?1, ?2, ?3, ?4)");
  if (!q) return;
  sqlite3_bind_int64(q, 1, s->id);
  sqlite3_bind_double(q, 2, t.price_kwh);
  sqlite3_bind_double(q, 3, t.price_hour);
  sqlite3_bind_text(q, 4, t.currency, -1, SQLITE_TRANSIENT);
  if (sqlite3_step(q) != SQLITE_DONE)
    log_warn(MOD, "session %lld: cannot record its tariff: %s", (long long)s->id,
             sqlite3_errmsg(store_sqlite(st->db)));
  store_stmt_release(st->db, q);
}

/* GET /status: a running session's tariff (connectors[].session.tariff), so
 * that the dashboard shows its cost as it grows. */
static void tariff_status(void *ctx, int connector, json_t *obj) {
  station *st = ctx;
  json_t *s = connector ? json_object_get(obj, "session") : NULL;
  json_t *id = s ? json_object_get(s, "id") : NULL;
  tariff t;
  if (!json_is_integer(id) || tariff_of_session(st, json_integer_value(id), &t) != 0) return;
  json_object_set_new(s, "tariff",
                      json_pack("{s:f, s:f, s:s}", "price_kwh", t.price_kwh, "price_hour",
                                t.price_hour, "currency", t.currency));
}

/* The prices are read at each session's start and each public page. */
static station_setting_state tariff_setting_state(void *ctx, const char *key) {
  (void)ctx;
  return strncmp(key, "tariff.", 7) == 0 ? SETTING_CURRENT : SETTING_UNUSED;
}

int tariff_attach(station *st, char *err, size_t errlen) {
  if (store_module_migrate(st->db, "tariff", steps, (int)(sizeof steps / sizeof steps[0])) != 0) {
    snprintf(err, errlen, "tariff: %s", store_last_error(st->db));
    return -1;
  }
  station_module m = {.name = "tariff",
                      .ctx = st,
                      .session_started = on_started,
                      .status_json = tariff_status,
                      .setting_state = tariff_setting_state};
  if (station_add_module(st, &m) != 0) {
    snprintf(err, errlen, "tariff: too many modules");
    return -1;
  }
  return 0;
}
