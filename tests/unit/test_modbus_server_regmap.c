/*
 * The Modbus server's register map (src/modbus_server/regmap.c): every
 * register of docs/modbus-server.md read back from a known snapshot, the
 * writes (setpoint, enable, fail-safe, phase request) reaching the station
 * through the callbacks, the exceptions (illegal function, address, value,
 * a write from a client not allowed), and the fail-safe of a setpoint not
 * renewed, on a virtual clock.
 */
/* cmocka.h needs these first */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
// clang-format on

#include "modbus_server/regmap.h"

typedef struct {
  int limit_calls;
  int limit_c;
  double limit_a;
  int enable_calls;
  int enable_c;
  bool enabled;
  int phase_calls;
  int phase_rc;
  int phase_c, phase_p;
  int mode_calls, mode_c, mode, mode_rc;
} rec;

static void r_limit(void *ctx, int c, double a) {
  rec *r = ctx;
  r->limit_calls++, r->limit_c = c, r->limit_a = a;
}
static void r_enable(void *ctx, int c, bool e) {
  rec *r = ctx;
  r->enable_calls++, r->enable_c = c, r->enabled = e;
}
static int r_phases(void *ctx, int c, int p) {
  rec *r = ctx;
  r->phase_calls++, r->phase_c = c, r->phase_p = p;
  return r->phase_rc;
}

static int r_mode(void *ctx, int c, int m) {
  rec *r = ctx;
  r->mode_calls++, r->mode_c = c, r->mode = m;
  return r->mode_rc;
}

static mbs_snapshot snap;
static mbs_state state;
static rec R;
static mbs_writer W;

static int setup(void **s) {
  (void)s;
  memset(&snap, 0, sizeof snap);
  snap.connectors = 2;
  snprintf(snap.firmware, sizeof snap.firmware, "0.1.0");
  snprintf(snap.identity, sizeof snap.identity, "borne-test-7");
  snap.http_port = 8443;
  snap.https = true;
  snap.dir_version = 0x00012345;
  for (int i = 0; i < MBS_DIR_DIGEST_BYTES; i++) snap.dir_digest[i] = (uint8_t)(0xA0 + i);
  mbs_connector_snap *c = &snap.conn[1];
  c->status = STATUS_CHARGING;
  c->cp = CP_C;
  c->offered_a = 16;
  c->limited_by = 3;
  c->current_a[0] = 15.9, c->current_a[1] = 15.8, c->current_a[2] = 0.04;
  c->voltage_v[0] = 230.1, c->voltage_v[1] = 229.9, c->voltage_v[2] = 231;
  c->power_w = 7300;
  c->session_wh = 1234.4;
  c->lifetime_wh = 98765432;
  c->error = 0;
  c->session_id = 0x1234567890LL;
  snprintf(c->id_tag, sizeof c->id_tag, "ABCDEF01");
  c->phases = 3;
  c->rotation = 231;
  c->enabled = true;
  snap.conn[0].phases = 1;
  snap.conn[0].error = ERR_OVERCURRENT;
  snap.conn[0].status = STATUS_FAULTED;
  mbs_state_init(&state, 6, 60);
  memset(&R, 0, sizeof R);
  R.phase_rc = -1;
  W = (mbs_writer){&R, r_limit, r_enable, r_phases, r_mode};
  return 0;
}

/* Reads qty registers at addr with function fc; returns the response length. */
static size_t rd(uint8_t fc, unsigned addr, unsigned qty, uint8_t *resp) {
  uint8_t req[5] = {fc, (uint8_t)(addr >> 8), (uint8_t)addr, (uint8_t)(qty >> 8), (uint8_t)qty};
  return mbs_handle(&snap, &state, &W, false, 0, req, sizeof req, resp);
}

static uint16_t reg(unsigned addr) {
  uint8_t resp[MBS_PDU_MAX];
  size_t n = rd(3, addr, 1, resp);
  assert_int_equal(n, 4);
  assert_int_equal(resp[0], 3);
  assert_int_equal(resp[1], 2);
  return (uint16_t)(resp[2] << 8 | resp[3]);
}

