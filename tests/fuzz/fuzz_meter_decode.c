/*
 * Fuzz target for meter register maps and the decoding of Modbus answers:
 * the input is a map file's text, a NUL byte, then the register bytes of an
 * answer (big-endian words, as on the wire). Without a NUL, a fixed map is
 * used and the whole input is the answer. Parsing, planning, decoding and
 * the plausibility check must never crash or read out of bounds; a decoded
 * reading is always finite.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "meter/meter_map.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char fixed_map[] = "model = F\nsource = fuzz\n"
                                "voltage_l1 0 4 float32 msw be 1 V\n"
                                "current_l2 8 4 int32 lsw le 0.001 A\n"
                                "power_total 0x34 4 int16 msw be 10 kW\n"
                                "frequency 0x46 4 uint16 msw be 0.01 Hz\n"
                                "energy_import 0x48 4 float64 msw be 1 kWh\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const uint8_t *nul = memchr(data, 0, size);
  const char *text = fixed_map;
  size_t text_len = sizeof fixed_map - 1;
  const uint8_t *regs = data;
  size_t reg_bytes = size;
  if (nul) {
    text = (const char *)data;
    text_len = (size_t)(nul - data);
    regs = nul + 1;
    reg_bytes = size - text_len - 1;
  }
  meter_map m;
  char err[512];
  if (meter_map_parse(&m, text, text_len, "fuzz.map", err, sizeof err) != 0) return 0;
  size_t words = reg_bytes / 2;
  uint16_t *image = malloc((words ? words : 1) * sizeof *image);
  if (!image) return 0;
  for (size_t i = 0; i < words; i++) image[i] = (uint16_t)(regs[2 * i] << 8 | regs[2 * i + 1]);
  meter_reading r, prev = {0};
  if (meter_map_decode(&m, image, words, 1, &r, err, sizeof err) == 0) {
    if (!isfinite(r.energy_import_wh) || !isfinite(r.power_total_w)) abort();
    meter_limits lim = {.breaker_a = 32, .phases = 3, .nominal_voltage = 230, .margin = 1.5};
    (void)meter_check(&prev, &r, &lim, err, sizeof err);
    meter_map_encode(&m, MQ_ENERGY_IMPORT, r.energy_import_wh, image);
  }
  free(image);
  return 0;
}
