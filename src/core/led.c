/*
 * The LED scheme as data (docs/leds.md). Colours follow seeds 000 (Zaptec)
 * and 001 (ChargePoint): green ready, blue connected/charging, yellow
 * waiting, red error, purple firmware update.
 */
#include "core/led.h"

static const led_look looks[LED_STATE_COUNT] = {
    [LED_OFF] = {"off", "off", LED_STEADY, 0x000000},
    /* 000 and 001: green steady = available and ready. */
    [LED_READY] = {"ready", "green", LED_STEADY, 0x00c040},
    /* 000: yellow = waiting for authentication. */
    [LED_WAITING_AUTH] = {"waiting_for_authorization", "yellow", LED_PULSE, 0xffb000},
    /* 000: green blinking = authentication OK; 001: green blinking = card authorised. */
    [LED_AUTH_ACCEPTED] = {"authorization_accepted", "green", LED_FLASH3, 0x00c040},
    /* 000: red blinking = authentication failed. */
    [LED_AUTH_REFUSED] = {"authorization_refused", "red", LED_FLASH3, 0xe00000},
    /* 000: blue steady = connected and ready to charge. */
    [LED_CONNECTED] = {"connected", "blue", LED_STEADY, 0x0060ff},
    /* 000 and 001: blue blinking = charging (a soft pulse, not a hard blink). */
    [LED_CHARGING] = {"charging", "blue", LED_PULSE, 0x0060ff},
    /* 001: blue = suspended; a slow blink tells it from "connected". */
    [LED_PAUSED_BY_EV] = {"paused_by_ev", "blue", LED_SLOW_BLINK, 0x0060ff},
    /* 001: light blue = plugged, waiting for power (load management). */
    [LED_WAITING_FOR_POWER] = {"waiting_for_power", "light_blue", LED_STEADY, 0x60d0ff},
    /* 001: orange steady = waiting for a reservation. */
    [LED_RESERVED] = {"reserved", "orange", LED_STEADY, 0xff6000},
    /* 001: white = offline. */
    [LED_OFFLINE] = {"offline", "white", LED_STEADY, 0xffffff},
    /* 000: red steady = error (unplug to reset). */
    [LED_ERROR] = {"error", "red", LED_STEADY, 0xe00000},
    /* 000: purple = firmware update. */
    [LED_FIRMWARE_UPDATE] = {"firmware_update", "purple", LED_PULSE, 0x9000ff},
    /* 001: red = out of service or disabled; slow blink tells it from an error. */
    [LED_UNAVAILABLE] = {"unavailable", "red", LED_SLOW_BLINK, 0xe00000},
};

const led_look *led_look_of(led_state s) {
  return (unsigned)s < LED_STATE_COUNT ? &looks[s] : &looks[LED_OFF];
}

const char *led_pattern_name(led_pattern p) {
  static const char *const names[] = {"steady", "slow_blink", "fast_blink", "pulse", "flash3"};
  return (unsigned)p <= LED_FLASH3 ? names[p] : "steady";
}
