/*
 * OCPP 1.6 transactions: StartTransaction (4.8) and StopTransaction (4.10)
 * built from the station's session hooks, MeterValues (4.7: periodic,
 * clock-aligned, StopTxnSampledData) and the OCMF signed readings they carry
 * (SignedData, issue 5), and the pump of the durable queue (3.16, 4.8-4.10:
 * transaction messages and security events on disk first, sent one at a
 * time in order, retried per TransactionMessageAttempts/RetryInterval). One
 * file of the 1.6 dialect's message families.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ocmf/ocmf.h"
#include "ocmf/ocmf_module.h"
#include "ocpp/ocpp16_measurands.h"
#include "ocpp/ocpp_reencode.h"
#include "ocpp/v16/v16_internal.h"
#include "ocpp/v16/vocabulary.h"

/* ---------- durable queue ---------- */

static void pump_after_commit(void *ctx, bool committed) {
  ocpp16_station *o = ctx;
  if (committed) v16_pump(o);
}

/* Transaction-related messages and security events: on disk before anything
 * else. Pushed inside the station's batch (a session's start or stop, one
 * commit with the session's rows), the queue is pumped once that commit is
 * on disk (store_after_commit); if that cannot be arranged, the tick pumps. */
void v16_enqueue(ocpp16_station *o, int64_t session_id, const char *action, json_t *payload) {
  v16_flush_aligned(o); /* the readings of a past mark go first */
  char *text = NULL;
  if (v16_journal_push_text(o->journal, session_id, action, payload, now_of(o), &text) != 0)
    log_error(MOD, "cannot queue %s durably: %s", action, cp_journal_error(o->journal));
  if (text) {
    /* kept beside its text for the pump (the payload is ours: nobody changes it) */
    ocpp_pushed_keep(&o->pushed, text, payload);
  } else {
    json_decref(payload);
  }
  if (store_after_commit(o->st->db, pump_after_commit, o) != 0) v16_arm_tick(o);
}

/* A queued message's payload: the one kept at its push when the journal hands
 * the text it was queued as (the same text parses to that same value; *kept
 * set: `text` is json_dumps of it), else parsed from the text. The caller
 * owns it. */
static json_t *queued_payload(ocpp16_station *o, const char *text, bool *kept) {
  return ocpp_pushed_take(&o->pushed, text, kept);
}

static void stop_for_invalid_tag(ocpp16_station *o, int64_t session_id, const json_t *info) {
  const char *status = json_string_value(json_object_get(info, "status"));
  if (!status || strcmp(status, "Accepted") == 0) return;
  int c = connector_of_session(o, session_id);
  if (!c) return;
  if (!key_bool(o, "StopTransactionOnInvalidId")) {
    /* 3.5 (errata 4.0): "only stop energy delivery to the vehicle"; the
     * transaction goes on (SuspendedEVSE) until its badge, a remote stop or
     * the car ends it (MaxEnergyOnInvalidId is not implemented) */
    log_warn(MOD, "connector %d: back end says the badge is %s: energy stopped", c, status);
    station_event(o->st, c, "ocpp_deauthorized", "%s, energy stopped", status);
    station_set_limit(o->st, c, LIMIT_DEAUTHORIZED, 0);
    return;
  }
  log_warn(MOD, "connector %d: back end says the badge is %s: stopping", c, status);
  station_event(o->st, c, "ocpp_deauthorized", "%s", status);
  station_connector_event(o->st, c, &(cs_event){.type = CS_EV_STOP, .reason = STOP_DEAUTHORIZED});
}

typedef struct {
  ocpp16_station *o;
  int64_t msg_id;
  int64_t session_id;
  char action[40];
  char id_tag[21];
} pump_ctx;

/* After an answer: the next message; a restart waits for the journal to
 * empty (Reset: its StopTransactions). */
static void after_answer(ocpp16_station *o, pump_ctx *p) {
  free(p);
  v16_pump(o);
  if (o->restart_pending)
    lazy_timer_start(&o->reset_timer, o->st->loop, v16_flush_check_cb, o, 0, 0);
}

