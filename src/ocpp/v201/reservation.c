/*
 * OCPP 2.0.1 functional block H (Reservation): ReserveNow on an EVSE or on
 * any EVSE (H01), CancelReservation (H02), the reserved EVSE used by its
 * token (H03: the station admits only it, and TransactionEvent Started
 * names the reservation, transactions.c) and ReservationStatusUpdate
 * Expired when it ends unused (H04). The reservations are the charge-point
 * model's (the ones 1.6 makes, kept across restarts). One file of the 2.0.1
 * dialect's functional blocks.
 */
#include <string.h>

#include "ocpp/v201/v201_internal.h"

static void status_update(ocpp201_station *o, int id, const char *why) {
  v201_send_now(o, "ReservationStatusUpdate",
                json_pack("{s:i, s:s}", "reservationId", id, "reservationUpdateStatus", why));
}

borne_ms v201_expire_reservations(ocpp201_station *o, borne_ms now) {
  for (int c = 0; c <= o->count; c++) {
    int id = cp_reservation_expired(o->resv, c, now);
    if (!id) continue;
    station_cancel_reservation(o->st, c);
    station_event(o->st, c, "ocpp_reservation", "{\"id\":%d,\"state\":\"expired\"}", id);
    status_update(o, id, "Expired");
  }
  return cp_reservation_next_expiry(o->resv);
}

static void h_reserve_now(ocpp201_station *o, const json_t *req, ocpp_reply *r) {
  ocpp201_ReserveNowRequest q;
  ocpp_error e;
  if (!v201_decoded(ocpp201_ReserveNowRequest_decode(req, &q, &e), &e, r)) return;
  int c = q.has_evseId ? (int)q.evseId : 0;
  int id = (int)q.id;
  char tok[CP_ID_MAX + 1], group[CP_ID_MAX + 1] = "";
  snprintf(tok, sizeof tok, "%s", q.idToken.idToken);
  if (q.has_groupIdToken) snprintf(group, sizeof group, "%s", q.groupIdToken.idToken);
  int64_t expiry = 0;
  timefmt_parse(q.expiryDateTime, &expiry);
  ocpp201_ReserveNowRequest_free(&q);
  const char *status;
  connector_status s = c > 0 && c <= o->count ? o->evse[c - 1].status : STATUS_AVAILABLE;
  /* without evseId: any EVSE (H01.FR.04; ReservationCtrlr.NonEvseSpecific is true) */
  if (c < 0 || c > o->count)
    status = "Rejected";
  else if (s == STATUS_FAULTED)
    status = "Faulted";
  else if (s == STATUS_UNAVAILABLE)
    status = "Unavailable";
  else if (s != STATUS_AVAILABLE && s != STATUS_RESERVED)
    status = "Occupied";
  else {
    cp_reserve_result res =
        cp_reservation_add(o->resv, c, id, tok, group[0] ? group : NULL, expiry);
    status = res == CP_RESERVE_ACCEPTED   ? "Accepted"
             : res == CP_RESERVE_OCCUPIED ? "Occupied"
                                          : "Rejected";
    if (res == CP_RESERVE_ACCEPTED) {
      char err[120];
      if (station_reserve(o->st, c, tok, group[0] ? group : NULL, err, sizeof err) != 0)
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
  station_cancel_reservation(o->st, c);
  v201_reply_status(r, "Accepted");
}

static const v201_handler handlers[] = {
    {"ReserveNow", h_reserve_now},
    {"CancelReservation", h_cancel_reservation},
};
const v201_family v201_reservation_calls = {handlers, sizeof handlers / sizeof handlers[0]};
