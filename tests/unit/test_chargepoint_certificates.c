/*
 * The certificate store of the charge-point model
 * (src/chargepoint/certificates.h) in its own types, on a real directory and
 * a virtual clock, without any OCPP message: certificates made here with
 * OpenSSL (a test CA, leaves it signs), install checks (bad PEM, expired, not
 * a CA, duplicates, store full), the listed hash data compared with values
 * computed independently (X509_NAME_digest, X509_pubkey_digest, the serial
 * as an integer), delete (not found, the root in use, other hash
 * algorithms, the charge point's own certificate), CSR contents, signed
 * certificates (signed by the test CA, wrong key, foreign CA, no pending
 * request), file modes, and everything surviving a reopen. The additional
 * root check (AdditionalRootCertificateCheck): a new CSMS root signed by the
 * old one on trial, foreign roots refused, confirm and fallback, a TLS
 * handshake in memory against the link's CA file, and the store reopened
 * mid-trial and mid-promotion (a kill -9).
 * test_ocpp_certs checks the same through the 1.6 codec.
 */
/* cmocka.h needs these first */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "chargepoint/certificates.h"
#include "test_tmpdir.h"
#include "util/log.h"

/* 2026-01-05T00:00:00Z */
#define T0 (1767571200LL * 1000)
#define DAY (86400LL * 1000)

static char dir[200];

static int setup(void **state) {
  (void)state;
  return test_tmpdir_make(dir, sizeof dir, "borne-certs");
}

static int teardown(void **state) {
  (void)state;
  char certs[260];
  snprintf(certs, sizeof certs, "%s/certs", dir);
  test_tmpdir_remove(certs);
  return test_tmpdir_remove(dir);
}

static cp_certs *open_store(void) {
  char certs[260], err[200] = "";
  snprintf(certs, sizeof certs, "%s/certs", dir);
  cp_certs *c = cp_certs_open(certs, err, sizeof err);
  if (!c) fail_msg("open: %s", err);
  return c;
}

/* ---------- a little CA ---------- */

static EVP_PKEY *new_key(void) {
  EVP_PKEY *k = EVP_EC_gen("P-256");
  assert_non_null(k);
  return k;
}

static void add_ext(X509 *x, X509 *issuer, int nid, const char *value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
  X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
  assert_non_null(e);
  X509_add_ext(x, e, -1);
  X509_EXTENSION_free(e);
}

/* A certificate for `pub` named cn, signed by issuer/issuer_key (self-signed
 * when issuer is NULL), valid from `from` to `to` (epoch ms). */
static X509 *make_cert(const char *cn, EVP_PKEY *pub, X509 *issuer, EVP_PKEY *issuer_key,
                       long serial, bool ca, borne_ms from, borne_ms to) {
  X509 *x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
  ASN1_TIME_set(X509_getm_notBefore(x), (time_t)(from / 1000));
  ASN1_TIME_set(X509_getm_notAfter(x), (time_t)(to / 1000));
  X509_NAME *name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0);
  X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name);
  X509_set_pubkey(x, pub);
  add_ext(x, issuer ? issuer : x, NID_basic_constraints, ca ? "critical,CA:TRUE" : "CA:FALSE");
  if (ca) add_ext(x, issuer ? issuer : x, NID_key_usage, "critical,keyCertSign,cRLSign");
  assert_true(X509_sign(x, issuer_key, EVP_sha256()) > 0);
  return x;
}

static X509 *make_ca(const char *cn, EVP_PKEY *key, long serial) {
  return make_cert(cn, key, NULL, key, serial, true, T0 - DAY, T0 + 365 * DAY);
}

static char *pem_of(X509 *x) {
  BIO *b = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(b, x);
  char *data;
  long n = BIO_get_mem_data(b, &data);
  char *s = strndup(data, (size_t)n);
  BIO_free(b);
  return s;
}

#define CSMS CP_CERT_CSMS_ROOT
#define MF CP_CERT_MANUFACTURER_ROOT

static const char *install_names[] = {"Accepted", "Rejected", "Failed"};
static const char *delete_names[] = {"Accepted", "Failed", "NotFound"};

static const char *install(cp_certs *c, cp_cert_use use, const char *pem, borne_ms now) {
  return install_names[cp_certs_install(c, use, pem, now)];
}

static const char *install_x(cp_certs *c, cp_cert_use use, X509 *x, borne_ms now) {
  char *pem = pem_of(x);
  const char *s = install(c, use, pem, now);
  free(pem);
  return s;
}

static void hex(const unsigned char *d, unsigned n, char *out) {
  for (unsigned i = 0; i < n; i++) sprintf(out + 2 * i, "%02x", d[i]);
}

/* The hash data of x issued by `issuer` (a root signed by another), computed here. */
static cp_cert_hash_data expected_hash_by(X509 *x, X509 *issuer, const EVP_MD *md,
                                          cp_hash_algorithm alg) {
  unsigned char d[EVP_MAX_MD_SIZE];
  unsigned n;
  cp_cert_hash_data h = {.algorithm = alg};
  assert_int_equal(X509_NAME_digest(X509_get_subject_name(issuer), md, d, &n), 1);
  hex(d, n, h.issuer_name_hash);
  assert_int_equal(X509_pubkey_digest(issuer, md, d, &n), 1);
  hex(d, n, h.issuer_key_hash);
  snprintf(h.serial, sizeof h.serial, "%lx", ASN1_INTEGER_get(X509_get0_serialNumber(x)));
  return h;
}

/* The hash data computed here, independently of the store. */
static cp_cert_hash_data expected_hash(X509 *root, const EVP_MD *md, cp_hash_algorithm alg) {
  unsigned char d[EVP_MAX_MD_SIZE];
  unsigned n;
  cp_cert_hash_data h = {.algorithm = alg};
  assert_int_equal(X509_NAME_digest(X509_get_issuer_name(root), md, d, &n), 1);
  hex(d, n, h.issuer_name_hash);
  assert_int_equal(X509_pubkey_digest(root, md, d, &n), 1);
  hex(d, n, h.issuer_key_hash);
  snprintf(h.serial, sizeof h.serial, "%lx", ASN1_INTEGER_get(X509_get0_serialNumber(root)));
  return h;
}

static bool hash_equal(const cp_cert_hash_data *a, const cp_cert_hash_data *b) {
  return a->algorithm == b->algorithm && strcmp(a->issuer_name_hash, b->issuer_name_hash) == 0 &&
         strcmp(a->issuer_key_hash, b->issuer_key_hash) == 0 && strcmp(a->serial, b->serial) == 0;
}

static const char *delete_by(cp_certs *c, const cp_cert_hash_data *hash) {
  return delete_names[cp_certs_delete(c, hash)];
}

static mode_t mode_of(const char *path) {
  struct stat sb;
  assert_int_equal(stat(path, &sb), 0);
  return sb.st_mode & 0777;
}

/* ---------- tests ---------- */

