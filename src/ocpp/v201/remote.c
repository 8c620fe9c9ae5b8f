/*
 * OCPP 2.0.1 functional block F (Remote control): RequestStartTransaction
 * (F01/F02, with AuthorizeRemoteStart as 1.6's AuthorizeRemoteTxRequests),
 * RequestStopTransaction (F03) by the station's transactionId,
 * UnlockConnector (F05) and TriggerMessage (F06) for the messages this
 * dialect sends. One file of the 2.0.1 dialect's functional blocks.
 */
#include <stdlib.h>
#include <string.h>

#include "ocpp/ocpp_core.h"
#include "ocpp/v201/v201_internal.h"
#include "ocpp21_messages.h" /* generated from the OCPP 2.1 schemas */

static int pick_evse(ocpp201_station *o, int requested) {
  if (requested > 0) return requested <= o->count ? requested : -1;
  for (int c = 1; c <= o->count; c++) /* a car waiting for authorization first */
    if (station_waiting_for_authorization(o->st, c)) return c;
  for (int c = 1; c <= o->count; c++)
    if (o->evse[c - 1].status == STATUS_AVAILABLE) return c;
  return -1;
}

typedef struct {
  ocpp201_station *o;
  int evse;
  char tok[CP_ID_MAX + 1];
} remote_ctx;

static void remote_start_now(ocpp201_station *o, int c, const char *tok) {
  char err[160];
  if (station_remote_start_authorized(o->st, c, tok, NULL, err, sizeof err) != 0) {
    o->evse[c - 1].remote_pending = false;
    log_warn(MOD, "remote start on %d: %s", c, err);
  }
}

static void remote_authorize_answer(void *ctx, const json_t *result, const char *code,
                                    const char *text) {
  remote_ctx *x = ctx;
  (void)code, (void)text;
  if (!x->o->closing && result) {
    cp_token_info info;
    bool known = v201_token_info(json_object_get(result, "idTokenInfo"), &info);
    cp_auth_policy p = v201_auth_policy(x->o->st->cfg);
    if (cp_auth_answered(x->o->auth, &p, x->tok, known ? &info : NULL, now201(x->o)) ==
        CP_AUTH_ACCEPT)
      remote_start_now(x->o, x->evse, x->tok);
    else
      station_event(x->o->st, x->evse, "auth_refused", "%s", x->tok);
  }
  free(x);
}

