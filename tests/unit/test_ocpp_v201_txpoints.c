/*
 * OCPP 2.0.1 E01/E06 TxStartPoint / TxStopPoint (src/ocpp/v201/txpoints.c):
 * the 2.0.1 transaction as a view on borne's session timeline. A virtual
 * clock walks one charge (plug at 0 s, badge and session start, energy
 * flowing, the car pausing, flowing again, the stop, the car leaving) for
 * each combination of the points an AC badge station has; each test says
 * when the transaction starts and ends and what the dialect sends. With
 * EVConnected in TxStartPoint it starts at the plug, before the badge, and
 * the session takes it over (ADOPT) — or the car leaves before any badge.
 */
/* cmocka.h needs these first */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#include <stdio.h>
#include <string.h>

#include "ocpp/v201/txpoints.h"

typedef enum { PLUG, SESSION_START, STATUS, SESSION_STOP } step_kind;

typedef struct {
  int64_t at_ms; /* the virtual clock */
  step_kind kind;
  connector_status status; /* STATUS */
  stop_reason reason;      /* SESSION_STOP */
} step;

/* What the dialect was told to send, with the clock's time. */
typedef struct {
  int64_t started_ms, ended_ms, deauthorized_ms, adopted_ms; /* -1: never */
  int starts, ends;
} outcome;

static outcome walk(const char *start, const char *stop, const step *steps, size_t n) {
  unsigned sm, pm;
  char why[120];
  assert_int_equal(v201_txp_parse(start, &sm, why, sizeof why), 0);
  assert_int_equal(v201_txp_parse(stop, &pm, why, sizeof why), 0);
  v201_txp t = {0};
  connector_status now = STATUS_AVAILABLE;
  outcome o = {.started_ms = -1, .ended_ms = -1, .deauthorized_ms = -1, .adopted_ms = -1};
  for (size_t i = 0; i < n; i++) {
    v201_txp_action a = V201_TXP_NOTHING;
    switch (steps[i].kind) {
    case PLUG:
    case STATUS: {
      connector_status was = now;
      now = steps[i].status;
      a = v201_txp_status(&t, was, now);
      /* the dialect: a car plugged in while no session runs */
      if (steps[i].kind == PLUG && a == V201_TXP_NOTHING) {
        a = v201_txp_plugged(&t, sm, pm, -99);
        if (a == V201_TXP_START) {
          assert_true(t.early && t.open);
          assert_int_equal(t.session, -99); /* the journal key */
        }
      }
      break;
    }
    case SESSION_START:
      a = v201_txp_session_started(&t, sm, pm, 7);
      assert_int_equal(t.session, 7);
      break;
    case SESSION_STOP:
      a = v201_txp_session_stopped(&t, steps[i].reason);
      if (a != V201_TXP_DEAUTHORIZED) v201_txp_ended(&t);
      break;
    }
    if (a == V201_TXP_START) {
      o.started_ms = steps[i].at_ms;
      o.starts++;
    } else if (a == V201_TXP_END) {
      o.ended_ms = steps[i].at_ms;
      o.ends++;
      if (t.session) v201_txp_ended(&t); /* the dialect forgets an ended lingering one */
    } else if (a == V201_TXP_DEAUTHORIZED) {
      o.deauthorized_ms = steps[i].at_ms;
    } else if (a == V201_TXP_ADOPT) {
      assert_false(t.early);
      assert_true(t.open);
      o.adopted_ms = steps[i].at_ms;
    }
  }
  return o;
}

/* A badge charge: plugged at 0, badge at 10 s (the session starts), energy
 * at 12 s, the car pauses at 60 s, draws again at 90 s, then `reason` stops
 * the session at 120 s, and the car leaves at 150 s. */
