/*
 * The IEC 61851-1 Annex A connector state machine on a virtual clock: every
 * CP transition, lock, contactor feedback, PP, RCD, over-temperature,
 * overcurrent, limits and availability. Each test asserts the outputs
 * (PWM, contactor, lock), the status, the notes and when they happen.
 */
/* cmocka.h needs these first */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#include <string.h>

#include "core/connector.h"
#include "core/errors.h"
#include "core/pilot.h"

typedef struct {
  connector_sm sm;
  borne_ms now;
  cs_notes notes; /* notes of the last call only */
  cs_notes all;   /* notes since the last clear_log() */
} rig;

static connector_config socket_cfg(void) {
  return (connector_config){.id = 1,
                            .phases = 3,
                            .selector_a = 32,
                            .breaker_a = 32,
                            .tethered = false,
                            .permanent_lock = false,
                            .ventilation_allowed = false,
                            .rcd_auto_retries = 0,
                            .derate_temp_c = 60,
                            .max_temp_c = 80};
}

static void feed(rig *r, cs_event ev) {
  r->notes.count = 0;
  cs_handle(&r->sm, &ev, r->now, &r->notes);
  for (int i = 0; i < r->notes.count && r->all.count < CS_MAX_NOTES; i++)
    r->all.notes[r->all.count++] = r->notes.notes[i];
}

static void clear_log(rig *r) { r->all.count = 0; }

/* Advance the virtual clock, firing every deadline on the way like the app does. */
static void advance(rig *r, borne_ms ms) {
  borne_ms until = r->now + ms;
  for (int fired = 0;; fired++) {
    borne_ms d = cs_next_deadline(&r->sm);
    if (d > until) break;
    /* A deadline that firing does not disarm would spin the app's timer. */
    if (fired > 100) fail_msg("deadline %lld stays armed", (long long)d);
    if (d > r->now) r->now = d;
    feed(r, (cs_event){.type = CS_EV_TIMER});
  }
  r->now = until;
}

static int count_notes(const cs_notes *n, cs_note_type t) {
  int k = 0;
  for (int i = 0; i < n->count; i++) k += n->notes[i].type == t;
  return k;
}

static const cs_note *find_note(const cs_notes *n, cs_note_type t) {
  for (int i = 0; i < n->count; i++)
    if (n->notes[i].type == t) return &n->notes[i];
  return NULL;
}

static void cp(rig *r, cp_state s) {
  feed(r, (cs_event){.type = CS_EV_CP, .cp = s, .diode_ok = true});
}
static void pp(rig *r, double ohms) { feed(r, (cs_event){.type = CS_EV_PP, .value = ohms}); }
/* The car unplugged with its cable, as the HAL reports it: the car's side
 * first (CP state A), then the socket's (PP open); the notes of both. */
static void unplug(rig *r) {
  cp(r, CP_A);
  cs_notes both = r->notes;
  pp(r, -1);
  for (int i = 0; i < r->notes.count && both.count < CS_MAX_NOTES; i++)
    both.notes[both.count++] = r->notes.notes[i];
  r->notes = both;
}
static void lock_feedback(rig *r, bool locked) {
  feed(r, (cs_event){.type = CS_EV_LOCK_FEEDBACK, .flag = locked});
}
static void contactor_feedback(rig *r, bool closed) {
  feed(r, (cs_event){.type = CS_EV_CONTACTOR_FEEDBACK, .flag = closed});
}
/* The auxiliary contact follows the command, as on healthy hardware. */
static void follow(rig *r) { contactor_feedback(r, r->sm.out.contactor_closed); }
static void authorize(rig *r, const char *uid) {
  feed(r, (cs_event){.type = CS_EV_AUTHORIZE, .uid = uid, .user = "Room 12"});
}
static void limit(rig *r, limit_source src, double amps) {
  feed(r, (cs_event){.type = CS_EV_LIMIT, .limit_src = src, .value = amps});
}

static const cs_outputs *out(rig *r) { return cs_outputs_of(&r->sm); }

static void boot(rig *r, connector_config cfg) {
  memset(r, 0, sizeof *r);
  r->now = 1000000;
  cs_init(&r->sm, &cfg, r->now);
  feed(r, (cs_event){.type = CS_EV_SELFTEST, .error = ERR_NONE});
  cp(r, CP_A);
  clear_log(r);
}

/* Plugged, authorized, lock confirmed, EV in B: PWM offered (SuspendedEV). */
static void ready_in_b(rig *r) {
  pp(r, 220);
  cp(r, CP_B);
  authorize(r, "04A1B2");
  lock_feedback(r, true);
}

static void charging(rig *r) {
  ready_in_b(r);
  cp(r, CP_C);
  follow(r);
  clear_log(r);
}

static void selftest_gates_the_connector(void **state) {
  (void)state;
  rig r = {0};
  connector_config cfg = socket_cfg();
  cs_init(&r.sm, &cfg, 0);
  unplug(&r);
  assert_int_equal(cs_status(&r.sm), STATUS_UNAVAILABLE);
  assert_int_equal(out(&r)->pwm_permille, PILOT_STEADY_LOW); /* state F while booting */
  authorize(&r, "X");
  pp(&r, 220);
  cp(&r, CP_B);
  assert_false(cs_has_session(&r.sm));
  unplug(&r);
  clear_log(&r);
  feed(&r, (cs_event){.type = CS_EV_SELFTEST, .error = ERR_NONE});
  assert_int_equal(cs_status(&r.sm), STATUS_AVAILABLE);
  assert_int_equal(out(&r)->pwm_permille, PILOT_STEADY_HIGH);
  assert_int_equal(count_notes(&r.notes, CS_NOTE_STATUS), 1);
}

static void selftest_failure_is_latched(void **state) {
  (void)state;
  rig r = {0};
  connector_config cfg = socket_cfg();
  cs_init(&r.sm, &cfg, 0);
  feed(&r, (cs_event){.type = CS_EV_SELFTEST, .error = ERR_READER});
  assert_int_equal(cs_status(&r.sm), STATUS_FAULTED);
  assert_int_equal(cs_error(&r.sm), ERR_READER);
  assert_int_equal(out(&r)->pwm_permille, PILOT_STEADY_LOW);
  /* Plug and unplug do not clear a self-test failure. */
  cp(&r, CP_B);
  unplug(&r);
  assert_int_equal(cs_status(&r.sm), STATUS_FAULTED);
  feed(&r, (cs_event){.type = CS_EV_FAULT_CLEAR});
  assert_int_equal(cs_error(&r.sm), ERR_NONE);
  assert_int_equal(cs_status(&r.sm), STATUS_AVAILABLE);
  assert_non_null(find_note(&r.notes, CS_NOTE_ERROR_CLEARED));
}

static void full_cycle_a_b_c_b_a(void **state) {
  (void)state;
  rig r;
  boot(&r, socket_cfg());
  assert_int_equal(cs_status(&r.sm), STATUS_AVAILABLE);

  pp(&r, 220);
  cp(&r, CP_B);
  assert_int_equal(cs_status(&r.sm), STATUS_PREPARING);
  assert_true(cs_waiting_for_authorization(&r.sm));
  assert_int_equal(out(&r)->pwm_permille, PILOT_STEADY_HIGH); /* 100 %: not authorized */
  assert_false(out(&r)->lock_engaged);

  authorize(&r, "04A1B2");
  const cs_note *start = find_note(&r.notes, CS_NOTE_SESSION_START);
  assert_non_null(start);
  assert_string_equal(cs_session_uid(&r.sm), "04A1B2");
  assert_true(out(&r)->lock_engaged); /* lock before energizing */
  assert_int_equal(out(&r)->pwm_permille, PILOT_STEADY_HIGH);
  assert_int_equal(cs_status(&r.sm), STATUS_PREPARING); /* lock pending */
  assert_int_equal(cs_next_deadline(&r.sm), r.now + CS_LOCK_TIMEOUT_MS);

  r.now += 300;
  lock_feedback(&r, true);
  assert_int_equal(out(&r)->pwm_permille, 533); /* 32 A */
  assert_int_equal(cs_status(&r.sm), STATUS_SUSPENDED_EV);
  assert_false(out(&r)->contactor_closed);

  r.now += 2000;
  cp(&r, CP_C);
  assert_true(out(&r)->contactor_closed); /* same call */
  assert_int_equal(cs_status(&r.sm), STATUS_CHARGING);
  assert_int_equal(count_notes(&r.notes, CS_NOTE_STATUS), 1);
  follow(&r);

  r.now += 60000;
  cp(&r, CP_B);
  assert_false(out(&r)->contactor_closed); /* opened in the same call as C->B */
  assert_int_equal(cs_status(&r.sm), STATUS_SUSPENDED_EV);
  assert_int_equal(out(&r)->pwm_permille, 533);
  assert_true(out(&r)->lock_engaged);
  follow(&r);

  unplug(&r);
  const cs_note *stop = find_note(&r.notes, CS_NOTE_SESSION_STOP);
  assert_non_null(stop);
  assert_int_equal(stop->reason, STOP_EV_DISCONNECTED);
  assert_false(out(&r)->lock_engaged);
  assert_int_equal(cs_status(&r.sm), STATUS_AVAILABLE);
  assert_int_equal(out(&r)->pwm_permille, PILOT_STEADY_HIGH);
  assert_false(cs_has_session(&r.sm));
}

