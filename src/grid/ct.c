/*
 * CT clamp RMS (see ct.h). Two passes over the block: the mean, then the
 * RMS of the deviations (numerically better than sum of squares minus the
 * squared mean when the bias is large against the signal).
 */
#include "grid/ct.h"

#include <math.h>
#include <stdio.h>

void ct_calibration_default(ct_calibration *c) {
  *c = (ct_calibration){.rated_a = 100.0, .rated_v = 0.333, .gain = 1.0, .floor_a = 0.2};
}

int ct_calibration_check(const ct_calibration *c, char *err, size_t errlen) {
  if (!(c->rated_a > 0 && c->rated_a <= 5000)) {
    snprintf(err, errlen, "rated current %g A: must be above 0 and at most 5000 A", c->rated_a);
    return -1;
  }
  if (!(c->rated_v > 0 && c->rated_v <= 10)) {
    snprintf(err, errlen, "rated output %g V: must be above 0 and at most 10 V", c->rated_v);
    return -1;
  }
  if (!(c->gain >= 0.5 && c->gain <= 2.0)) {
    snprintf(err, errlen, "gain %g: a calibration corrects by 0.5 to 2.0", c->gain);
    return -1;
  }
  if (!(c->floor_a >= 0 && c->floor_a <= 10)) {
    snprintf(err, errlen, "noise floor %g A: 0 to 10 A", c->floor_a);
    return -1;
  }
  return 0;
}

/* Runs of at least this many samples at the minimum and at the maximum: a
 * flattened sine. A clean sine sampled 40 times per period touches its
 * extremes for 1 or 2 samples. */
#define CT_CLIP_RUN 4

static bool flat_top(const double *v, size_t n, double level) {
  size_t run = 0;
  for (size_t i = 0; i < n; i++) {
    run = v[i] == level ? run + 1 : 0;
    if (run >= CT_CLIP_RUN) return true;
  }
  return false;
}

int ct_rms_current(const double *volts, size_t n, const ct_calibration *c, double *amps,
                   bool *clipped, char *err, size_t errlen) {
  if (n < 8) {
    snprintf(err, errlen, "%zu samples: a block needs at least 8", n);
    return -1;
  }
  double sum = 0, lo = volts[0], hi = volts[0];
  for (size_t i = 0; i < n; i++) {
    if (!isfinite(volts[i])) {
      snprintf(err, errlen, "sample %zu is not a number", i);
      return -1;
    }
    sum += volts[i];
    if (volts[i] < lo) lo = volts[i];
    if (volts[i] > hi) hi = volts[i];
  }
  double mean = sum / (double)n, sq = 0;
  for (size_t i = 0; i < n; i++) sq += (volts[i] - mean) * (volts[i] - mean);
  double rms_v = sqrt(sq / (double)n);
  double a = rms_v * (c->rated_a / c->rated_v) * c->gain;
  *amps = a < c->floor_a ? 0 : a;
  if (clipped) *clipped = hi > lo && flat_top(volts, n, lo) && flat_top(volts, n, hi);
  return 0;
}
