/*
 * The OCPP 1.6 dialect's own words for borne's enumerations
 * (src/ocpp/v16/vocabulary.c): every connector status, stop reason and
 * error code becomes a value the official 1.6 schema accepts, spelled as
 * borne has always sent it; the firmware, diagnostics and log statuses too;
 * and no file of src/ocpp borrows the REST API's names (connector_status_name,
 * stop_reason_name, fw_status_name, diag_status_name) for the wire.
 */
/* cmocka.h needs these first */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#include <ctype.h>
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "ocpp/v16/vocabulary.h"
#include "ocpp16_messages.h"
#include "core/errors.h"

#define OCPP_SRC_DIR BORNE_TEST_DATA_DIR "/../../src/ocpp"

static void valid(const char *action, json_t *payload) {
  ocpp_error err = {.kind = OCPP_ERR_NONE};
  if (ocpp16_validate(action, true, payload, &err) != 0)
    fail_msg("%s %s: %s %s", action, json_dumps(payload, JSON_COMPACT), err.code, err.text);
  json_decref(payload);
}

static void statuses_are_1_6_charge_point_statuses(void **state) {
  (void)state;
  static const char *const want[] = {"Available",   "Preparing",     "Charging",
                                     "SuspendedEV", "SuspendedEVSE", "Finishing",
                                     "Reserved",    "Unavailable",   "Faulted"};
  for (int s = STATUS_AVAILABLE; s <= STATUS_FAULTED; s++) {
    assert_string_equal(v16_status_name((connector_status)s), want[s]);
    valid("StatusNotification",
          json_pack("{s:i, s:s, s:s}", "connectorId", 1, "status",
                    v16_status_name((connector_status)s), "errorCode", "NoError"));
  }
  assert_string_equal(v16_status_name((connector_status)99), "Faulted");
}

static void stop_reasons_are_1_6_reasons(void **state) {
  (void)state;
  static const char *const want[] = {
      "",          "Local",     "Remote",       "EVDisconnected", "PowerLoss",     "Reboot",
      "HardReset", "SoftReset", "DeAuthorized", "EmergencyStop",  "UnlockCommand", "Other"};
  for (int r = STOP_NONE; r <= STOP_OTHER; r++) {
    assert_string_equal(v16_stop_reason_name((stop_reason)r), want[r]);
    if (r == STOP_NONE) continue;
    valid("StopTransaction",
          json_pack("{s:i, s:i, s:s, s:s}", "transactionId", 1, "meterStop", 0, "timestamp",
                    "2026-01-05T10:00:00Z", "reason", v16_stop_reason_name((stop_reason)r)));
  }
  assert_string_equal(v16_stop_reason_name((stop_reason)99), "Other");
}

/* Every step of an update is reported in the whitepaper's words; 1.6's own
 * FirmwareStatusNotification only for the steps it has words for (an invalid
 * signature is an installation that failed, a verified one is not reported). */
static void firmware_statuses_are_1_6_statuses(void **state) {
  (void)state;
  for (int s = FW_IDLE; s <= FW_INSTALL_SCHEDULED; s++) {
    valid("SignedFirmwareStatusNotification",
          json_pack("{s:s, s:i}", "status", v16_signed_firmware_status_name((fw_status)s),
                    "requestId", 1));
    const char *plain = v16_firmware_status_name((fw_status)s);
    if (plain) valid("FirmwareStatusNotification", json_pack("{s:s}", "status", plain));
  }
  assert_string_equal(v16_signed_firmware_status_name(FW_INVALID_SIGNATURE), "InvalidSignature");
  assert_string_equal(v16_firmware_status_name(FW_INVALID_SIGNATURE), "InstallationFailed");
  assert_null(v16_firmware_status_name(FW_SIGNATURE_VERIFIED));
  assert_null(v16_firmware_status_name(FW_DOWNLOAD_SCHEDULED));
  assert_string_equal(v16_firmware_status_name(FW_INSTALLED), "Installed");
}

/* DiagnosticsStatus says UploadFailed, the whitepaper's log status UploadFailure. */
static void diagnostics_and_log_statuses_are_1_6_statuses(void **state) {
  (void)state;
  for (int s = DIAG_IDLE; s <= DIAG_CANCELED; s++) {
    valid("DiagnosticsStatusNotification",
          json_pack("{s:s}", "status", v16_diagnostics_status_name((diag_status)s)));
    valid("LogStatusNotification",
          json_pack("{s:s, s:i}", "status", v16_log_status_name((diag_status)s), "requestId", 2));
  }
  assert_string_equal(v16_diagnostics_status_name(DIAG_UPLOAD_FAILED), "UploadFailed");
  assert_string_equal(v16_log_status_name(DIAG_UPLOAD_FAILED), "UploadFailure");
  /* neither 1.6 enumeration has a cancelled value (2.0.1's AcceptedCanceled):
   * a cancelled upload is one that failed */
  assert_string_equal(v16_diagnostics_status_name(DIAG_CANCELED), "UploadFailed");
  assert_string_equal(v16_log_status_name(DIAG_CANCELED), "UploadFailure");
}

static void error_codes_are_1_6_error_codes(void **state) {
  (void)state;
  assert_string_equal(v16_error_code_name(ERR_NONE), "NoError");
  assert_string_equal(v16_error_code_name(ERR_RCD_TRIP), "GroundFailure");
  int n = 0;
  const error_info *t = error_table(&n);
  assert_true(n > 0);
  for (int i = 0; i < n; i++)
    valid("StatusNotification", json_pack("{s:i, s:s, s:s}", "connectorId", 1, "status", "Faulted",
                                          "errorCode", v16_error_code_name(t[i].code)));
}

/* `line` calls `name` (not a longer name ending like it). */
static bool calls(const char *line, const char *name) {
  for (const char *p = strstr(line, name); p; p = strstr(p + 1, name))
    if (p == line || !(isalnum((unsigned char)p[-1]) || p[-1] == '_')) return true;
  return false;
}

/* Every .c of `dir` (recursively): the lines calling the API's names. */
static int borrowers(const char *dir) {
  int found = 0;
  DIR *d = opendir(dir);
  if (!d) fail_msg("cannot read %s", dir);
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    struct stat sb;
    if (stat(path, &sb) != 0) continue;
    if (S_ISDIR(sb.st_mode)) {
      found += borrowers(path);
      continue;
    }
    size_t len = strlen(path);
    if (len < 2 || strcmp(path + len - 2, ".c") != 0) continue;
    FILE *f = fopen(path, "r");
    if (!f) continue;
    char line[1024];
    for (int no = 1; fgets(line, sizeof line, f); no++)
      if (calls(line, "connector_status_name(") || calls(line, "stop_reason_name(") ||
          calls(line, "fw_status_name(") || calls(line, "diag_status_name(")) {
        print_message("%s:%d: %s", path, no, line);
        found++;
      }
    fclose(f);
  }
  closedir(d);
  return found;
}

static void ocpp_encoding_does_not_borrow_the_api_names(void **state) {
  (void)state;
  assert_int_equal(borrowers(OCPP_SRC_DIR), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(statuses_are_1_6_charge_point_statuses),
      cmocka_unit_test(stop_reasons_are_1_6_reasons),
      cmocka_unit_test(firmware_statuses_are_1_6_statuses),
      cmocka_unit_test(diagnostics_and_log_statuses_are_1_6_statuses),
      cmocka_unit_test(error_codes_are_1_6_error_codes),
      cmocka_unit_test(ocpp_encoding_does_not_borrow_the_api_names),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
