/*
 * The HTTP/1.1 server of borned: libwebsockets 4.1 on the daemon's own
 * (foreign) libuv loop. It turns lws callbacks into one transaction per
 * request: check the bearer token, route, collect the body, call the app's
 * handler, write the response in chunks, and let lws keep the connection
 * alive for the next request. It never owns the loop (no uv_run, no
 * uv_loop_close), never blocks, and never lets a deferred request outlive the
 * bookkeeping that says whether its client is still there.
 *
 * Lifetimes:
 *  - http_txn: one request on one connection. Created in LWS_CALLBACK_HTTP,
 *    freed when lws unbinds the protocol from the connection
 *    (LWS_CALLBACK_HTTP_DROP_PROTOCOL, issued by lws_http_transaction_completed
 *    before the next keep-alive request and when the connection closes) or in
 *    LWS_CALLBACK_CLOSED_HTTP.
 *  - http_pending: created by http_defer, freed by http_complete. It and its
 *    txn point at each other; whichever goes first clears the other's pointer,
 *    so http_complete on a closed connection touches nothing but the pending.
 *
 * Shutdown with a foreign libuv loop (lws 4.1.6, lib/core/context.c and
 * lib/event-libs/libuv/libuv.c): lws_context_destroy() only starts the close.
 * It closes every wsi (our DROP_PROTOCOL / CLOSED_HTTP callbacks run right
 * there) and uv_close()s their poll handles; when the last one's close
 * callback has run, lws uv_close()s its static handles (the idle and the
 * timer, whose handle->data is the lws context). With a foreign loop nothing
 * calls lws_context_destroy2() after that: a second lws_context_destroy() call
 * once those handles are gone frees the vhosts and the context. So:
 *  1. http_server_stop() refuses new requests; if responses are still being
 *     written (or we are inside an lws callback, where lws would only
 *     postpone the destruction) a timer waits for them, at most
 *     HTTP_DRAIN_MS;
 *  2. first lws_context_destroy(), then an idle handle of ours (which also
 *     keeps uv_run from returning) walks the loop each turn;
 *  3. when no handle with data == the context is left, the second
 *     lws_context_destroy(); the idle and timer close, and the last close
 *     callback frees the server.
 * The loop is never run from here (uv_run is not reentrant and the daemon
 * calls stop from a signal callback); the caller just keeps running it.
 *
 * Pipelining (bytes sent before an answer is complete): lws 4.1 serves
 * requests without a body out of the bytes it buffered past the previous
 * request correctly, but not what follows a body nor a request with a body
 * (on_body_completion, pipelined_body). Those close the connection after the
 * answers already due: serving them would need lws to read them right, and
 * closing is what HTTP/1.1 lets a server do (RFC 9112 section 9.3.2).
 */
#include "http/http.h"
#include "http/http_socket.h"

#include "util/fd_quarantine.h"
#include "util/log.h"
#include "util/url.h"

#include <errno.h>
#include <libwebsockets.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define MOD "http"
/* Body bytes per lws_write: large responses (CSV exports) go out over several
 * WRITEABLE callbacks instead of one huge buffered write. */
#define HTTP_WRITE_CHUNK (32 * 1024)
/* A client that does not read its response for this long is dropped. */
#define HTTP_SEND_TIMEOUT_S 60
/* A streamed request body (body sink) may pause this long between pieces. */
#define HTTP_BODY_IDLE_S 30
/* How often deferred requests are checked for a client that hung up. */
#define HTTP_PROBE_MS 500
/* How long http_server_stop waits for responses already being written. */
#define HTTP_DRAIN_MS 1000

typedef struct http_txn http_txn;

typedef struct {
  char *method;
  char *pattern;
  int segments; /* '/'s in the pattern: a path with another count cannot match */
  http_handler handler;
  void *ctx;
  const http_body_sink *sink;
} route_entry;

static int slashes(const char *s) {
  int n = 0;
  for (; *s; s++) n += *s == '/';
  return n;
}

struct http_server {
  fd_quarantine fdq; /* the context's teardown (util/fd_quarantine.h) */
  struct lws_context *ctx;
  uv_loop_t *loop;
  char *token; /* NULL: no check */
  size_t token_len;
  http_auth_fn auth; /* NULL: the token decides alone */
  void *auth_ctx;
  route_entry *routes;
  int route_count, route_cap;
  int port;       /* configured until listening, then bound */
  char iface[64]; /* numeric listen address (INET6_ADDRSTRLEN fits) */
  char *listen_text, *tls_cert, *tls_key;
  bool ipv4;
  bool listening;       /* http_server_listen made the lws context */
  bool listen_failed;   /* lws returned a context whose destruction it started */
  http_txn *txns;       /* every live transaction, to free leftovers at the end */
  unsigned char *chunk; /* LWS_PRE + HTTP_WRITE_CHUNK scratch for lws_write */
  uv_idle_t reaper;
  uv_timer_t probe;   /* runs while requests are deferred */
  int open_handles;   /* reaper + probe, until their close callbacks ran */
  int callback_depth; /* > 0 while lws is inside our protocol callback */
  bool stopping;
  bool context_destroy_started;
  uint64_t drain_deadline; /* uv_now() limit for responses queued at stop */
};

struct http_pending {
  http_txn *txn; /* NULL once the client or the server went away */
};

struct http_txn {
  http_server *srv;
  http_txn *prev, *next;
  struct lws *wsi;
  char method[8];
  char *path;
  char *query;
  char *body;
  size_t body_len, body_cap;
  bool expect_body; /* lws will call HTTP_BODY_COMPLETION */
  bool body_done;   /* it did: the request is complete (see on_body_completion) */
  const route_entry *route;
  void *sink_state; /* a body sink's state until the handler takes it */
  char param_buf[512];
  http_request req;
  http_pending *pending;
  bool in_handler;
  bool parked; /* deferred and waiting, input polling off */
  bool kill;   /* the client hung up: close at the next WRITEABLE */
  /* An answer decided before the body arrived (401/404/405/413): the body is
   * read and dropped so that the connection stays usable. */
  int early_status;
  char *early_message;
  char allow[64];
  /* Copies of the request headers handed to the app (http_request). */
  char *h_cookie, *h_accept_encoding, *h_if_none_match, *h_csrf, *h_last_event_id, *h_origin;
  char *h_content_type, *h_host;
  char peer[64];
  /* A streamed response (http_stream_*): resp_body is a queue of resp_cap
   * bytes; stream_end closes the connection once it is drained. */
  bool streaming;
  bool stream_end;
  size_t resp_cap;
  /* The response being written. */
  bool responding;
  bool headers_sent;
  int status;
  const char *content_type;
  char *extra_header;
  char *resp_body;
  size_t resp_len, resp_off;
};

struct pss {
  http_txn *txn;
};

/* What outlives a transaction on one connection (the pss is freed and
 * reallocated between keep-alive requests): lws_set_opaque_user_data, freed
 * at LWS_CALLBACK_WSI_DESTROY. */
