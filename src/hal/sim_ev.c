/*
 * Simulated EV and connector meter. Pure: no I/O, no clock; time comes in as
 * `now`. Energy is integrated exactly between events, so the register is right
 * whatever the polling rate or --sim-speed. Must never make the register go
 * backwards.
 */
#include "hal/sim_ev.h"

#include <math.h>
#include <stdint.h>

#include "core/pilot.h"

void sim_ev_init(sim_ev *ev, double voltage_v, double energy_wh, borne_ms now) {
  *ev = (sim_ev){0};
  ev->voltage_v = voltage_v;
  ev->energy_wh = energy_wh;
  ev->updated_at = now;
  ev->pwm_permille = PILOT_STEADY_HIGH;
  ev->change_at = INT64_MAX;
  ev->supply_phases = 3;
}

int sim_ev_phases(const sim_ev *ev) {
  if (!ev->plugged) return 0;
  return ev->supply_phases == 1 || ev->p.phases == 1 ? 1 : 3;
}

static bool battery_full(const sim_ev *ev) { return ev->p.soc_pct >= ev->p.target_soc_pct; }

/* What the EV decides from the EVSE's current signal. */
static void decide(sim_ev *ev, borne_ms now) {
  bool pwm_running = ev->pwm_permille != PILOT_STEADY_HIGH && ev->pwm_permille != PILOT_STEADY_LOW;
  bool wants_power = ev->plugged && ev->request != SIM_EV_PAUSE && !battery_full(ev) && pwm_running;
  double offered = pwm_running ? pilot_current_for_duty(ev->pwm_permille) : 0.0;
  double want = wants_power && ev->contactor_closed ? fmin(offered, ev->p.max_current_a) : 0.0;
  if (wants_power != ev->want_s2 || fabs(want - ev->want_a) > 1e-9) {
    ev->want_s2 = wants_power;
    ev->want_a = want;
    /* Reducing or stopping on our own (battery full, pause) is immediate on the
     * EV side; following the EVSE's signal takes the reaction delay. */
    ev->change_at = now + SIM_EV_REACTION_MS;
  }
}

static void integrate(sim_ev *ev, borne_ms t);

void sim_ev_set_supply_phases(sim_ev *ev, int phases, borne_ms now) {
  integrate(ev, now); /* the energy so far at the old phase count */
  ev->supply_phases = phases == 1 ? 1 : 3;
}

static double power_w(const sim_ev *ev) {
  if (!ev->contactor_closed) return 0.0;
  return ev->draw_a * ev->voltage_v * sim_ev_phases(ev);
}

/* Integrate energy from updated_at to t at constant power; stop at a full battery. */
static void integrate(sim_ev *ev, borne_ms t) {
  if (t <= ev->updated_at) return;
  double p = power_w(ev);
  if (p > 0) {
    double hours = (double)(t - ev->updated_at) / 3.6e6;
    double wh = p * hours;
    if (ev->p.battery_kwh > 0) {
      double room_wh = (ev->p.target_soc_pct - ev->p.soc_pct) / 100.0 * ev->p.battery_kwh * 1000.0;
      if (wh > room_wh) wh = room_wh > 0 ? room_wh : 0;
      ev->p.soc_pct += wh / (ev->p.battery_kwh * 10.0);
    }
    ev->energy_wh += wh;
  }
  ev->updated_at = t;
}

void sim_ev_advance(sim_ev *ev, borne_ms now) {
  for (int guard = 0; guard < 8; guard++) {
    borne_ms step = now;
    if (ev->change_at <= now) step = ev->change_at;
    integrate(ev, step);
    if (ev->plugged && ev->draw_a > 0 && battery_full(ev)) {
      /* full: the EV opens S2 and stops drawing at once */
      ev->draw_a = 0;
      ev->s2_closed = false;
      ev->want_s2 = false;
      ev->want_a = 0;
      ev->change_at = INT64_MAX;
    }
    if (ev->change_at <= now) {
      ev->s2_closed = ev->want_s2;
      ev->draw_a = ev->want_a;
      ev->change_at = INT64_MAX;
      decide(ev, step); /* the applied change may itself call for another */
      continue;
    }
    break;
  }
  integrate(ev, now);
}

borne_ms sim_ev_next_change(const sim_ev *ev, borne_ms now) {
  borne_ms next = ev->change_at;
  double p = power_w(ev);
  if (p > 0 && ev->p.battery_kwh > 0) {
    double room_wh = (ev->p.target_soc_pct - ev->p.soc_pct) / 100.0 * ev->p.battery_kwh * 1000.0;
    double ms = room_wh / p * 3.6e6;
    borne_ms full_at = now + (borne_ms)ceil(ms > 0 ? ms : 0);
    if (full_at < next) next = full_at;
  }
  return next;
}

void sim_ev_plug(sim_ev *ev, const sim_ev_params *p, borne_ms now) {
  sim_ev_advance(ev, now);
  ev->plugged = true;
  ev->p = *p;
  ev->request = SIM_EV_CHARGE;
  ev->s2_closed = false;
  ev->draw_a = 0;
  ev->want_s2 = false;
  ev->want_a = 0;
  ev->change_at = INT64_MAX;
  decide(ev, now);
}

void sim_ev_unplug(sim_ev *ev, borne_ms now) {
  sim_ev_advance(ev, now);
  ev->plugged = false;
  ev->s2_closed = false;
  ev->draw_a = 0;
  ev->want_s2 = false;
  ev->want_a = 0;
  ev->change_at = INT64_MAX;
  ev->cp_short = false;
  ev->diode_missing = false;
}

void sim_ev_set_request(sim_ev *ev, sim_ev_request r, borne_ms now) {
  sim_ev_advance(ev, now);
  ev->request = r;
  decide(ev, now);
  if (r == SIM_EV_PAUSE) {
    /* the driver (or the car) pauses at once: S2 opens now */
    ev->s2_closed = false;
    ev->draw_a = 0;
    ev->change_at = INT64_MAX;
  }
}

void sim_ev_set_outputs(sim_ev *ev, int pwm_permille, bool contactor_closed, borne_ms now) {
  sim_ev_advance(ev, now);
  ev->pwm_permille = pwm_permille;
  bool was_closed = ev->contactor_closed;
  ev->contactor_closed = contactor_closed;
  if (!contactor_closed) ev->draw_a = 0; /* no voltage, no current */
  decide(ev, now);
  (void)was_closed;
}

cp_state sim_ev_cp(const sim_ev *ev) {
  if (ev->pwm_permille == PILOT_STEADY_LOW) return CP_F;
  if (!ev->plugged) return CP_A;
  if (ev->cp_short) return CP_E;
  if (!ev->s2_closed) return CP_B;
  return ev->request == SIM_EV_VENTILATION ? CP_D : CP_C;
}

void sim_ev_meter(const sim_ev *ev, meter_reading *out) {
  *out = (meter_reading){0};
  for (int i = 0; i < 3; i++) out->voltage_v[i] = ev->voltage_v;
  int phases = sim_ev_phases(ev);
  double i_now = ev->contactor_closed ? ev->draw_a : 0.0;
  for (int i = 0; i < phases && i < 3; i++) {
    out->current_a[i] = i_now;
    out->power_w[i] = i_now * ev->voltage_v;
    out->power_total_w += out->power_w[i];
  }
  out->energy_import_wh = ev->energy_wh;
  out->frequency_hz = 50.0;
  out->at = ev->updated_at;
}
