/*
 * Station wiring: HAL inputs -> core events -> (HAL commands, durable
 * records, API events). Everything runs on the one loop; nothing blocks but
 * SQLite commits, which are the durability point by design (a session start
 * or stop is on disk before the loop moves on). This file must never decide
 * charging behaviour itself: that is the core's job.
 */
#include "station/station.h"
#include "station/boot_state.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "station/events.h"
#include "station/hw_factory.h"
#include "core/errors.h"
#include "util/log.h"
#include "util/secret_file.h"
#include "util/timefmt.h"

#define MOD "station"

static void handle_notes(station *st, sc_notes *notes, int depth);
static void arm_core_timer(station *st);
static void release_resumed(station *st, int c, borne_ms now);
static int record_event(station *st, int connector, const char *kind, const char *detail,
                        const char *reason);
static void publish_event(station *st, int connector, const char *kind, const char *detail);
static void publish_recorded(station *st, int connector, const char *kind, const char *detail);

/* ---------- small helpers ---------- */

static borne_ms now_of(const station *st) { return clock_now(&st->clock); }

static int connector_count(const station *st) { return st->core.count; }

static int load_or_create_token(station *st, char *err, size_t errlen) {
  char path[600];
  snprintf(path, sizeof path, "%s/api-token", st->data_dir);
  FILE *f = fopen(path, "r");
  if (f) {
    size_t n = fread(st->token, 1, sizeof st->token - 1, f);
    fclose(f);
    st->token[n] = '\0';
    st->token[strcspn(st->token, "\r\n")] = '\0';
    if (strlen(st->token) >= 16) return 0;
    snprintf(err, errlen, "%s: token too short; delete the file to get a new one", path);
    return -1;
  }
  /* the kernel's random source: no OpenSSL DRBG set up on the start path */
  unsigned char raw[24];
  if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw) {
    snprintf(err, errlen, "cannot generate an API token: no random source");
    return -1;
  }
  for (size_t i = 0; i < sizeof raw; i++) snprintf(st->token + 2 * i, 3, "%02x", raw[i]);
  /* one of many stations has no HTTP API: nobody is ever told its token, so
   * it is not written (the file's fsync was one of a swarm station's first
   * start's two waits for the disk on the loop) */
  if (st->swarm) return 0;
  /* its file (created, written, synced: one wait for the disk) is written
   * in the start's late half, before the HTTP server listens (issue 15: not
   * on the way to the first BootNotification); nothing reads it before the
   * API is up, and a stop before then leaves none: the next start makes one */
  st->token_unwritten = true;
  return 0;
}

static int write_token(station *st, char *err, size_t errlen) {
  if (!st->token_unwritten) return 0;
  char path[600];
  snprintf(path, sizeof path, "%s/api-token", st->data_dir);
  if (secret_file_create(path, st->token, err, errlen) != 0) return -1;
  st->token_unwritten = false;
  return 0;
}

static void connector_key(char *out, size_t len, int c, const char *key) {
  snprintf(out, len, "connector.%d.%s", c, key);
}

static double cfg_num(const station *st, int c, const char *key) {
  char k[96];
  connector_key(k, sizeof k, c, key);
  return config_get_number(st->cfg, k);
}

static bool cfg_bool(const station *st, int c, const char *key) {
  char k[96];
  connector_key(k, sizeof k, c, key);
  return config_get_bool(st->cfg, k);
}

static void connector_config_from(const station *st, int c, connector_config *cc) {
  *cc = (connector_config){0};
  cc->id = c;
  cc->phases = (int)cfg_num(st, c, "phases");
  cc->selector_a = config_selector_amps(st->cfg, c);
  cc->breaker_a = cfg_num(st, c, "breaker_a");
  cc->tethered = cfg_bool(st, c, "tethered");
  cc->permanent_lock = cfg_bool(st, c, "permanent_lock");
  cc->ventilation_allowed = cfg_bool(st, c, "ventilation");
  cc->rcd_auto_retries = (int)cfg_num(st, c, "rcd_auto_retries");
  cc->derate_temp_c = cfg_num(st, c, "derate_temp_c");
  cc->max_temp_c = cfg_num(st, c, "max_temp_c");
  /* the OCPP keys are the station's settings, whatever the dialect spoken
   * (one store: the 2.0.1 variables map to the same keys) */
  cc->keep_session_on_ev_disconnect =
      !config_get_bool(st->cfg, "ocpp.StopTransactionOnEVSideDisconnect");
  cc->keep_lock_on_ev_disconnect =
      !config_get_bool(st->cfg, "ocpp.UnlockConnectorOnEVSideDisconnect");
}

/* The OCPP keys the connectors' state machines read (EV side disconnect). */
static bool ev_side_key(const char *key) {
  return strcmp(key, "ocpp.StopTransactionOnEVSideDisconnect") == 0 ||
         strcmp(key, "ocpp.UnlockConnectorOnEVSideDisconnect") == 0;
}

/* ---------- applying the core's decisions ---------- */

static void apply_outputs(station *st, int c) {
  station_connector *sc = &st->conn[c - 1];
  const cs_outputs *want = cs_outputs_of(&st->core.conn[c - 1]);
  const hal_ops *ops = st->hw->ops;
  /* Safety order: open the contactor before anything else changes, close it last. */
  if (!sc->applied_valid || (sc->applied.contactor_closed && !want->contactor_closed)) {
    log_debug(MOD, "connector %d: contactor %s", c, want->contactor_closed ? "close" : "open");
    ops->set_contactor(st->hw, c, want->contactor_closed);
  }
  if (!sc->applied_valid || sc->applied.pwm_permille != want->pwm_permille)
    ops->set_pwm(st->hw, c, want->pwm_permille);
  if (!sc->applied_valid || sc->applied.lock_engaged != want->lock_engaged)
    ops->set_lock(st->hw, c, want->lock_engaged);
  if (sc->applied_valid && !sc->applied.contactor_closed && want->contactor_closed) {
    log_debug(MOD, "connector %d: contactor close", c);
    ops->set_contactor(st->hw, c, true);
  }
  sc->applied = *want;
  sc->applied_valid = true;
  led_state led = sc_led(&st->core, c, now_of(st));
  if (!sc->led_valid || led != sc->led) {
    sc->led = led;
    sc->led_valid = true;
    ops->set_led(st->hw, c, led_look_of(led));
  }
  if (st->on_outputs_applied) st->on_outputs_applied(st->on_outputs_applied_ctx, c);
}

#define METER_ERROR_MAX 128

const char *station_meter_error(const station_connector *sc) {
  return sc->meter_error ? sc->meter_error : "";
}

static void free_connectors(station *st) {
  for (int c = 0; st->conn && c < st->core.count; c++) free(st->conn[c].meter_error);
  free(st->conn);
}

void station_read_meter(station *st, int c) {
  station_connector *sc = &st->conn[c - 1];
  meter_reading r;
  char why_buf[128] = "";
  const struct station_meter_source *src =
      st->meter_src && st->meter_src[c - 1].fn ? &st->meter_src[c - 1] : NULL;
  int rc = src ? src->fn(src->ctx, c, &r, why_buf, sizeof why_buf)
               : st->hw->ops->read_meter(st->hw, c, &r);
  if (rc == 0) {
    r.at = now_of(st);
    if (!sc->meter_ok && sc->meter_error && sc->meter_error[0])
      station_event(st, c, "meter_ok", "meter answers again");
    sc->meter = r;
    sc->meter_ok = true;
    if (sc->meter_error) sc->meter_error[0] = '\0';
    for (int m = 0; m < st->module_count; m++)
      if (st->modules[m].meter_read) st->modules[m].meter_read(st->modules[m].ctx, c, &r);
  } else {
    const char *why = src ? why_buf : st->hw->ops->last_error(st->hw);
    if (sc->meter_ok || strcmp(station_meter_error(sc), why) != 0)
      station_event(st, c, "meter_error", "%s", why);
    sc->meter_ok = false;
    if (!sc->meter_error) sc->meter_error = malloc(METER_ERROR_MAX);
    if (sc->meter_error) snprintf(sc->meter_error, METER_ERROR_MAX, "%s", why);
  }
}

/* The sample and the session's progress; inside a batch of the caller's. */
static void store_sample_writes(station *st, int c) {
  station_connector *sc = &st->conn[c - 1];
  if (!sc->meter_ok) return;
  if (store_meter_sample(st->db, c, &sc->meter) != 0) {
    log_error(MOD, "connector %d: cannot store meter sample: %s", c, store_last_error(st->db));
    return;
  }
  if (sc->session_id &&
      store_session_progress(st->db, sc->session_id, sc->meter.energy_import_wh) != 0)
    log_error(MOD, "session %lld: cannot store progress: %s", (long long)sc->session_id,
              store_last_error(st->db));
  sc->last_sample_at = sc->meter.at;
}

/* A periodic sample: the sample and the progress in one durable commit. */
static void store_sample(station *st, int c) {
  bool batch = store_batch_begin(st->db) == 0;
  store_sample_writes(st, c);
  if (batch && store_batch_end(st->db) != 0)
    log_error(MOD, "connector %d: cannot store meter sample: %s", c, store_last_error(st->db));
}

static void run_late(station *st);

