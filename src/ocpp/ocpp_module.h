/*
 * The OCPP module (ocpp_module.c, ocpp_core.h): one station module whatever
 * the version, attached when ocpp.url is set (or auth.mode=ocpp, which then
 * requires it), waiting idle for ocpp.url otherwise.
 */
#ifndef BORNE_OCPP_MODULE_H
#define BORNE_OCPP_MODULE_H

#include <stddef.h>

#include "station/station.h"

/* 0 when attached or when no back end is configured; -1 with one line in
 * err when the station must not start. */
int ocpp_attach(station *st, char *err, size_t errlen);

/* In the start's second half (station_parts.attach_late): records the
 * security event StartupOfTheDevice when the back end was attached, off the
 * first BootNotification's way. Always 0. */
int ocpp_attach_late(station *st, char *err, size_t errlen);

#endif
