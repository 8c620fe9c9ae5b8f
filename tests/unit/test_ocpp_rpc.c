/*
 * The OCPP-J RPC engine (src/ocpp/ocpp_rpc.[ch]) on a virtual clock, with a
 * fake transport that records every frame and a fake schema check that
 * rejects chosen payloads:
 *   - message ids unique (and at most 36 characters, OCPP-J 1.6 4.1.1);
 *   - at most one outstanding station CALL (OCPP-J 1.6 4.1.1), the next one
 *     going out after the answer, a timeout or a refused send;
 *   - per-call timeout ("Timeout") and next_deadline;
 *   - CALLRESULT / CALLERROR matched by message id, unknown ids ignored;
 *   - incoming CALLs answered while a station CALL is outstanding;
 *   - bad frames get the CALLERROR of OCPP-J 1.6 4.2.3 (FormationViolation
 *     for anything not [2|3|4, "id", ...] of the right shape, ProtocolError
 *     for a CALL without its payload, NotImplemented for an unknown action, the schema's code for a
 * bad payload) and never reach the handler;
 *   - answers that fail the schema are not trusted ("InvalidResponse");
 *   - fail_all reports every call exactly once; `replied` follows the answer;
 *   - a deferred answer (ocpp_reply_defer) goes out when given, once, or
 *     its fallback at its deadline; the connection's loss drops it;
 *   - the version's differences are data (ocpp_version.h): given the 2.0.1
 *     dialect the same engine answers bad frames and payloads with the 2.0.1
 *     spellings (FormatViolation, OccurrenceConstraintViolation,
 *     MessageTypeNotSupported, RpcFrameworkError), and a dialect allowing two
 *     outstanding calls gets two on the wire, answered in any order.
 */
/* cmocka.h needs these first */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ocpp/ocpp_rpc.h"
#include "util/log.h"

#define TIMEOUT_MS 30000
#define MAX_FRAMES 256
#define MAX_ANSWERS 256

/* ---- fakes ---- */

typedef struct {
  char action[64];
  char code[40]; /* "" when a result came */
  char text[200];
  json_t *result; /* a copy */
  int tag;
} answer;

typedef struct {
  json_t *frames[MAX_FRAMES]; /* every frame sent, parsed */
  int nframes;
  char last_text[4096]; /* the last frame sent, as sent */
  int refuse_send;      /* the next sends fail */
  /* handler */
  int ncalls;
  char last_action[64];
  json_t *last_payload;
  const char *reply_code; /* the handler answers this error when set */
  bool reply_nothing;     /* the handler leaves the reply empty */
  bool reply_bad;         /* the handler answers {"bad":true} */
  bool reply_none;        /* the handler asks for no answer at all (no_answer) */
  const char *defer_key;  /* the handler defers its answer under this key */
  int64_t defer_ms;       /* ... with a fallback {"status":"Rejected"} after this */
  int defer_rc;           /* what ocpp_reply_defer returned */
  /* replied */
  int nreplied;
  char replied_action[64];
  int frames_at_replied;
  /* answers to station calls */
  answer answers[MAX_ANSWERS];
  int nanswers;
  ocpp_rpc *rpc; /* for callbacks that queue a call */
  /* invalid_message */
  int ninvalid;
  char invalid_code[64];
} fake;

static fake F;

static void fake_invalid(void *ctx, const char *code, const char *text) {
  fake *f = ctx;
  assert_non_null(text);
  f->ninvalid++;
  snprintf(f->invalid_code, sizeof f->invalid_code, "%s", code ? code : "");
}

static int fake_send(void *ctx, const char *text, size_t len) {
  fake *f = ctx;
  if (f->refuse_send > 0) {
    f->refuse_send--;
    return -1;
  }
  assert_int_equal(strlen(text), len); /* NUL-terminated, len without it */
  snprintf(f->last_text, sizeof f->last_text, "%.*s", (int)len, text);
  json_error_t e;
  json_t *j = json_loadb(text, len, 0, &e);
  if (!j) fail_msg("the engine sent something that is not JSON: %.*s", (int)len, text);
  assert_true(f->nframes < MAX_FRAMES);
  f->frames[f->nframes++] = j;
  return 0;
}

static void fake_call(void *ctx, const char *action, const json_t *payload, ocpp_reply *reply) {
  fake *f = ctx;
  f->ncalls++;
  snprintf(f->last_action, sizeof f->last_action, "%s", action);
  json_decref(f->last_payload);
  f->last_payload = json_deep_copy(payload);
  if (f->reply_nothing) return;
  if (f->reply_none) {
    reply->result = json_object(); /* dropped by the engine too */
    reply->no_answer = true;
    return;
  }
  if (f->reply_code) {
    reply->error_code = f->reply_code;
    snprintf(reply->error_text, sizeof reply->error_text, "refused by the test");
    return;
  }
  if (f->reply_bad) {
    reply->result = json_pack("{s:b}", "bad", 1);
    return;
  }
  if (f->defer_key) {
    f->defer_rc = ocpp_reply_defer(reply, f->defer_key, f->defer_ms,
                                   json_pack("{s:s}", "status", "Rejected"));
    if (f->defer_rc == 0) return;
  }
  reply->result = json_pack("{s:s}", "status", "Accepted");
}

static void fake_replied(void *ctx, const char *action) {
  fake *f = ctx;
  f->nreplied++;
  snprintf(f->replied_action, sizeof f->replied_action, "%s", action);
  f->frames_at_replied = f->nframes;
}

/* The fake schema: the actions it knows are Heartbeat, BootNotification,
 * Reset and DataTransfer. A payload with "bad" is a TypeConstraintViolation,
 * one with "missing" an OccurenceConstraintViolation, one with "range" a
 * PropertyConstraintViolation, one with "incomplete" a ProtocolError. */
static int fake_validate(const char *action, bool request, const json_t *payload, ocpp_error *err) {
  (void)request;
  static const char *const known[] = {"Heartbeat", "BootNotification", "Reset", "DataTransfer"};
  bool found = false;
  for (size_t i = 0; i < sizeof known / sizeof *known; i++)
    if (strcmp(action, known[i]) == 0) found = true;
  if (!found) {
    err->kind = OCPP_ERR_NOT_IMPLEMENTED;
    snprintf(err->code, sizeof err->code, "NotImplemented");
    snprintf(err->text, sizeof err->text, "unknown action %s", action);
    return -1;
  }
  static const struct {
    const char *field, *code;
    ocpp_error_kind kind;
  } bad[] = {{"bad", "TypeConstraintViolation", OCPP_ERR_TYPE_CONSTRAINT},
             {"missing", "OccurenceConstraintViolation", OCPP_ERR_OCCURRENCE_CONSTRAINT},
             {"range", "PropertyConstraintViolation", OCPP_ERR_PROPERTY_CONSTRAINT},
             {"incomplete", "ProtocolError", OCPP_ERR_PROTOCOL}};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    if (json_object_get(payload, bad[i].field)) {
      err->kind = bad[i].kind;
      snprintf(err->code, sizeof err->code, "%s", bad[i].code);
      snprintf(err->text, sizeof err->text, "%s: rejected by the test schema", bad[i].field);
      return -1;
    }
  return 0;
}

