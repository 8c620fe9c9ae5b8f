/*
 * An OCPP-J error: what kind of error it is, the CALLERROR code that kind is
 * spelled as in the OCPP version at hand (ocpp_version.h: 1.6 and 2.0.1
 * spell some differently) and a text naming what was wrong
 * ("idTagInfo.status: ..."). Shared by the generated validators, the RPC
 * layer and the charge point.
 */
#ifndef BORNE_OCPP_ERROR_H
#define BORNE_OCPP_ERROR_H

/* The CALLERROR codes of OCPP-J, independent of their spelling. */
typedef enum {
  OCPP_ERR_NONE = 0,
  OCPP_ERR_FORMAT,                     /* 1.6 FormationViolation, 2.0.1 FormatViolation */
  OCPP_ERR_PROTOCOL,                   /* ProtocolError */
  OCPP_ERR_TYPE_CONSTRAINT,            /* TypeConstraintViolation */
  OCPP_ERR_PROPERTY_CONSTRAINT,        /* PropertyConstraintViolation */
  OCPP_ERR_OCCURRENCE_CONSTRAINT,      /* 1.6 OccurenceConstraintViolation, 2.0.1 Occurrence... */
  OCPP_ERR_NOT_IMPLEMENTED,            /* NotImplemented */
  OCPP_ERR_NOT_SUPPORTED,              /* NotSupported */
  OCPP_ERR_INTERNAL,                   /* InternalError */
  OCPP_ERR_SECURITY,                   /* SecurityError */
  OCPP_ERR_GENERIC,                    /* GenericError */
  OCPP_ERR_MESSAGE_TYPE_NOT_SUPPORTED, /* 2.0.1 MessageTypeNotSupported (1.6: none) */
  OCPP_ERR_RPC_FRAMEWORK,              /* 2.0.1 RpcFrameworkError (1.6: none) */
  OCPP_ERR_KIND_COUNT
} ocpp_error_kind;

typedef struct {
  /* the kind as the filler's version spells it; for station calls also the
   * engine's own "Timeout", "Disconnected", "InvalidResponse". Empty after
   * ocpp_schema_validate/decode, which know no version: the generated
   * <version>_validate and _decode functions spell it. */
  char code[40];
  char text[200];
  ocpp_error_kind kind; /* what the RPC engine answers, in its own version's spelling */
} ocpp_error;

#endif
