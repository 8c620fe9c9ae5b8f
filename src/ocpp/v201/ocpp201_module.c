/*
 * OCPP 2.0.1 charging station: the station's glue to a CSMS. This file is
 * the module's lifecycle, as ocpp16_module.c is 1.6's: attaching it, the
 * station hooks table, the one tick timer, the link's callbacks, the
 * dispatcher of incoming CALLs over the functional blocks' handler tables,
 * the status JSON. Transaction events go through the charge-point model's
 * durable journal (the one 1.6 uses) so nothing is lost offline or across
 * restarts; the rest is sent only while connected, and the statuses are sent
 * again after every accepted BootNotification.
 *
 * The functional blocks are the other files of src/ocpp/v201/
 * (provisioning, availability, transactions, authorization, remote),
 * sharing v201_internal.h; the pure 2.0.1 encodings are model.c and
 * vocabulary.c.
 */
#include "ocpp/ocpp_core.h"

#include <stdlib.h>
#include <string.h>

#include "http/http_json.h"
#include "ocpp/v201/v201_internal.h"

/* ---------- sending ---------- */

static void ignore_answer(void *ctx, const json_t *result, const char *code, const char *text) {
  (void)ctx, (void)result;
  if (code) log_debug(MOD, "answer: %s %s", code, text);
}

/* A message that is not transaction-related: sent now if registered, else
 * dropped (statuses are sent again after the next BootNotification). */
void v201_send_now(ocpp201_station *o, const char *action, json_t *payload) {
  if (!online201(o)) {
    json_decref(payload);
    return;
  }
  if (ocpp_link_call(o->link, action, payload, ignore_answer, o) != 0)
    log_debug(MOD, "%s not sent: not connected", action);
}

/* ---------- the one timer ---------- */

static void tick_cb(uv_timer_t *t) {
  ocpp201_station *o = t->data;
  borne_ms now = now201(o);
  v201_report_statuses(o, now);
  v201_take_samples(o, now);
  v201_expire_reservations(o, now);
  v201_expire_display(o, now);
  v201_apply_profiles(o);
  v201_dynamic_pulls(o);
  v201_report_external_limits(o);
  v201_monitoring_check(o); /* the periodic monitors */
  v201_webpay_tick(o, now);
  v201_limits_check(o, now);       /* 2.1 E16: maxTime */
  v201_resumed_due(o, now);        /* 2.1 E17: TxResumed of a car that does not draw */
  v201_car_away_due(o, now, true); /* E10: a fixed cable's car gone too long */
  v201_pump(o);
  v201_arm_tick(o);
}

void v201_arm_tick(ocpp201_station *o) {
  if (o->closing) return;
  borne_ms now = now201(o), next = NEVER, x;
  if ((x = v201_report_statuses(o, now)) < next) next = x;
  long every = key201_int(o, "MeterValueSampleInterval");
  for (int c = 1; c <= o->count && every > 0; c++)
    if (o->evse[c - 1].session_id && o->evse[c - 1].last_sample + every * 1000 < next)
      next = o->evse[c - 1].last_sample + every * 1000;
  long aligned = key201_int(o, "ClockAlignedDataInterval");
  if (aligned > 0 && o->next_aligned == NEVER) o->next_aligned = ocpp16_next_aligned(now, aligned);
  if (o->next_aligned < next) next = o->next_aligned;
  if ((x = v201_tx_ended_next(o)) < next) next = x;
  if ((x = v201_cost_running_next(o)) < next) next = x; /* 2.1 RunningCost (I12.FR.02) */
  if (online201(o) && !o->pump_in_flight && (x = cp_journal_next_due(o->journal)) < next) next = x;
  if ((x = cp_reservation_next_expiry(o->resv)) < next) next = x;
  if ((x = cp_profiles_next_change(o->profiles, now)) < next) next = x;
  if ((x = v201_dynamic_next_pull(o)) < next) next = x;
  if ((x = v201_expire_display(o, now)) < next) next = x;
  if ((x = v201_monitoring_next_due(o)) < next) next = x;
  if ((x = v201_webpay_tick(o, now)) < next) next = x;
  if ((x = v201_limits_next(o)) < next) next = x;
  if ((x = v201_resumed_due(o, now)) < next) next = x;
  if ((x = v201_car_away_due(o, now, false)) < next) next = x;
  if (next == NEVER) {
    uv_timer_stop(&o->tick_timer);
    return;
  }
  uint64_t delay = clock_real_delay_ms(&o->st->clock, next);
  uv_timer_start(&o->tick_timer, tick_cb, delay < 50 ? 50 : delay, 0);
}

