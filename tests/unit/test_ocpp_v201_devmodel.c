/*
 * The OCPP 2.0.1 device model (src/ocpp/v201/device_model.c), pure: the
 * variables the specification requires of each component borne reports are
 * there under their spec names; GetVariables' per-item statuses; a value
 * is borne's setting (a config_set shows at once); SetVariables' checks of
 * data types, lists and mutability, naming the OCPP 1.6 key the write goes
 * through; every report (the three bases, GetReport's filters) paged into
 * NotifyReport requests that pass the generated 2.0.1 validator, with seqNo,
 * tbc, the item and byte limits.
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
#include <stdlib.h>
#include <string.h>

#include "ocpp/ocpp_keys.h"
#include "ocpp/v201/device_model.h"
#include "ocpp/v201/txlimit.h"
#include "ocpp201_messages.h"
#include "config/config.h"
#include "config/config_tables.h"

typedef struct {
  config *cfg;
  dm_live live;
  dm_ctx ctx;
} fixture;

static int setup(void **state) {
  fixture *f = test_calloc(1, sizeof *f);
  f->cfg = config_new();
  char err[200];
  assert_int_equal(config_set(f->cfg, "station.connectors", "2", err, sizeof err), 0);
  assert_int_equal(config_set(f->cfg, "connector.2.phases", "1", err, sizeof err), 0);
  assert_int_equal(config_set(f->cfg, "connector.2.tethered", "true", err, sizeof err), 0);
  f->live = (dm_live){.evse_count = 2,
                      .evse_state = {"Available", "Occupied"},
                      .evse_power_w = {0, 7200.5},
                      .evse_current_a = {0, 31.3},
                      .evse_temperature_c = {24.5, 41.25},
                      .now_ms = 1796518800000LL,
                      .local_list_entries = 3,
                      .local_list_bytes = 63,
                      .auth_cache_bytes = 420};
  f->ctx = (dm_ctx){f->cfg, &f->live};
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fixture *f = *state;
  config_free(f->cfg);
  test_free(f);
  return 0;
}

static dm_status get(fixture *f, const char *comp, int evse, int conn, const char *var,
                     const char *inst, dm_attr a, char *out, size_t len) {
  dm_ref r = {.component = comp,
              .evse = evse,
              .connector = conn,
              .variable = var,
              .variable_instance = inst};
  return dm_get(&f->ctx, &r, a, out, len);
}

static const char *value(fixture *f, const char *comp, int evse, int conn, const char *var,
                         const char *inst) {
  static char buf[DM_REPORTING_VALUE_SIZE + 1];
  dm_status s = get(f, comp, evse, conn, var, inst, DM_ACTUAL, buf, sizeof buf);
  if (s != DM_ACCEPTED) fail_msg("%s.%s: %s", comp, var, dm_status_name(s));
  return buf;
}

/* The variables the 2.0.1 specification requires of each component borne reports. */
static void required_variables_are_there(void **state) {
  fixture *f = *state;
  static const struct {
    const char *comp;
    int evse, conn;
    const char *var, *inst;
  } required[] = {
      {"ChargingStation", 0, 0, "AvailabilityState", NULL},
      {"ChargingStation", 0, 0, "Available", NULL},
      {"ChargingStation", 0, 0, "SupplyPhases", NULL},
      {"EVSE", 1, 0, "AvailabilityState", NULL},
      {"EVSE", 2, 0, "Available", NULL},
      {"EVSE", 1, 0, "Power", NULL},
      {"EVSE", 2, 0, "SupplyPhases", NULL},
      {"Connector", 1, 1, "Available", NULL},
      {"Connector", 2, 1, "ConnectorType", NULL},
      {"Connector", 2, 1, "SupplyPhases", NULL},
      {"OCPPCommCtrlr", 0, 0, "ActiveNetworkProfile", NULL},
      {"OCPPCommCtrlr", 0, 0, "FileTransferProtocols", NULL},
      {"OCPPCommCtrlr", 0, 0, "MessageAttemptInterval", "TransactionEvent"},
      {"OCPPCommCtrlr", 0, 0, "MessageAttempts", "TransactionEvent"},
      {"OCPPCommCtrlr", 0, 0, "MessageTimeout", "Default"},
      {"OCPPCommCtrlr", 0, 0, "NetworkConfigurationPriority", NULL},
      {"OCPPCommCtrlr", 0, 0, "NetworkProfileConnectionAttempts", NULL},
      {"OCPPCommCtrlr", 0, 0, "OfflineThreshold", NULL},
      {"OCPPCommCtrlr", 0, 0, "ResetRetries", NULL},
      {"OCPPCommCtrlr", 0, 0, "RetryBackOffRandomRange", NULL},
      {"OCPPCommCtrlr", 0, 0, "RetryBackOffRepeatTimes", NULL},
      {"OCPPCommCtrlr", 0, 0, "RetryBackOffWaitMinimum", NULL},
      {"OCPPCommCtrlr", 0, 0, "UnlockOnEVSideDisconnect", NULL},
      {"OCPPCommCtrlr", 0, 0, "WebSocketPingInterval", NULL},
      {"SecurityCtrlr", 0, 0, "CertificateEntries", NULL},
      {"SecurityCtrlr", 0, 0, "OrganizationName", NULL},
      {"SecurityCtrlr", 0, 0, "Identity", NULL},
      {"SecurityCtrlr", 0, 0, "SecurityProfile", NULL},
      {"AuthCtrlr", 0, 0, "AuthorizeRemoteStart", NULL},
      {"AuthCtrlr", 0, 0, "LocalAuthorizeOffline", NULL},
      {"AuthCtrlr", 0, 0, "LocalPreAuthorize", NULL},
      {"LocalAuthListCtrlr", 0, 0, "BytesPerMessage", NULL},
      {"LocalAuthListCtrlr", 0, 0, "ItemsPerMessage", NULL},
      {"LocalAuthListCtrlr", 0, 0, "Entries", NULL},
      {"LocalAuthListCtrlr", 0, 0, "Storage", NULL},
      {"AuthCacheCtrlr", 0, 0, "LifeTime", NULL},
      {"AuthCacheCtrlr", 0, 0, "Storage", NULL},
      {"TxCtrlr", 0, 0, "EVConnectionTimeOut", NULL},
      {"TxCtrlr", 0, 0, "StopTxOnEVSideDisconnect", NULL},
      {"TxCtrlr", 0, 0, "StopTxOnInvalidId", NULL},
      {"TxCtrlr", 0, 0, "TxStartPoint", NULL},
      {"TxCtrlr", 0, 0, "TxStopPoint", NULL},
      {"SampledDataCtrlr", 0, 0, "TxEndedInterval", NULL},
      {"SampledDataCtrlr", 0, 0, "TxEndedMeasurands", NULL},
      {"SampledDataCtrlr", 0, 0, "TxStartedMeasurands", NULL},
      {"SampledDataCtrlr", 0, 0, "TxUpdatedInterval", NULL},
      {"SampledDataCtrlr", 0, 0, "TxUpdatedMeasurands", NULL},
      {"AlignedDataCtrlr", 0, 0, "Interval", NULL},
      {"AlignedDataCtrlr", 0, 0, "Measurands", NULL},
      {"AlignedDataCtrlr", 0, 0, "TxEndedInterval", NULL},
      {"AlignedDataCtrlr", 0, 0, "TxEndedMeasurands", NULL},
      {"ClockCtrlr", 0, 0, "DateTime", NULL},
      {"ClockCtrlr", 0, 0, "TimeSource", NULL},
      {"DeviceDataCtrlr", 0, 0, "BytesPerMessage", "GetReport"},
      {"DeviceDataCtrlr", 0, 0, "BytesPerMessage", "GetVariables"},
      {"DeviceDataCtrlr", 0, 0, "BytesPerMessage", "SetVariables"},
      {"DeviceDataCtrlr", 0, 0, "ItemsPerMessage", "GetReport"},
      {"DeviceDataCtrlr", 0, 0, "ItemsPerMessage", "GetVariables"},
      {"DeviceDataCtrlr", 0, 0, "ItemsPerMessage", "SetVariables"},
  };
  for (size_t i = 0; i < sizeof required / sizeof required[0]; i++) {
    const char *v = value(f, required[i].comp, required[i].evse, required[i].conn, required[i].var,
                          required[i].inst);
    assert_non_null(v);
  }
  /* 2 EVSEs: 6 variables each (TemperatureSensor.Temperature among them), 4 of each
   * connector, the rest once */
  size_t two = dm_variable_count(&f->ctx);
  f->live.evse_count = 3;
  assert_int_equal(dm_variable_count(&f->ctx), two + 10);
  assert_true(two >= 70);
}

