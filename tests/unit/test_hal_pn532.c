/*
 * The PN532 HSU frames and reader dialogue (src/hal/pn532.c) against the
 * byte sequences of the PN532 user manual UM0701-02: frames built and
 * parsed, ACK/NACK/error frames, bad LCS/DCS, the wake-up, the set-up
 * commands, polls, one badge per presentation, answer timeouts.
 */
/* cmocka.h needs these first */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#include <string.h>

#include "hal/pn532.h"

typedef struct {
  int acks, nacks, errors, infos;
  uint8_t last[PN532_MAX_DATA];
  size_t last_n;
} frames;

static void on_frame(void *ctx, pn532_kind kind, const uint8_t *body, size_t n) {
  frames *f = ctx;
  if (kind == PN532_ACK) f->acks++;
  if (kind == PN532_NACK) f->nacks++;
  if (kind == PN532_ERROR_FRAME) f->errors++;
  if (kind == PN532_INFO) {
    f->infos++;
    memcpy(f->last, body, n);
    f->last_n = n;
  }
}

static void frames_are_built_as_the_manual_says(void **state) {
  (void)state;
  uint8_t out[64];
  /* SAMConfiguration normal mode: 00 00 FF 03 FD D4 14 01 17 00 */
  static const uint8_t sam[] = {0x14, 0x01};
  static const uint8_t want_sam[] = {0x00, 0x00, 0xFF, 0x03, 0xFD, 0xD4, 0x14, 0x01, 0x17, 0x00};
  assert_int_equal(pn532_build_frame(0xD4, sam, sizeof sam, out, sizeof out), sizeof want_sam);
  assert_memory_equal(out, want_sam, sizeof want_sam);
  /* InListPassiveTarget, 2 targets, 106 kbps type A: 00 00 FF 04 FC D4 4A 02 00 E0 00 */
  static const uint8_t list[] = {0x4A, 0x02, 0x00};
  static const uint8_t want_list[] = {0x00, 0x00, 0xFF, 0x04, 0xFC, 0xD4,
                                      0x4A, 0x02, 0x00, 0xE0, 0x00};
  assert_int_equal(pn532_build_frame(0xD4, list, sizeof list, out, sizeof out), sizeof want_list);
  assert_memory_equal(out, want_list, sizeof want_list);
  assert_int_equal(pn532_build_frame(0xD4, list, sizeof list, out, 8), 0); /* does not fit */
}

static void frames_are_parsed(void **state) {
  (void)state;
  pn532_decoder d;
  pn532_decoder_init(&d);
  frames f = {0};
  /* ACK, then the answer with a card (90 1F 2A A4), split across reads */
  static const uint8_t in[] = {0x00, 0x00, 0xFF, 0x00, 0xFF, 0x00, 0x00, 0x00, 0xFF,
                               0x0C, 0xF4, 0xD5, 0x4B, 0x01, 0x01, 0x00, 0x04, 0x08,
                               0x04, 0x90, 0x1F, 0x2A, 0xA4, 0x51, 0x00};
  for (size_t i = 0; i < sizeof in; i += 3)
    pn532_feed(&d, in + i, sizeof in - i < 3 ? sizeof in - i : 3, on_frame, &f);
  assert_int_equal(f.acks, 1);
  assert_int_equal(f.infos, 1);
  char uid[21];
  assert_int_equal(pn532_target_uid(f.last, f.last_n, uid), 1);
  assert_string_equal(uid, "901F2AA4");
  /* NACK, error frame, no card */
  static const uint8_t more[] = {0x00, 0x00, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00,
                                 0xFF, 0x01, 0xFF, 0x7F, 0x81, 0x00, 0x00, 0x00,
                                 0xFF, 0x03, 0xFD, 0xD5, 0x4B, 0x00, 0xE0, 0x00};
  assert_int_equal(pn532_feed(&d, more, sizeof more, on_frame, &f), 3);
  assert_int_equal(f.nacks, 1);
  assert_int_equal(f.errors, 1);
  assert_int_equal(pn532_target_uid(f.last, f.last_n, uid), 0);
  assert_int_equal(d.bad_frames, 0);
  /* an extended frame: 00 00 FF FF FF 00 03 FD D5 15 ... */
  static const uint8_t ext[] = {0x00, 0x00, 0xFF, 0xFF, 0xFF, 0x00,
                                0x02, 0xFE, 0xD5, 0x15, 0x16, 0x00};
  assert_int_equal(pn532_feed(&d, ext, sizeof ext, on_frame, &f), 1);
  assert_int_equal(f.last[1], 0x15);
}

static void garbage_is_counted_and_skipped(void **state) {
  (void)state;
  pn532_decoder d;
  pn532_decoder_init(&d);
  frames f = {0};
  static const uint8_t bad[] = {
      0xFF, 0x13, 0x55,                                     /* noise */
      0x00, 0xFF, 0x03, 0xFC, 0xD5, 0x15, 0x16, 0x00,       /* bad LCS */
      0x00, 0xFF, 0x02, 0xFE, 0xD5, 0x15, 0x17, 0x00,       /* bad DCS */
      0x00, 0xFF, 0x02, 0xFE, 0xAA, 0x15, 0x00,             /* bad TFI */
      0x00, 0xFF, 0xFF, 0xFF, 0x7F, 0x00, 0x81, 0x00,       /* extended, too long */
      0x00, 0x00, 0xFF, 0x02, 0xFE, 0xD5, 0x15, 0x16, 0x00, /* then a good one */
  };
  assert_int_equal(pn532_feed(&d, bad, sizeof bad, on_frame, &f), 1);
  assert_int_equal(f.infos, 1);
  assert_int_equal(d.bad_frames, 4);
  char uid[21];
  static const uint8_t short_uid[] = {0xD5, 0x4B, 0x01, 0x01, 0x00, 0x04, 0x08,
                                      0x05, 1,    2,    3,    4,    5};
  assert_int_equal(pn532_target_uid(short_uid, sizeof short_uid, uid), -1); /* length 5 */
  static const uint8_t cut[] = {0xD5, 0x4B, 0x01, 0x01, 0x00, 0x04, 0x08, 0x07, 1, 2, 3};
  assert_int_equal(pn532_target_uid(cut, sizeof cut, uid), -1);
}

