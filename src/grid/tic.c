/*
 * Linky TIC parser (see tic.h). Everything here follows Enedis-NOI-CPT_54E
 * version 3 (01/06/2018); the comments name its chapters by title:
 *
 * Frame ("Trame"), both modes: STX (0x02) opens, ETX (0x03) closes, EOT
 * (0x04) interrupts a frame the meter could not finish; in between, groups.
 *
 * Historic mode ("Mode historique", 1200 baud 7E1), one group:
 *   LF label SP data SP checksum CR
 * the checksum covers label SP data: from the first label character to the
 * last data character, the SP just before the checksum NOT included.
 *
 * Standard mode ("Mode standard", 9600 baud 7E1), one group:
 *   LF label HT [horodate HT] data HT checksum CR
 * the checksum covers everything from the first label character through the
 * HT just before the checksum, that HT included. The horodate is 13
 * characters (season letter + YYMMDDhhmmss) and only some labels have one.
 *
 * Checksum ("Calcul du checksum", same in both modes): S1 = sum of the ASCII
 * codes of the span; checksum = (S1 AND 0x3F) + 0x20, a printable character.
 *
 * Units (label tables of both modes): IINSTn / IRMSn in A, PAPP / SINSTS(n) /
 * SINSTI in VA, ISOUSC in A, PREF in kVA, BASE/HCHC/.../EAST in Wh.
 */
#include "grid/tic.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

enum {
  TIC_STX = 0x02,
  TIC_ETX = 0x03,
  TIC_EOT = 0x04,
  TIC_HT = 0x09,
  TIC_LF = 0x0A,
  TIC_CR = 0x0D,
  TIC_SP = 0x20,
};

/* What the current frame carried (tic_parser.seen). */
enum {
  SEEN_I1 = 1u << 0,
  SEEN_I2 = 1u << 1,
  SEEN_I3 = 1u << 2,
  SEEN_S1 = 1u << 3, /* SINSTS1 */
  SEEN_S2 = 1u << 4,
  SEEN_S3 = 1u << 5,
  SEEN_SINSTI = 1u << 6,
  SEEN_PTEC = 1u << 7,
  SEEN_NTARF = 1u << 8,
  SEEN_LTARF = 1u << 9,
  SEEN_ENERGY_HIST = 1u << 10,
};

const char *tic_mode_name(tic_mode m) {
  switch (m) {
  case TIC_MODE_HISTORIC:
    return "historic";
  case TIC_MODE_STANDARD:
    return "standard";
  case TIC_MODE_AUTO:
    break;
  }
  return "auto";
}

int tic_mode_parse(const char *s, tic_mode *m) {
  if (!s) return -1;
  if (strcmp(s, "auto") == 0)
    *m = TIC_MODE_AUTO;
  else if (strcmp(s, "historic") == 0)
    *m = TIC_MODE_HISTORIC;
  else if (strcmp(s, "standard") == 0)
    *m = TIC_MODE_STANDARD;
  else
    return -1;
  return 0;
}

char tic_checksum(const char *span, size_t n) {
  unsigned sum = 0;
  for (size_t i = 0; i < n; i++) sum += (unsigned char)span[i];
  return (char)((sum & 0x3Fu) + 0x20u);
}

static void frame_reset(tic_parser *p) {
  memset(&p->cur, 0, sizeof p->cur);
  p->seen = 0;
  memset(p->cur_a, 0, sizeof p->cur_a);
  memset(p->sinsts_ph, 0, sizeof p->sinsts_ph);
  p->sinsti = 0;
  p->energy_hist = 0;
  p->ltarf[0] = '\0';
  p->ntarf = 0;
}

void tic_init(tic_parser *p, tic_mode mode) {
  memset(p, 0, sizeof *p);
  p->mode = mode;
  frame_reset(p);
}

