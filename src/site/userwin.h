/*
 * A member's session under its user's own charging windows (docs/site.md
 * "Charging windows and priorities"), pure: which session of which badge a
 * slot was looked up for, the user's windows when they have some (NULL:
 * the station's windows apply, as on the leader's own connectors), and when
 * to look again. The look-up itself (badge -> user -> windows, in the
 * leader's store) is the caller's; `now` is passed in (a virtual clock in
 * tests).
 */
#ifndef BORNE_SITE_USERWIN_H
#define BORNE_SITE_USERWIN_H

#include <stdbool.h>
#include <stdint.h>

#include "energy/schedule.h"
#include "energy/tzrule.h"
#include "core/types.h"

/* a session's user and windows are looked up again this often (a badge
 * given to another user, a user's windows changed on the leader) */
#define SITE_USERWIN_RECHECK_MS 10000
#define SITE_USERWIN_TAG_MAX 20 /* the id tag registers: 20 characters */

typedef struct {
  uint64_t session; /* the member's session id it was looked up for; 0: none */
  char tag[SITE_USERWIN_TAG_MAX + 1];
  borne_ms looked_at;
  schedule *sched; /* the user's windows (heap), NULL: none */
} site_userwin;

/* Must the slot be looked up at `now` for this session (id 0: none) and
 * id tag: another session or badge, or SITE_USERWIN_RECHECK_MS passed? */
bool site_userwin_stale(const site_userwin *w, uint64_t session, const char *tag, borne_ms now);

/* The look-up's outcome: the user's windows text ("" or NULL: none, the
 * station's apply). -1 when the text does not parse (then none), or no
 * memory. */
int site_userwin_set(site_userwin *w, uint64_t session, const char *tag, const char *windows,
                     borne_ms now);

/* No session: forgets it (frees the schedule). */
void site_userwin_clear(site_userwin *w);

/* May the slot's session charge at `now` as far as windows go: its user's
 * windows when they have some, else station_open (the leader's). */
bool site_userwin_open(const site_userwin *w, bool station_open, const tz_rule *tz, borne_ms now);

/* Whether the slot follows its user's windows (not the station's). */
bool site_userwin_has(const site_userwin *w);

#endif