static void pump_answer(void *ctx, const json_t *result, const char *code, const char *text) {
  pump_ctx *p = ctx;
  ocpp16_station *o = p->o;
  o->pump_in_flight = 0;
  if (o->closing) {
    free(p);
    return;
  }
  if (!result) {
    log_warn(MOD, "%s not delivered: %s %s", p->action, code, text);
    /* the back end saw it and refused (CALLERROR, bad answer): counted
     * against TransactionMessageAttempts; never seen: kept until it is */
    bool answered = strcmp(code, "Timeout") != 0 && strcmp(code, "Disconnected") != 0;
    /* lost with the connection: first again as soon as the station is
     * registered again, no retry delay */
    if (strcmp(code, "Disconnected") == 0) {
      free(p);
      return;
    }
    cp_retry_policy retry = v16_retry_policy(o->st->cfg);
    if (cp_journal_failed(o->journal, p->msg_id, answered, &retry, now_of(o)))
      station_event(o->st, connector_of_session(o, p->session_id), "ocpp_message_dropped",
                    "%s refused by the back end %ld times: %s %s", p->action,
                    key_int(o, "TransactionMessageAttempts"), code, text);
    free(p);
    v16_arm_tick(o);
    return;
  }
  const json_t *info = json_object_get(result, "idTagInfo");
  if (strcmp(p->action, "StartTransaction") != 0) {
    /* delivered (StopTransaction, MeterValues, a security event): the
     * badge's answer for the cache and the message's removal are commits
     * without a sync of their own — a power cut may send the message again,
     * as an answer lost on the network does, never lose it (issue 15);
     * the start stays synced below: sent twice it would open two
     * transactions at the back end */
    if (info && p->id_tag[0]) v16_auth_remember(o->auth, o->st->cfg, p->id_tag, info, now_of(o));
    if (cp_journal_sent_resendable(o->journal, p->msg_id, 0, NULL) != 0)
      log_error(MOD, "cannot record that %s was delivered: %s", p->action,
                cp_journal_error(o->journal));
    after_answer(o, p);
    return;
  }
  /* the badge's idTagInfo for the cache and the start leaving the journal
   * with the session's transaction id in one durable commit; nothing is sent
   * or told before it ends */
  bool batch = store_batch_begin(o->st->db) == 0;
  if (info && p->id_tag[0]) v16_auth_remember(o->auth, o->st->cfg, p->id_tag, info, now_of(o));
  int tx = (int)json_integer_value(json_object_get(result, "transactionId"));
  /* the start leaves the journal and the session's id is kept in one
   * commit; the session's queued messages get it when they are sent */
  char tx_text[CP_TX_ID_MAX + 1];
  v16_tx_text(tx, tx_text);
  if (cp_journal_sent_start(o->journal, p->msg_id, p->session_id, tx_text) != 0)
    log_error(MOD, "cannot record transaction %d: %s", tx, cp_journal_error(o->journal));
  if (batch && store_batch_end(o->st->db) != 0)
    log_error(MOD, "cannot record transaction %d: %s", tx, store_last_error(o->st->db));
  int c = connector_of_session(o, p->session_id);
  if (c) {
    o->conn[c - 1].transaction_id = tx;
    char id[CP_TX_ID_MAX + 1];
    v16_tx_id(tx, id);
    cp_profiles_bind_transaction(o->smart, c, id);
  }
  station_event(o->st, c, "ocpp_transaction", "{\"session\":%lld,\"transaction\":%d}",
                (long long)p->session_id, tx);
  if (info) stop_for_invalid_tag(o, p->session_id, info);
  after_answer(o, p);
}

/* A queued TransactionEvent of the 2.0.1 dialect (the station spoke 2.0.1
 * before) said in 1.6 (ocpp_reencode.h); NULL, with the event
 * `ocpp_dropped`, when it has no equivalent. */
static json_t *say16(ocpp16_station *o, const cp_journal_entry *m, const json_t *raw,
                     const char *tx) {
  session_row row = {0};
  bool have_row = store_session_get(o->st->db, m->session_id, &row) == 0;
  ocpp_reencode_ctx cx = {.tx_id = tx, .connector = have_row ? row.connector : 0};
  const char *action = NULL;
  char why[200];
  json_t *out = ocpp_reencode(m->kind, raw, OCPP_WORDS_V16, &cx, &action, why, sizeof why);
  ocpp_error err;
  if (out && ocpp16_validate(action, true, out, &err) != 0) {
    snprintf(why, sizeof why, "not valid in 1.6: %s", err.text);
    json_decref(out);
    out = NULL;
  }
  int c = have_row ? row.connector : 0;
  if (!out) {
    station_event(o->st, c, "ocpp_dropped", "queued 2.0.1 message %lld (session %lld): %s",
                  (long long)m->id, (long long)m->session_id, why);
    return NULL;
  }
  station_event(o->st, c, "ocpp_reencoded", "queued 2.0.1 message %lld (session %lld) sent as %s",
                (long long)m->id, (long long)m->session_id, action);
  return out;
}