typedef struct {
  /* http_socket_bytes_read() when the last transaction completed, -1 unknown */
  long long read_at_completion;
} http_conn;

/* ---- transactions ---- */

static void txn_free(http_txn *t) {
  if (!t) return;
  if (t->pending) t->pending->txn = NULL;
  if (t->prev)
    t->prev->next = t->next;
  else
    t->srv->txns = t->next;
  if (t->next) t->next->prev = t->prev;
  if (t->sink_state) t->route->sink->abort(t->sink_state);
  free(t->path);
  free(t->query);
  free(t->body);
  free(t->early_message);
  free(t->extra_header);
  free(t->resp_body);
  free(t->h_cookie);
  free(t->h_accept_encoding);
  free(t->h_if_none_match);
  free(t->h_csrf);
  free(t->h_last_event_id);
  free(t->h_origin);
  free(t->h_content_type);
  free(t->h_host);
  free(t);
}

static http_txn *txn_new(http_server *s, struct lws *wsi) {
  http_txn *t = calloc(1, sizeof *t);
  if (!t) return NULL;
  t->srv = s;
  t->wsi = wsi;
  t->next = s->txns;
  if (s->txns) s->txns->prev = t;
  s->txns = t;
  return t;
}

static bool is_api_path(const char *path) { return strncmp(path, "/api/", 5) == 0; }

/* Extra headers: lines "Name: value" separated by CRLF; a lone CR or LF, or
 * a line without a name, would let a value inject headers. */
static bool extra_headers_ok(const char *h) {
  while (*h) {
    const char *eol = strstr(h, "\r\n");
    size_t n = eol ? (size_t)(eol - h) : strlen(h);
    const char *colon = memchr(h, ':', n);
    if (!colon || colon == h || memchr(h, '\r', n) || memchr(h, '\n', n)) return false;
    h += n + (eol ? 2 : 0);
  }
  return true;
}

/* Takes the response (and its body) over and asks lws for writability. */
static void txn_respond(http_txn *t, http_response *res) {
  free(t->resp_body);
  free(t->extra_header);
  t->status = res->status ? res->status : 200;
  t->content_type = res->content_type ? res->content_type : "application/json";
  t->resp_body = res->body;
  t->resp_len = res->body ? (res->body_len ? res->body_len : strlen(res->body)) : 0;
  t->resp_off = 0;
  t->extra_header = NULL;
  if (res->extra_header) {
    if (!extra_headers_ok(res->extra_header))
      log_warn(MOD, "dropping malformed extra header for %s %s", t->method, t->path);
    else
      t->extra_header = strdup(res->extra_header);
  }
  res->body = NULL;
  t->responding = true;
  t->headers_sent = false;
  if (t->wsi && t->parked) lws_rx_flow_control(t->wsi, 1); /* for the next request */
  t->parked = false;
  if (t->wsi) {
    lws_set_timeout(t->wsi, PENDING_TIMEOUT_HTTP_CONTENT, HTTP_SEND_TIMEOUT_S);
    lws_callback_on_writable(t->wsi);
  }
}

static int stream_write(http_txn *t, struct lws *wsi);

/* Writes the status line and headers, followed in the same write by `body`
 * (`body_len` bytes, none when NULL); `close` adds "Connection: close" (the
 * connection ends after this answer). 0, or -1 to close the connection. */
static int txn_send_headers(http_txn *t, struct lws *wsi, bool close, const char *body,
                            size_t body_len) {
  size_t cap = LWS_PRE + 576 + strlen(t->content_type) + strlen(t->allow) +
               (t->extra_header ? strlen(t->extra_header) : 0) + (body ? body_len : 0);
  unsigned char *buf = malloc(cap);
  if (!buf) return -1;
  unsigned char *start = buf + LWS_PRE, *p = start, *end = buf + cap - 1;
  int bad = lws_add_http_common_headers(
      wsi, (unsigned)t->status, t->content_type,
      t->streaming ? LWS_ILLEGAL_HTTP_CONTENT_LEN : (lws_filepos_t)t->resp_len, &p, end);
  if (!bad && is_api_path(t->path))
    bad = lws_add_http_header_by_name(wsi, (const unsigned char *)"Cache-Control:",
                                      (const unsigned char *)"no-store", 8, &p, end);
  /* A JSON answer holding a user's text must never be sniffed as HTML. */
  if (!bad && is_api_path(t->path))
    bad = lws_add_http_header_by_name(wsi, (const unsigned char *)"X-Content-Type-Options:",
                                      (const unsigned char *)"nosniff", 7, &p, end);
  if (!bad && t->allow[0])
    bad = lws_add_http_header_by_name(
        wsi, (const unsigned char *)"Allow:", (const unsigned char *)t->allow,
        (int)strlen(t->allow), &p, end);
  for (const char *h = t->extra_header; !bad && h && *h;) {
    const char *eol = strstr(h, "\r\n");
    size_t n = eol ? (size_t)(eol - h) : strlen(h);
    const char *colon = memchr(h, ':', n);
    char name[128];
    size_t nlen = (size_t)(colon - h);
    const char *value = colon + 1;
    while (*value == ' ') value++;
    if (nlen + 2 <= sizeof name) {
      memcpy(name, h, nlen + 1); /* keeps the ':' lws wants */
      name[nlen + 1] = '\0';
      bad =
          lws_add_http_header_by_name(wsi, (const unsigned char *)name,
                                      (const unsigned char *)value, (int)(h + n - value), &p, end);
    }
    h += n + (eol ? 2 : 0);
  }
  if (!bad && close)
    bad = lws_add_http_header_by_name(
        wsi, (const unsigned char *)"Connection:", (const unsigned char *)"close", 5, &p, end);
  if (!bad && body) {
    /* the headers and a small answer's body in one write (issue 15): one
     * send instead of two, and no wait for a second WRITEABLE callback. On
     * HTTP/1.1 (the only protocol this server speaks, ALPN "http/1.1") a
     * header write is sent as it is; what the socket does not take lws
     * keeps and sends first, and lws_http_transaction_completed waits for it */
    bad = lws_finalize_http_header(wsi, &p, end);
    if (!bad && (size_t)(end - p) >= body_len) {
      memcpy(p, body, body_len);
      p += body_len;
    } else {
      bad = 1;
    }
    if (!bad) {
      int len = (int)(p - start);
      bad = lws_write(wsi, start, (size_t)len, LWS_WRITE_HTTP_HEADERS) != len;
    }
  } else if (!bad) {
    bad = lws_finalize_write_http_header(wsi, start, &p, end);
  }
  free(buf);
  if (bad) return -1;
  t->headers_sent = true;
  return 0;
}

/* Writes the headers, or the next chunk of the body. Returns -1 to close the
 * connection. After the last write, lws_http_transaction_completed() unbinds
 * the protocol, which frees `t` (DROP_PROTOCOL): nothing may touch it then. */
