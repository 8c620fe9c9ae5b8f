/*
 * borne-swarm: N full borne stations in one process on one libuv loop,
 * driving one OCPP back end (docs/swarm.md). Each station is the one borned
 * runs (station_open with the same module list, the same OCPP 1.6 dialect,
 * its own journal in its own SQLite file), on simulated hardware; the
 * scenario engine (src/swarm) decides when cars come, faults happen and
 * networks drop. This file is the driver: flags, ramp, the events applied to
 * the stations, live progress and the report.
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <sqlite3.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include "keys/key_tables.h"
#include "main/modules.h"
#include "ocpp/ocpp_transport.h"
#include "ocpp/ocpp_version.h"
#include "station/loop_slices.h"
#include "station/station.h"
#include "swarm/swarm_pool.h"
#include "swarm/swarm_scenario.h"
#include "hal/hal_sim.h"
#include "store/store.h"
#include "util/log.h"

#define SWARM_LINKS_PER_CONTEXT 250u /* lws client contexts: see main() */
#define SWARM_SLICE_US 10000u        /* loop_slices: the longest slice of one turn */
/* SQLite connections open at once (store_set_lean_open_max): see main(); 32
 * since the minute mark's peak at 10 000 stations (64 held 2 MB more then,
 * for no CPU measured: docs/performance.md, part 4) */
#define SWARM_SQLITE_OPEN_MAX 32
/* ... and while the ramp opens stations (each writes for its first seconds) */
#define SWARM_SQLITE_OPEN_RAMP 16

static bool sqlite_pool; /* SQLite allocates in its own pool: use_sqlite_pool() */

#define MAX_ACTIONS 64
#define MAX_ERROR_KINDS 64
#define MAX_MEMBER_ERROR_KINDS 8     /* per station: its first distinct (action, kind) pairs */
#define DEAD_URL "ws://127.0.0.1:9/" /* the discard port: refused, like a cut line */

static void usage(FILE *to) {
  fprintf(to,
          "usage: borne-swarm --csms URL [options]\n"
          "  --csms URL           OCPP back end, ws:// or wss:// (every station's ocpp.url)\n"
          "  --stations N         how many stations (default 10)\n"
          "  --id-prefix P        station ids are P00001, P00002... (default SW)\n"
          "  --ocpp V             1.6 (default), 2.0.1, 2.1 or a list in the order of\n"
          "                       preference, 2.1,2.0.1,1.6 (every station's ocpp.version)\n"
          "  --connectors N       connectors per station, 1-8 (default 2)\n"
          "  --ramp RATE/s        stations started per second (default 200/s)\n"
          "  --scenario FILE      the scenario (JSON, docs/swarm.md); defaults without\n"
          "  --duration D         run time: seconds, or with s, m or h (default 60s)\n"
          "  --report FILE.json   the final report; FILE.csv gets the per-action latencies\n"
          "  --data-dir DIR       one directory per station under DIR (default: a new\n"
          "                       directory in $TMPDIR, removed at the end)\n"
          "  --security-profile N OCPP security profile 0-3 (ocpp.security_profile)\n"
          "  --password PW        basic-auth password, profiles 1 and 2 (ocpp.AuthorizationKey)\n"
          "  --ca-file FILE       the CA of the back end, profiles 2 and 3 (ocpp.ca_file)\n"
          "  --set KEY=VALUE      any configuration key, for every station (repeatable)\n"
          "  --progress S         seconds between progress lines (default 1; 0 = none)\n"
          "  --log-level LEVEL    the stations' log level (default error)\n"
          "  --version, --help\n");
}

/* ---------- statistics ---------- */

typedef struct {
  char action[48];
  long count;        /* station CALLs the back end answered, back-end CALLs answered */
  long errors;       /* CALLERROR, Timeout, Disconnected */
  int32_t *lat;      /* ms of every answered CALL */
  size_t nlat, clat; /* used, capacity */
  long window_count; /* since the last progress line */
  int32_t *win;      /* ms of the CALLs answered since the last progress line */
  size_t nwin, cwin;
} action_stat;

typedef struct {
  char kind[64];
  long count;
} error_stat;

typedef struct {
  int connected, booted, booting, charging, offline, queued;
} census;

typedef struct swarm swarm;

/* A station's errors by action and kind ("StatusNotification" "InvalidResponse",
 * "(connection)" "refused"): what a back-end team needs to find a station's
 * problem in the report. */
typedef struct {
  char action[48];
  char kind[48];
  long count;
} member_error;

typedef struct {
  swarm *sw;
  int index;
  char id[40];
  config *cfg;
  station *st;
  bool outage; /* its network is cut (scenario) */
  long started, stopped, errors;
  bool booted_once;
  member_error *errs; /* MAX_MEMBER_ERROR_KINDS, allocated by the first error */
  int nerrs;
  long errs_other;          /* errors beyond the first MAX_MEMBER_ERROR_KINDS pairs */
  unsigned reconnects_seen; /* the link's failed attempts and losses counted so far */
} member;

typedef struct {
  const char *csms, *id_prefix, *scenario_file, *report, *data_dir, *log_level;
  const char *ocpp_version; /* --ocpp: every station's ocpp.version */
  int stations, connectors;
  double ramp, duration_s, progress_s;
  const char *sets[128][2];
  int nsets;
} swarm_options;

struct swarm {
  uv_loop_t *loop;
  swarm_options o;
  swarm_scenario sc;
  swarm_engine *eng;
  config *base_cfg; /* every station's settings but its id (make_base_config) */
  member *m;
  int opened;
  uint64_t t0;
  char tmp_dir[512];
  bool temp_data;
  bool stopping;
  int stop_next;     /* the next station stop_all closes (a share per turn) */
  int stop_released; /* the next closed station whose database on_stop_step lets go */
  int failed_opens;
  station **dead; /* closed by a reboot, freed at the end */
  int ndead, cdead;
  station **failed; /* whose open failed, freed at the end */
  int nfailed, cfailed;
  census final; /* the stations' states when the run ended */
  action_stat actions[MAX_ACTIONS];
  int nactions;
  error_stat errors[MAX_ERROR_KINDS];
  int nerrors;
  long rss_kb_max;      /* the run's peak */
  long rss_kb_max_stop; /* the peak while the stations are closed, after the run */
  uint64_t last_progress, last_link_watch;
  long reboots, outages, faults, cars, turned_away;
  uv_timer_t ramp_timer, tick_timer;
  int trim_next;           /* the next station whose store on_tick trims */
  uint64_t last_heap_trim; /* uv_hrtime of the last malloc_trim (on_tick) */
  int sqlite_open_max;     /* open SQLite connections once the ramp is done */
  uv_signal_t sigint, sigterm;
};

