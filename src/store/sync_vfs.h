/*
 * The store's VFS (issue 15): SQLite's default VFS with one thing more, a
 * WAL whose commit sync can be left out for one commit without changing
 * `PRAGMA synchronous` (which SQLite applies only when it compiles the
 * pragma: about 8 000 instructions each switch, two per log-only commit).
 *
 * A database opened with sync_vfs_name() stays at synchronous=FULL. While
 * sync_vfs_skip(db, true) is in force, the WAL's xSync returns at once
 * unless the WAL's header was written since its last sync: that is
 * synchronous=NORMAL exactly (NORMAL syncs a restarted WAL's header and
 * every checkpoint, never a commit), except that a WAL empty when opened
 * and not synced since gets its header synced with its first real sync
 * (sync_vfs.c). The caller turns it off again before
 * any checkpoint can run (the store's WAL hook does, before it checkpoints).
 * Files other than the WAL are the default VFS's own, untouched.
 */
#ifndef BORNE_STORE_SYNC_VFS_H
#define BORNE_STORE_SYNC_VFS_H

#include <stdbool.h>

#include <sqlite3.h>

/* The name to open a database with: the wrapper of SQLite's default VFS as it
 * is now (registered at the first call for that default, never made the
 * default itself); NULL when it cannot be registered (then open with the
 * default VFS, and sync_vfs_skip always says no). */
const char *sync_vfs_name(void);

/* Leave out (on) or make again (off) the commit sync of the WAL of `db`'s
 * main database. True when done: false when the database was not opened
 * through sync_vfs_name() or its WAL is not open (then switch
 * `PRAGMA synchronous` instead). */
bool sync_vfs_skip(sqlite3 *db, bool on);

#endif
