/*
 * Lookups over the embedded web files, their inflating for a client that does
 * not take gzip, and the two header parsers the static handler needs. Every
 * input may be hostile.
 */
#include "webpage/assets.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

const web_asset *web_asset_find(const char *path) {
  if (!path) return NULL;
  for (const web_asset *a = web_assets; a->path; a++)
    if (strcmp(a->path, path) == 0) return a;
  return NULL;
}

/* Splits a comma-separated header list; calls fn on each trimmed element
 * (not NUL-terminated: ptr + len). Stops when fn returns true. */
static bool each_element(const char *h, bool (*fn)(const char *p, size_t n, const void *arg),
                         const void *arg) {
  while (h && *h) {
    while (*h == ' ' || *h == '\t' || *h == ',') h++;
    const char *end = strchr(h, ',');
    size_t n = end ? (size_t)(end - h) : strlen(h);
    size_t m = n;
    while (m && (h[m - 1] == ' ' || h[m - 1] == '\t')) m--;
    if (m && fn(h, m, arg)) return true;
    h += n;
  }
  return false;
}

/* "gzip;q=0.5" -> true; "gzip;q=0" / "gzip; q=0.000" -> false. */
static bool coding_ok(const char *p, size_t n, const void *arg) {
  (void)arg;
  size_t name = 0;
  while (name < n && p[name] != ';' && p[name] != ' ' && p[name] != '\t') name++;
  bool is_gzip = (name == 4 && strncasecmp(p, "gzip", 4) == 0) || (name == 1 && p[0] == '*');
  if (!is_gzip) return false;
  const char *q = p + name;
  const char *end = p + n;
  while (q < end) {
    if ((*q == 'q' || *q == 'Q') && q + 1 < end && q[1] == '=') {
      q += 2;
      bool nonzero = false;
      for (; q < end && (isdigit((unsigned char)*q) || *q == '.'); q++)
        if (*q >= '1' && *q <= '9') nonzero = true;
      return nonzero;
    }
    q++;
  }
  return true;
}

bool web_accepts_gzip(const char *accept_encoding) {
  return each_element(accept_encoding, coding_ok, NULL);
}

static bool tag_equal(const char *p, size_t n, const void *arg) {
  const char *etag = arg;
  if (n == 1 && p[0] == '*') return true;
  if (n > 2 && p[0] == 'W' && p[1] == '/') {
    p += 2;
    n -= 2;
  }
  return n == strlen(etag) && memcmp(p, etag, n) == 0;
}

bool web_etag_matches(const char *if_none_match, const char *etag) {
  return etag && each_element(if_none_match, tag_equal, etag);
}

int web_asset_inflate(const web_asset *a, unsigned char *out) {
  if (!a->gz) {
    if (a->len) memcpy(out, a->data, a->len);
    return 0;
  }
  z_stream z;
  memset(&z, 0, sizeof z);
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) return -1; /* 16: gzip framing */
  z.next_in = (Bytef *)(uintptr_t)a->gz;                   /* zlib does not write it */
  z.avail_in = (uInt)a->gz_len;
  z.next_out = out;
  z.avail_out = (uInt)a->len;
  int rc = inflate(&z, Z_FINISH);
  bool whole = rc == Z_STREAM_END && z.total_out == a->len;
  inflateEnd(&z);
  return whole ? 0 : -1;
}

size_t web_assets_gz_total(void) {
  size_t total = 0;
  for (const web_asset *a = web_assets; a->path; a++) total += a->gz ? a->gz_len : a->len;
  return total;
}
