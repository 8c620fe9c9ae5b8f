/*
 * OCPP 2.0.1 functional block E (Transactions) and the meter values of J
 * that travel with it: TransactionEvent Started / Updated / Ended built from
 * the station's session hooks, with the transactionId the station makes,
 * seqNo counted on disk (no gap, no repeat across a crash), `offline` for
 * what happened while the CSMS was unreachable, periodic meter values
 * (MeterValueSampleInterval, MeterValuesSampledData), a charging-state
 * change as an Updated event, and the pump of the charge-point model's
 * durable journal (the one the 1.6 dialect uses): on disk first, sent one at
 * a time in order, retried per TransactionMessageAttempts / RetryInterval.
 * One file of the 2.0.1 dialect's functional blocks.
 */
#include <inttypes.h>
#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "chargepoint/cp_sql.h"
#include "ocmf/ocmf.h"
#include "ocmf/ocmf_key.h"
#include "ocmf/ocmf_module.h"
#include "ocpp/ocpp_core.h"
#include "ocpp/ocpp_reencode.h"
#include "ocpp/v201/tx_key.h"
#include "ocpp/v201/v201_internal.h"
#include "ocpp/v201/vocabulary.h"

_Static_assert(sizeof((v201_txp){0}.tx_id) == CP_TX_ID_MAX + 1, "txp.tx_id holds a transactionId");
_Static_assert(sizeof((v201_txp){0}.token_type) == V201_TOKEN_TYPE_MAX + 1,
               "txp.token_type holds an IdTokenType.type");

/* ---------- durable queue ---------- */

static void pump_after_commit(void *ctx, bool committed) {
  if (committed) v201_pump(ctx);
}

/* One transaction event: its seqNo taken and the event pushed in one commit. */
/* J: an Ended too large for V201_TXEND_MESSAGE_MAX: its TxEnded series
 * thinned (v201_txend_fit), the signed Transaction.Begin and the
 * Transaction.End values always kept. Takes `text` (p dumped), returns p
 * dumped again. */
static char *fit_ended(json_t *p, size_t from, size_t series, char *text) {
  size_t len = strlen(text), kept = 0;
  char *again = v201_txend_fit(p, from, series, text, &kept);
  if (again != text)
    log_warn(MOD,
             "TransactionEvent Ended of %zu bytes: %zu of its %zu TxEnded readings kept to fit %d",
             len, kept, series, V201_TXEND_MESSAGE_MAX);
  return again;
}

/* OncePerTransaction: the public key a value of event `e` carries is told
 * on disk in the batch that queues `e` (queued); the Ended's batch removes
 * the transaction's row. Not queued: the key is still owed. */
static void key_sent_with(ocpp201_station *o, const v201_tx_event *e, bool queued) {
  v201_evse *k = e->evse >= 1 && e->evse <= BORNE_MAX_CONNECTORS ? &o->evse[e->evse - 1] : NULL;
  if (k && k->key_unsaved) {
    k->key_unsaved = false;
    if (!queued)
      k->key_tx[0] = 0;
    else if (v201_txkey_mark(o->st->db, k->key_tx) != 0)
      log_warn(MOD, "EVSE %d: that transaction %s has the public key not kept: %s", e->evse,
               k->key_tx, store_last_error(o->st->db));
  }
  if (queued && e->kind == CP_EVENT_ENDED && e->tx_id && e->tx_id[0])
    (void)v201_txkey_forget(o->st->db, e->tx_id);
}

static bool enqueue(ocpp201_station *o, int64_t session_id, v201_tx_event *e) {
  v201_flush_aligned(o); /* the readings of a past mark go first */
  store *db = o->st->db;
  bool queued = false;
  bool batch = store_batch_begin(db) == 0;
  e->offline = !online201(o);
  e->seq_no = cp_journal_next_seq(o->journal, session_id);
  json_t *p = e->seq_no >= 0 ? v201_transaction_event(e) : NULL;
  if (e->seq_no < 0) json_decref(e->meter_values);
  /* 2.1: the cost so far in every event of a transaction the station prices
   * (I12.FR.02: in the Started too), its charging periods in the Ended and
   * in the event of a tariff change only */
  if (p)
    v201_cost_details(o, session_id, p,
                      e->kind == CP_EVENT_ENDED ||
                          (e->trigger_reason && !strcmp(e->trigger_reason, "TariffChanged")));
  char *text = p ? json_dumps(p, JSON_COMPACT) : NULL;
  if (text && e->kind == CP_EVENT_ENDED && e->series)
    text = fit_ended(p, e->series_from, e->series, text);
  if (!text || cp_journal_push(o->journal, session_id, e->kind, text, now201(o)) != 0)
    log_error(MOD, "cannot queue TransactionEvent durably: %s", cp_journal_error(o->journal));
  else
    queued = true;
  key_sent_with(o, e, queued);
  if (batch && store_batch_end(db) != 0) {
    log_error(MOD, "cannot queue TransactionEvent durably: %s", store_last_error(db));
    queued = false;
  }
  if (queued) {
    /* kept beside its text for the pump: p is ours alone (the event's meter
     * values were handed over), nobody changes it */
    ocpp_pushed_keep(&o->pushed, text, p);
  } else {
    free(text);
    json_decref(p);
  }
  /* inside the station's batch (a session's start or stop): sent once it is
   * on disk; the tick pumps when that cannot be arranged */
  (void)store_after_commit(db, pump_after_commit, o);
  v201_arm_tick(o);
  return queued;
}

/* A security event of the station (`detail` is the station event's
 * "type[: techInfo]"): SecurityEventNotification (A04), queued like the
 * transaction events, the critical ones never dropped. */
void v201_security_event_notification(ocpp201_station *o, const char *detail) {
  v201_flush_aligned(o);
  char type[51], tech[256];
  const char *colon = strchr(detail, ':');
  snprintf(type, sizeof type, "%.*s", colon ? (int)(colon - detail) : (int)strlen(detail), detail);
  snprintf(tech, sizeof tech, "%s", colon ? colon + 1 + (colon[1] == ' ') : "");
  json_t *p = json_pack("{s:s, s:o}", "type", type, "timestamp", time201(now201(o)));
  if (tech[0]) json_object_set_new(p, "techInfo", json_string(tech));
  char *text = json_dumps(p, JSON_COMPACT);
  if (!text || cp_journal_push(o->journal, 0, cp_security_event_kind(type), text, now201(o)) != 0)
    log_error(MOD, "cannot queue SecurityEventNotification: %s", cp_journal_error(o->journal));
  free(text);
  json_decref(p);
  v201_pump(o);
}

/* A message the CSMS must get even if it happens offline (L01
 * FirmwareStatusNotification, N01 LogStatusNotification, N07 NotifyEvent):
 * into the journal, delivered in order with the transaction and security
 * events once registered, never dropped in a flood. Takes `payload`. */
void v201_queue_message(ocpp201_station *o, const char *action, json_t *payload) {
  v201_flush_aligned(o);
  json_t *m = json_pack("{s:s, s:o}", "action", action, "payload", payload);
  char *text = m ? json_dumps(m, JSON_COMPACT) : NULL;
  if (!text || cp_journal_push(o->journal, 0, CP_EVENT_MESSAGE, text, now201(o)) != 0)
    log_error(MOD, "cannot queue %s: %s", action, cp_journal_error(o->journal));
  free(text);
  json_decref(m);
  v201_pump(o);
  v201_arm_tick(o);
}

typedef struct {
  ocpp201_station *o;
  int64_t msg_id;
  int64_t session_id;
  char action[40];
  char token[CP_ID_MAX + 1];
  char tx_id[CP_TX_ID_MAX + 1]; /* a start said again from 1.6: its transactionId, kept */
} pump_ctx;

static int evse_of_session(const ocpp201_station *o, int64_t session_id) {
  for (int c = 1; c <= o->count; c++)
    if (session_id && o->evse[c - 1].session_id == session_id) return c;
  return 0;
}

static void group_write(ocpp201_station *o, int64_t session, const char *grp);

/* The CSMS's idTokenInfo in a TransactionEvent answer: into the cache, and
 * a refused token stops its transaction (StopTransactionOnInvalidId, E05). */
static void token_answered(ocpp201_station *o, const pump_ctx *p, const json_t *info) {
  cp_token_info ti;
  if (!p->token[0] || !v201_token_info(info, &ti)) return;
  cp_auth_policy pol = v201_auth_policy(o->st->cfg);
  cp_auth_remember(o->auth, &pol, p->token, &ti, now201(o));
  int c = evse_of_session(o, p->session_id);
  /* C09: the starter's group as the CSMS says it now (kept with the cache
   * disabled too) */
  if (c && ti.group[0] && !strcasecmp(p->token, o->evse[c - 1].txp.uid) &&
      strcmp(o->evse[c - 1].starter_group, ti.group) != 0) {
    snprintf(o->evse[c - 1].starter_group, sizeof o->evse[c - 1].starter_group, "%s", ti.group);
    store *db = o->st->db;
    bool batch = store_batch_begin(db) == 0; /* its own commit, or the caller's */
    group_write(o, p->session_id, ti.group);
    if (batch && store_batch_end(db) != 0)
      log_error(MOD, "session %lld: its starter's group is not kept: %s", (long long)p->session_id,
                store_last_error(db));
  }
  if (ti.status == CP_TOKEN_ACCEPTED || !c ||
      !config_get_bool(o->st->cfg, "ocpp.StopTransactionOnInvalidId"))
    return;
  station_event(o->st, c, "ocpp_deauthorized", "%s",
                json_string_value(json_object_get(info, "status")));
  station_connector_event(o->st, c, &(cs_event){.type = CS_EV_STOP, .reason = STOP_DEAUTHORIZED});
}

static void pump_answer(void *ctx, const json_t *result, const char *code, const char *text) {
  pump_ctx *p = ctx;
  ocpp201_station *o = p->o;
  o->pump_in_flight = 0;
  if (o->closing) {
    free(p);
    return;
  }
  if (!result) {
    log_warn(MOD, "%s not delivered: %s %s", p->action, code, text);
    if (strcmp(code, "Disconnected") == 0) { /* first again once registered again */
      free(p);
      return;
    }
    bool answered = strcmp(code, "Timeout") != 0;
    cp_retry_policy retry = v201_retry_policy(o->st->cfg);
    if (cp_journal_failed(o->journal, p->msg_id, answered, &retry, now201(o)))
      station_event(o->st, evse_of_session(o, p->session_id), "ocpp_message_dropped",
                    "%s refused by the back end %d times: %s %s", p->action, retry.attempts, code,
                    text);
    free(p);
    v201_arm_tick(o);
    return;
  }
  /* delivered: out of the journal without a sync of its own (a power cut
   * may send it again, same seqNo and transactionId, never lose it: issue
   * 15), with the session's 2.0.1 transactionId for its later messages */
  cp_journal_sent_resendable(o->journal, p->msg_id, p->session_id, p->tx_id);
  token_answered(o, p, json_object_get(result, "idTokenInfo"));
  v201_cost_answered(o, p->session_id, result);
  v201_limits_answered(o, p->session_id, result); /* 2.1 E16 */
  free(p);
  v201_pump(o);
  if (o->restart_pending)
    lazy_timer_start(&o->reset_timer, o->st->loop, v201_flush_check_cb, o, 0, 0);
}

/* The session's transactionId, the same in the dialect's own events and in
 * the queued 1.6 messages said again: the one the journal has for it (its
 * StartTransaction delivered under 1.6) wins over the station's own. */
static bool early_tx_id(ocpp201_station *o, int64_t session_id, char out[CP_TX_ID_MAX + 1]);

static void session_tx_id(ocpp201_station *o, int64_t session_id, borne_ms start_ms,
                          char out[CP_TX_ID_MAX + 1]) {
  char known[CP_TX_ID_MAX + 1] = "";
  /* a transaction begun at the plug keeps the id it had then */
  if (!early_tx_id(o, session_id, known)) cp_journal_tx_id(o->journal, session_id, known);
  v201_session_tx_id(known, session_id, start_ms, out);
}

/* The event saying what became of a queued message said again. */
typedef struct {
  int connector;
  bool dropped;
  char detail[256];
} reencode_note;

static void note_event(ocpp201_station *o, const reencode_note *n) {
  station_event(o->st, n->connector, n->dropped ? "ocpp_dropped" : "ocpp_reencoded", "%s",
                n->detail);
}

/* A queued 1.6 transaction message (the station spoke 1.6 before,
 * ocpp_reencode.h) said in 2.0.1 words with the session's transactionId and
 * seqNo `seq`; NULL when it has no equivalent. The event `ocpp_reencoded` or
 * `ocpp_dropped` is recorded, or left in *defer (inside a transaction, where
 * the event log cannot write). *tx_id is set for a start said again. */
