/*
 * Members' sessions under their users' charging windows (userwin.h). The
 * schedule is allocated only for a session whose user has windows (a
 * schedule takes about 5 kB; most sessions have none).
 */
#include "site/userwin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool site_userwin_stale(const site_userwin *w, uint64_t session, const char *tag, borne_ms now) {
  if (w->session != session || strncmp(w->tag, tag ? tag : "", SITE_USERWIN_TAG_MAX) != 0)
    return true;
  return session != 0 && now - w->looked_at >= SITE_USERWIN_RECHECK_MS;
}

void site_userwin_clear(site_userwin *w) {
  free(w->sched);
  memset(w, 0, sizeof *w);
}

int site_userwin_set(site_userwin *w, uint64_t session, const char *tag, const char *windows,
                     borne_ms now) {
  site_userwin_clear(w);
  w->session = session;
  snprintf(w->tag, sizeof w->tag, "%s", tag ? tag : "");
  w->looked_at = now;
  if (!windows || !windows[0]) return 0;
  schedule *s = malloc(sizeof *s);
  if (!s) return -1;
  if (schedule_parse(windows, s, NULL, 0) != 0 || !s->any) {
    free(s);
    return -1;
  }
  w->sched = s;
  return 0;
}

bool site_userwin_has(const site_userwin *w) { return w->sched != NULL; }

bool site_userwin_open(const site_userwin *w, bool station_open, const tz_rule *tz, borne_ms now) {
  return w->sched ? schedule_open(w->sched, tz, now) : station_open;
}
