/*
 * OCPP 1.6 remote control by the central system: RemoteStartTransaction
 * (5.11) and RemoteStopTransaction (5.12), Reset (5.14), UnlockConnector
 * (5.18), ChangeAvailability (5.2), ReserveNow (5.13) and CancelReservation
 * (5.1) with the reservations' expiry, TriggerMessage (5.17) and the
 * security whitepaper's ExtendedTriggerMessage with the messages they ask
 * for. One file of the 1.6 dialect's message families.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ocpp/v16/v16_internal.h"
#include "ocpp/v16/vocabulary.h"

borne_ms v16_expire_reservations(ocpp16_station *o, borne_ms now) {
  borne_ms next = NEVER;
  for (int c = 0; c <= o->count; c++) {
    int id = cp_reservation_expired(o->resv, c, now);
    if (id) {
      if (c == 0)
        station_cancel_reservation_any(o->st, id);
      else
        station_cancel_reservation(o->st, c);
      station_event(o->st, c, "ocpp_reservation", "{\"id\":%d,\"state\":\"expired\"}", id);
    }
  }
  borne_ms e = cp_reservation_next_expiry(o->resv);
  return e < next ? e : next;
}

static int pick_connector(ocpp16_station *o, int requested) {
  if (requested > 0) return requested <= o->count ? requested : -1;
  for (int c = 1; c <= o->count; c++) /* a car waiting for authorization first */
    if (station_waiting_for_authorization(o->st, c)) return c;
  for (int c = 1; c <= o->count; c++)
    if (o->conn[c - 1].status == STATUS_AVAILABLE) return c;
  return -1;
}

typedef struct {
  ocpp16_station *o;
  int connector;
  char tag[21];
} remote_ctx;

static void remote_start_now(ocpp16_station *o, int c, const char *tag, const char *parent) {
  char err[160];
  (void)parent;
  if (station_remote_start_authorized(o->st, c, tag, NULL, err, sizeof err) != 0)
    log_warn(MOD, "remote start on %d: %s", c, err);
}

static void remote_authorize_answer(void *ctx, const json_t *result, const char *code,
                                    const char *text) {
  remote_ctx *r = ctx;
  (void)code, (void)text;
  if (!r->o->closing && result) {
    cp_token_info info;
    bool known = v16_token_info(json_object_get(result, "idTagInfo"), &info);
    cp_auth_policy p = v16_auth_policy(r->o->st->cfg);
    if (cp_auth_answered(r->o->auth, &p, r->tag, known ? &info : NULL, now_of(r->o)) ==
        CP_AUTH_ACCEPT)
      remote_start_now(r->o, r->connector, r->tag, NULL);
    else
      station_event(r->o->st, r->connector, "auth_refused", "%s", r->tag);
  }
  free(r);
}

static void remote_start(ocpp16_station *o, const ocpp16_RemoteStartTransactionRequest *q,
                         ocpp_reply *r) {
  const char *tag = q->idTag;
  /* 5.11: a connectorId, when given, is > 0; 0 names no connector (OCTT
   * TC_027_CS wants Rejected). Omitted, the station picks one. */
  int c = q->has_connectorId && q->connectorId == 0
              ? -1
              : pick_connector(o, q->has_connectorId ? (int)q->connectorId : 0);
  if (c < 0 || station_has_session(o->st, c) || o->conn[c - 1].status == STATUS_FAULTED ||
      o->conn[c - 1].status == STATUS_UNAVAILABLE ||
      !station_reservation_admits(o->st, c, tag, NULL)) {
    v16_reply_status(r, "Rejected");
    return;
  }
  if (q->has_chargingProfile) {
    /* a TxProfile for the transaction this start makes (5.11) */
    cp_charging_profile p;
    cp_schedule_period *periods = NULL;
    bool ok =
        q->chargingProfile.chargingProfilePurpose ==
            ocpp16_RemoteStartTransactionRequest_chargingProfile_chargingProfilePurpose_TxProfile &&
        v16_remote_start_profile_decode(&q->chargingProfile, &p, &periods) == 0 &&
        cp_profiles_set_for_next_transaction(o->smart, c, &p, now_of(o)) == CP_PROFILE_ACCEPTED;
    free(periods);
    if (!ok) {
      v16_reply_status(r, "Rejected");
      return;
    }
  }
  v16_reply_status(r, "Accepted");
  if (key_bool(o, "AuthorizeRemoteTxRequests")) {
    /* 5.11: as a local action would, the local list and the cache first:
     * with LocalPreAuthorize a valid entry starts it without an Authorize */
    cp_auth_policy p = v16_auth_policy(o->st->cfg);
    char group[CP_ID_MAX + 1] = "";
    if (cp_auth_begin(o->auth, &p, tag, true, now_of(o), group) == CP_AUTH_ACCEPT) {
      remote_start_now(o, c, tag, group);
      return;
    }
    remote_ctx *x = calloc(1, sizeof *x);
    x->o = o;
    x->connector = c;
    snprintf(x->tag, sizeof x->tag, "%s", tag);
    if (ocpp_link_call(o->link, "Authorize", json_pack("{s:s}", "idTag", tag),
                       remote_authorize_answer, x) != 0)
      free(x);
    return;
  }
  remote_start_now(o, c, tag, NULL);
}

