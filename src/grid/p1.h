/*
 * P1 port parser for Dutch and Belgian smart meters: DSMR 4.x and 5.0
 * telegrams ("P1 Companion Standard", Netbeheer Nederland, DSMR 4.2.2 and
 * 5.0.2, chapter 6 "Data readout"; Fluvius e-MUCS for Belgium uses the same
 * format). A telegram is
 *   /XXXZ Ident CR LF  CR LF  data lines (OBIS(value*unit) CR LF) ...  !CRC CR LF
 * and CRC is CRC16 (polynomial x^16+x^15+x^2+1, LSB first, i.e. 0xA001
 * reflected, initial value 0) over every byte from '/' through '!', written as
 * 4 upper-case hex digits (P1 CS chapter 6, "Representation of P1 telegram").
 *
 * Incremental and pure: bytes go in as they arrive, a telegram is decoded
 * only once its CRC matched (a bad-CRC telegram is ignored whole and
 * counted), and comes out through a callback. No I/O, no clock.
 */
#ifndef BORNE_GRID_P1_H
#define BORNE_GRID_P1_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/types.h"

/* Longest telegram accepted ('/' through '!'). A DSMR 5 telegram with a
 * full text message (0-0:96.13.0, 1024 characters of hex) and four M-Bus
 * devices stays well under it. */
#define P1_TELEGRAM_MAX 6144

typedef struct {
  grid_sample g;    /* at = now of the byte that ended the telegram */
  char ident[48];   /* the identification line without '/', "ISk5\2MT382-1000" */
  int version;      /* 1-3:0.2.8 (DSMR 4.x/5: 42, 50), 0 when absent */
  int phases;       /* 1 or 3: which of 31/51/71.7.0 the meter sends; 0 none */
  bool has_voltage; /* 32/52/72.7.0, V */
  double voltage_v[3];
  bool has_energy; /* 1-0:1.8.1 + 1.8.2 and 2.8.1 + 2.8.2, Wh */
  double import_wh, export_wh;
} p1_telegram;

typedef struct {
  uint64_t telegrams;  /* CRC matched, decoded */
  uint64_t crc_errors; /* CRC did not match (or was missing / malformed) */
  uint64_t dropped;    /* cut by a new '/', overlong, or undecodable */
} p1_stats;

typedef void (*p1_telegram_cb)(void *ctx, const p1_telegram *t);

typedef struct {
  int offpeak_tariff; /* tariff indicator that means off-peak: 1 (NL), 2 (BE); 0 unknown */
  p1_stats stats;
  int state; /* internal: waiting for '/', in the body, in the CRC */
  uint16_t crc;
  size_t len;
  char crc_text[5];
  size_t crc_len;
  char buf[P1_TELEGRAM_MAX];
} p1_parser;

void p1_init(p1_parser *p, int offpeak_tariff);

/* Feed bytes as read; calls cb for each telegram whose CRC matched. Returns
 * the number of telegrams decoded by these bytes. */
int p1_feed(p1_parser *p, const uint8_t *data, size_t n, borne_ms now, p1_telegram_cb cb,
            void *ctx);

/* CRC16 of the P1 telegram (CRC-16/ARC), continuing from crc (0 to start). */
uint16_t p1_crc16(uint16_t crc, const void *data, size_t n);

#endif
