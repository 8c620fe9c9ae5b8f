/* The WebSocket and the RPC engine tied together on the loop (ocpp_link.h). */
#include "ocpp/ocpp_link.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "station/lazy_timer.h"
#include "util/log.h"
#include "util/timefmt.h"

#define MOD "ocpp"

struct ocpp_link {
  uv_loop_t *loop;
  unsigned generation; /* ocpp_link_reconfigure calls (ocpp_link_generation) */
  ocpp_link_events ev;
  ocpp_transport *transport;
  ocpp_rpc *rpc;
  const ocpp_dialect *offered[OCPP_VERSIONS_MAX];
  size_t n_offered;
  char offer[64];              /* Sec-WebSocket-Protocol: "ocpp2.0.1, ocpp1.6" */
  const ocpp_dialect *dialect; /* picked by the server (offered[0] before) */
  ocpp_validate_fn validate;   /* the caller's override, NULL: the dialect's */
  /* the outstanding calls' timeouts: made by a call, given back when none
   * is outstanding (an idle link holds no handle: 152 bytes in each of a
   * swarm's stations) */
  lazy_timer timer;
  bool closing;
};

static int64_t now_ms(const ocpp_link *l) { return (int64_t)uv_now(l->loop); }

static void arm(ocpp_link *l);

static void timer_cb(uv_timer_t *t) {
  ocpp_link *l = t->data;
  ocpp_rpc_tick(l->rpc, now_ms(l));
  arm(l);
}

static void arm(ocpp_link *l) {
  if (l->closing) return;
  int64_t d = ocpp_rpc_next_deadline(l->rpc);
  if (d == INT64_MAX) {
    lazy_timer_release(&l->timer);
    return;
  }
  int64_t wait = d - now_ms(l);
  if (lazy_timer_start(&l->timer, l->loop, timer_cb, l, wait > 0 ? (uint64_t)wait : 0, 0) != 0)
    log_error(MOD, "no timer for the calls' timeouts (out of memory)");
}

static int rpc_send(void *ctx, const char *text, size_t len) {
  ocpp_link *l = ctx;
  log_debug(MOD, "-> %.*s", (int)(len > 400 ? 400 : len), text);
  return ocpp_transport_send(l->transport, text, len);
}

static void rpc_call(void *ctx, const char *action, const json_t *payload, ocpp_reply *reply) {
  ocpp_link *l = ctx;
  l->ev.call(l->ev.ctx, action, payload, reply);
}

static void rpc_replied(void *ctx, const char *action) {
  ocpp_link *l = ctx;
  if (l->ev.replied) l->ev.replied(l->ev.ctx, action);
}

static void rpc_answered(void *ctx, const char *action, int64_t latency_ms, const char *errcode) {
  ocpp_link *l = ctx;
  if (l->ev.answered) l->ev.answered(l->ev.ctx, action, latency_ms, errcode);
}

static void on_connected(void *ctx) {
  ocpp_link *l = ctx;
  ocpp_link_status ls;
  ocpp_transport_status(l->transport, &ls);
  const ocpp_dialect *d = ocpp_version_picked(l->offered, l->n_offered, ls.subprotocol);
  if (!d) { /* the transport refuses an answer naming none; a version not offered: */
    log_warn(MOD, "the back end picked %s, which was not offered (%s)", ls.subprotocol, l->offer);
    d = l->offered[0];
  }
  l->dialect = d;
  ocpp_rpc_set_dialect(l->rpc, d, l->validate ? l->validate : d->validate);
  if (l->ev.connected) l->ev.connected(l->ev.ctx);
}

static void on_disconnected(void *ctx, const char *why) {
  ocpp_link *l = ctx;
  ocpp_rpc_fail_all(l->rpc, "Disconnected", why);
  arm(l);
  if (l->ev.disconnected) l->ev.disconnected(l->ev.ctx, why);
}

static void on_certificate_refused(void *ctx, const char *why) {
  ocpp_link *l = ctx;
  if (l->ev.server_certificate_refused) l->ev.server_certificate_refused(l->ev.ctx, why);
}

static void rpc_result_refused(void *ctx, const char *action, const char *code, const char *text) {
  ocpp_link *l = ctx;
  if (l->ev.result_refused) l->ev.result_refused(l->ev.ctx, action, code, text);
}

static void rpc_invalid_message(void *ctx, const char *code, const char *text) {
  ocpp_link *l = ctx;
  if (l->ev.invalid_message) l->ev.invalid_message(l->ev.ctx, code, text);
}

