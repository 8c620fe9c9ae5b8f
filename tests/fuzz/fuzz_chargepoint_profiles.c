/*
 * Fuzz target for the stored form of charging profiles (src/chargepoint/
 * profiles.c reads it back from the table ocpp16_smart_profiles when it
 * opens, and a database file may be hand-edited or written by an earlier
 * version): arbitrary text as a row's profile, on a connector and with a
 * transaction id (integer or text) chosen by the first byte, then the
 * limit, the composite schedule, the next change and a clear over what
 * loaded. A row must load or be skipped, never crash, hang or leak.
 */
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chargepoint/profiles.h"
#include "util/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define T0 (1767571200LL * 1000) /* 2026-01-05T00:00:00Z */

static store *db;
static char dir[64];

static void cleanup(void) {
  char path[128];
  store_close(db);
  const char *files[] = {"borne.db", "borne.db-wal", "borne.db-shm"};
  for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
    snprintf(path, sizeof path, "%s/%s", dir, files[i]);
    unlink(path);
  }
  rmdir(dir);
}

static void open_once(void) {
  if (db) return;
  log_set_level(LOG_ERROR);
  snprintf(dir, sizeof dir, "/tmp/borne-fuzz-cpprof-XXXXXX");
  if (!mkdtemp(dir)) abort();
  char path[128], err[200];
  snprintf(path, sizeof path, "%s/borne.db", dir);
  if (store_open(&db, path, err, sizeof err) != 0) abort();
  /* durability is not what is fuzzed here */
  sqlite3_exec(store_sqlite(db), "PRAGMA synchronous=OFF", NULL, NULL, NULL);
  atexit(cleanup);
  static const cp_profile_limits lim = {8, 24, 16, true};
  cp_profiles *s = cp_profiles_open(db, 2, &lim, err, sizeof err); /* creates the table */
  if (!s) abort();
  cp_profiles_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  open_once();
  uint8_t mode = data[0];
  int connector = mode & 3; /* 3 is out of range on purpose */
  sqlite3 *h = store_sqlite(db);
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(h, "INSERT INTO ocpp16_smart_profiles VALUES(1, ?1, ?2, ?3, ?4)", -1, &st,
                         NULL) != SQLITE_OK)
    abort();
  sqlite3_bind_int(st, 1, connector);
  if (mode & 4)
    sqlite3_bind_text(st, 2, "tx-7", -1, SQLITE_STATIC);
  else
    sqlite3_bind_int(st, 2, (mode & 8) ? 7 : 0);
  sqlite3_bind_int64(st, 3, T0);
  sqlite3_bind_text(st, 4, (const char *)data + 1, (int)(size - 1), SQLITE_STATIC);
  int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) abort();

  static const cp_profile_limits lim = {8, 24, 16, true};
  char err[200];
  cp_profiles *s = cp_profiles_open(db, 2, &lim, err, sizeof err);
  if (!s) abort();
  const char *tx = (mode & 4) ? "tx-7" : (mode & 8) ? "7" : NULL;
  for (int c = 0; c <= 2; c++) {
    cp_profiles_limit_a(s, c, T0 + 3600000, tx, T0, 1 + (mode >> 4 & 3), 230);
    cp_composite_schedule comp;
    if (cp_profiles_composite(s, c, 86400 * 7, (mode & 0x80) ? CP_UNIT_WATTS : CP_UNIT_AMPS, T0, tx,
                              T0, 3, 230, &comp) == CP_PROFILE_ACCEPTED &&
        comp.nperiods == 0)
      abort(); /* an accepted schedule has a period */
    cp_composite_schedule_free(&comp);
  }
  borne_ms t = T0;
  for (int k = 0; k < 64 && t != INT64_MAX; k++) t = cp_profiles_next_change(s, t);
  cp_profiles_bind_transaction(s, connector, "8");
  cp_profiles_clear(s, &(cp_profile_filter){0});
  cp_profiles_free(s);
  /* whatever did not load is still there */
  sqlite3_exec(h, "DELETE FROM ocpp16_smart_profiles", NULL, NULL, NULL);
  return 0;
}
