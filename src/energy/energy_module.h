/*
 * Energy management attached to the station (src/energy/energy_module.c): grid
 * samples in, load-management and schedule limits out, POST /api/v1/grid,
 * `site` and per-connector `allocation` in GET /api/v1/status.
 */
#ifndef BORNE_APP_ENERGY_H
#define BORNE_APP_ENERGY_H

#include <stddef.h>

#include "energy/tzrule.h"

struct station;

int energy_attach(struct station *st, char *err, size_t errlen);

/* The rule of an IANA zone (site.timezone) from its TZif file's footer in
 * /usr/share/zoneinfo (the zone's present rule, not its history); UTC for an
 * empty name. Reads a file: 0, or -1 with a reason (and *out is UTC). */
int energy_zone_rule(const char *name, tz_rule *out, char *err, size_t errlen);

/* Connector c's phases asked for from outside the solar rules (the Modbus
 * server's offset 42; docs/modbus-server.md "Phase switching"): 1 or 3, in
 * the normal charging mode. 0 when taken: the phase contactor moves at the
 * next round, at once without a car drawing, else through the pause of the
 * solar rules (solar.phase_switch_pause_s, within
 * solar.max_switches_per_hour); it holds until another request or a
 * restart. -1 when connector c has no phase contactor (or is wired single
 * phase), -2 when its charging mode is a solar one (those rules own the
 * contactor). Loop thread. */
int energy_request_phases(struct station *st, int c, int phases);

#endif
