/*
 * Fuzz target for the HTTP server's own parsers (api/http_util.c): route
 * pattern matching, percent-decoding and -encoding, query parameters and the
 * JSON error body. Input: "PATTERN\nPATH\nQUERY" (missing parts are empty).
 * It must never crash or read out of bounds, and checks the properties the
 * server relies on: a capture is one non-empty segment, encode then decode
 * gives the bytes back, a query value fits its buffer, an error body is JSON.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"
#include "util/url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *part(const char **p, const char *end) {
  const char *nl = memchr(*p, '\n', (size_t)(end - *p));
  const char *stop = nl ? nl : end;
  char *s = strndup(*p, (size_t)(stop - *p));
  *p = nl ? nl + 1 : end;
  return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *p = (const char *)data, *end = p + size;
  char *pattern = part(&p, end), *path = part(&p, end), *query = part(&p, end);
  if (!pattern || !path || !query) abort();

  char buf[256];
  const char *params[HTTP_MAX_PARAMS];
  int count = -1;
  if (http_route_match(pattern, path, buf, sizeof buf, params, &count)) {
    if (count < 0 || count > HTTP_MAX_PARAMS) abort();
    for (int i = 0; i < count; i++)
      if (!params[i][0] || strchr(params[i], '/') || params[i] < buf ||
          params[i] >= buf + sizeof buf)
        abort();
  } else if (count != 0) {
    abort();
  }

  size_t plen = strlen(path);
  char *enc = malloc(plen * 3 + 1), *dec = malloc(plen + 1);
  int n = url_encode(path, plen, enc, plen * 3 + 1);
  if (n < 0) abort();
  int m = http_url_decode(enc, (size_t)n, dec, plen + 1, false);
  if (m != (int)plen || memcmp(dec, path, plen) != 0) abort();
  free(enc);
  free(dec);

  http_request req = {.query = query};
  static const char *const names[] = {"a", "q", "limit", "since", "", "a b"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    char v[8];
    const char *r = http_query_param(&req, names[i], v, sizeof v);
    if (r && (r != v || strlen(v) >= sizeof v)) abort();
  }
  if (query[0]) (void)http_query_param(&req, query, buf, sizeof buf);

  http_response res = {0};
  http_json_error(&res, 400, "bad `%s` in %s", query, path);
  json_t *o = res.body ? json_loads(res.body, 0, NULL) : NULL;
  if (!o || !json_is_string(json_object_get(o, "error"))) abort();
  json_decref(o);
  free(res.body);

  free(pattern);
  free(path);
  free(query);
  return 0;
}
