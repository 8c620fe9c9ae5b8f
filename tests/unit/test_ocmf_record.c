/*
 * OCMF record builder and signing key (ocmf/): the exact payload text for
 * fixed inputs, the time format, refused inputs, signatures that verify with
 * OpenSSL and fail when one digit changes or with another key, and the key
 * file (generated 0600, loaded back the same, wrong curves refused).
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
#include <string.h>
#include <sys/stat.h>

#include "ocmf/ocmf_key.h"
#include "ocmf/ocmf_record.h"
#include "test_tmpdir.h"

/* 2026-11-23T09:00:00Z, checked with `date -u -d 2026-11-23T09:00:00Z +%s`. */
#define T0_MS 1795424400000LL

static ocmf_payload sample(void) {
  ocmf_payload p = {
      .gateway_id = "borne borne-sim",
      .gateway_serial = "SN-1",
      .gateway_version = "0.1.0",
      .pagination = 7,
      .meter_vendor = "Eastron",
      .meter_model = "SDM630",
      .meter_serial = "12345",
      .meter_firmware = "1.2",
      .id_data = "04A1B2C3",
      .cp_type = "CBIDC",
      .cp_id = "borne-sim-1 1",
      .reading_count = 2,
  };
  p.readings[0] = (ocmf_reading){T0_MS, 60, 'S', 'B', 2935600.0, 'G'};
  p.readings[1] = (ocmf_reading){T0_MS + 1815123, 60, 'S', 'E', 2965149.6, 'G'};
  return p;
}

static void payload_text_is_exact(void **state) {
  (void)state;
  ocmf_payload p = sample();
  char out[OCMF_PAYLOAD_MAX], err[200];
  int n = ocmf_payload_build(&p, out, sizeof out, err, sizeof err);
  const char *want =
      "{\"FV\":\"1.0\",\"GI\":\"borne borne-sim\",\"GS\":\"SN-1\",\"GV\":\"0.1.0\",\"PG\":\"T7\","
      "\"MV\":\"Eastron\",\"MM\":\"SDM630\",\"MS\":\"12345\",\"MF\":\"1.2\","
      "\"IS\":true,\"IL\":\"HEARSAY\",\"IF\":[\"RFID_PLAIN\"],\"IT\":\"ISO14443\","
      "\"ID\":\"04A1B2C3\",\"CT\":\"CBIDC\",\"CI\":\"borne-sim-1 1\",\"RD\":["
      "{\"TM\":\"2026-11-23T10:00:00,000+0100 S\",\"TX\":\"B\",\"RV\":2935.600,"
      "\"RI\":\"1-b:1.8.0\",\"RU\":\"kWh\",\"RT\":\"AC\",\"ST\":\"G\"},"
      "{\"TM\":\"2026-11-23T10:30:15,123+0100 S\",\"TX\":\"E\",\"RV\":2965.150,"
      "\"RI\":\"1-b:1.8.0\",\"RU\":\"kWh\",\"RT\":\"AC\",\"ST\":\"G\"}]}";
  assert_string_equal(out, want);
  assert_int_equal(n, (int)strlen(want));
}

static void no_badge_means_no_user_assignment(void **state) {
  (void)state;
  ocmf_payload p = sample();
  p.id_data = "";
  p.meter_vendor = p.meter_model = p.meter_firmware = NULL;
  p.meter_serial = NULL;
  p.cp_type = NULL;
  p.reading_count = 1;
  p.pagination = 123456789012ULL;
  char out[OCMF_PAYLOAD_MAX], err[200];
  assert_true(ocmf_payload_build(&p, out, sizeof out, err, sizeof err) > 0);
  assert_string_equal(
      out, "{\"FV\":\"1.0\",\"GI\":\"borne borne-sim\",\"GS\":\"SN-1\",\"GV\":\"0.1.0\","
           "\"PG\":\"T123456789012\",\"MS\":\"\",\"IS\":false,\"IL\":\"NONE\","
           "\"IF\":[\"RFID_NONE\"],\"IT\":\"NONE\",\"RD\":[{\"TM\":\"2026-11-23T10:00:00,000+0100 "
           "S\",\"TX\":\"B\",\"RV\":2935.600,\"RI\":\"1-b:1.8.0\",\"RU\":\"kWh\",\"RT\":\"AC\","
           "\"ST\":\"G\"}]}");
}

