/*
 * OCPP 2.0.1 E01/E06 TxStartPoint / TxStopPoint: when the 2.0.1
 * transaction of an EVSE starts and ends, as a view on borne's one session
 * timeline (shared with OCPP 1.6, which it leaves as it is). Pure: fed the
 * session's start and stop and the connector's statuses, it says what the
 * dialect sends (transactions.c).
 *
 * borne's session starts once the car is plugged in and the driver
 * authorized, the power path closing at once; it ends when either stops.
 * - Start: EVConnected → when the car is plugged in, before any badge (the
 *   transaction then waits for its session: a badge or a remote start
 *   starts borne's session, which takes the transaction over; a car that
 *   leaves before ends it); any of Authorized, PowerPathClosed → at the
 *   session's start (and EVConnected when the car came after the badge);
 *   Authorized when the badge comes first: at the badge, before any car
 *   (the station's held transaction, no EVSE yet: the session that the
 *   badge's car starts takes it over; none coming within
 *   EVConnectionTimeOut ends it);
 *   EnergyTransfer alone → at the first energy flow (Charging) of the
 *   session, none if it never flows.
 * - Stop (the transaction ends when one of the listed conditions ends):
 *   EnergyTransfer → when the energy stops flowing (Charging left) or at the
 *   session's end; Authorized or PowerPathClosed → at the session's end;
 *   EVConnected alone → at the session's end when the car left or a fault
 *   ended it, but a driver's / CSMS's stop (deauthorization) only says so in
 *   an Updated event: the transaction ends when the car leaves.
 */
#ifndef BORNE_OCPP_V201_TXPOINTS_H
#define BORNE_OCPP_V201_TXPOINTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/types.h"

/* The points of part 2's TxStartPoint / TxStopPoint lists, as bits. */
enum {
  V201_TXP_PARKING = 1u << 0, /* ParkingBayOccupancy: no bay sensor */
  V201_TXP_EV = 1u << 1,      /* EVConnected */
  V201_TXP_AUTH = 1u << 2,    /* Authorized */
  V201_TXP_SIGNED = 1u << 3,  /* DataSigned: not an AC badge station's */
  V201_TXP_POWER = 1u << 4,   /* PowerPathClosed */
  V201_TXP_ENERGY = 1u << 5,  /* EnergyTransfer */
  V201_TXP_SUPPORTED = V201_TXP_EV | V201_TXP_AUTH | V201_TXP_POWER | V201_TXP_ENERGY,
};

/* A comma-separated list of point names into *mask; -1 with the reason in
 * why for an empty list, an unknown name or one the station cannot honour
 * (ParkingBayOccupancy, DataSigned). */
int v201_txp_parse(const char *list, unsigned *mask, char *why, size_t len);

/* What the dialect does at a step of the timeline. */
typedef enum {
  V201_TXP_NOTHING,
  V201_TXP_START,        /* TransactionEvent Started */
  V201_TXP_END,          /* TransactionEvent Ended */
  V201_TXP_DEAUTHORIZED, /* Updated: the session ended, the transaction waits for the car to leave
                          */
  V201_TXP_ADOPT,        /* Updated: the session starts in the transaction begun at the plug */
} v201_txp_action;

/* One EVSE's transaction, as the points see it. */
typedef struct {
  unsigned start, stop; /* the lists, taken at the session's start */
  bool pending;         /* the session runs, its transaction not started yet */
  bool open;            /* a transaction runs */
  bool lingering;       /* open while the session has ended (EVConnected alone) */
  bool done;            /* the session's transaction has ended, the session runs on */
  bool early;           /* open before its session: started at the plug, waits for the badge
                           (or at the badge, waits for the car: by_badge) */
  bool by_badge;        /* early, begun at the badge (TxStartPoint Authorized, no car yet) */
  int64_t session;      /* the session of the transaction (or of the pending one); an
                           early one's journal key (below 0, cp_journal_adopt) */
  bool restored;        /* the dialect's: a lingering one from before a restart looked for */
  /* the dialect's: a pending start's transactionId and Started members, a
   * lingering transaction's stop */
  char tx_id[37]; /* CP_TX_ID_MAX + 1 */
  char uid[40];
  bool central, remote;
  char token_type[81]; /* a remote start's idToken type (V201_TOKEN_TYPE_MAX + 1), "": none */
  int remote_start_id, reservation_id;
  stop_reason reason;
  double meter_stop_wh;
} v201_txp;

/* borne's session starts: V201_TXP_START, V201_TXP_NOTHING (EnergyTransfer:
 * pending) or V201_TXP_ADOPT when an early transaction was open (it keeps
 * its lists and becomes the session's). */
v201_txp_action v201_txp_session_started(v201_txp *t, unsigned start, unsigned stop,
                                         int64_t session);
/* A car was plugged in, no session running: the lists as they are now and
 * the journal key of the transaction it may start (TxStartPoint EVConnected:
 * V201_TXP_START, the transaction open and early). */
v201_txp_action v201_txp_plugged(v201_txp *t, unsigned start, unsigned stop, int64_t key);
/* A badge (or a remote start) accepted while no car waits for it: the
 * authorization is held for the next car. With Authorized in TxStartPoint,
 * `t` (the station's held transaction, no EVSE) starts: V201_TXP_START,
 * open, early and by_badge. Nothing when one is open already. */
v201_txp_action v201_txp_authorized(v201_txp *t, unsigned start, unsigned stop, int64_t key);
/* A car came for the held authorization: the held transaction becomes the
 * EVSE's (`evse`, then v201_txp_session_started adopts it); `held` is
 * cleared. false when none is open or the EVSE has one. */
bool v201_txp_take(v201_txp *evse, v201_txp *held);
/* A status of the connector, `was` the one before. An early transaction
 * ends when the car leaves (Available, Reserved). */
v201_txp_action v201_txp_status(v201_txp *t, connector_status was, connector_status now);
v201_txp_action v201_txp_session_stopped(v201_txp *t, stop_reason why);
/* A transaction that lingered is ended (its Ended sent): forget it. */
void v201_txp_ended(v201_txp *t);

/* E03 + SampledDataCtrlr.TxStartedMeasurands: the EVSE whose register a
 * transaction begun at a badge before any car reads as its Transaction.Begin
 * value — the only one a car can come to (`status` of the `n` EVSEs: exactly
 * one Available) — or 0: none can be told yet (the car's EVSE says it, at
 * the plug). An idle EVSE's register does not move until a car draws. */
int v201_txp_begin_evse(const connector_status *status, int n);
/* The dialect stops being the one spoken (a switch of version): the
 * transaction of `t` that only the 2.0.1 dialect knows — begun before its
 * session, at the plug or at a badge — ends (V201_TXP_END: its Ended queued
 * now, before the other dialect speaks), for the other version cannot carry
 * it; V201_TXP_NOTHING for any other (a session's transaction is the
 * session's, adopted by the other dialect). */
v201_txp_action v201_txp_left(const v201_txp *t);

/* 2.1 E17: a session resumed by borne's restart (`restarted`; not one a
 * switch of dialect replayed) whose transaction was running before it and
 * still is — started, not ended with the energy flow — is reported resumed
 * (TransactionEvent Updated, triggerReason TxResumed) when 2.1 is spoken
 * (`v21`). A transaction still waiting for its start point has nothing to
 * resume: its Started comes when it starts. */
bool v201_txp_report_resumed(const v201_txp *t, bool restarted, bool v21);

/* The stoppedReason of a transaction ended when the energy stopped flowing. */
const char *v201_txp_energy_stopped_reason(connector_status now);

#endif
