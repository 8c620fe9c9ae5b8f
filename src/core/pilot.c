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
  /* Nominal Rc 1.5 kOhm / 680 / 220 / 100 Ohm (Table B.2). Band edges sit at
   * the geometric means between neighbouring nominal values, and at about
   * 0.6x / 1.7x outside the extremes: see docs/iec61851.md. */
  if (!(ohms > 0)) return 0.0;
  if (ohms < 60.0) return 0.0;
  if (ohms < 148.0) return 63.0;
  if (ohms < 387.0) return 32.0;
  if (ohms < 1010.0) return 20.0;
  if (ohms <= 2500.0) return 13.0;
  return 0.0;
}
