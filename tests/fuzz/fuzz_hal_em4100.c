/*
 * Fuzz target for the EM4100 serial reader decoder (src/hal/em4100.c): the
 * first byte sets the size of the reads, the rest is what the line sends.
 * Whatever arrives, the decoder must never read out of bounds, every UID it
 * reports is 10 upper-case hex digits, and its counters agree.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hal/em4100.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_uid(void *ctx, const char *uid) {
  int *n = ctx;
  (*n)++;
  if (strlen(uid) != 10) abort();
  for (int i = 0; i < 10; i++)
    if (!isxdigit((unsigned char)uid[i]) || islower((unsigned char)uid[i])) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) return 0;
  em4100_decoder d;
  em4100_init(&d);
  size_t chunk = (size_t)(data[0] & 0x0f) + 1;
  int seen = 0, reported = 0;
  for (size_t i = 1; i < size; i += chunk) {
    size_t n = size - i < chunk ? size - i : chunk;
    /* time moves by the first byte's high bits per read: repeats and new presentations */
    reported += em4100_feed(&d, data + i, n, (borne_ms)i * (data[0] >> 4) * 100, check_uid, &seen);
  }
  if (seen != reported || (uint64_t)seen != d.badges || d.badges > d.frames) abort();
  if (d.len < 0 || d.len > EM4100_FRAME_LEN) abort();
  return 0;
}
