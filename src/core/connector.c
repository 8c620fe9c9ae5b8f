/*
 * IEC 61851-1 Annex A control of one connector. Each event updates the facts
 * (pilot level, PP, feedback, temperature, authorization, limits) and then
 * evaluate() derives everything else from them: offered current, lock,
 * contactor, PWM, status, deadlines. Deriving instead of patching per
 * transition keeps every path through the state machine consistent.
 * Must never read a clock or touch I/O: `now` comes in, outputs go out.
 */
#include "core/connector.h"

#include <stdio.h>
#include <string.h>

#include "core/pilot.h"

#define NEVER INT64_MAX

static void note(cs_notes *n, cs_note_type type, connector_status status, stop_reason reason,
                 error_code error) {
  if (!n || n->count >= CS_MAX_NOTES) return;
  n->notes[n->count++] =
      (cs_note){.type = type, .status = status, .reason = reason, .error = error};
}

/* Errors that only an operator clears (CS_EV_FAULT_CLEAR); the others clear on unplug
 * or when their cause goes away. */
static bool is_latched(error_code e) {
  return e == ERR_CONTACTOR_WELDED || e == ERR_CONTACTOR_STUCK_OPEN || e == ERR_RCD_SELFTEST ||
         e == ERR_CP_GENERATOR || e == ERR_METER_MISSING;
}

/* Errors whose cause is a measurement that must recover by itself: neither
 * unplugging nor an operator clears them. */
static bool clears_with_cause(error_code e) { return e == ERR_OVERTEMP || e == ERR_METER_FAILURE; }

static bool plugged_cp(cp_state cp) { return cp == CP_B || cp == CP_C || cp == CP_D; }

static bool needs_lock(const connector_sm *sm) { return !sm->cfg.tethered; }

/* A socket's cable is in it (PP reads a resistor), a car at its end or not. */
static bool cable_in_socket(const connector_sm *sm) { return needs_lock(sm) && sm->pp_present; }

/* The cable left the socket (or, without a PP reading, the car left and took
 * it): what belonged to that cable goes. */
static void cable_gone(connector_sm *sm) {
  sm->finishing = false;
  sm->cable_a = 0;
  sm->pp_seen = false;
  limits_clear(&sm->limits, LIMIT_CABLE);
  sm->unlock_requested = false;
  sm->lock_held = false;
}

/* `latch` forces operator clearing whatever the code (self-test failures). */
static void raise_error_as(connector_sm *sm, error_code e, bool latch, cs_notes *n) {
  latch = latch || is_latched(e);
  if (sm->error == e) {
    sm->error_latched = sm->error_latched || latch;
    return;
  }
  /* The first error stays until it clears; a later, latched one replaces it. */
  if (sm->error != ERR_NONE && !latch) return;
  sm->error = e;
  sm->error_latched = latch;
  note(n, CS_NOTE_ERROR, sm->status, STOP_NONE, e);
}

static void raise_error(connector_sm *sm, error_code e, cs_notes *n) {
  raise_error_as(sm, e, false, n);
}

static void clear_error(connector_sm *sm, cs_notes *n) {
  if (sm->error == ERR_NONE) return;
  error_code e = sm->error;
  sm->error = ERR_NONE;
  sm->error_latched = false;
  note(n, CS_NOTE_ERROR_CLEARED, sm->status, STOP_NONE, e);
}

static void end_session(connector_sm *sm, stop_reason reason, cs_notes *n) {
  if (!sm->session_active) return;
  sm->session_active = false;
  sm->authorized = false;
  sm->last_stop_reason = reason;
  /* what held this session back is over with it: the next one is offered current */
  limits_clear(&sm->limits, LIMIT_TRANSACTION);
  limits_clear(&sm->limits, LIMIT_RESUMED);
  limits_clear(&sm->limits, LIMIT_DEAUTHORIZED);
  /* the user still has to take the car or the cable away (OCPP 1.6 4.9) */
  sm->finishing = plugged_cp(sm->cp) || cable_in_socket(sm);
  note(n, CS_NOTE_SESSION_STOP, sm->status, reason, ERR_NONE);
}

