/*
 * The transaction journal of the charge-point model: which back-end
 * transaction a session is, and the durable, strictly ordered queue of the
 * transaction events (and security events) the back end must receive, with
 * the retry policy. Protocol-neutral: an event has a kind and an opaque
 * payload that the OCPP dialect encoded (and decodes when it sends it); the
 * back end's transaction id is text (OCPP 2.0.1 ids are strings, OCPP 1.6
 * integer ids are kept as their decimal text). Time is passed in (`now`),
 * so the tests run on a virtual clock. Every write is a synchronous SQLite
 * commit: on disk before anything is acknowledged or sent.
 */
#ifndef BORNE_CHARGEPOINT_JOURNAL_H
#define BORNE_CHARGEPOINT_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/types.h"
#include "store/store.h"

/* A back end's transaction id: OCPP 2.0.1 allows 36 characters. */
#define CP_TX_ID_MAX 36

typedef enum {
  CP_EVENT_STARTED,           /* a transaction started */
  CP_EVENT_UPDATED,           /* meter values of a running transaction */
  CP_EVENT_ENDED,             /* a transaction ended */
  CP_EVENT_SECURITY,          /* a security event that may be dropped in a flood */
  CP_EVENT_SECURITY_CRITICAL, /* a security event with guaranteed delivery */
  /* another message of the dialect that queued it, delivered in order with
   * the rest and never dropped in a flood (OCPP 2.0.1: FirmwareStatusNotification,
   * LogStatusNotification, NotifyEvent); its payload names the action:
   * {"action": "...", "payload": {...}} (ocpp_reencode.h says it in 1.6: no) */
  CP_EVENT_MESSAGE,
} cp_event_kind;

/* The kind of a security event of type `type` (OCPP 1.6 security whitepaper
 * edition 2, A04: FirmwareUpdated, SettingSystemTime, StartupOfTheDevice,
 * ResetOrReboot, SecurityLogWasCleared, MemoryExhaustion,
 * TamperDetectionActivated are critical, their delivery guaranteed; both
 * dialects use this list). */
cp_event_kind cp_security_event_kind(const char *type);

typedef struct {
  int64_t id;         /* the journal's id of this message */
  int64_t session_id; /* borne's session (0 for security events) */
  cp_event_kind kind;
  char *payload; /* what the dialect pushed; the caller frees it (free) */
  int attempts;  /* answered failures so far */
} cp_journal_entry;

/* The retry policy of answered failures (OCPP 1.6 TransactionMessageAttempts
 * and TransactionMessageRetryInterval; 2.0.1 MessageAttempts and
 * MessageAttemptInterval of TxCtrlr): at most `attempts` tries, the n-th
 * retry `interval_s` x n seconds after the n-th failure. */
typedef struct {
  int attempts;
  int interval_s;
} cp_retry_policy;

typedef struct cp_journal cp_journal;

/* Opens the journal on the station's database (brings its tables up to date). */
cp_journal *cp_journal_open(store *db, char *err, size_t errlen);
void cp_journal_free(cp_journal *j);
const char *cp_journal_error(const cp_journal *j);

/* Appends an event. Never drops a transaction event nor a critical security
 * event; of the other security events, only the newest CP_JOURNAL_SECURITY_MAX
 * stay queued. 0, or -1 with cp_journal_error. When the database is full
 * (the disk, or its bound store.max_size_mb), the station's own history
 * makes room first (store_make_room, before the insert: a SQLITE_FULL may
 * roll back the whole transaction); a periodic reading (cp_journal_thinnable)
 * is refused once fewer than its pages and a reserve would stay free; for a
 * transaction's start, end or other Updated, or a critical security event,
 * three of every four queued periodic readings are dropped, as often as
 * needed (the journal is then exhausted: MemoryExhaustion says so). Only
 * what still does not fit is refused. */
#define CP_JOURNAL_SECURITY_MAX 100
int cp_journal_push(cp_journal *j, int64_t session_id, cp_event_kind kind, const char *payload,
                    borne_ms now);
/* A queued event the journal may drop to make room for a transaction's
 * start or end: a periodic reading, the kind CP_EVENT_UPDATED without a
 * triggerReason (OCPP 1.6 MeterValues, 2.0.1 MeterValues) or with
 * MeterValuePeriodic or MeterValueClock (2.0.1 TransactionEvent Updated);
 * not an Updated that says something else (ChargingStateChanged, an
 * authorization, a stop's cause). */
bool cp_journal_thinnable(cp_event_kind kind, const char *payload);
/* Running out of room (the security event MemoryExhaustion: "the Flash or
 * RAM memory is getting full"): a push SQLite refused with SQLITE_FULL (the
 * disk, or the database's size limit) or SQLITE_NOMEM marks the journal
 * exhausted, as does cp_journal_note_exhausted (a dialect that could not
 * allocate an event). cp_journal_exhausted: the first cause, or NULL when
 * none is waiting to be reported; cp_journal_exhaustion_reported clears it
 * (the event was queued: cp_journal_pushed, the count of pushes that
 * succeeded, went up). Once per episode: a refusal marks it again only
 * after a message left the queue (cp_journal_sent, _sent_start: the back
 * end took it, there is room again); the queue still full, the back end
 * still away, the station says it once. Dropping periodic readings to make
 * room (cp_journal_push) marks it too. */
