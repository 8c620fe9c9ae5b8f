/*
 * The table boot_state (module "boot") behind station/boot_state.h, and
 * the OS facts the decision needs: the kernel's boot id and the watchdog
 * device's boot status.
 */
#include "station/boot_state.h"

#include <linux/watchdog.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"

#define MOD "station"
#define BOOT_ID_PATH "/proc/sys/kernel/random/boot_id"
#define WATCHDOG_STATUS_PATH "/sys/class/watchdog/watchdog0/bootstatus"

static const char *const steps[] = {
    /* 1: one row; reason NULL until a restarter records one */
    "CREATE TABLE boot_state(id INTEGER PRIMARY KEY CHECK (id = 1), boot_id TEXT NOT NULL, "
    "running INTEGER NOT NULL, reason TEXT);",
};

/* The kernel's id of this OS boot (a new one at every boot); "" unknown. */
static void read_boot_id(char *out, size_t n) {
  out[0] = '\0';
  FILE *f = fopen(BOOT_ID_PATH, "r");
  if (!f) return;
  if (!fgets(out, (int)n, f)) out[0] = '\0';
  fclose(f);
  out[strcspn(out, "\n")] = '\0';
}

/* The watchdog device says the last reboot was its own (WDIOF_CARDRESET). */
static bool watchdog_rebooted(void) {
  FILE *f = fopen(WATCHDOG_STATUS_PATH, "r");
  if (!f) return false;
  unsigned long v = 0;
  bool yes = fscanf(f, "%lu", &v) == 1 && (v & WDIOF_CARDRESET);
  fclose(f);
  return yes;
}

static void write_failed(station *st, const char *what) {
  log_warn(MOD, "cannot record %s: %s", what, sqlite3_errmsg(store_sqlite(st->db)));
}

void station_boot_begin(station *st) {
  st->start_reason = BOOT_REASON_UNKNOWN;
  if (store_module_migrate(st->db, "boot", steps, (int)(sizeof steps / sizeof steps[0])) != 0) {
    log_warn(MOD, "boot state: %s", store_last_error(st->db));
    return;
  }
  char boot[64], was[64] = "", reason[32] = "";
  read_boot_id(boot, sizeof boot);
  boot_facts f = {.boot = boot, .run_boot = was, .watchdog_rebooted = watchdog_rebooted()};
  sqlite3_stmt *q = store_stmt(st->db, "SELECT boot_id, running, reason FROM boot_state");
  if (q && sqlite3_step(q) == SQLITE_ROW) {
    f.had_run = true;
    snprintf(was, sizeof was, "%s", (const char *)sqlite3_column_text(q, 0));
    f.running = sqlite3_column_int(q, 1) != 0;
    const unsigned char *r = sqlite3_column_text(q, 2);
    if (r) snprintf(reason, sizeof reason, "%s", (const char *)r);
    f.recorded = boot_reason_parse(r ? reason : NULL);
  }
  store_stmt_release(st->db, q);
  st->start_reason = boot_reason_decide(&f);
  log_info(MOD, "started: %s", boot_reason_name(st->start_reason));
  /* Unsynced: a power cut that loses it also brings a new boot id, which
   * says PowerUp whatever the row; kill -9 keeps it. */
  store_unsynced_begin(st->db);
  sqlite3_stmt *w = store_stmt(
      st->db,
      "INSERT OR REPLACE INTO boot_state(id, boot_id, running, reason) VALUES(1, ?, 1, NULL)");
  if (w) sqlite3_bind_text(w, 1, boot, -1, SQLITE_STATIC);
  if (!w || sqlite3_step(w) != SQLITE_DONE)
    write_failed(st, "the start");
  else
    st->boot_marked = true;
  store_stmt_release(st->db, w);
  store_unsynced_end(st->db);
}

static void update(station *st, const char *sql, const char *reason, const char *what) {
  sqlite3_stmt *w = store_stmt(st->db, sql);
  if (w && reason) sqlite3_bind_text(w, 1, reason, -1, SQLITE_STATIC);
  if (!w || sqlite3_step(w) != SQLITE_DONE) write_failed(st, what);
  store_stmt_release(st->db, w);
}

void station_boot_record(station *st, boot_reason why) {
  if (!st->boot_marked || why == BOOT_REASON_NONE) return;
  update(st, "UPDATE boot_state SET reason = ? WHERE id = 1", boot_reason_name(why),
         "the restart's reason");
}

void station_boot_end(station *st) {
  if (!st->boot_marked) return;
  st->boot_marked = false;
  /* unsynced as the mark: only a power cut loses it, and that brings a new
   * boot id (a swarm closing its stations makes no sync each) */
  store_unsynced_begin(st->db);
  update(st, "UPDATE boot_state SET running = 0 WHERE id = 1", NULL, "the clean stop");
  store_unsynced_end(st->db);
}
