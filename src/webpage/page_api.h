/*
 * Internal header of the web module's glue (src/webpage/page_*.c, webpage_module.c):
 * the module's state and the route groups.
 */
#ifndef BORNE_APP_API_WEB_H
#define BORNE_APP_API_WEB_H

#include "station/station.h"
#include "webpage/auth.h"
#include "webpage/pin.h"

#define WEB_MAX_STREAMS 16
/* The building's load kept for the dashboard's chart: the highest phase of
 * each minute over the last 48 hours (GET /api/v1/site/readings), in the
 * database (web_site_readings), so a restart keeps it. */
#define WEB_SITE_STEP_MS 60000
#define WEB_SITE_KEEP_MS (48LL * 3600 * 1000)

typedef struct {
  int64_t at;     /* station time of the minute's start */
  double amps;    /* highest phase, highest of the minute */
  double limit_a; /* site.limit_a then; < 0 when unset */
} web_site_point;
#define WEB_COOKIE "borne_session"

typedef struct web_stream web_stream;

typedef struct web_ctx {
  station *st;
  web_sessions sessions;
  int64_t session_saved_ms[WEB_SESSIONS_MAX]; /* each slot's expiry as last written to disk */
  web_lock_table locks;                       /* wrong PINs per client address and role */
  char pin_hash[3][WEB_PIN_HASH_MAX];         /* by web_role; "" = not set yet */
  int jobs;                                   /* worker jobs in flight */
  bool closing;
  /* The first-start setup code (canonical, DATA_DIR/setup-code), "" once
   * both PINs are set. */
  char setup_code[WEB_SETUP_CODE_CHARS + 1];
  char fingerprint[100];                  /* SHA-256 of the HTTPS certificate, "" without HTTPS */
  http_pending *streams[WEB_MAX_STREAMS]; /* GET /api/v1/events/stream clients */
  int64_t stream_last[WEB_MAX_STREAMS];   /* last event id sent to each */
  int stream_count;
  uv_timer_t heartbeat;
  int64_t meter_sent[BORNE_MAX_CONNECTORS]; /* web_now() of the last meter push */
  int64_t site_sent;                        /* web_now() of the last site_reading push */
  web_site_point site;                      /* the minute being measured, not yet stored */
  bool site_has;                            /* `site` holds a reading */
  bool uploading;                           /* a firmware image is being received */
  char upload_sha256[65];                   /* of the image in DATA_DIR/firmware.upload */
  int64_t upload_bytes;                     /* its size, -1 when not known */
} web_ctx;

/* Monotonic milliseconds for sessions and lock-outs (real time, not the
 * simulated station clock). */
int64_t web_now(const web_ctx *w);
/* The session of the request's cookie, or NULL. */
web_session *web_request_session(web_ctx *w, const http_request *req);

int web_auth_open(web_ctx *w, char *err, size_t errlen);
void api_web_static_routes(web_ctx *w);
void api_web_auth_routes(web_ctx *w);
void api_web_events_routes(web_ctx *w);
void web_events_push(web_ctx *w);
void web_events_close(web_ctx *w);
void web_events_meter_hook(station_module *m);
void api_web_public_routes(web_ctx *w);
void api_web_firmware_routes(web_ctx *w);
void api_web_selftest_routes(web_ctx *w);

#endif
