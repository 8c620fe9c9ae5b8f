/*
 * The OCPP configuration keys, in one place (see ocpp_keys.h): the ocpp
 * module's key table, handed to the registry (config/config_tables.h), and
 * ChangeConfiguration / GetConfiguration, which walk the registry.
 *
 * OCPP 1.6 configuration keys are borne settings named `ocpp.<OcppKey>`
 * (ocpp.HeartbeatInterval...): ChangeConfiguration, the settings API and
 * the config file all write the same value. A few OCPP keys are other borne
 * settings (ConnectionTimeOut is auth.timeout_s, SecurityProfile is
 * ocpp.security_profile, NumberOfConnectors is station.connectors): the
 * registry row of each says so (ocpp_name). Defaults and ranges follow OCPP
 * 1.6 edition 2 section 9.
 */
#include "ocpp/ocpp_keys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ocpp/ocpp16_measurands.h"
#include "ocpp/ocpp_network.h"
#include "ocpp/ocpp_version.h"
#include "ocpp/v201/txpoints.h"
#include "ocpp/v201/webpay.h"
#include "util/log.h"

#define MOD "ocpp"

static int check_url(const char *v, char *why, size_t len) {
  if (v[0] && strncmp(v, "ws://", 5) != 0 && strncmp(v, "wss://", 6) != 0) {
    snprintf(why, len, "`%s` must start with ws:// or wss://", v);
    return -1;
  }
  if (strchr(v, ' ')) {
    snprintf(why, len, "a URL has no spaces");
    return -1;
  }
  return 0;
}

/* A comma-separated list of names (the measurands themselves are checked
 * against OCPP 1.6 by the ocpp module, which answers ChangeConfiguration). */
static int check_csl(const char *v, char *why, size_t len) {
  for (const char *p = v; *p; p++) {
    bool ok = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              *p == '.' || *p == ',' || *p == '_' || *p == '-';
    if (!ok) {
      snprintf(why, len, "a comma-separated list of names, without spaces");
      return -1;
    }
  }
  return 0;
}

/* AuthorizationKey: the Security whitepaper's 16 to 40 bytes, printable. A
 * ':' is allowed: HTTP Basic splits user and password at the first one
 * (RFC 7617), and 2.0.1's passwordString has it (device_model_calls.c). */
static int check_auth_key(const char *v, char *why, size_t len) {
  size_t n = strlen(v);
  if (n && (n < 16 || n > 40)) {
    snprintf(why, len, "16 to 40 characters");
    return -1;
  }
  for (const char *p = v; *p; p++)
    if (*p <= ' ' || *p > '~') {
      snprintf(why, len, "printable ASCII without spaces");
      return -1;
    }
  return 0;
}

static int check_phase_rotation(const char *v, char *why, size_t len) {
  if (!strcmp(v, "NotApplicable") || !strcmp(v, "Unknown")) return 0;
  return check_csl(v, why, len);
}

/* OCPPCommCtrlr.NetworkConfigurationPriority: configuration slots in order. */
static int check_net_priority(const char *v, char *why, size_t len) {
  int slots[OCPP_NET_SLOTS];
  return ocpp_net_priority_parse(v, slots, why, len) < 0 ? -1 : 0;
}

/* A version or a list of versions borne speaks (ocpp_version.h), offered
 * to the back end in that order (ocpp_module.c speaks the one it picks). */
static int check_version_list(const char *v, char *why, size_t len) {
  const ocpp_dialect *list[OCPP_VERSIONS_MAX];
  size_t n;
  return ocpp_version_list_parse(v, true, list, &n, why, len);
}

/* OCPP 2.0.1 TxCtrlr.TxStartPoint / TxStopPoint: lists of the points of
 * part 2 (E01/E06) an AC badge station has (ocpp/v201/txpoints.h). */
static int check_tx_points(const char *v, char *why, size_t len) {
  unsigned m;
  return v201_txp_parse(v, &m, why, len);
}

/* WebPaymentsCtrlr (OCPP 2.1 C25, webpay.h): the URL template and the shared secret. */
static int check_web_template(const char *v, char *why, size_t len) {
  return !v[0] || webpay_template_ok(v, why, len) ? 0 : -1;
}

static int check_web_secret(const char *v, char *why, size_t len) {
  if (!v[0] || webpay_secret_ok(v)) return 0;
  snprintf(why, len, "%d to %d printable characters without spaces", WEBPAY_SECRET_MIN,
           WEBPAY_SECRET_MAX);
  return -1;
}

#define RT CFG_RUNTIME /* may change at run time */

