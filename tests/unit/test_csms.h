/*
 * A small OCPP-J 1.6 central system for unit tests: a libwebsockets server
 * (subprotocol ocpp1.6, and ocpp2.0.1 for an idle 2.0.1 station: the
 * answers below fit both) on the test's own libuv loop, so that a test can run
 * stations and their back ends in one process without Node. It answers
 * BootNotification Accepted, Authorize and StartTransaction Accepted (with
 * transaction ids counting up from `first_tx_id`), and StatusNotification,
 * MeterValues, StopTransaction, Heartbeat and anything else with an empty or
 * minimal valid answer. It records every frame it got, with the URL path of
 * its connection (the charge point id is its last segment), and can send a
 * CALL of its own (csms_call) to the connected charge point.
 *
 * Teardown follows src/http/http_server.c: csms_stop() makes the first
 * lws_context_destroy(); once lws's own libuv handles are closed an idle
 * handle makes the second call; run the loop until csms_stopped(), then
 * csms_free().
 */
#ifndef BORNE_TEST_CSMS_H
#define BORNE_TEST_CSMS_H

#include <jansson.h>
#include <libwebsockets.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uv.h>

typedef struct csms_frame {
  struct csms_frame *next;
  size_t len;
  unsigned char buf[]; /* LWS_PRE bytes, then the text */
} csms_frame;

typedef struct csms_conn {
  struct csms *cs;
  struct lws *wsi;
  struct csms_conn *next;
  char path[256];
  char *rx;
  size_t rx_len;
  csms_frame *out_head, *out_tail;
} csms_conn;

typedef struct csms {
  uv_loop_t *loop;
  struct lws_context *ctx;
  uv_idle_t reaper;
  int port;
  int next_tx_id;
  int connections;        /* accepted so far */
  char subprotocol[32];   /* of the last connection */
  json_t *log;            /* every frame received: {"path", "frame"} in order */
  csms_conn *conns;       /* open connections */
  unsigned call_serial;   /* ids of our own CALLs */
  bool stopping, stopped; /* csms_stop() called / the context is freed */
} csms;

