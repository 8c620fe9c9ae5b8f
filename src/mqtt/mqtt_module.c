/*
 * The MQTT client on the station's libuv loop: libmosquitto does the
 * protocol, this file drives it without a thread of its own. The broker's
 * socket is watched with a uv_poll (readable always, writable while
 * libmosquitto has bytes to send), a one-second uv_timer runs
 * mosquitto_loop_misc (keep-alive) and catches state changes the hooks did
 * not announce, another timer republishes everything every
 * mqtt.publish_interval_s, and a third one reconnects with back-off.
 *
 * Nothing queues while the broker is away: the latest state of each topic
 * is kept and published again (retained) once connected, so the backlog is
 * one message per topic whatever the outage. Charging never waits on MQTT.
 * Topics, payloads and commands: docs/mqtt.md; the pure part: mqtt_proto.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <mosquitto.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mqtt/mqtt_module.h"
#include "mqtt/mqtt_proto.h"
#include "station/station.h"
#include "config/config.h"
#include "core/errors.h"
#include "core/limits.h"
#include "store/store.h"
#include "util/lazylib.h"
#include "util/log.h"

#define MOD "mqtt"
#define BACKOFF_MIN_MS 1000
#define BACKOFF_MAX_MS 60000
#define KEEPALIVE_S 30
#define DISCOVERY_CAP 256
#define PREFIX_FILE "mqtt-discovery-prefix"

typedef struct {
  station *st;
  struct mosquitto *m;
  uv_poll_t *poll; /* one per socket: a closing handle is freed by its close callback */
  int poll_fd;
  uv_timer_t misc, periodic, retry;
  char host[200];
  int port;
  bool tls;
  char prefix[65], disc[65], old_disc[65], id[128], lang[3];
  bool connected, closing, retry_pending, ever_connected;
  int backoff_ms;
  int n;
  double limit_a[MQTT_MAX_CONNECTORS];
  char *last_conn[MQTT_MAX_CONNECTORS];
  char *last_station;
  unsigned long connects;
  /* The broker's name is resolved with uv_getaddrinfo (libmosquitto's own
   * getaddrinfo would block the loop) and libmosquitto is given the
   * address; `resolving` is the request in flight (its data is set to NULL
   * when the module closes, the callback then only frees it). */
  uv_getaddrinfo_t *resolving;
  bool host_is_ip;
  unsigned addr_rot; /* failed attempts: the next one starts at the next address */
  SSL_CTX *ssl_ctx;  /* mqtts://: checks the certificate against `host`, not the address */
} mqtt_mod;

static void after_io(mqtt_mod *q, int rc);

/* ---------- state ---------- */

static void connector_state(mqtt_mod *q, int c, mqtt_connector_state *s) {
  station_connector_view v;
  station_view(q->st, c, &v);
  const station_connector *sc = &q->st->conn[c - 1];
  memset(s, 0, sizeof *s);
  s->status = connector_status_name(v.status);
  s->cp_state = cp_state_name(v.cp);
  s->power_w = sc->meter_ok ? sc->meter.power_total_w : 0;
  s->energy_wh = sc->meter.energy_import_wh;
  s->has_session = sc->session_id != 0;
  s->session_wh = sc->meter.energy_import_wh - sc->session_start_wh;
  s->offered_a = v.offered_a;
  for (int i = 0; i < 3; i++) s->current_a[i] = sc->meter_ok ? sc->meter.current_a[i] : 0;
  s->limited_by = v.limited_by == LIMIT_COUNT ? NULL : limit_source_name(v.limited_by);
  char key[64];
  snprintf(key, sizeof key, "connector.%d.charge_mode", c);
  const char *mode = config_get(q->st->cfg, key);
  s->charge_mode = mode && mode[0] ? mode : "normal";
  s->enabled = v.operative;
  s->limit_a = q->limit_a[c - 1];
  s->error = v.error == ERR_NONE ? NULL : error_info_of(v.error)->owner_text;
}

