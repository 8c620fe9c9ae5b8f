/*
 * The certificate messages of the OCPP 1.6 security whitepaper as a dialect
 * of the charge-point model: InstallCertificate, DeleteCertificate,
 * GetInstalledCertificateIds, CertificateSigned and SignCertificate
 * translated to and from src/chargepoint/certificates.h (see codec.h). The
 * store and every check are the model's.
 */
#include <stdio.h>
#include <string.h>

#include "ocpp/v16/codec.h"

cp_cert_use v16_install_use(const ocpp16_InstallCertificateRequest *in) {
  return in && in->certificateType ==
                     ocpp16_InstallCertificateRequest_certificateType_CentralSystemRootCertificate
             ? CP_CERT_CSMS_ROOT
             : CP_CERT_MANUFACTURER_ROOT;
}

cp_cert_use v16_get_ids_use(const ocpp16_GetInstalledCertificateIdsRequest *in) {
  return in && in->certificateType ==
                     ocpp16_GetInstalledCertificateIdsRequest_certificateType_CentralSystemRootCertificate
             ? CP_CERT_CSMS_ROOT
             : CP_CERT_MANUFACTURER_ROOT;
}

/* Copies a member; -1 when it does not fit (then it matches nothing). */
static int copy(char *out, size_t len, const char *in) {
  return (size_t)snprintf(out, len, "%s", in) < len ? 0 : -1;
}

int v16_hash_data_decode(const ocpp16_DeleteCertificateRequest_certificateHashData *in,
                         cp_cert_hash_data *out) {
  memset(out, 0, sizeof *out);
  if (!in) return -1;
  switch (in->hashAlgorithm) {
  case ocpp16_DeleteCertificateRequest_certificateHashData_hashAlgorithm_SHA256:
    out->algorithm = CP_HASH_SHA256;
    break;
  case ocpp16_DeleteCertificateRequest_certificateHashData_hashAlgorithm_SHA384:
    out->algorithm = CP_HASH_SHA384;
    break;
  case ocpp16_DeleteCertificateRequest_certificateHashData_hashAlgorithm_SHA512:
    out->algorithm = CP_HASH_SHA512;
    break;
  default:
    return -1;
  }
  if (copy(out->issuer_name_hash, sizeof out->issuer_name_hash, in->issuerNameHash) != 0 ||
      copy(out->issuer_key_hash, sizeof out->issuer_key_hash, in->issuerKeyHash) != 0 ||
      copy(out->serial, sizeof out->serial, in->serialNumber) != 0)
    return -1;
  return 0;
}

static json_t *status_json(const char *status) { return json_pack("{s:s}", "status", status); }

json_t *v16_install_encode(cp_cert_install_result r) {
  return status_json(r == CP_CERT_INSTALL_ACCEPTED ? "Accepted"
                     : r == CP_CERT_INSTALL_FAILED ? "Failed"
                                                   : "Rejected");
}

json_t *v16_delete_encode(cp_cert_delete_result r) {
  return status_json(r == CP_CERT_DELETE_ACCEPTED ? "Accepted"
                     : r == CP_CERT_DELETE_FAILED ? "Failed"
                                                  : "NotFound");
}

json_t *v16_signed_encode(cp_cert_signed_result r) {
  return status_json(r == CP_CERT_SIGNED_ACCEPTED ? "Accepted" : "Rejected");
}

static const char *algorithm_name(cp_hash_algorithm a) {
  switch (a) {
  case CP_HASH_SHA384:
    return "SHA384";
  case CP_HASH_SHA512:
    return "SHA512";
  case CP_HASH_SHA256:
    break;
  }
  return "SHA256";
}

json_t *v16_ids_encode(const cp_cert_hash_data *list, int n) {
  if (!list || n <= 0) return status_json("NotFound");
  json_t *a = json_array();
  for (int i = 0; i < n; i++)
    json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s}", "hashAlgorithm",
                                       algorithm_name(list[i].algorithm), "issuerNameHash",
                                       list[i].issuer_name_hash, "issuerKeyHash",
                                       list[i].issuer_key_hash, "serialNumber", list[i].serial));
  return json_pack("{s:s, s:o}", "status", "Accepted", "certificateHashData", a);
}

json_t *v16_sign_request_encode(const char *csr) {
  return csr ? json_pack("{s:s}", "csr", csr) : NULL;
}
