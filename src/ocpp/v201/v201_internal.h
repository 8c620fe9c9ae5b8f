/*
 * What the files of the OCPP 2.0.1 dialect (src/ocpp/v201/) share, and
 * nothing outside that folder includes: the charging station's state
 * (ocpp201_station, one per attached back end), the small helpers, the
 * functions one message family calls in another and the handler tables the
 * dispatcher (ocpp201_module.c) gathers. Laid out like the 1.6 dialect
 * (src/ocpp/v16/v16_internal.h), one file per functional block of the 2.0.1
 * specification; what is below the wire (journal, authorization store,
 * reservations and availability) is the charge-point model's
 * (src/chargepoint/), the same one 1.6 uses.
 */
#ifndef BORNE_OCPP_V201_INTERNAL_H
#define BORNE_OCPP_V201_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "chargepoint/authorization.h"
#include "chargepoint/certificates.h"
#include "chargepoint/journal.h"
#include "chargepoint/profiles.h"
#include "chargepoint/reservations.h"
#include "energy/tzrule.h"
#include "firmware/diagnostics.h"
#include "firmware/firmware.h"
#include "firmware/firmware_module.h"
#include "ocpp/ocpp_keys.h"
#include "ocpp/ocpp_link.h"
#include "ocpp/ocpp_pushed.h"
#include "ocpp/ocpp_version.h"
#include "ocpp/v201/device_model.h"
#include "ocpp/v201/model.h"
#include "ocpp/v201/tx_ended.h"
#include "ocpp/v201/txlimit.h"
#include "ocpp/v201/txpoints.h"
#include "ocpp/v201/webpay.h"
#include "ocpp201_messages.h" /* generated from the OCPP 2.0.1 schemas */
#include "station/lazy_timer.h"
#include "station/loop_slices.h"
#include "station/station.h"
#include "util/log.h"
#include "util/timefmt.h"

#define MOD "ocpp"
#define NEVER INT64_MAX
#define BOOT_RETRY_DEFAULT_S 30
#define RESET_FLUSH_MS 300      /* lets the WebSocket write the Reset answer before closing */
#define RESET_STOP_MAX_MS 10000 /* Reset: waits at most this for the Ended events' answers */
/* 2.1 E17: a resumed transaction's TxResumed waits at most this (station
 * time) for the car to draw again (borne's own EV timeouts are 5-6 s) */
#define RESUME_SETTLE_MS 10000

typedef enum { B201_NONE, B201_PENDING, B201_ACCEPTED, B201_REJECTED } v201_boot_state;
extern const char *const v201_boot_names[]; /* indexed by v201_boot_state (core.c) */

/* Block I (cost.c): what the driver of an EVSE's last transaction is told
 * of its cost, kept with the session (tariff_session_cost). */
struct v201_local;
typedef struct {
  int64_t session;           /* the session it is of, 0 none */
  char tx[CP_TX_ID_MAX + 1]; /* its transactionId */
  double total;              /* the CSMS's (CostUpdated, totalCost) or the local one */
  bool known, final, ended;  /* a total came; it is the final one; the session ended */
  bool local;                /* computed here from a 2.1 tariff */
  char message[512];         /* the CSMS's personal message to the driver */
  struct v201_local *run;    /* 2.1 local cost of the session (cost.c), NULL none */
  borne_ms running_at;       /* 2.1: its last RunningCost update (I12.FR.02), or its start */
} v201_cost;

