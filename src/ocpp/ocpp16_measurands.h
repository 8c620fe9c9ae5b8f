/*
 * OCPP 1.6 MeterValues content from borne's meter readings: which measurands
 * borne can sample (MeterValuesSampledData, MeterValuesAlignedData,
 * StopTxnSampledData, StopTxnAlignedData are comma-separated lists of them),
 * the sampledValue objects for one reading, and the clock-aligned schedule.
 * Pure: no clock, no I/O.
 */
#ifndef BORNE_OCPP_OCPP16_MEASURANDS_H
#define BORNE_OCPP_OCPP16_MEASURANDS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/types.h"

/* What a connector knows besides its meter reading. */
typedef struct {
  int phases;         /* 1 or 3 wired */
  double offered_a;   /* Current.Offered */
  double temperature; /* Temperature, Celsius */
  bool has_temperature;
} ocpp16_sample_extra;

/* Checks a measurand list: every member known to OCPP 1.6 and sampled by
 * borne. Returns 0, or -1 with the first offending member in why. */
int ocpp16_measurands_check(const char *csl, char *why, size_t whylen);

/* Appends one sampledValue per measurand (and per phase where the measurand
 * has phases) of `csl` to the JSON array `out`. `context` is the OCPP
 * ReadingContext ("Sample.Periodic", "Sample.Clock", "Transaction.Begin",
 * "Transaction.End", "Trigger"...). Unknown members are skipped. */
void ocpp16_sampled_values(const char *csl, const meter_reading *r, const ocpp16_sample_extra *x,
                           const char *context, json_t *out);

/* The next clock-aligned instant strictly after now_ms for an interval of
 * interval_s seconds, the intervals starting at 00:00:00 UTC; INT64_MAX when
 * interval_s <= 0 (clock-aligned data off). */
borne_ms ocpp16_next_aligned(borne_ms now_ms, long interval_s);

#endif