static const cfg_key_def rows[] = {
    /* connection */
    {"ocpp.url", CFG_STRING, "", 0, 500, NULL, RT,
     "Central system endpoint; the charge point id (station.id) is appended as the last path "
     "segment. Empty: no back end. `borned --csms URL` sets it.",
     "ws://host:port/path or wss://...", check_url},
    {"ocpp.version", CFG_STRING, "1.6", 0, 40, NULL, false,
     "OCPP versions offered to the back end as WebSocket subprotocols (OCPP-J), in order of "
     "preference: 1.6 (ocpp1.6), 2.0.1 (ocpp2.0.1, docs/ocpp201.md), 2.1 (ocpp2.1, "
     "docs/ocpp21.md) or a list such as 2.1,2.0.1,1.6. The station speaks the one the server "
     "picks (status: ocpp.version) and keeps its sessions, queue and badges across a change.",
     "1.6 | 2.0.1 | 2.1 | 2.1,2.0.1,1.6", check_version_list},
    {"ocpp.security_profile", CFG_INT, "0", 0, 3, NULL, RT,
     "OCPP security profile: 0 none, 1 HTTP Basic (ocpp.AuthorizationKey), 2 TLS + Basic with "
     "the server certificate checked against ocpp.ca_file, 3 TLS with a client certificate "
     "(ocpp.cert_file, ocpp.key_file). Also the OCPP key SecurityProfile (can only be raised).",
     NULL, NULL, .ocpp_name = "SecurityProfile"},
    {"ocpp.ca_file", CFG_STRING, "", 0, 400, NULL, RT,
     "PEM file of the CA(s) that sign the central system's certificate (profiles 2, 3). Empty: "
     "the system's CA store. Every certificate in it is trusted as given, a root or an "
     "intermediate (OpenSSL's partial chains, as curl does).",
     "absolute path", config_check_abs_or_empty},
    {"ocpp.cert_file", CFG_STRING, "", 0, 400, NULL, RT,
     "PEM client certificate of the charge point (profile 3).", "absolute path",
     config_check_abs_or_empty},
    {"ocpp.key_file", CFG_STRING, "", 0, 400, NULL, RT,
     "PEM private key of the client certificate (profile 3).", "absolute path",
     config_check_abs_or_empty},
    {"ocpp.AuthorizationKey", CFG_STRING, "", 0, 40, NULL, RT | CFG_SECRET,
     "HTTP Basic password of security profiles 1 and 2, as sent (the OCPP key AuthorizationKey, "
     "write-only over OCPP; OCPP 1.6 ChangeConfiguration sends it hex-encoded, 32 to 40 "
     "hexadecimal digits, kept decoded).",
     "16 to 40 printable characters", check_auth_key, .ocpp_name = "AuthorizationKey"},
    {"ocpp.NetworkConfigurationPriority", CFG_STRING, "1", 0, 20, NULL, RT,
     "OCPP 2.0.1 OCPPCommCtrlr.NetworkConfigurationPriority: the configuration slots of the "
     "network connection profiles, in the order the station tries them (slot 1 is ocpp.url and "
     "the ocpp.* security keys; slots 2-4 are set by the back end with SetNetworkProfile). Read "
     "at the start and after the connection is lost; a slot without a profile is skipped.",
     "comma-separated slots 1-4, e.g. 2,1", check_net_priority,
     .ocpp_name = "NetworkConfigurationPriority"},
    {"ocpp.NetworkProfileConnectionAttempts", CFG_INT, "3", 1, 100, NULL, RT,
     "OCPP 2.0.1 OCPPCommCtrlr.NetworkProfileConnectionAttempts: failed connection attempts on "
     "one slot of ocpp.NetworkConfigurationPriority before the station tries the next (after "
     "the last, the first again).",
     NULL, NULL, .ocpp_name = "NetworkProfileConnectionAttempts"},
    {"ocpp.AlignedDataSendDuringIdle", CFG_BOOL, "false", 0, 0, NULL, RT,
     "OCPP 2.0.1 AlignedDataCtrlr.SendDuringIdle: clock-aligned meter values "
     "(ocpp.ClockAlignedDataInterval) only for EVSEs without a transaction, none in "
     "TransactionEvent.",
     NULL, NULL, .ocpp_name = "AlignedDataSendDuringIdle"},
    {"ocpp.AlignedDataTxEndedInterval", CFG_INT, "0", 0, 86400, NULL, RT,
     "OCPP 2.0.1 AlignedDataCtrlr.TxEndedInterval: seconds between the clock-aligned instants "
     "(from midnight UTC) at which a transaction keeps the ocpp.StopTxnAlignedData measurands "
     "for its TransactionEvent Ended (context Sample.Clock); 0 = none.",
     NULL, NULL, .ocpp_name = "AlignedDataTxEndedInterval"},
    {"ocpp.SampledDataTxEndedInterval", CFG_INT, "0", 0, 86400, NULL, RT,
     "OCPP 2.0.1 SampledDataCtrlr.TxEndedInterval: seconds, from the start of a transaction, "
     "between the readings of the ocpp.StopTxnSampledData measurands it keeps for its "
     "TransactionEvent Ended (context Sample.Periodic); 0 = none (the Ended has the "
     "Transaction.End values only).",
     NULL, NULL, .ocpp_name = "SampledDataTxEndedInterval"},
    {"ocpp.call_timeout_s", CFG_INT, "30", 5, 300, NULL, RT,
     "Seconds the station waits for the answer to one of its calls before it counts as failed.",
     NULL, NULL},
    {"ocpp.reconnect_max_s", CFG_INT, "60", 2, 3600, NULL, RT,
     "Longest wait between two connection attempts (the back-off doubles from 1 s up to this, "
     "plus up to 50 % random jitter).",
     NULL, NULL},
    {"ocpp.free_id_tag", CFG_STRING, "FREECHARGING", 0, 20, NULL, RT,
     "idTag reported for a session started without a badge (auth.mode=free, remote start "
     "without a tag); an OCPP idTag is a CiString20.",
     NULL, NULL},
    {"auth.offline_local_badges", CFG_BOOL, "true", 0, 0, NULL, RT,
     "With auth.mode=ocpp: the station's own badge list also authorizes while the back end is "
     "unreachable (it is ignored while connected).",
     NULL, NULL},
    {"ocpp.CpoName", CFG_STRING, "", 0, 64, NULL, RT,
     "OCPP key CpoName (Security whitepaper): the operator's name expected in its certificate "
     "(the organizationName of a certificate is at most 64 characters, RFC 5280).",
     NULL, NULL, .ocpp_name = "CpoName"},
    {"ocpp.AdditionalRootCertificateCheck", CFG_BOOL, "false", 0, 0, NULL, RT | CFG_OCPP_READONLY,
     "OCPP key AdditionalRootCertificateCheck (security whitepaper; 2.0.1 "
     "SecurityCtrlr.AdditionalRootCertificateCheck), read-only for the back end. true: one CSMS "
     "root at a time; a new one installed by the back end must be signed by the installed one, "
     "which it replaces once a connection verified with it succeeds (kept as the fallback until "
     "then, and used again when the server's certificate does not verify with the new one).",
     NULL, NULL, .ocpp_name = "AdditionalRootCertificateCheck"},
    {"ocpp.CertSigningWaitMinimum", CFG_INT, "60", 1, 86400, NULL, RT,
     "OCPP 2.0.1 SecurityCtrlr.CertSigningWaitMinimum: seconds the station waits for "
     "CertificateSigned after its SignCertificate was accepted before it asks again (the wait "
     "doubles at each attempt).",
     NULL, NULL, .ocpp_name = "CertSigningWaitMinimum"},
    {"ocpp.CertSigningRepeatTimes", CFG_INT, "3", 0, 100, NULL, RT,
     "OCPP 2.0.1 SecurityCtrlr.CertSigningRepeatTimes: times SignCertificate is sent again when "
     "no CertificateSigned follows.",
     NULL, NULL, .ocpp_name = "CertSigningRepeatTimes"},
    {"ocpp.OfflineQueuingSeverity", CFG_INT, "4", 0, 9, NULL, RT,
     "OCPP 2.0.1 MonitoringCtrlr.OfflineQueuingSeverity: while the back end is unreachable, the "
     "NotifyEvent of a variable monitor of this severity or a more serious one (0 Danger ... 4 "
     "Error ... 9 Debug) is queued on disk and sent once it is back; the others are not told "
     "(N07.FR.04).",
     NULL, NULL, .ocpp_name = "OfflineQueuingSeverity"},
    {"ocpp.MonitoringEnabled", CFG_BOOL, "true", 0, 0, NULL, RT,
     "OCPP 2.0.1 MonitoringCtrlr.Enabled: false stops the variable monitors (the back end's and "
     "the station's own): none is checked and none tells an event until it is true again; they "
     "are kept, and SetVariableMonitoring, GetMonitoringReport and the others still work. The "
     "faults are told as before (hard-wired notifications, not monitors).",
     NULL, NULL, .ocpp_name = "MonitoringEnabled"},
    {"ocpp.MasterPassGroupId", CFG_STRING, "", 0, 36, NULL, RT,
     "OCPP 2.0.1 AuthCtrlr.MasterPassGroupId: a badge whose group (groupIdToken) is this one is "
     "a master pass: it stops any transaction and starts none (C16). Empty: none.",
     NULL, NULL, .ocpp_name = "MasterPassGroupId"},
    {"ocpp.AuthCacheLifeTime", CFG_INT, "0", 0, 31536000, NULL, RT,
     "OCPP 2.0.1 AuthCacheCtrlr.LifeTime: seconds after which an authorization cache entry that "
     "was neither answered by the back end nor used to decide a badge is removed (one cache for "
     "OCPP 1.6 and 2.0.1: both apply it). 0: no limit (an entry lives until its expiry date, or "
     "until 1 000 newer ones push it out).",
     NULL, NULL, .ocpp_name = "AuthCacheLifeTime"},
    {"ocpp.OfflineThreshold", CFG_INT, "0", 0, 604800, NULL, RT,
     "OCPP 2.0.1 OCPPCommCtrlr.OfflineThreshold: seconds without the back end after which the "
     "station sends every EVSE's status once it is back; after a shorter outage only the "
     "statuses that changed (B04). 0: every status after each reconnection.",
     NULL, NULL, .ocpp_name = "OfflineThreshold"},
    {"ocpp.AllowSecurityProfileDowngrade", CFG_BOOL, "false", 0, 0, NULL, RT,
     "OCPP 2.0.1 SecurityCtrlr.AllowSecurityProfileDowngrade: under security profile 3 the back "
     "end may set a network connection profile (or a priority) of profile 2; never 1 (B09.FR.04).",
     NULL, NULL, .ocpp_name = "AllowSecurityProfileDowngrade"},
    {"ocpp.TxStartPoint", CFG_STRING, "PowerPathClosed", 0, 100, NULL, RT,
     "OCPP 2.0.1 TxCtrlr.TxStartPoint: when a transaction starts, a list of EVConnected, "
     "Authorized, PowerPathClosed, EnergyTransfer (the first point reached). borne's session "
     "(shared with OCPP 1.6) starts once the car is plugged in and the driver authorized: the "
     "first three start the transaction then, EnergyTransfer alone at the first energy flow (E01).",
     "a list of EVConnected, Authorized, PowerPathClosed, EnergyTransfer", check_tx_points,
     .ocpp_name = "TxStartPoint"},
    {"ocpp.TxStopPoint", CFG_STRING, "EVConnected,Authorized", 0, 100, NULL, RT,
     "OCPP 2.0.1 TxCtrlr.TxStopPoint: when a transaction ends, a list of EVConnected, "
     "Authorized, PowerPathClosed, EnergyTransfer (the first that stops being true). borne's "
     "session ends when the car leaves or the driver stops it; with EVConnected alone the "
     "transaction runs on after a stop until the car leaves, with EnergyTransfer it ends when the "
     "energy stops flowing (E06).",
     "a list of EVConnected, Authorized, PowerPathClosed, EnergyTransfer", check_tx_points,
     .ocpp_name = "TxStopPoint"},
    {"ocpp.LimitChangeSignificance", CFG_NUMBER, "10", 0, 100, NULL, RT,
     "OCPP 2.0.1 SmartChargingCtrlr.LimitChangeSignificance: percent by which one of the "
     "station's own limits (load management, Modbus, MQTT, site) must move from the value last "
     "told for NotifyChargingLimit to tell it again (K12). 0: every change.",
     NULL, NULL, .ocpp_name = "LimitChangeSignificance"},
    {"ocpp.NotifyChargingLimitWithSchedules", CFG_BOOL, "true", 0, 0, NULL, RT,
     "OCPP 2.0.1 SmartChargingCtrlr.NotifyChargingLimitWithSchedules: a NotifyChargingLimit "
     "for one of the station's own limits (load management, Modbus, MQTT, site) carries the "
     "limit as a schedule; false: only its source and isGridCritical (less data when the limit "
     "moves often; the CSMS reads the limit in GetCompositeSchedule).",
     NULL, NULL, .ocpp_name = "NotifyChargingLimitWithSchedules"},
    {"ocpp.SampledDataSignReadings", CFG_BOOL, "false", 0, 0, NULL, RT,
     "OCPP 2.0.1 SampledDataCtrlr.SignReadings: with OCMF signing on (ocmf.enabled), the "
     "periodic energy register reading of a transaction (TransactionEvent Updated, "
     "Sample.Periodic) carries a signed intermediate OCMF record (one signature per reading). "
     "The begin and end readings are signed whenever OCMF is on.",
     NULL, NULL, .ocpp_name = "SampledDataSignReadings"},
    {"ocpp.AlignedDataSignReadings", CFG_BOOL, "false", 0, 0, NULL, RT,
     "OCPP 2.0.1 AlignedDataCtrlr.SignReadings: with OCMF signing on (ocmf.enabled), the "
     "clock-aligned energy register reading of a transaction (TransactionEvent Updated, "
     "Sample.Clock) carries a signed intermediate OCMF record (one signature per reading).",
     NULL, NULL, .ocpp_name = "AlignedDataSignReadings"},
    {"ocpp.PublicKeyWithSignedMeterValue", CFG_ENUM, "EveryMeterValue", 0, 0,
     "Never|OncePerTransaction|EveryMeterValue", RT,
     "OCPP 2.0.1 OCPPCommCtrlr.PublicKeyWithSignedMeterValue: which signed meter values carry "
     "the OCMF public key (publicKey; the others an empty one): every one, the first of each "
     "transaction, or none (the back end has the key from GET /api/v1/ocmf/pubkey).",
     NULL, NULL, .ocpp_name = "PublicKeyWithSignedMeterValue"},
    /* OCPP 1.6 Core keys (section 9.1) */
    {"ocpp.AllowOfflineTxForUnknownId", CFG_BOOL, "false", 0, 0, NULL, RT,
     "OCPP: offline, an unknown badge may start a transaction.", NULL, NULL,
     .ocpp_name = "AllowOfflineTxForUnknownId"},
    {"ocpp.AuthorizationCacheEnabled", CFG_BOOL, "true", 0, 0, NULL, RT,
     "OCPP: remember the back end's answers about badges (authorization cache).", NULL, NULL,
     .ocpp_name = "AuthorizationCacheEnabled"},
    {"ocpp.AuthorizeRemoteTxRequests", CFG_BOOL, "false", 0, 0, NULL, RT,
     "OCPP: a RemoteStartTransaction's idTag is authorized with the back end first.", NULL, NULL,
     .ocpp_name = "AuthorizeRemoteTxRequests"},
    {"ocpp.ClockAlignedDataInterval", CFG_INT, "0", 0, 86400, NULL, RT,
     "OCPP: seconds between clock-aligned meter values (aligned to midnight UTC); 0 = off.", NULL,
     NULL, .ocpp_name = "ClockAlignedDataInterval"},
    {"ocpp.ConnectorPhaseRotation", CFG_STRING, "NotApplicable", 0, 500, NULL, RT,
     "OCPP: phase rotation per connector as reported to the back end (e.g. `0.RST,1.RST`).",
     "NotApplicable, Unknown or N.XYZ,...", check_phase_rotation,
     .ocpp_name = "ConnectorPhaseRotation"},
    {"ocpp.HeartbeatInterval", CFG_INT, "300", 0, 86400, NULL, RT,
     "OCPP: seconds between heartbeats when idle (the BootNotification answer overrides it).", NULL,
     NULL, .ocpp_name = "HeartbeatInterval"},
    {"ocpp.LocalAuthorizeOffline", CFG_BOOL, "true", 0, 0, NULL, RT,
     "OCPP: offline, badges valid in the local list or the cache may charge.", NULL, NULL,
     .ocpp_name = "LocalAuthorizeOffline"},
    {"ocpp.LocalPreAuthorize", CFG_BOOL, "false", 0, 0, NULL, RT,
     "OCPP: online, a badge valid in the local list or the cache starts without asking.", NULL,
     NULL, .ocpp_name = "LocalPreAuthorize"},
    {"ocpp.MeterValuesAlignedData", CFG_STRING, "Energy.Active.Import.Register", 0, 500, NULL, RT,
     "OCPP: measurands of clock-aligned meter values.", "comma-separated measurands", check_csl,
     .ocpp_name = "MeterValuesAlignedData"},
    {"ocpp.MeterValuesSampledData", CFG_STRING,
     "Energy.Active.Import.Register,Power.Active.Import,Current.Import,Voltage", 0, 500, NULL, RT,
     "OCPP: measurands of periodic meter values during a transaction.",
     "comma-separated measurands", check_csl, .ocpp_name = "MeterValuesSampledData"},
    {"ocpp.MeterValueSampleInterval", CFG_INT, "60", 0, 86400, NULL, RT,
     "OCPP: seconds between meter values during a transaction; 0 = none.", NULL, NULL,
     .ocpp_name = "MeterValueSampleInterval"},
    {"ocpp.MinimumStatusDuration", CFG_INT, "0", 0, 3600, NULL, RT,
     "OCPP: seconds a connector status must hold before it is reported.", NULL, NULL,
     .ocpp_name = "MinimumStatusDuration"},
    {"ocpp.ResetRetries", CFG_INT, "3", 0, 10, NULL, RT,
     "OCPP: attempts at a reset that failed (kept for the back end; borne's reset re-executes "
     "the daemon).",
     NULL, NULL, .ocpp_name = "ResetRetries"},
    {"ocpp.StopTransactionOnEVSideDisconnect", CFG_BOOL, "true", 0, 0, NULL, RT,
     "OCPP (1.6 StopTransactionOnEVSideDisconnect, 2.0.1 TxCtrlr.StopTxOnEVSideDisconnect): "
     "the car unplugging ends the transaction. False: it goes on without the car (SuspendedEV, "
     "the socket's cable kept locked) and a car plugged back in charges again, until a badge, a "
     "remote stop or another stop ends it.",
     NULL, NULL, .ocpp_name = "StopTransactionOnEVSideDisconnect"},
    {"ocpp.StopTransactionOnInvalidId", CFG_BOOL, "true", 0, 0, NULL, RT,
     "OCPP: stop a transaction whose badge the back end declares invalid in "
     "StartTransaction.conf.",
     NULL, NULL, .ocpp_name = "StopTransactionOnInvalidId"},
    {"ocpp.StopTxnAlignedData", CFG_STRING, "", 0, 500, NULL, RT,
     "OCPP: clock-aligned measurands included in StopTransaction.transactionData.",
     "comma-separated measurands", check_csl, .ocpp_name = "StopTxnAlignedData"},
    {"ocpp.StopTxnSampledData", CFG_STRING, "Energy.Active.Import.Register", 0, 500, NULL, RT,
     "OCPP: sampled measurands included in StopTransaction.transactionData (begin and end).",
     "comma-separated measurands", check_csl, .ocpp_name = "StopTxnSampledData"},
    {"ocpp.TransactionMessageAttempts", CFG_INT, "3", 1, 100, NULL, RT,
     "OCPP: times a transaction message the back end answered with an error is tried before it "
     "is dropped (a message that never reached the back end is kept until it does).",
     NULL, NULL, .ocpp_name = "TransactionMessageAttempts"},
    {"ocpp.TransactionMessageRetryInterval", CFG_INT, "60", 1, 86400, NULL, RT,
     "OCPP: seconds before a failed transaction message is tried again (times the attempt "
     "number).",
     NULL, NULL, .ocpp_name = "TransactionMessageRetryInterval"},
    {"ocpp.UnlockConnectorOnEVSideDisconnect", CFG_BOOL, "true", 0, 0, NULL, RT,
     "OCPP (1.6 UnlockConnectorOnEVSideDisconnect, 2.0.1 OCPPCommCtrlr.UnlockOnEVSideDisconnect): "
     "the socket unlocks its cable when the car unplugs. False: the cable stays locked in the "
     "socket until the transaction's badge or an unlock command (a transaction kept by "
     "ocpp.StopTransactionOnEVSideDisconnect false keeps it locked anyway).",
     NULL, NULL, .ocpp_name = "UnlockConnectorOnEVSideDisconnect"},
    {"ocpp.WebSocketPingInterval", CFG_INT, "30", 0, 3600, NULL, RT,
     "OCPP: seconds of silence before a WebSocket ping; a connection silent for two intervals "
     "is declared dead and replaced. 0 = no pings.",
     NULL, NULL, .ocpp_name = "WebSocketPingInterval"},
    /* Local Auth List Management (section 9.2) */
    {"ocpp.LocalAuthListEnabled", CFG_BOOL, "true", 0, 0, NULL, RT,
     "OCPP: the local authorization list (SendLocalList) is used.", NULL, NULL,
     .ocpp_name = "LocalAuthListEnabled"},
    {"ocpp.LocalAuthListMaxLength", CFG_INT, "10000", 1, 100000, NULL, RT | CFG_OCPP_READONLY,
     "OCPP: most entries the local authorization list may hold (read-only over OCPP).", NULL, NULL,
     .ocpp_name = "LocalAuthListMaxLength"},
    {"ocpp.SendLocalListMaxLength", CFG_INT, "1000", 1, 100000, NULL, RT | CFG_OCPP_READONLY,
     "OCPP: most entries one SendLocalList may carry (read-only over OCPP).", NULL, NULL,
     .ocpp_name = "SendLocalListMaxLength"},
    /* OCPP 2.1 WebPaymentsCtrlr (C25, ad hoc payment by a dynamic QR code; ocpp21.md) */
    {"ocpp.WebPaymentsEnabled", CFG_BOOL, "false", 0, 0, NULL, RT,
     "OCPP 2.1 WebPaymentsCtrlr.Enabled: while OCPP 2.1 is spoken, the public page /c/N and the "
     "dashboard show the dynamic payment QR code of ocpp.WebPaymentsURLTemplate (a new one-time "
     "password every ocpp.WebPaymentsValidityTime) instead of payment.qr_url's.",
     NULL, NULL, .ocpp_name = "WebPaymentsEnabled"},
    {"ocpp.WebPaymentsURLTemplate", CFG_STRING, "", 0, WEBPAY_TEMPLATE_MAX, NULL, RT,
     "OCPP 2.1 WebPaymentsCtrlr.URLTemplate: the dynamic QR code's URL; {chargingStationId}, "
     "{evse}, {totp} and {version} are replaced, in any case (e.g. "
     "https://pay.example.org/{chargingStationId}/{evse}/{totp}?v={version}). Empty: none.",
     "http(s) URL template with {totp}", check_web_template, .ocpp_name = "WebPaymentsURLTemplate"},
    {"ocpp.WebPaymentsSharedSecret", CFG_STRING, "", 0, WEBPAY_SECRET_MAX, NULL, RT | CFG_SECRET,
     "OCPP 2.1 WebPaymentsCtrlr.SharedSecret (write-only): the key of the QR code's one-time "
     "passwords, shared with the payment page. Empty: no dynamic QR code.",
     "8 to 255 printable characters without spaces", check_web_secret,
     .ocpp_name = "WebPaymentsSharedSecret"},
    {"ocpp.WebPaymentsTOTPVersion", CFG_ENUM, "v1", 0, 0, "v1", RT,
     "OCPP 2.1 WebPaymentsCtrlr.TOTPVersion: the one-time password algorithm (v1, HMAC-SHA256 "
     "to base62).",
     NULL, NULL, .ocpp_name = "WebPaymentsTOTPVersion"},
    {"ocpp.WebPaymentsLength", CFG_INT, "12", WEBPAY_LENGTH_MIN, WEBPAY_LENGTH_MAX, NULL, RT,
     "OCPP 2.1 WebPaymentsCtrlr.Length: characters of the one-time password.", NULL, NULL,
     .ocpp_name = "WebPaymentsLength"},
    {"ocpp.WebPaymentsValidityTime", CFG_INT, "30", WEBPAY_VALIDITY_MIN, WEBPAY_VALIDITY_MAX, NULL,
     RT,
     "OCPP 2.1 WebPaymentsCtrlr.ValidityTime: seconds one one-time password (and QR code) holds.",
     NULL, NULL, .ocpp_name = "WebPaymentsValidityTime"},
    {0},
};