/* One EVSE with one connector: borne's connector c is EVSE c, connector 1. */
typedef struct {
  connector_status status; /* as the station has it now */
  borne_ms since;
  bool known;
  connector_status reported; /* as the back end last heard it */
  bool reported_valid;
  int64_t session_id;           /* running borne session, 0 none */
  char tx_id[CP_TX_ID_MAX + 1]; /* its transactionId, "" none */
  connector_status tx_state;    /* chargingState the back end last heard */
  bool car_away;           /* E10: its transaction said EVCommunicationLost, kept without the car */
  borne_ms car_away_at;    /* since when */
  bool car_away_timed_out; /* a fixed cable's EVConnectionTimeOut ended it (TC_E_27_CS) */
  /* 2.1 E17: a resumed transaction's TxResumed waits for the state its EVSE
   * reaches after the restart (EVConnected, then SuspendedEV until the car
   * draws), at most until resume_by */
  bool resume_pending;
  borne_ms resume_by;
  v201_txp txp; /* E01/E06: its transaction on the session's timeline */
  borne_ms last_sample;
  /* the transactionId whose signed value carried the public key
   * (PublicKeyWithSignedMeterValue OncePerTransaction); on disk too
   * (tx_key.h), `key_unsaved` until the event carrying it is queued */
  char key_tx[CP_TX_ID_MAX + 1];
  bool key_unsaved;
  v201_txend txend; /* J: the readings its transaction keeps for its Ended (tx_ended.h) */
  /* RequestStartTransaction accepted for this EVSE: its id and token, for
   * the transaction that token starts here next */
  int remote_start_id;
  bool remote_pending;
  char remote_token[CP_ID_MAX + 1];
  char remote_type[V201_TOKEN_TYPE_MAX + 1]; /* its IdTokenType.type ("Central", "DirectPayment") */
  /* its fault (Faulted, or an error code) and what the CSMS last heard of
   * it through NotifyEvent (availability.c) */
  bool problem;
  error_code problem_code;
  bool problem_told;
  error_code problem_told_code;
  int problem_event_id; /* the eventId that told it: the cause of its clearing */
  /* the chargingLimitSource of the external limit the CSMS last heard
   * capping this EVSE (NotifyChargingLimit), NULL none */
  const char *limit_reported;
  double limit_reported_a;     /* its value then (A a phase): a change told again */
  int limit_reported_critical; /* its isGridCritical then (1, 0, -1 left out) */
  /* K01.FR.61: the running transaction's charging rate (offered A) the CSMS
   * last heard of, or its first, and the limit that decided it */
  bool rate_known;
  double rate_a;
  limit_source rate_by;
  /* block I (cost.c): the cost of the last transaction, until the next;
   * made by the EVSE's first session (cost_of: 600 bytes an idle swarm
   * station's EVSE does not hold) */
  v201_cost *cost;
  /* C16 (authorization.c): the master pass token stopping its transaction, "" none */
  char master_pass[CP_ID_MAX + 1];
  /* C09: a token of the starter's group stopping its transaction, "" none */
  char group_stop[CP_ID_MAX + 1];
  /* C09: the groupIdToken the starter's authorization gave (Authorize, the
   * answer to the event that named it), "" unknown: then the local list's or
   * the cache's. On disk with its session (ocpp201_tx_group, transactions.c):
   * a resumed session has it again after a restart */
  char starter_group[CP_ID_MAX + 1];
  /* 2.1 E16 (tx_limits.c): the limit in force on its transaction (empty:
   * none; on disk with the session, ocpp201_tx_limit), the one reached
   * (its energy suspended for it: held at 0 A), and the start the limit
   * counts from */
  v201_txlimit limit;
  v201_txlimit_kind limit_hit;
  borne_ms limit_start_ms;
  double limit_start_wh;
  /* the Updated telling limit_hit (its triggerReason, SuspendedEVSE) not sent yet */
  bool limit_untold;
  /* the station's LIMIT_TRANSACTION of this EVSE is 0 (limit_hit); the core
   * clears it when the session ends */
  bool hold_applied;
} v201_evse;

