/*
 * WS2812 SPI encoding, spec parsing and pattern timing (see ws2812.h).
 */
#include "hal/ws2812.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t ws2812_encode(const uint32_t *rgb, size_t n, uint8_t *out, size_t outlen) {
  size_t len = n * WS2812_BYTES_PER_LED + WS2812_RESET_BYTES;
  if (n > WS2812_MAX_LEDS || outlen < len) return 0;
  memset(out, 0, len);
  size_t bit = 0; /* SPI bit position in out */
  for (size_t i = 0; i < n; i++) {
    uint32_t c = rgb[i];
    uint32_t grb = ((c >> 8) & 0xff) << 16 | ((c >> 16) & 0xff) << 8 | (c & 0xff);
    for (int b = 23; b >= 0; b--) {
      unsigned code = (grb >> b) & 1 ? 6u : 4u; /* 110 : 100 */
      for (int k = 2; k >= 0; k--, bit++)
        if ((code >> k) & 1) out[bit / 8] |= (uint8_t)(0x80u >> (bit % 8));
    }
  }
  return len;
}

int ws2812_decode(const uint8_t *frame, size_t len, size_t i, uint32_t *rgb) {
  if ((i + 1) * WS2812_BYTES_PER_LED > len) return -1;
  size_t bit = i * WS2812_BYTES_PER_LED * 8;
  uint32_t grb = 0;
  for (int b = 0; b < 24; b++) {
    unsigned code = 0;
    for (int k = 0; k < 3; k++, bit++) code = code << 1 | ((frame[bit / 8] >> (7 - bit % 8)) & 1);
    if (code != 4 && code != 6) return -1;
    grb = grb << 1 | (code == 6);
  }
  *rgb = ((grb >> 8) & 0xff) << 16 | ((grb >> 16) & 0xff) << 8 | (grb & 0xff);
  return 0;
}

int ws2812_parse_spec(const char *spec, char *device, size_t devlen, int *index, char *why,
                      size_t whylen) {
  const char *last = spec ? strrchr(spec, ':') : NULL;
  if (!spec || strncmp(spec, "spi:", 4) != 0 || !last || last < spec + 4) {
    snprintf(why, whylen, "`%s` is not spi:DEVICE:INDEX (e.g. spi:spidev0.0:0)", spec ? spec : "");
    return -1;
  }
  const char *dev = spec + 4;
  size_t n = (size_t)(last - dev);
  bool absolute = n > 1 && dev[0] == '/';
  bool name_ok = n > 0 && n < devlen && (absolute || !memchr(dev, '/', n)) &&
                 !(n <= 2 && strncmp(dev, "..", n) == 0) && !memchr(dev, ':', n);
  char *end = NULL;
  long i = last[1] >= '0' && last[1] <= '9' ? strtol(last + 1, &end, 10) : -1;
  if (!name_ok || !end || *end || i < 0 || i >= WS2812_MAX_LEDS) {
    snprintf(why, whylen,
             "`%s` is not spi:DEVICE:INDEX (DEVICE a spidev name or an absolute path, INDEX "
             "0..%d)",
             spec, WS2812_MAX_LEDS - 1);
    return -1;
  }
  snprintf(device, devlen, "%.*s", (int)n, dev);
  *index = (int)i;
  return 0;
}

static unsigned blink(borne_ms t, borne_ms on, borne_ms off) {
  return t % (on + off) < on ? 255u : 0u;
}

unsigned ws2812_level(led_pattern p, borne_ms t) {
  if (t < 0) t = 0;
  switch (p) {
  case LED_SLOW_BLINK:
    return blink(t, 1000, 1000);
  case LED_FAST_BLINK:
    return blink(t, 250, 250);
  case LED_FLASH3:
    return blink(t, 150, 150);
  case LED_PULSE: { /* up 1 s, down 1 s, never quite dark */
    borne_ms phase = t % 2000;
    borne_ms up = phase < 1000 ? phase : 2000 - phase;
    return (unsigned)(16 + up * 239 / 1000);
  }
  default:
    return 255;
  }
}

uint32_t ws2812_scale(uint32_t rgb, unsigned level) {
  if (level >= 255) return rgb & 0xffffff;
  uint32_t r = ((rgb >> 16) & 0xff) * level / 255, g = ((rgb >> 8) & 0xff) * level / 255,
           b = (rgb & 0xff) * level / 255;
  return r << 16 | g << 8 | b;
}