/* Tell the modules about a session the store just recorded. */
static void notify_session_id(station *st, int c, int64_t id, bool stopped, stop_reason reason,
                              bool resumed) {
  /* a deferred start's second half (OCMF among it) hears of every session */
  run_late(st);
  session_row row;
  if (store_session_get(st->db, id, &row) != 0) return;
  station_session_info info = {.id = row.id,
                               .uid = row.uid,
                               .user = row.user,
                               .start_ms = row.start_ms,
                               .stop_ms = stopped ? row.stop_ms : 0,
                               .meter_start_wh = row.meter_start_wh,
                               .meter_stop_wh = row.meter_stop_wh,
                               .reason = reason,
                               .resumed = resumed,
                               .restarted = resumed};
  for (int m = 0; m < st->module_count; m++) {
    const station_module *mod = &st->modules[m];
    if (stopped && mod->session_stopped) mod->session_stopped(mod->ctx, c, &info);
    if (!stopped && mod->session_started) mod->session_started(mod->ctx, c, &info);
  }
}

static void notify_session(station *st, int c, bool stopped, stop_reason reason, bool resumed) {
  notify_session_id(st, c, st->conn[c - 1].session_id, stopped, reason, resumed);
}

static void notify_status(station *st, int c) {
  const connector_sm *sm = &st->core.conn[c - 1];
  for (int m = 0; m < st->module_count; m++)
    if (st->modules[m].status_changed)
      st->modules[m].status_changed(st->modules[m].ctx, c, cs_status(sm), cs_error(sm));
}

static void session_started(station *st, int c) {
  station_connector *sc = &st->conn[c - 1];
  const connector_sm *sm = &st->core.conn[c - 1];
  station_read_meter(st, c);
  double wh = sc->meter_ok ? sc->meter.energy_import_wh : 0.0;
  const char *uid = cs_session_uid(sm);
  if (sc->resume_session_id && strcmp(sc->resume_uid, uid) == 0) {
    sc->session_id = sc->resume_session_id;
    session_row row;
    sc->session_start_wh =
        store_session_get(st->db, sc->session_id, &row) == 0 ? row.meter_start_wh : wh;
    sc->resume_session_id = 0;
    station_event(st, c, "session_resume", "{\"session\":%lld}", (long long)sc->session_id);
    notify_session(st, c, false, STOP_NONE, true);
    return;
  }
  /* The session row, its first meter sample, its session_start event and
   * what the modules write when they hear of it (the OCPP journal's
   * StartTransaction, OCMF's begin record and its number) are one durable
   * commit (a store batch). Nothing leaves the station before that commit:
   * the events are published and the OCPP queue sends only once it is on
   * disk (store_after_commit); when it fails nothing is sent or published
   * (the modules were told of a session that is not on disk, and
   * session_id stays 0: as if the session row had failed). Without a batch
   * (the database refused to begin one) each write commits on its own. */
  bool batch = store_batch_begin(st->db) == 0;
  int64_t id = 0;
  if (store_session_begin(st->db, c, uid, sm->user, now_of(st), wh, &id) != 0) {
    log_error(MOD, "connector %d: cannot record session start: %s", c, store_last_error(st->db));
    if (batch) store_batch_end(st->db);
    return;
  }
  sc->session_id = id;
  sc->session_start_wh = wh;
  store_sample_writes(st, c);
  char detail[256];
  snprintf(detail, sizeof detail, "{\"session\":%lld,\"badge\":\"%s\",\"meter_wh\":%.1f}",
           (long long)id, uid, wh);
  if (record_event(st, c, "session_start", detail, "") == 0)
    publish_recorded(st, c, "session_start", detail);
  notify_session(st, c, false, STOP_NONE, false);
  if (batch && store_batch_end(st->db) != 0) {
    /* nothing of it is on disk: as if the session row had failed */
    log_error(MOD, "connector %d: cannot record session start: %s", c, store_last_error(st->db));
    sc->session_id = 0;
  }
}

static void session_stopped(station *st, int c, stop_reason reason) {
  station_connector *sc = &st->conn[c - 1];
  if (!sc->session_id) return;
  station_read_meter(st, c);
  double wh = sc->meter_ok ? sc->meter.energy_import_wh : sc->session_start_wh;
  /* The last sample, the stop, the session_stop event and what the modules
   * write when they hear of it (StopTransaction, OCMF's end record) in one
   * durable commit, nothing sent or published before it (as at the start). */
  bool batch = store_batch_begin(st->db) == 0;
  if (sc->meter_ok) store_sample_writes(st, c);
  if (store_session_end(st->db, sc->session_id, now_of(st), wh, reason) != 0) {
    log_error(MOD, "session %lld: cannot record stop: %s", (long long)sc->session_id,
              store_last_error(st->db));
  }
  char detail[256];
  snprintf(detail, sizeof detail, "{\"session\":%lld,\"reason\":\"%s\",\"energy_wh\":%.1f}",
           (long long)sc->session_id, stop_reason_name(reason), wh - sc->session_start_wh);
  if (record_event(st, c, "session_stop", detail, "") == 0)
    publish_recorded(st, c, "session_stop", detail);
  notify_session(st, c, true, reason, false);
  if (batch && store_batch_end(st->db) != 0)
    /* the session stays open on disk; the next start closes it */
    log_error(MOD, "session %lld: cannot record stop: %s", (long long)sc->session_id,
              store_last_error(st->db));
  sc->session_id = 0;
}

static void handle_cs_note(station *st, int c, const cs_note *n) {
  const connector_sm *sm = &st->core.conn[c - 1];
  switch (n->type) {
  case CS_NOTE_STATUS:
    station_event(st, c, "status", "%s", connector_status_name(n->status));
    log_info(MOD, "connector %d: %s", c, connector_status_name(n->status));
    notify_status(st, c);
    break;
  case CS_NOTE_SESSION_START:
    session_started(st, c);
    break;
  case CS_NOTE_SESSION_STOP:
    session_stopped(st, c, n->reason);
    break;
  case CS_NOTE_ERROR: {
    const error_info *e = error_info_of(n->error);
    station_event(st, c, "error", "%d %s", (int)n->error, e->owner_text);
    log_warn(MOD, "connector %d: error %d: %s", c, (int)n->error, e->owner_text);
    notify_status(st, c);
    break;
  }
  case CS_NOTE_ERROR_CLEARED:
    station_event(st, c, "error_cleared", "{\"code\":%d}", (int)n->error);
    notify_status(st, c);
    break;
  case CS_NOTE_OFFERED: {
    limit_source by;
    double a = cs_offered_current(sm, &by);
    log_debug(MOD, "connector %d: offered %.1f A (%s)", c, a,
              by == LIMIT_COUNT ? "none" : limit_source_name(by));
    break;
  }
  case CS_NOTE_UNLOCKED:
    station_event(st, c, "unlock_result", "%s", "Unlocked");
    break;
  case CS_NOTE_UNLOCK_FAILED:
    log_warn(MOD, "connector %d: unlock failed: the lock still reads locked after %d ms", c,
             CS_UNLOCK_TIMEOUT_MS);
    station_event(st, c, "unlock_result", "%s", "UnlockFailed");
    break;
  }
}

typedef struct {
  uint32_t id;
  char uid[BORNE_UID_MAX + 1];
} auth_request;

const char *station_local_refusal(station *st, const char *uid) {
  badge_row b;
  if (store_badge_get(st->db, uid, &b) != 0) return "badge_unknown";
  if (!b.enabled) return "badge_disabled";
  user_row u;
  if (b.user_id && (store_user_get(st->db, b.user_id, &u) != 0 || !u.enabled))
    return "user_disabled";
  return "";
}

/* Local authorization: a known, enabled badge whose user (if any) is enabled. */
bool station_authorize_locally(station *st, const char *uid, char *user, size_t userlen) {
  badge_row b;
  user[0] = '\0';
  if (store_badge_get(st->db, uid, &b) != 0 || !b.enabled) return false;
  if (b.user_id) {
    user_row u;
    if (store_user_get(st->db, b.user_id, &u) != 0 || !u.enabled) return false;
    snprintf(user, userlen, "%s", u.name);
  }
  return true;
}

/* The name of the local user a badge belongs to (whatever its state): true
 * when it has one. */
static bool badge_local_user(station *st, const char *uid, char *user, size_t userlen) {
  badge_row b;
  user_row u;
  user[0] = '\0';
  if (!uid || !uid[0] || store_badge_get(st->db, uid, &b) != 0 || !b.user_id ||
      store_user_get(st->db, b.user_id, &u) != 0)
    return false;
  snprintf(user, userlen, "%s", u.name);
  return user[0] != '\0';
}

/* Does a reservation (of a connector, or of any) hold for this group? */
static bool reserved_for_group(const station *st, const char *group) {
  if (!group || !group[0]) return false;
  for (int c = 1; c <= st->core.count; c++) {
    const connector_sm *sm = &st->core.conn[c - 1];
    if (sm->reserved && strcmp(sm->reserved_parent, group) == 0) return true;
  }
  for (int i = 0; i < st->core.n_any; i++)
    if (strcmp(st->core.any[i].parent, group) == 0) return true;
  return false;
}

unsigned station_badge_connectors(station *st, const char *uid) {
  badge_row b;
  unsigned allowed = 0;
  if (uid && uid[0] && store_badge_get(st->db, uid, &b) == 0 && b.user_id &&
      store_user_connectors_get(st->db, b.user_id, &allowed) != 0)
    allowed = 0;
  return allowed;
}

