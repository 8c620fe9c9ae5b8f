/*
 * The charge point's certificate store (see certificates.h), moved out of
 * the 1.6 code so that every OCPP dialect shares it. Sources for the rules, OCPP 1.6 security
 * whitepaper edition 2/3 (as summarised at
 * https://ocpplab.com/docs/protocols/ocpp-1-6/actions/ and the OCPP 2.x
 * CertificateHashDataType the whitepaper reuses, e.g.
 * https://docs.rs/ocpp-kit/latest/ocpp_kit/v2_1/struct.CertificateHashData.html):
 *   - issuerNameHash: hash over the DER encoding of the certificate's issuer
 *     name; issuerKeyHash: hash of the issuer's public key, the value of the
 *     subjectPublicKey BIT STRING without tag and length; serialNumber: the
 *     serial in hexadecimal without "0x" and without leading zeroes;
 *   - InstallCertificate (M05): Rejected when the certificate is invalid or
 *     CertificateStoreMaxLength is reached, Failed when valid but not
 *     installed for another reason;
 *   - DeleteCertificate (M04): Failed for the CentralSystemRootCertificate in
 *     use for the connection; the Charge Point certificate itself cannot be
 *     deleted this way;
 *   - SignCertificate (A02/A03): a new key pair per request, the private key
 *     never leaves the charge point, organizationName = CpoName;
 *   - CertificateSigned (A02/A03): the certificate is verified (validity,
 *     hierarchy) and discarded with an InvalidChargePointCertificate security
 *     event when invalid (the caller raises the event).
 * Never: a socket, a clock read, a private key in a log line or an answer.
 */
#include "chargepoint/certificates.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "util/hex.h"
#include "util/log.h"

#define MOD "ocpp"
#define BUNDLE "ca-bundle.pem"
#define CLIENT "client.pem"
#define PENDING "pending.key"
/* a client certificate from CertificateSigned until it has connected once
 * (then it becomes client.pem), and one the back end refused (kept to look at) */
#define CLIENT_NEW "client-new.pem"
#define CLIENT_REFUSED "client-refused.pem"
/* AdditionalRootCertificateCheck: a CSMS root replacing the installed ones
 * until it has connected once (then it becomes cs-<sha256>.pem and the
 * others go), and one the server's certificate did not verify with. Not
 * "cs-" names: load() must not take them for installed roots. */
#define ROOT_NEW "csms-root-new.pem"
#define ROOT_REFUSED "csms-root-refused.pem"
/* the root that signed the one on trial (its hash data name their issuer's
 * key); after the promotion it follows the root in its cs-<sha256>.pem */
#define ROOT_ISSUER "csms-root-new-issuer.pem"
/* the ISO 15118 SECC certificates, [0] 15118-2 (V2GCertificate), [1]
 * 15118-20 (2.1's V2G20Certificate) */
#define V2G_SLOTS 2
static const char *const v2g_file[V2G_SLOTS] = {"v2g.pem", "v2g20.pem"};
static const char *const pending_v2g_file[V2G_SLOTS] = {"pending-v2g.key", "pending-v2g20.key"};
#define LINK_CA "ca-link.pem"
#define MAX_CA_FILE (1 << 20)
#define DIR_MAX 400 /* the directory name's limit: its paths fit the 520-byte buffers */

/* The file name prefix of each use's roots. */
static const char *const use_prefix[] = {[CP_CERT_CSMS_ROOT] = "cs-",
                                         [CP_CERT_MANUFACTURER_ROOT] = "mf-",
                                         [CP_CERT_V2G_ROOT] = "v2g-",
                                         [CP_CERT_MO_ROOT] = "mo-",
                                         [CP_CERT_OEM_ROOT] = "oem-"};
#define USE_COUNT ((int)(sizeof use_prefix / sizeof use_prefix[0]))

typedef struct {
  cp_cert_use use;
  X509 *x;
  X509 *issuer; /* a root signed by another (AdditionalRootCertificateCheck): that one, else NULL */
  char name[80]; /* file name in the store */
} root_cert;

/* A file on trial: written as new_name, the link's until a connection
 * confirms it (each caller's own step: a rename, a promotion) or refuses it
 * (set aside as refused_name, the previous file the link's again). The
 * client certificate from CertificateSigned and the CSMS root replacing the
 * installed ones (AdditionalRootCertificateCheck) are both on trial this
 * way, across restarts (the file is there at the next open). */
typedef struct {
  const char *new_name, *refused_name;
  char *path; /* dir/new_name, allocated while on trial only (a swarm holds thousands of stores) */
  bool on;
} trial;

/* The paths and the roots are allocated to their size (a swarm holds
 * thousands of stores, most without a root: fixed arrays were 5.5 kB each). */
struct cp_certs {
  char *dir;
  root_cert *roots; /* n of cap, at most 2 * CP_CERTS_MAX */
  int n, cap;
  char *bundle_path;
  bool have_bundle;
  char *client_path;
  bool have_client;
  trial client;      /* client-new.pem is the identity the link uses */
  trial root;        /* csms-root-new.pem is the only CSMS root the link trusts */
  X509 *root_x;      /* that root while on trial */
  X509 *root_issuer; /* the root that signed it */
  bool root_check;   /* AdditionalRootCertificateCheck */
  unsigned csms_gen; /* changes of the CSMS roots the link trusts */
  /* the V2G (ISO 15118 SECC) certificates: key, then chain */
  char *v2g_path[V2G_SLOTS];
  bool have_v2g[V2G_SLOTS];
  EVP_PKEY *pending_v2g[V2G_SLOTS];
  char *link_ca_path;
  EVP_PKEY *pending;
  STACK_OF(X509) * server_chain;
};

static int root_promote(cp_certs *c);

/* ---------- files ---------- */

/* "dir/name" allocated, NULL when out of memory. */
static char *path_join(const char *dir, const char *name) {
  size_t len = strlen(dir) + 1 + strlen(name) + 1;
  char *s = malloc(len);
  if (s) snprintf(s, len, "%s/%s", dir, name);
  return s;
}

/* Room for one more root: 0, or -1 when out of memory. */
static int roots_reserve(cp_certs *c) {
  if (c->n < c->cap) return 0;
  int cap = c->cap ? 2 * c->cap : 4;
  root_cert *r = realloc(c->roots, (size_t)cap * sizeof *r);
  if (!r) return -1;
  c->roots = r;
  c->cap = cap;
  return 0;
}

/* A rename made durable: fsync of the directory. */
static void sync_dir(const cp_certs *c) {
  int dfd = open(c->dir, O_RDONLY | O_DIRECTORY);
  if (dfd >= 0) {
    (void)fsync(dfd);
    close(dfd);
  }
}

/* Written whole or not at all: temp file (mode 0600), fsync, rename, fsync
 * of the directory so that the rename itself survives a power cut. */
