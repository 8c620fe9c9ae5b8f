/*
 * The Linux back end against a fake sysfs tree (PWM chip, IIO ADC files made
 * by the test) and a fake GPIO provider whose input lines are pipes: CP levels
 * written into the ADC file become debounced CP states, PWM commands land in
 * duty_cycle, GPIO edges become feedback events, and configuration mistakes
 * give errors that name the pin. The libgpiod provider is checked on its
 * error path (no GPIO chip exists in the test environment).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/pilot.h"
#include "hal/hal_linux.h"

/* ---- fake GPIO: outputs remember their value, inputs are pipes ---- */
struct gpio_line {
  int value;
  int pipe[2];
  char spec[64];
};

static gpio_line *lines[16];
static int nlines;

static gpio_line *find_line(const char *spec) {
  for (int i = 0; i < nlines; i++)
    if (strcmp(lines[i]->spec, spec) == 0) return lines[i];
  return NULL;
}

static gpio_line *fake_open_output(void *ctx, const char *root, const char *spec, int initial,
                                   char *err, size_t errlen) {
  (void)ctx, (void)root;
  if (strncmp(spec, "gpiochip0:", 10) != 0) {
    snprintf(err, errlen, "cannot open %s", spec);
    return NULL;
  }
  gpio_line *l = calloc(1, sizeof *l);
  l->value = initial;
  l->pipe[0] = l->pipe[1] = -1;
  snprintf(l->spec, sizeof l->spec, "%s", spec);
  lines[nlines++] = l;
  return l;
}

static gpio_line *fake_open_input(void *ctx, const char *root, const char *spec, int *fd, char *err,
                                  size_t errlen) {
  gpio_line *l = fake_open_output(ctx, root, spec, 0, err, errlen);
  if (!l) return NULL;
  if (pipe(l->pipe) != 0) return NULL;
  *fd = l->pipe[0];
  return l;
}

static int fake_set(gpio_line *l, int v) {
  l->value = v;
  return 0;
}
static int fake_get(gpio_line *l) { return l->value; }
static int fake_read_events(gpio_line *l) {
  char buf[16];
  if (read(l->pipe[0], buf, sizeof buf) < 0) return -1;
  return l->value;
}
static void fake_close(gpio_line *l) {
  if (l->pipe[0] >= 0) close(l->pipe[0]), close(l->pipe[1]);
  for (int i = 0; i < nlines; i++)
    if (lines[i] == l) lines[i] = lines[--nlines];
  free(l);
}

static const gpio_provider fake_gpio = {fake_open_output, fake_open_input, fake_set, fake_get,
                                        fake_read_events, fake_close,      NULL};

/* An edge on an input: new level, and a byte on its event fd. */
static void edge(const char *spec, int value) {
  gpio_line *l = find_line(spec);
  assert_non_null(l);
  l->value = value;
  assert_int_equal(write(l->pipe[1], "e", 1), 1);
}

/* ---- fake sysfs ---- */
static char root[64];

