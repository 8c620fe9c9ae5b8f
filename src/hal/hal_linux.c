/*
 * Linux back end of the HAL: sysfs PWM for the CP generator, IIO sysfs ADC
 * channels for CP / PP / temperature (sampled on a loop timer and debounced),
 * GPIO lines (hal_linux_gpiod.c or an injected provider) for contactor, lock
 * and RCD, whose edge events are watched with uv_poll.
 * Must never block the loop for long (sysfs reads are small in-kernel
 * attributes, no sleeps: the self-test is a chain of timers and edges), never
 * report an input from inside a command (only from loop callbacks), and never
 * leave the contactor energized when it lets go of the hardware.
 */
#include "hal/hal_linux.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/i2c-dev.h>
#include <linux/spi/spidev.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/pilot.h"
#include "hal/em4100.h"
#include "hal/hal_linux_leds.h"
#include "hal/hal_linux_pcsc.h"
#include "hal/hal_linux_ws2812.h"
#include "hal/pn532.h"
#include "hal/pn532_bus.h"
#include "hal/serial_line.h"
#include "util/log.h"

#define MOD "hal_linux"
#define PWM_PERIOD_NS 1000000L /* 1 kHz, IEC 61851-1 Table A.8 (1000 Hz ± 0.5 %) */
#define CP_DEBOUNCE_SAMPLES 3  /* the same reading this many times before it counts */
#define CP_BURST_MAX 64
#define RCD_TRIP_WINDOW_MS 100    /* the test current must trip the monitor within this */
#define RCD_RELEASE_WINDOW_MS 300 /* ...and the monitor must let go after it */
#define CP_SETTLE_MS 50           /* generator + measurement filter settle after a change */
#define PP_OPEN_FRACTION 0.98     /* PP at ≥ 98 % of the pull-up voltage: no resistor */

typedef enum { IN_CONTACTOR, IN_LOCK, IN_RCD, IN_COUNT } input_kind;
typedef enum { TEST_IDLE, TEST_RCD, TEST_RCD_RELEASE, TEST_CP_HIGH, TEST_CP_LOW } test_phase;

typedef struct hal_linux hal_linux;
typedef struct linux_connector linux_connector;

/* A station-wide GPIO input reported through a hal_contact_cb. */
typedef struct {
  hal_linux *hl;
  const char *label; /* "control contact", "tamper" */
  gpio_line *line;
  int fd;
  uv_poll_t poll;
  uv_timer_t first; /* delivers the level once, on the next loop turn */
  bool handles;     /* poll and timer initialised */
  int value;
  hal_contact_cb cb;
  void *ctx;
} watched_line;

typedef struct {
  gpio_line *line;
  int fd; /* edge-event fd, watched by `poll` once started */
  uv_poll_t poll;
  bool polling;
  int value;
  input_kind kind;
  linux_connector *owner;
} gpio_input;

typedef struct {
  int fd;       /* the _raw attribute, kept open and re-read with pread at offset 0 */
  double scale; /* mV per count */
  char path[400];
} adc_channel;

struct linux_connector {
  hal_linux *hl;
  int id;
  hal_linux_connector_pins pins;
  gpio_line *contactor, *lock, *rcd_test, *phase_contactor;
  bool contactor_closed; /* as commanded */
  int phases;            /* where the phase contactor is, as commanded */
  gpio_input inputs[IN_COUNT];
  char pwm_dir[400];
  bool pwm_ready;
  int duty; /* per-mille, as commanded by the core */
  adc_channel cp, pp, temp;
  lx_led led;
  bool has_led;
  lx_strip *strip; /* led = spi:DEVICE:INDEX: the strip it is on, at strip_index */
  int strip_index;
  /* CP debounce: a state (or diode verdict) counts after CP_DEBOUNCE_SAMPLES
   * consecutive observations of it. */
  cp_state state_candidate, state_reported;
  int state_count;
  bool diode_candidate, diode_reported;
  int diode_count;
  bool cp_reported;
  double pp_reported, temp_reported;
  struct {
    test_phase phase;
    hal_selftest result;
    bool cp_high_ok;
    char reason[256];
    hal_linux_selftest_cb done;
    void *ctx;
    uv_timer_t timer;
    bool timer_init;
  } test;
};

struct hal_linux {
  hal base;
  hal_linux_config cfg;
  const gpio_provider *gpio;
  uv_loop_t *loop;
  hal_listener listener;
  uv_timer_t sampler;
  bool sampler_init;
  bool started;
  bool first_sample;
  linux_connector conn[BORNE_MAX_CONNECTORS];
  char error[256];
  /* station-wide inputs: the utility control contact (watch_contact) and
   * the tamper switch (watch_tamper), the setup button (watch_ap_button) */
  watched_line contact, tamper, ap_button;
  gpio_line *shunt_trip; /* open_shunt_trip */
  /* WS2812 strips of the connectors' LEDs (spi:DEVICE:INDEX), one per device */
  lx_strip *strips[BORNE_MAX_CONNECTORS];
  int nstrips;
  /* the badge reader (reader_type) */
  struct {
    serial_line *line;
    em4100_decoder dec;
    lx_pcsc *pcsc;        /* reader_type pcsc: through pcscd, on a thread of its own */
    bool pn532;           /* reader_type pn532: asked over the line, not just read */
    pn532_reader nfc;     /* its dialogue */
    uv_timer_t nfc_timer; /* its polls and answer timeouts */
    bool nfc_timer_init;
    /* a PN532 on I2C (/dev/i2c-N) or SPI (/dev/spidevB.C) instead of its UART */
    bool on_bus;
    pn532_bus bus;
    int bus_fd; /* -1: closed (reopened every READER_RETRY_MS) */
    bool up;
    char why[160];
  } reader;
};

static hal_linux *as_linux(hal *h) { return (hal_linux *)h; }

static void set_error(hal_linux *hl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_error(hal_linux *hl, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(hl->error, sizeof hl->error, fmt, ap);
  va_end(ap);
}

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
  if (n != 1) errno = EINVAL;
  return n == 1 ? 0 : -1;
}

/* ---- configuration ---- */

static void apply_defaults(hal_linux_config *c) {
  if (!c->sysfs_root[0]) snprintf(c->sysfs_root, sizeof c->sysfs_root, "/sys");
  if (!c->dev_root[0]) snprintf(c->dev_root, sizeof c->dev_root, "/dev");
  if (!c->cp_sample_ms) c->cp_sample_ms = 20;
  if (!c->cp_burst) c->cp_burst = 16;
  if (c->cp_burst > CP_BURST_MAX) c->cp_burst = CP_BURST_MAX;
  if (c->cp_gain == 0) c->cp_gain = 1.0;
  if (c->pp_pullup_ohms == 0) c->pp_pullup_ohms = 330.0;
  if (c->pp_vref_mv == 0) c->pp_vref_mv = 5000.0;
  if (c->temp_mv_per_c == 0) c->temp_mv_per_c = 10.0; /* LM35-style: 0 mV at 0 °C */
}

void hal_linux_config_defaults(hal_linux_config *cfg) {
  memset(cfg, 0, sizeof *cfg);
  apply_defaults(cfg);
}

/* ---- CP arithmetic (pure) ---- */

cp_state hal_linux_cp_state_for_volts(double v) {
  /* IEC 61851-1 Table A.4, EVSE detection ranges of the positive level
   * (nominal ±1 V); levels between the bands are invalid. */
  if (v >= 11.0 && v <= 13.0) return CP_A;
  if (v >= 8.0 && v <= 10.0) return CP_B;
  if (v >= 5.0 && v <= 7.0) return CP_C;
  if (v >= 2.0 && v <= 4.0) return CP_D;
  if (v >= -1.0 && v <= 1.0) return CP_E;
  if (v >= -13.0 && v <= -11.0) return CP_F;
  return CP_INVALID;
}

