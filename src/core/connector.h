/*
 * IEC 61851-1 Annex A charging control for one connector, as a pure state
 * machine: events in (CP level, PP, feedback, faults, authorization, limits,
 * timers), desired outputs and notes out. It never touches hardware, files or
 * clocks; `now` is always an argument. The app applies `cs_outputs` through
 * the HAL and turns notes into storage and API events.
 *
 * Every timing used is a named constant below, with its reference; the same
 * table is in docs/iec61851.md.
 */
#ifndef BORNE_CORE_CONNECTOR_H
#define BORNE_CORE_CONNECTOR_H

#include "core/limits.h"
#include "core/types.h"

/* Timings (ms). See docs/iec61851.md for the clause behind each. */
#define CS_CONTACTOR_OPEN_MAX_MS 100 /* C->B, ->A, ->E/F, RCD: open within 100 ms */
#define CS_FEEDBACK_TIMEOUT_MS 200   /* contactor/lock feedback must follow command */
#define CS_LOCK_TIMEOUT_MS 1000      /* lock actuator must confirm */
/* An operator's unlock (CS_EV_UNLOCK) must read open on the lock switch
 * within this, else it failed (the lock stuck closed, a cable under tension:
 * OCPP 1.6 5.18 UnlockFailed); the same travel as locking */
#define CS_UNLOCK_TIMEOUT_MS CS_LOCK_TIMEOUT_MS
/* A feedback deadline (contactor, lock) whose timer comes this late means the
 * loop was stalled: the feedback may be waiting unread. Judge it only at a
 * second look CS_FEEDBACK_RECHECK_MS later, whatever the lateness then. */
#define CS_FEEDBACK_LATE_MS 20
#define CS_FEEDBACK_RECHECK_MS 50
#define CS_EV_STOP_TIMEOUT_MS 6000    /* EV must leave C after PWM off, else open under load */
#define CS_EV_ADAPT_MS 5000           /* EV must follow a lower duty cycle within 5 s */
#define CS_OVERCURRENT_TOLERANCE 0.10 /* 10 % over offered ... */
#define CS_OVERCURRENT_MIN_A 0.5      /* ... and at least 0.5 A, beyond CS_EV_ADAPT_MS */
#define CS_RCD_RETRY_DELAY_MS 30000   /* wait before an automatic retry after an RCD trip */
#define CS_TEMP_HYSTERESIS_C 10.0     /* resume when this far below the derating start */

typedef struct {
  int id;                   /* 1-based connector number */
  int phases;               /* 1 or 3 */
  double selector_a;        /* installer selector position, already resolved to amps */
  double breaker_a;         /* circuit breaker / installation limit per phase */
  bool tethered;            /* fixed cable: no PP reading, no lock */
  bool permanent_lock;      /* socket: keep the cable locked between sessions (seed 000) */
  bool ventilation_allowed; /* state D may charge */
  int rcd_auto_retries;     /* automatic retries after an RCD trip; 0 = until unplug */
  double derate_temp_c;     /* derating starts here */
  double max_temp_c;        /* charging stops here */
  /* OCPP StopTransactionOnEVSideDisconnect false (1.6 section 4.10, 2.0.1
   * E10, TC_E_26_CS): the session outlives the car leaving, SuspendedEV, and
   * a car plugged back in charges again; it ends by badge, remote stop... */
  bool keep_session_on_ev_disconnect;
  /* OCPP UnlockConnectorOnEVSideDisconnect false (1.6 section 4.10, 2.0.1
   * E09): a session ended by the car leaving keeps the cable locked in
   * the socket until its badge or an unlock command (TC_E_25_CS) */
  bool keep_lock_on_ev_disconnect;
} connector_config;

