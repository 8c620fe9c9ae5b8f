/*
 * OCPP 2.0.1 smart charging (functional block K) as words for the
 * charge-point model's one profile engine (src/chargepoint/profiles.h), pure:
 * the ChargingProfileType of SetChargingProfile and RequestStartTransaction
 * decoded into cp_charging_profile, an installed profile said back as a
 * ChargingProfileType (ReportChargingProfiles), ClearChargingProfile's
 * criteria as the engine's filter, GetChargingProfiles' selection, the
 * composite schedule as GetCompositeScheduleResponse. The rules (stack
 * levels, validity, recurrence, limits) are the engine's, shared with 1.6;
 * this file only knows how 2.0.1 spells them. No clock, no I/O.
 */
#ifndef BORNE_OCPP_V201_CHARGING_PROFILE_H
#define BORNE_OCPP_V201_CHARGING_PROFILE_H

#include <jansson.h>
#include <stdbool.h>

#include "chargepoint/profiles.h"
#include "ocpp201_messages.h"
#include "ocpp21_messages.h"
#include "core/limits.h"

/* Why a profile is refused: 2.0.1's StatusInfo (reasonCode, additionalInfo). */
typedef struct {
  const char *reason; /* e.g. "InvalidValue", "InvalidSchedule", "UnsupportedRateUnit" */
  const char *info;   /* one line for the CSMS's operator */
} v201_refusal;

/* SetChargingProfile's chargingProfile into the engine's profile (periods
 * allocated into *periods: free them, also on failure). -1 with *why for
 * what the engine cannot take: the purpose ChargingStationExternalConstraints
 * (set by the station itself, never by the CSMS: K01.FR.22), more than one
 * chargingSchedule outside a TxProfile (1..3 in one: the choice offered to
 * an ISO 15118 EV; the first applies, the others are out->alternatives),
 * phaseToUse (K01.FR.19/20: ACPhaseSwitchingSupported is false), a TxProfile
 * without transactionId, an unreadable date. */
int v201_profile_decode(const ocpp201_SetChargingProfileRequest_chargingProfile *j,
                        cp_charging_profile *out, cp_schedule_period **periods, v201_refusal *why);
/* The same for 2.1's SetChargingProfile (the 2.0.1 one goes through it):
 * limit_L2 / limit_L3, useLocalTime (startSchedule's wall-clock time kept)
 * and randomizedDelay (TxProfile, TxDefaultProfile; out->random_seed is the
 * caller's to draw), the kind Dynamic (one schedule of one period, with its
 * dynUpdateInterval; dynUpdateTime is the engine's) go to the engine;
 * maxOfflineDuration / invalidAfterOfflineDuration too; the purpose
 * PriorityCharging (K21/K22: no transactionId, no duration, K01.FR.70);
 * refused (UnsupportedParam): the purpose LocalGeneration,
 * an operationMode other than
 * ChargingOnly, a period without limit; ISO 15118 members (price schedules, limitAtSoC, setpoints,
 * discharge limits, evseSleep, preconditioningRequest) are not kept. */
int v201_profile_decode21(const ocpp21_SetChargingProfileRequest_chargingProfile *j,
                          cp_charging_profile *out, cp_schedule_period **periods,
                          v201_refusal *why);

/* RequestStartTransaction's chargingProfile (the same ChargingProfileType,
 * generated for another message): carried over by its JSON form. */
int v201_remote_start_profile_decode(
    const ocpp201_RequestStartTransactionRequest_chargingProfile *in, cp_charging_profile *out,
    cp_schedule_period **periods, v201_refusal *why);

/* The same from the request's JSON (the link checked it against the schema
 * of the version spoken; read as 2.1's ChargingProfileType, a superset): so
 * a 2.1 start's profile carries its 2.1 members. */
int v201_remote_start_profile_decode_json(const json_t *profile, cp_charging_profile *out,
                                          cp_schedule_period **periods, v201_refusal *why);

