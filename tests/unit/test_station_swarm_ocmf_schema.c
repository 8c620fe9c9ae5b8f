/*
 * Issue 18: a borne-swarm station makes OCMF's tables before the OCPP
 * module's attach (main/modules.c, borne_swarm_station_parts), where its
 * store takes the swarm's schema template at the first write: the template
 * then holds them and a later new station's schema is one copy. borned's
 * list keeps them in OCMF's late attach. Both stations here start in two
 * halves (defer_late) against a closed port: station_open returns before
 * the late modules are attached. The same for the OCPP 2.0.1 dialect's
 * tables: all of them made before its first statement on the station's rows,
 * so that the template holds them (a 2.0.1 swarm's ramp spent ~40 % of its
 * CPU making them again in every station's database).
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
#include <stdlib.h>
#include <string.h>

#include "keys/key_tables.h"
#include "main/modules.h"
#include "ocmf/ocmf_module.h"
#include "station/station.h"
#include "test_tmpdir.h"
#include "store/store.h"
#include "util/log.h"

typedef struct {
  uv_loop_t loop;
  config *cfg;
  station *st;
  char dir[64];
} fx;

static void set(config *cfg, const char *key, const char *value) {
  char err[256];
  if (config_set(cfg, key, value, err, sizeof err) != 0) fail_msg("%s=%s: %s", key, value, err);
}

static void open_fx(fx *f, bool swarm, const char *ocpp_version) {
  memset(f, 0, sizeof *f);
  log_set_level(LOG_ERROR);
  assert_int_equal(test_tmpdir_make(f->dir, sizeof f->dir, "borne-swarm-ocmf"), 0);
  f->cfg = config_new();
  set(f->cfg, "station.id", "OCMF1");
  set(f->cfg, "station.connectors", "2");
  set(f->cfg, "hal.backend", "sim");
  set(f->cfg, "auth.mode", "ocpp");
  set(f->cfg, "http.listen", "127.0.0.1:0");
  set(f->cfg, "ocpp.url", "ws://127.0.0.1:9/ocpp");
  set(f->cfg, "ocmf.enabled", "true");
  if (ocpp_version) set(f->cfg, "ocpp.version", ocpp_version);
  uv_loop_init(&f->loop);
  f->st = calloc(1, sizeof *f->st);
  station_options opt = {.data_dir = f->dir,
                         .cfg = f->cfg,
                         .parts = swarm ? &borne_swarm_station_parts : &borne_station_parts,
                         .swarm = swarm,
                         .defer_late = true};
  char err[256];
  if (station_open(f->st, &f->loop, &opt, err, sizeof err) != 0) fail_msg("%s", err);
}

static void close_fx(fx *f) {
  station_close(f->st);
  uv_run(&f->loop, UV_RUN_DEFAULT);
  station_free(f->st);
  free(f->st);
  assert_int_equal(uv_loop_close(&f->loop), 0);
  config_free(f->cfg);
  test_tmpdir_remove(f->dir);
}

static void swarm_station_has_ocmf_tables_before_late_attach(void **state) {
  (void)state;
  fx f;
  open_fx(&f, true, NULL);
  assert_null(station_ocmf(f.st)); /* the late half is not attached yet */
  /* every step of its schema (ocmf.c: the tables, then their origin column) */
  assert_int_equal(store_module_version(f.st->db, "ocmf"), 2);
  close_fx(&f);
}

static void borned_station_makes_them_in_its_late_attach(void **state) {
  (void)state;
  fx f;
  open_fx(&f, false, NULL);
  assert_null(station_ocmf(f.st));
  assert_int_equal(store_module_version(f.st->db, "ocmf"), 0);
  close_fx(&f);
}

/* The first new lean database of the process is the template: a 2.0.1 swarm
 * station's, here (this test runs first). A new lean database made after
 * it starts as its copy, with every table of the OCPP module and the 2.0.1
 * dialect already there (their schema versions). */
static void swarm_201_station_tables_are_in_the_template(void **state) {
  (void)state;
  fx f;
  open_fx(&f, true, "2.0.1");
  char dir[64], path[96], err[256];
  assert_int_equal(test_tmpdir_make(dir, sizeof dir, "borne-swarm-copy"), 0);
  snprintf(path, sizeof path, "%s/borne.db", dir);
  store *copy = NULL;
  if (store_open_lean(&copy, path, err, sizeof err) != 0) fail_msg("%s", err);
  static const struct {
    const char *module;
    int version;
  } made[] = {{"ocpp_network", 1},        {"ocpp201_tx_linger", 10}, {"ocpp201_tx_key", 1},
              {"ocpp201_monitoring", 2},  {"ocpp201_tx_limit", 1},   {"ocpp201_display", 1},
              {"ocpp201_problem_told", 1}};
  for (size_t i = 0; i < sizeof made / sizeof made[0]; i++) {
    assert_int_equal(store_module_version(f.st->db, made[i].module), made[i].version);
    if (store_module_version(copy, made[i].module) != made[i].version)
      fail_msg("%s: not in the template (version %d)", made[i].module,
               store_module_version(copy, made[i].module));
  }
  store_close(copy);
  test_tmpdir_remove(dir);
  close_fx(&f);
}

int main(void) {
  if (borne_keys_register() != 0) return 1; /* every module's configuration keys */
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(swarm_201_station_tables_are_in_the_template), /* first: the template's */
      cmocka_unit_test(swarm_station_has_ocmf_tables_before_late_attach),
      cmocka_unit_test(borned_station_makes_them_in_its_late_attach),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
