/*
 * The record of a run kept on disk for the next start's BootNotification
 * reason (core/boot_reason.h): the start of a run marks it running under the
 * OS boot id of now, a restarter records its reason, the clean stop clears
 * the mark. The station's own I/O around the pure decision.
 */
#ifndef BORNE_STATION_BOOT_STATE_H
#define BORNE_STATION_BOOT_STATE_H

#include "station/station.h"
#include "core/boot_reason.h"

/* The store is open: decide st->start_reason from the record the run before
 * left (read once, then replaced by this run's: running, this boot, no
 * reason). */
void station_boot_begin(station *st);
/* Record why the station is about to restart (a synced commit). */
void station_boot_record(station *st, boot_reason why);
/* The clean stop: the last write before the store closes. */
void station_boot_end(station *st);

#endif
