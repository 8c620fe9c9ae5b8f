/*
 * The transaction journal of the charge-point model (src/chargepoint/
 * journal.[ch]) on a real SQLite file in a temporary directory, on a virtual
 * clock (`now` passed in):
 *   - strict FIFO across sessions and kinds, kept across close/reopen,
 *     nothing duplicated, a message waiting for its retry holds back the rest;
 *   - the session <-> back-end transaction id map (text: OCPP 1.6 decimal
 *     ids and OCPP 2.0.1 string ids), written in the same commit that
 *     removes the accepted start;
 *   - the retry policy (OCPP 1.6 section 4.10: retry after interval x
 *     preceding attempts, drop after the last attempt; a message the back
 *     end never saw is never counted nor dropped);
 *   - the drop rule: only the newest 100 non-critical security events stay;
 *     transaction events and critical security events are never dropped;
 *   - migration 2 (cp_sql.c): a queue written by the OCPP 1.6 back end
 *     (action = the 1.6 action, criticality in the payload) is read back
 *     with its kinds, in order, and its critical security events stay
 *     critical;
 *   - the sequence numbers of OCPP 2.0.1 transaction events (migration 3).
 */
/* cmocka.h needs these first */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#include <dirent.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chargepoint/cp_sql.h"
#include "chargepoint/journal.h"
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
  cp_journal *j;
} fx;

static void j_open(fx *f) {
  char err[256];
  if (store_open(&f->db, f->tmp->path, err, sizeof err) != 0) fail_msg("store_open: %s", err);
  f->j = cp_journal_open(f->db, err, sizeof err);
  if (!f->j) fail_msg("cp_journal_open: %s", err);
}

static void j_close(fx *f) {
  cp_journal_free(f->j);
  store_close(f->db);
  f->j = NULL;
  f->db = NULL;
}

/* A restart: everything closed, then opened again from the same file. */
static void reopen(fx *f) {
  j_close(f);
  j_open(f);
}

static int setup(void **state) {
  log_set_level(LOG_ERROR);
  fx *f = calloc(1, sizeof *f);
  assert_non_null(f);
  void *t = NULL;
  assert_int_equal(test_tmpdb_setup(&t, "borne-cp-journal"), 0);
  f->tmp = t;
  j_open(f);
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fx *f = *state;
  if (f->j) j_close(f);
  void *t = f->tmp;
  test_tmpdb_teardown(&t);
  free(f);
  return 0;
}

static const cp_retry_policy default_policy = {.attempts = 3, .interval_s = 60};

static void push(fx *f, int64_t session, cp_event_kind kind, const char *payload, borne_ms now) {
  assert_int_equal(cp_journal_push(f->j, session, kind, payload, now), 0);
}

/* Peeks the head (must be due) and checks its kind and session. */
static cp_journal_entry head(fx *f, borne_ms now, cp_event_kind kind, int64_t session) {
  cp_journal_entry e = {0};
  if (cp_journal_peek(f->j, now, &e) != 0) fail_msg("nothing due, expected kind %d", (int)kind);
  assert_int_equal(e.kind, kind);
  assert_int_equal(e.session_id, session);
  assert_non_null(e.payload);
  return e;
}

/* Peeks the head, checks it, and confirms it as delivered. */
static void deliver(fx *f, borne_ms now, cp_event_kind kind, int64_t session, const char *payload) {
  cp_journal_entry e = head(f, now, kind, session);
  if (payload) assert_string_equal(e.payload, payload);
  cp_journal_sent(f->j, e.id);
  free(e.payload);
}

static bool none_due(fx *f, borne_ms now) {
  cp_journal_entry e = {0};
  int rc = cp_journal_peek(f->j, now, &e);
  free(e.payload);
  return rc != 0;
}

static const char *tx(fx *f, int64_t session) {
  static char id[CP_TX_ID_MAX + 1];
  return cp_journal_tx_id(f->j, session, id) ? id : NULL;
}

/* ---------------- order ---------------- */

static void test_fifo(void **state) {
  fx *f = *state;
  assert_int_equal(cp_journal_length(f->j), 0);
  assert_true(none_due(f, T0));
  assert_true(cp_journal_next_due(f->j) == INT64_MAX);
  push(f, 1, CP_EVENT_STARTED, "seq 1", T0);
  push(f, 2, CP_EVENT_STARTED, "seq 2", T0 + 1);
  push(f, 1, CP_EVENT_UPDATED, "seq 3", T0 + 2);
  push(f, 2, CP_EVENT_UPDATED, "seq 4", T0 + 2);
  push(f, 1, CP_EVENT_ENDED, "seq 5", T0 + 3);
  assert_int_equal(cp_journal_length(f->j), 5);
  /* due from the time it was pushed */
  assert_true(cp_journal_next_due(f->j) == T0);
  assert_true(none_due(f, T0 - 1));
  static const cp_event_kind kinds[] = {CP_EVENT_STARTED, CP_EVENT_STARTED, CP_EVENT_UPDATED,
                                        CP_EVENT_UPDATED, CP_EVENT_ENDED};
  static const int sessions[] = {1, 2, 1, 2, 1};
  int64_t last = 0;
  for (int i = 0; i < 5; i++) {
    cp_journal_entry e = head(f, T0 + 10, kinds[i], sessions[i]);
    char want[16];
    snprintf(want, sizeof want, "seq %d", i + 1);
    assert_string_equal(e.payload, want);
    assert_int_equal(e.attempts, 0);
    assert_true(e.id > last);
    last = e.id;
    /* peeking twice gives the same message: nothing leaves before it is sent */
    cp_journal_entry again = head(f, T0 + 10, kinds[i], sessions[i]);
    assert_true(again.id == e.id);
    free(again.payload);
    free(e.payload);
    cp_journal_sent(f->j, e.id);
    assert_int_equal(cp_journal_length(f->j), 4 - i);
  }
  assert_true(none_due(f, T0 + H(100)));
  assert_true(cp_journal_next_due(f->j) == INT64_MAX);
}

/* The payload is the dialect's: kept byte for byte, whatever it holds. */
static void test_payload_opaque(void **state) {
  fx *f = *state;
  static const char *const payloads[] = {
      "{\"connectorId\":1,\"idTag\":\"AA\",\"meterStart\":0}", "",
      "not json at all: \"quotes\", 'apostrophes', \\backslash\\, ünïcödé", "[1,2,3]"};
  for (size_t i = 0; i < sizeof payloads / sizeof *payloads; i++)
    push(f, 1, CP_EVENT_UPDATED, payloads[i], T0);
  reopen(f);
  for (size_t i = 0; i < sizeof payloads / sizeof *payloads; i++)
    deliver(f, T0, CP_EVENT_UPDATED, 1, payloads[i]);
  /* nonsense in: refused, nothing queued */
  assert_int_equal(cp_journal_push(f->j, 1, CP_EVENT_UPDATED, NULL, T0), -1);
  assert_int_equal(cp_journal_push(f->j, 1, (cp_event_kind)99, "x", T0), -1);
  assert_int_equal(cp_journal_push(f->j, 1, (cp_event_kind)-1, "x", T0), -1);
  assert_true(cp_journal_error(f->j)[0] != '\0');
  assert_int_equal(cp_journal_length(f->j), 0);
}

/* A message waiting for its retry holds back everything after it. */
static void test_no_overtaking(void **state) {
  fx *f = *state;
  const cp_retry_policy p = {.attempts = 3, .interval_s = 30};
  push(f, 1, CP_EVENT_STARTED, "seq 1", T0);
  push(f, 1, CP_EVENT_ENDED, "seq 2", T0);
  cp_journal_entry e = head(f, T0, CP_EVENT_STARTED, 1);
  free(e.payload);
  assert_int_equal(cp_journal_failed(f->j, e.id, true, &p, T0), 0);
  assert_true(none_due(f, T0));
  assert_true(none_due(f, T0 + S(30) - 1));
  assert_true(cp_journal_next_due(f->j) == T0 + S(30));
  e = head(f, T0 + S(30), CP_EVENT_STARTED, 1);
  assert_int_equal(e.attempts, 1);
  free(e.payload);
  /* also a message pushed later, already due, waits behind it */
  push(f, 2, CP_EVENT_STARTED, "seq 3", T0 + S(40));
  assert_int_equal(cp_journal_failed(f->j, e.id, true, &p, T0 + S(30)), 0);
  assert_true(none_due(f, T0 + S(89)));
  deliver(f, T0 + S(90), CP_EVENT_STARTED, 1, "seq 1");
  deliver(f, T0 + S(90), CP_EVENT_ENDED, 1, "seq 2");
  deliver(f, T0 + S(90), CP_EVENT_STARTED, 2, "seq 3");
}

