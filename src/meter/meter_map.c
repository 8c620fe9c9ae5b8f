/*
 * Register maps of meters/: parsing, read planning, decoding, plausibility.
 * The file format is documented in docs/metering.md ("Map format"). This
 * file never reads a clock and never touches a bus.
 */
#include "meter/meter_map.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/errbuf.h"

static const char *const quantity_names[MQ_COUNT] = {
    "voltage_l1", "voltage_l2", "voltage_l3", "current_l1",  "current_l2",    "current_l3",
    "power_l1",   "power_l2",   "power_l3",   "power_total", "energy_import", "frequency",
};

static const char *const type_names[] = {"int16", "uint16", "int32",   "uint32",
                                         "int64", "uint64", "float32", "float64"};

const char *meter_quantity_name(meter_quantity q) {
  return (q >= 0 && q < MQ_COUNT) ? quantity_names[q] : "?";
}

const char *meter_type_name(meter_type t) {
  return (t >= MT_INT16 && t <= MT_FLOAT64) ? type_names[t] : "?";
}

int meter_type_words(meter_type t) {
  switch (t) {
  case MT_INT16:
  case MT_UINT16:
    return 1;
  case MT_INT32:
  case MT_UINT32:
  case MT_FLOAT32:
    return 2;
  case MT_INT64:
  case MT_UINT64:
  case MT_FLOAT64:
    return 4;
  }
  return 1;
}

/* The unit a quantity may be given in, and its factor to the base unit. */
typedef struct {
  const char *unit;
  double to_base;
} unit_def;

static const unit_def voltage_units[] = {{"V", 1}, {"kV", 1000}, {NULL, 0}};
static const unit_def current_units[] = {{"A", 1}, {"mA", 0.001}, {NULL, 0}};
static const unit_def power_units[] = {{"W", 1}, {"kW", 1000}, {NULL, 0}};
static const unit_def energy_units[] = {{"Wh", 1}, {"kWh", 1000}, {"MWh", 1e6}, {NULL, 0}};
static const unit_def frequency_units[] = {{"Hz", 1}, {NULL, 0}};

static const unit_def *units_of(meter_quantity q) {
  if (q <= MQ_VOLTAGE_L3) return voltage_units;
  if (q <= MQ_CURRENT_L3) return current_units;
  if (q <= MQ_POWER_TOTAL) return power_units;
  if (q == MQ_ENERGY_IMPORT) return energy_units;
  return frequency_units;
}

static char *trim(char *s) {
  while (*s == ' ' || *s == '\t') s++;
  size_t n = strlen(s);
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r')) s[--n] = '\0';
  return s;
}

static int parse_long(const char *s, long min, long max, long *out) {
  if (!*s) return -1;
  errno = 0;
  char *end;
  long v = strtol(s, &end, 0);
  if (errno || *end || v < min || v > max) return -1;
  *out = v;
  return 0;
}

/* sunspec = ADDRESS ID[,ID...] LENGTH: the model's ID register (its L
 * register follows), the model ids accepted there, the length L must hold. */
static int parse_sunspec(meter_map *m, char *value, const char *name, int line, char *err,
                         size_t errlen) {
  char *tok[4];
  int n = 0;
  for (char *save = NULL, *t = strtok_r(value, " \t", &save); t && n < 4;
       t = strtok_r(NULL, " \t", &save))
    tok[n++] = t;
  long addr, len, id;
  if (m->sunspec || n != 3 || parse_long(tok[0], 0, 65534, &addr) ||
      parse_long(tok[2], 1, 65535, &len))
    goto bad;
  m->sunspec_id_count = 0;
  for (char *save = NULL, *t = strtok_r(tok[1], ",", &save); t; t = strtok_r(NULL, ",", &save)) {
    if (m->sunspec_id_count == METER_SUNSPEC_MAX_IDS || parse_long(t, 1, 65534, &id)) goto bad;
    m->sunspec_ids[m->sunspec_id_count++] = (uint16_t)id;
  }
  if (!m->sunspec_id_count) goto bad;
  m->sunspec = true;
  m->sunspec_len = (uint16_t)len;
  m->sunspec_hdr = (meter_field){.present = true,
                                 .address = (uint16_t)addr,
                                 .function = 3,
                                 .type = MT_UINT32,
                                 .scale = 1,
                                 .to_base = 1,
                                 .line = line};
  return 0;
bad:
  errbuf_setf(err, errlen,
              "%s:%d: sunspec: expected ADDRESS ID[,ID...] LENGTH once (e.g. 40069 101,102,103 50)",
              name, line);
  return -1;
}

