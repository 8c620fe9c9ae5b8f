/*
 * stderr logger. Never allocates; a message longer than the line buffer is cut.
 */
#include "util/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

/* The one process-wide setting (docs/architecture.md): stderr is shared, so
 * every station in the process logs at the level set last. */
static log_level current_level = LOG_INFO;

void log_set_level(log_level level) { current_level = level; }
log_level log_get_level(void) { return current_level; }

int log_level_parse(const char *name, log_level *out) {
  static const char *const names[] = {"error", "warn", "info", "debug"};
  for (int i = 0; i < 4; i++) {
    if (strcmp(name, names[i]) == 0) {
      *out = (log_level)i;
      return 0;
    }
  }
  return -1;
}

void log_msg(log_level level, const char *module, const char *fmt, ...) {
  static const char *const tags[] = {"error", "warn ", "info ", "debug"};
  if (level > current_level) return;
  struct timeval tv;
  gettimeofday(&tv, NULL);
  struct tm tm;
  gmtime_r(&tv.tv_sec, &tm);
  char line[1024];
  int n =
      snprintf(line, sizeof line, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s %s: ", tm.tm_year + 1900,
               tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
               (long)(tv.tv_usec / 1000), tags[level], module);
  if (n < 0) return;
  va_list ap;
  va_start(ap, fmt);
  if ((size_t)n < sizeof line) vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
  va_end(ap);
  fprintf(stderr, "%s\n", line);
}
