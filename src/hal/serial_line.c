/*
 * Receive-only serial line on uv_poll (see serial_line.h). One uv_poll_t per
 * opened descriptor: the descriptor is closed in the handle's close callback,
 * after libuv stopped watching it, so a reopen never races a stale watcher.
 */
#include "hal/serial_line.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

struct serial_line {
  uv_loop_t *loop;
  char path[256];
  serial_params params;
  unsigned retry_ms;
  serial_line_cbs cbs;
  uv_poll_t *poll; /* NULL when the device is not open */
  int fd;
  uv_timer_t retry;
  bool up;
  bool reported; /* a state was reported at least once */
  bool closing;
  bool rw; /* opened for writing too (serial_line_open_rw) */
};

typedef struct {
  uv_poll_t handle;
  int fd;
} poll_box;

int serial_params_parse(const char *text, serial_params *p) {
  if (!text) return -1;
  char *end;
  long baud = strtol(text, &end, 10);
  static const long rates[] = {1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200};
  bool ok = false;
  for (size_t i = 0; i < sizeof rates / sizeof rates[0]; i++) ok |= baud == rates[i];
  if (!ok || end[0] != ',' || (end[1] != '7' && end[1] != '8') || !end[2] ||
      !strchr("NEO", end[2]) || (end[3] != '1' && end[3] != '2') || end[4])
    return -1;
  *p = (serial_params){
      .baud = (int)baud, .data_bits = end[1] - '0', .parity = end[2], .stop_bits = end[3] - '0'};
  return 0;
}

static speed_t speed_of(int baud) {
  switch (baud) {
  case 1200:
    return B1200;
  case 2400:
    return B2400;
  case 4800:
    return B4800;
  case 9600:
    return B9600;
  case 19200:
    return B19200;
  case 38400:
    return B38400;
  case 57600:
    return B57600;
  default:
    return B115200;
  }
}

/* Raw receive settings. The parity bit is checked by the UART (INPCK) and
 * stripped from 7-bit characters (ISTRIP); a character with a parity error
 * arrives as NUL (no PARMRK), which the parsers treat as noise. */
static int apply_params(int fd, const serial_params *p) {
  struct termios t;
  if (tcgetattr(fd, &t) != 0) return -1;
  cfmakeraw(&t);
  t.c_cflag &= (tcflag_t) ~(CSIZE | PARENB | PARODD | CSTOPB | CRTSCTS);
  t.c_cflag |= (tcflag_t)(CREAD | CLOCAL | (p->data_bits == 7 ? CS7 : CS8));
  if (p->parity != 'N') {
    t.c_cflag |= PARENB;
    if (p->parity == 'O') t.c_cflag |= PARODD;
    t.c_iflag |= INPCK;
  }
  if (p->data_bits == 7) t.c_iflag |= ISTRIP;
  if (p->stop_bits == 2) t.c_cflag |= CSTOPB;
  t.c_cc[VMIN] = 1;
  t.c_cc[VTIME] = 0;
  cfsetispeed(&t, speed_of(p->baud));
  cfsetospeed(&t, speed_of(p->baud));
  return tcsetattr(fd, TCSANOW, &t);
}

/* Only changes are news: a down line that fails again (for the same or
 * another reason) while retrying is not reported again. */
static void report(serial_line *l, bool up, const char *why) {
  bool changed = !l->reported || l->up != up;
  l->up = up;
  l->reported = true;
  if (changed && l->cbs.state) l->cbs.state(l->cbs.ctx, up, why);
}

static void on_poll_closed(uv_handle_t *h) {
  poll_box *b = (poll_box *)h;
  close(b->fd);
  free(b);
}

static void drop_fd(serial_line *l) {
  if (!l->poll) return;
  uv_poll_stop(l->poll);
  uv_close((uv_handle_t *)l->poll, on_poll_closed);
  l->poll = NULL;
  l->fd = -1;
}

static void on_retry(uv_timer_t *t);

static void schedule_retry(serial_line *l) {
  if (!l->closing) uv_timer_start(&l->retry, on_retry, l->retry_ms, 0);
}

static void lost(serial_line *l, const char *why) {
  drop_fd(l);
  report(l, false, why);
  schedule_retry(l);
}

