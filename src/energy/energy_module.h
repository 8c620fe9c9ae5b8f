/*
 * Energy management attached to the station (src/energy/energy_module.c): grid
 * samples in, load-management and schedule limits out, POST /api/v1/grid,
 * `site` and per-connector `allocation` in GET /api/v1/status.
 */
#ifndef BORNE_APP_ENERGY_H
#define BORNE_APP_ENERGY_H

#include <stddef.h>

struct station;

int energy_attach(struct station *st, char *err, size_t errlen);

#endif
