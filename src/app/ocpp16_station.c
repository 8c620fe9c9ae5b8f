/*
 * OCPP 1.6J charge point: the station's glue to a central system. Station
 * hooks (sessions, statuses, meter readings, badge validation, events) become
 * OCPP messages; OCPP calls become station commands. Transaction messages
 * (and security events) go through the durable queue so nothing is lost
 * offline or across restarts; the rest is sent only while connected, and the
 * statuses are sent again after every BootNotification.
 *
 * Layers: ocpp_link (WebSocket + OCPP-J RPC, schema-validated both ways),
 * ocpp16_backend.h (configuration keys, durable queue, authorization cache
 * and local list, reservations), ocpp16_smart.h (charging profiles),
 * firmware/diagnostics.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "firmware/diagnostics.h"
#include "firmware/firmware.h"
#include "ocmf/ocmf.h"
#include "ocpp/ocpp16_backend.h"
#include "ocpp/ocpp16_certs.h"
#include "ocpp/ocpp16_measurands.h"
#include "ocpp/ocpp16_smart.h"
#include "ocpp/ocpp_keys.h"
#include "ocpp/ocpp_link.h"
#include "ocpp16_messages.h" /* generated from the OCPP 1.6 schemas */
#include "app/api_json.h"
#include "app/firmware_service.h"
#include "app/ocmf_glue.h"
#include "app/ocpp16_station.h"
#include "app/station.h"
#include "core/errors.h"
#include "util/log.h"
#include "util/timefmt.h"

#define MOD "ocpp"
#define NEVER INT64_MAX
#define BOOT_RETRY_DEFAULT_S 30
#define RESET_FLUSH_MS 300 /* lets the WebSocket write Reset.conf before closing */

typedef enum { BOOT_NONE, BOOT_PENDING, BOOT_ACCEPTED, BOOT_REJECTED } boot_state;
static const char *const boot_names[] = {"none", "Pending", "Accepted", "Rejected"};

typedef struct {
  connector_status status; /* as the station has it now */
  error_code error;
  borne_ms since; /* station time of the last change */
  bool known;
  connector_status reported; /* as the back end last heard it */
  error_code reported_error;
  bool reported_valid;
  int64_t session_id; /* running borne session, 0 none */
  int transaction_id; /* the back end's id, 0 until StartTransaction.conf */
  borne_ms last_sample;
  int reservation_id; /* 0 none */
  borne_ms reservation_expiry;
  char reserved_tag[21];
} cp_conn;

typedef enum {
  TRIG_NONE = 0,
  TRIG_BOOT = 1,
  TRIG_HEARTBEAT = 2,
  TRIG_STATUS = 4,
  TRIG_METER = 8,
  TRIG_FIRMWARE = 16,
  TRIG_DIAG = 32,
  TRIG_LOG = 64,
  TRIG_SIGN = 128 /* ExtendedTriggerMessage SignChargePointCertificate */
} trigger_bits;

typedef struct ocpp16_station {
  station *st;
  ocpp_link *link;
  ocpp16_backend *be;
  ocpp16_smart *smart;
  ocpp16_certs *certs; /* security whitepaper certificate store */
  bool trust_changed;  /* CentralSystemRootCertificates changed: new link CA at next connect */
  bool cert_reconnect; /* new client certificate: reconnect with it once answered */
  boot_state boot;
  int heartbeat_s;
  uv_timer_t boot_timer;
  uv_timer_t heartbeat_timer;
  uv_timer_t tick_timer;  /* status debounce, samples, aligned data, queue retries, expiries */
  uv_timer_t reset_timer; /* Reset after its answer was written */
  uv_timer_t cert_timer;  /* reconnect with a new client certificate after the answer */
  bool reset_hard;
  bool restart_pending;      /* firmware installed: restart once the notifications left */
  uint64_t restart_deadline; /* uv_now: restart anyway */
  borne_ms next_aligned;
  cp_conn conn[BORNE_MAX_CONNECTORS];
  int count;
  int64_t pump_in_flight; /* queue message id being sent, 0 none */
  /* TriggerMessage: what to send once the answer went out */
  unsigned trigger;
  int trigger_connector;
  borne_ms last_rx_wall;
  char auth_tag[21], auth_parent[21]; /* the last accepted badge and its group */
  curl_uv *cu;
  firmware *fw;
  diagnostics *diag;
  fw_status fw_last;
  int fw_request_id;
  bool fw_signed;
  diag_status diag_last;
  int log_request_id;
  char url[512];
  /* copies of run-time settings, refreshed by on_setting_changed() */
  unsigned long link_loaded_at; /* config_generation() of the link's transport config */
  int call_timeout_s;           /* ocpp.call_timeout_s given to the link */
  int reconnect_max_s;          /* ocpp.reconnect_max_s given to the link */
  long heartbeat_armed_s;       /* the interval the heartbeat runs (or will run) with */
  bool closing;
  int open_handles;
} ocpp16_station;

/* ---------- small helpers ---------- */

static borne_ms now_of(const ocpp16_station *o) { return clock_now(&o->st->clock); }

static long key_int(const ocpp16_station *o, const char *name) {
  char k[96];
  snprintf(k, sizeof k, "ocpp.%s", name);
  return config_get_int(o->st->cfg, k);
}

static bool key_bool(const ocpp16_station *o, const char *name) {
  char k[96];
  snprintf(k, sizeof k, "ocpp.%s", name);
  return config_get_bool(o->st->cfg, k);
}

static const char *key_str(const ocpp16_station *o, const char *name) {
  char k[96];
  snprintf(k, sizeof k, "ocpp.%s", name);
  const char *v = config_get(o->st->cfg, k);
  return v ? v : "";
}

static json_t *time_json(borne_ms ms) {
  char t[40];
  timefmt_iso(ms, t, sizeof t);
  return json_string(t);
}

static bool online(const ocpp16_station *o) {
  return o->link && ocpp_link_connected(o->link) && o->boot == BOOT_ACCEPTED;
}

/* An idTag as OCPP wants it: at most 20 characters (IdToken, CiString20Type). */
static void id_tag_of(const ocpp16_station *o, const char *uid, char *out, size_t len) {
  if (!uid || !uid[0]) uid = config_get(o->st->cfg, "ocpp.free_id_tag");
  snprintf(out, len < 21 ? len : 21, "%s", uid ? uid : "");
}

static int connector_of_session(const ocpp16_station *o, int64_t session_id) {
  for (int c = 1; c <= o->count; c++)
    if (o->conn[c - 1].session_id == session_id) return c;
  return 0;
}

static int connector_of_transaction(const ocpp16_station *o, int tx) {
  for (int c = 1; c <= o->count; c++)
    if (o->conn[c - 1].session_id && o->conn[c - 1].transaction_id == tx) return c;
  return 0;
}

static void flush_check_cb(uv_timer_t *t);

static void ignore_answer(void *ctx, const json_t *result, const char *code, const char *text) {
  ocpp16_station *o = ctx;
  (void)result;
  if (code) log_debug(MOD, "answer: %s %s", code, text);
  /* not from inside the RPC layer: the restart tears the link down */
  if (o->restart_pending && !o->closing) uv_timer_start(&o->reset_timer, flush_check_cb, 0, 0);
}

/* A message that is not transaction-related: sent now if connected, else dropped
 * (statuses are sent again after the next BootNotification). */
static void send_now(ocpp16_station *o, const char *action, json_t *payload) {
  if (!online(o) && strcmp(action, "BootNotification") != 0) {
    json_decref(payload);
    return;
  }
  if (ocpp_link_call(o->link, action, payload, ignore_answer, o) != 0)
    log_debug(MOD, "%s not sent: not connected", action);
}

static void arm_tick(ocpp16_station *o);
static void pump(ocpp16_station *o);

/* ---------- durable queue ---------- */

/* Transaction-related messages and security events: on disk before anything else. */
static void enqueue(ocpp16_station *o, int64_t session_id, const char *action, json_t *payload) {
  if (ocpp16_backend_queue_push(o->be, session_id, action, payload, now_of(o)) != 0)
    log_error(MOD, "cannot queue %s durably: %s", action, ocpp16_backend_error(o->be));
  json_decref(payload);
  pump(o);
}

static void stop_for_invalid_tag(ocpp16_station *o, int64_t session_id, const json_t *info) {
  const char *status = json_string_value(json_object_get(info, "status"));
  if (!status || strcmp(status, "Accepted") == 0) return;
  int c = connector_of_session(o, session_id);
  if (!c || !key_bool(o, "StopTransactionOnInvalidId")) return;
  log_warn(MOD, "connector %d: back end says the badge is %s: stopping", c, status);
  station_event(o->st, c, "ocpp_deauthorized", "%s", status);
  station_connector_event(o->st, c, &(cs_event){.type = CS_EV_STOP, .reason = STOP_DEAUTHORIZED});
}

typedef struct {
  ocpp16_station *o;
  int64_t msg_id;
  int64_t session_id;
  char action[40];
  char id_tag[21];
} pump_ctx;

static void pump_answer(void *ctx, const json_t *result, const char *code, const char *text) {
  pump_ctx *p = ctx;
  ocpp16_station *o = p->o;
  o->pump_in_flight = 0;
  if (o->closing) {
    free(p);
    return;
  }
  if (!result) {
    log_warn(MOD, "%s not delivered: %s %s", p->action, code, text);
    /* the back end saw it and refused (CALLERROR, bad answer): counted
     * against TransactionMessageAttempts; never seen: kept until it is */
    bool answered = strcmp(code, "Timeout") != 0 && strcmp(code, "Disconnected") != 0;
    /* lost with the connection: first again as soon as the station is
     * registered again, no retry delay */
    if (strcmp(code, "Disconnected") == 0) {
      free(p);
      return;
    }
    if (ocpp16_backend_queue_failed(o->be, p->msg_id, answered, now_of(o)))
      station_event(o->st, connector_of_session(o, p->session_id), "ocpp_message_dropped",
                    "%s refused by the back end %ld times: %s %s", p->action,
                    key_int(o, "TransactionMessageAttempts"), code, text);
    free(p);
    arm_tick(o);
    return;
  }
  const json_t *info = json_object_get(result, "idTagInfo");
  if (info && p->id_tag[0]) ocpp16_backend_auth_update(o->be, p->id_tag, info, now_of(o));
  if (strcmp(p->action, "StartTransaction") == 0) {
    int tx = (int)json_integer_value(json_object_get(result, "transactionId"));
    /* the id goes into the queued messages of this session in the same commit */
    ocpp16_backend_queue_sent_start(o->be, p->msg_id, p->session_id, tx);
    int c = connector_of_session(o, p->session_id);
    if (c) {
      o->conn[c - 1].transaction_id = tx;
      ocpp16_smart_bind_transaction(o->smart, c, tx);
    }
    station_event(o->st, c, "ocpp_transaction", "{\"session\":%lld,\"transaction\":%d}",
                  (long long)p->session_id, tx);
    if (info) stop_for_invalid_tag(o, p->session_id, info);
  } else {
    ocpp16_backend_queue_sent(o->be, p->msg_id);
  }
  free(p);
  pump(o);
}

