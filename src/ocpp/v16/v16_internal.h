/*
 * What the files of the OCPP 1.6 dialect (src/ocpp/v16/) share, and nothing
 * outside that folder includes: the charge point's state (ocpp16_station,
 * one per attached back end), the small helpers every message family uses,
 * the functions one family calls in another (sending, the queue, the tick
 * timer, statuses, samples, security events) and the handler tables the
 * dispatcher (ocpp16_module.c) gathers. It exists because the charge point
 * was one 1 900-line file and is now one file per message family, the way
 * MicroOcpp's Operations/ and libocpp's functional blocks are laid out; the
 * module is the OCPP module (ocpp_module.c) through ocpp16_ops (ocpp_core.h).
 */
#ifndef BORNE_OCPP_V16_INTERNAL_H
#define BORNE_OCPP_V16_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "chargepoint/certificates.h"
#include "chargepoint/profiles.h"
#include "firmware/diagnostics.h"
#include "firmware/firmware.h"
#include "firmware/firmware_module.h"
#include "ocpp/ocpp_core.h"
#include "ocpp/ocpp_keys.h"
#include "ocpp/ocpp_link.h"
#include "ocpp/ocpp_pushed.h"
#include "ocpp/ocpp_version.h"
#include "ocpp/v16/codec.h"
#include "ocpp/v16/model.h"
#include "ocpp16_messages.h" /* generated from the OCPP 1.6 schemas */
#include "station/loop_slices.h"
#include "station/station.h"
#include "core/errors.h"
#include "util/log.h"
#include "util/timefmt.h"

#define MOD "ocpp"
#define NEVER INT64_MAX
#define BOOT_RETRY_DEFAULT_S 30
#define RESET_FLUSH_MS 300      /* lets the WebSocket write Reset.conf before closing */
#define RESET_STOP_MAX_MS 10000 /* Reset: waits at most this for the StopTransaction answers */

typedef enum { BOOT_NONE, BOOT_PENDING, BOOT_ACCEPTED, BOOT_REJECTED } boot_state;
extern const char *const v16_boot_names[]; /* indexed by boot_state (core.c) */

typedef struct {
  connector_status status; /* as the station has it now */
  /* as 1.6 shows it: Preparing too while an authorization waits for its car
   * here (v16_refresh_shown) */
  connector_status shown;
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
  char start_parent[21]; /* the starting idTag's parentIdTag, "" unknown (3.5.1) */
  char stop_tag[21];     /* the idTag of its group stopping it, while it stops */
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
  /* the charge-point model (src/chargepoint/, its 1.6 words in model.h) */
  cp_journal *journal;   /* transaction journal */
  cp_auth *auth;         /* authorization cache and local list */
  cp_reservations *resv; /* reservations and availability */
  cp_profiles *smart;    /* charging profiles (the OCPP module's: one store for every version) */
  const struct ocpp_core *shared; /* the OCPP module's (ocpp_core.h) */
  cp_certs *certs;                /* security whitepaper certificate store */
  bool trust_changed;  /* CentralSystemRootCertificates changed: new link CA at next connect */
  bool cert_reconnect; /* new client certificate: reconnect with it once answered */
  bool cert_refusal_reported; /* InvalidCentralSystemCertificate raised since the last connect */
  boot_state boot;
  int heartbeat_s;
  lazy_timer boot_timer; /* a BootNotification again: not once the first was accepted */
  uv_timer_t heartbeat_timer;
  /* status debounce, samples, aligned data, queue retries, expiries; its
   * handle given back while nothing is due (an idle swarm station's) */
  lazy_timer tick_timer;
  /* made by their first start (station/lazy_timer.h): an idle station never
   * resets nor gets a new certificate */
  lazy_timer reset_timer; /* Reset after its answer was written */
  lazy_timer cert_timer;  /* reconnect with a new client certificate after the answer */
  bool reset_hard;
  bool restart_pending;      /* firmware installed: restart once the notifications left */
  boot_reason restart_why;   /* the Reset's RemoteReset or the install's FirmwareUpdate */
  uint64_t restart_deadline; /* uv_now: restart anyway */
  borne_ms next_aligned;
  cp_conn *conn; /* count of them (open16) */
  int count;
  connector_status reported0; /* connector 0 (the whole station) as the back end last heard it */
  bool reported0_valid;
  int64_t pump_in_flight; /* queue message id being sent, 0 none */
  /* the last messages queued, their parsed payload beside the text the journal
   * holds: the pump takes a payload back when the journal hands it that very
   * text, instead of parsing it again (v16_enqueue, v16_pump) */
  ocpp_pushed pushed;
  /* TriggerMessage: what to send once the answer went out */
  unsigned trigger;
  int trigger_connector;
  borne_ms last_rx_wall;
  char auth_tag[21], auth_parent[21]; /* the last accepted badge and its group */
  /* the diagnostics uploader and its transfers, made by the first
   * GetDiagnostics or GetLog (v16_diagnostics): an idle swarm station never
   * uploads (0.7 kB each) */
  curl_uv *cu;
  diagnostics *diag;
  fw_status fw_last;
  int fw_request_id;
  bool fw_signed;
  diag_status diag_last;
  int log_request_id;
  char *url; /* the ocpp.url connected to (owned; at most 511 characters) */
  /* copies of run-time settings, refreshed by on_setting_changed() */
  unsigned long link_loaded_at; /* config_generation() of the link's transport config */
  int call_timeout_s;           /* ocpp.call_timeout_s given to the link */
  int reconnect_max_s;          /* ocpp.reconnect_max_s given to the link */
  long heartbeat_armed_s;       /* the interval the heartbeat runs (or will run) with */
  bool closing;
  int open_handles;
  /* the clock-aligned values taken at the mark (each payload as its compact
   * text: one block, where its JSON tree was dozens that waited up to a
   * minute between the stations' values at 10 000 stations), written and
   * sent in a slice of the loop (loop_slices.h, borne-swarm); none wait
   * when aligned_n is 0 */
  struct v16_aligned {
    int64_t session_id;
    char *text;
  } * aligned;
  int aligned_n, aligned_cap;
  loop_slice aligned_slice;
  /* OCPP-J 1.6 5.4 Reconnecting: what the last BootNotification sent and
   * the one the back end accepted were about (its fields, the URL, identity,
   * security profile, slot and subprotocol of the connection; core.c); NULL:
   * none. A reconnection matching the accepted one sends no BootNotification. */
  char *boot_sent_fp;
  char *boot_accepted_fp;
} ocpp16_station;