static void contactor_waits_for_the_lock(void **state) {
  (void)state;
  rig r;
  boot(&r, socket_cfg());
  pp(&r, 220);
  cp(&r, CP_B);
  authorize(&r, "U");
  cp(&r, CP_C); /* EV ready before the lock confirmed */
  assert_false(out(&r)->contactor_closed);
  assert_int_equal(out(&r)->pwm_permille, PILOT_STEADY_HIGH);
  assert_int_equal(cs_status(&r.sm), STATUS_PREPARING);
  r.now += 500;
  lock_feedback(&r, true);
  assert_true(out(&r)->contactor_closed);
  assert_int_equal(cs_status(&r.sm), STATUS_CHARGING);
}

static void c_to_a_direct_opens_at_once(void **state) {
  (void)state;
  rig r;
  boot(&r, socket_cfg());
  charging(&r);
  unplug(&r);
  assert_false(out(&r)->contactor_closed);
  assert_false(out(&r)->lock_engaged);
  assert_int_equal(find_note(&r.notes, CS_NOTE_SESSION_STOP)->reason, STOP_EV_DISCONNECTED);
  assert_int_equal(cs_status(&r.sm), STATUS_AVAILABLE);
}

static void b_to_a_without_session(void **state) {
  (void)state;
  rig r;
  boot(&r, socket_cfg());
  pp(&r, 680);
  cp(&r, CP_B);
  assert_int_equal(cs_status(&r.sm), STATUS_PREPARING);
  unplug(&r);
  assert_int_equal(cs_status(&r.sm), STATUS_AVAILABLE);
  assert_int_equal(count_notes(&r.all, CS_NOTE_SESSION_START), 0);
  assert_int_equal(count_notes(&r.all, CS_NOTE_SESSION_STOP), 0);
}

static void state_d_with_ventilation_charges(void **state) {
  (void)state;
  rig r;
  connector_config cfg = socket_cfg();
  cfg.ventilation_allowed = true;
  boot(&r, cfg);
  ready_in_b(&r);
  cp(&r, CP_D);
  assert_true(out(&r)->contactor_closed);
  assert_int_equal(cs_status(&r.sm), STATUS_CHARGING);
  cp(&r, CP_B);
  assert_false(out(&r)->contactor_closed);
}

static void state_d_without_ventilation_never_energizes(void **state) {
  (void)state;
  rig r;
  boot(&r, socket_cfg());
  ready_in_b(&r);
  cp(&r, CP_D);
  assert_false(out(&r)->contactor_closed);
  assert_int_equal(cs_error(&r.sm), ERR_VENTILATION);
  assert_int_equal(cs_status(&r.sm), STATUS_FAULTED);
  cp(&r, CP_C);
  assert_false(out(&r)->contactor_closed); /* still faulted until unplug */
  unplug(&r);
  assert_int_equal(cs_error(&r.sm), ERR_NONE);
  assert_int_equal(cs_status(&r.sm), STATUS_AVAILABLE);
}

static void state_e_is_a_fault_cleared_by_unplug(void **state) {
  (void)state;
  rig r;
  boot(&r, socket_cfg());
  charging(&r);
  cp(&r, CP_E);
  assert_false(out(&r)->contactor_closed);
  assert_int_equal(cs_error(&r.sm), ERR_CP_SHORT);
  assert_int_equal(cs_status(&r.sm), STATUS_FAULTED);
  assert_int_equal(find_note(&r.notes, CS_NOTE_SESSION_STOP)->reason, STOP_OTHER);
  assert_non_null(find_note(&r.notes, CS_NOTE_ERROR));
  unplug(&r);
  assert_int_equal(cs_status(&r.sm), STATUS_AVAILABLE);
  assert_non_null(find_note(&r.notes, CS_NOTE_ERROR_CLEARED));
}

static void state_f_and_invalid_levels_fault(void **state) {
  (void)state;
  rig r;
  boot(&r, socket_cfg());
  charging(&r);
  cp(&r, CP_F); /* -12 V on the positive level while we drive PWM */
  assert_false(out(&r)->contactor_closed);
  assert_int_equal(cs_error(&r.sm), ERR_CP_INVALID);
  unplug(&r);
  assert_int_equal(cs_status(&r.sm), STATUS_AVAILABLE);

  charging(&r);
  cp(&r, CP_INVALID);
  assert_false(out(&r)->contactor_closed);
  assert_int_equal(cs_error(&r.sm), ERR_CP_INVALID);
  assert_int_equal(cs_status(&r.sm), STATUS_FAULTED);
}

static void diode_failure_faults_until_unplug(void **state) {
  (void)state;
  rig r;
  boot(&r, socket_cfg());
  pp(&r, 220);
  /* Without PWM the negative level is not checked. */
  feed(&r, (cs_event){.type = CS_EV_CP, .cp = CP_B, .diode_ok = false});
  assert_int_equal(cs_error(&r.sm), ERR_NONE);
  authorize(&r, "U");
  lock_feedback(&r, true);
  assert_int_equal(out(&r)->pwm_permille, 533);
  feed(&r, (cs_event){.type = CS_EV_CP, .cp = CP_C, .diode_ok = false});
  assert_int_equal(cs_error(&r.sm), ERR_DIODE);
  assert_false(out(&r)->contactor_closed);
  assert_int_equal(cs_status(&r.sm), STATUS_FAULTED);
  assert_false(cs_has_session(&r.sm));
  cp(&r, CP_B);
  assert_int_equal(cs_status(&r.sm), STATUS_FAULTED);
  unplug(&r);
  assert_int_equal(cs_error(&r.sm), ERR_NONE);
  assert_int_equal(cs_status(&r.sm), STATUS_AVAILABLE);
}

static void tethered_needs_no_lock_nor_pp(void **state) {
  (void)state;
  rig r;
  connector_config cfg = socket_cfg();
  cfg.tethered = true;
  cfg.selector_a = 16;
  boot(&r, cfg);
  cp(&r, CP_B);
  authorize(&r, "U");
  assert_false(out(&r)->lock_engaged);
  assert_int_equal(out(&r)->pwm_permille, 266);
  cp(&r, CP_C);
  assert_true(out(&r)->contactor_closed);
  limit_source by;
  assert_true(cs_offered_current(&r.sm, &by) == 16.0);
  assert_int_equal(by, LIMIT_SELECTOR);
}

static void pp_values_set_the_cable_limit(void **state) {
  (void)state;
  static const double ohms[] = {1500, 680, 220, 100};
  static const double amps[] = {13, 20, 32, 32}; /* 63 A cable on a 32 A point */
  static const limit_source who[] = {LIMIT_CABLE, LIMIT_CABLE, LIMIT_CABLE, LIMIT_SELECTOR};
  for (int i = 0; i < 4; i++) {
    rig r;
    boot(&r, socket_cfg());
    pp(&r, ohms[i]);
    cp(&r, CP_B);
    limit_source by;
    assert_true(cs_offered_current(&r.sm, &by) == amps[i]);
    assert_int_equal(by, who[i]);
    assert_int_equal(cs_error(&r.sm), ERR_NONE);
  }
}

