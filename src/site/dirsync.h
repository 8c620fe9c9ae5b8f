/*
 * The installation's directory of users and badges on the move (docs/site.md):
 * the leader builds it from its own users and badges, raises its version at
 * each change, and pushes it (signed with site.secret, directory.c) with
 * PUT /api/v1/site/directory to every member whose registers show another
 * copy; a follower checks the signature and the version and writes the copy
 * into its store in one batch, from which it authorizes badges whether the
 * leader is there or not. Runs on the loop; the HTTP client is curl_uv.
 */
#ifndef BORNE_SITE_DIRSYNC_H
#define BORNE_SITE_DIRSYNC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "site/members.h"

struct station;
typedef struct site_dirsync site_dirsync;

/* The PUT route (every station: a non-follower refuses it), the store's
 * table, and on a follower with site.secret its copy published in the
 * Modbus registers and the users and badges made read-only. NULL with one
 * line in err when the station must not start. */
site_dirsync *site_dirsync_new(struct station *st, bool leader, bool follower, char *err,
                               size_t errlen);
/* On the leader after each poll of the members: the own copy brought up to
 * date, pushed to every member in reach that holds another. */
void site_dirsync_cycle(site_dirsync *d, const site_member *m, int n);
/* "directory" of GET /api/v1/site: the copy this station holds or sends. */
json_t *site_dirsync_json(const site_dirsync *d);
/* Whether member i holds the leader's copy (null when unknown). */
json_t *site_dirsync_member_json(const site_dirsync *d, const site_member *m);
void site_dirsync_close(site_dirsync *d); /* transfers aborted: the loop is closing */
void site_dirsync_free(site_dirsync *d);  /* after the loop ended */

#endif
