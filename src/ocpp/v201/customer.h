/*
 * Pure: OCPP 2.0.1 NotifyCustomerInformation pages (N09). What the station
 * keeps about a customer is a few human-readable lines (the 2.0.1 message
 * leaves the format open: "should be human readable"); this cuts them into
 * the message's 512-character `data`, numbers the pages from seqNo 0 and
 * marks all but the last `tbc`. No I/O: diagnostics.c gathers the lines.
 */
#ifndef BORNE_OCPP_V201_CUSTOMER_H
#define BORNE_OCPP_V201_CUSTOMER_H

#include <stddef.h>

#include <jansson.h>

#include "util/clock.h"

#define V201_CUSTOMER_DATA_MAX 512 /* NotifyCustomerInformationRequest.data maxLength */

/* A JSON array of NotifyCustomerInformation payloads for request_id, at
 * least one (no lines: one page with empty data). Lines are joined with
 * "\n"; a line longer than a page is cut at a UTF-8 character boundary.
 * NULL when out of memory. */
json_t *v201_customer_pages(const char *const *lines, size_t n, int request_id, borne_ms now);

#endif
