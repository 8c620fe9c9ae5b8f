/*
 * The database's bound (store_set_max_size, configuration key
 * store.max_size_mb): the pages it allows, its application to every
 * connection (a lean store's again after an idle close), and what a full
 * database gives up: the oldest samples and events go (store_make_room) so
 * that the log keeps taking rows, and only with no history left is an event
 * refused and the store exhausted, once per episode. docs/storage.md.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <sqlite3.h>

#include "test_tmpdir.h"
#include "store/store.h"

typedef test_tmpdb tmpdb;

static int setup(void **state) { return test_tmpdb_setup(state, "borne-bound"); }
static int teardown(void **state) { return test_tmpdb_teardown(state); }

static int64_t pragma(store *s, const char *text) {
  sqlite3_stmt *q;
  assert_int_equal(sqlite3_prepare_v2(store_sqlite(s), text, -1, &q, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_step(q), SQLITE_ROW);
  int64_t v = sqlite3_column_int64(q, 0);
  sqlite3_finalize(q);
  return v;
}

static void test_pages_of_a_bound(void **state) {
  (void)state;
  assert_int_equal(store_max_pages(0, 4096), 0); /* no bound */
  assert_int_equal(store_max_pages(-5, 4096), 0);
  assert_int_equal(store_max_pages(1048576, 4096), 256);
  assert_int_equal(store_max_pages(1048576 + 4095, 4096), 256); /* whole pages only */
  assert_int_equal(store_max_pages(1048576, 1024), 1024);       /* a lean store's pages */
  assert_int_equal(store_max_pages(100, 4096), 1);              /* at least one */
  assert_int_equal(store_max_pages(1048576, 0), 0);
}

static void test_the_bound_is_max_page_count_and_can_be_lifted(void **state) {
  tmpdb *t = *state;
  store *s;
  char err[256];
  assert_int_equal(store_open(&s, t->path, err, sizeof err), 0);
  int64_t unbounded = pragma(s, "PRAGMA max_page_count");
  assert_int_equal(store_max_size(s), 0);
  assert_true(store_room_pages(s) == INT64_MAX);
  assert_int_equal(store_set_max_size(s, 2 * 1048576), 0);
  assert_int_equal(store_max_size(s), 2 * 1048576);
  assert_int_equal(pragma(s, "PRAGMA max_page_count"), 512);
  int64_t room = store_room_pages(s);
  assert_true(room > 0 && room < 512);
  assert_int_equal(store_set_max_size(s, 0), 0);
  assert_int_equal(pragma(s, "PRAGMA max_page_count"), unbounded);
  store_close(s);
}

/* borne-swarm's lean stores close an idle connection and open it again: the
 * bound is a setting of the connection, given to the new one too. */
static void test_a_lean_store_keeps_its_bound_across_an_idle_close(void **state) {
  tmpdb *t = *state;
  store *s;
  char err[256];
  assert_int_equal(store_open_lean(&s, t->path, err, sizeof err), 0);
  assert_int_equal(store_set_max_size(s, 1048576), 0);
  assert_int_equal(pragma(s, "PRAGMA max_page_count"), 1024); /* 1 KiB pages */
  store_set_idle_close_ms(s, 0);
  store_release_cache(s); /* closes the idle connection */
  assert_int_equal(store_event_add(s, 1, 0, "boot", "again", NULL), 0); /* opens it again */
  assert_int_equal(pragma(s, "PRAGMA max_page_count"), 1024);
  store_close(s);
}

static void add_sample(store *s, int i) {
  meter_reading r = {.at = 1000 + i, .energy_import_wh = i, .power_total_w = 7000};
  for (int p = 0; p < 3; p++) r.voltage_v[p] = 230, r.current_a[p] = 10, r.power_w[p] = 2300;
  assert_int_equal(store_meter_sample(s, 1, &r), 0);
}

/* Full under its bound, the log rolls over: every event and sample is
 * taken, the oldest go, the file stays within the bound; a connector's
 * newest sample (meter_last) stays. */
