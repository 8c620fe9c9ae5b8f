/*
 * Reservations and availability in the charge-point model
 * (src/chargepoint/reservations.[ch]) on a real SQLite file, on a virtual
 * clock: add / replace / occupied (OCPP 1.6 5.13, 2.0.1 H01), cancel,
 * expiry reported once, use by token or group on the connector or
 * connector 0 (the connector's own first), kept across a restart; the
 * availability the back end set, kept across a restart.
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

#include <sqlite3.h>

#include "chargepoint/reservations.h"
#include "test_tmpdir.h"
#include "store/store.h"
#include "util/log.h"

/* Monday 2026-01-05T00:00:00Z. */
#define T0 (1767571200LL * 1000)
#define S(x) ((borne_ms)(x)*1000)
#define H(x) S((x)*3600)

typedef struct {
  test_tmpdb *tmp;
  store *db;
  cp_reservations *r;
} fx;

static void r_open(fx *f) {
  char err[256];
  if (store_open(&f->db, f->tmp->path, err, sizeof err) != 0) fail_msg("store_open: %s", err);
  f->r = cp_reservations_open(f->db, err, sizeof err);
  if (!f->r) fail_msg("cp_reservations_open: %s", err);
}

static void r_close(fx *f) {
  cp_reservations_free(f->r);
  store_close(f->db);
  f->r = NULL;
  f->db = NULL;
}

static void reopen(fx *f) {
  r_close(f);
  r_open(f);
}

static int setup(void **state) {
  log_set_level(LOG_ERROR);
  fx *f = calloc(1, sizeof *f);
  assert_non_null(f);
  void *t = NULL;
  assert_int_equal(test_tmpdb_setup(&t, "borne-cp-resv"), 0);
  f->tmp = t;
  r_open(f);
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fx *f = *state;
  r_close(f);
  void *t = f->tmp;
  test_tmpdb_teardown(&t);
  free(f);
  return 0;
}

static void test_add_cancel(void **state) {
  fx *f = *state;
  assert_true(cp_reservation_next_expiry(f->r) == INT64_MAX);
  assert_int_equal(cp_reservation_add(f->r, 1, 5, "TAGA", NULL, T0 + H(1)), CP_RESERVE_ACCEPTED);
  /* another reservation on the same connector */
  assert_int_equal(cp_reservation_add(f->r, 1, 6, "TAGB", NULL, T0 + H(1)), CP_RESERVE_OCCUPIED);
  /* the same id replaces its reservation (OCPP 1.6 5.13) */
  assert_int_equal(cp_reservation_add(f->r, 1, 5, "TAGC", "GRP", T0 + H(2)), CP_RESERVE_ACCEPTED);
  assert_int_equal(cp_reservation_add(f->r, 0, 7, "TAGD", NULL, T0 + H(3)), CP_RESERVE_ACCEPTED);
  /* no token: rejected */
  assert_int_equal(cp_reservation_add(f->r, 2, 8, NULL, NULL, T0 + H(3)), CP_RESERVE_REJECTED);
  cp_reservation r[4];
  assert_int_equal(cp_reservations_list(f->r, r, 4), 2);
  assert_int_equal(r[0].id, 5);
  assert_int_equal(r[0].connector, 1);
  assert_string_equal(r[0].token, "TAGC");
  assert_string_equal(r[0].group, "GRP");
  assert_true(r[0].expiry == T0 + H(2));
  assert_int_equal(r[1].id, 7);
  assert_int_equal(r[1].connector, 0);
  assert_string_equal(r[1].token, "TAGD");
  assert_string_equal(r[1].group, "");
  assert_true(cp_reservation_next_expiry(f->r) == T0 + H(2));
  /* the table is read at most `max` rows */
  assert_int_equal(cp_reservations_list(f->r, r, 1), 1);
  assert_int_equal(cp_reservations_list(f->r, r, 0), 0);
  /* kept across a restart */
  reopen(f);
  assert_int_equal(cp_reservations_list(f->r, r, 4), 2);
  assert_string_equal(r[0].group, "GRP");
  /* a replaced reservation may move to another connector */
  assert_int_equal(cp_reservation_add(f->r, 2, 5, "TAGC", "GRP", T0 + H(2)), CP_RESERVE_ACCEPTED);
  assert_int_equal(cp_reservation_add(f->r, 1, 6, "TAGB", NULL, T0 + H(1)), CP_RESERVE_ACCEPTED);
  assert_int_equal(cp_reservation_cancel(f->r, 6), 1);
  assert_int_equal(cp_reservation_add(f->r, 1, 5, "TAGC", "GRP", T0 + H(2)), CP_RESERVE_ACCEPTED);
  /* cancel: the connector it was on, -1 when unknown */
  assert_int_equal(cp_reservation_cancel(f->r, 6), -1);
  assert_int_equal(cp_reservation_cancel(f->r, 7), 0);
  assert_int_equal(cp_reservation_cancel(f->r, 7), -1);
  assert_int_equal(cp_reservation_cancel(f->r, 5), 1);
  assert_int_equal(cp_reservations_list(f->r, r, 4), 0);
  assert_true(cp_reservation_next_expiry(f->r) == INT64_MAX);
  /* the connector is free again */
  assert_int_equal(cp_reservation_add(f->r, 1, 6, "TAGB", NULL, T0 + H(1)), CP_RESERVE_ACCEPTED);
}

