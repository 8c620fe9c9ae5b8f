/*
 * The register map of borne's Modbus server (docs/modbus-server.md), pure:
 * a request PDU goes in, a response PDU (or a Modbus exception) comes out,
 * computed over a snapshot of the station and applied through write
 * callbacks. No I/O, no clock of its own: the fail-safe of the current
 * setpoints is a function of `now` passed in (a virtual clock in tests).
 */
#ifndef BORNE_MODBUS_SERVER_REGMAP_H
#define BORNE_MODBUS_SERVER_REGMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/types.h"

#define MBS_MAP_VERSION 2 /* 2: the HTTP port and the directory copy (6..9, 42..49) */
#define MBS_MAX_CONNECTORS BORNE_MAX_CONNECTORS /* 8: blocks 100..849 */
#define MBS_CONN_BASE 100 /* connector c's block starts at MBS_CONN_BASE * c */
#define MBS_BLOCK_LEN 50  /* registers of a block (the station's and each connector's) */
#define MBS_PDU_MAX 253   /* the largest Modbus PDU */
#define MBS_NO_SETPOINT 0xFFFF

/* Modbus exception codes (Modbus Application Protocol V1.1b3, section 7). */
enum {
  MBS_EX_ILLEGAL_FUNCTION = 1,
  MBS_EX_ILLEGAL_ADDRESS = 2,
  MBS_EX_ILLEGAL_VALUE = 3,
  MBS_EX_DEVICE_FAILURE = 4,
};

/* Station registers (offsets in the station block, 0..49). */
enum {
  MBS_REG_VERSION = 0,
  MBS_REG_CONNECTORS = 1,
  MBS_REG_SITE_STATE = 2,
  MBS_REG_FAILSAFE_A = 3, /* dA, writable */
  MBS_REG_FAILSAFE_S = 4, /* s, writable */
  MBS_REG_WRITE_ALLOWED = 5,
  MBS_REG_HTTP_PORT = 6,   /* the API's bound port (the leader pushes the directory there) */
  MBS_REG_HTTP_TLS = 7,    /* 1: the API is HTTPS (web.https) */
  MBS_REG_DIR_VERSION = 8, /* 2 registers, high word first: the directory copy held, 0: none */
  MBS_REG_FIRMWARE = 10,   /* 8 registers: 16 ASCII characters */
  MBS_REG_IDENTITY = 18,   /* 24 registers: 48 ASCII characters */
  MBS_REG_DIR_DIGEST = 42, /* 8 registers: the first 16 bytes of the copy's SHA-256 */
};
#define MBS_DIR_DIGEST_BYTES 16

/* Connector registers (offsets in connector c's block). */
enum {
  MBS_CREG_STATUS = 0,
  MBS_CREG_CP = 1,
  MBS_CREG_OFFERED = 2, /* dA */
  MBS_CREG_LIMITED_BY = 3,
  MBS_CREG_CURRENT = 4,      /* 3 registers, dA */
  MBS_CREG_VOLTAGE = 7,      /* 3 registers, dV */
  MBS_CREG_POWER = 10,       /* 2 registers, W, signed 32-bit, high word first */
  MBS_CREG_SESSION_WH = 12,  /* 2 registers */
  MBS_CREG_LIFETIME_WH = 14, /* 2 registers */
  MBS_CREG_ERROR = 16,
  MBS_CREG_SESSION_ID = 17, /* 4 registers, 64-bit */
  MBS_CREG_ID_TAG = 21,     /* 10 registers: 20 ASCII characters */
  MBS_CREG_PHASES = 31,
  MBS_CREG_ROTATION = 32,        /* grid phases of L1 L2 L3 as decimal digits: 123, 231, 312 */
  MBS_CREG_SETPOINT = 40,        /* dA, writable; 0xFFFF: none */
  MBS_CREG_ENABLE = 41,          /* writable: 1 charge, 0 do not */
  MBS_CREG_PHASES_REQ = 42,      /* writable: 1 or 3; reads the contactor's position */
  MBS_CREG_SETPOINT_ACTIVE = 43, /* dA: what the slot holds now (setpoint or fail-safe) */
  MBS_CREG_FAILSAFE_ACTIVE = 44,
  MBS_CREG_CHARGE_MODE = 45, /* writable: 0 normal, 1 solar, 2 solar_min, 3 offpeak_or_solar */
};
#define MBS_CHARGE_MODES 4

typedef struct {
  connector_status status;
  cp_state cp;
  double offered_a;
  int limited_by; /* limit_source, -1: none */
  double current_a[3];
  double voltage_v[3];
  double power_w;
  double session_wh;
  double lifetime_wh;
  int error; /* error_code */
  int64_t session_id;
  char id_tag[21];
  int phases;
  int phases_now; /* where the phase contactor puts the car (1 or 3); phases without one */
  int rotation;   /* MBS_CREG_ROTATION's value, 0: not known */
  bool enabled;
  int charge_mode; /* 0..MBS_CHARGE_MODES-1, the order of connector.N.charge_mode's values */
} mbs_connector_snap;

typedef struct {
  int connectors;
  int site_state; /* 0 standalone, 1 leader, 2 follower */
  char firmware[17];
  char identity[49];
  int http_port;
  bool https;
  uint32_t dir_version; /* the directory copy held (docs/site.md), 0: none */
  uint8_t dir_digest[MBS_DIR_DIGEST_BYTES];
  mbs_connector_snap conn[MBS_MAX_CONNECTORS];
} mbs_snapshot;

/* The setpoints, the fail-safe and when each setpoint was last written: the
 * map's own state, kept by the caller. */
typedef struct {
  double failsafe_a;
  int failsafe_s; /* 0: no fail-safe (a setpoint holds until changed) */
  bool has_setpoint[MBS_MAX_CONNECTORS];
  double setpoint_a[MBS_MAX_CONNECTORS];
  borne_ms written_at[MBS_MAX_CONNECTORS];
  bool failsafe[MBS_MAX_CONNECTORS]; /* the setpoint expired: the slot holds failsafe_a */
} mbs_state;

/* How writes reach the station; every callback may be NULL. */
typedef struct {
  void *ctx;
  /* the LIMIT_MODBUS slot of connector c: amps, or < 0 to clear it */
  void (*set_limit)(void *ctx, int c, double amps);
  void (*set_enabled)(void *ctx, int c, bool enabled);
  /* 0 when taken, -1 when the hardware cannot (no phase contactor), -2
   * when it cannot now (a solar charging mode owns the contactor) */
  int (*set_phases)(void *ctx, int c, int phases);
  /* connector.N.charge_mode by its number: 0 when done, -1 when refused */
  int (*set_charge_mode)(void *ctx, int c, int mode);
} mbs_writer;

void mbs_state_init(mbs_state *s, double failsafe_a, int failsafe_s);

/* Answers one request PDU (function code first) into resp (MBS_PDU_MAX
 * bytes); returns the response length (an exception is 2 bytes). Writes
 * are refused with ILLEGAL_FUNCTION when !write_allowed. */
size_t mbs_handle(const mbs_snapshot *snap, mbs_state *state, const mbs_writer *w,
                  bool write_allowed, borne_ms now, const uint8_t *req, size_t len, uint8_t *resp);

/* Drops every setpoint not renewed within failsafe_s to the fail-safe
 * current (through w->set_limit). Returns how many dropped now. */
int mbs_failsafe_check(mbs_state *state, const mbs_writer *w, int connectors, borne_ms now);

#endif
