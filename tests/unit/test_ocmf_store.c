/*
 * OCMF persistence (ocmf/ocmf.c): pagination numbers strictly increase,
 * survive closing and reopening the database, and are never handed out again
 * even when making a record failed after its number was reserved; records
 * come back per session in emission order and verify with the station key;
 * another record source (a self-signing meter) takes over through the seam.
 */
/* cmocka.h needs these first */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ocmf/ocmf.h"
#include "ocmf/ocmf_key.h"
#include "ocmf/ocmf_record.h"
#include "test_tmpdir.h"

#define T0_MS 1795424400000LL

typedef struct {
  char dir[64], db_path[128], key_path[128];
  store *db;
  ocmf *o;
} fixture;

static void open_all(fixture *f) {
  char err[256];
  assert_int_equal(store_open(&f->db, f->db_path, err, sizeof err), 0);
  ocmf_options opt = {f->key_path, true, false};
  int rc = ocmf_open(&f->o, f->db, &opt, err, sizeof err);
  if (rc != 0) fail_msg("%s", err);
}

static void close_all(fixture *f) {
  ocmf_close(f->o);
  store_close(f->db);
  f->o = NULL;
  f->db = NULL;
}

static int setup(void **state) {
  static fixture f;
  memset(&f, 0, sizeof f);
  if (test_tmpdir_make(f.dir, sizeof f.dir, "ocmf-store") != 0) return -1;
  snprintf(f.db_path, sizeof f.db_path, "%s/borne.db", f.dir);
  snprintf(f.key_path, sizeof f.key_path, "%s/ocmf-key.pem", f.dir);
  open_all(&f);
  *state = &f;
  return 0;
}

static int teardown(void **state) {
  fixture *f = *state;
  close_all(f);
  test_tmpdir_remove(f->dir);
  return 0;
}

static ocmf_payload payload(char tx, double wh) {
  ocmf_payload p = {
      .gateway_id = "borne", .meter_serial = "", .id_data = "04A1B2C3", .reading_count = 1};
  p.readings[0] = (ocmf_reading){T0_MS, 60, 'S', tx, wh, 'G'};
  return p;
}

typedef struct {
  ocmf_record_row rows[8];
  char text[8][OCMF_RECORD_MAX];
  char origin[8][16];
  int n;
} collected;

static int collect(void *ctx, const ocmf_record_row *row) {
  collected *c = ctx;
  if (c->n == 8) return 1;
  c->rows[c->n] = *row;
  snprintf(c->text[c->n], sizeof c->text[0], "%s", row->record);
  c->rows[c->n].record = c->text[c->n];
  snprintf(c->origin[c->n], sizeof c->origin[0], "%s", row->origin);
  c->rows[c->n].origin = c->origin[c->n];
  c->n++;
  return 0;
}

/* An OCPP periodic reading's record (issue 16) is stored with its origin,
 * kept across a reopen, in the same pagination series; the others have none. */
static void records_keep_their_origin(void **state) {
  fixture *f = *state;
  char err[256];
  ocmf_payload p = payload('B', 1000);
  assert_int_equal(ocmf_emit(f->o, &p, 9, 1, 'B', T0_MS, NULL, 0, err, sizeof err), 0);
  p = payload('C', 1100);
  assert_int_equal(
      ocmf_emit_origin(f->o, &p, 9, 1, 'C', T0_MS + 1, "ocpp", NULL, 0, err, sizeof err), 0);
  p = payload('C', 1200);
  assert_int_equal(ocmf_emit_origin(f->o, &p, 9, 1, 'C', T0_MS + 2, NULL, NULL, 0, err, sizeof err),
                   0);
  close_all(f);
  open_all(f);
  collected c = {.n = 0};
  assert_int_equal(ocmf_session_records(f->o, 9, collect, &c), 0);
  assert_int_equal(c.n, 3);
  assert_string_equal(c.rows[0].origin, "");
  assert_string_equal(c.rows[1].origin, "ocpp");
  assert_string_equal(c.rows[2].origin, "");
  assert_int_equal(c.rows[1].pagination, c.rows[0].pagination + 1);
  assert_non_null(strstr(c.rows[1].record, "\"TX\":\"C\""));
}