static void install_list_delete(void **state) {
  (void)state;
  cp_certs *c = open_store();
  EVP_PKEY *k = new_key();
  X509 *ca = make_ca("Test CSMS Root", k, 0x0abc); /* serial 0ABC: a leading zero to drop */
  assert_null(cp_certs_ca_file(c));
  assert_string_equal(install_x(c, CSMS, ca, T0), "Accepted");
  assert_string_equal(install_x(c, CSMS, ca, T0), "Accepted");
  assert_int_equal(cp_certs_count(c, CSMS), 1); /* installed once */
  assert_int_equal(cp_certs_count(c, MF), 0);

  const char *bundle = cp_certs_ca_file(c);
  assert_non_null(bundle);
  assert_int_equal(mode_of(bundle), 0600);
  FILE *f = fopen(bundle, "r");
  X509 *back = PEM_read_X509(f, NULL, NULL, NULL);
  fclose(f);
  assert_int_equal(X509_cmp(back, ca), 0);
  X509_free(back);

  cp_cert_hash_data list[4];
  assert_int_equal(cp_certs_list(c, CSMS, CP_HASH_SHA256, list, 4), 1);
  cp_cert_hash_data want = expected_hash(ca, EVP_sha256(), CP_HASH_SHA256);
  assert_string_equal(want.serial, "abc");
  assert_true(hash_equal(&list[0], &want));
  /* in another algorithm, and never more than asked for */
  assert_int_equal(cp_certs_list(c, CSMS, CP_HASH_SHA512, list, 4), 1);
  cp_cert_hash_data want512 = expected_hash(ca, EVP_sha512(), CP_HASH_SHA512);
  assert_true(hash_equal(&list[0], &want512));
  assert_int_equal(cp_certs_list(c, CSMS, CP_HASH_SHA256, list, 0), 0);
  assert_int_equal(cp_certs_list(c, MF, CP_HASH_SHA256, list, 4), 0);

  /* a serial that differs: nothing deleted */
  cp_cert_hash_data other = want;
  snprintf(other.serial, sizeof other.serial, "abd");
  assert_string_equal(delete_by(c, &other), "NotFound");
  /* the right hashes under another algorithm's name: nothing deleted */
  other = want;
  other.algorithm = CP_HASH_SHA384;
  assert_string_equal(delete_by(c, &other), "NotFound");
  assert_string_equal(delete_by(c, NULL), "NotFound");

  /* deleted by SHA384 hashes, upper case and a leading zero in the serial */
  cp_cert_hash_data w384 = expected_hash(ca, EVP_sha384(), CP_HASH_SHA384);
  snprintf(w384.serial, sizeof w384.serial, "0ABC");
  for (char *p = w384.issuer_key_hash; *p; p++)
    if (*p >= 'a' && *p <= 'f') *p = (char)(*p - 'a' + 'A');
  assert_string_equal(delete_by(c, &w384), "Accepted");
  assert_string_equal(delete_by(c, &w384), "NotFound");
  assert_null(cp_certs_ca_file(c));
  assert_int_equal(cp_certs_list(c, CSMS, CP_HASH_SHA256, list, 4), 0);

  /* manufacturer roots are kept apart */
  assert_string_equal(install_x(c, MF, ca, T0), "Accepted");
  assert_int_equal(cp_certs_count(c, MF), 1);
  assert_null(cp_certs_ca_file(c));
  assert_string_equal(delete_by(c, &want512), "Accepted");
  X509_free(ca);
  EVP_PKEY_free(k);
  cp_certs_free(c);
}

