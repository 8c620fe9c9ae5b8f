/*
 * Charging profiles (see profiles.h): installed profiles, the one in force
 * per purpose, the resulting limit and the composite schedule, in borne's
 * own types so that each OCPP dialect only translates. References are to the
 * OCPP 1.6 specification, edition 2 (3.13 Smart Charging; 5.5
 * ClearChargingProfile, 5.7 GetCompositeSchedule, 5.11 RemoteStartTransaction,
 * 5.16 SetChargingProfile; the ChargingProfile, ChargingSchedule and
 * ChargingSchedulePeriod types of chapter 7); 2.0.1 keeps these rules.
 *
 * Pure apart from the profile table: it never reads a clock, never blocks on
 * anything but the SQLite commit of a changed profile.
 */
#include "chargepoint/profiles.h"

#include <jansson.h>
#include <math.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chargepoint/cp_sql.h"
#include "util/timefmt.h"

#define NEVER INT64_MAX
#define DAY_MS (86400LL * 1000)
#define WEEK_MS (7 * DAY_MS)
/* rel_start value meaning "no transaction": a Relative schedule then starts
 * at whatever instant it is looked at, so it always shows its first period. */
#define FLOATING INT64_MIN
/* Nominal voltage when the caller has none (IEC 60038: 230 V). */
#define NOMINAL_V 230.0

typedef struct {
  int id;
  int connector;
  int stack;
  cp_profile_purpose purpose;
  cp_profile_kind kind;
  borne_ms recurrence_ms;       /* Daily/Weekly for Recurring, else 0 */
  char tx_id[CP_TX_ID_MAX + 1]; /* TxProfile: bound transaction; "" = the next one */
  borne_ms valid_from;          /* INT64_MIN when absent */
  borne_ms valid_to;            /* NEVER when absent */
  borne_ms start;               /* schedule start (Absolute: receipt time when absent) */
  borne_ms duration_ms;         /* NEVER when absent */
  bool watts;
  bool local;            /* useLocalTime: start is a wall-clock time of the zone */
  borne_ms dyn_time;     /* Dynamic: the last update of its limits */
  borne_ms dyn_interval; /* Dynamic: dynUpdateInterval in ms, 0 none */
  borne_ms next_pull;    /* Dynamic: when to ask for an update next */
  borne_ms max_offline;  /* maxOfflineDuration in ms, NEVER without */
  bool invalid_after_offline;
  int nperiods;
  cp_schedule_period *periods; /* phases resolved: 1..3 */
  char *text;                  /* the profile as stored in the table */
  borne_ms received;           /* when it was set */
} profile;

/* Per connector, 0 (the station) to connectors: sized to the station's count
 * (0.7 kB for 8 connectors before, whatever the station had). */
typedef struct {
  /* Last transaction seen by cp_profiles_limit_a, so that
   * cp_profiles_next_change can place Relative boundaries. */
  char tx_id[CP_TX_ID_MAX + 2];
  borne_ms tx_start;
  /* 2.1 priority charging: the transaction it is active for ("" none),
   * stored in ocpp21_priority */
  char priority_tx[CP_TX_ID_MAX + 1];
} profiles_conn;

struct cp_profiles {
  store *db;
  int connectors;
  cp_profile_limits lim;
  profile *p;
  int n, cap;
  cp_zone_offset_fn zone;
  void *zone_ctx;
  borne_ms offline_since; /* 0: online */
  profiles_conn conn[];   /* connectors + 1 */
};

static bool has_tx(const char *tx) { return tx && tx[0]; }
/* An id that fits (longer ones are refused, never cut: a cut id would
 * name another transaction). */
static bool tx_fits(const char *tx) { return !tx || strlen(tx) <= CP_TX_ID_MAX; }

static void copy_tx(char out[CP_TX_ID_MAX + 1], const char *tx) {
  snprintf(out, CP_TX_ID_MAX + 1, "%s", tx ? tx : "");
}

/* ---------- the stored form ----------
 * A profile is kept in the table as JSON. Its members and spellings are those
 * of the OCPP ChargingProfile type the table held from its first version, so
 * that rows written by earlier versions load unchanged. */

static const char *const purpose_names[] = {"ChargePointMaxProfile", "TxDefaultProfile",
                                            "TxProfile", "PriorityCharging"};
#define NPURPOSES 4
static const char *const kind_names[] = {"Absolute", "Recurring", "Relative", "Dynamic"};

static int name_index(const char *const *names, int n, const char *s) {
  for (int i = 0; s && i < n; i++)
    if (strcmp(names[i], s) == 0) return i;
  return -1;
}

static void set_time(json_t *o, const char *key, borne_ms t) {
  char buf[40];
  timefmt_iso(t, buf, sizeof buf);
  json_object_set_new(o, key, json_string(buf));
}

static json_t *schedule_json(const cp_charging_schedule *cs) {
  json_t *sj = json_object();
  if (cs->has_id) json_object_set_new(sj, "id", json_integer(cs->id));
  if (cs->has_start) set_time(sj, "startSchedule", cs->start);
  if (cs->has_duration) json_object_set_new(sj, "duration", json_integer(cs->duration_s));
  json_object_set_new(sj, "chargingRateUnit", json_string(cs->unit == CP_UNIT_WATTS ? "W" : "A"));
  if (cs->has_min_rate) json_object_set_new(sj, "minChargingRate", json_real(cs->min_rate));
  if (cs->use_local_time) json_object_set_new(sj, "useLocalTime", json_true());
  if (cs->randomized_delay_s)
    json_object_set_new(sj, "randomizedDelay", json_integer(cs->randomized_delay_s));
  json_t *pa = json_array();
  for (size_t i = 0; i < cs->nperiods; i++) {
    json_t *pj = json_pack("{s:I,s:f}", "startPeriod", (json_int_t)cs->periods[i].start_s, "limit",
                           cs->periods[i].limit);
    if (cs->periods[i].phases)
      json_object_set_new(pj, "numberPhases", json_integer(cs->periods[i].phases));
    if (cs->periods[i].has_limit_l2)
      json_object_set_new(pj, "limit_L2", json_real(cs->periods[i].limit_l2));
    if (cs->periods[i].has_limit_l3)
      json_object_set_new(pj, "limit_L3", json_real(cs->periods[i].limit_l3));
    json_array_append_new(pa, pj);
  }
  json_object_set_new(sj, "chargingSchedulePeriod", pa);
  return sj;
}

static char *profile_text(const cp_charging_profile *p) {
  json_t *o = json_object();
  json_object_set_new(o, "chargingProfileId", json_integer(p->id));
  json_object_set_new(o, "stackLevel", json_integer(p->stack_level));
  json_object_set_new(o, "chargingProfilePurpose", json_string(purpose_names[p->purpose]));
  json_object_set_new(o, "chargingProfileKind", json_string(kind_names[p->kind]));
  if (p->kind == CP_KIND_RECURRING)
    json_object_set_new(o, "recurrencyKind",
                        json_string(p->recurrency == CP_RECUR_WEEKLY ? "Weekly" : "Daily"));
  if (p->has_valid_from) set_time(o, "validFrom", p->valid_from);
  if (p->has_valid_to) set_time(o, "validTo", p->valid_to);
  if (has_tx(p->transaction_id))
    json_object_set_new(o, "transactionId", json_string(p->transaction_id));
  json_object_set_new(o, "chargingSchedule", schedule_json(&p->schedule));
  /* a member of borne's own: rows without it (1.6, earlier versions) load */
  if (p->nalternatives) {
    json_t *alt = json_array();
    for (size_t i = 0; i < p->nalternatives && i < CP_MAX_SCHEDULES - 1; i++)
      json_array_append_new(alt, schedule_json(&p->alternatives[i]));
    json_object_set_new(o, "alternativeSchedules", alt);
  }
  if (p->random_seed) json_object_set_new(o, "randomSeed", json_integer(p->random_seed));
  if (p->has_max_offline) {
    json_object_set_new(o, "maxOfflineDuration", json_integer(p->max_offline_s));
    if (p->invalid_after_offline)
      json_object_set_new(o, "invalidAfterOfflineDuration", json_true());
  }
  if (p->kind == CP_KIND_DYNAMIC) {
    if (p->dyn_update_time) set_time(o, "dynUpdateTime", p->dyn_update_time);
    if (p->dyn_update_interval_s)
      json_object_set_new(o, "dynUpdateInterval", json_integer(p->dyn_update_interval_s));
  }
  char *text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref(o);
  return text;
}

