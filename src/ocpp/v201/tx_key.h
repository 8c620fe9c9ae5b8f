/*
 * OCPP 2.0.1 OCPPCommCtrlr.PublicKeyWithSignedMeterValue = OncePerTransaction
 * (issue 16): which transactions' signed values carried the public key
 * already, on disk (table ocpp201_tx_key, one row a transactionId) so that a
 * restart does not send it again. The row is written in the batch that
 * queues the event carrying the key (transactions.c's enqueue), removed in the
 * one that queues the transaction's Ended.
 */
#ifndef BORNE_OCPP_V201_TX_KEY_H
#define BORNE_OCPP_V201_TX_KEY_H

#include <stdbool.h>

#include "store/store.h"

/* The table (its own module version, "ocpp201_tx_key"); opens its own
 * transaction: not inside a batch. 0, or -1 (store_last_error). */
int v201_txkey_schema(store *db);
/* Whether a signed value of transaction `tx_id` carried the key (false when
 * the table is not there yet, or on error). */
bool v201_txkey_sent(store *db, const char *tx_id);
/* That one did (again: nothing). Joins an open batch. Only the newest
 * V201_TXKEY_ROWS rows stay (far more than the transactions that can run at
 * once). 0, or -1. */
#define V201_TXKEY_ROWS 1000
int v201_txkey_mark(store *db, const char *tx_id);
/* The transaction is over: its row goes. 0, or -1. */
int v201_txkey_forget(store *db, const char *tx_id);

#endif