static void install_refuses_bad_certificates(void **state) {
  (void)state;
  cp_certs *c = open_store();
  cp_cert_use cs = CSMS;
  assert_string_equal(install(c, cs, "not a certificate", T0), "Rejected");
  assert_int_equal(cp_certs_install(c, cs, NULL, T0), CP_CERT_INSTALL_REJECTED);
  assert_string_equal(
      install(c, cs, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", T0),
      "Rejected");
  EVP_PKEY *k = new_key();
  X509 *ca = make_ca("Root", k, 1);
  char *pem = pem_of(ca);
  pem[strlen(pem) / 2] ^= 1; /* one bit of the body flipped */
  assert_string_equal(install(c, cs, pem, T0), "Rejected");
  free(pem);
  /* expired, and not valid yet */
  assert_string_equal(install_x(c, cs, ca, T0 + 400 * DAY), "Rejected");
  assert_string_equal(install_x(c, cs, ca, T0 - 2 * DAY), "Rejected");
  /* a leaf, not a CA */
  EVP_PKEY *lk = new_key();
  X509 *leaf = make_cert("leaf", lk, ca, k, 2, false, T0 - DAY, T0 + DAY);
  assert_string_equal(install_x(c, cs, leaf, T0), "Rejected");
  /* two certificates in one */
  char *a = pem_of(ca), *b = pem_of(ca);
  char *two = malloc(strlen(a) + strlen(b) + 1);
  strcpy(two, a);
  strcat(two, b);
  assert_string_equal(install(c, cs, two, T0), "Rejected");
  free(a);
  free(b);
  free(two);
  assert_int_equal(cp_certs_count(c, CSMS), 0);
  X509_free(leaf);
  X509_free(ca);
  EVP_PKEY_free(lk);
  EVP_PKEY_free(k);
  cp_certs_free(c);
}

static void store_full(void **state) {
  (void)state;
  cp_certs *c = open_store();
  EVP_PKEY *k = new_key();
  for (int i = 0; i <= CP_CERTS_MAX; i++) {
    char cn[20];
    snprintf(cn, sizeof cn, "Root %d", i);
    X509 *ca = make_ca(cn, k, i + 1);
    assert_string_equal(install_x(c, MF, ca, T0), i < CP_CERTS_MAX ? "Accepted" : "Rejected");
    X509_free(ca);
  }
  EVP_PKEY_free(k);
  cp_certs_free(c);
}

/* The CSR's subject and signature; returns its public key. */
static EVP_PKEY *check_csr(const char *csr, const char *cn, const char *org) {
  assert_non_null(csr);
  assert_true(strlen(csr) <= 5500); /* SignCertificate.req schema */
  BIO *b = BIO_new_mem_buf(csr, -1);
  X509_REQ *rq = PEM_read_bio_X509_REQ(b, NULL, NULL, NULL);
  BIO_free(b);
  assert_non_null(rq);
  EVP_PKEY *pub = X509_REQ_get_pubkey(rq);
  assert_int_equal(X509_REQ_verify(rq, pub), 1);
  char got[100];
  X509_NAME *n = X509_REQ_get_subject_name(rq);
  X509_NAME_get_text_by_NID(n, NID_commonName, got, sizeof got);
  assert_string_equal(got, cn);
  X509_NAME_get_text_by_NID(n, NID_organizationName, got, sizeof got);
  assert_string_equal(got, org);
  X509_REQ_free(rq);
  return pub;
}

static const char *signed_chain(cp_certs *c, const char *chain, bool *changed) {
  char why[200];
  cp_cert_signed_result r = cp_certs_signed(c, chain, T0, changed, why, sizeof why);
  if (r != CP_CERT_SIGNED_ACCEPTED) assert_true(why[0] != '\0');
  return r == CP_CERT_SIGNED_ACCEPTED ? "Accepted" : "Rejected";
}

static void csr_signed_by_ca(void **state) {
  (void)state;
  cp_certs *c = open_store();
  EVP_PKEY *cak = new_key();
  X509 *ca = make_ca("CSMS Root", cak, 7);
  assert_string_equal(install_x(c, CSMS, ca, T0), "Accepted");
  bool changed = true;
  assert_string_equal(signed_chain(c, "garbage", &changed), "Rejected");
  assert_false(changed);

  char err[200];
  assert_null(cp_certs_sign_request(c, "CP1", "", err, sizeof err));
  assert_non_null(strstr(err, "CpoName"));
  char *req = cp_certs_sign_request(c, "CP1", "ACME Charging", err, sizeof err);
  assert_non_null(req);
  EVP_PKEY *pub = check_csr(req, "CP1", "ACME Charging");
  free(req);
  char pending[300];
  snprintf(pending, sizeof pending, "%s/certs/pending.key", dir);
  assert_int_equal(mode_of(pending), 0600);

  /* a certificate for another key: rejected */
  EVP_PKEY *other = new_key();
  X509 *wrong = make_cert("CP1", other, ca, cak, 100, false, T0 - DAY, T0 + 90 * DAY);
  char *pem = pem_of(wrong);
  assert_string_equal(signed_chain(c, pem, &changed), "Rejected");
  free(pem);
  /* the right key but signed by a CA the station does not trust: rejected */
  EVP_PKEY *fk = new_key();
  X509 *foreign = make_ca("Foreign Root", fk, 8);
  X509 *untrusted = make_cert("CP1", pub, foreign, fk, 101, false, T0 - DAY, T0 + 90 * DAY);
  pem = pem_of(untrusted);
  assert_string_equal(signed_chain(c, pem, &changed), "Rejected");
  free(pem);
  /* the right key, expired: rejected */
  X509 *old = make_cert("CP1", pub, ca, cak, 102, false, T0 - 30 * DAY, T0 - DAY);
  pem = pem_of(old);
  assert_string_equal(signed_chain(c, pem, &changed), "Rejected");
  free(pem);
  assert_null(cp_certs_client_cert_file(c));

  /* the right one, through an intermediate CA sent in the chain */
  EVP_PKEY *ik = new_key();
  X509 *inter = make_cert("CSMS Sub CA", ik, ca, cak, 103, true, T0 - DAY, T0 + 300 * DAY);
  X509 *good = make_cert("CP1", pub, inter, ik, 104, false, T0 - DAY, T0 + 90 * DAY);
  char *g = pem_of(good), *i = pem_of(inter);
  char *chain = malloc(strlen(g) + strlen(i) + 1);
  strcpy(chain, g);
  strcat(chain, i);
  assert_string_equal(signed_chain(c, chain, &changed), "Accepted");
  assert_true(changed);
  free(g);
  free(i);

  /* the identity: key and chain in one 0600 file; the pending key is gone */
  const char *cf = cp_certs_client_cert_file(c);
  assert_non_null(cf);
  assert_string_equal(cf, cp_certs_client_key_file(c));
  assert_int_equal(mode_of(cf), 0600);
  struct stat sb;
  assert_int_not_equal(stat(pending, &sb), 0);
  FILE *f = fopen(cf, "r");
  EVP_PKEY *key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
  rewind(f);
  X509 *cert = PEM_read_X509(f, NULL, NULL, NULL);
  fclose(f);
  assert_int_equal(EVP_PKEY_eq(key, pub), 1);
  assert_int_equal(X509_cmp(cert, good), 0);
  EVP_PKEY_free(key);
  X509_free(cert);

  /* the same certificate again: no request pending any more */
  assert_string_equal(signed_chain(c, chain, &changed), "Rejected");
  free(chain);

  /* the charge point's own certificate cannot be deleted */
  unsigned char d[EVP_MAX_MD_SIZE];
  unsigned n;
  char nh[130], kh[130];
  X509_NAME_digest(X509_get_issuer_name(good), EVP_sha256(), d, &n);
  hex(d, n, nh);
  X509_pubkey_digest(inter, EVP_sha256(), d, &n);
  hex(d, n, kh);
  cp_cert_hash_data own = {.algorithm = CP_HASH_SHA256, .serial = "68"};
  snprintf(own.issuer_name_hash, sizeof own.issuer_name_hash, "%s", nh);
  snprintf(own.issuer_key_hash, sizeof own.issuer_key_hash, "%s", kh);
  assert_string_equal(delete_by(c, &own), "Failed");

  /* everything survives a reopen */
  cp_certs_free(c);
  c = open_store();
  assert_non_null(cp_certs_client_cert_file(c));
  assert_int_equal(cp_certs_count(c, CSMS), 1);
  assert_non_null(cp_certs_ca_file(c));

  X509_free(good);
  X509_free(inter);
  X509_free(old);
  X509_free(untrusted);
  X509_free(foreign);
  X509_free(wrong);
  X509_free(ca);
  EVP_PKEY_free(ik);
  EVP_PKEY_free(fk);
  EVP_PKEY_free(other);
  EVP_PKEY_free(pub);
  EVP_PKEY_free(cak);
  cp_certs_free(c);
}

static void pending_request_survives_restart(void **state) {
  (void)state;
  cp_certs *c = open_store();
  char err[200];
  char *req = cp_certs_sign_request(c, "CP2", "ACME", err, sizeof err);
  EVP_PKEY *pub = check_csr(req, "CP2", "ACME");
  free(req);
  cp_certs_free(c);
  c = open_store();
  /* no CentralSystemRootCertificate installed: any issuer is taken */
  EVP_PKEY *cak = new_key();
  X509 *ca = make_ca("Some CA", cak, 3);
  X509 *cert = make_cert("CP2", pub, ca, cak, 4, false, T0 - DAY, T0 + DAY);
  char *pem = pem_of(cert);
  bool changed = false;
  assert_string_equal(signed_chain(c, pem, &changed), "Accepted");
  assert_true(changed);
  free(pem);
  X509_free(cert);
  X509_free(ca);
  EVP_PKEY_free(cak);
  EVP_PKEY_free(pub);
  cp_certs_free(c);
}

/* A certificate from CertificateSigned for the key of a new request, signed
 * by `ca`; serial `serial`. */
static void accept_new_client(cp_certs *c, X509 *ca, EVP_PKEY *cak, long serial) {
  char err[200];
  char *req = cp_certs_sign_request(c, "CP3", "ACME", err, sizeof err);
  EVP_PKEY *pub = check_csr(req, "CP3", "ACME");
  free(req);
  X509 *cert = make_cert("CP3", pub, ca, cak, serial, false, T0 - DAY, T0 + DAY);
  char *pem = pem_of(cert);
  bool changed = false;
  assert_string_equal(signed_chain(c, pem, &changed), "Accepted");
  assert_true(changed);
  free(pem);
  X509_free(cert);
  EVP_PKEY_free(pub);
}

/* The serial of the client certificate the link would use; -1 none. */
static long client_serial(const cp_certs *c) {
  const char *f = cp_certs_client_cert_file(c);
  if (!f) return -1;
  FILE *fp = fopen(f, "r");
  assert_non_null(fp);
  X509 *x = PEM_read_X509(fp, NULL, NULL, NULL);
  fclose(fp);
  assert_non_null(x);
  long serial = ASN1_INTEGER_get(X509_get0_serialNumber(x));
  X509_free(x);
  return serial;
}

/* A02/A03 fallback: a new client certificate is on trial until it has
 * connected once, across a restart (kill -9 between CertificateSigned and
 * the first connection); refused, the previous identity is the link's again. */
static void new_client_certificate_on_trial(void **state) {
  (void)state;
  cp_certs *c = open_store();
  EVP_PKEY *cak = new_key();
  X509 *ca = make_ca("Some CA", cak, 3);
  /* the first one, nothing before it (the installer's ocpp.cert_file) */
  accept_new_client(c, ca, cak, 41);
  assert_true(cp_certs_client_on_trial(c));
  assert_non_null(strstr(cp_certs_client_cert_file(c), "client-new.pem"));
  assert_int_equal(client_serial(c), 41);
  assert_true(cp_certs_have_leaf(c, CP_LEAF_CHARGING_STATION));
  assert_int_equal(cp_certs_client_fallback(c), 0);
  assert_false(cp_certs_client_on_trial(c));
  assert_null(cp_certs_client_cert_file(c));        /* back to ocpp.cert_file */
  assert_int_equal(cp_certs_client_fallback(c), 0); /* nothing on trial: nothing done */

  /* on trial across a restart, then confirmed by a connection */
  accept_new_client(c, ca, cak, 42);
  cp_certs_free(c);
  c = open_store();
  assert_true(cp_certs_client_on_trial(c));
  assert_int_equal(client_serial(c), 42);
  assert_int_equal(cp_certs_client_confirm(c), 0);
  assert_false(cp_certs_client_on_trial(c));
  assert_non_null(strstr(cp_certs_client_cert_file(c), "/client.pem"));
  assert_int_equal(client_serial(c), 42);
  cp_certs_free(c);
  c = open_store();
  assert_false(cp_certs_client_on_trial(c));
  assert_int_equal(client_serial(c), 42);

  /* a newer one refused by the back end: 42 again, 43 set aside, after a restart too */
  accept_new_client(c, ca, cak, 43);
  assert_int_equal(client_serial(c), 43);
  cp_certs_free(c);
  c = open_store();
  assert_int_equal(client_serial(c), 43);
  assert_int_equal(cp_certs_client_fallback(c), 0);
  assert_int_equal(client_serial(c), 42);
  cp_certs_free(c);
  c = open_store();
  assert_false(cp_certs_client_on_trial(c));
  assert_int_equal(client_serial(c), 42);
  char refused[300];
  snprintf(refused, sizeof refused, "%s/certs/client-refused.pem", dir);
  assert_int_equal(mode_of(refused), 0600);
  X509_free(ca);
  EVP_PKEY_free(cak);
  cp_certs_free(c);
}

static void root_in_use_cannot_be_deleted(void **state) {
  (void)state;
  cp_certs *c = open_store();
  EVP_PKEY *k1 = new_key(), *k2 = new_key(), *sk = new_key();
  X509 *r1 = make_ca("Root one", k1, 1), *r2 = make_ca("Root two", k2, 2);
  X509 *server = make_cert("csms.example", sk, r1, k1, 9, false, T0 - DAY, T0 + DAY);
  assert_string_equal(install_x(c, CSMS, r1, T0), "Accepted");
  assert_string_equal(install_x(c, CSMS, r2, T0), "Accepted");
  char *pem = pem_of(server);
  cp_certs_set_server_chain(c, pem);
  free(pem);
  cp_cert_hash_data h1 = expected_hash(r1, EVP_sha256(), CP_HASH_SHA256);
  cp_cert_hash_data h2 = expected_hash(r2, EVP_sha256(), CP_HASH_SHA256);
  assert_string_equal(delete_by(c, &h1), "Failed");
  assert_string_equal(delete_by(c, &h2), "Accepted"); /* not the one in use */
  cp_certs_set_server_chain(c, NULL);                 /* disconnected */
  assert_string_equal(delete_by(c, &h1), "Accepted");
  X509_free(server);
  X509_free(r1);
  X509_free(r2);
  EVP_PKEY_free(k1);
  EVP_PKEY_free(k2);
  EVP_PKEY_free(sk);
  cp_certs_free(c);
}

static void import_configured_ca_file(void **state) {
  (void)state;
  cp_certs *c = open_store();
  EVP_PKEY *k = new_key();
  X509 *r1 = make_ca("Root A", k, 1), *r2 = make_ca("Root B", k, 2);
  X509 *leaf = make_cert("leaf", k, r1, k, 3, false, T0 - DAY, T0 + DAY);
  char path[300];
  snprintf(path, sizeof path, "%s/ca.pem", dir);
  FILE *f = fopen(path, "w");
  PEM_write_X509(f, r1);
  PEM_write_X509(f, leaf); /* not a root: skipped */
  PEM_write_X509(f, r2);
  fclose(f);
  assert_int_equal(cp_certs_import_csms_roots(c, path, T0), 2);
  assert_int_equal(cp_certs_count(c, CSMS), 2);
  assert_int_equal(cp_certs_import_csms_roots(c, "/nonexistent/ca.pem", T0), -1);
  unlink(path);
  X509_free(leaf);
  X509_free(r1);
  X509_free(r2);
  EVP_PKEY_free(k);
  cp_certs_free(c);
}

static int count_certs(const char *path) {
  FILE *f = fopen(path, "r");
  assert_non_null(f);
  int n = 0;
  X509 *x;
  while ((x = PEM_read_X509(f, NULL, NULL, NULL)) != NULL) {
    n++;
    X509_free(x);
  }
  fclose(f);
  return n;
}

static void link_ca_file_combines(void **state) {
  (void)state;
  cp_certs *c = open_store();
  EVP_PKEY *k = new_key();
  X509 *r1 = make_ca("Installed", k, 1), *r2 = make_ca("Configured", k, 2);
  char path[300];
  snprintf(path, sizeof path, "%s/configured.pem", dir);
  FILE *f = fopen(path, "w");
  PEM_write_X509(f, r2);
  fclose(f);
  assert_null(cp_certs_link_ca_file(c, ""));
  assert_null(cp_certs_link_ca_file(c, NULL));
  assert_string_equal(cp_certs_link_ca_file(c, path), path);
  assert_string_equal(install_x(c, CSMS, r1, T0), "Accepted");
  assert_string_equal(cp_certs_link_ca_file(c, ""), cp_certs_ca_file(c));
  const char *both = cp_certs_link_ca_file(c, path);
  assert_non_null(strstr(both, "/certs/ca-link.pem"));
  assert_int_equal(mode_of(both), 0600);
  assert_int_equal(count_certs(both), 2);
  /* an unreadable configured file is handed on as it is: the link says why */
  assert_string_equal(cp_certs_link_ca_file(c, "/nonexistent/ca.pem"), "/nonexistent/ca.pem");
  unlink(path);
  X509_free(r1);
  X509_free(r2);
  EVP_PKEY_free(k);
  cp_certs_free(c);
}

/* ---------- AdditionalRootCertificateCheck ---------- */

static bool exists(const char *name) {
  char path[300];
  snprintf(path, sizeof path, "%s/certs/%s", dir, name);
  return access(path, F_OK) == 0;
}

/* The first certificate of a PEM file. */
static X509 *first_cert(const char *path) {
  FILE *f = fopen(path, "r");
  assert_non_null(f);
  X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
  fclose(f);
  assert_non_null(x);
  return x;
}

/* A TLS handshake in memory: a client trusting ca_file the way the link
 * does (ocpp_transport.c: every certificate of the file an anchor), a server
 * presenting leaf and, when not NULL, `extra` in its chain. True when the
 * client verified the server. */
static bool handshake_ok(const char *ca_file, X509 *leaf, EVP_PKEY *key, X509 *extra) {
  SSL_CTX *cctx = SSL_CTX_new(TLS_client_method()), *sctx = SSL_CTX_new(TLS_server_method());
  assert_true(cctx && sctx);
  assert_int_equal(SSL_CTX_load_verify_locations(cctx, ca_file, NULL), 1);
  X509_VERIFY_PARAM_set_flags(SSL_CTX_get0_param(cctx), X509_V_FLAG_PARTIAL_CHAIN);
  SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, NULL);
  assert_int_equal(SSL_CTX_use_certificate(sctx, leaf), 1);
  assert_int_equal(SSL_CTX_use_PrivateKey(sctx, key), 1);
  if (extra) assert_int_equal(SSL_CTX_add1_chain_cert(sctx, extra), 1);
  SSL *cs = SSL_new(cctx), *ss = SSL_new(sctx);
  BIO *cb = NULL, *sb = NULL;
  assert_int_equal(BIO_new_bio_pair(&cb, 0, &sb, 0), 1);
  SSL_set_bio(cs, cb, cb);
  SSL_set_bio(ss, sb, sb);
  SSL_set_connect_state(cs);
  SSL_set_accept_state(ss);
  int rc = 0, rs = 0;
  for (int i = 0; i < 50 && (rc != 1 || rs != 1); i++) {
    if (rc != 1) rc = SSL_do_handshake(cs);
    if (rs != 1) rs = SSL_do_handshake(ss);
    int ec = rc == 1 ? SSL_ERROR_NONE : SSL_get_error(cs, rc);
    int es = rs == 1 ? SSL_ERROR_NONE : SSL_get_error(ss, rs);
    bool waiting = (ec == SSL_ERROR_NONE || ec == SSL_ERROR_WANT_READ) &&
                   (es == SSL_ERROR_NONE || es == SSL_ERROR_WANT_READ);
    if (!waiting) break;
  }
  bool ok = rc == 1 && SSL_get_verify_result(cs) == X509_V_OK;
  SSL_free(cs);
  SSL_free(ss);
  SSL_CTX_free(cctx);
  SSL_CTX_free(sctx);
  ERR_clear_error();
  return ok;
}

