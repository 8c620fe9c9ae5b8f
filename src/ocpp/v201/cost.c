/*
 * OCPP 2.0.1 functional block I (TariffAndCost) and the 2.1 local cost.
 *
 * The CSMS's cost: the running total of a transaction sent with CostUpdated
 * (I02) and the final one in the answer to its TransactionEvent Ended (I03:
 * `totalCost`); the driver's personal message (I01: idTokenInfo.personalMessage
 * of the Authorize answer, then of the TransactionEvent answers, and their
 * `updatedPersonalMessage`, each replacing the last: I06). The fallback
 * messages (I04, I05): TariffCostCtrlr.TariffFallbackMessage while the
 * station is offline, TotalCostFallbackMessage once the transaction ended
 * without a total cost. Each EVSE shows its last transaction's until the next
 * starts; each is kept with the session (tariff_session_cost, the tariff
 * module's table) so it survives a restart and shows in the history.
 *
 * 2.1 local cost: default tariffs per EVSE (SetDefaultTariff, GetTariffs,
 * ClearTariffs; kept on disk) price a transaction that starts while 2.1 is
 * spoken; ChangeTransactionTariff gives a running one another. The cost is
 * the pure calculator's (src/tariff/tariff21.c), stepped at each meter
 * reading, shown like the CSMS's (source "local"), and goes as costDetails
 * in the transaction's events: the Started, a RunningCost Updated every
 * TariffCostCtrlr.Interval[Cost] seconds and the other Updated ones without
 * chargingPeriods (I12.FR.02), the Ended with them. A driver tariff that
 * cannot be taken sets TariffCostCtrlr.Problem and is told by NotifyEvent
 * (I08.FR.37); OfflineTariffFallbackMessage is shown offline for an EVSE the
 * station does not price. The 2.1 requests are decoded with the generated
 * 2.1 types.
 */
#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "energy/energy_module.h"
#include "energy/tzrule.h"
#include "ocpp/v201/tariff_json.h"
#include "ocpp/v201/v201_internal.h"
#include "ocpp21_messages.h" /* generated from the OCPP 2.1 schemas */
#include "tariff/tariff_module.h"

#define SAVE_EVERY_MS 60000 /* the local cost's state is saved this often while it runs */

/* The local cost of one session: the calculator and the tariff in force as
 * the CSMS sent it (saved with the state, read again after a restart). */
typedef struct v201_local {
  tariff21_run r;
  json_t *tariff; /* TariffType */
  bool driver;    /* given by ChangeTransactionTariff (GetTariffs: DriverTariff) */
  borne_ms saved;
  tz_rule tz; /* site.timezone, read when the local cost starts or comes back */
  bool tz_set;
} v201_local;

static const char *const steps[] = {
    "CREATE TABLE ocpp21_tariffs(evse INTEGER PRIMARY KEY, tariff_id TEXT NOT NULL, tariff TEXT "
    "NOT NULL)",
    /* the driver tariff of each token the authorization cache keeps, as its
     * last Authorize answer gave it: for a transaction it starts offline */
    "CREATE TABLE ocpp21_driver_tariffs(token TEXT PRIMARY KEY COLLATE NOCASE, tariff TEXT NOT "
    "NULL, at_ms INTEGER NOT NULL)",
};
#define STEP_COUNT ((int)(sizeof steps / sizeof steps[0]))
#define COST_STR_(x) #x
#define COST_STR(x) COST_STR_(x)

static bool speaks21(const ocpp201_station *o) {
  return o->link && ocpp_link_dialect(o->link) == &ocpp21_dialect;
}

/* The local time of the tariff's conditions: site.timezone (UTC when unset),
 * read once per transaction. */
static void read_zone(const ocpp201_station *o, v201_local *l) {
  char why[200];
  l->tz_set =
      energy_zone_rule(config_get(o->st->cfg, "site.timezone"), &l->tz, why, sizeof why) == 0;
}

static int tz_offset(const v201_local *l, borne_ms at) {
  return l->tz_set ? (int)tz_offset_at(&l->tz, at) : 0;
}

static void free_local(v201_cost *k) {
  if (!k || !k->run) return;
  json_decref(k->run->tariff);
  free(k->run);
  k->run = NULL;
}

/* EVSE c's cost to write, made at its first use; NULL without memory */
static v201_cost *cost_of(ocpp201_station *o, int c) {
  v201_evse *e = &o->evse[c - 1];
  if (!e->cost) e->cost = calloc(1, sizeof *e->cost);
  return e->cost;
}

/* EVSE c's cost to read: an EVSE that never had one has none (all zero) */
static const v201_cost *cost_seen(const ocpp201_station *o, int c) {
  static const v201_cost none;
  return o->evse[c - 1].cost ? o->evse[c - 1].cost : &none;
}

/* ---------- persistence ---------- */

