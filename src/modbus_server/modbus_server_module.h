/*
 * The Modbus TCP server of the station (src/modbus_server/modbus_server_module.c):
 * attached from main/modules.c; see docs/modbus-server.md.
 */
#ifndef BORNE_MODBUS_SERVER_MODULE_H
#define BORNE_MODBUS_SERVER_MODULE_H

#include <stddef.h>
#include <stdint.h>

#include "core/types.h"

struct station;

/* Starts the server when modbus_server.listen is set (else does nothing).
 * Returns -1 with one line in err when it cannot listen. */
int modbus_server_attach(struct station *st, char *err, size_t errlen);

/* The address of the last client whose write the server applied (on a
 * follower: its leader) and when (station time, may be NULL); -1 when no
 * client wrote since start or there is no server. */
int modbus_server_leader(const struct station *st, char *addr, size_t len, borne_ms *at);

/* The installation's directory copy this station holds (version, first 16
 * bytes of its SHA-256; NULL digest: none), shown in the station block's
 * registers 8-9 and 42-49 for the leader to compare (docs/site.md). No
 * effect without a server. */
void modbus_server_set_directory(struct station *st, uint32_t version, const uint8_t digest[16]);

#endif
