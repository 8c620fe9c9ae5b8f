/*
 * The Modbus TCP server on the station's loop: a uv_poll on the listening
 * socket accepts up to MBS_MAX_CLIENTS clients, a uv_poll per client hands
 * each ready request to libmodbus (modbus_receive: the MBAP framing), the
 * pure register map (regmap.c) answers it over a fresh snapshot of the
 * station, and a one-second timer drops stale setpoints to the fail-safe.
 * The RTU slave (modbus_server.rtu_port) is one more fd on the same loop:
 * libmodbus frames each request (CRC, unit id) and the same map answers it.
 *
 * On a follower of an installation (site.role = follower, docs/site.md) the
 * setpoints are the leader's: they feed LIMIT_SITE, the fail-safe feeds
 * LIMIT_FAILSAFE, and the station starts in fail-safe (no setpoint renewed
 * yet), so a follower never charges beyond it before a leader allocated.
 * The address of the last client that wrote is the leader GET /api/v1/site
 * names (modbus_server_leader()).
 */
#define _GNU_SOURCE /* accept4 */
#include "modbus_server/modbus_server_module.h"

#include <arpa/inet.h>
#include <errno.h>
#include <modbus.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "energy/energy_module.h"
#include "modbus_server/regmap.h"
#include "station/station.h"
#include "util/errbuf.h"
#include "util/log.h"

#define MOD "modbus_server"
#define MBS_MAX_CLIENTS 8
#define MBS_MAX_ALLOW 16

typedef struct mbs_server mbs_server;

typedef struct {
  mbs_server *srv;
  int fd;
  bool used;    /* the slot is taken, until its poll handle has finished closing */
  bool closing; /* client_close ran: its handle is closing, the slot is not free yet */
  bool allowed;
  char addr[64]; /* the peer's address, for modbus_server_leader() */
  uv_poll_t poll;
} mbs_client;

struct mbs_server {
  station *st;
  modbus_t *mb;
  int listen_fd;
  uv_poll_t listen_poll;
  bool listening;
  uv_timer_t timer;
  bool timer_on;
  int unit_id;
  struct in_addr allow[MBS_MAX_ALLOW];
  int allow_count;
  mbs_state state;
  mbs_client clients[MBS_MAX_CLIENTS];
  bool follower;        /* site.role = follower */
  int site_state;       /* MBS_REG_SITE_STATE: 0 standalone, 1 leader, 2 follower */
  char last_writer[64]; /* IPv4 address of the last client whose write was applied */
  borne_ms last_write_at;
  /* the installation's directory copy held (site module: docs/site.md) */
  uint32_t dir_version;
  uint8_t dir_digest[MBS_DIR_DIGEST_BYTES];
  /* the RTU slave (modbus_server.rtu_port), NULL when none */
  modbus_t *rtu;
  int rtu_fd;
  uv_poll_t rtu_poll;
  bool rtu_polling;
  bool rtu_writes; /* modbus_server.rtu_writes */
  char rtu_name[64];
  long rtu_errors; /* frames dropped: bad CRC, cut short */
};

static void w_set_limit(void *ctx, int c, double amps) {
  mbs_server *s = ctx;
  if (!s->follower) {
    station_set_limit(s->st, c, LIMIT_MODBUS, amps);
    return;
  }
  bool fs = c >= 1 && c <= MBS_MAX_CONNECTORS && s->state.failsafe[c - 1];
  /* the new slot first: no moment without either */
  station_set_limit(s->st, c, fs ? LIMIT_FAILSAFE : LIMIT_SITE, amps);
  station_set_limit(s->st, c, fs ? LIMIT_SITE : LIMIT_FAILSAFE, -1);
}

/* "L2L3L1" -> 231 (MBS_CREG_ROTATION); anything else: 123. */
static int rotation_code(const char *r) {
  if (!r || strlen(r) != 6) return 123;
  int v = 0;
  for (int k = 0; k < 3; k++) {
    if (r[2 * k] != 'L' || r[2 * k + 1] < '1' || r[2 * k + 1] > '3') return 123;
    v = v * 10 + (r[2 * k + 1] - '0');
  }
  return v;
}

static int connector_rotation(const config *cfg, int c) {
  char k[64];
  snprintf(k, sizeof k, "connector.%d.phase_rotation", c);
  const char *r = config_get(cfg, k);
  if (!r || !r[0] || !strcmp(r, "site")) r = config_get(cfg, "site.phase_rotation");
  return rotation_code(r);
}

