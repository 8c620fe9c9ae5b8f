/*
 * Fuzz target for the configuration file parser and the value validators:
 * any bytes are loaded as a config file, then every set key is re-validated,
 * cross-checked and read back. It must never crash, leak or read out of
 * bounds, and a successful load must leave only values that validate again.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "keys/key_tables.h"
#include "config/config.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every module's keys, once, before the first input. */
int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  if (borne_keys_register() != 0) abort();
  return 0;
}

static int revalidate(void *ctx, const char *key, const char *value) {
  (void)ctx;
  char err[256];
  /* canonical values must be accepted again unchanged */
  if (config_validate(key, value, err, sizeof err) != 0) abort();
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *text = malloc(size + 1);
  if (!text) return 0;
  memcpy(text, data, size);
  text[size] = '\0';
  config *c = config_new();
  char err[512];
  if (config_load_string(c, text, "fuzz.conf", err, sizeof err) == 0) {
    config_each_set(c, revalidate, NULL);
    config_check(c, err, sizeof err);
    for (int n = 1; n <= 8; n++) (void)config_selector_amps(c, n);
  } else if (err[0] == '\0') {
    abort(); /* every refusal says why */
  }
  /* the raw bytes as a single value of every type */
  const char *nl = memchr(text, '\n', size);
  if (!nl) {
    static const char *const keys[] = {"station.id",
                                       "station.connectors",
                                       "sim.speed",
                                       "connector.1.tethered",
                                       "auth.mode",
                                       "http.listen",
                                       "connector.2.gpio.lock",
                                       "connector.3.pwm",
                                       "connector.4.adc.cp",
                                       "sim.selftest_fail"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
      if (config_set(c, keys[i], text, err, sizeof err) == 0 &&
          config_validate(keys[i], config_get(c, keys[i]) ? config_get(c, keys[i]) : "", err,
                          sizeof err) != 0)
        abort();
    }
  }
  config_free(c);
  free(text);
  return 0;
}
