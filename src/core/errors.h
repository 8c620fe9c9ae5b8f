/*
 * The error-code table (data): code, text for the owner, action for the
 * installer, OCPP 1.6 ChargePointErrorCode. Mirrored in docs/error-codes.md.
 */
#ifndef BORNE_CORE_ERRORS_H
#define BORNE_CORE_ERRORS_H

#include "core/types.h"

typedef struct {
  error_code code;
  const char *owner_text;
  const char *installer_action;
  /* e.g. "GroundFailure", "OtherError": data, read by the OCPP 1.6 dialect
   * (src/ocpp/v16/vocabulary.c) and shown by the REST API as `ocpp` */
  const char *ocpp16_code;
  /* OCPP 1.6 StatusNotification.vendorErrorCode (max 50 chars): says what
   * an "OtherError" really is, and refines the others. */
  const char *vendor_code;
} error_info;

/* Never NULL: unknown codes get a generic entry. */
const error_info *error_info_of(error_code code);
const error_info *error_table(int *count);

#endif
