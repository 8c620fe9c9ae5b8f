/*
 * Request/response JSON plumbing for the API handlers. Every error it
 * produces names the member and says what was expected; it never trusts a
 * type it has not checked.
 */
#include "http/http_json.h"

#include "util/timefmt.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

json_t *json_time(borne_ms t) {
  if (t == 0) return json_null();
  char buf[40];
  timefmt_iso(t, buf, sizeof buf);
  return json_string(buf);
}

void http_json_body(http_response *res, json_t *o) {
  res->body = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(10));
  res->body_len = 0;
  res->content_type = "application/json";
  json_decref(o);
}

json_t *http_parse_object(const http_request *req, http_response *res, int empty_ok) {
  if (req->body_len == 0) {
    if (empty_ok) return json_object();
    http_json_error(res, 400, "a JSON object is required in the request body");
    return NULL;
  }
  json_error_t e;
  json_t *o = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &e);
  if (!o) {
    http_json_error(res, 400, "malformed JSON at line %d column %d: %s", e.line, e.column, e.text);
    return NULL;
  }
  if (!json_is_object(o)) {
    json_decref(o);
    http_json_error(res, 400, "the request body must be a JSON object");
    return NULL;
  }
  return o;
}

int http_opt_number(json_t *o, const char *name, double min, double max, double *out,
                    http_response *res) {
  json_t *v = json_object_get(o, name);
  if (!v) return 0;
  if (!json_is_number(v)) {
    http_json_error(res, 400, "%s: must be a number", name);
    return -1;
  }
  double d = json_number_value(v);
  if (!isfinite(d) || d < min || d > max) {
    http_json_error(res, 400, "%s: %g is out of range (%g to %g)", name, d, min, max);
    return -1;
  }
  *out = d;
  return 1;
}

int http_opt_int(json_t *o, const char *name, long min, long max, long *out, http_response *res) {
  json_t *v = json_object_get(o, name);
  if (!v) return 0;
  if (!json_is_integer(v)) {
    http_json_error(res, 400, "%s: must be an integer", name);
    return -1;
  }
  json_int_t i = json_integer_value(v);
  if (i < min || i > max) {
    http_json_error(res, 400, "%s: %lld is out of range (%ld to %ld)", name, (long long)i, min,
                    max);
    return -1;
  }
  *out = (long)i;
  return 1;
}

int http_opt_bool(json_t *o, const char *name, int *out, http_response *res) {
  json_t *v = json_object_get(o, name);
  if (!v) return 0;
  if (!json_is_boolean(v)) {
    http_json_error(res, 400, "%s: must be true or false", name);
    return -1;
  }
  *out = json_is_true(v);
  return 1;
}

int http_opt_string(json_t *o, const char *name, size_t maxlen, const char **out,
                    http_response *res) {
  json_t *v = json_object_get(o, name);
  if (!v) return 0;
  if (!json_is_string(v)) {
    http_json_error(res, 400, "%s: must be a string", name);
    return -1;
  }
  if (json_string_length(v) > maxlen) {
    http_json_error(res, 400, "%s: longer than %zu characters", name, maxlen);
    return -1;
  }
  *out = json_string_value(v);
  return 1;
}

int http_only_members(json_t *o, const char *const *allowed, http_response *res) {
  const char *key;
  json_t *v;
  json_object_foreach(o, key, v) {
    int ok = 0;
    for (const char *const *a = allowed; *a; a++)
      if (strcmp(*a, key) == 0) ok = 1;
    if (!ok) {
      http_json_error(res, 400, "unknown member `%s`", key);
      return -1;
    }
  }
  return 0;
}

int http_connector_param(const http_request *req, int idx, int count, http_response *res) {
  const char *p = idx < req->param_count ? req->params[idx] : "";
  char *end;
  errno = 0;
  long c = strtol(p, &end, 10);
  if (errno || end == p || *end || c < 1 || c > count) {
    http_json_error(res, 404, "no connector `%s` (this station has connectors 1 to %d)", p, count);
    return -1;
  }
  return (int)c;
}
