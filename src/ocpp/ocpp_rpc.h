/*
 * OCPP-J RPC framing, without sockets (OCPP-J 1.6 section 4; 2.0.1 part 4):
 *   CALL       [2, "<id>", "<Action>", {payload}]
 *   CALLRESULT [3, "<id>", {payload}]
 *   CALLERROR  [4, "<id>", "<code>", "<description>", {details}]
 *
 * Station calls wait in a FIFO and go out in order; at most the dialect's
 * max_outstanding_calls wait for their answer at once (one in OCPP 1.6 and
 * 2.0.1), each with a timeout. Incoming CALLs are validated against the
 * schemas and answered at once, even while a station call is outstanding.
 * Bad frames and bad payloads get the CALLERROR the specification names,
 * spelled as the dialect spells it (ocpp_version.h), and reach no handler;
 * answers that fail the schema make the call fail ("InvalidResponse").
 * The caller passes `now` (monotonic ms) in and arms a timer for
 * ocpp_rpc_next_deadline(); frames go out through the `send` callback.
 */
#ifndef BORNE_OCPP_RPC_H
#define BORNE_OCPP_RPC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ocpp/ocpp_error.h"
#include "ocpp/ocpp_version.h"

struct ocpp_rpc;

/* The answer a handler gives to an incoming CALL: a result object, or a
 * CALLERROR code (spelled in the handler's version) with a text; or, through
 * ocpp_reply_defer, an answer given later. */
typedef struct {
  json_t *result; /* owned by the rpc layer after the handler returns */
  const char *error_code;
  char error_text[200];
  bool no_answer; /* answer nothing at all (1.6 4.2: while the boot is Rejected) */
  bool deferred;  /* set by ocpp_reply_defer: the answer comes later */
  /* set by the engine for a CALL it can answer later (NULL otherwise: a
   * SEND, a handler called outside the engine) */
  struct ocpp_rpc *rpc;
  const char *msg_id;
  const char *action;
} ocpp_reply;

/* Exactly once per station call: the result (valid per schema), or an error
 * code ("Timeout", "Disconnected", a CALLERROR code, "InvalidResponse") and
 * its text. */
typedef void (*ocpp_answer_fn)(void *ctx, const json_t *result, const char *error_code,
                               const char *error_text);

typedef struct {
  void *ctx;
  /* hands one text frame to the transport; non-zero when it cannot */
  int (*send)(void *ctx, const char *text, size_t len);
  /* an incoming CALL whose payload passed the schema */
  void (*call)(void *ctx, const char *action, const json_t *payload, ocpp_reply *reply);
  /* after the answer to an incoming CALL was handed to `send` (may be NULL) */
  void (*replied)(void *ctx, const char *action);
  /* a station CALL got its outcome (may be NULL): error_code NULL for a
   * CALLRESULT, else the CALLERROR code, "Timeout" or "Disconnected";
   * latency_ms from sending to the outcome, -1 when it was never sent
   * (observers: borne-swarm's per-action latencies, docs/swarm.md) */
  void (*answered)(void *ctx, const char *action, int64_t latency_ms, const char *error_code);
  /* the peer refused the station's CALLRESULT to its CALL `action` with a
   * CALLRESULTERROR (OCPP 2.1; may be NULL): nothing is sent again */
  void (*result_refused)(void *ctx, const char *action, const char *code, const char *text);
  /* the schema check of a payload: non-zero with err->kind set (an unknown
   * action is OCPP_ERR_NOT_IMPLEMENTED); the engine answers the kind in its
   * dialect's spelling */
  int (*validate)(const char *action, bool request, const json_t *payload, ocpp_error *err);
  /* a frame from the peer that is not a valid OCPP message (not JSON, not a
   * frame, a CALL that is malformed or fails the schema) was answered with
   * the CALLERROR `code` (may be NULL); an unknown or unhandled action is not
   * one (NotImplemented, NotSupported), nor a message too large */
  void (*invalid_message)(void *ctx, const char *code, const char *text);
  /* the version's differences: CALLERROR spellings, outstanding calls */
  const ocpp_dialect *dialect;
  int64_t call_timeout_ms;
  uint32_t id_seed; /* makes message ids differ between runs */
} ocpp_rpc_config;

typedef struct ocpp_rpc ocpp_rpc;

/* NULL without cfg->dialect (or out of memory). */
ocpp_rpc *ocpp_rpc_new(const ocpp_rpc_config *cfg);
/* Drops queued and outstanding calls without calling their callbacks (the
 * owner is going away); call ocpp_rpc_fail_all first to notify them. */
