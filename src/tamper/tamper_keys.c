/* Configuration keys of the tamper module (its table is handed to the
 * registry, see config/config_tables.h). */
#include <stdio.h>
#include <string.h>

#include "config/config_tables.h"

static const cfg_key_def rows[] = {
    {"tamper.enabled", CFG_BOOL, "false", 0, 0, NULL, false,
     "Watch the cover/tamper switch (seed 001: opening the station raises a tamper alarm). An "
     "opening raises the security event TamperDetectionActivated (OCPP SecurityEventNotification) "
     "and is shown in the status and the event log. The simulator's switch is driven through "
     "POST /api/v1/sim/tamper.",
     NULL, NULL},
    {"tamper.gpio", CFG_STRING, "", 0, 63, NULL, false,
     "GPIO line of the tamper switch on the linux HAL, 1 = opened (`!` first: active low, e.g. a "
     "switch that closes to ground while the cover is shut). Required with tamper.enabled on the "
     "linux HAL; ignored by the simulator.",
     "[!]gpiochipN:LINE", NULL},
    {"tamper.out_of_service", CFG_BOOL, "true", 0, 0, NULL, false,
     "A tamper alarm takes the station out of service: running sessions end, every connector is "
     "Faulted (error 1001) and no session starts until an operator acknowledges it "
     "(POST /api/v1/tamper/ack, bornectl tamper ack) with the cover closed; kept across "
     "restarts. false: the alarm is only reported.",
     NULL, NULL},
    {0},
};

/* The switch's line may not be one a connector drives or reads. */
static int check(const config *c, char *err, size_t errlen) {
  const char *spec = config_get(c, "tamper.gpio");
  char key[64];
  const char *user = config_pin_user(c, spec, key, sizeof key);
  if (user) {
    snprintf(err, errlen, "tamper.gpio: %s is already used by %s", spec, user);
    return -1;
  }
  return 0;
}

const cfg_key_table tamper_keys = {"tamper", rows, check};