static void station_state(mqtt_mod *q, mqtt_station_state *s) {
  const char *url = config_get(q->st->cfg, "ocpp.url");
  s->backend = !url || !url[0] ? "none" : station_offline(q->st) ? "offline" : "online";
  const char *lim = config_get(q->st->cfg, "site.limit_a");
  s->site_limit_a = lim && lim[0] ? config_get_number(q->st->cfg, "site.limit_a") : -1;
  s->connectors = q->n;
  const char *st[MQTT_MAX_CONNECTORS];
  int n = q->n < MQTT_MAX_CONNECTORS ? q->n : MQTT_MAX_CONNECTORS;
  for (int c = 1; c <= n; c++) {
    station_connector_view v;
    station_view(q->st, c, &v);
    st[c - 1] = connector_status_name(v.status);
  }
  s->status = mqtt_station_status(st, n);
}

static void publish(mqtt_mod *q, const char *topic, const char *payload, int qos, bool retain) {
  if (!q->connected) return;
  size_t len = payload ? strlen(payload) : 0;
  int rc = mosquitto_publish(q->m, NULL, topic, (int)len, payload, qos, retain);
  if (rc != MOSQ_ERR_SUCCESS) log_warn(MOD, "publish %s: %s", topic, mosquitto_strerror(rc));
}

/* Publishes every state that changed since it was last published (all of
 * them when `force`); the latest text is kept either way. */
static void publish_states(mqtt_mod *q, bool force) {
  if (q->closing) return;
  char topic[MQTT_TOPIC_MAX], rest[64];
  for (int c = 1; c <= q->n; c++) {
    mqtt_connector_state s;
    connector_state(q, c, &s);
    char *json = mqtt_connector_state_json(&s);
    if (!json) continue;
    bool changed = !q->last_conn[c - 1] || strcmp(q->last_conn[c - 1], json) != 0;
    if (changed || force) {
      snprintf(rest, sizeof rest, "connector/%d/state", c);
      if (mqtt_topic(topic, sizeof topic, q->prefix, q->id, rest) == 0)
        publish(q, topic, json, 0, true);
    }
    free(q->last_conn[c - 1]);
    q->last_conn[c - 1] = json;
  }
  mqtt_station_state ss;
  station_state(q, &ss);
  char *json = mqtt_station_state_json(&ss);
  if (json) {
    if (force || !q->last_station || strcmp(q->last_station, json) != 0)
      if (mqtt_topic(topic, sizeof topic, q->prefix, q->id, "state") == 0)
        publish(q, topic, json, 0, true);
    free(q->last_station);
    q->last_station = json;
  }
  after_io(q, MOSQ_ERR_SUCCESS);
}

/* ---------- discovery ---------- */

static double top_current(mqtt_mod *q) {
  double top = 0;
  for (int c = 1; c <= q->n; c++) {
    station_connector_view v;
    station_view(q->st, c, &v);
    double a = v.limits.active[LIMIT_INSTALLATION] ? v.limits.amps[LIMIT_INSTALLATION] : 32;
    if (a > top) top = a;
  }
  return top > 0 ? top : 32;
}

/* Publishes the entities' configs under `disc`, or empty retained
 * messages there (which remove them from Home Assistant) when `remove`. */
static void discovery(mqtt_mod *q, const char *disc, bool remove) {
  static mqtt_message msgs[DISCOVERY_CAP];
  mqtt_discovery_ctx c = {.discovery_prefix = disc,
                          .prefix = q->prefix,
                          .id = q->id,
                          .language = q->lang,
                          .version = BORNE_VERSION,
                          .connectors = q->n,
                          .max_a = top_current(q)};
  int k = mqtt_discovery_messages(&c, msgs, DISCOVERY_CAP);
  if (k < 0) {
    log_warn(MOD, "discovery: topics too long, nothing published");
    return;
  }
  for (int i = 0; i < k; i++) publish(q, msgs[i].topic, remove ? NULL : msgs[i].payload, 1, true);
  mqtt_messages_free(msgs, k);
  log_info(MOD, "discovery: %d entities %s under %s/", k, remove ? "removed" : "published", disc);
}

/* ---------- commands ---------- */

/* A run-time setting changed as PUT /api/v1/settings would: checked,
 * stored, applied, recorded; "" unsets it. */
static int set_key(mqtt_mod *q, const char *key, const char *text, char *err, size_t errlen) {
  if (config_settable_remotely(key, err, errlen) != 0 ||
      config_validate(key, text, err, errlen) != 0)
    return -1;
  station *st = q->st;
  if (config_set(st->cfg, key, text, err, errlen) != 0) return -1;
  int rc = text[0] ? store_setting_put(st->db, key, text) : store_setting_delete(st->db, key);
  if (rc != 0) {
    snprintf(err, errlen, "cannot save %s: %s", key, store_last_error(st->db));
    return -1;
  }
  station_apply_setting(st, key);
  station_event(st, 0, "setting", "%s=%s (mqtt)", key, text[0] ? text : "(unset)");
  return 0;
}

