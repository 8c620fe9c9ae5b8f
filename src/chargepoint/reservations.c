/*
 * Reservations and availability on SQLite (see reservations.h): the tables
 * ocpp16_reservation and ocpp16_availability (cp_sql.c).
 */
#include "chargepoint/reservations.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>

#include "chargepoint/cp_sql.h"

struct cp_reservations {
  store *st; /* the statements are the store's (cp_sql_prep) */
  char error[256];
  /* cp_reservation_next_expiry's answer, read again after any write here
   * (issue 15: the OCPP modules ask at every rearm of their timer, several
   * times per status change). The back end's reservations (id > 0) are
   * written only through this file; local ones (src/reservation, id < 0)
   * do not count. */
  bool next_known;
  borne_ms next_expiry;
};

#define PREP(r, sql, ...) cp_sql_prep((r)->st, (r)->error, sizeof(r)->error, sql, __VA_ARGS__)
#define RUN(r, s) cp_sql_run((r)->st, (r)->error, sizeof(r)->error, s)

cp_reservations *cp_reservations_open(store *db, char *err, size_t errlen) {
  if (cp_sql_migrate(db, err, errlen) != 0) return NULL;
  cp_reservations *r = calloc(1, sizeof *r);
  if (!r) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  r->st = db;
  return r;
}

void cp_reservations_free(cp_reservations *r) { free(r); }

static void remove_id(cp_reservations *r, int id) {
  r->next_known = false;
  RUN(r, PREP(r, "DELETE FROM ocpp16_reservation WHERE id = ?", "i", (int64_t)id));
}

/* `several`: connector 0 holds several station-wide reservations (2.0.1),
 * else one (1.6's connector 0). */
static cp_reserve_result add(cp_reservations *r, int connector, unsigned among, int id,
                             const char *token, const char *group, borne_ms expiry, bool several) {
  if (!token) return CP_RESERVE_REJECTED;
  if (connector != 0 || !several) {
    int64_t other = cp_sql_scalar(r->st,
                                  PREP(r,
                                       "SELECT id FROM ocpp16_reservation WHERE connector = ?"
                                       " AND id <> ?",
                                       "ii", (int64_t)connector, (int64_t)id),
                                  0);
    if (other) return CP_RESERVE_OCCUPIED;
  }
  r->next_known = false;
  if (RUN(r,
          PREP(r,
               "INSERT OR REPLACE INTO ocpp16_reservation(id, connector, tag, parent,"
               " expiry_ms, among) VALUES(?, ?, ?, ?, ?, ?)",
               "iissii", (int64_t)id, (int64_t)connector, token, group && group[0] ? group : NULL,
               (int64_t)expiry, (int64_t)(connector == 0 ? among : 0u))) != 0)
    return CP_RESERVE_REJECTED;
  return CP_RESERVE_ACCEPTED;
}

cp_reserve_result cp_reservation_add(cp_reservations *r, int connector, int id, const char *token,
                                     const char *group, borne_ms expiry) {
  return add(r, connector, 0, id, token, group, expiry, false);
}

cp_reserve_result cp_reservation_add_among(cp_reservations *r, int connector, unsigned among,
                                           int id, const char *token, const char *group,
                                           borne_ms expiry) {
  return add(r, connector, among, id, token, group, expiry, true);
}

int cp_reservation_cancel(cp_reservations *r, int id) {
  int c = (int)cp_sql_scalar(
      r->st,
      PREP(r, "SELECT connector FROM ocpp16_reservation WHERE id = ? AND id > 0", "i", (int64_t)id),
      -1);
  if (c >= 0) remove_id(r, id);
  return c;
}

int cp_reservation_expired(cp_reservations *r, int connector, borne_ms now) {
  /* none due (the earliest expiry known, or read once): no query, so that
   * the tick of an idle swarm station does not open its closed database
   * (issue 18, the minute mark) */
  if (cp_reservation_next_expiry(r) > now) return 0;
  int id = (int)cp_sql_scalar(r->st,
                              PREP(r,
                                   "SELECT id FROM ocpp16_reservation WHERE connector = ?"
                                   " AND id > 0 AND expiry_ms <= ? ORDER BY id LIMIT 1",
                                   "ii", (int64_t)connector, (int64_t)now),
                              0);
  if (id) remove_id(r, id);
  return id;
}

borne_ms cp_reservation_next_expiry(cp_reservations *r) {
  if (r->next_known) return r->next_expiry;
  sqlite3_stmt *s = PREP(r, "SELECT min(expiry_ms) FROM ocpp16_reservation WHERE id > 0", NULL);
  if (!s) return CP_NEVER;
  int rc = sqlite3_step(s);
  borne_ms next = CP_NEVER;
  if (rc == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL)
    next = sqlite3_column_int64(s, 0);
  cp_sql_done(r->st, s);
  /* kept only when read outside a transaction: inside one (a session's
   * batch) the rows may still be rolled back; a failed read is not kept */
  if (rc == SQLITE_ROW && sqlite3_get_autocommit(store_sqlite(r->st))) {
    r->next_expiry = next;
    r->next_known = true;
  }
  return next;
}

int cp_reservation_use(cp_reservations *r, int connector, const char *token, const char *group) {
  int id = (int)cp_sql_scalar(
      r->st,
      PREP(r,
           "SELECT id FROM ocpp16_reservation WHERE id > 0 AND (connector = ?1 OR"
           " (connector = 0 AND (among = 0 OR (among >> (?1 - 1)) & 1)))"
           " AND (tag = ?2 COLLATE NOCASE OR (parent IS NOT NULL AND parent <> ''"
           " AND parent = ?3 COLLATE NOCASE)) ORDER BY connector DESC, id LIMIT 1",
           "iss", (int64_t)connector, token ? token : "", group ? group : ""),
      0);
  if (id) remove_id(r, id);
  return id;
}

int cp_reservation_connector(cp_reservations *r, int id) {
  return (int)cp_sql_scalar(
      r->st, PREP(r, "SELECT connector FROM ocpp16_reservation WHERE id = ?", "i", (int64_t)id),
      -1);
}

int cp_reservations_list(cp_reservations *r, cp_reservation *out, int max) {
  sqlite3_stmt *s = PREP(r,
                         "SELECT id, connector, tag, parent, expiry_ms, among FROM"
                         " ocpp16_reservation"
                         " WHERE id > 0 ORDER BY id",
                         NULL);
  int n = 0;
  while (s && n < max && sqlite3_step(s) == SQLITE_ROW) {
    cp_reservation *x = &out[n++];
    x->id = sqlite3_column_int(s, 0);
    x->connector = sqlite3_column_int(s, 1);
    snprintf(x->token, sizeof x->token, "%s", (const char *)sqlite3_column_text(s, 2));
    const unsigned char *g = sqlite3_column_text(s, 3);
    snprintf(x->group, sizeof x->group, "%s", g ? (const char *)g : "");
    x->expiry = sqlite3_column_int64(s, 4);
    x->among = (unsigned)sqlite3_column_int64(s, 5);
  }
  cp_sql_done(r->st, s);
  return n;
}

void cp_availability_save(cp_reservations *r, int connector, bool operative) {
  RUN(r, PREP(r, "INSERT OR REPLACE INTO ocpp16_availability(connector, operative) VALUES(?, ?)",
              "ii", (int64_t)connector, (int64_t)operative));
}

bool cp_availability(cp_reservations *r, int connector) {
  return cp_sql_scalar(r->st,
                       PREP(r, "SELECT operative FROM ocpp16_availability WHERE connector = ?", "i",
                            (int64_t)connector),
                       1) != 0;
}
