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
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "chargepoint/cp_sql.h"
#include "ocmf/ocmf.h"
#include "ocmf/ocmf_key.h"
#include "ocmf/ocmf_module.h"
#include "ocpp/ocpp_reencode.h"
#include "ocpp/v201/v201_internal.h"
#include "ocpp/v201/vocabulary.h"

/* ---------- durable queue ---------- */

static void pump_after_commit(void *ctx, bool committed) {
  if (committed) v201_pump(ctx);
}

/* One transaction event: its seqNo taken and the event pushed in one commit. */
static void enqueue(ocpp201_station *o, int64_t session_id, v201_tx_event *e) {
  store *db = o->st->db;
  bool batch = store_batch_begin(db) == 0;
  e->offline = !online201(o);
  e->seq_no = cp_journal_next_seq(o->journal, session_id);
  json_t *p = e->seq_no >= 0 ? v201_transaction_event(e) : NULL;
  if (e->seq_no < 0) json_decref(e->meter_values);
  if (p && e->kind != CP_EVENT_STARTED) v201_cost_details(o, session_id, p); /* 2.1 */
  char *text = p ? json_dumps(p, JSON_COMPACT) : NULL;
  if (!text || cp_journal_push(o->journal, session_id, e->kind, text, now201(o)) != 0)
    log_error(MOD, "cannot queue TransactionEvent durably: %s", cp_journal_error(o->journal));
  if (batch && store_batch_end(db) != 0)
    log_error(MOD, "cannot queue TransactionEvent durably: %s", store_last_error(db));
  free(text);
  json_decref(p);
  /* inside the station's batch (a session's start or stop): sent once it is
   * on disk; the tick pumps when that cannot be arranged */
  (void)store_after_commit(db, pump_after_commit, o);
  v201_arm_tick(o);
}

/* A security event of the station (`detail` is the station event's
 * "type[: techInfo]"): SecurityEventNotification (A04), queued like the
 * transaction events, the critical ones never dropped. */
