/*
 * Which connectors a user may use: table user_connectors (module "access",
 * its own migration steps), one row per allowed connector; a user without
 * rows may use every connector. Removing a user removes its rows.
 */
#include <sqlite3.h>
#include <stdio.h>

#include "store/store.h"

static const char *const steps[] = {
    "CREATE TABLE user_connectors("
    " user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    " connector INTEGER NOT NULL CHECK (connector BETWEEN 1 AND 32),"
    " PRIMARY KEY (user_id, connector))",
};

int store_access_open(store *s) {
  return store_module_migrate(s, "access", steps, (int)(sizeof steps / sizeof steps[0]));
}

int store_user_connectors_get(store *s, int64_t user_id, unsigned *allowed) {
  *allowed = 0;
  sqlite3_stmt *q;
  if (sqlite3_prepare_v2(store_sqlite(s),
                         "SELECT connector FROM user_connectors WHERE user_id = ?1", -1, &q,
                         NULL) != SQLITE_OK)
    return -1;
  sqlite3_bind_int64(q, 1, user_id);
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    int c = sqlite3_column_int(q, 0);
    if (c >= 1 && c <= 32) *allowed |= 1u << (c - 1);
  }
  sqlite3_finalize(q);
  return rc == SQLITE_DONE ? 0 : -1;
}

int store_user_connectors_set(store *s, int64_t user_id, unsigned allowed) {
  sqlite3 *db = store_sqlite(s);
  sqlite3_stmt *del = NULL, *add = NULL;
  /* a savepoint, not BEGIN: alone it is its own transaction, inside a
   * store batch (a site directory copy applied, src/site/dirsync.c) it joins it */
  if (sqlite3_exec(db, "SAVEPOINT access_set", NULL, NULL, NULL) != SQLITE_OK) return -1;
  int ok = sqlite3_prepare_v2(db, "DELETE FROM user_connectors WHERE user_id = ?1", -1, &del,
                              NULL) == SQLITE_OK &&
           sqlite3_prepare_v2(db, "INSERT INTO user_connectors(user_id, connector) VALUES(?1, ?2)",
                              -1, &add, NULL) == SQLITE_OK;
  if (ok) {
    sqlite3_bind_int64(del, 1, user_id);
    ok = sqlite3_step(del) == SQLITE_DONE;
  }
  for (int c = 1; ok && c <= 32; c++) {
    if (!((allowed >> (c - 1)) & 1u)) continue;
    sqlite3_reset(add);
    sqlite3_bind_int64(add, 1, user_id);
    sqlite3_bind_int(add, 2, c);
    ok = sqlite3_step(add) == SQLITE_DONE;
  }
  sqlite3_finalize(del);
  sqlite3_finalize(add);
  if (!ok || sqlite3_exec(db, "RELEASE access_set", NULL, NULL, NULL) != SQLITE_OK) {
    sqlite3_exec(db, "ROLLBACK TO access_set", NULL, NULL, NULL);
    sqlite3_exec(db, "RELEASE access_set", NULL, NULL, NULL);
    return -1;
  }
  return 0;
}