static void test_expiry(void **state) {
  fx *f = *state;
  cp_reservation_add(f->r, 1, 1, "A", NULL, T0 + H(1));
  cp_reservation_add(f->r, 2, 2, "B", NULL, T0 + H(2));
  assert_true(cp_reservation_next_expiry(f->r) == T0 + H(1));
  assert_int_equal(cp_reservation_expired(f->r, 1, T0 + H(1) - 1), 0);
  assert_int_equal(cp_reservation_expired(f->r, 2, T0 + H(1)), 0);
  assert_int_equal(cp_reservation_expired(f->r, 1, T0 + H(1)), 1);
  /* removed: reported once */
  assert_int_equal(cp_reservation_expired(f->r, 1, T0 + H(1)), 0);
  assert_true(cp_reservation_next_expiry(f->r) == T0 + H(2));
  assert_int_equal(cp_reservation_use(f->r, 1, "A", NULL), 0);
  assert_int_equal(cp_reservation_expired(f->r, 2, T0 + H(5)), 2);
  assert_true(cp_reservation_next_expiry(f->r) == INT64_MAX);
  /* connector 0's reservation expires as connector 0 */
  cp_reservation_add(f->r, 0, 3, "C", NULL, T0 + H(1));
  assert_int_equal(cp_reservation_expired(f->r, 1, T0 + H(9)), 0);
  assert_int_equal(cp_reservation_expired(f->r, 0, T0 + H(9)), 3);
  /* an expiry survives a restart */
  cp_reservation_add(f->r, 1, 4, "D", NULL, T0 + H(1));
  reopen(f);
  assert_true(cp_reservation_next_expiry(f->r) == T0 + H(1));
  assert_int_equal(cp_reservation_expired(f->r, 1, T0 + H(1)), 4);
}

