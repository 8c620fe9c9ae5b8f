/* Self-signed certificate and fingerprint for HTTPS (see tls.h). */
#include "webpage/tls.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/errbuf.h"

#define VALID_DAYS 3650

static int ssl_fail(char *err, size_t errlen, const char *what) {
  char why[256];
  ERR_error_string_n(ERR_get_error(), why, sizeof why);
  return errbuf_fail(err, errlen, "%s: %s", what, why);
}

static int add_ext(X509 *cert, int nid, const char *value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, NULL, NULL, 0);
  X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
  if (!ext) return -1;
  int ok = X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  return ok ? 0 : -1;
}

/* Writes to path.tmp with `mode`, then renames: never a half-written file. */
static int write_pem(const char *path, mode_t mode, EVP_PKEY *key, X509 *cert, char *err,
                     size_t errlen) {
  char tmp[600];
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, mode);
  FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
  if (!f) {
    snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
    if (fd >= 0) close(fd);
    return -1;
  }
  int ok = key ? PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL) : PEM_write_X509(f, cert);
  ok = ok && fflush(f) == 0 && fsync(fileno(f)) == 0;
  if (fclose(f) != 0) ok = 0;
  if (!ok || rename(tmp, path) != 0) {
    snprintf(err, errlen, "cannot write %s", path);
    unlink(tmp);
    return -1;
  }
  return 0;
}

int web_tls_self_signed(const char *dir, const char *hostname, char *err, size_t errlen) {
  char cert_path[600], key_path[600];
  snprintf(cert_path, sizeof cert_path, "%s/web-cert.pem", dir);
  snprintf(key_path, sizeof key_path, "%s/web-key.pem", dir);
  if (access(cert_path, R_OK) == 0 && access(key_path, R_OK) == 0) return 0;
  EVP_PKEY *key = EVP_EC_gen("P-256");
  X509 *cert = X509_new();
  int rc = -1;
  if (!key || !cert) {
    rc = ssl_fail(err, errlen, "cannot make a key");
    goto out;
  }
  unsigned char serial[16];
  FILE *rnd = fopen("/dev/urandom", "rb");
  size_t got = rnd ? fread(serial, 1, sizeof serial, rnd) : 0;
  if (rnd) fclose(rnd);
  if (got != sizeof serial) {
    snprintf(err, errlen, "no random source for the certificate serial");
    goto out;
  }
  serial[0] &= 0x7f; /* a positive serial (RFC 5280 section 4.1.2.2) */
  BIGNUM *bn = BN_bin2bn(serial, sizeof serial, NULL);
  ASN1_INTEGER *sn = bn ? BN_to_ASN1_INTEGER(bn, NULL) : NULL;
  BN_free(bn);
  if (!sn || !X509_set_serialNumber(cert, sn)) {
    ASN1_INTEGER_free(sn);
    rc = ssl_fail(err, errlen, "cannot set the serial");
    goto out;
  }
  ASN1_INTEGER_free(sn);
  X509_set_version(cert, 2); /* v3 */
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), (long)VALID_DAYS * 24 * 3600);
  X509_NAME *name = X509_get_subject_name(cert);
  const char *cn = hostname && *hostname ? hostname : "borne";
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"borne", -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
  X509_set_issuer_name(cert, name);
  X509_set_pubkey(cert, key);
  char san[400];
  snprintf(san, sizeof san, "DNS:localhost,IP:127.0.0.1,IP:::1%s%s",
           hostname && *hostname && strlen(hostname) < 200 ? ",DNS:" : "",
           hostname && *hostname && strlen(hostname) < 200 ? hostname : "");
  if (add_ext(cert, NID_subject_alt_name, san) ||
      add_ext(cert, NID_basic_constraints, "CA:FALSE") ||
      add_ext(cert, NID_key_usage, "critical,digitalSignature") ||
      add_ext(cert, NID_ext_key_usage, "serverAuth")) {
    rc = ssl_fail(err, errlen, "cannot add the certificate's names");
    goto out;
  }
  if (!X509_sign(cert, key, EVP_sha256())) {
    rc = ssl_fail(err, errlen, "cannot sign the certificate");
    goto out;
  }
  if (write_pem(key_path, 0600, key, NULL, err, errlen) == 0 &&
      write_pem(cert_path, 0644, NULL, cert, err, errlen) == 0)
    rc = 0;
out:
  EVP_PKEY_free(key);
  X509_free(cert);
  return rc;
}

int web_tls_fingerprint(const char *path, char *out, size_t outlen, char *err, size_t errlen) {
  FILE *f = fopen(path, "r");
  if (!f) {
    snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
    return -1;
  }
  X509 *cert = PEM_read_X509(f, NULL, NULL, NULL);
  fclose(f);
  if (!cert) return ssl_fail(err, errlen, path);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned n = 0;
  int ok = X509_digest(cert, EVP_sha256(), md, &n);
  X509_free(cert);
  if (!ok || outlen < (size_t)n * 3) return ssl_fail(err, errlen, "cannot hash the certificate");
  for (unsigned i = 0; i < n; i++) snprintf(out + 3 * i, 4, i + 1 < n ? "%02X:" : "%02X", md[i]);
  return 0;
}
