/*
 * OCPP 2.0.1 functional block G (Availability): StatusNotification per EVSE
 * and connector (G01, ConnectorStatusEnumType, held for
 * MinimumStatusDuration like 1.6) and ChangeAvailability (G03/G04: an EVSE or
 * the whole station, Scheduled while a transaction runs, kept across
 * restarts by the charge-point model). Heartbeat is in provisioning.c. One
 * file of the 2.0.1 dialect's functional blocks.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "ocpp/v201/problem.h"
#include "ocpp/v201/v201_internal.h"
#include "ocpp/v201/vocabulary.h"

void v201_send_status(ocpp201_station *o, int c) {
  v201_evse *k = &o->evse[c - 1];
  k->reported = k->status;
  k->reported_valid = true;
  /* borne's connector c is EVSE c with its one connector */
  json_t *p = json_pack("{s:o, s:s, s:i, s:i}", "timestamp", time201(now201(o)), "connectorStatus",
                        v201_connector_status_name(k->status), "evseId", c, "connectorId", 1);
  v201_send_now(o, "StatusNotification", p);
}

void v201_send_all_statuses(ocpp201_station *o) {
  for (int c = 1; c <= o->count; c++)
    if (o->evse[c - 1].known) v201_send_status(o, c);
}

/* The 2.0.1 word changes less often than borne's status (Preparing, Charging
 * and Finishing are all Occupied): only a change of word is reported. */
borne_ms v201_report_statuses(ocpp201_station *o, borne_ms now) {
  borne_ms hold = key201_int(o, "MinimumStatusDuration") * 1000;
  borne_ms next = NEVER;
  for (int c = 1; c <= o->count; c++) {
    v201_evse *k = &o->evse[c - 1];
    if (!k->known) continue;
    bool changed = !k->reported_valid || strcmp(v201_connector_status_name(k->reported),
                                                v201_connector_status_name(k->status)) != 0;
    if (!changed) continue;
    if (now - k->since >= hold) {
      if (online201(o)) v201_send_status(o, c);
    } else if (k->since + hold < next) {
      next = k->since + hold;
    }
  }
  return next;
}

static void send_problem(ocpp201_station *o, int c, error_code code, bool cleared, int cause) {
  v201_evse *k = &o->evse[c - 1];
  v201_problem p = {.evse = c,
                    .code = code,
                    .cleared = cleared,
                    .event_id = o->next_event_id++,
                    .cause = cause,
                    .tx_id = k->tx_id};
  if (!cleared) k->problem_event_id = p.event_id;
  v201_send_now(o, "NotifyEvent", v201_problem_event(&p, now201(o)));
}

/* What the CSMS heard of each EVSE's fault: a row per EVSE whose fault it
 * was told (its code, the eventId that told it), kept across a restart so a
 * fault that ended while the station was down is cleared after the boot and
 * one still there is not told again. */
static const char *const problem_steps[] = {
    "CREATE TABLE ocpp201_problem_told(evse INTEGER PRIMARY KEY, code INTEGER NOT NULL,"
    " event_id INTEGER NOT NULL)"};

int v201_problems_open(ocpp201_station *o, char *err, size_t errlen) {
  store *db = o->st->db;
  if (store_module_migrate(db, "ocpp201_problem_told", problem_steps, 1) != 0) {
    snprintf(err, errlen, "faults told: %s", store_last_error(db));
    return -1;
  }
  sqlite3_stmt *s = store_stmt(db, "SELECT evse, code, event_id FROM ocpp201_problem_told");
  if (!s) {
    snprintf(err, errlen, "faults told: %s", store_last_error(db));
    return -1;
  }
  while (sqlite3_step(s) == SQLITE_ROW) {
    int c = sqlite3_column_int(s, 0);
    if (c < 1 || c > o->count) continue; /* an EVSE the station no longer has */
    v201_evse *k = &o->evse[c - 1];
    k->problem_told = true;
    k->problem_told_code = (error_code)sqlite3_column_int(s, 1);
    k->problem_event_id = sqlite3_column_int(s, 2);
  }
  store_stmt_release(db, s);
  return 0;
}

/* The EVSE's row follows what was just told; unsynced (a copy of what went
 * out: a cut that loses it tells the fault, or its end, once more). */
static void problem_told_save(ocpp201_station *o, int c) {
  const v201_evse *k = &o->evse[c - 1];
  store *db = o->st->db;
  store_unsynced_begin(db);
  sqlite3_stmt *s =
      store_stmt(db, k->problem_told ? "INSERT OR REPLACE INTO ocpp201_problem_told"
                                       "(evse, code, event_id) VALUES(?, ?, ?)"
                                     : "DELETE FROM ocpp201_problem_told WHERE evse = ?");
  if (s) {
    sqlite3_bind_int(s, 1, c);
    if (k->problem_told) {
      sqlite3_bind_int(s, 2, (int)k->problem_told_code);
      sqlite3_bind_int(s, 3, k->problem_event_id);
    }
    if (sqlite3_step(s) != SQLITE_DONE)
      log_warn(MOD, "EVSE %d: what the CSMS heard of its fault is not kept: %s", c,
               sqlite3_errmsg(store_sqlite(db)));
    store_stmt_release(db, s);
  }
  store_unsynced_end(db);
}

