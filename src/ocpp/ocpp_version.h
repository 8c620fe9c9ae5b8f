/*
 * What differs between the OCPP versions at the level of the shared RPC
 * engine and transport, as data: the WebSocket subprotocol, the spelling of
 * each CALLERROR code (1.6 writes "FormationViolation" and
 * "OccurenceConstraintViolation", 2.0.1 "FormatViolation" and
 * "OccurrenceConstraintViolation" and adds "MessageTypeNotSupported" and
 * "RpcFrameworkError") and how many station CALLs may wait for their answer
 * at once. ocpp_rpc, ocpp_link and the generated validators take a dialect
 * instead of hard-coding one version's spellings; a version's folder
 * (src/ocpp/v16/) adds its own message vocabulary on top.
 */
#ifndef BORNE_OCPP_VERSION_H
#define BORNE_OCPP_VERSION_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "ocpp/ocpp_error.h"

typedef struct {
  const char *version;     /* "1.6": as the status JSON reports it */
  const char *subprotocol; /* Sec-WebSocket-Protocol: "ocpp1.6" */
  /* the CALLERROR code of each kind (OCPP-J 1.6 4.2.3; 2.0.1 part 4 4.2.3) */
  const char *codes[OCPP_ERR_KIND_COUNT];
  /* station CALLs sent and not yet answered or timed out, at most (OCPP-J
   * 1.6 4.1.1 and 2.0.1 part 4 4.1.1: one) */
  unsigned max_outstanding_calls;
  /* borne has the station behaviour of this version (a src/ocpp/vNN/
   * dialect): only these may be configured in `ocpp.version` and offered to
   * a back end. 1.6 (src/ocpp/v16), 2.0.1 and 2.1 (both through the
   * src/ocpp/v201 dialect, docs/ocpp21.md) are. */
  bool spoken;
  /* OCPP-J 2.1 part 4: the message types CALLRESULTERROR (5, the answer to
   * a CALLRESULT its receiver cannot accept) and SEND (6, a message without
   * an answer); false: 2, 3 and 4 only, the others MessageTypeNotSupported */
  bool send_frames;
  /* checks this version's payloads (the generated ocppNN_validate) */
  int (*validate)(const char *action, bool request, const json_t *payload, ocpp_error *err);
} ocpp_dialect;

extern const ocpp_dialect ocpp16_dialect;  /* OCPP 1.6J (and its security whitepaper) */
extern const ocpp_dialect ocpp201_dialect; /* OCPP 2.0.1 (generated messages: ocpp201_messages.h) */
extern const ocpp_dialect ocpp21_dialect;  /* OCPP 2.1 (generated messages: ocpp21_messages.h) */

/* The spelling of `kind` in dialect `d` (GenericError for NONE or out of range). */
const char *ocpp_dialect_code(const ocpp_dialect *d, ocpp_error_kind kind);
/* err->code from err->kind, in dialect `d` (err may be NULL). */
void ocpp_dialect_spell(const ocpp_dialect *d, ocpp_error *err);

/* The dialect whose version ("2.0.1") or subprotocol ("ocpp2.0.1") is
 * `name`, NULL if none. */
const ocpp_dialect *ocpp_dialect_find(const char *name);

/* The most versions an `ocpp.version` list names (1.6, 2.0.1, 2.1). */
#define OCPP_VERSIONS_MAX 3

/* Parses an `ocpp.version` value: one version or a comma-separated list in
 * the order of preference ("2.1,2.0.1,1.6"; spaces around the commas are
 * allowed). Fills out[] with the dialects, *n with their number and returns
 * 0; -1 with the reason in `why` for an empty list, an empty item, an unknown
 * version or a version named twice. `spoken_only` also refuses a version
 * whose behaviour borne does not have (ocpp_dialect.spoken). */
int ocpp_version_list_parse(const char *text, bool spoken_only,
                            const ocpp_dialect *out[OCPP_VERSIONS_MAX], size_t *n, char *why,
                            size_t whylen);

/* The Sec-WebSocket-Protocol value offering the dialects in order
 * ("ocpp2.0.1, ocpp1.6"); 0, or -1 if it does not fit in buf. */
int ocpp_version_offer(const ocpp_dialect *const list[], size_t n, char *buf, size_t len);

/* The dialect of list[] the server picked: the one whose subprotocol is
 * `picked`; list[0] when the server named none (a server that does not echo
 * the header speaks what it was offered first); NULL when it picked one that
 * was not offered. */
const ocpp_dialect *ocpp_version_picked(const ocpp_dialect *const list[], size_t n,
                                        const char *picked);

#endif
