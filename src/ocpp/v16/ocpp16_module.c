/*
 * OCPP 1.6J charge point: the station's glue to a central system. This file
 * is the module's lifecycle: attaching it to the station (or waiting idle
 * for ocpp.url), the station hooks table, the one tick timer, the link's
 * callbacks and the dispatcher of incoming CALLs over the message families'
 * handler tables, the run-time settings, GET /api/v1/ocpp and the status
 * JSON. Station hooks (sessions, statuses, meter readings, badge validation,
 * events) become OCPP messages; OCPP calls become station commands.
 * Transaction messages (and security events) go through the durable queue so
 * nothing is lost offline or across restarts; the rest is sent only while
 * connected, and the statuses are sent again after every BootNotification.
 *
 * The message families are the other files of src/ocpp/v16/ (core,
 * transactions, authorization, remote, configuration, smart_charging,
 * firmware, security), sharing v16_internal.h. Layers: ocpp_link (WebSocket
 * + OCPP-J RPC, schema-validated both ways), the charge-point model
 * (src/chargepoint/: transaction journal, authorization cache and local list,
 * reservations, availability, charging profiles, the certificate store; its
 * 1.6 words in model.h and the v16 codecs), ocpp_keys.h (configuration
 * keys), firmware/diagnostics.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http_json.h"
#include "ocpp/ocpp_core.h"
#include "ocpp/v16/v16_internal.h"

/* ---------- sending ---------- */

static void ignore_answer(void *ctx, const json_t *result, const char *code, const char *text) {
  ocpp16_station *o = ctx;
  (void)result;
  if (code) log_debug(MOD, "answer: %s %s", code, text);
  /* not from inside the RPC layer: the restart tears the link down */
  if (o->restart_pending && !o->closing)
    lazy_timer_start(&o->reset_timer, o->st->loop, v16_flush_check_cb, o, 0, 0);
}

/* A message that is not transaction-related: sent now if connected, else dropped
 * (statuses are sent again after the next BootNotification). */
void v16_send_now(ocpp16_station *o, const char *action, json_t *payload) {
  if (!online(o) && strcmp(action, "BootNotification") != 0) {
    json_decref(payload);
    return;
  }
  if (ocpp_link_call(o->link, action, payload, ignore_answer, o) != 0)
    log_debug(MOD, "%s not sent: not connected", action);
}

/* ---------- the one timer ---------- */

/* A meter value due within this (real time) keeps a lean store's connection
 * open for it: above the swarm's release period (10 s), so a station sampling
 * every 10 s does not open its database again for each sample. */
#define KEEP_OPEN_FOR_SAMPLE_MS 15000u

static void tick_cb(uv_timer_t *t) {
  ocpp16_station *o = t->data;
  borne_ms now = now_of(o);
  v16_report_statuses(o, now);
  v16_take_samples(o, now);
  v16_expire_reservations(o, now);
  v16_apply_profiles(o);
  v16_pump(o);
  v16_arm_tick(o);
}

