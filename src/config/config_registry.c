/*
 * The registry: one row per configuration key (name, type, default, range or
 * choices, run-time flag, one-line doc), plus the shape checks of string
 * keys. Key names are a public interface (files, --set, the API, the docs):
 * never rename one. This file holds the core's keys and the list of the
 * module tables handed to it (config_tables.h): data and pure checks only,
 * it must never read anything.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/config_tables.h"
#include "core/types.h"
#include "util/errbuf.h"
#include "util/timefmt.h"

static bool all_digits(const char *s, size_t n) {
  if (n == 0) return false;
  for (size_t i = 0; i < n; i++)
    if (!isdigit((unsigned char)s[i])) return false;
  return true;
}

/* Decimal without sign, at most `max`. */
static bool small_uint(const char *s, size_t n, long max) {
  if (!all_digits(s, n) || n > 6) return false;
  long v = 0;
  for (size_t i = 0; i < n; i++) v = v * 10 + (s[i] - '0');
  return v <= max;
}

static int check_station_id(const char *v, char *why, size_t len) {
  size_t n = strlen(v);
  if (n < 1 || n > 48) return errbuf_fail(why, len, "`%s` must be 1 to 48 characters long", v);
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)v[i];
    if (!isalnum(ch) && ch != '.' && ch != '_' && ch != '-')
      return errbuf_fail(why, len, "`%s` may only contain A-Z a-z 0-9 . _ -", v);
  }
  return 0;
}

/* OCPP 1.6 BootNotification.req: chargePointVendor and chargePointModel are
 * CiString20Type, chargePointSerialNumber CiString25Type (printable ASCII). */
static int printable_ascii(const char *v, size_t min, size_t max, char *why, size_t len) {
  size_t n = strlen(v);
  if (n < min || n > max) {
    char fmt[80];
    snprintf(fmt, sizeof fmt, "`%%s` must be %zu to %zu characters long", min, max);
    return errbuf_fail(why, len, fmt, v);
  }
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)v[i] < 0x20 || (unsigned char)v[i] > 0x7e)
      return errbuf_fail(why, len, "`%s` may only contain printable ASCII characters", v);
  return 0;
}
static int check_ci20(const char *v, char *why, size_t len) {
  return printable_ascii(v, 1, 20, why, len);
}
static int check_ci25(const char *v, char *why, size_t len) {
  return printable_ascii(v, 0, 25, why, len);
}

/* RFC 1123 section 2.1 host name: labels of letters, digits and hyphens, not
 * starting or ending with a hyphen, at most 63 characters, 253 in all. */
static bool is_hostname(const char *h, size_t n) {
  if (n == 0 || n > 253) return false;
  size_t label = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)h[i];
    if (ch == '.') {
      if (label == 0 || h[i - 1] == '-') return false;
      label = 0;
      continue;
    }
    if (!isalnum(ch) && ch != '-') return false;
    if (label == 0 && ch == '-') return false;
    if (++label > 63) return false;
  }
  return label > 0 && h[n - 1] != '-';
}

static bool is_ipv4(const char *h, size_t n) {
  char buf[16];
  if (n >= sizeof buf) return false;
  memcpy(buf, h, n);
  buf[n] = '\0';
  struct in_addr a;
  return inet_pton(AF_INET, buf, &a) == 1;
}

static bool is_ipv6(const char *h, size_t n) {
  char buf[INET6_ADDRSTRLEN];
  if (n >= sizeof buf) return false;
  memcpy(buf, h, n);
  buf[n] = '\0';
  struct in6_addr a;
  return inet_pton(AF_INET6, buf, &a) == 1;
}