static void on_client_certificate_refused(void *ctx, const char *why) {
  ocpp_link *l = ctx;
  if (l->ev.client_certificate_refused) l->ev.client_certificate_refused(l->ev.ctx, why);
}

static void on_attempt_refused(void *ctx, ocpp_refusal kind, const char *why) {
  ocpp_link *l = ctx;
  if (l->ev.attempt_refused) l->ev.attempt_refused(l->ev.ctx, kind, why);
}

static void on_attempt_failed(void *ctx, const char *why) {
  ocpp_link *l = ctx;
  if (l->ev.attempt_failed) l->ev.attempt_failed(l->ev.ctx, why);
}

static void on_received(void *ctx, const char *text, size_t len) {
  ocpp_link *l = ctx;
  log_debug(MOD, "<- %.*s", (int)(len > 400 ? 400 : len), text);
  ocpp_rpc_receive(l->rpc, text, len, now_ms(l));
  arm(l);
}

static void on_too_large(void *ctx, const char *head, size_t len, size_t total) {
  ocpp_link *l = ctx;
  log_debug(MOD, "<- %.*s... (%zu bytes)", (int)(len > 200 ? 200 : len), head, total);
  ocpp_rpc_receive_too_large(l->rpc, head, len, total, OCPP_TRANSPORT_RX_MAX, now_ms(l));
  arm(l);
}

