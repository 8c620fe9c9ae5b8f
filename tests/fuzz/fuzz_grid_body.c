/*
 * Fuzz target for the body of POST /api/v1/grid (src/grid/grid_body.c):
 * arbitrary bytes give either a grid sample whose numbers are finite and in
 * range with at least one thing recorded, or a 400 with a message; never a
 * crash or a leak.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_body.h"
#include "grid/grid_body.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_triplet(const double v[3], double max) {
  for (int i = 0; i < 3; i++)
    if (!isfinite(v[i]) || fabs(v[i]) > max) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  http_response res = {0};
  json_t *o = fuzz_body_object(data, size, "/api/v1/grid", 0, &res);
  if (o) {
    grid_sample g = {.at = 1};
    if (grid_body_read(o, &g, &res) == 0) {
      if (res.body || g.at != 1) abort(); /* accepted: no error written, time untouched */
      if (!g.has_current && !g.has_power && !g.has_contact && !g.has_offpeak) abort();
      check_triplet(g.current_a, GRID_BODY_MAX_A);
      check_triplet(g.power_w, GRID_BODY_MAX_W);
      if (!isfinite(g.power_total_w) || memchr(g.tariff, 0, sizeof g.tariff) == NULL) abort();
    } else if (res.status != 400 || !res.body) {
      abort(); /* refused: a 400 that says why */
    }
    json_decref(o);
  }
  free(res.body);
  return 0;
}
