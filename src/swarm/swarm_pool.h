/*
 * A memory pool of its own for one library's allocations (borne-swarm gives
 * it SQLite's, docs/swarm.md "Memory per station"): blocks of fixed size
 * classes carved from 256 KiB mappings of their own, a block larger than
 * 16 KiB in a mapping of its own. A mapping whose blocks are all free goes
 * back to the system (one empty mapping per class is kept until
 * swarm_pool_trim). The point is where the memory lies, not speed: a
 * library's short-lived memory (a station's database connection, open for
 * a few seconds then closed) no longer leaves holes between the long-lived
 * blocks of the process's heap. Thread-safe (one mutex).
 */
#ifndef BORNE_SWARM_POOL_H
#define BORNE_SWARM_POOL_H

#include <stddef.h>

/* NULL when n is 0 or no memory is left. */
void *swarm_pool_alloc(size_t n);
void swarm_pool_free(void *p); /* NULL is allowed */
/* As realloc: p NULL allocates; n 0 frees and returns NULL. */
void *swarm_pool_realloc(void *p, size_t n);
/* The usable size of an allocated block (>= what was asked). */
size_t swarm_pool_size(const void *p);
/* What an allocation of n bytes really gets. */
size_t swarm_pool_roundup(size_t n);
/* Unmaps every mapping whose blocks are all free. */
void swarm_pool_trim(void);

typedef struct {
  size_t mapped;   /* bytes mapped from the system */
  size_t in_use;   /* bytes of the blocks allocated (their usable size) */
  size_t mappings; /* mappings held */
} swarm_pool_stats;
void swarm_pool_get_stats(swarm_pool_stats *out);

#endif
