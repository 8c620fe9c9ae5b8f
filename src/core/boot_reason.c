/*
 * The decision of core/boot_reason.h: the OCPP 2.x BootReasonEnumType word
 * of a start from the facts its caller read. Pure: no I/O.
 */
#include "core/boot_reason.h"

#include <string.h>

static const char *const names[] = {
    [BOOT_REASON_NONE] = "Unknown",
    [BOOT_REASON_POWER_UP] = "PowerUp",
    [BOOT_REASON_LOCAL_RESET] = "LocalReset",
    [BOOT_REASON_REMOTE_RESET] = "RemoteReset",
    [BOOT_REASON_FIRMWARE_UPDATE] = "FirmwareUpdate",
    [BOOT_REASON_APPLICATION_RESET] = "ApplicationReset",
    [BOOT_REASON_WATCHDOG] = "Watchdog",
    [BOOT_REASON_UNKNOWN] = "Unknown",
};

boot_reason boot_reason_decide(const boot_facts *f) {
  /* whoever restarted the station knew why */
  if (f->recorded != BOOT_REASON_NONE) return f->recorded;
  /* the first start on this data directory (or one of a version that kept
   * no record): nothing ran before that could have ended otherwise */
  if (!f->had_run) return BOOT_REASON_POWER_UP;
  const char *was = f->run_boot ? f->run_boot : "", *now = f->boot ? f->boot : "";
  if (!was[0] || !now[0]) return BOOT_REASON_UNKNOWN; /* a power cut or a crash: cannot tell */
  if (strcmp(was, now) != 0)
    return f->watchdog_rebooted ? BOOT_REASON_WATCHDOG : BOOT_REASON_POWER_UP;
  /* the OS kept running: the run before died without closing (a crash,
   * kill -9, the service manager's watchdog), or was stopped cleanly and
   * started again by a local hand (systemctl restart, a package upgrade) */
  return f->running ? BOOT_REASON_APPLICATION_RESET : BOOT_REASON_LOCAL_RESET;
}

const char *boot_reason_name(boot_reason r) {
  return (unsigned)r < sizeof names / sizeof names[0] ? names[r] : "Unknown";
}

boot_reason boot_reason_parse(const char *name) {
  if (!name) return BOOT_REASON_NONE;
  for (int r = BOOT_REASON_POWER_UP; r <= BOOT_REASON_UNKNOWN; r++)
    if (strcmp(names[r], name) == 0) return (boot_reason)r;
  return BOOT_REASON_NONE;
}
