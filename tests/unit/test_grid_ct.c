/*
 * CT clamp RMS (src/grid/ct.c): sines of known RMS on a mid-rail bias give
 * their primary current through the default 100 A / 333 mV calibration and
 * through a corrected one; the bias and ADC offset do not matter; a
 * distorted (non-sinusoidal) load is measured as true RMS; noise below the
 * floor reads 0; clipping is flagged; bad blocks and calibrations are
 * refused with a reason.
 */
/* cmocka.h needs these first */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
// clang-format on

#include <math.h>

#include "grid/ct.h"

#define PI 3.14159265358979323846
#define N 200 /* 5 periods of 40 samples */

/* amps RMS through a 100 A / 333 mV clamp, on `bias` volts */
static void sine(double *v, double amps, double bias, double phase) {
  for (int i = 0; i < N; i++)
    v[i] = bias + amps * sqrt(2.0) * 0.00333 * sin(2 * PI * i / 40.0 + phase);
}

static void test_default_clamp(void **state) {
  (void)state;
  ct_calibration c;
  ct_calibration_default(&c);
  double v[N], a;
  char err[128];
  bool clipped;
  static const double cases[] = {0.5, 6, 16, 32, 63, 100};
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    sine(v, cases[k], 1.65, 0.3 * (double)k);
    assert_int_equal(ct_rms_current(v, N, &c, &a, &clipped, err, sizeof err), 0);
    assert_true(fabs(a - cases[k]) < 1e-9 * (1 + cases[k]));
    assert_false(clipped);
  }
  /* another bias (a 3.3 V ADC vs 5 V) changes nothing */
  sine(v, 20, 2.5, 0);
  assert_int_equal(ct_rms_current(v, N, &c, &a, NULL, err, sizeof err), 0);
  assert_true(fabs(a - 20) < 1e-9);
}

static void test_calibration(void **state) {
  (void)state;
  /* a 50 A / 1 V clamp that reads 2 % low against a reference meter */
  ct_calibration c = {.rated_a = 50, .rated_v = 1.0, .gain = 1.02, .floor_a = 0.1};
  char err[128];
  assert_int_equal(ct_calibration_check(&c, err, sizeof err), 0);
  double v[N], a;
  for (int i = 0; i < N; i++)
    v[i] = 1.65 + 0.2 * sqrt(2.0) * sin(2 * PI * i / 40.0); /* 0.2 V RMS */
  assert_int_equal(ct_rms_current(v, N, &c, &a, NULL, err, sizeof err), 0);
  assert_true(fabs(a - 10 * 1.02) < 1e-9);
  c.gain = 3;
  assert_int_equal(ct_calibration_check(&c, err, sizeof err), -1);
  assert_non_null(strstr(err, "gain"));
  c.gain = 1;
  c.rated_v = 0;
  assert_int_equal(ct_calibration_check(&c, err, sizeof err), -1);
  assert_non_null(strstr(err, "rated output"));
}

/* True RMS: a load with a strong third harmonic (a rectifier input). */
static void test_distorted_load(void **state) {
  (void)state;
  ct_calibration c;
  ct_calibration_default(&c);
  double v[N], a;
  char err[128];
  /* 10 A fundamental + 5 A third harmonic: sqrt(100 + 25) A RMS */
  for (int i = 0; i < N; i++)
    v[i] =
        1.65 + sqrt(2.0) * 0.00333 * (10 * sin(2 * PI * i / 40.0) + 5 * sin(3 * 2 * PI * i / 40.0));
  assert_int_equal(ct_rms_current(v, N, &c, &a, NULL, err, sizeof err), 0);
  assert_true(fabs(a - sqrt(125.0)) < 1e-9);
}

static void test_noise_floor_and_clipping(void **state) {
  (void)state;
  ct_calibration c;
  ct_calibration_default(&c);
  double v[N], a;
  bool clipped;
  char err[128];
  /* ADC noise of one LSB (0.8 mV at 12 bits / 3.3 V) around the bias: below 0.2 A */
  for (int i = 0; i < N; i++) v[i] = 1.65 + ((i * 7) % 3 - 1) * 0.0008 * 0.05;
  assert_int_equal(ct_rms_current(v, N, &c, &a, NULL, err, sizeof err), 0);
  assert_true(a == 0);
  /* a sine overdriving a 0..3.3 V input */
  for (int i = 0; i < N; i++) {
    double x = 1.65 + 2.5 * sin(2 * PI * i / 40.0);
    v[i] = x < 0 ? 0 : x > 3.3 ? 3.3 : x;
  }
  assert_int_equal(ct_rms_current(v, N, &c, &a, &clipped, err, sizeof err), 0);
  assert_true(clipped);
}

static void test_bad_blocks(void **state) {
  (void)state;
  ct_calibration c;
  ct_calibration_default(&c);
  double v[N], a;
  char err[128];
  sine(v, 10, 1.65, 0);
  assert_int_equal(ct_rms_current(v, 7, &c, &a, NULL, err, sizeof err), -1);
  assert_non_null(strstr(err, "at least 8"));
  v[17] = NAN;
  assert_int_equal(ct_rms_current(v, N, &c, &a, NULL, err, sizeof err), -1);
  assert_non_null(strstr(err, "sample 17"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_default_clamp),  cmocka_unit_test(test_calibration),
      cmocka_unit_test(test_distorted_load), cmocka_unit_test(test_noise_floor_and_clipping),
      cmocka_unit_test(test_bad_blocks),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
