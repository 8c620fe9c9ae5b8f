/*
 * Queued messages said again in another OCPP version (ocpp_core.h: the
 * station switches version between two connections and keeps its queue).
 * The journal holds each transaction event in the words of the dialect that
 * queued it: 1.6 StartTransaction / MeterValues / StopTransaction or 2.0.1
 * TransactionEvent Started / Updated / Ended. When the connection speaks the
 * other family, the pump asks for the equivalent here: pure JSON to JSON, no
 * I/O; the caller hands in what the payload cannot tell (the transaction id
 * and seqNo in the new version, the connector). Security events have the
 * same payload in both (SecurityEventNotification). A message without an
 * equivalent (a MeterValues whose samples 2.0.1 cannot say, a 2.0.1 event of
 * a transaction the 1.6 back end never gave an id to...) is refused with the
 * reason: the caller drops it and says so (event `ocpp_dropped`).
 */
#ifndef BORNE_OCPP_REENCODE_H
#define BORNE_OCPP_REENCODE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "chargepoint/journal.h"

typedef enum {
  OCPP_WORDS_V16,  /* StartTransaction, MeterValues, StopTransaction */
  OCPP_WORDS_V201, /* TransactionEvent (2.0.1 and 2.1) */
} ocpp_words;

typedef struct {
  /* to 2.0.1: transactionInfo.transactionId. To 1.6: the back end's integer
   * transactionId as text, "" when it gave none (then only a start has an
   * equivalent) */
  const char *tx_id;
  int64_t seq_no; /* to 2.0.1: seqNo */
  int connector;  /* the session's connector (1.6 connectorId, 2.0.1 evse.id), 0 unknown */
} ocpp_reencode_ctx;

/* The words a queued payload of `kind` was written in (security events: both;
 * CP_EVENT_MESSAGE: 2.0.1, whose dialect alone queues them). */
ocpp_words ocpp_reencode_words_of(cp_event_kind kind, const json_t *payload);

/* The payload of a queued message of `kind`, said in `to` words: a new
 * reference (a copy when it is already in them) with its action in *action,
 * or NULL with the reason in `why` when there is no equivalent. A
 * CP_EVENT_MESSAGE is its inner payload in 2.0.1 (FirmwareStatusNotification,
 * LogStatusNotification or NotifyEvent) and has no 1.6 equivalent. */
json_t *ocpp_reencode(cp_event_kind kind, const json_t *payload, ocpp_words to,
                      const ocpp_reencode_ctx *cx, const char **action, char *why, size_t whylen);

#endif
