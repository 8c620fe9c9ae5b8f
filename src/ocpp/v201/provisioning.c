/*
 * OCPP 2.0.1 functional block B (Provisioning), the part borne has:
 * BootNotification (B01-B03: Accepted, Pending and Rejected with the CSMS's
 * interval, retried after a failure), Heartbeat (G02) with the time it
 * carries, and Reset (B11 without, B12 with a transaction: OnIdle waits,
 * Immediate ends it) with the Ended events sent before the restart; no
 * BootNotification on a reconnection that changes nothing it is about (OCPP-J
 * part 4, Reconnecting);
 * DataTransfer (P01) beside them. One file of the 2.0.1 dialect's functional
 * blocks.
 */
#include <stdlib.h>
#include <string.h>

#include "ocpp/ocpp_core.h"
#include "ocpp/v201/device_model.h"
#include "ocpp/v201/v201_internal.h"

const char *const v201_boot_names[] = {"none", "Pending", "Accepted", "Rejected"};

static void boot_timer_cb(uv_timer_t *t);

static void sync_time(ocpp201_station *o, const json_t *current_time) {
  int64_t t;
  const char *text = json_string_value(current_time);
  if (!text || timefmt_parse(text, &t) != 0) return;
  if (o->st->clock.speed != 1.0) return; /* the simulator's accelerated clock is its own */
  borne_ms drift = t - now201(o);
  if (llabs(drift) < 1000) return;
  o->st->clock.wall_at_start += drift;
  station_event(o->st, 0, "time_sync", "clock moved by %lld ms to the back end's time",
                (long long)drift);
  /* A04: a change above ClockCtrlr.TimeAdjustmentReportingThreshold is a
   * (critical) security event */
  if (llabs(drift) > DM_TIME_ADJUSTMENT_THRESHOLD_S * 1000LL)
    station_event(o->st, 0, "security",
                  "SettingSystemTime: clock moved by %lld s to the CSMS's time",
                  (long long)(drift / 1000));
}

static void heartbeat_answer(void *ctx, const json_t *result, const char *code, const char *text) {
  ocpp201_station *o = ctx;
  if (result)
    sync_time(o, json_object_get(result, "currentTime"));
  else
    log_debug(MOD, "heartbeat: %s %s", code, text);
}

void v201_send_heartbeat(ocpp201_station *o) {
  if (online201(o)) ocpp_link_call(o->link, "Heartbeat", json_object(), heartbeat_answer, o);
}

static void heartbeat_cb(uv_timer_t *t) { v201_send_heartbeat(t->data); }

void v201_arm_heartbeat(ocpp201_station *o) {
  long s = o->heartbeat_s > 0 ? o->heartbeat_s : key201_int(o, "HeartbeatInterval");
  if (s <= 0) {
    uv_timer_stop(&o->heartbeat_timer);
    return;
  }
  uv_timer_start(&o->heartbeat_timer, heartbeat_cb, (uint64_t)s * 1000, (uint64_t)s * 1000);
}

/* What an Accepted registration starts, from the BootNotification's answer
 * or from a reconnection that resumes it without one (OCPP-J part 4,
 * Reconnecting); `first`: not registered on this connection before. */
static void registered(ocpp201_station *o, bool first) {
  o->boot = B201_ACCEPTED;
  station_set_offline(o->st, false);
  v201_arm_heartbeat(o);
  if (first) {
    /* B04: after an outage shorter than OfflineThreshold only the
     * statuses that changed, else (and after a start) all of them */
    long threshold_s = key201_int(o, "OfflineThreshold");
    borne_ms now = now201(o);
    bool brief = o->offline_since && threshold_s > 0 && now >= o->offline_since &&
                 now - o->offline_since < (borne_ms)threshold_s * 1000;
    o->offline_since = 0;
    if (brief)
      v201_report_statuses(o, now);
    else
      v201_send_all_statuses(o);
    v201_report_problems(o);             /* the faults that changed while not registered */
    station_firmware_boot_report(o->st); /* L01: Installed after the restart into it */
    v201_security_registered(o);
  }
  cp_journal_due_now(o->journal, now201(o)); /* the queue goes first, at once */
  v201_pump(o);
  v201_arm_tick(o);
}

void v201_boot_forget(ocpp201_station *o) {
  free(o->boot_sent_fp);
  free(o->boot_accepted_fp);
  o->boot_sent_fp = o->boot_accepted_fp = NULL;
}

