/*
 * Fuzz target for the PN532 HSU frame decoder and reader dialogue
 * (src/hal/pn532.c): the first byte sets the size of the reads and how time
 * moves, the rest is what the line sends. Whatever arrives, nothing is read
 * or written out of bounds, every UID is 8, 14 or 20 upper-case hex digits,
 * the output fits its buffer and the counters agree.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hal/pn532.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_uid(void *ctx, const char *uid) {
  int *n = ctx;
  (*n)++;
  size_t len = strlen(uid);
  if (len != 8 && len != 14 && len != 20) abort();
  for (size_t i = 0; i < len; i++)
    if (!isxdigit((unsigned char)uid[i]) || islower((unsigned char)uid[i])) abort();
}

static void count_frame(void *ctx, pn532_kind kind, const uint8_t *body, size_t n) {
  (void)kind;
  if (n > PN532_MAX_DATA || (n && !body)) abort();
  (*(int *)ctx)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) return 0;
  size_t chunk = (size_t)(data[0] & 0x0f) + 1;
  /* the decoder alone */
  pn532_decoder d;
  pn532_decoder_init(&d);
  int frames = 0, counted = 0;
  for (size_t i = 1; i < size; i += chunk) {
    size_t n = size - i < chunk ? size - i : chunk;
    counted += pn532_feed(&d, data + i, n, count_frame, &frames);
  }
  if (frames != counted || (uint64_t)frames != d.frames) abort();
  /* the dialogue: ticks between reads so that every step is reached */
  pn532_reader r;
  int seen = 0;
  pn532_reader_init(&r, check_uid, &seen);
  borne_ms now = 0;
  for (size_t i = 1; i < size; i += chunk) {
    pn532_reader_tick(&r, now);
    if (r.out_len > sizeof r.out) abort();
    size_t n = size - i < chunk ? size - i : chunk;
    pn532_reader_feed(&r, data + i, n, now);
    if (r.out_len > sizeof r.out) abort();
    now += (borne_ms)(data[0] >> 4) * 100;
  }
  if ((uint64_t)seen != r.badges) abort();
  return 0;
}
