/*
 * Simulator controls under /api/v1/sim (registered only with --sim): plug and
 * unplug an EV, make it charge, pause or ask for ventilation, inject faults,
 * present a badge. They act on the simulated hardware only; the station sees
 * the consequences through the HAL like real inputs.
 */
#include <stdio.h>
#include <string.h>

#include "http/http_json.h"
#include "station/station.h"
#include "api/api_module.h"
#include "hal/hal_sim.h"

static int done(http_response *res, int rc, const char *err, int c, const char *what) {
  if (rc != 0) {
    http_json_error(res, 409, "%s", err);
  } else {
    http_json_body(res, json_pack("{s:i, s:s}", "connector", c, "result", what));
  }
  return 0;
}

static int post_plug(void *ctx, const http_request *req, http_response *res) {
  station *st = ctx;
  int c = http_connector_param(req, 0, station_connector_count(st), res);
  if (c < 0) return 0;
  json_t *body = http_parse_object(req, res, 1);
  if (!body) return 0;
  static const char *const allowed[] = {"ev_max_current_a", "phases",  "battery_kwh", "soc_pct",
                                        "target_soc_pct",   "pp_ohms", NULL};
  sim_ev_params p = {
      .max_current_a = 32, .phases = 3, .battery_kwh = 60, .soc_pct = 20, .target_soc_pct = 80};
  long phases = 3;
  double pp = 0;
  if (http_only_members(body, allowed, res) ||
      http_opt_number(body, "ev_max_current_a", 1, 80, &p.max_current_a, res) < 0 ||
      http_opt_int(body, "phases", 1, 3, &phases, res) < 0 ||
      http_opt_number(body, "battery_kwh", 1, 500, &p.battery_kwh, res) < 0 ||
      http_opt_number(body, "soc_pct", 0, 100, &p.soc_pct, res) < 0 ||
      http_opt_number(body, "target_soc_pct", 0, 100, &p.target_soc_pct, res) < 0 ||
      http_opt_number(body, "pp_ohms", 1, 100000, &pp, res) < 0) {
    json_decref(body);
    return 0;
  }
  json_decref(body);
  if (phases == 2) return http_json_error(res, 400, "phases: 2 is not allowed (1 or 3)"), 0;
  p.phases = (int)phases;
  char err[160];
  int rc = hal_sim_plug(st->hw, c, &p, pp, err, sizeof err);
  return done(res, rc, err, c, "plugged");
}

/* {"side": "both"} (the default: the car's side, then the socket's), "ev"
 * (the car's side only, the cable left in the socket) or "station" (that
 * cable leaves the socket; refused while locked). */
static int post_unplug(void *ctx, const http_request *req, http_response *res) {
  station *st = ctx;
  int c = http_connector_param(req, 0, station_connector_count(st), res);
  if (c < 0) return 0;
  json_t *body = http_parse_object(req, res, 1);
  if (!body) return 0;
  static const char *const allowed[] = {"side", NULL};
  const char *side = "both";
  if (http_only_members(body, allowed, res) || http_opt_string(body, "side", 16, &side, res) < 0) {
    json_decref(body);
    return 0;
  }
  char err[160];
  int rc;
  const char *what;
  if (strcmp(side, "both") == 0) {
    rc = hal_sim_unplug(st->hw, c, err, sizeof err);
    what = "unplugged";
  } else if (strcmp(side, "ev") == 0) {
    rc = hal_sim_unplug_ev(st->hw, c, err, sizeof err);
    what = "unplugged on the EV side";
  } else if (strcmp(side, "station") == 0) {
    rc = hal_sim_remove_cable(st->hw, c, err, sizeof err);
    what = "cable out of the socket";
  } else {
    http_json_error(res, 400, "side: `%s` is not both, ev or station", side);
    json_decref(body);
    return 0;
  }
  json_decref(body);
  return done(res, rc, err, c, what);
}