static void boot_answer(void *ctx, const json_t *result, const char *code, const char *text) {
  ocpp201_station *o = ctx;
  if (o->closing) return;
  if (!result) {
    log_warn(MOD, "BootNotification: %s %s", code, text);
    v201_boot_forget(o);
    long retry_s = key201_int(o, "call_timeout_s");
    if (retry_s > BOOT_RETRY_DEFAULT_S || retry_s <= 0) retry_s = BOOT_RETRY_DEFAULT_S;
    uv_timer_start(&o->boot_timer, boot_timer_cb, (uint64_t)retry_s * 1000, 0);
    return;
  }
  const char *status = json_string_value(json_object_get(result, "status"));
  long interval = (long)json_integer_value(json_object_get(result, "interval"));
  sync_time(o, json_object_get(result, "currentTime"));
  if (status && strcmp(status, "Accepted") == 0) {
    bool first = o->boot != B201_ACCEPTED;
    free(o->boot_accepted_fp);
    o->boot_accepted_fp = o->boot_sent_fp; /* a reconnection like this one needs no boot */
    o->boot_sent_fp = NULL;
    /* B01: the interval of an Accepted answer is the heartbeat interval */
    if (interval > 0) o->heartbeat_s = (int)interval;
    station_event(o->st, 0, "ocpp_boot", "Accepted (heartbeat %d s)", o->heartbeat_s);
    registered(o, first);
    return;
  }
  /* B02 Pending / B03 Rejected: BootNotification again after `interval`;
   * a reconnection boots again (the registration is not accepted) */
  v201_boot_forget(o);
  o->boot = status && strcmp(status, "Pending") == 0 ? B201_PENDING : B201_REJECTED;
  station_event(o->st, 0, "ocpp_boot", "%s (retry in %ld s)", v201_boot_names[o->boot],
                interval > 0 ? interval : BOOT_RETRY_DEFAULT_S);
  uv_timer_start(&o->boot_timer, boot_timer_cb,
                 (uint64_t)(interval > 0 ? interval : BOOT_RETRY_DEFAULT_S) * 1000, 0);
}

/* The BootNotification's chargingStation (model, vendor, firmware, serial). */
static json_t *charging_station(const ocpp201_station *o) {
  const config *cfg = o->st->cfg;
  char model[21], vendor[51], fwv[51], serial[26];
  snprintf(model, sizeof model, "%s", config_get(cfg, "station.model"));
  snprintf(vendor, sizeof vendor, "%s", config_get(cfg, "station.vendor"));
  snprintf(fwv, sizeof fwv, "%s", station_firmware_version(o->st));
  json_t *cs =
      json_pack("{s:s, s:s, s:s}", "model", model, "vendorName", vendor, "firmwareVersion", fwv);
  const char *sn = config_get(cfg, "station.serial");
  if (cs && sn && sn[0]) {
    snprintf(serial, sizeof serial, "%s", sn);
    json_object_set_new(cs, "serialNumber", json_string(serial));
  }
  return cs;
}

/* What a registration is about: the chargingStation the BootNotification
 * carries and its connection (ocpp_core_boot_fingerprint). */
static char *boot_fingerprint(const ocpp201_station *o, const json_t *cs) {
  ocpp_transport_config tc;
  ocpp_core_transport_config(o->shared, &tc);
  return ocpp_core_boot_fingerprint(o->shared, o->link, &tc, cs);
}

bool v201_resume_registration(ocpp201_station *o) {
  if (!o->boot_accepted_fp) return false;
  json_t *cs = charging_station(o);
  char *fp = boot_fingerprint(o, cs);
  json_decref(cs);
  if (!ocpp_core_resume_registration(o->shared, o->boot_accepted_fp, fp)) {
    v201_boot_forget(o);
    return false;
  }
  registered(o, true);
  return true;
}

void v201_send_boot(ocpp201_station *o, const char *reason) {
  json_t *cs = charging_station(o);
  /* sent: until its answer says Accepted, a reconnection boots again */
  v201_boot_forget(o);
  o->boot_sent_fp = boot_fingerprint(o, cs);
  json_t *p = json_pack("{s:o, s:s}", "chargingStation", cs, "reason", reason);
  if (ocpp_link_call(o->link, "BootNotification", p, boot_answer, o) != 0)
    log_debug(MOD, "BootNotification: not connected");
}

static void boot_timer_cb(uv_timer_t *t) {
  ocpp201_station *o = t->data;
  if (ocpp_link_connected(o->link)) v201_send_boot(o, v201_boot_reason(o));
}

/* ---------- Reset ---------- */

/* Restart once the journal is empty (the Ended events answered) or at the
 * deadline; what the deadline cuts off is on disk and sent after the restart. */
void v201_flush_check_cb(uv_timer_t *t) {
  ocpp201_station *o = t->data;
  uint64_t now = uv_now(o->st->loop);
  bool busy =
      ocpp_link_pending(o->link) > 0 || o->pump_in_flight || cp_journal_length(o->journal) > 0;
  if (online201(o) && busy && now < o->restart_deadline) {
    lazy_timer_start(&o->reset_timer, o->st->loop, v201_flush_check_cb, o, 50, 0);
    return;
  }
  o->restart_pending = false;
  if (o->restart_keeping)
    station_reset_keeping_sessions(o->st, BOOT_REASON_REMOTE_RESET); /* 2.1 ImmediateAndResume */
  else
    station_reset(o->st, o->restart_hard, o->restart_why); /* hard: into a new firmware image */
}

