/*
 * Views of the record answers without --json: sessions, badges, users,
 * settings, and the one-line confirmations of actions. ctl_show() picks the
 * view a command asked for; with --json every answer is printed as is
 * (except `get KEY`, which keeps only that key). Never alters what the
 * daemon said, only its layout.
 */
#include "ctl.h"

#include <stdlib.h>
#include <string.h>

#include "util/timefmt.h"

int ctl_show_sessions(ctl_ctx *ctx, const json_t *answer) {
  static const char *const headers[] = {"ID",   "C",    "BADGE", "USER",  "START",
                                        "STOP", "TIME", "kWh",   "REASON"};
  text_table t;
  table_init(&t, 9, headers);
  table_set_align(&t, 0, TABLE_RIGHT);
  table_set_align(&t, 1, TABLE_RIGHT);
  table_set_align(&t, 6, TABLE_RIGHT);
  table_set_align(&t, 7, TABLE_RIGHT);
  double total_wh = 0;
  size_t i;
  json_t *s;
  json_array_foreach(json_object_get(answer, "sessions"), i, s) {
    char id[24], c[8], badge[64], user[96], start[40], stop[40], dur[32], kwh[32], reason[48];
    json_t *jstart = json_object_get(s, "start"), *jstop = json_object_get(s, "stop");
    int64_t a, b;
    if (json_is_string(jstart) && json_is_string(jstop) &&
        timefmt_parse(json_string_value(jstart), &a) == 0 &&
        timefmt_parse(json_string_value(jstop), &b) == 0)
      timefmt_duration((b - a) / 1000, dur, sizeof dur);
    else
      snprintf(dur, sizeof dur, "-");
    const char *stop_text = json_is_true(json_object_get(s, "active"))
                                ? "active"
                                : ctl_time_cell(jstop, stop, sizeof stop);
    json_t *e = json_object_get(s, "energy_wh");
    if (json_is_number(e)) {
      total_wh += json_number_value(e);
      snprintf(kwh, sizeof kwh, "%.2f", json_number_value(e) / 1000.0);
    } else {
      snprintf(kwh, sizeof kwh, "-");
    }
    const char *row[] = {ctl_cell(s, "id", id, sizeof id),
                         ctl_cell(s, "connector", c, sizeof c),
                         ctl_cell(s, "badge", badge, sizeof badge),
                         ctl_cell(s, "user", user, sizeof user),
                         ctl_time_cell(jstart, start, sizeof start),
                         stop_text,
                         dur,
                         kwh,
                         ctl_cell(s, "stop_reason", reason, sizeof reason)};
    table_add_row(&t, row);
  }
  int rows = t.rows;
  ctl_print_table(ctx, &t);
  fprintf(ctx->out, "%d session%s, %.2f kWh (UTC times)\n", rows, rows == 1 ? "" : "s",
          total_wh / 1000.0);
  return CTL_EXIT_OK;
}

int ctl_show_badges(ctl_ctx *ctx, const json_t *answer) {
  static const char *const headers[] = {"UID", "USER", "ENABLED", "CREATED"};
  text_table t;
  table_init(&t, 4, headers);
  size_t i;
  json_t *b;
  json_array_foreach(json_object_get(answer, "badges"), i, b) {
    char uid[64], user[96], en[8], created[40];
    const char *row[] = {ctl_cell(b, "uid", uid, sizeof uid),
                         ctl_cell(b, "user", user, sizeof user),
                         ctl_cell(b, "enabled", en, sizeof en),
                         ctl_time_cell(json_object_get(b, "created"), created, sizeof created)};
    table_add_row(&t, row);
  }
  ctl_print_table(ctx, &t);
  return CTL_EXIT_OK;
}

