/*
 * Fuzz target for the API's request-body handling: arbitrary bytes as the
 * body of a badge, plug or settings request must give a 2xx-shaped parse or a
 * 400 with a message, never a crash or a leak.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "app/api_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *body = malloc(size + 1);
  if (!body) return 0;
  memcpy(body, data, size);
  body[size] = '\0';
  http_request req = {
      .method = "POST", .path = "/api/v1/badges", .query = "", .body = body, .body_len = size};
  http_response res = {0};
  json_t *o = api_parse_object(&req, &res, 1);
  if (o) {
    static const char *const allowed[] = {"uid", "user", "enabled", "phases", "soc_pct", NULL};
    const char *s;
    double d;
    long l;
    int b;
    api_only_members(o, allowed, &res);
    free(res.body);
    res.body = NULL;
    api_opt_string(o, "uid", 40, &s, &res);
    free(res.body);
    res.body = NULL;
    api_opt_number(o, "soc_pct", 0, 100, &d, &res);
    free(res.body);
    res.body = NULL;
    api_opt_int(o, "phases", 1, 3, &l, &res);
    free(res.body);
    res.body = NULL;
    api_opt_bool(o, "enabled", &b, &res);
    json_decref(o);
  } else if (res.status != 400) {
    abort(); /* a body that does not parse must be a 400 */
  }
  free(res.body);
  free(body);
  return 0;
}