static int get_int(const json_t *o, const char *key, bool *has, int64_t *out) {
  const json_t *v = json_object_get(o, key);
  if (has) *has = v != NULL;
  if (!v) return has ? 0 : -1;
  if (!json_is_integer(v)) return -1;
  *out = json_integer_value(v);
  return 0;
}

static int get_stored_time(const json_t *o, const char *key, bool *has, borne_ms *out) {
  const json_t *v = json_object_get(o, key);
  *has = v != NULL;
  if (!v) return 0;
  int64_t ms;
  if (!json_is_string(v) || timefmt_parse(json_string_value(v), &ms) != 0) return -1;
  *out = ms;
  return 0;
}

/* One stored chargingSchedule into cs, its periods written to `periods`
 * (room for json_array_size of its chargingSchedulePeriod). -1 when it is
 * not one. */
static int schedule_from_json(const json_t *sj, cp_charging_schedule *cs,
                              cp_schedule_period *periods) {
  memset(cs, 0, sizeof *cs);
  bool has_delay;
  const json_t *pa = json_object_get(sj, "chargingSchedulePeriod");
  const char *unit = json_string_value(json_object_get(sj, "chargingRateUnit"));
  const json_t *minr = json_object_get(sj, "minChargingRate");
  bool ok = json_is_object(sj) && json_is_array(pa) && unit &&
            (!strcmp(unit, "A") || !strcmp(unit, "W")) &&
            get_int(sj, "duration", &cs->has_duration, &cs->duration_s) == 0 &&
            get_int(sj, "id", &cs->has_id, &cs->id) == 0 &&
            get_stored_time(sj, "startSchedule", &cs->has_start, &cs->start) == 0 &&
            (!minr || json_is_number(minr)) && json_array_size(pa) <= 1024 &&
            get_int(sj, "randomizedDelay", &has_delay, &cs->randomized_delay_s) == 0;
  if (!ok) return -1;
  cs->use_local_time = json_is_true(json_object_get(sj, "useLocalTime"));
  cs->unit = strcmp(unit, "W") == 0 ? CP_UNIT_WATTS : CP_UNIT_AMPS;
  cs->has_min_rate = minr != NULL;
  cs->min_rate = minr ? json_number_value(minr) : 0;
  size_t np = json_array_size(pa);
  for (size_t i = 0; i < np; i++) {
    const json_t *pj = json_array_get(pa, i);
    const json_t *lim = json_object_get(pj, "limit");
    bool has_ph;
    int64_t start = 0, ph = 0;
    if (!periods || !json_is_number(lim) || get_int(pj, "startPeriod", NULL, &start) != 0 ||
        get_int(pj, "numberPhases", &has_ph, &ph) != 0 || ph < 0 || ph > 3)
      return -1;
    periods[i] =
        (cp_schedule_period){.start_s = start, .limit = json_number_value(lim), .phases = (int)ph};
    const json_t *l2 = json_object_get(pj, "limit_L2"), *l3 = json_object_get(pj, "limit_L3");
    if ((l2 && !json_is_number(l2)) || (l3 && !json_is_number(l3))) return -1;
    periods[i].has_limit_l2 = l2 != NULL;
    periods[i].limit_l2 = l2 ? json_number_value(l2) : 0;
    periods[i].has_limit_l3 = l3 != NULL;
    periods[i].limit_l3 = l3 ? json_number_value(l3) : 0;
  }
  cs->nperiods = np;
  cs->periods = periods;
  return 0;
}

/* Reads the stored form into p (the periods of every schedule allocated in
 * one block into *periods_out; the caller frees it). -1 when it is not a
 * profile. */
static int profile_from_text(const char *text, cp_charging_profile *p,
                             cp_schedule_period **periods_out) {
  *periods_out = NULL;
  memset(p, 0, sizeof *p);
  json_t *o = text ? json_loads(text, 0, NULL) : NULL;
  const json_t *sj = json_object_get(o, "chargingSchedule");
  const json_t *alt = json_object_get(o, "alternativeSchedules");
  int purpose = name_index(purpose_names, NPURPOSES,
                           json_string_value(json_object_get(o, "chargingProfilePurpose")));
  int kind =
      name_index(kind_names, 4, json_string_value(json_object_get(o, "chargingProfileKind")));
  const char *recur = json_string_value(json_object_get(o, "recurrencyKind"));
  const json_t *tx = json_object_get(o, "transactionId");
  bool ok = json_is_object(o) && purpose >= 0 && kind >= 0 &&
            (!alt || (json_is_array(alt) && json_array_size(alt) < CP_MAX_SCHEDULES)) &&
            get_int(o, "chargingProfileId", NULL, &p->id) == 0 &&
            get_int(o, "stackLevel", NULL, &p->stack_level) == 0 &&
            get_stored_time(o, "validFrom", &p->has_valid_from, &p->valid_from) == 0 &&
            get_stored_time(o, "validTo", &p->has_valid_to, &p->valid_to) == 0;
  if (ok) {
    p->purpose = (cp_profile_purpose)purpose;
    p->kind = (cp_profile_kind)kind;
    p->recurrency = !recur                         ? CP_RECUR_NONE
                    : strcmp(recur, "Weekly") == 0 ? CP_RECUR_WEEKLY
                    : strcmp(recur, "Daily") == 0  ? CP_RECUR_DAILY
                                                   : CP_RECUR_NONE;
    /* earlier rows hold 1.6's integer transactionId */
    if (json_is_integer(tx))
      snprintf(p->transaction_id, sizeof p->transaction_id, "%lld",
               (long long)json_integer_value(tx));
    else if (json_is_string(tx) && tx_fits(json_string_value(tx)))
      copy_tx(p->transaction_id, json_string_value(tx));
    else
      ok = tx == NULL;
  }
  size_t nalt = ok ? json_array_size(alt) : 0;
  const json_t *all[CP_MAX_SCHEDULES] = {sj};
  size_t np = 0;
  for (size_t k = 0; ok && k <= nalt; k++) {
    if (k) all[k] = json_array_get(alt, k - 1);
    np += json_array_size(json_object_get(all[k], "chargingSchedulePeriod"));
  }
  cp_schedule_period *periods = ok && np ? calloc(np, sizeof *periods) : NULL;
  size_t at = 0;
  for (size_t k = 0; ok && k <= nalt; k++) {
    cp_charging_schedule *cs = k ? &p->alternatives[k - 1] : &p->schedule;
    ok = schedule_from_json(all[k], cs, periods ? periods + at : NULL) == 0;
    at += cs->nperiods;
  }
  const json_t *seed = json_object_get(o, "randomSeed");
  p->random_seed = json_is_integer(seed) ? (uint32_t)json_integer_value(seed) : 0;
  bool has_dyn;
  ok = ok && get_stored_time(o, "dynUpdateTime", &has_dyn, &p->dyn_update_time) == 0 &&
       get_int(o, "dynUpdateInterval", &has_dyn, &p->dyn_update_interval_s) == 0 &&
       get_int(o, "maxOfflineDuration", &p->has_max_offline, &p->max_offline_s) == 0;
  p->invalid_after_offline = json_is_true(json_object_get(o, "invalidAfterOfflineDuration"));
  json_decref(o);
  if (!ok) {
    free(periods);
    memset(p, 0, sizeof *p);
    return -1;
  }
  p->nalternatives = nalt;
  *periods_out = periods;
  return 0;
}

