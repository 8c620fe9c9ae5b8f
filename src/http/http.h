/*
 * The HTTP server of borned: libwebsockets on the daemon's libuv loop.
 * It knows nothing about charging: it accepts requests, checks the API token,
 * collects bodies (up to HTTP_MAX_BODY), routes (method, path pattern) to
 * handlers registered by the app, and writes their responses. A handler may
 * defer its answer (long-poll) and complete it later from the loop.
 *
 * Paths under /api/ require `Authorization: Bearer TOKEN`; anything else gets
 * 401 with a JSON error and the handler is not called. An app may replace
 * that rule with an auth hook (http_set_auth), e.g. to also accept a session
 * cookie and enforce roles; the token check's verdict is then one input.
 * Handlers may also stream a response (Server-Sent Events: http_stream_*).
 */
#ifndef BORNE_API_HTTP_H
#define BORNE_API_HTTP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

#define HTTP_MAX_BODY (64 * 1024)
#define HTTP_MAX_PARAMS 4
/* Connections served at the same time (browsers, SSE streams, bornectl, API
 * clients). One more waits in the kernel's listen queue until one of them
 * closes: it is not refused. libwebsockets sizes its per-connection tables
 * by this (16 bytes each) instead of the process's file limit (issue 15). */
#define HTTP_MAX_CONNECTIONS 128

typedef struct http_server http_server;
typedef struct http_pending http_pending;

typedef struct {
  const char *method; /* "GET", "POST", "PUT", "DELETE", "PATCH" */
  /* Without the query string, e.g. "/api/v1/badges/04A1". Already URL-decoded
   * and normalised by libwebsockets ("//" -> "/", "/a/../b" -> "/b"). */
  const char *path;
  /* The query string without '?', "" when none. libwebsockets decodes it while
   * parsing, so the server re-encodes it canonically (name=value pairs joined
   * by '&', reserved bytes as %XX): read it with http_query_param(). */
  const char *query;
  const char *body; /* NUL-terminated, "" when none */
  size_t body_len;
  /* values captured by `{name}` segments of the route pattern, in order */
  const char *params[HTTP_MAX_PARAMS];
  int param_count;
  /* Request headers an app may need, NULL when absent. */
  const char *cookie;
  const char *accept_encoding;
  const char *if_none_match;
  const char *csrf_token;    /* X-CSRF-Token */
  const char *last_event_id; /* Last-Event-ID (Server-Sent Events resume) */
  const char *origin;
  /* Content-Type, and Host: the address the client sent the request to. */
  const char *content_type;
  const char *host;
  const char *peer;      /* the client's IP address as text, "" when unknown */
  bool bearer_ok;        /* Authorization: Bearer carried the API token */
  const char *principal; /* what the auth hook said (e.g. "installer"), or NULL */
  /* A route with a body sink: the state its begin() returned, now the
   * handler's (it must free it); NULL otherwise. req.body is then "". */
  void *body_state;
} http_request;

typedef struct {
  int status;               /* default 200 */
  const char *content_type; /* default "application/json" */
  char *body;               /* malloc'd, freed by the server; NULL = empty */
  size_t body_len;          /* 0 = strlen(body) */
  /* e.g. "Content-Disposition: attachment; ..." or NULL; several headers are
   * separated by "\r\n" (each must be "Name: value"). */
  const char *extra_header;
} http_response;

/* Return 0 when `res` is filled, or 1 after keeping `pending` (from
 * http_defer) to answer later with http_complete(). */
typedef int (*http_handler)(void *ctx, const http_request *req, http_response *res);

/* A route whose body may be larger than HTTP_MAX_BODY (up to max_body
 * bytes, e.g. a firmware image; http_add_route_sink): the body is handed over piece by piece as
 * it arrives instead of being collected in memory. begin() runs once the
 * request passed the auth hook and was routed, with the announced length;
 * it returns the request's state, or NULL with an HTTP status and a sentence
 * (the body is then read and dropped, and that error answered). chunk() gets
 * every piece; a non-zero return is an HTTP status with a sentence in msg:
 * the rest is dropped and that error answered. Then the handler runs with
 * req->body_state and owns it. abort() frees a state whose handler never
 * ran (error, client gone, server stopped). All on the loop thread. */
typedef struct {
  size_t max_body;
  void *(*begin)(void *ctx, const http_request *req, size_t length, int *status, char *msg,
                 size_t msglen);
  int (*chunk)(void *state, const char *data, size_t len, char *msg, size_t msglen);
  void (*abort)(void *state);
} http_body_sink;

typedef struct {
  const char *method;
  const char
      *pattern; /* "/api/v1/connectors/{id}/plug"; a segment `{x}` matches one path segment */
  http_handler handler;
  void *ctx;
} http_route;

typedef struct {
  const char *listen;   /* "127.0.0.1:8080", "0.0.0.0:80", "[::1]:8080" */
  const char *token;    /* API bearer token; NULL disables the check (tests only) */
  const char *tls_cert; /* PEM certificate file: serve HTTPS; NULL or "" = plain HTTP */
  const char *tls_key;  /* its PEM private key */
  uv_loop_t *loop;
} http_config;

/* Decides on every /api/ request once its headers are in, before the body is
 * read and before the handler: return 0 to let it through (and optionally
 * set *principal to a static string the handler sees as req->principal), or
 * an HTTP status (401, 403, 429...) with a sentence in msg. With a hook set
 * the server no longer refuses a missing token by itself: req->bearer_ok
 * says whether the token was right. */