static json_t *reencode201(ocpp201_station *o, const cp_journal_entry *m, const json_t *raw,
                           int64_t seq, const char **action, char tx_id[CP_TX_ID_MAX + 1],
                           reencode_note *defer) {
  char tx[CP_TX_ID_MAX + 1] = "";
  session_row row = {0};
  bool have_row = store_session_get(o->st->db, m->session_id, &row) == 0;
  if (have_row)
    session_tx_id(o, m->session_id, row.start_ms, tx);
  else
    cp_journal_tx_id(o->journal, m->session_id, tx);
  ocpp_reencode_ctx cx = {.tx_id = tx, .seq_no = seq, .connector = have_row ? row.connector : 0};
  char why[200];
  json_t *out = ocpp_reencode(m->kind, raw, OCPP_WORDS_V201, &cx, action, why, sizeof why);
  ocpp_error err;
  if (out && ocpp_link_dialect(o->link)->validate(*action, true, out, &err) != 0) {
    snprintf(why, sizeof why, "not valid in %s: %s", ocpp_link_dialect(o->link)->version, err.text);
    json_decref(out);
    out = NULL;
  }
  reencode_note n = {.connector = have_row ? row.connector : 0, .dropped = !out};
  if (!out)
    snprintf(n.detail, sizeof n.detail, "queued 1.6 message %lld (session %lld): %s",
             (long long)m->id, (long long)m->session_id, why);
  else
    snprintf(n.detail, sizeof n.detail,
             "queued 1.6 message %lld (session %lld) sent as TransactionEvent %s seqNo %lld",
             (long long)m->id, (long long)m->session_id,
             json_string_value(json_object_get(out, "eventType")), (long long)seq);
  if (defer)
    *defer = n;
  else
    note_event(o, &n);
  if (!out) return NULL;
  if (m->kind == CP_EVENT_STARTED) snprintf(tx_id, CP_TX_ID_MAX + 1, "%s", tx);
  return out;
}

static bool tx_kind(cp_event_kind kind) {
  return kind == CP_EVENT_STARTED || kind == CP_EVENT_UPDATED || kind == CP_EVENT_ENDED;
}

/* A queued entry in 2.0.1 words: as queued, or said again (reencode201) with
 * the next seqNo of the session. */
static json_t *say201(ocpp201_station *o, const cp_journal_entry *m, const json_t *raw,
                      const char **action, char tx_id[CP_TX_ID_MAX + 1]) {
  tx_id[0] = 0;
  if (m->kind == CP_EVENT_MESSAGE) { /* v201_queue_message: {action, payload} */
    char why[120];
    json_t *inner = ocpp_reencode(m->kind, raw, OCPP_WORDS_V201, NULL, action, why, sizeof why);
    if (!inner)
      station_event(o->st, 0, "ocpp_dropped", "queued message %lld: %s", (long long)m->id, why);
    return inner;
  }
  if (!tx_kind(m->kind) || ocpp_reencode_words_of(m->kind, raw) == OCPP_WORDS_V201) {
    *action = !tx_kind(m->kind)                   ? "SecurityEventNotification"
              : json_object_get(raw, "eventType") ? "TransactionEvent"
                                                  : "MeterValues"; /* idle, clock-aligned */
    return json_incref((json_t *)raw);
  }
  /* a retry of the same message keeps its seqNo */
  int64_t seq =
      o->reencoded_msg == m->id ? o->reencoded_seq : cp_journal_next_seq(o->journal, m->session_id);
  o->reencoded_msg = m->id;
  o->reencoded_seq = seq;
  return reencode201(o, m, raw, seq, action, tx_id, NULL);
}

/* A session running when the station switched to 2.0.1 (adopted, resumed):
 * its queued 1.6 messages are said again now, in queue order, before the
 * dialect queues its own events of it, so that their seqNo come first, in
 * time order (one commit with the seqNo counter: no gap nor repeat after a
 * crash). Only on a connection whose version is known (the link's). */
static void reencode_session(ocpp201_station *o, int64_t session_id) {
  if (!o->link || !ocpp_link_connected(o->link)) return;
  cp_journal_entry *list = NULL;
  int n = cp_journal_of_session(o->journal, session_id, &list);
  if (n <= 0) return;
  bool any = false;
  for (int i = 0; i < n && !any; i++) {
    json_t *raw = json_loads(list[i].payload, 0, NULL);
    any =
        raw && tx_kind(list[i].kind) && ocpp_reencode_words_of(list[i].kind, raw) == OCPP_WORDS_V16;
    json_decref(raw);
  }
  reencode_note *notes = any ? calloc((size_t)n, sizeof *notes) : NULL;
  int noted = 0;
  bool begun = notes && cp_sql_begin(o->st->db) == 0;
  int ok = begun ? 0 : -1;
  for (int i = 0; begun && ok == 0 && i < n; i++) {
    cp_journal_entry *m = &list[i];
    json_t *raw = json_loads(m->payload, 0, NULL);
    if (!raw || !tx_kind(m->kind) || ocpp_reencode_words_of(m->kind, raw) != OCPP_WORDS_V16) {
      json_decref(raw); /* a security event, or already 2.0.1 */
      continue;
    }
    const char *action = NULL;
    char tx_id[CP_TX_ID_MAX + 1];
    int64_t seq = cp_journal_next_seq(o->journal, session_id);
    json_t *out = seq < 0 ? NULL : reencode201(o, m, raw, seq, &action, tx_id, &notes[noted++]);
    json_decref(raw);
    if (seq < 0) {
      ok = -1;
      break;
    }
    char *text = out ? json_dumps(out, JSON_COMPACT) : NULL;
    json_decref(out);
    if (text)
      ok = cp_journal_rewrite(o->journal, m->id, text);
    else
      cp_journal_sent(o->journal, m->id); /* no equivalent: dropped (ocpp_dropped) */
    free(text);
  }
  if (begun) ok = cp_sql_end(o->st->db, ok);
  for (int i = 0; ok == 0 && i < noted; i++) note_event(o, &notes[i]);
  free(notes);
  if (any && ok != 0)
    log_warn(MOD, "the queued 1.6 messages of session %lld are said again when sent: %s",
             (long long)session_id, cp_journal_error(o->journal));
  for (int i = 0; i < n; i++) free(list[i].payload);
  free(list);
}

/* A queued message's payload: the one kept at its push (enqueue) when the
 * journal hands the text it was queued as (the same text parses to that
 * same value; *kept set: `text` is json_dumps of it), taken out of the
 * cache; else parsed from the text. The caller owns it. */
static json_t *queued_payload(ocpp201_station *o, const char *text, bool *kept) {
  return ocpp_pushed_take(&o->pushed, text, kept);
}

/* Send the oldest due queued message, one at a time, in order. */
void v201_pump(ocpp201_station *o) {
  if (o->pump_in_flight || !online201(o) || o->closing) return;
  cp_journal_entry m;
  json_t *payload = NULL;
  const char *action = NULL;
  char tx_id[CP_TX_ID_MAX + 1], act[40] = "";
  /* the journal's text when the payload is the very value it was written
   * from (kept at the push, sent as it is): the frame carries that text
   * instead of the payload written again (ocpp_link_call_text) */
  char *text = NULL;
  for (;;) {
    if (cp_journal_peek(o->journal, now201(o), &m) != 0) return;
    bool kept = false;
    json_t *raw = queued_payload(o, m.payload, &kept);
    payload = raw ? say201(o, &m, raw, &action, tx_id) : NULL;
    if (payload && kept && payload == raw)
      text = m.payload;
    else
      free(m.payload);
    if (!raw)
      station_event(o->st, 0, "ocpp_dropped", "queued message %lld is not JSON", (long long)m.id);
    if (payload) snprintf(act, sizeof act, "%s", action); /* may be raw's */
    action = act;
    json_decref(raw);
    if (payload) break;
    cp_journal_sent(o->journal, m.id);
  }
  /* an event queued under 2.1 and delivered under 2.0.1: none of 2.1's
   * members or trigger reasons there */
  if (ocpp_link_dialect(o->link) != &ocpp21_dialect) {
    json_t *id_token = json_object_get(payload, "idToken");
    const char *was = json_string_value(json_object_get(id_token, "type"));
    char type[40];
    snprintf(type, sizeof type, "%s", was ? was : "");
    bool changed = v201_event_as_201(payload);
    v201_id_token_as_201(id_token); /* DirectPayment: Central */
    const char *now_type = json_string_value(json_object_get(id_token, "type"));
    if (changed || strcmp(type, now_type ? now_type : "") != 0) { /* not the text any more */
      free(text);
      text = NULL;
    }
  }
  pump_ctx *p = calloc(1, sizeof *p);
  if (!p) {
    json_decref(payload);
    free(text);
    return;
  }
  p->o = o;
  p->msg_id = m.id;
  p->session_id = m.session_id;
  snprintf(p->action, sizeof p->action, "%s", action);
  snprintf(p->tx_id, sizeof p->tx_id, "%s", tx_id);
  const char *tok =
      json_string_value(json_object_get(json_object_get(payload, "idToken"), "idToken"));
  snprintf(p->token, sizeof p->token, "%s", tok ? tok : "");
  o->pump_in_flight = m.id;
  if (ocpp_link_call_text(o->link, action, payload, text, pump_answer, p) != 0) {
    o->pump_in_flight = 0;
    free(p);
  }
}

/* ---------- meter values ---------- */

ocpp16_sample_extra v201_sample_extra(const ocpp201_station *o, int c) {
  station_connector_view v;
  station_view(o->st, c, &v);
  return (ocpp16_sample_extra){.phases = v.phases,
                               .offered_a = v.offered_a,
                               .temperature = o->st->conn[c - 1].temperature_c,
                               .has_temperature = true};
}

static json_t *one_meter_value(const ocpp201_station *o, int c, const char *csl,
                               const meter_reading *r, const char *context, borne_ms at) {
  if (!csl || !csl[0]) return NULL;
  ocpp16_sample_extra x = v201_sample_extra(o, c);
  json_t *mv = v201_meter_value(csl, r, &x, context, at);
  if (!mv) return NULL;
  json_t *list = json_array();
  json_array_append_new(list, mv);
  return list;
}

static v201_tx_event event_of(const ocpp201_station *o, int c, cp_event_kind kind,
                              const char *trigger) {
  const v201_evse *k = &o->evse[c - 1];
  /* a car waits on a reserved EVSE (left Reserved, G01.FR.09): EVConnected */
  bool car = k->status == STATUS_RESERVED && station_waiting_for_authorization(o->st, c);
  return (v201_tx_event){.kind = kind,
                         .trigger_reason = trigger,
                         .at = now201(o),
                         .tx_id = k->tx_id,
                         .status = car ? STATUS_PREPARING : k->status,
                         .evse = c};
}

static void sign_intermediate(ocpp201_station *o, int c, const char *setting, const char *context,
                              char tx, borne_ms at, double wh, json_t *meter_values);

static void say_resumed(ocpp201_station *o, int c);

static void send_updated(ocpp201_station *o, int c, const char *trigger_reason,
                         const json_t *limit) {
  v201_evse *k = &o->evse[c - 1];
  if (!k->session_id || !k->tx_id[0]) return;
  if (k->resume_pending && strcmp(trigger_reason, "TxResumed")) say_resumed(o, c); /* first */
  v201_tx_event e = event_of(o, c, CP_EVENT_UPDATED, trigger_reason);
  e.transaction_limit = limit;
  /* the reading of the interval, of a tariff or a rate change: Sample.Periodic;
   * a TriggerMessage's: Trigger; both signed with SampledDataCtrlr.SignReadings */
  bool periodic = strcmp(trigger_reason, "Trigger") != 0;
  const char *context = periodic ? "Sample.Periodic" : "Trigger";
  /* a running cost update (2.1 I12.FR.02) carries the cost, no readings */
  bool readings = strcmp(trigger_reason, "RunningCost") != 0;
  if (readings && o->st->conn[c - 1].meter_ok) {
    const meter_reading *r = &o->st->conn[c - 1].meter;
    e.meter_values =
        one_meter_value(o, c, key201_str(o, "MeterValuesSampledData"), r, context, e.at);
    sign_intermediate(o, c, "ocpp.SampledDataSignReadings", context,
                      strcmp(trigger_reason, "TariffChanged") ? 'C' : 'T', e.at,
                      r->energy_import_wh, e.meter_values);
  }
  k->tx_state = k->status;
  enqueue(o, k->session_id, &e);
}

void v201_send_tx_updated(ocpp201_station *o, int c, const char *trigger_reason) {
  send_updated(o, c, trigger_reason, NULL);
}

void v201_send_tx_limit_set(ocpp201_station *o, int c, const json_t *limit) {
  send_updated(o, c, "LimitSet", limit);
}

static borne_ms take_aligned(ocpp201_station *o, borne_ms now);
static borne_ms take_tx_ended(ocpp201_station *o, borne_ms now);

