/*
 * OCPP 2.0.1 functional block L (Firmware management), L01 secure and L02
 * non-secure update: UpdateFirmware handed to the station's one updater
 * (src/firmware, the same install path as 1.6's SignedUpdateFirmware and the
 * web page's upload), each of its steps reported as a
 * FirmwareStatusNotification with the request's requestId, the restart into
 * the installed image once those notifications left, the BootNotification
 * reason FirmwareUpdate and the final Installed after it. The FirmwareUpdated
 * and InvalidFirmwareSignature security events are the firmware service's
 * (firmware_module.c), sent by transactions.c. One file of the 2.0.1
 * dialect's functional blocks; it never downloads nor installs itself.
 */
#include <string.h>

#include "ocpp/v201/v201_internal.h"
#include "ocpp/v201/vocabulary.h"

/* The firmware asks for the restart into the new image: first let the
 * notifications already on their way reach the CSMS (at most this long), so
 * it sees InstallRebooting before the station goes (L01.FR.15). */
#define RESTART_FLUSH_MAX_MS 10000

static json_t *status_payload(fw_status s, int request_id) {
  json_t *p = json_pack("{s:s}", "status", v201_firmware_status_name(s));
  /* requestId: mandatory but for a triggered Idle; an update from the web
   * page has none (the CSMS did not ask for it) */
  if (request_id) json_object_set_new(p, "requestId", json_integer(request_id));
  return p;
}

void v201_on_firmware_status(void *ctx, fw_status s, int request_id, const char *detail) {
  ocpp201_station *o = ctx;
  (void)detail;
  o->fw_last = s;
  o->fw_request_id = request_id;
  if (s == FW_IDLE) return; /* said only when triggered */
  /* L01.FR.01: every new step, queued on disk so that a step taken offline
   * (or before the restart into the image) reaches the CSMS once it is back;
   * the firmware service recorded the event, the security events (sent by
   * on_event) and set the LED */
  v201_queue_message(o, "FirmwareStatusNotification", status_payload(s, request_id));
}

void v201_send_firmware_status(ocpp201_station *o) {
  /* F06/L01: Idle when no update is running, else the step it is at */
  bool busy = station_firmware_busy(o->st);
  v201_send_now(o, "FirmwareStatusNotification",
                status_payload(busy ? o->fw_last : FW_IDLE, busy ? o->fw_request_id : 0));
}

void v201_on_restart(void *ctx) {
  ocpp201_station *o = ctx;
  o->restart_hard = true;
  o->restart_why = BOOT_REASON_FIRMWARE_UPDATE;
  o->restart_pending = true;
  o->restart_deadline = uv_now(o->st->loop) + RESTART_FLUSH_MAX_MS;
  lazy_timer_start(&o->reset_timer, o->st->loop, v201_flush_check_cb, o, 0, 0);
}

/* The firmware's own marker first: a RAUC install reboots the machine
 * (systemctl reboot) rather than the station; else the reason the station
 * decided at its start (core/boot_reason.h): recorded by whoever restarted it
 * (TC_B_23_CS: RemoteReset after the CSMS's Reset), or told by the run
 * before's marker and the OS boot id. */
const char *v201_boot_reason(ocpp201_station *o) {
  if (station_firmware_boot_pending(o->st)) return "FirmwareUpdate";
  return boot_reason_name(o->st->start_reason);
}

/* ---------- incoming calls ---------- */

