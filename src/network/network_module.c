/*
 * The network module's glue (see network_module.h): routes, the setup access
 * point's timer, and the choice of back end. The sim back end answers at
 * once; the nm back end answers later through borne-nm, so every route
 * defers its request and completes it from the back end's callback. Never
 * blocks the loop.
 */
#include "network/network_module.h"

#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http/http_json.h"
#include "network/network_button.h"
#include "network/network_nm.h"
#include "network/network_req.h"
#include "network/network_sim.h"
#include "util/log.h"

#define MOD "network"

#ifndef BORNE_LIBEXEC_DIR
#define BORNE_LIBEXEC_DIR "/usr/libexec/borne"
#endif

typedef enum { BACKEND_NONE, BACKEND_SIM, BACKEND_NM } backend_kind;

typedef struct {
  station *st;
  backend_kind kind;
  net_sim *sim; /* the sim back end's state, made by the first request (0.5 kB in every
                 * station before, a swarm station's included) */
  net_nm *nm;
  uv_timer_t ap_timer;
  bool timer_open;
  long ap_s;            /* network.setup_ap_s */
  bool ap_on;           /* as the back end last confirmed */
  borne_ms ap_until;    /* 0: no end */
  net_ap_button button; /* the setup button (network.ap_button) */
} net_module;

typedef struct {
  net_module *m;
  http_pending *pending; /* NULL: the module's own request (the setup access point) */
  net_request req;
} net_call;

static json_t *ap_json(const net_module *m) {
  return json_pack("{s:b, s:s, s:o}", "on", m->ap_on, "ssid",
                   config_get(m->st->cfg, "network.setup_ap_ssid"), "until",
                   m->ap_on && m->ap_until ? json_time(m->ap_until) : json_null());
}

static void on_ap_timer(uv_timer_t *t);

/* The back end confirmed a setup_ap action: keep its state and timer. */
static void ap_applied(net_module *m, bool on) {
  m->ap_on = on;
  m->ap_until = 0;
  uv_timer_stop(&m->ap_timer);
  if (on && m->ap_s > 0) {
    m->ap_until = clock_now(&m->st->clock) + (borne_ms)m->ap_s * 1000;
    uv_timer_start(&m->ap_timer, on_ap_timer, (uint64_t)m->ap_s * 1000, 0);
  }
  station_event(m->st, 0, "network", "setup access point %s", on ? "opened" : "closed");
}

/* The outcome of the OCPP link's cellular request, for the installer. */
static void link_cellular_done(net_module *m, const net_request *r, const char *error) {
  if (r->op == NET_OP_CELLULAR)
    station_event(m->st, 0, "network", "configuration slot %d: cellular APN %s %s%s", r->slot,
                  r->apn, error ? "failed: " : "brought up", error ? error : "");
  else if (error)
    station_event(m->st, 0, "network", "back to the installer's cellular connection failed: %s",
                  error);
}

static void call_done(void *ctx, json_t *view, const char *error) {
  net_call *c = ctx;
  net_module *m = c->m;
  if (!error && c->req.op == NET_OP_SETUP_AP) ap_applied(m, c->req.on);
  if (!c->pending) {
    if (c->req.op == NET_OP_CELLULAR || c->req.op == NET_OP_CELLULAR_INSTALLER)
      link_cellular_done(m, &c->req, error);
    else if (error)
      log_warn(MOD, "%s: %s", net_op_name(c->req.op), error);
  } else if (error) {
    http_complete_error(c->pending, 502, "%s", error);
  } else {
    json_object_set_new(view, "setup_ap", ap_json(m));
    http_response res = {0};
    http_json_body(&res, json_incref(view));
    http_complete(c->pending, &res);
  }
  json_decref(view);
  free(c);
}