static void on_answer(void *ctx, const json_t *result, const char *code, const char *text) {
  int tag = (int)(intptr_t)ctx;
  assert_true(F.nanswers < MAX_ANSWERS);
  answer *a = &F.answers[F.nanswers++];
  a->tag = tag;
  snprintf(a->code, sizeof a->code, "%s", code ? code : "");
  snprintf(a->text, sizeof a->text, "%s", text ? text : "");
  if (code)
    assert_null(result);
  else
    assert_non_null(result);
  a->result = result ? json_deep_copy(result) : NULL;
}

static ocpp_rpc *make_as(uint32_t seed, const ocpp_dialect *dialect) {
  ocpp_rpc_config cfg = {.ctx = &F,
                         .send = fake_send,
                         .call = fake_call,
                         .replied = fake_replied,
                         .validate = fake_validate,
                         .invalid_message = fake_invalid,
                         .dialect = dialect,
                         .call_timeout_ms = TIMEOUT_MS,
                         .id_seed = seed};
  ocpp_rpc *r = ocpp_rpc_new(&cfg);
  assert_non_null(r);
  F.rpc = r;
  return r;
}

static ocpp_rpc *make(uint32_t seed) { return make_as(seed, &ocpp16_dialect); }

static int setup(void **state) {
  (void)state;
  log_set_level(LOG_ERROR); /* every bad frame is logged as a warning */
  memset(&F, 0, sizeof F);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  for (int i = 0; i < F.nframes; i++) json_decref(F.frames[i]);
  for (int i = 0; i < F.nanswers; i++) json_decref(F.answers[i].result);
  json_decref(F.last_payload);
  if (F.rpc) ocpp_rpc_free(F.rpc);
  memset(&F, 0, sizeof F);
  return 0;
}

/* ---- helpers ---- */

static const json_t *frame(int i) {
  assert_true(i >= 0 && i < F.nframes);
  return F.frames[i];
}
static int ftype(int i) { return (int)json_integer_value(json_array_get(frame(i), 0)); }
static const char *fid(int i) { return json_string_value(json_array_get(frame(i), 1)); }
static const char *fstr(int i, size_t k) { return json_string_value(json_array_get(frame(i), k)); }

static int call(ocpp_rpc *r, const char *action, json_t *payload, int tag, int64_t now) {
  ocpp_error err = {.kind = OCPP_ERR_NONE};
  return ocpp_rpc_call(r, action, payload, on_answer, (void *)(intptr_t)tag, now, &err);
}

static void recv_text(ocpp_rpc *r, const char *text, int64_t now) {
  ocpp_rpc_receive(r, text, strlen(text), now);
}

/* Answers the station CALL in frame i with a CALLRESULT of `payload`. */
static void answer_ok(ocpp_rpc *r, int i, const char *payload, int64_t now) {
  char buf[512];
  snprintf(buf, sizeof buf, "[3,\"%s\",%s]", fid(i), payload);
  recv_text(r, buf, now);
}

/* The last frame is a CALLERROR with this id and code, with a description
 * string and a details object (OCPP-J 1.6 4.2.3: five elements). */
static void assert_callerror(int i, const char *id, const char *code) {
  const json_t *f = frame(i);
  assert_int_equal(json_array_size(f), 5);
  assert_int_equal(ftype(i), 4);
  assert_string_equal(fid(i), id);
  assert_string_equal(fstr(i, 2), code);
  assert_true(json_is_string(json_array_get(f, 3)));
  assert_true(json_is_object(json_array_get(f, 4)));
}

/* ---- station calls ---- */

static void test_call_frame_shape(void **state) {
  (void)state;
  ocpp_rpc *r = make(0x1234abcd);
  assert_int_equal(call(r, "Heartbeat", json_object(), 1, 0), 0);
  assert_int_equal(F.nframes, 1);
  const json_t *f = frame(0);
  assert_int_equal(json_array_size(f), 4);
  assert_int_equal(ftype(0), 2);
  assert_string_equal(fstr(0, 2), "Heartbeat");
  assert_true(json_is_object(json_array_get(f, 3)));
  assert_int_equal(ocpp_rpc_pending(r), 1);
}

/* A call with its payload's text (a queued message's, ocpp_rpc_call_text): the frame carries
 * that text as it is, byte for byte what the payload written again would give; the payload is
 * still checked against the schema (the text refused with it, freed: ASan). */
static void test_call_with_text(void **state) {
  (void)state;
  ocpp_rpc *r = make(0x1234abcd);
  json_t *p = json_pack("{s:s, s:{s:s, s:f, s:[i, i]}, s:b}", "vendorId", "borne", "data", "k",
                        "v\"é\n", "x", 0.1, "a", 1, 2, "t", 1);
  char *text = json_dumps(p, JSON_COMPACT);
  char *again = json_dumps(p, JSON_COMPACT);
  json_t *same = json_deep_copy(p);
  ocpp_error err = {.kind = OCPP_ERR_NONE};
  assert_int_equal(ocpp_rpc_call_text(r, "DataTransfer", p, text, on_answer, NULL, 0, &err), 0);
  assert_int_equal(F.nframes, 1);
  char want[1024];
  snprintf(want, sizeof want, "[2,\"%s\",\"DataTransfer\",%s]", fid(0), again);
  assert_string_equal(F.last_text, want);
  /* the same frame as the call without the text */
  answer_ok(r, 0, "{\"status\":\"Accepted\"}", 1);
  assert_int_equal(call(r, "DataTransfer", same, 2, 1), 0);
  snprintf(want, sizeof want, "[2,\"%s\",\"DataTransfer\",%s]", fid(1), again);
  assert_string_equal(F.last_text, want);
  free(again);
  /* refused by the schema: nothing sent */
  assert_int_equal(ocpp_rpc_call_text(r, "Heartbeat", json_pack("{s:i}", "bad", 1),
                                      strdup("{\"bad\":1}"), on_answer, NULL, 0, &err),
                   -1);
  assert_int_equal(ocpp_rpc_call_text(r, "Heartbeat", NULL, strdup("{}"), on_answer, NULL, 0, &err),
                   -1);
  assert_int_equal(F.nframes, 2);
}

static void test_ids_unique(void **state) {
  (void)state;
  ocpp_rpc *r = make(7);
  for (int i = 0; i < 200; i++) {
    assert_int_equal(call(r, "Heartbeat", json_object(), i, i), 0);
    assert_int_equal(F.nframes, i + 1);
    const char *id = fid(i);
    assert_non_null(id);
    assert_true(strlen(id) >= 1 && strlen(id) <= 36);
    for (int k = 0; k < i; k++) assert_string_not_equal(fid(k), id);
    answer_ok(r, i, "{\"currentTime\":\"2026-01-05T00:00:00Z\"}", i);
  }
  assert_int_equal(F.nanswers, 200);
  /* another engine (after a restart) with another seed: other ids */
  ocpp_rpc *r2 = make(8);
  assert_int_equal(call(r2, "Heartbeat", json_object(), 0, 0), 0);
  for (int k = 0; k < 200; k++) assert_string_not_equal(fid(k), fid(200));
  ocpp_rpc_free(r);
}

