/*
 * Register maps (meter_map.c): every map of meters/ decodes a known register
 * image right; the planner groups reads; broken map files give file:line
 * errors; implausible readings are recognised.
 *
 * The images below were computed independently of borne (Python's struct
 * module packing the values with each map's type, word and byte order) and
 * are kept as literal words with the maker's addresses, so a changed address,
 * type, order or scale in a map breaks this test. The makers' documents give
 * no worked example values for these registers, so known values are encoded.
 * Values: 230.1/231.2/229.8 V, 16.02/15.5/0.25 A, 3686.1/-120.5/57.5 W
 * (3623.1 W total), 12345.6 kWh imported, 50.01 Hz.
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

#include <dirent.h>
#include <math.h>
#include <stdlib.h>

#include "meter/meter_map.h"

typedef struct {
  int fc;
  int address;
  int words;
  uint16_t w[4];
} raw_reg;

typedef struct {
  const char *model;
  const raw_reg *regs;
  meter_reading want;
} map_case;

static const raw_reg abb_b23_regs[] = {
    {3, 0x5B00, 2, {0x0000, 0x08FD}},                 /* voltage_l1 uint32 msw V */
    {3, 0x5B02, 2, {0x0000, 0x0908}},                 /* voltage_l2 uint32 msw V */
    {3, 0x5B04, 2, {0x0000, 0x08FA}},                 /* voltage_l3 uint32 msw V */
    {3, 0x5B0C, 2, {0x0000, 0x0642}},                 /* current_l1 uint32 msw A */
    {3, 0x5B0E, 2, {0x0000, 0x060E}},                 /* current_l2 uint32 msw A */
    {3, 0x5B10, 2, {0x0000, 0x0019}},                 /* current_l3 uint32 msw A */
    {3, 0x5B14, 2, {0x0005, 0x8746}},                 /* power_total int32 msw W */
    {3, 0x5B16, 2, {0x0005, 0x9FE2}},                 /* power_l1 int32 msw W */
    {3, 0x5B18, 2, {0xFFFF, 0xD0EE}},                 /* power_l2 int32 msw W */
    {3, 0x5B1A, 2, {0x0000, 0x1676}},                 /* power_l3 int32 msw W */
    {3, 0x5B2C, 1, {0x1389}},                         /* frequency uint16 msw Hz */
    {3, 0x5000, 4, {0x0000, 0x0000, 0x0012, 0xD680}}, /* energy_import uint64 msw kWh */
    {0, 0, 0, {0}},
};

static const raw_reg em340_regs[] = {
    {4, 0x0000, 2, {0x08FD, 0x0000}}, /* voltage_l1 int32 lsw V */
    {4, 0x0002, 2, {0x0908, 0x0000}}, /* voltage_l2 int32 lsw V */
    {4, 0x0004, 2, {0x08FA, 0x0000}}, /* voltage_l3 int32 lsw V */
    {4, 0x000C, 2, {0x3E94, 0x0000}}, /* current_l1 int32 lsw A */
    {4, 0x000E, 2, {0x3C8C, 0x0000}}, /* current_l2 int32 lsw A */
    {4, 0x0010, 2, {0x00FA, 0x0000}}, /* current_l3 int32 lsw A */
    {4, 0x0012, 2, {0x8FFD, 0x0000}}, /* power_l1 int32 lsw W */
    {4, 0x0014, 2, {0xFB4B, 0xFFFF}}, /* power_l2 int32 lsw W */
    {4, 0x0016, 2, {0x023F, 0x0000}}, /* power_l3 int32 lsw W */
    {4, 0x0028, 2, {0x8D87, 0x0000}}, /* power_total int32 lsw W */
    {4, 0x0033, 1, {0x01F4}},         /* frequency int16 msw Hz */
    {4, 0x0034, 2, {0xE240, 0x0001}}, /* energy_import int32 lsw kWh */
    {0, 0, 0, {0}},
};

