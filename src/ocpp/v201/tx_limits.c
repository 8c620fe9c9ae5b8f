/*
 * OCPP 2.1 E16, transactions with a limit (docs/ocpp21.md "Transaction
 * limits"): the transactionLimit of the CSMS's TransactionEventResponse
 * becomes the limit in force on the transaction (kept on disk with its
 * session: a restart, a kill -9, keeps it), confirmed once in a
 * TransactionEvent Updated, triggerReason LimitSet, with
 * transactionInfo.transactionLimit; once the energy since the start, the
 * time since the start or the running cost reaches it, the station
 * suspends the energy (the EVSE held at 0 A, LIMIT_TRANSACTION: chargingState
 * SuspendedEVSE) and says so in an Updated whose triggerReason is
 * EnergyLimitReached / TimeLimitReached / CostLimitReached; the transaction
 * goes on, and ends as its TxStopPoint says (the car leaving, the driver's
 * badge; EnergyTransfer: at once, that Ended saying the limit), its
 * stoppedReason EnergyLimitReached / TimeLimitReached / LocalOutOfCredit. A
 * limit the CSMS raises above what the transaction did lets the energy flow
 * again. maxSoC is not taken: an AC station without ISO 15118 does not know
 * the EV's state of charge. Under 2.0.1 nothing of this happens (the member
 * does not exist there). The pure part is txlimit.c.
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "ocpp/v201/v201_internal.h"

#define SUPPORTED V201_TXLIM_SUPPORTED

static const char *const steps[] = {
    "CREATE TABLE ocpp201_tx_limit(session_id INTEGER PRIMARY KEY, lim TEXT NOT NULL)"};

static bool speaks21(const ocpp201_station *o) {
  return o->link && ocpp_link_dialect(o->link) == &ocpp21_dialect;
}

int v201_limits_schema(store *db) { return store_module_migrate(db, "ocpp201_tx_limit", steps, 1); }

int v201_limits_open(ocpp201_station *o, char *err, size_t errlen) {
  if (v201_limits_schema(o->st->db) != 0) {
    snprintf(err, errlen, "transaction limits: %s", store_last_error(o->st->db));
    return -1;
  }
  /* the rows of sessions that ended while another dialect ran */
  sqlite3_stmt *s = store_stmt(o->st->db, "DELETE FROM ocpp201_tx_limit WHERE session_id IN "
                                          "(SELECT id FROM sessions WHERE stop_ms != 0)");
  if (s) {
    if (sqlite3_step(s) != SQLITE_DONE)
      log_warn(MOD, "transaction limits: %s", store_last_error(o->st->db));
    store_stmt_release(o->st->db, s);
  }
  return 0;
}

/* The session's limit on disk (empty: the row removed); false on error. */
static bool write_limit(ocpp201_station *o, int64_t session, const v201_txlimit *l) {
  json_t *j = v201_txlimit_json(l);
  char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
  json_decref(j);
  sqlite3_stmt *s =
      store_stmt(o->st->db, text ? "INSERT OR REPLACE INTO ocpp201_tx_limit VALUES(?, ?)"
                                 : "DELETE FROM ocpp201_tx_limit WHERE session_id = ?");
  bool ok = false;
  if (s) {
    sqlite3_bind_int64(s, 1, session);
    if (text) sqlite3_bind_text(s, 2, text, -1, SQLITE_TRANSIENT);
    ok = sqlite3_step(s) == SQLITE_DONE;
    store_stmt_release(o->st->db, s);
  }
  free(text);
  if (!ok)
    log_error(MOD, "session %lld: its transaction limit is not kept: %s", (long long)session,
              store_last_error(o->st->db));
  return ok;
}

static void read_limit(ocpp201_station *o, int64_t session, v201_txlimit *out) {
  memset(out, 0, sizeof *out);
  sqlite3_stmt *s = store_stmt(o->st->db, "SELECT lim FROM ocpp201_tx_limit WHERE session_id = ?");
  if (!s) return;
  sqlite3_bind_int64(s, 1, session);
  if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0)) {
    json_t *j = json_loads((const char *)sqlite3_column_text(s, 0), 0, NULL);
    (void)v201_txlimit_parse(j, SUPPORTED, out);
    json_decref(j);
  }
  store_stmt_release(o->st->db, s);
}

void v201_limits_session_started(ocpp201_station *o, int c, const station_session_info *s) {
  v201_evse *k = &o->evse[c - 1];
  k->limit_hit = V201_TXLIM_NONE;
  k->limit_untold = false;
  k->hold_applied = false; /* a new session: the core offers it current */
  k->limit_start_ms = s->start_ms;
  k->limit_start_wh = s->meter_start_wh;
  memset(&k->limit, 0, sizeof k->limit);
  if (s->resumed) read_limit(o, s->id, &k->limit);
}

void v201_limits_session_stopped(ocpp201_station *o, int c, int64_t session_id,
                                 const char **trigger, const char **stopped) {
  v201_evse *k = &o->evse[c - 1];
  /* its end says the limit: the trigger when no Updated told it yet, the
   * stoppedReason always (the energy ended for it; the car leaving, the
   * badge, came after) */
  if (k->limit_hit) {
    (void)v201_limits_told(o, c, trigger, NULL);
    *stopped = v201_txlimit_stopped(k->limit_hit);
  }
  if (!v201_txlimit_empty(&k->limit)) {
    v201_txlimit none = {0};
    (void)write_limit(o, session_id, &none); /* in the session's commit */
  }
  memset(&k->limit, 0, sizeof k->limit);
  k->limit_hit = V201_TXLIM_NONE;
  k->limit_untold = false;
  k->hold_applied = false; /* the core cleared LIMIT_TRANSACTION with the session */
}

