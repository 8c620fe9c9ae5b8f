/*
 * The OCPP 2.0.1 charging station (src/ocpp/v201/: ocpp201_module.c and the
 * functional blocks beside it): attached as a station module when ocpp.url
 * is set and `ocpp.version` is 2.0.1. ocpp16_attach stands aside then.
 */
#ifndef BORNE_OCPP_V201_OCPP201_MODULE_H
#define BORNE_OCPP_V201_OCPP201_MODULE_H

#include <stdbool.h>
#include <stddef.h>

#include "station/station.h"
#include "config/config.h"

/* The dialect `ocpp.version` asks for is 2.0.1 (its first version). */
bool ocpp201_configured(const config *cfg);

/* 0 when attached, or when no 2.0.1 back end is configured (the 1.6 module
 * then has it); -1 with one line in err when the station must not start. */
int ocpp201_attach(station *st, char *err, size_t errlen);

#endif
