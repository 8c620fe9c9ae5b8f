/*
 * An installation's members as the leader counts them (src/site/members.c)
 * on a virtual clock: site.members parsing, polls turned into the
 * allocator's consumers (phase rotation per member, the member's own limits
 * respected, a member seen again goes on from its offers), a member out of
 * reach counted at the higher of its last draw and its fail-safe current,
 * a stale member out of reach, and the one allocator over the members'
 * connectors keeping the site under its limit while members come and go.
 */
/* cmocka.h needs these first */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "energy/allocator.h"
#include "site/members.h"
#include "site/userwin.h"
#include "core/limits.h"

#define T0 ((borne_ms)1767571200000LL)

#define assert_amps(a, b)                                                                          \
  do {                                                                                             \
    double a_ = (a), b_ = (b);                                                                     \
    if (fabs(a_ - b_) > 1e-6) fail_msg("%s = %.3f, expected %.3f", #a, a_, b_);                    \
  } while (0)

static site_member M[SITE_MAX_MEMBERS + 1];

static void parses_members(void **state) {
  (void)state;
  char why[160];
  assert_int_equal(
      site_members_parse("10.0.0.2:1502, 10.0.0.3,borne-3.local:502", M, 64, why, sizeof why), 3);
  assert_string_equal(M[0].host, "10.0.0.2");
  assert_int_equal(M[0].port, 1502);
  assert_string_equal(M[0].address, "10.0.0.2:1502");
  assert_string_equal(M[1].host, "10.0.0.3");
  assert_int_equal(M[1].port, 502);
  assert_string_equal(M[2].host, "borne-3.local");
  assert_int_equal(site_members_parse("", M, 64, why, sizeof why), 0);
  assert_int_equal(site_members_parse(NULL, NULL, 64, why, sizeof why), 0);
  assert_int_equal(site_members_parse("10.0.0.2:0", NULL, 64, why, sizeof why), -1);
  assert_non_null(strstr(why, "1..65535"));
  assert_int_equal(site_members_parse("10.0.0.2:x", NULL, 64, why, sizeof why), -1);
  assert_int_equal(site_members_parse("a b:502", NULL, 64, why, sizeof why), -1);
  assert_int_equal(site_members_parse(":502", NULL, 64, why, sizeof why), -1);
  char list[2048] = "";
  for (int i = 0; i < 65; i++)
    snprintf(list + strlen(list), sizeof list - strlen(list), "%s10.0.%d.%d", i ? "," : "", i / 8,
             i % 8);
  assert_int_equal(site_members_parse(list, NULL, 64, why, sizeof why), -1);
  assert_non_null(strstr(why, "at most 64"));
  *strrchr(list, ',') = 0;
  assert_int_equal(site_members_parse(list, M, 64, why, sizeof why), 64);
}

/* A poll of a member with `n` connectors, each charging at `amps` on three
 * phases, limited by the leader's setpoint. */
static site_read poll(int n, double amps, double failsafe) {
  site_read r;
  memset(&r, 0, sizeof r);
  r.ok = true;
  r.write_allowed = true;
  r.connectors = n;
  r.failsafe_a = failsafe;
  snprintf(r.station_id, sizeof r.station_id, "m");
  for (int c = 0; c < n; c++) {
    site_conn_read *x = &r.conn[c];
    x->status = amps > 0 ? STATUS_CHARGING : STATUS_AVAILABLE;
    x->session = amps > 0;
    x->offered_a = amps;
    x->limited_by = LIMIT_SITE;
    for (int k = 0; k < 3; k++) x->current_a[k] = amps;
    x->phases = 3;
    x->rotation = 123;
    x->active_a = amps;
  }
  return r;
}

/* A connector of a poll with a car charging, offered `offered`, drawing `draw` on each phase. */
static void car_drawing(site_conn_read *x, double offered, double draw) {
  x->status = STATUS_CHARGING;
  x->session = true;
  x->offered_a = offered;
  for (int k = 0; k < 3; k++) x->current_a[k] = draw;
}

/* The one allocator over `slots` slots under `limit_a` per phase (1 A kept free), deciding at
 * once (no minimum on or off time, no hysteresis); rotation_ms 0: the default. */
static allocator *site_allocator(int slots, double limit_a, borne_ms rotation_ms) {
  alloc_config cfg;
  alloc_config_defaults(&cfg);
  for (int p = 0; p < 3; p++) cfg.limit_a[p] = limit_a;
  cfg.margin_a = 1;
  cfg.min_on_ms = cfg.min_off_ms = 0;
  cfg.hysteresis_ms = 0;
  if (rotation_ms > 0) cfg.rotation_ms = rotation_ms;
  allocator *a = allocator_new(slots, &cfg);
  assert_non_null(a);
  return a;
}

/* One round's input of the allocator over `n` members (SITE_MAX_CONN slots each, n <= NM). */
#define NM 4
typedef struct {
  alloc_conn_in in[NM * SITE_MAX_CONN];
  double seed[NM * SITE_MAX_CONN];
  alloc_grid_in g;
} site_round;
static void fill_round(site_round *r, site_member *m, int n, borne_ms now) {
  memset(r, 0, sizeof *r);
  for (int i = 0; i < n; i++)
    site_member_fill(&m[i], now, 6, r->in + i * SITE_MAX_CONN, r->seed + i * SITE_MAX_CONN,
                     r->g.reserved_a);
}

/* What the allocator gives slot `s`: its limit while it charges, else nothing. */
static double granted(allocator *a, int s) {
  const alloc_conn_out *o = allocator_conn(a, s);
  return o->state == ALLOC_CHARGE ? o->limit_a : 0;
}

static void a_member_in_reach_is_consumers(void **state) {
  (void)state;
  site_member m;
  memset(&m, 0, sizeof m);
  site_read r = poll(2, 10, 6);
  r.conn[1].rotation = 231; /* wired L2 L3 L1 */
  r.conn[1].limited_by = LIMIT_INSTALLATION;
  r.conn[1].offered_a = 16;
  assert_true(site_member_update(&m, &r, T0)); /* up: a change */
  alloc_conn_in in[SITE_MAX_CONN];
  double seed[SITE_MAX_CONN], res[3] = {0};
  memset(in, 0, sizeof in);
  memset(seed, 0, sizeof seed);
  site_member_fill(&m, T0, 6, in, seed, res);
  assert_true(in[0].wants);
  assert_int_equal(in[0].phases, 3);
  assert_amps(in[0].max_a, 80); /* the leader's own setpoint: no other limit known */
  assert_amps(in[1].max_a, 16); /* the member's installation limit decides */
  assert_int_equal(in[1].grid_phase[0], 1);
  assert_int_equal(in[1].grid_phase[1], 2);
  assert_int_equal(in[1].grid_phase[2], 0);
  assert_amps(seed[0], 10); /* first seen charging: go on from its offer */
  assert_amps(seed[1], 0);  /* held by its own limit: not the leader's to seed */
  assert_amps(res[0], 0);
  assert_false(in[2].wants);
  /* seeded once only */
  memset(seed, 0, sizeof seed);
  assert_false(site_member_update(&m, &r, T0 + 1000));
  site_member_fill(&m, T0 + 1000, 6, in, seed, res);
  assert_amps(seed[0], 0);
  /* a one-phase car on a three-phase connector is learnt while it charges */
  r.conn[0].current_a[1] = r.conn[0].current_a[2] = 0;
  site_member_update(&m, &r, T0 + 2000);
  site_member_fill(&m, T0 + 2000, 6, in, seed, res);
  assert_int_equal(in[0].phases, 1);
  site_member_result(&m, T0 + 2000, 0, 12.5);
  assert_true(m.has_setpoint[0]);
  assert_amps(m.setpoint_a[0], 12.5);
  site_member_result(&m, T0 + 2000, 5, 12.5); /* no such connector */
  assert_false(m.has_setpoint[5]);
}

static void out_of_reach_is_counted_at_draw_or_failsafe(void **state) {
  (void)state;
  site_member m;
  memset(&m, 0, sizeof m);
  alloc_conn_in in[SITE_MAX_CONN];
  double seed[SITE_MAX_CONN], res[3] = {0};
  /* never seen since the leader started: one connector at the default fail-safe */
  site_member_fill(&m, T0, 6, in, seed, res);
  for (int p = 0; p < 3; p++) assert_amps(res[p], 6);
  site_read r = poll(2, 10, 6);
  site_member_update(&m, &r, T0);
  site_member_result(&m, T0, 0, 10);
  site_read bad = {.ok = false};
  assert_true(site_member_update(&m, &bad, T0 + 1000)); /* down: a change */
  assert_false(m.has_setpoint[0]);                      /* nothing written while away */
  memset(in, 0, sizeof in);
  memset(res, 0, sizeof res);
  site_member_fill(&m, T0 + 1000, 6, in, seed, res);
  assert_false(in[0].wants);
  for (int p = 0; p < 3; p++) assert_amps(res[p], 20); /* two connectors drawing 10 A */
  /* drawing little: its fail-safe on both connectors counts */
  r = poll(2, 2, 6);
  site_member_update(&m, &r, T0 + 2000);
  site_member_update(&m, &bad, T0 + 3000);
  memset(res, 0, sizeof res);
  site_member_fill(&m, T0 + 3000, 6, in, seed, res);
  for (int p = 0; p < 3; p++) assert_amps(res[p], 12);
  /* a one-phase connector wired L3 counts its fail-safe on L3 only */
  r = poll(1, 0, 8);
  r.conn[0].phases = 1;
  r.conn[0].rotation = 312;
  site_member_update(&m, &r, T0 + 4000);
  site_member_update(&m, &bad, T0 + 5000);
  memset(res, 0, sizeof res);
  site_member_fill(&m, T0 + 5000, 6, in, seed, res);
  assert_amps(res[0], 0);
  assert_amps(res[1], 0);
  assert_amps(res[2], 8);
}

static void a_stale_member_is_out_of_reach(void **state) {
  (void)state;
  site_member m;
  memset(&m, 0, sizeof m);
  site_read r = poll(1, 16, 6);
  site_member_update(&m, &r, T0);
  assert_true(site_member_up(&m, T0 + SITE_STALE_MS));
  assert_false(site_member_up(&m, T0 + SITE_STALE_MS + 1));
  alloc_conn_in in[SITE_MAX_CONN];
  double seed[SITE_MAX_CONN], res[3] = {0};
  memset(in, 0, sizeof in);
  site_member_fill(&m, T0 + SITE_STALE_MS + 1, 6, in, seed, res);
  assert_false(in[0].wants);
  assert_amps(res[0], 16);
  /* its next answer brings it back, going on from its offer */
  assert_true(site_member_update(&m, &r, T0 + 5000));
  memset(seed, 0, sizeof seed);
  memset(res, 0, sizeof res);
  site_member_fill(&m, T0 + 5000, 6, in, seed, res);
  assert_true(in[0].wants);
  assert_amps(seed[0], 16);
  assert_amps(res[0], 0);
}

/* A member that answers but refuses the leader's writes (the leader not in
 * its modbus_server.allow) cannot be driven: down, counted with its fresh
 * readings, and it does not flap up and down at every poll. */
static void a_member_refusing_writes_is_down(void **state) {
  (void)state;
  site_member m;
  memset(&m, 0, sizeof m);
  site_read r = poll(1, 10, 6);
  r.write_allowed = false;
  assert_false(site_member_update(&m, &r, T0));
  assert_true(m.refused);
  assert_false(site_member_up(&m, T0));
  for (int t = 1; t < 5; t++) assert_false(site_member_update(&m, &r, T0 + t * 1000));
  alloc_conn_in in[SITE_MAX_CONN];
  double seed[SITE_MAX_CONN], res[3] = {0};
  memset(in, 0, sizeof in);
  site_member_fill(&m, T0 + 5000, 6, in, seed, res);
  assert_false(in[0].wants);
  for (int p = 0; p < 3; p++) assert_amps(res[p], 10);
  site_member_result(&m, T0 + 5000, 0, 16);
  assert_false(m.has_setpoint[0]);
  /* allowed at last: up, going on from its offer */
  r.write_allowed = true;
  assert_true(site_member_update(&m, &r, T0 + 6000));
  assert_false(m.refused);
  memset(seed, 0, sizeof seed);
  memset(res, 0, sizeof res);
  site_member_fill(&m, T0 + 6000, 6, in, seed, res);
  assert_true(in[0].wants);
  assert_amps(seed[0], 10);
}

/* The one allocator over 4 members x 2 connectors under a 32 A limit, one
 * round a second; the cars draw what they were offered. */
static void the_site_stays_under_its_limit_as_members_come_and_go(void **state) {
  (void)state;
  site_member m[NM];
  memset(m, 0, sizeof m);
  int slots = NM * SITE_MAX_CONN;
  allocator *a = site_allocator(slots, 32, 10000); /* 8 sessions, room for 5: they take turns */
  double offer[NM][2] = {{0}};
  bool reach[NM] = {true, true, true, true};
  int admitted_back = -1;
  for (int t = 0; t < 160; t++) {
    borne_ms now = T0 + (borne_ms)t * 1000;
    if (t == 40) reach[0] = false; /* member 1 lost */
    if (t == 80) reach[0] = true;  /* and back */
    for (int i = 0; i < NM; i++) {
      site_read r = poll(2, 0, 6);
      for (int c = 0; c < 2; c++)
        car_drawing(&r.conn[c], offer[i][c], offer[i][c] >= 6 ? offer[i][c] : 0);
      site_read bad = {.ok = false};
      site_member_update(&m[i], reach[i] ? &r : &bad, now);
    }
    site_round rd;
    fill_round(&rd, m, NM, now);
    for (int s = 0; s < slots; s++)
      if (rd.seed[s] > 0) allocator_seed(a, s, rd.seed[s], now);
    allocator_round(a, now, &rd.g, rd.in);
    double sum = rd.g.reserved_a[0];
    for (int i = 0; i < NM; i++)
      for (int c = 0; c < 2; c++) {
        double amps = granted(a, i * SITE_MAX_CONN + c);
        site_member_result(&m[i], now, c, amps);
        if (reach[i]) offer[i][c] = amps; /* out of reach, it keeps its last offer */
        if (reach[i]) sum += amps;
      }
    if (sum > 31 + 1e-6) fail_msg("t=%d: %.1f A with %.1f A reserved", t, sum, rd.g.reserved_a[0]);
    if (t >= 41 && t < 80) {
      /* member 1 counted at its last draw: 2 x its share */
      assert_true(rd.g.reserved_a[0] >= 12 - 1e-6);
    }
    if (t > 80 && admitted_back < 0 && (offer[0][0] >= 6 || offer[0][1] >= 6)) admitted_back = t;
  }
  assert_true(admitted_back > 80); /* re-admitted */
  allocator_free(a);
}

static void member_priorities_parse(void **state) {
  (void)state;
  char why[160];
  site_member m[3];
  assert_int_equal(site_members_parse("10.0.0.12, 10.0.0.13:1502,ev-3", m, 3, why, sizeof why), 3);
  assert_int_equal(
      site_member_priorities_parse("10.0.0.12:502=5, 10.0.0.13:1502=2", m, 3, why, sizeof why), 0);
  assert_int_equal(m[0].priority, 5);
  assert_int_equal(m[1].priority, 2);
  assert_int_equal(m[2].priority, 0); /* not named */
  /* parsed again: the earlier priorities do not linger */
  assert_int_equal(site_member_priorities_parse("ev-3=9", m, 3, why, sizeof why), 0);
  assert_int_equal(m[0].priority, 0);
  assert_int_equal(m[2].priority, 9);
  assert_int_equal(site_member_priorities_parse("", m, 3, why, sizeof why), 0);
  assert_int_equal(m[2].priority, 0);
  /* shapes */
  assert_int_equal(site_member_priorities_parse("10.0.0.12", NULL, 0, why, sizeof why), -1);
  assert_non_null(strstr(why, "HOST[:PORT]=PRIORITY"));
  assert_int_equal(site_member_priorities_parse("10.0.0.12=10", NULL, 0, why, sizeof why), -1);
  assert_non_null(strstr(why, "0..9"));
  assert_int_equal(site_member_priorities_parse("10.0.0.12=", NULL, 0, why, sizeof why), -1);
  assert_int_equal(site_member_priorities_parse("a b=1", NULL, 0, why, sizeof why), -1);
  assert_int_equal(site_member_priorities_parse("   =1 ", NULL, 0, why, sizeof why), -1);
  assert_non_null(strstr(why, "HOST[:PORT]=PRIORITY")); /* no host: found by the fuzzer */
  assert_int_equal(
      site_member_priorities_parse("10.0.0.12=1,10.0.0.12:502=2", NULL, 0, why, sizeof why), -1);
  assert_non_null(strstr(why, "twice"));
  /* with the members: one that is not there */
  assert_int_equal(site_member_priorities_parse("10.0.0.12:503=1", m, 3, why, sizeof why), -1);
  assert_non_null(strstr(why, "not in site.members"));
}

static void connector_priorities_parse(void **state) {
  (void)state;
  char why[200];
  site_member m[2];
  assert_int_equal(site_members_parse("10.0.0.12, ev-2:1502", m, 2, why, sizeof why), 2);
  assert_int_equal(site_member_priorities_parse("10.0.0.12=3, 10.0.0.12:502/2=7, ev-2:1502/8=1", m,
                                                2, why, sizeof why),
                   0);
  assert_int_equal(m[0].priority, 3);
  assert_int_equal(site_member_priority(&m[0], 0), 3); /* the member's */
  assert_int_equal(site_member_priority(&m[0], 1), 7); /* its own */
  assert_int_equal(site_member_priority(&m[1], 0), 0);
  assert_int_equal(site_member_priority(&m[1], 7), 1);
  /* a connector's own without one for the member; order does not matter */
  assert_int_equal(site_member_priorities_parse("10.0.0.12/1=9", m, 2, why, sizeof why), 0);
  assert_int_equal(site_member_priority(&m[0], 0), 9);
  assert_int_equal(site_member_priority(&m[0], 1), 0); /* parsed again: 7 is gone */
  assert_int_equal(site_member_priority(&m[1], 7), 0);
  /* a connector's own even below the member's */
  assert_int_equal(site_member_priorities_parse("ev-2:1502/2=0,ev-2:1502=6", m, 2, why, sizeof why),
                   0);
  assert_int_equal(site_member_priority(&m[1], 0), 6);
  assert_int_equal(site_member_priority(&m[1], 1), 0);
  /* shapes */
  assert_int_equal(site_member_priorities_parse("10.0.0.12/0=1", NULL, 0, why, sizeof why), -1);
  assert_non_null(strstr(why, "connector must be 1..8"));
  assert_int_equal(site_member_priorities_parse("10.0.0.12/9=1", NULL, 0, why, sizeof why), -1);
  assert_int_equal(site_member_priorities_parse("10.0.0.12/=1", NULL, 0, why, sizeof why), -1);
  assert_int_equal(site_member_priorities_parse("10.0.0.12/x=1", NULL, 0, why, sizeof why), -1);
  assert_int_equal(site_member_priorities_parse("/2=1", NULL, 0, why, sizeof why), -1);
  assert_int_equal(
      site_member_priorities_parse("10.0.0.12/2=1,10.0.0.12:502/2=2", NULL, 0, why, sizeof why),
      -1);
  assert_non_null(strstr(why, "twice"));
  /* a member and one of its connectors are not the same entry */
  assert_int_equal(
      site_member_priorities_parse("10.0.0.12=1,10.0.0.12/2=2", NULL, 0, why, sizeof why), 0);
  assert_int_equal(site_member_priorities_parse("10.0.0.13/1=1", m, 2, why, sizeof why), -1);
  assert_non_null(strstr(why, "not in site.members"));
}

/* One member with two connectors under 16 A (15 usable), a car on each
 * wanting 12 A: connector 2 has its own priority 5 over the member's 0 and
 * gets more than the fair half; site_member_fill gives each its own. */
static void a_connector_of_higher_priority_is_served_first(void **state) {
  (void)state;
  char why[160];
  site_member m;
  assert_int_equal(site_members_parse("a", &m, 1, why, sizeof why), 1);
  assert_int_equal(site_member_priorities_parse("a/2=5", &m, 1, why, sizeof why), 0);
  allocator *a = site_allocator(SITE_MAX_CONN, 16, 0);
  double got[2] = {0};
  for (int t = 0; t < 5; t++) {
    borne_ms now = T0 + (borne_ms)t * 1000;
    site_read r = poll(2, 0, 6);
    for (int c = 0; c < 2; c++) car_drawing(&r.conn[c], got[c], got[c] > 12 ? 12 : got[c]);
    site_member_update(&m, &r, now);
    site_round rd;
    fill_round(&rd, &m, 1, now);
    assert_int_equal(rd.in[0].priority, 0);
    assert_int_equal(rd.in[1].priority, 5);
    allocator_round(a, now, &rd.g, rd.in);
    for (int c = 0; c < 2; c++) got[c] = granted(a, c);
    assert_true(got[0] + got[1] <= 15 + 1e-6);
  }
  assert_true(got[1] > got[0]);
  assert_true(got[1] > 7.5);
  allocator_free(a);
}

/* Two members of one connector each under 16 A (15 usable): the member of
 * priority 5 gets its car's full 12 A before the other shares the rest. */
static void a_member_of_higher_priority_is_served_first(void **state) {
  (void)state;
  char why[160];
  site_member m[2];
  assert_int_equal(site_members_parse("a,b", m, 2, why, sizeof why), 2);
  assert_int_equal(site_member_priorities_parse("b=5", m, 2, why, sizeof why), 0);
  allocator *a = site_allocator(2 * SITE_MAX_CONN, 16, 0);
  double got[2] = {0};
  for (int t = 0; t < 5; t++) {
    borne_ms now = T0 + (borne_ms)t * 1000;
    for (int i = 0; i < 2; i++) {
      site_read r = poll(1, 0, 6);
      car_drawing(&r.conn[0], got[i], got[i] > 12 ? 12 : got[i]);
      site_member_update(&m[i], &r, now);
    }
    site_round rd;
    fill_round(&rd, m, 2, now);
    assert_int_equal(rd.in[0].priority, 0);
    assert_int_equal(rd.in[SITE_MAX_CONN].priority, 5);
    allocator_round(a, now, &rd.g, rd.in);
    for (int i = 0; i < 2; i++) got[i] = granted(a, i * SITE_MAX_CONN);
    assert_true(got[0] + got[1] <= 15 + 1e-6);
  }
  /* the priority member is never below the other, and above the fair half */
  assert_true(got[1] > got[0]);
  assert_true(got[1] > 7.5);
  allocator_free(a);
}

/* A member's session under its user's windows, on a virtual clock: looked
 * up for each new session or badge and every SITE_USERWIN_RECHECK_MS; the
 * user's windows replace the station's; none: the station's; and the one
 * allocator gives the slot nothing while they are closed. */
static void a_members_session_follows_its_users_windows(void **state) {
  (void)state;
  tz_rule tz;
  tz_rule_utc(&tz);
  /* 2026-12-07 is a Monday; 21:00 UTC */
  const borne_ms day = 1796601600000LL, h21 = day + 21 * 3600000LL;
  site_userwin w;
  memset(&w, 0, sizeof w);
  assert_false(site_userwin_stale(&w, 0, "", h21)); /* no session, nothing to look up */
  assert_true(site_userwin_stale(&w, 7, "AA11", h21));
  assert_int_equal(site_userwin_set(&w, 7, "AA11", "Mon-Sun 22:00-06:00", h21), 0);
  assert_true(site_userwin_has(&w));
  assert_false(site_userwin_stale(&w, 7, "AA11", h21 + SITE_USERWIN_RECHECK_MS - 1));
  assert_true(site_userwin_stale(&w, 7, "AA11", h21 + SITE_USERWIN_RECHECK_MS));
  assert_true(site_userwin_stale(&w, 8, "AA11", h21 + 1)); /* another session */
  assert_true(site_userwin_stale(&w, 7, "BB22", h21 + 1)); /* another badge */
  /* the user's windows, whatever the station's */
  assert_false(site_userwin_open(&w, true, &tz, h21));
  assert_false(site_userwin_open(&w, true, &tz, day + 22 * 3600000LL - 60000));
  assert_true(site_userwin_open(&w, false, &tz, day + 22 * 3600000LL));
  assert_true(site_userwin_open(&w, false, &tz, day + 29 * 3600000LL)); /* 05:00 the next day */
  /* a user without windows (or a text that does not parse): the station's */
  assert_int_equal(site_userwin_set(&w, 7, "AA11", "", h21), 0);
  assert_false(site_userwin_has(&w));
  assert_true(site_userwin_open(&w, true, &tz, h21));
  assert_false(site_userwin_open(&w, false, &tz, h21));
  assert_int_equal(site_userwin_set(&w, 7, "AA11", "not a window", h21), -1);
  assert_false(site_userwin_has(&w));
  assert_true(site_userwin_open(&w, true, &tz, h21));

  /* the allocator over one member's slot: nothing before 22:00, a share after */
  char why[160];
  site_member m;
  assert_int_equal(site_members_parse("a", &m, 1, why, sizeof why), 1);
  allocator *a = site_allocator(SITE_MAX_CONN, 32, 0);
  assert_int_equal(site_userwin_set(&w, 7, "AA11", "Mon-Sun 22:00-06:00", h21), 0);
  double got = 0;
  for (int t = 0; t <= 120; t++) {
    borne_ms now = day + 22 * 3600000LL - 60000 + (borne_ms)t * 1000; /* 21:59:00 .. 22:01:00 */
    site_read r = poll(1, 0, 6);
    car_drawing(&r.conn[0], got, got > 16 ? 16 : got);
    if (got <= 0) r.conn[0].status = STATUS_SUSPENDED_EVSE;
    r.conn[0].session_id = 7;
    snprintf(r.conn[0].id_tag, sizeof r.conn[0].id_tag, "AA11");
    site_member_update(&m, &r, now);
    site_round rd;
    fill_round(&rd, &m, 1, now);
    if (!site_userwin_open(&w, true, &tz, now)) rd.in[0].max_a = 0; /* as the energy module does */
    allocator_round(a, now, &rd.g, rd.in);
    got = granted(a, 0);
    if (now < day + 22 * 3600000LL) assert_true(got == 0);
  }
  assert_true(got >= 6); /* charging once the user's window opened */
  allocator_free(a);
  site_userwin_clear(&w);
  assert_false(site_userwin_has(&w));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(parses_members),
      cmocka_unit_test(a_member_in_reach_is_consumers),
      cmocka_unit_test(out_of_reach_is_counted_at_draw_or_failsafe),
      cmocka_unit_test(a_stale_member_is_out_of_reach),
      cmocka_unit_test(a_member_refusing_writes_is_down),
      cmocka_unit_test(the_site_stays_under_its_limit_as_members_come_and_go),
      cmocka_unit_test(member_priorities_parse),
      cmocka_unit_test(a_member_of_higher_priority_is_served_first),
      cmocka_unit_test(connector_priorities_parse),
      cmocka_unit_test(a_connector_of_higher_priority_is_served_first),
      cmocka_unit_test(a_members_session_follows_its_users_windows),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
