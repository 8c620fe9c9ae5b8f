/*
 * The simulated network back end (network.backend = sim): an Ethernet port,
 * a Wi-Fi interface with networks in range and a cellular modem, all in
 * memory, answering the same actions and in the same JSON shape as the
 * NetworkManager back end. Pure: the time is an argument.
 */
#ifndef BORNE_NETWORK_NETWORK_SIM_H
#define BORNE_NETWORK_NETWORK_SIM_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "network/network_req.h"

#define NET_SIM_APS 4

typedef struct {
  char ssid[NET_SSID_MAX + 1];
  int strength; /* percent */
  bool secured;
  const char *psk; /* the key that joins it */
} net_sim_ap;

/* A cellular connection of the modem (NetworkManager's borne-cellular, or
 * borne-cellular-slotN for an OCPP network connection profile's APN). */
typedef struct {
  bool made;
  char apn[NET_APN_MAX + 1];
  char user[NET_CRED_MAX + 1];
  char network[NET_MCCMNC_MAX + 1];
  net_apn_auth auth;
} net_sim_cell;

/* The simulated modem's SIM is registered on this network (the test PLMN). */
#define NET_SIM_OPERATOR "00101"

typedef struct {
  net_sim_ap aps[NET_SIM_APS];
  int ap_count;
  bool scanned;                     /* the list is shown after the first scan */
  char wifi_ssid[NET_SSID_MAX + 1]; /* joined, "" = none */
  bool eth_dhcp;
  char eth_address[NET_ADDR_MAX];
  char eth_gateway[NET_ADDR_MAX];
  net_sim_cell cell[NET_CELL_SLOTS]; /* [NET_CELL_INSTALLER], then per OCPP slot */
  int cell_active;                   /* the connection up on the modem, -1 = none */
  bool ap_on;
  char ap_ssid[NET_SSID_MAX + 1];
} net_sim;

/* Ethernet on DHCP, two networks in range ("borne-lab" WPA2 with key
 * "borne-lab-key", "cafe-libre" open), the modem without an APN. */
void net_sim_init(net_sim *s);
/* Applies one action; 0, or -1 with why (e.g. no such network, wrong key). */
int net_sim_apply(net_sim *s, const net_request *r, char *err, size_t errlen);
/* The GET /api/v1/network view (without setup_ap's timing, the module's). */
json_t *net_sim_status(const net_sim *s);

#endif
