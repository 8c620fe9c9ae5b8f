/*
 * The ASCII frames of 125 kHz EM4100 serial readers (RDM6300 type, 9600 8N1):
 * STX (0x02), 10 hex digits (the card's 40-bit ID: version/customer byte
 * and 32-bit number), 2 hex digits of checksum (the XOR of the 5 ID bytes),
 * ETX (0x03). Pure: bytes and a `now` in, badge UIDs out. Such a reader
 * repeats the frame for as long as the card stays in the field; one
 * presentation is reported once.
 */
#ifndef BORNE_HAL_EM4100_H
#define BORNE_HAL_EM4100_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/types.h"

#define EM4100_FRAME_LEN 14
/* The same card again within this time of its last frame is the same
 * presentation (the reader repeats every ~100 ms while it is held). */
#define EM4100_REPEAT_MS 1000

typedef struct {
  uint8_t frame[EM4100_FRAME_LEN];
  int len; /* bytes of the frame so far; 0: waiting for STX */
  char last_uid[11];
  borne_ms last_at;
  uint64_t frames;     /* valid frames, repeats included */
  uint64_t bad_frames; /* started but not valid (garbage, bad checksum, cut short) */
  uint64_t badges;     /* presentations reported */
} em4100_decoder;

void em4100_init(em4100_decoder *d);
/* The UID of one whole frame (14 bytes) into uid (11 bytes: 10 hex digits,
 * upper case); -1 when it is not a valid frame. */
int em4100_frame_uid(const uint8_t *frame, size_t n, char uid[11]);
/* Feeds received bytes; `on_uid` runs for each new presentation. Returns how
 * many were reported. Bytes outside a frame (line noise, CR LF) are skipped;
 * an STX inside a frame starts over. */
int em4100_feed(em4100_decoder *d, const uint8_t *bytes, size_t n, borne_ms now,
                void (*on_uid)(void *ctx, const char *uid), void *ctx);

#endif
