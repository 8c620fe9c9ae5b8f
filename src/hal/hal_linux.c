/*
 * Linux back end of the HAL: sysfs PWM for the CP generator, IIO sysfs ADC
 * channels for CP / PP / temperature (sampled on a loop timer and debounced),
 * GPIO lines for contactor, lock, RCD with edge events watched by uv_poll.
 * Never blocks the loop for long: sysfs reads are small files in RAM.
 * Inputs are reported from loop callbacks only, never from inside a command.
 */
#include "hal/hal_linux.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/pilot.h"

#define PWM_PERIOD_NS 1000000L /* 1 kHz, IEC 61851-1 A.2.1 */
#define CP_DEBOUNCE_SAMPLES 3

typedef enum { IN_CONTACTOR, IN_LOCK, IN_RCD, IN_COUNT } input_kind;

typedef struct linux_connector linux_connector;

typedef struct {
  gpio_line *line;
  int fd; /* edge-event fd, watched by `poll` once started */
  uv_poll_t poll;
  bool polling;
  int value;
  input_kind kind;
  linux_connector *owner;
} gpio_input;

struct linux_connector {
  struct hal_linux *hl;
  int id;
  hal_linux_connector_pins pins;
  gpio_line *contactor, *lock, *rcd_test;
  gpio_input inputs[IN_COUNT];
  char pwm_dir[400];
  char adc_cp[400], adc_pp[400], adc_temp[400];
  double scale_cp, scale_pp, scale_temp;
  cp_state reported_cp, candidate_cp;
  int candidate_count;
  bool cp_reported;
  double reported_pp, reported_temp;
};

typedef struct hal_linux {
  hal base;
  hal_linux_config cfg;
  const gpio_provider *gpio;
  uv_loop_t *loop;
  hal_listener listener;
  uv_timer_t sampler;
  bool started;
  bool first_sample;
  linux_connector conn[BORNE_MAX_CONNECTORS];
  char error[256];
} hal_linux;

static hal_linux *as_linux(hal *h) { return (hal_linux *)h; }

static int write_text(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  if (!f) return -1;
  int ok = fputs(text, f) >= 0;
  return (fclose(f) == 0 && ok) ? 0 : -1;
}

static int read_double(const char *path, double *out) {
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  int n = fscanf(f, "%lf", out);
  fclose(f);
  return n == 1 ? 0 : -1;
}

void hal_linux_config_defaults(hal_linux_config *cfg) {
  memset(cfg, 0, sizeof *cfg);
  snprintf(cfg->sysfs_root, sizeof cfg->sysfs_root, "/sys");
  snprintf(cfg->dev_root, sizeof cfg->dev_root, "/dev");
  cfg->cp_sample_ms = 20;
  cfg->cp_gain = 1.0;
  cfg->cp_offset_v = 0.0;
  cfg->pp_pullup_ohms = 330.0;
  cfg->pp_vref_mv = 5000.0;
  cfg->temp_mv_at_0c = 500.0; /* TMP36-style sensor: 500 mV at 0 C, 10 mV/C */
  cfg->temp_mv_per_c = 10.0;
}

cp_state hal_linux_cp_state_for_volts(double v) {
  /* IEC 61851-1 Table A.4, EVSE detection ranges of the positive level. */
  if (v >= 11.0 && v <= 13.0) return CP_A;
  if (v >= 8.0 && v <= 10.0) return CP_B;
  if (v >= 5.0 && v <= 7.0) return CP_C;
  if (v >= 2.0 && v <= 4.0) return CP_D;
  if (v >= -1.0 && v <= 1.0) return CP_E;
  if (v >= -13.0 && v <= -11.0) return CP_F;
  return CP_INVALID;
}

