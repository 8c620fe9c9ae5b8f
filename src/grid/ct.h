/*
 * Current transformer clamps with a voltage output (the common "100 A /
 * 333 mV" split-core clamps, e.g. SCT-013-000V class): the RMS primary
 * current from one block of ADC samples. Pure: no I/O, no clock.
 *
 * A clamp gives an AC voltage proportional to the primary current, `rated_v`
 * RMS at `rated_a`; it sits on an ADC input biased at mid-rail. The block's
 * mean (the bias, and any ADC offset) is removed, the RMS of what is left is
 * scaled by rated_a / rated_v and by the clamp's own correction `gain`
 * (calibration against a reference meter). Blocks should span whole mains
 * periods (the HAL reads 100 ms: 5 periods at 50 Hz) so the RMS is exact.
 */
#ifndef BORNE_GRID_CT_H
#define BORNE_GRID_CT_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
  double rated_a; /* primary RMS current at the rated output, A (default 100) */
  double rated_v; /* RMS output at rated_a, V (default 0.333) */
  double gain;    /* correction factor from a calibration, 1.0 = none */
  double floor_a; /* below this the result is 0 (ADC noise), A (default 0.2) */
} ct_calibration;

void ct_calibration_default(ct_calibration *c);
/* 0, or -1 with the reason when a field is out of its sane range. */
int ct_calibration_check(const ct_calibration *c, char *err, size_t errlen);

/* RMS primary current of one block. -1 with a reason when the block is too
 * short (fewer than 8 samples) or holds a non-finite sample. `clipped` (may
 * be NULL) is set when a sample sits at the block's extreme for several
 * samples in a row on both sides, a sign the clamp overdrives the ADC (the
 * result is then too low). */
int ct_rms_current(const double *volts, size_t n, const ct_calibration *c, double *amps,
                   bool *clipped, char *err, size_t errlen);

#endif
