/*
 * Linky TIC parser (src/grid/tic.c): frames of both modes decode to the
 * right grid_sample, whatever way the bytes are split; bad groups are dropped
 * and counted; the two modes' checksum spans are not confused.
 *
 * The telegrams are the .tic files of tests/data/tic/, written by make_fixtures.py (an
 * independent Python implementation of Enedis-NOI-CPT_54E v3's framing and
 * checksum). Two groups are also checked against values known from meters in
 * the field ("IINST 002 Y", "VTIC<HT>02<HT>J").
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

#include "grid/tic.h"
#include "test_data.h"

typedef struct {
  int count;
  tic_frame last;
} sink;

static void on_frame(void *ctx, const tic_frame *f) {
  sink *s = ctx;
  s->count++;
  s->last = *f;
}

static size_t load(const char *name, uint8_t *buf, size_t cap) {
  return test_data_load("tic", name, buf, cap);
}

static sink feed_all(tic_mode mode, const uint8_t *buf, size_t n, tic_stats *st) {
  tic_parser p;
  tic_init(&p, mode);
  sink s = {0};
  int frames = tic_feed(&p, buf, n, 1000, on_frame, &s);
  assert_int_equal(frames, s.count);
  if (st) *st = p.stats;
  return s;
}

static void test_known_checksums(void **state) {
  (void)state;
  assert_int_equal(tic_checksum("IINST 002", 9), 'Y');
  assert_int_equal(tic_checksum("VTIC\t02\t", 8), 'J');
}

static void test_historic_mono(void **state) {
  (void)state;
  uint8_t buf[1024];
  size_t n = load("historic_mono.tic", buf, sizeof buf);
  tic_stats st;
  sink s = feed_all(TIC_MODE_AUTO, buf, n, &st);
  assert_int_equal(s.count, 1);
  const tic_frame *f = &s.last;
  assert_int_equal(f->mode, TIC_MODE_HISTORIC);
  assert_int_equal(f->phases, 1);
  assert_string_equal(f->meter_id, "031762120162");
  assert_true(f->has_subscribed);
  assert_true(f->subscribed_a == 45);
  assert_true(f->g.has_current);
  assert_true(f->g.current_a[0] == 12 && f->g.current_a[1] == 0 && f->g.current_a[2] == 0);
  assert_true(f->g.has_power);
  assert_true(f->g.power_total_w == 2760 && f->g.power_w[0] == 2760);
  assert_true(f->has_energy);
  assert_true(f->energy_wh == 1234567 + 7654321);
  assert_true(f->g.has_offpeak);
  assert_true(f->g.offpeak);
  assert_string_equal(f->g.tariff, "HC..");
  assert_int_equal(f->g.at, 1000);
  assert_int_equal(f->groups_ok, 11);
  assert_int_equal(f->groups_bad, 0);
  assert_int_equal(st.frames, 1);
  assert_int_equal(st.groups_bad, 0);
}

static void test_historic_tri(void **state) {
  (void)state;
  uint8_t buf[1024];
  size_t n = load("historic_tri.tic", buf, sizeof buf);
  sink s = feed_all(TIC_MODE_HISTORIC, buf, n, NULL);
  assert_int_equal(s.count, 1);
  const tic_frame *f = &s.last;
  assert_int_equal(f->phases, 3);
  assert_true(f->g.has_current);
  assert_true(f->g.current_a[0] == 10 && f->g.current_a[1] == 5 && f->g.current_a[2] == 20);
  /* PAPP 8050 VA shared as the currents are (10:5:20 of 35). */
  assert_true(f->g.power_total_w == 8050);
  assert_true(fabs(f->g.power_w[0] - 2300) < 1e-9);
  assert_true(fabs(f->g.power_w[1] - 1150) < 1e-9);
  assert_true(fabs(f->g.power_w[2] - 4600) < 1e-9);
  assert_true(f->energy_wh == 12345678);
  /* TH.. (single tariff) says nothing about off-peak. */
  assert_false(f->g.has_offpeak);
  assert_string_equal(f->g.tariff, "TH..");
}

