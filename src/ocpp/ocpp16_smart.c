/*
 * OCPP 1.6 Smart Charging: installed profiles, the one in force per purpose,
 * the resulting limit and the composite schedule. References are to the
 * OCPP 1.6 specification, edition 2 (3.13 Smart Charging; 5.5
 * ClearChargingProfile, 5.7 GetCompositeSchedule, 5.11 RemoteStartTransaction,
 * 5.16 SetChargingProfile; the ChargingProfile, ChargingSchedule and
 * ChargingSchedulePeriod types of chapter 7).
 *
 * Pure apart from the profile table: it never reads a clock, never blocks on
 * anything but the SQLite commit of a changed profile. It must not trust a
 * payload beyond what the JSON schema guarantees.
 */
#include "ocpp/ocpp16_smart.h"

#include <math.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ocpp/ocpp_schema.h"
#include "util/timefmt.h"

#define NEVER INT64_MAX
#define DAY_MS (86400LL * 1000)
#define WEEK_MS (7 * DAY_MS)
/* rel_start value meaning "no transaction": a Relative schedule then starts
 * at whatever instant it is looked at, so it always shows its first period. */
#define FLOATING INT64_MIN
/* Nominal voltage when the caller has none (IEC 60038: 230 V). */
#define NOMINAL_V 230.0

typedef enum { PURPOSE_MAX, PURPOSE_TXDEFAULT, PURPOSE_TX } purpose;
typedef enum { KIND_ABSOLUTE, KIND_RECURRING, KIND_RELATIVE } kind;

typedef struct {
  int64_t start_s; /* startPeriod: seconds from the schedule start */
  double limit;    /* in the schedule's unit */
  int phases;      /* numberPhases; absent means 3 (ChargingSchedulePeriod) */
} period;

typedef struct {
  int id;
  int connector;
  int stack;
  purpose purpose;
  kind kind;
  borne_ms recurrence_ms; /* Daily/Weekly for Recurring, else 0 */
  int tx_id;              /* TxProfile: bound transaction; 0 = the next one (remote start) */
  borne_ms valid_from;    /* INT64_MIN when absent */
  borne_ms valid_to;      /* NEVER when absent */
  borne_ms start;         /* startSchedule (Absolute: receipt time when absent) */
  borne_ms duration_ms;   /* NEVER when absent */
  bool watts;
  int nperiods;
  period *periods;
  char *text; /* the profile as JSON (encoded by the schema tables), for the table */
} profile;

struct ocpp16_smart {
  store *db;
  int connectors;
  ocpp16_smart_limits lim;
  profile *p;
  int n, cap;
  /* Last transaction seen by ocpp16_smart_limit_a per connector, so that
   * ocpp16_smart_next_change can place Relative boundaries. */
  int tx_id[BORNE_MAX_CONNECTORS + 1];
  borne_ms tx_start[BORNE_MAX_CONNECTORS + 1];
};

/* ---------- parsing ---------- */

/* The schema tables of a ChargingProfile: the profile is kept in the table
 * as its JSON text, encoded and decoded by them. */
static const ocpp_schema_node *profile_schema(void) {
  return ocpp_schema_member(ocpp16_SetChargingProfileRequest_schema, "csChargingProfiles");
}

/* An optional date-time member: 0 absent, 1 read into *out, -1 unreadable. */
static int get_time(bool has, const char *text, borne_ms *out) {
  if (!has) return 0;
  int64_t ms;
  if (!text || timefmt_parse(text, &ms) != 0) return -1;
  *out = ms;
  return 1;
}

static void profile_clear(profile *p) {
  free(p->periods);
  free(p->text);
  memset(p, 0, sizeof *p);
}

/* Fills `out` from a ChargingProfile; -1 when it breaks a rule the schema
 * cannot express. lim NULL: no installation limits (loading). */
