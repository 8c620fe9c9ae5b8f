/*
 * Fuzz target for the OCPP-J frame parser and dispatch (ocpp_rpc_receive):
 * the first byte sets the scene (how many station calls are queued, how the
 * handler answers, whether the transport refuses frames, the dialect: 1.6,
 * 2.0.1, 2.1 with its CALLRESULTERROR and SEND frames, or two outstanding
 * calls), the rest is split
 * at newlines into frames from the back end, with clock ticks in between.
 * The station's message ids are "00000000-1", "00000000-2"... (id_seed 0) so
 * the seeds can answer them.
 *
 * Checked, besides no crash / leak / hang: every frame the engine sends is
 * JSON [2|3|4, "id" of at most 36 characters, ...] with the arity of its
 * type (and 5, CALLRESULTERROR, only in 2.1); a CALLERROR or CALLRESULTERROR
 * carries a code; nothing ever answers a SEND; every station call is reported exactly
 * once (after fail_all at the latest); the handler only sees CALLs whose
 * payload passed the schema.
 */
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ocpp/ocpp_rpc.h"
#include "util/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_CALLS 4

typedef struct {
  int answered[MAX_CALLS];
  uint8_t mode;
  int refuse;
} scene;

static scene S;
static bool v21;     /* the dialect of this run has CALLRESULTERROR and SEND */
static bool in_send; /* a SEND (2.1) is being received: nothing may answer it */

static int fz_send(void *ctx, const char *text, size_t len) {
  (void)ctx;
  if (S.refuse > 0) {
    S.refuse--;
    return -1;
  }
  json_t *j = json_loadb(text, len, 0, NULL);
  if (!json_is_array(j)) abort();
  json_int_t type = json_integer_value(json_array_get(j, 0));
  const char *id = json_string_value(json_array_get(j, 1));
  if (!id || strlen(id) > 36) abort();
  size_t want = type == 2 ? 4 : type == 3 ? 3 : type == 4 || (v21 && type == 5) ? 5 : 0;
  if (json_array_size(j) != want) abort();
  if (in_send && type >= 3) abort(); /* a SEND gets no answer, not even an error */
  if ((type == 4 || type == 5) &&
      (!json_string_value(json_array_get(j, 2)) || !json_string_value(json_array_get(j, 2))[0] ||
       !json_is_string(json_array_get(j, 3)) || !json_is_object(json_array_get(j, 4))))
    abort();
  if (type == 3 && !json_is_object(json_array_get(j, 2))) abort();
  json_decref(j);
  return 0;
}

static int fz_validate(const char *action, bool request, const json_t *payload, ocpp_error *err) {
  (void)request;
  if (!action || !json_is_object(payload)) abort();
  static const char *const known[] = {"Heartbeat", "Reset", "DataTransfer", "BootNotification"};
  bool found = false;
  for (size_t i = 0; i < sizeof known / sizeof *known; i++)
    if (strcmp(action, known[i]) == 0) found = true;
  if (!found) {
    err->kind = OCPP_ERR_NOT_IMPLEMENTED;
    snprintf(err->code, sizeof err->code, "NotImplemented");
    snprintf(err->text, sizeof err->text, "unknown action");
    return -1;
  }
  if (json_object_get(payload, "bad")) {
    err->kind = OCPP_ERR_TYPE_CONSTRAINT;
    snprintf(err->code, sizeof err->code, "TypeConstraintViolation");
    snprintf(err->text, sizeof err->text, "bad: wrong type");
    return -1;
  }
  return 0;
}

static void fz_call(void *ctx, const char *action, const json_t *payload, ocpp_reply *reply) {
  (void)ctx;
  if (json_object_get(payload, "bad")) abort(); /* must have been refused */
  switch (S.mode >> 4 & 3) {
  case 0:
    reply->result = json_pack("{s:s}", "status", "Accepted");
    break;
  case 1:
    reply->error_code = "NotSupported";
    snprintf(reply->error_text, sizeof reply->error_text, "%s", action);
    break;
  case 2:
    break; /* no reply: the engine must answer InternalError */
  default:
    reply->result = json_pack("{s:b}", "bad", 1);
    break; /* fails the schema */
  }
}

static void fz_replied(void *ctx, const char *action) {
  (void)ctx;
  if (!action) abort();
}

static void fz_answer(void *ctx, const json_t *result, const char *code, const char *text) {
  intptr_t k = (intptr_t)ctx;
  if (k < 0 || k >= MAX_CALLS) abort();
  if (S.answered[k]++) abort();  /* reported twice */
  if (!code == !result) abort(); /* exactly one of result and code */
  if (code && !text) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  log_set_level(LOG_ERROR); /* the warnings for every bad frame would drown the fuzzer */
  memset(&S, 0, sizeof S);
  S.mode = data[0];
  S.refuse = (S.mode & 0x40) ? 1 : 0;
  /* bit 2: the 2.0.1 spellings; bit 3: two station calls outstanding at once;
   * both: 2.1 */
  ocpp_dialect two = ocpp16_dialect;
  two.max_outstanding_calls = 2;
  const ocpp_dialect *dialect = (S.mode & 0x0C) == 0x0C ? &ocpp21_dialect
                                : (S.mode & 0x08)       ? &two
                                : (S.mode & 0x04)       ? &ocpp201_dialect
                                                        : &ocpp16_dialect;
  v21 = dialect->send_frames;
  ocpp_rpc_config cfg = {.send = fz_send,
                         .call = fz_call,
                         .replied = fz_replied,
                         .validate = fz_validate,
                         .dialect = dialect,
                         .call_timeout_ms = 1000,
                         .id_seed = 0};
  ocpp_rpc *r = ocpp_rpc_new(&cfg);
  if (!r) abort();
  int64_t now = 0;
  int calls = S.mode & 3;
  static const char *const actions[] = {"Heartbeat", "BootNotification", "DataTransfer"};
  for (int k = 0; k < calls; k++) {
    ocpp_error err;
    if (ocpp_rpc_call(r, actions[k % 3], json_object(), fz_answer, (void *)(intptr_t)k, now,
                      &err) != 0)
      abort();
  }
  const char *p = (const char *)data + 1, *end = (const char *)data + size;
  for (bool last = false; !last;) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *stop = nl ? nl : end;
    last = !nl;
    json_t *f = v21 ? json_loadb(p, (size_t)(stop - p), 0, NULL) : NULL;
    in_send = json_integer_value(json_array_get(f, 0)) == 6 && json_is_array(f);
    json_decref(f);
    ocpp_rpc_receive(r, p, (size_t)(stop - p), now);
    in_send = false;
    /* every other frame, time passes: some calls time out */
    now += (S.mode & 0x80) ? 600 : 1;
    ocpp_rpc_tick(r, now);
    if (ocpp_rpc_next_deadline(r) < now) abort();
    if (!last) p = stop + 1;
  }
  if (ocpp_rpc_pending(r) > (size_t)calls) abort();
  ocpp_rpc_fail_all(r, "Disconnected", "end of input");
  if (ocpp_rpc_pending(r) != 0) abort();
  for (int k = 0; k < calls; k++)
    if (S.answered[k] != 1) abort();
  ocpp_rpc_free(r);
  return 0;
}
