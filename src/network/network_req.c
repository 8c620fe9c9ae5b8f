/*
 * Parsing and checking of the network actions (see network_req.h). Every
 * string that reaches NetworkManager goes through here first: lengths,
 * characters and address syntax are checked so a bad request is a 400 with
 * the member's name, never a half-made connection.
 */
#include "network/network_req.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const op_names[] = {
    "status", "scan", "join", "ethernet", "cellular", "setup_ap", "cellular_installer"};

int net_op_from_name(const char *name) {
  if (!name) return -1;
  for (int i = 1; i <= NET_OP_SETUP_AP; i++)
    if (strcmp(name, op_names[i]) == 0) return i;
  return -1;
}

const char *net_op_name(net_op op) {
  return (unsigned)op < sizeof op_names / sizeof op_names[0] ? op_names[op] : "?";
}

bool net_ssid_ok(const char *ssid) {
  size_t n = strlen(ssid);
  if (n == 0 || n > NET_SSID_MAX) return false;
  for (size_t i = 0; i < n; i++) /* no control characters: the name is shown on pages */
    if ((unsigned char)ssid[i] < 0x20 || ssid[i] == 0x7f) return false;
  return true;
}

/* WPA2-Personal: a passphrase of 8 to 63 printable ASCII characters, or the
 * 256-bit key as 64 hex digits (IEEE 802.11i, Annex H.4). */
bool net_psk_ok(const char *psk) {
  size_t n = strlen(psk);
  if (n == 64) {
    for (size_t i = 0; i < n; i++)
      if (!strchr("0123456789abcdefABCDEF", psk[i])) return false;
    return true;
  }
  if (n < 8 || n > 63) return false;
  for (size_t i = 0; i < n; i++)
    if (psk[i] < 0x20 || psk[i] > 0x7e) return false;
  return true;
}

static bool ipv4_ok(const char *s) {
  struct in_addr a;
  return strlen(s) < NET_ADDR_MAX && inet_pton(AF_INET, s, &a) == 1;
}

/* "a.b.c.d/p", p from 1 to 32. */
static bool cidr_ok(const char *s) {
  const char *slash = strchr(s, '/');
  if (!slash || (size_t)(slash - s) >= 16 || strlen(s) >= NET_ADDR_MAX) return false;
  char ip[16];
  memcpy(ip, s, (size_t)(slash - s));
  ip[slash - s] = '\0';
  char *end;
  const char *p = slash + 1;
  if (*p < '0' || *p > '9') return false;
  long prefix = strtol(p, &end, 10);
  return *end == '\0' && prefix >= 1 && prefix <= 32 && end - p <= 2 && ipv4_ok(ip);
}

/* An APN is a DNS-like name (3GPP TS 23.003 §9.1): letters, digits, '-', '.'. */
bool net_apn_ok(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || n > NET_APN_MAX || s[0] == '.' || s[n - 1] == '.') return false;
  for (size_t i = 0; i < n; i++)
    if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._", s[i]))
      return false;
  return true;
}

bool net_cred_ok(const char *s) {
  size_t n = strlen(s);
  if (n > NET_CRED_MAX) return false;
  for (size_t i = 0; i < n; i++)
    if (s[i] < 0x20 || s[i] > 0x7e) return false;
  return true;
}

static bool digits_ok(const char *s, size_t min, size_t max) {
  size_t n = strlen(s);
  if (n < min || n > max) return false;
  for (size_t i = 0; i < n; i++)
    if (s[i] < '0' || s[i] > '9') return false;
  return true;
}

/* A SIM's PIN1: 4 to 8 digits (3GPP TS 22.030 §6.6.2 gives it that length). */
bool net_pin_ok(const char *pin) { return digits_ok(pin, 4, NET_PIN_MAX); }

/* A public land mobile network: MCC (3 digits) and MNC (2 or 3), e.g. 20801. */
bool net_mccmnc_ok(const char *s) { return digits_ok(s, 5, NET_MCCMNC_MAX); }

bool net_ifname_ok(const char *name) {
  size_t n = strlen(name);
  if (n == 0 || n > NET_IFNAME_MAX || !strcmp(name, ".") || !strcmp(name, "..")) return false;
  for (size_t i = 0; i < n; i++)
    if (name[i] <= 0x20 || name[i] > 0x7e || name[i] == '/' || name[i] == ':') return false;
  return true;
}

static const char *const auth_names[] = {"auto", "pap", "chap", "none"};

const char *net_apn_auth_name(net_apn_auth a) { return (unsigned)a < 4 ? auth_names[a] : "auto"; }

static int fail(char *err, size_t errlen, const char *msg, const char *member) {
  snprintf(err, errlen, "%s: %s", member, msg);
  return -1;
}

