/*
 * Configuration keys of the ocpp module (see config_tables.h).
 *
 * OCPP 1.6 configuration keys are borne settings named `ocpp.<OcppKey>`
 * (ocpp.HeartbeatInterval...): ChangeConfiguration, the settings API and
 * the config file all write the same value. A few OCPP keys are other borne
 * settings (ConnectionTimeOut is auth.timeout_s, SecurityProfile is
 * ocpp.security_profile, NumberOfConnectors is station.connectors): see
 * src/ocpp/ocpp16_backend.c for the whole map. Defaults and ranges follow
 * OCPP 1.6 edition 2 section 9.
 */
#include <stdio.h>
#include <string.h>

#include "config/config_tables.h"

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

/* AuthorizationKey: the Security whitepaper's 16 to 40 bytes, printable. */
static int check_auth_key(const char *v, char *why, size_t len) {
  size_t n = strlen(v);
  if (n && (n < 16 || n > 40)) {
    snprintf(why, len, "16 to 40 characters");
    return -1;
  }
  for (const char *p = v; *p; p++)
    if (*p <= ' ' || *p > '~' || *p == ':') {
      snprintf(why, len, "printable ASCII without spaces or ':'");
      return -1;
    }
  return 0;
}

static int check_phase_rotation(const char *v, char *why, size_t len) {
  if (!strcmp(v, "NotApplicable") || !strcmp(v, "Unknown")) return 0;
  return check_csl(v, why, len);
}

#define RT CFG_RUNTIME /* may change at run time */