/* ---------- checking ---------- */

/* A period's draw of randomizedDelay: splitmix64 of the profile's seed and
 * the period's index (the same on every load of the profile). */
static uint64_t delay_draw(uint32_t seed, uint32_t i) {
  uint64_t z = ((uint64_t)seed << 32 | i) + 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static void profile_clear(profile *p) {
  free(p->periods);
  free(p->text);
  memset(p, 0, sizeof *p);
}

/* Fills `out` from a profile; -1 when it breaks a rule. lim NULL: no
 * installation limits (loading). */
static int parse_profile(const cp_charging_profile *j, int connector, borne_ms received,
                         const cp_profile_limits *lim, profile *out) {
  memset(out, 0, sizeof *out);
  if (!j) return -1;
  out->connector = connector;
  out->received = received;
  if (j->id < INT32_MIN || j->id > INT32_MAX) return -1;
  out->id = (int)j->id;
  if (j->stack_level < 0 || j->stack_level > INT32_MAX) return -1;
  if (lim && j->stack_level > lim->max_stack_level) return -1; /* ChargeProfileMaxStackLevel */
  out->stack = (int)j->stack_level;
  if (j->purpose < CP_PURPOSE_CHARGE_POINT_MAX || j->purpose > CP_PURPOSE_PRIORITY) return -1;
  out->purpose = j->purpose;
  /* 3.13 (charging profile purposes): the station maximum only on
   * connector 0; a TxProfile belongs to a transaction, so to a real connector. */
  if (out->purpose == CP_PURPOSE_CHARGE_POINT_MAX && connector != 0) return -1;
  if (out->purpose == CP_PURPOSE_TX && connector == 0) return -1;
  if (strnlen(j->transaction_id, sizeof j->transaction_id) > CP_TX_ID_MAX) return -1;
  if (has_tx(j->transaction_id) && out->purpose != CP_PURPOSE_TX)
    return -1; /* ChargingProfile: transactionId only with TxProfile */
  copy_tx(out->tx_id, j->transaction_id);

  if (j->kind < CP_KIND_ABSOLUTE || j->kind > CP_KIND_DYNAMIC) return -1;
  out->kind = j->kind;
  if (out->kind == CP_KIND_RECURRING) {
    if (j->recurrency == CP_RECUR_DAILY)
      out->recurrence_ms = DAY_MS;
    else if (j->recurrency == CP_RECUR_WEEKLY)
      out->recurrence_ms = WEEK_MS;
    else
      return -1;
  }

  out->valid_from = j->has_valid_from ? j->valid_from : INT64_MIN;
  out->valid_to = j->has_valid_to ? j->valid_to : NEVER;
  if (out->valid_to <= out->valid_from) return -1;

  const cp_charging_schedule *cs = &j->schedule;
  out->duration_ms = NEVER;
  if (cs->has_duration && (cs->duration_s <= 0 || cs->duration_s > INT32_MAX)) return -1;
  if (cs->has_duration) out->duration_ms = cs->duration_s * 1000;
  out->start = cs->start;
  /* ChargingSchedule: a Recurring schedule repeats from its start; an
   * Absolute one without it is taken to start when it was received; a
   * Relative one starts with the transaction, whatever the start says. */
  if (!cs->has_start && out->kind == CP_KIND_RECURRING) return -1;
  if (!cs->has_start && out->kind == CP_KIND_ABSOLUTE) out->start = received;
  /* 2.1 K01.FR.70: a PriorityCharging schedule has no duration (it holds
   * until the end of the transaction) */
  if (out->purpose == CP_PURPOSE_PRIORITY && cs->has_duration) return -1;
  if (out->kind == CP_KIND_RECURRING && out->duration_ms > out->recurrence_ms)
    out->duration_ms = out->recurrence_ms;

  if (cs->unit != CP_UNIT_AMPS && cs->unit != CP_UNIT_WATTS) return -1;
  out->watts = cs->unit == CP_UNIT_WATTS;
  if (lim && out->watts && !lim->allow_watts) return -1;
  /* useLocalTime: the start read as a wall-clock time (a Relative schedule
   * has none: nothing to do) */
  out->local = cs->use_local_time && out->kind != CP_KIND_RELATIVE;
  /* randomizedDelay: only for TxProfile and TxDefaultProfile (2.1) */
  if (cs->randomized_delay_s < 0 || cs->randomized_delay_s > CP_MAX_RANDOMIZED_DELAY_S ||
      (cs->randomized_delay_s && out->purpose != CP_PURPOSE_TX &&
       out->purpose != CP_PURPOSE_TX_DEFAULT))
    return -1;

  size_t np = cs->nperiods;
  if (np == 0 || np > 1024 || !cs->periods) return -1;
  if (lim && (int)np > lim->max_periods) return -1; /* ChargingScheduleMaxPeriods */
  out->periods = calloc(np, sizeof *out->periods);
  if (!out->periods) return -1;
  out->nperiods = (int)np;
  for (size_t i = 0; i < np; i++) {
    cp_schedule_period *pd = &out->periods[i];
    *pd = cs->periods[i];
    /* ChargingSchedulePeriod: startPeriod counts from the schedule start,
     * so the first is 0 and they follow in order. */
    if (i == 0 ? pd->start_s != 0 : pd->start_s <= out->periods[i - 1].start_s) goto bad;
    if (pd->start_s > INT32_MAX) goto bad;
    /* No OCPP bound; 1e6 (A or W) is far above any AC point and keeps the
     * W/A conversions finite. */
    if (!isfinite(pd->limit) || pd->limit < 0 || pd->limit > 1e6) goto bad;
    if (pd->has_limit_l2 && (!isfinite(pd->limit_l2) || pd->limit_l2 < 0 || pd->limit_l2 > 1e6))
      goto bad;
    if (pd->has_limit_l3 && (!isfinite(pd->limit_l3) || pd->limit_l3 < 0 || pd->limit_l3 > 1e6))
      goto bad;
    if (pd->phases == 0) pd->phases = 3; /* numberPhases absent means 3 */
    if (pd->phases < 1 || pd->phases > 3) goto bad;
  }
  /* randomizedDelay: each period's start (the first's too) moved by its
   * own draw in 0..randomizedDelay s; the order kept (a period pushed past
   * the next one's start moves that one behind it) */
  for (size_t i = 0; cs->randomized_delay_s > 0 && out->kind != CP_KIND_DYNAMIC && i < np; i++) {
    cp_schedule_period *pd = &out->periods[i];
    pd->start_s +=
        (int64_t)(delay_draw(j->random_seed, (uint32_t)i) % (uint64_t)(cs->randomized_delay_s + 1));
    if (i && pd->start_s <= out->periods[i - 1].start_s)
      pd->start_s = out->periods[i - 1].start_s + 1;
  }
  /* the other schedules offered (2.0.1): the same rules, each as if it
   * were the one applied */
  if (j->nalternatives > CP_MAX_SCHEDULES - 1) goto bad;
  for (size_t k = 0; k < j->nalternatives; k++) {
    cp_charging_profile alt = *j;
    alt.schedule = j->alternatives[k];
    alt.nalternatives = 0;
    profile check;
    if (parse_profile(&alt, connector, received, lim, &check) != 0) goto bad;
    profile_clear(&check);
  }
  if (j->has_max_offline && (j->max_offline_s < 0 || j->max_offline_s > INT32_MAX)) goto bad;
  out->max_offline = j->has_max_offline ? j->max_offline_s * 1000 : NEVER;
  out->invalid_after_offline = j->has_max_offline && j->invalid_after_offline;
  /* K28: a Dynamic profile is one schedule of one period, in force from
   * its last update (for `duration` when it has one) */
  cp_charging_profile stored = *j;
  if (out->kind == CP_KIND_DYNAMIC) {
    if (np != 1 || j->nalternatives || j->dyn_update_interval_s < 0 ||
        j->dyn_update_interval_s > INT32_MAX)
      goto bad;
    if (!stored.dyn_update_time) stored.dyn_update_time = received;
    out->dyn_time = stored.dyn_update_time;
    out->dyn_interval = j->dyn_update_interval_s * 1000;
    out->next_pull = out->dyn_interval ? out->dyn_time + out->dyn_interval : NEVER;
  }
  out->text = profile_text(&stored);
  if (!out->text) goto bad;
  return 0;
bad:
  profile_clear(out);
  return -1;
}

/* ---------- persistence ---------- */

static const char *const migrations[] = {
    "CREATE TABLE ocpp16_smart_profiles(id INTEGER PRIMARY KEY, connector INTEGER NOT NULL,"
    " tx_id INTEGER NOT NULL, received_ms INTEGER NOT NULL, profile TEXT NOT NULL);",
    /* 2.1 priority charging: the transaction of a connector it is active for */
    "CREATE TABLE ocpp21_priority(connector INTEGER PRIMARY KEY, tx_id BLOB NOT NULL);",
};

/* The tx_id column holds 0 for none and a 1.6 transaction id as an integer
 * (its first version); any other id is stored as a blob of its text, which
 * SQLite keeps as is in a column of INTEGER affinity (text that looks like a
 * number, "007", would be turned into one). */
static void bind_tx(sqlite3_stmt *st, int i, const char *tx) {
  char *end;
  if (!has_tx(tx)) {
    sqlite3_bind_int64(st, i, 0);
    return;
  }
  long long v = strtoll(tx, &end, 10);
  char back[32];
  snprintf(back, sizeof back, "%lld", v);
  if (*end == '\0' && v != 0 && strcmp(back, tx) == 0)
    sqlite3_bind_int64(st, i, v);
  else
    sqlite3_bind_blob(st, i, tx, (int)strlen(tx), SQLITE_TRANSIENT);
}

/* -1 for an id too long to be one. */
static int column_tx(sqlite3_stmt *st, int i, char out[CP_TX_ID_MAX + 1]) {
  if (sqlite3_column_type(st, i) == SQLITE_INTEGER) {
    long long v = sqlite3_column_int64(st, i);
    if (v == 0)
      out[0] = '\0';
    else
      snprintf(out, CP_TX_ID_MAX + 1, "%lld", v);
    return 0;
  }
  if (sqlite3_column_type(st, i) != SQLITE_BLOB && sqlite3_column_type(st, i) != SQLITE_TEXT)
    return -1;
  const void *bytes = sqlite3_column_blob(st, i);
  int n = sqlite3_column_bytes(st, i);
  if (n <= 0 || n > CP_TX_ID_MAX || memchr(bytes, 0, (size_t)n)) return -1;
  memcpy(out, bytes, (size_t)n);
  out[n] = '\0';
  return 0;
}

/* One statement: ?1 id, ?2 connector, ?3 tx id, ?4 received, ?5 text (the
 * ones the statement has). */
static int db_exec(cp_profiles *s, const char *sql, int64_t id, int64_t connector, const char *tx,
                   int64_t received, const char *text) {
  if (!s->db) return 0;
  sqlite3 *h = store_sqlite(s->db);
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK) return -1;
  int n = sqlite3_bind_parameter_count(st);
  if (n >= 1) sqlite3_bind_int64(st, 1, id);
  if (n >= 2) sqlite3_bind_int64(st, 2, connector);
  if (n >= 3) bind_tx(st, 3, tx);
  if (n >= 4) sqlite3_bind_int64(st, 4, received);
  if (text && n >= 5) sqlite3_bind_text(st, 5, text, -1, SQLITE_STATIC);
  int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? 0 : -1;
}