static void submit(net_module *m, net_call *c) {
  if (c->req.op == NET_OP_SETUP_AP) {
    snprintf(c->req.ssid, sizeof c->req.ssid, "%s",
             config_get(m->st->cfg, "network.setup_ap_ssid"));
    snprintf(c->req.psk, sizeof c->req.psk, "%s", config_get(m->st->cfg, "network.setup_ap_psk"));
  }
  if (m->kind == BACKEND_NM) {
    net_nm_submit(m->nm, &c->req, call_done, c);
    return;
  }
  if (!m->sim) {
    m->sim = malloc(sizeof *m->sim);
    if (!m->sim) {
      call_done(c, NULL, "out of memory");
      return;
    }
    net_sim_init(m->sim);
  }
  char err[200];
  if (net_sim_apply(m->sim, &c->req, err, sizeof err) != 0) {
    call_done(c, NULL, err);
    return;
  }
  call_done(c, net_sim_status(m->sim), NULL);
}

static void ap_request(net_module *m, bool on) {
  net_call *c = calloc(1, sizeof *c);
  if (!c) return;
  c->m = m;
  c->req.op = NET_OP_SETUP_AP;
  c->req.on = on;
  submit(m, c);
}

int network_cellular(station *st, const net_request *r) {
  net_module *m = station_module_ctx(st, MOD);
  if (!m || m->kind == BACKEND_NONE) return -1;
  net_call *c = calloc(1, sizeof *c);
  if (!c) return -1;
  c->m = m;
  c->req = *r;
  submit(m, c);
  return 0;
}

static void on_ap_timer(uv_timer_t *t) {
  net_module *m = t->data;
  log_info(MOD, "setup access point: %ld s are over, closing it", m->ap_s);
  ap_request(m, false);
}

/* The setup button: a press (released → pressed) opens the access point for
 * network.setup_ap_s, again if it is open (the time starts over); which level
 * changes are presses is net_ap_button_level's decision (network_button.c). */
static void on_ap_button(void *ctx, bool pressed) {
  net_module *m = ctx;
  if (!net_ap_button_level(&m->button, pressed, clock_now(&m->st->clock))) return;
  station_event(m->st, 0, "network", "setup button pressed: opening the setup access point");
  ap_request(m, true);
}

static int handle(net_module *m, net_op op, const http_request *req, http_response *res) {
  if (m->kind == BACKEND_NONE) {
    if (op == NET_OP_STATUS) {
      http_json_body(res, json_pack("{s:s, s:s, s:[], s:[]}", "backend", "none", "state",
                                    "unmanaged", "interfaces", "wifi"));
      return 0;
    }
    http_json_error(res, 409,
                    "network.backend is none: the system's own configuration sets up the network");
    return 0;
  }
  net_request r;
  char err[200];
  if (op != NET_OP_STATUS) {
    json_t *body = http_parse_object(req, res, 1);
    if (!body) return 0;
    int rc = net_request_parse(op, body, &r, err, sizeof err);
    json_decref(body);
    if (rc != 0) return http_json_error(res, 400, "%s", err), 0;
  } else {
    memset(&r, 0, sizeof r);
    r.op = NET_OP_STATUS;
  }
  net_call *c = calloc(1, sizeof *c);
  http_pending *p = c ? http_defer(req) : NULL;
  if (!p) {
    free(c);
    return http_json_error(res, 500, "cannot answer later"), 0;
  }
  c->m = m;
  c->pending = p;
  c->req = r;
  if (op == NET_OP_JOIN || op == NET_OP_ETHERNET || op == NET_OP_CELLULAR)
    station_event(m->st, 0, "network", "%s requested%s%s", net_op_name(op),
                  req->principal ? " by " : "", req->principal ? req->principal : "");
  submit(m, c);
  return 1;
}

static int get_network(void *ctx, const http_request *req, http_response *res) {
  return handle(ctx, NET_OP_STATUS, req, res);
}

