/*
 * The Linux back end against a fake sysfs tree (PWM chip and IIO ADC files
 * made by each test in a temp dir) and a fake GPIO provider whose input lines
 * are pipes: CP levels written into the ADC file become debounced CP states,
 * the diode check follows the low PWM phase, PWM commands land in
 * duty_cycle, GPIO edges become feedback events, the event-driven self-test
 * pulses the RCD and drives the CP generator, and configuration mistakes give
 * errors that name the connector and the pin. The libgpiod provider is
 * checked on its error path only (no GPIO chip exists in the test
 * environment). The loop runs until the expected callback fired, bounded by
 * 2 s of loop time: no sleeps.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/pilot.h"
#include "hal/hal_linux.h"
#include "hal/ws2812.h"

#define CP_RAW "bus/iio/devices/iio:device0/in_voltage0_raw"
#define PP_RAW "bus/iio/devices/iio:device0/in_voltage1_raw"
#define TEMP_RAW "bus/iio/devices/iio:device0/in_voltage2_raw"
#define DUTY "class/pwm/pwmchip0/pwm0/duty_cycle"
#define RCD_TRIP "gpiochip0:21"
#define RCD_TEST "gpiochip0:22"

/* ---- fake GPIO: outputs remember their value, inputs are pipes ---- */
typedef struct {
  gpio_line *lines[16];
  int n;
  bool rcd_wired;         /* the RCD test output trips the monitor */
  bool rcd_latches;       /* ...which then stays tripped */
  int contactor_at_close; /* the contactor output's level when it was released */
  int shunt_at_close;     /* the shunt-trip output's (gpiochip0:26) */
} fake_bank;

struct gpio_line {
  fake_bank *bank;
  int value;
  int pipe[2];
  char spec[64];
};

static gpio_line *find_line(fake_bank *b, const char *spec) {
  for (int i = 0; i < b->n; i++)
    if (strcmp(b->lines[i]->spec, spec) == 0) return b->lines[i];
  return NULL;
}

static gpio_line *fake_open_output(void *ctx, const char *root, const char *spec, int initial,
                                   char *err, size_t errlen) {
  (void)root;
  fake_bank *b = ctx;
  if (strncmp(spec, "gpiochip0:", 10) != 0) {
    snprintf(err, errlen, "cannot open %.*s", (int)strcspn(spec, ":"), spec);
    return NULL;
  }
  gpio_line *l = calloc(1, sizeof *l);
  assert_non_null(l);
  l->bank = b;
  l->value = initial;
  l->pipe[0] = l->pipe[1] = -1;
  snprintf(l->spec, sizeof l->spec, "%s", spec);
  b->lines[b->n++] = l;
  return l;
}

static gpio_line *fake_open_input(void *ctx, const char *root, const char *spec, int *fd, char *err,
                                  size_t errlen) {
  gpio_line *l = fake_open_output(ctx, root, spec, 0, err, errlen);
  if (!l) return NULL;
  assert_int_equal(pipe(l->pipe), 0);
  *fd = l->pipe[0];
  return l;
}

/* An edge on an input: new level, and a byte on its event fd. */
static void edge_line(gpio_line *l, int value) {
  l->value = value;
  assert_int_equal(write(l->pipe[1], "e", 1), 1);
}

static int fake_set(gpio_line *l, int v) {
  l->value = v;
  fake_bank *b = l->bank;
  if (b->rcd_wired && strcmp(l->spec, RCD_TEST) == 0) {
    gpio_line *trip = find_line(b, RCD_TRIP);
    if (v || !b->rcd_latches) edge_line(trip, v);
  }
  return 0;
}
static int fake_get(gpio_line *l) { return l->value; }
static int fake_read_events(gpio_line *l) {
  char buf[16];
  if (read(l->pipe[0], buf, sizeof buf) < 0) return -1;
  return l->value;
}
static void fake_close(gpio_line *l) {
  fake_bank *b = l->bank;
  if (strcmp(l->spec, "gpiochip0:17") == 0) b->contactor_at_close = l->value;
  if (strcmp(l->spec, "gpiochip0:26") == 0) b->shunt_at_close = l->value;
  if (l->pipe[0] >= 0) close(l->pipe[0]), close(l->pipe[1]);
  for (int i = 0; i < b->n; i++)
    if (b->lines[i] == l) b->lines[i] = b->lines[--b->n];
  free(l);
}

/* ---- what the listener saw ---- */
typedef struct {
  cp_state cp;
  bool diode_ok;
  int cp_reports, f_reports;
  double pp;
  int pp_reports;
  double temp;
  int contactor, lock, rcd_trips;
  bool selftest_done;
  int selftest_connector;
  hal_selftest selftest;
  char reason[256];
} seen;

/* ---- per-test fixture: fake tree, fake GPIO, loop ---- */
typedef struct {
  char root[64];
  fake_bank bank;
  gpio_provider gpio;
  uv_loop_t loop;
  seen x;
  hal_listener listener;
  bool generator; /* mirror duty_cycle into the CP ADC file, like a real CP driver */
  hal *h;         /* released by teardown if a failed assertion left it alive */
} fixture;

static void put(fixture *f, const char *rel, const char *text) {
  char path[256];
  snprintf(path, sizeof path, "%s/%s", f->root, rel);
  FILE *fp = fopen(path, "w");
  assert_non_null(fp);
  fputs(text, fp);
  fclose(fp);
}

static void get(fixture *f, const char *rel, char *out, size_t len) {
  char path[256];
  snprintf(path, sizeof path, "%s/%s", f->root, rel);
  FILE *fp = fopen(path, "r");
  assert_non_null(fp);
  if (!fgets(out, (int)len, fp)) out[0] = '\0';
  fclose(fp);
  out[strcspn(out, "\n")] = '\0';
}

/* The CP level as the ADC sees it: cp_gain 4 below, so 1 count = 4 mV at the connector. */
static void cp_volts(fixture *f, double v) {
  char text[32];
  snprintf(text, sizeof text, "%d", (int)(v * 250.0));
  put(f, CP_RAW, text);
}

static void on_cp(void *ctx, int c, cp_state s, bool diode) {
  (void)c;
  seen *x = ctx;
  x->cp = s;
  x->diode_ok = diode;
  x->cp_reports++;
  if (s == CP_F) x->f_reports++;
}
static void on_pp(void *ctx, int c, double ohms) {
  (void)c;
  seen *x = ctx;
  x->pp = ohms;
  x->pp_reports++;
}
static void on_temp(void *ctx, int c, double t) {
  (void)c;
  ((seen *)ctx)->temp = t;
}
static void on_contactor(void *ctx, int c, bool v) {
  (void)c;
  ((seen *)ctx)->contactor = v;
}
static void on_lock(void *ctx, int c, bool v) {
  (void)c;
  ((seen *)ctx)->lock = v;
}
static void on_rcd(void *ctx, int c, bool dc) {
  (void)c, (void)dc;
  ((seen *)ctx)->rcd_trips++;
}
static void on_selftest(void *ctx, int c, const hal_selftest *r, const char *reason) {
  seen *x = ctx;
  x->selftest_done = true;
  x->selftest_connector = c;
  x->selftest = *r;
  snprintf(x->reason, sizeof x->reason, "%s", reason);
}

static int setup(void **state) {
  fixture *f = calloc(1, sizeof *f);
  assert_non_null(f);
  snprintf(f->root, sizeof f->root, "/tmp/borne-sysfs-XXXXXX");
  assert_non_null(mkdtemp(f->root));
  char cmd[256];
  snprintf(cmd, sizeof cmd, "mkdir -p %s/class/pwm/pwmchip0/pwm0 '%s/bus/iio/devices/iio:device0'",
           f->root, f->root);
  assert_int_equal(system(cmd), 0);
  put(f, "class/pwm/pwmchip0/export", "");
  put(f, "class/pwm/pwmchip0/pwm0/period", "0");
  put(f, DUTY, "0");
  put(f, "class/pwm/pwmchip0/pwm0/enable", "0");
  /* 0.25 mV per count (shared scale); cp_gain 16 below: CP mV = counts × 4 */
  put(f, "bus/iio/devices/iio:device0/in_voltage_scale", "0.25");
  put(f, "bus/iio/devices/iio:device0/in_voltage1_scale", "1.0"); /* PP: own scale */
  put(f, "bus/iio/devices/iio:device0/in_voltage2_scale", "1.0");
  cp_volts(f, 12.0);
  put(f, PP_RAW, "5000");  /* PP open */
  put(f, TEMP_RAW, "250"); /* 25 °C at 10 mV/°C */
  f->gpio = (gpio_provider){fake_open_output, fake_open_input, fake_set, fake_get,
                            fake_read_events, fake_close,      &f->bank};
  assert_int_equal(uv_loop_init(&f->loop), 0);
  f->x = (seen){.cp = CP_INVALID, .contactor = -1, .lock = -1};
  f->listener = (hal_listener){.ctx = &f->x,
                               .on_cp = on_cp,
                               .on_pp = on_pp,
                               .on_temperature = on_temp,
                               .on_contactor = on_contactor,
                               .on_lock = on_lock,
                               .on_rcd_trip = on_rcd};
  *state = f;
  return 0;
}