static size_t wr(bool allowed, borne_ms now, unsigned addr, uint16_t v, uint8_t *resp) {
  uint8_t req[5] = {6, (uint8_t)(addr >> 8), (uint8_t)addr, (uint8_t)(v >> 8), (uint8_t)v};
  return mbs_handle(&snap, &state, &W, allowed, now, req, sizeof req, resp);
}

static void expect_exception(const uint8_t *resp, size_t n, uint8_t fc, int code) {
  assert_int_equal(n, 2);
  assert_int_equal(resp[0], fc | 0x80);
  assert_int_equal(resp[1], code);
}

static void str_regs(unsigned addr, int count, char *out) {
  for (int i = 0; i < count; i++) {
    uint16_t v = reg(addr + (unsigned)i);
    out[2 * i] = (char)(v >> 8), out[2 * i + 1] = (char)(v & 0xFF);
  }
  out[2 * count] = 0;
}

static void test_station_block(void **s) {
  (void)s;
  char buf[64];
  assert_int_equal(reg(0), MBS_MAP_VERSION);
  assert_int_equal(reg(1), 2);
  assert_int_equal(reg(2), 0);
  assert_int_equal(reg(3), 60); /* 6.0 A */
  assert_int_equal(reg(4), 60); /* 60 s */
  assert_int_equal(reg(5), 0);  /* this read came without the right to write */
  str_regs(10, 8, buf);
  assert_string_equal(buf, "0.1.0");
  str_regs(18, 24, buf);
  assert_string_equal(buf, "borne-test-7");
  /* map version 2: where the API is, which directory copy is held */
  assert_int_equal(reg(6), 8443);
  assert_int_equal(reg(7), 1);
  assert_int_equal(reg(8), 0x0001);
  assert_int_equal(reg(9), 0x2345);
  assert_int_equal(reg(42), 0xA0A1);
  assert_int_equal(reg(49), 0xAEAF);
}

static void test_connector_block(void **s) {
  (void)s;
  char buf[32];
  const unsigned b = 200; /* connector 2 */
  assert_int_equal(reg(b + 0), STATUS_CHARGING);
  assert_int_equal(reg(b + 1), CP_C);
  assert_int_equal(reg(b + 2), 160);
  assert_int_equal(reg(b + 3), 3);
  assert_int_equal(reg(b + 4), 159);
  assert_int_equal(reg(b + 5), 158);
  assert_int_equal(reg(b + 6), 0); /* 0.04 A rounds to 0.0 */
  assert_int_equal(reg(b + 7), 2301);
  assert_int_equal(reg(b + 8), 2299);
  assert_int_equal(reg(b + 9), 2310);
  assert_int_equal(reg(b + 10), 0);
  assert_int_equal(reg(b + 11), 7300);
  assert_int_equal(reg(b + 12), 0);
  assert_int_equal(reg(b + 13), 1234);
  assert_int_equal((uint32_t)reg(b + 14) << 16 | reg(b + 15), 98765432);
  assert_int_equal(reg(b + 16), 0);
  assert_int_equal(reg(b + 17), 0);
  assert_int_equal(reg(b + 18), 0x12);
  assert_int_equal(reg(b + 19), 0x3456);
  assert_int_equal(reg(b + 20), 0x7890);
  str_regs(b + 21, 10, buf);
  assert_string_equal(buf, "ABCDEF01");
  assert_int_equal(reg(b + 31), 3);
  assert_int_equal(reg(b + 32), 231); /* L2L3L1 */
  assert_int_equal(reg(b + 40), MBS_NO_SETPOINT);
  assert_int_equal(reg(b + 41), 1);
  assert_int_equal(reg(b + 42), 3);
  assert_int_equal(reg(b + 43), MBS_NO_SETPOINT);
  assert_int_equal(reg(b + 44), 0);
  /* connector 1 */
  assert_int_equal(reg(100), STATUS_FAULTED);
  assert_int_equal(reg(116), ERR_OVERCURRENT);
  assert_int_equal(reg(131), 1);
  snap.conn[0].limited_by = -1; /* none */
  assert_int_equal(reg(103), 0xFFFF);
  assert_int_equal(reg(141), 0);
  /* negative power: signed 32-bit */
  snap.conn[1].power_w = -5;
  assert_int_equal(reg(b + 10), 0xFFFF);
  assert_int_equal(reg(b + 11), 0xFFFB);
}

