/*
 * The transaction journal on SQLite (see journal.h): the queue is the table
 * ocpp16_queue (its `action` column holds the kind, migration 2 of
 * cp_sql.c), the session <-> transaction map is ocpp16_tx, the sequence
 * numbers of 2.0.1 transaction events cp_tx_seq.
 */
#include "chargepoint/journal.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chargepoint/cp_sql.h"
#include "util/log.h"

#define MOD "chargepoint"

struct cp_journal {
  store *st; /* the statements are the store's (cp_sql_prep) */
  char error[256];
  /* cp_journal_length's last count, valid until the next write (RUN): a
   * status read every second (borne-swarm's progress, for each of thousands
   * of stations) costs no query while the queue does not change */
  int64_t length;
  bool length_known;
  /* cp_journal_next_due's last answer, valid until the next write (RUN):
   * the OCPP timer's rearm asks after each message (5 reads a charging cycle,
   * each a read transaction of its own: issue 15) */
  borne_ms next_due;
  bool next_due_known;
  /* the head cp_journal_peek handed out was the queue's only entry (read
   * outside a transaction), valid until the next write (RUN): its delivery
   * (cp_journal_sent) leaves the queue known empty, so that the pump's next
   * peek reads nothing (one read transaction a message, issue 15) */
  int64_t sole_id;
  bool sole_known;
  /* a push refused because the disk or memory is full (SQLITE_FULL,
   * SQLITE_NOMEM), not reported yet: cp_journal_exhausted */
  bool exhausted;
  char exhausted_why[128];
  /* the episode was reported and no message has left the queue since: a
   * refusal of the same episode (the queue still full, the back end still
   * away) is not reported again */
  bool told;
  uint64_t pushed; /* pushes that succeeded */
};

/* The kind as stored in the queue's `action` column. */
static const char *const kind_names[] = {
    [CP_EVENT_STARTED] = "started",
    [CP_EVENT_UPDATED] = "updated",
    [CP_EVENT_ENDED] = "ended",
    [CP_EVENT_SECURITY] = "security",
    [CP_EVENT_SECURITY_CRITICAL] = "security_critical",
    [CP_EVENT_MESSAGE] = "message",
};
#define KINDS ((int)(sizeof kind_names / sizeof kind_names[0]))

static int kind_of(const char *name) {
  for (int i = 0; name && i < KINDS; i++)
    if (strcmp(kind_names[i], name) == 0) return i;
  return -1;
}

#define PREP(j, sql, ...) cp_sql_prep((j)->st, (j)->error, sizeof(j)->error, sql, __VA_ARGS__)
#define RUN(j, s)                                                                                  \
  ((j)->length_known = (j)->next_due_known = (j)->sole_known = false,                              \
   cp_sql_run((j)->st, (j)->error, sizeof(j)->error, s))

cp_journal *cp_journal_open(store *db, char *err, size_t errlen) {
  if (cp_sql_migrate(db, err, errlen) != 0) return NULL;
  cp_journal *j = calloc(1, sizeof *j);
  if (!j) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  j->st = db;
  return j;
}

void cp_journal_free(cp_journal *j) { free(j); }

const char *cp_journal_error(const cp_journal *j) { return j->error; }

bool cp_journal_thinnable(cp_event_kind kind, const char *payload) {
  if (kind != CP_EVENT_UPDATED || !payload) return false;
  /* the dialects' compact JSON (json_dumps JSON_COMPACT): 1.6 MeterValues
   * and 2.0.1 MeterValues have no triggerReason; a 2.0.1 TransactionEvent
   * Updated is a periodic reading only with these two */
  const char *t = strstr(payload, "\"triggerReason\":");
  if (!t) return true;
  t += strlen("\"triggerReason\":");
  return strncmp(t, "\"MeterValuePeriodic\"", 20) == 0 ||
         strncmp(t, "\"MeterValueClock\"", 17) == 0;
}

/* Refused for want of room: the disk, the database's bound
 * (store.max_size_mb) or memory for SQLite. */
static bool refused_for_room(cp_journal *j) {
  int code = sqlite3_extended_errcode(store_sqlite(j->st)) & 0xff;
  return code == SQLITE_FULL || code == SQLITE_NOMEM;
}

/* Three of every four queued periodic readings (cp_journal_thinnable),
 * oldest first, the first of the four kept: the series keeps its span at a
 * quarter of its density. Not every second: a page that keeps half its rows
 * stays in the b-tree (SQLite merges a page once it is two thirds empty),
 * and new rows go to the end of the table, so that would free no room. How
 * many went, or -1. */
