/*
 * Internal header of the web module's glue (src/app/api_web*.c, web_module.c):
 * the module's state and the route groups.
 */
#ifndef BORNE_APP_API_WEB_H
#define BORNE_APP_API_WEB_H

#include "app/station.h"

typedef struct web_ctx {
  station *st;
} web_ctx;

void api_web_static_routes(web_ctx *w);

#endif
