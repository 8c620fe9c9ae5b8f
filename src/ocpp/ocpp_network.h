/*
 * Network connection profiles (OCPP 2.0.1 B09 / B10): the ways the station
 * can reach a back end, one per configuration slot, and the order it tries
 * them in (OCPPCommCtrlr.NetworkConfigurationPriority, the setting
 * ocpp.NetworkConfigurationPriority). Slot 1 is the installer's: ocpp.url,
 * ocpp.security_profile, ocpp.AuthorizationKey (a view, never stored here);
 * slots 2..OCPP_NET_SLOTS hold what SetNetworkProfile sent, the
 * connectionData as received (schema-checked), in the table
 * ocpp_network_profiles. The checks and the fallback cursor are pure; only
 * ocpp_net_open / _save / _load touch the store.
 */
#ifndef BORNE_OCPP_NETWORK_H
#define BORNE_OCPP_NETWORK_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "store/store.h"

#define OCPP_NET_SLOTS 4     /* configuration slots 1..4 */
#define OCPP_NET_INSTALLER 1 /* the slot of ocpp.url */

/* ocpp.NetworkConfigurationPriority ("2,1") -> its slots in order; the
 * count, or -1 (why) for a list that is not slots 1..OCPP_NET_SLOTS each at
 * most once, or empty. */
int ocpp_net_priority_parse(const char *csl, int out[OCPP_NET_SLOTS], char *why, size_t whylen);

/* SetNetworkProfile's decision for `data` (connectionData) in `slot`, with
 * the station on `current_profile` and `has_password` (a Basic password it
 * can send: ocpp.AuthorizationKey or the profile's basicAuthPassword of
 * 2.1). NULL: accepted; else the statusInfo reasonCode, with a sentence in
 * `why`: "InvalidConfSlot" (B09.FR.05: not a slot of the valuesList, or the
 * installer's), "NoSecurityDowngrade" (B09.FR.04: a lower securityProfile;
 * AllowSecurityProfileDowngrade is not implemented), "InvalidNetworkConf"
 * (B09.FR.02: SOAP, a URL that is not ws:// for profiles 0-1 / wss:// for
 * 2-3, profile 1-2 without a password, a messageTimeout below 1, an apn
 * ocpp_net_apn refuses, a vpn: the station has no VPN client). */
const char *ocpp_net_check(int slot, const json_t *data, int current_profile, bool has_password,
                           char *why, size_t whylen);

struct net_request;
/* The cellular connection a profile (connectionData `data` of `slot`) asks
 * for: 1 with *out a NET_OP_CELLULAR of that slot when it names an `apn` on
 * a Wireless interface; 0 when it asks for none (no apn, or a Wired
 * interface); -1 with a sentence in `why` when its apn cannot be used (an
 * APN, user name, PIN or network the modem would not take). The preferred
 * network is forced only with useOnlyPreferredNetwork (NetworkManager
 * knows no soft preference); simPin, an integer in OCPP, is written with
 * at least 4 digits (a PIN's leading zeros are lost in an integer). */
int ocpp_net_apn(const json_t *data, int slot, struct net_request *out, char *why, size_t whylen);

/* The setting that names the OS network interface of a profile's
 * ocppInterface (connectionData `data`): "network.interface.Wired0" for
 * Wired0, and so on for Wired0-3 and Wireless0-3; NULL when it names none of
 * them (no ocppInterface, or 2.1's Any): the link is not bound. */
const char *ocpp_net_interface_key(const json_t *data);

/* Where the link stands in the priority list: the entry it connects with
 * and the failed attempts on it since the last connection. */
typedef struct {
  int index;  /* into the priority list */
  int failed; /* attempts failed on it in a row */
} ocpp_net_cursor;

/* An attempt on the current entry failed: true when the
 * NetworkProfileConnectionAttempts (`attempts`) are spent on it and the
 * cursor moved to the next of `count` entries (after the last, the first
 * again: B10.FR.08, never giving up: B10.FR.09). */
bool ocpp_net_attempt_failed(ocpp_net_cursor *c, int attempts, int count);
/* Connected: the count starts again (B10.FR.03: per entry, after each loss). */
void ocpp_net_connected(ocpp_net_cursor *c);

/* A05.FR.10: the first slot of the priority list `csl` whose profile has a
 * securityProfile below `current` (slot 1: `installer_profile`; a slot
 * without a profile is skipped), 0 when none; -1 when `csl` is no list. */
int ocpp_net_priority_downgrade(store *db, const char *csl, int installer_profile, int current);
/* A05.FR.02/03: the highest securityProfile among the slots of the priority
 * list `csl` (slot 1: `installer_profile`; a slot without a profile is
 * skipped), its slot in `*slot`; 0 when none has one, -1 when `csl` is no list. */
int ocpp_net_priority_highest(store *db, const char *csl, int installer_profile, int *slot);

/* The lowest security profile a new profile or priority may have while
 * `current` is in use (B09.FR.04, A05.FR.10): `current`, or 2 under 3 when
 * SecurityCtrlr.AllowSecurityProfileDowngrade (`allow`) is set — never a
 * downgrade to profile 1 or 0 (no TLS). */
int ocpp_net_downgrade_floor(int current, bool allow);

/* The table (store module "ocpp_network"); 0 or -1 with err. */
int ocpp_net_open(store *db, char *err, size_t errlen);
/* Keeps connectionData for `slot` (2..OCPP_NET_SLOTS), replacing; 0 or -1. */
int ocpp_net_save(store *db, int slot, const json_t *data);
/* The connectionData of `slot` (new reference), NULL when the slot is empty. */
json_t *ocpp_net_load(store *db, int slot);

#endif
