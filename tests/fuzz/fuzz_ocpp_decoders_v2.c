/*
 * Every generated OCPP 2.0.1 and 2.1 decoder on any input (the 1.6 ones are
 * fuzz_ocpp_decoders'): the first byte picks the version (bit 1) and the
 * direction (bit 0), the second the action, the rest is the JSON payload.
 * Validation, decoding, encoding back and freeing must never crash or leak,
 * and a value that decodes must encode to JSON that validates again.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <jansson.h>

#include "ocpp201_messages.h"
#include "ocpp21_messages.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2) return 0;
  bool request = data[0] & 1;
  bool v21 = data[0] & 2;
  const char *action = v21 ? ocpp21_action_name((ocpp21_action)(data[1] % OCPP21_ACTION_COUNT))
                           : ocpp201_action_name((ocpp201_action)(data[1] % OCPP201_ACTION_COUNT));
  const ocpp_schema_node *s =
      v21 ? ocpp21_schema(action, request) : ocpp201_schema(action, request);
  int (*validate)(const char *, bool, const json_t *, ocpp_error *) =
      v21 ? ocpp21_validate : ocpp201_validate;
  json_t *v = json_loadb((const char *)data + 2, size - 2, JSON_DECODE_ANY, NULL);
  if (!v) return 0;
  ocpp_error err;
  int valid = validate(action, request, v, &err);
  if (!s) { /* the response of a 2.1 SEND: there is none, and it says so */
    if (valid == 0 || err.kind != OCPP_ERR_NOT_IMPLEMENTED) abort();
    json_decref(v);
    return 0;
  }
  void *buf = calloc(1, s->size);
  if (buf && ocpp_schema_decode(s, v, buf, &err) == 0) {
    if (valid != 0) abort(); /* decode validates exactly as validate does */
    json_t *back = ocpp_schema_encode(s, buf);
    if (!back || validate(action, request, back, &err) != 0) abort();
    json_decref(back);
    ocpp_schema_free(s, buf);
  }
  free(buf);
  json_decref(v);
  return 0;
}
