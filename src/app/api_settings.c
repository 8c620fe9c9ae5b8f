/*
 * GET/PUT /api/v1/settings. A PUT is all or nothing: every key is validated
 * (alone and together with the rest of the configuration) on a scratch copy
 * before anything is saved or applied. Saved settings survive restarts
 * (settings table) and rank above the config file, below command-line flags.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "app/api_json.h"
#include "app/api_routes.h"
#include "app/station.h"

static int copy_key(void *ctx, const char *key, const char *value) {
  char err[8];
  config_set(ctx, key, value, err, sizeof err);
  return 0;
}

static json_t *typed_value(const cfg_key_def *def, const char *value) {
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

static int get_settings(void *ctx, const http_request *req, http_response *res) {
  (void)req;
  station *st = ctx;
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
    for (int c = 1; c <= st->core.count; c++) {
      char key[128];
      snprintf(key, sizeof key, "%.*s.%d.%s", (int)(star - defs[i].key), defs[i].key, c, star + 3);
      json_object_set_new(o, key, typed_value(&defs[i], config_get(st->cfg, key)));
    }
  }
  config_each_set(st->cfg, add_named_key, o);
  api_json_body(res, json_pack("{s:o}", "settings", o));
  return 0;
}

/* JSON member -> configuration text. */
static int value_text(json_t *v, char *out, size_t len) {
  if (json_is_string(v)) {
    snprintf(out, len, "%s", json_string_value(v));
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
  json_t *body = api_parse_object(req, res, 0);
  if (!body) return 0;
  if (json_object_size(body) == 0) {
    json_decref(body);
    return http_json_error(res, 400, "no settings given"), 0;
  }
  config *scratch = config_new();
  config_each_set(st->cfg, copy_key, scratch);
  const char *key;
  json_t *v;
  char err[256], text[512];
  int failed = 0;
  json_object_foreach(body, key, v) {
    if (value_text(v, text, sizeof text) != 0) {
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
    value_text(v, text, sizeof text);
    config_set(st->cfg, key, text, err, sizeof err);
    if (store_setting_put(st->db, key, text) != 0) {
      json_decref(applied);
      json_decref(restart);
      json_decref(body);
      return http_json_error(res, 500, "cannot save %s: %s", key, store_last_error(st->db)), 0;
    }
    const cfg_key_def *def = config_key_def(key);
    if (def && def->runtime) {
      station_apply_setting(st, key);
    } else {
      json_array_append_new(restart, json_string(key));
    }
    json_object_set(applied, key, v);
    station_event(st, 0, "setting", "%s=%s", key, text);
  }
  json_decref(body);
  api_json_body(res, json_pack("{s:o, s:o}", "applied", applied, "restart_required", restart));
  return 0;
}

void api_settings_routes(station *st) {
  http_add_route(st->http, &(http_route){"GET", "/api/v1/settings", get_settings, st});
  http_add_route(st->http, &(http_route){"PUT", "/api/v1/settings", put_settings, st});
}
