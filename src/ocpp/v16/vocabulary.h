/*
 * borne's own vocabulary in OCPP 1.6 words: the connector statuses
 * (ChargePointStatus, 4.9), the reasons a session stopped (StopTransaction
 * Reason, 4.10), the error codes (ChargePointErrorCode, 4.9) and the
 * firmware, diagnostics and log upload statuses (4.4, 4.5 and the Security
 * whitepaper). borne's names in src/core and src/firmware are its REST API's
 * vocabulary; that they read like 1.6
 * today is a coincidence the OCPP encoding does not rely on: the 1.6 dialect
 * says its words here, and a 2.0.1 dialect will have a table of its own.
 */
#ifndef BORNE_OCPP_V16_VOCABULARY_H
#define BORNE_OCPP_V16_VOCABULARY_H

#include "firmware/diagnostics.h"
#include "firmware/firmware.h"
#include "core/types.h"

/* StatusNotification.status: "Available" ... "Faulted". */
const char *v16_status_name(connector_status s);
/* StopTransaction.reason: "Local" ... "Other" ("" for STOP_NONE). */
const char *v16_stop_reason_name(stop_reason r);
/* StatusNotification.errorCode: "NoError" for ERR_NONE, else the error
 * table's ChargePointErrorCode column (core/errors.c, data). */
const char *v16_error_code_name(error_code e);
/* SignedFirmwareStatusNotification.status (the whitepaper's
 * FirmwareStatusEnumType): every fw_status has one. */
const char *v16_signed_firmware_status_name(fw_status s);
/* FirmwareStatusNotification.status (1.6's smaller FirmwareStatus), NULL when
 * 1.6 has no word for it (nothing to report). */
const char *v16_firmware_status_name(fw_status s);
/* DiagnosticsStatusNotification.status: "Idle" ... "UploadFailed". */
const char *v16_diagnostics_status_name(diag_status s);
/* LogStatusNotification.status (UploadLogStatusEnumType): "UploadFailure". */
const char *v16_log_status_name(diag_status s);

#endif
