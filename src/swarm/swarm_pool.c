/* swarm_pool.h: size classes in mappings of their own. */
#include "swarm/swarm_pool.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#define CHUNK ((size_t)64 * 1024) /* a class's mapping, aligned to its size */
#define HEADER ((size_t)64)       /* the mapping's header, before its first block */
#define MAX_SMALL ((size_t)8192)  /* larger blocks get a mapping of their own */
#define MAGIC 0x53574d50u
#define LARGE (-1)

typedef struct chunk {
  uint32_t magic;
  int cls;       /* a size class, or LARGE */
  size_t size;   /* a class's block size; LARGE: the mapping's length */
  uint32_t used; /* blocks allocated */
  uint32_t capacity;
  char *bump;                /* the first block never handed out */
  void *free;                /* blocks freed, each holding the next's address */
  struct chunk *prev, *next; /* in its class's list of chunks with room */
  bool listed;
} chunk;

_Static_assert(sizeof(chunk) <= HEADER, "chunk header");

/* 16 to 256 by 16, then four steps per doubling up to MAX_SMALL */
#define NCLASSES (16 + 20)
static size_t class_size[NCLASSES];

static struct {
  pthread_mutex_t lock;
  chunk *room[NCLASSES]; /* chunks with a free block */
  size_t mapped, in_use, mappings;
  bool ready;
} P = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void setup(void) {
  int k = 0;
  for (size_t s = 16; s <= 256; s += 16) class_size[k++] = s;
  for (size_t base = 256; base < MAX_SMALL; base *= 2)
    for (size_t q = 1; q <= 4; q++) class_size[k++] = base + base * q / 4;
  P.ready = true;
}

static int class_of(size_t n) {
  if (n <= 256) return n == 0 ? 0 : (int)((n + 15) / 16) - 1;
  int lo = 16, hi = NCLASSES - 1; /* the first class >= n */
  while (lo < hi) {
    int mid = (lo + hi) / 2;
    if (class_size[mid] >= n)
      hi = mid;
    else
      lo = mid + 1;
  }
  return lo;
}

static chunk *chunk_of(const void *p) { return (chunk *)((uintptr_t)p & ~(uintptr_t)(CHUNK - 1)); }

/* len bytes aligned to CHUNK (more mapped, the ends unmapped). */
static void *map_aligned(size_t len) {
  size_t over = len + CHUNK;
  char *m = mmap(NULL, over, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) return NULL;
  char *a = (char *)(((uintptr_t)m + CHUNK - 1) & ~(uintptr_t)(CHUNK - 1));
  if (a > m) munmap(m, (size_t)(a - m));
  size_t tail = (size_t)(m + over - (a + len));
  if (tail) munmap(a + len, tail);
  return a;
}

static size_t page_round(size_t n) { return (n + 4095) & ~(size_t)4095; }

static void unlist(chunk *c) {
  if (!c->listed) return;
  if (c->prev)
    c->prev->next = c->next;
  else
    P.room[c->cls] = c->next;
  if (c->next) c->next->prev = c->prev;
  c->prev = c->next = NULL;
  c->listed = false;
}

static void list(chunk *c) {
  if (c->listed) return;
  c->prev = NULL;
  c->next = P.room[c->cls];
  if (c->next) c->next->prev = c;
  P.room[c->cls] = c;
  c->listed = true;
}

static void unmap(chunk *c, size_t len) {
  P.mapped -= len;
  P.mappings--;
  munmap(c, len);
}

static void *alloc_locked(size_t n) {
  if (n > MAX_SMALL) {
    if (n > SIZE_MAX - HEADER - 2 * CHUNK) return NULL;
    size_t len = page_round(HEADER + n);
    chunk *c = map_aligned(len);
    if (!c) return NULL;
    *c = (chunk){.magic = MAGIC, .cls = LARGE, .size = len, .used = 1};
    P.mapped += len;
    P.mappings++;
    P.in_use += len - HEADER;
    return (char *)c + HEADER;
  }
  int k = class_of(n);
  chunk *c = P.room[k];
  if (!c) {
    c = map_aligned(CHUNK);
    if (!c) return NULL;
    *c = (chunk){.magic = MAGIC,
                 .cls = k,
                 .size = class_size[k],
                 .capacity = (uint32_t)((CHUNK - HEADER) / class_size[k]),
                 .bump = (char *)c + HEADER};
    P.mapped += CHUNK;
    P.mappings++;
    list(c);
  }
  void *p;
  if (c->free) {
    p = c->free;
    memcpy(&c->free, p, sizeof c->free);
  } else {
    p = c->bump;
    c->bump += c->size;
  }
  c->used++;
  if (c->used == c->capacity) unlist(c);
  P.in_use += c->size;
  return p;
}

static void free_locked(void *p) {
  chunk *c = chunk_of(p);
  if (c->cls == LARGE) {
    P.in_use -= c->size - HEADER;
    unmap(c, c->size);
    return;
  }
  memcpy(p, &c->free, sizeof c->free);
  c->free = p;
  c->used--;
  P.in_use -= c->size;
  if (c->used > 0) {
    list(c);
    return;
  }
  /* empty: kept if it is its class's only chunk with room (no mapping and
   * unmapping at each block of a class at its edge), else unmapped */
  list(c);
  if (P.room[c->cls] == c && !c->next) return;
  unlist(c);
  unmap(c, CHUNK);
}

void *swarm_pool_alloc(size_t n) {
  if (n == 0) return NULL;
  pthread_mutex_lock(&P.lock);
  if (!P.ready) setup();
  void *p = alloc_locked(n);
  pthread_mutex_unlock(&P.lock);
  return p;
}

void swarm_pool_free(void *p) {
  if (!p) return;
  pthread_mutex_lock(&P.lock);
  free_locked(p);
  pthread_mutex_unlock(&P.lock);
}

size_t swarm_pool_size(const void *p) {
  if (!p) return 0;
  const chunk *c = chunk_of(p);
  return c->cls == LARGE ? c->size - HEADER : c->size;
}

size_t swarm_pool_roundup(size_t n) {
  pthread_mutex_lock(&P.lock);
  if (!P.ready) setup();
  pthread_mutex_unlock(&P.lock);
  if (n > MAX_SMALL) return page_round(HEADER + n) - HEADER;
  return class_size[class_of(n)];
}

void *swarm_pool_realloc(void *p, size_t n) {
  if (!p) return swarm_pool_alloc(n);
  if (n == 0) {
    swarm_pool_free(p);
    return NULL;
  }
  size_t have = swarm_pool_size(p);
  if (n <= have && n > have / 2) return p; /* fits, and not much larger than needed */
  void *q = swarm_pool_alloc(n);
  if (!q) return NULL;
  memcpy(q, p, n < have ? n : have);
  swarm_pool_free(p);
  return q;
}

void swarm_pool_trim(void) {
  pthread_mutex_lock(&P.lock);
  for (int k = 0; k < NCLASSES; k++) {
    chunk *c = P.room[k];
    while (c) {
      chunk *next = c->next;
      if (c->used == 0) {
        unlist(c);
        unmap(c, CHUNK);
      }
      c = next;
    }
  }
  pthread_mutex_unlock(&P.lock);
}

void swarm_pool_get_stats(swarm_pool_stats *out) {
  pthread_mutex_lock(&P.lock);
  out->mapped = P.mapped;
  out->in_use = P.in_use;
  out->mappings = P.mappings;
  pthread_mutex_unlock(&P.lock);
}