static void w_set_enabled(void *ctx, int c, bool enabled) {
  mbs_server *s = ctx;
  station_set_available(s->st, c, enabled);
}

/* Through energy management, which moves the phase contactor between
 * sessions or through a pause (docs/modbus-server.md "Phase switching"). */
static int w_set_phases(void *ctx, int c, int phases) {
  mbs_server *s = ctx;
  return energy_request_phases(s->st, c, phases);
}

static const char *const charge_modes[MBS_CHARGE_MODES] = {"normal", "solar", "solar_min",
                                                           "offpeak_or_solar"};

/* connector.N.charge_mode, changed as PUT /api/v1/settings would: checked,
 * stored, applied, recorded. */
static int w_set_charge_mode(void *ctx, int c, int mode) {
  mbs_server *s = ctx;
  station *st = s->st;
  char key[64], err[200];
  snprintf(key, sizeof key, "connector.%d.charge_mode", c);
  const char *text = charge_modes[mode];
  if (config_settable_remotely(key, err, sizeof err) != 0 ||
      config_validate(key, text, err, sizeof err) != 0 ||
      config_set(st->cfg, key, text, err, sizeof err) != 0) {
    log_warn(MOD, "%s=%s refused: %s", key, text, err);
    return -1;
  }
  if (store_setting_put(st->db, key, text) != 0) {
    log_warn(MOD, "cannot save %s: %s", key, store_last_error(st->db));
    return -1;
  }
  station_apply_setting(st, key);
  station_event(st, 0, "setting", "%s=%s (modbus)", key, text);
  return 0;
}

static int charge_mode_of(const station *st, int c) {
  char key[64];
  snprintf(key, sizeof key, "connector.%d.charge_mode", c);
  const char *v = config_get(st->cfg, key);
  for (int i = 0; v && i < MBS_CHARGE_MODES; i++)
    if (strcmp(v, charge_modes[i]) == 0) return i;
  return 0;
}

static void snapshot(mbs_server *s, mbs_snapshot *snap) {
  station *st = s->st;
  memset(snap, 0, sizeof *snap);
  int n = station_connector_count(st);
  snap->connectors = n > MBS_MAX_CONNECTORS ? MBS_MAX_CONNECTORS : n;
  snprintf(snap->firmware, sizeof snap->firmware, "%s", BORNE_VERSION);
  const char *id = config_get(st->cfg, "station.id");
  snprintf(snap->identity, sizeof snap->identity, "%s", id ? id : "");
  snap->site_state = s->site_state;
  snap->http_port = st->http ? http_server_port(st->http) : 0;
  snap->https = st->https;
  snap->dir_version = s->dir_version;
  memcpy(snap->dir_digest, s->dir_digest, sizeof snap->dir_digest);
  for (int c = 1; c <= snap->connectors; c++) {
    station_connector_view v;
    station_view(st, c, &v);
    mbs_connector_snap *o = &snap->conn[c - 1];
    const station_connector *sc = &st->conn[c - 1];
    o->status = v.status;
    o->cp = v.cp;
    o->offered_a = v.offered_a;
    o->limited_by = v.limited_by == LIMIT_COUNT ? -1 : (int)v.limited_by;
    o->error = (int)v.error;
    o->phases = v.phases;
    hal *hw = st->hw;
    o->phases_now = hw && hw->ops->get_phases ? hw->ops->get_phases(hw, c) : -1;
    o->rotation = connector_rotation(st->cfg, c);
    o->enabled = v.operative;
    o->charge_mode = charge_mode_of(st, c);
    if (sc->meter_ok) {
      for (int p = 0; p < 3; p++) {
        o->current_a[p] = sc->meter.current_a[p];
        o->voltage_v[p] = sc->meter.voltage_v[p];
      }
      o->power_w = sc->meter.power_total_w;
      o->lifetime_wh = sc->meter.energy_import_wh;
    }
    if (sc->session_id > 0) {
      o->session_id = sc->session_id;
      o->session_wh = sc->meter.energy_import_wh - sc->session_start_wh;
      snprintf(o->id_tag, sizeof o->id_tag, "%s", v.uid);
    }
  }
}

static void on_handle_closed(uv_handle_t *h) { (void)h; }

/* One request PDU answered over a fresh snapshot (TCP and RTU alike): the
 * response PDU's length in out. A write applied by an allowed client makes
 * `who` the last writer (on a follower: its leader). */
