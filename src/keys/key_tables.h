/*
 * Every module's configuration key table, in one list: the registry
 * (src/config) includes no module, so the programs that make a
 * configuration (borned, tools/config-doc, the tests and benches) hand these
 * tables to it first. Each table is defined next to the module that owns
 * its keys (src/<module>/<module>_keys.c).
 */
#ifndef BORNE_KEYS_KEY_TABLES_H
#define BORNE_KEYS_KEY_TABLES_H

#include "config/config_tables.h"

extern const cfg_key_table ocpp_keys;          /* src/ocpp/ocpp_keys.c: back end */
extern const cfg_key_table meter_keys;         /* src/meter/meter_keys.c: Modbus meters */
extern const cfg_key_table ocmf_keys;          /* src/ocmf/ocmf_keys.c: signed meter data */
extern const cfg_key_table energy_keys;        /* src/energy/energy_keys.c: site, grid, windows */
extern const cfg_key_table grid_keys;          /* src/grid/grid_keys.c: TIC, P1, CT, contact */
extern const cfg_key_table webpage_keys;       /* src/webpage/webpage_keys.c: local web page */
extern const cfg_key_table firmware_keys;      /* src/firmware/firmware_keys.c: updates */
extern const cfg_key_table modbus_server_keys; /* src/modbus_server/modbus_server_keys.c */
extern const cfg_key_table mqtt_keys;          /* src/mqtt/mqtt_keys.c: MQTT, Home Assistant */
extern const cfg_key_table tariff_keys;        /* src/tariff/tariff_keys.c: prices, costs */
extern const cfg_key_table site_keys;          /* src/site/site_keys.c: installations */
extern const cfg_key_table network_keys;    /* src/network/network_keys.c: LAN, Wi-Fi, cellular */
extern const cfg_key_table tamper_keys;     /* src/tamper/tamper_keys.c: cover switch */
extern const cfg_key_table shunt_trip_keys; /* src/shunt_trip/shunt_trip_keys.c: breaker trip */

/* The tables above in the order of docs/configuration.md, NULL-terminated. */
extern const cfg_key_table *const borne_key_tables[];

/* Hands every table of borne_key_tables to the registry (again: no effect).
 * 0, or -1 when the registry is full. */
int borne_keys_register(void);

#endif
