/*
 * The OCPP 2.0.1 device model, pure (see device_model.h): one table of the
 * variables this station reports, each a view of a borne setting, a fixed
 * fact of the firmware or a live value of the station.
 */
#include "ocpp/v201/device_model.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "chargepoint/authorization.h"
#include "ocpp/v201/model.h"
#include "tariff/tariff21.h"
#include "util/timefmt.h"

typedef enum {
  T_STRING,
  T_DECIMAL,
  T_INTEGER,
  T_DATETIME,
  T_BOOLEAN,
  T_OPTION,
  T_SEQUENCE,
  T_MEMBER
} dtype;
static const char *const dtype_names[] = {"string",  "decimal",    "integer",      "dateTime",
                                          "boolean", "OptionList", "SequenceList", "MemberList"};

typedef enum { M_RO, M_WO, M_RW } mutability;
static const char *const mut_names[] = {"ReadOnly", "WriteOnly", "ReadWrite"};

/* Where the component is: the station, each EVSE, each EVSE's connector 1. */
typedef enum { S_STATION, S_EVSE, S_CONNECTOR } scope;

/* A value no setting holds: the station's state or a figure from settings. */
typedef enum {
  L_NONE,
  L_STATE,          /* AvailabilityState of the station, an EVSE, a connector */
  L_AVAILABLE,      /* Available: not Unavailable */
  L_PHASES,         /* SupplyPhases: the station's most, an EVSE's own */
  L_POWER,          /* EVSE Power: Actual from the meter, MaxSet from the settings */
  L_CONNECTOR_TYPE, /* connector.N.type (v201_connector_type) */
  L_DATETIME,
  L_LOCAL_ENTRIES, /* maxLimit: ocpp.LocalAuthListMaxLength */
  L_LIST_STORAGE,  /* LocalAuthListCtrlr.Storage (bytes), maxLimit from the most entries */
  L_CACHE_STORAGE, /* AuthCacheCtrlr.Storage (bytes), maxLimit from CP_AUTH_CACHE_MAX */
  L_CERT_ENTRIES,
  L_AUTH_ENABLED, /* auth.mode is not free */
  L_BACKOFF_RANGE,
  L_BACKOFF_REPEAT,
  L_PROFILE_ENTRIES,  /* SmartChargingCtrlr.Entries: the profiles installed */
  L_NETWORK_SLOT,     /* the configuration slot the link connects with */
  L_SECURITY_PROFILE, /* the security profile of that slot (A05: raised by the CSMS) */
  L_MONITORING_BASE,  /* MonitoringCtrlr.ActiveMonitoringBase (monitoring.c) */
  L_MONITORING_LEVEL,
  L_TARIFF_PROBLEM, /* TariffCostCtrlr.Problem (cost.c) */
  L_AC_CURRENT,     /* EVSE ACCurrent: the highest phase current of its meter */
  L_TEMPERATURE,    /* TemperatureSensor.Temperature of an EVSE: its connector's sensor */
} live_kind;

#define MEASURANDS                                                                                 \
  "Current.Import,Current.Offered,Energy.Active.Import.Register,Frequency,Power.Active.Import,"    \
  "Voltage"
#define STATES "Available,Occupied,Reserved,Unavailable,Faulted"
#define STR_(x) #x
#define STR(x) STR_(x)

typedef struct {
  const char *component;
  scope sc;
  const char *variable;
  const char *instance;
  dtype type;
  mutability mut;
  const char *key;   /* the borne setting behind it */
  const char *fixed; /* or its fixed value */
  live_kind live;    /* or the station's */
  const char *unit;
  const char *values; /* valuesList */
} dm_var;

