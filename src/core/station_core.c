/*
 * Station-wide decisions over the connectors: which connector a badge goes
 * to, held authorizations, validation in flight, LED feedback after a tap.
 * Pure logic like connector.c: `now` in, notes out.
 */
#include "core/station_core.h"

#include <stdio.h>
#include <string.h>

#include "core/pilot.h"

#define NEVER INT64_MAX
#define FLASH_MS 3000

static void push(sc_notes *n, const sc_note *x) {
  if (n && n->count < SC_MAX_NOTES) n->notes[n->count++] = *x;
}

static void push_auth(sc_notes *n, sc_note_type type, int connector, uint32_t id, const char *uid) {
  sc_note x = {.type = type, .connector = connector, .request_id = id};
  snprintf(x.uid, sizeof x.uid, "%s", uid ? uid : "");
  push(n, &x);
}

static void run(station_core *sc, int c, const cs_event *ev, borne_ms now, sc_notes *notes) {
  connector_sm *sm = &sc->conn[c - 1];
  bool was_plugged = cs_plugged(sm);
  cs_notes cn = {0};
  cs_handle(sm, ev, now, &cn);
  for (int i = 0; i < cn.count; i++) {
    sc_note x = {.type = SC_NOTE_CONNECTOR, .connector = c, .cs = cn.notes[i]};
    push(notes, &x);
  }
  if (!was_plugged && cs_plugged(sm)) sc->plugged_at[c - 1] = now;
}

static void authorize(station_core *sc, int c, const char *uid, const char *user, borne_ms now,
                      sc_notes *notes) {
  run(sc, c, &(cs_event){.type = CS_EV_AUTHORIZE, .uid = uid, .user = user}, now, notes);
}

static bool matches(const char *uid, const char *parent, const char *want_uid,
                    const char *want_parent) {
  if (uid && uid[0] && strcmp(uid, want_uid) == 0) return true;
  return parent && parent[0] && want_parent[0] && strcmp(parent, want_parent) == 0;
}

static bool allowed_on(unsigned allowed, int c) { return !allowed || (allowed >> (c - 1)) & 1u; }

/* Connectors a new session could still take: no session, no error, operative,
 * not reserved for someone; among those of `among` (0 = every one). */
static int free_connectors(const station_core *sc, unsigned among) {
  int n = 0;
  for (int c = 1; c <= sc->count; c++) {
    const connector_sm *sm = &sc->conn[c - 1];
    if (!allowed_on(among, c)) continue;
    if (!cs_has_session(sm) && !sm->finishing && cs_error(sm) == ERR_NONE && sm->operative &&
        sm->selftest_done && !sm->reserved)
      n++;
  }
  return n;
}

/* May this badge take connector c, as far as reservations go? */
static bool reservations_admit(const station_core *sc, int c, const char *uid, const char *parent) {
  const connector_sm *sm = &sc->conn[c - 1];
  if (!cs_reservation_admits(sm, uid, parent)) return false;
  if (sm->reserved || !sc->reserved_any) return true;
  if (!allowed_on(sc->reserved_any_among, c)) return true; /* not one it may take */
  if (matches(uid, parent, sc->reserved_any_uid, sc->reserved_any_parent)) return true;
  /* one of those it may take must stay free for the reservation */
  return free_connectors(sc, sc->reserved_any_among) > 1;
}

/* The connector that waits for authorization longest and that this badge may
 * use (reservations, and `allowed`: the user's connectors, 0 = all), or 0. */
static int waiting_connector_for(const station_core *sc, const char *uid, const char *parent,
                                 unsigned allowed) {
  int best = 0;
  for (int c = 1; c <= sc->count; c++) {
    if (!cs_waiting_for_authorization(&sc->conn[c - 1])) continue;
    if (!allowed_on(allowed, c)) continue;
    if (!reservations_admit(sc, c, uid, parent)) continue;
    if (!best || sc->plugged_at[c - 1] < sc->plugged_at[best - 1]) best = c;
  }
  return best;
}

