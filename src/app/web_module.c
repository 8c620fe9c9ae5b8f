/*
 * Attaches the web module to a station: its tables, its routes, its auth
 * hook on the HTTP server and its station hooks. Owns the web_ctx.
 */
#include <stdio.h>
#include <stdlib.h>

#include "app/api_web.h"
#include "app/web.h"

static void web_closing(void *ctx) {
  web_ctx *w = ctx;
  w->closing = true;
  web_events_close(w);
}

static void web_on_event(void *ctx, int connector, const char *kind, const char *detail) {
  (void)connector;
  (void)kind;
  (void)detail;
  web_events_push(ctx);
}

static void web_free(void *ctx) { free(ctx); }

int web_attach(station *st, char *err, size_t errlen) {
  web_ctx *w = calloc(1, sizeof *w);
  if (!w) {
    snprintf(err, errlen, "web: out of memory");
    return -1;
  }
  w->st = st;
  if (web_auth_open(w, err, errlen) != 0) {
    free(w);
    return -1;
  }
  station_module m = {
      .name = "web", .ctx = w, .event = web_on_event, .closing = web_closing, .free = web_free};
  web_events_meter_hook(&m);
  if (station_add_module(st, &m) != 0) {
    free(w);
    snprintf(err, errlen, "web: too many modules");
    return -1;
  }
  api_web_static_routes(w);
  api_web_auth_routes(w);
  api_web_events_routes(w);
  api_web_public_routes(w);
  return 0;
}
