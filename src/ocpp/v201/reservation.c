/*
 * OCPP 2.0.1 functional block H (Reservation): ReserveNow on an EVSE or on
 * any EVSE (H01), CancelReservation (H02), the reserved EVSE used by its
 * token (H03: the station admits only it, and TransactionEvent Started
 * names the reservation, transactions.c) and ReservationStatusUpdate
 * Expired when it ends unused (H04), Removed when its EVSE becomes Faulted or
 * Unavailable (the reservation ends: the OCTT's TC_H_20), a station-wide
 * one when no EVSE is operative any more (of its type: connectorType). A
 * ReserveNow with connectorType reserves an EVSE that has that type, or
 * without evseId any one of those EVSEs (H01). The reservations are the charge-point
 * model's (the ones 1.6 makes, kept across restarts). One file of the 2.0.1
 * dialect's functional blocks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ocpp/v201/v201_internal.h"
#include "ocpp21_messages.h" /* generated from the OCPP 2.1 schemas */

static void status_update(ocpp201_station *o, int id, const char *why) {
  v201_send_now(o, "ReservationStatusUpdate",
                json_pack("{s:i, s:s}", "reservationId", id, "reservationUpdateStatus", why));
}

borne_ms v201_expire_reservations(ocpp201_station *o, borne_ms now) {
  for (int c = 0; c <= o->count; c++) {
    int id;
    while ((id = cp_reservation_expired(o->resv, c, now)) != 0) { /* several on 0 */
      if (c == 0)
        station_cancel_reservation_any(o->st, id);
      else
        station_cancel_reservation(o->st, c);
      station_event(o->st, c, "ocpp_reservation", "{\"id\":%d,\"state\":\"expired\"}", id);
      status_update(o, id, "Expired");
    }
  }
  return cp_reservation_next_expiry(o->resv);
}

/* The EVSE's one connector's type, as the device model's
 * Connector.ConnectorType says (connector.N.type). */
static const char *evse_connector_type(const ocpp201_station *o, int c) {
  return v201_connector_type(o->st->cfg, c);
}

/* H01 connectorType without evseId: the EVSEs that have that type (bit
 * c-1 for EVSE c), 0 when none has it. The model's "any EVSE" reservation
 * takes them (cp_reservation_add_among, station_reserve_among): one of them
 * stays free for the token, the EVSEs of other types are not concerned. */
static unsigned evses_of_type(const ocpp201_station *o, const char *type) {
  unsigned among = 0;
  for (int c = 1; c <= o->count; c++)
    if (strcmp(evse_connector_type(o, c), type) == 0) among |= 1u << (c - 1);
  return among;
}

static bool among_has(unsigned among, int c) { return !among || (among >> (c - 1)) & 1u; }

/* H04 / TC_H_20: the reserved EVSE became Faulted or Unavailable (from a
 * status it could be reserved in: not the Unavailable of a start before
 * the self-test): the reservation ends, said Removed. A station-wide one (no
 * evseId) ends so once no EVSE is operative any more (every one Faulted or
 * Unavailable, the last from an operative status): it can no longer be
 * honoured. The OCTT's TC_H_20 names the EVSE's case; the station-wide one
 * is inferred from it and from 1.6's rule (a reservation ends when its
 * connector "or the Charge Point" becomes Faulted or Unavailable). */
static bool inoperative(connector_status s) {
  return s == STATUS_FAULTED || s == STATUS_UNAVAILABLE;
}

/* No EVSE among those of `among` (0: all) is operative any more. */
static bool none_operative(const ocpp201_station *o, unsigned among) {
  for (int i = 1; i <= o->count; i++)
    if (among_has(among, i) && !inoperative(o->evse[i - 1].status)) return false;
  return true;
}

void v201_reservation_status_changed(ocpp201_station *o, int c, connector_status was,
                                     connector_status now) {
  if (!inoperative(now) || inoperative(was)) return;
  bool evse_ends = was == STATUS_AVAILABLE || was == STATUS_RESERVED || was == STATUS_PREPARING;
  cp_reservation list[16];
  int n = cp_reservations_list(o->resv, list, 16);
  for (int i = 0; i < n; i++) {
    if (list[i].id <= 0) continue; /* local ones are src/reservation's */
    int on = list[i].connector;
    /* a station-wide one (of a connectorType: among its EVSEs) */
    bool station_ends = on == 0 && among_has(list[i].among, c) && none_operative(o, list[i].among);
    if (!(on == c && evse_ends) && !station_ends) continue;
    if (cp_reservation_cancel(o->resv, list[i].id) < 0) continue;
    if (on == 0)
      station_cancel_reservation_any(o->st, list[i].id);
    else
      station_cancel_reservation(o->st, on);
    station_event(o->st, on, "ocpp_reservation", "{\"id\":%d,\"state\":\"removed\"}", list[i].id);
    status_update(o, list[i].id, "Removed");
  }
}