static action_stat *action_of(swarm *sw, const char *action) {
  for (int i = 0; i < sw->nactions; i++)
    if (strcmp(sw->actions[i].action, action) == 0) return &sw->actions[i];
  if (sw->nactions == MAX_ACTIONS) return NULL;
  action_stat *a = &sw->actions[sw->nactions++];
  snprintf(a->action, sizeof a->action, "%s", action);
  return a;
}

static void count_error(swarm *sw, const char *kind) {
  for (int i = 0; i < sw->nerrors; i++)
    if (strcmp(sw->errors[i].kind, kind) == 0) {
      sw->errors[i].count++;
      return;
    }
  if (sw->nerrors == MAX_ERROR_KINDS) return;
  snprintf(sw->errors[sw->nerrors].kind, sizeof sw->errors[0].kind, "%s", kind);
  sw->errors[sw->nerrors++].count = 1;
}

/* A station's directory, DATA_DIR/ID (not kept in the member: 700 bytes
 * per station for a path used at each start). */
static void member_dir(const member *mb, char *out, size_t len) {
  snprintf(out, len, "%s/%s", mb->sw->o.data_dir, mb->id);
}

static void count_member_error(member *mb, const char *action, const char *kind) {
  mb->errors++;
  for (int i = 0; i < mb->nerrs; i++)
    if (strcmp(mb->errs[i].action, action) == 0 && strcmp(mb->errs[i].kind, kind) == 0) {
      mb->errs[i].count++;
      return;
    }
  if (!mb->errs) mb->errs = calloc(MAX_MEMBER_ERROR_KINDS, sizeof *mb->errs);
  if (mb->nerrs == MAX_MEMBER_ERROR_KINDS || !mb->errs) {
    mb->errs_other++;
    return;
  }
  member_error *e = &mb->errs[mb->nerrs++];
  snprintf(e->action, sizeof e->action, "%s", action);
  snprintf(e->kind, sizeof e->kind, "%s", kind);
  e->count = 1;
}

/* The report's `booted`: a station counts once its back end accepted a
 * BootNotification, told by the dialect's `ocpp_boot` event the moment it
 * happens (the once-a-second look missed a station accepted and cut off
 * within the same second). */
static void on_station_event(void *ctx, int connector, const char *kind, const char *detail) {
  member *mb = ctx;
  (void)connector;
  if (strcmp(kind, "ocpp_boot") == 0 && detail && strncmp(detail, "Accepted", 8) == 0)
    mb->booted_once = true;
}

static void on_traffic(void *ctx, const char *action, bool from_csms, int64_t latency_ms,
                       const char *errcode) {
  member *mb = ctx;
  swarm *sw = mb->sw;
  if (sw->stopping) return; /* the calls cut short by the end of the run */
  action_stat *a = action_of(sw, action);
  if (!a) return;
  /* a call that never got an answer (Timeout, Disconnected: the back end may
   * not have seen it) is an error, not a message */
  bool unanswered =
      errcode && (strcmp(errcode, "Timeout") == 0 || strcmp(errcode, "Disconnected") == 0);
  if (!unanswered) {
    a->count++;
    a->window_count++;
  }
  if (from_csms) return;
  if (errcode) {
    a->errors++;
    count_member_error(mb, action, errcode);
    count_error(sw, errcode);
    return;
  }
  if (latency_ms < 0) return;
  if (a->nlat == a->clat) {
    size_t cap = a->clat ? 2 * a->clat : 256;
    int32_t *grown = realloc(a->lat, cap * sizeof *grown);
    if (!grown) return;
    a->lat = grown;
    a->clat = cap;
  }
  int32_t ms = latency_ms > INT32_MAX ? INT32_MAX : (int32_t)latency_ms;
  a->lat[a->nlat++] = ms;
  if (sw->o.progress_s <= 0) return;
  if (a->nwin == a->cwin) {
    size_t cap = a->cwin ? 2 * a->cwin : 64;
    int32_t *grown = realloc(a->win, cap * sizeof *grown);
    if (!grown) return;
    a->win = grown;
    a->cwin = cap;
  }
  a->win[a->nwin++] = ms;
}

static void on_started(void *ctx, int connector, const station_session_info *s) {
  (void)connector;
  member *mb = ctx;
  if (!s->resumed) mb->started++;
}

static void on_stopped(void *ctx, int connector, const station_session_info *s) {
  (void)connector;
  (void)s;
  member *mb = ctx;
  mb->stopped++;
}

static int cmp_i32(const void *a, const void *b) {
  int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
  return (x > y) - (x < y);
}

/* p50/p95/p99 (nearest rank) of an action's latencies; false without any. */
static bool percentiles_of(int32_t *v, size_t n, double out[3]) {
  if (n == 0) return false;
  qsort(v, n, sizeof v[0], cmp_i32);
  static const double q[3] = {0.50, 0.95, 0.99};
  for (int i = 0; i < 3; i++) {
    size_t rank = (size_t)(q[i] * (double)n + 0.999999);
    if (rank < 1) rank = 1;
    if (rank > n) rank = n;
    out[i] = v[rank - 1];
  }
  return true;
}

static bool percentiles(action_stat *a, double out[3]) {
  return percentiles_of(a->lat, a->nlat, out);
}

static long rss_kb(void) {
  FILE *f = fopen("/proc/self/status", "r");
  if (!f) return 0;
  char line[256];
  long kb = 0;
  while (fgets(line, sizeof line, f))
    if (strncmp(line, "VmRSS:", 6) == 0) kb = strtol(line + 6, NULL, 10);
  fclose(f);
  return kb;
}

/* ---------- the stations' states ---------- */

/* The station's OCPP status (state, registration, queue_length, reconnects,
 * last_error: docs/api.md) inside a new object the caller frees. */
static json_t *ocpp_status(member *mb, json_t **ocpp) {
  json_t *o = json_object();
  for (int k = 0; k < mb->st->module_count; k++)
    if (mb->st->modules[k].status_json && strcmp(mb->st->modules[k].name, "ocpp") == 0)
      mb->st->modules[k].status_json(mb->st->modules[k].ctx, 0, o);
  *ocpp = json_object_get(o, "ocpp");
  return o;
}

/* A failed connection attempt or a lost connection, by its reason in words
 * (ocpp_transport.c's last_error), as an error kind of the report. */
static const char *connection_error_kind(const char *why) {
  if (!why) return "lost";
  if (strstr(why, "TLS") || strstr(why, "certificate") || strstr(why, "SSL")) return "tls";
  /* lws says "closed before established" for a refused port: no connection was made */
  if (strstr(why, "refused") || strstr(why, "before established") || strstr(why, "failed") ||
      strstr(why, "cannot start"))
    return "failed";
  if (strstr(why, "agreed to none")) return "no_subprotocol";
  if (strstr(why, "timed out") || strstr(why, "timeout")) return "timeout";
  if (strstr(why, "pings")) return "ping_timeout";
  return "lost";
}