typedef enum {
  CS_EV_CP,                 /* .cp, .diode_ok: new pilot measurement */
  CS_EV_PP,                 /* .value: PP resistor in ohms, < 0 when open */
  CS_EV_LOCK_FEEDBACK,      /* .flag: lock reports locked */
  CS_EV_CONTACTOR_FEEDBACK, /* .flag: auxiliary contact reports closed */
  CS_EV_RCD_TRIP,           /* residual current monitor tripped */
  CS_EV_TEMPERATURE,        /* .value: connector temperature, degrees C */
  CS_EV_CURRENT,            /* .value: highest measured phase current, A */
  CS_EV_AUTHORIZE,          /* .uid, .user: authorization granted for this connector */
  CS_EV_STOP,               /* .reason: end the session (Local, Remote, DeAuthorized...) */
  CS_EV_LIMIT,              /* .limit_src, .value (< 0 clears the limit) */
  CS_EV_AVAILABILITY,       /* .flag: operative (true) or inoperative */
  CS_EV_SELFTEST,           /* .error: ERR_NONE or the first failing check */
  CS_EV_FAULT_CLEAR,        /* operator clears a latched fault (welding, ...) */
  CS_EV_TIMER,              /* a deadline from cs_next_deadline() passed */
  CS_EV_RESERVE,            /* .flag: reserve for .uid (parent id in .user), false: cancel */
  /* operator unlock (or, for a lock kept after the car left, the session's
   * badge): end the session (UnlockCommand), release */
  CS_EV_UNLOCK,
  CS_EV_HOLD, /* .flag: held out of service for a firmware install (no new session), or released */
  CS_EV_METER_FAULT, /* .flag: the billing meter failed (true) or answers again */
  /* .flag: the station was opened (true: ERR_TAMPER, the session ends, none
   * starts) or an operator acknowledged it (false); nothing else clears it */
  CS_EV_TAMPER,
  /* .flag: kept for the station-wide reservations (station_core: the
   * station cannot spare it, OCPP 2.0.1 TC_H_14), shown Reserved while free */
  CS_EV_KEEP,
} cs_event_type;

typedef struct {
  cs_event_type type;
  cp_state cp;
  bool diode_ok;
  bool flag;
  double value;
  limit_source limit_src;
  stop_reason reason;
  error_code error;
  const char *uid;
  const char *user;
} cs_event;

/* What the hardware should be doing. The app applies differences only. */
typedef struct {
  int pwm_permille; /* PILOT_STEADY_HIGH, PILOT_STEADY_LOW or 1..999 */
  bool contactor_closed;
  bool lock_engaged;
} cs_outputs;

typedef enum {
  CS_NOTE_STATUS,        /* .status changed */
  CS_NOTE_SESSION_START, /* plugged and authorized: a session begins (.uid, .user) */
  CS_NOTE_SESSION_STOP,  /* .reason */
  CS_NOTE_ERROR,         /* .error raised */
  CS_NOTE_ERROR_CLEARED, /* .error cleared */
  CS_NOTE_OFFERED,       /* offered current or its limiting source changed */
  CS_NOTE_UNLOCKED,      /* an operator's unlock: the lock switch reads open */
  CS_NOTE_UNLOCK_FAILED, /* ... it still reads locked CS_UNLOCK_TIMEOUT_MS later */
} cs_note_type;

typedef struct {
  cs_note_type type;
  connector_status status;
  stop_reason reason;
  error_code error;
} cs_note;

#define CS_MAX_NOTES 8
typedef struct {
  cs_note notes[CS_MAX_NOTES];
  int count;
} cs_notes;

/* Everything the state machine knows. Read it through the accessors below;
 * fields are visible only so that the struct can be embedded by value. */
