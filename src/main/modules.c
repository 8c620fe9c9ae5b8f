/*
 * The modules that sit beside the station core, attached in this order
 * before the self-test and before the HTTP server listens (the late list
 * once the OCPP link is connecting, station_options.defer_late). Each attach function reads
 * its own configuration, registers its routes and hooks (station_add_module
 * and the other extension points of station/station.h), and returns -1 with
 * one line in err when the station must not start. Every capability's glue
 * is named <capability>_attach and lives in src/<capability>/, in files named
 * <capability>_module*.c.
 */
#include "main/modules.h"

#include "energy/energy_module.h"
#include "firmware/firmware_module.h"
#include "grid/grid_module.h"
#include "meter/meter_module.h"
#include "modbus_server/modbus_server_module.h"
#include "mqtt/mqtt_module.h"
#include "network/network_module.h"
#include "ocmf/ocmf_module.h"
#include "ocpp/ocpp_module.h"
#include "reservation/reservation_module.h"
#include "shunt_trip/shunt_trip_module.h"
#include "site/site_module.h"
#include "tamper/tamper_module.h"
#include "tariff/tariff_module.h"
#include "webpage/webpage_module.h"
#include "api/api_module.h"

static const station_attach_fn attach_list[] = {
    api_attach,         /* the REST API: first, before the web page's catch-all file route */
    tariff_attach,      /* prices: each session's tariff, recorded at its start */
    reservation_attach, /* local reservations (/api/v1/reservations): a route before the page's */
    meter_attach,       /* Modbus meters: before the modules that read meters */
    grid_attach,        /* Linky TIC / P1 line, CT clamps, control contact (grid.source) */
    tamper_attach,      /* the cover/tamper switch: before OCPP, whose hook gets its first alarm */
    shunt_trip_attach,  /* the breaker's shunt release: before the self-test it may trip on */
    network_attach,     /* LAN, Wi-Fi, cellular, the setup access point (network.backend) */
    energy_attach,      /* load management: after the meters, reads their samples */
    ocpp_attach,        /* OCPP back end (ocpp.url, any ocpp.version): starts connecting early */
    NULL,
};

/* What the first BootNotification does not need: attached once the OCPP link
 * is connecting (station_options.defer_late), always before a session starts. */
static const station_attach_fn attach_late_list[] = {
    ocpp_attach_late, /* the security event StartupOfTheDevice, off the BootNotification's way */
    ocmf_attach,      /* signed meter data: its hooks go before OCPP's (the end record first) */
    modbus_server_attach, /* Modbus TCP server: register map, setpoints (modbus_server.listen) */
    site_attach,    /* installations: GET /api/v1/site; the leader polls its members (site.role) */
    webpage_attach, /* the local web page */
    mqtt_attach,    /* MQTT and Home Assistant discovery (mqtt.url): after every limit source */
    NULL,
};

const station_parts borne_station_parts = {
    .attach = attach_list, .attach_late = attach_late_list, .tls_files = web_tls_files};

/* borne-swarm's stations (docs/swarm.md): the same lists without the local web
 * page, which nobody can open (no HTTP server in swarm mode), and without the
 * installation (site) module, whose leader and followers talk over that HTTP
 * server (it took 34 kB per station, its directory's push table). */
static const station_attach_fn swarm_attach_late_list[] = {
    ocpp_attach_late, ocmf_attach, modbus_server_attach, mqtt_attach, NULL,
};

/* ... and OCMF's tables made before OCPP's attach, whose first write takes
 * the schema template of the swarm's new databases (store.c): a later
 * station's schema is then one copy, OCMF's steps included. borned keeps
 * them in the late attach (its first BootNotification sooner). The same
 * order as attach_list otherwise: keep the two in step. */
static const station_attach_fn swarm_attach_list[] = {
    api_attach,    tariff_attach,      reservation_attach, meter_attach,
    grid_attach,   tamper_attach,      shunt_trip_attach,  network_attach,
    energy_attach, ocmf_schema_attach, ocpp_attach,        NULL,
};

const station_parts borne_swarm_station_parts = {.attach = swarm_attach_list,
                                                 .attach_late = swarm_attach_late_list};
