/*
 * Builds the hardware back end named by `hal.backend` from the configuration.
 */
#ifndef BORNE_APP_HW_FACTORY_H
#define BORNE_APP_HW_FACTORY_H

#include <stddef.h>

struct station;
struct hal;

struct hal *hw_create(struct station *st, char *err, size_t errlen);

#endif
