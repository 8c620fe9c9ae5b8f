/* Network connection profiles and the priority of their slots (ocpp_network.h). */
#include "ocpp/ocpp_network.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "network/network_req.h"

int ocpp_net_priority_parse(const char *csl, int out[OCPP_NET_SLOTS], char *why, size_t whylen) {
  int n = 0;
  const char *p = csl ? csl : "";
  while (*p) {
    while (*p == ' ') p++;
    char *end = NULL;
    long v = strtol(p, &end, 10);
    if (end == p || v < 1 || v > OCPP_NET_SLOTS) {
      snprintf(why, whylen, "a comma-separated list of configuration slots 1 to %d",
               OCPP_NET_SLOTS);
      return -1;
    }
    for (int i = 0; i < n; i++)
      if (out[i] == (int)v) {
        snprintf(why, whylen, "slot %ld is listed twice", v);
        return -1;
      }
    out[n++] = (int)v;
    p = end;
    while (*p == ' ') p++;
    if (*p == ',') {
      p++;
      if (!*p) break;
    } else if (*p) {
      snprintf(why, whylen, "a comma-separated list of configuration slots 1 to %d",
               OCPP_NET_SLOTS);
      return -1;
    }
  }
  if (!n) {
    snprintf(why, whylen, "at least one configuration slot");
    return -1;
  }
  return n;
}

int ocpp_net_downgrade_floor(int current, bool allow) {
  return allow && current == 3 ? 2 : current;
}

const char *ocpp_net_check(int slot, const json_t *data, int current_profile, bool has_password,
                           char *why, size_t whylen) {
  if (slot < 1 || slot > OCPP_NET_SLOTS) {
    snprintf(why, whylen, "configuration slots are 1 to %d", OCPP_NET_SLOTS);
    return "InvalidConfSlot";
  }
  if (slot == OCPP_NET_INSTALLER) {
    snprintf(why, whylen, "slot %d is the installer's ocpp.url, set on the station",
             OCPP_NET_INSTALLER);
    return "InvalidConfSlot";
  }
  const char *transport = json_string_value(json_object_get(data, "ocppTransport"));
  const char *url = json_string_value(json_object_get(data, "ocppCsmsUrl"));
  const json_t *jp = json_object_get(data, "securityProfile");
  const json_t *jt = json_object_get(data, "messageTimeout");
  if (!transport || strcmp(transport, "JSON") != 0) {
    snprintf(why, whylen, "only OCPP-J (ocppTransport JSON)");
    return "InvalidNetworkConf";
  }
  if (!json_is_integer(jp) || json_integer_value(jp) < 0 || json_integer_value(jp) > 3) {
    snprintf(why, whylen, "securityProfile 0 to 3");
    return "InvalidNetworkConf";
  }
  int profile = (int)json_integer_value(jp);
  if (profile < current_profile) {
    snprintf(why, whylen, "securityProfile %d is lower than the one in use (%d)", profile,
             current_profile);
    return "NoSecurityDowngrade";
  }
  const char *scheme = profile >= 2 ? "wss://" : "ws://";
  if (!url || strncmp(url, scheme, strlen(scheme)) != 0 || !url[strlen(scheme)] ||
      strchr(url, ' ')) {
    snprintf(why, whylen, "securityProfile %d needs a %s URL", profile, scheme);
    return "InvalidNetworkConf";
  }
  if ((profile == 1 || profile == 2) && !has_password) {
    snprintf(why, whylen, "securityProfile %d needs a Basic password (SecurityCtrlr)", profile);
    return "InvalidNetworkConf";
  }
  if (!json_is_integer(jt) || json_integer_value(jt) < 1) {
    snprintf(why, whylen, "messageTimeout of at least 1 s");
    return "InvalidNetworkConf";
  }
  if (json_object_get(data, "vpn")) {
    /* connecting without the VPN the back end expects would expose the link */
    snprintf(why, whylen, "the station has no VPN client: a profile with a vpn cannot be used");
    return "InvalidNetworkConf";
  }
  net_request apn;
  if (ocpp_net_apn(data, slot, &apn, why, whylen) < 0) return "InvalidNetworkConf";
  return NULL;
}

int ocpp_net_apn(const json_t *data, int slot, net_request *out, char *why, size_t whylen) {
  const json_t *a = json_object_get(data, "apn");
  const char *iface = json_string_value(json_object_get(data, "ocppInterface"));
  if (!json_is_object(a) || !iface || strncmp(iface, "Wireless", 8) != 0) return 0;
  memset(out, 0, sizeof *out);
  out->op = NET_OP_CELLULAR;
  out->slot = slot;
  const char *apn = json_string_value(json_object_get(a, "apn"));
  const char *user = json_string_value(json_object_get(a, "apnUserName"));
  const char *pw = json_string_value(json_object_get(a, "apnPassword"));
  const char *net = json_string_value(json_object_get(a, "preferredNetwork"));
  const char *auth = json_string_value(json_object_get(a, "apnAuthentication"));
  const json_t *pin = json_object_get(a, "simPin");
  if (!apn || !net_apn_ok(apn)) {
    snprintf(why, whylen, "apn.apn: letters, digits, '-', '.', '_' (at most %d)", NET_APN_MAX);
    return -1;
  }
  snprintf(out->apn, sizeof out->apn, "%s", apn);
  if ((user && !net_cred_ok(user)) || (pw && !net_cred_ok(pw))) {
    snprintf(why, whylen, "apn: a user name or password of printable ASCII characters");
    return -1;
  }
  snprintf(out->apn_user, sizeof out->apn_user, "%s", user ? user : "");
  snprintf(out->apn_password, sizeof out->apn_password, "%s", pw ? pw : "");
  if (pin) {
    json_int_t v = json_integer_value(pin);
    if (!json_is_integer(pin) || v < 0 || v > 99999999) {
      snprintf(why, whylen, "apn.simPin: 4 to 8 digits");
      return -1;
    }
    snprintf(out->pin, sizeof out->pin, "%04lld", (long long)v);
  }
  if (json_is_true(json_object_get(a, "useOnlyPreferredNetwork"))) {
    if (!net || !net_mccmnc_ok(net)) {
      snprintf(why, whylen, "apn.preferredNetwork: the MCC and MNC, 5 or 6 digits");
      return -1;
    }
    snprintf(out->network, sizeof out->network, "%s", net);
  }
  static const struct {
    const char *ocpp;
    net_apn_auth auth;
  } auths[] = {{"AUTO", NET_AUTH_AUTO},
               {"PAP", NET_AUTH_PAP},
               {"CHAP", NET_AUTH_CHAP},
               {"NONE", NET_AUTH_NONE}};
  size_t i = 0;
  while (i < sizeof auths / sizeof auths[0] && (!auth || strcmp(auth, auths[i].ocpp) != 0)) i++;
  if (i == sizeof auths / sizeof auths[0]) {
    snprintf(why, whylen, "apn.apnAuthentication: AUTO, PAP, CHAP or NONE");
    return -1;
  }
  out->auth = auths[i].auth;
  if (out->auth == NET_AUTH_NONE && (out->apn_user[0] || out->apn_password[0])) {
    snprintf(why, whylen, "apn: a user name or password with apnAuthentication NONE");
    return -1;
  }
  return 1;
}

