/*
 * Why this run of the station started (OCPP 2.x BootNotification's reason,
 * BootReasonEnumType): decided once at the start from what the run before
 * left on disk (the reason its restarter recorded, whether it stopped
 * cleanly, the OS boot it ran under) and the OS boot of now. Pure: the
 * caller reads the facts (src/station/boot_state.c) and passes them in.
 */
#ifndef BORNE_CORE_BOOT_REASON_H
#define BORNE_CORE_BOOT_REASON_H

#include <stdbool.h>

typedef enum {
  BOOT_REASON_NONE,              /* nothing recorded (a fact, never decided) */
  BOOT_REASON_POWER_UP,          /* the OS booted since the run before */
  BOOT_REASON_LOCAL_RESET,       /* restart asked locally (API, service manager) */
  BOOT_REASON_REMOTE_RESET,      /* the back end's Reset */
  BOOT_REASON_FIRMWARE_UPDATE,   /* into a new image */
  BOOT_REASON_APPLICATION_RESET, /* the run before crashed or was killed */
  BOOT_REASON_WATCHDOG,          /* the kernel's watchdog reset the machine */
  BOOT_REASON_UNKNOWN,           /* the OS boot cannot be told */
} boot_reason;

/* What the run before left (its row, when `had_run`) and what is seen now. */
typedef struct {
  bool had_run;           /* a run before this one recorded its start */
  bool running;           /* ... and never recorded its clean stop */
  boot_reason recorded;   /* the reason its restarter recorded, or NONE */
  const char *run_boot;   /* the OS boot id it started under ("" unknown) */
  const char *boot;       /* the OS boot id now ("" unknown) */
  bool watchdog_rebooted; /* the watchdog device says it reset the machine */
} boot_facts;

boot_reason boot_reason_decide(const boot_facts *f);

/* The BootReasonEnumType word ("PowerUp", ...); NONE: "Unknown". */
const char *boot_reason_name(boot_reason r);
/* The reason a word names; NONE for NULL or an unknown word. */
boot_reason boot_reason_parse(const char *name);

#endif
