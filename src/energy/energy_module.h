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

#endif