static int txn_write(http_txn *t, struct lws *wsi) {
  http_server *s = t->srv;
  if (!t->headers_sent) {
    if (!t->streaming && t->resp_len > 0 && t->resp_len <= HTTP_WRITE_CHUNK &&
        strcmp(t->method, "HEAD") != 0) {
      if (txn_send_headers(t, wsi, false, t->resp_body, t->resp_len) != 0) return -1;
      t->resp_off = t->resp_len;
      return lws_http_transaction_completed(wsi) ? -1 : 0;
    }
    if (txn_send_headers(t, wsi, false, NULL, 0) != 0) return -1;
    if (t->streaming) return stream_write(t, wsi);
    if (t->resp_len == 0 || strcmp(t->method, "HEAD") == 0)
      return lws_http_transaction_completed(wsi) ? -1 : 0;
    /* lws wants one write per WRITEABLE callback (a partial send is
     * buffered by lws and must drain first). */
    lws_callback_on_writable(wsi);
    return 0;
  }
  if (t->streaming) return stream_write(t, wsi);
  size_t n = t->resp_len - t->resp_off;
  if (n > HTTP_WRITE_CHUNK) n = HTTP_WRITE_CHUNK;
  /* Copy into a buffer with LWS_PRE bytes of headroom that lws may use. */
  memcpy(s->chunk + LWS_PRE, t->resp_body + t->resp_off, n);
  t->resp_off += n;
  bool last = t->resp_off == t->resp_len;
  int w = lws_write(wsi, s->chunk + LWS_PRE, n, last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP);
  if (w < 0 || (size_t)w != n) return -1;
  if (!last) {
    lws_callback_on_writable(wsi);
    return 0;
  }
  return lws_http_transaction_completed(wsi) ? -1 : 0;
}

/* Bytes followed a request body before its answer was out (see
 * on_body_completion): writes what is left of the answer at once, with
 * "Connection: close" if the headers have not gone yet, and returns -1 so
 * that lws closes the connection. lws keeps what the socket does not take
 * and sends it before closing (LRS_FLUSHING_BEFORE_CLOSE), reading nothing
 * more meanwhile. A stream, or an answer not decided yet, just closes. */
static int txn_finish_and_close(http_txn *t, struct lws *wsi) {
  if (!t->responding || t->streaming || t->kill) return -1;
  if (!t->headers_sent && txn_send_headers(t, wsi, true, NULL, 0) != 0) return -1;
  size_t n = strcmp(t->method, "HEAD") == 0 ? 0 : t->resp_len - t->resp_off;
  if (n > 0) {
    unsigned char *buf = malloc(LWS_PRE + n);
    if (!buf) return -1;
    memcpy(buf + LWS_PRE, t->resp_body + t->resp_off, n);
    lws_write(wsi, buf + LWS_PRE, n, LWS_WRITE_HTTP_FINAL);
    free(buf);
  }
  t->resp_off = t->resp_len;
  t->responding = false;
  return -1;
}

/* ---- routing and dispatch ---- */

static bool token_ok(const http_server *s, struct lws *wsi) {
  if (!s->token) return true;
  char hdr[512];
  int n = lws_hdr_copy(wsi, hdr, sizeof hdr, WSI_TOKEN_HTTP_AUTHORIZATION);
  if (n <= 7 || strncasecmp(hdr, "Bearer ", 7) != 0) return false;
  const char *given = hdr + 7;
  size_t given_len = (size_t)n - 7;
  /* Constant time over the configured token: the time taken says nothing
   * about how many leading bytes were right. */
  unsigned char diff = given_len != s->token_len;
  for (size_t i = 0; i < s->token_len; i++)
    diff |= (unsigned char)(s->token[i] ^ (i < given_len ? given[i] : 0));
  return diff == 0;
}

/* Finds the route for (method, path) into t->route and t->req.params, or sets
 * t->early_status to 404/405 (with the Allow list). */
static void txn_route(http_txn *t) {
  http_server *s = t->srv;
  const route_entry *best = NULL;
  const char *params[HTTP_MAX_PARAMS];
  int best_count = HTTP_MAX_PARAMS + 1, count = 0;
  char scratch[sizeof t->param_buf];
  t->allow[0] = '\0';
  int segments = slashes(t->path);
  for (int i = 0; i < s->route_count; i++) {
    const route_entry *r = &s->routes[i];
    if (r->segments != segments) continue; /* ~70 routes: most are skipped here */
    if (!http_route_match(r->pattern, t->path, scratch, sizeof scratch, params, &count)) continue;
    if (strcmp(r->method, t->method) == 0) {
      /* The route with the fewest captures wins: "/users/me" before
       * "/users/{id}" whatever the registration order. */
      if (count < best_count) {
        best = r;
        best_count = count;
      }
    } else if (!strstr(t->allow, r->method) &&
               strlen(t->allow) + strlen(r->method) + 3 < sizeof t->allow) {
      if (t->allow[0]) strcat(t->allow, ", ");
      strcat(t->allow, r->method);
    }
  }
  if (best) {
    t->allow[0] = '\0';
    t->route = best;
    http_route_match(best->pattern, t->path, t->param_buf, sizeof t->param_buf, t->req.params,
                     &t->req.param_count);
    return;
  }
  t->early_status = t->allow[0] ? 405 : 404;
  char msg[600];
  snprintf(msg, sizeof msg,
           t->allow[0] ? "%s %.500s is not allowed" : "no such endpoint: %s %.500s", t->method,
           t->path);
  t->early_message = strdup(msg);
}

static void probe_cb(uv_timer_t *timer) {
  http_server *s = timer->data;
  int parked = 0;
  for (http_txn *t = s->txns; t; t = t->next) {
    if (!t->parked || !t->wsi) continue;
    char c;
    ssize_t n = recv(lws_get_socket_fd(t->wsi), &c, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
      /* Hung up: have lws call us back in its own service, where returning
       * -1 closes the connection (lws_set_timeout from outside its service
       * is not acted on until something else wakes lws up). lws 4.1 skips
       * POLLOUT too on a connection whose input is flow-controlled. */
      t->parked = false;
      t->kill = true;
      lws_rx_flow_control(t->wsi, 1);
      lws_callback_on_writable(t->wsi);
    } else {
      parked++;
    }
  }
  if (!parked) uv_timer_stop(timer);
}

/* A deferred request waits without a timeout. lws 4.1 does not read a
 * connection while a transaction is in progress, so a client that hangs up
 * would leave its socket readable forever and the loop spinning: stop
 * polling it for input and probe it from a timer instead. */
static void park(http_txn *t) {
  lws_set_timeout(t->wsi, NO_PENDING_TIMEOUT, 0);
  lws_rx_flow_control(t->wsi, 0);
  t->parked = true;
  if (!uv_is_active((uv_handle_t *)&t->srv->probe))
    uv_timer_start(&t->srv->probe, probe_cb, HTTP_PROBE_MS, HTTP_PROBE_MS);
}

/* ---- streamed responses ---- */