/* closes what a test left open when an assertion stopped it (the PN532 emulator) */
static void (*test_cleanup)(void *f);

static int teardown(void **state) {
  fixture *f = *state;
  if (test_cleanup) test_cleanup(f), test_cleanup = NULL;
  if (f->h) {
    f->h->ops->stop(f->h);
    uv_run(&f->loop, UV_RUN_DEFAULT);
    f->h->ops->destroy(f->h);
  }
  uv_run(&f->loop, UV_RUN_DEFAULT); /* close callbacks */
  assert_int_equal(uv_loop_close(&f->loop), 0);
  assert_int_equal(f->bank.n, 0); /* every line released */
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", f->root);
  assert_int_equal(system(cmd), 0);
  free(f);
  return 0;
}

static hal_linux_config config(fixture *f) {
  hal_linux_config c;
  hal_linux_config_defaults(&c);
  c.connectors = 1;
  c.cp_gain = 16.0; /* 0.25 mV per count × 16 = 4 mV at the connector per count */
  c.cp_sample_ms = 1;
  c.cp_burst = 4;
  snprintf(c.sysfs_root, sizeof c.sysfs_root, "%s", f->root);
  hal_linux_connector_pins *p = &c.pins[0];
  snprintf(p->contactor, sizeof p->contactor, "gpiochip0:17");
  snprintf(p->contactor_feedback, sizeof p->contactor_feedback, "gpiochip0:18");
  snprintf(p->lock, sizeof p->lock, "gpiochip0:19");
  snprintf(p->lock_feedback, sizeof p->lock_feedback, "gpiochip0:20");
  snprintf(p->rcd_trip, sizeof p->rcd_trip, RCD_TRIP);
  snprintf(p->rcd_test, sizeof p->rcd_test, RCD_TEST);
  snprintf(p->pwm, sizeof p->pwm, "pwmchip0:0");
  snprintf(p->adc_cp, sizeof p->adc_cp, "iio:device0:in_voltage0_raw");
  snprintf(p->adc_pp, sizeof p->adc_pp, "iio:device0:in_voltage1_raw");
  snprintf(p->adc_temp, sizeof p->adc_temp, "iio:device0:in_voltage2_raw");
  return c;
}

static hal *create_started(fixture *f) {
  hal_linux_config cfg = config(f);
  char err[256];
  hal *h = hal_linux_create_with(&cfg, &f->gpio, err, sizeof err);
  if (!h) fail_msg("create: %s", err);
  f->h = h;
  assert_int_equal(h->ops->start(h, &f->loop, &f->listener), 0);
  return h;
}

static void finish(fixture *f, hal *h) {
  h->ops->stop(h);
  uv_run(&f->loop, UV_RUN_DEFAULT);
  h->ops->destroy(h);
  f->h = NULL;
}

/* A CP driver: +12 V steady at 100 %, -12 V steady at 0 %. */
static void mirror_generator(fixture *f) {
  char text[32];
  get(f, DUTY, text, sizeof text);
  if (strcmp(text, "1000000") == 0) cp_volts(f, 12.0);
  if (strcmp(text, "0") == 0) cp_volts(f, -12.0);
}

/* Run the loop until `cond` holds; false after 2 s of loop time (a bound, not a wait). */
static bool run_until(fixture *f, bool (*cond)(seen *)) {
  uv_update_time(&f->loop);
  uint64_t start = uv_now(&f->loop);
  while (!cond(&f->x)) {
    if (f->generator) mirror_generator(f);
    uv_run(&f->loop, UV_RUN_ONCE);
    uv_update_time(&f->loop);
    if (uv_now(&f->loop) - start > 2000) return false;
  }
  return true;
}

/* Run the loop for n sampler periods (used to show that nothing happens). */
static void run_ticks(fixture *f, int n) {
  for (int i = 0; i < n; i++) uv_run(&f->loop, UV_RUN_ONCE);
}

static bool cp_is_a(seen *x) { return x->cp_reports > 0 && x->cp == CP_A; }
static bool cp_is_b(seen *x) { return x->cp == CP_B; }
static bool cp_is_c(seen *x) { return x->cp == CP_C; }
static bool diode_failed(seen *x) { return !x->diode_ok; }
static bool contactor_closed(seen *x) { return x->contactor == 1; }
static bool lock_engaged(seen *x) { return x->lock == 1; }
static bool rcd_tripped(seen *x) { return x->rcd_trips == 1; }
static bool pp_is_220(seen *x) { return x->pp > 200 && x->pp < 240; }
static bool selftest_done(seen *x) { return x->selftest_done; }

/* ---- tests ---- */

static void start_reports_levels_and_pwm_is_configured(void **state) {
  fixture *f = *state;
  hal_linux_config cfg = config(f);
  char err[256];
  hal *h = f->h = hal_linux_create_with(&cfg, &f->gpio, err, sizeof err);
  assert_non_null(h);
  char text[64];
  get(f, "class/pwm/pwmchip0/pwm0/period", text, sizeof text);
  assert_string_equal(text, "1000000"); /* 1 kHz */
  get(f, DUTY, text, sizeof text);
  assert_string_equal(text, "1000000"); /* +12 V steady until the core decides */
  get(f, "class/pwm/pwmchip0/pwm0/enable", text, sizeof text);
  assert_string_equal(text, "1");
  assert_int_equal(find_line(&f->bank, "gpiochip0:17")->value, 0); /* contactor open */

  find_line(&f->bank, "gpiochip0:20")->value = 1; /* lock already engaged at boot */
  assert_int_equal(h->ops->start(h, &f->loop, &f->listener), 0);
  assert_true(run_until(f, cp_is_a));
  assert_true(f->x.diode_ok);
  assert_int_equal(f->x.cp_reports, 1);
  assert_int_equal(f->x.contactor, 0); /* initial levels reported at start */
  assert_int_equal(f->x.lock, 1);
  assert_int_equal(f->x.rcd_trips, 0);
  assert_float_equal(f->x.temp, 25.0, 0.01);
  assert_true(f->x.pp < 0); /* no cable */
  assert_int_equal(f->x.pp_reports, 1);
  run_ticks(f, 10);
  assert_int_equal(f->x.cp_reports, 1); /* only changes are reported */
  assert_int_equal(f->x.pp_reports, 1);
  finish(f, h);
}

static void cp_states_are_debounced(void **state) {
  fixture *f = *state;
  hal *h = create_started(f);
  assert_true(run_until(f, cp_is_a));
  put(f, PP_RAW, "1999"); /* 330 × 1999 / 3001 = 219.8 Ω */
  cp_volts(f, 9.0);
  assert_true(run_until(f, cp_is_b));
  assert_true(run_until(f, pp_is_220));
  int reports = f->x.cp_reports;

  /* a single noisy sample does not change the state */
  cp_volts(f, 6.0);
  run_ticks(f, 1);
  cp_volts(f, 9.0);
  run_ticks(f, 10);
  assert_int_equal(f->x.cp, CP_B);
  assert_int_equal(f->x.cp_reports, reports);
  /* a level between the bands is not a state either, until it stays */
  cp_volts(f, 10.5);
  run_ticks(f, 1);
  cp_volts(f, 9.0);
  run_ticks(f, 10);
  assert_int_equal(f->x.cp_reports, reports);
  cp_volts(f, 6.0);
  assert_true(run_until(f, cp_is_c));
  assert_int_equal(f->x.cp_reports, reports + 1);
  finish(f, h);
}

static void calibration_maps_the_front_end(void **state) {
  fixture *f = *state;
  /* A typical divider: CP ±12 V → 0..3.3 V around 1.65 V. 12 V reads 3.0 V here. */
  hal_linux_config cfg = config(f);
  cfg.cp_gain = 12000.0 / 1350.0; /* mV at the connector per ADC mV */
  cfg.cp_offset_mv = -1650.0 * 12000.0 / 1350.0;
  put(f, "bus/iio/devices/iio:device0/in_voltage_scale", "1.0");
  put(f, CP_RAW, "2662"); /* (2662 - 1650) × 8.889 = 8.996 V: B */
  char err[256];
  hal *h = f->h = hal_linux_create_with(&cfg, &f->gpio, err, sizeof err);
  assert_non_null(h);
  assert_int_equal(h->ops->start(h, &f->loop, &f->listener), 0);
  assert_true(run_until(f, cp_is_b));
  finish(f, h);
}

