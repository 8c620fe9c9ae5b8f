/*
 * The OCPP configuration keys: the ocpp module's settings (its key table,
 * handed to the registry) and the OCPP 1.6 key names the back end sees
 * (GetConfiguration, ChangeConfiguration). A key OCPP exposes is described
 * once, by its registry row (cfg_key_def.ocpp_name, CFG_OCPP_READONLY);
 * the few keys that describe the firmware (SupportedFeatureProfiles...)
 * are not settings and are listed in ocpp_keys.c with their values.
 */
#ifndef BORNE_OCPP_OCPP_KEYS_H
#define BORNE_OCPP_OCPP_KEYS_H

#include <jansson.h>

#include "ocpp16_messages.h" /* generated from the OCPP 1.6 schemas */
#include "config/config_tables.h"
#include "store/store.h"

/* The ocpp module's keys (ocpp.*), for the registry. */
extern const cfg_key_table ocpp_keys;

/* ChangeConfiguration -> ConfigurationStatus. On "Accepted" the value is set
 * in cfg and saved with borne's settings in db; `applied` names the borne
 * key. */
const char *ocpp_keys_change(store *db, config *cfg, const char *key, const char *value,
                             char *applied, size_t appliedlen);
/* GetConfiguration.conf for the keys of req (req NULL or without keys: all,
 * in the order of OCPP 1.6 section 9). */
json_t *ocpp_keys_get(const config *cfg, const ocpp16_GetConfigurationRequest *req);
/* The borne key behind an OCPP key name ("HeartbeatInterval" ->
 * "ocpp.HeartbeatInterval", "ConnectionTimeOut" -> "auth.timeout_s"); NULL
 * when the key is not configurable. */
const char *ocpp_keys_borne_key(const char *name);
/* Checks the OCPP keys of a configuration (measurand lists); -1 with why. */
int ocpp_keys_check(const config *cfg, char *why, size_t whylen);

#endif
