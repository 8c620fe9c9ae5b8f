/*
 * Station-wide authorization over connectors sharing one badge reader
 * (station_core): free mode, tap before and after plug, the same badge
 * stopping its session, refusal, one validation in flight, expiry of a held
 * authorization, the longest-waiting connector first, and the LED shown;
 * reservations (one connector, connector 0, a group) and unlock by command.
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

#include "core/pilot.h"
#include "core/station_core.h"

#define AUTH_TIMEOUT_MS 60000

typedef struct {
  station_core sc;
  connector_sm conns[BORNE_MAX_CONNECTORS];
  borne_ms now;
  sc_notes notes; /* notes of the last call */
} rig;

static connector_config cfg_for(int id) {
  return (connector_config){.id = id,
                            .phases = 3,
                            .selector_a = 32,
                            .breaker_a = 32,
                            .tethered = false,
                            .derate_temp_c = 60,
                            .max_temp_c = 80};
}

static void boot(rig *r, int count, auth_mode mode) {
  memset(r, 0, sizeof *r);
  r->now = 5000000;
  connector_config cfgs[2] = {cfg_for(1), cfg_for(2)};
  sc_init(&r->sc, r->conns, cfgs, count, mode, AUTH_TIMEOUT_MS, r->now);
  for (int c = 1; c <= count; c++) {
    sc_connector_event(&r->sc, c, &(cs_event){.type = CS_EV_SELFTEST}, r->now, &r->notes);
    sc_connector_event(&r->sc, c, &(cs_event){.type = CS_EV_CP, .cp = CP_A, .diode_ok = true},
                       r->now, &r->notes);
  }
}

static void ev(rig *r, int c, cs_event e) {
  r->notes.count = 0;
  sc_connector_event(&r->sc, c, &e, r->now, &r->notes);
}

static void plug(rig *r, int c) {
  ev(r, c, (cs_event){.type = CS_EV_PP, .value = 220});
  ev(r, c, (cs_event){.type = CS_EV_CP, .cp = CP_B, .diode_ok = true});
}

static void tap(rig *r, const char *uid) {
  r->notes.count = 0;
  sc_tap(&r->sc, uid, r->now, &r->notes);
}

static void answer(rig *r, uint32_t id, bool ok) {
  r->notes.count = 0;
  sc_auth_result(&r->sc, id, ok, ok ? "Room 12" : NULL, r->now, &r->notes);
}

static void tick(rig *r, borne_ms ms) {
  r->now += ms;
  r->notes.count = 0;
  sc_timer(&r->sc, r->now, &r->notes);
}

static const sc_note *find(const sc_notes *n, sc_note_type t) {
  for (int i = 0; i < n->count; i++)
    if (n->notes[i].type == t) return &n->notes[i];
  return NULL;
}

static const sc_note *find_cs(const sc_notes *n, int c, cs_note_type t) {
  for (int i = 0; i < n->count; i++)
    if (n->notes[i].type == SC_NOTE_CONNECTOR && n->notes[i].connector == c &&
        n->notes[i].cs.type == t)
      return &n->notes[i];
  return NULL;
}

static const connector_sm *conn(rig *r, int c) { return &r->sc.conn[c - 1]; }

static void free_mode_authorizes_on_plug(void **state) {
  (void)state;
  rig r;
  boot(&r, 1, AUTH_FREE);
  assert_int_equal(sc_led(&r.sc, 1, r.now), LED_READY);
  ev(&r, 1, (cs_event){.type = CS_EV_PP, .value = 220});
  ev(&r, 1, (cs_event){.type = CS_EV_CP, .cp = CP_B, .diode_ok = true});
  assert_non_null(find_cs(&r.notes, 1, CS_NOTE_SESSION_START));
  assert_true(cs_has_session(conn(&r, 1)));
  assert_string_equal(cs_session_uid(conn(&r, 1)), "");
  assert_null(find(&r.notes, SC_NOTE_AUTH_REQUEST));
  ev(&r, 1, (cs_event){.type = CS_EV_LOCK_FEEDBACK, .flag = true});
  ev(&r, 1, (cs_event){.type = CS_EV_CP, .cp = CP_C, .diode_ok = true});
  assert_true(cs_outputs_of(conn(&r, 1))->contactor_closed);
  assert_int_equal(sc_led(&r.sc, 1, r.now), LED_CHARGING);
  /* A tap in free mode asks nobody anything. */
  tap(&r, "04AA");
  assert_int_equal(r.notes.count, 0);
}

static void tap_after_plug(void **state) {
  (void)state;
  rig r;
  boot(&r, 1, AUTH_BADGE);
  plug(&r, 1);
  assert_false(cs_has_session(conn(&r, 1)));
  assert_int_equal(sc_led(&r.sc, 1, r.now), LED_WAITING_AUTH);
  tap(&r, "04A1B2");
  const sc_note *req = find(&r.notes, SC_NOTE_AUTH_REQUEST);
  assert_non_null(req);
  assert_string_equal(req->uid, "04A1B2");
  assert_true(req->request_id != 0);
  uint32_t id = req->request_id;
  answer(&r, id, true);
  const sc_note *acc = find(&r.notes, SC_NOTE_AUTH_ACCEPTED);
  assert_non_null(acc);
  assert_int_equal(acc->connector, 1);
  assert_non_null(find_cs(&r.notes, 1, CS_NOTE_SESSION_START));
  assert_string_equal(cs_session_uid(conn(&r, 1)), "04A1B2");
  assert_string_equal(conn(&r, 1)->user, "Room 12");
  assert_int_equal(sc_led(&r.sc, 1, r.now), LED_AUTH_ACCEPTED); /* ~3 s flash */
  /* A stale answer for the same request changes nothing. */
  answer(&r, id, false);
  assert_int_equal(r.notes.count, 0);
}

