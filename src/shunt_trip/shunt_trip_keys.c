/* Configuration keys of the shunt-trip module (its table is handed to the
 * registry, see config/config_tables.h). */
#include <stdio.h>
#include <string.h>

#include "config/config_tables.h"

static const cfg_key_def rows[] = {
    {"shunt_trip.enabled", CFG_BOOL, "false", 0, 0, NULL, false,
     "Drive the shunt-trip output that trips the upstream breaker when a contactor is welded "
     "(error 201) or the residual-current monitor fails its self-test (102): the station can "
     "no longer cut the power itself (seed 001; wiring in docs/hal.md).",
     NULL, NULL},
    {"shunt_trip.gpio", CFG_STRING, "", 0, 63, NULL, false,
     "GPIO output of the shunt-trip relay on the linux HAL, 1 = trip (`!` first: active low). "
     "Required with shunt_trip.enabled on the linux HAL; ignored by the simulator.",
     "[!]gpiochipN:LINE", NULL},
    {"shunt_trip.pulse_ms", CFG_INT, "1000", 100, 10000, NULL, false,
     "How long the output stays on for one trip: a shunt-trip coil is made for a pulse, not "
     "for continuous duty. If the station still runs afterwards the breaker did not trip (an "
     "event says so).",
     NULL, NULL},
    {0},
};

/* The relay's line may not be one a connector or the tamper switch uses. */
static int check(const config *c, char *err, size_t errlen) {
  const char *spec = config_get(c, "shunt_trip.gpio");
  char key[64];
  const char *user = config_pin_user(c, spec, key, sizeof key);
  const char *tamper = config_get(c, "tamper.gpio");
  if (!user && spec && spec[0] && tamper && tamper[0] &&
      strcmp(spec[0] == '!' ? spec + 1 : spec, tamper[0] == '!' ? tamper + 1 : tamper) == 0)
    user = "tamper.gpio";
  if (user) {
    snprintf(err, errlen, "shunt_trip.gpio: %s is already used by %s", spec, user);
    return -1;
  }
  return 0;
}

const cfg_key_table shunt_trip_keys = {"shunt_trip", rows, check};
