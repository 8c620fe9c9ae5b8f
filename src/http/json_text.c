/*
 * Compact JSON text, the same bytes as jansson's json_dumps (json_text.h).
 * jansson 2.14's dump.c is the reference: members in the object's order
 * (json_object_iter), "," and ":" with no spaces, integers as
 * "%" JSON_INTEGER_FORMAT, reals as its jsonp_dtostr ("%.17g", ".0" added when
 * neither '.' nor 'e' is there, the exponent's '+' and leading zeros taken
 * out), strings with \\ \" \b \f \n \r \t escaped and other controls as
 * \uXXXX. tests/unit/test_http_json_text.c compares every kind with json_dumps.
 */
#include "http/json_text.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 64

typedef struct {
  char *p;
  size_t len, cap;
  bool fallback; /* something jansson must write: give up, json_dumps the whole value */
  int precision;
} out_buf;

static bool reserve(out_buf *b, size_t more) {
  if (b->len + more + 1 <= b->cap) return true;
  size_t cap = b->cap ? b->cap : 256;
  while (cap < b->len + more + 1) cap *= 2;
  char *p = realloc(b->p, cap);
  if (!p) return false;
  b->p = p;
  b->cap = cap;
  return true;
}

static bool put(out_buf *b, const char *s, size_t n) {
  if (!reserve(b, n)) return false;
  memcpy(b->p + b->len, s, n);
  b->len += n;
  return true;
}

/* Which bytes a string cannot carry as they are: controls, '"', '\\', and
 * anything above 0x7F (UTF-8: jansson's, through the fallback). */
static bool plain(unsigned char c) { return c >= 0x20 && c != '"' && c != '\\' && c < 0x80; }

static bool put_string(out_buf *b, const char *s, size_t n) {
  /* room for the worst case (every byte a \uXXXX) up front: one pass, no checks */
  if (!reserve(b, 6 * n + 2)) return false;
  char *o = b->p + b->len;
  *o++ = '"';
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (plain(c)) {
      *o++ = (char)c;
      continue;
    }
    if (c >= 0x80) {
      b->fallback = true;
      return false;
    }
    *o++ = '\\';
    switch (c) {
    case '"':
    case '\\':
      *o++ = (char)c;
      break;
    case '\b':
      *o++ = 'b';
      break;
    case '\f':
      *o++ = 'f';
      break;
    case '\n':
      *o++ = 'n';
      break;
    case '\r':
      *o++ = 'r';
      break;
    case '\t':
      *o++ = 't';
      break;
    default:
      *o++ = 'u';
      *o++ = '0';
      *o++ = '0';
      *o++ = "0123456789ABCDEF"[c >> 4];
      *o++ = "0123456789ABCDEF"[c & 15];
      break;
    }
  }
  *o++ = '"';
  b->len = (size_t)(o - b->p);
  return true;
}

/* jansson's jsonp_dtostr */
static bool put_real(out_buf *b, double d) {
  char buf[100];
  int n = snprintf(buf, sizeof buf, "%.*g", b->precision ? b->precision : 17, d);
  if (n < 0 || (size_t)n >= sizeof buf - 3) {
    b->fallback = true;
    return false;
  }
  size_t len = (size_t)n;
  for (size_t i = 0; i < len; i++)
    if (buf[i] == ',') buf[i] = '.'; /* a locale's decimal comma, as jansson's from_locale */
  if (!strchr(buf, '.') && !strchr(buf, 'e')) {
    buf[len++] = '.';
    buf[len++] = '0';
    buf[len] = 0;
  }
  char *start = strchr(buf, 'e');
  if (start) {
    start++;
    char *end = start + 1;
    if (*start == '-') start++;
    while (*end == '0') end++;
    if (end != start) {
      memmove(start, end, len - (size_t)(end - buf) + 1);
      len -= (size_t)(end - start);
    }
  }
  return put(b, buf, len);
}

static bool put_value(out_buf *b, const json_t *v, int depth) {
  if (depth > MAX_DEPTH) {
    b->fallback = true; /* jansson finds loops; so deep a value is one or rare */
    return false;
  }
  switch (json_typeof(v)) {
  case JSON_OBJECT: {
    if (!put(b, "{", 1)) return false;
    bool first = true;
    for (void *it = json_object_iter((json_t *)v); it;
         it = json_object_iter_next((json_t *)v, it)) {
      if (!first && !put(b, ",", 1)) return false;
      first = false;
      if (!put_string(b, json_object_iter_key(it), json_object_iter_key_len(it)) ||
          !put(b, ":", 1) || !put_value(b, json_object_iter_value(it), depth + 1))
        return false;
    }
    return put(b, "}", 1);
  }
  case JSON_ARRAY: {
    if (!put(b, "[", 1)) return false;
    size_t n = json_array_size(v);
    for (size_t i = 0; i < n; i++)
      if ((i && !put(b, ",", 1)) || !put_value(b, json_array_get(v, i), depth + 1)) return false;
    return put(b, "]", 1);
  }
  case JSON_STRING:
    return put_string(b, json_string_value(v), json_string_length(v));
  case JSON_INTEGER: {
    /* "%" JSON_INTEGER_FORMAT: the decimal digits, '-' before a negative one */
    json_int_t i = json_integer_value(v);
    unsigned long long u = i < 0 ? 0ULL - (unsigned long long)i : (unsigned long long)i;
    char buf[24];
    size_t at = sizeof buf;
    do {
      buf[--at] = (char)('0' + u % 10);
      u /= 10;
    } while (u);
    if (i < 0) buf[--at] = '-';
    return put(b, buf + at, sizeof buf - at);
  }
  case JSON_REAL:
    return put_real(b, json_real_value(v));
  case JSON_TRUE:
    return put(b, "true", 4);
  case JSON_FALSE:
    return put(b, "false", 5);
  case JSON_NULL:
    return put(b, "null", 4);
  }
  b->fallback = true;
  return false;
}

char *json_text_compact(const json_t *v, int precision) {
  size_t flags = JSON_COMPACT | JSON_REAL_PRECISION(precision);
  if (!v || !(json_is_object(v) || json_is_array(v))) return json_dumps(v, flags);
  out_buf b = {.precision = precision};
  if (put_value(&b, v, 0)) {
    b.p[b.len] = 0;
    return b.p;
  }
  free(b.p);
  return b.fallback ? json_dumps(v, flags) : NULL;
}