static void tap_before_plug_is_held(void **state) {
  (void)state;
  rig r;
  boot(&r, 2, AUTH_BADGE);
  tap(&r, "CAFE");
  uint32_t id = find(&r.notes, SC_NOTE_AUTH_REQUEST)->request_id;
  answer(&r, id, true);
  const sc_note *acc = find(&r.notes, SC_NOTE_AUTH_ACCEPTED);
  assert_non_null(acc);
  assert_int_equal(acc->connector, 0);                     /* held for the next plug */
  assert_int_equal(sc_next_deadline(&r.sc), r.now + 3000); /* the flash ends first */
  /* The accepted flash shows on every free connector. */
  assert_int_equal(sc_led(&r.sc, 1, r.now), LED_AUTH_ACCEPTED);
  assert_int_equal(sc_led(&r.sc, 2, r.now), LED_AUTH_ACCEPTED);
  tick(&r, 10000);
  assert_int_equal(sc_led(&r.sc, 1, r.now), LED_READY);
  plug(&r, 2);
  acc = find(&r.notes, SC_NOTE_AUTH_ACCEPTED);
  assert_non_null(acc);
  assert_int_equal(acc->connector, 2);
  assert_string_equal(cs_session_uid(conn(&r, 2)), "CAFE");
  assert_non_null(find_cs(&r.notes, 2, CS_NOTE_SESSION_START));
  /* Used once: the next plug waits for its own badge. */
  plug(&r, 1);
  assert_false(cs_has_session(conn(&r, 1)));
  assert_true(cs_waiting_for_authorization(conn(&r, 1)));
}

static void held_authorization_expires(void **state) {
  (void)state;
  rig r;
  boot(&r, 1, AUTH_BADGE);
  tap(&r, "CAFE");
  answer(&r, find(&r.notes, SC_NOTE_AUTH_REQUEST)->request_id, true);
  borne_ms accepted_at = r.now;
  tick(&r, 3000); /* flash over */
  assert_int_equal(sc_next_deadline(&r.sc), accepted_at + AUTH_TIMEOUT_MS);
  tick(&r, AUTH_TIMEOUT_MS - 3000 - 1);
  assert_null(find(&r.notes, SC_NOTE_AUTH_EXPIRED));
  tick(&r, 1);
  const sc_note *exp = find(&r.notes, SC_NOTE_AUTH_EXPIRED);
  assert_non_null(exp);
  assert_string_equal(exp->uid, "CAFE");
  assert_true(sc_next_deadline(&r.sc) == INT64_MAX);
  plug(&r, 1);
  assert_false(cs_has_session(conn(&r, 1)));
}

/* Withdrawn (OCPP 2.0.1 RequestStopTransaction of the transaction it
 * started): only the held badge's, and the next plug waits for its own. */
static void held_authorization_is_withdrawn(void **state) {
  (void)state;
  rig r;
  boot(&r, 1, AUTH_BADGE);
  assert_false(sc_withdraw_held(&r.sc, "CAFE")); /* none held */
  tap(&r, "CAFE");
  answer(&r, find(&r.notes, SC_NOTE_AUTH_REQUEST)->request_id, true);
  assert_false(sc_withdraw_held(&r.sc, "BEEF"));
  assert_false(sc_withdraw_held(&r.sc, NULL));
  assert_true(r.sc.held);
  assert_true(sc_withdraw_held(&r.sc, "CAFE"));
  assert_false(r.sc.held);
  tick(&r, AUTH_TIMEOUT_MS + 1);
  assert_null(find(&r.notes, SC_NOTE_AUTH_EXPIRED)); /* nothing left to expire */
  plug(&r, 1);
  assert_false(cs_has_session(conn(&r, 1)));
  assert_true(cs_waiting_for_authorization(conn(&r, 1)));
}

/* The connector a held authorization waits on (shown Preparing by OCPP 1.6):
 * the one a remote start named; for a badge, the only one without a car it
 * may take, none while several could. */
static void held_connector_is_the_named_or_the_only_one(void **state) {
  (void)state;
  rig r;
  boot(&r, 2, AUTH_BADGE);
  assert_int_equal(sc_held_connector(&r.sc), 0); /* nothing held */
  tap(&r, "CAFE");
  answer(&r, find(&r.notes, SC_NOTE_AUTH_REQUEST)->request_id, true);
  assert_true(r.sc.held);
  assert_int_equal(sc_held_connector(&r.sc), 0); /* both free: either car takes it */
  ev(&r, 2, (cs_event){.type = CS_EV_AVAILABILITY, .flag = false});
  assert_int_equal(sc_held_connector(&r.sc), 1); /* connector 2 out of service */
  ev(&r, 2, (cs_event){.type = CS_EV_AVAILABILITY, .flag = true});
  assert_int_equal(sc_held_connector(&r.sc), 0);
  r.sc.held_allowed = 1u << 1; /* a user who may charge on connector 2 only */
  assert_int_equal(sc_held_connector(&r.sc), 2);
  assert_true(sc_withdraw_held(&r.sc, "CAFE"));
  assert_int_equal(sc_held_connector(&r.sc), 0);
  r.notes.count = 0;
  sc_remote_start(&r.sc, 2, "BEEF", "", r.now, &r.notes);
  assert_int_equal(sc_held_connector(&r.sc), 2);
  plug(&r, 2); /* the car takes it: nothing held any more */
  assert_true(cs_has_session(conn(&r, 2)));
  assert_int_equal(sc_held_connector(&r.sc), 0);
  r.notes.count = 0;
  sc_remote_start(&r.sc, 1, "BEEF", "", r.now, &r.notes);
  assert_int_equal(sc_held_connector(&r.sc), 1);
  tick(&r, AUTH_TIMEOUT_MS + 1); /* ConnectionTimeOut */
  assert_non_null(find(&r.notes, SC_NOTE_AUTH_EXPIRED));
  assert_int_equal(sc_held_connector(&r.sc), 0);
}

