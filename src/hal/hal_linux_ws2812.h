/*
 * A WS2812 strip on a Linux spidev (see ws2812.h for the encoding): one
 * device shared by the connectors whose LED is on it, each at its index.
 * Steady colours are written once when they change; while a pattern blinks
 * or breathes a loop timer steps it every WS2812_STEP_MS and writes only
 * the frames that differ. docs/hal.md "Addressable LED strips".
 */
#ifndef BORNE_HAL_HAL_LINUX_WS2812_H
#define BORNE_HAL_HAL_LINUX_WS2812_H

#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

#include "core/led.h"
#include "hal/ws2812.h"

typedef struct {
  char path[300];
  int fd;
  int count; /* LEDs written: the highest index used + 1 */
  const led_look *look[WS2812_MAX_LEDS];
  uint64_t since[WS2812_MAX_LEDS]; /* loop time the look was shown */
  uint8_t frame[WS2812_FRAME_MAX];
  size_t frame_len; /* the frame last written (0: none) */
  uint64_t writes;
  uv_loop_t *loop;
  uv_timer_t timer;
  bool timer_init;
  char error[300]; /* the last failed write */
} lx_strip;

/* Opens the device (O_WRONLY), sets SPI mode 0, 8 bits, WS2812_SPI_HZ
 * (ignored when it is not a spidev: a file or a pty in tests). 0, or -1. */
int lx_strip_open(lx_strip *s, const char *path, char *err, size_t errlen);
/* LED `index` shows `look` (NULL: dark) from loop time `now`; writes the frame when it changed. */
int lx_strip_set(lx_strip *s, int index, const led_look *look, uint64_t now, char *err,
                 size_t errlen);
/* Animation through `loop` from now on (NULL: stop it; the timer's close needs a loop run). */
void lx_strip_attach(lx_strip *s, uv_loop_t *loop);
/* Every LED dark, the device closed. */
void lx_strip_close(lx_strip *s);

#endif