typedef struct ocpp201_station {
  station *st;
  struct ocpp_core *shared; /* the OCPP module's (ocpp_core.h): link, journal, stores */
  ocpp_link *link;
  cp_journal *journal;
  cp_auth *auth;
  cp_reservations *resv;
  cp_profiles *profiles; /* charging profiles: the OCPP module's, shared with 1.6 */
  tz_rule zone;          /* site.timezone, for 2.1's useLocalTime schedules */
  bool zone_set, zone_read;
  unsigned long zone_gen; /* config_generation() when it was read */
  v201_boot_state boot;
  int heartbeat_s;
  uv_timer_t boot_timer;
  uv_timer_t heartbeat_timer;
  uv_timer_t tick_timer;   /* status debounce, samples, queue retries */
  lazy_timer reset_timer;  /* Reset after its answer was written (made by a Reset) */
  bool reset_pending_idle; /* Reset OnIdle: once no transaction runs */
  bool restart_pending;
  boot_reason restart_why; /* the Reset's RemoteReset or the install's FirmwareUpdate */
  bool restart_keeping;    /* the restart ends no transaction (2.1 Reset ImmediateAndResume) */
  uint64_t restart_deadline;
  v201_evse *evse; /* count of them (1.3 kB each: a swarm station has 2 of the 8 it may have) */
  /* E03: the transaction of a badge held for the next car (TxStartPoint
   * Authorized, no EVSE yet), txpoints.h */
  v201_txp held;
  /* the EVSE whose register its Started carried as Transaction.Begin (the
   * only free one, v201_txp_begin_evse), 0 none */
  int held_evse;
  int count;
  int64_t pump_in_flight;
  /* the last transaction events queued, their payload beside the text the
   * journal holds: the pump takes a payload back when the journal hands it
   * that very text, instead of parsing it again (enqueue, v201_pump; as the
   * 1.6 dialect's v16_enqueue) */
  ocpp_pushed pushed;
  int64_t reencoded_msg, reencoded_seq; /* the last queued 1.6 message said again, its seqNo */
  borne_ms next_aligned; /* the next clock-aligned instant (AlignedDataCtrlr), NEVER none */
  unsigned trigger;      /* TriggerMessage: what to send once the answer went out */
  int trigger_evse;
  int next_event_id; /* NotifyEvent eventId, from the start time: no repeat across restarts */
  char auth_tag[CP_ID_MAX + 1], auth_group[CP_ID_MAX + 1];
  fw_status fw_last; /* the updater's last step, for a triggered FirmwareStatusNotification */
  int fw_request_id;
  bool restart_hard; /* the restart after a firmware install (not a Reset) */
  /* GetLog's uploader (src/firmware/diagnostics.c) and its transfers, as
   * 1.6's: made by the first GetLog (v201_diagnostics) */
  curl_uv *cu;
  diagnostics *diag;
  diag_status diag_last;
  int log_request_id;
  json_t *customer_pages; /* NotifyCustomerInformation, sent once answered */
  json_t *after_reply;    /* device model: NotifyReport pages, sent once answered */
  /* block A (security.c): SignCertificate retries and renewal, reconnects */
  uv_timer_t cert_timer;      /* CertificateSigned awaited / renewal check */
  lazy_timer reconnect_timer; /* a new client certificate, once answered (made then) */
  int csr_attempt;            /* SignCertificate requests sent for this certificate */
  bool csr_awaiting;          /* one was accepted, its CertificateSigned not come yet */
  cp_cert_leaf csr_leaf;      /* ... for this certificate (V2G, 2.1's V2G20 too) */
  bool csr_combined;          /* ... for both (2.1 SignCombinedCertificate: no certificateType) */
  bool cert_reconnect, trust_changed, cert_refusal_reported;
  json_t *profile_reports; /* ReportChargingProfiles, sent once GetChargingProfiles is answered */
  /* the chargingLimitSource of the station-wide external limit (EVSE 0:
   * load management's budget for every EVSE together) the CSMS last heard
   * of, NULL none; its value then (A a phase) */
  const char *site_limit_reported;
  double site_limit_reported_a;
  int site_limit_reported_critical; /* its isGridCritical then */
  json_t *display;       /* block O (display.c): the messageInfo objects set, as on disk */
  json_t *display_pages; /* NotifyDisplayMessages, sent once GetDisplayMessages is answered */
  struct v201_monitoring *monitoring; /* block N variable monitors (monitoring.c) */
  /* block I (cost.c): the idTokenInfo.personalMessage of the last Authorize
   * answer, for the transaction its token starts; the 2.1 default tariffs */
  char personal_tok[CP_ID_MAX + 1];
  char *personal_msg;      /* NULL: none (its 512 bytes only when one came) */
  json_t *personal_tariff; /* 2.1: that answer's driver tariff, NULL none */
  borne_ms personal_at;    /* when it came */
  /* 2.1 TariffCostCtrlr.Problem: the last driver tariff of an Authorize
   * answer could not be taken (I08.FR.37), until one can */
  bool tariff_problem;
  json_t *tariffs;         /* [{"evse": n, "tariff": TariffType}], as on disk */
  char *url;               /* the back end's, as connected to (never NULL once open) */
  unsigned long loaded_at; /* config_generation() when the link was made */
  bool closing;
  int open_handles;
  /* the clock-aligned values taken at a mark (J01/J02), each EVSE's
   * meterValue list as its compact text, written and sent in a slice of the
   * loop (loop_slices.h, borne-swarm) as the 1.6 dialect's: at a swarm's
   * minute mark every station's come due in the same second; none wait when
   * aligned_n is 0 */
  struct v201_aligned {
    int64_t session_id; /* the EVSE's transaction (TransactionEvent), 0: MeterValues */
    borne_ms at;        /* the mark */
    int evse;
    char *text;
  } * aligned;
  int aligned_n, aligned_cap;
  loop_slice aligned_slice;
  /* B04: when the registered connection was lost, 0 none since the start
   * (OCPPCommCtrlr.OfflineThreshold, provisioning.c) */
  borne_ms offline_since;
  /* OCPP-J part 4 (2.0.1 5.3, 2.1 5.4 Reconnecting): what the last
   * BootNotification sent and the one the CSMS accepted were about (its
   * chargingStation, the URL, identity, security profile, slot and
   * subprotocol of the connection; provisioning.c); NULL: none. A
   * reconnection matching the accepted one sends no BootNotification. */
  char *boot_sent_fp;
  char *boot_accepted_fp;
  /* 2.1 C25 (payment.c): each EVSE's NotifyWebPaymentStarted window */
  webpay_window webpay[BORNE_MAX_CONNECTORS];
} ocpp201_station;

