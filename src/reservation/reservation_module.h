/*
 * The local reservations' glue (module "reservation"): GET/POST
 * /api/v1/reservations and DELETE /api/v1/reservations/{id}, the rows in the
 * charge-point model's reservation table (negative ids), and a timer that
 * holds each connector from its reservation's start to its expiry through
 * the station core's reservation engine (station_reserve).
 */
#ifndef BORNE_RESERVATION_MODULE_H
#define BORNE_RESERVATION_MODULE_H

#include <stddef.h>

struct station;

/* Attach the reservation module (listed in main/modules.c). */
int reservation_attach(struct station *st, char *err, size_t errlen);

#endif