static void values_are_borne_settings_and_state(void **state) {
  fixture *f = *state;
  char err[200];
  assert_string_equal(value(f, "OCPPCommCtrlr", 0, 0, "HeartbeatInterval", NULL), "300");
  assert_int_equal(config_set(f->cfg, "ocpp.HeartbeatInterval", "45", err, sizeof err), 0);
  assert_string_equal(value(f, "OCPPCommCtrlr", 0, 0, "HeartbeatInterval", NULL), "45");
  assert_int_equal(config_set(f->cfg, "auth.timeout_s", "90", err, sizeof err), 0);
  assert_string_equal(value(f, "TxCtrlr", 0, 0, "EVConnectionTimeOut", NULL), "90");
  assert_int_equal(config_set(f->cfg, "station.id", "cp-7", err, sizeof err), 0);
  assert_string_equal(value(f, "SecurityCtrlr", 0, 0, "Identity", NULL), "cp-7");
  assert_string_equal(value(f, "EVSE", 1, 0, "AvailabilityState", NULL), "Available");
  assert_string_equal(value(f, "EVSE", 2, 0, "AvailabilityState", NULL), "Occupied");
  assert_string_equal(value(f, "ChargingStation", 0, 0, "AvailabilityState", NULL), "Available");
  f->live.evse_state[0] = "Unavailable";
  assert_string_equal(value(f, "ChargingStation", 0, 0, "AvailabilityState", NULL), "Occupied");
  assert_string_equal(value(f, "Connector", 1, 1, "Available", NULL), "false");
  f->live.evse_state[1] = "Unavailable";
  assert_string_equal(value(f, "ChargingStation", 0, 0, "AvailabilityState", NULL), "Unavailable");
  assert_string_equal(value(f, "ChargingStation", 0, 0, "Available", NULL), "false");
  assert_string_equal(value(f, "Connector", 1, 1, "ConnectorType", NULL), "sType2");
  assert_string_equal(value(f, "Connector", 2, 1, "ConnectorType", NULL), "cType2");
  /* connector.N.type wins over auto (the tethered flag) */
  assert_int_equal(config_set(f->cfg, "connector.2.type", "cType1", err, sizeof err), 0);
  assert_string_equal(value(f, "Connector", 2, 1, "ConnectorType", NULL), "cType1");
  assert_int_equal(config_set(f->cfg, "connector.2.type", "auto", err, sizeof err), 0);
  assert_string_equal(value(f, "Connector", 2, 1, "ConnectorType", NULL), "cType2");
  assert_string_equal(value(f, "EVSE", 2, 0, "SupplyPhases", NULL), "1");
  assert_string_equal(value(f, "ChargingStation", 0, 0, "SupplyPhases", NULL), "3");
  assert_string_equal(value(f, "EVSE", 2, 0, "Power", NULL), "7200.5");
  assert_string_equal(value(f, "EVSE", 2, 0, "ACCurrent", NULL), "31.3");
  assert_string_equal(value(f, "TemperatureSensor", 1, 0, "Temperature", NULL), "24.5");
  assert_string_equal(value(f, "TemperatureSensor", 2, 0, "Temperature", NULL), "41.2");
  char t[16];
  assert_int_equal(get(f, "TemperatureSensor", 0, 0, "Temperature", NULL, DM_ACTUAL, t, sizeof t),
                   DM_UNKNOWN_COMPONENT); /* on an EVSE's tier only */
  char buf[64];
  assert_int_equal(get(f, "EVSE", 2, 0, "Power", NULL, DM_MAXSET, buf, sizeof buf), DM_ACCEPTED);
  assert_string_equal(buf, "7360.0"); /* 32 A x 1 phase x 230 V */
  /* Target and MinSet: the OCA device model gives them to ConnectedEV (ISO 15118 / CHAdeMO
   * data) and to optional physical components borne has not; none of borne's variables */
  assert_int_equal(get(f, "EVSE", 2, 0, "Power", NULL, DM_MINSET, buf, sizeof buf),
                   DM_NOT_SUPPORTED_ATTRIBUTE_TYPE);
  assert_int_equal(get(f, "EVSE", 2, 0, "Power", NULL, DM_TARGET, buf, sizeof buf),
                   DM_NOT_SUPPORTED_ATTRIBUTE_TYPE);
  assert_int_equal(get(f, "SmartChargingCtrlr", 0, 0, "LimitChangeSignificance", NULL, DM_TARGET,
                       buf, sizeof buf),
                   DM_NOT_SUPPORTED_ATTRIBUTE_TYPE);
  assert_string_equal(value(f, "LocalAuthListCtrlr", 0, 0, "Entries", NULL), "3");
  assert_string_equal(value(f, "LocalAuthListCtrlr", 0, 0, "Storage", NULL), "63");
  assert_string_equal(value(f, "AuthCacheCtrlr", 0, 0, "Storage", NULL), "420");
  assert_string_equal(value(f, "AuthCacheCtrlr", 0, 0, "LifeTime", NULL), "0");
  assert_int_equal(config_set(f->cfg, "ocpp.AuthCacheLifeTime", "86400", err, sizeof err), 0);
  assert_string_equal(value(f, "AuthCacheCtrlr", 0, 0, "LifeTime", NULL), "86400");
  /* Storage is read only */
  dm_ref storage = {.component = "AuthCacheCtrlr", .variable = "Storage"};
  const char *name = NULL;
  char why[200];
  assert_int_equal(dm_set_check(&f->ctx, &storage, DM_ACTUAL, "0", &name, why, sizeof why),
                   DM_REJECTED);
  assert_string_equal(value(f, "ClockCtrlr", 0, 0, "DateTime", NULL), "2026-12-06T01:00:00.000Z");
  assert_string_equal(value(f, "AuthCtrlr", 0, 0, "Enabled", NULL), "true");
  assert_int_equal(config_set(f->cfg, "auth.mode", "free", err, sizeof err), 0);
  assert_string_equal(value(f, "AuthCtrlr", 0, 0, "Enabled", NULL), "false");
  /* names are CiString: any case */
  assert_string_equal(value(f, "ocppcommctrlr", 0, 0, "heartbeatinterval", NULL), "45");
}

