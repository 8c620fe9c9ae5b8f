/*
 * P1 / DSMR parser (src/grid/p1.c): the example telegrams of the DSMR 5.0.2
 * and 4.2.2 P1 companion standards (chapter 6) and two telegrams of the same
 * format decode to the right grid_sample however the bytes are split; a
 * telegram with a bad or missing CRC is ignored and counted; framing errors
 * never leak a half telegram.
 *
 * The telegrams are the .txt files of tests/data/p1/, written with an
 * independent CRC routine by make_fixtures.py; p1_crc16 itself is checked
 * against the catalogued CRC-16/ARC check value.
 */
/* cmocka.h needs these first */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
// clang-format on

#include <math.h>
#include <stdlib.h>

#include "grid/p1.h"
#include "test_data.h"

typedef struct {
  int count;
  p1_telegram last;
} sink;

static void on_telegram(void *ctx, const p1_telegram *t) {
  sink *s = ctx;
  s->count++;
  s->last = *t;
}

static size_t load(const char *name, uint8_t *buf, size_t cap) {
  return test_data_load("p1", name, buf, cap);
}

static sink feed_all(int offpeak, const uint8_t *buf, size_t n, p1_stats *st) {
  p1_parser *p = malloc(sizeof *p);
  assert_non_null(p);
  p1_init(p, offpeak);
  sink s = {0};
  int done = p1_feed(p, buf, n, 500, on_telegram, &s);
  assert_int_equal(done, s.count);
  if (st) *st = p->stats;
  free(p);
  return s;
}

#define NEAR(a, b) assert_true(fabs((a) - (b)) < 1e-6)

static void test_crc_check_value(void **state) {
  (void)state;
  /* CRC-16/ARC: poly 0x8005 reflected (0xA001), init 0, check("123456789") = 0xBB3D */
  assert_int_equal(p1_crc16(0, "123456789", 9), 0xBB3D);
  assert_int_equal(p1_crc16(p1_crc16(0, "1234", 4), "56789", 5), 0xBB3D);
}

static void test_dsmr50_example(void **state) {
  (void)state;
  uint8_t buf[4096];
  size_t n = load("dsmr50_example.txt", buf, sizeof buf);
  p1_stats st;
  sink s = feed_all(1, buf, n, &st);
  assert_int_equal(s.count, 1);
  assert_int_equal(st.telegrams, 1);
  assert_int_equal(st.crc_errors, 0);
  const p1_telegram *t = &s.last;
  assert_string_equal(t->ident, "ISk5\\2MT382-1000");
  assert_int_equal(t->version, 50);
  assert_int_equal(t->phases, 3);
  assert_int_equal(t->g.at, 500);
  assert_true(t->g.has_power);
  NEAR(t->g.power_total_w, 1193);
  /* per phase: delivered 1.111/2.222/3.333 kW, received 4.444/5.555/6.666 kW */
  NEAR(t->g.power_w[0], -3333);
  NEAR(t->g.power_w[1], -3333);
  NEAR(t->g.power_w[2], -3333);
  assert_true(t->has_voltage);
  NEAR(t->voltage_v[1], 220.2);
  /* 1/2/3 A whole amperes, but 3333 W over 220 V is more: that wins, exporting */
  assert_true(t->g.has_current);
  NEAR(t->g.current_a[0], -3333 / 220.1);
  NEAR(t->g.current_a[2], -3333 / 220.3);
  assert_string_equal(t->g.tariff, "2");
  assert_true(t->g.has_offpeak);
  assert_false(t->g.offpeak);
  assert_true(t->has_energy);
  NEAR(t->import_wh, 246913578);
  NEAR(t->export_wh, 246913578);
}

static void test_dsmr42_example(void **state) {
  (void)state;
  uint8_t buf[4096];
  size_t n = load("dsmr42_example.txt", buf, sizeof buf);
  sink s = feed_all(2, buf, n, NULL);
  assert_int_equal(s.count, 1);
  const p1_telegram *t = &s.last;
  assert_int_equal(t->version, 42);
  assert_false(t->has_voltage);
  /* no voltage in 4.2: the meter's amperes, signed by the net power */
  NEAR(t->g.current_a[0], -1);
  NEAR(t->g.current_a[1], -2);
  NEAR(t->g.current_a[2], -3);
  assert_true(t->g.has_offpeak && t->g.offpeak); /* tariff 2 = off-peak in Belgium */
}

static void test_house_load(void **state) {
  (void)state;
  uint8_t buf[4096];
  size_t n = load("dsmr50_load.txt", buf, sizeof buf);
  sink s = feed_all(1, buf, n, NULL);
  assert_int_equal(s.count, 1);
  const p1_telegram *t = &s.last;
  NEAR(t->g.current_a[0], 10);
  NEAR(t->g.current_a[1], 5);
  NEAR(t->g.current_a[2], -2);
  NEAR(t->g.power_w[0], 2300);
  NEAR(t->g.power_w[1], 1150);
  NEAR(t->g.power_w[2], -460);
  NEAR(t->g.power_total_w, 2990);
  assert_true(t->g.has_offpeak && t->g.offpeak); /* tariff 1 = low tariff in NL */
}

static void test_single_phase(void **state) {
  (void)state;
  uint8_t buf[4096];
  size_t n = load("emucs_mono.txt", buf, sizeof buf);
  sink s = feed_all(2, buf, n, NULL);
  assert_int_equal(s.count, 1);
  const p1_telegram *t = &s.last;
  assert_int_equal(t->phases, 1);
  assert_string_equal(t->ident, "FLU5\\253769484_A");
  NEAR(t->g.current_a[0], 7);
  NEAR(t->g.current_a[1], 0);
  NEAR(t->g.power_w[0], 1610);
  NEAR(t->g.power_w[1], 0);
  assert_true(t->g.offpeak);
}

