/*
 * The OCPP 1.6J charge point (ocpp16_station.c): attached as a station
 * module when ocpp.url is set (or auth.mode=ocpp, which then requires it).
 */
#ifndef BORNE_APP_OCPP16_STATION_H
#define BORNE_APP_OCPP16_STATION_H

#include <stddef.h>

#include "station/station.h"

/* 0 when attached or when no back end is configured; -1 with one line in
 * err when the station must not start. */
int ocpp16_attach(station *st, char *err, size_t errlen);

#endif