static void pagination_increases_and_survives_reopen(void **state) {
  fixture *f = *state;
  char err[256];
  uint64_t a, b, last = 99;
  assert_int_equal(ocmf_last_pagination(f->o, &last), 0);
  assert_int_equal(last, 0);
  assert_int_equal(ocmf_reserve_pagination(f->o, &a, err, sizeof err), 0);
  assert_int_equal(ocmf_reserve_pagination(f->o, &b, err, sizeof err), 0);
  assert_int_equal(a, 1);
  assert_int_equal(b, 2);
  char pub_before[OCMF_PUBKEY_HEX_MAX], pub_after[OCMF_PUBKEY_HEX_MAX];
  ocmf_key_pubkey_hex(ocmf_signing_key(f->o), pub_before, sizeof pub_before);
  close_all(f);
  open_all(f);
  ocmf_key_pubkey_hex(ocmf_signing_key(f->o), pub_after, sizeof pub_after);
  assert_string_equal(pub_before, pub_after); /* the key file was reused */
  assert_int_equal(ocmf_reserve_pagination(f->o, &a, err, sizeof err), 0);
  assert_int_equal(a, 3);
}

static void records_per_session_in_order(void **state) {
  fixture *f = *state;
  char err[256], rec[OCMF_RECORD_MAX];
  ocmf_payload p = payload('B', 1000);
  assert_int_equal(ocmf_emit(f->o, &p, 5, 1, 'B', T0_MS, rec, sizeof rec, err, sizeof err), 0);
  assert_non_null(strstr(rec, "\"PG\":\"T1\""));
  p = payload('B', 50);
  assert_int_equal(ocmf_emit(f->o, &p, 6, 2, 'B', T0_MS, NULL, 0, err, sizeof err), 0);
  p = payload('C', 1500);
  assert_int_equal(ocmf_emit(f->o, &p, 5, 1, 'C', T0_MS + 1, NULL, 0, err, sizeof err), 0);
  p = payload('E', 2000);
  assert_int_equal(ocmf_emit(f->o, &p, 5, 1, 'E', T0_MS + 2, NULL, 0, err, sizeof err), 0);

  collected c = {.n = 0};
  assert_int_equal(ocmf_session_records(f->o, 5, collect, &c), 0);
  assert_int_equal(c.n, 3);
  const char kinds[] = "BCE";
  const uint64_t pgs[] = {1, 3, 4};
  char pub[OCMF_PUBKEY_HEX_MAX];
  ocmf_key_pubkey_hex(ocmf_signing_key(f->o), pub, sizeof pub);
  for (int i = 0; i < 3; i++) {
    assert_int_equal(c.rows[i].kind, kinds[i]);
    assert_int_equal(c.rows[i].pagination, pgs[i]);
    assert_int_equal(c.rows[i].session_id, 5);
    assert_int_equal(c.rows[i].connector, 1);
    char buf[OCMF_RECORD_MAX];
    const char *pl, *sd;
    assert_int_equal(ocmf_record_split(c.rows[i].record, buf, sizeof buf, &pl, &sd), 0);
    assert_int_equal(ocmf_verify_hex(pub, pl, strlen(pl), sd), 1);
    char want[16];
    snprintf(want, sizeof want, "\"PG\":\"T%llu\"", (unsigned long long)pgs[i]);
    assert_non_null(strstr(pl, want));
  }
  assert_string_equal(c.rows[0].record, rec);
  c.n = 0;
  assert_int_equal(ocmf_session_records(f->o, 77, collect, &c), 0);
  assert_int_equal(c.n, 0);
}

static int failing_sign(void *ctx, const ocmf_payload *p, char *out, size_t outlen, char *err,
                        size_t errlen) {
  (void)ctx, (void)p, (void)out, (void)outlen;
  snprintf(err, errlen, "meter did not answer");
  return -1;
}

/* A meter that signs itself: returns its own record, here a fixed text. */
static int meter_sign(void *ctx, const ocmf_payload *p, char *out, size_t outlen, char *err,
                      size_t errlen) {
  (void)err, (void)errlen;
  return snprintf(out, outlen,
                  "OCMF|{\"FV\":\"1.0\",\"PG\":\"T%llu\",\"from\":\"%s\"}|{\"SD\":\"AB\"}",
                  (unsigned long long)p->pagination, (const char *)ctx);
}

/* Retention: only the newest records are kept, the oldest go first; the
 * pagination counter is not affected. */
