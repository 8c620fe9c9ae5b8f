/*
 * Plain-text tables for terminals: a header row, rows of cells, columns as
 * wide as their widest cell (counted in UTF-8 characters, so "Zoë" is three
 * wide), two spaces between columns, no trailing spaces. Numbers read best
 * right-aligned: set TABLE_RIGHT for such columns.
 */
#ifndef BORNE_UTIL_TABLE_H
#define BORNE_UTIL_TABLE_H

#include <stddef.h>

#define TABLE_MAX_COLS 12

typedef enum { TABLE_LEFT, TABLE_RIGHT } table_align;

typedef struct {
  int cols;
  const char *headers[TABLE_MAX_COLS];
  table_align align[TABLE_MAX_COLS];
  char **cells; /* rows * cols copies, row-major */
  int rows, cap;
} text_table;

/* `headers` holds `cols` strings (kept by pointer: static text). */
void table_init(text_table *t, int cols, const char *const *headers);
void table_set_align(text_table *t, int col, table_align align);
/* Copies `cols` cells (NULL prints as "-"). Returns -1 when out of memory. */
int table_add_row(text_table *t, const char *const *cells);
/* The rendered table, '\n' after every line; malloc'd, NULL when out of memory. */
char *table_render(const text_table *t);
void table_free(text_table *t);

/* Characters (UTF-8 code points) in `s`: the display width this module assumes. */
size_t table_text_width(const char *s);

#endif
