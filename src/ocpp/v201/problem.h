/*
 * Pure: a fault of an EVSE in OCPP 2.0.1 words, the NotifyEvent that tells
 * the CSMS (G/N07: a hard-wired notification of the component's Problem
 * variable, trigger Delta, actualValue "true"; the return to normal the same
 * with "false", cleared and the fault's eventId as its cause). The component
 * is the EVSE's connector (Connector, evse id and connectorId 1), or its
 * ConnectorPlugRetentionLock for a lock that failed (G05); techCode is
 * borne's code of the fault (the 1.6 vendorErrorCode, "borne.RcdTrip"),
 * techInfo what the owner reads. No I/O: availability.c sends it.
 */
#ifndef BORNE_OCPP_V201_PROBLEM_H
#define BORNE_OCPP_V201_PROBLEM_H

#include <stdbool.h>

#include <jansson.h>

#include "core/types.h"
#include "util/clock.h"

typedef struct {
  int evse;          /* 1..n */
  error_code code;   /* the fault (for a return to normal: the fault that ended) */
  bool cleared;      /* a return to normal */
  int event_id;      /* this event's id */
  int cause;         /* cleared: the fault's eventId; 0: none */
  const char *tx_id; /* the transaction running on the EVSE, NULL or "": none */
} v201_problem;

/* The component the fault belongs to: "Connector" or "ConnectorPlugRetentionLock". */
const char *v201_problem_component(error_code code);
/* A NotifyEvent request (seqNo 0, one eventData) generated at now; NULL when
 * out of memory. */
json_t *v201_problem_event(const v201_problem *p, borne_ms now);

#endif
