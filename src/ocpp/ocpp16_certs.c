/*
 * The whitepaper's certificate messages, the calls the 1.6 glue makes (see
 * ocpp16_certs.h): thin wrappers that decode the generated 1.6 types with the
 * v16 codec (src/ocpp/v16/codec.h), hand them to the charge-point model's
 * certificate store (src/chargepoint/certificates.h), where every rule and
 * all the OpenSSL work live, and encode its answer. They go when the glue in
 * src/ocpp/v16 calls model and codec itself.
 */
#include "ocpp/ocpp16_certs.h"

#include <stdlib.h>

#include "chargepoint/certificates.h"
#include "ocpp/v16/codec.h"

/* The wrapper's handle is the model's store itself. */
static cp_certs *m(ocpp16_certs *c) { return (cp_certs *)c; }
static const cp_certs *cm(const ocpp16_certs *c) { return (const cp_certs *)c; }

ocpp16_certs *ocpp16_certs_open(const char *dir, char *err, size_t errlen) {
  return (ocpp16_certs *)cp_certs_open(dir, err, errlen);
}

void ocpp16_certs_free(ocpp16_certs *c) { cp_certs_free(m(c)); }

json_t *ocpp16_certs_install(ocpp16_certs *c, const ocpp16_InstallCertificateRequest *req,
                             borne_ms now) {
  if (!req) return v16_install_encode(CP_CERT_INSTALL_REJECTED);
  return v16_install_encode(cp_certs_install(m(c), v16_install_use(req), req->certificate, now));
}

json_t *ocpp16_certs_delete(ocpp16_certs *c, const ocpp16_DeleteCertificateRequest *req) {
  cp_cert_hash_data want;
  if (!req || v16_hash_data_decode(&req->certificateHashData, &want) != 0)
    return v16_delete_encode(CP_CERT_DELETE_NOT_FOUND);
  return v16_delete_encode(cp_certs_delete(m(c), &want));
}

json_t *ocpp16_certs_get_ids(ocpp16_certs *c, const ocpp16_GetInstalledCertificateIdsRequest *req) {
  cp_cert_hash_data list[2 * CP_CERTS_MAX];
  int n = cp_certs_list(m(c), v16_get_ids_use(req), CP_HASH_SHA256, list, 2 * CP_CERTS_MAX);
  return v16_ids_encode(list, n);
}

json_t *ocpp16_certs_signed(ocpp16_certs *c, const ocpp16_CertificateSignedRequest *req,
                            borne_ms now, bool *client_cert_changed, char *why, size_t whylen) {
  return v16_signed_encode(cp_certs_signed(m(c), req ? req->certificateChain : NULL, now,
                                           client_cert_changed, why, whylen));
}

json_t *ocpp16_certs_sign_request(ocpp16_certs *c, const char *cp_id, const char *org, char *err,
                                  size_t errlen) {
  char *csr = cp_certs_sign_request(m(c), cp_id, org, err, errlen);
  json_t *res = v16_sign_request_encode(csr);
  free(csr);
  return res;
}

void ocpp16_certs_set_server_chain(ocpp16_certs *c, const char *pem) {
  cp_certs_set_server_chain(m(c), pem);
}

const char *ocpp16_certs_client_cert_file(const ocpp16_certs *c) {
  return cp_certs_client_cert_file(cm(c));
}

const char *ocpp16_certs_client_key_file(const ocpp16_certs *c) {
  return cp_certs_client_key_file(cm(c));
}

const char *ocpp16_certs_ca_file(const ocpp16_certs *c) { return cp_certs_ca_file(cm(c)); }

const char *ocpp16_certs_link_ca_file(ocpp16_certs *c, const char *configured) {
  return cp_certs_link_ca_file(m(c), configured);
}

int ocpp16_certs_count(const ocpp16_certs *c, bool central_system) {
  return cp_certs_count(cm(c), central_system ? CP_CERT_CSMS_ROOT : CP_CERT_MANUFACTURER_ROOT);
}

int ocpp16_certs_import_cs_roots(ocpp16_certs *c, const char *pem_file, borne_ms now) {
  return cp_certs_import_csms_roots(m(c), pem_file, now);
}