hal_linux_cp_obs hal_linux_cp_observe(const double *volts, int n, int duty_permille) {
  hal_linux_cp_obs o = {.state = CP_INVALID, .diode_ok = true};
  if (n <= 0) return o;
  double hi = volts[0], lo = volts[0];
  for (int i = 1; i < n; i++) {
    if (volts[i] > hi) hi = volts[i];
    if (volts[i] < lo) lo = volts[i];
  }
  bool oscillating = duty_permille > PILOT_STEADY_LOW && duty_permille < PILOT_STEADY_HIGH;
  if (!oscillating) {
    /* Steady output: every sample is the level (+12 V loaded by the EV, or
     * the -12 V of state F the EVSE drives itself). */
    o.has_state = true;
    o.state = hal_linux_cp_state_for_volts(hi);
    return o;
  }
  /* PWM: only the EV can pull the high phase down, and never below 0 V (state
   * E); a burst that caught no sample above -1 V saw only the low phase. */
  if (hi >= -1.0) {
    o.has_state = true;
    o.state = hal_linux_cp_state_for_volts(hi);
  }
  /* The low phase is -12 V through the EV's diode; a shorted or missing
   * diode lets the EV's resistors pull it towards 0 (IEC 61851-1 A.2.3,
   * Table A.4: -12 V ± 1 V). */
  if (lo < -1.0) {
    o.has_diode = true;
    o.diode_ok = lo >= -13.0 && lo <= -11.0;
  }
  return o;
}

/* ---- ADC ---- */

/* "iio:device0:in_voltage0_raw" -> an open channel with its scale. */
static int adc_open(hal_linux *hl, const char *spec, adc_channel *ch, char *err, size_t errlen) {
  const char *colon = strrchr(spec, ':');
  size_t dev_len = colon ? (size_t)(colon - spec) : 0;
  if (!colon || strncmp(spec, "iio:device", 10) != 0 || dev_len <= 10 ||
      strspn(spec + 10, "0123456789") != dev_len - 10 || !colon[1] || strchr(colon, '/')) {
    snprintf(err, errlen, "`%s` is not iio:deviceN:in_voltageK_raw", spec);
    return -1;
  }
  char dir[320];
  snprintf(dir, sizeof dir, "%s/bus/iio/devices/%.*s", hl->cfg.sysfs_root, (int)dev_len, spec);
  snprintf(ch->path, sizeof ch->path, "%s/%s", dir, colon + 1);
  ch->fd = open(ch->path, O_RDONLY | O_CLOEXEC);
  if (ch->fd < 0) {
    snprintf(err, errlen, "cannot open %s: %s", ch->path, strerror(errno));
    return -1;
  }
  /* The channel's own scale (in_voltageK_scale), else the shared one
   * (in_voltage_scale), else 1 mV per count (IIO ABI: mV = raw × scale). */
  ch->scale = 1.0;
  char scale_path[480];
  snprintf(scale_path, sizeof scale_path, "%s", ch->path);
  char *suffix = strstr(scale_path, "_raw");
  if (suffix && strcmp(suffix, "_raw") == 0) {
    strcpy(suffix, "_scale");
    if (read_double(scale_path, &ch->scale) != 0) {
      snprintf(scale_path, sizeof scale_path, "%s/in_voltage_scale", dir);
      if (read_double(scale_path, &ch->scale) != 0) ch->scale = 1.0;
    }
  }
  return 0;
}

static int adc_read_mv(const adc_channel *ch, double *mv) {
  char buf[32];
  ssize_t n = pread(ch->fd, buf, sizeof buf - 1, 0);
  if (n <= 0) return -1;
  buf[n] = '\0';
  char *end;
  double raw = strtod(buf, &end);
  if (end == buf) return -1;
  *mv = raw * ch->scale;
  return 0;
}

/* One burst of CP conversions, in volts at the connector. */
static int cp_burst(hal_linux *hl, const linux_connector *lc, double *volts) {
  int n = 0;
  for (unsigned i = 0; i < hl->cfg.cp_burst; i++) {
    double mv;
    if (adc_read_mv(&lc->cp, &mv) != 0) continue;
    volts[n++] = (mv * hl->cfg.cp_gain + hl->cfg.cp_offset_mv) / 1000.0;
  }
  return n;
}

/* ---- PWM ---- */

static int pwm_attr(const linux_connector *lc, const char *attr, long value) {
  char path[480], text[32];
  snprintf(path, sizeof path, "%s/%s", lc->pwm_dir, attr);
  snprintf(text, sizeof text, "%ld", value);
  return write_text(path, text);
}

/* Drive the generator; the core's commanded duty stays in lc->duty. */
static void pwm_write(hal_linux *hl, linux_connector *lc, int permille) {
  if (!lc->pwm_ready) return;
  if (pwm_attr(lc, "duty_cycle", PWM_PERIOD_NS * permille / 1000) != 0) {
    set_error(hl, "connector %d pwm: cannot write %s/duty_cycle: %s", lc->id, lc->pwm_dir,
              strerror(errno));
    log_error(MOD, "%s", hl->error);
  }
}

static int pwm_setup(hal_linux *hl, linux_connector *lc, char *err, size_t errlen) {
  const char *spec = lc->pins.pwm;
  const char *colon = strrchr(spec, ':');
  if (!colon || strncmp(spec, "pwmchip", 7) != 0 || !colon[1] ||
      strspn(colon + 1, "0123456789") != strlen(colon + 1) ||
      memchr(spec, '/', (size_t)(colon - spec))) {
    snprintf(err, errlen, "`%s` is not pwmchipN:CHANNEL", spec);
    return -1;
  }
  char chip[300];
  snprintf(chip, sizeof chip, "%s/class/pwm/%.*s", hl->cfg.sysfs_root, (int)(colon - spec), spec);
  snprintf(lc->pwm_dir, sizeof lc->pwm_dir, "%s/pwm%s", chip, colon + 1);
  struct stat sb;
  if (stat(lc->pwm_dir, &sb) != 0) {
    char export_path[320];
    snprintf(export_path, sizeof export_path, "%s/export", chip);
    if (write_text(export_path, colon + 1) != 0) {
      snprintf(err, errlen, "cannot export channel %s of %s: %s", colon + 1, chip, strerror(errno));
      return -1;
    }
    if (stat(lc->pwm_dir, &sb) != 0) {
      snprintf(err, errlen, "%s did not appear after export: %s", lc->pwm_dir, strerror(errno));
      return -1;
    }
  }
  /* The kernel refuses a period shorter than the current duty: duty 0 first,
   * then the period, then +12 V steady (state A: no EV may charge yet). */
  lc->duty = PILOT_STEADY_HIGH;
  if (pwm_attr(lc, "duty_cycle", 0) != 0 || pwm_attr(lc, "period", PWM_PERIOD_NS) != 0 ||
      pwm_attr(lc, "duty_cycle", PWM_PERIOD_NS) != 0 || pwm_attr(lc, "enable", 1) != 0) {
    snprintf(err, errlen, "cannot configure %s: %s", lc->pwm_dir, strerror(errno));
    return -1;
  }
  lc->pwm_ready = true;
  return 0;
}