const char *ocpp_net_interface_key(const json_t *data) {
  static const char *const keys[] = {
      "network.interface.Wired0",    "network.interface.Wired1",    "network.interface.Wired2",
      "network.interface.Wired3",    "network.interface.Wireless0", "network.interface.Wireless1",
      "network.interface.Wireless2", "network.interface.Wireless3",
  };
  const char *name = json_string_value(json_object_get(data, "ocppInterface"));
  if (!name) return NULL;
  for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
    if (!strcmp(keys[i] + strlen("network.interface."), name)) return keys[i];
  return NULL;
}

bool ocpp_net_attempt_failed(ocpp_net_cursor *c, int attempts, int count) {
  if (count <= 0) return false;
  if (attempts < 1) attempts = 1;
  if (++c->failed < attempts) return false;
  c->failed = 0;
  c->index = (c->index + 1) % count;
  return count > 1;
}

void ocpp_net_connected(ocpp_net_cursor *c) { c->failed = 0; }

/* ---------- the table ---------- */

static const char *const steps[] = {
    /* 1 */
    "CREATE TABLE ocpp_network_profiles(slot INTEGER PRIMARY KEY, data TEXT NOT NULL);",
};

int ocpp_net_open(store *db, char *err, size_t errlen) {
  if (store_module_migrate(db, "ocpp_network", steps, (int)(sizeof steps / sizeof steps[0])) != 0) {
    snprintf(err, errlen, "ocpp_network tables: %s", store_last_error(db));
    return -1;
  }
  return 0;
}

int ocpp_net_save(store *db, int slot, const json_t *data) {
  if (slot <= OCPP_NET_INSTALLER || slot > OCPP_NET_SLOTS) return -1;
  char *text = json_dumps(data, JSON_COMPACT);
  sqlite3_stmt *s =
      text ? store_stmt(db, "INSERT OR REPLACE INTO ocpp_network_profiles(slot, data) VALUES(?, ?)")
           : NULL;
  int rc = -1;
  if (s) {
    sqlite3_bind_int(s, 1, slot);
    sqlite3_bind_text(s, 2, text, -1, SQLITE_STATIC);
    rc = sqlite3_step(s) == SQLITE_DONE ? 0 : -1;
  }
  store_stmt_release(db, s);
  free(text);
  return rc;
}

json_t *ocpp_net_load(store *db, int slot) {
  sqlite3_stmt *s = store_stmt(db, "SELECT data FROM ocpp_network_profiles WHERE slot = ?");
  if (!s) return NULL;
  sqlite3_bind_int(s, 1, slot);
  json_t *out = NULL;
  if (sqlite3_step(s) == SQLITE_ROW)
    out = json_loads((const char *)sqlite3_column_text(s, 0), 0, NULL);
  store_stmt_release(db, s);
  return out;
}

/* The securityProfile of slot `slot` (slot 1: `installer_profile`), -1 when
 * the slot has no profile. */
static int slot_profile(store *db, int slot, int installer_profile) {
  if (slot == OCPP_NET_INSTALLER) return installer_profile;
  json_t *p = ocpp_net_load(db, slot);
  if (!p) return -1;
  int profile = (int)json_integer_value(json_object_get(p, "securityProfile"));
  json_decref(p);
  return profile;
}

int ocpp_net_priority_downgrade(store *db, const char *csl, int installer_profile, int current) {
  int slots[OCPP_NET_SLOTS];
  char why[120];
  int n = ocpp_net_priority_parse(csl, slots, why, sizeof why);
  if (n < 0) return -1;
  for (int i = 0; i < n; i++) {
    int profile = slot_profile(db, slots[i], installer_profile);
    if (profile >= 0 && profile < current) return slots[i];
  }
  return 0;
}

int ocpp_net_priority_highest(store *db, const char *csl, int installer_profile, int *slot) {
  int slots[OCPP_NET_SLOTS];
  char why[120];
  int n = ocpp_net_priority_parse(csl, slots, why, sizeof why);
  if (n < 0) return -1;
  int best = 0;
  for (int i = 0; i < n; i++) {
    int profile = slot_profile(db, slots[i], installer_profile);
    if (profile > best) {
      best = profile;
      if (slot) *slot = slots[i];
    }
  }
  return best;
}
