/*
 * The OCPP 2.0.1 device model (functional block B, Provisioning), pure: the
 * components and variables this charging station reports (the names of the
 * specification's part 2 appendix "Referenced Components and Variables":
 * ChargingStation, EVSE, Connector, OCPPCommCtrlr, SecurityCtrlr, AuthCtrlr,
 * AuthCacheCtrlr, LocalAuthListCtrlr, TxCtrlr, SampledDataCtrlr,
 * ReservationCtrlr, ClockCtrlr, DeviceDataCtrlr; under OCPP 2.1 also 2.1's
 * WebPaymentsCtrlr), each with its data type,
 * mutability, characteristics and the value behind it.
 *
 * It is a view over borne's one configuration store, not a second copy: a
 * variable that is a setting names the registry key behind it (its OCPP 1.6
 * name, cfg_key_def.ocpp_name, when it is writable), a variable that
 * describes the firmware has a fixed value, and the station's state
 * (availability, the clock, list sizes) comes in a dm_live the caller fills.
 * GetVariables reads with dm_get; SetVariables checks with dm_set_check and
 * the caller writes through ocpp_keys_change (validated, saved, applied as a
 * ChangeConfiguration is); GetBaseReport / GetReport select with dm_report
 * and dm_report_page cuts the selection into NotifyReport messages. No clock,
 * no I/O: the unit tests and the fuzz target run it as is.
 */
#ifndef BORNE_OCPP_V201_DEVICE_MODEL_H
#define BORNE_OCPP_V201_DEVICE_MODEL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "config/config.h"
#include "core/types.h"

/* The limits this station declares (DeviceDataCtrlr, OCPPCommCtrlr). */
#define DM_ITEMS_PER_MESSAGE 50        /* ItemsPerMessage: GetVariables, SetVariables, GetReport */
#define DM_BYTES_PER_MESSAGE 65000     /* BytesPerMessage: the same three */
#define DM_REPORT_ITEMS_PER_MESSAGE 20 /* reportData entries in one NotifyReport */
#define DM_CONFIGURATION_VALUE_SIZE 1000 /* SetVariableData.attributeValue's maxLength */
#define DM_REPORTING_VALUE_SIZE 2500     /* GetVariableResult / VariableAttribute value */
/* MonitoringCtrlr: Set/ClearVariableMonitoring (monitoring.c) */
#define DM_MONITORING_ITEMS_PER_MESSAGE 20
#define DM_MONITORING_BYTES_PER_MESSAGE 65000
/* ClockCtrlr.TimeAdjustmentReportingThreshold: a clock change above it is
 * the security event SettingSystemTime */
#define DM_TIME_ADJUSTMENT_THRESHOLD_S 20

typedef enum { DM_ACTUAL, DM_TARGET, DM_MINSET, DM_MAXSET } dm_attr;

/* GetVariableStatusEnumType / SetVariableStatusEnumType */
typedef enum {
  DM_ACCEPTED,
  DM_REJECTED,
  DM_UNKNOWN_COMPONENT,
  DM_UNKNOWN_VARIABLE,
  DM_NOT_SUPPORTED_ATTRIBUTE_TYPE,
  DM_REBOOT_REQUIRED,
} dm_status;

const char *dm_status_name(dm_status s);
/* "Actual" ... "MaxSet" -> the attribute; false for anything else. NULL is Actual. */
bool dm_attr_parse(const char *name, dm_attr *out);
const char *dm_attr_name(dm_attr a);

/* The station as it is now: what no setting says. */
typedef struct {
  int evse_count; /* borne's connectors: EVSE 1..n, each with connector 1 */
  const char *evse_state[BORNE_MAX_CONNECTORS];    /* AvailabilityState: Available, Occupied... */
  double evse_power_w[BORNE_MAX_CONNECTORS];       /* EVSE Power, Actual: the meter's */
  double evse_current_a[BORNE_MAX_CONNECTORS];     /* EVSE ACCurrent: its highest phase current */
  double evse_temperature_c[BORNE_MAX_CONNECTORS]; /* TemperatureSensor.Temperature, Celsius */
  long long now_ms;                                /* ClockCtrlr.DateTime */
  int local_list_entries;                          /* LocalAuthListCtrlr.Entries */
  long local_list_bytes;                           /* LocalAuthListCtrlr.Storage */
  long auth_cache_bytes;                           /* AuthCacheCtrlr.Storage */
  int certificate_entries;                         /* SecurityCtrlr.CertificateEntries */
  int charging_profiles;                           /* SmartChargingCtrlr.Entries */
  int network_slot;     /* OCPPCommCtrlr.ActiveNetworkProfile (0: the first, 1) */
  int security_profile; /* SecurityCtrlr.SecurityProfile: the slot in use's (-1: the key's) */
  const char *monitoring_base; /* MonitoringCtrlr.ActiveMonitoringBase, NULL: All */
  int monitoring_level;        /* MonitoringCtrlr.ActiveMonitoringLevel (with a base) */
  bool v21;                    /* OCPP 2.1 is spoken: its components too (WebPaymentsCtrlr) */
  bool tariff_problem;         /* 2.1 TariffCostCtrlr.Problem: a driver tariff not taken */
} dm_live;

typedef struct {
  const config *cfg;
  const dm_live *live;
} dm_ctx;

/* A ComponentType + VariableType as the CSMS names them (instances and evse
 * optional: NULL, and evse 0 for none; connector 0 for none). */
typedef struct {
  const char *component;
  const char *component_instance;
  int evse;
  int connector;
  const char *variable;
  const char *variable_instance;
} dm_ref;

/* The component and variable of a GetVariableData / SetVariableData item
 * (strings borrowed from item). */
dm_ref dm_ref_of(const json_t *item);

/* One GetVariableData: Accepted with the value in out (at most
 * DM_REPORTING_VALUE_SIZE characters), else why not. A write-only variable
 * (SecurityCtrlr.BasicAuthPassword) is Rejected. */
dm_status dm_get(const dm_ctx *c, const dm_ref *ref, dm_attr attr, char *out, size_t outlen);

/* One SetVariableData, checked but not written: Accepted with the borne key
 * to write through (its OCPP 1.6 name in ocpp_name, for ocpp_keys_change),
 * or why not (Rejected with the reason in why: read-only, a value that is
 * not of the variable's data type or not one of its list). */
dm_status dm_set_check(const dm_ctx *c, const dm_ref *ref, dm_attr attr, const char *value,
                       const char **ocpp_name, char *why, size_t whylen);

/* ReportBaseEnumType of GetBaseReport. */
typedef enum { DM_BASE_CONFIGURATION, DM_BASE_FULL, DM_BASE_SUMMARY } dm_base;
bool dm_base_parse(const char *name, dm_base *out);

/* The reportData (ReportDataType items) of GetBaseReport (`base`), or of
 * GetReport when `request` is a GetReportRequest (its componentVariable and
 * componentCriteria filters). A new array, possibly empty (EmptyResultSet). */
json_t *dm_report(const dm_ctx *c, dm_base base, const json_t *request);

/* The NotifyReport requests of a report: pages of at most
 * DM_REPORT_ITEMS_PER_MESSAGE items and max_bytes of JSON each, seqNo from
 * 0, tbc true on every page but the last (one page with no reportData for an
 * empty report). `items` is borrowed; generated_at an RFC 3339 time. */
json_t *dm_report_pages(const json_t *items, int request_id, const char *generated_at,
                        size_t max_bytes);

/* The number of variables (component x variable x instance, per EVSE) in
 * the model, for the tests. */
size_t dm_variable_count(const dm_ctx *c);

#endif