static void invalid_pp_faults_while_plugged(void **state) {
  (void)state;
  static const double bad[] = {-1.0, 30.0, 5000.0};
  for (int i = 0; i < 3; i++) {
    rig r;
    boot(&r, socket_cfg());
    cp(&r, CP_B);
    pp(&r, bad[i]); /* open, short-ish, too high: read while plugged */
    assert_int_equal(cs_error(&r.sm), ERR_PP_INVALID);
    assert_int_equal(cs_status(&r.sm), STATUS_FAULTED);
    authorize(&r, "U"); /* no charging */
    assert_false(cs_has_session(&r.sm));
    cp(&r, CP_C);
    assert_false(out(&r)->contactor_closed);
    unplug(&r);
    assert_int_equal(cs_error(&r.sm), ERR_NONE);
    assert_int_equal(cs_status(&r.sm), STATUS_AVAILABLE);
  }
  /* An out-of-band cable inserted before the EV answers on CP. */
  {
    rig r;
    boot(&r, socket_cfg());
    pp(&r, 5000.0);
    assert_int_equal(cs_error(&r.sm), ERR_NONE); /* nothing plugged on CP yet */
    cp(&r, CP_B);
    assert_int_equal(cs_error(&r.sm), ERR_PP_INVALID);
  }
  /* An open PP before the plug is just the empty socket. */
  {
    rig r;
    boot(&r, socket_cfg());
    pp(&r, -1.0);
    pp(&r, 1500.0);
    cp(&r, CP_B);
    assert_int_equal(cs_error(&r.sm), ERR_NONE);
  }
  /* No PP reading at all: refused when a session wants the cable. */
  rig r;
  boot(&r, socket_cfg());
  cp(&r, CP_B);
  assert_int_equal(cs_error(&r.sm), ERR_NONE);
  authorize(&r, "U");
  assert_int_equal(cs_error(&r.sm), ERR_PP_INVALID);
  assert_false(out(&r)->lock_engaged);
  assert_false(cs_has_session(&r.sm));
}

static void lock_failure_after_timeout(void **state) {
  (void)state;
  rig r;
  boot(&r, socket_cfg());
  pp(&r, 220);
  cp(&r, CP_B);
  authorize(&r, "U");
  cp(&r, CP_C);
  advance(&r, CS_LOCK_TIMEOUT_MS - 1);
  assert_int_equal(cs_error(&r.sm), ERR_NONE);
  assert_false(out(&r)->contactor_closed);
  advance(&r, 1);
  assert_int_equal(cs_error(&r.sm), ERR_LOCK_FAILURE);
  assert_int_equal(cs_status(&r.sm), STATUS_FAULTED);
  assert_false(out(&r)->contactor_closed);
  assert_false(out(&r)->lock_engaged); /* released again */
  assert_int_equal(find_note(&r.all, CS_NOTE_SESSION_STOP)->reason, STOP_OTHER);
  lock_feedback(&r, true); /* too late: no effect */
  assert_int_equal(cs_status(&r.sm), STATUS_FAULTED);
  unplug(&r);
  assert_int_equal(cs_status(&r.sm), STATUS_AVAILABLE);
}

static void rcd_trip_opens_at_once_and_waits_for_unplug(void **state) {
  (void)state;
  rig r;
  boot(&r, socket_cfg());
  charging(&r);
  feed(&r, (cs_event){.type = CS_EV_RCD_TRIP});
  assert_false(out(&r)->contactor_closed);
  assert_int_equal(cs_error(&r.sm), ERR_RCD_TRIP);
  assert_int_equal(cs_status(&r.sm), STATUS_FAULTED);
  assert_int_equal(find_note(&r.notes, CS_NOTE_SESSION_STOP)->reason, STOP_EMERGENCY_STOP);
  assert_int_equal(count_notes(&r.notes, CS_NOTE_STATUS), 1);
  follow(&r);
  advance(&r, 10 * CS_RCD_RETRY_DELAY_MS);
  assert_int_equal(cs_status(&r.sm), STATUS_FAULTED);
  cp(&r, CP_B);
  authorize(&r, "U");
  assert_false(cs_has_session(&r.sm));
  unplug(&r);
  assert_int_equal(cs_error(&r.sm), ERR_NONE);
  assert_int_equal(cs_status(&r.sm), STATUS_AVAILABLE);
}

static void rcd_auto_retry_resumes_then_gives_up(void **state) {
  (void)state;
  rig r;
  connector_config cfg = socket_cfg();
  cfg.rcd_auto_retries = 1;
  boot(&r, cfg);
  charging(&r);
  feed(&r, (cs_event){.type = CS_EV_RCD_TRIP});
  assert_false(out(&r)->contactor_closed);
  assert_int_equal(cs_status(&r.sm), STATUS_FAULTED);
  assert_null(find_note(&r.notes, CS_NOTE_SESSION_STOP)); /* the session waits */
  assert_int_equal(cs_next_deadline(&r.sm), r.now + CS_FEEDBACK_TIMEOUT_MS);
  follow(&r); /* the contact opened: only the retry remains armed */
  assert_int_equal(cs_next_deadline(&r.sm), r.now + CS_RCD_RETRY_DELAY_MS);
  advance(&r, CS_RCD_RETRY_DELAY_MS - 1);
  assert_int_equal(cs_error(&r.sm), ERR_RCD_TRIP);
  advance(&r, 1);
  assert_int_equal(cs_error(&r.sm), ERR_NONE);
  assert_true(out(&r)->contactor_closed); /* still plugged, authorized, in C */
  assert_int_equal(cs_status(&r.sm), STATUS_CHARGING);
  follow(&r);
  /* No retry left: the next trip ends the session. */
  feed(&r, (cs_event){.type = CS_EV_RCD_TRIP});
  assert_false(out(&r)->contactor_closed);
  assert_int_equal(find_note(&r.notes, CS_NOTE_SESSION_STOP)->reason, STOP_EMERGENCY_STOP);
  follow(&r);
  advance(&r, 2 * CS_RCD_RETRY_DELAY_MS);
  assert_int_equal(cs_status(&r.sm), STATUS_FAULTED);
}

static void welded_contactor_latches_until_cleared(void **state) {
  (void)state;
  rig r;
  boot(&r, socket_cfg());
  charging(&r);
  cp(&r, CP_B);
  assert_false(out(&r)->contactor_closed);
  /* The auxiliary contact keeps reporting closed. */
  advance(&r, CS_FEEDBACK_TIMEOUT_MS - 1);
  assert_int_equal(cs_error(&r.sm), ERR_NONE);
  advance(&r, 1);
  assert_int_equal(cs_error(&r.sm), ERR_CONTACTOR_WELDED);
  assert_int_equal(cs_status(&r.sm), STATUS_FAULTED);
  assert_int_equal(out(&r)->pwm_permille, PILOT_STEADY_LOW);
  assert_false(out(&r)->contactor_closed);
  /* Unplug does not clear it, and no new session may start. */
  unplug(&r);
  contactor_feedback(&r, false);
  assert_int_equal(cs_status(&r.sm), STATUS_FAULTED);
  authorize(&r, "U");
  cp(&r, CP_B);
  assert_false(cs_has_session(&r.sm));
  feed(&r, (cs_event){.type = CS_EV_FAULT_CLEAR});
  assert_int_equal(cs_error(&r.sm), ERR_NONE);
  assert_int_equal(cs_status(&r.sm), STATUS_PREPARING);
}

static void stuck_open_contactor_faults(void **state) {
  (void)state;
  rig r;
  boot(&r, socket_cfg());
  ready_in_b(&r);
  cp(&r, CP_C);
  assert_true(out(&r)->contactor_closed);
  /* No feedback: the contact never closed. */
  advance(&r, CS_FEEDBACK_TIMEOUT_MS);
  assert_int_equal(cs_error(&r.sm), ERR_CONTACTOR_STUCK_OPEN);
  assert_false(out(&r)->contactor_closed);
  assert_int_equal(cs_status(&r.sm), STATUS_FAULTED);
  assert_int_equal(find_note(&r.all, CS_NOTE_SESSION_STOP)->reason, STOP_OTHER);
}

/* A timer that comes late (the loop was stalled) does not judge a feedback:
 * it may be waiting unread behind the timer. The feedback read before the
 * second look counts; without it the second look judges, however late. */
