/* text/event-stream framing (see sse.h). Pure. */
#include "webpage/sse.h"

#include <stdio.h>
#include <string.h>

static int put(char *out, size_t len, size_t *at, const char *s, size_t n) {
  if (*at + n + 1 > len) return -1;
  memcpy(out + *at, s, n);
  *at += n;
  out[*at] = '\0';
  return 0;
}

int web_sse_format(char *out, size_t len, int64_t id, const char *type, const char *data) {
  size_t at = 0;
  char head[96];
  if (!out || len == 0) return -1;
  out[0] = '\0';
  if (id > 0) {
    int n = snprintf(head, sizeof head, "id: %lld\n", (long long)id);
    if (put(out, len, &at, head, (size_t)n)) return -1;
  }
  if (type) {
    size_t tn = strcspn(type, "\r\n");
    if (put(out, len, &at, "event: ", 7) || put(out, len, &at, type, tn) ||
        put(out, len, &at, "\n", 1))
      return -1;
  }
  const char *p = data ? data : "";
  for (;;) {
    size_t n = strcspn(p, "\r\n");
    if (put(out, len, &at, "data: ", 6) || put(out, len, &at, p, n) || put(out, len, &at, "\n", 1))
      return -1;
    p += n;
    if (!*p) break;
    if (p[0] == '\r' && p[1] == '\n') p++;
    p++;
  }
  if (put(out, len, &at, "\n", 1)) return -1;
  return (int)at;
}

int64_t web_sse_last_id(const char *header) {
  if (!header || !*header) return -1;
  int64_t v = 0;
  int digits = 0;
  for (const char *p = header; *p; p++) {
    if (*p < '0' || *p > '9' || ++digits > 18) return -1;
    v = v * 10 + (*p - '0');
  }
  return v;
}