/* "iio:device0:in_voltage0_raw" -> raw path and its scale (mV per count). */
static int adc_channel(hal_linux *hl, const char *spec, char *raw, size_t len, double *scale,
                       char *err, size_t errlen) {
  const char *colon = strrchr(spec, ':');
  if (!colon || strncmp(spec, "iio:device", 10) != 0) {
    snprintf(err, errlen, "`%s` is not iio:deviceN:CHANNEL", spec);
    return -1;
  }
  char dir[320];
  snprintf(dir, sizeof dir, "%s/bus/iio/devices/%.*s", hl->cfg.sysfs_root, (int)(colon - spec),
           spec);
  snprintf(raw, len, "%s/%s", dir, colon + 1);
  double v;
  if (read_double(raw, &v) != 0) {
    snprintf(err, errlen, "cannot read ADC %s: %s", raw, strerror(errno));
    return -1;
  }
  char scale_path[480];
  snprintf(scale_path, sizeof scale_path, "%s", raw);
  char *suffix = strstr(scale_path, "_raw");
  *scale = 1.0;
  if (suffix) {
    strcpy(suffix, "_scale");
    if (read_double(scale_path, scale) != 0) {
      snprintf(scale_path, sizeof scale_path, "%s/in_voltage_scale", dir);
      if (read_double(scale_path, scale) != 0) *scale = 1.0;
    }
  }
  return 0;
}

static int read_mv(const char *raw, double scale, double *mv) {
  double v;
  if (read_double(raw, &v) != 0) return -1;
  *mv = v * scale;
  return 0;
}

static int setup_pwm(hal_linux *hl, linux_connector *lc, char *err, size_t errlen) {
  const char *spec = lc->pins.pwm;
  const char *colon = strrchr(spec, ':');
  if (!colon || strncmp(spec, "pwmchip", 7) != 0) {
    snprintf(err, errlen, "connector %d pwm: `%s` is not pwmchipN:CHANNEL", lc->id, spec);
    return -1;
  }
  char chip[300];
  snprintf(chip, sizeof chip, "%s/class/pwm/%.*s", hl->cfg.sysfs_root, (int)(colon - spec), spec);
  snprintf(lc->pwm_dir, sizeof lc->pwm_dir, "%s/pwm%s", chip, colon + 1);
  struct stat sb;
  if (stat(lc->pwm_dir, &sb) != 0) {
    char export_path[320];
    snprintf(export_path, sizeof export_path, "%s/export", chip);
    if (write_text(export_path, colon + 1) != 0 || stat(lc->pwm_dir, &sb) != 0) {
      snprintf(err, errlen, "connector %d pwm: cannot export %s channel %s: %s", lc->id, chip,
               colon + 1, strerror(errno));
      return -1;
    }
  }
  char path[480], text[32];
  snprintf(path, sizeof path, "%s/period", lc->pwm_dir);
  snprintf(text, sizeof text, "%ld", PWM_PERIOD_NS);
  int rc = write_text(path, text);
  snprintf(path, sizeof path, "%s/duty_cycle", lc->pwm_dir);
  rc |= write_text(path, text); /* +12 V steady until the core decides */
  snprintf(path, sizeof path, "%s/enable", lc->pwm_dir);
  rc |= write_text(path, "1");
  if (rc != 0) {
    snprintf(err, errlen, "connector %d pwm: cannot configure %s: %s", lc->id, lc->pwm_dir,
             strerror(errno));
    return -1;
  }
  return 0;
}

static void report(hal_linux *hl, linux_connector *lc, input_kind k, int value) {
  const hal_listener *l = &hl->listener;
  switch (k) {
  case IN_CONTACTOR:
    if (l->on_contactor) l->on_contactor(l->ctx, lc->id, value > 0);
    break;
  case IN_LOCK:
    if (l->on_lock) l->on_lock(l->ctx, lc->id, value > 0);
    break;
  case IN_RCD:
    if (value > 0 && l->on_rcd_trip) l->on_rcd_trip(l->ctx, lc->id, false);
    break;
  default:
    break;
  }
}

static void input_ready(uv_poll_t *p, int status, int events) {
  (void)events;
  gpio_input *in = p->data;
  hal_linux *hl = in->owner->hl;
  if (status < 0) return;
  int v = hl->gpio->read_events(in->line);
  if (v < 0 || v == in->value) return;
  in->value = v;
  report(hl, in->owner, in->kind, v);
}