static void test_use(void **state) {
  fx *f = *state;
  cp_reservation_add(f->r, 1, 10, "OWNER", "FLEET", T0 + H(1));
  cp_reservation_add(f->r, 2, 20, "SOLO", NULL, T0 + H(1));
  /* another badge, another group: not this reservation */
  assert_int_equal(cp_reservation_use(f->r, 1, "STRANGER", "OTHER"), 0);
  assert_int_equal(cp_reservation_use(f->r, 1, "STRANGER", NULL), 0);
  assert_int_equal(cp_reservation_use(f->r, 1, "STRANGER", ""), 0);
  assert_int_equal(cp_reservation_use(f->r, 1, NULL, NULL), 0);
  /* the right badge on the wrong connector */
  assert_int_equal(cp_reservation_use(f->r, 2, "OWNER", NULL), 0);
  /* a badge of the same group may use it */
  assert_int_equal(cp_reservation_use(f->r, 1, "COLLEAGUE", "fleet"), 10);
  assert_int_equal(cp_reservation_use(f->r, 1, "OWNER", "FLEET"), 0); /* used up */
  /* a reservation without a group is not matched by an empty group */
  assert_int_equal(cp_reservation_use(f->r, 2, "OTHER", ""), 0);
  assert_int_equal(cp_reservation_use(f->r, 2, "solo", NULL), 20);
  /* connector 0: any connector; the connector's own reservation goes first */
  cp_reservation_add(f->r, 0, 30, "ANY", NULL, T0 + H(1));
  cp_reservation_add(f->r, 2, 40, "ANY", NULL, T0 + H(1));
  assert_int_equal(cp_reservation_use(f->r, 2, "ANY", NULL), 40);
  assert_int_equal(cp_reservation_use(f->r, 1, "ANY", NULL), 30);
  cp_reservation r[4];
  assert_int_equal(cp_reservations_list(f->r, r, 4), 0);
  /* an empty group given at reservation is no group */
  cp_reservation_add(f->r, 1, 50, "X", "", T0 + H(1));
  assert_int_equal(cp_reservation_use(f->r, 1, "Y", ""), 0);
  assert_int_equal(cp_reservation_use(f->r, 1, "x", ""), 50);
  /* any connector among some (connector 2 here: 2.0.1 connectorType), kept
   * as such: the badge on another connector does not use it */
  assert_int_equal(cp_reservation_add_among(f->r, 0, 1u << 1, 60, "TYPED", NULL, T0 + H(1)),
                   CP_RESERVE_ACCEPTED);
  assert_int_equal(cp_reservations_list(f->r, r, 4), 1);
  assert_int_equal(r[0].connector, 0);
  assert_int_equal(r[0].among, 1u << 1);
  assert_int_equal(cp_reservation_use(f->r, 1, "TYPED", NULL), 0);
  assert_int_equal(cp_reservation_use(f->r, 2, "typed", NULL), 60);
  /* among means nothing on a connector's own reservation */
  assert_int_equal(cp_reservation_add_among(f->r, 1, 1u << 1, 61, "OWN", NULL, T0 + H(1)),
                   CP_RESERVE_ACCEPTED);
  assert_int_equal(cp_reservations_list(f->r, r, 4), 1);
  assert_int_equal(r[0].among, 0u);
  assert_int_equal(cp_reservation_use(f->r, 1, "OWN", NULL), 61);
}

static void test_availability(void **state) {
  fx *f = *state;
  assert_true(cp_availability(f->r, 0));
  assert_true(cp_availability(f->r, 1));
  cp_availability_save(f->r, 1, false);
  assert_false(cp_availability(f->r, 1));
  assert_true(cp_availability(f->r, 2));
  reopen(f);
  assert_false(cp_availability(f->r, 1));
  cp_availability_save(f->r, 1, true);
  reopen(f);
  assert_true(cp_availability(f->r, 1));
  /* the whole station (connector 0) is kept like a connector */
  cp_availability_save(f->r, 0, false);
  reopen(f);
  assert_false(cp_availability(f->r, 0));
  assert_true(cp_availability(f->r, 1));
}

/* cp_reservation_next_expiry keeps its answer between writes (issue 15): it
 * follows every add, use and cancel, and a value read inside a batch that
 * is rolled back is not kept (the row the batch removed is back). */
