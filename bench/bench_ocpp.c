/*
 * OCPP 1.6J and 2.0.1 throughput and the cost of the durable queue.
 *
 * 1. Round trips through one real connection: the station's ocpp_link (lws
 *    WebSocket client on a libuv loop, the RPC engine, the schema check of
 *    both directions) against a local back end in the same process (an lws
 *    WebSocket server with subprotocol ocpp1.6 on its own thread and
 *    context, answering every CALL with a CALLRESULT at once). The station
 *    sends the next CALL from the answer's callback, as OCPP 1.6 allows one
 *    outstanding CALL: messages per second = CALL -> CALLRESULT round trips
 *    per second. CPU per message: the station's loop thread
 *    (CLOCK_THREAD_CPUTIME_ID) and the whole process (getrusage, back end
 *    thread included). Two messages: Heartbeat (the smallest) and a
 *    MeterValues with 10 sampled values (the most frequent transaction
 *    message). The same for OCPP 2.0.1 (subprotocol ocpp2.0.1, the 2.0.1
 *    dialect's generated validator): Heartbeat and a TransactionEvent
 *    Updated (MeterValuePeriodic) carrying 10 sampled values, the 2.0.1
 *    counterpart of that MeterValues.
 * 2. The durable queue (the charge-point model's journal, src/chargepoint, on SQLite, WAL,
 * synchronous=FULL, on the file system of /tmp): push N MeterValues, database growth / N after a
 * checkpoint, and the time of one push (a durable commit) and of one delivery (peek + delete).
 */
#include <jansson.h>
#include <libwebsockets.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "chargepoint/journal.h"
#include "keys/key_tables.h"
#include "ocpp/ocpp_link.h"
#include "ocpp/ocpp_version.h"
#include "ocpp/v16/model.h"
#include "ocpp16_messages.h" /* generated from the OCPP 1.6 schemas */
#include "config/config.h"
#include "store/store.h"
#include "util/log.h"

#define WARMUP 500
#define ROUNDS 20000
#define QUEUE_N 5000

static double mono_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double thread_cpu_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double process_cpu_s(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
         (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* ---------------- the back end: an lws server on its own thread ---------------- */

typedef struct {
  char *rx;          /* the frame being received */
  size_t rxlen;      /* bytes in rx */
  unsigned char *tx; /* LWS_PRE + the answer waiting to be written */
  size_t txlen;
} server_conn;

static struct lws_context *server_ctx;
static atomic_int server_port;
static atomic_bool server_stop;
static atomic_int server_frames;

/* The answer to one CALL: [3, id, {...}] with a payload valid for its action. */
static char *answer_for(const char *text, size_t len) {
  json_t *f = json_loadb(text, len, 0, NULL);
  const char *id = json_string_value(json_array_get(f, 1));
  const char *action = json_string_value(json_array_get(f, 2));
  json_t *payload = (action && strcmp(action, "Heartbeat") == 0)
                        ? json_pack("{s:s}", "currentTime", "2026-01-05T00:00:00.000Z")
                        : json_object();
  json_t *ans = json_pack("[i, s, o]", 3, id ? id : "-1", payload);
  char *out = json_dumps(ans, JSON_COMPACT);
  json_decref(ans);
  json_decref(f);
  return out;
}

static int server_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                     size_t len) {
  server_conn *c = user;
  switch (reason) {
  case LWS_CALLBACK_RECEIVE: {
    char *grown = realloc(c->rx, c->rxlen + len + 1);
    if (!grown) return -1;
    c->rx = grown;
    memcpy(c->rx + c->rxlen, in, len);
    c->rxlen += len;
    if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi)) return 0;
    char *ans = answer_for(c->rx, c->rxlen);
    c->rxlen = 0;
    if (!ans) return -1;
    size_t n = strlen(ans);
    free(c->tx);
    c->tx = malloc(LWS_PRE + n);
    if (!c->tx) return -1;
    memcpy(c->tx + LWS_PRE, ans, n);
    c->txlen = n;
    free(ans);
    atomic_fetch_add(&server_frames, 1);
    lws_callback_on_writable(wsi);
    return 0;
  }
  case LWS_CALLBACK_SERVER_WRITEABLE:
    if (c->tx) {
      int w = lws_write(wsi, c->tx + LWS_PRE, c->txlen, LWS_WRITE_TEXT);
      free(c->tx);
      c->tx = NULL;
      if (w < 0) return -1;
    }
    return 0;
  case LWS_CALLBACK_CLOSED:
    free(c->rx);
    free(c->tx);
    c->rx = NULL;
    c->tx = NULL;
    return 0;
  default:
    return 0;
  }
}