static int check_listen(const char *v, char *why, size_t len) {
  const char *colon = strrchr(v, ':');
  if (!colon) return errbuf_fail(why, len, "`%s` is not HOST:PORT (e.g. 127.0.0.1:8080)", v);
  const char *port = colon + 1;
  if (!small_uint(port, strlen(port), 65535))
    return errbuf_fail(why, len, "`%s`: the port must be a number from 0 to 65535", v);
  size_t hn = (size_t)(colon - v);
  if (hn >= 2 && v[0] == '[' && v[hn - 1] == ']') {
    if (!is_ipv6(v + 1, hn - 2))
      return errbuf_fail(why, len, "`%s`: not an IPv6 address in [ ]", v);
    return 0;
  }
  if (hn == 0) return errbuf_fail(why, len, "`%s`: the host is missing (e.g. 0.0.0.0:8080)", v);
  if (memchr(v, ':', hn))
    return errbuf_fail(why, len, "`%s`: write an IPv6 address as [ADDR]:PORT", v);
  /* All digits and dots reads as an IPv4 address, so it must be one. */
  if (strspn(v, "0123456789.") >= hn) {
    if (!is_ipv4(v, hn)) return errbuf_fail(why, len, "`%s`: not an IPv4 address", v);
    return 0;
  }
  if (!is_hostname(v, hn)) return errbuf_fail(why, len, "`%s`: not a valid host name", v);
  return 0;
}

/* A name made of [A-Za-z0-9._-], at least one character. */
static size_t name_span(const char *s) {
  return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-");
}

/* libgpiod: a chip (gpiochip0, or its label) and a line offset. */
static int check_gpio(const char *v, char *why, size_t len) {
  size_t chip = name_span(v);
  const char *line = v + chip;
  if (chip == 0 || *line != ':' || !small_uint(line + 1, strlen(line + 1), 65535))
    return errbuf_fail(why, len, "`%s` is not CHIP:LINE (e.g. gpiochip0:17)", v);
  return 0;
}

/* LED class device names: no path, one or three of them. */
static int check_led(const char *v, char *why, size_t len) {
  if (strncmp(v, "spi:", 4) == 0) { /* a WS2812 strip: spi:DEVICE:INDEX (hal/ws2812.c) */
    const char *colon = strrchr(v, ':');
    if (colon <= v + 4 || !small_uint(colon + 1, strlen(colon + 1), 255))
      return errbuf_fail(why, len, "`%s` is not spi:DEVICE:INDEX (e.g. spi:spidev0.0:0)", v);
    return 0;
  }
  int names = 1;
  bool ok = v[0] != '\0' && !strchr(v, '/') && strcmp(v, "..") != 0 && strcmp(v, ".") != 0;
  for (const char *p = v; ok && *p; p++) {
    if (*p == ',') {
      names++;
      ok = p[1] && p[1] != ',' && p != v;
    }
  }
  if (!ok || (names != 1 && names != 3))
    return errbuf_fail(why, len, "`%s` is not an LED name of /sys/class/leds, or RED,GREEN,BLUE",
                       v);
  return 0;
}

/* Linux PWM sysfs: /sys/class/pwm/pwmchipN/pwmCHANNEL. */
static int check_pwm(const char *v, char *why, size_t len) {
  static const char prefix[] = "pwmchip";
  const char *p = v + sizeof prefix - 1;
  const char *colon = strncmp(v, prefix, sizeof prefix - 1) == 0 ? strchr(p, ':') : NULL;
  if (!colon || !small_uint(p, (size_t)(colon - p), 9999) ||
      !small_uint(colon + 1, strlen(colon + 1), 9999))
    return errbuf_fail(why, len, "`%s` is not pwmchipN:CHANNEL (e.g. pwmchip0:0)", v);
  return 0;
}

