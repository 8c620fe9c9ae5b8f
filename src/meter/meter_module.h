/*
 * Modbus meters of the station (src/meter/meter_module.c): attached from
 * main/modules.c; see docs/metering.md.
 */
#ifndef BORNE_APP_METERING_H
#define BORNE_APP_METERING_H

#include <stddef.h>

struct station;

/* Build the meter buses from the configuration and hook them to the
 * station. No meter.NAME.model set: does nothing. Returns -1 with one line in
 * err when a map cannot be loaded or a bus cannot start. */
int meter_attach(struct station *st, char *err, size_t errlen);

#endif