static const dm_var vars[] = {
    {"ChargingStation", S_STATION, "AvailabilityState", NULL, T_OPTION, M_RO, NULL, NULL, L_STATE,
     NULL, STATES},
    {"ChargingStation", S_STATION, "Available", NULL, T_BOOLEAN, M_RO, NULL, NULL, L_AVAILABLE,
     NULL, NULL},
    {"ChargingStation", S_STATION, "Model", NULL, T_STRING, M_RO, "station.model", NULL, L_NONE,
     NULL, NULL},
    {"ChargingStation", S_STATION, "SupplyPhases", NULL, T_INTEGER, M_RO, NULL, NULL, L_PHASES,
     NULL, NULL},
    {"ChargingStation", S_STATION, "VendorName", NULL, T_STRING, M_RO, "station.vendor", NULL,
     L_NONE, NULL, NULL},
    {"EVSE", S_EVSE, "ACCurrent", NULL, T_DECIMAL, M_RO, NULL, NULL, L_AC_CURRENT, "A", NULL},
    {"EVSE", S_EVSE, "AvailabilityState", NULL, T_OPTION, M_RO, NULL, NULL, L_STATE, NULL, STATES},
    {"EVSE", S_EVSE, "Available", NULL, T_BOOLEAN, M_RO, NULL, NULL, L_AVAILABLE, NULL, NULL},
    {"EVSE", S_EVSE, "Power", NULL, T_DECIMAL, M_RO, NULL, NULL, L_POWER, "W", NULL},
    {"EVSE", S_EVSE, "SupplyPhases", NULL, T_INTEGER, M_RO, NULL, NULL, L_PHASES, NULL, NULL},
    {"Connector", S_CONNECTOR, "AvailabilityState", NULL, T_OPTION, M_RO, NULL, NULL, L_STATE, NULL,
     STATES},
    {"Connector", S_CONNECTOR, "Available", NULL, T_BOOLEAN, M_RO, NULL, NULL, L_AVAILABLE, NULL,
     NULL},
    {"Connector", S_CONNECTOR, "ConnectorType", NULL, T_STRING, M_RO, NULL, NULL, L_CONNECTOR_TYPE,
     NULL, NULL},
    {"Connector", S_CONNECTOR, "SupplyPhases", NULL, T_INTEGER, M_RO, NULL, NULL, L_PHASES, NULL,
     NULL},
    /* the sensor of each EVSE's connector (derating, error 601), on the EVSE's tier */
    {"TemperatureSensor", S_EVSE, "Temperature", NULL, T_DECIMAL, M_RO, NULL, NULL, L_TEMPERATURE,
     "Celsius", NULL},
    {"OCPPCommCtrlr", S_STATION, "ActiveNetworkProfile", NULL, T_INTEGER, M_RO, NULL, NULL,
     L_NETWORK_SLOT, NULL, NULL},
    /* the schemes firmware and diagnostics transfers use (curl_uv.h) */
    {"OCPPCommCtrlr", S_STATION, "FileTransferProtocols", NULL, T_MEMBER, M_RO, NULL,
     "FTP,FTPS,HTTP,HTTPS", L_NONE, NULL, "FTP,FTPS,HTTP,HTTPS"},
    {"OCPPCommCtrlr", S_STATION, "HeartbeatInterval", NULL, T_INTEGER, M_RW,
     "ocpp.HeartbeatInterval", NULL, L_NONE, "s", NULL},
    {"OCPPCommCtrlr", S_STATION, "MessageAttemptInterval", "TransactionEvent", T_INTEGER, M_RW,
     "ocpp.TransactionMessageRetryInterval", NULL, L_NONE, "s", NULL},
    {"OCPPCommCtrlr", S_STATION, "MessageAttempts", "TransactionEvent", T_INTEGER, M_RW,
     "ocpp.TransactionMessageAttempts", NULL, L_NONE, NULL, NULL},
    {"OCPPCommCtrlr", S_STATION, "MessageTimeout", "Default", T_INTEGER, M_RO,
     "ocpp.call_timeout_s", NULL, L_NONE, "s", NULL},
    /* slot 1 is borne's ocpp.url, 2-4 SetNetworkProfile's (ocpp_network.h) */
    {"OCPPCommCtrlr", S_STATION, "NetworkConfigurationPriority", NULL, T_SEQUENCE, M_RW,
     "ocpp.NetworkConfigurationPriority", NULL, L_NONE, NULL, "1,2,3,4"},
    {"OCPPCommCtrlr", S_STATION, "NetworkProfileConnectionAttempts", NULL, T_INTEGER, M_RW,
     "ocpp.NetworkProfileConnectionAttempts", NULL, L_NONE, NULL, NULL},
    /* after a longer outage every status, after a shorter one those that changed (B04) */
    {"OCPPCommCtrlr", S_STATION, "OfflineThreshold", NULL, T_INTEGER, M_RW, "ocpp.OfflineThreshold",
     NULL, L_NONE, "s", NULL},
    /* which signed meter values carry the OCMF public key (transactions.c) */
    {"OCPPCommCtrlr", S_STATION, "PublicKeyWithSignedMeterValue", NULL, T_OPTION, M_RW,
     "ocpp.PublicKeyWithSignedMeterValue", NULL, L_NONE, NULL,
     "Never,OncePerTransaction,EveryMeterValue"},
    {"OCPPCommCtrlr", S_STATION, "QueueAllMessages", NULL, T_BOOLEAN, M_RO, NULL, "false", L_NONE,
     NULL, NULL},
    {"OCPPCommCtrlr", S_STATION, "ResetRetries", NULL, T_INTEGER, M_RW, "ocpp.ResetRetries", NULL,
     L_NONE, NULL, NULL},
    {"OCPPCommCtrlr", S_STATION, "RetryBackOffRandomRange", NULL, T_INTEGER, M_RO, NULL, NULL,
     L_BACKOFF_RANGE, "s", NULL},
    {"OCPPCommCtrlr", S_STATION, "RetryBackOffRepeatTimes", NULL, T_INTEGER, M_RO, NULL, NULL,
     L_BACKOFF_REPEAT, NULL, NULL},
    {"OCPPCommCtrlr", S_STATION, "RetryBackOffWaitMinimum", NULL, T_INTEGER, M_RO, NULL, "1",
     L_NONE, "s", NULL},
    {"OCPPCommCtrlr", S_STATION, "UnlockOnEVSideDisconnect", NULL, T_BOOLEAN, M_RW,
     "ocpp.UnlockConnectorOnEVSideDisconnect", NULL, L_NONE, NULL, NULL},
    {"OCPPCommCtrlr", S_STATION, "WebSocketPingInterval", NULL, T_INTEGER, M_RW,
     "ocpp.WebSocketPingInterval", NULL, L_NONE, "s", NULL},
    {"SecurityCtrlr", S_STATION, "AllowSecurityProfileDowngrade", NULL, T_BOOLEAN, M_RW,
     "ocpp.AllowSecurityProfileDowngrade", NULL, L_NONE, NULL, NULL},
    {"SecurityCtrlr", S_STATION, "AdditionalRootCertificateCheck", NULL, T_BOOLEAN, M_RO,
     "ocpp.AdditionalRootCertificateCheck", NULL, L_NONE, NULL, NULL},
    {"SecurityCtrlr", S_STATION, "BasicAuthPassword", NULL, T_STRING, M_WO, "ocpp.AuthorizationKey",
     NULL, L_NONE, NULL, NULL},
    {"SecurityCtrlr", S_STATION, "CertificateEntries", NULL, T_INTEGER, M_RO, NULL, NULL,
     L_CERT_ENTRIES, NULL, NULL},
    {"SecurityCtrlr", S_STATION, "CertSigningRepeatTimes", NULL, T_INTEGER, M_RW,
     "ocpp.CertSigningRepeatTimes", NULL, L_NONE, NULL, NULL},
    {"SecurityCtrlr", S_STATION, "CertSigningWaitMinimum", NULL, T_INTEGER, M_RW,
     "ocpp.CertSigningWaitMinimum", NULL, L_NONE, "s", NULL},
    {"SecurityCtrlr", S_STATION, "Identity", NULL, T_STRING, M_RO, "station.id", NULL, L_NONE, NULL,
     NULL},
    {"SecurityCtrlr", S_STATION, "MaxCertificateChainSize", NULL, T_INTEGER, M_RO, NULL, "10000",
     L_NONE, NULL, NULL},
    {"SecurityCtrlr", S_STATION, "OrganizationName", NULL, T_STRING, M_RW, "ocpp.CpoName", NULL,
     L_NONE, NULL, NULL},
    {"SecurityCtrlr", S_STATION, "SecurityProfile", NULL, T_INTEGER, M_RO, NULL, NULL,
     L_SECURITY_PROFILE, NULL, NULL},
    {"AuthCtrlr", S_STATION, "AuthorizeRemoteStart", NULL, T_BOOLEAN, M_RW,
     "ocpp.AuthorizeRemoteTxRequests", NULL, L_NONE, NULL, NULL},
    {"AuthCtrlr", S_STATION, "Enabled", NULL, T_BOOLEAN, M_RO, NULL, NULL, L_AUTH_ENABLED, NULL,
     NULL},
    {"AuthCtrlr", S_STATION, "LocalAuthorizeOffline", NULL, T_BOOLEAN, M_RW,
     "ocpp.LocalAuthorizeOffline", NULL, L_NONE, NULL, NULL},
    {"AuthCtrlr", S_STATION, "LocalPreAuthorize", NULL, T_BOOLEAN, M_RW, "ocpp.LocalPreAuthorize",
     NULL, L_NONE, NULL, NULL},
    {"AuthCtrlr", S_STATION, "OfflineTxForUnknownIdEnabled", NULL, T_BOOLEAN, M_RW,
     "ocpp.AllowOfflineTxForUnknownId", NULL, L_NONE, NULL, NULL},
    {"AuthCacheCtrlr", S_STATION, "Available", NULL, T_BOOLEAN, M_RO, NULL, "true", L_NONE, NULL,
     NULL},
    {"AuthCacheCtrlr", S_STATION, "Enabled", NULL, T_BOOLEAN, M_RW,
     "ocpp.AuthorizationCacheEnabled", NULL, L_NONE, NULL, NULL},
    /* one cache for both dialects: its lifetime is 1.6's too (0: none) */
    {"AuthCacheCtrlr", S_STATION, "LifeTime", NULL, T_INTEGER, M_RW, "ocpp.AuthCacheLifeTime", NULL,
     L_NONE, "s", NULL},
    {"AuthCacheCtrlr", S_STATION, "Storage", NULL, T_INTEGER, M_RO, NULL, NULL, L_CACHE_STORAGE,
     "B", NULL},
    {"LocalAuthListCtrlr", S_STATION, "Available", NULL, T_BOOLEAN, M_RO, NULL, "true", L_NONE,
     NULL, NULL},
    /* the largest message the transport takes (ocpp_transport.c RX_MAX) */
    {"LocalAuthListCtrlr", S_STATION, "BytesPerMessage", NULL, T_INTEGER, M_RO, NULL, "4194304",
     L_NONE, NULL, NULL},
    {"LocalAuthListCtrlr", S_STATION, "Enabled", NULL, T_BOOLEAN, M_RW, "ocpp.LocalAuthListEnabled",
     NULL, L_NONE, NULL, NULL},
    {"LocalAuthListCtrlr", S_STATION, "Entries", NULL, T_INTEGER, M_RO, NULL, NULL, L_LOCAL_ENTRIES,
     NULL, NULL},
    {"LocalAuthListCtrlr", S_STATION, "ItemsPerMessage", NULL, T_INTEGER, M_RO,
     "ocpp.SendLocalListMaxLength", NULL, L_NONE, NULL, NULL},
    {"LocalAuthListCtrlr", S_STATION, "Storage", NULL, T_INTEGER, M_RO, NULL, NULL, L_LIST_STORAGE,
     "B", NULL},
    {"TxCtrlr", S_STATION, "EVConnectionTimeOut", NULL, T_INTEGER, M_RW, "auth.timeout_s", NULL,
     L_NONE, "s", NULL},
    {"TxCtrlr", S_STATION, "StopTxOnEVSideDisconnect", NULL, T_BOOLEAN, M_RW,
     "ocpp.StopTransactionOnEVSideDisconnect", NULL, L_NONE, NULL, NULL},
    {"TxCtrlr", S_STATION, "StopTxOnInvalidId", NULL, T_BOOLEAN, M_RW,
     "ocpp.StopTransactionOnInvalidId", NULL, L_NONE, NULL, NULL},
    /* 2.1 E17 (docs/ocpp21.md): the longest interruption after which a
     * session whose car is still there is resumed (TxResumed); 0: none is.
     * Under 2.1 only. */
    {"TxCtrlr", S_STATION, "ResumptionTimeout", NULL, T_INTEGER, M_RW, "session.resume_timeout_s",
     NULL, L_NONE, "s", NULL},
    /* 2.1 E17: whether a resumed session may draw again, and the longest
     * random delay before it does (docs/ocpp21.md: the names, types and
     * units of third-party copies of the 2.1 appendix, which spells the
     * second's component "TxCtlrl"; their mutability was not found: read-
     * write, as ResumptionTimeout). Under 2.1 only. */
    {"TxCtrlr", S_STATION, "AllowEnergyTransferResumption", NULL, T_BOOLEAN, M_RW,
     "session.resume_energy_transfer", NULL, L_NONE, NULL, NULL},
    {"TxCtrlr", S_STATION, "EnergyTransferResumptionRandomRange", NULL, T_INTEGER, M_RW,
     "session.resume_random_range_s", NULL, L_NONE, "s", NULL},
    /* 2.1 E16: the members of TransactionLimitType borne holds a transaction
     * to (V201_TXLIM_SUPPORTED), spelled as the schema's; a MemberList in the
     * third-party copies of the appendix. Under 2.1 only. */
    {"TxCtrlr", S_STATION, "SupportedLimits", NULL, T_MEMBER, M_RO, NULL,
     "maxEnergy,maxTime,maxCost", L_NONE, NULL, "maxEnergy,maxTime,maxCost,maxSoC"},
    /* E01/E06: the points an AC badge station has (txpoints.h; the settings' checks refuse
     * ParkingBayOccupancy and DataSigned) */
    {"TxCtrlr", S_STATION, "TxStartPoint", NULL, T_MEMBER, M_RW, "ocpp.TxStartPoint", NULL, L_NONE,
     NULL, "EVConnected,Authorized,PowerPathClosed,EnergyTransfer"},
    {"TxCtrlr", S_STATION, "TxStopPoint", NULL, T_MEMBER, M_RW, "ocpp.TxStopPoint", NULL, L_NONE,
     NULL, "EVConnected,Authorized,PowerPathClosed,EnergyTransfer"},
    /* J clock-aligned data: the 1.6 keys' (Interval 0 = none); the series a
     * transaction keeps for its Ended event (TxEndedInterval, transactions.c) */
    {"AlignedDataCtrlr", S_STATION, "Available", NULL, T_BOOLEAN, M_RO, NULL, "true", L_NONE, NULL,
     NULL},
    {"AlignedDataCtrlr", S_STATION, "Enabled", NULL, T_BOOLEAN, M_RO, NULL, "true", L_NONE, NULL,
     NULL},
    {"AlignedDataCtrlr", S_STATION, "Interval", NULL, T_INTEGER, M_RW,
     "ocpp.ClockAlignedDataInterval", NULL, L_NONE, "s", NULL},
    {"AlignedDataCtrlr", S_STATION, "Measurands", NULL, T_MEMBER, M_RW,
     "ocpp.MeterValuesAlignedData", NULL, L_NONE, NULL, MEASURANDS},
    {"AlignedDataCtrlr", S_STATION, "SendDuringIdle", NULL, T_BOOLEAN, M_RW,
     "ocpp.AlignedDataSendDuringIdle", NULL, L_NONE, NULL, NULL},
    /* J01.FR.21 / J02.FR.21: a transaction's clock-aligned register reading signed (OCMF) */
    {"AlignedDataCtrlr", S_STATION, "SignReadings", NULL, T_BOOLEAN, M_RW,
     "ocpp.AlignedDataSignReadings", NULL, L_NONE, NULL, NULL},
    {"AlignedDataCtrlr", S_STATION, "TxEndedInterval", NULL, T_INTEGER, M_RW,
     "ocpp.AlignedDataTxEndedInterval", NULL, L_NONE, "s", NULL},
    {"AlignedDataCtrlr", S_STATION, "TxEndedMeasurands", NULL, T_MEMBER, M_RW,
     "ocpp.StopTxnAlignedData", NULL, L_NONE, NULL, MEASURANDS},
    {"SampledDataCtrlr", S_STATION, "Available", NULL, T_BOOLEAN, M_RO, NULL, "true", L_NONE, NULL,
     NULL},
    /* a transaction's periodic register reading signed (OCMF); the records of
     * Transaction.Begin / End ride on the TransactionEvent whenever OCMF is on */
    {"SampledDataCtrlr", S_STATION, "SignReadings", NULL, T_BOOLEAN, M_RW,
     "ocpp.SampledDataSignReadings", NULL, L_NONE, NULL, NULL},
    {"SampledDataCtrlr", S_STATION, "TxEndedInterval", NULL, T_INTEGER, M_RW,
     "ocpp.SampledDataTxEndedInterval", NULL, L_NONE, "s", NULL},
    {"SampledDataCtrlr", S_STATION, "TxEndedMeasurands", NULL, T_MEMBER, M_RW,
     "ocpp.StopTxnSampledData", NULL, L_NONE, NULL, MEASURANDS},
    {"SampledDataCtrlr", S_STATION, "TxStartedMeasurands", NULL, T_MEMBER, M_RO, NULL,
     "Energy.Active.Import.Register", L_NONE, NULL, MEASURANDS},
    {"SampledDataCtrlr", S_STATION, "TxUpdatedInterval", NULL, T_INTEGER, M_RW,
     "ocpp.MeterValueSampleInterval", NULL, L_NONE, "s", NULL},
    {"SampledDataCtrlr", S_STATION, "TxUpdatedMeasurands", NULL, T_MEMBER, M_RW,
     "ocpp.MeterValuesSampledData", NULL, L_NONE, NULL, MEASURANDS},
    {"ReservationCtrlr", S_STATION, "Available", NULL, T_BOOLEAN, M_RO, NULL, "true", L_NONE, NULL,
     NULL},
    {"ReservationCtrlr", S_STATION, "Enabled", NULL, T_BOOLEAN, M_RO, NULL, "true", L_NONE, NULL,
     NULL},
    {"ReservationCtrlr", S_STATION, "NonEvseSpecific", NULL, T_BOOLEAN, M_RO, NULL, "true", L_NONE,
     NULL, NULL},
    /* block K over the one profile engine (src/chargepoint/profiles.h): its
     * limits are ocpp_module.c's (1.6's ChargeProfileMaxStackLevel,
     * ChargingScheduleMaxPeriods); no phase selection (phaseToUse), the
     * station's own limits (load management, Modbus, MQTT, site) always count
     * and are told with a schedule, again on a change of LimitChangeSignificance
     * (smart_charging.c) */
    {"SmartChargingCtrlr", S_STATION, "ACPhaseSwitchingSupported", NULL, T_BOOLEAN, M_RO, NULL,
     "false", L_NONE, NULL, NULL},
    {"SmartChargingCtrlr", S_STATION, "Available", NULL, T_BOOLEAN, M_RO, NULL, "true", L_NONE,
     NULL, NULL},
    {"SmartChargingCtrlr", S_STATION, "Enabled", NULL, T_BOOLEAN, M_RO, NULL, "true", L_NONE, NULL,
     NULL},
    {"SmartChargingCtrlr", S_STATION, "Entries", "ChargingProfiles", T_INTEGER, M_RO, NULL, NULL,
     L_PROFILE_ENTRIES, NULL, NULL},
    {"SmartChargingCtrlr", S_STATION, "ExternalControlSignalsEnabled", NULL, T_BOOLEAN, M_RO, NULL,
     "true", L_NONE, NULL, NULL},
    {"SmartChargingCtrlr", S_STATION, "LimitChangeSignificance", NULL, T_DECIMAL, M_RW,
     "ocpp.LimitChangeSignificance", NULL, L_NONE, NULL, NULL},
    {"SmartChargingCtrlr", S_STATION, "NotifyChargingLimitWithSchedules", NULL, T_BOOLEAN, M_RW,
     "ocpp.NotifyChargingLimitWithSchedules", NULL, L_NONE, NULL, NULL},
    {"SmartChargingCtrlr", S_STATION, "PeriodsPerSchedule", NULL, T_INTEGER, M_RO, NULL, "24",
     L_NONE, NULL, NULL},
    {"SmartChargingCtrlr", S_STATION, "ProfileStackLevel", NULL, T_INTEGER, M_RO, NULL, "8", L_NONE,
     NULL, NULL},
    {"SmartChargingCtrlr", S_STATION, "RateUnit", NULL, T_MEMBER, M_RO, NULL, "A,W", L_NONE, NULL,
     "A,W"},
    /* 2.1 (K01.FR.120): the additional purposes taken, PriorityCharging
     * (K21/K22); not LocalGeneration. Under 2.1 only. */
    {"SmartChargingCtrlr", S_STATION, "SupportedAdditionalPurposes", NULL, T_MEMBER, M_RO, NULL,
     "PriorityCharging", L_NONE, NULL, "PriorityCharging,LocalGeneration"},
    /* block O (display.c): the formats and priorities it takes (2.1's
     * QRCODE too, under 2.1), at most V201_DISPLAY_MAX messages */
    {"DisplayMessageCtrlr", S_STATION, "Available", NULL, T_BOOLEAN, M_RO, NULL, "true", L_NONE,
     NULL, NULL},
    {"DisplayMessageCtrlr", S_STATION, "DisplayMessages", NULL, T_INTEGER, M_RO, NULL, "32", L_NONE,
     NULL, NULL},
    {"DisplayMessageCtrlr", S_STATION, "Enabled", NULL, T_BOOLEAN, M_RO, NULL, "true", L_NONE, NULL,
     NULL},
    {"DisplayMessageCtrlr", S_STATION, "SupportedFormats", NULL, T_MEMBER, M_RO, NULL,
     "ASCII,HTML,URI,UTF8", L_NONE, NULL, "ASCII,HTML,URI,UTF8"},
    {"DisplayMessageCtrlr", S_STATION, "SupportedPriorities", NULL, T_MEMBER, M_RO, NULL,
     "AlwaysFront,InFront,NormalCycle", L_NONE, NULL, "AlwaysFront,InFront,NormalCycle"},
    /* block I (cost.c): the CSMS's cost, in borne's tariff currency (a
     * read-only view); the fallback messages are tariff.* settings the CSMS
     * may set (SetVariables writes through ocpp_keys_change) */
    {"TariffCostCtrlr", S_STATION, "Available", "Cost", T_BOOLEAN, M_RO, NULL, "true", L_NONE, NULL,
     NULL},
    {"TariffCostCtrlr", S_STATION, "Available", "Tariff", T_BOOLEAN, M_RO, NULL, "true", L_NONE,
     NULL, NULL},
    {"TariffCostCtrlr", S_STATION, "Currency", NULL, T_STRING, M_RO, "tariff.currency", NULL,
     L_NONE, NULL, NULL},
    {"TariffCostCtrlr", S_STATION, "Enabled", "Cost", T_BOOLEAN, M_RO, NULL, "true", L_NONE, NULL,
     NULL},
    {"TariffCostCtrlr", S_STATION, "Enabled", "Tariff", T_BOOLEAN, M_RO, NULL, "true", L_NONE, NULL,
     NULL},
    /* 2.1's local cost (cost.c, src/tariff/tariff21.c), names as the OCA
     * 2.1 device model appendix lists them (docs/ocpp21.md): at most
     * T21_MAX_PRICES prices a component, the conditions evaluated,
     * costDetails in the periodic Updated events */
    {"TariffCostCtrlr", S_STATION, "ConditionsSupported", "Tariff", T_BOOLEAN, M_RO, NULL, "true",
     L_NONE, NULL, NULL},
    {"TariffCostCtrlr", S_STATION, "Enabled", "RunningCost", T_BOOLEAN, M_RO, NULL, "true", L_NONE,
     NULL, NULL},
    {"TariffCostCtrlr", S_STATION, "MaxElements", "Tariff", T_INTEGER, M_RO, NULL,
     STR(T21_MAX_PRICES), L_NONE, NULL, NULL},
    {"TariffCostCtrlr", S_STATION, "TariffFallbackMessage", NULL, T_STRING, M_RW,
     "tariff.fallback_message", NULL, L_NONE, NULL, NULL},
    {"TariffCostCtrlr", S_STATION, "TotalCostFallbackMessage", NULL, T_STRING, M_RW,
     "tariff.total_cost_fallback_message", NULL, L_NONE, NULL, NULL},
    /* 2.1 only (spoken()): the running cost updates' interval (I12.FR.02),
     * the conditions evaluated at each meter reading, the message shown
     * offline without a tariff, a driver tariff that could not be taken
     * (I08.FR.37) */
    {"TariffCostCtrlr", S_STATION, "Interval", "Cost", T_INTEGER, M_RW,
     "tariff.running_cost_interval", NULL, L_NONE, "s", NULL},
    /* the station reads each meter every second (station.c meter_timer_cb)
     * and the calculator steps at each reading (cost.c v201_cost_meter) */
    {"TariffCostCtrlr", S_STATION, "Interval", "Tariff", T_INTEGER, M_RO, NULL, "1", L_NONE, "s",
     NULL},
    {"TariffCostCtrlr", S_STATION, "OfflineTariffFallbackMessage", NULL, T_STRING, M_RW,
     "tariff.offline_fallback_message", NULL, L_NONE, NULL, NULL},
    {"TariffCostCtrlr", S_STATION, "Problem", NULL, T_BOOLEAN, M_RO, NULL, NULL, L_TARIFF_PROBLEM,
     NULL, NULL},
    {"ClockCtrlr", S_STATION, "DateTime", NULL, T_DATETIME, M_RO, NULL, NULL, L_DATETIME, NULL,
     NULL},
    {"ClockCtrlr", S_STATION, "TimeAdjustmentReportingThreshold", NULL, T_INTEGER, M_RO, NULL,
     STR(DM_TIME_ADJUSTMENT_THRESHOLD_S), L_NONE, "s", NULL},
    {"ClockCtrlr", S_STATION, "TimeSource", NULL, T_SEQUENCE, M_RO, NULL, "Heartbeat", L_NONE, NULL,
     "Heartbeat,NTP,GPS,RealTimeClock,MobileNetwork,RadioTimeTransmitter"},
    {"DeviceDataCtrlr", S_STATION, "BytesPerMessage", "GetReport", T_INTEGER, M_RO, NULL,
     STR(DM_BYTES_PER_MESSAGE), L_NONE, NULL, NULL},
    {"DeviceDataCtrlr", S_STATION, "BytesPerMessage", "GetVariables", T_INTEGER, M_RO, NULL,
     STR(DM_BYTES_PER_MESSAGE), L_NONE, NULL, NULL},
    {"DeviceDataCtrlr", S_STATION, "BytesPerMessage", "SetVariables", T_INTEGER, M_RO, NULL,
     STR(DM_BYTES_PER_MESSAGE), L_NONE, NULL, NULL},
    {"DeviceDataCtrlr", S_STATION, "ConfigurationValueSize", NULL, T_INTEGER, M_RO, NULL,
     STR(DM_CONFIGURATION_VALUE_SIZE), L_NONE, NULL, NULL},
    {"DeviceDataCtrlr", S_STATION, "ItemsPerMessage", "GetReport", T_INTEGER, M_RO, NULL,
     STR(DM_ITEMS_PER_MESSAGE), L_NONE, NULL, NULL},
    {"DeviceDataCtrlr", S_STATION, "ItemsPerMessage", "GetVariables", T_INTEGER, M_RO, NULL,
     STR(DM_ITEMS_PER_MESSAGE), L_NONE, NULL, NULL},
    {"DeviceDataCtrlr", S_STATION, "ItemsPerMessage", "SetVariables", T_INTEGER, M_RO, NULL,
     STR(DM_ITEMS_PER_MESSAGE), L_NONE, NULL, NULL},
    {"DeviceDataCtrlr", S_STATION, "ReportingValueSize", NULL, T_INTEGER, M_RO, NULL,
     STR(DM_REPORTING_VALUE_SIZE), L_NONE, NULL, NULL},
    {"DeviceDataCtrlr", S_STATION, "ValueSize", NULL, T_INTEGER, M_RO, NULL,
     STR(DM_CONFIGURATION_VALUE_SIZE), L_NONE, NULL, NULL},
    /* block N (monitoring.c): set by SetMonitoringBase / SetMonitoringLevel */
    {"MonitoringCtrlr", S_STATION, "ActiveMonitoringBase", NULL, T_OPTION, M_RO, NULL, NULL,
     L_MONITORING_BASE, NULL, "All,FactoryDefault,HardWiredOnly"},
    {"MonitoringCtrlr", S_STATION, "ActiveMonitoringLevel", NULL, T_INTEGER, M_RO, NULL, NULL,
     L_MONITORING_LEVEL, NULL, NULL},
    {"MonitoringCtrlr", S_STATION, "Available", NULL, T_BOOLEAN, M_RO, NULL, "true", L_NONE, NULL,
     NULL},
    {"MonitoringCtrlr", S_STATION, "BytesPerMessage", "ClearVariableMonitoring", T_INTEGER, M_RO,
     NULL, STR(DM_MONITORING_BYTES_PER_MESSAGE), L_NONE, NULL, NULL},
    {"MonitoringCtrlr", S_STATION, "BytesPerMessage", "SetVariableMonitoring", T_INTEGER, M_RO,
     NULL, STR(DM_MONITORING_BYTES_PER_MESSAGE), L_NONE, NULL, NULL},
    /* false: no monitor is checked, none tells an event (monitoring.c) */
    {"MonitoringCtrlr", S_STATION, "Enabled", NULL, T_BOOLEAN, M_RW, "ocpp.MonitoringEnabled", NULL,
     L_NONE, NULL, NULL},
    {"MonitoringCtrlr", S_STATION, "ItemsPerMessage", "ClearVariableMonitoring", T_INTEGER, M_RO,
     NULL, STR(DM_MONITORING_ITEMS_PER_MESSAGE), L_NONE, NULL, NULL},
    {"MonitoringCtrlr", S_STATION, "ItemsPerMessage", "SetVariableMonitoring", T_INTEGER, M_RO,
     NULL, STR(DM_MONITORING_ITEMS_PER_MESSAGE), L_NONE, NULL, NULL},
    /* N07.FR.04: monitor events queued while offline (monitoring.c) */
    {"MonitoringCtrlr", S_STATION, "OfflineQueuingSeverity", NULL, T_INTEGER, M_RW,
     "ocpp.OfflineQueuingSeverity", NULL, L_NONE, NULL, NULL},
    /* C09/C16: a badge of this group stops any transaction, starts none (authorization.c) */
    {"AuthCtrlr", S_STATION, "MasterPassGroupId", NULL, T_STRING, M_RW, "ocpp.MasterPassGroupId",
     NULL, L_NONE, NULL, NULL},
    /* 2.1 C25 (webpay.c, payment.c): the dynamic QR code of ad hoc payment, one
     * for the station (its URL names the EVSE); the secret is write-only */
    {"WebPaymentsCtrlr", S_STATION, "Available", NULL, T_BOOLEAN, M_RO, NULL, "true", L_NONE, NULL,
     NULL},
    {"WebPaymentsCtrlr", S_STATION, "Enabled", NULL, T_BOOLEAN, M_RW, "ocpp.WebPaymentsEnabled",
     NULL, L_NONE, NULL, NULL},
    {"WebPaymentsCtrlr", S_STATION, "Length", NULL, T_INTEGER, M_RW, "ocpp.WebPaymentsLength", NULL,
     L_NONE, NULL, NULL},
    {"WebPaymentsCtrlr", S_STATION, "SharedSecret", NULL, T_STRING, M_WO,
     "ocpp.WebPaymentsSharedSecret", NULL, L_NONE, NULL, NULL},
    {"WebPaymentsCtrlr", S_STATION, "TOTPVersion", NULL, T_OPTION, M_RW,
     "ocpp.WebPaymentsTOTPVersion", NULL, L_NONE, NULL, "v1"},
    {"WebPaymentsCtrlr", S_STATION, "URLTemplate", NULL, T_STRING, M_RW,
     "ocpp.WebPaymentsURLTemplate", NULL, L_NONE, NULL, NULL},
    {"WebPaymentsCtrlr", S_STATION, "ValidityTime", NULL, T_INTEGER, M_RW,
     "ocpp.WebPaymentsValidityTime", NULL, L_NONE, "s", NULL},
};
#define VAR_COUNT (sizeof vars / sizeof vars[0])