/* A savepoint (cp_sql_begin), not BEGIN: a transaction's end reaches here
 * inside the station's batch of the session stop, where BEGIN failed and the
 * TxProfiles stayed; a ROLLBACK would have undone the whole batch. */
static int db_begin(cp_profiles *s) { return s->db ? cp_sql_begin(s->db) : 0; }
static void db_end(cp_profiles *s, bool commit) {
  if (s->db) cp_sql_end(s->db, commit ? 0 : -1);
}

static int push(cp_profiles *s, profile *p) {
  if (s->n == s->cap) {
    int cap = s->cap ? s->cap * 2 : 8;
    profile *np = realloc(s->p, (size_t)cap * sizeof *np);
    if (!np) return -1;
    s->p = np;
    s->cap = cap;
  }
  s->p[s->n++] = *p;
  return 0;
}

static void drop(cp_profiles *s, int i) {
  profile_clear(&s->p[i]);
  s->p[i] = s->p[--s->n];
}

static int load(cp_profiles *s, char *err, size_t errlen) {
  /* the store's statement (a read: borne-swarm's schema template is taken
   * at the first write, after every module's tables, store.c) */
  sqlite3_stmt *st = store_stmt(s->db, "SELECT connector, tx_id, received_ms, profile FROM "
                                       "ocpp16_smart_profiles ORDER BY id");
  if (!st) {
    snprintf(err, errlen, "smart charging profiles: %s", store_last_error(s->db));
    return -1;
  }
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    int connector = sqlite3_column_int(st, 0);
    const char *text = (const char *)sqlite3_column_text(st, 3);
    cp_charging_profile cp;
    cp_schedule_period *periods;
    profile p;
    /* A row this code cannot read (hand-edited file) is skipped, never fatal:
     * the back end will send its profiles again. */
    if (connector >= 0 && connector <= s->connectors &&
        profile_from_text(text, &cp, &periods) == 0) {
      if (parse_profile(&cp, connector, sqlite3_column_int64(st, 2), NULL, &p) == 0) {
        if (column_tx(st, 1, p.tx_id) != 0 || push(s, &p) != 0) profile_clear(&p);
      }
      free(periods);
    }
  }
  if (rc != SQLITE_DONE)
    snprintf(err, errlen, "smart charging profiles: %s", sqlite3_errmsg(store_sqlite(s->db)));
  store_stmt_release(s->db, st);
  if (rc != SQLITE_DONE) return -1;
  st = store_stmt(s->db, "SELECT connector, tx_id FROM ocpp21_priority");
  if (!st) {
    snprintf(err, errlen, "priority charging: %s", store_last_error(s->db));
    return -1;
  }
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    int connector = sqlite3_column_int(st, 0);
    char tx[CP_TX_ID_MAX + 1];
    if (connector >= 1 && connector <= s->connectors && column_tx(st, 1, tx) == 0)
      copy_tx(s->conn[connector].priority_tx, tx);
  }
  if (rc != SQLITE_DONE)
    snprintf(err, errlen, "priority charging: %s", sqlite3_errmsg(store_sqlite(s->db)));
  store_stmt_release(s->db, st);
  return rc == SQLITE_DONE ? 0 : -1;
}

