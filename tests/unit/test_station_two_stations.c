/*
 * Issue 14, item 4: a station is a value, so two of them run in one process
 * on one loop without seeing each other. Two stations with their own ids,
 * data directories, HTTP ports and OCPP back ends (tests/unit/test_csms.h,
 * on the same loop) charge at the same time on the simulator; the test
 * checks that each back end hears only its own station (by the charge point
 * id in the WebSocket path, the connector, the badge and the transaction id
 * it gave), that each store holds only its own session, samples, events and
 * OCMF records, that a setting changed on one, a stop of one and closing
 * one leave the other alone, and that both free cleanly (ASan, leaks on).
 */
/* cmocka.h needs these first */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys/key_tables.h"
#include "main/modules.h"
#include "station/station.h"
#include "test_csms.h"
#include "test_tmpdir.h"
#include "hal/hal_sim.h"
#include "util/log.h"

#define DEADLINE_S 60.0 /* real seconds for any one wait (ASan is slow) */

/* One station and its back end. `conn` is the connector it charges on. */
typedef struct {
  const char *id, *badge;
  int conn;
  int first_tx;
  char dir[64];
  config *cfg;
  station *st;
  csms cs;
  int tx_id; /* the back end's transaction id for its session */
} side;

typedef struct {
  uv_loop_t loop;
  side s[2];
} fx;

typedef bool (*cond_fn)(fx *f);

/* Runs the loop until cond holds or the deadline passes (no sleeps: every
 * turn is driven by the stations' and the back ends' own events). */
static station_connector_view view_of(const station *st, int c) {
  station_connector_view v;
  station_view(st, c, &v);
  return v;
}

static bool run_until(fx *f, cond_fn cond) {
  uint64_t end = uv_hrtime() + (uint64_t)(DEADLINE_S * 1e9);
  while (!cond(f)) {
    if (uv_hrtime() > end) return false;
    uv_run(&f->loop, UV_RUN_ONCE);
  }
  return true;
}

static void set(config *cfg, const char *key, const char *value) {
  char err[256];
  if (config_set(cfg, key, value, err, sizeof err) != 0) fail_msg("%s=%s: %s", key, value, err);
}

static void open_side(fx *f, side *sd) {
  assert_int_equal(csms_start(&sd->cs, &f->loop, sd->first_tx), 0);
  assert_int_equal(test_tmpdir_make(sd->dir, sizeof sd->dir, "borne-two"), 0);
  char url[128];
  csms_url(&sd->cs, "/ocpp", url, sizeof url);
  sd->cfg = config_new();
  set(sd->cfg, "station.id", sd->id);
  set(sd->cfg, "station.connectors", "2");
  set(sd->cfg, "http.listen", "127.0.0.1:0");
  set(sd->cfg, "log.level", "error");
  set(sd->cfg, "hal.backend", "sim");
  set(sd->cfg, "sim.speed", "60");
  set(sd->cfg, "auth.mode", "ocpp");
  set(sd->cfg, "ocpp.url", url);
  set(sd->cfg, "ocpp.MeterValueSampleInterval", "10");
  set(sd->cfg, "meter.sample_interval_s", "5");
  set(sd->cfg, "ocmf.enabled", "true");
  sd->st = calloc(1, sizeof *sd->st);
  station_options opt = {.data_dir = sd->dir, .cfg = sd->cfg, .parts = &borne_station_parts};
  char err[256];
  if (station_open(sd->st, &f->loop, &opt, err, sizeof err) != 0) fail_msg("%s: %s", sd->id, err);
}

/* ---------- conditions ---------- */

static bool both_booted(fx *f) {
  for (int i = 0; i < 2; i++) /* connector 0 and both connectors reported after an accepted boot */
    if (!f->s[i].st->selftest_done || csms_count(&f->s[i].cs, "StatusNotification") < 3)
      return false;
  return true;
}

static bool charging(const side *sd) {
  const station *st = sd->st;
  return st->conn[sd->conn - 1].session_id != 0 && view_of(st, sd->conn).outputs.contactor_closed;
}

