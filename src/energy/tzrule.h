/*
 * Local time from a POSIX TZ rule string such as "CET-1CEST,M3.5.0,M10.5.0/3"
 * (POSIX.1-2017 Base Definitions 8.3, TZ; the time extensions of RFC 8536
 * 3.3.1: hours -167..167 in transition times). That string is the footer of
 * every TZif v2+ file (RFC 8536 3.3), e.g. /usr/share/zoneinfo/Europe/Paris,
 * and describes the zone's current rule; charging windows only need the
 * present and near future, so the historic transitions in the file's body
 * are not read. Pure: the caller reads the file.
 */
#ifndef BORNE_ENERGY_TZRULE_H
#define BORNE_ENERGY_TZRULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/types.h"

typedef struct {
  char kind;    /* 'M' (Mm.w.d), 'J' (Jn, 1..365 without Feb 29), 'D' (n, 0..365) */
  int m, w, d;  /* M: month 1..12, week 1..5 (5 = last), weekday 0..6 (0 = Sunday) */
  int n;        /* J, D: day number */
  int32_t time; /* seconds after local midnight (-167 h .. 167 h) */
} tz_transition;

typedef struct {
  char std_name[16], dst_name[16];
  int32_t std_east; /* seconds east of UTC in standard time (POSIX offsets are west) */
  int32_t dst_east;
  bool has_dst;
  tz_transition start, end; /* DST starts (in standard time), ends (in DST) */
} tz_rule;

/* Parse a TZ string. Returns 0, or -1 with a reason in err. */
int tz_rule_parse(const char *text, tz_rule *r, char *err, size_t errlen);
/* UTC */
void tz_rule_utc(tz_rule *r);
/* Seconds east of UTC in force at `utc`. */
int32_t tz_offset_at(const tz_rule *r, borne_ms utc);
/* The TZ string at the end of a TZif v2+ file's bytes ("\n<rule>\n"), into
 * out. Returns 0, or -1 when buf is not such a file or has no rule. */
int tz_footer(const unsigned char *buf, size_t len, char *out, size_t outlen);

#endif
