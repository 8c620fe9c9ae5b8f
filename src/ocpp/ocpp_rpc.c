/*
 * OCPP-J RPC framing and the one-outstanding-call engine (see ocpp_rpc.h).
 *
 * Error kinds for bad incoming frames (OCPP-J 1.6 section 4.2.3, 2.0.1 part
 * 4 section 4.2.3), each answered in the dialect's spelling: a frame that is
 * not JSON, not an array or whose message id cannot be read is
 * OCPP_ERR_RPC_FRAMEWORK; an integer message type other than 2, 3 or 4
 * OCPP_ERR_MESSAGE_TYPE_NOT_SUPPORTED; a CALL of the wrong shape
 * OCPP_ERR_FORMAT (1.6 spells all three FormationViolation; a CALL without
 * its payload: ProtocolError, "payload incomplete"); an unknown action is
 * NotImplemented; a payload that fails the schema gets the validator's kind.
 * When the
 * frame's message id cannot be read the answer carries the id "-1" (as the
 * reference ocpp-rpc implementation does), so the peer sees why. Bad
 * CALLRESULT and CALLERROR frames are never answered with a CALLERROR (a
 * CALLERROR to a CALLERROR could loop); they are logged and dropped.
 *
 * OCPP-J 2.1 (dialects with send_frames) adds two message types: a
 * CALLRESULT to one of the station's CALLs that fails its schema is
 * answered with a CALLRESULTERROR [5, id, code, text, {}] (the call itself
 * fails "InvalidResponse" as before), and one received is logged and
 * reported (result_refused), never answered; a SEND [6, id, action,
 * {payload}] is checked against the schema and handed to the dialect like
 * a CALL whose answer is dropped — a SEND is never answered, not even with
 * an error.
 */
#include "ocpp/ocpp_rpc.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"

#define MOD "ocpp"
#define NEVER INT64_MAX
#define ID_LEN 37 /* OCPP-J: message ids are at most 36 characters */

enum { MSG_CALL = 2, MSG_CALLRESULT = 3, MSG_CALLERROR = 4, MSG_CALLRESULTERROR = 5, MSG_SEND = 6 };

typedef struct pending_call {
  struct pending_call *next;
  char id[ID_LEN];
  char action[64];
  json_t *payload;
  char *text; /* the payload as json_dumps wrote it (ocpp_rpc_call_text), or NULL */
  ocpp_answer_fn cb;
  void *ctx;
  bool sent;        /* outstanding: waits for its answer */
  int64_t deadline; /* when sent */
  int64_t sent_at;
} pending_call;

/* The station's last answers to the peer's CALLs: a CALLRESULTERROR names
 * one of them by its message id. */
#define ANSWERED_KEPT 8
typedef struct {
  char id[ID_LEN];
  char action[64];
} answered_call;

/* A peer's CALL whose answer comes later (ocpp_reply_defer). */
typedef struct deferred_call {
  struct deferred_call *next;
  char id[ID_LEN];
  char action[64];
  char key[64];
  json_t *fallback;
  int64_t deadline;
} deferred_call;

struct ocpp_rpc {
  ocpp_rpc_config cfg;
  deferred_call *deferred;
  answered_call *answered; /* ANSWERED_KEPT, allocated by the first answer (most swarm
                            * stations never get a CALL from their back end) */
  unsigned answered_next;
  pending_call *head, *tail; /* FIFO, sent in order: the outstanding calls are its first `sent` */
  unsigned sent;
  uint32_t counter;
  size_t count;
  int64_t now; /* the latest time the caller handed in */
};

ocpp_rpc *ocpp_rpc_new(const ocpp_rpc_config *cfg) {
  if (!cfg->dialect) return NULL;
  ocpp_rpc *r = calloc(1, sizeof *r);
  if (!r) return NULL;
  r->cfg = *cfg;
  return r;
}

