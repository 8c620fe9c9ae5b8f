/*
 * The Modbus server's register map: decodes a request PDU (functions 3, 4,
 * 6 and 16), reads registers out of a station snapshot, checks and applies
 * writes through callbacks, and answers Modbus exceptions for everything
 * else. Every length and address is checked before it is used: a request
 * is attacker input (tests/fuzz/fuzz_modbus_server_regmap.c).
 */
#include "modbus_server/regmap.h"

#include <math.h>
#include <string.h>

void mbs_state_init(mbs_state *s, double failsafe_a, int failsafe_s) {
  memset(s, 0, sizeof *s);
  s->failsafe_a = failsafe_a;
  s->failsafe_s = failsafe_s;
}

static uint16_t deci(double v) {
  if (!(v > 0)) return 0;
  double d = round(v * 10);
  return d > 65534 ? 65534 : (uint16_t)d;
}

static uint16_t str_reg(const char *s, size_t cap, int i) {
  size_t n = strnlen(s, cap);
  size_t a = (size_t)i * 2, b = a + 1;
  uint8_t hi = a < n ? (uint8_t)s[a] : 0, lo = b < n ? (uint8_t)s[b] : 0;
  return (uint16_t)(hi << 8 | lo);
}

static uint16_t u32_reg(double v, int word) {
  uint32_t u;
  if (!(v > 0))
    u = 0;
  else if (v >= 4294967295.0)
    u = UINT32_MAX;
  else
    u = (uint32_t)llround(v);
  return (uint16_t)(word == 0 ? u >> 16 : u & 0xFFFF);
}

static uint16_t s32_reg(double v, int word) {
  int32_t s = v >= 2147483647.0 ? INT32_MAX : v <= -2147483648.0 ? INT32_MIN : (int32_t)lround(v);
  uint32_t u = (uint32_t)s;
  return (uint16_t)(word == 0 ? u >> 16 : u & 0xFFFF);
}

static uint16_t station_reg(const mbs_snapshot *snap, const mbs_state *st, bool write_allowed,
                            int off) {
  if (off >= MBS_REG_FIRMWARE && off < MBS_REG_FIRMWARE + 8)
    return str_reg(snap->firmware, sizeof snap->firmware, off - MBS_REG_FIRMWARE);
  if (off >= MBS_REG_IDENTITY && off < MBS_REG_IDENTITY + 24)
    return str_reg(snap->identity, sizeof snap->identity, off - MBS_REG_IDENTITY);
  if (off >= MBS_REG_DIR_DIGEST && off < MBS_REG_DIR_DIGEST + MBS_DIR_DIGEST_BYTES / 2) {
    const uint8_t *d = snap->dir_digest + 2 * (off - MBS_REG_DIR_DIGEST);
    return (uint16_t)(d[0] << 8 | d[1]);
  }
  switch (off) {
  case MBS_REG_VERSION:
    return MBS_MAP_VERSION;
  case MBS_REG_CONNECTORS:
    return (uint16_t)snap->connectors;
  case MBS_REG_SITE_STATE:
    return (uint16_t)snap->site_state;
  case MBS_REG_FAILSAFE_A:
    return deci(st->failsafe_a);
  case MBS_REG_FAILSAFE_S:
    return (uint16_t)st->failsafe_s;
  case MBS_REG_WRITE_ALLOWED:
    return write_allowed ? 1 : 0;
  case MBS_REG_HTTP_PORT:
    return (uint16_t)(snap->http_port > 0 && snap->http_port <= 65535 ? snap->http_port : 0);
  case MBS_REG_HTTP_TLS:
    return snap->https ? 1 : 0;
  case MBS_REG_DIR_VERSION:
    return (uint16_t)(snap->dir_version >> 16);
  case MBS_REG_DIR_VERSION + 1:
    return (uint16_t)(snap->dir_version & 0xFFFF);
  default:
    return 0;
  }
}