/* ---------- small helpers ---------- */

static inline borne_ms now_of(const ocpp16_station *o) { return clock_now(&o->st->clock); }

static inline long key_int(const ocpp16_station *o, const char *name) {
  char k[96];
  snprintf(k, sizeof k, "ocpp.%s", name);
  return config_get_int(o->st->cfg, k);
}

static inline bool key_bool(const ocpp16_station *o, const char *name) {
  char k[96];
  snprintf(k, sizeof k, "ocpp.%s", name);
  return config_get_bool(o->st->cfg, k);
}

static inline const char *key_str(const ocpp16_station *o, const char *name) {
  char k[96];
  snprintf(k, sizeof k, "ocpp.%s", name);
  const char *v = config_get(o->st->cfg, k);
  return v ? v : "";
}

static inline json_t *time_json(borne_ms ms) {
  char t[40];
  timefmt_iso(ms, t, sizeof t);
  return json_string(t);
}

static inline bool online(const ocpp16_station *o) {
  return o->link && ocpp_link_connected(o->link) && o->boot == BOOT_ACCEPTED;
}

/* An idTag as OCPP wants it: at most 20 characters (IdToken, CiString20Type). */
/* The idTag of badge `uid` (ocpp.free_id_tag for none) into out (at least
 * OCPP16_ID_TAG_MAX + 1 bytes). A badge longer than an idTag (CiString20) is
 * never cut — its first 20 characters could be another badge: false, out
 * "" (the reader's badge is refused before, v16_authorize). */
static inline bool id_tag_of(const ocpp16_station *o, const char *uid, char *out, size_t len) {
  if (!uid || !uid[0]) uid = config_get(o->st->cfg, "ocpp.free_id_tag");
  if (!uid) uid = "";
  if (strlen(uid) > OCPP16_ID_TAG_MAX || strlen(uid) >= len) {
    if (len) out[0] = '\0';
    return false;
  }
  snprintf(out, len, "%s", uid);
  return true;
}

static inline int connector_of_session(const ocpp16_station *o, int64_t session_id) {
  for (int c = 1; c <= o->count; c++)
    if (o->conn[c - 1].session_id == session_id) return c;
  return 0;
}

static inline int connector_of_transaction(const ocpp16_station *o, int tx) {
  for (int c = 1; c <= o->count; c++)
    if (o->conn[c - 1].session_id && o->conn[c - 1].transaction_id == tx) return c;
  return 0;
}

/* ---------- incoming calls: one table per message family ---------- */

