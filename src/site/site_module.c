/*
 * The installation's leader and GET /api/v1/site (docs/site.md). On the
 * leader a one-second timer hands one job to libuv's thread pool: it writes
 * the setpoints that go down to every member first, then the others (so
 * the site's offers never add up above the limit in between), and reads
 * every member's registers over Modbus TCP with libmodbus, whose calls
 * block — never on the loop. The readings come back to the loop, feed the
 * member accounting (members.c) and a round of the one allocator of the
 * energy module, whose outcome becomes the next job's setpoints. At most
 * one job runs at a time; a slow cycle delays the next, never stacks. A
 * setpoint that goes down (an overload, a member lost) starts a job at once
 * rather than at the next tick.
 */
#include "site/site_module.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <modbus.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "energy/energy_remote.h"
#include "http/http_json.h"
#include "modbus_server/modbus_server_module.h"
#include "modbus_server/regmap.h"
#include "site/dirsync.h"
#include "site/history.h"
#include "site/members.h"
#include "site/userwin.h"
#include "station/station.h"
#include "util/errbuf.h"
#include "util/log.h"

#define MOD "site"
/* a member that does not answer within this is out of reach for this cycle */
#define SITE_TIMEOUT_US 500000
#define SITE_CYCLE_MS 1000

typedef enum { ROLE_STANDALONE, ROLE_LEADER, ROLE_FOLLOWER } site_role;
static const char *const role_names[] = {"standalone", "leader", "follower"};

/* One cycle's work, filled on the loop, run on a pool thread, read back on
 * the loop. The thread touches only this and the links. */
typedef struct {
  int n;
  int connectors[SITE_MAX_MEMBERS]; /* known, whose setpoints are written */
  bool write[SITE_MAX_MEMBERS][SITE_MAX_CONN];
  bool down[SITE_MAX_MEMBERS][SITE_MAX_CONN]; /* a decrease: written first */
  uint16_t value[SITE_MAX_MEMBERS][SITE_MAX_CONN];
  site_read read[SITE_MAX_MEMBERS];
  bool failed[SITE_MAX_MEMBERS];
} site_job;

typedef struct {
  modbus_t *mb;
  bool connected;
} site_link;

typedef struct {
  station *st;
  site_role role;
  int n;
  /* the leader's only (a standalone station or a follower keeps none) */
  site_member *m;  /* SITE_MAX_MEMBERS */
  site_link *link; /* SITE_MAX_MEMBERS */
  site_job *job;
  uv_work_t work;
  bool busy;
  bool closed;
  bool timer_on;
  uv_timer_t timer;
  uv_timer_t soon; /* a job at once: a setpoint went down */
  bool soon_armed;
  bool again; /* ... while one ran: the next one right after it */
  double default_failsafe_a;
  uint64_t job_started;
  double last_cycle_ms;
  long cycles;
  site_dirsync *dir;  /* the users and badges copied from the leader */
  site_history *hist; /* the leader's: the members' sessions */
  site_userwin *uw;   /* the leader's: each slot's session under its user's windows */
  bool *shut;         /* each slot's window closed in the round: its setpoint is 0 */
} site;

/* ---------- pool thread ---------- */

static bool ensure_link(site_link *l) {
  if (l->connected) return true;
  if (modbus_connect(l->mb) != 0) return false;
  l->connected = true;
  return true;
}

static void drop_link(site_link *l) {
  if (!l->connected) return;
  modbus_close(l->mb);
  l->connected = false;
}

static bool write_setpoints(site_link *l, const site_job *j, int i, bool decreases) {
  for (int c = 0; c < j->connectors[i]; c++) {
    if (!j->write[i][c] || j->down[i][c] != decreases) continue;
    if (!ensure_link(l)) return false;
    if (modbus_write_register(l->mb, MBS_CONN_BASE * (c + 1) + MBS_CREG_SETPOINT, j->value[i][c]) !=
        1)
      return false;
  }
  return true;
}