static int post_action(void *ctx, const http_request *req, http_response *res) {
  const char *slash = strrchr(req->path, '/');
  int op = net_op_from_name(slash ? slash + 1 : "");
  if (op < 0)
    return http_json_error(res, 404,
                           "no network action %s (scan, join, ethernet, cellular, "
                           "setup_ap)",
                           slash ? slash + 1 : ""),
           0;
  return handle(ctx, (net_op)op, req, res);
}

static void closing(void *ctx) {
  net_module *m = ctx;
  if (m->timer_open) {
    uv_close((uv_handle_t *)&m->ap_timer, NULL);
    m->timer_open = false;
  }
  net_nm_free(m->nm);
  m->nm = NULL;
}

static void free_state(void *ctx) {
  net_module *m = ctx;
  free(m->sim);
  free(m);
}

/* borne-nm beside borned (a build tree), else where the package installs it. */
static void helper_path(char *out, size_t len) {
  char exe[PATH_MAX];
  size_t n = sizeof exe;
  if (uv_exepath(exe, &n) == 0) {
    char *slash = strrchr(exe, '/');
    if (slash) {
      *slash = '\0';
      snprintf(out, len, "%s/borne-nm", exe);
      if (access(out, X_OK) == 0) return;
    }
  }
  snprintf(out, len, "%s/borne-nm", BORNE_LIBEXEC_DIR);
}

int network_attach(station *st, char *err, size_t errlen) {
  /* a station whose configuration does not register the network keys (a
   * test rig, a swarm member) has none: the system's own network */
  const char *kind = config_get(st->cfg, "network.backend");
  if (!kind) kind = "none";
  net_module *m = calloc(1, sizeof *m);
  if (!m) {
    snprintf(err, errlen, "network: out of memory");
    return -1;
  }
  m->st = st;
  m->kind = strcmp(kind, "sim") == 0  ? BACKEND_SIM
            : strcmp(kind, "nm") == 0 ? BACKEND_NM
                                      : BACKEND_NONE;
  m->ap_s = (long)config_get_int(st->cfg, "network.setup_ap_s");
  if (m->kind == BACKEND_NM) {
    char path[600];
    helper_path(path, sizeof path);
    if (access(path, X_OK) != 0) {
      snprintf(err, errlen, "network.backend nm: the helper %s is missing (built with libnm-dev)",
               path);
      free(m);
      return -1;
    }
    m->nm = net_nm_new(st->loop, path);
    if (!m->nm) {
      free(m);
      snprintf(err, errlen, "network: out of memory");
      return -1;
    }
  }
  uv_timer_init(st->loop, &m->ap_timer);
  m->ap_timer.data = m;
  m->timer_open = true;
  station_module mod = {.name = MOD, .ctx = m, .closing = closing, .free = free_state};
  if (station_add_module(st, &mod) != 0) {
    closing(m);
    snprintf(err, errlen, "network: too many station modules");
    return -1; /* the timer's close still runs: m is leaked on purpose, the station stops */
  }
  http_add_route(st->http, &(http_route){"GET", "/api/v1/network", get_network, m});
  http_add_route(st->http, &(http_route){"POST", "/api/v1/network/{action}", post_action, m});
  const char *button = config_get(st->cfg, "network.ap_button");
  if (m->kind != BACKEND_NONE && button && button[0]) {
    if (!st->hw->ops->watch_ap_button) {
      snprintf(err, errlen, "network.ap_button: the %s HAL has no button input", st->hw->ops->name);
      return -1; /* the module is added: closing() frees it */
    }
    if (st->hw->ops->watch_ap_button(st->hw, button, on_ap_button, m) != 0) {
      snprintf(err, errlen, "network.ap_button: %s", st->hw->ops->last_error(st->hw));
      return -1;
    }
  }
  if (m->kind != BACKEND_NONE && m->ap_s > 0) ap_request(m, true);
  log_info(MOD, "network back end %s%s", kind,
           m->kind != BACKEND_NONE && m->ap_s > 0 ? ", setup access point opening" : "");
  return 0;
}