static int write_atomic(const cp_certs *c, const char *name, const char *data, size_t len) {
  char tmp[520], path[520];
  snprintf(tmp, sizeof tmp, "%s/.tmp-XXXXXX", c->dir);
  snprintf(path, sizeof path, "%s/%s", c->dir, name);
  int fd = mkstemp(tmp);
  if (fd < 0) return -1;
  bool ok = fchmod(fd, 0600) == 0;
  for (size_t off = 0; ok && off < len;) {
    ssize_t w = write(fd, data + off, len - off);
    if (w < 0 && errno == EINTR) continue;
    ok = w > 0;
    if (ok) off += (size_t)w;
  }
  ok = ok && fsync(fd) == 0;
  ok = close(fd) == 0 && ok;
  ok = ok && rename(tmp, path) == 0;
  if (!ok) {
    unlink(tmp);
    return -1;
  }
  int dfd = open(c->dir, O_RDONLY | O_DIRECTORY);
  if (dfd >= 0) {
    (void)fsync(dfd);
    close(dfd);
  }
  return 0;
}

static int remove_file(const cp_certs *c, const char *name) {
  char path[520];
  snprintf(path, sizeof path, "%s/%s", c->dir, name);
  if (unlink(path) != 0) return errno == ENOENT ? 0 : -1; /* nothing to make durable */
  int dfd = open(c->dir, O_RDONLY | O_DIRECTORY);
  if (dfd >= 0) {
    (void)fsync(dfd);
    close(dfd);
  }
  return 0;
}

/* ---------- a file on trial ---------- */

/* On trial from now: its path allocated (0), or -1 when out of memory. */
static int trial_start(const cp_certs *c, trial *t) {
  if (!t->path && !(t->path = path_join(c->dir, t->new_name))) return -1;
  t->on = true;
  return 0;
}

/* Written (atomically) and on trial: 0, or -1 (nothing changed but the file). */
static int trial_begin(const cp_certs *c, trial *t, const char *data, size_t len) {
  if (!t->path && !(t->path = path_join(c->dir, t->new_name))) return -1;
  if (write_atomic(c, t->new_name, data, len) != 0) {
    if (!t->on) {
      free(t->path);
      t->path = NULL;
    }
    return -1;
  }
  t->on = true;
  return 0;
}

/* The trial over (the caller confirmed or removed the file). */
static void trial_end(trial *t) {
  t->on = false;
  free(t->path);
  t->path = NULL;
}

/* Refused: set aside as refused_name. The trial ends in memory whatever
 * the disk says (the link must not keep using a file that fails); -1 when
 * the rename failed. */
static int trial_refuse(const cp_certs *c, trial *t) {
  if (!t->on) return 0;
  char refused[520];
  snprintf(refused, sizeof refused, "%s/%s", c->dir, t->refused_name);
  int rc = rename(t->path, refused);
  if (rc != 0)
    log_warn(MOD, "certificate store: cannot rename %s: %s", t->new_name, strerror(errno));
  else
    sync_dir(c);
  trial_end(t);
  return rc == 0 ? 0 : -1;
}

/* The contents of a memory BIO as a NUL-terminated string (caller frees). */
static char *bio_string(BIO *b) {
  char *data;
  long n = BIO_get_mem_data(b, &data);
  char *s = n >= 0 ? malloc((size_t)n + 1) : NULL;
  if (s) {
    memcpy(s, data, (size_t)n);
    s[n] = '\0';
  }
  return s;
}

static char *x509_pem(X509 *x) {
  BIO *b = BIO_new(BIO_s_mem());
  char *s = b && PEM_write_bio_X509(b, x) == 1 ? bio_string(b) : NULL;
  BIO_free(b);
  return s;
}

/* x then, when not NULL, its issuer (caller frees). */
static char *pem_pair(X509 *x, X509 *issuer) {
  char *a = x509_pem(x), *b = issuer ? x509_pem(issuer) : NULL;
  size_t na = a ? strlen(a) : 0, nb = b ? strlen(b) : 0;
  char *s = a && (b || !issuer) ? realloc(a, na + nb + 1) : NULL;
  if (s) {
    if (b) memcpy(s + na, b, nb + 1);
  } else
    free(a);
  free(b);
  return s;
}

static char *key_pem(EVP_PKEY *k) {
  BIO *b = BIO_new(BIO_s_mem());
  char *s =
      b && PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL) == 1 ? bio_string(b) : NULL;
  BIO_free(b);
  return s;
}

/* Every certificate of a PEM text (other PEM blocks skipped); NULL when none. */
static STACK_OF(X509) * parse_chain(const char *pem, size_t len) {
  if (len > INT32_MAX) return NULL;
  BIO *b = BIO_new_mem_buf(pem, (int)len);
  STACK_OF(X509) *chain = sk_X509_new_null();
  X509 *x;
  while (b && chain && (x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL)
    if (sk_X509_push(chain, x) <= 0) X509_free(x);
  ERR_clear_error(); /* the read that ended the loop */
  BIO_free(b);
  if (chain && sk_X509_num(chain) == 0) {
    sk_X509_free(chain);
    chain = NULL;
  }
  return chain;
}

static void fingerprint(X509 *x, char out[65]) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (X509_digest(x, EVP_sha256(), md, &n) != 1) n = 0;
  hex_encode(md, n > 32 ? 32 : n, out, false);
}

/* ---------- certificate checks ---------- */

/* 0 when `now` is inside the validity period, else why not. */
static const char *validity_problem(X509 *x, borne_ms now) {
  time_t t = (time_t)(now / 1000);
  int before = X509_cmp_time(X509_get0_notBefore(x), &t);
  int after = X509_cmp_time(X509_get0_notAfter(x), &t);
  if (before == 0 || after == 0) return "unreadable validity period";
  if (before > 0) return "not valid yet";
  if (after < 0) return "expired";
  return NULL;
}

static bool self_signed_ca(X509 *x) {
  return X509_check_ca(x) >= 1 && X509_check_issued(x, x) == X509_V_OK &&
         X509_verify(x, X509_get0_pubkey(x)) == 1;
}

/* CertificateHashDataType of x issued by `issuer` (x itself for a root). */
typedef struct {
  char name_hash[2 * EVP_MAX_MD_SIZE + 1];
  char key_hash[2 * EVP_MAX_MD_SIZE + 1];
  char serial[80];
} hash_data;

static int hash_data_of(X509 *x, X509 *issuer, const EVP_MD *md, hash_data *h) {
  unsigned char d[EVP_MAX_MD_SIZE], *der = NULL;
  unsigned int n = 0;
  int len = i2d_X509_NAME(X509_get_issuer_name(x), &der);
  bool ok = len > 0 && EVP_Digest(der, (size_t)len, d, &n, md, NULL) == 1;
  OPENSSL_free(der);
  if (!ok) return -1;
  hex_encode(d, n, h->name_hash, false);
  /* the subjectPublicKey BIT STRING's value, without tag and length */
  const ASN1_BIT_STRING *bits = X509_get0_pubkey_bitstr(issuer);
  if (!bits || EVP_Digest(ASN1_STRING_get0_data(bits), (size_t)ASN1_STRING_length(bits), d, &n, md,
                          NULL) != 1)
    return -1;
  hex_encode(d, n, h->key_hash, false);
  BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
  char *hex = bn ? BN_bn2hex(bn) : NULL;
  BN_free(bn);
  if (!hex) return -1;
  const char *p = hex;
  while (p[0] == '0' && p[1]) p++; /* "without leading zeroes" */
  snprintf(h->serial, sizeof h->serial, "%s", p);
  for (char *q = h->serial; *q; q++) *q = (char)(*q >= 'A' && *q <= 'F' ? *q - 'A' + 'a' : *q);
  OPENSSL_free(hex);
  return 0;
}