static int parse_profile(const ocpp16_charging_profile *j, int connector, borne_ms received,
                         const ocpp16_smart_limits *lim, profile *out) {
  memset(out, 0, sizeof *out);
  if (!j) return -1;
  out->connector = connector;
  if (j->chargingProfileId < INT32_MIN || j->chargingProfileId > INT32_MAX) return -1;
  out->id = (int)j->chargingProfileId;
  if (j->stackLevel < 0 || j->stackLevel > INT32_MAX) return -1;
  if (lim && j->stackLevel > lim->max_stack_level) return -1; /* ChargeProfileMaxStackLevel (9.4) */
  out->stack = (int)j->stackLevel;

  switch (j->chargingProfilePurpose) {
  case ocpp16_SetChargingProfileRequest_csChargingProfiles_chargingProfilePurpose_ChargePointMaxProfile:
    out->purpose = PURPOSE_MAX;
    break;
  case ocpp16_SetChargingProfileRequest_csChargingProfiles_chargingProfilePurpose_TxDefaultProfile:
    out->purpose = PURPOSE_TXDEFAULT;
    break;
  case ocpp16_SetChargingProfileRequest_csChargingProfiles_chargingProfilePurpose_TxProfile:
    out->purpose = PURPOSE_TX;
    break;
  default:
    return -1;
  }
  /* 3.13 (charging profile purposes): ChargePointMaxProfile only on
   * connector 0; a TxProfile belongs to a transaction, so to a real connector. */
  if (out->purpose == PURPOSE_MAX && connector != 0) return -1;
  if (out->purpose == PURPOSE_TX && connector == 0) return -1;
  if (j->has_transactionId &&
      (out->purpose != PURPOSE_TX || j->transactionId < INT32_MIN || j->transactionId > INT32_MAX))
    return -1; /* ChargingProfile: transactionId only with TxProfile */
  out->tx_id = j->has_transactionId ? (int)j->transactionId : 0;

  switch (j->chargingProfileKind) {
  case ocpp16_SetChargingProfileRequest_csChargingProfiles_chargingProfileKind_Absolute:
    out->kind = KIND_ABSOLUTE;
    break;
  case ocpp16_SetChargingProfileRequest_csChargingProfiles_chargingProfileKind_Recurring:
    out->kind = KIND_RECURRING;
    break;
  case ocpp16_SetChargingProfileRequest_csChargingProfiles_chargingProfileKind_Relative:
    out->kind = KIND_RELATIVE;
    break;
  default:
    return -1;
  }
  if (out->kind == KIND_RECURRING) {
    if (!j->has_recurrencyKind) return -1;
    switch (j->recurrencyKind) {
    case ocpp16_SetChargingProfileRequest_csChargingProfiles_recurrencyKind_Daily:
      out->recurrence_ms = DAY_MS;
      break;
    case ocpp16_SetChargingProfileRequest_csChargingProfiles_recurrencyKind_Weekly:
      out->recurrence_ms = WEEK_MS;
      break;
    default:
      return -1;
    }
  }

  out->valid_from = INT64_MIN;
  out->valid_to = NEVER;
  if (get_time(j->has_validFrom, j->validFrom, &out->valid_from) < 0) return -1;
  if (get_time(j->has_validTo, j->validTo, &out->valid_to) < 0) return -1;
  if (out->valid_to <= out->valid_from) return -1;

  const ocpp16_SetChargingProfileRequest_csChargingProfiles_chargingSchedule *cs =
      &j->chargingSchedule;
  out->duration_ms = NEVER;
  if (cs->has_duration && (cs->duration <= 0 || cs->duration > INT32_MAX)) return -1;
  if (cs->has_duration) out->duration_ms = cs->duration * 1000;
  int r = get_time(cs->has_startSchedule, cs->startSchedule, &out->start);
  if (r < 0) return -1;
  /* ChargingSchedule: a Recurring schedule repeats from its startSchedule; an Absolute
   * one without it is taken to start when it was received; a Relative one
   * starts with the transaction, whatever startSchedule says. */
  if (r == 0 && out->kind == KIND_RECURRING) return -1;
  if (r == 0 && out->kind == KIND_ABSOLUTE) out->start = received;
  if (out->kind == KIND_RECURRING && out->duration_ms > out->recurrence_ms)
    out->duration_ms = out->recurrence_ms;

  out->watts =
      cs->chargingRateUnit ==
      ocpp16_SetChargingProfileRequest_csChargingProfiles_chargingSchedule_chargingRateUnit_W;
  if (!out->watts &&
      cs->chargingRateUnit !=
          ocpp16_SetChargingProfileRequest_csChargingProfiles_chargingSchedule_chargingRateUnit_A)
    return -1;
  if (lim && out->watts && !lim->allow_watts) return -1;

  size_t np = cs->chargingSchedulePeriod_count;
  if (np == 0 || np > 1024) return -1;
  if (lim && (int)np > lim->max_periods) return -1; /* ChargingScheduleMaxPeriods */
  out->periods = calloc(np, sizeof *out->periods);
  if (!out->periods) return -1;
  out->nperiods = (int)np;
  for (size_t i = 0; i < np; i++) {
    const ocpp16_SetChargingProfileRequest_csChargingProfiles_chargingSchedule_chargingSchedulePeriod
        *pj = &cs->chargingSchedulePeriod[i];
    period *pd = &out->periods[i];
    pd->start_s = pj->startPeriod;
    /* ChargingSchedulePeriod: startPeriod counts from the schedule start,
     * so the first is 0 and they follow in order. */
    if (i == 0 ? pd->start_s != 0 : pd->start_s <= out->periods[i - 1].start_s) goto bad;
    if (pd->start_s > INT32_MAX) goto bad;
    pd->limit = pj->limit;
    /* No 1.6 bound; 1e6 (A or W) is far above any AC point and keeps the
     * W/A conversions finite. */
    if (!isfinite(pd->limit) || pd->limit < 0 || pd->limit > 1e6) goto bad;
    int64_t ph = pj->has_numberPhases ? pj->numberPhases : 3;
    if (ph < 1 || ph > 3) goto bad;
    pd->phases = (int)ph;
  }
  json_t *text = ocpp_schema_encode(profile_schema(), j);
  out->text = text ? json_dumps(text, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
  json_decref(text);
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
};

static int db_exec(ocpp16_smart *s, const char *sql, int64_t a, int64_t b, int64_t c, int64_t d,
                   const char *text) {
  if (!s->db) return 0;
  sqlite3 *h = store_sqlite(s->db);
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK) return -1;
  int n = sqlite3_bind_parameter_count(st);
  int64_t args[4] = {a, b, c, d};
  for (int i = 1; i <= n && i <= 4; i++) sqlite3_bind_int64(st, i, args[i - 1]);
  if (text && n >= 5) sqlite3_bind_text(st, 5, text, -1, SQLITE_STATIC);
  int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? 0 : -1;
}

