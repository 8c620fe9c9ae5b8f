/*
 * Every generated OCPP 1.6 decoder on any input: the first byte picks the
 * action and the direction, the rest is the JSON payload. Validation,
 * decoding, encoding back and freeing must never crash or leak, and a value
 * that decodes must encode to JSON that validates again.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <jansson.h>

#include "ocpp16_messages.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  const char *action = ocpp16_action_name((ocpp16_action)((data[0] >> 1) % OCPP16_ACTION_COUNT));
  bool request = data[0] & 1;
  json_t *v = json_loadb((const char *)data + 1, size - 1, JSON_DECODE_ANY, NULL);
  if (!v) return 0;
  const ocpp_schema_node *s = ocpp16_schema(action, request);
  ocpp_error err;
  (void)ocpp16_validate(action, request, v, &err);
  void *buf = calloc(1, s->size);
  if (buf && ocpp_schema_decode(s, v, buf, &err) == 0) {
    json_t *back = ocpp_schema_encode(s, buf);
    if (!back || ocpp16_validate(action, request, back, &err) != 0) abort();
    json_decref(back);
    ocpp_schema_free(s, buf);
  }
  free(buf);
  json_decref(v);
  return 0;
}
