/*
 * The modules that sit beside the station core, attached in this order once
 * the API runs and before the self-test. Each attach function reads its own
 * configuration, registers its routes and hooks (station_add_module and the
 * other extension points of station.h), and returns -1 with one line in err
 * when the station must not start.
 */
#include "app/energy.h"
#include "app/grid_inputs.h"
#include "app/metering.h"
#include "app/ocmf_glue.h"
#include "app/ocpp16_station.h"
#include "app/station.h"
#include "app/web.h"

typedef int (*module_attach_fn)(station *st, char *err, size_t errlen);

static const module_attach_fn attach_list[] = {
    metering_attach,    /* Modbus meters: before the modules that read meters */
    grid_inputs_attach, /* Linky TIC / P1 line, CT clamps, control contact (grid.source) */
    energy_attach,      /* load management: after the meters, reads their samples */
    ocmf_attach,        /* signed meter data: before OCPP, whose stop hook sends the end record */
    ocpp16_attach,      /* OCPP 1.6J back end (ocpp.url) */
    web_attach,         /* the local web page */
    NULL,               /* keeps the list non-empty; modules are added above this line */
};

int station_modules_open(station *st, char *err, size_t errlen) {
  for (size_t i = 0; i < sizeof attach_list / sizeof attach_list[0]; i++)
    if (attach_list[i] && attach_list[i](st, err, errlen) != 0) return -1;
  return 0;
}
