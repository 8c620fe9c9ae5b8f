/* Configuration keys of the network module (docs/network.md; its table is
 * handed to the registry, see config/config_tables.h). */
#include <stdio.h>
#include <string.h>

#include "network/network_req.h"
#include "config/config_tables.h"

static int check_ssid(const char *v, char *why, size_t len) {
  if (net_ssid_ok(v)) return 0;
  snprintf(why, len, "1 to 32 bytes without control characters");
  return -1;
}

static int check_psk(const char *v, char *why, size_t len) {
  if (!v[0] || net_psk_ok(v)) return 0;
  snprintf(why, len, "8 to 63 printable ASCII characters or 64 hex digits");
  return -1;
}

static int check_ifname(const char *v, char *why, size_t len) {
  if (!v[0] || net_ifname_ok(v)) return 0;
  snprintf(why, len, "a network interface name: 1 to %d characters, no '/', ':' or space",
           NET_IFNAME_MAX);
  return -1;
}

/* The OS interface behind each of OCPP's logical interfaces
 * (OCPPInterfaceEnumType, the ocppInterface of a 2.0.1/2.1 network
 * connection profile): the OCPP link of a slot whose profile names one goes
 * out through that interface (ocpp_module.c, ocpp_transport.c). */
#define OCPP_INTERFACE_KEY(name, example)                                                          \
  {                                                                                                \
    "network.interface." name, CFG_STRING, "", 0, NET_IFNAME_MAX, NULL, true,                      \
        "The network interface (e.g. " example ") of OCPP's " name ": the OCPP connection of a "   \
        "network connection profile (SetNetworkProfile, OCPP 2.0.1/2.1) whose ocppInterface "      \
        "is " name                                                                                 \
        " is bound to it (SO_BINDTODEVICE; one that does not exist fails, the next slot of "       \
        "NetworkConfigurationPriority takes over). Empty: not bound, the system's routing picks "  \
        "the interface. A change reconnects a link that uses it.",                                 \
        "a Linux interface name, or empty", check_ifname                                           \
  }

static const cfg_key_def rows[] = {
    {"network.backend", CFG_ENUM, "none", 0, 0, "none|sim|nm", 0,
     "Who sets up the station's network (Ethernet, Wi-Fi, cellular, the setup access point): "
     "none (the system's own configuration, GET /api/v1/network says so), sim (in-memory "
     "networks, for the PC and the tests) or nm (NetworkManager over D-Bus, through the "
     "borne-nm helper; docs/network.md).",
     NULL, NULL},
    {"network.setup_ap_s", CFG_INT, "600", 0, 86400, NULL, 0,
     "Seconds the setup Wi-Fi access point stays open after start-up and after "
     "POST /api/v1/network/setup_ap {\"on\":true} (bornectl network ap on). 0: not opened at "
     "start-up; opened on demand it then stays until closed.",
     NULL, NULL},
    {"network.setup_ap_ssid", CFG_STRING, "borne-setup", 0, 32, NULL, 0,
     "Name (SSID) of the setup access point.", "1 to 32 bytes", check_ssid},
    {"network.setup_ap_psk", CFG_STRING, "", 0, 64, NULL, CFG_SECRET,
     "WPA2 key of the setup access point (e.g. printed on the station's label); empty: an open "
     "access point.",
     "8 to 63 characters or 64 hex digits", check_psk},
    {"network.ap_button", CFG_STRING, "", 0, 63, NULL, 0,
     "Push button that opens the setup access point for network.setup_ap_s seconds (as "
     "POST /api/v1/network/setup_ap {\"on\":true} does): on the linux HAL its GPIO line, 1 = "
     "pressed (`!` first: active low, a button to ground with a pull-up); on the simulator any "
     "value fits the button, pressed through POST /api/v1/sim/ap_button. Empty: no button. "
     "Needs network.backend sim or nm.",
     "[!]gpiochipN:LINE", NULL},
    OCPP_INTERFACE_KEY("Wired0", "eth0"),
    OCPP_INTERFACE_KEY("Wired1", "eth1"),
    OCPP_INTERFACE_KEY("Wired2", "eth2"),
    OCPP_INTERFACE_KEY("Wired3", "eth3"),
    OCPP_INTERFACE_KEY("Wireless0", "wwan0"),
    OCPP_INTERFACE_KEY("Wireless1", "wlan0"),
    OCPP_INTERFACE_KEY("Wireless2", "wwan1"),
    OCPP_INTERFACE_KEY("Wireless3", "wlan1"),
    {0},
};

/* The button needs a back end that opens the access point, and a line of its own. */
static int check(const config *c, char *err, size_t errlen) {
  const char *spec = config_get(c, "network.ap_button");
  if (!spec || !spec[0]) return 0;
  const char *backend = config_get(c, "network.backend");
  if (!backend || strcmp(backend, "none") == 0) {
    snprintf(err, errlen, "network.ap_button: needs network.backend sim or nm (it is none)");
    return -1;
  }
  char key[64];
  const char *user = config_pin_user(c, spec, key, sizeof key);
  static const char *const others[] = {"tamper.gpio", "shunt_trip.gpio"};
  const char *line = spec[0] == '!' ? spec + 1 : spec;
  for (size_t i = 0; !user && i < sizeof others / sizeof others[0]; i++) {
    const char *v = config_get(c, others[i]);
    if (v && v[0] && strcmp(v[0] == '!' ? v + 1 : v, line) == 0) user = others[i];
  }
  if (user) {
    snprintf(err, errlen, "network.ap_button: %s is already used by %s", spec, user);
    return -1;
  }
  return 0;
}

const cfg_key_table network_keys = {"network", rows, check};
