/*
 * Recorded inputs for unit tests: tests/data/SUBDIR/NAME (TIC frames, P1
 * telegrams...), read whole. Include after cmocka.h.
 */
#ifndef BORNE_TEST_DATA_H
#define BORNE_TEST_DATA_H

#include <stdint.h>
#include <stdio.h>

/* Reads tests/data/SUBDIR/NAME into buf; fails the test when the file is
 * missing, empty or not smaller than cap. Returns its size. */
static inline size_t test_data_load(const char *subdir, const char *name, uint8_t *buf,
                                    size_t cap) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s/%s", BORNE_TEST_DATA_DIR, subdir, name);
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  size_t n = fread(buf, 1, cap, f);
  fclose(f);
  assert_true(n > 0 && n < cap);
  return n;
}

#endif
