/*
 * One worker thread per Modbus bus (libmodbus, blocking), results passed to
 * the loop through a mailbox and uv_async_send. The worker owns the modbus_t
 * and the counters; the loop owns nothing but the copies it receives. The
 * only shared state is `mailbox`, `fresh`, `stop` and `wake`, under `lock`.
 */
#include "meter/meter_bus.h"

#include <errno.h>
#include <modbus.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/errbuf.h"

typedef struct {
  meter_map map;
  int unit_id;
  int timeout_ms;
  /* worker-owned */
  meter_counters counters;
  uint64_t seq;
  uint16_t *image;
} bus_meter;

struct meter_bus {
  uv_loop_t *loop;
  uv_async_t async;
  meter_result_fn fn;
  void *ctx;
  char port[256];
  bool tcp;
  char host[256];
  int tcp_port;
  int baud, data_bits, stop_bits;
  char parity;
  int poll_interval_ms;
  bus_meter meters[METER_BUS_MAX_METERS];
  int count;
  /* worker */
  pthread_t thread;
  bool started;
  modbus_t *mb;
  bool connected;
  /* shared, under lock */
  pthread_mutex_t lock;
  pthread_cond_t cond;
  bool stop, wake;
  meter_result mailbox[METER_BUS_MAX_METERS];
  bool fresh[METER_BUS_MAX_METERS];
  meter_result delivered[METER_BUS_MAX_METERS]; /* loop-side copies */
};

const char *meter_poll_status_name(meter_poll_status s) {
  switch (s) {
  case MB_OK:
    return "ok";
  case MB_TIMEOUT:
    return "timeout";
  case MB_CRC:
    return "crc";
  case MB_EXCEPTION:
    return "exception";
  case MB_BAD_FRAME:
    return "bad_frame";
  case MB_IO:
    return "io";
  case MB_DECODE:
    return "decode";
  }
  return "?";
}

int meter_parse_serial(const char *s, int *baud, char *parity, int *data_bits, int *stop_bits) {
  char *end;
  errno = 0;
  long b = strtol(s, &end, 10);
  if (errno || end == s || b < 300 || b > 4000000 || end[0] != ',') return -1;
  if ((end[1] != '7' && end[1] != '8') || !end[2] || !strchr("NEO", end[2]) ||
      (end[3] != '1' && end[3] != '2') || end[4])
    return -1;
  *baud = (int)b;
  *data_bits = end[1] - '0';
  *parity = end[2];
  *stop_bits = end[3] - '0';
  return 0;
}

int meter_parse_tcp(const char *port, char *host, size_t hostlen, int *tcp_port) {
  if (strncmp(port, "tcp://", 6) != 0) return -1;
  const char *h = port + 6, *colon = strrchr(h, ':');
  size_t n = colon ? (size_t)(colon - h) : strlen(h);
  if (n == 0 || n >= hostlen) return -1;
  memcpy(host, h, n);
  host[n] = '\0';
  *tcp_port = 502; /* Modbus/TCP's registered port */
  if (colon) {
    char *end;
    long p = strtol(colon + 1, &end, 10);
    if (!colon[1] || *end || p < 1 || p > 65535) return -1;
    *tcp_port = (int)p;
  }
  return 0;
}

static void on_async(uv_async_t *a);

meter_bus *meter_bus_new(uv_loop_t *loop, const meter_bus_config *cfg, meter_result_fn fn,
                         void *ctx, char *err, size_t errlen) {
  meter_bus *b = calloc(1, sizeof *b);
  if (!b) {
    errbuf_setf(err, errlen, "out of memory");
    return NULL;
  }
  b->loop = loop;
  b->fn = fn;
  b->ctx = ctx;
  snprintf(b->port, sizeof b->port, "%s", cfg->port);
  b->poll_interval_ms = cfg->poll_interval_ms > 0 ? cfg->poll_interval_ms : 1000;
  if (strncmp(cfg->port, "tcp://", 6) == 0) {
    b->tcp = true;
    if (meter_parse_tcp(cfg->port, b->host, sizeof b->host, &b->tcp_port) != 0) {
      errbuf_setf(err, errlen, "%s: not tcp://HOST:PORT", cfg->port);
      free(b);
      return NULL;
    }
  } else if (meter_parse_serial(cfg->serial ? cfg->serial : "9600,8N1", &b->baud, &b->parity,
                                &b->data_bits, &b->stop_bits) != 0) {
    errbuf_setf(err, errlen, "%s: serial settings '%s' are not BAUD,8N1", cfg->port,
                cfg->serial ? cfg->serial : "");
    free(b);
    return NULL;
  }
  pthread_mutex_init(&b->lock, NULL);
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&b->cond, &ca);
  pthread_condattr_destroy(&ca);
  uv_async_init(loop, &b->async, on_async);
  b->async.data = b;
  return b;
}

