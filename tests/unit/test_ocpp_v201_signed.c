/*
 * Signed intermediate readings (issue 16; J01.FR.21 / J02.FR.21,
 * SampledDataCtrlr / AlignedDataCtrlr SignReadings): the OCMF records a
 * transaction's periodic and clock-aligned readings carry, as the station
 * makes them (ocmf_emit with TX "C" between the begin and end records, the
 * path of ocmf_sign_intermediate) and as they travel (SignedMeterValueType,
 * v201_signed_meter_value / v201_attach_signed): the record decoded from
 * signedMeterData is the stored one byte for byte, its ECDSA signature
 * verifies with OpenSSL against the key decoded from publicKey (and not
 * against another key, nor once changed), its OCMF fields say an
 * intermediate reading of the transaction's pagination series; and the
 * public key policy (OCPPCommCtrlr.PublicKeyWithSignedMeterValue), and
 * OncePerTransaction's "key already sent" kept on disk across a reopened
 * store (tx_key.h).
 */
/* cmocka.h needs these first */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ocmf/ocmf.h"
#include "ocmf/ocmf_key.h"
#include "ocmf/ocmf_record.h"
#include "ocpp/v201/model.h"
#include "ocpp/v201/tx_ended.h"
#include "ocpp/v201/tx_key.h"
#include "test_tmpdir.h"

#define T0_MS 1795424400000LL /* 2026-11-22T09:00:00Z */

typedef struct {
  char dir[64], db_path[128], key_path[128];
  store *db;
  ocmf *o;
} fixture;

static int setup(void **state) {
  static fixture f;
  memset(&f, 0, sizeof f);
  if (test_tmpdir_make(f.dir, sizeof f.dir, "v201-signed") != 0) return -1;
  snprintf(f.db_path, sizeof f.db_path, "%s/borne.db", f.dir);
  snprintf(f.key_path, sizeof f.key_path, "%s/ocmf-key.pem", f.dir);
  char err[256];
  if (store_open(&f.db, f.db_path, err, sizeof err) != 0) return -1;
  ocmf_options opt = {f.key_path, true, false};
  if (ocmf_open(&f.o, f.db, &opt, err, sizeof err) != 0) return -1;
  *state = &f;
  return 0;
}

static int teardown(void **state) {
  fixture *f = *state;
  ocmf_close(f->o);
  store_close(f->db);
  test_tmpdir_remove(f->dir);
  return 0;
}

static ocmf_payload payload(char tx, double wh, int64_t at) {
  ocmf_payload p = {.gateway_id = "borne test",
                    .gateway_serial = "SN1",
                    .gateway_version = "0.1.0",
                    .meter_vendor = "borne",
                    .meter_model = "simulated meter",
                    .meter_serial = "cp-1",
                    .id_data = "04A1B2C3",
                    .cp_type = "CBIDC",
                    .cp_id = "cp 1",
                    .reading_count = 1};
  p.readings[0] = (ocmf_reading){at, 60, 'S', tx, wh, 'G'};
  return p;
}

/* RFC 4648 Base64 decoded (OpenSSL), NUL-terminated; its length in *n. */
static unsigned char *unbase64(const char *b64, size_t *n) {
  size_t len = strlen(b64);
  unsigned char *out = calloc(1, len + 1);
  assert_non_null(out);
  int m = EVP_DecodeBlock(out, (const unsigned char *)b64, (int)len);
  assert_true(m >= 0);
  size_t pad = len >= 2 && b64[len - 1] == '=' ? (b64[len - 2] == '=' ? 2 : 1) : 0;
  *n = (size_t)m - pad;
  out[*n] = 0;
  return out;
}

static unsigned char *unhex(const char *hex, size_t *n) {
  *n = strlen(hex) / 2;
  unsigned char *out = calloc(1, *n + 1);
  assert_non_null(out);
  for (size_t i = 0; i < *n; i++) {
    unsigned b;
    assert_int_equal(sscanf(hex + 2 * i, "%2x", &b), 1);
    out[i] = (unsigned char)b;
  }
  return out;
}