#define THIN_KEEP_ONE_IN 4
static int thin_readings(cp_journal *j) {
  sqlite3_stmt *s = PREP(j, "SELECT id, payload FROM ocpp16_queue WHERE action = ? ORDER BY id",
                         "s", kind_names[CP_EVENT_UPDATED]);
  if (!s) return -1;
  int64_t *ids = NULL;
  size_t n = 0, cap = 0, seen = 0;
  while (sqlite3_step(s) == SQLITE_ROW) {
    if (!cp_journal_thinnable(CP_EVENT_UPDATED, (const char *)sqlite3_column_text(s, 1)) ||
        seen++ % THIN_KEEP_ONE_IN == 0)
      continue;
    if (n == cap) {
      cap = cap ? cap * 2 : 64;
      int64_t *grown = realloc(ids, cap * sizeof *ids);
      if (!grown) break;
      ids = grown;
    }
    ids[n++] = sqlite3_column_int64(s, 0);
  }
  cp_sql_done(j->st, s);
  int dropped = 0;
  for (size_t i = 0; i < n; i++)
    if (RUN(j, PREP(j, "DELETE FROM ocpp16_queue WHERE id = ?", "i", ids[i])) == 0) dropped++;
  free(ids);
  return dropped;
}

static int insert(cp_journal *j, int64_t session_id, cp_event_kind kind, const char *payload,
                  borne_ms now) {
  return RUN(j, PREP(j,
                     "INSERT INTO ocpp16_queue(session_id, action, payload, due_ms, created_ms)"
                     " VALUES(?, ?, ?, ?, ?)",
                     "issii", session_id, kind_names[kind], payload, (int64_t)now, (int64_t)now));
}

/* Under the database's bound (store.max_size_mb), room is made before the
 * insert (a SQLITE_FULL may roll back the whole transaction, the station's
 * batch with it): the pages the payload takes and a reserve, larger for a
 * periodic reading, so that a full queue still has room for a
 * transaction's end. 0, or -1 with j->error when there is not enough. */
#define READING_RESERVE_PAGES 24
static int room_for(cp_journal *j, cp_event_kind kind, const char *payload) {
  if (store_max_size(j->st) <= 0) return 0;
  bool reading = cp_journal_thinnable(kind, payload);
  int64_t want = (int64_t)strlen(payload) / store_page_size(j->st) + 1 +
                 (reading ? READING_RESERVE_PAGES : STORE_RESERVE_PAGES);
  if (store_keep_room(j->st, want) == 0) return 0;
  /* only a transaction's own event or a critical security event may cost
   * readings: not a security event that may be dropped, nor another message */
  bool may_thin = !reading && kind != CP_EVENT_SECURITY && kind != CP_EVENT_MESSAGE;
  int dropped = 0, d;
  while (may_thin && store_room_pages(j->st) < want && (d = thin_readings(j)) > 0) dropped += d;
  if (dropped > 0) {
    log_warn(MOD, "the queue is full: %d queued periodic meter values dropped", dropped);
    char note[128];
    snprintf(note, sizeof note, "database full, %d queued periodic meter values dropped", dropped);
    cp_journal_note_exhausted(j, note);
  }
  if (store_room_pages(j->st) >= want) return 0;
  snprintf(j->error, sizeof j->error, "database or disk is full (store.max_size_mb)");
  log_error(MOD, "cannot queue a message: %s", j->error);
  cp_journal_note_exhausted(j, j->error);
  return -1;
}

int cp_journal_push(cp_journal *j, int64_t session_id, cp_event_kind kind, const char *payload,
                    borne_ms now) {
  if ((int)kind < 0 || (int)kind >= KINDS || !payload) {
    snprintf(j->error, sizeof j->error, "bad journal event");
    return -1;
  }
  if (room_for(j, kind, payload) != 0) return -1;
  int rc = insert(j, session_id, kind, payload, now);
  bool full = rc != 0 && refused_for_room(j);
  /* out of room all the same (the disk full, no bound; memory): outside a
   * batch the history makes room and the insert is tried again */
  for (int i = 0; full && !store_in_batch(j->st) && i < 64 && store_make_room(j->st) > 0; i++) {
    rc = insert(j, session_id, kind, payload, now);
    full = rc != 0 && refused_for_room(j);
  }
  if (rc != 0) {
    if (full) cp_journal_note_exhausted(j, j->error);
    return rc;
  }
  if (kind == CP_EVENT_SECURITY)
    rc = RUN(j, PREP(j,
                     "DELETE FROM ocpp16_queue WHERE id IN (SELECT id FROM ocpp16_queue"
                     " WHERE action = ? ORDER BY id DESC LIMIT -1 OFFSET ?)",
                     "si", kind_names[CP_EVENT_SECURITY], (int64_t)CP_JOURNAL_SECURITY_MAX));
  if (rc == 0) j->pushed++;
  return rc;
}

