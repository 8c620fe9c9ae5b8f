/* The PN532 over I2C and SPI: see pn532_bus.h. */
#include "hal/pn532_bus.h"

#include <string.h>

uint8_t pn532_bitrev(uint8_t b) {
  b = (uint8_t)((b & 0xF0) >> 4 | (b & 0x0F) << 4);
  b = (uint8_t)((b & 0xCC) >> 2 | (b & 0x33) << 2);
  return (uint8_t)((b & 0xAA) >> 1 | (b & 0x55) << 1);
}

/* Where the first frame starts: its preamble 00 before the start code 00 FF. */
static size_t frame_start(const uint8_t *out, size_t n, size_t *start) {
  for (size_t i = 2; i < n; i++)
    if (out[i] == 0xFF && out[i - 1] == 0x00 && out[i - 2] == 0x00) {
      *start = i - 2;
      return n - *start;
    }
  return 0;
}

size_t pn532_bus_encode(pn532_bus_kind kind, const uint8_t *out, size_t n, uint8_t *bus,
                        size_t buslen) {
  size_t start = 0, len = frame_start(out, n, &start);
  if (len == 0) return 0;
  if (kind == PN532_BUS_I2C) {
    if (len > buslen) return 0;
    memcpy(bus, out + start, len);
    return len;
  }
  if (len + 1 > buslen) return 0;
  bus[0] = pn532_bitrev(PN532_SPI_DATA_WRITE);
  for (size_t i = 0; i < len; i++) bus[1 + i] = pn532_bitrev(out[start + i]);
  return len + 1;
}

size_t pn532_bus_decode(pn532_bus_kind kind, const uint8_t *rx, size_t n, uint8_t *frame,
                        size_t framelen) {
  if (kind == PN532_BUS_I2C) {
    if (n < 1 || !(rx[0] & PN532_BUS_READY)) return 0;
    size_t len = n - 1 < framelen ? n - 1 : framelen;
    memcpy(frame, rx + 1, len);
    return len;
  }
  size_t len = n < framelen ? n : framelen;
  for (size_t i = 0; i < len; i++) frame[i] = pn532_bitrev(rx[i]);
  return len;
}

int pn532_bus_of(const char *port) {
  const char *slash = strrchr(port, '/');
  const char *name = slash ? slash + 1 : port;
  if (strncmp(name, "i2c-", 4) == 0) return PN532_BUS_I2C;
  if (strncmp(name, "spidev", 6) == 0) return PN532_BUS_SPI;
  return -1;
}

static int send_out(pn532_bus *b, pn532_reader *r) {
  if (!r->out_len) return 0;
  uint8_t bus[PN532_BUS_MAX], rx[PN532_BUS_MAX];
  size_t n = pn532_bus_encode(b->kind, r->out, r->out_len, bus, sizeof bus);
  r->out_len = 0;
  if (n == 0) return 0;
  return b->kind == PN532_BUS_I2C ? b->write(b->io, bus, n) : b->xfer(b->io, bus, rx, n);
}

static bool awaiting(const pn532_reader *r) {
  return r->step == PN532_WAKING || r->step == PN532_SETTING || r->step == PN532_POLLING;
}

/* Asks whether a frame is ready and reads it: its bytes in `frame`, 0 if none yet. */
static int read_frame(pn532_bus *b, uint8_t *frame, size_t *len) {
  uint8_t tx[PN532_BUS_READ + 1] = {0}, rx[PN532_BUS_READ + 1];
  *len = 0;
  if (b->kind == PN532_BUS_I2C) {
    if (b->read(b->io, rx, PN532_BUS_READ + 1) != 0) return -1;
    *len = pn532_bus_decode(b->kind, rx, PN532_BUS_READ + 1, frame, PN532_BUS_READ);
    if (*len == 0) b->not_ready++;
    return 0;
  }
  tx[0] = pn532_bitrev(PN532_SPI_STATUS_READ);
  if (b->xfer(b->io, tx, rx, 2) != 0) return -1;
  if (!(pn532_bitrev(rx[1]) & PN532_BUS_READY)) {
    b->not_ready++;
    return 0;
  }
  tx[0] = pn532_bitrev(PN532_SPI_DATA_READ);
  if (b->xfer(b->io, tx, rx, PN532_BUS_READ + 1) != 0) return -1;
  *len = pn532_bus_decode(b->kind, rx + 1, PN532_BUS_READ, frame, PN532_BUS_READ);
  return 0;
}

int pn532_bus_step(pn532_bus *b, pn532_reader *r, borne_ms now) {
  pn532_reader_tick(r, now);
  if (send_out(b, r) != 0) return -1;
  /* an ACK then the answer: at most a few frames per turn */
  for (int i = 0; i < 4 && awaiting(r); i++) {
    uint8_t frame[PN532_BUS_READ];
    size_t len;
    if (read_frame(b, frame, &len) != 0) return -1;
    if (len == 0) break;
    pn532_reader_feed(r, frame, len, now);
    /* a frame is whole in one read: what it left half-parsed (junk after it) is dropped */
    r->dec.state = 0;
    if (send_out(b, r) != 0) return -1;
  }
  return 0;
}

borne_ms pn532_bus_next_ms(const pn532_reader *r, borne_ms now) {
  borne_ms due = pn532_reader_next_ms(r, now);
  return awaiting(r) && due > PN532_BUS_POLL_MS ? PN532_BUS_POLL_MS : due;
}
