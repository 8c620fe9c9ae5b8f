/*
 * Linky TIC (télé-information client) parser: the customer data output of
 * French electricity meters, in historic mode (1200 baud 7E1, every meter
 * before Linky and Linky's default) and standard mode (9600 baud 7E1, Linky
 * only), per Enedis-NOI-CPT_54E version 3 "Sorties de télé-information client
 * des appareils de comptage Linky utilisés en généralisation par Enedis".
 *
 * Incremental and pure: bytes go in as they arrive (any split), complete
 * frames come out through a callback; no I/O, no clock (the caller passes
 * `now`). Every information group carries a checksum; a group whose checksum
 * or shape is wrong is dropped and counted, never trusted, and the rest of
 * its frame is still used. Hostile input never makes it read or write out of
 * bounds.
 */
#ifndef BORNE_GRID_TIC_H
#define BORNE_GRID_TIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/types.h"

/* Which framing to accept. AUTO takes each group by its separator (SP:
 * historic, HT: standard); a fixed mode drops groups of the other one. */
typedef enum { TIC_MODE_AUTO, TIC_MODE_HISTORIC, TIC_MODE_STANDARD } tic_mode;

const char *tic_mode_name(tic_mode m); /* "auto", "historic", "standard" */
/* "auto" | "historic" | "standard" -> 0 and *m; else -1. */
int tic_mode_parse(const char *s, tic_mode *m);

/* Longest group accepted between LF and CR. The longest group of the
 * standard mode (PJOURF+1 / PPOINTE: 11 blocks of 8 characters and spaces)
 * fits with room to spare. */
#define TIC_GROUP_MAX 128

/* What one complete frame said. Fields a frame did not carry keep their
 * has_ flag false (see grid_sample for the sample's own flags). */
typedef struct {
  grid_sample g;     /* at = now of the byte that ended the frame */
  tic_mode mode;     /* the mode of the frame's groups (never AUTO) */
  int phases;        /* 1 or 3, as far as the parser has seen; 0 unknown */
  char meter_id[13]; /* ADCO (historic) / ADSC (standard): 12 digits, "" unknown */
  bool has_subscribed;
  double subscribed_a;   /* ISOUSC (historic), A */
  double subscribed_kva; /* PREF (standard), kVA; 0 when only ISOUSC is known */
  bool has_apparent;
  double apparent_va; /* PAPP (historic) / SINSTS (standard), VA, drawn */
  bool has_energy;
  double energy_wh; /* BASE+HCHC+HCHP+... (historic) / EAST (standard), Wh */
  int groups_ok;    /* valid groups in this frame */
  int groups_bad;   /* dropped groups in this frame */
} tic_frame;

/* Counters since tic_init (status and tests). */
typedef struct {
  uint64_t frames;         /* frames completed (STX .. ETX) */
  uint64_t frames_aborted; /* frames cut by EOT, a new STX or garbage overflow */
  uint64_t groups_ok;
  uint64_t groups_bad; /* bad checksum, bad shape, bad value or wrong mode */
} tic_stats;

typedef void (*tic_frame_cb)(void *ctx, const tic_frame *f);

typedef struct {
  tic_mode mode;
  tic_stats stats;
  /* where we are in the byte stream */
  bool in_frame;
  bool in_group;
  size_t glen;
  char group[TIC_GROUP_MAX];
  /* what the current frame has said so far */
  tic_frame cur;
  unsigned seen; /* TIC_SEEN_* bits of the current frame */
  double cur_a[3];
  double sinsts_ph[3];
  double sinsti;
  double energy_hist;
  char ltarf[17];
  int ntarf;
  int phases; /* learnt across frames: 3 once a phase 2/3 label was seen */
} tic_parser;

void tic_init(tic_parser *p, tic_mode mode);

/* Feed bytes as read from the line (the parity bit, if the line was read
 * 8N1, is stripped). Calls cb for each frame completed by these bytes, with
 * `now` as its time. Returns the number of frames completed. */
int tic_feed(tic_parser *p, const uint8_t *data, size_t n, borne_ms now, tic_frame_cb cb,
             void *ctx);

/* The checksum character of a group's checked span (both modes add the
 * ASCII codes, keep the low 6 bits and add 0x20: Enedis-NOI-CPT_54E v3,
 * "Calcul du checksum"). Exposed for tests and telegram writers. */
char tic_checksum(const char *span, size_t n);

#endif