void v16_arm_tick(ocpp16_station *o) {
  if (o->closing) return;
  borne_ms now = now_of(o), next = NEVER, x;
  if ((x = v16_report_statuses(o, now)) < next) next = x;
  long every = key_int(o, "MeterValueSampleInterval");
  for (int c = 1; c <= o->count && every > 0; c++)
    if (o->conn[c - 1].session_id && o->conn[c - 1].last_sample + every * 1000 < next)
      next = o->conn[c - 1].last_sample + every * 1000;
  /* the aligned deadline is computed here too: with no transaction nothing
   * else may wake the tick, and idle connectors send aligned data as well */
  if ((x = v16_aligned_due(o, now)) < next) next = x;
  /* a meter value due within a few seconds: a swarm station's store keeps
   * its connection for it rather than close it at the release just before
   * and open it again (store_expect_use); one due later lets it close */
  uint64_t sample_in = next == NEVER ? UINT64_MAX : clock_real_delay_ms(&o->st->clock, next);
  store_expect_use(o->st->db, sample_in <= KEEP_OPEN_FOR_SAMPLE_MS ? (int)sample_in + 1 : 0);
  /* the queue matters only when the next message could go now: online and
   * no queued message waiting for its answer (else its past due time spins) */
  if (online(o) && !o->pump_in_flight && (x = cp_journal_next_due(o->journal)) < next) next = x;
  if ((x = cp_reservation_next_expiry(o->resv)) < next) next = x;
  if ((x = cp_profiles_next_change(o->smart, now)) < next) next = x;
  if (next == NEVER) {
    lazy_timer_release(&o->tick_timer);
    return;
  }
  /* a deadline already past means work the tick could not do (waiting on the
   * link): never let it turn into a spinning zero-delay timer */
  uint64_t delay = clock_real_delay_ms(&o->st->clock, next);
  if (lazy_timer_start(&o->tick_timer, o->st->loop, tick_cb, o, delay < 50 ? 50 : delay, 0) != 0)
    log_error(MOD, "out of memory: the next tick is not armed");
}

/* ---------- station hooks ---------- */

static void on_event(void *ctx, int c, const char *kind, const char *detail) {
  ocpp16_station *o = ctx;
  if (strncmp(kind, "auth_", 5) == 0) { /* a held authorization may have begun or ended */
    v16_refresh_shown(o);
    return;
  }
  if (strcmp(kind, "ocmf") == 0) {
    v16_send_signed_reading(o, c, detail);
    return;
  }
  if (strcmp(kind, "security") != 0) return;
  v16_security_event_notification(o, detail);
}

/* ---------- incoming calls ---------- */

void v16_reply_status(ocpp_reply *r, const char *status) {
  r->result = json_pack("{s:s}", "status", status);
}

/* Every handler reads its request from the generated struct: `rc` and `err`
 * are what ocpp16_<Action>Request_decode returned. The RPC layer validated
 * the payload, so the decode cannot fail; if it did, the answer is the
 * CALLERROR the validator would give (its kind, from ocpp_schema.c, in the
 * 1.6 spelling). */
bool v16_decoded(int rc, const ocpp_error *err, ocpp_reply *r) {
  if (rc == 0) return true;
  switch (err->kind) {
  case OCPP_ERR_FORMAT:
  case OCPP_ERR_TYPE_CONSTRAINT:
  case OCPP_ERR_PROPERTY_CONSTRAINT:
  case OCPP_ERR_OCCURRENCE_CONSTRAINT:
    r->error_code = ocpp_dialect_code(&ocpp16_dialect, err->kind);
    break;
  default:
    r->error_code = ocpp_dialect_code(&ocpp16_dialect, OCPP_ERR_INTERNAL);
  }
  snprintf(r->error_text, sizeof r->error_text, "%s", err->text);
  return false;
}

/* Every message family's incoming CALLs. */
static const v16_family *const families[] = {
    &v16_core_calls,          &v16_authorization_calls,  &v16_remote_calls,
    &v16_configuration_calls, &v16_smart_charging_calls, &v16_firmware_calls,
    &v16_security_calls,
};

