/* The OCMF signing key with the OpenSSL 3 EVP API (see ocmf_key.h). */
#include "ocmf/ocmf_key.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "util/errbuf.h"
#include "util/hex.h"

struct ocmf_key {
  EVP_PKEY *pkey;
  /* SHA-256 + ECDSA set up once for the key (fetching the algorithms from
   * the providers cost as much as signing); each signature works on a copy */
  EVP_MD_CTX *sign_setup;
  /* the public key's DER SubjectPublicKeyInfo in hex, made at its first use
   * (OpenSSL's encoder lookup for i2d_PUBKEY cost ~0.75 M instructions, and
   * an OCPP 2.0.1 transaction's signed values ask for it at each event) */
  char pub_hex[OCMF_PUBKEY_HEX_MAX];
};

static int fail(char *err, size_t errlen, const char *what) {
  unsigned long e = ERR_get_error();
  char buf[160] = "";
  if (e) ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  return errbuf_fail(err, errlen, "%s%s%s", what, e ? ": " : "", buf);
}

/* Only EC keys on P-256 sign ECDSA-secp256r1-SHA256. */
static int check_p256(EVP_PKEY *pkey, char *err, size_t errlen) {
  char group[64] = "";
  size_t glen = 0;
  if (!EVP_PKEY_is_a(pkey, "EC") || !EVP_PKEY_get_group_name(pkey, group, sizeof group, &glen) ||
      strcmp(group, "prime256v1") != 0)
    return fail(err, errlen, "the OCMF key must be an EC key on secp256r1 (prime256v1, P-256)");
  return 0;
}

static int wrap(ocmf_key **out, EVP_PKEY *pkey, char *err, size_t errlen) {
  if (check_p256(pkey, err, errlen) != 0) {
    EVP_PKEY_free(pkey);
    return -1;
  }
  ocmf_key *k = calloc(1, sizeof *k);
  if (!k) {
    EVP_PKEY_free(pkey);
    return fail(err, errlen, "out of memory");
  }
  k->pkey = pkey;
  k->sign_setup = EVP_MD_CTX_new();
  if (!k->sign_setup || EVP_DigestSignInit(k->sign_setup, NULL, EVP_sha256(), NULL, k->pkey) != 1) {
    ocmf_key_free(k);
    return fail(err, errlen, "cannot set up ECDSA signing");
  }
  *out = k;
  return 0;
}

int ocmf_key_from_pem(ocmf_key **out, const char *pem, size_t len, char *err, size_t errlen) {
  *out = NULL;
  if (len > 65536) return fail(err, errlen, "key file too large");
  BIO *bio = BIO_new_mem_buf(pem, (int)len);
  if (!bio) return fail(err, errlen, "out of memory");
  EVP_PKEY *pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
  BIO_free(bio);
  if (!pkey) return fail(err, errlen, "not a PEM private key");
  return wrap(out, pkey, err, errlen);
}

int ocmf_key_generate(ocmf_key **out, char *err, size_t errlen) {
  *out = NULL;
  EVP_PKEY *pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
  if (!pkey) return fail(err, errlen, "cannot generate an EC P-256 key");
  return wrap(out, pkey, err, errlen);
}

void ocmf_key_free(ocmf_key *k) {
  if (!k) return;
  EVP_MD_CTX_free(k->sign_setup);
  EVP_PKEY_free(k->pkey);
  free(k);
}

static int write_all(int fd, const char *p, size_t n) {
  while (n) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return -1;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

/* Write the private key as PEM PKCS#8 to path: temp file (0600) + fsync +
 * rename + fsync of the folder, so a crash leaves the old state or the new
 * key, never half a key. */
static int save_key(const ocmf_key *k, const char *path, char *err, size_t errlen) {
  BIO *bio = BIO_new(BIO_s_mem());
  if (!bio || !PEM_write_bio_PrivateKey(bio, k->pkey, NULL, NULL, 0, NULL, NULL)) {
    BIO_free(bio);
    return fail(err, errlen, "cannot encode the OCMF key");
  }
  char *data = NULL;
  long n = BIO_get_mem_data(bio, &data);
  char tmp[600];
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    BIO_free(bio);
    snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
    return -1;
  }
  int rc =
      (fchmod(fd, 0600) == 0 && write_all(fd, data, (size_t)n) == 0 && fsync(fd) == 0) ? 0 : -1;
  int saved = errno;
  BIO_free(bio);
  if (close(fd) != 0 && rc == 0) rc = -1, saved = errno;
  if (rc == 0 && rename(tmp, path) != 0) rc = -1, saved = errno;
  if (rc != 0) {
    unlink(tmp);
    snprintf(err, errlen, "%s: %s", path, strerror(saved));
    return -1;
  }
  char dir[600];
  snprintf(dir, sizeof dir, "%s", path);
  int dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    (void)fsync(dfd);
    close(dfd);
  }
  return 0;
}