/* Send the oldest due queued message, one at a time, in order. */
void v16_pump(ocpp16_station *o) {
  if (o->pump_in_flight || !online(o) || o->closing) return;
  cp_journal_entry m;
  json_t *payload = NULL;
  /* the journal's text when the payload is the very value it was written
   * from and stays so (kept at the push, its transactionId already the
   * back end's): the frame carries that text instead of the payload written
   * again (ocpp_link_call_text; a StopTransaction's signed meter values are
   * most of a cycle's JSON) */
  char *text = NULL;
  for (;;) {
    if (cp_journal_peek(o->journal, now_of(o), &m) != 0) {
      v16_arm_tick(o); /* nothing due now: maybe later (retry interval) */
      return;
    }
    char tx[CP_TX_ID_MAX + 1];
    cp_journal_tx_id(o->journal, m.session_id, tx);
    bool kept = false;
    json_t *raw = queued_payload(o, m.payload, &kept);
    if (raw && m.session_id < 0 && ocpp_reencode_words_of(m.kind, raw) == OCPP_WORDS_V201) {
      /* a transaction only 2.0.1 knows (begun at the plug or at a badge
       * before any session: its journal key is below 0): 1.6 never numbered
       * it, a 2.0.1 back end may have its Started. Set aside for the next
       * 2.0.1 connection (docs/ocpp201.md, version negotiation), not dropped */
      json_decref(raw);
      free(m.payload);
      if (cp_journal_park(o->journal, m.id) != 0) {
        log_error(MOD, "cannot set queued message %lld aside: %s", (long long)m.id,
                  cp_journal_error(o->journal));
        cp_journal_sent(o->journal, m.id); /* do not block the queue */
      } else {
        station_event(o->st, 0, "ocpp_parked",
                      "queued 2.0.1 message %lld (a transaction only 2.0.1 knows): kept for the "
                      "next 2.0.1 back end",
                      (long long)m.id);
      }
      continue;
    }
    if (raw && ocpp_reencode_words_of(m.kind, raw) == OCPP_WORDS_V201) {
      payload = say16(o, &m, raw, tx);
      json_decref(raw);
      free(m.payload);
      if (payload) break;
      cp_journal_sent(o->journal, m.id);
      continue;
    }
    /* with the back end's transactionId; takes `raw` */
    bool unchanged = false;
    payload = v16_event_payload_of(raw, m.kind, tx, &unchanged);
    if (payload && kept && unchanged)
      text = m.payload;
    else
      free(m.payload);
    if (payload) break;
    /* cannot happen unless the file was edited: do not block the queue */
    log_error(MOD, "dropping queued %s %lld: unreadable payload", v16_event_action(m.kind),
              (long long)m.id);
    cp_journal_sent(o->journal, m.id);
  }
  const char *action = v16_event_action(m.kind);
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
  const char *tag = json_string_value(json_object_get(payload, "idTag"));
  snprintf(p->id_tag, sizeof p->id_tag, "%s", tag ? tag : "");
  o->pump_in_flight = m.id;
  if (ocpp_link_call_text(o->link, action, payload, text, pump_answer, p) != 0) {
    o->pump_in_flight = 0;
    free(p);
  }
}

/* ---------- meter values ---------- */

static ocpp16_sample_extra extra_of(const ocpp16_station *o, int c) {
  station_connector_view v;
  station_view(o->st, c, &v);
  ocpp16_sample_extra x = {.phases = v.phases,
                           .offered_a = v.offered_a,
                           .temperature = o->st->conn[c - 1].temperature_c,
                           .has_temperature = true};
  return x;
}