/* Send the oldest due queued message, one at a time, in order. */
static void pump(ocpp16_station *o) {
  if (o->pump_in_flight || !online(o) || o->closing) return;
  ocpp16_queued m;
  if (ocpp16_backend_queue_peek(o->be, now_of(o), &m) != 0) {
    arm_tick(o); /* nothing due now: maybe later (retry interval) */
    return;
  }
  pump_ctx *p = calloc(1, sizeof *p);
  p->o = o;
  p->msg_id = m.id;
  p->session_id = m.session_id;
  snprintf(p->action, sizeof p->action, "%s", m.action);
  const char *tag = json_string_value(json_object_get(m.payload, "idTag"));
  snprintf(p->id_tag, sizeof p->id_tag, "%s", tag ? tag : "");
  o->pump_in_flight = m.id;
  if (ocpp_link_call(o->link, m.action, m.payload, pump_answer, p) != 0) {
    o->pump_in_flight = 0;
    free(p);
  }
}

/* ---------- BootNotification, Heartbeat, time ---------- */

static void send_all_statuses(ocpp16_station *o);
static void boot_timer_cb(uv_timer_t *t);

static void sync_time(ocpp16_station *o, const json_t *current_time) {
  int64_t t;
  const char *text = json_string_value(current_time);
  if (!text || timefmt_parse(text, &t) != 0) return;
  /* The simulator's accelerated clock is its own: only real-time stations follow. */
  if (o->st->clock.speed != 1.0) return;
  borne_ms drift = t - now_of(o);
  if (llabs(drift) < 1000) return;
  o->st->clock.wall_at_start += drift;
  station_event(o->st, 0, "time_sync", "clock moved by %lld ms to the back end's time",
                (long long)drift);
}

static void heartbeat_answer(void *ctx, const json_t *result, const char *code, const char *text) {
  ocpp16_station *o = ctx;
  if (result)
    sync_time(o, json_object_get(result, "currentTime"));
  else
    log_debug(MOD, "heartbeat: %s %s", code, text);
}

static void send_heartbeat(ocpp16_station *o) {
  if (online(o)) ocpp_link_call(o->link, "Heartbeat", json_object(), heartbeat_answer, o);
}

static void heartbeat_cb(uv_timer_t *t) { send_heartbeat(t->data); }

static void arm_heartbeat(ocpp16_station *o) {
  long s = o->heartbeat_s > 0 ? o->heartbeat_s : key_int(o, "HeartbeatInterval");
  o->heartbeat_armed_s = s;
  if (s <= 0) {
    uv_timer_stop(&o->heartbeat_timer);
    return;
  }
  uv_timer_start(&o->heartbeat_timer, heartbeat_cb, (uint64_t)s * 1000, (uint64_t)s * 1000);
}

static void boot_answer(void *ctx, const json_t *result, const char *code, const char *text) {
  ocpp16_station *o = ctx;
  if (o->closing) return;
  if (!result) {
    log_warn(MOD, "BootNotification: %s %s", code, text);
    /* no usable answer (timeout, CALLERROR, one failing the schema): again
     * after the call timeout, at most BOOT_RETRY_DEFAULT_S */
    long retry_s = config_get_int(o->st->cfg, "ocpp.call_timeout_s");
    if (retry_s > BOOT_RETRY_DEFAULT_S) retry_s = BOOT_RETRY_DEFAULT_S;
    uv_timer_start(&o->boot_timer, boot_timer_cb, (uint64_t)retry_s * 1000, 0);
    return;
  }
  const char *status = json_string_value(json_object_get(result, "status"));
  long interval = (long)json_integer_value(json_object_get(result, "interval"));
  sync_time(o, json_object_get(result, "currentTime"));
  if (status && strcmp(status, "Accepted") == 0) {
    bool first = o->boot != BOOT_ACCEPTED;
    o->boot = BOOT_ACCEPTED;
    o->st->core.offline = false;
    if (interval > 0) o->heartbeat_s = (int)interval;
    arm_heartbeat(o);
    station_event(o->st, 0, "ocpp_boot", "Accepted (heartbeat %d s)", o->heartbeat_s);
    if (first) {
      send_all_statuses(o);
      if (firmware_boot_report(o->fw)) { /* Installed after the restart */
      }
    }
    pump(o);
    arm_tick(o);
    return;
  }
  o->boot = status && strcmp(status, "Pending") == 0 ? BOOT_PENDING : BOOT_REJECTED;
  station_event(o->st, 0, "ocpp_boot", "%s (retry in %ld s)", boot_names[o->boot],
                interval > 0 ? interval : BOOT_RETRY_DEFAULT_S);
  uv_timer_start(&o->boot_timer, boot_timer_cb,
                 (uint64_t)(interval > 0 ? interval : BOOT_RETRY_DEFAULT_S) * 1000, 0);
}

static void send_boot(ocpp16_station *o) {
  const config *cfg = o->st->cfg;
  json_t *p = json_pack("{s:s, s:s, s:s}", "chargePointVendor", config_get(cfg, "station.vendor"),
                        "chargePointModel", config_get(cfg, "station.model"), "firmwareVersion",
                        firmware_version(o->fw));
  const char *serial = config_get(cfg, "station.serial");
  if (serial && serial[0]) json_object_set_new(p, "chargePointSerialNumber", json_string(serial));
  if (ocpp_link_call(o->link, "BootNotification", p, boot_answer, o) != 0)
    log_debug(MOD, "BootNotification: not connected");
}

static void boot_timer_cb(uv_timer_t *t) {
  ocpp16_station *o = t->data;
  if (ocpp_link_connected(o->link)) send_boot(o);
}

/* ---------- StatusNotification ---------- */

static void send_status(ocpp16_station *o, int c) {
  connector_status s = STATUS_AVAILABLE;
  error_code e = ERR_NONE;
  if (c > 0) {
    cp_conn *k = &o->conn[c - 1];
    s = k->status;
    e = k->error;
    k->reported = s;
    k->reported_error = e;
    k->reported_valid = true;
  } else {
    /* connector 0: the station as a whole (Unavailable only when every point is) */
    s = STATUS_UNAVAILABLE;
    for (int i = 0; i < o->count; i++)
      if (o->conn[i].status != STATUS_UNAVAILABLE) s = STATUS_AVAILABLE;
  }
  const error_info *info = error_info_of(e);
  json_t *p = json_pack(
      "{s:i, s:s, s:s, s:o}", "connectorId", c, "status", connector_status_name(s), "errorCode",
      e == ERR_NONE ? "NoError" : info->ocpp16_code, "timestamp", time_json(now_of(o)));
  if (e != ERR_NONE) {
    char text[51];
    snprintf(text, sizeof text, "%s", info->owner_text);
    json_object_set_new(p, "info", json_string(text));
    if (info->vendor_code) {
      json_object_set_new(p, "vendorErrorCode", json_string(info->vendor_code));
      json_object_set_new(p, "vendorId", json_string("org.borne"));
    }
  }
  send_now(o, "StatusNotification", p);
}

static void send_all_statuses(ocpp16_station *o) {
  send_status(o, 0);
  for (int c = 1; c <= o->count; c++) send_status(o, c);
}

/* Statuses that held MinimumStatusDuration and differ from what was reported. */
static borne_ms report_statuses(ocpp16_station *o, borne_ms now) {
  borne_ms hold = key_int(o, "MinimumStatusDuration") * 1000;
  borne_ms next = NEVER;
  for (int c = 1; c <= o->count; c++) {
    cp_conn *k = &o->conn[c - 1];
    if (!k->known) continue;
    bool changed = !k->reported_valid || k->reported != k->status || k->reported_error != k->error;
    if (!changed) continue;
    if (now - k->since >= hold) {
      if (online(o)) send_status(o, c);
    } else if (k->since + hold < next) {
      next = k->since + hold;
    }
  }
  return next;
}

/* ---------- meter values ---------- */

static ocpp16_sample_extra extra_of(const ocpp16_station *o, int c) {
  const connector_sm *sm = &o->st->core.conn[c - 1];
  limit_source by;
  ocpp16_sample_extra x = {.phases = sm->cfg.phases,
                           .offered_a = cs_offered_current(sm, &by),
                           .temperature = o->st->conn[c - 1].temperature_c,
                           .has_temperature = true};
  return x;
}

static json_t *meter_value(const ocpp16_station *o, int c, const char *measurands,
                           const char *context, borne_ms at) {
  json_t *sv = json_array();
  ocpp16_sample_extra x = extra_of(o, c);
  ocpp16_sampled_values(measurands, &o->st->conn[c - 1].meter, &x, context, sv);
  return json_pack("{s:o, s:o}", "timestamp", time_json(at), "sampledValue", sv);
}

static void sample_connector(ocpp16_station *o, int c, const char *context, const char *key) {
  cp_conn *k = &o->conn[c - 1];
  const char *measurands = key_str(o, key);
  if (!measurands[0] || !o->st->conn[c - 1].meter_ok) return;
  json_t *mv = json_array();
  json_array_append_new(mv, meter_value(o, c, measurands, context, now_of(o)));
  json_t *p = json_pack("{s:i, s:o}", "connectorId", c, "meterValue", mv);
  if (k->session_id) {
    /* transaction-related: the queue puts the back end's transactionId in */
    json_object_set_new(p, "transactionId", json_integer(k->transaction_id));
    enqueue(o, k->session_id, "MeterValues", p);
  } else {
    send_now(o, "MeterValues", p);
  }
}

static borne_ms take_samples(ocpp16_station *o, borne_ms now) {
  borne_ms next = NEVER;
  long every = key_int(o, "MeterValueSampleInterval");
  for (int c = 1; c <= o->count && every > 0; c++) {
    cp_conn *k = &o->conn[c - 1];
    if (!k->session_id) continue;
    if (now - k->last_sample >= every * 1000) {
      k->last_sample = now;
      sample_connector(o, c, "Sample.Periodic", "MeterValuesSampledData");
    }
    if (k->last_sample + every * 1000 < next) next = k->last_sample + every * 1000;
  }
  long aligned = key_int(o, "ClockAlignedDataInterval");
  if (aligned <= 0) {
    o->next_aligned = NEVER;
  } else {
    if (o->next_aligned == NEVER || o->next_aligned > now + aligned * 1000)
      o->next_aligned = ocpp16_next_aligned(now, aligned);
    if (now >= o->next_aligned) {
      for (int c = 1; c <= o->count; c++)
        sample_connector(o, c, "Sample.Clock", "MeterValuesAlignedData");
      o->next_aligned = ocpp16_next_aligned(now, aligned);
    }
  }
  return o->next_aligned < next ? o->next_aligned : next;
}