enum {
  T201_BOOT = 1,
  T201_HEARTBEAT = 2,
  T201_STATUS = 4,
  T201_METER = 8,
  T201_TX = 16,
  T201_FIRMWARE = 32,
  T201_LOG = 64,
  T201_SIGN = 128,          /* SignChargingStationCertificate */
  T201_SIGN_V2G = 256,      /* SignV2GCertificate */
  T201_SIGN_COMBINED = 512, /* 2.1's SignCombinedCertificate */
  T201_SIGN_V2G20 = 1024    /* 2.1's SignV2G20Certificate */
};

static inline borne_ms now201(const ocpp201_station *o) { return clock_now(&o->st->clock); }

static inline long key201_int(const ocpp201_station *o, const char *name) {
  char k[96];
  snprintf(k, sizeof k, "ocpp.%s", name);
  return config_get_int(o->st->cfg, k);
}

static inline const char *key201_str(const ocpp201_station *o, const char *name) {
  char k[96];
  snprintf(k, sizeof k, "ocpp.%s", name);
  const char *v = config_get(o->st->cfg, k);
  return v ? v : "";
}

static inline json_t *time201(borne_ms ms) {
  char t[40];
  timefmt_iso(ms, t, sizeof t);
  return json_string(t);
}

static inline bool online201(const ocpp201_station *o) {
  return o->link && ocpp_link_connected(o->link) && o->boot == B201_ACCEPTED;
}

/* ---------- incoming calls: one table per functional block ---------- */

typedef struct {
  const char *action;
  void (*fn)(ocpp201_station *o, const json_t *req, ocpp_reply *r);
} v201_handler;

typedef struct {
  const v201_handler *list;
  size_t count;
} v201_family;

extern const v201_family v201_provisioning_calls, v201_authorization_calls, v201_remote_calls,
    v201_availability_calls, v201_reservation_calls, v201_device_model_calls, v201_firmware_calls,
    v201_diagnostics_calls, v201_security_calls, v201_smart_charging_calls, v201_network_calls,
    v201_display_calls, v201_cost_calls, v201_monitoring_calls, v201_payment_calls;

/* network_profiles.c: A05.FR.10, a NetworkConfigurationPriority naming a
 * slot of a lower security profile than the one in use (why filled) */
/* SecurityCtrlr.SecurityProfile: the profile of the configuration slot the
 * link connects with (a CSMS's slot), else the installer's
 * ocpp.security_profile (network_profiles.c). */
int v201_security_profile_in_use(const ocpp201_station *o);
bool v201_priority_downgrades(const ocpp201_station *o, const char *value, char *why,
                              size_t whylen);
/* A05.FR.02/03: NetworkConfigurationPriority raising the security profile
 * without the CSMS root (2, 3) or the client certificate (3) it needs. */
bool v201_priority_unready(ocpp201_station *o, const char *value, char *why, size_t whylen);

/* ocpp201_module.c */
void v201_reply_status(ocpp_reply *r, const char *status);
/* With statusInfo {reasonCode, additionalInfo} when reason is not NULL. */
void v201_reply_status_info(ocpp_reply *r, const char *status, const char *reason,
                            const char *info);
bool v201_decoded(int rc, const ocpp_error *err, ocpp_reply *r);
void v201_send_now(ocpp201_station *o, const char *action, json_t *payload);
void v201_arm_tick(ocpp201_station *o);

/* provisioning.c (B: BootNotification, Heartbeat, Reset) and availability (G) */
void v201_send_boot(ocpp201_station *o, const char *reason);
/* On a connection: true when the registration resumes without a
 * BootNotification (a reconnection to the CSMS that accepted one, nothing it
 * carried changed); the Accepted state's steps are then done. */
bool v201_resume_registration(ocpp201_station *o);
void v201_boot_forget(ocpp201_station *o);
void v201_send_heartbeat(ocpp201_station *o);
void v201_arm_heartbeat(ocpp201_station *o);
void v201_flush_check_cb(uv_timer_t *t);
void v201_reset_when_idle(ocpp201_station *o);

