/*
 * Logging to stderr with a level, one line per message:
 *   2026-11-22T10:00:00.123Z info  station: both connectors Available
 * The level is process-wide configuration set once at start (not state that
 * modules share), so it is the one static in util.
 * Under systemd (stderr connected to the journal) a line is
 *   <6>station: both connectors Available
 * the journal keeps the time, and the priority from the "<N>" prefix.
 */
#ifndef BORNE_UTIL_LOG_H
#define BORNE_UTIL_LOG_H

#include <stdbool.h>

typedef enum { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG } log_level;

void log_set_level(log_level level);
log_level log_get_level(void);
/* "error" | "warn" | "info" | "debug"; returns -1 when unknown. */
int log_level_parse(const char *name, log_level *out);
/* True when stderr is the systemd journal's stream ($JOURNAL_STREAM): lines
 * then carry "<N>" priority prefixes instead of a timestamp. */
bool log_stderr_is_journal(void);
void log_msg(log_level level, const char *module, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define log_error(mod, ...) log_msg(LOG_ERROR, mod, __VA_ARGS__)
#define log_warn(mod, ...) log_msg(LOG_WARN, mod, __VA_ARGS__)
#define log_info(mod, ...) log_msg(LOG_INFO, mod, __VA_ARGS__)
#define log_debug(mod, ...) log_msg(LOG_DEBUG, mod, __VA_ARGS__)

#endif
