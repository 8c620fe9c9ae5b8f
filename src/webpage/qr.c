/* QR code of the payment URL as SVG (see qr.h). */
#include "webpage/qr.h"

#include <errno.h>
#include <qrencode.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QUIET 4 /* modules of white border, ISO/IEC 18004 */

static int put(char *out, size_t len, size_t *at, const char *s, size_t n) {
  if (*at + n + 1 > len) return -1;
  memcpy(out + *at, s, n);
  *at += n;
  out[*at] = '\0';
  return 0;
}

int web_qr_url(const char *tpl, const char *station, int connector, char *out, size_t len) {
  size_t at = 0;
  char num[16];
  snprintf(num, sizeof num, "%d", connector);
  if (!out || !len) return -1;
  out[0] = '\0';
  for (const char *p = tpl ? tpl : ""; *p;) {
    if (strncmp(p, "{station}", 9) == 0) {
      if (put(out, len, &at, station, strlen(station))) return -1;
      p += 9;
    } else if (strncmp(p, "{connector}", 11) == 0) {
      if (put(out, len, &at, num, strlen(num))) return -1;
      p += 11;
    } else {
      if (put(out, len, &at, p, 1)) return -1;
      p++;
    }
  }
  return (int)at;
}

char *web_qr_svg(const char *text, char *err, size_t errlen) {
  if (!text || !*text) {
    snprintf(err, errlen, "nothing to encode");
    return NULL;
  }
  QRcode *q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
  if (!q) {
    snprintf(err, errlen, "cannot make a QR code: %s",
             errno == ERANGE   ? "text too long"
             : errno == ENOSYS ? "libqrencode (Debian package libqrencode4) cannot be loaded"
                               : strerror(errno));
    return NULL;
  }
  int w = q->width, size = w + 2 * QUIET;
  /* One path of 1x1 squares: "M x yh1v1h-1z" per dark module. */
  size_t cap = 400 + (size_t)w * (size_t)w * 24;
  char *svg = malloc(cap);
  if (!svg) {
    QRcode_free(q);
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  size_t at = 0;
  char buf[96];
  int n = snprintf(buf, sizeof buf,
                   "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
                   "shape-rendering=\"crispEdges\">",
                   size, size);
  put(svg, cap, &at, buf, (size_t)n);
  n = snprintf(buf, sizeof buf, "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/><path d=\"", size,
               size);
  put(svg, cap, &at, buf, (size_t)n);
  for (int y = 0; y < w; y++)
    for (int x = 0; x < w; x++)
      if (q->data[y * w + x] & 1) {
        n = snprintf(buf, sizeof buf, "M%d %dh1v1h-1z", x + QUIET, y + QUIET);
        put(svg, cap, &at, buf, (size_t)n);
      }
  static const char tail[] = "\" fill=\"#000\"/></svg>\n";
  put(svg, cap, &at, tail, sizeof tail - 1);
  QRcode_free(q);
  return svg;
}