/* Linux IIO sysfs: /sys/bus/iio/devices/iio:deviceN/CHANNEL. */
static int check_adc(const char *v, char *why, size_t len) {
  static const char prefix[] = "iio:device";
  const char *p = v + sizeof prefix - 1;
  const char *colon = strncmp(v, prefix, sizeof prefix - 1) == 0 ? strchr(p, ':') : NULL;
  bool ok = colon && small_uint(p, (size_t)(colon - p), 9999);
  if (ok) {
    const char *ch = colon + 1;
    size_t n = strspn(ch, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_");
    ok = n > 0 && ch[n] == '\0';
  }
  if (!ok)
    return errbuf_fail(why, len,
                       "`%s` is not iio:deviceN:CHANNEL (e.g. iio:device0:in_voltage0_raw)", v);
  return 0;
}

int config_check_abs_or_empty(const char *v, char *why, size_t len) {
  if (v[0] && v[0] != '/') return errbuf_fail(why, len, "`%s` must be an absolute path", v);
  return 0;
}

static int check_abs_path(const char *v, char *why, size_t len) {
  if (v[0] != '/') return errbuf_fail(why, len, "`%s` must be an absolute path", v);
  if (strlen(v) > 200) return errbuf_fail(why, len, "`%s` is longer than 200 characters", v);
  return 0;
}

static int check_sim_start(const char *v, char *why, size_t len) {
  int64_t ms;
  if (timefmt_parse(v, &ms) == 0) return 0;
  snprintf(why, len, "`%s`: an ISO-8601 time such as 2026-03-28T20:00:00Z", v);
  return -1;
}

static int check_selftest_fail(const char *v, char *why, size_t len) {
  static const char *const checks[] = {"rcd", "contactor", "cp", "meter"};
  if (v[0] >= '1' && v[0] <= '0' + BORNE_MAX_CONNECTORS && v[1] == ':')
    for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++)
      if (strcmp(v + 2, checks[i]) == 0) return 0;
  return errbuf_fail(why, len, "`%s` is not CONNECTOR:rcd|contactor|cp|meter (e.g. 2:rcd)", v);
}

/* sim.plugged: connector numbers, comma-separated, each at most once. */
static int check_sim_plugged(const char *v, char *why, size_t len) {
  bool seen[BORNE_MAX_CONNECTORS + 1] = {false};
  const char *p = v;
  for (;;) {
    while (*p == ' ') p++;
    if (*p < '1' || *p > '0' + BORNE_MAX_CONNECTORS || seen[*p - '0'])
      return errbuf_fail(why, len, "`%s` is not a list of connectors such as 1,2", v);
    seen[*p - '0'] = true;
    p++;
    while (*p == ' ') p++;
    if (!*p) return 0;
    if (*p++ != ',')
      return errbuf_fail(why, len, "`%s` is not a list of connectors such as 1,2", v);
  }
}

#define PIN_GPIO(name, what)                                                                       \
  {                                                                                                \
    "connector.*.gpio." name, CFG_STRING, NULL, 0, 64, NULL, false,                                \
        "Linux HAL: GPIO line of the " what ".", "CHIP:LINE", check_gpio                           \
  }
#define PIN_ADC(name, what)                                                                        \
  {                                                                                                \
    "connector.*.adc." name, CFG_STRING, NULL, 0, 96, NULL, false,                                 \
        "Linux HAL: ADC channel measuring the " what ".", "iio:deviceN:CHANNEL", check_adc         \
  }

/* The AC connectors of OCPP 2.0.1's ConnectorEnumType (the DC, pantograph
 * and wireless ones do not fit this station), auto first */
#define CONNECTOR_TYPES                                                                            \
  "auto|cType1|cType2|cTesla|sType2|sType3|s309-1P-16A|s309-1P-32A|s309-3P-16A|s309-3P-32A|"       \
  "sBS1361|sCEE-7-7|Other1PhMax16A|Other1PhOver16A|Other3Ph"