static void late_timer_takes_a_second_look_at_the_contactor(void **state) {
  (void)state;
  rig r;
  boot(&r, socket_cfg());
  charging(&r);
  cp(&r, CP_B);
  assert_false(out(&r)->contactor_closed);
  borne_ms due = r.now + CS_FEEDBACK_TIMEOUT_MS;
  assert_int_equal(cs_next_deadline(&r.sm), due);
  r.now = due + CS_FEEDBACK_LATE_MS; /* stalled past the deadline */
  feed(&r, (cs_event){.type = CS_EV_TIMER});
  assert_int_equal(cs_error(&r.sm), ERR_NONE);
  assert_int_equal(cs_next_deadline(&r.sm), r.now + CS_FEEDBACK_RECHECK_MS);
  contactor_feedback(&r, false); /* the contact had opened in time */
  advance(&r, 10 * CS_FEEDBACK_TIMEOUT_MS);
  assert_int_equal(cs_error(&r.sm), ERR_NONE);
  assert_int_equal(cs_status(&r.sm), STATUS_SUSPENDED_EV);
  assert_int_equal(count_notes(&r.all, CS_NOTE_ERROR), 0);

  /* Welded: no feedback before the second look, which judges even when it
   * comes late again. */
  cp(&r, CP_C);
  follow(&r);
  cp(&r, CP_B);
  due = r.now + CS_FEEDBACK_TIMEOUT_MS;
  r.now = due + 5000;
  feed(&r, (cs_event){.type = CS_EV_TIMER});
  assert_int_equal(cs_error(&r.sm), ERR_NONE);
  borne_ms second = cs_next_deadline(&r.sm);
  assert_int_equal(second, r.now + CS_FEEDBACK_RECHECK_MS);
  r.now = second + 5000;
  feed(&r, (cs_event){.type = CS_EV_TIMER});
  assert_int_equal(cs_error(&r.sm), ERR_CONTACTOR_WELDED);
  assert_int_equal(cs_status(&r.sm), STATUS_FAULTED);
  assert_int_equal(find_note(&r.all, CS_NOTE_SESSION_STOP)->reason, STOP_OTHER);
}

static void late_timer_second_look_finds_a_stuck_open_contactor(void **state) {
  (void)state;
  rig r;
  boot(&r, socket_cfg());
  ready_in_b(&r);
  cp(&r, CP_C);
  assert_true(out(&r)->contactor_closed);
  r.now = cs_next_deadline(&r.sm) + 1000;
  feed(&r, (cs_event){.type = CS_EV_TIMER});
  assert_int_equal(cs_error(&r.sm), ERR_NONE);
  assert_true(out(&r)->contactor_closed);
  /* the second look, on time: still no feedback */
  advance(&r, CS_FEEDBACK_RECHECK_MS - 1);
  assert_int_equal(cs_error(&r.sm), ERR_NONE);
  advance(&r, 1);
  assert_int_equal(cs_error(&r.sm), ERR_CONTACTOR_STUCK_OPEN);
  assert_false(out(&r)->contactor_closed);
}

/* Just under the lateness margin is on time: judged at once, as before. */
static void slightly_late_timer_judges_at_once(void **state) {
  (void)state;
  rig r;
  boot(&r, socket_cfg());
  ready_in_b(&r);
  cp(&r, CP_C);
  r.now = cs_next_deadline(&r.sm) + CS_FEEDBACK_LATE_MS - 1;
  feed(&r, (cs_event){.type = CS_EV_TIMER});
  assert_int_equal(cs_error(&r.sm), ERR_CONTACTOR_STUCK_OPEN);
}

/* A new command re-arms a full timeout: a second look pending for the old
 * one does not carry over to it. */
static void new_command_forgets_a_pending_second_look(void **state) {
  (void)state;
  rig r;
  boot(&r, socket_cfg());
  charging(&r);
  cp(&r, CP_B);
  r.now = cs_next_deadline(&r.sm) + 1000;
  feed(&r, (cs_event){.type = CS_EV_TIMER}); /* late: second look armed */
  follow(&r);
  cp(&r, CP_C); /* closes again: a fresh deadline, not a second look */
  assert_int_equal(cs_next_deadline(&r.sm), r.now + CS_FEEDBACK_TIMEOUT_MS);
  r.now = cs_next_deadline(&r.sm) + 1000;
  feed(&r, (cs_event){.type = CS_EV_TIMER}); /* late again: looks again first */
  assert_int_equal(cs_error(&r.sm), ERR_NONE);
  follow(&r);
  advance(&r, 10 * CS_FEEDBACK_TIMEOUT_MS);
  assert_int_equal(cs_error(&r.sm), ERR_NONE);
  assert_int_equal(cs_status(&r.sm), STATUS_CHARGING);
}

static void late_timer_takes_a_second_look_at_the_lock(void **state) {
  (void)state;
  rig r;
  boot(&r, socket_cfg());
  pp(&r, 220);
  cp(&r, CP_B);
  authorize(&r, "U");
  assert_true(out(&r)->lock_engaged);
  borne_ms due = cs_next_deadline(&r.sm);
  assert_int_equal(due, r.now + CS_LOCK_TIMEOUT_MS);
  r.now = due + 3000;
  feed(&r, (cs_event){.type = CS_EV_TIMER});
  assert_int_equal(cs_error(&r.sm), ERR_NONE);
  assert_true(cs_has_session(&r.sm));
  assert_int_equal(cs_next_deadline(&r.sm), r.now + CS_FEEDBACK_RECHECK_MS);
  lock_feedback(&r, true); /* it had locked in time */
  assert_int_equal(cs_next_deadline(&r.sm), INT64_MAX);
  assert_int_equal(cs_status(&r.sm), STATUS_SUSPENDED_EV);

  /* A lock that never confirms: the second look, late too, judges. */
  rig b;
  boot(&b, socket_cfg());
  pp(&b, 220);
  cp(&b, CP_B);
  authorize(&b, "U");
  b.now = cs_next_deadline(&b.sm) + 3000;
  feed(&b, (cs_event){.type = CS_EV_TIMER});
  assert_int_equal(cs_error(&b.sm), ERR_NONE);
  b.now = cs_next_deadline(&b.sm) + 3000;
  feed(&b, (cs_event){.type = CS_EV_TIMER});
  assert_int_equal(cs_error(&b.sm), ERR_LOCK_FAILURE);
  assert_false(out(&b)->lock_engaged);
  assert_false(cs_has_session(&b.sm));
}

static void overcurrent_after_five_seconds_not_in_grace(void **state) {
  (void)state;
  rig r;
  boot(&r, socket_cfg());
  charging(&r); /* closed at r.now: 5 s grace for the EV to adapt */
  borne_ms closed_at = r.now;
  /* 40 A on a 32 A offer, reported every second from the start. */
  for (int s = 0; s < 10; s++) {
    feed(&r, (cs_event){.type = CS_EV_CURRENT, .value = 40});
    assert_int_equal(cs_error(&r.sm), ERR_NONE);
    advance(&r, s < 9 ? 1000 : 999);
  }
  /* Grace ended at +5 s; the reading 5 s after the first one over it decides. */
  assert_int_equal(r.now, closed_at + 9999);
  assert_int_equal(cs_error(&r.sm), ERR_NONE);
  advance(&r, 1);
  assert_int_equal(cs_error(&r.sm), ERR_NONE); /* no reading: no verdict */
  clear_log(&r);
  feed(&r, (cs_event){.type = CS_EV_CURRENT, .value = 40});
  assert_int_equal(cs_error(&r.sm), ERR_OVERCURRENT);
  assert_false(out(&r)->contactor_closed);
  assert_int_equal(find_note(&r.all, CS_NOTE_SESSION_STOP)->reason, STOP_OTHER);
  assert_int_equal(cs_status(&r.sm), STATUS_FAULTED);
}

/* A late meter (or a busy loop at a high simulation speed) is not the EV's
 * fault: a stale reading over the limit never turns into a fault by time
 * passing, and the reading that follows decides. */
static void stale_current_reading_is_no_overcurrent(void **state) {
  (void)state;
  rig r;
  boot(&r, socket_cfg());
  charging(&r);
  advance(&r, 6000);
  feed(&r, (cs_event){.type = CS_EV_CURRENT, .value = 40});
  advance(&r, 20000); /* timers only, no new reading */
  assert_int_equal(cs_error(&r.sm), ERR_NONE);
  feed(&r, (cs_event){.type = CS_EV_CURRENT, .value = 31});
  advance(&r, 10000);
  feed(&r, (cs_event){.type = CS_EV_CURRENT, .value = 31});
  assert_int_equal(cs_error(&r.sm), ERR_NONE);
  assert_true(out(&r)->contactor_closed);
}