static void text_regs(const uint16_t *r, int n, char *out, size_t len) {
  size_t k = 0;
  for (int i = 0; i < n && k + 2 < len; i++) {
    out[k++] = (char)(r[i] >> 8);
    out[k++] = (char)(r[i] & 0xFF);
  }
  out[k < len ? k : len - 1] = 0;
}

static bool read_member(site_link *l, site_read *r) {
  memset(r, 0, sizeof *r);
  if (!ensure_link(l)) return false;
  uint16_t sr[MBS_BLOCK_LEN];
  if (modbus_read_registers(l->mb, 0, MBS_BLOCK_LEN, sr) != MBS_BLOCK_LEN) return false;
  r->connectors = sr[MBS_REG_CONNECTORS] > SITE_MAX_CONN ? SITE_MAX_CONN : sr[MBS_REG_CONNECTORS];
  r->failsafe_a = sr[MBS_REG_FAILSAFE_A] / 10.0;
  r->write_allowed = sr[MBS_REG_WRITE_ALLOWED] != 0;
  text_regs(sr + MBS_REG_IDENTITY, 24, r->station_id, sizeof r->station_id);
  if (sr[MBS_REG_VERSION] >= 2) {
    r->http_port = sr[MBS_REG_HTTP_PORT];
    r->https = sr[MBS_REG_HTTP_TLS] != 0;
    r->dir_version = (uint32_t)sr[MBS_REG_DIR_VERSION] << 16 | sr[MBS_REG_DIR_VERSION + 1];
    for (int k = 0; k < MBS_DIR_DIGEST_BYTES / 2; k++) {
      r->dir_digest[2 * k] = (uint8_t)(sr[MBS_REG_DIR_DIGEST + k] >> 8);
      r->dir_digest[2 * k + 1] = (uint8_t)(sr[MBS_REG_DIR_DIGEST + k] & 0xFF);
    }
  }
  for (int c = 0; c < r->connectors; c++) {
    uint16_t cr[MBS_CREG_FAILSAFE_ACTIVE + 1];
    int qty = MBS_CREG_FAILSAFE_ACTIVE + 1;
    if (modbus_read_registers(l->mb, MBS_CONN_BASE * (c + 1), qty, cr) != qty) return false;
    site_conn_read *x = &r->conn[c];
    x->status = cr[MBS_CREG_STATUS];
    x->offered_a = cr[MBS_CREG_OFFERED] / 10.0;
    x->limited_by = cr[MBS_CREG_LIMITED_BY] == 0xFFFF ? -1 : cr[MBS_CREG_LIMITED_BY];
    for (int k = 0; k < 3; k++) x->current_a[k] = cr[MBS_CREG_CURRENT + k] / 10.0;
    x->phases = cr[MBS_CREG_PHASES] == 1 ? 1 : 3;
    x->rotation = cr[MBS_CREG_ROTATION];
    x->error = cr[MBS_CREG_ERROR];
    x->session_id = 0;
    for (int k = 0; k < 4; k++) x->session_id = x->session_id << 16 | cr[MBS_CREG_SESSION_ID + k];
    x->session = x->session_id != 0;
    text_regs(cr + MBS_CREG_ID_TAG, 10, x->id_tag, sizeof x->id_tag);
    x->active_a =
        cr[MBS_CREG_SETPOINT_ACTIVE] == MBS_NO_SETPOINT ? -1 : cr[MBS_CREG_SETPOINT_ACTIVE] / 10.0;
    x->failsafe = cr[MBS_CREG_FAILSAFE_ACTIVE] != 0;
  }
  r->ok = true;
  return true;
}