/* One look at every station (each status read once: thousands of stations,
 * every second): counts the links' failures since the last look (each
 * failed attempt or lost connection makes the transport retry, its
 * `reconnects` count; a station cut off by the scenario's outage is failing
 * on purpose: not counted), notes the stations ever booted (the report's
 * `booted`: seen each second, not only when a progress line is written, a
 * station cut off re-registers after the outage), and, when c is given,
 * takes the census of the progress line. */
static void survey(swarm *sw, census *c) {
  if (c) memset(c, 0, sizeof *c);
  for (int i = 0; i < sw->opened; i++) {
    member *mb = &sw->m[i];
    if (!mb->st) continue;
    json_t *ocpp;
    json_t *o = ocpp_status(mb, &ocpp);
    const char *reg = json_string_value(json_object_get(ocpp, "registration"));
    bool accepted = reg && strcmp(reg, "Accepted") == 0;
    if (accepted) mb->booted_once = true;
    unsigned n = (unsigned)json_integer_value(json_object_get(ocpp, "reconnects"));
    if (n > mb->reconnects_seen && !mb->outage) {
      char kind[64];
      snprintf(kind, sizeof kind, "connection_%s",
               connection_error_kind(json_string_value(json_object_get(ocpp, "last_error"))));
      for (unsigned k = mb->reconnects_seen; k < n; k++) {
        count_member_error(mb, "(connection)", kind);
        count_error(sw, kind);
      }
    }
    mb->reconnects_seen = n;
    if (c) {
      const char *state = json_string_value(json_object_get(ocpp, "state"));
      c->queued += (int)json_integer_value(json_object_get(ocpp, "queue_length"));
      bool conn = state && strcmp(state, "connected") == 0;
      if (conn)
        c->connected++;
      else
        c->offline++;
      if (accepted)
        c->booted++;
      else if (conn)
        c->booting++;
      for (int k = 1; k <= station_connector_count(mb->st); k++) {
        station_connector_view v;
        station_view(mb->st, k, &v);
        if (v.outputs.contactor_closed) c->charging++;
      }
    }
    json_decref(o);
  }
}

static void progress(swarm *sw, const census *cs, double elapsed_s, double window_s) {
  census c = *cs;
  long msgs = 0, errs = 0;
  for (int i = 0; i < sw->nactions; i++) {
    msgs += sw->actions[i].window_count;
    sw->actions[i].window_count = 0;
  }
  for (int i = 0; i < sw->nerrors; i++) errs += sw->errors[i].count;
  /* the back end's latency over the window (since the last line), every
   * action together on the first line, then each action answered in it */
  size_t nall = 0;
  for (int i = 0; i < sw->nactions; i++) nall += sw->actions[i].nwin;
  int32_t *all = nall ? malloc(nall * sizeof *all) : NULL;
  size_t k = 0;
  for (int i = 0; all && i < sw->nactions; i++) {
    memcpy(all + k, sw->actions[i].win, sw->actions[i].nwin * sizeof *all);
    k += sw->actions[i].nwin;
  }
  double p[3];
  char lat[96] = "latency -";
  if (all && percentiles_of(all, nall, p))
    snprintf(lat, sizeof lat, "latency p50 %.0f p95 %.0f p99 %.0f ms", p[0], p[1], p[2]);
  free(all);
  fprintf(stderr,
          "[%6.0fs] stations %d/%d  connected %d  booting %d  booted %d  charging %d  "
          "offline %d  queued %d | %.0f msg/s | %s | errors %ld\n",
          elapsed_s, sw->opened, sw->o.stations, c.connected, c.booting, c.booted, c.charging,
          c.offline, c.queued, window_s > 0 ? (double)msgs / window_s : 0.0, lat, errs);
  for (int i = 0; i < sw->nactions; i++) {
    action_stat *a = &sw->actions[i];
    if (percentiles_of(a->win, a->nwin, p))
      fprintf(stderr, "          %-28s n=%-7ld p50 %4.0f ms  p95 %4.0f ms  p99 %4.0f ms\n",
              a->action, (long)a->nwin, p[0], p[1], p[2]);
    a->nwin = 0;
  }
}

/* ---------- opening, events ---------- */

static int set_key(config *cfg, const char *key, const char *value, char *err, size_t errlen) {
  char why[256];
  if (config_set(cfg, key, value, why, sizeof why) != 0) {
    snprintf(err, errlen, "%s", why);
    return -1;
  }
  return 0;
}

/* The swarm's shared defaults: every station's settings but its id, made
 * once (config_new_over: a station keeps only the keys it changes, its id
 * first; 1.2 kB per station before, docs/performance.md). */
static int make_base_config(swarm *sw, char *err, size_t errlen) {
  char n[16];
  sw->base_cfg = config_new();
  if (!sw->base_cfg) return snprintf(err, errlen, "out of memory"), -1;
  config *cfg = sw->base_cfg;
  snprintf(n, sizeof n, "%d", sw->o.connectors);
  char mv[16], hb[16];
  snprintf(mv, sizeof mv, "%d", sw->sc.meter_interval_s);
  snprintf(hb, sizeof hb, "%d", sw->sc.heartbeat_interval_s);
  const char *const fixed[][2] = {
      {"station.connectors", n},      {"log.level", sw->o.log_level},
      {"hal.backend", "sim"},         {"auth.mode", "ocpp"},
      {"ocpp.url", sw->o.csms},       {"ocpp.MeterValueSampleInterval", mv},
      {"ocpp.HeartbeatInterval", hb}, {"ocpp.version", sw->o.ocpp_version}};
  for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
    if (set_key(cfg, fixed[i][0], fixed[i][1], err, errlen) != 0) return -1;
  for (int i = 0; i < sw->o.nsets; i++)
    if (set_key(cfg, sw->o.sets[i][0], sw->o.sets[i][1], err, errlen) != 0) return -1;
  return 0;
}

static int make_config(swarm *sw, member *mb, char *err, size_t errlen) {
  mb->cfg = config_new_over(sw->base_cfg);
  if (!mb->cfg) return snprintf(err, errlen, "out of memory"), -1;
  /* a --set station.id would give every station the same: the member's id wins */
  if (set_key(mb->cfg, "station.id", mb->id, err, errlen) != 0) return -1;
  return config_check(mb->cfg, err, errlen);
}