static void start_session_if_ready(connector_sm *sm, cs_notes *n) {
  if (sm->session_active || !sm->authorized || !plugged_cp(sm->cp) || sm->finishing) return;
  if (sm->error != ERR_NONE || !sm->selftest_done || !cs_in_service(sm) || sm->tampered) return;
  sm->session_active = true;
  sm->reserved = false; /* a reservation ends when its session starts */
  sm->rcd_retries_left = sm->cfg.rcd_auto_retries;
  note(n, CS_NOTE_SESSION_START, sm->status, STOP_NONE, ERR_NONE);
}

void cs_init(connector_sm *sm, const connector_config *cfg, borne_ms now) {
  (void)now;
  memset(sm, 0, sizeof *sm);
  sm->cfg = *cfg;
  limits_init(&sm->limits);
  limits_set(&sm->limits, LIMIT_SELECTOR, cfg->selector_a);
  limits_set(&sm->limits, LIMIT_INSTALLATION, cfg->breaker_a);
  sm->status = STATUS_UNAVAILABLE;
  sm->cp = CP_A;
  sm->operative = true;
  sm->temperature_c = 25.0;
  sm->out.pwm_permille = PILOT_STEADY_LOW;
  sm->lock_deadline = NEVER;
  sm->contactor_check_deadline = NEVER;
  sm->unlock_deadline = NEVER;
  sm->ev_stop_deadline = NEVER;
  sm->overcurrent_since = NEVER;
  sm->adapt_until = 0;
  sm->retry_at = NEVER;
  sm->rcd_retries_left = cfg->rcd_auto_retries;
  sm->limited_by = LIMIT_COUNT;
}

/* Thermal derating: full current below derate_temp_c, falling linearly to
 * 6 A at max_temp_c; at max_temp_c charging stops (ERR_OVERTEMP). */
static void update_thermal(connector_sm *sm, cs_notes *n) {
  double t = sm->temperature_c, lo = sm->cfg.derate_temp_c, hi = sm->cfg.max_temp_c;
  if (t >= hi) {
    raise_error(sm, ERR_OVERTEMP, n);
  } else if (sm->error == ERR_OVERTEMP && t < lo - CS_TEMP_HYSTERESIS_C) {
    clear_error(sm, n);
  }
  if (t >= lo && hi > lo) {
    double full = sm->cfg.selector_a; /* kept in step with LIMIT_SELECTOR updates */
    double frac = (t - lo) / (hi - lo);
    if (frac > 1) frac = 1;
    limits_set(&sm->limits, LIMIT_THERMAL, full - (full - PILOT_MIN_CURRENT_A) * frac);
  } else {
    limits_clear(&sm->limits, LIMIT_THERMAL);
  }
}

static connector_status derive_status(const connector_sm *sm) {
  if (!sm->selftest_done) return STATUS_UNAVAILABLE;
  if (sm->error != ERR_NONE) return STATUS_FAULTED;
  if (sm->session_active) {
    /* No current may be offered: suspended by the EVSE, even during the few
     * seconds the contactor waits for the EV to leave C. */
    if (sm->offered_a < PILOT_MIN_CURRENT_A) return STATUS_SUSPENDED_EVSE;
    if (sm->out.contactor_closed) return STATUS_CHARGING;
    if (needs_lock(sm) && !sm->lock_confirmed) return STATUS_PREPARING;
    if (sm->cp == CP_C || sm->cp == CP_D) return STATUS_CHARGING;
    return STATUS_SUSPENDED_EV;
  }
  /* Inoperative takes effect once no session runs ("scheduled" in OCPP 1.6). */
  if (!cs_in_service(sm)) return STATUS_UNAVAILABLE;
  /* OCPP 1.6 4.9: a connector leaves Reserved when the reservation's
   * identity is presented (G2, Preparing) or the reservation ends (G1), not
   * when a car is plugged in without it */
  if (sm->reserved) return sm->authorized ? STATUS_PREPARING : STATUS_RESERVED;
  /* kept for station-wide reservations (no EVSE of its own): shown as one,
   * a car plugged in without the identity does not change it (2.0.1
   * G01.FR.09) */
  if (sm->kept) return sm->authorized ? STATUS_PREPARING : STATUS_RESERVED;
  /* Finishing until the cable is gone: with a socket, until it leaves the
   * socket (OCPP 1.6 4.9: the car leaving stops the transaction, Finishing;
   * TC_005_1_CSMS: Available once the cable leaves the Charge Point) */
  if (sm->finishing && (plugged_cp(sm->cp) || cable_in_socket(sm))) return STATUS_FINISHING;
  if (plugged_cp(sm->cp)) return STATUS_PREPARING;
  return STATUS_AVAILABLE;
}