static void test_read_many_and_input_registers(void **s) {
  (void)s;
  uint8_t resp[MBS_PDU_MAX];
  size_t n = rd(4, 200, 50, resp);
  assert_int_equal(n, 102);
  assert_int_equal(resp[0], 4);
  assert_int_equal(resp[1], 100);
  assert_int_equal(resp[2 + 2 * 2] << 8 | resp[3 + 2 * 2], 160);
  n = rd(3, 0, 50, resp);
  assert_int_equal(n, 102);
}

static void test_read_exceptions(void **s) {
  (void)s;
  uint8_t resp[MBS_PDU_MAX];
  expect_exception(resp, rd(3, 50, 1, resp), 3, MBS_EX_ILLEGAL_ADDRESS);  /* station gap */
  expect_exception(resp, rd(3, 0, 51, resp), 3, MBS_EX_ILLEGAL_ADDRESS);  /* runs into it */
  expect_exception(resp, rd(3, 300, 1, resp), 3, MBS_EX_ILLEGAL_ADDRESS); /* no connector 3 */
  expect_exception(resp, rd(3, 150, 1, resp), 3, MBS_EX_ILLEGAL_ADDRESS);
  expect_exception(resp, rd(3, 65535, 2, resp), 3, MBS_EX_ILLEGAL_ADDRESS);
  expect_exception(resp, rd(3, 0, 0, resp), 3, MBS_EX_ILLEGAL_VALUE);
  expect_exception(resp, rd(3, 0, 126, resp), 3, MBS_EX_ILLEGAL_VALUE);
  uint8_t short_req[3] = {3, 0, 0};
  expect_exception(resp, mbs_handle(&snap, &state, &W, true, 0, short_req, 3, resp), 3,
                   MBS_EX_ILLEGAL_VALUE);
  uint8_t coils[5] = {1, 0, 0, 0, 1};
  expect_exception(resp, mbs_handle(&snap, &state, &W, true, 0, coils, 5, resp), 1,
                   MBS_EX_ILLEGAL_FUNCTION);
  expect_exception(resp, mbs_handle(&snap, &state, &W, true, 0, coils, 0, resp), 0,
                   MBS_EX_ILLEGAL_FUNCTION);
}

static void test_setpoint_write(void **s) {
  (void)s;
  uint8_t resp[MBS_PDU_MAX];
  size_t n = wr(true, 1000, 240, 100, resp);
  assert_int_equal(n, 5);
  assert_memory_equal(resp, ((uint8_t[]){6, 0, 240, 0, 100}), 5);
  assert_int_equal(R.limit_calls, 1);
  assert_int_equal(R.limit_c, 2);
  assert_true(R.limit_a > 9.99 && R.limit_a < 10.01);
  assert_int_equal(reg(240), 100);
  assert_int_equal(reg(243), 100);
  /* 0xFFFF clears the slot */
  assert_int_equal(wr(true, 1000, 240, MBS_NO_SETPOINT, resp), 5);
  assert_int_equal(R.limit_calls, 2);
  assert_true(R.limit_a < 0);
  assert_int_equal(reg(240), MBS_NO_SETPOINT);
}

static void test_write_exceptions(void **s) {
  (void)s;
  uint8_t resp[MBS_PDU_MAX];
  expect_exception(resp, wr(true, 0, 240, 801, resp), 6, MBS_EX_ILLEGAL_VALUE);
  expect_exception(resp, wr(true, 0, 241, 2, resp), 6, MBS_EX_ILLEGAL_VALUE);
  expect_exception(resp, wr(true, 0, 242, 2, resp), 6, MBS_EX_ILLEGAL_VALUE);
  expect_exception(resp, wr(true, 0, 3, 801, resp), 6, MBS_EX_ILLEGAL_VALUE);
  expect_exception(resp, wr(true, 0, 4, 3601, resp), 6, MBS_EX_ILLEGAL_VALUE);
  expect_exception(resp, wr(true, 0, 202, 100, resp), 6, MBS_EX_ILLEGAL_ADDRESS); /* read-only */
  expect_exception(resp, wr(true, 0, 0, 2, resp), 6, MBS_EX_ILLEGAL_ADDRESS);
  expect_exception(resp, wr(true, 0, 340, 100, resp), 6, MBS_EX_ILLEGAL_ADDRESS);
  assert_int_equal(R.limit_calls, 0);
  /* a client that may not write: refused, nothing reaches the station */
  expect_exception(resp, wr(false, 0, 240, 100, resp), 6, MBS_EX_ILLEGAL_FUNCTION);
  expect_exception(resp, wr(false, 0, 241, 0, resp), 6, MBS_EX_ILLEGAL_FUNCTION);
  assert_int_equal(R.limit_calls, 0);
  assert_int_equal(R.enable_calls, 0);
  assert_int_equal(reg(240), MBS_NO_SETPOINT);
}