/* availability.c (G: StatusNotification, ChangeAvailability) */
void v201_send_status(ocpp201_station *o, int evse);
void v201_send_all_statuses(ocpp201_station *o);
borne_ms v201_report_statuses(ocpp201_station *o, borne_ms now);
void v201_on_status_changed(void *ctx, int c, connector_status s, error_code e);
void v201_report_problems(ocpp201_station *o);
/* What the CSMS heard of the EVSEs' faults, read back (availability.c); 0 or
 * -1 with err. */
int v201_problems_open(ocpp201_station *o, char *err, size_t errlen);

/* transactions.c (E: TransactionEvent, J: its meter values) */
void v201_pump(ocpp201_station *o);
/* The clock-aligned values taken at a mark and still waiting for their
 * slice, written (one commit) and pumped: before anything else is queued,
 * and at the close. */
void v201_flush_aligned(ocpp201_station *o);
/* Gives back what a mark took and was not written (the station's free). */
void v201_aligned_free(ocpp201_station *o);
borne_ms v201_take_samples(ocpp201_station *o, borne_ms now);
/* J: the next instant of a transaction's Ended series (NEVER: none) */
borne_ms v201_tx_ended_next(const ocpp201_station *o);
void v201_on_session_started(void *ctx, int c, const station_session_info *s);
void v201_on_session_stopped(void *ctx, int c, const station_session_info *s);
void v201_on_meter_read(void *ctx, int c, const meter_reading *r);
void v201_charging_state_changed(ocpp201_station *o, int c);
/* 2.1 E17: the TxResumed still waiting whose time is up sent; the next such
 * time (NEVER: none) */
borne_ms v201_resumed_due(ocpp201_station *o, borne_ms now);
/* E10 (TC_E_27_CS): a fixed cable's transaction kept without its car is
 * deauthorized after EVConnectionTimeOut (when `act`: from the tick only,
 * never inside a station hook); the next such instant or NEVER. */
borne_ms v201_car_away_due(ocpp201_station *o, borne_ms now, bool act);
/* E01/E06: EVSE c's status changed from `was` (TxStartPoint / TxStopPoint). */
void v201_tx_points_status(ocpp201_station *o, int c, connector_status was);
/* E06.FR.02 over E10: TxStopPoint EVConnected or PowerPathClosed ends the
 * transaction when the car leaves, StopTxOnEVSideDisconnect false or not. */
bool v201_car_leaving_ends_session(void *ctx, int c);
/* E01: RequestStopTransaction of a transaction begun at the plug, no session
 * yet: it ends (RemoteStop). false when EVSE c has none. */
bool v201_tx_stop_early(ocpp201_station *o, int c);
/* RequestStopTransaction of the transaction of a badge held for the next
 * car: it ends (RemoteStop) and the station's held authorization goes. */
void v201_tx_stop_held(ocpp201_station *o);
/* The dialect stops being the one spoken (a switch of version): the
 * transactions begun before their session (at the plug, at a badge) end,
 * triggerReason AbnormalCondition, stoppedReason Other (v201_txp_left). */
void v201_tx_left(ocpp201_station *o);
/* At the dialect's start: the transactions of each EVSE that outlived their
 * session (TxStopPoint EVConnected alone) or wait for their badge (begun at
 * the plug) are known again before the EVSE's first status (read from
 * ocpp201_tx_linger / ocpp201_tx_early; nothing sent). */
void v201_tx_restore(ocpp201_station *o);
/* E03: the station's authorization events (auth_accepted, auth_expired,
 * auth_refused): a badge held for the next car starts, times out or loses
 * its transaction (TxStartPoint Authorized). */
void v201_tx_auth_event(ocpp201_station *o, int c, const char *kind, const char *detail);
/* A car plugged into (true) or taken from an EVSE that stays Reserved (the
 * station's event reserved_plug): the transaction begun at the plug. */
void v201_tx_reserved_plug(ocpp201_station *o, int c, bool plugged);
void v201_send_tx_updated(ocpp201_station *o, int c, const char *trigger_reason);
/* 2.1 E16: Updated, triggerReason LimitSet, transactionInfo.transactionLimit `limit`. */
void v201_send_tx_limit_set(ocpp201_station *o, int c, const json_t *limit);
/* A TriggerMessage(MeterValues) reading of EVSE c (`meter_values`, an array,
 * context Trigger, taken at `at`): during a transaction with
 * SampledDataCtrlr.SignReadings its register carries a signed OCMF record
 * (TX C), on disk before this returns, as the TransactionEvent's. */