int ctl_show_badge(ctl_ctx *ctx, const char *done, const json_t *badge) {
  char uid[64];
  const char *user = json_string_value(json_object_get(badge, "user"));
  fprintf(ctx->out, "badge %s%s%s %s", ctl_cell(badge, "uid", uid, sizeof uid), user ? " of " : "",
          user ? user : "", done);
  /* "added" says nothing about the state: say it when the badge cannot be used */
  if (json_is_false(json_object_get(badge, "enabled")) && strcmp(done, "disabled") != 0)
    fputs(" (disabled)", ctx->out);
  fputc('\n', ctx->out);
  return CTL_EXIT_OK;
}

int ctl_show_users(ctl_ctx *ctx, const json_t *answer) {
  static const char *const headers[] = {"ID", "NAME", "ENABLED"};
  text_table t;
  table_init(&t, 3, headers);
  table_set_align(&t, 0, TABLE_RIGHT);
  size_t i;
  json_t *u;
  json_array_foreach(json_object_get(answer, "users"), i, u) {
    char id[24], name[96], en[8];
    const char *row[] = {ctl_cell(u, "id", id, sizeof id), ctl_cell(u, "name", name, sizeof name),
                         ctl_cell(u, "enabled", en, sizeof en)};
    table_add_row(&t, row);
  }
  ctl_print_table(ctx, &t);
  return CTL_EXIT_OK;
}

int ctl_show_user(ctl_ctx *ctx, const char *done, const json_t *user) {
  char id[24], name[96];
  fprintf(ctx->out, "user %s %s %s%s\n", ctl_cell(user, "id", id, sizeof id),
          ctl_cell(user, "name", name, sizeof name), done,
          json_is_false(json_object_get(user, "enabled")) ? " (disabled)" : "");
  return CTL_EXIT_OK;
}

/* A setting value as an operator types it back into `set`. */
static const char *value_text(const json_t *v, char *buf, size_t len) {
  if (json_is_string(v)) return json_string_value(v);
  if (json_is_null(v)) return "(unset)";
  /* a secret: the API says only whether it is set */
  if (json_is_object(v) && json_is_boolean(json_object_get(v, "set")))
    return json_is_true(json_object_get(v, "set")) ? "(secret, set)" : "(secret, not set)";
  char *text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
  snprintf(buf, len, "%s", text ? text : "?");
  free(text);
  return buf;
}

int ctl_show_settings(ctl_ctx *ctx, const char *key, const json_t *answer) {
  json_t *settings = json_object_get(answer, "settings");
  char buf[512];
  if (key && *key) {
    json_t *v = json_object_get(settings, key);
    if (!v) {
      fprintf(ctx->err, "bornectl: no setting `%s` (`bornectl get` lists them)\n", key);
      return CTL_EXIT_API;
    }
    fprintf(ctx->out, "%s\n", value_text(v, buf, sizeof buf));
    return CTL_EXIT_OK;
  }
  static const char *const headers[] = {"KEY", "VALUE"};
  text_table t;
  table_init(&t, 2, headers);
  const char *k;
  json_t *v;
  json_object_foreach(settings, k, v) {
    const char *row[] = {k, value_text(v, buf, sizeof buf)};
    table_add_row(&t, row);
  }
  ctl_print_table(ctx, &t);
  return CTL_EXIT_OK;
}

int ctl_show_applied(ctl_ctx *ctx, const json_t *answer) {
  const char *k;
  json_t *v;
  char buf[512];
  json_object_foreach(json_object_get(answer, "applied"), k, v)
      fprintf(ctx->out, "%s = %s\n", k, value_text(v, buf, sizeof buf));
  json_t *restart = json_object_get(answer, "restart_required");
  if (json_array_size(restart) > 0) {
    fprintf(ctx->out, "restart borned for these to take effect:");
    size_t i;
    json_array_foreach(restart, i, v) fprintf(ctx->out, " %s", json_string_value(v));
    fputc('\n', ctx->out);
  }
  return CTL_EXIT_OK;
}

/* bornectl ocpp: one line about the connection, then the keys as the back
 * end reads them with GetConfiguration. */