static void h_remote_start(ocpp16_station *o, const json_t *req, ocpp_reply *r) {
  ocpp16_RemoteStartTransactionRequest q;
  ocpp_error e;
  if (!v16_decoded(ocpp16_RemoteStartTransactionRequest_decode(req, &q, &e), &e, r)) return;
  remote_start(o, &q, r);
  ocpp16_RemoteStartTransactionRequest_free(&q);
}

static void h_remote_stop(ocpp16_station *o, const json_t *req, ocpp_reply *r) {
  ocpp16_RemoteStopTransactionRequest q;
  ocpp_error e;
  if (!v16_decoded(ocpp16_RemoteStopTransactionRequest_decode(req, &q, &e), &e, r)) return;
  int tx = (int)q.transactionId;
  ocpp16_RemoteStopTransactionRequest_free(&q);
  int c = tx ? connector_of_transaction(o, tx) : 0;
  char err[160];
  if (!c || station_remote_stop(o->st, c, err, sizeof err) != 0) {
    v16_reply_status(r, "Rejected");
    return;
  }
  v16_reply_status(r, "Accepted");
}

static void h_change_availability(ocpp16_station *o, const json_t *req, ocpp_reply *r) {
  ocpp16_ChangeAvailabilityRequest q;
  ocpp_error e;
  if (!v16_decoded(ocpp16_ChangeAvailabilityRequest_decode(req, &q, &e), &e, r)) return;
  int c = (int)q.connectorId;
  bool operative = q.type == ocpp16_ChangeAvailabilityRequest_type_Operative;
  ocpp16_ChangeAvailabilityRequest_free(&q);
  if (c < 0 || c > o->count) {
    v16_reply_status(r, "Rejected");
    return;
  }
  bool scheduled = false;
  for (int i = c ? c : 1; i <= (c ? c : o->count); i++) {
    if (!operative && station_has_session(o->st, i)) scheduled = true;
    cp_availability_save(o->resv, i, operative);
    station_set_available(o->st, i, operative);
  }
  v16_reply_status(r, scheduled ? "Scheduled" : "Accepted");
}

/* Reset.conf is on the wire: stop the running transactions first (1.6 5.14:
 * gracefully, StopTransaction with reason SoftReset or HardReset), then
 * restart once their StopTransaction answers came back or after
 * RESET_STOP_MAX_MS (v16_flush_check_cb). The StopTransactions are in the
 * journal before anything is sent, so what the time cuts off is sent after
 * the restart. */
static void reset_cb(uv_timer_t *t) {
  ocpp16_station *o = t->data;
  stop_reason why = o->reset_hard ? STOP_HARD_RESET : STOP_SOFT_RESET;
  for (int c = 1; c <= o->count; c++)
    if (station_has_session(o->st, c))
      station_connector_event(o->st, c, &(cs_event){.type = CS_EV_STOP, .reason = why});
  o->restart_why = BOOT_REASON_REMOTE_RESET;
  o->restart_pending = true;
  o->restart_deadline = uv_now(o->st->loop) + RESET_STOP_MAX_MS;
  lazy_timer_start(&o->reset_timer, o->st->loop, v16_flush_check_cb, o, 0, 0);
}