static const char *const status_names[] = {
    "Accepted",      "Rejected", "UnknownComponent", "UnknownVariable", "NotSupportedAttributeType",
    "RebootRequired"};
static const char *const attr_names[] = {"Actual", "Target", "MinSet", "MaxSet"};

const char *dm_status_name(dm_status s) {
  return (unsigned)s < sizeof status_names / sizeof status_names[0] ? status_names[s] : "Rejected";
}

const char *dm_attr_name(dm_attr a) { return (unsigned)a <= DM_MAXSET ? attr_names[a] : "Actual"; }

bool dm_attr_parse(const char *name, dm_attr *out) {
  if (!name) {
    *out = DM_ACTUAL;
    return true;
  }
  for (int i = 0; i <= DM_MAXSET; i++)
    if (!strcmp(name, attr_names[i])) {
      *out = (dm_attr)i;
      return true;
    }
  return false;
}

bool dm_base_parse(const char *name, dm_base *out) {
  static const char *const names[] = {"ConfigurationInventory", "FullInventory",
                                      "SummaryInventory"};
  for (int i = 0; name && i < 3; i++)
    if (!strcmp(name, names[i])) {
      *out = (dm_base)i;
      return true;
    }
  return false;
}

/* ---------- where a component is ---------- */

static int evse_count(const dm_ctx *c) {
  int n = c->live ? c->live->evse_count : 0;
  return n < 0 ? 0 : n > BORNE_MAX_CONNECTORS ? BORNE_MAX_CONNECTORS : n;
}

