/*
 * hal.backend -> a HAL. The simulator's meters restart from the last durable
 * register so that energy never goes backwards across restarts; the Linux
 * back end gets its pin map from connector.N.gpio.* / pwm / adc.* keys.
 */
#include "station/hw_factory.h"

#include <stdio.h>
#include <string.h>

#include "station/station.h"
#include "hal/hal_linux.h"
#include "hal/hal_sim.h"

static void pin(const station *st, int c, const char *key, char *out, size_t len) {
  char k[96];
  snprintf(k, sizeof k, "connector.%d.%s", c, key);
  const char *v = config_get(st->cfg, k);
  snprintf(out, len, "%s", v ? v : "");
}

static hal *create_linux(station *st, char *err, size_t errlen) {
  hal_linux_config lc;
  hal_linux_config_defaults(&lc);
  lc.connectors = st->core.count;
  snprintf(lc.sysfs_root, sizeof lc.sysfs_root, "%s", config_get(st->cfg, "hal.sysfs_root"));
  snprintf(lc.dev_root, sizeof lc.dev_root, "%s", config_get(st->cfg, "hal.gpio_dev_root"));
  lc.cp_sample_ms = (unsigned)config_get_int(st->cfg, "hal.cp_sample_ms");
  lc.cp_burst = (unsigned)config_get_int(st->cfg, "hal.cp_burst");
  lc.cp_gain = config_get_number(st->cfg, "hal.cp_gain");
  lc.cp_offset_mv = config_get_number(st->cfg, "hal.cp_offset_mv");
  lc.pp_pullup_ohms = config_get_number(st->cfg, "hal.pp_pullup_ohms");
  lc.pp_vref_mv = config_get_number(st->cfg, "hal.pp_vref_mv");
  lc.temp_mv_at_0c = config_get_number(st->cfg, "hal.temp_mv_at_0c");
  lc.temp_mv_per_c = config_get_number(st->cfg, "hal.temp_mv_per_c");
  const char *reader = config_get(st->cfg, "reader.type");
  if (reader && strcmp(reader, "none") != 0) {
    snprintf(lc.reader_type, sizeof lc.reader_type, "%s", reader);
    snprintf(lc.reader_port, sizeof lc.reader_port, "%s", config_get(st->cfg, "reader.port"));
  }
  for (int c = 1; c <= lc.connectors; c++) {
    hal_linux_connector_pins *p = &lc.pins[c - 1];
    pin(st, c, "gpio.contactor", p->contactor, sizeof p->contactor);
    pin(st, c, "gpio.contactor_feedback", p->contactor_feedback, sizeof p->contactor_feedback);
    pin(st, c, "gpio.lock", p->lock, sizeof p->lock);
    pin(st, c, "gpio.lock_feedback", p->lock_feedback, sizeof p->lock_feedback);
    pin(st, c, "gpio.rcd_trip", p->rcd_trip, sizeof p->rcd_trip);
    pin(st, c, "gpio.rcd_test", p->rcd_test, sizeof p->rcd_test);
    pin(st, c, "gpio.phase_contactor", p->phase_contactor, sizeof p->phase_contactor);
    pin(st, c, "pwm", p->pwm, sizeof p->pwm);
    pin(st, c, "adc.cp", p->adc_cp, sizeof p->adc_cp);
    pin(st, c, "adc.pp", p->adc_pp, sizeof p->adc_pp);
    pin(st, c, "adc.temp", p->adc_temp, sizeof p->adc_temp);
    pin(st, c, "led", p->led, sizeof p->led);
    p->tethered = st->core.conn[c - 1].cfg.tethered;
  }
  return hal_linux_create(&lc, err, errlen);
}

static hal *create_sim(station *st, char *err, size_t errlen) {
  double energy[BORNE_MAX_CONNECTORS] = {0};
  for (int c = 1; c <= st->core.count; c++) {
    meter_reading last;
    if (store_meter_last(st->db, c, &last) == 0) energy[c - 1] = last.energy_import_wh;
  }
  hal *h = hal_sim_create(st->core.count, &st->clock, config_get_number(st->cfg, "site.voltage_v"),
                          energy, st->core.conn[0].cfg.tethered);
  if (!h) {
    snprintf(err, errlen, "cannot create the simulated hardware");
    return NULL;
  }
  hal_sim_set_phase_contactor(h, config_get_bool(st->cfg, "sim.phase_contactor"));
  const char *fail = config_get(st->cfg, "sim.selftest_fail");
  if (fail && fail[0]) {
    /* "C:check", e.g. "2:rcd" */
    int c;
    char check[16];
    if (sscanf(fail, "%d:%15s", &c, check) != 2 || hal_sim_fail_selftest(h, c, check) != 0) {
      snprintf(err, errlen, "sim.selftest_fail: `%s` is not CONNECTOR:rcd|contactor|cp|meter",
               fail);
      h->ops->destroy(h);
      return NULL;
    }
  }
  /* a car that stayed through the restart (tests of a resumed session) */
  const char *plugged = config_get(st->cfg, "sim.plugged");
  for (const char *p = plugged ? plugged : ""; *p; p++) {
    if (*p < '1' || *p > '9') continue;
    sim_ev_params ev = {
        .max_current_a = 32, .phases = 3, .battery_kwh = 60, .soc_pct = 20, .target_soc_pct = 80};
    if (hal_sim_plug(h, *p - '0', &ev, 0, err, errlen) != 0) {
      h->ops->destroy(h);
      return NULL;
    }
  }
  return h;
}

hal *hw_create(station *st, char *err, size_t errlen) {
  if (strcmp(config_get(st->cfg, "hal.backend"), "linux") == 0)
    return create_linux(st, err, errlen);
  return create_sim(st, err, errlen);
}