/* Deadlines that judge hardware feedback (lock, contactor) are only judged on
 * CS_EV_TIMER: feedback that is already queued behind another input must not
 * lose the race against its own deadline. */
static void arm_lock_check(connector_sm *sm, borne_ms at) {
  sm->lock_deadline = at;
  sm->lock_second_look = false;
}

static void arm_contactor_check(connector_sm *sm, borne_ms at) {
  sm->contactor_check_deadline = at;
  sm->contactor_second_look = false;
}

/* Is a feedback deadline to be judged now (then it is disarmed)? A timer that
 * comes CS_FEEDBACK_LATE_MS or more after the deadline means the loop was
 * stalled (a slow fsync, a loaded machine at a high --sim-speed): timers run
 * before the loop reads its inputs, so the feedback may be waiting unread.
 * Such a deadline is not judged but looked at again CS_FEEDBACK_RECHECK_MS
 * later (the station turns it into a timer of at least 1 real ms, so the
 * inputs are read in between) and then judged whatever the lateness: a real
 * fault is still caught, at most one late turn plus CS_FEEDBACK_RECHECK_MS
 * later. */
static bool feedback_due(borne_ms *deadline, bool *second_look, borne_ms now) {
  if (now < *deadline) return false;
  if (!*second_look && now - *deadline >= CS_FEEDBACK_LATE_MS) {
    *deadline = now + CS_FEEDBACK_RECHECK_MS;
    *second_look = true;
    return false;
  }
  *deadline = NEVER;
  *second_look = false;
  return true;
}

/* An operator's unlock: done once the switch reads open; failed when it
 * still reads locked at the deadline (judged on a timer, as the lock's own). */
static void check_unlock(connector_sm *sm, borne_ms now, bool timer, cs_notes *n) {
  if (!sm->unlock_pending) return;
  if (!sm->lock_reads_locked) {
    sm->unlock_pending = false;
    sm->unlock_deadline = NEVER;
    note(n, CS_NOTE_UNLOCKED, sm->status, STOP_NONE, ERR_NONE);
  } else if (timer && feedback_due(&sm->unlock_deadline, &sm->unlock_second_look, now)) {
    sm->unlock_pending = false;
    note(n, CS_NOTE_UNLOCK_FAILED, sm->status, STOP_NONE, ERR_NONE);
  }
}

