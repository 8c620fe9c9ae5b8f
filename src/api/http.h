/*
 * The HTTP server of borned: libwebsockets on the daemon's libuv loop.
 * It knows nothing about charging: it accepts requests, checks the API token,
 * collects bodies (up to HTTP_MAX_BODY), routes (method, path pattern) to
 * handlers registered by the app, and writes their responses. A handler may
 * defer its answer (long-poll) and complete it later from the loop.
 *
 * Paths under /api/ require `Authorization: Bearer TOKEN`; anything else gets
 * 401 with a JSON error and the handler is not called.
 */
#ifndef BORNE_API_HTTP_H
#define BORNE_API_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

#define HTTP_MAX_BODY (64 * 1024)
#define HTTP_MAX_PARAMS 4

typedef struct http_server http_server;
typedef struct http_pending http_pending;

typedef struct {
  const char *method;      /* "GET", "POST", "PUT", "DELETE", "PATCH" */
  const char *path;        /* without the query string, e.g. "/api/v1/badges/04A1" */
  const char *query;       /* raw query string without '?', "" when none */
  const char *body;        /* NUL-terminated, "" when none */
  size_t body_len;
  /* values captured by `{name}` segments of the route pattern, in order */
  const char *params[HTTP_MAX_PARAMS];
  int param_count;
} http_request;

typedef struct {
  int status;              /* default 200 */
  const char *content_type;/* default "application/json" */
  char *body;              /* malloc'd, freed by the server; NULL = empty */
  size_t body_len;         /* 0 = strlen(body) */
  const char *extra_header;/* e.g. "Content-Disposition: attachment; ..." or NULL */
} http_response;

/* Return 0 when `res` is filled, or 1 after keeping `pending` (from
 * http_defer) to answer later with http_complete(). */
typedef int (*http_handler)(void *ctx, const http_request *req, http_response *res);

typedef struct {
  const char *method;
  const char *pattern;     /* "/api/v1/connectors/{id}/plug"; a segment `{x}` matches one path segment */
  http_handler handler;
  void *ctx;
} http_route;

typedef struct {
  const char *listen;      /* "127.0.0.1:8080", "0.0.0.0:80", "[::1]:8080" */
  const char *token;       /* API bearer token; NULL disables the check (tests only) */
  uv_loop_t *loop;
} http_config;

/* Creates the lws context on `loop`. On error returns NULL and writes a reason. */
http_server *http_server_start(const http_config *cfg, char *err, size_t errlen);
void http_server_stop(http_server *s);
/* Bound port (useful with port 0). */
int http_server_port(const http_server *s);
int http_add_route(http_server *s, const http_route *route);

/* Inside a handler: take ownership of the request so it can be answered
 * later (long-poll), then return 1. The owner must call http_complete exactly
 * once; if the client went away meanwhile the response is simply dropped.
 * Returns NULL if the request cannot be deferred. */
http_pending *http_defer(const http_request *req);
/* Answer a deferred request; `res->body` ownership passes to the server. */
void http_complete(http_pending *p, http_response *res);
/* Small helpers for handlers. */
void http_json_error(http_response *res, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Value of a query parameter, URL-decoded into buf; NULL when absent. */
const char *http_query_param(const http_request *req, const char *name, char *buf, size_t len);

#endif