static void test_enable_and_phases(void **s) {
  (void)s;
  uint8_t resp[MBS_PDU_MAX];
  assert_int_equal(wr(true, 0, 241, 0, resp), 5);
  assert_int_equal(R.enable_calls, 1);
  assert_int_equal(R.enable_c, 2);
  assert_false(R.enabled);
  assert_int_equal(wr(true, 0, 141, 1, resp), 5);
  assert_int_equal(R.enable_c, 1);
  assert_true(R.enabled);
  /* no phase contactor (-1): the phases installed are accepted (nothing to
   * do), the other count is refused with ILLEGAL FUNCTION */
  assert_int_equal(reg(242), 3);
  assert_int_equal(wr(true, 0, 242, 3, resp), 5);
  assert_int_equal(R.phase_calls, 1);
  expect_exception(resp, wr(true, 0, 242, 1, resp), 6, MBS_EX_ILLEGAL_FUNCTION);
  assert_int_equal(R.phase_calls, 2);
  /* a contactor that cannot move now (a solar mode owns it): SLAVE DEVICE FAILURE */
  R.phase_rc = -2;
  expect_exception(resp, wr(true, 0, 242, 1, resp), 6, MBS_EX_DEVICE_FAILURE);
  /* a contactor: taken, for that connector and count */
  R.phase_rc = 0;
  assert_int_equal(wr(true, 0, 242, 1, resp), 5);
  assert_int_equal(R.phase_c, 2);
  assert_int_equal(R.phase_p, 1);
  /* 2 is no phase count; nothing is asked */
  int calls = R.phase_calls;
  expect_exception(resp, wr(true, 0, 242, 2, resp), 6, MBS_EX_ILLEGAL_VALUE);
  assert_int_equal(R.phase_calls, calls);
  /* the register reads where the contactor is, else the phases installed */
  snap.conn[1].phases_now = 1;
  assert_int_equal(reg(242), 1);
  assert_int_equal(reg(231), 3);
  snap.conn[1].phases_now = -1;
  assert_int_equal(reg(242), 3);
}

/* Offset 45: connector.N.charge_mode by number (0 normal .. 3 offpeak_or_solar). */
static void test_charge_mode(void **s) {
  (void)s;
  uint8_t resp[MBS_PDU_MAX];
  snap.conn[1].charge_mode = 2;
  assert_int_equal(reg(245), 2);
  assert_int_equal(reg(145), 0);
  assert_int_equal(wr(true, 0, 245, 2, resp), 5); /* already so: nothing to do */
  assert_int_equal(R.mode_calls, 0);
  assert_int_equal(wr(true, 0, 145, 1, resp), 5);
  assert_int_equal(R.mode_calls, 1);
  assert_int_equal(R.mode_c, 1);
  assert_int_equal(R.mode, 1);
  expect_exception(resp, wr(true, 0, 145, 4, resp), 6, MBS_EX_ILLEGAL_VALUE);
  expect_exception(resp, wr(false, 0, 145, 3, resp), 6, MBS_EX_ILLEGAL_FUNCTION);
  R.mode_rc = -1;
  expect_exception(resp, wr(true, 0, 145, 3, resp), 6, MBS_EX_DEVICE_FAILURE);
  assert_int_equal(R.mode_calls, 2);
}