/* The certificate to find (DeleteCertificate's certificateHashData). */
typedef cp_cert_hash_data hash_want;

static const EVP_MD *md_of(cp_hash_algorithm a) {
  switch (a) {
  case CP_HASH_SHA256:
    return EVP_sha256();
  case CP_HASH_SHA384:
    return EVP_sha384();
  case CP_HASH_SHA512:
    return EVP_sha512();
  }
  return NULL;
}

static bool serial_equal(const char *a, const char *b) {
  while (a[0] == '0' && a[1]) a++;
  while (b[0] == '0' && b[1]) b++;
  return strcasecmp(a, b) == 0;
}

static bool hash_matches(const hash_data *h, const hash_want *want) {
  return strcasecmp(want->issuer_name_hash, h->name_hash) == 0 &&
         strcasecmp(want->issuer_key_hash, h->key_hash) == 0 &&
         serial_equal(want->serial, h->serial);
}

/* Verifies leaf (+ untrusted intermediates) against `trusted`; at `now` or,
 * when now < 0, without checking times. */
static bool chain_verifies(X509 *leaf, STACK_OF(X509) * untrusted, X509 **trusted, int ntrusted,
                           borne_ms now, int purpose) {
  X509_STORE *store = X509_STORE_new();
  X509_STORE_CTX *ctx = X509_STORE_CTX_new();
  bool ok = store && ctx;
  for (int i = 0; ok && i < ntrusted; i++) ok = X509_STORE_add_cert(store, trusted[i]) == 1;
  ok = ok && X509_STORE_CTX_init(ctx, store, leaf, untrusted) == 1;
  if (ok) {
    if (now >= 0)
      X509_STORE_CTX_set_time(ctx, 0, (time_t)(now / 1000));
    else
      X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_NO_CHECK_TIME);
    if (purpose) X509_STORE_CTX_set_purpose(ctx, purpose);
    /* a trusted root need not be self-signed: a CSMS root signed by the one
     * it replaced (AdditionalRootCertificateCheck) is a trust anchor too */
    X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_PARTIAL_CHAIN);
    ok = X509_verify_cert(ctx) == 1;
  }
  ERR_clear_error();
  X509_STORE_CTX_free(ctx);
  X509_STORE_free(store);
  return ok;
}

/* ---------- the store ---------- */

static int rewrite_bundle(cp_certs *c) {
  size_t cap = 1, len = 0;
  char *all = calloc(1, 1);
  for (int i = 0; all && i < c->n; i++) {
    if (c->roots[i].use != CP_CERT_CSMS_ROOT) continue;
    char *pem = x509_pem(c->roots[i].x);
    size_t n = pem ? strlen(pem) : 0;
    char *grown = pem ? realloc(all, cap + n) : NULL;
    if (!grown) {
      free(pem);
      free(all);
      return -1;
    }
    all = grown;
    memcpy(all + len, pem, n + 1);
    len += n;
    cap += n;
    free(pem);
  }
  if (!all) return -1;
  int rc = len ? write_atomic(c, BUNDLE, all, len) : remove_file(c, BUNDLE);
  free(all);
  if (rc == 0) c->have_bundle = len > 0;
  return rc;
}

static int root_index(const cp_certs *c, const char *name) {
  for (int i = 0; i < c->n; i++)
    if (strcmp(c->roots[i].name, name) == 0) return i;
  return -1;
}

static int by_name(const void *a, const void *b) {
  return strcmp(((const root_cert *)a)->name, ((const root_cert *)b)->name);
}

static X509 *read_cert_file(const char *path) {
  FILE *f = fopen(path, "r");
  X509 *x = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
  if (f) { /* an absent file does not start OpenSSL */
    fclose(f);
    ERR_clear_error();
  }
  return x;
}

static EVP_PKEY *read_key_file(const char *path) {
  FILE *f = fopen(path, "r");
  EVP_PKEY *k = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
  if (f) { /* an absent file does not start OpenSSL */
    fclose(f);
    ERR_clear_error();
  }
  return k;
}

/* The certificate after the first in a PEM file when it issued x, else NULL. */
static X509 *issuer_in_file(const char *path, X509 *x) {
  FILE *f = fopen(path, "r");
  if (!f) return NULL;
  X509 *first = PEM_read_X509(f, NULL, NULL, NULL);
  X509 *second = first ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
  fclose(f);
  ERR_clear_error();
  X509_free(first);
  if (second && X509_check_issued(second, x) != X509_V_OK) {
    X509_free(second);
    second = NULL;
  }
  return second;
}

static void load(cp_certs *c, DIR *d) {
  struct dirent *e;
  char path[800];
  while ((e = readdir(d)) != NULL) {
    const char *name = e->d_name;
    snprintf(path, sizeof path, "%s/%s", c->dir, name);
    size_t len = strlen(name);
    if (strncmp(name, ".tmp-", 5) == 0) {
      unlink(path); /* a write cut short */
      continue;
    }
    int use = -1;
    for (int u = 0; u < USE_COUNT && use < 0; u++)
      if (strncmp(name, use_prefix[u], strlen(use_prefix[u])) == 0) use = u;
    if (use < 0 || len < 8 || len >= sizeof c->roots[0].name || strcmp(name + len - 4, ".pem") != 0)
      continue;
    X509 *x = read_cert_file(path);
    if (!x || c->n >= 2 * CP_CERTS_MAX || roots_reserve(c) != 0) {
      log_warn(MOD, "certificate store: %s skipped (%s)", path,
               !x                         ? "unreadable"
               : c->n >= 2 * CP_CERTS_MAX ? "store full"
                                          : "out of memory");
      X509_free(x);
      continue;
    }
    c->roots[c->n].use = (cp_cert_use)use;
    c->roots[c->n].x = x;
    c->roots[c->n].issuer = X509_check_issued(x, x) == X509_V_OK ? NULL : issuer_in_file(path, x);
    snprintf(c->roots[c->n].name, sizeof c->roots[c->n].name, "%s", name);
    c->n++;
  }
  if (c->n > 1) qsort(c->roots, (size_t)c->n, sizeof c->roots[0], by_name);
}