static bool allowed(const json_t *body, const char *const *names, char *err, size_t errlen) {
  const char *key;
  const json_t *v;
  json_object_foreach((json_t *)body, key, v) {
    bool ok = false;
    for (int i = 0; names[i]; i++) ok = ok || strcmp(key, names[i]) == 0;
    if (!ok) {
      snprintf(err, errlen, "%.60s: unknown member", key);
      return false;
    }
  }
  return true;
}

/* A string member: -1 on the wrong type, 0 absent, 1 copied. */
static int get_string(const json_t *body, const char *name, char *dst, size_t cap, char *err,
                      size_t errlen) {
  const json_t *v = json_object_get(body, name);
  if (!v) return 0;
  if (!json_is_string(v)) return fail(err, errlen, "must be a string", name);
  const char *s = json_string_value(v);
  if (json_string_length(v) != strlen(s)) return fail(err, errlen, "contains a NUL", name);
  if (strlen(s) >= cap) return fail(err, errlen, "too long", name);
  snprintf(dst, cap, "%s", s);
  return 1;
}

/* An array of IPv4 addresses, or one string of them separated by commas
 * (bornectl's --dns). */
static int parse_dns(const json_t *v, net_request *r, char *err, size_t errlen) {
  if (!v) return 0;
  if (json_is_string(v)) {
    const char *s = json_string_value(v);
    if (json_string_length(v) != strlen(s) || strlen(s) > 64)
      return fail(err, errlen, "must be IPv4 addresses", "dns");
    char copy[65];
    snprintf(copy, sizeof copy, "%s", s);
    char *save = NULL;
    for (char *p = strtok_r(copy, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
      if (r->dns_count == NET_DNS_MAX) return fail(err, errlen, "at most 3 servers", "dns");
      if (!ipv4_ok(p)) return fail(err, errlen, "must be IPv4 addresses", "dns");
      snprintf(r->dns[r->dns_count++], NET_ADDR_MAX, "%s", p);
    }
    return 0;
  }
  if (!json_is_array(v)) return fail(err, errlen, "must be an array of IPv4 addresses", "dns");
  if (json_array_size(v) > NET_DNS_MAX) return fail(err, errlen, "at most 3 servers", "dns");
  size_t i;
  const json_t *e;
  json_array_foreach((json_t *)v, i, e) {
    const char *s = json_string_value(e);
    if (!s || !ipv4_ok(s)) return fail(err, errlen, "must be an array of IPv4 addresses", "dns");
    snprintf(r->dns[r->dns_count++], NET_ADDR_MAX, "%s", s);
  }
  return 0;
}

static int parse_ethernet(const json_t *body, net_request *r, char *err, size_t errlen) {
  static const char *const names[] = {"method", "address", "gateway", "dns", NULL};
  if (!allowed(body, names, err, errlen)) return -1;
  char method[16] = "";
  if (get_string(body, "method", method, sizeof method, err, errlen) < 0) return -1;
  if (strcmp(method, "dhcp") == 0) {
    if (json_object_size(body) != 1)
      return fail(err, errlen, "only with method static", "address, gateway, dns");
    r->dhcp = true;
    return 0;
  }
  if (strcmp(method, "static") != 0) return fail(err, errlen, "must be dhcp or static", "method");
  int a = get_string(body, "address", r->address, sizeof r->address, err, errlen);
  if (a < 0) return -1;
  if (a == 0 || !cidr_ok(r->address))
    return fail(err, errlen, "required with static, as 192.168.1.20/24", "address");
  int g = get_string(body, "gateway", r->gateway, sizeof r->gateway, err, errlen);
  if (g < 0) return -1;
  if (g == 1 && !ipv4_ok(r->gateway)) return fail(err, errlen, "not an IPv4 address", "gateway");
  return parse_dns(json_object_get(body, "dns"), r, err, errlen);
}

/* {"apn", "username"?, "password"?, "pin"?, "network"?, "auth"?}: the
 * installer's connection (slot 0). */
static int parse_cellular(const json_t *body, net_request *r, char *err, size_t errlen) {
  static const char *const names[] = {"apn",     "username", "password", "pin",
                                      "network", "auth",     NULL};
  if (!allowed(body, names, err, errlen)) return -1;
  int a = get_string(body, "apn", r->apn, sizeof r->apn, err, errlen);
  if (a < 0) return -1;
  if (a == 0 || !net_apn_ok(r->apn))
    return fail(err, errlen, "required: letters, digits, '-', '.', '_' (at most 63)", "apn");
  if (get_string(body, "username", r->apn_user, sizeof r->apn_user, err, errlen) < 0) return -1;
  if (!net_cred_ok(r->apn_user))
    return fail(err, errlen, "printable ASCII characters (at most 64)", "username");
  if (get_string(body, "password", r->apn_password, sizeof r->apn_password, err, errlen) < 0)
    return -1;
  if (!net_cred_ok(r->apn_password))
    return fail(err, errlen, "printable ASCII characters (at most 64)", "password");
  int p = get_string(body, "pin", r->pin, sizeof r->pin, err, errlen);
  if (p < 0) return -1;
  if (p == 1 && r->pin[0] && !net_pin_ok(r->pin)) return fail(err, errlen, "4 to 8 digits", "pin");
  int n = get_string(body, "network", r->network, sizeof r->network, err, errlen);
  if (n < 0) return -1;
  if (n == 1 && r->network[0] && !net_mccmnc_ok(r->network))
    return fail(err, errlen, "the network's MCC and MNC, 5 or 6 digits (e.g. 20801)", "network");
  char auth[8] = "auto";
  if (get_string(body, "auth", auth, sizeof auth, err, errlen) < 0) return -1;
  int i = 0;
  while (i < 4 && strcmp(auth, auth_names[i]) != 0) i++;
  if (i == 4) return fail(err, errlen, "auto, pap, chap or none", "auth");
  r->auth = (net_apn_auth)i;
  if (r->auth == NET_AUTH_NONE && (r->apn_user[0] || r->apn_password[0]))
    return fail(err, errlen, "a user name or password needs auth auto, pap or chap", "auth");
  return 0;
}

int net_request_parse(net_op op, const json_t *body, net_request *out, char *err, size_t errlen) {
  memset(out, 0, sizeof *out);
  out->op = op;
  if (!json_is_object(body)) {
    snprintf(err, errlen, "the body must be a JSON object");
    return -1;
  }
  switch (op) {
  case NET_OP_STATUS:
  case NET_OP_SCAN: {
    static const char *const names[] = {NULL};
    return allowed(body, names, err, errlen) ? 0 : -1;
  }
  case NET_OP_JOIN: {
    static const char *const names[] = {"ssid", "psk", NULL};
    if (!allowed(body, names, err, errlen)) return -1;
    int s = get_string(body, "ssid", out->ssid, sizeof out->ssid, err, errlen);
    if (s < 0) return -1;
    if (s == 0 || !net_ssid_ok(out->ssid))
      return fail(err, errlen, "required, 1 to 32 bytes without control characters", "ssid");
    int p = get_string(body, "psk", out->psk, sizeof out->psk, err, errlen);
    if (p < 0) return -1;
    if (p == 1 && out->psk[0] && !net_psk_ok(out->psk))
      return fail(err, errlen, "8 to 63 printable ASCII characters or 64 hex digits", "psk");
    return 0;
  }
  case NET_OP_ETHERNET:
    return parse_ethernet(body, out, err, errlen);
  case NET_OP_CELLULAR:
    return parse_cellular(body, out, err, errlen);
  case NET_OP_CELLULAR_INSTALLER:
    return 0;
  case NET_OP_SETUP_AP: {
    static const char *const names[] = {"on", NULL};
    if (!allowed(body, names, err, errlen)) return -1;
    const json_t *on = json_object_get(body, "on");
    if (!json_is_boolean(on)) return fail(err, errlen, "required, true or false", "on");
    out->on = json_is_true(on);
    return 0;
  }
  }
  snprintf(err, errlen, "unknown action");
  return -1;
}

json_t *net_request_json(const net_request *r) {
  json_t *o = json_pack("{s:s}", "op", net_op_name(r->op));
  if (!o) return NULL;
  switch (r->op) {
  case NET_OP_JOIN:
    json_object_set_new(o, "ssid", json_string(r->ssid));
    json_object_set_new(o, "psk", json_string(r->psk));
    break;
  case NET_OP_ETHERNET: {
    json_object_set_new(o, "method", json_string(r->dhcp ? "dhcp" : "static"));
    if (r->dhcp) break;
    json_object_set_new(o, "address", json_string(r->address));
    if (r->gateway[0]) json_object_set_new(o, "gateway", json_string(r->gateway));
    json_t *dns = json_array();
    for (int i = 0; i < r->dns_count; i++) json_array_append_new(dns, json_string(r->dns[i]));
    json_object_set_new(o, "dns", dns);
    break;
  }
  case NET_OP_CELLULAR:
    json_object_set_new(o, "apn", json_string(r->apn));
    json_object_set_new(o, "username", json_string(r->apn_user));
    json_object_set_new(o, "password", json_string(r->apn_password));
    json_object_set_new(o, "pin", json_string(r->pin));
    json_object_set_new(o, "network", json_string(r->network));
    json_object_set_new(o, "auth", json_string(net_apn_auth_name(r->auth)));
    json_object_set_new(o, "slot", json_integer(r->slot));
    break;
  case NET_OP_CELLULAR_INSTALLER:
    break;
  case NET_OP_SETUP_AP:
    json_object_set_new(o, "on", json_boolean(r->on));
    json_object_set_new(o, "ssid", json_string(r->ssid));
    json_object_set_new(o, "psk", json_string(r->psk));
    break;
  default:
    break;
  }
  return o;
}