static void test_next_expiry_follows_writes(void **state) {
  fx *f = *state;
  cp_reservation_add(f->r, 1, 10, "LATE", NULL, T0 + H(2));
  assert_true(cp_reservation_next_expiry(f->r) == T0 + H(2));
  assert_true(cp_reservation_next_expiry(f->r) == T0 + H(2)); /* the kept answer */
  cp_reservation_add(f->r, 2, 20, "SOON", NULL, T0 + H(1));
  assert_true(cp_reservation_next_expiry(f->r) == T0 + H(1));
  assert_int_equal(cp_reservation_use(f->r, 2, "SOON", NULL), 20);
  assert_true(cp_reservation_next_expiry(f->r) == T0 + H(2));
  /* used inside a session's batch, which then fails */
  assert_int_equal(store_batch_begin(f->db), 0);
  assert_int_equal(cp_reservation_use(f->r, 1, "LATE", NULL), 10);
  assert_true(cp_reservation_next_expiry(f->r) == INT64_MAX);
  assert_int_equal(sqlite3_exec(store_sqlite(f->db), "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
  assert_int_not_equal(store_batch_end(f->db), 0);
  assert_true(cp_reservation_next_expiry(f->r) == T0 + H(2));
  assert_int_equal(cp_reservation_cancel(f->r, 10), 1);
  assert_true(cp_reservation_next_expiry(f->r) == INT64_MAX);
}

/* Connector 0: one station-wide reservation at a time for 1.6
 * (cp_reservation_add, 5.13), several for 2.0.1 without evseId
 * (cp_reservation_add_among: how many the EVSEs can serve is the dialect's
 * check); each expires, is used (the lowest id first among those that
 * match) and is cancelled on its own, and all are kept across a restart. */
static void test_several_station_wide(void **state) {
  fx *f = *state;
  assert_int_equal(cp_reservation_add(f->r, 0, 1, "A", NULL, T0 + H(1)), CP_RESERVE_ACCEPTED);
  assert_int_equal(cp_reservation_add(f->r, 0, 2, "B", NULL, T0 + H(1)), CP_RESERVE_OCCUPIED);
  assert_int_equal(cp_reservation_cancel(f->r, 1), 0);
  assert_int_equal(cp_reservation_add_among(f->r, 0, 0, 3, "TOK", NULL, T0 + H(2)),
                   CP_RESERVE_ACCEPTED);
  assert_int_equal(cp_reservation_add_among(f->r, 0, 1u << 1, 4, "TOK", "GRP", T0 + H(1)),
                   CP_RESERVE_ACCEPTED);
  assert_int_equal(cp_reservation_add_among(f->r, 0, 0, 5, "OTHER", NULL, T0 + H(3)),
                   CP_RESERVE_ACCEPTED);
  /* an EVSE keeps one reservation of its own */
  assert_int_equal(cp_reservation_add_among(f->r, 2, 0, 6, "X", NULL, T0 + H(3)),
                   CP_RESERVE_ACCEPTED);
  assert_int_equal(cp_reservation_add_among(f->r, 2, 0, 7, "Y", NULL, T0 + H(3)),
                   CP_RESERVE_OCCUPIED);
  reopen(f); /* kill -9: the rows are committed */
  cp_reservation r[8];
  assert_int_equal(cp_reservations_list(f->r, r, 8), 4);
  assert_int_equal(r[0].id, 3);
  assert_int_equal(r[0].connector, 0);
  assert_int_equal(r[1].id, 4);
  assert_int_equal(r[1].among, 1u << 1);
  assert_string_equal(r[1].group, "GRP");
  assert_int_equal(r[2].id, 5);
  /* TOK on connector 2: 3 and 4 match, the lowest id first */
  assert_int_equal(cp_reservation_use(f->r, 2, "TOK", NULL), 3);
  assert_int_equal(cp_reservation_use(f->r, 1, "TOK", NULL), 0); /* 4: connector 2 only */
  assert_int_equal(cp_reservation_use(f->r, 2, "ANY", "GRP"), 4);
  /* expiry: one at a time, each reported once */
  assert_int_equal(cp_reservation_expired(f->r, 0, T0 + H(4)), 5);
  assert_int_equal(cp_reservation_expired(f->r, 0, T0 + H(4)), 0);
  assert_int_equal(cp_reservations_list(f->r, r, 8), 1); /* 6, connector 2 */
}

int main(void) {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
  const struct CMUnitTest tests[] = {
      T(test_add_cancel),
      T(test_expiry),
      T(test_use),
      T(test_availability),
      T(test_next_expiry_follows_writes),
      T(test_several_station_wide),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
