/*
 * SunSpec register maps (meter_map.c): the `sunspec =` line (the model's
 * ID and L registers checked in every answer), scale-factor references
 * (sf:ADDRESS, a power of ten read with the values), SunSpec's "not
 * implemented" values reading as 0, and clear errors for broken maps and
 * answers. The images are literal words (SunSpec model 101/103 layout of
 * meters/sunspec-inverter.map), computed by hand from the values.
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

#include "meter/meter_map.h"

/* the registers 40069..40095 of the inverter map, as one request */
#define BASE 40069
#define WORDS 27

static void load(meter_map *m, const char *model) {
  char err[256];
  if (meter_map_load(m, meter_maps_dir_default(), model, err, sizeof err) != 0) fail_msg("%s", err);
}

/* A model 101 (single phase) inverter: AphB, AphC, PhVphB, PhVphC are
 * "not implemented" (0xFFFF). 7.25 A, 229.9 V, 1666 W, 49.98 Hz, 4321 kWh. */
static void single_phase(uint16_t img[WORDS]) {
  memset(img, 0, WORDS * sizeof img[0]);
  img[40069 - BASE] = 101;
  img[40070 - BASE] = 50;
  img[40071 - BASE] = 725;    /* A */
  img[40072 - BASE] = 725;    /* AphA */
  img[40073 - BASE] = 0xFFFF; /* AphB: not implemented */
  img[40074 - BASE] = 0xFFFF; /* AphC */
  img[40075 - BASE] = 0xFFFE; /* A_SF = -2 */
  img[40079 - BASE] = 2299;   /* PhVphA */
  img[40080 - BASE] = 0xFFFF;
  img[40081 - BASE] = 0xFFFF;
  img[40082 - BASE] = 0xFFFF; /* V_SF = -1 */
  img[40083 - BASE] = 1666;   /* W */
  img[40084 - BASE] = 0;      /* W_SF = 0 */
  img[40085 - BASE] = 4998;   /* Hz */
  img[40086 - BASE] = 0xFFFE; /* Hz_SF = -2 */
  img[40093 - BASE] = 0x0041; /* WH = 0x0041EB10 = 4320016 */
  img[40094 - BASE] = 0xEB10;
  img[40095 - BASE] = 0; /* WH_SF = 0 */
}

static void test_inverter_map_is_one_request(void **state) {
  (void)state;
  meter_map m;
  load(&m, "sunspec-inverter");
  assert_true(m.sunspec);
  assert_int_equal(m.sunspec_id_count, 3);
  assert_int_equal(m.sunspec_len, 50);
  assert_int_equal(m.sf_count, 5);
  assert_int_equal(m.request_count, 1);
  assert_int_equal(m.request[0].function, 3);
  assert_int_equal(m.request[0].address, BASE);
  assert_int_equal(m.request[0].count, WORDS);
}

static void test_model_101_missing_phases_read_zero(void **state) {
  (void)state;
  meter_map m;
  load(&m, "sunspec-inverter");
  uint16_t img[WORDS];
  single_phase(img);
  meter_reading r;
  char err[256] = "";
  if (meter_map_decode(&m, img, WORDS, 7, &r, err, sizeof err) != 0) fail_msg("%s", err);
  assert_true(fabs(r.current_a[0] - 7.25) < 1e-9);
  assert_true(r.current_a[1] == 0 && r.current_a[2] == 0);
  assert_true(fabs(r.voltage_v[0] - 229.9) < 1e-9);
  assert_true(r.voltage_v[1] == 0 && r.voltage_v[2] == 0);
  assert_true(fabs(r.power_total_w - 1666) < 1e-9);
  assert_true(fabs(r.frequency_hz - 49.98) < 1e-9);
  assert_true(fabs(r.energy_import_wh - 4320016) < 1e-9);
  /* a scale factor the value uses: -3 makes watts milliwatts */
  img[40084 - BASE] = 0xFFFD;
  assert_int_equal(meter_map_decode(&m, img, WORDS, 7, &r, err, sizeof err), 0);
  assert_true(fabs(r.power_total_w - 1.666) < 1e-12);
  /* W not implemented (0x8000): 0, not -32768 x 10^sf */
  img[40083 - BASE] = 0x8000;
  assert_int_equal(meter_map_decode(&m, img, WORDS, 7, &r, err, sizeof err), 0);
  assert_true(r.power_total_w == 0);
}

static void test_wrong_model_or_length_refused(void **state) {
  (void)state;
  meter_map m;
  load(&m, "sunspec-inverter");
  uint16_t img[WORDS];
  meter_reading r;
  char err[256];
  single_phase(img);
  img[0] = 113; /* the float model where an integer one was expected */
  assert_int_equal(meter_map_decode(&m, img, WORDS, 0, &r, err, sizeof err), -1);
  assert_non_null(strstr(err, "no SunSpec model 101 (length 50) at register 40069: found id 113"));
  single_phase(img);
  img[1] = 52; /* a vendor's longer block: addresses would be wrong */
  assert_int_equal(meter_map_decode(&m, img, WORDS, 0, &r, err, sizeof err), -1);
  assert_non_null(strstr(err, "length 52"));
  single_phase(img);
  img[0] = 0xFFFF; /* nothing there */
  assert_int_equal(meter_map_decode(&m, img, WORDS, 0, &r, err, sizeof err), -1);
}

