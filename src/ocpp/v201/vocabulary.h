/*
 * borne's own vocabulary in OCPP 2.0.1 words (issue 16, the first piece of
 * src/ocpp/v201/): the connector status of StatusNotification
 * (ConnectorStatusEnumType: five values where 1.6 had nine), the charging
 * state of a transaction (TransactionEvent transactionInfo.chargingState)
 * and the reason a transaction stopped (ReasonEnumType, stoppedReason). The
 * 1.6 dialect has its own table (src/ocpp/v16/vocabulary.h); neither borrows
 * the REST API's names.
 */
#ifndef BORNE_OCPP_V201_VOCABULARY_H
#define BORNE_OCPP_V201_VOCABULARY_H

#include "firmware/diagnostics.h"
#include "firmware/firmware.h"
#include "core/types.h"

/* StatusNotification.connectorStatus: "Available", "Occupied" (a vehicle is
 * plugged in: Preparing … Finishing in 1.6), "Reserved", "Unavailable",
 * "Faulted". */
const char *v201_connector_status_name(connector_status s);
/* transactionInfo.chargingState: "Charging", "SuspendedEV", "SuspendedEVSE",
 * "EVConnected" (plugged, no energy offered: Preparing, Finishing), "Idle"
 * (nothing plugged). */
const char *v201_charging_state_name(connector_status s);
/* transactionInfo.stoppedReason, NULL for STOP_NONE (no member). A reset
 * that stops a transaction is "ImmediateReset" (an OnIdle reset waits for
 * the transaction to end); 2.0.1 has no "UnlockCommand" reason: "Other"
 * (its triggerReason says UnlockCommand). */
const char *v201_stop_reason_name(stop_reason r);

/* FirmwareStatusNotification.status: the updater's steps, the same words as
 * the security whitepaper's (DownloadScheduled … InstallScheduled). */
const char *v201_firmware_status_name(fw_status s);
/* LogStatusNotification.status (UploadLogStatusEnumType): "Idle",
 * "Uploading", "Uploaded", "UploadFailure". */
const char *v201_log_status_name(diag_status s);

#endif