/* The scale column's sf:ADDRESS: a scale-factor register shared by the
 * fields naming it; read with the function code of the first. */
static int parse_sf(meter_map *m, meter_field *f, const char *s, const char *q, const char *name,
                    int line, char *err, size_t errlen) {
  long addr;
  if (parse_long(s + 3, 0, 65535, &addr)) {
    errbuf_setf(err, errlen, "%s:%d: %s: bad scale-factor address '%.16s' (sf:0..65535)", name,
                line, q, s);
    return -1;
  }
  for (int i = 0; i < m->sf_count; i++)
    if (m->sf[i].address == addr) {
      if (m->sf[i].function != f->function) {
        errbuf_setf(err, errlen, "%s:%d: %s: scale factor %ld is read with function %d on line %d",
                    name, line, q, addr, m->sf[i].function, m->sf[i].line);
        return -1;
      }
      f->sf = i + 1;
      return 0;
    }
  if (m->sf_count == METER_MAX_SF) {
    errbuf_setf(err, errlen, "%s:%d: %s: more than %d scale-factor registers", name, line, q,
                METER_MAX_SF);
    return -1;
  }
  m->sf[m->sf_count] = (meter_field){.present = true,
                                     .address = (uint16_t)addr,
                                     .function = f->function,
                                     .type = MT_INT16,
                                     .scale = 1,
                                     .to_base = 1,
                                     .line = line};
  f->sf = ++m->sf_count;
  return 0;
}

static int parse_header(meter_map *m, char *key, char *value, const char *name, int line, char *err,
                        size_t errlen) {
  long v;
  if (!strcmp(key, "model")) {
    if (!*value || strlen(value) >= sizeof m->model) goto bad;
    snprintf(m->model, sizeof m->model, "%s", value);
  } else if (!strcmp(key, "source")) {
    size_t n = strlen(m->source);
    if (!*value || n + strlen(value) + 3 >= sizeof m->source) goto bad;
    snprintf(m->source + n, sizeof m->source - n, "%s%s", n ? "; " : "", value);
  } else if (!strcmp(key, "phases")) {
    if (parse_long(value, 1, 3, &v) || v == 2) goto bad;
    m->phases = (int)v;
  } else if (!strcmp(key, "max_registers")) {
    if (parse_long(value, 1, METER_MODBUS_MAX_REGS, &v)) goto bad;
    m->max_registers = (int)v;
  } else if (!strcmp(key, "max_gap")) {
    if (parse_long(value, 0, METER_MODBUS_MAX_REGS, &v)) goto bad;
    m->max_gap = (int)v;
  } else if (!strcmp(key, "note")) {
    /* free text for the installer */
  } else if (!strcmp(key, "sunspec")) {
    return parse_sunspec(m, value, name, line, err, errlen);
  } else {
    errbuf_setf(err, errlen,
                "%s:%d: unknown setting '%s' (model, source, phases, max_registers, "
                "max_gap, sunspec, note)",
                name, line, key);
    return -1;
  }
  return 0;
bad:
  errbuf_setf(err, errlen, "%s:%d: %s: bad value '%.40s'", name, line, key, value);
  return -1;
}