static void pwm_commands_and_the_diode_check(void **state) {
  fixture *f = *state;
  hal *h = create_started(f);
  cp_volts(f, 9.0);
  assert_true(run_until(f, cp_is_b));
  char text[64];
  h->ops->set_pwm(h, 1, pilot_duty_for_current(32));
  get(f, DUTY, text, sizeof text);
  assert_string_equal(text, "533000");
  int reports = f->x.cp_reports;

  /* While the PWM runs, bursts that caught only the -12 V low phase say
   * nothing about the state, and a -12 V low level means the diode is there. */
  cp_volts(f, -12.0);
  run_ticks(f, 10);
  assert_int_equal(f->x.cp_reports, reports);
  assert_int_equal(f->x.f_reports, 0);
  /* A shorted diode lets the EV's resistors pull the low phase to about -8.8 V. */
  cp_volts(f, -8.8);
  assert_true(run_until(f, diode_failed));
  assert_int_equal(f->x.cp, CP_B);
  assert_int_equal(f->x.cp_reports, reports + 1);
  /* high-phase samples do not clear it: only a good low level does */
  cp_volts(f, 9.0);
  run_ticks(f, 10);
  assert_false(f->x.diode_ok);
  assert_int_equal(f->x.cp_reports, reports + 1);

  /* steady outputs: all samples are the level; -12 V steady is state F */
  h->ops->set_pwm(h, 1, PILOT_STEADY_HIGH);
  get(f, DUTY, text, sizeof text);
  assert_string_equal(text, "1000000");
  h->ops->set_pwm(h, 1, 5000); /* clamped */
  get(f, DUTY, text, sizeof text);
  assert_string_equal(text, "1000000");
  h->ops->set_pwm(h, 1, PILOT_STEADY_LOW);
  get(f, DUTY, text, sizeof text);
  assert_string_equal(text, "0");
  finish(f, h);
  get(f, DUTY, text, sizeof text);
  assert_string_equal(text, "0"); /* destroyed: state F, EVSE not available */
}

static void burst_observation(void **state) {
  (void)state;
  /* random-phase samples of a 53 % PWM with an EV in state C and its diode */
  double c2[] = {6.0, -12.0, 6.1, -11.9, 5.9};
  hal_linux_cp_obs o = hal_linux_cp_observe(c2, 5, 533);
  assert_true(o.has_state);
  assert_int_equal(o.state, CP_C);
  assert_true(o.has_diode);
  assert_true(o.diode_ok);
  /* the same without a diode: low phase about -5.6 V */
  double no_diode[] = {6.0, -5.6, 6.0};
  o = hal_linux_cp_observe(no_diode, 3, 533);
  assert_int_equal(o.state, CP_C);
  assert_true(o.has_diode);
  assert_false(o.diode_ok);
  /* only low-phase samples: no state */
  double low[] = {-12.0, -12.1};
  o = hal_linux_cp_observe(low, 2, 100);
  assert_false(o.has_state);
  assert_true(o.has_diode);
  /* only high-phase samples: no diode verdict */
  double high[] = {9.0, 9.1};
  o = hal_linux_cp_observe(high, 2, 100);
  assert_int_equal(o.state, CP_B);
  assert_false(o.has_diode);
  /* CP shorted to PE while the PWM runs: state E */
  double shorted[] = {0.1, -0.1};
  o = hal_linux_cp_observe(shorted, 2, 533);
  assert_int_equal(o.state, CP_E);
  assert_false(o.has_diode);
  /* steady -12 V (commanded F): state F, not a diode check */
  o = hal_linux_cp_observe(low, 2, PILOT_STEADY_LOW);
  assert_int_equal(o.state, CP_F);
  assert_false(o.has_diode);
  /* no sample at all */
  o = hal_linux_cp_observe(NULL, 0, 533);
  assert_false(o.has_state);
  assert_false(o.has_diode);
}

static void cp_bands_follow_table_a4(void **state) {
  (void)state;
  assert_int_equal(hal_linux_cp_state_for_volts(12.0), CP_A);
  assert_int_equal(hal_linux_cp_state_for_volts(11.0), CP_A);
  assert_int_equal(hal_linux_cp_state_for_volts(13.0), CP_A);
  assert_int_equal(hal_linux_cp_state_for_volts(9.0), CP_B);
  assert_int_equal(hal_linux_cp_state_for_volts(6.0), CP_C);
  assert_int_equal(hal_linux_cp_state_for_volts(3.0), CP_D);
  assert_int_equal(hal_linux_cp_state_for_volts(0.0), CP_E);
  assert_int_equal(hal_linux_cp_state_for_volts(-12.0), CP_F);
  assert_int_equal(hal_linux_cp_state_for_volts(10.5), CP_INVALID);
  assert_int_equal(hal_linux_cp_state_for_volts(4.5), CP_INVALID);
  assert_int_equal(hal_linux_cp_state_for_volts(13.5), CP_INVALID);
  assert_int_equal(hal_linux_cp_state_for_volts(-6.0), CP_INVALID);
}

static void gpio_edges_become_events(void **state) {
  fixture *f = *state;
  hal *h = create_started(f);
  assert_true(run_until(f, cp_is_a));
  h->ops->set_contactor(h, 1, true);
  assert_int_equal(find_line(&f->bank, "gpiochip0:17")->value, 1);
  assert_int_equal(f->x.contactor, 0); /* never from inside the command */
  edge_line(find_line(&f->bank, "gpiochip0:18"), 1);
  assert_true(run_until(f, contactor_closed));
  h->ops->set_lock(h, 1, true);
  assert_int_equal(find_line(&f->bank, "gpiochip0:19")->value, 1);
  edge_line(find_line(&f->bank, "gpiochip0:20"), 1);
  assert_true(run_until(f, lock_engaged));
  edge_line(find_line(&f->bank, RCD_TRIP), 1);
  assert_true(run_until(f, rcd_tripped));
  /* an edge that changes nothing (bounce back to the same level) is not reported */
  edge_line(find_line(&f->bank, RCD_TRIP), 1);
  run_ticks(f, 5);
  assert_int_equal(f->x.rcd_trips, 1);
  finish(f, h);
}

static void destroy_opens_the_contactor(void **state) {
  fixture *f = *state;
  hal *h = create_started(f);
  h->ops->set_contactor(h, 1, true);
  assert_int_equal(find_line(&f->bank, "gpiochip0:17")->value, 1);
  finish(f, h);
  assert_int_equal(f->bank.contactor_at_close, 0); /* driven low before it was released */
  assert_int_equal(f->bank.n, 0);
}

/* The phase contactor (docs/hal.md): none without its pin, refused with a
 * sentence; with it, released (one phase) at start, driven by set_phases,
 * released again at exit. */
static void phase_contactor_output(void **state) {
  fixture *f = *state;
  hal *h = create_started(f);
  assert_int_equal(h->ops->get_phases(h, 1), -1);
  assert_int_equal(h->ops->set_phases(h, 1, 3), -1);
  assert_non_null(strstr(h->ops->last_error(h), "no phase contactor"));
  finish(f, h);
  hal_linux_config cfg = config(f);
  snprintf(cfg.pins[0].phase_contactor, sizeof cfg.pins[0].phase_contactor, "gpiochip0:23");
  char err[256];
  h = hal_linux_create_with(&cfg, &f->gpio, err, sizeof err);
  if (!h) fail_msg("create: %s", err);
  f->h = h;
  assert_int_equal(h->ops->start(h, &f->loop, &f->listener), 0);
  gpio_line *l = find_line(&f->bank, "gpiochip0:23");
  assert_int_equal(l->value, 0);
  assert_int_equal(h->ops->get_phases(h, 1), 1);
  assert_int_equal(h->ops->set_phases(h, 1, 3), 0);
  assert_int_equal(l->value, 1);
  assert_int_equal(h->ops->get_phases(h, 1), 3);
  assert_int_equal(h->ops->set_phases(h, 1, 1), 0);
  assert_int_equal(l->value, 0);
  assert_int_equal(h->ops->get_phases(h, 2), -1); /* no connector 2 */
  finish(f, h);
  assert_int_equal(f->bank.n, 0);
}