static void same_badge_stops_its_session(void **state) {
  (void)state;
  rig r;
  boot(&r, 1, AUTH_BADGE);
  plug(&r, 1);
  tap(&r, "04A1B2");
  answer(&r, find(&r.notes, SC_NOTE_AUTH_REQUEST)->request_id, true);
  ev(&r, 1, (cs_event){.type = CS_EV_LOCK_FEEDBACK, .flag = true});
  ev(&r, 1, (cs_event){.type = CS_EV_CP, .cp = CP_C, .diode_ok = true});
  assert_true(cs_outputs_of(conn(&r, 1))->contactor_closed);
  tap(&r, "04A1B2");
  assert_null(find(&r.notes, SC_NOTE_AUTH_REQUEST)); /* no validation needed */
  const sc_note *stop = find_cs(&r.notes, 1, CS_NOTE_SESSION_STOP);
  assert_non_null(stop);
  assert_int_equal(stop->cs.reason, STOP_LOCAL);
  assert_false(cs_outputs_of(conn(&r, 1))->contactor_closed);
  assert_int_equal(cs_status(conn(&r, 1)), STATUS_FINISHING);
}

static void unknown_badge_is_refused(void **state) {
  (void)state;
  rig r;
  boot(&r, 1, AUTH_BADGE);
  plug(&r, 1);
  tap(&r, "BAD0");
  uint32_t id = find(&r.notes, SC_NOTE_AUTH_REQUEST)->request_id;
  answer(&r, id, false);
  const sc_note *ref = find(&r.notes, SC_NOTE_AUTH_REFUSED);
  assert_non_null(ref);
  assert_string_equal(ref->uid, "BAD0");
  assert_int_equal(ref->connector, 1);
  assert_false(cs_has_session(conn(&r, 1)));
  assert_int_equal(sc_led(&r.sc, 1, r.now), LED_AUTH_REFUSED);
  tick(&r, 3000);
  assert_int_equal(sc_led(&r.sc, 1, r.now), LED_WAITING_AUTH);
}

static void one_validation_at_a_time(void **state) {
  (void)state;
  rig r;
  boot(&r, 1, AUTH_BADGE);
  plug(&r, 1);
  tap(&r, "AAAA");
  uint32_t first = find(&r.notes, SC_NOTE_AUTH_REQUEST)->request_id;
  tap(&r, "BBBB"); /* ignored while AAAA is being validated */
  assert_int_equal(r.notes.count, 0);
  answer(&r, first + 1, true); /* an answer to nothing we asked */
  assert_int_equal(r.notes.count, 0);
  assert_false(cs_has_session(conn(&r, 1)));
  answer(&r, first, true);
  assert_string_equal(cs_session_uid(conn(&r, 1)), "AAAA");
  /* The next tap gets a fresh id. */
  tap(&r, "BBBB");
  assert_true(find(&r.notes, SC_NOTE_AUTH_REQUEST)->request_id != first);
}

static void longest_waiting_connector_gets_the_badge(void **state) {
  (void)state;
  rig r;
  boot(&r, 2, AUTH_BADGE);
  plug(&r, 2);
  r.now += 20000;
  plug(&r, 1);
  tap(&r, "CAFE");
  answer(&r, find(&r.notes, SC_NOTE_AUTH_REQUEST)->request_id, true);
  assert_int_equal(find(&r.notes, SC_NOTE_AUTH_ACCEPTED)->connector, 2);
  assert_true(cs_has_session(conn(&r, 2)));
  assert_false(cs_has_session(conn(&r, 1)));
  /* The flash shows where the badge went; the other keeps waiting. */
  assert_int_equal(sc_led(&r.sc, 2, r.now), LED_AUTH_ACCEPTED);
  assert_int_equal(sc_led(&r.sc, 1, r.now), LED_WAITING_AUTH);
  tap(&r, "BEEF");
  answer(&r, find(&r.notes, SC_NOTE_AUTH_REQUEST)->request_id, true);
  assert_int_equal(find(&r.notes, SC_NOTE_AUTH_ACCEPTED)->connector, 1);
  assert_string_equal(cs_session_uid(conn(&r, 1)), "BEEF");
}

static void timer_drives_connector_deadlines(void **state) {
  (void)state;
  rig r;
  boot(&r, 1, AUTH_FREE);
  plug(&r, 1); /* free mode: lock commanded, never confirmed */
  assert_true(cs_outputs_of(conn(&r, 1))->lock_engaged);
  assert_int_equal(sc_next_deadline(&r.sc), r.now + CS_LOCK_TIMEOUT_MS);
  tick(&r, CS_LOCK_TIMEOUT_MS);
  assert_int_equal(cs_error(conn(&r, 1)), ERR_LOCK_FAILURE);
  assert_non_null(find_cs(&r.notes, 1, CS_NOTE_ERROR));
  assert_int_equal(sc_led(&r.sc, 1, r.now), LED_ERROR);
}

