/* NotifyCustomerInformation pages (customer.h). */
#include "ocpp/v201/customer.h"

#include <string.h>

#include "util/timefmt.h"

static int add_page(json_t *pages, const char *data, size_t len, int request_id, const char *at) {
  json_t *p = json_pack("{s:s%, s:i, s:s, s:i}", "data", data, len, "seqNo",
                        (int)json_array_size(pages), "generatedAt", at, "requestId", request_id);
  return p ? json_array_append_new(pages, p) : -1;
}

/* The longest prefix of s (at most max bytes) that ends on a character boundary. */
static size_t utf8_cut(const char *s, size_t len, size_t max) {
  if (len <= max) return len;
  size_t n = max;
  while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) n--;
  return n > 0 ? n : max;
}

json_t *v201_customer_pages(const char *const *lines, size_t n, int request_id, borne_ms now) {
  char at[40];
  timefmt_iso(now, at, sizeof at);
  json_t *pages = json_array();
  if (!pages) return NULL;
  char buf[V201_CUSTOMER_DATA_MAX + 1];
  size_t used = 0;
  int rc = 0;
  for (size_t i = 0; i < n && rc == 0; i++) {
    const char *line = lines[i] ? lines[i] : "";
    size_t len = strlen(line);
    /* joined to the page when it fits with its "\n" */
    if (used > 0 && used + 1 + len <= V201_CUSTOMER_DATA_MAX) {
      buf[used++] = '\n';
      memcpy(buf + used, line, len);
      used += len;
      continue;
    }
    if (used > 0) rc = add_page(pages, buf, used, request_id, at);
    used = 0;
    /* a line longer than a page: whole pages of it, the rest starts the next */
    while (rc == 0 && len > V201_CUSTOMER_DATA_MAX) {
      size_t cut = utf8_cut(line, len, V201_CUSTOMER_DATA_MAX);
      rc = add_page(pages, line, cut, request_id, at);
      line += cut;
      len -= cut;
    }
    memcpy(buf, line, len);
    used = len;
  }
  if (rc == 0 && (used > 0 || json_array_size(pages) == 0))
    rc = add_page(pages, buf, used, request_id, at);
  if (rc != 0) {
    json_decref(pages);
    return NULL;
  }
  size_t count = json_array_size(pages);
  for (size_t i = 0; i + 1 < count; i++)
    json_object_set_new(json_array_get(pages, i), "tbc", json_true());
  return pages;
}
