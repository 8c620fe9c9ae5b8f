/*
 * The fuzz input as the body of an API request, parsed the way every
 * handler parses it (http_parse_object): shared by the fuzz targets of
 * request bodies.
 */
#ifndef BORNE_FUZZ_BODY_H
#define BORNE_FUZZ_BODY_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/http_json.h"

/* The object, or NULL with a 400 in `res`: a body that does not parse must
 * be a 400, anything else aborts. */
static inline json_t *fuzz_body_object(const uint8_t *data, size_t size, const char *path,
                                       int empty_ok, http_response *res) {
  char *body = malloc(size + 1);
  if (!body) abort();
  memcpy(body, data, size);
  body[size] = '\0';
  http_request req = {.method = "POST", .path = path, .query = "", .body = body, .body_len = size};
  json_t *o = http_parse_object(&req, res, empty_ok);
  free(body);
  if (!o && res->status != 400) abort();
  return o;
}

#endif
