/*
 * Fuzz target for SunSpec register maps: the `sunspec =` line, scale-factor
 * references (sf:ADDRESS) and the decoding of an inverter's answer with its
 * model header, scale factors and "not implemented" values. The input is a
 * map's text, a NUL byte, then the answer's registers (big-endian words);
 * without a NUL, meters/sunspec-inverter.map's layout is used and the whole
 * input is the answer. Never a crash or an out-of-bounds read; a decoded
 * reading is always finite; encoding a decoded value back never writes
 * outside the image.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "meter/meter_map.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char fixed_map[] = "model = S\nsource = fuzz\nmax_gap = 10\n"
                                "sunspec = 40069 101,102,103 50\n"
                                "current_l1 40072 3 uint16 msw be sf:40075 A\n"
                                "voltage_l1 40079 3 uint16 msw be sf:40082 V\n"
                                "power_total 40083 3 int16 msw be sf:40084 W\n"
                                "frequency 40085 3 uint16 msw be sf:40086 Hz\n"
                                "energy_import 40093 3 uint32 msw be sf:40095 Wh\n";

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
  size_t cap = words > (size_t)m.image_words ? words : (size_t)m.image_words;
  uint16_t *image = calloc(cap ? cap : 1, sizeof *image);
  if (!image) return 0;
  for (size_t i = 0; i < words; i++) image[i] = (uint16_t)(regs[2 * i] << 8 | regs[2 * i + 1]);
  meter_reading r;
  if (meter_map_decode(&m, image, words, 1, &r, err, sizeof err) == 0) {
    if (!isfinite(r.energy_import_wh) || !isfinite(r.power_total_w)) abort();
    meter_map_encode(&m, MQ_POWER_TOTAL, r.power_total_w, image);
  }
  meter_map_encode_sunspec(&m, (int)(size % 21) - 10, image);
  meter_map_encode(&m, MQ_ENERGY_IMPORT, 1234.5, image);
  free(image);
  return 0;
}
