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
#include <stdio.h>

typedef enum { CFG_STRING, CFG_INT, CFG_NUMBER, CFG_BOOL, CFG_ENUM } cfg_type;

/* Extra validation of a value that already passed its type and range check.
 * Returns 0, or -1 with a reason (without the key) in why. */
typedef int (*cfg_check_fn)(const char *value, char *why, size_t whylen);

typedef struct {
  const char *key; /* "station.id", "connector.*.phases" */
  cfg_type type;
  const char *def;     /* default as text; NULL = no default (unset) */
  double min, max;     /* for CFG_INT / CFG_NUMBER (ignored when min == max) */
  const char *choices; /* CFG_ENUM: "free|badge|ocpp"; CFG_INT: allowed values "1|3" */
  bool runtime;        /* may change without a restart (PUT /api/v1/settings) */
  const char *doc;     /* one line for docs/configuration.md */
  const char *format;  /* CFG_STRING: the accepted shape, for the docs; NULL = any text */
  cfg_check_fn check;  /* CFG_STRING: validates that shape; NULL = none */
} cfg_key_def;

typedef struct config config;

config *config_new(void);
void config_free(config *c);

/* Registry lookup ("connector.2.phases" finds "connector.*.phases",
 * "meter.grid.model" finds "meter.*.model"). A `*` segment is a connector
 * number 1..8 under `connector.`, else a name of 1..32 of a-z 0-9 _. */
#define CONFIG_NAME_MAX 32
bool config_key_matches(const char *pattern, const char *key);
bool config_wildcard_segment(const char *pattern, const char *seg, size_t n);
const cfg_key_def *config_key_def(const char *key);
const cfg_key_def *config_registry(int *count);
const char *config_type_name(cfg_type t); /* "string", "int", "number", "bool", "enum" */

/* Validate and set. On error returns -1 and writes "KEY: reason" into err.
 * Values are stored in canonical form (bools as true/false, numbers as
 * decimal). An empty value clears a key that has no default. */
int config_set(config *c, const char *key, const char *value, char *err, size_t errlen);
/* Validate only, as config_set would, without a config. */
int config_validate(const char *key, const char *value, char *err, size_t errlen);
/* Parse a file of `key = value` lines, `# comments` and optional `[section]`
 * headers that prefix the keys below them. Errors: "FILE:LINE: KEY: reason".
 * All or nothing: on error the config is left as it was. */
int config_load_file(config *c, const char *path, char *err, size_t errlen);
int config_load_string(config *c, const char *text, const char *name, char *err, size_t errlen);
/* Cross-key checks (e.g. connector.N for N > station.connectors). */
int config_check(const config *c, char *err, size_t errlen);

/* Value or default; NULL when neither. */
const char *config_get(const config *c, const char *key);
long config_get_int(const config *c, const char *key);
double config_get_number(const config *c, const char *key);
bool config_get_bool(const config *c, const char *key);
/* The installer current selector of a connector in amps: selector_position
 * when set (0-5 -> 32/25/20/16/12/8 A, reserved 6-9 -> 8 A), else selector_a. */
int config_selector_amps(const config *c, int connector);
/* Keys explicitly set (not defaults), in insertion order. A non-zero return
 * from cb stops the walk and is returned. */
typedef int (*config_cb)(void *ctx, const char *key, const char *value);
int config_each_set(const config *c, config_cb cb, void *ctx);

/* The key table of docs/configuration.md (markdown), from the registry. */
int config_doc_markdown(FILE *out);

#endif