/* ---------- the one timer ---------- */

static borne_ms expire_reservations(ocpp16_station *o, borne_ms now) {
  borne_ms next = NEVER;
  for (int c = 0; c <= o->count; c++) {
    int id = ocpp16_backend_reservation_expired(o->be, c, now);
    if (id) {
      station_cancel_reservation(o->st, c);
      station_event(o->st, c, "ocpp_reservation", "{\"id\":%d,\"state\":\"expired\"}", id);
    }
  }
  borne_ms e = ocpp16_backend_reservation_next_expiry(o->be);
  return e < next ? e : next;
}

static void apply_profiles(ocpp16_station *o);

static void tick_cb(uv_timer_t *t) {
  ocpp16_station *o = t->data;
  borne_ms now = now_of(o);
  report_statuses(o, now);
  take_samples(o, now);
  expire_reservations(o, now);
  apply_profiles(o);
  pump(o);
  arm_tick(o);
}

static void arm_tick(ocpp16_station *o) {
  if (o->closing) return;
  borne_ms now = now_of(o), next = NEVER, x;
  if ((x = report_statuses(o, now)) < next) next = x;
  long every = key_int(o, "MeterValueSampleInterval");
  for (int c = 1; c <= o->count && every > 0; c++)
    if (o->conn[c - 1].session_id && o->conn[c - 1].last_sample + every * 1000 < next)
      next = o->conn[c - 1].last_sample + every * 1000;
  if (o->next_aligned < next) next = o->next_aligned;
  /* the queue matters only when the next message could go now: online and
   * no queued message waiting for its answer (else its past due time spins) */
  if (online(o) && !o->pump_in_flight && (x = ocpp16_backend_queue_next_due(o->be)) < next)
    next = x;
  if ((x = ocpp16_backend_reservation_next_expiry(o->be)) < next) next = x;
  if ((x = ocpp16_smart_next_change(o->smart, now)) < next) next = x;
  if (next == NEVER) {
    uv_timer_stop(&o->tick_timer);
    return;
  }
  /* a deadline already past means work the tick could not do (waiting on the
   * link): never let it turn into a spinning zero-delay timer */
  uint64_t delay = clock_real_delay_ms(&o->st->clock, next);
  uv_timer_start(&o->tick_timer, tick_cb, delay < 50 ? 50 : delay, 0);
}

/* ---------- smart charging ---------- */

/* When the running session of connector c started (Relative schedules). */
static borne_ms tx_start_of(ocpp16_station *o, int c) {
  session_row row;
  if (o->conn[c - 1].session_id &&
      store_session_get(o->st->db, o->conn[c - 1].session_id, &row) == 0)
    return row.start_ms;
  return 0;
}

/* The composite profile limit of each connector, as a core limit (OCPP). */
static void apply_profiles(ocpp16_station *o) {
  borne_ms now = now_of(o);
  double voltage = config_get_number(o->st->cfg, "site.voltage_v");
  for (int c = 1; c <= o->count; c++) {
    const connector_sm *sm = &o->st->core.conn[c - 1];
    borne_ms tx_start = tx_start_of(o, c);
    double a = ocpp16_smart_limit_a(o->smart, c, now, o->conn[c - 1].transaction_id, tx_start,
                                    sm->cfg.phases, voltage);
    /* the core keeps the value; setting the same one again changes nothing */
    station_set_limit(o->st, c, LIMIT_OCPP, a);
  }
}

/* ---------- station hooks ---------- */

static void on_status_changed(void *ctx, int c, connector_status s, error_code e) {
  ocpp16_station *o = ctx;
  cp_conn *k = &o->conn[c - 1];
  if (k->known && k->status == s && k->error == e) return;
  k->known = true;
  k->status = s;
  k->error = e;
  k->since = now_of(o);
  report_statuses(o, k->since);
  arm_tick(o);
}

static void on_session_started(void *ctx, int c, const station_session_info *s) {
  ocpp16_station *o = ctx;
  cp_conn *k = &o->conn[c - 1];
  k->session_id = s->id;
  k->last_sample = now_of(o);
  if (s->resumed) {
    k->transaction_id = ocpp16_backend_queue_tx_id(o->be, s->id);
    return;
  }
  k->transaction_id = 0;
  char tag[21];
  id_tag_of(o, s->uid, tag, sizeof tag);
  json_t *p =
      json_pack("{s:i, s:s, s:I, s:o}", "connectorId", c, "idTag", tag, "meterStart",
                (json_int_t)llround(s->meter_start_wh), "timestamp", time_json(s->start_ms));
  /* the group of the badge, as the last authorization said */
  const char *parent = strcmp(o->auth_tag, tag) == 0 ? o->auth_parent : NULL;
  int rid = ocpp16_backend_reservation_use(o->be, c, tag, parent);
  if (rid) {
    json_object_set_new(p, "reservationId", json_integer(rid));
    station_event(o->st, c, "ocpp_reservation", "{\"id\":%d,\"state\":\"used\"}", rid);
  }
  enqueue(o, s->id, "StartTransaction", p);
  arm_tick(o);
}

/* OCMF: the session's signed records as SignedData sampled values (issue 5),
 * each in a meterValue of its own time. */
static int add_signed_record(void *ctx, const ocmf_record_row *row) {
  json_t *data = ctx;
  const char *context = row->kind == 'B'   ? "Transaction.Begin"
                        : row->kind == 'E' ? "Transaction.End"
                                           : "Sample.Periodic";
  json_t *sv =
      json_pack("[{s:s, s:s, s:s, s:s, s:s}]", "value", row->record, "context", context, "format",
                "SignedData", "measurand", "Energy.Active.Import.Register", "location", "Outlet");
  json_array_append_new(
      data, json_pack("{s:o, s:o}", "timestamp", time_json(row->at_ms), "sampledValue", sv));
  return 0;
}

static void on_session_stopped(void *ctx, int c, const station_session_info *s) {
  ocpp16_station *o = ctx;
  cp_conn *k = &o->conn[c - 1];
  char tag[21];
  id_tag_of(o, s->uid, tag, sizeof tag);
  json_t *p =
      json_pack("{s:i, s:I, s:o, s:s}", "transactionId", ocpp16_backend_queue_tx_id(o->be, s->id),
                "meterStop", (json_int_t)llround(s->meter_stop_wh), "timestamp",
                time_json(s->stop_ms), "reason", stop_reason_name(s->reason));
  if (tag[0]) json_object_set_new(p, "idTag", json_string(tag));
  /* transactionData: the register at the start, and StopTxnSampledData at the end */
  const char *stop_data = key_str(o, "StopTxnSampledData");
  if (stop_data[0]) {
    json_t *data = json_array();
    meter_reading begin = {.energy_import_wh = s->meter_start_wh};
    json_t *sv = json_array();
    ocpp16_sampled_values("Energy.Active.Import.Register", &begin, NULL, "Transaction.Begin", sv);
    if (strstr(stop_data, "Energy.Active.Import.Register") && json_array_size(sv))
      json_array_append_new(
          data, json_pack("{s:o, s:o}", "timestamp", time_json(s->start_ms), "sampledValue", sv));
    else
      json_decref(sv);
    meter_reading end = o->st->conn[c - 1].meter;
    end.energy_import_wh = s->meter_stop_wh;
    json_t *sv2 = json_array();
    ocpp16_sample_extra x = extra_of(o, c);
    ocpp16_sampled_values(stop_data, &end, &x, "Transaction.End", sv2);
    json_array_append_new(
        data, json_pack("{s:o, s:o}", "timestamp", time_json(s->stop_ms), "sampledValue", sv2));
    json_object_set_new(p, "transactionData", data);
  }
  struct ocmf *signer = station_ocmf(o->st);
  if (signer) {
    json_t *data = json_object_get(p, "transactionData");
    if (!data) {
      data = json_array();
      json_object_set_new(p, "transactionData", data);
    }
    ocmf_session_records(signer, s->id, add_signed_record, data);
    if (json_array_size(data) == 0) json_object_del(p, "transactionData");
  }
  enqueue(o, s->id, "StopTransaction", p);
  k->session_id = 0;
  k->transaction_id = 0;
  ocpp16_smart_transaction_ended(o->smart, c);
  apply_profiles(o);
}

static void on_meter_read(void *ctx, int c, const meter_reading *r) {
  (void)r;
  ocpp16_station *o = ctx;
  if (o->conn[c - 1].session_id) take_samples(o, now_of(o));
}

typedef struct {
  unsigned long long pagination;
  json_t *data;
} signed_pick;

static int pick_signed_record(void *ctx, const ocmf_record_row *row) {
  signed_pick *pick = ctx;
  return row->pagination == pick->pagination ? add_signed_record(pick->data, row), 1 : 0;
}

/* An intermediate OCMF reading taken during a transaction (on demand): sent
 * at once as transaction MeterValues with a SignedData value. */
static void send_signed_reading(ocpp16_station *o, int c, const char *detail) {
  long long session = 0;
  unsigned long long pagination = 0;
  char kind = 0;
  if (c < 1 || c > o->count ||
      sscanf(detail, "{\"session\":%lld,\"kind\":\"%c\",\"pagination\":%llu", &session, &kind,
             &pagination) != 3 ||
      kind != 'C' || o->conn[c - 1].session_id != session || !station_ocmf(o->st))
    return;
  signed_pick pick = {.pagination = pagination, .data = json_array()};
  ocmf_session_records(station_ocmf(o->st), session, pick_signed_record, &pick);
  if (json_array_size(pick.data) == 0) {
    json_decref(pick.data);
    return;
  }
  json_t *p = json_pack("{s:i, s:i, s:o}", "connectorId", c, "transactionId",
                        o->conn[c - 1].transaction_id, "meterValue", pick.data);
  enqueue(o, session, "MeterValues", p);
}

static void on_event(void *ctx, int c, const char *kind, const char *detail) {
  ocpp16_station *o = ctx;
  if (strcmp(kind, "ocmf") == 0) {
    send_signed_reading(o, c, detail);
    return;
  }
  if (strcmp(kind, "security") != 0) return;
  /* Security whitepaper: SecurityEventNotification, queued like transaction messages. */
  char type[51], tech[256];
  const char *colon = strchr(detail, ':');
  snprintf(type, sizeof type, "%.*s", colon ? (int)(colon - detail) : (int)strlen(detail), detail);
  snprintf(tech, sizeof tech, "%s", colon ? colon + 1 + (colon[1] == ' ') : "");
  json_t *p = json_pack("{s:s, s:o}", "type", type, "timestamp", time_json(now_of(o)));
  if (tech[0]) json_object_set_new(p, "techInfo", json_string(tech));
  (void)c;
  enqueue(o, 0, "SecurityEventNotification", p);
}