static const raw_reg finder_7m_regs[] = {
    {4, 2500, 2, {0x4366, 0x199A}}, /* voltage_l1 float32 msw V */
    {4, 2502, 2, {0x4367, 0x3333}}, /* voltage_l2 float32 msw V */
    {4, 2504, 2, {0x4365, 0xCCCD}}, /* voltage_l3 float32 msw V */
    {4, 2516, 2, {0x4180, 0x28F6}}, /* current_l1 float32 msw A */
    {4, 2518, 2, {0x4178, 0x0000}}, /* current_l2 float32 msw A */
    {4, 2520, 2, {0x3E80, 0x0000}}, /* current_l3 float32 msw A */
    {4, 2530, 2, {0x4566, 0x619A}}, /* power_l1 float32 msw W */
    {4, 2532, 2, {0xC2F1, 0x0000}}, /* power_l2 float32 msw W */
    {4, 2534, 2, {0x4266, 0x0000}}, /* power_l3 float32 msw W */
    {4, 2752, 2, {0x4B3C, 0x6100}}, /* energy_import float32 msw Wh */
    {0, 0, 0, {0}},
};

static const raw_reg generic_regs[] = {
    {4, 0x0000, 2, {0x4366, 0x199A}}, /* voltage_l1 float32 msw V */
    {4, 0x0002, 2, {0x4367, 0x3333}}, /* voltage_l2 float32 msw V */
    {4, 0x0004, 2, {0x4365, 0xCCCD}}, /* voltage_l3 float32 msw V */
    {4, 0x0006, 2, {0x4180, 0x28F6}}, /* current_l1 float32 msw A */
    {4, 0x0008, 2, {0x4178, 0x0000}}, /* current_l2 float32 msw A */
    {4, 0x000A, 2, {0x3E80, 0x0000}}, /* current_l3 float32 msw A */
    {4, 0x000C, 2, {0x4566, 0x619A}}, /* power_l1 float32 msw W */
    {4, 0x000E, 2, {0xC2F1, 0x0000}}, /* power_l2 float32 msw W */
    {4, 0x0010, 2, {0x4266, 0x0000}}, /* power_l3 float32 msw W */
    {4, 0x0034, 2, {0x4562, 0x719A}}, /* power_total float32 msw W */
    {4, 0x0046, 2, {0x4248, 0x0A3D}}, /* frequency float32 msw Hz */
    {4, 0x0048, 2, {0x4640, 0xE666}}, /* energy_import float32 msw kWh */
    {0, 0, 0, {0}},
};

static const raw_reg pac2200_regs[] = {
    {4, 1, 2, {0x4366, 0x199A}},                   /* voltage_l1 float32 msw V */
    {4, 3, 2, {0x4367, 0x3333}},                   /* voltage_l2 float32 msw V */
    {4, 5, 2, {0x4365, 0xCCCD}},                   /* voltage_l3 float32 msw V */
    {4, 13, 2, {0x4180, 0x28F6}},                  /* current_l1 float32 msw A */
    {4, 15, 2, {0x4178, 0x0000}},                  /* current_l2 float32 msw A */
    {4, 17, 2, {0x3E80, 0x0000}},                  /* current_l3 float32 msw A */
    {4, 25, 2, {0x4566, 0x619A}},                  /* power_l1 float32 msw W */
    {4, 27, 2, {0xC2F1, 0x0000}},                  /* power_l2 float32 msw W */
    {4, 29, 2, {0x4266, 0x0000}},                  /* power_l3 float32 msw W */
    {4, 55, 2, {0x4248, 0x0A3D}},                  /* frequency float32 msw Hz */
    {4, 65, 2, {0x4562, 0x719A}},                  /* power_total float32 msw W */
    {4, 801, 4, {0x4167, 0x8C20, 0x0000, 0x0000}}, /* energy_import float64 msw Wh */
    {0, 0, 0, {0}},
};

/* SunSpec model 103 with its scale factors: V_SF -1, A_SF -2, W_SF 1
 * (3620 W: int16 W with a positive factor), Hz_SF -2, WH_SF 2. */
static const raw_reg sunspec_inverter_regs[] = {
    {3, 40069, 2, {103, 50}},                  /* ID, L of the inverter model */
    {3, 40072, 3, {1602, 1550, 25}},           /* AphA AphB AphC uint16 */
    {3, 40075, 1, {0xFFFE}},                   /* A_SF = -2 */
    {3, 40079, 4, {2301, 2312, 2298, 0xFFFF}}, /* PhVphA..C uint16, V_SF = -1 */
    {3, 40083, 4, {362, 1, 5001, 0xFFFE}},     /* W int16, W_SF = 1, Hz, Hz_SF = -2 */
    {3, 40093, 3, {0x0001, 0xE240, 2}},        /* WH acc32 = 123456, WH_SF = 2 */
    {0, 0, 0, {0}},
};

