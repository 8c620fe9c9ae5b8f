/*
 * A station is a value: its connectors' core state, its hardware, its
 * database, its HTTP API and its timers, all on one libuv loop passed in.
 * Nothing here is global, so one process could run many stations (load
 * tests). This module wires the pure core to the edges: HAL inputs become
 * core events, core outputs become HAL commands, core notes become durable
 * records and API events.
 */
#ifndef BORNE_APP_STATION_H
#define BORNE_APP_STATION_H

#include <stddef.h>
#include <uv.h>

#include "api/http.h"
#include "config/config.h"
#include "core/station_core.h"
#include "hal/hal.h"
#include "store/store.h"
#include "util/clock.h"

#define STATION_MAX_WAITERS 64

typedef struct {
  int64_t session_id; /* 0 when none */
  double session_start_wh;
  meter_reading meter; /* latest reading */
  bool meter_ok;
  char meter_error[128];
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
  store *db;
  hal *hw;
  http_server *http;
  bool sim;
  char data_dir[512];
  char token[65];
  borne_ms started_at;
  uint64_t started_real_ms;
  station_core core;
  station_connector conn[BORNE_MAX_CONNECTORS];
  uv_timer_t core_timer;
  uv_timer_t meter_timer;
  uv_timer_t waiter_timer;
  events_waiter waiters[STATION_MAX_WAITERS];
  int waiter_count;
  int64_t sample_interval_ms;
  bool selftest_done;
  int selftests_pending; /* connectors whose start-up self-test has not finished */
  bool closing;
  /* benchmark hook: called after outputs were applied for a connector */
  void (*on_outputs_applied)(void *ctx, int connector);
  void *on_outputs_applied_ctx;
} station;

typedef struct {
  const char *data_dir;
  config *cfg;
  /* If set, the HAL to use (tests, benchmarks); otherwise built from hal.backend. */
  hal *hw;
} station_options;

/* Opens the database, builds the hardware, runs the self-test, starts the
 * API. On error returns -1 with one line in err; nothing is left running. */
int station_open(station *st, uv_loop_t *loop, const station_options *opt, char *err,
                 size_t errlen);
/* Graceful stop: ends running sessions (reason Reboot), closes handles.
 * Run the loop afterwards until it returns, then call station_free(). */
void station_close(station *st);
void station_free(station *st);

/* Record an event durably and wake long-polling clients. */
void station_event(station *st, int connector, const char *kind, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Present a badge (HAL reader, simulator, or the API). */
void station_tap(station *st, const char *uid);
/* Feed one core event for connector c and apply everything that follows. */
void station_connector_event(station *st, int c, const cs_event *ev);
int station_remote_start(station *st, int c, const char *uid, char *err, size_t errlen);
int station_remote_stop(station *st, int c, char *err, size_t errlen);
/* Apply a runtime-changeable setting to the running station. */
void station_apply_setting(station *st, const char *key);

/* Routes in app/api_*.c register themselves here. */
void station_register_routes(station *st);

#endif