static void sync_selftest_reads_levels(void **state) {
  fixture *f = *state;
  hal *h = create_started(f);
  assert_true(run_until(f, cp_is_a));
  hal_selftest st;
  assert_int_equal(h->ops->selftest(h, 1, &st), 0);
  assert_true(st.contactor_ok);
  assert_true(st.cp_ok);
  assert_true(st.rcd_ok);   /* monitor not tripped */
  assert_true(st.meter_ok); /* no meter configured: nothing to check */
  assert_string_equal(h->ops->last_error(h), "no meter configured");
  /* a welded contactor: feedback closed while commanded open */
  find_line(&f->bank, "gpiochip0:18")->value = 1;
  find_line(&f->bank, RCD_TRIP)->value = 1;
  cp_volts(f, 4.5);
  assert_int_equal(h->ops->selftest(h, 1, &st), 0);
  assert_false(st.contactor_ok);
  assert_false(st.rcd_ok);
  assert_false(st.cp_ok);
  assert_int_equal(h->ops->selftest(h, 2, &st), -1);
  assert_string_equal(h->ops->last_error(h), "no connector 2");

  meter_reading m;
  assert_int_equal(h->ops->read_meter(h, 1, &m), -1);
  assert_string_equal(h->ops->last_error(h), "no meter configured");
  finish(f, h);
}

static void async_selftest_passes_on_healthy_hardware(void **state) {
  fixture *f = *state;
  f->bank.rcd_wired = true;
  f->generator = true;
  hal_linux_config cfg = config(f);
  char err[256];
  hal *h = f->h = hal_linux_create_with(&cfg, &f->gpio, err, sizeof err);
  assert_non_null(h);
  assert_int_equal(hal_linux_selftest_start(h, 1, on_selftest, &f->x), -1); /* not started */
  assert_non_null(strstr(h->ops->last_error(h), "started"));
  assert_int_equal(h->ops->start(h, &f->loop, &f->listener), 0);
  assert_true(run_until(f, cp_is_a));
  int cp_reports = f->x.cp_reports;

  assert_int_equal(hal_linux_selftest_start(h, 1, on_selftest, &f->x), 0);
  assert_false(f->x.selftest_done);                          /* never from inside the call */
  assert_int_equal(find_line(&f->bank, RCD_TEST)->value, 1); /* test current on */
  assert_int_equal(hal_linux_selftest_start(h, 1, on_selftest, &f->x), -1);
  assert_non_null(strstr(h->ops->last_error(h), "already running"));
  assert_true(run_until(f, selftest_done));
  assert_int_equal(f->x.selftest_connector, 1);
  assert_true(f->x.selftest.rcd_ok);
  assert_true(f->x.selftest.contactor_ok);
  assert_true(f->x.selftest.cp_ok);
  assert_true(f->x.selftest.meter_ok);
  assert_string_equal(f->x.reason, "no meter configured");
  /* the test's own RCD trip and -12 V are not inputs for the core */
  assert_int_equal(f->x.rcd_trips, 0);
  assert_int_equal(f->x.f_reports, 0);
  assert_int_equal(f->x.cp_reports, cp_reports);
  char text[64];
  get(f, DUTY, text, sizeof text);
  assert_string_equal(text, "1000000"); /* the commanded duty is back */
  /* and a real trip afterwards is reported */
  edge_line(find_line(&f->bank, RCD_TRIP), 1);
  assert_true(run_until(f, rcd_tripped));
  finish(f, h);
}

static void async_selftest_finds_faults(void **state) {
  fixture *f = *state;
  hal *h = create_started(f); /* RCD not wired to its test output, CP stuck at +12 V */
  assert_true(run_until(f, cp_is_a));
  find_line(&f->bank, "gpiochip0:18")->value = 1; /* welded */
  uv_update_time(&f->loop);
  uint64_t t0 = uv_now(&f->loop);
  assert_int_equal(hal_linux_selftest_start(h, 1, on_selftest, &f->x), 0);
  assert_int_equal(find_line(&f->bank, RCD_TEST)->value, 1); /* test current on */
  /* the core commands a duty meanwhile: kept for after the test */
  h->ops->set_pwm(h, 1, 250);
  assert_true(run_until(f, selftest_done));
  assert_true(uv_now(&f->loop) - t0 >= 100); /* the RCD had its 100 ms */
  assert_false(f->x.selftest.rcd_ok);
  assert_false(f->x.selftest.contactor_ok);
  assert_false(f->x.selftest.cp_ok);
  assert_true(f->x.selftest.meter_ok);
  assert_non_null(strstr(f->x.reason, "contactor feedback reads closed"));
  assert_non_null(strstr(f->x.reason, "did not trip within 100 ms"));
  assert_non_null(strstr(f->x.reason, "does not read back -12 V"));
  assert_null(strstr(f->x.reason, "+12 V"));
  assert_int_equal(find_line(&f->bank, RCD_TEST)->value, 0); /* test current off */
  char text[64];
  get(f, DUTY, text, sizeof text);
  assert_string_equal(text, "250000");
  finish(f, h);
}

static void async_selftest_latched_rcd_and_cancel(void **state) {
  fixture *f = *state;
  f->bank.rcd_wired = true;
  f->bank.rcd_latches = true;
  f->generator = true;
  hal *h = create_started(f);
  assert_true(run_until(f, cp_is_a));
  assert_int_equal(hal_linux_selftest_start(h, 1, on_selftest, &f->x), 0);
  assert_true(run_until(f, selftest_done));
  assert_false(f->x.selftest.rcd_ok);
  assert_non_null(strstr(f->x.reason, "stays tripped"));
  assert_true(f->x.selftest.cp_ok);
  assert_int_equal(f->x.rcd_trips, 0);

  /* a second run finds the monitor still tripped and does not pulse */
  f->x.selftest_done = false;
  find_line(&f->bank, RCD_TEST)->value = 0;
  assert_int_equal(hal_linux_selftest_start(h, 1, on_selftest, &f->x), 0);
  assert_int_equal(find_line(&f->bank, RCD_TEST)->value, 0);
  /* stop cancels it: generator back to the commanded level, no callback */
  run_ticks(f, 1);
  h->ops->stop(h);
  uv_run(&f->loop, UV_RUN_DEFAULT);
  assert_false(f->x.selftest_done);
  char text[64];
  get(f, DUTY, text, sizeof text);
  assert_string_equal(text, "1000000");
  h->ops->destroy(h);
  f->h = NULL;
}

static void configuration_errors_name_the_pin(void **state) {
  fixture *f = *state;
  char err[256];
  hal_linux_config cfg = config(f);
  snprintf(cfg.pins[0].lock_feedback, sizeof cfg.pins[0].lock_feedback, "gpiochip7:3");
  assert_null(hal_linux_create_with(&cfg, &f->gpio, err, sizeof err));
  assert_string_equal(err, "connector 1 lock_feedback: cannot open gpiochip7");
  assert_int_equal(f->bank.n, 0); /* what was opened is released */

  cfg = config(f);
  snprintf(cfg.pins[0].adc_cp, sizeof cfg.pins[0].adc_cp, "iio:device3:in_voltage0_raw");
  assert_null(hal_linux_create_with(&cfg, &f->gpio, err, sizeof err));
  assert_non_null(strstr(err, "connector 1 adc.cp: cannot open "));
  assert_non_null(strstr(err, "iio:device3/in_voltage0_raw: No such file or directory"));
  assert_int_equal(f->bank.n, 0);

  cfg = config(f);
  snprintf(cfg.pins[0].adc_pp, sizeof cfg.pins[0].adc_pp, "iio:device0:../../x");
  assert_null(hal_linux_create_with(&cfg, &f->gpio, err, sizeof err));
  assert_string_equal(
      err, "connector 1 adc.pp: `iio:device0:../../x` is not iio:deviceN:in_voltageK_raw");

  cfg = config(f);
  snprintf(cfg.pins[0].pwm, sizeof cfg.pins[0].pwm, "pwm0");
  assert_null(hal_linux_create_with(&cfg, &f->gpio, err, sizeof err));
  assert_string_equal(err, "connector 1 pwm: `pwm0` is not pwmchipN:CHANNEL");

  cfg = config(f);
  cfg.pins[0].adc_cp[0] = '\0';
  assert_null(hal_linux_create_with(&cfg, &f->gpio, err, sizeof err));
  assert_string_equal(err, "connector 1 adc.cp: not configured (connector.1.adc.cp is required)");
  cfg = config(f);
  cfg.pins[0].contactor[0] = '\0';
  assert_null(hal_linux_create_with(&cfg, &f->gpio, err, sizeof err));
  assert_string_equal(
      err, "connector 1 contactor: not configured (connector.1.gpio.contactor is required)");

  /* the second connector's mistake names the second connector */
  cfg = config(f);
  cfg.connectors = 2;
  cfg.pins[1] = cfg.pins[0];
  snprintf(cfg.pins[1].pwm, sizeof cfg.pins[1].pwm, "pwmchip4:1");
  assert_null(hal_linux_create_with(&cfg, &f->gpio, err, sizeof err));
  assert_non_null(strstr(err, "connector 2 pwm: cannot export channel 1 of "));
  assert_int_equal(f->bank.n, 0);

  cfg = config(f);
  cfg.connectors = 9;
  assert_null(hal_linux_create_with(&cfg, &f->gpio, err, sizeof err));
  assert_string_equal(err, "linux HAL: 9 connectors (1 to 8)");
}