static void test_survives_reopen(void **state) {
  fx *f = *state;
  push(f, 3, CP_EVENT_STARTED, "seq 1", T0);
  push(f, 3, CP_EVENT_UPDATED, "seq 2", T0);
  push(f, 3, CP_EVENT_ENDED, "seq 3", T0);
  cp_journal_entry e = head(f, T0, CP_EVENT_STARTED, 3);
  free(e.payload);
  reopen(f);
  /* the same messages, the same order, nothing duplicated */
  assert_int_equal(cp_journal_length(f->j), 3);
  cp_journal_entry e2 = head(f, T0, CP_EVENT_STARTED, 3);
  assert_true(e2.id == e.id);
  free(e2.payload);
  assert_int_equal(cp_journal_sent_start(f->j, e.id, 3, "777"), 0);
  reopen(f);
  /* the transaction id and the removal are on disk */
  assert_string_equal(tx(f, 3), "777");
  assert_int_equal(cp_journal_length(f->j), 2);
  /* a message pushed after the restart goes after the old ones */
  push(f, 4, CP_EVENT_STARTED, "seq 4", T0);
  deliver(f, T0, CP_EVENT_UPDATED, 3, "seq 2");
  reopen(f);
  deliver(f, T0, CP_EVENT_ENDED, 3, "seq 3");
  reopen(f);
  deliver(f, T0, CP_EVENT_STARTED, 4, "seq 4");
  reopen(f);
  assert_int_equal(cp_journal_length(f->j), 0);
  assert_string_equal(tx(f, 3), "777");
}

/* ---------------- transaction ids ---------------- */

static void test_sent_start(void **state) {
  fx *f = *state;
  push(f, 7, CP_EVENT_STARTED, "start 7", T0);
  push(f, 8, CP_EVENT_STARTED, "start 8", T0);
  push(f, 7, CP_EVENT_UPDATED, "meter 7", T0);
  push(f, 8, CP_EVENT_UPDATED, "meter 8", T0);
  push(f, 7, CP_EVENT_ENDED, "stop 7", T0);
  assert_null(tx(f, 7));
  char id[CP_TX_ID_MAX + 1] = "junk";
  assert_false(cp_journal_tx_id(f->j, 7, id));
  assert_string_equal(id, "");
  cp_journal_entry e = head(f, T0, CP_EVENT_STARTED, 7);
  free(e.payload);
  assert_int_equal(cp_journal_sent_start(f->j, e.id, 7, "4242"), 0);
  assert_string_equal(tx(f, 7), "4242");
  assert_null(tx(f, 8));
  assert_int_equal(cp_journal_length(f->j), 4);
  /* session 8's start is next, untouched */
  e = head(f, T0, CP_EVENT_STARTED, 8);
  assert_string_equal(e.payload, "start 8");
  free(e.payload);
  /* an OCPP 2.0.1 transaction id is a string */
  assert_int_equal(cp_journal_sent_start(f->j, e.id, 8, "c0ffee-8f3a-4b1c-9d2e-0123456789ab"), 0);
  reopen(f);
  assert_string_equal(tx(f, 7), "4242");
  assert_string_equal(tx(f, 8), "c0ffee-8f3a-4b1c-9d2e-0123456789ab");
  /* the later messages are the dialect's payloads, unchanged */
  deliver(f, T0, CP_EVENT_UPDATED, 7, "meter 7");
  deliver(f, T0, CP_EVENT_UPDATED, 8, "meter 8");
  deliver(f, T0, CP_EVENT_ENDED, 7, "stop 7");
  assert_int_equal(cp_journal_length(f->j), 0);
  /* a bad id is refused and the start stays queued */
  push(f, 9, CP_EVENT_STARTED, "start 9", T0);
  e = head(f, T0, CP_EVENT_STARTED, 9);
  free(e.payload);
  assert_int_equal(cp_journal_sent_start(f->j, e.id, 9, ""), -1);
  assert_int_equal(cp_journal_sent_start(f->j, e.id, 9, NULL), -1);
  assert_int_equal(cp_journal_sent_start(f->j, e.id, 9, "0123456789012345678901234567890123456"),
                   -1); /* 37 characters */
  assert_int_equal(cp_journal_length(f->j), 1);
  assert_null(tx(f, 9));
  /* an accepted start replaces an earlier id of the same session */
  assert_int_equal(cp_journal_sent_start(f->j, e.id, 9, "1"), 0);
  assert_int_equal(cp_journal_sent_start(f->j, 12345, 9, "2"), 0);
  assert_string_equal(tx(f, 9), "2");
}

static int count_commit(void *ctx) {
  ++*(int *)ctx;
  return 0;
}

/* In a store batch (the OCPP 1.6 answer to StartTransaction: the badge for
 * the cache, the start out of the journal with its id) the journal's own
 * transaction is a part of the batch: one commit for all, seen by another
 * connection only at the end; a start that fails inside undoes only itself. */
/* The length is counted once and kept until the next write (borne-swarm
 * reads it every second for each station): every write is seen, and a count
 * read inside a transaction that is then rolled back is not kept. */
