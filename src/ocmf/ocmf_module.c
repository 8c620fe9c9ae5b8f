/*
 * OCMF on a station (see ocmf_glue.h): the session hooks that sign the begin
 * and end readings from the session's durable start and stop registers, the
 * on-demand intermediate reading, the routes, and the meter identity of each
 * connector (its Modbus meter's map and serial number, or the simulator's).
 */
#include "ocmf/ocmf_module.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timex.h>
#include <time.h>

#include "http/http_json.h"
#include "meter/meter_map.h"
#include "ocmf/ocmf.h"
#include "station/station.h"
#include "util/log.h"

#define MOD "ocmf"
#define TEXT_MAX 72

typedef struct {
  char vendor[TEXT_MAX], model[TEXT_MAX], serial[TEXT_MAX], firmware[TEXT_MAX];
  char cp_id[TEXT_MAX + 8];
} meter_identity;

typedef struct {
  char gateway_id[TEXT_MAX * 2], gateway_serial[TEXT_MAX];
  meter_identity meter[]; /* the station's connector count of them: 368 bytes each */
} ocmf_identity;

typedef struct {
  station *st;
  ocmf *o;
  int meters; /* the station's connector count */
  /* the gateway's and the meters' names, read from the configuration by the
   * first record (identity()): an idle swarm station signs none (0.9 kB) */
  ocmf_identity *id;
} ocmf_station;

static void on_free(void *ctx);

/* The station's own OCMF module, found in its module table (the entry whose
 * free hook is ours): no process-wide list, so stations in one process never
 * see each other's signer. */
struct ocmf *station_ocmf(struct station *st) {
  for (int i = 0; i < st->module_count; i++)
    if (st->modules[i].free == on_free) return ((ocmf_station *)st->modules[i].ctx)->o;
  return NULL;
}

static void copy(char *dst, size_t n, const char *src) { snprintf(dst, n, "%s", src ? src : ""); }

/* The maker's names that have a space ("Carlo Gavazzi"): the map's model
 * line is "<vendor> <model>" (the maps in meters/), split after the vendor. */
static void split_model(const char *text, meter_identity *m) {
  static const char *const two_words[] = {"Carlo Gavazzi", "Phoenix Contact", NULL};
  size_t cut = 0;
  for (int i = 0; two_words[i]; i++) {
    size_t n = strlen(two_words[i]);
    if (strncmp(text, two_words[i], n) == 0 && text[n] == ' ') cut = n;
  }
  if (!cut) {
    const char *sp = strchr(text, ' ');
    cut = sp ? (size_t)(sp - text) : strlen(text);
  }
  snprintf(m->vendor, sizeof m->vendor, "%.*s", (int)cut, text);
  copy(m->model, sizeof m->model, text[cut] ? text + cut + 1 : text);
}

static void identify_meters(ocmf_station *os, ocmf_identity *id) {
  station *st = os->st;
  const char *station_id = config_get(st->cfg, "station.id");
  for (int c = 1; c <= os->meters; c++) {
    meter_identity *m = &id->meter[c - 1];
    char key[96];
    snprintf(m->cp_id, sizeof m->cp_id, "%s %d", station_id ? station_id : "borne", c);
    snprintf(key, sizeof key, "connector.%d.meter", c);
    const char *name = config_get(st->cfg, key);
    if (!name || !name[0]) {
      /* the simulator's built-in meter (or none) */
      copy(m->vendor, sizeof m->vendor, "borne");
      copy(m->model, sizeof m->model, st->sim ? "simulated meter" : "none");
      snprintf(m->serial, sizeof m->serial, "%.40s-%d", station_id ? station_id : "borne", c);
      continue;
    }
    snprintf(key, sizeof key, "meter.%s.model", name);
    const char *model = config_get(st->cfg, key);
    const char *dir = config_get(st->cfg, "meter.maps_dir");
    meter_map *map = calloc(1, sizeof *map);
    char err[200];
    if (map && model &&
        meter_map_load(map, dir && dir[0] ? dir : meter_maps_dir_default(), model, err,
                       sizeof err) == 0)
      split_model(map->model, m);
    else
      copy(m->model, sizeof m->model, model);
    free(map);
    snprintf(key, sizeof key, "meter.%s.serial_number", name);
    const char *serial = config_get(st->cfg, key);
    copy(m->serial, sizeof m->serial, serial && serial[0] ? serial : name);
    snprintf(key, sizeof key, "meter.%s.firmware", name);
    copy(m->firmware, sizeof m->firmware, config_get(st->cfg, key));
  }
}

