/*
 * The REST API as a station module (api_attach, first in src/main/modules.c):
 * registers the routes of every api_*.c file. The API keeps no state of its
 * own; its handlers read the station and change it through station_* calls.
 */
#include "api/api_module.h"

#include "station/station.h"

/* The REST API is a module like the others: attached first, so that its
 * routes are matched before the web page's catch-all file route. */
int api_attach(station *st, char *err, size_t errlen) {
  (void)err;
  (void)errlen;
  api_status_routes(st);
  api_sessions_routes(st);
  api_samples_routes(st);
  api_people_routes(st);
  api_settings_routes(st);
  if (st->sim) api_sim_routes(st);
  return 0;
}