/* ---- inputs ---- */

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
    /* The trip output says nothing about AC or DC: reported as AC (dc=false). */
    if (value > 0 && l->on_rcd_trip) l->on_rcd_trip(l->ctx, lc->id, false);
    break;
  default:
    break;
  }
}

static void test_rcd_edge(linux_connector *lc, int value);

static void input_ready(uv_poll_t *p, int status, int events) {
  (void)events;
  gpio_input *in = p->data;
  linux_connector *lc = in->owner;
  hal_linux *hl = lc->hl;
  if (status < 0) {
    log_warn(MOD, "connector %d: GPIO event fd: %s", lc->id, uv_strerror(status));
    return;
  }
  int v = hl->gpio->read_events(in->line);
  if (v < 0) return;
  if (in->kind == IN_RCD && (lc->test.phase == TEST_RCD || lc->test.phase == TEST_RCD_RELEASE)) {
    in->value = v; /* the self-test's own trip: not a fault */
    test_rcd_edge(lc, v);
    return;
  }
  if (v == in->value) return;
  in->value = v;
  report(hl, lc, in->kind, v);
}

static bool cp_test_running(const linux_connector *lc) {
  return lc->test.phase == TEST_CP_HIGH || lc->test.phase == TEST_CP_LOW;
}

static void sample_cp(hal_linux *hl, linux_connector *lc) {
  if (cp_test_running(lc)) return; /* the self-test drives the line */
  double volts[CP_BURST_MAX];
  int n = cp_burst(hl, lc, volts);
  hal_linux_cp_obs o = hal_linux_cp_observe(volts, n, lc->duty);
  bool state_changed = false, diode_changed = false;
  if (o.has_state) {
    if (o.state == lc->state_candidate) {
      if (lc->state_count < CP_DEBOUNCE_SAMPLES) lc->state_count++;
    } else {
      lc->state_candidate = o.state;
      lc->state_count = 1;
    }
    if (lc->state_count >= CP_DEBOUNCE_SAMPLES &&
        (!lc->cp_reported || lc->state_candidate != lc->state_reported)) {
      lc->state_reported = lc->state_candidate;
      state_changed = true;
      if (lc->state_reported == CP_A) { /* no EV, no diode: the next EV starts clean */
        lc->diode_reported = lc->diode_candidate = true;
        lc->diode_count = 0;
      }
    }
  }
  if (o.has_diode) {
    if (o.diode_ok == lc->diode_candidate) {
      if (lc->diode_count < CP_DEBOUNCE_SAMPLES) lc->diode_count++;
    } else {
      lc->diode_candidate = o.diode_ok;
      lc->diode_count = 1;
    }
    if (lc->diode_count >= CP_DEBOUNCE_SAMPLES && lc->diode_candidate != lc->diode_reported) {
      lc->diode_reported = lc->diode_candidate;
      diode_changed = true;
    }
  }
  if (state_changed || (diode_changed && lc->cp_reported)) {
    lc->cp_reported = true;
    const hal_listener *l = &hl->listener;
    if (l->on_cp) l->on_cp(l->ctx, lc->id, lc->state_reported, lc->diode_reported);
  }
}

static void sample_connector(hal_linux *hl, linux_connector *lc) {
  const hal_listener *l = &hl->listener;
  double mv;
  if (lc->cp.fd >= 0) sample_cp(hl, lc);
  if (lc->pp.fd >= 0 && adc_read_mv(&lc->pp, &mv) == 0) {
    /* Divider: pull-up R_u to V_ref, PP resistor R_pp to PE:
     * V = V_ref × R_pp / (R_u + R_pp)  =>  R_pp = R_u × V / (V_ref − V). */
    double vref = hl->cfg.pp_vref_mv;
    if (mv < 0) mv = 0;
    double ohms = mv >= vref * PP_OPEN_FRACTION ? -1.0 : hl->cfg.pp_pullup_ohms * mv / (vref - mv);
    bool changed = hl->first_sample || (ohms < 0) != (lc->pp_reported < 0) ||
                   fabs(ohms - lc->pp_reported) > 0.05 * fabs(lc->pp_reported);
    if (changed) {
      lc->pp_reported = ohms;
      if (l->on_pp) l->on_pp(l->ctx, lc->id, ohms);
    }
  }
  if (lc->temp.fd >= 0 && adc_read_mv(&lc->temp, &mv) == 0) {
    double c = (mv - hl->cfg.temp_mv_at_0c) / hl->cfg.temp_mv_per_c;
    if (hl->first_sample || fabs(c - lc->temp_reported) >= 0.5) {
      lc->temp_reported = c;
      if (l->on_temperature) l->on_temperature(l->ctx, lc->id, c);
    }
  }
  if (hl->first_sample) { /* start reports the current levels once */
    for (int k = 0; k < IN_COUNT; k++) {
      gpio_input *in = &lc->inputs[k];
      if (!in->line) continue;
      in->value = hl->gpio->get(in->line);
      report(hl, lc, (input_kind)k, in->value);
    }
  }
}

static void sampler_cb(uv_timer_t *t) {
  hal_linux *hl = t->data;
  for (int c = 0; c < hl->base.connectors; c++) sample_connector(hl, &hl->conn[c]);
  hl->first_sample = false;
}

/* ---- event-driven self-test ---- */

static void test_fail(linux_connector *lc, const char *why) {
  size_t len = strlen(lc->test.reason);
  snprintf(lc->test.reason + len, sizeof lc->test.reason - len, "%s%s", len ? "; " : "", why);
}

static void test_timer_cb(uv_timer_t *t);

static void test_arm(linux_connector *lc, uint64_t ms) {
  uv_timer_start(&lc->test.timer, test_timer_cb, ms, 0);
}

/* CP generator check, first +12 V steady, read back after it settled. */
static void test_cp(linux_connector *lc) {
  lc->test.phase = TEST_CP_HIGH;
  pwm_write(lc->hl, lc, PILOT_STEADY_HIGH);
  test_arm(lc, CP_SETTLE_MS);
}

static void test_finish(linux_connector *lc) {
  hal_linux *hl = lc->hl;
  lc->test.phase = TEST_IDLE;
  pwm_write(hl, lc, lc->duty);
  lc->state_count = lc->diode_count = 0; /* observe afresh after the generator test */
  if (lc->test.done) lc->test.done(lc->test.ctx, lc->id, &lc->test.result, lc->test.reason);
}

static void test_rcd_edge(linux_connector *lc, int value) {
  hal_linux *hl = lc->hl;
  if (lc->test.phase == TEST_RCD && value == 1) {
    /* Tripped: remove the test current, the monitor must let go. */
    hl->gpio->set(lc->rcd_test, 0);
    lc->test.phase = TEST_RCD_RELEASE;
    test_arm(lc, RCD_RELEASE_WINDOW_MS);
  } else if (lc->test.phase == TEST_RCD_RELEASE && value == 0) {
    uv_timer_stop(&lc->test.timer);
    lc->test.result.rcd_ok = true;
    test_cp(lc);
  }
}

