/*
 * The configuration file: `key = value` lines, `#`/`;` comments, optional
 * `[section]` headers prefixing the keys below them, optional double quotes
 * with \" and \\ escapes. Loading is all or nothing, and every refusal says
 * FILE:LINE and why. Input is untrusted (it is fuzzed): this file must never
 * read past a buffer, crash, or accept a line it did not understand.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "util/errbuf.h"

#define LINE_MAX_CHARS CONFIG_LINE_MAX
#define KEY_MAX 128
#define FILE_MAX_BYTES (1024 * 1024)

static bool is_space(char ch) { return ch == ' ' || ch == '\t'; }

/* Trims [*b, *e) of spaces and tabs at both ends. */
static void trim(const char **b, const char **e) {
  while (*b < *e && is_space(**b)) (*b)++;
  while (*e > *b && is_space((*e)[-1])) (*e)--;
}

/* End of the text before a comment: `#` or `;` at the start or after
 * whitespace; `a#b` keeps its `#`. */
static const char *comment_start(const char *b, const char *e) {
  for (const char *p = b; p < e; p++)
    if ((*p == '#' || *p == ';') && (p == b || is_space(p[-1]))) return p;
  return e;
}

/* Dotted name: non-empty components of [A-Za-z0-9_-], e.g. "connector.1.gpio". */
static bool dotted_name(const char *b, const char *e) {
  if (b == e || *b == '.' || e[-1] == '.') return false;
  for (const char *p = b; p < e; p++) {
    char ch = *p;
    if (ch == '.') {
      if (p[1] == '.') return false;
    } else if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                 ch == '_' || ch == '-')) {
      return false;
    }
  }
  return true;
}

/* Does some registered key start with "section."? Wildcards match as in
 * config_key_matches ("connector.2" and "meter.grid" are sections). */
static bool known_section(const char *section) {
  int n;
  const cfg_key_def *defs = config_registry(&n);
  size_t segments = 1;
  for (const char *s = section; *s; s++) segments += *s == '.';
  for (int i = 0; i < n; i++) {
    char head[128];
    snprintf(head, sizeof head, "%s", defs[i].key);
    size_t seen = 0;
    char *cut = NULL;
    for (char *k = head; *k; k++)
      if (*k == '.' && ++seen == segments) {
        cut = k;
        break;
      }
    if (!cut) continue; /* the key has no segment after the section */
    *cut = '\0';
    if (config_key_matches(head, section)) return true;
  }
  return false;
}

/* Unquotes "...": \" and \\ are the only escapes. Writes into out. */
static int unquote(const char *b, const char *e, char *out, size_t outlen, const char **why) {
  size_t o = 0;
  const char *p = b + 1;
  for (; p < e && *p != '"'; p++) {
    char ch = *p;
    if (ch == '\\') {
      if (p + 1 >= e || (p[1] != '"' && p[1] != '\\')) {
        *why = "unknown escape in quotes (only \\\" and \\\\)";
        return -1;
      }
      ch = *++p;
    }
    if (o + 1 >= outlen) {
      *why = "value too long";
      return -1;
    }
    out[o++] = ch;
  }
  if (p >= e) {
    *why = "missing closing quote";
    return -1;
  }
  out[o] = '\0';
  const char *after = p + 1, *end = e;
  trim(&after, &end);
  if (after < end && *after != '#' && *after != ';') {
    *why = "text after the closing quote";
    return -1;
  }
  return 0;
}

typedef struct {
  const char *name;
  int line;
  char *err;
  size_t errlen;
} where;

static int line_error(const where *w, const char *why) {
  errbuf_setf(w->err, w->errlen, "%s:%d: %s", w->name, w->line, why);
  return -1;
}