static void pwm_channel_is_exported(void **state) {
  fixture *f = *state;
  char cmd[160];
  snprintf(cmd, sizeof cmd, "rm -r %s/class/pwm/pwmchip0/pwm0", f->root);
  assert_int_equal(system(cmd), 0);
  hal_linux_config cfg = config(f);
  char err[256], text[64];
  /* the fake tree cannot make pwm0 appear: the export is written, then reported missing */
  assert_null(hal_linux_create_with(&cfg, &f->gpio, err, sizeof err));
  get(f, "class/pwm/pwmchip0/export", text, sizeof text);
  assert_string_equal(text, "0");
  assert_non_null(strstr(err, "connector 1 pwm: "));
  assert_non_null(strstr(err, "pwmchip0/pwm0 did not appear after export"));
}

static void libgpiod_provider_error_path(void **state) {
  fixture *f = *state;
  char err[256];
  hal_linux_config cfg = config(f);
  snprintf(cfg.dev_root, sizeof cfg.dev_root, "%s/dev", f->root);
  assert_null(hal_linux_create(&cfg, err, sizeof err));
  assert_string_equal(err, "connector 1 contactor: cannot open gpiochip0 line 17: No such file or "
                           "directory");
  snprintf(cfg.pins[0].contactor, sizeof cfg.pins[0].contactor, "gpiochip0");
  assert_null(hal_linux_create(&cfg, err, sizeof err));
  assert_string_equal(err, "connector 1 contactor: `gpiochip0` is not gpiochipN:LINE");
  /* a zeroed configuration takes the defaults: /dev, /sys */
  hal_linux_config zero = {0};
  zero.connectors = 1;
  zero.pins[0] = cfg.pins[0];
  snprintf(zero.pins[0].contactor, sizeof zero.pins[0].contactor, "!gpiochip99:1");
  assert_null(hal_linux_create(&zero, err, sizeof err));
  assert_string_equal(err, "connector 1 contactor: cannot open gpiochip99 line 1: No such file or "
                           "directory");
}

/* ---- grid inputs: the utility control contact and CT clamp blocks ---- */

/* The station-wide inputs (the utility control contact, the tamper switch,
 * the setup access point's button: `!`, active low, is the GPIO provider's
 * business, not the fake's) share one contract: refused before start, the
 * level at start then each change (never from inside the call, an edge
 * without a change of level not reported, through the ctx given), one line
 * each, a bad line named. */
typedef struct {
  int level, reports;
} input_seen;
static void on_input(void *ctx, bool on) {
  input_seen *s = ctx;
  s->level = on;
  s->reports++;
}
typedef enum { INPUT_CONTACT, INPUT_TAMPER, INPUT_AP_BUTTON } input_kind;
typedef struct {
  input_kind kind;
  const char *line;  /* its line in the fake bank */
  const char *label; /* the prefix of its errors */
  input_seen seen;
} station_input;
static station_input contact_in = {INPUT_CONTACT, "gpiochip0:30", "control contact", {-1, 0}};
static station_input tamper_in = {INPUT_TAMPER, "gpiochip0:28", "tamper", {-1, 0}};
static station_input button_in = {INPUT_AP_BUTTON, "gpiochip0:27", "setup button", {-1, 0}};

static int watch_input(hal *h, station_input *in, const char *spec) {
  switch (in->kind) {
  case INPUT_CONTACT:
    return h->ops->watch_contact(h, spec, on_input, &in->seen);
  case INPUT_TAMPER:
    return h->ops->watch_tamper(h, spec, on_input, &in->seen);
  case INPUT_AP_BUTTON:
    return h->ops->watch_ap_button(h, spec, on_input, &in->seen);
  }
  return -1;
}

/* the last error of h says "<label>: <what>" */
static void input_error_is(hal *h, const station_input *in, const char *what) {
  char want[128];
  snprintf(want, sizeof want, "%s: %s", in->label, what);
  const char *e = h->ops->last_error(h);
  if (!strstr(e, want)) fail_msg("last error `%s`, not `%s`", e, want);
}

static const input_seen *awaited;
static input_seen wanted;
static bool input_reached(seen *x) {
  (void)x;
  return awaited->level == wanted.level && awaited->reports == wanted.reports;
}
static bool input_reaches(fixture *f, const station_input *in, int level, int reports) {
  awaited = &in->seen;
  wanted = (input_seen){level, reports};
  return run_until(f, input_reached);
}

/* A HAL that refused `in` before its start, started. */
static hal *input_hal_started(fixture *f, station_input *in) {
  hal_linux_config cfg = config(f);
  char err[256];
  hal *h = hal_linux_create_with(&cfg, &f->gpio, err, sizeof err);
  assert_non_null(h);
  f->h = h;
  assert_int_equal(watch_input(h, in, in->line), -1);
  input_error_is(h, in, "the HAL is not started");
  assert_int_equal(h->ops->start(h, &f->loop, &f->listener), 0);
  return h;
}

/* `in` watched (with `other`, which sees nothing of its edges, if given):
 * its level at start, then its changes; a second line refused. */
static void input_edges(fixture *f, hal *h, station_input *in, station_input *other,
                        const char *second) {
  in->seen = (input_seen){-1, 0};
  assert_int_equal(watch_input(h, in, in->line), 0);
  if (other) {
    other->seen = (input_seen){-1, 0};
    assert_int_equal(watch_input(h, other, other->line), 0);
  }
  assert_int_equal(in->seen.reports, 0); /* never from inside the call */
  assert_true(input_reaches(f, in, 0, 1));
  if (other) assert_true(input_reaches(f, other, 0, 1));
  gpio_line *l = find_line(&f->bank, in->line);
  assert_non_null(l);
  edge_line(l, 1);
  assert_true(input_reaches(f, in, 1, 2));
  if (other) assert_int_equal(other->seen.reports, 1); /* the other input saw nothing */
  edge_line(l, 1); /* an edge without a change of level is not reported */
  edge_line(l, 0);
  assert_true(input_reaches(f, in, 0, 3));
  assert_int_equal(watch_input(h, in, second), -1); /* one line only */
  input_error_is(h, in, "already watched");
}

/* h finished; on a new HAL a line that cannot be opened names itself. */
static void input_bad_line(fixture *f, hal *h, station_input *in) {
  finish(f, h);
  hal_linux_config cfg = config(f);
  char err[256];
  h = hal_linux_create_with(&cfg, &f->gpio, err, sizeof err);
  assert_non_null(h);
  f->h = h;
  assert_int_equal(h->ops->start(h, &f->loop, &f->listener), 0);
  assert_int_equal(watch_input(h, in, "gpiochip7:1"), -1);
  input_error_is(h, in, "cannot open gpiochip7");
}

static void control_contact_edges(void **state) {
  fixture *f = *state;
  hal *h = input_hal_started(f, &contact_in);
  input_edges(f, h, &contact_in, NULL, "gpiochip0:31");
  input_bad_line(f, h, &contact_in);
}

/* The tamper switch: the same kind of station-wide input, its own line. */
static void tamper_switch_edges(void **state) {
  fixture *f = *state;
  hal *h = input_hal_started(f, &tamper_in);
  input_edges(f, h, &tamper_in, &contact_in, "gpiochip0:29");
  input_bad_line(f, h, &tamper_in);
}

/* The setup access point's button: a station-wide input of its own. */
static void ap_button_edges(void **state) {
  fixture *f = *state;
  hal *h = input_hal_started(f, &button_in);
  input_edges(f, h, &button_in, &tamper_in, "gpiochip0:26");
  input_bad_line(f, h, &button_in);
}

