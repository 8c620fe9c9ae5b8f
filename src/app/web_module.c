/*
 * Attaches the web module to a station: its routes, its auth hook on the
 * HTTP server and its station hooks. Owns the web_ctx.
 */
#include <stdio.h>
#include <stdlib.h>

#include "app/api_web.h"
#include "app/web.h"

static void web_free(void *ctx) { free(ctx); }

int web_attach(station *st, char *err, size_t errlen) {
  web_ctx *w = calloc(1, sizeof *w);
  if (!w) {
    snprintf(err, errlen, "web: out of memory");
    return -1;
  }
  w->st = st;
  api_web_static_routes(w);
  station_module m = {.name = "web", .ctx = w, .free = web_free};
  if (station_add_module(st, &m) != 0) {
    free(w);
    snprintf(err, errlen, "web: too many modules");
    return -1;
  }
  return 0;
}
