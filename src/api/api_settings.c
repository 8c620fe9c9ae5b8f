/*
 * GET/PUT /api/v1/settings. A PUT is all or nothing: every key is validated
 * (alone and together with the rest of the configuration) on a scratch copy
 * before anything is saved or applied. Saved settings survive restarts
 * (settings table) and rank above the config file, below command-line flags.
 * Secrets (CFG_SECRET in the registry) are write-only: shown as
 * {"set": true|false}, never their value. Keys set in the configuration file
 * only (CFG_FILE_ONLY) are refused.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "http/http_json.h"
#include "station/station.h"
#include "api/api_module.h"

static int copy_key(void *ctx, const char *key, const char *value) {
  char err[8];
  config_set(ctx, key, value, err, sizeof err);
  return 0;
}

/* How a secret is shown: whether it has a value, never the value. */
static json_t *secret_json(const char *value) {
  return json_pack("{s:b}", "set", value && value[0]);
}

static bool is_secret(const char *key) { return config_key_secret(config_key_def(key)); }

static json_t *typed_value(const cfg_key_def *def, const char *value) {
  if (config_key_secret(def)) return secret_json(value);
  if (!value) return json_null();
  switch (def->type) {
  case CFG_INT:
  case CFG_NUMBER: {
    double d;
    if (sscanf(value, "%lf", &d) == 1) {
      if (def->type == CFG_INT) return json_integer((json_int_t)d);
      return json_real(d);
    }
    return json_string(value);
  }
  case CFG_BOOL: {
    int t = !strcmp(value, "true") || !strcmp(value, "yes") || !strcmp(value, "on") ||
            !strcmp(value, "1");
    return json_boolean(t);
  }
  default:
    return json_string(value);
  }
}

/* Keys under a named wildcard (meter.NAME.model) exist only when set. */
static int add_named_key(void *ctx, const char *key, const char *value) {
  const cfg_key_def *d = config_key_def(key);
  if (d && strchr(d->key, '*') && strncmp(d->key, "connector.", 10) != 0)
    json_object_set_new(ctx, key, typed_value(d, value));
  return 0;
}

/* Every effective setting, typed (null: unset without a default). */
static json_t *settings_json(station *st) {
  int n;
  const cfg_key_def *defs = config_registry(&n);
  json_t *o = json_object();
  for (int i = 0; i < n; i++) {
    const char *star = strstr(defs[i].key, ".*.");
    if (star && strncmp(defs[i].key, "connector.", 10) != 0) continue; /* named: below */
    if (!star) {
      json_object_set_new(o, defs[i].key, typed_value(&defs[i], config_get(st->cfg, defs[i].key)));
      continue;
    }
    for (int c = 1; c <= station_connector_count(st); c++) {
      char key[128];
      snprintf(key, sizeof key, "%.*s.%d.%s", (int)(star - defs[i].key), defs[i].key, c, star + 3);
      json_object_set_new(o, key, typed_value(&defs[i], config_get(st->cfg, key)));
    }
  }
  config_each_set(st->cfg, add_named_key, o);
  return o;
}

static int get_settings(void *ctx, const http_request *req, http_response *res) {
  (void)req;
  http_json_body(res, json_pack("{s:o}", "settings", settings_json(ctx)));
  return 0;
}

/* JSON member -> configuration text: a string as it is (however long: the
 * registry's bound judges it), other scalars written into out. */
static int value_text(json_t *v, char *out, size_t len, const char **text) {
  *text = out;
  if (json_is_string(v)) {
    *text = json_string_value(v);
  } else if (json_is_integer(v)) {
    snprintf(out, len, "%lld", (long long)json_integer_value(v));
  } else if (json_is_real(v)) {
    snprintf(out, len, "%.10g", json_real_value(v));
  } else if (json_is_boolean(v)) {
    snprintf(out, len, "%s", json_is_true(v) ? "true" : "false");
  } else {
    return -1;
  }
  return 0;
}