/* An installed profile as a ChargingProfileType (ReportChargingProfiles);
 * its chargingSchedule's id is the one it was set with (one set in 1.6 has
 * none: the profile's id). */
json_t *v201_profile_json(const cp_charging_profile *p);
/* The same under 2.1: with limit_L2 / limit_L3, useLocalTime, randomizedDelay. */
json_t *v201_profile_json21(const cp_charging_profile *p);

/* ClearChargingProfile as the engine's filter: chargingProfileId and the
 * criteria (evseId, purpose, stackLevel), every one given must match. -1
 * when nothing installed can match (ChargingStationExternalConstraints:
 * none is). */
int v201_clear_filter(const ocpp201_ClearChargingProfileRequest *q, cp_profile_filter *f);

/* Does the installed profile p of `connector` answer GetChargingProfiles q
 * (K09): evseId (0: the station-wide ones), purpose, stackLevel, ids; every
 * profile the CSMS set has chargingLimitSource CSO (borne's own limits are
 * v201_external_report_match's). */
bool v201_report_match(const ocpp201_GetChargingProfilesRequest *q, int connector,
                       const cp_charging_profile *p);

/* GetCompositeScheduleResponse: Accepted with the schedule of `evse`, or
 * Rejected (with statusInfo) when the engine had none. */
json_t *v201_composite_json(cp_profile_result r, const cp_composite_schedule *c, int evse);

/* K08: the composite schedule with borne's own limits on the EVSE taken into
 * account (its ChargingStationExternalConstraints, v201_external_limits):
 * `cap` (in the schedule's unit, rounded down to 0.1 here; < 0: none) caps
 * every period of *cs, and — known for now only, in force until told
 * otherwise — fills the window the CSMS's profiles leave: after their end up
 * to duration_s, or all of it when *r says none applied (*r then Accepted,
 * *cs filled: connector, now, duration_s, unit). Equal neighbours merged.
 * -1 out of memory (*r, *cs as they were). */
int v201_composite_cap(cp_profile_result *r, cp_composite_schedule *cs, int connector,
                       int64_t duration_s, cp_rate_unit unit, borne_ms now, double cap);

/* SmartChargingCtrlr.LimitChangeSignificance (the setting
 * ocpp.LimitChangeSignificance, percent): an external limit whose value moved
 * by at least `percent` of the value told last is told again
 * (NotifyChargingLimit, K12); 0: any change. */
bool v201_limit_change_significant(double told_a, double now_a, double percent);

/* NotifyChargingLimit's chargingSchedule for one of borne's own limits
 * (NotifyChargingLimitWithSchedules true): they are known for now only (load
 * management follows the site's load from one reading to the next), so one
 * period from `now`, without duration: in force until told otherwise; the
 * limit in A a phase rounded down to 0.1, numberPhases when not 3. */
json_t *v201_limit_schedule_json(int evse, borne_ms now, double amps, int phases);

/* What the CSMS must hear of an external limit (K11-K13) whose source told
 * last was `told` (NULL none) at told_a, now `now` (NULL none) at now_a:
 * V201_LIMIT_CLEAR (a ClearedChargingLimit of `told`: it went, or another
 * source took its place) and/or V201_LIMIT_NOTIFY (a NotifyChargingLimit of
 * `now`: it came, another source took the place, or its value moved by
 * LimitChangeSignificance `percent` or more); 0 nothing. */
#define V201_LIMIT_CLEAR 1
#define V201_LIMIT_NOTIFY 2
int v201_limit_report(const char *told, double told_a, const char *now, double now_a,
                      double percent);

/* NotifyChargingLimitRequest for one of borne's own limits on `evse`: its
 * chargingLimit (source, isGridCritical when `critical` >= 0) and, when
 * `with_schedule` (SmartChargingCtrlr.NotifyChargingLimitWithSchedules), the
 * limit as a schedule (v201_limit_schedule_json). EVSE 0 is the whole station:
 * evseId left out in 2.0.1 (the schema's "evseId must be > 0"), 0 in 2.1
 * ("If absent or when zero, it applies to the entire Charging Station"). */