/* RV is kWh with three decimals (Wh resolution), written exactly: the
 * fraction keeps its leading zeros below 100 Wh and 10 Wh, a value below
 * 1 kWh has its "0.", and a reading between two Wh rounds to the nearer. */
static void reading_values_keep_every_wh(void **state) {
  (void)state;
  static const struct {
    double wh;
    const char *rv;
  } cases[] = {
      {2935005.0, "2935.005"}, {2935050.0, "2935.050"}, {2935500.0, "2935.500"},
      {12050.0, "12.050"},     {1.0, "0.001"},          {10.0, "0.010"},
      {999.0, "0.999"},        {0.0, "0.000"},          {1000.0, "1.000"},
      {2935004.6, "2935.005"}, {999.5, "1.000"},        {123456789012.0, "123456789.012"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    ocmf_payload p = sample();
    p.reading_count = 1;
    p.readings[0].value_wh = cases[i].wh;
    char out[OCMF_PAYLOAD_MAX], err[200], want[64];
    assert_true(ocmf_payload_build(&p, out, sizeof out, err, sizeof err) > 0);
    snprintf(want, sizeof want, "\"RV\":%s,\"RI\"", cases[i].rv);
    if (!strstr(out, want)) fail_msg("%.1f Wh: want %s in %s", cases[i].wh, want, out);
  }
}

static void times_and_id_types(void **state) {
  (void)state;
  char t[48];
  assert_int_equal(ocmf_format_time(T0_MS, 60, 'S', t, sizeof t), 0);
  assert_string_equal(t, "2026-11-23T10:00:00,000+0100 S");
  assert_int_equal(ocmf_format_time(T0_MS + 7, 0, 'U', t, sizeof t), 0);
  assert_string_equal(t, "2026-11-23T09:00:00,007+0000 U");
  assert_int_equal(ocmf_format_time(T0_MS + 999, -210, 'I', t, sizeof t), 0);
  assert_string_equal(t, "2026-11-23T05:30:00,999-0330 I"); /* Newfoundland */
  assert_int_equal(ocmf_format_time(T0_MS, 60, 'Q', t, sizeof t), -1);
  assert_int_equal(ocmf_format_time(-1, 60, 'S', t, sizeof t), -1);
  assert_int_equal(ocmf_format_time(T0_MS, 60, 'S', t, 10), -1);
  assert_string_equal(ocmf_id_type("04A1B2C3"), "ISO14443");
  assert_string_equal(ocmf_id_type("04A1B2C3D4E5F6"), "ISO14443");
  assert_string_equal(ocmf_id_type("E004A1B2C3D4E5F6"), "ISO15693");
  assert_string_equal(ocmf_id_type("0A1B2C"), "UNDEFINED");
  assert_string_equal(ocmf_id_type("alice"), "UNDEFINED");
  assert_string_equal(ocmf_id_type(""), "NONE");
  assert_string_equal(ocmf_id_type(NULL), "NONE");
}

static void bad_inputs_are_refused(void **state) {
  (void)state;
  char out[OCMF_PAYLOAD_MAX], err[200];
  ocmf_payload p = sample();
  p.meter_model = "SDM|630";
  assert_int_equal(ocmf_payload_build(&p, out, sizeof out, err, sizeof err), -1);
  assert_non_null(strstr(err, "SDM|630"));
  p = sample();
  p.gateway_id = "a \"quoted\" name";
  assert_int_equal(ocmf_payload_build(&p, out, sizeof out, err, sizeof err), -1);
  p = sample();
  p.cp_id = "line\nbreak";
  assert_int_equal(ocmf_payload_build(&p, out, sizeof out, err, sizeof err), -1);
  p = sample();
  p.readings[1].value_wh = -1;
  assert_int_equal(ocmf_payload_build(&p, out, sizeof out, err, sizeof err), -1);
  p = sample();
  p.readings[0].tx = 'Q';
  assert_int_equal(ocmf_payload_build(&p, out, sizeof out, err, sizeof err), -1);
  p = sample();
  p.reading_count = 0;
  assert_int_equal(ocmf_payload_build(&p, out, sizeof out, err, sizeof err), -1);
  p = sample();
  p.pagination = 0;
  assert_int_equal(ocmf_payload_build(&p, out, sizeof out, err, sizeof err), -1);
  p = sample();
  assert_int_equal(ocmf_payload_build(&p, out, 100, err, sizeof err), -1); /* too small */
}

static void signatures_verify_with_openssl(void **state) {
  (void)state;
  char err[200];
  ocmf_key *k, *other;
  assert_int_equal(ocmf_key_generate(&k, err, sizeof err), 0);
  assert_int_equal(ocmf_key_generate(&other, err, sizeof err), 0);
  char pub[OCMF_PUBKEY_HEX_MAX], pub2[OCMF_PUBKEY_HEX_MAX];
  assert_int_equal(ocmf_key_pubkey_hex(k, pub, sizeof pub), 0);
  assert_int_equal(ocmf_key_pubkey_hex(other, pub2, sizeof pub2), 0);
  /* DER SubjectPublicKeyInfo of an uncompressed P-256 point: 91 bytes,
   * starting with SEQUENCE { SEQUENCE { id-ecPublicKey, prime256v1 } ... */
  assert_int_equal(strlen(pub), 182);
  assert_memory_equal(pub, "3059301306072A8648CE3D020106082A8648CE3D030107034200", 52);
  /* asked again (the key keeps its hex after the first time): the same text, each key its
   * own, and a buffer too short for it refused */
  char asked[OCMF_PUBKEY_HEX_MAX], shorter[182];
  assert_int_equal(ocmf_key_pubkey_hex(k, asked, sizeof asked), 0);
  assert_string_equal(asked, pub);
  assert_string_not_equal(pub, pub2);
  assert_int_equal(ocmf_key_pubkey_hex(k, shorter, sizeof shorter), -1);

  ocmf_payload p = sample();
  char rec[OCMF_RECORD_MAX];
  int n = ocmf_record_sign(&p, k, rec, sizeof rec, err, sizeof err);
  assert_true(n > 0);
  assert_int_equal(strncmp(rec, "OCMF|{\"FV\":\"1.0\"", 16), 0);
  assert_non_null(strstr(rec, "]}|{\"SA\":\"ECDSA-secp256r1-SHA256\",\"SD\":\"30"));

  char buf[OCMF_RECORD_MAX];
  const char *payload, *sd;
  assert_int_equal(ocmf_record_split(rec, buf, sizeof buf, &payload, &sd), 0);
  char want[OCMF_PAYLOAD_MAX];
  ocmf_payload_build(&p, want, sizeof want, err, sizeof err);
  assert_string_equal(payload, want);
  assert_int_equal(ocmf_verify_hex(pub, payload, strlen(payload), sd), 1);
  assert_int_equal(ocmf_verify_hex(pub2, payload, strlen(payload), sd), 0); /* other key */
  /* the key's signing set-up is reused: the next records verify too, each
   * with its own signature (ECDSA draws a fresh nonce) */
  for (int i = 0; i < 3; i++) {
    char again[OCMF_RECORD_MAX], buf2[OCMF_RECORD_MAX];
    const char *payload2, *sd2;
    assert_true(ocmf_record_sign(&p, k, again, sizeof again, err, sizeof err) > 0);
    assert_int_equal(ocmf_record_split(again, buf2, sizeof buf2, &payload2, &sd2), 0);
    assert_string_equal(payload2, payload);
    assert_string_not_equal(sd2, sd);
    assert_int_equal(ocmf_verify_hex(pub, payload2, strlen(payload2), sd2), 1);
  }
  /* one digit of the end reading changed */
  char forged[OCMF_PAYLOAD_MAX];
  snprintf(forged, sizeof forged, "%s", payload);
  char *rv = strstr(forged, "\"RV\":2965.150");
  assert_non_null(rv);
  rv[6] = '7';
  assert_int_equal(ocmf_verify_hex(pub, forged, strlen(forged), sd), 0);
  /* unusable inputs */
  assert_int_equal(ocmf_verify_hex("zz", payload, strlen(payload), sd), -1);
  assert_int_equal(ocmf_verify_hex(pub, payload, strlen(payload), "ABC"), -1);
  assert_int_equal(ocmf_verify_hex("3059", payload, strlen(payload), sd), -1);
  ocmf_key_free(k);
  ocmf_key_free(other);
}

static void split_refuses_what_is_not_ocmf(void **state) {
  (void)state;
  char buf[256];
  const char *pl, *sd;
  assert_int_equal(ocmf_record_split("OCMF|{}|{\"SD\":\"AB\"}", buf, sizeof buf, &pl, &sd), 0);
  assert_string_equal(pl, "{}");
  assert_string_equal(sd, "AB");
  const char *bad[] = {"",
                       "OCMF",
                       "OCMF|",
                       "OCMF||{\"SD\":\"AB\"}",
                       "XCMF|{}|{\"SD\":\"AB\"}",
                       "OCMF|{}|{\"SD\":\"\"}",
                       "OCMF|{}|{\"SA\":\"x\"}",
                       "OCMF|{}|{}|{}",
                       "OCMF|{}|{\"SD\":\"AB"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    assert_int_equal(ocmf_record_split(bad[i], buf, sizeof buf, &pl, &sd), -1);
  assert_int_equal(ocmf_record_split("OCMF|{}|{\"SD\":\"AB\"}", buf, 8, &pl, &sd), -1);
}

static void key_file_is_created_private_and_reloaded(void **state) {
  (void)state;
  char dir[64], path[128], err[256];
  assert_int_equal(test_tmpdir_make(dir, sizeof dir, "ocmf-key"), 0);
  snprintf(path, sizeof path, "%s/ocmf-key.pem", dir);
  ocmf_key *k, *again;
  /* without `create`, a missing file is an error */
  assert_int_equal(ocmf_key_load(&k, path, false, err, sizeof err), -1);
  assert_non_null(strstr(err, "ocmf-key.pem"));
  assert_int_equal(ocmf_key_load(&k, path, true, err, sizeof err), 0);
  struct stat st;
  assert_int_equal(stat(path, &st), 0);
  assert_int_equal(st.st_mode & 0777, 0600);
  char tmp[160];
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  assert_int_not_equal(access(tmp, F_OK), 0); /* renamed, not left behind */
  assert_int_equal(ocmf_key_load(&again, path, true, err, sizeof err), 0);
  char a[OCMF_PUBKEY_HEX_MAX], b[OCMF_PUBKEY_HEX_MAX];
  ocmf_key_pubkey_hex(k, a, sizeof a);
  ocmf_key_pubkey_hex(again, b, sizeof b);
  assert_string_equal(a, b); /* the same key, not a new one */
  char pem[OCMF_PUBKEY_PEM_MAX];
  assert_int_equal(ocmf_key_pubkey_pem(k, pem, sizeof pem), 0);
  assert_int_equal(strncmp(pem, "-----BEGIN PUBLIC KEY-----\n", 27), 0);
  assert_non_null(strstr(pem, "-----END PUBLIC KEY-----\n"));
  ocmf_key_free(k);
  ocmf_key_free(again);

  /* garbage and keys on other curves are refused with a reason */
  FILE *f = fopen(path, "w");
  fputs("not a key\n", f);
  fclose(f);
  assert_int_equal(ocmf_key_load(&k, path, true, err, sizeof err), -1);
  assert_non_null(strstr(err, "PEM"));
  /* a secp384r1 key (openssl ecparam -name secp384r1 -genkey | openssl pkcs8 -topk8 -nocrypt) */
  static const char p384[] = "-----BEGIN PRIVATE KEY-----\n"
                             "MIG2AgEAMBAGByqGSM49AgEGBSuBBAAiBIGeMIGbAgEBBDDI5+yaHEWBgt+PeT5N\n"
                             "k0l5Xj7I9Tawd9hZNKhClbTo7DnPVpplZAWZXc4lSDf0lBOhZANiAASnavsQROFp\n"
                             "P+vACasm5PD2artJmKeydncfmwhv8BodiEBhpwEYwrO+HD6zC32qJvs1B9B/B4rG\n"
                             "Zi6eHykmFsGJ1/+RxHNqeRAHWvVe2INa6sFQ3ySdi8nzMb+JiXbbw7Q=\n"
                             "-----END PRIVATE KEY-----\n";
  int rc = ocmf_key_from_pem(&k, p384, sizeof p384 - 1, err, sizeof err);
  assert_int_equal(rc, -1);
  assert_non_null(strstr(err, "secp256r1"));
  test_tmpdir_remove(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(payload_text_is_exact),
      cmocka_unit_test(no_badge_means_no_user_assignment),
      cmocka_unit_test(reading_values_keep_every_wh),
      cmocka_unit_test(times_and_id_types),
      cmocka_unit_test(bad_inputs_are_refused),
      cmocka_unit_test(signatures_verify_with_openssl),
      cmocka_unit_test(split_refuses_what_is_not_ocmf),
      cmocka_unit_test(key_file_is_created_private_and_reloaded),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