/* An unsigned decimal of 1..12 digits (the longest TIC numbers are 9). */
static bool parse_uint(const char *s, size_t n, double *out) {
  if (n == 0 || n > 12) return false;
  double v = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

static bool label_is(const char *label, size_t n, const char *want) {
  return strlen(want) == n && memcmp(label, want, n) == 0;
}

/* Copies a text value, trailing spaces dropped (LTARF is padded to 16). */
static void copy_text(char *dst, size_t cap, const char *s, size_t n) {
  while (n > 0 && s[n - 1] == ' ') n--;
  if (n >= cap) n = cap - 1;
  memcpy(dst, s, n);
  dst[n] = '\0';
}

/* Historic labels: "Mode historique", tables of the single- and three-phase
 * meters. Returns false when a known label has a malformed value. */
static bool apply_historic(tic_parser *p, const char *label, size_t ln, const char *data,
                           size_t dn) {
  tic_frame *f = &p->cur;
  double v;
  static const char *const energy_labels[] = {"BASE",    "HCHC",    "HCHP",    "EJPHN",
                                              "EJPHPM",  "BBRHCJB", "BBRHPJB", "BBRHCJW",
                                              "BBRHPJW", "BBRHCJR", "BBRHPJR"};
  if (label_is(label, ln, "ADCO")) {
    if (dn != 12) return false;
    copy_text(f->meter_id, sizeof f->meter_id, data, dn);
    return true;
  }
  if (label_is(label, ln, "ISOUSC")) {
    if (!parse_uint(data, dn, &v)) return false;
    f->has_subscribed = true;
    f->subscribed_a = v;
    return true;
  }
  if (label_is(label, ln, "IINST") || label_is(label, ln, "IINST1")) {
    if (!parse_uint(data, dn, &v)) return false;
    p->cur_a[0] = v;
    p->seen |= SEEN_I1;
    if (ln == 6) p->phases = 3;
    return true;
  }
  if (label_is(label, ln, "IINST2") || label_is(label, ln, "IINST3")) {
    if (!parse_uint(data, dn, &v)) return false;
    int ph = label[5] - '1';
    p->cur_a[ph] = v;
    p->seen |= SEEN_I1 << ph;
    p->phases = 3;
    return true;
  }
  if (label_is(label, ln, "PAPP")) {
    if (!parse_uint(data, dn, &v)) return false;
    f->has_apparent = true;
    f->apparent_va = v;
    return true;
  }
  if (label_is(label, ln, "PTEC")) {
    if (dn == 0 || dn > 4) return false;
    copy_text(f->g.tariff, sizeof f->g.tariff, data, dn);
    p->seen |= SEEN_PTEC;
    return true;
  }
  for (size_t i = 0; i < sizeof energy_labels / sizeof energy_labels[0]; i++) {
    if (label_is(label, ln, energy_labels[i])) {
      if (!parse_uint(data, dn, &v)) return false;
      p->energy_hist += v;
      p->seen |= SEEN_ENERGY_HIST;
      return true;
    }
  }
  return true; /* OPTARIF, IMAX, HHPHC, MOTDETAT, ADIRn, PMAX, PPOT ...: not needed */
}

/* Standard labels: "Mode standard", table of the groups. */
static bool apply_standard(tic_parser *p, const char *label, size_t ln, const char *data,
                           size_t dn) {
  tic_frame *f = &p->cur;
  double v;
  if (label_is(label, ln, "ADSC")) {
    if (dn != 12) return false;
    copy_text(f->meter_id, sizeof f->meter_id, data, dn);
    return true;
  }
  if (ln == 5 && memcmp(label, "IRMS", 4) == 0 && label[4] >= '1' && label[4] <= '3') {
    if (!parse_uint(data, dn, &v)) return false;
    int ph = label[4] - '1';
    p->cur_a[ph] = v;
    p->seen |= SEEN_I1 << ph;
    if (ph > 0) p->phases = 3;
    return true;
  }
  if (label_is(label, ln, "SINSTS")) {
    if (!parse_uint(data, dn, &v)) return false;
    f->has_apparent = true;
    f->apparent_va = v;
    return true;
  }
  if (ln == 7 && memcmp(label, "SINSTS", 6) == 0 && label[6] >= '1' && label[6] <= '3') {
    if (!parse_uint(data, dn, &v)) return false;
    int ph = label[6] - '1';
    p->sinsts_ph[ph] = v;
    p->seen |= SEEN_S1 << ph;
    p->phases = 3;
    return true;
  }
  if (label_is(label, ln, "SINSTI")) {
    if (!parse_uint(data, dn, &v)) return false;
    p->sinsti = v;
    p->seen |= SEEN_SINSTI;
    return true;
  }
  if (label_is(label, ln, "PREF")) {
    if (!parse_uint(data, dn, &v)) return false;
    f->has_subscribed = true;
    f->subscribed_kva = v;
    return true;
  }
  if (label_is(label, ln, "EAST")) {
    if (!parse_uint(data, dn, &v)) return false;
    f->has_energy = true;
    f->energy_wh = v;
    return true;
  }
  if (label_is(label, ln, "NTARF")) {
    if (!parse_uint(data, dn, &v) || v > 99) return false;
    p->ntarf = (int)v;
    p->seen |= SEEN_NTARF;
    return true;
  }
  if (label_is(label, ln, "LTARF")) {
    if (dn > 16) return false;
    copy_text(p->ltarf, sizeof p->ltarf, data, dn);
    p->seen |= SEEN_LTARF;
    return true;
  }
  return true; /* URMSn, PCOUP, DATE, SMAXSN, STGE, MSG1, ...: not needed */
}

/* One group between LF and CR; true when valid and applied. */
static bool take_group(tic_parser *p) {
  const char *g = p->group;
  size_t n = p->glen;
  if (n < 3) return false;
  char sep = g[n - 2];
  tic_mode m;
  size_t span;
  if (sep == TIC_SP) {
    m = TIC_MODE_HISTORIC;
    span = n - 2; /* the SP before the checksum is not summed */
  } else if (sep == TIC_HT) {
    m = TIC_MODE_STANDARD;
    span = n - 1; /* the HT before the checksum is summed */
  } else {
    return false;
  }
  if (p->mode != TIC_MODE_AUTO && p->mode != m) return false;
  if (tic_checksum(g, span) != g[n - 1]) return false;

  /* Fields of the body (without the separator and checksum). */
  size_t body = n - 2;
  const char *first = memchr(g, sep, body);
  if (!first || first == g) return false;
  size_t ln = (size_t)(first - g);
  for (size_t i = 0; i < ln; i++)
    if (!isgraph((unsigned char)g[i])) return false;
  const char *data = first + 1;
  size_t dn = body - ln - 1;
  if (m == TIC_MODE_STANDARD) {
    /* label HT data, or label HT horodate HT data (13-character horodate). */
    const char *second = memchr(data, TIC_HT, dn);
    if (second) {
      if (second - data != 13 || memchr(second + 1, TIC_HT, dn - 14)) return false;
      dn -= 14;
      data = second + 1;
    }
  } else if (memchr(data, TIC_SP, dn)) {
    return false; /* historic data never holds a space */
  }
  for (size_t i = 0; i < dn; i++)
    if ((unsigned char)data[i] < 0x20 || (unsigned char)data[i] > 0x7E) return false;

  bool ok = m == TIC_MODE_HISTORIC ? apply_historic(p, g, ln, data, dn)
                                   : apply_standard(p, g, ln, data, dn);
  if (ok) p->cur.mode = m;
  return ok;
}

/* Off-peak from the tariff period. Historic PTEC: "HC.." (heures creuses),
 * HCJB/HCJW/HCJR (Tempo off-peak) are off-peak; HP.., HPJx, HN.. and PM..
 * (EJP) are not; TH.. (single tariff) says nothing. Standard: LTARF is the
 * supplier's own label (16 characters), so only the usual words are trusted;
 * NTARF alone is just an index. */
static void set_offpeak(tic_parser *p) {
  grid_sample *g = &p->cur.g;
  if (p->seen & SEEN_PTEC) {
    const char *t = g->tariff;
    if (strncmp(t, "HC", 2) == 0) {
      g->has_offpeak = true;
      g->offpeak = true;
    } else if (strncmp(t, "HP", 2) == 0 || strncmp(t, "HN", 2) == 0 || strncmp(t, "PM", 2) == 0) {
      g->has_offpeak = true;
      g->offpeak = false;
    }
    return;
  }
  if (p->seen & SEEN_LTARF) {
    const char *t = p->ltarf;
    snprintf(g->tariff, sizeof g->tariff, "%s", t);
    if (strstr(t, "CREUSE") || strncmp(t, "HC", 2) == 0) {
      g->has_offpeak = true;
      g->offpeak = true;
    } else if (strstr(t, "PLEINE") || strncmp(t, "HP", 2) == 0) {
      g->has_offpeak = true;
      g->offpeak = false;
    }
  } else if (p->seen & SEEN_NTARF) {
    snprintf(g->tariff, sizeof g->tariff, "%d", p->ntarf);
  }
}

/* Turns what the frame said into a grid_sample. The TIC gives magnitudes
 * (IRMS, SINSTS) and, in standard mode, the injected apparent power SINSTI:
 * the direction of the current comes from the net apparent power. It gives
 * no active power, so the apparent power stands in for it (never lower than
 * the active power, so limits stay safe). */
static void finish_frame(tic_parser *p, borne_ms now) {
  tic_frame *f = &p->cur;
  grid_sample *g = &f->g;
  g->at = now;
  int phases = p->phases ? p->phases : ((p->seen & SEEN_I1) ? 1 : 0);
  f->phases = phases;
  unsigned need = phases == 3 ? (SEEN_I1 | SEEN_I2 | SEEN_I3) : SEEN_I1;
  double net = f->apparent_va - ((p->seen & SEEN_SINSTI) ? p->sinsti : 0);
  double sign = net < 0 ? -1.0 : 1.0;
  if (phases && (p->seen & need) == need) {
    g->has_current = true;
    for (int i = 0; i < 3; i++) g->current_a[i] = p->cur_a[i] > 0 ? sign * p->cur_a[i] : 0;
  }
  if (f->has_apparent) {
    g->has_power = true;
    g->power_total_w = net;
    unsigned sp = SEEN_S1 | SEEN_S2 | SEEN_S3;
    if (phases == 3 && (p->seen & sp) == sp && !(p->seen & SEEN_SINSTI && p->sinsti > 0)) {
      for (int i = 0; i < 3; i++) g->power_w[i] = p->sinsts_ph[i];
    } else if (phases != 3) {
      g->power_w[0] = net;
    } else {
      /* Three-phase without per-phase power: share the total as the currents do. */
      double sum = p->cur_a[0] + p->cur_a[1] + p->cur_a[2];
      for (int i = 0; i < 3; i++)
        g->power_w[i] = sum > 0 && g->has_current ? net * p->cur_a[i] / sum : net / 3;
    }
  }
  if (p->seen & SEEN_ENERGY_HIST) {
    f->has_energy = true;
    f->energy_wh = p->energy_hist;
  }
  set_offpeak(p);
}

static void end_group_bad(tic_parser *p) {
  p->stats.groups_bad++;
  p->cur.groups_bad++;
}

int tic_feed(tic_parser *p, const uint8_t *data, size_t n, borne_ms now, tic_frame_cb cb,
             void *ctx) {
  int frames = 0;
  for (size_t i = 0; i < n; i++) {
    uint8_t b = data[i] & 0x7F; /* 7 data bits: drop a parity bit read as data */
    switch (b) {
    case TIC_STX:
      if (p->in_frame) {
        if (p->in_group) end_group_bad(p);
        p->stats.frames_aborted++;
      }
      frame_reset(p);
      p->in_frame = true;
      p->in_group = false;
      break;
    case TIC_ETX:
      if (!p->in_frame) break;
      if (p->in_group) end_group_bad(p);
      p->in_frame = p->in_group = false;
      p->stats.frames++;
      if (p->cur.groups_ok > 0) {
        finish_frame(p, now);
        frames++;
        if (cb) cb(ctx, &p->cur);
      }
      frame_reset(p);
      break;
    case TIC_EOT:
      if (p->in_frame) p->stats.frames_aborted++;
      p->in_frame = p->in_group = false;
      frame_reset(p);
      break;
    case TIC_LF:
      if (!p->in_frame) break;
      if (p->in_group) end_group_bad(p);
      p->in_group = true;
      p->glen = 0;
      break;
    case TIC_CR:
      if (!p->in_group) break;
      p->in_group = false;
      if (take_group(p)) {
        p->stats.groups_ok++;
        p->cur.groups_ok++;
      } else {
        end_group_bad(p);
      }
      break;
    default:
      if (!p->in_group) break;
      if (p->glen == sizeof p->group) {
        p->in_group = false; /* too long to be a group: drop it */
        end_group_bad(p);
        break;
      }
      p->group[p->glen++] = (char)b;
      break;
    }
  }
  return frames;
}