static void test_scale_factor_out_of_range_refused(void **state) {
  (void)state;
  meter_map m;
  load(&m, "sunspec-inverter");
  uint16_t img[WORDS];
  meter_reading r;
  char err[256];
  single_phase(img);
  img[40086 - BASE] = 0x8000; /* Hz_SF not implemented while Hz is */
  assert_int_equal(meter_map_decode(&m, img, WORDS, 0, &r, err, sizeof err), -1);
  assert_string_equal(err, "frequency: scale factor at register 40086 is -32768 (not -10..10)");
  single_phase(img);
  img[40095 - BASE] = 11;
  assert_int_equal(meter_map_decode(&m, img, WORDS, 0, &r, err, sizeof err), -1);
  assert_non_null(strstr(err, "energy_import: scale factor at register 40095 is 11"));
  /* short answer */
  single_phase(img);
  assert_int_equal(meter_map_decode(&m, img, WORDS - 1, 0, &r, err, sizeof err), -1);
}

static void test_encode_uses_the_scale_factor(void **state) {
  (void)state;
  const char *models[] = {"sunspec-inverter", "sunspec-inverter-float"};
  for (int k = 0; k < 2; k++) {
    meter_map m;
    load(&m, models[k]);
    uint16_t img[2 * METER_MODBUS_MAX_REGS] = {0};
    meter_map_encode_sunspec(&m, -1, img);
    meter_map_encode(&m, MQ_POWER_TOTAL, 2345.6, img);
    meter_map_encode(&m, MQ_CURRENT_L2, 3.4, img);
    meter_map_encode(&m, MQ_ENERGY_IMPORT, 98765.4, img);
    meter_reading r;
    char err[256] = "";
    if (meter_map_decode(&m, img, (size_t)m.image_words, 0, &r, err, sizeof err) != 0)
      fail_msg("%s: %s", models[k], err);
    assert_true(fabs(r.power_total_w - 2345.6) < 1e-3);
    assert_true(fabs(r.current_a[1] - 3.4) < 1e-5);
    assert_true(fabs(r.energy_import_wh - 98765.4) < 1e-2);
    if (k == 0) assert_int_equal(img[40083 - BASE], 23456); /* W with W_SF = -1 */
  }
}

static void expect_error(const char *text, const char *want) {
  meter_map m;
  char err[256] = "";
  assert_int_equal(meter_map_parse(&m, text, strlen(text), "t.map", err, sizeof err), -1);
  if (!strstr(err, want)) fail_msg("error '%s' lacks '%s'", err, want);
}

#define HEAD "model = T\nsource = doc\n"
#define WH "energy_import 10 3 uint32 msw be sf:12 Wh\n"

static void test_parse_errors(void **state) {
  (void)state;
  expect_error(HEAD "sunspec = 40069\n" WH, "t.map:3: sunspec: expected ADDRESS ID[,ID...] LENGTH");
  expect_error(HEAD "sunspec = 40069 103 x\n" WH, "t.map:3: sunspec");
  expect_error(HEAD "sunspec = 40069 1,2,3,4,5 50\n" WH, "t.map:3: sunspec");
  expect_error(HEAD "sunspec = 1 103 50\nsunspec = 1 103 50\n" WH, "t.map:4: sunspec");
  expect_error(HEAD "energy_import 10 3 uint32 msw be sf:x Wh\n",
               "t.map:3: energy_import: bad scale-factor address 'sf:x'");
  expect_error(HEAD "energy_import 10 3 uint32 msw be sf: Wh\n", "bad scale-factor address");
  expect_error(HEAD "power_total 0 4 int16 msw be sf:12 W\n" WH,
               "t.map:4: energy_import: scale factor 12 is read with function 4 on line 3");
  expect_error(HEAD "energy_import 10 3 uint32 msw be 1x Wh\n", "a non-zero number or sf:ADDRESS");
  /* more than METER_MAX_SF different factors */
  char text[2048] = HEAD;
  const char *q[] = {"voltage_l1", "voltage_l2",  "voltage_l3", "current_l1",
                     "current_l2", "current_l3",  "power_l1",   "power_l2",
                     "power_l3",   "power_total", "frequency",  "energy_import"};
  for (int i = 0; i < 12; i++) {
    size_t n = strlen(text);
    snprintf(text + n, sizeof text - n, "%s %d 3 uint16 msw be sf:%d %s\n", q[i], i,
             100 + i + (i == 11 ? 50 : 0),
             i < 3     ? "V"
             : i < 6   ? "A"
             : i < 10  ? "W"
             : i == 10 ? "Hz"
                       : "Wh");
  }
  meter_map m;
  char err[256];
  /* 12 factors fit */
  assert_int_equal(meter_map_parse(&m, text, strlen(text), "t.map", err, sizeof err), 0);
  assert_int_equal(m.sf_count, METER_MAX_SF);
  /* a plain map with sf: and no sunspec line decodes without a header check */
  const char *plain = HEAD WH;
  assert_int_equal(meter_map_parse(&m, plain, strlen(plain), "t.map", err, sizeof err), 0);
  uint16_t img[3] = {0, 5, 3};
  meter_reading r;
  assert_int_equal(meter_map_decode(&m, img, 3, 0, &r, err, sizeof err), 0);
  assert_true(r.energy_import_wh == 5000);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_inverter_map_is_one_request),
      cmocka_unit_test(test_model_101_missing_phases_read_zero),
      cmocka_unit_test(test_wrong_model_or_length_refused),
      cmocka_unit_test(test_scale_factor_out_of_range_refused),
      cmocka_unit_test(test_encode_uses_the_scale_factor),
      cmocka_unit_test(test_parse_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
