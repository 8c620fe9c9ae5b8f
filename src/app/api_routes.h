/*
 * Registration of the /api/v1 handlers, one file per resource:
 * api_status.c (status, connectors, events), api_sessions.c, api_people.c
 * (users and badges), api_settings.c, api_sim.c (simulator controls).
 */
#ifndef BORNE_APP_API_ROUTES_H
#define BORNE_APP_API_ROUTES_H

struct station;

void api_status_routes(struct station *st);
void api_sessions_routes(struct station *st);
void api_people_routes(struct station *st);
void api_settings_routes(struct station *st);
void api_sim_routes(struct station *st);

#endif