static void on_call(void *ctx, const char *action, const json_t *req, ocpp_reply *r) {
  ocpp16_station *o = ctx;
  o->last_rx_wall = clock_wall_ms();
  /* 1.6 4.2: "While Rejected, the Charge Point SHALL NOT respond to any
   * Central System initiated message"; while Pending the back end may read
   * and change the configuration, trigger messages..., but a transaction is
   * not started nor stopped remotely before the station is accepted */
  if (o->boot == BOOT_REJECTED) {
    r->no_answer = true;
    station_event(o->st, 0, "ocpp_call", "%s not answered: the BootNotification was Rejected",
                  action);
    return;
  }
  if (o->boot == BOOT_PENDING &&
      (!strcmp(action, "RemoteStartTransaction") || !strcmp(action, "RemoteStopTransaction"))) {
    v16_reply_status(r, "Rejected");
    station_event(o->st, 0, "ocpp_call", "%s rejected: registration Pending", action);
    return;
  }
  for (size_t f = 0; f < sizeof families / sizeof families[0]; f++)
    for (size_t i = 0; i < families[f]->count; i++) {
      const v16_handler *h = &families[f]->list[i];
      if (strcmp(h->action, action) != 0) continue;
      h->fn(o, req, r);
      if (!h->quiet) station_event(o->st, 0, "ocpp_call", "%s", action);
      return;
    }
  /* OCPP-J 1.6 4.2.3: an action of the protocol that a charge point does
   * not handle (BootNotification sent by the back end, ...) is "recognized
   * but not supported"; an action the protocol does not know is
   * NotImplemented. */
  bool known = ocpp16_schema(action, true) != NULL;
  r->error_code =
      ocpp_dialect_code(&ocpp16_dialect, known ? OCPP_ERR_NOT_SUPPORTED : OCPP_ERR_NOT_IMPLEMENTED);
  snprintf(r->error_text, sizeof r->error_text, "%s is not %s by this charge point", action,
           known ? "handled" : "known");
}

static void on_answered(void *ctx, const char *action, int64_t latency_ms, const char *errcode) {
  ocpp16_station *o = ctx;
  station_ocpp_traffic(o->st, action, false, latency_ms, errcode);
}

static void on_replied(void *ctx, const char *action) {
  ocpp16_station *o = ctx;
  station_ocpp_traffic(o->st, action, true, -1, NULL);
  if (o->trigger && strstr(action, "TriggerMessage")) v16_send_triggered(o);
  if (o->cert_reconnect && strcmp(action, "CertificateSigned") == 0) {
    /* the transport writes the answer before it hangs up to reconnect
     * (ocpp_transport_reconfigure); from the next loop turn */
    o->cert_reconnect = false;
    lazy_timer_start(&o->cert_timer, o->st->loop, v16_cert_reconnect_cb, o, 0, 0);
  }
}

static void on_connected(void *ctx) {
  ocpp16_station *o = ctx;
  o->boot = BOOT_NONE;
  o->cert_refusal_reported = false;                /* a later refusal is a new event */
  char *chain = ocpp_link_peer_chain_pem(o->link); /* the root it needs cannot be deleted */
  cp_certs_set_server_chain(o->certs, chain);
  free(chain);
  station_event(o->st, 0, "ocpp_connected", "%s", o->url);
  /* OCPP-J 1.6 5.4 Reconnecting: a reconnection to the back end that
   * accepted this run's BootNotification, nothing in it changed, sends none */
  if (!v16_resume_registration(o)) v16_send_boot(o);
}

/* Security whitepaper: InvalidCentralSystemCertificate, queued like the
 * other security events and delivered once connected. Raised once per run of
 * failed attempts (a station retrying an untrusted server every minute for a
 * week would otherwise fill the journal with one event per attempt). */
static void on_server_certificate_refused(void *ctx, const char *why) {
  ocpp16_station *o = ctx;
  if (o->closing || o->cert_refusal_reported) return;
  o->cert_refusal_reported = true;
  v16_security_event(o, "InvalidCentralSystemCertificate", why);
}

static void on_disconnected(void *ctx, const char *why) {
  ocpp16_station *o = ctx;
  if (o->closing) return;
  o->boot = BOOT_NONE;
  station_set_offline(o->st, true);
  uv_timer_stop(&o->heartbeat_timer);
  lazy_timer_stop(&o->boot_timer);
  for (int c = 1; c <= o->count; c++) o->conn[c - 1].reported_valid = false;
  o->reported0_valid = false;
  cp_certs_set_server_chain(o->certs, NULL);
  station_event(o->st, 0, "ocpp_disconnected", "%s", why);
  if (o->trust_changed && key_int(o, "security_profile") >= 2) {
    o->trust_changed = false;
    v16_certs_apply(o, "new CentralSystemRootCertificates");
  }
}

/* ---------- module ---------- */