/* The gateway's and the meters' names, made by the first record from the
 * configuration as it is then (before issue 18's cut: at the start; a
 * change of these keys at run time, which waits for a restart, now also
 * reaches the records when made before the station's first one); NULL when
 * out of memory. */
static const ocmf_identity *identity(ocmf_station *os) {
  if (os->id) return os->id;
  const config *cfg = os->st->cfg;
  ocmf_identity *id = calloc(1, sizeof *id + (size_t)os->meters * sizeof id->meter[0]);
  if (!id) return NULL;
  const char *gi = config_get(cfg, "ocmf.gateway_id");
  if (gi && gi[0])
    copy(id->gateway_id, sizeof id->gateway_id, gi);
  else
    snprintf(id->gateway_id, sizeof id->gateway_id, "%s %s", config_get(cfg, "station.vendor"),
             config_get(cfg, "station.model"));
  const char *gs = config_get(cfg, "ocmf.gateway_serial");
  const char *serial = config_get(cfg, "station.serial");
  copy(id->gateway_serial, sizeof id->gateway_serial,
       gs && gs[0]           ? gs
       : serial && serial[0] ? serial
                             : config_get(cfg, "station.id"));
  identify_meters(os, id);
  os->id = id;
  return id;
}

/* Table 19: 'S' when the kernel says the system clock is synchronized (NTP)
 * and the station clock is the wall clock, else 'U'. */
static char time_status(const station *st) {
  if (st->clock.speed != 1.0) return 'U';
  struct timex tx = {.modes = 0};
  int state = adjtimex(&tx);
  return state != TIME_ERROR && !(tx.status & STA_UNSYNC) ? 'S' : 'U';
}

static int tz_offset_min(int64_t ms) {
  time_t t = (time_t)(ms / 1000);
  struct tm tm;
  if (!localtime_r(&t, &tm)) return 0;
  return (int)(tm.tm_gmtoff / 60);
}

/* Build, sign and store one record of connector c; kind B, C or E. `origin`
 * (NULL: none) is told in its station event. */
static int emit_from(ocmf_station *os, int c, int64_t session_id, const char *uid, char kind,
                     int64_t at_ms, double wh, bool meter_ok, const char *origin, char *out,
                     size_t outlen, char *err, size_t errlen) {
  if (c < 1 || c > os->meters) {
    snprintf(err, errlen, "ocmf: no connector %d", c);
    return -1;
  }
  const ocmf_identity *id = identity(os);
  if (!id) {
    snprintf(err, errlen, "ocmf: out of memory");
    return -1;
  }
  const meter_identity *m = &id->meter[c - 1];
  ocmf_payload p = {
      .gateway_id = id->gateway_id,
      .gateway_serial = id->gateway_serial,
      .gateway_version = BORNE_VERSION,
      .meter_vendor = m->vendor[0] ? m->vendor : NULL,
      .meter_model = m->model[0] ? m->model : NULL,
      .meter_serial = m->serial,
      .meter_firmware = m->firmware[0] ? m->firmware : NULL,
      .id_data = uid,
      .cp_type = "CBIDC",
      .cp_id = m->cp_id,
      .reading_count = 1,
  };
  /* Table 10: G when the register was read, F (READ_ERROR) when the value is
   * the last one known because the meter did not answer. */
  p.readings[0] = (ocmf_reading){at_ms, tz_offset_min(at_ms), time_status(os->st), kind,
                                 wh,    meter_ok ? 'G' : 'F'};
  char rec[OCMF_RECORD_MAX];
  if (ocmf_emit_origin(os->o, &p, session_id, c, kind, at_ms, origin, rec, sizeof rec, err,
                       errlen) != 0)
    return -1;
  station_event(os->st, c, "ocmf", "{\"session\":%lld,\"kind\":\"%c\",\"pagination\":%llu%s%s%s}",
                (long long)session_id, kind, (unsigned long long)p.pagination,
                origin ? ",\"origin\":\"" : "", origin ? origin : "", origin ? "\"" : "");
  if (out && outlen) copy(out, outlen, rec);
  return 0;
}

static int emit(ocmf_station *os, int c, int64_t session_id, const char *uid, char kind,
                int64_t at_ms, double wh, bool meter_ok, char *out, size_t outlen, char *err,
                size_t errlen) {
  return emit_from(os, c, session_id, uid, kind, at_ms, wh, meter_ok, NULL, out, outlen, err,
                   errlen);
}

