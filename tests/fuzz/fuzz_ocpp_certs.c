/*
 * Fuzz target for the certificate messages: arbitrary JSON as an
 * InstallCertificate, DeleteCertificate, GetInstalledCertificateIds and
 * CertificateSigned payload (decoded into its generated struct when it
 * passes the schema, as the charge point does), and the raw bytes as the
 * PEM of InstallCertificate and CertificateSigned, on a store in a
 * temporary directory holding a pending request. The same bytes as an OCPP
 * 2.0.1 V2G root and V2G certificate chain (the store's second leaf, with
 * its own pending request) and the listing of that chain. Every answer must
 * be one of the schema's statuses, never a crash or a leak.
 */
#include <dirent.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chargepoint/certificates.h"
#include "ocpp/v16/codec.h"
#include "util/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define T0 (2208988800LL * 1000) /* 2040-01-01T00:00:00Z: inside the seed CA's validity */

/* The 1.6 answers as src/ocpp/v16/security.c makes them: the v16 codec
 * decodes, the model's store decides, the codec encodes. */
static json_t *install16(cp_certs *c, const ocpp16_InstallCertificateRequest *q, borne_ms now) {
  return v16_install_encode(cp_certs_install(c, v16_install_use(q), q->certificate, now));
}

static json_t *delete16(cp_certs *c, const ocpp16_DeleteCertificateRequest *q) {
  cp_cert_hash_data want;
  return v16_delete_encode(v16_hash_data_decode(&q->certificateHashData, &want) == 0
                               ? cp_certs_delete(c, &want)
                               : CP_CERT_DELETE_NOT_FOUND);
}

static json_t *get_ids16(cp_certs *c, const ocpp16_GetInstalledCertificateIdsRequest *q) {
  cp_cert_hash_data list[2 * CP_CERTS_MAX];
  return v16_ids_encode(
      list, cp_certs_list(c, v16_get_ids_use(q), CP_HASH_SHA256, list, 2 * CP_CERTS_MAX));
}

static json_t *signed16(cp_certs *c, const ocpp16_CertificateSignedRequest *q, borne_ms now,
                        bool *changed, char *why, size_t whylen) {
  return v16_signed_encode(cp_certs_signed(c, q->certificateChain, now, changed, why, whylen));
}

static json_t *sign_request16(cp_certs *c, const char *id, const char *org, char *err,
                              size_t errlen) {
  char *csr = cp_certs_sign_request(c, id, org, err, errlen);
  json_t *j = v16_sign_request_encode(csr);
  free(csr);
  return j;
}

static cp_certs *certs;
static char dir[] = "/tmp/borne-fuzz-certs-XXXXXX";

static void cleanup(void) {
  cp_certs_free(certs);
  DIR *d = opendir(dir);
  struct dirent *e;
  char path[300];
  while (d && (e = readdir(d)) != NULL) {
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    if (e->d_name[0] != '.' || e->d_name[1] == 't') unlink(path);
  }
  if (d) closedir(d);
  rmdir(dir);
}

static void check(json_t *res, const char *const *allowed) {
  const char *s = json_string_value(json_object_get(res, "status"));
  if (!s) abort();
  bool ok = false;
  for (; *allowed; allowed++) ok = ok || strcmp(s, *allowed) == 0;
  if (!ok) abort();
  json_decref(res);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!certs) {
    log_set_level(LOG_ERROR);
    char err[200];
    if (!mkdtemp(dir)) abort();
    atexit(cleanup);
    certs = cp_certs_open(dir, err, sizeof err);
    json_t *csr = certs ? sign_request16(certs, "CP", "Fuzz", err, sizeof err) : NULL;
    if (!csr) abort();
    json_decref(csr);
    char *v2g = cp_certs_sign_request_leaf(certs, CP_LEAF_V2G, "SECC", "Fuzz", err, sizeof err);
    if (!v2g) abort();
    free(v2g);
  }
  json_t *j = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
  /* the raw bytes as a PEM text too (up to the schema's maxLength) */
  static ocpp16_InstallCertificateRequest pem;
  static ocpp16_CertificateSignedRequest chain;
  pem.certificateType =
      ocpp16_InstallCertificateRequest_certificateType_ManufacturerRootCertificate;
  snprintf(pem.certificate, sizeof pem.certificate, "%.*s", (int)size, (const char *)data);
  snprintf(chain.certificateChain, sizeof chain.certificateChain, "%.*s", (int)size,
           (const char *)data);
  static const char *const install[] = {"Accepted", "Rejected", "Failed", NULL};
  static const char *const del[] = {"Accepted", "Failed", "NotFound", NULL};
  static const char *const ids[] = {"Accepted", "NotFound", NULL};
  static const char *const sig[] = {"Accepted", "Rejected", NULL};
  bool changed;
  char why[200];
  check(install16(certs, &pem, T0), install);
  check(signed16(certs, &chain, T0, &changed, why, sizeof why), sig);
  /* OCPP 2.0.1: the V2G root and the V2G certificate (src/ocpp/v201/security.c) */
  cp_cert_install_result ir = cp_certs_install(certs, CP_CERT_V2G_ROOT, pem.certificate, T0);
  if (ir != CP_CERT_INSTALL_ACCEPTED && ir != CP_CERT_INSTALL_REJECTED &&
      ir != CP_CERT_INSTALL_FAILED)
    abort();
  cp_cert_signed_result sr = cp_certs_signed_leaf(certs, CP_LEAF_V2G, chain.certificateChain, T0,
                                                  &changed, why, sizeof why);
  if (sr != CP_CERT_SIGNED_ACCEPTED && sr != CP_CERT_SIGNED_REJECTED) abort();
  cp_cert_hash_data v2g_chain[4];
  int nv = cp_certs_v2g_chain(certs, CP_HASH_SHA384, v2g_chain, 4);
  if (nv < 0 || nv > 4 || (nv > 0 && !cp_certs_have_v2g(certs))) abort();
  if (j) {
    static ocpp16_InstallCertificateRequest iq;
    static ocpp16_DeleteCertificateRequest dq;
    static ocpp16_GetInstalledCertificateIdsRequest gq;
    static ocpp16_CertificateSignedRequest sq;
    if (ocpp16_InstallCertificateRequest_decode(j, &iq, NULL) == 0) {
      check(install16(certs, &iq, T0), install);
      ocpp16_InstallCertificateRequest_free(&iq);
    }
    if (ocpp16_DeleteCertificateRequest_decode(j, &dq, NULL) == 0) {
      check(delete16(certs, &dq), del);
      ocpp16_DeleteCertificateRequest_free(&dq);
    }
    if (ocpp16_GetInstalledCertificateIdsRequest_decode(j, &gq, NULL) == 0) {
      check(get_ids16(certs, &gq), ids);
      ocpp16_GetInstalledCertificateIdsRequest_free(&gq);
    }
    if (ocpp16_CertificateSignedRequest_decode(j, &sq, NULL) == 0) {
      check(signed16(certs, &sq, T0, &changed, why, sizeof why), sig);
      ocpp16_CertificateSignedRequest_free(&sq);
    }
    cp_certs_set_server_chain(certs, json_string_value(json_object_get(j, "certificate")));
  }
  json_decref(j);
  return 0;
}
