/*
 * The dialects of the OCPP versions side by side (see ocpp_version.h): one
 * table each, so that the differences between 1.6 and 2.0.1 the RPC engine
 * and transport care about are read here and nowhere else.
 */
#include "ocpp/ocpp_version.h"

#include <stdio.h>

const ocpp_dialect ocpp16_dialect = {
    .version = "1.6",
    .subprotocol = "ocpp1.6",
    .codes =
        {
            [OCPP_ERR_NONE] = "GenericError",
            [OCPP_ERR_FORMAT] = "FormationViolation",
            [OCPP_ERR_PROTOCOL] = "ProtocolError",
            [OCPP_ERR_TYPE_CONSTRAINT] = "TypeConstraintViolation",
            [OCPP_ERR_PROPERTY_CONSTRAINT] = "PropertyConstraintViolation",
            [OCPP_ERR_OCCURRENCE_CONSTRAINT] = "OccurenceConstraintViolation", /* sic, 1.6 */
            [OCPP_ERR_NOT_IMPLEMENTED] = "NotImplemented",
            [OCPP_ERR_NOT_SUPPORTED] = "NotSupported",
            [OCPP_ERR_INTERNAL] = "InternalError",
            [OCPP_ERR_SECURITY] = "SecurityError",
            [OCPP_ERR_GENERIC] = "GenericError",
            /* 1.6 has neither: a frame that is not a well-formed message is a
             * FormationViolation */
            [OCPP_ERR_MESSAGE_TYPE_NOT_SUPPORTED] = "FormationViolation",
            [OCPP_ERR_RPC_FRAMEWORK] = "FormationViolation",
        },
    .max_outstanding_calls = 1,
};

const ocpp_dialect ocpp201_dialect = {
    .version = "2.0.1",
    .subprotocol = "ocpp2.0.1",
    .codes =
        {
            [OCPP_ERR_NONE] = "GenericError",
            [OCPP_ERR_FORMAT] = "FormatViolation",
            [OCPP_ERR_PROTOCOL] = "ProtocolError",
            [OCPP_ERR_TYPE_CONSTRAINT] = "TypeConstraintViolation",
            [OCPP_ERR_PROPERTY_CONSTRAINT] = "PropertyConstraintViolation",
            [OCPP_ERR_OCCURRENCE_CONSTRAINT] = "OccurrenceConstraintViolation",
            [OCPP_ERR_NOT_IMPLEMENTED] = "NotImplemented",
            [OCPP_ERR_NOT_SUPPORTED] = "NotSupported",
            [OCPP_ERR_INTERNAL] = "InternalError",
            [OCPP_ERR_SECURITY] = "SecurityError",
            [OCPP_ERR_GENERIC] = "GenericError",
            [OCPP_ERR_MESSAGE_TYPE_NOT_SUPPORTED] = "MessageTypeNotSupported",
            [OCPP_ERR_RPC_FRAMEWORK] = "RpcFrameworkError",
        },
    .max_outstanding_calls = 1,
};

/* OCPP 2.1 (OCPP-J 2.1 part 4 section 4.3) spells every code of 2.0.1 the same way; its
 * CALLRESULTERROR and SEND frames are the RPC layer's business, not a spelling. */
const ocpp_dialect ocpp21_dialect = {
    .version = "2.1",
    .subprotocol = "ocpp2.1",
    .codes =
        {
            [OCPP_ERR_NONE] = "GenericError",
            [OCPP_ERR_FORMAT] = "FormatViolation",
            [OCPP_ERR_PROTOCOL] = "ProtocolError",
            [OCPP_ERR_TYPE_CONSTRAINT] = "TypeConstraintViolation",
            [OCPP_ERR_PROPERTY_CONSTRAINT] = "PropertyConstraintViolation",
            [OCPP_ERR_OCCURRENCE_CONSTRAINT] = "OccurrenceConstraintViolation",
            [OCPP_ERR_NOT_IMPLEMENTED] = "NotImplemented",
            [OCPP_ERR_NOT_SUPPORTED] = "NotSupported",
            [OCPP_ERR_INTERNAL] = "InternalError",
            [OCPP_ERR_SECURITY] = "SecurityError",
            [OCPP_ERR_GENERIC] = "GenericError",
            [OCPP_ERR_MESSAGE_TYPE_NOT_SUPPORTED] = "MessageTypeNotSupported",
            [OCPP_ERR_RPC_FRAMEWORK] = "RpcFrameworkError",
        },
    .max_outstanding_calls = 1,
};

const char *ocpp_dialect_code(const ocpp_dialect *d, ocpp_error_kind kind) {
  if ((unsigned)kind >= OCPP_ERR_KIND_COUNT) kind = OCPP_ERR_GENERIC;
  return d->codes[kind];
}

void ocpp_dialect_spell(const ocpp_dialect *d, ocpp_error *err) {
  if (err) snprintf(err->code, sizeof err->code, "%s", ocpp_dialect_code(d, err->kind));
}