static void overcurrent_tolerance_and_duty_decrease(void **state) {
  (void)state;
  rig r;
  boot(&r, socket_cfg());
  charging(&r);
  advance(&r, 6000);
  /* 34 A on 32 A is within 10 %. */
  feed(&r, (cs_event){.type = CS_EV_CURRENT, .value = 34});
  advance(&r, 20000);
  assert_int_equal(cs_error(&r.sm), ERR_NONE);
  /* The offer drops to 16 A: the EV still draws 30 A during its 5 s grace. */
  limit(&r, LIMIT_API, 16);
  assert_int_equal(out(&r)->pwm_permille, 266);
  feed(&r, (cs_event){.type = CS_EV_CURRENT, .value = 30});
  advance(&r, CS_EV_ADAPT_MS - 1);
  feed(&r, (cs_event){.type = CS_EV_CURRENT, .value = 30});
  assert_int_equal(cs_error(&r.sm), ERR_NONE);
  /* It adapts: no fault ever. */
  advance(&r, 1);
  feed(&r, (cs_event){.type = CS_EV_CURRENT, .value = 16.2});
  advance(&r, 30000);
  assert_int_equal(cs_error(&r.sm), ERR_NONE);
  assert_true(out(&r)->contactor_closed);
}

static void overtemp_derates_stops_and_recovers(void **state) {
  (void)state;
  rig r;
  boot(&r, socket_cfg()); /* derate 60 C, stop 80 C, selector 32 A */
  charging(&r);
  limit_source by;
  feed(&r, (cs_event){.type = CS_EV_TEMPERATURE, .value = 55});
  assert_true(cs_offered_current(&r.sm, &by) == 32.0);
  feed(&r, (cs_event){.type = CS_EV_TEMPERATURE, .value = 70}); /* halfway: 32 - 13 */
  assert_true(cs_offered_current(&r.sm, &by) == 19.0);
  assert_int_equal(by, LIMIT_THERMAL);
  assert_int_equal(out(&r)->pwm_permille, 316);
  assert_non_null(find_note(&r.notes, CS_NOTE_OFFERED));
  feed(&r, (cs_event){.type = CS_EV_TEMPERATURE, .value = 80});
  assert_int_equal(cs_error(&r.sm), ERR_OVERTEMP);
  assert_false(out(&r)->contactor_closed);
  assert_int_equal(cs_status(&r.sm), STATUS_FAULTED);
  follow(&r);
  feed(&r, (cs_event){.type = CS_EV_TEMPERATURE, .value = 55}); /* not cool enough yet */
  assert_int_equal(cs_error(&r.sm), ERR_OVERTEMP);
  feed(&r, (cs_event){.type = CS_EV_TEMPERATURE, .value = 49});
  assert_int_equal(cs_error(&r.sm), ERR_NONE);
  assert_true(out(&r)->contactor_closed); /* the session resumes */
  assert_int_equal(cs_status(&r.sm), STATUS_CHARGING);
  assert_true(cs_offered_current(&r.sm, &by) == 32.0);
  assert_int_equal(by, LIMIT_CABLE); /* 32 A cable ties the selector: first source wins */
}

/* A runtime meter failure (CS_EV_METER_FAULT, sent by the metering glue
 * after meter.failures_before_fault failed polls): Faulted with
 * ERR_METER_FAILURE (OCPP PowerMeterFailure), contactor open, the session
 * kept; unplug and operator clear do not remove it while the meter fails;
 * the meter answering again resumes charging. */
static void meter_failure_faults_and_recovers(void **state) {
  (void)state;
  rig r;
  boot(&r, socket_cfg());
  charging(&r);
  clear_log(&r);
  feed(&r, (cs_event){.type = CS_EV_METER_FAULT, .flag = true});
  assert_int_equal(cs_error(&r.sm), ERR_METER_FAILURE);
  assert_false(out(&r)->contactor_closed);
  assert_int_equal(cs_status(&r.sm), STATUS_FAULTED);
  assert_string_equal(error_info_of(ERR_METER_FAILURE)->ocpp16_code, "PowerMeterFailure");
  assert_int_equal(count_notes(&r.all, CS_NOTE_SESSION_STOP), 0);
  follow(&r);
  feed(&r, (cs_event){.type = CS_EV_FAULT_CLEAR}); /* refused: the meter still fails */
  assert_int_equal(cs_error(&r.sm), ERR_METER_FAILURE);
  feed(&r, (cs_event){.type = CS_EV_METER_FAULT, .flag = false});
  assert_int_equal(cs_error(&r.sm), ERR_NONE);
  assert_true(out(&r)->contactor_closed);
  assert_int_equal(cs_status(&r.sm), STATUS_CHARGING);
  assert_int_equal(count_notes(&r.all, CS_NOTE_ERROR_CLEARED), 1);

  /* unplugging while the meter fails keeps the fault */
  feed(&r, (cs_event){.type = CS_EV_METER_FAULT, .flag = true});
  unplug(&r);
  assert_int_equal(cs_error(&r.sm), ERR_METER_FAILURE);
  assert_int_equal(cs_status(&r.sm), STATUS_FAULTED);
  feed(&r, (cs_event){.type = CS_EV_METER_FAULT, .flag = false});
  assert_int_equal(cs_status(&r.sm), STATUS_AVAILABLE);
  /* a meter answering never clears another error */
  feed(&r, (cs_event){.type = CS_EV_TEMPERATURE, .value = 85});
  feed(&r, (cs_event){.type = CS_EV_METER_FAULT, .flag = false});
  assert_int_equal(cs_error(&r.sm), ERR_OVERTEMP);
}

/* The tamper input (CS_EV_TAMPER, station-wide, sent to every connector):
 * the session ends, Faulted with ERR_TAMPER; neither an operator's fault
 * clear, an unplug nor a badge brings it back, only the acknowledgement. */
static void tamper_takes_the_connector_out_until_acknowledged(void **state) {
  (void)state;
  rig r;
  boot(&r, socket_cfg());
  charging(&r);
  clear_log(&r);
  feed(&r, (cs_event){.type = CS_EV_TAMPER, .flag = true});
  assert_int_equal(cs_error(&r.sm), ERR_TAMPER);
  assert_false(out(&r)->contactor_closed);
  assert_int_equal(cs_status(&r.sm), STATUS_FAULTED);
  assert_int_equal(count_notes(&r.all, CS_NOTE_SESSION_STOP), 1);
  assert_string_equal(error_info_of(ERR_TAMPER)->vendor_code, "borne.Tamper");
  follow(&r);
  feed(&r, (cs_event){.type = CS_EV_FAULT_CLEAR});
  assert_int_equal(cs_error(&r.sm), ERR_TAMPER);
  unplug(&r);
  assert_int_equal(cs_error(&r.sm), ERR_TAMPER);
  cp(&r, CP_B);
  authorize(&r, "CAFE");
  assert_int_equal(count_notes(&r.all, CS_NOTE_SESSION_START), 0);
  assert_int_equal(cs_status(&r.sm), STATUS_FAULTED);
  feed(&r, (cs_event){.type = CS_EV_TAMPER, .flag = false});
  assert_int_equal(cs_error(&r.sm), ERR_NONE);
  assert_int_equal(count_notes(&r.all, CS_NOTE_ERROR_CLEARED), 1);
  authorize(&r, "CAFE");
  assert_int_equal(count_notes(&r.all, CS_NOTE_SESSION_START), 1);
}

static void limits_compose_and_notify(void **state) {
  (void)state;
  rig r;
  connector_config cfg = socket_cfg();
  cfg.breaker_a = 25;
  boot(&r, cfg);
  limit_source by;
  assert_true(cs_offered_current(&r.sm, &by) == 25.0);
  assert_string_equal(limit_source_name(by), "installation");
  pp(&r, 680);
  assert_true(cs_offered_current(&r.sm, &by) == 20.0);
  assert_string_equal(limit_source_name(by), "cable");
  assert_int_equal(count_notes(&r.notes, CS_NOTE_OFFERED), 1);
  limit(&r, LIMIT_API, 10);
  assert_true(cs_offered_current(&r.sm, &by) == 10.0);
  assert_string_equal(limit_source_name(by), "api");
  limit(&r, LIMIT_API, 10); /* unchanged: no note */
  assert_int_equal(count_notes(&r.notes, CS_NOTE_OFFERED), 0);
  limit(&r, LIMIT_LOAD_MANAGEMENT, 8);
  assert_true(cs_offered_current(&r.sm, &by) == 8.0);
  assert_string_equal(limit_source_name(by), "load_management");
  limit(&r, LIMIT_LOAD_MANAGEMENT, -1); /* cleared */
  assert_true(cs_offered_current(&r.sm, &by) == 10.0);
  assert_int_equal(by, LIMIT_API);
  limit(&r, LIMIT_SELECTOR, 6); /* the installer turns the selector down */
  assert_true(cs_offered_current(&r.sm, &by) == 6.0);
  assert_int_equal(by, LIMIT_SELECTOR);
}