const cfg_key_table ocpp_keys = {"ocpp", rows, NULL};

/* ---------- the keys as the back end sees them ---------- */

/* Every OCPP 1.6 key borne answers, in the order of edition 2 section 9
 * (Core 9.1, Local Auth List 9.2, Reservation 9.3, Smart Charging 9.4) and
 * the Security whitepaper, which is the order of GetConfiguration. A key
 * with a value describes the firmware (read-only); any other is a setting:
 * its registry row (ocpp_name) says which, its access and its range. */
typedef struct {
  const char *name;
  const char *fixed;
} listed_key;

static const listed_key listed_keys[] = {
    {"AllowOfflineTxForUnknownId", NULL},
    {"AuthorizationCacheEnabled", NULL},
    {"AuthorizeRemoteTxRequests", NULL},
    {"ClockAlignedDataInterval", NULL},
    {"ConnectionTimeOut", NULL},
    {"ConnectorPhaseRotation", NULL},
    {"ConnectorPhaseRotationMaxLength", "9"},
    {"GetConfigurationMaxKeys", "100"},
    {"HeartbeatInterval", NULL},
    {"LocalAuthorizeOffline", NULL},
    {"LocalPreAuthorize", NULL},
    {"MeterValuesAlignedData", NULL},
    {"MeterValuesAlignedDataMaxLength", "8"},
    {"MeterValuesSampledData", NULL},
    {"MeterValuesSampledDataMaxLength", "8"},
    {"MeterValueSampleInterval", NULL},
    {"MinimumStatusDuration", NULL},
    {"NumberOfConnectors", NULL},
    {"ResetRetries", NULL},
    {"StopTransactionOnEVSideDisconnect", NULL},
    {"StopTransactionOnInvalidId", NULL},
    {"StopTxnAlignedData", NULL},
    {"StopTxnAlignedDataMaxLength", "8"},
    {"StopTxnSampledData", NULL},
    {"StopTxnSampledDataMaxLength", "8"},
    {"SupportedFeatureProfiles",
     "Core,FirmwareManagement,LocalAuthListManagement,Reservation,SmartCharging,RemoteTrigger"},
    {"SupportedFeatureProfilesMaxLength", "6"},
    /* the only schemes firmware and diagnostics transfers use (curl_uv.h) */
    {"SupportedFileTransferProtocols", "FTP,FTPS,HTTP,HTTPS"},
    {"TransactionMessageAttempts", NULL},
    {"TransactionMessageRetryInterval", NULL},
    {"UnlockConnectorOnEVSideDisconnect", NULL},
    {"WebSocketPingInterval", NULL},
    /* Local Auth List Management */
    {"LocalAuthListEnabled", NULL},
    {"LocalAuthListMaxLength", NULL},
    {"SendLocalListMaxLength", NULL},
    /* Reservation */
    {"ReserveConnectorZeroSupported", "true"},
    /* Smart Charging */
    {"ChargeProfileMaxStackLevel", "8"},
    {"ChargingScheduleAllowedChargingRateUnit", "Current,Power"},
    {"ChargingScheduleMaxPeriods", "24"},
    {"ConnectorSwitch3to1PhaseSupported", "false"},
    {"MaxChargingProfilesInstalled", "16"},
    /* Security whitepaper (edition 2) */
    {"AuthorizationKey", NULL}, /* a secret setting: write-only */
    {"SecurityProfile", NULL},
    {"CpoName", NULL},
    {"AdditionalRootCertificateCheck", NULL},
    {"CertificateSignedMaxChainSize", "10000"}, /* the schema's maxLength */
    {"CertificateStoreMaxLength", "16"},        /* CP_CERTS_MAX */
};

