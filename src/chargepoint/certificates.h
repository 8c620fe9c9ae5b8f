/*
 * The charge point's certificate store in borne's own types: root
 * certificates a back end installs, lists and deletes, the key pair and
 * signing request of the charge point's own TLS identity, and the signed
 * certificate that becomes it (OCPP 1.6 security whitepaper edition 3 use
 * cases A02/A03, M03, M04, M05; OCPP 2.0.1 keeps them). It exists so that
 * each OCPP dialect only translates its messages (src/ocpp/v16/codec.h);
 * every rule and all the OpenSSL work are here.
 *
 * The store is a directory (DATA_DIR/certs/), every file mode 0600 and
 * written atomically (temp file, fsync, rename, fsync of the directory):
 *   cs-<sha256>.pem   a root of the back end (CP_CERT_CSMS_ROOT)
 *   mf-<sha256>.pem   a manufacturer root (CP_CERT_MANUFACTURER_ROOT)
 *   v2g-<sha256>.pem, mo-<sha256>.pem, oem-<sha256>.pem
 *                     ISO 15118 roots (CP_CERT_V2G_ROOT, CP_CERT_MO_ROOT,
 *                     2.1's CP_CERT_OEM_ROOT): kept and listed for a 15118
 *                     stack, not used by the link
 *   v2g.pem, v2g20.pem the ISO 15118-2 and 15118-20 SECC certificates (key,
 *                     then chain; pending-v2g.key, pending-v2g20.key until
 *                     signed)
 *   ca-bundle.pem     every back-end root in one bundle: the CA file the
 *                     TLS link trusts (security profiles 2, 3)
 *   ca-link.pem       that bundle with the installer's ocpp.ca_file, when
 *                     both exist
 *   client.pem        the charge point's identity: its private key followed
 *                     by the certificate chain, in one file so that key and
 *                     certificate change together
 *   pending.key       the key pair of the CSR made last, until its
 *                     certificate arrives
 *   client-new.pem    a client certificate on trial (cp_certs_client_*),
 *                     client-refused.pem one the back end refused
 *   csms-root-new.pem a CSMS root on trial (AdditionalRootCertificateCheck,
 *                     cp_certs_root_*), csms-root-refused.pem one the
 *                     server's certificate did not verify with
 * Keys are ECDSA P-256 (the whitepaper allows RSA >= 2048 or ECDSA >= 224
 * bits; P-256 is small, fast to generate on a slow CPU and works with every
 * TLS 1.2 server).
 *
 * `now` is epoch milliseconds (validity periods are checked against it);
 * nothing here reads a clock or touches the network.
 */
#ifndef BORNE_CHARGEPOINT_CERTIFICATES_H
#define BORNE_CHARGEPOINT_CERTIFICATES_H

#include <stdbool.h>
#include <stddef.h>

#include "core/types.h"

/* At most this many root certificates in all (1.6's CertificateStoreMaxLength). */
#define CP_CERTS_MAX 16

typedef enum {
  CP_CERT_CSMS_ROOT,         /* 1.6 CentralSystemRootCertificate, 2.0.1 CSMSRootCertificate */
  CP_CERT_MANUFACTURER_ROOT, /* ManufacturerRootCertificate */
  CP_CERT_V2G_ROOT,          /* 2.0.1 V2GRootCertificate (ISO 15118), file v2g-<sha256>.pem */
  CP_CERT_MO_ROOT,           /* 2.0.1 MORootCertificate (ISO 15118), file mo-<sha256>.pem */
  CP_CERT_OEM_ROOT,          /* 2.1 OEMRootCertificate (ISO 15118-20), file oem-<sha256>.pem */
} cp_cert_use;

typedef enum { CP_HASH_SHA256, CP_HASH_SHA384, CP_HASH_SHA512 } cp_hash_algorithm;

/* CertificateHashDataType: hashes in lower-case hexadecimal, the serial in
 * hexadecimal without leading zeroes (compared without regard to case or
 * leading zeroes). */
#define CP_CERT_HASH_MAX 128
#define CP_CERT_SERIAL_MAX 40
typedef struct {
  cp_hash_algorithm algorithm;
  char issuer_name_hash[CP_CERT_HASH_MAX + 1]; /* over the DER of the issuer name */
  char issuer_key_hash[CP_CERT_HASH_MAX + 1];  /* over the issuer's subjectPublicKey value */
  char serial[CP_CERT_SERIAL_MAX + 1];
} cp_cert_hash_data;

typedef enum {
  CP_CERT_INSTALL_ACCEPTED,
  CP_CERT_INSTALL_REJECTED, /* not one valid self-signed CA certificate, or the store is full */
  CP_CERT_INSTALL_FAILED,   /* valid, but cannot be written */
} cp_cert_install_result;