cp_profiles *cp_profiles_open(store *db, int connectors, const cp_profile_limits *lim, char *err,
                              size_t errlen) {
  if (connectors < 0 || connectors > BORNE_MAX_CONNECTORS || !lim) {
    snprintf(err, errlen, "smart charging: %d connectors is out of range 0..%d", connectors,
             BORNE_MAX_CONNECTORS);
    return NULL;
  }
  cp_profiles *s = calloc(1, sizeof *s + (size_t)(connectors + 1) * sizeof s->conn[0]);
  if (!s) {
    snprintf(err, errlen, "smart charging: out of memory");
    return NULL;
  }
  s->db = db;
  s->connectors = connectors;
  s->lim = *lim;
  if (db) {
    if (store_module_migrate(db, "ocpp16_smart", migrations,
                             (int)(sizeof migrations / sizeof *migrations)) != 0) {
      snprintf(err, errlen, "smart charging profiles: %s", store_last_error(db));
      free(s);
      return NULL;
    }
    if (load(s, err, errlen) != 0) {
      cp_profiles_free(s);
      return NULL;
    }
  }
  return s;
}

void cp_profiles_free(cp_profiles *s) {
  if (!s) return;
  for (int i = 0; i < s->n; i++) profile_clear(&s->p[i]);
  free(s->p);
  free(s);
}

void cp_profiles_set_limits(cp_profiles *s, const cp_profile_limits *lim) {
  if (s && lim) s->lim = *lim;
}

void cp_profiles_set_zone(cp_profiles *s, cp_zone_offset_fn offset, void *ctx) {
  if (!s) return;
  s->zone = offset;
  s->zone_ctx = ctx;
}

/* ms east of UTC in the station's zone at `utc` (0: UTC). */
static borne_ms zone_ms(const cp_profiles *s, borne_ms utc) {
  return s->zone ? (borne_ms)s->zone(s->zone_ctx, utc) * 1000 : 0;
}

int cp_profiles_count(const cp_profiles *s) { return s ? s->n : 0; }

int cp_profiles_get(const cp_profiles *s, int i, int *connector, cp_charging_profile *out,
                    cp_schedule_period **periods) {
  *periods = NULL;
  if (!s || i < 0 || i >= s->n) return -1;
  const profile *p = &s->p[i];
  if (profile_from_text(p->text, out, periods) != 0) return -1;
  *connector = p->connector;
  copy_tx(out->transaction_id, p->tx_id); /* bound since it was set (remote start) */
  return 0;
}

/* ---------- installing and removing ---------- */

static bool replaces(const profile *q, const profile *p) {
  /* 5.16: the same chargingProfileId, or the same stackLevel and purpose
   * (on the same connector), replaces the installed profile. A connector has
   * one PriorityCharging profile: a new one replaces it, whatever its level. */
  return q->id == p->id ||
         (q->purpose == CP_PURPOSE_PRIORITY && p->purpose == CP_PURPOSE_PRIORITY &&
          q->connector == p->connector) ||
         (q->stack == p->stack && q->purpose == p->purpose && q->connector == p->connector);
}

static cp_profile_result set_profile(cp_profiles *s, int connector,
                                     const cp_charging_profile *profile_in,
                                     const char *active_tx_id, bool for_next_tx, borne_ms now) {
  if (!s) return CP_PROFILE_NOT_SUPPORTED;
  if (connector < 0 || connector > s->connectors || !tx_fits(active_tx_id))
    return CP_PROFILE_REJECTED;
  profile p;
  if (parse_profile(profile_in, connector, now, &s->lim, &p) != 0) return CP_PROFILE_REJECTED;
  if (for_next_tx) {
    /* 5.11: RemoteStartTransaction's profile is a TxProfile without a
     * transactionId; it belongs to the transaction that this start makes. */
    if (p.purpose != CP_PURPOSE_TX || has_tx(p.tx_id)) goto rejected;
  } else if (p.purpose == CP_PURPOSE_TX) {
    /* 5.16: no transaction on the connector, or another one than the
     * profile names: discard it and answer with an error status. */
    if (!has_tx(active_tx_id) || (has_tx(p.tx_id) && strcmp(p.tx_id, active_tx_id) != 0))
      goto rejected;
    copy_tx(p.tx_id, active_tx_id);
  }

  int kept = 0;
  for (int i = 0; i < s->n; i++)
    if (!replaces(&s->p[i], &p)) kept++;
  if (kept >= s->lim.max_profiles) goto rejected; /* MaxChargingProfilesInstalled */

  if (db_begin(s) != 0) goto rejected;
  bool ok = true;
  for (int i = 0; i < s->n && ok; i++)
    if (replaces(&s->p[i], &p))
      ok = db_exec(s, "DELETE FROM ocpp16_smart_profiles WHERE id = ?1", s->p[i].id, 0, NULL, 0,
                   NULL) == 0;
  ok = ok && db_exec(s,
                     "INSERT INTO ocpp16_smart_profiles(id, connector, tx_id, received_ms, "
                     "profile) VALUES(?1, ?2, ?3, ?4, ?5)",
                     p.id, p.connector, p.tx_id, now, p.text) == 0;
  db_end(s, ok);
  if (!ok) goto rejected;
  for (int i = s->n - 1; i >= 0; i--)
    if (replaces(&s->p[i], &p)) drop(s, i);
  if (push(s, &p) != 0) goto rejected;
  return CP_PROFILE_ACCEPTED;
rejected:
  profile_clear(&p);
  return CP_PROFILE_REJECTED;
}

cp_profile_result cp_profiles_set(cp_profiles *s, int connector, const cp_charging_profile *p,
                                  const char *active_tx_id, borne_ms now) {
  return set_profile(s, connector, p, active_tx_id, false, now);
}

cp_profile_result cp_profiles_set_for_next_transaction(cp_profiles *s, int connector,
                                                       const cp_charging_profile *p, borne_ms now) {
  return set_profile(s, connector, p, NULL, true, now);
}

void cp_profiles_bind_transaction(cp_profiles *s, int connector, const char *tx_id) {
  if (!s || !has_tx(tx_id) || !tx_fits(tx_id)) return;
  for (int i = 0; i < s->n; i++) {
    profile *p = &s->p[i];
    if (p->purpose == CP_PURPOSE_TX && p->connector == connector && !has_tx(p->tx_id)) {
      copy_tx(p->tx_id, tx_id);
      db_exec(s, "UPDATE ocpp16_smart_profiles SET tx_id = ?3 WHERE id = ?1", p->id, connector,
              p->tx_id, 0, NULL);
    }
  }
}

/* Removes every profile for which `match` is true, table first; the number removed. */
static int remove_where(cp_profiles *s, bool (*match)(const profile *, const void *),
                        const void *ctx) {
  int removed = 0;
  bool any = false;
  for (int i = 0; i < s->n && !any; i++) any = match(&s->p[i], ctx);
  if (!any) return 0; /* no empty commit (every transaction's end comes here) */
  if (db_begin(s) != 0) return 0;
  bool ok = true;
  for (int i = 0; i < s->n && ok; i++)
    if (match(&s->p[i], ctx))
      ok = db_exec(s, "DELETE FROM ocpp16_smart_profiles WHERE id = ?1", s->p[i].id, 0, NULL, 0,
                   NULL) == 0;
  db_end(s, ok);
  if (!ok) return 0;
  for (int i = s->n - 1; i >= 0; i--)
    if (match(&s->p[i], ctx)) {
      drop(s, i);
      removed++;
    }
  return removed;
}