static char *local_state(const v201_local *l) {
  return v201_tariff_state(&l->r, l->tariff, l->driver);
}

static v201_local *local_of_state(const char *text) {
  v201_local *l = calloc(1, sizeof *l);
  if (l && v201_tariff_restore(text, &l->r, &l->tariff, &l->driver) == 0) return l;
  free(l);
  return NULL;
}

static void save(ocpp201_station *o, v201_cost *k) {
  if (!k->session) return;
  tariff_session_cost c = {
      .has_total = k->known, .total = k->total, .final = k->final, .local = k->local};
  snprintf(c.transaction_id, sizeof c.transaction_id, "%s", k->tx);
  const char *cur = config_get(o->st->cfg, "tariff.currency");
  snprintf(c.currency, sizeof c.currency, "%s",
           k->local && k->run ? k->run->r.t.currency
           : cur              ? cur
                              : "");
  snprintf(c.message, sizeof c.message, "%s", k->message);
  char *state = k->run ? local_state(k->run) : NULL;
  c.state = state;
  tariff_session_cost_put(o->st, k->session, &c);
  free(state);
  if (k->run) k->run->saved = now201(o);
}

/* The cost row of session_id into k (k->session set); false when none. */
static bool load(ocpp201_station *o, int64_t session_id, v201_cost *k) {
  tariff_session_cost c;
  char *state = NULL;
  if (tariff_session_cost_get(o->st, session_id, &c, &state) != 0) return false;
  memset(k, 0, sizeof *k);
  k->session = session_id;
  snprintf(k->tx, sizeof k->tx, "%s", c.transaction_id);
  k->known = c.has_total;
  k->total = c.total;
  k->final = c.final;
  k->local = c.local;
  snprintf(k->message, sizeof k->message, "%s", c.message);
  if (state) k->run = local_of_state(state);
  if (k->run) read_zone(o, k->run);
  free(state);
  return true;
}

static int newest(void *ctx, const session_row *row) {
  *(session_row *)ctx = *row;
  return 1;
}

static void load_tariffs(ocpp201_station *o) {
  sqlite3_stmt *s = store_stmt(o->st->db, "SELECT evse, tariff FROM ocpp21_tariffs ORDER BY evse");
  if (!s) return;
  while (sqlite3_step(s) == SQLITE_ROW) {
    json_t *t = json_loads((const char *)sqlite3_column_text(s, 1), 0, NULL);
    if (json_is_object(t))
      json_array_append_new(o->tariffs,
                            json_pack("{s:i, s:o}", "evse", sqlite3_column_int(s, 0), "tariff", t));
    else
      json_decref(t);
  }
  store_stmt_release(o->st->db, s);
}

int v201_cost_open(ocpp201_station *o, char *err, size_t errlen) {
  o->tariffs = json_array();
  if (store_module_migrate(o->st->db, "ocpp21_tariffs", steps, STEP_COUNT) != 0) {
    snprintf(err, errlen, "tariffs: %s", store_last_error(o->st->db));
    return -1;
  }
  load_tariffs(o);
  /* each EVSE's last transaction's cost, as it was before the restart */
  for (int c = 1; c <= o->count; c++) {
    session_row row = {0};
    session_filter f = {.connector = c, .limit = 1};
    if (store_sessions_query(o->st->db, &f, newest, &row) != 0 || !row.id) continue;
    v201_cost *k = cost_of(o, c);
    if (k && load(o, row.id, k)) k->ended = row.stop_ms != 0;
  }
  return 0;
}

void v201_cost_free(ocpp201_station *o) {
  for (int c = 1; c <= o->count; c++) {
    free_local(o->evse[c - 1].cost);
    free(o->evse[c - 1].cost);
    o->evse[c - 1].cost = NULL;
  }
  json_decref(o->tariffs);
  o->tariffs = NULL;
  json_decref(o->personal_tariff);
  o->personal_tariff = NULL;
  free(o->personal_msg);
  o->personal_msg = NULL;
}

/* ---------- the running local cost ---------- */

static const json_t *default_tariff(const ocpp201_station *o, int c, borne_ms now) {
  const json_t *all = NULL, *mine = NULL, *e;
  size_t i;
  json_array_foreach(o->tariffs, i, e) {
    const json_t *t = json_object_get(e, "tariff");
    const char *from = json_string_value(json_object_get(t, "validFrom"));
    borne_ms at;
    if (from && timefmt_parse(from, &at) == 0 && at > now) continue; /* not yet */
    int evse = (int)json_integer_value(json_object_get(e, "evse"));
    if (evse == c) mine = t;
    if (evse == 0) all = t;
  }
  return mine ? mine : all;
}

/* The station's own cost becomes the one shown, unless the CSMS's came. */
static void local_total(v201_cost *k) {
  if (k->known && !k->local) return;
  t21_total t = t21_cost(&k->run->r);
  k->total = t.total.incl;
  k->known = true;
  k->local = true;
}