static int set_site_limit(mqtt_mod *q, double amps, char *err, size_t errlen) {
  char text[32] = "";
  if (amps >= 0) snprintf(text, sizeof text, "%.10g", amps);
  return set_key(q, "site.limit_a", text, err, errlen);
}

/* The current limits set over MQTT outlive a restart: one row per limited
 * connector in the module's own table (store_module_migrate). */
static const char *const limit_steps[] = {
    "CREATE TABLE mqtt_limit (connector INTEGER PRIMARY KEY, amps REAL NOT NULL)",
};

static int save_limit(mqtt_mod *q, int c, double amps, char *err, size_t errlen) {
  store *db = q->st->db;
  sqlite3_stmt *s = store_stmt(
      db, amps < 0 ? "DELETE FROM mqtt_limit WHERE connector = ?1"
                   : "INSERT OR REPLACE INTO mqtt_limit (connector, amps) VALUES (?1, ?2)");
  int rc = SQLITE_ERROR;
  if (s) {
    sqlite3_bind_int(s, 1, c);
    if (amps >= 0) sqlite3_bind_double(s, 2, amps);
    rc = sqlite3_step(s);
    store_stmt_release(db, s);
  }
  if (rc != SQLITE_DONE) {
    snprintf(err, errlen, "cannot save the limit: %s",
             s ? sqlite3_errmsg(store_sqlite(db)) : store_last_error(db));
    return -1;
  }
  return 0;
}

/* The saved limits, applied at start. */
static int load_limits(mqtt_mod *q, char *err, size_t errlen) {
  store *db = q->st->db;
  if (store_module_migrate(db, "mqtt", limit_steps,
                           (int)(sizeof limit_steps / sizeof limit_steps[0])) != 0) {
    snprintf(err, errlen, "mqtt: %s", store_last_error(db));
    return -1;
  }
  sqlite3_stmt *s = store_stmt(db, "SELECT connector, amps FROM mqtt_limit ORDER BY connector");
  if (!s) {
    snprintf(err, errlen, "mqtt: %s", store_last_error(db));
    return -1;
  }
  while (sqlite3_step(s) == SQLITE_ROW) {
    int c = sqlite3_column_int(s, 0);
    double amps = sqlite3_column_double(s, 1);
    if (c < 1 || c > q->n || !(amps >= 0)) continue; /* a connector no longer there */
    q->limit_a[c - 1] = amps;
    station_set_limit(q->st, c, LIMIT_MQTT, amps);
    log_info(MOD, "connector %d: current limit %.1f A set over MQTT before the restart", c, amps);
  }
  store_stmt_release(db, s);
  return 0;
}

static int execute(mqtt_mod *q, const mqtt_command *cmd, char *err, size_t errlen) {
  station *st = q->st;
  int c = cmd->connector;
  switch (cmd->kind) {
  case MQTT_CMD_CURRENT_LIMIT:
    if (save_limit(q, c, cmd->amps, err, errlen) != 0) return -1;
    q->limit_a[c - 1] = cmd->amps;
    station_set_limit(st, c, LIMIT_MQTT, cmd->amps);
    return 0;
  case MQTT_CMD_CHARGE_MODE: {
    char key[64];
    snprintf(key, sizeof key, "connector.%d.charge_mode", c);
    return set_key(q, key, cmd->text, err, errlen);
  }
  case MQTT_CMD_START:
    return station_remote_start(st, c, cmd->text[0] ? cmd->text : NULL, err, errlen);
  case MQTT_CMD_STOP:
    return station_remote_stop(st, c, err, errlen);
  case MQTT_CMD_ENABLED:
    station_set_available(st, c, cmd->on);
    return 0;
  case MQTT_CMD_SITE_LIMIT:
    return set_site_limit(q, cmd->amps, err, errlen);
  }
  snprintf(err, errlen, "unknown command");
  return -1;
}