static int db_begin(ocpp16_smart *s) {
  return s->db ? sqlite3_exec(store_sqlite(s->db), "BEGIN IMMEDIATE", NULL, NULL, NULL) : 0;
}
static void db_end(ocpp16_smart *s, bool commit) {
  if (!s->db) return;
  if (commit && sqlite3_exec(store_sqlite(s->db), "COMMIT", NULL, NULL, NULL) == SQLITE_OK) return;
  sqlite3_exec(store_sqlite(s->db), "ROLLBACK", NULL, NULL, NULL);
}

static int push(ocpp16_smart *s, profile *p) {
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

static void drop(ocpp16_smart *s, int i) {
  profile_clear(&s->p[i]);
  s->p[i] = s->p[--s->n];
}

static int load(ocpp16_smart *s, char *err, size_t errlen) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(store_sqlite(s->db),
                         "SELECT connector, tx_id, received_ms, profile FROM "
                         "ocpp16_smart_profiles ORDER BY id",
                         -1, &st, NULL) != SQLITE_OK) {
    snprintf(err, errlen, "smart charging profiles: %s", sqlite3_errmsg(store_sqlite(s->db)));
    return -1;
  }
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    int connector = sqlite3_column_int(st, 0);
    const char *text = (const char *)sqlite3_column_text(st, 3);
    json_t *j = text ? json_loads(text, 0, NULL) : NULL;
    ocpp16_charging_profile cp;
    profile p;
    /* A row this code cannot read (hand-edited file) is skipped, never fatal:
     * the back end will send its profiles again. */
    if (j && connector >= 0 && connector <= s->connectors &&
        ocpp_schema_decode(profile_schema(), j, &cp, NULL) == 0) {
      if (parse_profile(&cp, connector, sqlite3_column_int64(st, 2), NULL, &p) == 0) {
        p.tx_id = sqlite3_column_int(st, 1);
        if (push(s, &p) != 0) profile_clear(&p);
      }
      ocpp_schema_free(profile_schema(), &cp);
    }
    json_decref(j);
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) {
    snprintf(err, errlen, "smart charging profiles: %s", sqlite3_errmsg(store_sqlite(s->db)));
    return -1;
  }
  return 0;
}