static int open_station(swarm *sw, member *mb, char *err, size_t errlen) {
  mb->st = calloc(1, sizeof *mb->st);
  if (!mb->st) return snprintf(err, errlen, "out of memory"), -1;
  char dir[700];
  member_dir(mb, dir, sizeof dir);
  /* swarm: no HTTP server per station, a lean database connection */
  station_options so = {
      .data_dir = dir, .cfg = mb->cfg, .parts = &borne_swarm_station_parts, .swarm = true};
  if (station_open(mb->st, sw->loop, &so, err, errlen) != 0) {
    /* its handles close while the loop runs: station_free (its modules,
     * connectors, data directory) at the end, after the loop */
    if (sw->nfailed == sw->cfailed) {
      int cap = sw->cfailed ? 2 * sw->cfailed : 16;
      station **grown = realloc(sw->failed, (size_t)cap * sizeof *grown);
      if (!grown) return -1; /* leaks one station on an out-of-memory path */
      sw->failed = grown;
      sw->cfailed = cap;
    }
    sw->failed[sw->nfailed++] = mb->st;
    mb->st = NULL;
    return -1;
  }
  station_module obs = {.name = "swarm",
                        .ctx = mb,
                        .session_started = on_started,
                        .session_stopped = on_stopped,
                        .event = on_station_event,
                        .ocpp_traffic = on_traffic};
  station_add_module(mb->st, &obs);
  return 0;
}

static void bury(swarm *sw, station *st) {
  if (sw->ndead == sw->cdead) {
    int cap = sw->cdead ? 2 * sw->cdead : 16;
    station **grown = realloc(sw->dead, (size_t)cap * sizeof *grown);
    if (!grown) return;
    sw->dead = grown;
    sw->cdead = cap;
  }
  sw->dead[sw->ndead++] = st;
}

static double elapsed_ms(swarm *sw) { return (double)(uv_hrtime() - sw->t0) / 1e6; }

static void on_event(void *ctx, const swarm_event *ev) {
  swarm *sw = ctx;
  if (ev->station >= sw->opened) return; /* not started yet (ramp) */
  member *mb = &sw->m[ev->station];
  if (!mb->st) return;
  char err[256];
  switch (ev->kind) {
  case SWARM_EV_ARRIVE: {
    double battery = 100.0;
    double soc = 100.0 - ev->energy_wh / (battery * 1000.0) * 100.0;
    sim_ev_params p = {.max_current_a = 16,
                       .phases = 3,
                       .battery_kwh = battery,
                       .soc_pct = soc < 0 ? 0 : soc,
                       .target_soc_pct = 100};
    if (hal_sim_plug(mb->st->hw, ev->connector, &p, 0, err, sizeof err) == 0) {
      sw->cars++;
      station_tap(mb->st, ev->uid);
    }
    break;
  }
  case SWARM_EV_LEAVE:
    hal_sim_unplug(mb->st->hw, ev->connector, err, sizeof err);
    break;
  case SWARM_EV_FAULT:
    sw->faults++;
    hal_sim_fault(mb->st->hw, ev->connector, SIM_FAULT_OVERTEMP, err, sizeof err);
    break;
  case SWARM_EV_FAULT_CLEAR:
    hal_sim_fault(mb->st->hw, ev->connector, SIM_FAULT_CLEAR, err, sizeof err);
    break;
  case SWARM_EV_OFFLINE:
  case SWARM_EV_ONLINE:
    /* The back end becomes unreachable for this station: its link is
     * reconfigured to a refused address, then back (the real reconnect path,
     * offline queue included). */
    mb->outage = ev->kind == SWARM_EV_OFFLINE;
    if (mb->outage) sw->outages++;
    if (set_key(mb->cfg, "ocpp.url", mb->outage ? DEAD_URL : sw->o.csms, err, sizeof err) == 0)
      station_apply_setting(mb->st, "ocpp.url");
    break;
  case SWARM_EV_REBOOT:
    /* a power cut: the station goes (its handles close on the loop) and a
     * new one opens on the same data directory, as borned after a restart */
    sw->reboots++;
    station_close(mb->st);
    bury(sw, mb->st);
    mb->st = NULL;
    mb->reconnects_seen = 0; /* the new station's transport counts from 0 */
    if (mb->outage) set_key(mb->cfg, "ocpp.url", sw->o.csms, err, sizeof err);
    mb->outage = false;
    if (open_station(sw, mb, err, sizeof err) != 0) {
      fprintf(stderr, "borne-swarm: %s: cannot restart: %s\n", mb->id, err);
      sw->failed_opens++;
    }
    break;
  }
}

static void stop_all(swarm *sw);

/* The RSS while the stations close, at each turn of the close (a close of
 * a few thousand stations can end before on_tick's next look) and once the
 * loop has ended (their links' last closes) */
static void note_stop_rss(swarm *sw) {
  long kb = rss_kb();
  if (kb > sw->rss_kb_max_stop) sw->rss_kb_max_stop = kb;
}

static void on_tick(uv_timer_t *t) {
  swarm *sw = t->data;
  if (sw->stopping) { /* the stations are being closed: only their peak */
    note_stop_rss(sw);
    return;
  }
  double now = elapsed_ms(sw);
  long kb = rss_kb();
  if (kb > sw->rss_kb_max) sw->rss_kb_max = kb;
  swarm_engine_run(sw->eng, (int64_t)now, on_event, sw);
  uint64_t real = uv_hrtime();
  /* every station's store drops its cache and kept statements every 10 s,
   * a fortieth of the stations at each tick (docs/swarm.md, memory) */
  int share = (sw->opened + 39) / 40;
  for (int i = 0; i < share && sw->opened > 0; i++) {
    sw->trim_next = (sw->trim_next + 1) % sw->opened;
    if (sw->m[sw->trim_next].st) store_release_cache(sw->m[sw->trim_next].st->db);
  }
  /* the SQLite pool's empty mappings (each class keeps one) back at once */
  if (sqlite_pool) swarm_pool_trim();
#ifdef __GLIBC__
  /* the heap's free pages back to the system every 30 s once every station
   * is open: the stations' connections, opened together at a minute mark
   * (clock-aligned meter values) and closed within seconds, leave holes of
   * hundreds of MB that glibc keeps (docs/performance.md) */
  if (sw->opened == sw->o.stations && real - sw->last_heap_trim >= 30000000000ull) {
    malloc_trim(0);
    sw->last_heap_trim = real;
  }
#endif
  /* one look at every station serves the link watch (each second) and the
   * progress line when one is due */
  double since = (double)(real - sw->last_progress) / 1e9;
  bool line = sw->o.progress_s > 0 && since >= sw->o.progress_s;
  if (line || real - sw->last_link_watch >= 1000000000ull) {
    census c;
    survey(sw, line ? &c : NULL);
    sw->last_link_watch = real;
    if (line) {
      progress(sw, &c, now / 1000.0, since);
      sw->last_progress = real;
    }
  }
  if (now >= sw->o.duration_s * 1000.0) stop_all(sw);
}