static void test_standard_tri(void **state) {
  (void)state;
  uint8_t buf[1024];
  size_t n = load("standard_tri.tic", buf, sizeof buf);
  tic_stats st;
  sink s = feed_all(TIC_MODE_STANDARD, buf, n, &st);
  assert_int_equal(s.count, 1);
  const tic_frame *f = &s.last;
  assert_int_equal(f->mode, TIC_MODE_STANDARD);
  /* every group, with and without horodate (DATE, SMAXSN), is valid */
  assert_int_equal(f->groups_ok, 25);
  assert_int_equal(st.groups_bad, 0);
  assert_string_equal(f->meter_id, "041876097467");
  assert_int_equal(f->phases, 3);
  assert_true(f->g.current_a[0] == 12 && f->g.current_a[1] == 8 && f->g.current_a[2] == 10);
  assert_true(f->g.power_total_w == 7130);
  assert_true(f->g.power_w[0] == 2780 && f->g.power_w[1] == 1850 && f->g.power_w[2] == 2500);
  assert_true(f->subscribed_kva == 12);
  assert_true(f->energy_wh == 12345678);
  assert_true(f->g.has_offpeak && f->g.offpeak);
  assert_string_equal(f->g.tariff, "HEURE  CREUSE");
}

static void test_standard_injection(void **state) {
  (void)state;
  uint8_t buf[1024];
  size_t n = load("standard_mono_injection.tic", buf, sizeof buf);
  sink s = feed_all(TIC_MODE_AUTO, buf, n, NULL);
  assert_int_equal(s.count, 1);
  const tic_frame *f = &s.last;
  assert_int_equal(f->phases, 1);
  /* 1150 VA injected, nothing drawn: the current counts as export. */
  assert_true(f->g.power_total_w == -1150);
  assert_true(f->g.current_a[0] == -5);
  assert_false(f->g.has_offpeak);
  assert_string_equal(f->g.tariff, "BASE");
}

/* Every split of every telegram into two reads gives the same frame. */
static void test_every_split(void **state) {
  (void)state;
  static const char *const files[] = {"historic_mono.tic", "historic_tri.tic", "standard_tri.tic",
                                      "standard_mono_injection.tic"};
  for (size_t k = 0; k < sizeof files / sizeof files[0]; k++) {
    uint8_t buf[1024];
    size_t n = load(files[k], buf, sizeof buf);
    tic_stats whole_st;
    sink whole = feed_all(TIC_MODE_AUTO, buf, n, &whole_st);
    assert_int_equal(whole.count, 1);
    for (size_t cut = 0; cut <= n; cut++) {
      tic_parser p;
      tic_init(&p, TIC_MODE_AUTO);
      sink s = {0};
      tic_feed(&p, buf, cut, 1000, on_frame, &s);
      tic_feed(&p, buf + cut, n - cut, 1000, on_frame, &s);
      assert_int_equal(s.count, 1);
      assert_memory_equal(&p.stats, &whole_st, sizeof whole_st);
      assert_memory_equal(&s.last.g.current_a, &whole.last.g.current_a, sizeof(double[3]));
      assert_memory_equal(&s.last.g.power_w, &whole.last.g.power_w, sizeof(double[3]));
      assert_string_equal(s.last.g.tariff, whole.last.g.tariff);
      assert_string_equal(s.last.meter_id, whole.last.meter_id);
    }
    /* and one byte at a time */
    tic_parser p;
    tic_init(&p, TIC_MODE_AUTO);
    sink s = {0};
    for (size_t i = 0; i < n; i++) tic_feed(&p, buf + i, 1, 1000, on_frame, &s);
    assert_int_equal(s.count, 1);
    assert_true(s.last.g.power_total_w == whole.last.g.power_total_w);
  }
}

/* A wrong checksum drops that group only; the frame still carries the rest. */
static void test_bad_checksum_dropped(void **state) {
  (void)state;
  uint8_t buf[1024];
  size_t n = load("historic_mono.tic", buf, sizeof buf);
  uint8_t *g = (uint8_t *)strstr((char *)buf, "IINST 012 Z");
  assert_non_null(g);
  g[10] = 'Y';
  tic_stats st;
  sink s = feed_all(TIC_MODE_AUTO, buf, n, &st);
  assert_int_equal(s.count, 1);
  assert_int_equal(st.groups_bad, 1);
  assert_int_equal(s.last.groups_bad, 1);
  assert_false(s.last.g.has_current); /* the current was in the bad group */
  assert_true(s.last.g.has_power);

  /* a changed value with the old checksum is caught too */
  n = load("standard_tri.tic", buf, sizeof buf);
  g = (uint8_t *)strstr((char *)buf, "IRMS2\t008");
  assert_non_null(g);
  g[8] = '9';
  s = feed_all(TIC_MODE_AUTO, buf, n, &st);
  assert_int_equal(st.groups_bad, 1);
  assert_false(s.last.g.has_current); /* phase 2 missing in a 3-phase frame */
}

/* The historic checksum excludes the SP before it, the standard one includes
 * the HT: a group summed the other mode's way is rejected. */