borne_ms v201_take_samples(ocpp201_station *o, borne_ms now) {
  borne_ms next = NEVER;
  long every = key201_int(o, "MeterValueSampleInterval");
  for (int c = 1; c <= o->count && every > 0; c++) {
    v201_evse *k = &o->evse[c - 1];
    if (!k->session_id) continue;
    if (now - k->last_sample >= every * 1000) {
      k->last_sample = now;
      if (o->st->conn[c - 1].meter_ok) v201_send_tx_updated(o, c, "MeterValuePeriodic");
    }
    if (k->last_sample + every * 1000 < next) next = k->last_sample + every * 1000;
  }
  borne_ms running = v201_cost_running(o, now); /* 2.1 I12.FR.02 */
  if (running < next) next = running;
  borne_ms aligned = take_aligned(o, now);
  if (aligned < next) next = aligned;
  borne_ms ended = take_tx_ended(o, now);
  return ended < next ? ended : next;
}

/* J01/J02 clock-aligned data (AlignedDataCtrlr): at each instant aligned on
 * ocpp.ClockAlignedDataInterval (counted from midnight, as 1.6), the
 * MeterValuesAlignedData measurands of each EVSE, context Sample.Clock: an
 * EVSE in a transaction as TransactionEvent Updated, triggerReason
 * MeterValueClock (J02.FR.01) — none with AlignedDataSendDuringIdle set, whose
 * clock-aligned values are for idle EVSEs only —, an EVSE without one as
 * MeterValues with its evseId (J01.FR.14). Both are queued on disk like the
 * transaction events, so that nothing measured offline is lost. */
static void queue_meter_values(ocpp201_station *o, int c, json_t *mv) {
  json_t *p = json_pack("{s:i, s:o}", "evseId", c, "meterValue", mv);
  char *text = p ? json_dumps(p, JSON_COMPACT) : NULL;
  if (!text || cp_journal_push(o->journal, 0, CP_EVENT_UPDATED, text, now201(o)) != 0)
    log_error(MOD, "cannot queue MeterValues durably: %s", cp_journal_error(o->journal));
  free(text);
  json_decref(p);
}

/* A JSON value's compact text in a block of its exact size (json_dumps'
 * buffer grows by doubling: a 190-byte text held 256 bytes), NULL without
 * memory. */
static char *exact_text(const json_t *v) {
  char buf[1024];
  size_t len = json_dumpb(v, buf, sizeof buf, JSON_COMPACT);
  if (len == 0 || len >= sizeof buf) return json_dumps(v, JSON_COMPACT);
  char *text = malloc(len + 1);
  if (!text) return NULL;
  memcpy(text, buf, len);
  text[len] = '\0';
  return text;
}

/* One EVSE's clock-aligned reading `mv` (taken): a TransactionEvent Updated
 * (MeterValueClock) of its transaction `session_id` stamped `at`, or a
 * MeterValues when 0. */
static void write_aligned(ocpp201_station *o, int c, int64_t session_id, borne_ms at, json_t *mv) {
  v201_evse *k = &o->evse[c - 1];
  if (session_id && k->session_id == session_id && k->tx_id[0]) {
    v201_tx_event e = event_of(o, c, CP_EVENT_UPDATED, "MeterValueClock");
    e.at = at;
    e.meter_values = mv;
    enqueue(o, session_id, &e);
    return;
  }
  if (session_id) /* cannot happen: its end was queued after a flush of these */
    log_warn(MOD,
             "EVSE %d: its transaction ended before its clock-aligned values were queued: "
             "queued as MeterValues",
             c);
  queue_meter_values(o, c, mv);
}

void v201_flush_aligned(ocpp201_station *o) {
  loop_slices_cancel(&o->aligned_slice);
  if (o->aligned_n == 0) return;
  struct v201_aligned *taken = o->aligned;
  int n = o->aligned_n;
  o->aligned = NULL; /* before enqueue, which flushes */
  o->aligned_n = o->aligned_cap = 0;
  store *db = o->st->db;
  bool own = n > 1 && !store_in_batch(db) && store_batch_begin(db) == 0;
  for (int i = 0; i < n; i++) {
    json_error_t jerr;
    json_t *mv = json_loads(taken[i].text, 0, &jerr); /* the text exact_text made */
    if (mv)
      write_aligned(o, taken[i].evse, taken[i].session_id, taken[i].at, mv);
    else
      log_error(MOD, "a clock-aligned meter value does not read back: %s", jerr.text);
    free(taken[i].text);
  }
  if (own && store_batch_end(db) != 0)
    log_error(MOD, "cannot queue the clock-aligned meter values durably: %s", store_last_error(db));
  free(taken);
  v201_pump(o);
}

void v201_aligned_free(ocpp201_station *o) {
  loop_slices_cancel(&o->aligned_slice);
  for (int i = 0; i < o->aligned_n; i++) free(o->aligned[i].text);
  free(o->aligned);
  o->aligned = NULL;
  o->aligned_n = o->aligned_cap = 0;
}

/* Keeps a reading taken at the mark as its text; false (nothing kept) when
 * there is no memory for it. */
static bool keep_aligned(ocpp201_station *o, int c, int64_t session_id, borne_ms at,
                         const json_t *mv) {
  if (o->aligned_n == o->aligned_cap) {
    int cap = o->aligned_cap ? 2 * o->aligned_cap : o->count;
    struct v201_aligned *grown = realloc(o->aligned, (size_t)cap * sizeof *grown);
    if (!grown) return false;
    o->aligned = grown;
    o->aligned_cap = cap;
  }
  char *text = exact_text(mv);
  if (!text) return false;
  o->aligned[o->aligned_n++] = (struct v201_aligned){session_id, at, c, text};
  return true;
}

static void aligned_slice_cb(loop_slice *item) {
  ocpp201_station *o = (ocpp201_station *)((char *)item - offsetof(ocpp201_station, aligned_slice));
  v201_flush_aligned(o);
}

/* Each EVSE's readings at the mark `at`, stamped with it (signed then when
 * AlignedDataSignReadings asks). In borne-swarm every station's mark is the
 * same second: the writes and sends wait for a slice of the loop
 * (loop_slices.h), so that the loop keeps serving the links between them;
 * alone (borned) they go at once. */
static void send_aligned(ocpp201_station *o, borne_ms at) {
  const char *csl = key201_str(o, "MeterValuesAlignedData");
  bool idle_only = config_get_bool(o->st->cfg, "ocpp.AlignedDataSendDuringIdle");
  for (int c = 1; c <= o->count && csl[0]; c++) {
    v201_evse *k = &o->evse[c - 1];
    if (!o->st->conn[c - 1].meter_ok || (k->session_id && (idle_only || !k->tx_id[0]))) continue;
    json_t *mv = one_meter_value(o, c, csl, &o->st->conn[c - 1].meter, "Sample.Clock", at);
    if (!mv) continue; /* nothing measured: no empty MeterValues */
    if (k->session_id)
      sign_intermediate(o, c, "ocpp.AlignedDataSignReadings", "Sample.Clock", 'C', at,
                        o->st->conn[c - 1].meter.energy_import_wh, mv);
    if (keep_aligned(o, c, k->session_id, at, mv)) {
      json_decref(mv);
    } else { /* no memory to keep it: queued now, after what was taken before */
      v201_flush_aligned(o);
      write_aligned(o, c, k->session_id, at, mv);
    }
  }
  if (o->aligned_n > 0 && !o->closing &&
      !loop_slices_add(o->st->loop, &o->aligned_slice, aligned_slice_cb))
    v201_flush_aligned(o);
}

static borne_ms take_aligned(ocpp201_station *o, borne_ms now) {
  long aligned = key201_int(o, "ClockAlignedDataInterval");
  if (aligned <= 0) return o->next_aligned = NEVER;
  if (o->next_aligned == NEVER || o->next_aligned > now + aligned * 1000)
    o->next_aligned = ocpp16_next_aligned(now, aligned);
  if (now >= o->next_aligned) {
    send_aligned(o, o->next_aligned); /* the readings of the instant, stamped with it */
    o->next_aligned = ocpp16_next_aligned(now, aligned);
  }
  return o->next_aligned;
}

/* 2.1 E17: the TxResumed of a resumed transaction, with its EVSE's state */
static void say_resumed(ocpp201_station *o, int c) {
  o->evse[c - 1].resume_pending = false;
  send_updated(o, c, "TxResumed", NULL);
}

borne_ms v201_resumed_due(ocpp201_station *o, borne_ms now) {
  borne_ms next = NEVER;
  for (int c = 1; c <= o->count; c++) {
    v201_evse *k = &o->evse[c - 1];
    if (!k->resume_pending) continue;
    if (now >= k->resume_by)
      say_resumed(o, c); /* the car does not draw: said as it is */
    else if (k->resume_by < next)
      next = k->resume_by;
  }
  return next;
}

/* E: a change of chargingState during a transaction is an Updated event. */
void v201_charging_state_changed(ocpp201_station *o, int c) {
  v201_evse *k = &o->evse[c - 1];
  if (!k->session_id || !k->tx_id[0]) return;
  if (!strcmp(v201_charging_state_name(k->tx_state), v201_charging_state_name(k->status))) return;
  if (k->resume_pending) { /* 2.1 E17: the state the resumed transaction reaches */
    if (!strcmp(v201_charging_state_name(k->status), "SuspendedEV")) return; /* not yet */
    say_resumed(o, c);
    return;
  }
  /* E10 (TC_E_26_CS): the car of a transaction kept without it left
   * (EVCommunicationLost, Idle) or came back (CablePluggedIn, EVConnected,
   * then the state it reaches) */
  if (k->status == STATUS_AVAILABLE && station_session_without_car(o->st, c)) {
    v201_tx_event e = event_of(o, c, CP_EVENT_UPDATED, "EVCommunicationLost");
    k->tx_state = k->status;
    k->car_away = true;
    k->car_away_at = now201(o);
    enqueue(o, k->session_id, &e);
    return;
  }
  if (k->car_away) {
    k->car_away = false;
    v201_tx_event e = event_of(o, c, CP_EVENT_UPDATED, "CablePluggedIn");
    e.status = STATUS_PREPARING; /* EVConnected */
    k->tx_state = STATUS_PREPARING;
    enqueue(o, k->session_id, &e);
    if (!strcmp(v201_charging_state_name(k->status), "EVConnected")) return;
  }
  /* 2.1 E16: suspended for a limit reached: the Updated says which */
  const char *trigger = "ChargingStateChanged";
  if (k->status == STATUS_SUSPENDED_EVSE) (void)v201_limits_told(o, c, &trigger, NULL);
  if (strcmp(trigger, "ChargingStateChanged")) {
    send_updated(o, c, trigger, NULL); /* with the reading of the instant */
    return;
  }
  v201_tx_event e = event_of(o, c, CP_EVENT_UPDATED, "ChargingStateChanged");
  k->tx_state = k->status;
  enqueue(o, k->session_id, &e);
}

borne_ms v201_car_away_due(ocpp201_station *o, borne_ms now, bool act) {
  borne_ms next = NEVER;
  borne_ms timeout = config_get_int(o->st->cfg, "auth.timeout_s") * 1000; /* EVConnectionTimeOut */
  for (int c = 1; c <= o->count; c++) {
    v201_evse *k = &o->evse[c - 1];
    if (!k->car_away || k->car_away_timed_out || !k->session_id ||
        !station_connector_tethered(o->st, c) || !station_session_without_car(o->st, c))
      continue;
    borne_ms at = k->car_away_at + timeout;
    if (now < at || !act) {
      if (at < next) next = at;
      continue;
    }
    k->car_away_timed_out = true; /* its Ended: EVConnectTimeout, Timeout */
    station_connector_event(o->st, c, &(cs_event){.type = CS_EV_STOP, .reason = STOP_OTHER});
  }
  return next;
}

/* ---------- signed meter values (OCMF) ---------- */

typedef struct {
  char kind;    /* 'B' begin, 'E' end */
  char *record; /* the session's last record of that kind */
} ocmf_pick;

static int pick_record(void *ctx, const ocmf_record_row *row) {
  ocmf_pick *p = ctx;
  if (row->kind != p->kind) return 0;
  free(p->record);
  p->record = strdup(row->record);
  return 0;
}

/* The public key (DER hex) a signed value of EVSE c's transaction carries
 * now, per OCPPCommCtrlr.PublicKeyWithSignedMeterValue; "" when none. */
