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

const char *v16_signed_firmware_status_name(fw_status s) {
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

const char *v16_firmware_status_name(fw_status s) {
  switch (s) {
  case FW_IDLE:
    return "Idle";
  case FW_DOWNLOADING:
    return "Downloading";
  case FW_DOWNLOADED:
    return "Downloaded";
  case FW_DOWNLOAD_FAILED:
    return "DownloadFailed";
  case FW_INSTALLING:
    return "Installing";
  case FW_INSTALLED:
    return "Installed";
  case FW_INSTALLATION_FAILED:
  case FW_INVALID_SIGNATURE:
    return "InstallationFailed";
  default:
    return NULL; /* no 1.6 counterpart: nothing to report */
  }
}

const char *v16_diagnostics_status_name(diag_status s) {
  static const char *const names[] = {[DIAG_IDLE] = "Idle",
                                      [DIAG_UPLOADING] = "Uploading",
                                      [DIAG_UPLOADED] = "Uploaded",
                                      [DIAG_UPLOAD_FAILED] = "UploadFailed",
                                      /* 1.6 DiagnosticsStatus has no cancelled
                                       * value: the upload did not complete */
                                      [DIAG_CANCELED] = "UploadFailed"};
  return (unsigned)s <= DIAG_CANCELED ? names[s] : "UploadFailed";
}

const char *v16_log_status_name(diag_status s) {
  static const char *const names[] = {[DIAG_IDLE] = "Idle",
                                      [DIAG_UPLOADING] = "Uploading",
                                      [DIAG_UPLOADED] = "Uploaded",
                                      [DIAG_UPLOAD_FAILED] = "UploadFailure",
                                      /* the 1.6 security whitepaper's
                                       * UploadLogStatusEnumType has no
                                       * AcceptedCanceled (a 2.0.1 value):
                                       * a cancelled upload did not complete.
                                       * The 1.6 dialect never cancels
                                       * (GetLog while busy is Rejected),
                                       * this only keeps the message valid. */
                                      [DIAG_CANCELED] = "UploadFailure"};
  return (unsigned)s <= DIAG_CANCELED ? names[s] : "UploadFailure";
}

const char *v16_error_code_name(error_code e) {
  return e == ERR_NONE ? "NoError" : error_info_of(e)->ocpp16_code;
}