static size_t answer(mbs_server *s, bool allowed, const char *who, const uint8_t *pdu, size_t len,
                     uint8_t *out) {
  mbs_snapshot snap;
  snapshot(s, &snap);
  mbs_writer w = {s, w_set_limit, w_set_enabled, w_set_phases, w_set_charge_mode};
  size_t n = mbs_handle(&snap, &s->state, &w, allowed, clock_now(&s->st->clock), pdu, len, out);
  uint8_t fc = pdu[0];
  if ((fc == 6 || fc == 16) && n > 2 && !(out[0] & 0x80) && allowed) {
    snprintf(s->last_writer, sizeof s->last_writer, "%s", who);
    s->last_write_at = clock_now(&s->st->clock);
  }
  return n;
}

/* The slot is free only once libuv has closed its handle: a connection
 * accepted in between must not reinitialise a handle still closing. */
static void on_client_closed(uv_handle_t *h) {
  mbs_client *cl = h->data;
  cl->used = false;
  cl->closing = false;
}

static void client_close(mbs_client *cl) {
  if (!cl->used || cl->closing) return;
  cl->closing = true;
  uv_poll_stop(&cl->poll);
  uv_close((uv_handle_t *)&cl->poll, on_client_closed);
  close(cl->fd);
  cl->fd = -1;
}

static void on_client(uv_poll_t *h, int status, int events) {
  mbs_client *cl = h->data;
  mbs_server *s = cl->srv;
  if (status < 0 || !(events & UV_READABLE)) {
    client_close(cl);
    return;
  }
  uint8_t req[MODBUS_TCP_MAX_ADU_LENGTH];
  modbus_set_socket(s->mb, cl->fd);
  int rc = modbus_receive(s->mb, req);
  if (rc <= 0) { /* closed, a framing error or a timeout: the stream is out of step */
    client_close(cl);
    return;
  }
  int hl = modbus_get_header_length(s->mb); /* 7: the MBAP header */
  if (rc <= hl) return;
  uint8_t unit = req[hl - 1];
  if (unit != s->unit_id && unit != 0 && unit != 255) return; /* not ours: no answer */
  uint8_t resp[7 + MBS_PDU_MAX];
  size_t n = answer(s, cl->allowed, cl->addr, req + hl, (size_t)(rc - hl), resp + 7);
  resp[0] = req[0], resp[1] = req[1]; /* transaction id */
  resp[2] = 0, resp[3] = 0;           /* protocol id */
  resp[4] = (uint8_t)((n + 1) >> 8), resp[5] = (uint8_t)(n + 1);
  resp[6] = unit;
  ssize_t sent = send(cl->fd, resp, n + 7, MSG_NOSIGNAL | MSG_DONTWAIT);
  if (sent != (ssize_t)(n + 7)) client_close(cl);
}

static bool addr_allowed(const mbs_server *s, const struct sockaddr_storage *ss) {
  struct in_addr a;
  if (ss->ss_family == AF_INET) {
    a = ((const struct sockaddr_in *)ss)->sin_addr;
  } else if (ss->ss_family == AF_INET6) {
    const struct in6_addr *a6 = &((const struct sockaddr_in6 *)ss)->sin6_addr;
    if (!IN6_IS_ADDR_V4MAPPED(a6)) return false;
    memcpy(&a, &a6->s6_addr[12], 4);
  } else {
    return false;
  }
  for (int i = 0; i < s->allow_count; i++)
    if (s->allow[i].s_addr == a.s_addr) return true;
  return false;
}

static void peer_text(const struct sockaddr_storage *ss, char *out, size_t len) {
  out[0] = 0;
  if (ss->ss_family == AF_INET) {
    inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, out, (socklen_t)len);
  } else if (ss->ss_family == AF_INET6) {
    const struct in6_addr *a6 = &((const struct sockaddr_in6 *)ss)->sin6_addr;
    if (IN6_IS_ADDR_V4MAPPED(a6))
      inet_ntop(AF_INET, &a6->s6_addr[12], out, (socklen_t)len);
    else
      inet_ntop(AF_INET6, a6, out, (socklen_t)len);
  }
}