static void below_six_amps_suspends_and_opens_on_c_to_b(void **state) {
  (void)state;
  rig r;
  boot(&r, socket_cfg());
  charging(&r);
  limit(&r, LIMIT_LOAD_MANAGEMENT, 4);
  assert_int_equal(out(&r)->pwm_permille, PILOT_STEADY_HIGH); /* x1 */
  assert_int_equal(cs_status(&r.sm), STATUS_SUSPENDED_EVSE);
  assert_true(out(&r)->contactor_closed); /* the EV gets time to stop drawing */
  assert_true(cs_has_session(&r.sm));
  r.now += 1500;
  cp(&r, CP_B);
  assert_false(out(&r)->contactor_closed);
  assert_int_equal(cs_status(&r.sm), STATUS_SUSPENDED_EVSE);
  follow(&r);
  limit(&r, LIMIT_LOAD_MANAGEMENT, 16);
  assert_int_equal(out(&r)->pwm_permille, 266);
  assert_int_equal(cs_status(&r.sm), STATUS_SUSPENDED_EV);
  cp(&r, CP_C);
  assert_true(out(&r)->contactor_closed);
}

/* OCPP 2.1 E16/E17: a session held by its own transaction waits (SuspendedEVSE,
 * a pause, not a stop); the hold ends with the session, the next one is offered
 * current again without anyone clearing it. */
static void a_transaction_hold_ends_with_its_session(void **state) {
  (void)state;
  rig r;
  boot(&r, socket_cfg());
  charging(&r);
  limit(&r, LIMIT_RESUMED, 0);
  limit(&r, LIMIT_TRANSACTION, 0);
  limit_source by;
  assert_true(cs_offered_current(&r.sm, &by) == 0.0);
  assert_int_equal(by, LIMIT_TRANSACTION);
  assert_int_equal(cs_status(&r.sm), STATUS_SUSPENDED_EVSE);
  assert_true(cs_has_session(&r.sm));
  r.now += 1500;
  cp(&r, CP_B);
  assert_false(out(&r)->contactor_closed);
  feed(&r, (cs_event){.type = CS_EV_STOP, .reason = STOP_LOCAL});
  assert_false(cs_has_session(&r.sm));
  assert_true(cs_offered_current(&r.sm, &by) > 6.0);
  assert_true(by != LIMIT_TRANSACTION && by != LIMIT_RESUMED);
}

static void below_six_amps_opens_under_load_after_timeout(void **state) {
  (void)state;
  rig r;
  boot(&r, socket_cfg());
  charging(&r);
  limit(&r, LIMIT_LOAD_MANAGEMENT, 0);
  assert_int_equal(cs_next_deadline(&r.sm), r.now + CS_EV_STOP_TIMEOUT_MS);
  advance(&r, CS_EV_STOP_TIMEOUT_MS - 1);
  assert_true(out(&r)->contactor_closed);
  advance(&r, 1);
  assert_false(out(&r)->contactor_closed);
  assert_int_equal(cs_status(&r.sm), STATUS_SUSPENDED_EVSE);
  assert_true(cs_has_session(&r.sm)); /* a pause, not a stop */
  follow(&r);
  limit(&r, LIMIT_LOAD_MANAGEMENT, -1);
  assert_true(out(&r)->contactor_closed); /* the EV never left C */
  assert_int_equal(cs_status(&r.sm), STATUS_CHARGING);
}

static void stop_while_plugged_is_finishing(void **state) {
  (void)state;
  rig r;
  boot(&r, socket_cfg());
  charging(&r);
  feed(&r, (cs_event){.type = CS_EV_STOP, .reason = STOP_REMOTE});
  assert_false(out(&r)->contactor_closed);
  assert_int_equal(find_note(&r.notes, CS_NOTE_SESSION_STOP)->reason, STOP_REMOTE);
  assert_int_equal(cs_status(&r.sm), STATUS_FINISHING);
  assert_int_equal(out(&r)->pwm_permille, PILOT_STEADY_HIGH);
  assert_false(out(&r)->lock_engaged); /* the driver may take the cable */
  follow(&r);
  authorize(&r, "OTHER"); /* no new session before unplug */
  assert_false(cs_has_session(&r.sm));
  assert_false(cs_waiting_for_authorization(&r.sm));
  unplug(&r);
  assert_int_equal(cs_status(&r.sm), STATUS_AVAILABLE);
  assert_int_equal(count_notes(&r.notes, CS_NOTE_SESSION_STOP), 0); /* already stopped */
}

/* OCPP 1.6 4.9/4.10, TC_005_1: the car unplugs its side, the cable stays in
 * the socket: the session ends (EVDisconnected), the lock opens, Finishing
 * until the cable leaves the socket, then Available. */
static void ev_side_unplug_finishes_until_the_cable_leaves(void **state) {
  (void)state;
  rig r;
  boot(&r, socket_cfg());
  charging(&r);
  cp(&r, CP_A); /* the car's side only: PP still reads the cable */
  assert_false(out(&r)->contactor_closed);
  assert_int_equal(find_note(&r.notes, CS_NOTE_SESSION_STOP)->reason, STOP_EV_DISCONNECTED);
  assert_int_equal(cs_status(&r.sm), STATUS_FINISHING);
  assert_false(out(&r)->lock_engaged);
  assert_true(cs_cable_without_car(&r.sm));
  authorize(&r, "OTHER"); /* no new session before the cable leaves */
  assert_false(r.sm.authorized);
  pp(&r, -1); /* the cable leaves the socket */
  assert_int_equal(cs_status(&r.sm), STATUS_AVAILABLE);
  assert_false(cs_cable_without_car(&r.sm));
  assert_int_equal(count_notes(&r.notes, CS_NOTE_SESSION_STOP), 0);
}

/* UnlockConnectorOnEVSideDisconnect false (1.6 4.10, TC_005_2, TC_E_25):
 * the lock keeps the cable after the car left until the session's badge
 * (station_core) or an unlock command; the cable then leaves. */
static void ev_side_unplug_keeps_the_cable_locked(void **state) {
  (void)state;
  rig r;
  connector_config cfg = socket_cfg();
  cfg.keep_lock_on_ev_disconnect = true;
  boot(&r, cfg);
  charging(&r);
  cp(&r, CP_A);
  assert_int_equal(find_note(&r.notes, CS_NOTE_SESSION_STOP)->reason, STOP_EV_DISCONNECTED);
  assert_false(cs_has_session(&r.sm));
  assert_int_equal(cs_status(&r.sm), STATUS_FINISHING);
  assert_true(out(&r)->lock_engaged);
  assert_true(cs_lock_held(&r.sm));
  follow(&r);
  advance(&r, 5000); /* still locked, no fault: the lock was confirmed */
  assert_true(out(&r)->lock_engaged);
  assert_int_equal(cs_error(&r.sm), ERR_NONE);
  feed(&r, (cs_event){.type = CS_EV_UNLOCK});
  assert_false(out(&r)->lock_engaged);
  assert_false(cs_lock_held(&r.sm));
  assert_int_equal(count_notes(&r.notes, CS_NOTE_SESSION_STOP), 0);
  pp(&r, -1);
  assert_int_equal(cs_status(&r.sm), STATUS_AVAILABLE);
  assert_false(out(&r)->lock_engaged);
  /* the next car locks as usual */
  ready_in_b(&r);
  assert_true(out(&r)->lock_engaged);
}

/* The whole cable unplugged at once (car, then socket) with the lock kept:
 * it goes with the cable. */