static void get_statuses(void **state) {
  fixture *f = *state;
  char buf[64];
  assert_int_equal(get(f, "NoSuchCtrlr", 0, 0, "Enabled", NULL, DM_ACTUAL, buf, sizeof buf),
                   DM_UNKNOWN_COMPONENT);
  assert_int_equal(get(f, "EVSE", 3, 0, "Available", NULL, DM_ACTUAL, buf, sizeof buf),
                   DM_UNKNOWN_COMPONENT);
  assert_int_equal(get(f, "EVSE", 0, 0, "Available", NULL, DM_ACTUAL, buf, sizeof buf),
                   DM_UNKNOWN_COMPONENT);
  assert_int_equal(get(f, "Connector", 1, 2, "Available", NULL, DM_ACTUAL, buf, sizeof buf),
                   DM_UNKNOWN_COMPONENT);
  assert_int_equal(
      get(f, "OCPPCommCtrlr", 1, 0, "HeartbeatInterval", NULL, DM_ACTUAL, buf, sizeof buf),
      DM_UNKNOWN_COMPONENT);
  dm_ref inst = {
      .component = "OCPPCommCtrlr", .component_instance = "x", .variable = "HeartbeatInterval"};
  assert_int_equal(dm_get(&f->ctx, &inst, DM_ACTUAL, buf, sizeof buf), DM_UNKNOWN_COMPONENT);
  assert_int_equal(get(f, "OCPPCommCtrlr", 0, 0, "Nope", NULL, DM_ACTUAL, buf, sizeof buf),
                   DM_UNKNOWN_VARIABLE);
  /* an instance is part of the name */
  assert_int_equal(
      get(f, "OCPPCommCtrlr", 0, 0, "MessageAttempts", NULL, DM_ACTUAL, buf, sizeof buf),
      DM_UNKNOWN_VARIABLE);
  assert_int_equal(
      get(f, "OCPPCommCtrlr", 0, 0, "HeartbeatInterval", NULL, DM_TARGET, buf, sizeof buf),
      DM_NOT_SUPPORTED_ATTRIBUTE_TYPE);
  assert_int_equal(
      get(f, "SecurityCtrlr", 0, 0, "BasicAuthPassword", NULL, DM_ACTUAL, buf, sizeof buf),
      DM_REJECTED);
  assert_string_equal(buf, "");
  dm_attr a;
  assert_true(dm_attr_parse(NULL, &a) && a == DM_ACTUAL);
  assert_true(dm_attr_parse("MaxSet", &a) && a == DM_MAXSET);
  assert_false(dm_attr_parse("maxset", &a));
  assert_string_equal(dm_status_name(DM_NOT_SUPPORTED_ATTRIBUTE_TYPE), "NotSupportedAttributeType");
  assert_string_equal(dm_status_name(DM_REBOOT_REQUIRED), "RebootRequired");
}