/* Does the reference's place (evse, connector) fit a component of scope sc? */
static bool place_ok(const dm_ctx *c, scope sc, int evse, int connector) {
  switch (sc) {
  case S_STATION:
    return evse == 0 && connector == 0;
  case S_EVSE:
    return evse >= 1 && evse <= evse_count(c) && connector == 0;
  case S_CONNECTOR:
    return evse >= 1 && evse <= evse_count(c) && connector == 1;
  }
  return false;
}

static bool same(const char *a, const char *b) { /* CiString: any case; NULL only matches NULL */
  if (!a || !b) return a == b;
  return strcasecmp(a, b) == 0;
}

/* Is row v in the model of the version spoken? The components and
 * variables only OCPP 2.1 has are not there under 2.0.1. */
static bool spoken(const dm_ctx *c, const dm_var *v) {
  bool only21 =
      !strcmp(v->component, "WebPaymentsCtrlr") ||
      !strcmp(v->variable, "SupportedAdditionalPurposes") ||
      (!strcmp(v->component, "TxCtrlr") &&
       (!strcmp(v->variable, "ResumptionTimeout") ||
        !strcmp(v->variable, "AllowEnergyTransferResumption") ||
        !strcmp(v->variable, "EnergyTransferResumptionRandomRange") ||
        !strcmp(v->variable, "SupportedLimits"))) ||
      (!strcmp(v->component, "TariffCostCtrlr") &&
       (!strcmp(v->variable, "Interval") || !strcmp(v->variable, "OfflineTariffFallbackMessage") ||
        !strcmp(v->variable, "Problem")));
  return !only21 || (c->live && c->live->v21);
}