/* 1.6 whitepaper M05.FR.08 to FR.13: a new root signed by the old one is on
 * trial (the link trusts it alone, the old one kept), a connection makes it
 * the only one, a server it does not verify brings the old one back; foreign
 * roots, self-signed ones and leaves are refused; reopened mid-trial. */
static void additional_root_check(void **state) {
  (void)state;
  cp_certs *c = open_store();
  cp_certs_set_root_check(c, true);
  borne_ms now = (borne_ms)time(NULL) * 1000;
  EVP_PKEY *ko = new_key(), *kn = new_key(), *kx = new_key(), *kf = new_key(), *ks = new_key();
  X509 *old = make_cert("CSMS Root G1", ko, NULL, ko, 1, true, now - DAY, now + 30 * DAY);
  /* nothing installed yet: a self-signed root as always */
  assert_string_equal(install_x(c, CSMS, old, now), "Accepted");
  assert_false(cp_certs_root_on_trial(c));
  char bundle[300]; /* the store's string goes with the store */
  snprintf(bundle, sizeof bundle, "%s", cp_certs_ca_file(c));
  assert_non_null(strstr(bundle, "/ca-bundle.pem"));
  unsigned gen = cp_certs_csms_generation(c);

  /* refused: a foreign self-signed root, a root signed by a foreign CA, a
   * leaf signed by the old root, the new root expired, the old one re-signed
   * by itself (its own issuer) */
  X509 *foreign = make_cert("Foreign Root", kf, NULL, kf, 2, true, now - DAY, now + 30 * DAY);
  X509 *by_foreign = make_cert("CSMS Root G2", kn, foreign, kf, 3, true, now - DAY, now + 30 * DAY);
  X509 *leaf = make_cert("csms.example", ks, old, ko, 4, false, now - DAY, now + 30 * DAY);
  X509 *expired = make_cert("CSMS Root G2", kn, old, ko, 5, true, now - 3 * DAY, now - DAY);
  X509 *again = make_cert("CSMS Root G1", ko, NULL, ko, 6, true, now - DAY, now + 30 * DAY);
  assert_string_equal(install_x(c, CSMS, foreign, now), "Rejected");
  assert_string_equal(install_x(c, CSMS, by_foreign, now), "Rejected");
  assert_string_equal(install_x(c, CSMS, leaf, now), "Rejected");
  assert_string_equal(install_x(c, CSMS, expired, now), "Rejected");
  assert_string_equal(install_x(c, CSMS, again, now), "Rejected");
  assert_string_equal(install_x(c, CSMS, old, now), "Accepted"); /* the same: nothing changes */
  assert_false(cp_certs_root_on_trial(c));
  assert_int_equal(cp_certs_count(c, CSMS), 1);
  assert_int_equal(cp_certs_csms_generation(c), gen);
  /* other uses are not concerned */
  assert_string_equal(install_x(c, MF, foreign, now), "Accepted");

  /* the new root, signed by the old: on trial, the link trusts it alone */
  X509 *g2 = make_cert("CSMS Root G2", kn, old, ko, 7, true, now - DAY, now + 60 * DAY);
  assert_string_equal(install_x(c, CSMS, g2, now), "Accepted");
  assert_true(cp_certs_root_on_trial(c));
  assert_int_not_equal(cp_certs_csms_generation(c), gen);
  assert_int_equal(cp_certs_count(c, CSMS), 2); /* the new one and its fallback */
  cp_cert_hash_data list[4];
  assert_int_equal(cp_certs_list(c, CSMS, CP_HASH_SHA256, list, 4), 2);
  cp_cert_hash_data hg2 = expected_hash_by(g2, old, EVP_sha256(), CP_HASH_SHA256);
  cp_cert_hash_data hold = expected_hash(old, EVP_sha256(), CP_HASH_SHA256);
  assert_true(hash_equal(&list[0], &hg2));
  assert_true(hash_equal(&list[1], &hold));
  const char *ca = cp_certs_ca_file(c);
  assert_non_null(strstr(ca, "/csms-root-new.pem"));
  assert_int_equal(mode_of(ca), 0600);
  assert_int_equal(count_certs(ca), 1);
  X509 *back = first_cert(ca);
  assert_int_equal(X509_cmp(back, g2), 0);
  X509_free(back);
  assert_string_equal(cp_certs_link_ca_file(c, ""), ca);

  /* a server of the new root verifies with the trial file alone (not
   * self-signed: an anchor all the same), one of the old root does not, and
   * does with the installed bundle (the fallback) */
  X509 *srv_new = make_cert("csms.example", ks, g2, kn, 8, false, now - DAY, now + 30 * DAY);
  X509 *srv_old = make_cert("csms.example", ks, old, ko, 9, false, now - DAY, now + 30 * DAY);
  assert_true(handshake_ok(ca, srv_new, ks, NULL));
  assert_false(handshake_ok(ca, srv_old, ks, NULL));
  assert_true(handshake_ok(bundle, srv_old, ks, NULL));

  /* kill -9 mid-trial: still on trial at the next start */
  cp_certs_free(c);
  c = open_store();
  cp_certs_set_root_check(c, true);
  assert_true(cp_certs_root_on_trial(c));
  assert_non_null(strstr(cp_certs_ca_file(c), "/csms-root-new.pem"));
  assert_int_equal(cp_certs_count(c, CSMS), 2);

  /* the server's certificate did not verify with it: the old root again */
  gen = cp_certs_csms_generation(c);
  assert_int_equal(cp_certs_root_fallback(c), 0);
  assert_false(cp_certs_root_on_trial(c));
  assert_int_not_equal(cp_certs_csms_generation(c), gen);
  assert_string_equal(cp_certs_ca_file(c), bundle);
  assert_true(handshake_ok(cp_certs_ca_file(c), srv_old, ks, NULL));
  assert_int_equal(cp_certs_count(c, CSMS), 1);
  assert_true(exists("csms-root-refused.pem"));
  assert_false(exists("csms-root-new.pem"));
  assert_false(exists("csms-root-new-issuer.pem"));
  assert_int_equal(cp_certs_root_fallback(c), 0); /* nothing on trial: nothing done */
  cp_certs_free(c);
  c = open_store();
  cp_certs_set_root_check(c, true);
  assert_false(cp_certs_root_on_trial(c));
  assert_int_equal(cp_certs_list(c, CSMS, CP_HASH_SHA256, list, 4), 1);
  assert_true(hash_equal(&list[0], &hold));

  /* again, and this time it connects: the only CSMS root, the old one gone */
  assert_string_equal(install_x(c, CSMS, g2, now), "Accepted");
  assert_true(cp_certs_root_on_trial(c));
  assert_true(exists("csms-root-new-issuer.pem"));
  assert_int_equal(cp_certs_root_confirm(c), 0);
  assert_false(cp_certs_root_on_trial(c));
  assert_false(exists("csms-root-new.pem"));
  assert_false(exists("csms-root-new-issuer.pem"));
  assert_int_equal(cp_certs_list(c, CSMS, CP_HASH_SHA256, list, 4), 1);
  assert_true(hash_equal(&list[0], &hg2));
  assert_string_equal(cp_certs_ca_file(c), bundle);
  assert_int_equal(count_certs(bundle), 1);
  assert_true(handshake_ok(bundle, srv_new, ks, NULL));
  assert_false(handshake_ok(bundle, srv_old, ks, NULL));
  assert_int_equal(cp_certs_root_confirm(c), 0); /* nothing on trial: nothing done */
  /* the root in use (not self-signed) cannot be deleted */
  char *chain = pem_of(srv_new);
  cp_certs_set_server_chain(c, chain);
  free(chain);
  assert_string_equal(delete_by(c, &hg2), "Failed");
  cp_certs_set_server_chain(c, NULL);
  cp_certs_free(c);
  c = open_store();
  cp_certs_set_root_check(c, true);
  assert_false(cp_certs_root_on_trial(c));
  assert_int_equal(cp_certs_list(c, CSMS, CP_HASH_SHA256, list, 4), 1);
  assert_true(hash_equal(&list[0], &hg2));

  /* now the old root is the foreign one: a root it signs is refused */
  X509 *g3_old = make_cert("CSMS Root G3", kx, old, ko, 10, true, now - DAY, now + 60 * DAY);
  assert_string_equal(install_x(c, CSMS, g3_old, now), "Rejected");
  assert_string_equal(install_x(c, CSMS, old, now), "Rejected"); /* self-signed */
  /* a root signed by G2 on trial, then replaced by another signed by G2
   * (verified against the root on trial), then deleted: the trial ends */
  X509 *g3 = make_cert("CSMS Root G3", kx, g2, kn, 11, true, now - DAY, now + 60 * DAY);
  X509 *g4 = make_cert("CSMS Root G4", kf, g3, kx, 12, true, now - DAY, now + 60 * DAY);
  X509 *g3b = make_cert("CSMS Root G3b", kf, g2, kn, 13, true, now - DAY, now + 60 * DAY);
  assert_string_equal(install_x(c, CSMS, g3, now), "Accepted");
  assert_string_equal(install_x(c, CSMS, g3, now), "Accepted");  /* the same again */
  assert_string_equal(install_x(c, CSMS, g3b, now), "Rejected"); /* not signed by G3 */
  assert_string_equal(install_x(c, CSMS, g4, now), "Accepted");  /* signed by G3 */
  assert_int_equal(cp_certs_count(c, CSMS), 2);
  back = first_cert(cp_certs_ca_file(c));
  assert_int_equal(X509_cmp(back, g4), 0);
  X509_free(back);
  cp_cert_hash_data hg4 = expected_hash_by(g4, g3, EVP_sha256(), CP_HASH_SHA256);
  assert_string_equal(delete_by(c, &hg4), "Accepted");
  assert_false(cp_certs_root_on_trial(c));
  assert_string_equal(cp_certs_ca_file(c), bundle);
  assert_int_equal(cp_certs_count(c, CSMS), 1);

  /* the check off: a root signed by another is not a self-signed root */
  cp_certs_set_root_check(c, false);
  assert_string_equal(install_x(c, CSMS, g3, now), "Rejected");
  assert_string_equal(install_x(c, CSMS, foreign, now), "Accepted");
  assert_int_equal(cp_certs_count(c, CSMS), 2);

  X509 *all[] = {old,     foreign, by_foreign, leaf, expired, again, g2,
                 srv_new, srv_old, g3_old,     g3,   g4,      g3b};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) X509_free(all[i]);
  EVP_PKEY *keys[] = {ko, kn, kx, kf, ks};
  for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) EVP_PKEY_free(keys[i]);
  cp_certs_free(c);
}

