/* The diagnostics and log archive, written off the loop and uploaded on it (see diagnostics.h). */
#include "firmware/diagnostics.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <jansson.h>
#include <sqlite3.h>

#include "config/config.h"
#include "util/log.h"
#include "util/timefmt.h"

#define MOD "diagnostics"

struct diagnostics {
  diag_config cfg;
  char *data_dir; /* owned */
  char station_id[64];
  curl_uv *cu;
  uv_timer_t timer;
  int open_handles;
  bool closing;
  bool collecting; /* the job's collect_work runs (a worker thread writes its path) */
  bool cancelling; /* diagnostics_cancel aborting the upload: its callback ends there */
  int detached;    /* cancelled jobs whose archive a worker thread still writes */
  unsigned jobs;   /* jobs started: a suffix while a detached one may hold the same name */
  diag_status status;
  char *location;
  int request_id;
  int retries_left;
  int retry_interval_s;
  /* the request being served, allocated by its upload (a swarm's thousands of
   * idle stations never upload: 2.3 kB each); a job cancelled while its
   * archive is being written is detached and freed when the worker is done */
  struct diag_job {
    uv_work_t work;
    diagnostics *d;
    bool cancelled;
    borne_ms start, stop;
    bool security_only;
    char name[160];
    char path[700];
    char url[1200];
    char work_error[200];
  } * job;
  FILE *in;
  curl_mime *mime;
};

static const char *const names[] = {"Idle", "Uploading", "Uploaded", "UploadFailed", "Canceled"};

const char *diag_status_name(diag_status s) {
  return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "?";
}

static void set_status(diagnostics *d, diag_status s, const char *detail) {
  d->status = s;
  log_info(MOD, "%s%s%s", diag_status_name(s), detail[0] ? ": " : "", detail);
  if (d->cfg.on_status) d->cfg.on_status(d->cfg.ctx, s, d->request_id, detail);
}

static void handle_done(diagnostics *d) {
  if (--d->open_handles > 0 || !d->closing) return;
  free(d->location);
  free(d->job);
  free(d->data_dir);
  free(d);
}

/* ---------- the archive (worker thread, own read-only connection) ---------- */

static void line(FILE *f, json_t *o) {
  char *text = json_dumps(o, JSON_COMPACT);
  if (text) fprintf(f, "%s\n", text);
  free(text);
  json_decref(o);
}

/* Reads only the job and what the diagnostics value never changes
 * (data_dir, station_id): the loop may cancel the job and start another
 * meanwhile. */
