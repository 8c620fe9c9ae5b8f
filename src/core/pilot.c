/*
 * Control-pilot duty cycle (IEC 61851-1:2017 Table A.7 / A.8) and
 * proximity-pilot cable coding (Table B.2). Pure arithmetic.
 */
#include "core/pilot.h"

#include <math.h>

int pilot_duty_for_current(double amps) {
  if (!(amps >= PILOT_MIN_CURRENT_A)) return PILOT_STEADY_HIGH; /* also NaN */
  if (amps > PILOT_MAX_CURRENT_A) amps = PILOT_MAX_CURRENT_A;
  double permille;
  if (amps <= 51.0)
    permille = amps / 0.6 * 10.0; /* D[%] = I / 0.6 */
  else
    permille = (amps / 2.5 + 64.0) * 10.0; /* D[%] = I / 2.5 + 64 */
  /* Round down to the generator's 0.1 % step so the EV never reads more than
   * offered; the epsilon absorbs binary representation error (32/0.6). */
  return (int)floor(permille + 1e-6);
}

double pilot_current_for_duty(int permille) {
  /* Table A.8, as the EV interprets the duty cycle. */
  if (permille < 80 || permille > 970) return 0.0;
  if (permille < 100) return 6.0;
  if (permille <= 850) return permille * 0.06;
  if (permille <= 960) return (permille / 10.0 - 64.0) * 2.5;
  return 80.0;
}

double pilot_cable_rating_for_pp(double ohms) {
  /* Nominal Rc 1.5 kOhm / 680 / 220 / 100 Ohm (Table B.2). The bands are the
   * interpretation ranges an EVSE applies to the measured value (Table B.2 as
   * rendered in vendor controller manuals; see docs/iec61851.md): below 75 Ohm
   * and above 2.2 kOhm the coding is invalid. Upper edges belong to the lower
   * rating so that a reading on an edge never offers more than the cable. */
  static const struct {
    double min_ohms, max_ohms, amps;
  } bands[] = {
      {75.0, 150.0, 63.0},
      {150.0, 330.0, 32.0},
      {330.0, 1000.0, 20.0},
      {1000.0, 2200.0, 13.0},
  };
  if (!(ohms > 0)) return 0.0; /* open (negative) or NaN */
  for (unsigned i = 0; i < sizeof bands / sizeof bands[0]; i++)
    if (ohms >= bands[i].min_ohms && ohms <= bands[i].max_ohms) {
      /* On a shared edge the higher resistance (lower current) wins. */
      if (i + 1 < sizeof bands / sizeof bands[0] && ohms >= bands[i + 1].min_ohms)
        return bands[i + 1].amps;
      return bands[i].amps;
    }
  return 0.0;
}