static bool clear_match(const profile *p, const void *ctx) {
  const cp_profile_filter *f = ctx;
  /* 5.5: every criterion given must match (so an id with a wrong
   * connector clears nothing); none given clears all. */
  return (!f->has_id || p->id == f->id) && (!f->has_connector || p->connector == f->connector) &&
         (!f->has_purpose || p->purpose == f->purpose) &&
         (!f->has_stack_level || p->stack == f->stack_level);
}

int cp_profiles_clear(cp_profiles *s, const cp_profile_filter *f) {
  if (!s || !f) return 0;
  return remove_where(s, clear_match, f);
}

int cp_profiles_choose_schedule(cp_profiles *s, int connector, int64_t schedule_id) {
  for (int i = 0; s && i < s->n; i++) {
    profile *old = &s->p[i];
    if (old->connector != connector) continue;
    cp_charging_profile cp;
    cp_schedule_period *periods;
    if (profile_from_text(old->text, &cp, &periods) != 0) continue;
    size_t k = 0;
    while (k < cp.nalternatives &&
           !(cp.alternatives[k].has_id && cp.alternatives[k].id == schedule_id))
      k++;
    int rc = -1;
    profile np;
    if (k < cp.nalternatives) {
      cp_charging_schedule was = cp.schedule;
      cp.schedule = cp.alternatives[k];
      cp.alternatives[k] = was;
      /* installed already: the limits it passed then still hold */
      if (parse_profile(&cp, connector, old->received, NULL, &np) == 0) {
        copy_tx(np.tx_id, old->tx_id);
        if (db_exec(s, "UPDATE ocpp16_smart_profiles SET profile = ?5 WHERE id = ?1", np.id, 0,
                    NULL, 0, np.text) == 0) {
          profile_clear(old);
          *old = np;
          rc = 0;
        } else {
          profile_clear(&np);
        }
      }
    }
    free(periods);
    if (k < cp.nalternatives) return rc;
  }
  return -1;
}

static bool tx_of_connector(const profile *p, const void *ctx) {
  return p->purpose == CP_PURPOSE_TX && p->connector == *(const int *)ctx;
}

static void store_priority(cp_profiles *s, int connector) {
  if (has_tx(s->conn[connector].priority_tx))
    db_exec(s, "INSERT OR REPLACE INTO ocpp21_priority(connector, tx_id) VALUES(?2, ?3)", 0,
            connector, s->conn[connector].priority_tx, 0, NULL);
  else
    db_exec(s, "DELETE FROM ocpp21_priority WHERE connector = ?2", 0, connector, NULL, 0, NULL);
}

bool cp_profiles_priority_available(const cp_profiles *s, int connector) {
  for (int i = 0; s && connector >= 1 && i < s->n; i++)
    if (s->p[i].purpose == CP_PURPOSE_PRIORITY &&
        (s->p[i].connector == 0 || s->p[i].connector == connector))
      return true;
  return false;
}

bool cp_profiles_priority_active(const cp_profiles *s, int connector, const char *tx_id) {
  return s && connector >= 1 && connector <= s->connectors && has_tx(tx_id) &&
         strcmp(s->conn[connector].priority_tx, tx_id) == 0;
}

cp_priority_result cp_profiles_use_priority(cp_profiles *s, int connector, const char *tx_id,
                                            bool activate, bool *changed) {
  if (changed) *changed = false;
  if (!s || connector < 1 || connector > s->connectors || !has_tx(tx_id) || !tx_fits(tx_id))
    return CP_PRIORITY_REJECTED;
  bool on = cp_profiles_priority_active(s, connector, tx_id);
  if (activate && !cp_profiles_priority_available(s, connector)) return CP_PRIORITY_NO_PROFILE;
  if (on == activate) return CP_PRIORITY_ACCEPTED;
  copy_tx(s->conn[connector].priority_tx, activate ? tx_id : "");
  store_priority(s, connector);
  if (changed) *changed = true;
  return CP_PRIORITY_ACCEPTED;
}

void cp_profiles_transaction_ended(cp_profiles *s, int connector) {
  if (!s) return;
  remove_where(s, tx_of_connector, &connector);
  /* priority charging ends with the transaction (its profile stays) */
  if (connector >= 1 && connector <= s->connectors && has_tx(s->conn[connector].priority_tx)) {
    s->conn[connector].priority_tx[0] = '\0';
    store_priority(s, connector);
  }
  if (connector >= 0 && connector <= s->connectors) {
    s->conn[connector].tx_id[0] = '\0';
    s->conn[connector].tx_start = 0;
  }
}

/* ---------- 2.1 dynamic profiles (K28) ---------- */

static bool finite_limit(double v) { return isfinite(v) && v >= 0 && v <= 1e6; }

int cp_profiles_update_dynamic(cp_profiles *s, int64_t id, const cp_dynamic_update *u,
                               borne_ms now) {
  for (int i = 0; s && u && i < s->n; i++) {
    profile *old = &s->p[i];
    if (old->id != id) continue;
    if (old->kind != CP_KIND_DYNAMIC) return -1;
    if ((u->has_limit && !finite_limit(u->limit)) ||
        (u->has_limit_l2 && !finite_limit(u->limit_l2)) ||
        (u->has_limit_l3 && !finite_limit(u->limit_l3)))
      return -1;
    cp_charging_profile cp;
    cp_schedule_period *periods;
    if (profile_from_text(old->text, &cp, &periods) != 0) return -1;
    cp_schedule_period *pd = periods; /* the one period */
    if (u->has_limit) pd->limit = u->limit;
    if (u->has_limit_l2) pd->has_limit_l2 = true, pd->limit_l2 = u->limit_l2;
    if (u->has_limit_l3) pd->has_limit_l3 = true, pd->limit_l3 = u->limit_l3;
    cp.dyn_update_time = now; /* K28.FR.09 */
    copy_tx(cp.transaction_id, old->tx_id);
    profile np;
    int rc = -1;
    if (parse_profile(&cp, old->connector, old->received, NULL, &np) == 0) {
      copy_tx(np.tx_id, old->tx_id);
      if (db_exec(s, "UPDATE ocpp16_smart_profiles SET profile = ?5 WHERE id = ?1", np.id, 0, NULL,
                  0, np.text) == 0) {
        profile_clear(old);
        *old = np;
        rc = 0;
      } else {
        profile_clear(&np);
      }
    }
    free(periods);
    return rc;
  }
  return -1;
}

void cp_profiles_set_offline(cp_profiles *s, borne_ms since) {
  if (s) s->offline_since = since;
}

static bool offline_for_good(const profile *p, const void *ctx) {
  const cp_profiles *s = ((const void *const *)ctx)[0];
  borne_ms now = *(const borne_ms *)((const void *const *)ctx)[1];
  return p->invalid_after_offline && s->offline_since && p->max_offline != NEVER &&
         now >= s->offline_since + p->max_offline;
}

int cp_profiles_expire_offline(cp_profiles *s, borne_ms now) {
  if (!s || !s->offline_since) return 0;
  const void *ctx[2] = {s, &now};
  return remove_where(s, offline_for_good, ctx);
}