cp_certs *cp_certs_open(const char *dir, char *err, size_t errlen) {
  if (!dir || !dir[0] || strlen(dir) >= DIR_MAX) {
    snprintf(err, errlen, "certificate store: bad directory name");
    return NULL;
  }
  if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
    snprintf(err, errlen, "certificate store %s: %s", dir, strerror(errno));
    return NULL;
  }
  DIR *d = opendir(dir);
  if (!d) {
    snprintf(err, errlen, "certificate store %s: %s", dir, strerror(errno));
    return NULL;
  }
  cp_certs *c = calloc(1, sizeof *c);
  if (!c) {
    closedir(d);
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  c->dir = strdup(dir);
  c->client = (trial){.new_name = CLIENT_NEW, .refused_name = CLIENT_REFUSED};
  c->root = (trial){.new_name = ROOT_NEW, .refused_name = ROOT_REFUSED};
  c->bundle_path = path_join(dir, BUNDLE);
  c->client_path = path_join(dir, CLIENT);
  c->link_ca_path = path_join(dir, LINK_CA);
  bool paths = c->dir && c->bundle_path && c->client_path && c->link_ca_path;
  for (int v = 0; v < V2G_SLOTS; v++)
    paths = (c->v2g_path[v] = path_join(dir, v2g_file[v])) && paths;
  if (!paths) {
    closedir(d);
    cp_certs_free(c);
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  load(c, d);
  closedir(d);
  if (rewrite_bundle(c) != 0) log_warn(MOD, "certificate store: cannot write %s", BUNDLE);
  /* the identity counts only when its key and certificate belong together */
  X509 *cert = read_cert_file(c->client_path);
  EVP_PKEY *key = cert ? read_key_file(c->client_path) : NULL;
  c->have_client = cert && key && EVP_PKEY_eq(X509_get0_pubkey(cert), key) == 1;
  if (cert && !c->have_client)
    log_warn(MOD, "certificate store: %s: key and certificate differ", c->client_path);
  X509_free(cert);
  EVP_PKEY_free(key);
  /* a new certificate not yet confirmed by a connection (kill -9 between
   * CertificateSigned and the first connection): still on trial */
  char path[520];
  snprintf(path, sizeof path, "%s/%s", dir, CLIENT_NEW);
  cert = read_cert_file(path);
  key = cert ? read_key_file(path) : NULL;
  if (cert && key && EVP_PKEY_eq(X509_get0_pubkey(cert), key) == 1)
    (void)trial_start(c, &c->client); /* out of memory: the previous identity */
  X509_free(cert);
  EVP_PKEY_free(key);
  /* a CSMS root on trial (kill -9 before its first connection): still on
   * trial; found installed too, its promotion was cut short: finished */
  snprintf(path, sizeof path, "%s/%s", dir, ROOT_NEW);
  c->root_x = read_cert_file(path);
  if (c->root_x && trial_start(c, &c->root) != 0) {
    X509_free(c->root_x);
    c->root_x = NULL;
  }
  if (c->root_x) {
    snprintf(path, sizeof path, "%s/%s", dir, ROOT_ISSUER);
    c->root_issuer = read_cert_file(path);
    if (c->root_issuer && X509_check_issued(c->root_issuer, c->root_x) != X509_V_OK) {
      X509_free(c->root_issuer);
      c->root_issuer = NULL;
    }
  }
  if (c->root_x) {
    char fp[65], name[80];
    fingerprint(c->root_x, fp);
    snprintf(name, sizeof name, "%s%s.pem", use_prefix[CP_CERT_CSMS_ROOT], fp);
    if (root_index(c, name) >= 0 && root_promote(c) != 0)
      log_warn(MOD, "certificate store: the CSMS root's promotion could not be finished");
  }
  snprintf(path, sizeof path, "%s/%s", dir, PENDING);
  c->pending = read_key_file(path);
  for (int v = 0; v < V2G_SLOTS; v++) {
    snprintf(path, sizeof path, "%s/%s", dir, pending_v2g_file[v]);
    c->pending_v2g[v] = read_key_file(path);
    cert = read_cert_file(c->v2g_path[v]);
    key = cert ? read_key_file(c->v2g_path[v]) : NULL;
    c->have_v2g[v] = cert && key && EVP_PKEY_eq(X509_get0_pubkey(cert), key) == 1;
    X509_free(cert);
    EVP_PKEY_free(key);
  }
  return c;
}

void cp_certs_free(cp_certs *c) {
  if (!c) return;
  for (int i = 0; i < c->n; i++) {
    X509_free(c->roots[i].x);
    X509_free(c->roots[i].issuer);
  }
  EVP_PKEY_free(c->pending);
  for (int v = 0; v < V2G_SLOTS; v++) EVP_PKEY_free(c->pending_v2g[v]);
  sk_X509_pop_free(c->server_chain, X509_free);
  free(c->roots);
  free(c->dir);
  free(c->bundle_path);
  free(c->client_path);
  free(c->client.path);
  free(c->root.path);
  X509_free(c->root_x);
  X509_free(c->root_issuer);
  free(c->link_ca_path);
  for (int v = 0; v < V2G_SLOTS; v++) free(c->v2g_path[v]);
  free(c);
}

/* ---------- AdditionalRootCertificateCheck: a CSMS root on trial ---------- */

/* x verifies against the CSMS root it would replace: the one on trial, else
 * the installed ones (1.6 whitepaper M05.FR.09/10, 2.0.1 M05). */
static bool signed_by_csms_root(const cp_certs *c, X509 *x, borne_ms now) {
  X509 *trusted[2 * CP_CERTS_MAX];
  int nt = 0;
  if (c->root.on)
    trusted[nt++] = c->root_x;
  else
    for (int i = 0; i < c->n && nt < 2 * CP_CERTS_MAX; i++)
      if (c->roots[i].use == CP_CERT_CSMS_ROOT) trusted[nt++] = c->roots[i].x;
  /* a certificate that is its own issuer is never "signed by the old root" */
  return X509_check_issued(x, x) != X509_V_OK && chain_verifies(x, NULL, trusted, nt, now, 0);
}

/* M05.FR.11: the new root replaces the installed ones for the link, the old
 * ones kept (cs-*.pem) as the fallback until it has connected. */
static cp_cert_install_result root_trial_begin(cp_certs *c, X509 *x) {
  /* its issuer, kept for its hash data (the one on trial, else an installed root) */
  X509 *issuer = c->root.on && X509_check_issued(c->root_x, x) == X509_V_OK ? c->root_x : NULL;
  for (int i = 0; !issuer && i < c->n; i++)
    if (c->roots[i].use == CP_CERT_CSMS_ROOT && X509_check_issued(c->roots[i].x, x) == X509_V_OK)
      issuer = c->roots[i].x;
  char *ipem = issuer ? x509_pem(issuer) : NULL;
  char *pem = x509_pem(x);
  if (!ipem || !pem || write_atomic(c, ROOT_ISSUER, ipem, strlen(ipem)) != 0 ||
      trial_begin(c, &c->root, pem, strlen(pem)) != 0) {
    free(ipem);
    free(pem);
    log_error(MOD, "InstallCertificate: cannot write %s/%s: %s", c->dir, ROOT_NEW, strerror(errno));
    return CP_CERT_INSTALL_FAILED;
  }
  free(ipem);
  free(pem);
  X509_up_ref(x);
  X509_up_ref(issuer);
  X509_free(c->root_x);
  X509_free(c->root_issuer);
  c->root_x = x;
  c->root_issuer = issuer;
  c->csms_gen++;
  log_info(MOD, "new CSMS root on trial, the installed one kept as the fallback");
  return CP_CERT_INSTALL_ACCEPTED;
}

/* The root on trial forgotten (the trial itself ended by the caller), its
 * issuer's file removed (best effort: a stale one is never read alone). */
static void root_trial_drop(cp_certs *c) {
  X509_free(c->root_x);
  X509_free(c->root_issuer);
  c->root_x = c->root_issuer = NULL;
  (void)remove_file(c, ROOT_ISSUER);
  c->csms_gen++;
}

/* M05.FR.12: the root on trial becomes the only installed CSMS root. In an
 * order a kill -9 can cut anywhere: its cs-<sha256>.pem first (an open that
 * finds both it and csms-root-new.pem finishes the job), then the others
 * removed, then the trial file. */
static int root_promote(cp_certs *c) {
  char fp[65], name[80];
  fingerprint(c->root_x, fp);
  snprintf(name, sizeof name, "%s%s.pem", use_prefix[CP_CERT_CSMS_ROOT], fp);
  if (root_index(c, name) < 0) {
    /* the root, then its issuer (for its hash data once the issuer is gone) */
    char *pem = roots_reserve(c) == 0 ? pem_pair(c->root_x, c->root_issuer) : NULL;
    if (!pem || write_atomic(c, name, pem, strlen(pem)) != 0) {
      free(pem);
      log_warn(MOD, "certificate store: cannot write %s: %s", name, strerror(errno));
      return -1;
    }
    free(pem);
    X509_up_ref(c->root_x);
    if (c->root_issuer) X509_up_ref(c->root_issuer);
    c->roots[c->n].use = CP_CERT_CSMS_ROOT;
    c->roots[c->n].x = c->root_x;
    c->roots[c->n].issuer = c->root_issuer;
    snprintf(c->roots[c->n].name, sizeof c->roots[c->n].name, "%s", name);
    c->n++;
  }
  int rc = 0;
  for (int i = 0; i < c->n;) {
    if (c->roots[i].use != CP_CERT_CSMS_ROOT || !strcmp(c->roots[i].name, name)) {
      i++;
      continue;
    }
    if (remove_file(c, c->roots[i].name) != 0) { /* left installed: not fatal */
      log_warn(MOD, "certificate store: cannot remove %s: %s", c->roots[i].name, strerror(errno));
      rc = -1;
      i++;
      continue;
    }
    X509_free(c->roots[i].x);
    X509_free(c->roots[i].issuer);
    memmove(&c->roots[i], &c->roots[i + 1], (size_t)(c->n - i - 1) * sizeof c->roots[0]);
    c->n--;
  }
  if (c->n > 1) qsort(c->roots, (size_t)c->n, sizeof c->roots[0], by_name);
  if (rewrite_bundle(c) != 0) rc = -1;
  if (remove_file(c, ROOT_NEW) != 0) rc = -1;
  trial_end(&c->root);
  root_trial_drop(c);
  return rc;
}

/* Installs a checked certificate. */
static cp_cert_install_result install_x509(cp_certs *c, cp_cert_use use, X509 *x, borne_ms now) {
  bool cs = use == CP_CERT_CSMS_ROOT;
  char fp[65], name[80];
  fingerprint(x, fp);
  snprintf(name, sizeof name, "%s%s.pem", use_prefix[use], fp);
  /* AdditionalRootCertificateCheck with a CSMS root installed: the new one
   * must be signed by it and replaces it (after a trial) */
  bool replace = cs && c->root_check && cp_certs_count(c, CP_CERT_CSMS_ROOT) > 0;
  bool present = root_index(c, name) >= 0 || (cs && c->root.on && X509_cmp(c->root_x, x) == 0);
  const char *why = NULL;
  if (replace && !present)
    why = X509_check_ca(x) < 1 ? "not a CA certificate" : validity_problem(x, now);
  else if (present) /* checked when installed (a promoted root is not self-signed) */
    why = validity_problem(x, now);
  else if (!self_signed_ca(x))
    why = "not a self-signed CA certificate";
  else
    why = validity_problem(x, now);
  if (!why && replace && !present && !signed_by_csms_root(c, x, now))
    why = "AdditionalRootCertificateCheck: not signed by the installed CSMS root";
  if (why) {
    log_warn(MOD, "InstallCertificate refused: %s", why);
    return CP_CERT_INSTALL_REJECTED;
  }
  if (present) return CP_CERT_INSTALL_ACCEPTED;
  if (replace) return root_trial_begin(c, x);
  if (c->n >= CP_CERTS_MAX) {
    log_warn(MOD, "InstallCertificate refused: %d root certificates already", CP_CERTS_MAX);
    return CP_CERT_INSTALL_REJECTED; /* CertificateStoreMaxLength reached */
  }
  char *pem = roots_reserve(c) == 0 ? x509_pem(x) : NULL;
  if (!pem || write_atomic(c, name, pem, strlen(pem)) != 0) {
    free(pem);
    log_error(MOD, "InstallCertificate: cannot write %s/%s: %s", c->dir, name, strerror(errno));
    return CP_CERT_INSTALL_FAILED;
  }
  free(pem);
  X509_up_ref(x);
  c->roots[c->n].use = use;
  c->roots[c->n].x = x;
  c->roots[c->n].issuer = NULL;
  snprintf(c->roots[c->n].name, sizeof c->roots[c->n].name, "%s", name);
  c->n++;
  if (c->n > 1) qsort(c->roots, (size_t)c->n, sizeof c->roots[0], by_name);
  if (cs) c->csms_gen++;
  if (cs && rewrite_bundle(c) != 0) {
    log_error(MOD, "InstallCertificate: cannot write %s: %s", c->bundle_path, strerror(errno));
    return CP_CERT_INSTALL_FAILED;
  }
  return CP_CERT_INSTALL_ACCEPTED;
}

cp_cert_install_result cp_certs_install(cp_certs *c, cp_cert_use use, const char *pem,
                                        borne_ms now) {
  if (!pem || (int)use < 0 || (int)use >= USE_COUNT) return CP_CERT_INSTALL_REJECTED;
  STACK_OF(X509) *chain = parse_chain(pem, strlen(pem));
  cp_cert_install_result status;
  if (!chain || sk_X509_num(chain) != 1) {
    log_warn(MOD, "InstallCertificate refused: %s",
             chain ? "more than one certificate" : "no PEM certificate");
    status = CP_CERT_INSTALL_REJECTED;
  } else {
    status = install_x509(c, use, sk_X509_value(chain, 0), now);
  }
  sk_X509_pop_free(chain, X509_free);
  return status;
}

int cp_certs_import_csms_roots(cp_certs *c, const char *pem_file, borne_ms now) {
  FILE *f = fopen(pem_file, "r");
  if (!f) return -1;
  int n = 0;
  X509 *x;
  while ((x = PEM_read_X509(f, NULL, NULL, NULL)) != NULL) {
    if (install_x509(c, CP_CERT_CSMS_ROOT, x, now) == CP_CERT_INSTALL_ACCEPTED) n++;
    X509_free(x);
  }
  ERR_clear_error();
  fclose(f);
  return n;
}

static bool root_in_use(const cp_certs *c, X509 *root) {
  if (!c->server_chain || sk_X509_num(c->server_chain) == 0) return false;
  STACK_OF(X509) *rest = sk_X509_dup(c->server_chain);
  X509 *leaf = rest ? sk_X509_shift(rest) : NULL;
  bool used = leaf && chain_verifies(leaf, rest, &root, 1, -1, 0);
  sk_X509_free(rest);
  return used;
}

/* The client identity the link uses: the new one while on trial. */
static const char *client_file(const cp_certs *c) {
  return c->client.on ? c->client.path : c->have_client ? c->client_path : NULL;
}

/* The charge point's own certificate matches `want`? Its issuer is the next
 * certificate of the chain or an installed root. */
static bool is_client_cert(const cp_certs *c, const EVP_MD *md, const hash_want *want) {
  if (!client_file(c)) return false;
  FILE *f = fopen(client_file(c), "r");
  if (!f) return false;
  X509 *leaf = PEM_read_X509(f, NULL, NULL, NULL);
  X509 *issuer = leaf ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
  ERR_clear_error();
  fclose(f);
  for (int i = 0; leaf && !issuer && i < c->n; i++)
    if (X509_check_issued(c->roots[i].x, leaf) == X509_V_OK) {
      issuer = c->roots[i].x;
      X509_up_ref(issuer);
    }
  hash_data h;
  bool match = leaf && issuer && hash_data_of(leaf, issuer, md, &h) == 0 && hash_matches(&h, want);
  X509_free(leaf);
  X509_free(issuer);
  return match;
}

cp_cert_delete_result cp_certs_delete(cp_certs *c, const cp_cert_hash_data *want) {
  const EVP_MD *md = want ? md_of(want->algorithm) : NULL;
  if (!md) return CP_CERT_DELETE_NOT_FOUND;
  hash_data th;
  if (c->root.on &&
      hash_data_of(c->root_x, c->root_issuer ? c->root_issuer : c->root_x, md, &th) == 0 &&
      hash_matches(&th, want)) {
    /* the root on trial: the trial ends, the installed roots are the link's again */
    if (remove_file(c, ROOT_NEW) != 0) {
      log_error(MOD, "DeleteCertificate: cannot remove %s: %s", c->root.path, strerror(errno));
      return CP_CERT_DELETE_FAILED;
    }
    trial_end(&c->root);
    root_trial_drop(c);
    return CP_CERT_DELETE_ACCEPTED;
  }
  for (int i = 0; i < c->n; i++) {
    hash_data h;
    X509 *issuer = c->roots[i].issuer ? c->roots[i].issuer : c->roots[i].x;
    if (hash_data_of(c->roots[i].x, issuer, md, &h) != 0 || !hash_matches(&h, want)) continue;
    bool cs = c->roots[i].use == CP_CERT_CSMS_ROOT;
    if (cs && root_in_use(c, c->roots[i].x)) {
      log_warn(MOD, "DeleteCertificate refused: the central system's root in use");
      return CP_CERT_DELETE_FAILED;
    }
    if (remove_file(c, c->roots[i].name) != 0) {
      log_error(MOD, "DeleteCertificate: cannot remove %s/%s: %s", c->dir, c->roots[i].name,
                strerror(errno));
      return CP_CERT_DELETE_FAILED;
    }
    X509_free(c->roots[i].x);
    X509_free(c->roots[i].issuer);
    memmove(&c->roots[i], &c->roots[i + 1], (size_t)(c->n - i - 1) * sizeof c->roots[0]);
    c->n--;
    if (cs) c->csms_gen++;
    if (cs && rewrite_bundle(c) != 0) {
      log_error(MOD, "DeleteCertificate: cannot write %s", c->bundle_path);
      return CP_CERT_DELETE_FAILED;
    }
    return CP_CERT_DELETE_ACCEPTED;
  }
  if (is_client_cert(c, md, want)) {
    log_warn(MOD, "DeleteCertificate refused: the charge point's own certificate");
    return CP_CERT_DELETE_FAILED;
  }
  /* a V2G certificate (its leaf, as GetInstalledCertificateIds lists it
   * in V2GCertificateChain): the 15118 stack's, nothing of the link's */
  for (int v = 0; v < V2G_SLOTS; v++) {
    cp_cert_hash_data leaf;
    hash_data lh;
    cp_cert_leaf kind = v ? CP_LEAF_V2G20 : CP_LEAF_V2G;
    if (!c->have_v2g[v] || cp_certs_leaf_chain(c, kind, want->algorithm, &leaf, 1) != 1) continue;
    snprintf(lh.name_hash, sizeof lh.name_hash, "%s", leaf.issuer_name_hash);
    snprintf(lh.key_hash, sizeof lh.key_hash, "%s", leaf.issuer_key_hash);
    snprintf(lh.serial, sizeof lh.serial, "%s", leaf.serial);
    if (hash_matches(&lh, want)) {
      if (remove_file(c, v2g_file[v]) != 0) {
        log_error(MOD, "DeleteCertificate: cannot remove %s: %s", c->v2g_path[v], strerror(errno));
        return CP_CERT_DELETE_FAILED;
      }
      c->have_v2g[v] = false;
      return CP_CERT_DELETE_ACCEPTED;
    }
  }
  return CP_CERT_DELETE_NOT_FOUND;
}

static void copy_hex(char *out, size_t len, const char *hex) { snprintf(out, len, "%s", hex); }

int cp_certs_list(cp_certs *c, cp_cert_use use, cp_hash_algorithm algorithm, cp_cert_hash_data *out,
                  int max) {
  const EVP_MD *md = md_of(algorithm);
  int n = 0;
  /* the CSMS root on trial first, then the installed ones (its fallback) */
  bool trial_root = use == CP_CERT_CSMS_ROOT && c->root.on;
  for (int i = trial_root ? -1 : 0; md && i < c->n && n < max; i++) {
    hash_data h;
    X509 *x = i < 0 ? c->root_x : c->roots[i].x;
    X509 *issuer = i < 0 ? c->root_issuer : c->roots[i].issuer;
    if ((i >= 0 && c->roots[i].use != use) || hash_data_of(x, issuer ? issuer : x, md, &h) != 0)
      continue;
    cp_cert_hash_data *d = &out[n++];
    d->algorithm = algorithm;
    copy_hex(d->issuer_name_hash, sizeof d->issuer_name_hash, h.name_hash);
    copy_hex(d->issuer_key_hash, sizeof d->issuer_key_hash, h.key_hash);
    copy_hex(d->serial, sizeof d->serial, h.serial);
  }
  return n;
}

cp_cert_signed_result cp_certs_signed(cp_certs *c, const char *pem, borne_ms now,
                                      bool *client_cert_changed, char *why, size_t whylen) {
  return cp_certs_signed_leaf(c, CP_LEAF_CHARGING_STATION, pem, now, client_cert_changed, why,
                              whylen);
}

cp_cert_signed_result cp_certs_signed_leaf(cp_certs *c, cp_cert_leaf kind, const char *pem,
                                           borne_ms now, bool *client_cert_changed, char *why,
                                           size_t whylen) {
  bool v2g = kind != CP_LEAF_CHARGING_STATION;
  int slot = kind == CP_LEAF_V2G20 ? 1 : 0;
  EVP_PKEY **pending = v2g ? &c->pending_v2g[slot] : &c->pending;
  cp_cert_use root_use = v2g ? CP_CERT_V2G_ROOT : CP_CERT_CSMS_ROOT;
  *client_cert_changed = false;
  why[0] = '\0';
  STACK_OF(X509) *chain = pem ? parse_chain(pem, strlen(pem)) : NULL;
  X509 *leaf = chain ? sk_X509_value(chain, 0) : NULL;
  const char *problem = NULL;
  if (!leaf)
    problem = "no PEM certificate in certificateChain";
  else if (!*pending)
    problem = "no certificate signing request is pending";
  else if (EVP_PKEY_eq(X509_get0_pubkey(leaf), *pending) != 1)
    problem = "the certificate's public key is not the one of the pending request";
  else
    problem = validity_problem(leaf, now);
  ERR_clear_error();
  if (!problem && (c->n > 0 || (!v2g && c->root.on))) {
    X509 *trusted[2 * CP_CERTS_MAX + 1];
    int nt = 0;
    for (int i = 0; i < c->n; i++)
      if (c->roots[i].use == root_use) trusted[nt++] = c->roots[i].x;
    if (!v2g && c->root.on) trusted[nt++] = c->root_x;
    STACK_OF(X509) *rest = sk_X509_dup(chain);
    (void)sk_X509_shift(rest);
    /* the station is a TLS client of the back end, a TLS server of the car (SECC) */
    if (nt > 0 && !chain_verifies(leaf, rest, trusted, nt, now,
                                  v2g ? X509_PURPOSE_SSL_SERVER : X509_PURPOSE_SSL_CLIENT))
      problem = v2g ? "the chain does not lead to an installed V2GRootCertificate"
                    : "the chain does not lead to an installed CentralSystemRootCertificate";
    sk_X509_free(rest);
  }
  /* the identity file: the private key, then the chain as received */
  char *all = NULL;
  if (!problem) {
    char *key = key_pem(*pending);
    size_t len = key ? strlen(key) : 0;
    all = key;
    for (int i = 0; all && i < sk_X509_num(chain); i++) {
      char *p = x509_pem(sk_X509_value(chain, i));
      size_t n = p ? strlen(p) : 0;
      char *grown = p ? realloc(all, len + n + 1) : NULL;
      if (!grown) {
        free(all);
        all = NULL;
      } else {
        all = grown;
        memcpy(all + len, p, n + 1);
        len += n;
      }
      if (p) OPENSSL_cleanse(p, n);
      free(p);
    }
    /* the client certificate stays on trial until it has connected once
     * (cp_certs_client_confirm), the previous one kept for a fallback */
    if (!all || (v2g ? write_atomic(c, v2g_file[slot], all, len)
                     : trial_begin(c, &c->client, all, len)) != 0)
      problem = "the certificate cannot be stored";
    if (all) OPENSSL_cleanse(all, len);
    free(all);
  }
  sk_X509_pop_free(chain, X509_free);
  if (problem) {
    snprintf(why, whylen, "%s", problem);
    log_warn(MOD, "CertificateSigned refused: %s", problem);
    return CP_CERT_SIGNED_REJECTED;
  }
  remove_file(c, v2g ? pending_v2g_file[slot] : PENDING);
  EVP_PKEY_free(*pending);
  *pending = NULL;
  if (v2g) c->have_v2g[slot] = true;
  *client_cert_changed = true;
  return CP_CERT_SIGNED_ACCEPTED;
}

char *cp_certs_sign_request(cp_certs *c, const char *cp_id, const char *org, char *err,
                            size_t errlen) {
  return cp_certs_sign_request_leaf(c, CP_LEAF_CHARGING_STATION, cp_id, org, err, errlen);
}

char *cp_certs_sign_request_leaf(cp_certs *c, cp_cert_leaf kind, const char *cp_id, const char *org,
                                 char *err, size_t errlen) {
  bool v2g = kind != CP_LEAF_CHARGING_STATION;
  int slot = kind == CP_LEAF_V2G20 ? 1 : 0;
  if (!cp_id || !cp_id[0]) {
    snprintf(err, errlen, "no charge point id for the certificate's commonName");
    return NULL;
  }
  if (!org || !org[0]) {
    snprintf(err, errlen,
             "the CpoName key (ocpp.CpoName) is empty: the whitepaper puts it in "
             "the request's organizationName");
    return NULL;
  }
  EVP_PKEY *key = EVP_EC_gen("P-256");
  X509_REQ *rq = X509_REQ_new();
  X509_NAME *name = X509_NAME_new();
  bool ok = key && rq && name && X509_REQ_set_version(rq, 0) == 1 &&
            X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cp_id, -1,
                                       -1, 0) == 1 &&
            X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, (const unsigned char *)org, -1, -1,
                                       0) == 1 &&
            X509_REQ_set_subject_name(rq, name) == 1 && X509_REQ_set_pubkey(rq, key) == 1 &&
            X509_REQ_sign(rq, key, EVP_sha256()) > 0;
  char *csr = NULL;
  if (ok) {
    BIO *b = BIO_new(BIO_s_mem());
    csr = b && PEM_write_bio_X509_REQ(b, rq) == 1 ? bio_string(b) : NULL;
    BIO_free(b);
  }
  X509_NAME_free(name);
  X509_REQ_free(rq);
  ERR_clear_error();
  if (!csr) {
    EVP_PKEY_free(key);
    snprintf(err, errlen, "cannot make the key pair and certificate signing request");
    return NULL;
  }
  char *kp = key_pem(key);
  if (!kp || write_atomic(c, v2g ? pending_v2g_file[slot] : PENDING, kp, strlen(kp)) != 0) {
    if (kp) OPENSSL_cleanse(kp, strlen(kp));
    free(kp);
    free(csr);
    EVP_PKEY_free(key);
    snprintf(err, errlen, "cannot store the new key in %s: %s", c->dir, strerror(errno));
    return NULL;
  }
  OPENSSL_cleanse(kp, strlen(kp));
  free(kp);
  EVP_PKEY **pending = v2g ? &c->pending_v2g[slot] : &c->pending;
  EVP_PKEY_free(*pending);
  *pending = key;
  return csr;
}

