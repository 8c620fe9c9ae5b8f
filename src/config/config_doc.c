/*
 * The key table of docs/configuration.md, printed from the registry so that
 * the documentation cannot drift from the code (a unit test compares them;
 * tools/config-doc rewrites the file). It must only read the registry and
 * write to the given stream.
 */
#include <stdio.h>
#include <string.h>

#include "config/config.h"

/* Text in a table cell: a `|` would end the cell. */
static void print_cell(FILE *out, const char *text) {
  for (const char *p = text; *p; p++) {
    if (*p == '|') fputc('\\', out);
    fputc(*p, out);
  }
}

/* "a|b|c" -> "`a`, `b`, `c`" */
static void print_words(FILE *out, const char *choices) {
  bool first = true;
  for (const char *p = choices; *p;) {
    size_t w = strcspn(p, "|");
    fprintf(out, "%s`%.*s`", first ? "" : ", ", (int)w, p);
    first = false;
    p += w;
    if (*p == '|') p++;
  }
}

static void print_allowed(FILE *out, const cfg_key_def *d) {
  switch (d->type) {
  case CFG_INT:
    if (d->choices) {
      print_words(out, d->choices);
      return;
    }
    /* fall through */
  case CFG_NUMBER:
    if (d->min < d->max) fprintf(out, "%.15g to %.15g", d->min, d->max);
    return;
  case CFG_ENUM:
    print_words(out, d->choices);
    return;
  case CFG_BOOL:
    fputs("`true`, `false` (also yes/no, on/off, 1/0)", out);
    return;
  case CFG_STRING:
    print_cell(out, d->format ? d->format : "any text");
    fprintf(out, ", at most %.0f characters", d->max);
    return;
  }
}

int config_doc_markdown(FILE *out) {
  int n;
  const cfg_key_def *defs = config_registry(&n);
  fputs("| Key | Type | Default | Allowed values | Change | Meaning |\n", out);
  fputs("|---|---|---|---|---|---|\n", out);
  for (int i = 0; i < n; i++) {
    const cfg_key_def *d = &defs[i];
    fprintf(out, "| `%s` | %s | ", d->key, config_type_name(d->type));
    if (!d->def)
      fputs("unset", out);
    else if (!d->def[0])
      fputs("empty", out);
    else
      fprintf(out, "`%s`", d->def);
    fputs(" | ", out);
    print_allowed(out, d);
    fprintf(out, " | %s%s | ",
            config_key_file_only(d) ? "file only"
            : config_key_runtime(d) ? "run time"
                                    : "restart",
            config_key_secret(d) ? ", write-only" : "");
    print_cell(out, d->doc);
    fputs(" |\n", out);
  }
  return ferror(out) ? -1 : 0;
}