/* ---- the dialogue, with a scripted PN532 ---- */

static char uids[4][21];
static int nuids;
static void on_uid(void *ctx, const char *uid) {
  (void)ctx;
  if (nuids < 4) strcpy(uids[nuids], uid);
  nuids++;
}

/* the command in r->out (after any wake-up bytes): its code, or -1 */
static int sent_cmd(const pn532_reader *r) {
  for (size_t i = 0; i + 6 < r->out_len; i++)
    if (r->out[i] == 0x00 && r->out[i + 1] == 0xFF && r->out[i + 4] == 0xD4) return r->out[i + 5];
  return -1;
}

static void answer(pn532_reader *r, const uint8_t *pd, size_t n, borne_ms now) {
  static const uint8_t ack[] = {0x00, 0x00, 0xFF, 0x00, 0xFF, 0x00};
  pn532_reader_feed(r, ack, sizeof ack, now);
  uint8_t out[64];
  size_t k = pn532_build_frame(0xD5, pd, n, out, sizeof out);
  pn532_reader_feed(r, out, k, now);
}

static void dialogue_wakes_sets_up_and_polls(void **state) {
  (void)state;
  pn532_reader r;
  nuids = 0;
  pn532_reader_init(&r, on_uid, NULL);
  assert_false(r.answering);
  assert_int_equal(pn532_reader_next_ms(&r, 0), 0);
  pn532_reader_tick(&r, 0);
  assert_int_equal(r.out[0], 0x55); /* the HSU wake-up */
  assert_int_equal(r.out[1], 0x55);
  assert_int_equal(sent_cmd(&r), 0x14);
  static const uint8_t sam_ok[] = {0x15};
  answer(&r, sam_ok, 1, 10);
  assert_true(r.answering);
  assert_int_equal(sent_cmd(&r), 0x32);
  assert_memory_equal(r.out + 6, ((uint8_t[]){0x32, 0x05, 0xFF, 0x01, 0x02}), 5);
  static const uint8_t rf_ok[] = {0x33};
  answer(&r, rf_ok, 1, 20);
  assert_int_equal(r.out_len, 0);
  assert_int_equal(pn532_reader_next_ms(&r, 20), 0);
  pn532_reader_tick(&r, 20);
  assert_int_equal(sent_cmd(&r), 0x4A);
  static const uint8_t none[] = {0x4B, 0x00};
  answer(&r, none, sizeof none, 30);
  assert_int_equal(pn532_reader_next_ms(&r, 30), PN532_POLL_MS);
  pn532_reader_tick(&r, 100);
  assert_int_equal(r.out_len, 0); /* not due yet */
  /* a card held for three polls: one badge; gone for longer than the repeat time, then back: two */
  static const uint8_t card[] = {0x4B, 0x01, 0x01, 0x00, 0x44, 0x00, 0x07,
                                 0x04, 0x52, 0x6B, 0x1A, 0x3C, 0x5D, 0x80};
  borne_ms t = 280;
  for (int i = 0; i < 3; i++, t += PN532_POLL_MS + 10) {
    pn532_reader_tick(&r, t);
    assert_int_equal(sent_cmd(&r), 0x4A);
    answer(&r, card, sizeof card, t + 5);
  }
  assert_int_equal(nuids, 1);
  assert_string_equal(uids[0], "04526B1A3C5D80");
  t += PN532_REPEAT_MS;
  pn532_reader_tick(&r, t);
  answer(&r, card, sizeof card, t + 5);
  assert_int_equal(nuids, 2);
  assert_int_equal(r.badges, 2);
  /* an answer to another command is not taken for this one */
  t += PN532_POLL_MS + 10;
  pn532_reader_tick(&r, t);
  answer(&r, sam_ok, 1, t + 5);
  assert_int_equal(r.step, PN532_POLLING);
  /* no answer: not answering, woken again */
  pn532_reader_tick(&r, t + PN532_ANSWER_MS);
  assert_false(r.answering);
  assert_non_null(strstr(r.why, "does not answer"));
  assert_int_equal(r.out[0], 0x55);
  assert_int_equal(sent_cmd(&r), 0x14);
  assert_int_equal(r.timeouts, 1);
  /* the line came back: starts over */
  pn532_reader_reset(&r);
  assert_int_equal(r.step, PN532_IDLE);
  assert_int_equal(pn532_reader_next_ms(&r, t), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(frames_are_built_as_the_manual_says),
      cmocka_unit_test(frames_are_parsed),
      cmocka_unit_test(garbage_is_counted_and_skipped),
      cmocka_unit_test(dialogue_wakes_sets_up_and_polls),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