static void evaluate(connector_sm *sm, borne_ms now, bool timer, cs_notes *n) {
  /* 1. offered current */
  limit_source by;
  double offered = limits_offered(&sm->limits, 0.0, &by);
  if (offered > PILOT_MAX_CURRENT_A) offered = PILOT_MAX_CURRENT_A;
  if (offered < sm->offered_a) sm->adapt_until = now + CS_EV_ADAPT_MS;
  if (offered != sm->offered_a || by != sm->limited_by) {
    sm->offered_a = offered;
    sm->limited_by = by;
    note(n, CS_NOTE_OFFERED, sm->status, STOP_NONE, ERR_NONE);
  }
  bool power_allowed = offered >= PILOT_MIN_CURRENT_A;

  /* 2. cable coding (Annex B): a plugged socket outlet needs a valid PP
   * resistor. A reading that is open or out of band is a fault at once; no
   * reading at all is one as soon as a session wants the cable. */
  if (needs_lock(sm) && plugged_cp(sm->cp) && sm->cable_a <= 0 &&
      (sm->pp_seen || sm->session_active)) {
    raise_error(sm, ERR_PP_INVALID, n);
    end_session(sm, STOP_OTHER, n);
  }
  bool latched_out = !sm->selftest_done || sm->error_latched;

  /* 3. lock: engaged for a session (before energizing; a session that
   * outlives its car keeps the cable locked, OCPP 1.6 4.10), after the car
   * left if so configured, or permanently */
  bool want_lock = needs_lock(sm) && !sm->unlock_requested &&
                   (sm->cfg.permanent_lock || sm->session_active || sm->lock_held);
  if (want_lock != sm->out.lock_engaged) {
    sm->out.lock_engaged = want_lock;
    sm->lock_confirmed = false;
    arm_lock_check(sm, want_lock ? now + CS_LOCK_TIMEOUT_MS : NEVER);
  }
  if (!want_lock) arm_lock_check(sm, NEVER);
  if (timer && want_lock && !sm->lock_confirmed &&
      feedback_due(&sm->lock_deadline, &sm->lock_second_look, now)) {
    raise_error(sm, ERR_LOCK_FAILURE, n);
    end_session(sm, STOP_OTHER, n);
  }
  bool lock_ok = !needs_lock(sm) || sm->lock_confirmed;

  /* 4. contactor */
  bool ev_wants = sm->cp == CP_C || (sm->cp == CP_D && sm->cfg.ventilation_allowed);
  bool may_charge = sm->session_active && !sm->finishing && sm->error == ERR_NONE && lock_ok &&
                    !latched_out && ev_wants;
  bool close = may_charge && power_allowed;
  if (may_charge && !power_allowed && sm->out.contactor_closed) {
    /* No current may be offered: PWM is off (x1); the EV must leave C, else
     * open under load after CS_EV_STOP_TIMEOUT_MS (Annex A). */
    if (sm->ev_stop_deadline == NEVER) sm->ev_stop_deadline = now + CS_EV_STOP_TIMEOUT_MS;
    close = now < sm->ev_stop_deadline;
    if (!close) sm->ev_stop_deadline = NEVER; /* fired: open, and nothing left to wait for */
  }
  if (!(may_charge && !power_allowed)) sm->ev_stop_deadline = NEVER;
  if (close != sm->out.contactor_closed) {
    sm->out.contactor_closed = close;
    arm_contactor_check(sm, now + CS_FEEDBACK_TIMEOUT_MS);
    if (close) sm->adapt_until = now + CS_EV_ADAPT_MS;
    sm->overcurrent_since = NEVER;
  }

  /* 5. pilot */
  int pwm;
  /* Inoperative with a car still plugged in (the session that kept the
   * connector operative ended): +12 V (x1) until it leaves, as for the faults
   * below, or its leaving would never be seen and the open PP taken for a
   * bad cable (OCTT TC_G_11_CS: Unavailable, then the car goes). */
  if (latched_out || (!cs_in_service(sm) && !sm->session_active && !plugged_cp(sm->cp)))
    pwm = PILOT_STEADY_LOW; /* state F: EVSE not available */
  /* Faults that clear on unplug keep +12 V (x1) instead of state F: the EV
   * leaving (state A) is only visible on the positive level. */
  else if (sm->session_active && !sm->finishing && sm->error == ERR_NONE && lock_ok &&
           power_allowed && plugged_cp(sm->cp))
    pwm = pilot_duty_for_current(offered);
  else
    pwm = PILOT_STEADY_HIGH;
  sm->out.pwm_permille = pwm;
}

/* Once per cs_handle call, after the outputs settled: one note per change. */
static void publish_status(connector_sm *sm, cs_notes *n) {
  connector_status st = derive_status(sm);
  if (st != sm->status) {
    sm->status = st;
    note(n, CS_NOTE_STATUS, st, STOP_NONE, ERR_NONE);
  }
}

static void check_feedback(connector_sm *sm, borne_ms now, cs_notes *n) {
  if (!feedback_due(&sm->contactor_check_deadline, &sm->contactor_second_look, now)) return;
  if (!sm->out.contactor_closed && sm->contactor_feedback) {
    raise_error(sm, ERR_CONTACTOR_WELDED, n);
    end_session(sm, STOP_OTHER, n);
  } else if (sm->out.contactor_closed && !sm->contactor_feedback) {
    raise_error(sm, ERR_CONTACTOR_STUCK_OPEN, n);
    end_session(sm, STOP_OTHER, n);
  }
}

/* Overcurrent is judged on readings, by the time they were taken: a check
 * with no reading since the last one (a timer) proves nothing, and a reading
 * from before the EV's adaptation time ended says nothing about whether it
 * followed the new signal. So a late meter or a busy loop (seconds of
 * simulated time at a high --sim-speed) never counts as the EV's fault. */
