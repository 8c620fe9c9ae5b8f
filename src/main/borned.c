/*
 * borned, the station daemon: parses the command line, builds the
 * configuration (defaults < config file < saved settings < flags), opens the
 * station on one libuv loop and runs it until SIGINT/SIGTERM. The only place
 * allowed to exit the process. Under systemd (Type=notify, docs/install.md)
 * it reports readiness once the station is open (storage open, HTTP server
 * listening), feeds the watchdog from a timer on the loop, so a stuck loop
 * gets the service killed and restarted, and says when it stops.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include "keys/key_tables.h"
#include "main/modules.h"
#include "station/station.h"
#include "config/config.h"
#include "store/store.h"
#include "util/log.h"
#include "util/sd_notify.h"

#define DEFAULT_DATA_DIR "/var/lib/borne"

static void usage(FILE *to) {
  fprintf(to, "usage: borned [options]\n"
              "  --config FILE        configuration file (key = value lines)\n"
              "  --data-dir DIR       database, API token, keys (default " DEFAULT_DATA_DIR ")\n"
              "  --sim                simulated hardware (hal.backend=sim)\n"
              "  --id STATION_ID      station.id\n"
              "  --connectors N       station.connectors (1-8)\n"
              "  --http ADDR:PORT     http.listen (API and web page)\n"
              "  --sim-speed X        simulated time runs X times faster (sim.speed)\n"
              "  --log-level LEVEL    error, warn, info or debug (log.level)\n"
              "  --csms URL           OCPP central system, ws:// or wss:// (ocpp.url)\n"
              "  --set KEY=VALUE      set any configuration key (repeatable)\n"
              "  --version, --help\n"
              "Configuration keys: docs/configuration.md\n");
}

typedef struct {
  const char *key;
  char *value;
} flag_setting;

typedef struct {
  config *cfg;
  char *err;
  size_t errlen;
  int failed;
} saved_ctx;

static int apply_saved(void *ctx, const char *key, const char *value) {
  saved_ctx *sc = ctx;
  char why[256];
  if (config_key_def(key) && config_settable_remotely(key, why, sizeof why) != 0) {
    /* saved through the API by an older version: only the file may set it */
    fprintf(stderr, "borned: saved setting ignored: %s\n", why);
    return 0;
  }
  if (config_set(sc->cfg, key, value, sc->err, sc->errlen) != 0) {
    /* A saved value that is no longer valid (older version) must not block
     * the start silently either: report it by name. */
    sc->failed = 1;
    return 1;
  }
  return 0;
}

typedef struct {
  station *st;
  uv_signal_t sigint, sigterm;
  uv_timer_t watchdog; /* started when systemd asks for a watchdog */
  bool watchdog_on;
  bool start_failed; /* the start's second half failed (exit 1) */
} daemon_signals;

/* A line of borned's own on stderr that is an error: "<3>" first when stderr
 * is the journal, so journalctl -p err shows it (util/log.h). */
static void say_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say_error(const char *fmt, ...) {
  if (log_stderr_is_journal()) fputs("<3>", stderr);
  fputs("borned: ", stderr);
  va_list ap;
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
}

/* Runs on the loop: if the loop is stuck, no WATCHDOG=1 reaches systemd,
 * which kills borned after WatchdogSec and restarts it (Restart=always). */
static void on_watchdog(uv_timer_t *t) {
  (void)t;
  sd_notify_send("WATCHDOG=1");
}

/* The loop ends once the station's handles, the signals and the watchdog closed. */
static void close_daemon_handles(daemon_signals *ds) {
  uv_close((uv_handle_t *)&ds->sigint, NULL);
  uv_close((uv_handle_t *)&ds->sigterm, NULL);
  if (ds->watchdog_on) uv_close((uv_handle_t *)&ds->watchdog, NULL);
}

static void on_signal(uv_signal_t *h, int signum) {
  daemon_signals *ds = h->data;
  log_info("borned", "signal %d: stopping", signum);
  char state[80];
  snprintf(state, sizeof state, "STOPPING=1\nSTATUS=stopping (signal %d)", signum);
  sd_notify_send(state);
  station_close(ds->st);
  close_daemon_handles(ds);
}

/* Reset (OCPP or operator): close like on SIGTERM; main() then re-executes
 * the binary with the same arguments, which is what a reboot of the
 * controller process means on every back end (systemd would also restart). */