static const char *code_of(const ocpp_rpc *r, ocpp_error_kind kind) {
  return ocpp_dialect_code(r->cfg.dialect, kind);
}

static unsigned max_outstanding(const ocpp_rpc *r) {
  return r->cfg.dialect->max_outstanding_calls ? r->cfg.dialect->max_outstanding_calls : 1;
}

static void drop(pending_call *p) {
  json_decref(p->payload);
  free(p->text);
  free(p);
}

static void drop_deferred(ocpp_rpc *r) {
  while (r->deferred) {
    deferred_call *d = r->deferred;
    r->deferred = d->next;
    log_warn(MOD, "%s %s: not answered, the connection is gone", d->action, d->id);
    json_decref(d->fallback);
    free(d);
  }
}

void ocpp_rpc_free(ocpp_rpc *r) {
  if (!r) return;
  while (r->head) {
    pending_call *p = r->head;
    r->head = p->next;
    drop(p);
  }
  drop_deferred(r);
  free(r->answered);
  free(r);
}

void ocpp_rpc_set_timeout(ocpp_rpc *r, int64_t call_timeout_ms) {
  r->cfg.call_timeout_ms = call_timeout_ms;
}

size_t ocpp_rpc_pending(const ocpp_rpc *r) { return r->count; }

int64_t ocpp_rpc_next_deadline(const ocpp_rpc *r) {
  int64_t next = NEVER;
  for (const pending_call *p = r->head; p && p->sent; p = p->next)
    if (p->deadline < next) next = p->deadline;
  for (const deferred_call *d = r->deferred; d; d = d->next)
    if (d->deadline < next) next = d->deadline;
  return next;
}

size_t ocpp_rpc_deferred(const ocpp_rpc *r) {
  size_t n = 0;
  for (const deferred_call *d = r->deferred; d; d = d->next) n++;
  return n;
}

static int send_json(ocpp_rpc *r, json_t *frame) {
  char *text = json_dumps(frame, JSON_COMPACT);
  json_decref(frame);
  if (!text) return -1;
  int rc = r->cfg.send(r->cfg.ctx, text, strlen(text));
  free(text);
  return rc;
}

static void send_error(ocpp_rpc *r, const char *id, const char *code, const char *text) {
  log_warn(MOD, "answering CALLERROR %s: %s", code, text);
  send_json(r, json_pack("[i, s, s, s, {}]", MSG_CALLERROR, id, code, text));
}

/* A CALLERROR for a frame that is not a valid OCPP message. */
static void refuse(ocpp_rpc *r, const char *id, const char *code, const char *text) {
  send_error(r, id, code, text);
  if (r->cfg.invalid_message) r->cfg.invalid_message(r->cfg.ctx, code, text);
}

static void answer(ocpp_rpc *r, const char *id, const char *action, ocpp_reply *reply);

/* Takes call p off the queue and reports its outcome. */
static void finish(ocpp_rpc *r, pending_call *p, const json_t *result, const char *code,
                   const char *text) {
  pending_call **at = &r->head, *prev = NULL;
  while (*at != p) {
    prev = *at;
    at = &(*at)->next;
  }
  *at = p->next;
  if (r->tail == p) r->tail = prev;
  r->count--;
  if (p->sent) r->sent--;
  if (r->cfg.answered)
    r->cfg.answered(r->cfg.ctx, p->action, p->sent ? r->now - p->sent_at : -1,
                    result ? NULL : code);
  if (p->cb) p->cb(p->ctx, result, code, text);
  drop(p);
}

/* The first call not sent yet (the outstanding ones come first). */
static pending_call *first_unsent(const ocpp_rpc *r) {
  pending_call *p = r->head;
  while (p && p->sent) p = p->next;
  return p;
}

/* Sends the next calls of the queue while fewer than the dialect allows are
 * outstanding. */
/* A CALL frame around its payload's own text (ocpp_rpc_call_text): the
 * frame's head [2,"id","action"] written by jansson, the payload's text put
 * in as its last element as it is: the bytes json_dumps of the whole frame
 * would give, without writing the payload a second time. */