int ocmf_key_load(ocmf_key **out, const char *path, bool create, char *err, size_t errlen) {
  *out = NULL;
  FILE *f = fopen(path, "rb");
  if (!f) {
    if (errno != ENOENT || !create) {
      snprintf(err, errlen, "OCMF key %s: %s", path, strerror(errno));
      return -1;
    }
    ocmf_key *k;
    if (ocmf_key_generate(&k, err, errlen) != 0) return -1;
    if (save_key(k, path, err, errlen) != 0) {
      ocmf_key_free(k);
      return -1;
    }
    *out = k;
    return 0;
  }
  char buf[8192];
  size_t n = fread(buf, 1, sizeof buf, f);
  bool too_big = n == sizeof buf;
  fclose(f);
  if (too_big) {
    snprintf(err, errlen, "OCMF key %s: larger than a PEM EC key", path);
    return -1;
  }
  char why[200];
  if (ocmf_key_from_pem(out, buf, n, why, sizeof why) != 0) {
    snprintf(err, errlen, "OCMF key %s: %s", path, why);
    return -1;
  }
  return 0;
}

/* Hex text into bytes; -1 unless an even count of hex digits fitting cap. */
static long from_hex(const char *hex, unsigned char *out, size_t cap) {
  size_t n = strlen(hex);
  if (n == 0 || n % 2 || n / 2 > cap) return -1;
  for (size_t i = 0; i < n / 2; i++) {
    int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return -1;
    out[i] = (unsigned char)(hi << 4 | lo);
  }
  return (long)(n / 2);
}

int ocmf_key_pubkey_hex(const ocmf_key *k, char *out, size_t outlen) {
  if (!k) return -1; /* a deferred key not loaded yet */
  if (!k->pub_hex[0]) {
    unsigned char *der = NULL;
    int n = i2d_PUBKEY(k->pkey, &der);
    if (n <= 0 || (size_t)n * 2 + 1 > sizeof k->pub_hex) {
      OPENSSL_free(der);
      return -1;
    }
    /* the key's own cache: the object is never defined const (wrap) */
    hex_encode(der, (size_t)n, ((ocmf_key *)k)->pub_hex, true);
    OPENSSL_free(der);
  }
  size_t len = strlen(k->pub_hex);
  if (len + 1 > outlen) return -1;
  memcpy(out, k->pub_hex, len + 1);
  return 0;
}

int ocmf_key_pubkey_pem(const ocmf_key *k, char *out, size_t outlen) {
  if (!k) return -1; /* a deferred key not loaded yet */
  BIO *bio = BIO_new(BIO_s_mem());
  if (!bio || !PEM_write_bio_PUBKEY(bio, k->pkey)) {
    BIO_free(bio);
    return -1;
  }
  char *data = NULL;
  long n = BIO_get_mem_data(bio, &data);
  int rc = -1;
  if (n > 0 && (size_t)n < outlen) {
    memcpy(out, data, (size_t)n);
    out[n] = '\0';
    rc = 0;
  }
  BIO_free(bio);
  return rc;
}

int ocmf_key_sign(const ocmf_key *k, const void *data, size_t len, char *sig_hex, size_t siglen,
                  char *err, size_t errlen) {
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  unsigned char sig[128];
  size_t n = sizeof sig;
  int ok = md && EVP_MD_CTX_copy_ex(md, k->sign_setup) == 1 &&
           EVP_DigestSignUpdate(md, data, len) == 1 && EVP_DigestSignFinal(md, sig, &n) == 1;
  EVP_MD_CTX_free(md);
  if (!ok) return fail(err, errlen, "ECDSA signing failed");
  if (n * 2 + 1 > siglen) return fail(err, errlen, "signature buffer too small");
  hex_encode(sig, n, sig_hex, true);
  return 0;
}

int ocmf_verify_hex(const char *pubkey_hex, const void *data, size_t len, const char *sig_hex) {
  unsigned char der[512], sig[160];
  long dn = from_hex(pubkey_hex, der, sizeof der);
  long sn = from_hex(sig_hex, sig, sizeof sig);
  if (dn < 0 || sn < 0) return -1;
  const unsigned char *p = der;
  EVP_PKEY *pub = d2i_PUBKEY(NULL, &p, dn);
  if (!pub) {
    ERR_clear_error();
    return -1;
  }
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  int rc = -1;
  if (md && EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, pub) == 1)
    rc = EVP_DigestVerify(md, sig, (size_t)sn, data, len) == 1 ? 1 : 0;
  EVP_MD_CTX_free(md);
  EVP_PKEY_free(pub);
  ERR_clear_error();
  return rc;
}