static void on_listen(uv_poll_t *h, int status, int events) {
  mbs_server *s = h->data;
  if (status < 0 || !(events & UV_READABLE)) return;
  struct sockaddr_storage ss;
  socklen_t sl = sizeof ss;
  int fd = accept4(s->listen_fd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd < 0) return;
  mbs_client *cl = NULL;
  for (int i = 0; i < MBS_MAX_CLIENTS && !cl; i++)
    if (!s->clients[i].used) cl = &s->clients[i];
  if (!cl) { /* bounded: the newest client waits for a free place */
    log_warn(MOD, "more than %d clients: connection refused", MBS_MAX_CLIENTS);
    close(fd);
    return;
  }
  memset(cl, 0, sizeof *cl);
  cl->srv = s;
  cl->fd = fd;
  cl->allowed = addr_allowed(s, &ss);
  peer_text(&ss, cl->addr, sizeof cl->addr);
  if (uv_poll_init(s->st->loop, &cl->poll, fd) != 0) {
    close(fd);
    return;
  }
  cl->used = true;
  cl->poll.data = cl;
  uv_poll_start(&cl->poll, UV_READABLE, on_client);
}

/* A frame on the RTU line: libmodbus reads it whole (bounded by the byte
 * timeout between characters: one frame's time on the line, 0.3 s at most
 * at 9600 baud) and checks its CRC and unit id (another unit's frame:
 * nothing, and the next frame is taken as that unit's answer, as on a shared
 * line); the answer goes back with its CRC (modbus_send_raw_request
 * frames a unit id and a PDU). A broadcast (unit 0) is applied, never
 * answered. */
static void on_rtu(uv_poll_t *h, int status, int events) {
  mbs_server *s = h->data;
  if (status < 0 || !(events & UV_READABLE)) return;
  uint8_t req[MODBUS_RTU_MAX_ADU_LENGTH];
  int rc = modbus_receive(s->rtu, req);
  if (rc < 0) { /* a bad CRC, a frame cut short: what is left of it goes */
    if (++s->rtu_errors == 1 || s->rtu_errors % 100 == 0)
      log_warn(MOD, "RTU %s: frame dropped (%s), %ld so far", s->rtu_name, modbus_strerror(errno),
               s->rtu_errors);
    modbus_flush(s->rtu);
    return;
  }
  if (rc < 4) return; /* not ours (0) or no PDU: unit id + function + CRC */
  uint8_t unit = req[0];
  uint8_t resp[1 + MBS_PDU_MAX];
  char who[80];
  snprintf(who, sizeof who, "rtu:%s", s->rtu_name);
  size_t n = answer(s, s->rtu_writes, who, req + 1, (size_t)rc - 3, resp + 1);
  if (unit == 0 || n == 0) return;
  resp[0] = unit;
  if (modbus_send_raw_request(s->rtu, resp, (int)n + 1) < 0)
    log_warn(MOD, "RTU %s: cannot answer: %s", s->rtu_name, modbus_strerror(errno));
}

/* The RTU slave on modbus_server.rtu_port, its serial fd watched by the loop
 * (rtu_watch) like the TCP sockets. */
static int rtu_open(mbs_server *s, const char *port, char *err, size_t errlen) {
  const config *cfg = s->st->cfg;
  int baud = (int)config_get_int(cfg, "modbus_server.rtu_baud");
  const char *par = config_get(cfg, "modbus_server.rtu_parity");
  char parity = par && par[0] ? par[0] : 'E';
  s->rtu_writes = config_get_bool(cfg, "modbus_server.rtu_writes");
  snprintf(s->rtu_name, sizeof s->rtu_name, "%s", port);
  s->rtu = modbus_new_rtu(port, baud, parity, 8, 1);
  if (!s->rtu)
    return errbuf_fail(err, errlen, "modbus_server.rtu_port: %s", modbus_strerror(errno));
  modbus_set_slave(s->rtu, s->unit_id);
  modbus_set_indication_timeout(s->rtu, 0, 200000);
  modbus_set_byte_timeout(s->rtu, 0, 100000);
  if (modbus_connect(s->rtu) != 0) {
    int e = errno;
    modbus_free(s->rtu);
    s->rtu = NULL;
    return errbuf_fail(err, errlen, "modbus_server.rtu_port: cannot open %s: %s", port,
                       modbus_strerror(e));
  }
  s->rtu_fd = modbus_get_socket(s->rtu);
  log_info(MOD, "Modbus RTU slave on %s (%d baud, 8%c1, unit %d, writes %s)", port, baud, parity,
           s->unit_id, s->rtu_writes ? "allowed" : "refused");
  return 0;
}