/* The ECDSA-secp256r1-SHA256 signature (hex of DER) of `payload` checked by
 * OpenSSL itself with the SubjectPublicKeyInfo `der`: 1 valid, 0 not. */
static int openssl_verify(const unsigned char *der, size_t der_len, const char *payload,
                          const char *sig_hex) {
  const unsigned char *p = der;
  EVP_PKEY *key = d2i_PUBKEY(NULL, &p, (long)der_len);
  assert_non_null(key);
  size_t sig_len;
  unsigned char *sig = unhex(sig_hex, &sig_len);
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  assert_int_equal(EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, key), 1);
  int rc = EVP_DigestVerify(md, sig, sig_len, (const unsigned char *)payload, strlen(payload));
  EVP_MD_CTX_free(md);
  EVP_PKEY_free(key);
  free(sig);
  return rc == 1;
}

typedef struct {
  int n;
  char kind[8];
  char *record[8];
} rows;

static int collect(void *ctx, const ocmf_record_row *r) {
  rows *c = ctx;
  if (c->n < 8) {
    c->kind[c->n] = r->kind;
    c->record[c->n++] = strdup(r->record);
  }
  return 0;
}

/* A transaction's begin, two periodic and one clock-aligned intermediate
 * readings, and its end: each intermediate one travels as a
 * signedMeterValue whose record verifies with the key it carries. */
static void intermediate_records_verify(void **state) {
  fixture *f = *state;
  char err[256], pub[OCMF_PUBKEY_HEX_MAX];
  assert_int_equal(ocmf_key_pubkey_hex(ocmf_signing_key(f->o), pub, sizeof pub), 0);
  static const struct {
    char tx;
    double wh;
  } steps[] = {{'B', 1000}, {'C', 1250.4}, {'C', 1500}, {'C', 1777}, {'E', 2000}};
  char made[5][OCMF_RECORD_MAX];
  for (int i = 0; i < 5; i++) {
    ocmf_payload p = payload(steps[i].tx, steps[i].wh, T0_MS + i * 60000);
    assert_int_equal(ocmf_emit(f->o, &p, 7, 1, steps[i].tx, T0_MS + i * 60000, made[i],
                               sizeof made[i], err, sizeof err),
                     0);
  }
  /* what the session keeps, in order: the same records */
  rows kept = {0};
  assert_int_equal(ocmf_session_records(f->o, 7, collect, &kept), 0);
  assert_int_equal(kept.n, 5);
  assert_memory_equal(kept.kind, "BCCCE", 5);

  for (int i = 1; i <= 3; i++) {
    assert_string_equal(kept.record[i], made[i]);
    /* as it travels on a Sample.Periodic register value */
    json_t *mv = json_pack("[{s:s, s:[{s:f, s:s, s:s}, {s:f, s:s}]}]", "timestamp",
                           "2026-11-22T09:01:00.000Z", "sampledValue", "value", 7200.0, "context",
                           "Sample.Periodic", "measurand", "Power.Active.Import", "value",
                           steps[i].wh, "context", "Sample.Periodic");
    assert_non_null(mv);
    /* the second value has no measurand: the register (the default) */
    assert_true(v201_attach_signed(mv, "Sample.Periodic", v201_signed_meter_value(made[i], pub)));
    json_t *svs = json_object_get(json_array_get(mv, 0), "sampledValue");
    assert_null(json_object_get(json_array_get(svs, 0), "signedMeterValue"));
    json_t *s = json_object_get(json_array_get(svs, 1), "signedMeterValue");
    assert_non_null(s);
    assert_string_equal(json_string_value(json_object_get(s, "encodingMethod")), "OCMF");
    assert_string_equal(json_string_value(json_object_get(s, "signingMethod")),
                        "ECDSA-secp256r1-SHA256");
    size_t rn, kn;
    unsigned char *record = unbase64(json_string_value(json_object_get(s, "signedMeterData")), &rn);
    unsigned char *der = unbase64(json_string_value(json_object_get(s, "publicKey")), &kn);
    assert_string_equal((const char *)record, made[i]);
    char buf[OCMF_RECORD_MAX];
    const char *pl, *sd;
    assert_int_equal(ocmf_record_split((const char *)record, buf, sizeof buf, &pl, &sd), 0);
    assert_int_equal(openssl_verify(der, kn, pl, sd), 1);
    assert_int_equal(ocmf_verify_hex(pub, pl, strlen(pl), sd), 1);
    /* the OCMF fields of an intermediate reading: TX C, the register in kWh,
     * the next number of the transaction series, a meter that read fine */
    assert_non_null(strstr(pl, "\"TX\":\"C\""));
    char want[64];
    snprintf(want, sizeof want, "\"PG\":\"T%d\"", i + 1);
    assert_non_null(strstr(pl, want));
    long long wh = (long long)(steps[i].wh + 0.5);
    snprintf(want, sizeof want, "\"RV\":%lld.%03lld,\"RI\":\"1-b:1.8.0\",\"RU\":\"kWh\"", wh / 1000,
             wh % 1000);
    assert_non_null(strstr(pl, want));
    assert_non_null(strstr(pl, "\"ST\":\"G\""));
    assert_non_null(strstr(pl, "\"ID\":\"04A1B2C3\""));
    /* changed by one character, it no longer verifies */
    char forged[OCMF_RECORD_MAX];
    snprintf(forged, sizeof forged, "%s", pl);
    *strstr(forged, "\"TX\":\"C\"") = '\'';
    assert_int_equal(openssl_verify(der, kn, forged, sd), 0);
    free(record);
    free(der);
    json_decref(mv);
  }
  /* another station's key does not verify it */
  ocmf_key *other;
  assert_int_equal(ocmf_key_generate(&other, err, sizeof err), 0);
  char other_hex[OCMF_PUBKEY_HEX_MAX], buf[OCMF_RECORD_MAX];
  assert_int_equal(ocmf_key_pubkey_hex(other, other_hex, sizeof other_hex), 0);
  const char *pl, *sd;
  assert_int_equal(ocmf_record_split(made[2], buf, sizeof buf, &pl, &sd), 0);
  size_t on;
  unsigned char *oder = unhex(other_hex, &on);
  assert_int_equal(openssl_verify(oder, on, pl, sd), 0);
  free(oder);
  ocmf_key_free(other);
  for (int i = 0; i < kept.n; i++) free(kept.record[i]);
}