static void test_timer_cb(uv_timer_t *t) {
  linux_connector *lc = t->data;
  hal_linux *hl = lc->hl;
  double volts[CP_BURST_MAX];
  gpio_input *trip = &lc->inputs[IN_RCD];
  /* The monitor's edge may be waiting behind this timer when the loop stalled
   * past the window (a loaded machine): the line's level is the truth. */
  int level = trip->line && (lc->test.phase == TEST_RCD || lc->test.phase == TEST_RCD_RELEASE)
                  ? hl->gpio->get(trip->line)
                  : -1;
  if ((lc->test.phase == TEST_RCD && level == 1) ||
      (lc->test.phase == TEST_RCD_RELEASE && level == 0)) {
    trip->value = level; /* its edge, read later, is then no change */
    test_rcd_edge(lc, level);
    return;
  }
  switch (lc->test.phase) {
  case TEST_RCD:
    hl->gpio->set(lc->rcd_test, 0);
    test_fail(lc, "RCD monitor did not trip within 100 ms of its test current");
    test_cp(lc);
    break;
  case TEST_RCD_RELEASE:
    test_fail(lc, "RCD monitor stays tripped after its test current stopped");
    test_cp(lc);
    break;
  case TEST_CP_HIGH: {
    /* +12 V steady: band A, or B/C when an EV was already plugged in (its
     * resistors load the generator, Table A.4); anything else is a fault. */
    hal_linux_cp_obs o = hal_linux_cp_observe(volts, cp_burst(hl, lc, volts), PILOT_STEADY_HIGH);
    lc->test.cp_high_ok = o.has_state && (o.state == CP_A || o.state == CP_B || o.state == CP_C);
    if (!lc->test.cp_high_ok) test_fail(lc, "CP generator does not read back +12 V");
    lc->test.phase = TEST_CP_LOW;
    pwm_write(hl, lc, PILOT_STEADY_LOW);
    test_arm(lc, CP_SETTLE_MS);
    break;
  }
  case TEST_CP_LOW: {
    /* -12 V steady: the EV's diode blocks, so it reads band F with or without an EV. */
    int n = cp_burst(hl, lc, volts);
    bool low_ok = n > 0;
    for (int i = 0; i < n; i++)
      if (hal_linux_cp_state_for_volts(volts[i]) != CP_F) low_ok = false;
    if (!low_ok) test_fail(lc, "CP generator does not read back -12 V");
    lc->test.result.cp_ok = lc->test.cp_high_ok && low_ok;
    test_finish(lc);
    break;
  }
  default:
    break;
  }
}

static linux_connector *conn_of(hal *h, int c) {
  return c >= 1 && c <= h->connectors ? &as_linux(h)->conn[c - 1] : NULL;
}

int hal_linux_selftest_start(hal *h, int c, hal_linux_selftest_cb done, void *ctx) {
  hal_linux *hl = as_linux(h);
  linux_connector *lc = conn_of(h, c);
  if (!lc) {
    set_error(hl, "no connector %d", c);
    return -1;
  }
  if (!hl->started) {
    set_error(hl, "connector %d: the self-test needs a started HAL", c);
    return -1;
  }
  if (lc->test.phase != TEST_IDLE) {
    set_error(hl, "connector %d: a self-test is already running", c);
    return -1;
  }
  if (lc->contactor_closed) {
    set_error(hl, "connector %d: contactor commanded closed, no self-test while charging", c);
    return -1;
  }
  memset(&lc->test.result, 0, sizeof lc->test.result);
  lc->test.reason[0] = '\0';
  lc->test.done = done;
  lc->test.ctx = ctx;
  gpio_input *fb = &lc->inputs[IN_CONTACTOR];
  lc->test.result.contactor_ok = !fb->line || hl->gpio->get(fb->line) == 0;
  if (!lc->test.result.contactor_ok)
    test_fail(lc, "contactor feedback reads closed while commanded open");
  lc->test.result.meter_ok = true; /* no meter configured: nothing to check yet */
  test_fail(lc, "no meter configured");
  gpio_input *trip = &lc->inputs[IN_RCD];
  if (trip->line && hl->gpio->get(trip->line) == 1) {
    test_fail(lc, "RCD monitor tripped before its test");
  } else if (lc->rcd_test && trip->line) {
    hl->gpio->set(lc->rcd_test, 1);
    lc->test.phase = TEST_RCD;
    test_arm(lc, RCD_TRIP_WINDOW_MS);
    return 0;
  } else {
    lc->test.result.rcd_ok = true; /* no test winding wired: nothing to pulse (docs/hal.md) */
  }
  test_cp(lc); /* a timer: `done` never runs inside this call */
  return 0;
}

/* ---- badge reader ---- */

#define READER_RETRY_MS 1000

static void reader_uid(void *ctx, const char *uid) {
  hal_linux *hl = ctx;
  if (hl->listener.on_badge) hl->listener.on_badge(hl->listener.ctx, uid);
}

/* PN532: send what the dialogue asks, then wake up when it is next due. */
static void nfc_flush(hal_linux *hl) {
  pn532_reader *r = &hl->reader.nfc;
  if (r->out_len && serial_line_write(hl->reader.line, r->out, r->out_len) != 0)
    log_warn(MOD, "badge reader on %s: cannot write: %s", hl->cfg.reader_port, strerror(errno));
  r->out_len = 0;
}

static void nfc_tick(uv_timer_t *t);

static void nfc_arm(hal_linux *hl) {
  borne_ms now = (borne_ms)uv_now(hl->loop);
  uv_timer_start(&hl->reader.nfc_timer, nfc_tick,
                 (uint64_t)pn532_reader_next_ms(&hl->reader.nfc, now), 0);
}

static void nfc_tick(uv_timer_t *t) {
  hal_linux *hl = t->data;
  if (!hl->reader.line || !serial_line_up(hl->reader.line)) return; /* back with the line */
  bool was = hl->reader.nfc.answering;
  pn532_reader_tick(&hl->reader.nfc, (borne_ms)uv_now(hl->loop));
  if (was && !hl->reader.nfc.answering)
    log_warn(MOD, "badge reader on %s: %s", hl->cfg.reader_port, hl->reader.nfc.why);
  nfc_flush(hl);
  nfc_arm(hl);
}

/* ---- PN532 over I2C / SPI (pn532_bus.h): short blocking transfers from the
 * timer, at most ~45 bytes each (under 5 ms at I2C's 100 kHz) ---- */

static int bus_write(void *io, const uint8_t *bytes, size_t n) {
  hal_linux *hl = io;
  ssize_t w = write(hl->reader.bus_fd, bytes, n);
  if (w == (ssize_t)n) return 0;
  if (w >= 0) errno = EIO;
  return -1;
}

static int bus_read(void *io, uint8_t *bytes, size_t n) {
  hal_linux *hl = io;
  ssize_t r = read(hl->reader.bus_fd, bytes, n);
  if (r == (ssize_t)n) return 0;
  if (r >= 0) errno = EIO;
  return -1;
}

static int bus_xfer(void *io, const uint8_t *tx, uint8_t *rx, size_t n) {
  hal_linux *hl = io;
  struct spi_ioc_transfer tr = {.tx_buf = (uintptr_t)tx,
                                .rx_buf = (uintptr_t)rx,
                                .len = (uint32_t)n,
                                .speed_hz = 1000000,
                                .bits_per_word = 8};
  return ioctl(hl->reader.bus_fd, SPI_IOC_MESSAGE(1), &tr) < 0 ? -1 : 0;
}

