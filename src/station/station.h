/*
 * A station is a value: its connectors' core state, its hardware, its
 * database, its HTTP API and its timers, all on one libuv loop passed in.
 * Nothing here is global, so one process could run many stations (load
 * tests). This module wires the pure core to the edges: HAL inputs become
 * core events, core outputs become HAL commands, core notes become durable
 * records and API events.
 */
#ifndef BORNE_STATION_STATION_H
#define BORNE_STATION_STATION_H

#include <stddef.h>
#include <uv.h>

#include "http/http.h"
#include "station/lazy_timer.h"
#include "config/config.h"
#include "core/boot_reason.h"
#include "core/station_core.h"
#include "hal/hal.h"
#include "store/store.h"
#include "util/clock.h"

#define STATION_MAX_WAITERS 64
/* station.people_managed_by: "the leader 255.255.255.255:65535" and the like */
#define PEOPLE_MANAGED_BY_MAX 96

struct json_t;

/* ---------- extension points for modules beside the core ----------
 * OCPP, metering, energy management and the web page attach to a station
 * through these hooks instead of editing the wiring below. Every hook runs on
 * the loop thread; a NULL hook is skipped. */

/* How the running station uses a run-time setting: see station_setting_use(). */
typedef enum {
  SETTING_UNUSED,  /* no running module takes this key */
  SETTING_CURRENT, /* the modules that take it work with the configured value */
  SETTING_STALE,   /* one of them cannot take the configured value before a restart */
} station_setting_state;

/* A session as the station recorded it (durably, before the hook runs). */
typedef struct {
  int64_t id; /* borne's session id (sessions table) */
  const char *uid;
  const char *user;
  borne_ms start_ms;
  borne_ms stop_ms; /* 0 while running */
  double meter_start_wh;
  double meter_stop_wh; /* at stop */
  stop_reason reason;   /* at stop */
  bool resumed;         /* a session from before a restart goes on (no new start) */
  bool restarted;       /* resumed by borne's restart (not replayed to a new OCPP dialect) */
} station_session_info;

typedef struct {
  const char *name; /* "ocpp", "metering", ... for logs */
  void *ctx;
  void (*session_started)(void *ctx, int connector, const station_session_info *s);
  void (*session_stopped)(void *ctx, int connector, const station_session_info *s);
  /* A connector's status or error changed (every CS_NOTE_STATUS/ERROR). */
  void (*status_changed)(void *ctx, int connector, connector_status status, error_code error);
  /* A fresh meter reading of a connector (every meter tick). */
  void (*meter_read)(void *ctx, int connector, const meter_reading *r);
  /* A grid measurement from `source` ("meter", "tic", "p1", "ct", "contact", "api"). */
  void (*grid_sample)(void *ctx, const char *source, const grid_sample *g);
  /* Add members to GET /api/v1/status: connector 0 = the station object. */
  void (*status_json)(void *ctx, int connector, struct json_t *obj);
  /* Every event recorded in the event log (kind "security" among them). */
  void (*event)(void *ctx, int connector, const char *kind, const char *detail);
  /* A run-time setting changed (PUT /api/v1/settings, OCPP ChangeConfiguration). */
  void (*setting_changed)(void *ctx, const char *key);
  /* The car leaves a session that ocpp.StopTransactionOnEVSideDisconnect
   * false would keep: true when the module needs it to end all the same
   * (OCPP 2.0.1 TxStopPoint EVConnected or PowerPathClosed, E06). May be NULL. */
  bool (*car_leaving_ends_session)(void *ctx, int connector);
  /* Does the module work with the configured value of run-time setting `key`?
   * SETTING_UNUSED for keys it does not take; SETTING_CURRENT when it reads
   * the value at each use, or keeps a copy that setting_changed refreshed;
   * SETTING_STALE when its copy cannot change before a restart. Every
   * run-time key must have a module that answers (a unit test walks the
   * registry: tests/unit/test_station_settings_runtime.c). */
  station_setting_state (*setting_state)(void *ctx, const char *key);
  /* OCPP traffic, for observers (borne-swarm's report): a CALL of the
   * station got its outcome (from_csms false; latency_ms from sending, -1
   * when never sent; error_code NULL for a CALLRESULT, else the CALLERROR
   * code, "Timeout" or "Disconnected"), or the station answered a CALL of
   * the back end (from_csms true, latency_ms -1). */
  void (*ocpp_traffic)(void *ctx, const char *action, bool from_csms, int64_t latency_ms,
                       const char *errcode);
  /* The station is closing: stop timers, close handles (the loop still runs). */
  void (*closing)(void *ctx);
  /* After the loop ended: free memory. */
  void (*free)(void *ctx);
} station_module;