static void handle_notes(station *st, sc_notes *notes, int depth) {
  auth_request requests[4];
  int request_count = 0;
  /* Outputs first: a contactor that must open opens before any record is
   * written, and a stop reading is taken once no more energy flows. */
  for (int c = 1; c <= connector_count(st); c++) apply_outputs(st, c);
  for (int i = 0; i < notes->count; i++) {
    const sc_note *n = &notes->notes[i];
    switch (n->type) {
    case SC_NOTE_CONNECTOR:
      handle_cs_note(st, n->connector, &n->cs);
      break;
    case SC_NOTE_AUTH_REQUEST:
      if (request_count < 4) {
        requests[request_count].id = n->request_id;
        snprintf(requests[request_count].uid, sizeof requests[0].uid, "%s", n->uid);
        request_count++;
      }
      break;
    case SC_NOTE_AUTH_REFUSED: {
      char reason[sizeof st->refusal_reason] = "";
      if (st->refusal_reason[0] && n->request_id == st->refusal_request)
        snprintf(reason, sizeof reason, "%s", st->refusal_reason);
      st->refusal_reason[0] = '\0';
      station_event_reason(st, n->connector, "auth_refused", reason, "%s", n->uid);
      break;
    }
    case SC_NOTE_AUTH_ACCEPTED:
      station_event(st, n->connector, "auth_accepted", "%s", n->uid);
      break;
    case SC_NOTE_AUTH_EXPIRED:
      station_event(st, n->connector, "auth_expired", "%s", n->uid);
      break;
    case SC_NOTE_AUTH_NOT_ALLOWED:
      station_event_reason(st, n->connector, "auth_refused", "connector_not_allowed",
                           "%s: its user may not charge on connector %d (Users and badges)", n->uid,
                           n->connector);
      break;
    case SC_NOTE_AUTH_RESERVED:
      station_event_reason(st, n->connector, "auth_refused", "connector_reserved",
                           "%s: connector %d is reserved for another badge", n->uid, n->connector);
      break;
    }
  }
  for (int c = 1; c <= connector_count(st); c++) apply_outputs(st, c); /* LEDs after notes */
  for (int i = 0; i < request_count && st->authorize; i++)
    st->authorize(st->authorize_ctx, requests[i].id, requests[i].uid);
  for (int i = 0; i < request_count && !st->authorize && depth < 4; i++) {
    char user[BORNE_NAME_MAX + 1] = "";
    /* a badge the back end could only hear cut (station_set_badge_max) */
    bool too_long = st->badge_max && strlen(requests[i].uid) > (size_t)st->badge_max;
    bool ok = !too_long && station_authorize_locally(st, requests[i].uid, user, sizeof user);
    unsigned allowed = ok ? station_badge_connectors(st, requests[i].uid) : 0;
    if (!ok) {
      st->refusal_request = requests[i].id;
      snprintf(st->refusal_reason, sizeof st->refusal_reason, "%s",
               too_long ? "token_too_long" : station_local_refusal(st, requests[i].uid));
    }
    sc_notes more = {0};
    /* the user's name is the badge's group: a local reservation for a user
     * (src/reservation) admits each of the user's badges */
    sc_auth_result_allowed(&st->core, requests[i].id, ok, ok ? user : NULL,
                           ok && user[0] ? user : NULL, allowed, now_of(st), &more);
    handle_notes(st, &more, depth + 1);
  }
  arm_core_timer(st);
}

/* ---------- extension points ---------- */

int station_add_module(station *st, const station_module *m) {
  if (st->module_count == st->module_cap) {
    /* 8, then one by one: a station has 9 to 16 modules, and a swarm
     * thousands of stations (each slot 112 bytes; a few more copies at the
     * start cost less than the slots left empty) */
    int cap = st->module_cap ? st->module_cap + 1 : 8;
    station_module *grown = realloc(st->modules, (size_t)cap * sizeof *grown);
    if (!grown) return -1;
    st->modules = grown;
    st->module_cap = cap;
  }
  st->modules[st->module_count++] = *m;
  return 0;
}

void *station_module_ctx(const station *st, const char *name) {
  for (int i = 0; i < st->module_count; i++)
    if (st->modules[i].name && strcmp(st->modules[i].name, name) == 0) return st->modules[i].ctx;
  return NULL;
}

int station_add_module_before(station *st, const char *before, const station_module *m) {
  if (station_add_module(st, m) != 0) return -1;
  int at = st->module_count - 1;
  for (int i = 0; i < at; i++) {
    if (st->modules[i].name && strcmp(st->modules[i].name, before) == 0) {
      station_module keep = st->modules[at];
      memmove(&st->modules[i + 1], &st->modules[i], (size_t)(at - i) * sizeof keep);
      st->modules[i] = keep;
      break;
    }
  }
  return 0;
}

void station_set_authorizer(station *st, station_authorize_fn fn, void *ctx) {
  st->authorize = fn;
  st->authorize_ctx = ctx;
}

void station_set_badge_max(station *st, int max) { st->badge_max = max > 0 ? max : 0; }

void station_auth_answer(station *st, uint32_t request_id, bool accepted, const char *user) {
  station_auth_answer_parent(st, request_id, accepted, user, NULL);
}

void station_auth_answer_parent(station *st, uint32_t request_id, bool accepted, const char *user,
                                const char *parent) {
  station_auth_answer_reason(st, request_id, accepted, user, parent, "");
}

void station_auth_answer_reason(station *st, uint32_t request_id, bool accepted, const char *user,
                                const char *parent, const char *reason) {
  if (st->closing) return;
  if (!accepted) {
    st->refusal_request = request_id;
    snprintf(st->refusal_reason, sizeof st->refusal_reason, "%s", reason ? reason : "");
  }
  /* A local reservation for a user (the reception's, POST /reservations)
   * holds for each of the user's badges whoever authorizes them: the back
   * end answers with its own parent id (or none), so when that matches no
   * reservation the badge's local user stands as its group. */
  char group[BORNE_NAME_MAX + 1];
  if (accepted && request_id == st->core.pending_request_id && !reserved_for_group(st, parent) &&
      badge_local_user(st, st->core.pending_uid, group, sizeof group) &&
      reserved_for_group(st, group))
    parent = group;
  sc_notes notes = {0};
  sc_auth_result_parent(&st->core, request_id, accepted, user, parent, now_of(st), &notes);
  handle_notes(st, &notes, 0);
}

int station_reserve(station *st, int c, const char *uid, const char *parent, char *err,
                    size_t errlen) {
  if (c < 0 || c > connector_count(st)) {
    snprintf(err, errlen, "no connector %d", c);
    return -1;
  }
  sc_notes notes = {0};
  sc_reserve(&st->core, c, uid, parent, now_of(st), &notes);
  station_event(st, c, "reserved", "%s", uid ? uid : "");
  handle_notes(st, &notes, 0);
  return 0;
}

int station_reserve_any(station *st, int id, unsigned among, const char *uid, const char *parent) {
  sc_notes notes = {0};
  if (sc_reserve_any(&st->core, id, among, uid, parent, now_of(st), &notes) != 0) return -1;
  station_event(st, 0, "reserved", "%s", uid ? uid : "");
  handle_notes(st, &notes, 0);
  return 0;
}

void station_cancel_reservation(station *st, int c) {
  if (c < 0 || c > connector_count(st)) return;
  sc_notes notes = {0};
  sc_cancel_reservation(&st->core, c, now_of(st), &notes);
  station_event(st, c, "reservation_ended", "%s", "");
  handle_notes(st, &notes, 0);
}

void station_cancel_reservation_any(station *st, int id) {
  sc_notes notes = {0};
  if (!sc_cancel_reservation_any(&st->core, id, now_of(st), &notes)) return;
  station_event(st, 0, "reservation_ended", "%s", "");
  handle_notes(st, &notes, 0);
}

bool station_can_reserve_any(const station *st, unsigned among, int except) {
  return sc_can_reserve_any(&st->core, among, except);
}

bool station_any_needs(const station *st, int c, int except) {
  return sc_any_needs(&st->core, c, except);
}

void station_show_kept_reservations(station *st, bool on) {
  if (st->core.show_kept == on) return;
  sc_notes notes = {0};
  sc_show_kept(&st->core, on, now_of(st), &notes);
  handle_notes(st, &notes, 0);
}

int station_withdraw_held_authorization(station *st, const char *uid) {
  if (!sc_withdraw_held(&st->core, uid)) return -1;
  station_event(st, 0, "auth_withdrawn", "%s", uid);
  sc_notes notes = {0};
  handle_notes(st, &notes, 0); /* the LEDs no longer show it */
  return 0;
}

int station_unlock(station *st, int c, char *err, size_t errlen) {
  if (c < 1 || c > connector_count(st)) {
    snprintf(err, errlen, "no connector %d", c);
    return -1;
  }
  if (st->core.conn[c - 1].cfg.tethered) {
    snprintf(err, errlen, "connector %d has a fixed cable: nothing to unlock", c);
    return -1;
  }
  station_event(st, c, "unlock", "%s", "operator command");
  station_connector_event(st, c, &(cs_event){.type = CS_EV_UNLOCK});
  /* the HAL reports the switch from the loop, never from inside set_lock */
  return cs_unlock_pending(&st->core.conn[c - 1]) ? 1 : 0;
}

void station_set_available(station *st, int c, bool available) {
  station_event(st, c, "availability", "%s", available ? "operative" : "inoperative");
  station_connector_event(st, c, &(cs_event){.type = CS_EV_AVAILABILITY, .flag = available});
}

void station_hold_for_firmware(station *st, bool hold) {
  station_event(st, 0, "availability", "%s",
                hold ? "held for the firmware install" : "released after the firmware install");
  for (int c = 1; c <= connector_count(st); c++)
    station_connector_event(st, c, &(cs_event){.type = CS_EV_HOLD, .flag = hold});
}