/* Any waiting connector (LED feedback target). */
static int waiting_connector(const station_core *sc) {
  int best = 0;
  for (int c = 1; c <= sc->count; c++) {
    if (!cs_waiting_for_authorization(&sc->conn[c - 1])) continue;
    if (!best || sc->plugged_at[c - 1] < sc->plugged_at[best - 1]) best = c;
  }
  return best;
}

/* A session started for the badge of the station-wide reservation, on a
 * connector it may take, ends it. */
static void consume_reservation_any(station_core *sc, int c, const char *uid, const char *parent) {
  if (sc->reserved_any && allowed_on(sc->reserved_any_among, c) &&
      matches(uid, parent, sc->reserved_any_uid, sc->reserved_any_parent))
    sc->reserved_any = false;
}

static void flash(station_core *sc, led_state led, int connector, borne_ms now) {
  sc->flash = led;
  sc->flash_connector = connector;
  sc->flash_until = now + FLASH_MS;
}

/* Give free-mode or held authorizations to connectors that now wait. */
static void dispatch(station_core *sc, borne_ms now, sc_notes *notes) {
  for (int guard = 0; guard < sc->count; guard++) {
    if (sc->mode == AUTH_FREE) {
      int c = waiting_connector_for(sc, "", "", 0);
      if (!c) return;
      authorize(sc, c, "", "", now, notes);
    } else if (sc->held) {
      int c = waiting_connector_for(sc, sc->held_uid, sc->held_parent, sc->held_allowed);
      if (!c) {
        /* plugged where this user may not charge: refused there, not kept */
        int other = waiting_connector_for(sc, sc->held_uid, sc->held_parent, 0);
        if (!other) return;
        sc->held = false;
        sc->held_until = NEVER;
        push_auth(notes, SC_NOTE_AUTH_NOT_ALLOWED, other, 0, sc->held_uid);
        flash(sc, LED_AUTH_REFUSED, other, now);
        return;
      }
      sc->held = false;
      sc->held_until = NEVER;
      char uid[BORNE_UID_MAX + 1], user[BORNE_NAME_MAX + 1];
      snprintf(uid, sizeof uid, "%s", sc->held_uid);
      snprintf(user, sizeof user, "%s", sc->held_user);
      consume_reservation_any(sc, c, uid, sc->held_parent);
      authorize(sc, c, uid, user, now, notes);
      push_auth(notes, SC_NOTE_AUTH_ACCEPTED, c, 0, uid);
    } else {
      return;
    }
  }
}

int sc_connectors(int count) {
  return count < 1 ? 1 : count > BORNE_MAX_CONNECTORS ? BORNE_MAX_CONNECTORS : count;
}

void sc_init(station_core *sc, connector_sm *conns, const connector_config *cfgs, int count,
             auth_mode mode, borne_ms auth_timeout_ms, borne_ms now) {
  memset(sc, 0, sizeof *sc);
  count = sc_connectors(count);
  memset(conns, 0, (size_t)count * sizeof *conns);
  sc->conn = conns;
  sc->count = count;
  sc->mode = mode;
  sc->auth_timeout_ms = auth_timeout_ms;
  sc->held_until = NEVER;
  sc->flash_until = NEVER;
  for (int i = 0; i < count; i++) cs_init(&sc->conn[i], &cfgs[i], now);
}

void sc_connector_event(station_core *sc, int c, const cs_event *ev, borne_ms now,
                        sc_notes *notes) {
  if (c < 1 || c > sc->count) return;
  run(sc, c, ev, now, notes);
  dispatch(sc, now, notes);
}

void sc_tap(station_core *sc, const char *uid, borne_ms now, sc_notes *notes) {
  if (!uid || !uid[0]) return;
  for (int c = 1; c <= sc->count; c++) {
    const connector_sm *sm = &sc->conn[c - 1];
    if (cs_has_session(sm) && strcmp(cs_session_uid(sm), uid) == 0) {
      run(sc, c, &(cs_event){.type = CS_EV_STOP, .reason = STOP_LOCAL}, now, notes);
      flash(sc, LED_AUTH_ACCEPTED, c, now);
      return;
    }
  }
  if (sc->mode == AUTH_FREE) return;  /* nothing to authorize: anyone may charge */
  if (sc->pending_request_id) return; /* one validation at a time; the reader repeats */
  sc->pending_request_id = ++sc->next_request_id;
  if (sc->pending_request_id == 0) sc->pending_request_id = ++sc->next_request_id;
  snprintf(sc->pending_uid, sizeof sc->pending_uid, "%s", uid);
  push_auth(notes, SC_NOTE_AUTH_REQUEST, 0, sc->pending_request_id, uid);
}

