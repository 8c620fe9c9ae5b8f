/*
 * A receive-only serial line on the libuv loop, for devices that talk on
 * their own (the grid inputs' Linky TIC and P1 meters, the Linux back end's
 * 125 kHz badge reader; it lives in the HAL for both): opens the device, sets its line settings
 * (termios: baud, 7 or 8 data bits, parity, stop bits, raw), hands every
 * byte read to a callback, reports the line going down (device unplugged,
 * pty closed, read error) and comes back by itself by trying to open the
 * device again every `retry_ms`.
 *
 * No worker thread: the descriptor is non-blocking and watched with uv_poll,
 * so a read never blocks the loop, and the data rate (at most 11.5 kB/s at
 * 115200 baud) and the parsing behind it cost next to nothing.
 */
#ifndef BORNE_HAL_SERIAL_LINE_H
#define BORNE_HAL_SERIAL_LINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

typedef struct {
  int baud;      /* 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200 */
  int data_bits; /* 7 or 8 */
  char parity;   /* 'N', 'E', 'O' */
  int stop_bits; /* 1 or 2 */
} serial_params;

/* "1200,7E1" -> params; -1 when malformed or unsupported. */
int serial_params_parse(const char *text, serial_params *p);

typedef struct serial_line serial_line;

typedef struct {
  void (*data)(void *ctx, const uint8_t *bytes, size_t n);
  /* up = true once the device is open and set; false with a reason when it
   * could not be opened or was lost. Called on every change only. */
  void (*state)(void *ctx, bool up, const char *why);
  void *ctx;
} serial_line_cbs;

/* Starts at once (the first state callback may come from inside this call).
 * Returns NULL only when out of memory or the params are invalid. */
serial_line *serial_line_open(uv_loop_t *loop, const char *path, const serial_params *p,
                              unsigned retry_ms, const serial_line_cbs *cbs);
/* The same, opened read-write for devices that are asked (the PN532). */
serial_line *serial_line_open_rw(uv_loop_t *loop, const char *path, const serial_params *p,
                                 unsigned retry_ms, const serial_line_cbs *cbs);
/* Writes all of `bytes` now (non-blocking: a short queue is an error, never a
 * wait). 0, or -1 with errno (the line is down or read-only, a write error). */
int serial_line_write(serial_line *l, const uint8_t *bytes, size_t n);
/* New line settings (the TIC's mode search): applied now when open, else at
 * the next open. Returns -1 with errno set when tcsetattr refused them. */
int serial_line_set_params(serial_line *l, const serial_params *p);
bool serial_line_up(const serial_line *l);
/* Stops, closes the device and frees once libuv released the handles; no
 * callback runs after this call. */
void serial_line_close(serial_line *l);

#endif