/* SunSpec model 113: float32, high word first. */
static const raw_reg sunspec_inverter_float_regs[] = {
    {3, 40069, 2, {113, 60}},        /* ID, L */
    {3, 40073, 2, {0x4180, 0x28F6}}, /* AphA */
    {3, 40075, 2, {0x4178, 0x0000}}, /* AphB */
    {3, 40077, 2, {0x3E80, 0x0000}}, /* AphC */
    {3, 40085, 2, {0x4366, 0x199A}}, /* PhVphA */
    {3, 40087, 2, {0x4367, 0x3333}}, /* PhVphB */
    {3, 40089, 2, {0x4365, 0xCCCD}}, /* PhVphC */
    {3, 40091, 2, {0x4562, 0x719A}}, /* W */
    {3, 40093, 2, {0x4248, 0x0A3D}}, /* Hz */
    {3, 40101, 2, {0x4B3C, 0x6100}}, /* WH */
    {0, 0, 0, {0}},
};

static const raw_reg pro380_regs[] = {
    {3, 0x5002, 2, {0x4366, 0x199A}}, /* voltage_l1 float32 msw V */
    {3, 0x5004, 2, {0x4367, 0x3333}}, /* voltage_l2 float32 msw V */
    {3, 0x5006, 2, {0x4365, 0xCCCD}}, /* voltage_l3 float32 msw V */
    {3, 0x5008, 2, {0x4248, 0x0A3D}}, /* frequency float32 msw Hz */
    {3, 0x500C, 2, {0x4180, 0x28F6}}, /* current_l1 float32 msw A */
    {3, 0x500E, 2, {0x4178, 0x0000}}, /* current_l2 float32 msw A */
    {3, 0x5010, 2, {0x3E80, 0x0000}}, /* current_l3 float32 msw A */
    {3, 0x5012, 2, {0x4067, 0xE0DF}}, /* power_total float32 msw kW */
    {3, 0x5014, 2, {0x406B, 0xE910}}, /* power_l1 float32 msw kW */
    {3, 0x5016, 2, {0xBDF6, 0xC8B4}}, /* power_l2 float32 msw kW */
    {3, 0x5018, 2, {0x3D6B, 0x851F}}, /* power_l3 float32 msw kW */
    {3, 0x600C, 2, {0x4640, 0xE666}}, /* energy_import float32 msw kWh */
    {0, 0, 0, {0}},
};

static const raw_reg sdm630_regs[] = {
    {4, 0x0000, 2, {0x4366, 0x199A}}, /* voltage_l1 float32 msw V */
    {4, 0x0002, 2, {0x4367, 0x3333}}, /* voltage_l2 float32 msw V */
    {4, 0x0004, 2, {0x4365, 0xCCCD}}, /* voltage_l3 float32 msw V */
    {4, 0x0006, 2, {0x4180, 0x28F6}}, /* current_l1 float32 msw A */
    {4, 0x0008, 2, {0x4178, 0x0000}}, /* current_l2 float32 msw A */
    {4, 0x000A, 2, {0x3E80, 0x0000}}, /* current_l3 float32 msw A */
    {4, 0x000C, 2, {0x4566, 0x619A}}, /* power_l1 float32 msw W */
    {4, 0x000E, 2, {0xC2F1, 0x0000}}, /* power_l2 float32 msw W */
    {4, 0x0010, 2, {0x4266, 0x0000}}, /* power_l3 float32 msw W */
    {4, 0x0034, 2, {0x4562, 0x719A}}, /* power_total float32 msw W */
    {4, 0x0046, 2, {0x4248, 0x0A3D}}, /* frequency float32 msw Hz */
    {4, 0x0048, 2, {0x4640, 0xE666}}, /* energy_import float32 msw kWh */
    {0, 0, 0, {0}},
};