static void on_readable(uv_poll_t *h, int status, int events) {
  serial_line *l = h->data;
  if (status < 0) {
    char why[160];
    snprintf(why, sizeof why, "%s: device closed or unplugged (%s)", l->path, uv_strerror(status));
    lost(l, why);
    return;
  }
  uint8_t buf[512];
  for (int rounds = 0; rounds < 16; rounds++) {
    ssize_t n = read(l->fd, buf, sizeof buf);
    if (n > 0) {
      if (l->cbs.data) l->cbs.data(l->cbs.ctx, buf, (size_t)n);
      if (!l->poll || l->closing) return; /* the callback closed or dropped the line */
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    if (n < 0 && errno == EINTR) continue;
    char why[160];
    /* EOF, or EIO from a pty whose other end closed / a USB adapter unplugged */
    snprintf(why, sizeof why, "%s: %s", l->path, n == 0 ? "end of file" : strerror(errno));
    lost(l, why);
    return;
  }
  if (events & UV_DISCONNECT) lost(l, "disconnected");
}

static void try_open(serial_line *l) {
  int fd = open(l->path, (l->rw ? O_RDWR : O_RDONLY) | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  char why[200];
  if (fd < 0) {
    snprintf(why, sizeof why, "cannot open %s: %s", l->path, strerror(errno));
    report(l, false, why);
    schedule_retry(l);
    return;
  }
  /* Not a terminal (a FIFO in a test bench): bytes still flow, settings do not apply. */
  if (apply_params(fd, &l->params) != 0 && errno != ENOTTY && errno != EINVAL) {
    snprintf(why, sizeof why, "cannot set %s to %d baud: %s", l->path, l->params.baud,
             strerror(errno));
    close(fd);
    report(l, false, why);
    schedule_retry(l);
    return;
  }
  poll_box *b = calloc(1, sizeof *b);
  if (!b || uv_poll_init(l->loop, &b->handle, fd) != 0) {
    free(b);
    close(fd);
    report(l, false, "out of memory");
    schedule_retry(l);
    return;
  }
  b->fd = fd;
  b->handle.data = l;
  l->poll = &b->handle;
  l->fd = fd;
  uv_poll_start(l->poll, UV_READABLE | UV_DISCONNECT, on_readable);
  report(l, true, "");
}

static void on_retry(uv_timer_t *t) {
  serial_line *l = t->data;
  if (!l->closing && !l->poll) try_open(l);
}

static serial_line *open_line(uv_loop_t *loop, const char *path, const serial_params *p,
                              unsigned retry_ms, const serial_line_cbs *cbs, bool rw) {
  if (!path || strlen(path) >= sizeof((serial_line *)0)->path) return NULL;
  if (p->data_bits != 7 && p->data_bits != 8) return NULL;
  serial_line *l = calloc(1, sizeof *l);
  if (!l) return NULL;
  l->loop = loop;
  snprintf(l->path, sizeof l->path, "%s", path);
  l->params = *p;
  l->retry_ms = retry_ms ? retry_ms : 1000;
  l->cbs = *cbs;
  l->fd = -1;
  l->rw = rw;
  uv_timer_init(loop, &l->retry);
  l->retry.data = l;
  try_open(l);
  return l;
}

serial_line *serial_line_open(uv_loop_t *loop, const char *path, const serial_params *p,
                              unsigned retry_ms, const serial_line_cbs *cbs) {
  return open_line(loop, path, p, retry_ms, cbs, false);
}

serial_line *serial_line_open_rw(uv_loop_t *loop, const char *path, const serial_params *p,
                                 unsigned retry_ms, const serial_line_cbs *cbs) {
  return open_line(loop, path, p, retry_ms, cbs, true);
}

int serial_line_write(serial_line *l, const uint8_t *bytes, size_t n) {
  if (!l->rw || l->fd < 0) {
    errno = l->rw ? ENOTCONN : EBADF;
    return -1;
  }
  size_t done = 0;
  while (done < n) {
    ssize_t w = write(l->fd, bytes + done, n - done);
    if (w > 0) {
      done += (size_t)w;
      continue;
    }
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) errno = ENOBUFS;
    return -1; /* a full output queue: a few dozen bytes never fill a UART's */
  }
  return 0;
}

int serial_line_set_params(serial_line *l, const serial_params *p) {
  l->params = *p;
  if (l->fd < 0) return 0;
  if (apply_params(l->fd, p) != 0 && errno != ENOTTY && errno != EINVAL) return -1;
  return 0;
}

bool serial_line_up(const serial_line *l) { return l->up; }

static void on_timer_closed(uv_handle_t *h) { free(h->data); }

void serial_line_close(serial_line *l) {
  if (!l) return;
  l->closing = true;
  drop_fd(l);
  uv_timer_stop(&l->retry);
  uv_close((uv_handle_t *)&l->retry, on_timer_closed);
}
