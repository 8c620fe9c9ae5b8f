/*
 * The installation's history (docs/site.md): the leader collects every
 * member's finished sessions into its own store (table site_sessions, one
 * row per member and session: no duplicates, kept across restarts) by
 * asking each member in reach for those after the last one it holds
 * (POST /api/v1/site/sessions/export, signed with site.secret like the
 * directory), and serves them with its own in GET /api/v1/site/sessions
 * (JSON or CSV). Runs on the loop; the HTTP client is curl_uv.
 */
#ifndef BORNE_SITE_HISTORY_H
#define BORNE_SITE_HISTORY_H

#include <stdbool.h>
#include <stddef.h>

#include "site/members.h"

struct station;
typedef struct site_history site_history;

/* The export route (every station: a follower with site.secret answers it),
 * and on a leader the table and GET /api/v1/site/sessions. NULL with one
 * line in err when the station must not start. */
site_history *site_history_new(struct station *st, bool leader, bool follower, char *err,
                               size_t errlen);
/* On the leader after each poll: members in reach asked for their new
 * finished sessions (at most every SITE_HISTORY_PERIOD_MS each). */
void site_history_cycle(site_history *h, const site_member *m, int n);
void site_history_close(site_history *h);
void site_history_free(site_history *h);

/* The text a pull's signature covers (pure): "borne-site-sessions after=N"
 * (a leader that takes finished sessions only), or with the ids of the
 * member's sessions the leader holds as running, "borne-site-sessions
 * after=N open=3,7" ("open=" when none): the member then answers running
 * sessions too, and those ids as they are now. */
void site_history_signed_text(long long after, char *out, size_t len);
void site_history_signed_text_open(long long after, const long long *open, int n, char *out,
                                   size_t len);

#endif