/* Badge validation: called for each AUTH_REQUEST note; answer (now or later)
 * with station_auth_answer(). Without an authorizer, local badges decide. */
typedef void (*station_authorize_fn)(void *ctx, uint32_t request_id, const char *uid);

/* A meter that is not the HAL's: fills *out (time set by the caller) or
 * returns -1 with a reason in err. */
typedef int (*station_meter_fn)(void *ctx, int connector, meter_reading *out, char *err,
                                size_t errlen);

typedef struct {
  int64_t session_id; /* 0 when none */
  double session_start_wh;
  meter_reading meter; /* latest reading */
  bool meter_ok;
  /* why the meter last failed (station_meter_error), allocated by the first
   * failure and kept; NULL while it never failed */
  char *meter_error;
  borne_ms last_sample_at; /* station time of the last durable sample */
  cs_outputs applied;      /* what the HAL was last told */
  bool applied_valid;
  led_state led;
  bool led_valid;
  double temperature_c;
  bool locked_feedback;
  int64_t
      resume_session_id; /* an open session from before a crash, kept if the EV is still there */
  char resume_uid[BORNE_UID_MAX + 1];
  /* its resumed session's energy held back until then (LIMIT_RESUMED,
   * session.resume_random_range_s); 0 none, or held until it ends */
  borne_ms resume_release_at;
  /* load management's limit protects only borne's own circuit
   * (station_set_limit_grid_critical false) */
  bool limit_local_only;
} station_connector;

typedef struct {
  http_pending *pending;
  int64_t after_id;
  int limit;
  uint64_t deadline_real_ms; /* uv_now() based */
} events_waiter;

typedef struct station {
  uv_loop_t *loop;
  station_clock clock;
  config *cfg; /* owned by the caller, outlives the station */
  const struct station_parts *parts;
  store *db;
  hal *hw;
  http_server *http;
  bool sim;
  bool swarm; /* station_options.swarm */
  /* station_options.hw after a failed station_open: stopped, not destroyed
   * by station_free (it stays the caller's) */
  bool hw_borrowed;
  char *data_dir; /* owned (station_open, at most 511 characters as before); NULL after station_free
                   */
  char token[65];
  /* generated at this start, its file written in the late half (issue 15) */
  bool token_unwritten;
  borne_ms started_at;
  uint64_t started_real_ms;
  /* why this run started (station/boot_state.h), decided at the open */
  boot_reason start_reason;
  bool boot_marked; /* this run's start is recorded: its clean stop will be too */
  station_core core;
  /* one per connector (core.count), allocated by station_open, freed by
   * station_free: 8 of each (6.8 kB) in every station before, whatever its
   * connectors (a swarm station has 2) */
  station_connector *conn;
  connector_sm *core_conns; /* the core's connectors (sc_init) */
  /* the core's next deadline (made by the first, given back when none is
   * left: an idle station has none, 152 bytes each in a swarm) */
  lazy_timer core_timer;
  /* a passed deadline is judged in the check phase of the same turn, after
   * the inputs already waiting (the idle handle keeps poll from blocking);
   * both made when a deadline passes and given back once judged (240 bytes
   * an idle station does not hold) */
  uv_check_t *core_check;
  uv_idle_t *core_idle;
  uv_timer_t meter_timer;
  lazy_timer waiter_timer; /* a long poll's deadline (never in a swarm station) */
  /* STATION_MAX_WAITERS of them, allocated by the first long poll of the
   * event feed (a swarm station, without HTTP server, never has one: 2 kB) */
  events_waiter *waiters;
  int waiter_count;
  int64_t sample_interval_ms;
  bool selftest_done;
  int selftests_pending; /* connectors whose start-up self-test has not finished */
  bool closing;
  station_module *modules; /* grows as modules attach: no fixed cap */
  int module_count;
  int module_cap;
  station_authorize_fn authorize;
  void *authorize_ctx;
  /* the longest badge UID the back end's protocol carries whole (OCPP 1.6
   * idTag: 20, 2.x idToken: 36; 0: no limit): a longer one is refused, never
   * cut (station_set_badge_max) */
  int badge_max;
  /* why the badge question refusal_request is being refused (issue 19):
   * set by whoever refuses it, recorded as the auth_refused event's
   * reason, then cleared */
  uint32_t refusal_request;
  char refusal_reason[48];
  /* per connector, by station_set_meter_source (BORNE_MAX_CONNECTORS
   * entries, allocated by its first call: NULL, every meter the HAL's) */
  struct station_meter_source {
    station_meter_fn fn;
    void *ctx;
  } * meter_src;
  /* who manages the users and badges when not this station ("the leader
   * 10.0.0.11", set by the site module on a follower: docs/site.md); ""
   * here. The API and the page then show them read-only. */
  char *people_managed_by; /* PEOPLE_MANAGED_BY_MAX, allocated when set; NULL here */
  /* set by the daemon: the station asks to be stopped and started again */
  void (*on_restart)(void *ctx, bool hard);
  void *on_restart_ctx;
  bool restart_requested;
  bool restart_hard;
  /* station_reset_keeping_sessions: the close leaves the sessions open */
  bool keep_sessions;
  /* The start's second half (station_options.defer_late): attached from the
   * loop once the OCPP traffic after the first BootNotification's answer was
   * quiet (or after STATION_LATE_WAIT_MS, or before a session starts,
   * whichever is first). */
  lazy_timer late_timer; /* a deferred start's second half (never in a swarm station) */
  bool late_pending;
  bool https;
  /* set by the daemon: called once the whole station is up and its HTTP
   * server listens (err NULL), or when the second half of a deferred start
   * failed (err says why; the station is already closing). */
  void (*on_started)(void *ctx, const char *err);
  void *on_started_ctx;
  /* benchmark hook: called after outputs were applied for a connector */
  void (*on_outputs_applied)(void *ctx, int connector);
  void *on_outputs_applied_ctx;
  /* the limits that bind the whole station (station_set_site_limit),
   * allocated by the first one: NULL in a station without load management
   * (a swarm station: 128 bytes each) */
  limit_set *site_limits;
  bool site_limit_local_only; /* the same as limit_local_only, station-wide */
} station;