/* The shunt-trip output: claimed low, driven, released low. */
static void shunt_trip_output(void **state) {
  fixture *f = *state;
  hal *h = create_started(f);
  assert_int_equal(h->ops->open_shunt_trip(h, "gpiochip0:26"), 0);
  gpio_line *l = find_line(&f->bank, "gpiochip0:26");
  assert_non_null(l);
  assert_int_equal(l->value, 0);
  h->ops->set_shunt_trip(h, true);
  assert_int_equal(l->value, 1);
  assert_int_equal(h->ops->open_shunt_trip(h, "gpiochip0:27"), -1);
  assert_non_null(strstr(h->ops->last_error(h), "shunt trip: already open"));
  f->bank.shunt_at_close = -1;
  finish(f, h); /* still tripping when the back end lets go: driven low first */
  assert_int_equal(f->bank.shunt_at_close, 0);
  h = create_started(f);
  assert_int_equal(h->ops->open_shunt_trip(h, "gpiochip7:1"), -1);
  assert_non_null(strstr(h->ops->last_error(h), "shunt trip: cannot open gpiochip7"));
  h->ops->set_shunt_trip(h, true); /* not open: nothing to drive, no crash */
  finish(f, h);
}

/* A connector's status LED (hal_linux_leds.c, tested on its own in
 * test_hal_leds.c): set_led reaches it, destroy leaves it dark, a missing
 * LED names itself. */
static void connector_led_through_the_hal(void **state) {
  fixture *f = *state;
  char cmd[300], text[64], err[256];
  snprintf(cmd, sizeof cmd, "mkdir -p '%s/class/leds/rgb:charge'", f->root);
  assert_int_equal(system(cmd), 0);
  put(f, "class/leds/rgb:charge/max_brightness", "100");
  put(f, "class/leds/rgb:charge/multi_index", "red green blue");
  hal_linux_config cfg = config(f);
  snprintf(cfg.pins[0].led, sizeof cfg.pins[0].led, "rgb:charge");
  hal *h = hal_linux_create_with(&cfg, &f->gpio, err, sizeof err);
  if (!h) fail_msg("create: %s", err);
  f->h = h;
  assert_int_equal(h->ops->start(h, &f->loop, &f->listener), 0);
  h->ops->set_led(h, 1, led_look_of(LED_CHARGING)); /* #0060FF on a 0..100 scale */
  get(f, "class/leds/rgb:charge/multi_intensity", text, sizeof text);
  assert_string_equal(text, "0 38 100");
  get(f, "class/leds/rgb:charge/trigger", text, sizeof text);
  assert_string_equal(text, "pattern");
  finish(f, h);
  get(f, "class/leds/rgb:charge/brightness", text, sizeof text);
  assert_string_equal(text, "0");
  get(f, "class/leds/rgb:charge/trigger", text, sizeof text);
  assert_string_equal(text, "none");
  snprintf(cfg.pins[0].led, sizeof cfg.pins[0].led, "rgb:missing");
  assert_null(hal_linux_create_with(&cfg, &f->gpio, err, sizeof err));
  assert_non_null(strstr(err, "connector 1 led: LED `rgb:missing`: cannot read"));
}

/* A WS2812 strip LED (spi:DEVICE:INDEX) through the HAL, the device a file. */
static uint32_t strip_led(fixture *f, size_t leds, size_t i, size_t *frames) {
  char path[300];
  snprintf(path, sizeof path, "%s/dev/spidev0.0", f->root);
  FILE *fp = fopen(path, "r");
  assert_non_null(fp);
  uint8_t buf[WS2812_FRAME_MAX];
  size_t len = leds * WS2812_BYTES_PER_LED + WS2812_RESET_BYTES;
  fseek(fp, 0, SEEK_END);
  long size = ftell(fp);
  assert_true(size > 0 && size % (long)len == 0);
  *frames = (size_t)size / len;
  fseek(fp, -(long)len, SEEK_END);
  assert_int_equal(fread(buf, 1, len, fp), len);
  fclose(fp);
  uint32_t c;
  assert_int_equal(ws2812_decode(buf, len, i, &c), 0);
  return c;
}

static void strip_led_through_the_hal(void **state) {
  fixture *f = *state;
  char cmd[300], err[256];
  snprintf(cmd, sizeof cmd, "mkdir -p '%s/dev' && : > '%s/dev/spidev0.0'", f->root, f->root);
  assert_int_equal(system(cmd), 0);
  hal_linux_config cfg = config(f);
  snprintf(cfg.dev_root, sizeof cfg.dev_root, "%s/dev", f->root);
  snprintf(cfg.pins[0].led, sizeof cfg.pins[0].led, "spi:spidev0.0:1");
  hal *h = hal_linux_create_with(&cfg, &f->gpio, err, sizeof err);
  if (!h) fail_msg("create: %s", err);
  f->h = h;
  assert_int_equal(h->ops->start(h, &f->loop, &f->listener), 0);
  h->ops->set_led(h, 1, led_look_of(LED_READY));
  size_t frames, again;
  assert_int_equal(strip_led(f, 2, 1, &frames), 0x00C040);
  assert_int_equal(strip_led(f, 2, 0, &frames), 0); /* another board's LED 0: dark */
  h->ops->set_led(h, 1, led_look_of(LED_READY));    /* unchanged: nothing written */
  strip_led(f, 2, 1, &again);
  assert_int_equal(again, frames);
  h->ops->set_led(h, 1, led_look_of(LED_ERROR));
  assert_int_equal(strip_led(f, 2, 1, &frames), 0xE00000);
  finish(f, h);
  assert_int_equal(strip_led(f, 2, 1, &frames), 0); /* dark when borne stops */
  snprintf(cfg.pins[0].led, sizeof cfg.pins[0].led, "spi:spidev9.9:0");
  assert_null(hal_linux_create_with(&cfg, &f->gpio, err, sizeof err));
  assert_non_null(strstr(err, "connector 1 led: cannot open SPI device "));
  snprintf(cfg.pins[0].led, sizeof cfg.pins[0].led, "spi:spidev0.0:300");
  assert_null(hal_linux_create_with(&cfg, &f->gpio, err, sizeof err));
  assert_non_null(strstr(err, "is not spi:DEVICE:INDEX"));
}

/* ---- the 125 kHz serial badge reader over a socat pseudo-terminal pair ---- */

/* socat's two ends: DIR/reader (the station's serial device) and DIR/feed
 * (what the reader would send). Returns once socat says it is transferring:
 * a blocking read of its log, no sleep. */
static FILE *socat_log;

static pid_t socat_start(const char *dir) {
  int pipefd[2];
  assert_int_equal(pipe(pipefd), 0);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    char a[200], b[200];
    snprintf(a, sizeof a, "pty,raw,echo=0,link=%s/reader", dir);
    snprintf(b, sizeof b, "pty,raw,echo=0,link=%s/feed", dir);
    dup2(pipefd[1], 2);
    close(pipefd[0]);
    execlp("socat", "socat", "-d", "-d", a, b, (char *)NULL);
    _exit(127);
  }
  close(pipefd[1]);
  FILE *log = fdopen(pipefd[0], "r");
  assert_non_null(log);
  char line[512];
  bool ready = false;
  while (!ready && fgets(line, sizeof line, log))
    ready = strstr(line, "starting data transfer") != NULL;
  if (!ready) fail_msg("socat did not start (Debian package socat)");
  socat_log = log; /* kept open: socat may log more (a closed pipe would kill it) */
  return pid;
}

static void socat_stop(pid_t pid) {
  kill(pid, SIGTERM);
  int status;
  waitpid(pid, &status, 0);
  if (socat_log) fclose(socat_log);
  socat_log = NULL;
}

static void feed_reader(const char *dir, const char *bytes, size_t n) {
  char path[200];
  snprintf(path, sizeof path, "%s/feed", dir);
  int fd = open(path, O_WRONLY | O_NOCTTY);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, bytes, n), (ssize_t)n);
  close(fd);
}

static char badge_uid[16];
static int badge_count;
static hal *reader_hal;
static void on_badge(void *ctx, const char *uid) {
  (void)ctx;
  snprintf(badge_uid, sizeof badge_uid, "%s", uid);
  badge_count++;
}
static bool one_badge(seen *x) { return (void)x, badge_count == 1; }
static bool two_badges(seen *x) { return (void)x, badge_count == 2; }
static bool reader_is(bool up) {
  hal_reader_state rs;
  return reader_hal->ops->reader_state(reader_hal, &rs) == 0 && rs.up == up;
}
static bool reader_up(seen *x) { return (void)x, reader_is(true); }
static bool pcsc_reported(seen *x) {
  (void)x;
  hal_reader_state rs;
  return reader_hal->ops->reader_state(reader_hal, &rs) == 0 &&
         (rs.up || strcmp(rs.why, "not open yet") != 0);
}
static bool reader_down(seen *x) { return (void)x, reader_is(false); }

