/* Configuration keys of the grid module (its table is handed to the
 * registry, see config/config_tables.h): the inputs that measure the
 * building's grid connection besides a Modbus meter (Linky TIC, P1/DSMR, CT
 * clamps, a utility control contact). See docs/grid-inputs.md.
 *
 * grid.source and grid.port belong to energy management
 * (src/energy/energy_keys.c); they are registered here, under the same names
 * and values, only until that table has them, and one of the two copies goes
 * at the merge. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "config/config_tables.h"
#include "util/errbuf.h"

/* "[!]gpiochipN:LINE", as the connector pins (docs/hal.md). */
static int check_gpio(const char *v, char *why, size_t len) {
  const char *p = v[0] == '!' ? v + 1 : v;
  const char *colon = strrchr(p, ':');
  bool ok = colon && strncmp(p, "gpiochip", 8) == 0 && colon > p + 8 && colon[1];
  for (const char *c = p + 8; ok && c < colon; c++) ok = *c >= '0' && *c <= '9';
  for (const char *c = colon ? colon + 1 : p; ok && *c; c++) ok = *c >= '0' && *c <= '9';
  if (ok) return 0;
  return errbuf_fail(why, len, "`%s`: gpiochipN:LINE, or !gpiochipN:LINE when active low", v);
}

/* "iio:deviceN:in_voltageK_raw", as the connector ADC channels (docs/hal.md). */
static int check_iio(const char *v, char *why, size_t len) {
  const char *colon = strrchr(v, ':');
  bool ok = colon && strncmp(v, "iio:device", 10) == 0 && colon > v + 10 && colon[1] &&
            !strchr(v, '/') && strlen(v) < 96;
  for (const char *c = v + 10; ok && c < colon; c++) ok = *c >= '0' && *c <= '9';
  if (ok) return 0;
  return errbuf_fail(why, len, "`%s`: iio:deviceN:in_voltageK_raw", v);
}

static const cfg_key_def rows[] = {
    /* grid.source and grid.port: src/energy/energy_keys.c (energy management reads them too)
     */
    {"grid.tic_mode", CFG_ENUM, "auto", 0, 0, "auto|historic|standard", false,
     "Linky TIC mode: historic (1200 baud 7E1), standard (9600 baud 7E1), or auto (tries "
     "both speeds until checksums match).",
     NULL, NULL},
    {"grid.p1_baud", CFG_INT, "115200", 0, 0, "9600|19200|38400|57600|115200", false,
     "Speed of the P1 line (DSMR 4.x and 5.0: 115200, 8N1).", NULL, NULL},
    {"grid.p1_offpeak_tariff", CFG_INT, "1", 0, 2, NULL, false,
     "P1 tariff indicator (0-0:96.14.0) that means off-peak: 1 in the Netherlands, 2 in "
     "Belgium; 0: the P1 source says nothing about off-peak.",
     NULL, NULL},
    {"grid.contact", CFG_BOOL, "false", 0, 0, NULL, false,
     "Read the utility control contact (EnWG 14a, a dry contact closed when the grid operator "
     "asks for reduced power) besides grid.source; implied by grid.source = contact.",
     NULL, NULL},
    {"grid.contact_gpio", CFG_STRING, NULL, 0, 32, NULL, false,
     "GPIO input of the control contact on the linux HAL (the simulator's contact is driven "
     "through POST /api/v1/sim/grid).",
     "[!]gpiochipN:LINE", check_gpio},
    {"grid.ct.*.adc", CFG_STRING, NULL, 0, 95, NULL, false,
     "ADC channel of the CT clamp on phase l1, l2 or l3 (grid.ct.l1.adc ...) on the linux HAL; "
     "the phases without a clamp read 0. The simulator has three clamps.",
     "iio:deviceN:in_voltageK_raw", check_iio},
    {"grid.ct.*.rated_a", CFG_NUMBER, "100", 1, 5000, NULL, false,
     "Primary RMS current at which the clamp of phase l1/l2/l3 gives its rated output, A.", NULL,
     NULL},
    {"grid.ct.*.rated_v", CFG_NUMBER, "0.333", 0.001, 10, NULL, false,
     "RMS output voltage of the clamp of phase l1/l2/l3 at its rated current, V.", NULL, NULL},
    {"grid.ct.*.gain", CFG_NUMBER, "1", 0.5, 2, NULL, false,
     "Calibration factor of the clamp of phase l1/l2/l3 (reference current / measured).", NULL,
     NULL},
    {"grid.ct_interval_ms", CFG_INT, "1000", 100, 60000, NULL, false,
     "Milliseconds between two readings of the CT clamps (each one a 100 ms block per clamp).",
     NULL, NULL},
    {0},
};

const cfg_key_table grid_keys = {"grid", rows, NULL};