static int show_ocpp(ctl_ctx *ctx, const json_t *answer) {
  const json_t *c = json_object_get(answer, "connection");
  char url[256], state[32], since[40], last[40], reg[32], proto[32], offered[64];
  fprintf(ctx->out,
          "back end %s  %s since %s  registration %s  last message %s  queue %lld  protocol %s "
          " offered %s\n",
          ctl_cell(c, "url", url, sizeof url), ctl_cell(c, "state", state, sizeof state),
          ctl_time_cell(json_object_get(c, "since"), since, sizeof since),
          ctl_cell(c, "registration", reg, sizeof reg),
          ctl_time_cell(json_object_get(c, "last_message"), last, sizeof last),
          (long long)json_integer_value(json_object_get(c, "queue_length")),
          ctl_cell(c, "subprotocol", proto, sizeof proto),
          ctl_cell(c, "offered", offered, sizeof offered));
  const char *error = json_string_value(json_object_get(c, "last_error"));
  if (error) fprintf(ctx->out, "last error: %s\n", error);
  static const char *const headers[] = {"KEY", "VALUE", "ACCESS"};
  text_table t;
  table_init(&t, 3, headers);
  size_t i;
  json_t *k;
  json_array_foreach(json_object_get(answer, "keys"), i, k) {
    const char *value = json_string_value(json_object_get(k, "value"));
    const char *row[] = {json_string_value(json_object_get(k, "key")), value ? value : "",
                         json_is_true(json_object_get(k, "readonly")) ? "read-only" : "read-write"};
    table_add_row(&t, row);
  }
  ctl_print_table(ctx, &t);
  return CTL_EXIT_OK;
}

int ctl_show(ctl_ctx *ctx, const ctl_command *cmd, const json_t *answer) {
  if (ctx->json) {
    if (cmd->view == CTL_VIEW_SETTINGS && cmd->key[0]) {
      json_t *v = json_object_get(json_object_get(answer, "settings"), cmd->key);
      if (!v) {
        fprintf(ctx->err, "bornectl: no setting `%s` (`bornectl get` lists them)\n", cmd->key);
        return CTL_EXIT_API;
      }
      json_t *only = json_pack("{s:{s:O}}", "settings", cmd->key, v);
      ctl_print_json(ctx, only);
      json_decref(only);
      return CTL_EXIT_OK;
    }
    ctl_print_json(ctx, answer);
    return CTL_EXIT_OK;
  }
  switch (cmd->view) {
  case CTL_VIEW_STATUS:
    return ctl_show_status(ctx, answer);
  case CTL_VIEW_SESSIONS:
    return ctl_show_sessions(ctx, answer);
  case CTL_VIEW_BADGES:
    return ctl_show_badges(ctx, answer);
  case CTL_VIEW_BADGE:
    return ctl_show_badge(ctx, cmd->done, answer);
  case CTL_VIEW_USERS:
    return ctl_show_users(ctx, answer);
  case CTL_VIEW_USER:
    return ctl_show_user(ctx, cmd->done, answer);
  case CTL_VIEW_SETTINGS:
    return ctl_show_settings(ctx, cmd->key, answer);
  case CTL_VIEW_APPLIED:
    return ctl_show_applied(ctx, answer);
  case CTL_VIEW_OCPP:
    return show_ocpp(ctx, answer);
  case CTL_VIEW_OCMF:
    return ctl_show_ocmf(ctx, answer);
  case CTL_VIEW_PUBKEY:
    return ctl_show_pubkey(ctx, answer);
  case CTL_VIEW_NETWORK:
    return ctl_show_network(ctx, answer);
  case CTL_VIEW_CSV: /* handled by the caller: the answer is not JSON */
  case CTL_VIEW_DONE:
  default:
    fprintf(ctx->out, "%s\n", cmd->done);
    return CTL_EXIT_OK;
  }
}