static void h_reset(ocpp16_station *o, const json_t *req, ocpp_reply *r) {
  ocpp16_ResetRequest q;
  ocpp_error e;
  if (!v16_decoded(ocpp16_ResetRequest_decode(req, &q, &e), &e, r)) return;
  o->reset_hard = q.type == ocpp16_ResetRequest_type_Hard;
  ocpp16_ResetRequest_free(&q);
  v16_reply_status(r, "Accepted");
  v16_security_event(o, "ResetOrReboot",
                     o->reset_hard ? "Hard reset by the back end" : "Soft reset by the back end");
  lazy_timer_start(&o->reset_timer, o->st->loop, reset_cb, o, RESET_FLUSH_MS, 0);
}

static void h_unlock(ocpp16_station *o, const json_t *req, ocpp_reply *r) {
  ocpp16_UnlockConnectorRequest q;
  ocpp_error e;
  if (!v16_decoded(ocpp16_UnlockConnectorRequest_decode(req, &q, &e), &e, r)) return;
  int c = (int)q.connectorId;
  ocpp16_UnlockConnectorRequest_free(&q);
  if (c < 1 || c > o->count || station_connector_tethered(o->st, c)) {
    v16_reply_status(r, "NotSupported");
    return;
  }
  /* the session ends (UnlockCommand); the answer says whether the lock
   * opened, once its switch tells (TC_030_CS) */
  ocpp_core_unlock(o->shared, c, r);
}

/* ReserveNow of connector 0 with no connector free (OCTT TC_050_3_CS: the
 * Charge Point made unavailable answers Unavailable): the reason the
 * connectors give, all faulted, all out of service, or Occupied; NULL when
 * one is Available or Reserved (the model then decides). */
static const char *station_wide_refusal(const ocpp16_station *o) {
  bool all_faulted = true, all_out = true;
  for (int i = 0; i < o->count; i++) {
    connector_status s = o->conn[i].status;
    if (s == STATUS_AVAILABLE || s == STATUS_RESERVED) return NULL;
    all_faulted = all_faulted && s == STATUS_FAULTED;
    all_out = all_out && (s == STATUS_FAULTED || s == STATUS_UNAVAILABLE);
  }
  return all_faulted ? "Faulted" : all_out ? "Unavailable" : "Occupied";
}

static void h_reserve_now(ocpp16_station *o, const json_t *req, ocpp_reply *r) {
  ocpp16_ReserveNowRequest q;
  ocpp_error e;
  if (!v16_decoded(ocpp16_ReserveNowRequest_decode(req, &q, &e), &e, r)) return;
  int c = (int)q.connectorId;
  const char *tag = q.idTag;
  const char *parent = q.has_parentIdTag ? q.parentIdTag : NULL;
  int id = (int)q.reservationId;
  int64_t expiry = 0;
  timefmt_parse(q.expiryDate, &expiry);
  const char *status;
  /* connector 0 (any connector) is always supported: GetConfiguration says
   * ReserveConnectorZeroSupported=true, a fixed value */
  if (c < 0 || c > o->count) {
    status = "Rejected";
  } else if (c == 0 && station_wide_refusal(o)) {
    status = station_wide_refusal(o);
  } else if (c > 0 && o->conn[c - 1].status == STATUS_FAULTED) {
    status = "Faulted";
  } else if (c > 0 && o->conn[c - 1].status == STATUS_UNAVAILABLE) {
    status = "Unavailable";
  } else if (c > 0 && o->conn[c - 1].status != STATUS_AVAILABLE &&
             o->conn[c - 1].status != STATUS_RESERVED) {
    status = "Occupied";
  } else {
    int before = cp_reservation_connector(o->resv, id); /* 5.13: the same id replaces it */
    status = v16_reservation_status(cp_reservation_add(o->resv, c, id, tag, parent, expiry));
    if (strcmp(status, "Accepted") == 0) {
      char err[120];
      if (before == 0 && c != 0) /* where it was */
        station_cancel_reservation_any(o->st, id);
      else if (before > 0 && before != c)
        station_cancel_reservation(o->st, before);
      if (c == 0)
        station_reserve_any(o->st, id, 0, tag, parent); /* the one of connector 0 */
      else
        station_reserve(o->st, c, tag, parent, err, sizeof err);
      v16_arm_tick(o);
    }
  }
  v16_reply_status(r, status);
  ocpp16_ReserveNowRequest_free(&q);
}