static const char *pubkey_for(ocpp201_station *o, int c, const ocmf_key *key, char *hex,
                              size_t hexlen) {
  v201_evse *k = &o->evse[c - 1];
  if (k->tx_id[0] && strcmp(k->key_tx, k->tx_id) && v201_txkey_sent(o->st->db, k->tx_id))
    memcpy(k->key_tx, k->tx_id, sizeof k->key_tx); /* sent before a restart */
  bool sent = k->tx_id[0] && !strcmp(k->key_tx, k->tx_id);
  if (!v201_pubkey_due(config_get(o->st->cfg, "ocpp.PublicKeyWithSignedMeterValue"), sent))
    return "";
  if (ocmf_key_pubkey_hex(key, hex, hexlen) != 0) return NULL;
  if (!sent && k->tx_id[0]) {
    memcpy(k->key_tx, k->tx_id, sizeof k->key_tx);
    k->key_unsaved = true; /* on disk with the event (enqueue) */
  }
  return hex;
}

/* With OCMF signing on (ocmf.enabled), the session's signed record of `kind`
 * — the one the 1.6 dialect sends as SignedData — rides on the register's
 * sampled value of `context` as its signedMeterValue. The OCMF module's
 * session hooks run before OCPP's: the record exists already. */
static void sign_meter_values(ocpp201_station *o, int c, int64_t session_id, char kind,
                              const char *context, json_t *meter_values) {
  struct ocmf *signer = station_ocmf(o->st);
  const ocmf_key *key = signer ? ocmf_signing_key(signer) : NULL;
  if (!key || !meter_values) return;
  ocmf_pick p = {.kind = kind};
  char hex[512];
  const char *pub;
  if (ocmf_session_records(signer, session_id, pick_record, &p) == 0 && p.record &&
      (pub = pubkey_for(o, c, key, hex, sizeof hex)) &&
      !v201_attach_signed(meter_values, context, v201_signed_meter_value(p.record, pub)))
    log_warn(MOD, "session %lld: its OCMF record travels without a %s register value",
             (long long)session_id, context);
  free(p.record);
}

/* Whether the reading has an Energy.Active.Import.Register value of `context`. */
static bool has_register(const json_t *meter_values, const char *context) {
  size_t i, j;
  const json_t *mv, *sv;
  json_array_foreach(meter_values, i, mv) {
    json_array_foreach(json_object_get(mv, "sampledValue"), j, sv) {
      const char *m = json_string_value(json_object_get(sv, "measurand"));
      const char *x = json_string_value(json_object_get(sv, "context"));
      if ((!m || !strcmp(m, "Energy.Active.Import.Register")) && x && !strcmp(x, context))
        return true;
    }
  }
  return false;
}

/* J01.FR.21 / J02.FR.21: with SampledDataCtrlr.SignReadings
 * (ocpp.SampledDataSignReadings) a periodic reading of a transaction, with
 * AlignedDataCtrlr.SignReadings (ocpp.AlignedDataSignReadings) a
 * clock-aligned one, carries a signed intermediate OCMF record (TX `tx`: "C",
 * "T" at a tariff change) of its register value `wh` at `at`: made, signed
 * and on disk (the session's OCMF records) before the event that carries it
 * is queued. Nothing when OCMF is off or the reading has no
 * Energy.Active.Import.Register value. */
static void sign_reading(ocpp201_station *o, int c, const char *setting, const char *context,
                         char tx, borne_ms at, double wh, json_t *meter_values, bool kept) {
  v201_evse *k = &o->evse[c - 1];
  if (!meter_values || !k->session_id || !config_get_bool(o->st->cfg, setting) ||
      !has_register(meter_values, context))
    return;
  struct ocmf *signer = station_ocmf(o->st);
  if (!signer) return;
  char rec[OCMF_RECORD_MAX], err[200], hex[512];
  if (ocmf_sign_intermediate(o->st, c, k->session_id, at, wh, tx, rec, sizeof rec, err,
                             sizeof err) != 0) {
    log_error(MOD, "EVSE %d: %s reading not signed: %s", c, context, err);
    station_event(o->st, c, "ocmf_error", "%s", err);
    return;
  }
  const char *pub;
  if (!kept)
    pub = pubkey_for(o, c, ocmf_signing_key(signer), hex, sizeof hex);
  else if (!v201_pubkey_due(config_get(o->st->cfg, "ocpp.PublicKeyWithSignedMeterValue"), true))
    pub = ""; /* the Ended's own signed values carry it (OncePerTransaction) */
  else
    pub = ocmf_key_pubkey_hex(ocmf_signing_key(signer), hex, sizeof hex) == 0 ? hex : NULL;
  if (!pub || !v201_attach_signed(meter_values, context, v201_signed_meter_value(rec, pub)))
    log_warn(MOD, "EVSE %d: its signed %s record travels with no register value", c, context);
}

static void sign_intermediate(ocpp201_station *o, int c, const char *setting, const char *context,
                              char tx, borne_ms at, double wh, json_t *meter_values) {
  sign_reading(o, c, setting, context, tx, at, wh, meter_values, false);
}

void v201_sign_triggered(ocpp201_station *o, int c, borne_ms at, json_t *meter_values) {
  v201_evse *k = &o->evse[c - 1];
  sign_intermediate(o, c, "ocpp.SampledDataSignReadings", "Trigger", 'C', at,
                    o->st->conn[c - 1].meter.energy_import_wh, meter_values);
  if (k->key_unsaved) { /* a MeterValues is not queued: the key told on disk now */
    k->key_unsaved = false;
    if (v201_txkey_mark(o->st->db, k->key_tx) != 0)
      log_warn(MOD, "EVSE %d: that transaction %s has the public key not kept: %s", c, k->key_tx,
               store_last_error(o->st->db));
  }
}

/* A TxEndedInterval reading `mv` of EVSE c's transaction (one MeterValue),
 * signed like the periodic (`setting` ocpp.SampledDataSignReadings) or
 * clock-aligned (ocpp.AlignedDataSignReadings) one when its register is
 * among its values, then kept for the Ended: the OCMF record and the row in
 * one commit. It travels in the Ended only: its publicKey is the key with
 * EveryMeterValue, "" otherwise (the Ended's Transaction.End value carries the
 * key if no value of the transaction did yet, OncePerTransaction). Only
 * while the session runs (OCMF signs a session's readings): none before the
 * session of a transaction begun at the plug, nor after it (waiting for the
 * car). */
static void keep_reading(ocpp201_station *o, int64_t session, int series, const json_t *mv);
static void sign_and_keep(ocpp201_station *o, int c, int64_t key, int series, json_t *mv,
                          borne_ms at) {
  store *db = o->st->db;
  bool batch = store_batch_begin(db) == 0;
  if (o->evse[c - 1].session_id == key) {
    json_t *one = json_array();
    json_array_append(one, mv);
    sign_reading(o, c, series ? "ocpp.AlignedDataSignReadings" : "ocpp.SampledDataSignReadings",
                 series ? "Sample.Clock" : "Sample.Periodic", 'C', at,
                 o->st->conn[c - 1].meter.energy_import_wh, one, true);
    json_decref(one);
  }
  keep_reading(o, key, series, mv);
  if (batch && store_batch_end(db) != 0)
    log_error(MOD, "session %lld: a reading for its Ended event is not kept: %s", (long long)key,
              store_last_error(db));
}

/* ---------- station hooks ---------- */

/* E01/E06: the TxStartPoint / TxStopPoint lists (0: the default). */
static unsigned tx_points(const ocpp201_station *o, const char *key) {
  unsigned m = 0;
  char why[120];
  const char *v = config_get(o->st->cfg, key);
  if (!v || v201_txp_parse(v, &m, why, sizeof why) != 0) m = 0;
  return m;
}

bool v201_car_leaving_ends_session(void *ctx, int c) {
  (void)c;
  unsigned stop = tx_points(ctx, "ocpp.TxStopPoint");
  return (stop & (V201_TXP_EV | V201_TXP_POWER)) != 0;
}

/* A transaction outliving its session (TxStopPoint EVConnected alone) is on
 * disk until the car leaves, so that its Ended is not lost in a restart: one
 * row per EVSE, written in the commit of its Updated event. The same row
 * (reason ENDED_WITH_ENERGY) says that a running session's transaction ended
 * with the energy flow (TxStopPoint EnergyTransfer): not again after a
 * restart. */
enum { ENDED_WITH_ENERGY = -1 };
static const char *const linger_steps[] = {
    "CREATE TABLE ocpp201_tx_linger(evse INTEGER PRIMARY KEY, session_id INTEGER NOT NULL, "
    "reason INTEGER NOT NULL, meter_stop_wh REAL NOT NULL)",
    /* a transaction begun at the plug (TxStartPoint EVConnected) under its
     * journal key (cp_journal_adopt), session_id 0 while it waits for its
     * session, then the session that took it over (its transactionId) */
    "CREATE TABLE ocpp201_tx_early(journal_key INTEGER PRIMARY KEY, evse INTEGER NOT NULL, "
    "tx_id TEXT NOT NULL, stop INTEGER NOT NULL, session_id INTEGER NOT NULL DEFAULT 0)",
    /* J: the readings a running transaction keeps for its Ended event
     * (SampledDataCtrlr / AlignedDataCtrlr TxEndedInterval), one MeterValue
     * a row, in the order taken */
    "CREATE TABLE ocpp201_tx_ended(id INTEGER PRIMARY KEY, session_id INTEGER NOT NULL, "
    "meter_value TEXT NOT NULL)",
    "CREATE INDEX ocpp201_tx_ended_session ON ocpp201_tx_ended(session_id)",
    /* the bound on disk (tx_ended.h): each reading's series (0 sampled, 1
     * clock-aligned) and its number in the series, 0, 1, 2... in the order
     * taken; the rows already there numbered so */
    "ALTER TABLE ocpp201_tx_ended ADD COLUMN series INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE ocpp201_tx_ended ADD COLUMN n INTEGER NOT NULL DEFAULT 0",
    "UPDATE ocpp201_tx_ended SET series = instr(meter_value, '\"Sample.Clock\"') > 0",
    "UPDATE ocpp201_tx_ended SET n = (SELECT COUNT(*) FROM ocpp201_tx_ended t WHERE "
    "t.session_id = ocpp201_tx_ended.session_id AND t.series = ocpp201_tx_ended.series AND "
    "t.id < ocpp201_tx_ended.id)",
    "CREATE INDEX ocpp201_tx_ended_series ON ocpp201_tx_ended(session_id, series, n)",
    /* C09: the groupIdToken of the token that started a running session's
     * transaction, written in the session's commit (or the commit of the
     * answer that named it): a token of that group stops the transaction
     * after a restart too, the authorization cache disabled */
    "CREATE TABLE ocpp201_tx_group(session_id INTEGER PRIMARY KEY, grp TEXT NOT NULL)"};
#define LINGER_STEPS ((int)(sizeof linger_steps / sizeof linger_steps[0]))

/* One statement on the early transactions' table; false (logged) on error. */
static bool early_run(ocpp201_station *o, const char *sql, int64_t a, int64_t b, const char *text,
                      int64_t d) {
  sqlite3_stmt *s = store_stmt(o->st->db, sql);
  bool ok = s != NULL;
  if (s) {
    int n = sqlite3_bind_parameter_count(s);
    sqlite3_bind_int64(s, 1, a);
    if (n >= 2) sqlite3_bind_int64(s, 2, b);
    if (n >= 3) sqlite3_bind_text(s, 3, text, -1, SQLITE_TRANSIENT);
    if (n >= 4) sqlite3_bind_int64(s, 4, d);
    ok = sqlite3_step(s) == SQLITE_DONE;
  }
  if (!ok) log_error(MOD, "transaction begun at the plug: %s", store_last_error(o->st->db));
  if (s) store_stmt_release(o->st->db, s);
  return ok;
}

static bool early_tx_id(ocpp201_station *o, int64_t session_id, char out[CP_TX_ID_MAX + 1]) {
  if (session_id <= 0 || store_module_version(o->st->db, "ocpp201_tx_linger") < LINGER_STEPS)
    return false;
  sqlite3_stmt *s =
      store_stmt(o->st->db, "SELECT tx_id FROM ocpp201_tx_early WHERE session_id = ? LIMIT 1");
  if (!s) return false;
  sqlite3_bind_int64(s, 1, session_id);
  bool found = sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0);
  if (found) snprintf(out, CP_TX_ID_MAX + 1, "%s", (const char *)sqlite3_column_text(s, 0));
  store_stmt_release(o->st->db, s);
  return found;
}

/* ---------- C09: the starter's group, on disk with its session ---------- */

/* The session's starter group `grp` ("" or NULL: none) kept (or removed);
 * its own statement, inside the caller's commit (a session hook's batch). */
static void group_write(ocpp201_station *o, int64_t session, const char *grp) {
  if (session <= 0 || store_module_version(o->st->db, "ocpp201_tx_linger") < LINGER_STEPS) return;
  bool keep = grp && grp[0];
  sqlite3_stmt *s =
      store_stmt(o->st->db, keep ? "INSERT OR REPLACE INTO ocpp201_tx_group VALUES(?, ?)"
                                 : "DELETE FROM ocpp201_tx_group WHERE session_id = ?");
  bool ok = s != NULL;
  if (s) {
    sqlite3_bind_int64(s, 1, session);
    if (keep) sqlite3_bind_text(s, 2, grp, -1, SQLITE_TRANSIENT);
    ok = sqlite3_step(s) == SQLITE_DONE;
    store_stmt_release(o->st->db, s);
  }
  if (!ok)
    log_error(MOD, "session %lld: its starter's group is not kept: %s", (long long)session,
              store_last_error(o->st->db));
}