/* A kill -9 during the promotion (M05.FR.12), after the new root's
 * cs-<sha256>.pem was written and before the old one and the trial file
 * went: the next open finishes it. */
static void root_promotion_cut_short(void **state) {
  (void)state;
  cp_certs *c = open_store();
  cp_certs_set_root_check(c, true);
  borne_ms now = (borne_ms)time(NULL) * 1000;
  EVP_PKEY *ko = new_key(), *kn = new_key();
  X509 *old = make_cert("CSMS Root G1", ko, NULL, ko, 1, true, now - DAY, now + 30 * DAY);
  X509 *g2 = make_cert("CSMS Root G2", kn, old, ko, 2, true, now - DAY, now + 60 * DAY);
  assert_string_equal(install_x(c, CSMS, old, now), "Accepted");
  assert_string_equal(install_x(c, CSMS, g2, now), "Accepted");
  cp_certs_free(c);
  /* what the promotion writes first */
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned n = 0;
  assert_int_equal(X509_digest(g2, EVP_sha256(), md, &n), 1);
  char fp[65], name[100], path[400];
  hex(md, n, fp);
  snprintf(name, sizeof name, "cs-%s.pem", fp);
  snprintf(path, sizeof path, "%s/certs/%s", dir, name);
  FILE *f = fopen(path, "w");
  PEM_write_X509(f, g2);
  PEM_write_X509(f, old); /* its issuer after it */
  fclose(f);
  c = open_store();
  assert_false(cp_certs_root_on_trial(c));
  assert_false(exists("csms-root-new.pem"));
  assert_true(exists(name));
  cp_cert_hash_data list[4];
  assert_int_equal(cp_certs_list(c, CSMS, CP_HASH_SHA256, list, 4), 1);
  cp_cert_hash_data hg2 = expected_hash_by(g2, old, EVP_sha256(), CP_HASH_SHA256);
  assert_true(hash_equal(&list[0], &hg2));
  assert_int_equal(count_certs(cp_certs_ca_file(c)), 1);
  X509_free(old);
  X509_free(g2);
  EVP_PKEY_free(ko);
  EVP_PKEY_free(kn);
  cp_certs_free(c);
}