static void check_overcurrent(connector_sm *sm, borne_ms now, cs_notes *n) {
  (void)now;
  double offered = sm->offered_a;
  double limit = offered * (1.0 + CS_OVERCURRENT_TOLERANCE);
  if (limit < offered + CS_OVERCURRENT_MIN_A) limit = offered + CS_OVERCURRENT_MIN_A;
  borne_ms at = sm->last_current_at;
  bool over = sm->out.contactor_closed && sm->last_current_a > limit && at >= sm->adapt_until;
  if (!over) {
    sm->overcurrent_since = NEVER;
    return;
  }
  if (sm->overcurrent_since == NEVER) sm->overcurrent_since = at;
  if (at - sm->overcurrent_since >= CS_EV_ADAPT_MS) {
    sm->overcurrent_since = NEVER;
    raise_error(sm, ERR_OVERCURRENT, n);
    end_session(sm, STOP_OTHER, n);
  }
}

static void on_cp(connector_sm *sm, const cs_event *ev, cs_notes *n) {
  cp_state was = sm->cp;
  if (sm->out.pwm_permille == PILOT_STEADY_LOW && ev->cp == CP_F) return; /* our own -12 V */
  sm->cp = ev->cp;
  if (ev->cp == CP_A) {
    /* The car left: its session ends, unless StopTransactionOnEVSideDisconnect
     * is false (then it goes on, the contactor open for want of state C, and
     * a car plugged back in charges again), and unplug-clearing faults go. */
    bool had_session = sm->session_active;
    bool keep = had_session && sm->cfg.keep_session_on_ev_disconnect;
    if (!keep) {
      end_session(sm, STOP_EV_DISCONNECTED, n);
      sm->authorized = false;
    }
    sm->rcd_retries_left = sm->cfg.rcd_auto_retries;
    sm->retry_at = NEVER;
    if (sm->error != ERR_NONE && !sm->error_latched && !clears_with_cause(sm->error))
      clear_error(sm, n);
    if (keep) return;
    if (cable_in_socket(sm)) {
      /* its cable is still in the socket: Finishing until it leaves, and
       * locked if UnlockConnectorOnEVSideDisconnect is false */
      sm->finishing = sm->finishing || had_session;
      if (had_session && sm->cfg.keep_lock_on_ev_disconnect) sm->lock_held = true;
      return;
    }
    cable_gone(sm);
    return;
  }
  switch (ev->cp) {
  case CP_E:
    raise_error(sm, ERR_CP_SHORT, n);
    end_session(sm, STOP_OTHER, n);
    return;
  case CP_F:
  case CP_INVALID:
    raise_error(sm, ERR_CP_INVALID, n);
    end_session(sm, STOP_OTHER, n);
    return;
  default:
    break;
  }
  if ((sm->error == ERR_CP_SHORT || sm->error == ERR_CP_INVALID) && plugged_cp(ev->cp))
    clear_error(sm, n);
  bool pwm_running =
      sm->out.pwm_permille != PILOT_STEADY_HIGH && sm->out.pwm_permille != PILOT_STEADY_LOW;
  if (pwm_running && !ev->diode_ok) {
    raise_error(sm, ERR_DIODE, n);
    end_session(sm, STOP_OTHER, n);
  }
  if (ev->cp == CP_D && !sm->cfg.ventilation_allowed && sm->session_active) {
    raise_error(sm, ERR_VENTILATION, n);
  }
  (void)was;
}