json_t *v16_meter_value(const ocpp16_station *o, int c, const char *measurands, const char *context,
                        borne_ms at) {
  json_t *sv = json_array();
  ocpp16_sample_extra x = extra_of(o, c);
  ocpp16_sampled_values(measurands, &o->st->conn[c - 1].meter, &x, context, sv);
  if (json_array_size(sv) == 0) {
    json_decref(sv);
    return NULL;
  }
  return json_pack("{s:o, s:o}", "timestamp", time_json(at), "sampledValue", sv);
}

/* The keys of the OCA application note "Signed Meter Values in OCPP" v1.0
 * (3.3.3 SampledDataSignReadings, 3.3.7 AlignedDataSignReadings; the same
 * settings as 2.0.1's SignReadings, issue 16): a transaction's periodic or
 * clock-aligned reading of the register gets a signed intermediate OCMF
 * record (TX "C") of that register at `at`, made, signed and committed
 * with the session's records before the MeterValues is queued, as one more
 * sampled value: format SignedData, the OCMF text as its value (as the
 * StopTransaction's begin and end records). A TriggerMessage(MeterValues)
 * reading (context "Trigger") of a transaction is a sampled one
 * (MeterValuesSampledData): signed with SampledDataSignReadings, as
 * 2.0.1's (v201_sign_triggered). */
static bool csl_has(const char *list, const char *item) {
  size_t n = strlen(item);
  for (const char *p = list; p && *p;) {
    while (*p == ' ' || *p == ',') p++;
    const char *e = p;
    while (*e && *e != ',') e++;
    const char *t = e;
    while (t > p && t[-1] == ' ') t--;
    if ((size_t)(t - p) == n && !strncmp(p, item, n)) return true;
    p = e;
  }
  return false;
}

void v16_sign_reading(ocpp16_station *o, int c, const char *context, const char *measurands,
                      borne_ms at, json_t *one) {
  const char *setting =
      !strcmp(context, "Sample.Clock") ? "AlignedDataSignReadings" : "SampledDataSignReadings";
  int64_t session = o->conn[c - 1].session_id;
  if (!session || !key_bool(o, setting) || !station_ocmf(o->st) ||
      !csl_has(measurands, "Energy.Active.Import.Register"))
    return;
  char rec[OCMF_RECORD_MAX], err[200];
  if (ocmf_sign_intermediate(o->st, c, session, at, o->st->conn[c - 1].meter.energy_import_wh, 'C',
                             rec, sizeof rec, err, sizeof err) != 0) {
    log_error(MOD, "connector %d: %s reading not signed: %s", c, context, err);
    station_event(o->st, c, "ocmf_error", "%s", err);
    return;
  }
  json_array_append_new(json_object_get(one, "sampledValue"),
                        json_pack("{s:s, s:s, s:s, s:s, s:s}", "value", rec, "context", context,
                                  "format", "SignedData", "measurand",
                                  "Energy.Active.Import.Register", "location", "Outlet"));
}

/* A connector's MeterValues payload (its readings now, stamped `at`), NULL
 * when it has nothing to report; *session_id: its session, 0 when idle. */
static json_t *connector_values(ocpp16_station *o, int c, const char *context, const char *key,
                                borne_ms at, int64_t *session_id) {
  cp_conn *k = &o->conn[c - 1];
  const char *measurands = key_str(o, key);
  *session_id = k->session_id;
  if (!measurands[0] || !o->st->conn[c - 1].meter_ok) return NULL;
  json_t *one = v16_meter_value(o, c, measurands, context, at);
  if (!one) return NULL; /* nothing measured (no frequency yet): no empty MeterValues */
  v16_sign_reading(o, c, context, measurands, at, one);
  json_t *mv = json_array();
  json_array_append_new(mv, one);
  json_t *p = json_pack("{s:i, s:o}", "connectorId", c, "meterValue", mv);
  /* transaction-related: the queue puts the back end's transactionId in */
  if (k->session_id) json_object_set_new(p, "transactionId", json_integer(k->transaction_id));
  return p;
}

static void sample_connector(ocpp16_station *o, int c, const char *context, const char *key,
                             borne_ms at) {
  int64_t session_id;
  json_t *p = connector_values(o, c, context, key, at, &session_id);
  /* an idle connector's (clock-aligned) values are queued on disk as well,
   * without a transaction, so that nothing measured offline is lost (as the
   * 2.0.1 dialect's J01 MeterValues) */
  if (p) v16_enqueue(o, session_id, "MeterValues", p);
}

