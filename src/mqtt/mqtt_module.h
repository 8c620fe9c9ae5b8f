/*
 * The MQTT client of the station (src/mqtt/mqtt_module.c), attached from
 * main/modules.c: state out, commands in, Home Assistant discovery. See
 * docs/mqtt.md.
 */
#ifndef BORNE_MQTT_MODULE_H
#define BORNE_MQTT_MODULE_H

#include <stddef.h>

struct station;

/* mqtt.url set: connect to the broker (in the background, with back-off)
 * and publish; unset: does nothing. Returns -1 with one line in err when
 * the configuration cannot work (a client certificate without its key). */
int mqtt_attach(struct station *st, char *err, size_t errlen);

#endif
