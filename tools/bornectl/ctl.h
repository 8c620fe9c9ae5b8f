/*
 * Shared pieces of bornectl: the HTTP client over libcurl, the context every
 * verb receives, and the printers. bornectl talks to borned only through its
 * HTTP API (docs/api.md); it never opens the daemon's database or files other
 * than the API token, the web certificate and the setup code.
 */
#ifndef BORNE_TOOLS_BORNECTL_CTL_H
#define BORNE_TOOLS_BORNECTL_CTL_H

#include <curl/curl.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "util/ctl_args.h"
#include "util/table.h"

typedef struct {
  CURL *curl;
  char base_url[CTL_TEXT_MAX];
  char auth_header[CTL_TEXT_MAX + 32]; /* "Authorization: Bearer TOKEN", "" without a token */
  char token_note[CTL_TEXT_MAX + 64];  /* why there is no token, for a 401 hint */
  char no_proxy[512];                  /* loopback plus $no_proxy */
  char ca_file[CTL_TEXT_MAX + 16];     /* https: the station's own certificate, "" = system CAs */
} ctl_http;

/* One answer of borned, whatever its status. */
typedef struct {
  long status;
  char *body; /* NUL-terminated, malloc'd */
  size_t len;
  char content_type[128];
} ctl_reply;

/* Everything a verb needs; no globals. */
typedef struct {
  ctl_http http;
  bool json;
  FILE *out, *err;
} ctl_ctx;

int ctl_http_init(ctl_http *h, const char *base_url, const char *token, const char *token_note);
void ctl_http_cleanup(ctl_http *h);
/* Send one request. `body` is JSON text or NULL; `timeout_s` bounds the whole
 * exchange. Returns 0 when borned answered (any status), or -1 when it could
 * not be reached, with the reason in `err`. */
int ctl_http_call(ctl_http *h, const char *method, const char *path, const char *body,
                  long timeout_s, ctl_reply *reply, char *err, size_t errlen);
void ctl_reply_free(ctl_reply *r);

/* One API call whose answer must be JSON. On 2xx stores the parsed answer in
 * *out and returns CTL_EXIT_OK; otherwise prints "bornectl: STATUS: message"
 * (or the reach failure) to ctx->err and returns CTL_EXIT_API or
 * CTL_EXIT_UNREACHABLE. `body` may be NULL (not stolen). */
int ctl_api(ctl_ctx *ctx, const char *method, const char *path, json_t *body, long timeout_s,
            json_t **out);
/* Prints an API error answer (`bornectl: 404: no badge ...`); returns CTL_EXIT_API. */
int ctl_report_api_error(ctl_ctx *ctx, const ctl_reply *r);
/* Prints "bornectl: cannot reach borned at URL: reason"; returns CTL_EXIT_UNREACHABLE. */
int ctl_report_unreachable(ctl_ctx *ctx, const char *reason);

/* The request body of `cmd` (its fields, typed). NULL when it has none, or
 * when a key or value is not UTF-8 (JSON text must be). */
json_t *ctl_body_json(const ctl_command *cmd);

/* ---- printing (output.c) ---- */
/* JSON as is, indented, followed by a newline. */
void ctl_print_json(ctl_ctx *ctx, const json_t *v);
/* Member as text for a table cell: strings as is, numbers compact, null/absent as "-". */
const char *ctl_cell(const json_t *obj, const char *key, char *buf, size_t len);
/* Number with `decimals` digits after the point, or "-" when not a number. */
const char *ctl_fixed(const json_t *v, int decimals, char *buf, size_t len);
/* ISO time member shown as "2026-11-22 10:00:05" (UTC); "-" when null. */
const char *ctl_time_cell(const json_t *v, char *buf, size_t len);
/* Renders and prints a table, then frees it. */
void ctl_print_table(ctl_ctx *ctx, text_table *t);

/* ---- views of one answer, without --json (show_*.c) ---- */
int ctl_show(ctl_ctx *ctx, const ctl_command *cmd, const json_t *answer);
int ctl_show_status(ctl_ctx *ctx, const json_t *answer);
/* GET /api/v1/network and the network actions' answers (show_network.c). */
int ctl_show_network(ctl_ctx *ctx, const json_t *answer);
int ctl_show_sessions(ctl_ctx *ctx, const json_t *answer);
int ctl_show_badges(ctl_ctx *ctx, const json_t *answer);
int ctl_show_badge(ctl_ctx *ctx, const char *done, const json_t *badge);
int ctl_show_users(ctl_ctx *ctx, const json_t *answer);
int ctl_show_user(ctl_ctx *ctx, const char *done, const json_t *user);
int ctl_show_settings(ctl_ctx *ctx, const char *key, const json_t *answer);
int ctl_show_applied(ctl_ctx *ctx, const json_t *answer);
int ctl_show_ocmf(ctl_ctx *ctx, const json_t *answer);   /* show_ocmf.c */
int ctl_show_pubkey(ctl_ctx *ctx, const json_t *answer); /* show_ocmf.c */
/* One event as a line: "#42 2026-11-22 10:00:05 c1 status_changed Charging". */
void ctl_print_event(ctl_ctx *ctx, const json_t *event);

/* ---- verbs that are more than one request (events.c) ---- */
int ctl_run_events(ctl_ctx *ctx, const ctl_command *cmd);
int ctl_run_wait(ctl_ctx *ctx, const ctl_command *cmd);
/* config import FILE (config_io.c). */
int ctl_run_import(ctl_ctx *ctx, const ctl_command *cmd);

#endif
