/*
 * Limit composition: the offered current is the minimum of the active
 * limits, and the first source holding that minimum is the one shown
 * (load management only when no other source holds it).
 */
#include "core/limits.h"

#include <math.h>
#include <stdbool.h>

void limits_init(limit_set *l) {
  for (int i = 0; i < LIMIT_COUNT; i++) {
    l->amps[i] = 0;
    l->active[i] = false;
  }
}

void limits_set(limit_set *l, limit_source src, double amps) {
  if ((unsigned)src >= LIMIT_COUNT) return;
  l->amps[src] = amps < 0 ? 0 : amps;
  l->active[src] = true;
}

void limits_clear(limit_set *l, limit_source src) {
  if ((unsigned)src >= LIMIT_COUNT) return;
  l->active[src] = false;
}

double limits_offered(const limit_set *l, double fallback, limit_source *by) {
  double best = fallback;
  limit_source who = LIMIT_COUNT;
  for (int i = 0; i < LIMIT_COUNT; i++) {
    /* On a tie load management yields: its share is never above the other
     * limits (the allocator reads them), so equal means another one binds
     * (a solar limit the site could afford is "solar", not
     * "load_management"). */
    bool tie = who == LIMIT_LOAD_MANAGEMENT && fabs(l->amps[i] - best) < 1e-6;
    if (l->active[i] && (who == LIMIT_COUNT || l->amps[i] < best || tie)) {
      best = l->amps[i];
      who = (limit_source)i;
    }
  }
  if (by) *by = who;
  return best;
}

const char *limit_source_name(limit_source src) {
  static const char *const names[] = {
      "cable",        "selector",    "installation", "thermal",     "load_management", "schedule",
      "ocpp_profile", "api",         "modbus",       "mqtt",        "solar",           "site",
      "failsafe",     "transaction", "resumed",      "deauthorized"};
  return (unsigned)src < LIMIT_COUNT ? names[src] : "none";
}
