/*
 * Issue 15 / 18: memory a default station does not use is not allocated. A
 * standalone station's (or a follower's) directory copy holds no push table
 * (one per installation member, ~30 kB): only a leader's first cycle with a
 * site.secret allocates it. Measured with mallinfo2 (the heap in use) around
 * site_dirsync_new on a whole station; under ASan mallinfo2 reads 0 and the
 * checks hold trivially. The energy module of a station without
 * schedule.windows holds no schedule (3 kB).
 */
/* cmocka.h needs these first */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "energy/energy_module_internal.h"
#include "keys/key_tables.h"
#include "site/dirsync.h"
#include "station/station.h"
#include "test_station_rig.h"
#include "test_tmpdir.h"
#include "util/log.h"

static bool station_idle(station *st) { return st->selftest_done; }

static long heap_in_use(void) { return (long)mallinfo2().uordblks; }

/* well below the push table (SITE_MAX_MEMBERS x ~470 bytes): the struct, its
 * route and what SQLite reads of the site_directory table (13.8 kB measured) */
#define DIRSYNC_BUDGET 20480

static void no_push_table_unless_a_leader_pushes(void **state) {
  (void)state;
  log_set_level(LOG_ERROR);
  char dir[64], err[256];
  assert_int_equal(test_tmpdir_make(dir, sizeof dir, "borne-lean"), 0);
  station_rig r;
  double wh[1] = {0};
  station_rig_prepare(&r, 1, wh);
  station_rig_open(&r, dir);
  assert_true(station_rig_run_until(&r, station_idle));
  bool roles[][2] = {{false, false}, {false, true}, {true, false}};
  for (int i = 0; i < 3; i++) {
    long before = heap_in_use();
    site_dirsync *d = site_dirsync_new(r.st, roles[i][0], roles[i][1], err, sizeof err);
    if (!d) fail_msg("%s", err);
    long grew = heap_in_use() - before;
    if (grew >= DIRSYNC_BUDGET) fail_msg("role %d: site_dirsync_new took %ld bytes", i, grew);
    /* a cycle without site.secret (the default) pushes nothing, allocates nothing */
    site_dirsync_cycle(d, NULL, 0);
    grew = heap_in_use() - before;
    if (grew >= DIRSYNC_BUDGET) fail_msg("role %d: after a cycle %ld bytes", i, grew);
    site_dirsync_close(d);
    site_dirsync_free(d);
  }
  station_rig_close(&r, NULL);
  assert_int_equal(test_tmpdir_remove(dir), 0);
}

static void *module_ctx(station *st, const char *name) {
  for (int i = 0; i < st->module_count; i++)
    if (st->modules[i].name && !strcmp(st->modules[i].name, name)) return st->modules[i].ctx;
  return NULL;
}

static void no_schedule_without_windows(void **state) {
  (void)state;
  log_set_level(LOG_ERROR);
  char dir[64];
  assert_int_equal(test_tmpdir_make(dir, sizeof dir, "borne-lean"), 0);
  station_rig r;
  double energy_wh[1] = {0};
  station_rig_prepare(&r, 1, energy_wh);
  station_rig_open(&r, dir);
  assert_true(station_rig_run_until(&r, station_idle));
  energy *e = module_ctx(r.st, "energy");
  assert_non_null(e);
  assert_null(e->sched);
  assert_false(energy_sched(e)->any); /* always open */
  station_rig_close(&r, NULL);
  assert_int_equal(test_tmpdir_remove(dir), 0);

  /* with windows: the schedule is there */
  assert_int_equal(test_tmpdir_make(dir, sizeof dir, "borne-lean"), 0);
  char err[256];
  station_rig_prepare(&r, 1, energy_wh);
  if (config_set(r.cfg, "schedule.windows", "Mon-Sun 22:00-06:00", err, sizeof err) != 0)
    fail_msg("%s", err);
  station_rig_open(&r, dir);
  assert_true(station_rig_run_until(&r, station_idle));
  e = module_ctx(r.st, "energy");
  assert_non_null(e);
  assert_non_null(e->sched);
  assert_true(e->sched->any);
  station_rig_close(&r, NULL);
  assert_int_equal(test_tmpdir_remove(dir), 0);
}

int main(void) {
  if (borne_keys_register() != 0) return 1; /* every module's configuration keys */
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(no_push_table_unless_a_leader_pushes),
      cmocka_unit_test(no_schedule_without_windows),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
