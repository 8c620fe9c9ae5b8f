/*
 * stderr logger. Never allocates; a message longer than the line buffer is cut.
 * When stderr is the journal (run by systemd: $JOURNAL_STREAM names stderr's
 * device and inode), each line starts with its syslog priority, "<3>" to
 * "<7>" (sd-daemon(3)), and has no timestamp: journald keeps both.
 */
#include "util/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

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

bool log_stderr_is_journal(void) {
  const char *js = getenv("JOURNAL_STREAM");
  if (!js || !*js) return false;
  unsigned long long dev, ino;
  char tail;
  if (sscanf(js, "%llu:%llu%c", &dev, &ino, &tail) != 2) return false;
  struct stat sb;
  if (fstat(2, &sb) != 0) return false;
  return (unsigned long long)sb.st_dev == dev && (unsigned long long)sb.st_ino == ino;
}

void log_msg(log_level level, const char *module, const char *fmt, ...) {
  static const char *const tags[] = {"error", "warn ", "info ", "debug"};
  if (level > current_level) return;
  /* Decided once: stderr does not change under a running daemon. */
  static int journal = -1;
  if (journal < 0) journal = log_stderr_is_journal() ? 1 : 0;
  char line[1024];
  int n;
  if (journal) {
    static const int priorities[] = {3, 4, 6, 7}; /* LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG */
    n = snprintf(line, sizeof line, "<%d>%s: ", priorities[level], module);
  } else {
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    gmtime_r(&tv.tv_sec, &tm);
    n = snprintf(line, sizeof line,
                 "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s %s: ", tm.tm_year + 1900, tm.tm_mon + 1,
                 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (long)(tv.tv_usec / 1000),
                 tags[level], module);
  }
  if (n < 0) return;
  va_list ap;
  va_start(ap, fmt);
  if ((size_t)n < sizeof line - 1) vsnprintf(line + n, sizeof line - 1 - (size_t)n, fmt, ap);
  va_end(ap);
  /* One write(2) of the line and its newline (issue 15: stdio's unbuffered
   * stderr formatted "%s\n" into a buffer of its own first, under its lock);
   * stderr is unbuffered, so nothing written through stdio is reordered. */
  size_t len = strnlen(line, sizeof line - 1);
  line[len++] = '\n';
  for (size_t off = 0; off < len;) {
    ssize_t w = write(STDERR_FILENO, line + off, len - off);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return;
    off += (size_t)w;
  }
}
