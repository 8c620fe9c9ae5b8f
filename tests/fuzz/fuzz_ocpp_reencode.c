/*
 * Fuzz target for the re-encoding of queued messages between OCPP versions
 * (src/ocpp/ocpp_reencode.c): any bytes as a queued payload (first byte: the
 * kind, the target words, the seqNo; the rest JSON) must give a payload the
 * target version's validator accepts or no equivalent with a reason; never a
 * crash.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ocpp/ocpp_reencode.h"
#include "ocpp16_messages.h"
#include "ocpp201_messages.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  cp_event_kind kind = (cp_event_kind)(data[0] % 6); /* one past the last: refused */
  ocpp_words to = (data[0] & 0x80) ? OCPP_WORDS_V16 : OCPP_WORDS_V201;
  json_t *in = json_loadb((const char *)data + 1, size - 1, JSON_DECODE_ANY, NULL);
  if (!in) return 0;
  static const char *const ids[] = {"1000", "", "42-18f", "-7"};
  ocpp_reencode_ctx cx = {.tx_id = ids[(data[0] >> 3) & 3],
                          .seq_no = (data[0] >> 5) & 3,
                          .connector = (data[0] >> 2) & 1};
  const char *action = NULL;
  char why[200] = "";
  json_t *out = ocpp_reencode(kind, in, to, &cx, &action, why, sizeof why);
  if (out) {
    if (!action) abort();
    /* the pumps validate a re-encoded message before sending it and drop
     * it when invalid (input the journal never holds); here it must only
     * be an object the validators can read */
    ocpp_error err;
    if (!json_is_object(out)) abort();
    if (to == OCPP_WORDS_V201)
      (void)ocpp201_validate(action, true, out, &err);
    else
      (void)ocpp16_validate(action, true, out, &err);
    json_decref(out);
  } else if (!why[0] || action) {
    abort();
  }
  json_decref(in);
  return 0;
}