static void on_started(void *ctx, int c, const station_session_info *s) {
  ocmf_station *os = ctx;
  if (s->resumed) return; /* its begin record was made before the restart */
  char err[200];
  if (emit(os, c, s->id, s->uid, 'B', s->start_ms, s->meter_start_wh, os->st->conn[c - 1].meter_ok,
           NULL, 0, err, sizeof err) != 0) {
    log_error(MOD, "connector %d: session %lld: no begin record: %s", c, (long long)s->id, err);
    station_event(os->st, c, "ocmf_error", "%s", err);
  }
}

static void on_stopped(void *ctx, int c, const station_session_info *s) {
  ocmf_station *os = ctx;
  char err[200];
  if (emit(os, c, s->id, s->uid, 'E', s->stop_ms, s->meter_stop_wh, os->st->conn[c - 1].meter_ok,
           NULL, 0, err, sizeof err) != 0) {
    log_error(MOD, "connector %d: session %lld: no end record: %s", c, (long long)s->id, err);
    station_event(os->st, c, "ocmf_error", "%s", err);
  }
}

static json_t *pubkey_json(ocmf_station *os) {
  char hex[OCMF_PUBKEY_HEX_MAX] = "", pem[OCMF_PUBKEY_PEM_MAX] = "";
  ocmf_key_pubkey_hex(ocmf_signing_key(os->o), hex, sizeof hex);
  ocmf_key_pubkey_pem(ocmf_signing_key(os->o), pem, sizeof pem);
  return json_pack("{s:s,s:s,s:s,s:s,s:s}", "hex", hex, "pem", pem, "format",
                   "DER SubjectPublicKeyInfo", "signature_algorithm", OCMF_SIGNATURE_ALGORITHM,
                   "source", ocmf_source_name(os->o));
}

/* The key is loaded (or made) at its first use; while it cannot be, 503
 * with why (and an ocmf_error event). */
static int get_pubkey(void *ctx, const http_request *req, http_response *res) {
  (void)req;
  ocmf_station *os = ctx;
  char err[256];
  if (ocmf_key_ensure(os->o, err, sizeof err) != 0) {
    log_error(MOD, "%s", err);
    station_event(os->st, 0, "ocmf_error", "%s", err);
    http_json_error(res, 503, "no OCMF signing key: %s", err);
    return 0;
  }
  http_json_body(res, pubkey_json(ctx));
  return 0;
}

static int collect_record(void *ctx, const ocmf_record_row *r) {
  char kind[2] = {r->kind, '\0'};
  json_t *one = json_pack("{s:I,s:s,s:I,s:o,s:s}", "pagination", (json_int_t)r->pagination, "kind",
                          kind, "connector", (json_int_t)r->connector, "time", json_time(r->at_ms),
                          "record", r->record);
  /* a transaction's periodic or clock-aligned OCPP reading (issue 16) */
  if (one && r->origin && r->origin[0]) json_object_set_new(one, "origin", json_string(r->origin));
  json_array_append_new(ctx, one);
  return 0;
}

static int get_session_records(void *ctx, const http_request *req, http_response *res) {
  ocmf_station *os = ctx;
  char *end;
  long long id = strtoll(req->params[0], &end, 10);
  session_row row;
  if (*end || id < 1 || store_session_get(os->st->db, id, &row) != 0)
    return http_json_error(res, 404, "no session `%s`", req->params[0]), 0;
  char kerr[256];
  if (ocmf_key_ensure(os->o, kerr, sizeof kerr) != 0) /* public_key empty then */
    log_warn(MOD, "%s", kerr);
  json_t *list = json_array();
  if (ocmf_session_records(os->o, id, collect_record, list) != 0) {
    json_decref(list);
    return http_json_error(res, 500, "cannot read the OCMF records of session %lld", id), 0;
  }
  http_json_body(res, json_pack("{s:I,s:o,s:o}", "session", (json_int_t)id, "records", list,
                                "public_key", pubkey_json(os)));
  return 0;
}

