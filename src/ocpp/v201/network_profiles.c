/*
 * OCPP 2.0.1 B09 SetNetworkProfile: a network connection profile from the
 * CSMS into a configuration slot (ocpp_network.h keeps them), checked per
 * B09.FR.02/04/05 (Rejected with the errata's reasonCode) and B09.FR.03
 * (Failed when it cannot be stored). The CSMS makes it count with
 * NetworkConfigurationPriority and a Reset (B10); the fallback from one slot
 * to the next is the OCPP module's (ocpp_module.c). One file of the 2.0.1
 * dialect's functional blocks.
 */
#include <stdio.h>
#include <string.h>

#include "ocpp/ocpp_core.h"
#include "ocpp/ocpp_network.h"
#include "ocpp/v201/v201_internal.h"

int v201_security_profile_in_use(const ocpp201_station *o) {
  const ocpp_core *core = o->shared;
  return ocpp_core_network_slot(core) != OCPP_NET_INSTALLER && core->net_url && core->net_url[0]
             ? core->net_security
             : (int)config_get_int(o->st->cfg, "ocpp.security_profile");
}

/* The lowest security profile allowed now: the one in use, or 2 under 3
 * with SecurityCtrlr.AllowSecurityProfileDowngrade (B09.FR.04). */
static int profile_in_use(const ocpp201_station *o) {
  return ocpp_net_downgrade_floor(
      v201_security_profile_in_use(o),
      config_get_bool(o->st->cfg, "ocpp.AllowSecurityProfileDowngrade"));
}

bool v201_priority_downgrades(const ocpp201_station *o, const char *value, char *why,
                              size_t whylen) {
  int slot = ocpp_net_priority_downgrade(o->st->db, value,
                                         (int)config_get_int(o->st->cfg, "ocpp.security_profile"),
                                         profile_in_use(o));
  if (slot <= 0) return false;
  snprintf(why, whylen, "slot %d has a lower security profile than the one in use", slot);
  return true;
}

/* A05.FR.02 / A05.FR.03 (OCPP 2.0.1 part 2, A05 Upgrade Charging Station
 * Security Profile; TC_A_20_CS / TC_A_21_CS): a priority list that would
 * raise the security profile to 2 or 3 is refused while no CSMS root is
 * installed — the store's, or the installer's ocpp.ca_file —, and to 3
 * while the station has no client certificate valid now — the store's, or
 * the installer's ocpp.cert_file. A list that raises nothing is not
 * looked at: the profile in use already works. */
bool v201_priority_unready(ocpp201_station *o, const char *value, char *why, size_t whylen) {
  int slot = 0;
  int highest = ocpp_net_priority_highest(
      o->st->db, value, (int)config_get_int(o->st->cfg, "ocpp.security_profile"), &slot);
  if (highest < 2 || highest <= v201_security_profile_in_use(o)) return false;
  cp_certs *certs = o->shared->certs;
  const char *ca_file = config_get(o->st->cfg, "ocpp.ca_file");
  bool root = (certs && cp_certs_count(certs, CP_CERT_CSMS_ROOT) > 0) || (ca_file && ca_file[0]);
  if (!root) {
    snprintf(why, whylen,
             "slot %d has security profile %d and no CSMSRootCertificate is installed (A05.FR.02)",
             slot, highest);
    return true;
  }
  if (highest >= 3 &&
      (!certs ||
       cp_certs_client_not_after(certs, config_get(o->st->cfg, "ocpp.cert_file")) <= now201(o))) {
    snprintf(why, whylen,
             "slot %d has security profile 3 and no valid ChargingStationCertificate is "
             "installed (A05.FR.03)",
             slot);
    return true;
  }
  return false;
}

static void h_set_network_profile(ocpp201_station *o, const json_t *req, ocpp_reply *r) {
  int slot = (int)json_integer_value(json_object_get(req, "configurationSlot"));
  const json_t *data = json_object_get(req, "connectionData");
  ocpp_core *core = o->shared;
  int current = profile_in_use(o);
  const char *key = config_get(o->st->cfg, "ocpp.AuthorizationKey");
  bool has_password =
      (key && key[0]) || json_string_value(json_object_get(data, "basicAuthPassword"));
  char why[200];
  const char *reason = ocpp_net_check(slot, data, current, has_password, why, sizeof why);
  if (reason) {
    station_event(o->st, 0, "ocpp_network_profile", "slot %d rejected: %s", slot, why);
    v201_reply_status_info(r, "Rejected", reason, why);
    return;
  }
  if (ocpp_net_save(o->st->db, slot, data) != 0) {
    snprintf(why, sizeof why, "cannot store it: %s", store_last_error(o->st->db));
    station_event(o->st, 0, "ocpp_network_profile", "slot %d failed: %s", slot, why);
    v201_reply_status_info(r, "Failed", "InternalError", why);
    return;
  }
  ocpp_core_network_reload(core);
  const char *url = json_string_value(json_object_get(data, "ocppCsmsUrl"));
  int profile = (int)json_integer_value(json_object_get(data, "securityProfile"));
  station_event(o->st, 0, "ocpp_network_profile", "slot %d: %s (security profile %d)", slot, url,
                profile);
  /* the back end's URL and credentials of a slot are security parameters (A04) */
  station_event(o->st, 0, "security",
                "ReconfigurationOfSecurityParameters: network profile slot %d set by the CSMS",
                slot);
  v201_reply_status_info(r, "Accepted", NULL, NULL);
}

static const v201_handler handlers[] = {
    {"SetNetworkProfile", h_set_network_profile},
};
const v201_family v201_network_calls = {handlers, sizeof handlers / sizeof handlers[0]};
