/*
 * The composition root: which modules make up a borne station, in which
 * order they attach. The station (src/station) knows no module; borned, the
 * station tests and the benchmarks hand it this list.
 */
#ifndef BORNE_MAIN_MODULES_H
#define BORNE_MAIN_MODULES_H

#include "station/station.h"

extern const station_parts borne_station_parts;
/* The same modules without the local web page: borne-swarm's stations. */
extern const station_parts borne_swarm_station_parts;

#endif
