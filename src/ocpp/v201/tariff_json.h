/*
 * The OCPP 2.1 local cost's JSON, pure (no I/O): what cost.c reads from the
 * CSMS and the disk and what it sends, around the calculator of
 * src/tariff/tariff21.h.
 */
#ifndef BORNE_OCPP_V201_TARIFF_JSON_H
#define BORNE_OCPP_V201_TARIFF_JSON_H

#include <stdbool.h>

#include <jansson.h>

#include "tariff/tariff21.h"

/* A TariffType (JSON, decoded with the generated 2.1 type of
 * SetDefaultTariffRequest) -> t: "Accepted", or the TariffSetStatus that
 * refuses it ("Rejected": not a TariffType or a time of day not HH:MM;
 * "TooManyElements"; "ConditionNotSupported": paymentBrand /
 * paymentRecognition), *why saying what (NULL when nothing to add). */
const char *v201_tariff_of_json(const json_t *tariff, tariff21 *t, const char **why);

/* The calculator's state with its tariff (as the CSMS sent it) as JSON text
 * to free, NULL on failure; and back: 0 with *tariff (a reference to drop)
 * and *driver, or -1 for a text that is not one. */
char *v201_tariff_state(const tariff21_run *r, const json_t *tariff, bool driver);
int v201_tariff_restore(const char *text, tariff21_run *r, json_t **tariff, bool *driver);

/* The CostDetailsType of the run so far (2.1 TransactionEvent), NULL when a
 * number JSON cannot hold (an infinite price) is in it. Its chargingPeriods
 * only with `periods` (the Ended event's; I12.FR.02: the running cost
 * updates leave them out). */
json_t *v201_cost_details_json(const tariff21_run *r, bool periods);

/* I08.FR.37 (2.1 errata 2025-09; I08.FR.31 in the first edition): the
 * NotifyEvent that tells the CSMS a driver tariff cannot be taken:
 * TariffCostCtrlr.Problem, trigger Alerting, actualValue "true", a hard-wired
 * notification, techCode the reason (the TariffSetStatus that refused it:
 * "TooManyElements", "ConditionNotSupported", "Rejected"). Its precondition,
 * no Delta monitor on the variable, always holds: borne lets none be set
 * there (monitoring.c). NULL when out of memory. */
json_t *v201_tariff_problem_event(int event_id, int64_t now_ms, const char *tech_code,
                                  const char *tariff_id);

#endif
