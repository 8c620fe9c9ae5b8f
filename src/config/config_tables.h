/*
 * Configuration keys are registered in tables: the station core's in
 * config_registry.c, and one table per module next to the module that owns
 * it (src/<module>/<module>_keys.c), so that each module documents its own
 * keys. The registry includes no module: each table is handed to it
 * (config_registry_add_table) before any configuration is made; src/keys
 * holds the list of every module's table, in the order of
 * docs/configuration.md. A table's rows end with one whose key is NULL.
 */
#ifndef BORNE_CONFIG_TABLES_H
#define BORNE_CONFIG_TABLES_H

#include "config/config.h"

typedef struct {
  const char *module;      /* "ocpp": the module that owns the keys */
  const cfg_key_def *keys; /* ends with a row whose key is NULL */
  /* Cross-key checks of these keys, run by config_check() after the core's;
   * 0, or -1 with "KEY: reason" in err. NULL: none. */
  int (*check)(const config *c, char *err, size_t errlen);
} cfg_key_table;

/* Adds a module's keys to the registry, after the core's and the tables
 * added before it (the order of the docs). The same table twice is added
 * once. 0, or -1 when the registry is full. Call it before making a config:
 * the keys of a table not added are unknown. */
int config_registry_add_table(const cfg_key_table *t);
/* The cross-key checks of the tables added, in order (config_check). */
int config_registry_check(const config *c, char *err, size_t errlen);
/* A cfg_key_def check shared by the tables: an absolute path, or empty (the
 * length is the key's own bound). In config_registry.c. */
int config_check_abs_or_empty(const char *v, char *why, size_t len);
/* Cross-key checks of station-wide GPIO keys: the connector pin key (into
 * key) already using GPIO line `spec` ("[!]gpiochipN:LINE"), NULL when none. */
const char *config_pin_user(const config *c, const char *spec, char *key, size_t len);

#endif
