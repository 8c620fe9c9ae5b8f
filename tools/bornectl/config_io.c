/*
 * bornectl config import FILE|- [--dry-run]: sends an exported configuration
 * (bornectl config export) as the body of POST /api/v1/config/import and
 * shows what changed, what needs a restart, or every key that is wrong.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

/* An exported configuration is a few kB; anything much larger is a wrong file. */
#define IMPORT_MAX (1024 * 1024)

static char *read_all(const char *name, size_t *len, char *err, size_t errlen) {
  FILE *f = strcmp(name, "-") == 0 ? stdin : fopen(name, "rb");
  if (!f) {
    snprintf(err, errlen, "cannot read %s: %s", name, strerror(errno));
    return NULL;
  }
  size_t cap = 65536, n = 0;
  char *buf = malloc(cap + 1);
  while (buf) {
    size_t got = fread(buf + n, 1, cap - n, f);
    n += got;
    if (n < cap) break;
    if (cap >= IMPORT_MAX) {
      snprintf(err, errlen, "%s is larger than %d bytes: not an exported configuration", name,
               IMPORT_MAX);
      free(buf);
      buf = NULL;
      break;
    }
    char *more = realloc(buf, cap * 2 + 1);
    if (!more) {
      free(buf);
      buf = NULL;
      break;
    }
    buf = more;
    cap *= 2;
  }
  bool failed = ferror(f);
  if (f != stdin) fclose(f);
  if (buf && failed) {
    snprintf(err, errlen, "cannot read %s", name);
    free(buf);
    return NULL;
  }
  if (!buf) {
    if (!err[0]) snprintf(err, errlen, "out of memory reading %s", name);
    return NULL;
  }
  buf[n] = '\0';
  *len = n;
  return buf;
}

static void show_value(ctl_ctx *ctx, const json_t *v) {
  char *text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
  fputs(text ? text : "?", ctx->out);
  free(text);
}

static int show_import(ctl_ctx *ctx, const json_t *a) {
  bool dry = json_is_true(json_object_get(a, "dry_run"));
  const json_t *changed = json_object_get(a, "changed");
  size_t i;
  const json_t *c;
  json_array_foreach(changed, i, c) {
    fprintf(ctx->out, "%s %s: ", dry ? "would change" : "changed",
            json_string_value(json_object_get(c, "key")));
    show_value(ctx, json_object_get(c, "from"));
    fputs(" -> ", ctx->out);
    show_value(ctx, json_object_get(c, "to"));
    fputs(json_is_true(json_object_get(c, "restart")) ? " (after a restart)\n" : "\n", ctx->out);
  }
  fprintf(ctx->out, "%zu %s, %lld unchanged", json_array_size(changed),
          dry ? "would change (dry run: nothing saved)" : "changed",
          (long long)json_integer_value(json_object_get(a, "unchanged")));
  const json_t *skipped = json_object_get(a, "skipped");
  if (json_array_size(skipped)) fprintf(ctx->out, ", %zu skipped (null)", json_array_size(skipped));
  fputc('\n', ctx->out);
  const json_t *restart = json_object_get(a, "restart_required");
  if (json_array_size(restart)) {
    fputs(dry ? "a restart would be needed for:" : "restart borned for:", ctx->out);
    json_array_foreach(restart, i, c) fprintf(ctx->out, " %s", json_string_value(c));
    fputc('\n', ctx->out);
  }
  return CTL_EXIT_OK;
}

int ctl_run_import(ctl_ctx *ctx, const ctl_command *cmd) {
  char err[CURL_ERROR_SIZE + CTL_TEXT_MAX + 64] = "";
  size_t len = 0;
  char *body = read_all(cmd->body_file, &len, err, sizeof err);
  if (!body) {
    fprintf(ctx->err, "bornectl: config import: %s\n", err);
    return CTL_EXIT_USAGE;
  }
  ctl_reply r;
  int rc = ctl_http_call(&ctx->http, cmd->method, cmd->path, body, 60, &r, err, sizeof err);
  free(body);
  if (rc != 0) return ctl_report_unreachable(ctx, err);
  json_t *a = json_loads(r.body, 0, NULL);
  if (r.status < 200 || r.status > 299) {
    rc = ctl_report_api_error(ctx, &r);
    size_t i;
    const json_t *e;
    json_array_foreach(json_object_get(a, "errors"), i, e) {
      const char *key = json_string_value(json_object_get(e, "key"));
      fprintf(ctx->err, "bornectl:   %s%s%s\n", key ? key : "", key ? ": " : "",
              json_string_value(json_object_get(e, "error")));
    }
  } else if (!a) {
    fprintf(ctx->err, "bornectl: %ld: the answer is not JSON\n", r.status);
    rc = CTL_EXIT_API;
  } else if (ctx->json) {
    ctl_print_json(ctx, a);
    rc = CTL_EXIT_OK;
  } else {
    rc = show_import(ctx, a);
  }
  json_decref(a);
  ctl_reply_free(&r);
  return rc;
}