/* ---------- station hooks ---------- */

static void on_event(void *ctx, int c, const char *kind, const char *detail) {
  ocpp201_station *o = ctx;
  if (strcmp(kind, "security") == 0) v201_security_event_notification(o, detail);
  if (strncmp(kind, "auth_", 5) == 0) v201_tx_auth_event(o, c, kind, detail);
  if (strcmp(kind, "reserved_plug") == 0) v201_tx_reserved_plug(o, c, strcmp(detail, "in") == 0);
}

/* ---------- incoming calls ---------- */

void v201_reply_status(ocpp_reply *r, const char *status) {
  r->result = json_pack("{s:s}", "status", status);
}

void v201_reply_status_info(ocpp_reply *r, const char *status, const char *reason,
                            const char *info) {
  r->result = json_pack("{s:s}", "status", status);
  if (!reason) return;
  char text[512]; /* StatusInfoType.additionalInfo: at most 512 characters */
  snprintf(text, sizeof text, "%s", info ? info : "");
  json_object_set_new(r->result, "statusInfo",
                      json_pack("{s:s, s:s}", "reasonCode", reason, "additionalInfo", text));
}

/* As v16_decoded: the RPC layer validated the payload, so the decode cannot
 * fail; if it did, the CALLERROR the validator would give, spelled in 2.0.1. */
bool v201_decoded(int rc, const ocpp_error *err, ocpp_reply *r) {
  if (rc == 0) return true;
  switch (err->kind) {
  case OCPP_ERR_FORMAT:
  case OCPP_ERR_TYPE_CONSTRAINT:
  case OCPP_ERR_PROPERTY_CONSTRAINT:
  case OCPP_ERR_OCCURRENCE_CONSTRAINT:
    r->error_code = ocpp_dialect_code(&ocpp201_dialect, err->kind);
    break;
  default:
    r->error_code = ocpp_dialect_code(&ocpp201_dialect, OCPP_ERR_INTERNAL);
  }
  snprintf(r->error_text, sizeof r->error_text, "%s", err->text);
  return false;
}

static const v201_family *const families[] = {
    &v201_provisioning_calls,   &v201_availability_calls, &v201_authorization_calls,
    &v201_remote_calls,         &v201_reservation_calls,  &v201_device_model_calls,
    &v201_firmware_calls,       &v201_diagnostics_calls,  &v201_security_calls,
    &v201_smart_charging_calls, &v201_network_calls,      &v201_display_calls,
    &v201_cost_calls,           &v201_monitoring_calls,   &v201_transaction_calls,
    &v201_payment_calls,
};