static void sample_connector(hal_linux *hl, linux_connector *lc) {
  const hal_listener *l = &hl->listener;
  double mv;
  if (lc->adc_cp[0] && read_mv(lc->adc_cp, lc->scale_cp, &mv) == 0) {
    double volts = mv * hl->cfg.cp_gain / 1000.0 + hl->cfg.cp_offset_v;
    cp_state s = hal_linux_cp_state_for_volts(volts);
    if (s == lc->candidate_cp) {
      lc->candidate_count++;
    } else {
      lc->candidate_cp = s;
      lc->candidate_count = 1;
    }
    if (lc->candidate_count >= CP_DEBOUNCE_SAMPLES && (!lc->cp_reported || s != lc->reported_cp)) {
      lc->reported_cp = s;
      lc->cp_reported = true;
      /* The diode check needs the negative PWM level, which this front end
       * does not sample: it is left to the board's safety circuit (docs/hal.md). */
      if (l->on_cp) l->on_cp(l->ctx, lc->id, s, true);
    }
  }
  if (lc->adc_pp[0] && read_mv(lc->adc_pp, lc->scale_pp, &mv) == 0) {
    double vref = hl->cfg.pp_vref_mv;
    double ohms = mv >= vref * 0.98 ? -1.0 : hl->cfg.pp_pullup_ohms * mv / (vref - mv);
    bool changed = (ohms < 0) != (lc->reported_pp < 0) ||
                   fabs(ohms - lc->reported_pp) > 0.05 * fabs(lc->reported_pp) || hl->first_sample;
    if (changed) {
      lc->reported_pp = ohms;
      if (l->on_pp) l->on_pp(l->ctx, lc->id, ohms);
    }
  }
  if (lc->adc_temp[0] && read_mv(lc->adc_temp, lc->scale_temp, &mv) == 0) {
    double c = (mv - hl->cfg.temp_mv_at_0c) / hl->cfg.temp_mv_per_c;
    if (fabs(c - lc->reported_temp) >= 0.5 || hl->first_sample) {
      lc->reported_temp = c;
      if (l->on_temperature) l->on_temperature(l->ctx, lc->id, c);
    }
  }
  if (hl->first_sample) {
    for (int k = 0; k < IN_COUNT; k++) {
      gpio_input *in = &lc->inputs[k];
      if (!in->line) continue;
      in->value = hl->gpio->get(in->line);
      if (k != IN_RCD) report(hl, lc, (input_kind)k, in->value);
    }
  }
}

static void sampler_cb(uv_timer_t *t) {
  hal_linux *hl = t->data;
  for (int c = 0; c < hl->base.connectors; c++) sample_connector(hl, &hl->conn[c]);
  hl->first_sample = false;
}

static int lx_start(hal *h, uv_loop_t *loop, const hal_listener *listener) {
  hal_linux *hl = as_linux(h);
  hl->loop = loop;
  hl->listener = *listener;
  for (int c = 0; c < h->connectors; c++) {
    for (int k = 0; k < IN_COUNT; k++) {
      gpio_input *in = &hl->conn[c].inputs[k];
      if (!in->line) continue;
      uv_poll_init(loop, &in->poll, in->fd);
      in->poll.data = in;
      uv_poll_start(&in->poll, UV_READABLE, input_ready);
      in->polling = true;
    }
  }
  uv_timer_init(loop, &hl->sampler);
  hl->sampler.data = hl;
  hl->first_sample = true;
  hl->started = true;
  uv_timer_start(&hl->sampler, sampler_cb, 0, hl->cfg.cp_sample_ms ? hl->cfg.cp_sample_ms : 20);
  return 0;
}

static void lx_stop(hal *h) {
  hal_linux *hl = as_linux(h);
  if (!hl->started) return;
  hl->started = false;
  uv_close((uv_handle_t *)&hl->sampler, NULL);
  for (int c = 0; c < h->connectors; c++) {
    for (int k = 0; k < IN_COUNT; k++) {
      gpio_input *in = &hl->conn[c].inputs[k];
      if (in->polling) uv_close((uv_handle_t *)&in->poll, NULL);
      in->polling = false;
    }
  }
}

static linux_connector *conn_of(hal *h, int c) {
  return c >= 1 && c <= h->connectors ? &as_linux(h)->conn[c - 1] : NULL;
}

static void lx_set_pwm(hal *h, int c, int permille) {
  linux_connector *lc = conn_of(h, c);
  if (!lc || !lc->pwm_dir[0]) return;
  char path[480], text[32];
  snprintf(path, sizeof path, "%s/duty_cycle", lc->pwm_dir);
  snprintf(text, sizeof text, "%ld", PWM_PERIOD_NS * permille / 1000);
  write_text(path, text);
}

