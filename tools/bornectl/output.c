/*
 * Small printers shared by the views: JSON as is, table cells from JSON
 * members, and tables. A missing or null member always shows as "-": the
 * API may add members or leave some null, and bornectl must still print.
 */
#include "ctl.h"

#include <stdlib.h>
#include <string.h>

#include "util/timefmt.h"

void ctl_print_json(ctl_ctx *ctx, const json_t *v) {
  char *text = json_dumps(v, JSON_INDENT(2) | JSON_ENCODE_ANY);
  if (text) fprintf(ctx->out, "%s\n", text);
  free(text);
}

const char *ctl_cell(const json_t *obj, const char *key, char *buf, size_t len) {
  const json_t *v = json_object_get(obj, key);
  if (json_is_string(v)) return json_string_value(v);
  if (json_is_integer(v)) {
    snprintf(buf, len, "%lld", (long long)json_integer_value(v));
  } else if (json_is_real(v)) {
    snprintf(buf, len, "%g", json_real_value(v));
  } else if (json_is_boolean(v)) {
    snprintf(buf, len, "%s", json_is_true(v) ? "yes" : "no");
  } else {
    snprintf(buf, len, "-");
  }
  return buf;
}

const char *ctl_fixed(const json_t *v, int decimals, char *buf, size_t len) {
  if (!json_is_number(v)) return "-";
  snprintf(buf, len, "%.*f", decimals, json_number_value(v));
  return buf;
}

const char *ctl_time_cell(const json_t *v, char *buf, size_t len) {
  int64_t ms;
  if (!json_is_string(v)) return "-";
  if (timefmt_parse(json_string_value(v), &ms) != 0) return json_string_value(v);
  timefmt_short(ms, buf, len);
  return buf;
}

void ctl_print_table(ctl_ctx *ctx, text_table *t) {
  char *text = table_render(t);
  if (text) {
    fputs(text, ctx->out);
  } else {
    fputs("bornectl: out of memory printing the table\n", ctx->err);
  }
  free(text);
  table_free(t);
}