static int send_with_text(ocpp_rpc *r, const pending_call *p) {
  json_t *head = json_pack("[i, s, s]", MSG_CALL, p->id, p->action);
  char *h = head ? json_dumps(head, JSON_COMPACT) : NULL;
  json_decref(head);
  size_t hn = h ? strlen(h) : 0, tn = strlen(p->text);
  char *frame = hn >= 2 ? malloc(hn + tn + 2) : NULL;
  if (!frame) {
    free(h);
    return -1;
  }
  memcpy(frame, h, hn - 1); /* without its "]" */
  frame[hn - 1] = ',';
  memcpy(frame + hn, p->text, tn);
  frame[hn + tn] = ']';
  frame[hn + tn + 1] = 0;
  free(h);
  int rc = r->cfg.send(r->cfg.ctx, frame, hn + tn + 1);
  free(frame);
  return rc;
}

static void pump(ocpp_rpc *r, int64_t now) {
  pending_call *p;
  while (r->sent < max_outstanding(r) && (p = first_unsent(r))) {
    int rc = p->text
                 ? send_with_text(r, p)
                 : send_json(r, json_pack("[i, s, s, O]", MSG_CALL, p->id, p->action, p->payload));
    if (rc != 0) {
      finish(r, p, NULL, "Disconnected", "the transport refused the frame");
      continue;
    }
    p->sent = true;
    p->sent_at = now;
    p->deadline = now + r->cfg.call_timeout_ms;
    r->sent++;
  }
}

int ocpp_rpc_call(ocpp_rpc *r, const char *action, json_t *payload, ocpp_answer_fn cb, void *ctx,
                  int64_t now, ocpp_error *err) {
  return ocpp_rpc_call_text(r, action, payload, NULL, cb, ctx, now, err);
}

int ocpp_rpc_call_text(ocpp_rpc *r, const char *action, json_t *payload, char *text,
                       ocpp_answer_fn cb, void *ctx, int64_t now, ocpp_error *err) {
  ocpp_error local;
  if (!err) err = &local;
  if (!payload || !json_is_object(payload)) {
    err->kind = OCPP_ERR_FORMAT;
    snprintf(err->code, sizeof err->code, "%s", code_of(r, err->kind));
    snprintf(err->text, sizeof err->text, "%s: payload is not an object", action);
    json_decref(payload);
    free(text);
    return -1;
  }
  if (r->cfg.validate && r->cfg.validate(action, true, payload, err) != 0) {
    ocpp_dialect_spell(r->cfg.dialect, err);
    /* our own bug: never put an invalid message on the wire */
    log_error(MOD, "%s not sent: %s %s", action, err->code, err->text);
    json_decref(payload);
    free(text);
    return -1;
  }
  r->now = now;
  pending_call *p = calloc(1, sizeof *p);
  if (!p) {
    json_decref(payload);
    free(text);
    err->kind = OCPP_ERR_INTERNAL;
    snprintf(err->code, sizeof err->code, "%s", code_of(r, err->kind));
    snprintf(err->text, sizeof err->text, "out of memory");
    return -1;
  }
  snprintf(p->id, sizeof p->id, "%08" PRIx32 "-%" PRIu32, r->cfg.id_seed, ++r->counter);
  snprintf(p->action, sizeof p->action, "%s", action);
  p->payload = payload;
  p->text = text;
  p->cb = cb;
  p->ctx = ctx;
  if (r->tail)
    r->tail->next = p;
  else
    r->head = p;
  r->tail = p;
  r->count++;
  pump(r, now);
  return 0;
}

void ocpp_rpc_fail_all(ocpp_rpc *r, const char *code, const char *text) {
  while (r->head) finish(r, r->head, NULL, code, text);
  drop_deferred(r);
}