void cp_journal_note_exhausted(cp_journal *j, const char *why) {
  if (j->exhausted || j->told) return; /* the first cause of the episode */
  j->exhausted = true;
  snprintf(j->exhausted_why, sizeof j->exhausted_why, "%s", why && why[0] ? why : "out of memory");
}

const char *cp_journal_exhausted(const cp_journal *j) {
  return j->exhausted ? j->exhausted_why : NULL;
}

void cp_journal_exhaustion_reported(cp_journal *j) {
  j->exhausted = false;
  j->told = true;
}

uint64_t cp_journal_pushed(const cp_journal *j) { return j->pushed; }

/* The queue known to be empty (its length counted since its last write,
 * outside a transaction): nothing to read, so that a swarm station's tick
 * does not open its closed database for an empty queue (issue 18, the
 * minute mark). */
static bool known_empty(const cp_journal *j) { return j->length_known && j->length == 0; }

int cp_journal_peek(cp_journal *j, borne_ms now, cp_journal_entry *out) {
  if (known_empty(j) || (j->next_due_known && j->next_due > now)) return -1;
  for (;;) {
    sqlite3_stmt *s = PREP(j,
                           "SELECT id, session_id, action, payload, due_ms, attempts"
                           " FROM ocpp16_queue ORDER BY id LIMIT 2",
                           NULL);
    if (!s) return -1;
    int rc = sqlite3_step(s);
    if (rc != SQLITE_ROW || sqlite3_column_int64(s, 4) > now) {
      /* what was read is kept as cp_journal_length's and cp_journal_next_due's
       * answers would be: outside a transaction, until the next write */
      bool keep = sqlite3_get_autocommit(store_sqlite(j->st)) != 0;
      if (keep && rc == SQLITE_DONE) {
        j->length = 0;
        j->length_known = true;
        j->next_due = CP_NEVER;
        j->next_due_known = true;
      } else if (keep && rc == SQLITE_ROW) {
        j->next_due = sqlite3_column_int64(s, 4);
        j->next_due_known = true;
      }
      cp_sql_done(j->st, s);
      return -1;
    }
    int64_t id = sqlite3_column_int64(s, 0);
    const char *action = (const char *)sqlite3_column_text(s, 2);
    const char *payload = (const char *)sqlite3_column_text(s, 3);
    int kind = kind_of(action);
    if (kind < 0 || !payload) {
      /* cannot happen unless the file was edited: do not block the queue */
      log_error(MOD, "dropping queued message %lld: unknown kind %s", (long long)id,
                action ? action : "(null)");
      cp_sql_done(j->st, s);
      cp_journal_sent(j, id);
      continue;
    }
    *out = (cp_journal_entry){.id = id,
                              .session_id = sqlite3_column_int64(s, 1),
                              .kind = (cp_event_kind)kind,
                              .payload = strdup(payload),
                              .attempts = sqlite3_column_int(s, 5)};
    borne_ms due = sqlite3_column_int64(s, 4);
    /* outside a transaction, what was read holds until the next write: the
     * head's due time is cp_journal_next_due's answer, and no second row
     * makes it the only entry */
    if (sqlite3_get_autocommit(store_sqlite(j->st)) && sqlite3_step(s) == SQLITE_DONE) {
      j->next_due = due;
      j->next_due_known = true;
      j->sole_id = id;
      j->sole_known = true;
    }
    cp_sql_done(j->st, s);
    if (!out->payload) {
      snprintf(j->error, sizeof j->error, "out of memory");
      return -1;
    }
    return 0;
  }
}