static void security_event(ocpp16_station *o, const char *type, const char *tech) {
  station_event(o->st, 0, "security", "%s%s%s", type, tech && tech[0] ? ": " : "",
                tech ? tech : "");
}

/* ---------- authorization ---------- */

typedef struct {
  ocpp16_station *o;
  uint32_t request_id;
  char uid[BORNE_UID_MAX + 1];
  char tag[21];
} auth_ctx;

/* Answers the station's badge question and remembers the badge's group for
 * the reservation the session may use. */
static void answer_auth(ocpp16_station *o, uint32_t request_id, const char *tag, bool accepted,
                        const char *user, const char *parent) {
  if (accepted) {
    snprintf(o->auth_tag, sizeof o->auth_tag, "%s", tag);
    snprintf(o->auth_parent, sizeof o->auth_parent, "%s", parent ? parent : "");
  }
  station_auth_answer_parent(o->st, request_id, accepted, user, parent);
}

static void decide_offline(ocpp16_station *o, uint32_t request_id, const char *uid,
                           const char *tag) {
  char user[BORNE_NAME_MAX + 1] = "", parent[21] = "";
  ocpp16_auth_verdict v = ocpp16_backend_auth_offline(o->be, tag, now_of(o), parent);
  if (v == OCPP16_AUTH_UNKNOWN && config_get_bool(o->st->cfg, "auth.offline_local_badges") &&
      station_authorize_locally(o->st, uid, user, sizeof user))
    v = OCPP16_AUTH_ACCEPT;
  station_event(o->st, 0, "ocpp_offline_auth", "%s %s", tag,
                v == OCPP16_AUTH_ACCEPT ? "accepted" : "refused");
  answer_auth(o, request_id, tag, v == OCPP16_AUTH_ACCEPT, user[0] ? user : NULL, parent);
}

static void authorize_answer(void *ctx, const json_t *result, const char *code, const char *text) {
  auth_ctx *a = ctx;
  ocpp16_station *o = a->o;
  if (!o->closing) {
    if (!result) {
      log_warn(MOD, "Authorize %s: %s %s: offline rules", a->tag, code, text);
      decide_offline(o, a->request_id, a->uid, a->tag);
    } else {
      const json_t *info = json_object_get(result, "idTagInfo");
      ocpp16_backend_auth_update(o->be, a->tag, info, now_of(o));
      const char *status = json_string_value(json_object_get(info, "status"));
      const char *parent = json_string_value(json_object_get(info, "parentIdTag"));
      answer_auth(o, a->request_id, a->tag, status && !strcmp(status, "Accepted"), NULL, parent);
    }
  }
  free(a);
}

static void authorize(void *ctx, uint32_t request_id, const char *uid) {
  ocpp16_station *o = ctx;
  char tag[21], parent[21] = "";
  id_tag_of(o, uid, tag, sizeof tag);
  if (!online(o)) {
    decide_offline(o, request_id, uid, tag);
    return;
  }
  /* LocalPreAuthorize: a valid cache or local list entry answers at once */
  if (ocpp16_backend_auth_local(o->be, tag, now_of(o), parent) == OCPP16_AUTH_ACCEPT) {
    answer_auth(o, request_id, tag, true, NULL, parent);
    return;
  }
  auth_ctx *a = calloc(1, sizeof *a);
  a->o = o;
  a->request_id = request_id;
  snprintf(a->uid, sizeof a->uid, "%s", uid);
  snprintf(a->tag, sizeof a->tag, "%s", tag);
  if (ocpp_link_call(o->link, "Authorize", json_pack("{s:s}", "idTag", tag), authorize_answer, a) !=
      0) {
    free(a);
    decide_offline(o, request_id, uid, tag);
  }
}

/* ---------- firmware and diagnostics notifications ---------- */

static void on_firmware_status(void *ctx, fw_status s, int request_id, const char *detail) {
  ocpp16_station *o = ctx;
  (void)detail;
  /* the firmware service recorded the event, the security events
   * (forwarded by on_event) and set the LED */
  o->fw_last = s;
  if (o->fw_signed || request_id) {
    send_now(o, "SignedFirmwareStatusNotification",
             json_pack("{s:s, s:i}", "status", fw_status_name(s), "requestId", request_id));
  } else if (fw_status_ocpp16(s)) {
    send_now(o, "FirmwareStatusNotification", json_pack("{s:s}", "status", fw_status_ocpp16(s)));
  }
}

/* The firmware asks for the restart into the new image: first let the
 * status notifications already queued reach the back end (at most
 * RESTART_FLUSH_MAX_MS), so it sees Installing before the station goes. */
#define RESTART_FLUSH_MAX_MS 10000

static void flush_check_cb(uv_timer_t *t) {
  ocpp16_station *o = t->data;
  uint64_t now = uv_now(o->st->loop);
  if (online(o) && ocpp_link_pending(o->link) > 0 && now < o->restart_deadline) {
    uv_timer_start(&o->reset_timer, flush_check_cb, o->restart_deadline - now, 0);
    return;
  }
  o->restart_pending = false;
  station_reset(o->st, true);
}

static void on_restart(void *ctx) {
  ocpp16_station *o = ctx;
  o->restart_pending = true;
  o->restart_deadline = uv_now(o->st->loop) + RESTART_FLUSH_MAX_MS;
  uv_timer_start(&o->reset_timer, flush_check_cb, 0, 0);
}

static void on_diag_status(void *ctx, diag_status s, int request_id, const char *detail) {
  ocpp16_station *o = ctx;
  (void)detail;
  o->diag_last = s;
  if (request_id)
    send_now(o, "LogStatusNotification",
             json_pack("{s:s, s:i}", "status", diag_status_log_name(s), "requestId", request_id));
  else if (s != DIAG_IDLE)
    send_now(o, "DiagnosticsStatusNotification", json_pack("{s:s}", "status", diag_status_name(s)));
}

/* ---------- incoming calls ---------- */

static void reply_status(ocpp_reply *r, const char *status) {
  r->result = json_pack("{s:s}", "status", status);
}

/* Every handler reads its request from the generated struct: `rc` and `err`
 * are what ocpp16_<Action>Request_decode returned. The RPC layer validated
 * the payload, so the decode cannot fail; if it did, the answer is the
 * CALLERROR the validator would give (its code, from ocpp_schema.c). */
static bool decoded(int rc, const ocpp_error *err, ocpp_reply *r) {
  static const char *const codes[] = {"FormationViolation", "TypeConstraintViolation",
                                      "PropertyConstraintViolation",
                                      "OccurenceConstraintViolation"};
  if (rc == 0) return true;
  r->error_code = "InternalError";
  for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
    if (strcmp(err->code, codes[i]) == 0) r->error_code = codes[i];
  snprintf(r->error_text, sizeof r->error_text, "%s", err->text);
  return false;
}

static int pick_connector(ocpp16_station *o, int requested) {
  if (requested > 0) return requested <= o->count ? requested : -1;
  for (int c = 1; c <= o->count; c++) /* a car waiting for authorization first */
    if (cs_waiting_for_authorization(&o->st->core.conn[c - 1])) return c;
  for (int c = 1; c <= o->count; c++)
    if (o->conn[c - 1].status == STATUS_AVAILABLE) return c;
  return -1;
}

typedef struct {
  ocpp16_station *o;
  int connector;
  char tag[21];
} remote_ctx;

static void remote_start_now(ocpp16_station *o, int c, const char *tag, const char *parent) {
  char err[160];
  (void)parent;
  if (station_remote_start_authorized(o->st, c, tag, NULL, err, sizeof err) != 0)
    log_warn(MOD, "remote start on %d: %s", c, err);
}

static void remote_authorize_answer(void *ctx, const json_t *result, const char *code,
                                    const char *text) {
  remote_ctx *r = ctx;
  (void)code, (void)text;
  if (!r->o->closing && result) {
    const json_t *info = json_object_get(result, "idTagInfo");
    ocpp16_backend_auth_update(r->o->be, r->tag, info, now_of(r->o));
    const char *status = json_string_value(json_object_get(info, "status"));
    if (status && strcmp(status, "Accepted") == 0)
      remote_start_now(r->o, r->connector, r->tag, NULL);
    else
      station_event(r->o->st, r->connector, "auth_refused", "%s", r->tag);
  }
  free(r);
}

static void remote_start(ocpp16_station *o, const ocpp16_RemoteStartTransactionRequest *q,
                         ocpp_reply *r) {
  const char *tag = q->idTag;
  int c = pick_connector(o, q->has_connectorId ? (int)q->connectorId : 0);
  if (c < 0 || cs_has_session(&o->st->core.conn[c - 1]) ||
      o->conn[c - 1].status == STATUS_FAULTED || o->conn[c - 1].status == STATUS_UNAVAILABLE ||
      !cs_reservation_admits(&o->st->core.conn[c - 1], tag, NULL)) {
    reply_status(r, "Rejected");
    return;
  }
  if (q->has_chargingProfile) {
    if (q->chargingProfile.chargingProfilePurpose !=
            ocpp16_RemoteStartTransactionRequest_chargingProfile_chargingProfilePurpose_TxProfile ||
        strcmp(ocpp16_smart_set_remote_start(o->smart, c, &q->chargingProfile, now_of(o)),
               "Accepted") != 0) {
      reply_status(r, "Rejected");
      return;
    }
  }
  reply_status(r, "Accepted");
  if (key_bool(o, "AuthorizeRemoteTxRequests")) {
    remote_ctx *x = calloc(1, sizeof *x);
    x->o = o;
    x->connector = c;
    snprintf(x->tag, sizeof x->tag, "%s", tag);
    if (ocpp_link_call(o->link, "Authorize", json_pack("{s:s}", "idTag", tag),
                       remote_authorize_answer, x) != 0)
      free(x);
    return;
  }
  remote_start_now(o, c, tag, NULL);
}

static void h_remote_start(ocpp16_station *o, const json_t *req, ocpp_reply *r) {
  ocpp16_RemoteStartTransactionRequest q;
  ocpp_error e;
  if (!decoded(ocpp16_RemoteStartTransactionRequest_decode(req, &q, &e), &e, r)) return;
  remote_start(o, &q, r);
  ocpp16_RemoteStartTransactionRequest_free(&q);
}

static void h_remote_stop(ocpp16_station *o, const json_t *req, ocpp_reply *r) {
  ocpp16_RemoteStopTransactionRequest q;
  ocpp_error e;
  if (!decoded(ocpp16_RemoteStopTransactionRequest_decode(req, &q, &e), &e, r)) return;
  int tx = (int)q.transactionId;
  ocpp16_RemoteStopTransactionRequest_free(&q);
  int c = tx ? connector_of_transaction(o, tx) : 0;
  char err[160];
  if (!c || station_remote_stop(o->st, c, err, sizeof err) != 0) {
    reply_status(r, "Rejected");
    return;
  }
  reply_status(r, "Accepted");
}