/* OCPP 2.0.1's V2G and MO roots: kept apart from the others, listed and
 * deleted by type, found again after a restart, never in the link's bundle;
 * the station's certificate end for the renewal (A03). */
static void iso15118_roots_and_client_end(void **state) {
  (void)state;
  cp_certs *c = open_store();
  EVP_PKEY *k1 = new_key(), *k2 = new_key(), *k3 = new_key();
  X509 *v2g = make_ca("V2G Root", k1, 21), *mo = make_ca("MO Root", k2, 22),
       *cs = make_ca("CSMS Root", k3, 23);
  assert_string_equal(install_x(c, CP_CERT_V2G_ROOT, v2g, T0), "Accepted");
  assert_string_equal(install_x(c, CP_CERT_MO_ROOT, mo, T0), "Accepted");
  assert_null(cp_certs_ca_file(c)); /* 15118 roots are not the link's */
  assert_string_equal(install_x(c, CSMS, cs, T0), "Accepted");
  assert_int_equal(cp_certs_count(c, CP_CERT_V2G_ROOT), 1);
  assert_int_equal(cp_certs_count(c, CP_CERT_MO_ROOT), 1);
  assert_int_equal(cp_certs_count(c, MF), 0);
  assert_int_equal(cp_certs_total(c), 3);
  assert_string_equal(install(c, (cp_cert_use)99, "x", T0), "Rejected");
  cp_certs_free(c);

  c = open_store(); /* the files name their use */
  cp_cert_hash_data list[4];
  assert_int_equal(cp_certs_list(c, CP_CERT_V2G_ROOT, CP_HASH_SHA256, list, 4), 1);
  cp_cert_hash_data want = expected_hash(v2g, EVP_sha256(), CP_HASH_SHA256);
  assert_true(hash_equal(&list[0], &want));
  assert_int_equal(cp_certs_list(c, CP_CERT_MO_ROOT, CP_HASH_SHA256, list, 4), 1);
  cp_cert_hash_data want_mo = expected_hash(mo, EVP_sha256(), CP_HASH_SHA256);
  assert_true(hash_equal(&list[0], &want_mo));
  assert_string_equal(delete_by(c, &want), "Accepted");
  assert_int_equal(cp_certs_count(c, CP_CERT_V2G_ROOT), 0);
  assert_int_equal(cp_certs_total(c), 2);

  /* the client certificate's end: the installer's file until one is signed */
  assert_int_equal(cp_certs_client_not_after(c, NULL), 0);
  assert_int_equal(cp_certs_client_not_after(c, "/nonexistent.pem"), 0);
  char path[300];
  snprintf(path, sizeof path, "%s/installer.pem", dir);
  X509 *mine = make_cert("CP1", k1, cs, k3, 30, false, T0 - DAY, T0 + 10 * DAY);
  char *pem = pem_of(mine);
  FILE *f = fopen(path, "w");
  fputs(pem, f);
  fclose(f);
  free(pem);
  assert_int_equal(cp_certs_client_not_after(c, path), (T0 + 10 * DAY) / 1000 * 1000);
  char err[200];
  char *req = cp_certs_sign_request(c, "CP1", "ACME", err, sizeof err);
  assert_non_null(req);
  EVP_PKEY *pub = check_csr(req, "CP1", "ACME");
  free(req);
  X509 *signed_cert = make_cert("CP1", pub, cs, k3, 31, false, T0 - DAY, T0 + 40 * DAY);
  pem = pem_of(signed_cert);
  bool changed = false;
  assert_string_equal(signed_chain(c, pem, &changed), "Accepted");
  free(pem);
  assert_int_equal(cp_certs_client_not_after(c, path), (T0 + 40 * DAY) / 1000 * 1000);
  unlink(path);

  /* the V2G certificate: its own key and file, checked against the V2G roots only */
  assert_false(cp_certs_have_v2g(c));
  assert_string_equal(install_x(c, CP_CERT_V2G_ROOT, v2g, T0), "Accepted");
  req = cp_certs_sign_request_leaf(c, CP_LEAF_V2G, "SECC1", "ACME", err, sizeof err);
  EVP_PKEY *seccpub = check_csr(req, "SECC1", "ACME");
  free(req);
  char why[200];
  X509 *under_cs = make_cert("SECC1", seccpub, cs, k3, 40, false, T0 - DAY, T0 + 40 * DAY);
  pem = pem_of(under_cs);
  assert_int_equal(cp_certs_signed_leaf(c, CP_LEAF_V2G, pem, T0, &changed, why, sizeof why),
                   CP_CERT_SIGNED_REJECTED);
  assert_non_null(strstr(why, "V2GRootCertificate"));
  free(pem);
  /* the V2G key is not the client certificate's pending key */
  X509 *secc = make_cert("SECC1", seccpub, v2g, k1, 41, false, T0 - DAY, T0 + 40 * DAY);
  pem = pem_of(secc);
  assert_string_equal(signed_chain(c, pem, &changed), "Rejected");
  assert_int_equal(cp_certs_signed_leaf(c, CP_LEAF_V2G, pem, T0, &changed, why, sizeof why),
                   CP_CERT_SIGNED_ACCEPTED);
  assert_true(changed);
  free(pem);
  assert_true(cp_certs_have_v2g(c));
  assert_int_equal(cp_certs_client_not_after(c, NULL), (T0 + 40 * DAY) / 1000 * 1000);
  cp_cert_hash_data chain[4];
  assert_int_equal(cp_certs_v2g_chain(c, CP_HASH_SHA256, chain, 4), 1);
  cp_cert_hash_data leaf = expected_hash(v2g, EVP_sha256(), CP_HASH_SHA256);
  snprintf(leaf.serial, sizeof leaf.serial, "29"); /* 41: the leaf's own serial */
  assert_true(hash_equal(&chain[0], &leaf));
  cp_certs_free(c);
  c = open_store();
  assert_true(cp_certs_have_v2g(c));
  /* its end (A03: renewed a month before), then M04: DeleteCertificate of its leaf */
  assert_int_equal(cp_certs_v2g_not_after(c), (T0 + 40 * DAY) / 1000 * 1000);
  cp_cert_hash_data other = leaf;
  snprintf(other.serial, sizeof other.serial, "2a");
  assert_string_equal(delete_by(c, &other), "NotFound");
  assert_string_equal(delete_by(c, &leaf), "Accepted");
  assert_false(cp_certs_have_v2g(c));
  assert_int_equal(cp_certs_v2g_not_after(c), 0);
  assert_int_equal(cp_certs_v2g_chain(c, CP_HASH_SHA256, chain, 4), 0);
  assert_string_equal(delete_by(c, &leaf), "NotFound");
  cp_certs_free(c);
  c = open_store();
  assert_false(cp_certs_have_v2g(c)); /* gone from the disk */
  X509_free(under_cs);
  X509_free(secc);
  EVP_PKEY_free(seccpub);
  X509_free(signed_cert);
  EVP_PKEY_free(pub);
  X509_free(mine);
  X509_free(v2g);
  X509_free(mo);
  X509_free(cs);
  EVP_PKEY_free(k1);
  EVP_PKEY_free(k2);
  EVP_PKEY_free(k3);
  cp_certs_free(c);
}

