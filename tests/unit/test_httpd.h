/*
 * A tiny HTTP/1.1 server on the test's own libuv loop, for unit tests that
 * run real libcurl transfers: firmware and diagnostics accept only OCPP's
 * schemes (http, https, ftp, ftps), so a test cannot use file:// URLs. It
 * answers each path with a scripted status, body and Location header
 * (redirects), keeps the body of the last upload, and closes every
 * connection after its answer. One request per connection; request bodies
 * need Content-Length ("Expect: 100-continue" is answered). A route with
 * status 0 is never answered: the connection stays open (a stalled
 * transfer) until the client closes it (counted in peer_closed).
 */
#ifndef BORNE_TEST_HTTPD_H
#define BORNE_TEST_HTTPD_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <uv.h>

#define HTTPD_ROUTES 16

typedef struct {
  char path[256];
  int status;
  char *body; /* owned */
  size_t body_len;
  char location[300]; /* "" none */
} httpd_route;

typedef struct httpd_conn httpd_conn;

typedef struct {
  uv_tcp_t tcp;
  int port;
  httpd_route routes[HTTPD_ROUTES];
  int route_count;
  int connections;     /* accepted so far */
  int requests;        /* answered so far */
  char last_path[256]; /* of the last request */
  char *upload;        /* body of the last request that had one (owned, NUL-terminated) */
  size_t upload_len;
  httpd_conn *conns;
  int held;        /* requests of a status-0 route, left unanswered */
  int peer_closed; /* connections the client closed */
} httpd;

struct httpd_conn {
  uv_tcp_t tcp;
  httpd *s;
  httpd_conn *next;
  char *buf;
  size_t len, cap;
  bool continued, answered;
};

/* The route for `path` (replaced when it exists). body may be NULL. */
static inline void httpd_set(httpd *s, const char *path, int status, const char *body,
                             size_t body_len, const char *location) {
  httpd_route *r = NULL;
  for (int i = 0; i < s->route_count; i++)
    if (strcmp(s->routes[i].path, path) == 0) r = &s->routes[i];
  if (!r && s->route_count < HTTPD_ROUTES) r = &s->routes[s->route_count++];
  if (!r) return;
  snprintf(r->path, sizeof r->path, "%s", path);
  r->status = status;
  free(r->body);
  r->body = NULL;
  r->body_len = 0;
  if (body) {
    r->body = malloc(body_len + 1);
    memcpy(r->body, body, body_len);
    r->body_len = body_len;
  }
  snprintf(r->location, sizeof r->location, "%s", location ? location : "");
}

static inline void httpd_unlink(httpd *s, httpd_conn *c) {
  for (httpd_conn **p = &s->conns; *p; p = &(*p)->next)
    if (*p == c) {
      *p = c->next;
      return;
    }
}

static inline void httpd_conn_closed(uv_handle_t *h) {
  httpd_conn *c = h->data;
  free(c->buf);
  free(c);
}

static inline void httpd_conn_close(httpd_conn *c) {
  if (uv_is_closing((uv_handle_t *)&c->tcp)) return;
  httpd_unlink(c->s, c);
  uv_close((uv_handle_t *)&c->tcp, httpd_conn_closed);
}

typedef struct {
  uv_write_t w;
  httpd_conn *c;
  char *text; /* owned */
  bool last;  /* the answer: close once written */
} httpd_write;

static inline void httpd_written(uv_write_t *w, int status) {
  (void)status;
  httpd_write *hw = (httpd_write *)w;
  if (hw->last) httpd_conn_close(hw->c);
  free(hw->text);
  free(hw);
}

static inline void httpd_send(httpd_conn *c, char *text, size_t len, bool last) {
  httpd_write *hw = calloc(1, sizeof *hw);
  hw->c = c;
  hw->text = text;
  hw->last = last;
  uv_buf_t b = uv_buf_init(text, (unsigned)len);
  if (uv_write(&hw->w, (uv_stream_t *)&c->tcp, &b, 1, httpd_written) != 0) {
    free(text);
    free(hw);
    httpd_conn_close(c);
  }
}