#define FRAME1                                                                                     \
  "\x02"                                                                                           \
  "0C000D2F3A14"                                                                                   \
  "\x03"
#define FRAME2                                                                                     \
  "\x02"                                                                                           \
  "1A0049BB42AA"                                                                                   \
  "\x03"

/* The configuration of a reader of `type` on the port ROOT/name. */
static hal_linux_config reader_config(fixture *f, const char *type, const char *name) {
  hal_linux_config cfg = config(f);
  snprintf(cfg.reader_type, sizeof cfg.reader_type, "%s", type);
  snprintf(cfg.reader_port, sizeof cfg.reader_port, "%s/%s", f->root, name);
  return cfg;
}

/* A HAL over cfg's reader, started, its badges counted from 0. */
static hal *reader_started(fixture *f, const hal_linux_config *cfg) {
  char err[256];
  hal *h = hal_linux_create_with(cfg, &f->gpio, err, sizeof err);
  if (!h) fail_msg("create: %s", err);
  f->h = reader_hal = h;
  badge_count = 0;
  f->listener.on_badge = on_badge;
  assert_int_equal(h->ops->start(h, &f->loop, &f->listener), 0);
  return h;
}

static void serial_badge_reader_over_a_pty(void **state) {
  fixture *f = *state;
  pid_t socat = socat_start(f->root);
  hal_linux_config cfg = reader_config(f, "em4100", "reader");
  hal *h = reader_started(f, &cfg);
  assert_true(run_until(f, reader_up));
  /* garbage, a bad checksum, then a good frame held for three repeats: one badge */
  static const char burst[] = "\xff\x13noise\r\n\x02"
                              "0C000D2F3A15"
                              "\x03\x02zz" FRAME1 FRAME1 FRAME1;
  feed_reader(f->root, burst, sizeof burst - 1);
  assert_true(run_until(f, one_badge));
  assert_string_equal(badge_uid, "0C000D2F3A");
  hal_reader_state rs;
  assert_int_equal(h->ops->reader_state(h, &rs), 0);
  assert_string_equal(rs.type, "em4100");
  assert_true(rs.up);
  assert_int_equal(rs.badges, 1);
  assert_int_equal(rs.bad_frames, 2);
  /* unplugged: down with a reason, then back by itself, and reading again */
  socat_stop(socat);
  assert_true(run_until(f, reader_down));
  assert_int_equal(h->ops->reader_state(h, &rs), 0);
  assert_true(rs.why[0] != '\0');
  socat = socat_start(f->root);
  assert_true(run_until(f, reader_up));
  feed_reader(f->root, FRAME2, sizeof FRAME2 - 1);
  assert_true(run_until(f, two_badges));
  assert_string_equal(badge_uid, "1A0049BB42");
  finish(f, h);
  socat_stop(socat);
  /* configuration errors */
  char err[256];
  snprintf(cfg.reader_type, sizeof cfg.reader_type, "pn533");
  assert_null(hal_linux_create_with(&cfg, &f->gpio, err, sizeof err));
  assert_non_null(strstr(err, "is not a known type (em4100, pn532, pcsc)"));
  /* PC/SC through the HAL: its thread reports a state (pcscd absent here: down, with why),
   * and stop joins it */
  snprintf(cfg.reader_type, sizeof cfg.reader_type, "pcsc");
  cfg.reader_port[0] = '\0';
  h = reader_started(f, &cfg);
  assert_true(run_until(f, pcsc_reported));
  assert_int_equal(h->ops->reader_state(h, &rs), 0);
  assert_string_equal(rs.type, "pcsc");
  if (!rs.up) assert_non_null(strstr(rs.why, "PC/SC"));
  finish(f, h);
  snprintf(cfg.reader_type, sizeof cfg.reader_type, "em4100");
  cfg.reader_port[0] = '\0';
  assert_null(hal_linux_create_with(&cfg, &f->gpio, err, sizeof err));
  assert_non_null(strstr(err, "no serial device (reader.port)"));
}

/* ---- the PN532 NFC reader over a socat pseudo-terminal pair ---- */

/* A test-side PN532 on DIR/feed, written from the user manual (UM0701-02)
 * and independent of src/hal/pn532.c: it answers each host command with an
 * ACK (00 00 FF 00 FF 00) and a normal information frame (TFI D5, code + 1),
 * InListPassiveTarget with the card in its field (if any). */
typedef struct {
  uv_poll_t poll;
  int fd;
  bool open;
  bool mute;          /* a reader that stopped answering */
  bool garbage;       /* line noise and a bad-checksum frame before each answer */
  const uint8_t *uid; /* the card in the field, NULL: none */
  size_t uid_len;
  uint8_t in[512];
  size_t in_len;
  int commands[256]; /* commands received, by code */
  bool woken;        /* the 0x55 wake-up was seen */
} pn532_emu;

static pn532_emu emu;

static size_t emu_frame(uint8_t *out, const uint8_t *pd, size_t n) {
  size_t k = 0;
  out[k++] = 0x00, out[k++] = 0x00, out[k++] = 0xFF;
  out[k++] = (uint8_t)(n + 1);
  out[k++] = (uint8_t)(-(int)(n + 1));
  unsigned sum = 0xD5;
  out[k++] = 0xD5;
  for (size_t i = 0; i < n; i++) out[k++] = pd[i], sum += pd[i];
  out[k++] = (uint8_t)(-(int)sum);
  out[k++] = 0x00;
  return k;
}

static void emu_answer(uint8_t cmd) {
  uint8_t out[128], pd[32];
  size_t k = 0, n = 0;
  if (emu.garbage) {
    static const uint8_t noise[] = {0xFF, 0x13, 0x00, 0x00, 0xFF, 0x03,
                                    0xFD, 0xD5, 0x15, 0x00, 0x99};
    memcpy(out, noise, sizeof noise); /* the second: a bad DCS */
    k = sizeof noise;
  }
  static const uint8_t ack[] = {0x00, 0x00, 0xFF, 0x00, 0xFF, 0x00};
  memcpy(out + k, ack, sizeof ack);
  k += sizeof ack;
  pd[n++] = (uint8_t)(cmd + 1);
  if (cmd == 0x4A) {
    if (emu.uid) {
      pd[n++] = 1, pd[n++] = 1, pd[n++] = 0x00, pd[n++] = 0x04, pd[n++] = 0x08;
      pd[n++] = (uint8_t)emu.uid_len;
      memcpy(pd + n, emu.uid, emu.uid_len);
      n += emu.uid_len;
    } else {
      pd[n++] = 0;
    }
  }
  k += emu_frame(out + k, pd, n);
  assert_int_equal(write(emu.fd, out, k), (ssize_t)k);
}

static void emu_readable(uv_poll_t *h, int status, int events) {
  (void)events;
  ssize_t n = status < 0 ? -1 : read(emu.fd, emu.in + emu.in_len, sizeof emu.in - emu.in_len);
  if (n <= 0) {
    if (n < 0 && errno == EAGAIN) return;
    uv_poll_stop(h); /* unplugged */
    return;
  }
  emu.in_len += (size_t)n;
  if (memchr(emu.in, 0x55, emu.in_len)) emu.woken = true;
  /* host frames: 00 FF LEN LCS D4 CMD .. DCS */
  size_t i = 0;
  while (i + 7 <= emu.in_len) {
    if (!(emu.in[i] == 0x00 && emu.in[i + 1] == 0xFF)) {
      i++;
      continue;
    }
    size_t len = emu.in[i + 2];
    if (i + 4 + len + 1 > emu.in_len) break;
    if (len >= 2 && (uint8_t)(len + emu.in[i + 3]) == 0 && emu.in[i + 4] == 0xD4) {
      uint8_t cmd = emu.in[i + 5];
      emu.commands[cmd]++;
      if (!emu.mute) emu_answer(cmd);
    }
    i += 4 + len + 1;
  }
  memmove(emu.in, emu.in + i, emu.in_len - i);
  emu.in_len -= i;
}

static void emu_open(fixture *f) {
  char path[200];
  snprintf(path, sizeof path, "%s/feed", f->root);
  memset(&emu.commands, 0, sizeof emu.commands);
  emu.in_len = 0;
  emu.fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK);
  assert_true(emu.fd >= 0);
  assert_int_equal(uv_poll_init(&f->loop, &emu.poll, emu.fd), 0);
  assert_int_equal(uv_poll_start(&emu.poll, UV_READABLE, emu_readable), 0);
  emu.open = true;
}