static const cfg_key_def registry[] = {
    /* station */
    {"station.id", CFG_STRING, "borne-sim-1", 0, 48, NULL, false,
     "Station identity: shown in the API and used as the OCPP charge point id.",
     "1-48 of A-Z a-z 0-9 . _ -", check_station_id},
    {"station.connectors", CFG_INT, "2", 1, BORNE_MAX_CONNECTORS, NULL, CFG_OCPP_READONLY,
     "Number of connectors (charging points) of the station.", NULL, NULL,
     .ocpp_name = "NumberOfConnectors"},
    {"station.vendor", CFG_STRING, "borne", 0, 20, NULL, false,
     "Vendor name (OCPP BootNotification chargePointVendor).", "1-20 printable ASCII", check_ci20},
    {"station.model", CFG_STRING, "borne-sim", 0, 20, NULL, false,
     "Model name (OCPP BootNotification chargePointModel).", "1-20 printable ASCII", check_ci20},
    {"station.serial", CFG_STRING, "", 0, 25, NULL, false,
     "Serial number (OCPP chargePointSerialNumber); empty when unknown.", "0-25 printable ASCII",
     check_ci25},
    /* API */
    {"http.listen", CFG_STRING, "127.0.0.1:8080", 0, 260, NULL, false,
     "Address and port of the HTTP API and web page; port 0 picks a free port.",
     "HOST:PORT (IPv4, [IPv6] or host name)", check_listen},
    /* authorization */
    {"auth.mode", CFG_ENUM, "badge", 0, 0, "free|badge|ocpp", false,
     "Who may charge: anyone (free), known badges (badge), or as the OCPP central system says.",
     NULL, NULL},
    {"auth.timeout_s", CFG_INT, "60", 5, 600, NULL, true,
     "Seconds a badge authorization waits for a plug (and a plug for a badge).", NULL, NULL,
     .ocpp_name = "ConnectionTimeOut"},
    /* operation */
    {"log.level", CFG_ENUM, "info", 0, 0, "error|warn|info|debug", true,
     "Least severe log message written to stderr.", NULL, NULL},
    {"meter.sample_interval_s", CFG_INT, "60", 1, 3600, NULL, true,
     "Seconds between two stored meter readings while charging.", NULL, NULL},
    {"session.resume_timeout_s", CFG_INT, "86400", 0, 2592000, NULL, true,
     "Longest interruption (a power loss, a crash), in seconds, after which a session whose car "
     "is still plugged in is resumed; longer, or 0, it is closed (PowerLoss). Counted from the "
     "last meter reading stored before it (meter.sample_interval_s).",
     NULL, NULL, .ocpp_name = "TxResumptionTimeout"},
    {"session.resume_energy_transfer", CFG_BOOL, "true", 0, 0, NULL, true,
     "Whether a session resumed after an interruption (session.resume_timeout_s) may draw energy "
     "again: false holds it without current (SuspendedEVSE) until it ends — the car at the plug "
     "may not be the one that began it. OCPP 2.1 TxCtrlr.AllowEnergyTransferResumption.",
     NULL, NULL, .ocpp_name = "AllowEnergyTransferResumption"},
    {"session.resume_random_range_s", CFG_INT, "0", 0, 3600, NULL, true,
     "Longest random delay, in seconds, before a resumed session (session.resume_timeout_s) may "
     "draw energy again, so that stations resuming together after a power cut do not all draw "
     "at once; 0: none. OCPP 2.1 TxCtrlr.EnergyTransferResumptionRandomRange.",
     NULL, NULL, .ocpp_name = "EnergyTransferResumptionRandomRange"},
    {"store.max_size_mb", CFG_INT, "0", 0, 1048576, NULL, true,
     "Bound on the size of the station's database (borne.db, MiB; its WAL, about 1 MiB, apart); "
     "0: none. Near it, the oldest samples and events go first; a periodic meter value queued "
     "for the back end is then refused, and to make room for a transaction's start or end three "
     "of every four queued ones go; the security event MemoryExhaustion says so "
     "(docs/storage.md).",
     NULL, NULL},
    /* hardware */
    {"hal.backend", CFG_ENUM, "sim", 0, 0, "sim|linux", false,
     "Hardware: the simulator (sim) or Linux GPIO/PWM/IIO (linux).", NULL, NULL},
    {"hal.sysfs_root", CFG_STRING, "/sys", 0, 200, NULL, false,
     "Linux HAL: where sysfs is mounted (PWM and IIO); tests point it at a fake tree.",
     "absolute path", check_abs_path},
    {"hal.gpio_dev_root", CFG_STRING, "/dev", 0, 200, NULL, false,
     "Linux HAL: directory holding the gpiochip device nodes.", "absolute path", check_abs_path},
    {"connector.*.led", CFG_STRING, NULL, 0, 200, NULL, false,
     "Linux HAL: the connector's status LED in /sys/class/leds (hal.sysfs_root): one LED's name "
     "(a multicolour LED with multi_intensity shows the colours of docs/leds.md, a single-colour "
     "one the patterns only), three single-colour LEDs `RED,GREEN,BLUE`, or LED INDEX of a "
     "WS2812 strip on an SPI device `spi:DEVICE:INDEX` (spi:spidev0.0:0). Empty: none.",
     "NAME, RED,GREEN,BLUE or spi:DEVICE:INDEX", check_led},
    {"reader.type", CFG_ENUM, "none", 0, 0, "none|em4100|pn532|pcsc", false,
     "Linux HAL: the badge reader: none, em4100 (a 125 kHz serial reader sending EM4100 "
     "ASCII frames, RDM6300 type, 9600 8N1) or pn532 (an NXP PN532 NFC reader on its UART, "
     "HSU 115200 8N1, or on I2C or SPI as reader.port names, polled for ISO 14443A cards) on "
     "reader.port, or pcsc (the first "
     "PC/SC reader of pcscd, reader.port unused). The simulator's reader is driven through "
     "the API.",
     NULL, NULL},
    {"reader.port", CFG_STRING, "", 0, 200, NULL, false,
     "Linux HAL: the badge reader's serial device (/dev/ttyAMA0, /dev/ttyUSB0, a udev "
     "symlink); reopened every second while it is missing. A pn532 on I2C: the bus's i2c-dev "
     "device (/dev/i2c-1, address 0x24); on SPI: its spidev device (/dev/spidev0.0, mode 0, "
     "1 MHz) - told apart by the file name (i2c-N, spidevB.C).",
     "absolute path", config_check_abs_or_empty},
    {"hal.cp_sample_ms", CFG_INT, "20", 5, 1000, NULL, false,
     "Linux HAL: CP/PP/temperature sampling period in ms.", NULL, NULL},
    {"hal.cp_burst", CFG_INT, "16", 1, 64, NULL, false,
     "Linux HAL: ADC conversions per CP sample (max = high level, min = low level).", NULL, NULL},
    {"hal.cp_gain", CFG_NUMBER, "1", 0.001, 1000, NULL, false,
     "Linux HAL: CP mV at the connector = ADC mV x cp_gain + cp_offset_mv.", NULL, NULL},
    {"hal.cp_offset_mv", CFG_NUMBER, "0", -20000, 20000, NULL, false,
     "Linux HAL: CP calibration offset in mV (see hal.cp_gain).", NULL, NULL},
    {"hal.pp_pullup_ohms", CFG_NUMBER, "330", 1, 100000, NULL, false,
     "Linux HAL: pull-up resistor of the PP measurement, ohms.", NULL, NULL},
    {"hal.pp_vref_mv", CFG_NUMBER, "5000", 100, 20000, NULL, false,
     "Linux HAL: voltage the PP pull-up goes to, mV.", NULL, NULL},
    {"hal.temp_mv_at_0c", CFG_NUMBER, "0", -5000, 5000, NULL, false,
     "Linux HAL: temperature sensor output at 0 C, mV (linear sensor).", NULL, NULL},
    {"hal.temp_mv_per_c", CFG_NUMBER, "10", 0.01, 1000, NULL, false,
     "Linux HAL: temperature sensor slope, mV per degree C.", NULL, NULL},
    {"sim.speed", CFG_NUMBER, "1", 0.1, 100000, NULL, false,
     "Simulator: simulated time runs this many times faster than real time.", NULL, NULL},
    {"sim.start", CFG_STRING, NULL, 0, 40, NULL, false,
     "Simulator: the station clock starts at this instant instead of now (tests of a given "
     "day).",
     "ISO-8601 time such as 2026-03-28T20:00:00Z", check_sim_start},
    {"sim.phase_contactor", CFG_BOOL, "false", 0, 0, NULL, false,
     "Simulator: every connector has a phase contactor (1 or 3 phases, for solar charging).", NULL,
     NULL},
    {"sim.selftest_fail", CFG_STRING, NULL, 0, 16, NULL, false,
     "Simulator: make one self-test check of one connector fail at start.",
     "CONNECTOR:rcd|contactor|cp|meter", check_selftest_fail},
    {"sim.plugged", CFG_STRING, NULL, 0, 32, NULL, false,
     "Simulator: these connectors have a car plugged in at start (a car that stayed through a "
     "restart or a power cut: its open session goes on).",
     "connectors, e.g. 1,2", check_sim_plugged},
    /* site (installation) */
    {"site.grid_type", CFG_ENUM, "TN", 0, 0, "TN|TT|IT", false,
     "Earthing system of the supply (IEC 60364-1 312.2). IT (no neutral, e.g. 3 x 230 V): "
     "site.voltage_v is the line-to-line voltage, a single-phase car sits between the "
     "connector's L1 and L2 and loads both grid lines in load management, and three-phase power "
     "is sqrt(3) U I (kVA limit, EnWG 14a, solar, OCPP profiles in W). TN and TT: phase-to-"
     "neutral, 3 U I.",
     NULL, NULL},
    {"site.phase_rotation", CFG_ENUM, "L1L2L3", 0, 0, "L1L2L3|L2L3L1|L3L1L2", false,
     "Order in which the supply phases are wired to the station's L1 L2 L3; used by energy "
     "management to map phases.",
     NULL, NULL},
    {"site.voltage_v", CFG_NUMBER, "230", 100, 277, NULL, false,
     "Nominal phase-to-neutral voltage (line-to-line in an IT grid, site.grid_type), used to "
     "turn amps into watts.",
     NULL, NULL},
    /* per connector */
    {"connector.*.selector_a", CFG_INT, "32", 0, 0, "32|25|20|16|12|8", true,
     "Installer current selector, in amps: the most this connector may offer.", NULL, NULL},
    {"connector.*.selector_position", CFG_INT, NULL, 0, 9, NULL, true,
     "Physical selector position; when set it wins over selector_a (0-5: 32/25/20/16/12/8 A, "
     "6-9: 8 A).",
     NULL, NULL},
    {"connector.*.phases", CFG_INT, "3", 0, 0, "1|3", false, "Phases wired to the connector.", NULL,
     NULL},
    {"connector.*.tethered", CFG_BOOL, "false", 0, 0, NULL, false,
     "A fixed cable (case C) instead of a socket outlet (case B); no PP cable coding then. It "
     "also gives the connector's type when connector.N.type is auto.",
     NULL, NULL},
    {"connector.*.type", CFG_ENUM, "auto", 0, 0, CONNECTOR_TYPES, true,
     "The connector's type for OCPP 2.0.1 (Connector.ConnectorType, ReserveNow `connectorType`), "
     "in the words of its ConnectorEnumType: auto is a Type 2 socket (sType2) or, tethered, a "
     "Type 2 cable (cType2); cType1 a SAE J1772 cable, cTesla a NACS cable; the s... types are "
     "sockets, the c... types cables (they must agree with connector.N.tethered); Other1PhMax16A, "
     "Other1PhOver16A, Other3Ph any other.",
     NULL, NULL},
    {"connector.*.breaker_a", CFG_NUMBER, "32", 6, 80, NULL, true,
     "Rating of the circuit breaker feeding the connector, in amps per phase.", NULL, NULL},
    {"connector.*.permanent_lock", CFG_BOOL, "false", 0, 0, NULL, true,
     "Keep the socket's cable locked even when not charging.", NULL, NULL},
    {"connector.*.ventilation", CFG_BOOL, "false", 0, 0, NULL, true,
     "Charging with ventilation (state D) is allowed; else state D is a fault.", NULL, NULL},
    {"connector.*.rcd_auto_retries", CFG_INT, "0", 0, 5, NULL, true,
     "Automatic re-closes after a residual current trip before staying Faulted.", NULL, NULL},
    {"connector.*.derate_temp_c", CFG_NUMBER, "70", 40, 100, NULL, true,
     "Temperature in degrees C above which the offered current is reduced.", NULL, NULL},
    {"connector.*.max_temp_c", CFG_NUMBER, "85", 50, 110, NULL, true,
     "Temperature in degrees C at which charging stops (error 601); above derate_temp_c.", NULL,
     NULL},
    /* Linux HAL pin map, per connector */
    PIN_GPIO("contactor", "contactor coil (output)"),
    PIN_GPIO("contactor_feedback", "contactor auxiliary contact (input)"),
    PIN_GPIO("lock", "socket lock actuator (output)"),
    PIN_GPIO("lock_feedback", "socket lock position switch (input)"),
    PIN_GPIO("rcd_trip", "residual current monitor trip signal (input)"),
    PIN_GPIO("rcd_test", "residual current monitor test winding (output)"),
    PIN_GPIO("phase_contactor",
             "phase contactor coil (output): energized = three phases, released = one"),
    {"connector.*.pwm", CFG_STRING, NULL, 0, 16, NULL, false,
     "Linux HAL: PWM channel driving the control pilot oscillator.", "pwmchipN:CHANNEL", check_pwm},
    PIN_ADC("cp", "control pilot voltage"),
    PIN_ADC("pp", "proximity pilot (cable coding)"),
    PIN_ADC("temp", "connector temperature"),
};

