/*
 * Views of the OCMF answers without --json: `sessions ocmf ID` prints one
 * line per signed record ("T12 B 2026-11-22 10:00:05" then the record, which
 * is what transparency software takes), `meter pubkey` prints the PEM.
 */
#include "ctl.h"

int ctl_show_ocmf(ctl_ctx *ctx, const json_t *answer) {
  size_t i;
  const json_t *r;
  const json_t *list = json_object_get(answer, "records");
  if (json_array_size(list) == 0) {
    fprintf(ctx->out, "no signed records for this session\n");
    return CTL_EXIT_OK;
  }
  json_array_foreach(list, i, r) {
    char t[40];
    const char *kind = json_string_value(json_object_get(r, "kind"));
    const char *rec = json_string_value(json_object_get(r, "record"));
    fprintf(ctx->out, "# T%lld %s %s\n%s\n",
            (long long)json_integer_value(json_object_get(r, "pagination")), kind ? kind : "?",
            ctl_time_cell(json_object_get(r, "time"), t, sizeof t), rec ? rec : "");
  }
  return CTL_EXIT_OK;
}

int ctl_show_pubkey(ctl_ctx *ctx, const json_t *answer) {
  const char *pem = json_string_value(json_object_get(answer, "pem"));
  if (!pem) {
    fprintf(ctx->err, "bornectl: the answer has no public key\n");
    return CTL_EXIT_API;
  }
  fputs(pem, ctx->out);
  return CTL_EXIT_OK;
}
