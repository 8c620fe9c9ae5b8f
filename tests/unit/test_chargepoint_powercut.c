/*
 * Power loss, not only kill -9: the station's write pattern (sessions, meter
 * samples and progress, events, the charge point's transaction journal
 * (src/chargepoint/journal.c) being filled and confirmed, a transaction
 * start's confirmation recording the back end's transaction id) runs over the power-cut VFS
 * (powercut_vfs.h), which loses every write not yet synced at a random cut point: during
 * store_open's migrations of a fresh file, mid-transaction, inside a checkpoint, at close. Then
 * power comes back and the database is opened again: it opens every time, passes integrity_check,
 * holds every session start, progress, stop and meter sample the store reported done (a call that
 * returned 0), counts nothing twice (no duplicate session, energy ranges do not overlap), the
 * journal holds exactly the messages pushed and not confirmed, in order, and the transaction id of
 * every confirmed start (the removal of the start and its id are one commit: both or neither). A
 * call cut in flight may or may not have happened, never half.
 *
 * With `synchronous=NORMAL` instead of FULL in store.c (WAL commits are not
 * synced) this test fails: a commit reported done is lost at the cut.
 *
 * Cut points: 20 (make test), 1 000 with BORNE_SOAK=1 (make soak),
 * BORNE_POWERCUTS=N for any other count; read at run time. The seed is
 * printed; BORNE_SEED=S replays a run.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <sqlite3.h>

#include "chargepoint/journal.h"
#include "powercut_vfs.h"
#include "test_tmpdir.h"
#include "store/store.h"
#include "util/log.h"

#define SESSIONS 6
#define STEPS 4
#define T0 1795424400000LL

typedef enum {
  OP_NONE,
  OP_BEGIN,
  OP_PROGRESS,
  OP_END,
  OP_SAMPLE,
  OP_PUSH,
  OP_SENT,
  OP_SENT_RESEND, /* a confirmation without a sync of its own (cp_journal_sent_resendable) */
  OP_EVENT
} op;

typedef struct {
  int64_t id;
  int connector;
  double start_wh, progress_wh, stop_wh;
  borne_ms stop_ms;
  bool ended;
} model_session;

typedef struct {
  op what;
  int session, connector;
  double wh;
  borne_ms at;
} flight;

/* What the store acknowledged, and the one call in flight at the cut. */
typedef struct {
  model_session s[SESSIONS];
  int begun;
  int samples[3];
  double last_sample[3];
  int pushed;                /* queue messages seq 0..pushed-1 were pushed */
  int sent;                  /* and seq 0..sent-1 confirmed */
  int sent_durable;          /* of them, 0..sent_durable-1 made durable by a synced commit */
  int64_t started[SESSIONS]; /* sessions whose start was confirmed (tx id "tx<session>") */
  int start_seq[SESSIONS];   /* the queue seq of each confirmed start */
  int starts;
  int starts_durable; /* of them, those a synced commit made durable */
  int events;         /* log-only events acknowledged (unsynced commits) */
  int events_synced;  /* of them, those a later synced commit made durable */
  flight inflight;
  char error[256]; /* a failure with the power on */
} model;

typedef struct {
  store *db;
  cp_journal *j;
} station_db;

static int open_db(station_db *d, const char *path, char *err, size_t errlen) {
  if (store_open(&d->db, path, err, errlen) != 0) return -1;
  d->j = cp_journal_open(d->db, err, errlen);
  return d->j ? 0 : -1;
}

static void close_db(station_db *d) {
  cp_journal_free(d->j);
  store_close(d->db);
  d->j = NULL;
  d->db = NULL;
}

/* After a call: 1 = go on, 0 = stop (power gone, or a failure recorded). */
static int settle(model *m, int rc, const char *what, store *db) {
  if (rc == 0) {
    /* every acknowledged write but an event's is a synced commit: it makes
     * the events before it durable (the WAL is synced up to its end) */
    if (m->inflight.what != OP_EVENT) {
      m->events_synced = m->events;
      m->sent_durable = m->sent;
      m->starts_durable = m->starts;
    }
    m->inflight.what = OP_NONE;
    return !powercut_dead();
  }
  if (!powercut_dead())
    snprintf(m->error, sizeof m->error, "%s failed with the power on: %s", what,
             db ? store_last_error(db) : "");
  return 0;
}