/* The core table above plus the module tables handed to the registry
 * (config_registry_add_table), merged into one array so that callers index a
 * single registry. Process-wide on purpose: it is built from constant tables
 * only, so it is the same for every station in the process (each station's
 * values live in its own `config`); filled before any config is made, from
 * the loop thread, read-only after. */
#define REGISTRY_MAX 1024
#define TABLES_MAX 32
static const cfg_key_table *tables[TABLES_MAX];
static size_t table_count;
static cfg_key_def merged[REGISTRY_MAX];
static int merged_count = -1;
static unsigned registry_gen = 1; /* bumped when a table joins: config_key_def's cache */

int config_registry_add_table(const cfg_key_table *t) {
  for (size_t i = 0; i < table_count; i++)
    if (tables[i] == t) return 0;
  if (table_count == TABLES_MAX) return -1;
  size_t rows = 0;
  for (const cfg_key_def *d = t->keys; d->key; d++) rows++;
  int total;
  config_registry(&total);
  if ((size_t)total + rows > REGISTRY_MAX) return -1;
  tables[table_count++] = t;
  merged_count = -1;
  registry_gen++; /* the key cache (config_key_def) is stale */
  return 0;
}

int config_registry_check(const config *c, char *err, size_t errlen) {
  for (size_t i = 0; i < table_count; i++)
    if (tables[i]->check && tables[i]->check(c, err, errlen) != 0) return -1;
  return 0;
}