int meter_bus_add(meter_bus *b, const meter_map *map, int unit_id, int timeout_ms, char *err,
                  size_t errlen) {
  if (b->started || b->count == METER_BUS_MAX_METERS) {
    errbuf_setf(err, errlen, "%s: %s", b->port,
                b->started ? "bus already started" : "more than 32 meters on one bus");
    return -1;
  }
  bus_meter *m = &b->meters[b->count];
  memset(m, 0, sizeof *m);
  m->map = *map;
  m->unit_id = unit_id;
  m->timeout_ms = timeout_ms > 0 ? timeout_ms : 500;
  m->image = calloc((size_t)(map->image_words > 0 ? map->image_words : 1), sizeof(uint16_t));
  if (!m->image) {
    errbuf_setf(err, errlen, "out of memory");
    return -1;
  }
  return b->count++;
}

static double ms_between(const struct timespec *a, const struct timespec *z) {
  return (double)(z->tv_sec - a->tv_sec) * 1e3 + (double)(z->tv_nsec - a->tv_nsec) / 1e6;
}

static meter_poll_status classify(int e) {
  if (e == ETIMEDOUT) return MB_TIMEOUT;
  if (e == EMBBADCRC) return MB_CRC;
  if (e >= EMBXILFUN && e <= EMBXGTAR) return MB_EXCEPTION;
  if (e == EMBBADDATA || e == EMBBADEXC || e == EMBUNKEXC || e == EMBMDATA || e == EMBBADSLAVE)
    return MB_BAD_FRAME;
  return MB_IO;
}

static void count(meter_counters *c, meter_poll_status s) {
  switch (s) {
  case MB_OK:
    c->ok++;
    break;
  case MB_TIMEOUT:
    c->timeouts++;
    break;
  case MB_CRC:
    c->crc_errors++;
    break;
  case MB_EXCEPTION:
    c->exceptions++;
    break;
  case MB_BAD_FRAME:
    c->bad_frames++;
    break;
  case MB_IO:
    c->io_errors++;
    break;
  case MB_DECODE:
    c->decode_errors++;
    break;
  }
}

/* Open and connect the port when it is not; returns 0 or -1 with errno-based text. */
static int ensure_connected(meter_bus *b, char *err, size_t errlen) {
  if (b->connected) return 0;
  if (!b->mb) {
    if (b->tcp) {
      char service[8];
      snprintf(service, sizeof service, "%d", b->tcp_port);
      b->mb = modbus_new_tcp_pi(b->host, service);
    } else {
      b->mb = modbus_new_rtu(b->port, b->baud, b->parity, b->data_bits, b->stop_bits);
    }
    if (!b->mb) {
      errbuf_setf(err, errlen, "%s: %s", b->port, strerror(errno));
      return -1;
    }
  }
  if (modbus_connect(b->mb) != 0) {
    errbuf_setf(err, errlen, "%s: cannot %s: %s", b->port, b->tcp ? "connect" : "open",
                modbus_strerror(errno));
    return -1;
  }
  b->connected = true;
  return 0;
}

static void disconnect(meter_bus *b) {
  if (b->mb && b->connected) modbus_close(b->mb);
  b->connected = false;
}

