/*
 * Fuzz target for the Modbus server's request decoder and register map
 * (src/modbus_server/regmap.c): the first byte picks whether the client may
 * write and how many connectors the station has, the rest is one request
 * PDU. The map must never crash or read out of bounds; its answer is a
 * well-formed PDU (the function echoed, or an exception with a code 1..4),
 * a write reaches the station only from a client allowed to write, and a
 * setpoint it applies is within 0..80 A.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "modbus_server/regmap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool allowed;

static void on_limit(void *ctx, int c, double a) {
  (void)ctx;
  if (!allowed || c < 1 || c > MBS_MAX_CONNECTORS || a > 80.0001) abort();
}
static void on_enable(void *ctx, int c, bool e) {
  (void)ctx, (void)e;
  if (!allowed || c < 1 || c > MBS_MAX_CONNECTORS) abort();
}
static int on_phases(void *ctx, int c, int p) {
  (void)ctx;
  if (!allowed || c < 1 || c > MBS_MAX_CONNECTORS || (p != 1 && p != 3)) abort();
  return -1;
}
static int on_charge_mode(void *ctx, int c, int mode) {
  (void)ctx;
  if (!allowed || c < 1 || c > MBS_MAX_CONNECTORS || mode < 0 || mode > 3) abort();
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  static mbs_snapshot snap;
  static mbs_state state;
  memset(&snap, 0, sizeof snap);
  snap.connectors = 1 + (data[0] >> 1) % MBS_MAX_CONNECTORS;
  for (int i = 0; i < snap.connectors; i++) snap.conn[i].phases = 3;
  mbs_state_init(&state, 6, 10);
  allowed = data[0] & 1;
  mbs_writer w = {NULL, on_limit, on_enable, on_phases, on_charge_mode};
  uint8_t resp[MBS_PDU_MAX];
  size_t n = mbs_handle(&snap, &state, &w, allowed, 1000, data + 1, size - 1, resp);
  if (n < 2 || n > MBS_PDU_MAX) abort();
  if (resp[0] & 0x80) {
    if (n != 2 || resp[1] < 1 || resp[1] > 4) abort();
  } else {
    if (resp[0] != data[1]) abort();
    if ((resp[0] == 3 || resp[0] == 4) && n != 2u + resp[1]) abort();
  }
  mbs_failsafe_check(&state, &w, snap.connectors, 100000);
  return 0;
}