static void reset_cb(uv_timer_t *t) {
  station *st = t->data;
  uv_close((uv_handle_t *)t, (uv_close_cb)free);
  if (st->on_restart)
    st->on_restart(st->on_restart_ctx, st->restart_hard); /* the daemon closes the station */
  else
    station_close(st);
}

/* Close on the next loop turn: the caller (an API or OCPP handler) answers first. */
static void restart_soon(station *st, bool hard) {
  st->restart_requested = true;
  st->restart_hard = hard;
  uv_timer_t *t = malloc(sizeof *t);
  if (!t) return;
  uv_timer_init(st->loop, t);
  t->data = st;
  uv_timer_start(t, reset_cb, 0, 0);
}

void station_reset(station *st, bool hard, boot_reason why) {
  if (st->closing) return;
  station_boot_record(st, why);
  station_event(st, 0, "reset", "%s", hard ? "hard" : "soft");
  for (int c = 1; c <= connector_count(st); c++)
    if (cs_has_session(&st->core.conn[c - 1]))
      station_connector_event(
          st, c,
          &(cs_event){.type = CS_EV_STOP, .reason = hard ? STOP_HARD_RESET : STOP_SOFT_RESET});
  restart_soon(st, hard);
}

void station_reset_keeping_sessions(station *st, boot_reason why) {
  if (st->closing) return;
  station_boot_record(st, why);
  station_event(st, 0, "reset", "%s", "soft, sessions kept");
  st->keep_sessions = true;
  restart_soon(st, false);
}

void station_set_meter_source(station *st, int c, station_meter_fn fn, void *ctx) {
  if (c < 1 || c > BORNE_MAX_CONNECTORS) return;
  if (!st->meter_src && !(st->meter_src = calloc(BORNE_MAX_CONNECTORS, sizeof *st->meter_src))) {
    log_error(MOD, "out of memory: connector %d keeps the HAL's meter", c);
    return;
  }
  st->meter_src[c - 1] = (struct station_meter_source){fn, ctx};
}

void station_grid_sample(station *st, const char *source, const grid_sample *g) {
  if (st->closing) return;
  for (int m = 0; m < st->module_count; m++)
    if (st->modules[m].grid_sample) st->modules[m].grid_sample(st->modules[m].ctx, source, g);
}

void station_set_limit(station *st, int c, limit_source src, double amps) {
  station_connector_event(st, c, &(cs_event){.type = CS_EV_LIMIT, .limit_src = src, .value = amps});
}

void station_set_site_limit(station *st, limit_source src, double amps) {
  if (!st->site_limits) {
    if (amps < 0) return;
    st->site_limits = calloc(1, sizeof *st->site_limits);
    if (!st->site_limits) return; /* out of memory: not known, as before any */
  }
  if (amps < 0)
    limits_clear(st->site_limits, src);
  else
    limits_set(st->site_limits, src, amps);
}

void station_site_limits(const station *st, limit_set *out) {
  if (st->site_limits)
    *out = *st->site_limits;
  else
    memset(out, 0, sizeof *out);
}

void station_set_limit_grid_critical(station *st, int c, bool critical) {
  if (c == 0)
    st->site_limit_local_only = !critical;
  else if (c >= 1 && c <= station_connector_count(st))
    st->conn[c - 1].limit_local_only = !critical;
}

bool station_limit_grid_critical(const station *st, int c) {
  if (c == 0) return !st->site_limit_local_only;
  return !(c >= 1 && c <= station_connector_count(st) && st->conn[c - 1].limit_local_only);
}

/* ---------- timers ---------- */

static void handle_freed(uv_handle_t *h) { free(h); }

/* The check and idle handles of a passed deadline, given back (the loop
 * frees them after their close). */
static void release_core_check(station *st) {
  if (st->core_check) {
    uv_check_stop(st->core_check);
    uv_close((uv_handle_t *)st->core_check, handle_freed);
    st->core_check = NULL;
  }
  if (st->core_idle) {
    uv_idle_stop(st->core_idle);
    uv_close((uv_handle_t *)st->core_idle, handle_freed);
    st->core_idle = NULL;
  }
}

static void core_check_cb(uv_check_t *h) {
  station *st = h->data;
  release_core_check(st);
  if (st->closing) return;
  sc_notes notes = {0};
  sc_timer(&st->core, now_of(st), &notes);
  handle_notes(st, &notes, 0);
}

static void idle_noop(uv_idle_t *h) { (void)h; }

/* A deadline passed (contactor or lock feedback, EV leaving state C...):
 * judge it only once the inputs already waiting are delivered (a HAL event
 * queued, a GPIO edge not yet read). Timers run before I/O in a loop turn,
 * so after a busy spell (an fsync on a slow SD card, seconds of simulated
 * time at a high --sim-speed) a feedback that came in time would otherwise
 * be judged missing and latch a false "welded contactor" fault. A stall in
 * the poll phase itself (a command whose feedback is queued, then an fsync)
 * still makes the check late: the core then takes a second look instead of
 * judging (connector.c, feedback_due). */
static void core_timer_cb(uv_timer_t *t) {
  station *st = t->data;
  if (st->core_check) return; /* the check is already due this turn */
  st->core_check = malloc(sizeof *st->core_check);
  st->core_idle = malloc(sizeof *st->core_idle);
  if (!st->core_check || !st->core_idle) { /* no memory: judged now, as a timer would */
    free(st->core_check);
    free(st->core_idle);
    st->core_check = NULL;
    st->core_idle = NULL;
    if (st->closing) return;
    sc_notes notes = {0};
    sc_timer(&st->core, now_of(st), &notes);
    handle_notes(st, &notes, 0);
    return;
  }
  uv_check_init(st->loop, st->core_check);
  uv_idle_init(st->loop, st->core_idle);
  st->core_check->data = st->core_idle->data = st;
  uv_idle_start(st->core_idle, idle_noop);
  uv_check_start(st->core_check, core_check_cb);
}

static void close_station_handles(station *st) {
  lazy_timer_close(&st->late_timer);
  lazy_timer_close(&st->core_timer);
  release_core_check(st);
  uv_close((uv_handle_t *)&st->meter_timer, NULL);
  lazy_timer_close(&st->waiter_timer);
}

static void arm_core_timer(station *st) {
  if (st->closing) return;
  borne_ms next = sc_next_deadline(&st->core);
  if (next == INT64_MAX) {
    lazy_timer_release(&st->core_timer);
    return;
  }
  /* At least 1 real ms, even for a deadline already passed: the core's second
   * look at a feedback judged late (connector.c, feedback_due) must come after
   * one more turn that reads the inputs. A 0 ms timer started from a timer
   * callback would run in the same pass (libuv < 1.45), and at a high
   * --sim-speed a second look a few station ms ahead may have passed already. */
  uint64_t ms = clock_real_delay_ms(&st->clock, next);
  if (lazy_timer_start(&st->core_timer, st->loop, core_timer_cb, st, ms > 0 ? ms : 1, 0) != 0)
    log_error(MOD, "no timer for the core's next deadline (out of memory)");
}

static uint64_t meter_period_real_ms(const station *st) {
  double ms = 1000.0 / st->clock.speed;
  if (ms < 50) ms = 50;
  return (uint64_t)ms;
}

static void meter_timer_cb(uv_timer_t *t) {
  station *st = t->data;
  borne_ms now = now_of(st);
  for (int c = 1; c <= connector_count(st); c++) {
    station_connector *sc = &st->conn[c - 1];
    release_resumed(st, c, now);
    station_read_meter(st, c);
    if (!sc->meter_ok) continue;
    if (st->core.conn[c - 1].out.contactor_closed) {
      double imax =
          fmax(sc->meter.current_a[0], fmax(sc->meter.current_a[1], sc->meter.current_a[2]));
      station_connector_event(st, c, &(cs_event){.type = CS_EV_CURRENT, .value = imax});
    }
    if (sc->session_id && now - sc->last_sample_at >= st->sample_interval_ms) store_sample(st, c);
  }
}

/* ---------- HAL listener ---------- */

static void on_cp(void *ctx, int c, cp_state s, bool diode_ok) {
  station *st = ctx;
  if (s == CP_A && c >= 1 && c <= connector_count(st) && cs_has_session(&st->core.conn[c - 1])) {
    /* the car leaves: does its session outlive it? The setting, unless a
     * module needs the session ended (asked now, the core cannot) */
    connector_config *cfg = &st->core.conn[c - 1].cfg;
    cfg->keep_session_on_ev_disconnect =
        !config_get_bool(st->cfg, "ocpp.StopTransactionOnEVSideDisconnect");
    for (int m = 0; m < st->module_count && cfg->keep_session_on_ev_disconnect; m++)
      if (st->modules[m].car_leaving_ends_session &&
          st->modules[m].car_leaving_ends_session(st->modules[m].ctx, c))
        cfg->keep_session_on_ev_disconnect = false;
  }
  station_connector_event(st, c, &(cs_event){.type = CS_EV_CP, .cp = s, .diode_ok = diode_ok});
}
static void on_pp(void *ctx, int c, double ohms) {
  station_connector_event(ctx, c, &(cs_event){.type = CS_EV_PP, .value = ohms});
}
static void on_lock(void *ctx, int c, bool locked) {
  station *st = ctx;
  st->conn[c - 1].locked_feedback = locked;
  station_connector_event(st, c, &(cs_event){.type = CS_EV_LOCK_FEEDBACK, .flag = locked});
}
static void on_contactor(void *ctx, int c, bool closed) {
  log_debug(MOD, "connector %d: contactor feedback %s", c, closed ? "closed" : "open");
  station_connector_event(ctx, c, &(cs_event){.type = CS_EV_CONTACTOR_FEEDBACK, .flag = closed});
}
static void on_rcd(void *ctx, int c, bool dc) {
  station_connector_event(ctx, c, &(cs_event){.type = CS_EV_RCD_TRIP, .flag = dc});
}
static void on_temperature(void *ctx, int c, double celsius) {
  station *st = ctx;
  st->conn[c - 1].temperature_c = celsius;
  station_connector_event(st, c, &(cs_event){.type = CS_EV_TEMPERATURE, .value = celsius});
}
static void on_badge(void *ctx, const char *uid) { station_tap(ctx, uid); }

