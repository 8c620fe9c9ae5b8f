/*
 * The shared-defaults layer of the configuration (config_new_over, issue 18:
 * borne-swarm's stations read one base and keep only the keys they change):
 * a station's override wins over the shared default and stays its own, a
 * reset returns to the shared default (or the registry's), a cleared key
 * hides the shared value, the walk of set keys shows each key once with the
 * value the station reads, the generations tell a module its copy is stale,
 * and an override persisted in a station's own store comes back over the
 * same base after a restart, not in another station's.
 */
/* cmocka.h needs these first */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
// clang-format on

#include "keys/key_tables.h"
#include "config/config.h"
#include "store/store.h"

static config *base_config(void) {
  config *b = config_new();
  assert_non_null(b);
  char err[256];
  assert_int_equal(config_set(b, "station.connectors", "2", err, sizeof err), 0);
  assert_int_equal(config_set(b, "ocpp.HeartbeatInterval", "60", err, sizeof err), 0);
  assert_int_equal(config_set(b, "sim.start", "2026-03-28T20:00:00Z", err, sizeof err), 0);
  return b;
}

static void set(config *c, const char *key, const char *value) {
  char err[256] = "";
  if (config_set(c, key, value, err, sizeof err) != 0) fail_msg("%s: %s", key, err);
}

static void override_wins_and_stays_its_own(void **state) {
  (void)state;
  config *base = base_config();
  config *a = config_new_over(base), *b = config_new_over(base);
  assert_non_null(a);
  assert_non_null(b);
  set(a, "station.id", "A1");
  set(b, "station.id", "B1");
  /* the shared defaults read through, the registry's behind them */
  assert_string_equal(config_get(a, "ocpp.HeartbeatInterval"), "60");
  assert_int_equal(config_get_int(b, "station.connectors"), 2);
  assert_string_equal(config_get(a, "ocpp.MeterValueSampleInterval"), "60"); /* registry */
  set(a, "ocpp.HeartbeatInterval", "30");
  assert_int_equal(config_get_int(a, "ocpp.HeartbeatInterval"), 30);
  assert_int_equal(config_get_int(b, "ocpp.HeartbeatInterval"), 60);
  assert_int_equal(config_get_int(base, "ocpp.HeartbeatInterval"), 60);
  assert_string_equal(config_get(a, "station.id"), "A1");
  assert_string_equal(config_get(b, "station.id"), "B1");
  /* the cross-key checks see the shared keys (connector 3 of 2) */
  char err[256] = "";
  assert_int_equal(config_check(a, err, sizeof err), 0);
  set(a, "connector.3.phases", "1");
  assert_int_not_equal(config_check(a, err, sizeof err), 0);
  assert_non_null(strstr(err, "station.connectors = 2"));
  assert_int_equal(config_reset(a, "connector.3.phases", err, sizeof err), 0);
  assert_int_equal(config_check(a, err, sizeof err), 0);
  config_free(a);
  config_free(b);
  config_free(base);
}

static void reset_returns_to_the_default(void **state) {
  (void)state;
  config *base = base_config();
  config *a = config_new_over(base);
  set(a, "ocpp.HeartbeatInterval", "30");
  set(a, "ocpp.MeterValueSampleInterval", "15");
  unsigned long loaded = config_generation(a);
  char err[256] = "";
  assert_int_equal(config_reset(a, "ocpp.HeartbeatInterval", err, sizeof err), 0);
  assert_string_equal(config_get(a, "ocpp.HeartbeatInterval"), "60");   /* shared default */
  assert_true(config_changed_at(a, "ocpp.HeartbeatInterval") > loaded); /* a module's copy: stale */
  assert_int_equal(config_reset(a, "ocpp.MeterValueSampleInterval", err, sizeof err), 0);
  assert_string_equal(config_get(a, "ocpp.MeterValueSampleInterval"), "60"); /* registry */
  /* a reset of a key the station never changed changes nothing */
  unsigned long g = config_generation(a);
  assert_int_equal(config_reset(a, "station.connectors", err, sizeof err), 0);
  assert_int_equal(config_generation(a), g);
  assert_int_not_equal(config_reset(a, "no.such.key", err, sizeof err), 0);
  assert_non_null(strstr(err, "no.such.key"));
  /* set again after the reset: the override wins again */
  set(a, "ocpp.HeartbeatInterval", "45");
  assert_string_equal(config_get(a, "ocpp.HeartbeatInterval"), "45");
  config_free(a);
  config_free(base);
}

static void clearing_hides_the_shared_value(void **state) {
  (void)state;
  config *base = base_config();
  config *a = config_new_over(base), *b = config_new_over(base);
  set(a, "sim.start", ""); /* an optional key: cleared, not the shared value */
  assert_null(config_get(a, "sim.start"));
  assert_string_equal(config_get(b, "sim.start"), "2026-03-28T20:00:00Z");
  char err[256] = "";
  assert_int_equal(config_reset(a, "sim.start", err, sizeof err), 0);
  assert_string_equal(config_get(a, "sim.start"), "2026-03-28T20:00:00Z");
  config_free(a);
  config_free(b);
  config_free(base);
}