static const raw_reg sdm72dm_v2_regs[] = {
    {4, 0x0000, 2, {0x4366, 0x199A}}, /* voltage_l1 float32 msw V */
    {4, 0x0002, 2, {0x4367, 0x3333}}, /* voltage_l2 float32 msw V */
    {4, 0x0004, 2, {0x4365, 0xCCCD}}, /* voltage_l3 float32 msw V */
    {4, 0x0006, 2, {0x4180, 0x28F6}}, /* current_l1 float32 msw A */
    {4, 0x0008, 2, {0x4178, 0x0000}}, /* current_l2 float32 msw A */
    {4, 0x000A, 2, {0x3E80, 0x0000}}, /* current_l3 float32 msw A */
    {4, 0x000C, 2, {0x4566, 0x619A}}, /* power_l1 float32 msw W */
    {4, 0x000E, 2, {0xC2F1, 0x0000}}, /* power_l2 float32 msw W */
    {4, 0x0010, 2, {0x4266, 0x0000}}, /* power_l3 float32 msw W */
    {4, 0x0034, 2, {0x4562, 0x719A}}, /* power_total float32 msw W */
    {4, 0x0046, 2, {0x4248, 0x0A3D}}, /* frequency float32 msw Hz */
    {4, 0x0048, 2, {0x4640, 0xE666}}, /* energy_import float32 msw kWh */
    {0, 0, 0, {0}},
};

static const raw_reg sdm72dm_regs[] = {
    {4, 0x0034, 2, {0x4562, 0x719A}}, /* power_total float32 msw W */
    {4, 0x0048, 2, {0x4640, 0xE666}}, /* energy_import float32 msw kWh */
    {0, 0, 0, {0}},
};

static const map_case map_cases[] = {
    {"abb-b23",
     abb_b23_regs,
     {{230.10000000000002, 231.20000000000002, 229.8},
      {16.02, 15.5, 0.25},
      {3686.1, -120.5, 57.5},
      3623.1,
      12345600.0,
      50.01,
      0}},
    {"em340",
     em340_regs,
     {{230.10000000000002, 231.20000000000002, 229.8},
      {16.02, 15.5, 0.25},
      {3686.1000000000004, -120.5, 57.5},
      3623.1000000000004,
      12345600.0,
      50.0,
      0}},
    {"finder-7m",
     finder_7m_regs,
     {{230.10000610351562, 231.1999969482422, 229.8000030517578},
      {16.020000457763672, 15.5, 0.25},
      {3686.10009765625, -120.5, 57.5},
      3623.10009765625,
      12345600.0,
      0.0,
      0}},
    {"generic",
     generic_regs,
     {{230.10000610351562, 231.1999969482422, 229.8000030517578},
      {16.020000457763672, 15.5, 0.25},
      {3686.10009765625, -120.5, 57.5},
      3623.10009765625,
      12345599.609375,
      50.0099983215332,
      0}},
    {"pac2200",
     pac2200_regs,
     {{230.10000610351562, 231.1999969482422, 229.8000030517578},
      {16.020000457763672, 15.5, 0.25},
      {3686.10009765625, -120.5, 57.5},
      3623.10009765625,
      12345600.0,
      50.0099983215332,
      0}},
    {"sunspec-inverter",
     sunspec_inverter_regs,
     {{230.1, 231.2, 229.8}, {16.02, 15.5, 0.25}, {0, 0, 0}, 3620, 12345600.0, 50.01, 0}},
    {"sunspec-inverter-float",
     sunspec_inverter_float_regs,
     {{230.10000610351562, 231.1999969482422, 229.8000030517578},
      {16.020000457763672, 15.5, 0.25},
      {0, 0, 0},
      3623.10009765625,
      12345600.0,
      50.0099983215332,
      0}},
    {"pro380",
     pro380_regs,
     {{230.10000610351562, 231.1999969482422, 229.8000030517578},
      {16.020000457763672, 15.5, 0.25},
      {3686.1000061035156, -120.49999833106995, 57.500001043081284},
      3623.1000423431396,
      12345599.609375,
      50.0099983215332,
      0}},
    {"sdm630",
     sdm630_regs,
     {{230.10000610351562, 231.1999969482422, 229.8000030517578},
      {16.020000457763672, 15.5, 0.25},
      {3686.10009765625, -120.5, 57.5},
      3623.10009765625,
      12345599.609375,
      50.0099983215332,
      0}},
    {"sdm72dm-v2",
     sdm72dm_v2_regs,
     {{230.10000610351562, 231.1999969482422, 229.8000030517578},
      {16.020000457763672, 15.5, 0.25},
      {3686.10009765625, -120.5, 57.5},
      3623.10009765625,
      12345599.609375,
      50.0099983215332,
      0}},
    {"sdm72dm",
     sdm72dm_regs,
     {{0.0, 0.0, 0.0},
      {0.0, 0.0, 0.0},
      {0.0, 0.0, 0.0},
      3623.10009765625,
      12345599.609375,
      0.0,
      0}},
};

