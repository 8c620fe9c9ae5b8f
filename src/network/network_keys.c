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
    {0},
};

const cfg_key_table network_keys = {"network", rows, NULL};