/* Asks lws for a WRITEABLE callback (input polling back on: lws 4.1 skips
 * POLLOUT on a connection whose input is flow-controlled). */
static void stream_wake(http_txn *t) {
  if (!t->wsi) return;
  if (t->parked) lws_rx_flow_control(t->wsi, 1);
  t->parked = false;
  lws_set_timeout(t->wsi, PENDING_TIMEOUT_HTTP_CONTENT, HTTP_SEND_TIMEOUT_S);
  lws_callback_on_writable(t->wsi);
}

/* The next piece of a stream; with nothing queued the connection is parked
 * (probed for a hang-up) until http_stream_send, or closed after
 * http_stream_end: the body of a response without Content-Length ends with
 * the connection. */
static int stream_write(http_txn *t, struct lws *wsi) {
  size_t n = t->resp_len - t->resp_off;
  if (n == 0) {
    if (t->stream_end) return -1;
    t->resp_len = t->resp_off = 0;
    park(t);
    return 0;
  }
  if (n > HTTP_WRITE_CHUNK) n = HTTP_WRITE_CHUNK;
  memcpy(t->srv->chunk + LWS_PRE, t->resp_body + t->resp_off, n);
  t->resp_off += n;
  int w = lws_write(wsi, t->srv->chunk + LWS_PRE, n, LWS_WRITE_HTTP);
  if (w < 0 || (size_t)w != n) return -1;
  lws_callback_on_writable(wsi);
  return 0;
}

int http_stream_begin(http_pending *p, const char *content_type, const char *extra_header) {
  http_txn *t = p ? p->txn : NULL;
  if (!t || !t->wsi || t->responding) return -1;
  http_response res = {.status = 200, .content_type = content_type, .extra_header = extra_header};
  txn_respond(t, &res);
  t->streaming = true;
  return 0;
}

int http_stream_send(http_pending *p, const char *data, size_t len) {
  http_txn *t = p ? p->txn : NULL;
  if (!t || !t->wsi || !t->streaming || t->stream_end) return -1;
  size_t queued = t->resp_len - t->resp_off;
  if (queued + len > HTTP_STREAM_MAX_QUEUED) return -1;
  if (t->resp_off) { /* drop what is already out */
    memmove(t->resp_body, t->resp_body + t->resp_off, queued);
    t->resp_len = queued;
    t->resp_off = 0;
  }
  if (t->resp_len + len > t->resp_cap) {
    size_t cap = (t->resp_len + len) * 2;
    char *b = realloc(t->resp_body, cap);
    if (!b) return -1;
    t->resp_body = b;
    t->resp_cap = cap;
  }
  memcpy(t->resp_body + t->resp_len, data, len);
  t->resp_len += len;
  if (t->headers_sent) stream_wake(t);
  return 0;
}

void http_stream_end(http_pending *p) {
  http_txn *t = p ? p->txn : NULL;
  free(p);
  if (!t) return;
  t->pending = NULL;
  if (!t->streaming) { /* never begun: nothing was sent, just close */
    t->kill = true;
    stream_wake(t);
    return;
  }
  t->stream_end = true;
  if (t->headers_sent) stream_wake(t);
}

static void sink_abort(http_txn *t) {
  if (t->sink_state) t->route->sink->abort(t->sink_state);
  t->sink_state = NULL;
}

static void txn_dispatch(http_txn *t) {
  if (t->early_status) {
    sink_abort(t);
    http_response res = {0};
    http_json_error(&res, t->early_status, "%s", t->early_message ? t->early_message : "error");
    txn_respond(t, &res);
    return;
  }
  t->req.method = t->method;
  t->req.path = t->path;
  t->req.query = t->query ? t->query : "";
  t->req.body = t->body ? t->body : "";
  t->req.body_len = t->body_len;
  t->req.body_state = t->sink_state;
  t->sink_state = NULL; /* the handler's now */
  http_response res = {.status = 200};
  t->in_handler = true;
  int rc = t->route->handler(t->route->ctx, &t->req, &res);
  t->in_handler = false;
  if (rc == 1 && t->pending) {
    free(res.body); /* answered later by http_complete */
    if (t->wsi && !t->responding) park(t);
    return;
  }
  if (rc == 1 && t->responding) { /* deferred and already completed */
    free(res.body);
    return;
  }
  if (t->pending) { /* deferred but answered now: the later http_complete drops */
    t->pending->txn = NULL;
    t->pending = NULL;
  }
  if (rc != 0) {
    log_error(MOD, "handler for %s %s returned %d without deferring", t->method, t->path, rc);
    http_json_error(&res, 500, "internal error in %s %s", t->method, t->path);
  }
  txn_respond(t, &res);
}

static const struct {
  enum lws_token_indexes token;
  const char *name;
} methods[] = {
    {WSI_TOKEN_GET_URI, "GET"},         {WSI_TOKEN_POST_URI, "POST"},
    {WSI_TOKEN_PUT_URI, "PUT"},         {WSI_TOKEN_DELETE_URI, "DELETE"},
    {WSI_TOKEN_PATCH_URI, "PATCH"},     {WSI_TOKEN_HEAD_URI, "HEAD"},
    {WSI_TOKEN_OPTIONS_URI, "OPTIONS"},
};

/* lws has already percent-decoded each '&'-separated fragment ('+' too);
 * re-encode them into one canonical query string. */
static char *rebuild_query(struct lws *wsi) {
  int total = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_URI_ARGS);
  if (total <= 0) return strdup("");
  size_t cap = (size_t)total * 3 + 64;
  char *frag = malloc((size_t)total + 2), *out = malloc(cap);
  if (!frag || !out) {
    free(frag);
    free(out);
    return NULL;
  }
  size_t used = 0;
  out[0] = '\0';
  for (int i = 0; lws_hdr_copy_fragment(wsi, frag, total + 2, WSI_TOKEN_HTTP_URI_ARGS, i) >= 0;
       i++) {
    size_t flen = strlen(frag);
    if (flen == 0) continue;
    char *eq = strchr(frag, '=');
    size_t klen = eq ? (size_t)(eq - frag) : flen;
    if (used) out[used++] = '&';
    int n = url_encode(frag, klen, out + used, cap - used);
    if (n < 0) break;
    used += (size_t)n;
    if (eq) {
      out[used++] = '=';
      n = url_encode(eq + 1, flen - klen - 1, out + used, cap - used);
      if (n < 0) break;
      used += (size_t)n;
    }
    out[used] = '\0';
  }
  free(frag);
  return out;
}

/* Writes a whole small response at once and asks lws to close: for requests
 * whose body we cannot delimit, so the connection cannot be reused. */