static void test_one_outstanding(void **state) {
  (void)state;
  ocpp_rpc *r = make(1);
  assert_int_equal(call(r, "Heartbeat", json_object(), 1, 0), 0);
  assert_int_equal(call(r, "BootNotification", json_pack("{s:s}", "a", "b"), 2, 0), 0);
  assert_int_equal(call(r, "DataTransfer", json_object(), 3, 0), 0);
  /* only the first went out */
  assert_int_equal(F.nframes, 1);
  assert_string_equal(fstr(0, 2), "Heartbeat");
  assert_int_equal(ocpp_rpc_pending(r), 3);
  /* ticks do not send the second while the first waits */
  ocpp_rpc_tick(r, 1000);
  assert_int_equal(F.nframes, 1);
  answer_ok(r, 0, "{}", 1000);
  assert_int_equal(F.nanswers, 1);
  assert_int_equal(F.answers[0].tag, 1);
  assert_string_equal(F.answers[0].code, "");
  /* the second went out on the answer, in order, with its payload */
  assert_int_equal(F.nframes, 2);
  assert_int_equal(ftype(1), 2);
  assert_string_equal(fstr(1, 2), "BootNotification");
  assert_string_equal(json_string_value(json_object_get(json_array_get(frame(1), 3), "a")), "b");
  assert_int_equal(ocpp_rpc_pending(r), 2);
  answer_ok(r, 1, "{}", 2000);
  assert_int_equal(F.nframes, 3);
  assert_string_equal(fstr(2, 2), "DataTransfer");
  answer_ok(r, 2, "{}", 3000);
  assert_int_equal(F.nanswers, 3);
  for (int i = 0; i < 3; i++) assert_int_equal(F.answers[i].tag, i + 1);
  assert_int_equal(ocpp_rpc_pending(r), 0);
  assert_true(ocpp_rpc_next_deadline(r) == INT64_MAX);
}

static void test_result_payload_passed(void **state) {
  (void)state;
  ocpp_rpc *r = make(1);
  call(r, "Heartbeat", json_object(), 1, 0);
  answer_ok(r, 0, "{\"currentTime\":\"2026-01-05T10:00:00Z\"}", 5);
  assert_int_equal(F.nanswers, 1);
  assert_string_equal(json_string_value(json_object_get(F.answers[0].result, "currentTime")),
                      "2026-01-05T10:00:00Z");
}

static void test_timeout(void **state) {
  (void)state;
  ocpp_rpc *r = make(1);
  assert_true(ocpp_rpc_next_deadline(r) == INT64_MAX);
  call(r, "Heartbeat", json_object(), 1, 1000);
  call(r, "DataTransfer", json_object(), 2, 2000);
  assert_true(ocpp_rpc_next_deadline(r) == 1000 + TIMEOUT_MS);
  ocpp_rpc_tick(r, 1000 + TIMEOUT_MS - 1);
  assert_int_equal(F.nanswers, 0);
  assert_int_equal(F.nframes, 1);
  ocpp_rpc_tick(r, 1000 + TIMEOUT_MS);
  assert_int_equal(F.nanswers, 1);
  assert_int_equal(F.answers[0].tag, 1);
  assert_string_equal(F.answers[0].code, "Timeout");
  /* the next call went out at once, with its own full timeout */
  assert_int_equal(F.nframes, 2);
  assert_string_equal(fstr(1, 2), "DataTransfer");
  assert_true(ocpp_rpc_next_deadline(r) == 1000 + 2 * TIMEOUT_MS);
  /* a late answer to the timed-out call is ignored */
  answer_ok(r, 0, "{}", 1000 + TIMEOUT_MS + 1);
  assert_int_equal(F.nanswers, 1);
  assert_int_equal(ocpp_rpc_pending(r), 1);
  /* a new timeout applies to the next call sent */
  ocpp_rpc_set_timeout(r, 500);
  answer_ok(r, 1, "{}", 1000 + TIMEOUT_MS + 2);
  assert_int_equal(F.nanswers, 2);
  assert_string_equal(F.answers[1].code, "");
  call(r, "Heartbeat", json_object(), 3, 100000);
  assert_true(ocpp_rpc_next_deadline(r) == 100500);
  ocpp_rpc_tick(r, 100500);
  assert_string_equal(F.answers[2].code, "Timeout");
  assert_true(ocpp_rpc_next_deadline(r) == INT64_MAX);
}

static void test_unknown_id_ignored(void **state) {
  (void)state;
  ocpp_rpc *r = make(1);
  call(r, "Heartbeat", json_object(), 1, 0);
  recv_text(r, "[3,\"no-such-id\",{}]", 1);
  recv_text(r, "[4,\"no-such-id\",\"InternalError\",\"x\",{}]", 1);
  assert_int_equal(F.nanswers, 0);
  assert_int_equal(ocpp_rpc_pending(r), 1);
  /* never answered: an answer is not a CALL */
  assert_int_equal(F.nframes, 1);
  /* an answer with no call outstanding at all is ignored too */
  answer_ok(r, 0, "{}", 2);
  assert_int_equal(F.nanswers, 1);
  answer_ok(r, 0, "{}", 3);
  assert_int_equal(F.nanswers, 1);
  assert_int_equal(F.nframes, 1);
}

/* The observer of outcomes (borne-swarm's latencies): each station CALL
 * reports its action, the time from sending to its outcome and the error. */
typedef struct {
  char action[32];
  int64_t latency;
  char code[32];
} outcome;
static outcome outcomes[8];
static int noutcomes;

static void on_answered(void *ctx, const char *action, int64_t latency_ms, const char *code) {
  (void)ctx;
  outcome *o = &outcomes[noutcomes++ % 8];
  snprintf(o->action, sizeof o->action, "%s", action);
  o->latency = latency_ms;
  snprintf(o->code, sizeof o->code, "%s", code ? code : "");
}

static void test_answered_observer(void **state) {
  (void)state;
  noutcomes = 0;
  ocpp_rpc_config cfg = {.ctx = &F,
                         .send = fake_send,
                         .call = fake_call,
                         .validate = fake_validate,
                         .answered = on_answered,
                         .dialect = &ocpp16_dialect,
                         .call_timeout_ms = TIMEOUT_MS,
                         .id_seed = 1};
  ocpp_rpc *r = ocpp_rpc_new(&cfg);
  F.rpc = r;
  call(r, "Heartbeat", json_object(), 1, 1000);
  call(r, "DataTransfer", json_object(), 2, 1100); /* waits: one outstanding in 1.6 */
  answer_ok(r, 0, "{}", 1250);
  assert_int_equal(noutcomes, 1);
  assert_string_equal(outcomes[0].action, "Heartbeat");
  assert_int_equal(outcomes[0].latency, 250);
  assert_string_equal(outcomes[0].code, "");
  /* the second went out at 1250: its CALLERROR 40 ms later */
  char buf[256];
  snprintf(buf, sizeof buf, "[4,\"%s\",\"NotSupported\",\"no\",{}]", fid(1));
  recv_text(r, buf, 1290);
  assert_int_equal(noutcomes, 2);
  assert_string_equal(outcomes[1].action, "DataTransfer");
  assert_int_equal(outcomes[1].latency, 40);
  assert_string_equal(outcomes[1].code, "NotSupported");
  /* a timeout, then a call never sent (failed with the link) */
  call(r, "Heartbeat", json_object(), 3, 2000);
  call(r, "Heartbeat", json_object(), 4, 2000);
  ocpp_rpc_tick(r, 2000 + TIMEOUT_MS);
  assert_string_equal(outcomes[2].code, "Timeout");
  assert_int_equal(outcomes[2].latency, TIMEOUT_MS);
  ocpp_rpc_fail_all(r, "Disconnected", "gone");
  assert_int_equal(noutcomes, 4);
  assert_string_equal(outcomes[3].code, "Disconnected");
  assert_int_equal(outcomes[3].latency, 0); /* sent at the timeout's tick, failed at once */
}