static int put_settings(void *ctx, const http_request *req, http_response *res) {
  station *st = ctx;
  json_t *body = http_parse_object(req, res, 0);
  if (!body) return 0;
  if (json_object_size(body) == 0) {
    json_decref(body);
    return http_json_error(res, 400, "no settings given"), 0;
  }
  config *scratch = config_new();
  config_each_set(st->cfg, copy_key, scratch);
  const char *key;
  json_t *v;
  char err[256], buf[64];
  const char *text;
  int failed = 0;
  json_object_foreach(body, key, v) {
    if (config_key_def(key) && config_settable_remotely(key, err, sizeof err) != 0) {
      http_json_error(res, 403, "%s", err);
      failed = 1;
      break;
    }
    if (value_text(v, buf, sizeof buf, &text) != 0) {
      http_json_error(res, 400, "%s: must be a string, number or boolean", key);
      failed = 1;
      break;
    }
    if (config_set(scratch, key, text, err, sizeof err) != 0) {
      http_json_error(res, 400, "%s", err);
      failed = 1;
      break;
    }
  }
  if (!failed && config_check(scratch, err, sizeof err) != 0) {
    http_json_error(res, 400, "%s", err);
    failed = 1;
  }
  config_free(scratch);
  if (failed) {
    json_decref(body);
    return 0;
  }
  json_t *applied = json_object();
  json_t *restart = json_array();
  json_object_foreach(body, key, v) {
    value_text(v, buf, sizeof buf, &text);
    config_set(st->cfg, key, text, err, sizeof err);
    if (store_setting_put(st->db, key, text) != 0) {
      json_decref(applied);
      json_decref(restart);
      json_decref(body);
      return http_json_error(res, 500, "cannot save %s: %s", key, store_last_error(st->db)), 0;
    }
    /* a run-time key a module cannot take in place waits for the restart too */
    if (!config_key_runtime(config_key_def(key))) {
      json_array_append_new(restart, json_string(key));
    } else {
      station_apply_setting(st, key);
      if (station_setting_use(st, key) == SETTING_STALE)
        json_array_append_new(restart, json_string(key));
    }
    if (is_secret(key))
      json_object_set_new(applied, key, secret_json(config_get(st->cfg, key)));
    else
      json_object_set(applied, key, v);
    station_event(st, 0, "setting", "%s=%s", key, is_secret(key) ? "(secret)" : text);
  }
  json_decref(body);
  http_json_body(res, json_pack("{s:o, s:o}", "applied", applied, "restart_required", restart));
  return 0;
}

/* PUT /api/v1/owner-settings: the few settings the owner (reception) runs
 * the site with — the station's charging windows (issue 7: the owner has
 * "charging windows"); the same checks and effects as PUT /settings, which
 * stays the installer's. */
static const char *const owner_keys[] = {"schedule.windows", "schedule.follow_offpeak", NULL};

/* connector.N.charge_mode: the owner picks each point's charging mode
 * (issue 21: "set from the web page"; the dashboard's select). */
static bool owner_charge_mode_key(const char *key) {
  if (strncmp(key, "connector.", 10) != 0) return false;
  const char *p = key + 10;
  if (*p < '1' || *p > '9') return false;
  while (*p >= '0' && *p <= '9') p++;
  return strcmp(p, ".charge_mode") == 0;
}

static int put_owner_settings(void *ctx, const http_request *req, http_response *res) {
  json_t *body = http_parse_object(req, res, 0);
  if (!body) return 0;
  const char *key;
  json_t *v;
  json_object_foreach(body, key, v) {
    bool allowed = false;
    for (int i = 0; owner_keys[i] && !allowed; i++) allowed = strcmp(owner_keys[i], key) == 0;
    allowed |= owner_charge_mode_key(key);
    if (!allowed) {
      /* the message first: `key` lives in body */
      http_json_error(res, 403, "%s: only the installer may change it (Settings)", key);
      json_decref(body);
      return 0;
    }
  }
  json_decref(body);
  return put_settings(ctx, req, res);
}

