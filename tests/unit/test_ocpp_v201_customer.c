/*
 * NotifyCustomerInformation pages (src/ocpp/v201/customer.c, OCPP 2.0.1
 * N09): every page passes the generated 2.0.1 validator, the lines come
 * back whole and in order, pages are numbered from 0 with tbc on all but the
 * last, and a line longer than a page is cut on a UTF-8 character boundary.
 */
/* cmocka.h needs these first */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ocpp/v201/customer.h"
#include "ocpp201_messages.h"

#define T0 1796500000000LL /* 2026-12-05 */

/* Checks every page and returns the data joined back (caller frees). */
static char *check_pages(json_t *pages, int request_id) {
  assert_non_null(pages);
  assert_true(json_array_size(pages) >= 1);
  size_t cap = 1 << 16, used = 0;
  char *all = calloc(1, cap);
  size_t i;
  json_t *p;
  json_array_foreach(pages, i, p) {
    ocpp_error err = {.kind = OCPP_ERR_NONE};
    if (ocpp201_validate("NotifyCustomerInformation", true, p, &err) != 0)
      fail_msg("page %zu: %s %s", i, err.code, err.text);
    assert_int_equal(json_integer_value(json_object_get(p, "seqNo")), (json_int_t)i);
    assert_int_equal(json_integer_value(json_object_get(p, "requestId")), request_id);
    bool last = i + 1 == json_array_size(pages);
    assert_int_equal(json_is_true(json_object_get(p, "tbc")), !last);
    const char *data = json_string_value(json_object_get(p, "data"));
    assert_true(strlen(data) <= V201_CUSTOMER_DATA_MAX);
    size_t n = strlen(data);
    assert_true(used + n + 1 < cap);
    memcpy(all + used, data, n);
    used += n;
    all[used] = '\0';
  }
  return all;
}

static void few_lines_are_one_page(void **state) {
  (void)state;
  const char *lines[] = {"idToken GOOD1", "authorization cache: Accepted, expires never",
                         "transactions: none"};
  json_t *pages = v201_customer_pages(lines, 3, 12, T0);
  char *all = check_pages(pages, 12);
  assert_int_equal(json_array_size(pages), 1);
  assert_string_equal(all, "idToken GOOD1\nauthorization cache: Accepted, expires never\n"
                           "transactions: none");
  assert_null(json_object_get(json_array_get(pages, 0), "tbc"));
  free(all);
  json_decref(pages);
}

static void nothing_is_one_empty_page(void **state) {
  (void)state;
  json_t *pages = v201_customer_pages(NULL, 0, 3, T0);
  char *all = check_pages(pages, 3);
  assert_int_equal(json_array_size(pages), 1);
  assert_string_equal(all, "");
  free(all);
  json_decref(pages);
}

/* 200 session lines: several pages, each line whole on one of them. */
static void many_lines_are_paged_whole(void **state) {
  (void)state;
  char *lines[200];
  for (int i = 0; i < 200; i++) {
    lines[i] = malloc(80);
    snprintf(lines[i], 80, "transaction on EVSE 1: line %03d, 12.345 kWh, stopped Local", i);
  }
  json_t *pages = v201_customer_pages((const char *const *)lines, 200, 9, T0);
  char *all = check_pages(pages, 9);
  assert_true(json_array_size(pages) > 20);
  size_t i;
  json_t *p;
  int seen = 0;
  json_array_foreach(pages, i, p) {
    const char *data = json_string_value(json_object_get(p, "data"));
    for (const char *l = data; l; l = strchr(l, '\n')) {
      if (*l == '\n') l++;
      char want[80];
      snprintf(want, sizeof want, "transaction on EVSE 1: line %03d", seen);
      assert_memory_equal(l, want, strlen(want));
      seen++;
    }
  }
  assert_int_equal(seen, 200);
  for (int k = 0; k < 200; k++) free(lines[k]);
  free(all);
  json_decref(pages);
}

/* A line of 1 500 two-byte characters: cut within pages, never inside a character. */
static void long_line_is_cut_on_characters(void **state) {
  (void)state;
  size_t n = 1500;
  char *line = malloc(n * 2 + 1);
  for (size_t i = 0; i < n; i++) memcpy(line + 2 * i, "\xc3\xa9", 2); /* é */
  line[n * 2] = '\0';
  const char *lines[] = {"before", line, "after"};
  json_t *pages = v201_customer_pages(lines, 3, 1, T0);
  char *all = check_pages(pages, 1); /* json strings: valid UTF-8 or json_pack fails */
  char *want = malloc(n * 2 + 20);
  snprintf(want, n * 2 + 20, "before%s\nafter", line); /* a page break stands for a newline */
  assert_string_equal(all, want);
  free(want);
  free(all);
  free(line);
  json_decref(pages);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(few_lines_are_one_page),
      cmocka_unit_test(nothing_is_one_empty_page),
      cmocka_unit_test(many_lines_are_paged_whole),
      cmocka_unit_test(long_line_is_cut_on_characters),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
