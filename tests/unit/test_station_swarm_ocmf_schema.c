/*
 * Issue 18: a borne-swarm station makes OCMF's tables before the OCPP
 * module's attach (main/modules.c, borne_swarm_station_parts), where its
 * store takes the swarm's schema template at the first write: the template
 * then holds them and a later new station's schema is one copy. borned's
 * list keeps them in OCMF's late attach. Both stations here start in two
 * halves (defer_late) against a closed port: station_open returns before
 * the late modules are attached.
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

static void open_fx(fx *f, bool swarm) {
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
  open_fx(&f, true);
  assert_null(station_ocmf(f.st)); /* the late half is not attached yet */
  /* every step of its schema (ocmf.c: the tables, then their origin column) */
  assert_int_equal(store_module_version(f.st->db, "ocmf"), 2);
  close_fx(&f);
}

static void borned_station_makes_them_in_its_late_attach(void **state) {
  (void)state;
  fx f;
  open_fx(&f, false);
  assert_null(station_ocmf(f.st));
  assert_int_equal(store_module_version(f.st->db, "ocmf"), 0);
  close_fx(&f);
}

int main(void) {
  if (borne_keys_register() != 0) return 1; /* every module's configuration keys */
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(swarm_station_has_ocmf_tables_before_late_attach),
      cmocka_unit_test(borned_station_makes_them_in_its_late_attach),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
