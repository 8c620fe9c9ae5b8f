/*
 * Station-wide decisions over the connectors: which connector a badge goes
 * to, held authorizations, validation in flight, LED feedback after a tap.
 * Pure logic like connector.c: `now` in, notes out.
 */
#include "core/station_core.h"

#include <stdio.h>
#include <stdlib.h>
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

/* Could a new session take this connector, reservations aside? No session,
 * no error, operative. */
static bool usable(const connector_sm *sm) {
  return !cs_has_session(sm) && !sm->finishing && cs_error(sm) == ERR_NONE && cs_in_service(sm) &&
         sm->selftest_done;
}

/* Connectors a new session could still take (bit c-1): usable, not
 * reserved for someone. */
static unsigned free_mask(const station_core *sc) {
  unsigned m = 0;
  for (int c = 1; c <= sc->count; c++) {
    const connector_sm *sm = &sc->conn[c - 1];
    if (usable(sm) && !sm->reserved) m |= 1u << (c - 1);
  }
  return m;
}

/* Of those, the ones shown Available (no car), or kept already (a car
 * plugged into a kept connector does not change it, 2.0.1 G01.FR.09): the
 * connectors the station-wide reservations are served from. */
static unsigned available_mask(const station_core *sc) {
  unsigned m = free_mask(sc);
  for (int c = 1; c <= sc->count; c++) {
    const connector_sm *sm = &sc->conn[c - 1];
    if (cs_plugged(sm) && !sm->kept) m &= ~(1u << (c - 1));
  }
  return m;
}

/* ---- station-wide reservations: which connectors can serve them ----
 * Each may take one connector among its own (`among`); together they need
 * distinct ones: a bipartite matching (augmenting paths, at most
 * SC_MAX_ANY x BORNE_MAX_CONNECTORS). */

static bool augment(const unsigned *adj, int i, unsigned *seen, int *owner) {
  for (int c = 0; c < BORNE_MAX_CONNECTORS; c++) {
    if (!((adj[i] >> c) & 1u) || ((*seen >> c) & 1u)) continue;
    *seen |= 1u << c;
    if (owner[c] < 0 || augment(adj, owner[c], seen, owner)) {
      owner[c] = i;
      return true;
    }
  }
  return false;
}

/* How many of the station-wide reservations (the one at index `skip` left
 * out, -1: none; one more among `extra` when `with_extra`) the connectors
 * of `mask` can serve at once. */
static int served(const station_core *sc, unsigned mask, int skip, bool with_extra,
                  unsigned extra) {
  unsigned adj[SC_MAX_ANY + 1];
  int n = 0;
  for (int i = 0; i < sc->n_any; i++)
    if (i != skip) adj[n++] = (sc->any[i].among ? sc->any[i].among : ~0u) & mask;
  if (with_extra) adj[n++] = (extra ? extra : ~0u) & mask;
  int owner[BORNE_MAX_CONNECTORS];
  for (int c = 0; c < BORNE_MAX_CONNECTORS; c++) owner[c] = -1;
  int m = 0;
  for (int i = 0; i < n; i++) {
    unsigned seen = 0;
    if (augment(adj, i, &seen, owner)) m++;
  }
  return m;
}

static int any_index(const station_core *sc, int id) {
  for (int i = 0; i < sc->n_any; i++)
    if (sc->any[i].id == id) return i;
  return -1;
}

/* The station-wide reservation this badge would use on connector c (one
 * that may take c; the lowest id first, as the charge-point model's
 * cp_reservation_use), or -1. */
static int holder_of(const station_core *sc, int c, const char *uid, const char *parent) {
  int best = -1;
  for (int i = 0; i < sc->n_any; i++) {
    const sc_any_reservation *x = &sc->any[i];
    if (!allowed_on(x->among, c) || !matches(uid, parent, x->uid, x->parent)) continue;
    if (best < 0 || x->id < sc->any[best].id) best = i;
  }
  return best;
}

/* May this badge take connector c, as far as reservations go? A connector
 * reserved for someone admits only them; a free one is refused when taking
 * it would leave a station-wide reservation (other than the one the badge
 * uses) without a connector it could have had. */