/* The row of a reference, or why there is none. */
static dm_status find(const dm_ctx *c, const dm_ref *ref, const dm_var **out) {
  bool component = false;
  *out = NULL;
  if (!ref->component || !ref->variable || ref->component_instance) return DM_UNKNOWN_COMPONENT;
  for (size_t i = 0; i < VAR_COUNT; i++) {
    const dm_var *v = &vars[i];
    if (!spoken(c, v) || !same(v->component, ref->component) ||
        !place_ok(c, v->sc, ref->evse, ref->connector))
      continue;
    component = true;
    if (same(v->variable, ref->variable) && same(v->instance, ref->variable_instance)) {
      *out = v;
      return DM_ACCEPTED;
    }
  }
  return component ? DM_UNKNOWN_VARIABLE : DM_UNKNOWN_COMPONENT;
}

/* ---------- values ---------- */

static const char *state_of(const dm_ctx *c, int evse) {
  if (evse >= 1 && evse <= evse_count(c))
    return c->live->evse_state[evse - 1] ? c->live->evse_state[evse - 1] : "Unavailable";
  /* the station: Faulted or Unavailable when every EVSE is; Occupied when none is free */
  int n = evse_count(c), available = 0, unavailable = 0, faulted = 0, reserved = 0;
  for (int e = 1; e <= n; e++) {
    const char *s = state_of(c, e);
    available += !strcmp(s, "Available");
    unavailable += !strcmp(s, "Unavailable");
    faulted += !strcmp(s, "Faulted");
    reserved += !strcmp(s, "Reserved");
  }
  if (n == 0 || unavailable == n) return "Unavailable";
  if (faulted == n) return "Faulted";
  if (available) return "Available";
  if (reserved) return "Reserved";
  return "Occupied";
}