typedef struct {
  char keys[16][64], values[16][64];
  int n;
} walk;

static int collect(void *ctx, const char *key, const char *value) {
  walk *w = ctx;
  assert_true(w->n < 16);
  snprintf(w->keys[w->n], sizeof w->keys[0], "%s", key);
  snprintf(w->values[w->n], sizeof w->values[0], "%s", value);
  w->n++;
  return 0;
}

static const char *walked(const walk *w, const char *key) {
  const char *found = NULL;
  for (int i = 0; i < w->n; i++)
    if (strcmp(w->keys[i], key) == 0) {
      if (found) fail_msg("%s walked twice", key);
      found = w->values[i];
    }
  return found;
}

static void each_set_shows_each_key_once(void **state) {
  (void)state;
  config *base = base_config();
  config *a = config_new_over(base);
  set(a, "station.id", "A1");
  set(a, "ocpp.HeartbeatInterval", "30");
  set(a, "sim.start", "");
  walk w = {0};
  assert_int_equal(config_each_set(a, collect, &w), 0);
  assert_int_equal(w.n, 3); /* connectors and heartbeat (shared), the id (own); sim.start hidden */
  assert_string_equal(walked(&w, "ocpp.HeartbeatInterval"), "30");
  assert_string_equal(walked(&w, "station.connectors"), "2");
  assert_string_equal(walked(&w, "station.id"), "A1");
  assert_null(walked(&w, "sim.start"));
  config_free(a);
  config_free(base);
}

static void generations_go_on_from_the_base(void **state) {
  (void)state;
  config *base = base_config();
  config *a = config_new_over(base);
  unsigned long start = config_generation(a);
  assert_true(start >= config_changed_at(base, "ocpp.HeartbeatInterval"));
  assert_true(config_changed_at(a, "ocpp.HeartbeatInterval") <= start); /* the shared value */
  set(a, "ocpp.HeartbeatInterval", "30");
  assert_true(config_changed_at(a, "ocpp.HeartbeatInterval") > start);
  assert_int_equal(config_changed_at(a, "ocpp.url"), 0); /* never set anywhere */
  config_free(a);
  config_free(base);
}

/* A station's override saved in its own store (as the API and OCPP's
 * ChangeConfiguration save one) comes back over the same shared defaults
 * after a restart; another station's store holds none; a reset deletes it. */
static int apply(void *ctx, const char *key, const char *value) {
  char err[256];
  return config_set(ctx, key, value, err, sizeof err);
}

static store *open_db(const char *dir, const char *name) {
  char path[512], err[256];
  snprintf(path, sizeof path, "%s/%s.db", dir, name);
  store *s = NULL;
  if (store_open_lean(&s, path, err, sizeof err) != 0) fail_msg("%s: %s", path, err);
  return s;
}

static void override_persisted_per_station(void **state) {
  (void)state;
  char dir[] = "/tmp/borne-shared-config-XXXXXX";
  assert_non_null(mkdtemp(dir));
  config *base = base_config();
  store *da = open_db(dir, "a"), *db = open_db(dir, "b");
  config *a = config_new_over(base);
  set(a, "ocpp.HeartbeatInterval", "30");
  assert_int_equal(store_setting_put(da, "ocpp.HeartbeatInterval", "30"), 0);
  config_free(a);
  store_close(da);
  store_close(db);

  /* the restart: new configurations over the same base, each station's saved settings applied */
  da = open_db(dir, "a");
  db = open_db(dir, "b");
  a = config_new_over(base);
  config *b = config_new_over(base);
  assert_int_equal(store_settings_each(da, apply, a), 0);
  assert_int_equal(store_settings_each(db, apply, b), 0);
  assert_int_equal(config_get_int(a, "ocpp.HeartbeatInterval"), 30);
  assert_int_equal(config_get_int(b, "ocpp.HeartbeatInterval"), 60);

  /* the reset, saved: the next restart reads the shared default */
  char err[256];
  assert_int_equal(config_reset(a, "ocpp.HeartbeatInterval", err, sizeof err), 0);
  assert_int_equal(store_setting_delete(da, "ocpp.HeartbeatInterval"), 0);
  config_free(a);
  store_close(da);
  da = open_db(dir, "a");
  a = config_new_over(base);
  assert_int_equal(store_settings_each(da, apply, a), 0);
  assert_int_equal(config_get_int(a, "ocpp.HeartbeatInterval"), 60);

  config_free(a);
  config_free(b);
  store_close(da);
  store_close(db);
  config_free(base);
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  assert_int_equal(system(cmd), 0);
}

int main(void) {
  if (borne_keys_register() != 0) return 1;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(override_wins_and_stays_its_own),
      cmocka_unit_test(reset_returns_to_the_default),
      cmocka_unit_test(clearing_hides_the_shared_value),
      cmocka_unit_test(each_set_shows_each_key_once),
      cmocka_unit_test(generations_go_on_from_the_base),
      cmocka_unit_test(override_persisted_per_station),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
