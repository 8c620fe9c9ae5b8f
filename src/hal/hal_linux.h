/*
 * The Linux hardware back end: GPIO through libgpiod v1.6 (character
 * device), the CP generator through sysfs PWM, CP/PP/temperature through IIO
 * ADC channels in sysfs. Pins come from the connector.N.gpio.* / pwm / adc.*
 * configuration keys; the electrical assumptions and the calibration are in
 * docs/hal.md.
 */
#ifndef BORNE_HAL_HAL_LINUX_H
#define BORNE_HAL_HAL_LINUX_H

#include <stddef.h>

#include "hal/hal.h"

typedef struct {
  /* GPIO lines "gpiochipN:LINE" ("!gpiochipN:LINE": active low) or "" when absent. */
  char contactor[64], contactor_feedback[64], lock[64], lock_feedback[64], rcd_trip[64],
      rcd_test[64];
  /* the phase contactor's coil: energized = three phases, released = one */
  char phase_contactor[64];
  char pwm[64];                              /* "pwmchipN:CHANNEL" */
  char adc_cp[96], adc_pp[96], adc_temp[96]; /* "iio:deviceN:in_voltageK_raw" or "" */
  /* status LED under SYSFS/class/leds: "NAME" (multicolour or single) or
   * "RED,GREEN,BLUE" (three single-colour LEDs); "" when none (hal_linux_leds.h) */
  char led[200];
  bool tethered;
} hal_linux_connector_pins;

/* Every numeric field left at 0 takes its default (hal_linux_config_defaults). */
typedef struct {
  int connectors;
  hal_linux_connector_pins pins[BORNE_MAX_CONNECTORS];
  char sysfs_root[256];  /* "/sys" in production, a fake tree in tests */
  char dev_root[256];    /* "/dev" */
  unsigned cp_sample_ms; /* ADC sampling period for CP/PP/temperature, default 20 */
  unsigned cp_burst;     /* CP conversions per sample (max → high level, min → low), 16 */
  /* CP front end calibration: CP mV at the connector = ADC mV × cp_gain + cp_offset_mv. */
  double cp_gain, cp_offset_mv; /* 1.0, 0 */
  /* PP: the PP–PE resistor is read through a pull-up to pp_vref_mv. */
  double pp_pullup_ohms, pp_vref_mv; /* 330 Ω, 5000 mV */
  /* Linear temperature sensor: °C = (mV − temp_mv_at_0c) / temp_mv_per_c. */
  double temp_mv_at_0c, temp_mv_per_c; /* 0 mV, 10 mV/°C (LM35-style) */
  /* Badge reader: "" (none) or "em4100" (125 kHz ASCII frames, RDM6300 type,
   * 9600 8N1) on the serial device reader_port; read once started, reopened
   * every second while it is missing. */
  char reader_type[16];
  char reader_port[200];
} hal_linux_config;

/* GPIO access, replaceable so tests run without a GPIO character device. */
typedef struct gpio_line gpio_line;
typedef struct {
  /* Request `spec` ("gpiochipN:LINE") as output (initial value) or as input
   * with both-edge events; an input's event fd goes to *fd. On failure the
   * reason ("cannot open gpiochip0 line 17: ...") goes to err. */
  gpio_line *(*open_output)(void *ctx, const char *dev_root, const char *spec, int initial,
                            char *err, size_t errlen);
  gpio_line *(*open_input)(void *ctx, const char *dev_root, const char *spec, int *fd, char *err,
                           size_t errlen);
  int (*set)(gpio_line *l, int value);
  int (*get)(gpio_line *l);
  /* Consume pending edge events (called when the fd is readable); returns the
   * current value or -1. */
  int (*read_events)(gpio_line *l);
  void (*close)(gpio_line *l);
  void *ctx;
} gpio_provider;

/* The libgpiod v1 provider. */
const gpio_provider *gpio_provider_gpiod(void);

void hal_linux_config_defaults(hal_linux_config *cfg);
/* NULL with a reason naming the connector and the pin when a chip, line or
 * sysfs file is missing. The hal is destroyed after stop and after the loop
 * ran the close callbacks (libuv handles live inside it). */
hal *hal_linux_create(const hal_linux_config *cfg, char *err, size_t errlen);
hal *hal_linux_create_with(const hal_linux_config *cfg, const gpio_provider *gpio, char *err,
                           size_t errlen);

/* CP level (volts, after the front end) to state, IEC 61851-1 Table A.4 bands. */
cp_state hal_linux_cp_state_for_volts(double v);

/* What one burst of CP conversions says. The ADC samples the 1 kHz PWM at
 * random phases: the maximum is the high level (the state) if any sample fell
 * in the high phase, the minimum is the low level (the diode check) if any
 * fell in the low phase. */
typedef struct {
  bool has_state;
  cp_state state;
  bool has_diode;
  bool diode_ok;
} hal_linux_cp_obs;
hal_linux_cp_obs hal_linux_cp_observe(const double *volts, int n, int duty_permille);

/* The event-driven start-up self-test of one connector (the hal_ops
 * `selftest` is synchronous and can only read current levels): pulses the RCD
 * test output and waits up to 100 ms for the trip edge, drives the CP
 * generator +12 V then -12 V and reads both back, checks the contactor
 * feedback reads open; meter_ok is true (no meter is configured on this back end yet, so there is
 * nothing to check). `done` runs from the loop, never from inside this call; `reason` lists the
 * failed checks ("" when all passed). Needs start(); -1 with last_error otherwise or when a test is
 * already running on that connector. Cancelled by stop(). */
typedef hal_selftest_cb hal_linux_selftest_cb;
int hal_linux_selftest_start(hal *h, int connector, hal_linux_selftest_cb done, void *ctx);

#endif
