/*
 * The OCPP 2.0.1 dialect's words for borne's enumerations
 * (src/ocpp/v201/vocabulary.c): every connector status, charging state and
 * stop reason becomes a value the OCA's 2.0.1 schema accepts in the message
 * that carries it (StatusNotification, TransactionEvent), and the mapping
 * from 1.6's nine statuses to 2.0.1's five is the one of the 2.0.1 spec
 * (a plugged vehicle is Occupied).
 */
/* cmocka.h needs these first */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "ocpp/v201/vocabulary.h"
#include "ocpp201_messages.h"

static void valid(const char *action, json_t *payload) {
  ocpp_error err = {.kind = OCPP_ERR_NONE};
  if (ocpp201_validate(action, true, payload, &err) != 0) {
    char *text = json_dumps(payload, JSON_COMPACT);
    fail_msg("%s %s: %s %s", action, text, err.code, err.text);
  }
  json_decref(payload);
}

static void statuses_are_2_0_1_connector_statuses(void **state) {
  (void)state;
  for (int s = STATUS_AVAILABLE; s <= STATUS_FAULTED; s++)
    valid("StatusNotification",
          json_pack("{s:s, s:s, s:i, s:i}", "timestamp", "2026-12-06T01:00:00Z", "connectorStatus",
                    v201_connector_status_name((connector_status)s), "evseId", 1, "connectorId",
                    1));
  assert_string_equal(v201_connector_status_name(STATUS_AVAILABLE), "Available");
  assert_string_equal(v201_connector_status_name(STATUS_PREPARING), "Occupied");
  assert_string_equal(v201_connector_status_name(STATUS_CHARGING), "Occupied");
  assert_string_equal(v201_connector_status_name(STATUS_FINISHING), "Occupied");
  assert_string_equal(v201_connector_status_name(STATUS_RESERVED), "Reserved");
  assert_string_equal(v201_connector_status_name(STATUS_UNAVAILABLE), "Unavailable");
  assert_string_equal(v201_connector_status_name(STATUS_FAULTED), "Faulted");
  assert_string_equal(v201_connector_status_name((connector_status)99), "Faulted");
}

static json_t *tx_event(const char *charging_state, const char *stopped_reason) {
  json_t *info =
      json_pack("{s:s, s:s}", "transactionId", "borne-1", "chargingState", charging_state);
  if (stopped_reason) json_object_set_new(info, "stoppedReason", json_string(stopped_reason));
  return json_pack("{s:s, s:s, s:s, s:i, s:o}", "eventType", stopped_reason ? "Ended" : "Updated",
                   "timestamp", "2026-12-06T01:00:00Z", "triggerReason", "ChargingStateChanged",
                   "seqNo", 3, "transactionInfo", info);
}

static void charging_states_and_stop_reasons_are_2_0_1_values(void **state) {
  (void)state;
  for (int s = STATUS_AVAILABLE; s <= STATUS_FAULTED; s++)
    valid("TransactionEvent", tx_event(v201_charging_state_name((connector_status)s), NULL));
  for (int r = STOP_LOCAL; r <= STOP_OTHER; r++) {
    const char *name = v201_stop_reason_name((stop_reason)r);
    assert_non_null(name);
    valid("TransactionEvent", tx_event("EVConnected", name));
  }
  assert_null(v201_stop_reason_name(STOP_NONE));
  assert_string_equal(v201_stop_reason_name(STOP_HARD_RESET), "ImmediateReset");
  assert_string_equal(v201_stop_reason_name(STOP_UNLOCK_COMMAND), "Other");
  assert_string_equal(v201_stop_reason_name(STOP_EV_DISCONNECTED), "EVDisconnected");
  assert_string_equal(v201_stop_reason_name((stop_reason)99), "Other");
  assert_string_equal(v201_charging_state_name(STATUS_PREPARING), "EVConnected");
  assert_string_equal(v201_charging_state_name(STATUS_CHARGING), "Charging");
  assert_string_equal(v201_charging_state_name(STATUS_AVAILABLE), "Idle");
  /* a 1.6 word is not a 2.0.1 one: the schema tells them apart */
  ocpp_error err = {.kind = OCPP_ERR_NONE};
  json_t *bad = tx_event("EVConnected", "UnlockCommand");
  assert_int_not_equal(ocpp201_validate("TransactionEvent", true, bad, &err), 0);
  json_decref(bad);
}

/* Every step of the one updater and uploader is a value of the 2.0.1 status
 * notifications (FirmwareStatusNotification, LogStatusNotification). */
static void firmware_and_log_statuses_are_2_0_1_values(void **state) {
  (void)state;
  for (int s = FW_IDLE; s <= FW_INSTALL_SCHEDULED; s++)
    valid(
        "FirmwareStatusNotification",
        json_pack("{s:s, s:i}", "status", v201_firmware_status_name((fw_status)s), "requestId", 7));
  assert_string_equal(v201_firmware_status_name(FW_SIGNATURE_VERIFIED), "SignatureVerified");
  assert_string_equal(v201_firmware_status_name(FW_INSTALL_REBOOTING), "InstallRebooting");
  assert_string_equal(v201_firmware_status_name(FW_INSTALL_SCHEDULED), "InstallScheduled");
  assert_string_equal(v201_firmware_status_name((fw_status)99), "InstallationFailed");
  for (int s = DIAG_IDLE; s <= DIAG_UPLOAD_FAILED; s++)
    valid("LogStatusNotification",
          json_pack("{s:s, s:i}", "status", v201_log_status_name((diag_status)s), "requestId", 7));
  assert_string_equal(v201_log_status_name(DIAG_UPLOAD_FAILED), "UploadFailure");
  assert_string_equal(v201_log_status_name(DIAG_UPLOADED), "Uploaded");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(statuses_are_2_0_1_connector_statuses),
      cmocka_unit_test(charging_states_and_stop_reasons_are_2_0_1_values),
      cmocka_unit_test(firmware_and_log_statuses_are_2_0_1_values),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
