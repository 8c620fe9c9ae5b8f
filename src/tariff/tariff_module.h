/*
 * The tariff module's glue (module "tariff"): the tariff in force now, from
 * the settings, and the one each session started under, kept in the
 * station's database so that a later change of price never changes a past
 * session's cost.
 */
#ifndef BORNE_TARIFF_MODULE_H
#define BORNE_TARIFF_MODULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tariff/tariff.h"

struct station;
struct config;

/* The tariff of the settings now (possibly not set: tariff_is_set). */
void tariff_now(const struct config *cfg, tariff *out);
/* The tariff session_id started under: 0, or -1 when it had none (no price
 * then, or a session older than the module). */
int tariff_of_session(struct station *st, int64_t session_id, tariff *out);

/* The energy session_id took off-peak (inside the charging windows), so far;
 * -1 when the session had no tariff. */
double tariff_offpeak_wh(struct station *st, int64_t session_id);

/* The cost of a session that is not borne's own price: the OCPP back end's
 * (2.0.1/2.1 block I: CostUpdated, totalCost) or the station's under a 2.1
 * tariff (`local`), kept with the session so that it survives a restart and
 * shows in the history. */
typedef struct {
  char transaction_id[40];
  bool has_total;
  double total;
  bool final;       /* the total once the transaction ended */
  char currency[4]; /* ISO 4217 */
  char message[512];
  bool local;        /* computed by the station from a 2.1 tariff */
  const char *state; /* put: the local calculator's state (JSON), NULL none */
} tariff_session_cost;
/* Saves (replaces) session_id's cost: 0, or -1 (logged). */
int tariff_session_cost_put(struct station *st, int64_t session_id, const tariff_session_cost *c);
/* Reads it: 0, or -1 when the session has none. *state (when state is not
 * NULL) gets a copy of the saved state to free, NULL when none. */
int tariff_session_cost_get(struct station *st, int64_t session_id, tariff_session_cost *out,
                            char **state);

/* Attach the tariff module (listed in main/modules.c). */
int tariff_attach(struct station *st, char *err, size_t errlen);

#endif