static void load(meter_map *m, const char *model) {
  char err[512];
  if (meter_map_load(m, meter_maps_dir_default(), model, err, sizeof err) != 0) fail_msg("%s", err);
}

/* Place the raw registers into the image where the plan put them. */
static void fill_image(const meter_map *m, const raw_reg *regs, uint16_t *image) {
  for (const raw_reg *r = regs; r->words; r++) {
    bool placed = false;
    for (int i = 0; i < m->request_count && !placed; i++) {
      const meter_request *q = &m->request[i];
      if (q->function == r->fc && r->address >= q->address &&
          r->address + r->words <= q->address + q->count) {
        memcpy(image + q->image_offset + (r->address - q->address), r->w,
               (size_t)r->words * sizeof(uint16_t));
        placed = true;
      }
    }
    if (!placed)
      fail_msg("%s: register %d (fc %d) not in the read plan", m->name, r->address, r->fc);
  }
}

static void assert_close(double got, double want, const char *what, const char *model) {
  if (fabs(got - want) > 1e-9 * fmax(1, fabs(want)))
    fail_msg("%s: %s = %.9g, want %.9g", model, what, got, want);
}

static void assert_reading(const meter_reading *got, const meter_reading *want, const char *model) {
  static const char *ph[3] = {"L1", "L2", "L3"};
  char what[32];
  for (int i = 0; i < 3; i++) {
    snprintf(what, sizeof what, "voltage %s", ph[i]);
    assert_close(got->voltage_v[i], want->voltage_v[i], what, model);
    snprintf(what, sizeof what, "current %s", ph[i]);
    assert_close(got->current_a[i], want->current_a[i], what, model);
    snprintf(what, sizeof what, "power %s", ph[i]);
    assert_close(got->power_w[i], want->power_w[i], what, model);
  }
  assert_close(got->power_total_w, want->power_total_w, "total power", model);
  assert_close(got->energy_import_wh, want->energy_import_wh, "energy import", model);
  assert_close(got->frequency_hz, want->frequency_hz, "frequency", model);
}

static const map_case *find_case(const char *model) {
  for (size_t i = 0; i < sizeof map_cases / sizeof map_cases[0]; i++)
    if (!strcmp(map_cases[i].model, model)) return &map_cases[i];
  return NULL;
}

/* Every file of meters/ parses, has a case here and decodes its image. */
static void test_every_map_decodes_known_image(void **state) {
  (void)state;
  DIR *d = opendir(meter_maps_dir_default());
  assert_non_null(d);
  int seen = 0;
  for (struct dirent *e; (e = readdir(d));) {
    size_t n = strlen(e->d_name);
    if (n < 5 || strcmp(e->d_name + n - 4, ".map")) continue;
    char model[64];
    snprintf(model, sizeof model, "%.*s", (int)(n - 4), e->d_name);
    const map_case *c = find_case(model);
    if (!c) fail_msg("meters/%s has no known register image in this test", e->d_name);
    meter_map m;
    load(&m, model);
    assert_true(m.source[0] != '\0');
    uint16_t image[16 * METER_MODBUS_MAX_REGS];
    memset(image, 0, sizeof image);
    fill_image(&m, c->regs, image);
    meter_reading r;
    char err[256];
    if (meter_map_decode(&m, image, (size_t)m.image_words, 42, &r, err, sizeof err) != 0)
      fail_msg("%s: %s", model, err);
    assert_int_equal(r.at, 42);
    assert_reading(&r, &c->want, model);
    seen++;
  }
  closedir(d);
  assert_int_equal(seen, (int)(sizeof map_cases / sizeof map_cases[0]));
}