/* ---------- public ---------- */

void station_connector_event(station *st, int c, const cs_event *ev) {
  if (c < 1 || c > connector_count(st) || st->closing) return;
  const connector_sm *sm = &st->core.conn[c - 1];
  bool was_plugged = cs_plugged(sm);
  sc_notes notes = {0};
  sc_connector_event(&st->core, c, ev, now_of(st), &notes);
  handle_notes(st, &notes, 0);
  /* a session kept without its car (ocpp.StopTransactionOnEVSideDisconnect
   * false) sees its car leave and come back with no status of its own
   * (SuspendedEV before and after): said to the modules, whose view differs
   * (2.0.1: Available without the car, E10) */
  if (cs_plugged(sm) != was_plugged && cs_has_session(sm)) notify_status(st, c);
  /* a car plugged into (or taken from) a reserved connector — or one kept
   * for station-wide reservations — leaves it Reserved (OCPP 1.6 4.9, 2.0.1
   * G01.FR.09): no status tells it, this event does (the 2.0.1 dialect
   * starts its transaction at the plug) */
  if (cs_plugged(sm) != was_plugged && (sm->reserved || sm->kept) &&
      cs_status(sm) == STATUS_RESERVED)
    station_event(st, c, "reserved_plug", "%s", was_plugged ? "out" : "in");
}

void station_tap(station *st, const char *uid) {
  if (st->closing) return;
  /* One spelling per badge ("04:a1" is "04A1"), as in the badge table, so
   * that the session's badge and a later tap of the same card compare equal.
   * Text that is no UID goes on as read and is refused by validation. */
  char norm[BORNE_UID_MAX + 1], why[128];
  if (store_uid_normalize(uid, norm, sizeof norm, why, sizeof why) == 0) uid = norm;
  station_event(st, 0, "tap", "%s", uid);
  sc_notes notes = {0};
  sc_tap(&st->core, uid, now_of(st), &notes);
  handle_notes(st, &notes, 0);
}

static int remote_start(station *st, int c, const char *uid, const char *user, char *err,
                        size_t errlen) {
  if (cs_has_session(&st->core.conn[c - 1])) {
    snprintf(err, errlen, "connector %d already has a session", c);
    return -1;
  }
  sc_notes notes = {0};
  sc_remote_start(&st->core, c, uid ? uid : "", user ? user : "", now_of(st), &notes);
  handle_notes(st, &notes, 0);
  return 0;
}

int station_remote_start(station *st, int c, const char *uid, char *err, size_t errlen) {
  if (c < 1 || c > connector_count(st)) {
    snprintf(err, errlen, "no connector %d", c);
    return -1;
  }
  char user[BORNE_NAME_MAX + 1] = "";
  if (uid && st->badge_max && strlen(uid) > (size_t)st->badge_max) {
    snprintf(err, errlen, "badge %s is longer than the %d characters the back end takes", uid,
             st->badge_max);
    station_event_reason(st, c, "auth_refused", "token_too_long", "%s: longer than %d characters",
                         uid, st->badge_max);
    return -1;
  }
  if (uid && uid[0] && !station_authorize_locally(st, uid, user, sizeof user)) {
    snprintf(err, errlen, "badge %s is unknown or disabled", uid);
    return -1;
  }
  unsigned allowed = uid && uid[0] ? station_badge_connectors(st, uid) : 0;
  if (allowed && !((allowed >> (c - 1)) & 1u)) {
    snprintf(err, errlen, "%s may not charge on connector %d (Users and badges)",
             user[0] ? user : uid, c);
    station_event_reason(st, c, "auth_refused", "connector_not_allowed",
                         "%s: its user may not charge on connector %d", uid, c);
    return -1;
  }
  return remote_start(st, c, uid, user, err, errlen);
}

int station_remote_start_authorized(station *st, int c, const char *uid, const char *user,
                                    char *err, size_t errlen) {
  if (c < 1 || c > connector_count(st)) {
    snprintf(err, errlen, "no connector %d", c);
    return -1;
  }
  return remote_start(st, c, uid, user, err, errlen);
}

int station_remote_stop(station *st, int c, char *err, size_t errlen) {
  if (c < 1 || c > connector_count(st)) {
    snprintf(err, errlen, "no connector %d", c);
    return -1;
  }
  if (!cs_has_session(&st->core.conn[c - 1])) {
    snprintf(err, errlen, "connector %d has no session to stop", c);
    return -1;
  }
  station_connector_event(st, c, &(cs_event){.type = CS_EV_STOP, .reason = STOP_REMOTE});
  return 0;
}

/* store.max_size_mb in bytes (0: no bound). */
static int64_t max_size_bytes(const station *st) {
  return config_get_int(st->cfg, "store.max_size_mb") * 1024 * 1024;
}

static void apply_setting_core(station *st, const char *key);

void station_apply_setting(station *st, const char *key) {
  apply_setting_core(st, key);
  for (int m = 0; m < st->module_count; m++)
    if (st->modules[m].setting_changed) st->modules[m].setting_changed(st->modules[m].ctx, key);
}

static station_setting_state core_setting_state(station *st, const char *key);

station_setting_state station_setting_use(station *st, const char *key) {
  station_setting_state use = core_setting_state(st, key);
  for (int m = 0; m < st->module_count && use != SETTING_STALE; m++) {
    if (!st->modules[m].setting_state) continue;
    station_setting_state s = st->modules[m].setting_state(st->modules[m].ctx, key);
    if (s != SETTING_UNUSED) use = s == SETTING_STALE ? SETTING_STALE : SETTING_CURRENT;
  }
  return use;
}

static station_setting_state same(bool equal) { return equal ? SETTING_CURRENT : SETTING_STALE; }

/* The core's copies of its run-time settings (apply_setting_core). */
static station_setting_state core_setting_state(station *st, const char *key) {
  int c = 0;
  char rest[64] = "";
  if (sscanf(key, "connector.%d.%63s", &c, rest) == 2) {
    if (c < 1 || c > connector_count(st)) return SETTING_UNUSED;
    connector_config fresh;
    connector_config_from(st, c, &fresh);
    const connector_config *cur = &st->core.conn[c - 1].cfg;
    if (strcmp(rest, "selector_a") == 0 || strcmp(rest, "selector_position") == 0)
      return same(cur->selector_a == fresh.selector_a);
    if (strcmp(rest, "breaker_a") == 0) return same(cur->breaker_a == fresh.breaker_a);
    if (strcmp(rest, "permanent_lock") == 0)
      return same(cur->permanent_lock == fresh.permanent_lock);
    if (strcmp(rest, "ventilation") == 0)
      return same(cur->ventilation_allowed == fresh.ventilation_allowed);
    if (strcmp(rest, "rcd_auto_retries") == 0)
      return same(cur->rcd_auto_retries == fresh.rcd_auto_retries);
    if (strcmp(rest, "derate_temp_c") == 0 || strcmp(rest, "max_temp_c") == 0)
      return same(cur->derate_temp_c == fresh.derate_temp_c && cur->max_temp_c == fresh.max_temp_c);
    return SETTING_UNUSED;
  }
  /* refreshed by apply_setting_core, and read again when a car leaves (on_cp) */
  if (ev_side_key(key)) return SETTING_CURRENT;
  if (strcmp(key, "auth.timeout_s") == 0)
    return same(st->core.auth_timeout_ms == config_get_int(st->cfg, key) * 1000);
  if (strcmp(key, "log.level") == 0) {
    log_level l;
    return same(log_level_parse(config_get(st->cfg, key), &l) == 0 && log_get_level() == l);
  }
  if (strcmp(key, "meter.sample_interval_s") == 0)
    return same(st->sample_interval_ms == config_get_int(st->cfg, key) * 1000);
  if (strcmp(key, "session.resume_timeout_s") == 0 ||
      strcmp(key, "session.resume_energy_transfer") == 0 ||
      strcmp(key, "session.resume_random_range_s") == 0)
    return SETTING_CURRENT; /* read at a restart */
  if (strcmp(key, "store.max_size_mb") == 0)
    return same(store_max_size(st->db) == max_size_bytes(st));
  return SETTING_UNUSED;
}