static void h_cancel_reservation(ocpp16_station *o, const json_t *req, ocpp_reply *r) {
  ocpp16_CancelReservationRequest q;
  ocpp_error e;
  if (!v16_decoded(ocpp16_CancelReservationRequest_decode(req, &q, &e), &e, r)) return;
  int id = (int)q.reservationId;
  ocpp16_CancelReservationRequest_free(&q);
  int c = cp_reservation_cancel(o->resv, id);
  if (c < 0) {
    v16_reply_status(r, "Rejected");
    return;
  }
  if (c == 0)
    station_cancel_reservation_any(o->st, id);
  else
    station_cancel_reservation(o->st, c);
  v16_reply_status(r, "Accepted");
}

/* What TriggerMessage may ask for (DiagnosticsStatusNotification, not the
 * security whitepaper's log and certificate messages)... */
static unsigned trigger_of(ocpp16_TriggerMessageRequest_requestedMessage_e m) {
  switch (m) {
  case ocpp16_TriggerMessageRequest_requestedMessage_BootNotification:
    return TRIG_BOOT;
  case ocpp16_TriggerMessageRequest_requestedMessage_DiagnosticsStatusNotification:
    return TRIG_DIAG;
  case ocpp16_TriggerMessageRequest_requestedMessage_FirmwareStatusNotification:
    return TRIG_FIRMWARE;
  case ocpp16_TriggerMessageRequest_requestedMessage_Heartbeat:
    return TRIG_HEARTBEAT;
  case ocpp16_TriggerMessageRequest_requestedMessage_MeterValues:
    return TRIG_METER;
  case ocpp16_TriggerMessageRequest_requestedMessage_StatusNotification:
    return TRIG_STATUS;
  }
  return 0;
}

/* ... and what ExtendedTriggerMessage may (LogStatusNotification and
 * SignChargePointCertificate, no DiagnosticsStatusNotification). */
static unsigned extended_trigger_of(ocpp16_ExtendedTriggerMessageRequest_requestedMessage_e m) {
  switch (m) {
  case ocpp16_ExtendedTriggerMessageRequest_requestedMessage_BootNotification:
    return TRIG_BOOT;
  case ocpp16_ExtendedTriggerMessageRequest_requestedMessage_LogStatusNotification:
    return TRIG_LOG;
  case ocpp16_ExtendedTriggerMessageRequest_requestedMessage_FirmwareStatusNotification:
    return TRIG_FIRMWARE;
  case ocpp16_ExtendedTriggerMessageRequest_requestedMessage_Heartbeat:
    return TRIG_HEARTBEAT;
  case ocpp16_ExtendedTriggerMessageRequest_requestedMessage_MeterValues:
    return TRIG_METER;
  case ocpp16_ExtendedTriggerMessageRequest_requestedMessage_SignChargePointCertificate:
    return TRIG_SIGN;
  case ocpp16_ExtendedTriggerMessageRequest_requestedMessage_StatusNotification:
    return TRIG_STATUS;
  }
  return 0;
}

static void h_trigger(ocpp16_station *o, const json_t *req, ocpp_reply *r, bool extended) {
  unsigned bit;
  int c = 0;
  ocpp_error e;
  if (extended) {
    ocpp16_ExtendedTriggerMessageRequest q;
    if (!v16_decoded(ocpp16_ExtendedTriggerMessageRequest_decode(req, &q, &e), &e, r)) return;
    bit = extended_trigger_of(q.requestedMessage);
    if (q.has_connectorId) c = (int)q.connectorId;
    ocpp16_ExtendedTriggerMessageRequest_free(&q);
  } else {
    ocpp16_TriggerMessageRequest q;
    if (!v16_decoded(ocpp16_TriggerMessageRequest_decode(req, &q, &e), &e, r)) return;
    bit = trigger_of(q.requestedMessage);
    if (q.has_connectorId) c = (int)q.connectorId;
    ocpp16_TriggerMessageRequest_free(&q);
  }
  if (!bit) {
    v16_reply_status(r, "NotImplemented");
    return;
  }
  if (bit == TRIG_SIGN && !key_str(o, "CpoName")[0]) {
    /* the CSR's organizationName must be CpoName (security whitepaper A02) */
    log_warn(MOD, "SignChargePointCertificate refused: the CpoName key is empty");
    v16_reply_status(r, "Rejected");
    return;
  }
  if (c < 0 || c > o->count) {
    v16_reply_status(r, "Rejected");
    return;
  }
  o->trigger |= bit;
  o->trigger_connector = c;
  v16_reply_status(r, "Accepted");
}

