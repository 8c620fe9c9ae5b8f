/*
 * Users and badges: /api/v1/users and /api/v1/badges (list, create, update,
 * delete). Validation of UIDs and names is the store's; this file maps its
 * answers to HTTP statuses and never writes partially.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http_json.h"
#include "station/station.h"
#include "api/api_module.h"

/* The connectors a user may use: null = every one, else their numbers. */
static json_t *connectors_json(station *st, int64_t user_id) {
  unsigned allowed = 0;
  if (store_user_connectors_get(st->db, user_id, &allowed) != 0 || !allowed) return json_null();
  json_t *a = json_array();
  for (int c = 1; c <= 32; c++)
    if ((allowed >> (c - 1)) & 1u) json_array_append_new(a, json_integer(c));
  return a;
}

static json_t *user_json(station *st, const user_row *u) {
  return json_pack("{s:I, s:s, s:b, s:o}", "id", (json_int_t)u->id, "name", u->name, "enabled",
                   u->enabled, "connectors", connectors_json(st, u->id));
}

/* Optional "connectors": null (every one) or a non-empty array of this
 * station's connector numbers. 0 absent, 1 read (*allowed, 0 = every one),
 * -1 with a 400 in res. */
static int opt_connectors(station *st, json_t *body, unsigned *allowed, http_response *res) {
  json_t *v = json_object_get(body, "connectors");
  if (!v) return 0;
  *allowed = 0;
  if (json_is_null(v)) return 1;
  if (!json_is_array(v) || json_array_size(v) == 0) {
    http_json_error(res, 400,
                    "connectors: null (every connector) or a non-empty list of connector numbers "
                    "(to block a user, disable it)");
    return -1;
  }
  size_t i;
  json_t *c;
  json_array_foreach(v, i, c) {
    json_int_t n = json_is_integer(c) ? json_integer_value(c) : 0;
    if (n < 1 || n > station_connector_count(st)) {
      http_json_error(res, 400, "connectors: this station has connectors 1 to %d",
                      station_connector_count(st));
      return -1;
    }
    *allowed |= 1u << (n - 1);
  }
  return 1;
}

/* On a follower of an installation the leader's copy decides (docs/site.md). */
static bool managed_elsewhere(station *st, http_response *res) {
  if (!st->people_managed_by || !st->people_managed_by[0]) return false;
  http_json_error(res, 409,
                  "users and badges are managed by %s (site.role = follower): change them there",
                  st->people_managed_by);
  return true;
}

static json_t *managed_by(station *st) {
  return st->people_managed_by && st->people_managed_by[0] ? json_string(st->people_managed_by)
                                                           : json_null();
}

static json_t *badge_json(const badge_row *b) {
  return json_pack("{s:s, s:s?, s:o, s:b, s:o}", "uid", b->uid, "user", b->user[0] ? b->user : NULL,
                   "user_id", b->user_id ? json_integer(b->user_id) : json_null(), "enabled",
                   b->enabled, "created", json_time(b->created_ms));
}

typedef struct {
  station *st;
  json_t *list;
} user_list;

static int add_user(void *ctx, const user_row *u) {
  user_list *l = ctx;
  json_array_append_new(l->list, user_json(l->st, u));
  return 0;
}
static int add_badge(void *ctx, const badge_row *b) {
  json_array_append_new(ctx, badge_json(b));
  return 0;
}

static int get_users(void *ctx, const http_request *req, http_response *res) {
  (void)req;
  station *st = ctx;
  user_list l = {st, json_array()};
  store_users_list(st->db, add_user, &l);
  http_json_body(res, json_pack("{s:o, s:o}", "users", l.list, "managed_by", managed_by(st)));
  return 0;
}

static int parse_user_id(const http_request *req, station *st, user_row *u, http_response *res) {
  char *end;
  long long id = strtoll(req->params[0], &end, 10);
  if (*end || id < 1 || store_user_get(st->db, id, u) != 0) {
    http_json_error(res, 404, "no user `%s`", req->params[0]);
    return -1;
  }
  return 0;
}