void v16_transport_config(const ocpp16_station *o, ocpp_transport_config *tc) {
  const config *cfg = o->st->cfg;
  *tc = (ocpp_transport_config){
      .url = o->url,
      .cp_id = config_get(cfg, "station.id"),
      .security_profile = (int)config_get_int(cfg, "ocpp.security_profile"),
      .basic_password = config_get(cfg, "ocpp.AuthorizationKey"),
      /* certificates from the back end (whitepaper) join or replace the installer's */
      .ca_file = cp_certs_link_ca_file(o->certs, config_get(cfg, "ocpp.ca_file")),
      .cert_file = cp_certs_client_cert_file(o->certs) ? cp_certs_client_cert_file(o->certs)
                                                       : config_get(cfg, "ocpp.cert_file"),
      .key_file = cp_certs_client_key_file(o->certs) ? cp_certs_client_key_file(o->certs)
                                                     : config_get(cfg, "ocpp.key_file"),
      .ping_interval_s = (int)config_get_int(cfg, "ocpp.WebSocketPingInterval"),
      .reconnect_min_s = 1,
      .reconnect_max_s = (int)config_get_int(cfg, "ocpp.reconnect_max_s"),
  };
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
  json_object_set_new(obj, "firmware_version", json_string(station_firmware_version(o->st)));
  json_object_set_new(obj, "ocpp",
                      ocpp_link_status_json(o->link, o->url, ocpp16_dialect.version,
                                            config_get(o->st->cfg, "ocpp.version"),
                                            v16_boot_names[o->boot],
                                            cp_journal_length(o->journal)));
}

/* The settings the link's transport was made with (v16_transport_config): a
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
    v16_arm_heartbeat(o);
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
    const char *now_url = config_get(o->st->cfg, "ocpp.url");
    char *url = strndup(now_url ? now_url : "", 511);
    if (url) { /* out of memory: the link keeps the URL before */
      free(o->url);
      o->url = url;
    }
    ocpp_transport_config tc;
    v16_transport_config(o, &tc);
    o->link_loaded_at = config_generation(o->st->cfg);
    station_event(o->st, 0, "ocpp_reconfigured", "%s: reconnecting to %s", key, o->url);
    ocpp_link_reconfigure(o->link, &tc);
  }
  v16_arm_tick(o);
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
  v16_flush_aligned(o);       /* a mark's readings still waiting: on disk, sent at the next start */
  curl_uv_close(o->cu);       /* the firmware service closes the updater */
  diagnostics_close(o->diag); /* the link is the OCPP module's (ocpp_module.c) */
  lazy_timer_close(&o->boot_timer);
  lazy_timer_close(&o->reset_timer);
  lazy_timer_close(&o->cert_timer);
  lazy_timer_close(&o->tick_timer);
  uv_timer_t *timers[] = {&o->heartbeat_timer};
  for (size_t i = 0; i < sizeof timers / sizeof timers[0]; i++) {
    uv_timer_stop(timers[i]);
    uv_close((uv_handle_t *)timers[i], handle_closed);
  }
}

diagnostics *v16_diagnostics(ocpp16_station *o) {
  if (o->diag || o->closing) return o->diag;
  station *st = o->st;
  if (!o->cu) o->cu = curl_uv_new(st->loop);
  diag_config dc = {.loop = st->loop,
                    .clock = &st->clock,
                    .data_dir = st->data_dir,
                    .station_id = config_get(st->cfg, "station.id"),
                    .on_status = v16_on_diag_status,
                    .ctx = o};
  o->diag = o->cu ? diagnostics_new(&dc, o->cu) : NULL;
  if (!o->diag) log_error(MOD, "cannot make the diagnostics uploader: out of memory");
  return o->diag;
}

/* The link, journal, authorization store and reservations are the OCPP
 * module's (ocpp_core.h): not freed here. */
