/*
 * A value and its arrays in one allocation: a swarm holds thousands of
 * stations, and each block's own malloc header and rounding add up. Two
 * passes: with block NULL, carve() only counts the bytes (calloc that many),
 * then the same calls hand out the arrays.
 */
#ifndef BORNE_UTIL_CARVE_H
#define BORNE_UTIL_CARVE_H

#include <stddef.h>

/* The next array of `count` items of `size` bytes from a block (each on a
 * 16-byte boundary); with block NULL it only counts the bytes. */
static inline void *carve(unsigned char *block, size_t *at, size_t count, size_t size) {
  size_t start = (*at + 15u) & ~(size_t)15u;
  *at = start + count * size;
  return block ? block + start : NULL;
}

#endif