static outcome charge(const char *start, const char *stop, stop_reason reason) {
  const step steps[] = {
      {0, PLUG, STATUS_PREPARING, STOP_NONE},
      {10000, SESSION_START, 0, STOP_NONE},
      {12000, STATUS, STATUS_CHARGING, STOP_NONE},
      {60000, STATUS, STATUS_SUSPENDED_EV, STOP_NONE},
      {90000, STATUS, STATUS_CHARGING, STOP_NONE},
      {120000, SESSION_STOP, 0, reason},
      {120000, STATUS, reason == STOP_EV_DISCONNECTED ? STATUS_AVAILABLE : STATUS_FINISHING,
       STOP_NONE},
      {150000, STATUS, STATUS_AVAILABLE, STOP_NONE},
  };
  return walk(start, stop, steps, sizeof steps / sizeof steps[0]);
}

static void expect(outcome o, int64_t started, int64_t ended, int64_t deauthorized) {
  assert_int_equal(o.started_ms, started);
  assert_int_equal(o.ended_ms, ended);
  assert_int_equal(o.deauthorized_ms, deauthorized);
  assert_int_equal(o.starts, started < 0 ? 0 : 1);
  assert_int_equal(o.ends, ended < 0 ? 0 : 1);
}

static void lists_are_checked(void **state) {
  (void)state;
  unsigned m;
  char why[120];
  assert_int_equal(v201_txp_parse("EVConnected", &m, why, sizeof why), 0);
  assert_int_equal(m, V201_TXP_EV);
  assert_int_equal(v201_txp_parse("Authorized,EVConnected", &m, why, sizeof why), 0);
  assert_int_equal(m, V201_TXP_EV | V201_TXP_AUTH);
  assert_int_equal(
      v201_txp_parse("EnergyTransfer,PowerPathClosed,Authorized,EVConnected", &m, why, sizeof why),
      0);
  assert_int_equal(m, V201_TXP_SUPPORTED);
  static const char *const bad[] = {"",
                                    ",",
                                    "EVConnected,",
                                    "Parking",
                                    "evconnected",
                                    "ParkingBayOccupancy",
                                    "DataSigned,EVConnected"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    why[0] = 0;
    if (v201_txp_parse(bad[i], &m, why, sizeof why) != -1) fail_msg("'%s' taken", bad[i]);
    assert_true(why[0]);
  }
}

/* The default: PowerPathClosed / EVConnected,Authorized — the transaction is
 * borne's session, whatever stopped it. */
static void default_points_are_the_session(void **state) {
  (void)state;
  expect(charge("PowerPathClosed", "EVConnected,Authorized", STOP_LOCAL), 10000, 120000, -1);
  expect(charge("PowerPathClosed", "Authorized,EVConnected", STOP_EV_DISCONNECTED), 10000, 120000,
         -1);
  expect(charge("PowerPathClosed", "EVConnected,Authorized", STOP_REMOTE), 10000, 120000, -1);
}

/* Authorized (without EVConnected): at the session's start, the first
 * moment borne has both the car and the driver when the car came first. */
static void session_points_start_with_the_session(void **state) {
  (void)state;
  static const char *const starts[] = {"Authorized", "Authorized,PowerPathClosed",
                                       "EnergyTransfer,Authorized"};
  for (size_t i = 0; i < sizeof starts / sizeof starts[0]; i++) {
    outcome o = charge(starts[i], "EVConnected,Authorized", STOP_LOCAL);
    expect(o, 10000, 120000, -1);
    assert_int_equal(o.adopted_ms, -1);
  }
}

/* EVConnected in the list: at the plug (0 s), before the badge; the badge's
 * session (10 s) takes the transaction over (an Updated), which then ends
 * as any other. */