static void h_request_start(ocpp201_station *o, const json_t *req, ocpp_reply *r) {
  ocpp_error e;
  char tok[CP_ID_MAX + 1], type[V201_TOKEN_TYPE_MAX + 1];
  int evse = 0, remote_id = 0;
  /* 2.1: up to 255 characters (2.0.1's 36 characters may be more bytes):
   * the station keeps CP_ID_MAX bytes and never cuts one */
  if (!v201_id_fits(json_object_get(req, "idToken"))) {
    v201_reply_status_info(r, "Rejected", "InvalidIdToken",
                           "idToken longer than the 36 characters this station keeps");
    return;
  }
  /* decoded with the types of the version spoken (2.1's: its IdTokenType,
   * a chargingProfile with 2.1's members) */
  if (o->link && ocpp_link_dialect(o->link) == &ocpp21_dialect) {
    ocpp21_RequestStartTransactionRequest *q = calloc(1, sizeof *q);
    if (!q) {
      r->error_code = ocpp_dialect_code(&ocpp201_dialect, OCPP_ERR_INTERNAL);
      snprintf(r->error_text, sizeof r->error_text, "out of memory");
      return;
    }
    if (!v201_decoded(ocpp21_RequestStartTransactionRequest_decode(req, q, &e), &e, r)) {
      free(q);
      return;
    }
    snprintf(tok, sizeof tok, "%s", q->idToken.idToken);
    snprintf(type, sizeof type, "%s", q->idToken.type); /* 2.1: any string, "DirectPayment" */
    evse = q->has_evseId ? (int)q->evseId : 0;
    remote_id = (int)q->remoteStartId;
    ocpp21_RequestStartTransactionRequest_free(q);
    free(q);
  } else {
    ocpp201_RequestStartTransactionRequest q;
    if (!v201_decoded(ocpp201_RequestStartTransactionRequest_decode(req, &q, &e), &e, r)) return;
    snprintf(tok, sizeof tok, "%s", q.idToken.idToken);
    const char *tn = ocpp201_RequestStartTransactionRequest_idToken_type_e_name(q.idToken.type);
    snprintf(type, sizeof type, "%s", tn ? tn : "Central");
    evse = q.has_evseId ? (int)q.evseId : 0;
    remote_id = (int)q.remoteStartId;
    ocpp201_RequestStartTransactionRequest_free(&q);
  }
  int c = pick_evse(o, evse);
  const json_t *profile = json_object_get(req, "chargingProfile");
  bool refused = c < 0 || station_has_session(o->st, c) ||
                 o->evse[c - 1].status == STATUS_FAULTED ||
                 o->evse[c - 1].status == STATUS_UNAVAILABLE ||
                 !station_reservation_admits(o->st, c, tok, NULL);
  /* the start's chargingProfile: a TxProfile of the transaction it makes
   * (smart_charging.c); one the engine refuses refuses the start */
  if (!refused && profile && !v201_remote_start_profile(o, c, profile)) refused = true;
  if (refused) {
    v201_reply_status(r, "Rejected");
    return;
  }
  v201_reply_status(r, "Accepted");
  /* F01: a transaction begun at the plug (TxStartPoint EVConnected) is the
   * one this start authorizes: its id in the answer */
  if (o->evse[c - 1].txp.early && o->evse[c - 1].tx_id[0])
    json_object_set_new(r->result, "transactionId", json_string(o->evse[c - 1].tx_id));
  o->evse[c - 1].remote_start_id = remote_id;
  o->evse[c - 1].remote_pending = true;
  v201_webpay_tick(o, now201(o)); /* C25: the start a web payment waited for */
  snprintf(o->evse[c - 1].remote_token, sizeof o->evse[c - 1].remote_token, "%s", tok);
  /* the Started it makes names the token with its own type (C25: DirectPayment) */
  snprintf(o->evse[c - 1].remote_type, sizeof o->evse[c - 1].remote_type, "%s", type);
  if (config_get_bool(o->st->cfg, "ocpp.AuthorizeRemoteTxRequests")) {
    remote_ctx *x = calloc(1, sizeof *x);
    if (!x) return;
    x->o = o;
    x->evse = c;
    snprintf(x->tok, sizeof x->tok, "%s", tok);
    json_t *a = json_pack("{s:o}", "idToken", v201_id_token_typed(tok, type));
    if (ocpp_link_call(o->link, "Authorize", a, remote_authorize_answer, x) != 0) free(x);
    return;
  }
  remote_start_now(o, c, tok);
}

static void h_request_stop(ocpp201_station *o, const json_t *req, ocpp_reply *r) {
  ocpp201_RequestStopTransactionRequest q;
  ocpp_error e;
  if (!v201_decoded(ocpp201_RequestStopTransactionRequest_decode(req, &q, &e), &e, r)) return;
  int c = 0;
  bool waiting = false;
  for (int i = 1; i <= o->count && !c; i++) {
    const v201_evse *k = &o->evse[i - 1];
    if ((k->session_id || k->txp.lingering || k->txp.early) && k->tx_id[0] &&
        !strcmp(k->tx_id, q.transactionId)) {
      c = i;
      waiting = !k->session_id;
    }
  }
  /* a badge's waiting for its car (TxStartPoint Authorized, E03) */
  bool held = !c && o->held.open && !strcmp(o->held.tx_id, q.transactionId);
  ocpp201_RequestStopTransactionRequest_free(&q);
  if (held) { /* ends, its authorization withdrawn: the next car waits for a badge */
    v201_reply_status(r, "Accepted");
    v201_tx_stop_held(o);
    return;
  }
  char err[160];
  /* F03.FR.02: an ongoing transaction is Accepted. One outliving its session
   * (TxStopPoint EVConnected alone, txpoints.h) is deauthorized and its
   * energy stopped already: it ends when the car leaves, as it would after
   * the stop (E06). */
  /* One begun at the plug that no badge has taken yet (TxStartPoint
   * EVConnected) has no session to stop: it ends now (RemoteStop). */
  bool early = c && o->evse[c - 1].txp.early;
  v201_reply_status(r, c && (waiting || station_remote_stop(o->st, c, err, sizeof err) == 0)
                           ? "Accepted"
                           : "Rejected");
  if (early) v201_tx_stop_early(o, c);
}