static void kept_lock_goes_with_the_cable(void **state) {
  (void)state;
  rig r;
  connector_config cfg = socket_cfg();
  cfg.keep_lock_on_ev_disconnect = true;
  boot(&r, cfg);
  charging(&r);
  unplug(&r);
  assert_int_equal(cs_status(&r.sm), STATUS_AVAILABLE);
  assert_false(out(&r)->lock_engaged);
  assert_false(cs_lock_held(&r.sm));
}

/* StopTransactionOnEVSideDisconnect false (1.6 4.9/4.10, TC_005_3, 2.0.1
 * E10): the session outlives the car, SuspendedEV, the cable stays locked,
 * a car plugged back in charges again; a remote stop ends it, the cable is
 * unlocked and Finishing lasts until it leaves the socket. */
static void session_survives_the_car_leaving(void **state) {
  (void)state;
  rig r;
  connector_config cfg = socket_cfg();
  cfg.keep_session_on_ev_disconnect = true;
  boot(&r, cfg);
  charging(&r);
  cp(&r, CP_A);
  assert_int_equal(count_notes(&r.notes, CS_NOTE_SESSION_STOP), 0);
  assert_true(cs_has_session(&r.sm));
  assert_true(cs_session_without_car(&r.sm));
  assert_false(out(&r)->contactor_closed);
  assert_int_equal(cs_status(&r.sm), STATUS_SUSPENDED_EV);
  assert_true(out(&r)->lock_engaged); /* StopTransaction... false has priority */
  assert_int_equal(out(&r)->pwm_permille, PILOT_STEADY_HIGH);
  follow(&r);
  advance(&r, 10000);
  assert_true(cs_has_session(&r.sm));
  /* a car comes back on the same cable: energy again */
  cp(&r, CP_B);
  assert_false(cs_session_without_car(&r.sm));
  assert_int_equal(out(&r)->pwm_permille, pilot_duty_for_current(32));
  cp(&r, CP_C);
  assert_true(out(&r)->contactor_closed);
  follow(&r);
  assert_int_equal(cs_status(&r.sm), STATUS_CHARGING);
  /* it leaves again; the back end stops the session */
  cp(&r, CP_A);
  follow(&r);
  assert_true(cs_has_session(&r.sm));
  feed(&r, (cs_event){.type = CS_EV_STOP, .reason = STOP_REMOTE});
  assert_int_equal(find_note(&r.notes, CS_NOTE_SESSION_STOP)->reason, STOP_REMOTE);
  assert_int_equal(cs_status(&r.sm), STATUS_FINISHING);
  assert_false(out(&r)->lock_engaged); /* the normal end unlocks */
  pp(&r, -1);
  assert_int_equal(cs_status(&r.sm), STATUS_AVAILABLE);
}

/* The same with a fixed cable: no lock, Available once the stop came. */
static void tethered_session_survives_the_car_leaving(void **state) {
  (void)state;
  rig r;
  connector_config cfg = socket_cfg();
  cfg.tethered = true;
  cfg.keep_session_on_ev_disconnect = true;
  cfg.keep_lock_on_ev_disconnect = true;
  boot(&r, cfg);
  cp(&r, CP_B);
  authorize(&r, "04A1B2");
  cp(&r, CP_C);
  follow(&r);
  assert_int_equal(cs_status(&r.sm), STATUS_CHARGING);
  cp(&r, CP_A);
  follow(&r);
  assert_true(cs_has_session(&r.sm));
  assert_int_equal(cs_status(&r.sm), STATUS_SUSPENDED_EV);
  assert_false(out(&r)->lock_engaged);
  feed(&r, (cs_event){.type = CS_EV_STOP, .reason = STOP_LOCAL});
  assert_int_equal(cs_status(&r.sm), STATUS_AVAILABLE);
  assert_false(cs_lock_held(&r.sm));
}

static void inoperative_waits_for_the_session_to_end(void **state) {
  (void)state;
  rig r;
  boot(&r, socket_cfg());
  charging(&r);
  feed(&r, (cs_event){.type = CS_EV_AVAILABILITY, .flag = false});
  assert_int_equal(cs_status(&r.sm), STATUS_CHARGING); /* scheduled */
  assert_true(out(&r)->contactor_closed);
  feed(&r, (cs_event){.type = CS_EV_STOP, .reason = STOP_LOCAL});
  assert_int_equal(cs_status(&r.sm), STATUS_UNAVAILABLE);
  /* the car still there: +12 V, so that its leaving shows on CP */
  assert_int_equal(out(&r)->pwm_permille, PILOT_STEADY_HIGH);
  assert_false(out(&r)->contactor_closed);
  follow(&r);
  /* it leaves (CP A, then the plug's PP open): no fault, still Unavailable, state F */
  unplug(&r);
  pp(&r, -1);
  assert_int_equal(cs_error(&r.sm), ERR_NONE);
  assert_int_equal(cs_status(&r.sm), STATUS_UNAVAILABLE);
  assert_int_equal(out(&r)->pwm_permille, PILOT_STEADY_LOW);
  feed(&r, (cs_event){.type = CS_EV_AVAILABILITY, .flag = true});
  assert_int_equal(cs_status(&r.sm), STATUS_AVAILABLE);
  /* Idle and inoperative: no authorization is taken. */
  feed(&r, (cs_event){.type = CS_EV_AVAILABILITY, .flag = false});
  assert_int_equal(cs_status(&r.sm), STATUS_UNAVAILABLE);
  authorize(&r, "U");
  pp(&r, 220);
  cp(&r, CP_B);
  assert_false(cs_has_session(&r.sm));
}

/* OCPP L01.FR.07: held for a firmware install, a charging connector goes on
 * until its session ends, then shows Unavailable; the hold is apart from the
 * owner's availability: released, the connector serves again, but an
 * inoperative one stays Unavailable. */
static void firmware_hold_waits_for_the_session_to_end(void **state) {
  (void)state;
  rig r;
  boot(&r, socket_cfg());
  charging(&r);
  feed(&r, (cs_event){.type = CS_EV_HOLD, .flag = true});
  assert_int_equal(cs_status(&r.sm), STATUS_CHARGING);
  assert_true(out(&r)->contactor_closed);
  feed(&r, (cs_event){.type = CS_EV_STOP, .reason = STOP_LOCAL});
  assert_int_equal(cs_status(&r.sm), STATUS_UNAVAILABLE);
  follow(&r);
  unplug(&r);
  pp(&r, -1);
  assert_int_equal(cs_error(&r.sm), ERR_NONE);
  assert_int_equal(cs_status(&r.sm), STATUS_UNAVAILABLE);
  /* held and idle: no authorization is taken, no session starts */
  authorize(&r, "U");
  pp(&r, 220);
  cp(&r, CP_B);
  assert_false(cs_has_session(&r.sm));
  assert_false(cs_in_service(&r.sm));
  unplug(&r);
  pp(&r, -1);
  feed(&r, (cs_event){.type = CS_EV_HOLD, .flag = false});
  assert_int_equal(cs_status(&r.sm), STATUS_AVAILABLE);
  /* an inoperative connector is not made operative by the release */
  feed(&r, (cs_event){.type = CS_EV_AVAILABILITY, .flag = false});
  feed(&r, (cs_event){.type = CS_EV_HOLD, .flag = true});
  feed(&r, (cs_event){.type = CS_EV_HOLD, .flag = false});
  assert_int_equal(cs_status(&r.sm), STATUS_UNAVAILABLE);
}

static void permanent_lock_stays_engaged(void **state) {
  (void)state;
  rig r;
  connector_config cfg = socket_cfg();
  cfg.permanent_lock = true;
  boot(&r, cfg);
  assert_true(out(&r)->lock_engaged); /* with no EV */
  lock_feedback(&r, true);
  pp(&r, 220);
  cp(&r, CP_B);
  authorize(&r, "U");
  assert_int_equal(out(&r)->pwm_permille, 533); /* already locked */
  cp(&r, CP_C);
  assert_true(out(&r)->contactor_closed);
  follow(&r);
  unplug(&r);
  assert_true(out(&r)->lock_engaged);
  assert_int_equal(cs_status(&r.sm), STATUS_AVAILABLE);
}

static void nothing_armed_when_idle(void **state) {
  (void)state;
  rig r;
  boot(&r, socket_cfg());
  assert_true(cs_next_deadline(&r.sm) == INT64_MAX);
  charging(&r);
  advance(&r, CS_FEEDBACK_TIMEOUT_MS);
  assert_true(cs_next_deadline(&r.sm) == INT64_MAX);
}

