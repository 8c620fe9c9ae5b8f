/*
 * Fuzz target for the WS2812 strip's configuration parser and encoder
 * (src/hal/ws2812.c): the input is a `connector.N.led` value; a spec it
 * accepts has a device without '/' (or an absolute path) and an index in
 * range; the input's bytes as colours encode and decode back unchanged.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hal/ws2812.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char spec[512];
  size_t n = size < sizeof spec - 1 ? size : sizeof spec - 1;
  memcpy(spec, data, n);
  spec[n] = '\0';
  char dev[200], why[300];
  int index = -1;
  if (ws2812_parse_spec(spec, dev, sizeof dev, &index, why, sizeof why) == 0) {
    if (index < 0 || index >= WS2812_MAX_LEDS || !dev[0]) abort();
    if (dev[0] != '/' && strchr(dev, '/')) abort();
    if (strchr(dev, ':')) abort();
  } else if (!why[0]) {
    abort();
  }
  uint32_t rgb[WS2812_MAX_LEDS];
  size_t leds = size / 3 > WS2812_MAX_LEDS ? WS2812_MAX_LEDS : size / 3;
  for (size_t i = 0; i < leds; i++)
    rgb[i] = (uint32_t)data[3 * i] << 16 | (uint32_t)data[3 * i + 1] << 8 | data[3 * i + 2];
  static uint8_t frame[WS2812_FRAME_MAX];
  size_t len = ws2812_encode(rgb, leds, frame, sizeof frame);
  if (len != leds * WS2812_BYTES_PER_LED + WS2812_RESET_BYTES) abort();
  for (size_t i = 0; i < leds; i++) {
    uint32_t c;
    if (ws2812_decode(frame, len, i, &c) != 0 || c != rgb[i]) abort();
  }
  return 0;
}