static void work_cb(uv_work_t *w) {
  site *s = w->data;
  site_job *j = s->job;
  /* every decrease of the site first, then the increases and renewals */
  for (int i = 0; i < j->n; i++) {
    j->failed[i] = false;
    if (!write_setpoints(&s->link[i], j, i, true)) {
      j->failed[i] = true;
      drop_link(&s->link[i]);
    }
  }
  for (int i = 0; i < j->n; i++) {
    if (j->failed[i] || !write_setpoints(&s->link[i], j, i, false) ||
        !read_member(&s->link[i], &j->read[i])) {
      j->read[i].ok = false;
      drop_link(&s->link[i]);
    }
  }
}

/* ---------- loop ---------- */

static void request_cycle(site *s);

static void after_work_cb(uv_work_t *w, int status) {
  site *s = w->data;
  s->busy = false;
  if (s->closed || status != 0) return;
  station *st = s->st;
  borne_ms now = clock_now(&st->clock);
  s->last_cycle_ms = (double)(uv_now(st->loop) - s->job_started);
  s->cycles++;
  for (int i = 0; i < s->n; i++) {
    site_member *m = &s->m[i];
    bool was_refused = m->refused;
    bool changed = site_member_update(m, &s->job->read[i], now);
    if (!changed && (was_refused || !m->refused)) continue;
    if (m->up)
      station_event(st, 0, "site_member_up", "installation member %s (%s) in reach", m->address,
                    m->last.station_id);
    else if (m->refused)
      station_event(st, 0, "site_member_down",
                    "installation member %s (%s) refuses the leader's writes (add the leader's "
                    "address to its modbus_server.allow): counted at its draw or its fail-safe "
                    "current",
                    m->address, m->last.station_id);
    else
      station_event(st, 0, "site_member_down",
                    "installation member %s out of reach: counted at its last draw or its "
                    "fail-safe current",
                    m->address);
  }
  energy_remote_round_soon(st);
  site_dirsync_cycle(s->dir, s->m, s->n);
  site_history_cycle(s->hist, s->m, s->n);
  if (s->again) { /* after the round (timers due together run in start order) */
    s->again = false;
    request_cycle(s);
  }
}

static void run_cycle(site *s) {
  if (s->busy || s->closed) return;
  site_job *j = s->job;
  j->n = s->n;
  for (int i = 0; i < s->n; i++) {
    const site_member *m = &s->m[i];
    j->connectors[i] = m->up ? m->last.connectors : 0;
    for (int c = 0; c < SITE_MAX_CONN; c++) {
      j->write[i][c] = c < j->connectors[i] && m->has_setpoint[c];
      if (!j->write[i][c]) continue;
      double v = round(m->setpoint_a[c] * 10);
      j->value[i][c] = (uint16_t)(v < 0 ? 0 : v > 800 ? 800 : v);
      double active = m->last.conn[c].active_a;
      j->down[i][c] = active < 0 || m->setpoint_a[c] < active - 1e-9;
    }
  }
  s->busy = true;
  s->job_started = uv_now(s->st->loop);
  if (uv_queue_work(s->st->loop, &s->work, work_cb, after_work_cb) != 0) s->busy = false;
}

static void cycle_cb(uv_timer_t *t) { run_cycle(t->data); }

static void soon_cb(uv_timer_t *t) {
  site *s = t->data;
  s->soon_armed = false;
  run_cycle(s);
}

static void request_cycle(site *s) {
  if (s->closed) return;
  if (s->busy) {
    s->again = true;
    return;
  }
  if (s->soon_armed) return;
  s->soon_armed = true;
  uv_timer_start(&s->soon, soon_cb, 0, 0);
}

static void remote_fill(void *ctx, borne_ms now, alloc_conn_in *in, double *seed_a,
                        double reserved_a[3]) {
  site *s = ctx;
  for (int i = 0; i < s->n; i++)
    site_member_fill(&s->m[i], now, s->default_failsafe_a, in + i * SITE_MAX_CONN,
                     seed_a + i * SITE_MAX_CONN, reserved_a);
}

