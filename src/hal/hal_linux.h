/*
 * The Linux hardware back end: GPIO through libgpiod (character device),
 * the CP generator through sysfs PWM, CP/PP/temperature through IIO ADC
 * channels in sysfs. Pins come from the connector.N.gpio.* / pwm / adc.*
 * configuration keys (docs/hal.md).
 */
#ifndef BORNE_HAL_HAL_LINUX_H
#define BORNE_HAL_HAL_LINUX_H

#include <stddef.h>

#include "hal/hal.h"

typedef struct {
  char contactor[64], contactor_feedback[64], lock[64], lock_feedback[64], rcd_trip[64],
      rcd_test[64];                          /* GPIO lines "gpiochipN:LINE" or "" when absent */
  char pwm[64];                              /* "pwmchipN:CHANNEL" */
  char adc_cp[96], adc_pp[96], adc_temp[96]; /* "iio:deviceN:in_voltageK_raw" or "" */
  bool tethered;
} hal_linux_connector_pins;

typedef struct {
  int connectors;
  hal_linux_connector_pins pins[BORNE_MAX_CONNECTORS];
  char sysfs_root[256];  /* "/sys" in production, a fake tree in tests */
  char dev_root[256];    /* "/dev" */
  unsigned cp_sample_ms; /* ADC sampling period, default 20 */
  /* Analogue front end (docs/hal.md): CP volts = adc_mV * cp_gain / 1000 + cp_offset_v. */
  double cp_gain, cp_offset_v;
  double pp_pullup_ohms, pp_vref_mv; /* PP divider: pull-up to vref */
  double temp_mv_at_0c, temp_mv_per_c;
} hal_linux_config;

/* GPIO access, replaceable so tests run without a GPIO character device. */
typedef struct gpio_line gpio_line;
typedef struct {
  /* Request `spec` ("gpiochipN:LINE") as output (initial value) or as input
   * with edge events; an input's event fd goes to *fd. */
  gpio_line *(*open_output)(void *ctx, const char *dev_root, const char *spec, int initial,
                            char *err, size_t errlen);
  gpio_line *(*open_input)(void *ctx, const char *dev_root, const char *spec, int *fd, char *err,
                           size_t errlen);
  int (*set)(gpio_line *l, int value);
  int (*get)(gpio_line *l);
  /* Consume pending edge events; returns the current value or -1. */
  int (*read_events)(gpio_line *l);
  void (*close)(gpio_line *l);
  void *ctx;
} gpio_provider;

/* The libgpiod v1 provider. */
const gpio_provider *gpio_provider_gpiod(void);

void hal_linux_config_defaults(hal_linux_config *cfg);
hal *hal_linux_create(const hal_linux_config *cfg, char *err, size_t errlen);
hal *hal_linux_create_with(const hal_linux_config *cfg, const gpio_provider *gpio, char *err,
                           size_t errlen);
/* CP level (volts, after the front end) to state, IEC 61851-1 Table A.4 bands. */
cp_state hal_linux_cp_state_for_volts(double v);

#endif
