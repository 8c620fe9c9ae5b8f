/*
 * The OCPP 1.6 encoding of the charge-point model (src/chargepoint/): the
 * translations between 1.6 messages and the model's neutral types, so that
 * the 1.6 message families read as "decode, call the model, encode". The
 * policy switches come from the 1.6 configuration keys (ocpp.*); an
 * idTagInfo becomes a cp_token_info; SendLocalList a cp_list_update; a
 * queued message's action and payload its journal kind, and back, with the
 * back end's transactionId put into the messages of a session queued before
 * the id was known.
 */
#ifndef BORNE_OCPP_V16_MODEL_H
#define BORNE_OCPP_V16_MODEL_H

#include <jansson.h>
#include <stdbool.h>

#include "chargepoint/authorization.h"
#include "chargepoint/journal.h"
#include "chargepoint/reservations.h"
#include "ocpp16_messages.h" /* generated from the OCPP 1.6 schemas */
#include "config/config.h"

/* ---- policies from the configuration keys ---- */
/* LocalPreAuthorize, LocalAuthorizeOffline, AllowOfflineTxForUnknownId,
 * AuthorizationCacheEnabled, LocalAuthListEnabled. */
cp_auth_policy v16_auth_policy(const config *cfg);
/* TransactionMessageAttempts, TransactionMessageRetryInterval. */
cp_retry_policy v16_retry_policy(const config *cfg);
/* SendLocalListMaxLength, LocalAuthListMaxLength. */
cp_list_limits v16_list_limits(const config *cfg);

/* ---- authorization ---- */
/* An idTagInfo (of Authorize.conf, Start/StopTransaction.conf): false when
 * it is absent or has no known status. expiryDate and parentIdTag optional. */
bool v16_token_info(const json_t *id_tag_info, cp_token_info *out);
/* The answer's idTagInfo about `tag` goes into the cache (when enabled). */
void v16_auth_remember(cp_auth *a, const config *cfg, const char *tag, const json_t *id_tag_info,
                       borne_ms now);
/* SendLocalList.req -> SendLocalList.conf's status ("Accepted", "Failed",
 * "NotSupported", "VersionMismatch"). */
const char *v16_local_list_update(cp_auth *a, const config *cfg,
                                  const ocpp16_SendLocalListRequest *req);
/* GetLocalListVersion.conf's listVersion (-1 when the list is disabled). */
int v16_local_list_version(cp_auth *a, const config *cfg);

/* ChangeConfiguration AuthorizationKey: OCPP-J 1.6 (FINAL 2015-10-08) and
 * the security whitepaper send the Basic password hex-encoded, 16 to 20
 * bytes as 32 to 40 hexadecimal digits, and the station authenticates with
 * the bytes (OCTT TC_073_CS, TC_085_CS). Such a value is decoded into out
 * (1); another value is the password itself, copied (0: the OCTT's own rule
 * for a password of 16 to 20 characters); -1 when the bytes are not
 * printable ASCII without spaces, which ocpp.AuthorizationKey cannot keep. */
int v16_authorization_key_decode(const char *value, char *out, size_t outlen);

/* ---- reservations ---- */
/* ReserveNow.conf's status of the model's answer ("Accepted", "Occupied", "Rejected"). */
const char *v16_reservation_status(cp_reserve_result r);

/* ---- the journal ---- */
/* A queued message's kind from its 1.6 action (and, for a
 * SecurityEventNotification, its type: the Security whitepaper's critical
 * events are never dropped); -1 for an action that is not queued. */
int v16_event_kind(const char *action, const json_t *payload, cp_event_kind *out);
/* The 1.6 action that carries a kind. */
const char *v16_event_action(cp_event_kind kind);
/* Pushes a 1.6 message (action, payload) for `session_id`; 0 or -1. */
int v16_journal_push(cp_journal *j, int64_t session_id, const char *action, const json_t *payload,
                     borne_ms now);
/* The same, handing back the text queued (the caller frees it; NULL when
 * nothing was queued). */
int v16_journal_push_text(cp_journal *j, int64_t session_id, const char *action,
                          const json_t *payload, borne_ms now, char **text);
/* The payload to send for a journal entry: its JSON, with the session's
 * transactionId put into MeterValues and StopTransaction when the back end
 * gave one (`tx_id`, decimal text; "" when not yet). A new reference, or NULL
 * when the stored payload is not JSON. */
json_t *v16_event_payload(const cp_journal_entry *e, const char *tx_id);
/* The same from the entry's payload already parsed (`p`, whose reference it
 * takes): what v16_pump has after reading the payload's words (issue 15: the
 * text was parsed twice). NULL, and `p` released, when it is not an object.
 * `*unchanged` (when not NULL) tells that `p` was left as it was (no
 * transactionId to put in, or the same one already there), so that its
 * json_dumps text is still the one it was parsed from. */
json_t *v16_event_payload_of(json_t *p, cp_event_kind kind, const char *tx_id, bool *unchanged);
/* A 1.6 transactionId as the journal keeps it: its decimal text. */
void v16_tx_text(int tx, char out[CP_TX_ID_MAX + 1]);
/* The 1.6 transactionId of a session: 0 until StartTransaction.conf. */
int v16_journal_tx_id(cp_journal *j, int64_t session_id);

#endif