static void remote_result(void *ctx, int slot, double amps, const alloc_conn_out *o) {
  (void)o;
  site *s = ctx;
  site_member *m = &s->m[slot / SITE_MAX_CONN];
  int c = slot % SITE_MAX_CONN;
  /* a closed window pauses the session (0 A), not a hold below 6 A */
  site_member_result(m, clock_now(&s->st->clock), c, s->shut[slot] ? 0 : amps);
  /* lower than what the member offers now: written at once */
  if (m->has_setpoint[c] && m->setpoint_a[c] < m->last.conn[c].active_a - 0.05) request_cycle(s);
}

/* The windows text of the user of badge `tag` in the leader's store (its
 * users' own windows, energy_user_windows): "" when the badge is unknown,
 * has no user, or the user has none. */
static void user_windows_of(station *st, const char *tag, char *out, size_t len) {
  out[0] = 0;
  badge_row b;
  if (!tag[0] || store_badge_get(st->db, tag, &b) != 0 || b.user_id <= 0) return;
  sqlite3_stmt *q =
      store_stmt(st->db, "SELECT windows FROM energy_user_windows WHERE user_id = ?1");
  if (!q) return;
  sqlite3_bind_int64(q, 1, b.user_id);
  if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_text(q, 0))
    snprintf(out, len, "%s", (const char *)sqlite3_column_text(q, 0));
  store_stmt_release(st->db, q);
}

static bool remote_window_open(void *ctx, int slot, bool station_open, const tz_rule *tz,
                               borne_ms now) {
  site *s = ctx;
  const site_member *m = &s->m[slot / SITE_MAX_CONN];
  int c = slot % SITE_MAX_CONN;
  site_userwin *w = &s->uw[slot];
  bool has = m->ever_up && c < m->last.connectors && m->last.conn[c].session;
  uint64_t id = has ? m->last.conn[c].session_id : 0;
  const char *tag = has ? m->last.conn[c].id_tag : "";
  if (!has) {
    if (w->session) site_userwin_clear(w);
    s->shut[slot] = false;
    return station_open;
  }
  if (site_userwin_stale(w, id, tag, now)) {
    char text[SCHED_MAX_TEXT + 1];
    bool had = site_userwin_has(w) && w->session == id;
    user_windows_of(s->st, tag, text, sizeof text);
    site_userwin_set(w, id, tag, text, now);
    if (site_userwin_has(w) && !had)
      log_info(MOD, "member %s connector %d: session %llu of badge %s follows its user's windows",
               m->address, c + 1, (unsigned long long)id, tag);
  }
  bool open = site_userwin_open(w, station_open, tz, now);
  s->shut[slot] = !open;
  return open;
}

/* ---------- GET /api/v1/site ---------- */

static json_t *triplet(const double v[3]) {
  json_t *a = json_array();
  for (int i = 0; i < 3; i++) json_array_append_new(a, json_real(round(v[i] * 100) / 100));
  return a;
}

static json_t *member_json(const site *s, const site_member *m, borne_ms now) {
  bool up = site_member_up(m, now);
  json_t *o = json_object();
  json_object_set_new(o, "address", json_string(m->address));
  json_object_set_new(o, "station_id", m->ever_up ? json_string(m->last.station_id) : json_null());
  json_object_set_new(o, "link", json_string(up ? "up" : "down"));
  json_object_set_new(o, "priority", json_integer(m->priority));
  json_object_set_new(o, "writable", m->ever_up ? json_boolean(!m->refused) : json_null());
  json_object_set_new(o, "last_seen", m->ever_up ? json_time(m->last_ok) : json_null());
  json_t *cs = json_array();
  for (int c = 0; m->ever_up && c < m->last.connectors; c++) {
    const site_conn_read *r = &m->last.conn[c];
    json_t *x = json_object();
    json_object_set_new(x, "id", json_integer(c + 1));
    json_object_set_new(x, "status", json_string(connector_status_name(r->status)));
    json_object_set_new(x, "offered_a", json_real(r->offered_a));
    json_object_set_new(x, "current_a", triplet(r->current_a));
    json_object_set_new(x, "limited_by",
                        r->limited_by < 0
                            ? json_null()
                            : json_string(limit_source_name((limit_source)r->limited_by)));
    json_object_set_new(x, "priority", json_integer(site_member_priority(m, c)));
    /* whose charging windows hold its session: its user's own, or the station's */
    const site_userwin *w = s->uw ? &s->uw[(m - s->m) * SITE_MAX_CONN + c] : NULL;
    json_object_set_new(x, "windows",
                        !r->session ? json_null()
                        : w && w->session == r->session_id && site_userwin_has(w)
                            ? json_string("user")
                            : json_string("station"));
    json_object_set_new(x, "setpoint_a",
                        up && m->has_setpoint[c] ? json_real(m->setpoint_a[c]) : json_null());
    json_array_append_new(cs, x);
  }
  json_object_set_new(o, "connectors", cs);
  json_object_set_new(o, "directory", site_dirsync_member_json(s->dir, m));
  return o;
}