void cp_certs_set_server_chain(cp_certs *c, const char *pem) {
  sk_X509_pop_free(c->server_chain, X509_free);
  c->server_chain = pem ? parse_chain(pem, strlen(pem)) : NULL;
}

const char *cp_certs_client_cert_file(const cp_certs *c) { return client_file(c); }

const char *cp_certs_client_key_file(const cp_certs *c) { return client_file(c); }

bool cp_certs_client_on_trial(const cp_certs *c) { return c && c->client.on; }

int cp_certs_client_confirm(cp_certs *c) {
  if (!c || !c->client.on) return 0;
  if (rename(c->client.path, c->client_path) != 0) {
    log_warn(MOD, "certificate store: cannot rename %s: %s", CLIENT_NEW, strerror(errno));
    return -1;
  }
  sync_dir(c);
  trial_end(&c->client);
  c->have_client = true;
  return 0;
}

int cp_certs_client_fallback(cp_certs *c) { return c ? trial_refuse(c, &c->client) : 0; }

/* The CSMS roots the link trusts: the one on trial alone, else the bundle. */
static const char *csms_roots_file(const cp_certs *c) {
  return c->root.on ? c->root.path : c->have_bundle ? c->bundle_path : NULL;
}

const char *cp_certs_ca_file(const cp_certs *c) { return csms_roots_file(c); }