static void h_unlock(ocpp201_station *o, const json_t *req, ocpp_reply *r) {
  ocpp201_UnlockConnectorRequest q;
  ocpp_error e;
  if (!v201_decoded(ocpp201_UnlockConnectorRequest_decode(req, &q, &e), &e, r)) return;
  int c = (int)q.evseId;
  bool known = c >= 1 && c <= o->count && q.connectorId == 1;
  ocpp201_UnlockConnectorRequest_free(&q);
  if (!known)
    v201_reply_status(r, "UnknownConnector");
  else if (station_has_session(o->st, c)) /* F05.FR.02: stop it first */
    v201_reply_status(r, "OngoingAuthorizedTransaction");
  else if (station_connector_tethered(o->st, c)) /* a fixed cable has no lock */
    v201_reply_status(r, "UnlockFailed");
  else /* the answer says whether the lock opened, once its switch tells */
    ocpp_core_unlock(o->shared, c, r);
}

/* ---------- TriggerMessage ---------- */

static void send_meter_values(ocpp201_station *o, int c) {
  if (!o->st->conn[c - 1].meter_ok) return;
  ocpp16_sample_extra x = v201_sample_extra(o, c);
  const char *csl = key201_str(o, "MeterValuesSampledData");
  borne_ms at = now201(o);
  json_t *mv = v201_meter_value(csl[0] ? csl : "Energy.Active.Import.Register",
                                &o->st->conn[c - 1].meter, &x, "Trigger", at);
  if (!mv) return;
  json_t *list = json_pack("[o]", mv);
  v201_sign_triggered(o, c, at, list); /* during a transaction, with SignReadings */
  v201_send_now(o, "MeterValues", json_pack("{s:i, s:o}", "evseId", c, "meterValue", list));
}

void v201_send_triggered(ocpp201_station *o) {
  unsigned t = o->trigger;
  int only = o->trigger_evse;
  o->trigger = 0;
  if (t & T201_BOOT) v201_send_boot(o, "Triggered");
  if (t & T201_HEARTBEAT) v201_send_heartbeat(o);
  if (t & T201_FIRMWARE) v201_send_firmware_status(o);
  if (t & T201_LOG) v201_send_log_status(o);
  if (t & (T201_SIGN | T201_SIGN_V2G)) {
    o->csr_attempt = 0; /* a new round of CertSigningRepeatTimes */
    v201_send_sign_certificate(o, (t & T201_SIGN_V2G) != 0, "TriggerMessage");
  }
  if (t & T201_SIGN_V2G20) {
    o->csr_attempt = 0;
    v201_send_sign_v2g20_certificate(o, "TriggerMessage");
  }
  if (t & T201_SIGN_COMBINED) {
    o->csr_attempt = 0;
    v201_send_sign_combined_certificate(o, "TriggerMessage");
  }
  for (int c = 1; c <= o->count; c++) {
    if (only && c != only) continue;
    if ((t & T201_STATUS) && o->evse[c - 1].known) v201_send_status(o, c);
    if (t & T201_METER) send_meter_values(o, c);
    if ((t & T201_TX) && o->evse[c - 1].session_id) v201_send_tx_updated(o, c, "Trigger");
  }
}

