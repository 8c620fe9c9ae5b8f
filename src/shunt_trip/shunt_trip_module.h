/*
 * The shunt-trip output (seed 001): when a connector can no longer cut its
 * power itself — its contactor welded (201) or its residual-current monitor
 * failed the self-test (102) — borne pulses an output that trips the
 * upstream breaker's shunt release. docs/hal.md "Shunt trip".
 */
#ifndef BORNE_SHUNT_TRIP_SHUNT_TRIP_MODULE_H
#define BORNE_SHUNT_TRIP_SHUNT_TRIP_MODULE_H

#include <stddef.h>

#include "station/station.h"
#include "core/types.h"

/* Pure: why error `e` must trip the upstream breaker, NULL when it need not. */
const char *shunt_trip_cause(error_code e);

/* Module "shunt_trip" (src/main/modules.c): reads shunt_trip.*, claims the
 * output, watches the connectors' errors, reports station.shunt_trip. -1
 * with a reason when the output cannot be driven. */
int shunt_trip_attach(station *st, char *err, size_t errlen);

#endif
