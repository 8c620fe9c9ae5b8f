/*
 * The event feed of the API: GET /api/v1/events with long-poll. Waiting
 * clients are parked here and answered when the station records an event
 * (station_event) or when their wait runs out. Lets tests and the web page
 * wait on events instead of sleeping or polling.
 */
#ifndef BORNE_APP_EVENTS_H
#define BORNE_APP_EVENTS_H

#include <jansson.h>

#include "http/http.h"

struct station;

/* {"events": [...], "last_id": N} for events with id > after_id. */
json_t *events_json(struct station *st, int64_t after_id, int limit);
/* Park a deferred request; -1 when too many clients already wait. */
int events_waiter_add(struct station *st, http_pending *p, int64_t after_id, int limit,
                      unsigned wait_ms);
void events_waiters_wake(struct station *st);
void events_waiters_close(struct station *st);

#endif