static void test_callerror_matched(void **state) {
  (void)state;
  ocpp_rpc *r = make(1);
  call(r, "DataTransfer", json_object(), 1, 0);
  call(r, "Heartbeat", json_object(), 2, 0);
  char buf[256];
  snprintf(buf, sizeof buf, "[4,\"%s\",\"NotSupported\",\"no vendor\",{}]", fid(0));
  recv_text(r, buf, 10);
  assert_int_equal(F.nanswers, 1);
  assert_int_equal(F.answers[0].tag, 1);
  assert_string_equal(F.answers[0].code, "NotSupported");
  assert_string_equal(F.answers[0].text, "no vendor");
  /* the next call goes after a CALLERROR too */
  assert_int_equal(F.nframes, 2);
  assert_string_equal(fstr(1, 2), "Heartbeat");
  /* a CALLERROR without a code string still fails the call, as a GenericError */
  snprintf(buf, sizeof buf, "[4,\"%s\",7,null,{}]", fid(1));
  recv_text(r, buf, 20);
  assert_int_equal(F.nanswers, 2);
  assert_string_equal(F.answers[1].code, "GenericError");
  assert_int_equal(F.nframes, 2); /* a CALLERROR is never answered */
}

static void test_call_refused_by_schema(void **state) {
  (void)state;
  ocpp_rpc *r = make(1);
  ocpp_error err = {.kind = OCPP_ERR_NONE};
  assert_int_equal(
      ocpp_rpc_call(r, "Heartbeat", json_pack("{s:i}", "bad", 1), on_answer, NULL, 0, &err), -1);
  assert_string_equal(err.code, "TypeConstraintViolation");
  assert_int_equal(ocpp_rpc_call(r, "NoSuchAction", json_object(), on_answer, NULL, 0, &err), -1);
  assert_string_equal(err.code, "NotImplemented");
  /* not an object: refused, and the payload is freed (ASan checks) */
  assert_int_equal(ocpp_rpc_call(r, "Heartbeat", json_array(), on_answer, NULL, 0, &err), -1);
  assert_int_equal(ocpp_rpc_call(r, "Heartbeat", NULL, on_answer, NULL, 0, NULL), -1);
  assert_int_equal(F.nframes, 0);
  assert_int_equal(F.nanswers, 0);
  assert_int_equal(ocpp_rpc_pending(r), 0);
}

static void test_send_refused(void **state) {
  (void)state;
  ocpp_rpc *r = make(1);
  F.refuse_send = 1;
  assert_int_equal(call(r, "Heartbeat", json_object(), 1, 0), 0);
  /* the transport refused it: the call fails at once, nothing outstanding */
  assert_int_equal(F.nanswers, 1);
  assert_string_equal(F.answers[0].code, "Disconnected");
  assert_int_equal(ocpp_rpc_pending(r), 0);
  assert_true(ocpp_rpc_next_deadline(r) == INT64_MAX);
  /* queued behind an outstanding call: it fails when its turn comes, the
   * one after it still goes */
  call(r, "Heartbeat", json_object(), 2, 0);
  call(r, "DataTransfer", json_object(), 3, 0);
  call(r, "BootNotification", json_object(), 4, 0);
  assert_int_equal(F.nframes, 1);
  F.refuse_send = 1;
  answer_ok(r, 0, "{}", 1);
  assert_int_equal(F.nanswers, 3);
  assert_int_equal(F.answers[1].tag, 2);
  assert_string_equal(F.answers[1].code, "");
  assert_int_equal(F.answers[2].tag, 3);
  assert_string_equal(F.answers[2].code, "Disconnected");
  assert_int_equal(F.nframes, 2);
  assert_string_equal(fstr(1, 2), "BootNotification");
}

static void test_invalid_response(void **state) {
  (void)state;
  ocpp_rpc *r = make(1);
  call(r, "Heartbeat", json_object(), 1, 0);
  call(r, "DataTransfer", json_object(), 2, 0);
  call(r, "Reset", json_object(), 3, 0);
  /* fails the schema */
  answer_ok(r, 0, "{\"bad\":1}", 1);
  assert_int_equal(F.nanswers, 1);
  assert_string_equal(F.answers[0].code, "InvalidResponse");
  assert_null(F.answers[0].result);
  /* not an object */
  char buf[128];
  snprintf(buf, sizeof buf, "[3,\"%s\",[1,2]]", fid(1));
  recv_text(r, buf, 2);
  assert_int_equal(F.nanswers, 2);
  assert_string_equal(F.answers[1].code, "InvalidResponse");
  /* wrong arity */
  snprintf(buf, sizeof buf, "[3,\"%s\",{},{}]", fid(2));
  recv_text(r, buf, 3);
  assert_int_equal(F.nanswers, 3);
  assert_string_equal(F.answers[2].code, "InvalidResponse");
  /* none of them answered: bad answers get no CALLERROR */
  assert_int_equal(F.nframes, 3);
  for (int i = 0; i < 3; i++) assert_int_equal(ftype(i), 2);
}

static void test_fail_all(void **state) {
  (void)state;
  ocpp_rpc *r = make(1);
  for (int i = 0; i < 5; i++) call(r, "Heartbeat", json_object(), i, 0);
  assert_int_equal(F.nframes, 1);
  ocpp_rpc_fail_all(r, "Disconnected", "the connection closed");
  assert_int_equal(F.nanswers, 5);
  for (int i = 0; i < 5; i++) {
    assert_int_equal(F.answers[i].tag, i);
    assert_string_equal(F.answers[i].code, "Disconnected");
    assert_string_equal(F.answers[i].text, "the connection closed");
  }
  assert_int_equal(ocpp_rpc_pending(r), 0);
  assert_true(ocpp_rpc_next_deadline(r) == INT64_MAX);
  /* nothing went out and nothing is reported twice */
  assert_int_equal(F.nframes, 1);
  ocpp_rpc_tick(r, 10 * TIMEOUT_MS);
  answer_ok(r, 0, "{}", 10 * TIMEOUT_MS);
  ocpp_rpc_fail_all(r, "Disconnected", "again");
  assert_int_equal(F.nanswers, 5);
  /* the engine works again afterwards */
  call(r, "Heartbeat", json_object(), 9, 20 * TIMEOUT_MS);
  assert_int_equal(F.nframes, 2);
  answer_ok(r, 1, "{}", 20 * TIMEOUT_MS);
  assert_int_equal(F.nanswers, 6);
  assert_string_equal(F.answers[5].code, "");
}

/* A callback that queues the next call from inside the answer. */
static void chain_answer(void *ctx, const json_t *result, const char *code, const char *text) {
  on_answer(ctx, result, code, text);
  int tag = (int)(intptr_t)ctx;
  if (tag < 3) call(F.rpc, "Heartbeat", json_object(), tag + 1, 0);
}

static void test_call_from_callback(void **state) {
  (void)state;
  ocpp_rpc *r = make(1);
  ocpp_rpc_call(r, "Heartbeat", json_object(), chain_answer, (void *)(intptr_t)1, 0, NULL);
  answer_ok(r, 0, "{}", 1);
  /* the call queued by the callback went out, alone */
  assert_int_equal(F.nframes, 2);
  assert_int_equal(ocpp_rpc_pending(r), 1);
  answer_ok(r, 1, "{}", 2);
  assert_int_equal(F.nanswers, 2);
}

/* ---- incoming calls ---- */

