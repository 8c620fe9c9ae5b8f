/*
 * Status LEDs of the Linux back end through the kernel's LED class
 * (/sys/class/leds): one multicolour LED (multi_intensity, kernel 5.9+),
 * three single-colour LEDs as red, green and blue, or one single-colour LED
 * that can show the patterns only. Patterns are left to the kernel's
 * triggers (timer; pattern for the breathing pulse, else a timer), so the
 * loop never blinks anything. docs/hal.md "Status LEDs".
 */
#ifndef BORNE_HAL_HAL_LINUX_LEDS_H
#define BORNE_HAL_HAL_LINUX_LEDS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/led.h"

#define LX_LED_MAX_PARTS 3

typedef struct {
  int parts;  /* 1 (single or multicolour) or 3 (red, green, blue) */
  bool multi; /* parts == 1 and the LED has multi_intensity */
  char dir[LX_LED_MAX_PARTS][400];
  unsigned max[LX_LED_MAX_PARTS]; /* max_brightness of each */
  /* multicolour: the colour of each multi_index position, 'r', 'g', 'b' or 0 (another colour,
   * kept dark) */
  char channel[8];
  int channels;
  const led_look *shown; /* the look last written, NULL before the first */
} lx_led;

/* `spec`: "NAME" or "RED,GREEN,BLUE" (names under SYSFS/class/leds). 0, or
 * -1 with a reason naming the LED ("LED `x`: cannot read .../max_brightness: ..."). */
int lx_led_open(const char *sysfs_root, const char *spec, lx_led *out, char *err, size_t errlen);
/* Shows `look` (NULL or colour "off": dark); writes nothing when it is
 * already shown. 0, or -1 with the first failed write in err. */
int lx_led_show(lx_led *led, const led_look *look, char *err, size_t errlen);

#endif
