/*
 * The charge-point model's tables and the few SQLite helpers its parts share
 * (journal, authorization, reservations, availability). Internal to
 * src/chargepoint: the rest of borne reaches the tables only through the
 * cp_* calls. The tables keep the names the OCPP 1.6 back end gave them
 * (ocpp16_*) and the store module name "ocpp16", so that a station that
 * upgrades keeps its queue, its cache, its local list and its reservations.
 */
#ifndef BORNE_CHARGEPOINT_CP_SQL_H
#define BORNE_CHARGEPOINT_CP_SQL_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

struct sqlite3;
struct sqlite3_stmt;

#define CP_NEVER INT64_MAX

/* Brings the tables to the latest version (every part's open calls it; the
 * second call finds nothing to do). -1 with `err` on failure. */
int cp_sql_migrate(store *db, char *err, size_t errlen);

/* The schema steps, for the migration test (count in *count). */
const char *const *cp_sql_schema(int *count);

/* The statement for `sql` (a constant text; prepared once and kept by the
 * store, see store_stmt) with the arguments described by `types` bound: i =
 * int64, s = text (NULL binds NULL). NULL on error, with the message in
 * `error`. Give it back with cp_sql_done (or cp_sql_run / cp_sql_scalar),
 * never sqlite3_finalize. */
struct sqlite3_stmt *cp_sql_prep(store *db, char *error, size_t errlen, const char *sql,
                                 const char *types, ...);
/* Gives a statement of cp_sql_prep back (reset, unbound); NULL: nothing. */
void cp_sql_done(store *db, struct sqlite3_stmt *s);
/* Runs a statement to completion and gives it back; 0 on success. */
int cp_sql_run(store *db, char *error, size_t errlen, struct sqlite3_stmt *s);
/* The first column of the first row as an integer (or `none`); gives it back. */
int64_t cp_sql_scalar(store *db, struct sqlite3_stmt *s, int64_t none);
/* Opens a transaction (a savepoint: inside a store batch, a part of it);
 * 0 on success. */
int cp_sql_begin(store *db);
/* Commits (releases) it when ok == 0, else undoes it; returns ok, or -1 when
 * the commit failed. */
int cp_sql_end(store *db, int ok);

#endif