/* quantity address function type word_order byte_order scale unit */
static int parse_field(meter_map *m, char *s, const char *name, int line, char *err,
                       size_t errlen) {
  char *tok[9];
  int n = 0;
  for (char *save = NULL, *t = strtok_r(s, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
    if (n == 9) break;
    tok[n++] = t;
  }
  if (n != 8) {
    errbuf_setf(err, errlen,
                "%s:%d: expected 8 columns (quantity address function type word_order byte_order "
                "scale unit), got %d",
                name, line, n);
    return -1;
  }
  int q = -1;
  for (int i = 0; i < MQ_COUNT; i++)
    if (!strcmp(tok[0], quantity_names[i])) q = i;
  if (q < 0) {
    errbuf_setf(err, errlen, "%s:%d: unknown quantity '%.32s'", name, line, tok[0]);
    return -1;
  }
  meter_field *f = &m->field[q];
  if (f->present) {
    errbuf_setf(err, errlen, "%s:%d: %s already given on line %d", name, line, tok[0], f->line);
    return -1;
  }
  long v;
  if (parse_long(tok[1], 0, 65535, &v)) {
    errbuf_setf(err, errlen, "%s:%d: %s: bad address '%.16s' (0..65535, 0x prefix for hex)", name,
                line, tok[0], tok[1]);
    return -1;
  }
  f->address = (uint16_t)v;
  if (parse_long(tok[2], 3, 4, &v)) {
    errbuf_setf(err, errlen, "%s:%d: %s: function code must be 3 or 4, got '%.16s'", name, line,
                tok[0], tok[2]);
    return -1;
  }
  f->function = (uint8_t)v;
  int t = -1;
  for (int i = 0; i <= MT_FLOAT64; i++)
    if (!strcmp(tok[3], type_names[i])) t = i;
  if (t < 0) {
    errbuf_setf(err, errlen,
                "%s:%d: %s: unknown type '%.16s' (int16 uint16 int32 uint32 int64 uint64 float32 "
                "float64)",
                name, line, tok[0], tok[3]);
    return -1;
  }
  f->type = (meter_type)t;
  if (!strcmp(tok[4], "msw"))
    f->low_word_first = false;
  else if (!strcmp(tok[4], "lsw"))
    f->low_word_first = true;
  else {
    errbuf_setf(err, errlen, "%s:%d: %s: word order must be msw or lsw, got '%.16s'", name, line,
                tok[0], tok[4]);
    return -1;
  }
  if (!strcmp(tok[5], "be"))
    f->little_endian = false;
  else if (!strcmp(tok[5], "le"))
    f->little_endian = true;
  else {
    errbuf_setf(err, errlen, "%s:%d: %s: byte order must be be or le, got '%.16s'", name, line,
                tok[0], tok[5]);
    return -1;
  }
  char *end;
  errno = 0;
  f->sf = 0;
  if (!strncmp(tok[6], "sf:", 3)) {
    if (parse_sf(m, f, tok[6], tok[0], name, line, err, errlen)) return -1;
    f->scale = 1;
  } else if ((f->scale = strtod(tok[6], &end)),
             errno || *end || !isfinite(f->scale) || f->scale == 0) {
    errbuf_setf(err, errlen, "%s:%d: %s: bad scale '%.16s' (a non-zero number or sf:ADDRESS)", name,
                line, tok[0], tok[6]);
    return -1;
  }
  const unit_def *u = units_of((meter_quantity)q);
  f->to_base = 0;
  for (; u->unit; u++)
    if (!strcmp(tok[7], u->unit)) f->to_base = u->to_base;
  if (f->to_base == 0) {
    char list[48] = "";
    for (u = units_of((meter_quantity)q); u->unit; u++) {
      size_t k = strlen(list);
      snprintf(list + k, sizeof list - k, "%s%s", k ? " " : "", u->unit);
    }
    errbuf_setf(err, errlen, "%s:%d: %s: unit '%.8s' does not fit (one of: %s)", name, line, tok[0],
                tok[7], list);
    return -1;
  }
  snprintf(f->unit, sizeof f->unit, "%s", tok[7]);
  if ((long)f->address + meter_type_words(f->type) > 65536) {
    errbuf_setf(err, errlen, "%s:%d: %s: registers run past 65535", name, line, tok[0]);
    return -1;
  }
  f->present = true;
  f->line = line;
  return 0;
}

int meter_map_parse(meter_map *m, const char *text, size_t len, const char *name, char *err,
                    size_t errlen) {
  memset(m, 0, sizeof *m);
  m->phases = 3;
  m->max_registers = METER_MODBUS_MAX_REGS;
  m->max_gap = 0;
  char buf[512];
  size_t pos = 0;
  int line = 0;
  while (pos < len) {
    line++;
    size_t end = pos;
    while (end < len && text[end] != '\n') end++;
    size_t n = end - pos;
    if (n >= sizeof buf) {
      errbuf_setf(err, errlen, "%s:%d: line longer than %zu characters", name, line,
                  sizeof buf - 1);
      return -1;
    }
    memcpy(buf, text + pos, n);
    buf[n] = '\0';
    pos = end + 1;
    if (memchr(buf, '\0', n)) {
      errbuf_setf(err, errlen, "%s:%d: NUL byte in a text file", name, line);
      return -1;
    }
    char *hash = strchr(buf, '#');
    if (hash) *hash = '\0';
    char *s = trim(buf);
    if (!*s) continue;
    char *eq = strchr(s, '=');
    int rc;
    if (eq) {
      *eq = '\0';
      rc = parse_header(m, trim(s), trim(eq + 1), name, line, err, errlen);
    } else {
      rc = parse_field(m, s, name, line, err, errlen);
    }
    if (rc) return -1;
  }
  if (!m->model[0]) {
    errbuf_setf(err, errlen, "%s: missing 'model = ...'", name);
    return -1;
  }
  if (!m->source[0]) {
    errbuf_setf(err, errlen, "%s: missing 'source = ...' (the maker's register document)", name);
    return -1;
  }
  if (!m->field[MQ_ENERGY_IMPORT].present) {
    errbuf_setf(err, errlen, "%s: no energy_import register (required for billing)", name);
    return -1;
  }
  return meter_map_plan(m, err, errlen);
}

int meter_map_load(meter_map *m, const char *dir, const char *model, char *err, size_t errlen) {
  for (const char *p = model; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '-')) {
      errbuf_setf(err, errlen, "meter model '%.40s': only a-z 0-9 _ - allowed", model);
      return -1;
    }
  if (!*model || strlen(model) >= sizeof m->name) {
    errbuf_setf(err, errlen, "meter model '%.40s': empty or too long", model);
    return -1;
  }
  char path[1024];
  snprintf(path, sizeof path, "%s/%s.map", dir, model);
  FILE *f = fopen(path, "rb");
  if (!f) {
    errbuf_setf(err, errlen, "%s: %s (meter.*.model names a file of meter.maps_dir)", path,
                strerror(errno));
    return -1;
  }
  char *text = malloc(65536);
  size_t n = text ? fread(text, 1, 65536, f) : 0;
  bool too_big = text && n == 65536;
  fclose(f);
  if (!text || too_big) {
    free(text);
    errbuf_setf(err, errlen, "%s: %s", path, text ? "larger than 64 KiB" : "out of memory");
    return -1;
  }
  int rc = meter_map_parse(m, text, n, path, err, errlen);
  free(text);
  if (rc == 0) snprintf(m->name, sizeof m->name, "%s", model);
  return rc;
}

