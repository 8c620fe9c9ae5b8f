/*
 * OCPP 2.0.1 functional block E, E14 (Check transaction status):
 * GetTransactionStatus answered from the charge-point model's journal —
 * whether a transaction still runs and whether its TransactionEvents (or,
 * without a transactionId, any transaction's) still wait in the queue. One
 * file of the 2.0.1 dialect's functional blocks.
 */
#include <stdlib.h>
#include <string.h>

#include "ocpp/v201/v201_internal.h"

/* The borne session that is transaction `tx` for the CSMS, 0 none: a running
 * one, one whose start a back end accepted under that id (a 1.6 id kept
 * across a switch), or one whose station-made id (<session>-<hex ms>) it is. */
static int64_t session_of(ocpp201_station *o, const char *tx, bool *ongoing) {
  *ongoing = false;
  for (int c = 1; c <= o->count; c++) {
    const v201_evse *k = &o->evse[c - 1];
    /* running, or outliving its session until the car leaves (E06, txpoints.h) */
    if ((k->session_id || k->txp.lingering || k->txp.early) && k->tx_id[0] &&
        !strcmp(k->tx_id, tx)) {
      *ongoing = true;
      return k->session_id ? k->session_id : k->txp.session;
    }
  }
  if (o->held.open && !strcmp(o->held.tx_id, tx)) { /* a badge waiting for its car */
    *ongoing = true;
    return o->held.session;
  }
  int64_t id = cp_journal_session_of(o->journal, tx);
  if (id) return id;
  char *end = NULL;
  long long n = strtoll(tx, &end, 10);
  session_row row;
  if (n <= 0 || !end || *end != '-' || store_session_get(o->st->db, n, &row) != 0) return 0;
  char known[CP_TX_ID_MAX + 1] = "", made[CP_TX_ID_MAX + 1];
  cp_journal_tx_id(o->journal, n, known);
  v201_session_tx_id(known, n, row.start_ms, made);
  return strcmp(made, tx) == 0 ? n : 0;
}

/* E14: with a transactionId, ongoingIndicator and whether its messages are
 * queued (an unknown one: neither, E14.FR.04); without, whether any
 * transaction's messages are queued and no ongoingIndicator (E14.FR.06). */
static void h_get_transaction_status(ocpp201_station *o, const json_t *req, ocpp_reply *r) {
  ocpp201_GetTransactionStatusRequest q;
  ocpp_error e;
  if (!v201_decoded(ocpp201_GetTransactionStatusRequest_decode(req, &q, &e), &e, r)) return;
  if (!q.has_transactionId) {
    r->result = json_pack("{s:b}", "messagesInQueue", cp_journal_tx_queued(o->journal, 0) > 0);
  } else {
    bool ongoing;
    int64_t sid = session_of(o, q.transactionId, &ongoing);
    r->result = json_pack("{s:b, s:b}", "ongoingIndicator", ongoing, "messagesInQueue",
                          sid && cp_journal_tx_queued(o->journal, sid) > 0);
  }
  ocpp201_GetTransactionStatusRequest_free(&q);
}

static const v201_handler handlers[] = {
    {"GetTransactionStatus", h_get_transaction_status},
};
const v201_family v201_transaction_calls = {handlers, sizeof handlers / sizeof handlers[0]};