static int push(model *m, station_db *d, cp_event_kind kind, int64_t session) {
  char p[32];
  snprintf(p, sizeof p, "%d", m->pushed); /* the payload is the message's seq */
  m->inflight.what = OP_PUSH;
  int rc = cp_journal_push(d->j, session, kind, p, T0);
  if (rc == 0) m->pushed++;
  return settle(m, rc, "queue push", NULL);
}

/* The back end confirms the oldest message (a start with its transaction id);
 * every third confirmation is one a back end takes twice without harm
 * (OCPP 2.0.1), committed without a sync of its own. */
static int confirm(model *m, station_db *d) {
  cp_journal_entry q = {0};
  if (cp_journal_peek(d->j, INT64_MAX / 2, &q) != 0) return settle(m, -1, "queue peek", NULL);
  int seq = atoi(q.payload);
  free(q.payload);
  if (seq != m->sent) {
    snprintf(m->error, sizeof m->error, "queue head is %d, expected %d", seq, m->sent);
    return 0;
  }
  bool resend = m->sent % 3 == 2;
  m->inflight.what = resend ? OP_SENT_RESEND : OP_SENT;
  m->inflight.session = -1;
  if (q.kind == CP_EVENT_STARTED) {
    char tx[CP_TX_ID_MAX + 1];
    snprintf(tx, sizeof tx, "tx%lld", (long long)q.session_id);
    m->inflight.session = (int)q.session_id;
    int rc = resend ? cp_journal_sent_resendable(d->j, q.id, q.session_id, tx)
                    : cp_journal_sent_start(d->j, q.id, q.session_id, tx);
    if (rc != 0) return settle(m, -1, "sent start", d->db);
    m->start_seq[m->starts] = seq;
    m->started[m->starts++] = q.session_id;
  } else if (resend) {
    if (cp_journal_sent_resendable(d->j, q.id, 0, NULL) != 0)
      return settle(m, -1, "sent (resendable)", d->db);
  } else {
    cp_journal_sent(d->j, q.id); /* void: done unless the power went during it */
  }
  if (powercut_dead()) return 0;
  m->sent++;
  if (!resend) { /* a synced commit: what came before it is durable too */
    m->sent_durable = m->sent;
    m->starts_durable = m->starts;
    m->events_synced = m->events;
  }
  m->inflight.what = OP_NONE;
  return 1;
}

/* The station's write pattern; stops at the first call the cut reached. */
static void workload(model *m, station_db *d) {
  double energy[3] = {0, 1000, 50000};
  borne_ms t = T0;
  for (int i = 0; i < SESSIONS; i++) {
    int c = 1 + i % 2;
    model_session *s = &m->s[i];
    m->inflight.what = OP_BEGIN;
    m->inflight.connector = c;
    m->inflight.wh = energy[c];
    int64_t id;
    int rc = store_session_begin(d->db, c, "04A1B2", "Room 1", t++, energy[c], &id);
    if (rc == 0) {
      *s = (model_session){
          .id = id, .connector = c, .start_wh = energy[c], .progress_wh = energy[c]};
      m->begun++;
    }
    if (!settle(m, rc, "session begin", d->db) || !push(m, d, CP_EVENT_STARTED, id)) return;
    for (int k = 0; k < STEPS; k++) {
      energy[c] += 7.5;
      meter_reading r = {.at = t++, .energy_import_wh = energy[c], .frequency_hz = 50};
      m->inflight.what = OP_SAMPLE;
      m->inflight.connector = c;
      m->inflight.wh = energy[c];
      rc = store_meter_sample(d->db, c, &r);
      if (rc == 0) {
        m->samples[c]++;
        m->last_sample[c] = energy[c];
      }
      if (!settle(m, rc, "meter sample", d->db)) return;
      m->inflight.what = OP_PROGRESS;
      m->inflight.session = i;
      m->inflight.wh = energy[c];
      rc = store_session_progress(d->db, id, energy[c]);
      if (rc == 0) s->progress_wh = energy[c];
      if (!settle(m, rc, "session progress", d->db) || !push(m, d, CP_EVENT_UPDATED, id)) return;
      if (k == 1 || k == 3) { /* log-only rows, not synced on their own (issue 15) */
        for (int e = 0; e < k; e++) {
          char detail[16];
          snprintf(detail, sizeof detail, "e%d", m->events);
          m->inflight.what = OP_EVENT;
          rc = store_event_add_unsynced(d->db, t++, c, "status", detail, NULL);
          if (rc == 0) m->events++;
          if (!settle(m, rc, "event", d->db)) return;
        }
      }
    }
    m->inflight.what = OP_END;
    m->inflight.session = i;
    m->inflight.wh = energy[c];
    m->inflight.at = t;
    rc = store_session_end(d->db, id, t, energy[c], STOP_EV_DISCONNECTED);
    if (rc == 0) {
      s->ended = true;
      s->stop_wh = energy[c];
      s->stop_ms = t;
    }
    t++;
    if (!settle(m, rc, "session end", d->db) || !push(m, d, CP_EVENT_ENDED, id)) return;
    if (i % 2 == 1)
      for (int k = 0; k < 3; k++)
        if (!confirm(m, d)) return;
  }
}