static void ev_connected_starts_at_the_plug(void **state) {
  (void)state;
  static const char *const starts[] = {"EVConnected", "Authorized,EVConnected",
                                       "EVConnected,PowerPathClosed", "EnergyTransfer,EVConnected"};
  for (size_t i = 0; i < sizeof starts / sizeof starts[0]; i++) {
    outcome o = charge(starts[i], "EVConnected,Authorized", STOP_LOCAL);
    expect(o, 0, 120000, -1);
    assert_int_equal(o.adopted_ms, 10000);
  }
  outcome o = charge("EVConnected", "EnergyTransfer", STOP_LOCAL); /* ends at the pause */
  expect(o, 0, 60000, -1);
  o = charge("EVConnected", "EVConnected", STOP_LOCAL); /* the car's stop, after the badge's */
  expect(o, 0, 150000, 120000);
}

/* A car plugged in and gone before any badge: its transaction ends when it
 * leaves (Available, or Reserved); the next plug is a new one. No session
 * ever started. */
static void early_transaction_ends_when_the_car_leaves(void **state) {
  (void)state;
  const step steps[] = {
      {0, PLUG, STATUS_PREPARING, STOP_NONE},       {30000, STATUS, STATUS_AVAILABLE, STOP_NONE},
      {40000, PLUG, STATUS_PREPARING, STOP_NONE},   {45000, STATUS, STATUS_FAULTED, STOP_NONE},
      {46000, STATUS, STATUS_PREPARING, STOP_NONE}, {50000, STATUS, STATUS_RESERVED, STOP_NONE},
  };
  outcome o = walk("EVConnected", "EVConnected,Authorized", steps, sizeof steps / sizeof steps[0]);
  assert_int_equal(o.starts, 2);
  assert_int_equal(o.ends, 2);
  assert_int_equal(o.started_ms, 40000); /* the last */
  assert_int_equal(o.ended_ms, 50000);   /* a fault in between does not end it */
  assert_int_equal(o.adopted_ms, -1);
  /* without EVConnected, a plug alone starts nothing */
  o = walk("Authorized,PowerPathClosed", "EVConnected", steps, sizeof steps / sizeof steps[0]);
  assert_int_equal(o.starts, 0);
  assert_int_equal(o.ends, 0);
  /* a plug while a transaction is open (its session's) starts no other */
  v201_txp t = {0};
  assert_int_equal(v201_txp_session_started(&t, V201_TXP_EV, V201_TXP_EV, 3), V201_TXP_START);
  assert_int_equal(v201_txp_plugged(&t, V201_TXP_EV, V201_TXP_EV, -5), V201_TXP_NOTHING);
  assert_int_equal(t.session, 3);
}

/* EnergyTransfer alone: at the first flow, not again when it flows again. */
static void energy_transfer_starts_at_the_first_flow(void **state) {
  (void)state;
  expect(charge("EnergyTransfer", "EVConnected,Authorized", STOP_LOCAL), 12000, 120000, -1);
  expect(charge("EnergyTransfer", "PowerPathClosed", STOP_EV_DISCONNECTED), 12000, 120000, -1);
  /* the car never draws: no transaction at all */
  const step steps[] = {
      {0, PLUG, STATUS_PREPARING, STOP_NONE},          {10000, SESSION_START, 0, STOP_NONE},
      {11000, STATUS, STATUS_SUSPENDED_EV, STOP_NONE}, {40000, SESSION_STOP, 0, STOP_LOCAL},
      {40000, STATUS, STATUS_FINISHING, STOP_NONE},    {50000, STATUS, STATUS_AVAILABLE, STOP_NONE},
  };
  expect(walk("EnergyTransfer", "EVConnected,Authorized", steps, sizeof steps / sizeof steps[0]),
         -1, -1, -1);
}

/* TxStopPoint EnergyTransfer: ends when the energy stops flowing (the
 * car's pause at 60 s), the session running on without a transaction. */
