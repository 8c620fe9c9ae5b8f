/*
 * Firmware update: download (HTTP, HTTPS, FTP(S) through libcurl on the loop,
 * no other scheme),
 * retries, optional signature check (OCPP 1.6 security whitepaper
 * SignedUpdateFirmware: the image signed with the key of a signing
 * certificate, itself checked against the manufacturer root), install, and
 * the restart into the new version, reported as the OCPP status sequence.
 *
 * Install: with `firmware.install_command` set (Linux: e.g.
 * `rauc install {file}` or `swupdate -i {file}`) the command runs as a child
 * process without blocking the loop; exit 0 means installed. Without it
 * (the simulator) the image must start with the line
 * `borne-sim-firmware VERSION`; installing records VERSION, which the
 * restarted daemon reports as its firmware version.
 */
#ifndef BORNE_FIRMWARE_FIRMWARE_H
#define BORNE_FIRMWARE_FIRMWARE_H

#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

#include "firmware/curl_uv.h"
#include "util/clock.h"

/* The course of an update (the steps of the Security whitepaper's
 * FirmwareStatusEnumType, which the OCPP dialects spell in their own tables). */
typedef enum {
  FW_IDLE,
  FW_DOWNLOAD_SCHEDULED,
  FW_DOWNLOADING,
  FW_DOWNLOADED,
  FW_DOWNLOAD_FAILED,
  FW_SIGNATURE_VERIFIED,
  FW_INVALID_SIGNATURE,
  FW_INSTALLING,
  FW_INSTALL_REBOOTING,
  FW_INSTALLED,
  FW_INSTALLATION_FAILED,
  FW_INSTALL_SCHEDULED, /* verified, waiting for the request's install time (OCPP 2.0.1) */
} fw_status;

/* The REST API's and the log's name: "DownloadScheduled", ... */
const char *fw_status_name(fw_status s);

typedef struct {
  const char *location;      /* URL of the image */
  borne_ms retrieve_at;      /* station time; <= now: at once */
  int retries;               /* further attempts after a failed download */
  int retry_interval_s;      /* between attempts */
  const char *signature_b64; /* NULL or "": unsigned (plain UpdateFirmware) */
  const char *signing_cert_pem;
  int request_id;      /* SignedUpdateFirmware / 2.0.1 UpdateFirmware requestId; 0 otherwise */
  borne_ms install_at; /* station time to install at (2.0.1 installDateTime); <= now: at once */
} fw_request;

/* firmware.installer: who writes the image to the station. */
typedef enum {
  FW_INSTALLER_COMMAND, /* firmware.install_command, or the simulator's install */
  /* RAUC on an A/B layout: `rauc install` into the other slot, reboot, and on
   * the next start `rauc status mark-good` once the new firmware proved
   * itself, else `rauc status mark-bad` and reboot (the bootloader rolls back) */
  FW_INSTALLER_RAUC,
} fw_installer;

typedef struct {
  uv_loop_t *loop;
  const station_clock *clock;
  const char *data_dir;
  const char *install_command; /* "" or NULL: simulated install */
  fw_installer installer;
  const char *rauc_bin;  /* NULL or "": `rauc` on PATH (tests: a fake) */
  const char *rauc_conf; /* firmware.rauc_conf: RAUC's system.conf; "" or NULL: RAUC's default */
  /* firmware.confirm_backend: a new RAUC image is good only once its OCPP back
   * end accepted it too (firmware_boot_report), not only Available */
  bool confirm_backend;
  int confirm_timeout_s; /* firmware.confirm_timeout_s: to prove itself, else roll back */
  /* firmware.reboot_command: run by /bin/sh to boot into the other slot; "" or
   * NULL: on_restart (the station restarts itself only) */
  const char *reboot_command;
  /* The kernel command line whose `rauc.slot=` names the booted slot; NULL:
   * /proc/cmdline (tests: a file) */
  const char *cmdline_path;
  const char *ca_file; /* manufacturer root(s) for signing certificates; NULL: none */
  /* firmware.allow_unsigned: install images whose origin nobody checked (no
   * signature, or a signature with no manufacturer root to check it against). */
  bool allow_unsigned;
  /* Every status change, with a one-line detail ("" when none). */
  void (*on_status)(void *ctx, fw_status s, int request_id, const char *detail);
  /* Installed: restart into the new version now. */
  void (*on_restart)(void *ctx);
  /* May the image be installed now? false while a charging session runs
   * (OCPP L01.FR.06: the install, and the restart after it, wait for the
   * sessions to end; firmware_sessions_ended() goes on). NULL: always. */
  bool (*may_install)(void *ctx);
  /* The wait, or the install, begins (true: hold the connectors out of
   * service, L01.FR.07: a restart would cut a new session) or the update ends
   * without a restart (false: release them). NULL: none. */
  void (*on_hold)(void *ctx, bool hold);
  void *ctx;
} fw_config;