#define KEY_COUNT (sizeof listed_keys / sizeof listed_keys[0])

/* One OCPP key: its name, and the setting behind it or its fixed value. */
typedef struct {
  const char *name;
  const cfg_key_def *def;
  const char *fixed;
} ocpp_key;

/* The registry row whose OCPP name is `name` (CiString50: any case). */
static const cfg_key_def *setting_of(const char *name) {
  int n;
  const cfg_key_def *defs = config_registry(&n);
  for (int i = 0; name && i < n; i++)
    if (defs[i].ocpp_name && strcasecmp(defs[i].ocpp_name, name) == 0) return &defs[i];
  return NULL;
}

static bool find_key(const char *name, ocpp_key *k) {
  *k = (ocpp_key){0};
  k->def = setting_of(name);
  if (k->def) {
    k->name = k->def->ocpp_name;
    return true;
  }
  for (size_t i = 0; name && i < KEY_COUNT; i++)
    if (listed_keys[i].fixed && strcasecmp(listed_keys[i].name, name) == 0) {
      k->name = listed_keys[i].name;
      k->fixed = listed_keys[i].fixed;
      return true;
    }
  return false;
}

static bool read_only(const ocpp_key *k) { return !k->def || (k->def->flags & CFG_OCPP_READONLY); }