static void lx_set_contactor(hal *h, int c, bool closed) {
  linux_connector *lc = conn_of(h, c);
  if (lc && lc->contactor) as_linux(h)->gpio->set(lc->contactor, closed);
}

static void lx_set_lock(hal *h, int c, bool engaged) {
  linux_connector *lc = conn_of(h, c);
  if (lc && lc->lock) as_linux(h)->gpio->set(lc->lock, engaged);
}

static void lx_set_led(hal *h, int c, const led_look *look) {
  (void)h, (void)c, (void)look; /* no LED driver on the reference pin map yet (docs/hal.md) */
}

static int lx_read_meter(hal *h, int c, meter_reading *out) {
  (void)out;
  snprintf(as_linux(h)->error, sizeof as_linux(h)->error, "connector %d: no meter configured", c);
  return -1;
}

static int lx_selftest(hal *h, int c, hal_selftest *out) {
  hal_linux *hl = as_linux(h);
  linux_connector *lc = conn_of(h, c);
  if (!lc) return -1;
  /* Contactor: commanded open, its feedback must read open. */
  gpio_input *fb = &lc->inputs[IN_CONTACTOR];
  out->contactor_ok = !fb->line || hl->gpio->get(fb->line) == 0;
  /* RCD: the test winding must trip the monitor; read back at once (the
   * monitor's trip output is latched on common modules). */
  out->rcd_ok = true;
  if (lc->rcd_test && lc->inputs[IN_RCD].line) {
    hl->gpio->set(lc->rcd_test, 1);
    out->rcd_ok = hl->gpio->get(lc->inputs[IN_RCD].line) == 1;
    hl->gpio->set(lc->rcd_test, 0);
  }
  /* CP generator: with +12 V steady the level must read in band A or B. */
  double mv;
  out->cp_ok = false;
  if (read_mv(lc->adc_cp, lc->scale_cp, &mv) == 0) {
    cp_state s = hal_linux_cp_state_for_volts(mv * hl->cfg.cp_gain / 1000.0 + hl->cfg.cp_offset_v);
    out->cp_ok = s == CP_A || s == CP_B || s == CP_C;
  }
  out->meter_ok = true; /* no meter configured on this back end: nothing to check */
  return 0;
}

static const char *lx_last_error(hal *h) { return as_linux(h)->error; }

static void lx_destroy(hal *h) {
  hal_linux *hl = as_linux(h);
  for (int c = 0; c < h->connectors; c++) {
    linux_connector *lc = &hl->conn[c];
    if (lc->contactor) {
      hl->gpio->set(lc->contactor, 0); /* never leave a contactor energized */
      hl->gpio->close(lc->contactor);
    }
    if (lc->lock) hl->gpio->close(lc->lock);
    if (lc->rcd_test) hl->gpio->close(lc->rcd_test);
    for (int k = 0; k < IN_COUNT; k++)
      if (lc->inputs[k].line) hl->gpio->close(lc->inputs[k].line);
  }
  free(hl);
}

static const hal_ops linux_ops = {
    .name = "linux",
    .start = lx_start,
    .stop = lx_stop,
    .set_pwm = lx_set_pwm,
    .set_contactor = lx_set_contactor,
    .set_lock = lx_set_lock,
    .set_led = lx_set_led,
    .read_meter = lx_read_meter,
    .selftest = lx_selftest,
    .last_error = lx_last_error,
    .destroy = lx_destroy,
};

