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

#endif