static void energy_transfer_stop_ends_at_the_pause(void **state) {
  (void)state;
  expect(charge("PowerPathClosed", "EnergyTransfer", STOP_LOCAL), 10000, 60000, -1);
  expect(charge("EnergyTransfer", "EnergyTransfer", STOP_LOCAL), 12000, 60000, -1);
  expect(charge("Authorized", "EVConnected,EnergyTransfer", STOP_LOCAL), 10000, 60000, -1);
  assert_string_equal(v201_txp_energy_stopped_reason(STATUS_SUSPENDED_EV), "StoppedByEV");
  assert_string_equal(v201_txp_energy_stopped_reason(STATUS_SUSPENDED_EVSE), "Other");
  /* stopped by the badge while the energy flows: ends with the session */
  const step steps[] = {
      {0, PLUG, STATUS_PREPARING, STOP_NONE},       {10000, SESSION_START, 0, STOP_NONE},
      {12000, STATUS, STATUS_CHARGING, STOP_NONE},  {30000, SESSION_STOP, 0, STOP_LOCAL},
      {30000, STATUS, STATUS_FINISHING, STOP_NONE}, {50000, STATUS, STATUS_AVAILABLE, STOP_NONE},
  };
  expect(walk("PowerPathClosed", "EnergyTransfer", steps, sizeof steps / sizeof steps[0]), 10000,
         30000, -1);
}

/* TxStopPoint EVConnected alone: a driver's or the CSMS's stop only
 * deauthorizes (an Updated event); the transaction ends when the car
 * leaves. A car that leaves ends it at once; a fault or a reset too. */
static void ev_connected_stop_waits_for_the_car(void **state) {
  (void)state;
  expect(charge("PowerPathClosed", "EVConnected", STOP_LOCAL), 10000, 150000, 120000);
  expect(charge("PowerPathClosed", "EVConnected", STOP_REMOTE), 10000, 150000, 120000);
  expect(charge("EVConnected", "EVConnected", STOP_DEAUTHORIZED), 0, 150000, 120000);
  expect(charge("PowerPathClosed", "EVConnected", STOP_EV_DISCONNECTED), 10000, 120000, -1);
  expect(charge("PowerPathClosed", "EVConnected", STOP_HARD_RESET), 10000, 120000, -1);
  expect(charge("PowerPathClosed", "EVConnected", STOP_EMERGENCY_STOP), 10000, 120000, -1);
}

/* Authorized or PowerPathClosed in the stop list: the session's end. */
static void authorized_or_power_stop_ends_with_the_session(void **state) {
  (void)state;
  static const char *const stops[] = {"Authorized", "PowerPathClosed",
                                      "EVConnected,PowerPathClosed", "Authorized,PowerPathClosed"};
  static const stop_reason why[] = {STOP_LOCAL, STOP_REMOTE, STOP_EV_DISCONNECTED};
  for (size_t i = 0; i < sizeof stops / sizeof stops[0]; i++)
    for (size_t j = 0; j < sizeof why / sizeof why[0]; j++)
      expect(charge("PowerPathClosed", stops[i], why[j]), 10000, 120000, -1);
}

/* Every supported combination: one Started at most, an Ended for each,
 * never an Ended before its Started. */
static void every_combination_is_one_transaction(void **state) {
  (void)state;
  static const char *const names[] = {"EVConnected", "Authorized", "PowerPathClosed",
                                      "EnergyTransfer"};
  static const stop_reason why[] = {STOP_LOCAL, STOP_REMOTE, STOP_EV_DISCONNECTED,
                                    STOP_DEAUTHORIZED, STOP_POWER_LOSS};
  for (unsigned s = 1; s < 16; s++)
    for (unsigned p = 1; p < 16; p++) {
      char start[100] = "", stop[100] = "";
      for (unsigned b = 0; b < 4; b++) {
        if (s & (1u << b))
          snprintf(start + strlen(start), sizeof start - strlen(start), "%s%s", start[0] ? "," : "",
                   names[b]);
        if (p & (1u << b))
          snprintf(stop + strlen(stop), sizeof stop - strlen(stop), "%s%s", stop[0] ? "," : "",
                   names[b]);
      }
      for (size_t j = 0; j < sizeof why / sizeof why[0]; j++) {
        outcome o = charge(start, stop, why[j]);
        if (o.starts != 1 || o.ends != 1 || o.ended_ms < o.started_ms)
          fail_msg("%s / %s / reason %d: %d starts at %lld, %d ends at %lld", start, stop,
                   (int)why[j], o.starts, (long long)o.started_ms, o.ends, (long long)o.ended_ms);
      }
    }
}