static void h_change_availability(ocpp16_station *o, const json_t *req, ocpp_reply *r) {
  ocpp16_ChangeAvailabilityRequest q;
  ocpp_error e;
  if (!decoded(ocpp16_ChangeAvailabilityRequest_decode(req, &q, &e), &e, r)) return;
  int c = (int)q.connectorId;
  bool operative = q.type == ocpp16_ChangeAvailabilityRequest_type_Operative;
  ocpp16_ChangeAvailabilityRequest_free(&q);
  if (c < 0 || c > o->count) {
    reply_status(r, "Rejected");
    return;
  }
  bool scheduled = false;
  for (int i = c ? c : 1; i <= (c ? c : o->count); i++) {
    if (!operative && cs_has_session(&o->st->core.conn[i - 1])) scheduled = true;
    ocpp16_backend_availability_save(o->be, i, operative);
    station_set_available(o->st, i, operative);
  }
  reply_status(r, scheduled ? "Scheduled" : "Accepted");
}

static void h_change_configuration(ocpp16_station *o, const json_t *req, ocpp_reply *r) {
  ocpp16_ChangeConfigurationRequest q;
  ocpp_error e;
  if (!decoded(ocpp16_ChangeConfigurationRequest_decode(req, &q, &e), &e, r)) return;
  const char *key = q.key;
  char applied[96] = "";
  const char *status =
      ocpp_keys_change(o->st->db, o->st->cfg, key, q.value, applied, sizeof applied);
  if (strcmp(status, "Accepted") == 0 && applied[0]) {
    station_apply_setting(o->st, applied);
    /* a module that cannot take the value in place takes it at the restart */
    if (station_setting_use(o->st, applied) == SETTING_STALE) status = "RebootRequired";
  }
  reply_status(r, status);
  if (!strcmp(status, "Accepted") &&
      (!strcmp(key, "AuthorizationKey") || !strcmp(key, "SecurityProfile")))
    security_event(o, "ReconfigurationOfSecurityParameters", key);
  ocpp16_ChangeConfigurationRequest_free(&q);
}

static void h_get_configuration(ocpp16_station *o, const json_t *req, ocpp_reply *r) {
  ocpp16_GetConfigurationRequest q;
  ocpp_error e;
  if (!decoded(ocpp16_GetConfigurationRequest_decode(req, &q, &e), &e, r)) return;
  r->result = ocpp_keys_get(o->st->cfg, &q);
  ocpp16_GetConfigurationRequest_free(&q);
}

static void h_clear_cache(ocpp16_station *o, const json_t *req, ocpp_reply *r) {
  (void)req;
  reply_status(r, ocpp16_backend_auth_clear_cache(o->be) == 0 ? "Accepted" : "Rejected");
}

static void h_data_transfer(ocpp16_station *o, const json_t *req, ocpp_reply *r) {
  (void)o, (void)req;
  reply_status(r, "UnknownVendorId");
}

static void reset_cb(uv_timer_t *t) {
  ocpp16_station *o = t->data;
  station_reset(o->st, o->reset_hard);
}

static void h_reset(ocpp16_station *o, const json_t *req, ocpp_reply *r) {
  ocpp16_ResetRequest q;
  ocpp_error e;
  if (!decoded(ocpp16_ResetRequest_decode(req, &q, &e), &e, r)) return;
  o->reset_hard = q.type == ocpp16_ResetRequest_type_Hard;
  ocpp16_ResetRequest_free(&q);
  reply_status(r, "Accepted");
  security_event(o, "ResetOrReboot",
                 o->reset_hard ? "Hard reset by the back end" : "Soft reset by the back end");
  uv_timer_start(&o->reset_timer, reset_cb, RESET_FLUSH_MS, 0);
}

static void h_unlock(ocpp16_station *o, const json_t *req, ocpp_reply *r) {
  ocpp16_UnlockConnectorRequest q;
  ocpp_error e;
  if (!decoded(ocpp16_UnlockConnectorRequest_decode(req, &q, &e), &e, r)) return;
  int c = (int)q.connectorId;
  ocpp16_UnlockConnectorRequest_free(&q);
  char err[160];
  if (c < 1 || c > o->count || o->st->core.conn[c - 1].cfg.tethered) {
    reply_status(r, "NotSupported");
    return;
  }
  reply_status(r, station_unlock(o->st, c, err, sizeof err) == 0 ? "Unlocked" : "UnlockFailed");
}

static void h_update_firmware(ocpp16_station *o, const json_t *req, ocpp_reply *r) {
  ocpp16_UpdateFirmwareRequest q;
  ocpp_error e;
  if (!decoded(ocpp16_UpdateFirmwareRequest_decode(req, &q, &e), &e, r)) return;
  int64_t at = 0;
  timefmt_parse(q.retrieveDate, &at);
  /* absent optional members decode as 0 */
  fw_request fr = {.location = q.location,
                   .retrieve_at = at,
                   .retries = (int)q.retries,
                   .retry_interval_s = (int)q.retryInterval};
  char err[160];
  o->fw_signed = false;
  /* UpdateFirmware.conf has no status: a location the updater refuses
   * (file://, gopher://, ...) is reported DownloadFailed by the updater */
  if (firmware_update(o->fw, &fr, err, sizeof err) != 0) log_warn(MOD, "UpdateFirmware: %s", err);
  ocpp16_UpdateFirmwareRequest_free(&q);
  r->result = json_object(); /* UpdateFirmware.conf is empty */
}

static void h_signed_update_firmware(ocpp16_station *o, const json_t *req, ocpp_reply *r) {
  ocpp16_SignedUpdateFirmwareRequest q;
  ocpp_error e;
  if (!decoded(ocpp16_SignedUpdateFirmwareRequest_decode(req, &q, &e), &e, r)) return;
  const ocpp16_SignedUpdateFirmwareRequest_firmware *f = &q.firmware;
  int64_t at = 0;
  timefmt_parse(f->retrieveDateTime, &at);
  fw_request fr = {.location = f->location,
                   .retrieve_at = at,
                   .retries = (int)q.retries,
                   .retry_interval_s = (int)q.retryInterval,
                   .signature_b64 = f->signature,
                   .signing_cert_pem = f->signingCertificate,
                   .request_id = (int)q.requestId};
  char err[160];
  if (!curl_uv_url_allowed(fr.location, err, sizeof err)) {
    /* refused up front (file://, gopher://, ...): no update starts, so no
     * status notification follows the Rejected */
    log_warn(MOD, "SignedUpdateFirmware: %s", err);
    reply_status(r, "Rejected");
    ocpp16_SignedUpdateFirmwareRequest_free(&q);
    return;
  }
  o->fw_signed = true;
  reply_status(r, firmware_update(o->fw, &fr, err, sizeof err) == 0 ? "Accepted" : "Rejected");
  ocpp16_SignedUpdateFirmwareRequest_free(&q);
}

static void h_get_diagnostics(ocpp16_station *o, const json_t *req, ocpp_reply *r) {
  ocpp16_GetDiagnosticsRequest q;
  ocpp_error e;
  if (!decoded(ocpp16_GetDiagnosticsRequest_decode(req, &q, &e), &e, r)) return;
  int64_t start = 0, stop = 0;
  timefmt_parse(q.startTime, &start); /* NULL when absent: stays 0 */
  timefmt_parse(q.stopTime, &stop);
  diag_request dr = {.location = q.location,
                     .retries = (int)q.retries,
                     .retry_interval_s = (int)q.retryInterval,
                     .start = start,
                     .stop = stop};
  char name[200], err[160];
  /* GetDiagnostics.conf has no status: a location the uploader refuses
   * (file://, gopher://, ...) gets no fileName and is reported UploadFailed */
  if (diagnostics_upload(o->diag, &dr, name, sizeof name, err, sizeof err) != 0)
    r->result = json_object(); /* no file: fileName is optional */
  else
    r->result = json_pack("{s:s}", "fileName", name);
  ocpp16_GetDiagnosticsRequest_free(&q);
}

static void h_get_log(ocpp16_station *o, const json_t *req, ocpp_reply *r) {
  ocpp16_GetLogRequest q;
  ocpp_error e;
  if (!decoded(ocpp16_GetLogRequest_decode(req, &q, &e), &e, r)) return;
  int64_t start = 0, stop = 0;
  timefmt_parse(q.log.oldestTimestamp, &start);
  timefmt_parse(q.log.latestTimestamp, &stop);
  int id = (int)q.requestId;
  diag_request dr = {.location = q.log.remoteLocation,
                     .retries = (int)q.retries,
                     .retry_interval_s = (int)q.retryInterval,
                     .start = start,
                     .stop = stop,
                     .request_id = id ? id : 1};
  char name[200], err[160];
  if (!curl_uv_url_allowed(dr.location, err, sizeof err)) {
    /* refused up front (file://, gopher://, ...): nothing is collected, so
     * no LogStatusNotification follows the Rejected */
    log_warn(MOD, "GetLog: %s", err);
    reply_status(r, "Rejected");
  } else if (diagnostics_upload(o->diag, &dr, name, sizeof name, err, sizeof err) != 0) {
    reply_status(r, "Rejected");
  } else {
    o->log_request_id = dr.request_id;
    r->result = json_pack("{s:s, s:s}", "status", "Accepted", "filename", name);
  }
  ocpp16_GetLogRequest_free(&q);
}

static void h_reserve_now(ocpp16_station *o, const json_t *req, ocpp_reply *r) {
  ocpp16_ReserveNowRequest q;
  ocpp_error e;
  if (!decoded(ocpp16_ReserveNowRequest_decode(req, &q, &e), &e, r)) return;
  int c = (int)q.connectorId;
  const char *tag = q.idTag;
  const char *parent = q.has_parentIdTag ? q.parentIdTag : NULL;
  int id = (int)q.reservationId;
  int64_t expiry = 0;
  timefmt_parse(q.expiryDate, &expiry);
  const char *status;
  if (c < 0 || c > o->count || (c == 0 && !key_bool(o, "ReserveConnectorZeroSupported"))) {
    status = "Rejected";
  } else if (c > 0 && o->conn[c - 1].status == STATUS_FAULTED) {
    status = "Faulted";
  } else if (c > 0 && o->conn[c - 1].status == STATUS_UNAVAILABLE) {
    status = "Unavailable";
  } else if (c > 0 && o->conn[c - 1].status != STATUS_AVAILABLE &&
             o->conn[c - 1].status != STATUS_RESERVED) {
    status = "Occupied";
  } else {
    status = ocpp16_backend_reservation_add(o->be, c, id, tag, parent, expiry);
    if (strcmp(status, "Accepted") == 0) {
      char err[120];
      station_reserve(o->st, c, tag, parent, err, sizeof err);
      arm_tick(o);
    }
  }
  reply_status(r, status);
  ocpp16_ReserveNowRequest_free(&q);
}

