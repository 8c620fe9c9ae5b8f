/*
 * Grid inputs of the station (src/grid/grid_module.c): the Linky TIC or P1
 * line named by grid.source / grid.port, attached from main/modules.c; see
 * docs/grid-inputs.md.
 */
#ifndef BORNE_APP_GRID_INPUTS_H
#define BORNE_APP_GRID_INPUTS_H

#include <stddef.h>

struct station;

/* grid.source = tic or p1: open grid.port and publish its frames. Any other
 * source: does nothing. Returns -1 with one line in err when grid.port is
 * missing. A device that cannot be opened yet is not an error: the line is
 * retried every second and shown as down. */
int grid_attach(struct station *st, char *err, size_t errlen);

#endif
