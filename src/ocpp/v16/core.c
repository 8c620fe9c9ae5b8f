/*
 * OCPP 1.6 Core profile, the station's side of the conversation that is not
 * about transactions: BootNotification (4.2) and the registration state,
 * Heartbeat (4.6) and the time it carries (also BootNotification's
 * currentTime; none on a reconnection that changes nothing it is about,
 * OCPP-J 1.6 5.4), StatusNotification (4.9) with MinimumStatusDuration, and
 * the incoming DataTransfer (5.6). Split out of the charge point module so
 * that each message family of the 1.6 dialect sits in a file of its own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ocpp/v16/v16_internal.h"
#include "ocpp/v16/vocabulary.h"

const char *const v16_boot_names[] = {"none", "Pending", "Accepted", "Rejected"};

/* ---------- BootNotification, Heartbeat, time ---------- */

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

void v16_send_heartbeat(ocpp16_station *o) {
  if (online(o)) ocpp_link_call(o->link, "Heartbeat", json_object(), heartbeat_answer, o);
}

static void heartbeat_cb(uv_timer_t *t) { v16_send_heartbeat(t->data); }

void v16_arm_heartbeat(ocpp16_station *o) {
  long s = o->heartbeat_s > 0 ? o->heartbeat_s : key_int(o, "HeartbeatInterval");
  o->heartbeat_armed_s = s;
  if (s <= 0) {
    uv_timer_stop(&o->heartbeat_timer);
    return;
  }
  uv_timer_start(&o->heartbeat_timer, heartbeat_cb, (uint64_t)s * 1000, (uint64_t)s * 1000);
}

/* What an Accepted registration starts, from the BootNotification's answer
 * or from a reconnection that resumes it without one (OCPP-J 1.6 5.4);
 * `first`: not registered on this connection before. */
static void registered(ocpp16_station *o, bool first) {
  o->boot = BOOT_ACCEPTED;
  station_set_offline(o->st, false);
  v16_arm_heartbeat(o);
  if (first) {
    v16_send_all_statuses(o);
    if (station_firmware_boot_report(o->st)) { /* Installed after the restart */
    }
  }
  v16_pump(o);
  v16_arm_tick(o);
}

void v16_boot_forget(ocpp16_station *o) {
  free(o->boot_sent_fp);
  free(o->boot_accepted_fp);
  o->boot_sent_fp = o->boot_accepted_fp = NULL;
}

static void boot_answer(void *ctx, const json_t *result, const char *code, const char *text) {
  ocpp16_station *o = ctx;
  if (o->closing) return;
  if (!result) {
    log_warn(MOD, "BootNotification: %s %s", code, text);
    v16_boot_forget(o);
    /* no usable answer (timeout, CALLERROR, one failing the schema): again
     * after the call timeout, at most BOOT_RETRY_DEFAULT_S */
    long retry_s = config_get_int(o->st->cfg, "ocpp.call_timeout_s");
    if (retry_s > BOOT_RETRY_DEFAULT_S) retry_s = BOOT_RETRY_DEFAULT_S;
    lazy_timer_start(&o->boot_timer, o->st->loop, boot_timer_cb, o, (uint64_t)retry_s * 1000, 0);
    return;
  }
  const char *status = json_string_value(json_object_get(result, "status"));
  long interval = (long)json_integer_value(json_object_get(result, "interval"));
  sync_time(o, json_object_get(result, "currentTime"));
  if (status && strcmp(status, "Accepted") == 0) {
    bool first = o->boot != BOOT_ACCEPTED;
    free(o->boot_accepted_fp);
    o->boot_accepted_fp = o->boot_sent_fp; /* a reconnection like this one needs no boot */
    o->boot_sent_fp = NULL;
    if (interval > 0) o->heartbeat_s = (int)interval;
    station_event(o->st, 0, "ocpp_boot", "Accepted (heartbeat %d s)", o->heartbeat_s);
    registered(o, first);
    return;
  }
  v16_boot_forget(o); /* not accepted: a reconnection boots again */
  o->boot = status && strcmp(status, "Pending") == 0 ? BOOT_PENDING : BOOT_REJECTED;
  station_event(o->st, 0, "ocpp_boot", "%s (retry in %ld s)", v16_boot_names[o->boot],
                interval > 0 ? interval : BOOT_RETRY_DEFAULT_S);
  lazy_timer_start(&o->boot_timer, o->st->loop, boot_timer_cb, o,
                   (uint64_t)(interval > 0 ? interval : BOOT_RETRY_DEFAULT_S) * 1000, 0);
}

