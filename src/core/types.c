/*
 * Names of the core's enumerations (IEC 61851 states; statuses and stop
 * reasons in the words OCPP 1.6 used): borne's API vocabulary, stored and
 * shown in the REST API. What goes to a back end is the OCPP dialect's own
 * table (src/ocpp/v16/vocabulary.c), not these.
 */
#include "core/types.h"

const char *cp_state_name(cp_state s) {
  static const char *const names[] = {"A", "B", "C", "D", "E", "F", "invalid"};
  return (unsigned)s <= CP_INVALID ? names[s] : "invalid";
}

const char *connector_status_name(connector_status s) {
  static const char *const names[] = {"Available",   "Preparing",     "Charging",
                                      "SuspendedEV", "SuspendedEVSE", "Finishing",
                                      "Reserved",    "Unavailable",   "Faulted"};
  return (unsigned)s <= STATUS_FAULTED ? names[s] : "Faulted";
}

const char *stop_reason_name(stop_reason r) {
  static const char *const names[] = {
      "",          "Local",     "Remote",       "EVDisconnected", "PowerLoss",     "Reboot",
      "HardReset", "SoftReset", "DeAuthorized", "EmergencyStop",  "UnlockCommand", "Other"};
  return (unsigned)r <= STOP_OTHER ? names[r] : "Other";
}
