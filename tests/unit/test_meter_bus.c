/*
 * The bus worker (meter_bus.c) against real Modbus peers, without sleeps:
 * - RTU: a fake slave on a pseudo-terminal answers SDM630 requests right,
 *   with a bad CRC, with garbage, with an exception, or not at all; the
 *   results reach the loop through the mailbox with the right status and
 *   counters, and the bus recovers when the slave answers again;
 * - TCP: a libmodbus server thread serves an SDM630 image; a closed port
 *   gives an I/O error.
 * Every wait is on the loop (uv_run) until the awaited result arrives.
 */
/* cmocka.h needs these first */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
// clang-format on

#include <arpa/inet.h>
#include <fcntl.h>
#include <math.h>
#include <modbus.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <pty.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "meter/meter_bus.h"

/* ---------- a fake RTU slave on the master side of a pty ---------- */

enum { ANSWER_OK, ANSWER_BAD_CRC, ANSWER_GARBAGE, ANSWER_EXCEPTION, ANSWER_SILENT };

typedef struct {
  int fd;
  atomic_int mode;
  atomic_bool stop;
  meter_map map; /* what it serves: its registers from `regs` */
  uint16_t regs[0x60];
  pthread_t thread;
} fake_slave;

/* Modbus over serial line v1.02, 6.2.2: CRC-16 (poly 0xA001 reflected, init 0xFFFF). */
static uint16_t crc16(const uint8_t *p, size_t n) {
  uint16_t crc = 0xFFFF;
  for (size_t i = 0; i < n; i++) {
    crc ^= p[i];
    for (int b = 0; b < 8; b++)
      crc = (crc & 1) ? (uint16_t)((crc >> 1) ^ 0xA001) : (uint16_t)(crc >> 1);
  }
  return crc;
}

static void send_frame(int fd, uint8_t *f, size_t n, bool bad_crc) {
  uint16_t crc = crc16(f, n);
  if (bad_crc) crc ^= 0x5555;
  f[n] = (uint8_t)crc;
  f[n + 1] = (uint8_t)(crc >> 8);
  if (write(fd, f, n + 2) != (ssize_t)(n + 2)) return;
}

static void *slave_main(void *arg) {
  fake_slave *s = arg;
  uint8_t req[8];
  size_t got = 0;
  while (!atomic_load(&s->stop)) {
    struct pollfd p = {.fd = s->fd, .events = POLLIN};
    if (poll(&p, 1, 50) <= 0) continue;
    ssize_t n = read(s->fd, req + got, sizeof req - got);
    if (n <= 0) continue;
    got += (size_t)n;
    if (got < sizeof req) continue;
    got = 0;
    uint8_t resp[300];
    int mode = atomic_load(&s->mode);
    uint16_t addr = (uint16_t)(req[2] << 8 | req[3]), cnt = (uint16_t)(req[4] << 8 | req[5]);
    if (mode == ANSWER_SILENT) continue;
    resp[0] = req[0];
    if (mode == ANSWER_EXCEPTION) {
      resp[1] = (uint8_t)(req[1] | 0x80);
      resp[2] = 2; /* illegal data address */
      send_frame(s->fd, resp, 3, false);
      continue;
    }
    resp[1] = req[1];
    resp[2] = (uint8_t)(2 * cnt);
    for (uint16_t i = 0; i < cnt; i++) {
      uint16_t v = addr + i < 0x60 ? s->regs[addr + i] : 0;
      if (mode == ANSWER_GARBAGE) v = 0xA5A5;
      resp[3 + 2 * i] = (uint8_t)(v >> 8);
      resp[4 + 2 * i] = (uint8_t)v;
    }
    size_t len = 3 + 2u * cnt;
    if (mode == ANSWER_GARBAGE) { /* a sound frame that does not answer the request */
      resp[2] = 6;
      len = 3 + 6;
    }
    send_frame(s->fd, resp, len, mode == ANSWER_BAD_CRC);
  }
  return NULL;
}

/* ---------- the loop side ---------- */

typedef struct {
  uv_loop_t loop;
  meter_result last[4];
  int results;
} rig;

static void on_result(void *ctx, int index, const meter_result *r) {
  rig *g = ctx;
  g->last[index] = *r;
  g->results++;
}

/* Run the loop until `n` more results arrived. */
static void wait_results(rig *g, int n) {
  int want = g->results + n;
  while (g->results < want) uv_run(&g->loop, UV_RUN_ONCE);
}

