/*
 * Configuration keys of the energy module (its table is handed to the
 * registry, see config/config_tables.h): the site's limits, which grid input
 * feeds load management, the failsafe, the stability and fairness timings,
 * priorities and charging windows. The rules behind them are in
 * docs/energy.md.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "energy/schedule.h"
#include "config/config_tables.h"

/* A grid input's port: a serial device path, or tcp://HOST:PORT, or a HAL
 * channel name (CT clamps, contact input) of a-z 0-9 _ . : - */
static int check_grid_port(const char *v, char *why, size_t len) {
  size_t n = strlen(v);
  if (n == 0) return 0;
  if (n > 255 || strstr(v, "..")) {
    snprintf(why, len, "`%s`: at most 255 characters, no `..`", v);
    return -1;
  }
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)v[i] <= ' ' || v[i] == '"' || v[i] == '\\' || v[i] == 0x7f) {
      snprintf(why, len,
               "`%s`: a serial device such as /dev/ttyUSB0, tcp://HOST:PORT or a HAL input name",
               v);
      return -1;
    }
  return 0;
}

/* An IANA time zone name (Europe/Paris, UTC, America/Argentina/Buenos_Aires):
 * the file is read under /usr/share/zoneinfo when the station starts. */
static int check_timezone(const char *v, char *why, size_t len) {
  size_t n = strlen(v);
  bool ok = n > 0 && n < 64 && v[0] != '/' && !strstr(v, "..");
  for (size_t i = 0; ok && i < n; i++) ok = isalnum((unsigned char)v[i]) || strchr("/_+-", v[i]);
  if (!ok) {
    snprintf(why, len, "`%s`: an IANA time zone name such as Europe/Paris or UTC", v);
    return -1;
  }
  return 0;
}

/* schedule.windows: the grammar of src/energy/schedule.h. */
static int check_windows(const char *v, char *why, size_t len) {
  static schedule s; /* large: not on the stack; config checks run on one thread */
  return schedule_parse(v, &s, why, len);
}