/* The aligned values taken at a mark, written: every connector's in one
 * commit (the station's batch when one is open, else its own), each on disk
 * before it is sent (the pump runs once the commit is). */
void v16_flush_aligned(ocpp16_station *o) {
  loop_slices_cancel(&o->aligned_slice);
  if (o->aligned_n == 0) return;
  struct v16_aligned *taken = o->aligned;
  int n = o->aligned_n;
  o->aligned = NULL; /* before v16_enqueue, which flushes */
  o->aligned_n = o->aligned_cap = 0;
  store *db = o->st->db;
  bool own = n > 1 && !store_in_batch(db) && store_batch_begin(db) == 0;
  for (int i = 0; i < n; i++) {
    json_error_t jerr;
    json_t *p = json_loads(taken[i].text, 0, &jerr); /* the text json_dumps made */
    if (p)
      v16_enqueue(o, taken[i].session_id, "MeterValues", p);
    else
      log_error(MOD, "a clock-aligned MeterValues does not read back: %s", jerr.text);
    free(taken[i].text);
  }
  if (own && store_batch_end(db) != 0)
    log_error(MOD, "cannot queue the clock-aligned MeterValues durably: %s", store_last_error(db));
  free(taken);
}

/* Keeps a payload taken at the mark as its text; false (nothing kept) when
 * there is no memory for it. */
static bool keep_aligned(ocpp16_station *o, int64_t session_id, const json_t *p) {
  if (o->aligned_n == o->aligned_cap) {
    int cap = o->aligned_cap ? 2 * o->aligned_cap : o->count;
    struct v16_aligned *grown = realloc(o->aligned, (size_t)cap * sizeof *grown);
    if (!grown) return false;
    o->aligned = grown;
    o->aligned_cap = cap;
  }
  /* its exact length: json_dumps' buffer grows by doubling (a 190-byte
   * payload held 256 bytes), and 20 000 of them wait at once at a
   * 10 000-station mark */
  char buf[1024];
  size_t len = json_dumpb(p, buf, sizeof buf, JSON_COMPACT);
  char *text = NULL;
  if (len > 0 && len < sizeof buf) {
    if ((text = malloc(len + 1))) {
      memcpy(text, buf, len);
      text[len] = '\0';
    }
  } else {
    text = json_dumps(p, JSON_COMPACT);
  }
  if (!text) return false;
  o->aligned[o->aligned_n++] = (struct v16_aligned){session_id, text};
  return true;
}

static void aligned_slice_cb(loop_slice *item) {
  ocpp16_station *o = (ocpp16_station *)((char *)item - offsetof(ocpp16_station, aligned_slice));
  v16_flush_aligned(o);
}

/* Every connector's clock-aligned values, read at the mark and stamped with
 * it. In borne-swarm every station's mark is the same second: the writes
 * and sends wait for a slice of the loop (loop_slices.h), so that the loop
 * keeps serving the links between them; alone (borned) they go at once. */
static void take_aligned(ocpp16_station *o, borne_ms due) {
  for (int c = 1; c <= o->count; c++) {
    int64_t session_id;
    json_t *p = connector_values(o, c, "Sample.Clock", "MeterValuesAlignedData", due, &session_id);
    if (!p) continue;
    if (keep_aligned(o, session_id, p)) {
      json_decref(p);
    } else { /* no memory to keep it: queued now, after what was taken before */
      v16_enqueue(o, session_id, "MeterValues", p);
    }
  }
  if (o->aligned_n > 0 && !o->closing &&
      !loop_slices_add(o->st->loop, &o->aligned_slice, aligned_slice_cb))
    v16_flush_aligned(o);
}

borne_ms v16_take_samples(ocpp16_station *o, borne_ms now) {
  borne_ms next = NEVER;
  long every = key_int(o, "MeterValueSampleInterval");
  for (int c = 1; c <= o->count && every > 0; c++) {
    cp_conn *k = &o->conn[c - 1];
    if (!k->session_id) continue;
    if (now - k->last_sample >= every * 1000) {
      k->last_sample = now;
      sample_connector(o, c, "Sample.Periodic", "MeterValuesSampledData", now);
    }
    if (k->last_sample + every * 1000 < next) next = k->last_sample + every * 1000;
  }
  borne_ms due = v16_aligned_due(o, now);
  if (due <= now) {
    /* every connector, in a transaction or idle (1.6 3.16.2: clock-aligned
     * data does not depend on transactions): an idle one's goes without a
     * transactionId (sample_connector); the readings of the instant,
     * stamped with it */
    take_aligned(o, due);
    o->next_aligned = ocpp16_next_aligned(now, key_int(o, "ClockAlignedDataInterval"));
  }
  return o->next_aligned < next ? o->next_aligned : next;
}

