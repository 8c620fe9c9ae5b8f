/*
 * The swarm's scenario (docs/swarm.md): what the simulated cars, faults and
 * networks of borne-swarm do, read from a JSON file, and the engine that
 * turns it into timed events on a virtual clock. Pure: no I/O, no loop, no
 * wall clock; the same seed gives the same events (tests/unit/test_swarm_scenario.c).
 */
#ifndef BORNE_SWARM_SWARM_SCENARIO_H
#define BORNE_SWARM_SWARM_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SWARM_MAX_OUTAGES 16
#define SWARM_UID_MAX 20

typedef struct {
  double mean, sd, min, max;
} swarm_dist; /* a normal distribution clipped to [min, max] */

typedef struct {
  int64_t at_ms;     /* from the start of the run */
  double fraction;   /* share of the stations cut off, 0..1 */
  int64_t length_ms; /* how long */
} swarm_outage;

typedef struct {
  uint64_t seed;
  double arrivals_per_hour; /* cars per station per hour, before the profile */
  double profile[24];       /* multiplier per hour of the day (all 1 when absent) */
  int start_hour;           /* hour of the day at the start of the run */
  swarm_dist session_min;   /* plug-in time, minutes */
  swarm_dist energy_kwh;    /* energy the car wants */
  int badge_count;          /* known badges: <prefix>0001 ... */
  char badge_prefix[9];
  double unknown_share;   /* share of arrivals that tap an unknown badge */
  double faults_per_hour; /* per station */
  int64_t fault_length_ms;
  swarm_outage outages[SWARM_MAX_OUTAGES];
  int outage_count;
  bool boot_storm;
  int64_t boot_storm_at_ms, boot_storm_window_ms;
  int meter_interval_s; /* OCPP MeterValueSampleInterval of every station */
  int heartbeat_interval_s;
} swarm_scenario;

/* The defaults (no file): 1 car per station per hour, 30 +- 10 min, 10 +- 5 kWh. */
void swarm_scenario_defaults(swarm_scenario *sc);
/* Parses a scenario (JSON text) over the defaults: -1 with one line in err
 * for bad JSON, an unknown member or a value out of range. */
int swarm_scenario_parse(swarm_scenario *sc, const char *text, size_t len, char *err,
                         size_t errlen);

typedef enum {
  SWARM_EV_ARRIVE,      /* a car plugs in and taps `uid` */
  SWARM_EV_LEAVE,       /* it unplugs */
  SWARM_EV_FAULT,       /* a fault on the connector */
  SWARM_EV_FAULT_CLEAR, /* the fault goes */
  SWARM_EV_OFFLINE,     /* the station's network goes */
  SWARM_EV_ONLINE,      /* and comes back */
  SWARM_EV_REBOOT,      /* the station restarts (boot storm) */
} swarm_event_kind;

typedef struct {
  swarm_event_kind kind;
  int64_t at_ms;
  int station;   /* 0 .. stations-1 */
  int connector; /* 1 .. connectors, 0 for station events */
  char uid[SWARM_UID_MAX + 1];
  bool known; /* the uid is in the badge pool */
  double energy_wh;
} swarm_event;

typedef struct swarm_engine swarm_engine;

/* The engine for `stations` stations of `connectors` each; NULL when out of memory. */
swarm_engine *swarm_engine_new(const swarm_scenario *sc, int stations, int connectors);
void swarm_engine_free(swarm_engine *e);
/* Every event due at or before `now_ms` (virtual ms from the start), in
 * time order per station, each handed to `fn`. */
void swarm_engine_run(swarm_engine *e, int64_t now_ms, void (*fn)(void *ctx, const swarm_event *ev),
                      void *ctx);
/* Arrivals that found every connector of their station busy (turned away). */
long swarm_engine_turned_away(const swarm_engine *e);

#endif
