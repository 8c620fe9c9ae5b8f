/*
 * Control pilot and proximity pilot arithmetic from IEC 61851-1 Annex A and B:
 * duty cycle from offered current, and cable rating from the PP resistor.
 */
#ifndef BORNE_CORE_PILOT_H
#define BORNE_CORE_PILOT_H

/* PWM output of the CP generator, in per-mille of the 1 kHz period.
 * PILOT_STEADY_HIGH (+12 V, "x1": no PWM) and PILOT_STEADY_LOW (-12 V, state F)
 * are the two non-oscillating outputs. */
#define PILOT_STEADY_HIGH 1000
#define PILOT_STEADY_LOW 0

/* Minimum current a PWM may offer (IEC 61851-1 Table A.7). */
#define PILOT_MIN_CURRENT_A 6.0
#define PILOT_MAX_CURRENT_A 80.0

/* Duty cycle in per-mille for an offered current (Table A.7):
 * 6..51 A: D = I / 0.6 %; 51..80 A: D = I / 2.5 + 64 %. Current is rounded
 * down to the 0.1 % resolution so the EV never reads more than offered.
 * Below 6 A returns PILOT_STEADY_HIGH (no charging allowed); above 80 A, 80 A. */
int pilot_duty_for_current(double amps);
/* Inverse, as the EV reads it (for the simulator and tests). 0 if no charge allowed. */
double pilot_current_for_duty(int duty_permille);

/* Cable current capability from the PP-PE resistor (Table B.2), with the
 * tolerance bands of that table. Returns 0 for missing (open) or out-of-band. */
double pilot_cable_rating_for_pp(double ohms);

#endif
