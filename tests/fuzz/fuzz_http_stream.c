/*
 * Fuzz target for the HTTP server's connection handling (api/http_server.c
 * on libwebsockets): arbitrary byte streams, cut at arbitrary points, sent to
 * a real server on a loopback port over one connection each. The parsers of
 * fuzz_http_parse are pure; what goes wrong between lws and our callbacks
 * (pipelined requests, bytes after a body, deferred answers, half-closed
 * sockets) only shows on a live connection: issue 22's endless answers to
 * "a body and one more byte", and lws looping for ever on a request with a
 * body pipelined behind another one (a libFuzzer timeout here).
 *
 * Input: byte 0 = cuts (low 3 bits: how many) and flags (bit 3: half-close
 * the connection after the last piece); then one byte per cut, the length of
 * that piece; the rest is the stream (its remainder after the cuts is the
 * last piece). Between pieces the loop runs until the server is quiet.
 *
 * Checked: the server never sends more answers, nor runs handlers more often,
 * than the stream holds header blocks (each ends in an empty line), plus one
 * answer for junk lws hands to our 400 fallback; it closes a connection whose
 * client half-closed; and a fresh connection is answered normally afterwards
 * (no state left wedged). One server lives across inputs.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include "http/http.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TOKEN "T0k3n"
#define QUIET_TURNS 12   /* loop turns without a byte from the server: it is done */
#define MAX_TURNS 4000   /* per piece: far more than any honest exchange needs */
#define CLOSE_MS 3000    /* for the server to close after a half-close */
#define MAX_RECV 1000000 /* answers to one input, at most */

static uv_loop_t loop;
static http_server *srv;
static int port;
static uv_timer_t later_timer, tick;
static http_pending *later[64];
static int later_count;
static long handler_calls;

/* ---- the server's routes ---- */

static int h_echo(void *ctx, const http_request *req, http_response *res) {
  (void)ctx;
  handler_calls++;
  char b[64];
  snprintf(b, sizeof b, "{\"n\":%zu}", req->body_len);
  res->body = strdup(b);
  return 0;
}

static int h_hello(void *ctx, const http_request *req, http_response *res) {
  (void)ctx;
  (void)req;
  handler_calls++;
  res->content_type = "text/plain";
  res->body = strdup("hello");
  return 0;
}

/* Deferred: answered on the next loop turn, with or without a body. */
static void later_fire(uv_timer_t *t) {
  (void)t;
  for (int i = 0; i < later_count; i++) {
    http_response res = {.status = i % 2 ? 204 : 202, .body = i % 2 ? NULL : strdup("{}")};
    http_complete(later[i], &res);
  }
  later_count = 0;
}

static int h_later(void *ctx, const http_request *req, http_response *res) {
  (void)ctx;
  handler_calls++;
  if (later_count == (int)(sizeof later / sizeof later[0]))
    return http_json_error(res, 503, "x"), 0;
  http_pending *p = http_defer(req);
  if (!p) abort();
  later[later_count++] = p;
  uv_timer_start(&later_timer, later_fire, 0, 0);
  return 1;
}

/* A streamed body (firmware-upload style). */
static void *sink_begin(void *ctx, const http_request *req, size_t length, int *status, char *msg,
                        size_t msglen) {
  (void)ctx;
  (void)req;
  (void)status;
  (void)msg;
  (void)msglen;
  size_t *n = malloc(sizeof *n);
  if (n) *n = length;
  return n;
}
static int sink_chunk(void *state, const char *data, size_t len, char *msg, size_t msglen) {
  (void)data;
  (void)msglen;
  size_t *n = state;
  if (len > *n) return snprintf(msg, msglen, "more than announced"), 400;
  *n -= len;
  return 0;
}
static void sink_abort(void *state) { free(state); }
static const http_body_sink sink = {1 << 20, sink_begin, sink_chunk, sink_abort};

static int h_sink(void *ctx, const http_request *req, http_response *res) {
  (void)ctx;
  handler_calls++;
  free(req->body_state);
  res->body = strdup("{}");
  return 0;
}

static void tick_cb(uv_timer_t *t) { (void)t; } /* keeps uv_run(ONCE) from blocking long */

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  uv_loop_init(&loop);
  char err[256];
  http_config cfg = {.listen = "127.0.0.1:0", .token = TOKEN, .loop = &loop};
  srv = http_server_start(&cfg, err, sizeof err);
  if (!srv) {
    fprintf(stderr, "fuzz_http_stream: %s\n", err);
    abort();
  }
  port = http_server_port(srv);
  static const char *const methods[] = {"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"};
  for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
    http_route r = {methods[i], "/api/v1/echo/{a}", h_echo, NULL};
    http_add_route(srv, &r);
  }
  const http_route more[] = {
      {"GET", "/hello", h_hello, NULL},
      {"GET", "/api/v1/later", h_later, NULL},
      {"POST", "/api/v1/later", h_later, NULL},
  };
  for (size_t i = 0; i < sizeof more / sizeof more[0]; i++) http_add_route(srv, &more[i]);
  http_route up = {"PUT", "/api/v1/sink", h_sink, NULL};
  http_add_route_sink(srv, &up, &sink);
  uv_timer_init(&loop, &later_timer);
  uv_timer_init(&loop, &tick);
  return 0;
}

/* ---- the client side (same thread, non-blocking socket) ---- */

typedef struct {
  int fd;
  char *buf;
  size_t have;
  bool closed; /* the server closed (EOF or reset) */
} client;

static void client_open(client *c) {
  memset(c, 0, sizeof *c);
  c->buf = malloc(MAX_RECV + 1);
  c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (!c->buf || c->fd < 0 ||
      (connect(c->fd, (struct sockaddr *)&sa, sizeof sa) != 0 && errno != EINPROGRESS))
    abort();
}

