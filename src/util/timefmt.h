/*
 * ISO-8601 times and short human durations, pure text <-> epoch milliseconds.
 * Used by bornectl (validating --since/--until, printing tables) and usable by
 * the daemon. No clock, no locale, no time zone database: UTC or an explicit
 * offset only, so the same text means the same instant everywhere.
 */
#ifndef BORNE_UTIL_TIMEFMT_H
#define BORNE_UTIL_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

/* Parse epoch seconds ("1767225600") or ISO-8601 / RFC 3339:
 *   2026-01-01                       (midnight UTC)
 *   2026-01-01T10:00  2026-01-01T10:00:05  2026-01-01 10:00:05 (space allowed, RFC 3339 5.6)
 *   an optional fraction ".123", then "Z", "+01:00", "-0130" or nothing (UTC).
 * Years 1970..9999. Returns 0 and writes epoch milliseconds, or -1 when the
 * text is not such a time (nothing written). */
int timefmt_parse(const char *text, int64_t *ms_out);

/* "2026-11-22T10:00:00.123Z" (24 chars + NUL). */
void timefmt_iso(int64_t ms, char *out, size_t len);

/* "2026-11-22 10:00:05" (UTC, seconds precision) for tables. */
void timefmt_short(int64_t ms, char *out, size_t len);

/* Whole seconds as "45s", "3m05s", "1h02m", "2d04h"; negative gives "-". */
void timefmt_duration(int64_t seconds, char *out, size_t len);

#endif