/* E03, the badge first with Authorized in TxStartPoint: the station's held
 * transaction starts at the badge (no EVSE), the car's session takes it
 * over (ADOPT, by_badge), and it ends with it; without Authorized in the
 * list a badge starts nothing. */
static void authorized_starts_at_a_badge_before_the_car(void **state) {
  (void)state;
  v201_txp held = {0}, evse = {.restored = true};
  assert_int_equal(v201_txp_authorized(&held, V201_TXP_EV | V201_TXP_POWER, 0, -64),
                   V201_TXP_NOTHING);
  assert_false(held.open);
  assert_int_equal(v201_txp_authorized(&held, V201_TXP_AUTH | V201_TXP_EV, 0, -64), V201_TXP_START);
  assert_true(held.open && held.early && held.by_badge);
  assert_int_equal(held.stop, V201_TXP_EV | V201_TXP_AUTH); /* the default stop points */
  assert_int_equal(v201_txp_authorized(&held, V201_TXP_AUTH, 0, -128), V201_TXP_NOTHING);
  assert_int_equal(held.session, -64); /* one at a time */
  /* the car: the EVSE takes it, its session adopts it */
  assert_true(v201_txp_take(&evse, &held));
  assert_false(held.open);
  assert_true(evse.restored); /* the EVSE's own flag kept */
  assert_false(v201_txp_take(&evse, &held));
  assert_int_equal(v201_txp_session_started(&evse, V201_TXP_AUTH, V201_TXP_EV, 9), V201_TXP_ADOPT);
  assert_int_equal(evse.session, 9);
  assert_true(evse.by_badge && evse.open && !evse.early);
  /* the stop list of the badge's time holds (the default
   * EVConnected,Authorized, not the EVConnected given at the session's
   * start): a badge stop ends it, not only deauthorizes */
  assert_int_equal(v201_txp_session_stopped(&evse, STOP_LOCAL), V201_TXP_END);
  /* an EVSE whose own transaction runs does not take the held one */
  v201_txp busy = {0};
  assert_int_equal(v201_txp_session_started(&busy, V201_TXP_POWER, 0, 4), V201_TXP_START);
  assert_int_equal(v201_txp_authorized(&held, V201_TXP_AUTH, 0, -192), V201_TXP_START);
  assert_false(v201_txp_take(&busy, &held));
  assert_true(held.open);
  v201_txp_ended(&held);
  assert_false(held.open);
}

/* TxStartedMeasurands at a badge before the car: the register of the one
 * EVSE a car can come to, else none (the car's EVSE tells it at the plug). */
static void badge_first_reads_the_only_free_evse(void **state) {
  (void)state;
  connector_status one[] = {STATUS_AVAILABLE};
  assert_int_equal(v201_txp_begin_evse(one, 1), 1);
  connector_status two_free[] = {STATUS_AVAILABLE, STATUS_AVAILABLE};
  assert_int_equal(v201_txp_begin_evse(two_free, 2), 0);
  connector_status second_free[] = {STATUS_CHARGING, STATUS_AVAILABLE, STATUS_FAULTED};
  assert_int_equal(v201_txp_begin_evse(second_free, 3), 2);
  connector_status none_free[] = {STATUS_CHARGING, STATUS_UNAVAILABLE};
  assert_int_equal(v201_txp_begin_evse(none_free, 2), 0);
  assert_int_equal(v201_txp_begin_evse(NULL, 0), 0);
}

