/*
 * Meter register maps as data: parse a map file of meters/ (one line per
 * quantity: address, function code, type, word and byte order, scale,
 * unit), plan the Modbus reads (contiguous registers grouped into as few
 * requests as the meter allows), decode a register image into a
 * meter_reading, and judge whether a reading is plausible.
 *
 * Pure code: no I/O but meter_map_load(), no clock (callers pass `now`).
 * Bad input (a broken map, a short or hostile register image) gives an error
 * with file:line or the quantity's name, never a crash.
 */
#ifndef BORNE_METER_METER_MAP_H
#define BORNE_METER_METER_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/types.h"

#define METER_MODBUS_MAX_REGS 125 /* Modbus application protocol v1.1b3, 6.3/6.4 */
#define METER_MAX_REQUESTS 16
#define METER_MODEL_MAX 64
#define METER_SOURCE_MAX 256
#define METER_MAX_SF 12         /* scale-factor registers (sf:ADDRESS) a map may name */
#define METER_SUNSPEC_MAX_IDS 4 /* model ids a `sunspec =` line may accept */

/* The quantities a map may name; the file spells them as in meter_quantity_name(). */
typedef enum {
  MQ_VOLTAGE_L1,
  MQ_VOLTAGE_L2,
  MQ_VOLTAGE_L3,
  MQ_CURRENT_L1,
  MQ_CURRENT_L2,
  MQ_CURRENT_L3,
  MQ_POWER_L1,
  MQ_POWER_L2,
  MQ_POWER_L3,
  MQ_POWER_TOTAL,
  MQ_ENERGY_IMPORT,
  MQ_FREQUENCY,
  MQ_COUNT
} meter_quantity;

typedef enum {
  MT_INT16,
  MT_UINT16,
  MT_INT32,
  MT_UINT32,
  MT_INT64,
  MT_UINT64,
  MT_FLOAT32,
  MT_FLOAT64,
} meter_type;

typedef struct {
  bool present;
  uint16_t address;    /* protocol address (0-based, as on the wire) */
  uint8_t function;    /* 3 = holding registers, 4 = input registers */
  meter_type type;     /* the registers' number format */
  bool low_word_first; /* word order: false = most significant register first */
  bool little_endian;  /* byte order inside a register: false = high byte first */
  double scale;        /* raw value x scale = value in `unit` */
  double to_base;      /* unit -> V, A, W, Wh, Hz (1000 for kW, kWh) */
  char unit[8];
  int line; /* in the map file, for messages */
  int sf;   /* 1 + index into meter_map.sf when the scale is sf:ADDRESS; 0: scale holds it */
  /* filled by meter_map_plan(): */
  int request;     /* index into the plan's requests */
  uint16_t offset; /* registers from the request's start */
} meter_field;

typedef struct {
  uint8_t function;
  uint16_t address;
  uint16_t count;
  uint16_t image_offset; /* where its registers start in the image */
} meter_request;

typedef struct {
  char name[METER_MODEL_MAX];  /* file name without extension ("sdm630") */
  char model[METER_MODEL_MAX]; /* "Eastron SDM630" */
  char source[METER_SOURCE_MAX];
  int phases;        /* 1 or 3: how many phases the meter measures */
  int max_registers; /* per request (some meters allow fewer than 125) */
  int max_gap;       /* unrequested registers a request may span (0: only contiguous) */
  meter_field field[MQ_COUNT];
  /* SunSpec (`sunspec = ADDRESS IDS LENGTH`): the model's ID and L registers
   * at `sunspec_hdr` must hold one of the ids and the length, else the
   * answer is refused; a register holding SunSpec's "not implemented"
   * value reads as 0. */
  bool sunspec;
  uint16_t sunspec_ids[METER_SUNSPEC_MAX_IDS];
  int sunspec_id_count;
  uint16_t sunspec_len;
  meter_field sunspec_hdr; /* uint32: ID in the high word, L in the low one */
  /* scale-factor registers (SunSpec sunssf: int16 power of ten, -10..10) */
  meter_field sf[METER_MAX_SF];
  int sf_count;
  /* the plan */
  meter_request request[METER_MAX_REQUESTS];
  int request_count;
  int image_words; /* total registers of all requests */
} meter_map;

const char *meter_quantity_name(meter_quantity q); /* "voltage_l1" ... */
const char *meter_type_name(meter_type t);         /* "float32" ... */
int meter_type_words(meter_type t);                /* registers it spans */

/* Parse a map file's text. `name` is for messages ("meters/sdm630.map").
 * Also plans the reads. Returns 0, or -1 with "NAME:LINE: reason". */
int meter_map_parse(meter_map *m, const char *text, size_t len, const char *name, char *err,
                    size_t errlen);
/* Read and parse DIR/MODEL.map; m->name = model. */
int meter_map_load(meter_map *m, const char *dir, const char *model, char *err, size_t errlen);

/* Where maps are looked for when meter.maps_dir is not set: the source
 * tree's meters/ when it exists (a development build), else
 * PREFIX/share/borne/meters (an installed one). */
const char *meter_maps_dir_default(void);

/* Group the fields into requests: same function code, ascending addresses,
 * at most max_registers per request, at most max_gap unrequested registers
 * inside one. Returns 0, or -1 when more than METER_MAX_REQUESTS are needed. */
int meter_map_plan(meter_map *m, char *err, size_t errlen);

/* Decode a register image (the answers of the plan's requests one after the
 * other, image_words registers as host-order uint16 values, as libmodbus
 * returns them) into out (`at` = now). A quantity the map lacks is 0; a
 * missing total power is the sum of the phases. Returns 0, or -1 when the
 * image is short or a value is NaN/infinite ("voltage_l2 is NaN"), a
 * SunSpec map's model header does not match or a scale factor is out of
 * range. */
int meter_map_decode(const meter_map *m, const uint16_t *image, size_t words, borne_ms now,
                     meter_reading *out, char *err, size_t errlen);

/* Raw number of one field from its registers (no scale). */
double meter_field_raw(const meter_field *f, const uint16_t *regs);
/* The inverse, for tests, simulators and benchmarks: write `value` (in base
 * units: V, A, W, Wh, Hz) into the field's registers of an image. */
void meter_map_encode(const meter_map *m, meter_quantity q, double value, uint16_t *image);
/* For tests and simulators of a SunSpec map: write its ID (the first id
 * listed) and length registers and set every scale-factor register to
 * `exponent` (meter_map_encode then scales by it). */
void meter_map_encode_sunspec(const meter_map *m, int exponent, uint16_t *image);

/* ---------- plausibility ---------- */
typedef enum {
  MP_OK = 0,
  MP_NOT_FINITE,      /* NaN or infinite value */
  MP_ENERGY_BACKWARD, /* lifetime register below the previous reading */
  MP_POWER_TOO_HIGH,  /* beyond breaker x voltage x phases x margin */
  MP_NEGATIVE,        /* negative voltage or current */
} meter_plausibility;

typedef struct {
  double breaker_a;       /* the connector's (or grid's) breaker per phase */
  int phases;             /* phases wired */
  double nominal_voltage; /* 230 */
  double margin;          /* 1.5: measured power may exceed the nominal by this factor */
} meter_limits;

/* Judge cur against prev (NULL when none). Returns MP_OK or the first
 * problem, with a sentence in why. */
meter_plausibility meter_check(const meter_reading *prev, const meter_reading *cur,
                               const meter_limits *lim, char *why, size_t whylen);
const char *meter_plausibility_name(meter_plausibility p);

#endif
