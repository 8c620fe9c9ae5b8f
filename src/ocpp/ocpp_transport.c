/*
 * OCPP WebSocket client over libwebsockets 4.1 on a foreign libuv loop (see
 * ocpp_transport.h).
 *
 * One lws context for the transport's life and one vhost per configuration
 * ("generation"): the TLS settings of an lws client live in its vhost, so a
 * new URL, CA or client certificate gets a fresh vhost and the old one is
 * destroyed. The context itself is torn down at close the way
 * src/http/http_server.c explains (first lws_context_destroy(), then, once
 * lws's own handles are closed, the second call). Callbacks from a vhost
 * that is being destroyed, or from a connection that was replaced, are
 * ignored.
 *
 * TLS failures: lws reports a refused certificate or a failed handshake as
 * "SSL err 1: error:00000001:lib(0)::reason(1)". What OpenSSL said is caught
 * on the way instead, by an OpenSSL info callback on the vhost's client
 * SSL_CTX (set when lws makes it, LWS_CALLBACK_OPENSSL_LOAD_EXTRA_CLIENT_
 * VERIFY_CERTS): at the fatal alert either side sends, the certificate's
 * verify result, OpenSSL's error and the alert; last_error says it in words
 * (util/tls_reason.h). lws's own LWS_CALLBACK_SSL_INFO cannot be used: lws
 * 4.1.6 reads the client SSL_CTX's private data as its context and crashes.
 *
 * Dead connections: lws's validity timer (retry_and_idle_policy) sends a
 * PING after `ping_interval_s` without a valid frame and hangs up after two
 * intervals; the hang-up is reported like any other loss and a new
 * connection is scheduled.
 */
#include "ocpp/ocpp_transport.h"

#include <libwebsockets.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/clock.h"
#include "util/fd_quarantine.h"
#include "util/log.h"
#include "util/tls_reason.h"

#define MOD "ocpp"
#define RX_MAX (4u * 1024u * 1024u) /* a larger message is refused */
#define FLUSH_MAX_MS 2000 /* a reconfiguration waits at most this for the queue to go out */

typedef struct frame {
  struct frame *next;
  size_t len;
  unsigned char buf[]; /* LWS_PRE bytes, then the text */
} frame;

typedef struct generation {
  struct ocpp_transport *t;
  struct lws_vhost *vh;
  char name[24]; /* vhost names stay distinct while an old one is dying */
  bool dying;
} generation;

struct ocpp_transport {
  fd_quarantine fdq; /* the context's teardown (util/fd_quarantine.h) */
  uv_loop_t *loop;
  struct lws_context *ctx;
  uv_idle_t reaper;
  ocpp_transport_events ev;
  /* configuration (owned copies) */
  char *url, *cp_id, *subprotocol, *password, *ca_file, *cert_file, *key_file;
  int profile, ping_s, min_s, max_s;
  /* parsed target */
  char host[256], path[1024], basic[400];
  int port;
  bool tls;
  lws_retry_bo_t validity;

  generation *gen;
  struct lws *wsi;
  uintptr_t serial; /* of the current connection attempt (lws opaque user data) */
  frame *out_head, *out_tail;
  unsigned char *rx;
  size_t rx_len, rx_cap;
  bool rx_overflow;

  uv_timer_t retry_timer;
  unsigned attempt;
  ocpp_link_status st;
  bool no_subprotocol;   /* the server's answer named none of the offered versions */
  int64_t last_alive_ms; /* last pong (frames count too: st.last_rx_ms) */
  /* what OpenSSL said during the current attempt's handshake */
  long tls_verify; /* X509_V_ERR_* of the server's certificate, 0 none */
  char tls_verify_text[96];
  int tls_alert; /* fatal alert, -1 none */
  bool tls_alert_sent;
  char tls_alert_text[80];
  int tls_error; /* SSL_R_*, -1 another library's error, 0 none */
  char tls_error_text[120];
  /* a new configuration waits for the connection to write what is queued
   * (the answer to the CALL that changed it): restart once the queue is
   * empty, or at the latest when restart_timer fires */
  bool restart_after_flush;
  uv_timer_t restart_timer;
  bool closing;
  int open; /* our handles and generations still alive */
};