static void on_message(struct mosquitto *m, void *ctx, const struct mosquitto_message *msg) {
  (void)m;
  mqtt_mod *q = ctx;
  if (q->closing || msg->retain) return; /* a retained command is an old one: not replayed */
  mqtt_command cmd;
  char err[200] = "";
  int rc =
      mqtt_command_parse(q->prefix, q->id, q->n, msg->topic, msg->payload,
                         msg->payloadlen > 0 ? (size_t)msg->payloadlen : 0, &cmd, err, sizeof err);
  if (rc == 1) return;
  bool ok = rc == 0 && execute(q, &cmd, err, sizeof err) == 0;
  if (ok)
    log_info(MOD, "command %s accepted", msg->topic);
  else
    log_warn(MOD, "command %s refused: %s", msg->topic, err);
  station_event(q->st, cmd.connector, "mqtt", "%s %s%s%s", cmd.name[0] ? cmd.name : "command",
                ok ? "accepted" : "refused: ", ok ? "" : err, "");
  char topic[MQTT_TOPIC_MAX];
  char *json = mqtt_result_json(msg->topic, &cmd, ok, err);
  if (json && mqtt_topic(topic, sizeof topic, q->prefix, q->id, "result") == 0)
    publish(q, topic, json, 1, false);
  free(json);
  publish_states(q, false);
}

/* ---------- connection ---------- */

static void on_connect(struct mosquitto *m, void *ctx, int rc) {
  mqtt_mod *q = ctx;
  if (rc != 0) {
    log_warn(MOD, "broker %s:%d refused the connection: %s", q->host, q->port,
             mosquitto_connack_string(rc));
    return; /* the broker closes: after_io schedules the retry */
  }
  q->connected = true;
  q->ever_connected = true;
  q->connects++;
  q->backoff_ms = BACKOFF_MIN_MS;
  log_info(MOD, "connected to %s:%d", q->host, q->port);
  char topic[MQTT_TOPIC_MAX];
  if (mqtt_topic(topic, sizeof topic, q->prefix, q->id, "connector/+/set/+") == 0)
    mosquitto_subscribe(m, NULL, topic, 1);
  if (mqtt_topic(topic, sizeof topic, q->prefix, q->id, "set/+") == 0)
    mosquitto_subscribe(m, NULL, topic, 1);
  if (mqtt_topic(topic, sizeof topic, q->prefix, q->id, "availability") == 0)
    publish(q, topic, "online", 1, true);
  if (q->old_disc[0] && strcmp(q->old_disc, q->disc) != 0) discovery(q, q->old_disc, true);
  if (q->disc[0]) discovery(q, q->disc, false);
  publish_states(q, true);
}

/* libmosquitto's own errors (a TLS failure's reason, say), at debug level */
static void on_log(struct mosquitto *m, void *ctx, int level, const char *text) {
  (void)m, (void)ctx;
  if (level & (MOSQ_LOG_ERR | MOSQ_LOG_WARNING)) log_debug(MOD, "libmosquitto: %s", text);
}

static void on_disconnect(struct mosquitto *m, void *ctx, int rc) {
  (void)m;
  mqtt_mod *q = ctx;
  if (q->connected && !q->closing)
    log_warn(MOD, "connection to %s:%d lost (%s)", q->host, q->port, mosquitto_strerror(rc));
  q->connected = false;
}

static void on_poll_closed(uv_handle_t *h) { free(h); }

static void stop_poll(mqtt_mod *q) {
  if (!q->poll) return;
  uv_close((uv_handle_t *)q->poll, on_poll_closed);
  q->poll = NULL;
}

static void on_poll(uv_poll_t *h, int status, int events) {
  mqtt_mod *q = h->data;
  int rc = MOSQ_ERR_SUCCESS;
  if (status < 0) {
    /* an error on the socket: let libmosquitto read it and close */
    events = UV_READABLE;
  }
  if (events & UV_READABLE) rc = mosquitto_loop_read(q->m, 1);
  if (rc == MOSQ_ERR_SUCCESS && (events & UV_WRITABLE)) rc = mosquitto_loop_write(q->m, 1);
  after_io(q, rc);
}

static void on_retry(uv_timer_t *t);

static void retry_in(mqtt_mod *q, int ms) {
  if (q->closing || q->retry_pending) return;
  q->retry_pending = true;
  uv_timer_start(&q->retry, on_retry, (uint64_t)ms, 0);
}

/* After every call into libmosquitto: watch the socket it has now, or plan
 * the next attempt when it has none. */