/* G/N07: each EVSE's fault as its Problem variable, told when it appears,
 * changes or clears; while not registered nothing is sent and the
 * difference is told after the next accepted BootNotification (after a
 * restart too: the told state is kept). An EVSE whose state is not known yet
 * waits for it. */
void v201_report_problems(ocpp201_station *o) {
  if (!online201(o)) return;
  for (int c = 1; c <= o->count; c++) {
    v201_evse *k = &o->evse[c - 1];
    if (!k->known) continue;
    if (k->problem == k->problem_told && (!k->problem || k->problem_code == k->problem_told_code))
      continue;
    if (k->problem_told) send_problem(o, c, k->problem_told_code, true, k->problem_event_id);
    if (k->problem) send_problem(o, c, k->problem_code, false, 0);
    k->problem_told = k->problem;
    k->problem_told_code = k->problem_code;
    problem_told_save(o, c);
  }
}

void v201_on_status_changed(void *ctx, int c, connector_status s, error_code e) {
  ocpp201_station *o = ctx;
  v201_evse *k = &o->evse[c - 1];
  /* 2.0.1's StatusNotification has no error code: a fault is a NotifyEvent */
  k->problem = s == STATUS_FAULTED || e != ERR_NONE;
  k->problem_code = k->problem ? e : ERR_NONE;
  /* E10 (TC_E_26_CS): a transaction kept while its car is away
   * (StopTxOnEVSideDisconnect false) leaves the connector Available, its
   * chargingState Idle, until a car comes back */
  if (station_session_without_car(o->st, c) && s != STATUS_FAULTED && s != STATUS_UNAVAILABLE)
    s = STATUS_AVAILABLE;
  bool same = k->known && k->status == s;
  connector_status was = k->known ? k->status : STATUS_UNAVAILABLE;
  k->known = true;
  v201_report_problems(o);
  if (same) return;
  k->status = s;
  k->since = now201(o);
  v201_tx_points_status(o, c, was);
  v201_charging_state_changed(o, c);
  v201_report_statuses(o, k->since);
  v201_monitoring_check(o); /* N07: AvailabilityState, Available */
  v201_arm_tick(o);
  v201_reservation_status_changed(o, c, was, s); /* H04: Removed */
}

static void h_change_availability(ocpp201_station *o, const json_t *req, ocpp_reply *r) {
  ocpp201_ChangeAvailabilityRequest q;
  ocpp_error e;
  if (!v201_decoded(ocpp201_ChangeAvailabilityRequest_decode(req, &q, &e), &e, r)) return;
  bool operative =
      q.operationalStatus == ocpp201_ChangeAvailabilityRequest_operationalStatus_Operative;
  int c = q.has_evse ? (int)q.evse.id : 0;
  bool bad_connector = q.has_evse && q.evse.has_connectorId && q.evse.connectorId != 1;
  ocpp201_ChangeAvailabilityRequest_free(&q);
  if (c < 0 || c > o->count || bad_connector) {
    v201_reply_status(r, "Rejected");
    return;
  }
  bool scheduled = false;
  for (int i = c ? c : 1; i <= (c ? c : o->count); i++) {
    bool waits = !operative && station_has_session(o->st, i);
    if (waits) scheduled = true;
    v201_evse *k = &o->evse[i - 1];
    borne_ms since = k->since;
    cp_availability_save(o->resv, i, operative);
    station_set_available(o->st, i, operative);
    /* Already in the state asked (TC_G_09/12/13/16_CS: Operative to Operative,
     * Inoperative to Inoperative): nothing changed, so nothing was told; the
     * OCTT waits for the state of the connectors all the same. Told again
     * unless a change is still held for MinimumStatusDuration or the EVSE
     * waits for its transaction to end. */
    bool unchanged =
        k->known && k->since == since && k->reported_valid &&
        strcmp(v201_connector_status_name(k->reported), v201_connector_status_name(k->status)) == 0;
    if (unchanged && !waits) v201_send_status(o, i);
  }
  v201_reply_status(r, scheduled ? "Scheduled" : "Accepted");
}

static const v201_handler handlers[] = {
    {"ChangeAvailability", h_change_availability},
};
const v201_family v201_availability_calls = {handlers, sizeof handlers / sizeof handlers[0]};