/* The members of a ReserveNow borne uses, as the version spoken decodes them:
 * 2.1's IdTokenType has any type string ("VASReference") and 255 characters,
 * its connectorType any string. False: r holds the CALLERROR. */
typedef struct {
  int evse, id;
  char tok[CP_ID_MAX + 1], group[CP_ID_MAX + 1];
  int64_t expiry;
  char type[81]; /* connectorType, "" none */
} reserve_req;

static bool reserve_decode(ocpp201_station *o, const json_t *req, ocpp_reply *r, reserve_req *x) {
  ocpp_error e;
  *x = (reserve_req){0};
  if (o->link && ocpp_link_dialect(o->link) == &ocpp21_dialect) {
    ocpp21_ReserveNowRequest *q = calloc(1, sizeof *q);
    if (!q) {
      r->error_code = ocpp_dialect_code(&ocpp201_dialect, OCPP_ERR_INTERNAL);
      snprintf(r->error_text, sizeof r->error_text, "out of memory");
      return false;
    }
    bool ok = v201_decoded(ocpp21_ReserveNowRequest_decode(req, q, &e), &e, r);
    if (ok) {
      x->evse = q->has_evseId ? (int)q->evseId : 0;
      x->id = (int)q->id;
      snprintf(x->tok, sizeof x->tok, "%s", q->idToken.idToken);
      if (q->has_groupIdToken) snprintf(x->group, sizeof x->group, "%s", q->groupIdToken.idToken);
      timefmt_parse(q->expiryDateTime, &x->expiry);
      if (q->has_connectorType) snprintf(x->type, sizeof x->type, "%s", q->connectorType);
    }
    ocpp21_ReserveNowRequest_free(q);
    free(q);
    return ok;
  }
  ocpp201_ReserveNowRequest q;
  if (!v201_decoded(ocpp201_ReserveNowRequest_decode(req, &q, &e), &e, r)) return false;
  x->evse = q.has_evseId ? (int)q.evseId : 0;
  x->id = (int)q.id;
  snprintf(x->tok, sizeof x->tok, "%s", q.idToken.idToken);
  if (q.has_groupIdToken) snprintf(x->group, sizeof x->group, "%s", q.groupIdToken.idToken);
  timefmt_parse(q.expiryDateTime, &x->expiry);
  const char *t =
      q.has_connectorType ? ocpp201_ReserveNowRequest_connectorType_e_name(q.connectorType) : NULL;
  snprintf(x->type, sizeof x->type, "%s", t ? t : "");
  ocpp201_ReserveNowRequest_free(&q);
  return true;
}

/* Without evseId (any EVSE): the station's state from its EVSEs — one
 * Available: it can be reserved; else Faulted when every EVSE is, Unavailable
 * when none is operative, Occupied (returned as Charging) otherwise. The
 * enum's words for the station are inferred from 1.6's ("connectors or
 * specified connector are in a faulted state"). */
static connector_status any_evse_status(const ocpp201_station *o, unsigned among) {
  int faulted = 0, inoperative_ones = 0, counted = 0;
  for (int c = 1; c <= o->count; c++) {
    if (!among_has(among, c)) continue; /* H01 connectorType: the EVSEs of that type */
    connector_status s = o->evse[c - 1].status;
    if (s == STATUS_AVAILABLE) return STATUS_AVAILABLE;
    counted++;
    if (inoperative(s)) inoperative_ones++;
    if (s == STATUS_FAULTED) faulted++;
  }
  if (counted && faulted == counted) return STATUS_FAULTED;
  if (inoperative_ones == counted) return STATUS_UNAVAILABLE;
  return STATUS_CHARGING;
}