static int get_site(void *ctx, const http_request *req, http_response *res) {
  (void)req;
  site *s = ctx;
  station *st = s->st;
  borne_ms now = clock_now(&st->clock);
  json_t *o = json_object();
  json_object_set_new(o, "role", json_string(role_names[s->role]));
  json_t *leader = json_null();
  char addr[64];
  borne_ms at = 0;
  if (s->role == ROLE_FOLLOWER && modbus_server_leader(st, addr, sizeof addr, &at) == 0) {
    json_decref(leader);
    leader = json_string(addr);
    json_object_set_new(o, "leader_seen", json_time(at));
  }
  json_object_set_new(o, "leader", leader);
  json_t *ms = json_array();
  for (int i = 0; i < s->n; i++) json_array_append_new(ms, member_json(s, &s->m[i], now));
  json_object_set_new(o, "members", ms);
  json_object_set_new(o, "directory", site_dirsync_json(s->dir));
  if (s->role == ROLE_LEADER)
    json_object_set_new(o, "cycle_ms", s->cycles ? json_real(s->last_cycle_ms) : json_null());
  http_json_body(res, o);
  return 0;
}

/* ---------- module ---------- */

static void on_closed(uv_handle_t *h) { (void)h; }

static void site_closing(void *ctx) {
  site *s = ctx;
  if (s->closed) return;
  s->closed = true;
  site_dirsync_close(s->dir);
  site_history_close(s->hist);
  if (s->timer_on) {
    uv_timer_stop(&s->timer);
    uv_close((uv_handle_t *)&s->timer, on_closed);
    uv_timer_stop(&s->soon);
    uv_close((uv_handle_t *)&s->soon, on_closed);
  }
}

/* After the loop ended: no job runs any more. */
static void site_free(void *ctx) {
  site *s = ctx;
  for (int i = 0; s->link && i < s->n; i++) {
    if (!s->link[i].mb) continue;
    drop_link(&s->link[i]);
    modbus_free(s->link[i].mb);
  }
  site_dirsync_free(s->dir);
  site_history_free(s->hist);
  for (int i = 0; s->uw && i < s->n * SITE_MAX_CONN; i++) site_userwin_clear(&s->uw[i]);
  free(s->uw);
  free(s->shut);
  free(s->m);
  free(s->link);
  free(s->job);
  free(s);
}