static void on_free(void *ctx) {
  ocpp16_station *o = ctx;
  loop_slices_cancel(&o->aligned_slice);
  for (int i = 0; i < o->aligned_n; i++) free(o->aligned[i].text);
  free(o->aligned);
  ocpp_pushed_clear(&o->pushed);
  v16_boot_forget(o);
  free(o->conn);
  free(o->url);
  free(o);
}

/* The 1.6 family over the OCPP module's core (ocpp_core.h). */
static void *open16(ocpp_core *core, char *err, size_t errlen) {
  station *st = core->st;
  ocpp16_station *o = calloc(1, sizeof *o);
  if (!o) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  o->st = st;
  o->count = station_connector_count(st);
  o->conn = calloc((size_t)(o->count > 0 ? o->count : 1), sizeof *o->conn);
  o->url = strndup(core->url, 511);
  if (!o->conn || !o->url) {
    free(o->conn);
    free(o->url);
    free(o);
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  o->next_aligned = NEVER;
  o->journal = core->journal;
  o->auth = core->auth;
  o->resv = core->resv;
  /* the charging profiles and certificates are the module's, with their
   * limits (ChargeProfileMaxStackLevel...: ocpp_module.c), shared with 2.0.1 */
  o->smart = core->profiles;
  o->shared = core;
  o->certs = core->certs;
  /* the updater, shared with the web page's upload, is made by the first
   * update (station_firmware); the service that tells us its steps now */
  if (station_firmware_listen(st, v16_on_firmware_status, o) != 0) {
    free(o->conn);
    free(o->url);
    free(o);
    snprintf(err, errlen, "no firmware updater");
    return NULL;
  }
  uv_timer_t *timers[] = {&o->heartbeat_timer};
  for (size_t i = 0; i < sizeof timers / sizeof timers[0]; i++) {
    uv_timer_init(st->loop, timers[i]);
    timers[i]->data = o;
    o->open_handles++;
  }
  o->link_loaded_at = config_generation(st->cfg);
  o->reconnect_max_s = (int)config_get_int(st->cfg, "ocpp.reconnect_max_s");
  o->call_timeout_s = (int)config_get_int(st->cfg, "ocpp.call_timeout_s");
  o->heartbeat_armed_s = config_get_int(st->cfg, "ocpp.HeartbeatInterval");
  station_firmware_claim_boot_report(st); /* Installed goes to the back end once it accepts us */
  return o;
}

static void linked16(void *ctx, ocpp_link *link) {
  ocpp16_station *o = ctx;
  o->link = link;
}

static void transport_config16(void *ctx, ocpp_transport_config *tc) {
  v16_transport_config(ctx, tc);
}

/* The 1.6 dialect becomes the one spoken: the sessions it knew are replayed
 * by the module (resumed), those that ended meanwhile are forgotten. */
static void adopt16(void *ctx) {
  ocpp16_station *o = ctx;
  for (int c = 1; c <= o->count; c++) {
    o->conn[c - 1].session_id = 0;
    o->conn[c - 1].transaction_id = 0;
    o->conn[c - 1].reported_valid = false;
  }
  o->reported0_valid = false;
}

const ocpp_dialect_ops ocpp16_ops = {.dialect = &ocpp16_dialect,
                                     .family = OCPP_FAMILY_V16,
                                     .open = open16,
                                     .transport_config = transport_config16,
                                     .linked = linked16,
                                     .adopt = adopt16,
                                     .connected = on_connected,
                                     .disconnected = on_disconnected,
                                     .call = on_call,
                                     .replied = on_replied,
                                     .server_certificate_refused = on_server_certificate_refused,
                                     .answered = on_answered,
                                     .session_started = v16_on_session_started,
                                     .session_stopped = v16_on_session_stopped,
                                     .status_changed = v16_on_status_changed,
                                     .meter_read = v16_on_meter_read,
                                     .event = on_event,
                                     .setting_changed = on_setting_changed,
                                     .setting_state = on_setting_state,
                                     .status_json = on_status_json,
                                     .authorize = v16_authorize,
                                     .firmware_restart = v16_on_restart,
                                     .closing = on_closing,
                                     .free = on_free};