void ocpp_rpc_free(ocpp_rpc *r);

/* Deferred answers. A handler that learns its answer only later (the lock
 * of UnlockConnector opens after a motor's travel) calls ocpp_reply_defer
 * instead of filling the reply: the CALL is kept under `key` (at most 63
 * characters, e.g. "UnlockConnector/1") and answered by
 * ocpp_rpc_answer_deferred, once; `fallback` (stolen; its schema checked as
 * any answer) is sent if no answer came within timeout_ms, so every CALL is
 * answered in bounded time. The connection's loss drops the CALLs kept (an
 * answer belongs to the connection its CALL came on). 0 when deferred; -1
 * when this CALL cannot be (no engine behind the reply, out of memory):
 * `fallback` is then freed and the handler answers at once. */
int ocpp_reply_defer(ocpp_reply *reply, const char *key, int64_t timeout_ms, json_t *fallback);
/* Answers every CALL kept under `key` with `result` (borrowed; copied for
 * each), the fallbacks dropped; how many were answered. May be called from
 * the handler itself. */
int ocpp_rpc_answer_deferred(ocpp_rpc *r, const char *key, const json_t *result);
/* CALLs waiting for their deferred answer. */
size_t ocpp_rpc_deferred(const ocpp_rpc *r);

/* Queues a station CALL (payload is stolen). A payload that fails the schema
 * is refused at once: -1 with err filled (spelled in the dialect) and cb not
 * called. */
int ocpp_rpc_call(ocpp_rpc *r, const char *action, json_t *payload, ocpp_answer_fn cb, void *ctx,
                  int64_t now, ocpp_error *err);
/* ocpp_rpc_call with `text` (stolen; NULL: none), the payload exactly as
 * json_dumps(payload, JSON_COMPACT) wrote it (a queued message's journal
 * text): the payload is still checked against the schema, and the frame
 * carries that text instead of the payload written again. */
int ocpp_rpc_call_text(ocpp_rpc *r, const char *action, json_t *payload, char *text,
                       ocpp_answer_fn cb, void *ctx, int64_t now, ocpp_error *err);
/* A SEND (OCPP-J 2.1: message type 6, unconfirmed; the dialect must have
 * send_frames): checked against the schema and handed to the transport at
 * once, outside the queue of CALLs; no answer comes. -1 with err filled
 * when the dialect has no SEND, the payload fails the schema or the
 * transport refuses it. */
int ocpp_rpc_send(ocpp_rpc *r, const char *action, json_t *payload, ocpp_error *err);
/* One text frame from the peer. */
void ocpp_rpc_receive(ocpp_rpc *r, const char *text, size_t len, int64_t now);
/* A text frame of `total` bytes, more than the `limit` the transport keeps:
 * only its first bytes (head) are known. A CALL whose message id they hold
 * is answered with a CALLERROR FormatViolation (FormationViolation in 1.6:
 * the payload cannot be taken, as 2.0.1 B06.FR.17 answers a GetVariables
 * above BytesPerMessage); an answer to one of the station's calls fails it
 * (InvalidResponse); a head that is no message gets RpcFrameworkError
 * (FormationViolation in 1.6), like a frame that is not JSON. */
void ocpp_rpc_receive_too_large(ocpp_rpc *r, const char *head, size_t len, size_t total,
                                size_t limit, int64_t now);
/* Times out the outstanding calls when due and sends the next ones. */
void ocpp_rpc_tick(ocpp_rpc *r, int64_t now);
/* When ocpp_rpc_tick must run next; INT64_MAX when nothing waits. */
int64_t ocpp_rpc_next_deadline(const ocpp_rpc *r);
/* The connection is gone: every queued and outstanding call fails with
 * `code` ("Disconnected"). */
void ocpp_rpc_fail_all(ocpp_rpc *r, const char *code, const char *text);
/* Calls waiting, the outstanding ones included. */
size_t ocpp_rpc_pending(const ocpp_rpc *r);
void ocpp_rpc_set_timeout(ocpp_rpc *r, int64_t call_timeout_ms);
/* The version spoken from now on (the one the server picked on connecting)
 * and its validator; ignored when NULL. */
void ocpp_rpc_set_dialect(ocpp_rpc *r, const ocpp_dialect *dialect,
                          int (*validate)(const char *action, bool request, const json_t *payload,
                                          ocpp_error *err));

#endif