static void test_incoming_call(void **state) {
  (void)state;
  ocpp_rpc *r = make(1);
  recv_text(r, "[2,\"cs-1\",\"Reset\",{\"type\":\"Soft\"}]", 0);
  assert_int_equal(F.ncalls, 1);
  assert_string_equal(F.last_action, "Reset");
  assert_string_equal(json_string_value(json_object_get(F.last_payload, "type")), "Soft");
  assert_int_equal(F.nframes, 1);
  assert_int_equal(ftype(0), 3);
  assert_string_equal(fid(0), "cs-1");
  assert_int_equal(json_array_size(frame(0)), 3);
  assert_string_equal(json_string_value(json_object_get(json_array_get(frame(0), 2), "status")),
                      "Accepted");
  /* replied after the answer was handed to send */
  assert_int_equal(F.nreplied, 1);
  assert_string_equal(F.replied_action, "Reset");
  assert_int_equal(F.frames_at_replied, 1);
}

static void test_incoming_while_outstanding(void **state) {
  (void)state;
  ocpp_rpc *r = make(1);
  call(r, "Heartbeat", json_object(), 1, 0);
  call(r, "DataTransfer", json_object(), 2, 0);
  recv_text(r, "[2,\"cs-7\",\"Reset\",{\"type\":\"Hard\"}]", 5);
  assert_int_equal(F.ncalls, 1);
  /* answered at once, and the queued station call did not jump the queue */
  assert_int_equal(F.nframes, 2);
  assert_int_equal(ftype(1), 3);
  assert_string_equal(fid(1), "cs-7");
  assert_int_equal(ocpp_rpc_pending(r), 2);
  /* the outstanding call is unaffected */
  answer_ok(r, 0, "{}", 6);
  assert_int_equal(F.nanswers, 1);
  assert_int_equal(F.answers[0].tag, 1);
  assert_int_equal(F.nframes, 3);
  assert_string_equal(fstr(2, 2), "DataTransfer");
}

static void test_handler_error(void **state) {
  (void)state;
  ocpp_rpc *r = make(1);
  F.reply_code = "NotSupported";
  recv_text(r, "[2,\"a\",\"DataTransfer\",{}]", 0);
  assert_int_equal(F.ncalls, 1);
  assert_callerror(0, "a", "NotSupported");
  assert_string_equal(fstr(0, 3), "refused by the test");
  assert_int_equal(F.nreplied, 1);
  /* no reply at all: InternalError, never silence */
  F.reply_code = NULL;
  F.reply_nothing = true;
  recv_text(r, "[2,\"b\",\"DataTransfer\",{}]", 0);
  assert_callerror(1, "b", "InternalError");
  /* a reply that fails the schema is not sent: InternalError instead */
  F.reply_nothing = false;
  F.reply_bad = true;
  recv_text(r, "[2,\"c\",\"DataTransfer\",{}]", 0);
  assert_callerror(2, "c", "InternalError");
  assert_int_equal(F.nframes, 3);
  assert_int_equal(F.ninvalid, 0); /* the handler's refusals are not invalid messages */
}

/* Each bad frame gets exactly one CALLERROR with this id and code and never
 * reaches the handler. */
static void bad_frame(ocpp_rpc *r, const char *text, const char *id, const char *code) {
  int n = F.nframes, calls = F.ncalls, replied = F.nreplied, invalid = F.ninvalid;
  recv_text(r, text, 0);
  if (F.nframes != n + 1) fail_msg("%s: %d frames sent, expected 1", text, F.nframes - n);
  assert_callerror(n, id, code);
  /* reported as not a valid OCPP message (InvalidMessages), but an action
   * the station does not know or handle */
  bool valid = !strcmp(code, "NotImplemented") || !strcmp(code, "NotSupported");
  if (F.ninvalid != invalid + !valid)
    fail_msg("%s: invalid_message %d times", text, F.ninvalid - invalid);
  if (!valid) assert_string_equal(F.invalid_code, code);
  if (F.ncalls != calls) fail_msg("%s reached the handler", text);
  assert_int_equal(F.nreplied, replied);
}

static void test_bad_frames(void **state) {
  (void)state;
  ocpp_rpc *r = make(1);
  /* not JSON: the id cannot be read */
  bad_frame(r, "[2,\"x\",\"Reset\",{", "-1", "FormationViolation");
  bad_frame(r, "hello", "-1", "FormationViolation");
  bad_frame(r, "", "-1", "FormationViolation");
  /* duplicate keys: not one JSON object */
  bad_frame(r, "[2,\"d\",\"Reset\",{\"type\":\"Soft\",\"type\":\"Hard\"}]", "-1",
            "FormationViolation");
  /* JSON, but not an array */
  bad_frame(r, "{\"type\":2}", "-1", "FormationViolation");
  bad_frame(r, "\"[2]\"", "-1", "FormationViolation");
  bad_frame(r, "42", "-1", "FormationViolation");
  bad_frame(r, "[]", "-1", "FormationViolation");
  /* a wrong message type id: the id is answered */
  bad_frame(r, "[5,\"t5\",\"Reset\",{}]", "t5", "FormationViolation");
  bad_frame(r, "[0,\"t0\",\"Reset\",{}]", "t0", "FormationViolation");
  bad_frame(r, "[\"2\",\"ts\",\"Reset\",{}]", "ts", "FormationViolation");
  bad_frame(r, "[2.0,\"tf\",\"Reset\",{}]", "tf", "FormationViolation");
  /* a CALL of the wrong arity or shape */
  /* a CALL without its payload: ProtocolError, "Payload for Action is
   * incomplete" (OCPP-J 1.6 4.2.3, as the header comment of ocpp_rpc.c says) */
  bad_frame(r, "[2,\"a3\",\"Reset\"]", "a3", "ProtocolError");
  bad_frame(r, "[2,\"a5\",\"Reset\",{},{}]", "a5", "FormationViolation");
  bad_frame(r, "[2,\"a2\"]", "a2", "FormationViolation");
  bad_frame(r, "[2,\"an\",7,{}]", "an", "FormationViolation");
  bad_frame(r, "[2,\"ap\",\"Reset\",[]]", "ap", "FormationViolation");
  bad_frame(r, "[2,\"ap\",\"Reset\",null]", "ap", "FormationViolation");
  /* the message id not a string, or too long (at most 36 characters) */
  bad_frame(r, "[2,17,\"Reset\",{}]", "-1", "FormationViolation");
  bad_frame(r, "[2,null,\"Reset\",{}]", "-1", "FormationViolation");
  bad_frame(r, "[2]", "-1", "FormationViolation");
  bad_frame(r, "[2,\"0123456789012345678901234567890123456\",\"Reset\",{}]", "-1",
            "FormationViolation");
  /* 36 characters is fine */
  recv_text(r, "[2,\"012345678901234567890123456789012345\",\"Reset\",{}]", 0);
  assert_int_equal(F.ncalls, 1);
  assert_int_equal(ftype(F.nframes - 1), 3);
}

static void test_bad_payloads(void **state) {
  (void)state;
  ocpp_rpc *r = make(1);
  bad_frame(r, "[2,\"u\",\"FlyToTheMoon\",{}]", "u", "NotImplemented");
  bad_frame(r, "[2,\"b\",\"Reset\",{\"bad\":1}]", "b", "TypeConstraintViolation");
  bad_frame(r, "[2,\"m\",\"Reset\",{\"missing\":1}]", "m", "OccurenceConstraintViolation");
  bad_frame(r, "[2,\"p\",\"Reset\",{\"range\":1}]", "p", "PropertyConstraintViolation");
  bad_frame(r, "[2,\"i\",\"Reset\",{\"incomplete\":1}]", "i", "ProtocolError");
  /* the schema's text tells the back end what was wrong */
  assert_non_null(strstr(fstr(F.nframes - 1, 3), "incomplete"));
}

