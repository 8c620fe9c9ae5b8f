/*
 * bornectl: the operator's command line for borned. Parses the command line
 * (util/ctl_args.c), finds the daemon's URL and API token, sends the request
 * and shows the answer. Exit codes are a contract (docs/cli.md): 0 ok, 1 the
 * API answered an error, 2 usage error (nothing sent), 3 borned unreachable.
 * Never guesses a default that changes something, never prints the token.
 */
#include "ctl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Token: $BORNE_TOKEN, else the first line of the token file. On failure
 * `note` says why, for the hint printed with a 401. */
static void read_token(const ctl_globals *g, char *token, size_t len, char *note, size_t notelen) {
  token[0] = note[0] = '\0';
  const char *env = getenv("BORNE_TOKEN");
  if (env && *env) {
    snprintf(token, len, "%s", env);
    return;
  }
  char path[CTL_TEXT_MAX + 16];
  ctl_token_path(g, getenv("BORNE_DATA_DIR"), path, sizeof path);
  FILE *f = fopen(path, "r");
  if (!f) {
    snprintf(note, notelen, "no API token: cannot read %s (%s); set BORNE_TOKEN or --data-dir",
             path, strerror(errno));
    return;
  }
  if (!fgets(token, (int)len, f)) token[0] = '\0';
  fclose(f);
  token[strcspn(token, "\r\n \t")] = '\0';
  if (!token[0]) snprintf(note, notelen, "no API token: %s is empty", path);
}

/* setup-code: the first line of DIR/setup-code, which borned writes at the
 * first start (mode 0600: only who may read the API token reads it) and
 * deletes once both PINs are set. Nothing is sent. */
static int run_setup_code(const ctl_globals *g) {
  char path[CTL_TEXT_MAX + 16], code[64] = "";
  ctl_data_path(g, getenv("BORNE_DATA_DIR"), "setup-code", path, sizeof path);
  FILE *f = fopen(path, "r");
  if (!f) {
    int e = errno;
    if (e == ENOENT)
      fprintf(stderr,
              "bornectl: no setup code in %s: the web page's PINs are already set (change "
              "them with `bornectl pin set`), or borned has not started with this data "
              "directory\n",
              path);
    else
      fprintf(stderr, "bornectl: cannot read %s: %s\n", path, strerror(e));
    return CTL_EXIT_API;
  }
  if (!fgets(code, sizeof code, f)) code[0] = '\0';
  fclose(f);
  code[strcspn(code, "\r\n")] = '\0';
  if (!code[0]) {
    fprintf(stderr, "bornectl: %s is empty\n", path);
    return CTL_EXIT_API;
  }
  if (g->json) {
    json_t *o = json_pack("{s:s}", "setup_code", code);
    ctl_ctx ctx = {.json = true, .out = stdout, .err = stderr};
    ctl_print_json(&ctx, o);
    json_decref(o);
  } else {
    printf("%s\n", code);
  }
  return fflush(stdout) == 0 ? CTL_EXIT_OK : CTL_EXIT_API;
}

/* sessions --csv, config export: the answer is printed as is. */
static int run_csv(ctl_ctx *ctx, const ctl_command *cmd) {
  ctl_reply r;
  char err[CURL_ERROR_SIZE + 64];
  if (ctl_http_call(&ctx->http, cmd->method, cmd->path, NULL, 60, &r, err, sizeof err) != 0)
    return ctl_report_unreachable(ctx, err);
  int rc = CTL_EXIT_OK;
  if (r.status < 200 || r.status > 299)
    rc = ctl_report_api_error(ctx, &r);
  else
    fwrite(r.body, 1, r.len, ctx->out);
  ctl_reply_free(&r);
  return rc;
}