/* The group kept for a session (a resumed one), "" none. */
static void group_read(ocpp201_station *o, int64_t session, char out[CP_ID_MAX + 1]) {
  out[0] = 0;
  if (session <= 0 || store_module_version(o->st->db, "ocpp201_tx_linger") < LINGER_STEPS) return;
  sqlite3_stmt *s = store_stmt(o->st->db, "SELECT grp FROM ocpp201_tx_group WHERE session_id = ?");
  if (!s) return;
  sqlite3_bind_int64(s, 1, session);
  if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
    snprintf(out, CP_ID_MAX + 1, "%s", (const char *)sqlite3_column_text(s, 0));
  store_stmt_release(o->st->db, s);
}

/* ---------- J: the readings kept for the Ended event ---------- */

/* SampledDataCtrlr.TxEndedInterval / AlignedDataCtrlr.TxEndedInterval: the
 * TxEndedMeasurands (ocpp.StopTxnSampledData / ocpp.StopTxnAlignedData) of a
 * running transaction every interval from its start (context
 * Sample.Periodic) and at every instant aligned on the interval from
 * midnight (Sample.Clock), each on disk with the transaction as it is taken
 * (a row of ocpp201_tx_ended, its own commit), all of them in the Ended
 * event before its Transaction.End value, the rows removed in the commit
 * that queues the Ended: a kill -9 loses none and sends none twice. */
static bool tx_ended_ready(ocpp201_station *o) {
  return store_module_version(o->st->db, "ocpp201_tx_linger") >= LINGER_STEPS;
}

/* One statement with up to four integers; false on error. */
static bool ended_run(ocpp201_station *o, const char *sql, int64_t a, int64_t b, int64_t c,
                      int64_t d, const char *text, int64_t *out) {
  sqlite3_stmt *s = store_stmt(o->st->db, sql);
  if (!s) return false;
  int n = sqlite3_bind_parameter_count(s);
  int64_t v[4] = {a, b, c, d};
  for (int i = 0; i < n && i < 4; i++) sqlite3_bind_int64(s, i + 1, v[i]);
  if (text) sqlite3_bind_text(s, n, text, -1, SQLITE_TRANSIENT); /* the last parameter */
  int rc = sqlite3_step(s);
  bool ok = rc == SQLITE_DONE || (out && rc == SQLITE_ROW);
  if (out && rc == SQLITE_ROW) *out = sqlite3_column_int64(s, 0);
  store_stmt_release(o->st->db, s);
  return ok;
}

/* A reading of `series` (0 sampled, 1 clock-aligned) kept for the session's
 * Ended: numbered after the series' last, and in the same commit the ones the
 * bound no longer keeps removed (v201_txend_keeps: at most V201_TXEND_ROWS
 * evenly spread, the first and the latest always). */
static void keep_reading(ocpp201_station *o, int64_t session, int series, const json_t *mv) {
  char *text = json_dumps(mv, JSON_COMPACT);
  store *db = o->st->db;
  bool ok = false;
  if (text && tx_ended_ready(o)) {
    bool batch = store_batch_begin(db) == 0;
    int64_t n = 0;
    ok = ended_run(o,
                   "SELECT COALESCE(MAX(n) + 1, 0) FROM ocpp201_tx_ended WHERE session_id = ? AND "
                   "series = ?",
                   session, series, 0, 0, NULL, &n) &&
         ended_run(o,
                   "INSERT INTO ocpp201_tx_ended(session_id, series, n, meter_value) "
                   "VALUES(?, ?, ?, ?)",
                   session, series, n, 0, text, NULL) &&
         ended_run(o,
                   "DELETE FROM ocpp201_tx_ended WHERE session_id = ? AND series = ? AND n < ? "
                   "AND n % ? != 0",
                   session, series, n, v201_txend_stride(n + 1, V201_TXEND_ROWS), NULL, NULL);
    if (batch && store_batch_end(db) != 0) ok = false;
  }
  if (!ok)
    log_error(MOD, "session %lld: a reading for its Ended event is not kept: %s",
              (long long)session, store_last_error(db));
  free(text);
}

/* The readings kept for the session's Ended, oldest first (their count in
 * *series), then `end` (taken; NULL: none); NULL when there is none at all. */
static json_t *kept_readings(ocpp201_station *o, int64_t session, json_t *end, size_t *series) {
  json_t *all = json_array();
  sqlite3_stmt *s =
      session && tx_ended_ready(o)
          ? store_stmt(o->st->db, "SELECT meter_value FROM ocpp201_tx_ended WHERE session_id = ?"
                                  " ORDER BY id")
          : NULL;
  if (s) {
    sqlite3_bind_int64(s, 1, session);
    while (sqlite3_step(s) == SQLITE_ROW) {
      const char *text = (const char *)sqlite3_column_text(s, 0);
      json_t *mv = text ? json_loads(text, 0, NULL) : NULL;
      if (json_is_object(mv))
        json_array_append(all, mv);
      else
        log_warn(MOD, "session %lld: a kept reading is not JSON: left out", (long long)session);
      json_decref(mv);
    }
    store_stmt_release(o->st->db, s);
  }
  *series = json_array_size(all);
  if (end) json_array_extend(all, end);
  json_decref(end);
  if (json_array_size(all) == 0) {
    json_decref(all);
    return NULL;
  }
  return all;
}

static void forget_readings(ocpp201_station *o, int64_t session) {
  if (!session || !tx_ended_ready(o)) return;
  sqlite3_stmt *s = store_stmt(o->st->db, "DELETE FROM ocpp201_tx_ended WHERE session_id = ?");
  bool ok = s != NULL;
  if (s) {
    sqlite3_bind_int64(s, 1, session);
    ok = sqlite3_step(s) == SQLITE_DONE;
    store_stmt_release(o->st->db, s);
  }
  if (!ok)
    log_error(MOD, "session %lld: its kept readings stay: %s", (long long)session,
              store_last_error(o->st->db));
}

/* The journal key the readings of EVSE c's transaction are kept under: its
 * session's; before its session (begun at the plug) its own key below 0,
 * moved to the session's in the commit that adopts it; after its session
 * (waiting for the car) still the session's. 0: no transaction taking
 * readings (none, or the badge's held one: no EVSE, no meter). */
static int64_t tx_ended_key(const ocpp201_station *o, int c) {
  const v201_evse *k = &o->evse[c - 1];
  if (!k->tx_id[0] || !k->txend.running) return 0;
  if (k->session_id) return k->session_id;
  if (k->txp.open && (k->txp.early || k->txp.lingering)) return k->txp.session;
  return 0;
}

/* The transaction of EVSE c (started at `start`) begins its series. */
static void tx_ended_begin(ocpp201_station *o, int c, borne_ms start) {
  v201_txend *t = &o->evse[c - 1].txend;
  v201_txend_start(t, start);
  (void)v201_txend_due(t, key201_int(o, "SampledDataTxEndedInterval"),
                       key201_int(o, "AlignedDataTxEndedInterval"), now201(o), NULL, NULL);
}

static borne_ms take_tx_ended(ocpp201_station *o, borne_ms now) {
  long sampled = key201_int(o, "SampledDataTxEndedInterval");
  long aligned = key201_int(o, "AlignedDataTxEndedInterval");
  borne_ms next = NEVER;
  for (int c = 1; c <= o->count; c++) {
    v201_evse *k = &o->evse[c - 1];
    int64_t key = tx_ended_key(o, c);
    if (!key) continue;
    borne_ms s_at = now, a_at = now;
    unsigned due = v201_txend_due(&k->txend, sampled, aligned, now, &s_at, &a_at);
    if (due && o->st->conn[c - 1].meter_ok) {
      ocpp16_sample_extra x = v201_sample_extra(o, c);
      const meter_reading *r = &o->st->conn[c - 1].meter;
      json_t *mv = NULL;
      if ((due & V201_TXEND_SAMPLED) && (mv = v201_meter_value(key201_str(o, "StopTxnSampledData"),
                                                               r, &x, "Sample.Periodic", s_at)))
        sign_and_keep(o, c, key, 0, mv, s_at);
      json_decref(mv);
      mv = NULL;
      if ((due & V201_TXEND_ALIGNED) &&
          (mv = v201_meter_value(key201_str(o, "StopTxnAlignedData"), r, &x, "Sample.Clock", a_at)))
        sign_and_keep(o, c, key, 1, mv, a_at);
      json_decref(mv);
    }
    borne_ms n = v201_txend_next(&k->txend);
    if (n < next) next = n;
  }
  return next;
}

borne_ms v201_tx_ended_next(const ocpp201_station *o) {
  borne_ms next = NEVER;
  long sampled = key201_int(o, "SampledDataTxEndedInterval");
  long aligned = key201_int(o, "AlignedDataTxEndedInterval");
  for (int c = 1; c <= o->count; c++) {
    const v201_txend *t = &o->evse[c - 1].txend;
    if (!tx_ended_key(o, c)) continue;
    /* an interval changed (SetVariables): planned anew at once */
    if (t->sampled_s != (sampled > 0 ? sampled : 0) || t->aligned_s != (aligned > 0 ? aligned : 0))
      return now201(o);
    borne_ms n = v201_txend_next(t);
    if (n < next) next = n;
  }
  return next;
}

/* E01: the transaction of EVSE c starts (its Started), at `at` with the
 * register at `wh`; the session's signed begin record rides on it when the
 * transaction starts with the session. */
static void send_started(ocpp201_station *o, int c, const char *trigger, borne_ms at, double wh,
                         bool with_session) {
  v201_evse *k = &o->evse[c - 1];
  v201_txp *t = &k->txp;
  memcpy(k->tx_id, t->tx_id, sizeof k->tx_id);
  k->tx_state = k->status;
  k->last_sample = now201(o);
  v201_tx_event e = event_of(o, c, CP_EVENT_STARTED, t->remote ? "RemoteStart" : trigger);
  e.at = at;
  e.id_token = t->uid[0] ? t->uid : NULL;
  e.central_token = t->central;
  e.token_type = t->token_type;
  e.remote_start_id = t->remote_start_id;
  e.reservation_id = t->reservation_id;
  meter_reading begin = {.energy_import_wh = wh};
  e.meter_values =
      one_meter_value(o, c, "Energy.Active.Import.Register", &begin, "Transaction.Begin", at);
  if (with_session) sign_meter_values(o, c, t->session, 'B', "Transaction.Begin", e.meter_values);
  enqueue(o, t->session, &e);
  tx_ended_begin(o, c, at);
  v201_arm_tick(o); /* the series' first instant */
}

/* The session's Transaction.Begin value as its Started carried it (the
 * session's start and register, read from disk: the same after a restart)
 * with its signed OCMF begin record; NULL when there is no such record. */
static json_t *signed_begin(ocpp201_station *o, int c, int64_t session) {
  session_row row;
  if (session <= 0 || store_session_get(o->st->db, session, &row) != 0) return NULL;
  meter_reading begin = {.energy_import_wh = row.meter_start_wh};
  json_t *mv = one_meter_value(o, c, "Energy.Active.Import.Register", &begin, "Transaction.Begin",
                               row.start_ms);
  sign_meter_values(o, c, session, 'B', "Transaction.Begin", mv);
  json_t *sv = json_array_get(json_object_get(json_array_get(mv, 0), "sampledValue"), 0);
  if (!json_object_get(sv, "signedMeterValue")) { /* no OCMF record: nothing to add */
    json_decref(mv);
    return NULL;
  }
  json_t *one = json_incref(json_array_get(mv, 0));
  json_decref(mv);
  return one;
}

/* E06: the transaction of EVSE c ends (its Ended) at `at`, the register at
 * `wh`; `stopped_name` says stoppedReason when not `why`'s. */
