/*
 * OCPP 2.0.1 J: the schedule of the meter values a transaction keeps for its
 * Ended event (tx_ended.h). Pure.
 */
#include "ocpp/v201/tx_ended.h"

#include "ocpp/ocpp16_measurands.h"

void v201_txend_start(v201_txend *t, borne_ms start) {
  *t = (v201_txend){.running = true,
                    .start = start,
                    .next_sampled = V201_TXEND_NEVER,
                    .next_aligned = V201_TXEND_NEVER};
}

void v201_txend_stop(v201_txend *t) {
  *t = (v201_txend){.next_sampled = V201_TXEND_NEVER, .next_aligned = V201_TXEND_NEVER};
}

/* The first instant start + n x interval after `now` (n >= 1). */
static borne_ms next_from_start(borne_ms start, long interval_s, borne_ms now) {
  borne_ms step = (borne_ms)interval_s * 1000;
  borne_ms n = now < start ? 1 : (now - start) / step + 1;
  return start + n * step;
}

unsigned v201_txend_due(v201_txend *t, long sampled_s, long aligned_s, borne_ms now,
                        borne_ms *sampled_at, borne_ms *aligned_at) {
  unsigned due = 0;
  if (!t->running) return 0;
  if (sampled_s <= 0) {
    t->next_sampled = V201_TXEND_NEVER;
  } else if (sampled_s != t->sampled_s || t->next_sampled == V201_TXEND_NEVER) {
    t->next_sampled = next_from_start(t->start, sampled_s, now);
  } else if (now >= t->next_sampled) {
    due |= V201_TXEND_SAMPLED;
    if (sampled_at) *sampled_at = now;
    t->next_sampled = next_from_start(t->start, sampled_s, now);
  }
  t->sampled_s = sampled_s > 0 ? sampled_s : 0;
  if (aligned_s <= 0) {
    t->next_aligned = V201_TXEND_NEVER;
  } else if (aligned_s != t->aligned_s || t->next_aligned == V201_TXEND_NEVER) {
    t->next_aligned = ocpp16_next_aligned(now, aligned_s);
  } else if (now >= t->next_aligned) {
    due |= V201_TXEND_ALIGNED;
    if (aligned_at) *aligned_at = t->next_aligned; /* the reading of the instant */
    t->next_aligned = ocpp16_next_aligned(now, aligned_s);
  }
  t->aligned_s = aligned_s > 0 ? aligned_s : 0;
  return due;
}

borne_ms v201_txend_next(const v201_txend *t) {
  if (!t->running) return V201_TXEND_NEVER;
  return t->next_sampled < t->next_aligned ? t->next_sampled : t->next_aligned;
}

long v201_txend_stride(long taken, long rows) {
  long s = 1;
  if (rows < 1) rows = 1;
  /* multiples of s in [0, taken - 1]: (taken - 1) / s + 1 */
  while (taken > 0 && (taken - 1) / s + 1 > rows && s < (1L << 40)) s *= 2;
  return s;
}

bool v201_txend_keeps(long n, long taken, long rows) {
  if (n < 0 || n >= taken) return false;
  return n == taken - 1 || n % v201_txend_stride(taken, rows) == 0;
}

static size_t kept_bytes(const size_t *sizes, size_t n, const bool *keep) {
  size_t total = 0, count = 0;
  for (size_t i = 0; i < n; i++)
    if (keep[i]) total += sizes[i], count++;
  return total + count; /* a comma each (one too many: a margin) */
}

/* The first and the last kept of series g (n: none). */
static void ends_of(const unsigned char *series, size_t n, const bool *keep, unsigned char g,
                    size_t *first, size_t *last) {
  *first = *last = n;
  for (size_t i = 0; i < n; i++) {
    if (!keep[i] || series[i] != g) continue;
    if (*first == n) *first = i;
    *last = i;
  }
}

size_t v201_txend_thin(const size_t *sizes, const unsigned char *series, size_t n, size_t budget,
                       bool *keep) {
  for (size_t i = 0; i < n; i++) keep[i] = true;
  int ends = 0; /* 0: thinning the middles, 1: dropping the firsts, 2: the lasts */
  while (n && kept_bytes(sizes, n, keep) > budget && ends < 3) {
    size_t dropped = 0;
    for (unsigned char g = 0; g < 2; g++) {
      size_t first, last;
      ends_of(series, n, keep, g, &first, &last);
      if (first == n) continue;
      if (ends == 0) {
        bool odd = false; /* every second of the middle out */
        for (size_t i = first + 1; i < last; i++) {
          if (!keep[i] || series[i] != g) continue;
          odd = !odd;
          if (odd) keep[i] = false, dropped++;
        }
      } else if (ends == 1 && first != last) {
        keep[first] = false, dropped++;
      } else if (ends == 2) {
        keep[last] = false, dropped++;
      }
    }
    if (!dropped) ends++;
  }
  size_t count = 0;
  for (size_t i = 0; i < n; i++) count += keep[i];
  return count;
}