static void test_length_kept_until_a_write(void **state) {
  fx *f = *state;
  assert_int_equal(cp_journal_length(f->j), 0);
  push(f, 1, CP_EVENT_STARTED, "start 1", T0);
  assert_int_equal(cp_journal_length(f->j), 1);
  assert_int_equal(cp_journal_length(f->j), 1);
  push(f, 2, CP_EVENT_STARTED, "start 2", T0);
  assert_int_equal(cp_journal_length(f->j), 2);
  cp_journal_entry e = head(f, T0, CP_EVENT_STARTED, 1);
  assert_int_equal(cp_journal_sent_start(f->j, e.id, 1, "77"), 0);
  free(e.payload);
  assert_int_equal(cp_journal_length(f->j), 1);
  /* a push inside a batch, counted there, then the batch rolled back */
  assert_int_equal(store_batch_begin(f->db), 0);
  push(f, 3, CP_EVENT_STARTED, "start 3", T0);
  assert_int_equal(cp_journal_length(f->j), 2);
  assert_int_equal(sqlite3_exec(store_sqlite(f->db), "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
  assert_int_equal(store_batch_end(f->db), -1);
  assert_int_equal(cp_journal_length(f->j), 1);
  e = head(f, T0, CP_EVENT_STARTED, 2);
  cp_journal_sent(f->j, e.id);
  free(e.payload);
  assert_int_equal(cp_journal_length(f->j), 0);
}

static int count_statement(unsigned type, void *ctx, void *p, void *x) {
  (void)type;
  (void)p;
  (void)x;
  ++*(int *)ctx;
  return 0;
}

/* The head's due time is read once and kept until the next write (the OCPP
 * timer asks after every message: issue 15): every write is seen, a time read
 * inside a transaction that is then rolled back is not kept, a peek before
 * that time reads nothing, and what a peek read (an empty queue, a head not
 * yet due) is kept the same way. */
static void test_next_due_kept_until_a_write(void **state) {
  fx *f = *state;
  int reads = 0;
  sqlite3_trace_v2(store_sqlite(f->db), SQLITE_TRACE_STMT, count_statement, &reads);
  push(f, 1, CP_EVENT_STARTED, "start 1", T0 + S(5));
  assert_true(cp_journal_next_due(f->j) == T0 + S(5));
  reads = 0;
  assert_true(cp_journal_next_due(f->j) == T0 + S(5)); /* the kept answer */
  assert_true(none_due(f, T0));                        /* not due yet: nothing read */
  assert_int_equal(reads, 0);
  cp_journal_entry e = head(f, T0 + S(5), CP_EVENT_STARTED, 1);
  /* not answered: due again later */
  cp_retry_policy policy = {.attempts = 3, .interval_s = 10};
  assert_int_equal(cp_journal_failed(f->j, e.id, true, &policy, T0 + S(5)), 0);
  free(e.payload);
  assert_true(cp_journal_next_due(f->j) == T0 + S(15));
  cp_journal_due_now(f->j, T0 + S(6));
  assert_true(cp_journal_next_due(f->j) == T0 + S(6));
  /* a push inside a batch, read there, then the batch rolled back */
  e = head(f, T0 + S(6), CP_EVENT_STARTED, 1);
  cp_journal_sent(f->j, e.id);
  free(e.payload);
  assert_true(cp_journal_next_due(f->j) == INT64_MAX);
  assert_int_equal(store_batch_begin(f->db), 0);
  push(f, 2, CP_EVENT_STARTED, "start 2", T0 + S(7));
  assert_true(cp_journal_next_due(f->j) == T0 + S(7));
  assert_int_equal(sqlite3_exec(store_sqlite(f->db), "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
  assert_int_equal(store_batch_end(f->db), -1);
  assert_true(cp_journal_next_due(f->j) == INT64_MAX);
  assert_true(none_due(f, T0 + H(1)));
  /* a peek that found the queue empty, or its head not due, is kept too: the
   * pump's peek after the last answer, then the timer's rearm */
  push(f, 3, CP_EVENT_STARTED, "start 3", T0 + S(8));
  assert_true(none_due(f, T0)); /* read: not due before T0 + 8 s */
  reads = 0;
  assert_true(cp_journal_next_due(f->j) == T0 + S(8));
  assert_int_equal(reads, 0);
  e = head(f, T0 + S(8), CP_EVENT_STARTED, 3);
  cp_journal_sent(f->j, e.id);
  free(e.payload);
  assert_true(none_due(f, T0 + H(1))); /* read: empty */
  reads = 0;
  assert_true(cp_journal_next_due(f->j) == INT64_MAX);
  assert_int_equal(cp_journal_length(f->j), 0);
  assert_true(none_due(f, T0 + H(2)));
  assert_int_equal(reads, 0);
  sqlite3_trace_v2(store_sqlite(f->db), 0, NULL, NULL);
}

/* The head a peek handed out was the only entry: once delivered the queue is
 * known empty without reading it again (the pump's peek after each answer,
 * issue 15); with a second entry behind it, or delivered inside a
 * transaction, the next peek reads and finds what is left. */
static void test_sole_entry_delivered_leaves_queue_known_empty(void **state) {
  fx *f = *state;
  int reads = 0;
  sqlite3_trace_v2(store_sqlite(f->db), SQLITE_TRACE_STMT, count_statement, &reads);
  push(f, 1, CP_EVENT_STARTED, "start 1", T0);
  cp_journal_entry e = head(f, T0, CP_EVENT_STARTED, 1);
  cp_journal_sent(f->j, e.id);
  free(e.payload);
  reads = 0;
  assert_true(none_due(f, T0 + H(1)));
  assert_true(cp_journal_next_due(f->j) == INT64_MAX);
  assert_int_equal(cp_journal_length(f->j), 0);
  assert_int_equal(reads, 0);
  /* two queued: delivering the first leaves the second, read again */
  push(f, 2, CP_EVENT_STARTED, "start 2", T0);
  push(f, 3, CP_EVENT_STARTED, "start 3", T0);
  e = head(f, T0, CP_EVENT_STARTED, 2);
  cp_journal_sent(f->j, e.id);
  free(e.payload);
  reads = 0;
  e = head(f, T0, CP_EVENT_STARTED, 3);
  assert_true(reads > 0);
  /* a push after the peek: the head is no longer the only entry */
  push(f, 4, CP_EVENT_STARTED, "start 4", T0);
  cp_journal_sent(f->j, e.id);
  free(e.payload);
  e = head(f, T0, CP_EVENT_STARTED, 4);
  /* delivered inside a transaction rolled back: still queued */
  assert_int_equal(sqlite3_exec(store_sqlite(f->db), "BEGIN", NULL, NULL, NULL), SQLITE_OK);
  cp_journal_sent(f->j, e.id);
  assert_int_equal(sqlite3_exec(store_sqlite(f->db), "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
  free(e.payload);
  e = head(f, T0, CP_EVENT_STARTED, 4);
  free(e.payload);
  assert_int_equal(cp_journal_length(f->j), 1);
  sqlite3_trace_v2(store_sqlite(f->db), 0, NULL, NULL);
}

static void test_sent_start_in_a_batch(void **state) {
  fx *f = *state;
  push(f, 7, CP_EVENT_STARTED, "start 7", T0);
  push(f, 8, CP_EVENT_STARTED, "start 8", T0);
  cp_journal_entry e = head(f, T0, CP_EVENT_STARTED, 7);
  free(e.payload);
  int commits = 0;
  sqlite3_commit_hook(store_sqlite(f->db), count_commit, &commits);
  assert_int_equal(store_batch_begin(f->db), 0);
  assert_int_equal(store_event_add(f->db, T0, 1, "status", "Charging", NULL), 0);
  /* a start whose id the file refuses (a trigger of the test): its delete of
   * the queued start is undone, the rest of the batch stays */
  assert_int_equal(sqlite3_exec(store_sqlite(f->db),
                                "CREATE TEMP TRIGGER refuse BEFORE INSERT ON main.ocpp16_tx"
                                " WHEN NEW.tx_id = 'bad' BEGIN SELECT RAISE(ABORT, 'refused'); END",
                                NULL, NULL, NULL),
                   SQLITE_OK);
  assert_int_equal(cp_journal_sent_start(f->j, e.id, 7, "bad"), -1);
  assert_int_equal(cp_journal_length(f->j), 2);
  assert_int_equal(cp_journal_sent_start(f->j, e.id, 7, "4242"), 0);
  assert_int_equal(commits, 0);
  assert_int_equal(store_batch_end(f->db), 0);
  assert_int_equal(commits, 1);
  sqlite3_commit_hook(store_sqlite(f->db), NULL, NULL);
  reopen(f);
  assert_string_equal(tx(f, 7), "4242");
  assert_int_equal(cp_journal_length(f->j), 1);
  e = head(f, T0, CP_EVENT_STARTED, 8);
  free(e.payload);
  assert_int_equal(store_events_last_id(f->db), 1);
  /* a batch given up (closed before its end) leaves the start queued */
  assert_int_equal(store_batch_begin(f->db), 0);
  assert_int_equal(cp_journal_sent_start(f->j, e.id, 8, "4343"), 0);
  reopen(f);
  assert_null(tx(f, 8));
  assert_int_equal(cp_journal_length(f->j), 1);
}

/* A session started offline whose start is delivered while its end is
 * already queued: the end's session knows the back end's id (issue 4, test 3). */
static void test_offline_session_stop(void **state) {
  fx *f = *state;
  push(f, 11, CP_EVENT_STARTED, "start", T0);
  push(f, 11, CP_EVENT_ENDED, "stop", T0 + H(2));
  reopen(f);
  cp_journal_entry e = head(f, T0 + H(3), CP_EVENT_STARTED, 11);
  free(e.payload);
  assert_int_equal(cp_journal_sent_start(f->j, e.id, 11, "31337"), 0);
  reopen(f);
  e = head(f, T0 + H(3), CP_EVENT_ENDED, 11);
  assert_string_equal(tx(f, e.session_id), "31337");
  free(e.payload);
}

/* The map forgets sessions whose messages are all delivered, 1000 sessions on. */
static void test_tx_map_bounded(void **state) {
  fx *f = *state;
  push(f, 1, CP_EVENT_STARTED, "s1", T0);
  cp_journal_entry e = head(f, T0, CP_EVENT_STARTED, 1);
  free(e.payload);
  assert_int_equal(cp_journal_sent_start(f->j, e.id, 1, "101"), 0);
  push(f, 2, CP_EVENT_STARTED, "s2", T0);
  push(f, 2, CP_EVENT_ENDED, "s2 end", T0); /* still queued after its start */
  e = head(f, T0, CP_EVENT_STARTED, 2);
  free(e.payload);
  assert_int_equal(cp_journal_sent_start(f->j, e.id, 2, "102"), 0);
  push(f, 1002, CP_EVENT_STARTED, "s1002", T0);
  deliver(f, T0, CP_EVENT_ENDED, 2, "s2 end");
  e = head(f, T0, CP_EVENT_STARTED, 1002);
  free(e.payload);
  assert_int_equal(cp_journal_sent_start(f->j, e.id, 1002, "1102"), 0);
  /* session 1 < 1002 - 1000, nothing queued: forgotten; session 2 is not
   * older than that: kept */
  assert_null(tx(f, 1));
  assert_string_equal(tx(f, 2), "102");
  assert_string_equal(tx(f, 1002), "1102");
  /* a session with messages still queued is never forgotten */
  push(f, 3, CP_EVENT_ENDED, "s3 end", T0);
  push(f, 3000, CP_EVENT_STARTED, "s3000", T0);
  assert_int_equal(cp_journal_sent_start(f->j, 999999, 3, "103"), 0);
  deliver(f, T0, CP_EVENT_ENDED, 3, "s3 end");
  push(f, 3, CP_EVENT_ENDED, "s3 end again", T0);
  e = head(f, T0, CP_EVENT_STARTED, 3000);
  free(e.payload);
  assert_int_equal(cp_journal_sent_start(f->j, e.id, 3000, "4000"), 0);
  assert_string_equal(tx(f, 3), "103");
  assert_null(tx(f, 2));
}

/* ---------------- retry policy ---------------- */

static void test_failed_attempts(void **state) {
  fx *f = *state;
  const cp_retry_policy p = {.attempts = 3, .interval_s = 10};
  push(f, 1, CP_EVENT_ENDED, "seq 1", T0);
  push(f, 2, CP_EVENT_STARTED, "seq 2", T0);
  cp_journal_entry e = head(f, T0, CP_EVENT_ENDED, 1);
  free(e.payload);
  int64_t id = e.id;
  borne_ms now = T0;
  /* first answered failure: retried after 1 x interval */
  assert_int_equal(cp_journal_failed(f->j, id, true, &p, now), 0);
  assert_true(cp_journal_next_due(f->j) == now + S(10));
  assert_true(none_due(f, now + S(10) - 1));
  now += S(10);
  e = head(f, now, CP_EVENT_ENDED, 1);
  assert_int_equal(e.attempts, 1);
  free(e.payload);
  /* second: after 2 x interval */
  assert_int_equal(cp_journal_failed(f->j, id, true, &p, now), 0);
  assert_true(cp_journal_next_due(f->j) == now + S(20));
  assert_true(none_due(f, now + S(20) - 1));
  now += S(20);
  e = head(f, now, CP_EVENT_ENDED, 1);
  assert_int_equal(e.attempts, 2);
  free(e.payload);
  /* the attempt count survives a restart */
  reopen(f);
  e = head(f, now, CP_EVENT_ENDED, 1);
  assert_int_equal(e.attempts, 2);
  free(e.payload);
  /* third: that was the last attempt, dropped; the next message is due */
  assert_int_equal(cp_journal_failed(f->j, id, true, &p, now), 1);
  assert_int_equal(cp_journal_length(f->j), 1);
  e = head(f, now, CP_EVENT_STARTED, 2);
  free(e.payload);
  /* an unknown id is nothing to fail */
  assert_int_equal(cp_journal_failed(f->j, id, true, &p, now), 0);
  assert_int_equal(cp_journal_length(f->j), 1);
}

/* Timeouts and lost connections are not the back end's answer: never
 * counted, never dropped, retried every interval. */
static void test_failed_unanswered(void **state) {
  fx *f = *state;
  const cp_retry_policy p = {.attempts = 2, .interval_s = 5};
  push(f, 1, CP_EVENT_STARTED, "seq 1", T0);
  cp_journal_entry e = head(f, T0, CP_EVENT_STARTED, 1);
  free(e.payload);
  borne_ms now = T0;
  for (int i = 0; i < 20; i++) {
    assert_int_equal(cp_journal_failed(f->j, e.id, false, &p, now), 0);
    assert_true(cp_journal_next_due(f->j) == now + S(5));
    now += S(5);
    cp_journal_entry h = head(f, now, CP_EVENT_STARTED, 1);
    assert_int_equal(h.attempts, 0);
    free(h.payload);
  }
  /* then the back end answers with errors: counted from the first */
  assert_int_equal(cp_journal_failed(f->j, e.id, true, &p, now), 0);
  now += S(5);
  e = head(f, now, CP_EVENT_STARTED, 1);
  assert_int_equal(e.attempts, 1);
  free(e.payload);
  assert_int_equal(cp_journal_failed(f->j, e.id, true, &p, now), 1);
  assert_int_equal(cp_journal_length(f->j), 0);
}

static void test_single_attempt(void **state) {
  fx *f = *state;
  const cp_retry_policy p = {.attempts = 1, .interval_s = 60};
  push(f, 1, CP_EVENT_UPDATED, "seq 1", T0);
  cp_journal_entry e = head(f, T0, CP_EVENT_UPDATED, 1);
  free(e.payload);
  assert_int_equal(cp_journal_failed(f->j, e.id, true, &p, T0), 1);
  assert_int_equal(cp_journal_length(f->j), 0);
}

/* A policy out of range is read as the least that makes sense: one
 * attempt, one second. */
static void test_policy_floor(void **state) {
  fx *f = *state;
  const cp_retry_policy zero = {.attempts = 0, .interval_s = 0};
  const cp_retry_policy negative = {.attempts = -3, .interval_s = -10};
  push(f, 1, CP_EVENT_UPDATED, "a", T0);
  push(f, 1, CP_EVENT_UPDATED, "b", T0);
  cp_journal_entry e = head(f, T0, CP_EVENT_UPDATED, 1);
  free(e.payload);
  assert_int_equal(cp_journal_failed(f->j, e.id, false, &zero, T0), 0);
  assert_true(cp_journal_next_due(f->j) == T0 + S(1));
  assert_int_equal(cp_journal_failed(f->j, e.id, false, &negative, T0), 0);
  assert_true(cp_journal_next_due(f->j) == T0 + S(1));
  assert_int_equal(cp_journal_failed(f->j, e.id, true, &zero, T0), 1);
  e = head(f, T0, CP_EVENT_UPDATED, 1);
  assert_string_equal(e.payload, "b");
  free(e.payload);
  assert_int_equal(cp_journal_failed(f->j, e.id, true, &negative, T0), 1);
  assert_int_equal(cp_journal_length(f->j), 0);
  /* the default policy of a station: 3 attempts */
  push(f, 2, CP_EVENT_ENDED, "c", T0);
  e = head(f, T0, CP_EVENT_ENDED, 2);
  free(e.payload);
  assert_int_equal(cp_journal_failed(f->j, e.id, true, &default_policy, T0), 0);
  assert_true(cp_journal_next_due(f->j) == T0 + S(60));
  assert_int_equal(cp_journal_failed(f->j, e.id, true, &default_policy, T0 + S(60)), 0);
  assert_true(cp_journal_next_due(f->j) == T0 + S(60) + S(120));
  assert_int_equal(cp_journal_failed(f->j, e.id, true, &default_policy, T0 + S(180)), 1);
}

/* ---------------- the drop rule ---------------- */

/* A flood of non-critical security events while offline keeps only the newest
 * 100 of them; critical ones and transaction events all stay, in order. */
static void test_security_flood_is_bounded(void **state) {
  fx *f = *state;
  push(f, 0, CP_EVENT_SECURITY_CRITICAL, "StartupOfTheDevice", T0);
  push(f, 1, CP_EVENT_STARTED, "start", T0);
  for (int i = 0; i < 300; i++) {
    char p[32];
    snprintf(p, sizeof p, "login failed %d", i);
    push(f, 0, CP_EVENT_SECURITY, p, T0);
    if (i == 150) push(f, 1, CP_EVENT_UPDATED, "meter", T0);
  }
  push(f, 0, CP_EVENT_SECURITY_CRITICAL, "TamperDetectionActivated", T0);
  push(f, 1, CP_EVENT_ENDED, "stop", T0);
  assert_int_equal(cp_journal_length(f->j), 2 + CP_JOURNAL_SECURITY_MAX + 1 + 1 + 1);
  deliver(f, T0, CP_EVENT_SECURITY_CRITICAL, 0, "StartupOfTheDevice");
  deliver(f, T0, CP_EVENT_STARTED, 1, "start");
  deliver(f, T0, CP_EVENT_UPDATED, 1, "meter"); /* pushed after try 150: tries 0..199 went */
  for (int i = 200; i < 300; i++) {
    char want[32];
    snprintf(want, sizeof want, "login failed %d", i);
    deliver(f, T0, CP_EVENT_SECURITY, 0, want);
  }
  deliver(f, T0, CP_EVENT_SECURITY_CRITICAL, 0, "TamperDetectionActivated");
  deliver(f, T0, CP_EVENT_ENDED, 1, "stop");
  assert_int_equal(cp_journal_length(f->j), 0);
}

/* Critical security events and transaction events are never dropped, however
 * many; the bound counts only what may be dropped. */
static void test_never_dropped(void **state) {
  fx *f = *state;
  for (int i = 0; i < 250; i++) {
    push(f, 0, CP_EVENT_SECURITY_CRITICAL, "critical", T0);
    push(f, 5, CP_EVENT_UPDATED, "meter", T0);
  }
  push(f, 0, CP_EVENT_SECURITY, "dropable", T0);
  assert_int_equal(cp_journal_length(f->j), 501);
  for (int i = 0; i < CP_JOURNAL_SECURITY_MAX; i++) push(f, 0, CP_EVENT_SECURITY, "newer", T0);
  /* the first non-critical one went, nothing else */
  assert_int_equal(cp_journal_length(f->j), 500 + CP_JOURNAL_SECURITY_MAX);
  for (int i = 0; i < 250; i++) {
    deliver(f, T0, CP_EVENT_SECURITY_CRITICAL, 0, "critical");
    deliver(f, T0, CP_EVENT_UPDATED, 5, "meter");
  }
  for (int i = 0; i < CP_JOURNAL_SECURITY_MAX; i++) deliver(f, T0, CP_EVENT_SECURITY, 0, "newer");
  assert_true(none_due(f, T0));
}

/* The other messages of a dialect (CP_EVENT_MESSAGE: 2.0.1
 * FirmwareStatusNotification, LogStatusNotification, NotifyEvent) keep their
 * place in the one queue, survive a reopen and are never dropped in a flood
 * of security events. */
static void test_messages_in_order(void **state) {
  fx *f = *state;
  push(f, 0, CP_EVENT_MESSAGE, "downloading", T0);
  push(f, 1, CP_EVENT_STARTED, "start", T0);
  for (int i = 0; i < CP_JOURNAL_SECURITY_MAX + 20; i++) {
    push(f, 0, CP_EVENT_SECURITY, "login failed", T0);
    if (i == 10) push(f, 0, CP_EVENT_MESSAGE, "downloaded", T0);
  }
  push(f, 0, CP_EVENT_MESSAGE, "installed", T0);
  assert_int_equal(cp_journal_length(f->j), 4 + CP_JOURNAL_SECURITY_MAX);
  j_close(f);
  j_open(f);
  deliver(f, T0, CP_EVENT_MESSAGE, 0, "downloading");
  deliver(f, T0, CP_EVENT_STARTED, 1, "start");
  deliver(f, T0, CP_EVENT_MESSAGE, 0, "downloaded");
  for (int i = 0; i < CP_JOURNAL_SECURITY_MAX; i++) deliver(f, T0, CP_EVENT_SECURITY, 0, NULL);
  deliver(f, T0, CP_EVENT_MESSAGE, 0, "installed");
  assert_true(none_due(f, T0));
}

/* OCPP 2.0.1 GetTransactionStatus: the transaction events queued of one
 * session or of all (neither a security event, another message nor an idle
 * meter value of session 0 counts), and the session of a back end's id. */
static void test_tx_queued(void **state) {
  fx *f = *state;
  assert_int_equal(cp_journal_tx_queued(f->j, 0), 0);
  push(f, 0, CP_EVENT_SECURITY_CRITICAL, "startup", T0);
  push(f, 0, CP_EVENT_MESSAGE, "downloading", T0);
  push(f, 0, CP_EVENT_UPDATED, "idle meter values", T0);
  assert_int_equal(cp_journal_tx_queued(f->j, 0), 0);
  push(f, 3, CP_EVENT_STARTED, "start 3", T0);
  push(f, 4, CP_EVENT_STARTED, "start 4", T0);
  push(f, 3, CP_EVENT_ENDED, "stop 3", T0);
  assert_int_equal(cp_journal_tx_queued(f->j, 0), 3);
  assert_int_equal(cp_journal_tx_queued(f->j, 3), 2);
  assert_int_equal(cp_journal_tx_queued(f->j, 4), 1);
  assert_int_equal(cp_journal_tx_queued(f->j, 5), 0);
  for (int i = 0; i < 3; i++)
    deliver(f, T0,
            i == 0   ? CP_EVENT_SECURITY_CRITICAL
            : i == 1 ? CP_EVENT_MESSAGE
                     : CP_EVENT_UPDATED,
            0, NULL);
  cp_journal_entry e = head(f, T0, CP_EVENT_STARTED, 3);
  free(e.payload);
  assert_int_equal(cp_journal_sent_start(f->j, e.id, 3, "3-19b8a1c2d00"), 0);
  assert_int_equal(cp_journal_tx_queued(f->j, 3), 1);
  assert_int_equal(cp_journal_session_of(f->j, "3-19b8a1c2d00"), 3);
  assert_int_equal(cp_journal_session_of(f->j, "nope"), 0);
  assert_int_equal(cp_journal_session_of(f->j, ""), 0);
  assert_int_equal(cp_journal_session_of(f->j, NULL), 0);
  e = head(f, T0, CP_EVENT_STARTED, 4);
  free(e.payload);
  assert_int_equal(cp_journal_sent_start(f->j, e.id, 4, "1000"), 0); /* a 1.6 id */
  assert_int_equal(cp_journal_session_of(f->j, "1000"), 4);
}

/* A session's queued messages, in order, said again in place: the queue
 * keeps their places (the other sessions' messages between them too). */
static void test_rewrite_session(void **state) {
  fx *f = *state;
  push(f, 7, CP_EVENT_STARTED, "s7", T0);
  push(f, 8, CP_EVENT_STARTED, "s8", T0);
  push(f, 0, CP_EVENT_SECURITY, "sec", T0);
  push(f, 7, CP_EVENT_UPDATED, "u7", T0);
  cp_journal_entry *list = NULL;
  int n = cp_journal_of_session(f->j, 7, &list);
  assert_int_equal(n, 2);
  assert_string_equal(list[0].payload, "s7");
  assert_int_equal(list[0].kind, CP_EVENT_STARTED);
  assert_string_equal(list[1].payload, "u7");
  assert_int_equal(list[1].kind, CP_EVENT_UPDATED);
  assert_true(list[0].id < list[1].id);
  assert_int_equal(cp_journal_rewrite(f->j, list[0].id, "S7"), 0);
  assert_int_equal(cp_journal_rewrite(f->j, list[1].id, "U7"), 0);
  assert_int_equal(cp_journal_rewrite(f->j, list[1].id, NULL), -1);
  for (int i = 0; i < n; i++) free(list[i].payload);
  free(list);
  assert_int_equal(cp_journal_of_session(f->j, 99, &list), 0);
  free(list);
  deliver(f, T0, CP_EVENT_STARTED, 7, "S7");
  deliver(f, T0, CP_EVENT_STARTED, 8, "s8");
  deliver(f, T0, CP_EVENT_SECURITY, 0, "sec");
  deliver(f, T0, CP_EVENT_UPDATED, 7, "U7");
  assert_true(none_due(f, T0));
}

/* The critical security events are the spec's (1.6 security whitepaper
 * edition 2 and 2.0.1 part 2 appendix: 7 of its 18 types); borne's own
 * TamperAlarmAcknowledged is not one of them (journal.c says why). */
static void test_critical_list(void **state) {
  (void)state;
  const char *critical[] = {
      "FirmwareUpdated",       "SettingSystemTime", "StartupOfTheDevice",      "ResetOrReboot",
      "SecurityLogWasCleared", "MemoryExhaustion",  "TamperDetectionActivated"};
  const char *other[] = {"FailedToAuthenticateAtCsms",
                         "CsmsFailedToAuthenticate",
                         "ReconfigurationOfSecurityParameters",
                         "InvalidMessages",
                         "AttemptedReplayAttacks",
                         "InvalidFirmwareSignature",
                         "InvalidFirmwareSigningCertificate",
                         "InvalidCsmsCertificate",
                         "InvalidChargingStationCertificate",
                         "InvalidChargePointCertificate",
                         "InvalidTLSVersion",
                         "InvalidTLSCipherSuite",
                         "TamperAlarmAcknowledged",
                         "tamperdetectionactivated",
                         ""};
  for (size_t i = 0; i < sizeof critical / sizeof *critical; i++)
    assert_int_equal(cp_security_event_kind(critical[i]), CP_EVENT_SECURITY_CRITICAL);
  for (size_t i = 0; i < sizeof other / sizeof *other; i++)
    assert_int_equal(cp_security_event_kind(other[i]), CP_EVENT_SECURITY);
  assert_int_equal(cp_security_event_kind(NULL), CP_EVENT_SECURITY);
}

/* A row the journal cannot read (a hand-edited file) does not block the
 * queue: it is dropped and the next message comes. */
static void test_unreadable_row_dropped(void **state) {
  fx *f = *state;
  push(f, 1, CP_EVENT_STARTED, "first", T0);
  push(f, 1, CP_EVENT_ENDED, "second", T0);
  sqlite3 *db = store_sqlite(f->db);
  assert_int_equal(sqlite3_exec(db,
                                "UPDATE ocpp16_queue SET action = 'Bogus' WHERE id ="
                                " (SELECT min(id) FROM ocpp16_queue)",
                                NULL, NULL, NULL),
                   SQLITE_OK);
  deliver(f, T0, CP_EVENT_ENDED, 1, "second");
  assert_int_equal(cp_journal_length(f->j), 0);
}

/* ---------------- migration from the OCPP 1.6 back end's queue ---------------- */

static void test_migrates_ocpp16_queue(void **state) {
  fx *f = *state;
  j_close(f);
  /* a fresh file at version 1, filled as the 1.6 back end did */
  unlink(f->tmp->path);
  char err[256];
  assert_int_equal(store_open(&f->db, f->tmp->path, err, sizeof err), 0);
  int steps = 0;
  const char *const *schema = cp_sql_schema(&steps);
  assert_true(steps >= 2);
  assert_int_equal(store_module_migrate(f->db, "ocpp16", schema, 1), 0);
  assert_int_equal(store_module_version(f->db, "ocpp16"), 1);
  sqlite3 *db = store_sqlite(f->db);
  static const char *const rows[][3] = {
      {"0", "SecurityEventNotification", "{\"type\":\"StartupOfTheDevice\",\"timestamp\":\"x\"}"},
      {"21", "StartTransaction", "{\"connectorId\":1,\"idTag\":\"AA\",\"meterStart\":0}"},
      {"0", "SecurityEventNotification", "{\"type\":\"InvalidFirmwareSignature\"}"},
      {"21", "MeterValues", "{\"connectorId\":1,\"transactionId\":-21,\"meterValue\":[]}"},
      {"0", "SecurityEventNotification", "{\"type\":\"TamperDetectionActivated\"}"},
      {"21", "StopTransaction", "{\"transactionId\":-21,\"meterStop\":5}"},
  };
  for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
    char *sql = sqlite3_mprintf("INSERT INTO ocpp16_queue(session_id, action, payload, attempts,"
                                " due_ms, created_ms) VALUES(%s, %Q, %Q, %d, %lld, %lld)",
                                rows[i][0], rows[i][1], rows[i][2], i == 1 ? 2 : 0, (long long)T0,
                                (long long)T0);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_free(sql);
  }
  assert_int_equal(sqlite3_exec(db, "INSERT INTO ocpp16_tx(session_id, tx_id) VALUES(20, 555)",
                                NULL, NULL, NULL),
                   SQLITE_OK);
  store_close(f->db);
  f->db = NULL;
  /* the new code opens it */
  j_open(f);
  assert_int_equal(store_module_version(f->db, "ocpp16"), steps);
  assert_int_equal(cp_journal_length(f->j), 6);
  /* the 1.6 back end's integer transaction id reads back as its decimal text */
  assert_string_equal(tx(f, 20), "555");
  /* a flood now drops only the non-critical event of before */
  for (int i = 0; i < CP_JOURNAL_SECURITY_MAX; i++) push(f, 0, CP_EVENT_SECURITY, "new", T0);
  assert_int_equal(cp_journal_length(f->j), 5 + CP_JOURNAL_SECURITY_MAX);
  deliver(f, T0, CP_EVENT_SECURITY_CRITICAL, 0, rows[0][2]);
  cp_journal_entry e = head(f, T0, CP_EVENT_STARTED, 21);
  assert_string_equal(e.payload, rows[1][2]);
  assert_int_equal(e.attempts, 2); /* its attempts kept */
  free(e.payload);
  assert_int_equal(cp_journal_sent_start(f->j, e.id, 21, "9001"), 0);
  deliver(f, T0, CP_EVENT_UPDATED, 21, rows[3][2]);
  deliver(f, T0, CP_EVENT_SECURITY_CRITICAL, 0, rows[4][2]);
  deliver(f, T0, CP_EVENT_ENDED, 21, rows[5][2]);
  assert_string_equal(tx(f, 21), "9001");
  for (int i = 0; i < CP_JOURNAL_SECURITY_MAX; i++) deliver(f, T0, CP_EVENT_SECURITY, 0, "new");
  assert_int_equal(cp_journal_length(f->j), 0);
  /* opened again: nothing migrated twice */
  reopen(f);
  assert_int_equal(store_module_version(f->db, "ocpp16"), steps);
}

/* OCPP 2.0.1 seqNo (cp_journal_next_seq): 0, 1, 2... per session, kept across
 * a restart, and taken in the same commit as the event that carries it. */
static void test_seq_no(void **state) {
  fx *f = *state;
  assert_int_equal(cp_journal_next_seq(f->j, 1), 0);
  assert_int_equal(cp_journal_next_seq(f->j, 1), 1);
  assert_int_equal(cp_journal_next_seq(f->j, 2), 0); /* each session its own */
  reopen(f);
  assert_int_equal(cp_journal_next_seq(f->j, 1), 2);
  /* taken with its event in one commit */
  assert_int_equal(store_batch_begin(f->db), 0);
  assert_int_equal(cp_journal_next_seq(f->j, 1), 3);
  assert_int_equal(cp_journal_push(f->j, 1, CP_EVENT_UPDATED, "{\"seqNo\":3}", T0), 0);
  assert_int_equal(store_batch_end(f->db), 0);
  reopen(f);
  assert_int_equal(cp_journal_next_seq(f->j, 1), 4);
  assert_int_equal(cp_journal_length(f->j), 1);
  /* old sessions are forgotten, the recent ones are not */
  assert_int_equal(cp_journal_next_seq(f->j, 5000), 0);
  assert_int_equal(cp_journal_next_seq(f->j, 1), 0);
  assert_int_equal(cp_journal_next_seq(f->j, 5000), 1);
}

/* A transaction begun before its session (OCPP 2.0.1 TxStartPoint
 * EVConnected) under a key below 0: the session adopts it in one commit (its
 * queued events and its seqNo), in queue order with the rest; a newer
 * session's pruning leaves such keys alone; one that ended unadopted is
 * forgotten. */
static void test_adopt_early_key(void **state) {
  fx *f = *state;
  const int64_t key = -(int64_t)12345;
  assert_int_equal(store_batch_begin(f->db), 0);
  assert_int_equal(cp_journal_next_seq(f->j, key), 0);
  push(f, key, CP_EVENT_STARTED, "plug", T0);
  assert_int_equal(store_batch_end(f->db), 0);
  push(f, 0, CP_EVENT_SECURITY, "between", T0);
  /* another session far ahead prunes old positive sessions, not the key */
  assert_int_equal(cp_journal_next_seq(f->j, 9000), 0);
  reopen(f); /* a kill -9 while the car waits for its badge */
  assert_int_equal(cp_journal_peek_seq(f->j, key), 1);
  /* the badge: session 42 adopts it, in the session's batch */
  assert_int_equal(store_batch_begin(f->db), 0);
  assert_int_equal(cp_journal_adopt(f->j, key, 42), 0);
  assert_int_equal(cp_journal_next_seq(f->j, 42), 1); /* no gap, no repeat */
  push(f, 42, CP_EVENT_UPDATED, "badge", T0);
  assert_int_equal(store_batch_end(f->db), 0);
  reopen(f);
  assert_int_equal(cp_journal_peek_seq(f->j, key), 0);
  assert_int_equal(cp_journal_next_seq(f->j, 42), 2);
  assert_int_equal(cp_journal_tx_queued(f->j, 42), 2);
  deliver(f, T0, CP_EVENT_STARTED, 42, "plug");
  deliver(f, T0, CP_EVENT_SECURITY, 0, "between");
  deliver(f, T0, CP_EVENT_UPDATED, 42, "badge");
  /* one that ends before any session: its counter dropped */
  assert_int_equal(cp_journal_next_seq(f->j, -7), 0);
  assert_int_equal(cp_journal_next_seq(f->j, -7), 1);
  cp_journal_forget_key(f->j, -7);
  assert_int_equal(cp_journal_peek_seq(f->j, -7), 0);
  /* bad keys */
  assert_int_equal(cp_journal_adopt(f->j, 5, 42), -1);
  assert_int_equal(cp_journal_adopt(f->j, -5, 0), -1);
}

/* A message the dialect spoken cannot say is set aside (parked), not
 * dropped: out of the queue (the rest goes on), kept across a restart, and
 * back in its own place — before what was queued after it — when the
 * dialect that can say it is spoken again. */
static void test_park_and_unpark(void **state) {
  fx *f = *state;
  const int64_t key = -(int64_t)777;
  push(f, key, CP_EVENT_ENDED, "ended under a key", T0);
  push(f, 5, CP_EVENT_STARTED, "1.6 start", T0 + 1);
  assert_int_equal(cp_journal_parked(f->j), 0);
  assert_int_equal(cp_journal_unpark(f->j), 0);
  cp_journal_entry e = head(f, T0 + 10, CP_EVENT_ENDED, key);
  assert_int_equal(cp_journal_park(f->j, e.id), 0);
  free(e.payload);
  assert_int_equal(cp_journal_parked(f->j), 1);
  assert_int_equal(cp_journal_length(f->j), 1);
  deliver(f, T0 + 10, CP_EVENT_STARTED, 5, "1.6 start");
  push(f, 5, CP_EVENT_ENDED, "1.6 stop", T0 + 20);
  assert_int_equal(cp_journal_length(f->j), 1);
  reopen(f); /* a restart under the other dialect */
  assert_int_equal(cp_journal_parked(f->j), 1);
  assert_int_equal(cp_journal_unpark(f->j), 1);
  assert_int_equal(cp_journal_parked(f->j), 0);
  assert_int_equal(cp_journal_length(f->j), 2);
  deliver(f, T0 + 30, CP_EVENT_ENDED, key, "ended under a key"); /* its place: first */
  deliver(f, T0 + 30, CP_EVENT_ENDED, 5, "1.6 stop");
  assert_true(none_due(f, T0 + 30));
  /* new messages after it never take its id */
  push(f, 6, CP_EVENT_STARTED, "later", T0 + 40);
  e = head(f, T0 + 40, CP_EVENT_STARTED, 6);
  assert_int_equal(cp_journal_park(f->j, e.id), 0);
  free(e.payload);
  push(f, 6, CP_EVENT_ENDED, "later still", T0 + 41);
  assert_int_equal(cp_journal_unpark(f->j), 1);
  deliver(f, T0 + 50, CP_EVENT_STARTED, 6, "later");
  deliver(f, T0 + 50, CP_EVENT_ENDED, 6, "later still");
}

/* The back end is back: a retry delay, or a due time from a clock that has
 * since gone back, no longer holds the queue. */
static void test_due_now(void **state) {
  fx *f = *state;
  assert_int_equal(cp_journal_push(f->j, 1, CP_EVENT_STARTED, "a", T0 + H(10)), 0);
  cp_journal_entry e;
  assert_int_equal(cp_journal_peek(f->j, T0, &e), -1); /* due in ten hours */
  cp_journal_due_now(f->j, T0);
  assert_int_equal(cp_journal_peek(f->j, T0, &e), 0);
  assert_string_equal(e.payload, "a");
  free(e.payload);
  assert_int_equal(cp_journal_next_due(f->j), T0);
}

/* How many of this process's descriptors are open on `path`. */
static int fds_on(const char *path) {
  char real[4096];
  if (!realpath(path, real)) return 0;
  DIR *d = opendir("/proc/self/fd");
  if (!d) return -1;
  int n = 0;
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    char link[300], to[4096];
    snprintf(link, sizeof link, "/proc/self/fd/%s", de->d_name);
    ssize_t len = readlink(link, to, sizeof to - 1);
    if (len <= 0) continue;
    to[len] = '\0';
    if (strcmp(to, real) == 0) n++;
  }
  closedir(d);
  return n;
}

/* borne-swarm's idle station (issue 18, the minute mark): its lean store
 * closed between uses, a queue known to be empty (counted since its last
 * write) is neither peeked nor asked for its due time from the file — the
 * tick of every station at the mark opened every closed database for that —
 * while a queue with a write since its count is read (the file opened again)
 * and a push still lands on disk. */
static void test_known_empty_queue_reads_nothing(void **state) {
  fx *f = *state;
  j_close(f);
  char err[256];
  if (store_open_lean(&f->db, f->tmp->path, err, sizeof err) != 0)
    fail_msg("store_open_lean: %s", err);
  f->j = cp_journal_open(f->db, err, sizeof err);
  assert_non_null(f->j);
  store_set_idle_close_ms(f->db, 0);
  push(f, 1, CP_EVENT_STARTED, "start 1", T0);
  cp_journal_entry e = head(f, T0, CP_EVENT_STARTED, 1);
  cp_journal_sent(f->j, e.id);
  free(e.payload);
  assert_int_equal(cp_journal_length(f->j), 0); /* counted: known empty */
  store_release_cache(f->db);
  assert_int_equal(fds_on(f->tmp->path), 0); /* closed while idle */
  assert_int_equal(cp_journal_peek(f->j, T0 + H(1), &e), -1);
  assert_int_equal(cp_journal_next_due(f->j), CP_NEVER);
  assert_int_equal(cp_journal_length(f->j), 0);
  assert_int_equal(fds_on(f->tmp->path), 0); /* none of them opened it */

  /* a write: the count is gone, the queue is read from the file again */
  push(f, 2, CP_EVENT_STARTED, "start 2", T0);
  assert_int_equal(fds_on(f->tmp->path), 1);
  store_release_cache(f->db);
  assert_int_equal(fds_on(f->tmp->path), 0);
  assert_int_equal(cp_journal_next_due(f->j), T0);
  assert_int_equal(fds_on(f->tmp->path), 1);
  store_release_cache(f->db);
  e = head(f, T0, CP_EVENT_STARTED, 2); /* opened again, the row there */
  assert_string_equal(e.payload, "start 2");
  free(e.payload);
}

/* MemoryExhaustion: a push SQLite refuses for want of room (SQLITE_FULL:
 * here the database's size limit, max_page_count, as a full disk would) marks
 * the journal exhausted with the cause, once per episode until reported; a
 * push refused for another reason does not; with room again (a message sent
 * and removed) the next push is taken and counted (cp_journal_pushed). */
static void test_full_disk_marks_the_journal_exhausted(void **state) {
  fx *f = *state;
  assert_null(cp_journal_exhausted(f->j));
  assert_int_equal(cp_journal_push(f->j, 0, (cp_event_kind)99, "{}", T0), -1); /* bad kind */
  assert_null(cp_journal_exhausted(f->j));
  char *big = malloc(3000);
  assert_non_null(big);
  memset(big, 'x', 2999);
  big[2999] = '\0';
  sqlite3 *db = store_sqlite(f->db);
  sqlite3_stmt *q;
  assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA page_count", -1, &q, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_step(q), SQLITE_ROW);
  int pages = sqlite3_column_int(q, 0);
  sqlite3_finalize(q);
  char pragma[64];
  snprintf(pragma, sizeof pragma, "PRAGMA max_page_count = %d", pages + 8);
  assert_int_equal(sqlite3_exec(db, pragma, NULL, NULL, NULL), SQLITE_OK);
  uint64_t before = cp_journal_pushed(f->j);
  int taken = 0;
  while (taken < 1000 && cp_journal_push(f->j, 7, CP_EVENT_UPDATED, big, T0) == 0) taken++;
  assert_true(taken > 0 && taken < 1000);
  assert_true(cp_journal_pushed(f->j) == before + (uint64_t)taken);
  const char *why = cp_journal_exhausted(f->j);
  assert_non_null(why);
  assert_non_null(strstr(why, "full"));
  /* the first cause is kept; reported, it is clear until the next refusal */
  cp_journal_note_exhausted(f->j, "another");
  assert_non_null(strstr(cp_journal_exhausted(f->j), "full"));
  cp_journal_exhaustion_reported(f->j);
  assert_null(cp_journal_exhausted(f->j));
  /* the same episode (nothing left the queue): refused, not told again */
  assert_int_equal(cp_journal_push(f->j, 7, CP_EVENT_UPDATED, big, T0), -1);
  assert_null(cp_journal_exhausted(f->j));
  /* room again: the oldest message sent and removed, a small one is taken */
  cp_journal_entry e;
  assert_int_equal(cp_journal_peek(f->j, T0, &e), 0);
  free(e.payload);
  cp_journal_sent(f->j, e.id);
  assert_int_equal(
      cp_journal_push(f->j, 0, CP_EVENT_SECURITY_CRITICAL, "{\"type\":\"MemoryExhaustion\"}", T0),
      0);
  assert_null(cp_journal_exhausted(f->j));
  /* a new episode: the next refusal is told */
  while (cp_journal_push(f->j, 7, CP_EVENT_UPDATED, big, T0) == 0) {
  }
  assert_non_null(cp_journal_exhausted(f->j));
  free(big);
}

/* Which queued events may go to make room: the periodic readings only. */
static void test_thinnable(void **state) {
  (void)state;
  /* OCPP 1.6 MeterValues of a transaction, 2.0.1 MeterValues of an idle EVSE */
  assert_true(cp_journal_thinnable(CP_EVENT_UPDATED, "{\"connectorId\":1,\"transactionId\":7,"
                                                     "\"meterValue\":[]}"));
  assert_true(cp_journal_thinnable(CP_EVENT_UPDATED, "{\"evseId\":1,\"meterValue\":[]}"));
  /* 2.0.1 TransactionEvent Updated: periodic and clock-aligned readings */
  assert_true(cp_journal_thinnable(
      CP_EVENT_UPDATED, "{\"eventType\":\"Updated\",\"triggerReason\":\"MeterValuePeriodic\"}"));
  assert_true(cp_journal_thinnable(
      CP_EVENT_UPDATED, "{\"eventType\":\"Updated\",\"triggerReason\":\"MeterValueClock\"}"));
  /* an Updated that says something else, and every other kind: never */
  assert_false(cp_journal_thinnable(
      CP_EVENT_UPDATED, "{\"eventType\":\"Updated\",\"triggerReason\":\"ChargingStateChanged\"}"));
  assert_false(cp_journal_thinnable(
      CP_EVENT_UPDATED, "{\"eventType\":\"Updated\",\"triggerReason\":\"MeterValuePeriodicX\"}"));
  assert_false(cp_journal_thinnable(
      CP_EVENT_UPDATED, "{\"eventType\":\"Updated\",\"triggerReason\":\"StopAuthorized\"}"));
  assert_false(cp_journal_thinnable(CP_EVENT_STARTED, "{\"meterValue\":[]}"));
  assert_false(cp_journal_thinnable(CP_EVENT_ENDED, "{\"meterValue\":[]}"));
  assert_false(cp_journal_thinnable(CP_EVENT_SECURITY_CRITICAL, "{}"));
  assert_false(cp_journal_thinnable(CP_EVENT_MESSAGE, "{}"));
  assert_false(cp_journal_thinnable(CP_EVENT_UPDATED, NULL));
}

/* Under the database's bound (store.max_size_mb) with no history left to
 * give: periodic readings are refused while a reserve is still free, and a
 * transaction's end makes its room by dropping three of every four queued
 * readings (the first of each four kept, in order), never a start, an end or
 * another Updated; the journal is then exhausted (MemoryExhaustion). */
static void test_a_full_queue_thins_its_readings_for_an_end(void **state) {
  fx *f = *state;
  int64_t pages = 0;
  {
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(store_sqlite(f->db), "PRAGMA page_count", -1, &q, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    pages = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
  }
  assert_int_equal(store_set_max_size(f->db, (pages + 80) * 4096), 0);
  char reading[1500];
  int n = snprintf(reading, sizeof reading, "{\"connectorId\":1,\"transactionId\":7,\"v\":\"");
  memset(reading + n, 'r', sizeof reading - (size_t)n - 3);
  memcpy(reading + sizeof reading - 3, "\"}", 3);
  assert_int_equal(cp_journal_push(f->j, 7, CP_EVENT_STARTED, "{\"start\":1}", T0), 0);
  assert_int_equal(cp_journal_push(f->j, 7, CP_EVENT_UPDATED,
                                   "{\"triggerReason\":\"ChargingStateChanged\"}", T0),
                   0);
  int taken = 0;
  while (taken < 10000 && cp_journal_push(f->j, 7, CP_EVENT_UPDATED, reading, T0) == 0) taken++;
  assert_true(taken > 8 && taken < 10000);
  assert_non_null(cp_journal_exhausted(f->j));                 /* the reading refused */
  assert_true(store_room_pages(f->db) >= STORE_RESERVE_PAGES); /* a reserve left */
  cp_journal_exhaustion_reported(f->j);
  int64_t before = cp_journal_length(f->j);
  /* the end: taken from the reserve, or by thinning; a large one thins */
  static char end[200000];
  n = snprintf(end, sizeof end, "{\"stop\":\"");
  memset(end + n, 'e', sizeof end - (size_t)n - 3);
  memcpy(end + sizeof end - 3, "\"}", 3);
  /* a security event that may be dropped, or another message, costs no reading */
  assert_int_equal(cp_journal_push(f->j, 0, CP_EVENT_SECURITY, end, T0), -1);
  assert_int_equal(cp_journal_push(f->j, 0, CP_EVENT_MESSAGE, end, T0), -1);
  assert_int_equal(cp_journal_length(f->j), before);
  /* inside a store batch, as the station queues a stop: room is made before
   * the writes, so no SQLITE_FULL rolls the batch back */
  assert_int_equal(store_batch_begin(f->db), 0);
  assert_int_equal(store_event_add(f->db, T0, 1, "session_stop", "x", NULL), 0);
  assert_int_equal(cp_journal_push(f->j, 7, CP_EVENT_ENDED, end, T0), 0);
  assert_int_equal(store_batch_end(f->db), 0);
  int64_t after = cp_journal_length(f->j);
  assert_true(after < before); /* readings went */
  cp_journal_entry *es = NULL;
  int count = cp_journal_of_session(f->j, 7, &es);
  assert_int_equal(count, after);
  assert_int_equal(es[0].kind, CP_EVENT_STARTED);
  assert_int_equal(es[1].kind, CP_EVENT_UPDATED);
  assert_non_null(strstr(es[1].payload, "ChargingStateChanged")); /* not a reading: kept */
  assert_int_equal(es[count - 1].kind, CP_EVENT_ENDED);
  int readings = 0;
  for (int i = 0; i < count; i++) {
    if (i > 0) assert_true(es[i].id > es[i - 1].id);
    readings += es[i].kind == CP_EVENT_UPDATED && cp_journal_thinnable(es[i].kind, es[i].payload);
    free(es[i].payload);
  }
  free(es);
  assert_true(readings >= 1 && readings <= (taken + 3) / 4); /* one in four or fewer */
  assert_true(store_events_last_id(f->db) > 0); /* the batch's event committed with the end */
  /* the same episode (told, nothing left the queue): not told again */
  assert_null(cp_journal_exhausted(f->j));
}

int main(void) {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
  const struct CMUnitTest tests[] = {
      T(test_fifo),
      T(test_payload_opaque),
      T(test_no_overtaking),
      T(test_survives_reopen),
      T(test_sent_start),
      T(test_sent_start_in_a_batch),
      T(test_length_kept_until_a_write),
      T(test_offline_session_stop),
      T(test_tx_map_bounded),
      T(test_failed_attempts),
      T(test_failed_unanswered),
      T(test_single_attempt),
      T(test_policy_floor),
      T(test_security_flood_is_bounded),
      T(test_never_dropped),
      T(test_critical_list),
      T(test_rewrite_session),
      T(test_unreadable_row_dropped),
      T(test_migrates_ocpp16_queue),
      T(test_seq_no),
      T(test_adopt_early_key),
      T(test_park_and_unpark),
      T(test_due_now),
      T(test_messages_in_order),
      T(test_tx_queued),
      T(test_known_empty_queue_reads_nothing),
      T(test_next_due_kept_until_a_write),
      T(test_sole_entry_delivered_leaves_queue_known_empty),
      T(test_full_disk_marks_the_journal_exhausted),
      T(test_thinnable),
      T(test_a_full_queue_thins_its_readings_for_an_end),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
