/*
 * The PN532 over I2C and SPI (src/hal/pn532_bus.c): the bytes on each bus
 * against UM0701-02 §6.2.4/§6.2.5 (captures of what a host writes and reads,
 * SPI's bit order on the wire), then the whole dialogue against a fake PN532
 * behind each bus: wake-up dropped, SAMConfiguration, RFConfiguration, polls
 * while the chip says "not ready", one badge per presentation, a device that
 * fails, a chip that stops answering.
 */
/* cmocka.h needs these first */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hal/pn532_bus.h"

static void bit_order(void **state) {
  (void)state;
  assert_int_equal(pn532_bitrev(0x01), 0x80);
  assert_int_equal(pn532_bitrev(0x02), 0x40);
  assert_int_equal(pn532_bitrev(0x03), 0xC0);
  assert_int_equal(pn532_bitrev(0xD4), 0x2B);
  assert_int_equal(pn532_bitrev(0xFF), 0xFF);
  for (int b = 0; b < 256; b++) assert_int_equal(pn532_bitrev(pn532_bitrev((uint8_t)b)), b);
}

/* What the reader's wake-up (HSU 55 55 00.. + SAMConfiguration) becomes on each bus. */
static void encode_drops_the_wakeup(void **state) {
  (void)state;
  pn532_reader r;
  pn532_reader_init(&r, NULL, NULL);
  pn532_reader_tick(&r, 0);
  assert_true(r.out_len > 16);
  static const uint8_t sam[] = {0x00, 0x00, 0xFF, 0x03, 0xFD, 0xD4, 0x14, 0x01, 0x17, 0x00};
  uint8_t bus[64];
  assert_int_equal(pn532_bus_encode(PN532_BUS_I2C, r.out, r.out_len, bus, sizeof bus), sizeof sam);
  assert_memory_equal(bus, sam, sizeof sam);
  /* SPI: DW then the frame, each byte LSB first: 80 | 00 00 FF C0 BF 2B 28 80 E8 00 */
  static const uint8_t spi[] = {0x80, 0x00, 0x00, 0xFF, 0xC0, 0xBF, 0x2B, 0x28, 0x80, 0xE8, 0x00};
  assert_int_equal(pn532_bus_encode(PN532_BUS_SPI, r.out, r.out_len, bus, sizeof bus), sizeof spi);
  assert_memory_equal(bus, spi, sizeof spi);
  /* no frame, or no room: nothing */
  static const uint8_t junk[] = {0x55, 0x55, 0x00, 0x00};
  assert_int_equal(pn532_bus_encode(PN532_BUS_I2C, junk, sizeof junk, bus, sizeof bus), 0);
  assert_int_equal(pn532_bus_encode(PN532_BUS_SPI, r.out, r.out_len, bus, 10), 0);
}

static void decode_status_and_frames(void **state) {
  (void)state;
  uint8_t frame[64];
  /* I2C: ready byte, then the ACK (a capture of an I2C read of 7 bytes) */
  static const uint8_t ack[] = {0x01, 0x00, 0x00, 0xFF, 0x00, 0xFF, 0x00};
  assert_int_equal(pn532_bus_decode(PN532_BUS_I2C, ack, sizeof ack, frame, sizeof frame), 6);
  assert_memory_equal(frame, ack + 1, 6);
  /* not ready: the status byte is 00 and the rest means nothing */
  static const uint8_t busy[] = {0x00, 0x00, 0x00, 0xFF, 0x00, 0xFF, 0x00};
  assert_int_equal(pn532_bus_decode(PN532_BUS_I2C, busy, sizeof busy, frame, sizeof frame), 0);
  assert_int_equal(pn532_bus_decode(PN532_BUS_I2C, busy, 0, frame, sizeof frame), 0);
  /* SPI: the ACK as it comes off the wire, LSB first */
  static const uint8_t spi_ack[] = {0x00, 0x00, 0xFF, 0x00, 0xFF, 0x00};
  assert_int_equal(pn532_bus_decode(PN532_BUS_SPI, spi_ack, sizeof spi_ack, frame, 4), 4);
  static const uint8_t spi_answer[] = {0x00, 0x00, 0xFF, 0xC0, 0xBF, 0xAB, 0xA8, 0x00, 0xE8};
  assert_int_equal(pn532_bus_decode(PN532_BUS_SPI, spi_answer, sizeof spi_answer, frame, 64), 9);
  static const uint8_t want[] = {0x00, 0x00, 0xFF, 0x03, 0xFD, 0xD5, 0x15, 0x00, 0x17};
  assert_memory_equal(frame, want, sizeof want);
}