static bool both_charging(fx *f) { return charging(&f->s[0]) && charging(&f->s[1]); }

/* The back end's transaction id of the side's StartTransaction, 0 before. */
static int started_tx(const side *sd) {
  if (csms_count(&sd->cs, "StartTransaction") < 1) return 0;
  /* the answer carries the id: the StartTransaction was the n-th start of this back end */
  return sd->first_tx + csms_count(&sd->cs, "StartTransaction") - 1;
}

static bool both_metering(fx *f) {
  for (int i = 0; i < 2; i++) {
    side *sd = &f->s[i];
    int with_tx = 0;
    for (int n = 0; n < csms_count(&sd->cs, "MeterValues"); n++)
      if (json_object_get(csms_nth(&sd->cs, "MeterValues", n), "transactionId")) with_tx++;
    if (started_tx(sd) == 0 || with_tx < 2) return false;
  }
  return true;
}

static bool a_limited(fx *f) {
  side *a = &f->s[0];
  return view_of(a->st, a->conn).offered_a <= 16.0 + 1e-9;
}

static const char *remote_stop_id;
static bool a_stopped(fx *f) {
  side *a = &f->s[0];
  return remote_stop_id && csms_result(&a->cs, remote_stop_id) &&
         a->st->conn[a->conn - 1].session_id == 0 && csms_count(&a->cs, "StopTransaction") == 1;
}

static int b_meter_values_mark;
static bool b_goes_on(fx *f) {
  return csms_count(&f->s[1].cs, "MeterValues") >= b_meter_values_mark + 2;
}

static bool a_gone_b_goes_on(fx *f) { return csms_stopped(&f->s[0].cs) && b_goes_on(f); }

static bool b_stopped(fx *f) {
  side *b = &f->s[1];
  return b->st->conn[b->conn - 1].session_id == 0 && csms_count(&b->cs, "StopTransaction") == 1;
}

static bool all_closed(fx *f) { return csms_stopped(&f->s[0].cs) && csms_stopped(&f->s[1].cs); }

/* ---------- checks on what each back end heard ---------- */

static bool has_signed_data_of(json_t *stop, const char *id) {
  size_t i, j;
  json_t *mv, *sv;
  bool found = false;
  json_array_foreach(json_object_get(stop, "transactionData"), i, mv) {
    json_array_foreach(json_object_get(mv, "sampledValue"), j, sv) {
      const char *format = json_string_value(json_object_get(sv, "format"));
      const char *value = json_string_value(json_object_get(sv, "value"));
      if (format && strcmp(format, "SignedData") == 0 && value) {
        if (!strstr(value, id)) return false; /* a record of another station */
        found = true;
      }
    }
  }
  return found;
}

static void check_back_end(const side *sd, const side *other) {
  const csms *cs = &sd->cs;
  char path[96];
  snprintf(path, sizeof path, "/ocpp/%s", sd->id);
  assert_true(cs->connections >= 1);
  assert_string_equal(cs->subprotocol, "ocpp1.6");
  size_t i;
  json_t *e;
  json_array_foreach(cs->log, i, e) {
    /* every frame came over a connection named by this station's id */
    assert_string_equal(json_string_value(json_object_get(e, "path")), path);
  }
  assert_int_equal(csms_count(cs, "BootNotification"), 1);
  assert_int_equal(csms_count(cs, "StartTransaction"), 1);
  assert_int_equal(csms_count(cs, "StopTransaction"), 1);
  json_t *start = csms_nth(cs, "StartTransaction", 0);
  assert_int_equal(json_integer_value(json_object_get(start, "connectorId")), sd->conn);
  assert_string_equal(json_string_value(json_object_get(start, "idTag")), sd->badge);
  for (int n = 0; n < csms_count(cs, "Authorize"); n++)
    assert_string_equal(json_string_value(json_object_get(csms_nth(cs, "Authorize", n), "idTag")),
                        sd->badge);
  int meter_values = csms_count(cs, "MeterValues");
  assert_true(meter_values >= 2);
  for (int n = 0; n < meter_values; n++) {
    json_t *mv = csms_nth(cs, "MeterValues", n);
    json_t *tx = json_object_get(mv, "transactionId");
    assert_int_equal(json_integer_value(json_object_get(mv, "connectorId")), sd->conn);
    if (tx) assert_int_equal(json_integer_value(tx), sd->tx_id);
  }
  json_t *stop = csms_nth(cs, "StopTransaction", 0);
  assert_int_equal(json_integer_value(json_object_get(stop, "transactionId")), sd->tx_id);
  assert_string_equal(json_string_value(json_object_get(stop, "idTag")), sd->badge);
  /* the OCMF records in it are this station's (its id is in the CI field) */
  assert_true(has_signed_data_of(stop, sd->id));
  /* nothing of the other station's */
  char *dump = json_dumps(cs->log, JSON_COMPACT);
  assert_null(strstr(dump, other->badge));
  assert_null(strstr(dump, other->id));
  free(dump);
}