static int post_ev(void *ctx, const http_request *req, http_response *res) {
  station *st = ctx;
  int c = http_connector_param(req, 0, station_connector_count(st), res);
  if (c < 0) return 0;
  json_t *body = http_parse_object(req, res, 0);
  if (!body) return 0;
  const char *state = NULL;
  static const char *const allowed[] = {"state", NULL};
  if (http_only_members(body, allowed, res) ||
      http_opt_string(body, "state", 32, &state, res) < 0) {
    json_decref(body);
    return 0;
  }
  sim_ev_request r;
  int rc = -1;
  char err[160];
  if (!state) {
    http_json_error(res, 400, "state: required (charge, pause or ventilation)");
  } else if (strcmp(state, "charge") == 0 || strcmp(state, "pause") == 0 ||
             strcmp(state, "ventilation") == 0) {
    r = state[0] == 'c' ? SIM_EV_CHARGE : state[0] == 'p' ? SIM_EV_PAUSE : SIM_EV_VENTILATION;
    rc = hal_sim_ev_request(st->hw, c, r, err, sizeof err);
    done(res, rc, err, c, state);
  } else {
    http_json_error(res, 400, "state: `%s` is not charge, pause or ventilation", state);
  }
  json_decref(body);
  return 0;
}

static int post_fault(void *ctx, const http_request *req, http_response *res) {
  station *st = ctx;
  int c = http_connector_param(req, 0, station_connector_count(st), res);
  if (c < 0) return 0;
  json_t *body = http_parse_object(req, res, 0);
  if (!body) return 0;
  const char *kind = NULL;
  static const char *const allowed[] = {"kind", NULL};
  if (http_only_members(body, allowed, res) || http_opt_string(body, "kind", 32, &kind, res) < 0) {
    json_decref(body);
    return 0;
  }
  sim_fault f;
  char err[160];
  if (!kind || sim_fault_parse(kind, &f) != 0) {
    http_json_error(
        res, 400,
        "kind: `%s` is not rcd, diode, welding, lock, lockstuck, overtemp, cpshort or clear",
        kind ? kind : "");
  } else {
    int rc = hal_sim_fault(st->hw, c, f, err, sizeof err);
    /* "clear" also clears latched faults in the core (operator acknowledgement) */
    if (rc == 0 && f == SIM_FAULT_CLEAR)
      station_connector_event(st, c, &(cs_event){.type = CS_EV_FAULT_CLEAR});
    done(res, rc, err, c, kind);
  }
  json_decref(body);
  return 0;
}

static int post_tap(void *ctx, const http_request *req, http_response *res) {
  station *st = ctx;
  json_t *body = http_parse_object(req, res, 0);
  if (!body) return 0;
  const char *uid = NULL;
  static const char *const allowed[] = {"uid", NULL};
  if (http_only_members(body, allowed, res) == 0 &&
      http_opt_string(body, "uid", BORNE_UID_MAX, &uid, res) >= 0) {
    if (!uid || !uid[0]) {
      http_json_error(res, 400, "uid: required");
    } else {
      hal_sim_tap(st->hw, uid);
      http_json_body(res, json_pack("{s:s, s:s}", "uid", uid, "result", "presented"));
    }
  }
  json_decref(body);
  return 0;
}

/* The cover/tamper switch of the simulator: {"open": true|false}. */
static int post_tamper(void *ctx, const http_request *req, http_response *res) {
  station *st = ctx;
  json_t *body = http_parse_object(req, res, 0);
  if (!body) return 0;
  static const char *const allowed[] = {"open", NULL};
  json_t *open = json_object_get(body, "open");
  if (http_only_members(body, allowed, res) == 0) {
    if (!json_is_boolean(open)) {
      http_json_error(res, 400, "open: required, true or false");
    } else {
      hal_sim_set_tamper(st->hw, json_is_true(open));
      http_json_body(res, json_pack("{s:b}", "open", json_is_true(open)));
    }
  }
  json_decref(body);
  return 0;
}