/* Opens the device as the bus wants it: -1 with the reason in why. */
static int bus_open(hal_linux *hl, char *why, size_t len) {
  const char *port = hl->cfg.reader_port;
  int fd = open(port, O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    snprintf(why, len, "cannot open %s: %s", port, strerror(errno));
    return -1;
  }
  if (hl->reader.bus.kind == PN532_BUS_I2C) {
    if (ioctl(fd, I2C_SLAVE, PN532_I2C_ADDRESS) < 0) {
      snprintf(why, len, "%s: not an I2C bus (I2C_SLAVE 0x%02x: %s)", port, PN532_I2C_ADDRESS,
               strerror(errno));
      close(fd);
      return -1;
    }
  } else {
    uint8_t mode = SPI_MODE_0, bits = 8;
    uint32_t speed = 1000000; /* the PN532 takes up to 5 MHz */
    if (ioctl(fd, SPI_IOC_WR_MODE, &mode) < 0 || ioctl(fd, SPI_IOC_WR_BITS_PER_WORD, &bits) < 0 ||
        ioctl(fd, SPI_IOC_WR_MAX_SPEED_HZ, &speed) < 0) {
      snprintf(why, len, "%s: not an SPI device (spidev mode 0, 8 bits: %s)", port,
               strerror(errno));
      close(fd);
      return -1;
    }
  }
  hl->reader.bus_fd = fd;
  return 0;
}

static void reader_state_cb(void *ctx, bool up, const char *why);

static void bus_tick(uv_timer_t *t) {
  hal_linux *hl = t->data;
  if (hl->reader.bus_fd < 0) {
    char why[160];
    if (bus_open(hl, why, sizeof why) != 0) {
      if (hl->reader.up || strcmp(why, hl->reader.why) != 0) reader_state_cb(hl, false, why);
      uv_timer_start(&hl->reader.nfc_timer, bus_tick, READER_RETRY_MS, 0);
      return;
    }
    reader_state_cb(hl, true, NULL); /* resets the dialogue: the wake-up comes next */
  }
  pn532_reader *r = &hl->reader.nfc;
  bool was = r->answering;
  if (pn532_bus_step(&hl->reader.bus, r, (borne_ms)uv_now(hl->loop)) != 0) {
    char why[160];
    snprintf(why, sizeof why, "%s: %s", hl->cfg.reader_port, strerror(errno));
    close(hl->reader.bus_fd);
    hl->reader.bus_fd = -1;
    reader_state_cb(hl, false, why);
    uv_timer_start(&hl->reader.nfc_timer, bus_tick, READER_RETRY_MS, 0);
    return;
  }
  if (was && !r->answering) log_warn(MOD, "badge reader on %s: %s", hl->cfg.reader_port, r->why);
  if (!was && r->answering)
    log_info(MOD, "badge reader on %s: the PN532 answers", hl->cfg.reader_port);
  uv_timer_start(&hl->reader.nfc_timer, bus_tick,
                 (uint64_t)pn532_bus_next_ms(r, (borne_ms)uv_now(hl->loop)), 0);
}

static void reader_data(void *ctx, const uint8_t *bytes, size_t n) {
  hal_linux *hl = ctx;
  if (hl->reader.pn532) {
    bool was = hl->reader.nfc.answering;
    pn532_reader_feed(&hl->reader.nfc, bytes, n, (borne_ms)uv_now(hl->loop));
    if (!was && hl->reader.nfc.answering)
      log_info(MOD, "badge reader on %s: the PN532 answers", hl->cfg.reader_port);
    nfc_flush(hl);
    nfc_arm(hl);
    return;
  }
  em4100_feed(&hl->reader.dec, bytes, n, (borne_ms)uv_now(hl->loop), reader_uid, hl);
}

static void reader_state_cb(void *ctx, bool up, const char *why) {
  hal_linux *hl = ctx;
  hl->reader.up = up;
  snprintf(hl->reader.why, sizeof hl->reader.why, "%s", up ? "" : why ? why : "");
  hl->reader.dec.len = 0; /* a frame cut by the loss is not continued */
  if (hl->reader.pn532) {
    pn532_reader_reset(&hl->reader.nfc); /* a new device (or the same, replugged): wake it */
    if (up && hl->reader.nfc_timer_init && !hl->reader.on_bus)
      uv_timer_start(&hl->reader.nfc_timer, nfc_tick, 0, 0);
  }
  if (up)
    log_info(MOD, "badge reader on %s", hl->cfg.reader_port);
  else
    log_warn(MOD, "badge reader on %s: %s", hl->cfg.reader_port, hl->reader.why);
}

static int lx_reader_state(hal *h, hal_reader_state *out) {
  hal_linux *hl = as_linux(h);
  if (!hl->cfg.reader_type[0]) return -1;
  memset(out, 0, sizeof *out);
  out->type = hl->cfg.reader_type;
  out->port = hl->cfg.reader_port;
  out->up = hl->reader.up;
  snprintf(out->why, sizeof out->why, "%s",
           hl->reader.up       ? ""
           : hl->reader.why[0] ? hl->reader.why
                               : "not open yet");
  out->frames = hl->reader.dec.frames;
  out->bad_frames = hl->reader.dec.bad_frames;
  out->badges = hl->reader.dec.badges;
  if (hl->reader.pcsc)
    lx_pcsc_counts(hl->reader.pcsc, &out->frames, &out->bad_frames, &out->badges);
  if (hl->reader.pn532) {
    const pn532_reader *r = &hl->reader.nfc;
    /* up: the device is open and the PN532 answers */
    if (hl->reader.up && !r->answering) {
      out->up = false;
      snprintf(out->why, sizeof out->why, "%s", r->why);
    }
    out->frames = r->dec.frames;
    out->bad_frames = r->dec.bad_frames + r->bad_answers;
    out->badges = r->badges;
  }
  return 0;
}

/* ---- hal_ops ---- */

static void lx_stop(hal *h);

static int lx_start(hal *h, uv_loop_t *loop, const hal_listener *listener) {
  hal_linux *hl = as_linux(h);
  if (hl->started) {
    set_error(hl, "linux HAL already started");
    return -1;
  }
  hl->loop = loop;
  hl->listener = *listener;
  hl->started = true;
  uv_timer_init(loop, &hl->sampler);
  hl->sampler.data = hl;
  hl->sampler_init = true;
  for (int c = 0; c < h->connectors; c++) {
    linux_connector *lc = &hl->conn[c];
    uv_timer_init(loop, &lc->test.timer);
    lc->test.timer.data = lc;
    lc->test.timer_init = true;
    for (int k = 0; k < IN_COUNT; k++) {
      gpio_input *in = &lc->inputs[k];
      if (!in->line) continue;
      int rc = uv_poll_init(loop, &in->poll, in->fd);
      if (rc == 0) {
        in->polling = true;
        in->poll.data = in;
        rc = uv_poll_start(&in->poll, UV_READABLE, input_ready);
      }
      if (rc != 0) {
        set_error(hl, "connector %d: cannot watch GPIO events (fd %d): %s", lc->id, in->fd,
                  uv_strerror(rc));
        lx_stop(h);
        return -1;
      }
    }
  }
  hl->first_sample = true;
  uv_timer_start(&hl->sampler, sampler_cb, 0, hl->cfg.cp_sample_ms);
  for (int i = 0; i < hl->nstrips; i++) lx_strip_attach(hl->strips[i], loop);
  em4100_init(&hl->reader.dec);
  if (strcmp(hl->cfg.reader_type, "pcsc") == 0) {
    lx_pcsc_cbs pc = {.uid = reader_uid, .state = reader_state_cb, .ctx = hl};
    hl->reader.pcsc = lx_pcsc_open(loop, "", &pc); /* the first reader pcscd lists */
    if (!hl->reader.pcsc) {
      set_error(hl, "PC/SC badge reader: cannot start its thread");
      lx_stop(h);
      return -1;
    }
  } else if (strcmp(hl->cfg.reader_type, "pn532") == 0 && pn532_bus_of(hl->cfg.reader_port) >= 0) {
    hl->reader.pn532 = true;
    hl->reader.on_bus = true;
    hl->reader.bus_fd = -1;
    hl->reader.bus = (pn532_bus){.kind = (pn532_bus_kind)pn532_bus_of(hl->cfg.reader_port),
                                 .write = bus_write,
                                 .read = bus_read,
                                 .xfer = bus_xfer,
                                 .io = hl};
    pn532_reader_init(&hl->reader.nfc, reader_uid, hl);
    uv_timer_init(loop, &hl->reader.nfc_timer);
    hl->reader.nfc_timer.data = hl;
    hl->reader.nfc_timer_init = true;
    uv_timer_start(&hl->reader.nfc_timer, bus_tick, 0, 0);
  } else if (hl->cfg.reader_type[0]) {
    serial_params sp = {.baud = 9600, .data_bits = 8, .parity = 'N', .stop_bits = 1};
    serial_line_cbs cbs = {.data = reader_data, .state = reader_state_cb, .ctx = hl};
    hl->reader.pn532 = strcmp(hl->cfg.reader_type, "pn532") == 0;
    if (hl->reader.pn532) {
      sp.baud = 115200; /* the PN532's HSU default */
      pn532_reader_init(&hl->reader.nfc, reader_uid, hl);
      uv_timer_init(loop, &hl->reader.nfc_timer);
      hl->reader.nfc_timer.data = hl;
      hl->reader.nfc_timer_init = true;
    }
    hl->reader.line =
        hl->reader.pn532
            ? serial_line_open_rw(loop, hl->cfg.reader_port, &sp, READER_RETRY_MS, &cbs)
            : serial_line_open(loop, hl->cfg.reader_port, &sp, READER_RETRY_MS, &cbs);
    if (!hl->reader.line) {
      set_error(hl, "badge reader on %s: out of memory", hl->cfg.reader_port);
      lx_stop(h);
      return -1;
    }
  }
  return 0;
}

