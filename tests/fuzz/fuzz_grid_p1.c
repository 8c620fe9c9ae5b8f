/*
 * Fuzz target for the P1 / DSMR parser (src/grid/p1.c): the first byte picks
 * the size of the reads and the off-peak tariff, the rest is the line's
 * bytes. A trailing "!CRC" is fixed up when the input asks for it (low bit of
 * the first byte), so the decoder behind the CRC check is reached too. The
 * parser must never crash or read out of bounds, and every telegram it
 * reports holds finite numbers and a NUL-terminated identification.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grid/p1.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(void *ctx, const p1_telegram *t) {
  (*(int *)ctx)++;
  for (int i = 0; i < 3; i++)
    if (!isfinite(t->g.current_a[i]) || !isfinite(t->g.power_w[i]) || !isfinite(t->voltage_v[i]))
      abort();
  if (!isfinite(t->g.power_total_w) || !isfinite(t->import_wh) || !isfinite(t->export_wh)) abort();
  if (strlen(t->ident) >= sizeof t->ident || strlen(t->g.tariff) >= sizeof t->g.tariff) abort();
  if (t->phases != 0 && t->phases != 1 && t->phases != 3) abort();
}

static p1_parser parser;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0 || size > 2 * P1_TELEGRAM_MAX) return 0;
  uint8_t *buf = malloc(size + 8);
  if (!buf) return 0;
  memcpy(buf, data + 1, size - 1);
  size_t n = size - 1;
  if ((data[0] & 1) && n > 0) {
    /* make the CRC right: everything from the first '/' through the end, then '!' */
    uint8_t *slash = memchr(buf, '/', n);
    if (slash) {
      buf[n++] = '!';
      char crc[8];
      snprintf(crc, sizeof crc, "%04X\r\n", p1_crc16(0, slash, (size_t)(buf + n - slash)));
      memcpy(buf + n, crc, 6);
      n += 6;
    }
  }
  p1_init(&parser, (data[0] >> 1) % 3);
  size_t chunk = (size_t)(data[0] >> 3) + 1;
  int seen = 0, reported = 0;
  for (size_t i = 0; i < n; i += chunk)
    reported += p1_feed(&parser, buf + i, n - i < chunk ? n - i : chunk, (borne_ms)i, check, &seen);
  if (seen != reported) abort();
  free(buf);
  return 0;
}