static void test_every_split(void **state) {
  (void)state;
  static const char *const files[] = {"dsmr50_example.txt", "dsmr42_example.txt", "dsmr50_load.txt",
                                      "emucs_mono.txt"};
  p1_parser *p = malloc(sizeof *p);
  assert_non_null(p);
  for (size_t k = 0; k < sizeof files / sizeof files[0]; k++) {
    uint8_t buf[4096];
    size_t n = load(files[k], buf, sizeof buf);
    sink whole = feed_all(1, buf, n, NULL);
    assert_int_equal(whole.count, 1);
    for (size_t cut = 0; cut <= n; cut++) {
      p1_init(p, 1);
      sink s = {0};
      p1_feed(p, buf, cut, 500, on_telegram, &s);
      p1_feed(p, buf + cut, n - cut, 500, on_telegram, &s);
      assert_int_equal(s.count, 1);
      assert_int_equal(p->stats.crc_errors, 0);
      assert_int_equal(p->stats.dropped, 0);
      assert_memory_equal(&s.last.g, &whole.last.g, sizeof s.last.g);
    }
    p1_init(p, 1);
    sink s = {0};
    for (size_t i = 0; i < n; i++) p1_feed(p, buf + i, 1, 500, on_telegram, &s);
    assert_int_equal(s.count, 1);
  }
  free(p);
}

/* Any changed byte fails the CRC: the whole telegram is ignored. */
static void test_bad_crc_ignored(void **state) {
  (void)state;
  uint8_t buf[4096];
  size_t n = load("dsmr50_load.txt", buf, sizeof buf);
  char *v = strstr((char *)buf, "1-0:31.7.0(010*A)");
  assert_non_null(v);
  v[12] = '9'; /* 090 A */
  p1_stats st;
  sink s = feed_all(1, buf, n, &st);
  assert_int_equal(s.count, 0);
  assert_int_equal(st.crc_errors, 1);
  assert_int_equal(st.telegrams, 0);

  /* a damaged CRC field, and a missing one (DSMR 2/3 style) */
  n = load("dsmr50_load.txt", buf, sizeof buf);
  char *bang = strchr((char *)buf, '!');
  bang[3] = 'G';
  s = feed_all(1, buf, n, &st);
  assert_int_equal(s.count, 0);
  assert_int_equal(st.crc_errors, 1);
  bang[1] = '\r';
  bang[2] = '\n';
  s = feed_all(1, buf, (size_t)(bang - (char *)buf) + 3, &st);
  assert_int_equal(s.count, 0);
  assert_int_equal(st.crc_errors, 1);
}

/* Garbage, a telegram cut by the next '/', an overlong one: the good
 * telegram after them still decodes. */
static void test_framing(void **state) {
  (void)state;
  uint8_t one[4096];
  size_t n = load("dsmr50_load.txt", one, sizeof one);
  size_t cap = P1_TELEGRAM_MAX + 3 * 4096;
  uint8_t *big = malloc(cap);
  assert_non_null(big);
  size_t m = 0;
  memcpy(big + m, "garbage!1234\r\n", 14);
  m += 14;
  memcpy(big + m, one, 100); /* cut short by the next '/' */
  m += 100;
  big[m++] = '/';
  memset(big + m, 'x', P1_TELEGRAM_MAX + 10); /* overlong */
  m += P1_TELEGRAM_MAX + 10;
  memcpy(big + m, one, n);
  m += n;
  p1_stats st;
  sink s = feed_all(1, big, m, &st);
  assert_int_equal(s.count, 1);
  assert_int_equal(st.dropped, 2);
  assert_int_equal(st.crc_errors, 0);
  NEAR(s.last.g.current_a[0], 10);
  free(big);
}

/* A line that is not OBIS(value) with a valid CRC: dropped, not half-used. */
static void test_malformed_line(void **state) {
  (void)state;
  char buf[256];
  static const char body[] = "/ISK5\\2M550T-1012\r\n\r\n1-0:1.7.0(01.x00*kW)\r\n!";
  snprintf(buf, sizeof buf, "%s%04X\r\n", body, p1_crc16(0, body, strlen(body)));
  p1_stats st;
  sink s = feed_all(1, (const uint8_t *)buf, strlen(buf), &st);
  assert_int_equal(s.count, 0);
  assert_int_equal(st.dropped, 1);
  /* a wrong unit is as bad as a wrong number */
  static const char body2[] = "/ISK5\\2M550T-1012\r\n\r\n1-0:1.7.0(01.100*kWh)\r\n!";
  snprintf(buf, sizeof buf, "%s%04X\r\n", body2, p1_crc16(0, body2, strlen(body2)));
  s = feed_all(1, (const uint8_t *)buf, strlen(buf), &st);
  assert_int_equal(s.count, 0);
  /* the same with a good value decodes */
  static const char body3[] = "/ISK5\\2M550T-1012\r\n\r\n1-0:1.7.0(01.100*kW)\r\n!";
  snprintf(buf, sizeof buf, "%s%04X\r\n", body3, p1_crc16(0, body3, strlen(body3)));
  s = feed_all(1, (const uint8_t *)buf, strlen(buf), &st);
  assert_int_equal(s.count, 1);
  NEAR(s.last.g.power_total_w, 1100);
  assert_false(s.last.g.has_current);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_crc_check_value), cmocka_unit_test(test_dsmr50_example),
      cmocka_unit_test(test_dsmr42_example),  cmocka_unit_test(test_house_load),
      cmocka_unit_test(test_single_phase),    cmocka_unit_test(test_every_split),
      cmocka_unit_test(test_bad_crc_ignored), cmocka_unit_test(test_framing),
      cmocka_unit_test(test_malformed_line),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