static uint16_t conn_reg(const mbs_connector_snap *c, const mbs_state *st, int idx, int off) {
  if (off >= MBS_CREG_CURRENT && off < MBS_CREG_CURRENT + 3)
    return deci(c->current_a[off - MBS_CREG_CURRENT]);
  if (off >= MBS_CREG_VOLTAGE && off < MBS_CREG_VOLTAGE + 3)
    return deci(c->voltage_v[off - MBS_CREG_VOLTAGE]);
  if (off >= MBS_CREG_SESSION_ID && off < MBS_CREG_SESSION_ID + 4) {
    uint64_t id = c->session_id > 0 ? (uint64_t)c->session_id : 0;
    return (uint16_t)(id >> (16 * (3 - (off - MBS_CREG_SESSION_ID))));
  }
  if (off >= MBS_CREG_ID_TAG && off < MBS_CREG_ID_TAG + 10)
    return str_reg(c->id_tag, sizeof c->id_tag, off - MBS_CREG_ID_TAG);
  switch (off) {
  case MBS_CREG_STATUS:
    return (uint16_t)c->status;
  case MBS_CREG_CP:
    return (uint16_t)c->cp;
  case MBS_CREG_OFFERED:
    return deci(c->offered_a);
  case MBS_CREG_LIMITED_BY:
    return c->limited_by < 0 ? 0xFFFF : (uint16_t)c->limited_by;
  case MBS_CREG_POWER:
  case MBS_CREG_POWER + 1:
    return s32_reg(c->power_w, off - MBS_CREG_POWER);
  case MBS_CREG_SESSION_WH:
  case MBS_CREG_SESSION_WH + 1:
    return u32_reg(c->session_wh, off - MBS_CREG_SESSION_WH);
  case MBS_CREG_LIFETIME_WH:
  case MBS_CREG_LIFETIME_WH + 1:
    return u32_reg(c->lifetime_wh, off - MBS_CREG_LIFETIME_WH);
  case MBS_CREG_ERROR:
    return (uint16_t)c->error;
  case MBS_CREG_PHASES:
    return (uint16_t)c->phases;
  case MBS_CREG_ROTATION:
    return (uint16_t)c->rotation;
  case MBS_CREG_SETPOINT:
    return st->has_setpoint[idx] ? deci(st->setpoint_a[idx]) : MBS_NO_SETPOINT;
  case MBS_CREG_ENABLE:
    return c->enabled ? 1 : 0;
  case MBS_CREG_PHASES_REQ:
    return (uint16_t)(c->phases_now == 1 || c->phases_now == 3 ? c->phases_now : c->phases);
  case MBS_CREG_SETPOINT_ACTIVE:
    if (!st->has_setpoint[idx]) return MBS_NO_SETPOINT;
    return deci(st->failsafe[idx] ? st->failsafe_a : st->setpoint_a[idx]);
  case MBS_CREG_FAILSAFE_ACTIVE:
    return st->failsafe[idx] ? 1 : 0;
  case MBS_CREG_CHARGE_MODE:
    return (uint16_t)c->charge_mode;
  default:
    return 0;
  }
}

/* Where address `a` lies: -1 nowhere, 0 the station block, c a connector. */
static int block_of(const mbs_snapshot *snap, unsigned a, int *off) {
  if (a < MBS_BLOCK_LEN) {
    *off = (int)a;
    return 0;
  }
  unsigned c = a / MBS_CONN_BASE, o = a % MBS_CONN_BASE;
  if (c < 1 || c > (unsigned)snap->connectors || c > MBS_MAX_CONNECTORS || o >= MBS_BLOCK_LEN)
    return -1;
  *off = (int)o;
  return (int)c;
}

static size_t exception(uint8_t fc, int code, uint8_t *resp) {
  resp[0] = (uint8_t)(fc | 0x80);
  resp[1] = (uint8_t)code;
  return 2;
}

static bool writable(int block, int off) {
  if (block == 0) return off == MBS_REG_FAILSAFE_A || off == MBS_REG_FAILSAFE_S;
  return off == MBS_CREG_SETPOINT || off == MBS_CREG_ENABLE || off == MBS_CREG_PHASES_REQ ||
         off == MBS_CREG_CHARGE_MODE;
}