static void led_follows_status_and_flags(void **state) {
  (void)state;
  rig r;
  boot(&r, 1, AUTH_FREE);
  r.sc.offline = true;
  assert_int_equal(sc_led(&r.sc, 1, r.now), LED_OFFLINE);
  r.sc.offline = false;
  plug(&r, 1);
  assert_int_equal(sc_led(&r.sc, 1, r.now), LED_CONNECTED); /* lock pending */
  ev(&r, 1, (cs_event){.type = CS_EV_LOCK_FEEDBACK, .flag = true});
  assert_int_equal(sc_led(&r.sc, 1, r.now), LED_PAUSED_BY_EV);
  ev(&r, 1, (cs_event){.type = CS_EV_LIMIT, .limit_src = LIMIT_LOAD_MANAGEMENT, .value = 3});
  assert_int_equal(sc_led(&r.sc, 1, r.now), LED_WAITING_FOR_POWER);
  ev(&r, 1, (cs_event){.type = CS_EV_LIMIT, .limit_src = LIMIT_LOAD_MANAGEMENT, .value = -1});
  ev(&r, 1, (cs_event){.type = CS_EV_CP, .cp = CP_C, .diode_ok = true});
  assert_int_equal(sc_led(&r.sc, 1, r.now), LED_CHARGING);
  r.sc.firmware_updating = true;
  assert_int_equal(sc_led(&r.sc, 1, r.now), LED_FIRMWARE_UPDATE);
  r.sc.firmware_updating = false;
  ev(&r, 1, (cs_event){.type = CS_EV_RCD_TRIP});
  assert_int_equal(sc_led(&r.sc, 1, r.now), LED_ERROR);
  ev(&r, 1, (cs_event){.type = CS_EV_CP, .cp = CP_A, .diode_ok = true});
  ev(&r, 1, (cs_event){.type = CS_EV_PP, .value = -1}); /* and its cable */
  assert_int_equal(sc_led(&r.sc, 1, r.now), LED_READY);
  ev(&r, 1, (cs_event){.type = CS_EV_AVAILABILITY, .flag = false});
  assert_int_equal(sc_led(&r.sc, 1, r.now), LED_UNAVAILABLE);
  assert_int_equal(sc_led(&r.sc, 7, r.now), LED_OFF); /* no such connector */
}

static uint32_t tap_request(rig *r, const char *uid) {
  tap(r, uid);
  const sc_note *req = find(&r->notes, SC_NOTE_AUTH_REQUEST);
  assert_non_null(req);
  return req->request_id;
}

static void reserved_connector_admits_only_its_badge_or_group(void **state) {
  (void)state;
  rig r;
  boot(&r, 2, AUTH_BADGE);
  r.notes.count = 0;
  assert_int_equal(sc_reserve(&r.sc, 1, "RES1", "GROUP", r.now, &r.notes), 0);
  assert_int_equal(cs_status(conn(&r, 1)), STATUS_RESERVED);
  assert_int_equal(sc_led(&r.sc, 1, r.now), LED_RESERVED);
  assert_int_equal(cs_status(conn(&r, 2)), STATUS_AVAILABLE);
  /* Another badge on the plugged reserved connector: held, not given to it. */
  /* OCPP 1.6 4.9: plugged in without the reserved identity it stays Reserved */
  plug(&r, 1);
  assert_int_equal(cs_status(conn(&r, 1)), STATUS_RESERVED);
  uint32_t id = tap_request(&r, "OTHER");
  answer(&r, id, true);
  assert_false(cs_has_session(conn(&r, 1)));
  assert_true(r.sc.held);
  /* ... and it goes to the free connector when that one is plugged. */
  plug(&r, 2);
  assert_true(cs_has_session(conn(&r, 2)));
  assert_string_equal(cs_session_uid(conn(&r, 2)), "OTHER");
  /* A badge of the reservation's group takes connector 1; the reservation ends. */
  id = tap_request(&r, "MEMBER");
  r.notes.count = 0;
  sc_auth_result_parent(&r.sc, id, true, NULL, "GROUP", r.now, &r.notes);
  assert_true(cs_has_session(conn(&r, 1)));
  assert_false(conn(&r, 1)->reserved);
  /* Cancel on an idle reserved connector makes it available again. */
  boot(&r, 1, AUTH_BADGE);
  sc_reserve(&r.sc, 1, "RES1", NULL, r.now, &r.notes);
  r.notes.count = 0;
  sc_cancel_reservation(&r.sc, 1, r.now, &r.notes);
  assert_int_equal(cs_status(conn(&r, 1)), STATUS_AVAILABLE);
  assert_non_null(find_cs(&r.notes, 1, CS_NOTE_STATUS));
  assert_int_equal(sc_reserve(&r.sc, 3, "X", NULL, r.now, &r.notes), -1);
}

/* OCPP 1.6 5.13, OCTT TC_046_1_CS: with every usable connector reserved for
 * another idTag (no parentIdTag to learn), a badge is refused at once, with
 * no validation asked; the reserved badge is held for its reserved
 * connector, which is the one it waits on. A parentIdTag in the
 * reservation, a free connector or a running session send it to validation. */