/* A switch of version: the dialect's own transactions (begun at the plug or
 * at the badge, no session yet) end; a session's goes to the other dialect. */
static void a_switch_ends_only_the_dialects_own(void **state) {
  (void)state;
  v201_txp plug = {0}, held = {0}, session = {0}, none = {0};
  assert_int_equal(v201_txp_plugged(&plug, V201_TXP_EV, 0, -65), V201_TXP_START);
  assert_int_equal(v201_txp_left(&plug), V201_TXP_END);
  assert_int_equal(v201_txp_authorized(&held, V201_TXP_AUTH, 0, -128), V201_TXP_START);
  assert_int_equal(v201_txp_left(&held), V201_TXP_END);
  assert_int_equal(v201_txp_session_started(&session, V201_TXP_POWER, 0, 4), V201_TXP_START);
  assert_int_equal(v201_txp_left(&session), V201_TXP_NOTHING);
  assert_int_equal(v201_txp_left(&none), V201_TXP_NOTHING);
  /* adopted by its session: the session's now */
  assert_int_equal(v201_txp_session_started(&plug, V201_TXP_EV, 0, 5), V201_TXP_ADOPT);
  assert_int_equal(v201_txp_left(&plug), V201_TXP_NOTHING);
}

/* 2.1 E17: only a running transaction of a session borne's restart resumed
 * is reported resumed (TxResumed), and only in 2.1. */
static void a_restart_reports_a_running_transaction_resumed(void **state) {
  (void)state;
  v201_txp running = {0}, waiting = {0}, ended = {0};
  assert_int_equal(v201_txp_session_started(&running, V201_TXP_POWER, V201_TXP_POWER, 7),
                   V201_TXP_START);
  assert_true(v201_txp_report_resumed(&running, true, true));
  assert_false(v201_txp_report_resumed(&running, false, true)); /* a switch of dialect */
  assert_false(v201_txp_report_resumed(&running, true, false)); /* 2.0.1 */
  /* TxStartPoint EnergyTransfer, no flow yet: nothing to resume */
  assert_int_equal(v201_txp_session_started(&waiting, V201_TXP_ENERGY, V201_TXP_POWER, 8),
                   V201_TXP_NOTHING);
  assert_false(v201_txp_report_resumed(&waiting, true, true));
  /* TxStopPoint EnergyTransfer: ended with the energy, the session runs on */
  assert_int_equal(v201_txp_session_started(&ended, V201_TXP_POWER, V201_TXP_ENERGY, 9),
                   V201_TXP_START);
  ended.open = false;
  ended.done = true;
  assert_false(v201_txp_report_resumed(&ended, true, true));
  /* EVConnected alone, the session stopped: it waits for the car, deauthorized */
  v201_txp lingering = running;
  lingering.lingering = true;
  assert_false(v201_txp_report_resumed(&lingering, true, true));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(lists_are_checked),
      cmocka_unit_test(default_points_are_the_session),
      cmocka_unit_test(session_points_start_with_the_session),
      cmocka_unit_test(ev_connected_starts_at_the_plug),
      cmocka_unit_test(early_transaction_ends_when_the_car_leaves),
      cmocka_unit_test(authorized_starts_at_a_badge_before_the_car),
      cmocka_unit_test(badge_first_reads_the_only_free_evse),
      cmocka_unit_test(a_switch_ends_only_the_dialects_own),
      cmocka_unit_test(energy_transfer_starts_at_the_first_flow),
      cmocka_unit_test(energy_transfer_stop_ends_at_the_pause),
      cmocka_unit_test(ev_connected_stop_waits_for_the_car),
      cmocka_unit_test(authorized_or_power_stop_ends_with_the_session),
      cmocka_unit_test(every_combination_is_one_transaction),
      cmocka_unit_test(a_restart_reports_a_running_transaction_resumed),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