/* `pin set ROLE -`: the PIN comes from the first line of stdin. */
static int read_pin_from_stdin(ctl_command *cmd) {
  for (int i = 0; i < cmd->field_count; i++) {
    ctl_field *f = &cmd->fields[i];
    if (strcmp(f->key, "pin") != 0 || strcmp(f->text, "-") != 0) continue;
    if (!fgets(f->text, sizeof f->text, stdin)) {
      fprintf(stderr, "bornectl: pin set: no PIN on stdin\n");
      return -1;
    }
    f->text[strcspn(f->text, "\r\n")] = '\0';
  }
  return 0;
}

static int run_request(ctl_ctx *ctx, const ctl_command *cmd) {
  if (cmd->view == CTL_VIEW_CSV || cmd->view == CTL_VIEW_RAW) return run_csv(ctx, cmd);
  if (cmd->body_file[0]) return ctl_run_import(ctx, cmd);
  json_t *body = ctl_body_json(cmd);
  if (cmd->has_body && !body) {
    fprintf(ctx->err, "bornectl: %s: arguments must be UTF-8 text\n", cmd->verb);
    return CTL_EXIT_USAGE;
  }
  json_t *answer;
  int rc = ctl_api(ctx, cmd->method, cmd->path, body, 60, &answer);
  json_decref(body);
  if (rc != CTL_EXIT_OK) return rc;
  rc = ctl_show(ctx, cmd, answer);
  json_decref(answer);
  return rc;
}

int main(int argc, char **argv) {
  ctl_globals g;
  ctl_command cmd;
  char err[512];
  if (ctl_parse(argc, argv, &g, &cmd, err, sizeof err) != 0) {
    fprintf(stderr, "bornectl: %s\n\n%s", err, ctl_usage());
    return CTL_EXIT_USAGE;
  }
  if (cmd.run == CTL_RUN_HELP) {
    fputs(ctl_usage(), stdout);
    return CTL_EXIT_OK;
  }
  if (cmd.run == CTL_RUN_SETUP_CODE) return run_setup_code(&g);
  char url[CTL_TEXT_MAX], token[CTL_TEXT_MAX], note[CTL_TEXT_MAX + 64];
  ctl_resolve_url(&g, getenv("BORNE_URL"), url, sizeof url);
  read_token(&g, token, sizeof token, note, sizeof note);
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
    fprintf(stderr, "bornectl: cannot initialise libcurl\n");
    return CTL_EXIT_UNREACHABLE;
  }
  ctl_ctx ctx = {.json = g.json, .out = stdout, .err = stderr};
  int rc;
  int http_ok = ctl_http_init(&ctx.http, url, token, note);
  if (http_ok == 0 && strncmp(url, "https://", 8) == 0) {
    /* web.https with the self-signed certificate borned made in its data
     * directory: trust exactly that one (next to the token file). */
    char cert[CTL_TEXT_MAX + 16];
    ctl_token_path(&g, getenv("BORNE_DATA_DIR"), cert, sizeof cert);
    char *slash = strrchr(cert, '/');
    if (slash) snprintf(slash + 1, sizeof cert - (size_t)(slash + 1 - cert), "web-cert.pem");
    if (slash && access(cert, R_OK) == 0)
      snprintf(ctx.http.ca_file, sizeof ctx.http.ca_file, "%s", cert);
  }
  if (http_ok != 0) {
    fprintf(stderr, "bornectl: cannot initialise libcurl\n");
    rc = CTL_EXIT_UNREACHABLE;
  } else if (strcmp(cmd.verb, "pin set") == 0 && read_pin_from_stdin(&cmd) != 0) {
    rc = CTL_EXIT_USAGE;
  } else if (cmd.run == CTL_RUN_EVENTS) {
    rc = ctl_run_events(&ctx, &cmd);
  } else if (cmd.run == CTL_RUN_WAIT) {
    rc = ctl_run_wait(&ctx, &cmd);
  } else {
    rc = run_request(&ctx, &cmd);
  }
  memset(token, 0, sizeof token);
  ctl_http_cleanup(&ctx.http);
  curl_global_cleanup();
  if (fflush(stdout) != 0 && rc == CTL_EXIT_OK) rc = CTL_EXIT_API;
  return rc;
}