static void send_ended(ocpp201_station *o, int c, const char *trigger, stop_reason why,
                       const char *stopped_name, const char *token, borne_ms at, double wh,
                       bool with_session) {
  v201_evse *k = &o->evse[c - 1];
  int64_t session = k->txp.session;
  v201_tx_event e = event_of(o, c, CP_EVENT_ENDED, trigger);
  /* the car left (E06.FR.02/04, TC_E_17/TC_E_20: chargingState Idle), even
   * when its session stopped before the EVSE's status said so */
  if (!strcmp(trigger, "EVCommunicationLost")) e.status = STATUS_AVAILABLE;
  e.at = at;
  e.stopped = why;
  e.stopped_name = stopped_name;
  e.id_token = token;
  meter_reading end = o->st->conn[c - 1].meter;
  end.energy_import_wh = wh;
  const char *stop_data = key201_str(o, "StopTxnSampledData");
  store *db = o->st->db;
  bool batch = store_batch_begin(db) == 0; /* in a session's stop: its batch */
  /* J: the readings the transaction kept, then its Transaction.End value */
  e.meter_values = kept_readings(
      o, session,
      one_meter_value(o, c, stop_data[0] ? stop_data : "Energy.Active.Import.Register", &end,
                      "Transaction.End", at),
      &e.series);
  if (with_session) {
    /* the OCA application note, 4.1.2: the Ended carries the signed start
     * value too, Transaction.Begin, before the series */
    json_t *begin = signed_begin(o, c, session);
    if (begin && !e.meter_values) e.meter_values = json_array();
    if (begin && json_array_insert_new(e.meter_values, 0, begin) == 0) e.series_from = 1;
    sign_meter_values(o, c, session, 'E', "Transaction.End", e.meter_values);
  }
  if (enqueue(o, session, &e)) forget_readings(o, session); /* else they wait for it */
  if (session > 0 && store_module_version(o->st->db, "ocpp201_tx_linger") >= LINGER_STEPS)
    early_run(o, "DELETE FROM ocpp201_tx_early WHERE session_id = ?", session, 0, NULL, 0);
  if (batch && store_batch_end(db) != 0)
    log_error(MOD, "cannot queue TransactionEvent durably: %s", store_last_error(db));
  v201_txend_stop(&k->txend);
  v201_display_transaction_ended(o, k->tx_id);
  k->tx_id[0] = 0;
}

/* session 0: the EVSE's row removed. */
static void linger_write(ocpp201_station *o, int c, int64_t session, int reason, double wh) {
  sqlite3_stmt *s =
      store_stmt(o->st->db, session ? "INSERT OR REPLACE INTO ocpp201_tx_linger VALUES(?, ?, ?, ?)"
                                    : "DELETE FROM ocpp201_tx_linger WHERE evse = ?");
  if (!s) {
    log_error(MOD, "EVSE %d: cannot keep its transaction's stop: %s", c,
              store_last_error(o->st->db));
    return;
  }
  sqlite3_bind_int(s, 1, c);
  if (session) {
    sqlite3_bind_int64(s, 2, session);
    sqlite3_bind_int(s, 3, reason);
    sqlite3_bind_double(s, 4, wh);
  }
  if (sqlite3_step(s) != SQLITE_DONE)
    log_error(MOD, "EVSE %d: cannot keep its transaction's stop: %s", c,
              store_last_error(o->st->db));
  store_stmt_release(o->st->db, s);
}

static void end_held(ocpp201_station *o, const char *trigger, stop_reason why,
                     const char *stopped_name);

/* Once: a badge's transaction waiting for its car when the station stopped
 * (the station's held authorization did not survive the restart) ends. */
static void restore_held(ocpp201_station *o) {
  if (o->held.restored || store_in_batch(o->st->db) ||
      store_module_version(o->st->db, "ocpp201_tx_linger") < LINGER_STEPS)
    return;
  if (o->shared && o->shared->active && o->shared->active->family != OCPP_FAMILY_V201) return;
  o->held.restored = true;
  sqlite3_stmt *s = store_stmt(o->st->db, "SELECT journal_key, tx_id FROM ocpp201_tx_early"
                                          " WHERE evse = 0 AND session_id = 0");
  if (!s) return;
  while (sqlite3_step(s) == SQLITE_ROW && !o->held.open && sqlite3_column_text(s, 1)) {
    o->held = (v201_txp){.start = V201_TXP_AUTH,
                         .session = sqlite3_column_int64(s, 0),
                         .open = true,
                         .early = true,
                         .by_badge = true,
                         .restored = true};
    snprintf(o->held.tx_id, sizeof o->held.tx_id, "%s", (const char *)sqlite3_column_text(s, 1));
  }
  store_stmt_release(o->st->db, s);
  if (o->held.open) end_held(o, "AbnormalCondition", STOP_POWER_LOSS, NULL);
}

/* Once per EVSE: a transaction that was waiting for the car to leave when
 * the station stopped waits again. */
int v201_tx_schema(store *db) {
  if (store_module_migrate(db, "ocpp201_tx_linger", linger_steps, LINGER_STEPS) != 0) {
    log_error(MOD, "transactions waiting for the car: %s", store_last_error(db));
    return -1;
  }
  if (v201_txkey_schema(db) != 0)
    log_error(MOD, "transactions that sent the public key: %s", store_last_error(db));
  return 0;
}

static void restore_lingering(ocpp201_station *o, int c) {
  v201_evse *k = &o->evse[c - 1];
  v201_txp *t = &k->txp;
  if (t->restored || store_in_batch(o->st->db)) return; /* migrations open their own */
  t->restored = true;
  if (v201_tx_schema(o->st->db) != 0) return;
  sqlite3_stmt *s = store_stmt(
      o->st->db, "SELECT session_id, reason, meter_stop_wh FROM ocpp201_tx_linger WHERE evse = ?");
  if (!s) return;
  sqlite3_bind_int(s, 1, c);
  session_row row = {0};
  if (sqlite3_step(s) == SQLITE_ROW && !t->open && sqlite3_column_int(s, 1) >= 0 &&
      store_session_get(o->st->db, sqlite3_column_int64(s, 0), &row) == 0) {
    t->session = row.id;
    t->reason = (stop_reason)sqlite3_column_int(s, 1);
    t->meter_stop_wh = sqlite3_column_double(s, 2);
    t->stop = V201_TXP_EV;
    t->open = t->lingering = true;
    session_tx_id(o, row.id, row.start_ms, k->tx_id);
    memcpy(t->tx_id, k->tx_id, sizeof t->tx_id);
    tx_ended_begin(o, c, row.start_ms); /* J: its series goes on */
  }
  store_stmt_release(o->st->db, s);
  /* a transaction begun at the plug that was waiting for its badge */
  s = store_stmt(o->st->db, "SELECT journal_key, tx_id, stop FROM ocpp201_tx_early"
                            " WHERE evse = ? AND session_id = 0 ORDER BY journal_key LIMIT 1");
  if (!s) return;
  sqlite3_bind_int(s, 1, c);
  if (sqlite3_step(s) == SQLITE_ROW && !t->open && sqlite3_column_text(s, 1)) {
    *t = (v201_txp){.start = V201_TXP_EV,
                    .stop = (unsigned)sqlite3_column_int(s, 2),
                    .session = sqlite3_column_int64(s, 0),
                    .open = true,
                    .early = true,
                    .restored = true};
    snprintf(k->tx_id, sizeof k->tx_id, "%s", (const char *)sqlite3_column_text(s, 1));
    memcpy(t->tx_id, k->tx_id, sizeof t->tx_id);
    k->tx_state = STATUS_PREPARING;
    tx_ended_begin(o, c, -t->session / 64); /* J: from the plug (its key: -(ms x 64 + EVSE)) */
  }
  store_stmt_release(o->st->db, s);
}

/* E01 TxStartPoint EVConnected: a car plugged in, no badge yet. The
 * transaction starts now (CablePluggedIn, no idToken) under a journal key of
 * its own below 0 (no session exists to number its events), its row on disk
 * in the commit of its Started; the session that the badge starts takes it
 * over (v201_on_session_started, cp_journal_adopt). */
static void start_early(ocpp201_station *o, int c) {
  v201_evse *k = &o->evse[c - 1];
  v201_txp *t = &k->txp;
  /* statuses go to every dialect: only the one spoken starts transactions */
  if (o->shared && o->shared->active && o->shared->active->family != OCPP_FAMILY_V201) return;
  borne_ms at = now201(o);
  int64_t key = -((int64_t)at * 64 + c); /* one a millisecond and EVSE */
  if (v201_txp_plugged(t, tx_points(o, "ocpp.TxStartPoint"), tx_points(o, "ocpp.TxStopPoint"),
                       key) != V201_TXP_START)
    return;
  snprintf(t->tx_id, sizeof t->tx_id, "ev%d-%" PRIx64, c, (uint64_t)at);
  store *db = o->st->db;
  bool batch = store_batch_begin(db) == 0;
  early_run(o, "INSERT OR REPLACE INTO ocpp201_tx_early VALUES(?, ?, ?, ?, 0)", key, c, t->tx_id,
            t->stop);
  send_started(o, c, "CablePluggedIn", at, o->st->conn[c - 1].meter.energy_import_wh, false);
  if (batch && store_batch_end(db) != 0)
    log_error(MOD, "cannot queue TransactionEvent durably: %s", store_last_error(db));
}

/* An early or held transaction's end is queued: its row and journal key go
 * in the same batch, then the EVSE (or the held badge) is free again. */
static void forget_early(ocpp201_station *o, v201_txp *t, int64_t key, store *db, bool batch) {
  early_run(o, "DELETE FROM ocpp201_tx_early WHERE journal_key = ?", key, 0, NULL, 0);
  cp_journal_forget_key(o->journal, key);
  if (batch && store_batch_end(db) != 0)
    log_error(MOD, "cannot queue TransactionEvent durably: %s", store_last_error(db));
  v201_txp_ended(t);
  v201_reset_when_idle(o);
}

/* An early transaction ends before any session took it over: the car left
 * (EVCommunicationLost, EVDisconnected) or the CSMS stopped it. */
static void end_early(ocpp201_station *o, int c, const char *trigger, stop_reason why) {
  v201_txp *t = &o->evse[c - 1].txp;
  int64_t key = t->session;
  store *db = o->st->db;
  bool batch = store_batch_begin(db) == 0;
  send_ended(o, c, trigger, why, NULL, NULL, now201(o), o->st->conn[c - 1].meter.energy_import_wh,
             false);
  forget_early(o, t, key, db, batch);
}

/* An event of the station's held transaction (no EVSE: chargingState Idle,
 * no meter). */
static void send_held(ocpp201_station *o, cp_event_kind kind, const char *trigger, stop_reason why,
                      const char *stopped_name) {
  v201_txp *t = &o->held;
  v201_tx_event e = {.kind = kind,
                     .trigger_reason = trigger,
                     .at = now201(o),
                     .tx_id = t->tx_id,
                     .status = STATUS_AVAILABLE, /* Idle: no car */
                     .stopped = why,
                     .stopped_name = stopped_name};
  if (kind == CP_EVENT_STARTED) {
    e.id_token = t->uid[0] ? t->uid : NULL;
    e.central_token = t->central;
    e.token_type = t->token_type;
    e.remote_start_id = t->remote_start_id;
  }
  /* SampledDataCtrlr.TxStartedMeasurands (Energy.Active.Import.Register)
   * read now, at the badge: the register of the only EVSE the car can come
   * to; its Ended (no car came) the same register as Transaction.End */
  int c = o->held_evse;
  if (c >= 1 && c <= o->count && o->st->conn[c - 1].meter_ok) {
    meter_reading r = {.energy_import_wh = o->st->conn[c - 1].meter.energy_import_wh};
    e.meter_values =
        one_meter_value(o, c, "Energy.Active.Import.Register", &r,
                        kind == CP_EVENT_STARTED ? "Transaction.Begin" : "Transaction.End", e.at);
  }
  enqueue(o, t->session, &e);
}

/* E03 (IdToken first): a badge or a remote start accepted while no car
 * waits starts a transaction, TxStartPoint Authorized (Started: its token,
 * triggerReason Authorized / RemoteStart, no EVSE), under a journal key of
 * its own as one begun at the plug. */
static void start_held(ocpp201_station *o, const char *uid) {
  v201_txp *t = &o->held;
  borne_ms at = now201(o);
  int64_t key = -((int64_t)at * 64); /* the EVSEs' are at * 64 + c */
  if (v201_txp_authorized(t, tx_points(o, "ocpp.TxStartPoint"), tx_points(o, "ocpp.TxStopPoint"),
                          key) != V201_TXP_START)
    return;
  snprintf(t->tx_id, sizeof t->tx_id, "id-%" PRIx64, (uint64_t)at);
  snprintf(t->uid, sizeof t->uid, "%s", uid);
  connector_status now[BORNE_MAX_CONNECTORS];
  for (int c = 1; c <= o->count; c++)
    now[c - 1] = o->evse[c - 1].known ? o->evse[c - 1].status : STATUS_UNAVAILABLE;
  o->held_evse = v201_txp_begin_evse(now, o->count);
  t->token_type[0] = 0;
  for (int c = 1; c <= o->count; c++) { /* a remote start's (RequestStartTransaction) */
    v201_evse *k = &o->evse[c - 1];
    if (k->remote_pending && !strcmp(k->remote_token, uid)) {
      t->remote = t->central = true;
      t->remote_start_id = k->remote_start_id;
      snprintf(t->token_type, sizeof t->token_type, "%s", k->remote_type);
    }
  }
  store *db = o->st->db;
  bool batch = store_batch_begin(db) == 0;
  early_run(o, "INSERT OR REPLACE INTO ocpp201_tx_early VALUES(?, ?, ?, ?, 0)", key, 0, t->tx_id,
            t->stop);
  send_held(o, CP_EVENT_STARTED, t->remote ? "RemoteStart" : "Authorized", STOP_NONE, NULL);
  if (batch && store_batch_end(db) != 0)
    log_error(MOD, "cannot queue TransactionEvent durably: %s", store_last_error(db));
}

