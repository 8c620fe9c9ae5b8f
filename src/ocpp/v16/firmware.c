/*
 * OCPP 1.6 Firmware Management: UpdateFirmware (5.19) and GetDiagnostics
 * (5.9) with FirmwareStatusNotification (4.5) and
 * DiagnosticsStatusNotification (4.4), and the security whitepaper's
 * SignedUpdateFirmware, GetLog and their SignedFirmwareStatusNotification /
 * LogStatusNotification; the restart into an installed image once its
 * notifications left. The updater and the uploader are src/firmware; this
 * is the 1.6 dialect's glue for them.
 */
#include <stdio.h>
#include <string.h>

#include "ocpp/v16/v16_internal.h"
#include "ocpp/v16/vocabulary.h"

void v16_on_firmware_status(void *ctx, fw_status s, int request_id, const char *detail) {
  ocpp16_station *o = ctx;
  (void)detail;
  /* the firmware service recorded the event, the security events
   * (forwarded by on_event) and set the LED */
  o->fw_last = s;
  if (o->fw_signed || request_id) {
    v16_send_now(o, "SignedFirmwareStatusNotification",
                 json_pack("{s:s, s:i}", "status", v16_signed_firmware_status_name(s), "requestId",
                           request_id));
  } else if (v16_firmware_status_name(s)) {
    v16_send_now(o, "FirmwareStatusNotification",
                 json_pack("{s:s}", "status", v16_firmware_status_name(s)));
  }
}

/* The firmware asks for the restart into the new image: first let the
 * status notifications already queued reach the back end (at most
 * RESTART_FLUSH_MAX_MS), so it sees Installing before the station goes. */
#define RESTART_FLUSH_MAX_MS 10000

/* Before a restart (a new image, a Reset): wait while online and something
 * is still on its way (a call of the link, a journal message such as the
 * reset's StopTransaction), at most until restart_deadline; each answer
 * checks again. */
void v16_flush_check_cb(uv_timer_t *t) {
  ocpp16_station *o = t->data;
  uint64_t now = uv_now(o->st->loop);
  bool busy =
      ocpp_link_pending(o->link) > 0 || o->pump_in_flight || cp_journal_length(o->journal) > 0;
  if (online(o) && busy && now < o->restart_deadline) {
    lazy_timer_start(&o->reset_timer, o->st->loop, v16_flush_check_cb, o, o->restart_deadline - now,
                     0);
    return;
  }
  o->restart_pending = false;
  station_reset(o->st, o->reset_hard, o->restart_why);
}

void v16_on_restart(void *ctx) {
  ocpp16_station *o = ctx;
  o->reset_hard = true;
  o->restart_why = BOOT_REASON_FIRMWARE_UPDATE;
  o->restart_pending = true;
  o->restart_deadline = uv_now(o->st->loop) + RESTART_FLUSH_MAX_MS;
  lazy_timer_start(&o->reset_timer, o->st->loop, v16_flush_check_cb, o, 0, 0);
}

void v16_on_diag_status(void *ctx, diag_status s, int request_id, const char *detail) {
  ocpp16_station *o = ctx;
  (void)detail;
  o->diag_last = s;
  /* a GetLog's upload (the module counts a requestId 0 as 1 to tell it from
   * a GetDiagnostics): the requestId as the GetLog.req carried it
   * (whitepaper N01.FR.07) */
  if (request_id)
    v16_send_now(
        o, "LogStatusNotification",
        json_pack("{s:s, s:i}", "status", v16_log_status_name(s), "requestId", o->log_request_id));
  else if (s != DIAG_IDLE)
    v16_send_now(o, "DiagnosticsStatusNotification",
                 json_pack("{s:s}", "status", v16_diagnostics_status_name(s)));
}

/* ---------- incoming calls ---------- */

static void h_update_firmware(ocpp16_station *o, const json_t *req, ocpp_reply *r) {
  ocpp16_UpdateFirmwareRequest q;
  ocpp_error e;
  if (!v16_decoded(ocpp16_UpdateFirmwareRequest_decode(req, &q, &e), &e, r)) return;
  int64_t at = 0;
  timefmt_parse(q.retrieveDate, &at);
  /* absent optional members decode as 0 */
  fw_request fr = {.location = q.location,
                   .retrieve_at = at,
                   .retries = (int)q.retries,
                   .retry_interval_s = (int)q.retryInterval};
  char err[320];
  o->fw_signed = false;
  /* UpdateFirmware.conf has no status: a location the updater refuses
   * (file://, gopher://, ...) is reported DownloadFailed by the updater, an
   * unsigned image it may not install (firmware.allow_unsigned false)
   * InstallationFailed; the updater is made by the first update */
  firmware *fw = station_firmware(o->st);
  if (!fw)
    log_warn(MOD, "UpdateFirmware: no firmware updater");
  else if (firmware_update(fw, &fr, err, sizeof err) != 0)
    log_warn(MOD, "UpdateFirmware: %s", err);
  ocpp16_UpdateFirmwareRequest_free(&q);
  r->result = json_object(); /* UpdateFirmware.conf is empty */
}