static void apply_setting_core(station *st, const char *key) {
  int c = 0;
  char rest[64] = "";
  if (sscanf(key, "connector.%d.%63s", &c, rest) == 2 && c >= 1 && c <= connector_count(st)) {
    /* Only the changed field: restart-only keys (phases, tethered) saved at the
     * same time must not take effect before the restart. */
    connector_config fresh;
    connector_config_from(st, c, &fresh);
    connector_config *cur = &st->core.conn[c - 1].cfg;
    if (strcmp(rest, "selector_a") == 0 || strcmp(rest, "selector_position") == 0) {
      cur->selector_a = fresh.selector_a;
      station_connector_event(
          st, c,
          &(cs_event){.type = CS_EV_LIMIT, .limit_src = LIMIT_SELECTOR, .value = fresh.selector_a});
    } else if (strcmp(rest, "breaker_a") == 0) {
      cur->breaker_a = fresh.breaker_a;
      station_connector_event(st, c,
                              &(cs_event){.type = CS_EV_LIMIT,
                                          .limit_src = LIMIT_INSTALLATION,
                                          .value = fresh.breaker_a});
    } else if (strcmp(rest, "permanent_lock") == 0) {
      cur->permanent_lock = fresh.permanent_lock;
    } else if (strcmp(rest, "ventilation") == 0) {
      cur->ventilation_allowed = fresh.ventilation_allowed;
    } else if (strcmp(rest, "rcd_auto_retries") == 0) {
      cur->rcd_auto_retries = fresh.rcd_auto_retries;
    } else if (strcmp(rest, "derate_temp_c") == 0 || strcmp(rest, "max_temp_c") == 0) {
      cur->derate_temp_c = fresh.derate_temp_c;
      cur->max_temp_c = fresh.max_temp_c;
    }
    return;
  }
  if (ev_side_key(key)) { /* from the next time a car leaves */
    for (c = 1; c <= connector_count(st); c++) {
      connector_config fresh;
      connector_config_from(st, c, &fresh);
      connector_config *cur = &st->core.conn[c - 1].cfg;
      cur->keep_session_on_ev_disconnect = fresh.keep_session_on_ev_disconnect;
      cur->keep_lock_on_ev_disconnect = fresh.keep_lock_on_ev_disconnect;
    }
    return;
  }
  if (strcmp(key, "auth.timeout_s") == 0) {
    st->core.auth_timeout_ms = config_get_int(st->cfg, key) * 1000;
  } else if (strcmp(key, "log.level") == 0) {
    log_level l;
    if (log_level_parse(config_get(st->cfg, key), &l) == 0) log_set_level(l);
  } else if (strcmp(key, "meter.sample_interval_s") == 0) {
    st->sample_interval_ms = config_get_int(st->cfg, key) * 1000;
  } else if (strcmp(key, "store.max_size_mb") == 0) {
    if (store_set_max_size(st->db, max_size_bytes(st)) != 0)
      log_error(MOD, "store.max_size_mb: %s", store_last_error(st->db));
  }
}

/* Sessions left open by a crash: keep them for a possible resume (the EV may
 * still be there on real hardware), else close them with PowerLoss at the last
 * durable meter reading, never counting energy twice. */
typedef struct {
  station *st;
} recover_ctx;

static int recover_one(void *ctx, const session_row *row) {
  station *st = ((recover_ctx *)ctx)->st;
  if (row->connector < 1 || row->connector > connector_count(st)) {
    store_session_end(st->db, row->id, row->start_ms, row->meter_stop_wh, STOP_POWER_LOSS);
    return 0;
  }
  station_connector *sc = &st->conn[row->connector - 1];
  sc->resume_session_id = row->id;
  snprintf(sc->resume_uid, sizeof sc->resume_uid, "%s", row->uid);
  return 0;
}

/* OCPP 2.1 E17: the energy of a session just resumed may flow again at
 * once, after a random delay, or not before it ends (sc_resume_hold_ms). */
static void hold_resumed(station *st, int c) {
  uint32_t draw = 0;
  if (getrandom(&draw, sizeof draw, 0) != (ssize_t)sizeof draw) draw = 0;
  borne_ms hold = sc_resume_hold_ms(config_get_bool(st->cfg, "session.resume_energy_transfer"),
                                    config_get_int(st->cfg, "session.resume_random_range_s"), draw);
  if (!hold) return;
  station_set_limit(st, c, LIMIT_RESUMED, 0);
  st->conn[c - 1].resume_release_at = hold == SC_RESUME_HELD ? 0 : now_of(st) + hold;
  if (hold == SC_RESUME_HELD)
    station_event(st, c, "session_resume_held", "{\"until\":\"session_end\"}");
  else
    station_event(st, c, "session_resume_held", "{\"for_ms\":%lld}", (long long)hold);
}

/* The random delay of a resumed session's energy is over: it may draw. */
static void release_resumed(station *st, int c, borne_ms now) {
  station_connector *sc = &st->conn[c - 1];
  if (!sc->resume_release_at || now < sc->resume_release_at) return;
  sc->resume_release_at = 0;
  station_set_limit(st, c, LIMIT_RESUMED, -1); /* gone already if the session ended */
  station_event(st, c, "session_resume_released", "{}");
}

static void close_unresumed_sessions(station *st) {
  for (int c = 1; c <= connector_count(st); c++) {
    station_connector *sc = &st->conn[c - 1];
    if (!sc->resume_session_id) continue;
    const connector_sm *sm = &st->core.conn[c - 1];
    session_row row;
    bool known = store_session_get(st->db, sc->resume_session_id, &row) == 0;
    /* the last durable record before the interruption: its last stored
     * reading (meter.sample_interval_s apart while charging), else its start */
    meter_reading last;
    bool read = known && store_meter_last(st->db, c, &last) == 0 && last.at >= row.start_ms;
    borne_ms last_at = read ? last.at : known ? row.start_ms : 0;
    if (known && cs_plugged(sm) && cs_error(sm) == ERR_NONE &&
        sc_may_resume(last_at, now_of(st), config_get_int(st->cfg, "session.resume_timeout_s"))) {
      char err[128];
      /* a badge of the station's list must still be valid; a token it does
       * not list (free mode "", or one the back end, its cache or its local
       * list authorized) keeps the authorization its session began with:
       * the back end can still end it (a deauthorizing answer, a remote stop) */
      badge_row b;
      bool listed = row.uid[0] && store_badge_get(st->db, row.uid, &b) == 0;
      if ((listed
               ? station_remote_start(st, c, row.uid, err, sizeof err)
               : station_remote_start_authorized(st, c, row.uid, row.user, err, sizeof err)) == 0) {
        hold_resumed(st, c);
        continue;
      }
    }
    if (known) {
      double wh = row.meter_stop_wh > row.meter_start_wh ? row.meter_stop_wh : row.meter_start_wh;
      borne_ms at = row.start_ms;
      if (read) {
        if (last.energy_import_wh > wh) wh = last.energy_import_wh;
        at = last.at;
      }
      store_session_end(st->db, row.id, at, wh, STOP_POWER_LOSS);
      station_event(st, c, "session_stop",
                    "{\"session\":%lld,\"reason\":\"PowerLoss\",\"energy_wh\":%.1f}",
                    (long long)row.id, wh - row.meter_start_wh);
      notify_session_id(st, c, row.id, true, STOP_POWER_LOSS, false);
    }
    sc->resume_session_id = 0;
  }
}

/* One connector's self-test result: stored check by check, then fed to the core. */
static void selftest_finished(void *ctx, int c, const hal_selftest *r, const char *reason) {
  station *st = ctx;
  if (st->closing || c < 1 || c > connector_count(st)) return;
  error_code e = ERR_NONE;
  struct {
    const char *check;
    bool ok;
    error_code code;
  } checks[] = {{"rcd", r->rcd_ok, ERR_RCD_SELFTEST},
                {"contactor", r->contactor_ok, ERR_CONTACTOR_WELDED},
                {"cp", r->cp_ok, ERR_CP_GENERATOR},
                {"meter", r->meter_ok, ERR_METER_MISSING}};
  /* the four rows in one commit (issue 15: one fsync, not four) */
  store_selftest_check rows[sizeof checks / sizeof checks[0]];
  for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++) {
    rows[i] =
        (store_selftest_check){checks[i].check, checks[i].ok,
                               checks[i].ok ? "ok" : error_info_of(checks[i].code)->owner_text};
    if (!checks[i].ok && e == ERR_NONE) e = checks[i].code;
  }
  if (store_selftest_record_all(st->db, now_of(st), c, rows, sizeof rows / sizeof rows[0]) != 0)
    log_error(MOD, "connector %d: %s", c, store_last_error(st->db));
  if (e == ERR_NONE)
    station_event(st, c, "selftest", "passed");
  else
    station_event(st, c, "selftest", "%s%s%s", error_info_of(e)->owner_text,
                  reason && reason[0] ? ": " : "", reason ? reason : "");
  connector_status before = cs_status(&st->core.conn[c - 1]);
  station_connector_event(st, c, &(cs_event){.type = CS_EV_SELFTEST, .error = e});
  /* The self-test settles the state the connector starts in. Still the one
   * it had before (Unavailable: inoperative by a ChangeAvailability kept
   * across the restart), no status note tells it: told here, or the OCPP
   * dialects would never report it after the boot (OCTT TC_G_18/19/21_CS). */
  if (cs_status(&st->core.conn[c - 1]) == before) notify_status(st, c);
  station_read_meter(st, c);
  if (--st->selftests_pending == 0) {
    st->selftest_done = true;
    close_unresumed_sessions(st);
  }
}

static void run_selftests(station *st) {
  st->selftests_pending = connector_count(st);
  for (int c = 1; c <= connector_count(st); c++) {
    const hal_ops *ops = st->hw->ops;
    if (ops->selftest_start && ops->selftest_start(st->hw, c, selftest_finished, st) == 0)
      continue; /* finishes later, from the loop */
    hal_selftest r = {0};
    const char *reason = "";
    if (ops->selftest(st->hw, c, &r) != 0) reason = ops->last_error(st->hw);
    selftest_finished(st, c, &r, reason);
  }
}