typedef enum {
  CP_CERT_DELETE_ACCEPTED,
  CP_CERT_DELETE_FAILED, /* the back-end root in use, the charge point's own, or not removable */
  CP_CERT_DELETE_NOT_FOUND,
} cp_cert_delete_result;

typedef enum { CP_CERT_SIGNED_ACCEPTED, CP_CERT_SIGNED_REJECTED } cp_cert_signed_result;

/* The station's own certificates: its TLS client identity towards the back
 * end (client.pem, pending.key), and the ISO 15118 SECC certificate of OCPP
 * 2.0.1's V2GCertificate (v2g.pem, pending-v2g.key: made and kept for a
 * 15118 stack, never used by the link; checked against the V2G roots). */
typedef enum {
  CP_LEAF_CHARGING_STATION,
  CP_LEAF_V2G,   /* 2.0.1 V2GCertificate (ISO 15118-2 SECC) */
  CP_LEAF_V2G20, /* 2.1 V2G20Certificate (ISO 15118-20 SECC), v2g20.pem: as CP_LEAF_V2G */
} cp_cert_leaf;

typedef struct cp_certs cp_certs;

/* Opens (creating it mode 0700) the store in `dir` and loads it. NULL with
 * the reason in err when the directory cannot be made or read. Files that do
 * not parse are skipped with a warning. */
cp_certs *cp_certs_open(const char *dir, char *err, size_t errlen);
void cp_certs_free(cp_certs *c);

/* Installs one PEM X.509 certificate for `use`. Rejected for anything but
 * one self-signed CA certificate whose signature verifies and that is valid
 * at `now`, or when CP_CERTS_MAX roots are installed; Failed when it cannot
 * be written; Accepted otherwise (installing one already present changes
 * nothing). With the additional root check on (cp_certs_set_root_check) and
 * a CSMS root installed, a CSMS root is the exception: see below. */
cp_cert_install_result cp_certs_install(cp_certs *c, cp_cert_use use, const char *pem,
                                        borne_ms now);

/* Deletes the installed root matching `want`, or the stored V2G certificate
 * when `want` is its leaf (as cp_certs_v2g_chain lists it): NotFound when
 * none does, Failed for the back-end root in use (cp_certs_set_server_chain)
 * or the charge point's own client certificate, Accepted once the file is
 * gone. want NULL: NotFound. */
cp_cert_delete_result cp_certs_delete(cp_certs *c, const cp_cert_hash_data *want);

/* The hash data (with `algorithm`) of every installed root of `use`, at
 * most max of them in out; their number. */
int cp_certs_list(cp_certs *c, cp_cert_use use, cp_hash_algorithm algorithm, cp_cert_hash_data *out,
                  int max);

/* A signed certificate chain (PEM, leaf first) for the pending CSR: Accepted
 * when the leaf carries the pending key, is valid at `now`, and (when back-end
 * roots are installed) chains to one of them through the rest of the chain;
 * key and chain then become the client identity (*client_cert_changed =
 * true). Rejected otherwise, with the reason in why (for the
 * InvalidChargePointCertificate security event). */
cp_cert_signed_result cp_certs_signed(cp_certs *c, const char *chain_pem, borne_ms now,
                                      bool *client_cert_changed, char *why, size_t whylen);

/* A new key pair (kept as pending.key) and a PKCS#10 CSR signed with it,
 * subject CN = cp_id, O = org (the whitepaper: organizationName is the
 * CpoName key): the CSR in PEM (caller frees), NULL with the reason in err. */
char *cp_certs_sign_request(cp_certs *c, const char *cp_id, const char *org, char *err,
                            size_t errlen);

/* The server certificate chain of the current TLS connection (PEM, leaf
 * first), NULL when not connected over TLS: the back-end root that verifies
 * it is "in use" and cannot be deleted. */
void cp_certs_set_server_chain(cp_certs *c, const char *pem);

/* The same two for either of the station's certificates (the calls above
 * are CP_LEAF_CHARGING_STATION); for CP_LEAF_V2G the chain must lead to an
 * installed V2G root (when one is) and *client_cert_changed tells that the
 * V2G certificate was stored. */
cp_cert_signed_result cp_certs_signed_leaf(cp_certs *c, cp_cert_leaf kind, const char *chain_pem,
                                           borne_ms now, bool *client_cert_changed, char *why,
                                           size_t whylen);
char *cp_certs_sign_request_leaf(cp_certs *c, cp_cert_leaf kind, const char *cn, const char *org,
                                 char *err, size_t errlen);
/* Is a V2G certificate stored? The hash data of its chain (the leaf, then
 * each sub-CA, each with its issuer: the next certificate of the chain or an
 * installed root; the root itself not listed), at most max; their number. */
bool cp_certs_have_v2g(const cp_certs *c);
int cp_certs_v2g_chain(cp_certs *c, cp_hash_algorithm algorithm, cp_cert_hash_data *out, int max);
/* The same for either V2G leaf (CP_LEAF_V2G, CP_LEAF_V2G20; 0 for the
 * station's client certificate), and is it stored (any leaf)? */
