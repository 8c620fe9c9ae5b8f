/*
 * EM4100 ASCII frame decoder (see em4100.h): a byte-at-a-time state machine
 * that never reads past its 14-byte frame buffer whatever the line sends.
 */
#include "hal/em4100.h"

#include <stdio.h>
#include <string.h>

#define STX 0x02
#define ETX 0x03

void em4100_init(em4100_decoder *d) { memset(d, 0, sizeof *d); }

static int hex_value(uint8_t c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

int em4100_frame_uid(const uint8_t *frame, size_t n, char uid[11]) {
  if (n != EM4100_FRAME_LEN || frame[0] != STX || frame[EM4100_FRAME_LEN - 1] != ETX) return -1;
  uint8_t bytes[6];
  for (int i = 0; i < 6; i++) {
    int hi = hex_value(frame[1 + 2 * i]), lo = hex_value(frame[2 + 2 * i]);
    if (hi < 0 || lo < 0) return -1;
    bytes[i] = (uint8_t)(hi << 4 | lo);
  }
  uint8_t x = 0;
  for (int i = 0; i < 5; i++) x ^= bytes[i];
  if (x != bytes[5]) return -1;
  snprintf(uid, 11, "%02X%02X%02X%02X%02X", bytes[0], bytes[1], bytes[2], bytes[3], bytes[4]);
  return 0;
}

int em4100_feed(em4100_decoder *d, const uint8_t *bytes, size_t n, borne_ms now,
                void (*on_uid)(void *ctx, const char *uid), void *ctx) {
  int reported = 0;
  for (size_t i = 0; i < n; i++) {
    uint8_t c = bytes[i];
    if (c == STX) {
      if (d->len > 0) d->bad_frames++; /* cut short by a new frame */
      d->frame[0] = c;
      d->len = 1;
      continue;
    }
    if (d->len == 0) continue; /* noise between frames */
    d->frame[d->len++] = c;
    if (c != ETX && d->len < EM4100_FRAME_LEN) {
      if (hex_value(c) < 0) { /* not a digit: not a frame */
        d->bad_frames++;
        d->len = 0;
      }
      continue;
    }
    char uid[11];
    int ok = em4100_frame_uid(d->frame, (size_t)d->len, uid);
    d->len = 0;
    if (ok != 0) {
      d->bad_frames++;
      continue;
    }
    d->frames++;
    bool repeat =
        strcmp(uid, d->last_uid) == 0 && now - d->last_at < EM4100_REPEAT_MS && now >= d->last_at;
    memcpy(d->last_uid, uid, sizeof d->last_uid);
    d->last_at = now;
    if (repeat) continue;
    d->badges++;
    reported++;
    if (on_uid) on_uid(ctx, uid);
  }
  return reported;
}