static long connector_int(const dm_ctx *c, int evse, const char *what) {
  char key[64];
  snprintf(key, sizeof key, "connector.%d.%s", evse, what);
  return config_get_int(c->cfg, key);
}

static int phases_of(const dm_ctx *c, int evse) {
  if (evse >= 1) return (int)connector_int(c, evse, "phases");
  int most = 0;
  for (int e = 1; e <= evse_count(c); e++)
    if (connector_int(c, e, "phases") > most) most = (int)connector_int(c, e, "phases");
  return most;
}

/* EVSE Power MaxSet: the installer's current at the nominal 230 V per phase. */
static double max_power(const dm_ctx *c, int evse) {
  return (double)config_selector_amps(c->cfg, evse) * phases_of(c, evse) * 230.0;
}

static void live_value(const dm_ctx *c, const dm_var *v, int evse, dm_attr attr, char *out,
                       size_t len) {
  const dm_live *l = c->live;
  switch (v->live) {
  case L_STATE:
    snprintf(out, len, "%s", state_of(c, evse));
    return;
  case L_AVAILABLE:
    snprintf(out, len, "%s", strcmp(state_of(c, evse), "Unavailable") ? "true" : "false");
    return;
  case L_PHASES:
    snprintf(out, len, "%d", phases_of(c, evse));
    return;
  case L_POWER: {
    double w =
        attr == DM_MAXSET ? max_power(c, evse) : (evse >= 1 && l ? l->evse_power_w[evse - 1] : 0.0);
    if (!isfinite(w)) w = 0;
    snprintf(out, len, "%.1f", w);
    return;
  }
  case L_CONNECTOR_TYPE:
    snprintf(out, len, "%s", v201_connector_type(c->cfg, evse));
    return;
  case L_DATETIME:
    timefmt_iso(l ? l->now_ms : 0, out, len);
    return;
  case L_LOCAL_ENTRIES:
    snprintf(out, len, "%d", l ? l->local_list_entries : 0);
    return;
  case L_LIST_STORAGE:
    snprintf(out, len, "%ld", l ? l->local_list_bytes : 0);
    return;
  case L_CACHE_STORAGE:
    snprintf(out, len, "%ld", l ? l->auth_cache_bytes : 0);
    return;
  case L_CERT_ENTRIES:
    snprintf(out, len, "%d", l ? l->certificate_entries : 0);
    return;
  case L_PROFILE_ENTRIES:
    snprintf(out, len, "%d", l ? l->charging_profiles : 0);
    return;
  case L_AUTH_ENABLED: {
    const char *mode = config_get(c->cfg, "auth.mode");
    snprintf(out, len, "%s", mode && strcmp(mode, "free") ? "true" : "false");
    return;
  }
  case L_BACKOFF_RANGE: /* up to 50 % of the wait, which doubles up to reconnect_max_s */
    snprintf(out, len, "%ld", config_get_int(c->cfg, "ocpp.reconnect_max_s") / 2);
    return;
  case L_BACKOFF_REPEAT: { /* doublings from 1 s before the wait stops growing */
    long max = config_get_int(c->cfg, "ocpp.reconnect_max_s"), n = 0;
    for (long w = 1; w < max && n < 64; w *= 2) n++;
    snprintf(out, len, "%ld", n);
    return;
  }
  case L_NETWORK_SLOT:
    snprintf(out, len, "%d", l && l->network_slot ? l->network_slot : 1);
    return;
  case L_SECURITY_PROFILE:
    snprintf(out, len, "%ld",
             l && l->security_profile >= 0 ? (long)l->security_profile
                                           : config_get_int(c->cfg, "ocpp.security_profile"));
    return;
  case L_MONITORING_BASE:
    snprintf(out, len, "%s", l && l->monitoring_base ? l->monitoring_base : "All");
    return;
  case L_MONITORING_LEVEL:
    snprintf(out, len, "%d", l && l->monitoring_base ? l->monitoring_level : 9);
    return;
  case L_AC_CURRENT:
  case L_TEMPERATURE: {
    const double *per_evse = v->live == L_AC_CURRENT ? (l ? l->evse_current_a : NULL)
                                                     : (l ? l->evse_temperature_c : NULL);
    double x = evse >= 1 && per_evse ? per_evse[evse - 1] : 0.0;
    snprintf(out, len, "%.1f", isfinite(x) ? x : 0.0);
    return;
  }
  case L_TARIFF_PROBLEM:
    snprintf(out, len, "%s", l && l->tariff_problem ? "true" : "false");
    return;
  case L_NONE:
    break;
  }
  out[0] = 0;
}