json_t *v201_limit_notify_json(int evse, const char *source, int critical, borne_ms now,
                               double amps, int phases, bool v21, bool with_schedule);
/* ClearedChargingLimitRequest for `evse`, the same rule for EVSE 0. */
json_t *v201_limit_cleared_json(int evse, const char *source, bool v21);

/* The chargingLimitSource of one of borne's own limits when it is an
 * external one for the CSMS (K11-K13): the energy manager's (load
 * management, solar, the site's leader or its fail-safe) "EMS"; an
 * operator's (API), Modbus or MQTT setpoint "Other"; NULL for the others
 * (cable, selector, installation, temperature, charging windows: the
 * station's own hardware and settings; the CSMS's profiles: CSO). */
const char *v201_external_source(limit_source by);

/* NotifyChargingLimit's isGridCritical for one of borne's own limits: 1 when
 * it comes from the grid side — load management (the share of the site's
 * grid connection: its main breaker site.limit_a, its subscription
 * site.limit_kva, the distribution system operator's EnWG 14a signal), the
 * site leader's setpoint (the same sharing made by the installation's
 * leader) and its fail-safe (what a follower keeps to protect that
 * connection when the leader is silent) —; 0 when known not to be (solar:
 * a choice to charge from the surplus); -1 unknown, the member left out (an
 * operator's, Modbus or MQTT setpoint: borne does not know why it was set). */
int v201_limit_grid_critical(limit_source by);

/* K01.FR.61 (a MAY): a running transaction's charging rate (the offered
 * current) moved from told_a, the rate the CSMS last heard of (or the one
 * the transaction started with), to now_a, and the CSMS's own profiles made
 * the move — the composite profile limit decided the rate before
 * (told_by) or decides it now (now_by) —: true when the move is by
 * LimitChangeSignificance (percent) or more, a TransactionEvent Updated
 * ChargingRateChanged to send. A move made by anything else is not told
 * (an external limit's is K11's, told by its own path). */
bool v201_profile_rate_changed(double told_a, limit_source told_by, double now_a,
                               limit_source now_by, double percent);

/* Borne's own limits on one EVSE as ChargingStationExternalConstraints
 * profiles (K09 GetChargingProfiles with chargingLimitSource EMS / Other, K08
 * the composite schedule): per source, the lowest of its active limits
 * (out[i].source "EMS" or "Other", out[i].amps A a phase); returns how many
 * (0..2). Load management's 0 A on an EVSE without a session (`session`
 * false) is left out: it shares the site's power among sessions only, a car
 * plugged in gets its share. */
typedef struct {
  const char *source;
  double amps;
} v201_external_limit;
int v201_external_limits(const limit_set *l, bool session, v201_external_limit out[2]);

/* The id of the ChargingStationExternalConstraints profile of `source` on
 * `evse`: negative, never one of the CSMS's (-100 - evse for EMS, -200 -
 * evse for Other). */
int64_t v201_external_profile_id(int evse, const char *source);

/* That profile as a ChargingProfileType (ReportChargingProfiles): stack level
 * 0, Absolute, one schedule of one period from `now` without duration (the
 * limit is known for now only, as NotifyChargingLimit's schedule), in A a
 * phase rounded down to 0.1, numberPhases when not 3. */
json_t *v201_external_profile_json(int evse, const v201_external_limit *x, borne_ms now,
                                   int phases);

/* Does that profile answer GetChargingProfiles q: evseId, purpose
 * (ChargingStationExternalConstraints), stackLevel (0), the ids, and
 * chargingLimitSource (its source must be listed when the list is given). */
bool v201_external_report_match(const ocpp201_GetChargingProfilesRequest *q, int evse,
                                const v201_external_limit *x);

/* SetChargingProfileResponse: the engine's answer, with statusInfo when refused. */
json_t *v201_set_profile_answer(cp_profile_result r, const v201_refusal *why);

#endif
