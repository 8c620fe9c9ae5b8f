/*
 * WS2812 strips over SPI: the pure encoder (src/hal/ws2812.c) bit for bit,
 * GRB order, the reset, the spec parser, the pattern timings; the strip
 * driver (src/hal/hal_linux_ws2812.c) writing whole frames to a file
 * standing for /dev/spidevB.C, only when they change, with the blinking
 * and breathing stepped on a real libuv loop.
 */
/* cmocka.h needs these first */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hal/hal_linux_ws2812.h"
#include "hal/ws2812.h"

static void one_led_bit_for_bit(void **state) {
  (void)state;
  uint8_t out[WS2812_FRAME_MAX];
  /* red 0xFF0000 -> GRB 00 FF 00: green byte 8 x "100", red 8 x "110", blue 8 x "100" */
  uint32_t red = 0xFF0000;
  size_t n = ws2812_encode(&red, 1, out, sizeof out);
  assert_int_equal(n, WS2812_BYTES_PER_LED + WS2812_RESET_BYTES);
  /* 100100100100100100100100 = 0x92 0x49 0x24; 110110110... = 0xDB 0x6D 0xB6 */
  static const uint8_t want[9] = {0x92, 0x49, 0x24, 0xDB, 0x6D, 0xB6, 0x92, 0x49, 0x24};
  assert_memory_equal(out, want, sizeof want);
  for (size_t i = WS2812_BYTES_PER_LED; i < n; i++) assert_int_equal(out[i], 0); /* reset */
  /* at 2.4 MHz, the reset is at least 280 us low */
  assert_true(WS2812_RESET_BYTES * 8 * 1000000.0 / WS2812_SPI_HZ >= 280.0);
  /* one LED bit is 3 SPI bits = 1.25 us */
  assert_true(3 * 1e6 / WS2812_SPI_HZ > 1.2 && 3 * 1e6 / WS2812_SPI_HZ < 1.3);
  /* 0x00C040 (ready green): G C0 = 11000000, R 00, B 40 = 01000000 */
  uint32_t green = 0x00C040;
  ws2812_encode(&green, 1, out, sizeof out);
  assert_int_equal(out[0], 0xDA); /* 110 110 10|0 */
  assert_int_equal(out[1] & 0x80, 0x00);
  assert_int_equal(ws2812_encode(&green, 1, out, 50), 0); /* does not fit */
}

static void frames_decode_back(void **state) {
  (void)state;
  uint32_t in[5] = {0xE00000, 0x0060FF, 0xFFB000, 0x000000, 0x123456};
  uint8_t out[WS2812_FRAME_MAX];
  size_t n = ws2812_encode(in, 5, out, sizeof out);
  assert_int_equal(n, 5 * 9 + WS2812_RESET_BYTES);
  for (size_t i = 0; i < 5; i++) {
    uint32_t c;
    assert_int_equal(ws2812_decode(out, n, i, &c), 0);
    assert_int_equal(c, in[i]);
  }
  uint32_t c;
  assert_int_equal(ws2812_decode(out, 20, 5, &c), -1); /* past the end */
  out[0] = 0xFF;                                       /* 111: not a WS2812 bit */
  assert_int_equal(ws2812_decode(out, n, 0, &c), -1);
}

static void specs_are_parsed(void **state) {
  (void)state;
  char dev[100], why[200];
  int index = -1;
  assert_int_equal(ws2812_parse_spec("spi:spidev0.0:3", dev, sizeof dev, &index, why, sizeof why),
                   0);
  assert_string_equal(dev, "spidev0.0");
  assert_int_equal(index, 3);
  assert_int_equal(
      ws2812_parse_spec("spi:/dev/spidev1.0:0", dev, sizeof dev, &index, why, sizeof why), 0);
  assert_string_equal(dev, "/dev/spidev1.0");
  static const char *const bad[] = {
      "spi:spidev0.0", "spi::1", "spidev0.0:1", "spi:a/b:1", "spi:x:-1", "spi:x:256",
      "spi:x:1a",      "spi:x:", "spi:..:1",    "spi:a:b:1", "spi:x: 1", ""};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    why[0] = '\0';
    assert_int_equal(ws2812_parse_spec(bad[i], dev, sizeof dev, &index, why, sizeof why), -1);
    assert_non_null(strstr(why, "spi:DEVICE:INDEX"));
  }
}

static void patterns_and_scaling(void **state) {
  (void)state;
  assert_int_equal(ws2812_level(LED_STEADY, 12345), 255);
  assert_int_equal(ws2812_level(LED_SLOW_BLINK, 0), 255);
  assert_int_equal(ws2812_level(LED_SLOW_BLINK, 999), 255);
  assert_int_equal(ws2812_level(LED_SLOW_BLINK, 1000), 0);
  assert_int_equal(ws2812_level(LED_SLOW_BLINK, 2000), 255);
  assert_int_equal(ws2812_level(LED_FLASH3, 150), 0);
  assert_int_equal(ws2812_level(LED_FAST_BLINK, 260), 0);
  unsigned lo = ws2812_level(LED_PULSE, 0), mid = ws2812_level(LED_PULSE, 500),
           hi = ws2812_level(LED_PULSE, 1000);
  assert_true(lo > 0 && lo < mid && mid < hi && hi == 255);
  assert_int_equal(ws2812_level(LED_PULSE, 1500), mid);
  assert_int_equal(ws2812_scale(0xFF8040, 255), 0xFF8040);
  assert_int_equal(ws2812_scale(0xFF8040, 0), 0);
  assert_int_equal(ws2812_scale(0xFF8040, 128), 0x804020);
}

