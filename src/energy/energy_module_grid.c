/*
 * Energy management's grid sources: the latest sample of each source
 * (Modbus meter, TIC, P1, CT clamps, control contact, the API) as the
 * station publishes them, the building current per phase that feeds the
 * allocator, the EnWG 14a contact, the utility's off-peak signal, and
 * POST /api/v1/grid (the `api` source).
 */
#include <jansson.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "energy/energy_module_internal.h"
#include "grid/grid_body.h"
#include "util/log.h"

#define MOD "energy"
#include "http/http_json.h"

const char *const energy_source_names[NSOURCES] = {"meter", "tic", "p1", "ct", "contact", "api"};

int energy_source_index(const char *name) {
  for (int i = 0; i < NSOURCES; i++)
    if (name && strcmp(name, energy_source_names[i]) == 0) return i;
  return -1;
}

/* Building current on phase p, import positive. A meter's currents carry
 * no sign (PAC2200, Linky): a phase whose power says it exports (solar) is
 * counted negative, so the sun's share is not taken for load. */
static double grid_current(const grid_sample *g, int p, double voltage) {
  if (!g->has_current) return g->power_w[p] / voltage;
  if (g->has_power && g->power_w[p] < 0) return -fabs(g->current_a[p]);
  return g->current_a[p];
}

/* The sample that feeds the allocator, as building current per phase. */
void energy_grid_input(const energy *e, alloc_grid_in *g) {
  memset(g, 0, sizeof *g);
  if (e->source >= 0 && e->src) {
    const source_slot *s = &e->src[e->source];
    if (s->have) {
      g->grid_valid = true;
      g->grid_at = s->g.at;
      g->has_own = true;
      memcpy(g->own_a, s->own_a, sizeof g->own_a);
      for (int p = 0; p < 3; p++) g->grid_a[p] = grid_current(&s->g, p, e->voltage);
    }
  }
  if (e->contact) g->total_limit_a = e->contact_limit_w / e->voltage;
}

/* EnWG 14a: asserted when the latest sample of any source that reads a
 * control contact says so. */
bool energy_contact_asserted(const energy *e) {
  if (!e->src) return false;
  for (int i = 0; i < NSOURCES; i++)
    if (e->src[i].contact_known && e->src[i].contact) return true;
  return false;
}

/* The utility's tariff period from the freshest source that reports one
 * (not older than grid.stale_s); -1 when unknown. */
int energy_offpeak_now(const energy *e, borne_ms now) {
  const source_slot *best = NULL;
  for (int i = 0; e->src && i < NSOURCES; i++) {
    const source_slot *x = &e->src[i];
    if (x->offpeak_known && now - x->offpeak_at <= e->acfg.stale_ms &&
        (!best || x->offpeak_at > best->offpeak_at))
      best = x;
  }
  return best ? best->offpeak : -1;
}

/* borne's draw per grid phase from the connectors' latest meter readings */
static void own_draw(const energy *e, double own[3]) {
  own[0] = own[1] = own[2] = 0;
  for (int i = 0; i < e->n; i++) {
    const station_connector *sc = &e->st->conn[i];
    int phases = station_connector_phases(e->st, i + 1) == 1 ? 1 : 3;
    for (int k = 0; k < phases && sc->meter_ok; k++)
      own[e->rotation[i][k]] += fmax(0, sc->meter.current_a[k]);
  }
}

void energy_on_grid(void *ctx, const char *source, const grid_sample *g) {
  energy *e = ctx;
  if (source && strcmp(source, "inverter") == 0) { /* the solar source, not a grid input */
    if (!g->has_power) return;
    e->pv_have = true;
    e->pv_at = g->at;
    e->pv_w = fmax(0, g->power_total_w);
    if (e->source < 0 || !e->src || !e->src[e->source].have) energy_round_soon(e);
    return;
  }
  int i = energy_source_index(source);
  if (i < 0) return;
  if (!e->src && !(e->src = calloc(NSOURCES, sizeof *e->src))) {
    log_error(MOD, "grid sample from %s: out of memory", source);
    return;
  }
  source_slot *x = &e->src[i];
  x->count++;
  if (g->has_current || g->has_power) {
    x->have = true;
    x->g = *g;
    own_draw(e, x->own_a);
  }
  if (g->has_contact) {
    x->contact_known = true;
    x->contact = g->contact_asserted;
    x->contact_at = g->at;
  }
  if (g->has_offpeak) {
    x->offpeak_known = true;
    x->offpeak = g->offpeak;
    x->offpeak_at = g->at;
    snprintf(x->tariff, sizeof x->tariff, "%s", g->tariff);
  }
  if (i == e->source || g->has_contact || g->has_offpeak) energy_round_soon(e); /* met at once */
}

static int post_grid(void *ctx, const http_request *req, http_response *res) {
  energy *e = ctx;
  json_t *body = http_parse_object(req, res, 0);
  if (!body) return 0;
  grid_sample g = {.at = energy_now(e)};
  int rc = grid_body_read(body, &g, res);
  json_decref(body);
  if (rc != 0) return 0;
  station_grid_sample(e->st, "api", &g);
  http_json_body(res,
                 json_pack("{s:s, s:o, s:b}", "result", "accepted", "at", json_time(g.at), "used",
                           e->source >= 0 && strcmp(energy_source_names[e->source], "api") == 0));
  return 0;
}

void energy_grid_routes(energy *e) {
  http_add_route(e->st->http, &(http_route){"POST", "/api/v1/grid", post_grid, e});
}