static void on_call(void *ctx, const char *action, const json_t *req, ocpp_reply *r) {
  ocpp201_station *o = ctx;
  /* B03: while Rejected the station does not take orders from the CSMS: a
   * CALL is answered CALLERROR SecurityError (B03.FR.07; the OCTT's
   * TC_B_30_CS "handle unauthorized messages from the CSMS by responding
   * with SecurityError"); B02: while Pending no transaction is started nor
   * stopped remotely (the same rule as the 1.6 dialect's, OCPP 1.6 4.2) */
  if (o->boot == B201_REJECTED) {
    r->error_code = ocpp_dialect_code(&ocpp201_dialect, OCPP_ERR_SECURITY);
    snprintf(r->error_text, sizeof r->error_text, "%s refused: the BootNotification was Rejected",
             action);
    station_event(o->st, 0, "ocpp_call", "%s refused: the BootNotification was Rejected", action);
    return;
  }
  if (o->boot == B201_PENDING &&
      (!strcmp(action, "RequestStartTransaction") || !strcmp(action, "RequestStopTransaction"))) {
    v201_reply_status(r, "Rejected");
    station_event(o->st, 0, "ocpp_call", "%s rejected: registration Pending", action);
    return;
  }
  for (size_t f = 0; f < sizeof families / sizeof families[0]; f++)
    for (size_t i = 0; i < families[f]->count; i++) {
      const v201_handler *h = &families[f]->list[i];
      if (strcmp(h->action, action) != 0) continue;
      h->fn(o, req, r);
      station_event(o->st, 0, "ocpp_call", "%s", action);
      return;
    }
  /* OCPP-J 2.0.1 part 4 4.3: an action of the protocol this station does not
   * handle (PublishFirmware, ...) is "recognized but not supported"; an action
   * the protocol does not know never gets here (the RPC layer answers
   * NotImplemented) */
  r->error_code = ocpp_dialect_code(&ocpp201_dialect, OCPP_ERR_NOT_SUPPORTED);
  snprintf(r->error_text, sizeof r->error_text, "%s is not handled by this charging station",
           action);
}

static void on_answered(void *ctx, const char *action, int64_t latency_ms, const char *errcode) {
  ocpp201_station *o = ctx;
  station_ocpp_traffic(o->st, action, false, latency_ms, errcode);
}

static void on_replied(void *ctx, const char *action) {
  ocpp201_station *o = ctx;
  station_ocpp_traffic(o->st, action, true, -1, NULL);
  if (o->trigger && !strcmp(action, "TriggerMessage")) v201_send_triggered(o);
  if (o->after_reply) v201_device_model_replied(o);
  if (o->customer_pages && !strcmp(action, "CustomerInformation"))
    v201_customer_information_replied(o);
  v201_security_replied(o, action);
  if (o->profile_reports && !strcmp(action, "GetChargingProfiles")) v201_smart_charging_replied(o);
  if (o->display_pages && !strcmp(action, "GetDisplayMessages")) v201_display_replied(o);
  v201_monitoring_replied(o, action);
}

static void on_connected(void *ctx) {
  ocpp201_station *o = ctx;
  o->boot = B201_NONE;
  cp_profiles_set_offline(o->profiles, 0); /* 2.1 maxOfflineDuration: online */
  v201_security_connected(o);
  station_event(o->st, 0, "ocpp_connected", "%s", o->url);
  v201_apply_profiles(o); /* the dialect spoken now applies the profiles */
  /* OCPP-J part 4 (2.0.1 5.3, 2.1 5.4 Reconnecting): a reconnection to the
   * CSMS that accepted this run's BootNotification, nothing in it changed,
   * sends none; a start, a new CSMS or slot (B10.FR.10), a change boot */
  if (!v201_resume_registration(o)) v201_send_boot(o, v201_boot_reason(o));
}

static void on_disconnected(void *ctx, const char *why) {
  ocpp201_station *o = ctx;
  if (o->closing) return;
  /* B04: what the CSMS heard of the statuses is kept: after a short outage
   * (OfflineThreshold) only the changed ones are told again */
  if (o->boot == B201_ACCEPTED) o->offline_since = now201(o);
  o->boot = B201_NONE;
  station_set_offline(o->st, true);
  uv_timer_stop(&o->heartbeat_timer);
  uv_timer_stop(&o->boot_timer);
  station_event(o->st, 0, "ocpp_disconnected", "%s", why);
  v201_security_disconnected(o);
  cp_profiles_set_offline(o->profiles, now201(o)); /* 2.1 maxOfflineDuration counts from now */
  v201_apply_profiles(o);
  v201_arm_tick(o);
}

/* ---------- module ---------- */