static void badge_refused_at_once_when_every_connector_is_reserved_for_another(void **state) {
  (void)state;
  rig r;
  boot(&r, 2, AUTH_BADGE);
  ev(&r, 2, (cs_event){.type = CS_EV_AVAILABILITY, .flag = false});
  assert_int_equal(sc_reserve(&r.sc, 1, "RES1", NULL, r.now, &r.notes), 0);
  r.notes.count = 0;
  tap(&r, "OTHER");
  assert_null(find(&r.notes, SC_NOTE_AUTH_REQUEST));
  const sc_note *n = find(&r.notes, SC_NOTE_AUTH_RESERVED);
  assert_non_null(n);
  assert_int_equal(n->connector, 1);
  assert_string_equal(n->uid, "OTHER");
  assert_false(r.sc.held);
  /* the reserved badge: validated, held, waiting on its connector */
  uint32_t id = tap_request(&r, "RES1");
  answer(&r, id, true);
  assert_true(r.sc.held);
  assert_int_equal(sc_held_connector(&r.sc), 1);
  plug(&r, 1);
  assert_true(cs_has_session(conn(&r, 1)));
  assert_false(conn(&r, 1)->reserved);
  assert_int_equal(sc_held_connector(&r.sc), 0);
  /* a reservation with a group: the badge's group is the back end's to tell */
  boot(&r, 1, AUTH_BADGE);
  sc_reserve(&r.sc, 1, "RES1", "GROUP", r.now, &r.notes);
  r.notes.count = 0;
  tap(&r, "OTHER");
  assert_non_null(find(&r.notes, SC_NOTE_AUTH_REQUEST));
  assert_null(find(&r.notes, SC_NOTE_AUTH_RESERVED));
  /* a free connector: validated as usual */
  boot(&r, 2, AUTH_BADGE);
  sc_reserve(&r.sc, 1, "RES1", NULL, r.now, &r.notes);
  r.notes.count = 0;
  tap(&r, "OTHER");
  assert_non_null(find(&r.notes, SC_NOTE_AUTH_REQUEST));
}

static void reservation_on_connector_zero_keeps_one_free(void **state) {
  (void)state;
  rig r;
  boot(&r, 2, AUTH_BADGE);
  assert_int_equal(sc_reserve(&r.sc, 0, "RES0", NULL, r.now, &r.notes), 0);
  /* Two free connectors: a stranger may take one of them. */
  plug(&r, 1);
  answer(&r, tap_request(&r, "A"), true);
  assert_true(cs_has_session(conn(&r, 1)));
  /* Only one left: it stays for the reservation. */
  plug(&r, 2);
  answer(&r, tap_request(&r, "B"), true);
  assert_false(cs_has_session(conn(&r, 2)));
  tick(&r, AUTH_TIMEOUT_MS + 1); /* B's held authorization expires */
  answer(&r, tap_request(&r, "RES0"), true);
  assert_true(cs_has_session(conn(&r, 2)));
  assert_int_equal(r.sc.n_any, 0);
  sc_free(&r.sc);
}

/* OCPP 2.0.1 connectorType without evseId: any one connector of that type
 * (here connector 2 only) stays free for the badge; the others are not
 * concerned, and a session of the badge elsewhere does not use it. */
static void reservation_among_some_connectors_keeps_one_of_them_free(void **state) {
  (void)state;
  rig r;
  boot(&r, 2, AUTH_BADGE);
  assert_int_equal(sc_reserve_any(&r.sc, 7, 1u << 1, "RES0", NULL, r.now, &r.notes), 0);
  /* connector 1 is not one it may take: a stranger charges there, even on
   * the last connector free of the station */
  plug(&r, 2);
  plug(&r, 1);
  answer(&r, tap_request(&r, "A"), true);
  assert_true(cs_has_session(conn(&r, 1)));
  /* connector 2 is the last of them: it stays for the reservation */
  answer(&r, tap_request(&r, "B"), true);
  assert_false(cs_has_session(conn(&r, 2)));
  tick(&r, AUTH_TIMEOUT_MS + 1);
  answer(&r, tap_request(&r, "RES0"), true);
  assert_true(cs_has_session(conn(&r, 2)));
  assert_int_equal(r.sc.n_any, 0); /* used */

  /* the badge charging on a connector it may not take keeps its reservation */
  sc_free(&r.sc);
  boot(&r, 2, AUTH_BADGE);
  assert_int_equal(sc_reserve_any(&r.sc, 7, 1u << 1, "RES0", NULL, r.now, &r.notes), 0);
  plug(&r, 1);
  answer(&r, tap_request(&r, "RES0"), true);
  assert_true(cs_has_session(conn(&r, 1)));
  assert_int_equal(r.sc.n_any, 1);
  assert_int_equal(r.sc.any[0].among, 1u << 1);
  plug(&r, 2);
  answer(&r, tap_request(&r, "B"), true); /* the last of them: not for B */
  assert_false(cs_has_session(conn(&r, 2)));
  sc_free(&r.sc);
}

static connector_status st_of(rig *r, int c) { return cs_status(conn(r, c)); }

/* OCPP 2.0.1 H01 without evseId: as many station-wide reservations as the
 * EVSEs can serve at once; when as many EVSEs are Available as there are
 * reservations they are shown Reserved (TC_H_14) and refuse other badges;
 * a reserved badge uses one (the other stays Reserved for the second), a
 * cancel makes them Available again. 1.6 (show_kept off) shows no change. */
