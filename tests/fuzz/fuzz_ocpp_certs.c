/*
 * Fuzz target for the certificate messages: arbitrary JSON as an
 * InstallCertificate, DeleteCertificate, GetInstalledCertificateIds and
 * CertificateSigned payload (decoded into its generated struct when it
 * passes the schema, as the charge point does), and the raw bytes as the
 * PEM of InstallCertificate and CertificateSigned, on a store in a
 * temporary directory holding a pending request. Every answer must be one
 * of the schema's statuses, never a crash or a leak.
 */
#include <dirent.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ocpp/ocpp16_certs.h"
#include "util/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define T0 (2208988800LL * 1000) /* 2040-01-01T00:00:00Z: inside the seed CA's validity */

static ocpp16_certs *store;
static char dir[] = "/tmp/borne-fuzz-certs-XXXXXX";

static void cleanup(void) {
  ocpp16_certs_free(store);
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
  if (!store) {
    log_set_level(LOG_ERROR);
    char err[200];
    if (!mkdtemp(dir)) abort();
    atexit(cleanup);
    store = ocpp16_certs_open(dir, err, sizeof err);
    json_t *csr = store ? ocpp16_certs_sign_request(store, "CP", "Fuzz", err, sizeof err) : NULL;
    if (!csr) abort();
    json_decref(csr);
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
  check(ocpp16_certs_install(store, &pem, T0), install);
  check(ocpp16_certs_signed(store, &chain, T0, &changed, why, sizeof why), sig);
  if (j) {
    static ocpp16_InstallCertificateRequest iq;
    static ocpp16_DeleteCertificateRequest dq;
    static ocpp16_GetInstalledCertificateIdsRequest gq;
    static ocpp16_CertificateSignedRequest sq;
    if (ocpp16_InstallCertificateRequest_decode(j, &iq, NULL) == 0) {
      check(ocpp16_certs_install(store, &iq, T0), install);
      ocpp16_InstallCertificateRequest_free(&iq);
    }
    if (ocpp16_DeleteCertificateRequest_decode(j, &dq, NULL) == 0) {
      check(ocpp16_certs_delete(store, &dq), del);
      ocpp16_DeleteCertificateRequest_free(&dq);
    }
    if (ocpp16_GetInstalledCertificateIdsRequest_decode(j, &gq, NULL) == 0) {
      check(ocpp16_certs_get_ids(store, &gq), ids);
      ocpp16_GetInstalledCertificateIdsRequest_free(&gq);
    }
    if (ocpp16_CertificateSignedRequest_decode(j, &sq, NULL) == 0) {
      check(ocpp16_certs_signed(store, &sq, T0, &changed, why, sizeof why), sig);
      ocpp16_CertificateSignedRequest_free(&sq);
    }
    ocpp16_certs_set_server_chain(store, json_string_value(json_object_get(j, "certificate")));
  }
  json_decref(j);
  return 0;
}
