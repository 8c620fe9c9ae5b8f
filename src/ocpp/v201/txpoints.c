/*
 * OCPP 2.0.1 E01/E06 TxStartPoint / TxStopPoint as a view on the session
 * timeline (txpoints.h). Pure.
 */
#include "ocpp/v201/txpoints.h"

#include <stdio.h>
#include <string.h>

static const char *const names[] = {"ParkingBayOccupancy", "EVConnected",     "Authorized",
                                    "DataSigned",          "PowerPathClosed", "EnergyTransfer"};

int v201_txp_parse(const char *list, unsigned *mask, char *why, size_t len) {
  *mask = 0;
  if (!list || !list[0]) {
    snprintf(why, len, "an empty list of transaction points");
    return -1;
  }
  for (const char *p = list;;) {
    const char *e = strchr(p, ',');
    size_t n = e ? (size_t)(e - p) : strlen(p);
    size_t i = 0;
    while (i < sizeof names / sizeof names[0] &&
           (strlen(names[i]) != n || strncmp(names[i], p, n) != 0))
      i++;
    if (i == sizeof names / sizeof names[0]) {
      snprintf(why, len, "'%.*s' is not a transaction point", (int)(n > 40 ? 40 : n), p);
      return -1;
    }
    if (!((1u << i) & V201_TXP_SUPPORTED)) {
      snprintf(why, len, "%s: this station has %s", names[i],
               i == 0 ? "no parking bay sensor" : "no signed data point apart from the meter's");
      return -1;
    }
    *mask |= 1u << i;
    if (!e) break;
    p = e + 1;
  }
  return 0;
}

v201_txp_action v201_txp_plugged(v201_txp *t, unsigned start, unsigned stop, int64_t key) {
  if (t->open || t->pending || !(start & V201_TXP_EV)) return V201_TXP_NOTHING;
  *t = (v201_txp){.start = start,
                  .stop = stop ? stop : V201_TXP_EV | V201_TXP_AUTH,
                  .session = key,
                  .open = true,
                  .early = true,
                  .restored = t->restored};
  return V201_TXP_START;
}

v201_txp_action v201_txp_authorized(v201_txp *t, unsigned start, unsigned stop, int64_t key) {
  if (t->open || !(start & V201_TXP_AUTH)) return V201_TXP_NOTHING;
  *t = (v201_txp){.start = start,
                  .stop = stop ? stop : V201_TXP_EV | V201_TXP_AUTH,
                  .session = key,
                  .open = true,
                  .early = true,
                  .by_badge = true,
                  .restored = t->restored};
  return V201_TXP_START;
}

bool v201_txp_take(v201_txp *evse, v201_txp *held) {
  if (!held->open || !held->early || evse->open || evse->pending) return false;
  bool restored = evse->restored;
  *evse = *held;
  evse->restored = restored;
  *held = (v201_txp){.restored = held->restored};
  return true;
}

v201_txp_action v201_txp_session_started(v201_txp *t, unsigned start, unsigned stop,
                                         int64_t session) {
  if (t->open && t->early) { /* begun at the plug: the session's now */
    t->early = false;
    t->session = session;
    return V201_TXP_ADOPT;
  }
  *t = (v201_txp){.start = start ? start : V201_TXP_POWER,
                  .stop = stop ? stop : V201_TXP_EV | V201_TXP_AUTH,
                  .session = session,
                  .restored = t->restored};
  if (t->start & (V201_TXP_EV | V201_TXP_AUTH | V201_TXP_POWER)) {
    t->open = true;
    return V201_TXP_START;
  }
  t->pending = true; /* EnergyTransfer: at the first flow */
  return V201_TXP_NOTHING;
}

v201_txp_action v201_txp_status(v201_txp *t, connector_status was, connector_status now) {
  if (t->pending && now == STATUS_CHARGING) {
    t->pending = false;
    t->open = true;
    return V201_TXP_START;
  }
  if (t->open && !t->lingering && (t->stop & V201_TXP_ENERGY) && was == STATUS_CHARGING &&
      now != STATUS_CHARGING) {
    t->open = false;
    t->done = true;
    return V201_TXP_END;
  }
  if ((t->lingering || t->early) && (now == STATUS_AVAILABLE || now == STATUS_RESERVED)) {
    t->early = false;
    t->open = t->lingering = false;
    return V201_TXP_END; /* the car left */
  }
  return V201_TXP_NOTHING;
}

v201_txp_action v201_txp_session_stopped(v201_txp *t, stop_reason why) {
  t->pending = false;
  if (!t->open) return V201_TXP_NOTHING;
  bool deauthorized = why == STOP_LOCAL || why == STOP_REMOTE || why == STOP_DEAUTHORIZED;
  if (deauthorized && !(t->stop & (V201_TXP_AUTH | V201_TXP_POWER | V201_TXP_ENERGY))) {
    t->lingering = true; /* EVConnected alone: until the car leaves */
    return V201_TXP_DEAUTHORIZED;
  }
  t->open = false;
  return V201_TXP_END;
}

void v201_txp_ended(v201_txp *t) { *t = (v201_txp){.restored = t->restored}; }

const char *v201_txp_energy_stopped_reason(connector_status now) {
  return now == STATUS_SUSPENDED_EV ? "StoppedByEV" : "Other";
}

int v201_txp_begin_evse(const connector_status *status, int n) {
  int found = 0;
  for (int c = 1; c <= n; c++) {
    if (status[c - 1] != STATUS_AVAILABLE) continue;
    if (found) return 0; /* the car may pick either */
    found = c;
  }
  return found;
}

bool v201_txp_report_resumed(const v201_txp *t, bool restarted, bool v21) {
  return restarted && v21 && t->open && !t->pending && !t->done && !t->lingering;
}

v201_txp_action v201_txp_left(const v201_txp *t) {
  return t->open && t->early ? V201_TXP_END : V201_TXP_NOTHING;
}
