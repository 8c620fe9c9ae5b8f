/*
 * Fuzz target for the swarm's scenario file (src/swarm/swarm_scenario.c):
 * arbitrary bytes parse or give one error line, never a crash or a leak; a
 * scenario that parses runs the engine for a simulated day without trouble.
 */
#include <stdint.h>
#include <stdlib.h>

#include "swarm/swarm_scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void ignore(void *ctx, const swarm_event *ev) {
  (void)ctx;
  (void)ev;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  swarm_scenario sc;
  char err[256];
  swarm_scenario_defaults(&sc);
  if (swarm_scenario_parse(&sc, (const char *)data, size, err, sizeof err) != 0) return 0;
  if (sc.arrivals_per_hour > 60) sc.arrivals_per_hour = 60; /* keep a run short */
  if (sc.faults_per_hour > 60) sc.faults_per_hour = 60;
  swarm_engine *e = swarm_engine_new(&sc, 3, 2);
  if (e) {
    for (int64_t t = 0; t <= 86400000; t += 3600000) swarm_engine_run(e, t, ignore, NULL);
    swarm_engine_free(e);
  }
  return 0;
}