/* Checks one write without applying it: 0 or an exception code. */
static int check_write(const mbs_snapshot *snap, int block, int off, uint16_t v) {
  if (block < 0 || !writable(block, off)) return MBS_EX_ILLEGAL_ADDRESS;
  if (block == 0) {
    if (off == MBS_REG_FAILSAFE_A && v > 800) return MBS_EX_ILLEGAL_VALUE; /* 80 A */
    if (off == MBS_REG_FAILSAFE_S && v > 3600) return MBS_EX_ILLEGAL_VALUE;
    return 0;
  }
  switch (off) {
  case MBS_CREG_SETPOINT:
    return v <= 800 || v == MBS_NO_SETPOINT ? 0 : MBS_EX_ILLEGAL_VALUE;
  case MBS_CREG_ENABLE:
    return v <= 1 ? 0 : MBS_EX_ILLEGAL_VALUE;
  case MBS_CREG_PHASES_REQ:
    if (v != 1 && v != 3) return MBS_EX_ILLEGAL_VALUE;
    (void)snap;
    return 0;
  case MBS_CREG_CHARGE_MODE:
    return v < MBS_CHARGE_MODES ? 0 : MBS_EX_ILLEGAL_VALUE;
  default:
    return MBS_EX_ILLEGAL_ADDRESS;
  }
}

static void apply_limit(mbs_state *st, const mbs_writer *w, int idx) {
  if (!w || !w->set_limit) return;
  if (!st->has_setpoint[idx])
    w->set_limit(w->ctx, idx + 1, -1);
  else
    w->set_limit(w->ctx, idx + 1, st->failsafe[idx] ? st->failsafe_a : st->setpoint_a[idx]);
}

/* Applies one checked write: 0 or an exception code. */
static int apply_write(const mbs_snapshot *snap, mbs_state *st, const mbs_writer *w, int block,
                       int off, uint16_t v, borne_ms now) {
  if (block == 0) {
    if (off == MBS_REG_FAILSAFE_A) {
      st->failsafe_a = v / 10.0;
      for (int i = 0; i < snap->connectors && i < MBS_MAX_CONNECTORS; i++)
        if (st->failsafe[i]) apply_limit(st, w, i);
    } else {
      st->failsafe_s = v;
    }
    return 0;
  }
  int idx = block - 1;
  switch (off) {
  case MBS_CREG_SETPOINT:
    st->has_setpoint[idx] = v != MBS_NO_SETPOINT;
    st->setpoint_a[idx] = v == MBS_NO_SETPOINT ? 0 : v / 10.0;
    st->written_at[idx] = now;
    st->failsafe[idx] = false;
    apply_limit(st, w, idx);
    return 0;
  case MBS_CREG_ENABLE:
    if (w && w->set_enabled) w->set_enabled(w->ctx, block, v == 1);
    return 0;
  case MBS_CREG_PHASES_REQ: {
    /* a phase contactor takes it; without one the phases installed are
     * accepted (nothing to do) and the other count cannot be done */
    int rc = w && w->set_phases ? w->set_phases(w->ctx, block, v) : -1;
    if (rc == 0 || (rc == -1 && v == snap->conn[idx].phases)) return 0;
    return rc == -2 ? MBS_EX_DEVICE_FAILURE : MBS_EX_ILLEGAL_FUNCTION;
  }
  case MBS_CREG_CHARGE_MODE:
    if (v == snap->conn[idx].charge_mode) return 0;
    if (!w || !w->set_charge_mode || w->set_charge_mode(w->ctx, block, v) != 0)
      return MBS_EX_DEVICE_FAILURE;
    return 0;
  default:
    return MBS_EX_ILLEGAL_ADDRESS;
  }
}

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