typedef int (*http_auth_fn)(void *ctx, const http_request *req, const char **principal, char *msg,
                            size_t msglen);

/* Creates the lws context on `loop`. On error returns NULL and writes a reason,
 * e.g. "cannot listen on 127.0.0.1:8080: Address already in use".
 * The same as http_server_new then http_server_listen. */
http_server *http_server_start(const http_config *cfg, char *err, size_t errlen);
/* The first half of a start (issue 15: the station's start path): checks the
 * listen address, that its port can be bound (the same errors as
 * http_server_start, found at once) and makes the server that routes are
 * added to, without a libwebsockets context: nothing listens yet and
 * http_server_port() is the configured port. http_server_stop frees it. */
http_server *http_server_new(const http_config *cfg, char *err, size_t errlen);
/* The second half: creates the lws context and listens (0; again: 0). On
 * error returns -1 with why; `s` stays valid and must be stopped. */
int http_server_listen(http_server *s, char *err, size_t errlen);
/* Serve HTTPS with these PEM files ("" or NULL: plain HTTP), before
 * http_server_listen. -1: out of memory. */
int http_server_set_tls(http_server *s, const char *cert, const char *key);
/* Stops accepting requests, lets responses already queued go out (at most
 * one second), then closes every connection (their deferred requests become
 * dead: http_complete then just frees) and destroys the lws context. lws
 * closes its libuv handles asynchronously: the caller must keep running the
 * loop (the server keeps it alive with a handle of its own until everything
 * is freed), and must not uv_close() handles it does not own before that (no
 * uv_walk closing everything right after this call). May be called from a
 * handler or any loop callback. `s` is invalid on return. */
void http_server_stop(http_server *s);
/* Bound port (useful with port 0); before http_server_listen, the configured one. */
int http_server_port(const http_server *s);
int http_add_route(http_server *s, const http_route *route);
/* A route whose body goes to `sink` (static, outlives the server) instead of
 * being collected: see http_body_sink. */
int http_add_route_sink(http_server *s, const http_route *route, const http_body_sink *sink);
void http_set_auth(http_server *s, http_auth_fn fn, void *ctx);

/* Inside a handler: take ownership of the request so it can be answered
 * later (long-poll), then return 1. The owner must call http_complete exactly
 * once; if the client went away meanwhile the response is simply dropped.
 * Returns NULL if the request cannot be deferred. */
http_pending *http_defer(const http_request *req);
/* Answer a deferred request; `res->body` ownership passes to the server.
 * Frees `p`. Safe after the client went away or the server was stopped. */
void http_complete(http_pending *p, http_response *res);
/* Whether the client of a deferred request is still connected (a long-poll
 * owner may drop dead waiters early; it must still call http_complete). */
bool http_pending_alive(const http_pending *p);
/* Streaming (Server-Sent Events): turn a deferred request into a response
 * sent piece by piece. http_stream_begin sends the status line and headers
 * (200, no Content-Length: the body ends when the connection closes);
 * http_stream_send queues bytes (returns -1 when the client is gone or more
 * than HTTP_STREAM_MAX_QUEUED bytes wait, then end the stream);
 * http_stream_end frees `p` and closes the connection once the queued bytes
 * are out. The owner must call http_stream_end exactly once. */
#define HTTP_STREAM_MAX_QUEUED (256 * 1024)
int http_stream_begin(http_pending *p, const char *content_type, const char *extra_header);
int http_stream_send(http_pending *p, const char *data, size_t len);
void http_stream_end(http_pending *p);

/* Small helpers for handlers. http_json_error fills res with
 * {"error":"<message>"} (JSON-escaped) and `status`, freeing any body res
 * already had (so res must be initialised, e.g. `http_response res = {0}`). */
void http_json_error(http_response *res, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void http_json_verror(http_response *res, int status, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
/* Answer a deferred request (as http_complete) with {"error":"<message>"} and
 * `status`. */
void http_complete_error(http_pending *p, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Value of a query parameter, URL-decoded ('+' is a space) into buf; NULL
 * when absent, "" for `?name` or `?name=`. A value longer than len - 1 bytes is
 * cut to len - 1 bytes (validate it: a cut number or time will not parse). */
const char *http_query_param(const http_request *req, const char *name, char *buf, size_t len);

/* Pure parsing helpers (no I/O), used by the server and exposed for tests and
 * the fuzzer. */

/* Percent-decodes in[0..len) into out (NUL-terminated). With plus_is_space,
 * '+' becomes ' ' (application/x-www-form-urlencoded). A '%' not followed by
 * two hex digits is kept as is. Returns the decoded length, or -1 when out
 * (outlen bytes) is too small. */
int http_url_decode(const char *in, size_t len, char *out, size_t outlen, bool plus_is_space);
/* Percent-encoding: url_encode in util/url.h. */
/* Matches `path` against a route pattern segment by segment; a `{name}`
 * segment matches one non-empty segment. The captured segments are copied
 * into buf (buflen bytes) and pointed to by params[0..*count). Returns 1 on a
 * match, 0 otherwise (also when more than HTTP_MAX_PARAMS would be captured
 * or buf is too small). */
int http_route_match(const char *pattern, const char *path, char *buf, size_t buflen,
                     const char *params[HTTP_MAX_PARAMS], int *count);

#endif
