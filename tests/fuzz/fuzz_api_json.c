/*
 * Fuzz target for the API's request-body handling: arbitrary bytes as the
 * body of a badge, plug or settings request must give a 2xx-shaped parse or a
 * 400 with a message, never a crash or a leak.
 */
#include <stdint.h>
#include <stdlib.h>

#include "fuzz_body.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  http_response res = {0};
  json_t *o = fuzz_body_object(data, size, "/api/v1/badges", 1, &res);
  if (o) {
    static const char *const allowed[] = {"uid", "user", "enabled", "phases", "soc_pct", NULL};
    const char *s;
    double d;
    long l;
    int b;
    http_only_members(o, allowed, &res);
    free(res.body);
    res.body = NULL;
    http_opt_string(o, "uid", 40, &s, &res);
    free(res.body);
    res.body = NULL;
    http_opt_number(o, "soc_pct", 0, 100, &d, &res);
    free(res.body);
    res.body = NULL;
    http_opt_int(o, "phases", 1, 3, &l, &res);
    free(res.body);
    res.body = NULL;
    http_opt_bool(o, "enabled", &b, &res);
    json_decref(o);
  }
  free(res.body);
  return 0;
}
