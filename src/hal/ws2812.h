/*
 * WS2812-type addressable LEDs (WS2812B, SK6812 RGB) driven from an SPI
 * MOSI pin. Pure: colours and times in, SPI bytes out.
 *
 * The LEDs read one wire: each data bit is a high pulse then a low, about
 * 1.25 us in all — a 0 is ~0.4 us high, a 1 ~0.8 us high — and a line held
 * low for > 280 us (WS2812B; 50 us on the first WS2812) latches the colours.
 * At an SPI clock of 2.4 MHz one SPI bit lasts 0.417 us, so three SPI bits
 * make one LED bit: 0 -> 100 (0.42 us high), 1 -> 110 (0.83 us high). 24
 * LED bits per LED, sent green, red, blue, most significant bit first: 72
 * SPI bits = 9 bytes per LED, then WS2812_RESET_BYTES zero bytes (300 us).
 */
#ifndef BORNE_HAL_WS2812_H
#define BORNE_HAL_WS2812_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/led.h"
#include "core/types.h"

#define WS2812_SPI_HZ 2400000
#define WS2812_BYTES_PER_LED 9
#define WS2812_RESET_BYTES 90 /* 720 bits at 2.4 MHz = 300 us low */
#define WS2812_MAX_LEDS 256
#define WS2812_FRAME_MAX (WS2812_MAX_LEDS * WS2812_BYTES_PER_LED + WS2812_RESET_BYTES)
/* The loop's animation step while a pattern blinks or breathes. */
#define WS2812_STEP_MS 50

/* n colours 0xRRGGBB -> SPI bytes (GRB, 3 SPI bits per LED bit, then the
 * reset). Returns the length, 0 when out is too short. */
size_t ws2812_encode(const uint32_t *rgb, size_t n, uint8_t *out, size_t outlen);
/* The colour of LED i decoded back from an encoded frame (tests, fuzzing);
 * -1 when a group of 3 SPI bits is neither 100 nor 110. */
int ws2812_decode(const uint8_t *frame, size_t len, size_t i, uint32_t *rgb);

/* `connector.N.led` = "spi:DEVICE:INDEX": DEVICE a spidev name (`spidev0.0`,
 * under hal.gpio_dev_root) or an absolute path, INDEX the LED's place on the
 * strip (0 = nearest the controller, < WS2812_MAX_LEDS). 0, or -1 with why. */
int ws2812_parse_spec(const char *spec, char *device, size_t devlen, int *index, char *why,
                      size_t whylen);

/* The pattern's intensity (0..255) `t` ms after the look was shown (the
 * timings of docs/leds.md and the sysfs driver: slow blink 1 s/1 s, fast
 * blink 250/250 ms, flash3 150/150 ms, pulse a 2 s breathing). */
unsigned ws2812_level(led_pattern p, borne_ms t);
/* 0xRRGGBB scaled by level/255. */
uint32_t ws2812_scale(uint32_t rgb, unsigned level);

#endif
