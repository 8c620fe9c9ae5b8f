/*
 * The cover/tamper switch (seed 001: opening the station raises a tamper
 * alarm and blocks it): the HAL's watch_tamper input becomes the security
 * event TamperDetectionActivated and, with tamper.out_of_service, a latched
 * out-of-service state (ERR_TAMPER on every connector) that only an
 * operator's acknowledgement (POST /api/v1/tamper/ack) lifts. docs/hal.md
 * "Tamper and shunt trip".
 */
#ifndef BORNE_TAMPER_TAMPER_MODULE_H
#define BORNE_TAMPER_TAMPER_MODULE_H

#include <stddef.h>

#include "station/station.h"

/* Module "tamper" (src/main/modules.c): reads tamper.*, watches the switch,
 * registers GET-less POST /api/v1/tamper/ack and the status member
 * station.tamper. -1 with a reason when the switch cannot be watched. */
int tamper_attach(station *st, char *err, size_t errlen);

#endif