/* ---- export and import of the whole configuration ----
 *
 * GET /api/v1/config/export: every effective setting in one JSON document
 * (format "borne-config", version 1). Secrets are left out, not masked, and
 * listed in `secrets_excluded`: the file can be mailed or kept on a laptop,
 * and a masked value could be imported back by mistake. PIN hashes are not
 * settings and never leave the station; neither does the API token.
 *
 * POST /api/v1/config/import[?dry_run=1]: such a document (or just
 * {"settings": {...}}). All or nothing: every key is checked on a scratch
 * copy (alone, then together), every bad key reported; nothing is saved
 * unless all pass. Keys whose value does not change are left alone; the
 * answer lists what changed and which changes need a restart. */

#define EXPORT_FORMAT "borne-config"
#define EXPORT_VERSION 1

static int get_config_export(void *ctx, const http_request *req, http_response *res) {
  (void)req;
  station *st = ctx;
  json_t *settings = settings_json(st);
  json_t *secrets = json_array();
  const char *key;
  json_t *v;
  void *tmp;
  json_object_foreach_safe(settings, tmp, key, v) {
    if (is_secret(key)) {
      if (json_is_true(json_object_get(v, "set"))) json_array_append_new(secrets, json_string(key));
      json_object_del(settings, key);
    } else if (json_is_null(v)) {
      json_object_del(settings, key);
    }
  }
  const char *id = config_get(st->cfg, "station.id");
  http_json_body(res, json_pack("{s:s, s:i, s:s, s:o, s:o, s:o}", "format", EXPORT_FORMAT,
                                "version", EXPORT_VERSION, "station", id ? id : "", "exported_at",
                                json_time(clock_now(&st->clock)), "settings", settings,
                                "secrets_excluded", secrets));
  /* the server copies the header after we return: keep it in static storage */
  static char disposition[200];
  char safe[64];
  size_t n = 0;
  for (const char *p = id ? id : ""; *p && n + 1 < sizeof safe; p++)
    safe[n++] = (isalnum((unsigned char)*p) || *p == '-' || *p == '_') ? *p : '_';
  safe[n] = '\0';
  snprintf(disposition, sizeof disposition,
           "Content-Disposition: attachment; filename=\"borne-config-%s.json\"",
           n ? safe : "station");
  res->extra_header = disposition;
  return 0;
}

/* `text` as the key's typed value, to compare with the current one. */
static json_t *typed_of(const char *key, const char *text) {
  const cfg_key_def *d = config_key_def(key);
  return d ? typed_value(d, text) : (text ? json_string(text) : json_null());
}

static json_t *key_error(const char *key, const char *msg) {
  return json_pack("{s:s?, s:s}", "key", key, "error", msg);
}

