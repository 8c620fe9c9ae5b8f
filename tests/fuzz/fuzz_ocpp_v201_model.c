/*
 * The OCPP 2.0.1 encoding of the charge-point model (src/ocpp/v201/model.c)
 * on any input. The JSON of the input is read as an idTokenInfo (the CSMS's
 * answer to Authorize and TransactionEvent): v201_token_info must never crash
 * and must understand every one the schema accepts. The first bytes pick a
 * transaction event (kind, charging state, stop reason, seqNo, offline) whose
 * id token is the input's text: what v201_transaction_event builds must
 * always pass the 2.0.1 schema.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ocpp/v201/model.h"
#include "ocpp201_messages.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 4) return 0;
  json_t *v = json_loadb((const char *)data + 4, size - 4, JSON_DECODE_ANY, NULL);
  if (v) {
    cp_token_info info;
    bool known = v201_token_info(v, &info);
    json_t *answer = json_pack("{s:O}", "idTokenInfo", v);
    ocpp_error err;
    if (answer && ocpp201_validate("Authorize", false, answer, &err) == 0 && !known) abort();
    if (known && strlen(info.group) > CP_ID_MAX) abort();
    json_decref(answer);
    json_decref(v);
  }
  char token[64];
  size_t n = size - 4 < sizeof token - 1 ? size - 4 : sizeof token - 1;
  memcpy(token, data + 4, n);
  token[n] = 0;
  if (strlen(token) != n) token[0] = 0; /* a NUL inside: no token */
  char tx[CP_TX_ID_MAX + 1];
  v201_tx_id((int64_t)data[1] << 40, (borne_ms)data[2] * 1000003, tx);
  v201_tx_event e = {.kind = (cp_event_kind)(data[0] % 3),
                     .trigger_reason = v201_stop_trigger((stop_reason)(data[1] % (STOP_OTHER + 1))),
                     .seq_no = data[2],
                     .offline = data[3] & 1,
                     .at = 1796518800000LL,
                     .tx_id = tx,
                     .status = (connector_status)(data[3] % (STATUS_FAULTED + 1)),
                     .stopped = (stop_reason)(data[1] % (STOP_OTHER + 1)),
                     .remote_start_id = data[3] & 2 ? data[2] : 0,
                     .evse = data[3] >> 4,
                     .id_token = token,
                     .central_token = data[3] & 4};
  json_t *p = v201_transaction_event(&e);
  ocpp_error err;
  /* a token of bytes that are not UTF-8 is not JSON text: no idToken then */
  if (p && ocpp201_validate("TransactionEvent", true, p, &err) != 0) abort();
  json_decref(p);
  return 0;
}