static void test_bad_answer_frames_not_answered(void **state) {
  (void)state;
  ocpp_rpc *r = make(1);
  call(r, "Heartbeat", json_object(), 1, 0);
  /* answers with an unreadable id: dropped, never answered, the call waits */
  recv_text(r, "[3,17,{}]", 1);
  recv_text(r, "[4,null,\"InternalError\",\"\",{}]", 1);
  recv_text(r, "[3]", 1);
  recv_text(r, "[4,\"0123456789012345678901234567890123456\",\"x\",\"\",{}]", 1);
  assert_int_equal(F.nframes, 1);
  assert_int_equal(F.nanswers, 0);
  assert_int_equal(ocpp_rpc_pending(r), 1);
  /* bad frames never disturb the outstanding call */
  recv_text(r, "garbage", 2);
  recv_text(r, "[2,\"x\",\"Unknown\",{}]", 2);
  assert_int_equal(F.nanswers, 0);
  answer_ok(r, 0, "{}", 3);
  assert_int_equal(F.nanswers, 1);
  assert_string_equal(F.answers[0].code, "");
}

/* A handler that must not answer (OCPP 1.6 4.2: the boot was Rejected) sets
 * no_answer: nothing goes on the wire, not even an error, and `replied` is
 * not called; the next CALL is answered as usual. */
static void test_handler_asks_for_no_answer(void **state) {
  (void)state;
  ocpp_rpc *r = make(1);
  F.reply_none = true;
  recv_text(r, "[2,\"q1\",\"Reset\",{}]", 0);
  assert_int_equal(F.ncalls, 1);
  assert_int_equal(F.nframes, 0);
  assert_int_equal(F.nreplied, 0);
  F.reply_none = false;
  recv_text(r, "[2,\"q2\",\"Reset\",{}]", 1);
  assert_int_equal(F.nframes, 1);
  assert_int_equal(ftype(0), 3);
  assert_string_equal(fid(0), "q2");
}

/* ---- deferred answers ---- */

static const char *fstatus(int i) {
  return json_string_value(json_object_get(json_array_get(frame(i), 2), "status"));
}

/* The answer comes after the handler returned, once; replied then. */
static void test_deferred_answer(void **state) {
  (void)state;
  ocpp_rpc *r = make(1);
  F.defer_key = "Unlock/1";
  F.defer_ms = 5000;
  recv_text(r, "[2,\"u1\",\"Reset\",{}]", 100);
  assert_int_equal(F.defer_rc, 0);
  assert_int_equal(F.nframes, 0);
  assert_int_equal(F.nreplied, 0);
  assert_int_equal(ocpp_rpc_deferred(r), 1);
  assert_int_equal(ocpp_rpc_next_deadline(r), 5100);
  json_t *res = json_pack("{s:s}", "status", "Accepted");
  assert_int_equal(ocpp_rpc_answer_deferred(r, "Unlock/2", res), 0); /* another key */
  assert_int_equal(F.nframes, 0);
  assert_int_equal(ocpp_rpc_answer_deferred(r, "Unlock/1", res), 1);
  assert_int_equal(F.nframes, 1);
  assert_int_equal(ftype(0), 3);
  assert_string_equal(fid(0), "u1");
  assert_string_equal(fstatus(0), "Accepted");
  assert_int_equal(F.nreplied, 1);
  assert_int_equal(F.frames_at_replied, 1);
  /* answered once: neither again nor its fallback */
  assert_int_equal(ocpp_rpc_answer_deferred(r, "Unlock/1", res), 0);
  json_decref(res);
  assert_true(ocpp_rpc_next_deadline(r) == INT64_MAX);
  ocpp_rpc_tick(r, 99999);
  assert_int_equal(F.nframes, 1);
  /* two CALLs under one key: one answer answers both, in any order */
  recv_text(r, "[2,\"u2\",\"Reset\",{}]", 200);
  recv_text(r, "[2,\"u3\",\"Reset\",{}]", 201);
  res = json_pack("{s:s}", "status", "Accepted");
  assert_int_equal(ocpp_rpc_answer_deferred(r, "Unlock/1", res), 2);
  json_decref(res);
  assert_int_equal(F.nframes, 3);
  assert_true((!strcmp(fid(1), "u2") && !strcmp(fid(2), "u3")) ||
              (!strcmp(fid(1), "u3") && !strcmp(fid(2), "u2")));
}

/* No answer in time: the fallback, at its deadline and not before. */
static void test_deferred_fallback(void **state) {
  (void)state;
  ocpp_rpc *r = make(1);
  F.defer_key = "Unlock/1";
  F.defer_ms = 5000;
  recv_text(r, "[2,\"u1\",\"Reset\",{}]", 1000);
  ocpp_rpc_tick(r, 5999);
  assert_int_equal(F.nframes, 0);
  ocpp_rpc_tick(r, 6000);
  assert_int_equal(F.nframes, 1);
  assert_int_equal(ftype(0), 3);
  assert_string_equal(fid(0), "u1");
  assert_string_equal(fstatus(0), "Rejected");
  assert_int_equal(F.nreplied, 1);
  assert_int_equal(ocpp_rpc_deferred(r), 0);
  json_t *late = json_pack("{s:s}", "status", "Accepted");
  assert_int_equal(ocpp_rpc_answer_deferred(r, "Unlock/1", late), 0);
  json_decref(late);
  assert_int_equal(F.nframes, 1);
}

/* The connection is gone: the CALL is answered on none, later nor now. */
static void test_deferred_dropped_with_the_connection(void **state) {
  (void)state;
  ocpp_rpc *r = make(1);
  F.defer_key = "Unlock/1";
  F.defer_ms = 5000;
  recv_text(r, "[2,\"u1\",\"Reset\",{}]", 0);
  ocpp_rpc_fail_all(r, "Disconnected", "gone");
  assert_int_equal(ocpp_rpc_deferred(r), 0);
  assert_true(ocpp_rpc_next_deadline(r) == INT64_MAX);
  json_t *res = json_pack("{s:s}", "status", "Accepted");
  assert_int_equal(ocpp_rpc_answer_deferred(r, "Unlock/1", res), 0);
  json_decref(res);
  ocpp_rpc_tick(r, 10000);
  assert_int_equal(F.nframes, 0);
  /* kept CALLs are freed with the engine (teardown, under ASan) */
  recv_text(r, "[2,\"u2\",\"Reset\",{}]", 20000);
  assert_int_equal(ocpp_rpc_deferred(r), 1);
}

/* A reply the engine did not make (a handler called directly, a SEND)
 * cannot be deferred: the handler answers at once. */
static void test_defer_needs_the_engine(void **state) {
  (void)state;
  ocpp_reply reply = {0};
  assert_int_equal(ocpp_reply_defer(&reply, "k", 1000, json_object()), -1);
  assert_false(reply.deferred);
}

/* ---- the version's differences as data ---- */

static void test_dialect_required(void **state) {
  (void)state;
  ocpp_rpc_config cfg = {.ctx = &F, .send = fake_send, .call = fake_call};
  assert_null(ocpp_rpc_new(&cfg));
}