static json_t *boot_payload(const ocpp16_station *o) {
  const config *cfg = o->st->cfg;
  json_t *p = json_pack("{s:s, s:s, s:s}", "chargePointVendor", config_get(cfg, "station.vendor"),
                        "chargePointModel", config_get(cfg, "station.model"), "firmwareVersion",
                        station_firmware_version(o->st));
  const char *serial = config_get(cfg, "station.serial");
  if (p && serial && serial[0])
    json_object_set_new(p, "chargePointSerialNumber", json_string(serial));
  return p;
}

/* What a registration is about (ocpp_core_boot_fingerprint). */
static char *boot_fingerprint(const ocpp16_station *o, const json_t *p) {
  ocpp_transport_config tc;
  v16_transport_config(o, &tc);
  return ocpp_core_boot_fingerprint(o->shared, o->link, &tc, p);
}

bool v16_resume_registration(ocpp16_station *o) {
  if (!o->boot_accepted_fp) return false;
  json_t *p = boot_payload(o);
  char *fp = boot_fingerprint(o, p);
  json_decref(p);
  if (!ocpp_core_resume_registration(o->shared, o->boot_accepted_fp, fp)) {
    v16_boot_forget(o);
    return false;
  }
  registered(o, true);
  return true;
}

void v16_send_boot(ocpp16_station *o) {
  json_t *p = boot_payload(o);
  /* sent: until its answer says Accepted, a reconnection boots again */
  v16_boot_forget(o);
  o->boot_sent_fp = boot_fingerprint(o, p);
  if (ocpp_link_call(o->link, "BootNotification", p, boot_answer, o) != 0)
    log_debug(MOD, "BootNotification: not connected");
}

static void boot_timer_cb(uv_timer_t *t) {
  ocpp16_station *o = t->data;
  if (ocpp_link_connected(o->link)) v16_send_boot(o);
}

/* ---------- StatusNotification ---------- */

/* Connector 0 stands for the whole station (1.6 4.9, 5.2): Unavailable only
 * when every connector is (as reported, so it follows MinimumStatusDuration),
 * else Available. */
static connector_status status0(const ocpp16_station *o) {
  for (int i = 0; i < o->count; i++) {
    const cp_conn *k = &o->conn[i];
    if ((k->reported_valid ? k->reported : k->shown) != STATUS_UNAVAILABLE) return STATUS_AVAILABLE;
  }
  return STATUS_UNAVAILABLE;
}

void v16_send_status(ocpp16_station *o, int c) {
  connector_status s = STATUS_AVAILABLE;
  error_code e = ERR_NONE;
  if (c > 0) {
    cp_conn *k = &o->conn[c - 1];
    s = k->shown;
    e = k->error;
    k->reported = s;
    k->reported_error = e;
    k->reported_valid = true;
  } else {
    s = status0(o);
    o->reported0 = s;
    o->reported0_valid = true;
  }
  const error_info *info = error_info_of(e);
  json_t *p = json_pack("{s:i, s:s, s:s, s:o}", "connectorId", c, "status", v16_status_name(s),
                        "errorCode", v16_error_code_name(e), "timestamp", time_json(now_of(o)));
  if (e != ERR_NONE) {
    char text[51];
    snprintf(text, sizeof text, "%s", info->owner_text);
    json_object_set_new(p, "info", json_string(text));
    if (info->vendor_code) {
      json_object_set_new(p, "vendorErrorCode", json_string(info->vendor_code));
      json_object_set_new(p, "vendorId", json_string("org.borne"));
    }
  } else if (c > 0 && ((s == STATUS_SUSPENDED_EV && station_session_without_car(o->st, c)) ||
                       (s == STATUS_FINISHING && station_cable_without_car(o->st, c)))) {
    /* 4.9: the reason of the suspension (StopTransactionOnEVSideDisconnect
     * false) or of the stop (true) when the EV side was disconnected */
    json_object_set_new(p, "info", json_string("EV side disconnected"));
  }
  v16_send_now(o, "StatusNotification", p);
}

