/*
 * Configuration keys are registered in tables: the station core's in
 * config_registry.c, and one table per module in config_keys_<module>.c, so
 * that each module documents its own keys next to the others. A table ends
 * with an entry whose key is NULL. Add a module's table to the list below.
 */
#ifndef BORNE_CONFIG_TABLES_H
#define BORNE_CONFIG_TABLES_H

#include "config/config.h"

extern const cfg_key_def config_keys_ocpp[];     /* config_keys_ocpp.c: back end */
extern const cfg_key_def config_keys_meter[];    /* config_keys_meter.c: Modbus meters */
extern const cfg_key_def config_keys_ocmf[];     /* config_keys_ocmf.c: signed meter data */
extern const cfg_key_def config_keys_grid[];     /* config_keys_grid.c: TIC, P1, CT, contact */
extern const cfg_key_def config_keys_energy[];   /* config_keys_energy.c: site, grid, windows */
extern const cfg_key_def config_keys_web[];      /* config_keys_web.c: local web page */
extern const cfg_key_def config_keys_firmware[]; /* config_keys_firmware.c: updates */

/* A cfg_key_def check shared by the tables: an absolute path, or empty (the
 * length is the key's own bound). In config_registry.c. */
int config_check_abs_or_empty(const char *v, char *why, size_t len);

/* Cross-key checks of the meter keys (config_keys_meter.c), run by config_check(). */
int config_check_meter(const config *c, char *err, size_t errlen);

#define CONFIG_MODULE_TABLES                                                                       \
  config_keys_ocpp, config_keys_meter, config_keys_ocmf, config_keys_energy, config_keys_grid,     \
      config_keys_web, config_keys_firmware

#endif
