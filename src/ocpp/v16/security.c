/*
 * OCPP 1.6 security whitepaper (edition 2): SecurityEventNotification
 * (queued like transaction messages), SignCertificate (A02/A03) with the
 * incoming CertificateSigned, InstallCertificate, DeleteCertificate and
 * GetInstalledCertificateIds (M03-M05), and the reconnects a new client
 * certificate or new root certificates need. The certificate store is the
 * charge-point model's (src/chargepoint/certificates.h); each handler
 * decodes the 1.6 request with the v16 codec (codec.h), calls the store and
 * encodes its answer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ocpp/v16/v16_internal.h"

void v16_security_event(ocpp16_station *o, const char *type, const char *tech) {
  station_event(o->st, 0, "security", "%s%s%s", type, tech && tech[0] ? ": " : "",
                tech ? tech : "");
}

/* Security whitepaper: SecurityEventNotification, queued like transaction
 * messages; `detail` is the station event's "type[: techInfo]". */
void v16_security_event_notification(ocpp16_station *o, const char *detail) {
  char type[51], tech[256];
  const char *colon = strchr(detail, ':');
  snprintf(type, sizeof type, "%.*s", colon ? (int)(colon - detail) : (int)strlen(detail), detail);
  snprintf(tech, sizeof tech, "%s", colon ? colon + 1 + (colon[1] == ' ') : "");
  json_t *p = json_pack("{s:s, s:o}", "type", type, "timestamp", time_json(now_of(o)));
  if (tech[0]) json_object_set_new(p, "techInfo", json_string(tech));
  v16_enqueue(o, 0, "SecurityEventNotification", p);
}

/* ---------- certificates (security whitepaper, chargepoint/certificates.h) ---------- */

/* SignCertificate.req with a new key pair's CSR (use cases A02/A03). Its
 * commonName is the charge point's unique serial number (whitepaper
 * A00.FR.511; the BootNotification's chargePointSerialNumber), the charge
 * point id while station.serial is not set. */
void v16_send_sign_certificate(ocpp16_station *o) {
  char err[200];
  const char *serial = config_get(o->st->cfg, "station.serial");
  const char *cn = serial && serial[0] ? serial : config_get(o->st->cfg, "station.id");
  char *csr = cp_certs_sign_request(o->certs, cn, key_str(o, "CpoName"), err, sizeof err);
  json_t *p = v16_sign_request_encode(csr);
  free(csr);
  if (!p) {
    log_error(MOD, "SignCertificate not sent: %s", err);
    return;
  }
  v16_send_now(o, "SignCertificate", p);
}

static void h_install_certificate(ocpp16_station *o, const json_t *req, ocpp_reply *r) {
  ocpp16_InstallCertificateRequest q;
  ocpp_error e;
  if (!v16_decoded(ocpp16_InstallCertificateRequest_decode(req, &q, &e), &e, r)) return;
  unsigned before = cp_certs_csms_generation(o->certs);
  r->result =
      v16_install_encode(cp_certs_install(o->certs, v16_install_use(&q), q.certificate, now_of(o)));
  if (cp_certs_csms_generation(o->certs) != before) o->trust_changed = true;
  ocpp16_InstallCertificateRequest_free(&q);
}

static void h_delete_certificate(ocpp16_station *o, const json_t *req, ocpp_reply *r) {
  ocpp16_DeleteCertificateRequest q;
  ocpp_error e;
  if (!v16_decoded(ocpp16_DeleteCertificateRequest_decode(req, &q, &e), &e, r)) return;
  unsigned before = cp_certs_csms_generation(o->certs);
  cp_cert_hash_data want;
  r->result = v16_delete_encode(v16_hash_data_decode(&q.certificateHashData, &want) == 0
                                    ? cp_certs_delete(o->certs, &want)
                                    : CP_CERT_DELETE_NOT_FOUND);
  if (cp_certs_csms_generation(o->certs) != before) o->trust_changed = true;
  ocpp16_DeleteCertificateRequest_free(&q);
}

static void h_get_installed_certificate_ids(ocpp16_station *o, const json_t *req, ocpp_reply *r) {
  ocpp16_GetInstalledCertificateIdsRequest q;
  ocpp_error e;
  if (!v16_decoded(ocpp16_GetInstalledCertificateIdsRequest_decode(req, &q, &e), &e, r)) return;
  cp_cert_hash_data list[2 * CP_CERTS_MAX];
  int n = cp_certs_list(o->certs, v16_get_ids_use(&q), CP_HASH_SHA256, list, 2 * CP_CERTS_MAX);
  r->result = v16_ids_encode(list, n);
  ocpp16_GetInstalledCertificateIdsRequest_free(&q);
}

static void h_certificate_signed(ocpp16_station *o, const json_t *req, ocpp_reply *r) {
  ocpp16_CertificateSignedRequest q;
  ocpp_error e;
  if (!v16_decoded(ocpp16_CertificateSignedRequest_decode(req, &q, &e), &e, r)) return;
  bool changed = false;
  char why[200];
  r->result = v16_signed_encode(
      cp_certs_signed(o->certs, q.certificateChain, now_of(o), &changed, why, sizeof why));
  ocpp16_CertificateSignedRequest_free(&q);
  if (!changed) {
    v16_security_event(o, "InvalidChargePointCertificate", why); /* whitepaper A02/A03 */
    return;
  }
  station_event(o->st, 0, "ocpp_certificate", "client certificate installed");
  /* profile 3 authenticates with it: reconnect once the answer is out */
  if (key_int(o, "security_profile") == 3) o->cert_reconnect = true;
}

/* The link's certificates changed: used from the next connection. */
void v16_certs_apply(ocpp16_station *o, const char *why) {
  ocpp_transport_config tc;
  v16_transport_config(o, &tc);
  o->link_loaded_at = config_generation(o->st->cfg);
  station_event(o->st, 0, "ocpp_reconfigured", "%s: reconnecting to %s", why, o->url);
  ocpp_link_reconfigure(o->link, &tc);
}

void v16_cert_reconnect_cb(uv_timer_t *t) {
  ocpp16_station *o = t->data;
  o->trust_changed = false;
  if (!o->closing) v16_certs_apply(o, "new client certificate");
}

/* The incoming CALLs of this family (gathered by on_call in ocpp16_module.c). */
static const v16_handler handlers[] = {
    {"InstallCertificate", h_install_certificate, false},
    {"DeleteCertificate", h_delete_certificate, false},
    {"GetInstalledCertificateIds", h_get_installed_certificate_ids, false},
    {"CertificateSigned", h_certificate_signed, false},
};
const v16_family v16_security_calls = {handlers, sizeof handlers / sizeof handlers[0]};
