/*
 * Rendering of text_table into one string. Pure: it never writes to a stream
 * (the caller prints), never truncates a cell (an operator must see the whole
 * badge UID or error text), and copies cells so callers may reuse buffers.
 */
#include "util/table.h"

#include <stdlib.h>
#include <string.h>

void table_init(text_table *t, int cols, const char *const *headers) {
  memset(t, 0, sizeof *t);
  t->cols = cols > TABLE_MAX_COLS ? TABLE_MAX_COLS : cols;
  for (int c = 0; c < t->cols; c++) t->headers[c] = headers[c];
}

void table_set_align(text_table *t, int col, table_align align) {
  if (col >= 0 && col < t->cols) t->align[col] = align;
}

int table_add_row(text_table *t, const char *const *cells) {
  if (t->rows == t->cap) {
    int cap = t->cap ? t->cap * 2 : 16;
    char **p = realloc(t->cells, (size_t)cap * (size_t)t->cols * sizeof *p);
    if (!p) return -1;
    t->cells = p;
    t->cap = cap;
  }
  char **row = t->cells + (size_t)t->rows * (size_t)t->cols;
  for (int c = 0; c < t->cols; c++) {
    row[c] = strdup(cells[c] ? cells[c] : "-");
    if (!row[c]) {
      while (c-- > 0) free(row[c]);
      return -1;
    }
  }
  t->rows++;
  return 0;
}

size_t table_text_width(const char *s) {
  size_t n = 0;
  for (; *s; s++)
    if (((unsigned char)*s & 0xC0) != 0x80) n++; /* count lead bytes only */
  return n;
}

static const char *cell(const text_table *t, int row, int col) {
  return row < 0 ? t->headers[col] : t->cells[(size_t)row * (size_t)t->cols + (size_t)col];
}

char *table_render(const text_table *t) {
  size_t width[TABLE_MAX_COLS] = {0};
  size_t total = 1;
  for (int r = -1; r < t->rows; r++)
    for (int c = 0; c < t->cols; c++) {
      size_t w = table_text_width(cell(t, r, c));
      if (w > width[c]) width[c] = w;
    }
  for (int r = -1; r < t->rows; r++) {
    for (int c = 0; c < t->cols; c++) total += width[c] + 2 + strlen(cell(t, r, c));
    total += 1;
  }
  char *out = malloc(total);
  if (!out) return NULL;
  size_t o = 0;
  for (int r = -1; r < t->rows; r++) {
    size_t line_start = o;
    for (int c = 0; c < t->cols; c++) {
      const char *s = cell(t, r, c);
      size_t pad = width[c] - table_text_width(s);
      if (c > 0) {
        memcpy(out + o, "  ", 2);
        o += 2;
      }
      if (t->align[c] == TABLE_RIGHT) {
        memset(out + o, ' ', pad);
        o += pad;
      }
      size_t n = strlen(s);
      memcpy(out + o, s, n);
      o += n;
      if (t->align[c] == TABLE_LEFT) {
        memset(out + o, ' ', pad);
        o += pad;
      }
    }
    while (o > line_start && out[o - 1] == ' ') o--;
    out[o++] = '\n';
  }
  out[o] = '\0';
  return out;
}

void table_free(text_table *t) {
  size_t n = (size_t)t->rows * (size_t)t->cols;
  for (size_t i = 0; i < n; i++) free(t->cells[i]);
  free(t->cells);
  t->cells = NULL;
  t->rows = t->cap = 0;
}
