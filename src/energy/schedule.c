/*
 * Charging windows (see schedule.h for the grammar). A date exception
 * replaces everything on that local date, including a weekly span that
 * started the evening before. In the hour repeated when DST ends, local
 * times occur twice and so do the boundaries in it; in the hour skipped
 * when it starts, a boundary takes effect when the clock jumps past it.
 */
#include "energy/schedule.h"

#include "util/civil.h"
#include "util/errbuf.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const day_names[7] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};

typedef struct {
  char *err;
  size_t errlen;
  int rule; /* 1-based */
  const char *text;
  size_t len;
} perr;

__attribute__((format(printf, 2, 3))) static int fail(perr *e, const char *fmt, ...) {
  if (!e->err || !e->errlen) return -1;
  char why[160];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(why, sizeof why, fmt, ap);
  va_end(ap);
  snprintf(e->err, e->errlen, "rule %d (`%.*s`): %s", e->rule, (int)(e->len > 60 ? 60 : e->len),
           e->text, why);
  return -1;
}

static void skip_ws(const char **p, const char *end) {
  while (*p < end && (**p == ' ' || **p == '\t')) (*p)++;
}

static int parse_day(const char **p, const char *end, perr *e) {
  for (int i = 0; i < 7; i++)
    if (end - *p >= 3 && strncasecmp(*p, day_names[i], 3) == 0 &&
        (end - *p == 3 || !isalpha((unsigned char)(*p)[3]))) {
      *p += 3;
      return i;
    }
  int n = 0;
  while (*p + n < end && isalpha((unsigned char)(*p)[n]) && n < 12) n++;
  return fail(e, "unknown day `%.*s` (Mon Tue Wed Thu Fri Sat Sun)", n ? n : 1, *p), -1;
}

static int two_digits(const char *p) {
  if (!isdigit((unsigned char)p[0]) || !isdigit((unsigned char)p[1])) return -1;
  return (p[0] - '0') * 10 + (p[1] - '0');
}

/* HH:MM, 00:00..24:00; minutes into *out. */
static int parse_time(const char **p, const char *end, int *out, perr *e) {
  if (end - *p < 5 || (*p)[2] != ':') return fail(e, "a time HH:MM expected at `%.8s`", *p);
  int h = two_digits(*p), m = two_digits(*p + 3);
  if (h < 0 || m < 0 || m > 59 || h > 24 || (h == 24 && m != 0))
    return fail(e, "`%.5s` is not a time from 00:00 to 24:00", *p);
  *p += 5;
  *out = h * 60 + m;
  return 0;
}

static int parse_spans(const char **p, const char *end, int16_t *from, int16_t *to, int max,
                       int *count, bool weekly, perr *e) {
  int n = 0;
  for (;;) {
    int f, t;
    skip_ws(p, end);
    if (parse_time(p, end, &f, e)) return -1;
    skip_ws(p, end);
    if (*p >= end || **p != '-') return fail(e, "a span HH:MM-HH:MM expected");
    (*p)++;
    skip_ws(p, end);
    if (parse_time(p, end, &t, e)) return -1;
    if (f == 1440) return fail(e, "a span cannot start at 24:00");
    if (f == t)
      return fail(e, "empty span %02d:%02d-%02d:%02d (a whole day is 00:00-24:00)", f / 60, f % 60,
                  t / 60, t % 60);
    if (!weekly && t < f)
      return fail(e, "a date's span must end after it starts (split it at 24:00)");
    if (n == max) return fail(e, "more than %d spans", max);
    from[n] = (int16_t)f;
    to[n] = (int16_t)t;
    n++;
    skip_ws(p, end);
    if (*p < end && **p == ',') {
      (*p)++;
      continue;
    }
    break;
  }
  *count = n;
  if (*p != end) return fail(e, "unexpected `%.*s`", (int)(end - *p > 12 ? 12 : end - *p), *p);
  return 0;
}

