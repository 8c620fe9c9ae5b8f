/*
 * What the 2.0.1 dialect says about a customer and a fault from text it does
 * not control (src/ocpp/v201/customer.c, problem.c). The input's lines are
 * what CustomerInformation reports (an idToken from the CSMS, dates,
 * numbers): when they are valid UTF-8 v201_customer_pages must page them,
 * every page must pass the 2.0.1 schema and the pages must give the lines
 * back. The first bytes pick a fault (error code, EVSE, cleared, ids) and the
 * input's text is the transactionId: its NotifyEvent must pass the schema.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ocpp/v201/customer.h"
#include "ocpp/v201/problem.h"
#include "ocpp201_messages.h"
#include "core/errors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_LINES 300
#define T0 1796500000000LL

static void check_pages(char *text, size_t size) {
  char *lines[MAX_LINES];
  size_t n = 0;
  bool utf8 = true;
  for (char *p = text; n < MAX_LINES;) {
    char *nl = memchr(p, '\n', size - (size_t)(p - text));
    if (nl) *nl = '\0';
    lines[n++] = p;
    json_t *s = json_string(p); /* NULL: not valid UTF-8 */
    if (!s) utf8 = false;
    json_decref(s);
    if (!nl) break;
    p = nl + 1;
  }
  json_t *pages = v201_customer_pages((const char *const *)lines, n, 5, T0);
  if (utf8 && !pages) abort();
  size_t i;
  json_t *page;
  json_array_foreach(pages, i, page) {
    ocpp_error err;
    if (ocpp201_validate("NotifyCustomerInformation", true, page, &err) != 0) abort();
    if (json_integer_value(json_object_get(page, "seqNo")) != (json_int_t)i) abort();
  }
  json_decref(pages);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 4 || size > 65536) return 0;
  int count;
  const error_info *table = error_table(&count);
  char tx[37];
  size_t n = size - 4 < sizeof tx - 1 ? size - 4 : sizeof tx - 1;
  memcpy(tx, data + 4, n);
  tx[n] = '\0';
  json_t *ok = json_string(tx);
  v201_problem p = {.evse = 1 + data[1] % 8,
                    .code = data[0] % (count + 1) == (unsigned)count ? ERR_NONE
                                                                     : table[data[0] % count].code,
                    .cleared = data[2] & 1,
                    .event_id = data[3],
                    .cause = data[2] >> 1,
                    .tx_id = ok && strlen(tx) == n ? tx : NULL};
  json_decref(ok);
  json_t *ev = v201_problem_event(&p, T0);
  ocpp_error err;
  if (!ev || ocpp201_validate("NotifyEvent", true, ev, &err) != 0) abort();
  json_decref(ev);

  char *text = malloc(size - 4 + 1);
  if (!text) return 0;
  memcpy(text, data + 4, size - 4);
  text[size - 4] = '\0';
  if (strlen(text) == size - 4) check_pages(text, size - 4); /* a NUL inside: not text */
  free(text);
  return 0;
}
