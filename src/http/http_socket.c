/*
 * How much of a TCP stream the process has read (see http_socket.h): the
 * kernel's count of bytes received in order (tcp_info.tcpi_bytes_received,
 * Linux 4.1 and later) minus the bytes still queued for reading (FIONREAD).
 * A separate file because it needs <linux/tcp.h>, which clashes with the
 * <netinet/tcp.h> that <libwebsockets.h> includes.
 */
#include "http/http_socket.h"

#include <linux/tcp.h>
#include <netinet/in.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

long long http_socket_bytes_read(int fd) {
  /* Data arriving between the calls moves both counters by the same amount:
   * take the pair again when the queue changed in between. */
  for (int tries = 0; tries < 4; tries++) {
    struct tcp_info ti;
    socklen_t len = sizeof ti;
    int before, after;
    if (ioctl(fd, FIONREAD, &before) != 0 ||
        getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0 ||
        len < offsetof(struct tcp_info, tcpi_bytes_received) + sizeof ti.tcpi_bytes_received ||
        ioctl(fd, FIONREAD, &after) != 0)
      return -1;
    if (before == after) return (long long)ti.tcpi_bytes_received - before;
  }
  return -1;
}
