/*
 * OCPP 1.6 security whitepaper (edition 3) certificate management as the 1.6
 * glue calls it: InstallCertificate, DeleteCertificate,
 * GetInstalledCertificateIds, CertificateSigned and the SignCertificate
 * request (use cases A02/A03, M03, M04, M05), generated request structs in,
 * .conf payloads out (the caller owns them). Thin wrappers over the
 * charge-point model's certificate store (src/chargepoint/certificates.h:
 * the files in DATA_DIR/certs/, the checks, the keys) and the v16 codec
 * (src/ocpp/v16/codec.h); they remain until the glue in src/ocpp/v16 calls
 * those itself. `now` is epoch milliseconds; nothing here reads a clock or
 * touches the network.
 *
 * Not implemented (documented in docs/ocpp16.md): the
 * AdditionalRootCertificateCheck behaviour (the key stays false), so any
 * number of CentralSystemRootCertificates may be installed.
 */
#ifndef BORNE_OCPP_OCPP16_CERTS_H
#define BORNE_OCPP_OCPP16_CERTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "chargepoint/certificates.h"
#include "ocpp16_messages.h" /* generated from the OCPP 1.6 schemas */
#include "core/types.h"

/* At most this many root certificates in all (the OCPP key CertificateStoreMaxLength). */
#define OCPP16_CERTS_MAX CP_CERTS_MAX

typedef struct ocpp16_certs ocpp16_certs;

/* Opens (creating it mode 0700) the store in `dir` and loads it. NULL with
 * the reason in err when the directory cannot be made or read. Files that do
 * not parse are skipped with a warning. */
ocpp16_certs *ocpp16_certs_open(const char *dir, char *err, size_t errlen);
void ocpp16_certs_free(ocpp16_certs *c);

/* InstallCertificate.req -> .conf. "Rejected" for a certificate that is not
 * one PEM X.509 self-signed CA certificate whose signature verifies, that is
 * outside its validity period at `now`, or when OCPP16_CERTS_MAX roots are
 * installed; "Failed" when it cannot be written; "Accepted" otherwise
 * (installing one already present changes nothing). */
json_t *ocpp16_certs_install(ocpp16_certs *c, const ocpp16_InstallCertificateRequest *req,
                             borne_ms now);

/* DeleteCertificate.req -> .conf. "NotFound" when no installed root matches
 * certificateHashData (hashes and serial compared without regard to case or
 * leading zeroes of the serial); "Failed" for the CentralSystemRootCertificate
 * in use (see ocpp16_certs_set_server_chain) or the charge point's own
 * certificate; "Accepted" once the file is gone. */
json_t *ocpp16_certs_delete(ocpp16_certs *c, const ocpp16_DeleteCertificateRequest *req);

/* GetInstalledCertificateIds.req -> .conf: certificateHashData (SHA256) of
 * every installed certificate of certificateType, or status "NotFound". */
json_t *ocpp16_certs_get_ids(ocpp16_certs *c, const ocpp16_GetInstalledCertificateIdsRequest *req);

/* CertificateSigned.req -> .conf. "Accepted" when the chain's first
 * certificate carries the public key of the pending CSR, is valid at `now`,
 * and (when CentralSystemRootCertificates are installed) chains to one of
 * them through the rest of the chain; the key and chain then become the
 * client identity (*client_cert_changed = true). "Rejected" otherwise, with
 * the reason in why (for the InvalidChargePointCertificate security event). */
json_t *ocpp16_certs_signed(ocpp16_certs *c, const ocpp16_CertificateSignedRequest *req,
                            borne_ms now, bool *client_cert_changed, char *why, size_t whylen);

/* SignCertificate.req payload {"csr": PEM}: a new key pair (kept as
 * pending.key) and a PKCS#10 CSR signed with it, subject CN = cp_id,
 * O = org (the whitepaper: organizationName is the CpoName key). NULL with
 * the reason in err. */
json_t *ocpp16_certs_sign_request(ocpp16_certs *c, const char *cp_id, const char *org, char *err,
                                  size_t errlen);

/* The server certificate chain of the current TLS connection (PEM, leaf
 * first), NULL when not connected over TLS: the CentralSystemRootCertificate
 * that verifies it is "in use" and cannot be deleted. */
void ocpp16_certs_set_server_chain(ocpp16_certs *c, const char *pem);

/* Files for the TLS link; NULL when the store holds none. The client
 * certificate and key are the same file (client.pem). */
const char *ocpp16_certs_client_cert_file(const ocpp16_certs *c);
const char *ocpp16_certs_client_key_file(const ocpp16_certs *c);
const char *ocpp16_certs_ca_file(const ocpp16_certs *c);

/* The CA file the TLS link trusts: the installed
 * CentralSystemRootCertificates together with the certificates of
 * `configured` (the installer's ocpp.ca_file; NULL or "" for none), written
 * as DATA_DIR/certs/ca-link.pem when both exist. `configured` itself when no
 * root is installed (or when it cannot be read: the link then says why),
 * NULL when neither exists (the system's CAs). */
const char *ocpp16_certs_link_ca_file(ocpp16_certs *c, const char *configured);

/* Number of installed CentralSystemRootCertificates / ManufacturerRootCertificates. */
int ocpp16_certs_count(const ocpp16_certs *c, bool central_system);

/* Imports every self-signed CA certificate of a PEM file as a
 * CentralSystemRootCertificate (the installer's ocpp.ca_file, so that the
 * back end sees and manages it). Number imported, -1 when unreadable. */
int ocpp16_certs_import_cs_roots(ocpp16_certs *c, const char *pem_file, borne_ms now);

#endif