static void test_write_multiple(void **s) {
  (void)s;
  uint8_t resp[MBS_PDU_MAX];
  /* fail-safe current 8 A and timeout 5 s in one request */
  uint8_t req[] = {16, 0, 3, 0, 2, 4, 0, 80, 0, 5};
  size_t n = mbs_handle(&snap, &state, &W, true, 0, req, sizeof req, resp);
  assert_int_equal(n, 5);
  assert_memory_equal(resp, ((uint8_t[]){16, 0, 3, 0, 2}), 5);
  assert_int_equal(reg(3), 80);
  assert_int_equal(reg(4), 5);
  /* all or nothing: the second value is bad, the first is not written */
  uint8_t bad[] = {16, 0, 3, 0, 2, 4, 0, 90, 0x10, 0};
  expect_exception(resp, mbs_handle(&snap, &state, &W, true, 0, bad, sizeof bad, resp), 16,
                   MBS_EX_ILLEGAL_VALUE);
  assert_int_equal(reg(3), 80);
  /* byte count that does not match */
  uint8_t badlen[] = {16, 0, 3, 0, 2, 3, 0, 80, 0};
  expect_exception(resp, mbs_handle(&snap, &state, &W, true, 0, badlen, sizeof badlen, resp), 16,
                   MBS_EX_ILLEGAL_VALUE);
  /* not allowed */
  expect_exception(resp, mbs_handle(&snap, &state, &W, false, 0, req, sizeof req, resp), 16,
                   MBS_EX_ILLEGAL_FUNCTION);
}

static void test_failsafe_virtual_clock(void **s) {
  (void)s;
  uint8_t resp[MBS_PDU_MAX];
  mbs_state_init(&state, 6, 10);
  borne_ms t = 1000000;
  assert_int_equal(wr(true, t, 240, 160, resp), 5);
  assert_int_equal(R.limit_calls, 1);
  /* renewed in time: holds */
  assert_int_equal(mbs_failsafe_check(&state, &W, 2, t + 9999), 0);
  assert_int_equal(wr(true, t + 9000, 240, 160, resp), 5);
  assert_int_equal(mbs_failsafe_check(&state, &W, 2, t + 18999), 0);
  assert_int_equal(R.limit_calls, 2);
  /* not renewed: the fail-safe current, once */
  assert_int_equal(mbs_failsafe_check(&state, &W, 2, t + 19000), 1);
  assert_int_equal(R.limit_calls, 3);
  assert_int_equal(R.limit_c, 2);
  assert_true(R.limit_a > 5.99 && R.limit_a < 6.01);
  assert_int_equal(reg(243), 60);
  assert_int_equal(reg(244), 1);
  assert_int_equal(reg(240), 160); /* what the client asked stays readable */
  assert_int_equal(mbs_failsafe_check(&state, &W, 2, t + 60000), 0);
  assert_int_equal(R.limit_calls, 3);
  /* a new fail-safe current applies at once to a connector in fail-safe */
  assert_int_equal(wr(true, t + 61000, 3, 0, resp), 5);
  assert_int_equal(R.limit_calls, 4);
  assert_true(R.limit_a < 0.01 && R.limit_a >= 0);
  /* a write ends the fail-safe */
  assert_int_equal(wr(true, t + 62000, 240, 120, resp), 5);
  assert_int_equal(reg(244), 0);
  assert_int_equal(reg(243), 120);
  /* timeout 0: a setpoint holds for ever */
  state.failsafe_s = 0;
  assert_int_equal(mbs_failsafe_check(&state, &W, 2, t + 1000000000), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup(test_station_block, setup),
      cmocka_unit_test_setup(test_connector_block, setup),
      cmocka_unit_test_setup(test_read_many_and_input_registers, setup),
      cmocka_unit_test_setup(test_read_exceptions, setup),
      cmocka_unit_test_setup(test_setpoint_write, setup),
      cmocka_unit_test_setup(test_write_exceptions, setup),
      cmocka_unit_test_setup(test_enable_and_phases, setup),
      cmocka_unit_test_setup(test_charge_mode, setup),
      cmocka_unit_test_setup(test_write_multiple, setup),
      cmocka_unit_test_setup(test_failsafe_virtual_clock, setup),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