/* PublicKeyWithSignedMeterValue: every value, the first of a transaction, or
 * none; an unknown policy sends the key rather than lose it. A value without
 * the key has publicKey "" (required in 2.0.1). */
static void public_key_policy(void **state) {
  (void)state;
  assert_true(v201_pubkey_due("EveryMeterValue", false));
  assert_true(v201_pubkey_due("EveryMeterValue", true));
  assert_true(v201_pubkey_due("OncePerTransaction", false));
  assert_false(v201_pubkey_due("OncePerTransaction", true));
  assert_false(v201_pubkey_due("Never", false));
  assert_false(v201_pubkey_due("Never", true));
  assert_true(v201_pubkey_due(NULL, true));
  assert_true(v201_pubkey_due("bogus", true));

  const char *rec = "OCMF|{\"FV\":\"1.0\"}|{\"SA\":\"ECDSA-secp256r1-SHA256\",\"SD\":\"AB\"}";
  json_t *a = v201_signed_meter_value(rec, "");
  json_t *b = v201_signed_meter_value(rec, NULL);
  assert_non_null(a);
  assert_non_null(b);
  assert_string_equal(json_string_value(json_object_get(a, "publicKey")), "");
  assert_string_equal(json_string_value(json_object_get(b, "publicKey")), "");
  assert_string_equal(json_string_value(json_object_get(a, "encodingMethod")), "OCMF");
  json_decref(a);
  json_decref(b);
  /* a reading with no register value of the context takes no signed value */
  json_t *mv = json_pack("[{s:s, s:[{s:f, s:s, s:s}]}]", "timestamp", "2026-11-22T09:01:00.000Z",
                         "sampledValue", "value", 7.2, "context", "Sample.Clock", "measurand",
                         "Power.Active.Import");
  assert_non_null(mv);
  assert_false(v201_attach_signed(mv, "Sample.Clock", v201_signed_meter_value(rec, NULL)));
  json_decref(mv);
}