borne_ms v16_aligned_due(ocpp16_station *o, borne_ms now) {
  long aligned = key_int(o, "ClockAlignedDataInterval");
  if (aligned <= 0)
    o->next_aligned = NEVER;
  else if (o->next_aligned == NEVER || o->next_aligned > now + aligned * 1000)
    o->next_aligned = ocpp16_next_aligned(now, aligned);
  return o->next_aligned;
}

/* ---------- station hooks ---------- */

void v16_on_session_started(void *ctx, int c, const station_session_info *s) {
  ocpp16_station *o = ctx;
  cp_conn *k = &o->conn[c - 1];
  k->session_id = s->id;
  k->last_sample = now_of(o);
  k->start_parent[0] = '\0'; /* resumed: the model's group of the badge decides (3.5.1) */
  if (s->resumed) {
    k->transaction_id = v16_journal_tx_id(o->journal, s->id);
    return;
  }
  k->transaction_id = 0;
  char tag[OCPP16_ID_TAG_MAX + 1];
  /* a badge longer than an idTag never reaches here (v16_authorize and
   * station_remote_start refuse it) unless a session of another dialect is
   * resumed: it is reported under ocpp.free_id_tag, never cut */
  if (!id_tag_of(o, s->uid, tag, sizeof tag)) {
    log_warn(MOD, "session of a badge longer than %d characters: idTag ocpp.free_id_tag",
             OCPP16_ID_TAG_MAX);
    id_tag_of(o, NULL, tag, sizeof tag);
  }
  json_t *p =
      json_pack("{s:i, s:s, s:I, s:o}", "connectorId", c, "idTag", tag, "meterStart",
                (json_int_t)llround(s->meter_start_wh), "timestamp", time_json(s->start_ms));
  /* the group of the badge, as the last authorization said */
  const char *parent = strcmp(o->auth_tag, tag) == 0 ? o->auth_parent : NULL;
  snprintf(k->start_parent, sizeof k->start_parent, "%s", parent ? parent : "");
  int rid = cp_reservation_use(o->resv, c, tag, parent);
  if (rid) {
    json_object_set_new(p, "reservationId", json_integer(rid));
    station_event(o->st, c, "ocpp_reservation", "{\"id\":%d,\"state\":\"used\"}", rid);
  }
  v16_enqueue(o, s->id, "StartTransaction", p);
  v16_arm_tick(o);
}

/* OCMF: the session's signed records as SignedData sampled values (issue 5),
 * each in a meterValue of its own time. */
static int add_signed_record(void *ctx, const ocmf_record_row *row) {
  json_t *data = ctx;
  /* a periodic or clock-aligned one went with its MeterValues (issue 16):
   * not every one again in the StopTransaction */
  if (!strcmp(row->origin, "ocpp")) return 0;
  const char *context = row->kind == 'B'   ? "Transaction.Begin"
                        : row->kind == 'E' ? "Transaction.End"
                                           : "Sample.Periodic";
  json_t *sv =
      json_pack("[{s:s, s:s, s:s, s:s, s:s}]", "value", row->record, "context", context, "format",
                "SignedData", "measurand", "Energy.Active.Import.Register", "location", "Outlet");
  json_array_append_new(
      data, json_pack("{s:o, s:o}", "timestamp", time_json(row->at_ms), "sampledValue", sv));
  return 0;
}