/* ---- the strip on a file ---- */

static char dir[64];
static char path[128];

static int setup(void **state) {
  (void)state;
  snprintf(dir, sizeof dir, "/tmp/borne-ws2812-XXXXXX");
  assert_non_null(mkdtemp(dir));
  snprintf(path, sizeof path, "%s/spidev0.0", dir);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fclose(f);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  unlink(path);
  rmdir(dir);
  return 0;
}

/* the frames written so far, and the colour of LED i in the last one */
static size_t frames_written(size_t frame_len) {
  struct stat st;
  assert_int_equal(stat(path, &st), 0);
  assert_int_equal((size_t)st.st_size % frame_len, 0);
  return (size_t)st.st_size / frame_len;
}

static uint32_t last_colour(size_t frame_len, size_t i) {
  FILE *f = fopen(path, "r");
  assert_non_null(f);
  uint8_t buf[WS2812_FRAME_MAX];
  fseek(f, -(long)frame_len, SEEK_END);
  assert_int_equal(fread(buf, 1, frame_len, f), frame_len);
  fclose(f);
  uint32_t c;
  assert_int_equal(ws2812_decode(buf, frame_len, i, &c), 0);
  return c;
}

static const led_look READY = {"ready", "green", LED_STEADY, 0x00C040};
static const led_look CHARGING = {"charging", "blue", LED_PULSE, 0x0060FF};
static const led_look UNAVAILABLE = {"unavailable", "red", LED_SLOW_BLINK, 0xE00000};

static void strip_writes_frames_on_change(void **state) {
  (void)state;
  lx_strip *s = calloc(1, sizeof *s);
  char err[300];
  assert_int_equal(lx_strip_open(s, path, err, sizeof err), 0);
  /* connector 2 on LED 2, connector 1 on LED 0: three LEDs written, LED 1 dark */
  assert_int_equal(lx_strip_set(s, 2, &READY, 0, err, sizeof err), 0);
  assert_int_equal(lx_strip_set(s, 0, &READY, 0, err, sizeof err), 0);
  size_t len = 3 * WS2812_BYTES_PER_LED + WS2812_RESET_BYTES;
  assert_int_equal(last_colour(len, 0), 0x00C040);
  assert_int_equal(last_colour(len, 1), 0);
  assert_int_equal(last_colour(len, 2), 0x00C040);
  size_t before = frames_written(len);
  assert_int_equal(lx_strip_set(s, 2, &READY, 10, err, sizeof err), 0); /* unchanged: no write */
  assert_int_equal(frames_written(len), before);
  /* a blink is stepped by the loop: dark after 1 s, on again after 2 s */
  uv_loop_t loop;
  uv_loop_init(&loop);
  lx_strip_attach(s, &loop);
  assert_int_equal(lx_strip_set(s, 2, &UNAVAILABLE, uv_now(&loop), err, sizeof err), 0);
  assert_int_equal(last_colour(len, 2), 0xE00000);
  uint64_t start = uv_now(&loop);
  while (last_colour(len, 2) != 0 && uv_now(&loop) - start < 3000) uv_run(&loop, UV_RUN_ONCE);
  assert_int_equal(last_colour(len, 2), 0);
  assert_true(uv_now(&loop) - start >= 1000);
  assert_int_equal(last_colour(len, 0), 0x00C040); /* the other connector untouched */
  while (last_colour(len, 2) == 0 && uv_now(&loop) - start < 3000) uv_run(&loop, UV_RUN_ONCE);
  assert_int_equal(last_colour(len, 2), 0xE00000);
  assert_true(uv_now(&loop) - start >= 2000);
  /* a breathing pulse: several levels of blue, never another hue */
  assert_int_equal(lx_strip_set(s, 0, &CHARGING, uv_now(&loop), err, sizeof err), 0);
  assert_int_equal(lx_strip_set(s, 2, &READY, uv_now(&loop), err, sizeof err), 0);
  uint32_t seen[8];
  int nseen = 0;
  start = uv_now(&loop);
  while (nseen < 3 && uv_now(&loop) - start < 2000) {
    uv_run(&loop, UV_RUN_ONCE);
    uint32_t c = last_colour(len, 0);
    assert_int_equal(c & 0xFF0000, 0);
    if (nseen == 0 || seen[nseen - 1] != c) seen[nseen++] = c;
  }
  assert_int_equal(nseen, 3);
  /* all steady again: the step timer stops (the loop ends by itself once detached) */
  assert_int_equal(lx_strip_set(s, 0, &READY, uv_now(&loop), err, sizeof err), 0);
  before = frames_written(len);
  lx_strip_attach(s, NULL);
  assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
  assert_int_equal(frames_written(len), before);
  assert_int_equal(uv_loop_close(&loop), 0);
  /* closed: dark */
  lx_strip_close(s);
  assert_int_equal(last_colour(len, 0), 0);
  assert_int_equal(last_colour(len, 2), 0);
  free(s);
  /* errors */
  assert_int_equal(
      lx_strip_open(s = calloc(1, sizeof *s), "/nonexistent/spidev9.9", err, sizeof err), -1);
  assert_non_null(strstr(err, "cannot open SPI device /nonexistent/spidev9.9"));
  free(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(one_led_bit_for_bit),
      cmocka_unit_test(frames_decode_back),
      cmocka_unit_test(specs_are_parsed),
      cmocka_unit_test(patterns_and_scaling),
      cmocka_unit_test_setup_teardown(strip_writes_frames_on_change, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