static void records_beyond_the_budget_are_trimmed(void **state) {
  fixture *f = *state;
  char err[256];
  ocmf_set_record_budget(f->o, 3);
  for (int i = 0; i < 7; i++) {
    ocmf_payload p = payload('B', 100.0 * i);
    assert_int_equal(ocmf_emit(f->o, &p, 10 + i, 1, 'B', T0_MS + i, NULL, 0, err, sizeof err), 0);
  }
  collected c = {.n = 0};
  assert_int_equal(ocmf_session_records(f->o, 13, collect, &c), 0);
  assert_int_equal(c.n, 0);
  for (int i = 4; i < 7; i++) {
    c.n = 0;
    assert_int_equal(ocmf_session_records(f->o, 10 + i, collect, &c), 0);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.rows[0].pagination, (uint64_t)i + 1);
  }
}

static void failed_record_never_reuses_its_number(void **state) {
  fixture *f = *state;
  char err[256];
  ocmf_source bad = {"meter:broken", NULL, failing_sign};
  ocmf_set_source(f->o, &bad);
  assert_string_equal(ocmf_source_name(f->o), "meter:broken");
  ocmf_payload p = payload('B', 1000);
  assert_int_equal(ocmf_emit(f->o, &p, 9, 1, 'B', T0_MS, NULL, 0, err, sizeof err), -1);
  assert_string_equal(err, "meter did not answer");
  uint64_t last;
  assert_int_equal(ocmf_last_pagination(f->o, &last), 0);
  assert_int_equal(last, 1); /* consumed although nothing was stored */

  ocmf_source meter = {"meter:m1", "m1", meter_sign};
  ocmf_set_source(f->o, &meter);
  char rec[OCMF_RECORD_MAX];
  assert_int_equal(ocmf_emit(f->o, &p, 9, 1, 'B', T0_MS, rec, sizeof rec, err, sizeof err), 0);
  assert_string_equal(rec, "OCMF|{\"FV\":\"1.0\",\"PG\":\"T2\",\"from\":\"m1\"}|{\"SD\":\"AB\"}");
  ocmf_set_source(f->o, NULL);
  assert_string_equal(ocmf_source_name(f->o), "station-key");
  collected c = {.n = 0};
  assert_int_equal(ocmf_session_records(f->o, 9, collect, &c), 0);
  assert_int_equal(c.n, 1);
  assert_int_equal(c.rows[0].pagination, 2);
}

static void a_bad_key_file_stops_opening(void **state) {
  fixture *f = *state;
  close_all(f);
  FILE *k = fopen(f->key_path, "w");
  fputs("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", k);
  fclose(k);
  char err[256];
  assert_int_equal(store_open(&f->db, f->db_path, err, sizeof err), 0);
  ocmf_options opt = {f->key_path, true, false};
  assert_int_equal(ocmf_open(&f->o, f->db, &opt, err, sizeof err), -1);
  assert_non_null(strstr(err, "ocmf-key.pem"));
  assert_null(f->o);
}

static int count_commit(void *ctx) {
  (*(int *)ctx)++;
  return 0;
}

/* Issue 15: a station-key record, its number and the trim are one commit;
 * the number is still never reused (the next record gets the next one), and
 * the record is on disk when ocmf_emit returns (another connection sees it). */
