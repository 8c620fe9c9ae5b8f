/*
 * The network actions an installer may ask for (POST /api/v1/network/{action},
 * docs/network.md), parsed and checked from outside JSON into one plain value
 * the back ends act on, and written back as the JSON line the NetworkManager
 * helper (borne-nm) reads. Pure: no I/O, no loop; fuzzed (tests/fuzz).
 */
#ifndef BORNE_NETWORK_NETWORK_REQ_H
#define BORNE_NETWORK_NETWORK_REQ_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define NET_SSID_MAX 32 /* bytes, IEEE 802.11 */
#define NET_PSK_MAX 64  /* 8..63 characters, or 64 hex digits */
#define NET_APN_MAX 63
#define NET_DNS_MAX 3
#define NET_ADDR_MAX 48 /* "255.255.255.255/32" and room */
#define NET_CRED_MAX 64 /* an APN's user name or password */
#define NET_PIN_MAX 8   /* a SIM PIN: 4 to 8 digits */
#define NET_MCCMNC_MAX 6
/* The connections of the cellular modem: the installer's, and one per OCPP
 * network connection profile slot that names an APN (docs/network.md). */
#define NET_CELL_INSTALLER 0
#define NET_CELL_SLOTS 5 /* 0, and the OCPP configuration slots 1 to 4 */

typedef enum {
  NET_OP_STATUS,
  NET_OP_SCAN,
  NET_OP_JOIN,
  NET_OP_ETHERNET,
  NET_OP_CELLULAR,
  NET_OP_SETUP_AP,
  /* not a route: back to the installer's cellular connection when the OCPP
   * link leaves a slot with an APN of its own (network_module.h) */
  NET_OP_CELLULAR_INSTALLER,
} net_op;

/* How the modem proves itself to the APN (OCPP's APNAuthenticationEnumType). */
typedef enum { NET_AUTH_AUTO, NET_AUTH_PAP, NET_AUTH_CHAP, NET_AUTH_NONE } net_apn_auth;

typedef struct net_request {
  net_op op;
  char ssid[NET_SSID_MAX + 1]; /* join; setup_ap: the access point's name */
  char psk[NET_PSK_MAX + 1];   /* join: "" for an open network; setup_ap: its key */
  bool dhcp;                   /* ethernet */
  char address[NET_ADDR_MAX];  /* ethernet static: "192.168.1.20/24" */
  char gateway[NET_ADDR_MAX];  /* ethernet static: "" = none */
  char dns[NET_DNS_MAX][NET_ADDR_MAX];
  int dns_count;
  char apn[NET_APN_MAX + 1]; /* cellular */
  char apn_user[NET_CRED_MAX + 1];
  char apn_password[NET_CRED_MAX + 1];
  char pin[NET_PIN_MAX + 1];        /* "" = the SIM has none */
  char network[NET_MCCMNC_MAX + 1]; /* MCC and MNC the modem must register on; "" = any */
  net_apn_auth auth;
  int slot; /* cellular: NET_CELL_INSTALLER from the API, the OCPP slot from the link */
  bool on;  /* setup_ap */
} net_request;

/* The action named by the route's last segment ("scan", "join", "ethernet",
 * "cellular", "setup_ap"); -1 when it is none of them (cellular_installer is
 * not a route). */
int net_op_from_name(const char *name);
const char *net_op_name(net_op op);

/* Fills `out` from the body of action `op` (an object; unknown members are
 * refused). 0, or -1 with a sentence naming the member in err. */
int net_request_parse(net_op op, const json_t *body, net_request *out, char *err, size_t errlen);

/* The request as the JSON object borne-nm reads (with "op"); NULL: no memory. */
json_t *net_request_json(const net_request *r);

/* Checks used by the parser, exported for the setup access point's keys. */
bool net_ssid_ok(const char *ssid);
bool net_psk_ok(const char *psk);
/* The cellular members' checks, shared with the OCPP link's APN (an OCPP
 * network connection profile's apn: ocpp_network.c). */
bool net_apn_ok(const char *apn);
bool net_cred_ok(const char *s); /* user name, password: printable ASCII */
bool net_pin_ok(const char *pin);
bool net_mccmnc_ok(const char *s);
/* A Linux network interface name ("eth0", "wwan0"): 1 to NET_IFNAME_MAX
 * printable ASCII characters, none of '/', ':' or a space, not "." or ".."
 * (what the kernel's dev_valid_name takes, ASCII only). */
#define NET_IFNAME_MAX 15 /* IFNAMSIZ - 1 */
bool net_ifname_ok(const char *name);
const char *net_apn_auth_name(net_apn_auth a); /* "auto", "pap", "chap", "none" */

#endif