void ocpp_rpc_tick(ocpp_rpc *r, int64_t now) {
  r->now = now;
  pending_call *p;
  /* the oldest due first; a callback may change the queue, so look again */
  for (;;) {
    for (p = r->head; p && p->sent && now < p->deadline; p = p->next) {
    }
    if (!p || !p->sent) break;
    log_warn(MOD, "%s %s: no answer within %" PRId64 " ms", p->action, p->id,
             r->cfg.call_timeout_ms);
    finish(r, p, NULL, "Timeout", "no answer from the back end");
  }
  /* deferred answers that did not come: their fallback */
  for (deferred_call **at = &r->deferred; *at;) {
    deferred_call *d = *at;
    if (now < d->deadline) {
      at = &d->next;
      continue;
    }
    *at = d->next;
    log_warn(MOD, "%s %s: no answer within its time, the fallback sent", d->action, d->id);
    answer(r, d->id, d->action, &(ocpp_reply){.result = d->fallback});
    free(d);
  }
  pump(r, now);
}

int ocpp_reply_defer(ocpp_reply *reply, const char *key, int64_t timeout_ms, json_t *fallback) {
  ocpp_rpc *r = reply->rpc;
  deferred_call *d = r && strlen(key) < sizeof d->key ? calloc(1, sizeof *d) : NULL;
  if (!d) {
    json_decref(fallback);
    return -1;
  }
  snprintf(d->id, sizeof d->id, "%s", reply->msg_id);
  snprintf(d->action, sizeof d->action, "%s", reply->action);
  snprintf(d->key, sizeof d->key, "%s", key);
  d->fallback = fallback;
  d->deadline = r->now + timeout_ms;
  d->next = r->deferred;
  r->deferred = d;
  reply->deferred = true;
  return 0;
}

int ocpp_rpc_answer_deferred(ocpp_rpc *r, const char *key, const json_t *result) {
  int n = 0;
  for (deferred_call **at = &r->deferred; *at;) {
    deferred_call *d = *at;
    if (strcmp(d->key, key) != 0) {
      at = &d->next;
      continue;
    }
    *at = d->next;
    json_decref(d->fallback);
    answer(r, d->id, d->action, &(ocpp_reply){.result = json_deep_copy(result)});
    free(d);
    n++;
  }
  return n;
}

static void handle_call(ocpp_rpc *r, const char *id, const json_t *frame) {
  const json_t *action_j = json_array_get(frame, 2);
  const json_t *payload = json_array_get(frame, 3);
  if (json_array_size(frame) == 3 && json_is_string(action_j)) {
    /* OCPP-J 1.6 4.2.3: ProtocolError, "Payload for Action is incomplete" */
    refuse(r, id, code_of(r, OCPP_ERR_PROTOCOL), "the CALL has no payload");
    return;
  }
  if (json_array_size(frame) != 4 || !json_is_string(action_j) || !json_is_object(payload)) {
    refuse(r, id,
           code_of(r, json_array_size(frame) == 4 && json_is_string(action_j)
                          ? OCPP_ERR_FORMAT
                          : OCPP_ERR_RPC_FRAMEWORK),
           "a CALL is [2, messageId, action, {payload}]");
    return;
  }
  const char *action = json_string_value(action_j);
  ocpp_error err = {.kind = OCPP_ERR_NONE};
  if (r->cfg.validate && r->cfg.validate(action, true, payload, &err) != 0) {
    if (err.kind == OCPP_ERR_NOT_IMPLEMENTED || err.kind == OCPP_ERR_NOT_SUPPORTED)
      send_error(r, id, code_of(r, err.kind), err.text);
    else
      refuse(r, id, code_of(r, err.kind), err.text);
    return;
  }
  ocpp_reply reply = {.rpc = r, .msg_id = id, .action = action};
  r->cfg.call(r->cfg.ctx, action, payload, &reply);
  if (reply.no_answer) { /* the version's registration rules forbid any answer */
    json_decref(reply.result);
    log_info(MOD, "%s %s: not answered", action, id);
    return;
  }
  if (reply.deferred) { /* ocpp_rpc_answer_deferred or the fallback answers it */
    json_decref(reply.result);
    return;
  }
  answer(r, id, action, &reply);
}