static dm_status set(fixture *f, const char *comp, const char *var, const char *inst, const char *v,
                     const char **name) {
  dm_ref r = {.component = comp, .variable = var, .variable_instance = inst};
  char why[160];
  dm_status s = dm_set_check(&f->ctx, &r, DM_ACTUAL, v, name, why, sizeof why);
  if (s == DM_REJECTED) assert_true(why[0]);
  return s;
}

static void set_checks(void **state) {
  fixture *f = *state;
  const char *name;
  assert_int_equal(set(f, "OCPPCommCtrlr", "HeartbeatInterval", NULL, "60", &name), DM_ACCEPTED);
  assert_string_equal(name, "HeartbeatInterval");
  assert_int_equal(set(f, "OCPPCommCtrlr", "MessageAttempts", "TransactionEvent", "5", &name),
                   DM_ACCEPTED);
  assert_string_equal(name, "TransactionMessageAttempts");
  assert_int_equal(set(f, "TxCtrlr", "EVConnectionTimeOut", NULL, "30", &name), DM_ACCEPTED);
  assert_string_equal(name, "ConnectionTimeOut");
  assert_int_equal(set(f, "SecurityCtrlr", "BasicAuthPassword", NULL, "0123456789abcdef", &name),
                   DM_ACCEPTED);
  assert_string_equal(name, "AuthorizationKey");
  assert_int_equal(set(f, "SecurityCtrlr", "OrganizationName", NULL, "Chargy", &name), DM_ACCEPTED);
  assert_string_equal(name, "CpoName");
  /* data types */
  const char *bad_ints[] = {"", "6O", "1.5", "+3", " 3", "99999999999999999999"};
  for (size_t i = 0; i < sizeof bad_ints / sizeof bad_ints[0]; i++)
    assert_int_equal(set(f, "OCPPCommCtrlr", "HeartbeatInterval", NULL, bad_ints[i], &name),
                     DM_REJECTED);
  assert_null(name);
  assert_int_equal(set(f, "AuthCtrlr", "LocalPreAuthorize", NULL, "True", &name), DM_REJECTED);
  assert_int_equal(set(f, "AuthCtrlr", "LocalPreAuthorize", NULL, "false", &name), DM_ACCEPTED);
  /* a MemberList: members of its valuesList */
  assert_int_equal(set(f, "SampledDataCtrlr", "TxUpdatedMeasurands", NULL,
                       "Energy.Active.Import.Register,Voltage", &name),
                   DM_ACCEPTED);
  assert_string_equal(name, "MeterValuesSampledData");
  assert_int_equal(set(f, "SampledDataCtrlr", "TxUpdatedMeasurands", NULL, "Temperature", &name),
                   DM_REJECTED);
  assert_int_equal(set(f, "SampledDataCtrlr", "TxUpdatedMeasurands", NULL, "Voltage,", &name),
                   DM_REJECTED);
  assert_int_equal(set(f, "SampledDataCtrlr", "TxEndedMeasurands", NULL, "", &name), DM_ACCEPTED);
  /* read-only */
  assert_int_equal(set(f, "SecurityCtrlr", "SecurityProfile", NULL, "2", &name), DM_REJECTED);
  /* E01/E06: the points an AC badge station has, and only them */
  assert_int_equal(set(f, "TxCtrlr", "TxStartPoint", NULL, "ParkingBayOccupancy", &name),
                   DM_REJECTED);
  assert_int_equal(set(f, "TxCtrlr", "TxStartPoint", NULL, "DataSigned", &name), DM_REJECTED);
  assert_int_equal(set(f, "TxCtrlr", "TxStartPoint", NULL, "EVConnected", &name), DM_ACCEPTED);
  assert_int_equal(set(f, "TxCtrlr", "TxStartPoint", NULL, "Authorized,EVConnected", &name),
                   DM_ACCEPTED);
  assert_int_equal(set(f, "TxCtrlr", "TxStartPoint", NULL, "EnergyTransfer", &name), DM_ACCEPTED);
  assert_int_equal(set(f, "TxCtrlr", "TxStartPoint", NULL, "PowerPathClosed", &name), DM_ACCEPTED);
  assert_string_equal(name, "TxStartPoint");
  assert_int_equal(set(f, "TxCtrlr", "TxStopPoint", NULL, "Authorized,EVConnected", &name),
                   DM_ACCEPTED);
  assert_string_equal(name, "TxStopPoint");
  assert_int_equal(set(f, "TxCtrlr", "TxStopPoint", NULL, "ParkingBayOccupancy", &name),
                   DM_REJECTED);
  assert_int_equal(set(f, "TxCtrlr", "TxStopPoint", NULL, "EVConnected", &name), DM_ACCEPTED);
  assert_int_equal(set(f, "TxCtrlr", "TxStopPoint", NULL, "EnergyTransfer,PowerPathClosed", &name),
                   DM_ACCEPTED);
  assert_int_equal(set(f, "ClockCtrlr", "DateTime", NULL, "2026-01-01T00:00:00Z", &name),
                   DM_REJECTED);
  assert_int_equal(set(f, "NoSuchCtrlr", "Enabled", NULL, "true", &name), DM_UNKNOWN_COMPONENT);
  assert_int_equal(set(f, "TxCtrlr", "Nope", NULL, "true", &name), DM_UNKNOWN_VARIABLE);
  dm_ref r = {.component = "OCPPCommCtrlr", .variable = "HeartbeatInterval"};
  char why[80];
  assert_int_equal(dm_set_check(&f->ctx, &r, DM_MINSET, "5", &name, why, sizeof why),
                   DM_NOT_SUPPORTED_ATTRIBUTE_TYPE);
  assert_int_equal(dm_set_check(&f->ctx, &r, DM_ACTUAL, NULL, &name, why, sizeof why), DM_REJECTED);
}