static void h_cancel_reservation(ocpp16_station *o, const json_t *req, ocpp_reply *r) {
  ocpp16_CancelReservationRequest q;
  ocpp_error e;
  if (!decoded(ocpp16_CancelReservationRequest_decode(req, &q, &e), &e, r)) return;
  int id = (int)q.reservationId;
  ocpp16_CancelReservationRequest_free(&q);
  int c = ocpp16_backend_reservation_cancel(o->be, id);
  if (c < 0) {
    reply_status(r, "Rejected");
    return;
  }
  station_cancel_reservation(o->st, c);
  reply_status(r, "Accepted");
}

static void h_set_charging_profile(ocpp16_station *o, const json_t *req, ocpp_reply *r) {
  ocpp16_SetChargingProfileRequest q;
  ocpp_error e;
  if (!decoded(ocpp16_SetChargingProfileRequest_decode(req, &q, &e), &e, r)) return;
  int c = (int)q.connectorId;
  const char *status = "Rejected";
  if (c >= 0 && c <= o->count)
    status = ocpp16_smart_set(o->smart, c, &q.csChargingProfiles,
                              c ? o->conn[c - 1].transaction_id : 0, now_of(o));
  ocpp16_SetChargingProfileRequest_free(&q);
  reply_status(r, status);
  if (strcmp(status, "Accepted") == 0) {
    apply_profiles(o);
    arm_tick(o);
  }
}

static void h_clear_charging_profile(ocpp16_station *o, const json_t *req, ocpp_reply *r) {
  ocpp16_ClearChargingProfileRequest q;
  ocpp_error e;
  if (!decoded(ocpp16_ClearChargingProfileRequest_decode(req, &q, &e), &e, r)) return;
  int n = ocpp16_smart_clear(o->smart, &q);
  ocpp16_ClearChargingProfileRequest_free(&q);
  reply_status(r, n > 0 ? "Accepted" : "Unknown");
  apply_profiles(o);
  arm_tick(o);
}

static void h_get_composite_schedule(ocpp16_station *o, const json_t *req, ocpp_reply *r) {
  ocpp16_GetCompositeScheduleRequest q;
  ocpp_error e;
  if (!decoded(ocpp16_GetCompositeScheduleRequest_decode(req, &q, &e), &e, r)) return;
  int c = (int)q.connectorId;
  if (c < 0 || c > o->count) {
    reply_status(r, "Rejected");
  } else {
    int tx = c ? o->conn[c - 1].transaction_id : 0;
    r->result = ocpp16_smart_composite(o->smart, &q, now_of(o), tx, tx ? tx_start_of(o, c) : 0,
                                       c ? o->st->core.conn[c - 1].cfg.phases : 3,
                                       config_get_number(o->st->cfg, "site.voltage_v"));
  }
  ocpp16_GetCompositeScheduleRequest_free(&q);
}

static void h_send_local_list(ocpp16_station *o, const json_t *req, ocpp_reply *r) {
  ocpp16_SendLocalListRequest q;
  ocpp_error e;
  if (!decoded(ocpp16_SendLocalListRequest_decode(req, &q, &e), &e, r)) return;
  reply_status(r, ocpp16_backend_local_list_update(o->be, &q));
  ocpp16_SendLocalListRequest_free(&q);
}

static void h_get_local_list_version(ocpp16_station *o, const json_t *req, ocpp_reply *r) {
  (void)req;
  r->result = json_pack("{s:i}", "listVersion", ocpp16_backend_local_list_version(o->be));
}

/* ---------- certificates (security whitepaper, ocpp16_certs.h) ---------- */

/* SignCertificate.req with a new key pair's CSR (use cases A02/A03). */
static void send_sign_certificate(ocpp16_station *o) {
  char err[200];
  json_t *p = ocpp16_certs_sign_request(o->certs, config_get(o->st->cfg, "station.id"),
                                        key_str(o, "CpoName"), err, sizeof err);
  if (!p) {
    log_error(MOD, "SignCertificate not sent: %s", err);
    return;
  }
  send_now(o, "SignCertificate", p);
}

static void h_install_certificate(ocpp16_station *o, const json_t *req, ocpp_reply *r) {
  ocpp16_InstallCertificateRequest q;
  ocpp_error e;
  if (!decoded(ocpp16_InstallCertificateRequest_decode(req, &q, &e), &e, r)) return;
  int before = ocpp16_certs_count(o->certs, true);
  r->result = ocpp16_certs_install(o->certs, &q, now_of(o));
  if (ocpp16_certs_count(o->certs, true) != before) o->trust_changed = true;
  ocpp16_InstallCertificateRequest_free(&q);
}

static void h_delete_certificate(ocpp16_station *o, const json_t *req, ocpp_reply *r) {
  ocpp16_DeleteCertificateRequest q;
  ocpp_error e;
  if (!decoded(ocpp16_DeleteCertificateRequest_decode(req, &q, &e), &e, r)) return;
  int before = ocpp16_certs_count(o->certs, true);
  r->result = ocpp16_certs_delete(o->certs, &q);
  if (ocpp16_certs_count(o->certs, true) != before) o->trust_changed = true;
  ocpp16_DeleteCertificateRequest_free(&q);
}

static void h_get_installed_certificate_ids(ocpp16_station *o, const json_t *req, ocpp_reply *r) {
  ocpp16_GetInstalledCertificateIdsRequest q;
  ocpp_error e;
  if (!decoded(ocpp16_GetInstalledCertificateIdsRequest_decode(req, &q, &e), &e, r)) return;
  r->result = ocpp16_certs_get_ids(o->certs, &q);
  ocpp16_GetInstalledCertificateIdsRequest_free(&q);
}

static void h_certificate_signed(ocpp16_station *o, const json_t *req, ocpp_reply *r) {
  ocpp16_CertificateSignedRequest q;
  ocpp_error e;
  if (!decoded(ocpp16_CertificateSignedRequest_decode(req, &q, &e), &e, r)) return;
  bool changed = false;
  char why[200];
  r->result = ocpp16_certs_signed(o->certs, &q, now_of(o), &changed, why, sizeof why);
  ocpp16_CertificateSignedRequest_free(&q);
  if (!changed) {
    security_event(o, "InvalidChargePointCertificate", why); /* whitepaper A02/A03 */
    return;
  }
  station_event(o->st, 0, "ocpp_certificate", "client certificate installed");
  /* profile 3 authenticates with it: reconnect once the answer is out */
  if (key_int(o, "security_profile") == 3) o->cert_reconnect = true;
}

static void transport_config(const ocpp16_station *o, ocpp_transport_config *tc);

/* The link's certificates changed: used from the next connection. */
static void certs_apply(ocpp16_station *o, const char *why) {
  ocpp_transport_config tc;
  transport_config(o, &tc);
  o->link_loaded_at = config_generation(o->st->cfg);
  station_event(o->st, 0, "ocpp_reconfigured", "%s: reconnecting to %s", why, o->url);
  ocpp_link_reconfigure(o->link, &tc);
}

static void cert_reconnect_cb(uv_timer_t *t) {
  ocpp16_station *o = t->data;
  o->trust_changed = false;
  if (!o->closing) certs_apply(o, "new client certificate");
}

/* What TriggerMessage may ask for (DiagnosticsStatusNotification, not the
 * security whitepaper's log and certificate messages)... */
static unsigned trigger_of(ocpp16_TriggerMessageRequest_requestedMessage_e m) {
  switch (m) {
  case ocpp16_TriggerMessageRequest_requestedMessage_BootNotification:
    return TRIG_BOOT;
  case ocpp16_TriggerMessageRequest_requestedMessage_DiagnosticsStatusNotification:
    return TRIG_DIAG;
  case ocpp16_TriggerMessageRequest_requestedMessage_FirmwareStatusNotification:
    return TRIG_FIRMWARE;
  case ocpp16_TriggerMessageRequest_requestedMessage_Heartbeat:
    return TRIG_HEARTBEAT;
  case ocpp16_TriggerMessageRequest_requestedMessage_MeterValues:
    return TRIG_METER;
  case ocpp16_TriggerMessageRequest_requestedMessage_StatusNotification:
    return TRIG_STATUS;
  }
  return 0;
}

/* ... and what ExtendedTriggerMessage may (LogStatusNotification and
 * SignChargePointCertificate, no DiagnosticsStatusNotification). */
static unsigned extended_trigger_of(ocpp16_ExtendedTriggerMessageRequest_requestedMessage_e m) {
  switch (m) {
  case ocpp16_ExtendedTriggerMessageRequest_requestedMessage_BootNotification:
    return TRIG_BOOT;
  case ocpp16_ExtendedTriggerMessageRequest_requestedMessage_LogStatusNotification:
    return TRIG_LOG;
  case ocpp16_ExtendedTriggerMessageRequest_requestedMessage_FirmwareStatusNotification:
    return TRIG_FIRMWARE;
  case ocpp16_ExtendedTriggerMessageRequest_requestedMessage_Heartbeat:
    return TRIG_HEARTBEAT;
  case ocpp16_ExtendedTriggerMessageRequest_requestedMessage_MeterValues:
    return TRIG_METER;
  case ocpp16_ExtendedTriggerMessageRequest_requestedMessage_SignChargePointCertificate:
    return TRIG_SIGN;
  case ocpp16_ExtendedTriggerMessageRequest_requestedMessage_StatusNotification:
    return TRIG_STATUS;
  }
  return 0;
}

static void h_trigger(ocpp16_station *o, const json_t *req, ocpp_reply *r, bool extended) {
  unsigned bit;
  int c = 0;
  ocpp_error e;
  if (extended) {
    ocpp16_ExtendedTriggerMessageRequest q;
    if (!decoded(ocpp16_ExtendedTriggerMessageRequest_decode(req, &q, &e), &e, r)) return;
    bit = extended_trigger_of(q.requestedMessage);
    if (q.has_connectorId) c = (int)q.connectorId;
    ocpp16_ExtendedTriggerMessageRequest_free(&q);
  } else {
    ocpp16_TriggerMessageRequest q;
    if (!decoded(ocpp16_TriggerMessageRequest_decode(req, &q, &e), &e, r)) return;
    bit = trigger_of(q.requestedMessage);
    if (q.has_connectorId) c = (int)q.connectorId;
    ocpp16_TriggerMessageRequest_free(&q);
  }
  if (!bit) {
    reply_status(r, "NotImplemented");
    return;
  }
  if (bit == TRIG_SIGN && !key_str(o, "CpoName")[0]) {
    /* the CSR's organizationName must be CpoName (security whitepaper A02) */
    log_warn(MOD, "SignChargePointCertificate refused: the CpoName key is empty");
    reply_status(r, "Rejected");
    return;
  }
  if (c < 0 || c > o->count) {
    reply_status(r, "Rejected");
    return;
  }
  o->trigger |= bit;
  o->trigger_connector = c;
  reply_status(r, "Accepted");
}

