/*
 * P1 / DSMR parser (see p1.h). References are to the P1 Companion Standard
 * (DSMR 5.0.2, 2016; DSMR 4.2.2, 2014, same layout), chapter 6:
 *   the telegram ("Representation of P1 telegram"): '/', identification, empty line, data, '!', CRC
 *   the data objects (OBIS reduced ID codes) and their units:
 *     1-0:1.7.0 / 1-0:2.7.0      power delivered to / by the client, kW
 *     1-0:21.7.0 41.7.0 61.7.0   L1/L2/L3 power delivered (+P), kW
 *     1-0:22.7.0 42.7.0 62.7.0   L1/L2/L3 power received (-P), kW
 *     1-0:31.7.0 51.7.0 71.7.0   L1/L2/L3 current, A (an unsigned integer in
 *                                DSMR 4.2/5.0, decimals in e-MUCS)
 *     1-0:32.7.0 52.7.0 72.7.0   L1/L2/L3 voltage, V (DSMR 5.0)
 *     1-0:1.8.1 1.8.2 2.8.1 2.8.2 energy delivered to / by client, tariff 1/2, kWh
 *     0-0:96.14.0                tariff indicator (NL: 1 = low tariff)
 *     1-3:0.2.8                  version information (42, 50)
 * A meter only sends the lines it has (a single-phase meter has no L2/L3);
 * unknown lines are skipped.
 */
#include "grid/p1.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/hex.h"

enum { P1_IDLE, P1_BODY, P1_CRC };

uint16_t p1_crc16(uint16_t crc, const void *data, size_t n) {
  const uint8_t *b = data;
  for (size_t i = 0; i < n; i++) {
    crc ^= b[i];
    for (int k = 0; k < 8; k++) crc = (crc & 1u) ? (uint16_t)((crc >> 1) ^ 0xA001u) : crc >> 1;
  }
  return crc;
}

void p1_init(p1_parser *p, int offpeak_tariff) {
  memset(p, 0, sizeof *p);
  p->offpeak_tariff = offpeak_tariff;
  p->state = P1_IDLE;
}

/* What the lines of one telegram said (bit per field of interest). */
typedef struct {
  bool has_imp, has_exp;
  double imp_w, exp_w;
  unsigned ph_imp, ph_exp, ph_cur, ph_volt; /* bit i: phase i+1 present */
  double pimp[3], pexp[3], cur[3], volt[3];
  unsigned energy; /* bits: 1.8.1, 1.8.2, 2.8.1, 2.8.2 */
  double e[4];
  bool has_tariff;
  int tariff;
} p1_fields;

/* A value "01.193*kW" / "002*A" / "0002": number, optional unit. Returns the
 * value scaled to W, Wh, A or V; false when malformed. */
static bool parse_value(const char *s, size_t n, const char *want_unit, double *out) {
  char num[32];
  size_t k = 0;
  while (k < n && s[k] != '*') k++;
  if (k == 0 || k >= sizeof num) return false;
  for (size_t i = 0; i < k; i++)
    if (!((s[i] >= '0' && s[i] <= '9') || s[i] == '.' || (i == 0 && s[i] == '-'))) return false;
  memcpy(num, s, k);
  num[k] = '\0';
  char *end;
  double v = strtod(num, &end);
  if (*end || !isfinite(v)) return false;
  const char *unit = k < n ? s + k + 1 : "";
  size_t ul = k < n ? n - k - 1 : 0;
  if (!want_unit) {
    if (ul) return false;
  } else {
    /* kW and kWh carry a factor 1000; W, Wh, A, V none. */
    size_t wl = strlen(want_unit);
    if (ul == wl + 1 && unit[0] == 'k' && memcmp(unit + 1, want_unit, wl) == 0)
      v *= 1000;
    else if (ul != wl || memcmp(unit, want_unit, wl) != 0)
      return false;
  }
  *out = v;
  return true;
}