/* The attributes a row has: Actual, and MaxSet for EVSE Power. */
static bool has_attr(const dm_var *v, dm_attr a) {
  return a == DM_ACTUAL || (a == DM_MAXSET && v->live == L_POWER);
}

static void value_of(const dm_ctx *c, const dm_var *v, int evse, dm_attr attr, char *out,
                     size_t len) {
  if (v->fixed)
    snprintf(out, len, "%s", v->fixed);
  else if (v->key) {
    const char *x = config_get(c->cfg, v->key);
    snprintf(out, len, "%s", x ? x : "");
  } else
    live_value(c, v, evse, attr, out, len);
}

dm_status dm_get(const dm_ctx *c, const dm_ref *ref, dm_attr attr, char *out, size_t outlen) {
  const dm_var *v;
  if (outlen) out[0] = 0;
  dm_status s = find(c, ref, &v);
  if (s != DM_ACCEPTED) return s;
  if (!has_attr(v, attr)) return DM_NOT_SUPPORTED_ATTRIBUTE_TYPE;
  if (v->mut == M_WO) return DM_REJECTED;
  char buf[DM_REPORTING_VALUE_SIZE + 1];
  value_of(c, v, ref->evse, attr, buf, sizeof buf);
  snprintf(out, outlen, "%s", buf);
  return DM_ACCEPTED;
}

/* ---------- SetVariables ---------- */

static bool in_list(const char *list, const char *item, size_t n) {
  for (const char *p = list; p && *p;) {
    const char *e = strchr(p, ',');
    size_t m = e ? (size_t)(e - p) : strlen(p);
    if (m == n && strncmp(p, item, n) == 0) return true;
    p = e ? e + 1 : NULL;
  }
  return false;
}

/* 0, or -1 with why: the value is of the row's data type (and in its list). */
static int check_type(const dm_var *v, const char *value, char *why, size_t len) {
  switch (v->type) {
  case T_INTEGER: {
    char *end;
    errno = 0;
    long long x = strtoll(value, &end, 10);
    (void)x;
    if (!value[0] || *end || errno || value[0] == '+' || value[0] == ' ') {
      snprintf(why, len, "not an integer");
      return -1;
    }
    return 0;
  }
  case T_DECIMAL: {
    char *end;
    double x = strtod(value, &end);
    if (!value[0] || *end || !isfinite(x)) {
      snprintf(why, len, "not a decimal number");
      return -1;
    }
    return 0;
  }
  case T_BOOLEAN:
    if (strcmp(value, "true") && strcmp(value, "false")) {
      snprintf(why, len, "not true or false");
      return -1;
    }
    return 0;
  case T_OPTION:
    if (!in_list(v->values, value, strlen(value))) {
      snprintf(why, len, "not one of %s", v->values);
      return -1;
    }
    return 0;
  case T_MEMBER:
  case T_SEQUENCE:
    for (const char *p = value; *p;) {
      const char *e = strchr(p, ',');
      size_t n = e ? (size_t)(e - p) : strlen(p);
      if (!in_list(v->values, p, n)) {
        snprintf(why, len, "a member is not one of %s", v->values);
        return -1;
      }
      p = e ? e + 1 : p + n;
      if (e && !*p) {
        snprintf(why, len, "an empty member");
        return -1;
      }
    }
    return 0;
  case T_STRING:
  case T_DATETIME:
    break;
  }
  return 0;
}

dm_status dm_set_check(const dm_ctx *c, const dm_ref *ref, dm_attr attr, const char *value,
                       const char **ocpp_name, char *why, size_t whylen) {
  const dm_var *v;
  *ocpp_name = NULL;
  if (whylen) why[0] = 0;
  dm_status s = find(c, ref, &v);
  if (s != DM_ACCEPTED) return s;
  if (!has_attr(v, attr)) return DM_NOT_SUPPORTED_ATTRIBUTE_TYPE;
  const cfg_key_def *def = v->key ? config_key_def(v->key) : NULL;
  if (v->mut == M_RO || attr != DM_ACTUAL || !def || !def->ocpp_name) {
    snprintf(why, whylen, "read-only");
    return DM_REJECTED;
  }
  if (!value || strlen(value) > DM_CONFIGURATION_VALUE_SIZE) {
    snprintf(why, whylen, "too long");
    return DM_REJECTED;
  }
  if (check_type(v, value, why, whylen) != 0) return DM_REJECTED;
  *ocpp_name = def->ocpp_name;
  return DM_ACCEPTED;
}

/* ---------- reports ---------- */

static json_t *component_json(const dm_var *v, int evse) {
  json_t *o = json_pack("{s:s}", "name", v->component);
  if (v->sc == S_EVSE) json_object_set_new(o, "evse", json_pack("{s:i}", "id", evse));
  if (v->sc == S_CONNECTOR)
    json_object_set_new(o, "evse", json_pack("{s:i, s:i}", "id", evse, "connectorId", 1));
  return o;
}

