/*
 * The swarm's memory pool (src/swarm/swarm_pool.c), where borne-swarm puts
 * SQLite's memory: every block holds what was asked and keeps its bytes
 * while others come and go, realloc keeps the contents, and once every
 * block is free the pool gives its mappings back (at once beyond one empty
 * mapping per size class, the rest at swarm_pool_trim).
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
#include <string.h>

#include "swarm/swarm_pool.h"

static swarm_pool_stats stats(void) {
  swarm_pool_stats s;
  swarm_pool_get_stats(&s);
  return s;
}

static void fill(void *p, size_t n, unsigned seed) {
  unsigned char *b = p;
  for (size_t i = 0; i < n; i++) b[i] = (unsigned char)(seed + i * 7);
}

static int same(const void *p, size_t n, unsigned seed) {
  const unsigned char *b = p;
  for (size_t i = 0; i < n; i++)
    if (b[i] != (unsigned char)(seed + i * 7)) return 0;
  return 1;
}

static void test_blocks_keep_their_bytes(void **state) {
  (void)state;
  enum { N = 3000 };
  static void *p[N];
  static size_t len[N];
  unsigned r = 12345;
  for (int i = 0; i < N; i++) {
    r = r * 1103515245u + 12345u;
    /* mostly small, some up to 40 kB (beyond the largest class) */
    len[i] = (i % 50 == 0) ? 16385 + (r >> 8) % 24000 : 1 + (r >> 8) % 3000;
    p[i] = swarm_pool_alloc(len[i]);
    assert_non_null(p[i]);
    assert_true(swarm_pool_size(p[i]) >= len[i]);
    assert_int_equal(swarm_pool_size(p[i]), swarm_pool_roundup(len[i]));
    assert_int_equal((uintptr_t)p[i] % 8, 0);
    fill(p[i], len[i], (unsigned)i);
  }
  swarm_pool_stats s = stats();
  assert_true(s.in_use >= 3000);
  assert_true(s.mapped >= s.in_use);
  for (int i = 0; i < N; i += 2) swarm_pool_free(p[i]); /* every other one */
  for (int i = 1; i < N; i += 2) assert_true(same(p[i], len[i], (unsigned)i));
  for (int i = 0; i < N; i += 2) { /* allocated again in the holes */
    p[i] = swarm_pool_alloc(len[i]);
    assert_non_null(p[i]);
    fill(p[i], len[i], (unsigned)i + 1);
  }
  for (int i = 0; i < N; i++) assert_true(same(p[i], len[i], (unsigned)i + (i % 2 == 0)));
  for (int i = 0; i < N; i++) swarm_pool_free(p[i]);
  assert_int_equal(stats().in_use, 0);
  swarm_pool_trim();
  s = stats();
  assert_int_equal(s.mapped, 0);
  assert_int_equal(s.mappings, 0);
}

static void test_realloc_keeps_contents(void **state) {
  (void)state;
  void *p = swarm_pool_realloc(NULL, 10);
  assert_non_null(p);
  fill(p, 10, 3);
  for (size_t n = 20; n < 200000; n = n * 3 / 2) { /* small classes, then its own mapping */
    p = swarm_pool_realloc(p, n);
    assert_non_null(p);
    assert_true(same(p, 10, 3));
    assert_true(swarm_pool_size(p) >= n);
  }
  p = swarm_pool_realloc(p, 5); /* shrunk: the first bytes stay */
  assert_non_null(p);
  assert_true(same(p, 5, 3));
  assert_null(swarm_pool_realloc(p, 0)); /* freed */
  assert_null(swarm_pool_alloc(0));
  swarm_pool_free(NULL);
  swarm_pool_trim();
  assert_int_equal(stats().mapped, 0);
}

static void test_empty_mappings_go_back(void **state) {
  (void)state;
  /* two mappings' worth of one class: freeing them all unmaps one at once,
   * keeps the other (the class's only one with room) until the trim */
  enum { N = 600 };
  static void *p[N];
  for (int i = 0; i < N; i++) assert_non_null(p[i] = swarm_pool_alloc(1000));
  size_t two = stats().mappings;
  assert_true(two >= 2);
  for (int i = 0; i < N; i++) swarm_pool_free(p[i]);
  assert_int_equal(stats().mappings, 1);
  swarm_pool_trim();
  assert_int_equal(stats().mappings, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_blocks_keep_their_bytes),
      cmocka_unit_test(test_realloc_keeps_contents),
      cmocka_unit_test(test_empty_mappings_go_back),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