static int pc_events_lost; /* runs where an unsynced event was lost: the cut can reach them */
static int pc_resent;      /* runs where a confirmed (resendable) message was back: the same */

static bool near(double a, double b) { return a - b < 1e-6 && b - a < 1e-6; }

/* Checks the reopened database against what was acknowledged; "" when it
 * agrees, else the first difference in `why`. */
static void check(const model *m, station_db *d, char *why, size_t len) {
  const flight *f = &m->inflight;
  sqlite3 *db = store_sqlite(d->db);
  sqlite3_stmt *st;
  why[0] = '\0';
#define BAD(...)                                                                                   \
  do {                                                                                             \
    snprintf(why, len, __VA_ARGS__);                                                               \
    sqlite3_finalize(st);                                                                          \
    return;                                                                                        \
  } while (0)
  sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL);
  if (sqlite3_step(st) != SQLITE_ROW || strcmp((const char *)sqlite3_column_text(st, 0), "ok"))
    BAD("integrity_check: %s", sqlite3_column_text(st, 0));
  sqlite3_finalize(st);

  /* sessions: every acknowledged one, as acknowledged; at most the one begun
   * in flight besides; energy ranges of a connector never overlap */
  sqlite3_prepare_v2(db,
                     "SELECT id, connector, stop_ms, meter_start_wh, meter_stop_wh FROM sessions"
                     " ORDER BY id",
                     -1, &st, NULL);
  int rows = 0;
  double last_stop[3] = {-1, -1, -1};
  while (sqlite3_step(st) == SQLITE_ROW) {
    int64_t id = sqlite3_column_int64(st, 0);
    int c = sqlite3_column_int(st, 1);
    borne_ms stop = sqlite3_column_int64(st, 2);
    double start = sqlite3_column_double(st, 3), now = sqlite3_column_double(st, 4);
    if (c < 1 || c > 2) BAD("session %lld on connector %d", (long long)id, c);
    if (start < last_stop[c] - 1e-6)
      BAD("connector %d: session %lld starts at %.1f Wh before the last one stopped at %.1f: "
          "counted twice",
          c, (long long)id, start, last_stop[c]);
    last_stop[c] = now;
    if (rows >= m->begun) {
      if (f->what != OP_BEGIN || rows > m->begun || c != f->connector || !near(start, f->wh) ||
          stop != 0)
        BAD("session %lld was never acknowledged", (long long)id);
      rows++;
      continue;
    }
    const model_session *s = &m->s[rows++];
    if (id != s->id || c != s->connector || !near(start, s->start_wh))
      BAD("session %lld is not the acknowledged %lld", (long long)id, (long long)s->id);
    bool end_in_flight = f->what == OP_END && &m->s[f->session] == s;
    bool progress_in_flight = f->what == OP_PROGRESS && &m->s[f->session] == s;
    if (s->ended) {
      if (stop != s->stop_ms || !near(now, s->stop_wh))
        BAD("session %lld: stop %lld at %.1f Wh, acknowledged %lld at %.1f", (long long)id,
            (long long)stop, now, (long long)s->stop_ms, s->stop_wh);
    } else if (stop != 0) {
      if (!end_in_flight || stop != f->at || !near(now, f->wh))
        BAD("session %lld stopped, never acknowledged", (long long)id);
    } else if (!near(now, s->progress_wh) && !((progress_in_flight || end_in_flight) &&
                                               near(now, f->wh) && now > s->progress_wh)) {
      BAD("session %lld at %.1f Wh, acknowledged %.1f: energy lost", (long long)id, now,
          s->progress_wh);
    }
  }
  sqlite3_finalize(st);
  st = NULL;
  if (rows < m->begun) BAD("%d sessions, %d acknowledged: a session was lost", rows, m->begun);

  /* meter samples: every acknowledged one; the last register is the last
   * acknowledged sample (or the one in flight) */
  for (int c = 1; c <= 2; c++) {
    char q[96];
    snprintf(q, sizeof q, "SELECT COUNT(*) FROM meter_samples WHERE connector = %d", c);
    sqlite3_prepare_v2(db, q, -1, &st, NULL);
    sqlite3_step(st);
    int n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    st = NULL;
    bool flying = f->what == OP_SAMPLE && f->connector == c;
    if (n != m->samples[c] && !(flying && n == m->samples[c] + 1))
      BAD("connector %d: %d samples, %d acknowledged", c, n, m->samples[c]);
    meter_reading r;
    if (store_meter_last(d->db, c, &r) != 0) {
      if (m->samples[c] > 0) BAD("connector %d: last register lost", c);
    } else if (!near(r.energy_import_wh, m->last_sample[c]) &&
               !(flying && near(r.energy_import_wh, f->wh))) {
      BAD("connector %d: register %.1f Wh, acknowledged %.1f", c, r.energy_import_wh,
          m->last_sample[c]);
    }
  }

  /* the journal: exactly seq sent..pushed-1 in order, give or take the
   * one push (at the end) or confirmation (at the head) in flight */
  int got[SESSIONS * (STEPS + 2) + 1], n = 0;
  cp_journal_entry q;
  const borne_ms far = INT64_MAX / 2;
  st = NULL;
  while (cp_journal_peek(d->j, far, &q) == 0) {
    if (n == (int)(sizeof got / sizeof got[0])) BAD("queue longer than all pushes");
    got[n++] = atoi(q.payload);
    free(q.payload);
    /* read on through the journal's own calls (the file is thrown away after) */
    cp_journal_sent(d->j, q.id);
  }
  /* the head: any of the confirmations not yet made durable may be back
   * (resendable ones, in order), the one in flight may have happened */
  bool confirming = f->what == OP_SENT || f->what == OP_SENT_RESEND;
  int to = m->pushed;
  if (f->what == OP_PUSH && n > 0 && got[n - 1] == to) to++; /* the push happened */
  int lo = m->sent_durable, hi = m->sent + (confirming ? 1 : 0);
  int from = n > 0 ? got[0] : to;
  if (from < lo || from > hi)
    BAD("queue starts at message %d, expected one of %d..%d: %s", from, lo, hi,
        from < lo ? "a message confirmed by a synced commit is back" : "a message was lost");
  if (from < m->sent) pc_resent++;
  if (n != to - from)
    BAD("queue holds %d messages, expected %d (messages %d..%d): %s", n, to - from, from, to - 1,
        n < to - from ? "a message was lost" : "a message is there twice or back");
  for (int i = 0; i < n; i++)
    if (got[i] != from + i)
      BAD("queue position %d holds message %d, expected %d", i, got[i], from + i);

  /* transaction ids: every durably confirmed start's; a start confirmed
   * without a sync has its id exactly when its message is gone (one commit:
   * both or neither), and so has the one in flight */
  for (int i = 0; i < m->starts; i++) {
    char tx[CP_TX_ID_MAX + 1], want[CP_TX_ID_MAX + 1];
    snprintf(want, sizeof want, "tx%lld", (long long)m->started[i]);
    bool has_id = cp_journal_tx_id(d->j, m->started[i], tx) && strcmp(tx, want) == 0;
    if (i < m->starts_durable && !has_id)
      BAD("session %lld: transaction id of its confirmed start lost", (long long)m->started[i]);
    bool back = m->start_seq[i] >= from;
    if (i >= m->starts_durable && has_id == back)
      BAD("session %lld: start %s but transaction id %s: half a commit", (long long)m->started[i],
          back ? "back in the queue" : "removed", has_id ? "recorded" : "missing");
  }
  if (confirming && f->session >= 0) {
    char tx[CP_TX_ID_MAX + 1];
    bool has_id = cp_journal_tx_id(d->j, f->session, tx);
    bool start_gone = from > m->sent;
    if (has_id != start_gone)
      BAD("session %d: start %s but transaction id %s: half a commit", f->session,
          start_gone ? "removed" : "still queued", has_id ? "recorded" : "missing");
  }

  /* events, written unsynced: the first k of them in order, each whole
   * (e0, e1, ...), where k is at least every one a later synced commit
   * covered (those are durable) and at most every one written (the others
   * may be lost, but never one without those before it) */
  sqlite3_prepare_v2(db, "SELECT kind, detail FROM events ORDER BY id", -1, &st, NULL);
  int ev = 0;
  while (sqlite3_step(st) == SQLITE_ROW) {
    char want[16];
    snprintf(want, sizeof want, "e%d", ev);
    if (strcmp((const char *)sqlite3_column_text(st, 0), "status") != 0 ||
        strcmp((const char *)sqlite3_column_text(st, 1), want) != 0)
      BAD("event %d is %s %s, expected status %s: out of order or torn", ev,
          sqlite3_column_text(st, 0), sqlite3_column_text(st, 1), want);
    ev++;
  }
  sqlite3_finalize(st);
  st = NULL;
  if (ev < m->events_synced)
    BAD("%d events, but %d were made durable by a later synced commit", ev, m->events_synced);
  if (ev > m->events && !(f->what == OP_EVENT && ev == m->events + 1))
    BAD("%d events, %d written", ev, m->events);
  if (ev < m->events) pc_events_lost++;
