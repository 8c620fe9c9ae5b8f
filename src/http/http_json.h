/*
 * JSON helpers shared by the API handlers: parsing request bodies with
 * errors that name the problem, typed field access, ISO-8601 times.
 */
#ifndef BORNE_APP_API_JSON_H
#define BORNE_APP_API_JSON_H

#include <jansson.h>
#include <stddef.h>

#include "http/http.h"
#include "core/types.h"

/* ISO-8601 UTC with milliseconds (util/timefmt.h), e.g. "2026-11-22T10:00:00.123Z"; null for 0. */
json_t *json_time(borne_ms t);

/* Serialize `o` (reference stolen) as the response body. */
void http_json_body(http_response *res, json_t *o);

/* Parse the body as a JSON object. An empty body gives an empty object when
 * `empty_ok`. On error fills `res` with 400 and returns NULL. */
json_t *http_parse_object(const http_request *req, http_response *res, int empty_ok);

/* Optional typed members: return 0 when absent (value untouched), 1 when read,
 * -1 (and a 400 in `res`) when present with the wrong type or out of range. */
int http_opt_number(json_t *o, const char *name, double min, double max, double *out,
                    http_response *res);
int http_opt_int(json_t *o, const char *name, long min, long max, long *out, http_response *res);
int http_opt_bool(json_t *o, const char *name, int *out, http_response *res);
int http_opt_string(json_t *o, const char *name, size_t maxlen, const char **out,
                    http_response *res);
/* Reject members not in the NULL-terminated `allowed` list. */
int http_only_members(json_t *o, const char *const *allowed, http_response *res);

/* Path parameter as a connector number in 1..count; 404 when not. */
int http_connector_param(const http_request *req, int idx, int count, http_response *res);

#endif