static void stop_all_cb(uv_timer_t *t) {
  ocpp201_station *o = t->data;
  for (int c = 1; c <= o->count; c++)
    if (station_has_session(o->st, c))
      station_connector_event(o->st, c, &(cs_event){.type = CS_EV_STOP, .reason = STOP_HARD_RESET});
  o->restart_why = BOOT_REASON_REMOTE_RESET;
  o->restart_pending = true;
  o->restart_deadline = uv_now(o->st->loop) + RESET_STOP_MAX_MS;
  lazy_timer_start(&o->reset_timer, o->st->loop, v201_flush_check_cb, o, 0, 0);
}

static bool any_session(const ocpp201_station *o) {
  for (int c = 1; c <= o->count; c++)
    if (station_has_session(o->st, c)) return true;
  return false;
}

/* B12: a session, or a transaction outliving its session until the car
 * leaves (TxStopPoint EVConnected alone, txpoints.h) */
static bool any_transaction(const ocpp201_station *o) {
  for (int c = 1; c <= o->count; c++)
    if (o->evse[c - 1].txp.lingering || o->evse[c - 1].txp.early) return true;
  return o->held.open || any_session(o);
}

/* Reset OnIdle (B12): called when a transaction ended; restarts when none is left. */
void v201_reset_when_idle(ocpp201_station *o) {
  if (!o->reset_pending_idle || any_transaction(o) || o->restart_pending) return;
  o->reset_pending_idle = false;
  o->restart_why = BOOT_REASON_REMOTE_RESET;
  o->restart_pending = true;
  o->restart_deadline = uv_now(o->st->loop) + RESET_STOP_MAX_MS;
  lazy_timer_start(&o->reset_timer, o->st->loop, v201_flush_check_cb, o, RESET_FLUSH_MS, 0);
}

/* 2.1 B13, Reset ImmediateAndResume: the station restarts at once without
 * ending its transactions; after the restart each one goes on (Updated
 * TxResumed) when its car is still there within TxCtrlr.ResumptionTimeout,
 * else ends (AbnormalCondition, PowerLoss) as after a power cut (E17,
 * close_unresumed_sessions). A station that resumes nothing (the timeout 0)
 * answers Rejected (the OCA's 2.1 Part 5: TC_B_101 "TxResumptionTimeout 0 or
 * <omitted> - Rejected"); an EVSE alone cannot be reset (B12 as for the
 * other types). The journal is flushed first as for Immediate. */
static void reset_and_resume(ocpp201_station *o, bool per_evse, ocpp_reply *r) {
  if (per_evse || config_get_int(o->st->cfg, "session.resume_timeout_s") <= 0) {
    v201_reply_status(r, "Rejected");
    return;
  }
  station_event(o->st, 0, "security", "ResetOrReboot: %s reset by the CSMS", "ImmediateAndResume");
  v201_reply_status(r, "Accepted");
  o->reset_pending_idle = false; /* an OnIdle waiting is done by this one */
  o->restart_pending = true;
  o->restart_keeping = true;
  o->restart_deadline = uv_now(o->st->loop) + RESET_STOP_MAX_MS;
  lazy_timer_start(&o->reset_timer, o->st->loop, v201_flush_check_cb, o, RESET_FLUSH_MS, 0);
}

static void h_reset(ocpp201_station *o, const json_t *req, ocpp_reply *r) {
  /* not a value of 2.0.1's ResetEnumType (the generated decoder's): the
   * frame validation lets it through under 2.1 only */
  const char *type = json_string_value(json_object_get(req, "type"));
  if (type && strcmp(type, "ImmediateAndResume") == 0 && o->link &&
      ocpp_link_dialect(o->link) == &ocpp21_dialect) {
    reset_and_resume(o, json_object_get(req, "evseId") != NULL, r);
    return;
  }
  ocpp201_ResetRequest q;
  ocpp_error e;
  if (!v201_decoded(ocpp201_ResetRequest_decode(req, &q, &e), &e, r)) return;
  bool immediate = q.type == ocpp201_ResetRequest_type_Immediate;
  bool per_evse = q.has_evseId;
  ocpp201_ResetRequest_free(&q);
  if (per_evse) { /* borne restarts as a whole: an EVSE alone cannot be reset */
    v201_reply_status(r, "Rejected");
    return;
  }
  station_event(o->st, 0, "security", "ResetOrReboot: %s reset by the CSMS",
                immediate ? "Immediate" : "OnIdle");
  if (!immediate && any_transaction(o)) {
    /* B12 (reset with an ongoing transaction): OnIdle waits for its end */
    o->reset_pending_idle = true;
    v201_reply_status(r, "Scheduled");
    return;
  }
  v201_reply_status(r, "Accepted");
  lazy_timer_start(&o->reset_timer, o->st->loop, stop_all_cb, o, RESET_FLUSH_MS, 0);
}

/* P01: no vendor extension is known to this station. */
static void h_data_transfer(ocpp201_station *o, const json_t *req, ocpp_reply *r) {
  (void)o, (void)req;
  v201_reply_status(r, "UnknownVendorId");
}

static const v201_handler handlers[] = {
    {"Reset", h_reset},
    {"DataTransfer", h_data_transfer},
};
const v201_family v201_provisioning_calls = {handlers, sizeof handlers / sizeof handlers[0]};
