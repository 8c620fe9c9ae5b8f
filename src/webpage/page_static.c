/*
 * GET / and the page's files, from the copies embedded at build time
 * (web/assets.h): gzip when the browser accepts it, ETag revalidation, and
 * short caching so that a new firmware's page shows up at the next visit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "webpage/assets.h"
#include "webpage/page_api.h"

static int serve(const web_asset *a, const http_request *req, http_response *res) {
  static char headers[256];
  /* only the gzip is stored (images as they are): inflated for a client
   * that does not take gzip (web_asset_inflate) */
  bool gz = a->gz && web_accepts_gzip(req->accept_encoding);
  /* Revalidate every time (no-cache): the ETag makes that a 304 without a body. */
  snprintf(headers, sizeof headers,
           "ETag: %s\r\nCache-Control: no-cache\r\nVary: Accept-Encoding\r\n"
           "X-Content-Type-Options: nosniff%s",
           a->etag, gz ? "\r\nContent-Encoding: gzip" : "");
  res->extra_header = headers;
  res->content_type = a->content_type;
  if (web_etag_matches(req->if_none_match, a->etag)) {
    res->status = 304;
    return 0;
  }
  size_t len = gz ? a->gz_len : a->len;
  res->body = malloc(len ? len : 1);
  if (!res->body) {
    http_json_error(res, 500, "out of memory");
    res->extra_header = NULL;
    return 0;
  }
  if (gz)
    memcpy(res->body, a->gz, len);
  else if (web_asset_inflate(a, (unsigned char *)res->body) != 0) {
    free(res->body);
    res->body = NULL;
    http_json_error(res, 500, "the embedded copy of %.200s does not inflate", a->path);
    res->extra_header = NULL;
    return 0;
  }
  res->body_len = len;
  if (len == 0) res->status = 204;
  return 0;
}

static int get_index(void *ctx, const http_request *req, http_response *res) {
  (void)ctx;
  const web_asset *a = web_asset_find("/index.html");
  if (!a) {
    http_json_error(res, 404, "this build has no web page");
    return 0;
  }
  return serve(a, req, res);
}

static int get_file(void *ctx, const http_request *req, http_response *res) {
  (void)ctx;
  const web_asset *a = web_asset_find(req->path);
  if (!a) {
    http_json_error(res, 404, "no such file: %.200s", req->path);
    return 0;
  }
  return serve(a, req, res);
}

/* The public page of one connector, a page of its own (no login). */
static int get_public(void *ctx, const http_request *req, http_response *res) {
  (void)ctx;
  const web_asset *a = web_asset_find("/public.html");
  if (!a) a = web_asset_find("/index.html");
  if (!a) {
    http_json_error(res, 404, "this build has no web page");
    return 0;
  }
  return serve(a, req, res);
}

void api_web_static_routes(web_ctx *w) {
  const http_route routes[] = {
      {"GET", "/", get_index, w},
      {"HEAD", "/", get_index, w},
      {"GET", "/{file}", get_file, w},
      {"HEAD", "/{file}", get_file, w},
      {"GET", "/c/{n}", get_public, w},
      /* a vendored library's files (webui/vendor/NAME/, docs/web.md) */
      {"GET", "/vendor/{lib}/{file}", get_file, w},
      {"HEAD", "/vendor/{lib}/{file}", get_file, w},
  };
  for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
    http_add_route(w->st->http, &routes[i]);
}