/* The models the issue names exist. */
static void test_required_models_present(void **state) {
  (void)state;
  const char *need[] = {"sdm630", "sdm72dm",   "abb-b23", "pac2200",
                        "em340",  "finder-7m", "pro380",  "generic"};
  for (size_t i = 0; i < sizeof need / sizeof need[0]; i++) {
    meter_map m;
    load(&m, need[i]);
  }
}

/* encode then decode gives the value back, for every map and quantity. */
static void test_encode_roundtrip(void **state) {
  (void)state;
  for (size_t k = 0; k < sizeof map_cases / sizeof map_cases[0]; k++) {
    meter_map m;
    load(&m, map_cases[k].model);
    uint16_t image[16 * METER_MODBUS_MAX_REGS] = {0};
    const meter_reading *w = &map_cases[k].want;
    /* a SunSpec map: its header and scale factors from the known image,
     * every value from the encoder */
    if (m.sunspec) fill_image(&m, map_cases[k].regs, image);
    for (int i = 0; i < 3; i++) {
      meter_map_encode(&m, MQ_VOLTAGE_L1 + i, w->voltage_v[i], image);
      meter_map_encode(&m, MQ_CURRENT_L1 + i, w->current_a[i], image);
      meter_map_encode(&m, MQ_POWER_L1 + i, w->power_w[i], image);
    }
    meter_map_encode(&m, MQ_POWER_TOTAL, w->power_total_w, image);
    meter_map_encode(&m, MQ_ENERGY_IMPORT, w->energy_import_wh, image);
    meter_map_encode(&m, MQ_FREQUENCY, w->frequency_hz, image);
    meter_reading r;
    char err[256];
    assert_int_equal(meter_map_decode(&m, image, (size_t)m.image_words, 0, &r, err, sizeof err), 0);
    assert_reading(&r, w, m.name);
  }
}

static int parse(meter_map *m, const char *text, char *err, size_t errlen) {
  return meter_map_parse(m, text, strlen(text), "t.map", err, errlen);
}

#define HEAD "model = T\nsource = doc\n"

static void test_plan_groups_contiguous_registers(void **state) {
  (void)state;
  meter_map m;
  load(&m, "sdm630");
  /* 0x00-0x11 (9 values), 0x34-0x35, 0x46-0x49 */
  assert_int_equal(m.request_count, 3);
  assert_int_equal(m.request[0].address, 0);
  assert_int_equal(m.request[0].count, 18);
  assert_int_equal(m.request[1].address, 0x34);
  assert_int_equal(m.request[1].count, 2);
  assert_int_equal(m.request[2].address, 0x46);
  assert_int_equal(m.request[2].count, 4);
  assert_int_equal(m.image_words, 24);

  load(&m, "pac2200"); /* 1-6, 13-18, 25-30, 55-56, 65-66, 801-804 */
  assert_int_equal(m.request_count, 6);
  assert_int_equal(m.request[5].address, 801);
  assert_int_equal(m.request[5].count, 4);

  char err[256];
  /* max_gap lets one request span the holes */
  assert_int_equal(parse(&m,
                         HEAD "max_gap = 60\n"
                              "voltage_l1 0 4 float32 msw be 1 V\n"
                              "energy_import 0x48 4 float32 msw be 1 kWh\n"
                              "power_total 0x34 4 float32 msw be 1 W\n",
                         err, sizeof err),
                   0);
  assert_int_equal(m.request_count, 1);
  assert_int_equal(m.request[0].count, 0x4A);
  assert_int_equal(m.field[MQ_ENERGY_IMPORT].offset, 0x48);
  /* max_registers splits */
  assert_int_equal(parse(&m,
                         HEAD "max_registers = 4\n"
                              "voltage_l1 0 4 float32 msw be 1 V\n"
                              "voltage_l2 2 4 float32 msw be 1 V\n"
                              "voltage_l3 4 4 float32 msw be 1 V\n"
                              "energy_import 6 4 float32 msw be 1 kWh\n",
                         err, sizeof err),
                   0);
  assert_int_equal(m.request_count, 2);
  assert_int_equal(m.request[1].address, 4);
  /* different function codes never share a request */
  assert_int_equal(parse(&m,
                         HEAD "voltage_l1 0 3 uint16 msw be 1 V\n"
                              "energy_import 1 4 uint16 msw be 1 kWh\n",
                         err, sizeof err),
                   0);
  assert_int_equal(m.request_count, 2);
  /* a request never exceeds 125 registers, even with a large gap allowed */
  assert_int_equal(parse(&m,
                         HEAD "max_gap = 125\n"
                              "voltage_l1 0 4 uint16 msw be 1 V\n"
                              "energy_import 124 4 uint32 msw be 1 kWh\n",
                         err, sizeof err),
                   0);
  assert_int_equal(m.request_count, 2);
}