void v201_sign_triggered(ocpp201_station *o, int c, borne_ms at, json_t *meter_values);
void v201_security_event_notification(ocpp201_station *o, const char *detail);
/* What EVSE c knows besides its meter reading (phases, offered current, temperature). */
ocpp16_sample_extra v201_sample_extra(const ocpp201_station *o, int c);

/* authorization.c (C: Authorize, ClearCache) */
void v201_authorize(void *ctx, uint32_t request_id, const char *uid);

/* reservation.c (H: ReserveNow, CancelReservation, ReservationStatusUpdate) */
borne_ms v201_expire_reservations(ocpp201_station *o, borne_ms now);
/* An EVSE's status changed: its reservation ends (ReservationStatusUpdate
 * Removed) when it became Faulted or Unavailable (reservation.c). */
void v201_reservation_status_changed(ocpp201_station *o, int c, connector_status was,
                                     connector_status now);

/* payment.c (2.1 C25: dynamic QR code, NotifyWebPaymentStarted) */
/* Closes the payment windows whose start came (a RequestStartTransaction
 * accepted, remote.c calls it then; a transaction) or whose timeout passed,
 * a station event each; the next timeout, NEVER none. */
borne_ms v201_webpay_tick(ocpp201_station *o, borne_ms now);
/* A badge shown now would be for an EVSE whose driver is paying on the web
 * page: every EVSE where a car waits for authorization is in its payment
 * window (C25: no local start there meanwhile). */
bool v201_webpay_blocks_badge(ocpp201_station *o);
/* EVSE c's "web_payment" of the status (null: no dynamic QR code here). */
json_t *v201_webpay_status(ocpp201_station *o, int c);

/* device_model_calls.c (B: GetVariables, SetVariables, GetBaseReport, GetReport) */
void v201_device_model_replied(ocpp201_station *o);
/* The station's state the device model reads (dm_live, device_model.h). */
void v201_fill_live(const ocpp201_station *o, dm_live *l);
/* Only what the EVSEs say now (states, meter, temperature: no SQL), for the
 * monitors checked at each meter reading (monitoring.c). */
void v201_fill_live_evses(const ocpp201_station *o, dm_live *l);

/* monitoring.c (N: SetVariableMonitoring, ClearVariableMonitoring,
 * SetMonitoringBase/Level, GetMonitoringReport; NotifyEvent of monitors) */
#define V201_MONITORING_ITEMS DM_MONITORING_ITEMS_PER_MESSAGE
#define V201_MONITORING_BYTES DM_MONITORING_BYTES_PER_MESSAGE
typedef struct v201_monitoring v201_monitoring;
void v201_monitoring_open(ocpp201_station *o); /* loads the saved monitors */
void v201_monitoring_free(ocpp201_station *o);
void v201_monitoring_check(ocpp201_station *o); /* the station's state changed, or a tick */
borne_ms v201_monitoring_next_due(const ocpp201_station *o);
void v201_monitoring_replied(ocpp201_station *o, const char *action);
int v201_monitoring_level(const ocpp201_station *o);
const char *v201_monitoring_base(const ocpp201_station *o);

/* firmware.c (L: UpdateFirmware, FirmwareStatusNotification) */
void v201_on_firmware_status(void *ctx, fw_status s, int request_id, const char *detail);
void v201_on_restart(void *ctx);
void v201_send_firmware_status(ocpp201_station *o); /* TriggerMessage: now, or Idle */
/* This run's BootNotification reason: FirmwareUpdate, else station.start_reason's word */
const char *v201_boot_reason(ocpp201_station *o);

/* diagnostics.c (N: GetLog, LogStatusNotification, CustomerInformation) */
void v201_on_diag_status(void *ctx, diag_status s, int request_id, const char *detail);
/* GetLog's uploader, made on first use; NULL (logged) when it cannot be
 * made or the station closes. */
diagnostics *v201_diagnostics(ocpp201_station *o);
void v201_send_log_status(ocpp201_station *o); /* TriggerMessage: now, or Idle */
void v201_customer_information_replied(ocpp201_station *o);

/* security.c (A: certificates, security events of the link; M: certificate management) */
int v201_send_sign_certificate(ocpp201_station *o, bool v2g, const char *why);
/* 2.1's ISO 15118-20 certificate (TriggerMessage SignV2G20Certificate). */
int v201_send_sign_v2g20_certificate(ocpp201_station *o, const char *why);
/* A combined certificate (2.1 TriggerMessage SignCombinedCertificate): the
 * client key's CSR in a SignCertificate without certificateType. */