static void a_station_key_record_and_its_number_are_one_commit(void **state) {
  fixture *f = *state;
  char err[256];
  int commits = 0;
  sqlite3_commit_hook(store_sqlite(f->db), count_commit, &commits);
  ocmf_payload p = payload('B', 1000);
  assert_int_equal(ocmf_emit(f->o, &p, 5, 1, 'B', T0_MS, NULL, 0, err, sizeof err), 0);
  assert_int_equal(commits, 1);
  sqlite3 *other;
  assert_int_equal(sqlite3_open_v2(f->db_path, &other, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  sqlite3_stmt *st;
  assert_int_equal(sqlite3_prepare_v2(other,
                                      "SELECT (SELECT last FROM ocmf_pagination),"
                                      " (SELECT COUNT(*) FROM ocmf_records WHERE pagination = 1)",
                                      -1, &st, NULL),
                   SQLITE_OK);
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  assert_int_equal(sqlite3_column_int(st, 0), 1);
  assert_int_equal(sqlite3_column_int(st, 1), 1);
  sqlite3_finalize(st);
  sqlite3_close(other);
  /* inside a caller's batch: part of it */
  commits = 0;
  assert_int_equal(store_batch_begin(f->db), 0);
  p = payload('E', 2000);
  assert_int_equal(ocmf_emit(f->o, &p, 5, 1, 'E', T0_MS + 1, NULL, 0, err, sizeof err), 0);
  assert_int_equal(commits, 0);
  assert_int_equal(store_batch_end(f->db), 0);
  assert_int_equal(commits, 1);
  uint64_t last = 0;
  assert_int_equal(ocmf_last_pagination(f->o, &last), 0);
  assert_int_equal(last, 2);
  sqlite3_commit_hook(store_sqlite(f->db), NULL, NULL);
}

/* Issue 15: the station key is loaded or made at its first use, not at open. */
static void a_deferred_key_is_made_at_the_first_record(void **state) {
  fixture *f = *state;
  close_all(f);
  unlink(f->key_path);
  char err[256], rec[OCMF_RECORD_MAX];
  assert_int_equal(store_open(&f->db, f->db_path, err, sizeof err), 0);
  ocmf_options opt = {f->key_path, true, true};
  assert_int_equal(ocmf_open(&f->o, f->db, &opt, err, sizeof err), 0);
  assert_null(ocmf_signing_key(f->o));
  assert_int_equal(access(f->key_path, F_OK), -1); /* nothing made yet */
  ocmf_payload p = payload('B', 1000);
  assert_int_equal(ocmf_emit(f->o, &p, 5, 1, 'B', T0_MS, rec, sizeof rec, err, sizeof err), 0);
  assert_non_null(ocmf_signing_key(f->o));
  assert_int_equal(access(f->key_path, F_OK), 0);
  char pub[OCMF_PUBKEY_HEX_MAX];
  assert_int_equal(ocmf_key_pubkey_hex(ocmf_signing_key(f->o), pub, sizeof pub), 0);
  char buf[OCMF_RECORD_MAX];
  const char *pl, *sd;
  assert_int_equal(ocmf_record_split(rec, buf, sizeof buf, &pl, &sd), 0);
  assert_int_equal(ocmf_verify_hex(pub, pl, strlen(pl), sd), 1);
  /* the same key when reopened */
  char again[OCMF_PUBKEY_HEX_MAX];
  close_all(f);
  assert_int_equal(store_open(&f->db, f->db_path, err, sizeof err), 0);
  assert_int_equal(ocmf_open(&f->o, f->db, &opt, err, sizeof err), 0);
  assert_int_equal(ocmf_key_ensure(f->o, err, sizeof err), 0);
  assert_int_equal(ocmf_key_pubkey_hex(ocmf_signing_key(f->o), again, sizeof again), 0);
  assert_string_equal(pub, again);
}

static void a_deferred_key_that_cannot_be_had_uses_no_number(void **state) {
  fixture *f = *state;
  close_all(f);
  char err[256], bad[160];
  snprintf(bad, sizeof bad, "%s/no-such-dir/ocmf-key.pem", f->dir);
  assert_int_equal(store_open(&f->db, f->db_path, err, sizeof err), 0);
  ocmf_options opt = {bad, true, true};
  assert_int_equal(ocmf_open(&f->o, f->db, &opt, err, sizeof err), 0); /* found at first use */
  uint64_t before = 99, after = 99;
  assert_int_equal(ocmf_last_pagination(f->o, &before), 0);
  ocmf_payload p = payload('B', 1000);
  err[0] = '\0';
  assert_int_equal(ocmf_emit(f->o, &p, 5, 1, 'B', T0_MS, NULL, 0, err, sizeof err), -1);
  assert_non_null(strstr(err, "no-such-dir"));
  assert_int_equal(ocmf_emit(f->o, &p, 5, 1, 'B', T0_MS, NULL, 0, err, sizeof err), -1);
  assert_int_equal(ocmf_last_pagination(f->o, &after), 0);
  assert_int_equal(after, before);
  assert_null(ocmf_signing_key(f->o));
  assert_int_equal(ocmf_key_pubkey_hex(ocmf_signing_key(f->o), bad, sizeof bad), -1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(pagination_increases_and_survives_reopen, setup, teardown),
      cmocka_unit_test_setup_teardown(records_per_session_in_order, setup, teardown),
      cmocka_unit_test_setup_teardown(records_keep_their_origin, setup, teardown),
      cmocka_unit_test_setup_teardown(records_beyond_the_budget_are_trimmed, setup, teardown),
      cmocka_unit_test_setup_teardown(failed_record_never_reuses_its_number, setup, teardown),
      cmocka_unit_test_setup_teardown(a_bad_key_file_stops_opening, setup, teardown),
      cmocka_unit_test_setup_teardown(a_deferred_key_is_made_at_the_first_record, setup, teardown),
      cmocka_unit_test_setup_teardown(a_station_key_record_and_its_number_are_one_commit, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(a_deferred_key_that_cannot_be_had_uses_no_number, setup,
                                      teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
