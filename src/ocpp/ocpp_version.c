/*
 * The dialects of the OCPP versions side by side (see ocpp_version.h): one
 * table each, so that the differences between 1.6 and 2.0.1 the RPC engine
 * and transport care about are read here and nowhere else.
 */
#include "ocpp/ocpp_version.h"

#include <stdio.h>
#include <string.h>

#include "ocpp16_messages.h"
#include "ocpp201_messages.h"
#include "ocpp21_messages.h"

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
    .spoken = true,
    .validate = ocpp16_validate,
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
    .spoken = true, /* src/ocpp/v201 */
    .validate = ocpp201_validate,
};

/* OCPP 2.1 (OCPP-J 2.1 part 4 section 4.3) spells every code of 2.0.1 the same way; its
 * CALLRESULTERROR and SEND frames are the RPC layer's business, not a spelling. */
const ocpp_dialect ocpp21_dialect = {
    .version = "2.1",
    .subprotocol = "ocpp2.1",
    .send_frames = true,
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
    .spoken = true, /* through the 2.0.1 dialect (src/ocpp/v201, docs/ocpp21.md) */
    .validate = ocpp21_validate,
};

const char *ocpp_dialect_code(const ocpp_dialect *d, ocpp_error_kind kind) {
  if ((unsigned)kind >= OCPP_ERR_KIND_COUNT) kind = OCPP_ERR_GENERIC;
  return d->codes[kind];
}

void ocpp_dialect_spell(const ocpp_dialect *d, ocpp_error *err) {
  if (err) snprintf(err->code, sizeof err->code, "%s", ocpp_dialect_code(d, err->kind));
}

static const ocpp_dialect *const all[] = {&ocpp16_dialect, &ocpp201_dialect, &ocpp21_dialect};

const ocpp_dialect *ocpp_dialect_find(const char *name) {
  if (!name) return NULL;
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
    if (!strcmp(name, all[i]->version) || !strcmp(name, all[i]->subprotocol)) return all[i];
  return NULL;
}

int ocpp_version_list_parse(const char *text, bool spoken_only,
                            const ocpp_dialect *out[OCPP_VERSIONS_MAX], size_t *n, char *why,
                            size_t whylen) {
  *n = 0;
  if (!text) text = "";
  const char *p = text;
  for (;;) {
    while (*p == ' ') p++;
    const char *end = p;
    while (*end && *end != ',') end++;
    const char *last = end;
    while (last > p && last[-1] == ' ') last--;
    size_t len = (size_t)(last - p);
    char item[16];
    if (len == 0) {
      snprintf(why, whylen, "%s", *text ? "an empty item in the list" : "no OCPP version");
      return -1;
    }
    if (len >= sizeof item) {
      snprintf(why, whylen, "unknown OCPP version '%.*s' (1.6, 2.0.1 or 2.1)", (int)len, p);
      return -1;
    }
    memcpy(item, p, len);
    item[len] = 0;
    const ocpp_dialect *d = ocpp_dialect_find(item);
    if (!d || strcmp(item, d->version)) {
      snprintf(why, whylen, "unknown OCPP version '%s' (1.6, 2.0.1 or 2.1)", item);
      return -1;
    }
    for (size_t i = 0; i < *n; i++)
      if (out[i] == d) {
        snprintf(why, whylen, "OCPP version %s named twice", item);
        return -1;
      }
    if (spoken_only && !d->spoken) {
      snprintf(why, whylen, "OCPP %s is not spoken by borne", item);
      return -1;
    }
    out[(*n)++] = d; /* at most OCPP_VERSIONS_MAX: there are no more distinct ones */
    if (!*end) return 0;
    p = end + 1;
  }
}

int ocpp_version_offer(const ocpp_dialect *const list[], size_t n, char *buf, size_t len) {
  if (!len) return -1;
  buf[0] = 0;
  size_t used = 0;
  for (size_t i = 0; i < n; i++) {
    int w = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", list[i]->subprotocol);
    if (w < 0 || (size_t)w >= len - used) return -1;
    used += (size_t)w;
  }
  return 0;
}

const ocpp_dialect *ocpp_version_picked(const ocpp_dialect *const list[], size_t n,
                                        const char *picked) {
  if (!n) return NULL;
  if (!picked || !*picked) return list[0];
  for (size_t i = 0; i < n; i++)
    if (!strcmp(picked, list[i]->subprotocol)) return list[i];
  return NULL;
}