#undef BAD
}

static uint64_t splitmix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

/* One run: a fresh file, power cut at op `cut_at` (0: never), power back,
 * reopen and check. Returns the ops the run made before the cut (all of
 * them when there was none); `why` is "" when everything checked. */
static int64_t run_once(int64_t cut_at, uint64_t seed, bool *cut, char *why, size_t len) {
  char dir[64], path[128];
  assert_int_equal(test_tmpdir_make(dir, sizeof dir, "borne-powercut"), 0);
  snprintf(path, sizeof path, "%s/borne.db", dir);
  model m;
  memset(&m, 0, sizeof m);
  station_db d = {0};
  char err[256] = "";
  /* the journal logs each write that fails once the power is gone */
  fflush(stderr);
  int saved = dup(2), null = open("/dev/null", O_WRONLY);
  dup2(null, 2);
  powercut_arm(cut_at, seed);
  if (open_db(&d, path, err, sizeof err) == 0)
    workload(&m, &d);
  else if (!powercut_dead())
    snprintf(m.error, sizeof m.error, "open with the power on: %s", err);
  close_db(&d);
  int64_t ops = powercut_ops();
  *cut = powercut_dead();
  fflush(stderr);
  dup2(saved, 2);
  close(saved);
  close(null);
  powercut_reset();
  if (m.error[0]) {
    snprintf(why, len, "%s", m.error);
  } else if (open_db(&d, path, err, sizeof err) != 0) {
    snprintf(why, len, "the database does not open after the cut: %s", err);
  } else {
    check(&m, &d, why, len);
  }
  if (d.db) close_db(&d);
  test_tmpdir_remove(dir);
  return ops;
}

