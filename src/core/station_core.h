/*
 * The pure decision layer of one station: its connectors' state machines plus
 * the station-wide authorization flow (one badge reader for all connectors,
 * seed 002). Authorization is asynchronous: a tap produces an AUTH_REQUEST
 * note carrying a request id; whoever validates the badge (local badge table
 * now, an OCPP back end later) answers with sc_auth_result().
 *
 * Tap rules:
 *  - a tap of the badge that owns a running session stops that session (Local);
 *  - otherwise the badge is validated; if accepted it goes to the connector that
 *    waits for authorization (plugged earliest first), or, if none waits, it is
 *    held for auth_timeout_ms and given to the next connector plugged;
 *  - in free mode a plugged connector is authorized at once with an empty uid.
 */
#ifndef BORNE_CORE_STATION_CORE_H
#define BORNE_CORE_STATION_CORE_H

#include "core/connector.h"
#include "core/led.h"

typedef enum { AUTH_FREE, AUTH_BADGE, AUTH_OCPP } auth_mode;

typedef enum {
  SC_NOTE_CONNECTOR,     /* .connector, .cs: a connector note */
  SC_NOTE_AUTH_REQUEST,  /* .request_id, .uid: validate this badge */
  SC_NOTE_AUTH_REFUSED,  /* .uid (and .connector if one was waiting) */
  SC_NOTE_AUTH_ACCEPTED, /* .uid, .connector (0 when held for the next plug) */
  SC_NOTE_AUTH_EXPIRED,  /* .uid: a held authorization timed out unused */
  /* .uid, .connector: an accepted badge whose user may not use the
   * connector that waits for it (sc_auth_result_allowed); refused there */
  SC_NOTE_AUTH_NOT_ALLOWED,
  /* .uid, .connector: refused at once, every connector a session could take
   * being reserved for another badge (sc_tap; no SC_NOTE_AUTH_REQUEST) */
  SC_NOTE_AUTH_RESERVED,
} sc_note_type;

typedef struct {
  sc_note_type type;
  int connector; /* 1-based, 0 = station */
  cs_note cs;
  uint32_t request_id;
  char uid[BORNE_UID_MAX + 1];
} sc_note;

#define SC_MAX_NOTES 32
typedef struct {
  sc_note notes[SC_MAX_NOTES];
  int count;
} sc_notes;

/* A station-wide reservation: any one connector among `among` (bit c-1 for
 * connector c; 0 = every one) for uid or a badge of group parent. */
#define SC_MAX_ANY BORNE_MAX_CONNECTORS
typedef struct {
  int id; /* the back end's reservation id (0: 1.6's single one, unnamed) */
  unsigned among;
  char uid[BORNE_UID_MAX + 1];
  char parent[BORNE_UID_MAX + 1];
} sc_any_reservation;

typedef struct {
  connector_sm *conn; /* `count` of them, the caller's (sc_init) */
  borne_ms plugged_at[BORNE_MAX_CONNECTORS];
  int count;
  auth_mode mode;
  borne_ms auth_timeout_ms;
  /* an accepted authorization waiting for a plug */
  bool held;
  char held_uid[BORNE_UID_MAX + 1];
  char held_user[BORNE_NAME_MAX + 1];
  borne_ms held_until;
  /* a validation in flight */
  uint32_t next_request_id;
  uint32_t pending_request_id;
  char pending_uid[BORNE_UID_MAX + 1];
  /* short LED feedback after a tap (accepted / refused) */
  led_state flash;
  int flash_connector; /* 0 = all connectors */
  borne_ms flash_until;
  /* station-wide reservations (OCPP ReserveNow on connector 0, 2.0.1
   * without evseId): while they last the station keeps, for each, one
   * connector among those it may take free for its badge (or group) */
  sc_any_reservation *any; /* SC_MAX_ANY of them, allocated by the first (670 bytes that a
                            * station without one, a swarm's among them, does not hold) */
  int n_any;
  /* connectors the station cannot spare are shown Reserved (CS_EV_KEEP:
   * OCPP 2.0.1 TC_H_14 / TC_H_16); off for 1.6, whose connector-0
   * reservation reserves no connector */
  bool show_kept;
  char pending_parent[BORNE_UID_MAX + 1];
  char held_parent[BORNE_UID_MAX + 1];
  bool offline; /* back end configured and not reachable */
  bool firmware_updating;
  unsigned held_allowed; /* connectors the held badge may use (bit c-1); 0 = every one */
  /* the connector a held remote start named (0: a badge, or none); the next
   * plug anywhere still takes the authorization */
  int held_for;
} station_core;

/* `conns` holds a connector_sm for each connector (count, after count is
 * brought into 1..BORNE_MAX_CONNECTORS: sc_connectors(count)); it stays the
 * caller's and must live as long as sc. */
void sc_init(station_core *sc, connector_sm *conns, const connector_config *cfgs, int count,
             auth_mode mode, borne_ms auth_timeout_ms, borne_ms now);
/* Frees what the core allocated (the station-wide reservations). */
void sc_free(station_core *sc);
/* How many connectors sc_init keeps of `count`. */
int sc_connectors(int count);
/* A connector event (1-based connector). */
void sc_connector_event(station_core *sc, int connector, const cs_event *ev, borne_ms now,
                        sc_notes *notes);
