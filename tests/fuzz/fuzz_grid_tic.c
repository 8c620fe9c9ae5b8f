/*
 * Fuzz target for the Linky TIC parser (src/grid/tic.c): the first byte picks
 * the mode and the size of the reads, the rest is the line's bytes. Whatever
 * arrives, the parser must never crash or read out of bounds, every frame it
 * reports holds finite numbers and NUL-terminated strings, and its counters
 * stay consistent.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "grid/tic.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_frame(void *ctx, const tic_frame *f) {
  int *frames = ctx;
  (*frames)++;
  for (int i = 0; i < 3; i++)
    if (!isfinite(f->g.current_a[i]) || !isfinite(f->g.power_w[i])) abort();
  if (!isfinite(f->g.power_total_w) || !isfinite(f->energy_wh)) abort();
  if (strlen(f->g.tariff) >= sizeof f->g.tariff || strlen(f->meter_id) >= sizeof f->meter_id)
    abort();
  if (f->mode == TIC_MODE_AUTO || f->groups_ok <= 0) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) return 0;
  tic_parser p;
  tic_init(&p, (tic_mode)(data[0] % 3));
  size_t chunk = (size_t)(data[0] >> 2) + 1;
  int frames = 0, reported = 0;
  for (size_t i = 1; i < size; i += chunk) {
    size_t n = size - i < chunk ? size - i : chunk;
    reported += tic_feed(&p, data + i, n, (borne_ms)i, check_frame, &frames);
  }
  if (frames != reported || (uint64_t)frames > p.stats.frames) abort();
  return 0;
}
