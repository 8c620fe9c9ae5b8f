/*
 * Poll rate of one Modbus RTU bus with 2, 8 and 32 SDM630 meters at 9600 and
 * 115200 baud, and CPU per reading.
 *
 * What is measured and what is computed:
 * - "wire" is computed from frame sizes (Modbus over serial line v1.02:
 *   8N1 = 10 bits per character, 3.5 character times of silence between
 *   frames, fixed at 1.75 ms above 19200 baud, §2.5.1.1). It is the
 *   floor a real line cannot beat; a real meter adds its own reply latency
 *   (not in any datasheet we used: measure it on site).
 * - "measured" runs the real bus worker (libmodbus, the mailbox, uv_async,
 *   the decoder) against a fake RTU slave on a pseudo-terminal that answers
 *   each request after the time its two frames and gaps would take on the
 *   wire at that baud rate (a pty itself has no baud rate). It shows what
 *   borne adds on top of the wire time.
 * - CPU per reading is the bus worker's thread CPU time per meter poll
 *   (CLOCK_THREAD_CPUTIME_ID), plus the whole process's CPU (getrusage) per
 *   reading, which includes the loop side and the fake slave's thread.
 */
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <pty.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "meter/meter_bus.h"
#include "meter/meter_map.h"

typedef struct {
  int fd;
  int baud;
  atomic_bool stop;
  uint16_t regs[0x60];
  pthread_t thread;
} slave;

static double char_s(int baud) { return 10.0 / baud; }
static double gap_s(int baud) { return baud > 19200 ? 0.00175 : 3.5 * char_s(baud); }

/* Wire time of one read request for `count` registers and its answer. */
static double request_wire_s(int baud, int count) {
  int chars = 8 + 5 + 2 * count; /* request: addr fc start(2) count(2) crc(2); answer: +bytecount */
  return chars * char_s(baud) + 2 * gap_s(baud);
}

static double meter_wire_s(const meter_map *m, int baud) {
  double s = 0;
  for (int i = 0; i < m->request_count; i++) s += request_wire_s(baud, m->request[i].count);
  return s;
}

static uint16_t crc16(const uint8_t *p, size_t n) {
  uint16_t crc = 0xFFFF;
  for (size_t i = 0; i < n; i++) {
    crc ^= p[i];
    for (int b = 0; b < 8; b++)
      crc = (crc & 1) ? (uint16_t)((crc >> 1) ^ 0xA001) : (uint16_t)(crc >> 1);
  }
  return crc;
}

static void *slave_main(void *arg) {
  slave *s = arg;
  uint8_t req[8];
  size_t got = 0;
  while (!atomic_load(&s->stop)) {
    struct pollfd p = {.fd = s->fd, .events = POLLIN};
    if (poll(&p, 1, 20) <= 0) continue;
    ssize_t n = read(s->fd, req + got, sizeof req - got);
    if (n <= 0) continue;
    got += (size_t)n;
    if (got < sizeof req) continue;
    got = 0;
    uint16_t addr = (uint16_t)(req[2] << 8 | req[3]), cnt = (uint16_t)(req[4] << 8 | req[5]);
    /* stand for the line: both frames and their gaps at this baud rate */
    double wait = request_wire_s(s->baud, cnt);
    struct timespec ts = {(time_t)wait, (long)((wait - floor(wait)) * 1e9)};
    nanosleep(&ts, NULL);
    uint8_t resp[300] = {req[0], req[1], (uint8_t)(2 * cnt)};
    for (uint16_t i = 0; i < cnt; i++) {
      uint16_t v = addr + i < 0x60 ? s->regs[addr + i] : 0;
      resp[3 + 2 * i] = (uint8_t)(v >> 8);
      resp[4 + 2 * i] = (uint8_t)v;
    }
    size_t len = 3 + 2u * cnt;
    uint16_t crc = crc16(resp, len);
    resp[len] = (uint8_t)crc;
    resp[len + 1] = (uint8_t)(crc >> 8);
    if (write(s->fd, resp, len + 2) < 0) break;
  }
  return NULL;
}

typedef struct {
  uv_loop_t loop;
  int results, want;
  double worker_cpu_ms;
  int failed;
} rig;