/* Sends the answer to the peer's CALL `id` (its result stolen). */
static void answer(ocpp_rpc *r, const char *id, const char *action, ocpp_reply *reply_in) {
  ocpp_reply reply = *reply_in;
  ocpp_error err = {.kind = OCPP_ERR_NONE};
  if (!reply.result && !reply.error_code) {
    reply.error_code = code_of(r, OCPP_ERR_INTERNAL);
    snprintf(reply.error_text, sizeof reply.error_text, "%s: no answer", action);
  }
  if (reply.result && r->cfg.validate && r->cfg.validate(action, false, reply.result, &err) != 0) {
    /* our own bug: answer an error rather than a wrong payload */
    log_error(MOD, "%s answer fails the schema: %s %s", action, err.code, err.text);
    json_decref(reply.result);
    reply.result = NULL;
    reply.error_code = code_of(r, OCPP_ERR_INTERNAL);
    snprintf(reply.error_text, sizeof reply.error_text, "%s", err.text);
  }
  if (reply.result) {
    send_json(r, json_pack("[i, s, o]", MSG_CALLRESULT, id, reply.result));
    if (!r->answered) r->answered = calloc(ANSWERED_KEPT, sizeof *r->answered);
    if (r->answered) { /* out of memory: a refusal of it names no action */
      answered_call *a = &r->answered[r->answered_next++ % ANSWERED_KEPT];
      snprintf(a->id, sizeof a->id, "%s", id);
      snprintf(a->action, sizeof a->action, "%s", action);
    }
  } else
    send_error(r, id, reply.error_code, reply.error_text);
  if (r->cfg.replied) r->cfg.replied(r->cfg.ctx, action);
}

static void handle_answer(ocpp_rpc *r, int type, const char *id, const json_t *frame) {
  pending_call *p = r->head;
  while (p && p->sent && strcmp(p->id, id) != 0) p = p->next;
  if (!p || !p->sent) {
    log_warn(MOD, "dropping an answer to an unknown message id %s", id);
    return;
  }
  if (type == MSG_CALLRESULT) {
    const json_t *payload = json_array_get(frame, 2);
    ocpp_error err = {.kind = OCPP_ERR_NONE};
    if (json_array_size(frame) != 3 || !json_is_object(payload)) {
      finish(r, p, NULL, "InvalidResponse", "a CALLRESULT is [3, messageId, {payload}]");
      return;
    }
    if (r->cfg.validate && r->cfg.validate(p->action, false, payload, &err) != 0) {
      log_warn(MOD, "%s answer fails the schema (%s: %s): not trusted", p->action,
               code_of(r, err.kind), err.text);
      if (r->cfg.dialect->send_frames) /* OCPP-J 2.1: the peer learns why */
        send_json(r, json_pack("[i, s, s, s, {}]", MSG_CALLRESULTERROR, id, code_of(r, err.kind),
                               err.text));
      finish(r, p, NULL, "InvalidResponse", err.text);
      return;
    }
    finish(r, p, payload, NULL, NULL);
    return;
  }
  const char *code = json_string_value(json_array_get(frame, 2));
  const char *text = json_string_value(json_array_get(frame, 3));
  finish(r, p, NULL, code ? code : code_of(r, OCPP_ERR_GENERIC), text ? text : "");
}

