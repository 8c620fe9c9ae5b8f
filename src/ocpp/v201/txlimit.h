/*
 * OCPP 2.1 E16, transactions with a limit: the CSMS caps a transaction by
 * cost, energy, time or state of charge (TransactionLimitType {maxCost,
 * maxEnergy in Wh, maxTime in s from the start, maxSoC in %}, in its
 * TransactionEventResponse), the station confirms the limit in force in
 * transactionInfo.transactionLimit (triggerReason LimitSet) and suspends the
 * energy once one of them is reached, until the CSMS raises it
 * (docs/ocpp21.md "Transaction limits").
 *
 * Pure: the limit as a value, merged with a new one, written to and read
 * from JSON (the TransactionLimitType, also the form kept on disk), and
 * whether it is reached given what the transaction did since its start;
 * the clock is the caller's (tx_limits.c, the unit tests' virtual one).
 */
#ifndef BORNE_OCPP_V201_TXLIMIT_H
#define BORNE_OCPP_V201_TXLIMIT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/types.h"

typedef struct {
  bool has_cost, has_energy, has_time, has_soc;
  double max_cost;      /* in the currency of the tariff */
  double max_energy_wh; /* energy delivered since the transaction's start */
  int64_t max_time_s;   /* seconds from the transaction's start */
  int max_soc;          /* percent */
} v201_txlimit;

typedef enum {
  V201_TXLIM_NONE = 0,
  V201_TXLIM_ENERGY,
  V201_TXLIM_TIME,
  V201_TXLIM_COST,
  V201_TXLIM_SOC
} v201_txlimit_kind;

/* What the transaction did since its start, as the station knows it now. */
typedef struct {
  double energy_wh; /* delivered since the start */
  borne_ms elapsed; /* since the start */
  bool cost_known;  /* a running cost (the local tariff's or the CSMS's) */
  double cost;      /* ... its value */
  bool soc_known;   /* the EV told its state of charge */
  double soc;       /* ... percent */
} v201_txlimit_usage;

/* The limit of a TransactionLimitType; false (out untouched) when `tl` is
 * not an object or holds none of the four members. `supported` (an OR of
 * 1 << V201_TXLIM_x) keeps only those members: the others are left out, as
 * if not sent (neither kept nor confirmed). */
bool v201_txlimit_parse(const json_t *tl, unsigned supported, v201_txlimit *out);
/* The TransactionLimitType of a limit (a new reference); NULL when empty. */
json_t *v201_txlimit_json(const v201_txlimit *l);
bool v201_txlimit_empty(const v201_txlimit *l);
bool v201_txlimit_equal(const v201_txlimit *a, const v201_txlimit *b);
/* `in_force` with `update`'s members over it: a member the update does not
 * name stays (OCPP has no way to take a limit away, only to move it). */
v201_txlimit v201_txlimit_merge(const v201_txlimit *in_force, const v201_txlimit *update);
/* The first member reached (energy, time, cost, then SoC when several are),
 * V201_TXLIM_NONE when none is: a member whose quantity is not known (no
 * running cost, no SoC) is never reached. */
v201_txlimit_kind v201_txlimit_reached(const v201_txlimit *l, const v201_txlimit_usage *u);
/* When maxTime is reached for a transaction started at `start`; INT64_MAX
 * when there is no maxTime. */
borne_ms v201_txlimit_time_due(const v201_txlimit *l, borne_ms start);
/* The triggerReason of the event telling that `k` was reached. */
const char *v201_txlimit_trigger(v201_txlimit_kind k);
/* The stoppedReason of a transaction ended by `k` (a cost limit: the driver
 * is out of credit, LocalOutOfCredit; ReasonEnumType has no cost member). */
const char *v201_txlimit_stopped(v201_txlimit_kind k);

/* The member names of TransactionLimitType a station holding `supported`
 * (an OR of 1 << V201_TXLIM_x) keeps, comma-separated in the schema's
 * spelling (TxCtrlr.SupportedLimits): "maxEnergy,maxTime,maxCost". */
const char *v201_txlimit_supported_list(unsigned supported, char *buf, size_t len);
/* What borne holds a transaction to: energy and time always, the cost when
 * one is known (the local tariff's, or the CSMS's totalCost / CostUpdated);
 * not the SoC (an AC station without ISO 15118 does not know it). */
#define V201_TXLIM_SUPPORTED                                                                       \
  ((1u << V201_TXLIM_ENERGY) | (1u << V201_TXLIM_TIME) | (1u << V201_TXLIM_COST))

#endif
