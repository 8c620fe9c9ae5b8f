/*
 * The hardware abstraction: the only way borne reaches the charging hardware.
 * A back end is a struct of function pointers (like SQLite's VFS): `sim`
 * (simulated hardware and EVs) and `linux` (libgpiod, sysfs PWM, IIO ADC).
 *
 * Inputs are reported through a hal_listener, always from the event loop and
 * never re-entrantly from inside a hal_* call: a back end queues what it
 * learns during a call and delivers it on the next loop turn. Outputs are
 * commands; their effect is confirmed by feedback inputs where the hardware
 * has them (contactor auxiliary contact, lock switch).
 */
#ifndef BORNE_HAL_HAL_H
#define BORNE_HAL_HAL_H

#include <uv.h>

#include "core/led.h"
#include "core/types.h"

typedef struct hal hal;

typedef struct {
  void *ctx;
  void (*on_cp)(void *ctx, int connector, cp_state s, bool diode_ok);
  void (*on_pp)(void *ctx, int connector, double ohms); /* < 0: open */
  void (*on_lock)(void *ctx, int connector, bool locked);
  void (*on_contactor)(void *ctx, int connector, bool closed);
  void (*on_rcd_trip)(void *ctx, int connector, bool dc);
  void (*on_temperature)(void *ctx, int connector, double celsius);
  void (*on_badge)(void *ctx, const char *uid);
} hal_listener;

/* Start-up self-test of one connector (seed 004). */
typedef struct {
  bool rcd_ok;       /* RCD test current trips the monitor */
  bool contactor_ok; /* feedback open while commanded open */
  bool cp_ok;        /* CP generator reads back +12 V and -12 V */
  bool meter_ok;     /* meter answers */
} hal_selftest;

/* The badge reader as the back end sees it (hal_ops.reader_state). */
typedef struct {
  const char *type; /* "em4100" */
  const char *port; /* the device it reads */
  bool up;          /* the device is open */
  char why[160];    /* while down: the reason */
  uint64_t frames, bad_frames, badges;
} hal_reader_state;

/* The utility control contact (EnWG §14a) changed: true = asserted. */
typedef void (*hal_contact_cb)(void *ctx, bool asserted);

/* Completion of an event-driven self-test: `reason` lists the failed checks ("" if none). */
typedef void (*hal_selftest_cb)(void *ctx, int connector, const hal_selftest *result,
                                const char *reason);

typedef struct {
  const char *name;
  /* Begin reporting inputs; the current input levels are reported once at start. */
  int (*start)(hal *h, uv_loop_t *loop, const hal_listener *listener);
  void (*stop)(hal *h);
  void (*set_pwm)(hal *h, int connector, int permille);
  void (*set_contactor)(hal *h, int connector, bool closed);
  void (*set_lock)(hal *h, int connector, bool engaged);
  void (*set_led)(hal *h, int connector, const led_look *look);
  /* 0 on success; -1 with a reason in the back end's last error. */
  int (*read_meter)(hal *h, int connector, meter_reading *out);
  int (*selftest)(hal *h, int connector, hal_selftest *out);
  /* Optional (may be NULL): the complete self-test, which takes time (an RCD
   * test pulse, a -12 V readback); `done` runs later from the loop. The
   * station prefers it to `selftest` when present. */
  int (*selftest_start)(hal *h, int connector, hal_selftest_cb done, void *ctx);
  const char *(*last_error)(hal *h);
  void (*destroy)(hal *h);
  /* ---- Optional grid inputs (may be NULL; docs/hal.md "Grid inputs"). ---- */
  /* Watch the utility control contact (EnWG §14a) wired to `spec` (linux:
   * "[!]gpiochipN:LINE", '!' = active low; sim: ignored, driven through the
   * simulator API). Needs start(). `cb` runs from the loop, never from inside
   * this call: once with the current level, then on every change. -1 with
   * last_error when the input cannot be watched. */
  int (*watch_contact)(hal *h, const char *spec, hal_contact_cb cb, void *ctx);
  /* One block of samples of CT clamp `clamp` (0..2) wired to `spec` (linux:
   * "iio:deviceN:in_voltageK_raw"; sim: ignored), in volts at the ADC input,
   * over whole mains periods: up to `max` samples into `volts`, their number
   * returned. BLOCKS for the block's duration (about 100 ms on linux): call it
   * from a worker thread, never from the loop; it touches nothing else of the
   * back end. -1 with the reason in err. */
  int (*read_ct)(hal *h, int clamp, const char *spec, double *volts, int max, char *err,
                 size_t errlen);
  /* ---- Optional phase contactor (may be NULL; docs/hal.md "Phase contactor"). ---- */
  /* Where connector c's phase contactor puts the car: 1 or 3 phases; -1 when
   * the board has none for it (then set_phases is refused). */
  int (*get_phases)(hal *h, int connector);
  /* Move it to 1 or 3 phases: 0 when done, -1 with last_error when the board
   * cannot. The caller offers no current while it moves (the car is paused:
   * changing the phases under load would break the contacts' rating and
   * confuses many cars). */
  int (*set_phases)(hal *h, int connector, int phases);
  /* ---- Optional station inputs and outputs (may be NULL; docs/hal.md "Tamper and shunt trip"). */
  /* Watch the cover/tamper switch wired to `spec` (linux: "[!]gpiochipN:LINE",
   * 1 = opened; sim: ignored, driven through the simulator API). Same
   * contract as watch_contact: `cb(ctx, true)` = the station is open. */
  int (*watch_tamper)(hal *h, const char *spec, hal_contact_cb cb, void *ctx);
  /* Watch the setup access point's push button wired to `spec` (linux:
   * "[!]gpiochipN:LINE", 1 = pressed; sim: ignored, driven through the
   * simulator API). Same contract as watch_contact: `cb(ctx, true)` = pressed. */
  int (*watch_ap_button)(hal *h, const char *spec, hal_contact_cb cb, void *ctx);
  /* The shunt-trip output that trips the upstream breaker (seed 001): claim
   * it (linux: "[!]gpiochipN:LINE", driven 0 at once; sim: ignored), -1 with
   * last_error when it cannot be driven; then drive it (true = trip). Left 0
   * by destroy. Both NULL together. */
  int (*open_shunt_trip)(hal *h, const char *spec);
  void (*set_shunt_trip)(hal *h, bool trip);
  /* The badge reader's state: 0, or -1 when the back end has none configured
   * (may be NULL). */
  int (*reader_state)(hal *h, hal_reader_state *out);
} hal_ops;

struct hal {
  const hal_ops *ops;
  int connectors;
};

#endif