static int parse_rule(schedule *s, const char *p, const char *end, perr *e) {
  if (end - p >= 10 && isdigit((unsigned char)p[0]) && p[4] == '-') {
    /* date exception */
    int y1 = two_digits(p), y2 = two_digits(p + 2), mo = two_digits(p + 5), d = two_digits(p + 8);
    if (y1 < 0 || y2 < 0 || mo < 1 || mo > 12 || d < 1 || p[7] != '-' ||
        (end - p > 10 && p[10] != ' ' && p[10] != '\t'))
      return fail(e, "a date YYYY-MM-DD expected");
    int y = y1 * 100 + y2;
    int64_t day = civil_days_from_date(y, mo, d);
    int64_t yy;
    int mm, dd;
    civil_date_from_days(day, &yy, &mm, &dd);
    if (yy != y || mm != mo || dd != d || y < 1970) return fail(e, "%.10s is not a date", p);
    for (int i = 0; i < s->nexc; i++)
      if (s->exc[i].day == day) return fail(e, "date %.10s given twice", p);
    if (s->nexc == SCHED_MAX_EXCEPTIONS)
      return fail(e, "more than %d date exceptions", SCHED_MAX_EXCEPTIONS);
    sched_exception *x = &s->exc[s->nexc];
    memset(x, 0, sizeof *x);
    x->day = day;
    p += 10;
    skip_ws(&p, end);
    if (p == end) return fail(e, "after the date: `off` or spans HH:MM-HH:MM");
    if (end - p == 3 && strncasecmp(p, "off", 3) == 0) {
      x->nspans = 0;
    } else if (parse_spans(&p, end, x->from, x->to, SCHED_MAX_SPANS, &x->nspans, false, e)) {
      return -1;
    }
    s->nexc++;
    s->any = true;
    return 0;
  }
  /* weekly */
  uint8_t days = 0;
  for (;;) {
    int a = parse_day(&p, end, e);
    if (a < 0) return -1;
    int b = a;
    if (p < end && *p == '-') {
      p++;
      if ((b = parse_day(&p, end, e)) < 0) return -1;
    }
    for (int d = a;; d = (d + 1) % 7) {
      days |= (uint8_t)(1u << d);
      if (d == b) break;
    }
    if (p < end && *p == ',') {
      p++;
      continue;
    }
    break;
  }
  if (p == end || (*p != ' ' && *p != '\t'))
    return fail(e, "days (Mon-Fri, Sat,Sun) then spans HH:MM-HH:MM expected");
  int16_t from[SCHED_MAX_SPANS], to[SCHED_MAX_SPANS];
  int n;
  if (parse_spans(&p, end, from, to, SCHED_MAX_SPANS, &n, true, e)) return -1;
  if (s->nweekly + n > SCHED_MAX_WEEKLY)
    return fail(e, "more than %d weekly spans", SCHED_MAX_WEEKLY);
  for (int i = 0; i < n; i++)
    s->weekly[s->nweekly++] = (sched_weekly){.days = days, .from = from[i], .to = to[i]};
  s->any = true;
  return 0;
}

int schedule_parse(const char *text, schedule *out, char *err, size_t errlen) {
  static const schedule empty;
  schedule s = empty;
  perr e = {.err = err, .errlen = errlen};
  if (!text) {
    *out = s;
    return 0;
  }
  if (strlen(text) > SCHED_MAX_TEXT)
    return errbuf_fail(err, errlen, "at most %d characters", SCHED_MAX_TEXT);
  const char *p = text;
  for (int rule = 1; *p; rule++) {
    const char *semi = strchr(p, ';');
    const char *end = semi ? semi : p + strlen(p);
    const char *a = p, *b = end;
    while (a < b && isspace((unsigned char)*a)) a++;
    while (b > a && isspace((unsigned char)b[-1])) b--;
    e.rule = rule;
    e.text = a;
    e.len = (size_t)(b - a);
    if (a == b) {
      if (semi || rule > 1) return fail(&e, "empty rule (two `;` in a row?)");
    } else {
      for (const char *c = a; c < b; c++)
        if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e)
          return fail(&e, "only printable ASCII is allowed");
      if (parse_rule(&s, a, b, &e)) return -1;
    }
    if (!semi) break;
    p = semi + 1;
  }
  *out = s;
  return 0;
}

static const sched_exception *exception_of(const schedule *s, int64_t day) {
  for (int i = 0; i < s->nexc; i++)
    if (s->exc[i].day == day) return &s->exc[i];
  return NULL;
}

static int weekday(int64_t day) { return (int)(((day + 3) % 7 + 7) % 7); } /* Mon = 0 */

bool schedule_open_local(const schedule *s, int64_t day, int minute) {
  if (!s->any) return true;
  const sched_exception *x = exception_of(s, day);
  if (x) {
    for (int i = 0; i < x->nspans; i++)
      if (minute >= x->from[i] && minute < x->to[i]) return true;
    return false;
  }
  int wd = weekday(day), prev = (wd + 6) % 7;
  bool prev_is_exception = exception_of(s, day - 1) != NULL;
  for (int i = 0; i < s->nweekly; i++) {
    const sched_weekly *w = &s->weekly[i];
    bool wraps = w->to <= w->from;
    if (w->days & (1u << wd) && minute >= w->from && (wraps || minute < w->to)) return true;
    if (wraps && !prev_is_exception && w->days & (1u << prev) && minute < w->to) return true;
  }
  return false;
}

static void local_of(const tz_rule *tz, borne_ms utc, int64_t *day, int *minute) {
  int64_t s = utc / 1000 - (utc % 1000 < 0 ? 1 : 0);
  int64_t local = s + tz_offset_at(tz, utc);
  int64_t d = local / 86400 - (local % 86400 < 0 ? 1 : 0);
  *day = d;
  *minute = (int)((local - d * 86400) / 60);
}

bool schedule_open(const schedule *s, const tz_rule *tz, borne_ms utc) {
  if (!s->any) return true;
  int64_t day;
  int minute;
  local_of(tz, utc, &day, &minute);
  return schedule_open_local(s, day, minute);
}

borne_ms schedule_next_change(const schedule *s, const tz_rule *tz, borne_ms utc,
                              borne_ms horizon) {
  if (!s->any) return 0;
  bool now = schedule_open(s, tz, utc);
  /* every whole UTC minute after utc (zone offsets are whole minutes) */
  borne_ms t = (utc / 60000 + 1) * 60000;
  if (utc < 0 && utc % 60000) t -= 60000;
  for (; t <= utc + horizon; t += 60000)
    if (schedule_open(s, tz, t) != now) return t;
  return 0;
}