/* The setup access point's push button of the simulator: {"pressed": true|false}. */
static int post_ap_button(void *ctx, const http_request *req, http_response *res) {
  station *st = ctx;
  json_t *body = http_parse_object(req, res, 0);
  if (!body) return 0;
  static const char *const allowed[] = {"pressed", NULL};
  json_t *pressed = json_object_get(body, "pressed");
  if (http_only_members(body, allowed, res) == 0) {
    if (!json_is_boolean(pressed)) {
      http_json_error(res, 400, "pressed: required, true or false");
    } else {
      hal_sim_set_ap_button(st->hw, json_is_true(pressed));
      http_json_body(res, json_pack("{s:b}", "pressed", json_is_true(pressed)));
    }
  }
  json_decref(body);
  return 0;
}

/* The simulated badge reader plugged or not: {"connected": true|false}. */
static int post_reader(void *ctx, const http_request *req, http_response *res) {
  station *st = ctx;
  json_t *body = http_parse_object(req, res, 0);
  if (!body) return 0;
  static const char *const allowed[] = {"connected", NULL};
  json_t *v = json_object_get(body, "connected");
  if (http_only_members(body, allowed, res) == 0) {
    if (!json_is_boolean(v)) {
      http_json_error(res, 400, "connected: required, true or false");
    } else {
      hal_sim_set_reader(st->hw, json_is_true(v));
      http_json_body(res, json_pack("{s:b}", "connected", json_is_true(v)));
    }
  }
  json_decref(body);
  return 0;
}

/* Grid inputs of the simulator (docs/grid-inputs.md): the utility control
 * contact and the building current the CT clamps see. */
static int post_grid(void *ctx, const http_request *req, http_response *res) {
  station *st = ctx;
  json_t *body = http_parse_object(req, res, 0);
  if (!body) return 0;
  static const char *const allowed[] = {"contact", "ct_current_a", NULL};
  int contact = -1;
  if (http_only_members(body, allowed, res) || http_opt_bool(body, "contact", &contact, res) < 0) {
    json_decref(body);
    return 0;
  }
  json_t *ct = json_object_get(body, "ct_current_a");
  double amps[3] = {0, 0, 0};
  if (ct) {
    bool ok = json_is_array(ct) && json_array_size(ct) == 3;
    for (size_t i = 0; ok && i < 3; i++) {
      json_t *v = json_array_get(ct, i);
      ok = json_is_number(v) && json_number_value(v) >= 0 && json_number_value(v) <= 1000;
      if (ok) amps[i] = json_number_value(v);
    }
    if (!ok) {
      json_decref(body);
      return http_json_error(res, 400, "ct_current_a: an array of 3 RMS currents, 0 to 1000 A"), 0;
    }
    hal_sim_set_ct(st->hw, amps);
  }
  json_decref(body);
  if (contact >= 0) hal_sim_set_contact(st->hw, contact != 0);
  http_json_body(res, json_pack("{s:b}", "contact", hal_sim_contact(st->hw)));
  return 0;
}

void api_sim_routes(station *st) {
  http_route routes[] = {
      {"POST", "/api/v1/sim/connectors/{id}/plug", post_plug, st},
      {"POST", "/api/v1/sim/connectors/{id}/unplug", post_unplug, st},
      {"POST", "/api/v1/sim/connectors/{id}/ev", post_ev, st},
      {"POST", "/api/v1/sim/connectors/{id}/fault", post_fault, st},
      {"POST", "/api/v1/sim/tap", post_tap, st},
      {"POST", "/api/v1/sim/grid", post_grid, st},
      {"POST", "/api/v1/sim/tamper", post_tamper, st},
      {"POST", "/api/v1/sim/ap_button", post_ap_button, st},
      {"POST", "/api/v1/sim/reader", post_reader, st},
  };
  for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
    http_add_route(st->http, &routes[i]);
}