static int env_int(const char *name, int fallback) {
  const char *v = getenv(name);
  return v && v[0] ? atoi(v) : fallback;
}

static void nothing_acknowledged_is_lost_at_any_cut_point(void **state) {
  (void)state;
  log_set_level(LOG_ERROR);
  powercut_install();
  int cuts = env_int("BORNE_POWERCUTS", 0);
  if (cuts <= 0) cuts = env_int("BORNE_SOAK", 0) == 1 ? 1000 : 20;
  const char *sv = getenv("BORNE_SEED");
  uint64_t seed = sv && sv[0] ? strtoull(sv, NULL, 10) : (uint64_t)time(NULL) ^ (uint64_t)getpid();
  print_message("powercut: %d cut points, seed %llu (BORNE_SEED=%llu replays)\n", cuts,
                (unsigned long long)seed, (unsigned long long)seed);
  char why[512];
  bool cut;
  /* no cut: the whole run, and how many operations it makes */
  int64_t total = run_once(0, 1, &cut, why, sizeof why);
  if (why[0]) fail_msg("without a cut: %s", why);
  assert_false(cut);
  assert_true(total > 100);
  int landed = 0;
  for (int i = 0; i < cuts; i++) {
    uint64_t r = splitmix(seed + (uint64_t)i);
    int64_t at = 1 + (int64_t)(r % (uint64_t)total);
    run_once(at, splitmix(r), &cut, why, sizeof why);
    landed += cut;
    if (why[0])
      fail_msg("cut %d of %d at operation %lld of %lld (BORNE_SEED=%llu): %s", i + 1, cuts,
               (long long)at, (long long)total, (unsigned long long)seed, why);
  }
  print_message("powercut: %d cut points over %lld operations (%d landed, %d lost an unsynced "
                "event, %d sent a confirmed message again), seed %llu: nothing acknowledged "
                "lost\n",
                cuts, (long long)total, landed, pc_events_lost, pc_resent,
                (unsigned long long)seed);
  powercut_uninstall();
}