static void several_station_wide_reservations_keep_as_many_connectors(void **state) {
  (void)state;
  rig r;
  boot(&r, 2, AUTH_BADGE);
  sc_show_kept(&r.sc, true, r.now, &r.notes);
  assert_true(sc_can_reserve_any(&r.sc, 0, 0));
  assert_int_equal(sc_reserve_any(&r.sc, 1, 0, "R1", NULL, r.now, &r.notes), 0);
  /* one reservation, two Available: neither is kept */
  assert_int_equal(st_of(&r, 1), STATUS_AVAILABLE);
  assert_int_equal(st_of(&r, 2), STATUS_AVAILABLE);
  assert_true(sc_can_reserve_any(&r.sc, 0, 0));
  r.notes.count = 0;
  assert_int_equal(sc_reserve_any(&r.sc, 2, 0, "R2", "G2", r.now, &r.notes), 0);
  /* two for two: both Reserved, with their status notes */
  assert_int_equal(st_of(&r, 1), STATUS_RESERVED);
  assert_int_equal(st_of(&r, 2), STATUS_RESERVED);
  assert_non_null(find_cs(&r.notes, 1, CS_NOTE_STATUS));
  assert_non_null(find_cs(&r.notes, 2, CS_NOTE_STATUS));
  assert_false(sc_can_reserve_any(&r.sc, 0, 0)); /* no third */
  assert_true(sc_can_reserve_any(&r.sc, 0, 2));  /* the same id replaced */
  assert_true(sc_any_needs(&r.sc, 1, 0));        /* no EVSE reservation on them */
  /* a stranger's car: the connector stays Reserved (G01.FR.09), refused */
  plug(&r, 1);
  assert_int_equal(st_of(&r, 1), STATUS_RESERVED);
  answer(&r, tap_request(&r, "OTHER"), true);
  assert_false(cs_has_session(conn(&r, 1)));
  tick(&r, AUTH_TIMEOUT_MS + 1);
  /* the first reservation's badge charges there; the other stays Reserved */
  answer(&r, tap_request(&r, "R1"), true);
  assert_true(cs_has_session(conn(&r, 1)));
  assert_int_equal(r.sc.n_any, 1);
  assert_int_equal(r.sc.any[0].id, 2);
  assert_int_equal(st_of(&r, 2), STATUS_RESERVED);
  /* a remote start asks the same (sc_reservations_admit) */
  assert_false(sc_reservations_admit(&r.sc, 2, "OTHER", NULL));
  assert_true(sc_reservations_admit(&r.sc, 2, "X", "G2")); /* the second's group */
  /* H02: the second cancelled, connector 2 is Available again */
  r.notes.count = 0;
  assert_true(sc_cancel_reservation_any(&r.sc, 2, r.now, &r.notes));
  assert_false(sc_cancel_reservation_any(&r.sc, 2, r.now, &r.notes));
  assert_int_equal(st_of(&r, 2), STATUS_AVAILABLE);
  assert_non_null(find_cs(&r.notes, 2, CS_NOTE_STATUS));

  /* 1.6: the same reservations, no connector shown Reserved */
  sc_free(&r.sc);
  boot(&r, 2, AUTH_BADGE);
  sc_reserve_any(&r.sc, 1, 0, "R1", NULL, r.now, &r.notes);
  sc_reserve_any(&r.sc, 2, 0, "R2", NULL, r.now, &r.notes);
  assert_int_equal(st_of(&r, 1), STATUS_AVAILABLE);
  assert_int_equal(st_of(&r, 2), STATUS_AVAILABLE);
  sc_show_kept(&r.sc, true, r.now, &r.notes); /* 2.0.1 spoken from now on */
  assert_int_equal(st_of(&r, 1), STATUS_RESERVED);
  sc_show_kept(&r.sc, false, r.now, &r.notes);
  assert_int_equal(st_of(&r, 2), STATUS_AVAILABLE);
  sc_free(&r.sc);
}

/* Statuses follow the connectors: one reservation on two connectors, a car
 * of another badge charging on one: the other is kept (Reserved); when it
 * goes inoperative it is no longer Reserved, and is again when it comes
 * back. A reservation of connector 2 only (2.0.1 connectorType) beside one
 * of any connector: each is served by its own connector (a matching, not a
 * count), and the badge of the second is kept off connector 2. */
static void kept_connectors_follow_the_others(void **state) {
  (void)state;
  rig r;
  boot(&r, 2, AUTH_BADGE);
  sc_show_kept(&r.sc, true, r.now, &r.notes);
  sc_reserve_any(&r.sc, 5, 0, "R", NULL, r.now, &r.notes);
  plug(&r, 1);
  assert_int_equal(st_of(&r, 2), STATUS_RESERVED); /* one Available left for one reservation */
  answer(&r, tap_request(&r, "A"), true);
  assert_true(cs_has_session(conn(&r, 1))); /* connector 1 could be spared */
  assert_int_equal(st_of(&r, 2), STATUS_RESERVED);
  ev(&r, 2, (cs_event){.type = CS_EV_AVAILABILITY, .flag = false});
  assert_int_equal(st_of(&r, 2), STATUS_UNAVAILABLE);
  assert_false(conn(&r, 2)->kept);
  ev(&r, 2, (cs_event){.type = CS_EV_AVAILABILITY, .flag = true});
  assert_int_equal(st_of(&r, 2), STATUS_RESERVED);

  /* among: R2 may take connector 2 only, RA any: each gets its own */
  sc_free(&r.sc);
  boot(&r, 2, AUTH_BADGE);
  sc_show_kept(&r.sc, true, r.now, &r.notes);
  sc_reserve_any(&r.sc, 2, 1u << 1, "R2", NULL, r.now, &r.notes);
  assert_int_equal(st_of(&r, 1), STATUS_AVAILABLE);
  assert_int_equal(st_of(&r, 2), STATUS_RESERVED);     /* the only one R2 may take */
  assert_false(sc_can_reserve_any(&r.sc, 1u << 1, 0)); /* a second of connector 2 */
  assert_true(sc_can_reserve_any(&r.sc, 0, 0));        /* one of any: connector 1 */
  sc_reserve_any(&r.sc, 3, 0, "RA", NULL, r.now, &r.notes);
  assert_int_equal(st_of(&r, 1), STATUS_RESERVED);
  /* RA's badge on connector 2 would leave R2 without: refused there ... */
  plug(&r, 2);
  answer(&r, tap_request(&r, "RA"), true);
  assert_false(cs_has_session(conn(&r, 2)));
  /* ... and given connector 1 when it is plugged */
  plug(&r, 1);
  assert_true(cs_has_session(conn(&r, 1)));
  assert_int_equal(r.sc.n_any, 1);
  assert_int_equal(r.sc.any[0].id, 2);
  assert_int_equal(st_of(&r, 2), STATUS_RESERVED);
  sc_free(&r.sc);
}

