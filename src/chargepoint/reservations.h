/*
 * Reservations and availability in the charge-point model: what the back
 * end reserved (a connector, or any connector as connector 0, for a token or
 * its group, until an expiry) and which connectors it set inoperative; both
 * kept across restarts. Protocol-neutral (OCPP 1.6 ReserveNow /
 * ChangeAvailability, 2.0.1 ReserveNow / ChangeAvailability map onto it);
 * time is passed in. Every write is a synchronous SQLite commit. The table
 * also holds the local reservations of src/reservation (negative ids, with a
 * start time): these functions leave them alone, except that a local one
 * makes cp_reservation_add answer OCCUPIED on its connector.
 */
#ifndef BORNE_CHARGEPOINT_RESERVATIONS_H
#define BORNE_CHARGEPOINT_RESERVATIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "chargepoint/authorization.h"
#include "core/types.h"
#include "store/store.h"

typedef struct {
  int id;
  int connector;  /* 0: any connector */
  unsigned among; /* connector 0: bit c-1 for each connector it may take; 0: all */
  char token[CP_ID_MAX + 1];
  char group[CP_ID_MAX + 1]; /* "" when none */
  borne_ms expiry;
} cp_reservation;

typedef enum {
  CP_RESERVE_ACCEPTED,
  CP_RESERVE_OCCUPIED, /* another reservation holds the connector */
  CP_RESERVE_REJECTED, /* could not be written */
} cp_reserve_result;

typedef struct cp_reservations cp_reservations;

cp_reservations *cp_reservations_open(store *db, char *err, size_t errlen);
void cp_reservations_free(cp_reservations *r);

/* After the connector checks the dialect makes: the same id replaces its
 * reservation; another id on the same connector is OCCUPIED — connector 0
 * too: one station-wide reservation at a time (OCPP 1.6 5.13). */
cp_reserve_result cp_reservation_add(cp_reservations *r, int connector, int id, const char *token,
                                     const char *group, borne_ms expiry);
/* The same for any connector among those of `among` (bit c-1 for connector
 * c; 0: all of them), connector 0: OCPP 2.0.1 without evseId (with or
 * without connectorType). Connector 0 holds several such reservations here:
 * how many the EVSEs can serve is the dialect's check
 * (station_can_reserve_any). */
cp_reserve_result cp_reservation_add_among(cp_reservations *r, int connector, unsigned among,
                                           int id, const char *token, const char *group,
                                           borne_ms expiry);
/* The connector the reservation was on (removed), or -1 when unknown. */
int cp_reservation_cancel(cp_reservations *r, int id);
/* The id of an expired reservation of `connector` (removed: reported once), or 0. */
int cp_reservation_expired(cp_reservations *r, int connector, borne_ms now);
/* The earliest expiry; INT64_MAX when there is no reservation. */
borne_ms cp_reservation_next_expiry(cp_reservations *r);
/* A session starts on `connector` for `token` (of group `group`, NULL or ""
 * when none): the reservation it uses (the connector's own before one of
 * connector 0 that may take it — `among` —, the lowest id first; a match by
 * token or by a non-empty group, case-insensitive; removed), or 0. */
int cp_reservation_use(cp_reservations *r, int connector, const char *token, const char *group);
/* The connector (0: any) reservation `id` holds, -1 when there is none: the
 * dialects free it when the same id is replaced on another connector (1.6
 * 5.13, 2.0.1 H01.FR.02). */
int cp_reservation_connector(cp_reservations *r, int id);
/* Every reservation, by id, at most `max` (to restore them after a restart). */
int cp_reservations_list(cp_reservations *r, cp_reservation *out, int max);

/* ---- availability set by the back end ---- */
void cp_availability_save(cp_reservations *r, int connector, bool operative);
/* Operative unless the back end said otherwise. */
bool cp_availability(cp_reservations *r, int connector);

#endif