static meter_map sdm630(void) {
  meter_map m;
  char err[256];
  if (meter_map_load(&m, meter_maps_dir_default(), "sdm630", err, sizeof err) != 0)
    fail_msg("%s", err);
  return m;
}

static void fill_sdm630(const meter_map *m, uint16_t *regs) {
  uint16_t image[64] = {0};
  meter_map_encode(m, MQ_VOLTAGE_L1, 231.5, image);
  meter_map_encode(m, MQ_CURRENT_L2, 12.25, image);
  meter_map_encode(m, MQ_POWER_TOTAL, 2500, image);
  meter_map_encode(m, MQ_ENERGY_IMPORT, 4321000, image);
  meter_map_encode(m, MQ_FREQUENCY, 50, image);
  for (int i = 0; i < m->request_count; i++)
    memcpy(regs + m->request[i].address, image + m->request[i].image_offset,
           m->request[i].count * sizeof(uint16_t));
}

static void test_rtu_statuses_and_counters(void **state) {
  (void)state;
  fake_slave s = {0};
  int slave_fd;
  char name[128];
  assert_int_equal(openpty(&s.fd, &slave_fd, name, NULL, NULL), 0);
  struct termios t;
  tcgetattr(s.fd, &t);
  cfmakeraw(&t);
  tcsetattr(s.fd, TCSANOW, &t);
  s.map = sdm630();
  fill_sdm630(&s.map, s.regs);
  pthread_create(&s.thread, NULL, slave_main, &s);

  rig g = {0};
  uv_loop_init(&g.loop);
  char err[256];
  meter_bus *b = meter_bus_new(
      &g.loop, &(meter_bus_config){.port = name, .serial = "115200,8N1", .poll_interval_ms = 60000},
      on_result, &g, err, sizeof err);
  assert_non_null(b);
  assert_int_equal(meter_bus_add(b, &s.map, 7, 150, err, sizeof err), 0);
  assert_int_equal(meter_bus_start(b, err, sizeof err), 0);

  wait_results(&g, 1);
  meter_result *r = &g.last[0];
  if (r->status != MB_OK) fail_msg("%s", r->error);
  assert_true(fabs(r->reading.voltage_v[0] - 231.5) < 1e-4);
  assert_true(fabs(r->reading.current_a[1] - 12.25) < 1e-4);
  assert_true(fabs(r->reading.energy_import_wh - 4321000) < 1);
  assert_int_equal(r->counters.polls, 1);
  assert_int_equal(r->counters.ok, 1);

  struct {
    int mode;
    meter_poll_status want;
  } steps[] = {{ANSWER_BAD_CRC, MB_CRC},
               {ANSWER_GARBAGE, MB_BAD_FRAME},
               {ANSWER_EXCEPTION, MB_EXCEPTION},
               {ANSWER_SILENT, MB_TIMEOUT},
               {ANSWER_OK, MB_OK}};
  for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
    atomic_store(&s.mode, steps[i].mode);
    meter_bus_poll_now(b);
    wait_results(&g, 1);
    if (r->status != steps[i].want)
      fail_msg("mode %d: status %s (%s), want %s", steps[i].mode, meter_poll_status_name(r->status),
               r->error, meter_poll_status_name(steps[i].want));
  }
  assert_int_equal(r->counters.polls, 6);
  assert_int_equal(r->counters.ok, 2);
  assert_int_equal(r->counters.crc_errors, 1);
  assert_int_equal(r->counters.bad_frames, 1);
  assert_int_equal(r->counters.exceptions, 1);
  assert_int_equal(r->counters.timeouts, 1);

  meter_bus_close(b);
  uv_run(&g.loop, UV_RUN_DEFAULT);
  uv_loop_close(&g.loop);
  atomic_store(&s.stop, true);
  pthread_join(s.thread, NULL);
  close(s.fd);
  close(slave_fd);
}

/* ---------- TCP: a libmodbus server thread ---------- */

typedef struct {
  modbus_t *ctx;
  int listen_fd;
  modbus_mapping_t *map;
  pthread_t thread;
} tcp_server;

static void *tcp_main(void *arg) {
  tcp_server *s = arg;
  int fd = accept(s->listen_fd, NULL, NULL);
  if (fd < 0) return NULL;
  modbus_set_socket(s->ctx, fd);
  uint8_t q[MODBUS_TCP_MAX_ADU_LENGTH];
  for (;;) {
    int n = modbus_receive(s->ctx, q);
    if (n < 0) break; /* the client closed */
    if (n > 0) modbus_reply(s->ctx, q, n, s->map);
  }
  close(fd);
  return NULL;
}