static void rtu_watch(mbs_server *s) {
  if (uv_poll_init(s->st->loop, &s->rtu_poll, s->rtu_fd) != 0) {
    log_warn(MOD, "RTU %s cannot be watched: no RTU slave", s->rtu_name);
    return;
  }
  s->rtu_poll.data = s;
  uv_poll_start(&s->rtu_poll, UV_READABLE, on_rtu);
  s->rtu_polling = true;
}

static void on_timer(uv_timer_t *t) {
  mbs_server *s = t->data;
  mbs_writer w = {s, w_set_limit, w_set_enabled, w_set_phases, w_set_charge_mode};
  int n = station_connector_count(s->st);
  int dropped = mbs_failsafe_check(&s->state, &w, n, clock_now(&s->st->clock));
  if (dropped <= 0) return;
  log_warn(MOD, "%d setpoint(s) not renewed within %d s: fail-safe %.1f A", dropped,
           s->state.failsafe_s, s->state.failsafe_a);
  station_event(s->st, 0, "modbus_failsafe",
                "%d setpoint(s) not renewed within %d s%s: fail-safe %.1f A", dropped,
                s->state.failsafe_s, s->follower ? " (no leader)" : "", s->state.failsafe_a);
}

static void mbs_closing(void *ctx) {
  mbs_server *s = ctx;
  for (int i = 0; i < MBS_MAX_CLIENTS; i++) client_close(&s->clients[i]);
  if (s->listening) {
    uv_poll_stop(&s->listen_poll);
    uv_close((uv_handle_t *)&s->listen_poll, on_handle_closed);
    s->listening = false;
  }
  if (s->rtu_polling) {
    uv_poll_stop(&s->rtu_poll);
    uv_close((uv_handle_t *)&s->rtu_poll, on_handle_closed);
    s->rtu_polling = false;
  }
  if (s->timer_on) {
    uv_timer_stop(&s->timer);
    uv_close((uv_handle_t *)&s->timer, on_handle_closed);
    s->timer_on = false;
  }
}

static void mbs_free(void *ctx) {
  mbs_server *s = ctx;
  if (s->listen_fd >= 0) close(s->listen_fd); /* its poll handle closed with the loop */
  if (s->mb) {
    modbus_set_socket(s->mb, -1); /* the last client's socket, closed already */
    modbus_free(s->mb);
  }
  if (s->rtu) {
    modbus_close(s->rtu);
    modbus_free(s->rtu);
  }
  free(s);
}

static int parse_allow(mbs_server *s, const char *list, char *err, size_t errlen) {
  char buf[512];
  snprintf(buf, sizeof buf, "%s", list ? list : "");
  char *save = NULL;
  for (char *t = strtok_r(buf, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
    if (s->allow_count == MBS_MAX_ALLOW)
      return errbuf_fail(err, errlen, "modbus_server.allow: at most %d addresses", MBS_MAX_ALLOW);
    if (inet_pton(AF_INET, t, &s->allow[s->allow_count]) != 1)
      return errbuf_fail(err, errlen, "modbus_server.allow: `%s` is not an IPv4 address", t);
    s->allow_count++;
  }
  return 0;
}

int modbus_server_leader(const station *st, char *addr, size_t len, borne_ms *at) {
  for (int i = 0; i < st->module_count; i++) {
    const station_module *m = &st->modules[i];
    if (!m->name || strcmp(m->name, "modbus_server") != 0) continue;
    const mbs_server *s = m->ctx;
    if (!s->last_writer[0]) return -1;
    snprintf(addr, len, "%s", s->last_writer);
    if (at) *at = s->last_write_at;
    return 0;
  }
  return -1;
}

static mbs_server *find_server(const station *st) {
  for (int i = 0; i < st->module_count; i++) {
    const station_module *m = &st->modules[i];
    if (m->name && strcmp(m->name, "modbus_server") == 0) return m->ctx;
  }
  return NULL;
}

void modbus_server_set_directory(struct station *st, uint32_t version,
                                 const uint8_t digest[MBS_DIR_DIGEST_BYTES]) {
  mbs_server *s = find_server(st);
  if (!s) return;
  s->dir_version = version;
  if (digest)
    memcpy(s->dir_digest, digest, sizeof s->dir_digest);
  else
    memset(s->dir_digest, 0, sizeof s->dir_digest);
}

/* The TCP server on modbus_server.listen (HOST:PORT). */
static int tcp_start(mbs_server *s, const char *listen_at, char *err, size_t errlen) {
  station *st = s->st;
  char host[256];
  snprintf(host, sizeof host, "%s", listen_at);
  char *colon = strrchr(host, ':');
  if (!colon) return errbuf_fail(err, errlen, "modbus_server.listen: HOST:PORT");
  *colon = 0;
  s->mb = modbus_new_tcp_pi(host, colon + 1);
  if (!s->mb) return errbuf_fail(err, errlen, "modbus_server.listen: %s", modbus_strerror(errno));
  /* a request announced by its first bytes must arrive whole within 0.2 s:
   * the loop never waits longer on one slow client */
  modbus_set_indication_timeout(s->mb, 0, 200000);
  modbus_set_byte_timeout(s->mb, 0, 200000);
  s->listen_fd = modbus_tcp_pi_listen(s->mb, MBS_MAX_CLIENTS);
  if (s->listen_fd < 0) {
    int e = errno;
    modbus_free(s->mb);
    s->mb = NULL;
    return errbuf_fail(err, errlen, "modbus_server.listen: cannot listen on %s: %s", listen_at,
                       modbus_strerror(e));
  }
  uv_poll_init(st->loop, &s->listen_poll, s->listen_fd);
  s->listen_poll.data = s;
  uv_poll_start(&s->listen_poll, UV_READABLE, on_listen);
  s->listening = true;
  struct sockaddr_storage ss;
  socklen_t sl = sizeof ss;
  int port = 0;
  if (getsockname(s->listen_fd, (struct sockaddr *)&ss, &sl) == 0)
    port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                          : ((struct sockaddr_in *)&ss)->sin_port);
  log_info(MOD, "Modbus TCP server on %s (port %d, unit %d, %d writer address(es))", host, port,
           s->unit_id, s->allow_count);
  return 0;
}