/* OncePerTransaction across a restart: "transaction X sent the key" is
 * written in the batch that queues the event carrying it, read back from a
 * reopened store; a batch that does not commit leaves nothing; the Ended's
 * batch removes the row. */
static void key_sent_survives_reopen(void **state) {
  fixture *f = *state;
  assert_int_equal(v201_txkey_schema(f->db), 0);
  assert_false(v201_txkey_sent(f->db, "tx-A"));
  assert_int_equal(v201_txkey_mark(f->db, ""), -1);
  assert_int_equal(store_batch_begin(f->db), 0);
  assert_int_equal(v201_txkey_mark(f->db, "tx-A"), 0);
  assert_int_equal(v201_txkey_mark(f->db, "tx-A"), 0); /* again: nothing */
  assert_int_equal(store_batch_end(f->db), 0);

  char err[256];
  ocmf_close(f->o);
  f->o = NULL;
  store_close(f->db);
  assert_int_equal(store_open(&f->db, f->db_path, err, sizeof err), 0);
  assert_int_equal(v201_txkey_schema(f->db), 0); /* already there */
  assert_true(v201_txkey_sent(f->db, "tx-A"));
  assert_false(v201_txkey_sent(f->db, "tx-B"));
  assert_false(v201_txkey_sent(f->db, ""));

  /* written in a batch whose commit never comes (kill -9 before it) */
  assert_int_equal(store_batch_begin(f->db), 0);
  assert_int_equal(v201_txkey_mark(f->db, "tx-B"), 0);
  store_close(f->db);
  assert_int_equal(store_open(&f->db, f->db_path, err, sizeof err), 0);
  assert_false(v201_txkey_sent(f->db, "tx-B"));
  assert_true(v201_txkey_sent(f->db, "tx-A"));

  assert_int_equal(v201_txkey_forget(f->db, "tx-A"), 0);
  assert_false(v201_txkey_sent(f->db, "tx-A"));

  /* bounded: the oldest rows go once V201_TXKEY_ROWS newer ones came */
  char id[32];
  for (int i = 0; i <= V201_TXKEY_ROWS; i++) {
    snprintf(id, sizeof id, "tx-%d", i);
    assert_int_equal(v201_txkey_mark(f->db, id), 0);
  }
  assert_false(v201_txkey_sent(f->db, "tx-0"));
  assert_true(v201_txkey_sent(f->db, "tx-1"));
  snprintf(id, sizeof id, "tx-%d", V201_TXKEY_ROWS);
  assert_true(v201_txkey_sent(f->db, id));
  ocmf_options opt = {f->key_path, true, false};
  assert_int_equal(ocmf_open(&f->o, f->db, &opt, err, sizeof err), 0);
}

/* One MeterValue: the register of `context` at `i` s past T0, signed with `record`. */
static json_t *signed_value(const char *context, int i, double wh, const char *record,
                            const char *pub) {
  char at[40];
  snprintf(at, sizeof at, "2026-11-22T09:%02d:%02d.000Z", i / 60 % 60, i % 60);
  json_t *mv = json_pack("[{s:s, s:[{s:f, s:s}]}]", "timestamp", at, "sampledValue", "value", wh,
                         "context", context);
  assert_non_null(mv);
  assert_true(v201_attach_signed(mv, context, v201_signed_meter_value(record, pub)));
  json_t *one = json_incref(json_array_get(mv, 0));
  json_decref(mv);
  return one;
}

/* The OCA application note, 4.1.2: the Ended carries the signed start value
 * (Transaction.Begin) with the end one. An Ended of the signed Begin, 300
 * signed TxEnded readings (each about 1.1 kB with the key) and the signed
 * End, too large for V201_TXEND_MESSAGE_MAX: the series is thinned to fit,
 * the Begin (before the series) and the End (after it) stay, the records
 * they carry unchanged and still verifying; one that fits is left whole. */