void sc_auth_result(station_core *sc, uint32_t request_id, bool accepted, const char *user,
                    borne_ms now, sc_notes *notes) {
  sc_auth_result_parent(sc, request_id, accepted, user, NULL, now, notes);
}

void sc_auth_result_parent(station_core *sc, uint32_t request_id, bool accepted, const char *user,
                           const char *parent, borne_ms now, sc_notes *notes) {
  sc_auth_result_allowed(sc, request_id, accepted, user, parent, 0, now, notes);
}

void sc_auth_result_allowed(station_core *sc, uint32_t request_id, bool accepted, const char *user,
                            const char *parent, unsigned allowed, borne_ms now, sc_notes *notes) {
  if (request_id == 0 || request_id != sc->pending_request_id) return;
  sc->pending_request_id = 0;
  char uid[BORNE_UID_MAX + 1];
  snprintf(uid, sizeof uid, "%s", sc->pending_uid);
  if (!accepted) {
    int target = waiting_connector(sc);
    push_auth(notes, SC_NOTE_AUTH_REFUSED, target, request_id, uid);
    flash(sc, LED_AUTH_REFUSED, target, now);
    return;
  }
  int target = waiting_connector_for(sc, uid, parent, allowed);
  int other = target ? 0 : waiting_connector_for(sc, uid, parent, 0);
  if (other) { /* only connectors this user may not use wait */
    push_auth(notes, SC_NOTE_AUTH_NOT_ALLOWED, other, request_id, uid);
    flash(sc, LED_AUTH_REFUSED, other, now);
    return;
  }
  flash(sc, LED_AUTH_ACCEPTED, target ? target : waiting_connector(sc), now);
  if (target) {
    consume_reservation_any(sc, target, uid, parent);
    authorize(sc, target, uid, user, now, notes);
    push_auth(notes, SC_NOTE_AUTH_ACCEPTED, target, request_id, uid);
    return;
  }
  sc->held = true;
  snprintf(sc->held_uid, sizeof sc->held_uid, "%s", uid);
  snprintf(sc->held_user, sizeof sc->held_user, "%s", user ? user : "");
  snprintf(sc->held_parent, sizeof sc->held_parent, "%s", parent ? parent : "");
  sc->held_allowed = allowed;
  sc->held_until = now + sc->auth_timeout_ms;
  push_auth(notes, SC_NOTE_AUTH_ACCEPTED, 0, request_id, uid);
}

int sc_reserve(station_core *sc, int c, const char *uid, const char *parent, borne_ms now,
               sc_notes *notes) {
  if (c < 0 || c > sc->count) return -1;
  if (c == 0) return sc_reserve_among(sc, 0, uid, parent);
  run(sc, c, &(cs_event){.type = CS_EV_RESERVE, .flag = true, .uid = uid, .user = parent}, now,
      notes);
  dispatch(sc, now, notes); /* the reserved badge may be held already */
  return 0;
}

int sc_reserve_among(station_core *sc, unsigned among, const char *uid, const char *parent) {
  sc->reserved_any = true;
  sc->reserved_any_among = among;
  snprintf(sc->reserved_any_uid, sizeof sc->reserved_any_uid, "%s", uid ? uid : "");
  snprintf(sc->reserved_any_parent, sizeof sc->reserved_any_parent, "%s", parent ? parent : "");
  return 0;
}

void sc_cancel_reservation(station_core *sc, int c, borne_ms now, sc_notes *notes) {
  if (c == 0) {
    sc->reserved_any = false;
  } else if (c >= 1 && c <= sc->count) {
    run(sc, c, &(cs_event){.type = CS_EV_RESERVE, .flag = false}, now, notes);
  }
  dispatch(sc, now, notes);
}

