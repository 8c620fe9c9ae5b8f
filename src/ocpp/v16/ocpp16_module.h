/*
 * The OCPP 1.6J charge point (src/ocpp/v16/: ocpp16_module.c and the message
 * families beside it): attached as a station module when ocpp.url is set
 * (or auth.mode=ocpp, which then requires it).
 */
#ifndef BORNE_OCPP_V16_OCPP16_MODULE_H
#define BORNE_OCPP_V16_OCPP16_MODULE_H

#include <stddef.h>

#include "station/station.h"

/* 0 when attached or when no back end is configured; -1 with one line in
 * err when the station must not start. */
int ocpp16_attach(station *st, char *err, size_t errlen);

#endif