static void end_held(ocpp201_station *o, const char *trigger, stop_reason why,
                     const char *stopped_name) {
  v201_txp *t = &o->held;
  int64_t key = t->session;
  store *db = o->st->db;
  bool batch = store_batch_begin(db) == 0;
  send_held(o, CP_EVENT_ENDED, trigger, why, stopped_name);
  o->held_evse = 0;
  forget_early(o, t, key, db, batch);
}

void v201_tx_auth_event(ocpp201_station *o, int c, const char *kind, const char *detail) {
  v201_txp *t = &o->held;
  size_t n = strlen(t->uid);
  bool ours = t->open && n && !strncmp(detail, t->uid, n) && (!detail[n] || detail[n] == ':');
  if (!strcmp(kind, "auth_accepted") && c == 0) { /* held for the next car */
    if (ours) return;                             /* the same badge again: the same wait */
    if (t->open) end_held(o, "Deauthorized", STOP_OTHER, NULL); /* another badge took its place */
    start_held(o, detail);
  } else if (!strcmp(kind, "auth_expired") && ours) { /* E03: EVConnectionTimeOut */
    end_held(o, "EVConnectTimeout", STOP_OTHER, "Timeout");
  } else if (!strcmp(kind, "auth_refused") && ours && c > 0) { /* its user may not charge there */
    end_held(o, "Deauthorized", STOP_DEAUTHORIZED, NULL);
  }
}

void v201_tx_stop_held(ocpp201_station *o) {
  if (!o->held.open) return;
  char uid[sizeof o->held.uid];
  memcpy(uid, o->held.uid, sizeof uid);
  end_held(o, "RemoteStop", STOP_REMOTE, NULL);
  if (station_withdraw_held_authorization(o->st, uid) != 0)
    log_warn(MOD, "the authorization of %s was no longer held", uid);
}

void v201_tx_restore(ocpp201_station *o) {
  for (int c = 1; c <= o->count; c++) restore_lingering(o, c);
  /* J: readings of a transaction whose Ended went another way (its session
   * handed to 1.6) are kept two days after the session's end, then dropped;
   * those of a transaction begun at the plug that is gone (a switch to 1.6
   * forgets it) at once */
  if (!tx_ended_ready(o) || store_in_batch(o->st->db)) return;
  sqlite3_stmt *s =
      store_stmt(o->st->db, "DELETE FROM ocpp201_tx_ended WHERE (session_id NOT IN"
                            " (SELECT session_id FROM ocpp201_tx_linger) AND session_id IN"
                            " (SELECT id FROM sessions WHERE stop_ms != 0 AND stop_ms < ?))"
                            " OR (session_id < 0 AND session_id NOT IN"
                            " (SELECT journal_key FROM ocpp201_tx_early))");
  if (!s) return;
  sqlite3_bind_int64(s, 1, now201(o) - 2 * 86400000LL);
  if (sqlite3_step(s) != SQLITE_DONE)
    log_warn(MOD, "old kept readings stay: %s", store_last_error(o->st->db));
  store_stmt_release(o->st->db, s);
  /* C09: the groups of sessions that ended while another dialect spoke */
  s = store_stmt(o->st->db, "DELETE FROM ocpp201_tx_group WHERE session_id NOT IN"
                            " (SELECT id FROM sessions WHERE stop_ms = 0)");
  if (!s) return;
  if (sqlite3_step(s) != SQLITE_DONE)
    log_warn(MOD, "old starters' groups stay: %s", store_last_error(o->st->db));
  store_stmt_release(o->st->db, s);
}

int ocpp201_end_left_behind(station *st, cp_journal *j) {
  store *db = st->db;
  if (store_in_batch(db) || store_module_version(db, "ocpp201_tx_linger") < LINGER_STEPS)
    return 0; /* 2.0.1 never ran its transactions here: none */
  int64_t keys[BORNE_MAX_CONNECTORS + 1];
  int evses[BORNE_MAX_CONNECTORS + 1];
  char ids[BORNE_MAX_CONNECTORS + 1][CP_TX_ID_MAX + 1];
  int n = 0;
  sqlite3_stmt *s = store_stmt(db, "SELECT journal_key, evse, tx_id FROM ocpp201_tx_early"
                                   " WHERE session_id = 0 ORDER BY journal_key DESC");
  if (!s) return 0;
  while (n <= BORNE_MAX_CONNECTORS && sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 2)) {
    keys[n] = sqlite3_column_int64(s, 0);
    evses[n] = sqlite3_column_int(s, 1);
    snprintf(ids[n], sizeof ids[n], "%s", (const char *)sqlite3_column_text(s, 2));
    n++;
  }
  store_stmt_release(db, s);
  int ended = 0;
  borne_ms now = clock_now(&st->clock);
  for (int i = 0; i < n; i++) {
    int c = evses[i] >= 1 && evses[i] <= station_connector_count(st) ? evses[i] : 0;
    v201_tx_event e = {.kind = CP_EVENT_ENDED,
                       .trigger_reason = "AbnormalCondition",
                       .offline = true,
                       .at = now,
                       .tx_id = ids[i],
                       .status = STATUS_AVAILABLE,
                       .stopped = STOP_OTHER,
                       .evse = c};
    if (c) {
      station_connector_view v;
      station_view(st, c, &v);
      e.status = v.status;
      if (st->conn[c - 1].meter_ok) {
        ocpp16_sample_extra x = {.phases = v.phases, .offered_a = v.offered_a};
        json_t *mv = v201_meter_value("Energy.Active.Import.Register", &st->conn[c - 1].meter, &x,
                                      "Transaction.End", now);
        if (mv) e.meter_values = json_pack("[o]", mv);
      }
    }
    bool batch = store_batch_begin(db) == 0;
    e.seq_no = cp_journal_next_seq(j, keys[i]);
    json_t *p = e.seq_no >= 0 ? v201_transaction_event(&e) : NULL;
    if (!p) json_decref(e.meter_values);
    char *text = p ? json_dumps(p, JSON_COMPACT) : NULL;
    bool ok = text && cp_journal_push(j, keys[i], CP_EVENT_ENDED, text, now) == 0;
    if (ok) {
      sqlite3_stmt *d = store_stmt(db, "DELETE FROM ocpp201_tx_early WHERE journal_key = ?");
      ok = d != NULL;
      if (d) {
        sqlite3_bind_int64(d, 1, keys[i]);
        ok = sqlite3_step(d) == SQLITE_DONE;
        store_stmt_release(db, d);
      }
      cp_journal_forget_key(j, keys[i]);
    }
    if (batch && store_batch_end(db) != 0) ok = false;
    free(text);
    json_decref(p);
    if (!ok) {
      log_error(MOD, "%s: its Ended is not queued: %s", ids[i], store_last_error(db));
      continue;
    }
    station_event(st, c, "ocpp_tx_left", "%s ended: the other OCPP version cannot carry it",
                  ids[i]);
    ended++;
  }
  return ended;
}

void v201_unpark(ocpp201_station *o) {
  int n = cp_journal_unpark(o->journal);
  if (n < 0)
    log_error(MOD, "the messages set aside under 1.6 stay aside: %s", cp_journal_error(o->journal));
  else if (n > 0)
    station_event(o->st, 0, "ocpp_unparked",
                  "%d queued 2.0.1 message%s set aside under 1.6 back in the queue", n,
                  n == 1 ? "" : "s");
}

void v201_tx_left(ocpp201_station *o) {
  for (int c = 1; c <= o->count; c++) {
    if (v201_txp_left(&o->evse[c - 1].txp) != V201_TXP_END) continue;
    station_event(o->st, c, "ocpp_tx_left", "%s ended: the other OCPP version cannot carry it",
                  o->evse[c - 1].txp.tx_id);
    end_early(o, c, "AbnormalCondition", STOP_OTHER);
  }
  if (v201_txp_left(&o->held) == V201_TXP_END) {
    station_event(o->st, 0, "ocpp_tx_left", "%s ended: the other OCPP version cannot carry it",
                  o->held.tx_id);
    end_held(o, "AbnormalCondition", STOP_OTHER, NULL);
  }
}

bool v201_tx_stop_early(ocpp201_station *o, int c) {
  if (c < 1 || c > o->count || !o->evse[c - 1].txp.early) return false;
  end_early(o, c, "RemoteStop", STOP_REMOTE);
  return true;
}

/* A transaction that outlived its session (TxStopPoint EVConnected alone)
 * ends: the car left (E06: EVCommunicationLost), or a new session starts. */
static void end_lingering(ocpp201_station *o, int c) {
  v201_txp *t = &o->evse[c - 1].txp;
  store *db = o->st->db;
  bool batch = store_batch_begin(db) == 0;
  send_ended(o, c, "EVCommunicationLost", t->reason, NULL, NULL, now201(o), t->meter_stop_wh, true);
  linger_write(o, c, 0, 0, 0);
  if (batch && store_batch_end(db) != 0)
    log_error(MOD, "cannot queue TransactionEvent durably: %s", store_last_error(db));
  v201_txp_ended(t);
  v201_reset_when_idle(o); /* B12: a Reset OnIdle waited for it */
}

/* H03 (Edition 3 errata 2025-09, S1/S2 scenario #2) and G01.FR.09: a car
 * plugged into an EVSE reserved for another token leaves it Reserved, no
 * status tells it; TxStartPoint EVConnected starts the transaction at the
 * plug all the same (E02), and the car taken away before the reservation's
 * token came ends it. The reservation stays until its token (or group)
 * starts the session, whose Updated names it (reservationId). */
void v201_tx_reserved_plug(ocpp201_station *o, int c, bool plugged) {
  if (c < 1 || c > o->count) return;
  v201_evse *k = &o->evse[c - 1];
  v201_txp *t = &k->txp;
  restore_lingering(o, c);
  if (plugged) {
    if (!k->session_id && station_waiting_for_authorization(o->st, c)) start_early(o, c);
  } else if (t->early && !t->by_badge) {
    end_early(o, c, "EVCommunicationLost", STOP_EV_DISCONNECTED);
  } else if (t->lingering) {
    end_lingering(o, c);
  }
}

/* The EVSE's status changed (availability.c): the points EnergyTransfer
 * (Charging entered or left) and the car leaving. */
void v201_tx_points_status(ocpp201_station *o, int c, connector_status was) {
  v201_evse *k = &o->evse[c - 1];
  v201_txp *t = &k->txp;
  restore_lingering(o, c);
  restore_held(o);
  bool lingering = t->lingering, early = t->early;
  double wh = o->st->conn[c - 1].meter.energy_import_wh;
  /* Reserved with a car waiting (G01.FR.09): the car has not left (its
   * leaving is the event reserved_plug, v201_tx_reserved_plug) */
  if (k->status == STATUS_RESERVED && (early || lingering) &&
      station_waiting_for_authorization(o->st, c))
    return;
  switch (v201_txp_status(t, was, k->status)) {
  case V201_TXP_START: /* TxStartPoint EnergyTransfer: the first energy flow */
    send_started(o, c, "ChargingStateChanged", now201(o), wh, false);
    break;
  case V201_TXP_END:
    if (early) {                 /* the car left before any badge */
      t->early = t->open = true; /* end_early's */
      end_early(o, c, "EVCommunicationLost", STOP_EV_DISCONNECTED);
    } else if (lingering) {
      t->lingering = t->open = true; /* end_lingering's */
      end_lingering(o, c);
    } else { /* TxStopPoint EnergyTransfer: the energy stopped flowing */
      store *db = o->st->db;
      bool batch = store_batch_begin(db) == 0;
      /* 2.1 E16: a limit reached stopped it (E16.FR.06 in third-party readings) */
      const char *trigger = "ChargingStateChanged";
      const char *why = v201_txp_energy_stopped_reason(k->status);
      (void)v201_limits_told(o, c, &trigger, &why);
      send_ended(o, c, trigger, STOP_OTHER, why, NULL, now201(o), wh, false);
      linger_write(o, c, t->session, ENDED_WITH_ENERGY, wh);
      if (batch && store_batch_end(db) != 0)
        log_error(MOD, "cannot queue TransactionEvent durably: %s", store_last_error(db));
    }
    break;
  default:
    if (k->status == STATUS_PREPARING && !k->session_id &&
        station_waiting_for_authorization(o->st, c))
      start_early(o, c); /* TxStartPoint EVConnected: the car came first */
    break;
  }
}

