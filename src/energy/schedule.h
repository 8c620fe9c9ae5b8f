/*
 * Charging windows: weekly rules and date exceptions in the site's local
 * time (schedule.windows, per-user windows). Pure: the time zone comes in
 * as a tz_rule, the time as an argument. Grammar (docs/energy.md):
 *
 *   windows   = rule *( ";" rule )              empty: always open
 *   rule      = days SP spans                   weekly
 *             / date SP ( spans / "off" )       exception: replaces that date
 *   days      = dayrange *( "," dayrange )      Mon-Fri,Sun   Fri-Mon wraps
 *   dayrange  = day [ "-" day ]                 Mon Tue Wed Thu Fri Sat Sun
 *   spans     = span *( "," span )
 *   span      = HH:MM "-" HH:MM                 end 24:00 allowed; a weekly
 *                                               span whose end is not after
 *                                               its start runs past midnight
 *   date      = YYYY-MM-DD
 *
 * e.g. "Mon-Sun 22:00-06:00; 2026-12-25 off; 2026-12-24 00:00-24:00".
 */
#ifndef BORNE_ENERGY_SCHEDULE_H
#define BORNE_ENERGY_SCHEDULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "energy/tzrule.h"
#include "core/types.h"

#define SCHED_MAX_WEEKLY 32
#define SCHED_MAX_EXCEPTIONS 64
#define SCHED_MAX_SPANS 8
#define SCHED_MAX_TEXT 2048

typedef struct {
  uint8_t days;     /* bit 0 = Monday .. bit 6 = Sunday */
  int16_t from, to; /* minutes after local midnight; to <= from: runs into the next day */
} sched_weekly;

typedef struct {
  int64_t day; /* local date as days since 1970-01-01 */
  int nspans;  /* 0: off all day */
  int16_t from[SCHED_MAX_SPANS], to[SCHED_MAX_SPANS];
} sched_exception;

typedef struct {
  bool any; /* false: no rule, always open */
  sched_weekly weekly[SCHED_MAX_WEEKLY];
  int nweekly;
  sched_exception exc[SCHED_MAX_EXCEPTIONS];
  int nexc;
} schedule;

/* Parse; NULL or blank text is "always open". Returns 0, or -1 with a
 * sentence naming the rule and the problem in err. */
int schedule_parse(const char *text, schedule *s, char *err, size_t errlen);
/* Open at local minute `minute` of local day `day` (days since 1970-01-01)? */
bool schedule_open_local(const schedule *s, int64_t day, int minute);
/* Open at UTC instant `utc` in the zone of `tz`? */
bool schedule_open(const schedule *s, const tz_rule *tz, borne_ms utc);
/* The first instant after `utc` (at most `horizon` ms later) where
 * schedule_open changes; 0 when none within the horizon. Boundaries fall on
 * whole local minutes. */
borne_ms schedule_next_change(const schedule *s, const tz_rule *tz, borne_ms utc, borne_ms horizon);

#endif
