/*
 * ISO-8601 parsing and formatting over plain integer arithmetic (the calendar
 * of util/civil), so that it depends on neither the TZ environment nor
 * strptime/timegm. It must never accept a time it
 * cannot represent exactly (29 February of a common year, 24:00, a minute 60)
 * and never read past the terminating NUL.
 */
#include "util/timefmt.h"

#include "util/civil.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Exactly `n` decimal digits at *p; advances *p. */
static bool digits(const char **p, int n, int *out) {
  int v = 0;
  for (int i = 0; i < n; i++) {
    char c = (*p)[i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *p += n;
  *out = v;
  return true;
}

static int parse_epoch(const char *text, int64_t *ms_out) {
  int64_t secs = 0;
  for (const char *p = text; *p; p++) {
    if (*p < '0' || *p > '9') return -1;
    secs = secs * 10 + (*p - '0');
    if (secs > 253402300799LL) return -1; /* 9999-12-31T23:59:59Z */
  }
  *ms_out = secs * 1000;
  return 0;
}

int timefmt_parse(const char *text, int64_t *ms_out) {
  if (!text || !*text) return -1;
  if (strspn(text, "0123456789") == strlen(text)) return parse_epoch(text, ms_out);
  const char *p = text;
  int y, mo, d, h = 0, mi = 0, s = 0, ms = 0;
  if (!digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) || *p++ != '-' || !digits(&p, 2, &d))
    return -1;
  if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > civil_month_days(y, mo)) return -1;
  int offset_min = 0;
  if (*p == 'T' || *p == 't' || *p == ' ') {
    p++;
    if (!digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi)) return -1;
    if (*p == ':') {
      p++;
      if (!digits(&p, 2, &s)) return -1;
      if (*p == '.' || *p == ',') {
        p++;
        int n = 0;
        for (; *p >= '0' && *p <= '9'; p++, n++)
          if (n < 3) ms = ms * 10 + (*p - '0');
        if (n == 0) return -1;
        for (; n < 3; n++) ms *= 10;
      }
    }
    if (h > 23 || mi > 59 || s > 59) return -1;
    if (*p == 'Z' || *p == 'z') {
      p++;
    } else if (*p == '+' || *p == '-') {
      int sign = *p++ == '-' ? -1 : 1, oh, om;
      if (!digits(&p, 2, &oh)) return -1;
      if (*p == ':') p++;
      if (!digits(&p, 2, &om) || oh > 23 || om > 59) return -1;
      offset_min = sign * (oh * 60 + om);
    }
  }
  if (*p) return -1;
  int64_t secs = civil_days_from_date(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - offset_min * 60;
  if (secs < 0) return -1;
  *ms_out = secs * 1000 + ms;
  return 0;
}

static void split(int64_t ms, int *y, int *mo, int *d, int *h, int *mi, int *s, int *frac) {
  int64_t secs = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
  *frac = (int)(ms - secs * 1000);
  int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  int64_t rem = secs - days * 86400;
  int64_t year;
  civil_date_from_days(days, &year, mo, d);
  *y = (int)year;
  *h = (int)(rem / 3600);
  *mi = (int)(rem % 3600 / 60);
  *s = (int)(rem % 60);
}

static char *put_digits(char *at, int v, int n) {
  for (int i = n - 1; i >= 0; i--, v /= 10) at[i] = (char)('0' + v % 10);
  return at + n;
}

void timefmt_iso(int64_t ms, char *out, size_t len) {
  int y, mo, d, h, mi, s, frac;
  split(ms, &y, &mo, &d, &h, &mi, &s, &frac);
  if (len < 25 || y < 0 || y > 9999 || mo < 0 || mo > 99 || d < 0 || d > 99 || h < 0 || h > 99 ||
      mi < 0 || mi > 99 || s < 0 || s > 99 || frac < 0 || frac > 999) {
    snprintf(out, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", y, mo, d, h, mi, s, frac);
    return;
  }
  /* the same text without snprintf (tens of times a charging cycle: issue 15) */
  char *p = put_digits(out, y, 4);
  *p++ = '-';
  p = put_digits(p, mo, 2);
  *p++ = '-';
  p = put_digits(p, d, 2);
  *p++ = 'T';
  p = put_digits(p, h, 2);
  *p++ = ':';
  p = put_digits(p, mi, 2);
  *p++ = ':';
  p = put_digits(p, s, 2);
  *p++ = '.';
  p = put_digits(p, frac, 3);
  *p++ = 'Z';
  *p = 0;
}

void timefmt_short(int64_t ms, char *out, size_t len) {
  int y, mo, d, h, mi, s, frac;
  split(ms, &y, &mo, &d, &h, &mi, &s, &frac);
  snprintf(out, len, "%04d-%02d-%02d %02d:%02d:%02d", y, mo, d, h, mi, s);
}

void timefmt_duration(int64_t seconds, char *out, size_t len) {
  if (seconds < 0) {
    snprintf(out, len, "-");
  } else if (seconds < 60) {
    snprintf(out, len, "%ds", (int)seconds);
  } else if (seconds < 3600) {
    snprintf(out, len, "%dm%02ds", (int)(seconds / 60), (int)(seconds % 60));
  } else if (seconds < 86400) {
    snprintf(out, len, "%dh%02dm", (int)(seconds / 3600), (int)(seconds % 3600 / 60));
  } else {
    snprintf(out, len, "%lldd%02dh", (long long)(seconds / 86400), (int)(seconds % 86400 / 3600));
  }
}