/* The same bad frames as test_bad_frames/test_bad_payloads, answered by an
 * engine given the 2.0.1 dialect: the 2.0.1 spellings (OCPP 2.0.1 part 4
 * 4.2.3), where 1.6 answers FormationViolation and
 * OccurenceConstraintViolation. */
static void test_dialect_201_spellings(void **state) {
  (void)state;
  ocpp_rpc *r = make_as(1, &ocpp201_dialect);
  bad_frame(r, "hello", "-1", "RpcFrameworkError");
  bad_frame(r, "{\"type\":2}", "-1", "RpcFrameworkError");
  bad_frame(r, "[2,17,\"Reset\",{}]", "-1", "RpcFrameworkError");
  bad_frame(r, "[5,\"t5\",\"Reset\",{}]", "t5", "MessageTypeNotSupported");
  bad_frame(r, "[\"2\",\"ts\",\"Reset\",{}]", "ts", "RpcFrameworkError");
  bad_frame(r, "[2,\"ap\",\"Reset\",[]]", "ap", "FormatViolation");
  bad_frame(r, "[2,\"a2\"]", "a2", "RpcFrameworkError");
  bad_frame(r, "[2,\"a3\",\"Reset\"]", "a3", "ProtocolError");
  bad_frame(r, "[2,\"m\",\"Reset\",{\"missing\":1}]", "m", "OccurrenceConstraintViolation");
  bad_frame(r, "[2,\"b\",\"Reset\",{\"bad\":1}]", "b", "TypeConstraintViolation");
  bad_frame(r, "[2,\"u\",\"FlyToTheMoon\",{}]", "u", "NotImplemented");
  /* the handler gave nothing: InternalError, the same in both */
  F.reply_nothing = true;
  recv_text(r, "[2,\"n\",\"Reset\",{}]", 0);
  assert_callerror(F.nframes - 1, "n", "InternalError");
  /* a station call that is not an object is refused in the dialect's words */
  ocpp_error err = {.kind = OCPP_ERR_NONE};
  assert_int_equal(ocpp_rpc_call(r, "Heartbeat", json_array(), on_answer, NULL, 0, &err), -1);
  assert_int_equal(err.kind, OCPP_ERR_FORMAT);
  assert_string_equal(err.code, "FormatViolation");
  /* and one failing the schema too, whatever the validator wrote */
  assert_int_equal(
      ocpp_rpc_call(r, "Heartbeat", json_pack("{s:i}", "missing", 1), on_answer, NULL, 0, &err),
      -1);
  assert_string_equal(err.code, "OccurrenceConstraintViolation");
  /* a CALLERROR from the peer without a code: GenericError */
  call(r, "Heartbeat", json_object(), 9, 0);
  char buf[128];
  snprintf(buf, sizeof buf, "[4,\"%s\",null,null,{}]", fid(F.nframes - 1));
  recv_text(r, buf, 1);
  assert_int_equal(F.nanswers, 1);
  assert_string_equal(F.answers[0].code, "GenericError");
}

/* A message larger than the transport keeps: only its head is known. */
static void too_large(ocpp_rpc *r, const char *head, int64_t now) {
  ocpp_rpc_receive_too_large(r, head, strlen(head), 5000000, 4194304, now);
}

static void test_too_large(void **state) {
  (void)state;
  ocpp_rpc *r = make_as(1, &ocpp201_dialect);
  /* a CALL: FormatViolation to its id, saying the sizes */
  too_large(r, "[2,\"big-1\",\"SendLocalList\",{\"versionNumber\":1,\"localAuthorizationList\":[",
            0);
  assert_int_equal(F.nframes, 1);
  assert_callerror(0, "big-1", "FormatViolation");
  assert_non_null(strstr(fstr(0, 3), "5000000"));
  assert_non_null(strstr(fstr(0, 3), "4194304"));
  assert_int_equal(F.ncalls, 0); /* never handed to the dialect */
  /* spaces where JSON allows them */
  too_large(r, " [ 2 ,\t\"big-2\" , \"DataTransfer\"", 0);
  assert_callerror(1, "big-2", "FormatViolation");
  /* a head that is no message, or whose id cannot be read: RpcFrameworkError to "-1" */
  too_large(r, "xxxxxxxx", 0);
  assert_callerror(2, "-1", "RpcFrameworkError");
  too_large(r, "[2,\"esc\\\"aped\",\"Reset\"", 0);
  assert_callerror(3, "-1", "RpcFrameworkError");
  too_large(r, "[2,\"cut-short", 0);
  assert_callerror(4, "-1", "RpcFrameworkError");
  /* an answer to one of the station's calls: that call fails, nothing is sent */
  call(r, "Heartbeat", json_object(), 7, 0);
  int c = F.nframes - 1;
  char head[128];
  snprintf(head, sizeof head, "[3,\"%s\",{\"currentTime\":\"", fid(c));
  too_large(r, head, 1);
  assert_int_equal(F.nanswers, 1);
  assert_int_equal(F.answers[0].tag, 7);
  assert_string_equal(F.answers[0].code, "InvalidResponse");
  assert_int_equal(F.nframes, c + 1);
  assert_int_equal(ocpp_rpc_pending(r), 0);
  /* an answer to no call, a SEND (2.1's, here unknown): dropped, never answered */
  too_large(r, "[3,\"nobody\",{", 2);
  too_large(r, "[6,\"s\",\"NotifyPeriodicEventStream\",{", 2);
  assert_int_equal(F.nframes, c + 1);
  ocpp_rpc_free(r);
  F.rpc = NULL;
  /* 1.6 spells it FormationViolation (for no message too, as a frame that is not JSON) */
  for (int i = 0; i < F.nframes; i++) json_decref(F.frames[i]);
  F.nframes = 0;
  r = make(2);
  too_large(r, "[2,\"old\",\"SendLocalList\",{", 0);
  assert_callerror(0, "old", "FormationViolation");
  too_large(r, "]", 0);
  assert_callerror(1, "-1", "FormationViolation");
}

static char refused[3][200];
static int nrefused;
static void on_result_refused(void *ctx, const char *action, const char *code, const char *text) {
  (void)ctx;
  snprintf(refused[0], sizeof refused[0], "%s", action);
  snprintf(refused[1], sizeof refused[1], "%s", code);
  snprintf(refused[2], sizeof refused[2], "%s", text);
  nrefused++;
}