static void poll_one(meter_bus *b, bus_meter *m, meter_result *r) {
  memset(r, 0, sizeof *r);
  struct timespec t0, t1, c0, c1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
  meter_poll_status st = MB_OK;
  if (ensure_connected(b, r->error, sizeof r->error) != 0) {
    st = MB_IO;
  } else {
    modbus_set_slave(b->mb, m->unit_id);
    modbus_set_response_timeout(b->mb, (uint32_t)(m->timeout_ms / 1000),
                                (uint32_t)(m->timeout_ms % 1000) * 1000);
    for (int i = 0; i < m->map.request_count && st == MB_OK; i++) {
      const meter_request *q = &m->map.request[i];
      uint16_t *dst = m->image + q->image_offset;
      int rc = q->function == 3 ? modbus_read_registers(b->mb, q->address, q->count, dst)
                                : modbus_read_input_registers(b->mb, q->address, q->count, dst);
      if (rc == q->count) continue;
      int e = rc < 0 ? errno : EMBMDATA;
      st = classify(e);
      errbuf_setf(r->error, sizeof r->error, "unit %d fc %d @%u+%u: %s", m->unit_id, q->function,
                  (unsigned)q->address, (unsigned)q->count,
                  st == MB_TIMEOUT ? "no answer (timeout)" : modbus_strerror(e));
      if (b->tcp && st != MB_EXCEPTION)
        disconnect(b); /* the stream may be out of step: start clean */
      else if (!b->tcp)
        modbus_flush(b->mb); /* drop late bytes before the next meter talks */
    }
    if (st == MB_OK && meter_map_decode(&m->map, m->image, (size_t)m->map.image_words, 0,
                                        &r->reading, r->error, sizeof r->error) != 0)
      st = MB_DECODE;
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
  m->seq++;
  m->counters.polls++;
  count(&m->counters, st);
  r->seq = m->seq;
  r->status = st;
  r->counters = m->counters;
  r->poll_ms = ms_between(&t0, &t1);
  r->cpu_ms = ms_between(&c0, &c1);
}

static void *worker(void *arg) {
  meter_bus *b = arg;
  meter_result r;
  for (;;) {
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (int i = 0; i < b->count; i++) {
      pthread_mutex_lock(&b->lock);
      bool stop = b->stop;
      pthread_mutex_unlock(&b->lock);
      if (stop) break;
      poll_one(b, &b->meters[i], &r);
      pthread_mutex_lock(&b->lock);
      b->mailbox[i] = r;
      b->fresh[i] = true;
      pthread_mutex_unlock(&b->lock);
      uv_async_send(&b->async);
    }
    struct timespec until = start;
    until.tv_sec += b->poll_interval_ms / 1000;
    until.tv_nsec += (long)(b->poll_interval_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
      until.tv_sec++;
      until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&b->lock);
    while (!b->stop && !b->wake)
      if (pthread_cond_timedwait(&b->cond, &b->lock, &until) == ETIMEDOUT) break;
    bool stop = b->stop;
    b->wake = false;
    pthread_mutex_unlock(&b->lock);
    if (stop) break;
  }
  disconnect(b);
  if (b->mb) modbus_free(b->mb);
  b->mb = NULL;
  return NULL;
}

int meter_bus_start(meter_bus *b, char *err, size_t errlen) {
  if (b->started) return 0;
  int rc = pthread_create(&b->thread, NULL, worker, b);
  if (rc != 0) {
    errbuf_setf(err, errlen, "%s: cannot start the bus worker: %s", b->port, strerror(rc));
    return -1;
  }
  b->started = true;
  return 0;
}

void meter_bus_poll_now(meter_bus *b) {
  pthread_mutex_lock(&b->lock);
  b->wake = true;
  pthread_cond_signal(&b->cond);
  pthread_mutex_unlock(&b->lock);
}

static void on_async(uv_async_t *a) {
  meter_bus *b = a->data;
  bool got[METER_BUS_MAX_METERS];
  pthread_mutex_lock(&b->lock);
  for (int i = 0; i < b->count; i++) {
    got[i] = b->fresh[i];
    if (got[i]) b->delivered[i] = b->mailbox[i];
    b->fresh[i] = false;
  }
  bool stopping = b->stop;
  pthread_mutex_unlock(&b->lock);
  if (stopping) return;
  for (int i = 0; i < b->count; i++)
    if (got[i]) b->fn(b->ctx, i, &b->delivered[i]);
}

static void on_closed(uv_handle_t *h) {
  meter_bus *b = h->data;
  for (int i = 0; i < b->count; i++) free(b->meters[i].image);
  pthread_mutex_destroy(&b->lock);
  pthread_cond_destroy(&b->cond);
  free(b);
}

void meter_bus_close(meter_bus *b) {
  if (!b) return;
  pthread_mutex_lock(&b->lock);
  b->stop = true;
  pthread_cond_signal(&b->cond);
  pthread_mutex_unlock(&b->lock);
  if (b->started) pthread_join(b->thread, NULL);
  uv_close((uv_handle_t *)&b->async, on_closed);
}