static void on_restart(void *ctx, bool hard) {
  daemon_signals *ds = ctx;
  log_info("borned", "%s reset: restarting", hard ? "hard" : "soft");
  /* The same process (PID) comes back with execv: to systemd a reload, which
   * the new image ends with READY=1. */
  sd_notify_send(hard ? "RELOADING=1\nSTATUS=restarting (hard reset)"
                      : "RELOADING=1\nSTATUS=restarting (soft reset)");
  station_close(ds->st);
  close_daemon_handles(ds);
}

/* The station's start finished (station_options.defer_late): the HTTP
 * server listens, so systemd hears READY=1; or it failed, so borned stops. */
static void on_started(void *ctx, const char *why) {
  daemon_signals *ds = ctx;
  station *st = ds->st;
  if (why) {
    say_error("%s", why);
    ds->start_failed = true;
    close_daemon_handles(ds);
    return;
  }
  const config *cfg = st->cfg;
  /* Storage is open and the HTTP server listens: ready. The watchdog is fed
   * at half the interval systemd gave (sd_watchdog_enabled(3)'s advice). */
  uint64_t wd_usec = sd_notify_watchdog_usec();
  if (wd_usec > 0) {
    uint64_t every_ms = wd_usec / 2000;
    uv_timer_init(st->loop, &ds->watchdog);
    uv_timer_start(&ds->watchdog, on_watchdog, every_ms ? every_ms : 1, every_ms ? every_ms : 1);
    ds->watchdog_on = true;
  }
  char state[400];
  snprintf(state, sizeof state, "READY=1\nSTATUS=station %s, %ld connectors, API on %s (port %d)%s",
           config_get(cfg, "station.id"), config_get_int(cfg, "station.connectors"),
           config_get(cfg, "http.listen"), http_server_port(st->http),
           wd_usec ? ", watchdog fed" : "");
  if (sd_notify_send(state) < 0)
    log_warn("borned", "cannot notify systemd (NOTIFY_SOCKET): %s", strerror(errno));
}

static void close_walk(uv_handle_t *h, void *arg) {
  (void)arg;
  if (!uv_is_closing(h)) uv_close(h, NULL);
}