static double meter_wh(const ocpp201_station *o, int c) {
  return o->st->conn[c - 1].meter.energy_import_wh;
}

static void step(ocpp201_station *o, int c, borne_ms at, double wh) {
  v201_evse *e = &o->evse[c - 1];
  const meter_reading *m = &o->st->conn[c - 1].meter;
  double amps = m->current_a[0] > m->current_a[1] ? m->current_a[0] : m->current_a[1];
  if (m->current_a[2] > amps) amps = m->current_a[2];
  t21_step(&e->cost->run->r, at, tz_offset(e->cost->run, at), wh, e->status == STATUS_CHARGING,
           amps, m->power_total_w);
  local_total(e->cost);
}

static void start_local(ocpp201_station *o, int c, const json_t *tf, borne_ms at, double wh,
                        bool driver) {
  tariff21 t;
  const char *why;
  if (strcmp(v201_tariff_of_json(tf, &t, &why), "Accepted") != 0) return;
  v201_cost *k = cost_of(o, c);
  if (!k) return;
  free_local(k);
  k->run = calloc(1, sizeof *k->run);
  if (!k->run) return;
  read_zone(o, k->run);
  t21_start(&k->run->r, &t, at, tz_offset(k->run, at), wh);
  k->run->tariff = json_deep_copy(tf);
  k->run->driver = driver;
  local_total(k);
}

void v201_cost_meter(ocpp201_station *o, int c) {
  v201_cost *k = o->evse[c - 1].cost;
  if (!k || !k->run || k->ended || k->session != o->evse[c - 1].session_id) return;
  borne_ms now = now201(o);
  step(o, c, now, meter_wh(o, c));
  if (now - k->run->saved >= SAVE_EVERY_MS) save(o, k);
}

/* ---------- the driver tariffs kept with the authorization cache ---------- */

static void run_sql(ocpp201_station *o, const char *sql, const char *token, const char *text,
                    borne_ms at) {
  sqlite3_stmt *s = store_stmt(o->st->db, sql);
  if (!s) return;
  if (token) sqlite3_bind_text(s, 1, token, -1, SQLITE_TRANSIENT);
  if (text) sqlite3_bind_text(s, 2, text, -1, SQLITE_TRANSIENT);
  if (at) sqlite3_bind_int64(s, 3, at);
  if (sqlite3_step(s) != SQLITE_DONE)
    log_warn(MOD, "driver tariffs: %s", store_last_error(o->st->db));
  store_stmt_release(o->st->db, s);
}

/* An Authorize answer about token: its driver tariff kept (none: forgotten)
 * while the cache remembers answers; at most CP_AUTH_CACHE_MAX, the oldest
 * go first as in the cache. */
static void keep_driver_tariff(ocpp201_station *o, const char *token, const json_t *tf,
                               bool accepted) {
  if (!token || !token[0]) return;
  cp_auth_policy p = v201_auth_policy(o->st->cfg);
  char *text = tf && accepted && p.cache_enabled ? json_dumps(tf, JSON_COMPACT) : NULL;
  if (!text) {
    run_sql(o, "DELETE FROM ocpp21_driver_tariffs WHERE token = ?1", token, NULL, 0);
    return;
  }
  run_sql(o,
          "INSERT OR REPLACE INTO ocpp21_driver_tariffs(token, tariff, at_ms) VALUES(?1, ?2, ?3)",
          token, text, now201(o));
  run_sql(o,
          "DELETE FROM ocpp21_driver_tariffs WHERE token NOT IN (SELECT token FROM "
          "ocpp21_driver_tariffs ORDER BY at_ms DESC LIMIT " COST_STR(CP_AUTH_CACHE_MAX) ")",
          NULL, NULL, 0);
  free(text);
}

void v201_cost_forget_driver_tariffs(ocpp201_station *o, const char *token) {
  if (token)
    run_sql(o, "DELETE FROM ocpp21_driver_tariffs WHERE token = ?1", token, NULL, 0);
  else
    run_sql(o, "DELETE FROM ocpp21_driver_tariffs", NULL, NULL, 0);
}

/* The driver tariff kept for token, when the cache still holds the token as
 * Accepted and not expired (a reference to drop), else NULL. */
static json_t *cached_driver_tariff(ocpp201_station *o, const char *token) {
  cp_auth_kept kept;
  if (!token || !token[0] || !cp_auth_entry(o->auth, false, token, &kept) ||
      strcmp(kept.status, "Accepted") != 0 || (kept.expiry && kept.expiry <= now201(o)))
    return NULL;
  sqlite3_stmt *s =
      store_stmt(o->st->db, "SELECT tariff FROM ocpp21_driver_tariffs WHERE token = ?1");
  if (!s) return NULL;
  sqlite3_bind_text(s, 1, token, -1, SQLITE_TRANSIENT);
  json_t *tf = NULL;
  if (sqlite3_step(s) == SQLITE_ROW)
    tf = json_loads((const char *)sqlite3_column_text(s, 0), 0, NULL);
  store_stmt_release(o->st->db, s);
  if (json_is_object(tf)) return tf;
  json_decref(tf);
  return NULL;
}

