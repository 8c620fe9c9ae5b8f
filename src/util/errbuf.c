/*
 * The one place that formats an error message into a caller's
 * `char *err, size_t errlen` (see errbuf.h).
 */
#include "util/errbuf.h"

#include <stdio.h>

void errbuf_vsetf(char *err, size_t errlen, const char *fmt, va_list ap) {
  if (!err || errlen == 0) return;
  vsnprintf(err, errlen, fmt, ap);
}

void errbuf_setf(char *err, size_t errlen, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  errbuf_vsetf(err, errlen, fmt, ap);
  va_end(ap);
}

int errbuf_fail(char *err, size_t errlen, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  errbuf_vsetf(err, errlen, fmt, ap);
  va_end(ap);
  return -1;
}