/* A CALLRESULTERROR: the peer could not accept the station's answer. */
static void handle_result_error(ocpp_rpc *r, const char *id, const json_t *frame) {
  const char *code = json_string_value(json_array_get(frame, 2));
  const char *text = json_string_value(json_array_get(frame, 3));
  const char *action = NULL;
  for (unsigned i = 0; r->answered && i < ANSWERED_KEPT && !action; i++)
    if (!strcmp(r->answered[i].id, id)) action = r->answered[i].action;
  log_warn(MOD, "the back end refused the answer to %s %s: %s %s", action ? action : "a call", id,
           code ? code : "?", text ? text : "");
  if (r->cfg.result_refused)
    r->cfg.result_refused(r->cfg.ctx, action ? action : "", code ? code : "", text ? text : "");
}

/* A SEND: handed on like a CALL, the answer dropped; never answered. */
static void handle_send(ocpp_rpc *r, const char *id, const json_t *frame) {
  const json_t *action_j = json_array_get(frame, 2);
  const json_t *payload = json_array_get(frame, 3);
  if (json_array_size(frame) != 4 || !json_is_string(action_j) || !json_is_object(payload)) {
    log_warn(MOD, "dropping SEND %s: a SEND is [6, messageId, action, {payload}]", id);
    return;
  }
  const char *action = json_string_value(action_j);
  ocpp_error err = {.kind = OCPP_ERR_NONE};
  if (r->cfg.validate && r->cfg.validate(action, true, payload, &err) != 0) {
    log_warn(MOD, "dropping SEND %s %s: %s %s", action, id, code_of(r, err.kind), err.text);
    return;
  }
  ocpp_reply reply = {0};
  r->cfg.call(r->cfg.ctx, action, payload, &reply);
  json_decref(reply.result);
  log_info(MOD, "SEND %s %s received", action, id);
}

int ocpp_rpc_send(ocpp_rpc *r, const char *action, json_t *payload, ocpp_error *err) {
  ocpp_error local;
  if (!err) err = &local;
  *err = (ocpp_error){.kind = OCPP_ERR_NONE};
  int rc = -1;
  if (!r->cfg.dialect->send_frames) {
    err->kind = OCPP_ERR_MESSAGE_TYPE_NOT_SUPPORTED;
    snprintf(err->text, sizeof err->text, "OCPP %s has no SEND", r->cfg.dialect->version);
  } else if (!json_is_object(payload)) {
    err->kind = OCPP_ERR_FORMAT;
    snprintf(err->text, sizeof err->text, "%s: payload is not an object", action);
  } else if (r->cfg.validate && r->cfg.validate(action, true, payload, err) != 0) {
    log_error(MOD, "SEND %s not sent: %s", action, err->text);
  } else {
    char id[ID_LEN];
    snprintf(id, sizeof id, "%08" PRIx32 "-%" PRIu32, r->cfg.id_seed, ++r->counter);
    rc = send_json(r, json_pack("[i, s, s, O]", MSG_SEND, id, action, payload));
    if (rc != 0) {
      err->kind = OCPP_ERR_GENERIC;
      snprintf(err->text, sizeof err->text, "the transport refused the frame");
    }
  }
  ocpp_dialect_spell(r->cfg.dialect, err);
  json_decref(payload);
  return rc;
}