int v201_send_sign_combined_certificate(ocpp201_station *o, const char *why);
void v201_security_registered(ocpp201_station *o); /* each accepted BootNotification */
void v201_security_connected(ocpp201_station *o);
void v201_security_disconnected(ocpp201_station *o);
void v201_security_replied(ocpp201_station *o, const char *action);
void v201_server_certificate_refused(void *ctx, const char *why);

/* Block M: what an ISO 15118 stack would answer. Each returns the answer's
 * payload (a new reference, checked against the schema by the link) or
 * NULL for the default: status Failed with statusInfo NotSupported. */
typedef struct {
  void *ctx;
  json_t *(*get_ev_certificate)(void *ctx, const json_t *request);     /* Get15118EVCertificate */
  json_t *(*get_certificate_status)(void *ctx, const json_t *request); /* GetCertificateStatus */
} v201_iso15118_hooks;
/* Installs the hooks (NULL: none); one set for the process. */
void v201_set_iso15118_hooks(const v201_iso15118_hooks *h);

/* Blocks K15-K17 (smart_charging.c): what an ISO 15118 stack calls when the
 * EV tells its needs or its schedule; AC basic charging never does. Each
 * sends the message (the payload as the spoken version's schema has it,
 * stolen; the link checks it) and hands the CSMS's answer back through
 * `done` (result, or the CALLERROR's code and text), exactly once when it
 * returns 0. -1 (done not called) when it was not sent: no such EVSE, not
 * connected, a payload the schema refuses. */
typedef void (*v201_ev_answer_fn)(void *ctx, const json_t *result, const char *error_code,
                                  const char *error_text);
/* NotifyEVChargingNeeds (K15, K17): evseId, chargingNeeds, maxScheduleTuples. */
int v201_notify_ev_charging_needs(ocpp201_station *o, json_t *request, v201_ev_answer_fn done,
                                  void *ctx);
/* NotifyEVChargingSchedule (K15-K17): evseId, timeBase, chargingSchedule
 * (the EV's own plan). */
int v201_notify_ev_charging_schedule(ocpp201_station *o, json_t *request, v201_ev_answer_fn done,
                                     void *ctx);
/* The EV chose the chargingSchedule `schedule_id` (the SAScheduleTupleID)
 * among those of the TxProfile of `evse` (K15): applied from now on. 0 done,
 * -1 none offers it. */
int v201_ev_schedule_chosen(ocpp201_station *o, int evse, int64_t schedule_id);
/* Tests: what sends the hooks' messages (NULL: ocpp_link_call). */
typedef int (*v201_call_fn)(ocpp_link *l, const char *action, json_t *payload, ocpp_answer_fn cb,
                            void *ctx);
void v201_set_iso15118_sender(v201_call_fn send);

/* smart_charging.c (K: charging profiles, composite schedule; the OCPP limit) */
void v201_apply_profiles(ocpp201_station *o);
/* 2.1 K28: PullDynamicScheduleUpdate for each Dynamic profile due, and when next */
void v201_dynamic_pulls(ocpp201_station *o);
borne_ms v201_dynamic_next_pull(ocpp201_station *o);
void v201_smart_charging_replied(ocpp201_station *o);
/* the start's chargingProfile as received (2.1's members too when spoken) */
bool v201_remote_start_profile(ocpp201_station *o, int c, const json_t *profile);
void v201_profiles_transaction_started(ocpp201_station *o, int c);
void v201_profiles_transaction_ended(ocpp201_station *o, int c);
void v201_report_external_limits(ocpp201_station *o);
/* The 2.0.1 dialect is the one spoken: the messages the 1.6 dialect set
 * aside for it (cp_journal_park: the events of a transaction only 2.0.1
 * knows) go back to their place in the queue (transactions.c). */
void v201_unpark(ocpp201_station *o);
/* 2.1 K22: a local request (the API) to use, or stop using, the
 * PriorityCharging profile for the transaction on EVSE c; the CSMS is sent
 * NotifyPriorityCharging when it changed. -1 with one line in err (not 2.1,
 * no transaction, no PriorityCharging profile). */
int v201_priority_request(ocpp201_station *o, int c, bool activate, char *err, size_t errlen);
/* {"available", "active"} of EVSE c under 2.1, null otherwise */
json_t *v201_priority_status(const ocpp201_station *o, int c);

/* display.c (O: SetDisplayMessage, GetDisplayMessages, ClearDisplayMessage) */
int v201_display_open(ocpp201_station *o, char *err, size_t errlen);
borne_ms v201_expire_display(ocpp201_station *o, borne_ms now); /* the next end */
void v201_display_transaction_ended(ocpp201_station *o, const char *tx_id);
void v201_display_replied(ocpp201_station *o);
json_t *v201_display_status(const ocpp201_station *o, int c); /* shown on EVSE c now */

