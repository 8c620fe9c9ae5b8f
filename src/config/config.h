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

/* Flags of a key (cfg_key_def.flags). CFG_RUNTIME is 1 so that a table row
 * written with `true` / `false` in that place reads as run time / restart. */
#define CFG_RUNTIME 1u /* may change without a restart (PUT /api/v1/settings) */
#define CFG_SECRET 2u  /* write-only: its value is never shown, exported or logged */
/* Set in the configuration file (or --set) only, never through the API or
 * OCPP: a key that runs a command or names a file to execute. A value of it
 * saved through the API before this flag existed is ignored at start. */
#define CFG_FILE_ONLY 4u
/* With ocpp_name: the OCPP back end reads the key (GetConfiguration) but
 * may not change it (ChangeConfiguration answers Rejected). */
#define CFG_OCPP_READONLY 8u

typedef struct {
  const char *key; /* "station.id", "connector.*.phases" */
  cfg_type type;
  const char *def; /* default as text; NULL = no default (unset) */
  /* CFG_INT / CFG_NUMBER: the range (ignored when min == max). CFG_STRING:
   * max is the most characters a value may have (every string key has one;
   * min is 0). */
  double min, max;
  const char *choices; /* CFG_ENUM: "free|badge|ocpp"; CFG_INT: allowed values "1|3" */
  unsigned flags;      /* CFG_RUNTIME, CFG_SECRET, CFG_FILE_ONLY, CFG_OCPP_READONLY */
  const char *doc;     /* one line for docs/configuration.md */
  const char *format;  /* CFG_STRING: the accepted shape, for the docs; NULL = any text */
  cfg_check_fn check;  /* CFG_STRING: validates that shape; NULL = none */
  /* The OCPP 1.6 configuration key that shows this setting to the back end
   * ("HeartbeatInterval"; GetConfiguration, ChangeConfiguration), read-write
   * unless flags has CFG_OCPP_READONLY, write-only when CFG_SECRET. NULL:
   * OCPP does not see it. Rows that set it name it with a designator. */
  const char *ocpp_name;
} cfg_key_def;

/* The flags of a key, false for NULL (an unknown key). */
bool config_key_runtime(const cfg_key_def *def);
bool config_key_secret(const cfg_key_def *def);
bool config_key_file_only(const cfg_key_def *def);
/* May `key` be set from outside the configuration file (the API, OCPP, an
 * import)? Returns 0, or -1 with "KEY: reason" in err (unknown key, or one
 * of CFG_FILE_ONLY). */
int config_settable_remotely(const char *key, char *err, size_t errlen);

typedef struct config config;

/* The longest value of any key (config file lines are at most
 * CONFIG_LINE_MAX characters); a string key's own bound (cfg_key_def.max) is
 * at most this. Only site.members uses it all (64 members written out as
 * 255.255.255.255:65535 take 1407 characters, docs/site.md); every other
 * string key has a far smaller bound of its own. */
#define CONFIG_VALUE_MAX 4000
#define CONFIG_LINE_MAX 4096

config *config_new(void);
/* A configuration over shared defaults (borne-swarm: one base for every
 * station): its reads find its own keys first, then base's explicitly set
 * keys, then the registry's defaults. Only its own keys are held (and
 * freed) by it; base is not copied, must outlive it and must not change
 * while it lives. config_set writes its own layer (a station's override
 * wins); clearing a key base sets hides base's value; config_reset drops the
 * override (base's value shows again). config_each_set walks base's keys
 * (with the values this one reads) then its own. */
config *config_new_over(const config *base);
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
/* Back to the default beneath: the key's own value (or its clearing) is
 * dropped, so that the shared defaults' value (config_new_over) or the
 * registry's default shows again; the key counts as changed
 * (config_changed_at). 0 also when there was nothing to drop; -1 with
 * "unknown key" in err. */
int config_reset(config *c, const char *key, char *err, size_t errlen);
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
/* Every successful config_set() (a clear included) advances the
 * configuration's generation; config_changed_at() is the generation at which
 * `key` last changed (0: never since config_new). A module that keeps copies
 * of settings records the generation it loaded them at, and knows they are
 * current while no key it reads changed after that. */
unsigned long config_generation(const config *c);
unsigned long config_changed_at(const config *c, const char *key);
/* Keys explicitly set (not defaults), in insertion order. A non-zero return
 * from cb stops the walk and is returned. */
typedef int (*config_cb)(void *ctx, const char *key, const char *value);
int config_each_set(const config *c, config_cb cb, void *ctx);

/* The key table of docs/configuration.md (markdown), from the registry. */
int config_doc_markdown(FILE *out);

#endif