/* A whole small file as a string (caller frees); NULL when unreadable. */
static char *read_text(const char *path, size_t *len) {
  FILE *f = fopen(path, "r");
  char *s = f ? malloc(MAX_CA_FILE + 1) : NULL;
  *len = s ? fread(s, 1, MAX_CA_FILE, f) : 0;
  bool ok = s && !ferror(f) && feof(f);
  if (f) fclose(f);
  if (!ok) {
    free(s);
    return NULL;
  }
  s[*len] = '\0';
  return s;
}

const char *cp_certs_link_ca_file(cp_certs *c, const char *configured) {
  bool conf = configured && configured[0];
  const char *base = csms_roots_file(c);
  if (!base) return conf ? configured : NULL;
  if (!conf) return base;
  size_t clen = 0, blen = 0;
  char *mine = read_text(configured, &clen);
  char *roots = mine ? read_text(base, &blen) : NULL;
  char *all = roots ? malloc(clen + blen + 2) : NULL;
  const char *path = configured;
  if (all) {
    memcpy(all, mine, clen);
    all[clen] = '\n';
    memcpy(all + clen + 1, roots, blen);
    if (write_atomic(c, LINK_CA, all, clen + blen + 1) == 0) path = c->link_ca_path;
  }
  if (path == configured)
    log_warn(MOD, "certificate store: %s and the installed roots cannot be combined", configured);
  free(mine);
  free(roots);
  free(all);
  return path;
}

