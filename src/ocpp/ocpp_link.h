/*
 * The charge point's line to its back end: the WebSocket (ocpp_transport)
 * with OCPP-J RPC on top (ocpp_rpc), on the station's loop. Payloads are
 * checked against the protocol's schemas in both directions, so the charge
 * point only ever reads well-formed payloads.
 */
#ifndef BORNE_OCPP_LINK_H
#define BORNE_OCPP_LINK_H

#include <jansson.h>
#include <stdbool.h>
#include <uv.h>

#include "ocpp/ocpp_rpc.h"
#include "ocpp/ocpp_transport.h"
#include "ocpp/ocpp_version.h"

typedef struct {
  void *ctx;
  void (*connected)(void *ctx);
  void (*disconnected)(void *ctx, const char *why);
  void (*call)(void *ctx, const char *action, const json_t *payload, ocpp_reply *reply);
  /* after the reply to `action` was handed to the transport */
  void (*replied)(void *ctx, const char *action);
  /* a connection attempt failed because the back end's certificate did not
   * verify (the TLS reason in `why`); optional */
  void (*server_certificate_refused)(void *ctx, const char *why);
  /* the back end refused the station's answer to its CALL `action` with a
   * CALLRESULTERROR (OCPP 2.1, ocpp_rpc_config.result_refused); optional */
  void (*result_refused)(void *ctx, const char *action, const char *code, const char *text);
  /* a connection attempt failed (ocpp_transport_events.attempt_failed); optional */
  void (*attempt_failed)(void *ctx, const char *why);
  /* the server refused the station's client certificate
   * (ocpp_transport_events.client_certificate_refused); optional */
  void (*client_certificate_refused)(void *ctx, const char *why);
  /* ocpp_transport_events.attempt_refused; optional */
  void (*attempt_refused)(void *ctx, ocpp_refusal kind, const char *why);
  /* ocpp_rpc_config.invalid_message; optional */
  void (*invalid_message)(void *ctx, const char *code, const char *text);
  /* a station CALL got its outcome (ocpp_rpc_config.answered); optional */
  void (*answered)(void *ctx, const char *action, int64_t latency_ms, const char *error_code);
} ocpp_link_events;

typedef int (*ocpp_validate_fn)(const char *action, bool request, const json_t *payload,
                                ocpp_error *err);

typedef struct ocpp_link ocpp_link;

/* `offered` are the OCPP versions offered to the back end, in order of
 * preference (ocpp_version.h: "ocpp2.1, ocpp2.0.1, ocpp1.6" as the WebSocket
 * subprotocols; it replaces cfg->subprotocol). On each connection the link
 * speaks the one the server picked: its CALLERROR spellings, outstanding-call
 * rule and validator (ocpp_dialect.validate); ocpp_link_dialect tells which,
 * from the `connected` event on. `validate` overrides the dialects' own
 * validator when not NULL (tests, benchmarks). */
ocpp_link *ocpp_link_new(uv_loop_t *loop, const ocpp_transport_config *cfg, int call_timeout_s,
                         const ocpp_dialect *const offered[], size_t n_offered,
                         ocpp_validate_fn validate, const ocpp_link_events *ev, char *err,
                         size_t errlen);
/* The version the server picked on the current (or, while disconnected, the
 * last) connection; offered[0] before the first one. */
const ocpp_dialect *ocpp_link_dialect(const ocpp_link *l);
/* Queues a station CALL (payload is stolen); cb gets exactly one answer.
 * -1 (cb not called) when not connected or when the payload fails the schema. */
int ocpp_link_call(ocpp_link *l, const char *action, json_t *payload, ocpp_answer_fn cb, void *ctx);
/* ocpp_link_call with the payload's own text beside it (stolen, NULL none;
 * exactly json_dumps(payload, JSON_COMPACT)): the frame carries it as it is
 * (ocpp_rpc_call_text). */
int ocpp_link_call_text(ocpp_link *l, const char *action, json_t *payload, char *text,
                        ocpp_answer_fn cb, void *ctx);
/* A SEND (OCPP 2.1, unconfirmed: no answer; ocpp_rpc_send; payload is
 * stolen); -1 when not connected, the version has no SEND or the payload
 * fails the schema. */
int ocpp_link_send(ocpp_link *l, const char *action, json_t *payload);
/* Answers the peer's CALLs a handler deferred under `key` (ocpp_reply_defer,
 * ocpp_rpc_answer_deferred; result borrowed); how many were answered. */
int ocpp_link_answer_deferred(ocpp_link *l, const char *key, const json_t *result);
bool ocpp_link_connected(const ocpp_link *l);
/* Station calls queued or waiting for their answer. */
size_t ocpp_link_pending(const ocpp_link *l);
void ocpp_link_get_status(const ocpp_link *l, ocpp_link_status *out);
/* The link's state as the status JSON and `bornectl` spell it. */
const char *ocpp_link_state_name(ocpp_link_state s);
/* The `ocpp` object of GET /status (docs/api.md), the same for every dialect:
 * the link's state with the dialect's version, its registration state and its
 * queue length; `url` and `offered` (ocpp.version) as configured. */
json_t *ocpp_link_status_json(const ocpp_link *l, const char *url, const char *version,
                              const char *offered, const char *registration, size_t queue_length);
/* The server's TLS certificate chain (PEM, caller frees), NULL without TLS. */
char *ocpp_link_peer_chain_pem(const ocpp_link *l);
void ocpp_link_reconfigure(ocpp_link *l, const ocpp_transport_config *cfg);
/* How many times the link was reconfigured (new URL, credentials, slot,
 * interface...): a reconnection within one generation is the same link
 * coming back after a loss (the dialects' BootNotification rule, OCPP-J
 * Reconnecting). */
unsigned ocpp_link_generation(const ocpp_link *l);
void ocpp_link_set_call_timeout(ocpp_link *l, int call_timeout_s);
/* The longest wait between two connection attempts, from the next one on. */
void ocpp_link_set_reconnect_max(ocpp_link *l, int reconnect_max_s);
/* Fails pending calls ("Disconnected") and closes; the loop must run on
 * until the handles are closed. ocpp_link_free after the loop finished. */
void ocpp_link_close(ocpp_link *l);
void ocpp_link_free(ocpp_link *l);

#endif