static void put(const char *rel, const char *text) {
  char path[256];
  snprintf(path, sizeof path, "%s/%s", root, rel);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

static void get(const char *rel, char *out, size_t len) {
  char path[256];
  snprintf(path, sizeof path, "%s/%s", root, rel);
  FILE *f = fopen(path, "r");
  assert_non_null(f);
  assert_non_null(fgets(out, (int)len, f));
  fclose(f);
  out[strcspn(out, "\n")] = '\0';
}

static void make_tree(void) {
  snprintf(root, sizeof root, "/tmp/borne-sysfs-XXXXXX");
  assert_non_null(mkdtemp(root));
  char cmd[256];
  snprintf(cmd, sizeof cmd, "mkdir -p %s/class/pwm/pwmchip0/pwm0 %s/bus/iio/devices/iio:device0",
           root, root);
  assert_int_equal(system(cmd), 0);
  put("class/pwm/pwmchip0/export", "");
  put("class/pwm/pwmchip0/pwm0/period", "0");
  put("class/pwm/pwmchip0/pwm0/duty_cycle", "0");
  put("class/pwm/pwmchip0/pwm0/enable", "0");
  /* front end: 1 mV per count, cp_gain 4 -> 3000 counts = 12 V */
  put("bus/iio/devices/iio:device0/in_voltage_scale", "1.0");
  put("bus/iio/devices/iio:device0/in_voltage0_raw", "3000");
  put("bus/iio/devices/iio:device0/in_voltage1_raw", "5000"); /* PP open */
  put("bus/iio/devices/iio:device0/in_voltage2_raw", "750");  /* 25 C */
}

static void remove_tree(void) {
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", root);
  assert_int_equal(system(cmd), 0);
}

static hal_linux_config config(void) {
  hal_linux_config c;
  hal_linux_config_defaults(&c);
  c.connectors = 1;
  c.cp_gain = 4.0;
  c.cp_sample_ms = 1;
  snprintf(c.sysfs_root, sizeof c.sysfs_root, "%s", root);
  hal_linux_connector_pins *p = &c.pins[0];
  snprintf(p->contactor, sizeof p->contactor, "gpiochip0:17");
  snprintf(p->contactor_feedback, sizeof p->contactor_feedback, "gpiochip0:18");
  snprintf(p->lock, sizeof p->lock, "gpiochip0:19");
  snprintf(p->lock_feedback, sizeof p->lock_feedback, "gpiochip0:20");
  snprintf(p->rcd_trip, sizeof p->rcd_trip, "gpiochip0:21");
  snprintf(p->rcd_test, sizeof p->rcd_test, "gpiochip0:22");
  snprintf(p->pwm, sizeof p->pwm, "pwmchip0:0");
  snprintf(p->adc_cp, sizeof p->adc_cp, "iio:device0:in_voltage0_raw");
  snprintf(p->adc_pp, sizeof p->adc_pp, "iio:device0:in_voltage1_raw");
  snprintf(p->adc_temp, sizeof p->adc_temp, "iio:device0:in_voltage2_raw");
  return c;
}

/* ---- what the listener saw ---- */
typedef struct {
  cp_state cp;
  int cp_reports;
  double pp;
  int pp_reports;
  double temp;
  int contactor;
  int lock;
  int rcd_trips;
  uv_loop_t *loop;
  int (*done)(void *);
} seen;

static void on_cp(void *ctx, int c, cp_state s, bool diode) {
  (void)c, (void)diode;
  seen *x = ctx;
  x->cp = s;
  x->cp_reports++;
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

/* Run the loop until `cond` holds; fail after 2 s (a bound, not a wait). */
static bool run_until(uv_loop_t *loop, seen *x, bool (*cond)(seen *)) {
  uint64_t start = uv_now(loop);
  while (!cond(x)) {
    uv_run(loop, UV_RUN_ONCE);
    uv_update_time(loop);
    if (uv_now(loop) - start > 2000) return false;
  }
  return true;
}

static bool cp_is_a(seen *x) { return x->cp_reports > 0 && x->cp == CP_A; }
static bool cp_is_b(seen *x) { return x->cp == CP_B; }
static bool cp_is_c(seen *x) { return x->cp == CP_C; }
static bool contactor_closed(seen *x) { return x->contactor == 1; }
static bool lock_engaged(seen *x) { return x->lock == 1; }
static bool rcd_tripped(seen *x) { return x->rcd_trips == 1; }
static bool pp_is_220(seen *x) { return x->pp > 200 && x->pp < 240; }

static void cp_levels_pwm_and_feedback(void **state) {
  (void)state;
  make_tree();
  hal_linux_config cfg = config();
  char err[256];
  hal *h = hal_linux_create_with(&cfg, &fake_gpio, err, sizeof err);
  assert_non_null(h);
  char text[64];
  get("class/pwm/pwmchip0/pwm0/period", text, sizeof text);
  assert_string_equal(text, "1000000"); /* 1 kHz */
  get("class/pwm/pwmchip0/pwm0/enable", text, sizeof text);
  assert_string_equal(text, "1");

  uv_loop_t loop;
  uv_loop_init(&loop);
  seen x = {.cp = CP_INVALID, .contactor = -1, .lock = -1};
  hal_listener l = {.ctx = &x,
                    .on_cp = on_cp,
                    .on_pp = on_pp,
                    .on_temperature = on_temp,
                    .on_contactor = on_contactor,
                    .on_lock = on_lock,
                    .on_rcd_trip = on_rcd};
  assert_int_equal(h->ops->start(h, &loop, &l), 0);
  assert_true(run_until(&loop, &x, cp_is_a));
  assert_int_equal(x.contactor, 0); /* initial levels reported at start */
  assert_int_equal(x.lock, 0);
  assert_float_equal(x.temp, 25.0, 0.01);
  assert_true(x.pp < 0); /* no cable */

  hal_selftest st;
  assert_int_equal(h->ops->selftest(h, 1, &st), 0);
  assert_true(st.contactor_ok);
  assert_true(st.cp_ok);
  assert_false(st.rcd_ok); /* the fake RCD does not trip on its test winding */

  put("bus/iio/devices/iio:device0/in_voltage1_raw", "1999"); /* 330*1999/3001 = 219.8 ohm */
  put("bus/iio/devices/iio:device0/in_voltage0_raw", "2250"); /* 9 V: B */
  assert_true(run_until(&loop, &x, cp_is_b));
  assert_true(run_until(&loop, &x, pp_is_220));
  int reports = x.cp_reports;

  h->ops->set_pwm(h, 1, pilot_duty_for_current(32));
  get("class/pwm/pwmchip0/pwm0/duty_cycle", text, sizeof text);
  assert_string_equal(text, "533000");
  h->ops->set_pwm(h, 1, PILOT_STEADY_HIGH);
  get("class/pwm/pwmchip0/pwm0/duty_cycle", text, sizeof text);
  assert_string_equal(text, "1000000");

  /* a single noisy sample does not change the state (debounce) */
  put("bus/iio/devices/iio:device0/in_voltage0_raw", "1500"); /* 6 V: C */
  uv_run(&loop, UV_RUN_ONCE);
  put("bus/iio/devices/iio:device0/in_voltage0_raw", "2250");
  for (int i = 0; i < 10; i++) uv_run(&loop, UV_RUN_ONCE);
  assert_int_equal(x.cp, CP_B);
  assert_int_equal(x.cp_reports, reports);
  put("bus/iio/devices/iio:device0/in_voltage0_raw", "1500");
  assert_true(run_until(&loop, &x, cp_is_c));

  h->ops->set_contactor(h, 1, true);
  assert_int_equal(find_line("gpiochip0:17")->value, 1);
  edge("gpiochip0:18", 1);
  assert_true(run_until(&loop, &x, contactor_closed));
  h->ops->set_lock(h, 1, true);
  assert_int_equal(find_line("gpiochip0:19")->value, 1);
  edge("gpiochip0:20", 1);
  assert_true(run_until(&loop, &x, lock_engaged));
  edge("gpiochip0:21", 1);
  assert_true(run_until(&loop, &x, rcd_tripped));

  h->ops->stop(h);
  uv_run(&loop, UV_RUN_DEFAULT);
  h->ops->destroy(h);
  assert_int_equal(nlines, 0); /* every line released */
  assert_int_equal(uv_loop_close(&loop), 0);
  remove_tree();
}

static void configuration_errors_name_the_pin(void **state) {
  (void)state;
  make_tree();
  char err[256];
  hal_linux_config cfg = config();
  snprintf(cfg.pins[0].lock_feedback, sizeof cfg.pins[0].lock_feedback, "gpiochip7:3");
  assert_null(hal_linux_create_with(&cfg, &fake_gpio, err, sizeof err));
  assert_non_null(strstr(err, "connector 1 lock_feedback"));
  assert_int_equal(nlines, 0);

  cfg = config();
  snprintf(cfg.pins[0].adc_cp, sizeof cfg.pins[0].adc_cp, "iio:device3:in_voltage0_raw");
  assert_null(hal_linux_create_with(&cfg, &fake_gpio, err, sizeof err));
  assert_non_null(strstr(err, "connector 1 adc.cp"));

  cfg = config();
  snprintf(cfg.pins[0].pwm, sizeof cfg.pins[0].pwm, "pwmchip4:0");
  assert_null(hal_linux_create_with(&cfg, &fake_gpio, err, sizeof err));
  assert_non_null(strstr(err, "connector 1 pwm"));

  /* the real libgpiod provider: no such chip here */
  cfg = config();
  snprintf(cfg.dev_root, sizeof cfg.dev_root, "%s/dev", root);
  assert_null(hal_linux_create(&cfg, err, sizeof err));
  assert_non_null(strstr(err, "connector 1 contactor: cannot open"));
  assert_non_null(strstr(err, "gpiochip0 line 17"));
  remove_tree();
}

static void cp_bands_follow_table_a4(void **state) {
  (void)state;
  assert_int_equal(hal_linux_cp_state_for_volts(12.0), CP_A);
  assert_int_equal(hal_linux_cp_state_for_volts(9.0), CP_B);
  assert_int_equal(hal_linux_cp_state_for_volts(6.0), CP_C);
  assert_int_equal(hal_linux_cp_state_for_volts(3.0), CP_D);
  assert_int_equal(hal_linux_cp_state_for_volts(0.0), CP_E);
  assert_int_equal(hal_linux_cp_state_for_volts(-12.0), CP_F);
  assert_int_equal(hal_linux_cp_state_for_volts(10.5), CP_INVALID);
  assert_int_equal(hal_linux_cp_state_for_volts(4.5), CP_INVALID);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(cp_levels_pwm_and_feedback),
      cmocka_unit_test(configuration_errors_name_the_pin),
      cmocka_unit_test(cp_bands_follow_table_a4),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
