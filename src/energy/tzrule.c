/*
 * POSIX TZ rule strings (see tzrule.h). Grammar (POSIX.1-2017 8.3):
 *   std offset [dst [offset] [,start[/time],end[/time]]]
 * names are 3+ letters or <...> quoted (e.g. <+03>); offsets are
 * [+-]hh[:mm[:ss]], positive WEST of Greenwich; dates are Jn, n or Mm.w.d.
 * Without a rule after dst, the US rule M3.2.0,M11.1.0 applies (as glibc).
 */
#include "energy/tzrule.h"

#include "util/civil.h"
#include "util/errbuf.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static int fail(char *err, size_t errlen, const char *what, const char *at) {
  return errbuf_fail(err, errlen, "TZ rule: %s at `%.20s`", what, at);
}

static const char *parse_name(const char *p, char *out, size_t outlen) {
  size_t n = 0;
  if (*p == '<') {
    p++;
    while (*p && *p != '>') {
      if (!isalnum((unsigned char)*p) && *p != '+' && *p != '-') return NULL;
      if (n + 1 < outlen) out[n] = *p;
      n++, p++;
    }
    if (*p != '>' || n < 3) return NULL;
    p++;
  } else {
    while (isalpha((unsigned char)*p)) {
      if (n + 1 < outlen) out[n] = *p;
      n++, p++;
    }
    if (n < 3) return NULL;
  }
  out[n < outlen ? n : outlen - 1] = '\0';
  return p;
}

/* [+-]hh[:mm[:ss]] with hh up to max_h; seconds into *out. */
static const char *parse_hms(const char *p, int max_h, int32_t *out) {
  int sign = 1;
  if (*p == '+' || *p == '-') sign = *p++ == '-' ? -1 : 1;
  if (!isdigit((unsigned char)*p)) return NULL;
  int32_t v[3] = {0, 0, 0};
  for (int i = 0; i < 3; i++) {
    if (i > 0) {
      if (*p != ':') break;
      p++;
    }
    if (!isdigit((unsigned char)*p)) return NULL;
    int x = 0, digits = 0;
    while (isdigit((unsigned char)*p) && digits < 3) x = x * 10 + (*p++ - '0'), digits++;
    if (isdigit((unsigned char)*p)) return NULL;
    v[i] = x;
  }
  if (v[0] > max_h || v[1] > 59 || v[2] > 59) return NULL;
  *out = sign * (v[0] * 3600 + v[1] * 60 + v[2]);
  return p;
}

static const char *parse_int(const char *p, int lo, int hi, int *out) {
  if (!isdigit((unsigned char)*p)) return NULL;
  int x = 0, digits = 0;
  while (isdigit((unsigned char)*p)) {
    if (++digits > 3) return NULL;
    x = x * 10 + (*p++ - '0');
  }
  if (x < lo || x > hi) return NULL;
  *out = x;
  return p;
}

static const char *parse_transition(const char *p, tz_transition *t) {
  t->time = 2 * 3600;
  if (*p == 'M') {
    t->kind = 'M';
    if (!(p = parse_int(p + 1, 1, 12, &t->m)) || *p++ != '.') return NULL;
    if (!(p = parse_int(p, 1, 5, &t->w)) || *p++ != '.') return NULL;
    if (!(p = parse_int(p, 0, 6, &t->d))) return NULL;
  } else if (*p == 'J') {
    t->kind = 'J';
    if (!(p = parse_int(p + 1, 1, 365, &t->n))) return NULL;
  } else {
    t->kind = 'D';
    if (!(p = parse_int(p, 0, 365, &t->n))) return NULL;
  }
  if (*p == '/' && !(p = parse_hms(p + 1, 167, &t->time))) return NULL;
  return p;
}

void tz_rule_utc(tz_rule *r) {
  memset(r, 0, sizeof *r);
  snprintf(r->std_name, sizeof r->std_name, "UTC");
}