ocpp16_smart *ocpp16_smart_open(store *db, int connectors, const ocpp16_smart_limits *lim,
                                char *err, size_t errlen) {
  if (connectors < 0 || connectors > BORNE_MAX_CONNECTORS || !lim) {
    snprintf(err, errlen, "smart charging: %d connectors is out of range 0..%d", connectors,
             BORNE_MAX_CONNECTORS);
    return NULL;
  }
  ocpp16_smart *s = calloc(1, sizeof *s);
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
      ocpp16_smart_free(s);
      return NULL;
    }
  }
  return s;
}

void ocpp16_smart_free(ocpp16_smart *s) {
  if (!s) return;
  for (int i = 0; i < s->n; i++) profile_clear(&s->p[i]);
  free(s->p);
  free(s);
}

void ocpp16_smart_set_limits(ocpp16_smart *s, const ocpp16_smart_limits *lim) {
  if (s && lim) s->lim = *lim;
}

int ocpp16_smart_count(const ocpp16_smart *s) { return s ? s->n : 0; }

/* ---------- installing and removing ---------- */

static const char *set_profile(ocpp16_smart *s, int connector,
                               const ocpp16_charging_profile *profile_in, int active_tx_id,
                               bool from_remote_start, borne_ms now) {
  if (!s) return "NotSupported";
  if (connector < 0 || connector > s->connectors) return "Rejected";
  profile p;
  if (parse_profile(profile_in, connector, now, &s->lim, &p) != 0) return "Rejected";
  if (from_remote_start) {
    /* 5.11: RemoteStartTransaction's profile is a TxProfile without a
     * transactionId; it belongs to the transaction that this start makes. */
    if (p.purpose != PURPOSE_TX || p.tx_id != 0) goto rejected;
    p.tx_id = 0;
  } else if (p.purpose == PURPOSE_TX) {
    /* 5.16: no transaction on the connector, or another one than the
     * profile names: discard it and answer with an error status. */
    if (active_tx_id == 0 || (p.tx_id != 0 && p.tx_id != active_tx_id)) goto rejected;
    p.tx_id = active_tx_id;
  }

  /* 5.16: the same chargingProfileId, or the same stackLevel and purpose
   * (on the same connector), replaces the installed profile. */
  int kept = 0;
  for (int i = 0; i < s->n; i++) {
    const profile *q = &s->p[i];
    bool replaced = q->id == p.id ||
                    (q->stack == p.stack && q->purpose == p.purpose && q->connector == p.connector);
    if (!replaced) kept++;
  }
  if (kept >= s->lim.max_profiles) goto rejected; /* MaxChargingProfilesInstalled */

  if (db_begin(s) != 0) goto rejected;
  bool ok = true;
  for (int i = 0; i < s->n && ok; i++) {
    const profile *q = &s->p[i];
    if (q->id == p.id ||
        (q->stack == p.stack && q->purpose == p.purpose && q->connector == p.connector))
      ok = db_exec(s, "DELETE FROM ocpp16_smart_profiles WHERE id = ?1", q->id, 0, 0, 0, NULL) == 0;
  }
  ok = ok && db_exec(s,
                     "INSERT INTO ocpp16_smart_profiles(id, connector, tx_id, received_ms, "
                     "profile) VALUES(?1, ?2, ?3, ?4, ?5)",
                     p.id, p.connector, p.tx_id, now, p.text) == 0;
  db_end(s, ok);
  if (!ok) goto rejected;
  for (int i = s->n - 1; i >= 0; i--) {
    const profile *q = &s->p[i];
    if (q->id == p.id ||
        (q->stack == p.stack && q->purpose == p.purpose && q->connector == p.connector))
      drop(s, i);
  }
  if (push(s, &p) != 0) goto rejected;
  return "Accepted";
rejected:
  profile_clear(&p);
  return "Rejected";
}