#ifndef BORNE_METERS_SRC_DIR
#define BORNE_METERS_SRC_DIR "meters"
#endif
#ifndef BORNE_METERS_INSTALL_DIR
#define BORNE_METERS_INSTALL_DIR "/usr/share/borne/meters"
#endif

const char *meter_maps_dir_default(void) {
  struct stat sb;
  if (stat(BORNE_METERS_SRC_DIR, &sb) == 0 && S_ISDIR(sb.st_mode)) return BORNE_METERS_SRC_DIR;
  return BORNE_METERS_INSTALL_DIR;
}

/* The name of a planned field, for messages. */
static const char *field_name(const meter_map *m, const meter_field *f) {
  if (f >= m->field && f < m->field + MQ_COUNT) return quantity_names[f - m->field];
  return f == &m->sunspec_hdr ? "sunspec header" : "scale factor";
}

int meter_map_plan(meter_map *m, char *err, size_t errlen) {
  /* Fields sorted by (function, address): the quantities, the SunSpec
   * header and the scale factors. */
  meter_field *order[MQ_COUNT + METER_MAX_SF + 1];
  int n = 0;
  for (int q = 0; q < MQ_COUNT; q++)
    if (m->field[q].present) order[n++] = &m->field[q];
  if (m->sunspec) order[n++] = &m->sunspec_hdr;
  for (int i = 0; i < m->sf_count && i < METER_MAX_SF; i++) order[n++] = &m->sf[i];
  for (int i = 1; i < n; i++)
    for (int j = i; j > 0; j--) {
      const meter_field *a = order[j - 1], *b = order[j];
      if (a->function < b->function || (a->function == b->function && a->address <= b->address))
        break;
      meter_field *t = order[j];
      order[j] = order[j - 1];
      order[j - 1] = t;
    }
  m->request_count = 0;
  m->image_words = 0;
  meter_request *cur = NULL;
  for (int i = 0; i < n; i++) {
    meter_field *f = order[i];
    int words = meter_type_words(f->type);
    if (words > m->max_registers) {
      errbuf_setf(err, errlen, "%s spans %d registers, more than max_registers %d",
                  field_name(m, f), words, m->max_registers);
      return -1;
    }
    if (cur && cur->function == f->function) {
      long start = cur->address, end = start + cur->count, new_end = (long)f->address + words;
      long gap = (long)f->address - end; /* negative when fields overlap */
      if (gap <= m->max_gap && (new_end <= end || new_end - start <= m->max_registers)) {
        if (new_end > end) cur->count = (uint16_t)(new_end - start);
        f->request = m->request_count - 1;
        f->offset = (uint16_t)(f->address - start);
        continue;
      }
    }
    if (m->request_count == METER_MAX_REQUESTS) {
      errbuf_setf(err, errlen, "more than %d read requests needed", METER_MAX_REQUESTS);
      return -1;
    }
    cur = &m->request[m->request_count++];
    cur->function = f->function;
    cur->address = f->address;
    cur->count = (uint16_t)words;
    f->request = m->request_count - 1;
    f->offset = 0;
  }
  for (int r = 0; r < m->request_count; r++) {
    m->request[r].image_offset = (uint16_t)m->image_words;
    m->image_words += m->request[r].count;
  }
  return 0;
}