static const struct lws_protocols server_protocols[] = {
    {"ocpp1.6", server_cb, sizeof(server_conn), 65536, 0, NULL, 0},
    {"ocpp2.0.1", server_cb, sizeof(server_conn), 65536, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0}};

static void *server_main(void *arg) {
  (void)arg;
  while (!atomic_load(&server_stop)) lws_service(server_ctx, 0);
  return NULL;
}

static int server_start(pthread_t *th) {
  struct lws_context_creation_info info;
  memset(&info, 0, sizeof info);
  info.port = 0; /* any free port */
  info.iface = "127.0.0.1";
  info.protocols = server_protocols;
  info.options = 0;
  server_ctx = lws_create_context(&info);
  if (!server_ctx) return -1;
  int port = lws_get_vhost_listen_port(lws_get_vhost_by_name(server_ctx, "default"));
  if (port <= 0) return -1;
  atomic_store(&server_port, port);
  return pthread_create(th, NULL, server_main, NULL);
}

static void server_stop_join(pthread_t th) {
  atomic_store(&server_stop, true);
  lws_cancel_service(server_ctx);
  pthread_join(th, NULL);
  lws_context_destroy(server_ctx);
}

/* ---------------- the station: ocpp_link on a libuv loop ---------------- */

typedef struct {
  uv_loop_t *loop;
  ocpp_link *link;
  const char *action;
  const char *payload_text;
  int done, target, failed;
  double t0, cpu0, pcpu0;
  double wall, cpu, pcpu;
  int phase; /* 0 waiting for the connection, 1 warm-up, 2 measuring, 3 done */
} bench;

static void send_next(bench *b);

static void on_answer(void *ctx, const json_t *result, const char *code, const char *text) {
  bench *b = ctx;
  (void)result;
  if (code) {
    fprintf(stderr, "bench_ocpp: %s failed: %s %s\n", b->action, code, text);
    b->failed++;
    b->phase = 3;
    ocpp_link_close(b->link);
    return;
  }
  b->done++;
  if (b->phase == 1 && b->done == WARMUP) {
    b->phase = 2;
    b->done = 0;
    b->t0 = mono_s();
    b->cpu0 = thread_cpu_s();
    b->pcpu0 = process_cpu_s();
  } else if (b->phase == 2 && b->done == b->target) {
    b->wall = mono_s() - b->t0;
    b->cpu = thread_cpu_s() - b->cpu0;
    b->pcpu = process_cpu_s() - b->pcpu0;
    b->phase = 3;
    ocpp_link_close(b->link);
    return;
  }
  send_next(b);
}

static void send_next(bench *b) {
  json_t *p = json_loads(b->payload_text, 0, NULL);
  if (ocpp_link_call(b->link, b->action, p, on_answer, b) != 0) {
    fprintf(stderr, "bench_ocpp: cannot send %s\n", b->action);
    b->failed++;
    b->phase = 3;
    ocpp_link_close(b->link);
  }
}

static void on_connected(void *ctx) {
  bench *b = ctx;
  if (b->phase != 0) return;
  b->phase = 1;
  send_next(b);
}

