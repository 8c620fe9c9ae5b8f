/*
 * borne's own vocabulary in OCPP 1.6 words: the connector statuses
 * (ChargePointStatus, 4.9), the reasons a session stopped (StopTransaction
 * Reason, 4.10) and the error codes (ChargePointErrorCode, 4.9). borne's
 * names in src/core are its REST API's vocabulary; that they read like 1.6
 * today is a coincidence the OCPP encoding does not rely on: the 1.6 dialect
 * says its words here, and a 2.0.1 dialect will have a table of its own.
 */
#ifndef BORNE_OCPP_V16_VOCABULARY_H
#define BORNE_OCPP_V16_VOCABULARY_H

#include "core/types.h"

/* StatusNotification.status: "Available" ... "Faulted". */
const char *v16_status_name(connector_status s);
/* StopTransaction.reason: "Local" ... "Other" ("" for STOP_NONE). */
const char *v16_stop_reason_name(stop_reason r);
/* StatusNotification.errorCode: "NoError" for ERR_NONE, else the error
 * table's ChargePointErrorCode column (core/errors.c, data). */
const char *v16_error_code_name(error_code e);

#endif
