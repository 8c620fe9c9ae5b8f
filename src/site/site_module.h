/*
 * Installations of many stations (src/site/site_module.c, docs/site.md):
 * attached from main/modules.c after energy and the Modbus server.
 */
#ifndef BORNE_SITE_SITE_MODULE_H
#define BORNE_SITE_SITE_MODULE_H

#include <stddef.h>

struct station;

/* GET /api/v1/site on every station; on a leader (site.role = leader) the
 * member polling and the members' slots in the allocation. -1 with one
 * line in err when the station must not start. */
int site_attach(struct station *st, char *err, size_t errlen);

#endif