/* OCPP 2.1: OEMRootCertificate roots (oem-<sha256>.pem), and the ISO 15118-20
 * SECC certificate (V2G20Certificate) beside the 15118-2 one: its own key,
 * file and chain, checked against the V2G roots, deleted by its leaf. */
static void oem_root_and_v2g20_leaf(void **state) {
  (void)state;
  cp_certs *c = open_store();
  EVP_PKEY *k1 = new_key(), *k2 = new_key();
  X509 *v2g = make_ca("V2G Root", k1, 21), *oem = make_ca("OEM Root", k2, 24);
  assert_string_equal(install_x(c, CP_CERT_OEM_ROOT, oem, T0), "Accepted");
  assert_string_equal(install_x(c, CP_CERT_V2G_ROOT, v2g, T0), "Accepted");
  assert_null(cp_certs_ca_file(c)); /* not the link's */
  cp_certs_free(c);
  c = open_store(); /* the file names its use */
  assert_int_equal(cp_certs_count(c, CP_CERT_OEM_ROOT), 1);
  assert_int_equal(cp_certs_count(c, CP_CERT_V2G_ROOT), 1);
  cp_cert_hash_data list[4];
  assert_int_equal(cp_certs_list(c, CP_CERT_OEM_ROOT, CP_HASH_SHA256, list, 4), 1);
  cp_cert_hash_data want_oem = expected_hash(oem, EVP_sha256(), CP_HASH_SHA256);
  assert_true(hash_equal(&list[0], &want_oem));

  /* the 15118-20 certificate: a CSR of its own key, kept across a restart */
  char err[200], why[200];
  bool changed = false;
  char *req = cp_certs_sign_request_leaf(c, CP_LEAF_V2G, "SECC1", "ACME", err, sizeof err);
  EVP_PKEY *pub2 = check_csr(req, "SECC1", "ACME");
  free(req);
  req = cp_certs_sign_request_leaf(c, CP_LEAF_V2G20, "SECC1", "ACME", err, sizeof err);
  EVP_PKEY *pub20 = check_csr(req, "SECC1", "ACME");
  free(req);
  assert_int_equal(EVP_PKEY_eq(pub2, pub20), 0);
  cp_certs_free(c);
  c = open_store();
  /* signed for the 15118-2 key: not the 15118-20 certificate */
  X509 *for2 = make_cert("SECC1", pub2, v2g, k1, 50, false, T0 - DAY, T0 + 20 * DAY);
  char *pem = pem_of(for2);
  assert_int_equal(cp_certs_signed_leaf(c, CP_LEAF_V2G20, pem, T0, &changed, why, sizeof why),
                   CP_CERT_SIGNED_REJECTED);
  free(pem);
  /* under the OEM root: not a V2G root */
  X509 *under_oem = make_cert("SECC1", pub20, oem, k2, 51, false, T0 - DAY, T0 + 20 * DAY);
  pem = pem_of(under_oem);
  assert_int_equal(cp_certs_signed_leaf(c, CP_LEAF_V2G20, pem, T0, &changed, why, sizeof why),
                   CP_CERT_SIGNED_REJECTED);
  assert_non_null(strstr(why, "V2GRootCertificate"));
  free(pem);
  X509 *v20 = make_cert("SECC1", pub20, v2g, k1, 52, false, T0 - DAY, T0 + 20 * DAY);
  pem = pem_of(v20);
  assert_int_equal(cp_certs_signed_leaf(c, CP_LEAF_V2G20, pem, T0, &changed, why, sizeof why),
                   CP_CERT_SIGNED_ACCEPTED);
  assert_true(changed);
  free(pem);
  assert_true(cp_certs_have_leaf(c, CP_LEAF_V2G20));
  assert_false(cp_certs_have_v2g(c)); /* the 15118-2 one still pending */
  assert_int_equal(cp_certs_leaf_not_after(c, CP_LEAF_V2G20), (T0 + 20 * DAY) / 1000 * 1000);
  assert_int_equal(cp_certs_v2g_not_after(c), 0);
  cp_certs_free(c);
  c = open_store();
  assert_true(cp_certs_have_leaf(c, CP_LEAF_V2G20));
  cp_cert_hash_data chain[4];
  assert_int_equal(cp_certs_v2g_chain(c, CP_HASH_SHA256, chain, 4), 0);
  assert_int_equal(cp_certs_leaf_chain(c, CP_LEAF_V2G20, CP_HASH_SHA256, chain, 4), 1);
  cp_cert_hash_data leaf = expected_hash(v2g, EVP_sha256(), CP_HASH_SHA256);
  snprintf(leaf.serial, sizeof leaf.serial, "34"); /* 52 */
  assert_true(hash_equal(&chain[0], &leaf));
  /* the 15118-2 key is still pending: its certificate is accepted next */
  pem = pem_of(for2);
  assert_int_equal(cp_certs_signed_leaf(c, CP_LEAF_V2G, pem, T0, &changed, why, sizeof why),
                   CP_CERT_SIGNED_ACCEPTED);
  free(pem);
  assert_true(cp_certs_have_v2g(c));
  /* M04: each deleted by its own leaf, the OEM root by its hash */
  assert_string_equal(delete_by(c, &leaf), "Accepted");
  assert_false(cp_certs_have_leaf(c, CP_LEAF_V2G20));
  assert_true(cp_certs_have_v2g(c));
  assert_string_equal(delete_by(c, &leaf), "NotFound");
  assert_string_equal(delete_by(c, &want_oem), "Accepted");
  assert_int_equal(cp_certs_count(c, CP_CERT_OEM_ROOT), 0);
  cp_certs_free(c);
  c = open_store();
  assert_false(cp_certs_have_leaf(c, CP_LEAF_V2G20)); /* gone from the disk */
  assert_true(cp_certs_have_v2g(c));
  assert_int_equal(cp_certs_count(c, CP_CERT_OEM_ROOT), 0);
  X509_free(for2);
  X509_free(under_oem);
  X509_free(v20);
  EVP_PKEY_free(pub2);
  EVP_PKEY_free(pub20);
  X509_free(v2g);
  X509_free(oem);
  EVP_PKEY_free(k1);
  EVP_PKEY_free(k2);
  cp_certs_free(c);
}