void v201_security_event_notification(ocpp201_station *o, const char *detail) {
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

/* The CSMS's idTokenInfo in a TransactionEvent answer: into the cache, and
 * a refused token stops its transaction (StopTransactionOnInvalidId, E05). */
static void token_answered(ocpp201_station *o, const pump_ctx *p, const json_t *info) {
  cp_token_info ti;
  if (!p->token[0] || !v201_token_info(info, &ti)) return;
  cp_auth_policy pol = v201_auth_policy(o->st->cfg);
  cp_auth_remember(o->auth, &pol, p->token, &ti, now201(o));
  int c = evse_of_session(o, p->session_id);
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
  if (p->tx_id[0]) /* the session's 2.0.1 transactionId, for its later messages */
    cp_journal_sent_start(o->journal, p->msg_id, p->session_id, p->tx_id);
  else
    cp_journal_sent(o->journal, p->msg_id);
  token_answered(o, p, json_object_get(result, "idTokenInfo"));
  v201_cost_answered(o, p->session_id, result);
  free(p);
  v201_pump(o);
  if (o->restart_pending) uv_timer_start(&o->reset_timer, v201_flush_check_cb, 0, 0);
}

/* The session's transactionId, the same in the dialect's own events and in
 * the queued 1.6 messages said again: the one the journal has for it (its
 * StartTransaction delivered under 1.6) wins over the station's own. */
static void session_tx_id(ocpp201_station *o, int64_t session_id, borne_ms start_ms,
                          char out[CP_TX_ID_MAX + 1]) {
  char known[CP_TX_ID_MAX + 1] = "";
  cp_journal_tx_id(o->journal, session_id, known);
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

/* Send the oldest due queued message, one at a time, in order. */
void v201_pump(ocpp201_station *o) {
  if (o->pump_in_flight || !online201(o) || o->closing) return;
  cp_journal_entry m;
  json_t *payload = NULL;
  const char *action = NULL;
  char tx_id[CP_TX_ID_MAX + 1], act[40] = "";
  for (;;) {
    if (cp_journal_peek(o->journal, now201(o), &m) != 0) return;
    json_t *raw = json_loads(m.payload, 0, NULL);
    free(m.payload);
    payload = raw ? say201(o, &m, raw, &action, tx_id) : NULL;
    if (!raw)
      station_event(o->st, 0, "ocpp_dropped", "queued message %lld is not JSON", (long long)m.id);
    if (payload) snprintf(act, sizeof act, "%s", action); /* may be raw's */
    action = act;
    json_decref(raw);
    if (payload) break;
    cp_journal_sent(o->journal, m.id);
  }
  /* an event queued under 2.1 and delivered under 2.0.1: no costDetails there */
  if (ocpp_link_dialect(o->link) != &ocpp21_dialect) json_object_del(payload, "costDetails");
  pump_ctx *p = calloc(1, sizeof *p);
  if (!p) {
    json_decref(payload);
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
  if (ocpp_link_call(o->link, action, payload, pump_answer, p) != 0) {
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
  return (v201_tx_event){.kind = kind,
                         .trigger_reason = trigger,
                         .at = now201(o),
                         .tx_id = k->tx_id,
                         .status = k->status,
                         .evse = c};
}

void v201_send_tx_updated(ocpp201_station *o, int c, const char *trigger_reason) {
  v201_evse *k = &o->evse[c - 1];
  if (!k->session_id) return;
  v201_tx_event e = event_of(o, c, CP_EVENT_UPDATED, trigger_reason);
  if (o->st->conn[c - 1].meter_ok)
    e.meter_values =
        one_meter_value(o, c, key201_str(o, "MeterValuesSampledData"), &o->st->conn[c - 1].meter,
                        strcmp(trigger_reason, "Trigger") ? "Sample.Periodic" : "Trigger", e.at);
  k->tx_state = k->status;
  enqueue(o, k->session_id, &e);
}

static borne_ms take_aligned(ocpp201_station *o, borne_ms now);

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
  borne_ms aligned = take_aligned(o, now);
  return aligned < next ? aligned : next;
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

static void send_aligned(ocpp201_station *o, borne_ms now) {
  const char *csl = key201_str(o, "MeterValuesAlignedData");
  bool idle_only = config_get_bool(o->st->cfg, "ocpp.AlignedDataSendDuringIdle");
  for (int c = 1; c <= o->count && csl[0]; c++) {
    v201_evse *k = &o->evse[c - 1];
    if (!o->st->conn[c - 1].meter_ok || (k->session_id && (idle_only || !k->tx_id[0]))) continue;
    json_t *mv = one_meter_value(o, c, csl, &o->st->conn[c - 1].meter, "Sample.Clock", now);
    if (!mv) continue; /* nothing measured: no empty MeterValues */
    if (k->session_id) {
      v201_tx_event e = event_of(o, c, CP_EVENT_UPDATED, "MeterValueClock");
      e.at = now;
      e.meter_values = mv;
      enqueue(o, k->session_id, &e);
    } else {
      queue_meter_values(o, c, mv);
    }
  }
  v201_pump(o);
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

/* E: a change of chargingState during a transaction is an Updated event. */
void v201_charging_state_changed(ocpp201_station *o, int c) {
  v201_evse *k = &o->evse[c - 1];
  if (!k->session_id || !k->tx_id[0]) return;
  if (!strcmp(v201_charging_state_name(k->tx_state), v201_charging_state_name(k->status))) return;
  v201_tx_event e = event_of(o, c, CP_EVENT_UPDATED, "ChargingStateChanged");
  k->tx_state = k->status;
  enqueue(o, k->session_id, &e);
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

/* With OCMF signing on (ocmf.enabled), the session's signed record of `kind`
 * — the one the 1.6 dialect sends as SignedData — rides on the register's
 * sampled value of `context` as its signedMeterValue. The OCMF module's
 * session hooks run before OCPP's: the record exists already. */
static void sign_meter_values(ocpp201_station *o, int64_t session_id, char kind,
                              const char *context, json_t *meter_values) {
  struct ocmf *signer = station_ocmf(o->st);
  const ocmf_key *key = signer ? ocmf_signing_key(signer) : NULL;
  char hex[512];
  if (!key || !meter_values || ocmf_key_pubkey_hex(key, hex, sizeof hex) != 0) return;
  ocmf_pick p = {.kind = kind};
  if (ocmf_session_records(signer, session_id, pick_record, &p) == 0 && p.record &&
      !v201_attach_signed(meter_values, context, v201_signed_meter_value(p.record, hex)))
    log_warn(MOD, "session %lld: its OCMF record travels without a %s register value",
             (long long)session_id, context);
  free(p.record);
}

/* ---------- station hooks ---------- */

void v201_on_session_started(void *ctx, int c, const station_session_info *s) {
  ocpp201_station *o = ctx;
  v201_evse *k = &o->evse[c - 1];
  k->session_id = s->id;
  k->last_sample = now201(o);
  /* the same after a restart: made from the session, or the 1.6 back end's */
  session_tx_id(o, s->id, s->start_ms, k->tx_id);
  k->tx_state = k->status;
  v201_cost_session_started(o, c, s);
  v201_profiles_transaction_started(o, c);
  if (s->resumed) {
    reencode_session(o, s->id);
    return;
  }
  const char *free_tag = config_get(o->st->cfg, "ocpp.free_id_tag");
  const char *uid = s->uid && s->uid[0] ? s->uid : free_tag;
  /* the remote start's transaction: the token it named (a badge session that
   * came first is not it) */
  bool remote = k->remote_pending && !strcmp(k->remote_token, uid ? uid : "");
  k->remote_pending = false;
  v201_tx_event e = event_of(o, c, CP_EVENT_STARTED, remote ? "RemoteStart" : "Authorized");
  e.at = s->start_ms;
  e.id_token = uid;
  e.central_token = remote || !s->uid || !s->uid[0];
  e.remote_start_id = remote ? k->remote_start_id : 0;
  const char *group = strcmp(o->auth_tag, uid ? uid : "") == 0 ? o->auth_group : NULL;
  e.reservation_id = cp_reservation_use(o->resv, c, uid, group);
  meter_reading begin = {.energy_import_wh = s->meter_start_wh};
  e.meter_values = one_meter_value(o, c, "Energy.Active.Import.Register", &begin,
                                   "Transaction.Begin", s->start_ms);
  sign_meter_values(o, s->id, 'B', "Transaction.Begin", e.meter_values);
  enqueue(o, s->id, &e);
}

void v201_on_session_stopped(void *ctx, int c, const station_session_info *s) {
  ocpp201_station *o = ctx;
  v201_evse *k = &o->evse[c - 1];
  if (!k->tx_id[0]) session_tx_id(o, s->id, s->start_ms, k->tx_id);
  v201_tx_event e = event_of(o, c, CP_EVENT_ENDED, v201_stop_trigger(s->reason));
  e.at = s->stop_ms;
  e.stopped = s->reason;
  /* E06: the token that stopped it (a local stop is the same badge) */
  if (s->reason == STOP_LOCAL) e.id_token = s->uid;
  if (k->group_stop[0]) e.id_token = k->group_stop; /* C09: a token of its group */
  if (k->master_pass[0]) {                          /* C16: a master pass stopped it */
    e.id_token = k->master_pass;
    e.stopped_name = "MasterPass";
  }
  meter_reading end = o->st->conn[c - 1].meter;
  end.energy_import_wh = s->meter_stop_wh;
  const char *stop_data = key201_str(o, "StopTxnSampledData");
  e.meter_values = one_meter_value(o, c, stop_data[0] ? stop_data : "Energy.Active.Import.Register",
                                   &end, "Transaction.End", s->stop_ms);
  sign_meter_values(o, s->id, 'E', "Transaction.End", e.meter_values);
  v201_cost_session_stopped(o, c, s); /* the local cost's last step, before costDetails */
  enqueue(o, s->id, &e);
  v201_display_transaction_ended(o, k->tx_id);
  k->master_pass[0] = 0;
  k->group_stop[0] = 0;
  k->session_id = 0;
  k->tx_id[0] = 0;
  v201_profiles_transaction_ended(o, c);
  v201_reset_when_idle(o);
}

void v201_on_meter_read(void *ctx, int c, const meter_reading *r) {
  (void)r;
  ocpp201_station *o = ctx;
  if (o->evse[c - 1].session_id) v201_take_samples(o, now201(o));
  v201_cost_meter(o, c);
  v201_report_external_limits(o);
  v201_monitoring_check(o); /* N07: EVSE Power */
}
