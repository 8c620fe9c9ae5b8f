/*
 * A simulated electric vehicle and the energy meter of its connector, as
 * pure logic on a virtual clock: what CP level the EV presents, how much
 * current it draws, how its battery fills and what the meter registers.
 * hal_sim.c drives one per connector; tests drive it directly.
 */
#ifndef BORNE_HAL_SIM_EV_H
#define BORNE_HAL_SIM_EV_H

#include "core/types.h"

/* The EV follows a new duty cycle (or the end of PWM) after this delay;
 * IEC 61851-1 allows up to 5 s (Table A.6), real cars take 1-3 s. */
#define SIM_EV_REACTION_MS 1000
#define SIM_AMBIENT_C 25.0
#define SIM_OVERTEMP_C 90.0

typedef struct {
  double max_current_a; /* per phase */
  int phases;           /* 1 or 3 */
  double battery_kwh;
  double soc_pct;
  double target_soc_pct;
} sim_ev_params;

typedef enum { SIM_EV_CHARGE, SIM_EV_PAUSE, SIM_EV_VENTILATION } sim_ev_request;

typedef struct {
  bool plugged;
  sim_ev_params p;
  sim_ev_request request;
  bool cp_short;      /* fault: CP shorted to PE (state E) */
  bool diode_missing; /* fault: diode check fails */
  /* what the EVSE outputs */
  int pwm_permille;
  bool contactor_closed;
  /* what the EV does */
  bool s2_closed;     /* EV asks for power (state C/D) */
  double draw_a;      /* per phase, as drawn now */
  double want_a;      /* what it will draw after the reaction delay */
  borne_ms change_at; /* when s2/draw follow the EVSE's latest signal */
  bool want_s2;
  int supply_phases; /* phases the EVSE connects (a phase contactor): 1 or 3 */
  /* meter */
  double voltage_v;
  double energy_wh; /* lifetime import register */
  borne_ms updated_at;
} sim_ev;

void sim_ev_init(sim_ev *ev, double voltage_v, double energy_wh, borne_ms now);
void sim_ev_plug(sim_ev *ev, const sim_ev_params *p, borne_ms now);
void sim_ev_unplug(sim_ev *ev, borne_ms now);
void sim_ev_set_request(sim_ev *ev, sim_ev_request r, borne_ms now);
/* EVSE outputs changed. */
void sim_ev_set_outputs(sim_ev *ev, int pwm_permille, bool contactor_closed, borne_ms now);
/* The station's phase contactor connects 1 or 3 phases: the EV draws on
 * the fewer of its own and these. */
void sim_ev_set_supply_phases(sim_ev *ev, int phases, borne_ms now);
/* Phases the EV draws from now (0 when unplugged). */
int sim_ev_phases(const sim_ev *ev);
/* Advance physics (energy, SoC, reactions) to `now`. */
void sim_ev_advance(sim_ev *ev, borne_ms now);
/* Next instant at which something visible changes by itself (reaction, full
 * battery); INT64_MAX if nothing will. */
borne_ms sim_ev_next_change(const sim_ev *ev, borne_ms now);
/* The pilot level the EVSE measures now. */
cp_state sim_ev_cp(const sim_ev *ev);
void sim_ev_meter(const sim_ev *ev, meter_reading *out);

#endif