/* GetConfiguration shows a key unless its setting is a secret. */
static bool readable(const ocpp_key *k) { return !k->def || !config_key_secret(k->def); }

const char *ocpp_keys_borne_key(const char *name) {
  const cfg_key_def *d = setting_of(name);
  return d ? d->key : NULL;
}

static bool is_measurand_list(const char *name) {
  return strstr(name, "MeterValues") == name || strstr(name, "StopTxn") == name;
}

/* 0, or -1 with why: the checks config_validate cannot make. */
static int check_value(const ocpp_key *k, const config *cfg, const char *value, char *why,
                       size_t len) {
  if (is_measurand_list(k->name) && !strstr(k->name, "MaxLength")) {
    if (ocpp16_measurands_check(value, why, len) != 0) return -1;
    int members = value[0] ? 1 : 0;
    for (const char *p = value; *p; p++) members += *p == ',';
    if (members > 8) {
      snprintf(why, len, "at most 8 measurands");
      return -1;
    }
  }
  if (strcmp(k->name, "SecurityProfile") == 0 &&
      atol(value) < config_get_int(cfg, "ocpp.security_profile")) {
    snprintf(why, len, "the security profile can only be raised");
    return -1;
  }
  return 0;
}

const char *ocpp_keys_change(store *db, config *cfg, const char *key, const char *value,
                             char *applied, size_t appliedlen) {
  ocpp_key k;
  if (!find_key(key, &k)) return "NotSupported";
  if (read_only(&k)) return "Rejected";
  const char *borne = k.def->key;
  char why[160], err[256];
  if (config_settable_remotely(borne, err, sizeof err) != 0) {
    log_warn(MOD, "ChangeConfiguration rejected: %s", err);
    return "Rejected";
  }
  if (check_value(&k, cfg, value, why, sizeof why) != 0) {
    log_warn(MOD, "ChangeConfiguration %s=%s rejected: %s", k.name,
             k.def->flags & CFG_SECRET ? "(secret)" : value, why);
    return "Rejected";
  }
  if (config_set(cfg, borne, value, err, sizeof err) != 0) {
    log_warn(MOD, "ChangeConfiguration rejected: %s", err);
    return "Rejected";
  }
  if (store_setting_put(db, borne, config_get(cfg, borne)) != 0) {
    log_error(MOD, "cannot save %s: %s", borne, store_last_error(db));
    return "Rejected";
  }
  snprintf(applied, appliedlen, "%s", borne);
  return config_key_runtime(k.def) ? "Accepted" : "RebootRequired";
}