/* cost.c (I: CostUpdated, totalCost and personal messages of the CSMS's
 * answers, the fallback messages; 2.1 local cost with SetDefaultTariff,
 * GetTariffs, ClearTariffs, ChangeTransactionTariff) */
int v201_cost_open(ocpp201_station *o, char *err, size_t errlen);
void v201_cost_free(ocpp201_station *o);
void v201_cost_session_started(ocpp201_station *o, int c, const station_session_info *s);
void v201_cost_session_stopped(ocpp201_station *o, int c, const station_session_info *s);
/* An AuthorizeResponse for token: its personalMessage, its 2.1 tariff. */
void v201_cost_authorized(ocpp201_station *o, const char *token, const json_t *result);
/* The driver tariffs kept with the authorization cache: token's (NULL:
 * all), when the cache forgets it (ClearCache, CustomerInformation). */
void v201_cost_forget_driver_tariffs(ocpp201_station *o, const char *token);
/* The tariffId of the driver tariff kept for token (N09 reports it). */
bool v201_cost_kept_tariff_id(ocpp201_station *o, const char *token, char *id, size_t len);
void v201_cost_answered(ocpp201_station *o, int64_t session_id, const json_t *result);
void v201_cost_meter(ocpp201_station *o, int c); /* a reading of EVSE c: the local cost */
/* The 2.1 costDetails of session_id's local cost into an Updated / Ended event's payload. */
/* 2.1 costDetails of the session's local cost into payload (none without
 * one); chargingPeriods only when `periods` (I12.FR.02: not in the running
 * cost updates). */
void v201_cost_details(ocpp201_station *o, int64_t session_id, json_t *payload, bool periods);
/* 2.1 I12.FR.02: the RunningCost Updated events due at now
 * (tariff.running_cost_interval); when the next is due, NEVER none. */
borne_ms v201_cost_running(ocpp201_station *o, borne_ms now);
borne_ms v201_cost_running_next(const ocpp201_station *o); /* the same, sending nothing */
json_t *v201_cost_status(const ocpp201_station *o, int c);

/* tx_limits.c (2.1 E16: transaction limits) */
int v201_limits_open(ocpp201_station *o, char *err, size_t errlen);
/* The tables of the dialect's blocks whose other work reads or writes the
 * station's rows (limits, transactions, monitors): made together at the
 * dialect's open, before any such statement (ocpp201_module.c, open201) */
int v201_limits_schema(store *db);
int v201_tx_schema(store *db);
int v201_monitoring_schema(store *db);
/* The session of EVSE c started (resumed: its limit read back from disk). */
void v201_limits_session_started(ocpp201_station *o, int c, const station_session_info *s);
/* The session of EVSE c stopped: its limit forgotten (in the session's
 * commit); the stoppedReason of its end when a limit was reached (and its
 * triggerReason when no Updated told that yet; else left as they are). */
void v201_limits_session_stopped(ocpp201_station *o, int c, int64_t session_id,
                                 const char **trigger, const char **stopped);
/* A TransactionEventResponse for session_id: its transactionLimit (2.1);
 * one raised above what the transaction did lets the energy flow again. */
void v201_limits_answered(ocpp201_station *o, int64_t session_id, const json_t *result);
/* The triggerReason (and, when `stopped` is not NULL, the stoppedReason) of
 * the event that tells EVSE c's limit reached, when none told it yet: true
 * (then told). */
bool v201_limits_told(ocpp201_station *o, int c, const char **trigger, const char **stopped);
/* Each EVSE's limit against what its transaction did: one reached suspends
 * its energy (SuspendedEVSE) until the limit is raised; the next instant a
 * maxTime is due, NEVER none. */
borne_ms v201_limits_check(ocpp201_station *o, borne_ms now);
borne_ms v201_limits_next(const ocpp201_station *o);

/* remote.c (F: RequestStart/StopTransaction, UnlockConnector, TriggerMessage) */
void v201_send_triggered(ocpp201_station *o);

/* transaction_status.c (E14 GetTransactionStatus) */
extern const v201_family v201_transaction_calls;

/* transactions.c: a message that must reach the CSMS even when it happens
 * offline (FirmwareStatusNotification, LogStatusNotification, NotifyEvent of
 * a monitor), queued in the journal in order with the rest; takes payload */
void v201_queue_message(ocpp201_station *o, const char *action, json_t *payload);

#endif