/* A badge presented to the reader. */
void sc_tap(station_core *sc, const char *uid, borne_ms now, sc_notes *notes);
/* Answer to an SC_NOTE_AUTH_REQUEST. `user` may be NULL. */
void sc_auth_result(station_core *sc, uint32_t request_id, bool accepted, const char *user,
                    borne_ms now, sc_notes *notes);
/* The same with the badge's group (OCPP parentIdTag; NULL or "" if none), so
 * that a badge of the group may use a connector reserved for the group. */
void sc_auth_result_parent(station_core *sc, uint32_t request_id, bool accepted, const char *user,
                           const char *parent, borne_ms now, sc_notes *notes);
/* Reserve connector c (0: any one connector of the station) for uid, or a
 * badge whose group is parent (may be NULL). Returns -1 when c is out of
 * range. The caller (OCPP) checks availability and keeps expiry. */
/* The same with the connectors the badge's user may use: bit c-1 of
 * `allowed` for connector c, 0 = every one. A connector outside them that
 * waits for the badge gets SC_NOTE_AUTH_NOT_ALLOWED instead of a session
 * (at once, or when it is plugged while the authorization is held). */
void sc_auth_result_allowed(station_core *sc, uint32_t request_id, bool accepted, const char *user,
                            const char *parent, unsigned allowed, borne_ms now, sc_notes *notes);
int sc_reserve(station_core *sc, int connector, const char *uid, const char *parent, borne_ms now,
               sc_notes *notes);
/* A station-wide reservation `id` (it replaces the one of the same id) of
 * any one connector among those of `among` (bit c-1 for connector c; 0 =
 * every one; OCPP 2.0.1 connectorType without evseId): the station keeps,
 * for all such reservations together, a free connector each among those
 * they may take (a matching: no badge of another takes the connector that
 * would leave one of them without), the others are not concerned. -1 when
 * SC_MAX_ANY are held already. sc_reserve(sc, 0, ...) is id 0. */
int sc_reserve_any(station_core *sc, int id, unsigned among, const char *uid, const char *parent,
                   borne_ms now, sc_notes *notes);
/* May `uid` (group `parent`, may be NULL) take connector c as far as the
 * reservations go: the connector's own, and the station-wide ones (not the
 * one connector that would leave one of them without)? */
bool sc_reservations_admit(const station_core *sc, int connector, const char *uid,
                           const char *parent);
/* Connector c (0: every station-wide reservation) is no longer reserved. */
void sc_cancel_reservation(station_core *sc, int connector, borne_ms now, sc_notes *notes);
/* The station-wide reservation `id` ends: true when there was one. */
bool sc_cancel_reservation_any(station_core *sc, int id, borne_ms now, sc_notes *notes);
/* Could the station take one more station-wide reservation among `among`
 * (the one of id `except` left out: it is being replaced)? True when the
 * free connectors, not plugged, can still serve every one of them at once. */
bool sc_can_reserve_any(const station_core *sc, unsigned among, int except);
/* Does a station-wide reservation (other than `except`) need connector c:
 * would reserving it for someone else leave one of them without? */
bool sc_any_needs(const station_core *sc, int connector, int except);
/* Show the connectors kept for station-wide reservations as Reserved (2.0.1)
 * or not (1.6): their status notes follow. */
void sc_show_kept(station_core *sc, bool on, borne_ms now, sc_notes *notes);
/* Remote start (later OCPP / owner page): authorize `connector` for `uid` directly. */
void sc_remote_start(station_core *sc, int connector, const char *uid, const char *user,
                     borne_ms now, sc_notes *notes);
/* The authorization held for the next plug (a badge or a remote start
 * accepted while no connector waited) is withdrawn when it is uid's (OCPP
 * 2.0.1 RequestStopTransaction of the transaction it started): true when
 * it was. No note: the next plug waits for its own badge. */
bool sc_withdraw_held(station_core *sc, const char *uid);
/* The connector the held authorization waits on, 0 when none or when several
 * could take it: the one a remote start named, else for a badge the only
 * connector without a car that it may take. Shown Preparing by OCPP 1.6
 * (TC_004_1_CS, TC_011_2_CS); the connector's own status is unchanged. */
int sc_held_connector(const station_core *sc);
/* After a restart (a crash, a power loss): may a session left open, its car
 * still plugged in, be resumed? Its last durable record (the last stored
 * meter reading, else its start) was at `last`, the station runs again at
 * `now`; `timeout_s` is session.resume_timeout_s, the longest interruption
 * resumed (0: none is). A clock behind `last` (no real-time clock yet, the
 * simulator's faster clock started again) cannot tell the interruption's
 * length: counted as none. */
bool sc_may_resume(borne_ms last, borne_ms now, int64_t timeout_s);
/* How long the energy of a session just resumed is held back (SuspendedEVSE,
 * LIMIT_RESUMED): SC_RESUME_HELD for the rest of the session when
 * session.resume_energy_transfer is false (`allow`), else a random delay of
 * 0 to `random_range_s` seconds (session.resume_random_range_s; `draw` a
 * uniform random number), 0 none (OCPP 2.1 E17, TxCtrlr.
 * AllowEnergyTransferResumption and EnergyTransferResumptionRandomRange). */
#define SC_RESUME_HELD ((borne_ms)-1)
borne_ms sc_resume_hold_ms(bool allow, int64_t random_range_s, uint32_t draw);
void sc_timer(station_core *sc, borne_ms now, sc_notes *notes);
borne_ms sc_next_deadline(const station_core *sc);
/* The LED a connector should show now. */
led_state sc_led(const station_core *sc, int connector, borne_ms now);

#endif