void cs_handle(connector_sm *sm, const cs_event *ev, borne_ms now, cs_notes *n) {
  switch (ev->type) {
  case CS_EV_CP:
    on_cp(sm, ev, n);
    break;
  case CS_EV_PP:
    if (!sm->cfg.tethered) {
      sm->cable_a = pilot_cable_rating_for_pp(ev->value);
      /* An open PP while plugged is an invalid cable; while unplugged it is
       * just the empty socket. A coded value counts whenever it arrives (the
       * cable is often inserted before the EV answers on CP). */
      sm->pp_seen = sm->pp_seen || ev->value > 0 || plugged_cp(sm->cp);
      sm->pp_present = ev->value > 0;
      if (sm->cable_a > 0)
        limits_set(&sm->limits, LIMIT_CABLE, sm->cable_a);
      else
        limits_clear(&sm->limits, LIMIT_CABLE);
      /* the cable left the socket after its car */
      if (!sm->pp_present && sm->cp == CP_A) cable_gone(sm);
    }
    break;
  case CS_EV_LOCK_FEEDBACK:
    sm->lock_reads_locked = ev->flag;
    sm->lock_confirmed = sm->out.lock_engaged && ev->flag;
    if (sm->lock_confirmed) arm_lock_check(sm, NEVER);
    break;
  case CS_EV_CONTACTOR_FEEDBACK:
    sm->contactor_feedback = ev->flag;
    if (ev->flag == sm->out.contactor_closed)
      arm_contactor_check(sm, NEVER); /* the contact followed the command */
    else if (sm->contactor_check_deadline == NEVER)
      arm_contactor_check(sm, now + CS_FEEDBACK_TIMEOUT_MS); /* settle, then judge */
    break;
  case CS_EV_RCD_TRIP:
    /* Open at once: evaluate() below sees the error in this same call. */
    raise_error(sm, ERR_RCD_TRIP, n);
    if (sm->rcd_retries_left > 0 && sm->session_active) {
      sm->retry_at = now + CS_RCD_RETRY_DELAY_MS;
    } else {
      end_session(sm, STOP_EMERGENCY_STOP, n);
    }
    break;
  case CS_EV_TEMPERATURE:
    sm->temperature_c = ev->value;
    update_thermal(sm, n);
    break;
  case CS_EV_CURRENT:
    sm->last_current_a = ev->value;
    sm->last_current_at = now;
    break;
  case CS_EV_AUTHORIZE:
    if (!sm->session_active && !sm->finishing && sm->error == ERR_NONE && cs_in_service(sm) &&
        sm->selftest_done) {
      sm->authorized = true;
      snprintf(sm->uid, sizeof sm->uid, "%s", ev->uid ? ev->uid : "");
      snprintf(sm->user, sizeof sm->user, "%s", ev->user ? ev->user : "");
    }
    break;
  case CS_EV_STOP:
    end_session(sm, ev->reason == STOP_NONE ? STOP_LOCAL : ev->reason, n);
    sm->authorized = false; /* also withdraws an authorization waiting for a plug */
    break;
  case CS_EV_LIMIT:
    if ((unsigned)ev->limit_src < LIMIT_COUNT) {
      if (ev->value < 0)
        limits_clear(&sm->limits, ev->limit_src);
      else
        limits_set(&sm->limits, ev->limit_src, ev->value);
      if (ev->limit_src == LIMIT_SELECTOR && ev->value >= 0) {
        sm->cfg.selector_a = ev->value; /* thermal derating starts from it */
        update_thermal(sm, n);
      }
    }
    break;
  case CS_EV_AVAILABILITY:
    sm->operative = ev->flag;
    break;
  case CS_EV_HOLD:
    sm->held = ev->flag;
    break;
  case CS_EV_SELFTEST:
    sm->selftest_done = true;
    if (ev->error != ERR_NONE) raise_error_as(sm, ev->error, true, n);
    break;
  case CS_EV_FAULT_CLEAR:
    if (sm->error != ERR_NONE) {
      bool cause_gone = sm->error == ERR_OVERTEMP
                            ? sm->temperature_c < sm->cfg.derate_temp_c - CS_TEMP_HYSTERESIS_C
                        : sm->error == ERR_TAMPER
                            ? false /* only CS_EV_TAMPER acknowledges it */
                            : (sm->error != ERR_METER_FAILURE || !sm->meter_failed);
      if (cause_gone) clear_error(sm, n);
      /* Still welded after the clear: judge the feedback again. */
      if (sm->contactor_feedback != sm->out.contactor_closed)
        arm_contactor_check(sm, now + CS_FEEDBACK_TIMEOUT_MS);
    }
    break;
  case CS_EV_TIMER:
    break;
  case CS_EV_RESERVE:
    sm->reserved = ev->flag;
    snprintf(sm->reserved_uid, sizeof sm->reserved_uid, "%s", ev->flag && ev->uid ? ev->uid : "");
    snprintf(sm->reserved_parent, sizeof sm->reserved_parent, "%s",
             ev->flag && ev->user ? ev->user : "");
    break;
  case CS_EV_KEEP:
    sm->kept = ev->flag;
    break;
  case CS_EV_METER_FAULT:
    /* No charging without a working billing meter; the session stays open
     * (contactor open, SuspendedEVSE-like Faulted) and goes on when the
     * meter answers again. */
    sm->meter_failed = ev->flag;
    if (ev->flag)
      raise_error(sm, ERR_METER_FAILURE, n);
    else if (sm->error == ERR_METER_FAILURE)
      clear_error(sm, n);
    break;
  case CS_EV_TAMPER:
    sm->tampered = ev->flag;
    if (ev->flag) {
      raise_error_as(sm, ERR_TAMPER, true, n);
      end_session(sm, STOP_OTHER, n);
    } else if (sm->error == ERR_TAMPER) {
      clear_error(sm, n);
    }
    break;
  case CS_EV_UNLOCK:
    end_session(sm, STOP_UNLOCK_COMMAND, n);
    sm->authorized = false;
    sm->lock_held = false;
    /* with nothing plugged the release is momentary: the next plug-in locks */
    sm->unlock_requested = sm->cp != CP_A || cable_in_socket(sm);
    /* with a cable in, the answer waits for the switch to read open */
    sm->unlock_pending = sm->unlock_requested && needs_lock(sm) && sm->lock_reads_locked;
    sm->unlock_deadline = sm->unlock_pending ? now + CS_UNLOCK_TIMEOUT_MS : NEVER;
    sm->unlock_second_look = false;
    break;
  }
  if (sm->error == ERR_RCD_TRIP && now >= sm->retry_at) {
    sm->retry_at = NEVER;
    sm->rcd_retries_left--;
    clear_error(sm, n);
  }
  bool timer = ev->type == CS_EV_TIMER;
  if (timer) check_feedback(sm, now, n);
  check_overcurrent(sm, now, n);
  start_session_if_ready(sm, n);
  /* A stop or an error may change what evaluate decides; two passes settle it. */
  evaluate(sm, now, timer, n);
  start_session_if_ready(sm, n);
  evaluate(sm, now, timer, n);
  check_unlock(sm, now, timer, n);
  publish_status(sm, n);
}