static void expect_error(const char *text, const char *want) {
  meter_map m;
  char err[256] = "";
  assert_int_equal(meter_map_parse(&m, text, strlen(text), "t.map", err, sizeof err), -1);
  if (!strstr(err, want)) fail_msg("error '%s' lacks '%s'", err, want);
}

static void test_parse_errors_name_file_and_line(void **state) {
  (void)state;
  expect_error(HEAD "voltage_l1 0 4 float32 msw be 1\n", "t.map:3: expected 8 columns");
  expect_error(HEAD "voltage_lx 0 4 float32 msw be 1 V\n", "t.map:3: unknown quantity");
  expect_error(HEAD "voltage_l1 70000 4 float32 msw be 1 V\n", "t.map:3: voltage_l1: bad address");
  expect_error(HEAD "voltage_l1 0 6 float32 msw be 1 V\n", "t.map:3: voltage_l1: function code");
  expect_error(HEAD "voltage_l1 0 4 float16 msw be 1 V\n", "t.map:3: voltage_l1: unknown type");
  expect_error(HEAD "voltage_l1 0 4 float32 mid be 1 V\n", "t.map:3: voltage_l1: word order");
  expect_error(HEAD "voltage_l1 0 4 float32 msw xx 1 V\n", "t.map:3: voltage_l1: byte order");
  expect_error(HEAD "voltage_l1 0 4 float32 msw be 0 V\n", "t.map:3: voltage_l1: bad scale");
  expect_error(HEAD "voltage_l1 0 4 float32 msw be 1 kWh\n", "t.map:3: voltage_l1: unit 'kWh'");
  expect_error(HEAD "\n# c\nfrequency 0 4 float32 msw be 1 Hz\nfrequency 2 4 float32 msw be 1 Hz\n",
               "t.map:6: frequency already given on line 5");
  expect_error(HEAD "voltage_l1 65535 4 float32 msw be 1 V\n", "past 65535");
  expect_error(HEAD "colour = red\n", "t.map:3: unknown setting 'colour'");
  expect_error(HEAD "phases = 2\n", "t.map:3: phases: bad value");
  expect_error(HEAD "max_registers = 126\n", "t.map:3: max_registers: bad value");
  expect_error("source = doc\nenergy_import 0 4 float32 msw be 1 kWh\n", "missing 'model");
  expect_error("model = T\nenergy_import 0 4 float32 msw be 1 kWh\n", "missing 'source");
  expect_error(HEAD "voltage_l1 0 4 float32 msw be 1 V\n", "no energy_import");
  meter_map m;
  char err[256];
  assert_int_equal(meter_map_load(&m, meter_maps_dir_default(), "../etc/passwd", err, sizeof err),
                   -1);
  assert_non_null(strstr(err, "only a-z"));
  assert_int_equal(meter_map_load(&m, meter_maps_dir_default(), "nosuch", err, sizeof err), -1);
  assert_non_null(strstr(err, "nosuch.map"));
}

static void test_decode_rejects_short_image_and_nan(void **state) {
  (void)state;
  meter_map m;
  load(&m, "sdm630");
  uint16_t image[64] = {0};
  meter_reading r;
  char err[256];
  assert_int_equal(meter_map_decode(&m, image, 10, 0, &r, err, sizeof err), -1);
  assert_non_null(strstr(err, "short answer: 10 of 24"));
  /* voltage L2 = quiet NaN 0x7FC00000 */
  image[2] = 0x7FC0;
  assert_int_equal(meter_map_decode(&m, image, 24, 0, &r, err, sizeof err), -1);
  assert_string_equal(err, "voltage_l2 is NaN");
  image[2] = 0x7F80; /* +inf */
  assert_int_equal(meter_map_decode(&m, image, 24, 0, &r, err, sizeof err), -1);
  assert_string_equal(err, "voltage_l2 is infinite");
}