static int reply_and_close(struct lws *wsi, int status, const char *message) {
  http_response res = {0};
  http_json_error(&res, status, "%s", message);
  size_t blen = res.body ? strlen(res.body) : 0;
  unsigned char *buf = malloc(LWS_PRE + 512 + blen);
  if (buf) {
    unsigned char *start = buf + LWS_PRE, *p = start, *end = buf + LWS_PRE + 511;
    if (!lws_add_http_header_status(wsi, (unsigned)status, &p, end) &&
        !lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE,
                                      (const unsigned char *)"application/json", 16, &p, end) &&
        !lws_add_http_header_content_length(wsi, blen, &p, end) &&
        !lws_add_http_header_by_name(wsi, (const unsigned char *)"Connection:",
                                     (const unsigned char *)"close", 5, &p, end) &&
        !lws_finalize_http_header(wsi, &p, end)) {
      memcpy(p, res.body, blen);
      p += blen;
      lws_write(wsi, start, (size_t)(p - start), LWS_WRITE_HTTP);
    }
    free(buf);
  }
  free(res.body);
  return -1;
}

/* A copy of a request header, NULL when absent (or out of memory). */
static char *header_dup(struct lws *wsi, enum lws_token_indexes token) {
  int n = lws_hdr_total_length(wsi, token);
  if (n <= 0 || n > 8192) return NULL;
  char *v = malloc((size_t)n + 1);
  if (v && lws_hdr_copy(wsi, v, n + 1, token) < 0) {
    free(v);
    return NULL;
  }
  return v;
}

/* Same for a header lws has no token for; `name` lower-case with its ':'. */
static char *custom_header_dup(struct lws *wsi, const char *name) {
  int nlen = (int)strlen(name);
  int n = lws_hdr_custom_length(wsi, name, nlen);
  if (n < 0 || n > 8192) return NULL;
  char *v = malloc((size_t)n + 1);
  if (v && lws_hdr_custom_copy(wsi, v, n + 1, name, nlen) < 0) {
    free(v);
    return NULL;
  }
  return v;
}

/* A transaction on `wsi` completed (DROP_PROTOCOL): remember how much of the
 * stream lws had read by then, for pipelined_body(). */
static void note_completion(struct lws *wsi) {
  http_conn *c = lws_get_opaque_user_data(wsi);
  if (!c) {
    c = malloc(sizeof *c);
    if (!c) return;
    lws_set_opaque_user_data(wsi, c);
  }
  c->read_at_completion = http_socket_bytes_read(lws_get_socket_fd(wsi));
}

/* Whether this request, which has a body, was read out of what lws had
 * already read when the previous transaction on the connection completed,
 * i.e. the client pipelined it and lws parses it from its own buffer of
 * leftover bytes. lws 4.1 reads the body of such a request from the start of
 * that buffer (the request's own headers) and then loops for ever inside
 * lws_http_action(): it must never get that far. Such a request's headers
 * end in bytes read before the completion (lws reads the socket only once
 * its buffer is empty), so nothing was read from the socket since; a request
 * sent after the previous answer arrived was read after it. */
static bool pipelined_body(struct lws *wsi) {
  const http_conn *c = lws_get_opaque_user_data(wsi);
  if (!c) return false; /* the connection's first request */
  long long now = http_socket_bytes_read(lws_get_socket_fd(wsi));
  return now < 0 || c->read_at_completion < 0 || now == c->read_at_completion;
}

static int on_http(http_server *s, struct lws *wsi, struct pss *pss, const char *uri, size_t len) {
  if (s->stopping) return -1;
  txn_free(pss->txn);
  http_txn *t = pss->txn = txn_new(s, wsi);
  if (!t) return -1;
  for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
    if (lws_hdr_total_length(wsi, methods[i].token) > 0) {
      snprintf(t->method, sizeof t->method, "%s", methods[i].name);
      break;
    }
  }
  t->path = strndup(uri, len);
  t->query = rebuild_query(wsi);
  if (!t->method[0] || !t->path || !t->query) return -1;
  t->req.cookie = t->h_cookie = header_dup(wsi, WSI_TOKEN_HTTP_COOKIE);
  t->req.accept_encoding = t->h_accept_encoding = header_dup(wsi, WSI_TOKEN_HTTP_ACCEPT_ENCODING);
  t->req.if_none_match = t->h_if_none_match = header_dup(wsi, WSI_TOKEN_HTTP_IF_NONE_MATCH);
  t->req.origin = t->h_origin = header_dup(wsi, WSI_TOKEN_ORIGIN);
  t->req.content_type = t->h_content_type = header_dup(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE);
  t->req.host = t->h_host = header_dup(wsi, WSI_TOKEN_HOST);
  t->req.csrf_token = t->h_csrf = custom_header_dup(wsi, "x-csrf-token:");
  t->req.last_event_id = t->h_last_event_id = custom_header_dup(wsi, "last-event-id:");
  lws_get_peer_simple(wsi, t->peer, sizeof t->peer);
  t->req.peer = t->peer;
  t->req.method = t->method;
  t->req.path = t->path;
  t->req.query = t->query;

  bool body_method =
      !strcmp(t->method, "POST") || !strcmp(t->method, "PUT") || !strcmp(t->method, "PATCH");
  char cl[32];
  long long content_length = -1;
  if (lws_hdr_copy(wsi, cl, sizeof cl, WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0) {
    char *endp;
    content_length = strtoll(cl, &endp, 10);
    if (*endp || content_length < 0 || endp == cl)
      return reply_and_close(wsi, 400, "malformed Content-Length header");
  }
  /* lws 4.1 reads a POST/PUT/PATCH without Content-Length as a 100 MB body and
   * does not decode chunked request bodies: refuse both, then close. */
  if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING) > 0 ||
      (body_method && content_length < 0))
    return reply_and_close(wsi, 411, "a Content-Length header is required (no chunked bodies)");
  /* Not answered: the previous answer is complete, and closing tells a
   * pipelining client to send this one again on a new connection (RFC 9112
   * section 9.3.2). */
  if (content_length > 0 && pipelined_body(wsi)) {
    log_debug(MOD, "%s %s from %s was pipelined with a body: closing", t->method, t->path, t->peer);
    return -1;
  }
  /* Mirrors lws_http_action(): it calls HTTP_BODY_COMPLETION when a body is
   * announced, and for POST with an explicit zero length. */
  t->expect_body = content_length > 0 || (content_length == 0 && !strcmp(t->method, "POST"));

  t->req.bearer_ok = token_ok(s, wsi);
  char why[256] = "";
  int verdict = 0;
  if (is_api_path(t->path) && s->auth) {
    verdict = s->auth(s->auth_ctx, &t->req, &t->req.principal, why, sizeof why);
    if (verdict && !why[0]) snprintf(why, sizeof why, "not allowed");
  } else if (is_api_path(t->path) && !t->req.bearer_ok) {
    verdict = 401;
    snprintf(why, sizeof why, "missing or invalid API token");
  }
  if (verdict) {
    t->early_status = verdict;
    t->early_message = strdup(why);
  } else {
    txn_route(t);
    const http_body_sink *sink = t->route ? t->route->sink : NULL;
    long long max = sink ? (long long)sink->max_body : HTTP_MAX_BODY;
    if (!t->early_status && content_length > max) {
      char msg[128];
      snprintf(msg, sizeof msg, "request body of %lld bytes is larger than %lld bytes",
               content_length, max);
      t->early_status = 413;
      t->early_message = strdup(msg);
    }
    if (!t->early_status && sink) {
      char msg[256] = "";
      int status = 500;
      t->sink_state =
          sink->begin(t->route->ctx, &t->req, content_length > 0 ? (size_t)content_length : 0,
                      &status, msg, sizeof msg);
      if (!t->sink_state) {
        t->early_status = status >= 400 ? status : 500;
        t->early_message = strdup(msg[0] ? msg : "cannot take the request body");
      }
    }
  }
  if (t->expect_body) {
    if (!t->early_status && !t->sink_state) {
      t->body_cap = (size_t)content_length + 1;
      t->body = malloc(t->body_cap);
      if (!t->body) return -1;
      t->body[0] = '\0';
    }
    return 0; /* answered at HTTP_BODY_COMPLETION */
  }
  txn_dispatch(t);
  return 0;
}

