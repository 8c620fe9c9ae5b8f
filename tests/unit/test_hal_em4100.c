/*
 * The EM4100 ASCII frame decoder (src/hal/em4100.c): valid frames (upper and
 * lower case), a frame split across reads, the reader's repeats while the card
 * is held, a new presentation after EM4100_REPEAT_MS, garbage, bad checksums,
 * frames cut short or overlong, and noise between frames.
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

#include "hal/em4100.h"

typedef struct {
  char uids[8][11];
  int n;
} seen;

static void on_uid(void *ctx, const char *uid) {
  seen *s = ctx;
  if (s->n < 8) memcpy(s->uids[s->n++], uid, 11);
}

static int feed(em4100_decoder *d, const char *text, borne_ms now, seen *s) {
  return em4100_feed(d, (const uint8_t *)text, strlen(text), now, on_uid, s);
}

/* STX 0C000D2F3A 14 ETX: XOR of 0C 00 0D 2F 3A is 14 */
#define CARD1                                                                                      \
  "\x02"                                                                                           \
  "0C000D2F3A14"                                                                                   \
  "\x03"
#define CARD2                                                                                      \
  "\x02"                                                                                           \
  "1A0049BB42AA"                                                                                   \
  "\x03"

static void frames_and_uids(void **state) {
  (void)state;
  char uid[11];
  assert_int_equal(em4100_frame_uid((const uint8_t *)CARD1, 14, uid), 0);
  assert_string_equal(uid, "0C000D2F3A");
  assert_int_equal(em4100_frame_uid((const uint8_t *)"\x02"
                                                     "1a0049bb42aa"
                                                     "\x03",
                                    14, uid),
                   0);
  assert_string_equal(uid, "1A0049BB42");
  assert_int_equal(em4100_frame_uid((const uint8_t *)"\x02"
                                                     "0C000D2F3A15"
                                                     "\x03",
                                    14, uid),
                   -1);
  assert_int_equal(em4100_frame_uid((const uint8_t *)"\x02"
                                                     "0C000D2F3G14"
                                                     "\x03",
                                    14, uid),
                   -1);
  assert_int_equal(em4100_frame_uid((const uint8_t *)"\x02"
                                                     "0C000D2F3A14"
                                                     "\x04",
                                    14, uid),
                   -1);
  assert_int_equal(em4100_frame_uid((const uint8_t *)CARD1, 13, uid), -1);
}

static void one_presentation_one_badge(void **state) {
  (void)state;
  em4100_decoder d;
  em4100_init(&d);
  seen s = {0};
  /* split across reads */
  assert_int_equal(feed(&d,
                        "\x02"
                        "0C000D",
                        0, &s),
                   0);
  assert_int_equal(feed(&d,
                        "2F3A14"
                        "\x03",
                        5, &s),
                   1);
  assert_int_equal(s.n, 1);
  assert_string_equal(s.uids[0], "0C000D2F3A");
  /* the reader repeats while the card is held: nothing new */
  for (borne_ms t = 100; t <= 3000; t += 100) assert_int_equal(feed(&d, CARD1, t, &s), 0);
  assert_int_equal(s.n, 1);
  assert_int_equal(d.frames, 31);
  /* taken away, presented again later: a new badge */
  assert_int_equal(feed(&d, CARD1, 3000 + EM4100_REPEAT_MS, &s), 1);
  /* another card at once */
  assert_int_equal(feed(&d, CARD2, 4100, &s), 1);
  assert_string_equal(s.uids[2], "1A0049BB42");
  assert_int_equal(d.badges, 3);
  assert_int_equal(d.bad_frames, 0);
}

static void garbage_is_counted_and_skipped(void **state) {
  (void)state;
  em4100_decoder d;
  em4100_init(&d);
  seen s = {0};
  /* noise between frames (no STX) is not even a bad frame */
  assert_int_equal(feed(&d, "\r\n\xff\x00garbage\x03", 0, &s), 0);
  assert_int_equal(d.bad_frames, 0);
  /* a bad checksum, a non-digit, a frame cut by STX, an early ETX, an overlong frame */
  assert_int_equal(feed(&d,
                        "\x02"
                        "0C000D2F3A15"
                        "\x03",
                        10, &s),
                   0);
  assert_int_equal(feed(&d,
                        "\x02"
                        "0C00zz",
                        20, &s),
                   0);
  assert_int_equal(feed(&d,
                        "\x02"
                        "0C00",
                        30, &s),
                   0);
  assert_int_equal(feed(&d,
                        "\x02"
                        "0C\x03",
                        40, &s),
                   0);
  assert_int_equal(feed(&d,
                        "\x02"
                        "0C000D2F3A1400"
                        "\x03",
                        50, &s),
                   0);
  assert_int_equal(d.bad_frames, 5);
  assert_int_equal(s.n, 0);
  /* and the decoder still reads the next good frame, right after garbage */
  assert_int_equal(feed(&d, "xx" CARD2 "\r\n", 60, &s), 1);
  assert_string_equal(s.uids[0], "1A0049BB42");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(frames_and_uids),
      cmocka_unit_test(one_presentation_one_badge),
      cmocka_unit_test(garbage_is_counted_and_skipped),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