static void on_status_json(void *ctx, int c, json_t *obj) {
  ocpp201_station *o = ctx;
  if (c > 0) {
    const v201_evse *k = &o->evse[c - 1];
    json_object_set_new(obj, "ocpp_transaction_id",
                        k->tx_id[0] ? json_string(k->tx_id) : json_null());
    json_object_set_new(obj, "ocpp_cost", v201_cost_status(o, c));
    json_object_set_new(obj, "display_messages", v201_display_status(o, c));
    json_object_set_new(obj, "web_payment", v201_webpay_status(o, c));
    json_object_set_new(obj, "ocpp_priority", v201_priority_status(o, c));
    return;
  }
  json_object_set_new(obj, "ocpp",
                      ocpp_link_status_json(o->link, o->url, ocpp201_dialect.version,
                                            config_get(o->st->cfg, "ocpp.version"),
                                            v201_boot_names[o->boot],
                                            cp_journal_length(o->journal)));
}

/* The settings the link's transport was made with (transport_config): a
 * change reconnects, as with 1.6 (the back end's URL at run time, the
 * swarm's outages). */
static bool link_key(const char *key) {
  static const char *const keys[] = {
      "ocpp.url",       "ocpp.security_profile", "ocpp.AuthorizationKey",      "ocpp.ca_file",
      "ocpp.cert_file", "ocpp.key_file",         "ocpp.WebSocketPingInterval", "station.id"};
  for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
    if (!strcmp(key, keys[i])) return true;
  return false;
}

static void on_setting_changed(void *ctx, const char *key) {
  ocpp201_station *o = ctx;
  if (strncmp(key, "ocpp.", 5) != 0 && strcmp(key, "station.id") != 0) return;
  if (!strcmp(key, "ocpp.HeartbeatInterval")) {
    o->heartbeat_s = 0;
    v201_arm_heartbeat(o);
  }
  if (!strcmp(key, "ocpp.call_timeout_s"))
    ocpp_link_set_call_timeout(o->link, (int)config_get_int(o->st->cfg, key));
  if (!strcmp(key, "ocpp.reconnect_max_s"))
    ocpp_link_set_reconnect_max(o->link, (int)config_get_int(o->st->cfg, key));
  bool relink = link_key(key);
  if (!strcmp(key, "ocpp.url") && !strcmp(o->url, config_get(o->st->cfg, "ocpp.url")))
    relink = false; /* just attached with it */
  if (relink) {
    char *url = strdup(config_get(o->st->cfg, "ocpp.url"));
    if (url) { /* no memory: the one before, in the events only */
      free(o->url);
      o->url = url;
    }
    ocpp_transport_config tc;
    ocpp_core_transport_config(o->shared, &tc);
    o->loaded_at = config_generation(o->st->cfg);
    station_event(o->st, 0, "ocpp_reconfigured", "%s: reconnecting to %s", key, o->url);
    ocpp_link_reconfigure(o->link, &tc);
  }
  v201_arm_tick(o);
}

/* The link's settings count once it reconnected with them; ocpp.version at
 * the next start (it picks the dialect); the rest is read where it is used. */
static station_setting_state on_setting_state(void *ctx, const char *key) {
  ocpp201_station *o = ctx;
  if (strncmp(key, "ocpp.", 5) != 0 && strcmp(key, "auth.offline_local_badges") != 0)
    return SETTING_UNUSED;
  if (!strcmp(key, "ocpp.url"))
    return strcmp(o->url, config_get(o->st->cfg, key)) ? SETTING_STALE : SETTING_CURRENT;
  if (link_key(key) || !strcmp(key, "ocpp.version"))
    return config_changed_at(o->st->cfg, key) > o->loaded_at ? SETTING_STALE : SETTING_CURRENT;
  return SETTING_CURRENT;
}

diagnostics *v201_diagnostics(ocpp201_station *o) {
  if (o->diag || o->closing) return o->diag;
  station *st = o->st;
  if (!o->cu) o->cu = curl_uv_new(st->loop);
  diag_config dc = {.loop = st->loop,
                    .clock = &st->clock,
                    .data_dir = st->data_dir,
                    .station_id = config_get(st->cfg, "station.id"),
                    .on_status = v201_on_diag_status,
                    .ctx = o};
  o->diag = o->cu ? diagnostics_new(&dc, o->cu) : NULL;
  if (!o->diag) log_error(MOD, "cannot make the log uploader: out of memory");
  return o->diag;
}