const cfg_key_def *config_registry(int *count) {
  if (merged_count < 0) {
    int n = 0;
    for (size_t i = 0; i < sizeof registry / sizeof registry[0] && n < REGISTRY_MAX; i++)
      merged[n++] = registry[i];
    for (size_t t = 0; t < table_count; t++)
      for (const cfg_key_def *d = tables[t]->keys; d->key && n < REGISTRY_MAX; d++)
        merged[n++] = *d;
    merged_count = n;
  }
  if (count) *count = merged_count;
  return merged;
}

const char *config_type_name(cfg_type t) {
  switch (t) {
  case CFG_STRING:
    return "string";
  case CFG_INT:
    return "int";
  case CFG_NUMBER:
    return "number";
  case CFG_BOOL:
    return "bool";
  case CFG_ENUM:
    return "enum";
  }
  return "?";
}

bool config_wildcard_segment(const char *pattern, const char *seg, size_t n) {
  if (strncmp(pattern, "connector.", 10) == 0)
    return n == 1 && seg[0] >= '1' && seg[0] <= '0' + BORNE_MAX_CONNECTORS;
  if (n < 1 || n > CONFIG_NAME_MAX) return false;
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)seg[i];
    if (!islower(ch) && !isdigit(ch) && ch != '_') return false;
  }
  return true;
}