static int post_intermediate(void *ctx, const http_request *req, http_response *res) {
  ocmf_station *os = ctx;
  station *st = os->st;
  int c = http_connector_param(req, 0, station_connector_count(st), res);
  if (c < 0) return 0;
  station_connector *sc = &st->conn[c - 1];
  if (!sc->session_id)
    return http_json_error(res, 409, "connector %d has no session to sign a reading of", c), 0;
  station_read_meter(st, c);
  if (!sc->meter_ok)
    return http_json_error(res, 503, "connector %d: meter: %s", c, station_meter_error(sc)), 0;
  session_row row;
  const char *uid = store_session_get(st->db, sc->session_id, &row) == 0 ? row.uid : "";
  char rec[OCMF_RECORD_MAX], err[200];
  int64_t now = clock_now(&st->clock);
  if (emit(os, c, sc->session_id, uid, 'C', now, sc->meter.energy_import_wh, true, rec, sizeof rec,
           err, sizeof err) != 0)
    return http_json_error(res, 500, "%s", err), 0;
  http_json_body(res, json_pack("{s:I,s:s,s:s}", "session", (json_int_t)sc->session_id, "kind", "C",
                                "record", rec));
  return 0;
}

int ocmf_sign_intermediate(station *st, int c, int64_t session_id, int64_t at_ms, double wh,
                           char tx, char *out, size_t outlen, char *err, size_t errlen) {
  ocmf_station *os = NULL;
  for (int i = 0; i < st->module_count && !os; i++)
    if (st->modules[i].free == on_free) os = st->modules[i].ctx;
  if (!os) {
    snprintf(err, errlen, "ocmf: signing is off (ocmf.enabled)");
    return -1;
  }
  session_row row;
  const char *uid = store_session_get(st->db, session_id, &row) == 0 ? row.uid : "";
  if (tx != 'C' && tx != 'T') {
    snprintf(err, errlen, "ocmf: an intermediate reading's TX is C or T, not %c", tx ? tx : '0');
    return -1;
  }
  return emit_from(os, c, session_id, uid, tx, at_ms, wh, true, "ocpp", out, outlen, err, errlen);
}

static void on_free(void *ctx) {
  ocmf_station *os = ctx;
  ocmf_close(os->o);
  free(os->id);
  free(os);
}

int ocmf_schema_attach(station *st, char *err, size_t errlen) {
  if (!config_get_bool(st->cfg, "ocmf.enabled")) return 0;
  return ocmf_schema(st->db, err, errlen);
}

int ocmf_attach(station *st, char *err, size_t errlen) {
  if (!config_get_bool(st->cfg, "ocmf.enabled")) return 0;
  int meters = station_connector_count(st);
  if (meters < 0) meters = 0;
  ocmf_station *os = calloc(1, sizeof *os);
  if (!os) {
    snprintf(err, errlen, "ocmf: out of memory");
    return -1;
  }
  os->st = st;
  os->meters = meters;
  const char *key_file = config_get(st->cfg, "ocmf.key_file");
  char path[600];
  /* the station's own key is loaded or made at its first use (issue 15) */
  ocmf_options opt = {path, true, true};
  if (key_file && key_file[0]) {
    copy(path, sizeof path, key_file);
    opt.create_key = false; /* an installer's key: never replaced by a new one */
    opt.defer_key = false;  /* checked now: a missing or wrong one stops the start */
  } else {
    snprintf(path, sizeof path, "%s/ocmf-key.pem", st->data_dir);
  }
  if (ocmf_open(&os->o, st->db, &opt, err, errlen) != 0) {
    free(os);
    return -1;
  }
  station_module m = {
      .name = "ocmf",
      .ctx = os,
      .session_started = on_started,
      .session_stopped = on_stopped,
      .free = on_free,
  };
  /* attached after OCPP (which starts connecting first, issue 15), its
   * hooks run before OCPP's: the end record exists when StopTransaction is
   * sent, and the begin record when StartTransaction is */
  if (station_add_module_before(st, "ocpp", &m) != 0) {
    ocmf_close(os->o);
    free(os);
    snprintf(err, errlen, "ocmf: too many station modules");
    return -1;
  }
  http_add_route(st->http, &(http_route){"GET", "/api/v1/ocmf/pubkey", get_pubkey, os});
  http_add_route(st->http,
                 &(http_route){"GET", "/api/v1/sessions/{id}/ocmf", get_session_records, os});
  http_add_route(st->http,
                 &(http_route){"POST", "/api/v1/connectors/{id}/ocmf", post_intermediate, os});
  char hex[OCMF_PUBKEY_HEX_MAX] = "";
  if (ocmf_signing_key(os->o)) {
    ocmf_key_pubkey_hex(ocmf_signing_key(os->o), hex, sizeof hex);
    log_info(MOD, "signing OCMF records with %s (public key %.24s...)", path, hex);
  } else {
    log_info(MOD, "signing OCMF records with %s (loaded or made at its first use)", path);
  }
  return 0;
}