/* A module's attach function: reads its configuration, registers its routes
 * and hooks (station_add_module and the other extension points), returns -1
 * with one line in err when the station must not start. */
typedef int (*station_attach_fn)(station *st, char *err, size_t errlen);

/* The HTTPS files for the HTTP server, decided before it starts (the web
 * page module makes them): empty strings for plain HTTP, or -1 with why. */
typedef int (*station_tls_files_fn)(const config *cfg, const char *data_dir, char *cert,
                                    size_t certlen, char *key, size_t keylen, char *err,
                                    size_t errlen);

/* What a station is made of beyond its core: the daemon's list is
 * borne_station_parts (src/main/modules.h). The station itself knows no
 * module, so no module's code is reached from src/station. */
typedef struct station_parts {
  const station_attach_fn *attach; /* NULL-terminated, attached in this order */
  /* Attached after `attach`, once the OCPP link is connecting: what the first
   * BootNotification does not need (signed meter data, the web page, MQTT,
   * ...). NULL-terminated; NULL for none. See station_options.defer_late. */
  const station_attach_fn *attach_late;
  station_tls_files_fn tls_files; /* NULL: plain HTTP */
} station_parts;

typedef struct {
  const char *data_dir;
  config *cfg;
  /* The modules to attach; NULL: a bare station (core, store, HAL, HTTP). */
  const station_parts *parts;
  /* If set, the HAL to use (tests, benchmarks); otherwise built from hal.backend. */
  hal *hw;
  /* One of many stations in one process (borne-swarm): no HTTP server (st->http
   * stays NULL, http_add_route on it does nothing, http.listen is not used)
   * and a lean database connection (store_open_lean). */
  bool swarm;
  /* Start in two halves (issue 15): station_open does what the first
   * BootNotification needs (configuration, store, charge-point model, the
   * `attach` modules, whose OCPP link starts connecting) and returns; the
   * `attach_late` modules and the HTTP server's listening socket follow from
   * the loop once the BootNotification was answered and the OCPP traffic
   * after it (the first StatusNotifications) was quiet for
   * STATION_LATE_QUIET_MS, or after STATION_LATE_WAIT_MS, and always before
   * a session starts. The "ready"
   * log line and on_started come then; a failure then closes the station
   * (on_started gets why). false: everything before station_open returns. */
  bool defer_late;
  /* The store already open on data_dir/borne.db (borned opened it to read
   * the settings saved at run time), taken over by station_open, which
   * closes it when it fails; NULL: station_open opens it. Not for a swarm
   * station (its store is a lean one). */
  store *db;
} station_options;