static void lx_stop(hal *h) {
  hal_linux *hl = as_linux(h);
  if (!hl->started) return;
  hl->started = false;
  if (hl->reader.line) serial_line_close(hl->reader.line);
  hl->reader.line = NULL;
  lx_pcsc_close(hl->reader.pcsc); /* joins its thread: no callback after this */
  hl->reader.pcsc = NULL;
  for (int i = 0; i < hl->nstrips; i++) lx_strip_attach(hl->strips[i], NULL);
  if (hl->reader.on_bus && hl->reader.bus_fd >= 0) close(hl->reader.bus_fd);
  hl->reader.bus_fd = -1;
  if (hl->reader.nfc_timer_init) {
    uv_timer_stop(&hl->reader.nfc_timer);
    uv_close((uv_handle_t *)&hl->reader.nfc_timer, NULL);
    hl->reader.nfc_timer_init = false;
  }
  watched_line *lines[] = {&hl->contact, &hl->tamper, &hl->ap_button};
  for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
    if (!lines[i]->handles) continue;
    uv_close((uv_handle_t *)&lines[i]->poll, NULL);
    uv_close((uv_handle_t *)&lines[i]->first, NULL);
    lines[i]->handles = false;
  }
  if (hl->sampler_init) uv_close((uv_handle_t *)&hl->sampler, NULL);
  hl->sampler_init = false;
  for (int c = 0; c < h->connectors; c++) {
    linux_connector *lc = &hl->conn[c];
    if (lc->test.phase != TEST_IDLE) { /* cancelled: undo what the test drove */
      if (lc->rcd_test) hl->gpio->set(lc->rcd_test, 0);
      lc->test.phase = TEST_IDLE;
      pwm_write(hl, lc, lc->duty);
    }
    if (lc->test.timer_init) uv_close((uv_handle_t *)&lc->test.timer, NULL);
    lc->test.timer_init = false;
    for (int k = 0; k < IN_COUNT; k++) {
      gpio_input *in = &lc->inputs[k];
      if (in->polling) uv_close((uv_handle_t *)&in->poll, NULL);
      in->polling = false;
    }
  }
}

static void lx_set_pwm(hal *h, int c, int permille) {
  linux_connector *lc = conn_of(h, c);
  if (!lc) return;
  if (permille < PILOT_STEADY_LOW) permille = PILOT_STEADY_LOW;
  if (permille > PILOT_STEADY_HIGH) permille = PILOT_STEADY_HIGH;
  lc->duty = permille;
  if (!cp_test_running(lc)) pwm_write(as_linux(h), lc, permille); /* else restored after */
}

static void lx_set_contactor(hal *h, int c, bool closed) {
  linux_connector *lc = conn_of(h, c);
  if (!lc || !lc->contactor) return;
  lc->contactor_closed = closed;
  if (as_linux(h)->gpio->set(lc->contactor, closed) != 0) {
    set_error(as_linux(h), "connector %d contactor: cannot drive the output: %s", c,
              strerror(errno));
    log_error(MOD, "%s", as_linux(h)->error);
  }
}

/* Released at start: one phase, the least power, until asked for three. */
static int lx_get_phases(hal *h, int c) {
  linux_connector *lc = conn_of(h, c);
  if (!lc || !lc->phase_contactor) return -1;
  return lc->phases == 3 ? 3 : 1;
}

static int lx_set_phases(hal *h, int c, int phases) {
  linux_connector *lc = conn_of(h, c);
  if (!lc || !lc->phase_contactor) {
    set_error(as_linux(h),
              "connector %d has no phase contactor (connector.%d.gpio.phase_contactor)", c, c);
    return -1;
  }
  if (as_linux(h)->gpio->set(lc->phase_contactor, phases == 3) != 0) {
    set_error(as_linux(h), "connector %d phase contactor: cannot drive the output: %s", c,
              strerror(errno));
    return -1;
  }
  lc->phases = phases == 3 ? 3 : 1;
  return 0;
}

static void lx_set_lock(hal *h, int c, bool engaged) {
  linux_connector *lc = conn_of(h, c);
  if (!lc || !lc->lock) return;
  if (as_linux(h)->gpio->set(lc->lock, engaged) != 0) {
    set_error(as_linux(h), "connector %d lock: cannot drive the output: %s", c, strerror(errno));
    log_error(MOD, "%s", as_linux(h)->error);
  }
}

static void lx_set_led(hal *h, int c, const led_look *look) {
  linux_connector *lc = conn_of(h, c);
  if (!lc || (!lc->has_led && !lc->strip)) return;
  char err[300];
  hal_linux *hl = as_linux(h);
  if (lc->strip ? lx_strip_set(lc->strip, lc->strip_index, look, hl->loop ? uv_now(hl->loop) : 0,
                               err, sizeof err)
                : lx_led_show(&lc->led, look, err, sizeof err)) {
    set_error(as_linux(h), "connector %d LED: %s", c, err);
    log_error(MOD, "%s", as_linux(h)->error);
  }
}

static int lx_read_meter(hal *h, int c, meter_reading *out) {
  (void)c, (void)out; /* meters arrive through Modbus in another module */
  set_error(as_linux(h), "no meter configured");
  return -1;
}

/* The synchronous self-test reads current levels only (hal_linux_selftest_start
 * is the complete, event-driven one). */