/* Every NotifyReport page of a report passes the 2.0.1 schema; seqNo and tbc. */
static json_t *pages_checked(json_t *items, size_t max_bytes, size_t *total) {
  json_t *pages = dm_report_pages(items, 42, "2026-12-05T15:00:00.000Z", max_bytes);
  size_t i, n = 0;
  json_t *p;
  json_array_foreach(pages, i, p) {
    ocpp_error err;
    if (ocpp201_validate("NotifyReport", true, p, &err) != 0) fail_msg("page %zu: %s", i, err.text);
    assert_int_equal(json_integer_value(json_object_get(p, "seqNo")), (json_int_t)i);
    assert_int_equal(json_integer_value(json_object_get(p, "requestId")), 42);
    assert_int_equal(json_is_true(json_object_get(p, "tbc")), i + 1 < json_array_size(pages));
    size_t k = json_array_size(json_object_get(p, "reportData"));
    assert_true(k <= DM_REPORT_ITEMS_PER_MESSAGE);
    if (json_array_size(items)) assert_true(k > 0);
    char *text = json_dumps(p, JSON_COMPACT);
    if (k > 1) assert_true(strlen(text) <= max_bytes);
    free(text);
    n += k;
  }
  *total = n;
  return pages;
}

static void reports(void **state) {
  fixture *f = *state;
  size_t total;
  json_t *full = dm_report(&f->ctx, DM_BASE_FULL, NULL);
  assert_int_equal(json_array_size(full), dm_variable_count(&f->ctx));
  json_t *pages = pages_checked(full, DM_BYTES_PER_MESSAGE, &total);
  assert_int_equal(total, json_array_size(full));
  assert_int_equal(json_array_size(pages),
                   (json_array_size(full) + DM_REPORT_ITEMS_PER_MESSAGE - 1) /
                       DM_REPORT_ITEMS_PER_MESSAGE);
  json_decref(pages);
  /* a small byte limit: more pages, each within it */
  pages = pages_checked(full, 1500, &total);
  assert_int_equal(total, json_array_size(full));
  assert_true(json_array_size(pages) > json_array_size(full) / DM_REPORT_ITEMS_PER_MESSAGE + 1);
  json_decref(pages);
  /* the write-only password has no value; a writable setting its range */
  size_t i;
  json_t *it;
  bool saw_password = false, saw_heartbeat = false;
  int saw_storage = 0, saw_ev_side = 0;
  json_array_foreach(full, i, it) {
    const char *var = json_string_value(json_object_get(json_object_get(it, "variable"), "name"));
    json_t *attr0 = json_array_get(json_object_get(it, "variableAttribute"), 0);
    if (!strcmp(var, "BasicAuthPassword")) {
      saw_password = true;
      assert_null(json_object_get(attr0, "value"));
      assert_string_equal(json_string_value(json_object_get(attr0, "mutability")), "WriteOnly");
    }
    if (!strcmp(var, "HeartbeatInterval")) {
      saw_heartbeat = true;
      json_t *ch = json_object_get(it, "variableCharacteristics");
      assert_int_equal((int)json_number_value(json_object_get(ch, "maxLimit")), 86400);
      assert_true(json_is_true(json_object_get(attr0, "persistent")));
    }
    /* the bytes used, with the most they can be (maxLimit), in bytes; Entries
     * of the local list with its maxLimit (LocalAuthListMaxLength) */
    const char *comp = json_string_value(json_object_get(json_object_get(it, "component"), "name"));
    json_t *ch = json_object_get(it, "variableCharacteristics");
    if (!strcmp(var, "Storage")) {
      saw_storage++;
      assert_string_equal(json_string_value(json_object_get(ch, "unit")), "B");
      assert_string_equal(json_string_value(json_object_get(attr0, "mutability")), "ReadOnly");
      assert_true(json_number_value(json_object_get(ch, "maxLimit")) ==
                  (!strcmp(comp, "AuthCacheCtrlr") ? 1000.0 * 108 : 10000.0 * 92));
    }
    /* E09/E10: both written by the CSMS (the settings of the 1.6 keys), booleans */
    if (!strcmp(var, "StopTxOnEVSideDisconnect") || !strcmp(var, "UnlockOnEVSideDisconnect")) {
      saw_ev_side++;
      assert_string_equal(json_string_value(json_object_get(attr0, "mutability")), "ReadWrite");
      assert_string_equal(json_string_value(json_object_get(ch, "dataType")), "boolean");
      assert_string_equal(json_string_value(json_object_get(attr0, "value")), "true");
    }
    if (!strcmp(var, "Entries") && !strcmp(comp, "LocalAuthListCtrlr"))
      assert_true(json_number_value(json_object_get(ch, "maxLimit")) == 10000);
  }
  assert_true(saw_password && saw_heartbeat);
  assert_int_equal(saw_storage, 2);
  assert_int_equal(saw_ev_side, 2);
  json_decref(full);

  json_t *conf = dm_report(&f->ctx, DM_BASE_CONFIGURATION, NULL);
  json_array_foreach(conf, i, it) {
    json_t *attr0 = json_array_get(json_object_get(it, "variableAttribute"), 0);
    assert_string_not_equal(json_string_value(json_object_get(attr0, "mutability")), "ReadOnly");
  }
  assert_true(json_array_size(conf) >= 15);
  json_decref(pages_checked(conf, DM_BYTES_PER_MESSAGE, &total));
  json_decref(conf);
  json_t *summary = dm_report(&f->ctx, DM_BASE_SUMMARY, NULL);
  assert_int_equal(json_array_size(summary), 5);
  json_decref(summary);

  /* GetReport filters */
  json_t *req = json_pack("{s:i, s:[{s:{s:s, s:{s:i}}}, {s:{s:s}, s:{s:s, s:s}}]}", "requestId", 1,
                          "componentVariable", "component", "name", "EVSE", "evse", "id", 2,
                          "component", "name", "OCPPCommCtrlr", "variable", "name",
                          "MessageAttempts", "instance", "TransactionEvent");
  json_t *sel = dm_report(&f->ctx, DM_BASE_FULL, req);
  /* EVSE 2's five variables (TemperatureSensor is another component) and MessageAttempts */
  assert_int_equal(json_array_size(sel), 6);
  json_decref(sel);
  json_decref(req);
  req = json_pack("{s:i, s:[s]}", "requestId", 1, "componentCriteria", "Available");
  sel = dm_report(&f->ctx, DM_BASE_FULL, req);
  /* the components with Available true: AuthCache, LocalAuthList, SampledData,
   * Reservation, the station, EVSE 1 and its connector (EVSE 2 is Occupied, still available) */
  json_array_foreach(sel, i, it) {
    const char *c = json_string_value(json_object_get(json_object_get(it, "component"), "name"));
    assert_string_not_equal(c, "OCPPCommCtrlr");
    assert_string_not_equal(c, "ClockCtrlr");
  }
  assert_true(json_array_size(sel) > 10);
  json_decref(sel);
  json_decref(req);
  req = json_pack("{s:i, s:[{s:{s:s}}]}", "requestId", 1, "componentVariable", "component", "name",
                  "Nope");
  sel = dm_report(&f->ctx, DM_BASE_FULL, req);
  assert_int_equal(json_array_size(sel), 0);
  pages = pages_checked(sel, DM_BYTES_PER_MESSAGE, &total);
  assert_int_equal(json_array_size(pages), 1);
  json_decref(pages);
  json_decref(sel);
  json_decref(req);
  dm_base b;
  assert_true(dm_base_parse("SummaryInventory", &b) && b == DM_BASE_SUMMARY);
  assert_false(dm_base_parse("Summary", &b));
  assert_false(dm_base_parse(NULL, &b));
}

