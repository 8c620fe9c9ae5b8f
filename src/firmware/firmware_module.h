/*
 * The station's one firmware updater (src/firmware/), shared by whoever
 * starts an update: the OCPP back end (UpdateFirmware, SignedUpdateFirmware)
 * and the local web page (an uploaded image). One updater means one update
 * at a time and one download file, whoever asked.
 *
 * The service records every status change as a `firmware` event, shows the
 * firmware LED while installing, reports the running version in
 * GET /api/v1/status (station.firmware_version, station.firmware), and
 * restarts the station into a new image (or lets a restarter, OCPP, first
 * flush its notifications).
 */
#ifndef BORNE_APP_FIRMWARE_SERVICE_H
#define BORNE_APP_FIRMWARE_SERVICE_H

#include "firmware/firmware.h"
#include "station/station.h"

typedef void (*station_fw_listener)(void *ctx, fw_status s, int request_id, const char *detail);

/* The updater, made at the first call (from firmware.install_command and
 * firmware.ca_file; a later change of firmware.ca_file applies to the next
 * signature check); NULL when it cannot be made (out of memory, too many
 * modules). Who only listens or reads does not make it (the calls below):
 * an idle station has none unless its data directory records an update
 * (the running version, an install to report, a roll-back) or
 * firmware.installer is rauc, when the service makes it at its start. */
firmware *station_firmware(station *st);
/* The updater if it was made, else NULL (nothing to report, not busy). */
firmware *station_firmware_made(station *st);
/* The running firmware's version: the updater's, BORNE_VERSION without one. */
const char *station_firmware_version(station *st);
/* firmware_busy, firmware_boot_pending, firmware_boot_report of the updater
 * if made; false without one. */
bool station_firmware_busy(station *st);
bool station_firmware_boot_pending(station *st);
bool station_firmware_boot_report(station *st);
/* Every status change after the service's own handling (at most 4); the
 * service is made by the first call, the updater is not. */
int station_firmware_listen(station *st, station_fw_listener fn, void *ctx);
/* Who restarts into an installed image; default station_reset(st, true, FirmwareUpdate). */
void station_firmware_set_restarter(station *st, void (*fn)(void *ctx), void *ctx);
/* The module that reports "Installed" after the restart into a new image
 * (OCPP, once its back end accepted the boot) claims it; otherwise
 * station_firmware_boot() reports it at start. */
void station_firmware_claim_boot_report(station *st);
void station_firmware_boot(station *st);
/* The last status and its detail ("" when none). */
fw_status station_firmware_last(station *st, const char **detail);

#endif
