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

typedef enum {
  NET_OP_STATUS,
  NET_OP_SCAN,
  NET_OP_JOIN,
  NET_OP_ETHERNET,
  NET_OP_CELLULAR,
  NET_OP_SETUP_AP,
} net_op;

typedef struct {
  net_op op;
  char ssid[NET_SSID_MAX + 1]; /* join; setup_ap: the access point's name */
  char psk[NET_PSK_MAX + 1];   /* join: "" for an open network; setup_ap: its key */
  bool dhcp;                   /* ethernet */
  char address[NET_ADDR_MAX];  /* ethernet static: "192.168.1.20/24" */
  char gateway[NET_ADDR_MAX];  /* ethernet static: "" = none */
  char dns[NET_DNS_MAX][NET_ADDR_MAX];
  int dns_count;
  char apn[NET_APN_MAX + 1]; /* cellular */
  bool on;                   /* setup_ap */
} net_request;

/* The action named by the route's last segment ("scan", "join", "ethernet",
 * "cellular", "setup_ap"); -1 when it is none of them. */
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

#endif
