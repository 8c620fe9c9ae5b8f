/* The earthing system's arithmetic (see grid_type.h). */
#include "core/grid_type.h"

#include <math.h>
#include <string.h>

grid_type grid_type_parse(const char *name) {
  if (name && strcmp(name, "IT") == 0) return GRID_IT;
  if (name && strcmp(name, "TT") == 0) return GRID_TT;
  return GRID_TN;
}

double grid_phase_voltage(grid_type g, double voltage_v, int phases) {
  if (g == GRID_IT && phases == 3) return voltage_v / sqrt(3.0);
  return voltage_v;
}

int grid_lines_loaded(grid_type g, int phases) {
  if (g == GRID_IT && phases == 1) return 2;
  return phases;
}