int modbus_server_attach(station *st, char *err, size_t errlen) {
  const char *rtu = config_get(st->cfg, "modbus_server.rtu_port");
  bool has_rtu = rtu && rtu[0];
  const char *listen_at = config_get(st->cfg, "modbus_server.listen");
  const char *role = config_get(st->cfg, "site.role");
  bool follower = role && !strcmp(role, "follower");
  if (follower && (!listen_at || !listen_at[0]))
    return errbuf_fail(err, errlen,
                       "site.role = follower: set modbus_server.listen (the leader writes the "
                       "setpoints there) and modbus_server.allow (the leader's address)");
  bool has_tcp = listen_at && listen_at[0];
  if (!has_tcp && !has_rtu) return 0;
  mbs_server *s = calloc(1, sizeof *s);
  if (!s) return errbuf_fail(err, errlen, "modbus_server: out of memory");
  s->st = st;
  s->listen_fd = -1;
  s->rtu_fd = -1;
  s->unit_id = (int)config_get_int(st->cfg, "modbus_server.unit_id");
  mbs_state_init(&s->state, config_get_number(st->cfg, "modbus_server.failsafe_a"),
                 (int)config_get_int(st->cfg, "modbus_server.failsafe_s"));
  s->follower = follower;
  s->site_state = follower ? 2 : role && !strcmp(role, "leader") ? 1 : 0;
  if (follower) {
    /* no leader has written yet: the fail-safe holds until one does */
    int n = station_connector_count(st);
    for (int i = 0; i < n && i < MBS_MAX_CONNECTORS; i++) {
      s->state.has_setpoint[i] = true;
      s->state.failsafe[i] = true;
      s->state.setpoint_a[i] = s->state.failsafe_a;
      w_set_limit(s, i + 1, s->state.failsafe_a);
    }
  }
  if (parse_allow(s, config_get(st->cfg, "modbus_server.allow"), err, errlen) != 0) {
    free(s);
    return -1;
  }
  /* the serial line opened first: nothing of the loop's to undo if it fails */
  if ((has_rtu && rtu_open(s, rtu, err, errlen) != 0) ||
      (has_tcp && tcp_start(s, listen_at, err, errlen) != 0)) {
    mbs_free(s);
    return -1;
  }
  if (has_rtu) rtu_watch(s);
  uv_timer_init(st->loop, &s->timer);
  s->timer.data = s;
  uv_timer_start(&s->timer, on_timer, 1000, 1000);
  s->timer_on = true;
  station_module m = {.name = "modbus_server", .ctx = s, .closing = mbs_closing, .free = mbs_free};
  if (station_add_module(st, &m) != 0) {
    mbs_closing(s);
    return errbuf_fail(err, errlen, "modbus_server: cannot add the module");
  }
  return 0;
}