const char *ocpp16_smart_set(ocpp16_smart *s, int connector, const ocpp16_charging_profile *cp_in,
                             int active_tx_id, borne_ms now) {
  return set_profile(s, connector, cp_in, active_tx_id, false, now);
}

const char *
ocpp16_smart_set_remote_start(ocpp16_smart *s, int connector,
                              const ocpp16_RemoteStartTransactionRequest_chargingProfile *cp_in,
                              borne_ms now) {
  if (!s) return "NotSupported";
  if (!cp_in) return "Rejected";
  /* The schema's ChargingProfile generated for another message: the same
   * members, carried over by its JSON form through the generated tables. */
  json_t *j = ocpp_schema_encode(
      ocpp_schema_member(ocpp16_RemoteStartTransactionRequest_schema, "chargingProfile"), cp_in);
  ocpp16_charging_profile cp;
  int rc = j ? ocpp_schema_decode(profile_schema(), j, &cp, NULL) : -1;
  json_decref(j);
  if (rc != 0) return "Rejected";
  const char *status = set_profile(s, connector, &cp, 0, true, now);
  ocpp_schema_free(profile_schema(), &cp);
  return status;
}

void ocpp16_smart_bind_transaction(ocpp16_smart *s, int connector, int tx_id) {
  if (!s) return;
  for (int i = 0; i < s->n; i++) {
    profile *p = &s->p[i];
    if (p->purpose == PURPOSE_TX && p->connector == connector && p->tx_id == 0) {
      p->tx_id = tx_id;
      db_exec(s, "UPDATE ocpp16_smart_profiles SET tx_id = ?2 WHERE id = ?1", p->id, tx_id, 0, 0,
              NULL);
    }
  }
}