static int post_config_import(void *ctx, const http_request *req, http_response *res) {
  station *st = ctx;
  char qbuf[8];
  const char *dr = http_query_param(req, "dry_run", qbuf, sizeof qbuf);
  bool dry_run = dr && (!strcmp(dr, "1") || !strcmp(dr, "true") || !dr[0]);
  json_t *body = http_parse_object(req, res, 0);
  if (!body) return 0;
  json_t *fmt = json_object_get(body, "format"), *ver = json_object_get(body, "version");
  json_t *settings = json_object_get(body, "settings");
  if (fmt && !(json_is_string(fmt) && !strcmp(json_string_value(fmt), EXPORT_FORMAT))) {
    json_decref(body);
    return http_json_error(res, 400, "format: not a borne configuration (\"%s\" expected)",
                           EXPORT_FORMAT),
           0;
  }
  if (ver && !(json_is_integer(ver) && json_integer_value(ver) == EXPORT_VERSION)) {
    json_decref(body);
    return http_json_error(res, 400, "version: this station reads version %d", EXPORT_VERSION), 0;
  }
  if (!json_is_object(settings) || json_object_size(settings) == 0) {
    json_decref(body);
    return http_json_error(res, 400, "settings: an object with at least one setting is required"),
           0;
  }
  config *scratch = config_new();
  config_each_set(st->cfg, copy_key, scratch);
  json_t *errors = json_array(), *skipped = json_array();
  const char *key;
  json_t *v;
  char err[256], buf[64];
  const char *text;
  json_object_foreach(settings, key, v) {
    if (json_is_null(v)) {
      json_array_append_new(skipped, json_string(key));
    } else if (value_text(v, buf, sizeof buf, &text) != 0) {
      json_array_append_new(errors, key_error(key, "must be a string, number or boolean"));
    } else if (config_set(scratch, key, text, err, sizeof err) != 0) {
      json_array_append_new(errors, key_error(key, err));
    } else if (config_settable_remotely(key, err, sizeof err) != 0) {
      /* the station's own value comes back unchanged from an export */
      const char *now = config_get(st->cfg, key), *next = config_get(scratch, key);
      if (strcmp(now ? now : "", next ? next : "") != 0)
        json_array_append_new(errors, key_error(key, err));
    }
  }
  if (!json_array_size(errors) && config_check(scratch, err, sizeof err) != 0)
    json_array_append_new(errors, key_error(NULL, err));
  config_free(scratch);
  if (json_array_size(errors)) {
    size_t n = json_array_size(errors);
    http_json_body(res, json_pack("{s:s, s:o}", "error",
                                  n == 1 ? "1 setting is invalid: nothing was changed"
                                         : "settings are invalid: nothing was changed",
                                  "errors", errors));
    res->status = 400;
    json_decref(skipped);
    json_decref(body);
    return 0;
  }
  json_decref(errors);
  json_t *changed = json_array(), *restart = json_array();
  int unchanged = 0;
  json_object_foreach(settings, key, v) {
    if (json_is_null(v)) continue;
    value_text(v, buf, sizeof buf, &text);
    json_t *now = typed_of(key, config_get(st->cfg, key)), *next = typed_of(key, text);
    bool runtime = config_key_runtime(config_key_def(key));
    /* a secret's typed value is only whether it is set: compare its text */
    const char *was = config_get(st->cfg, key);
    bool same = is_secret(key) ? strcmp(was ? was : "", text) == 0 : json_equal(now, next);
    if (same) {
      unchanged++;
      json_decref(now);
      json_decref(next);
      continue;
    }
    json_array_append_new(changed, json_pack("{s:s, s:o, s:o, s:b}", "key", key, "from",
                                             is_secret(key) ? json_string("(secret)") : now, "to",
                                             is_secret(key) ? json_string("(secret)") : next,
                                             "restart", !runtime));
    if (is_secret(key)) {
      json_decref(now);
      json_decref(next);
    }
    if (!runtime) json_array_append_new(restart, json_string(key));
  }
  if (!dry_run) {
    size_t i;
    json_t *c;
    json_array_foreach(changed, i, c) {
      key = json_string_value(json_object_get(c, "key"));
      value_text(json_object_get(settings, key), buf, sizeof buf, &text);
      config_set(st->cfg, key, text, err, sizeof err);
      if (store_setting_put(st->db, key, text) != 0) {
        http_json_error(res, 500, "cannot save %s: %s", key, store_last_error(st->db));
        json_decref(changed);
        json_decref(restart);
        json_decref(skipped);
        json_decref(body);
        return 0;
      }
      if (json_is_false(json_object_get(c, "restart"))) {
        station_apply_setting(st, key);
        if (station_setting_use(st, key) == SETTING_STALE) {
          json_object_set_new(c, "restart", json_true());
          json_array_append_new(restart, json_string(key));
        }
      }
      station_event(st, 0, "setting", "%s=%s", key, is_secret(key) ? "(secret)" : text);
    }
    station_event(st, 0, "config_import", "%zu settings changed, %d unchanged",
                  json_array_size(changed), unchanged);
  }
  json_decref(body);
  http_json_body(res, json_pack("{s:b, s:o, s:i, s:o, s:o}", "dry_run", dry_run, "changed", changed,
                                "unchanged", unchanged, "skipped", skipped, "restart_required",
                                restart));
  return 0;
}

void api_settings_routes(station *st) {
  http_add_route(st->http, &(http_route){"GET", "/api/v1/settings", get_settings, st});
  http_add_route(st->http, &(http_route){"PUT", "/api/v1/settings", put_settings, st});
  http_add_route(st->http, &(http_route){"PUT", "/api/v1/owner-settings", put_owner_settings, st});
  http_add_route(st->http, &(http_route){"GET", "/api/v1/config/export", get_config_export, st});
  http_add_route(st->http, &(http_route){"POST", "/api/v1/config/import", post_config_import, st});
}
