/*
 * The body of POST /api/v1/grid (the `api` grid source, docs/energy.md):
 * building load per phase as current or power, the EnWG 14a control
 * contact, the utility's tariff period. Pure: JSON in, a grid sample or a
 * 400 naming the member out. Fuzzed by tests/fuzz/fuzz_grid_body.c.
 */
#ifndef BORNE_APP_GRID_BODY_H
#define BORNE_APP_GRID_BODY_H

#include <jansson.h>

#include "http/http.h"
#include "core/types.h"

/* Largest magnitudes accepted (a plausibility bound, not a site limit). */
#define GRID_BODY_MAX_A 10000.0
#define GRID_BODY_MAX_W 10000000.0

/* Fills `g` (its `at` untouched) from the object `body`; 0, or -1 with a
 * 400 and a sentence in `res`. */
int grid_body_read(json_t *body, grid_sample *g, http_response *res);

#endif
