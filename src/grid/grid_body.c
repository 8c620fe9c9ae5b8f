/* POST /api/v1/grid body (see grid_body.h). */
#include "grid/grid_body.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>

#include "http/http_json.h"

/* `name`: an array of 3 numbers (L1 L2 L3) or 1 (single-phase supply). */
static int read_triplet(json_t *body, const char *name, double max, double out[3], bool *present,
                        http_response *res) {
  json_t *v = json_object_get(body, name);
  *present = v != NULL;
  if (!v) return 0;
  if (!json_is_array(v) || (json_array_size(v) != 3 && json_array_size(v) != 1)) {
    http_json_error(res, 400, "%s: an array of 3 numbers (L1, L2, L3) or of 1 (single phase)",
                    name);
    return -1;
  }
  out[0] = out[1] = out[2] = 0;
  for (size_t i = 0; i < json_array_size(v); i++) {
    json_t *x = json_array_get(v, i);
    double d = json_is_number(x) ? json_number_value(x) : NAN;
    if (!isfinite(d) || d < -max || d > max) {
      http_json_error(res, 400, "%s[%zu]: a number from %g to %g", name, i, -max, max);
      return -1;
    }
    out[i] = d;
  }
  return 0;
}

int grid_body_read(json_t *body, grid_sample *g, http_response *res) {
  static const char *const allowed[] = {"current_a", "power_w", "contact",
                                        "offpeak",   "tariff",  NULL};
  bool has_cur = false, has_pow = false;
  int contact = -1, offpeak = -1;
  const char *tariff = NULL;
  if (http_only_members(body, allowed, res) ||
      read_triplet(body, "current_a", GRID_BODY_MAX_A, g->current_a, &has_cur, res) ||
      read_triplet(body, "power_w", GRID_BODY_MAX_W, g->power_w, &has_pow, res) ||
      http_opt_bool(body, "contact", &contact, res) < 0 ||
      http_opt_bool(body, "offpeak", &offpeak, res) < 0 ||
      http_opt_string(body, "tariff", sizeof g->tariff - 1, &tariff, res) < 0)
    return -1;
  if (!has_cur && !has_pow && contact < 0 && offpeak < 0) {
    http_json_error(res, 400,
                    "nothing to record: give current_a (A per phase), power_w, contact or "
                    "offpeak, e.g. {\"current_a\": [12.5, 8.0, 10.1]}");
    return -1;
  }
  g->has_current = has_cur;
  g->has_power = has_pow;
  if (has_pow) g->power_total_w = g->power_w[0] + g->power_w[1] + g->power_w[2];
  g->has_contact = contact >= 0;
  g->contact_asserted = contact == 1;
  g->has_offpeak = offpeak >= 0;
  g->offpeak = offpeak == 1;
  if (tariff) snprintf(g->tariff, sizeof g->tariff, "%s", tariff);
  return 0;
}