bool config_key_matches(const char *pattern, const char *key) {
  const char *p = pattern, *k = key;
  while (*p) {
    if (p[0] == '*' && (p[1] == '.' || p[1] == '\0') && (p == pattern || p[-1] == '.')) {
      size_t n = strcspn(k, ".");
      if (!config_wildcard_segment(pattern, k, n)) return false;
      p++, k += n;
    } else if (*p == *k) {
      p++, k++;
    } else {
      return false;
    }
  }
  return *k == '\0';
}

/* The keys looked up last, by a hash of their text (issue 15: a charging
 * cycle reads tens of keys, each a scan of the whole registry). Two ways per
 * set, the one used last first: three keys read at every turn of a cycle
 * shared one slot of a direct-mapped cache and pushed each other out. Per
 * thread, so that no lock is needed; emptied when a table joins the registry
 * (the generation), since the merged array is built again then. */
#define KEY_CACHE_SETS 32
#define KEY_CACHE_WAYS 2
#define KEY_CACHE_LEN 64
typedef struct {
  unsigned gen; /* 0: empty */
  int index;    /* -1: not a key of the registry */
  char key[KEY_CACHE_LEN];
} key_cache_slot;
static _Thread_local key_cache_slot key_cache[KEY_CACHE_SETS][KEY_CACHE_WAYS];