int main(int argc, char **argv) {
  if (borne_keys_register() != 0) return 1; /* every module's configuration keys */
  /* The option parser edits argv (--set KEY=VALUE is split in place): keep
   * the original words for the re-execution after a reset. */
  char **original_argv = calloc((size_t)argc + 1, sizeof *original_argv);
  for (int i = 0; original_argv && i < argc; i++) original_argv[i] = strdup(argv[i]);
  static const struct option opts[] = {{"config", required_argument, 0, 'c'},
                                       {"data-dir", required_argument, 0, 'd'},
                                       {"sim", no_argument, 0, 's'},
                                       {"id", required_argument, 0, 'i'},
                                       {"connectors", required_argument, 0, 'n'},
                                       {"http", required_argument, 0, 'H'},
                                       {"sim-speed", required_argument, 0, 'x'},
                                       {"log-level", required_argument, 0, 'l'},
                                       {"csms", required_argument, 0, 'o'},
                                       {"set", required_argument, 0, 'S'},
                                       {"version", no_argument, 0, 'V'},
                                       {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
  const char *config_file = NULL;
  const char *data_dir = DEFAULT_DATA_DIR;
  flag_setting flags[128];
  int nflags = 0;
  int opt;
  while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    const char *key = NULL;
    switch (opt) {
    case 'c':
      config_file = optarg;
      continue;
    case 'd':
      data_dir = optarg;
      continue;
    case 's':
      key = "hal.backend";
      optarg = "sim";
      break;
    case 'i':
      key = "station.id";
      break;
    case 'n':
      key = "station.connectors";
      break;
    case 'H':
      key = "http.listen";
      break;
    case 'x':
      key = "sim.speed";
      break;
    case 'l':
      key = "log.level";
      break;
    case 'o':
      key = "ocpp.url";
      break;
    case 'S': {
      char *eq = strchr(optarg, '=');
      if (!eq || eq == optarg) {
        fprintf(stderr, "borned: --set %s: expected KEY=VALUE\n", optarg);
        return 2;
      }
      *eq = '\0';
      key = optarg;
      optarg = eq + 1;
      break;
    }
    case 'V':
      printf("borned %s\n", BORNE_VERSION);
      return 0;
    case 'h':
      usage(stdout);
      return 0;
    default:
      usage(stderr);
      return 2;
    }
    if (nflags == (int)(sizeof flags / sizeof flags[0])) {
      fprintf(stderr, "borned: too many settings on the command line\n");
      return 2;
    }
    flags[nflags++] = (flag_setting){key, optarg};
  }
  if (optind < argc) {
    fprintf(stderr, "borned: unexpected argument `%s`\n", argv[optind]);
    usage(stderr);
    return 2;
  }

  char err[512];
  config *cfg = config_new();
  int rc = 1;
  station *st = NULL;
  store *saved_db = NULL; /* opened for the saved settings, then the station's */
  if (config_file && config_load_file(cfg, config_file, err, sizeof err) != 0) goto bad_config;
  /* Settings saved at run time through the API rank above the file. The
   * store opened to read them is the station's (station_options.db): a
   * restart on kept data opens its database once (issue 15). */
  {
    char dbpath[600];
    snprintf(dbpath, sizeof dbpath, "%s/borne.db", data_dir);
    FILE *exists = fopen(dbpath, "r");
    if (exists) {
      fclose(exists);
      if (store_open(&saved_db, dbpath, err, sizeof err) != 0) {
        say_error("%s", err);
        goto out;
      }
      saved_ctx sc = {cfg, err, sizeof err, 0};
      store_settings_each(saved_db, apply_saved, &sc);
      if (sc.failed) {
        say_error("saved setting: %s (change it with --set or PUT /api/v1/settings)", err);
        goto out;
      }
    }
  }
  for (int i = 0; i < nflags; i++) {
    if (config_set(cfg, flags[i].key, flags[i].value, err, sizeof err) != 0) goto bad_config;
  }
  if (config_check(cfg, err, sizeof err) != 0) goto bad_config;

  log_level level;
  if (log_level_parse(config_get(cfg, "log.level"), &level) == 0) log_set_level(level);

  /* Every file borned creates is private to its user (0600, directories
   * 0700), whatever umask it was started with: the data directory holds the
   * OCPP AuthorizationKey, PIN hashes, keys and badges. Nothing in it is
   * meant for other users; the TLS certificate, public, is served by borned
   * itself (docs/storage.md). */
  umask(077);
  uv_loop_t loop;
  uv_loop_init(&loop);
  signal(SIGPIPE, SIG_IGN);
  st = calloc(1, sizeof *st);
  station_options so = {.data_dir = data_dir,
                        .cfg = cfg,
                        .parts = &borne_station_parts,
                        .defer_late = true,
                        .db = saved_db};
  saved_db = NULL; /* the station's now, whatever station_open says */
  if (station_open(st, &loop, &so, err, sizeof err) != 0) {
    say_error("%s", err);
    /* Let closing handles (lws's among them) finish before closing the rest. */
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_walk(&loop, close_walk, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    station_free(st); /* its modules, connectors, store, data directory */
    uv_loop_close(&loop);
    goto out;
  }
  daemon_signals ds = {.st = st};
  uv_signal_init(&loop, &ds.sigint);
  uv_signal_init(&loop, &ds.sigterm);
  ds.sigint.data = ds.sigterm.data = &ds;
  uv_signal_start(&ds.sigint, on_signal, SIGINT);
  uv_signal_start(&ds.sigterm, on_signal, SIGTERM);
  st->on_restart = on_restart;
  st->on_restart_ctx = &ds;
  fprintf(stderr,
          "borned: station %s with %ld connectors; API http://%s/api/v1/status "
          "(token in %s/api-token)\n",
          config_get(cfg, "station.id"), config_get_int(cfg, "station.connectors"),
          config_get(cfg, "http.listen"), data_dir);
  st->on_started = on_started;
  st->on_started_ctx = &ds;
  uv_run(&loop, UV_RUN_DEFAULT);
  bool restart = st->restart_requested && !ds.start_failed;
  bool failed = ds.start_failed;
  station_free(st);
  uv_loop_close(&loop);
  if (restart) {
    free(st);
    config_free(cfg);
    if (original_argv) execv("/proc/self/exe", original_argv);
    say_error("cannot restart: %s", strerror(errno));
    return 1;
  }
  rc = failed ? 1 : 0;
  goto out;

bad_config:
  say_error("%s", err);
  rc = 2;
out:
  store_close(saved_db);
  free(st);
  config_free(cfg);
  for (int i = 0; original_argv && i < argc; i++) free(original_argv[i]);
  free(original_argv);
  return rc;
}