static inline void httpd_answer(httpd_conn *c, const char *path, const char *body, size_t n) {
  httpd *s = c->s;
  s->requests++;
  snprintf(s->last_path, sizeof s->last_path, "%s", path);
  if (n > 0) {
    free(s->upload);
    s->upload = malloc(n + 1);
    memcpy(s->upload, body, n);
    s->upload[n] = '\0';
    s->upload_len = n;
  }
  const httpd_route *r = NULL;
  for (int i = 0; i < s->route_count; i++)
    if (strcmp(s->routes[i].path, path) == 0) r = &s->routes[i];
  if (r && r->status == 0) { /* stalled: never answered */
    s->held++;
    c->answered = true;
    return;
  }
  int status = r ? r->status : 404;
  size_t blen = r ? r->body_len : 0;
  char head[600];
  int hl = snprintf(head, sizeof head,
                    "HTTP/1.1 %d X\r\nContent-Length: %zu\r\nConnection: close\r\n%s%s%s\r\n",
                    status, blen, r && r->location[0] ? "Location: " : "",
                    r && r->location[0] ? r->location : "", r && r->location[0] ? "\r\n" : "");
  char *out = malloc((size_t)hl + blen);
  memcpy(out, head, (size_t)hl);
  if (blen) memcpy(out + hl, r->body, blen);
  c->answered = true;
  httpd_send(c, out, (size_t)hl + blen, true);
}

/* Called with what arrived so far: answers once the request is complete. */
static inline void httpd_parse(httpd_conn *c) {
  char *end = NULL;
  for (size_t i = 0; i + 3 < c->len; i++)
    if (memcmp(c->buf + i, "\r\n\r\n", 4) == 0) {
      end = c->buf + i + 4;
      break;
    }
  if (!end || c->answered) return;
  size_t head_len = (size_t)(end - c->buf);
  char path[256] = "";
  sscanf(c->buf, "%*s %255s", path);
  size_t want = 0;
  bool expect = false;
  for (char *l = strstr(c->buf, "\r\n"); l && l + 2 < end; l = strstr(l + 2, "\r\n")) {
    if (strncasecmp(l + 2, "Content-Length:", 15) == 0) want = strtoul(l + 17, NULL, 10);
    if (strncasecmp(l + 2, "Expect: 100-continue", 20) == 0) expect = true;
  }
  if (c->len - head_len < want) {
    if (expect && !c->continued) {
      c->continued = true;
      static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
      char *t = malloc(sizeof cont);
      memcpy(t, cont, sizeof cont);
      httpd_send(c, t, sizeof cont - 1, false);
    }
    return;
  }
  httpd_answer(c, path, end, want);
}

static inline void httpd_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *b) {
  httpd_conn *c = h->data;
  if (c->cap - c->len < suggested + 1) {
    c->cap = c->len + suggested + 1;
    c->buf = realloc(c->buf, c->cap);
  }
  *b = uv_buf_init(c->buf + c->len, (unsigned)(c->cap - c->len - 1));
}

static inline void httpd_read(uv_stream_t *st, ssize_t n, const uv_buf_t *b) {
  (void)b;
  httpd_conn *c = st->data;
  if (n < 0) {
    c->s->peer_closed++;
    httpd_conn_close(c);
    return;
  }
  c->len += (size_t)n;
  c->buf[c->len] = '\0';
  httpd_parse(c);
}

static inline void httpd_accept(uv_stream_t *server, int status) {
  httpd *s = server->data;
  if (status < 0) return;
  httpd_conn *c = calloc(1, sizeof *c);
  c->s = s;
  s->connections++;
  uv_tcp_init(server->loop, &c->tcp);
  c->tcp.data = c;
  c->next = s->conns;
  s->conns = c;
  if (uv_accept(server, (uv_stream_t *)&c->tcp) != 0 ||
      uv_read_start((uv_stream_t *)&c->tcp, httpd_alloc, httpd_read) != 0)
    httpd_conn_close(c);
}

/* Listens on 127.0.0.1, a free port (s->port). 0 on success. */
static inline int httpd_start(httpd *s, uv_loop_t *loop) {
  memset(s, 0, sizeof *s);
  struct sockaddr_in a;
  uv_ip4_addr("127.0.0.1", 0, &a);
  uv_tcp_init(loop, &s->tcp);
  s->tcp.data = s;
  if (uv_tcp_bind(&s->tcp, (const struct sockaddr *)&a, 0) != 0 ||
      uv_listen((uv_stream_t *)&s->tcp, 16, httpd_accept) != 0)
    return -1;
  struct sockaddr_in got;
  int len = sizeof got;
  uv_tcp_getsockname(&s->tcp, (struct sockaddr *)&got, &len);
  s->port = ntohs(got.sin_port);
  return 0;
}

/* "http://127.0.0.1:PORT" + path */
static inline void httpd_url(const httpd *s, const char *path, char *out, size_t len) {
  snprintf(out, len, "http://127.0.0.1:%d%s", s->port, path);
}

/* Closes the listener and open connections; run the loop to finish. */
static inline void httpd_stop(httpd *s) {
  while (s->conns) httpd_conn_close(s->conns);
  uv_close((uv_handle_t *)&s->tcp, NULL);
  for (int i = 0; i < s->route_count; i++) free(s->routes[i].body);
  s->route_count = 0;
  free(s->upload);
  s->upload = NULL;
}

#endif