static void test_byte_and_word_orders(void **state) {
  (void)state;
  meter_map m;
  char err[256];
  /* 0x12345678 in the four orders */
  assert_int_equal(parse(&m,
                         HEAD "voltage_l1 0 4 uint32 msw be 1 V\n"
                              "voltage_l2 2 4 uint32 lsw be 1 V\n"
                              "voltage_l3 4 4 uint32 msw le 1 V\n"
                              "energy_import 6 4 uint32 lsw le 1 Wh\n",
                         err, sizeof err),
                   0);
  uint16_t image[8] = {0x1234, 0x5678, 0x5678, 0x1234, 0x3412, 0x7856, 0x7856, 0x3412};
  meter_reading r;
  assert_int_equal(meter_map_decode(&m, image, 8, 0, &r, err, sizeof err), 0);
  assert_true(r.voltage_v[0] == 0x12345678);
  assert_true(r.voltage_v[1] == 0x12345678);
  assert_true(r.voltage_v[2] == 0x12345678);
  assert_true(r.energy_import_wh == 0x12345678);
  /* signed 16 and 64 bit */
  assert_int_equal(parse(&m,
                         HEAD "power_l1 0 4 int16 msw be 1 W\n"
                              "energy_import 1 4 int64 msw be 1 Wh\n",
                         err, sizeof err),
                   0);
  uint16_t img2[5] = {0xFF38, 0xFFFF, 0xFFFF, 0xFFFF, 0xFFFE};
  assert_int_equal(meter_map_decode(&m, img2, 5, 0, &r, err, sizeof err), 0);
  assert_true(r.power_w[0] == -200);
  assert_true(r.energy_import_wh == -2);
  assert_true(r.power_total_w == -200); /* no total: sum of the phases */
}

static meter_reading reading(double energy, double power) {
  meter_reading r = {.voltage_v = {230, 230, 230}, .current_a = {10, 10, 10}};
  r.energy_import_wh = energy;
  r.power_total_w = power;
  return r;
}

static void test_plausibility(void **state) {
  (void)state;
  meter_limits lim = {.breaker_a = 32, .phases = 3, .nominal_voltage = 230, .margin = 1.5};
  char why[128];
  meter_reading a = reading(1000, 7000), b = reading(1000.5, 7000);
  assert_int_equal(meter_check(NULL, &a, &lim, why, sizeof why), MP_OK);
  assert_int_equal(meter_check(&a, &b, &lim, why, sizeof why), MP_OK);
  assert_int_equal(meter_check(&b, &a, &lim, why, sizeof why), MP_ENERGY_BACKWARD);
  assert_non_null(strstr(why, "went backwards: 1000.0 Wh after 1000.5 Wh"));
  meter_reading c = reading(1001, 32 * 230 * 3 * 1.5 + 1);
  assert_int_equal(meter_check(&a, &c, &lim, why, sizeof why), MP_POWER_TOO_HIGH);
  meter_reading d = reading(1001, 32 * 230 * 3 * 1.5 - 1);
  assert_int_equal(meter_check(&a, &d, &lim, why, sizeof why), MP_OK);
  lim.phases = 1; /* a 1-phase point: a third of the power */
  assert_int_equal(meter_check(&a, &d, &lim, why, sizeof why), MP_POWER_TOO_HIGH);
  meter_reading e = reading(1001, 0);
  e.current_a[1] = NAN;
  assert_int_equal(meter_check(&a, &e, &lim, why, sizeof why), MP_NOT_FINITE);
  e = reading(1001, 0);
  e.voltage_v[2] = -1;
  assert_int_equal(meter_check(&a, &e, &lim, why, sizeof why), MP_NEGATIVE);
  assert_string_equal(meter_plausibility_name(MP_ENERGY_BACKWARD), "energy_backward");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_map_decodes_known_image),
      cmocka_unit_test(test_required_models_present),
      cmocka_unit_test(test_encode_roundtrip),
      cmocka_unit_test(test_plan_groups_contiguous_registers),
      cmocka_unit_test(test_parse_errors_name_file_and_line),
      cmocka_unit_test(test_decode_rejects_short_image_and_nan),
      cmocka_unit_test(test_byte_and_word_orders),
      cmocka_unit_test(test_plausibility),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
