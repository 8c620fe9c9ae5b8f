/*
 * The OCPP 1.6 charge point's durable state, behind one small interface so
 * that the protocol glue (src/ocpp/ocpp16_module.c) reads as the protocol:
 * the queue of transaction messages, the authorization cache and local list,
 * reservations and the availability the back end set (the configuration
 * keys, in the same store as borne's settings, are ocpp_keys.h). Every write
 * is a synchronous SQLite commit: on disk before anything is acknowledged or
 * sent.
 */
#ifndef BORNE_OCPP_OCPP16_BACKEND_H
#define BORNE_OCPP_OCPP16_BACKEND_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "ocpp16_messages.h" /* generated from the OCPP 1.6 schemas */
#include "config/config.h"
#include "core/types.h"
#include "store/store.h"

typedef struct ocpp16_backend ocpp16_backend;

ocpp16_backend *ocpp16_backend_open(store *db, const config *cfg, int connectors, char *err,
                                    size_t errlen);
void ocpp16_backend_free(ocpp16_backend *be);
const char *ocpp16_backend_error(const ocpp16_backend *be);

/* ---- durable queue of transaction messages and security events ---- */
typedef struct {
  int64_t id;
  int64_t session_id;
  char action[40];
  json_t *payload; /* a new reference for the caller */
  int attempts;
} ocpp16_queued;

/* Never drops a transaction message; of the SecurityEventNotifications that
 * are not critical, only the newest 100 stay queued. */
int ocpp16_backend_queue_push(ocpp16_backend *be, int64_t session_id, const char *action,
                              const json_t *payload, borne_ms now);
/* The oldest message, when it is due at `now` (strict order: a later message
 * never overtakes an earlier one). -1: none due. */
int ocpp16_backend_queue_peek(ocpp16_backend *be, borne_ms now, ocpp16_queued *out);
void ocpp16_backend_queue_sent(ocpp16_backend *be, int64_t id);
/* StartTransaction answered: in one commit, delete it, remember the session's
 * transaction id, and put it into the session's queued messages. */
void ocpp16_backend_queue_sent_start(ocpp16_backend *be, int64_t id, int64_t session_id, int tx);
/* Not delivered. When the back end answered with an error (answered=true),
 * the message is retried TransactionMessageAttempts times, every
 * TransactionMessageRetryInterval x attempts seconds, then dropped (returns
 * 1); a message that never reached the back end (timeout, no connection) is
 * kept until it does. */
int ocpp16_backend_queue_failed(ocpp16_backend *be, int64_t id, bool answered, borne_ms now);
borne_ms ocpp16_backend_queue_next_due(ocpp16_backend *be); /* INT64_MAX when empty */
/* The back end's transaction id of a session; 0 until StartTransaction.conf. */
int ocpp16_backend_queue_tx_id(ocpp16_backend *be, int64_t session_id);
int64_t ocpp16_backend_queue_length(ocpp16_backend *be);

/* ---- authorization ---- */
typedef enum { OCPP16_AUTH_UNKNOWN, OCPP16_AUTH_ACCEPT, OCPP16_AUTH_REFUSE } ocpp16_auth_verdict;
/* An idTagInfo from any answer (Authorize, Start/StopTransaction) updates the
 * cache when AuthorizationCacheEnabled. */
void ocpp16_backend_auth_update(ocpp16_backend *be, const char *tag, const json_t *id_tag_info,
                                borne_ms now);
/* Online, before asking: LocalPreAuthorize with the local list and the cache. */
ocpp16_auth_verdict ocpp16_backend_auth_local(ocpp16_backend *be, const char *tag, borne_ms now,
                                              char parent[21]);
/* Offline: LocalAuthorizeOffline, AllowOfflineTxForUnknownId. */
ocpp16_auth_verdict ocpp16_backend_auth_offline(ocpp16_backend *be, const char *tag, borne_ms now,
                                                char parent[21]);
int ocpp16_backend_auth_clear_cache(ocpp16_backend *be);
/* SendLocalList.req -> UpdateStatus ("Accepted", "Failed", "NotSupported", "VersionMismatch"). */
const char *ocpp16_backend_local_list_update(ocpp16_backend *be,
                                             const ocpp16_SendLocalListRequest *req);
int ocpp16_backend_local_list_version(ocpp16_backend *be);
int ocpp16_backend_local_list_length(ocpp16_backend *be);

/* ---- reservations ---- */
typedef struct {
  int id;
  int connector;
  char tag[21];
  char parent[21];
  borne_ms expiry;
} ocpp16_reservation;

/* ReserveNow after the connector checks: "Accepted" or "Occupied". */
const char *ocpp16_backend_reservation_add(ocpp16_backend *be, int connector, int id,
                                           const char *tag, const char *parent, borne_ms expiry);
int ocpp16_backend_reservation_cancel(ocpp16_backend *be, int id); /* connector, -1 unknown */
/* The id of an expired reservation of `connector` (removed), or 0. */
int ocpp16_backend_reservation_expired(ocpp16_backend *be, int connector, borne_ms now);
borne_ms ocpp16_backend_reservation_next_expiry(ocpp16_backend *be);
/* A session starts on `connector` for tag: the reservation it used (on that
 * connector or connector 0; removed), or 0. */
int ocpp16_backend_reservation_use(ocpp16_backend *be, int connector, const char *tag,
                                   const char *parent);
/* Every reservation (to restore them in the core after a restart). */
int ocpp16_backend_reservations(ocpp16_backend *be, ocpp16_reservation *out, int max);

/* ---- availability set by the back end, kept across restarts ---- */
void ocpp16_backend_availability_save(ocpp16_backend *be, int connector, bool operative);
bool ocpp16_backend_availability(ocpp16_backend *be, int connector);

#endif