static void ended_keeps_begin_when_thinned(void **state) {
  fixture *f = *state;
  char err[256], pub[OCMF_PUBKEY_HEX_MAX], begin[OCMF_RECORD_MAX], mid[OCMF_RECORD_MAX],
      end[OCMF_RECORD_MAX];
  assert_int_equal(ocmf_key_pubkey_hex(ocmf_signing_key(f->o), pub, sizeof pub), 0);
  ocmf_payload pb = payload('B', 1000, T0_MS), pc = payload('C', 1500, T0_MS + 1000),
               pe = payload('E', 2000, T0_MS + 400000);
  assert_int_equal(ocmf_emit(f->o, &pb, 9, 1, 'B', T0_MS, begin, sizeof begin, err, sizeof err), 0);
  assert_int_equal(ocmf_emit(f->o, &pc, 9, 1, 'C', T0_MS + 1000, mid, sizeof mid, err, sizeof err),
                   0);
  assert_int_equal(
      ocmf_emit(f->o, &pe, 9, 1, 'E', T0_MS + 400000, end, sizeof end, err, sizeof err), 0);
  for (int series = 2; series <= 300; series += 298) {
    json_t *mvs = json_array();
    json_array_append_new(mvs, signed_value("Transaction.Begin", 0, 1000, begin, pub));
    for (int i = 0; i < series; i++)
      json_array_append_new(mvs, signed_value("Sample.Periodic", i + 1, 1500, mid, pub));
    json_array_append_new(mvs, signed_value("Transaction.End", 400, 2000, end, pub));
    json_t *p = json_pack("{s:s, s:o}", "eventType", "Ended", "meterValue", mvs);
    char *text = json_dumps(p, JSON_COMPACT);
    size_t was = strlen(text), kept = 0;
    char *after = v201_txend_fit(p, 1, (size_t)series, text, &kept);
    json_t *mv = json_object_get(p, "meterValue");
    if (series == 2) { /* fits: untouched */
      assert_ptr_equal(after, text);
      assert_int_equal(kept, 2);
      assert_int_equal(json_array_size(mv), 4);
    } else {
      assert_true(was > 65000);
      assert_true(strlen(after) + V201_TXEND_FRAME_SLACK <= V201_TXEND_MESSAGE_MAX);
      assert_true(kept >= 8 && kept < 300);
      assert_int_equal(json_array_size(mv), kept + 2);
    }
    const char *first = json_string_value(json_object_get(
        json_array_get(json_object_get(json_array_get(mv, 0), "sampledValue"), 0), "context"));
    json_t *last_sv = json_array_get(
        json_object_get(json_array_get(mv, json_array_size(mv) - 1), "sampledValue"), 0);
    assert_string_equal(first, "Transaction.Begin");
    assert_string_equal(json_string_value(json_object_get(last_sv, "context")), "Transaction.End");
    /* the Begin's record is the begin one, and it verifies */
    json_t *s =
        json_object_get(json_array_get(json_object_get(json_array_get(mv, 0), "sampledValue"), 0),
                        "signedMeterValue");
    size_t rn;
    unsigned char *record = unbase64(json_string_value(json_object_get(s, "signedMeterData")), &rn);
    assert_string_equal((const char *)record, begin);
    char buf[OCMF_RECORD_MAX];
    const char *pl, *sd;
    assert_int_equal(ocmf_record_split((const char *)record, buf, sizeof buf, &pl, &sd), 0);
    assert_int_equal(ocmf_verify_hex(pub, pl, strlen(pl), sd), 1);
    assert_non_null(strstr(pl, "\"TX\":\"B\""));
    free(record);
    free(after);
    json_decref(p);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(intermediate_records_verify, setup, teardown),
      cmocka_unit_test(public_key_policy),
      cmocka_unit_test_setup_teardown(key_sent_survives_reopen, setup, teardown),
      cmocka_unit_test_setup_teardown(ended_keeps_begin_when_thinned, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