void cp_journal_note_exhausted(cp_journal *j, const char *why);
const char *cp_journal_exhausted(const cp_journal *j);
void cp_journal_exhaustion_reported(cp_journal *j);
uint64_t cp_journal_pushed(const cp_journal *j);
/* The oldest message, when it is due at `now` (strict order: a later message
 * never overtakes an earlier one, not even one waiting for its retry).
 * 0 with *out filled (free out->payload), -1 when none is due. */
int cp_journal_peek(cp_journal *j, borne_ms now, cp_journal_entry *out);
/* The queued messages of one session, in queue order: a malloc'd array in
 * *out (free each payload, then the array) and their number; -1 with
 * cp_journal_error. For a dialect that takes over a running session and says
 * its older messages again before it queues new ones (in one cp_sql_begin
 * transaction with cp_journal_rewrite and cp_journal_next_seq). */
int cp_journal_of_session(cp_journal *j, int64_t session_id, cp_journal_entry **out);
/* A queued message said again: its payload replaced, its place in the queue
 * kept. 0, or -1 with cp_journal_error. */
int cp_journal_rewrite(cp_journal *j, int64_t id, const char *payload);
/* Delivered: removed. */
void cp_journal_sent(cp_journal *j, int64_t id);
/* The back end accepted the start of a transaction with id `tx_id`: in one
 * commit, the message is removed and the session's id remembered. */
int cp_journal_sent_start(cp_journal *j, int64_t id, int64_t session_id, const char *tx_id);
/* The same for a message its back end takes twice without harm (OCPP
 * 2.0.1: a TransactionEvent names its transactionId and seqNo, generated by
 * the station): the removal (with `tx_id`, NULL for none) is a commit
 * without a sync of its own (store_unsynced_begin). A power cut before the
 * next synced commit may bring the delivered message back — it is sent
 * again, in order, never lost. Not for 1.6's StartTransaction, whose second
 * delivery would open a second transaction at the back end. 0 or -1. */
int cp_journal_sent_resendable(cp_journal *j, int64_t id, int64_t session_id, const char *tx_id);
/* Not delivered. When the back end answered with an error (answered=true),
 * the message is retried policy->attempts times in all, every
 * policy->interval_s x (failures so far) seconds, then dropped (returns 1).
 * A message that never reached the back end (timeout, no connection) is kept
 * until it does, retried every interval, its attempts unchanged. */
int cp_journal_failed(cp_journal *j, int64_t id, bool answered, const cp_retry_policy *policy,
                      borne_ms now);
/* The back end accepted the station again: every message is due at `now`
 * at the latest (a retry delay, or a time from a clock that has since gone
 * back — a restart of the accelerated simulator, a corrected wall clock — no
 * longer holds the queue back). */
void cp_journal_due_now(cp_journal *j, borne_ms now);
/* When the head of the queue is due; INT64_MAX when the queue is empty. */
borne_ms cp_journal_next_due(cp_journal *j);
/* The back end's id of a session's transaction: true with it in `tx_id`, or
 * false ("" in tx_id) until the start was accepted. */
bool cp_journal_tx_id(cp_journal *j, int64_t session_id, char tx_id[CP_TX_ID_MAX + 1]);
int64_t cp_journal_length(cp_journal *j);
/* The transaction events queued (started, updated, ended) of one session, or
 * of every session when session_id is 0 (OCPP 2.0.1 GetTransactionStatus). */
int64_t cp_journal_tx_queued(cp_journal *j, int64_t session_id);
/* The session whose start the back end accepted as transaction `tx_id`
 * (cp_journal_sent_start), 0 none. */
int64_t cp_journal_session_of(cp_journal *j, const char *tx_id);

/* The next sequence number of a session's transaction events (OCPP 2.0.1
 * TransactionEvent seqNo: 0 for the first, then 1, 2...), counted on disk:
 * call it in the same commit (store_batch_begin) as the cp_journal_push of the
 * event that carries it, so that neither a gap nor a repeat survives a crash.
 * -1 with cp_journal_error. */
int64_t cp_journal_next_seq(cp_journal *j, int64_t session_id);
/* The same number without taking it: 0 when the session has had none. */
int64_t cp_journal_peek_seq(cp_journal *j, int64_t session_id);
/* A transaction that starts before borne's session (OCPP 2.0.1 TxStartPoint
 * EVConnected: at the plug, before the badge) is journaled under a key below
 * 0 that the dialect picks; when the session starts, it adopts the key: in
 * one commit (cp_sql_begin: inside the session's store batch), the queued
 * events of `key` become the session's and the session's seqNo count on
 * from the key's. 0, or -1 with cp_journal_error. */
int cp_journal_adopt(cp_journal *j, int64_t key, int64_t session_id);
/* A queued message the dialect spoken cannot say but another can (OCPP
 * 2.0.1's events of a transaction only 2.0.1 knows, under 1.6): set aside,
 * not dropped — out of the queue (cp_journal_peek, _length, _tx_queued no
 * longer see it) in one commit, its row kept as it was. 0, or -1 with
 * cp_journal_error. */
int cp_journal_park(cp_journal *j, int64_t id);
/* The dialect that can say them is spoken: every parked message goes back
 * to its place in the queue (its id: before what was queued after it), in
 * one commit. How many, or -1 with cp_journal_error. */
int cp_journal_unpark(cp_journal *j);
/* How many messages are parked. */
int64_t cp_journal_parked(cp_journal *j);
/* A transaction under such a key ended before any session adopted it: its
 * seqNo counter is dropped (after its last event was pushed). */
void cp_journal_forget_key(cp_journal *j, int64_t key);

#endif