void sc_remote_start(station_core *sc, int c, const char *uid, const char *user, borne_ms now,
                     sc_notes *notes) {
  if (c < 1 || c > sc->count) return;
  if (cs_waiting_for_authorization(&sc->conn[c - 1])) {
    authorize(sc, c, uid, user, now, notes);
    push_auth(notes, SC_NOTE_AUTH_ACCEPTED, c, 0, uid);
    return;
  }
  sc->held = true;
  snprintf(sc->held_uid, sizeof sc->held_uid, "%s", uid ? uid : "");
  snprintf(sc->held_user, sizeof sc->held_user, "%s", user ? user : "");
  sc->held_parent[0] = '\0';
  sc->held_allowed = 0;
  sc->held_until = now + sc->auth_timeout_ms;
  push_auth(notes, SC_NOTE_AUTH_ACCEPTED, 0, 0, uid);
}

bool sc_withdraw_held(station_core *sc, const char *uid) {
  if (!sc->held || !uid || strcmp(sc->held_uid, uid) != 0) return false;
  sc->held = false;
  sc->held_until = NEVER;
  return true;
}

void sc_timer(station_core *sc, borne_ms now, sc_notes *notes) {
  if (sc->held && now >= sc->held_until) {
    sc->held = false;
    sc->held_until = NEVER;
    push_auth(notes, SC_NOTE_AUTH_EXPIRED, 0, 0, sc->held_uid);
  }
  if (now >= sc->flash_until) { /* the flash is over */
    sc->flash = LED_OFF;
    sc->flash_until = NEVER;
  }
  for (int c = 1; c <= sc->count; c++) {
    if (cs_next_deadline(&sc->conn[c - 1]) <= now)
      run(sc, c, &(cs_event){.type = CS_EV_TIMER}, now, notes);
  }
  dispatch(sc, now, notes);
}

borne_ms sc_next_deadline(const station_core *sc) {
  borne_ms d = sc->held ? sc->held_until : NEVER;
  if (sc->flash != LED_OFF && sc->flash_until < d) d = sc->flash_until;
  for (int c = 1; c <= sc->count; c++) {
    borne_ms x = cs_next_deadline(&sc->conn[c - 1]);
    if (x < d) d = x;
  }
  return d;
}

led_state sc_led(const station_core *sc, int c, borne_ms now) {
  if (c < 1 || c > sc->count) return LED_OFF;
  const connector_sm *sm = &sc->conn[c - 1];
  connector_status st = cs_status(sm);
  if (sc->firmware_updating) return LED_FIRMWARE_UPDATE;
  /* Tap feedback: on its connector, or on every free one when held. */
  /* LED_OFF as flash means none (flash_until is NEVER then, not "forever"). */
  if (sc->flash != LED_OFF && now < sc->flash_until &&
      (sc->flash_connector == c || (sc->flash_connector == 0 && st == STATUS_AVAILABLE)))
    return sc->flash;
  if (st == STATUS_FAULTED) return LED_ERROR;
  if (st == STATUS_UNAVAILABLE) return LED_UNAVAILABLE;
  /* A session that may not draw because a limit is below 6 A (seed 001:
   * "waiting for power, e.g. load management"). */
  limit_source by;
  if (cs_has_session(sm) && cs_offered_current(sm, &by) < PILOT_MIN_CURRENT_A)
    return LED_WAITING_FOR_POWER;
  switch (st) {
  case STATUS_AVAILABLE:
    return sc->offline ? LED_OFFLINE : LED_READY;
  case STATUS_PREPARING:
    return cs_has_session(sm) || sm->authorized ? LED_CONNECTED : LED_WAITING_AUTH;
  case STATUS_CHARGING:
    return LED_CHARGING;
  case STATUS_SUSPENDED_EV:
    return LED_PAUSED_BY_EV;
  case STATUS_SUSPENDED_EVSE:
    return LED_WAITING_FOR_POWER;
  case STATUS_FINISHING:
    return LED_CONNECTED;
  case STATUS_RESERVED:
    return LED_RESERVED;
  case STATUS_UNAVAILABLE:
    return LED_UNAVAILABLE;
  case STATUS_FAULTED:
    return LED_ERROR;
  }
  return LED_OFF;
}