size_t mbs_handle(const mbs_snapshot *snap, mbs_state *state, const mbs_writer *w,
                  bool write_allowed, borne_ms now, const uint8_t *req, size_t len, uint8_t *resp) {
  if (len < 1) return exception(0, MBS_EX_ILLEGAL_FUNCTION, resp);
  uint8_t fc = req[0];
  switch (fc) {
  case 3:
  case 4: {
    if (len != 5) return exception(fc, MBS_EX_ILLEGAL_VALUE, resp);
    unsigned addr = be16(req + 1), qty = be16(req + 3);
    if (qty < 1 || qty > 125) return exception(fc, MBS_EX_ILLEGAL_VALUE, resp);
    if (addr + qty > 0x10000) return exception(fc, MBS_EX_ILLEGAL_ADDRESS, resp);
    resp[0] = fc;
    resp[1] = (uint8_t)(qty * 2);
    for (unsigned i = 0; i < qty; i++) {
      int off = 0;
      int b = block_of(snap, addr + i, &off);
      if (b < 0) return exception(fc, MBS_EX_ILLEGAL_ADDRESS, resp);
      uint16_t v = b == 0 ? station_reg(snap, state, write_allowed, off)
                          : conn_reg(&snap->conn[b - 1], state, b - 1, off);
      resp[2 + 2 * i] = (uint8_t)(v >> 8);
      resp[3 + 2 * i] = (uint8_t)v;
    }
    return 2 + qty * 2;
  }
  case 6: {
    if (len != 5) return exception(fc, MBS_EX_ILLEGAL_VALUE, resp);
    unsigned addr = be16(req + 1);
    uint16_t v = be16(req + 3);
    int off = 0;
    int b = block_of(snap, addr, &off);
    int ex = check_write(snap, b, off, v);
    if (ex) return exception(fc, ex, resp);
    if (!write_allowed) return exception(fc, MBS_EX_ILLEGAL_FUNCTION, resp);
    ex = apply_write(snap, state, w, b, off, v, now);
    if (ex) return exception(fc, ex, resp);
    memcpy(resp, req, 5);
    return 5;
  }
  case 16: {
    if (len < 6) return exception(fc, MBS_EX_ILLEGAL_VALUE, resp);
    unsigned addr = be16(req + 1), qty = be16(req + 3), bytes = req[5];
    if (qty < 1 || qty > 123 || bytes != qty * 2 || len != 6 + bytes)
      return exception(fc, MBS_EX_ILLEGAL_VALUE, resp);
    if (addr + qty > 0x10000) return exception(fc, MBS_EX_ILLEGAL_ADDRESS, resp);
    /* all or nothing: every register is checked before any is written */
    for (unsigned i = 0; i < qty; i++) {
      int off = 0;
      int b = block_of(snap, addr + i, &off);
      int ex = check_write(snap, b, off, be16(req + 6 + 2 * i));
      if (ex) return exception(fc, ex, resp);
    }
    if (!write_allowed) return exception(fc, MBS_EX_ILLEGAL_FUNCTION, resp);
    for (unsigned i = 0; i < qty; i++) {
      int off = 0;
      int b = block_of(snap, addr + i, &off);
      int ex = apply_write(snap, state, w, b, off, be16(req + 6 + 2 * i), now);
      if (ex) return exception(fc, ex, resp);
    }
    memcpy(resp, req, 5);
    return 5;
  }
  default:
    return exception(fc, MBS_EX_ILLEGAL_FUNCTION, resp);
  }
}

int mbs_failsafe_check(mbs_state *state, const mbs_writer *w, int connectors, borne_ms now) {
  int dropped = 0;
  if (state->failsafe_s <= 0) return 0;
  for (int i = 0; i < connectors && i < MBS_MAX_CONNECTORS; i++) {
    if (!state->has_setpoint[i] || state->failsafe[i]) continue;
    if (now - state->written_at[i] >= (borne_ms)state->failsafe_s * 1000) {
      state->failsafe[i] = true;
      apply_limit(state, w, i);
      dropped++;
    }
  }
  return dropped;
}