static void after_io(mqtt_mod *q, int rc) {
  int fd = mosquitto_socket(q->m);
  if (rc != MOSQ_ERR_SUCCESS && fd >= 0) {
    mosquitto_disconnect(q->m); /* closes the socket */
    fd = mosquitto_socket(q->m);
  }
  if (fd < 0) {
    q->connected = false;
    stop_poll(q);
    if (q->resolving) return; /* the name is being resolved: its callback connects */
    q->addr_rot++;            /* the next attempt starts at the name's next address */
    if (!q->closing && !q->retry_pending) {
      log_info(MOD, "broker %s:%d unreachable, next try in %d s", q->host, q->port,
               q->backoff_ms / 1000);
      retry_in(q, q->backoff_ms);
      q->backoff_ms = q->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : q->backoff_ms * 2;
    }
    return;
  }
  if (q->poll && q->poll_fd != fd) stop_poll(q);
  if (!q->poll) {
    q->poll = malloc(sizeof *q->poll);
    if (!q->poll || uv_poll_init_socket(q->st->loop, q->poll, fd) != 0) {
      free(q->poll);
      q->poll = NULL;
      log_error(MOD, "cannot watch the broker's socket");
      return;
    }
    q->poll->data = q;
    q->poll_fd = fd;
  }
  uv_poll_start(q->poll, UV_READABLE | (mosquitto_want_write(q->m) ? UV_WRITABLE : 0), on_poll);
}

/* A connection to one numeric address: libmosquitto then resolves
 * nothing (getaddrinfo of a literal does not ask the DNS). */
static int connect_to(mqtt_mod *q, const char *addr) {
  int rc = mosquitto_connect_async(q->m, addr, q->port, KEEPALIVE_S);
  if (rc == MOSQ_ERR_CONN_PENDING) rc = MOSQ_ERR_SUCCESS;
  if (rc != MOSQ_ERR_SUCCESS)
    log_debug(MOD, "connect %s (%s):%d: %s", q->host, addr, q->port,
              rc == MOSQ_ERR_ERRNO ? strerror(errno) : mosquitto_strerror(rc));
  return rc;
}

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res) {
  mqtt_mod *q = req->data;
  free(req);
  if (!q) { /* the module closed meanwhile */
    if (res) uv_freeaddrinfo(res);
    return;
  }
  q->resolving = NULL;
  if (status < 0) {
    log_warn(MOD, "broker %s: cannot resolve the name: %s", q->host, uv_strerror(status));
    after_io(q, MOSQ_ERR_SUCCESS); /* no socket: the next try after the back-off */
    return;
  }
  unsigned n = 0;
  for (struct addrinfo *a = res; a; a = a->ai_next) n++;
  int rc = MOSQ_ERR_UNKNOWN;
  /* the first address that does not fail at once, from the one after the
   * last failure on (a name with an IPv6 and an IPv4 address, say) */
  for (unsigned k = 0; k < n && rc != MOSQ_ERR_SUCCESS; k++) {
    struct addrinfo *a = res;
    for (unsigned j = (q->addr_rot + k) % n; j > 0; j--) a = a->ai_next;
    char addr[INET6_ADDRSTRLEN] = "";
    if (a->ai_family == AF_INET)
      uv_ip4_name((const struct sockaddr_in *)a->ai_addr, addr, sizeof addr);
    else if (a->ai_family == AF_INET6)
      uv_ip6_name((const struct sockaddr_in6 *)a->ai_addr, addr, sizeof addr);
    if (addr[0]) rc = connect_to(q, addr);
  }
  uv_freeaddrinfo(res);
  after_io(q, rc);
}

static void connect_now(mqtt_mod *q) {
  if (q->host_is_ip) {
    after_io(q, connect_to(q, q->host));
    return;
  }
  if (q->resolving) return;
  uv_getaddrinfo_t *req = malloc(sizeof *req);
  struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
  if (!req) {
    after_io(q, MOSQ_ERR_NOMEM);
    return;
  }
  req->data = q;
  int rc = uv_getaddrinfo(q->st->loop, req, on_resolved, q->host, NULL, &hints);
  if (rc != 0) {
    free(req);
    log_warn(MOD, "broker %s: cannot resolve the name: %s", q->host, uv_strerror(rc));
    after_io(q, MOSQ_ERR_SUCCESS);
    return;
  }
  q->resolving = req;
}

