/*
 * Charging profiles in borne's own types: the profiles a back end installs
 * (stack levels, purposes, validity, Absolute / Recurring / Relative
 * schedules), the rules that pick the one in force, the limit in A per phase
 * that follows (the LIMIT_OCPP slot of a connector) and the composite
 * schedule. It exists so that every OCPP dialect (src/ocpp/v16 today, 2.0.1
 * later) decodes its own messages into these types and shares one
 * implementation of the rules; the rules are those of OCPP 1.6 edition 2
 * (3.13, 5.5, 5.7, 5.11, 5.16), which 2.0.1 keeps (K01..K08) under other
 * names: the purposes ChargePointMaxProfile / TxDefaultProfile / TxProfile
 * are 2.0.1's ChargingStationMaxProfile / TxDefaultProfile / TxProfile.
 *
 * Pure apart from the profile table (SQLite, so that profiles survive a
 * restart): every function takes `now` (epoch milliseconds UTC); nothing
 * reads a clock or touches the network. What a dialect's schema cannot say
 * (period order, limits, purposes on the wrong connector) is checked here
 * and refused with CP_PROFILE_REJECTED.
 */
#ifndef BORNE_CHARGEPOINT_PROFILES_H
#define BORNE_CHARGEPOINT_PROFILES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/types.h"
#include "store/store.h"

/* A transaction id as a back end names it: 1.6 sends an integer (written in
 * decimal here), 2.0.1 a string of at most 36 characters. "" (or NULL) is
 * none; a longer id is refused by cp_profiles_set, not bound by
 * cp_profiles_bind_transaction, and matches only unbound TxProfiles. */
#define CP_TX_ID_MAX 36

typedef enum {
  CP_PURPOSE_CHARGE_POINT_MAX, /* the whole station (connector 0 only) */
  CP_PURPOSE_TX_DEFAULT,       /* default for transactions on a connector (0: all) */
  CP_PURPOSE_TX,               /* one transaction on one connector */
  /* 2.1 PriorityCharging: one per connector (0: every connector), in force
   * only for a transaction it was activated for (cp_profiles_use_priority),
   * in place of its TxProfile / TxDefaultProfile; the station maximum still
   * bounds it. No transaction id, no duration (K01.FR.70). */
  CP_PURPOSE_PRIORITY,
} cp_profile_purpose;

/* CP_KIND_DYNAMIC (2.1, K28): one schedule of one period, in force from
 * validFrom, whose limits the back end updates (cp_profiles_update_dynamic);
 * with a duration, only for that long after the last update. */
typedef enum {
  CP_KIND_ABSOLUTE,
  CP_KIND_RECURRING,
  CP_KIND_RELATIVE,
  CP_KIND_DYNAMIC
} cp_profile_kind;
typedef enum { CP_RECUR_NONE, CP_RECUR_DAILY, CP_RECUR_WEEKLY } cp_recurrency;
typedef enum { CP_UNIT_AMPS, CP_UNIT_WATTS } cp_rate_unit;
typedef enum {
  CP_PROFILE_ACCEPTED,
  CP_PROFILE_REJECTED,
  CP_PROFILE_NOT_SUPPORTED
} cp_profile_result;

typedef struct {
  int64_t start_s; /* seconds from the schedule start; the first is 0, then increasing */
  double limit;    /* in the schedule's unit (A per phase or W) */
  int phases;      /* 1..3; 0 = not given, which means 3 */
  /* 2.1's limit_L2 / limit_L3: with either, `limit` is phase L1's and these
   * L2's and L3's (in W each phase's own power; without them W is the sum of
   * all phases). The pilot tells the EV one current for every phase: the
   * lowest of the phases in use is applied. */
  bool has_limit_l2, has_limit_l3;
  double limit_l2, limit_l3;
} cp_schedule_period;