/* ---- a fake PN532 behind either bus ---- */

typedef struct {
  pn532_bus_kind kind;
  pn532_decoder dec; /* the host's frames */
  uint8_t queue[8][PN532_BUS_READ];
  size_t qlen[8];
  int queued;
  int busy_polls; /* status reads that say "not ready" before each frame */
  int busy_left;
  bool card;       /* a card on the antenna */
  bool mute;       /* answers nothing */
  bool broken;     /* the device fails (unplugged) */
  int commands[8]; /* command codes received, in order */
  int ncommands;
  int writes, bad_prefix;
} fake_chip;

static void push(fake_chip *c, const uint8_t *bytes, size_t n) {
  memcpy(c->queue[c->queued], bytes, n);
  c->qlen[c->queued++] = n;
  c->busy_left = c->busy_polls;
}

static void host_frame(void *ctx, pn532_kind kind, const uint8_t *body, size_t n) {
  fake_chip *c = ctx;
  if (kind != PN532_INFO || body[0] != 0xD4 || n < 2) return;
  if (c->ncommands < 8) c->commands[c->ncommands++] = body[1];
  if (c->mute) return;
  static const uint8_t ack[] = {0x00, 0x00, 0xFF, 0x00, 0xFF, 0x00};
  push(c, ack, sizeof ack);
  uint8_t answer[PN532_BUS_READ];
  size_t len = 0;
  if (body[1] == 0x4A && c->card) {
    static const uint8_t card[] = {0x4B, 0x01, 0x01, 0x00, 0x04, 0x08,
                                   0x04, 0x90, 0x1F, 0x2A, 0xA4};
    len = pn532_build_frame(0xD5, card, sizeof card, answer, sizeof answer);
  } else {
    uint8_t code[] = {(uint8_t)(body[1] + 1), 0x00};
    len = pn532_build_frame(0xD5, code, body[1] == 0x4A ? 2 : 1, answer, sizeof answer);
  }
  push(c, answer, len);
}

static void take(fake_chip *c, uint8_t *out, size_t n) {
  memset(out, 0xA5, n); /* what comes after a frame is junk */
  memcpy(out, c->queue[0], c->qlen[0] < n ? c->qlen[0] : n);
  memmove(c->queue[0], c->queue[1], sizeof c->queue[0] * 7);
  memmove(c->qlen, c->qlen + 1, sizeof c->qlen[0] * 7);
  c->queued--;
  c->busy_left = c->busy_polls;
}

static bool ready(fake_chip *c) {
  if (!c->queued) return false;
  if (c->busy_left > 0) {
    c->busy_left--;
    return false;
  }
  return true;
}

static int i2c_write(void *io, const uint8_t *bytes, size_t n) {
  fake_chip *c = io;
  if (c->broken) return errno = EREMOTEIO, -1;
  c->writes++;
  pn532_feed(&c->dec, bytes, n, host_frame, c);
  return 0;
}

static int i2c_read(void *io, uint8_t *bytes, size_t n) {
  fake_chip *c = io;
  if (c->broken) return errno = EREMOTEIO, -1;
  if (!ready(c)) {
    memset(bytes, 0, n);
    return 0;
  }
  bytes[0] = 0x01;
  take(c, bytes + 1, n - 1);
  return 0;
}