static void collect_work(uv_work_t *w) {
  struct diag_job *job = w->data;
  const diagnostics *d = job->d;
  job->work_error[0] = '\0';
  char db_path[600];
  snprintf(db_path, sizeof db_path, "%s/borne.db", d->data_dir);
  sqlite3 *db = NULL;
  FILE *f = fopen(job->path, "w");
  if (!f) {
    snprintf(job->work_error, sizeof job->work_error, "cannot write %s: %s", job->path,
             strerror(errno));
    return;
  }
  char now[40];
  timefmt_iso(clock_wall_ms(), now, sizeof now);
  line(f, json_pack("{s:s, s:s, s:s, s:s}", "record", "station", "id", d->station_id, "version",
                    BORNE_VERSION, "generated", now));
  if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
    snprintf(job->work_error, sizeof job->work_error, "cannot read the database: %s",
             db ? sqlite3_errmsg(db) : "out of memory");
    sqlite3_close(db);
    fclose(f);
    return;
  }
  sqlite3_busy_timeout(db, 2000);
  sqlite3_stmt *st;
  /* a security log is the security events alone (OCPP GetLog SecurityLog) */
  if (!job->security_only && sqlite3_prepare_v2(db, "SELECT key, value FROM settings ORDER BY key",
                                                -1, &st, NULL) == SQLITE_OK) {
    while (sqlite3_step(st) == SQLITE_ROW) {
      const char *key = (const char *)sqlite3_column_text(st, 0);
      const char *value = (const char *)sqlite3_column_text(st, 1);
      /* the archive may travel over plain ftp: a secret only says it is set */
      json_t *v = config_key_secret(config_key_def(key))
                      ? json_pack("{s:b}", "set", value && value[0])
                      : json_string(value ? value : "");
      line(f, json_pack("{s:s, s:s, s:o}", "record", "setting", "key", key ? key : "", "value", v));
    }
    sqlite3_finalize(st);
  }
  if (!job->security_only &&
      sqlite3_prepare_v2(db,
                         "SELECT at_ms, connector, check_name, ok, detail FROM selftest"
                         " ORDER BY rowid DESC LIMIT 200",
                         -1, &st, NULL) == SQLITE_OK) {
    while (sqlite3_step(st) == SQLITE_ROW) {
      char at[40];
      timefmt_iso(sqlite3_column_int64(st, 0), at, sizeof at);
      line(f, json_pack("{s:s, s:s, s:i, s:s, s:b, s:s}", "record", "selftest", "at", at,
                        "connector", sqlite3_column_int(st, 1), "check",
                        (const char *)sqlite3_column_text(st, 2), "ok", sqlite3_column_int(st, 3),
                        "detail", (const char *)sqlite3_column_text(st, 4)));
    }
    sqlite3_finalize(st);
  }
  if (sqlite3_prepare_v2(db,
                         job->security_only
                             ? "SELECT id, at_ms, connector, kind, detail FROM events"
                               " WHERE at_ms >= ? AND at_ms <= ? AND kind = 'security' ORDER BY id"
                             : "SELECT id, at_ms, connector, kind, detail FROM events"
                               " WHERE at_ms >= ? AND at_ms <= ? ORDER BY id",
                         -1, &st, NULL) == SQLITE_OK) {
    sqlite3_bind_int64(st, 1, job->start);
    sqlite3_bind_int64(st, 2, job->stop > 0 ? job->stop : INT64_MAX);
    while (sqlite3_step(st) == SQLITE_ROW) {
      char at[40];
      timefmt_iso(sqlite3_column_int64(st, 1), at, sizeof at);
      line(f, json_pack("{s:s, s:I, s:s, s:i, s:s, s:s}", "record", "event", "id",
                        (json_int_t)sqlite3_column_int64(st, 0), "at", at, "connector",
                        sqlite3_column_int(st, 2), "kind", (const char *)sqlite3_column_text(st, 3),
                        "detail", (const char *)sqlite3_column_text(st, 4)));
    }
    sqlite3_finalize(st);
  } else {
    snprintf(job->work_error, sizeof job->work_error, "cannot read the event log: %s",
             sqlite3_errmsg(db));
  }
  sqlite3_close(db);
  if (fclose(f) != 0 && !job->work_error[0])
    snprintf(job->work_error, sizeof job->work_error, "cannot write %s", job->path);
}

/* ---------- upload ---------- */

static void start_upload(diagnostics *d);

/* A form exists only once libcurl is loaded (curl_uv_load). */
static void free_mime(diagnostics *d) {
  if (d->mime) curl_uv_load(NULL, 0)->mime_free(d->mime);
  d->mime = NULL;
}

static void on_timer(uv_timer_t *t) {
  diagnostics *d = t->data;
  if (!d->closing) start_upload(d);
}

static void upload_done(void *ctx, CURLcode result, long code, const char *error) {
  diagnostics *d = ctx;
  if (d->in) fclose(d->in);
  d->in = NULL;
  free_mime(d);
  if (d->closing || d->cancelling) return;
  if (result == CURLE_OK) {
    unlink(d->job->path);
    set_status(d, DIAG_UPLOADED, d->job->name);
    return;
  }
  char detail[300];
  snprintf(detail, sizeof detail, "%s%s", error, code >= 400 ? " (the server refused it)" : "");
  if (d->retries_left > 0) {
    d->retries_left--;
    log_warn(MOD, "upload failed (%s); %d retries left", detail, d->retries_left);
    uv_timer_start(&d->timer, on_timer,
                   clock_real_delay_ms(d->cfg.clock, clock_now(d->cfg.clock) +
                                                         (borne_ms)d->retry_interval_s * 1000),
                   0);
    return;
  }
  unlink(d->job->path);
  set_status(d, DIAG_UPLOAD_FAILED, detail);
}