typedef struct {
  bool has_id;
  int64_t id; /* 2.0.1's chargingSchedule id (kept and reported; 1.6 has none) */
  bool has_start;
  borne_ms start; /* Absolute: receipt time when absent; Recurring: required */
  bool has_duration;
  int64_t duration_s;
  cp_rate_unit unit;
  bool has_min_rate;
  double min_rate; /* kept and stored, not used by the rules */
  /* 2.1 useLocalTime: startSchedule is a wall-clock time of the station's
   * zone (its offset disregarded: held here as if it were UTC), so an
   * Absolute or Recurring schedule follows summer and winter time
   * (cp_profiles_set_zone) */
  bool use_local_time;
  /* 2.1 randomizedDelay (s, 0..CP_MAX_RANDOMIZED_DELAY_S; TxProfile and
   * TxDefaultProfile only): each period's start is delayed by a number of
   * seconds in 0..randomizedDelay drawn from the profile's random_seed */
  int64_t randomized_delay_s;
  size_t nperiods;
  const cp_schedule_period *periods; /* borrowed: copied by cp_profiles_set */
} cp_charging_schedule;

/* 2.0.1's ChargingProfileType carries 1..3 chargingSchedules (the choice an
 * ISO 15118 EV makes among them, K15); 1.6 has one. */
#define CP_MAX_SCHEDULES 3

typedef struct {
  int64_t id;
  int64_t stack_level;
  cp_profile_purpose purpose;
  cp_profile_kind kind;
  cp_recurrency recurrency; /* Recurring only */
  bool has_valid_from, has_valid_to;
  borne_ms valid_from, valid_to;
  char transaction_id[CP_TX_ID_MAX + 1]; /* TxProfile only; "" = none given */
  cp_charging_schedule schedule;         /* the one the rules apply */
  /* The other schedules offered with it (2.0.1; 0 in 1.6): each checked by
   * the same rules as `schedule`, kept and reported, never applied unless
   * chosen (cp_profiles_choose_schedule: what an ISO 15118 EV picked). */
  size_t nalternatives;
  cp_charging_schedule alternatives[CP_MAX_SCHEDULES - 1];
  /* the draw of randomizedDelay: chosen by the dialect at installation
   * (random), stored with the profile, so the delays stay the same across a
   * restart and in the composite schedule */
  uint32_t random_seed;
  /* CP_KIND_DYNAMIC: when its limits were last updated (dynUpdateTime; 0:
   * when it is set), and how often to ask for an update (dynUpdateInterval,
   * s; 0 never) */
  borne_ms dyn_update_time;
  int64_t dyn_update_interval_s;
  /* 2.1 maxOfflineDuration (s): not in force once the station has been
   * offline that long (cp_profiles_set_offline), until it is online again;
   * with invalid_after_offline, removed then for good */
  bool has_max_offline;
  int64_t max_offline_s;
  bool invalid_after_offline;
} cp_charging_profile;

#define CP_MAX_RANDOMIZED_DELAY_S 86400

typedef struct {
  int max_stack_level; /* e.g. 8 (1.6 ChargeProfileMaxStackLevel) */
  int max_periods;     /* e.g. 24 (ChargingScheduleMaxPeriods) */
  int max_profiles;    /* e.g. 16 (MaxChargingProfilesInstalled) */
  bool allow_watts;    /* schedules in W accepted */
} cp_profile_limits;

typedef struct cp_profiles cp_profiles;

/* Opens (and creates with store_module_migrate(db, "ocpp16_smart", ...): the
 * table ocpp16_smart_profiles keeps its name so that existing data loads)
 * the profile table and loads the installed profiles. db may be NULL (memory
 * only). NULL with a message in err on failure. */
cp_profiles *cp_profiles_open(store *db, int connectors, const cp_profile_limits *lim, char *err,
                              size_t errlen);
void cp_profiles_free(cp_profiles *s);
void cp_profiles_set_limits(cp_profiles *s, const cp_profile_limits *lim);

/* The station's time zone for useLocalTime schedules: offset(ctx, utc) is
 * the number of seconds east of UTC in force at `utc`. NULL: UTC. */
