/*
 * Local reservations (issue 19): the reception holds a charge point for a
 * guest, by one badge or by a user (any of the user's badges), from a start
 * time until an expiry. They share the back end's reservation table and the
 * station core's reservation engine (src/chargepoint/reservations.h); local
 * ones have negative ids. Pure: no I/O, no clock (time is passed in).
 */
#ifndef BORNE_RESERVATION_H
#define BORNE_RESERVATION_H

#include <stddef.h>

#include "core/types.h"

typedef struct {
  int id;                        /* < 0: local */
  int connector;                 /* 1..N */
  char badge[BORNE_UID_MAX + 1]; /* "" when held for a user */
  char user[BORNE_NAME_MAX + 1]; /* "" when held for one badge */
  borne_ms start;
  borne_ms expiry;
} reservation;

typedef enum {
  RESERVATION_PENDING, /* before its start: the connector is free */
  RESERVATION_ACTIVE,  /* the connector is held */
  RESERVATION_OVER,    /* expired */
} reservation_phase;

reservation_phase reservation_phase_at(const reservation *r, borne_ms now);

/* Whether a new reservation r may be made now among `others` (the local ones
 * already made): a connector in 1..connectors, a badge or a user (one of
 * them), start < expiry, an expiry in the future, no overlap with another on
 * the same connector. 0, or -1 with the reason in why. */
int reservation_check(const reservation *r, int connectors, borne_ms now, const reservation *others,
                      int n, char *why, size_t len);

/* The next time one of the list starts or expires after now; INT64_MAX when none. */
borne_ms reservation_next_change(const reservation *list, int n, borne_ms now);

#endif