bool v201_cost_kept_tariff_id(ocpp201_station *o, const char *token, char *id, size_t len) {
  sqlite3_stmt *s =
      store_stmt(o->st->db, "SELECT tariff FROM ocpp21_driver_tariffs WHERE token = ?1");
  if (!s) return false;
  sqlite3_bind_text(s, 1, token, -1, SQLITE_TRANSIENT);
  bool found = false;
  if (sqlite3_step(s) == SQLITE_ROW) {
    json_t *tf = json_loads((const char *)sqlite3_column_text(s, 0), 0, NULL);
    const char *tid = json_string_value(json_object_get(tf, "tariffId"));
    snprintf(id, len, "%s", tid ? tid : "?");
    json_decref(tf);
    found = true;
  }
  store_stmt_release(o->st->db, s);
  return found;
}

/* ---------- the session ---------- */

void v201_cost_session_started(ocpp201_station *o, int c, const station_session_info *s) {
  v201_cost *k = cost_of(o, c);
  if (!k) {
    log_error(MOD, "EVSE %d: no memory for the session's cost", c);
    return;
  }
  if (s->resumed) { /* after a restart: what it had */
    if (k->session != s->id) {
      free_local(k);
      if (!load(o, s->id, k)) memset(k, 0, sizeof *k);
      k->session = s->id;
      memcpy(k->tx, o->evse[c - 1].tx_id, sizeof k->tx);
    }
    k->ended = false;
    k->running_at = now201(o);
    return;
  }
  free_local(k);
  memset(k, 0, sizeof *k);
  k->session = s->id;
  k->running_at = now201(o);
  memcpy(k->tx, o->evse[c - 1].tx_id, sizeof k->tx);
  const char *free_tag = config_get(o->st->cfg, "ocpp.free_id_tag");
  const char *uid = s->uid && s->uid[0] ? s->uid : free_tag ? free_tag : "";
  json_t *driver = NULL; /* 2.1: the Authorize answer's tariff for this token */
  /* the answer of this token's Authorize, if it came for this start: within
   * the time a badge waits for a car (auth.timeout_s), a minute at least */
  long wait_s = config_get_int(o->st->cfg, "auth.timeout_s");
  bool recent = now201(o) - o->personal_at <= (wait_s > 60 ? wait_s : 60) * 1000L;
  if (o->personal_tok[0] && !strcmp(o->personal_tok, uid) && recent) { /* I01 */
    snprintf(k->message, sizeof k->message, "%s", o->personal_msg ? o->personal_msg : "");
    o->personal_tok[0] = 0;
    driver = o->personal_tariff;
    o->personal_tariff = NULL;
  }
  /* 2.1 I08: a transaction started offline, its token taken from the
   * authorization cache, is priced by the driver tariff that token's last
   * Authorize answer gave (kept with the cache) */
  if (!driver && speaks21(o) && !online201(o)) {
    driver = cached_driver_tariff(o, uid);
    if (driver)
      log_info(MOD, "EVSE %d: offline start of %s: its cached driver tariff %s", c, uid,
               json_string_value(json_object_get(driver, "tariffId")));
  }
  const json_t *tf = !speaks21(o) ? NULL : driver ? driver : default_tariff(o, c, s->start_ms);
  if (tf) start_local(o, c, tf, s->start_ms, s->meter_start_wh, driver != NULL);
  json_decref(driver);
  if (k->message[0] || k->run) save(o, k);
}

void v201_cost_session_stopped(ocpp201_station *o, int c, const station_session_info *s) {
  v201_cost *k = o->evse[c - 1].cost;
  if (!k || k->session != s->id) return;
  if (k->run) {
    step(o, c, s->stop_ms, s->meter_stop_wh);
    if (k->local) k->final = true; /* the station's own final cost, unless the CSMS's comes */
  }
  k->ended = true;
  save(o, k);
}