static void h_update_firmware(ocpp201_station *o, const json_t *req, ocpp_reply *r) {
  ocpp201_UpdateFirmwareRequest q;
  ocpp_error e;
  if (!v201_decoded(ocpp201_UpdateFirmwareRequest_decode(req, &q, &e), &e, r)) return;
  const ocpp201_UpdateFirmwareRequest_firmware *f = &q.firmware;
  int64_t retrieve = 0, install = 0;
  timefmt_parse(f->retrieveDateTime, &retrieve);
  if (f->has_installDateTime) timefmt_parse(f->installDateTime, &install);
  bool has_signature = f->has_signature && f->signature[0];
  bool has_cert = f->has_signingCertificate && f->signingCertificate[0];
  fw_request fr = {.location = f->location,
                   .retrieve_at = retrieve,
                   .install_at = install,
                   /* absent: the station decides (no retry, as 1.6) */
                   .retries = q.has_retries ? (int)q.retries : 0,
                   .retry_interval_s = q.has_retryInterval ? (int)q.retryInterval : 0,
                   .signature_b64 = has_signature ? f->signature : NULL,
                   .signing_cert_pem = has_cert ? f->signingCertificate : NULL,
                   .request_id = (int)q.requestId};
  char err[320];
  const char *refusal;
  int cancelled = 0;
  firmware *fw = station_firmware(o->st); /* made by the first update */
  /* L01.FR.24: the new request is checked first (a request refused leaves
   * the running update alone; the file itself is not looked for), then the
   * running update is cancelled and the answer is AcceptedCanceled; one past
   * the point of no return (a signature check, an install) is kept and the
   * request Rejected (L01.FR.27) */
  if (!fw) {
    v201_reply_status_info(r, "Rejected", "InternalError", "no firmware updater");
  } else if (!curl_uv_url_allowed(fr.location, err, sizeof err)) {
    /* refused up front (file://, gopher://, ...): nothing is fetched, no
     * status notification follows */
    log_warn(MOD, "UpdateFirmware: %s", err);
    v201_reply_status_info(r, "Rejected", "InvalidURL", err);
  } else if (has_signature && !has_cert) {
    v201_reply_status_info(r, "Rejected", "MissingParam",
                           "a signature needs its signingCertificate (L01.FR.11)");
  } else if ((refusal = firmware_trust_refusal(has_signature, firmware_ca_file(fw),
                                               firmware_allow_unsigned(fw)))) {
    /* no manufacturer root to check a signing certificate against, or an
     * unsigned image the installer did not allow: nothing is fetched */
    log_warn(MOD, "UpdateFirmware: %s", refusal);
    if (has_signature) {
      station_event(o->st, 0, "security", "InvalidFirmwareSigningCertificate: %s", refusal);
      v201_reply_status_info(r, "InvalidCertificate", "NoRootCertificate", refusal);
    } else {
      v201_reply_status_info(r, "Rejected", "UnsignedFirmware", refusal);
    }
  } else if (has_signature &&
             firmware_check_signing_cert(firmware_ca_file(fw), f->signingCertificate, err,
                                         sizeof err) != 0) {
    /* L01.FR.02: a signing certificate the manufacturer root does not vouch
     * for is InvalidCertificate, with its security event, before any byte */
    log_warn(MOD, "UpdateFirmware: %s", err);
    station_event(o->st, 0, "security", "InvalidFirmwareSigningCertificate: %s", err);
    v201_reply_status_info(r, "InvalidCertificate", "InvalidCertificate", err);
  } else if ((cancelled = firmware_cancel(fw, err, sizeof err)) < 0) {
    log_warn(MOD, "UpdateFirmware: %s", err);
    v201_reply_status_info(r, "Rejected", "OngoingUpdate", err);
  } else if (firmware_update(fw, &fr, err, sizeof err) != 0) {
    log_warn(MOD, "UpdateFirmware: %s", err);
    v201_reply_status_info(r, "Rejected", "InternalError", err);
  } else {
    if (cancelled) log_info(MOD, "UpdateFirmware %d replaces the running update", fr.request_id);
    v201_reply_status_info(r, cancelled ? "AcceptedCanceled" : "Accepted", NULL, NULL);
  }
  ocpp201_UpdateFirmwareRequest_free(&q);
}

static const v201_handler handlers[] = {
    {"UpdateFirmware", h_update_firmware},
};
const v201_family v201_firmware_calls = {handlers, sizeof handlers / sizeof handlers[0]};