static void on_result(void *ctx, int index, const meter_result *r) {
  (void)index;
  rig *g = ctx;
  g->results++;
  g->worker_cpu_ms += r->cpu_ms;
  if (r->status != MB_OK) g->failed++;
}

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double process_cpu_s(void) {
  struct rusage u;
  getrusage(RUSAGE_SELF, &u);
  return (double)u.ru_utime.tv_sec + (double)u.ru_utime.tv_usec / 1e6 + (double)u.ru_stime.tv_sec +
         (double)u.ru_stime.tv_usec / 1e6;
}

static int run(const meter_map *m, int baud, int meters, int rounds) {
  slave s = {.baud = baud};
  int sfd;
  char name[128];
  if (openpty(&s.fd, &sfd, name, NULL, NULL) != 0) return -1;
  struct termios t;
  tcgetattr(s.fd, &t);
  cfmakeraw(&t);
  tcsetattr(s.fd, TCSANOW, &t);
  uint16_t image[METER_MODBUS_MAX_REGS * 4] = {0};
  meter_map_encode(m, MQ_VOLTAGE_L1, 230, image);
  meter_map_encode(m, MQ_ENERGY_IMPORT, 1e6, image);
  for (int i = 0; i < m->request_count; i++)
    memcpy(s.regs + m->request[i].address, image + m->request[i].image_offset,
           m->request[i].count * sizeof(uint16_t));
  pthread_create(&s.thread, NULL, slave_main, &s);

  rig g = {.want = meters * rounds};
  uv_loop_init(&g.loop);
  char err[256], serial[32];
  snprintf(serial, sizeof serial, "%d,8N1", baud);
  /* interval 1 ms: each round starts as soon as the previous one ended */
  meter_bus *b = meter_bus_new(
      &g.loop, &(meter_bus_config){.port = name, .serial = serial, .poll_interval_ms = 1},
      on_result, &g, err, sizeof err);
  for (int i = 0; b && i < meters; i++) meter_bus_add(b, m, i + 1, 1000, err, sizeof err);
  if (!b) {
    fprintf(stderr, "%s\n", err);
    return -1;
  }
  double cpu0 = process_cpu_s(), t0 = now_s();
  meter_bus_start(b, err, sizeof err);
  while (g.results < g.want) uv_run(&g.loop, UV_RUN_ONCE);
  double wall = now_s() - t0, cpu = process_cpu_s() - cpu0;
  meter_bus_close(b);
  uv_run(&g.loop, UV_RUN_DEFAULT);
  uv_loop_close(&g.loop);
  atomic_store(&s.stop, true);
  pthread_join(s.thread, NULL);
  close(s.fd);
  close(sfd);

  double wire_round = meter_wire_s(m, baud) * meters;
  printf("| %6d | %2d | %6.1f ms | %6.2f /s | %6.1f ms | %6.2f /s | %5.1f %% | %5.1f µs | %5.1f µs "
         "|%s\n",
         baud, meters, wire_round * 1e3, 1 / wire_round, wall / rounds * 1e3, rounds / wall,
         100 * (wall / rounds - wire_round) / wire_round, g.worker_cpu_ms * 1e3 / g.results,
         cpu * 1e6 / g.results, g.failed ? "  (failed polls!)" : "");
  return 0;
}

int main(void) {
  meter_map m;
  char err[256];
  if (meter_map_load(&m, meter_maps_dir_default(), "sdm630", err, sizeof err) != 0) {
    fprintf(stderr, "%s\n", err);
    return 1;
  }
  printf("Modbus RTU bus, SDM630 map (%d requests, %d registers per meter), rounds over all "
         "meters\n\n",
         m.request_count, m.image_words);
  printf("| baud | meters | wire/round | wire rate | measured/round | measured rate | overhead | "
         "worker CPU/reading | process CPU/reading |\n");
  printf("|---|---|---|---|---|---|---|---|---|\n");
  const int bauds[] = {9600, 115200};
  const int counts[] = {2, 8, 32};
  for (int b = 0; b < 2; b++)
    for (int c = 0; c < 3; c++) {
      int rounds = counts[c] == 2 ? 10 : counts[c] == 8 ? 4 : 3;
      if (run(&m, bauds[b], counts[c], rounds) != 0) return 1;
    }
  return 0;
}