static void on_body(http_txn *t, const char *in, size_t len) {
  if (t && t->sink_state && !t->early_status && len > 0) {
    char msg[256] = "";
    int status = t->route->sink->chunk(t->sink_state, in, len, msg, sizeof msg);
    if (status) {
      sink_abort(t);
      t->early_status = status >= 400 ? status : 500;
      t->early_message = strdup(msg[0] ? msg : "cannot take the request body");
    } else if (t->wsi) {
      /* a long upload: the body timeout counts from its latest piece */
      lws_set_timeout(t->wsi, PENDING_TIMEOUT_HTTP_CONTENT, HTTP_BODY_IDLE_S);
    }
    return;
  }
  if (!t || t->early_status || !t->body || len == 0) return; /* dropped or empty */
  if (t->body_len + len + 1 > t->body_cap) { /* more than announced: lws bounds it */
    t->early_status = 400;
    t->early_message = strdup("request body longer than its Content-Length");
    return;
  }
  memcpy(t->body + t->body_len, in, len);
  t->body_len += len;
  t->body[t->body_len] = '\0';
}

/* The body is complete. lws 4.1 keeps any bytes that came after it (the
 * next, pipelined request, or junk) in its own buffer and, as long as the
 * connection is in its body state, calls HTTP_BODY_COMPLETION again each time
 * it services it, consuming nothing: the first call is the request's, a later
 * one says bytes follow the body before the answer is out. Answering again
 * would loop for ever; keeping the connection would let lws parse those
 * bytes once the answer is out (see pipelined_body) while it keeps reading
 * and buffering whatever else the client sends. So the answer is finished at
 * once and the connection closed after it. */
static int on_body_completion(http_txn *t, struct lws *wsi) {
  if (!t->body_done) {
    t->body_done = true;
    txn_dispatch(t);
    return 0;
  }
  log_debug(MOD, "bytes after the body of %s %s from %s: closing after the answer", t->method,
            t->path, t->peer);
  return txn_finish_and_close(t, wsi);
}

static int callback_http(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                         size_t len) {
  struct pss *pss = user;
  struct lws_context *cx = lws_get_context(wsi);
  http_server *s = cx ? lws_context_user(cx) : NULL;
  int rc = 0;
  if (!s) return 0;
  s->callback_depth++;
  switch (reason) {
  case LWS_CALLBACK_HTTP:
    rc = pss ? on_http(s, wsi, pss, in, len) : -1;
    break;
  case LWS_CALLBACK_HTTP_BODY:
    if (pss) on_body(pss->txn, in, len);
    break;
  case LWS_CALLBACK_HTTP_BODY_COMPLETION:
    rc = pss && pss->txn ? on_body_completion(pss->txn, wsi) : -1;
    break;
  case LWS_CALLBACK_HTTP_WRITEABLE:
    if (pss && pss->txn && pss->txn->kill)
      rc = -1;
    else if (pss && pss->txn && pss->txn->responding)
      rc = txn_write(pss->txn, wsi);
    break;
  case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
    /* Also issued when lws binds the protocol for a new request, before
     * LWS_CALLBACK_HTTP: there is no transaction then. */
    if (pss && pss->txn) note_completion(wsi);
    /* fallthrough */
  case LWS_CALLBACK_CLOSED_HTTP:
    if (pss && pss->txn) {
      pss->txn->wsi = NULL;
      txn_free(pss->txn);
      pss->txn = NULL;
    }
    break;
  case LWS_CALLBACK_WSI_DESTROY:
    free(lws_get_opaque_user_data(wsi));
    lws_set_opaque_user_data(wsi, NULL);
    break;
  case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
    rc = -1; /* no websockets, no h2c */
    break;
  default:
    break;
  }
  s->callback_depth--;
  return rc;
}

/* lws hands a connection whose request line has no known method (junk,
 * binary, another protocol) to this raw protocol instead of dropping it: it
 * answers 400 once and closes. */
static int callback_bad_request(struct lws *wsi, enum lws_callback_reasons reason, void *user,
                                void *in, size_t len) {
  (void)user;
  (void)in;
#define BAD_REQUEST_BODY "{\"error\":\"malformed HTTP request line\"}"
  static const char answer[] = "HTTP/1.1 400 Bad Request\r\n"
                               "Content-Type: application/json\r\n"
                               "Content-Length: %zu\r\n"
                               "Connection: close\r\n\r\n" BAD_REQUEST_BODY;
  unsigned char buf[LWS_PRE + sizeof answer + 16];
  switch (reason) {
  case LWS_CALLBACK_RAW_ADOPT:
    lws_callback_on_writable(wsi);
    return 0;
  case LWS_CALLBACK_RAW_WRITEABLE:
    len = (size_t)snprintf((char *)buf + LWS_PRE, sizeof buf - LWS_PRE, answer,
                           sizeof BAD_REQUEST_BODY - 1);
    lws_write(wsi, buf + LWS_PRE, len, LWS_WRITE_RAW);
    return -1;
  default:
    return 0;
  }
}