static void handle_closed(uv_handle_t *h) {
  ocpp201_station *o = h->data;
  o->open_handles--;
}

static void on_closing(void *ctx) {
  ocpp201_station *o = ctx;
  o->closing = true;     /* the link is the OCPP module's (ocpp_module.c) */
  v201_flush_aligned(o); /* a mark's readings still waiting: on disk, sent at the next start */
  curl_uv_close(o->cu);  /* the firmware service closes the updater */
  diagnostics_close(o->diag);
  uv_timer_t *timers[] = {&o->boot_timer, &o->heartbeat_timer, &o->tick_timer, &o->cert_timer};
  for (size_t i = 0; i < sizeof timers / sizeof timers[0]; i++) {
    uv_timer_stop(timers[i]);
    uv_close((uv_handle_t *)timers[i], handle_closed);
  }
  lazy_timer_close(&o->reset_timer); /* the loop frees them */
  lazy_timer_close(&o->reconnect_timer);
}

/* The link, journal, authorization store and reservations are the OCPP
 * module's (ocpp_core.h): not freed here. */
static void on_free(void *ctx) {
  ocpp201_station *o = ctx;
  v201_aligned_free(o);
  if (o->zone_read) cp_profiles_set_zone(o->profiles, NULL, NULL); /* its zone was o's */
  json_decref(o->after_reply);
  json_decref(o->customer_pages);
  json_decref(o->profile_reports);
  json_decref(o->display);
  json_decref(o->display_pages);
  v201_monitoring_free(o);
  v201_cost_free(o);
  ocpp_pushed_clear(&o->pushed);
  v201_boot_forget(o);
  free(o->evse);
  free(o->url);
  free(o);
}

/* The 2.0.1 family over the OCPP module's core (ocpp_core.h): it speaks
 * 2.0.1 and 2.1 (ocpp21_ops). */