int cp_certs_count(const cp_certs *c, cp_cert_use use) {
  int n = use == CP_CERT_CSMS_ROOT && c->root.on;
  for (int i = 0; i < c->n; i++) n += c->roots[i].use == use;
  return n;
}

int cp_certs_total(const cp_certs *c) { return c ? c->n + c->root.on : 0; }

void cp_certs_set_root_check(cp_certs *c, bool on) {
  if (c) c->root_check = on;
}

unsigned cp_certs_csms_generation(const cp_certs *c) { return c ? c->csms_gen : 0; }

bool cp_certs_root_on_trial(const cp_certs *c) { return c && c->root.on; }

int cp_certs_root_confirm(cp_certs *c) { return c && c->root.on ? root_promote(c) : 0; }

int cp_certs_root_fallback(cp_certs *c) {
  if (!c || !c->root.on) return 0;
  int rc = trial_refuse(c, &c->root);
  root_trial_drop(c);
  return rc;
}

static int v2g_slot(cp_cert_leaf kind) {
  return kind == CP_LEAF_V2G ? 0 : kind == CP_LEAF_V2G20 ? 1 : -1;
}

bool cp_certs_have_v2g(const cp_certs *c) { return cp_certs_have_leaf(c, CP_LEAF_V2G); }

bool cp_certs_have_leaf(const cp_certs *c, cp_cert_leaf kind) {
  int v = v2g_slot(kind);
  return c && (v < 0 ? client_file(c) != NULL : c->have_v2g[v]);
}