static json_t *key_json(const ocpp_key *k, const config *cfg) {
  const char *v = k->fixed ? k->fixed : config_get(cfg, k->def->key);
  json_t *o = json_pack("{s:s, s:b}", "key", k->name, "readonly", read_only(k));
  if (v) {
    char text[501];
    snprintf(text, sizeof text, "%s", v); /* CiString500 */
    json_object_set_new(o, "value", json_string(text));
  }
  return o;
}

/* Every key: those of the section 9 list in its order, then any setting
 * with an OCPP name that the list does not have yet. */
static void all_keys(const config *cfg, json_t *known) {
  ocpp_key k;
  for (size_t i = 0; i < KEY_COUNT; i++)
    if (find_key(listed_keys[i].name, &k) && readable(&k))
      json_array_append_new(known, key_json(&k, cfg));
  int n;
  const cfg_key_def *defs = config_registry(&n);
  for (int i = 0; i < n; i++) {
    bool listed = false;
    for (size_t j = 0; defs[i].ocpp_name && j < KEY_COUNT && !listed; j++)
      listed = strcmp(listed_keys[j].name, defs[i].ocpp_name) == 0;
    k = (ocpp_key){.name = defs[i].ocpp_name, .def = &defs[i]};
    if (defs[i].ocpp_name && !listed && readable(&k))
      json_array_append_new(known, key_json(&k, cfg));
  }
}