typedef int32_t (*cp_zone_offset_fn)(void *ctx, borne_ms utc);
void cp_profiles_set_zone(cp_profiles *s, cp_zone_offset_fn offset, void *ctx);

/* Installs `p` for `connector` (0 = whole station). active_tx_id: the
 * transaction running on that connector (NULL or "" none); a TxProfile
 * needs one and is bound to it. The same id, or the same stack level and
 * purpose on the same connector, replaces the installed profile.
 * CP_PROFILE_NOT_SUPPORTED without s. */
cp_profile_result cp_profiles_set(cp_profiles *s, int connector, const cp_charging_profile *p,
                                  const char *active_tx_id, borne_ms now);
/* A TxProfile without transaction id that belongs to the transaction a
 * remote start is about to make (cp_profiles_bind_transaction when known). */
cp_profile_result cp_profiles_set_for_next_transaction(cp_profiles *s, int connector,
                                                       const cp_charging_profile *p, borne_ms now);
void cp_profiles_bind_transaction(cp_profiles *s, int connector, const char *tx_id);

/* ClearChargingProfile criteria: every one given must match; none clears all. */
typedef struct {
  bool has_id, has_connector, has_purpose, has_stack_level;
  int64_t id, connector, stack_level;
  cp_profile_purpose purpose;
} cp_profile_filter;

/* Number of profiles removed. */
int cp_profiles_clear(cp_profiles *s, const cp_profile_filter *f);

/* The limit now for `connector`, in A per phase (watts converted with
 * phases x voltage); < 0 when no profile applies. tx_id / tx_start: the
 * running transaction (NULL or "" if none) and its start (for Relative
 * schedules and TxProfile matching). */
double cp_profiles_limit_a(cp_profiles *s, int connector, borne_ms now, const char *tx_id,
                           borne_ms tx_start, int phases, double voltage);

/* The next instant any connector's limit may change (period boundary,
 * validity, recurrence); INT64_MAX when never. Relative schedules use the
 * transaction start last given to cp_profiles_limit_a. */
borne_ms cp_profiles_next_change(cp_profiles *s, borne_ms now);

/* The transaction on `connector` ended: its TxProfiles are removed. */
void cp_profiles_transaction_ended(cp_profiles *s, int connector);

/* The composite schedule: what the limit of `connector` will be from `now`
 * for duration_s, in `unit`, limits rounded down to 0.1. Periods follow
 * each other without gap; the schedule ends at the first instant with no
 * profile (an OCPP period list cannot say "no limit"). */
typedef struct {
  int connector;
  borne_ms start;
  int64_t duration_s;
  cp_rate_unit unit;
  size_t nperiods;
  cp_schedule_period *periods; /* phases 0 = all three */
} cp_composite_schedule;

/* CP_PROFILE_ACCEPTED with *out filled (free it with
 * cp_composite_schedule_free), or CP_PROFILE_REJECTED for a bad request or
 * when no profile applies in the window. */
cp_profile_result cp_profiles_composite(cp_profiles *s, int connector, int64_t duration_s,
                                        cp_rate_unit unit, borne_ms now, const char *tx_id,
                                        borne_ms tx_start, int phases, double voltage,
                                        cp_composite_schedule *out);
/* The same over the whole window, from `now` for `duration_s`: where no
 * profile applies, `fill_amps` (per phase, on `phases` phases) — the point's
 * own maximum — stands instead (OCPP 2.0.1 K08, OCTT TC_K_39/41_CS: the
 * composite of an EVSE with no profile is Accepted, its schedule starts when
 * asked and lasts the duration asked). CP_PROFILE_REJECTED only for a bad
 * request. */
cp_profile_result cp_profiles_composite_filled(cp_profiles *s, int connector, int64_t duration_s,
                                               cp_rate_unit unit, borne_ms now, const char *tx_id,
                                               borne_ms tx_start, int phases, double voltage,
                                               double fill_amps, cp_composite_schedule *out);