int cp_certs_v2g_chain(cp_certs *c, cp_hash_algorithm algorithm, cp_cert_hash_data *out, int max) {
  return cp_certs_leaf_chain(c, CP_LEAF_V2G, algorithm, out, max);
}

int cp_certs_leaf_chain(cp_certs *c, cp_cert_leaf kind, cp_hash_algorithm algorithm,
                        cp_cert_hash_data *out, int max) {
  const EVP_MD *md = md_of(algorithm);
  int v = v2g_slot(kind);
  if (v < 0 || !c->have_v2g[v] || !md) return 0;
  size_t len = 0;
  char *text = read_text(c->v2g_path[v], &len);
  STACK_OF(X509) *chain = text ? parse_chain(text, len) : NULL;
  if (text) OPENSSL_cleanse(text, len); /* the private key is in it */
  free(text);
  int n = 0, count = chain ? sk_X509_num(chain) : 0;
  for (int i = 0; i < count && n < max; i++) {
    X509 *x = sk_X509_value(chain, i), *issuer = i + 1 < count ? sk_X509_value(chain, i + 1) : NULL;
    for (int r = 0; !issuer && r < c->n; r++)
      if (X509_check_issued(c->roots[r].x, x) == X509_V_OK) issuer = c->roots[r].x;
    if (!issuer && X509_check_issued(x, x) == X509_V_OK) break; /* the root itself: not listed */
    hash_data h;
    if (!issuer || hash_data_of(x, issuer, md, &h) != 0) break;
    cp_cert_hash_data *d = &out[n++];
    d->algorithm = algorithm;
    copy_hex(d->issuer_name_hash, sizeof d->issuer_name_hash, h.name_hash);
    copy_hex(d->issuer_key_hash, sizeof d->issuer_key_hash, h.key_hash);
    copy_hex(d->serial, sizeof d->serial, h.serial);
  }
  sk_X509_pop_free(chain, X509_free);
  return n;
}

/* notAfter of the first certificate of a PEM file, 0 when unreadable. */
static borne_ms not_after_of(const char *path) {
  X509 *x = path && path[0] ? read_cert_file(path) : NULL;
  borne_ms ms = 0;
  struct tm tm;
  if (x && ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm) == 1) ms = (borne_ms)timegm(&tm) * 1000;
  X509_free(x);
  return ms;
}

borne_ms cp_certs_client_not_after(const cp_certs *c, const char *configured) {
  return not_after_of(client_file(c) ? client_file(c) : configured);
}

int cp_certs_client_as_v2g(cp_certs *c) {
  if (!c || !client_file(c)) return -1;
  size_t len = 0;
  char *text = read_text(client_file(c), &len);
  int rc = text && write_atomic(c, v2g_file[0], text, len) == 0 ? 0 : -1;
  if (text) OPENSSL_cleanse(text, len); /* the private key is in it */
  free(text);
  if (rc == 0) c->have_v2g[0] = true;
  return rc;
}

borne_ms cp_certs_v2g_not_after(const cp_certs *c) {
  return cp_certs_leaf_not_after(c, CP_LEAF_V2G);
}

borne_ms cp_certs_leaf_not_after(const cp_certs *c, cp_cert_leaf kind) {
  int v = v2g_slot(kind);
  return c && v >= 0 && c->have_v2g[v] ? not_after_of(c->v2g_path[v]) : 0;
}
