/*
 * The one OCPP module (ocpp_module.c) and its dialects. The module owns what
 * is the same whatever the version: the link to the back end (offering every
 * version of `ocpp.version`), the charge-point model's transaction journal,
 * authorization store, reservations and charging profiles (src/chargepoint/), the station
 * hooks, GET /api/v1/ocpp. A dialect (src/ocpp/v16, src/ocpp/v201) is the
 * behaviour of one version over that core, as a table of operations: the
 * module hands the link's events and the station's hooks to the dialect of
 * the version the server picked when the WebSocket was established
 * (ocpp_link_dialect). Switching version between two connections keeps the
 * sessions (the new dialect adopts the running ones), the queue (re-encoded
 * message by message, ocpp_reencode.h) and the badges (one store).
 */
#ifndef BORNE_OCPP_CORE_H
#define BORNE_OCPP_CORE_H

#include <stdbool.h>
#include <stddef.h>

#include "chargepoint/authorization.h"
#include "chargepoint/certificates.h"
#include "chargepoint/journal.h"
#include "chargepoint/profiles.h"
#include "chargepoint/reservations.h"
#include "ocpp/ocpp_link.h"
#include "ocpp/ocpp_network.h"
#include "ocpp/ocpp_version.h"
#include "station/station.h"

/* The dialects' families: the state of one family serves its versions (2.0.1
 * and 2.1 share the v201 one). */
enum { OCPP_FAMILY_V16, OCPP_FAMILY_V201, OCPP_FAMILY_COUNT };

typedef struct ocpp_core ocpp_core;

typedef struct ocpp_dialect_ops {
  const ocpp_dialect *dialect;
  int family;
  /* the family's state over the core (core->link is set, not yet connected);
   * NULL with one line in err */
  void *(*open)(ocpp_core *core, char *err, size_t errlen);
  /* the transport settings this family connects with (optional: the
   * module's plain ones from the ocpp.* keys) */
  void (*transport_config)(void *ctx, ocpp_transport_config *tc);
  /* the link exists now: the family keeps it */
  void (*linked)(void *ctx, ocpp_link *link);
  /* forgets the sessions it knew: when it stops being the dialect spoken,
   * and when it becomes it (the module then replays the running sessions as
   * resumed session_started) */
  void (*adopt)(void *ctx);
  /* the link's events (ocpp_link_events) */
  void (*connected)(void *ctx);
  void (*disconnected)(void *ctx, const char *why);
  void (*call)(void *ctx, const char *action, const json_t *payload, ocpp_reply *reply);
  void (*replied)(void *ctx, const char *action);
  void (*server_certificate_refused)(void *ctx, const char *why);
  void (*answered)(void *ctx, const char *action, int64_t latency_ms, const char *error_code);
  /* the station's hooks (station_module) */
  void (*session_started)(void *ctx, int connector, const station_session_info *s);
  void (*session_stopped)(void *ctx, int connector, const station_session_info *s);
  void (*status_changed)(void *ctx, int connector, connector_status status, error_code error);
  void (*meter_read)(void *ctx, int connector, const meter_reading *r);
  void (*event)(void *ctx, int connector, const char *kind, const char *detail);
  void (*setting_changed)(void *ctx, const char *key);
  bool (*car_leaving_ends_session)(void *ctx, int connector); /* may be NULL */
  station_setting_state (*setting_state)(void *ctx, const char *key);
  void (*status_json)(void *ctx, int connector, json_t *obj);
  void (*authorize)(void *ctx, uint32_t request_id, const char *uid);
  /* the firmware updater wants to restart into a new image: the dialect
   * spoken first tells its back end (InstallRebooting, its own flush); the
   * module registers the one restarter and calls the active dialect's */
  void (*firmware_restart)(void *ctx);
  /* 2.1 K22: a local request to use (or stop using) priority charging for
   * the transaction on `connector` (optional: NULL where the family has
   * none); -1 with one line in err */
  int (*priority)(void *ctx, int connector, bool activate, char *err, size_t errlen);
  void (*closing)(void *ctx);
  void (*free)(void *ctx); /* after the loop ran the closing handles out */
} ocpp_dialect_ops;

/* OCPP 1.6 IdToken: CiString20. A longer badge is refused, never cut. */
#define OCPP16_ID_TAG_MAX 20

extern const ocpp_dialect_ops ocpp16_ops;  /* src/ocpp/v16/ocpp16_module.c */
extern const ocpp_dialect_ops ocpp201_ops; /* src/ocpp/v201/ocpp201_module.c */
extern const ocpp_dialect_ops ocpp21_ops;  /* the 2.0.1 dialect under the 2.1 schemas */

/* A station started without the 2.0.1 dialect (ocpp.version offers neither
 * 2.0.1 nor 2.1): the transactions only 2.0.1 knows that were waiting for
 * their badge or their car (begun at the plug or at a badge, no session took
 * them over) end in the journal as at a switch to 1.6 — an Ended
 * (AbnormalCondition, Other, the EVSE's register as Transaction.End when
 * read), the next seqNo, their row and counter gone, in one commit each —,
 * for the 1.6 dialect to set aside until 2.0.1 is spoken again. How many
 * (src/ocpp/v201/transactions.c). */