typedef struct {
  const char *action;
  void (*fn)(ocpp16_station *o, const json_t *req, ocpp_reply *r);
  bool quiet; /* no "ocpp_call" station event after it */
} v16_handler;

typedef struct {
  const v16_handler *list;
  size_t count;
} v16_family;

extern const v16_family v16_core_calls, v16_authorization_calls, v16_remote_calls,
    v16_configuration_calls, v16_smart_charging_calls, v16_firmware_calls, v16_security_calls;

/* ocpp16_module.c: answers, sending, the tick timer, the link */
void v16_reply_status(ocpp_reply *r, const char *status);
bool v16_decoded(int rc, const ocpp_error *err, ocpp_reply *r);
void v16_send_now(ocpp16_station *o, const char *action, json_t *payload);
void v16_arm_tick(ocpp16_station *o);
void v16_transport_config(const ocpp16_station *o, ocpp_transport_config *tc);

/* core.c */
void v16_send_boot(ocpp16_station *o);
/* On a connection: true when the registration resumes without a
 * BootNotification (a reconnection to the back end that accepted one,
 * nothing it carried changed); what an Accepted answer starts is then done. */
bool v16_resume_registration(ocpp16_station *o);
void v16_boot_forget(ocpp16_station *o);
void v16_send_heartbeat(ocpp16_station *o);
void v16_arm_heartbeat(ocpp16_station *o);
void v16_send_status(ocpp16_station *o, int c);
void v16_send_all_statuses(ocpp16_station *o);
borne_ms v16_report_statuses(ocpp16_station *o, borne_ms now);
void v16_on_status_changed(void *ctx, int c, connector_status s, error_code e);
/* A held authorization began or ended: the connectors' 1.6 statuses again. */
void v16_refresh_shown(ocpp16_station *o);

/* transactions.c */
void v16_enqueue(ocpp16_station *o, int64_t session_id, const char *action, json_t *payload);
void v16_pump(ocpp16_station *o);
/* A MeterValue of connector c, or NULL when none of `measurands` is measured now: the
 * OCA's 1.6 schema (errata) wants at least one sampledValue. */
json_t *v16_meter_value(const ocpp16_station *o, int c, const char *measurands, const char *context,
                        borne_ms at);
/* With SampledDataSignReadings (AlignedDataSignReadings for "Sample.Clock")
 * and `measurands` holding the register, the reading `one` of connector c's
 * session gets a signed intermediate OCMF record (TX "C") of its register at
 * `at`, on disk before it returns, as one more sampled value (format
 * SignedData). Nothing without a session or OCMF. */
void v16_sign_reading(ocpp16_station *o, int c, const char *context, const char *measurands,
                      borne_ms at, json_t *one);
borne_ms v16_take_samples(ocpp16_station *o, borne_ms now);
/* Writes and sends the clock-aligned values taken at the mark that still
 * wait for their slice (v16_take_samples): before any later message of the
 * station is queued (their order), and at its close. */
void v16_flush_aligned(ocpp16_station *o);
/* The next clock-aligned sampling (ClockAlignedDataInterval), NEVER when off. */
borne_ms v16_aligned_due(ocpp16_station *o, borne_ms now);
void v16_on_session_started(void *ctx, int c, const station_session_info *s);
void v16_on_session_stopped(void *ctx, int c, const station_session_info *s);
void v16_on_meter_read(void *ctx, int c, const meter_reading *r);
void v16_send_signed_reading(ocpp16_station *o, int c, const char *detail);

/* authorization.c */
void v16_authorize(void *ctx, uint32_t request_id, const char *uid);

/* remote.c */
borne_ms v16_expire_reservations(ocpp16_station *o, borne_ms now);
void v16_send_triggered(ocpp16_station *o);

/* smart_charging.c */
void v16_apply_profiles(ocpp16_station *o);

/* firmware.c */
void v16_on_firmware_status(void *ctx, fw_status s, int request_id, const char *detail);
void v16_on_restart(void *ctx);
void v16_on_diag_status(void *ctx, diag_status s, int request_id, const char *detail);
/* The uploader, made on first use; NULL (logged) when it cannot be made or
 * the station closes. */
diagnostics *v16_diagnostics(ocpp16_station *o);
void v16_flush_check_cb(uv_timer_t *t);

/* security.c */
void v16_security_event(ocpp16_station *o, const char *type, const char *tech);
void v16_security_event_notification(ocpp16_station *o, const char *detail);
void v16_send_sign_certificate(ocpp16_station *o);
void v16_certs_apply(ocpp16_station *o, const char *why);
void v16_cert_reconnect_cb(uv_timer_t *t);

#endif