static inline void csms_now(char *out, size_t len) {
  time_t t = time(NULL);
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static inline void csms_send(csms_conn *c, const char *text) {
  size_t n = strlen(text);
  csms_frame *f = malloc(sizeof *f + LWS_PRE + n);
  if (!f) return;
  f->next = NULL;
  f->len = n;
  memcpy(f->buf + LWS_PRE, text, n);
  if (c->out_tail)
    c->out_tail->next = f;
  else
    c->out_head = f;
  c->out_tail = f;
  lws_callback_on_writable(c->wsi);
}

static inline void csms_send_json(csms_conn *c, json_t *msg) {
  char *text = json_dumps(msg, JSON_COMPACT);
  json_decref(msg);
  if (text) csms_send(c, text);
  free(text);
}

/* The CALLRESULT payload for one CALL of the charge point. */
static inline json_t *csms_answer(csms *cs, const char *action, const json_t *payload) {
  char now[40];
  csms_now(now, sizeof now);
  if (strcmp(action, "BootNotification") == 0)
    return json_pack("{s:s, s:s, s:i}", "status", "Accepted", "currentTime", now, "interval", 300);
  if (strcmp(action, "Heartbeat") == 0) return json_pack("{s:s}", "currentTime", now);
  if (strcmp(action, "Authorize") == 0)
    return json_pack("{s:{s:s}}", "idTagInfo", "status", "Accepted");
  if (strcmp(action, "StartTransaction") == 0)
    return json_pack("{s:i, s:{s:s}}", "transactionId", cs->next_tx_id++, "idTagInfo", "status",
                     "Accepted");
  if (strcmp(action, "StopTransaction") == 0 && json_object_get(payload, "idTag"))
    return json_pack("{s:{s:s}}", "idTagInfo", "status", "Accepted");
  if (strcmp(action, "DataTransfer") == 0) return json_pack("{s:s}", "status", "Accepted");
  return json_object(); /* StatusNotification, MeterValues, StopTransaction, notifications */
}

static inline void csms_received(csms_conn *c) {
  csms *cs = c->cs;
  json_t *frame = json_loadb(c->rx, c->rx_len, 0, NULL);
  c->rx_len = 0;
  if (!frame) return;
  json_array_append_new(cs->log, json_pack("{s:s, s:O}", "path", c->path, "frame", frame));
  json_int_t type = json_integer_value(json_array_get(frame, 0));
  const char *id = json_string_value(json_array_get(frame, 1));
  const char *action = json_string_value(json_array_get(frame, 2));
  if (type == 2 && id && action)
    csms_send_json(
        c, json_pack("[i, s, o]", 3, id, csms_answer(cs, action, json_array_get(frame, 3))));
  json_decref(frame);
}

/* Forgets a connection and frees its state (ours, not lws's). */
static inline void csms_unlink(csms *cs, csms_conn *c) {
  for (csms_conn **p = &cs->conns; *p; p = &(*p)->next)
    if (*p == c) {
      *p = c->next;
      break;
    }
  free(c->rx);
  while (c->out_head) {
    csms_frame *f = c->out_head;
    c->out_head = f->next;
    free(f);
  }
  free(c);
}

static inline int csms_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
                                void *in, size_t len) {
  csms_conn **slot = user; /* lws's per-connection memory holds our state's address */
  csms_conn *c = slot ? *slot : NULL;
  csms *cs = lws_context_user(lws_get_context(wsi));
  switch (reason) {
  case LWS_CALLBACK_ESTABLISHED:
    c = calloc(1, sizeof *c);
    if (!c) return -1;
    *slot = c;
    c->cs = cs;
    c->wsi = wsi;
    lws_hdr_copy(wsi, c->path, sizeof c->path, WSI_TOKEN_GET_URI);
    lws_hdr_copy(wsi, cs->subprotocol, sizeof cs->subprotocol, WSI_TOKEN_PROTOCOL);
    c->next = cs->conns;
    cs->conns = c;
    cs->connections++;
    return 0;
  case LWS_CALLBACK_RECEIVE: {
    if (!c) return -1;
    char *grown = realloc(c->rx, c->rx_len + len + 1);
    if (!grown) return -1;
    c->rx = grown;
    memcpy(c->rx + c->rx_len, in, len);
    c->rx_len += len;
    if (lws_is_final_fragment(wsi) && !lws_remaining_packet_payload(wsi)) csms_received(c);
    return 0;
  }
  case LWS_CALLBACK_SERVER_WRITEABLE: {
    csms_frame *f = c ? c->out_head : NULL;
    if (!f) return 0;
    c->out_head = f->next;
    if (!c->out_head) c->out_tail = NULL;
    int w = lws_write(wsi, f->buf + LWS_PRE, f->len, LWS_WRITE_TEXT);
    free(f);
    if (w < 0) return -1;
    if (c->out_head) lws_callback_on_writable(wsi);
    return 0;
  }
  case LWS_CALLBACK_CLOSED:
    if (c) csms_unlink(cs, c);
    *slot = NULL;
    return 0;
  default:
    return 0;
  }
}