int tz_rule_parse(const char *text, tz_rule *r, char *err, size_t errlen) {
  tz_rule x;
  memset(&x, 0, sizeof x);
  const char *p = text, *q;
  int32_t off;
  if (!(q = parse_name(p, x.std_name, sizeof x.std_name)))
    return fail(err, errlen, "a zone name of 3 or more letters (or <...>) expected", p);
  p = q;
  if (!(q = parse_hms(p, 24, &off)))
    return fail(err, errlen, "an offset [+-]hh[:mm[:ss]] expected", p);
  p = q;
  x.std_east = -off;
  if (*p) {
    if (!(q = parse_name(p, x.dst_name, sizeof x.dst_name)))
      return fail(err, errlen, "a daylight saving zone name expected", p);
    p = q;
    x.has_dst = true;
    x.dst_east = x.std_east + 3600;
    if (*p && *p != ',') {
      if (!(q = parse_hms(p, 24, &off))) return fail(err, errlen, "a DST offset expected", p);
      p = q;
      x.dst_east = -off;
    }
    if (*p == ',') {
      if (!(q = parse_transition(p + 1, &x.start)) || *q != ',')
        return fail(err, errlen, "a DST start (Mm.w.d, Jn or n [/time]) expected", p + 1);
      p = q;
      if (!(q = parse_transition(p + 1, &x.end)))
        return fail(err, errlen, "a DST end (Mm.w.d, Jn or n [/time]) expected", p + 1);
      p = q;
    } else {
      x.start = (tz_transition){.kind = 'M', .m = 3, .w = 2, .d = 0, .time = 7200};
      x.end = (tz_transition){.kind = 'M', .m = 11, .w = 1, .d = 0, .time = 7200};
    }
  }
  if (*p) return fail(err, errlen, "unexpected text", p);
  *r = x;
  return 0;
}

/* Local seconds since the epoch (in the offset in force before it) of a
 * transition in year y. */
static int64_t transition_local(const tz_transition *t, int64_t y) {
  int64_t day;
  if (t->kind == 'M') {
    int64_t first = civil_days_from_date(y, t->m, 1);
    int wd1 = (int)(((first + 4) % 7 + 7) % 7); /* 1970-01-01 was a Thursday (4) */
    int mday = 1 + (t->d - wd1 + 7) % 7 + 7 * (t->w - 1);
    while (mday > civil_month_days(y, t->m)) mday -= 7;
    day = first + mday - 1;
  } else if (t->kind == 'J') {
    day = civil_days_from_date(y, 1, 1) + t->n - 1 + (civil_is_leap(y) && t->n >= 60 ? 1 : 0);
  } else {
    day = civil_days_from_date(y, 1, 1) + t->n;
  }
  return day * 86400 + t->time;
}

int32_t tz_offset_at(const tz_rule *r, borne_ms utc) {
  if (!r->has_dst) return r->std_east;
  int64_t s = utc / 1000 - (utc % 1000 < 0 ? 1 : 0);
  int64_t days = (s + r->std_east) / 86400 - ((s + r->std_east) % 86400 < 0 ? 1 : 0);
  int64_t y;
  int m, d;
  civil_date_from_days(days, &y, &m, &d);
  int64_t start = transition_local(&r->start, y) - r->std_east; /* UTC */
  int64_t end = transition_local(&r->end, y) - r->dst_east;
  bool dst = start < end ? (s >= start && s < end) : !(s >= end && s < start);
  return dst ? r->dst_east : r->std_east;
}

int tz_footer(const unsigned char *buf, size_t len, char *out, size_t outlen) {
  if (len < 44 + 2 || memcmp(buf, "TZif", 4) != 0 || buf[4] < '2') return -1;
  if (buf[len - 1] != '\n') return -1;
  size_t end = len - 1, start = end;
  while (start > 0 && buf[start - 1] != '\n') start--;
  if (start == 0 || start == end || end - start >= outlen) return -1;
  for (size_t i = start; i < end; i++)
    if (buf[i] < 0x20 || buf[i] > 0x7e) return -1;
  memcpy(out, buf + start, end - start);
  out[end - start] = '\0';
  return 0;
}
