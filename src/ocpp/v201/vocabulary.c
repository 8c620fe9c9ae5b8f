/*
 * The OCPP 2.0.1 dialect's words for borne's enumerations (vocabulary.h):
 * its own tables, checked against the OCA's 2.0.1 schemas by
 * tests/unit/test_ocpp_v201_vocabulary.c.
 */
#include "ocpp/v201/vocabulary.h"

#include <stddef.h>

const char *v201_connector_status_name(connector_status s) {
  static const char *const names[] = {
      [STATUS_AVAILABLE] = "Available",     [STATUS_PREPARING] = "Occupied",
      [STATUS_CHARGING] = "Occupied",       [STATUS_SUSPENDED_EV] = "Occupied",
      [STATUS_SUSPENDED_EVSE] = "Occupied", [STATUS_FINISHING] = "Occupied",
      [STATUS_RESERVED] = "Reserved",       [STATUS_UNAVAILABLE] = "Unavailable",
      [STATUS_FAULTED] = "Faulted"};
  return (unsigned)s <= STATUS_FAULTED ? names[s] : "Faulted";
}

const char *v201_charging_state_name(connector_status s) {
  switch (s) {
  case STATUS_CHARGING:
    return "Charging";
  case STATUS_SUSPENDED_EV:
    return "SuspendedEV";
  case STATUS_SUSPENDED_EVSE:
    return "SuspendedEVSE";
  case STATUS_PREPARING:
  case STATUS_FINISHING:
    return "EVConnected";
  default:
    return "Idle";
  }
}

const char *v201_stop_reason_name(stop_reason r) {
  static const char *const names[] = {[STOP_NONE] = NULL,
                                      [STOP_LOCAL] = "Local",
                                      [STOP_REMOTE] = "Remote",
                                      [STOP_EV_DISCONNECTED] = "EVDisconnected",
                                      [STOP_POWER_LOSS] = "PowerLoss",
                                      [STOP_REBOOT] = "Reboot",
                                      [STOP_HARD_RESET] = "ImmediateReset",
                                      [STOP_SOFT_RESET] = "ImmediateReset",
                                      [STOP_DEAUTHORIZED] = "DeAuthorized",
                                      [STOP_EMERGENCY_STOP] = "EmergencyStop",
                                      [STOP_UNLOCK_COMMAND] = "Other",
                                      [STOP_OTHER] = "Other"};
  return (unsigned)r <= STOP_OTHER ? names[r] : "Other";
}