/* ---------- checks on each store ---------- */

static long long count(sqlite3 *db, const char *sql, const char *arg) {
  sqlite3_stmt *q;
  if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK) fail_msg("%s", sqlite3_errmsg(db));
  if (arg) sqlite3_bind_text(q, 1, arg, -1, SQLITE_STATIC);
  long long n = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int64(q, 0) : -1;
  sqlite3_finalize(q);
  return n;
}

static void check_store(const side *sd, const side *other) {
  char path[128], like[64], sql[256];
  snprintf(path, sizeof path, "%s/borne.db", sd->dir);
  sqlite3 *db;
  assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  /* one session: this station's badge, on its connector */
  assert_int_equal(count(db, "SELECT count(*) FROM sessions", NULL), 1);
  snprintf(sql, sizeof sql,
           "SELECT count(*) FROM sessions WHERE uid = ?1 AND connector = %d AND stop_ms > 0",
           sd->conn);
  assert_int_equal(count(db, sql, sd->badge), 1);
  /* samples of its charging connector only */
  snprintf(sql, sizeof sql, "SELECT count(*) FROM meter_samples WHERE connector = %d", sd->conn);
  assert_true(count(db, sql, NULL) >= 1);
  snprintf(sql, sizeof sql, "SELECT count(*) FROM meter_samples WHERE connector <> %d", sd->conn);
  assert_int_equal(count(db, sql, NULL), 0);
  /* events: its own badge's session, never the other's */
  snprintf(like, sizeof like, "%%%s%%", sd->badge);
  assert_true(count(db, "SELECT count(*) FROM events WHERE detail LIKE ?1", like) >= 1);
  snprintf(like, sizeof like, "%%%s%%", other->badge);
  assert_int_equal(count(db, "SELECT count(*) FROM events WHERE detail LIKE ?1", like), 0);
  snprintf(sql, sizeof sql,
           "SELECT count(*) FROM events WHERE connector = %d AND kind IN ('session_start', "
           "'session_stop', 'auth_accepted', 'ocmf')",
           other->conn);
  assert_int_equal(count(db, sql, NULL), 0);
  /* OCMF records: its connector, its id */
  snprintf(sql, sizeof sql, "SELECT count(*) FROM ocmf_records WHERE connector = %d", sd->conn);
  assert_int_equal(count(db, sql, NULL), 2); /* begin and end */
  snprintf(like, sizeof like, "%%%s%%", other->id);
  assert_int_equal(count(db, "SELECT count(*) FROM ocmf_records WHERE record LIKE ?1", like), 0);
  sqlite3_close(db);
}

/* ---------- the test ---------- */

