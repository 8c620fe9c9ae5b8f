/*
 * Keeps the descriptor numbers a two-step teardown closed from being reused
 * before its second step (why: fd_quarantine.h).
 */
#define _GNU_SOURCE
#include "util/fd_quarantine.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static bool is_open(int fd) { return fcntl(fd, F_GETFD) != -1 || errno != EBADF; }

/* Marks fd in the map, growing it (the map covers the highest open number). */
static void mark(fd_quarantine *q, int fd) {
  if (fd >= q->n) {
    int n = q->n ? q->n : 256;
    while (n <= fd) n *= 2;
    uint8_t *grown = realloc(q->was_open, (size_t)n);
    if (!grown) return;
    memset(grown + q->n, 0, (size_t)(n - q->n));
    q->was_open = grown;
    q->n = n;
  }
  q->was_open[fd] = 1;
}

void fd_quarantine_begin(fd_quarantine *q) {
  memset(q, 0, sizeof *q);
  DIR *d = opendir("/proc/self/fd");
  if (d) {
    int self = dirfd(d);
    for (struct dirent *e; (e = readdir(d));) {
      char *end;
      long fd = strtol(e->d_name, &end, 10);
      if (*end || end == e->d_name || fd < 0 || fd > INT_MAX || fd == self) continue;
      mark(q, (int)fd);
    }
    closedir(d);
    return;
  }
  struct rlimit rl; /* no /proc: ask each number up to the limit */
  int limit = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 65536 ? (int)rl.rlim_cur : 65536;
  for (int fd = 0; fd < limit; fd++)
    if (is_open(fd)) mark(q, fd);
}

void fd_quarantine_hold(fd_quarantine *q) {
  if (!q->was_open) return;
  int null_fd = -1;
  for (int fd = 0; fd < q->n; fd++) {
    if (!q->was_open[fd] || is_open(fd)) continue;
    int *grown = realloc(q->held, (q->nheld + 1) * sizeof *grown);
    if (!grown) break;
    q->held = grown;
    if (null_fd < 0 && (null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0) break;
    if (null_fd == fd) { /* the lowest free number was this one: it is the placeholder */
      q->held[q->nheld++] = fd;
      null_fd = -1;
    } else if (dup3(null_fd, fd, O_CLOEXEC) == fd) {
      q->held[q->nheld++] = fd;
    }
  }
  if (null_fd >= 0) close(null_fd);
  free(q->was_open);
  q->was_open = NULL;
}

void fd_quarantine_end(fd_quarantine *q) {
  /* Nothing was opened between the second step and here: a held number that
   * is still open is still our placeholder. */
  for (size_t i = 0; i < q->nheld; i++)
    if (is_open(q->held[i])) close(q->held[i]);
  free(q->held);
  free(q->was_open);
  memset(q, 0, sizeof *q);
}
