/* libmodbus, opened at the first Modbus call (util/lazylib.h): only a station
 * with a Modbus meter, grid meter, inverter, site member or the Modbus TCP
 * server maps it. */
#include <errno.h>
#include <modbus.h>
#include <string.h>

#include "util/lazylib.h"

#define LAZYLIB_SELF lazy_modbus
#define MODBUS_FNS(F, V)                                                                           \
  V(modbus_close, (modbus_t * ctx), (ctx))                                                         \
  F(int, modbus_connect, (modbus_t * ctx), (ctx), -1)                                              \
  F(int, modbus_flush, (modbus_t * ctx), (ctx), -1)                                                \
  V(modbus_free, (modbus_t * ctx), (ctx))                                                          \
  F(int, modbus_get_header_length, (modbus_t * ctx), (ctx), -1)                                    \
  F(int, modbus_get_socket, (modbus_t * ctx), (ctx), -1)                                           \
  F(modbus_t *, modbus_new_rtu,                                                                    \
    (const char *device, int baud, char parity, int data_bit, int stop_bit),                       \
    (device, baud, parity, data_bit, stop_bit), NULL)                                              \
  F(modbus_t *, modbus_new_tcp_pi, (const char *node, const char *service), (node, service), NULL) \
  F(int, modbus_read_input_registers, (modbus_t * ctx, int addr, int nb, uint16_t *dest),          \
    (ctx, addr, nb, dest), -1)                                                                     \
  F(int, modbus_read_registers, (modbus_t * ctx, int addr, int nb, uint16_t *dest),                \
    (ctx, addr, nb, dest), -1)                                                                     \
  F(int, modbus_receive, (modbus_t * ctx, uint8_t * req), (ctx, req), -1)                          \
  F(int, modbus_send_raw_request, (modbus_t * ctx, const uint8_t *raw_req, int raw_req_length),    \
    (ctx, raw_req, raw_req_length), -1)                                                            \
  F(int, modbus_set_byte_timeout, (modbus_t * ctx, uint32_t to_sec, uint32_t to_usec),             \
    (ctx, to_sec, to_usec), -1)                                                                    \
  F(int, modbus_set_indication_timeout, (modbus_t * ctx, uint32_t to_sec, uint32_t to_usec),       \
    (ctx, to_sec, to_usec), -1)                                                                    \
  F(int, modbus_set_response_timeout, (modbus_t * ctx, uint32_t to_sec, uint32_t to_usec),         \
    (ctx, to_sec, to_usec), -1)                                                                    \
  F(int, modbus_set_slave, (modbus_t * ctx, int slave), (ctx, slave), -1)                          \
  F(int, modbus_set_socket, (modbus_t * ctx, int s), (ctx, s), -1)                                 \
  F(const char *, modbus_strerror, (int errnum), (errnum),                                         \
    errnum == ENOSYS ? "libmodbus (Debian package libmodbus5) cannot be loaded"                    \
                     : strerror(errnum))                                                           \
  F(int, modbus_tcp_pi_listen, (modbus_t * ctx, int nb_connection), (ctx, nb_connection), -1)      \
  F(int, modbus_write_register, (modbus_t * ctx, int reg_addr, const uint16_t value),              \
    (ctx, reg_addr, value), -1)

LAZYLIB_DEFINE(lazy_modbus, "libmodbus.so.5", "libmodbus5", MODBUS_FNS)
