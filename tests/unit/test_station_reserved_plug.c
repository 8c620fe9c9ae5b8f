/*
 * A car plugged into a reserved connector leaves it Reserved (OCPP 1.6 4.9,
 * 2.0.1 G01.FR.09): no status change tells the modules, the station's event
 * reserved_plug does ("in", then "out" when the car leaves), which the 2.0.1
 * dialect uses to start its transaction at the plug (TxStartPoint
 * EVConnected, H03 scenario #2). A whole station on the simulated hardware
 * and its clock (test_station_rig.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "keys/key_tables.h"
#include "main/modules.h"
#include "station/station.h"
#include "test_station_rig.h"
#include "test_tmpdir.h"
#include "util/log.h"

typedef struct {
  int in, out; /* reserved_plug events heard, by detail */
  int last_connector;
} heard;

static heard h;

static void on_event(void *ctx, int c, const char *kind, const char *detail) {
  (void)ctx;
  if (strcmp(kind, "reserved_plug") != 0) return;
  h.last_connector = c;
  if (strcmp(detail, "in") == 0) h.in++;
  if (strcmp(detail, "out") == 0) h.out++;
}

static bool ready(station *st) {
  return st->selftest_done && cs_status(&st->core.conn[0]) == STATUS_PREPARING &&
         cs_status(&st->core.conn[1]) == STATUS_AVAILABLE;
}
static bool two_reserved(station *st) { return cs_status(&st->core.conn[1]) == STATUS_RESERVED; }
static int want_in = 1;
static bool heard_in(station *st) {
  (void)st;
  return h.in == want_in;
}
static bool heard_out(station *st) {
  (void)st;
  return h.out == 1;
}
static bool two_preparing(station *st) { return cs_status(&st->core.conn[1]) == STATUS_PREPARING; }
static bool two_available(station *st) { return cs_status(&st->core.conn[1]) == STATUS_AVAILABLE; }

static const sim_ev_params ev = {
    .max_current_a = 16, .phases = 3, .battery_kwh = 50, .soc_pct = 20, .target_soc_pct = 90};

static void a_car_on_a_reserved_connector_is_told_by_an_event(void **state) {
  (void)state;
  log_set_level(LOG_ERROR);
  char dir[64], err[256];
  assert_int_equal(test_tmpdir_make(dir, sizeof dir, "borne-resvplug"), 0);
  station_rig r;
  double energy[2] = {1000, 2000};
  station_rig_prepare(&r, 2, energy); /* a car on connector 1 from the start */
  station_rig_open(&r, dir);
  station *st = r.st;
  h = (heard){0};
  assert_int_equal(station_add_module(st, &(station_module){.name = "ears", .event = on_event}), 0);
  assert_true(station_rig_run_until(&r, ready));
  assert_int_equal(h.in + h.out, 0); /* a car on a connector not reserved: its status says it */

  /* reserved, then a car: Reserved all along, the event says it */
  assert_int_equal(station_reserve(st, 2, "A1A1", NULL, err, sizeof err), 0);
  assert_true(station_rig_run_until(&r, two_reserved));
  assert_int_equal(hal_sim_plug(r.hw, 2, &ev, 220, err, sizeof err), 0);
  assert_true(station_rig_run_until(&r, heard_in));
  assert_int_equal(h.last_connector, 2);
  assert_int_equal(cs_status(&st->core.conn[1]), STATUS_RESERVED);
  assert_true(station_waiting_for_authorization(st, 2));
  assert_int_equal(hal_sim_unplug(r.hw, 2, err, sizeof err), 0);
  assert_true(station_rig_run_until(&r, heard_out));
  assert_int_equal(cs_status(&st->core.conn[1]), STATUS_RESERVED);
  assert_false(station_waiting_for_authorization(st, 2));

  /* the reservation ended while the car is there: its status (Preparing)
   * tells the rest, no event */
  want_in = 2;
  assert_int_equal(hal_sim_plug(r.hw, 2, &ev, 220, err, sizeof err), 0);
  assert_true(station_rig_run_until(&r, heard_in));
  station_cancel_reservation(st, 2);
  assert_true(station_rig_run_until(&r, two_preparing));
  assert_int_equal(hal_sim_unplug(r.hw, 2, err, sizeof err), 0);
  assert_true(station_rig_run_until(&r, two_available));
  assert_int_equal(h.out, 1); /* only the first car's */
  assert_int_equal(h.in, 2);

  station_rig_close(&r, NULL);
  assert_int_equal(test_tmpdir_remove(dir), 0);
}

int main(void) {
  if (borne_keys_register() != 0) return 1; /* every module's configuration keys */
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(a_car_on_a_reserved_connector_is_told_by_an_event),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