typedef struct {
  connector_config cfg;
  limit_set limits;
  cs_outputs out;
  connector_status status;
  cp_state cp;
  bool selftest_done;
  bool operative;
  /* held out of service while a firmware install waits for the sessions to
   * end (OCPP L01.FR.07), apart from the owner's availability: released,
   * the connector is what operative says */
  bool held;
  bool authorized; /* an authorization is attached to this connector */
  bool session_active;
  bool finishing; /* session ended while plugged: no new one until unplug */
  bool lock_confirmed;
  bool lock_reads_locked; /* the lock switch's last report (CS_EV_LOCK_FEEDBACK) */
  bool contactor_feedback;
  double cable_a; /* from PP; 0 when unknown */
  bool pp_seen;   /* a PP reading arrived since the last unplug */
  /* a PP resistor reads: a cable is in the socket, with or without a car at
   * its other end (the car leaving is CP state A, the cable leaving an open PP) */
  bool pp_present;
  /* the lock holds the cable after the car left (keep_lock_on_ev_disconnect)
   * until the session's badge, an unlock command or the cable leaving */
  bool lock_held;
  double last_current_a;    /* latest measured phase current (overcurrent supervision) */
  borne_ms last_current_at; /* when it was measured */
  double temperature_c;
  bool meter_failed;  /* CS_EV_METER_FAULT: ERR_METER_FAILURE until the meter answers */
  bool tampered;      /* CS_EV_TAMPER: out of service until acknowledged */
  error_code error;   /* current error, ERR_NONE when none */
  bool error_latched; /* cleared only by operator (welding) */
  int rcd_retries_left;
  char uid[BORNE_UID_MAX + 1];
  char user[BORNE_NAME_MAX + 1];
  stop_reason last_stop_reason;
  bool reserved; /* held for reserved_uid (or a badge of reserved_parent's group) */
  char reserved_uid[BORNE_UID_MAX + 1];
  char reserved_parent[BORNE_UID_MAX + 1];
  bool kept;             /* CS_EV_KEEP: kept for station-wide reservations, shown Reserved */
  bool unlock_requested; /* lock released by command until the cable leaves */
  bool unlock_pending;   /* an operator's unlock waits for the switch to read open */
  /* deadlines, INT64_MAX when unarmed */
  borne_ms lock_deadline;
  borne_ms contactor_check_deadline;
  bool lock_second_look;      /* lock_deadline is a second look: judge whatever the lateness */
  bool contactor_second_look; /* same for contactor_check_deadline */
  borne_ms unlock_deadline;   /* unlock_pending fails then */
  bool unlock_second_look;
  borne_ms ev_stop_deadline;
  borne_ms overcurrent_since;
  borne_ms adapt_until; /* grace after a duty decrease */
  borne_ms retry_at;
  double offered_a;
  limit_source limited_by;
} connector_sm;

void cs_init(connector_sm *sm, const connector_config *cfg, borne_ms now);
/* Feed one event. Outputs are updated in sm->out; notes are appended to `notes`. */
void cs_handle(connector_sm *sm, const cs_event *ev, borne_ms now, cs_notes *notes);
/* Earliest time at which cs_handle(CS_EV_TIMER) must be called; INT64_MAX if none. */
borne_ms cs_next_deadline(const connector_sm *sm);

connector_status cs_status(const connector_sm *sm);
const cs_outputs *cs_outputs_of(const connector_sm *sm);
/* Offered current now (0 when none may be offered) and which limit set it. */
double cs_offered_current(const connector_sm *sm, limit_source *limited_by);
bool cs_plugged(const connector_sm *sm);
/* A socket's cable is still in it (PP) while no car is at its other end. */
bool cs_cable_without_car(const connector_sm *sm);
/* The session goes on without its car (keep_session_on_ev_disconnect). */
bool cs_session_without_car(const connector_sm *sm);
/* The lock holds the cable after the car left, until badge or unlock. */
bool cs_lock_held(const connector_sm *sm);
bool cs_waiting_for_authorization(const connector_sm *sm);
bool cs_has_session(const connector_sm *sm);
/* Operative and not held: a new session may start once nothing else stops it. */
bool cs_in_service(const connector_sm *sm);
/* An operator's unlock waits for the lock switch: a CS_NOTE_UNLOCKED or
 * CS_NOTE_UNLOCK_FAILED follows (within CS_UNLOCK_TIMEOUT_MS). False right
 * after CS_EV_UNLOCK when nothing had to move (the switch read open, or
 * nothing is plugged: no cable to free). */
bool cs_unlock_pending(const connector_sm *sm);
const char *cs_session_uid(const connector_sm *sm);
error_code cs_error(const connector_sm *sm);
/* May a badge (with its group's parent id, may be NULL) use this connector
 * as far as a reservation is concerned? True when not reserved. */
bool cs_reservation_admits(const connector_sm *sm, const char *uid, const char *parent);

#endif
