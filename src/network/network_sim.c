/*
 * The simulated network (see network_sim.h). Joining checks the key the way
 * a real access point would refuse it, so the page and the tests see the
 * same failure as on a board.
 */
#include "network/network_sim.h"

#include <stdio.h>
#include <string.h>

void net_sim_init(net_sim *s) {
  memset(s, 0, sizeof *s);
  s->aps[0] = (net_sim_ap){"borne-lab", 82, true, "borne-lab-key"};
  s->aps[1] = (net_sim_ap){"cafe-libre", 41, false, ""};
  s->ap_count = 2;
  s->eth_dhcp = true;
  snprintf(s->eth_address, sizeof s->eth_address, "192.168.1.50/24");
  snprintf(s->eth_gateway, sizeof s->eth_gateway, "192.168.1.1");
  s->cell_active = -1;
}

/* Makes (or replaces) a cellular connection and brings it up, as borne-nm
 * does; a network other than the SIM's cannot be registered on. */
static int cellular(net_sim *s, const net_request *r, char *err, size_t errlen) {
  if (r->slot < 0 || r->slot >= NET_CELL_SLOTS) {
    snprintf(err, errlen, "no cellular connection slot %d", r->slot);
    return -1;
  }
  net_sim_cell *c = &s->cell[r->slot];
  c->made = true;
  snprintf(c->apn, sizeof c->apn, "%s", r->apn);
  snprintf(c->user, sizeof c->user, "%s", r->apn_user);
  snprintf(c->network, sizeof c->network, "%s", r->network);
  c->auth = r->auth;
  if (c->network[0] && strcmp(c->network, NET_SIM_OPERATOR) != 0) {
    s->cell_active = -1;
    snprintf(err, errlen, "the modem cannot register on network %s", c->network);
    return -1;
  }
  s->cell_active = r->slot;
  return 0;
}

static const net_sim_ap *find_ap(const net_sim *s, const char *ssid) {
  for (int i = 0; i < s->ap_count; i++)
    if (strcmp(s->aps[i].ssid, ssid) == 0) return &s->aps[i];
  return NULL;
}

int net_sim_apply(net_sim *s, const net_request *r, char *err, size_t errlen) {
  switch (r->op) {
  case NET_OP_STATUS:
    return 0;
  case NET_OP_SCAN:
    s->scanned = true;
    return 0;
  case NET_OP_JOIN: {
    const net_sim_ap *ap = find_ap(s, r->ssid);
    if (!ap) {
      snprintf(err, errlen, "no Wi-Fi network named \"%s\" in range", r->ssid);
      return -1;
    }
    if (ap->secured && strcmp(ap->psk, r->psk) != 0) {
      snprintf(err, errlen, "\"%s\" refused the key", r->ssid);
      return -1;
    }
    snprintf(s->wifi_ssid, sizeof s->wifi_ssid, "%s", r->ssid);
    return 0;
  }
  case NET_OP_ETHERNET:
    s->eth_dhcp = r->dhcp;
    snprintf(s->eth_address, sizeof s->eth_address, "%s", r->dhcp ? "192.168.1.50/24" : r->address);
    snprintf(s->eth_gateway, sizeof s->eth_gateway, "%s", r->dhcp ? "192.168.1.1" : r->gateway);
    return 0;
  case NET_OP_CELLULAR:
    return cellular(s, r, err, errlen);
  case NET_OP_CELLULAR_INSTALLER: /* only when a slot's connection is up */
    if (s->cell_active > NET_CELL_INSTALLER)
      s->cell_active = s->cell[NET_CELL_INSTALLER].made ? NET_CELL_INSTALLER : -1;
    return 0;
  case NET_OP_SETUP_AP:
    s->ap_on = r->on;
    snprintf(s->ap_ssid, sizeof s->ap_ssid, "%s", r->on ? r->ssid : "");
    return 0;
  }
  snprintf(err, errlen, "unknown action");
  return -1;
}

static json_t *iface(const char *name, const char *type, const char *state, const char *addr,
                     const char *conn) {
  json_t *a = json_array();
  if (addr && addr[0]) json_array_append_new(a, json_string(addr));
  return json_pack("{s:s, s:s, s:s, s:o, s:s?}", "name", name, "type", type, "state", state,
                   "addresses", a, "connection", conn && conn[0] ? conn : NULL);
}

json_t *net_sim_status(const net_sim *s) {
  json_t *ifs = json_array();
  json_t *eth = iface("eth0", "ethernet", "connected", s->eth_address, "borne-ethernet");
  json_object_set_new(eth, "method", json_string(s->eth_dhcp ? "dhcp" : "static"));
  if (s->eth_gateway[0]) json_object_set_new(eth, "gateway", json_string(s->eth_gateway));
  json_array_append_new(ifs, eth);
  bool wifi = s->wifi_ssid[0] != '\0';
  json_array_append_new(ifs, iface("wlan0", "wifi",
                                   s->ap_on ? "connected"
                                   : wifi   ? "connected"
                                            : "disconnected",
                                   s->ap_on ? "10.42.0.1/24"
                                   : wifi   ? "192.168.4.23/24"
                                            : "",
                                   s->ap_on ? "borne-setup-ap" : s->wifi_ssid));
  const net_sim_cell *cell = s->cell_active >= 0 ? &s->cell[s->cell_active] : NULL;
  char conn[32] = "";
  if (cell && s->cell_active == NET_CELL_INSTALLER)
    snprintf(conn, sizeof conn, "borne-cellular");
  else if (cell)
    snprintf(conn, sizeof conn, "borne-cellular-slot%d", s->cell_active);
  json_t *wwan = iface("wwan0", "cellular", cell ? "connected" : "disconnected",
                       cell ? "10.64.12.7/32" : "", conn);
  json_object_set_new(wwan, "apn", cell ? json_string(cell->apn) : json_null());
  json_object_set_new(wwan, "operator", json_string(NET_SIM_OPERATOR));
  json_array_append_new(ifs, wwan);
  json_t *list = json_array();
  for (int i = 0; s->scanned && i < s->ap_count; i++)
    json_array_append_new(list,
                          json_pack("{s:s, s:i, s:b, s:b}", "ssid", s->aps[i].ssid, "strength",
                                    s->aps[i].strength, "secured", s->aps[i].secured, "active",
                                    strcmp(s->aps[i].ssid, s->wifi_ssid) == 0));
  bool any = false;
  for (int i = 0; i < 3; i++) {
    const char *st = json_string_value(json_object_get(json_array_get(ifs, (size_t)i), "state"));
    any = any || strcmp(st, "connected") == 0;
  }
  return json_pack("{s:s, s:s, s:o, s:o}", "backend", "sim", "state",
                   any ? "connected" : "disconnected", "interfaces", ifs, "wifi", list);
}
