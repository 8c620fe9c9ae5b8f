/*
 * Configuration: a registry of every key (name, type, default, range, doc)
 * and a validated key -> value map built from defaults, the config file,
 * settings saved at run time and --set flags, in that order.
 *
 * Keys are dotted names; per-connector keys are written `connector.N.key`
 * (N = 1..8) and registered once as `connector.*.key`. Every error names the
 * key (and the file and line) and says why; nothing is silently defaulted.
 */
#ifndef BORNE_CONFIG_CONFIG_H
#define BORNE_CONFIG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

typedef enum { CFG_STRING, CFG_INT, CFG_NUMBER, CFG_BOOL, CFG_ENUM } cfg_type;

typedef struct {
  const char *key;        /* "station.id", "connector.*.phases" */
  cfg_type type;
  const char *def;        /* default as text; NULL = no default (unset) */
  double min, max;        /* for CFG_INT / CFG_NUMBER */
  const char *choices;    /* for CFG_ENUM: "free|badge|ocpp" */
  bool runtime;           /* may change without a restart (PUT /api/v1/settings) */
  const char *doc;        /* one line for docs/configuration.md */
} cfg_key_def;

typedef struct config config;

config *config_new(void);
void config_free(config *c);

/* Registry lookup ("connector.2.phases" finds "connector.*.phases"). */
const cfg_key_def *config_key_def(const char *key);
const cfg_key_def *config_registry(int *count);

/* Validate and set. On error returns -1 and writes "KEY: reason" into err. */
int config_set(config *c, const char *key, const char *value, char *err, size_t errlen);
/* Parse a file of `key = value` lines, `# comments` and optional `[section]`
 * headers that prefix the keys below them. Errors: "FILE:LINE: KEY: reason". */
int config_load_file(config *c, const char *path, char *err, size_t errlen);
int config_load_string(config *c, const char *text, const char *name, char *err, size_t errlen);
/* Cross-key checks (e.g. connector.N for N > station.connectors). */
int config_check(const config *c, char *err, size_t errlen);

/* Value or default; NULL when neither. */
const char *config_get(const config *c, const char *key);
long config_get_int(const config *c, const char *key);
double config_get_number(const config *c, const char *key);
bool config_get_bool(const config *c, const char *key);
/* Keys explicitly set (not defaults), in insertion order. */
typedef int (*config_cb)(void *ctx, const char *key, const char *value);
int config_each_set(const config *c, config_cb cb, void *ctx);

#endif
