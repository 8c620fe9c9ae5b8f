/*
 * Private to src/config: the one helper that writes an error message into a
 * caller's buffer (NULL or empty buffers allowed).
 */
#ifndef BORNE_CONFIG_CONFIG_ERROR_H
#define BORNE_CONFIG_CONFIG_ERROR_H

#include <stddef.h>

void config_errf(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
