/*
 * Status LED scheme (docs/leds.md), derived from seeds 000 and 001. The
 * scheme is a table in led.c: a state maps to a colour and a pattern.
 */
#ifndef BORNE_CORE_LED_H
#define BORNE_CORE_LED_H

typedef enum {
  LED_OFF,
  LED_READY,             /* green steady */
  LED_WAITING_AUTH,      /* yellow (amber) slow pulse */
  LED_AUTH_ACCEPTED,     /* green, 3 fast flashes */
  LED_AUTH_REFUSED,      /* red, 3 fast flashes */
  LED_CONNECTED,         /* blue steady: authorized, EV not drawing yet */
  LED_CHARGING,          /* blue pulse (breathing) */
  LED_PAUSED_BY_EV,      /* blue slow blink */
  LED_WAITING_FOR_POWER, /* light blue steady: a limit below 6 A */
  LED_RESERVED,          /* orange steady */
  LED_OFFLINE,           /* white steady (shown instead of ready) */
  LED_ERROR,             /* red steady */
  LED_FIRMWARE_UPDATE,   /* purple pulse */
  LED_UNAVAILABLE,       /* red slow blink */
  LED_STATE_COUNT,
} led_state;

typedef enum { LED_STEADY, LED_SLOW_BLINK, LED_FAST_BLINK, LED_PULSE, LED_FLASH3 } led_pattern;

typedef struct {
  const char *name;   /* stable, e.g. "charging" */
  const char *colour; /* "green", "blue", "light_blue", "yellow", "orange", "red", "purple",
                         "white", "off" */
  led_pattern pattern;
  unsigned rgb; /* 0xRRGGBB for RGB LEDs */
} led_look;

const led_look *led_look_of(led_state s);
const char *led_pattern_name(led_pattern p);

#endif