void v201_cost_authorized(ocpp201_station *o, const char *token, const json_t *result) {
  const json_t *info = json_object_get(result, "idTokenInfo");
  const char *msg =
      json_string_value(json_object_get(json_object_get(info, "personalMessage"), "content"));
  const json_t *tf = speaks21(o) ? json_object_get(result, "tariff") : NULL;
  if (json_is_object(tf)) { /* I08: can the station take it? */
    tariff21 t;
    const char *why;
    const char *status = v201_tariff_of_json(tf, &t, &why);
    if (!strcmp(status, "Accepted") && !tariff_currency_valid(t.currency)) status = "Rejected";
    o->tariff_problem = strcmp(status, "Accepted") != 0;
    if (o->tariff_problem) {
      const char *id = json_string_value(json_object_get(tf, "tariffId"));
      log_warn(MOD, "the driver tariff %s of the Authorize answer cannot be taken: %s",
               id ? id : "?", status);
      station_event(o->st, 0, "ocpp_tariff", "driver tariff %s not taken: %s", id ? id : "?",
                    status);
      v201_send_now(o, "NotifyEvent",
                    v201_tariff_problem_event(o->next_event_id++, now201(o), status, id));
    }
  }
  const char *st = json_string_value(json_object_get(info, "status"));
  keep_driver_tariff(o, token, json_is_object(tf) && !o->tariff_problem ? tf : NULL,
                     st && !strcmp(st, "Accepted"));
  char tok[sizeof o->personal_tok];
  snprintf(tok, sizeof tok, "%s", (msg || tf) && token ? token : "");
  memcpy(o->personal_tok, tok, sizeof tok);
  free(o->personal_msg);
  o->personal_msg = msg && msg[0] ? strdup(msg) : NULL; /* no memory: no message */
  o->personal_at = now201(o);
  json_decref(o->personal_tariff);
  o->personal_tariff = json_is_object(tf) ? json_deep_copy(tf) : NULL;
}

static void set_cost(ocpp201_station *o, int c, double total, bool final) {
  v201_cost *k = cost_of(o, c);
  if (!k) return;
  k->total = total;
  k->known = true;
  k->final = final;
  k->local = false; /* the CSMS's cost wins over the station's own */
  save(o, k);
  station_event(o->st, c, "ocpp_cost", "{\"transaction_id\":\"%s\",\"total\":%.2f,\"final\":%s}",
                k->tx, total, final ? "true" : "false");
}

void v201_cost_answered(ocpp201_station *o, int64_t session_id, const json_t *result) {
  const json_t *total = json_object_get(result, "totalCost");
  const char *message = json_string_value(
      json_object_get(json_object_get(result, "updatedPersonalMessage"), "content"));
  const char *personal = json_string_value(json_object_get(
      json_object_get(json_object_get(result, "idTokenInfo"), "personalMessage"), "content"));
  if (!message) message = personal;
  if (!session_id || (!json_is_number(total) && !message)) return;
  int on = 0;
  for (int c = 1; c <= o->count; c++)
    if (cost_seen(o, c)->session == session_id) on = c;
  if (!on) { /* an older transaction of the EVSE: its row in the history */
    v201_cost old;
    session_row row;
    if (store_session_get(o->st->db, session_id, &row) != 0) return;
    if (!load(o, session_id, &old)) {
      memset(&old, 0, sizeof old);
      old.session = session_id;
      v201_tx_id(row.id, row.start_ms, old.tx);
    }
    if (json_is_number(total)) {
      old.total = json_number_value(total);
      old.known = true;
      old.final = row.stop_ms != 0;
      old.local = false;
    }
    if (message) snprintf(old.message, sizeof old.message, "%s", message);
    save(o, &old);
    free_local(&old);
    return;
  }
  v201_cost *k = cost_of(o, on);
  if (!k) return;
  if (message) snprintf(k->message, sizeof k->message, "%s", message); /* I06 */
  if (json_is_number(total))
    set_cost(o, on, json_number_value(total), k->ended);
  else
    save(o, k);
}

json_t *v201_cost_status(const ocpp201_station *o, int c) {
  const v201_cost *k = cost_seen(o, c);
  const char *tariff_fb = config_get(o->st->cfg, "tariff.fallback_message");
  const char *total_fb = config_get(o->st->cfg, "tariff.total_cost_fallback_message");
  /* 2.1 TariffCostCtrlr.OfflineTariffFallbackMessage: offline, for an EVSE
   * that has no tariff of its own (no transaction the station prices), in
   * place of TariffFallbackMessage */
  const char *offline_fb = config_get(o->st->cfg, "tariff.offline_fallback_message");
  if (!online201(o) && !(k->run && !k->ended) && offline_fb && offline_fb[0])
    tariff_fb = offline_fb;
  bool offline = !online201(o) && tariff_fb && tariff_fb[0];                      /* I04 */
  bool no_total = k->session && k->ended && !k->final && total_fb && total_fb[0]; /* I05 */
  if (!k->session && !offline) return json_null();
  if (!k->known && !k->message[0] && !offline && !no_total && !k->run) return json_null();
  const char *currency = config_get(o->st->cfg, "tariff.currency");
  if (k->local && k->run) currency = k->run->r.t.currency;
  return json_pack("{s:o, s:o, s:s, s:b, s:o, s:s, s:o, s:o}", "transaction_id",
                   k->session ? json_string(k->tx) : json_null(), "total",
                   k->known ? json_real(k->total) : json_null(), "currency",
                   currency ? currency : "", "final", k->final, "message",
                   k->message[0] ? json_string(k->message) : json_null(), "source",
                   k->local ? "local" : "csms", "tariff_fallback",
                   offline ? json_string(tariff_fb) : json_null(), "total_cost_fallback",
                   no_total ? json_string(total_fb) : json_null());
}