/* The longest one turn of the loop spends opening stations (real time): the
 * ramp falls behind rather than hold every open station's link, timers and
 * progress line back (a turn that opened all the stations due once took a
 * minute with 1 000 stations); the next turn goes on. */
#define RAMP_TURN_BUDGET_NS (10u * 1000u * 1000u)

static void on_ramp(uv_timer_t *t) {
  swarm *sw = t->data;
  double due = sw->o.ramp * elapsed_ms(sw) / 1000.0 + 1;
  uint64_t turn_start = uv_hrtime();
  while (sw->opened < sw->o.stations && sw->opened < (int)due &&
         uv_hrtime() - turn_start < RAMP_TURN_BUDGET_NS) {
    member *mb = &sw->m[sw->opened];
    char err[512], dir[700];
    member_dir(mb, dir, sizeof dir);
    mkdir(dir, 0700);
    if (make_config(sw, mb, err, sizeof err) != 0 || open_station(sw, mb, err, sizeof err) != 0) {
      fprintf(stderr, "borne-swarm: %s: %s\n", mb->id, err);
      sw->failed_opens++;
    }
    sw->opened++;
  }
  /* The ramp comes first: while it is behind by more than a fifth of a
   * second of stations, the minute mark's slices wait (their values were
   * taken at the mark, stamped with it): a mark 30-45 s into a 10 000
   * station ramp once shared the loop and the SQLite connections with it
   * and the last stations opened at 45 a second (issue 18, 88.6 s). */
  loop_slices_hold(sw->opened < sw->o.stations && due - sw->opened > sw->o.ramp * 0.2 + 1);
  if (sw->opened == sw->o.stations) {
    uv_timer_stop(t);
    store_set_lean_open_max(sw->sqlite_open_max); /* the ramp's bound was lower */
#ifdef __GLIBC__
    malloc_trim(0); /* once, for every station's start (station.c trims after borned's) */
#endif
  }
}

static void on_signal(uv_signal_t *h, int signum) {
  swarm *sw = h->data;
  fprintf(stderr, "borne-swarm: signal %d: stopping\n", signum);
  stop_all(sw);
}

/* The stations are closed a share per turn of the loop, at most 10 ms of
 * it: closing all 10 000 in one turn held the close work of all of them at
 * once (the RSS rose from the run's 193 MB to 234-247 MB while they closed);
 * between two shares the loop sends the closes and frees what they used. */
#define STOP_TURN_BUDGET_NS (10u * 1000u * 1000u)

static void on_stop_step(uv_timer_t *t) {
  swarm *sw = t->data;
  uint64_t start = uv_hrtime();
  /* The stations closed at the turns before have written what their close
   * writes (a session ended durably): their database connection, opened
   * again for it, is closed now with its page cache and statements rather
   * than held until every station is closed (on_tick no longer releases
   * the stores once the run is over). */
  for (; sw->stop_released < sw->stop_next; sw->stop_released++) {
    station *st = sw->m[sw->stop_released].st;
    if (!st || !st->db) continue;
    store_set_idle_close_ms(st->db, 0);
    store_release_cache(st->db);
  }
  if (sqlite_pool) swarm_pool_trim();
  note_stop_rss(sw);
  while (sw->stop_next < sw->opened && uv_hrtime() - start < STOP_TURN_BUDGET_NS) {
    member *mb = &sw->m[sw->stop_next++];
    if (mb->st) station_close(mb->st);
  }
  if (sw->stop_next < sw->opened) return;
  uv_close((uv_handle_t *)&sw->ramp_timer, NULL);
  uv_close((uv_handle_t *)&sw->tick_timer, NULL);
  uv_close((uv_handle_t *)&sw->sigint, NULL);
  uv_close((uv_handle_t *)&sw->sigterm, NULL);
}

static void stop_all(swarm *sw) {
  if (sw->stopping) return;
  sw->stopping = true;
  survey(sw, &sw->final); /* before the links close */
  if (sw->o.progress_s > 0) progress(sw, &sw->final, elapsed_ms(sw) / 1000.0, 0);
  /* the ramp's timer, no longer opening stations, closes them */
  uv_timer_stop(&sw->ramp_timer);
  uv_timer_start(&sw->ramp_timer, on_stop_step, 0, 1);
}

/* ---------- the report ---------- */