static int spi_xfer(void *io, const uint8_t *tx, uint8_t *rx, size_t n) {
  fake_chip *c = io;
  if (c->broken) return errno = EIO, -1;
  memset(rx, 0, n);
  uint8_t op = pn532_bitrev(tx[0]);
  if (op == PN532_SPI_DATA_WRITE) {
    uint8_t plain[PN532_BUS_MAX];
    for (size_t i = 1; i < n; i++) plain[i - 1] = pn532_bitrev(tx[i]);
    c->writes++;
    pn532_feed(&c->dec, plain, n - 1, host_frame, c);
  } else if (op == PN532_SPI_STATUS_READ) {
    rx[1] = pn532_bitrev(ready(c) ? 0x01 : 0x00);
    if (c->queued && !c->busy_left) c->busy_left = 0; /* stays ready until read */
  } else if (op == PN532_SPI_DATA_READ) {
    uint8_t plain[PN532_BUS_READ + 1];
    if (c->queued)
      take(c, plain, n - 1);
    else
      memset(plain, 0, n - 1);
    for (size_t i = 1; i < n; i++) rx[i] = pn532_bitrev(plain[i - 1]);
  } else {
    c->bad_prefix++;
  }
  return 0;
}

static char seen_uid[21];
static int seen_count;
static void on_uid(void *ctx, const char *uid) {
  (void)ctx;
  snprintf(seen_uid, sizeof seen_uid, "%s", uid);
  seen_count++;
}

static void run(pn532_bus *b, pn532_reader *r, borne_ms *now, borne_ms until) {
  while (*now < until) {
    assert_int_equal(pn532_bus_step(b, r, *now), 0);
    borne_ms next = pn532_bus_next_ms(r, *now);
    *now += next > 0 ? next : 1;
  }
}

static void dialogue(pn532_bus_kind kind) {
  fake_chip c = {.kind = kind, .busy_polls = 2};
  pn532_decoder_init(&c.dec);
  pn532_bus b = {.kind = kind, .io = &c};
  if (kind == PN532_BUS_I2C) {
    b.write = i2c_write;
    b.read = i2c_read;
  } else {
    b.xfer = spi_xfer;
  }
  pn532_reader r;
  pn532_reader_init(&r, on_uid, NULL);
  seen_count = 0;
  borne_ms now = 0;
  run(&b, &r, &now, 600);
  assert_true(r.answering);
  assert_int_equal(r.step == PN532_READY || r.step == PN532_POLLING, 1);
  assert_true(c.ncommands >= 3);
  assert_int_equal(c.commands[0], 0x14); /* SAMConfiguration */
  assert_int_equal(c.commands[1], 0x32); /* RFConfiguration */
  assert_int_equal(c.commands[2], 0x4A); /* InListPassiveTarget */
  assert_int_equal(c.dec.bad_frames, 0);
  assert_int_equal(c.bad_prefix, 0);
  assert_true(b.not_ready > 0); /* the chip said "not yet" and was asked again */
  assert_int_equal(seen_count, 0);
  /* a card: one badge for one presentation */
  c.card = true;
  run(&b, &r, &now, now + 800);
  assert_int_equal(seen_count, 1);
  assert_string_equal(seen_uid, "901F2AA4");
  c.card = false;
  run(&b, &r, &now, now + 1500);
  c.card = true;
  run(&b, &r, &now, now + 400);
  assert_int_equal(seen_count, 2);
  c.card = false;
  /* the chip stops answering: the reader says so and wakes it again */
  c.mute = true;
  run(&b, &r, &now, now + PN532_ANSWER_MS + 300);
  assert_false(r.answering);
  assert_non_null(strstr(r.why, "does not answer"));
  c.mute = false;
  run(&b, &r, &now, now + PN532_ANSWER_MS + 300);
  assert_true(r.answering);
  /* the device fails: -1 with errno, for the caller to reopen */
  c.broken = true;
  int rc = 0;
  for (int i = 0; i < 50 && rc == 0; i++) {
    rc = pn532_bus_step(&b, &r, now);
    now += PN532_POLL_MS;
  }
  assert_int_equal(rc, -1);
  assert_true(errno == EREMOTEIO || errno == EIO);
}

static void dialogue_over_i2c(void **state) {
  (void)state;
  dialogue(PN532_BUS_I2C);
}

static void dialogue_over_spi(void **state) {
  (void)state;
  dialogue(PN532_BUS_SPI);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(bit_order),
      cmocka_unit_test(encode_drops_the_wakeup),
      cmocka_unit_test(decode_status_and_frames),
      cmocka_unit_test(dialogue_over_i2c),
      cmocka_unit_test(dialogue_over_spi),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