/* OCPP-J 2.1: CALLRESULTERROR (5) and SEND (6), with ocpp21_dialect only. */
static void test_dialect_21_frames(void **state) {
  (void)state;
  nrefused = 0;
  ocpp_rpc_config cfg = {.ctx = &F,
                         .send = fake_send,
                         .call = fake_call,
                         .replied = fake_replied,
                         .result_refused = on_result_refused,
                         .validate = fake_validate,
                         .dialect = &ocpp21_dialect,
                         .call_timeout_ms = TIMEOUT_MS,
                         .id_seed = 7};
  ocpp_rpc *r = ocpp_rpc_new(&cfg);
  assert_non_null(r);
  F.rpc = r;
  /* a CALLRESULT that fails the schema: CALLRESULTERROR with the validator's code, same id */
  call(r, "Heartbeat", json_object(), 1, 0);
  answer_ok(r, 0, "{\"missing\":1}", 1);
  assert_int_equal(F.nanswers, 1);
  assert_string_equal(F.answers[0].code, "InvalidResponse");
  assert_int_equal(F.nframes, 2);
  assert_int_equal(ftype(1), 5);
  assert_string_equal(fid(1), fid(0));
  assert_string_equal(fstr(1, 2), "OccurrenceConstraintViolation");
  assert_int_equal(json_array_size(frame(1)), 5);
  /* a valid one: nothing more */
  call(r, "Heartbeat", json_object(), 2, 2);
  answer_ok(r, 2, "{}", 3);
  assert_int_equal(F.nframes, 3);
  /* a CALLRESULTERROR to the station's answer: reported with the call's action, never answered */
  recv_text(r, "[2,\"c1\",\"Reset\",{}]", 4);
  assert_int_equal(ftype(F.nframes - 1), 3);
  int before = F.nframes;
  recv_text(r, "[5,\"c1\",\"FormatViolation\",\"cannot read it\",{}]", 5);
  assert_int_equal(F.nframes, before);
  assert_int_equal(nrefused, 1);
  assert_string_equal(refused[0], "Reset");
  assert_string_equal(refused[1], "FormatViolation");
  assert_string_equal(refused[2], "cannot read it");
  /* a SEND: handed to the handler, never answered, not even when it is wrong */
  int calls = F.ncalls;
  recv_text(r, "[6,\"s1\",\"DataTransfer\",{}]", 6);
  assert_int_equal(F.ncalls, calls + 1);
  assert_string_equal(F.last_action, "DataTransfer");
  recv_text(r, "[6,\"s2\",\"DataTransfer\",{\"bad\":1}]", 7);
  recv_text(r, "[6,\"s3\",\"FlyToTheMoon\",{}]", 7);
  recv_text(r, "[6,\"s4\"]", 7);
  assert_int_equal(F.ncalls, calls + 1);
  assert_int_equal(F.nframes, before);
  /* sending one: type 6, checked first, outside the CALL queue */
  ocpp_error err;
  assert_int_equal(ocpp_rpc_send(r, "DataTransfer", json_object(), &err), 0);
  assert_int_equal(ftype(F.nframes - 1), 6);
  assert_string_equal(fstr(F.nframes - 1, 2), "DataTransfer");
  assert_int_equal((int)ocpp_rpc_pending(r), 0);
  assert_int_equal(ocpp_rpc_send(r, "DataTransfer", json_pack("{s:i}", "bad", 1), &err), -1);
  assert_string_equal(err.code, "TypeConstraintViolation");
  ocpp_rpc_free(r);
  F.rpc = NULL;
  /* 2.0.1 has neither: MessageTypeNotSupported, and no SEND to send */
  r = make_as(1, &ocpp201_dialect);
  bad_frame(r, "[6,\"s5\",\"DataTransfer\",{}]", "s5", "MessageTypeNotSupported");
  bad_frame(r, "[5,\"c2\",\"FormatViolation\",\"x\",{}]", "c2", "MessageTypeNotSupported");
  assert_int_equal(ocpp_rpc_send(r, "DataTransfer", json_object(), &err), -1);
  assert_string_equal(err.code, "MessageTypeNotSupported");
}

/* The one-outstanding-call rule is the dialect's: given two, two go out, the
 * answers are matched by id in any order, each call has its own timeout. */
static void test_dialect_two_outstanding(void **state) {
  (void)state;
  ocpp_dialect two = ocpp16_dialect;
  two.max_outstanding_calls = 2;
  ocpp_rpc *r = make_as(1, &two);
  call(r, "Heartbeat", json_object(), 1, 0);
  call(r, "BootNotification", json_object(), 2, 100);
  call(r, "DataTransfer", json_object(), 3, 200);
  assert_int_equal(F.nframes, 2);
  assert_string_equal(fstr(0, 2), "Heartbeat");
  assert_string_equal(fstr(1, 2), "BootNotification");
  assert_true(ocpp_rpc_next_deadline(r) == TIMEOUT_MS);
  /* the second answered first: matched by its id, the third goes out */
  answer_ok(r, 1, "{}", 300);
  assert_int_equal(F.nanswers, 1);
  assert_int_equal(F.answers[0].tag, 2);
  assert_int_equal(F.nframes, 3);
  assert_string_equal(fstr(2, 2), "DataTransfer");
  assert_int_equal(ocpp_rpc_pending(r), 2);
  /* the first times out at its own deadline, not the third's */
  assert_true(ocpp_rpc_next_deadline(r) == TIMEOUT_MS);
  ocpp_rpc_tick(r, TIMEOUT_MS);
  assert_int_equal(F.nanswers, 2);
  assert_int_equal(F.answers[1].tag, 1);
  assert_string_equal(F.answers[1].code, "Timeout");
  assert_true(ocpp_rpc_next_deadline(r) == 300 + TIMEOUT_MS);
  answer_ok(r, 2, "{}", 400);
  assert_int_equal(F.answers[2].tag, 3);
  assert_int_equal(ocpp_rpc_pending(r), 0);
  assert_true(ocpp_rpc_next_deadline(r) == INT64_MAX);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_call_frame_shape, setup, teardown),
      cmocka_unit_test_setup_teardown(test_call_with_text, setup, teardown),
      cmocka_unit_test_setup_teardown(test_dialect_21_frames, setup, teardown),
      cmocka_unit_test_setup_teardown(test_too_large, setup, teardown),
      cmocka_unit_test_setup_teardown(test_ids_unique, setup, teardown),
      cmocka_unit_test_setup_teardown(test_one_outstanding, setup, teardown),
      cmocka_unit_test_setup_teardown(test_result_payload_passed, setup, teardown),
      cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
      cmocka_unit_test_setup_teardown(test_unknown_id_ignored, setup, teardown),
      cmocka_unit_test_setup_teardown(test_callerror_matched, setup, teardown),
      cmocka_unit_test_setup_teardown(test_answered_observer, setup, teardown),
      cmocka_unit_test_setup_teardown(test_call_refused_by_schema, setup, teardown),
      cmocka_unit_test_setup_teardown(test_send_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(test_invalid_response, setup, teardown),
      cmocka_unit_test_setup_teardown(test_fail_all, setup, teardown),
      cmocka_unit_test_setup_teardown(test_call_from_callback, setup, teardown),
      cmocka_unit_test_setup_teardown(test_incoming_call, setup, teardown),
      cmocka_unit_test_setup_teardown(test_deferred_answer, setup, teardown),
      cmocka_unit_test_setup_teardown(test_deferred_fallback, setup, teardown),
      cmocka_unit_test_setup_teardown(test_deferred_dropped_with_the_connection, setup, teardown),
      cmocka_unit_test_setup_teardown(test_defer_needs_the_engine, setup, teardown),
      cmocka_unit_test_setup_teardown(test_incoming_while_outstanding, setup, teardown),
      cmocka_unit_test_setup_teardown(test_handler_error, setup, teardown),
      cmocka_unit_test_setup_teardown(test_bad_frames, setup, teardown),
      cmocka_unit_test_setup_teardown(test_bad_payloads, setup, teardown),
      cmocka_unit_test_setup_teardown(test_bad_answer_frames_not_answered, setup, teardown),
      cmocka_unit_test_setup_teardown(test_handler_asks_for_no_answer, setup, teardown),
      cmocka_unit_test_setup_teardown(test_dialect_required, setup, teardown),
      cmocka_unit_test_setup_teardown(test_dialect_201_spellings, setup, teardown),
      cmocka_unit_test_setup_teardown(test_dialect_two_outstanding, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
