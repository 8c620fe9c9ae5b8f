/*
 * The OCPP-J frame parser and dispatcher (ocpp_rpc_receive) on any input,
 * with the generated OCPP 1.6 validator, a handler that answers every CALL
 * and one station call outstanding so CALLRESULT/CALLERROR frames are
 * matched too. Nothing may crash, leak, or answer a CALL twice.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <jansson.h>

#include "ocpp/ocpp_rpc.h"
#include "ocpp16_messages.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int sent;

static int on_send(void *ctx, const char *text, size_t len) {
  (void)ctx, (void)text, (void)len;
  sent++;
  return 0;
}

static void on_call(void *ctx, const char *action, const json_t *payload, ocpp_reply *reply) {
  (void)ctx, (void)action, (void)payload;
  reply->result = json_object(); /* may fail the response schema: an InternalError then */
}

static void on_answer(void *ctx, const json_t *result, const char *code, const char *text) {
  (void)ctx, (void)result, (void)code, (void)text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  ocpp_rpc_config cfg = {.send = on_send,
                         .call = on_call,
                         .validate = ocpp16_validate,
                         .call_timeout_ms = 30000,
                         .id_seed = 1};
  ocpp_rpc *r = ocpp_rpc_new(&cfg);
  ocpp_error err;
  ocpp_rpc_call(r, "Heartbeat", json_object(), on_answer, NULL, 0, &err);
  sent = 0;
  ocpp_rpc_receive(r, (const char *)data, size, 1);
  if (sent > 2) abort(); /* at most one answer, plus the next queued call */
  ocpp_rpc_fail_all(r, "Disconnected", "end");
  ocpp_rpc_free(r);
  return 0;
}
