/*
 * The proleptic Gregorian calendar in plain integer arithmetic (Howard
 * Hinnant's days_from_civil / civil_from_days): the one place where borne turns
 * a date into days since 1970-01-01 and back. It knows no clock, locale or time
 * zone; timefmt (ISO-8601 text) and energy/tzrule (POSIX TZ rules) build on it.
 */
#ifndef BORNE_UTIL_CIVIL_H
#define BORNE_UTIL_CIVIL_H

#include <stdbool.h>
#include <stdint.h>

/* Days since 1970-01-01 of the date y-m-d (m 1..12, d 1..31). */
int64_t civil_days_from_date(int64_t y, int m, int d);

/* The date of `days` since 1970-01-01. */
void civil_date_from_days(int64_t days, int64_t *y, int *m, int *d);

bool civil_is_leap(int64_t y);

/* Days in month m (1..12) of year y. */
int civil_month_days(int64_t y, int m);

#endif