int ocpp201_end_left_behind(station *st, cp_journal *j);

/* The dialect of a version, NULL if borne has none. */
const ocpp_dialect_ops *ocpp_ops_of(const ocpp_dialect *d);
/* The transport settings from the ocpp.* keys and station.id, with the URL,
 * security profile and Basic password of the network connection profile in
 * use when it is not the installer's slot (ocpp_network.h), and the
 * certificate store's CA file and client certificate (they join or replace
 * the installer's ocpp.ca_file / cert_file / key_file). */
void ocpp_core_transport_config(const ocpp_core *core, ocpp_transport_config *tc);
/* The configuration slot the link connects with now (1: ocpp.url). */
int ocpp_core_network_slot(const ocpp_core *core);
/* What a registration is about (OCPP-J "reconnecting": no BootNotification
 * when nothing it carries changed): the BootNotification's payload and the
 * connection it goes over — `tc`'s URL, identity and security profile, the
 * slot and its URL, the subprotocol, and the link's generation (a
 * reconnection the station makes itself to apply new link settings boots,
 * TC_A_09_CS step 5). Compared as text; NULL out of memory or without a
 * payload. */
char *ocpp_core_boot_fingerprint(const ocpp_core *core, ocpp_link *link,
                                 const ocpp_transport_config *tc, const json_t *payload);
/* A reconnection resumes the registration when the fingerprint of what a
 * BootNotification would carry now (`now`, taken and freed; NULL out of
 * memory) is the one `accepted` was made of: true, and the `ocpp_boot`
 * event says so; false: the caller forgets the registration and boots. */
bool ocpp_core_resume_registration(const ocpp_core *core, const char *accepted, char *now);
/* The priority list and the stored profiles were changed (SetNetworkProfile,
 * NetworkConfigurationPriority): read again, used from the next connection
 * attempt after a loss or a restart (B10.FR.03/04); the link is left as it is. */
void ocpp_core_network_reload(ocpp_core *core);

/* How long an UnlockConnector waits for the lock's travel at most before it
 * is answered UnlockFailed (ms of the loop's clock): the station judges the
 * travel within CS_UNLOCK_TIMEOUT_MS (core/connector.h); this bounds the
 * answer should its outcome never come. */
#define OCPP_UNLOCK_ANSWER_MS 5000
/* UnlockConnector in every version (1.6 5.18, 2.0.1 F05), once the dialect
 * found the connector and may unlock it: station_unlock's outcome as
 * {"status": "Unlocked" | "UnlockFailed"}; when the lock has to move, the
 * answer is deferred (ocpp_reply_defer) until the station's unlock_result
 * event tells whether the switch read open. */
void ocpp_core_unlock(const ocpp_core *core, int connector, ocpp_reply *reply);

struct ocpp_core {
  station *st;
  ocpp_link *link;
  cp_journal *journal;
  cp_auth *auth;
  cp_reservations *resv;
  cp_certs *certs;       /* the one certificate store (DATA_DIR/certs), every version's */
  cp_profiles *profiles; /* the charging profiles: one store for every version */
  const ocpp_dialect *offered[OCPP_VERSIONS_MAX];
  size_t n_offered;
  const ocpp_dialect_ops *active; /* spoken now, or last (the one the server picked
                                   * before the restart, else offered[0], first) */
  bool picked_saved;              /* the version picked saved since the start */
  void *ctx[OCPP_FAMILY_COUNT];   /* each family's state, NULL when none offered */
  char *url; /* ocpp.url (owned; at most 511 characters, as before in a 512-byte array) */
  bool closing;
  unsigned refusals_reported; /* 1 << ocpp_refusal raised since the last connection */
  bool invalid_reported;      /* InvalidMessages raised on this connection */
  bool exhaustion_raising;    /* MemoryExhaustion being raised (report_exhaustion) */
  /* network connection profiles (B09/B10): the priority's slots that hold a
   * profile, where the link stands in them, the slot in use's settings */
  int net_slots[OCPP_NET_SLOTS];
  int net_count;
  ocpp_net_cursor net;
  int net_in_use;        /* the slot the transport was configured with */
  int net_security;      /* its securityProfile */
  int net_timeout_s;     /* its messageTimeout, 0: ocpp.call_timeout_s */
  char *net_url;         /* its ocppCsmsUrl (owned), NULL or "" when none */
  char net_password[64]; /* 2.1 basicAuthPassword, "" : ocpp.AuthorizationKey */
  /* the setting naming the OS interface of its ocppInterface
   * (ocpp_net_interface_key, static), NULL: not bound */
  const char *net_iface_key;
  /* the slot whose profile's APN the link brought up on the modem; 0 none,
   * -1 unknown (a start: a former run's may still be up) */
  int net_cell_slot;
};

#endif