static void two_stations_charge_side_by_side(void **state) {
  (void)state;
  log_set_level(LOG_ERROR);
  fx *f = calloc(1, sizeof *f);
  uv_loop_init(&f->loop);
  side *a = &f->s[0], *b = &f->s[1];
  *a = (side){.id = "alpha-1", .badge = "A1A1A1", .conn = 1, .first_tx = 100};
  *b = (side){.id = "beta-2", .badge = "B2B2B2", .conn = 2, .first_tx = 200};
  open_side(f, a);
  open_side(f, b);
  assert_int_not_equal(a->cs.port, b->cs.port);
  assert_int_not_equal(http_server_port(a->st->http), http_server_port(b->st->http));
  assert_true(run_until(f, both_booted));

  /* an EV plugged in and a badge on each, at the same time */
  sim_ev_params ev = {
      .max_current_a = 32, .phases = 3, .battery_kwh = 60, .soc_pct = 20, .target_soc_pct = 90};
  char err[256];
  for (int i = 0; i < 2; i++) {
    side *sd = &f->s[i];
    if (hal_sim_plug(sd->st->hw, sd->conn, &ev, 220, err, sizeof err) != 0) fail_msg("%s", err);
  }
  station_tap(a->st, a->badge);
  station_tap(b->st, b->badge);
  assert_true(run_until(f, both_charging));
  /* both sessions run at once, each on its own connector only */
  assert_int_equal(a->st->conn[b->conn - 1].session_id, 0);
  assert_int_equal(b->st->conn[a->conn - 1].session_id, 0);
  assert_true(run_until(f, both_metering));
  assert_true(both_charging(f));
  a->tx_id = started_tx(a);
  b->tx_id = started_tx(b);

  /* a setting changed on A: A follows, B does not see it */
  for (int c = 1; c <= 2; c++) {
    char key[64];
    snprintf(key, sizeof key, "connector.%d.selector_a", c);
    set(a->cfg, key, "16");
    station_apply_setting(a->st, key);
    assert_int_equal(station_setting_use(a->st, key), SETTING_CURRENT);
    assert_int_equal(config_get_int(b->cfg, key), 32);
  }
  assert_true(run_until(f, a_limited));
  assert_float_equal(view_of(b->st, b->conn).offered_a, 32.0, 1e-9);

  /* A's back end stops A's transaction: B charges on */
  char call_id[32];
  remote_stop_id =
      csms_call(&a->cs, "RemoteStopTransaction", json_pack("{s:i}", "transactionId", a->tx_id),
                call_id, sizeof call_id);
  assert_non_null(remote_stop_id);
  assert_true(run_until(f, a_stopped));
  assert_string_equal(
      json_string_value(json_object_get(csms_result(&a->cs, remote_stop_id), "status")),
      "Accepted");
  assert_true(charging(b));
  assert_int_equal(csms_count(&b->cs, "StopTransaction"), 0);
  b_meter_values_mark = csms_count(&b->cs, "MeterValues");
  assert_true(run_until(f, b_goes_on));
  assert_true(charging(b));
  assert_false(charging(a));

  /* A closes (its HTTP server, OCPP connection and lws contexts go) and its
   * back end with it, while B charges on and still talks to its own */
  station_close(a->st);
  csms_stop(&a->cs);
  b_meter_values_mark = csms_count(&b->cs, "MeterValues");
  assert_true(run_until(f, a_gone_b_goes_on));
  assert_true(charging(b));

  /* B stops through its own station */
  assert_int_equal(station_remote_stop(b->st, b->conn, err, sizeof err), 0);
  assert_true(run_until(f, b_stopped));

  /* close B, then its back end; everything is freed */
  station_close(b->st);
  csms_stop(&b->cs);
  assert_true(run_until(f, all_closed));
  uv_run(&f->loop, UV_RUN_DEFAULT);
  for (int i = 0; i < 2; i++) {
    station_free(f->s[i].st);
    free(f->s[i].st);
  }
  assert_int_equal(uv_loop_close(&f->loop), 0);

  check_back_end(a, b);
  check_back_end(b, a);
  check_store(a, b);
  check_store(b, a);

  for (int i = 0; i < 2; i++) {
    csms_free(&f->s[i].cs);
    config_free(f->s[i].cfg);
    assert_int_equal(test_tmpdir_remove(f->s[i].dir), 0);
  }
  free(f);
}

int main(void) {
  if (borne_keys_register() != 0) return 1; /* every module's configuration keys */
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(two_stations_charge_side_by_side),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
