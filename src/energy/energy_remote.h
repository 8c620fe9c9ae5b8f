/*
 * Consumers of the site allocation beyond the station's own connectors: the
 * connectors of an installation's members, which the leader (src/site/)
 * reads and drives over Modbus TCP. The energy module keeps the one
 * allocator, the grid meter, the windows and the priorities; a provider
 * fills the remote slots before each round and takes their outcome after
 * it. Loop thread only.
 */
#ifndef BORNE_ENERGY_ENERGY_REMOTE_H
#define BORNE_ENERGY_ENERGY_REMOTE_H

#include <stddef.h>

#include "energy/allocator.h"
#include "energy/tzrule.h"
#include "core/types.h"

struct station;

typedef struct {
  void *ctx;
  int slots; /* remote consumers, each keyed by (member, connector) by the provider */
  /* Before a round at `now`: fill in[0..slots); seed_a[s] > 0 when slot s
   * already charges at that offer and the allocation should go on from it
   * (a member seen again, or first seen after a leader restart);
   * reserved_a[3] the draw per grid phase of members out of reach. Both
   * arrive zeroed. */
  void (*fill)(void *ctx, borne_ms now, alloc_conn_in *in, double *seed_a, double reserved_a[3]);
  /* After it: slot s's setpoint (>= 6 A, 5.9 A when held by the member's
   * own limits, 0 when paused or idle) and the allocator's view of it. */
  void (*result)(void *ctx, int slot, double amps, const alloc_conn_out *o);
  /* Optional (NULL: the station's windows hold every slot): may slot s
   * charge at `now` as far as charging windows go, given the station's
   * windows (station_open) in the zone tz — a slot's session whose user has
   * windows of their own follows those instead. Called in each round after
   * fill. */
  bool (*window_open)(void *ctx, int slot, bool station_open, const tz_rule *tz, borne_ms now);
} energy_remote;

/* Adds the provider's slots to the station's allocation (once, at attach,
 * after energy_attach). -1 with a reason when there is no energy module or
 * no memory. */
int energy_set_remote(struct station *st, const energy_remote *r, char *err, size_t errlen);

/* A round soon (fresh data from the members). */
void energy_remote_round_soon(struct station *st);

#endif