static int64_t count_rows(store *db, const char *q) {
  sqlite3_stmt *st;
  assert_int_equal(sqlite3_prepare_v2(store_sqlite(db), q, -1, &st, NULL), SQLITE_OK);
  int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
  sqlite3_finalize(st);
  return n;
}

/* One log-only event written unsynced after a synced session start; then,
 * with `synced_after`, a meter sample (a synced commit); then the power goes
 * at the next write. Returns 1 when the event is there after the cut, 0
 * when it is not; it is never there in part. */
static int event_after_cut(uint64_t seed, bool synced_after) {
  char dir[64], path[128], err[256];
  assert_int_equal(test_tmpdir_make(dir, sizeof dir, "borne-powercut-ev"), 0);
  snprintf(path, sizeof path, "%s/borne.db", dir);
  store *db;
  powercut_arm(0, seed);
  assert_int_equal(store_open(&db, path, err, sizeof err), 0);
  int64_t id;
  assert_int_equal(store_session_begin(db, 1, "04A1B2", "Room 1", T0, 100, &id), 0);
  assert_int_equal(store_event_add_unsynced(db, T0 + 1, 1, "status", "Charging", NULL), 0);
  if (synced_after) {
    meter_reading r = {.at = T0 + 2, .energy_import_wh = 107.5, .frequency_hz = 50};
    assert_int_equal(store_meter_sample(db, 1, &r), 0);
  }
  fflush(stderr);
  int saved = dup(2), null = open("/dev/null", O_WRONLY);
  dup2(null, 2);
  powercut_arm(1, seed); /* the lights go out at the next write */
  assert_int_not_equal(store_event_add(db, T0 + 3, 0, "setting", "after the cut", NULL), 0);
  assert_true(powercut_dead());
  store_close(db);
  fflush(stderr);
  dup2(saved, 2);
  close(saved);
  close(null);
  powercut_reset();
  assert_int_equal(store_open(&db, path, err, sizeof err), 0);
  assert_int_equal(count_rows(db, "SELECT COUNT(*) FROM sessions"), 1); /* synced: kept */
  if (synced_after) assert_int_equal(count_rows(db, "SELECT COUNT(*) FROM meter_samples"), 1);
  assert_int_equal(count_rows(db, "SELECT COUNT(*) FROM events WHERE kind = 'setting'"), 0);
  int64_t n = count_rows(db, "SELECT COUNT(*) FROM events");
  if (n == 1)
    assert_int_equal(count_rows(db,
                                "SELECT COUNT(*) FROM events WHERE kind = 'status' AND"
                                " detail = 'Charging' AND connector = 1 AND at_ms = 1795424400001"),
                     1);
  else
    assert_int_equal(n, 0);
  store_close(db);
  test_tmpdir_remove(dir);
  return (int)n;
}

/* Issue 15: a log-only event is committed without a sync of its own. A power
 * cut right after it loses it or keeps it whole (both happen over these
 * seeds, so the cut does reach it), and never a synced commit made before
 * it; once a later synced commit returned, it survives every cut. */
static void
an_unsynced_event_is_lost_or_whole_and_durable_after_the_next_synced_commit(void **state) {
  (void)state;
  log_set_level(LOG_ERROR);
  powercut_install();
  int kept = 0, lost = 0;
  for (uint64_t seed = 1; seed <= 32; seed++) {
    if (event_after_cut(seed, false))
      kept++;
    else
      lost++;
    assert_int_equal(event_after_cut(seed, true), 1);
  }
  print_message("unsynced event cut right after: kept %d, lost %d of 32\n", kept, lost);
  assert_true(kept > 0);
  assert_true(lost > 0);
  powercut_uninstall();
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(nothing_acknowledged_is_lost_at_any_cut_point),
      cmocka_unit_test(an_unsynced_event_is_lost_or_whole_and_durable_after_the_next_synced_commit),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