/* Triggered messages go out after the TriggerMessage answer (OCPP 1.6 5.17). */
static void send_triggered(ocpp16_station *o) {
  unsigned t = o->trigger;
  int c = o->trigger_connector;
  o->trigger = 0;
  if (t & TRIG_BOOT) send_boot(o);
  if (t & TRIG_HEARTBEAT) send_heartbeat(o);
  if (t & TRIG_STATUS) {
    if (c)
      send_status(o, c);
    else
      send_all_statuses(o);
  }
  if (t & TRIG_METER)
    for (int i = c ? c : 1; i <= (c ? c : o->count); i++) {
      json_t *mv = json_array();
      json_array_append_new(
          mv, meter_value(o, i, key_str(o, "MeterValuesSampledData"), "Trigger", now_of(o)));
      json_t *p = json_pack("{s:i, s:o}", "connectorId", i, "meterValue", mv);
      if (o->conn[i - 1].transaction_id)
        json_object_set_new(p, "transactionId", json_integer(o->conn[i - 1].transaction_id));
      send_now(o, "MeterValues", p);
    }
  if (t & TRIG_FIRMWARE) {
    fw_status s = firmware_busy(o->fw) ? o->fw_last : FW_IDLE;
    send_now(o, "FirmwareStatusNotification",
             json_pack("{s:s}", "status", fw_status_ocpp16(s) ? fw_status_ocpp16(s) : "Idle"));
  }
  if (t & TRIG_DIAG)
    send_now(o, "DiagnosticsStatusNotification",
             json_pack("{s:s}", "status", diagnostics_busy(o->diag) ? "Uploading" : "Idle"));
  if (t & TRIG_LOG)
    send_now(o, "LogStatusNotification",
             json_pack("{s:s, s:i}", "status", diagnostics_busy(o->diag) ? "Uploading" : "Idle",
                       "requestId", o->log_request_id));
  if (t & TRIG_SIGN) send_sign_certificate(o);
}

static void on_call(void *ctx, const char *action, const json_t *req, ocpp_reply *r) {
  ocpp16_station *o = ctx;
  o->last_rx_wall = clock_wall_ms();
  static const struct {
    const char *action;
    void (*fn)(ocpp16_station *, const json_t *, ocpp_reply *);
  } handlers[] = {
      {"RemoteStartTransaction", h_remote_start},
      {"RemoteStopTransaction", h_remote_stop},
      {"ChangeAvailability", h_change_availability},
      {"ChangeConfiguration", h_change_configuration},
      {"GetConfiguration", h_get_configuration},
      {"ClearCache", h_clear_cache},
      {"DataTransfer", h_data_transfer},
      {"Reset", h_reset},
      {"UnlockConnector", h_unlock},
      {"UpdateFirmware", h_update_firmware},
      {"SignedUpdateFirmware", h_signed_update_firmware},
      {"GetDiagnostics", h_get_diagnostics},
      {"GetLog", h_get_log},
      {"ReserveNow", h_reserve_now},
      {"CancelReservation", h_cancel_reservation},
      {"SetChargingProfile", h_set_charging_profile},
      {"ClearChargingProfile", h_clear_charging_profile},
      {"GetCompositeSchedule", h_get_composite_schedule},
      {"SendLocalList", h_send_local_list},
      {"GetLocalListVersion", h_get_local_list_version},
      {"InstallCertificate", h_install_certificate},
      {"DeleteCertificate", h_delete_certificate},
      {"GetInstalledCertificateIds", h_get_installed_certificate_ids},
      {"CertificateSigned", h_certificate_signed},
  };
  if (strcmp(action, "TriggerMessage") == 0 || strcmp(action, "ExtendedTriggerMessage") == 0) {
    h_trigger(o, req, r, action[0] == 'E');
    return;
  }
  for (size_t i = 0; i < sizeof handlers / sizeof handlers[0]; i++)
    if (strcmp(handlers[i].action, action) == 0) {
      handlers[i].fn(o, req, r);
      station_event(o->st, 0, "ocpp_call", "%s", action);
      return;
    }
  r->error_code = "NotImplemented";
  snprintf(r->error_text, sizeof r->error_text, "%s is not supported by this charge point", action);
}

static void on_replied(void *ctx, const char *action) {
  ocpp16_station *o = ctx;
  if (o->trigger && strstr(action, "TriggerMessage")) send_triggered(o);
  if (o->cert_reconnect && strcmp(action, "CertificateSigned") == 0) {
    o->cert_reconnect = false; /* once the answer is on the wire, like Reset */
    uv_timer_start(&o->cert_timer, cert_reconnect_cb, RESET_FLUSH_MS, 0);
  }
}

static void on_connected(void *ctx) {
  ocpp16_station *o = ctx;
  o->boot = BOOT_NONE;
  char *chain = ocpp_link_peer_chain_pem(o->link); /* the root it needs cannot be deleted */
  ocpp16_certs_set_server_chain(o->certs, chain);
  free(chain);
  station_event(o->st, 0, "ocpp_connected", "%s", o->url);
  send_boot(o);
}

static void on_disconnected(void *ctx, const char *why) {
  ocpp16_station *o = ctx;
  if (o->closing) return;
  o->boot = BOOT_NONE;
  o->st->core.offline = true;
  uv_timer_stop(&o->heartbeat_timer);
  uv_timer_stop(&o->boot_timer);
  for (int c = 1; c <= o->count; c++) o->conn[c - 1].reported_valid = false;
  ocpp16_certs_set_server_chain(o->certs, NULL);
  station_event(o->st, 0, "ocpp_disconnected", "%s", why);
  if (o->trust_changed && key_int(o, "security_profile") >= 2) {
    o->trust_changed = false;
    certs_apply(o, "new CentralSystemRootCertificates");
  }
}

/* ---------- module ---------- */

static void transport_config(const ocpp16_station *o, ocpp_transport_config *tc) {
  const config *cfg = o->st->cfg;
  *tc = (ocpp_transport_config){
      .url = o->url,
      .cp_id = config_get(cfg, "station.id"),
      .subprotocol = "ocpp1.6",
      .security_profile = (int)config_get_int(cfg, "ocpp.security_profile"),
      .basic_password = config_get(cfg, "ocpp.AuthorizationKey"),
      /* certificates from the back end (whitepaper) join or replace the installer's */
      .ca_file = ocpp16_certs_link_ca_file(o->certs, config_get(cfg, "ocpp.ca_file")),
      .cert_file = ocpp16_certs_client_cert_file(o->certs) ? ocpp16_certs_client_cert_file(o->certs)
                                                           : config_get(cfg, "ocpp.cert_file"),
      .key_file = ocpp16_certs_client_key_file(o->certs) ? ocpp16_certs_client_key_file(o->certs)
                                                         : config_get(cfg, "ocpp.key_file"),
      .ping_interval_s = (int)config_get_int(cfg, "ocpp.WebSocketPingInterval"),
      .reconnect_min_s = 1,
      .reconnect_max_s = (int)config_get_int(cfg, "ocpp.reconnect_max_s"),
  };
}

static const char *link_state_name(ocpp_link_state s) {
  switch (s) {
  case OCPP_LINK_DISABLED:
    return "disabled";
  case OCPP_LINK_CONNECTING:
    return "connecting";
  case OCPP_LINK_CONNECTED:
    return "connected";
  case OCPP_LINK_WAITING:
    return "waiting";
  }
  return "?";
}

static void on_status_json(void *ctx, int c, json_t *obj) {
  ocpp16_station *o = ctx;
  if (c > 0) {
    const cp_conn *k = &o->conn[c - 1];
    json_object_set_new(obj, "ocpp_transaction_id",
                        k->transaction_id ? json_integer(k->transaction_id) : json_null());
    return;
  }
  /* the version running, as reported in BootNotification (an installed
   * update, not the version borned was built as) */
  json_object_set_new(obj, "firmware_version", json_string(firmware_version(o->fw)));
  ocpp_link_status ls;
  ocpp_link_get_status(o->link, &ls);
  char since[40], last[40];
  timefmt_iso(ls.since_ms, since, sizeof since);
  timefmt_iso(ls.last_rx_ms, last, sizeof last);
  json_object_set_new(
      obj, "ocpp",
      json_pack("{s:s, s:s, s:s, s:s, s:s?, s:s, s:I, s:i, s:s?}", "url", o->url, "version", "1.6",
                "state", link_state_name(ls.state), "since", since, "last_message",
                ls.last_rx_ms ? last : NULL, "registration", boot_names[o->boot], "queue_length",
                (json_int_t)ocpp16_backend_queue_length(o->be), "reconnects", (int)ls.reconnects,
                "last_error", ls.last_error[0] ? ls.last_error : NULL));
}

/* The settings the link's transport was made with (transport_config): a
 * change reconnects. */
static bool link_key(const char *key) {
  static const char *const keys[] = {
      "ocpp.url",       "ocpp.security_profile", "ocpp.AuthorizationKey",      "ocpp.ca_file",
      "ocpp.cert_file", "ocpp.key_file",         "ocpp.WebSocketPingInterval", "station.id"};
  for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
    if (!strcmp(key, keys[i])) return true;
  return false;
}

static void on_setting_changed(void *ctx, const char *key) {
  ocpp16_station *o = ctx;
  if (strncmp(key, "ocpp.", 5) != 0 && strcmp(key, "station.id") != 0) return;
  if (!strcmp(key, "ocpp.HeartbeatInterval")) {
    o->heartbeat_s = 0;
    arm_heartbeat(o);
  }
  if (!strcmp(key, "ocpp.call_timeout_s")) {
    o->call_timeout_s = (int)config_get_int(o->st->cfg, key);
    ocpp_link_set_call_timeout(o->link, o->call_timeout_s);
  }
  if (!strcmp(key, "ocpp.reconnect_max_s")) {
    o->reconnect_max_s = (int)config_get_int(o->st->cfg, key);
    ocpp_link_set_reconnect_max(o->link, o->reconnect_max_s);
  }
  bool relink = link_key(key);
  if (!strcmp(key, "ocpp.url") && !strcmp(o->url, config_get(o->st->cfg, "ocpp.url")))
    relink = false; /* just attached with it (see idle_setting_changed) */
  if (relink) {
    snprintf(o->url, sizeof o->url, "%s", config_get(o->st->cfg, "ocpp.url"));
    ocpp_transport_config tc;
    transport_config(o, &tc);
    o->link_loaded_at = config_generation(o->st->cfg);
    station_event(o->st, 0, "ocpp_reconfigured", "%s: reconnecting to %s", key, o->url);
    ocpp_link_reconfigure(o->link, &tc);
  }
  arm_tick(o);
}