/* 2.1 C25's WebPaymentsCtrlr: not there under 2.0.1; under 2.1 a view of
 * the ocpp.WebPayments* settings, its SharedSecret write-only. */
static void web_payments_only_in_21(void **state) {
  fixture *f = *state;
  char buf[64];
  const char *name;
  size_t before = dm_variable_count(&f->ctx);
  assert_int_equal(get(f, "WebPaymentsCtrlr", 0, 0, "Enabled", NULL, DM_ACTUAL, buf, sizeof buf),
                   DM_UNKNOWN_COMPONENT);
  assert_int_equal(set(f, "WebPaymentsCtrlr", "URLTemplate", NULL, "https://p/{totp}", &name),
                   DM_UNKNOWN_COMPONENT);
  json_t *full = dm_report(&f->ctx, DM_BASE_FULL, NULL);
  char *text = json_dumps(full, 0);
  assert_null(strstr(text, "WebPaymentsCtrlr"));
  free(text);
  json_decref(full);
  /* 2.1's SmartChargingCtrlr.SupportedAdditionalPurposes: not under 2.0.1 */
  assert_int_equal(get(f, "SmartChargingCtrlr", 0, 0, "SupportedAdditionalPurposes", NULL,
                       DM_ACTUAL, buf, sizeof buf),
                   DM_UNKNOWN_VARIABLE);
  /* 2.1 E17's TxCtrlr.ResumptionTimeout: not under 2.0.1 either */
  assert_int_equal(get(f, "TxCtrlr", 0, 0, "ResumptionTimeout", NULL, DM_ACTUAL, buf, sizeof buf),
                   DM_UNKNOWN_VARIABLE);
  /* nor E17's AllowEnergyTransferResumption, EnergyTransferResumptionRandomRange, E16's
   * SupportedLimits */
  assert_int_equal(
      get(f, "TxCtrlr", 0, 0, "AllowEnergyTransferResumption", NULL, DM_ACTUAL, buf, sizeof buf),
      DM_UNKNOWN_VARIABLE);
  assert_int_equal(get(f, "TxCtrlr", 0, 0, "EnergyTransferResumptionRandomRange", NULL, DM_ACTUAL,
                       buf, sizeof buf),
                   DM_UNKNOWN_VARIABLE);
  assert_int_equal(get(f, "TxCtrlr", 0, 0, "SupportedLimits", NULL, DM_ACTUAL, buf, sizeof buf),
                   DM_UNKNOWN_VARIABLE);
  f->live.v21 = true;
  /* 7 + SupportedAdditionalPurposes + TariffCostCtrlr's Interval (Cost, Tariff),
   * OfflineTariffFallbackMessage and Problem + TxCtrlr.ResumptionTimeout,
   * AllowEnergyTransferResumption, EnergyTransferResumptionRandomRange, SupportedLimits */
  assert_int_equal(dm_variable_count(&f->ctx), before + 16);
  /* E17: session.resume_energy_transfer and session.resume_random_range_s, settable */
  assert_string_equal(value(f, "TxCtrlr", 0, 0, "AllowEnergyTransferResumption", NULL), "true");
  assert_int_equal(set(f, "TxCtrlr", "AllowEnergyTransferResumption", NULL, "false", &name),
                   DM_ACCEPTED);
  assert_string_equal(name, "AllowEnergyTransferResumption");
  assert_int_equal(set(f, "TxCtrlr", "AllowEnergyTransferResumption", NULL, "no", &name),
                   DM_REJECTED);
  assert_string_equal(value(f, "TxCtrlr", 0, 0, "EnergyTransferResumptionRandomRange", NULL), "0");
  assert_int_equal(set(f, "TxCtrlr", "EnergyTransferResumptionRandomRange", NULL, "30", &name),
                   DM_ACCEPTED);
  assert_string_equal(name, "EnergyTransferResumptionRandomRange");
  assert_int_equal(
      set(f, "TxCtrlr", "EnergyTransferResumptionRandomRange", NULL, "half a minute", &name),
      DM_REJECTED);
  /* E16: what tx_limits.c holds a transaction to, read-only */
  char held[64];
  assert_string_equal(value(f, "TxCtrlr", 0, 0, "SupportedLimits", NULL),
                      v201_txlimit_supported_list(V201_TXLIM_SUPPORTED, held, sizeof held));
  assert_string_equal(held, "maxEnergy,maxTime,maxCost");
  assert_int_equal(set(f, "TxCtrlr", "SupportedLimits", NULL, "maxEnergy", &name), DM_REJECTED);
  /* under 2.1: session.resume_timeout_s, settable (0: never resumed) */
  assert_string_equal(value(f, "TxCtrlr", 0, 0, "ResumptionTimeout", NULL), "86400");
  assert_int_equal(set(f, "TxCtrlr", "ResumptionTimeout", NULL, "0", &name), DM_ACCEPTED);
  assert_string_equal(name, "TxResumptionTimeout");
  assert_int_equal(set(f, "TxCtrlr", "ResumptionTimeout", NULL, "a day", &name), DM_REJECTED);
  assert_string_equal(value(f, "SmartChargingCtrlr", 0, 0, "SupportedAdditionalPurposes", NULL),
                      "PriorityCharging");
  assert_int_equal(
      set(f, "SmartChargingCtrlr", "SupportedAdditionalPurposes", NULL, "LocalGeneration", &name),
      DM_REJECTED);
  assert_string_equal(value(f, "WebPaymentsCtrlr", 0, 0, "Available", NULL), "true");
  assert_string_equal(value(f, "WebPaymentsCtrlr", 0, 0, "Enabled", NULL), "false");
  assert_string_equal(value(f, "WebPaymentsCtrlr", 0, 0, "TOTPVersion", NULL), "v1");
  assert_string_equal(value(f, "WebPaymentsCtrlr", 0, 0, "Length", NULL), "12");
  assert_string_equal(value(f, "WebPaymentsCtrlr", 0, 0, "ValidityTime", NULL), "30");
  assert_string_equal(value(f, "WebPaymentsCtrlr", 0, 0, "URLTemplate", NULL), "");
  char err[200];
  assert_int_equal(
      config_set(f->cfg, "ocpp.WebPaymentsSharedSecret", "secure!Charging!", err, sizeof err), 0);
  assert_int_equal(
      get(f, "WebPaymentsCtrlr", 0, 0, "SharedSecret", NULL, DM_ACTUAL, buf, sizeof buf),
      DM_REJECTED);
  assert_string_equal(buf, "");
  assert_int_equal(set(f, "WebPaymentsCtrlr", "SharedSecret", NULL, "another!secret", &name),
                   DM_ACCEPTED);
  assert_string_equal(name, "WebPaymentsSharedSecret");
  assert_int_equal(set(f, "WebPaymentsCtrlr", "URLTemplate", NULL, "https://p/{totp}", &name),
                   DM_ACCEPTED);
  assert_string_equal(name, "WebPaymentsURLTemplate");
  assert_int_equal(set(f, "WebPaymentsCtrlr", "TOTPVersion", NULL, "v2", &name), DM_REJECTED);
  assert_int_equal(set(f, "WebPaymentsCtrlr", "Length", NULL, "twelve", &name), DM_REJECTED);
  assert_int_equal(set(f, "WebPaymentsCtrlr", "Available", NULL, "false", &name), DM_REJECTED);
  /* the report: no value for the secret, the limits of the settings */
  full = dm_report(&f->ctx, DM_BASE_FULL, NULL);
  size_t i;
  json_t *it;
  int seen = 0;
  json_array_foreach(full, i, it) {
    const char *comp = json_string_value(json_object_get(json_object_get(it, "component"), "name"));
    const char *var = json_string_value(json_object_get(json_object_get(it, "variable"), "name"));
    if (strcmp(comp, "WebPaymentsCtrlr") != 0) continue;
    seen++;
    json_t *attr = json_array_get(json_object_get(it, "variableAttribute"), 0);
    json_t *ch = json_object_get(it, "variableCharacteristics");
    if (!strcmp(var, "SharedSecret")) {
      assert_string_equal(json_string_value(json_object_get(attr, "mutability")), "WriteOnly");
      assert_null(json_object_get(attr, "value"));
    }
    if (!strcmp(var, "ValidityTime")) {
      assert_true(json_real_value(json_object_get(ch, "minLimit")) == 6);
      assert_true(json_real_value(json_object_get(ch, "maxLimit")) == 3600);
    }
  }
  assert_int_equal(seen, 7);
  json_decref(full);
}

int main(void) {
  if (config_registry_add_table(&ocpp_keys) != 0) return 1; /* the ocpp.* keys */
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(required_variables_are_there, setup, teardown),
      cmocka_unit_test_setup_teardown(values_are_borne_settings_and_state, setup, teardown),
      cmocka_unit_test_setup_teardown(get_statuses, setup, teardown),
      cmocka_unit_test_setup_teardown(set_checks, setup, teardown),
      cmocka_unit_test_setup_teardown(reports, setup, teardown),
      cmocka_unit_test_setup_teardown(web_payments_only_in_21, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