static void h_trigger_message(ocpp16_station *o, const json_t *req, ocpp_reply *r) {
  h_trigger(o, req, r, false);
}

static void h_extended_trigger_message(ocpp16_station *o, const json_t *req, ocpp_reply *r) {
  h_trigger(o, req, r, true);
}

/* Triggered messages go out after the TriggerMessage answer (OCPP 1.6 5.17). */
void v16_send_triggered(ocpp16_station *o) {
  unsigned t = o->trigger;
  int c = o->trigger_connector;
  o->trigger = 0;
  if (t & TRIG_BOOT) v16_send_boot(o);
  if (t & TRIG_HEARTBEAT) v16_send_heartbeat(o);
  if (t & TRIG_STATUS) {
    if (c)
      v16_send_status(o, c);
    else
      v16_send_all_statuses(o);
  }
  if (t & TRIG_METER)
    for (int i = c ? c : 1; i <= (c ? c : o->count); i++) {
      const char *measurands = key_str(o, "MeterValuesSampledData");
      borne_ms at = now_of(o);
      json_t *one = v16_meter_value(o, i, measurands, "Trigger", at);
      if (!one) continue; /* nothing measured: no empty MeterValues */
      /* a transaction's: signed with SampledDataSignReadings, the record on
       * disk before the message is sent */
      v16_sign_reading(o, i, "Trigger", measurands, at, one);
      json_t *mv = json_array();
      json_array_append_new(mv, one);
      json_t *p = json_pack("{s:i, s:o}", "connectorId", i, "meterValue", mv);
      if (o->conn[i - 1].transaction_id)
        json_object_set_new(p, "transactionId", json_integer(o->conn[i - 1].transaction_id));
      v16_send_now(o, "MeterValues", p);
    }
  if (t & TRIG_FIRMWARE) {
    fw_status s = station_firmware_busy(o->st) ? o->fw_last : FW_IDLE;
    v16_send_now(o, "FirmwareStatusNotification",
                 json_pack("{s:s}", "status",
                           v16_firmware_status_name(s) ? v16_firmware_status_name(s) : "Idle"));
  }
  if (t & TRIG_DIAG)
    v16_send_now(
        o, "DiagnosticsStatusNotification",
        json_pack("{s:s}", "status", o->diag && diagnostics_busy(o->diag) ? "Uploading" : "Idle"));
  if (t & TRIG_LOG)
    v16_send_now(o, "LogStatusNotification",
                 json_pack("{s:s, s:i}", "status",
                           o->diag && diagnostics_busy(o->diag) ? "Uploading" : "Idle", "requestId",
                           o->log_request_id));
  if (t & TRIG_SIGN) v16_send_sign_certificate(o);
}

/* The incoming CALLs of this family (gathered by on_call in ocpp16_module.c). */
static const v16_handler handlers[] = {
    {"RemoteStartTransaction", h_remote_start, false},
    {"RemoteStopTransaction", h_remote_stop, false},
    {"ChangeAvailability", h_change_availability, false},
    {"Reset", h_reset, false},
    {"UnlockConnector", h_unlock, false},
    {"ReserveNow", h_reserve_now, false},
    {"CancelReservation", h_cancel_reservation, false},
    /* no "ocpp_call" event for these two, as before the split */
    {"TriggerMessage", h_trigger_message, true},
    {"ExtendedTriggerMessage", h_extended_trigger_message, true},
};
const v16_family v16_remote_calls = {handlers, sizeof handlers / sizeof handlers[0]};