bool sc_reservations_admit(const station_core *sc, int c, const char *uid, const char *parent) {
  if (c < 1 || c > sc->count) return false;
  const connector_sm *sm = &sc->conn[c - 1];
  if (!cs_reservation_admits(sm, uid, parent)) return false;
  if (sm->reserved || !sc->n_any) return true;
  unsigned f = free_mask(sc), bit = 1u << (c - 1);
  if (!(f & bit)) return true;
  int base = served(sc, f, -1, false, 0);
  int h = holder_of(sc, c, uid, parent);
  if (h >= 0) return served(sc, f & ~bit, h, false, 0) >= base - 1;
  return served(sc, f & ~bit, -1, false, 0) >= base;
}

/* The connectors the station cannot spare are shown Reserved (show_kept):
 * those without which fewer station-wide reservations could be served —
 * every one of them when as many are Available as there are reservations
 * (OCPP 2.0.1 TC_H_14, TC_H_16). */
static void refresh_kept(station_core *sc, borne_ms now, sc_notes *notes);

/* The connector that waits for authorization longest and that this badge may
 * use (reservations, and `allowed`: the user's connectors, 0 = all), or 0. */
static int waiting_connector_for(const station_core *sc, const char *uid, const char *parent,
                                 unsigned allowed) {
  int best = 0;
  for (int c = 1; c <= sc->count; c++) {
    if (!cs_waiting_for_authorization(&sc->conn[c - 1])) continue;
    if (!allowed_on(allowed, c)) continue;
    if (!sc_reservations_admit(sc, c, uid, parent)) continue;
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

static void remove_any(station_core *sc, int i) {
  for (int k = i; k + 1 < sc->n_any; k++) sc->any[k] = sc->any[k + 1];
  sc->n_any--;
}

/* A session started for the badge of a station-wide reservation, on a
 * connector it may take, uses it (not when the connector was reserved for
 * the badge itself: that reservation is the one used). */
static void consume_reservation_any(station_core *sc, int c, const char *uid, const char *parent) {
  if (sc->conn[c - 1].reserved) return;
  int h = holder_of(sc, c, uid, parent);
  if (h >= 0) remove_any(sc, h);
}

static void flash(station_core *sc, led_state led, int connector, borne_ms now) {
  sc->flash = led;
  sc->flash_connector = connector;
  sc->flash_until = now + FLASH_MS;
}

static void refresh_kept(station_core *sc, borne_ms now, sc_notes *notes) {
  unsigned keep = 0;
  if (sc->show_kept && sc->n_any) {
    unsigned a = available_mask(sc);
    int base = served(sc, a, -1, false, 0);
    for (int c = 1; c <= sc->count; c++) {
      unsigned bit = 1u << (c - 1);
      if ((a & bit) && served(sc, a & ~bit, -1, false, 0) < base) keep |= bit;
    }
  }
  for (int c = 1; c <= sc->count; c++) {
    bool k = (keep >> (c - 1)) & 1u;
    if (sc->conn[c - 1].kept != k)
      run(sc, c, &(cs_event){.type = CS_EV_KEEP, .flag = k}, now, notes);
  }
}

static void dispatch_held(station_core *sc, borne_ms now, sc_notes *notes);

/* Give free-mode or held authorizations to connectors that now wait; the
 * connectors kept for station-wide reservations follow. */
static void dispatch(station_core *sc, borne_ms now, sc_notes *notes) {
  dispatch_held(sc, now, notes);
  refresh_kept(sc, now, notes);
}

static void dispatch_held(station_core *sc, borne_ms now, sc_notes *notes) {
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

void sc_free(station_core *sc) {
  free(sc->any);
  sc->any = NULL;
  sc->n_any = 0;
}

void sc_connector_event(station_core *sc, int c, const cs_event *ev, borne_ms now,
                        sc_notes *notes) {
  if (c < 1 || c > sc->count) return;
  run(sc, c, ev, now, notes);
  dispatch(sc, now, notes);
}

/* A reserved connector when every connector a session could take is
 * reserved for another badge, by its idTag alone (OCPP 1.6 5.13: a reserved
 * connector refuses every other idTag; a reservation with a parentIdTag needs
 * the badge's own, which only an Authorize may tell), no station-wide
 * reservation is pending and no session runs (the badge might stop one of its
 * group); else 0: the badge goes to authorization. OCTT 1.6 TC_046_1_CS step
 * 5: another badge on a reserved Charge Point sends no Authorize.req. */
static int reserved_for_others(const station_core *sc, const char *uid) {
  if (sc->n_any) return 0;
  int first = 0;
  for (int c = 1; c <= sc->count; c++) {
    const connector_sm *sm = &sc->conn[c - 1];
    if (cs_has_session(sm)) return 0;
    if (!usable(sm)) continue;
    if (!sm->reserved || sm->reserved_parent[0] || strcmp(sm->reserved_uid, uid) == 0) return 0;
    if (!first) first = c;
  }
  return first;
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
    /* the cable kept locked after its car left (UnlockConnectorOnEVSideDisconnect
     * false): the session's badge releases it (OCPP 1.6 4.10, TC_E_25_CS) */
    if (cs_lock_held(sm) && strcmp(cs_session_uid(sm), uid) == 0) {
      run(sc, c, &(cs_event){.type = CS_EV_UNLOCK}, now, notes);
      flash(sc, LED_AUTH_ACCEPTED, c, now);
      return;
    }
  }
  if (sc->mode == AUTH_FREE) return;  /* nothing to authorize: anyone may charge */
  if (sc->pending_request_id) return; /* one validation at a time; the reader repeats */
  int reserved = reserved_for_others(sc, uid);
  if (reserved) {
    /* nothing to ask the back end: no connector is left for this badge */
    push_auth(notes, SC_NOTE_AUTH_RESERVED, reserved, 0, uid);
    flash(sc, LED_AUTH_REFUSED, reserved, now);
    return;
  }
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

static void auth_result(station_core *sc, uint32_t request_id, bool accepted, const char *user,
                        const char *parent, unsigned allowed, borne_ms now, sc_notes *notes);

void sc_auth_result_allowed(station_core *sc, uint32_t request_id, bool accepted, const char *user,
                            const char *parent, unsigned allowed, borne_ms now, sc_notes *notes) {
  auth_result(sc, request_id, accepted, user, parent, allowed, now, notes);
  refresh_kept(sc, now, notes);
}

static void auth_result(station_core *sc, uint32_t request_id, bool accepted, const char *user,
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
  sc->held_for = 0;
  sc->held_until = now + sc->auth_timeout_ms;
  push_auth(notes, SC_NOTE_AUTH_ACCEPTED, 0, request_id, uid);
}

int sc_reserve(station_core *sc, int c, const char *uid, const char *parent, borne_ms now,
               sc_notes *notes) {
  if (c < 0 || c > sc->count) return -1;
  if (c == 0) return sc_reserve_any(sc, 0, 0, uid, parent, now, notes);
  run(sc, c, &(cs_event){.type = CS_EV_RESERVE, .flag = true, .uid = uid, .user = parent}, now,
      notes);
  dispatch(sc, now, notes); /* the reserved badge may be held already */
  return 0;
}

int sc_reserve_any(station_core *sc, int id, unsigned among, const char *uid, const char *parent,
                   borne_ms now, sc_notes *notes) {
  int i = any_index(sc, id);
  if (i < 0) {
    if (sc->n_any >= SC_MAX_ANY) return -1;
    if (!sc->any && !(sc->any = calloc(SC_MAX_ANY, sizeof *sc->any))) return -1;
    i = sc->n_any++;
  }
  sc_any_reservation *x = &sc->any[i];
  x->id = id;
  x->among = among;
  snprintf(x->uid, sizeof x->uid, "%s", uid ? uid : "");
  snprintf(x->parent, sizeof x->parent, "%s", parent ? parent : "");
  dispatch(sc, now, notes);
  return 0;
}

void sc_cancel_reservation(station_core *sc, int c, borne_ms now, sc_notes *notes) {
  if (c == 0) {
    sc->n_any = 0;
  } else if (c >= 1 && c <= sc->count) {
    run(sc, c, &(cs_event){.type = CS_EV_RESERVE, .flag = false}, now, notes);
  }
  dispatch(sc, now, notes);
}

bool sc_cancel_reservation_any(station_core *sc, int id, borne_ms now, sc_notes *notes) {
  int i = any_index(sc, id);
  if (i < 0) return false;
  remove_any(sc, i);
  dispatch(sc, now, notes);
  return true;
}

bool sc_can_reserve_any(const station_core *sc, unsigned among, int except) {
  int skip = any_index(sc, except);
  int others = sc->n_any - (skip >= 0 ? 1 : 0);
  if (others >= SC_MAX_ANY) return false;
  return served(sc, available_mask(sc), skip, true, among) == others + 1;
}

bool sc_any_needs(const station_core *sc, int c, int except) {
  if (c < 1 || c > sc->count || !sc->n_any) return false;
  unsigned a = available_mask(sc), bit = 1u << (c - 1);
  if (!(a & bit)) return false;
  int skip = any_index(sc, except);
  return served(sc, a & ~bit, skip, false, 0) < served(sc, a, skip, false, 0);
}

void sc_show_kept(station_core *sc, bool on, borne_ms now, sc_notes *notes) {
  sc->show_kept = on;
  refresh_kept(sc, now, notes);
}

void sc_remote_start(station_core *sc, int c, const char *uid, const char *user, borne_ms now,
                     sc_notes *notes) {
  if (c < 1 || c > sc->count) return;
  if (cs_waiting_for_authorization(&sc->conn[c - 1])) {
    consume_reservation_any(sc, c, uid, NULL); /* 2.0.1 H03.FR.09: presented remotely too */
    authorize(sc, c, uid, user, now, notes);
    push_auth(notes, SC_NOTE_AUTH_ACCEPTED, c, 0, uid);
    refresh_kept(sc, now, notes);
    return;
  }
  sc->held = true;
  snprintf(sc->held_uid, sizeof sc->held_uid, "%s", uid ? uid : "");
  snprintf(sc->held_user, sizeof sc->held_user, "%s", user ? user : "");
  sc->held_parent[0] = '\0';
  sc->held_allowed = 0;
  sc->held_for = c;
  sc->held_until = now + sc->auth_timeout_ms;
  push_auth(notes, SC_NOTE_AUTH_ACCEPTED, 0, 0, uid);
}

int sc_held_connector(const station_core *sc) {
  if (!sc->held) return 0;
  if (sc->held_for) return sc->held_for;
  /* a connector reserved for the badge is the one it waits on (OCTT 1.6
   * TC_046_1_CS: the reserved badge first, then the car) */
  for (int c = 1; c <= sc->count; c++) {
    const connector_sm *sm = &sc->conn[c - 1];
    if (sm->reserved && usable(sm) && !cs_plugged(sm) && allowed_on(sc->held_allowed, c) &&
        cs_reservation_admits(sm, sc->held_uid, sc->held_parent))
      return c;
  }
  unsigned m = free_mask(sc);
  int only = 0;
  for (int c = 1; c <= sc->count; c++) {
    if (!((m >> (c - 1)) & 1u) || cs_plugged(&sc->conn[c - 1]) || !allowed_on(sc->held_allowed, c))
      continue;
    if (only) return 0; /* several: none is taken yet */
    only = c;
  }
  return only;
}

bool sc_withdraw_held(station_core *sc, const char *uid) {
  if (!sc->held || !uid || strcmp(sc->held_uid, uid) != 0) return false;
  sc->held = false;
  sc->held_until = NEVER;
  return true;
}

bool sc_may_resume(borne_ms last, borne_ms now, int64_t timeout_s) {
  if (timeout_s <= 0) return false;
  return now <= last || now - last <= timeout_s * 1000;
}

borne_ms sc_resume_hold_ms(bool allow, int64_t random_range_s, uint32_t draw) {
  if (!allow) return SC_RESUME_HELD;
  if (random_range_s <= 0) return 0;
  /* 0 to the range, both ends included, in ms */
  uint64_t span = (uint64_t)random_range_s * 1000u + 1u;
  return (borne_ms)(draw % span);
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