static void badge_releases_the_cable_kept_after_the_car_left(void **state) {
  (void)state;
  rig r;
  boot(&r, 1, AUTH_BADGE);
  r.conns[0].cfg.keep_lock_on_ev_disconnect = true; /* UnlockConnectorOnEVSideDisconnect false */
  plug(&r, 1);
  tap(&r, "04A1B2");
  answer(&r, find(&r.notes, SC_NOTE_AUTH_REQUEST)->request_id, true);
  ev(&r, 1, (cs_event){.type = CS_EV_LOCK_FEEDBACK, .flag = true});
  assert_true(cs_has_session(conn(&r, 1)));
  ev(&r, 1, (cs_event){.type = CS_EV_CP, .cp = CP_A, .diode_ok = true}); /* the car's side */
  assert_false(cs_has_session(conn(&r, 1)));
  assert_true(cs_outputs_of(conn(&r, 1))->lock_engaged);
  tap(&r, "OTHER"); /* another badge: asked about, the lock stays */
  assert_non_null(find(&r.notes, SC_NOTE_AUTH_REQUEST));
  assert_true(cs_outputs_of(conn(&r, 1))->lock_engaged);
  answer(&r, find(&r.notes, SC_NOTE_AUTH_REQUEST)->request_id, false);
  tap(&r, "04A1B2"); /* the session's badge: released, nobody asked */
  assert_null(find(&r.notes, SC_NOTE_AUTH_REQUEST));
  assert_false(cs_outputs_of(conn(&r, 1))->lock_engaged);
  assert_int_equal(st_of(&r, 1), STATUS_FINISHING);
  ev(&r, 1, (cs_event){.type = CS_EV_PP, .value = -1}); /* the cable leaves */
  assert_int_equal(st_of(&r, 1), STATUS_AVAILABLE);
  sc_free(&r.sc);
}

static void unlock_command_ends_the_session_and_releases_the_lock(void **state) {
  (void)state;
  rig r;
  boot(&r, 1, AUTH_FREE);
  plug(&r, 1);
  ev(&r, 1, (cs_event){.type = CS_EV_LOCK_FEEDBACK, .flag = true});
  ev(&r, 1, (cs_event){.type = CS_EV_CP, .cp = CP_C, .diode_ok = true});
  assert_true(cs_outputs_of(conn(&r, 1))->lock_engaged);
  ev(&r, 1, (cs_event){.type = CS_EV_UNLOCK});
  const sc_note *stop = find_cs(&r.notes, 1, CS_NOTE_SESSION_STOP);
  assert_non_null(stop);
  assert_int_equal(stop->cs.reason, STOP_UNLOCK_COMMAND);
  assert_false(cs_outputs_of(conn(&r, 1))->contactor_closed);
  assert_false(cs_outputs_of(conn(&r, 1))->lock_engaged);
  /* Free mode does not restart a session on the same plug-in. */
  assert_false(cs_has_session(conn(&r, 1)));
  /* After the cable left, a new plug locks again. */
  ev(&r, 1, (cs_event){.type = CS_EV_CP, .cp = CP_A, .diode_ok = true});
  ev(&r, 1, (cs_event){.type = CS_EV_PP, .value = -1}); /* and its cable */
  plug(&r, 1);
  assert_true(cs_outputs_of(conn(&r, 1))->lock_engaged);
}

static void unlock_with_nothing_plugged_does_not_stop_the_next_lock(void **state) {
  (void)state;
  rig r;
  boot(&r, 1, AUTH_FREE);
  ev(&r, 1, (cs_event){.type = CS_EV_UNLOCK});
  plug(&r, 1);
  assert_true(cs_outputs_of(conn(&r, 1))->lock_engaged);
}

static void answer_allowed(rig *r, uint32_t id, unsigned allowed) {
  r->notes.count = 0;
  sc_auth_result_allowed(&r->sc, id, true, "Room 12", NULL, allowed, r->now, &r->notes);
}

/* A user allowed on connector 2 only (bit 1). */
static void user_connectors_are_enforced(void **state) {
  (void)state;
  rig r;
  boot(&r, 2, AUTH_BADGE);
  /* plugged on 1, tapped: refused there with the reason, no session */
  plug(&r, 1);
  tap(&r, "04AA");
  uint32_t id = find(&r.notes, SC_NOTE_AUTH_REQUEST)->request_id;
  answer_allowed(&r, id, 1u << 1);
  const sc_note *no = find(&r.notes, SC_NOTE_AUTH_NOT_ALLOWED);
  assert_non_null(no);
  assert_int_equal(no->connector, 1);
  assert_string_equal(no->uid, "04AA");
  assert_null(find(&r.notes, SC_NOTE_AUTH_ACCEPTED));
  assert_false(cs_has_session(conn(&r, 1)));
  assert_int_equal(sc_led(&r.sc, 1, r.now), LED_AUTH_REFUSED);
  assert_false(r.sc.held);
  /* plugged on 1 and 2: goes to 2 even though 1 waits longer */
  r.now += 1000;
  plug(&r, 2);
  tap(&r, "04AA");
  id = find(&r.notes, SC_NOTE_AUTH_REQUEST)->request_id;
  answer_allowed(&r, id, 1u << 1);
  assert_int_equal(find(&r.notes, SC_NOTE_AUTH_ACCEPTED)->connector, 2);
  assert_true(cs_has_session(conn(&r, 2)));
  assert_false(cs_has_session(conn(&r, 1)));
  /* every connector allowed (0): the longest waiting one, as before */
  rig q;
  boot(&q, 2, AUTH_BADGE);
  plug(&q, 1);
  q.now += 1000;
  plug(&q, 2);
  tap(&q, "04BB");
  answer_allowed(&q, find(&q.notes, SC_NOTE_AUTH_REQUEST)->request_id, 0);
  assert_int_equal(find(&q.notes, SC_NOTE_AUTH_ACCEPTED)->connector, 1);
}