static int leader_start(site *s, char *err, size_t errlen) {
  station *st = s->st;
  const config *cfg = st->cfg;
  const char *lim = config_get(cfg, "site.limit_a"), *kva = config_get(cfg, "site.limit_kva");
  if (!(lim && lim[0]) && !(kva && kva[0]))
    return errbuf_fail(err, errlen,
                       "site.role = leader: set site.limit_a or site.limit_kva (the limit the "
                       "installation shares)");
  s->m = calloc(SITE_MAX_MEMBERS, sizeof *s->m);
  s->link = calloc(SITE_MAX_MEMBERS, sizeof *s->link);
  s->job = calloc(1, sizeof *s->job);
  if (!s->m || !s->link || !s->job) return errbuf_fail(err, errlen, "site: out of memory");
  char why[160];
  s->n =
      site_members_parse(config_get(cfg, "site.members"), s->m, SITE_MAX_MEMBERS, why, sizeof why);
  if (s->n < 0) return errbuf_fail(err, errlen, "site.members: %s", why);
  if (s->n == 0)
    return errbuf_fail(err, errlen, "site.role = leader: site.members lists no member");
  if (site_member_priorities_parse(config_get(cfg, "site.member_priorities"), s->m, s->n, why,
                                   sizeof why) != 0)
    return errbuf_fail(err, errlen, "site.member_priorities: %s", why);
  s->default_failsafe_a = config_get_number(cfg, "modbus_server.failsafe_a");
  for (int i = 0; i < s->n; i++) {
    char port[16];
    snprintf(port, sizeof port, "%d", s->m[i].port);
    s->link[i].mb = modbus_new_tcp_pi(s->m[i].host, port);
    if (!s->link[i].mb)
      return errbuf_fail(err, errlen, "site.members: %s: %s", s->m[i].address,
                         modbus_strerror(errno));
    modbus_set_response_timeout(s->link[i].mb, 0, SITE_TIMEOUT_US);
    modbus_set_byte_timeout(s->link[i].mb, 0, SITE_TIMEOUT_US);
  }
  s->uw = calloc((size_t)s->n * SITE_MAX_CONN, sizeof *s->uw);
  s->shut = calloc((size_t)s->n * SITE_MAX_CONN, sizeof *s->shut);
  if (!s->uw || !s->shut) return errbuf_fail(err, errlen, "site: out of memory");
  energy_remote r = {.ctx = s,
                     .slots = s->n * SITE_MAX_CONN,
                     .fill = remote_fill,
                     .result = remote_result,
                     .window_open = remote_window_open};
  if (energy_set_remote(st, &r, err, errlen) != 0) return -1;
  uv_timer_init(st->loop, &s->timer);
  uv_timer_init(st->loop, &s->soon);
  s->timer.data = s->soon.data = s;
  s->timer_on = true;
  s->work.data = s;
  /* the first cycle at once: until a member answers it counts at its fail-safe */
  uv_timer_start(&s->timer, cycle_cb, 0, SITE_CYCLE_MS);
  log_info(MOD, "installation leader: %d member(s), polled every %d ms", s->n, SITE_CYCLE_MS);
  return 0;
}

int site_attach(station *st, char *err, size_t errlen) {
  site *s = calloc(1, sizeof *s);
  if (!s) return errbuf_fail(err, errlen, "site: out of memory");
  s->st = st;
  const char *role = config_get(st->cfg, "site.role");
  s->role = role && !strcmp(role, "leader")     ? ROLE_LEADER
            : role && !strcmp(role, "follower") ? ROLE_FOLLOWER
                                                : ROLE_STANDALONE;
  station_module m = {.name = "site", .ctx = s, .closing = site_closing, .free = site_free};
  if (station_add_module(st, &m) != 0) {
    free(s);
    return errbuf_fail(err, errlen, "site: cannot add the module");
  }
  http_add_route(st->http, &(http_route){"GET", "/api/v1/site", get_site, s});
  s->dir = site_dirsync_new(st, s->role == ROLE_LEADER, s->role == ROLE_FOLLOWER, err, errlen);
  if (!s->dir) return -1;
  s->hist = site_history_new(st, s->role == ROLE_LEADER, s->role == ROLE_FOLLOWER, err, errlen);
  if (!s->hist) return -1;
  if (s->role == ROLE_LEADER) return leader_start(s, err, errlen);
  if (s->role == ROLE_FOLLOWER)
    log_info(MOD, "installation follower: the leader's setpoints apply");
  return 0;
}