int cp_journal_of_session(cp_journal *j, int64_t session_id, cp_journal_entry **out) {
  *out = NULL;
  sqlite3_stmt *s = PREP(j,
                         "SELECT id, action, payload, attempts FROM ocpp16_queue"
                         " WHERE session_id = ? ORDER BY id",
                         "i", session_id);
  if (!s) return -1;
  int n = 0, cap = 0, rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    int kind = kind_of((const char *)sqlite3_column_text(s, 1));
    const char *payload = (const char *)sqlite3_column_text(s, 2);
    if (kind < 0 || !payload) continue; /* cp_journal_peek drops it */
    if (n == cap) {
      cap = cap ? cap * 2 : 16;
      cp_journal_entry *grown = realloc(*out, (size_t)cap * sizeof **out);
      if (!grown) break;
      *out = grown;
    }
    char *copy = strdup(payload);
    if (!copy) break;
    (*out)[n++] = (cp_journal_entry){.id = sqlite3_column_int64(s, 0),
                                     .session_id = session_id,
                                     .kind = (cp_event_kind)kind,
                                     .payload = copy,
                                     .attempts = sqlite3_column_int(s, 3)};
  }
  if (rc == SQLITE_ROW)
    snprintf(j->error, sizeof j->error, "out of memory");
  else if (rc != SQLITE_DONE)
    snprintf(j->error, sizeof j->error, "%s", sqlite3_errmsg(store_sqlite(j->st)));
  cp_sql_done(j->st, s);
  if (rc != SQLITE_DONE) {
    for (int i = 0; i < n; i++) free((*out)[i].payload);
    free(*out);
    *out = NULL;
    return -1;
  }
  return n;
}

int cp_journal_rewrite(cp_journal *j, int64_t id, const char *payload) {
  if (!payload) {
    snprintf(j->error, sizeof j->error, "bad journal event");
    return -1;
  }
  return RUN(j, PREP(j, "UPDATE ocpp16_queue SET payload = ? WHERE id = ?", "si", payload, id));
}

void cp_journal_sent(cp_journal *j, int64_t id) {
  bool sole = j->sole_known && j->sole_id == id;
  int rc = RUN(j, PREP(j, "DELETE FROM ocpp16_queue WHERE id = ?", "i", id));
  if (rc == 0) j->told = false;
  /* the only entry gone, committed (outside a transaction): empty */
  if (rc == 0 && sole && sqlite3_get_autocommit(store_sqlite(j->st))) {
    j->length = 0;
    j->length_known = true;
    j->next_due = CP_NEVER;
    j->next_due_known = true;
  }
}

/* A transaction of the journal's own (cp_sql_begin), its failure said in
 * cp_journal_error. */
static int begin(cp_journal *j) {
  if (cp_sql_begin(j->st) == 0) return 0;
  snprintf(j->error, sizeof j->error, "%s", sqlite3_errmsg(store_sqlite(j->st)));
  return -1;
}

int cp_journal_sent_start(cp_journal *j, int64_t id, int64_t session_id, const char *tx_id) {
  if (!tx_id || !tx_id[0] || strlen(tx_id) > CP_TX_ID_MAX) {
    snprintf(j->error, sizeof j->error, "bad transaction id");
    return -1;
  }
  if (begin(j) != 0) return -1;
  int rc = RUN(j, PREP(j, "DELETE FROM ocpp16_queue WHERE id = ?", "i", id));
  if (!rc) j->told = false; /* room again: a later refusal is a new episode */
  /* the column has INTEGER affinity: a decimal id is stored as the integer
   * it always was, any other text as text; read back as text either way */
  if (!rc)
    rc = RUN(j, PREP(j, "INSERT OR REPLACE INTO ocpp16_tx(session_id, tx_id) VALUES(?, ?)", "is",
                     session_id, tx_id));
  /* keep the map small: sessions whose messages are all delivered are done
   * (the NOT IN builds a temporary index of the queue: only when there is an
   * old session to look at, the same rows are left either way) */
  if (!rc && cp_sql_scalar(j->st,
                           PREP(j, "SELECT count(*) FROM ocpp16_tx WHERE session_id < ?", "i",
                                session_id - 1000),
                           0) > 0)
    rc = RUN(j, PREP(j,
                     "DELETE FROM ocpp16_tx WHERE session_id NOT IN"
                     " (SELECT session_id FROM ocpp16_queue) AND session_id < ?",
                     "i", session_id - 1000));
  return cp_sql_end(j->st, rc);
}

int cp_journal_sent_resendable(cp_journal *j, int64_t id, int64_t session_id, const char *tx_id) {
  if (store_unsynced_begin(j->st) != 0) {
    snprintf(j->error, sizeof j->error, "%s", store_last_error(j->st));
    return -1;
  }
  int rc = 0;
  if (tx_id && tx_id[0])
    rc = cp_journal_sent_start(j, id, session_id, tx_id);
  else
    cp_journal_sent(j, id);
  if (store_unsynced_end(j->st) != 0 && rc == 0) {
    snprintf(j->error, sizeof j->error, "%s", store_last_error(j->st));
    rc = -1;
  }
  return rc;
}