void cp_composite_schedule_free(cp_composite_schedule *c);

/* The EV chose the schedule `schedule_id` among those a profile of
 * `connector` offers (ISO 15118 through NotifyEVChargingSchedule's
 * selectedChargingScheduleId, K15-K17): the profile that offers it applies it
 * from now on (the one it applied becomes an alternative). 0 when a profile
 * changed, -1 when none offers that id. */
int cp_profiles_choose_schedule(cp_profiles *s, int connector, int64_t schedule_id);

/* 2.1 K28: new values for the one period of the Dynamic profile `id`
 * (UpdateDynamicSchedule, PullDynamicScheduleUpdate's answer): those given
 * replace the period's, in its unit; its dynUpdateTime becomes `now` (an
 * update with no value too). 0 done (stored), -1 no such Dynamic profile or
 * a value out of range (nothing changed). */
typedef struct {
  bool has_limit, has_limit_l2, has_limit_l3;
  double limit, limit_l2, limit_l3;
} cp_dynamic_update;
int cp_profiles_update_dynamic(cp_profiles *s, int64_t id, const cp_dynamic_update *u,
                               borne_ms now);

/* The next Dynamic profile whose update is due at or before `now`
 * (dynUpdateTime + dynUpdateInterval, K28.FR.10): its id in *id and 1, its
 * next due time pushed one interval on (asked once per interval until an
 * update comes); 0 when none is due. cp_profiles_next_pull: the earliest
 * due time, INT64_MAX when none. */
int cp_profiles_take_due_pull(cp_profiles *s, borne_ms now, int64_t *id);
borne_ms cp_profiles_next_pull(const cp_profiles *s);

/* 2.1 maxOfflineDuration: the station is offline (not connected to its
 * back end) since `since`; 0: online. A profile invalid for good
 * (invalidAfterOfflineDuration) is removed by cp_profiles_expire_offline,
 * called with the time it is looked at (the number removed). */
void cp_profiles_set_offline(cp_profiles *s, borne_ms since);
int cp_profiles_expire_offline(cp_profiles *s, borne_ms now);

/* 2.1 priority charging (K21, K22). The transaction tx_id running on
 * `connector` asks for its PriorityCharging profile (activate) or to stop
 * using it. CP_PRIORITY_NO_PROFILE when activating and no PriorityCharging
 * profile is installed for the connector or for 0 (nothing changed);
 * CP_PRIORITY_REJECTED for a bad connector or id; else ACCEPTED, *changed
 * (may be NULL) true when the state changed. The state is stored (a restart
 * keeps it) and ends with the transaction (cp_profiles_transaction_ended). */
typedef enum {
  CP_PRIORITY_ACCEPTED,
  CP_PRIORITY_REJECTED,
  CP_PRIORITY_NO_PROFILE
} cp_priority_result;
cp_priority_result cp_profiles_use_priority(cp_profiles *s, int connector, const char *tx_id,
                                            bool activate, bool *changed);
/* Is priority charging active for the transaction tx_id on `connector`? */
bool cp_profiles_priority_active(const cp_profiles *s, int connector, const char *tx_id);
/* Is a PriorityCharging profile installed for `connector` (its own or 0's)? */
bool cp_profiles_priority_available(const cp_profiles *s, int connector);

/* Number of installed profiles (for status pages and tests). */
int cp_profiles_count(const cp_profiles *s);

/* The i-th installed profile (0 <= i < cp_profiles_count), as it was set,
 * for reports (2.0.1 GetChargingProfiles): its connector in *connector, the
 * transaction a TxProfile is bound to in out->transaction_id. The periods
 * (of the schedule and its alternatives, one block) are allocated into
 * *periods (free them). -1 when there is no such one. */
int cp_profiles_get(const cp_profiles *s, int i, int *connector, cp_charging_profile *out,
                    cp_schedule_period **periods);

#endif