const cfg_key_def config_keys_ocpp[] = {
    /* connection */
    {"ocpp.url", CFG_STRING, "", 0, 500, NULL, RT,
     "Central system endpoint; the charge point id (station.id) is appended as the last path "
     "segment. Empty: no back end. `borned --csms URL` sets it.",
     "ws://host:port/path or wss://...", check_url},
    {"ocpp.version", CFG_ENUM, "1.6", 0, 0, "1.6", false, "OCPP version spoken (OCPP-J).", NULL,
     NULL},
    {"ocpp.security_profile", CFG_INT, "0", 0, 3, NULL, RT,
     "OCPP security profile: 0 none, 1 HTTP Basic (ocpp.AuthorizationKey), 2 TLS + Basic with "
     "the server certificate checked against ocpp.ca_file, 3 TLS with a client certificate "
     "(ocpp.cert_file, ocpp.key_file). Also the OCPP key SecurityProfile (can only be raised).",
     NULL, NULL},
    {"ocpp.ca_file", CFG_STRING, "", 0, 400, NULL, RT,
     "PEM file of the CA(s) that sign the central system's certificate (profiles 2, 3). Empty: "
     "the system's CA store.",
     "absolute path", config_check_abs_or_empty},
    {"ocpp.cert_file", CFG_STRING, "", 0, 400, NULL, RT,
     "PEM client certificate of the charge point (profile 3).", "absolute path",
     config_check_abs_or_empty},
    {"ocpp.key_file", CFG_STRING, "", 0, 400, NULL, RT,
     "PEM private key of the client certificate (profile 3).", "absolute path",
     config_check_abs_or_empty},
    {"ocpp.AuthorizationKey", CFG_STRING, "", 0, 40, NULL, RT | CFG_SECRET,
     "HTTP Basic password of security profiles 1 and 2 (the OCPP key AuthorizationKey, "
     "write-only over OCPP).",
     "16 to 40 printable characters", check_auth_key},
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
     NULL, NULL},
    /* OCPP 1.6 Core keys (section 9.1) */
    {"ocpp.AllowOfflineTxForUnknownId", CFG_BOOL, "false", 0, 0, NULL, RT,
     "OCPP: offline, an unknown badge may start a transaction.", NULL, NULL},
    {"ocpp.AuthorizationCacheEnabled", CFG_BOOL, "true", 0, 0, NULL, RT,
     "OCPP: remember the back end's answers about badges (authorization cache).", NULL, NULL},
    {"ocpp.AuthorizeRemoteTxRequests", CFG_BOOL, "false", 0, 0, NULL, RT,
     "OCPP: a RemoteStartTransaction's idTag is authorized with the back end first.", NULL, NULL},
    {"ocpp.ClockAlignedDataInterval", CFG_INT, "0", 0, 86400, NULL, RT,
     "OCPP: seconds between clock-aligned meter values (aligned to midnight UTC); 0 = off.", NULL,
     NULL},
    {"ocpp.ConnectorPhaseRotation", CFG_STRING, "NotApplicable", 0, 500, NULL, RT,
     "OCPP: phase rotation per connector as reported to the back end (e.g. `0.RST,1.RST`).",
     "NotApplicable, Unknown or N.XYZ,...", check_phase_rotation},
    {"ocpp.HeartbeatInterval", CFG_INT, "300", 0, 86400, NULL, RT,
     "OCPP: seconds between heartbeats when idle (the BootNotification answer overrides it).", NULL,
     NULL},
    {"ocpp.LocalAuthorizeOffline", CFG_BOOL, "true", 0, 0, NULL, RT,
     "OCPP: offline, badges valid in the local list or the cache may charge.", NULL, NULL},
    {"ocpp.LocalPreAuthorize", CFG_BOOL, "false", 0, 0, NULL, RT,
     "OCPP: online, a badge valid in the local list or the cache starts without asking.", NULL,
     NULL},
    {"ocpp.MeterValuesAlignedData", CFG_STRING, "Energy.Active.Import.Register", 0, 500, NULL, RT,
     "OCPP: measurands of clock-aligned meter values.", "comma-separated measurands", check_csl},
    {"ocpp.MeterValuesSampledData", CFG_STRING,
     "Energy.Active.Import.Register,Power.Active.Import,Current.Import,Voltage", 0, 500, NULL, RT,
     "OCPP: measurands of periodic meter values during a transaction.",
     "comma-separated measurands", check_csl},
    {"ocpp.MeterValueSampleInterval", CFG_INT, "60", 0, 86400, NULL, RT,
     "OCPP: seconds between meter values during a transaction; 0 = none.", NULL, NULL},
    {"ocpp.MinimumStatusDuration", CFG_INT, "0", 0, 3600, NULL, RT,
     "OCPP: seconds a connector status must hold before it is reported.", NULL, NULL},
    {"ocpp.ResetRetries", CFG_INT, "3", 0, 10, NULL, RT,
     "OCPP: attempts at a reset that failed (kept for the back end; borne's reset re-executes "
     "the daemon).",
     NULL, NULL},
    {"ocpp.StopTransactionOnEVSideDisconnect", CFG_ENUM, "true", 0, 0, "true", RT,
     "OCPP: unplugging on the car's side ends the transaction (always true in borne).", NULL, NULL},
    {"ocpp.StopTransactionOnInvalidId", CFG_BOOL, "true", 0, 0, NULL, RT,
     "OCPP: stop a transaction whose badge the back end declares invalid in "
     "StartTransaction.conf.",
     NULL, NULL},
    {"ocpp.StopTxnAlignedData", CFG_STRING, "", 0, 500, NULL, RT,
     "OCPP: clock-aligned measurands included in StopTransaction.transactionData.",
     "comma-separated measurands", check_csl},
    {"ocpp.StopTxnSampledData", CFG_STRING, "Energy.Active.Import.Register", 0, 500, NULL, RT,
     "OCPP: sampled measurands included in StopTransaction.transactionData (begin and end).",
     "comma-separated measurands", check_csl},
    {"ocpp.TransactionMessageAttempts", CFG_INT, "3", 1, 100, NULL, RT,
     "OCPP: times a transaction message the back end answered with an error is tried before it "
     "is dropped (a message that never reached the back end is kept until it does).",
     NULL, NULL},
    {"ocpp.TransactionMessageRetryInterval", CFG_INT, "60", 1, 86400, NULL, RT,
     "OCPP: seconds before a failed transaction message is tried again (times the attempt "
     "number).",
     NULL, NULL},
    {"ocpp.UnlockConnectorOnEVSideDisconnect", CFG_ENUM, "true", 0, 0, "true", RT,
     "OCPP: the socket unlocks when the car unplugs (always true in borne).", NULL, NULL},
    {"ocpp.WebSocketPingInterval", CFG_INT, "30", 0, 3600, NULL, RT,
     "OCPP: seconds of silence before a WebSocket ping; a connection silent for two intervals "
     "is declared dead and replaced. 0 = no pings.",
     NULL, NULL},
    /* Local Auth List Management (section 9.2) */
    {"ocpp.LocalAuthListEnabled", CFG_BOOL, "true", 0, 0, NULL, RT,
     "OCPP: the local authorization list (SendLocalList) is used.", NULL, NULL},
    {"ocpp.LocalAuthListMaxLength", CFG_INT, "10000", 1, 100000, NULL, RT,
     "OCPP: most entries the local authorization list may hold (read-only over OCPP).", NULL, NULL},
    {"ocpp.SendLocalListMaxLength", CFG_INT, "1000", 1, 100000, NULL, RT,
     "OCPP: most entries one SendLocalList may carry (read-only over OCPP).", NULL, NULL},
    {0},
};