int cp_journal_failed(cp_journal *j, int64_t id, bool answered, const cp_retry_policy *policy,
                      borne_ms now) {
  int64_t attempts =
      cp_sql_scalar(j->st, PREP(j, "SELECT attempts FROM ocpp16_queue WHERE id = ?", "i", id), -1);
  if (attempts < 0) return 0;
  attempts++;
  int max = policy->attempts > 0 ? policy->attempts : 1;
  int interval = policy->interval_s > 0 ? policy->interval_s : 1;
  if (answered && attempts >= max) {
    cp_journal_sent(j, id);
    return 1;
  }
  /* a message the back end never saw is retried at the same pace, uncounted */
  int64_t wait = (int64_t)interval * 1000 * (answered ? attempts : 1);
  RUN(j, PREP(j, "UPDATE ocpp16_queue SET attempts = ?, due_ms = ? WHERE id = ?", "iii",
              answered ? attempts : attempts - 1, (int64_t)(now + wait), id));
  return 0;
}

borne_ms cp_journal_next_due(cp_journal *j) {
  if (known_empty(j)) return CP_NEVER;
  if (j->next_due_known) return j->next_due;
  sqlite3_stmt *s = PREP(j, "SELECT due_ms FROM ocpp16_queue ORDER BY id LIMIT 1", NULL);
  if (!s) return CP_NEVER;
  int rc = sqlite3_step(s);
  borne_ms due = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : CP_NEVER;
  cp_sql_done(j->st, s);
  /* kept only when read outside a transaction (one still open may be rolled
   * back) and read at all */
  if ((rc == SQLITE_ROW || rc == SQLITE_DONE) && sqlite3_get_autocommit(store_sqlite(j->st))) {
    j->next_due = due;
    j->next_due_known = true;
  }
  return due;
}

bool cp_journal_tx_id(cp_journal *j, int64_t session_id, char tx_id[CP_TX_ID_MAX + 1]) {
  tx_id[0] = '\0';
  sqlite3_stmt *s = PREP(j, "SELECT tx_id FROM ocpp16_tx WHERE session_id = ?", "i", session_id);
  bool found = false;
  if (s && sqlite3_step(s) == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL) {
    snprintf(tx_id, CP_TX_ID_MAX + 1, "%s", (const char *)sqlite3_column_text(s, 0));
    found = true;
  }
  cp_sql_done(j->st, s);
  return found;
}

int64_t cp_journal_length(cp_journal *j) {
  if (j->length_known) return j->length;
  int64_t n = cp_sql_scalar(j->st, PREP(j, "SELECT count(*) FROM ocpp16_queue", NULL), -1);
  if (n < 0) return 0; /* not read: asked again next time */
  /* kept only outside a transaction: one still open may be rolled back */
  j->length_known = sqlite3_get_autocommit(store_sqlite(j->st)) != 0;
  j->length = n;
  return n;
}

int64_t cp_journal_tx_queued(cp_journal *j, int64_t session_id) {
  return cp_sql_scalar(j->st,
                       PREP(j,
                            "SELECT count(*) FROM ocpp16_queue WHERE action IN (?, ?, ?)"
                            " AND session_id > 0 AND (? = 0 OR session_id = ?)",
                            "sssii", kind_names[CP_EVENT_STARTED], kind_names[CP_EVENT_UPDATED],
                            kind_names[CP_EVENT_ENDED], session_id, session_id),
                       0);
}

int64_t cp_journal_session_of(cp_journal *j, const char *tx_id) {
  if (!tx_id || !tx_id[0]) return 0;
  return cp_sql_scalar(
      j->st, PREP(j, "SELECT session_id FROM ocpp16_tx WHERE tx_id = ? LIMIT 1", "s", tx_id), 0);
}

int64_t cp_journal_next_seq(cp_journal *j, int64_t session_id) {
  int64_t seq = cp_sql_scalar(
      j->st, PREP(j, "SELECT next FROM cp_tx_seq WHERE session_id = ?", "i", session_id), 0);
  if (RUN(j, PREP(j, "INSERT OR REPLACE INTO cp_tx_seq(session_id, next) VALUES(?, ?)", "ii",
                  session_id, seq + 1)) != 0)
    return -1;
  /* keep the table small: the sessions long gone (a key below 0 is a
   * transaction started before its session, cp_journal_adopt: its own) */
  if (session_id > 0)
    RUN(j, PREP(j, "DELETE FROM cp_tx_seq WHERE session_id >= 0 AND session_id < ?", "i",
                session_id - 1000));
  return seq;
}

