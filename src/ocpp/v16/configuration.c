/*
 * OCPP 1.6 configuration: the incoming GetConfiguration (5.8) and
 * ChangeConfiguration (5.3). The keys themselves (types, ranges, access)
 * are described by the key table the handlers hand the request to; this
 * file is the 1.6 dialect's glue for the two messages, with the security
 * event a changed AuthorizationKey/SecurityProfile raises.
 */
#include <string.h>
#include <strings.h>

#include "ocpp/v16/v16_internal.h"

static void h_change_configuration(ocpp16_station *o, const json_t *req, ocpp_reply *r) {
  ocpp16_ChangeConfigurationRequest q;
  ocpp_error e;
  if (!v16_decoded(ocpp16_ChangeConfigurationRequest_decode(req, &q, &e), &e, r)) return;
  const char *key = q.key;
  char applied[96] = "";
  /* the Basic password arrives hex-encoded (v16_authorization_key_decode);
   * the decoded copy is wiped once stored */
  char password[sizeof q.value];
  const char *value = q.value;
  const char *status = NULL;
  if (!strcasecmp(key, "AuthorizationKey")) {
    if (v16_authorization_key_decode(q.value, password, sizeof password) < 0) status = "Rejected";
    value = password;
  }
  if (!status)
    status = ocpp_keys_change(o->st->db, o->st->cfg, key, value, applied, sizeof applied);
  explicit_bzero(password, sizeof password);
  if (strcmp(status, "Accepted") == 0 && applied[0]) {
    station_apply_setting(o->st, applied);
    /* a module that cannot take the value in place takes it at the restart */
    if (station_setting_use(o->st, applied) == SETTING_STALE) status = "RebootRequired";
  }
  v16_reply_status(r, status);
  if (!strcmp(status, "Accepted") &&
      (!strcmp(key, "AuthorizationKey") || !strcmp(key, "SecurityProfile")))
    v16_security_event(o, "ReconfigurationOfSecurityParameters", key);
  ocpp16_ChangeConfigurationRequest_free(&q);
}

static void h_get_configuration(ocpp16_station *o, const json_t *req, ocpp_reply *r) {
  ocpp16_GetConfigurationRequest q;
  ocpp_error e;
  if (!v16_decoded(ocpp16_GetConfigurationRequest_decode(req, &q, &e), &e, r)) return;
  r->result = ocpp_keys_get(o->st->cfg, &q);
  ocpp16_GetConfigurationRequest_free(&q);
}

/* The incoming CALLs of this family (gathered by on_call in ocpp16_module.c). */
static const v16_handler handlers[] = {
    {"ChangeConfiguration", h_change_configuration, false},
    {"GetConfiguration", h_get_configuration, false},
};
const v16_family v16_configuration_calls = {handlers, sizeof handlers / sizeof handlers[0]};