int cp_profiles_take_due_pull(cp_profiles *s, borne_ms now, int64_t *id) {
  for (int i = 0; s && i < s->n; i++) {
    profile *p = &s->p[i];
    if (p->kind != CP_KIND_DYNAMIC || !p->dyn_interval || p->next_pull > now) continue;
    *id = p->id;
    p->next_pull = now + p->dyn_interval; /* again after an interval without update */
    return 1;
  }
  return 0;
}

borne_ms cp_profiles_next_pull(const cp_profiles *s) {
  borne_ms next = NEVER;
  for (int i = 0; s && i < s->n; i++)
    if (s->p[i].kind == CP_KIND_DYNAMIC && s->p[i].dyn_interval && s->p[i].next_pull < next)
      next = s->p[i].next_pull;
  return next;
}

/* ---------- evaluation ---------- */

static borne_ms min_ms(borne_ms a, borne_ms b) { return a < b ? a : b; }

/* The period of `p` in force at `t` (NULL when none), and in *next the first
 * instant after t where that may change. rel_start: the transaction start
 * for Relative schedules, or FLOATING. */
static const cp_schedule_period *schedule_at(const profile *p, borne_ms t, borne_ms rel_start,
                                             borne_ms *next);

static const cp_schedule_period *period_in_force(const cp_profiles *s, const profile *p, borne_ms t,
                                                 borne_ms rel_start, borne_ms *next);

/* ... and maxOfflineDuration (2.1): not in force once offline that long, until
 * online again (cp_profiles_set_offline: the caller looks again then). */
static const cp_schedule_period *period_at(const cp_profiles *s, const profile *p, borne_ms t,
                                           borne_ms rel_start, borne_ms *next) {
  borne_ms end =
      p->max_offline != NEVER && s->offline_since ? s->offline_since + p->max_offline : NEVER;
  if (t >= end) {
    *next = NEVER;
    return NULL;
  }
  const cp_schedule_period *pd = period_in_force(s, p, t, rel_start, next);
  if (end < *next) *next = end;
  return pd;
}

static const cp_schedule_period *period_in_force(const cp_profiles *s, const profile *p, borne_ms t,
                                                 borne_ms rel_start, borne_ms *next) {
  *next = NEVER;
  if (t < p->valid_from) {
    *next = p->valid_from;
    return NULL;
  }
  if (t >= p->valid_to) return NULL;
  /* validFrom / validTo are instants; a useLocalTime schedule is followed
   * on the zone's wall clock, its next change brought back to UTC with the
   * offset in force then */
  if (p->kind == CP_KIND_DYNAMIC) { /* K28.FR.13: invalid `duration` after its last update */
    borne_ms end = p->duration_ms != NEVER ? p->dyn_time + p->duration_ms : NEVER;
    if (t >= end) return NULL; /* until an update (K28.FR.14) */
    *next = min_ms(end, p->valid_to);
    return &p->periods[0];
  }
  borne_ms shift = p->local ? zone_ms(s, t) : 0;
  borne_ms n;
  const cp_schedule_period *pd = schedule_at(p, t + shift, rel_start, &n);
  if (p->local && n != NEVER) {
    borne_ms guess = n - shift;
    n -= zone_ms(s, guess);
    if (n <= t) n = guess > t ? guess : t + 1; /* a wall time the clock skipped */
  }
  *next = min_ms(n, p->valid_to); /* the result changes at validTo at the latest */
  return pd;
}

/* The period of p's schedule at t (in the schedule's own time: UTC, or the
 * wall clock for useLocalTime), validity aside. */
static const cp_schedule_period *schedule_at(const profile *p, borne_ms t, borne_ms rel_start,
                                             borne_ms *next) {
  *next = NEVER;
  borne_ms start;
  borne_ms bound = NEVER;
  switch (p->kind) {
  case CP_KIND_RELATIVE:
    if (rel_start == FLOATING) { /* no transaction: the first period, for ever */
      *next = bound;
      return &p->periods[0];
    }
    start = rel_start;
    break;
  case CP_KIND_RECURRING:
    /* The recurrence begins at the schedule start and repeats every day or
     * week from it; nothing is in force before the first occurrence. */
    if (t < p->start) {
      *next = min_ms(p->start, bound);
      return NULL;
    }
    start = p->start + (t - p->start) / p->recurrence_ms * p->recurrence_ms;
    bound = min_ms(bound, start + p->recurrence_ms);
    break;
  default:
    start = p->start;
    break;
  }
  if (t < start) {
    *next = min_ms(start, bound);
    return NULL;
  }
  borne_ms off = t - start;
  if (p->duration_ms != NEVER && off >= p->duration_ms) { /* duration ends the schedule */
    *next = bound;
    return NULL;
  }
  if (p->duration_ms != NEVER) bound = min_ms(bound, start + p->duration_ms);
  if (off < p->periods[0].start_s * 1000) { /* randomizedDelay moved the first period */
    *next = min_ms(bound, start + p->periods[0].start_s * 1000);
    return NULL;
  }
  int i = p->nperiods - 1;
  while (i > 0 && p->periods[i].start_s * 1000 > off) i--;
  if (i + 1 < p->nperiods) bound = min_ms(bound, start + p->periods[i + 1].start_s * 1000);
  *next = bound;
  return &p->periods[i];
}

typedef struct {
  bool set;
  double amps; /* per phase */
  int phases;  /* phases the limit was stated for (W conversion) */
} limit;

/* A period's limit in A per phase on a point with `phases` phases: watts
 * are spread over the phases both the period and the point have. */
static limit to_amps(const profile *p, const cp_schedule_period *pd, int phases, double voltage) {
  int ph = pd->phases < phases ? pd->phases : phases;
  limit l = {.set = true, .amps = pd->limit, .phases = ph};
  if (pd->has_limit_l2 || pd->has_limit_l3) {
    /* 2.1: a limit per phase (W: each phase's own); the pilot gives the EV
     * one current, so the lowest of the phases it uses (L1 first) */
    double per[3] = {pd->limit, pd->has_limit_l2 ? pd->limit_l2 : pd->limit,
                     pd->has_limit_l3 ? pd->limit_l3 : pd->limit};
    l.amps = per[0];
    for (int i = 1; i < ph; i++)
      if (per[i] < l.amps) l.amps = per[i];
    if (p->watts) l.amps /= voltage;
    return l;
  }
  if (p->watts) l.amps = pd->limit / (ph * voltage);
  return l;
}

/* Does profile p take part in the limit of `connector` (with tx_id)? */
static bool applies(const profile *p, int connector, const char *tx_id) {
  switch (p->purpose) {
  case CP_PURPOSE_CHARGE_POINT_MAX:
    return true; /* the whole station */
  case CP_PURPOSE_TX_DEFAULT:
    return connector != 0 && (p->connector == 0 || p->connector == connector);
  case CP_PURPOSE_TX:
    return connector != 0 && p->connector == connector && has_tx(tx_id) &&
           (!has_tx(p->tx_id) || strcmp(p->tx_id, tx_id) == 0);
  case CP_PURPOSE_PRIORITY: /* its own connector's or 0's, once activated (below) */
    return connector != 0 && (p->connector == 0 || p->connector == connector);
  }
  return false;
}

/* 3.13 (stacking, combining purposes): per purpose, the highest stack level
 * whose schedule covers t wins (a connector's own TxDefaultProfile before
 * connector 0's at the same level); the limit is min(ChargePointMax,
 * PriorityCharging when activated for tx_id, else TxProfile, else
 * TxDefault). *next gets the first instant after t where any
 * candidate may change. */
