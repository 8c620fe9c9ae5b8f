/*
 * The pure half of the HTTP server: percent-decoding and -encoding (RFC 3986
 * section 2.1), route pattern matching, query parameters and JSON error
 * bodies. No I/O and no libwebsockets here, so the fuzzer and the unit tests
 * reach every parser directly. Nothing in this file may trust a length it did
 * not check: every input is attacker-controlled (the path, the query string,
 * an error message echoing user input).
 */
#include "http/http.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/hex.h"

int http_url_decode(const char *in, size_t len, char *out, size_t outlen, bool plus_is_space) {
  size_t o = 0;
  if (outlen == 0) return -1;
  for (size_t i = 0; i < len; i++) {
    char c = in[i];
    if (c == '%' && i + 2 < len && hex_digit(in[i + 1]) >= 0 && hex_digit(in[i + 2]) >= 0) {
      c = (char)(hex_digit(in[i + 1]) << 4 | hex_digit(in[i + 2]));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      c = ' ';
    }
    if (o + 1 >= outlen) return -1;
    out[o++] = c;
  }
  out[o] = '\0';
  return (int)o;
}

/* Length of the segment starting at s (up to '/' or the end). */
static size_t segment_len(const char *s) {
  size_t n = 0;
  while (s[n] && s[n] != '/') n++;
  return n;
}

int http_route_match(const char *pattern, const char *path, char *buf, size_t buflen,
                     const char *params[HTTP_MAX_PARAMS], int *count) {
  const char *p = pattern, *u = path;
  size_t used = 0;
  int n = 0;
  *count = 0;
  if (*p != '/' || *u != '/') return 0;
  while (*p == '/' && *u == '/') {
    p++;
    u++;
    size_t plen = segment_len(p), ulen = segment_len(u);
    if (plen >= 2 && p[0] == '{' && p[plen - 1] == '}') {
      if (ulen == 0 || n == HTTP_MAX_PARAMS || used + ulen + 1 > buflen) return 0;
      memcpy(buf + used, u, ulen);
      buf[used + ulen] = '\0';
      params[n++] = buf + used;
      used += ulen + 1;
    } else if (plen != ulen || memcmp(p, u, plen) != 0) {
      return 0;
    }
    p += plen;
    u += ulen;
  }
  if (*p || *u) return 0; /* one has more segments than the other */
  *count = n;
  return 1;
}

const char *http_query_param(const http_request *req, const char *name, char *buf, size_t len) {
  if (!req || !req->query || !name || !buf || len == 0) return NULL;
  size_t name_len = strlen(name);
  const char *q = req->query;
  while (*q) {
    const char *amp = strchr(q, '&');
    size_t pair_len = amp ? (size_t)(amp - q) : strlen(q);
    const char *eq = memchr(q, '=', pair_len);
    size_t key_len = eq ? (size_t)(eq - q) : pair_len;
    /* Keys are compared decoded: "a%5Fb" names the parameter "a_b". */
    char key[128];
    if (http_url_decode(q, key_len, key, sizeof key, true) == (int)name_len &&
        memcmp(key, name, name_len) == 0) {
      const char *v = eq ? eq + 1 : q + pair_len;
      size_t vlen = (size_t)(q + pair_len - v);
      /* Decode piecewise so that an over-long value is cut, not refused. */
      size_t o = 0;
      for (size_t i = 0; i < vlen && o + 1 < len;) {
        size_t step =
            v[i] == '%' && i + 2 < vlen && hex_digit(v[i + 1]) >= 0 && hex_digit(v[i + 2]) >= 0 ? 3
                                                                                                : 1;
        char one[2];
        http_url_decode(v + i, step, one, sizeof one, true);
        buf[o++] = one[0];
        i += step;
      }
      buf[o] = '\0';
      return buf;
    }
    q += pair_len;
    if (*q == '&') q++;
  }
  return NULL;
}

void http_json_error(http_response *res, int status, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  http_json_verror(res, status, fmt, ap);
  va_end(ap);
}

void http_json_verror(http_response *res, int status, const char *fmt, va_list ap) {
  char msg[1024];
  int n = vsnprintf(msg, sizeof msg, fmt, ap);
  if (n >= (int)sizeof msg) { /* cut: do not leave half a UTF-8 sequence */
    size_t end = sizeof msg - 1;
    while (end > 0 && ((unsigned char)msg[end - 1] & 0xC0) == 0x80) end--;
    if (end > 0 && ((unsigned char)msg[end - 1] & 0x80)) end--;
    msg[end] = '\0';
  }
  free(res->body);
  res->status = status;
  res->content_type = "application/json";
  res->extra_header = NULL;
  /* jansson escapes quotes, backslashes and control bytes; a message that is
   * not valid UTF-8 (user input echoed back) is replaced rather than dropped. */
  json_t *o = json_pack("{s:s}", "error", msg);
  if (!o) o = json_pack("{s:s}", "error", "(error message is not valid UTF-8)");
  res->body = o ? json_dumps(o, JSON_COMPACT) : NULL;
  res->body_len = 0;
  json_decref(o);
}
