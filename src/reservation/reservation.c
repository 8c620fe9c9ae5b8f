/* Local reservations' rules (see reservation.h). */
#include "reservation/reservation.h"

#include <stdint.h>
#include <stdio.h>

reservation_phase reservation_phase_at(const reservation *r, borne_ms now) {
  if (now >= r->expiry) return RESERVATION_OVER;
  return now >= r->start ? RESERVATION_ACTIVE : RESERVATION_PENDING;
}

int reservation_check(const reservation *r, int connectors, borne_ms now, const reservation *others,
                      int n, char *why, size_t len) {
  if (r->connector < 1 || r->connector > connectors) {
    snprintf(why, len, "connector: this station has connectors 1 to %d", connectors);
    return -1;
  }
  if (!r->badge[0] == !r->user[0]) {
    snprintf(why, len, "badge or user: one of the two (who the charge point is held for)");
    return -1;
  }
  if (r->expiry <= now) {
    snprintf(why, len, "expiry: must be in the future");
    return -1;
  }
  if (r->start >= r->expiry) {
    snprintf(why, len, "start: must be before the expiry");
    return -1;
  }
  for (int i = 0; i < n; i++) {
    const reservation *o = &others[i];
    if (o->id == r->id || o->connector != r->connector) continue;
    if (r->start < o->expiry && o->start < r->expiry) {
      snprintf(why, len, "connector %d is already reserved then (reservation %d)", r->connector,
               o->id);
      return -1;
    }
  }
  return 0;
}

borne_ms reservation_next_change(const reservation *list, int n, borne_ms now) {
  borne_ms next = INT64_MAX;
  for (int i = 0; i < n; i++) {
    if (list[i].start > now && list[i].start < next) next = list[i].start;
    if (list[i].expiry > now && list[i].expiry < next) next = list[i].expiry;
  }
  return next;
}