static const struct lws_protocols csms_protocols[] = {
    {"ocpp1.6", csms_callback, sizeof(csms_conn *), 65536, 0, NULL, 0},
    /* the same answers fit 2.0.1's BootNotification, Heartbeat and
     * notifications (StatusNotification, MeterValues, TransactionEvent
     * without an idToken): enough for an idle 2.0.1 station */
    {"ocpp2.0.1", csms_callback, sizeof(csms_conn *), 65536, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

/* Listens on 127.0.0.1, a free port (cs->port). 0 on success. */
static inline int csms_start(csms *cs, uv_loop_t *loop, int first_tx_id) {
  memset(cs, 0, sizeof *cs);
  cs->loop = loop;
  cs->next_tx_id = first_tx_id;
  cs->log = json_array();
  lws_set_log_level(LLL_ERR | LLL_WARN, NULL); /* not lws's start-up notices */
  struct lws_context_creation_info info;
  memset(&info, 0, sizeof info);
  void *loops[1] = {loop};
  info.port = 0; /* a free port */
  info.iface = "127.0.0.1";
  info.protocols = csms_protocols;
  info.user = cs;
  info.foreign_loops = loops;
  info.options = LWS_SERVER_OPTION_LIBUV | LWS_SERVER_OPTION_DISABLE_IPV6;
  cs->ctx = lws_create_context(&info);
  struct lws_vhost *vh = cs->ctx ? lws_get_vhost_by_name(cs->ctx, "default") : NULL;
  cs->port = vh ? lws_get_vhost_listen_port(vh) : -1;
  return cs->port > 0 ? 0 : -1;
}

/* "ws://127.0.0.1:PORT" + path */
static inline void csms_url(const csms *cs, const char *path, char *out, size_t len) {
  snprintf(out, len, "ws://127.0.0.1:%d%s", cs->port, path);
}

/* Sends a CALL to the (first) connected charge point; its id is returned
 * ("csms-N"), NULL when none is connected. The answer lands in the log. */
static inline const char *csms_call(csms *cs, const char *action, json_t *payload, char *id,
                                    size_t idlen) {
  if (!cs->conns) {
    json_decref(payload);
    return NULL;
  }
  snprintf(id, idlen, "csms-%u", ++cs->call_serial);
  csms_send_json(cs->conns, json_pack("[i, s, s, o]", 2, id, action, payload));
  return id;
}

/* How many CALLs named `action` arrived (all connections). */
static inline int csms_count(const csms *cs, const char *action) {
  int n = 0;
  size_t i;
  json_t *e;
  json_array_foreach(cs->log, i, e) {
    const json_t *f = json_object_get(e, "frame");
    if (json_integer_value(json_array_get(f, 0)) == 2 &&
        strcmp(json_string_value(json_array_get(f, 2)), action) == 0)
      n++;
  }
  return n;
}

/* The payload of the n-th (0-based) CALL named `action`, or NULL. */
static inline json_t *csms_nth(const csms *cs, const char *action, int n) {
  size_t i;
  json_t *e;
  json_array_foreach(cs->log, i, e) {
    json_t *f = json_object_get(e, "frame");
    if (json_integer_value(json_array_get(f, 0)) == 2 &&
        strcmp(json_string_value(json_array_get(f, 2)), action) == 0 && n-- == 0)
      return json_array_get(f, 3);
  }
  return NULL;
}

/* The payload of the CALLRESULT to our CALL `id`, or NULL while none came. */
static inline json_t *csms_result(const csms *cs, const char *id) {
  size_t i;
  json_t *e;
  json_array_foreach(cs->log, i, e) {
    json_t *f = json_object_get(e, "frame");
    const char *fid = json_string_value(json_array_get(f, 1));
    if (json_integer_value(json_array_get(f, 0)) == 3 && fid && strcmp(fid, id) == 0)
      return json_array_get(f, 2);
  }
  return NULL;
}

static inline void csms_count_handles(uv_handle_t *h, void *arg) {
  void **a = arg;
  if (h->data == a[0]) a[1] = (char *)a[1] + 1;
}

static inline void csms_reaper_closed(uv_handle_t *h) {
  csms *cs = h->data;
  cs->stopped = true;
}

static inline void csms_reaper(uv_idle_t *idle) {
  csms *cs = idle->data;
  void *arg[2] = {cs->ctx, NULL};
  uv_walk(cs->loop, csms_count_handles, arg);
  if (arg[1]) return;           /* lws's own handles are still closing */
  lws_context_destroy(cs->ctx); /* second call: frees the context */
  cs->ctx = NULL;
  uv_idle_stop(idle);
  uv_close((uv_handle_t *)idle, csms_reaper_closed);
}

/* Closes the listener and the connections; run the loop until csms_stopped(). */
static inline void csms_stop(csms *cs) {
  if (cs->stopping) return;
  cs->stopping = true;
  if (!cs->ctx) {
    cs->stopped = true;
    return;
  }
  lws_context_destroy(cs->ctx); /* first call: closes connections and lws's handles */
  uv_idle_init(cs->loop, &cs->reaper);
  cs->reaper.data = cs;
  uv_idle_start(&cs->reaper, csms_reaper);
}

static inline bool csms_stopped(const csms *cs) { return cs->stopped; }

/* After csms_stopped(): frees what the log holds. */
static inline void csms_free(csms *cs) {
  while (cs->conns) csms_unlink(cs, cs->conns);
  json_decref(cs->log);
  cs->log = NULL;
}

#endif