/* ---------- costDetails (2.1) ---------- */

void v201_cost_details(ocpp201_station *o, int64_t session_id, json_t *payload, bool periods) {
  const v201_cost *k = NULL;
  for (int c = 1; c <= o->count; c++)
    if (cost_seen(o, c)->session == session_id) k = cost_seen(o, c);
  if (!k || !k->run || !speaks21(o)) return;
  json_t *d = v201_cost_details_json(&k->run->r, periods);
  if (d) json_object_set_new(payload, "costDetails", d);
}

/* I12.FR.02 (2.1): while a transaction the station prices runs, an Updated
 * event (triggerReason RunningCost) with its cost so far every
 * TariffCostCtrlr.Interval[Cost] seconds (tariff.running_cost_interval). */
static bool running_priced(const ocpp201_station *o, int c) {
  const v201_evse *e = &o->evse[c - 1];
  const v201_cost *k = cost_seen(o, c);
  return k->run && !k->ended && k->session && k->session == e->session_id && e->tx_id[0] &&
         speaks21(o);
}

borne_ms v201_cost_running(ocpp201_station *o, borne_ms now) {
  borne_ms next = NEVER;
  long every = config_get_int(o->st->cfg, "tariff.running_cost_interval");
  for (int c = 1; c <= o->count; c++) {
    if (!running_priced(o, c)) continue;
    v201_cost *k = o->evse[c - 1].cost; /* priced: it has one */
    borne_ms at;
    if (t21_running_cost_due(&k->running_at, now, every, &at)) {
      step(o, c, now, meter_wh(o, c)); /* the cost as of now */
      v201_send_tx_updated(o, c, "RunningCost");
      /* counted from the event's own time (taken a little after `now`), so
       * that two events are never less than the interval apart */
      k->running_at = now201(o);
      at = k->running_at + every * 1000;
    }
    if (at < next) next = at;
  }
  return next;
}

borne_ms v201_cost_running_next(const ocpp201_station *o) {
  borne_ms next = NEVER;
  long every = config_get_int(o->st->cfg, "tariff.running_cost_interval");
  for (int c = 1; c <= o->count && every > 0; c++)
    if (running_priced(o, c) && cost_seen(o, c)->running_at + every * 1000 < next)
      next = cost_seen(o, c)->running_at + every * 1000;
  return next;
}

/* ---------- incoming calls ---------- */

static void h_cost_updated(ocpp201_station *o, const json_t *req, ocpp_reply *r) {
  ocpp201_CostUpdatedRequest q;
  ocpp_error e;
  if (!v201_decoded(ocpp201_CostUpdatedRequest_decode(req, &q, &e), &e, r)) return;
  int on = 0;
  for (int c = 1; c <= o->count; c++)
    if (o->evse[c - 1].tx_id[0] && !strcmp(o->evse[c - 1].tx_id, q.transactionId)) on = c;
  if (on && cost_seen(o, on)->session == o->evse[on - 1].session_id) {
    set_cost(o, on, q.totalCost, false);
    v201_limits_check(o, now201(o)); /* 2.1 E16: a maxCost reached by the CSMS's cost */
  } else /* the response has no status: an unknown transaction is only logged */
    station_event(o->st, 0, "ocpp_cost", "CostUpdated for a transaction not running here");
  ocpp201_CostUpdatedRequest_free(&q);
  r->result = json_object();
}