void v16_send_all_statuses(ocpp16_station *o) {
  v16_send_status(o, 0);
  for (int c = 1; c <= o->count; c++) v16_send_status(o, c);
}

/* Statuses that held MinimumStatusDuration and differ from what was reported. */
borne_ms v16_report_statuses(ocpp16_station *o, borne_ms now) {
  borne_ms hold = key_int(o, "MinimumStatusDuration") * 1000;
  borne_ms next = NEVER;
  for (int c = 1; c <= o->count; c++) {
    cp_conn *k = &o->conn[c - 1];
    if (!k->known) continue;
    bool changed = !k->reported_valid || k->reported != k->shown || k->reported_error != k->error;
    if (!changed) continue;
    if (now - k->since >= hold) {
      if (online(o)) v16_send_status(o, c);
    } else if (k->since + hold < next) {
      next = k->since + hold;
    }
  }
  /* connector 0 follows its connectors: ChangeAvailability of the whole
   * station (connectorId 0) or of its last available connector changes it */
  if (o->reported0_valid && online(o) && status0(o) != o->reported0) v16_send_status(o, 0);
  return next;
}

/* Preparing (1.6 4.9 ChargePointStatus: "no longer available for a new user
 * but there is no ongoing Transaction (yet)... when a user presents a tag")
 * while an authorization waits for its car on an Available connector (a
 * badge or a RemoteStartTransaction first, OCTT TC_004_1_CS, TC_011_1_CS),
 * Available again when it ends without one (ConnectionTimeOut: TC_011_2_CS).
 * The core's status, shared with 2.0.1, stays Available. A change counts as
 * any other for MinimumStatusDuration. */
static void refresh_shown(ocpp16_station *o, borne_ms now) {
  int held = station_held_connector(o->st);
  for (int c = 1; c <= o->count; c++) {
    cp_conn *k = &o->conn[c - 1];
    if (!k->known) continue;
    /* a connector reserved for the held badge too (TC_046_1_CS step 8) */
    bool waits = (k->status == STATUS_AVAILABLE || k->status == STATUS_RESERVED) && c == held;
    connector_status s = waits ? STATUS_PREPARING : k->status;
    if (s == k->shown) continue;
    k->shown = s;
    k->since = now;
  }
}

void v16_refresh_shown(ocpp16_station *o) {
  borne_ms now = now_of(o);
  refresh_shown(o, now);
  v16_report_statuses(o, now);
  v16_arm_tick(o);
}

void v16_on_status_changed(void *ctx, int c, connector_status s, error_code e) {
  ocpp16_station *o = ctx;
  cp_conn *k = &o->conn[c - 1];
  if (k->known && k->status == s && k->error == e) return;
  borne_ms now = now_of(o);
  if (!k->known || k->error != e) k->since = now;
  if (!k->known) k->shown = s;
  k->known = true;
  k->status = s;
  k->error = e;
  refresh_shown(o, now); /* another connector's change may leave one for a held badge */
  v16_report_statuses(o, now);
  v16_arm_tick(o);
}

/* ---------- incoming calls ---------- */

static void h_data_transfer(ocpp16_station *o, const json_t *req, ocpp_reply *r) {
  (void)o, (void)req;
  v16_reply_status(r, "UnknownVendorId");
}

/* The incoming CALLs of this family (gathered by on_call in ocpp16_module.c). */
static const v16_handler handlers[] = {
    {"DataTransfer", h_data_transfer, false},
};
const v16_family v16_core_calls = {handlers, sizeof handlers / sizeof handlers[0]};