static void set_state(ocpp_transport *t, ocpp_link_state s) {
  if (t->st.state == s) return;
  t->st.state = s;
  t->st.since_ms = clock_wall_ms();
}

static void set_error(ocpp_transport *t, const char *fmt, const char *detail) {
  snprintf(t->st.last_error, sizeof t->st.last_error, fmt, detail ? detail : "");
}

static void drop_frames(ocpp_transport *t) {
  while (t->out_head) {
    frame *f = t->out_head;
    t->out_head = f->next;
    free(f);
  }
  t->out_tail = NULL;
}

static void release(ocpp_transport *t) {
  if (--t->open > 0) return;
  drop_frames(t);
  free(t->rx);
  char *owned[] = {t->url,     t->cp_id,     t->subprotocol, t->password,
                   t->ca_file, t->cert_file, t->key_file};
  for (size_t i = 0; i < sizeof owned / sizeof owned[0]; i++) free(owned[i]);
  free(t);
}

/* ---------- the lws context and its generations (vhosts) ---------- */

static void count_ctx_handles(uv_handle_t *h, void *arg) {
  void **a = arg;
  if (h->data == a[0]) a[1] = (char *)a[1] + 1;
}

static void reaper_closed(uv_handle_t *h) { release(h->data); }
static void timer_closed(uv_handle_t *h) { release(h->data); }

/* Second half of the context teardown (see src/http/http_server.c): once
 * lws's own handles are closed, the second lws_context_destroy() frees it. */
static void reaper_cb(uv_idle_t *idle) {
  ocpp_transport *t = idle->data;
  void *arg[2] = {t->ctx, NULL};
  uv_walk(t->loop, count_ctx_handles, arg);
  if (arg[1]) return; /* lws's own handles are still closing */
  lws_context_destroy(t->ctx);
  fd_quarantine_end(&t->fdq); /* lws closed its event fd a second time, a placeholder */
  t->ctx = NULL;
  uv_idle_stop(idle);
  uv_close((uv_handle_t *)idle, reaper_closed);
}

static void context_end(ocpp_transport *t) {
  if (!t->ctx) return;
  fd_quarantine_begin(&t->fdq);
  lws_context_destroy(t->ctx); /* first call: closes the connections and lws's handles */
  fd_quarantine_hold(&t->fdq); /* util/fd_quarantine.h: lws closes its event fd twice */
  uv_idle_init(t->loop, &t->reaper);
  t->reaper.data = t;
  t->open++;
  uv_idle_start(&t->reaper, reaper_cb);
}

/* lws calls this just before it frees a destroyed vhost (or at context end) */
static void generation_finalized(struct lws_vhost *vh, void *arg) {
  (void)vh;
  generation *g = arg;
  ocpp_transport *t = g->t;
  free(g);
  release(t);
}

static void generation_end(generation *g) {
  if (!g || g->dying) return;
  g->dying = true;
  if (!g->t->closing) lws_vhost_destroy(g->vh); /* at close the context takes it */
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len);