static int save_tariffs_row(ocpp201_station *o, int evse, const char *id, const json_t *tf) {
  char *text = json_dumps(tf, JSON_COMPACT);
  sqlite3_stmt *s = text ? store_stmt(o->st->db, "INSERT OR REPLACE INTO ocpp21_tariffs(evse, "
                                                 "tariff_id, tariff) VALUES(?1, ?2, ?3)")
                         : NULL;
  int rc = -1;
  if (s) {
    sqlite3_bind_int(s, 1, evse);
    sqlite3_bind_text(s, 2, id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 3, text, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(s) == SQLITE_DONE ? 0 : -1;
    store_stmt_release(o->st->db, s);
  }
  free(text);
  return rc;
}

static const char *tariff_id_of(const json_t *entry) {
  const char *id = json_string_value(json_object_get(json_object_get(entry, "tariff"), "tariffId"));
  return id ? id : "";
}

/* I07 (2.1): the default tariff of an EVSE (0: of every EVSE without one of
 * its own); one per EVSE, a new one replaces it. */
/* The request's TariffType into t; false when refused (r answered with the
 * TariffSetStatus that says why). */
static bool tariff_of_request(const json_t *tf, tariff21 *t, ocpp_reply *r) {
  const char *why;
  const char *status = v201_tariff_of_json(tf, t, &why);
  if (strcmp(status, "Accepted") == 0) return true;
  v201_reply_status_info(r, status, "InvalidValue", why ? why : status);
  return false;
}

static void h_set_default_tariff(ocpp201_station *o, const json_t *req, ocpp_reply *r) {
  ocpp21_SetDefaultTariffRequest q;
  ocpp_error e;
  if (!v201_decoded(ocpp21_SetDefaultTariffRequest_decode(req, &q, &e), &e, r)) return;
  int evse = (int)q.evseId;
  char id[61];
  snprintf(id, sizeof id, "%s", q.tariff.tariffId);
  ocpp21_SetDefaultTariffRequest_free(&q);
  if (evse > o->count) {
    v201_reply_status_info(r, "Rejected", "UnknownEvse", "no such EVSE");
    return;
  }
  const json_t *tf = json_object_get(req, "tariff");
  tariff21 t;
  if (!tariff_of_request(tf, &t, r)) return;
  if (!tariff_currency_valid(t.currency)) {
    v201_reply_status_info(r, "Rejected", "InvalidValue", "currency is not ISO 4217");
    return;
  }
  size_t i;
  json_t *entry;
  json_array_foreach(o->tariffs, i, entry) {
    int other = (int)json_integer_value(json_object_get(entry, "evse"));
    if (other != evse && !strcmp(tariff_id_of(entry), id)) {
      v201_reply_status_info(r, "DuplicateTariffId", "DuplicateTariffId",
                             "the tariffId is the default tariff of another EVSE");
      return;
    }
  }
  if (save_tariffs_row(o, evse, id, tf) != 0) {
    v201_reply_status_info(r, "Rejected", "InternalError", "cannot save it");
    return;
  }
  for (i = 0; i < json_array_size(o->tariffs); i++)
    if (json_integer_value(json_object_get(json_array_get(o->tariffs, i), "evse")) == evse)
      json_array_remove(o->tariffs, i--);
  json_array_append_new(o->tariffs, json_pack("{s:i, s:O}", "evse", evse, "tariff", tf));
  station_event(o->st, evse, "ocpp_tariff", "default tariff %s set", id);
  v201_reply_status(r, "Accepted");
}

static json_t *assignment(const char *id, const char *kind, const json_t *tf, json_t *evses) {
  json_t *a = json_pack("{s:s, s:s, s:o}", "tariffId", id, "tariffKind", kind, "evseIds", evses);
  const json_t *from = json_object_get(tf, "validFrom");
  if (json_is_string(from)) json_object_set(a, "validFrom", (json_t *)from);
  return a;
}

/* I09 (2.1): the default tariffs of an EVSE (0: all) and the tariffs given
 * to its running transactions. */
static void h_get_tariffs(ocpp201_station *o, const json_t *req, ocpp_reply *r) {
  ocpp21_GetTariffsRequest q;
  ocpp_error e;
  if (!v201_decoded(ocpp21_GetTariffsRequest_decode(req, &q, &e), &e, r)) return;
  int evse = (int)q.evseId;
  ocpp21_GetTariffsRequest_free(&q);
  if (evse < 0 || evse > o->count) {
    v201_reply_status_info(r, "Rejected", "UnknownEvse", "no such EVSE");
    return;
  }
  json_t *list = json_array();
  size_t i;
  const json_t *entry;
  json_array_foreach(o->tariffs, i, entry) {
    int on = (int)json_integer_value(json_object_get(entry, "evse"));
    if (evse && on && on != evse) continue;
    json_t *ids = json_array();
    for (int c = 1; c <= o->count; c++)
      if ((on == 0 || on == c) && (!evse || evse == c)) json_array_append_new(ids, json_integer(c));
    json_array_append_new(list, assignment(tariff_id_of(entry), "DefaultTariff",
                                           json_object_get(entry, "tariff"), ids));
  }
  for (int c = 1; c <= o->count; c++) {
    const v201_cost *k = cost_seen(o, c);
    if ((evse && c != evse) || !k->run || !k->run->driver || k->ended) continue;
    json_array_append_new(
        list, assignment(k->run->r.t.id, "DriverTariff", k->run->tariff, json_pack("[i]", c)));
  }
  bool none = json_array_size(list) == 0;
  r->result = json_pack("{s:s}", "status", none ? "NoTariff" : "Accepted");
  if (none)
    json_decref(list);
  else
    json_object_set_new(r->result, "tariffAssignments", list);
}

/* I10 (2.1): default tariffs by id and/or EVSE (none given: all). */
static void h_clear_tariffs(ocpp201_station *o, const json_t *req, ocpp_reply *r) {
  ocpp21_ClearTariffsRequest q;
  ocpp_error e;
  if (!v201_decoded(ocpp21_ClearTariffsRequest_decode(req, &q, &e), &e, r)) return;
  const json_t *ids = json_object_get(req, "tariffIds");
  int evse = q.has_evseId ? (int)q.evseId : -1;
  ocpp21_ClearTariffsRequest_free(&q);
  json_t *results = json_array();
  for (size_t i = 0; i < json_array_size(o->tariffs); i++) {
    const json_t *entry = json_array_get(o->tariffs, i);
    const char *id = tariff_id_of(entry);
    int on = (int)json_integer_value(json_object_get(entry, "evse"));
    bool named = !json_array_size(ids);
    for (size_t j = 0; j < json_array_size(ids); j++)
      if (!strcmp(json_string_value(json_array_get(ids, j)), id)) named = true;
    if (!named || (evse >= 0 && on != evse)) continue;
    sqlite3_stmt *s = store_stmt(o->st->db, "DELETE FROM ocpp21_tariffs WHERE evse = ?1");
    bool gone = false;
    if (s) {
      sqlite3_bind_int(s, 1, on);
      gone = sqlite3_step(s) == SQLITE_DONE;
      store_stmt_release(o->st->db, s);
    }
    json_array_append_new(
        results, json_pack("{s:s, s:s}", "tariffId", id, "status", gone ? "Accepted" : "Rejected"));
    if (gone) {
      station_event(o->st, on, "ocpp_tariff", "default tariff %s cleared", id);
      json_array_remove(o->tariffs, i--);
    }
  }
  /* a tariffId named that is not (or no longer) here */
  for (size_t j = 0; j < json_array_size(ids); j++) {
    const char *id = json_string_value(json_array_get(ids, j));
    bool done = false;
    for (size_t i = 0; i < json_array_size(results); i++)
      if (!strcmp(json_string_value(json_object_get(json_array_get(results, i), "tariffId")), id))
        done = true;
    if (!done)
      json_array_append_new(results, json_pack("{s:s, s:s}", "tariffId", id, "status", "NoTariff"));
  }
  if (!json_array_size(results))
    json_array_append_new(results, json_pack("{s:s}", "status", "NoTariff"));
  r->result = json_pack("{s:o}", "clearTariffsResult", results);
}

/* I11 (2.1): a running transaction's tariff from now on, in the same
 * currency. */
static void h_change_transaction_tariff(ocpp201_station *o, const json_t *req, ocpp_reply *r) {
  ocpp21_ChangeTransactionTariffRequest q;
  ocpp_error e;
  if (!v201_decoded(ocpp21_ChangeTransactionTariffRequest_decode(req, &q, &e), &e, r)) return;
  int on = 0;
  for (int c = 1; c <= o->count; c++)
    if (o->evse[c - 1].tx_id[0] && !strcmp(o->evse[c - 1].tx_id, q.transactionId)) on = c;
  ocpp21_ChangeTransactionTariffRequest_free(&q);
  if (!on) {
    v201_reply_status(r, "TxNotFound");
    return;
  }
  const json_t *tf = json_object_get(req, "tariff");
  tariff21 t;
  if (!tariff_of_request(tf, &t, r)) return;
  v201_cost *k = cost_of(o, on);
  if (!k || k->session != o->evse[on - 1].session_id) {
    v201_reply_status(r, "TxNotFound");
    return;
  }
  borne_ms now = now201(o);
  if (k->run && strcmp(k->run->r.t.currency, t.currency) != 0) {
    v201_reply_status(r, "NoCurrencyChange");
    return;
  }
  if (!k->run) {
    start_local(o, on, tf, now, meter_wh(o, on), true);
  } else {
    step(o, on, now, meter_wh(o, on));
    t21_change(&k->run->r, &t, now, tz_offset(k->run, now), meter_wh(o, on));
    json_decref(k->run->tariff);
    k->run->tariff = json_deep_copy(tf);
    k->run->driver = true;
    local_total(k);
  }
  save(o, k);
  station_event(o->st, on, "ocpp_tariff", "transaction %s: tariff %s", k->tx, t.id);
  v201_reply_status(r, "Accepted");
  /* the CSMS told of the change and of the cost so far (costDetails) */
  v201_send_tx_updated(o, on, "TariffChanged");
}

static const v201_handler handlers[] = {
    {"CostUpdated", h_cost_updated},
    {"SetDefaultTariff", h_set_default_tariff},
    {"GetTariffs", h_get_tariffs},
    {"ClearTariffs", h_clear_tariffs},
    {"ChangeTransactionTariff", h_change_transaction_tariff},
};
const v201_family v201_cost_calls = {handlers, sizeof handlers / sizeof handlers[0]};