/* The field's registers as one big-endian byte string (most significant first). */
static void field_bytes(const meter_field *f, const uint16_t *regs, uint8_t *b) {
  int words = meter_type_words(f->type);
  for (int i = 0; i < words; i++) {
    uint16_t r = regs[f->low_word_first ? words - 1 - i : i];
    if (f->little_endian) r = (uint16_t)((r >> 8) | (r << 8));
    b[2 * i] = (uint8_t)(r >> 8);
    b[2 * i + 1] = (uint8_t)r;
  }
}

static void field_store(const meter_field *f, const uint8_t *b, uint16_t *regs) {
  int words = meter_type_words(f->type);
  for (int i = 0; i < words; i++) {
    uint16_t r = (uint16_t)((b[2 * i] << 8) | b[2 * i + 1]);
    if (f->little_endian) r = (uint16_t)((r >> 8) | (r << 8));
    regs[f->low_word_first ? words - 1 - i : i] = r;
  }
}

/* Where a planned field's registers are in the image; -1 when the plan does
 * not cover it. */
static long field_at(const meter_map *m, const meter_field *f) {
  if (f->request < 0 || f->request >= m->request_count) return -1;
  const meter_request *r = &m->request[f->request];
  if (f->offset + meter_type_words(f->type) > r->count) return -1;
  return (long)r->image_offset + f->offset;
}

/* A scale-factor register's power of ten (SunSpec sunssf: -10..10; 0x8000
 * is "not implemented"). */
static int sf_exponent(const meter_map *m, const meter_field *f, const uint16_t *image, int *e) {
  if (f->sf < 1 || f->sf > m->sf_count) return -1;
  long at = field_at(m, &m->sf[f->sf - 1]);
  if (at < 0) return -1;
  int v = (int16_t)image[at];
  *e = v;
  return v >= -10 && v <= 10 ? 0 : -1;
}

double meter_field_raw(const meter_field *f, const uint16_t *regs) {
  uint8_t b[8];
  field_bytes(f, regs, b);
  uint64_t u = 0;
  int bytes = 2 * meter_type_words(f->type);
  for (int i = 0; i < bytes; i++) u = (u << 8) | b[i];
  switch (f->type) {
  case MT_INT16:
    return (double)(int16_t)(uint16_t)u;
  case MT_UINT16:
    return (double)(uint16_t)u;
  case MT_INT32:
    return (double)(int32_t)(uint32_t)u;
  case MT_UINT32:
    return (double)(uint32_t)u;
  case MT_INT64:
    return (double)(int64_t)u;
  case MT_UINT64:
    return (double)u;
  case MT_FLOAT32: {
    uint32_t u32 = (uint32_t)u;
    float x;
    memcpy(&x, &u32, sizeof x);
    return (double)x;
  }
  case MT_FLOAT64: {
    double x;
    memcpy(&x, &u, sizeof x);
    return x;
  }
  }
  return NAN;
}