const cfg_key_def *config_key_def(const char *key) {
  if (!key) return NULL;
  int n;
  const cfg_key_def *defs = config_registry(&n);
  uint32_t h = 2166136261u; /* FNV-1a */
  size_t len = 0;
  for (const unsigned char *p = (const unsigned char *)key; *p; p++, len++)
    h = (h ^ *p) * 16777619u;
  key_cache_slot *set = key_cache[(h ^ (h >> 16)) % KEY_CACHE_SETS]; /* FNV's low bits mixed */
  for (int w = 0; w < KEY_CACHE_WAYS; w++) {
    if (set[w].gen != registry_gen || strcmp(set[w].key, key) != 0) continue;
    if (w > 0) { /* the one used last goes first */
      key_cache_slot hit = set[w];
      memmove(&set[1], &set[0], (size_t)w * sizeof set[0]);
      set[0] = hit;
    }
    return set[0].index < 0 ? NULL : &defs[set[0].index];
  }
  int found = -1;
  for (int i = 0; i < n && found < 0; i++)
    if (config_key_matches(defs[i].key, key)) found = i;
  /* an unknown key is kept too (-1); the way used longest ago makes room */
  if (len < KEY_CACHE_LEN) {
    memmove(&set[1], &set[0], (KEY_CACHE_WAYS - 1) * sizeof set[0]);
    memcpy(set[0].key, key, len + 1);
    set[0].index = found;
    set[0].gen = registry_gen;
  }
  return found < 0 ? NULL : &defs[found];
}