int cp_journal_adopt(cp_journal *j, int64_t key, int64_t session_id) {
  if (key >= 0 || session_id <= 0) {
    snprintf(j->error, sizeof j->error, "bad key to adopt");
    return -1;
  }
  if (begin(j) != 0) return -1;
  int rc = RUN(j, PREP(j, "UPDATE ocpp16_queue SET session_id = ? WHERE session_id = ?", "ii",
                       session_id, key));
  if (!rc)
    rc = RUN(j, PREP(j,
                     "INSERT OR REPLACE INTO cp_tx_seq(session_id, next)"
                     " SELECT ?, next FROM cp_tx_seq WHERE session_id = ?",
                     "ii", session_id, key));
  if (!rc) rc = RUN(j, PREP(j, "DELETE FROM cp_tx_seq WHERE session_id = ?", "i", key));
  return cp_sql_end(j->st, rc);
}

int cp_journal_park(cp_journal *j, int64_t id) {
  if (begin(j) != 0) return -1;
  int rc =
      RUN(j, PREP(j, "INSERT OR REPLACE INTO cp_parked SELECT * FROM ocpp16_queue WHERE id = ?",
                  "i", id));
  if (!rc) rc = RUN(j, PREP(j, "DELETE FROM ocpp16_queue WHERE id = ?", "i", id));
  return cp_sql_end(j->st, rc);
}

int cp_journal_unpark(cp_journal *j) {
  int64_t n = cp_journal_parked(j);
  if (n <= 0) return (int)n;
  if (begin(j) != 0) return -1;
  /* AUTOINCREMENT: a queue id is never given twice, its place is free */
  int rc = RUN(j, PREP(j, "INSERT OR IGNORE INTO ocpp16_queue SELECT * FROM cp_parked", NULL));
  if (!rc) rc = RUN(j, PREP(j, "DELETE FROM cp_parked", NULL));
  return cp_sql_end(j->st, rc) == 0 ? (int)n : -1;
}

int64_t cp_journal_parked(cp_journal *j) {
  return cp_sql_scalar(j->st, PREP(j, "SELECT COUNT(*) FROM cp_parked", NULL), -1);
}

void cp_journal_forget_key(cp_journal *j, int64_t key) {
  if (key < 0) RUN(j, PREP(j, "DELETE FROM cp_tx_seq WHERE session_id = ?", "i", key));
}

int64_t cp_journal_peek_seq(cp_journal *j, int64_t session_id) {
  return cp_sql_scalar(
      j->st, PREP(j, "SELECT next FROM cp_tx_seq WHERE session_id = ?", "i", session_id), 0);
}

/* Security whitepaper (edition 2) A04: their delivery is guaranteed. The 2.0.1
 * dialect uses the same list (moved here from the 1.6 dialect's model.c). */
/* The list is the specification's, not borne's judgment: the security
 * whitepaper edition 2 (1.6) and the 2.0.1 appendix "Security events" mark 7
 * of their 18 types critical (A04: queued offline and delivered). Types of
 * borne's own are not in it, on purpose. TamperAlarmAcknowledged (src/tamper,
 * the end of a tamper alarm acknowledged by an installer) is not a spec type,
 * so the spec marks nothing about it; it reports an alarm ending, not an
 * attack, and the alarm that matters, TamperDetectionActivated, is critical.
 * It stays droppable: only if more than CP_JOURNAL_SECURITY_MAX newer
 * non-critical events queue behind it while offline, and then it is still in
 * the station's security log. (test_chargepoint_journal: test_critical_list) */
cp_event_kind cp_security_event_kind(const char *type) {
  static const char *const critical[] = {
      "FirmwareUpdated",       "SettingSystemTime", "StartupOfTheDevice",      "ResetOrReboot",
      "SecurityLogWasCleared", "MemoryExhaustion",  "TamperDetectionActivated"};
  for (size_t i = 0; type && i < sizeof critical / sizeof *critical; i++)
    if (strcmp(critical[i], type) == 0) return CP_EVENT_SECURITY_CRITICAL;
  return CP_EVENT_SECURITY;
}

void cp_journal_due_now(cp_journal *j, borne_ms now) {
  RUN(j, PREP(j, "UPDATE ocpp16_queue SET due_ms = ? WHERE due_ms > ?", "ii", (int64_t)now,
              (int64_t)now));
}
