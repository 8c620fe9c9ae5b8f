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