static void *open201(ocpp_core *core, char *err, size_t errlen) {
  station *st = core->st;
  ocpp201_station *o = calloc(1, sizeof *o);
  if (!o) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  o->st = st;
  o->shared = core;
  o->count = station_connector_count(st);
  o->evse = calloc((size_t)(o->count > 0 ? o->count : 1), sizeof *o->evse);
  o->url = strdup(core->url ? core->url : "");
  if (!o->evse || !o->url) {
    free(o->evse);
    free(o->url);
    free(o);
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  o->next_aligned = NEVER;
  o->journal = core->journal;
  o->auth = core->auth;
  o->resv = core->resv;
  o->profiles = core->profiles;
  /* 2.1 maxOfflineDuration: offline from the start until connected */
  if (core->active && core->active->family == OCPP_FAMILY_V201)
    cp_profiles_set_offline(o->profiles, now201(o));
  /* The dialect's tables first, all of them, before a statement reads or
   * writes the station's rows: borne-swarm takes its schema template at the
   * first such statement (store.c, capture_template), and the steps of a
   * table made after it ran again in every new station's database (a
   * 2.0.1 swarm's ramp spent ~40 % of its CPU there). A failure is the
   * block's to say at its own open, as before. */
  if (v201_tx_schema(st->db) != 0 || v201_monitoring_schema(st->db) != 0 ||
      v201_limits_schema(st->db) != 0)
    log_warn(MOD, "the 2.0.1 tables: %s", store_last_error(st->db));
  /* before the timers: a failure here frees o, which the loop must not
   * still hold as a handle */
  if (v201_display_open(o, err, errlen) != 0 || v201_cost_open(o, err, errlen) != 0 ||
      v201_problems_open(o, err, errlen) != 0 || v201_limits_open(o, err, errlen) != 0) {
    json_decref(o->display);
    v201_cost_free(o);
    diagnostics_close(o->diag);
    curl_uv_close(o->cu);
    free(o->evse);
    free(o->url);
    free(o);
    return NULL;
  }
  /* the Reset's and the new certificate's timers are made when needed
   * (lazy_timer: 304 bytes a station that never resets) */
  uv_timer_t *timers[] = {&o->boot_timer, &o->heartbeat_timer, &o->tick_timer, &o->cert_timer};
  for (size_t i = 0; i < sizeof timers / sizeof timers[0]; i++) {
    uv_timer_init(st->loop, timers[i]);
    timers[i]->data = o;
    o->open_handles++;
  }
  o->loaded_at = config_generation(st->cfg);
  /* NotifyEvent eventIds: seconds since 2020 at the start, then one by one */
  o->next_event_id = (int)((clock_wall_ms() / 1000 - 1577836800) % 1000000000) + 1;
  /* L: the one updater's steps become FirmwareStatusNotifications; the
   * restart into a new image waits for them; Installed after it goes to the
   * CSMS once it accepted the boot (provisioning.c); the updater itself is
   * made by the first update (station_firmware) */
  if (station_firmware_listen(st, v201_on_firmware_status, o) != 0)
    log_error(MOD, "no firmware service: firmware steps are not reported");
  station_firmware_claim_boot_report(st);
  v201_monitoring_open(o);
  v201_tx_restore(o); /* E06: known before the EVSEs' first statuses */
  if (o->shared && o->shared->active && o->shared->active->family == OCPP_FAMILY_V201)
    v201_unpark(o); /* the version spoken at the start: what 1.6 set aside */
  return o;
}

static int priority201(void *ctx, int connector, bool activate, char *err, size_t errlen) {
  return v201_priority_request(ctx, connector, activate, err, errlen);
}

static void linked201(void *ctx, ocpp_link *link) {
  ocpp201_station *o = ctx;
  o->link = link;
}

/* The 2.0.1 dialect becomes the one spoken: the sessions it knew are
 * replayed by the module (resumed), those that ended meanwhile forgotten. */
static void adopt201(void *ctx) {
  ocpp201_station *o = ctx;
  /* left for another version: the transactions only this dialect knows (begun
   * at the plug or at a badge, no session yet) end now, their Ended queued
   * before the other dialect speaks (docs/ocpp201.md, version negotiation) */
  if (o->shared && o->shared->active && o->shared->active->family != OCPP_FAMILY_V201)
    v201_tx_left(o);
  else
    v201_unpark(o); /* spoken again: what another dialect set aside for it */
  for (int c = 1; c <= o->count; c++) {
    v201_evse *k = &o->evse[c - 1];
    k->session_id = 0;
    k->tx_id[0] = 0;
    k->reported_valid = false;
    k->remote_pending = false;
    /* a transaction begun before its session (at the plug, E02) is the
     * dialect's own: left (its events stay in the journal), it is forgotten */
    if (k->txp.early) v201_txp_ended(&k->txp);
  }
  if (o->held.open) v201_txp_ended(&o->held);
}

#define V201_OPS                                                                                   \
  .family = OCPP_FAMILY_V201, .open = open201, .linked = linked201, .adopt = adopt201,             \
  .connected = on_connected, .disconnected = on_disconnected, .call = on_call,                     \
  .replied = on_replied, .server_certificate_refused = v201_server_certificate_refused,            \
  .answered = on_answered, .session_started = v201_on_session_started,                             \
  .session_stopped = v201_on_session_stopped, .status_changed = v201_on_status_changed,            \
  .meter_read = v201_on_meter_read, .event = on_event, .setting_changed = on_setting_changed,      \
  .setting_state = on_setting_state, .status_json = on_status_json, .authorize = v201_authorize,   \
  .car_leaving_ends_session = v201_car_leaving_ends_session, .firmware_restart = v201_on_restart,  \
  .priority = priority201, .closing = on_closing, .free = on_free

const ocpp_dialect_ops ocpp201_ops = {.dialect = &ocpp201_dialect, V201_OPS};
/* OCPP 2.1 through the 2.0.1 dialect: the same behaviour, the 2.1 schemas
 * (the link validates with ocpp21_dialect.validate), docs/ocpp21.md */
const ocpp_dialect_ops ocpp21_ops = {.dialect = &ocpp21_dialect, V201_OPS};
