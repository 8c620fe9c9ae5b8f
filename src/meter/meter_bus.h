/*
 * A Modbus bus (one RTU serial line or one TCP connection) with its meters,
 * polled in turn by ONE worker thread: libmodbus calls block, so they never
 * run on the loop. Each poll's result goes into a mutex-protected mailbox
 * (one slot per meter, the newest wins) and uv_async_send() wakes the loop,
 * where the callback given to meter_bus_new() runs. Meters on one serial
 * line never talk at the same time: the worker asks one after the other.
 *
 * Counters per meter: polls, timeouts, CRC errors, exception responses,
 * malformed answers (libmodbus EMBBADDATA...), I/O errors, decode errors
 * (NaN/infinite values). Plausibility against earlier readings is the
 * caller's business (meter_check() in meter_map.h) because it needs the
 * connector's breaker and the previous reading.
 */
#ifndef BORNE_METER_METER_BUS_H
#define BORNE_METER_METER_BUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "meter/meter_map.h"

#define METER_BUS_MAX_METERS 32

typedef enum {
  MB_OK = 0,
  MB_TIMEOUT,   /* no (complete) answer within the response timeout */
  MB_CRC,       /* RTU frame with a wrong CRC */
  MB_EXCEPTION, /* the meter answered with a Modbus exception */
  MB_BAD_FRAME, /* an answer that does not fit the request (garbage) */
  MB_IO,        /* cannot open the port or connect; connection lost */
  MB_DECODE,    /* registers read, but a value is NaN or infinite */
} meter_poll_status;

const char *meter_poll_status_name(meter_poll_status s); /* "ok", "timeout", "crc", ... */

typedef struct {
  uint64_t polls;
  uint64_t ok;
  uint64_t timeouts;
  uint64_t crc_errors;
  uint64_t exceptions;
  uint64_t bad_frames;
  uint64_t io_errors;
  uint64_t decode_errors;
} meter_counters;

typedef struct {
  uint64_t seq; /* polls of this meter so far */
  meter_poll_status status;
  meter_reading reading; /* when status == MB_OK; `at` is 0: the loop side stamps it */
  char error[160];       /* when not MB_OK: one line for the event log */
  meter_counters counters;
  double poll_ms; /* wall time the poll took */
  double cpu_ms;  /* worker CPU time the poll took */
} meter_result;

/* Runs on the loop thread for each fresh result of meter `index`. */
typedef void (*meter_result_fn)(void *ctx, int index, const meter_result *r);

typedef struct {
  const char *port;     /* tcp://host[:port] or a serial device */
  const char *serial;   /* "9600,8N1" (RTU only) */
  int poll_interval_ms; /* between the starts of two rounds over all meters */
} meter_bus_config;

typedef struct meter_bus meter_bus;

/* Pure helpers, also used by the configuration docs and tests. */
int meter_parse_serial(const char *s, int *baud, char *parity, int *data_bits, int *stop_bits);
int meter_parse_tcp(const char *port, char *host, size_t hostlen, int *tcp_port);

/* A bus, not started. Returns NULL with a reason in err (bad port or serial). */
meter_bus *meter_bus_new(uv_loop_t *loop, const meter_bus_config *cfg, meter_result_fn fn,
                         void *ctx, char *err, size_t errlen);
/* Add a meter before meter_bus_start(); returns its index, or -1. */
int meter_bus_add(meter_bus *b, const meter_map *map, int unit_id, int timeout_ms, char *err,
                  size_t errlen);
/* Start the worker: the first round begins at once. */
int meter_bus_start(meter_bus *b, char *err, size_t errlen);
/* Begin the next round now instead of at the next interval (tests, bench). */
void meter_bus_poll_now(meter_bus *b);
/* Stop the worker (waits for the request in flight: at most one response
 * timeout), then close the async handle; memory goes when the loop runs the
 * close callback. */
void meter_bus_close(meter_bus *b);

#endif
