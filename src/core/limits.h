/*
 * Composition of current limits for one connector. Every source that may
 * restrict the offered current owns one slot; the offered current is the
 * minimum over the active slots and the status names the slot that set it.
 * Pure data, no I/O.
 */
#ifndef BORNE_CORE_LIMITS_H
#define BORNE_CORE_LIMITS_H

#include <stdbool.h>

/* Order matters only for ties: the first source with the minimum wins. */
typedef enum {
  LIMIT_CABLE,           /* PP resistor coding (IEC 61851-1 Table B.2) */
  LIMIT_SELECTOR,        /* installer current selector (seed 001) */
  LIMIT_INSTALLATION,    /* breaker rating, phases, grid type */
  LIMIT_THERMAL,         /* over-temperature derating */
  LIMIT_LOAD_MANAGEMENT, /* site allocation (energy management) */
  LIMIT_SCHEDULE,        /* charging windows */
  LIMIT_OCPP,            /* OCPP smart-charging composite schedule */
  LIMIT_API,             /* a limit set by an operator through the API */
  LIMIT_MODBUS,          /* a setpoint written over the Modbus server (or its fail-safe) */
  LIMIT_MQTT,            /* a limit set through MQTT (src/mqtt, docs/mqtt.md) */
  LIMIT_SOLAR,           /* solar-surplus charging modes (src/energy/solar.c) */
  LIMIT_SITE,            /* a follower: the installation leader's setpoint (docs/site.md) */
  LIMIT_FAILSAFE,        /* a follower whose leader stopped renewing it: the fail-safe */
  LIMIT_TRANSACTION,     /* 0 A: its OCPP 2.1 transaction reached its limit (E16); ends with the
                          * session */
  LIMIT_RESUMED,         /* 0 A: a session resumed after a restart, its energy not allowed to
                          * flow again (yet): session.resume_energy_transfer, E17; ends with it */
  LIMIT_DEAUTHORIZED,    /* 0 A: the back end refused its identifier after the start and
                          * StopTransactionOnInvalidId is false (OCPP 1.6 3.5): the transaction
                          * goes on without energy; ends with it */
  LIMIT_COUNT,
} limit_source;

typedef struct {
  double amps[LIMIT_COUNT];
  bool active[LIMIT_COUNT];
} limit_set;

void limits_init(limit_set *l);
void limits_set(limit_set *l, limit_source src, double amps);
void limits_clear(limit_set *l, limit_source src);
/* Minimum over active sources; `by` (may be NULL) receives the source that set it.
 * With no active source returns `fallback` and sets *by to LIMIT_COUNT. */
double limits_offered(const limit_set *l, double fallback, limit_source *by);
/* Stable names used in the API's `limited_by`: "cable", "selector", "installation",
 * "thermal", "load_management", "schedule", "ocpp_profile", "api",
 * "modbus", "mqtt", "solar", "site", "failsafe", "transaction", "resumed",
 * "deauthorized". */
const char *limit_source_name(limit_source src);

#endif
