/*
 * An OCPP-J error: the CALLERROR code to answer (or to report for a failed
 * station CALL) and a text naming what was wrong ("idTagInfo.status: ...").
 * Shared by the generated validators, the RPC layer and the charge point.
 */
#ifndef BORNE_OCPP_ERROR_H
#define BORNE_OCPP_ERROR_H

typedef struct {
  /* "FormationViolation", "ProtocolError", "TypeConstraintViolation",
   * "PropertyConstraintViolation", "OccurenceConstraintViolation" (1.6
   * spelling), "NotImplemented", "NotSupported", "InternalError",
   * "SecurityError", "GenericError"; for station calls also "Timeout",
   * "Disconnected", "InvalidResponse". */
  char code[40];
  char text[200];
} ocpp_error;

#endif