static void h_reserve_now(ocpp201_station *o, const json_t *req, ocpp_reply *r) {
  /* 2.1: an idToken or groupIdToken of up to 255 characters; the station
   * keeps 36 and never cuts one (it could be another badge): Rejected */
  if (!v201_id_fits(json_object_get(req, "idToken")) ||
      !v201_id_fits(json_object_get(req, "groupIdToken"))) {
    v201_reply_status_info(r, "Rejected", "InvalidIdToken",
                           "idToken or groupIdToken longer than the 36 characters this station "
                           "keeps");
    return;
  }
  reserve_req x;
  if (!reserve_decode(o, req, r, &x)) return;
  int c = x.evse;
  int id = x.id;
  const char *tok = x.tok, *group = x.group;
  int64_t expiry = x.expiry;
  const char *type = x.type[0] ? x.type : NULL;
  bool type_missing = false;
  unsigned among = 0; /* without evseId: the EVSEs it may take, 0 all */
  if (type && c > 0 && c <= o->count) {
    type_missing = strcmp(evse_connector_type(o, c), type) != 0; /* that EVSE lacks it */
  } else if (type && c == 0) {
    among = evses_of_type(o, type);
    type_missing = among == 0;                                      /* no EVSE has it */
    if (o->count < 32 && among == (1u << o->count) - 1u) among = 0; /* every EVSE has it */
  }
  const char *status;
  connector_status s = c > 0 && c <= o->count ? o->evse[c - 1].status
                       : c == 0               ? any_evse_status(o, among)
                                              : STATUS_AVAILABLE;
  /* without evseId: any EVSE (H01.FR.04; ReservationCtrlr.NonEvseSpecific is true) */
  /* without evseId: accepted while the Available EVSEs (of its type) can
   * serve it beside the other station-wide reservations, one EVSE each
   * (H01; the OCTT's TC_H_14 / TC_H_16 fill them); else the answer from
   * their statuses, Occupied when some are only kept for the others */
  bool any_fits = c == 0 && !type_missing && station_can_reserve_any(o->st, among, id);
  if (c == 0 && !any_fits && s == STATUS_AVAILABLE) s = STATUS_CHARGING; /* Occupied */
  if (c < 0 || c > o->count || type_missing)
    status = "Rejected";
  else if (s == STATUS_FAULTED)
    status = "Faulted";
  else if (s == STATUS_UNAVAILABLE)
    status = "Unavailable";
  else if (c == 0 && !any_fits)
    status = "Occupied";
  else if (s != STATUS_AVAILABLE && s != STATUS_RESERVED)
    status = "Occupied";
  else if (c > 0 && station_any_needs(o->st, c, id))
    status = "Occupied"; /* kept for the station-wide reservations */
  else {
    int before = cp_reservation_connector(o->resv, id); /* H01.FR.02: the same id replaces it */
    cp_reserve_result res =
        cp_reservation_add_among(o->resv, c, among, id, tok, group[0] ? group : NULL, expiry);
    status = res == CP_RESERVE_ACCEPTED   ? "Accepted"
             : res == CP_RESERVE_OCCUPIED ? "Occupied"
                                          : "Rejected";
    if (res == CP_RESERVE_ACCEPTED) {
      char err[120];
      if (before == 0 && c > 0) /* where it was */
        station_cancel_reservation_any(o->st, id);
      else if (before > 0)
        station_cancel_reservation(o->st, before);
      if (c == 0 && station_reserve_any(o->st, id, among, tok, group[0] ? group : NULL) != 0)
        log_warn(MOD, "reservation %d: the station holds no more", id);
      else if (c > 0 &&
               station_reserve(o->st, c, tok, group[0] ? group : NULL, err, sizeof err) != 0)
        log_warn(MOD, "reservation %d: %s", id, err);
      v201_arm_tick(o);
    }
  }
  v201_reply_status(r, status);
}

static void h_cancel_reservation(ocpp201_station *o, const json_t *req, ocpp_reply *r) {
  ocpp201_CancelReservationRequest q;
  ocpp_error e;
  if (!v201_decoded(ocpp201_CancelReservationRequest_decode(req, &q, &e), &e, r)) return;
  int id = (int)q.reservationId;
  ocpp201_CancelReservationRequest_free(&q);
  int c = cp_reservation_cancel(o->resv, id);
  if (c < 0) {
    v201_reply_status(r, "Rejected");
    return;
  }
  if (c == 0)
    station_cancel_reservation_any(o->st, id); /* the others stay (H02.FR.05/06) */
  else
    station_cancel_reservation(o->st, c);
  v201_reply_status(r, "Accepted");
}

static const v201_handler handlers[] = {
    {"ReserveNow", h_reserve_now},
    {"CancelReservation", h_cancel_reservation},
};
const v201_family v201_reservation_calls = {handlers, sizeof handlers / sizeof handlers[0]};