static void test_a_full_database_gives_up_its_oldest_history(void **state) {
  tmpdb *t = *state;
  store *s;
  char err[256];
  assert_int_equal(store_open(&s, t->path, err, sizeof err), 0);
  int64_t pages = pragma(s, "PRAGMA page_count");
  assert_int_equal(store_set_max_size(s, (pages + 20) * 4096), 0);
  char detail[200];
  memset(detail, 'd', sizeof detail - 1);
  detail[sizeof detail - 1] = '\0';
  for (int i = 0; i < 1000; i++) {
    assert_int_equal(store_event_add_unsynced(s, 1000 + i, 0, "status", detail, NULL), 0);
    add_sample(s, i);
  }
  assert_true(pragma(s, "PRAGMA page_count") <= pages + 20);
  assert_true(pragma(s, "SELECT count(*) FROM events") < 1000);
  assert_int_equal(pragma(s, "SELECT max(id) FROM events"), 1000); /* the newest kept */
  assert_true(pragma(s, "SELECT min(id) FROM events") > 1);        /* the oldest gone */
  meter_reading last;
  assert_int_equal(store_meter_last(s, 1, &last), 0);
  assert_true(last.energy_import_wh == 999);
  assert_null(store_exhausted(s)); /* nothing refused */
  store_close(s);
}

/* No history left to give (the room taken by what is not history: here a
 * table of a module's own): the event is refused, the store exhausted with
 * the cause, once per episode; an event that fits again ends the episode. */
static void test_no_history_left_refuses_and_is_told_once(void **state) {
  tmpdb *t = *state;
  store *s;
  char err[256];
  assert_int_equal(store_open(&s, t->path, err, sizeof err), 0);
  sqlite3 *db = store_sqlite(s);
  assert_int_equal(sqlite3_exec(db, "CREATE TABLE owed(x BLOB)", NULL, NULL, NULL), SQLITE_OK);
  int64_t pages = pragma(s, "PRAGMA page_count");
  assert_int_equal(store_set_max_size(s, (pages + 30) * 4096), 0);
  sqlite3_stmt *ins;
  assert_int_equal(
      sqlite3_prepare_v2(db, "INSERT INTO owed VALUES(zeroblob(3000))", -1, &ins, NULL), SQLITE_OK);
  while (sqlite3_step(ins) == SQLITE_DONE) sqlite3_reset(ins);
  sqlite3_finalize(ins);
  assert_true(store_room_pages(s) < STORE_RESERVE_PAGES);
  assert_int_equal(store_make_room(s), 0); /* no history */
  assert_int_equal(store_event_add(s, 1, 0, "status", "x", NULL), -1);
  const char *why = store_exhausted(s);
  assert_non_null(why);
  assert_non_null(strstr(why, "full"));
  store_exhaustion_reported(s);
  assert_null(store_exhausted(s));
  /* the same episode: refused again, not told again */
  assert_int_equal(store_event_add(s, 2, 0, "status", "x", NULL), -1);
  assert_null(store_exhausted(s));
  /* room again (what was owed left), an event fits: the episode is over */
  assert_int_equal(sqlite3_exec(db, "DELETE FROM owed", NULL, NULL, NULL), SQLITE_OK);
  assert_int_equal(store_event_add(s, 3, 0, "status", "x", NULL), 0);
  while (sqlite3_exec(db, "INSERT INTO owed VALUES(zeroblob(3000))", NULL, NULL, NULL) ==
         SQLITE_OK) {
  }
  while (store_make_room(s) > 0) {
  }
  assert_int_equal(store_event_add(s, 4, 0, "status", "x", NULL), -1);
  assert_non_null(store_exhausted(s));
  store_close(s);
}

/* The oldest history goes, never the newest 16 rows of a table (an event
 * just written in the open batch, which the modules are about to hear of). */
static void test_make_room_keeps_the_newest(void **state) {
  tmpdb *t = *state;
  store *s;
  char err[256];
  assert_int_equal(store_open(&s, t->path, err, sizeof err), 0);
  for (int i = 0; i < 20; i++) assert_int_equal(store_event_add(s, i, 0, "status", "x", NULL), 0);
  for (int i = 0; i < 10; i++) add_sample(s, i);
  assert_int_equal(store_make_room(s), 4); /* 4 events, no sample */
  assert_int_equal(store_make_room(s), 0);
  assert_int_equal(pragma(s, "SELECT min(id) FROM events"), 5);
  assert_int_equal(pragma(s, "SELECT count(*) FROM meter_samples"), 10);
  store_close(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_pages_of_a_bound),
      cmocka_unit_test_setup_teardown(test_the_bound_is_max_page_count_and_can_be_lifted, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_a_lean_store_keeps_its_bound_across_an_idle_close, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_a_full_database_gives_up_its_oldest_history, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_no_history_left_refuses_and_is_told_once, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_make_room_keeps_the_newest, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