static void on_retry(uv_timer_t *t) {
  mqtt_mod *q = t->data;
  q->retry_pending = false;
  if (q->closing) return;
  connect_now(q);
}

static void on_misc(uv_timer_t *t) {
  mqtt_mod *q = t->data;
  if (q->poll) {
    int rc = mosquitto_loop_misc(q->m);
    after_io(q, rc == MOSQ_ERR_NO_CONN ? MOSQ_ERR_SUCCESS : rc);
  }
  publish_states(q, false);
}

static void on_periodic(uv_timer_t *t) { publish_states(t->data, true); }

/* ---------- station hooks ---------- */

static void hook_changed(void *ctx, int c, connector_status s, error_code e) {
  (void)c, (void)s, (void)e;
  publish_states(ctx, false);
}
static void hook_meter(void *ctx, int c, const meter_reading *r) {
  (void)c, (void)r;
  publish_states(ctx, false);
}
static void hook_session(void *ctx, int c, const station_session_info *s) {
  (void)c, (void)s;
  publish_states(ctx, false);
}
static void hook_setting(void *ctx, const char *key) {
  (void)key;
  publish_states(ctx, false);
}

static void hook_closing(void *ctx) {
  mqtt_mod *q = ctx;
  char topic[MQTT_TOPIC_MAX];
  /* a clean goodbye: offline now, not only when the broker notices */
  if (q->connected && mqtt_topic(topic, sizeof topic, q->prefix, q->id, "availability") == 0)
    publish(q, topic, "offline", 1, true);
  q->closing = true;
  if (q->resolving) {
    q->resolving->data = NULL; /* its callback frees it */
    uv_cancel((uv_req_t *)q->resolving);
    q->resolving = NULL;
  }
  if (mosquitto_socket(q->m) >= 0) mosquitto_disconnect(q->m);
  q->connected = false;
  stop_poll(q);
  uv_close((uv_handle_t *)&q->misc, NULL);
  uv_close((uv_handle_t *)&q->periodic, NULL);
  uv_close((uv_handle_t *)&q->retry, NULL);
}

static void hook_free(void *ctx) {
  mqtt_mod *q = ctx;
  mosquitto_destroy(q->m);
  mosquitto_lib_cleanup();
  SSL_CTX_free(q->ssl_ctx);
  for (int i = 0; i < MQTT_MAX_CONNECTORS; i++) free(q->last_conn[i]);
  free(q->last_station);
  free(q);
}

/* ---------- attach ---------- */

static int parse_url(mqtt_mod *q, const char *url, char *err, size_t errlen) {
  q->tls = strncmp(url, "mqtts://", 8) == 0;
  const char *h = url + (q->tls ? 8 : 7);
  snprintf(q->host, sizeof q->host, "%s", h);
  q->port = q->tls ? 8883 : 1883;
  char *colon = strrchr(q->host, ':');
  if (colon && !strchr(q->host, ']')) {
    char *end;
    long p = strtol(colon + 1, &end, 10);
    if (end == colon + 1 || *end || p < 1 || p > 65535) {
      snprintf(err, errlen, "mqtt.url: bad port in `%s`", url);
      return -1;
    }
    q->port = (int)p;
    *colon = 0;
  }
  return 0;
}

/* Sets the broker's name as the TLS server name (SNI) just before the
 * handshake: libmosquitto sets the address it was given. */
static void tls_info(const SSL *ssl, int where, int ret) {
  (void)ret;
  if (!(where & SSL_CB_HANDSHAKE_START)) return;
  const mqtt_mod *q = SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));
  if (q && !q->host_is_ip) SSL_set_tlsext_host_name((SSL *)ssl, q->host);
}

/* mqtts:// to a resolved address: libmosquitto checks the broker's
 * certificate against the host it is given (the address), so borne gives
 * it a TLS context of its own, complete (MOSQ_OPT_SSL_CTX without
 * libmosquitto's defaults): the CA (mqtt.ca_file, else the system's), the
 * client certificate, the peer verification, and OpenSSL's check of the
 * name of mqtt.url (X509_VERIFY_PARAM_set1_host, _ip_asc for an address). */