static int post_user(void *ctx, const http_request *req, http_response *res) {
  station *st = ctx;
  if (managed_elsewhere(st, res)) return 0;
  static const char *const allowed[] = {"name", "enabled", "connectors", NULL};
  json_t *body = http_parse_object(req, res, 0);
  if (!body) return 0;
  const char *name = NULL;
  int enabled = 1;
  unsigned connectors = 0;
  if (http_only_members(body, allowed, res) == 0 &&
      http_opt_string(body, "name", BORNE_NAME_MAX, &name, res) >= 0 &&
      http_opt_bool(body, "enabled", &enabled, res) >= 0 &&
      opt_connectors(st, body, &connectors, res) >= 0) {
    int64_t id;
    user_row u;
    if (!name) {
      http_json_error(res, 400, "name: required");
    } else if (store_user_find(st->db, name, &u) == 0) {
      http_json_error(res, 409, "a user named `%s` already exists", name);
    } else if (store_user_create(st->db, name, enabled, &id) != 0) {
      http_json_error(res, 400, "%s", store_last_error(st->db));
    } else if (connectors && store_user_connectors_set(st->db, id, connectors) != 0) {
      store_user_delete(st->db, id); /* never half made */
      http_json_error(res, 500, "cannot save the user's connectors");
    } else {
      store_user_get(st->db, id, &u);
      res->status = 201;
      http_json_body(res, user_json(st, &u));
      station_event(st, 0, "user_added", "%s", name);
    }
  }
  json_decref(body);
  return 0;
}

static int put_user(void *ctx, const http_request *req, http_response *res) {
  station *st = ctx;
  if (managed_elsewhere(st, res)) return 0;
  user_row u;
  if (parse_user_id(req, st, &u, res)) return 0;
  static const char *const allowed[] = {"name", "enabled", "connectors", NULL};
  json_t *body = http_parse_object(req, res, 0);
  if (!body) return 0;
  const char *name = u.name;
  int enabled = u.enabled;
  unsigned connectors = 0;
  int has_connectors = 0;
  if (http_only_members(body, allowed, res) == 0 &&
      http_opt_string(body, "name", BORNE_NAME_MAX, &name, res) >= 0 &&
      http_opt_bool(body, "enabled", &enabled, res) >= 0 &&
      (has_connectors = opt_connectors(st, body, &connectors, res)) >= 0) {
    char newname[BORNE_NAME_MAX + 1];
    snprintf(newname, sizeof newname, "%s", name);
    if (store_user_update(st->db, u.id, newname, enabled) != 0) {
      http_json_error(res, 400, "%s", store_last_error(st->db));
    } else if (has_connectors && store_user_connectors_set(st->db, u.id, connectors) != 0) {
      http_json_error(res, 500, "cannot save the user's connectors");
    } else {
      store_user_get(st->db, u.id, &u);
      http_json_body(res, user_json(st, &u));
    }
  }
  json_decref(body);
  return 0;
}

static int delete_user(void *ctx, const http_request *req, http_response *res) {
  station *st = ctx;
  if (managed_elsewhere(st, res)) return 0;
  user_row u;
  if (parse_user_id(req, st, &u, res)) return 0;
  if (store_user_delete(st->db, u.id) != 0)
    return http_json_error(res, 500, "%s", store_last_error(st->db)), 0;
  station_event(st, 0, "user_removed", "%s", u.name);
  http_json_body(res, json_pack("{s:I}", "deleted", (json_int_t)u.id));
  return 0;
}

static int get_badges(void *ctx, const http_request *req, http_response *res) {
  (void)req;
  station *st = ctx;
  json_t *list = json_array();
  store_badges_list(st->db, add_badge, list);
  http_json_body(res, json_pack("{s:o, s:o}", "badges", list, "managed_by", managed_by(st)));
  return 0;
}

/* `user` member: a name (created when unknown) or null (no user). */
static int resolve_user(station *st, json_t *body, int64_t *user_id, http_response *res) {
  json_t *v = json_object_get(body, "user");
  if (!v) return 0;
  if (json_is_null(v)) {
    *user_id = 0;
    return 1;
  }
  const char *name;
  if (http_opt_string(body, "user", BORNE_NAME_MAX, &name, res) < 0) return -1;
  user_row u;
  if (store_user_find(st->db, name, &u) == 0) {
    *user_id = u.id;
    return 1;
  }
  if (store_user_create(st->db, name, true, user_id) != 0) {
    http_json_error(res, 400, "user: %s", store_last_error(st->db));
    return -1;
  }
  return 1;
}