int cp_certs_leaf_chain(cp_certs *c, cp_cert_leaf kind, cp_hash_algorithm algorithm,
                        cp_cert_hash_data *out, int max);
bool cp_certs_have_leaf(const cp_certs *c, cp_cert_leaf kind);

/* Files for the TLS link; NULL when the store holds none. The client
 * certificate and key are the same file (client.pem). The CA file is the
 * bundle of the installed CSMS roots, or the root on trial alone. */
const char *cp_certs_client_cert_file(const cp_certs *c);
const char *cp_certs_client_key_file(const cp_certs *c);
const char *cp_certs_ca_file(const cp_certs *c);

/* A client certificate from CertificateSigned is on trial until a connection
 * made with it succeeded (client-new.pem, the previous identity left as it
 * was: the store's client.pem or the installer's ocpp.cert_file): the files
 * above name it meanwhile, across restarts. confirm: it has connected, it
 * becomes client.pem. fallback: the back end refused it, it is set aside
 * (client-refused.pem) and the previous identity is the link's again. Both
 * 0 done (or nothing on trial), -1 the file could not be renamed (the trial
 * ends in memory all the same on a fallback). */
bool cp_certs_client_on_trial(const cp_certs *c);
int cp_certs_client_confirm(cp_certs *c);
int cp_certs_client_fallback(cp_certs *c);

/* AdditionalRootCertificateCheck (OCPP 1.6 security whitepaper M05.FR.08 to
 * FR.13, OCPP 2.0.1 M05 the same): set from the installer's setting. On, and
 * with a CSMS root installed (or on trial), an InstallCertificate of a CSMS
 * root is Accepted only when it is a CA certificate, valid at `now`, that
 * verifies against the installed CSMS roots (the root on trial when there
 * is one) and is not its own issuer: a root signed by the old one. It then
 * replaces them for the link, on trial (csms-root-new.pem; the installed
 * ones kept as the fallback, listed after it): confirm — it has connected —
 * makes it the only installed CSMS root (the others removed); fallback — the
 * server's certificate did not verify with it — sets it aside and the
 * installed roots are the link's again. Across restarts like the client
 * certificate's trial. A root on trial counts and is listed as a CSMS root;
 * deleting it ends the trial. Off: roots are added as before (a trial under
 * way still ends by confirm or fallback). Both 0 done (or nothing on trial),
 * -1 a file could not be written or removed (the trial ends in memory all
 * the same, except a confirm whose new file could not be written). */
void cp_certs_set_root_check(cp_certs *c, bool on);
bool cp_certs_root_on_trial(const cp_certs *c);
int cp_certs_root_confirm(cp_certs *c);
int cp_certs_root_fallback(cp_certs *c);

/* A number that changes whenever the CSMS roots the link trusts change
 * (install, delete, a trial begun or ended): the dialects reconnect with
 * the new CA file when it moved. */
unsigned cp_certs_csms_generation(const cp_certs *c);

/* The CA file the TLS link trusts: the installed back-end roots together
 * with the certificates of `configured` (the installer's ocpp.ca_file; NULL
 * or "" for none), written as DATA_DIR/certs/ca-link.pem when both exist.
 * `configured` itself when no root is installed (or when it cannot be read:
 * the link then says why), NULL when neither exists (the system's CAs). */
const char *cp_certs_link_ca_file(cp_certs *c, const char *configured);

/* Number of installed roots of `use`; of every use. */
int cp_certs_count(const cp_certs *c, cp_cert_use use);
int cp_certs_total(const cp_certs *c);

/* The end of the validity period (epoch ms) of the charge point's client
 * certificate: the store's (CertificateSigned), else the first certificate
 * of `configured` (the installer's ocpp.cert_file); 0 when there is none. */
borne_ms cp_certs_client_not_after(const cp_certs *c, const char *configured);
/* The same for the stored V2G certificate; 0 when there is none. */
borne_ms cp_certs_v2g_not_after(const cp_certs *c);
borne_ms cp_certs_leaf_not_after(const cp_certs *c, cp_cert_leaf kind); /* a V2G leaf's, else 0 */
/* A combined certificate (2.x: one certificate for the link and the ISO 15118
 * connection, CertificateSigned without certificateType): the client
 * identity just stored (cp_certs_signed) is stored as the V2G certificate
 * too. 0 done, -1 none or not written. */
int cp_certs_client_as_v2g(cp_certs *c);

/* Imports every self-signed CA certificate of a PEM file as a back-end root
 * (the installer's ocpp.ca_file, so that the back end sees and manages it).
 * Number imported, -1 when unreadable. */
int cp_certs_import_csms_roots(cp_certs *c, const char *pem_file, borne_ms now);

#endif