/* OCPP's run-time settings: the link's and a few timers' copies are compared;
 * every other ocpp.* key (and auth.offline_local_badges) is read where it is
 * used (key_int, key_bool, key_str, config_get), so its new value counts at
 * the next use. */
static station_setting_state on_setting_state(void *ctx, const char *key) {
  ocpp16_station *o = ctx;
  const config *cfg = o->st->cfg;
  if (strncmp(key, "ocpp.", 5) != 0 && strcmp(key, "auth.offline_local_badges") != 0)
    return SETTING_UNUSED;
  bool current = true;
  if (!strcmp(key, "ocpp.url"))
    current = !strcmp(o->url, config_get(cfg, key));
  else if (link_key(key))
    current = o->link_loaded_at >= config_changed_at(cfg, key);
  else if (!strcmp(key, "ocpp.call_timeout_s"))
    current = o->call_timeout_s == config_get_int(cfg, key);
  else if (!strcmp(key, "ocpp.reconnect_max_s"))
    current = o->reconnect_max_s == config_get_int(cfg, key);
  else if (!strcmp(key, "ocpp.HeartbeatInterval"))
    current = o->heartbeat_s > 0 || o->heartbeat_armed_s == config_get_int(cfg, key);
  return current ? SETTING_CURRENT : SETTING_STALE;
}

static void handle_closed(uv_handle_t *h) {
  ocpp16_station *o = h->data;
  o->open_handles--;
}

static void on_closing(void *ctx) {
  ocpp16_station *o = ctx;
  o->closing = true;
  curl_uv_close(o->cu); /* the firmware service closes the updater */
  diagnostics_close(o->diag);
  ocpp_link_close(o->link);
  uv_timer_t *timers[] = {&o->boot_timer, &o->heartbeat_timer, &o->tick_timer, &o->reset_timer,
                          &o->cert_timer};
  for (size_t i = 0; i < sizeof timers / sizeof timers[0]; i++) {
    uv_timer_stop(timers[i]);
    uv_close((uv_handle_t *)timers[i], handle_closed);
  }
}

static void on_free(void *ctx) {
  ocpp16_station *o = ctx;
  ocpp_link_free(o->link);
  ocpp16_backend_free(o->be);
  ocpp16_smart_free(o->smart);
  ocpp16_certs_free(o->certs);
  free(o);
}

/* GET /api/v1/ocpp: the connection and every OCPP configuration key as the
 * back end sees it (GetConfiguration), for `bornectl ocpp` and the web page. */
static int get_ocpp(void *ctx, const http_request *req, http_response *res) {
  (void)req;
  ocpp16_station *o = ctx;
  json_t *status = json_object();
  on_status_json(o, 0, status);
  json_t *conf = ocpp_keys_get(o->st->cfg, NULL);
  json_t *body = json_pack("{s:O, s:O}", "connection", json_object_get(status, "ocpp"), "keys",
                           json_object_get(conf, "configurationKey"));
  json_decref(status);
  json_decref(conf);
  api_json_body(res, body);
  return 0;
}

static int attach_backend(station *st, const char *url, char *err, size_t errlen) {
  ocpp16_station *o = calloc(1, sizeof *o);
  if (!o) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  o->st = st;
  o->count = st->core.count;
  o->next_aligned = NEVER;
  snprintf(o->url, sizeof o->url, "%s", url);
  if (ocpp_keys_check(st->cfg, err, errlen) != 0) {
    free(o);
    return -1;
  }
  o->be = ocpp16_backend_open(st->db, st->cfg, o->count, err, errlen);
  ocpp16_smart_limits lim = {
      .max_stack_level = 8, .max_periods = 24, .max_profiles = 16, .allow_watts = true};
  o->smart = o->be ? ocpp16_smart_open(st->db, o->count, &lim, err, errlen) : NULL;
  if (!o->smart) {
    ocpp16_backend_free(o->be);
    free(o);
    return -1;
  }
  char certs_dir[600];
  snprintf(certs_dir, sizeof certs_dir, "%s/certs", st->data_dir);
  o->certs = ocpp16_certs_open(certs_dir, err, errlen);
  if (!o->certs) {
    ocpp16_smart_free(o->smart);
    ocpp16_backend_free(o->be);
    free(o);
    return -1;
  }
  o->cu = curl_uv_new(st->loop);
  o->fw = station_firmware(st); /* shared with the web page's upload */
  if (!o->fw) {
    curl_uv_close(o->cu);
    ocpp16_certs_free(o->certs);
    ocpp16_smart_free(o->smart);
    ocpp16_backend_free(o->be);
    free(o);
    snprintf(err, errlen, "no firmware updater");
    return -1;
  }
  diag_config dc = {.loop = st->loop,
                    .clock = &st->clock,
                    .data_dir = st->data_dir,
                    .station_id = config_get(st->cfg, "station.id"),
                    .on_status = on_diag_status,
                    .ctx = o};
  o->diag = diagnostics_new(&dc, o->cu);
  uv_timer_t *timers[] = {&o->boot_timer, &o->heartbeat_timer, &o->tick_timer, &o->reset_timer,
                          &o->cert_timer};
  for (size_t i = 0; i < sizeof timers / sizeof timers[0]; i++) {
    uv_timer_init(st->loop, timers[i]);
    timers[i]->data = o;
    o->open_handles++;
  }
  ocpp_transport_config tc;
  transport_config(o, &tc);
  o->link_loaded_at = config_generation(st->cfg);
  o->reconnect_max_s = tc.reconnect_max_s;
  o->call_timeout_s = (int)config_get_int(st->cfg, "ocpp.call_timeout_s");
  o->heartbeat_armed_s = config_get_int(st->cfg, "ocpp.HeartbeatInterval");
  ocpp_link_events ev = {.ctx = o,
                         .connected = on_connected,
                         .disconnected = on_disconnected,
                         .call = on_call,
                         .replied = on_replied};
  o->link = ocpp_link_new(st->loop, &tc, o->call_timeout_s, ocpp16_validate, &ev, err, errlen);
  if (!o->link) {
    on_closing(o);
    return -1;
  }
  /* availability set by the back end survives restarts (OCPP 1.6 5.2), and
   * so do reservations */
  for (int c = 1; c <= o->count; c++)
    if (!ocpp16_backend_availability(o->be, c)) station_set_available(st, c, false);
  ocpp16_reservation rs[BORNE_MAX_CONNECTORS + 1];
  int nr = ocpp16_backend_reservations(o->be, rs, BORNE_MAX_CONNECTORS + 1);
  for (int i = 0; i < nr; i++) {
    char why[120];
    if (rs[i].connector <= o->count &&
        station_reserve(st, rs[i].connector, rs[i].tag, rs[i].parent, why, sizeof why) != 0)
      log_warn(MOD, "reservation %d not restored: %s", rs[i].id, why);
  }
  st->core.offline = true;
  if (strcmp(config_get(st->cfg, "auth.mode"), "ocpp") == 0)
    station_set_authorizer(st, authorize, o);
  station_module m = {.name = "ocpp",
                      .ctx = o,
                      .session_started = on_session_started,
                      .session_stopped = on_session_stopped,
                      .status_changed = on_status_changed,
                      .meter_read = on_meter_read,
                      .event = on_event,
                      .setting_changed = on_setting_changed,
                      .setting_state = on_setting_state,
                      .status_json = on_status_json,
                      .closing = on_closing,
                      .free = on_free};
  if (station_add_module(st, &m) != 0) {
    snprintf(err, errlen, "too many modules");
    return -1;
  }
  station_firmware_listen(st, on_firmware_status, o);
  station_firmware_set_restarter(st, on_restart, o);
  station_firmware_claim_boot_report(st); /* Installed goes to the back end once it accepts us */
  http_add_route(st->http, &(http_route){"GET", "/api/v1/ocpp", get_ocpp, o});
  char running[80];
  snprintf(running, sizeof running, "borne %s", firmware_version(o->fw));
  security_event(o, "StartupOfTheDevice", running);
  return 0;
}

/* A station started without a back end attaches it when the installer sets
 * ocpp.url at run time (web page, bornectl ocpp url): no restart needed. */
typedef struct {
  station *st;
  bool attached;
} ocpp16_idle;

static void idle_setting_changed(void *ctx, const char *key) {
  ocpp16_idle *idle = ctx;
  const char *url = config_get(idle->st->cfg, "ocpp.url");
  if (idle->attached || strcmp(key, "ocpp.url") != 0 || !url || !url[0]) return;
  char err[256];
  if (attach_backend(idle->st, url, err, sizeof err) != 0) {
    log_error(MOD, "cannot start OCPP: %s", err);
    return;
  }
  idle->attached = true;
  station_event(idle->st, 0, "ocpp_reconfigured", "ocpp.url: connecting to %s", url);
}

/* Before the back end is attached: ocpp.url attaches it (STALE when that
 * failed); the other OCPP keys are read once it runs. */
static station_setting_state idle_setting_state(void *ctx, const char *key) {
  ocpp16_idle *idle = ctx;
  if (idle->attached) return SETTING_UNUSED; /* the back end's module answers */
  if (strncmp(key, "ocpp.", 5) != 0 && strcmp(key, "auth.offline_local_badges") != 0)
    return SETTING_UNUSED;
  const char *url = config_get(idle->st->cfg, "ocpp.url");
  return strcmp(key, "ocpp.url") == 0 && url && url[0] ? SETTING_STALE : SETTING_CURRENT;
}

static void idle_status_json(void *ctx, int c, json_t *obj) {
  ocpp16_idle *idle = ctx;
  if (c == 0 && !idle->attached)
    json_object_set_new(
        obj, "ocpp",
        json_pack("{s:s, s:s, s:s}", "url", "", "version", "1.6", "state", "disabled"));
}

static void idle_free(void *ctx) { free(ctx); }

int ocpp16_attach(station *st, char *err, size_t errlen) {
  const char *url = config_get(st->cfg, "ocpp.url");
  if (url && url[0]) return attach_backend(st, url, err, errlen);
  if (strcmp(config_get(st->cfg, "auth.mode"), "ocpp") == 0) {
    snprintf(err, errlen, "auth.mode: `ocpp` needs a back end: set ocpp.url (or --csms URL)");
    return -1;
  }
  ocpp16_idle *idle = calloc(1, sizeof *idle);
  if (!idle) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  idle->st = st;
  station_module m = {.name = "ocpp-idle",
                      .ctx = idle,
                      .setting_changed = idle_setting_changed,
                      .setting_state = idle_setting_state,
                      .status_json = idle_status_json,
                      .free = idle_free};
  if (station_add_module(st, &m) != 0) {
    free(idle);
    snprintf(err, errlen, "too many modules");
    return -1;
  }
  return 0;
}