typedef struct firmware firmware;

firmware *firmware_new(const fw_config *cfg, curl_uv *cu);
/* Starts an update; -1 with a reason when one is already running or the
 * request is incomplete. An image firmware_trust_refusal() refuses is not
 * fetched: -1 with the reason; an unsigned one (plain UpdateFirmware, whose
 * answer has no status) also reports InstallationFailed with the reason. A location whose scheme
 * curl_uv_url_allowed refuses (file://, gopher://, ...) is not fetched: -1, and the status becomes
 * DownloadFailed with the reason. */
int firmware_update(firmware *fw, const fw_request *req, char *err, size_t errlen);
/* Installs an image already on this station (uploaded from the local page)
 * as if it had just been downloaded (-1 with the reason, the file left where
 * it is, when firmware_trust_refusal() refuses it): the file is renamed to the download
 * path (so it must be on the data directory's file system), then reported
 * Downloaded, checked exactly like a SignedUpdateFirmware image when a
 * signature is given (SignatureVerified or InvalidSignature), installed and
 * restarted into. -1 with a reason when an update runs, the file cannot be
 * taken, or the signature comes without its certificate. */
int firmware_install_file(firmware *fw, const char *path, const char *signature_b64,
                          const char *signing_cert_pem, char *err, size_t errlen);
/* The manufacturer root(s) that signing certificates must chain to from now
 * on ("" or NULL: none): firmware.ca_file changed at run time. A check
 * already running keeps the file it started with. */
void firmware_set_ca_file(firmware *fw, const char *ca_file);
const char *firmware_ca_file(const firmware *fw); /* "" when none */
/* firmware.allow_unsigned changed at run time; applies to the next request and
 * to an image not yet installed. */
void firmware_set_allow_unsigned(firmware *fw, bool allow);
bool firmware_allow_unsigned(const firmware *fw);
/* Pure: why an image may not be installed, NULL when it may. Only a signature
 * checked against a manufacturer root proves where an image comes from; an
 * unsigned image, or one signed by a certificate nobody vouches for (no
 * ca_file: any self-made certificate would do), is installed only when the
 * installer allowed it (firmware.allow_unsigned). */
const char *firmware_trust_refusal(bool has_signature, const char *ca_file, bool allow_unsigned);
/* Whether a signing certificate (PEM) chains to the manufacturer root(s) in
 * ca_file, before anything is fetched (OCPP 2.0.1 L01: InvalidCertificate);
 * 0 when it does or there is no ca_file, -1 with the reason. Reads ca_file:
 * not for the loop's hot path. */
int firmware_check_signing_cert(const char *ca_file, const char *cert_pem, char *err,
                                size_t errlen);
/* OCPP 2.0.1 L01.FR.24: a new UpdateFirmware cancels the running update.
 * What can be cancelled: a scheduled or running download (the transfer is
 * aborted, its connection closed, the partial image removed), a wait between
 * download attempts, a verified image waiting for its install time
 * (InstallScheduled). Not: a signature check under way, an install or the
 * restart into the new image (L01.FR.27 lets the station refuse then): -1
 * with the reason, the update goes on. Cancelled, the status becomes Idle
 * with the detail "cancelled" (2.0.1 has no FirmwareStatus for it: the CSMS
 * hears AcceptedCanceled) and 1 is returned; 0 when no update ran. */
int firmware_cancel(firmware *fw, char *err, size_t errlen);
bool firmware_busy(const firmware *fw);
fw_status firmware_status(const firmware *fw);
/* The running version (the simulator's installed one, else BORNE_VERSION). */
const char *firmware_version(const firmware *fw);
/* After a start: an install that restarted us reports Installed (once).
 * Returns true when it did. */
bool firmware_boot_report(firmware *fw);
/* RAUC: a connector of the station is Available. A new image waiting to be
 * confirmed is marked good (`rauc status mark-good`) once it is Available and,
 * with confirm_backend, its back end accepted it (firmware_boot_report); it
 * reports Installed once both marked good and firmware_boot_report() was
 * called. Not confirmed within confirm_timeout_s: `rauc status mark-bad`,
 * reboot, and the next start reports InstallationFailed ("rolled back ...")
 * at firmware_boot_report(). */
void firmware_station_available(firmware *fw);
/* No session runs any more: an image waiting for that is installed now. */
void firmware_sessions_ended(firmware *fw);
/* An image waits for the sessions to end before its install. */
bool firmware_waiting_for_sessions(const firmware *fw);
/* Whether the last InstallationFailed is a roll-back to the previous image
 * (the service raises a security event for it). */
bool firmware_rolled_back(const firmware *fw);
/* Whether an install restarted us and firmware_boot_report() has not reported
 * it yet (OCPP 2.0.1 boots with the reason FirmwareUpdate then). */
bool firmware_boot_pending(const firmware *fw);
void firmware_close(firmware *fw); /* stops timers and children; frees after the loop */

#endif
