/*
 * The tariff module's glue (module "tariff"): the tariff in force now, from
 * the settings, and the one each session started under, kept in the
 * station's database so that a later change of price never changes a past
 * session's cost.
 */
#ifndef BORNE_TARIFF_MODULE_H
#define BORNE_TARIFF_MODULE_H

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

/* Attach the tariff module (listed in main/modules.c). */
int tariff_attach(struct station *st, char *err, size_t errlen);

#endif
