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

const char *v201_firmware_status_name(fw_status s) {
  static const char *const names[] = {[FW_IDLE] = "Idle",
                                      [FW_DOWNLOAD_SCHEDULED] = "DownloadScheduled",
                                      [FW_DOWNLOADING] = "Downloading",
                                      [FW_DOWNLOADED] = "Downloaded",
                                      [FW_DOWNLOAD_FAILED] = "DownloadFailed",
                                      [FW_SIGNATURE_VERIFIED] = "SignatureVerified",
                                      [FW_INVALID_SIGNATURE] = "InvalidSignature",
                                      [FW_INSTALLING] = "Installing",
                                      [FW_INSTALL_REBOOTING] = "InstallRebooting",
                                      [FW_INSTALLED] = "Installed",
                                      [FW_INSTALLATION_FAILED] = "InstallationFailed",
                                      [FW_INSTALL_SCHEDULED] = "InstallScheduled"};
  return (unsigned)s <= FW_INSTALL_SCHEDULED ? names[s] : "InstallationFailed";
}

const char *v201_log_status_name(diag_status s) {
  static const char *const names[] = {[DIAG_IDLE] = "Idle",
                                      [DIAG_UPLOADING] = "Uploading",
                                      [DIAG_UPLOADED] = "Uploaded",
                                      [DIAG_UPLOAD_FAILED] = "UploadFailure",
                                      [DIAG_CANCELED] = "AcceptedCanceled"};
  return (unsigned)s <= DIAG_CANCELED ? names[s] : "UploadFailure";
}