static limit connector_limit(const cp_profiles *s, int connector, borne_ms t, const char *tx_id,
                             borne_ms rel_start, int phases, double voltage, borne_ms *next) {
  const profile *best[NPURPOSES] = {NULL, NULL, NULL, NULL};
  const cp_schedule_period *best_pd[NPURPOSES] = {NULL, NULL, NULL, NULL};
  borne_ms nx = NEVER;
  bool priority = cp_profiles_priority_active(s, connector, tx_id);
  for (int i = 0; i < s->n; i++) {
    const profile *p = &s->p[i];
    if (!applies(p, connector, tx_id)) continue;
    if (p->purpose == CP_PURPOSE_PRIORITY && !priority) continue;
    borne_ms pn;
    const cp_schedule_period *pd = period_at(s, p, t, rel_start, &pn);
    nx = min_ms(nx, pn);
    if (!pd) continue;
    const profile *b = best[p->purpose];
    if (!b || p->stack > b->stack || (p->stack == b->stack && p->connector > b->connector)) {
      best[p->purpose] = p;
      best_pd[p->purpose] = pd;
    }
  }
  if (next) *next = nx;
  limit out = {0};
  /* 2.1 priority charging: the PriorityCharging profile in force replaces
   * TxProfile and TxDefaultProfile for the transaction it was activated for */
  int own = best[CP_PURPOSE_PRIORITY] ? CP_PURPOSE_PRIORITY
            : best[CP_PURPOSE_TX]     ? CP_PURPOSE_TX
                                      : CP_PURPOSE_TX_DEFAULT;
  if (best[own]) out = to_amps(best[own], best_pd[own], phases, voltage);
  if (best[CP_PURPOSE_CHARGE_POINT_MAX]) {
    limit m = to_amps(best[CP_PURPOSE_CHARGE_POINT_MAX], best_pd[CP_PURPOSE_CHARGE_POINT_MAX],
                      phases, voltage);
    if (!out.set || m.amps < out.amps) out = m;
  }
  return out;
}

static int sane_phases(int phases) { return phases >= 1 && phases <= 3 ? phases : 3; }
static double sane_voltage(double v) { return v > 0 && isfinite(v) ? v : NOMINAL_V; }

double cp_profiles_limit_a(cp_profiles *s, int connector, borne_ms now, const char *tx_id,
                           borne_ms tx_start, int phases, double voltage) {
  if (!s || connector < 0 || connector > s->connectors) return -1;
  /* kept to CP_TX_ID_MAX + 1 characters: a longer id stays longer than any
   * bound one, so it still matches none */
  snprintf(s->conn[connector].tx_id, sizeof s->conn[connector].tx_id, "%s", tx_id ? tx_id : "");
  s->conn[connector].tx_start = tx_start;
  limit l = connector_limit(s, connector, now, tx_id, has_tx(tx_id) ? tx_start : FLOATING,
                            sane_phases(phases), sane_voltage(voltage), NULL);
  return l.set ? l.amps : -1;
}

borne_ms cp_profiles_next_change(cp_profiles *s, borne_ms now) {
  if (!s) return NEVER;
  borne_ms next = NEVER;
  for (int c = 0; c <= s->connectors; c++) {
    borne_ms n;
    const char *tx = s->conn[c].tx_id;
    connector_limit(s, c, now, tx, has_tx(tx) ? s->conn[c].tx_start : FLOATING, 3, NOMINAL_V, &n);
    next = min_ms(next, n);
  }
  return next;
}

/* ---------- composite schedule (5.7) ---------- */

static double round_down_01(double x) { return floor(x * 10 + 1e-6) / 10; }

void cp_composite_schedule_free(cp_composite_schedule *c) {
  if (!c) return;
  free(c->periods);
  memset(c, 0, sizeof *c);
}

static cp_profile_result composite(cp_profiles *s, int connector, int64_t duration_s,
                                   cp_rate_unit unit, borne_ms now, const char *tx_id,
                                   borne_ms tx_start, int phases, double voltage, double fill_amps,
                                   cp_composite_schedule *out) {
  memset(out, 0, sizeof *out);
  if (!s || connector < 0 || connector > s->connectors || duration_s <= 0 || duration_s > INT32_MAX)
    return CP_PROFILE_REJECTED;
  bool watts = unit == CP_UNIT_WATTS;
  phases = sane_phases(phases);
  voltage = sane_voltage(voltage);
  if (connector == 0) tx_id = NULL;
  /* The projection starts now: without a transaction, Relative schedules
   * are drawn as if one started now. */
  borne_ms rel = has_tx(tx_id) ? tx_start : now;
  borne_ms end = now + duration_s * 1000;

  /* Walk the change points; a gap with no profile ends the schedule, and a
   * window that starts in a gap starts the schedule at the first limit
   * (with fill_amps >= 0 a gap is that limit instead: the whole window). */
  cp_schedule_period *periods = NULL;
  size_t n = 0, cap = 0;
  borne_ms first = -1, last_end = -1;
  double last_value = -1;
  int last_phases = 0;
  for (borne_ms t = now; t < end;) {
    borne_ms next;
    limit l = connector_limit(s, connector, t, tx_id, rel, phases, voltage, &next);
    if (next <= t) next = t + 1; /* cannot happen; never loop for ever */
    if (!l.set && fill_amps >= 0) l = (limit){.set = true, .amps = fill_amps, .phases = phases};
    if (!l.set) {
      if (first >= 0) break;
      t = next;
      continue;
    }
    double value = round_down_01(watts ? l.amps * l.phases * voltage : l.amps);
    if (first < 0) first = t;
    if (value != last_value || l.phases != last_phases) {
      cp_schedule_period pd = {
          .start_s = (t - first) / 1000, .limit = value, .phases = l.phases != 3 ? l.phases : 0};
      /* Two changes within one second: the later one stands. */
      if (n && periods[n - 1].start_s == pd.start_s) {
        periods[n - 1] = pd;
      } else {
        if (n == cap) {
          size_t nc = cap ? 2 * cap : 8;
          cp_schedule_period *np = realloc(periods, nc * sizeof *np);
          if (!np) {
            free(periods);
            return CP_PROFILE_REJECTED;
          }
          periods = np;
          cap = nc;
        }
        periods[n++] = pd;
      }
      last_value = value;
      last_phases = l.phases;
    }
    last_end = next < end ? next : end;
    t = next;
  }
  if (first < 0) {
    free(periods);
    return CP_PROFILE_REJECTED;
  }
  out->connector = connector;
  out->start = first;
  out->duration_s = (last_end - first + 999) / 1000;
  out->unit = watts ? CP_UNIT_WATTS : CP_UNIT_AMPS;
  out->nperiods = n;
  out->periods = periods;
  return CP_PROFILE_ACCEPTED;
}

cp_profile_result cp_profiles_composite(cp_profiles *s, int connector, int64_t duration_s,
                                        cp_rate_unit unit, borne_ms now, const char *tx_id,
                                        borne_ms tx_start, int phases, double voltage,
                                        cp_composite_schedule *out) {
  return composite(s, connector, duration_s, unit, now, tx_id, tx_start, phases, voltage, -1, out);
}

cp_profile_result cp_profiles_composite_filled(cp_profiles *s, int connector, int64_t duration_s,
                                               cp_rate_unit unit, borne_ms now, const char *tx_id,
                                               borne_ms tx_start, int phases, double voltage,
                                               double fill_amps, cp_composite_schedule *out) {
  if (fill_amps < 0) fill_amps = 0;
  return composite(s, connector, duration_s, unit, now, tx_id, tx_start, phases, voltage, fill_amps,
                   out);
}