static void emu_closed(uv_handle_t *h) { (void)h; }

static void emu_close(fixture *f) {
  if (!emu.open) return;
  uv_close((uv_handle_t *)&emu.poll, emu_closed);
  uv_run(&f->loop, UV_RUN_NOWAIT);
  close(emu.fd);
  emu.open = false;
}

static pid_t emu_socat;
static void emu_cleanup(void *f) {
  emu_close((fixture *)f);
  if (emu_socat > 0) socat_stop(emu_socat);
  emu_socat = 0;
}

static bool emu_polled_twice(seen *x) { return (void)x, emu.commands[0x4A] >= 2; }

/* reader.type pn532 on an I2C or SPI device (src/hal/pn532_bus.c, whose
 * dialogue test_hal_pn532_bus runs against a fake chip): chosen by the port's
 * file name; a file that is not such a device, or none, is a reader down with
 * the reason, retried. */
static char bus_why[160];
static bool reader_down_why(seen *x) {
  (void)x;
  hal_reader_state rs;
  return reader_hal->ops->reader_state(reader_hal, &rs) == 0 && !rs.up &&
         strstr(rs.why, bus_why) != NULL;
}

static void pn532_on_i2c_and_spi_devices(void **state) {
  fixture *f = *state;
  static const char *const cases[][2] = {
      {"i2c-1", "not an I2C bus (I2C_SLAVE 0x24"},
      {"spidev0.0", "not an SPI device (spidev mode 0"},
      {"i2c-7", "cannot open"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    hal_linux_config cfg = reader_config(f, "pn532", cases[i][0]);
    if (strcmp(cases[i][0], "i2c-7") != 0) put(f, cases[i][0], "");
    snprintf(bus_why, sizeof bus_why, "%s", cases[i][1]);
    hal *h = reader_started(f, &cfg);
    assert_true(run_until(f, reader_down_why));
    hal_reader_state rs;
    assert_int_equal(h->ops->reader_state(h, &rs), 0);
    assert_string_equal(rs.type, "pn532");
    assert_non_null(strstr(rs.port, cases[i][0]));
    finish(f, h);
    f->h = NULL;
  }
}

static void pn532_reader_over_a_pty(void **state) {
  fixture *f = *state;
  static const uint8_t card1[] = {0x90, 0x1F, 0x2A, 0xA4};
  static const uint8_t card2[] = {0x04, 0x52, 0x6B, 0x1A, 0x3C, 0x5D, 0x80};
  memset(&emu, 0, sizeof emu);
  pid_t socat = emu_socat = socat_start(f->root);
  test_cleanup = emu_cleanup;
  emu_open(f);
  hal_linux_config cfg = reader_config(f, "pn532", "reader");
  hal *h = reader_started(f, &cfg);
  /* woken, configured (SAMConfiguration, RFConfiguration), then polled: up, no card */
  assert_true(run_until(f, reader_up));
  assert_true(run_until(f, emu_polled_twice));
  assert_true(emu.woken);
  assert_int_equal(emu.commands[0x14], 1);
  assert_int_equal(emu.commands[0x32], 1);
  assert_int_equal(badge_count, 0);
  hal_reader_state rs;
  assert_int_equal(h->ops->reader_state(h, &rs), 0);
  assert_string_equal(rs.type, "pn532");
  /* a card held over several polls, with noise before every answer: one badge */
  emu.garbage = true;
  emu.uid = card1, emu.uid_len = sizeof card1;
  assert_true(run_until(f, one_badge));
  assert_string_equal(badge_uid, "901F2AA4");
  emu.commands[0x4A] = 0;
  assert_true(run_until(f, emu_polled_twice));
  assert_int_equal(badge_count, 1);
  assert_int_equal(h->ops->reader_state(h, &rs), 0);
  assert_true(rs.up);
  assert_int_equal(rs.badges, 1);
  assert_true(rs.bad_frames >= 2);
  emu.garbage = false;
  /* the PN532 stops answering: down with the reason, back when it answers again */
  emu.mute = true;
  assert_true(run_until(f, reader_down));
  assert_int_equal(h->ops->reader_state(h, &rs), 0);
  assert_non_null(strstr(rs.why, "does not answer"));
  emu.mute = false;
  emu.uid = NULL;
  assert_true(run_until(f, reader_up));
  /* unplugged: down, then back by itself, woken again, and the next card is read */
  emu_close(f);
  socat_stop(socat);
  emu_socat = 0;
  assert_true(run_until(f, reader_down));
  socat = emu_socat = socat_start(f->root);
  emu_open(f);
  emu.woken = false;
  assert_true(run_until(f, reader_up));
  assert_true(emu.woken);
  emu.uid = card2, emu.uid_len = sizeof card2;
  assert_true(run_until(f, two_badges));
  assert_string_equal(badge_uid, "04526B1A3C5D80");
  emu_cleanup(f);
  test_cleanup = NULL;
  finish(f, h);
}

static void ct_block_is_read_from_iio(void **state) {
  fixture *f = *state;
  put(f, "bus/iio/devices/iio:device0/in_voltage3_raw", "6600"); /* x 0.25 mV = 1.65 V */
  hal *h = create_started(f);
  double v[50];
  char err[200];
  int n = h->ops->read_ct(h, 1, "iio:device0:in_voltage3_raw", v, 50, err, sizeof err);
  assert_int_equal(n, 50);
  for (int i = 0; i < n; i++) assert_true(v[i] > 1.6499 && v[i] < 1.6501);
  assert_int_equal(h->ops->read_ct(h, 0, "iio:device0:in_voltage9_raw", v, 50, err, sizeof err),
                   -1);
  assert_non_null(strstr(err, "in_voltage9_raw"));
  assert_int_equal(h->ops->read_ct(h, 3, "iio:device0:in_voltage3_raw", v, 50, err, sizeof err),
                   -1);
  assert_int_equal(h->ops->read_ct(h, 0, "adc0", v, 50, err, sizeof err), -1);
  finish(f, h);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(start_reports_levels_and_pwm_is_configured, setup, teardown),
      cmocka_unit_test_setup_teardown(tamper_switch_edges, setup, teardown),
      cmocka_unit_test_setup_teardown(ap_button_edges, setup, teardown),
      cmocka_unit_test_setup_teardown(shunt_trip_output, setup, teardown),
      cmocka_unit_test_setup_teardown(connector_led_through_the_hal, setup, teardown),
      cmocka_unit_test_setup_teardown(serial_badge_reader_over_a_pty, setup, teardown),
      cmocka_unit_test_setup_teardown(pn532_reader_over_a_pty, setup, teardown),
      cmocka_unit_test_setup_teardown(pn532_on_i2c_and_spi_devices, setup, teardown),
      cmocka_unit_test_setup_teardown(strip_led_through_the_hal, setup, teardown),
      cmocka_unit_test_setup_teardown(cp_states_are_debounced, setup, teardown),
      cmocka_unit_test_setup_teardown(calibration_maps_the_front_end, setup, teardown),
      cmocka_unit_test_setup_teardown(pwm_commands_and_the_diode_check, setup, teardown),
      cmocka_unit_test(burst_observation),
      cmocka_unit_test(cp_bands_follow_table_a4),
      cmocka_unit_test_setup_teardown(gpio_edges_become_events, setup, teardown),
      cmocka_unit_test_setup_teardown(destroy_opens_the_contactor, setup, teardown),
      cmocka_unit_test_setup_teardown(phase_contactor_output, setup, teardown),
      cmocka_unit_test_setup_teardown(sync_selftest_reads_levels, setup, teardown),
      cmocka_unit_test_setup_teardown(async_selftest_passes_on_healthy_hardware, setup, teardown),
      cmocka_unit_test_setup_teardown(async_selftest_finds_faults, setup, teardown),
      cmocka_unit_test_setup_teardown(async_selftest_latched_rcd_and_cancel, setup, teardown),
      cmocka_unit_test_setup_teardown(configuration_errors_name_the_pin, setup, teardown),
      cmocka_unit_test_setup_teardown(pwm_channel_is_exported, setup, teardown),
      cmocka_unit_test_setup_teardown(libgpiod_provider_error_path, setup, teardown),
      cmocka_unit_test_setup_teardown(control_contact_edges, setup, teardown),
      cmocka_unit_test_setup_teardown(ct_block_is_read_from_iio, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
