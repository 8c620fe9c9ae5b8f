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

#include "ocpp/ocpp_error.h"

typedef struct {
  const char *version;     /* "1.6": as the status JSON reports it */
  const char *subprotocol; /* Sec-WebSocket-Protocol: "ocpp1.6" */
  /* the CALLERROR code of each kind (OCPP-J 1.6 4.2.3; 2.0.1 part 4 4.2.3) */
  const char *codes[OCPP_ERR_KIND_COUNT];
  /* station CALLs sent and not yet answered or timed out, at most (OCPP-J
   * 1.6 4.1.1 and 2.0.1 part 4 4.1.1: one) */
  unsigned max_outstanding_calls;
} ocpp_dialect;

extern const ocpp_dialect ocpp16_dialect;  /* OCPP 1.6J (and its security whitepaper) */
extern const ocpp_dialect ocpp201_dialect; /* OCPP 2.0.1 (generated messages: ocpp201_messages.h) */
extern const ocpp_dialect ocpp21_dialect;  /* OCPP 2.1 (generated messages: ocpp21_messages.h) */

/* The spelling of `kind` in dialect `d` (GenericError for NONE or out of range). */
const char *ocpp_dialect_code(const ocpp_dialect *d, ocpp_error_kind kind);
/* err->code from err->kind, in dialect `d` (err may be NULL). */
void ocpp_dialect_spell(const ocpp_dialect *d, ocpp_error *err);

#endif