/* An operator's unlock during a session: the session ends, the lock is
 * released, and CS_NOTE_UNLOCKED comes only once the switch reads open. */
static void unlock_waits_for_the_switch(void **state) {
  (void)state;
  rig r;
  boot(&r, socket_cfg());
  charging(&r);
  feed(&r, (cs_event){.type = CS_EV_UNLOCK});
  assert_false(out(&r)->lock_engaged);
  assert_true(cs_unlock_pending(&r.sm));
  assert_int_equal(count_notes(&r.all, CS_NOTE_SESSION_STOP), 1);
  assert_int_equal(find_note(&r.all, CS_NOTE_SESSION_STOP)->reason, STOP_UNLOCK_COMMAND);
  assert_int_equal(count_notes(&r.all, CS_NOTE_UNLOCKED), 0);
  advance(&r, CS_UNLOCK_TIMEOUT_MS / 2); /* the motor travels */
  assert_int_equal(count_notes(&r.all, CS_NOTE_UNLOCKED), 0);
  lock_feedback(&r, false);
  assert_int_equal(count_notes(&r.notes, CS_NOTE_UNLOCKED), 1);
  assert_false(cs_unlock_pending(&r.sm));
  advance(&r, CS_UNLOCK_TIMEOUT_MS);
  assert_int_equal(count_notes(&r.all, CS_NOTE_UNLOCK_FAILED), 0);
  assert_true(cs_next_deadline(&r.sm) == INT64_MAX);
}

/* The switch still reads locked CS_UNLOCK_TIMEOUT_MS after the release:
 * CS_NOTE_UNLOCK_FAILED, once, not before the deadline. */
static void unlock_fails_when_the_lock_stays_closed(void **state) {
  (void)state;
  rig r;
  boot(&r, socket_cfg());
  charging(&r);
  feed(&r, (cs_event){.type = CS_EV_UNLOCK});
  clear_log(&r);
  advance(&r, CS_UNLOCK_TIMEOUT_MS - 1);
  assert_int_equal(count_notes(&r.all, CS_NOTE_UNLOCK_FAILED), 0);
  assert_true(cs_unlock_pending(&r.sm));
  advance(&r, 1);
  assert_int_equal(count_notes(&r.all, CS_NOTE_UNLOCK_FAILED), 1);
  assert_int_equal(count_notes(&r.all, CS_NOTE_UNLOCKED), 0);
  assert_false(cs_unlock_pending(&r.sm));
  assert_true(cs_next_deadline(&r.sm) == INT64_MAX);
  /* opening later tells nothing more: the unlock was answered */
  clear_log(&r);
  lock_feedback(&r, false);
  assert_int_equal(count_notes(&r.all, CS_NOTE_UNLOCKED), 0);
}

/* Feedback queued behind a stalled loop: a late timer is a second look, not
 * a failure, and the switch read in between wins. */
static void unlock_late_timer_looks_again(void **state) {
  (void)state;
  rig r;
  boot(&r, socket_cfg());
  charging(&r);
  feed(&r, (cs_event){.type = CS_EV_UNLOCK});
  clear_log(&r);
  r.now += CS_UNLOCK_TIMEOUT_MS + CS_FEEDBACK_LATE_MS;
  feed(&r, (cs_event){.type = CS_EV_TIMER});
  assert_int_equal(count_notes(&r.all, CS_NOTE_UNLOCK_FAILED), 0);
  lock_feedback(&r, false);
  assert_int_equal(count_notes(&r.all, CS_NOTE_UNLOCKED), 1);
}

/* Nothing to wait for: the switch reads open already (no session, no
 * permanent lock), or nothing is plugged (no cable to free). */
static void unlock_with_nothing_to_move_is_done_at_once(void **state) {
  (void)state;
  rig r;
  boot(&r, socket_cfg());
  pp(&r, 220);
  cp(&r, CP_B); /* plugged, not authorized: not locked */
  feed(&r, (cs_event){.type = CS_EV_UNLOCK});
  assert_false(cs_unlock_pending(&r.sm));
  connector_config cfg = socket_cfg();
  cfg.permanent_lock = true;
  boot(&r, cfg);
  lock_feedback(&r, true);
  feed(&r, (cs_event){.type = CS_EV_UNLOCK}); /* locked, but no cable */
  assert_false(cs_unlock_pending(&r.sm));
  assert_true(cs_next_deadline(&r.sm) == INT64_MAX);
  /* a cable in the permanently locked socket: the release is awaited */
  pp(&r, 220);
  cp(&r, CP_B);
  clear_log(&r);
  feed(&r, (cs_event){.type = CS_EV_UNLOCK});
  assert_true(cs_unlock_pending(&r.sm));
  assert_false(out(&r)->lock_engaged);
  lock_feedback(&r, false);
  assert_int_equal(count_notes(&r.all, CS_NOTE_UNLOCKED), 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(selftest_gates_the_connector),
      cmocka_unit_test(selftest_failure_is_latched),
      cmocka_unit_test(meter_failure_faults_and_recovers),
      cmocka_unit_test(tamper_takes_the_connector_out_until_acknowledged),
      cmocka_unit_test(full_cycle_a_b_c_b_a),
      cmocka_unit_test(contactor_waits_for_the_lock),
      cmocka_unit_test(c_to_a_direct_opens_at_once),
      cmocka_unit_test(b_to_a_without_session),
      cmocka_unit_test(state_d_with_ventilation_charges),
      cmocka_unit_test(state_d_without_ventilation_never_energizes),
      cmocka_unit_test(state_e_is_a_fault_cleared_by_unplug),
      cmocka_unit_test(state_f_and_invalid_levels_fault),
      cmocka_unit_test(diode_failure_faults_until_unplug),
      cmocka_unit_test(tethered_needs_no_lock_nor_pp),
      cmocka_unit_test(pp_values_set_the_cable_limit),
      cmocka_unit_test(invalid_pp_faults_while_plugged),
      cmocka_unit_test(lock_failure_after_timeout),
      cmocka_unit_test(rcd_trip_opens_at_once_and_waits_for_unplug),
      cmocka_unit_test(rcd_auto_retry_resumes_then_gives_up),
      cmocka_unit_test(welded_contactor_latches_until_cleared),
      cmocka_unit_test(stuck_open_contactor_faults),
      cmocka_unit_test(late_timer_takes_a_second_look_at_the_contactor),
      cmocka_unit_test(late_timer_second_look_finds_a_stuck_open_contactor),
      cmocka_unit_test(slightly_late_timer_judges_at_once),
      cmocka_unit_test(new_command_forgets_a_pending_second_look),
      cmocka_unit_test(late_timer_takes_a_second_look_at_the_lock),
      cmocka_unit_test(overcurrent_after_five_seconds_not_in_grace),
      cmocka_unit_test(stale_current_reading_is_no_overcurrent),
      cmocka_unit_test(overcurrent_tolerance_and_duty_decrease),
      cmocka_unit_test(overtemp_derates_stops_and_recovers),
      cmocka_unit_test(limits_compose_and_notify),
      cmocka_unit_test(below_six_amps_suspends_and_opens_on_c_to_b),
      cmocka_unit_test(below_six_amps_opens_under_load_after_timeout),
      cmocka_unit_test(stop_while_plugged_is_finishing),
      cmocka_unit_test(ev_side_unplug_finishes_until_the_cable_leaves),
      cmocka_unit_test(ev_side_unplug_keeps_the_cable_locked),
      cmocka_unit_test(kept_lock_goes_with_the_cable),
      cmocka_unit_test(session_survives_the_car_leaving),
      cmocka_unit_test(tethered_session_survives_the_car_leaving),
      cmocka_unit_test(inoperative_waits_for_the_session_to_end),
      cmocka_unit_test(firmware_hold_waits_for_the_session_to_end),
      cmocka_unit_test(permanent_lock_stays_engaged),
      cmocka_unit_test(nothing_armed_when_idle),
      cmocka_unit_test(unlock_waits_for_the_switch),
      cmocka_unit_test(unlock_fails_when_the_lock_stays_closed),
      cmocka_unit_test(unlock_late_timer_looks_again),
      cmocka_unit_test(unlock_with_nothing_to_move_is_done_at_once),
      cmocka_unit_test(a_transaction_hold_ends_with_its_session),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
