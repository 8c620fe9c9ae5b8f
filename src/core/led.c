/*
 * The LED scheme as data (docs/leds.md). Colours follow seeds 000 (Zaptec)
 * and 001 (ChargePoint): green ready, blue connected/charging, yellow
 * waiting, red error, purple firmware update.
 */
#include "core/led.h"

static const led_look looks[LED_STATE_COUNT] = {
    [LED_OFF] = {"off", "off", LED_STEADY, 0x000000},
    [LED_READY] = {"ready", "green", LED_STEADY, 0x00c040},
    [LED_WAITING_AUTH] = {"waiting_for_authorization", "yellow", LED_PULSE, 0xffb000},
    [LED_AUTH_ACCEPTED] = {"authorization_accepted", "green", LED_FLASH3, 0x00c040},
    [LED_AUTH_REFUSED] = {"authorization_refused", "red", LED_FLASH3, 0xe00000},
    [LED_CONNECTED] = {"connected", "blue", LED_STEADY, 0x0060ff},
    [LED_CHARGING] = {"charging", "blue", LED_PULSE, 0x0060ff},
    [LED_PAUSED_BY_EV] = {"paused_by_ev", "blue", LED_SLOW_BLINK, 0x0060ff},
    [LED_WAITING_FOR_POWER] = {"waiting_for_power", "yellow", LED_STEADY, 0xffb000},
    [LED_RESERVED] = {"reserved", "yellow", LED_SLOW_BLINK, 0xffb000},
    [LED_OFFLINE] = {"offline", "white", LED_SLOW_BLINK, 0xffffff},
    [LED_ERROR] = {"error", "red", LED_STEADY, 0xe00000},
    [LED_FIRMWARE_UPDATE] = {"firmware_update", "purple", LED_PULSE, 0x9000ff},
    [LED_UNAVAILABLE] = {"unavailable", "red", LED_SLOW_BLINK, 0xe00000},
};

const led_look *led_look_of(led_state s) {
  return (unsigned)s < LED_STATE_COUNT ? &looks[s] : &looks[LED_OFF];
}

const char *led_pattern_name(led_pattern p) {
  static const char *const names[] = {"steady", "slow_blink", "fast_blink", "pulse", "flash3"};
  return (unsigned)p <= LED_FLASH3 ? names[p] : "steady";
}