/* The longest the second half of a deferred start waits (real ms from
 * station_open) for the first BootNotification's answer and the OCPP
 * traffic after it to go quiet for STATION_LATE_QUIET_MS. */
#define STATION_LATE_WAIT_MS 300
#define STATION_LATE_QUIET_MS 20

/* Opens the database, builds the hardware, runs the self-test, starts the
 * API (unless opt->swarm). On error returns -1 with one line in err; nothing
 * is left running, but handles may be closing (a failure after the HAL
 * started or a module attached closes the station): run the loop, then call
 * station_free(), which frees what the station still holds (its modules, its
 * connectors, its data directory, its store, the HAL it built) and is a
 * no-op when open freed everything itself. A HAL given in opt->hw stays the
 * caller's after a failure (stopped: destroy it after the loop ran). */
int station_open(station *st, uv_loop_t *loop, const station_options *opt, char *err,
                 size_t errlen);
/* Graceful stop: ends running sessions (reason Reboot), closes handles.
 * Run the loop afterwards until it returns, then call station_free(). */
void station_close(station *st);
void station_free(station *st);

/* Record an event durably and wake long-polling clients. */
void station_event(station *st, int connector, const char *kind, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The same with a reason (the event's `reason`, docs/api.md): a word a
 * program can test, e.g. "badge_disabled"; "" for none. */
void station_event_reason(station *st, int connector, const char *kind, const char *reason,
                          const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Present a badge (HAL reader, simulator, or the API). */
void station_tap(station *st, const char *uid);
/* Feed one core event for connector c and apply everything that follows. */
void station_connector_event(station *st, int c, const cs_event *ev);
int station_remote_start(station *st, int c, const char *uid, char *err, size_t errlen);
int station_remote_stop(station *st, int c, char *err, size_t errlen);
/* Remote start for a badge someone else already validated (the OCPP back
 * end): no local badge check. `user` may be NULL. */
int station_remote_start_authorized(station *st, int c, const char *uid, const char *user,
                                    char *err, size_t errlen);
/* Apply a runtime-changeable setting to the running station. */
void station_apply_setting(station *st, const char *key);
/* The station core's and every module's answer for a run-time setting
 * (station_module.setting_state): STALE when one of them cannot take the
 * configured value before a restart, else CURRENT when one takes it, else
 * UNUSED. After station_apply_setting(), STALE means the change needs a
 * restart: the API lists the key in restart_required, OCPP answers
 * RebootRequired. */
station_setting_state station_setting_use(station *st, const char *key);

/* Operator commands (OCPP, the owner page). */
/* Reserve connector c (0: any one) for uid or its group `parent` (may be NULL). */
int station_reserve(station *st, int connector, const char *uid, const char *parent, char *err,
                    size_t errlen);
/* Station-wide reservation `id` (the same id replaces it): any one connector
 * among those of `among` (bit c-1 for connector c, 0: every one) for uid or
 * its group; several are kept together (sc_reserve_any). -1 when the core
 * holds as many as it can. */
int station_reserve_any(station *st, int id, unsigned among, const char *uid, const char *parent);
/* Connector c's reservation ends (0: every station-wide one). */
void station_cancel_reservation(station *st, int connector);
/* The station-wide reservation `id` ends. */
void station_cancel_reservation_any(station *st, int id);
/* sc_can_reserve_any, sc_any_needs (station_core.h). */
bool station_can_reserve_any(const station *st, unsigned among, int except);
bool station_any_needs(const station *st, int connector, int except);
/* Connectors kept for station-wide reservations shown Reserved (OCPP 2.0.1
 * spoken) or not (1.6). */
void station_show_kept_reservations(station *st, bool on);
/* Withdraw the authorization of `uid` held for the next plug (sc_withdraw_held;
 * the event `auth_withdrawn`): 0, or -1 when none is held for it. */
int station_withdraw_held_authorization(station *st, const char *uid);
/* End the connector's session (reason UnlockCommand) and release the socket
 * lock. -1 with the reason (no such connector, a fixed cable); 0 when the
 * lock reads open already (or nothing is plugged: no cable to free); 1 when
 * the answer waits for the lock switch: the event `unlock_result` follows,
 * detail "Unlocked" or "UnlockFailed" (the switch still read locked
 * CS_UNLOCK_TIMEOUT_MS later), never from inside this call. */
int station_unlock(station *st, int connector, char *err, size_t errlen);
/* Stop every session (SoftReset / HardReset), close, and ask the daemon to
 * start again (it re-executes itself). Without a daemon hook: only stops.
 * `why` (LocalReset, RemoteReset, FirmwareUpdate) is recorded durably first:
 * the next start boots with it (station.start_reason). */
void station_reset(station *st, bool hard, boot_reason why);
/* A restart that ends no session (OCPP 2.1 Reset ImmediateAndResume): the
 * contactors open and each session's last reading is made durable, the
 * sessions stay open on disk as after a power cut, and the restarted station
 * resumes those whose car is still there within session.resume_timeout_s,
 * closing the others (PowerLoss), as after any interruption. */
void station_reset_keeping_sessions(station *st, boot_reason why);
/* Run the start-up self-test again on every connector (results in the
 * store and as `selftest` events; a failure latches its fault as at start).
 * Refused while a cable is plugged in or a self-test runs. */
int station_selftest_again(station *st, char *err, size_t errlen);
/* Make a connector operative or inoperative (takes effect after its session). */
void station_set_available(station *st, int connector, bool available);
/* A firmware install waits for the sessions to end (OCPP L01.FR.06/07):
 * every connector out of service (a charging one once its session ended),
 * apart from its owner's availability; false releases them. */
void station_hold_for_firmware(station *st, bool hold);
/* The authorization answer with the badge's group (OCPP parentIdTag). */
void station_auth_answer_parent(station *st, uint32_t request_id, bool accepted, const char *user,
                                const char *parent);
/* The same with the reason of a refusal (the auth_refused event's `reason`,
 * docs/api.md); reason is ignored when accepted. */
void station_auth_answer_reason(station *st, uint32_t request_id, bool accepted, const char *user,
                                const char *parent, const char *reason);

/* Extension points (see station_module above). */
int station_add_module(station *st, const station_module *m);
/* The same, its hooks run before those of the module named `before` (when
 * it is attached; else after all): a module that must act before another
 * one's hook (OCMF's end record before OCPP's StopTransaction) can attach
 * after it (issue 15: OCPP connects first, OCMF's key is made meanwhile). */
int station_add_module_before(station *st, const char *before, const station_module *m);
/* The ctx of the module attached under `name`, NULL when none: for a
 * module's own entry points called by another (network_cellular). */
void *station_module_ctx(const station *st, const char *name);
void station_set_authorizer(station *st, station_authorize_fn fn, void *ctx);
/* The longest badge UID the back end takes whole (0: no limit, the default):
 * station_remote_start (API, MQTT) refuses a longer badge (auth_refused,
 * reason token_too_long) instead of starting a session the back end would
 * hear under a cut badge. Set by the OCPP module for the dialect spoken. */
void station_set_badge_max(station *st, int max);
void station_auth_answer(station *st, uint32_t request_id, bool accepted, const char *user);
/* The local badge table's verdict: known, enabled, and its user enabled. */
bool station_authorize_locally(station *st, const char *uid, char *user, size_t userlen);
/* Why station_authorize_locally refuses uid: "badge_unknown",
 * "badge_disabled", "user_disabled"; "" when it accepts it. */
const char *station_local_refusal(station *st, const char *uid);
/* The connectors the badge's user may use (bit c-1); 0 = every one (no
 * user, no restriction, unknown badge). Local authorization and remote
 * starts with a badge refuse the others. */
unsigned station_badge_connectors(station *st, const char *uid);
void station_set_meter_source(station *st, int connector, station_meter_fn fn, void *ctx);
/* A limit from outside the core (load management, schedule, OCPP profile),
 * in amps per phase; < 0 clears it. */
void station_set_limit(station *st, int connector, limit_source src, double amps);
/* A limit that binds the whole station, every connector together (load
 * management: what the site's connection and borne's circuit leave for all
 * of borne's connectors), in amps per phase; < 0 clears it. Set by the module
 * that knows it, read by the others (OCPP 2.0.1: EVSE 0's
 * ChargingStationExternalConstraints). It limits no connector by itself:
 * the module shares it out through station_set_limit. */
void station_set_site_limit(station *st, limit_source src, double amps);
/* The station-wide limits as set above (none active: none known). */
void station_site_limits(const station *st, limit_set *out);
/* Whether load management's limit on connector c (0: its station-wide one)
 * protects the site's grid connection — its main breaker, subscription,
 * the grid operator's cap, or the fail-safe standing for them — (true, and
 * until told otherwise) or only borne's own charging circuit (false). Set
 * by the energy module with the limit, read by OCPP 2.0.1 (isGridCritical). */
void station_set_limit_grid_critical(station *st, int connector, bool critical);
bool station_limit_grid_critical(const station *st, int connector);

/* Publish a grid measurement to every module (energy management uses it). */
void station_grid_sample(station *st, const char *source, const grid_sample *g);

/* Read connector c's meter now (HAL or module source) into st->conn[c-1]. */
void station_read_meter(station *st, int connector);
/* Why the connector's meter last failed; "" when it never did. */
const char *station_meter_error(const station_connector *sc);

/* ---------- the station is closed: modules read views, change it through calls ----------
 * No code outside src/station reads or writes st->core (a unit test greps the
 * tree: tests/unit/test_station_closed.c). What a module may know of a
 * connector is this copy, taken when asked. */
typedef struct {
  connector_status status;
  error_code error;
  bool has_session;               /* a session runs (authorized, maybe paused or suspended) */
  bool finishing;                 /* the session ended while plugged: none until unplug */
  bool waiting_for_authorization; /* plugged, waiting for a badge or a remote start */
  char uid[BORNE_UID_MAX + 1];    /* the (last) session's badge */
  char user[BORNE_NAME_MAX + 1];  /* the (last) session's user, "" when unknown */
  cp_state cp;                    /* the control pilot state last measured */
  bool operative;                 /* available (OCPP ChangeAvailability, the owner page) */
  bool reserved;                  /* reserved (OCPP ReserveNow) for reserved_uid */
  char reserved_uid[BORNE_UID_MAX + 1];
  double offered_a;        /* current offered to the EV (per phase) */
  limit_source limited_by; /* what decides offered_a */
  limit_set limits;        /* every limit the core composes */
  cs_outputs outputs;      /* what the core wants the hardware to do */
  led_state led;           /* the connector's LED now */
  int phases;              /* 1 or 3, as installed */
  bool tethered;           /* fixed cable */
} station_connector_view;

int station_connector_count(const station *st);
/* Connector c (1..station_connector_count) as the core sees it now. */
void station_view(const station *st, int c, station_connector_view *out);
/* Single fields of station_view() without the copy. */
bool station_has_session(const station *st, int c);
/* The session goes on without its car (ocpp.StopTransactionOnEVSideDisconnect false). */
bool station_session_without_car(const station *st, int c);
/* A socket's cable is still in it while its car left. */
bool station_cable_without_car(const station *st, int c);
bool station_waiting_for_authorization(const station *st, int c);
/* The connector the held authorization waits on for its car, 0 none or
 * several (sc_held_connector). */
int station_held_connector(const station *st);
int station_connector_phases(const station *st, int c);
bool station_connector_tethered(const station *st, int c);
/* Would the reservations let `uid` (group `parent`, may be NULL) charge on
 * connector c: its own, and the station-wide ones (sc_reservations_admit)? */
bool station_reservation_admits(const station *st, int c, const char *uid, const char *parent);
/* The back end (OCPP) is reachable or not: the LED shows "offline". */
void station_set_offline(station *st, bool offline);
/* Is the back end configured and unreachable (as set above)? */
bool station_offline(const station *st);
/* A firmware image is being installed: the LED shows it, every connector
 * re-evaluates its outputs now. */
void station_set_firmware_updating(station *st, bool updating);
/* The OCPP module reports its traffic to the modules' ocpp_traffic hooks. */
void station_ocpp_traffic(station *st, const char *action, bool from_csms, int64_t latency_ms,
                          const char *errcode);

#endif