static const struct lws_protocols protocols[] = {
    {"borne-http", callback_http, sizeof(struct pss), 0, 0, NULL, 0},
    {"borne-bad-request", callback_bad_request, 0, 0, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

/* ---- pending (deferred) requests ---- */

http_pending *http_defer(const http_request *req) {
  if (!req) return NULL;
  http_txn *t = (http_txn *)((char *)req - offsetof(http_txn, req));
  if (!t->in_handler || t->pending || t->responding) return NULL;
  http_pending *p = calloc(1, sizeof *p);
  if (!p) return NULL;
  p->txn = t;
  t->pending = p;
  return p;
}

bool http_pending_alive(const http_pending *p) { return p && p->txn && p->txn->wsi; }

void http_complete(http_pending *p, http_response *res) {
  http_txn *t = p ? p->txn : NULL;
  free(p);
  if (!t || !t->wsi) {
    free(res->body);
    res->body = NULL;
    if (t) t->pending = NULL;
    return;
  }
  t->pending = NULL;
  txn_respond(t, res);
}

void http_complete_error(http_pending *p, int status, const char *fmt, ...) {
  http_response res = {0};
  va_list ap;
  va_start(ap, fmt);
  http_json_verror(&res, status, fmt, ap);
  va_end(ap);
  http_complete(p, &res);
}

/* ---- start and stop ---- */

static void lws_log_to_ours(int level, const char *line) {
  size_t n = strlen(line);
  while (n && (line[n - 1] == '\n' || line[n - 1] == '\r')) n--;
  if (level & LLL_ERR)
    log_warn("lws", "%.*s", (int)n, line);
  else
    log_debug("lws", "%.*s", (int)n, line);
}

/* "HOST:PORT" or "[V6]:PORT" into host and port (0 to 65535). */
static int parse_listen(const char *listen, char *host, size_t hostlen, int *port) {
  const char *colon;
  if (!listen || !*listen) return -1;
  if (listen[0] == '[') {
    const char *close = strchr(listen, ']');
    if (!close || close[1] != ':') return -1;
    colon = close + 1;
    if ((size_t)(close - listen - 1) >= hostlen) return -1;
    memcpy(host, listen + 1, (size_t)(close - listen - 1));
    host[close - listen - 1] = '\0';
  } else {
    colon = strrchr(listen, ':');
    if (!colon || (size_t)(colon - listen) >= hostlen) return -1;
    memcpy(host, listen, (size_t)(colon - listen));
    host[colon - listen] = '\0';
  }
  char *end;
  long p = strtol(colon + 1, &end, 10);
  if (!colon[1] || *end || p < 0 || p > 65535 || !host[0]) return -1;
  *port = (int)p;
  return 0;
}

/* lws 4.1 reports a failed bind only in its log: try the bind first (with
 * SO_REUSEADDR, as lws does) to tell the user why. 0 when it would work. */
static int probe_bind(const struct addrinfo *ai, int port, char *why, size_t len) {
  int fd = socket(ai->ai_family, SOCK_STREAM, 0);
  if (fd < 0) {
    snprintf(why, len, "%s", strerror(errno));
    return -1;
  }
  int one = 1, rc = 0;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (ai->ai_family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  struct sockaddr_storage sa;
  memcpy(&sa, ai->ai_addr, ai->ai_addrlen);
  if (ai->ai_family == AF_INET6)
    ((struct sockaddr_in6 *)&sa)->sin6_port = htons((uint16_t)port);
  else
    ((struct sockaddr_in *)&sa)->sin_port = htons((uint16_t)port);
  if (bind(fd, (struct sockaddr *)&sa, ai->ai_addrlen) != 0) {
    snprintf(why, len, "%s", strerror(errno));
    rc = -1;
  }
  close(fd);
  return rc;
}

static void teardown(http_server *s);
static void handle_closed(uv_handle_t *h);

static void server_free(http_server *s) {
  while (s->txns) txn_free(s->txns);
  for (int i = 0; i < s->route_count; i++) {
    free(s->routes[i].method);
    free(s->routes[i].pattern);
  }
  free(s->routes);
  free(s->token);
  free(s->chunk);
  free(s->listen_text);
  free(s->tls_cert);
  free(s->tls_key);
  free(s);
}

http_server *http_server_new(const http_config *cfg, char *err, size_t errlen) {
  char host[256];
  int port;
  if (!cfg || !cfg->loop) {
    snprintf(err, errlen, "http: no event loop given");
    return NULL;
  }
  if (parse_listen(cfg->listen, host, sizeof host, &port) != 0) {
    snprintf(err, errlen,
             "listen address `%s` is not HOST:PORT (e.g. 127.0.0.1:8080, [::1]:8080, "
             "0.0.0.0:80)",
             cfg->listen ? cfg->listen : "");
    return NULL;
  }
  struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE}, *ai = NULL;
  int gai = getaddrinfo(host, NULL, &hints, &ai);
  if (gai != 0 || !ai) {
    snprintf(err, errlen, "cannot listen on %s: %s", cfg->listen, gai_strerror(gai));
    return NULL;
  }
  /* lws binds to an interface name or a numeric address: give it the
   * numeric form of the first address the host name resolves to. */
  char numeric[INET6_ADDRSTRLEN];
  if (getnameinfo(ai->ai_addr, ai->ai_addrlen, numeric, sizeof numeric, NULL, 0, NI_NUMERICHOST) !=
      0) {
    snprintf(err, errlen, "cannot listen on %s: unusable address", cfg->listen);
    freeaddrinfo(ai);
    return NULL;
  }

  char why[256];
  if (probe_bind(ai, port, why, sizeof why) != 0) {
    snprintf(err, errlen, "cannot listen on %s: %s", cfg->listen, why);
    freeaddrinfo(ai);
    return NULL;
  }
  bool ipv4 = ai->ai_family == AF_INET;
  freeaddrinfo(ai);
  http_server *s = calloc(1, sizeof *s);
  if (!s || !(s->chunk = malloc(LWS_PRE + HTTP_WRITE_CHUNK)) ||
      !(s->listen_text = strdup(cfg->listen)) ||
      !(s->tls_cert = strdup(cfg->tls_cert ? cfg->tls_cert : "")) ||
      !(s->tls_key = strdup(cfg->tls_key ? cfg->tls_key : ""))) {
    if (s) {
      free(s->chunk);
      free(s->listen_text);
      free(s->tls_cert);
    }
    free(s);
    snprintf(err, errlen, "http: out of memory");
    return NULL;
  }
  s->loop = cfg->loop;
  s->port = port;
  s->ipv4 = ipv4;
  snprintf(s->iface, sizeof s->iface, "%s", numeric);
  if (cfg->token) {
    s->token = strdup(cfg->token);
    s->token_len = strlen(cfg->token);
  }
  uv_timer_init(s->loop, &s->probe);
  uv_unref((uv_handle_t *)&s->probe); /* never keeps the loop alive by itself */
  s->probe.data = s;
  s->open_handles = 1;
  return s;
}

int http_server_listen(http_server *s, char *err, size_t errlen) {
  if (!s || s->stopping) {
    snprintf(err, errlen, "http: no server to start");
    return -1;
  }
  if (s->ctx) return 0;
  lws_set_log_level(LLL_ERR | LLL_WARN, lws_log_to_ours);
  struct lws_context_creation_info info;
  memset(&info, 0, sizeof info);
  void *loops[1] = {s->loop};
  info.port = s->port;
  info.iface = s->iface;
  info.protocols = protocols;
  info.user = s;
  info.foreign_loops = loops;
  info.options = LWS_SERVER_OPTION_LIBUV | LWS_SERVER_OPTION_DISABLE_OS_CA_CERTS |
                 LWS_SERVER_OPTION_FALLBACK_TO_APPLY_LISTEN_ACCEPT_CONFIG;
  if (s->tls_cert[0]) {
    /* HTTPS on the same port; the raw fallback for junk request lines would
     * take over the TLS handshake, so it is plain HTTP only. */
    info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    info.options &= ~(uint64_t)LWS_SERVER_OPTION_FALLBACK_TO_APPLY_LISTEN_ACCEPT_CONFIG;
    info.ssl_cert_filepath = s->tls_cert;
    info.ssl_private_key_filepath = s->tls_key;
    /* HTTP/1.1 only: the transactions, deferred answers and streams here
     * are written for it; lws would otherwise offer h2 by ALPN. */
    info.alpn = "http/1.1";
  } else {
    info.listen_accept_role = "raw-skt";
    info.listen_accept_protocol = "borne-bad-request";
  }
  if (s->ipv4) info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
  /* lws sizes two tables per context by this (poll entries and its fd ->
   * connection map, 16 bytes a slot); left 0 it takes the process's file
   * limit (20 000 slots, 320 kB, on a box with ulimit -n 20000). The slots
   * are the connections and the listener; when they are full lws stops
   * accepting until one closes (test_http_server checks the count). */
  info.fd_limit_per_thread = HTTP_MAX_CONNECTIONS + 1;
  info.timeout_secs = 10;      /* headers and body must arrive within this */
  info.keepalive_timeout = 30; /* idle keep-alive connections */
  s->ctx = lws_create_context(&info);
  struct lws_vhost *vh = s->ctx ? lws_get_vhost_by_name(s->ctx, "default") : NULL;
  if (!vh) {
    snprintf(err, errlen, "cannot listen on %s: libwebsockets could not create the listener",
             s->listen_text);
    /* With a foreign libuv loop a failed default vhost returns a context
     * whose destruction lws already started: http_server_stop finishes it. */
    s->listen_failed = s->ctx != NULL;
    return -1;
  }
  s->port = lws_get_vhost_listen_port(vh);
  s->listening = true;
  return 0;
}

int http_server_set_tls(http_server *s, const char *cert, const char *key) {
  char *c = strdup(cert ? cert : ""), *k = strdup(key ? key : "");
  if (!c || !k) {
    free(c);
    free(k);
    return -1;
  }
  free(s->tls_cert);
  free(s->tls_key);
  s->tls_cert = c;
  s->tls_key = k;
  return 0;
}

http_server *http_server_start(const http_config *cfg, char *err, size_t errlen) {
  http_server *s = http_server_new(cfg, err, errlen);
  if (s && http_server_listen(s, err, errlen) != 0) {
    http_server_stop(s);
    return NULL;
  }
  return s;
}

int http_server_port(const http_server *s) { return s ? s->port : -1; }

void http_set_auth(http_server *s, http_auth_fn fn, void *ctx) {
  if (!s) return;
  s->auth = fn;
  s->auth_ctx = ctx;
}

int http_add_route(http_server *s, const http_route *route) {
  return http_add_route_sink(s, route, NULL);
}

int http_add_route_sink(http_server *s, const http_route *route, const http_body_sink *sink) {
  if (!s || !route || !route->method || !route->pattern || !route->handler ||
      route->pattern[0] != '/')
    return -1;
  if (s->route_count == s->route_cap) {
    int cap = s->route_cap ? s->route_cap * 2 : 16;
    route_entry *r = realloc(s->routes, (size_t)cap * sizeof *r);
    if (!r) return -1;
    s->routes = r;
    s->route_cap = cap;
  }
  route_entry *e = &s->routes[s->route_count];
  e->method = strdup(route->method);
  e->pattern = strdup(route->pattern);
  e->segments = e->pattern ? slashes(e->pattern) : -1;
  e->handler = route->handler;
  e->ctx = route->ctx;
  e->sink = sink;
  if (!e->method || !e->pattern) {
    free(e->method);
    free(e->pattern);
    return -1;
  }
  s->route_count++;
  return 0;
}

static void count_lws_handles(uv_handle_t *h, void *arg) {
  void **a = arg;
  if (h->data == a[0]) a[1] = (char *)a[1] + 1;
}

static void handle_closed(uv_handle_t *h) {
  http_server *s = h->data;
  if (--s->open_handles == 0) server_free(s);
}

static void reaper_cb(uv_idle_t *idle) {
  http_server *s = idle->data;
  void *arg[2] = {s->ctx, NULL};
  uv_walk(s->loop, count_lws_handles, arg);
  if (arg[1]) return;          /* lws's idle and timer handles are still closing */
  lws_context_destroy(s->ctx); /* second call: frees vhosts and the context */
  fd_quarantine_end(&s->fdq);  /* lws closed its event fd a second time, a placeholder */
  s->ctx = NULL;
  uv_idle_stop(idle);
  uv_close((uv_handle_t *)idle, handle_closed);
}

/* Closes our probe timer and starts the reaper (see the top of the file). */
static void teardown(http_server *s) {
  s->stopping = true;
  uv_timer_stop(&s->probe);
  uv_close((uv_handle_t *)&s->probe, handle_closed);
  uv_idle_init(s->loop, &s->reaper);
  s->reaper.data = s;
  s->open_handles++;
  uv_idle_start(&s->reaper, reaper_cb);
}

/* Whether a response is still being written to a connected client. */
static bool responses_in_flight(const http_server *s) {
  for (const http_txn *t = s->txns; t; t = t->next)
    if (t->wsi && t->responding) return true;
  return false;
}

static void destroy_and_teardown(http_server *s) {
  s->context_destroy_started = true;
  fd_quarantine_begin(&s->fdq);
  lws_context_destroy(s->ctx);
  fd_quarantine_hold(&s->fdq); /* util/fd_quarantine.h: lws closes its event fd twice */
  teardown(s);
}

/* While stopping: lets queued responses (e.g. the 503s the app gives its
 * long-poll clients just before stopping) go out, for at most
 * HTTP_DRAIN_MS, then destroys the context from outside any lws callback. */
static void drain_cb(uv_timer_t *timer) {
  http_server *s = timer->data;
  if (responses_in_flight(s) && uv_now(s->loop) < s->drain_deadline) return;
  destroy_and_teardown(s);
}

void http_server_stop(http_server *s) {
  if (!s || s->stopping) return;
  s->stopping = true; /* no new requests from here on */
  if (!s->ctx) {      /* never listened: only our timer to close */
    uv_close((uv_handle_t *)&s->probe, handle_closed);
    return;
  }
  if (s->listen_failed) {
    s->context_destroy_started = true;
    teardown(s);
    return;
  }
  if (s->callback_depth == 0 && !responses_in_flight(s)) {
    destroy_and_teardown(s);
    return;
  }
  /* Inside an lws callback lws would only postpone the destruction, and
   * pending writes need the loop: continue from a timer. */
  s->drain_deadline = uv_now(s->loop) + HTTP_DRAIN_MS;
  uv_ref((uv_handle_t *)&s->probe);
  uv_timer_start(&s->probe, drain_cb, 0, 5);
}