static void on_disconnected(void *ctx, const char *why) {
  bench *b = ctx;
  if (b->phase != 3) {
    fprintf(stderr, "bench_ocpp: disconnected: %s\n", why);
    b->failed++;
    b->phase = 3;
    ocpp_link_close(b->link);
  }
}

static void no_call(void *ctx, const char *action, const json_t *payload, ocpp_reply *reply) {
  (void)ctx;
  (void)payload;
  reply->error_code = "NotSupported";
  snprintf(reply->error_text, sizeof reply->error_text, "%s", action);
}

static int round_trips(const ocpp_dialect *dialect, const char *action, const char *payload_text) {
  char url[64], err[256];
  snprintf(url, sizeof url, "ws://127.0.0.1:%d/ocpp", atomic_load(&server_port));
  ocpp_transport_config tc = {.url = url,
                              .cp_id = "BENCH1",
                              .security_profile = 0,
                              .basic_password = "",
                              .ca_file = "",
                              .cert_file = "",
                              .key_file = "",
                              .ping_interval_s = 0,
                              .reconnect_min_s = 1,
                              .reconnect_max_s = 2};
  uv_loop_t loop;
  uv_loop_init(&loop);
  bench b = {.loop = &loop, .action = action, .payload_text = payload_text, .target = ROUNDS};
  ocpp_link_events ev = {
      .ctx = &b, .connected = on_connected, .disconnected = on_disconnected, .call = no_call};
  b.link = ocpp_link_new(&loop, &tc, 30, (const ocpp_dialect *const[]){dialect}, 1, NULL, &ev, err,
                         sizeof err);
  if (!b.link) {
    fprintf(stderr, "bench_ocpp: %s\n", err);
    return -1;
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  ocpp_link_free(b.link);
  uv_loop_close(&loop);
  if (b.failed || b.wall <= 0) return -1;
  printf("%-16s %6zu B  %8.0f msg/s  round trip %6.1f us  station CPU %5.1f us/msg  "
         "process CPU %5.1f us/msg (%d round trips)\n",
         action, strlen(payload_text), ROUNDS / b.wall, b.wall / ROUNDS * 1e6, b.cpu / ROUNDS * 1e6,
         b.pcpu / ROUNDS * 1e6, ROUNDS);
  return 0;
}

/* ---------------- the durable queue ---------------- */

static long long file_size(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 ? (long long)st.st_size : 0;
}

static long long db_size(const char *path) {
  char wal[300];
  snprintf(wal, sizeof wal, "%s-wal", path);
  return file_size(path) + file_size(wal);
}

static void checkpoint(store *db) {
  sqlite3_exec(store_sqlite(db), "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
}

static int queue_cost(const char *mv) {
  char dir[] = "/tmp/borne-bench-ocpp-XXXXXX", path[300], err[256];
  if (!mkdtemp(dir)) return -1;
  snprintf(path, sizeof path, "%s/borne.db", dir);
  store *db;
  if (store_open(&db, path, err, sizeof err) != 0) {
    fprintf(stderr, "bench_ocpp: %s\n", err);
    return -1;
  }
  cp_journal *j = cp_journal_open(db, err, sizeof err);
  if (!j) {
    fprintf(stderr, "bench_ocpp: %s\n", err);
    return -1;
  }
  checkpoint(db);
  long long before = db_size(path);
  json_t *p = json_loads(mv, 0, NULL);
  double t = mono_s();
  for (int i = 0; i < QUEUE_N; i++)
    if (v16_journal_push(j, 1 + i / 100, "MeterValues", p, 1000 + i) != 0) return -1;
  double push_s = mono_s() - t;
  json_decref(p);
  checkpoint(db);
  long long after = db_size(path);
  t = mono_s();
  int delivered = 0;
  cp_journal_entry q;
  while (cp_journal_peek(j, INT64_MAX - 1, &q) == 0) {
    json_decref(v16_event_payload(&q, "")); /* what the pump sends */
    free(q.payload);
    cp_journal_sent(j, q.id);
    delivered++;
  }
  double deliver_s = mono_s() - t;
  printf("queue: %d MeterValues of %zu B: %.0f B of database per queued message; push "
         "(durable commit) %.2f ms, delivery (peek + delete) %.2f ms\n",
         QUEUE_N, strlen(mv), (double)(after - before) / QUEUE_N, push_s / QUEUE_N * 1e3,
         deliver_s / (delivered ? delivered : 1) * 1e3);
  cp_journal_free(j);
  store_close(db);
  char cmd[400];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  return system(cmd) == 0 && delivered == QUEUE_N ? 0 : -1;
}

/* A MeterValues.req as the station sends with the default
 * MeterValuesSampledData: energy, power, current and voltage per phase,
 * current offered. */
static const char *meter_values =
    "{\"connectorId\":1,\"transactionId\":123456,\"meterValue\":[{\"timestamp\":"
    "\"2026-01-05T10:00:00.000Z\",\"sampledValue\":["
    "{\"value\":\"12345.6\",\"context\":\"Sample.Periodic\",\"measurand\":"
    "\"Energy.Active.Import.Register\",\"location\":\"Outlet\",\"unit\":\"Wh\"},"
    "{\"value\":\"11040.0\",\"context\":\"Sample.Periodic\",\"measurand\":"
    "\"Power.Active.Import\",\"location\":\"Outlet\",\"unit\":\"W\"},"
    "{\"value\":\"16.0\",\"context\":\"Sample.Periodic\",\"measurand\":\"Current.Import\","
    "\"phase\":\"L1\",\"location\":\"Outlet\",\"unit\":\"A\"},"
    "{\"value\":\"16.0\",\"context\":\"Sample.Periodic\",\"measurand\":\"Current.Import\","
    "\"phase\":\"L2\",\"location\":\"Outlet\",\"unit\":\"A\"},"
    "{\"value\":\"16.0\",\"context\":\"Sample.Periodic\",\"measurand\":\"Current.Import\","
    "\"phase\":\"L3\",\"location\":\"Outlet\",\"unit\":\"A\"},"
    "{\"value\":\"230.1\",\"context\":\"Sample.Periodic\",\"measurand\":\"Voltage\","
    "\"phase\":\"L1-N\",\"location\":\"Outlet\",\"unit\":\"V\"},"
    "{\"value\":\"230.2\",\"context\":\"Sample.Periodic\",\"measurand\":\"Voltage\","
    "\"phase\":\"L2-N\",\"location\":\"Outlet\",\"unit\":\"V\"},"
    "{\"value\":\"230.3\",\"context\":\"Sample.Periodic\",\"measurand\":\"Voltage\","
    "\"phase\":\"L3-N\",\"location\":\"Outlet\",\"unit\":\"V\"},"
    "{\"value\":\"16\",\"context\":\"Sample.Periodic\",\"measurand\":\"Current.Offered\","
    "\"location\":\"Outlet\",\"unit\":\"A\"},"
    "{\"value\":\"31.5\",\"context\":\"Sample.Periodic\",\"measurand\":\"Temperature\","
    "\"location\":\"Body\",\"unit\":\"Celsius\"}]}]}";

/* The 2.0.1 counterpart: a TransactionEvent Updated (MeterValuePeriodic) with
 * 10 sampled values, as many as that MeterValues (2.0.1: numbers, unitOfMeasure;
 * Frequency in place of Temperature, which 2.0.1's measurands lack). */
static const char *transaction_event =
    "{\"eventType\":\"Updated\",\"timestamp\":\"2026-01-05T10:00:00.000Z\",\"triggerReason\":"
    "\"MeterValuePeriodic\",\"seqNo\":7,\"transactionInfo\":{\"transactionId\":"
    "\"b7c1d2e3-0001\",\"chargingState\":\"Charging\"},\"evse\":{\"id\":1,\"connectorId\":1},"
    "\"meterValue\":[{\"timestamp\":\"2026-01-05T10:00:00.000Z\",\"sampledValue\":["
    "{\"value\":12345.6,\"context\":\"Sample.Periodic\",\"measurand\":"
    "\"Energy.Active.Import.Register\",\"location\":\"Outlet\",\"unitOfMeasure\":{\"unit\":\"Wh\"}}"
    ","
    "{\"value\":11040.0,\"context\":\"Sample.Periodic\",\"measurand\":"
    "\"Power.Active.Import\",\"location\":\"Outlet\",\"unitOfMeasure\":{\"unit\":\"W\"}},"
    "{\"value\":16.0,\"context\":\"Sample.Periodic\",\"measurand\":\"Current.Import\","
    "\"phase\":\"L1\",\"location\":\"Outlet\",\"unitOfMeasure\":{\"unit\":\"A\"}},"
    "{\"value\":16.0,\"context\":\"Sample.Periodic\",\"measurand\":\"Current.Import\","
    "\"phase\":\"L2\",\"location\":\"Outlet\",\"unitOfMeasure\":{\"unit\":\"A\"}},"
    "{\"value\":16.0,\"context\":\"Sample.Periodic\",\"measurand\":\"Current.Import\","
    "\"phase\":\"L3\",\"location\":\"Outlet\",\"unitOfMeasure\":{\"unit\":\"A\"}},"
    "{\"value\":230.1,\"context\":\"Sample.Periodic\",\"measurand\":\"Voltage\","
    "\"phase\":\"L1-N\",\"location\":\"Outlet\",\"unitOfMeasure\":{\"unit\":\"V\"}},"
    "{\"value\":230.2,\"context\":\"Sample.Periodic\",\"measurand\":\"Voltage\","
    "\"phase\":\"L2-N\",\"location\":\"Outlet\",\"unitOfMeasure\":{\"unit\":\"V\"}},"
    "{\"value\":230.3,\"context\":\"Sample.Periodic\",\"measurand\":\"Voltage\","
    "\"phase\":\"L3-N\",\"location\":\"Outlet\",\"unitOfMeasure\":{\"unit\":\"V\"}},"
    "{\"value\":16,\"context\":\"Sample.Periodic\",\"measurand\":\"Current.Offered\","
    "\"location\":\"Outlet\",\"unitOfMeasure\":{\"unit\":\"A\"}},"
    "{\"value\":50.01,\"context\":\"Sample.Periodic\",\"measurand\":\"Frequency\","
    "\"location\":\"Outlet\",\"unitOfMeasure\":{\"unit\":\"Hz\"}}]}]}";

int main(void) {
  if (borne_keys_register() != 0) return 1; /* every module's configuration keys */
  log_set_level(LOG_ERROR);
  lws_set_log_level(LLL_ERR, NULL);
  pthread_t th;
  if (server_start(&th) != 0) {
    fprintf(stderr, "bench_ocpp: cannot start the local back end\n");
    return 1;
  }
  int rc = 0;
  printf(
      "OCPP 1.6J, one WebSocket to a local back end (loopback, no TLS), one CALL outstanding:\n");
  rc |= round_trips(&ocpp16_dialect, "Heartbeat", "{}");
  rc |= round_trips(&ocpp16_dialect, "MeterValues", meter_values);
  printf("OCPP 2.0.1, the same (subprotocol ocpp2.0.1, the 2.0.1 validator):\n");
  rc |= round_trips(&ocpp201_dialect, "Heartbeat", "{}");
  rc |= round_trips(&ocpp201_dialect, "TransactionEvent", transaction_event);
  server_stop_join(th);
  rc |= queue_cost(meter_values);
  return rc ? 1 : 0;
}
