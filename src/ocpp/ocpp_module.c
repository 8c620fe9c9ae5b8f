/*
 * The one OCPP station module (ocpp_core.h): the link offering every version
 * of `ocpp.version`, the charge-point model shared by the dialects, and the
 * routing of the link's events and the station's hooks to the dialect of the
 * version the server picked. A station without ocpp.url waits idle and
 * attaches when the installer sets it at run time.
 */
#include "ocpp/ocpp_module.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/firmware.h"
#include "firmware/firmware_module.h"
#include "http/http_json.h"
#include "network/network_module.h"
#include "network/network_req.h"
#include "ocpp/ocpp_core.h"
#include "ocpp/ocpp_keys.h"
#include "util/log.h"

#define MOD "ocpp"

const ocpp_dialect_ops *ocpp_ops_of(const ocpp_dialect *d) {
  static const ocpp_dialect_ops *const all[] = {&ocpp16_ops, &ocpp201_ops, &ocpp21_ops};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
    if (all[i]->dialect == d) return all[i];
  return NULL;
}

/* ---------- network connection profiles (B09, B10) ---------- */

int ocpp_core_network_slot(const ocpp_core *core) {
  return core->net_in_use ? core->net_in_use : OCPP_NET_INSTALLER;
}

char *ocpp_core_boot_fingerprint(const ocpp_core *core, ocpp_link *link,
                                 const ocpp_transport_config *tc, const json_t *payload) {
  const char *net_url = core->net_url ? core->net_url : "";
  ocpp_link_status ls;
  ocpp_link_get_status(link, &ls);
  char *what = payload ? json_dumps(payload, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
  if (!what) return NULL;
  size_t n = strlen(what) + strlen(tc->url ? tc->url : "") + strlen(net_url) +
             strlen(tc->cp_id ? tc->cp_id : "") + strlen(ls.subprotocol) + 64;
  char *fp = malloc(n);
  if (fp)
    snprintf(fp, n, "%s|%s|%d|%s|%s|%d|%s|%u", what, tc->url ? tc->url : "",
             ocpp_core_network_slot(core), net_url, tc->cp_id ? tc->cp_id : "",
             tc->security_profile, ls.subprotocol, ocpp_link_generation(link));
  free(what);
  return fp;
}

bool ocpp_core_resume_registration(const ocpp_core *core, const char *accepted, char *now) {
  bool same = accepted && now && !strcmp(now, accepted);
  free(now);
  if (same)
    station_event(core->st, 0, "ocpp_boot",
                  "Resumed: registered before, no BootNotification on this reconnection "
                  "(nothing it carries changed)");
  return same;
}

/* *dst = a copy of v ("" for NULL) cut at 511 characters (what the
 * 512-byte arrays these were kept in before held); -1 when out of memory,
 * *dst unchanged. */
static int keep_url(char **dst, const char *v) {
  char *n = strndup(v ? v : "", 511);
  if (!n) return -1;
  free(*dst);
  *dst = n;
  return 0;
}

/* The OS interface the slot in use's ocppInterface names
 * (network.interface.*), NULL when its link is not bound: slot 1 (the
 * installer's ocpp.url has no ocppInterface), a profile without one, or a
 * setting left empty. */
static const char *net_iface(const ocpp_core *c) {
  if (c->net_in_use == OCPP_NET_INSTALLER || !c->net_url || !c->net_url[0] || !c->net_iface_key)
    return NULL;
  const char *v = config_get(c->st->cfg, c->net_iface_key);
  return v && v[0] ? v : NULL;
}

/* The slot in use's settings over the installer's (the 1.6 dialect's
 * transport_config makes its own from the keys: applied after it too). */
static void net_apply(const ocpp_core *c, ocpp_transport_config *tc) {
  if (c->net_in_use == OCPP_NET_INSTALLER || !c->net_url || !c->net_url[0]) return;
  tc->url = c->net_url;
  tc->security_profile = c->net_security;
  if (c->net_password[0]) tc->basic_password = c->net_password;
  tc->iface = net_iface(c);
}

/* The cellular connection of the slot in use (B09/B10): the APN its
 * profile names brought up on the modem by the network module; else, when
 * a slot's may be up (after a start, or after a slot with an APN), the
 * installer's connection back. */
static void net_cellular(ocpp_core *c, const json_t *profile) {
  net_request r;
  char why[160];
  if (profile && ocpp_net_apn(profile, c->net_in_use, &r, why, sizeof why) == 1) {
    if (network_cellular(c->st, &r) == 0) {
      c->net_cell_slot = c->net_in_use;
      return;
    }
    station_event(c->st, 0, "ocpp_network_slot",
                  "configuration slot %d: APN %s not applied (network.backend none: the "
                  "system's own configuration sets up the network)",
                  c->net_in_use, r.apn);
  }
  if (c->net_cell_slot == 0) return;
  memset(&r, 0, sizeof r);
  r.op = NET_OP_CELLULAR_INSTALLER;
  network_cellular(c->st, &r);
  c->net_cell_slot = 0;
}

/* The settings of the slot the cursor is on. */
static void net_select(ocpp_core *c) {
  c->net_in_use = c->net_count ? c->net_slots[c->net.index] : OCPP_NET_INSTALLER;
  free(c->net_url);
  c->net_url = NULL;
  c->net_password[0] = 0;
  c->net_timeout_s = 0;
  c->net_iface_key = NULL;
  if (c->net_in_use == OCPP_NET_INSTALLER) {
    net_cellular(c, NULL);
    return;
  }
  json_t *p = ocpp_net_load(c->st->db, c->net_in_use);
  net_cellular(c, p);
  const char *url = json_string_value(json_object_get(p, "ocppCsmsUrl"));
  const char *pw = json_string_value(json_object_get(p, "basicAuthPassword"));
  if (url && url[0]) keep_url(&c->net_url, url); /* out of memory: the installer's URL */
  snprintf(c->net_password, sizeof c->net_password, "%s", pw ? pw : "");
  c->net_security = (int)json_integer_value(json_object_get(p, "securityProfile"));
  c->net_timeout_s = (int)json_integer_value(json_object_get(p, "messageTimeout"));
  c->net_iface_key = ocpp_net_interface_key(p);
  json_decref(p);
}

/* The priority's slots that can be used: the installer's (when ocpp.url is
 * set) and those holding a profile, in order; the installer's alone when
 * none is left. The cursor goes back to the first (B10.FR.04). */
static void net_load(ocpp_core *c) {
  int slots[OCPP_NET_SLOTS];
  char why[120];
  int n = ocpp_net_priority_parse(config_get(c->st->cfg, "ocpp.NetworkConfigurationPriority"),
                                  slots, why, sizeof why);
  c->net_count = 0;
  for (int i = 0; i < n; i++) {
    bool usable = slots[i] == OCPP_NET_INSTALLER;
    if (!usable) {
      json_t *p = ocpp_net_load(c->st->db, slots[i]);
      usable = p != NULL;
      json_decref(p);
    }
    if (usable) c->net_slots[c->net_count++] = slots[i];
  }
  if (!c->net_count) c->net_slots[c->net_count++] = OCPP_NET_INSTALLER;
  c->net = (ocpp_net_cursor){0};
}

void ocpp_core_network_reload(ocpp_core *c) {
  int in_use = c->net_in_use;
  net_load(c);
  /* stay on the slot in use while it is listed: the new order counts from
   * the next loss or restart; one no longer listed is left for the first
   * entry after its attempts */
  c->net.index = c->net_count - 1;
  for (int i = 0; i < c->net_count; i++)
    if (c->net_slots[i] == in_use) c->net.index = i;
}

/* The link's settings for the slot the cursor is on, and a reconnection. */
static void relink(ocpp_core *c);
static void net_switch(ocpp_core *c) {
  net_select(c);
  relink(c);
}

static void relink(ocpp_core *c) {
  ocpp_transport_config tc;
  ocpp_core_transport_config(c, &tc);
  const ocpp_dialect_ops *v16 = c->ctx[OCPP_FAMILY_V16] ? &ocpp16_ops : NULL;
  if (v16 && c->active == v16 && v16->transport_config) {
    v16->transport_config(c->ctx[OCPP_FAMILY_V16], &tc);
    net_apply(c, &tc);
  }
  ocpp_link_set_call_timeout(c->link, c->net_timeout_s > 0
                                          ? c->net_timeout_s
                                          : (int)config_get_int(c->st->cfg, "ocpp.call_timeout_s"));
  const char *iface = net_iface(c);
  if (iface)
    station_event(c->st, 0, "ocpp_network_slot",
                  "configuration slot %d: connecting to %s through %s (%s)", c->net_in_use,
                  tc.url ? tc.url : "", iface, c->net_iface_key + strlen("network.interface."));
  else
    station_event(c->st, 0, "ocpp_network_slot", "configuration slot %d: connecting to %s",
                  c->net_in_use, tc.url ? tc.url : "");
  ocpp_link_reconfigure(c->link, &tc);
}

/* B10.FR.03: NetworkProfileConnectionAttempts failed attempts on one entry
 * of the priority move to the next; after the last, the first again
 * (B10.FR.08), never giving up (B10.FR.09). The queue is the core's: it
 * waits for whichever back end answers. */
static void ev_attempt_failed(void *ctx, const char *why) {
  ocpp_core *c = ctx;
  (void)why;
  if (c->closing) return;
  int attempts = (int)config_get_int(c->st->cfg, "ocpp.NetworkProfileConnectionAttempts");
  if (ocpp_net_attempt_failed(&c->net, attempts, c->net_count)) net_switch(c);
}

void ocpp_core_transport_config(const ocpp_core *core, ocpp_transport_config *tc) {
  const config *cfg = core->st->cfg;
  *tc = (ocpp_transport_config){
      .url = core->url,
      .cp_id = config_get(cfg, "station.id"),
      .security_profile = (int)config_get_int(cfg, "ocpp.security_profile"),
      .basic_password = config_get(cfg, "ocpp.AuthorizationKey"),
      .ca_file = config_get(cfg, "ocpp.ca_file"),
      .cert_file = config_get(cfg, "ocpp.cert_file"),
      .key_file = config_get(cfg, "ocpp.key_file"),
      .ping_interval_s = (int)config_get_int(cfg, "ocpp.WebSocketPingInterval"),
      .reconnect_min_s = 1,
      .reconnect_max_s = (int)config_get_int(cfg, "ocpp.reconnect_max_s"),
  };
  net_apply(core, tc);
  if (!core->certs) return;
  /* certificates from the back end (InstallCertificate, CertificateSigned) */
  tc->ca_file = cp_certs_link_ca_file(core->certs, tc->ca_file);
  if (cp_certs_client_cert_file(core->certs)) {
    tc->cert_file = cp_certs_client_cert_file(core->certs);
    tc->key_file = cp_certs_client_key_file(core->certs);
  }
}

static void *active_ctx(const ocpp_core *c) { return c->ctx[c->active->family]; }

static void firmware_restart(void *ctx) {
  ocpp_core *c = ctx;
  if (c->active->firmware_restart)
    c->active->firmware_restart(active_ctx(c));
  else
    station_reset(c->st, true, BOOT_REASON_FIRMWARE_UPDATE);
}

/* ---------- the version the back end last picked, across restarts ---------- */

/* The module's own table (store module "ocpp"): the version the server
 * picked on the last connection. After a restart the station speaks it
 * (queues its messages in its words) until a connection says otherwise, so
 * that a back end picking the same version again gets the queue as it was
 * written, nothing re-encoded. */
static const char *const picked_steps[] = {
    /* 1 */
    "CREATE TABLE ocpp_meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);",
};

#define PICKED_KEY "picked_version"

/* The saved version when it is one of the offered ones, else NULL. */
static const ocpp_dialect_ops *picked_load(const ocpp_core *c) {
  sqlite3_stmt *s =
      store_stmt(c->st->db, "SELECT value FROM ocpp_meta WHERE key = '" PICKED_KEY "'");
  if (!s) return NULL;
  const ocpp_dialect *d = NULL;
  if (sqlite3_step(s) == SQLITE_ROW) d = ocpp_dialect_find((const char *)sqlite3_column_text(s, 0));
  store_stmt_release(c->st->db, s);
  for (size_t i = 0; d && i < c->n_offered; i++)
    if (c->offered[i] == d) return ocpp_ops_of(d);
  return NULL;
}

static void picked_write(ocpp_core *c, const ocpp_dialect *d);

/* Unsynced (issue 15: it is written at the connect, right before the first
 * BootNotification): no back end is owed it; lost in a power cut, the next
 * start finds no version picked and offers them all again. */
static void picked_save(ocpp_core *c, const ocpp_dialect *d) {
  store_unsynced_begin(c->st->db);
  picked_write(c, d);
  if (store_unsynced_end(c->st->db) != 0)
    log_warn(MOD, "cannot save the version picked: %s", store_last_error(c->st->db));
}

static void picked_write(ocpp_core *c, const ocpp_dialect *d) {
  sqlite3_stmt *s = store_stmt(
      c->st->db, "INSERT OR REPLACE INTO ocpp_meta(key, value) VALUES('" PICKED_KEY "', ?)");
  if (!s) {
    log_warn(MOD, "cannot save the version picked: %s", store_last_error(c->st->db));
    return;
  }
  sqlite3_bind_text(s, 1, d->version, -1, SQLITE_STATIC);
  if (sqlite3_step(s) != SQLITE_DONE)
    log_warn(MOD, "cannot save the version picked: %s", sqlite3_errmsg(store_sqlite(c->st->db)));
  store_stmt_release(c->st->db, s);
}

/* ---------- the link's events: to the dialect spoken ---------- */

/* A badge the dialect spoken cannot carry whole is refused by the station,
 * never cut (1.6 idTag: CiString20; 2.x idToken: the 36 kept, CP_ID_MAX). */
static void set_badge_max(ocpp_core *c) {
  station_set_badge_max(c->st,
                        c->active->family == OCPP_FAMILY_V16 ? OCPP16_ID_TAG_MAX : CP_ID_MAX);
}

/* The connectors kept for station-wide reservations are shown Reserved:
 * 2.0.1 TC_H_14 / TC_H_16, and 1.6 alike (the OCTT 1.6 TC_049: a
 * reservation of connector 0 makes a connector Reserved when the station
 * cannot spare it; 5.13 asks that one stays available for the idTag). */
static void show_kept(ocpp_core *c) { station_show_kept_reservations(c->st, true); }

/* The dialect of the version the server picked becomes the one spoken; a
 * change of family hands the running sessions to the new one. */
static void switch_dialect(ocpp_core *c) {
  const ocpp_dialect_ops *ops = ocpp_ops_of(ocpp_link_dialect(c->link));
  if (!ops || !c->ctx[ops->family] || ops == c->active) return;
  const ocpp_dialect_ops *was = c->active;
  c->active = ops;
  set_badge_max(c);
  show_kept(c);
  if (was->family == ops->family) return;
  /* the one left forgets its sessions (its status hooks still run: it must
   * not queue events for them), the new one takes them over */
  if (was->adopt) was->adopt(c->ctx[was->family]);
  void *ctx = active_ctx(c);
  if (ops->adopt) ops->adopt(ctx);
  int n = station_connector_count(c->st);
  for (int k = 1; k <= n; k++) {
    int64_t id = c->st->conn[k - 1].session_id;
    session_row row;
    if (!id || store_session_get(c->st->db, id, &row) != 0) continue;
    station_session_info info = {.id = row.id,
                                 .uid = row.uid,
                                 .user = row.user,
                                 .start_ms = row.start_ms,
                                 .meter_start_wh = row.meter_start_wh,
                                 .resumed = true};
    if (ops->session_started) ops->session_started(ctx, k, &info);
  }
}

/* A02/A03 (and the 1.6 whitepaper's same use cases): a client certificate
 * from CertificateSigned the back end refuses in the TLS handshake does not
 * strand the station: the store sets it aside and the link goes back to the
 * previous identity, reported as InvalidChargingStationCertificate
 * (InvalidChargePointCertificate in 1.6) once connected. */
static void ev_client_certificate_refused(void *ctx, const char *why) {
  ocpp_core *c = ctx;
  if (c->closing || !cp_certs_client_on_trial(c->certs)) return;
  if (cp_certs_client_fallback(c->certs) != 0)
    log_warn(MOD, "the refused client certificate could not be set aside on disk");
  bool v16 = c->active->family == OCPP_FAMILY_V16;
  station_event(
      c->st, 0, "security",
      "%s: the back end refused the new client certificate (%s): back to the previous one",
      v16 ? "InvalidChargePointCertificate" : "InvalidChargingStationCertificate", why);
  station_event(c->st, 0, "ocpp_reconfigured", "client certificate refused: reconnecting to %s",
                c->url ? c->url : "");
  relink(c);
}

/* Security events (2.0.1 A04, the 1.6 whitepaper's list) for an attempt the
 * back end refused: FailedToAuthenticateAtCsms (FailedToAuthenticateAtCentralSystem
 * in 1.6) for the WebSocket upgrade's 401, InvalidTLSVersion for no TLS
 * version in common, InvalidTLSCipherSuite for no cipher suite in common (the
 * back end refused the station's hello). Once per run of refused attempts (a station retrying
 * every minute for a week would fill the journal), delivered once connected. */
static void ev_attempt_refused(void *ctx, ocpp_refusal kind, const char *why) {
  ocpp_core *c = ctx;
  unsigned bit = 1u << kind;
  if (c->closing || (c->refusals_reported & bit)) return;
  c->refusals_reported |= bit;
  bool v16 = c->active->family == OCPP_FAMILY_V16;
  const char *type = kind == OCPP_REFUSED_TLS_VERSION  ? "InvalidTLSVersion"
                     : kind == OCPP_REFUSED_TLS_CIPHER ? "InvalidTLSCipherSuite"
                     : v16                             ? "FailedToAuthenticateAtCentralSystem"
                                                       : "FailedToAuthenticateAtCsms";
  station_event(c->st, 0, "security", "%s: %s", type, why);
}

/* InvalidMessages (2.0.1 A04, the 1.6 whitepaper): a frame from the back end
 * that is not a valid OCPP message, answered with a CALLERROR. Once per
 * connection (a back end repeating a bad CALL would fill the journal). */
static void ev_invalid_message(void *ctx, const char *code, const char *text) {
  ocpp_core *c = ctx;
  if (c->closing || c->invalid_reported) return;
  c->invalid_reported = true;
  station_event(c->st, 0, "security", "InvalidMessages: answered %s: %s", code ? code : "?",
                text ? text : "");
}

static void ev_connected(void *ctx) {
  ocpp_core *c = ctx;
  c->invalid_reported = false;
  ocpp_net_connected(&c->net);
  c->refusals_reported = 0; /* a later refusal is a new event */
  /* the new client certificate has connected once: the previous one goes */
  if (cp_certs_client_on_trial(c->certs)) {
    ocpp_transport_config tc;
    ocpp_core_transport_config(c, &tc);
    if (tc.security_profile >= 3 && cp_certs_client_confirm(c->certs) == 0)
      station_event(c->st, 0, "ocpp_certificate", "the new client certificate connected: kept");
  }
  /* AdditionalRootCertificateCheck (whitepaper M05.FR.12, 2.0.1 M05): the
   * server verified with the new CSMS root: the old one (fallback) goes */
  if (cp_certs_root_on_trial(c->certs)) {
    ocpp_transport_config tc;
    ocpp_core_transport_config(c, &tc);
    if (tc.security_profile >= 2) {
      if (cp_certs_root_confirm(c->certs) != 0)
        log_warn(MOD, "the CSMS root's promotion could not be finished on disk");
      station_event(c->st, 0, "ocpp_certificate",
                    "the new CSMS root certificate connected: the fallback root removed");
    }
  }
  const ocpp_dialect_ops *was = c->active;
  switch_dialect(c);
  if (c->active != was || !c->picked_saved) {
    picked_save(c, c->active->dialect);
    c->picked_saved = true;
  }
  station_event(c->st, 0, "ocpp_version", "%s", c->active->dialect->version);
  if (c->active->connected) c->active->connected(active_ctx(c));
}

static void ev_disconnected(void *ctx, const char *why) {
  ocpp_core *c = ctx;
  if (c->active->disconnected) c->active->disconnected(active_ctx(c), why);
}

static void ev_call(void *ctx, const char *action, const json_t *payload, ocpp_reply *reply) {
  ocpp_core *c = ctx;
  c->active->call(active_ctx(c), action, payload, reply);
}

static void ev_replied(void *ctx, const char *action) {
  ocpp_core *c = ctx;
  if (c->active->replied) c->active->replied(active_ctx(c), action);
}

static void ev_certificate_refused(void *ctx, const char *why) {
  ocpp_core *c = ctx;
  if (c->active->server_certificate_refused)
    c->active->server_certificate_refused(active_ctx(c), why);
  /* AdditionalRootCertificateCheck (whitepaper M05.FR.13, 2.0.1 M05): the
   * server's certificate does not verify with the new CSMS root: the old
   * one (the fallback) is the link's again, at once */
  if (c->closing || !cp_certs_root_on_trial(c->certs)) return;
  if (cp_certs_root_fallback(c->certs) != 0)
    log_warn(MOD, "the refused CSMS root could not be set aside on disk");
  station_event(c->st, 0, "ocpp_certificate",
                "the server's certificate does not verify with the new CSMS root (%s): back to "
                "the previous root",
                why);
  station_event(c->st, 0, "ocpp_reconfigured", "CSMS root refused: reconnecting to %s",
                c->url ? c->url : "");
  relink(c);
}

/* OCPP 2.1: the back end could not accept one of the station's answers */
static void ev_result_refused(void *ctx, const char *action, const char *code, const char *text) {
  ocpp_core *c = ctx;
  station_event(c->st, 0, "ocpp_result_refused", "%s%s%s %s", action, action[0] ? ": " : "", code,
                text);
}

static void ev_answered(void *ctx, const char *action, int64_t latency_ms, const char *code) {
  ocpp_core *c = ctx;
  if (c->active->answered) c->active->answered(active_ctx(c), action, latency_ms, code);
}

/* ---------- the station's hooks ---------- */

static void on_session_started(void *ctx, int k, const station_session_info *s) {
  ocpp_core *c = ctx;
  if (c->active->session_started) c->active->session_started(active_ctx(c), k, s);
}

static void on_session_stopped(void *ctx, int k, const station_session_info *s) {
  ocpp_core *c = ctx;
  if (c->active->session_stopped) c->active->session_stopped(active_ctx(c), k, s);
}

/* every family keeps the connectors' statuses: the one adopting them later
 * knows them */
static void on_status_changed(void *ctx, int k, connector_status s, error_code e) {
  ocpp_core *c = ctx;
  const ocpp_dialect_ops *fam[OCPP_FAMILY_COUNT] = {&ocpp16_ops, &ocpp201_ops};
  for (int f = 0; f < OCPP_FAMILY_COUNT; f++)
    if (c->ctx[f] && fam[f]->status_changed) fam[f]->status_changed(c->ctx[f], k, s, e);
}

static void report_exhaustion(ocpp_core *c);

static void on_meter_read(void *ctx, int k, const meter_reading *r) {
  ocpp_core *c = ctx;
  if (c->active->meter_read) c->active->meter_read(active_ctx(c), k, r);
  /* a charge that fills the queue offline raises no station event of its
   * own: the next reading says it */
  report_exhaustion(c);
}

/* MemoryExhaustion (the security events' list, critical: "the Flash or RAM
 * memory is getting full"): the journal refused a message or thinned its
 * periodic readings for want of room (cp_journal_exhausted), or the event
 * log or the samples refused a row once the history had nothing left to
 * give (store_exhausted). Raised at the next station event that is on disk
 * (room again: the event log took it), outside a store batch, so that the
 * dialect's queueing of it is seen at once; cleared once the journal took
 * it, else raised again at the next event. Both versions (1.6's whitepaper
 * has the same event). */
static void report_exhaustion(ocpp_core *c) {
  const char *queue_why = cp_journal_exhausted(c->journal);
  const char *log_why = queue_why ? NULL : store_exhausted(c->st->db);
  if ((!queue_why && !log_why) || c->exhaustion_raising || c->closing || store_in_batch(c->st->db))
    return;
  char text[160];
  snprintf(text, sizeof text, "%s", queue_why ? queue_why : log_why);
  c->exhaustion_raising = true;
  uint64_t before = cp_journal_pushed(c->journal);
  station_event(c->st, 0, "security", "MemoryExhaustion: %s: %s",
                queue_why ? "the queue could not take a message" : "the event log is full", text);
  if (cp_journal_pushed(c->journal) > before) {
    cp_journal_exhaustion_reported(c->journal);
    store_exhaustion_reported(c->st->db);
  }
  c->exhaustion_raising = false;
}

/* ---------- UnlockConnector (both dialects) ---------- */

static void unlock_key(int connector, char *key, size_t keylen) {
  snprintf(key, keylen, "UnlockConnector/%d", connector);
}

static json_t *unlock_status(const char *status) { return json_pack("{s:s}", "status", status); }

void ocpp_core_unlock(const ocpp_core *core, int connector, ocpp_reply *reply) {
  char err[160], key[48];
  int rc = station_unlock(core->st, connector, err, sizeof err);
  if (rc < 0) log_warn(MOD, "UnlockConnector %d: %s", connector, err);
  if (rc != 1) {
    reply->result = unlock_status(rc == 0 ? "Unlocked" : "UnlockFailed");
    return;
  }
  /* the answer says whether the lock opened (1.6 5.18): it waits for the
   * switch, UnlockFailed should nothing be told in time */
  unlock_key(connector, key, sizeof key);
  if (ocpp_reply_defer(reply, key, OCPP_UNLOCK_ANSWER_MS, unlock_status("UnlockFailed")) != 0) {
    log_warn(MOD, "UnlockConnector %d: cannot wait for the lock: UnlockFailed", connector);
    reply->result = unlock_status("UnlockFailed");
  }
}

static void on_event(void *ctx, int k, const char *kind, const char *detail) {
  ocpp_core *c = ctx;
  if (!strcmp(kind, "unlock_result") && c->link) {
    char key[48];
    unlock_key(k, key, sizeof key);
    json_t *result = unlock_status(detail);
    ocpp_link_answer_deferred(c->link, key, result);
    json_decref(result);
  }
  if (c->active->event) c->active->event(active_ctx(c), k, kind, detail);
  report_exhaustion(c);
}

static bool on_car_leaving(void *ctx, int k) {
  ocpp_core *c = ctx;
  return c->active->car_leaving_ends_session &&
         c->active->car_leaving_ends_session(active_ctx(c), k);
}

static void on_setting_changed(void *ctx, const char *key) {
  ocpp_core *c = ctx;
  if (!strcmp(key, "ocpp.url")) /* the dialect compares its copy and reconnects */
    keep_url(&c->url, config_get(c->st->cfg, key)); /* out of memory: the one before */
  if (!strcmp(key, "ocpp.NetworkConfigurationPriority")) ocpp_core_network_reload(c);
  if (c->net_iface_key && !strcmp(key, c->net_iface_key) && c->net_in_use != OCPP_NET_INSTALLER)
    relink(c); /* the slot in use's interface: at once */
  if (!strcmp(key, "ocpp.AdditionalRootCertificateCheck"))
    cp_certs_set_root_check(c->certs, config_get_bool(c->st->cfg, key));
  if (c->active->setting_changed) c->active->setting_changed(active_ctx(c), key);
}

/* connector.N.type: the connector's OCPP type, read at each use by the 2.0.1
 * dialect (v201_connector_type): current whatever the version spoken */
static bool connector_type_key(const char *key) {
  size_t n = strlen(key);
  return strncmp(key, "connector.", 10) == 0 && n > 5 && strcmp(key + n - 5, ".type") == 0;
}

/* network.interface.*: read at each connection of a slot, the one in use
 * reconnects at once (on_setting_changed) */
static bool interface_key(const char *key) { return !strncmp(key, "network.interface.", 18); }

static station_setting_state on_setting_state(void *ctx, const char *key) {
  ocpp_core *c = ctx;
  if (connector_type_key(key) || interface_key(key)) return SETTING_CURRENT;
  return c->active->setting_state ? c->active->setting_state(active_ctx(c), key) : SETTING_UNUSED;
}

static void on_status_json(void *ctx, int k, json_t *obj) {
  ocpp_core *c = ctx;
  if (c->active->status_json) c->active->status_json(active_ctx(c), k, obj);
  json_t *o = k == 0 ? json_object_get(obj, "ocpp") : NULL;
  if (o) /* the version the server picked (before it did since the start: the one it picked
          * last, the first offered when none) */
  {
    json_object_set_new(o, "version", json_string(c->active->dialect->version));
    json_object_set_new(o, "configuration_slot", json_integer(c->net_in_use));
    if (c->net_in_use != OCPP_NET_INSTALLER && c->net_url &&
        c->net_url[0]) /* the URL connected to */
      json_object_set_new(o, "url", json_string(c->net_url));
  }
}

static void on_authorize(void *ctx, uint32_t request_id, const char *uid) {
  ocpp_core *c = ctx;
  c->active->authorize(active_ctx(c), request_id, uid);
}

static const ocpp_dialect_ops *family_ops(int f) {
  return f == OCPP_FAMILY_V16 ? &ocpp16_ops : &ocpp201_ops;
}

static void on_closing(void *ctx) {
  ocpp_core *c = ctx;
  c->closing = true;
  ocpp_link_close(c->link);
  for (int f = 0; f < OCPP_FAMILY_COUNT; f++)
    if (c->ctx[f]) family_ops(f)->closing(c->ctx[f]);
}

static void core_free(ocpp_core *c) {
  cp_journal_free(c->journal);
  cp_auth_free(c->auth);
  cp_reservations_free(c->resv);
  cp_certs_free(c->certs);
  cp_profiles_free(c->profiles);
  free(c->url);
  free(c->net_url);
  free(c);
}

static void on_free(void *ctx) {
  ocpp_core *c = ctx;
  for (int f = 0; f < OCPP_FAMILY_COUNT; f++)
    if (c->ctx[f]) family_ops(f)->free(c->ctx[f]);
  ocpp_link_free(c->link);
  core_free(c);
}

/* GET /api/v1/ocpp: the connection and every OCPP configuration key as the
 * back end sees it, for `bornectl ocpp` and the web page. */
static int get_ocpp(void *ctx, const http_request *req, http_response *res) {
  (void)req;
  ocpp_core *c = ctx;
  json_t *status = json_object();
  on_status_json(c, 0, status);
  json_t *conf = ocpp_keys_get(c->st->cfg, NULL);
  json_t *body = json_pack("{s:O, s:O}", "connection", json_object_get(status, "ocpp"), "keys",
                           json_object_get(conf, "configurationKey"));
  json_decref(status);
  json_decref(conf);
  http_json_body(res, body);
  return 0;
}

/* POST /api/v1/connectors/{n}/priority {"activate": true|false}: OCPP 2.1
 * K22, priority charging asked for at the station (the owner's dashboard,
 * a button wired to the API) for the transaction running on connector n,
 * by the dialect spoken (2.1 only). */
static int post_priority(void *ctx, const http_request *req, http_response *res) {
  ocpp_core *c = ctx;
  int n = http_connector_param(req, 0, station_connector_count(c->st), res);
  if (n <= 0) return 0;
  static const char *const allowed[] = {"activate", NULL};
  json_t *body = http_parse_object(req, res, 0);
  if (!body) return 0;
  int activate = -1;
  if (http_only_members(body, allowed, res) == 0 &&
      http_opt_bool(body, "activate", &activate, res) >= 0) {
    const ocpp_dialect_ops *ops = c->active;
    char err[200];
    if (activate < 0)
      http_json_error(res, 400, "activate: required");
    else if (!ops || !ops->priority || !c->ctx[ops->family])
      http_json_error(res, 409, "priority charging needs OCPP 2.1");
    else if (ops->priority(c->ctx[ops->family], n, activate, err, sizeof err) != 0)
      http_json_error(res, 409, "%s", err);
    else
      http_json_body(res, json_pack("{s:i,s:b}", "connector", n, "priority", activate));
  }
  json_decref(body);
  return 0;
}

/* ---------- attaching ---------- */

/* The station does not start: what has no handle on the loop is freed; a
 * family that opened its timers closes them and stays (as the dialects did
 * alone). */
static int attach_failed(ocpp_core *c) {
  bool opened = false;
  for (int f = 0; f < OCPP_FAMILY_COUNT; f++)
    if (c->ctx[f]) {
      family_ops(f)->closing(c->ctx[f]);
      opened = true;
    }
  if (!opened) core_free(c);
  return -1;
}

static int attach_backend(station *st, const char *url, char *err, size_t errlen) {
  ocpp_core *c = calloc(1, sizeof *c);
  if (!c) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  c->st = st;
  if (keep_url(&c->url, url) != 0) {
    free(c);
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  char why[200];
  if (ocpp_keys_check(st->cfg, err, errlen) != 0) {
    free(c->url);
    free(c);
    return -1;
  }
  if (ocpp_version_list_parse(config_get(st->cfg, "ocpp.version"), true, c->offered, &c->n_offered,
                              why, sizeof why) != 0) {
    snprintf(err, errlen, "ocpp.version: %s", why);
    free(c->url);
    free(c);
    return -1;
  }
  if (store_module_migrate(st->db, "ocpp", picked_steps,
                           (int)(sizeof picked_steps / sizeof picked_steps[0])) != 0) {
    snprintf(err, errlen, "ocpp tables: %s", store_last_error(st->db));
    free(c->url);
    free(c);
    return -1;
  }
  /* the version the back end picked last (restarts), else the first offered */
  const ocpp_dialect_ops *picked = picked_load(c);
  c->active = picked ? picked : ocpp_ops_of(c->offered[0]);
  /* the charge-point model: the journal, authorization, reservations and availability */
  c->journal = cp_journal_open(st->db, err, errlen);
  if (c->journal) c->auth = cp_auth_open(st->db, err, errlen);
  if (c->auth) c->resv = cp_reservations_open(st->db, err, errlen);
  char certs_dir[600];
  snprintf(certs_dir, sizeof certs_dir, "%s/certs", st->data_dir);
  if (c->resv) c->certs = cp_certs_open(certs_dir, err, errlen);
  if (!c->certs) return attach_failed(c);
  cp_certs_set_root_check(c->certs,
                          config_get_bool(st->cfg, "ocpp.AdditionalRootCertificateCheck"));
  /* OCPP 1.6 ChargeProfileMaxStackLevel, ChargingScheduleMaxPeriods,
   * MaxChargingProfilesInstalled; 2.0.1's SmartChargingCtrlr.ProfileStackLevel,
   * PeriodsPerSchedule and Entries' maximum: the same numbers */
  cp_profile_limits lim = {
      .max_stack_level = 8, .max_periods = 24, .max_profiles = 16, .allow_watts = true};
  if (c->certs)
    c->profiles = cp_profiles_open(st->db, station_connector_count(st), &lim, err, errlen);
  if (!c->profiles) return attach_failed(c);
  /* its table before the dialects' first statements (the swarm's schema
   * template, store.c) */
  if (ocpp_net_open(st->db, err, errlen) != 0) return attach_failed(c);
  for (size_t i = 0; i < c->n_offered; i++) {
    const ocpp_dialect_ops *ops = ocpp_ops_of(c->offered[i]);
    if (!ops || c->ctx[ops->family]) continue;
    c->ctx[ops->family] = ops->open(c, err, errlen);
    if (!c->ctx[ops->family]) return attach_failed(c);
  }
  /* 2.0.1 no longer offered: its transactions waiting for a badge or a car
   * end (docs/ocpp201.md, version negotiation) */
  if (!c->ctx[OCPP_FAMILY_V201]) ocpp201_end_left_behind(st, c->journal);
  /* B10.FR.04: after a start, the first entry of NetworkConfigurationPriority */
  net_load(c);
  c->net_cell_slot = -1;
  net_select(c);
  /* one restarter for the firmware updater: the dialect spoken at that
   * moment tells its back end before the restart (with a version list every
   * dialect is open, and the last one registered would have won) */
  station_firmware_set_restarter(st, firmware_restart, c);
  ocpp_transport_config tc;
  ocpp_core_transport_config(c, &tc);
  const ocpp_dialect_ops *v16 = c->ctx[OCPP_FAMILY_V16] ? &ocpp16_ops : NULL;
  if (v16 && v16->transport_config) v16->transport_config(c->ctx[OCPP_FAMILY_V16], &tc);
  net_apply(c, &tc);
  ocpp_link_events ev = {.ctx = c,
                         .attempt_failed = ev_attempt_failed,
                         .client_certificate_refused = ev_client_certificate_refused,
                         .attempt_refused = ev_attempt_refused,
                         .invalid_message = ev_invalid_message,
                         .result_refused = ev_result_refused,
                         .connected = ev_connected,
                         .disconnected = ev_disconnected,
                         .server_certificate_refused = ev_certificate_refused,
                         .call = ev_call,
                         .replied = ev_replied,
                         .answered = ev_answered};
  c->link = ocpp_link_new(
      st->loop, &tc,
      c->net_timeout_s > 0 ? c->net_timeout_s : (int)config_get_int(st->cfg, "ocpp.call_timeout_s"),
      c->offered, c->n_offered, NULL, &ev, err, errlen);
  if (!c->link) return attach_failed(c);
  for (int f = 0; f < OCPP_FAMILY_COUNT; f++)
    if (c->ctx[f] && family_ops(f)->linked) family_ops(f)->linked(c->ctx[f], c->link);
  /* availability set by the back end survives restarts (OCPP 1.6 5.2, 2.0.1
   * G03), and so do reservations */
  int count = station_connector_count(st);
  for (int k = 1; k <= count; k++)
    if (!cp_availability(c->resv, k)) station_set_available(st, k, false);
  cp_reservation rs[2 * BORNE_MAX_CONNECTORS]; /* one per connector, and station-wide ones */
  int nr = cp_reservations_list(c->resv, rs, 2 * BORNE_MAX_CONNECTORS);
  for (int i = 0; i < nr; i++) {
    char w[120];
    const char *group = rs[i].group[0] ? rs[i].group : NULL;
    if (rs[i].connector == 0) /* station-wide (2.0.1: of a connectorType when among) */
      station_reserve_any(st, rs[i].id, rs[i].among, rs[i].token, group);
    else if (rs[i].connector <= count &&
             station_reserve(st, rs[i].connector, rs[i].token, group, w, sizeof w) != 0)
      log_warn(MOD, "reservation %d not restored: %s", rs[i].id, w);
  }
  station_set_offline(st, true);
  set_badge_max(c);
  show_kept(c);
  if (strcmp(config_get(st->cfg, "auth.mode"), "ocpp") == 0)
    station_set_authorizer(st, on_authorize, c);
  station_module m = {.name = "ocpp",
                      .ctx = c,
                      .session_started = on_session_started,
                      .session_stopped = on_session_stopped,
                      .status_changed = on_status_changed,
                      .meter_read = on_meter_read,
                      .event = on_event,
                      .setting_changed = on_setting_changed,
                      .car_leaving_ends_session = on_car_leaving,
                      .setting_state = on_setting_state,
                      .status_json = on_status_json,
                      .closing = on_closing,
                      .free = on_free};
  if (station_add_module(st, &m) != 0) {
    snprintf(err, errlen, "too many modules");
    return -1;
  }
  http_add_route(st->http, &(http_route){"GET", "/api/v1/ocpp", get_ocpp, c});
  http_add_route(st->http,
                 &(http_route){"POST", "/api/v1/connectors/{id}/priority", post_priority, c});
  return 0;
}

/* A04 / 1.6 security: the start of the device, a security event (a synced
 * row, then the SecurityEventNotification queued by on_event). Recorded once
 * the link is connecting, not before: its two synced commits were on the way
 * of the first BootNotification (issue 15); it is queued before it can be
 * sent (only after the BootNotification's answer) all the same. */
static void record_startup(station *st) {
  station_event(st, 0, "security", "StartupOfTheDevice: borne %s", station_firmware_version(st));
}

/* A station started without a back end attaches it when the installer sets
 * ocpp.url at run time (web page, bornectl ocpp url): no restart needed. */
typedef struct {
  station *st;
  bool attached;
} ocpp_idle;

static void idle_setting_changed(void *ctx, const char *key) {
  ocpp_idle *idle = ctx;
  const char *url = config_get(idle->st->cfg, "ocpp.url");
  if (idle->attached || strcmp(key, "ocpp.url") != 0 || !url || !url[0]) return;
  char err[256];
  if (attach_backend(idle->st, url, err, sizeof err) != 0) {
    log_error(MOD, "cannot start OCPP: %s", err);
    return;
  }
  idle->attached = true;
  record_startup(idle->st);
  station_event(idle->st, 0, "ocpp_reconfigured", "ocpp.url: connecting to %s", url);
}

/* Before the back end is attached: ocpp.url attaches it (STALE when that
 * failed); the other OCPP keys are read once it runs. */
static station_setting_state idle_setting_state(void *ctx, const char *key) {
  ocpp_idle *idle = ctx;
  if (idle->attached) return SETTING_UNUSED; /* the back end's module answers */
  if (connector_type_key(key) || interface_key(key)) return SETTING_CURRENT;
  if (strncmp(key, "ocpp.", 5) != 0 && strcmp(key, "auth.offline_local_badges") != 0)
    return SETTING_UNUSED;
  const char *url = config_get(idle->st->cfg, "ocpp.url");
  return strcmp(key, "ocpp.url") == 0 && url && url[0] ? SETTING_STALE : SETTING_CURRENT;
}

static void idle_status_json(void *ctx, int c, json_t *obj) {
  ocpp_idle *idle = ctx;
  if (c != 0 || idle->attached) return;
  const ocpp_dialect *list[OCPP_VERSIONS_MAX];
  size_t n = 0;
  char why[200];
  bool ok = ocpp_version_list_parse(config_get(idle->st->cfg, "ocpp.version"), false, list, &n, why,
                                    sizeof why) == 0;
  json_object_set_new(obj, "ocpp",
                      json_pack("{s:s, s:s, s:s}", "url", "", "version",
                                ok ? list[0]->version : ocpp16_dialect.version, "state",
                                "disabled"));
}

static void idle_free(void *ctx) { free(ctx); }

int ocpp_attach_late(station *st, char *err, size_t errlen) {
  (void)err;
  (void)errlen;
  for (int m = 0; m < st->module_count; m++)
    if (st->modules[m].name && strcmp(st->modules[m].name, "ocpp") == 0) {
      record_startup(st);
      break;
    }
  return 0;
}

int ocpp_attach(station *st, char *err, size_t errlen) {
  const char *url = config_get(st->cfg, "ocpp.url");
  if (url && url[0]) return attach_backend(st, url, err, errlen);
  if (strcmp(config_get(st->cfg, "auth.mode"), "ocpp") == 0) {
    snprintf(err, errlen, "auth.mode: `ocpp` needs a back end: set ocpp.url (or --csms URL)");
    return -1;
  }
  ocpp_idle *idle = calloc(1, sizeof *idle);
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