static void h_signed_update_firmware(ocpp16_station *o, const json_t *req, ocpp_reply *r) {
  ocpp16_SignedUpdateFirmwareRequest q;
  ocpp_error e;
  if (!v16_decoded(ocpp16_SignedUpdateFirmwareRequest_decode(req, &q, &e), &e, r)) return;
  const ocpp16_SignedUpdateFirmwareRequest_firmware *f = &q.firmware;
  int64_t at = 0;
  timefmt_parse(f->retrieveDateTime, &at);
  fw_request fr = {.location = f->location,
                   .retrieve_at = at,
                   .retries = (int)q.retries,
                   .retry_interval_s = (int)q.retryInterval,
                   .signature_b64 = f->signature,
                   .signing_cert_pem = f->signingCertificate,
                   .request_id = (int)q.requestId};
  char err[320];
  if (!curl_uv_url_allowed(fr.location, err, sizeof err)) {
    /* refused up front (file://, gopher://, ...): no update starts, so no
     * status notification follows the Rejected */
    log_warn(MOD, "SignedUpdateFirmware: %s", err);
    v16_reply_status(r, "Rejected");
    ocpp16_SignedUpdateFirmwareRequest_free(&q);
    return;
  }
  firmware *fw = station_firmware(o->st); /* made by the first update */
  if (!fw) {
    log_warn(MOD, "SignedUpdateFirmware: no firmware updater");
    v16_reply_status(r, "Rejected");
    ocpp16_SignedUpdateFirmwareRequest_free(&q);
    return;
  }
  const char *refusal =
      firmware_trust_refusal(true, firmware_ca_file(fw), firmware_allow_unsigned(fw));
  if (refusal) {
    /* no manufacturer root to check the signing certificate against: the
     * security whitepaper's answer to a certificate that cannot be verified,
     * with its security event; nothing is fetched, no status follows */
    log_warn(MOD, "SignedUpdateFirmware: %s", refusal);
    station_event(o->st, 0, "security", "InvalidFirmwareSigningCertificate: %s", refusal);
    v16_reply_status(r, "InvalidCertificate");
    ocpp16_SignedUpdateFirmwareRequest_free(&q);
    return;
  }
  o->fw_signed = true;
  v16_reply_status(r, firmware_update(fw, &fr, err, sizeof err) == 0 ? "Accepted" : "Rejected");
  ocpp16_SignedUpdateFirmwareRequest_free(&q);
}

static void h_get_diagnostics(ocpp16_station *o, const json_t *req, ocpp_reply *r) {
  ocpp16_GetDiagnosticsRequest q;
  ocpp_error e;
  if (!v16_decoded(ocpp16_GetDiagnosticsRequest_decode(req, &q, &e), &e, r)) return;
  int64_t start = 0, stop = 0;
  timefmt_parse(q.startTime, &start); /* NULL when absent: stays 0 */
  timefmt_parse(q.stopTime, &stop);
  diag_request dr = {.location = q.location,
                     .retries = (int)q.retries,
                     .retry_interval_s = (int)q.retryInterval,
                     .start = start,
                     .stop = stop};
  char name[200], err[160];
  /* GetDiagnostics.conf has no status: a location the uploader refuses
   * (file://, gopher://, ...) gets no fileName and is reported UploadFailed */
  diagnostics *d = v16_diagnostics(o);
  if (!d || diagnostics_upload(d, &dr, name, sizeof name, err, sizeof err) != 0)
    r->result = json_object(); /* no file: fileName is optional */
  else
    r->result = json_pack("{s:s}", "fileName", name);
  ocpp16_GetDiagnosticsRequest_free(&q);
}

static void h_get_log(ocpp16_station *o, const json_t *req, ocpp_reply *r) {
  ocpp16_GetLogRequest q;
  ocpp_error e;
  if (!v16_decoded(ocpp16_GetLogRequest_decode(req, &q, &e), &e, r)) return;
  int64_t start = 0, stop = 0;
  timefmt_parse(q.log.oldestTimestamp, &start);
  timefmt_parse(q.log.latestTimestamp, &stop);
  int id = (int)q.requestId;
  diag_request dr = {.location = q.log.remoteLocation,
                     .retries = (int)q.retries,
                     .retry_interval_s = (int)q.retryInterval,
                     .start = start,
                     .stop = stop,
                     .request_id = id ? id : 1,
                     .security_only = q.logType == ocpp16_GetLogRequest_logType_SecurityLog};
  char name[200], err[160];
  /* set before the upload starts: the module tells Uploading at once */
  int previous = o->log_request_id;
  o->log_request_id = id;
  if (!curl_uv_url_allowed(dr.location, err, sizeof err)) {
    /* refused up front (file://, gopher://, ...): nothing is collected, so
     * no LogStatusNotification follows the Rejected */
    log_warn(MOD, "GetLog: %s", err);
    o->log_request_id = previous;
    v16_reply_status(r, "Rejected");
  } else if (!v16_diagnostics(o) ||
             diagnostics_upload(o->diag, &dr, name, sizeof name, err, sizeof err) != 0) {
    o->log_request_id = previous;
    v16_reply_status(r, "Rejected");
  } else {
    r->result = json_pack("{s:s, s:s}", "status", "Accepted", "filename", name);
  }
  ocpp16_GetLogRequest_free(&q);
}

/* The incoming CALLs of this family (gathered by on_call in ocpp16_module.c). */
static const v16_handler handlers[] = {
    {"UpdateFirmware", h_update_firmware, false},
    {"SignedUpdateFirmware", h_signed_update_firmware, false},
    {"GetDiagnostics", h_get_diagnostics, false},
    {"GetLog", h_get_log, false},
};
const v16_family v16_firmware_calls = {handlers, sizeof handlers / sizeof handlers[0]};