static int post_badge(void *ctx, const http_request *req, http_response *res) {
  station *st = ctx;
  if (managed_elsewhere(st, res)) return 0;
  static const char *const allowed[] = {"uid", "user", "enabled", NULL};
  json_t *body = http_parse_object(req, res, 0);
  if (!body) return 0;
  const char *uid = NULL;
  int enabled = 1;
  int64_t user_id = 0;
  if (http_only_members(body, allowed, res) == 0 &&
      http_opt_string(body, "uid", BORNE_UID_MAX * 2, &uid, res) >= 0 &&
      http_opt_bool(body, "enabled", &enabled, res) >= 0) {
    badge_row b;
    if (!uid) {
      http_json_error(res, 400, "uid: required");
    } else if (store_badge_get(st->db, uid, &b) == 0) {
      http_json_error(res, 409, "badge %s already exists", b.uid);
    } else if (resolve_user(st, body, &user_id, res) >= 0) {
      if (store_badge_add(st->db, uid, user_id, enabled, clock_now(&st->clock)) != 0) {
        http_json_error(res, 400, "uid: %s", store_last_error(st->db));
      } else {
        store_badge_get(st->db, uid, &b);
        res->status = 201;
        http_json_body(res, badge_json(&b));
        station_event(st, 0, "badge_added", "%s", b.uid);
      }
    }
  }
  json_decref(body);
  return 0;
}

static int put_badge(void *ctx, const http_request *req, http_response *res) {
  station *st = ctx;
  if (managed_elsewhere(st, res)) return 0;
  badge_row b;
  if (store_badge_get(st->db, req->params[0], &b) != 0)
    return http_json_error(res, 404, "no badge `%s`", req->params[0]), 0;
  static const char *const allowed[] = {"user", "enabled", NULL};
  json_t *body = http_parse_object(req, res, 0);
  if (!body) return 0;
  int enabled = b.enabled;
  int64_t user_id = b.user_id;
  if (http_only_members(body, allowed, res) == 0 &&
      http_opt_bool(body, "enabled", &enabled, res) >= 0 &&
      resolve_user(st, body, &user_id, res) >= 0) {
    if (store_badge_update(st->db, b.uid, user_id, enabled) != 0) {
      http_json_error(res, 400, "%s", store_last_error(st->db));
    } else {
      store_badge_get(st->db, b.uid, &b);
      http_json_body(res, badge_json(&b));
    }
  }
  json_decref(body);
  return 0;
}

static int delete_badge(void *ctx, const http_request *req, http_response *res) {
  station *st = ctx;
  if (managed_elsewhere(st, res)) return 0;
  badge_row b;
  if (store_badge_get(st->db, req->params[0], &b) != 0)
    return http_json_error(res, 404, "no badge `%s`", req->params[0]), 0;
  if (store_badge_remove(st->db, b.uid) != 0)
    return http_json_error(res, 500, "%s", store_last_error(st->db)), 0;
  station_event(st, 0, "badge_removed", "%s", b.uid);
  http_json_body(res, json_pack("{s:s}", "deleted", b.uid));
  return 0;
}

void api_people_routes(station *st) {
  http_route routes[] = {
      {"GET", "/api/v1/users", get_users, st},
      {"POST", "/api/v1/users", post_user, st},
      {"PUT", "/api/v1/users/{id}", put_user, st},
      {"DELETE", "/api/v1/users/{id}", delete_user, st},
      {"GET", "/api/v1/badges", get_badges, st},
      {"POST", "/api/v1/badges", post_badge, st},
      {"PUT", "/api/v1/badges/{uid}", put_badge, st},
      {"DELETE", "/api/v1/badges/{uid}", delete_badge, st},
  };
  for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
    http_add_route(st->http, &routes[i]);
}
