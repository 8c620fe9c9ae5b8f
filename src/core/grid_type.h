/*
 * The earthing system of the supply (site.grid_type, IEC 60364-1 312.2) where
 * it changes borne's arithmetic. TN and TT have a neutral: a load sits between
 * a line and N at the phase voltage. An IT supply (Norway's 3 x 230 V) has no
 * neutral: site.voltage_v is the line-to-line voltage, a single-phase car sits
 * between two lines (the connector's L1 and L2 by its rotation), so its current
 * flows in two grid lines, and a three-phase load takes sqrt(3) U I, not 3 U I.
 * Pure: no I/O.
 */
#ifndef BORNE_CORE_GRID_TYPE_H
#define BORNE_CORE_GRID_TYPE_H

#include <stdbool.h>

typedef enum { GRID_TN, GRID_TT, GRID_IT } grid_type;

/* "TN", "TT", "IT"; anything else: TN. */
grid_type grid_type_parse(const char *name);

/* The voltage V for which power = phases * V * I holds for a load on `phases`
 * conductors (1 or 3) at I A per conductor: TN/TT the phase voltage given; IT
 * the line-to-line voltage given for a single-phase load (U I), U / sqrt(3)
 * for a three-phase one (sqrt(3) U I). What every W <-> A conversion uses. */
double grid_phase_voltage(grid_type g, double voltage_v, int phases);

/* How many grid lines a load on `phases` conductors loads: IT single-phase: 2
 * (the line and the one that stands for N), else `phases`. */
int grid_lines_loaded(grid_type g, int phases);

#endif
