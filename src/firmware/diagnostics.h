/*
 * Diagnostics and log upload (OCPP 1.6 GetDiagnostics, security whitepaper
 * GetLog): a text archive of the station's records (identity, settings,
 * self-test results and the event log between two times, one JSON object per
 * line; a secret setting only as {"set": true|false}) is written by a worker
 * thread from its own read-only connection to the database (WAL lets it read
 * while the loop writes), then uploaded with
 * libcurl on the loop: ftp:// and ftps:// by upload to LOCATION/FILENAME,
 * http:// and https:// by a multipart POST with the file in part "file"; no
 * other scheme (curl_uv_url_allowed).
 */
#ifndef BORNE_FIRMWARE_DIAGNOSTICS_H
#define BORNE_FIRMWARE_DIAGNOSTICS_H

#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

#include "firmware/curl_uv.h"
#include "util/clock.h"

typedef enum {
  DIAG_IDLE,
  DIAG_UPLOADING,
  DIAG_UPLOADED,
  DIAG_UPLOAD_FAILED,
  DIAG_CANCELED, /* cancelled by a newer request (OCPP 2.0.1 N01.FR.12) */
} diag_status;

/* The REST API's and the log's name: "Idle", "Uploading", "Uploaded", "UploadFailed",
 * "Canceled". */
const char *diag_status_name(diag_status s);

typedef struct {
  const char *location; /* directory URL */
  int retries;
  int retry_interval_s;
  borne_ms start;     /* events from (0: the oldest) */
  borne_ms stop;      /* events until (0: now) */
  int request_id;     /* GetLog requestId; 0 for GetDiagnostics */
  bool security_only; /* GetLog SecurityLog: the security events, nothing else */
} diag_request;

typedef struct {
  uv_loop_t *loop;
  const station_clock *clock;
  const char *data_dir; /* has borne.db */
  const char *station_id;
  void (*on_status)(void *ctx, diag_status s, int request_id, const char *detail);
  void *ctx;
} diag_config;

typedef struct diagnostics diagnostics;

diagnostics *diagnostics_new(const diag_config *cfg, curl_uv *cu);
/* Starts collecting and uploading; writes the file name the back end will
 * receive into name. -1 with a reason when an upload runs already or there is
 * no location. A location whose scheme curl_uv_url_allowed refuses (file://,
 * gopher://, ...) is not used: -1, and the status becomes UploadFailed with
 * the reason. */
int diagnostics_upload(diagnostics *d, const diag_request *req, char *name, size_t namelen,
                       char *err, size_t errlen);
/* OCPP 2.0.1 N01.FR.12: a new GetLog cancels the running upload: its
 * transfer is aborted (the connection closed), a wait between attempts
 * stopped, the archive removed, and the status becomes Canceled (N01.FR.20:
 * the dialect says AcceptedCanceled with the cancelled request's id) before
 * this returns 1; while the archive is being written (a worker thread) the
 * job is let go, its archive removed once the worker is done, and a new
 * upload may start at once (its file named apart). 0 when nothing runs; -1
 * with the reason when it cannot be cancelled (kept for the callers: no
 * such case today). */
int diagnostics_cancel(diagnostics *d, char *err, size_t errlen);
bool diagnostics_busy(const diagnostics *d);
/* Close curl_uv first; frees once the loop has closed our handles. */
void diagnostics_close(diagnostics *d);

#endif