json_t *ocpp_keys_get(const config *cfg, const ocpp16_GetConfigurationRequest *req) {
  json_t *known = json_array(), *unknown = json_array();
  size_t count = req ? req->key_count : 0; /* 0 when absent */
  if (count == 0) {
    all_keys(cfg, known);
  } else {
    for (size_t i = 0; i < count; i++) {
      const char *name = req->key[i].value;
      ocpp_key k;
      if (find_key(name, &k) && readable(&k)) /* a secret (AuthorizationKey) is write-only */
        json_array_append_new(known, key_json(&k, cfg));
      else
        json_array_append_new(unknown, json_string(name));
    }
  }
  json_t *res = json_object();
  if (json_array_size(known))
    json_object_set_new(res, "configurationKey", known);
  else
    json_decref(known);
  if (json_array_size(unknown))
    json_object_set_new(res, "unknownKey", unknown);
  else
    json_decref(unknown);
  return res;
}

int ocpp_keys_check(const config *cfg, char *why, size_t whylen) {
  int n;
  const cfg_key_def *defs = config_registry(&n);
  for (int i = 0; i < n; i++) {
    const char *name = defs[i].ocpp_name;
    if (!name || !is_measurand_list(name) || strstr(name, "MaxLength")) continue;
    char reason[160];
    const char *v = config_get(cfg, defs[i].key);
    if (v && ocpp16_measurands_check(v, reason, sizeof reason) != 0) {
      snprintf(why, whylen, "%s: %s", defs[i].key, reason);
      return -1;
    }
  }
  return 0;
}
