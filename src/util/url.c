/* Percent-encoding (see url.h). */
#include "util/url.h"

#include <stdbool.h>

/* RFC 3986 section 2.3: the only bytes that never need encoding. */
static bool unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

int url_encode(const char *in, size_t len, char *out, size_t outlen) {
  static const char hex[] = "0123456789ABCDEF";
  size_t o = 0;
  if (outlen == 0) return -1;
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)in[i];
    size_t need = unreserved(c) ? 1 : 3;
    if (o + need >= outlen) return -1;
    if (need == 1) {
      out[o++] = (char)c;
    } else {
      out[o++] = '%';
      out[o++] = hex[c >> 4];
      out[o++] = hex[c & 15];
    }
  }
  out[o] = '\0';
  return (int)o;
}