bool v201_limits_told(ocpp201_station *o, int c, const char **trigger, const char **stopped) {
  v201_evse *k = &o->evse[c - 1];
  if (!k->limit_hit || !k->limit_untold) return false;
  k->limit_untold = false;
  *trigger = v201_txlimit_trigger(k->limit_hit);
  if (stopped) *stopped = v201_txlimit_stopped(k->limit_hit);
  return true;
}

/* EVSE c held at 0 A while its transaction's limit is reached, else let go. */
static void apply_hold(ocpp201_station *o, int c) {
  v201_evse *k = &o->evse[c - 1];
  bool hold = k->session_id && k->limit_hit;
  if (hold == k->hold_applied) return;
  k->hold_applied = hold;
  station_set_limit(o->st, c, LIMIT_TRANSACTION, hold ? 0 : -1);
}

static v201_txlimit_usage usage_of(const ocpp201_station *o, int c, borne_ms now) {
  const v201_evse *k = &o->evse[c - 1];
  const station_connector *rt = &o->st->conn[c - 1];
  v201_txlimit_usage u = {.elapsed = now - k->limit_start_ms};
  if (rt->meter_ok) u.energy_wh = rt->meter.energy_import_wh - k->limit_start_wh;
  /* the running cost: the CSMS's (totalCost, CostUpdated) or the local
   * tariff's, as the driver is shown it (cost.c) */
  const v201_cost *cost = k->cost; /* NULL: the EVSE never had a session's cost */
  if (cost && cost->session == k->session_id && cost->known && !cost->ended) {
    u.cost_known = true;
    u.cost = cost->total;
  }
  return u;
}

static void check_one(ocpp201_station *o, int c, borne_ms now) {
  v201_evse *k = &o->evse[c - 1];
  if (!k->session_id || k->limit_hit || v201_txlimit_empty(&k->limit)) return;
  v201_txlimit_usage u = usage_of(o, c, now);
  v201_txlimit_kind hit = v201_txlimit_reached(&k->limit, &u);
  if (!hit) return;
  k->limit_hit = hit;
  k->limit_untold = true;
  station_event(
      o->st, c, "ocpp_tx_limit_reached",
      "{\"transaction_id\":\"%s\",\"limit\":\"%s\",\"energy_wh\":%.1f,\"elapsed_s\":%lld}",
      k->tx_id, v201_txlimit_trigger(hit), u.energy_wh, (long long)(u.elapsed / 1000));
  /* the energy suspended, the transaction goes on: the EVSE's change to
   * SuspendedEVSE is the Updated that says the limit (or, TxStopPoint
   * EnergyTransfer, the Ended: v201_limits_told); one already suspended
   * changes nothing, so it is said here */
  apply_hold(o, c);
  const char *trigger = NULL;
  if (v201_limits_told(o, c, &trigger, NULL)) v201_send_tx_updated(o, c, trigger);
}

borne_ms v201_limits_check(ocpp201_station *o, borne_ms now) {
  for (int c = 1; c <= o->count; c++) {
    check_one(o, c, now);
    apply_hold(o, c);
  }
  return v201_limits_next(o);
}

borne_ms v201_limits_next(const ocpp201_station *o) {
  borne_ms next = NEVER;
  for (int c = 1; c <= o->count; c++) {
    const v201_evse *k = &o->evse[c - 1];
    if (!k->session_id || k->limit_hit) continue;
    borne_ms due = v201_txlimit_time_due(&k->limit, k->limit_start_ms);
    if (due < next) next = due;
  }
  return next;
}

void v201_limits_answered(ocpp201_station *o, int64_t session_id, const json_t *result) {
  v201_txlimit update;
  if (!speaks21(o) || !session_id ||
      !v201_txlimit_parse(json_object_get(result, "transactionLimit"), SUPPORTED, &update))
    return;
  int c = 0;
  for (int i = 1; i <= o->count; i++)
    if (o->evse[i - 1].session_id == session_id) c = i;
  v201_evse *k = c ? &o->evse[c - 1] : NULL;
  if (!k || !k->tx_id[0] || k->txp.done) return; /* over, or ended with the energy */
  v201_txlimit merged = v201_txlimit_merge(&k->limit, &update);
  if (v201_txlimit_equal(&merged, &k->limit)) return; /* told again: confirmed already */
  k->limit = merged;
  borne_ms now = now201(o);
  v201_txlimit_usage u = usage_of(o, c, now);
  v201_txlimit_kind was = k->limit_hit;
  if (was && !v201_txlimit_reached(&merged, &u)) {
    /* raised above what the transaction did: the energy may flow again
     * (after the LimitSet below, its own Updated as the state changes) */
    k->limit_hit = V201_TXLIM_NONE;
    k->limit_untold = false;
  }
  json_t *j = v201_txlimit_json(&merged);
  store *db = o->st->db;
  bool batch = store_batch_begin(db) == 0; /* the limit and its LimitSet in one commit */
  (void)write_limit(o, session_id, &merged);
  v201_send_tx_limit_set(o, c, j);
  if (batch && store_batch_end(db) != 0)
    log_error(MOD, "session %lld: its transaction limit is not kept: %s", (long long)session_id,
              store_last_error(db));
  char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
  station_event(o->st, c, "ocpp_tx_limit", "%s", text ? text : "{}");
  free(text);
  json_decref(j);
  if (was && !k->limit_hit) {
    station_event(o->st, c, "ocpp_tx_limit_lifted", "{\"transaction_id\":\"%s\",\"limit\":\"%s\"}",
                  k->tx_id, v201_txlimit_trigger(was));
    apply_hold(o, c);
  }
  check_one(o, c, now); /* a limit below what it did already: at once */
  v201_arm_tick(o);
}
