/*
 * Registration of the /api/v1 handlers, one file per resource:
 * api_status.c (status, connectors, events), api_sessions.c, api_people.c
 * (users and badges), api_settings.c, api_sim.c (simulator controls).
 */
#ifndef BORNE_API_API_MODULE_H
#define BORNE_API_API_MODULE_H

#include <stddef.h>

struct station;

/* Registers every route of the REST API (module "api", first in src/main/modules.c). */
int api_attach(struct station *st, char *err, size_t errlen);

void api_status_routes(struct station *st);
void api_sessions_routes(struct station *st);
void api_samples_routes(struct station *st);
void api_people_routes(struct station *st);
void api_settings_routes(struct station *st);
void api_sim_routes(struct station *st);

#endif
