/*
 * Text tables (util/table): column widths from the widest cell in UTF-8
 * characters, alignment, "-" for missing cells, no trailing spaces.
 */
/* cmocka.h needs these first */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#include <stdlib.h>

#include "util/table.h"

static void columns_fit_the_widest_cell(void **state) {
  (void)state;
  static const char *const headers[] = {"ID", "NAME", "kWh"};
  text_table t;
  table_init(&t, 3, headers);
  table_set_align(&t, 0, TABLE_RIGHT);
  table_set_align(&t, 2, TABLE_RIGHT);
  assert_int_equal(table_add_row(&t, (const char *const[]){"7", "Room 12", "12.50"}), 0);
  assert_int_equal(table_add_row(&t, (const char *const[]){"123", "A", "3.00"}), 0);
  char *out = table_render(&t);
  assert_non_null(out);
  assert_string_equal(out, " ID  NAME       kWh\n"
                           "  7  Room 12  12.50\n"
                           "123  A         3.00\n");
  free(out);
  table_free(&t);
}

static void utf8_counts_characters_not_bytes(void **state) {
  (void)state;
  assert_int_equal(table_text_width("Zoë"), 3);
  assert_int_equal(table_text_width("€5"), 2);
  static const char *const headers[] = {"NAME", "X"};
  text_table t;
  table_init(&t, 2, headers);
  table_add_row(&t, (const char *const[]){"Zoë", "1"});
  table_add_row(&t, (const char *const[]){"Jean-Noël", "2"});
  char *out = table_render(&t);
  assert_string_equal(out, "NAME       X\n"
                           "Zoë        1\n"
                           "Jean-Noël  2\n");
  free(out);
  table_free(&t);
}

static void missing_cells_show_a_dash_and_cells_are_copies(void **state) {
  (void)state;
  static const char *const headers[] = {"A", "B"};
  text_table t;
  table_init(&t, 2, headers);
  char buf[8] = "x";
  table_add_row(&t, (const char *const[]){buf, NULL});
  buf[0] = 'y'; /* the table kept its own copy */
  char *out = table_render(&t);
  assert_string_equal(out, "A  B\nx  -\n");
  free(out);
  table_free(&t);
}

static void an_empty_table_is_its_header_and_many_rows_grow(void **state) {
  (void)state;
  static const char *const headers[] = {"UID", "USER"};
  text_table t;
  table_init(&t, 2, headers);
  char *out = table_render(&t);
  assert_string_equal(out, "UID  USER\n");
  free(out);
  for (int i = 0; i < 100; i++) assert_int_equal(table_add_row(&t, headers), 0);
  assert_int_equal(t.rows, 100);
  out = table_render(&t);
  size_t lines = 0;
  for (char *p = out; *p; p++) lines += *p == '\n';
  assert_int_equal(lines, 101);
  free(out);
  table_free(&t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(columns_fit_the_widest_cell),
      cmocka_unit_test(utf8_counts_characters_not_bytes),
      cmocka_unit_test(missing_cells_show_a_dash_and_cells_are_copies),
      cmocka_unit_test(an_empty_table_is_its_header_and_many_rows_grow),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