/* A resumed session: did its transaction end with the energy flow before
 * the restart? */
static bool ended_before(ocpp201_station *o, int c, int64_t session_id) {
  sqlite3_stmt *s = store_stmt(
      o->st->db, "SELECT reason FROM ocpp201_tx_linger WHERE evse = ? AND session_id = ?");
  if (!s) return false;
  sqlite3_bind_int(s, 1, c);
  sqlite3_bind_int64(s, 2, session_id);
  bool ended = sqlite3_step(s) == SQLITE_ROW && sqlite3_column_int(s, 0) == ENDED_WITH_ENERGY;
  store_stmt_release(o->st->db, s);
  return ended;
}

/* A resumed session whose transaction waited for its start point: did it
 * start before the restart (or under 1.6, before the switch)? */
static bool started_before(ocpp201_station *o, int64_t session_id) {
  char known[CP_TX_ID_MAX + 1] = "";
  if (cp_journal_peek_seq(o->journal, session_id) > 0 ||
      cp_journal_tx_id(o->journal, session_id, known))
    return true;
  cp_journal_entry *list = NULL;
  int n = cp_journal_of_session(o->journal, session_id, &list);
  bool any = false;
  for (int i = 0; i < n; i++) {
    any = any || tx_kind(list[i].kind);
    free(list[i].payload);
  }
  free(list);
  return any;
}

void v201_on_session_started(void *ctx, int c, const station_session_info *s) {
  ocpp201_station *o = ctx;
  v201_evse *k = &o->evse[c - 1];
  restore_lingering(o, c);
  if (k->txp.lingering) end_lingering(o, c); /* the car left unseen */
  const char *uid_now = s->uid && s->uid[0] ? s->uid : "";
  if (!s->resumed && o->held.open && !strcmp(o->held.uid, uid_now))
    v201_txp_take(&k->txp, &o->held); /* the car of a badge that came first (E03) */
  int64_t early_key = k->txp.early ? k->txp.session : 0;
  v201_txp_action a = v201_txp_session_started(&k->txp, tx_points(o, "ocpp.TxStartPoint"),
                                               tx_points(o, "ocpp.TxStopPoint"), s->id);
  v201_txp *t = &k->txp;
  if (a == V201_TXP_ADOPT && !s->resumed) {
    /* the transaction begun at the plug becomes the session's, in the
     * session's commit: its queued events, its seqNo, its transactionId */
    if (cp_journal_adopt(o->journal, early_key, s->id) != 0)
      log_error(MOD, "EVSE %d: cannot hand the transaction begun at the plug to session %lld: %s",
                c, (long long)s->id, cp_journal_error(o->journal));
    early_run(o, "UPDATE ocpp201_tx_early SET session_id = ?1, evse = ?4 WHERE journal_key = ?2",
              s->id, early_key, NULL, c);
    /* J: the readings kept since the plug go with it */
    if (tx_ended_ready(o))
      early_run(o, "UPDATE ocpp201_tx_ended SET session_id = ?1 WHERE session_id = ?2", s->id,
                early_key, NULL, 0);
  }
  k->session_id = s->id;
  /* C09: a resumed session's as kept with it (else the list's or the cache's) */
  group_read(o, s->id, k->starter_group);
  k->last_sample = now201(o);
  /* the same after a restart: made from the session, or the 1.6 back end's
   * (or the plug's, for a transaction begun there) */
  session_tx_id(o, s->id, s->start_ms, k->tx_id);
  memcpy(t->tx_id, k->tx_id, sizeof t->tx_id);
  k->tx_state = k->status;
  v201_cost_session_started(o, c, s);
  v201_limits_session_started(o, c, s);    /* 2.1 E16: a resumed one's limit again */
  v201_profiles_transaction_started(o, c); /* a TxProfile binds to the id it will have */
  if (s->resumed) {
    /* the token of a Started still to come (TxStartPoint EnergyTransfer) */
    const char *uid0 = s->uid && s->uid[0] ? s->uid : config_get(o->st->cfg, "ocpp.free_id_tag");
    snprintf(t->uid, sizeof t->uid, "%s", uid0 ? uid0 : "");
    t->central = !s->uid || !s->uid[0];
    t->token_type[0] = 0; /* a remote start's type is not kept across a restart: Central */
    /* its transaction as before the restart: started if it has events (sent,
     * queued, or its 1.6 start) */
    if (a != V201_TXP_START && started_before(o, s->id)) {
      t->pending = false;
      t->open = true;
    }
    if (ended_before(o, c, s->id)) { /* TxStopPoint EnergyTransfer: ended already */
      t->pending = t->open = false;
      t->done = true;
    }
    if (!t->open) k->tx_id[0] = 0;
    /* J: its Ended series goes on (the instants while it stood are not owed) */
    if (k->tx_id[0]) tx_ended_begin(o, c, s->start_ms);
    reencode_session(o, s->id);
    /* 2.1 E17: the transaction goes on after the restart: said once, after
     * what the journal kept of it (its seqNo next on the counter on disk),
     * with the state its EVSE reaches (the readings of TC_E_113 and
     * TC_B_103: Charging when the energy flows again), not the EVConnected
     * of the instant the session is resumed, before the contactor closes:
     * once it is neither that nor SuspendedEV (v201_charging_state_changed),
     * else RESUME_SETTLE_MS later as it is, or before any other event of the
     * transaction (a periodic Updated, the Ended) that comes first */
    if (k->tx_id[0] &&
        v201_txp_report_resumed(t, s->restarted,
                                o->link && ocpp_link_dialect(o->link) == &ocpp21_dialect)) {
      const char *now_state = v201_charging_state_name(k->status);
      if (!strcmp(now_state, "EVConnected") || !strcmp(now_state, "SuspendedEV")) {
        k->resume_pending = true;
        k->resume_by = now201(o) + RESUME_SETTLE_MS;
        v201_arm_tick(o);
      } else {
        send_updated(o, c, "TxResumed", NULL);
      }
    }
    return;
  }
  const char *free_tag = config_get(o->st->cfg, "ocpp.free_id_tag");
  const char *uid = s->uid && s->uid[0] ? s->uid : free_tag;
  /* the remote start's transaction: the token it named (a badge session that
   * came first is not it) */
  t->remote = k->remote_pending && !strcmp(k->remote_token, uid ? uid : "");
  k->remote_pending = false;
  snprintf(t->uid, sizeof t->uid, "%s", uid ? uid : "");
  t->central = t->remote || !s->uid || !s->uid[0];
  t->remote_start_id = t->remote ? k->remote_start_id : 0;
  snprintf(t->token_type, sizeof t->token_type, "%s", t->remote ? k->remote_type : "");
  const char *group = strcmp(o->auth_tag, uid ? uid : "") == 0 ? o->auth_group : NULL;
  snprintf(k->starter_group, sizeof k->starter_group, "%s", group ? group : ""); /* C09 */
  group_write(o, s->id, k->starter_group); /* in the session's commit */
  t->reservation_id = cp_reservation_use(o->resv, c, uid, group);
  if (a == V201_TXP_START) {
    send_started(o, c, "Authorized", s->start_ms, s->meter_start_wh, true);
  } else if (a == V201_TXP_ADOPT && t->by_badge) { /* E03: the car of a badge that came first */
    v201_tx_event e = event_of(o, c, CP_EVENT_UPDATED, "CablePluggedIn");
    e.at = s->start_ms;
    e.reservation_id = t->reservation_id;
    if (o->held_evse != c) { /* its Started read no register, or another EVSE's */
      meter_reading begin = {.energy_import_wh = s->meter_start_wh};
      e.meter_values = one_meter_value(o, c, "Energy.Active.Import.Register", &begin,
                                       "Transaction.Begin", s->start_ms);
    }
    o->held_evse = 0;
    k->tx_state = k->status;
    enqueue(o, s->id, &e);
  } else if (a == V201_TXP_ADOPT) { /* E02: the badge of a transaction begun at the plug */
    v201_tx_event e = event_of(o, c, CP_EVENT_UPDATED, t->remote ? "RemoteStart" : "Authorized");
    e.at = s->start_ms;
    e.id_token = t->uid[0] ? t->uid : NULL;
    e.central_token = t->central;
    e.token_type = t->token_type;
    e.remote_start_id = t->remote_start_id;
    e.reservation_id = t->reservation_id;
    k->tx_state = k->status;
    enqueue(o, s->id, &e);
  } else {
    k->tx_id[0] = 0; /* TxStartPoint EnergyTransfer: at the first flow */
  }
  /* J: a transaction begun before its session (at the plug or the badge)
   * keeps its Ended series from the session's start */
  if (k->tx_id[0] && !k->txend.running) tx_ended_begin(o, c, s->start_ms);
}

void v201_on_session_stopped(void *ctx, int c, const station_session_info *s) {
  ocpp201_station *o = ctx;
  v201_evse *k = &o->evse[c - 1];
  v201_txp *t = &k->txp;
  if (k->resume_pending) say_resumed(o, c); /* resumed, ended before the energy flowed again */
  if (!t->session) { /* not seen starting (recovered after a restart, ended at once) */
    t->session = s->id;
    t->stop = V201_TXP_EV | V201_TXP_AUTH;
    bool energy_only = !(tx_points(o, "ocpp.TxStartPoint") & ~(unsigned)V201_TXP_ENERGY) &&
                       tx_points(o, "ocpp.TxStartPoint");
    t->done = ended_before(o, c, s->id); /* with the energy, before the restart */
    t->open = !t->done && (!energy_only || started_before(o, s->id));
    if (!k->tx_id[0]) session_tx_id(o, s->id, s->start_ms, k->tx_id);
  }
  /* E06: the token that stopped it (a local stop is the same badge) */
  const char *token = s->reason == STOP_LOCAL ? s->uid : NULL;
  const char *stopped_name = NULL;
  if (k->group_stop[0]) token = k->group_stop; /* C09: a token of its group */
  if (k->master_pass[0]) {                     /* C16: a master pass stopped it */
    token = k->master_pass;
    stopped_name = "MasterPass";
  }
  v201_cost_session_stopped(o, c, s); /* the local cost's last step, before costDetails */
  /* 2.1 E16: a limit reached stopped it, the end says which */
  const char *trigger = v201_stop_trigger(s->reason);
  v201_limits_session_stopped(o, c, s->id, &trigger, &stopped_name);
  if (k->car_away_timed_out) { /* TC_E_27_CS; TC_E_39_CSMS's words for the deauthorization */
    trigger = "EVConnectTimeout";
    stopped_name = "Timeout";
  }
  switch (v201_txp_session_stopped(t, s->reason)) {
  case V201_TXP_END:
    send_ended(o, c, trigger, s->reason, stopped_name, token, s->stop_ms, s->meter_stop_wh, true);
    v201_txp_ended(t);
    break;
  case V201_TXP_DEAUTHORIZED: { /* TxStopPoint EVConnected: on until the car leaves */
    v201_tx_event e = event_of(o, c, CP_EVENT_UPDATED, trigger);
    e.at = s->stop_ms;
    e.id_token = token;
    e.status = STATUS_FINISHING; /* chargingState EVConnected: no more energy */
    t->reason = s->reason;
    t->meter_stop_wh = s->meter_stop_wh;
    k->tx_state = STATUS_FINISHING;
    store *db = o->st->db;
    bool batch = store_batch_begin(db) == 0;
    enqueue(o, s->id, &e);
    linger_write(o, c, s->id, (int)s->reason, s->meter_stop_wh);
    if (batch && store_batch_end(db) != 0)
      log_error(MOD, "cannot queue TransactionEvent durably: %s", store_last_error(db));
    break;
  }
  default: /* none started (EnergyTransfer never flowed) or already ended */
    if (t->done) linger_write(o, c, 0, 0, 0);
    v201_txp_ended(t);
    k->tx_id[0] = 0;
    forget_readings(o, s->id); /* nothing to carry them */
    break;
  }
  k->master_pass[0] = 0;
  k->group_stop[0] = 0;
  if (k->starter_group[0]) group_write(o, s->id, NULL); /* in the session's commit */
  k->starter_group[0] = 0;
  k->session_id = 0;
  k->car_away = false;
  k->car_away_timed_out = false;
  /* J: a transaction left waiting for the car goes on taking readings under
   * its session's key; any other has ended */
  if (!t->lingering) v201_txend_stop(&k->txend);
  v201_profiles_transaction_ended(o, c);
  v201_reset_when_idle(o);
}

void v201_on_meter_read(void *ctx, int c, const meter_reading *r) {
  (void)r;
  ocpp201_station *o = ctx;
  if (o->evse[c - 1].session_id) v201_take_samples(o, now201(o));
  v201_cost_meter(o, c);
  v201_limits_check(o, now201(o)); /* 2.1 E16: the energy, the cost so far */
  v201_report_external_limits(o);
  v201_monitoring_check(o); /* N07: EVSE Power */
}