static int open_pins(hal_linux *hl, linux_connector *lc, char *err, size_t errlen) {
  const hal_linux_connector_pins *p = &lc->pins;
  char why[256];
  struct {
    const char *spec, *name;
    gpio_line **out;
  } outputs[] = {{p->contactor, "contactor", &lc->contactor},
                 {p->lock, "lock", &lc->lock},
                 {p->rcd_test, "rcd_test", &lc->rcd_test}};
  for (size_t i = 0; i < sizeof outputs / sizeof outputs[0]; i++) {
    if (!outputs[i].spec[0]) continue;
    *outputs[i].out =
        hl->gpio->open_output(hl->gpio->ctx, hl->cfg.dev_root, outputs[i].spec, 0, why, sizeof why);
    if (!*outputs[i].out) {
      snprintf(err, errlen, "connector %d %s: %s", lc->id, outputs[i].name, why);
      return -1;
    }
  }
  const char *in_specs[IN_COUNT] = {p->contactor_feedback, p->lock_feedback, p->rcd_trip};
  const char *in_names[IN_COUNT] = {"contactor_feedback", "lock_feedback", "rcd_trip"};
  for (int k = 0; k < IN_COUNT; k++) {
    gpio_input *in = &lc->inputs[k];
    in->kind = (input_kind)k;
    in->owner = lc;
    if (!in_specs[k][0]) continue;
    int fd = -1;
    in->line =
        hl->gpio->open_input(hl->gpio->ctx, hl->cfg.dev_root, in_specs[k], &fd, why, sizeof why);
    if (!in->line) {
      snprintf(err, errlen, "connector %d %s: %s", lc->id, in_names[k], why);
      return -1;
    }
    in->fd = fd;
  }
  if (!p->contactor[0]) {
    snprintf(err, errlen, "connector %d: gpio.contactor is required", lc->id);
    return -1;
  }
  if (setup_pwm(hl, lc, err, errlen) != 0) return -1;
  struct {
    const char *spec, *name;
    char *raw;
    double *scale;
  } adcs[] = {{p->adc_cp, "adc.cp", lc->adc_cp, &lc->scale_cp},
              {p->adc_pp, "adc.pp", lc->adc_pp, &lc->scale_pp},
              {p->adc_temp, "adc.temp", lc->adc_temp, &lc->scale_temp}};
  for (size_t i = 0; i < sizeof adcs / sizeof adcs[0]; i++) {
    if (!adcs[i].spec[0]) continue;
    if (adc_channel(hl, adcs[i].spec, adcs[i].raw, 400, adcs[i].scale, why, sizeof why) != 0) {
      snprintf(err, errlen, "connector %d %s: %s", lc->id, adcs[i].name, why);
      return -1;
    }
  }
  if (!lc->adc_cp[0]) {
    snprintf(err, errlen, "connector %d: adc.cp is required", lc->id);
    return -1;
  }
  return 0;
}

hal *hal_linux_create_with(const hal_linux_config *cfg, const gpio_provider *gpio, char *err,
                           size_t errlen) {
  if (cfg->connectors < 1 || cfg->connectors > BORNE_MAX_CONNECTORS) {
    snprintf(err, errlen, "linux HAL: %d connectors (1 to %d)", cfg->connectors,
             BORNE_MAX_CONNECTORS);
    return NULL;
  }
  hal_linux *hl = calloc(1, sizeof *hl);
  if (!hl) return NULL;
  hl->base.ops = &linux_ops;
  hl->base.connectors = cfg->connectors;
  hl->cfg = *cfg;
  if (hl->cfg.cp_gain == 0) {
    hal_linux_config d;
    hal_linux_config_defaults(&d);
    hl->cfg.cp_gain = d.cp_gain;
    hl->cfg.pp_pullup_ohms = d.pp_pullup_ohms;
    hl->cfg.pp_vref_mv = d.pp_vref_mv;
    hl->cfg.temp_mv_at_0c = d.temp_mv_at_0c;
    hl->cfg.temp_mv_per_c = d.temp_mv_per_c;
    if (!hl->cfg.cp_sample_ms) hl->cfg.cp_sample_ms = d.cp_sample_ms;
  }
  hl->gpio = gpio;
  for (int c = 0; c < cfg->connectors; c++) {
    linux_connector *lc = &hl->conn[c];
    lc->hl = hl;
    lc->id = c + 1;
    lc->pins = cfg->pins[c];
    lc->candidate_cp = CP_INVALID;
    lc->reported_pp = -1;
    if (open_pins(hl, lc, err, errlen) != 0) {
      hl->base.connectors = c + 1; /* close what was opened */
      lx_destroy(&hl->base);
      return NULL;
    }
  }
  return &hl->base;
}

hal *hal_linux_create(const hal_linux_config *cfg, char *err, size_t errlen) {
  return hal_linux_create_with(cfg, gpio_provider_gpiod(), err, errlen);
}