static json_t *item_json(const dm_ctx *c, const dm_var *v, int evse) {
  json_t *var = json_pack("{s:s}", "name", v->variable);
  if (v->instance) json_object_set_new(var, "instance", json_string(v->instance));
  json_t *attrs = json_array();
  for (int a = DM_ACTUAL; a <= DM_MAXSET; a++) {
    if (!has_attr(v, (dm_attr)a)) continue;
    json_t *at =
        json_pack("{s:s, s:s, s:b, s:b}", "type", attr_names[a], "mutability", mut_names[v->mut],
                  "persistent", v->live == L_NONE, "constant", v->fixed != NULL);
    if (v->mut != M_WO) {
      char buf[DM_REPORTING_VALUE_SIZE + 1];
      value_of(c, v, evse, (dm_attr)a, buf, sizeof buf);
      json_object_set_new(at, "value", json_string(buf));
    }
    json_array_append_new(attrs, at);
  }
  json_t *ch =
      json_pack("{s:s, s:b}", "dataType", dtype_names[v->type], "supportsMonitoring", false);
  if (v->unit) json_object_set_new(ch, "unit", json_string(v->unit));
  if (v->values) json_object_set_new(ch, "valuesList", json_string(v->values));
  const cfg_key_def *def = v->key ? config_key_def(v->key) : NULL;
  if (def && def->type == CFG_INT && def->min < def->max && !def->choices) {
    json_object_set_new(ch, "minLimit", json_real(def->min));
    json_object_set_new(ch, "maxLimit", json_real(def->max));
  }
  if (def && def->type == CFG_STRING && def->max > 0)
    json_object_set_new(ch, "maxLimit", json_real(def->max)); /* a string's: its length */
  if (v->live == L_POWER) json_object_set_new(ch, "maxLimit", json_real(max_power(c, evse)));
  /* LocalAuthListCtrlr.Entries: "the maxLimit of this variable SHALL be provided" */
  long list_max = config_get_int(c->cfg, "ocpp.LocalAuthListMaxLength");
  if (v->live == L_LOCAL_ENTRIES) json_object_set_new(ch, "maxLimit", json_real((double)list_max));
  if (v->live == L_LIST_STORAGE)
    json_object_set_new(ch, "maxLimit", json_real((double)list_max * CP_AUTH_LIST_ENTRY_MAX_BYTES));
  if (v->live == L_CACHE_STORAGE)
    json_object_set_new(ch, "maxLimit",
                        json_real((double)CP_AUTH_CACHE_MAX * CP_AUTH_ENTRY_MAX_BYTES));
  return json_pack("{s:o, s:o, s:o, s:o}", "component", component_json(v, evse), "variable", var,
                   "variableAttribute", attrs, "variableCharacteristics", ch);
}

/* Does a GetReport componentVariable entry select row v at evse? */
static bool cv_matches(const json_t *cv, const dm_var *v, int evse) {
  const json_t *comp = json_object_get(cv, "component");
  if (!same(json_string_value(json_object_get(comp, "name")), v->component)) return false;
  if (json_object_get(comp, "instance")) return false; /* no component of ours has one */
  const json_t *ev = json_object_get(comp, "evse");
  if (ev) {
    if (v->sc == S_STATION || json_integer_value(json_object_get(ev, "id")) != evse) return false;
    const json_t *conn = json_object_get(ev, "connectorId");
    if (conn && (v->sc != S_CONNECTOR || json_integer_value(conn) != 1)) return false;
  }
  const json_t *var = json_object_get(cv, "variable");
  if (!var) return true;
  if (!same(json_string_value(json_object_get(var, "name")), v->variable)) return false;
  const json_t *inst = json_object_get(var, "instance");
  return !inst || same(json_string_value(inst), v->instance);
}

/* componentCriteria: the component (at this evse) has the variable named by
 * one of the criteria (Active, Available, Enabled, Problem) and it is true. */
static bool criteria_match(const dm_ctx *c, const json_t *criteria, const dm_var *v, int evse) {
  size_t i;
  const json_t *cr;
  json_array_foreach(criteria, i, cr) {
    dm_ref ref = {.component = v->component,
                  .evse = v->sc == S_STATION ? 0 : evse,
                  .connector = v->sc == S_CONNECTOR ? 1 : 0,
                  .variable = json_string_value(cr)};
    char value[16];
    if (dm_get(c, &ref, DM_ACTUAL, value, sizeof value) == DM_ACCEPTED && !strcmp(value, "true"))
      return true;
  }
  return false;
}

static bool selected(const dm_ctx *c, dm_base base, const json_t *request, const dm_var *v,
                     int evse) {
  if (!spoken(c, v)) return false;
  if (!request) {
    if (base == DM_BASE_CONFIGURATION) return v->mut != M_RO;
    if (base == DM_BASE_SUMMARY) return v->live == L_STATE;
    return true;
  }
  const json_t *cvs = json_object_get(request, "componentVariable");
  const json_t *criteria = json_object_get(request, "componentCriteria");
  if (json_array_size(cvs)) {
    bool any = false;
    size_t i;
    const json_t *cv;
    json_array_foreach(cvs, i, cv) any = any || cv_matches(cv, v, evse);
    if (!any) return false;
  }
  return !json_array_size(criteria) || criteria_match(c, criteria, v, evse);
}

json_t *dm_report(const dm_ctx *c, dm_base base, const json_t *request) {
  json_t *items = json_array();
  int n = evse_count(c);
  /* the station's components first, then each EVSE with its connector */
  for (size_t i = 0; i < VAR_COUNT; i++)
    if (vars[i].sc == S_STATION && selected(c, base, request, &vars[i], 0))
      json_array_append_new(items, item_json(c, &vars[i], 0));
  for (int e = 1; e <= n; e++)
    for (size_t i = 0; i < VAR_COUNT; i++)
      if (vars[i].sc != S_STATION && selected(c, base, request, &vars[i], e))
        json_array_append_new(items, item_json(c, &vars[i], e));
  return items;
}

static size_t json_size(const json_t *j) {
  char *s = json_dumps(j, JSON_COMPACT);
  size_t n = s ? strlen(s) : 0;
  free(s);
  return n;
}

static json_t *new_page(int request_id, const char *generated_at, int seq) {
  return json_pack("{s:i, s:s, s:i, s:b}", "requestId", request_id, "generatedAt", generated_at,
                   "seqNo", seq, "tbc", false);
}

json_t *dm_report_pages(const json_t *items, int request_id, const char *generated_at,
                        size_t max_bytes) {
  json_t *pages = json_array();
  json_t *page = new_page(request_id, generated_at, 0);
  json_t *data = json_array();
  size_t bytes = json_size(page) + 20;
  size_t i;
  const json_t *it;
  json_array_foreach(items, i, it) {
    size_t sz = json_size(it) + 1;
    if (json_array_size(data) &&
        (json_array_size(data) >= DM_REPORT_ITEMS_PER_MESSAGE || bytes + sz > max_bytes)) {
      json_object_set_new(page, "reportData", data);
      json_object_set_new(page, "tbc", json_true());
      json_array_append_new(pages, page);
      page = new_page(request_id, generated_at, (int)json_array_size(pages));
      data = json_array();
      bytes = json_size(page) + 20;
    }
    json_array_append(data, (json_t *)it);
    bytes += sz;
  }
  if (json_array_size(data))
    json_object_set_new(page, "reportData", data);
  else
    json_decref(data);
  json_array_append_new(pages, page);
  return pages;
}

size_t dm_variable_count(const dm_ctx *c) {
  size_t n = 0;
  for (size_t i = 0; i < VAR_COUNT; i++)
    if (spoken(c, &vars[i])) n += vars[i].sc == S_STATION ? 1 : (size_t)evse_count(c);
  return n;
}

dm_ref dm_ref_of(const json_t *item) {
  const json_t *comp = json_object_get(item, "component");
  const json_t *var = json_object_get(item, "variable");
  const json_t *evse = json_object_get(comp, "evse");
  return (dm_ref){
      .component = json_string_value(json_object_get(comp, "name")),
      .component_instance = json_string_value(json_object_get(comp, "instance")),
      .evse = evse ? (int)json_integer_value(json_object_get(evse, "id")) : 0,
      .connector = evse ? (int)json_integer_value(json_object_get(evse, "connectorId")) : 0,
      .variable = json_string_value(json_object_get(var, "name")),
      .variable_instance = json_string_value(json_object_get(var, "instance")),
  };
}