static void selftest_cb(uv_timer_t *t) {
  station *st = t->data;
  /* a station closed before its first loop turn (station_open failed late,
   * or closed at once) has stopped its HAL: nothing to test */
  if (!st->closing) run_selftests(st);
  uv_close((uv_handle_t *)t, (uv_close_cb)free);
}

int station_selftest_again(station *st, char *err, size_t errlen) {
  if (st->selftests_pending > 0) {
    snprintf(err, errlen, "a self-test is already running");
    return -1;
  }
  for (int c = 1; c <= connector_count(st); c++) {
    const connector_sm *sm = &st->core.conn[c - 1];
    if (cs_plugged(sm) || cs_has_session(sm)) {
      snprintf(err, errlen, "charge point %d is in use: the self-test needs every cable unplugged",
               c);
      return -1;
    }
  }
  station_event(st, 0, "selftest", "started again");
  run_selftests(st);
  return 0;
}

/* The start's second half: the late modules, the HTTP server's listening
 * socket, then "ready". Runs once, inline (station_open) or from the loop. */
static int start_late(station *st, char *err, size_t errlen) {
  st->late_pending = false;
  lazy_timer_stop(&st->late_timer);
  if (write_token(st, err, errlen) != 0) return -1;
  for (const station_attach_fn *a = st->parts ? st->parts->attach_late : NULL; a && *a; a++)
    if ((*a)(st, err, errlen) != 0) return -1;
  if (st->http) {
    char tls_cert[600] = "", tls_key[600] = "";
    if (st->parts && st->parts->tls_files &&
        st->parts->tls_files(st->cfg, st->data_dir, tls_cert, sizeof tls_cert, tls_key,
                             sizeof tls_key, err, errlen) != 0)
      return -1;
    st->https = tls_cert[0] != '\0';
    if (http_server_set_tls(st->http, tls_cert, tls_key) != 0) {
      snprintf(err, errlen, "http: out of memory");
      return -1;
    }
    if (http_server_listen(st->http, err, errlen) != 0) return -1;
  }
  store_release_cache(st->db);
#ifdef __GLIBC__
  /* hand back the heap pages the start used and freed (issue 15); not for
   * one of many stations (its cost grows with the heap of every station
   * before it: borne-swarm trims once, after its ramp) */
  if (!st->swarm) malloc_trim(0);
#endif
  if (st->http)
    log_info(MOD, "station %s ready: API on %s://%s (port %d)", config_get(st->cfg, "station.id"),
             st->https ? "https" : "http", config_get(st->cfg, "http.listen"),
             http_server_port(st->http));
  else
    log_info(MOD, "station %s ready (no HTTP API)", config_get(st->cfg, "station.id"));
  return 0;
}

/* A deferred second half, from the loop: a failure closes the station. */
static void run_late(station *st) {
  if (!st->late_pending || st->closing) return;
  char err[512] = "";
  if (start_late(st, err, sizeof err) != 0) {
    log_error(MOD, "cannot start: %s", err);
    station_close(st);
    if (st->on_started) st->on_started(st->on_started_ctx, err);
    return;
  }
  if (st->on_started) st->on_started(st->on_started_ctx, NULL);
}

static void late_cb(uv_timer_t *t) { run_late(t->data); }

/* A failure of station_open once the HAL started: the station closes (its
 * handles and its modules' close while the loop runs) and station_free,
 * after the loop, frees the rest. A HAL given by the caller stays its. */
static int close_failed(station *st, const station_options *opt) {
  station_close(st);
  st->hw_borrowed = opt->hw != NULL;
  return -1;
}

int station_open(station *st, uv_loop_t *loop, const station_options *opt, char *err,
                 size_t errlen) {
  memset(st, 0, sizeof *st);
  /* a store handed in is ours from here: closed with the station, or by
   * the failure paths below (fail: store_close; drop_dir: here) */
  store *given_db = opt->db;
  st->loop = loop;
  st->cfg = opt->cfg;
  st->parts = opt->parts;
  st->swarm = opt->swarm;
  clock_init(&st->clock, config_get_number(st->cfg, "sim.speed"));
  int64_t sim_start;
  const char *sim_start_text = config_get(st->cfg, "sim.start");
  if (sim_start_text && strcmp(config_get(st->cfg, "hal.backend"), "sim") == 0 &&
      timefmt_parse(sim_start_text, &sim_start) == 0)
    st->clock.wall_at_start = sim_start;
  st->started_at = now_of(st);
  st->started_real_ms = uv_now(loop);
  st->sample_interval_ms = config_get_int(st->cfg, "meter.sample_interval_s") * 1000;
  st->data_dir = strndup(opt->data_dir ? opt->data_dir : "", 511);
  if (!st->data_dir) {
    snprintf(err, errlen, "out of memory");
    store_close(given_db);
    return -1;
  }
  if (mkdir(st->data_dir, 0700) != 0 && errno != EEXIST) {
    snprintf(err, errlen, "cannot create data directory %s: %s", st->data_dir, strerror(errno));
    goto drop_dir;
  }
  if (load_or_create_token(st, err, errlen) != 0) goto drop_dir;
  char dbpath[600];
  snprintf(dbpath, sizeof dbpath, "%s/borne.db", st->data_dir);
  if (given_db) {
    st->db = given_db; /* the same file, opened by the caller: not opened twice */
    given_db = NULL;
  } else if ((opt->swarm ? store_open_lean : store_open)(&st->db, dbpath, err, errlen) != 0) {
    goto drop_dir;
  }
  if (store_set_max_size(st->db, max_size_bytes(st)) != 0) {
    snprintf(err, errlen, "store.max_size_mb: %s", store_last_error(st->db));
    goto fail;
  }
  if (store_access_open(st->db) != 0) {
    snprintf(err, errlen, "%s", store_last_error(st->db));
    goto fail;
  }

  const char *mode = config_get(st->cfg, "auth.mode");
  /* ocpp: badges are asked about; the OCPP module installs the authorizer */
  auth_mode am = strcmp(mode, "free") == 0 ? AUTH_FREE : AUTH_BADGE;
  int n = (int)config_get_int(st->cfg, "station.connectors");
  connector_config cfgs[BORNE_MAX_CONNECTORS];
  for (int c = 1; c <= n; c++) connector_config_from(st, c, &cfgs[c - 1]);
  size_t nconn = (size_t)sc_connectors(n);
  st->conn = calloc(nconn, sizeof *st->conn);
  st->core_conns = calloc(nconn, sizeof *st->core_conns);
  if (!st->conn || !st->core_conns) {
    snprintf(err, errlen, "out of memory");
    goto fail;
  }
  sc_init(&st->core, st->core_conns, cfgs, n, am, config_get_int(st->cfg, "auth.timeout_s") * 1000,
          now_of(st));

  store_sessions_open(st->db, recover_one, &(recover_ctx){st});
  st->sim = strcmp(config_get(st->cfg, "hal.backend"), "sim") == 0;
  st->hw = opt->hw ? opt->hw : hw_create(st, err, errlen);
  if (!st->hw) goto fail;

  uv_timer_init(loop, &st->meter_timer);
  st->meter_timer.data = st;

  /* The HTTP server's address is checked (and its port bound once) now; it
   * listens once every module added its routes. */
  http_config hc = {.listen = config_get(st->cfg, "http.listen"), .token = st->token, .loop = loop};
  if (!opt->swarm) st->http = http_server_new(&hc, err, errlen);
  if (!opt->swarm && !st->http) {
    close_station_handles(st);
    goto fail;
  }

  hal_listener l = {.ctx = st,
                    .on_cp = on_cp,
                    .on_pp = on_pp,
                    .on_lock = on_lock,
                    .on_contactor = on_contactor,
                    .on_rcd_trip = on_rcd,
                    .on_temperature = on_temperature,
                    .on_badge = on_badge};
  if (st->hw->ops->start(st->hw, loop, &l) != 0) {
    snprintf(err, errlen, "hardware: %s", st->hw->ops->last_error(st->hw));
    return close_failed(st, opt);
  }
  for (const station_attach_fn *a = st->parts ? st->parts->attach : NULL; a && *a; a++)
    if ((*a)(st, err, errlen) != 0) return close_failed(st, opt);
  /* why this run started: after the modules' schema steps (a swarm's first
   * lean database becomes the template at its first write, store.c) */
  station_boot_begin(st);
  station_event(st, 0, "boot", "borne %s, %d connectors, %s hardware, reason %s", BORNE_VERSION, n,
                st->hw->ops->name, boot_reason_name(st->start_reason));
  /* Self-test after the HAL delivered the initial input levels (next loop turn). */
  uv_timer_t *selftest = malloc(sizeof *selftest);
  uv_timer_init(loop, selftest);
  selftest->data = st;
  uv_timer_start(selftest, selftest_cb, 0, 0);
  uv_timer_start(&st->meter_timer, meter_timer_cb, meter_period_real_ms(st),
                 meter_period_real_ms(st));
  st->late_pending = true;
  if (opt->defer_late) {
    /* without a back end to wait for, the next loop turn */
    const char *url = config_get(st->cfg, "ocpp.url");
    lazy_timer_start(&st->late_timer, loop, late_cb, st, url && url[0] ? STATION_LATE_WAIT_MS : 0,
                     0);
    return 0;
  }
  if (start_late(st, err, errlen) != 0) return close_failed(st, opt);
  return 0;
fail:
  if (st->hw && !opt->hw) st->hw->ops->destroy(st->hw);
  st->hw = NULL;
  station_boot_end(st);
  store_close(st->db);
  st->db = NULL;
  free_connectors(st);
  free(st->core_conns);
  st->conn = NULL;
  st->core_conns = NULL;
  st->core.conn = NULL;
  st->core.count = 0;
drop_dir:
  store_close(given_db);
  free(st->data_dir);
  st->data_dir = NULL;
  return -1;
}