/* Tapped first (held), then plugged where the user may not charge. */
static void held_authorization_refused_on_a_forbidden_connector(void **state) {
  (void)state;
  rig r;
  boot(&r, 2, AUTH_BADGE);
  tap(&r, "04AA");
  answer_allowed(&r, find(&r.notes, SC_NOTE_AUTH_REQUEST)->request_id, 1u << 1);
  assert_true(r.sc.held);
  plug(&r, 1);
  const sc_note *no = find(&r.notes, SC_NOTE_AUTH_NOT_ALLOWED);
  assert_non_null(no);
  assert_int_equal(no->connector, 1);
  assert_false(r.sc.held);
  assert_false(cs_has_session(conn(&r, 1)));
  /* held again, plugged where allowed: a session */
  tap(&r, "04AA");
  answer_allowed(&r, find(&r.notes, SC_NOTE_AUTH_REQUEST)->request_id, 1u << 1);
  /* connector 1 still waits: refused at once, not held */
  assert_non_null(find(&r.notes, SC_NOTE_AUTH_NOT_ALLOWED));
  ev(&r, 1, (cs_event){.type = CS_EV_CP, .cp = CP_A, .diode_ok = true});
  ev(&r, 1, (cs_event){.type = CS_EV_PP, .value = 0});
  tap(&r, "04AA");
  answer_allowed(&r, find(&r.notes, SC_NOTE_AUTH_REQUEST)->request_id, 1u << 1);
  assert_true(r.sc.held);
  plug(&r, 2);
  assert_null(find(&r.notes, SC_NOTE_AUTH_NOT_ALLOWED));
  assert_true(cs_has_session(conn(&r, 2)));
}

/* After a restart: resumed within session.resume_timeout_s of the last
 * durable record, not past it, never with 0; a clock behind the record
 * cannot measure the interruption: counted as none. */
static void resume_within_the_timeout_only(void **state) {
  (void)state;
  const borne_ms last = 1700000000000;
  assert_true(sc_may_resume(last, last + 60000, 60));
  assert_false(sc_may_resume(last, last + 60001, 60));
  assert_true(sc_may_resume(last, last + 86400000, 86400));
  assert_false(sc_may_resume(last, last + 1, 0));
  assert_false(sc_may_resume(last, last, 0));
  assert_true(sc_may_resume(last, last - 3600000, 1));
  assert_false(sc_may_resume(last, last - 3600000, 0));
}

/* OCPP 2.1 E17: a resumed session's energy held for the session when
 * resumption is not allowed, else for a random 0 to range s (both ends
 * reachable), none without a range. */
static void resumed_energy_held_or_delayed(void **state) {
  (void)state;
  assert_int_equal(sc_resume_hold_ms(false, 0, 0), SC_RESUME_HELD);
  assert_int_equal(sc_resume_hold_ms(false, 30, 12345), SC_RESUME_HELD);
  assert_int_equal(sc_resume_hold_ms(true, 0, 12345), 0);
  assert_int_equal(sc_resume_hold_ms(true, -5, 12345), 0);
  assert_int_equal(sc_resume_hold_ms(true, 30, 0), 0);
  assert_int_equal(sc_resume_hold_ms(true, 30, 30000), 30000);
  assert_int_equal(sc_resume_hold_ms(true, 30, 30001), 0);
  assert_int_equal(sc_resume_hold_ms(true, 30, 1234), 1234);
  for (uint32_t d = 0; d < 4000000000u; d += 7777777u) {
    borne_ms ms = sc_resume_hold_ms(true, 3600, d);
    assert_true(ms >= 0 && ms <= 3600000);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(free_mode_authorizes_on_plug),
      cmocka_unit_test(unlock_with_nothing_plugged_does_not_stop_the_next_lock),
      cmocka_unit_test(tap_after_plug),
      cmocka_unit_test(tap_before_plug_is_held),
      cmocka_unit_test(held_authorization_expires),
      cmocka_unit_test(held_connector_is_the_named_or_the_only_one),
      cmocka_unit_test(held_authorization_is_withdrawn),
      cmocka_unit_test(same_badge_stops_its_session),
      cmocka_unit_test(unknown_badge_is_refused),
      cmocka_unit_test(one_validation_at_a_time),
      cmocka_unit_test(longest_waiting_connector_gets_the_badge),
      cmocka_unit_test(timer_drives_connector_deadlines),
      cmocka_unit_test(led_follows_status_and_flags),
      cmocka_unit_test(reserved_connector_admits_only_its_badge_or_group),
      cmocka_unit_test(badge_refused_at_once_when_every_connector_is_reserved_for_another),
      cmocka_unit_test(reservation_on_connector_zero_keeps_one_free),
      cmocka_unit_test(reservation_among_some_connectors_keeps_one_of_them_free),
      cmocka_unit_test(several_station_wide_reservations_keep_as_many_connectors),
      cmocka_unit_test(kept_connectors_follow_the_others),
      cmocka_unit_test(unlock_command_ends_the_session_and_releases_the_lock),
      cmocka_unit_test(badge_releases_the_cable_kept_after_the_car_left),
      cmocka_unit_test(user_connectors_are_enforced),
      cmocka_unit_test(held_authorization_refused_on_a_forbidden_connector),
      cmocka_unit_test(resume_within_the_timeout_only),
      cmocka_unit_test(resumed_energy_held_or_delayed),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