static int lx_selftest(hal *h, int c, hal_selftest *out) {
  hal_linux *hl = as_linux(h);
  linux_connector *lc = conn_of(h, c);
  if (!lc) {
    set_error(hl, "no connector %d", c);
    return -1;
  }
  gpio_input *fb = &lc->inputs[IN_CONTACTOR], *trip = &lc->inputs[IN_RCD];
  out->contactor_ok = lc->contactor_closed || !fb->line || hl->gpio->get(fb->line) == 0;
  out->rcd_ok = !trip->line || hl->gpio->get(trip->line) == 0;
  double volts[CP_BURST_MAX];
  hal_linux_cp_obs o = hal_linux_cp_observe(volts, cp_burst(hl, lc, volts), lc->duty);
  out->cp_ok = o.has_state && (o.state == CP_A || o.state == CP_B || o.state == CP_C);
  out->meter_ok = true; /* no meter configured: nothing to check yet */
  set_error(hl, "no meter configured");
  return 0;
}

static const char *lx_last_error(hal *h) { return as_linux(h)->error; }

static void lx_destroy(hal *h) {
  hal_linux *hl = as_linux(h);
  if (hl->contact.line) hl->gpio->close(hl->contact.line);
  if (hl->tamper.line) hl->gpio->close(hl->tamper.line);
  if (hl->ap_button.line) hl->gpio->close(hl->ap_button.line);
  if (hl->shunt_trip) {
    hl->gpio->set(hl->shunt_trip, 0); /* a trip coil is not for continuous duty */
    hl->gpio->close(hl->shunt_trip);
  }
  for (int c = 0; c < h->connectors; c++) {
    linux_connector *lc = &hl->conn[c];
    if (lc->contactor) {
      hl->gpio->set(lc->contactor, 0); /* never leave a contactor energized */
      hl->gpio->close(lc->contactor);
    }
    pwm_write(hl, lc, PILOT_STEADY_LOW); /* state F: EVSE not available */
    if (lc->has_led) {
      char ignored[300];
      lx_led_show(&lc->led, NULL, ignored, sizeof ignored); /* dark: not running */
    }
    lc->strip = NULL;
    if (lc->lock) hl->gpio->close(lc->lock);
    if (lc->phase_contactor) {
      hl->gpio->set(lc->phase_contactor, 0);
      hl->gpio->close(lc->phase_contactor);
    }
    if (lc->rcd_test) {
      hl->gpio->set(lc->rcd_test, 0);
      hl->gpio->close(lc->rcd_test);
    }
    for (int k = 0; k < IN_COUNT; k++)
      if (lc->inputs[k].line) hl->gpio->close(lc->inputs[k].line);
    adc_channel *chans[] = {&lc->cp, &lc->pp, &lc->temp};
    for (size_t i = 0; i < sizeof chans / sizeof chans[0]; i++)
      if (chans[i]->fd >= 0) close(chans[i]->fd);
  }
  for (int i = 0; i < hl->nstrips; i++) {
    lx_strip_close(hl->strips[i]); /* every LED dark: not running */
    free(hl->strips[i]);
  }
  free(hl);
}

/* ---- grid inputs (docs/hal.md "Grid inputs") ---- */

static void line_ready(uv_poll_t *p, int status, int events) {
  (void)events;
  watched_line *w = p->data;
  if (status < 0) {
    log_warn(MOD, "%s: GPIO event fd: %s", w->label, uv_strerror(status));
    return;
  }
  int v = w->hl->gpio->read_events(w->line);
  if (v < 0 || v == w->value) return;
  w->value = v;
  if (w->cb) w->cb(w->ctx, v > 0);
}

static void line_first(uv_timer_t *t) {
  watched_line *w = t->data;
  if (w->cb) w->cb(w->ctx, w->value > 0);
}

static int watch_line(hal_linux *hl, watched_line *w, const char *label, const char *spec,
                      hal_contact_cb cb, void *ctx) {
  if (!hl->started) {
    set_error(hl, "%s: the HAL is not started", label);
    return -1;
  }
  if (w->line) {
    set_error(hl, "%s: already watched", label);
    return -1;
  }
  char err[200];
  int fd = -1;
  gpio_line *l = hl->gpio->open_input(hl->gpio->ctx, hl->cfg.dev_root, spec, &fd, err, sizeof err);
  if (!l) {
    set_error(hl, "%s: %s", label, err);
    return -1;
  }
  int rc = uv_poll_init(hl->loop, &w->poll, fd);
  if (rc != 0) {
    hl->gpio->close(l);
    set_error(hl, "%s: cannot watch GPIO events (fd %d): %s", label, fd, uv_strerror(rc));
    return -1;
  }
  uv_timer_init(hl->loop, &w->first);
  w->hl = hl;
  w->label = label;
  w->line = l;
  w->fd = fd;
  w->handles = true;
  w->poll.data = w;
  w->first.data = w;
  w->cb = cb;
  w->ctx = ctx;
  w->value = hl->gpio->get(l) > 0;
  uv_poll_start(&w->poll, UV_READABLE, line_ready);
  uv_timer_start(&w->first, line_first, 0, 0);
  return 0;
}

static int lx_watch_contact(hal *h, const char *spec, hal_contact_cb cb, void *ctx) {
  hal_linux *hl = as_linux(h);
  return watch_line(hl, &hl->contact, "control contact", spec, cb, ctx);
}

static int lx_watch_tamper(hal *h, const char *spec, hal_contact_cb cb, void *ctx) {
  hal_linux *hl = as_linux(h);
  return watch_line(hl, &hl->tamper, "tamper", spec, cb, ctx);
}

static int lx_watch_ap_button(hal *h, const char *spec, hal_contact_cb cb, void *ctx) {
  hal_linux *hl = as_linux(h);
  return watch_line(hl, &hl->ap_button, "setup button", spec, cb, ctx);
}

static int lx_open_shunt_trip(hal *h, const char *spec) {
  hal_linux *hl = as_linux(h);
  if (hl->shunt_trip) {
    set_error(hl, "shunt trip: already open");
    return -1;
  }
  char err[200];
  hl->shunt_trip = hl->gpio->open_output(hl->gpio->ctx, hl->cfg.dev_root, spec, 0, err, sizeof err);
  if (!hl->shunt_trip) {
    set_error(hl, "shunt trip: %s", err);
    return -1;
  }
  return 0;
}

static void lx_set_shunt_trip(hal *h, bool trip) {
  hal_linux *hl = as_linux(h);
  if (!hl->shunt_trip) return;
  if (hl->gpio->set(hl->shunt_trip, trip) != 0) {
    set_error(hl, "shunt trip: cannot drive the output: %s", strerror(errno));
    log_error(MOD, "%s", hl->error);
  }
}

/* CT block: 100 ms (5 periods of 50 Hz, 6 of 60 Hz) sampled at even
 * instants (absolute sleeps on CLOCK_MONOTONIC: this runs in a worker
 * thread). Reads the configuration only, so it is safe beside the loop. */
#define CT_BLOCK_NS 100000000L
static int lx_read_ct(hal *h, int clamp, const char *spec, double *volts, int max, char *err,
                      size_t errlen) {
  hal_linux *hl = as_linux(h);
  if (clamp < 0 || clamp > 2 || max < 2) {
    snprintf(err, errlen, "no CT clamp %d (0..2)", clamp);
    return -1;
  }
  adc_channel ch = {.fd = -1};
  if (adc_open(hl, spec, &ch, err, errlen) != 0) return -1;
  struct timespec t0;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  long step = CT_BLOCK_NS / max;
  int n = 0;
  for (; n < max; n++) {
    long at = step * n;
    struct timespec due = {.tv_sec = t0.tv_sec + (t0.tv_nsec + at) / 1000000000L,
                           .tv_nsec = (t0.tv_nsec + at) % 1000000000L};
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &due, NULL);
    double mv;
    if (adc_read_mv(&ch, &mv) != 0) {
      snprintf(err, errlen, "cannot read %s: %s", ch.path, strerror(errno));
      close(ch.fd);
      return -1;
    }
    volts[n] = mv / 1000.0;
  }
  close(ch.fd);
  return n;
}

