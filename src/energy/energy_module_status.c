/*
 * What energy management adds to GET /api/v1/status: `site` on the station
 * object (limits, grid source and its latest sample, the 14a contact, the
 * charging window) and `allocation` and `window` on each connector.
 */
#include <jansson.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "energy/energy_module_internal.h"
#include "http/http_json.h"

static json_t *triplet(const double v[3]) {
  json_t *a = json_array();
  for (int i = 0; i < 3; i++) json_array_append_new(a, json_real(round(v[i] * 100) / 100));
  return a;
}

void energy_status_json(void *ctx, int connector, json_t *obj) {
  energy *e = ctx;
  borne_ms now = energy_now(e);
  if (connector == 0) {
    json_t *s = json_object();
    json_object_set_new(s, "load_management", json_boolean(e->enabled));
    json_object_set_new(
        s, "limit_a", e->enabled ? json_real(round(e->acfg.limit_a[0] * 100) / 100) : json_null());
    json_object_set_new(s, "limit_kva",
                        e->acfg.total_limit_a > 0
                            ? json_real(round(e->acfg.total_limit_a * e->voltage / 10) / 100)
                            : json_null());
    json_object_set_new(s, "phases", json_integer(e->acfg.phases));
    json_object_set_new(s, "margin_a", json_real(e->acfg.margin_a));
    json_object_set_new(s, "circuit_limit_a",
                        e->acfg.circuit_limit_a > 0 ? json_real(e->acfg.circuit_limit_a)
                                                    : json_null());
    json_object_set_new(s, "source",
                        json_string(e->source >= 0 ? energy_source_names[e->source] : "none"));
    const source_slot *src = e->source >= 0 && e->src ? &e->src[e->source] : NULL;
    json_object_set_new(s, "grid_age_s",
                        src && src->have ? json_real((double)(now - src->g.at) / 1000.0)
                                         : json_null());
    const alloc_report *r = e->alloc ? allocator_report(e->alloc) : NULL;
    bool on = (e->enabled || e->contact) && r && e->rounds > 0;
    json_object_set_new(s, "failsafe", json_boolean(on && r->failsafe));
    json_object_set_new(s, "building_a", on ? triplet(r->building_a) : json_null());
    json_object_set_new(s, "own_a", on ? triplet(r->own_a) : json_null());
    json_object_set_new(s, "available_a", on ? triplet(r->available_a) : json_null());
    json_object_set_new(s, "allocated_a", on ? triplet(r->allocated_a) : json_null());
    json_object_set_new(s, "available_total_a",
                        on && isfinite(r->available_total_a)
                            ? json_real(round(r->available_total_a * 100) / 100)
                            : json_null());
    json_object_set_new(s, "charging", json_integer(on ? r->charging : 0));
    json_object_set_new(s, "waiting", json_integer(on ? r->waiting : 0));
    json_t *ct = json_object();
    json_object_set_new(ct, "asserted", json_boolean(e->contact));
    json_object_set_new(ct, "limit_w", json_real(e->contact_limit_w));
    json_object_set_new(s, "contact", ct);
    json_t *w = json_object();
    json_object_set_new(w, "configured", json_boolean((e->sched != NULL) || e->window_from_meter));
    json_object_set_new(w, "windows", json_string(config_get(e->st->cfg, "schedule.windows")));
    json_object_set_new(w, "timezone", json_string(e->tz_name));
    json_object_set_new(w, "source", json_string(e->window_from_meter ? "meter" : "schedule"));
    json_object_set_new(w, "open", json_boolean(e->window_open));
    json_object_set_new(w, "next_change",
                        (e->sched != NULL) && e->window_next ? json_time(e->window_next)
                                                             : json_null());
    json_object_set_new(s, "window", w);
    energy_solar_status(e, 0, s);
    json_object_set_new(obj, "site", s);
    return;
  }
  if (connector > e->n) return;
  energy_solar_status(e, connector, obj);
  if ((e->sched != NULL) || e->user[connector - 1] || e->window_from_meter) {
    json_t *w = json_object();
    json_object_set_new(w, "open", json_boolean(energy_window_open(e, connector)));
    json_object_set_new(w, "user_windows",
                        e->user[connector - 1] ? json_string(e->user[connector - 1]->text)
                                               : json_null());
    json_object_set_new(obj, "window", w);
  }
  if (!(e->enabled || e->contact) || !e->alloc) return;
  const alloc_conn_out *o = allocator_conn(e->alloc, connector - 1);
  json_t *a = json_object();
  json_object_set_new(a, "state", json_string(alloc_state_name(o->state)));
  json_object_set_new(a, "share_a", json_real(o->limit_a));
  json_object_set_new(a, "target_a", json_real(o->target_a));
  const char *reason = o->state == ALLOC_WAITING ? "waiting for power"
                       : o->state == ALLOC_HELD && !energy_window_open(e, connector)
                           ? "waiting for allowed period"
                           : NULL;
  json_object_set_new(a, "reason", reason ? json_string(reason) : json_null());
  json_object_set_new(a, "priority", json_integer(e->priority[connector - 1]));
  int ph = e->in[connector - 1].phases; /* 0 before the first round */
  json_object_set_new(a, "phases",
                      json_integer(ph ? ph : station_connector_phases(e->st, connector)));
  json_object_set_new(a, "since", json_time(o->since));
  json_object_set_new(obj, "allocation", a);
}