static const cfg_key_def rows[] = {
    {"site.limit_a", CFG_NUMBER, NULL, 6, 2000, NULL, true,
     "Site limit per phase in amps (main breaker or subscribed power). Setting it turns load "
     "management on: borne's connectors share what the building leaves below it.",
     NULL, NULL},
    {"site.limit_kva", CFG_NUMBER, NULL, 1, 2000, NULL, true,
     "Subscribed apparent power of the supply in kVA (e.g. a Linky contract of 12 kVA): the sum "
     "of the phases' currents stays below it at site.voltage_v. Without site.limit_a each phase "
     "gets an even share of it; with both, both hold. Setting it turns load management on.",
     NULL, NULL},
    {"site.phases", CFG_INT, "3", 0, 0, "1|3", true,
     "Phases of the building's supply: 3, or 1 (single-phase: every connector draws from L1).",
     NULL, NULL},
    {"site.margin_a", CFG_NUMBER, "1", 0, 100, NULL, true,
     "Amps kept free below site.limit_a (and site.circuit_limit_a) on every phase.", NULL, NULL},
    {"site.circuit_limit_a", CFG_NUMBER, NULL, 6, 2000, NULL, true,
     "Limit per phase of the circuit feeding the charge points, for borne's draw alone; unset: "
     "none beside site.limit_a.",
     NULL, NULL},
    {"grid.source", CFG_ENUM, "none", 0, 0, "none|meter|tic|p1|ct|contact|api", true,
     "Which input measures the building's load for load management: none (site.limit_a is "
     "borne's alone), meter (Modbus grid.meter), tic (Linky), p1 (DSMR), ct (current clamps), "
     "contact (EnWG 14a contact only), api (POST /api/v1/grid).",
     NULL, NULL},
    {"grid.port", CFG_STRING, NULL, 0, 255, NULL, false,
     "Where the grid input of grid.source is read: serial device of the TIC or P1 port, or the "
     "HAL input of CT clamps or the control contact.",
     "device path, tcp://host:port or input name", check_grid_port},
    {"grid.fallback_a", CFG_NUMBER, NULL, 0, 2000, NULL, true,
     "Failsafe: amps per phase that borne's connectors share together while the grid data is "
     "stale. Unset: site.limit_a - site.margin_a - the highest building load (without borne) "
     "measured since start; 6 A before any measurement.",
     NULL, NULL},
    {"grid.stale_s", CFG_NUMBER, "10", 1, 3600, NULL, true,
     "Grid data older than this many seconds is stale: the failsafe (grid.fallback_a) applies "
     "until fresh data arrives.",
     NULL, NULL},
    {"grid.contact_limit_w", CFG_NUMBER, "4200", 0, 1000000, NULL, true,
     "While the utility control contact (EnWG 14a) is asserted, the station's total charging "
     "power in watts.",
     NULL, NULL},
    {"energy.min_current_a", CFG_NUMBER, "6", 6, 32, NULL, true,
     "Least current a session is given, in amps: below it the session waits for power. 6 A is "
     "the lowest IEC 61851-1 allows; some cars charge badly near it.",
     NULL, NULL},
    {"energy.rotation_s", CFG_INT, "900", 60, 86400, NULL, true,
     "Fairness turn: when sessions wait for power, one that charged this long yields its place "
     "to the one waiting longest.",
     NULL, NULL},
    {"energy.min_on_s", CFG_INT, "60", 0, 3600, NULL, true,
     "A session started by load management is not paused before this many seconds, except to "
     "stay under the limits.",
     NULL, NULL},
    {"energy.min_off_s", CFG_INT, "60", 0, 3600, NULL, true,
     "A session paused by load management is not restarted before this many seconds.", NULL, NULL},
    {"energy.hysteresis_s", CFG_NUMBER, "5", 0, 600, NULL, true,
     "An increase of a session's current happens only after it was possible this many seconds; "
     "decreases happen at once.",
     NULL, NULL},
    {"energy.hysteresis_a", CFG_NUMBER, "1", 0.1, 32, NULL, true,
     "Increases smaller than this many amps are not made (no chasing noise).", NULL, NULL},
    {"energy.step_a", CFG_NUMBER, "6", 1, 80, NULL, true,
     "The most one increase adds to a session's current, in amps.", NULL, NULL},
    {"connector.*.priority", CFG_INT, "0", 0, 9, NULL, true,
     "Load management priority: higher priorities are served first, equal ones share fairly.", NULL,
     NULL},
    {"connector.*.phase_rotation", CFG_ENUM, "site", 0, 0, "site|L1L2L3|L2L3L1|L3L1L2", false,
     "Grid phases wired to this connector's L1 L2 L3: `site` (as site.phase_rotation) or a "
     "rotation of its own (stations that rotate phases between connectors).",
     NULL, NULL},
    {"connector.*.charge_mode", CFG_ENUM, "normal", 0, 0, "normal|solar|solar_min|offpeak_or_solar",
     true,
     "Charging mode: normal (the other limits only), solar (solar surplus only: starts and stops "
     "with the sun), solar_min (6 A from the grid, the rest from the surplus), offpeak_or_solar "
     "(full in the off-peak period, surplus only outside). Solar modes need a grid input or "
     "solar.inverter.",
     NULL, NULL},
    {"solar.start_threshold_w", CFG_NUMBER, "0", 0, 100000, NULL, true,
     "Solar: surplus in watts beyond the least charging power (6 A on the phases used) needed "
     "before a solar charge starts.",
     NULL, NULL},
    {"solar.stop_threshold_w", CFG_NUMBER, "0", 0, 100000, NULL, true,
     "Solar: grid import in watts tolerated while charging at the least current before the stop "
     "timer runs.",
     NULL, NULL},
    {"solar.start_delay_s", CFG_INT, "60", 0, 3600, NULL, true,
     "Solar: the surplus must stay above the start level this long before a charge starts (or "
     "goes from one phase to three).",
     NULL, NULL},
    {"solar.stop_delay_s", CFG_INT, "180", 0, 3600, NULL, true,
     "Solar: the surplus must stay below the stop level this long before a charge stops (or goes "
     "from three phases to one).",
     NULL, NULL},
    {"solar.min_charge_s", CFG_INT, "600", 0, 7200, NULL, true,
     "Solar: a charge started on the surplus is not stopped for lack of sun before this many "
     "seconds.",
     NULL, NULL},
    {"solar.min_pause_s", CFG_INT, "300", 0, 7200, NULL, true,
     "Solar: a charge stopped for lack of sun is not started again before this many seconds.", NULL,
     NULL},
    {"solar.smoothing_s", CFG_NUMBER, "10", 0, 600, NULL, true,
     "Solar: time constant of the moving average of the surplus, seconds (0: none).", NULL, NULL},
    {"solar.phase_switch_pause_s", CFG_INT, "60", 5, 900, NULL, true,
     "Solar: seconds without current before the phase contactor moves (the car must be paused "
     "before its phase count changes); the charge resumes 5 s after it moved.",
     NULL, NULL},
    {"solar.max_switches_per_hour", CFG_INT, "4", 0, 30, NULL, true,
     "Solar: most phase switches of one connector in any hour (0: never switch).", NULL, NULL},
    {"solar.inverter", CFG_STRING, NULL, 0, 32, NULL, false,
     "Solar: the Modbus meter (a meter.NAME, e.g. model sunspec-inverter) that is the PV "
     "inverter. Without a fresh grid sample the surplus is its production minus "
     "solar.house_load_w.",
     "meter name", NULL},
    {"solar.house_load_w", CFG_NUMBER, "0", 0, 100000, NULL, true,
     "Solar: the house consumption in watts assumed when the surplus comes from the inverter "
     "(no grid meter sees the house's load).",
     NULL, NULL},
    {"schedule.windows", CFG_STRING, "", 0, 512, NULL, true,
     "Charging windows of the station in site.timezone: weekly rules and date exceptions "
     "separated by `;`, e.g. `Mon-Sun 22:00-06:00; 2026-12-25 off`. Outside them sessions are "
     "accepted but wait (SuspendedEVSE, limited_by schedule). Empty: always allowed.",
     "DAYS HH:MM-HH:MM[,...]; YYYY-MM-DD off|HH:MM-HH:MM", check_windows},
    {"schedule.follow_offpeak", CFG_BOOL, "false", 0, 0, NULL, true,
     "Off-peak follows the meter: while a grid input reports the utility's tariff period "
     "(Linky PTEC/NTARF, P1 tariff), charging is allowed in off-peak periods only; "
     "schedule.windows applies when none is known (or older than grid.stale_s).",
     NULL, NULL},
    {"site.timezone", CFG_STRING, NULL, 0, 63, NULL, false,
     "IANA time zone of the site for charging windows (Europe/Paris); unset: UTC.", "zone name",
     check_timezone},
    {0},
};

const cfg_key_table energy_keys = {"energy", rows, NULL};
