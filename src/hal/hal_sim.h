/*
 * The simulated hardware back end: per connector an EV (sim_ev), a meter,
 * a contactor and a lock with feedback, an RCD and a temperature sensor,
 * plus one badge reader. Driven by the simulator endpoints of the API.
 */
#ifndef BORNE_HAL_HAL_SIM_H
#define BORNE_HAL_HAL_SIM_H

#include <stddef.h>

#include "hal/hal.h"
#include "hal/sim_ev.h"
#include "util/clock.h"

typedef enum {
  SIM_FAULT_RCD,
  SIM_FAULT_DIODE,
  SIM_FAULT_WELDING,
  SIM_FAULT_LOCK,
  SIM_FAULT_OVERTEMP,
  SIM_FAULT_CPSHORT,
  SIM_FAULT_CLEAR,
  /* the lock does not open: released, its switch still reads locked (a
   * motor lock stuck, a cable under tension); it engages as asked */
  SIM_FAULT_LOCK_STUCK,
} sim_fault;

/* `energy_wh[i]`: where connector i+1's meter register starts (last durable value). */
hal *hal_sim_create(int connectors, const station_clock *clock, double voltage_v,
                    const double *energy_wh, bool tethered);
/* Sets `pp_ohms` of the cable plugged at connector c (default 220 ohm = 32 A). */
int hal_sim_plug(hal *h, int connector, const sim_ev_params *p, double pp_ohms, char *err,
                 size_t errlen);
/* The EV unplugged with its cable: the car's side (CP state A), then the
 * socket's (PP open), whatever the lock says. */
int hal_sim_unplug(hal *h, int connector, char *err, size_t errlen);
/* Only the car's side: the cable stays in the socket (PP still reads its
 * resistor), as when the driver takes the plug out of the car first. */
int hal_sim_unplug_ev(hal *h, int connector, char *err, size_t errlen);
/* The cable left behind by hal_sim_unplug_ev leaves the socket (PP open);
 * refused while the lock holds it, as a real lock would. */
int hal_sim_remove_cable(hal *h, int connector, char *err, size_t errlen);
/* A cable is in connector's socket (never with a fixed cable). */
bool hal_sim_cable_in(hal *h, int connector);
int hal_sim_ev_request(hal *h, int connector, sim_ev_request r, char *err, size_t errlen);
int hal_sim_fault(hal *h, int connector, sim_fault f, char *err, size_t errlen);
void hal_sim_tap(hal *h, const char *uid);
/* Plug or unplug the simulated badge reader: unplugged, taps are lost (and
 * counted as its bad_frames in reader_state). */
void hal_sim_set_reader(hal *h, bool connected);
/* Parse "rcd", "diode", ... ; -1 when unknown. */
int sim_fault_parse(const char *name, sim_fault *out);
/* Make the start-up self-test of `connector` fail the named check ("rcd",
 * "contactor", "cp", "meter"); used by tests and --set sim.selftest_fail. */
int hal_sim_fail_selftest(hal *h, int connector, const char *check);

/* Grid inputs (docs/hal.md "Grid inputs"): the utility control contact, and
 * the RMS current per phase the simulated CT clamps see (A, default 0). */
void hal_sim_set_contact(hal *h, bool asserted);
bool hal_sim_contact(hal *h);
void hal_sim_set_ct(hal *h, const double amps[3]);
/* A phase contactor on every connector (sim.phase_contactor): get_phases and
 * set_phases work, the EVs draw on the phases it connects (3 at start). */
void hal_sim_set_phase_contactor(hal *h, bool present);
/* The cover/tamper switch (docs/hal.md "Tamper and shunt trip"): true = opened. */
void hal_sim_set_tamper(hal *h, bool opened);
bool hal_sim_tamper(hal *h);
/* The setup access point's push button (docs/network.md): true = pressed. */
void hal_sim_set_ap_button(hal *h, bool pressed);
/* The shunt-trip output now (true = tripping) and, in *trips when not NULL,
 * how many times it was driven on. */
bool hal_sim_shunt_trip(hal *h, int *trips);

#endif
