/*
 * The one place that knows every module's key table (see key_tables.h):
 * the order here is the order of the registry, of GET /api/v1/settings and
 * of the key table of docs/configuration.md, after the core's keys.
 */
#include "keys/key_tables.h"

#include <stddef.h>

const cfg_key_table *const borne_key_tables[] = {
    &ocpp_keys,    &meter_keys,    &ocmf_keys,          &energy_keys,  &grid_keys,
    &webpage_keys, &firmware_keys, &modbus_server_keys, &site_keys,    &mqtt_keys,
    &tariff_keys,  &tamper_keys,   &shunt_trip_keys,    &network_keys, NULL,
};

int borne_keys_register(void) {
  for (size_t i = 0; borne_key_tables[i]; i++)
    if (config_registry_add_table(borne_key_tables[i]) != 0) return -1;
  return 0;
}