static const struct lws_protocols protocols[] = {
    {"borne-ocpp", callback, 0, 0, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

static void lws_log_to_ours(int level, const char *line) {
  char text[300];
  snprintf(text, sizeof text, "%s", line);
  size_t n = strlen(text);
  while (n && (text[n - 1] == '\n' || text[n - 1] == '\r')) text[--n] = 0;
  if (level & LLL_ERR)
    log_warn("lws", "%s", text);
  else
    log_debug("lws", "%s", text);
}

/* One lws context for the transport's life; vhosts are created in it. (lws
 * 4.1 closes another context's /dev/urandom descriptor when a context is
 * destroyed while a second one lives, so contexts are never replaced.) */
static int context_new(ocpp_transport *t) {
  struct lws_context_creation_info info;
  memset(&info, 0, sizeof info);
  void *loops[1] = {t->loop};
  info.port = CONTEXT_PORT_NO_LISTEN;
  info.foreign_loops = loops;
  info.options = LWS_SERVER_OPTION_LIBUV | LWS_SERVER_OPTION_EXPLICIT_VHOSTS |
                 LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
  /* One connection at a time (two while a new vhost replaces an old one),
   * lws's event pipe and a spare: left 0 lws sizes its poll table and fd map
   * by the process's file limit (320 kB for ulimit -n 20000; issue 15). */
  info.fd_limit_per_thread = 8;
  lws_set_log_level(LLL_ERR | LLL_WARN, lws_log_to_ours);
  t->ctx = lws_create_context(&info);
  return t->ctx ? 0 : -1;
}

/* A generation is a vhost: the TLS settings of lws clients live there, so a
 * new URL, CA or client certificate gets a fresh vhost and the old one is
 * destroyed with its connection. */
static generation *generation_new(ocpp_transport *t) {
  generation *g = calloc(1, sizeof *g);
  if (!g) return NULL;
  g->t = t;
  struct lws_context_creation_info info;
  memset(&info, 0, sizeof info);
  info.port = CONTEXT_PORT_NO_LISTEN;
  info.protocols = protocols;
  info.user = g;
  /* process-wide only so that vhost names (seen in lws logs) never repeat */
  static unsigned generations;
  snprintf(g->name, sizeof g->name, "ocpp-%u", ++generations);
  info.vhost_name = g->name;
  info.finalize = generation_finalized;
  info.finalize_arg = g;
  if (t->tls) {
    info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    if (t->ca_file && t->ca_file[0]) {
      info.client_ssl_ca_filepath = t->ca_file;
      info.options |= LWS_SERVER_OPTION_DISABLE_OS_CA_CERTS;
    }
    if (t->profile >= 3) {
      info.client_ssl_cert_filepath = t->cert_file;
      info.client_ssl_private_key_filepath = t->key_file;
    }
  }
  info.timeout_secs = 20; /* connect and handshake */
  g->vh = lws_create_vhost(t->ctx, &info);
  if (!g->vh) {
    free(g);
    return NULL;
  }
  t->open++;
  return g;
}

/* ---------- connecting ---------- */

static void retry_cb(uv_timer_t *timer);

static void schedule_retry(ocpp_transport *t) {
  if (t->closing || t->st.state == OCPP_LINK_DISABLED) return;
  set_state(t, OCPP_LINK_WAITING);
  /* exponential back-off from min to max, plus up to 50 % random jitter so
   * that a fleet restarted by a power cut does not reconnect in step */
  double delay = t->min_s > 0 ? t->min_s : 1;
  for (unsigned i = 0; i < t->attempt && delay < t->max_s; i++) delay *= 2;
  if (delay > t->max_s) delay = t->max_s;
  unsigned r = (unsigned)(uv_hrtime() / 1000) % 1000u; /* enough entropy for a jitter */
  delay *= 1.0 + 0.5 * r / 1000.0;
  t->attempt++;
  uv_timer_start(&t->retry_timer, retry_cb, (uint64_t)(delay * 1000), 0);
}

static void connect_now(ocpp_transport *t) {
  if (t->closing || !t->gen) return;
  struct lws_client_connect_info cc;
  memset(&cc, 0, sizeof cc);
  cc.context = t->ctx;
  cc.vhost = t->gen->vh;
  cc.address = t->host;
  cc.port = t->port;
  cc.path = t->path;
  cc.host = t->host;
  cc.origin = t->host;
  cc.protocol = t->subprotocol; /* Sec-WebSocket-Protocol */
  cc.local_protocol_name = "borne-ocpp";
  cc.ssl_connection = t->tls ? LCCSCF_USE_SSL : 0;
  cc.retry_and_idle_policy = &t->validity;
  uintptr_t serial = ++t->serial;
  cc.opaque_user_data = (void *)serial;
  t->tls_verify = 0;
  t->tls_verify_text[0] = 0;
  t->tls_alert = -1;
  t->tls_alert_sent = false;
  t->tls_alert_text[0] = 0;
  t->tls_error = 0;
  t->tls_error_text[0] = 0;
  t->st.subprotocol[0] = 0; /* the next answer says again */
  t->no_subprotocol = false;
  set_state(t, OCPP_LINK_CONNECTING);
  t->wsi = lws_client_connect_via_info(&cc);
  if (!t->wsi && t->serial == serial) { /* failed without a CONNECTION_ERROR callback */
    t->serial++;
    set_error(t, "cannot start a connection to %s", t->host);
    schedule_retry(t);
  }
}

static void retry_cb(uv_timer_t *timer) {
  ocpp_transport *t = timer->data;
  t->st.reconnects++;
  connect_now(t);
}

/* Parses the configuration into the connection target; -1 with last_error. */
static int parse_target(ocpp_transport *t) {
  t->st.last_error[0] = 0;
  if (!t->url || !t->url[0]) {
    set_error(t, "no back-end URL (ocpp.url)%s", NULL);
    return -1;
  }
  char buf[1024];
  snprintf(buf, sizeof buf, "%s", t->url);
  const char *prot, *ads, *path;
  int port;
  if (lws_parse_uri(buf, &prot, &ads, &port, &path) || !ads[0]) {
    set_error(t, "ocpp.url: cannot read `%s` as ws://host:port/path", t->url);
    return -1;
  }
  if (strcmp(prot, "ws") != 0 && strcmp(prot, "wss") != 0) {
    set_error(t, "ocpp.url: the scheme must be ws:// or wss://, not %s://", prot);
    return -1;
  }
  t->tls = strcmp(prot, "wss") == 0;
  if (t->profile >= 2 && !t->tls) {
    set_error(t, "ocpp.security_profile %s needs a wss:// URL", t->profile == 2 ? "2" : "3");
    return -1;
  }
  if (t->profile >= 3 && (!t->cert_file || !t->cert_file[0] || !t->key_file || !t->key_file[0])) {
    set_error(t, "ocpp.security_profile 3 needs ocpp.cert_file and ocpp.key_file%s", NULL);
    return -1;
  }
  if ((t->profile == 1 || t->profile == 2) && (!t->password || !t->password[0])) {
    set_error(t, "ocpp.security_profile 1 and 2 need ocpp.AuthorizationKey%s", NULL);
    return -1;
  }
  snprintf(t->host, sizeof t->host, "%s", ads);
  t->port = port;
  /* endpoint path + "/" + charge point id (percent-encoded) */
  size_t n = (size_t)snprintf(t->path, sizeof t->path, "/%s", path);
  while (n > 1 && t->path[n - 1] == '/') t->path[--n] = 0;
  if (n == 1) n = 0;
  for (const unsigned char *c = (const unsigned char *)t->cp_id; *c && n + 4 < sizeof t->path;
       c++) {
    if (c == (const unsigned char *)t->cp_id) t->path[n++] = '/';
    bool plain = (*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
                 *c == '-' || *c == '_' || *c == '.' || *c == '~';
    if (plain)
      t->path[n++] = (char)*c;
    else
      n += (size_t)snprintf(t->path + n, 4, "%%%02X", *c);
  }
  t->path[n] = 0;
  if (!t->path[0]) snprintf(t->path, sizeof t->path, "/");
  t->basic[0] = 0;
  if (t->profile == 1 || t->profile == 2) {
    char userpass[300];
    int ul = snprintf(userpass, sizeof userpass, "%s:%s", t->cp_id, t->password);
    char b64[400];
    if (ul < 0 || (size_t)ul >= sizeof userpass ||
        lws_b64_encode_string(userpass, ul, b64, sizeof b64) < 0) {
      set_error(t, "ocpp.AuthorizationKey is too long%s", NULL);
      return -1;
    }
    snprintf(t->basic, sizeof t->basic, "Basic %s", b64);
  }
  uint16_t ping = (uint16_t)(t->ping_s > 0 ? t->ping_s : 0);
  t->validity = (lws_retry_bo_t){.secs_since_valid_ping = ping,
                                 .secs_since_valid_hangup = (uint16_t)(ping * 2)};
  return 0;
}

static char *dup_or_empty(const char *s) { return strdup(s ? s : ""); }

static void take_config(ocpp_transport *t, const ocpp_transport_config *cfg) {
  char **owned[] = {&t->url,     &t->cp_id,     &t->subprotocol, &t->password,
                    &t->ca_file, &t->cert_file, &t->key_file};
  const char *vals[] = {cfg->url,     cfg->cp_id,     cfg->subprotocol, cfg->basic_password,
                        cfg->ca_file, cfg->cert_file, cfg->key_file};
  for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
    free(*owned[i]);
    *owned[i] = dup_or_empty(vals[i]);
  }
  t->profile = cfg->security_profile;
  t->ping_s = cfg->ping_interval_s;
  t->min_s = cfg->reconnect_min_s > 0 ? cfg->reconnect_min_s : 1;
  t->max_s = cfg->reconnect_max_s > t->min_s ? cfg->reconnect_max_s : t->min_s;
}

/* Drops the current connection and context, and starts again with the
 * configuration in t. */
static void restart(ocpp_transport *t) {
  t->restart_after_flush = false;
  uv_timer_stop(&t->restart_timer);
  bool was_connected = t->st.state == OCPP_LINK_CONNECTED;
  uv_timer_stop(&t->retry_timer);
  t->wsi = NULL;
  t->serial++;
  drop_frames(t);
  t->rx_len = 0;
  generation_end(t->gen);
  t->gen = NULL;
  t->attempt = 0;
  if (was_connected && t->ev.disconnected) t->ev.disconnected(t->ev.ctx, "reconfigured");
  if (parse_target(t) != 0) {
    log_warn(MOD, "%s", t->st.last_error);
    set_state(t, OCPP_LINK_DISABLED);
    return;
  }
  t->gen = generation_new(t);
  if (!t->gen) {
    set_error(t, "libwebsockets cannot create a client context%s", NULL);
    set_state(t, OCPP_LINK_WAITING);
    schedule_retry(t);
    return;
  }
  set_state(t, OCPP_LINK_CONNECTING);
  connect_now(t);
}

ocpp_transport *ocpp_transport_new(uv_loop_t *loop, const ocpp_transport_config *cfg,
                                   const ocpp_transport_events *ev, char *err, size_t errlen) {
  ocpp_transport *t = calloc(1, sizeof *t);
  if (!t) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  t->loop = loop;
  t->ev = *ev;
  t->open = 2; /* the retry and restart timers */
  uv_timer_init(loop, &t->retry_timer);
  t->retry_timer.data = t;
  uv_timer_init(loop, &t->restart_timer);
  t->restart_timer.data = t;
  t->st.state = OCPP_LINK_WAITING;
  t->st.since_ms = clock_wall_ms();
  take_config(t, cfg);
  if (context_new(t) != 0) {
    snprintf(err, errlen, "libwebsockets cannot create a client context");
    t->closing = true;
    uv_close((uv_handle_t *)&t->retry_timer, timer_closed);
    uv_close((uv_handle_t *)&t->restart_timer, timer_closed);
    return NULL;
  }
  restart(t);
  return t;
}

static void restart_cb(uv_timer_t *timer) { restart(timer->data); }

/* From the next loop turn: the caller may be inside a libwebsockets
 * callback, where destroying a vhost and creating another is not safe. */
static void restart_soon(ocpp_transport *t) {
  uv_timer_stop(&t->retry_timer);
  uv_timer_start(&t->restart_timer, restart_cb, 0, 0);
}

void ocpp_transport_reconfigure(ocpp_transport *t, const ocpp_transport_config *cfg) {
  if (t->closing) return;
  take_config(t, cfg);
  if (t->st.state == OCPP_LINK_DISABLED)
    t->st.state = OCPP_LINK_WAITING; /* leave DISABLED: restart decides again */
  if (t->st.state != OCPP_LINK_CONNECTED || !t->wsi) {
    restart_soon(t);
    return;
  }
  /* Connected: the change is usually asked for by a CALL of the back end
   * whose answer is queued right after this returns (ChangeConfiguration of
   * AuthorizationKey): the restart waits for the next writable turn of the
   * connection with nothing left to write, bounded by FLUSH_MAX_MS. */
  if (!t->restart_after_flush) {
    t->restart_after_flush = true;
    uv_timer_start(&t->restart_timer, restart_cb, FLUSH_MAX_MS, 0);
  }
  lws_callback_on_writable(t->wsi);
}

void ocpp_transport_set_reconnect_max(ocpp_transport *t, int reconnect_max_s) {
  t->max_s = reconnect_max_s > t->min_s ? reconnect_max_s : t->min_s;
}

void ocpp_transport_status(const ocpp_transport *t, ocpp_link_status *out) { *out = t->st; }

char *ocpp_transport_peer_chain_pem(const ocpp_transport *t) {
  if (!ocpp_transport_connected(t) || !t->tls || !t->wsi) return NULL;
  SSL *ssl = lws_get_ssl(t->wsi);
  STACK_OF(X509) *chain = ssl ? SSL_get_peer_cert_chain(ssl) : NULL; /* leaf first */
  BIO *b = chain ? BIO_new(BIO_s_mem()) : NULL;
  for (int i = 0; b && i < sk_X509_num(chain); i++) PEM_write_bio_X509(b, sk_X509_value(chain, i));
  char *data = NULL, *pem = NULL;
  long n = b ? BIO_get_mem_data(b, &data) : 0;
  if (n > 0 && (pem = malloc((size_t)n + 1)) != NULL) {
    memcpy(pem, data, (size_t)n);
    pem[n] = '\0';
  }
  BIO_free(b);
  return pem;
}

bool ocpp_transport_connected(const ocpp_transport *t) {
  return t && t->st.state == OCPP_LINK_CONNECTED;
}

int ocpp_transport_send(ocpp_transport *t, const char *text, size_t len) {
  if (!t->wsi || t->st.state != OCPP_LINK_CONNECTED) return -1;
  frame *f = malloc(sizeof *f + LWS_PRE + len);
  if (!f) return -1;
  f->next = NULL;
  f->len = len;
  memcpy(f->buf + LWS_PRE, text, len);
  if (t->out_tail)
    t->out_tail->next = f;
  else
    t->out_head = f;
  t->out_tail = f;
  lws_callback_on_writable(t->wsi);
  return 0;
}

void ocpp_transport_close(ocpp_transport *t) {
  if (!t || t->closing) return;
  t->closing = true;
  t->wsi = NULL;
  uv_timer_stop(&t->retry_timer);
  uv_close((uv_handle_t *)&t->retry_timer, timer_closed);
  uv_close((uv_handle_t *)&t->restart_timer, timer_closed);
  generation_end(t->gen);
  t->gen = NULL;
  context_end(t);
}

/* ---------- lws callbacks ---------- */

static void lost(ocpp_transport *t, const char *why) {
  bool was_connected = t->st.state == OCPP_LINK_CONNECTED;
  t->wsi = NULL;
  t->serial++; /* later callbacks of that connection are not current */
  drop_frames(t);
  t->rx_len = 0;
  set_error(t, "%s", why);
  log_warn(MOD, "back end %s: %s", was_connected ? "lost" : "unreachable", why);
  if (t->restart_after_flush) {      /* lost while flushing before a reconfiguration: */
    set_state(t, OCPP_LINK_WAITING); /* (restart() must not say "disconnected" again) */
    restart_soon(t);                 /* the new one at once */
  } else
    schedule_retry(t);
  if (was_connected && t->ev.disconnected) t->ev.disconnected(t->ev.ctx, why);
}

/* OpenSSL's SSL_CTX ex data index for the transport: one per process by
 * OpenSSL's design (an index names a slot, the same for every SSL_CTX); each
 * station's transport stores itself in its own SSL_CTX under it. */
static int tls_index = -1;
static void tls_index_init(void) {
  tls_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, NULL);
}

/* OpenSSL info callback: the first fatal alert of the current attempt, sent
 * or received, and when the station gives up (its alert, or SSL_connect
 * failing without one), OpenSSL's error and the certificate's verify result.
 * lws clears the error queue before each SSL_connect, so what is there is
 * this handshake's. */
static void tls_info(const SSL *ssl, int where, int ret) {
  bool alert = (where & SSL_CB_ALERT) && (ret >> 8) == SSL3_AL_FATAL;
  bool exit_failed = (where & SSL_CB_EXIT) && ret <= 0;
  if (!alert && !exit_failed) return;
  ocpp_transport *t = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), tls_index);
  if (!t || t->closing || !t->wsi || lws_get_ssl(t->wsi) != ssl) return;
  if (alert && t->tls_alert < 0) {
    t->tls_alert = ret & 0xff;
    t->tls_alert_sent = (where & SSL_CB_WRITE) != 0;
    snprintf(t->tls_alert_text, sizeof t->tls_alert_text, "%s", SSL_alert_desc_string_long(ret));
  }
  unsigned long e = ERR_peek_last_error();
  if (!t->tls_error && e) {
    t->tls_error = ERR_GET_LIB(e) == ERR_LIB_SSL ? ERR_GET_REASON(e) : -1;
    const char *why = ERR_reason_error_string(e);
    snprintf(t->tls_error_text, sizeof t->tls_error_text, "%s", why ? why : "");
  }
  long v = SSL_get_verify_result(ssl);
  if (!t->tls_verify && v != X509_V_OK) {
    t->tls_verify = v;
    snprintf(t->tls_verify_text, sizeof t->tls_verify_text, "%s", X509_verify_cert_error_string(v));
  }
}

