/*
 * The OCPP 1.6 dialect's words for borne's enumerations (vocabulary.h): its
 * own tables, so that the OCPP encoding never borrows the REST API's names
 * (connector_status_name, stop_reason_name in src/core).
 */
#include "ocpp/v16/vocabulary.h"

#include "core/errors.h"

const char *v16_status_name(connector_status s) {
  static const char *const names[] = {[STATUS_AVAILABLE] = "Available",
                                      [STATUS_PREPARING] = "Preparing",
                                      [STATUS_CHARGING] = "Charging",
                                      [STATUS_SUSPENDED_EV] = "SuspendedEV",
                                      [STATUS_SUSPENDED_EVSE] = "SuspendedEVSE",
                                      [STATUS_FINISHING] = "Finishing",
                                      [STATUS_RESERVED] = "Reserved",
                                      [STATUS_UNAVAILABLE] = "Unavailable",
                                      [STATUS_FAULTED] = "Faulted"};
  return (unsigned)s <= STATUS_FAULTED ? names[s] : "Faulted";
}

const char *v16_stop_reason_name(stop_reason r) {
  static const char *const names[] = {[STOP_NONE] = "",
                                      [STOP_LOCAL] = "Local",
                                      [STOP_REMOTE] = "Remote",
                                      [STOP_EV_DISCONNECTED] = "EVDisconnected",
                                      [STOP_POWER_LOSS] = "PowerLoss",
                                      [STOP_REBOOT] = "Reboot",
                                      [STOP_HARD_RESET] = "HardReset",
                                      [STOP_SOFT_RESET] = "SoftReset",
                                      [STOP_DEAUTHORIZED] = "DeAuthorized",
                                      [STOP_EMERGENCY_STOP] = "EmergencyStop",
                                      [STOP_UNLOCK_COMMAND] = "UnlockCommand",
                                      [STOP_OTHER] = "Other"};
  return (unsigned)r <= STOP_OTHER ? names[r] : "Other";
}

const char *v16_error_code_name(error_code e) {
  return e == ERR_NONE ? "NoError" : error_info_of(e)->ocpp16_code;
}