/* SunSpec's "not implemented" value of a register type. */
static bool not_implemented(const meter_field *f, const uint16_t *regs) {
  double raw = meter_field_raw(f, regs);
  switch (f->type) {
  case MT_INT16:
    return raw == -32768;
  case MT_UINT16:
    return raw == 65535;
  case MT_INT32:
    return raw == (double)INT32_MIN;
  case MT_UINT32:
    return raw == (double)UINT32_MAX;
  case MT_FLOAT32:
  case MT_FLOAT64:
    return isnan(raw);
  case MT_INT64:
  case MT_UINT64:
    return false;
  }
  return false;
}

void meter_map_encode_sunspec(const meter_map *m, int exponent, uint16_t *image) {
  if (m->sunspec) {
    long at = field_at(m, &m->sunspec_hdr);
    if (at >= 0) {
      image[at] = m->sunspec_ids[0];
      image[at + 1] = m->sunspec_len;
    }
  }
  for (int i = 0; i < m->sf_count; i++) {
    long at = field_at(m, &m->sf[i]);
    if (at >= 0) image[at] = (uint16_t)(int16_t)exponent;
  }
}

void meter_map_encode(const meter_map *m, meter_quantity q, double value, uint16_t *image) {
  if (q < 0 || q >= MQ_COUNT || !m->field[q].present) return;
  const meter_field *f = &m->field[q];
  int e = 0;
  if (f->sf && sf_exponent(m, f, image, &e) != 0) e = 0;
  double raw = value / f->to_base / f->scale / pow(10, e);
  uint64_t u = 0;
  switch (f->type) {
  case MT_INT16:
    u = (uint16_t)(int16_t)lround(raw);
    break;
  case MT_UINT16:
    u = (uint16_t)lround(raw);
    break;
  case MT_INT32:
    u = (uint32_t)(int32_t)llround(raw);
    break;
  case MT_UINT32:
    u = (uint32_t)llround(raw);
    break;
  case MT_INT64:
    u = (uint64_t)llround(raw);
    break;
  case MT_UINT64:
    u = (uint64_t)llround(raw);
    break;
  case MT_FLOAT32: {
    float x = (float)raw;
    uint32_t u32;
    memcpy(&u32, &x, sizeof u32);
    u = u32;
    break;
  }
  case MT_FLOAT64:
    memcpy(&u, &raw, sizeof u);
    break;
  }
  uint8_t b[8];
  int bytes = 2 * meter_type_words(f->type);
  for (int i = bytes - 1; i >= 0; i--) {
    b[i] = (uint8_t)u;
    u >>= 8;
  }
  field_store(f, b, image + m->request[f->request].image_offset + f->offset);
}