static void test_checksum_spans(void **state) {
  (void)state;
  char frame[64];
  /* historic, summed over "PAPP 01200 " (trailing SP included): wrong */
  char c = tic_checksum("PAPP 01200 ", 11);
  snprintf(frame, sizeof frame, "\x02\nPAPP 01200 %c\r\x03", c);
  tic_stats st;
  sink s = feed_all(TIC_MODE_AUTO, (const uint8_t *)frame, strlen(frame), &st);
  assert_int_equal(s.count, 0);
  assert_int_equal(st.groups_bad, 1);
  c = tic_checksum("PAPP 01200", 10);
  snprintf(frame, sizeof frame, "\x02\nPAPP 01200 %c\r\x03", c);
  s = feed_all(TIC_MODE_AUTO, (const uint8_t *)frame, strlen(frame), &st);
  assert_int_equal(s.count, 1);
  assert_true(s.last.g.power_total_w == 1200);

  /* standard, summed without the last HT: wrong */
  c = tic_checksum("SINSTS\t01200", 12);
  snprintf(frame, sizeof frame, "\x02\nSINSTS\t01200\t%c\r\x03", c);
  s = feed_all(TIC_MODE_AUTO, (const uint8_t *)frame, strlen(frame), &st);
  assert_int_equal(st.groups_bad, 1);
  c = tic_checksum("SINSTS\t01200\t", 13);
  snprintf(frame, sizeof frame, "\x02\nSINSTS\t01200\t%c\r\x03", c);
  s = feed_all(TIC_MODE_AUTO, (const uint8_t *)frame, strlen(frame), &st);
  assert_int_equal(st.groups_bad, 0);
  assert_true(s.last.g.power_total_w == 1200);
}

/* A parser fixed to one mode drops the other mode's groups. */
static void test_fixed_mode(void **state) {
  (void)state;
  uint8_t buf[1024];
  size_t n = load("historic_mono.tic", buf, sizeof buf);
  tic_stats st;
  sink s = feed_all(TIC_MODE_STANDARD, buf, n, &st);
  assert_int_equal(s.count, 0);
  assert_int_equal(st.groups_bad, 11);
  assert_int_equal(st.frames, 1);
}

/* EOT, a new STX, garbage and overlong groups; a parity bit left on. */
static void test_framing_errors(void **state) {
  (void)state;
  uint8_t buf[1024];
  size_t n = load("historic_mono.tic", buf, sizeof buf);
  uint8_t big[4096];
  size_t m = 0;
  /* noise before the first STX, then a frame cut by EOT, then one cut by STX */
  memcpy(big + m, "\n\rjunk\nPAPP 09999 ;\r", 20);
  m += 20;
  memcpy(big + m, buf, 40);
  m += 40;
  big[m++] = 0x04;
  memcpy(big + m, buf, 60);
  m += 60;
  /* an overlong group inside the good frame that follows */
  memcpy(big + m, buf, n - 1);
  m += n - 1;
  big[m++] = '\n';
  memset(big + m, 'A', 300);
  m += 300;
  big[m++] = '\r';
  big[m++] = 0x03;
  tic_stats st;
  sink s = feed_all(TIC_MODE_AUTO, big, m, &st);
  assert_int_equal(s.count, 1);
  assert_int_equal(st.frames_aborted, 2);
  assert_int_equal(st.frames, 1);
  assert_true(s.last.g.current_a[0] == 12);
  assert_int_equal(s.last.groups_bad, 1);

  /* 7E1 read as 8N1: bit 7 is the parity bit, ignored */
  for (size_t i = 0; i < n; i++)
    if (__builtin_parity(buf[i])) buf[i] |= 0x80;
  s = feed_all(TIC_MODE_AUTO, buf, n, &st);
  assert_int_equal(s.count, 1);
  assert_int_equal(st.groups_bad, 0);
}

static void test_mode_names(void **state) {
  (void)state;
  tic_mode m;
  assert_int_equal(tic_mode_parse("standard", &m), 0);
  assert_int_equal(m, TIC_MODE_STANDARD);
  assert_string_equal(tic_mode_name(m), "standard");
  assert_int_equal(tic_mode_parse("historic", &m), 0);
  assert_int_equal(tic_mode_parse("auto", &m), 0);
  assert_int_equal(tic_mode_parse("linky", &m), -1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_known_checksums),      cmocka_unit_test(test_historic_mono),
      cmocka_unit_test(test_historic_tri),         cmocka_unit_test(test_standard_tri),
      cmocka_unit_test(test_standard_injection),   cmocka_unit_test(test_every_split),
      cmocka_unit_test(test_bad_checksum_dropped), cmocka_unit_test(test_checksum_spans),
      cmocka_unit_test(test_fixed_mode),           cmocka_unit_test(test_framing_errors),
      cmocka_unit_test(test_mode_names),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