/* One data line "OBIS(value)..." into f; unknown OBIS codes are fine. */
static bool take_line(p1_fields *f, p1_telegram *t, const char *line, size_t n) {
  const char *open = memchr(line, '(', n);
  if (!open) return n == 0; /* only the empty line after the header has no '(' */
  size_t on = (size_t)(open - line);
  const char *close = memchr(open, ')', n - on);
  if (!close) return false;
  const char *v = open + 1;
  size_t vn = (size_t)(close - v);
  char obis[24];
  if (on == 0 || on >= sizeof obis) return false;
  memcpy(obis, line, on);
  obis[on] = '\0';

  static const struct {
    const char *obis;
    const char *unit;
    int what; /* 0 imp, 1 exp, 2 pimp, 3 pexp, 4 cur, 5 volt, 6 energy, 7 tariff, 8 version */
    int index;
  } table[] = {
      {"1-0:1.7.0", "W", 0, 0},    {"1-0:2.7.0", "W", 1, 0},  {"1-0:21.7.0", "W", 2, 0},
      {"1-0:41.7.0", "W", 2, 1},   {"1-0:61.7.0", "W", 2, 2}, {"1-0:22.7.0", "W", 3, 0},
      {"1-0:42.7.0", "W", 3, 1},   {"1-0:62.7.0", "W", 3, 2}, {"1-0:31.7.0", "A", 4, 0},
      {"1-0:51.7.0", "A", 4, 1},   {"1-0:71.7.0", "A", 4, 2}, {"1-0:32.7.0", "V", 5, 0},
      {"1-0:52.7.0", "V", 5, 1},   {"1-0:72.7.0", "V", 5, 2}, {"1-0:1.8.1", "Wh", 6, 0},
      {"1-0:1.8.2", "Wh", 6, 1},   {"1-0:2.8.1", "Wh", 6, 2}, {"1-0:2.8.2", "Wh", 6, 3},
      {"0-0:96.14.0", NULL, 7, 0}, {"1-3:0.2.8", NULL, 8, 0},
  };
  for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
    if (strcmp(obis, table[i].obis) != 0) continue;
    double x;
    if (!parse_value(v, vn, table[i].unit, &x)) return false;
    int ix = table[i].index;
    switch (table[i].what) {
    case 0:
      f->has_imp = true, f->imp_w = x;
      break;
    case 1:
      f->has_exp = true, f->exp_w = x;
      break;
    case 2:
      f->ph_imp |= 1u << ix, f->pimp[ix] = x;
      break;
    case 3:
      f->ph_exp |= 1u << ix, f->pexp[ix] = x;
      break;
    case 4:
      f->ph_cur |= 1u << ix, f->cur[ix] = x;
      break;
    case 5:
      f->ph_volt |= 1u << ix, f->volt[ix] = x;
      break;
    case 6:
      f->energy |= 1u << ix, f->e[ix] = x;
      break;
    case 7:
      if (x < 0 || x > 9999) return false;
      f->has_tariff = true, f->tariff = (int)x;
      break;
    case 8:
      if (x < 0 || x > 999) return false;
      t->version = (int)x;
      break;
    }
    return true;
  }
  return true;
}