void v16_on_session_stopped(void *ctx, int c, const station_session_info *s) {
  ocpp16_station *o = ctx;
  cp_conn *k = &o->conn[c - 1];
  char tag[OCPP16_ID_TAG_MAX + 1];
  if (!id_tag_of(o, s->uid, tag, sizeof tag)) id_tag_of(o, NULL, tag, sizeof tag); /* as started */
  /* 3.5.1: stopped by another badge of its group: that badge stopped it */
  if (k->stop_tag[0]) snprintf(tag, sizeof tag, "%s", k->stop_tag);
  json_t *p =
      json_pack("{s:i, s:I, s:o, s:s}", "transactionId", v16_journal_tx_id(o->journal, s->id),
                "meterStop", (json_int_t)llround(s->meter_stop_wh), "timestamp",
                time_json(s->stop_ms), "reason", v16_stop_reason_name(s->reason));
  if (tag[0]) json_object_set_new(p, "idTag", json_string(tag));
  /* transactionData: the register at the start, and StopTxnSampledData at the end */
  const char *stop_data = key_str(o, "StopTxnSampledData");
  if (stop_data[0]) {
    json_t *data = json_array();
    meter_reading begin = {.energy_import_wh = s->meter_start_wh};
    json_t *sv = json_array();
    ocpp16_sampled_values("Energy.Active.Import.Register", &begin, NULL, "Transaction.Begin", sv);
    if (strstr(stop_data, "Energy.Active.Import.Register") && json_array_size(sv))
      json_array_append_new(
          data, json_pack("{s:o, s:o}", "timestamp", time_json(s->start_ms), "sampledValue", sv));
    else
      json_decref(sv);
    meter_reading end = o->st->conn[c - 1].meter;
    end.energy_import_wh = s->meter_stop_wh;
    json_t *sv2 = json_array();
    ocpp16_sample_extra x = extra_of(o, c);
    ocpp16_sampled_values(stop_data, &end, &x, "Transaction.End", sv2);
    if (json_array_size(sv2)) /* a MeterValue has at least one sampledValue */
      json_array_append_new(
          data, json_pack("{s:o, s:o}", "timestamp", time_json(s->stop_ms), "sampledValue", sv2));
    else
      json_decref(sv2);
    if (json_array_size(data))
      json_object_set_new(p, "transactionData", data);
    else
      json_decref(data);
  }
  struct ocmf *signer = station_ocmf(o->st);
  if (signer) {
    json_t *data = json_object_get(p, "transactionData");
    if (!data) {
      data = json_array();
      json_object_set_new(p, "transactionData", data);
    }
    ocmf_session_records(signer, s->id, add_signed_record, data);
    if (json_array_size(data) == 0) json_object_del(p, "transactionData");
  }
  v16_enqueue(o, s->id, "StopTransaction", p);
  k->session_id = 0;
  k->transaction_id = 0;
  cp_profiles_transaction_ended(o->smart, c);
  v16_apply_profiles(o);
}

void v16_on_meter_read(void *ctx, int c, const meter_reading *r) {
  (void)r;
  ocpp16_station *o = ctx;
  if (o->conn[c - 1].session_id) v16_take_samples(o, now_of(o));
}

typedef struct {
  unsigned long long pagination;
  json_t *data;
} signed_pick;

static int pick_signed_record(void *ctx, const ocmf_record_row *row) {
  signed_pick *pick = ctx;
  return row->pagination == pick->pagination ? add_signed_record(pick->data, row), 1 : 0;
}

/* An intermediate OCMF reading taken during a transaction (on demand): sent
 * at once as transaction MeterValues with a SignedData value. */
void v16_send_signed_reading(ocpp16_station *o, int c, const char *detail) {
  long long session = 0;
  unsigned long long pagination = 0;
  char kind = 0;
  if (c < 1 || c > o->count ||
      sscanf(detail, "{\"session\":%lld,\"kind\":\"%c\",\"pagination\":%llu", &session, &kind,
             &pagination) != 3 ||
      kind != 'C' || o->conn[c - 1].session_id != session || !station_ocmf(o->st) ||
      strstr(detail, "\"origin\":\"ocpp\""))
    return; /* an OCPP periodic or clock-aligned reading travels with its own message */
  signed_pick pick = {.pagination = pagination, .data = json_array()};
  ocmf_session_records(station_ocmf(o->st), session, pick_signed_record, &pick);
  if (json_array_size(pick.data) == 0) {
    json_decref(pick.data);
    return;
  }
  json_t *p = json_pack("{s:i, s:i, s:o}", "connectorId", c, "transactionId",
                        o->conn[c - 1].transaction_id, "meterValue", pick.data);
  v16_enqueue(o, session, "MeterValues", p);
}