static void watch_tls(ocpp_transport *t, void *ssl_ctx) {
  static uv_once_t once = UV_ONCE_INIT;
  uv_once(&once, tls_index_init);
  if (tls_index < 0) return;
  SSL_CTX_set_ex_data(ssl_ctx, tls_index, t);
  SSL_CTX_set_info_callback(ssl_ctx, tls_info);
  /* the OCPP security whitepaper: TLS 1.2 or later only */
  SSL_CTX_set_min_proto_version(ssl_ctx, TLS1_2_VERSION);
}

static int on_receive(ocpp_transport *t, struct lws *wsi, const void *in, size_t len) {
  if (lws_frame_is_binary(wsi)) {
    log_warn(MOD, "dropping a binary frame: OCPP-J frames are text");
    return 0;
  }
  if (!t->rx_overflow) {
    if (t->rx_len + len > RX_MAX) {
      t->rx_overflow = true;
    } else {
      if (t->rx_len + len + 1 > t->rx_cap) {
        size_t cap = t->rx_cap ? t->rx_cap : 4096;
        while (cap < t->rx_len + len + 1) cap *= 2;
        unsigned char *n = realloc(t->rx, cap);
        if (!n) return -1;
        t->rx = n;
        t->rx_cap = cap;
      }
      memcpy(t->rx + t->rx_len, in, len);
      t->rx_len += len;
    }
  }
  if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi)) return 0;
  size_t n = t->rx_len;
  bool overflow = t->rx_overflow;
  t->rx_len = 0;
  t->rx_overflow = false;
  if (overflow) {
    log_warn(MOD, "dropping a message larger than %u bytes", RX_MAX);
    return 0;
  }
  t->rx[n] = 0;
  t->st.last_rx_ms = clock_wall_ms();
  if (t->ev.received) t->ev.received(t->ev.ctx, (const char *)t->rx, n);
  return 0;
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len) {
  (void)user;
  struct lws_vhost *vh = lws_get_vhost(wsi);
  generation *g = vh ? lws_vhost_user(vh) : NULL;
  ocpp_transport *t = g ? g->t : NULL;
  /* only the current connection of the current generation counts */
  bool current = t && !g->dying && !t->closing && g == t->gen &&
                 (uintptr_t)lws_get_opaque_user_data(wsi) == t->serial;

  switch (reason) {
  case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
    if (current && t->basic[0]) {
      unsigned char **p = in, *end = *p + len;
      if (lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_AUTHORIZATION,
                                       (const unsigned char *)t->basic, (int)strlen(t->basic), p,
                                       end))
        return -1;
    }
    break;
  case LWS_CALLBACK_CLIENT_FILTER_PRE_ESTABLISH:
    /* the version the server chose among those offered (lws refuses an
     * answer naming one that was not), read while the answer's headers are
     * still there */
    if (!current) break;
    if (lws_hdr_copy(wsi, t->st.subprotocol, (int)sizeof t->st.subprotocol, WSI_TOKEN_PROTOCOL) < 0)
      t->st.subprotocol[0] = 0;
    /* an answer naming no subprotocol is a back end that agreed to none of
     * those offered (OCPP-J 1.6 and 2.0.1 part 4, section 3.1.2): speaking one
     * anyway would only bring schema errors */
    t->no_subprotocol = !t->st.subprotocol[0];
    if (t->no_subprotocol) return -1;
    break;
  case LWS_CALLBACK_CLIENT_ESTABLISHED:
    if (!current) return -1;
    t->wsi = wsi;
    t->attempt = 0;
    t->st.last_error[0] = 0;
    t->st.last_rx_ms = clock_wall_ms();
    set_state(t, OCPP_LINK_CONNECTED);
    log_info(MOD, "connected to %s://%s:%d%s (%s)", t->tls ? "wss" : "ws", t->host, t->port,
             t->path, t->st.subprotocol[0] ? t->st.subprotocol : "no subprotocol named");
    if (t->ev.connected) t->ev.connected(t->ev.ctx);
    break;
  case LWS_CALLBACK_OPENSSL_LOAD_EXTRA_CLIENT_VERIFY_CERTS:
    /* user: the vhost's client SSL_CTX, being made (the connection is not
     * current yet): watch its alerts (see tls_info) */
    if (t && user) watch_tls(t, user);
    break;
  case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
    if (current) {
      char why[256];
      tls_failure tf = {.verify_error = t->tls_verify,
                        .verify_text = t->tls_verify_text,
                        .alert = t->tls_alert,
                        .alert_sent = t->tls_alert_sent,
                        .alert_text = t->tls_alert_text,
                        .error_reason = t->tls_error,
                        .error_text = t->tls_error_text,
                        .host = t->host};
      if (t->no_subprotocol)
        snprintf(why, sizeof why, "the back end agreed to none of the OCPP versions offered (%s)",
                 t->subprotocol ? t->subprotocol : "");
      else if (!t->tls || !tls_reason(&tf, why, sizeof why))
        snprintf(why, sizeof why, "%s", in && len ? (const char *)in : "connection failed");
      bool refused = t->tls && t->tls_verify != 0;
      lost(t, why);
      if (refused && t->ev.server_certificate_refused)
        t->ev.server_certificate_refused(t->ev.ctx, why);
    }
    break;
  case LWS_CALLBACK_CLIENT_RECEIVE:
    if (!current) return -1;
    return on_receive(t, wsi, in, len);
  case LWS_CALLBACK_CLIENT_WRITEABLE: {
    if (!current) return -1;
    frame *f = t->out_head;
    if (!f) {
      /* everything written: lws sends what it buffered of a partial write
       * before it calls WRITEABLE again (lws_partial_buffered) */
      if (t->restart_after_flush) restart_soon(t);
      break;
    }
    t->out_head = f->next;
    if (!t->out_head) t->out_tail = NULL;
    int n = lws_write(wsi, f->buf + LWS_PRE, f->len, LWS_WRITE_TEXT);
    bool ok = n >= 0 && (size_t)n >= f->len;
    free(f);
    if (!ok) return -1;
    if (t->out_head || t->restart_after_flush) lws_callback_on_writable(wsi);
    break;
  }
  case LWS_CALLBACK_CLIENT_RECEIVE_PONG:
    if (current) t->last_alive_ms = clock_wall_ms();
    break;
  case LWS_CALLBACK_CLIENT_CLOSED:
    if (current) {
      /* lws's validity timer hangs up after two silent ping intervals: say so */
      int64_t alive = t->last_alive_ms > t->st.last_rx_ms ? t->last_alive_ms : t->st.last_rx_ms;
      int64_t silent_ms = clock_wall_ms() - alive;
      char why[120];
      if (t->ping_s > 0 && silent_ms >= (int64_t)t->ping_s * 2000 - 500)
        snprintf(why, sizeof why, "no answer to pings for %lld s: connection declared dead",
                 (long long)(silent_ms / 1000));
      else
        snprintf(why, sizeof why, "the connection closed");
      lost(t, why);
    }
    break;
  case LWS_CALLBACK_WSI_DESTROY:
    if (current) lost(t, "the connection was dropped");
    break;
  default:
    break;
  }
  return 0;
}
