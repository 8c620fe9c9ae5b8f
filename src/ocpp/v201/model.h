/*
 * The OCPP 2.0.1 encoding of the charge-point model (src/chargepoint/), pure:
 * the id token of a badge (IdTokenType), the back end's idTokenInfo as the
 * model's cp_token_info, the transaction id the station makes, the
 * TransactionEvent payload of one event (eventType, triggerReason, seqNo,
 * offline, transactionInfo, evse, idToken, meterValue) and 2.0.1 meter
 * values (numbers, unitOfMeasure) from borne's readings. The 1.6 dialect has
 * its own (src/ocpp/v16/model.h); both sit on the same journal and
 * authorization store. No clock, no I/O: the unit tests run it as is.
 */
#ifndef BORNE_OCPP_V201_MODEL_H
#define BORNE_OCPP_V201_MODEL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "chargepoint/authorization.h"
#include "chargepoint/journal.h"
#include "ocpp/ocpp16_measurands.h"
#include "config/config.h"
#include "core/types.h"

/* ---- policies from the configuration keys (the same keys as 1.6: one store) ---- */
cp_auth_policy v201_auth_policy(const config *cfg);
cp_retry_policy v201_retry_policy(const config *cfg);

/* Connector `c`'s ConnectorEnumType: connector.N.type, or with auto a Type 2
 * cable (cType2) when tethered, else a Type 2 socket (sType2). */
const char *v201_connector_type(const config *cfg, int c);

/* ---- id tokens ---- */
/* An IdTokenType for a badge uid: {"idToken": uid, "type": "ISO14443"}; the
 * station's free-charging token (ocpp.free_id_tag, no badge) is "Central"
 * when `central`. NULL for an empty uid. */
json_t *v201_id_token(const char *uid, bool central);
/* The same with the type named: `type` as the CSMS gave it (2.1: any
 * string of up to 20 characters, e.g. "DirectPayment"),
 * NULL or "" for "Central". NULL for an empty uid. */
#define V201_TOKEN_TYPE_MAX 80 /* bytes: the schema's 20 characters, UTF-8 */
json_t *v201_id_token_typed(const char *uid, const char *type);
/* An IdTokenType of a message queued under 2.1 and sent under 2.0.1: a type
 * 2.0.1 does not have (DirectPayment, VASReference...) becomes "Central"
 * (the CSMS's token); nothing else changes. NULL: nothing. */
void v201_id_token_as_201(json_t *id_token);
/* Issue 16: OCPP 2.1 allows idToken strings of 255 characters; the station
 * keeps CP_ID_MAX bytes. True when the IdTokenType `id_token` (an object
 * with an "idToken" member) is absent or its idToken fits — never cut: a
 * cut token could be another badge's. */
bool v201_id_fits(const json_t *id_token);
/* SendLocalList: true when every entry's idToken and
 * idTokenInfo.groupIdToken fit; else false, *bad the first entry's index. */
bool v201_local_list_ids_fit(const json_t *req, size_t *bad);
/* An idTokenInfo (Authorize, TransactionEvent answers): false when it is
 * absent or its status is not one of the schema's. Accepted, Blocked,
 * Expired, Invalid, ConcurrentTx map one to one; Unknown, NoCredit,
 * NotAllowedTypeEVSE, NotAtThisLocation, NotAtThisTime are Invalid for the
 * model (not accepted, and cached so). cacheExpiryDateTime is the expiry,
 * groupIdToken.idToken the group — none when it is longer than CP_ID_MAX
 * (never cut: the token gets no group rights, v201_id_fits tells). */
bool v201_token_info(const json_t *id_token_info, cp_token_info *out);

/* ---- the local list (D01, D02) ---- */
/* SendLocalListRequest (validated) -> its status: "Accepted", "Failed" (too
 * long, not written, or the local list is disabled: 2.0.1 has no
 * NotSupported) or "VersionMismatch". An entry without idTokenInfo in a
 * differential update removes the token. Limits: the 1.6 keys'
 * (SendLocalListMaxLength, LocalAuthListMaxLength). */
const char *v201_local_list_update(cp_auth *a, const config *cfg, const json_t *req);
/* GetLocalListVersion's versionNumber: 0 when there is no list (or it is disabled). */
int v201_local_list_version(cp_auth *a, const config *cfg);

/* ---- transactions ---- */
/* The transactionId the station gives a session (E01: the Charging Station
 * makes it): "<session>-<start ms in hex>", unique on the station even if
 * its database were started anew, at most CP_TX_ID_MAX characters. */