static void h_trigger(ocpp201_station *o, const json_t *req, ocpp_reply *r) {
  ocpp201_TriggerMessageRequest q;
  ocpp_error e;
  /* 2.1's SignCombinedCertificate (the 2.0.1 decoder does not know it; the
   * link checked the request against the 2.1 schema): one certificate for
   * the link and the ISO 15118 connection, as SignChargingStationCertificate */
  const char *asked = json_string_value(json_object_get(req, "requestedMessage"));
  bool combined = asked && !strcmp(asked, "SignCombinedCertificate");
  /* and SignV2G20Certificate: the ISO 15118-20 certificate, as SignV2GCertificate */
  if (asked && (combined || !strcmp(asked, "SignV2G20Certificate")) && o->link &&
      ocpp_link_dialect(o->link) == &ocpp21_dialect) {
    bool ok = key201_str(o, "CpoName")[0] != '\0';
    if (ok) o->trigger |= combined ? T201_SIGN_COMBINED : T201_SIGN_V2G20;
    v201_reply_status(r, ok ? "Accepted" : "Rejected");
    return;
  }
  if (!v201_decoded(ocpp201_TriggerMessageRequest_decode(req, &q, &e), &e, r)) return;
  int c = q.has_evse ? (int)q.evse.id : 0;
  ocpp201_TriggerMessageRequest_requestedMessage_e m = q.requestedMessage;
  ocpp201_TriggerMessageRequest_free(&q);
  unsigned bit = 0;
  switch (m) {
  case ocpp201_TriggerMessageRequest_requestedMessage_BootNotification:
    bit = T201_BOOT;
    break;
  case ocpp201_TriggerMessageRequest_requestedMessage_Heartbeat:
    bit = T201_HEARTBEAT;
    break;
  case ocpp201_TriggerMessageRequest_requestedMessage_StatusNotification:
    bit = T201_STATUS;
    break;
  case ocpp201_TriggerMessageRequest_requestedMessage_MeterValues:
    bit = T201_METER;
    break;
  case ocpp201_TriggerMessageRequest_requestedMessage_TransactionEvent:
    bit = T201_TX;
    break;
  case ocpp201_TriggerMessageRequest_requestedMessage_FirmwareStatusNotification:
    bit = T201_FIRMWARE;
    break;
  case ocpp201_TriggerMessageRequest_requestedMessage_LogStatusNotification:
    bit = T201_LOG;
    break;
  case ocpp201_TriggerMessageRequest_requestedMessage_SignChargingStationCertificate:
  case ocpp201_TriggerMessageRequest_requestedMessage_SignV2GCertificate:
    /* A02: the CSR's organizationName is SecurityCtrlr.OrganizationName */
    bit = !key201_str(o, "CpoName")[0]                                             ? 0
          : m == ocpp201_TriggerMessageRequest_requestedMessage_SignV2GCertificate ? T201_SIGN_V2G
                                                                                   : T201_SIGN;
    if (!bit) {
      v201_reply_status(r, "Rejected");
      return;
    }
    break;
  default:
    break;
  }
  if (!bit) {
    v201_reply_status(r, "NotImplemented");
    return;
  }
  /* F06.FR.17: once accepted, a triggered BootNotification is Rejected */
  if ((bit == T201_BOOT && o->boot == B201_ACCEPTED) || c < 0 || c > o->count) {
    v201_reply_status(r, "Rejected");
    return;
  }
  o->trigger |= bit;
  o->trigger_evse = c;
  v201_reply_status(r, "Accepted");
}

static const v201_handler handlers[] = {
    {"RequestStartTransaction", h_request_start},
    {"RequestStopTransaction", h_request_stop},
    {"UnlockConnector", h_unlock},
    {"TriggerMessage", h_trigger},
};
const v201_family v201_remote_calls = {handlers, sizeof handlers / sizeof handlers[0]};