static int write_report(swarm *sw, const census *end) {
  json_t *r = json_object();
  long started = 0, stopped = 0;
  int booted = 0;
  for (int i = 0; i < sw->opened; i++) {
    started += sw->m[i].started;
    stopped += sw->m[i].stopped;
    if (sw->m[i].booted_once) booted++;
  }
  json_t *msgs = json_object(), *lat = json_object(), *errs = json_object();
  for (int i = 0; i < sw->nactions; i++) {
    action_stat *a = &sw->actions[i];
    json_object_set_new(msgs, a->action, json_integer(a->count));
    double p[3];
    if (percentiles(a, p))
      json_object_set_new(lat, a->action,
                          json_pack("{s:f, s:f, s:f, s:I}", "p50", p[0], "p95", p[1], "p99", p[2],
                                    "n", (json_int_t)a->nlat));
  }
  for (int i = 0; i < sw->nerrors; i++)
    json_object_set_new(errs, sw->errors[i].kind, json_integer(sw->errors[i].count));
  json_t *per = json_array();
  for (int i = 0; i < sw->opened; i++) {
    const member *mb = &sw->m[i];
    if (!mb->errors) continue;
    json_t *by = json_object(); /* {action: {kind: count}} */
    for (int k = 0; k < mb->nerrs; k++) {
      json_t *kinds = json_object_get(by, mb->errs[k].action);
      if (!kinds) json_object_set_new(by, mb->errs[k].action, kinds = json_object());
      json_object_set_new(kinds, mb->errs[k].kind, json_integer(mb->errs[k].count));
    }
    json_t *one = json_pack("{s:s, s:I, s:o}", "id", mb->id, "errors", (json_int_t)mb->errors,
                            "by_action", by);
    if (mb->errs_other) json_object_set_new(one, "other", json_integer(mb->errs_other));
    json_array_append_new(per, one);
  }
  json_object_set_new(r, "stations", json_integer(sw->o.stations));
  json_object_set_new(r, "booted", json_integer(booted));
  json_object_set_new(r, "connected", json_integer(end->connected));
  json_object_set_new(
      r, "sessions",
      json_pack("{s:I, s:I}", "started", (json_int_t)started, "stopped", (json_int_t)stopped));
  json_object_set_new(r, "messages", msgs);
  json_object_set_new(r, "latency_ms", lat);
  json_object_set_new(r, "errors", errs);
  json_object_set_new(r, "rss_kb_max", json_integer(sw->rss_kb_max));
  json_object_set_new(r, "rss_kb_max_stop", json_integer(sw->rss_kb_max_stop));
  json_object_set_new(r, "stations_with_errors", per);
  json_object_set_new(
      r, "scenario",
      json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:f}", "seed", (json_int_t)sw->sc.seed, "cars",
                (json_int_t)sw->cars, "turned_away", (json_int_t)swarm_engine_turned_away(sw->eng),
                "faults", (json_int_t)sw->faults, "outages", (json_int_t)sw->outages, "reboots",
                (json_int_t)sw->reboots, "failed_opens", (json_int_t)sw->failed_opens, "duration_s",
                sw->o.duration_s));
  int rc = json_dump_file(r, sw->o.report, JSON_INDENT(2) | JSON_SORT_KEYS);
  json_decref(r);
  if (rc != 0) {
    fprintf(stderr, "borne-swarm: cannot write %s\n", sw->o.report);
    return -1;
  }
  /* the CSV beside it: FILE.json -> FILE.csv */
  char csv[1024];
  size_t n = strlen(sw->o.report);
  if (n > 5 && strcmp(sw->o.report + n - 5, ".json") == 0)
    snprintf(csv, sizeof csv, "%.*s.csv", (int)(n - 5), sw->o.report);
  else
    snprintf(csv, sizeof csv, "%s.csv", sw->o.report);
  FILE *f = fopen(csv, "w");
  if (!f) {
    fprintf(stderr, "borne-swarm: cannot write %s: %s\n", csv, strerror(errno));
    return -1;
  }
  fprintf(f, "action,count,errors,answered,p50_ms,p95_ms,p99_ms\n");
  for (int i = 0; i < sw->nactions; i++) {
    action_stat *a = &sw->actions[i];
    double p[3] = {0, 0, 0};
    bool any = percentiles(a, p);
    if (any)
      fprintf(f, "%s,%ld,%ld,%zu,%.0f,%.0f,%.0f\n", a->action, a->count, a->errors, a->nlat, p[0],
              p[1], p[2]);
    else
      fprintf(f, "%s,%ld,%ld,0,,,\n", a->action, a->count, a->errors);
  }
  return fclose(f) == 0 ? 0 : -1;
}

/* ---------- the command line ---------- */

static int parse_duration(const char *s, double *out) {
  char *end;
  double d = strtod(s, &end);
  if (end == s || d <= 0) return -1;
  if (*end == 'h')
    d *= 3600, end++;
  else if (*end == 'm')
    d *= 60, end++;
  else if (*end == 's')
    end++;
  if (*end) return -1;
  *out = d;
  return 0;
}

static int parse_int(const char *s, int lo, int hi, int *out) {
  char *end;
  long v = strtol(s, &end, 10);
  if (end == s || *end || v < lo || v > hi) return -1;
  *out = (int)v;
  return 0;
}

static char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  char *buf = NULL;
  size_t cap = 0, n = 0;
  for (;;) {
    if (n == cap) {
      cap = cap ? 2 * cap : 4096;
      if (cap > 16 * 1024 * 1024) break;
      char *g = realloc(buf, cap);
      if (!g) break;
      buf = g;
    }
    size_t got = fread(buf + n, 1, cap - n, f);
    if (got == 0) break;
    n += got;
  }
  fclose(f);
  *len = n;
  return buf ? buf : calloc(1, 1);
}

static void close_walk(uv_handle_t *h, void *arg) {
  (void)arg;
  if (!uv_is_closing(h)) uv_close(h, NULL);
}

static int remove_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
  (void)sb;
  (void)flag;
  (void)ftw;
  if (remove(path) != 0)
    fprintf(stderr, "borne-swarm: cannot remove %s: %s\n", path, strerror(errno));
  return 0;
}

/* The temporary data directory borne-swarm made itself (mkdtemp) goes at the end. */
static void remove_tree(const char *dir) { nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS); }

/* SQLite's memory in a pool of its own (src/swarm/swarm_pool.h): a station's
 * connection lives a few seconds (opened for a write, closed when the
 * station is idle), and in glibc's heap the blocks it leaves free lay
 * between the stations' long-lived values, most of them never given back
 * (docs/performance.md, "borne-swarm: toward 20 kB"). Before SQLite's first
 * use; BORNE_SWARM_SQLITE_POOL=0 leaves SQLite on malloc (to compare). */
static void *pool_malloc(int n) { return swarm_pool_alloc(n > 0 ? (size_t)n : 0); }
static void pool_free(void *p) { swarm_pool_free(p); }
static void *pool_realloc(void *p, int n) { return swarm_pool_realloc(p, n > 0 ? (size_t)n : 0); }
static int pool_size(void *p) { return (int)swarm_pool_size(p); }
static int pool_roundup(int n) { return (int)swarm_pool_roundup(n > 0 ? (size_t)n : 1); }
static int pool_init(void *app) { return (void)app, SQLITE_OK; }
static void pool_shutdown(void *app) { (void)app; }

static void use_sqlite_pool(void) {
  const char *v = getenv("BORNE_SWARM_SQLITE_POOL");
  if (v && strcmp(v, "0") == 0) return;
  static const sqlite3_mem_methods m = {pool_malloc,  pool_free, pool_realloc,  pool_size,
                                        pool_roundup, pool_init, pool_shutdown, NULL};
  if (sqlite3_config(SQLITE_CONFIG_MALLOC, &m) == SQLITE_OK)
    sqlite_pool = true;
  else
    fprintf(stderr, "borne-swarm: SQLite already initialized: its memory stays on malloc\n");
}

/* For gdb (bench/swarm_memory.mjs): bytes the SQLite pool maps. */
long long borne_swarm_pool_mapped(void);
long long borne_swarm_pool_mapped(void) {
  swarm_pool_stats s;
  swarm_pool_get_stats(&s);
  return (long long)s.mapped;
}