/* Decodes the CRC-checked telegram in p->buf into t. */
static bool decode(p1_parser *p, p1_telegram *t, borne_ms now) {
  memset(t, 0, sizeof *t);
  p1_fields f = {0};
  const char *s = p->buf, *end = p->buf + p->len - 1; /* without '!' */
  /* identification line: '/' then XXX (manufacturer), a digit, identification */
  const char *eol = memchr(s, '\n', (size_t)(end - s));
  if (!eol) return false;
  size_t il = (size_t)(eol - s - 1);
  if (il > 0 && s[il] == '\r') il--;
  if (il < 5 || il >= sizeof t->ident) return false;
  memcpy(t->ident, s + 1, il);
  t->ident[il] = '\0';
  for (s = eol + 1; s < end;) {
    const char *nl = memchr(s, '\n', (size_t)(end - s));
    const char *le = nl ? nl : end;
    size_t n = (size_t)(le - s);
    if (n > 0 && s[n - 1] == '\r') n--;
    if (!take_line(&f, t, s, n)) return false;
    s = nl ? nl + 1 : end;
  }

  grid_sample *g = &t->g;
  g->at = now;
  unsigned all = 7u;
  t->phases = f.ph_cur == all ? 3 : f.ph_cur == 1u ? 1 : 0;
  if (f.ph_volt) {
    t->has_voltage = true;
    memcpy(t->voltage_v, f.volt, sizeof f.volt);
  }
  double pnet[3] = {0, 0, 0};
  bool per_phase = (f.ph_imp & all) == (t->phases == 3 ? all : 1u);
  for (int i = 0; i < 3; i++) pnet[i] = f.pimp[i] - f.pexp[i];
  if (f.has_imp) {
    g->has_power = true;
    g->power_total_w = f.imp_w - (f.has_exp ? f.exp_w : 0);
    if (t->phases && per_phase) {
      memcpy(g->power_w, pnet, sizeof pnet);
    } else if (t->phases == 3) {
      double sum = f.cur[0] + f.cur[1] + f.cur[2];
      for (int i = 0; i < 3; i++)
        g->power_w[i] = sum > 0 ? g->power_total_w * f.cur[i] / sum : g->power_total_w / 3;
    } else {
      g->power_w[0] = g->power_total_w;
    }
  }
  if (t->phases) {
    /* The meter's current is a magnitude, in whole amperes in DSMR 4.2/5.0:
     * the net power per phase gives its direction and, over the voltage, a
     * finer value; the larger of the two is kept so load is never
     * under-estimated. */
    g->has_current = true;
    for (int i = 0; i < t->phases; i++) {
      double a = fabs(f.cur[i]);
      double sign = 1;
      if (per_phase) {
        sign = pnet[i] < 0 ? -1 : 1;
        if ((f.ph_volt & (1u << i)) && f.volt[i] > 50) {
          double est = fabs(pnet[i]) / f.volt[i];
          if (est > a) a = est;
        }
      } else if (g->has_power && g->power_total_w < 0) {
        sign = -1;
      }
      g->current_a[i] = a > 0 ? sign * a : 0;
    }
  }
  if (f.has_tariff) {
    snprintf(g->tariff, sizeof g->tariff, "%d", f.tariff);
    if (p->offpeak_tariff > 0) {
      g->has_offpeak = true;
      g->offpeak = f.tariff == p->offpeak_tariff;
    }
  }
  if ((f.energy & 3u) == 3u) {
    t->has_energy = true;
    t->import_wh = f.e[0] + f.e[1];
    t->export_wh = (f.energy & 12u) == 12u ? f.e[2] + f.e[3] : 0;
  }
  return true;
}

/* The CRC line ended (CR or LF after '!'): check and decode. */
static int finish(p1_parser *p, borne_ms now, p1_telegram_cb cb, void *ctx) {
  p->state = P1_IDLE;
  unsigned want = 0;
  bool ok = p->crc_len == 4;
  for (size_t i = 0; ok && i < 4; i++) {
    int h = hex_digit(p->crc_text[i]);
    if (h < 0)
      ok = false;
    else
      want = want << 4 | (unsigned)h;
  }
  if (!ok || want != p->crc) {
    p->stats.crc_errors++;
    return 0;
  }
  p1_telegram t;
  if (!decode(p, &t, now)) {
    p->stats.dropped++;
    return 0;
  }
  p->stats.telegrams++;
  if (cb) cb(ctx, &t);
  return 1;
}

int p1_feed(p1_parser *p, const uint8_t *data, size_t n, borne_ms now, p1_telegram_cb cb,
            void *ctx) {
  int done = 0;
  for (size_t i = 0; i < n; i++) {
    char c = (char)data[i];
    if (c == '/') {
      /* a telegram starts; one still open was cut short */
      if (p->state != P1_IDLE) p->stats.dropped++;
      p->state = P1_BODY;
      p->len = 0;
      p->crc = 0;
    }
    switch (p->state) {
    case P1_IDLE:
      break;
    case P1_BODY:
      if (p->len == sizeof p->buf) {
        p->stats.dropped++;
        p->state = P1_IDLE;
        break;
      }
      p->buf[p->len++] = c;
      p->crc = p1_crc16(p->crc, &c, 1);
      if (c == '!') {
        p->state = P1_CRC;
        p->crc_len = 0;
      }
      break;
    case P1_CRC:
      if (c == '\r' || c == '\n') {
        done += finish(p, now, cb, ctx);
      } else if (p->crc_len < 4) {
        p->crc_text[p->crc_len++] = c;
      } else {
        p->crc_len = 5; /* too long: fails the check at the line end */
      }
      break;
    }
  }
  return done;
}
