/*
 * The local web page's glue to the station (module "web"): the embedded
 * files, PIN login with roles and CSRF, the live event stream and the public
 * connector page. Pure pieces live in src/web/.
 */
#ifndef BORNE_APP_WEB_H
#define BORNE_APP_WEB_H

#include <stddef.h>

struct station;

/* Attach the web module (listed in app/modules.c). */
int web_attach(struct station *st, char *err, size_t errlen);

#endif