int main(int argc, char **argv) {
  use_sqlite_pool();
  if (borne_keys_register() != 0) return 1;
  static const struct option opts[] = {{"csms", required_argument, 0, 'o'},
                                       {"stations", required_argument, 0, 'N'},
                                       {"id-prefix", required_argument, 0, 'p'},
                                       {"ocpp", required_argument, 0, 'v'},
                                       {"connectors", required_argument, 0, 'n'},
                                       {"ramp", required_argument, 0, 'r'},
                                       {"scenario", required_argument, 0, 'f'},
                                       {"duration", required_argument, 0, 'd'},
                                       {"report", required_argument, 0, 'R'},
                                       {"data-dir", required_argument, 0, 'D'},
                                       {"security-profile", required_argument, 0, 'P'},
                                       {"password", required_argument, 0, 'W'},
                                       {"ca-file", required_argument, 0, 'C'},
                                       {"set", required_argument, 0, 'S'},
                                       {"progress", required_argument, 0, 'g'},
                                       {"log-level", required_argument, 0, 'l'},
                                       {"version", no_argument, 0, 'V'},
                                       {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
  static swarm sw_storage;
  swarm *sw = &sw_storage;
  swarm_options *o = &sw->o;
  *o = (swarm_options){.id_prefix = "SW",
                       .ocpp_version = "1.6",
                       .stations = 10,
                       .connectors = 2,
                       .ramp = 200,
                       .duration_s = 60,
                       .progress_s = 1,
                       .log_level = "error"};
  int opt;
  while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (opt) {
    case 'o':
      o->csms = optarg;
      break;
    case 'N':
      if (parse_int(optarg, 1, 100000, &o->stations) != 0) {
        fprintf(stderr, "borne-swarm: --stations %s: a number from 1 to 100000\n", optarg);
        return 2;
      }
      break;
    case 'p':
      if (strlen(optarg) > 20) {
        fprintf(stderr, "borne-swarm: --id-prefix: at most 20 characters\n");
        return 2;
      }
      o->id_prefix = optarg;
      break;
    case 'v': {
      /* borned's ocpp.version: one version or a list in the order of preference */
      const ocpp_dialect *list[OCPP_VERSIONS_MAX];
      size_t n = 0;
      char why[160];
      if (ocpp_version_list_parse(optarg, true, list, &n, why, sizeof why) != 0) {
        fprintf(stderr, "borne-swarm: --ocpp %s: %s\n", optarg, why);
        return 2;
      }
      o->ocpp_version = optarg;
      break;
    }
    case 'n':
      if (parse_int(optarg, 1, 8, &o->connectors) != 0) {
        fprintf(stderr, "borne-swarm: --connectors %s: 1 to 8\n", optarg);
        return 2;
      }
      break;
    case 'r': {
      char *end;
      o->ramp = strtod(optarg, &end);
      if (end == optarg || (strcmp(end, "/s") != 0 && *end) || !(o->ramp > 0) || o->ramp > 100000) {
        fprintf(stderr, "borne-swarm: --ramp %s: stations per second, as 200/s\n", optarg);
        return 2;
      }
      break;
    }
    case 'f':
      o->scenario_file = optarg;
      break;
    case 'd':
      if (parse_duration(optarg, &o->duration_s) != 0) {
        fprintf(stderr, "borne-swarm: --duration %s: as 90, 90s, 15m or 2h\n", optarg);
        return 2;
      }
      break;
    case 'R':
      o->report = optarg;
      break;
    case 'D':
      o->data_dir = optarg;
      break;
    case 'g': {
      char *end;
      o->progress_s = strtod(optarg, &end);
      if (end == optarg || *end || o->progress_s < 0) {
        fprintf(stderr, "borne-swarm: --progress %s: seconds\n", optarg);
        return 2;
      }
      break;
    }
    case 'l':
      o->log_level = optarg;
      break;
    case 'P':
    case 'W':
    case 'C':
    case 'S': {
      if (o->nsets == 128) {
        fprintf(stderr, "borne-swarm: too many settings\n");
        return 2;
      }
      const char *key = opt == 'P'   ? "ocpp.security_profile"
                        : opt == 'W' ? "ocpp.AuthorizationKey"
                        : opt == 'C' ? "ocpp.ca_file"
                                     : NULL;
      const char *value = optarg;
      if (!key) {
        char *eq = strchr(optarg, '=');
        if (!eq || eq == optarg) {
          fprintf(stderr, "borne-swarm: --set %s: expected KEY=VALUE\n", optarg);
          return 2;
        }
        *eq = '\0';
        key = optarg;
        value = eq + 1;
      }
      o->sets[o->nsets][0] = key;
      o->sets[o->nsets][1] = value;
      o->nsets++;
      break;
    }
    case 'V':
      printf("borne-swarm %s\n", BORNE_VERSION);
      return 0;
    case 'h':
      usage(stdout);
      return 0;
    default:
      usage(stderr);
      return 2;
    }
  }
  if (optind < argc) {
    fprintf(stderr, "borne-swarm: unexpected argument `%s`\n", argv[optind]);
    return 2;
  }
  if (!o->csms) {
    fprintf(stderr, "borne-swarm: --csms URL is required\n");
    usage(stderr);
    return 2;
  }

  swarm_scenario_defaults(&sw->sc);
  if (o->scenario_file) {
    size_t len = 0;
    char *text = read_file(o->scenario_file, &len);
    if (!text) {
      fprintf(stderr, "borne-swarm: %s: %s\n", o->scenario_file, strerror(errno));
      return 2;
    }
    char err[256];
    int rc = swarm_scenario_parse(&sw->sc, text, len, err, sizeof err);
    free(text);
    if (rc != 0) {
      fprintf(stderr, "borne-swarm: %s: %s\n", o->scenario_file, err);
      return 2;
    }
  }
  log_level level;
  if (log_level_parse(o->log_level, &level) != 0) {
    fprintf(stderr, "borne-swarm: --log-level %s: error, warn, info or debug\n", o->log_level);
    return 2;
  }
  log_set_level(level);

  /* Every station holds a few descriptors (its database, its OCPP socket,
   * lws's event fds; no HTTP listener in swarm mode): the soft limit goes up to the hard one. */
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  /* a station holds its socket; its database only while it uses it, and
   * as many may be open at once as the limit leaves beside the sockets
   * (docs/swarm.md): 10 000 stations whose clock-aligned meter values come
   * in the same second would otherwise need 20 000 */
  /* and no more than SWARM_SQLITE_OPEN_MAX: each open connection holds 30 to
   * 60 kB (its schema, statements, pages), and while thousands of stations
   * boot (each writes for its first seconds) they were most of the ramp's
   * peak RSS (446 MB at 10 000 for 253 MB idle, docs/performance.md); the
   * least recently used free one closes first, and opens again in ≈ 0.25 ms.
   * BORNE_SWARM_SQLITE_OPEN overrides it (0: only the descriptor bound). */
  long open_max = SWARM_SQLITE_OPEN_MAX;
  const char *som = getenv("BORNE_SWARM_SQLITE_OPEN");
  if (som && *som) {
    char *end;
    open_max = strtol(som, &end, 10);
    if (*end || open_max < 0 || open_max > 1000000) {
      fprintf(stderr, "borne-swarm: BORNE_SWARM_SQLITE_OPEN: not a number: %s\n", som);
      return 2;
    }
  }
  long room = 1000000;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
    room = (long)rl.rlim_cur - o->stations - 256;
    room = room < 64 ? 64 : room > 1000000 ? 1000000 : room;
  }
  if (open_max > 0 && open_max < room) room = open_max < 16 ? 16 : open_max;
  sw->sqlite_open_max = (int)room;
  /* fewer while the ramp runs: the stations' first writes come together
   * then, and what they hold at once is the process's peak (rss_kb_max);
   * on_ramp sets the bound above once every station is open */
  store_set_lean_open_max(room < SWARM_SQLITE_OPEN_RAMP ? (int)room : SWARM_SQLITE_OPEN_RAMP);
  /* one lws client context per group of SWARM_LINKS_PER_CONTEXT links, all
   * on the loop, their tables sized by that limit: lws 4.1 keeps a context's
   * timers (ping, timeouts) in one sorted list walked at every insert, so one
   * context for thousands of links spent a third of the swarm's CPU there
   * (docs/performance.md). BORNE_SWARM_LINKS_PER_CONTEXT overrides it for
   * measurements (0: a single context). */
  ocpp_transport_set_context_fds(0);
  unsigned links = SWARM_LINKS_PER_CONTEXT;
  const char *lpc = getenv("BORNE_SWARM_LINKS_PER_CONTEXT");
  if (lpc && *lpc) {
    char *end;
    unsigned long v = strtoul(lpc, &end, 10);
    if (*end || v > 1000000) {
      fprintf(stderr, "borne-swarm: BORNE_SWARM_LINKS_PER_CONTEXT: not a number: %s\n", lpc);
      return 2;
    }
    links = (unsigned)v;
  }
  ocpp_transport_set_context_links(links);
  /* per link; larger messages come in pieces (the back end's answers to an
   * idle station, the most of its messages, are 30 to 150 bytes; a control
   * frame's payload is at most 125): 512 held 256 bytes more in each */
  ocpp_transport_set_rx_buffer(256);

  umask(077);
  if (!o->data_dir) {
    const char *tmp = getenv("TMPDIR");
    snprintf(sw->tmp_dir, sizeof sw->tmp_dir, "%s/borne-swarm-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(sw->tmp_dir)) {
      fprintf(stderr, "borne-swarm: %s: %s\n", sw->tmp_dir, strerror(errno));
      return 1;
    }
    o->data_dir = sw->tmp_dir;
    sw->temp_data = true;
  } else if (mkdir(o->data_dir, 0700) != 0 && errno != EEXIST) {
    fprintf(stderr, "borne-swarm: %s: %s\n", o->data_dir, strerror(errno));
    return 1;
  }
  sw->m = calloc((size_t)o->stations, sizeof *sw->m);
  sw->eng = swarm_engine_new(&sw->sc, o->stations, o->connectors);
  if (!sw->m || !sw->eng) {
    fprintf(stderr, "borne-swarm: out of memory\n");
    return 1;
  }
  {
    char err[512];
    if (make_base_config(sw, err, sizeof err) != 0) {
      fprintf(stderr, "borne-swarm: %s\n", err);
      return 2;
    }
  }
  for (int i = 0; i < o->stations; i++) {
    member *mb = &sw->m[i];
    mb->sw = sw;
    mb->index = i;
    snprintf(mb->id, sizeof mb->id, "%s%05d", o->id_prefix, i + 1);
  }

  uv_loop_t loop;
  uv_loop_init(&loop);
  sw->loop = &loop;
  signal(SIGPIPE, SIG_IGN);
  sw->t0 = sw->last_progress = uv_hrtime();
  uv_timer_init(&loop, &sw->ramp_timer);
  uv_timer_init(&loop, &sw->tick_timer);
  sw->ramp_timer.data = sw->tick_timer.data = sw;
  uint64_t step = o->ramp >= 100 ? 10 : (uint64_t)(1000.0 / o->ramp);
  uv_timer_start(&sw->ramp_timer, on_ramp, 0, step ? step : 1);
  uv_timer_start(&sw->tick_timer, on_tick, 250, 250);
  /* the stations' clock-aligned meter values, all due in the same second,
   * written and sent in slices of at most 10 ms per turn of the loop
   * (loop_slices.h, docs/swarm.md); BORNE_SWARM_SLICE_US overrides the
   * slice for measurements */
  unsigned slice_us = SWARM_SLICE_US;
  const char *su = getenv("BORNE_SWARM_SLICE_US");
  if (su && *su) slice_us = (unsigned)strtoul(su, NULL, 10);
  if (loop_slices_start(&loop, slice_us) != 0)
    fprintf(stderr, "borne-swarm: cannot slice the loop's work: meter values go at once\n");
  uv_signal_init(&loop, &sw->sigint);
  uv_signal_init(&loop, &sw->sigterm);
  sw->sigint.data = sw->sigterm.data = sw;
  uv_signal_start(&sw->sigint, on_signal, SIGINT);
  uv_signal_start(&sw->sigterm, on_signal, SIGTERM);
  fprintf(stderr, "borne-swarm: %d stations (%d connectors each) on %s, data in %s\n", o->stations,
          o->connectors, o->csms, o->data_dir);

  uv_run(&loop, UV_RUN_DEFAULT);
  note_stop_rss(sw);

  int rc = 0;
  if (o->report && write_report(sw, &sw->final) != 0) rc = 1;

  for (int i = 0; i < sw->opened; i++) {
    if (sw->m[i].st) {
      station_free(sw->m[i].st);
      free(sw->m[i].st);
    }
    config_free(sw->m[i].cfg);
    free(sw->m[i].errs);
  }
  for (int i = 0; i < sw->ndead; i++) {
    station_free(sw->dead[i]);
    free(sw->dead[i]);
  }
  for (int i = 0; i < sw->nfailed; i++) station_free(sw->failed[i]);
  loop_slices_stop();
  uv_walk(&loop, close_walk, NULL);
  uv_run(&loop, UV_RUN_DEFAULT);
  uv_loop_close(&loop);
  if (sw->temp_data) remove_tree(sw->tmp_dir);
  for (int i = 0; i < sw->nactions; i++) {
    free(sw->actions[i].lat);
    free(sw->actions[i].win);
  }
  for (int i = 0; i < sw->nfailed; i++) free(sw->failed[i]); /* station_free'd above */
  free(sw->dead);
  free(sw->failed);
  free(sw->m);
  swarm_engine_free(sw->eng);
  config_free(sw->base_cfg); /* after every station's (config_new_over) */
  if (sw->failed_opens) rc = 1;
  return rc;
}
