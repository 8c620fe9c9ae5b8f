/*
 * The PN532 over I2C and SPI (PN532 User Manual UM0701-02, §6.2.4 and
 * §6.2.5), beside its High Speed UART (pn532.h): the same frames and the same
 * dialogue (pn532_reader), another way to move them. Pure but for the three
 * I/O calls the caller hands in (the Linux back end: i2c-dev and spidev; the
 * tests: a fake PN532).
 *
 * I2C (slave address 0x24): the host writes a frame as it is; it reads the
 * PN532's status byte first, then the frame: 01 = ready (the frame follows),
 * 00 = not yet (what follows is nothing; read again later).
 *
 * SPI (mode 0, LSB first on the wire): every exchange starts with a byte
 * saying what it is: 01 data write (the frame follows), 02 status read (the
 * PN532 answers one byte, bit 0 = ready), 03 data read (the frame comes out).
 * Linux SPI controllers seldom do LSB first (spidev's SPI_LSB_FIRST is refused
 * by the Raspberry Pi's), so the bytes are sent MSB first and every byte is
 * bit-reversed here, both ways: the wire sees what the PN532 expects.
 *
 * The HSU wake-up (55 55 00 …) means nothing on these buses: the PN532 wakes
 * on its I2C address or on SPI's chip select; it is dropped.
 */
#ifndef BORNE_HAL_PN532_BUS_H
#define BORNE_HAL_PN532_BUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hal/pn532.h"

#define PN532_I2C_ADDRESS 0x24
#define PN532_SPI_DATA_WRITE 0x01
#define PN532_SPI_STATUS_READ 0x02
#define PN532_SPI_DATA_READ 0x03
#define PN532_BUS_READY 0x01
/* how often an awaited answer is asked for (the chip answers in ms) */
#define PN532_BUS_POLL_MS 10
/* bytes read for one frame: the longest answer we take (InListPassiveTarget
 * with a 10-byte UID: 00 00 FF LEN LCS D5 4B 01 01 SENS(2) SEL LEN UID(10) DCS 00)
 * fits with room; a longer frame is cut and counted as bad */
#define PN532_BUS_READ 40
#define PN532_BUS_MAX (PN532_MAX_OUT + 1)

typedef enum { PN532_BUS_I2C, PN532_BUS_SPI } pn532_bus_kind;

uint8_t pn532_bitrev(uint8_t b);

/* The bytes to put on the bus for the dialogue's output (r->out): the
 * wake-up dropped, SPI's data-write byte first and every byte bit-reversed.
 * Returns their count, 0 when there is no frame in `out`. */
size_t pn532_bus_encode(pn532_bus_kind kind, const uint8_t *out, size_t n, uint8_t *bus,
                        size_t buslen);

/* A read's frame bytes: I2C `rx` = status byte + frame, SPI `rx` = the bytes
 * clocked out after the data-read byte (still reversed). Copies the frame
 * bytes (in the PN532's order) to `frame`; returns their count, 0 when the
 * I2C status says not ready. */
size_t pn532_bus_decode(pn532_bus_kind kind, const uint8_t *rx, size_t n, uint8_t *frame,
                        size_t framelen);

typedef struct {
  pn532_bus_kind kind;
  /* I2C: write, read (0 or -1 with errno). SPI: one full-duplex transfer of n bytes. */
  int (*write)(void *io, const uint8_t *bytes, size_t n);
  int (*read)(void *io, uint8_t *bytes, size_t n);
  int (*xfer)(void *io, const uint8_t *tx, uint8_t *rx, size_t n);
  void *io;
  uint64_t not_ready; /* status reads that said "not yet" */
} pn532_bus;

/* The bus a reader.port names, by its file name: i2c-N (i2c-dev) is I2C,
 * spidevB.C SPI; -1: neither (a serial line, the PN532's UART). */
int pn532_bus_of(const char *port);

/* One turn at `now`: the dialogue's timer (wake-up, poll, give up), what it
 * sends written, and while an answer is awaited, the status asked and a
 * ready frame read and fed (an answer may make the next command: written
 * too). 0, or -1 when the device failed (errno set): close it, reopen later,
 * pn532_reader_reset. */
int pn532_bus_step(pn532_bus *b, pn532_reader *r, borne_ms now);

/* When the next turn is due (ms from now). */
borne_ms pn532_bus_next_ms(const pn532_reader *r, borne_ms now);

#endif
