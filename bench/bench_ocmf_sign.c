/*
 * Time to make one OCMF record: build the payload and sign it with the
 * station key (ECDSA P-256, SHA-256, OpenSSL 3), and, for comparison, the
 * whole ocmf_emit() a session hook runs: reserve the pagination number
 * (an fsync'd SQLite commit), build, sign, store the record (a second
 * commit), on the file system of BENCH_DIR (default /tmp).
 * Reports median, p99 and max over BENCH_RUNS runs (default 2000; 200 emits).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/opensslv.h>

#include "ocmf/ocmf.h"
#include "ocmf/ocmf_record.h"

static double now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static void report(const char *what, double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, cmp);
  printf("%-44s median %8.1f us  p99 %8.1f us  max %8.1f us  (%d runs)\n", what, v[n / 2],
         v[(int)(n * 0.99)], v[n - 1], n);
}

static ocmf_payload sample(uint64_t pg) {
  ocmf_payload p = {.gateway_id = "borne borne-sim",
                    .gateway_serial = "borne-sim-1",
                    .gateway_version = "0.1.0",
                    .pagination = pg,
                    .meter_vendor = "Eastron",
                    .meter_model = "SDM630",
                    .meter_serial = "12345678",
                    .id_data = "04A1B2C3D4E5F6",
                    .cp_type = "CBIDC",
                    .cp_id = "borne-sim-1 1",
                    .reading_count = 1};
  p.readings[0] = (ocmf_reading){1795424400000LL, 60, 'S', 'B', 2935600.0 + (double)pg, 'G'};
  return p;
}

int main(void) {
  const char *runs_env = getenv("BENCH_RUNS");
  int runs = runs_env ? atoi(runs_env) : 2000;
  if (runs < 10) runs = 10;
  char err[256];
  ocmf_key *k;
  if (ocmf_key_generate(&k, err, sizeof err) != 0) {
    fprintf(stderr, "bench_ocmf_sign: %s\n", err);
    return 1;
  }
  double *t = calloc((size_t)runs, sizeof *t);
  char rec[OCMF_RECORD_MAX], payload[OCMF_PAYLOAD_MAX];
  printf("OCMF records (ECDSA-secp256r1-SHA256, %s)\n", OPENSSL_VERSION_TEXT);

  for (int i = 0; i < runs; i++) {
    ocmf_payload p = sample((uint64_t)i + 1);
    double t0 = now_us();
    int n = ocmf_payload_build(&p, payload, sizeof payload, err, sizeof err);
    t[i] = now_us() - t0;
    if (n < 0) return fprintf(stderr, "bench_ocmf_sign: %s\n", err), 1;
  }
  report("build payload", t, runs);

  for (int i = 0; i < runs; i++) {
    ocmf_payload p = sample((uint64_t)i + 1);
    double t0 = now_us();
    int n = ocmf_record_sign(&p, k, rec, sizeof rec, err, sizeof err);
    t[i] = now_us() - t0;
    if (n < 0) return fprintf(stderr, "bench_ocmf_sign: %s\n", err), 1;
  }
  report("build + sign one record", t, runs);

  char pub[OCMF_PUBKEY_HEX_MAX], buf[OCMF_RECORD_MAX];
  ocmf_key_pubkey_hex(k, pub, sizeof pub);
  const char *pl, *sd;
  ocmf_record_split(rec, buf, sizeof buf, &pl, &sd);
  for (int i = 0; i < runs; i++) {
    double t0 = now_us();
    int ok = ocmf_verify_hex(pub, pl, strlen(pl), sd);
    t[i] = now_us() - t0;
    if (ok != 1) return fprintf(stderr, "bench_ocmf_sign: a record did not verify\n"), 1;
  }
  report("verify one record", t, runs);
  ocmf_key_free(k);

  /* the whole emit, with the two durable commits */
  const char *base = getenv("BENCH_DIR");
  char dir[256], db_path[300], key_path[300];
  snprintf(dir, sizeof dir, "%s/bench-ocmf-XXXXXX", base && base[0] ? base : "/tmp");
  if (!mkdtemp(dir)) return perror("bench_ocmf_sign: mkdtemp"), 1;
  snprintf(db_path, sizeof db_path, "%s/borne.db", dir);
  snprintf(key_path, sizeof key_path, "%s/ocmf-key.pem", dir);
  store *db;
  ocmf *o;
  if (store_open(&db, db_path, err, sizeof err) != 0 ||
      ocmf_open(&o, db, &(ocmf_options){key_path, true, false}, err, sizeof err) != 0)
    return fprintf(stderr, "bench_ocmf_sign: %s\n", err), 1;
  int emits = runs / 10;
  for (int i = 0; i < emits; i++) {
    ocmf_payload p = sample(1);
    double t0 = now_us();
    int rc = ocmf_emit(o, &p, 1 + i / 2, 1, i % 2 ? 'E' : 'B', 1795424400000LL, NULL, 0, err,
                       sizeof err);
    t[i] = now_us() - t0;
    if (rc != 0) return fprintf(stderr, "bench_ocmf_sign: %s\n", err), 1;
  }
  report("emit (reserve PG, sign, store; 2 commits)", t, emits);
  ocmf_close(o);
  store_close(db);
  char cmd[400];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0) fprintf(stderr, "bench_ocmf_sign: could not remove %s\n", dir);
  free(t);
  return 0;
}
