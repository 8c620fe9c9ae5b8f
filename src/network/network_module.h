/*
 * The station's network set-up (seed 004: LAN, Wi-Fi, cellular, a setup
 * access point for 10 minutes after power-up): GET /api/v1/network and
 * POST /api/v1/network/{scan,join,ethernet,cellular,setup_ap} over the back
 * end network.backend names (sim in memory, nm through NetworkManager).
 * docs/network.md.
 */
#ifndef BORNE_NETWORK_NETWORK_MODULE_H
#define BORNE_NETWORK_NETWORK_MODULE_H

#include <stddef.h>

#include "station/station.h"

/* Module "network" (src/main/modules.c): reads network.*, registers the
 * routes (installer role: web_required_role's default) and opens the setup
 * access point for network.setup_ap_s. -1 with a reason when the nm back
 * end's helper cannot be found. */
int network_attach(station *st, char *err, size_t errlen);

struct net_request;
/* The OCPP link's cellular connection (OCPP 2.0.1 B09/B10: a network
 * connection profile's APN, ocpp_module.c): `r` is a NET_OP_CELLULAR of an
 * OCPP configuration slot, or NET_OP_CELLULAR_INSTALLER when the link takes
 * a slot without one. Applied in the background; its outcome is an event.
 * -1 when the station's network is not borne's (network.backend none, or no
 * network module: a swarm station). */
int network_cellular(station *st, const struct net_request *r);

#endif