static const hal_ops linux_ops = {
    .name = "linux",
    .start = lx_start,
    .stop = lx_stop,
    .set_pwm = lx_set_pwm,
    .set_contactor = lx_set_contactor,
    .set_lock = lx_set_lock,
    .get_phases = lx_get_phases,
    .set_phases = lx_set_phases,
    .set_led = lx_set_led,
    .read_meter = lx_read_meter,
    .selftest = lx_selftest,
    .selftest_start = hal_linux_selftest_start,
    .last_error = lx_last_error,
    .destroy = lx_destroy,
    .watch_contact = lx_watch_contact,
    .read_ct = lx_read_ct,
    .watch_tamper = lx_watch_tamper,
    .watch_ap_button = lx_watch_ap_button,
    .open_shunt_trip = lx_open_shunt_trip,
    .set_shunt_trip = lx_set_shunt_trip,
    .reader_state = lx_reader_state,
};

/* ---- creation ---- */

static int open_pins(hal_linux *hl, linux_connector *lc, char *err, size_t errlen) {
  const hal_linux_connector_pins *p = &lc->pins;
  char why[320];
  const char *missing = !p->contactor[0] ? "contactor"
                        : !p->pwm[0]     ? "pwm"
                        : !p->adc_cp[0]  ? "adc.cp"
                                         : NULL;
  if (missing) {
    snprintf(err, errlen, "connector %d %s: not configured (connector.%d.%s%s is required)", lc->id,
             missing, lc->id, strcmp(missing, "contactor") == 0 ? "gpio." : "", missing);
    return -1;
  }
  struct {
    const char *spec, *name;
    gpio_line **out;
  } outputs[] = {{p->contactor, "contactor", &lc->contactor},
                 {p->lock, "lock", &lc->lock},
                 {p->rcd_test, "rcd_test", &lc->rcd_test},
                 {p->phase_contactor, "phase_contactor", &lc->phase_contactor}};
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
    in->fd = -1;
    if (!in_specs[k][0]) continue;
    in->line = hl->gpio->open_input(hl->gpio->ctx, hl->cfg.dev_root, in_specs[k], &in->fd, why,
                                    sizeof why);
    if (!in->line) {
      snprintf(err, errlen, "connector %d %s: %s", lc->id, in_names[k], why);
      return -1;
    }
  }
  if (strncmp(p->led, "spi:", 4) == 0) {
    char dev[200], path[480];
    if (ws2812_parse_spec(p->led, dev, sizeof dev, &lc->strip_index, why, sizeof why) != 0) {
      snprintf(err, errlen, "connector %d led: %s", lc->id, why);
      return -1;
    }
    if (dev[0] == '/')
      snprintf(path, sizeof path, "%s", dev);
    else
      snprintf(path, sizeof path, "%s/%s", hl->cfg.dev_root, dev);
    for (int i = 0; i < hl->nstrips && !lc->strip; i++)
      if (strcmp(hl->strips[i]->path, path) == 0) lc->strip = hl->strips[i];
    for (int c = 0; lc->strip && c < lc->id - 1; c++)
      if (hl->conn[c].strip == lc->strip && hl->conn[c].strip_index == lc->strip_index) {
        snprintf(err, errlen, "connector %d led: %s LED %d is already connector %d's", lc->id, path,
                 lc->strip_index, c + 1);
        lc->strip = NULL;
        return -1;
      }
    if (!lc->strip) {
      lx_strip *st = calloc(1, sizeof *st);
      if (!st || lx_strip_open(st, path, why, sizeof why) != 0) {
        snprintf(err, errlen, "connector %d led: %s", lc->id, st ? why : "out of memory");
        free(st);
        return -1;
      }
      hl->strips[hl->nstrips++] = lc->strip = st;
    }
  } else if (p->led[0]) {
    if (lx_led_open(hl->cfg.sysfs_root, p->led, &lc->led, why, sizeof why) != 0) {
      snprintf(err, errlen, "connector %d led: %s", lc->id, why);
      return -1;
    }
    lc->has_led = true;
  }
  if (pwm_setup(hl, lc, why, sizeof why) != 0) {
    snprintf(err, errlen, "connector %d pwm: %s", lc->id, why);
    return -1;
  }
  struct {
    const char *spec, *name;
    adc_channel *ch;
  } adcs[] = {{p->adc_cp, "adc.cp", &lc->cp},
              {p->adc_pp, "adc.pp", &lc->pp},
              {p->adc_temp, "adc.temp", &lc->temp}};
  for (size_t i = 0; i < sizeof adcs / sizeof adcs[0]; i++) {
    if (!adcs[i].spec[0]) continue;
    double mv;
    if (adc_open(hl, adcs[i].spec, adcs[i].ch, why, sizeof why) != 0) {
      snprintf(err, errlen, "connector %d %s: %s", lc->id, adcs[i].name, why);
      return -1;
    }
    if (adc_read_mv(adcs[i].ch, &mv) != 0) {
      snprintf(err, errlen, "connector %d %s: %s does not read as a number", lc->id, adcs[i].name,
               adcs[i].ch->path);
      return -1;
    }
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
  if (!hl) {
    snprintf(err, errlen, "linux HAL: out of memory");
    return NULL;
  }
  hl->base.ops = &linux_ops;
  hl->base.connectors = cfg->connectors;
  hl->cfg = *cfg;
  apply_defaults(&hl->cfg);
  if (hl->cfg.pp_vref_mv < 0 || hl->cfg.pp_pullup_ohms < 0 || hl->cfg.cp_sample_ms > 1000) {
    snprintf(err, errlen,
             "linux HAL: calibration out of range (pp_vref_mv %g, pp_pullup_ohms %g, "
             "cp_sample_ms %u)",
             hl->cfg.pp_vref_mv, hl->cfg.pp_pullup_ohms, hl->cfg.cp_sample_ms);
    free(hl);
    return NULL;
  }
  hl->gpio = gpio;
  if (hl->cfg.reader_type[0] && strcmp(hl->cfg.reader_type, "pcsc") != 0 &&
      ((strcmp(hl->cfg.reader_type, "em4100") != 0 && strcmp(hl->cfg.reader_type, "pn532") != 0) ||
       !hl->cfg.reader_port[0])) {
    snprintf(err, errlen,
             hl->cfg.reader_port[0] ? "badge reader: `%s` is not a known type (em4100, pn532, pcsc)"
                                    : "badge reader %s: no serial device (reader.port)",
             hl->cfg.reader_type);
    free(hl);
    return NULL;
  }
  for (int c = 0; c < cfg->connectors; c++) {
    linux_connector *lc = &hl->conn[c];
    lc->hl = hl;
    lc->id = c + 1;
    lc->pins = cfg->pins[c];
    lc->cp.fd = lc->pp.fd = lc->temp.fd = -1;
    lc->state_candidate = lc->state_reported = CP_INVALID;
    lc->diode_candidate = lc->diode_reported = true;
    lc->pp_reported = -1;
  }
  for (int c = 0; c < cfg->connectors; c++) {
    if (open_pins(hl, &hl->conn[c], err, errlen) != 0) {
      lx_destroy(&hl->base); /* closes what was opened, contactors low */
      return NULL;
    }
  }
  return &hl->base;
}

hal *hal_linux_create(const hal_linux_config *cfg, char *err, size_t errlen) {
  return hal_linux_create_with(cfg, gpio_provider_gpiod(), err, errlen);
}