int meter_map_decode(const meter_map *m, const uint16_t *image, size_t words, borne_ms now,
                     meter_reading *out, char *err, size_t errlen) {
  memset(out, 0, sizeof *out);
  out->at = now;
  if (words < (size_t)m->image_words) {
    errbuf_setf(err, errlen, "short answer: %zu of %d registers", words, m->image_words);
    return -1;
  }
  if (m->sunspec) {
    long at = field_at(m, &m->sunspec_hdr);
    if (at < 0) {
      errbuf_setf(err, errlen, "sunspec header: not covered by the read plan");
      return -1;
    }
    bool known = false;
    for (int i = 0; i < m->sunspec_id_count; i++) known |= image[at] == m->sunspec_ids[i];
    if (!known || image[at + 1] != m->sunspec_len) {
      errbuf_setf(
          err, errlen, "no SunSpec model %u (length %u) at register %u: found id %u, length %u",
          m->sunspec_ids[0], m->sunspec_len, m->sunspec_hdr.address, image[at], image[at + 1]);
      return -1;
    }
  }
  double v[MQ_COUNT] = {0};
  for (int q = 0; q < MQ_COUNT; q++) {
    const meter_field *f = &m->field[q];
    if (!f->present) continue;
    long at = field_at(m, f);
    if (at < 0) {
      errbuf_setf(err, errlen, "%s: not covered by the read plan", quantity_names[q]);
      return -1;
    }
    if (m->sunspec && not_implemented(f, image + at)) continue; /* reads as 0 */
    double scale = f->scale;
    if (f->sf) {
      int e = 0;
      if (sf_exponent(m, f, image, &e) != 0) {
        errbuf_setf(err, errlen, "%s: scale factor at register %u is %d (not -10..10)",
                    quantity_names[q], m->sf[f->sf - 1].address, e);
        return -1;
      }
      scale = pow(10, e);
    }
    v[q] = meter_field_raw(f, image + at) * scale * f->to_base;
    if (!isfinite(v[q])) {
      errbuf_setf(err, errlen, "%s is %s", quantity_names[q], isnan(v[q]) ? "NaN" : "infinite");
      return -1;
    }
  }
  for (int i = 0; i < 3; i++) {
    out->voltage_v[i] = v[MQ_VOLTAGE_L1 + i];
    out->current_a[i] = v[MQ_CURRENT_L1 + i];
    out->power_w[i] = v[MQ_POWER_L1 + i];
  }
  out->power_total_w = m->field[MQ_POWER_TOTAL].present
                           ? v[MQ_POWER_TOTAL]
                           : v[MQ_POWER_L1] + v[MQ_POWER_L2] + v[MQ_POWER_L3];
  out->energy_import_wh = v[MQ_ENERGY_IMPORT];
  out->frequency_hz = v[MQ_FREQUENCY];
  return 0;
}

const char *meter_plausibility_name(meter_plausibility p) {
  switch (p) {
  case MP_OK:
    return "ok";
  case MP_NOT_FINITE:
    return "not_finite";
  case MP_ENERGY_BACKWARD:
    return "energy_backward";
  case MP_POWER_TOO_HIGH:
    return "power_too_high";
  case MP_NEGATIVE:
    return "negative";
  }
  return "?";
}

meter_plausibility meter_check(const meter_reading *prev, const meter_reading *cur,
                               const meter_limits *lim, char *why, size_t whylen) {
  const double *vals[] = {cur->voltage_v, cur->current_a, cur->power_w};
  for (int k = 0; k < 3; k++)
    for (int i = 0; i < 3; i++)
      if (!isfinite(vals[k][i])) {
        errbuf_setf(why, whylen, "value not finite");
        return MP_NOT_FINITE;
      }
  if (!isfinite(cur->power_total_w) || !isfinite(cur->energy_import_wh) ||
      !isfinite(cur->frequency_hz)) {
    errbuf_setf(why, whylen, "value not finite");
    return MP_NOT_FINITE;
  }
  for (int i = 0; i < 3; i++)
    if (cur->voltage_v[i] < 0 || cur->current_a[i] < 0) {
      errbuf_setf(why, whylen, "negative %s on L%d (%.3f)",
                  cur->voltage_v[i] < 0 ? "voltage" : "current", i + 1,
                  cur->voltage_v[i] < 0 ? cur->voltage_v[i] : cur->current_a[i]);
      return MP_NEGATIVE;
    }
  if (cur->energy_import_wh < 0) {
    errbuf_setf(why, whylen, "negative energy register (%.1f Wh)", cur->energy_import_wh);
    return MP_NEGATIVE;
  }
  if (prev && cur->energy_import_wh < prev->energy_import_wh) {
    errbuf_setf(why, whylen, "energy register went backwards: %.1f Wh after %.1f Wh",
                cur->energy_import_wh, prev->energy_import_wh);
    return MP_ENERGY_BACKWARD;
  }
  if (lim && lim->breaker_a > 0) {
    double max = lim->breaker_a * (lim->nominal_voltage > 0 ? lim->nominal_voltage : 230) *
                 (lim->phases > 0 ? lim->phases : 3) * (lim->margin > 0 ? lim->margin : 1.5);
    if (fabs(cur->power_total_w) > max) {
      errbuf_setf(why, whylen, "power %.0f W beyond %.0f W (breaker %.0f A x %d phases)",
                  cur->power_total_w, max, lim->breaker_a, lim->phases > 0 ? lim->phases : 3);
      return MP_POWER_TOO_HIGH;
    }
  }
  return MP_OK;
}
