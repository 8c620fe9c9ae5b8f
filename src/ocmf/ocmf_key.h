/*
 * The station's OCMF signing key: an ECDSA key on secp256r1 (NIST P-256,
 * prime256v1), the default and most widely supported OCMF signature method
 * "ECDSA-secp256r1-SHA256" (OCMF rev. 1.2, Table 22,
 * github.com/SAFE-eV/OCMF-Open-Charge-Metering-Format OCMF-en.md).
 *
 * Generated with OpenSSL on first start (PEM PKCS#8, mode 0600, written
 * atomically: temporary file, fsync, rename, fsync of the folder) or loaded
 * from an installer-provided file. The public key is exported as the hex of
 * its DER SubjectPublicKeyInfo (what transparency software takes) and PEM.
 */
#ifndef BORNE_OCMF_OCMF_KEY_H
#define BORNE_OCMF_OCMF_KEY_H

#include <stdbool.h>
#include <stddef.h>

typedef struct ocmf_key ocmf_key;

/* Hex of a DER SubjectPublicKeyInfo of P-256: 91 bytes = 182 hex digits. */
#define OCMF_PUBKEY_HEX_MAX 256
#define OCMF_PUBKEY_PEM_MAX 256
/* A DER ECDSA-Sig-Value on P-256 is at most 72 bytes = 144 hex digits. */
#define OCMF_SIG_HEX_MAX 160

/* Load the PEM private key at path. When the file does not exist and
 * `create` is true, generate a new key and write it there (0600, atomic).
 * Refuses keys that are not EC on P-256. -1 with one line in err. */
int ocmf_key_load(ocmf_key **out, const char *path, bool create, char *err, size_t errlen);
/* Load a PEM private key from memory (tests, benchmarks). */
int ocmf_key_from_pem(ocmf_key **out, const char *pem, size_t len, char *err, size_t errlen);
/* A fresh key in memory only (tests, benchmarks). */
int ocmf_key_generate(ocmf_key **out, char *err, size_t errlen);
void ocmf_key_free(ocmf_key *k);

/* Upper-case hex of the DER SubjectPublicKeyInfo. */
int ocmf_key_pubkey_hex(const ocmf_key *k, char *out, size_t outlen);
/* PEM "-----BEGIN PUBLIC KEY-----" text with its final newline. */
int ocmf_key_pubkey_pem(const ocmf_key *k, char *out, size_t outlen);

/* ECDSA with SHA-256 over data: the DER signature as upper-case hex. */
int ocmf_key_sign(const ocmf_key *k, const void *data, size_t len, char *sig_hex, size_t siglen,
                  char *err, size_t errlen);

/* Verify a hex DER signature over data with a hex DER SubjectPublicKeyInfo
 * public key: 1 valid, 0 invalid, -1 unusable input (bad hex, bad key). */
int ocmf_verify_hex(const char *pubkey_hex, const void *data, size_t len, const char *sig_hex);

#endif
