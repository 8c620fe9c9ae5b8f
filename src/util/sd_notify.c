/*
 * sd_notify(3)'s datagram protocol: one AF_UNIX SOCK_DGRAM message of
 * newline-separated VAR=VALUE assignments to the socket named by
 * $NOTIFY_SOCKET ('@' = Linux abstract namespace). Kept out of the loop: a
 * datagram send to a local socket does not block the loop in practice, and
 * MSG_DONTWAIT makes sure of it.
 */
#include "util/sd_notify.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int sd_notify_send(const char *state) {
  const char *path = getenv("NOTIFY_SOCKET");
  if (!path || !*path) return 0;
  size_t len = strlen(path);
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  if ((path[0] != '/' && path[0] != '@') || len >= sizeof sa.sun_path) {
    errno = EINVAL;
    return -1;
  }
  memcpy(sa.sun_path, path, len);
  if (path[0] == '@') sa.sun_path[0] = '\0';
  socklen_t salen =
      (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + (path[0] == '/' ? 1 : 0));
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  ssize_t n = sendto(fd, state, strlen(state), MSG_NOSIGNAL | MSG_DONTWAIT,
                     (const struct sockaddr *)&sa, salen);
  int saved = errno;
  close(fd);
  errno = saved;
  return n < 0 ? -1 : 1;
}

uint64_t sd_notify_watchdog_usec(void) {
  const char *usec = getenv("WATCHDOG_USEC");
  if (!usec || !*usec) return 0;
  const char *pid = getenv("WATCHDOG_PID");
  if (pid && *pid) {
    char *end;
    errno = 0;
    long long p = strtoll(pid, &end, 10);
    if (errno || *end || p != (long long)getpid()) return 0;
  }
  char *end;
  errno = 0;
  unsigned long long v = strtoull(usec, &end, 10);
  if (errno || *end || usec[0] == '-') return 0;
  return (uint64_t)v;
}