borne_ms cs_next_deadline(const connector_sm *sm) {
  borne_ms d = NEVER;
  /* overcurrent has no deadline: it is judged when a reading arrives */
  borne_ms candidates[] = {sm->lock_deadline, sm->contactor_check_deadline, sm->ev_stop_deadline,
                           sm->retry_at, sm->unlock_deadline};
  for (unsigned i = 0; i < sizeof candidates / sizeof candidates[0]; i++)
    if (candidates[i] < d) d = candidates[i];
  return d;
}

connector_status cs_status(const connector_sm *sm) { return sm->status; }
const cs_outputs *cs_outputs_of(const connector_sm *sm) { return &sm->out; }

double cs_offered_current(const connector_sm *sm, limit_source *limited_by) {
  if (limited_by) *limited_by = sm->limited_by;
  return sm->offered_a;
}

bool cs_plugged(const connector_sm *sm) { return plugged_cp(sm->cp); }

bool cs_cable_without_car(const connector_sm *sm) {
  return !plugged_cp(sm->cp) && cable_in_socket(sm);
}

bool cs_session_without_car(const connector_sm *sm) {
  return sm->session_active && !plugged_cp(sm->cp);
}

bool cs_lock_held(const connector_sm *sm) { return sm->lock_held; }

bool cs_unlock_pending(const connector_sm *sm) { return sm->unlock_pending; }

bool cs_waiting_for_authorization(const connector_sm *sm) {
  return plugged_cp(sm->cp) && !sm->authorized && !sm->session_active && !sm->finishing &&
         sm->error == ERR_NONE && sm->selftest_done && cs_in_service(sm);
}

bool cs_has_session(const connector_sm *sm) { return sm->session_active; }
bool cs_in_service(const connector_sm *sm) { return sm->operative && !sm->held; }
const char *cs_session_uid(const connector_sm *sm) { return sm->uid; }
error_code cs_error(const connector_sm *sm) { return sm->error; }

bool cs_reservation_admits(const connector_sm *sm, const char *uid, const char *parent) {
  if (!sm->reserved) return true;
  if (uid && uid[0] && strcmp(uid, sm->reserved_uid) == 0) return true;
  return parent && parent[0] && sm->reserved_parent[0] && strcmp(parent, sm->reserved_parent) == 0;
}