/* Removes every profile for which `match` is true, table first; the number removed. */
static int remove_where(ocpp16_smart *s, bool (*match)(const profile *, const void *),
                        const void *ctx) {
  int removed = 0;
  if (db_begin(s) != 0) return 0;
  bool ok = true;
  for (int i = 0; i < s->n && ok; i++)
    if (match(&s->p[i], ctx))
      ok = db_exec(s, "DELETE FROM ocpp16_smart_profiles WHERE id = ?1", s->p[i].id, 0, 0, 0,
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

typedef struct {
  bool has_id, has_connector, has_purpose, has_stack;
  int64_t id, connector, stack;
  purpose purpose;
} clear_filter;

static bool clear_match(const profile *p, const void *ctx) {
  const clear_filter *f = ctx;
  /* 5.5: every criterion given must match (so an id with a wrong
   * connector clears nothing); none given clears all. */
  return (!f->has_id || p->id == f->id) && (!f->has_connector || p->connector == f->connector) &&
         (!f->has_purpose || p->purpose == f->purpose) && (!f->has_stack || p->stack == f->stack);
}

int ocpp16_smart_clear(ocpp16_smart *s, const ocpp16_ClearChargingProfileRequest *req) {
  if (!s || !req) return 0;
  clear_filter f = {.has_id = req->has_id,
                    .id = req->id,
                    .has_connector = req->has_connectorId,
                    .connector = req->connectorId,
                    .has_stack = req->has_stackLevel,
                    .stack = req->stackLevel,
                    .has_purpose = req->has_chargingProfilePurpose};
  if (f.has_purpose) {
    switch (req->chargingProfilePurpose) {
    case ocpp16_ClearChargingProfileRequest_chargingProfilePurpose_ChargePointMaxProfile:
      f.purpose = PURPOSE_MAX;
      break;
    case ocpp16_ClearChargingProfileRequest_chargingProfilePurpose_TxDefaultProfile:
      f.purpose = PURPOSE_TXDEFAULT;
      break;
    case ocpp16_ClearChargingProfileRequest_chargingProfilePurpose_TxProfile:
      f.purpose = PURPOSE_TX;
      break;
    default:
      return 0;
    }
  }
  return remove_where(s, clear_match, &f);
}

static bool tx_of_connector(const profile *p, const void *ctx) {
  return p->purpose == PURPOSE_TX && p->connector == *(const int *)ctx;
}

void ocpp16_smart_transaction_ended(ocpp16_smart *s, int connector) {
  if (!s) return;
  remove_where(s, tx_of_connector, &connector);
  if (connector >= 0 && connector <= BORNE_MAX_CONNECTORS) {
    s->tx_id[connector] = 0;
    s->tx_start[connector] = 0;
  }
}

/* ---------- evaluation ---------- */

static borne_ms min_ms(borne_ms a, borne_ms b) { return a < b ? a : b; }

/* The period of `p` in force at `t` (NULL when none), and in *next the first
 * instant after t where that may change. rel_start: the transaction start
 * for Relative schedules, or FLOATING. */
static const period *period_at(const profile *p, borne_ms t, borne_ms rel_start, borne_ms *next) {
  *next = NEVER;
  if (t < p->valid_from) {
    *next = p->valid_from;
    return NULL;
  }
  if (t >= p->valid_to) return NULL;
  borne_ms start;
  borne_ms bound = p->valid_to; /* the result changes at validTo at the latest */
  switch (p->kind) {
  case KIND_RELATIVE:
    if (rel_start == FLOATING) { /* no transaction: the first period, for ever */
      *next = bound;
      return &p->periods[0];
    }
    start = rel_start;
    break;
  case KIND_RECURRING:
    /* The recurrence begins at startSchedule and repeats every day or week
     * from it; nothing is in force before the first occurrence. */
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
static limit to_amps(const profile *p, const period *pd, int phases, double voltage) {
  int ph = pd->phases < phases ? pd->phases : phases;
  limit l = {.set = true, .amps = pd->limit, .phases = ph};
  if (p->watts) l.amps = pd->limit / (ph * voltage);
  return l;
}

/* Does profile p take part in the limit of `connector` (with tx_id)? */
static bool applies(const profile *p, int connector, int tx_id) {
  switch (p->purpose) {
  case PURPOSE_MAX:
    return true; /* the whole station */
  case PURPOSE_TXDEFAULT:
    return connector != 0 && (p->connector == 0 || p->connector == connector);
  case PURPOSE_TX:
    return connector != 0 && p->connector == connector && tx_id != 0 &&
           (p->tx_id == 0 || p->tx_id == tx_id);
  }
  return false;
}

/* 3.13 (stacking, combining purposes): per purpose, the highest stack level
 * whose schedule covers t wins
 * (a connector's own TxDefaultProfile before connector 0's at the same
 * level); the limit is min(ChargePointMax, TxProfile else TxDefault).
 * *next gets the first instant after t where any candidate may change. */
static limit connector_limit(const ocpp16_smart *s, int connector, borne_ms t, int tx_id,
                             borne_ms rel_start, int phases, double voltage, borne_ms *next) {
  const profile *best[3] = {NULL, NULL, NULL};
  const period *best_pd[3] = {NULL, NULL, NULL};
  borne_ms nx = NEVER;
  for (int i = 0; i < s->n; i++) {
    const profile *p = &s->p[i];
    if (!applies(p, connector, tx_id)) continue;
    borne_ms pn;
    const period *pd = period_at(p, t, rel_start, &pn);
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
  int own = best[PURPOSE_TX] ? PURPOSE_TX : PURPOSE_TXDEFAULT;
  if (best[own]) out = to_amps(best[own], best_pd[own], phases, voltage);
  if (best[PURPOSE_MAX]) {
    limit m = to_amps(best[PURPOSE_MAX], best_pd[PURPOSE_MAX], phases, voltage);
    if (!out.set || m.amps < out.amps) out = m;
  }
  return out;
}

static int sane_phases(int phases) { return phases >= 1 && phases <= 3 ? phases : 3; }
static double sane_voltage(double v) { return v > 0 && isfinite(v) ? v : NOMINAL_V; }

double ocpp16_smart_limit_a(ocpp16_smart *s, int connector, borne_ms now, int tx_id,
                            borne_ms tx_start, int phases, double voltage) {
  if (!s || connector < 0 || connector > s->connectors) return -1;
  s->tx_id[connector] = tx_id;
  s->tx_start[connector] = tx_start;
  limit l = connector_limit(s, connector, now, tx_id, tx_id ? tx_start : FLOATING,
                            sane_phases(phases), sane_voltage(voltage), NULL);
  return l.set ? l.amps : -1;
}

borne_ms ocpp16_smart_next_change(ocpp16_smart *s, borne_ms now) {
  if (!s) return NEVER;
  borne_ms next = NEVER;
  for (int c = 0; c <= s->connectors; c++) {
    borne_ms n;
    int tx = s->tx_id[c];
    connector_limit(s, c, now, tx, tx ? s->tx_start[c] : FLOATING, 3, NOMINAL_V, &n);
    next = min_ms(next, n);
  }
  return next;
}

/* ---------- composite schedule (5.7) ---------- */

static double round_down_01(double x) { return floor(x * 10 + 1e-6) / 10; }

json_t *ocpp16_smart_composite(ocpp16_smart *s, const ocpp16_GetCompositeScheduleRequest *req,
                               borne_ms now, int tx_id, borne_ms tx_start, int phases,
                               double voltage) {
  if (!s || !req || req->connectorId < 0 || req->connectorId > s->connectors ||
      req->duration <= 0 || req->duration > INT32_MAX)
    return json_pack("{s:s}", "status", "Rejected");
  int64_t connector = req->connectorId, duration = req->duration;
  bool watts = req->has_chargingRateUnit &&
               req->chargingRateUnit == ocpp16_GetCompositeScheduleRequest_chargingRateUnit_W;
  phases = sane_phases(phases);
  voltage = sane_voltage(voltage);
  int c = (int)connector;
  if (c == 0) tx_id = 0;
  /* The projection starts now: without a transaction, Relative schedules
   * are drawn as if one started now. */
  borne_ms rel = tx_id ? tx_start : now;
  borne_ms end = now + duration * 1000;

  /* Walk the change points; a gap with no profile ends the schedule (1.6 has
   * no way to say "no limit" inside a period list), and a window that starts
   * in a gap starts the schedule at the first limit. */
  json_t *periods = json_array();
  borne_ms first = -1, last_end = -1;
  double last_value = -1;
  int last_phases = 0;
  for (borne_ms t = now; t < end;) {
    borne_ms next;
    limit l = connector_limit(s, c, t, tx_id, rel, phases, voltage, &next);
    if (next <= t) next = t + 1; /* cannot happen; never loop for ever */
    if (!l.set) {
      if (first >= 0) break;
      t = next;
      continue;
    }
    double value = round_down_01(watts ? l.amps * l.phases * voltage : l.amps);
    if (first < 0) first = t;
    if (value != last_value || l.phases != last_phases) {
      json_t *pj =
          json_pack("{s:I,s:f}", "startPeriod", (json_int_t)((t - first) / 1000), "limit", value);
      if (l.phases != 3) json_object_set_new(pj, "numberPhases", json_integer(l.phases));
      /* Two changes within one second: the later one stands. */
      size_t k = json_array_size(periods);
      json_t *prev = k ? json_array_get(periods, k - 1) : NULL;
      if (prev && json_integer_value(json_object_get(prev, "startPeriod")) ==
                      json_integer_value(json_object_get(pj, "startPeriod")))
        json_array_set_new(periods, k - 1, pj);
      else
        json_array_append_new(periods, pj);
      last_value = value;
      last_phases = l.phases;
    }
    last_end = next < end ? next : end;
    t = next;
  }
  if (first < 0) {
    json_decref(periods);
    return json_pack("{s:s}", "status", "Rejected");
  }
  char start_text[40];
  timefmt_iso(first, start_text, sizeof start_text);
  json_t *sched =
      json_pack("{s:I,s:s,s:s,s:o}", "duration", (json_int_t)((last_end - first + 999) / 1000),
                "startSchedule", start_text, "chargingRateUnit", watts ? "W" : "A",
                "chargingSchedulePeriod", periods);
  return json_pack("{s:s,s:I,s:s,s:o}", "status", "Accepted", "connectorId", (json_int_t)connector,
                   "scheduleStart", start_text, "chargingSchedule", sched);
}