static bool scheme_is(const char *url, const char *scheme) {
  return strncasecmp(url, scheme, strlen(scheme)) == 0;
}

static void start_upload(diagnostics *d) {
  /* libcurl is loaded by the first transfer; without it this one fails at
   * once (retrying would not install it) */
  char why[400];
  const curl_fns *curl = curl_uv_load(why, sizeof why);
  if (!curl) {
    log_error(MOD, "%s", why);
    unlink(d->job->path);
    set_status(d, DIAG_UPLOAD_FAILED, why);
    return;
  }
  CURL *easy = curl->easy_init();
  if (!easy) {
    set_status(d, DIAG_UPLOAD_FAILED, "out of memory");
    return;
  }
  size_t n = strlen(d->location);
  bool slash = n > 0 && d->location[n - 1] == '/';
  if (scheme_is(d->location, "http://") || scheme_is(d->location, "https://")) {
    snprintf(d->job->url, sizeof d->job->url, "%s", d->location);
    d->mime = curl->mime_init(easy);
    curl_mimepart *part = curl->mime_addpart(d->mime);
    curl->mime_name(part, "file");
    curl->mime_filedata(part, d->job->path);
    curl->mime_filename(part, d->job->name);
    curl->mime_type(part, "application/x-ndjson");
    curl->easy_setopt(easy, CURLOPT_MIMEPOST, d->mime);
  } else {
    /* ftp://, ftps://: put LOCATION/NAME */
    snprintf(d->job->url, sizeof d->job->url, "%s%s%s", d->location, slash ? "" : "/",
             d->job->name);
    d->in = fopen(d->job->path, "rb");
    if (!d->in) {
      curl->easy_cleanup(easy);
      set_status(d, DIAG_UPLOAD_FAILED, "the archive disappeared");
      return;
    }
    curl->easy_setopt(easy, CURLOPT_UPLOAD, 1L);
    curl->easy_setopt(easy, CURLOPT_READDATA, d->in);
    curl->easy_setopt(easy, CURLOPT_FTP_CREATE_MISSING_DIRS, (long)CURLFTP_CREATE_DIR);
  }
  curl->easy_setopt(easy, CURLOPT_URL, d->job->url);
  curl->easy_setopt(easy, CURLOPT_FAILONERROR, 1L);
  curl->easy_setopt(easy, CURLOPT_CONNECTTIMEOUT, 30L);
  curl->easy_setopt(easy, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl->easy_setopt(easy, CURLOPT_LOW_SPEED_TIME, 60L);
  if (curl_uv_start(d->cu, easy, upload_done, d) != 0) {
    if (d->in) fclose(d->in);
    d->in = NULL;
    free_mime(d);
    set_status(d, DIAG_UPLOAD_FAILED, "cannot start the transfer");
  }
}

static void collect_done(uv_work_t *w, int status) {
  struct diag_job *job = w->data;
  diagnostics *d = job->d;
  if (job->cancelled) { /* detached by diagnostics_cancel: its archive goes */
    unlink(job->path);
    free(job);
    d->detached--;
    handle_done(d);
    return;
  }
  bool closing = d->closing;
  d->collecting = false;
  handle_done(d);
  if (closing) return;
  if (status != 0 || d->job->work_error[0]) {
    unlink(d->job->path);
    set_status(d, DIAG_UPLOAD_FAILED, status ? "cancelled" : d->job->work_error);
    return;
  }
  start_upload(d);
}

/* ---------- public ---------- */

static void timer_closed(uv_handle_t *h) { handle_done(h->data); }

diagnostics *diagnostics_new(const diag_config *cfg, curl_uv *cu) {
  diagnostics *d = calloc(1, sizeof *d);
  if (!d) return NULL;
  d->cfg = *cfg;
  d->data_dir = strdup(cfg->data_dir ? cfg->data_dir : "");
  if (!d->data_dir) {
    free(d);
    return NULL;
  }
  snprintf(d->station_id, sizeof d->station_id, "%s", cfg->station_id ? cfg->station_id : "");
  d->cu = cu;
  uv_timer_init(cfg->loop, &d->timer);
  d->timer.data = d;
  d->open_handles = 1;
  return d;
}

bool diagnostics_busy(const diagnostics *d) { return d->status == DIAG_UPLOADING; }

int diagnostics_cancel(diagnostics *d, char *err, size_t errlen) {
  (void)err;
  (void)errlen;
  if (!diagnostics_busy(d)) return 0;
  if (d->collecting) {
    /* the worker cannot be stopped: its job is detached, its archive
     * removed when it is done (collect_done); not started yet, it never runs */
    d->job->cancelled = true;
    uv_cancel((uv_req_t *)&d->job->work);
    d->job = NULL;
    d->collecting = false;
    d->detached++;
    set_status(d, DIAG_CANCELED, "cancelled by a new log request");
    return 1;
  }
  uv_timer_stop(&d->timer); /* a wait between attempts */
  d->cancelling = true;
  curl_uv_cancel(d->cu, d); /* upload_done closes the file and frees the form */
  d->cancelling = false;
  if (d->in) fclose(d->in);
  d->in = NULL;
  free_mime(d);
  unlink(d->job->path);
  set_status(d, DIAG_CANCELED, "cancelled by a new log request");
  return 1;
}

int diagnostics_upload(diagnostics *d, const diag_request *req, char *name, size_t namelen,
                       char *err, size_t errlen) {
  if (diagnostics_busy(d)) {
    snprintf(err, errlen, "an upload is already running");
    return -1;
  }
  if (!req->location || !req->location[0]) {
    snprintf(err, errlen, "no location");
    return -1;
  }
  if (!curl_uv_url_allowed(req->location, err, errlen)) {
    /* never handed to libcurl: file:// would write into the station's own
     * directories, gopher:// and the like send raw bytes to any host */
    d->request_id = req->request_id;
    set_status(d, DIAG_UPLOAD_FAILED, err);
    return -1;
  }
  if (!d->job && !(d->job = calloc(1, sizeof *d->job))) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  free(d->location);
  d->location = strdup(req->location);
  d->request_id = req->request_id;
  d->retries_left = req->retries > 0 ? req->retries : 0;
  d->retry_interval_s = req->retry_interval_s > 0 ? req->retry_interval_s : 0;
  d->job->start = req->start > 0 ? req->start : 0;
  d->job->stop = req->stop;
  d->job->security_only = req->security_only;
  /* borne-diagnostics-STATION-20261123T103000Z.jsonl: unique per second and station */
  char stamp[40];
  timefmt_iso(clock_now(d->cfg.clock), stamp, sizeof stamp);
  char compact[24];
  size_t o = 0;
  for (const char *p = stamp; *p && *p != '.' && o + 1 < sizeof compact; p++)
    if (*p != '-' && *p != ':') compact[o++] = *p;
  compact[o] = '\0';
  /* a cancelled job still being written may have the same second's name */
  char suffix[16] = "";
  d->jobs++;
  if (d->detached) snprintf(suffix, sizeof suffix, "-%u", d->jobs);
  snprintf(d->job->name, sizeof d->job->name, "borne-%s-%s-%sZ%s.jsonl",
           req->security_only ? "securitylog"
           : req->request_id  ? "log"
                              : "diagnostics",
           d->station_id, compact, suffix);
  snprintf(d->job->path, sizeof d->job->path, "%s/%s", d->data_dir, d->job->name);
  snprintf(name, namelen, "%s", d->job->name);
  set_status(d, DIAG_UPLOADING, d->job->name);
  d->job->work.data = d->job;
  d->job->d = d;
  d->open_handles++;
  d->collecting = true;
  uv_queue_work(d->cfg.loop, &d->job->work, collect_work, collect_done);
  return 0;
}

void diagnostics_close(diagnostics *d) {
  if (!d || d->closing) return;
  d->closing = true;
  if (d->in) fclose(d->in);
  d->in = NULL;
  free_mime(d);
  uv_timer_stop(&d->timer);
  uv_close((uv_handle_t *)&d->timer, timer_closed);
}