void station_close(station *st) {
  if (st->closing) return;
  /* End running sessions durably before anything else goes away; kept ones
   * (station_reset_keeping_sessions) get their reading of this instant on
   * disk, the mark the restart measures the interruption from */
  for (int c = 1; c <= connector_count(st); c++) {
    if (!cs_has_session(&st->core.conn[c - 1])) continue;
    if (st->keep_sessions) {
      station_read_meter(st, c);
      store_sample(st, c);
    } else {
      station_connector_event(st, c, &(cs_event){.type = CS_EV_STOP, .reason = STOP_REBOOT});
    }
  }
  for (int c = 1; c <= connector_count(st); c++) {
    if (st->hw) {
      st->hw->ops->set_contactor(st->hw, c, false);
    }
  }
  st->closing = true;
  for (int m = 0; m < st->module_count; m++)
    if (st->modules[m].closing) st->modules[m].closing(st->modules[m].ctx);
  events_waiters_close(st);
  st->late_pending = false;
  if (st->http) http_server_stop(st->http);
  st->http = NULL;
  if (st->hw) st->hw->ops->stop(st->hw);
  close_station_handles(st);
}

void station_free(station *st) {
  for (int m = 0; m < st->module_count; m++)
    if (st->modules[m].free) st->modules[m].free(st->modules[m].ctx);
  st->module_count = 0;
  free(st->modules);
  st->modules = NULL;
  st->module_cap = 0;
  if (st->hw && !st->hw_borrowed) st->hw->ops->destroy(st->hw);
  st->hw = NULL;
  st->hw_borrowed = false;
  if (st->db) {
    station_boot_end(st); /* stopped cleanly: the last write */
    store_close(st->db);
  }
  st->db = NULL;
  free(st->waiters); /* events_waiters_close answered them at the close */
  st->waiters = NULL;
  free(st->meter_src);
  st->meter_src = NULL;
  free(st->people_managed_by);
  free(st->site_limits);
  sc_free(&st->core);
  st->people_managed_by = NULL;
  free_connectors(st);
  free(st->core_conns);
  st->conn = NULL;
  st->core_conns = NULL;
  st->core.conn = NULL;
  st->core.count = 0;
  free(st->data_dir);
  st->data_dir = NULL;
}

/* Event-log rows no back end needs (issue 15): what the box did and saw,
 * for the web page, the API and the diagnostics. Their commit is not synced
 * on its own (store_event_add_unsynced): the next synced commit makes them
 * durable in order, and what a back end must get (the session, its samples,
 * the OCPP journal, OCMF, security events) is recorded elsewhere, synced. */
static bool log_only(const char *kind) {
  static const char *const kinds[] = {
      "status",         "tap",          "selftest",     "boot",
      "auth_accepted",  "auth_refused", "auth_expired", "ocpp_call",
      "ocpp_connected", "ocpp_version", "ocpp_boot",    "ocpp_transaction",
      "limit",
  };
  for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
    if (strcmp(kind, kinds[i]) == 0) return true;
  return false;
}

/* The store half of station_event: the event on disk, nobody told yet. */
static int record_event(station *st, int connector, const char *kind, const char *detail,
                        const char *reason) {
  int64_t id = 0;
  int rc = store_event_add_reason(st->db, now_of(st), connector, kind, detail, reason,
                                  !log_only(kind), &id);
  if (rc != 0) {
    log_error(MOD, "cannot record event %s: %s", kind, store_last_error(st->db));
    return -1;
  }
  return 0;
}

/* The other half: waiters and modules hear of an event that is on disk. */
static void publish_event(station *st, int connector, const char *kind, const char *detail) {
  events_waiters_wake(st);
  for (int m = 0; m < st->module_count; m++)
    if (st->modules[m].event) st->modules[m].event(st->modules[m].ctx, connector, kind, detail);
}

typedef struct {
  station *st;
  int connector;
  char kind[40];
  char detail[256];
} deferred_event;

static void publish_deferred(void *ctx, bool committed) {
  deferred_event *e = ctx;
  if (committed) publish_event(e->st, e->connector, e->kind, e->detail);
  free(e);
}

/* publish_event once the event is on disk: inside a store batch (a session's
 * start or stop, which the modules hear of inside it) at its commit, and not
 * at all when the batch fails; at once otherwise. */
static void publish_recorded(station *st, int connector, const char *kind, const char *detail) {
  if (!store_in_batch(st->db)) {
    publish_event(st, connector, kind, detail);
    return;
  }
  deferred_event *e = malloc(sizeof *e);
  if (e) {
    *e = (deferred_event){.st = st, .connector = connector};
    snprintf(e->kind, sizeof e->kind, "%s", kind);
    snprintf(e->detail, sizeof e->detail, "%s", detail);
  }
  if (!e || store_after_commit(st->db, publish_deferred, e) != 0) {
    free(e);
    log_error(MOD, "event %s: out of memory, not published", kind);
  }
}

void station_event(station *st, int connector, const char *kind, const char *fmt, ...) {
  char detail[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(detail, sizeof detail, fmt, ap);
  va_end(ap);
  if (record_event(st, connector, kind, detail, "") == 0)
    publish_recorded(st, connector, kind, detail);
}

void station_event_reason(station *st, int connector, const char *kind, const char *reason,
                          const char *fmt, ...) {
  char detail[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(detail, sizeof detail, fmt, ap);
  va_end(ap);
  if (record_event(st, connector, kind, detail, reason) == 0)
    publish_recorded(st, connector, kind, detail);
}

int station_connector_count(const station *st) { return st->core.count; }

/* snprintf(out, size, "%s", text) without its formatting: station_view runs
 * tens of times a charging cycle (issue 15) */
static void copy_text(char *out, size_t size, const char *text) {
  size_t n = strnlen(text, size - 1);
  memcpy(out, text, n);
  out[n] = 0;
}

void station_view(const station *st, int c, station_connector_view *out) {
  const connector_sm *sm = &st->core.conn[c - 1];
  *out = (station_connector_view){
      .status = cs_status(sm),
      .error = cs_error(sm),
      .has_session = cs_has_session(sm),
      .finishing = sm->finishing,
      .waiting_for_authorization = cs_waiting_for_authorization(sm),
      .limits = sm->limits,
      .outputs = *cs_outputs_of(sm),
      .led = sc_led(&st->core, c, clock_now(&st->clock)),
      .phases = sm->cfg.phases,
      .tethered = sm->cfg.tethered,
      .cp = sm->cp,
      .operative = sm->operative,
      .reserved = sm->reserved,
  };
  out->offered_a = cs_offered_current(sm, &out->limited_by);
  copy_text(out->uid, sizeof out->uid, cs_session_uid(sm));
  copy_text(out->user, sizeof out->user, sm->user);
  if (sm->reserved) copy_text(out->reserved_uid, sizeof out->reserved_uid, sm->reserved_uid);
}

bool station_has_session(const station *st, int c) { return cs_has_session(&st->core.conn[c - 1]); }
bool station_session_without_car(const station *st, int c) {
  return cs_session_without_car(&st->core.conn[c - 1]);
}
bool station_cable_without_car(const station *st, int c) {
  return cs_cable_without_car(&st->core.conn[c - 1]);
}
bool station_waiting_for_authorization(const station *st, int c) {
  return cs_waiting_for_authorization(&st->core.conn[c - 1]);
}
int station_held_connector(const station *st) { return sc_held_connector(&st->core); }
int station_connector_phases(const station *st, int c) { return st->core.conn[c - 1].cfg.phases; }
bool station_connector_tethered(const station *st, int c) {
  return st->core.conn[c - 1].cfg.tethered;
}

bool station_reservation_admits(const station *st, int c, const char *uid, const char *parent) {
  return sc_reservations_admit(&st->core, c, uid, parent);
}

void station_set_offline(station *st, bool offline) { st->core.offline = offline; }
bool station_offline(const station *st) { return st->core.offline; }

void station_ocpp_traffic(station *st, const char *action, bool from_csms, int64_t latency_ms,
                          const char *errcode) {
  /* After the BootNotification's answer the start's second half waits for
   * the OCPP traffic to go quiet (the first StatusNotifications go out
   * first), STATION_LATE_QUIET_MS after the last outcome, but never longer
   * than STATION_LATE_WAIT_MS after the start. */
  if (st->late_pending && !st->closing) {
    uint64_t now = uv_now(st->loop), end = st->started_real_ms + STATION_LATE_WAIT_MS;
    uint64_t left = end > now ? end - now : 0;
    lazy_timer_start(&st->late_timer, st->loop, late_cb, st,
                     left < STATION_LATE_QUIET_MS ? left : STATION_LATE_QUIET_MS, 0);
  }
  for (int i = 0; i < st->module_count; i++)
    if (st->modules[i].ocpp_traffic)
      st->modules[i].ocpp_traffic(st->modules[i].ctx, action, from_csms, latency_ms, errcode);
}

void station_set_firmware_updating(station *st, bool updating) {
  st->core.firmware_updating = updating;
  for (int c = 1; c <= st->core.count; c++)
    station_connector_event(st, c, &(cs_event){.type = CS_EV_TIMER}); /* LED refresh */
}