ocpp_link *ocpp_link_new(uv_loop_t *loop, const ocpp_transport_config *cfg, int call_timeout_s,
                         const ocpp_dialect *const offered[], size_t n_offered,
                         ocpp_validate_fn validate, const ocpp_link_events *ev, char *err,
                         size_t errlen) {
  if (!n_offered || n_offered > OCPP_VERSIONS_MAX || !offered[0]) {
    snprintf(err, errlen, "no OCPP version to offer");
    return NULL;
  }
  ocpp_link *l = calloc(1, sizeof *l);
  if (!l) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  l->loop = loop;
  l->ev = *ev;
  for (size_t i = 0; i < n_offered; i++) l->offered[i] = offered[i];
  l->n_offered = n_offered;
  if (ocpp_version_offer(offered, n_offered, l->offer, sizeof l->offer) != 0) {
    free(l);
    snprintf(err, errlen, "too many OCPP versions to offer");
    return NULL;
  }
  const ocpp_dialect *dialect = offered[0];
  l->dialect = dialect;
  l->validate = validate;
  uint32_t seed = (uint32_t)(uv_hrtime() ^ (uint64_t)(uintptr_t)l);
  ocpp_rpc_config rc = {.ctx = l,
                        .send = rpc_send,
                        .call = rpc_call,
                        .replied = rpc_replied,
                        .answered = rpc_answered,
                        .result_refused = rpc_result_refused,
                        .invalid_message = rpc_invalid_message,
                        .validate = validate ? validate : dialect->validate,
                        .dialect = dialect,
                        .call_timeout_ms = (call_timeout_s > 0 ? call_timeout_s : 30) * 1000LL,
                        .id_seed = seed};
  l->rpc = ocpp_rpc_new(&rc);
  if (!l->rpc) {
    free(l);
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  ocpp_transport_events te = {.ctx = l,
                              .connected = on_connected,
                              .disconnected = on_disconnected,
                              .received = on_received,
                              .too_large = on_too_large,
                              .server_certificate_refused = on_certificate_refused,
                              .attempt_failed = on_attempt_failed,
                              .client_certificate_refused = on_client_certificate_refused,
                              .attempt_refused = on_attempt_refused};
  ocpp_transport_config tc = *cfg;
  tc.subprotocol = l->offer;
  l->transport = ocpp_transport_new(loop, &tc, &te, err, errlen);
  if (!l->transport) {
    ocpp_rpc_free(l->rpc); /* no call made: no timer holds l */
    free(l);
    return NULL;
  }
  return l;
}

int ocpp_link_call(ocpp_link *l, const char *action, json_t *payload, ocpp_answer_fn cb,
                   void *ctx) {
  if (l->closing || !ocpp_transport_connected(l->transport)) {
    json_decref(payload);
    return -1;
  }
  ocpp_error err;
  int rc = ocpp_rpc_call(l->rpc, action, payload, cb, ctx, now_ms(l), &err);
  arm(l);
  return rc;
}

int ocpp_link_call_text(ocpp_link *l, const char *action, json_t *payload, char *text,
                        ocpp_answer_fn cb, void *ctx) {
  if (l->closing || !ocpp_transport_connected(l->transport)) {
    json_decref(payload);
    free(text);
    return -1;
  }
  ocpp_error err;
  int rc = ocpp_rpc_call_text(l->rpc, action, payload, text, cb, ctx, now_ms(l), &err);
  arm(l);
  return rc;
}

int ocpp_link_send(ocpp_link *l, const char *action, json_t *payload) {
  if (l->closing || !ocpp_transport_connected(l->transport)) {
    json_decref(payload);
    return -1;
  }
  return ocpp_rpc_send(l->rpc, action, payload, NULL);
}

const ocpp_dialect *ocpp_link_dialect(const ocpp_link *l) { return l ? l->dialect : NULL; }

int ocpp_link_answer_deferred(ocpp_link *l, const char *key, const json_t *result) {
  if (!l || l->closing) return 0;
  int n = ocpp_rpc_answer_deferred(l->rpc, key, result);
  arm(l); /* its fallback's deadline no longer counts */
  return n;
}

size_t ocpp_link_pending(const ocpp_link *l) { return l ? ocpp_rpc_pending(l->rpc) : 0; }

bool ocpp_link_connected(const ocpp_link *l) {
  return l && !l->closing && ocpp_transport_connected(l->transport);
}

void ocpp_link_get_status(const ocpp_link *l, ocpp_link_status *out) {
  ocpp_transport_status(l->transport, out);
}

const char *ocpp_link_state_name(ocpp_link_state s) {
  switch (s) {
  case OCPP_LINK_DISABLED:
    return "disabled";
  case OCPP_LINK_CONNECTING:
    return "connecting";
  case OCPP_LINK_CONNECTED:
    return "connected";
  case OCPP_LINK_WAITING:
    return "waiting";
  }
  return "?";
}

json_t *ocpp_link_status_json(const ocpp_link *l, const char *url, const char *version,
                              const char *offered, const char *registration, size_t queue_length) {
  ocpp_link_status ls;
  ocpp_link_get_status(l, &ls);
  char since[40], last[40];
  timefmt_iso(ls.since_ms, since, sizeof since);
  timefmt_iso(ls.last_rx_ms, last, sizeof last);
  return json_pack("{s:s, s:s, s:s?, s:s, s:s, s:s, s:s?, s:s, s:I, s:i, s:s?, s:s?}", "url", url,
                   "version", version, "subprotocol", ls.subprotocol[0] ? ls.subprotocol : NULL,
                   "offered", offered, "state", ocpp_link_state_name(ls.state), "since", since,
                   "last_message", ls.last_rx_ms ? last : NULL, "registration", registration,
                   "queue_length", (json_int_t)queue_length, "reconnects", (int)ls.reconnects,
                   "last_error", ls.last_error[0] ? ls.last_error : NULL, "interface",
                   ls.iface[0] ? ls.iface : NULL);
}

char *ocpp_link_peer_chain_pem(const ocpp_link *l) {
  return l && !l->closing ? ocpp_transport_peer_chain_pem(l->transport) : NULL;
}

void ocpp_link_reconfigure(ocpp_link *l, const ocpp_transport_config *cfg) {
  if (l->closing) return;
  ocpp_transport_config tc = *cfg;
  tc.subprotocol = l->offer;
  l->generation++;
  ocpp_transport_reconfigure(l->transport, &tc);
}

unsigned ocpp_link_generation(const ocpp_link *l) { return l->generation; }

void ocpp_link_set_call_timeout(ocpp_link *l, int call_timeout_s) {
  ocpp_rpc_set_timeout(l->rpc, (call_timeout_s > 0 ? call_timeout_s : 30) * 1000LL);
}

void ocpp_link_set_reconnect_max(ocpp_link *l, int reconnect_max_s) {
  if (!l->closing && l->transport) ocpp_transport_set_reconnect_max(l->transport, reconnect_max_s);
}

void ocpp_link_close(ocpp_link *l) {
  if (!l || l->closing) return;
  l->closing = true;
  ocpp_rpc_fail_all(l->rpc, "Disconnected", "the station is stopping");
  lazy_timer_close(&l->timer);
  if (l->transport) ocpp_transport_close(l->transport); /* frees itself when closed */
}

void ocpp_link_free(ocpp_link *l) {
  if (!l) return;
  ocpp_rpc_free(l->rpc);
  free(l);
}