/* One line [b, e), without its newline. Updates section. */
static int parse_line(config *c, const where *w, const char *b, const char *e, char *section,
                      size_t seclen) {
  if (e - b > LINE_MAX_CHARS) {
    errbuf_setf(w->err, w->errlen, "%s:%d: line is longer than %d characters", w->name, w->line,
                LINE_MAX_CHARS);
    return -1;
  }
  if (e > b && e[-1] == '\r') e--;
  trim(&b, &e);
  if (b == e || *b == '#' || *b == ';') return 0;
  if (memchr(b, '\0', (size_t)(e - b))) return line_error(w, "line contains a NUL byte");
  if (*b == '[') {
    const char *end = comment_start(b, e);
    trim(&b, &end);
    if (end[-1] != ']' || end - b < 2) return line_error(w, "section header is missing `]`");
    const char *nb = b + 1, *ne = end - 1;
    trim(&nb, &ne);
    if (nb == ne) return line_error(w, "empty section name `[]`");
    char name[KEY_MAX];
    if (!dotted_name(nb, ne) || (size_t)(ne - nb) >= sizeof name) {
      errbuf_setf(w->err, w->errlen, "%s:%d: bad section name `%.*s`", w->name, w->line,
                  (int)(ne - nb), nb);
      return -1;
    }
    memcpy(name, nb, (size_t)(ne - nb));
    name[ne - nb] = '\0';
    if (!known_section(name)) {
      errbuf_setf(w->err, w->errlen, "%s:%d: unknown section `[%s]`", w->name, w->line, name);
      return -1;
    }
    snprintf(section, seclen, "%s", name);
    return 0;
  }
  const char *eq = memchr(b, '=', (size_t)(e - b));
  if (!eq) return line_error(w, "expected `key = value`");
  const char *kb = b, *ke = eq;
  trim(&kb, &ke);
  if (kb == ke) return line_error(w, "empty key before `=`");
  char key[KEY_MAX * 2];
  size_t klen = (size_t)(ke - kb);
  if (!dotted_name(kb, ke) || klen >= KEY_MAX) {
    errbuf_setf(w->err, w->errlen, "%s:%d: bad key `%.*s`", w->name, w->line,
                (int)(klen > 64 ? 64 : klen), kb);
    return -1;
  }
  snprintf(key, sizeof key, "%s%s%.*s", section, section[0] ? "." : "", (int)klen, kb);

  char value[LINE_MAX_CHARS + 1];
  const char *vb = eq + 1, *ve = e;
  trim(&vb, &ve);
  if (vb < ve && *vb == '"') {
    const char *why = NULL;
    if (unquote(vb, ve, value, sizeof value, &why) != 0) return line_error(w, why);
  } else {
    ve = comment_start(vb, ve);
    trim(&vb, &ve);
    memcpy(value, vb, (size_t)(ve - vb));
    value[ve - vb] = '\0';
  }
  char why[512];
  if (config_set(c, key, value, why, sizeof why) != 0) {
    errbuf_setf(w->err, w->errlen, "%s:%d: %s", w->name, w->line, why);
    return -1;
  }
  return 0;
}

typedef struct {
  config *dst;
  char *err;
  size_t errlen;
} merge_ctx;

static int merge(void *ctx, const char *key, const char *value) {
  merge_ctx *m = ctx;
  return config_set(m->dst, key, value, m->err, m->errlen) != 0;
}

/* Parses text[0, len) into a fresh config, then copies it into c: nothing of
 * a file with an error is applied. */
static int load_text(config *c, const char *text, size_t len, const char *name, char *err,
                     size_t errlen) {
  if (!c) {
    errbuf_setf(err, errlen, "%s: no configuration", name);
    return -1;
  }
  config *fresh = config_new();
  if (!fresh) {
    errbuf_setf(err, errlen, "%s: out of memory", name);
    return -1;
  }
  char section[KEY_MAX] = "";
  where w = {name, 1, err, errlen};
  int rc = 0;
  for (const char *b = text, *end = text + len; b < end; w.line++) {
    const char *nl = memchr(b, '\n', (size_t)(end - b));
    const char *e = nl ? nl : end;
    if ((rc = parse_line(fresh, &w, b, e, section, sizeof section)) != 0) break;
    b = nl ? nl + 1 : end;
  }
  if (rc == 0) {
    merge_ctx m = {c, err, errlen};
    rc = config_each_set(fresh, merge, &m) ? -1 : 0;
  }
  config_free(fresh);
  return rc;
}

int config_load_string(config *c, const char *text, const char *name, char *err, size_t errlen) {
  if (!name) name = "(string)";
  if (!text) text = "";
  return load_text(c, text, strlen(text), name, err, errlen);
}

int config_load_file(config *c, const char *path, char *err, size_t errlen) {
  if (!path) {
    errbuf_setf(err, errlen, "no configuration file given");
    return -1;
  }
  FILE *f = fopen(path, "rb");
  if (!f) {
    errbuf_setf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
    return -1;
  }
  size_t cap = 4096, len = 0;
  char *buf = malloc(cap);
  int rc = -1;
  if (!buf) {
    errbuf_setf(err, errlen, "%s: out of memory", path);
    goto out;
  }
  for (;;) {
    if (len == cap) {
      if (cap >= FILE_MAX_BYTES) {
        errbuf_setf(err, errlen, "%s: larger than %d bytes; not a configuration file?", path,
                    FILE_MAX_BYTES);
        goto out;
      }
      char *grown = realloc(buf, cap * 2);
      if (!grown) {
        errbuf_setf(err, errlen, "%s: out of memory", path);
        goto out;
      }
      buf = grown;
      cap *= 2;
    }
    size_t n = fread(buf + len, 1, cap - len, f);
    len += n;
    if (n == 0) break;
  }
  if (ferror(f)) {
    errbuf_setf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
    goto out;
  }
  rc = load_text(c, buf, len, path, err, errlen);
out:
  free(buf);
  fclose(f);
  return rc;
}