static void bad_directory(void **state) {
  (void)state;
  char err[200] = "";
  assert_null(cp_certs_open("/proc/borne-no/certs", err, sizeof err));
  assert_true(err[0] != '\0');
}

int main(void) {
  log_set_level(LOG_ERROR); /* every refusal is logged as a warning */
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(install_list_delete, setup, teardown),
      cmocka_unit_test_setup_teardown(install_refuses_bad_certificates, setup, teardown),
      cmocka_unit_test_setup_teardown(store_full, setup, teardown),
      cmocka_unit_test_setup_teardown(csr_signed_by_ca, setup, teardown),
      cmocka_unit_test_setup_teardown(pending_request_survives_restart, setup, teardown),
      cmocka_unit_test_setup_teardown(new_client_certificate_on_trial, setup, teardown),
      cmocka_unit_test_setup_teardown(root_in_use_cannot_be_deleted, setup, teardown),
      cmocka_unit_test_setup_teardown(import_configured_ca_file, setup, teardown),
      cmocka_unit_test_setup_teardown(link_ca_file_combines, setup, teardown),
      cmocka_unit_test_setup_teardown(additional_root_check, setup, teardown),
      cmocka_unit_test_setup_teardown(root_promotion_cut_short, setup, teardown),
      cmocka_unit_test_setup_teardown(iso15118_roots_and_client_end, setup, teardown),
      cmocka_unit_test_setup_teardown(oem_root_and_v2g20_leaf, setup, teardown),
      cmocka_unit_test(bad_directory),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