void ocpp_rpc_receive(ocpp_rpc *r, const char *text, size_t len, int64_t now) {
  r->now = now;
  json_error_t jerr;
  json_t *frame = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
  if (!frame) {
    refuse(r, "-1", code_of(r, OCPP_ERR_RPC_FRAMEWORK), "the message is not JSON");
    return;
  }
  const json_t *type_j = json_array_get(frame, 0);
  const json_t *id_j = json_array_get(frame, 1);
  int type = json_is_integer(type_j) ? (int)json_integer_value(type_j) : 0;
  const char *id = json_string_value(id_j);
  bool v21 = r->cfg.dialect->send_frames;
  bool known = type == MSG_CALL || type == MSG_CALLRESULT || type == MSG_CALLERROR ||
               (v21 && (type == MSG_CALLRESULTERROR || type == MSG_SEND));
  if (!json_is_array(frame) || !id || strlen(id) >= ID_LEN || !known) {
    bool id_ok = id && strlen(id) < ID_LEN;
    /* a message type borne does not know, in a frame that is otherwise one */
    bool unknown_type = json_is_array(frame) && id_ok && json_is_integer(type_j);
    /* never an error to an answer, nor (2.1) to a SEND or a CALLRESULTERROR */
    if (type != MSG_CALLRESULT && type != MSG_CALLERROR &&
        !(v21 && (type == MSG_CALLRESULTERROR || type == MSG_SEND)))
      refuse(
          r, id_ok ? id : "-1",
          code_of(r, unknown_type ? OCPP_ERR_MESSAGE_TYPE_NOT_SUPPORTED : OCPP_ERR_RPC_FRAMEWORK),
          v21 ? "a message is [type 2 to 6, messageId (string of at most 36), ...]"
              : "a message is [type 2, 3 or 4, messageId (string of at most 36), ...]");
    else
      log_warn(MOD, "dropping a malformed answer frame");
  } else if (type == MSG_CALL) {
    handle_call(r, id, frame);
  } else if (type == MSG_SEND) {
    handle_send(r, id, frame);
  } else if (type == MSG_CALLRESULTERROR) {
    handle_result_error(r, id, frame);
  } else {
    handle_answer(r, type, id, frame);
  }
  json_decref(frame);
  pump(r, now);
}

/* [type, "messageId" from the first bytes of a frame: 0 when they do not
 * hold both (an escaped or over-long id is not read). */
static int read_head(const char *s, size_t len, int *type, char id[ID_LEN]) {
  size_t i = 0;
#define SKIP_WS                                                                                    \
  while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) i++
  SKIP_WS;
  if (i >= len || s[i++] != '[') return 0;
  SKIP_WS;
  int t = 0, digits = 0;
  while (i < len && s[i] >= '0' && s[i] <= '9' && digits < 3) t = t * 10 + (s[i++] - '0'), digits++;
  if (!digits) return 0;
  SKIP_WS;
  if (i >= len || s[i++] != ',') return 0;
  SKIP_WS;
  if (i >= len || s[i++] != '"') return 0;
  size_t n = 0;
  while (i < len && s[i] != '"' && s[i] != '\\' && n + 1 < ID_LEN) id[n++] = s[i++];
  if (i >= len || s[i] != '"') return 0;
#undef SKIP_WS
  id[n] = '\0';
  *type = t;
  return 1;
}

void ocpp_rpc_receive_too_large(ocpp_rpc *r, const char *head, size_t len, size_t total,
                                size_t limit, int64_t now) {
  r->now = now;
  int type = 0;
  char id[ID_LEN];
  char text[160];
  snprintf(text, sizeof text, "a message of %zu bytes: this station takes at most %zu", total,
           limit);
  if (!head || !read_head(head, len, &type, id)) {
    send_error(r, "-1", code_of(r, OCPP_ERR_RPC_FRAMEWORK), text);
  } else if (type == MSG_CALL) {
    send_error(r, id, code_of(r, OCPP_ERR_FORMAT), text);
  } else if (type == MSG_CALLRESULT || type == MSG_CALLERROR) {
    pending_call *p = r->head;
    while (p && p->sent && strcmp(p->id, id) != 0) p = p->next;
    if (p && p->sent)
      finish(r, p, NULL, "InvalidResponse", text);
    else
      log_warn(MOD, "dropping an answer to an unknown message id %s (%s)", id, text);
  } else {
    log_warn(MOD, "dropping message %s of type %d: %s", id, type, text); /* SEND, CALLRESULTERROR */
  }
  pump(r, now);
}

void ocpp_rpc_set_dialect(ocpp_rpc *r, const ocpp_dialect *dialect,
                          int (*validate)(const char *action, bool request, const json_t *payload,
                                          ocpp_error *err)) {
  if (!r || !dialect) return;
  r->cfg.dialect = dialect;
  r->cfg.validate = validate;
}