static int tls_context(mqtt_mod *q, const char *ca, const char *cert, const char *key, char *err,
                       size_t errlen) {
  SSL_CTX *x = q->ssl_ctx = SSL_CTX_new(TLS_client_method());
  const char *what = "cannot make a TLS context";
  if (!x) goto fail;
  SSL_CTX_set_min_proto_version(x, TLS1_2_VERSION);
  what = ca ? "cannot load mqtt.ca_file" : "cannot load /etc/ssl/certs";
  if (SSL_CTX_load_verify_locations(x, ca, ca ? NULL : "/etc/ssl/certs") != 1) goto fail;
  what = "cannot load mqtt.client_cert";
  if (cert && SSL_CTX_use_certificate_chain_file(x, cert) != 1) goto fail;
  what = "cannot load mqtt.client_key, or it is not the certificate's";
  if (key && (SSL_CTX_use_PrivateKey_file(x, key, SSL_FILETYPE_PEM) != 1 ||
              SSL_CTX_check_private_key(x) != 1))
    goto fail;
  SSL_CTX_set_verify(x, SSL_VERIFY_PEER, NULL);
  X509_VERIFY_PARAM *p = SSL_CTX_get0_param(x);
  X509_VERIFY_PARAM_set_hostflags(p, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  what = "bad broker name";
  if ((q->host_is_ip ? X509_VERIFY_PARAM_set1_ip_asc(p, q->host)
                     : X509_VERIFY_PARAM_set1_host(p, q->host, 0)) != 1)
    goto fail;
  SSL_CTX_set_app_data(x, q);
  SSL_CTX_set_info_callback(x, tls_info);
  if (mosquitto_void_option(q->m, MOSQ_OPT_SSL_CTX, x) != MOSQ_ERR_SUCCESS ||
      mosquitto_int_option(q->m, MOSQ_OPT_SSL_CTX_WITH_DEFAULTS, 0) != MOSQ_ERR_SUCCESS) {
    snprintf(err, errlen, "mqtt: libmosquitto takes no TLS context");
    return -1;
  }
  return 0;
fail:
  snprintf(err, errlen, "mqtt: %s: %s", what, ERR_reason_error_string(ERR_get_error()));
  return -1;
}

/* The discovery prefix the last run published under, kept in the data
 * directory so that turning discovery off (or moving it) removes the
 * entities it made. Read and written once, at start. */
static void remember_prefix(mqtt_mod *q) {
  char path[600];
  snprintf(path, sizeof path, "%s/%s", q->st->data_dir, PREFIX_FILE);
  FILE *f = fopen(path, "r");
  if (f) {
    if (fgets(q->old_disc, sizeof q->old_disc, f)) q->old_disc[strcspn(q->old_disc, "\n")] = 0;
    fclose(f);
  }
  if (!q->disc[0]) {
    /* nothing known: the default prefix is where a former run most likely published */
    if (!f) snprintf(q->old_disc, sizeof q->old_disc, "homeassistant");
    unlink(path);
    return;
  }
  f = fopen(path, "w");
  if (f) {
    fprintf(f, "%s\n", q->disc);
    fclose(f);
  }
}

int mqtt_attach(station *st, char *err, size_t errlen) {
  const config *cfg = st->cfg;
  const char *url = config_get(cfg, "mqtt.url");
  if (!url || !url[0]) return 0;
  const char *cert = config_get(cfg, "mqtt.client_cert");
  const char *key = config_get(cfg, "mqtt.client_key");
  if ((cert && cert[0]) != (key && key[0])) {
    snprintf(err, errlen, "mqtt.client_cert and mqtt.client_key: set both or neither");
    return -1;
  }
  mqtt_mod *q = calloc(1, sizeof *q);
  if (!q) {
    snprintf(err, errlen, "mqtt: out of memory");
    return -1;
  }
  q->st = st;
  if (parse_url(q, url, err, errlen) != 0) {
    free(q);
    return -1;
  }
  unsigned char ip[sizeof(struct in6_addr)];
  q->host_is_ip = inet_pton(AF_INET, q->host, ip) == 1 || inet_pton(AF_INET6, q->host, ip) == 1;
  snprintf(q->prefix, sizeof q->prefix, "%s", config_get(cfg, "mqtt.topic_prefix"));
  const char *disc = config_get(cfg, "mqtt.discovery_prefix");
  snprintf(q->disc, sizeof q->disc, "%s", disc ? disc : "");
  snprintf(q->id, sizeof q->id, "%s", config_get(cfg, "station.id"));
  snprintf(q->lang, sizeof q->lang, "%s", config_get(cfg, "mqtt.language"));
  q->n = station_connector_count(st);
  if (q->n > MQTT_MAX_CONNECTORS) q->n = MQTT_MAX_CONNECTORS;
  for (int i = 0; i < MQTT_MAX_CONNECTORS; i++) q->limit_a[i] = -1;
  q->backoff_ms = BACKOFF_MIN_MS;

  char why[400];
  if (!lazylib_load(&lazy_mosquitto, why, sizeof why)) { /* util/lazylib.h */
    snprintf(err, errlen, "mqtt: %s", why);
    free(q);
    return -1;
  }
  mosquitto_lib_init();
  char client_id[160];
  snprintf(client_id, sizeof client_id, "borne-%s", q->id);
  q->m = mosquitto_new(client_id, true, q);
  if (!q->m) {
    snprintf(err, errlen, "mqtt: cannot make a client: %s", strerror(errno));
    mosquitto_lib_cleanup();
    free(q);
    return -1;
  }
  mosquitto_int_option(q->m, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
  mosquitto_connect_callback_set(q->m, on_connect);
  mosquitto_disconnect_callback_set(q->m, on_disconnect);
  mosquitto_log_callback_set(q->m, on_log);
  mosquitto_message_callback_set(q->m, on_message);
  const char *user = config_get(cfg, "mqtt.username");
  const char *pass = config_get(cfg, "mqtt.password");
  int rc = MOSQ_ERR_SUCCESS;
  if (user && user[0]) rc = mosquitto_username_pw_set(q->m, user, pass && pass[0] ? pass : NULL);
  char will[MQTT_TOPIC_MAX];
  if (rc == MOSQ_ERR_SUCCESS && mqtt_topic(will, sizeof will, q->prefix, q->id, "availability"))
    rc = MOSQ_ERR_INVAL;
  if (rc == MOSQ_ERR_SUCCESS) rc = mosquitto_will_set(q->m, will, 7, "offline", 1, true);
  if (rc == MOSQ_ERR_SUCCESS && q->tls) {
    const char *ca = config_get(cfg, "mqtt.ca_file");
    bool has_ca = ca && ca[0];
    if (tls_context(q, has_ca ? ca : NULL, cert && cert[0] ? cert : NULL,
                    key && key[0] ? key : NULL, err, errlen) != 0)
      rc = MOSQ_ERR_TLS;
  } else if (rc != MOSQ_ERR_SUCCESS)
    snprintf(err, errlen, "mqtt: %s",
             rc == MOSQ_ERR_ERRNO ? strerror(errno) : mosquitto_strerror(rc));
  if (rc == MOSQ_ERR_SUCCESS && load_limits(q, err, errlen) != 0) rc = MOSQ_ERR_UNKNOWN;
  if (rc != MOSQ_ERR_SUCCESS) {
    mosquitto_destroy(q->m);
    SSL_CTX_free(q->ssl_ctx);
    mosquitto_lib_cleanup();
    free(q);
    return -1;
  }
  station_module mod = {.name = "mqtt",
                        .ctx = q,
                        .session_started = hook_session,
                        .session_stopped = hook_session,
                        .status_changed = hook_changed,
                        .meter_read = hook_meter,
                        .setting_changed = hook_setting,
                        .closing = hook_closing,
                        .free = hook_free};
  if (station_add_module(st, &mod) != 0) {
    snprintf(err, errlen, "mqtt: too many station modules");
    mosquitto_destroy(q->m);
    SSL_CTX_free(q->ssl_ctx);
    mosquitto_lib_cleanup();
    free(q);
    return -1;
  }
  /* From here on the module's hooks close and free q. */
  remember_prefix(q);
  uv_timer_init(st->loop, &q->misc);
  uv_timer_init(st->loop, &q->periodic);
  uv_timer_init(st->loop, &q->retry);
  q->misc.data = q->periodic.data = q->retry.data = q;
  uv_timer_start(&q->misc, on_misc, 1000, 1000);
  uint64_t every = (uint64_t)config_get_int(cfg, "mqtt.publish_interval_s") * 1000;
  uv_timer_start(&q->periodic, on_periodic, every, every);
  log_info(MOD, "broker %s:%d (%s), topics %s/%s/", q->host, q->port, q->tls ? "TLS" : "plain",
           q->prefix, q->id);
  connect_now(q);
  return 0;
}