/* Reads what the server sent; whether anything came. */
static bool client_pump(client *c) {
  bool got = false;
  while (!c->closed && c->have < MAX_RECV) {
    ssize_t n = recv(c->fd, c->buf + c->have, MAX_RECV - c->have, 0);
    if (n > 0) {
      c->have += (size_t)n;
      got = true;
    } else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
      c->closed = true;
    } else {
      break;
    }
  }
  return got;
}

/* Writes all of `data` (the loop runs while the socket is full). */
static void client_send(client *c, const uint8_t *data, size_t len) {
  while (len && !c->closed) {
    ssize_t n = send(c->fd, data, len, MSG_NOSIGNAL);
    if (n > 0) {
      data += n;
      len -= (size_t)n;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
      uv_run(&loop, UV_RUN_NOWAIT);
      client_pump(c);
    } else {
      c->closed = true; /* the server closed: the rest goes nowhere */
    }
  }
}

/* Runs the loop until the server has said nothing for a while, or closed. */
static void settle(client *c) {
  int quiet = 0;
  for (int turn = 0; turn < MAX_TURNS && quiet < QUIET_TURNS && !c->closed; turn++) {
    uv_run(&loop, UV_RUN_NOWAIT);
    quiet = client_pump(c) ? 0 : quiet + 1;
  }
}

/* Runs the loop (blocking turns, a tick keeps them short) until the server
 * closed, for at most `ms`. */
static void wait_closed(client *c, uint64_t ms) {
  uv_timer_start(&tick, tick_cb, 2, 2);
  uint64_t deadline = uv_now(&loop) + ms;
  while (!c->closed && uv_now(&loop) < deadline) {
    uv_run(&loop, UV_RUN_ONCE);
    client_pump(c);
  }
  uv_timer_stop(&tick);
}

/* Answers that came back: their heads end in an empty line, which no body
 * here holds (JSON escapes CR and LF, the other bodies are fixed text); a
 * HEAD answer announces a Content-Length it has no body for, so lengths
 * cannot frame them. The status of the first goes to *first_status. */
static int count_answers(const client *c, int *first_status) {
  *first_status = 0;
  if (c->have == 0) return 0;
  c->buf[c->have] = '\0';
  if (strncmp(c->buf, "HTTP/1.", 7) != 0) { /* 1.1, or 1.0 to an HTTP/1.0 request */
    fprintf(stderr, "fuzz_http_stream: not an answer: %.40s\n", c->buf);
    abort();
  }
  *first_status = atoi(c->buf + 9);
  int n = 0;
  for (const char *p = c->buf; (p = strstr(p, "\r\n\r\n")) != NULL; p += 4) n++;
  return n;
}

static void client_close(client *c) {
  if (c->fd >= 0) close(c->fd);
  free(c->buf);
}

/* Empty lines (ends of header blocks) in the stream: no more requests than that. */
static long header_blocks(const uint8_t *s, size_t n) {
  long count = 0;
  for (size_t i = 0; i + 1 < n; i++)
    if (s[i] == '\n' && (s[i + 1] == '\n' || (s[i + 1] == '\r' && i + 2 < n && s[i + 2] == '\n')))
      count++;
  return count;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  size_t cuts = data[0] & 7;
  bool half_close = data[0] & 8;
  if (size < 1 + cuts) return 0;
  const uint8_t *stream = data + 1 + cuts;
  size_t len = size - 1 - cuts;

  long calls_before = handler_calls;
  client c;
  client_open(&c);
  size_t off = 0;
  for (size_t i = 0; i <= cuts && !c.closed; i++) {
    size_t piece = i < cuts ? data[1 + i] : len - off;
    if (piece > len - off) piece = len - off;
    client_send(&c, stream + off, piece);
    off += piece;
    settle(&c);
  }
  if (half_close && !c.closed) {
    shutdown(c.fd, SHUT_WR);
    wait_closed(&c, CLOSE_MS);
    if (!c.closed) {
      fprintf(stderr, "fuzz_http_stream: the server kept a half-closed connection\n");
      abort();
    }
  }
  long blocks = header_blocks(stream, len);
  int first;
  int answers = count_answers(&c, &first);
  long calls = handler_calls - calls_before;
  if (calls > blocks || answers > blocks + 1 || c.have >= MAX_RECV) {
    fprintf(stderr, "fuzz_http_stream: %d answers, %ld handler calls for %ld header blocks\n",
            answers, calls, blocks);
    abort();
  }
  client_close(&c);

  /* The server still answers a fresh connection, once. */
  client h;
  client_open(&h);
  static const char hello[] = "GET /hello HTTP/1.1\r\nHost: f\r\n\r\n";
  client_send(&h, (const uint8_t *)hello, sizeof hello - 1);
  uv_timer_start(&tick, tick_cb, 2, 2);
  uint64_t deadline = uv_now(&loop) + CLOSE_MS;
  while (count_answers(&h, &first) < 1 && !h.closed && uv_now(&loop) < deadline) {
    uv_run(&loop, UV_RUN_ONCE);
    client_pump(&h);
  }
  uv_timer_stop(&tick);
  if (count_answers(&h, &first) != 1 || first != 200) {
    fprintf(stderr, "fuzz_http_stream: a fresh connection got no answer after this input\n");
    abort();
  }
  shutdown(h.fd, SHUT_WR);
  wait_closed(&h, CLOSE_MS);
  client_close(&h);
  /* Let the server finish closing the fuzzed connection too. */
  for (int i = 0; i < QUIET_TURNS; i++) uv_run(&loop, UV_RUN_NOWAIT);
  return 0;
}
