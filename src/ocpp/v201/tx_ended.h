/*
 * OCPP 2.0.1 J: the meter values a transaction keeps for its Ended event.
 * The OCA device model: SampledDataCtrlr.TxEndedMeasurands "to be included
 * in the meterValues element of TransactionEventRequest (eventType = Ended),
 * every SampledDataTxEndedInterval seconds from the start of the
 * transaction"; AlignedDataCtrlr.TxEndedMeasurands "clock-aligned periodic
 * measurand(s) to be included in the meterValues element of
 * TransactionEventRequest (eventType = Ended) for every
 * TxEndedAlignedDataInterval of the transaction", TxEndedInterval being "the
 * size (in seconds) of the clock-aligned data interval" (the aligned
 * instants counted from midnight, as AlignedDataCtrlr.Interval's).
 *
 * Pure: the schedule of the two series of one transaction on the clock it
 * is given (transactions.c takes the readings, keeps them on disk with the
 * transaction and puts them in the Ended event).
 */
#ifndef BORNE_OCPP_V201_TX_ENDED_H
#define BORNE_OCPP_V201_TX_ENDED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/types.h"

#define V201_TXEND_NEVER INT64_MAX

enum {
  V201_TXEND_SAMPLED = 1u << 0, /* SampledDataCtrlr: context Sample.Periodic */
  V201_TXEND_ALIGNED = 1u << 1, /* AlignedDataCtrlr: context Sample.Clock */
};

typedef struct {
  bool running;          /* a transaction runs */
  borne_ms start;        /* its start: the sampled series counts from it */
  long sampled_s;        /* the intervals the instants below were planned with */
  long aligned_s;        /* (0: that series is off) */
  borne_ms next_sampled; /* the next instant of each series, V201_TXEND_NEVER none */
  borne_ms next_aligned;
} v201_txend;

/* The transaction starts at `start` (also after a restart, with its start
 * then: the instants already past are not owed). */
void v201_txend_start(v201_txend *t, borne_ms start);
void v201_txend_stop(v201_txend *t);

/* What is due at `now` with the intervals now configured (seconds, <= 0:
 * off): a mask of V201_TXEND_*, the instant each reading is stamped with in
 * *sampled_at / *aligned_at (the sampled reading: now; the clock-aligned
 * one: its aligned instant). The schedule moves past `now`: instants missed
 * while the station stood still give one reading, not one each. An interval
 * changed since the last call plans that series anew: its next instant after
 * `now` (from the start, or from midnight), no reading owed for the change. */
unsigned v201_txend_due(v201_txend *t, long sampled_s, long aligned_s, borne_ms now,
                        borne_ms *sampled_at, borne_ms *aligned_at);

/* The next instant due (V201_TXEND_NEVER: none). */
borne_ms v201_txend_next(const v201_txend *t);

/* ---- the bounds (the OCA sets none: borne's own, docs/ocpp201.md) ----
 *
 * On disk: each series of a transaction keeps at most V201_TXEND_ROWS
 * readings evenly spread, plus its latest one. Reading n (0, 1, 2... in the
 * order taken, per series) stays while it is the latest or a multiple of the
 * series' stride, the smallest power of two that leaves at most
 * V201_TXEND_ROWS multiples among the readings taken: the first reading always
 * stays, the stride doubles as the transaction goes on, and it follows from
 * the count alone (nothing else to keep across a kill -9).
 *
 * In the message: the whole TransactionEvent Ended frame at most
 * V201_TXEND_MESSAGE_MAX bytes (the DeviceDataCtrlr.BytesPerMessage borne
 * reports for the requests it takes); what the series adds beyond that is
 * thinned when the Ended is queued (v201_txend_thin). */
#define V201_TXEND_ROWS 100
#define V201_TXEND_MESSAGE_MAX 65000
/* the frame around the payload: [2,"<message id>","TransactionEvent",...] */
#define V201_TXEND_FRAME_SLACK 128

/* The stride after `taken` readings of a series (>= 1). */
long v201_txend_stride(long taken, long rows);
/* Whether reading n stays once `taken` readings were taken (n < taken). */
bool v201_txend_keeps(long n, long taken, long rows);

/* Which of the n readings of the series (in the order taken, both series
 * mixed: series[i] 0 or 1; sizes[i] bytes each as JSON, the separating comma
 * not counted) the Ended carries within `budget` bytes (commas counted):
 * keep[i] set for those. While they do not fit, every second reading between
 * the first and the last kept of each series is left out (the middle,
 * evenly: its spacing doubles), then the firsts, then the lasts. Returns the
 * number kept. */
size_t v201_txend_thin(const size_t *sizes, const unsigned char *series, size_t n, size_t budget,
                       bool *keep);

#endif