void v201_tx_id(int64_t session_id, borne_ms start_ms, char out[CP_TX_ID_MAX + 1]);
/* The transactionId a session goes by in 2.0.1 words: `known`, the id a back
 * end already has it under (a StartTransaction delivered under 1.6: the
 * integer the 1.6 back end gave, from the journal), when there is one — a
 * transaction keeps one id for life, across a switch of version —, else the
 * station's own (v201_tx_id). */
void v201_session_tx_id(const char *known, int64_t session_id, borne_ms start_ms,
                        char out[CP_TX_ID_MAX + 1]);

typedef struct {
  cp_event_kind kind;         /* STARTED, UPDATED or ENDED */
  const char *trigger_reason; /* TriggerReasonEnumType: "Authorized", "MeterValuePeriodic"... */
  int64_t seq_no;
  bool offline; /* the event happened while the back end was unreachable */
  borne_ms at;
  const char *tx_id;
  connector_status status; /* transactionInfo.chargingState */
  stop_reason stopped;     /* Ended: transactionInfo.stoppedReason */
  int remote_start_id;     /* transactionInfo.remoteStartId, 0 none */
  int evse;                /* evse.id (and connectorId 1), 0: no evse member */
  const char *id_token;    /* uid, NULL or "" none */
  bool central_token;      /* the id token is the back end's (remote start, free charging) */
  const char *token_type; /* the type the CSMS gave it (a remote start's), NULL: by central_token */
  int reservation_id;     /* 0 none */
  json_t *meter_values;   /* an array of MeterValueType (stolen), NULL none */
  /* Ended: meter values series_from .. series_from + series - 1 are the
   * TxEnded series (before them the signed Transaction.Begin value, if
   * any), thinned when the message would be too large (tx_ended.h) */
  size_t series, series_from;

  /* Ended: transactionInfo.stoppedReason said so (MasterPass), NULL: `stopped` */
  const char *stopped_name;
} v201_tx_event;

/* The TransactionEventRequest payload of one event; NULL for a bad kind. */
json_t *v201_transaction_event(const v201_tx_event *e);
/* The TriggerReason an Ended event has for a stop reason (E06/E07). */
const char *v201_stop_trigger(stop_reason r);

/* ---- meter values ---- */
/* One MeterValueType of a reading: a sampledValue per measurand of `csl`
 * (the 1.6 list keys name the same measurands, ocpp16_measurands.h) with the
 * value as a number and the unit as unitOfMeasure; a measurand 2.0.1 does not
 * have (Temperature) is left out. NULL when none of them is measured. */
json_t *v201_meter_value(const char *csl, const meter_reading *r, const ocpp16_sample_extra *x,
                         const char *context, borne_ms at);

/* ---- signed meter values (E, J: OCMF) ---- */
/* The SignedMeterValueType of one OCMF record (docs/metering.md): the record
 * and the public key (`pubkey_hex`, its DER SubjectPublicKeyInfo in hex)
 * each Base64 encoded, as the type's members say; signingMethod the
 * record's algorithm, encodingMethod "OCMF". A NULL or empty key: publicKey
 * "" (the key not sent, OCPPCommCtrlr.PublicKeyWithSignedMeterValue; the
 * member is required in 2.0.1). NULL when either does not fit the schema's
 * 2500 characters, or the key is not hex. */
json_t *v201_signed_meter_value(const char *ocmf_record, const char *pubkey_hex);
/* OCPPCommCtrlr.PublicKeyWithSignedMeterValue (`policy`: Never,
 * OncePerTransaction, EveryMeterValue): whether a signed value carries the
 * public key, `sent_in_transaction` saying whether one of its transaction
 * carried it already. */
bool v201_pubkey_due(const char *policy, bool sent_in_transaction);
/* Puts `signed_value` (stolen) on the Energy.Active.Import.Register sampled
 * value of `context` in an array of MeterValueType; false (and freed) when
 * there is none. */
bool v201_attach_signed(json_t *meter_values, const char *context, json_t *signed_value);

/* J: an Ended payload `p` whose frame would exceed V201_TXEND_MESSAGE_MAX
 * (tx_ended.h): its TxEnded series, meterValue[from .. from + series - 1],
 * thinned to fit (v201_txend_thin); the values before and after it (the
 * signed Transaction.Begin, the Transaction.End) always stay. Takes `text`
 * (p dumped), returns it or p dumped again (text freed); *kept (may be
 * NULL) the series' readings kept. */
char *v201_txend_fit(json_t *p, size_t from, size_t series, char *text, size_t *kept);

#endif
