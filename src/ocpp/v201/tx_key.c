/*
 * OCPP 2.0.1: the transactions whose signed values carried the public key
 * (tx_key.h).
 */
#include "ocpp/v201/tx_key.h"

#include <sqlite3.h>

static const char *const steps[] = {"CREATE TABLE ocpp201_tx_key(tx_id TEXT PRIMARY KEY)"};
#define STEPS ((int)(sizeof steps / sizeof steps[0]))

int v201_txkey_schema(store *db) {
  return store_module_migrate(db, "ocpp201_tx_key", steps, STEPS);
}

static bool ready(store *db) { return store_module_version(db, "ocpp201_tx_key") >= STEPS; }

/* One statement on the table with `tx_id`; the row count it found (SELECT)
 * or 0 done, -1 on error. */
static int run(store *db, const char *sql, const char *tx_id) {
  if (!tx_id || !tx_id[0] || !ready(db)) return -1;
  sqlite3_stmt *s = store_stmt(db, sql);
  if (!s) return -1;
  sqlite3_bind_text(s, 1, tx_id, -1, SQLITE_TRANSIENT);
  int rc = sqlite3_step(s);
  store_stmt_release(db, s);
  return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

bool v201_txkey_sent(store *db, const char *tx_id) {
  return run(db, "SELECT 1 FROM ocpp201_tx_key WHERE tx_id = ?", tx_id) == 1;
}

int v201_txkey_mark(store *db, const char *tx_id) {
  if (run(db, "INSERT OR IGNORE INTO ocpp201_tx_key(tx_id) VALUES(?)", tx_id) != 0) return -1;
  /* the bound: rows an Ended never removed (a transaction handed to 1.6) go
   * once V201_TXKEY_ROWS newer ones came */
  sqlite3_stmt *s = store_stmt(db, "DELETE FROM ocpp201_tx_key WHERE rowid <= "
                                   "(SELECT max(rowid) FROM ocpp201_tx_key) - ?");
  if (!s) return -1;
  sqlite3_bind_int(s, 1, V201_TXKEY_ROWS);
  int rc = sqlite3_step(s);
  store_stmt_release(db, s);
  return rc == SQLITE_DONE ? 0 : -1;
}

int v201_txkey_forget(store *db, const char *tx_id) {
  return run(db, "DELETE FROM ocpp201_tx_key WHERE tx_id = ?", tx_id) == 0 ? 0 : -1;
}