static int free_port(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  bind(fd, (struct sockaddr *)&a, sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, (struct sockaddr *)&a, &len);
  close(fd);
  return ntohs(a.sin_port);
}

static void test_tcp_reads_and_reports_refused(void **state) {
  (void)state;
  meter_map m = sdm630();
  int port = free_port();
  tcp_server s = {0};
  s.ctx = modbus_new_tcp("127.0.0.1", port);
  s.map = modbus_mapping_new(0, 0, 0, 0x60);
  fill_sdm630(&m, s.map->tab_input_registers);
  s.listen_fd = modbus_tcp_listen(s.ctx, 1);
  assert_true(s.listen_fd >= 0);
  pthread_create(&s.thread, NULL, tcp_main, &s);

  rig g = {0};
  uv_loop_init(&g.loop);
  char err[256], url[64];
  snprintf(url, sizeof url, "tcp://127.0.0.1:%d", port);
  meter_bus *b = meter_bus_new(&g.loop, &(meter_bus_config){.port = url, .poll_interval_ms = 60000},
                               on_result, &g, err, sizeof err);
  assert_non_null(b);
  assert_int_equal(meter_bus_add(b, &m, 1, 500, err, sizeof err), 0);
  /* a second meter on a unit id the server also answers (libmodbus serves any) */
  assert_int_equal(meter_bus_add(b, &m, 2, 500, err, sizeof err), 1);
  assert_int_equal(meter_bus_start(b, err, sizeof err), 0);
  wait_results(&g, 2);
  for (int i = 0; i < 2; i++) {
    if (g.last[i].status != MB_OK) fail_msg("%s", g.last[i].error);
    assert_true(fabs(g.last[i].reading.power_total_w - 2500) < 1e-3);
  }
  meter_bus_close(b);
  uv_run(&g.loop, UV_RUN_DEFAULT);
  pthread_join(s.thread, NULL);
  close(s.listen_fd);
  modbus_mapping_free(s.map);
  modbus_free(s.ctx);

  /* nobody listens any more */
  b = meter_bus_new(&g.loop, &(meter_bus_config){.port = url, .poll_interval_ms = 60000}, on_result,
                    &g, err, sizeof err);
  meter_bus_add(b, &m, 1, 200, err, sizeof err);
  meter_bus_start(b, err, sizeof err);
  wait_results(&g, 1);
  assert_int_equal(g.last[0].status, MB_IO);
  assert_non_null(strstr(g.last[0].error, "cannot connect"));
  assert_int_equal(g.last[0].counters.io_errors, 1);
  meter_bus_close(b);
  uv_run(&g.loop, UV_RUN_DEFAULT);
  uv_loop_close(&g.loop);
}

static void test_parse_helpers(void **state) {
  (void)state;
  int baud, data, stop, port;
  char parity, host[64];
  assert_int_equal(meter_parse_serial("19200,8E1", &baud, &parity, &data, &stop), 0);
  assert_int_equal(baud, 19200);
  assert_int_equal(parity, 'E');
  assert_int_equal(data, 8);
  assert_int_equal(stop, 1);
  assert_int_equal(meter_parse_serial("9600,8N", &baud, &parity, &data, &stop), -1);
  assert_int_equal(meter_parse_tcp("tcp://meter.local:1502", host, sizeof host, &port), 0);
  assert_string_equal(host, "meter.local");
  assert_int_equal(port, 1502);
  assert_int_equal(meter_parse_tcp("tcp://10.1.1.1", host, sizeof host, &port), 0);
  assert_int_equal(port, 502);
  assert_int_equal(meter_parse_tcp("tcp://:502", host, sizeof host, &port), -1);
  char err[128];
  uv_loop_t loop;
  uv_loop_init(&loop);
  assert_null(meter_bus_new(&loop, &(meter_bus_config){.port = "/dev/ttyS0", .serial = "fast"},
                            on_result, NULL, err, sizeof err));
  assert_non_null(strstr(err, "not BAUD,8N1"));
  uv_loop_close(&loop);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_parse_helpers),
      cmocka_unit_test(test_rtu_statuses_and_counters),
      cmocka_unit_test(test_tcp_reads_and_reports_refused),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
