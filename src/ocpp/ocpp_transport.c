/*
 * OCPP WebSocket client over libwebsockets 4.1 on a foreign libuv loop (see
 * ocpp_transport.h).
 *
 * One lws client context per libuv loop, shared by every transport on it
 * (borned's one), or, in a swarm, one per group of up to N transports
 * (ocpp_transport_set_context_links: lws 4.1 keeps a context's timers in one
 * sorted list walked at every insert, whose cost grows with the number of
 * connections), all on the same loop; and one vhost per distinct
 * TLS configuration and network interface (the TLS settings of an lws client
 * live in its vhost, and so does the interface its sockets are bound to),
 * shared by the transports that use it: a new URL keeps the vhost, a new CA
 * or client certificate (or the same file rewritten) gets another one, and a
 * vhost nobody uses is destroyed. A connection carries a serial, unique in
 * the context, as its opaque user data; the context's table finds the
 * transport whose current attempt it is, and the callbacks of any other
 * (replaced, dropped, its transport closed) are ignored. A dropped connection
 * is killed by lws at its next turn. The context goes with the loop's last
 * transport, torn down the way src/http/http_server.c explains (first
 * lws_context_destroy(), then, once lws's own handles are closed, the second
 * call).
 *
 * TLS failures: lws reports a refused certificate or a failed handshake as
 * "SSL err 1: error:00000001:lib(0)::reason(1)". What OpenSSL said is caught
 * on the way instead, by an OpenSSL info callback on the vhost's client
 * SSL_CTX (set when lws makes it, LWS_CALLBACK_OPENSSL_LOAD_EXTRA_CLIENT_
 * VERIFY_CERTS; the connection's socket names its transport): at the fatal alert either side sends,
 * the certificate's verify result, OpenSSL's error and the alert; last_error says it in words
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
#include <net/if.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "station/lazy_timer.h"
#include "util/clock.h"
#include "util/fd_quarantine.h"
#include "util/log.h"
#include "util/tls_reason.h"

#define MOD "ocpp"
#define RX_MAX OCPP_TRANSPORT_RX_MAX /* a larger message is refused */
#define LAST_ERROR_MAX 256u          /* ocpp_link_status.last_error */
#define RX_KEEP 4096u                /* a larger receive buffer is freed after its message */
#define FLUSH_MAX_MS 2000 /* a reconfiguration waits at most this for the queue to go out */

typedef struct frame {
  struct frame *next;
  size_t len;
  unsigned char buf[]; /* LWS_PRE bytes, then the text */
} frame;

/* The lws client context shared by every transport on one uv loop (a
 * swarm's stations, or borned's one link), and its vhosts: one per distinct
 * TLS configuration (plain ws:// is one more), shared by the transports that
 * use it. Connections are told apart by a serial, unique in the context, in
 * their opaque user data: the context's table finds the transport whose
 * current attempt it is; any other connection is stale and ignored. */
typedef struct shared_ctx shared_ctx;

typedef struct shared_vhost {
  struct shared_vhost *next;
  shared_ctx *sc;
  struct lws_vhost *vh;
  char *key;   /* "tls\nca\ncert\nkey" or "plain", then "\n@iface" when bound */
  char *iface; /* SO_BINDTODEVICE of its sockets (lws keeps the pointer), NULL none */
  int users;
  char name[24];  /* vhost names stay distinct while an old one is dying */
  bool creating;  /* inside lws_create_vhost: a failure there finalizes it */
  bool finalized; /* ... and did so */
} shared_vhost;

struct shared_ctx {
  shared_ctx *next;
  fd_quarantine fdq; /* the context's teardown (util/fd_quarantine.h) */
  uv_loop_t *loop;
  struct lws_context *ctx;
  uv_idle_t reaper;
  int users; /* transports */
  bool tls;  /* OpenSSL started for it (LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT) */
  shared_vhost *vhosts;
  uintptr_t serial;               /* the last connection serial handed out */
  struct ocpp_transport **bucket; /* by current serial, chained through t->hnext */
  size_t nbucket, count;
  struct ocpp_transport **by_fd; /* the current attempt's socket (TLS diagnostics) */
  size_t nfd;
  void **orphans; /* wsis that may leave their uv_poll watcher behind (orphan_note) */
  size_t norphans, orphans_cap;
};

struct ocpp_transport {
  uv_loop_t *loop;
  shared_ctx *sc;
  struct ocpp_transport *hnext; /* in sc's serial table */
  int fd;                       /* in sc->by_fd, -1 none */
  ocpp_transport_events ev;
  /* configuration (owned copies) */
  char *url, *cp_id, *subprotocol, *password, *ca_file, *cert_file, *key_file;
  char *iface; /* NULL: not bound (most links: no allocation for it) */
  int profile, ping_s, min_s, max_s;
  /* parsed target (owned, allocated to their length: 1.7 kB per link in a
   * swarm of thousands of links before; NULL before the first parse) */
  char *host, *path, *basic;
  int port;
  bool tls;
  lws_retry_bo_t validity;

  shared_vhost *gen; /* the vhost of the current configuration */
  struct lws *wsi;
  uintptr_t serial; /* of the current connection attempt (lws opaque user data), 0 none */
  frame *out_head, *out_tail;
  unsigned char *rx;
  size_t rx_len, rx_cap;
  bool rx_overflow;
  size_t rx_total; /* bytes of the message being received, kept or not */

  /* the next attempt's timer: made by the first retry, given back once
   * connected (a connected link holds none: 152 bytes in each of a swarm's
   * stations); one made at the close paces the transport's free */
  uv_timer_t *retry_timer;
  unsigned attempt;
  /* ocpp_link_status but for its last_error: made by the first failure,
   * freed once connected (256 bytes a connected link does not hold) */
  struct {
    ocpp_link_state state;
    int64_t since_ms;
    int64_t last_rx_ms;
    unsigned reconnects;
    char *last_error; /* NULL: none */
    char subprotocol[32];
  } st;
  bool no_subprotocol;   /* the server's answer named none of the offered versions */
  int64_t last_alive_ms; /* last pong (frames count too: st.last_rx_ms) */
  /* what OpenSSL said during the current attempt's handshake */
  long tls_verify; /* X509_V_ERR_* of the server's certificate, 0 none */
  int tls_alert;   /* fatal alert, -1 none */
  bool tls_alert_sent;
  bool tls_hello; /* the server's hello had come when the alert came */
  int tls_error;  /* SSL_R_*, -1 another library's error, 0 none */
  /* their words: allocated by the first wss:// attempt (none for ws://) */
  struct tls_texts {
    char verify[96], alert[80], error[120];
  } * tls_text;
  bool tls_started;   /* the handshake began: the server was reached */
  bool http_answered; /* the server answered the upgrade in HTTP (a 401, a 503…) */
  /* a new configuration waits for the connection to write what is queued
   * (the answer to the CALL that changed it): restart once the queue is
   * empty, or at the latest when restart_timer fires */
  bool restart_after_flush;
  /* made by its first start (station/lazy_timer.h): a restart is rare */
  lazy_timer restart_timer;
  bool closing;
  int open; /* our handles still alive */
};

static void set_state(ocpp_transport *t, ocpp_link_state s) {
  if (t->st.state == s) return;
  t->st.state = s;
  t->st.since_ms = clock_wall_ms();
}

static void set_error(ocpp_transport *t, const char *fmt, const char *detail) {
  if (!t->st.last_error && !(t->st.last_error = malloc(LAST_ERROR_MAX))) return;
  snprintf(t->st.last_error, LAST_ERROR_MAX, fmt, detail ? detail : "");
}

static const char *last_error(const ocpp_transport *t) {
  return t->st.last_error ? t->st.last_error : "";
}

static void clear_error(ocpp_transport *t) {
  free(t->st.last_error);
  t->st.last_error = NULL;
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
  char *owned[] = {t->url,      t->cp_id, t->subprotocol, t->password, t->ca_file, t->cert_file,
                   t->key_file, t->host,  t->path,        t->basic,    t->iface};
  for (size_t i = 0; i < sizeof owned / sizeof owned[0]; i++) free(owned[i]);
  free(t->tls_text);
  free(t->st.last_error);
  free(t);
}

/* ---------- the shared lws context, its vhosts and its connection table ---------- */

static shared_ctx *shared_list; /* the live contexts: one per loop, or per group of links */
static unsigned context_fd_limit = 8;
static unsigned context_links; /* transports per context, 0 no limit */

static size_t rx_chunk; /* 0: lws's default (its service buffer, 4 kB) */

void ocpp_transport_set_context_fds(unsigned fd_limit) { context_fd_limit = fd_limit; }
void ocpp_transport_set_context_links(unsigned links) { context_links = links; }
void ocpp_transport_set_rx_buffer(size_t bytes) { rx_chunk = bytes; }

static size_t bucket_of(const shared_ctx *sc, uintptr_t serial) {
  return (size_t)(serial * 0x9E3779B97F4A7C15u) & (sc->nbucket - 1);
}

static void table_remove(ocpp_transport *t) {
  shared_ctx *sc = t->sc;
  if (!t->serial || !sc->nbucket) return;
  for (ocpp_transport **p = &sc->bucket[bucket_of(sc, t->serial)]; *p; p = &(*p)->hnext)
    if (*p == t) {
      *p = t->hnext;
      t->hnext = NULL;
      sc->count--;
      return;
    }
}

static void table_grow(shared_ctx *sc) {
  size_t n = sc->nbucket ? sc->nbucket * 2 : 64;
  ocpp_transport **b = calloc(n, sizeof *b);
  if (!b) return; /* the chains get longer */
  ocpp_transport **old = sc->bucket;
  size_t oldn = sc->nbucket;
  sc->bucket = b;
  sc->nbucket = n;
  for (size_t i = 0; i < oldn; i++)
    for (ocpp_transport *t = old[i], *next; t; t = next) {
      next = t->hnext;
      size_t k = bucket_of(sc, t->serial);
      t->hnext = b[k];
      b[k] = t;
    }
  free(old);
}

/* The transport's current connection serial becomes a new one (0: none):
 * callbacks of earlier connections are not current any more. */
static void new_serial(ocpp_transport *t, bool none) {
  shared_ctx *sc = t->sc;
  table_remove(t);
  t->serial = none ? 0 : ++sc->serial;
  if (!t->serial) return;
  if (sc->count >= sc->nbucket) table_grow(sc);
  if (!sc->nbucket) return;
  size_t k = bucket_of(sc, t->serial);
  t->hnext = sc->bucket[k];
  sc->bucket[k] = t;
  sc->count++;
}

static ocpp_transport *table_find(const shared_ctx *sc, uintptr_t serial) {
  if (!serial || !sc->nbucket) return NULL;
  for (ocpp_transport *t = sc->bucket[bucket_of(sc, serial)]; t; t = t->hnext)
    if (t->serial == serial) return t;
  return NULL;
}

static void fd_forget(ocpp_transport *t) {
  if (t->fd >= 0 && (size_t)t->fd < t->sc->nfd && t->sc->by_fd[t->fd] == t)
    t->sc->by_fd[t->fd] = NULL;
  t->fd = -1;
}

static void fd_note(ocpp_transport *t, int fd) {
  shared_ctx *sc = t->sc;
  fd_forget(t);
  if (fd < 0) return;
  if ((size_t)fd >= sc->nfd) {
    size_t n = sc->nfd ? sc->nfd : 64;
    while (n <= (size_t)fd) n *= 2;
    ocpp_transport **b = realloc(sc->by_fd, n * sizeof *b);
    if (!b) return; /* no TLS diagnostics for it */
    memset(b + sc->nfd, 0, (n - sc->nfd) * sizeof *b);
    sc->by_fd = b;
    sc->nfd = n;
  }
  sc->by_fd[fd] = t;
  t->fd = fd;
}

/* The current connection is dropped: lws closes it at its next turn, its
 * callbacks from now on are stale. */
static void drop_connection(ocpp_transport *t) {
  if (t->wsi) lws_set_timeout(t->wsi, PENDING_TIMEOUT_KILLED_BY_PARENT, LWS_TO_KILL_ASYNC);
  t->wsi = NULL;
  new_serial(t, true);
  fd_forget(t);
}

static void count_ctx_handles(uv_handle_t *h, void *arg) {
  void **a = arg;
  if (h->data == a[0]) a[1] = (char *)a[1] + 1;
}

/* lws 4.1.6 forgets a connection's uv_poll watcher when a connect attempt
 * fails on its way (client-handshake.c, try_next_result_fds: the socket is
 * closed and marked invalid, so the wsi's close never reaches its watcher):
 * 160 bytes left on the loop each time. Such a wsi reports CONNECTION_ERROR
 * without a socket: it is noted, and when the context is gone (every wsi and
 * lws handle closed, so no live watcher can carry that address) a poll
 * handle still on the loop with a noted wsi as its data is closed and freed. */
static void orphan_note(shared_ctx *sc, void *wsi) {
  for (size_t i = 0; i < sc->norphans; i++)
    if (sc->orphans[i] == wsi) return;
  if (sc->norphans == sc->orphans_cap) {
    size_t n = sc->orphans_cap ? sc->orphans_cap * 2 : 16;
    void **o = realloc(sc->orphans, n * sizeof *o);
    if (!o) return;
    sc->orphans = o;
    sc->orphans_cap = n;
  }
  sc->orphans[sc->norphans++] = wsi;
}

static void orphan_closed(uv_handle_t *h) { free(h); }

static void close_orphan(uv_handle_t *h, void *arg) {
  shared_ctx *sc = arg;
  if (h->type != UV_POLL || uv_is_closing(h) || uv_is_active(h)) return;
  for (size_t i = 0; i < sc->norphans; i++)
    if (h->data == sc->orphans[i]) {
      uv_close(h, orphan_closed);
      return;
    }
}

static void shared_free(shared_ctx *sc) {
  free(sc->orphans);
  free(sc->bucket);
  free(sc->by_fd);
  free(sc);
}

static void reaper_closed(uv_handle_t *h) { shared_free(h->data); }
static void timer_closed(uv_handle_t *h) {
  ocpp_transport *t = h->data;
  free(h);
  release(t);
}

static void timer_freed(uv_handle_t *h) { free(h); }

/* The retry timer, made if need be; NULL without memory. */
static uv_timer_t *retry_handle(ocpp_transport *t) {
  if (!t->retry_timer && (t->retry_timer = malloc(sizeof *t->retry_timer))) {
    uv_timer_init(t->loop, t->retry_timer);
    t->retry_timer->data = t;
  }
  return t->retry_timer;
}

static void stop_retry(ocpp_transport *t) {
  if (t->retry_timer) uv_timer_stop(t->retry_timer);
}

/* Closes the retry timer; the transport is freed once it is closed (lws may
 * still call back for the connection dropped before, until the next turn). */
static void close_retry(ocpp_transport *t) {
  uv_timer_t *h = retry_handle(t);
  t->retry_timer = NULL;
  if (!h) { /* no memory for a handle to wait on: freed at once */
    release(t);
    return;
  }
  uv_timer_stop(h);
  uv_close((uv_handle_t *)h, timer_closed);
}

/* Second half of the context teardown (see src/http/http_server.c): once
 * lws's own handles are closed, the second lws_context_destroy() frees it. */
static void reaper_cb(uv_idle_t *idle) {
  shared_ctx *sc = idle->data;
  void *arg[2] = {sc->ctx, NULL};
  uv_walk(sc->loop, count_ctx_handles, arg);
  if (arg[1]) return; /* lws's own handles are still closing */
  lws_context_destroy(sc->ctx);
  fd_quarantine_end(&sc->fdq); /* lws closed its event fd a second time, a placeholder */
  sc->ctx = NULL;
  if (sc->norphans) uv_walk(sc->loop, close_orphan, sc);
  uv_idle_stop(idle);
  uv_close((uv_handle_t *)idle, reaper_closed);
}

/* The last transport on the loop is gone: the context goes. */
static void shared_put(shared_ctx *sc) {
  if (--sc->users > 0) return;
  for (shared_ctx **p = &shared_list; *p; p = &(*p)->next)
    if (*p == sc) {
      *p = sc->next;
      break;
    }
  fd_quarantine_begin(&sc->fdq);
  lws_context_destroy(sc->ctx); /* first call: closes the connections and lws's handles */
  fd_quarantine_hold(&sc->fdq); /* util/fd_quarantine.h: lws closes its event fd twice */
  uv_idle_init(sc->loop, &sc->reaper);
  sc->reaper.data = sc;
  uv_idle_start(&sc->reaper, reaper_cb);
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len);

/* rx_buffer_size: lws's receive buffer per connection (ocpp_transport_set_rx_buffer) */
static struct lws_protocols protocols[] = {
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

/* The loop's context (borned), or the first of its contexts with room for
 * one more transport (ocpp_transport_set_context_links: a swarm's links in
 * groups, so that each context's sorted list of lws timers stays short), made
 * by its first transport and kept while one lives
 * (lws 4.1 closes another context's /dev/urandom descriptor when a context is
 * destroyed while a second one lives, so it is not replaced under them; a
 * swarm's group context does go while others live: the second close behind
 * that is held off by util/fd_quarantine.h, and swarm_kill passes with 2
 * links per context).
 * OpenSSL is started (its configuration, error strings, lws's indexes: about
 * 200 kB of heap and 0.5 MB of RSS, issue 15) only for a context a wss://
 * transport needs; one that has it serves ws:// transports too, and a ws://
 * transport moved to wss:// moves to such a context (restart). */
static shared_ctx *shared_get(uv_loop_t *loop, bool tls) {
  for (shared_ctx *sc = shared_list; sc; sc = sc->next)
    if (sc->loop == loop && (sc->tls || !tls) &&
        (!context_links || sc->users < (int)context_links)) {
      sc->users++;
      return sc;
    }
  shared_ctx *sc = calloc(1, sizeof *sc);
  if (!sc) return NULL;
  sc->loop = loop;
  struct lws_context_creation_info info;
  memset(&info, 0, sizeof info);
  void *loops[1] = {loop};
  info.port = CONTEXT_PORT_NO_LISTEN;
  info.foreign_loops = loops;
  info.options = LWS_SERVER_OPTION_LIBUV | LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
  if (tls) info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
  /* borned: one connection at a time (two while a new vhost replaces an old
   * one), lws's event pipe and a spare; left 0 lws sizes its poll table and fd
   * map by the process's file limit (320 kB for ulimit -n 20000; issue 15),
   * which is what a swarm of stations wants (ocpp_transport_set_context_fds). */
  info.fd_limit_per_thread = context_fd_limit;
  lws_set_log_level(LLL_ERR | LLL_WARN, lws_log_to_ours);
  sc->ctx = lws_create_context(&info);
  if (!sc->ctx) {
    free(sc);
    return NULL;
  }
  sc->users = 1;
  sc->tls = tls;
  sc->next = shared_list;
  shared_list = sc;
  return sc;
}

/* lws calls this just before it frees a destroyed vhost (or at context end) */
static void vhost_finalized(struct lws_vhost *vh, void *arg) {
  (void)vh;
  shared_vhost *v = arg;
  if (v->creating) { /* lws_create_vhost failed and destroyed it: vhost_get frees */
    v->finalized = true;
    return;
  }
  free(v->key);
  free(v->iface);
  free(v);
}

/* The transport leaves its vhost; the last one out destroys it (unless the
 * context is about to go with it: `last` transport of the context). */
static void vhost_put(shared_vhost *v, bool last) {
  if (!v || --v->users > 0) return;
  for (shared_vhost **p = &v->sc->vhosts; *p; p = &(*p)->next)
    if (*p == v) {
      *p = v->next;
      break;
    }
  if (!last) lws_vhost_destroy(v->vh);
}

/* The vhost of the transport's TLS configuration and network interface: the
 * TLS settings of lws clients live in a vhost, and so does the interface its
 * client sockets are bound to (info.iface with bind_iface: lws 4.1 applies
 * SO_BINDTODEVICE in lws_plat_set_socket_options(), which its client connect
 * calls on every new socket, and fails the attempt when the kernel refuses),
 * so each distinct CA, client certificate, key and interface gets its own,
 * shared by the transports that use the same. */
static shared_vhost *vhost_get(ocpp_transport *t) {
  shared_ctx *sc = t->sc;
  char key[4096];
  if (t->tls) {
    /* a file rewritten in place (a new CA installed) is a new configuration */
    const char *files[3] = {t->ca_file, t->profile >= 3 ? t->cert_file : "",
                            t->profile >= 3 ? t->key_file : ""};
    size_t n = (size_t)snprintf(key, sizeof key, "tls");
    for (int i = 0; i < 3 && n < sizeof key; i++) {
      struct stat sb;
      const char *f = files[i] ? files[i] : "";
      bool have = f[0] && stat(f, &sb) == 0;
      n += (size_t)snprintf(key + n, sizeof key - n, "\n%s %lld.%ld %lld", f,
                            have ? (long long)sb.st_mtim.tv_sec : 0LL,
                            have ? sb.st_mtim.tv_nsec : 0L, have ? (long long)sb.st_size : 0LL);
    }
  } else
    snprintf(key, sizeof key, "plain");
  if (t->iface) {
    size_t n = strlen(key);
    snprintf(key + n, sizeof key - n, "\n@%s", t->iface);
  }
  for (shared_vhost *v = sc->vhosts; v; v = v->next)
    if (!strcmp(v->key, key)) {
      v->users++;
      return v;
    }
  shared_vhost *v = calloc(1, sizeof *v);
  if (!v || !(v->key = strdup(key)) || (t->iface && !(v->iface = strdup(t->iface)))) {
    if (v) free(v->key);
    free(v);
    return NULL;
  }
  v->sc = sc;
  struct lws_context_creation_info info;
  memset(&info, 0, sizeof info);
  info.port = CONTEXT_PORT_NO_LISTEN;
  protocols[0].rx_buffer_size = rx_chunk;
  info.protocols = protocols;
  info.user = v;
  /* process-wide only so that vhost names (seen in lws logs) never repeat */
  static unsigned generations;
  snprintf(v->name, sizeof v->name, "ocpp-%u", ++generations);
  info.vhost_name = v->name;
  info.finalize = vhost_finalized;
  info.finalize_arg = v;
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
  if (v->iface) { /* no listener: only its client sockets are bound */
    info.iface = v->iface;
    info.bind_iface = 1;
  }
  info.timeout_secs = 20; /* connect and handshake */
  v->creating = true;
  v->vh = lws_create_vhost(sc->ctx, &info);
  v->creating = false;
  if (!v->vh) {
    /* lws destroys a vhost it could not set up (an unreadable certificate)
     * and calls its finalize, then or later: freed here only once that ran,
     * else by that later call (freeing it here too was a double free) */
    if (v->finalized) {
      free(v->key);
      free(v->iface);
      free(v);
    }
    return NULL;
  }
  v->users = 1;
  v->next = sc->vhosts;
  sc->vhosts = v;
  return v;
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
  uv_timer_t *h = retry_handle(t);
  if (!h) {
    set_error(t, "%s", "out of memory: no timer for the next attempt");
    log_error(MOD, "%s", last_error(t));
    return;
  }
  uv_timer_start(h, retry_cb, (uint64_t)(delay * 1000), 0);
}

static void connect_now(ocpp_transport *t) {
  if (t->closing || !t->gen) return;
  struct lws_client_connect_info cc;
  memset(&cc, 0, sizeof cc);
  cc.context = t->sc->ctx;
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
  new_serial(t, false);
  uintptr_t serial = t->serial;
  cc.opaque_user_data = (void *)serial;
  t->tls_verify = 0;
  t->tls_alert = -1;
  t->tls_alert_sent = false;
  t->tls_hello = false;
  t->tls_error = 0;
  if (t->tls && !t->tls_text) t->tls_text = malloc(sizeof *t->tls_text); /* else none said */
  if (t->tls_text) *t->tls_text = (struct tls_texts){{0}, {0}, {0}};
  t->tls_started = false;
  t->http_answered = false;
  t->st.subprotocol[0] = 0; /* the next answer says again */
  t->no_subprotocol = false;
  set_state(t, OCPP_LINK_CONNECTING);
  struct lws *wsi = lws_client_connect_via_info(&cc);
  if (t->serial != serial) return; /* it failed already (CONNECTION_ERROR): lost() ran */
  t->wsi = wsi;
  if (!wsi) { /* failed without a CONNECTION_ERROR callback */
    new_serial(t, true);
    set_error(t, "cannot start a connection to %s", t->host);
    schedule_retry(t);
    return;
  }
  fd_note(t, lws_get_socket_fd(wsi)); /* tls_info finds the transport by its socket */
}

static void restart(ocpp_transport *t);

static void retry_cb(uv_timer_t *timer) {
  ocpp_transport *t = timer->data;
  t->st.reconnects++;
  if (!t->gen) { /* its context or vhost could not be made: again from the start */
    restart(t);
    return;
  }
  connect_now(t);
}

/* Parses the configuration into the connection target; -1 with last_error. */
static int parse_target(ocpp_transport *t) {
  clear_error(t);
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
  char th[256], tp[1024], tb[400];
  snprintf(th, sizeof th, "%s", ads);
  t->port = port;
  /* endpoint path + "/" + charge point id (percent-encoded) */
  size_t n = (size_t)snprintf(tp, sizeof tp, "/%s", path);
  while (n > 1 && tp[n - 1] == '/') tp[--n] = 0;
  if (n == 1) n = 0;
  for (const unsigned char *c = (const unsigned char *)t->cp_id; *c && n + 4 < sizeof tp; c++) {
    if (c == (const unsigned char *)t->cp_id) tp[n++] = '/';
    bool plain = (*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
                 *c == '-' || *c == '_' || *c == '.' || *c == '~';
    if (plain)
      tp[n++] = (char)*c;
    else
      n += (size_t)snprintf(tp + n, 4, "%%%02X", *c);
  }
  tp[n] = 0;
  if (!tp[0]) snprintf(tp, sizeof tp, "/");
  tb[0] = 0;
  if (t->profile == 1 || t->profile == 2) {
    char userpass[300];
    int ul = snprintf(userpass, sizeof userpass, "%s:%s", t->cp_id, t->password);
    char b64[400];
    if (ul < 0 || (size_t)ul >= sizeof userpass ||
        lws_b64_encode_string(userpass, ul, b64, sizeof b64) < 0) {
      set_error(t, "ocpp.AuthorizationKey is too long%s", NULL);
      return -1;
    }
    snprintf(tb, sizeof tb, "Basic %s", b64);
  }
  char *host = strdup(th), *tpath = strdup(tp), *basic = strdup(tb);
  if (!host || !tpath || !basic) {
    free(host);
    free(tpath);
    free(basic);
    set_error(t, "out of memory%s", NULL);
    return -1;
  }
  free(t->host);
  free(t->path);
  free(t->basic);
  t->host = host;
  t->path = tpath;
  t->basic = basic;
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
  free(t->iface);
  t->iface = cfg->iface && cfg->iface[0] ? strdup(cfg->iface) : NULL; /* out of memory: unbound */
  t->profile = cfg->security_profile;
  t->ping_s = cfg->ping_interval_s;
  t->min_s = cfg->reconnect_min_s > 0 ? cfg->reconnect_min_s : 1;
  t->max_s = cfg->reconnect_max_s > t->min_s ? cfg->reconnect_max_s : t->min_s;
}

/* Drops the current connection and context, and starts again with the
 * configuration in t. */
static void restart(ocpp_transport *t) {
  t->restart_after_flush = false;
  lazy_timer_stop(&t->restart_timer);
  bool was_connected = t->st.state == OCPP_LINK_CONNECTED;
  stop_retry(t);
  drop_connection(t);
  drop_frames(t);
  t->rx_len = 0;
  t->rx_total = 0;
  t->rx_overflow = false; /* a message cut short by the end of its connection */
  shared_vhost *old = t->gen;
  t->gen = NULL;
  t->attempt = 0;
  if (was_connected && t->ev.disconnected) t->ev.disconnected(t->ev.ctx, "reconfigured");
  if (parse_target(t) != 0) {
    vhost_put(old, false);
    log_warn(MOD, "%s", last_error(t));
    set_state(t, OCPP_LINK_DISABLED);
    return;
  }
  if (t->tls && !t->sc->tls) { /* ws:// -> wss://: to a context with OpenSSL started */
    shared_ctx *to = shared_get(t->loop, true);
    if (!to) {
      vhost_put(old, false);
      set_error(t, "libwebsockets cannot create a client context%s", NULL);
      set_state(t, OCPP_LINK_WAITING);
      schedule_retry(t);
      return;
    }
    vhost_put(old, t->sc->users == 1);
    old = NULL;
    shared_put(t->sc);
    t->sc = to;
  }
  t->gen = vhost_get(t); /* before the old one is left: the same one is kept */
  vhost_put(old, false);
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
  t->open = 1; /* the retry timer's close at the transport's (the restart timer is a lazy_timer) */
  t->fd = -1;
  t->st.state = OCPP_LINK_WAITING;
  t->st.since_ms = clock_wall_ms();
  take_config(t, cfg);
  /* a wss:// target gets a context with OpenSSL started (restart moves the
   * transport when its configuration changes to one) */
  t->sc = shared_get(loop, cfg->url && strncmp(cfg->url, "wss:", 4) == 0);
  if (!t->sc) {
    snprintf(err, errlen, "libwebsockets cannot create a client context");
    t->closing = true;
    lazy_timer_close(&t->restart_timer);
    close_retry(t);
    return NULL;
  }
  restart(t);
  return t;
}

static void restart_cb(uv_timer_t *timer) { restart(timer->data); }

/* From the next loop turn: the caller may be inside a libwebsockets
 * callback, where destroying a vhost and creating another is not safe. */
static void restart_soon(ocpp_transport *t) {
  stop_retry(t);
  lazy_timer_start(&t->restart_timer, t->loop, restart_cb, t, 0, 0);
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
    lazy_timer_start(&t->restart_timer, t->loop, restart_cb, t, FLUSH_MAX_MS, 0);
  }
  lws_callback_on_writable(t->wsi);
}

void ocpp_transport_set_reconnect_max(ocpp_transport *t, int reconnect_max_s) {
  t->max_s = reconnect_max_s > t->min_s ? reconnect_max_s : t->min_s;
}

void ocpp_transport_status(const ocpp_transport *t, ocpp_link_status *out) {
  *out = (ocpp_link_status){.state = t->st.state,
                            .since_ms = t->st.since_ms,
                            .last_rx_ms = t->st.last_rx_ms,
                            .reconnects = t->st.reconnects};
  snprintf(out->last_error, sizeof out->last_error, "%s", last_error(t));
  memcpy(out->subprotocol, t->st.subprotocol, sizeof out->subprotocol);
  snprintf(out->iface, sizeof out->iface, "%s", t->iface ? t->iface : "");
}

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
  drop_connection(t);
  lazy_timer_close(&t->restart_timer);
  vhost_put(t->gen, t->sc->users == 1);
  t->gen = NULL;
  shared_put(t->sc);
  t->sc = NULL;
  close_retry(t); /* last: t may be freed at once */
}

/* ---------- lws callbacks ---------- */

static void lost(ocpp_transport *t, const char *why) {
  bool was_connected = t->st.state == OCPP_LINK_CONNECTED;
  /* the TLS handshake began: OpenSSL said something about it, or the
   * session left its initial state (the info callback can miss the start:
   * on a local server it begins before the connection is registered) */
  SSL *ssl = t->tls && t->wsi ? lws_get_ssl(t->wsi) : NULL;
  bool tls_began =
      t->tls_started || t->tls_error != 0 || t->tls_alert >= 0 || (ssl && !SSL_in_before(ssl));
  t->wsi = NULL;       /* lws is closing it */
  new_serial(t, true); /* later callbacks of that connection are not current */
  fd_forget(t);
  drop_frames(t);
  t->rx_len = 0;
  t->rx_total = 0;
  t->rx_overflow = false; /* a message cut short by the end of its connection */
  set_error(t, "%s", why);
  log_warn(MOD, "back end %s: %s", was_connected ? "lost" : "unreachable", why);
  /* profile 3: the server was reached and trusted, and the connection ended
   * before the WebSocket was up (a fatal alert, or the server closing it, as
   * servers do when they refuse a client certificate) */
  bool client_refused = !was_connected && t->tls && t->profile >= 3 && tls_began &&
                        t->tls_verify == 0 &&
                        (!(t->tls_alert >= 0 && t->tls_alert_sent) ||
                         t->tls_error == SSL_R_UNEXPECTED_EOF_WHILE_READING) &&
                        !t->http_answered;
  if (t->restart_after_flush) {      /* lost while flushing before a reconfiguration: */
    set_state(t, OCPP_LINK_WAITING); /* (restart() must not say "disconnected" again) */
    restart_soon(t);                 /* the new one at once */
  } else
    schedule_retry(t);
  if (was_connected && t->ev.disconnected) t->ev.disconnected(t->ev.ctx, why);
  if (!was_connected && t->ev.attempt_failed) t->ev.attempt_failed(t->ev.ctx, why);
  if (client_refused && t->ev.client_certificate_refused)
    t->ev.client_certificate_refused(t->ev.ctx, why);
}

/* OpenSSL's SSL_CTX ex data index for the shared context: one per process by
 * OpenSSL's design (an index names a slot, the same for every SSL_CTX); each
 * vhost's client SSL_CTX names the context whose transports use it, and the
 * connection's socket names the transport. */
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
  bool start = (where & SSL_CB_HANDSHAKE_START) != 0;
  if (!alert && !exit_failed && !start) return;
  shared_ctx *sc = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), tls_index);
  int fd = SSL_get_fd(ssl);
  ocpp_transport *t = sc && fd >= 0 && (size_t)fd < sc->nfd ? sc->by_fd[fd] : NULL;
  if (!t || t->closing || !t->wsi || lws_get_ssl(t->wsi) != ssl) return;
  if (start) {
    t->tls_started = true;
    return;
  }
  if (alert && t->tls_alert < 0) {
    t->tls_alert = ret & 0xff;
    t->tls_alert_sent = (where & SSL_CB_WRITE) != 0;
    /* the cipher suite the server's hello chose (none yet: it refused the station's hello) */
    t->tls_hello = SSL_get_pending_cipher(ssl) != NULL;
    if (t->tls_text)
      snprintf(t->tls_text->alert, sizeof t->tls_text->alert, "%s",
               SSL_alert_desc_string_long(ret));
  }
  unsigned long e = ERR_peek_last_error();
  if (!t->tls_error && e) {
    t->tls_error = ERR_GET_LIB(e) == ERR_LIB_SSL ? ERR_GET_REASON(e) : -1;
    const char *why = ERR_reason_error_string(e);
    if (t->tls_text) snprintf(t->tls_text->error, sizeof t->tls_text->error, "%s", why ? why : "");
  }
  long v = SSL_get_verify_result(ssl);
  if (!t->tls_verify && v != X509_V_OK) {
    t->tls_verify = v;
    if (t->tls_text)
      snprintf(t->tls_text->verify, sizeof t->tls_text->verify, "%s",
               X509_verify_cert_error_string(v));
  }
}

static void watch_tls(shared_ctx *sc, void *ssl_ctx) {
  static uv_once_t once = UV_ONCE_INIT;
  uv_once(&once, tls_index_init);
  if (tls_index < 0) return;
  SSL_CTX_set_ex_data(ssl_ctx, tls_index, sc);
  SSL_CTX_set_info_callback(ssl_ctx, tls_info);
  /* the OCPP security whitepaper: TLS 1.2 or later only */
  SSL_CTX_set_min_proto_version(ssl_ctx, TLS1_2_VERSION);
  /* every certificate of the CA file is a trust anchor, self-signed or not:
   * a CSMS root signed by the one it replaced (AdditionalRootCertificateCheck)
   * is trusted alone once the old one is removed */
  X509_VERIFY_PARAM_set_flags(SSL_CTX_get0_param(ssl_ctx), X509_V_FLAG_PARTIAL_CHAIN);
}

static int on_receive(ocpp_transport *t, struct lws *wsi, const void *in, size_t len) {
  if (lws_frame_is_binary(wsi)) {
    log_warn(MOD, "dropping a binary frame: OCPP-J frames are text");
    return 0;
  }
  t->rx_total += len;
  if (!t->rx_overflow) {
    if (t->rx_len + len > RX_MAX) {
      t->rx_overflow = true;
      /* its head is kept (to answer it): the first chunk alone may be all of it */
      if (t->rx_len < OCPP_TRANSPORT_RX_HEAD) {
        size_t more = OCPP_TRANSPORT_RX_HEAD - t->rx_len;
        if (more > len) more = len;
        if (t->rx_len + more + 1 > t->rx_cap) {
          unsigned char *n = realloc(t->rx, OCPP_TRANSPORT_RX_HEAD + 1);
          if (!n) return -1;
          t->rx = n;
          t->rx_cap = OCPP_TRANSPORT_RX_HEAD + 1;
        }
        memcpy(t->rx + t->rx_len, in, more);
        t->rx_len += more;
      }
    } else {
      if (t->rx_len + len + 1 > t->rx_cap) {
        size_t cap = t->rx_cap ? t->rx_cap : (rx_chunk ? rx_chunk : 4096);
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
  size_t n = t->rx_len, total = t->rx_total;
  bool overflow = t->rx_overflow;
  t->rx_len = 0;
  t->rx_total = 0;
  t->rx_overflow = false;
  if (overflow) {
    log_warn(MOD, "a message of %zu bytes: larger than %u, not kept", total, RX_MAX);
    t->st.last_rx_ms = clock_wall_ms();
    if (t->ev.too_large)
      t->ev.too_large(t->ev.ctx, (const char *)t->rx,
                      n < OCPP_TRANSPORT_RX_HEAD ? n : OCPP_TRANSPORT_RX_HEAD, total);
    return 0;
  }
  t->rx[n] = 0;
  t->st.last_rx_ms = clock_wall_ms();
  if (t->ev.received) t->ev.received(t->ev.ctx, (const char *)t->rx, n);
  /* a large message (a local list, a charging profile) does not keep its
   * buffer, nor any message with a small lws buffer (a swarm's thousands of
   * idle links hold none between messages) */
  if ((t->rx_cap > RX_KEEP || (rx_chunk && rx_chunk < RX_KEEP)) && t->rx_len == 0) {
    free(t->rx);
    t->rx = NULL;
    t->rx_cap = 0;
  }
  return 0;
}

/* The interface the transport is bound to does not exist (the kernel refuses
 * SO_BINDTODEVICE, and lws says only that the connection failed or was
 * dropped): a name the installer mistyped, or a modem or adapter that is
 * not there. True with the sentence in why. */
static bool iface_missing(const ocpp_transport *t, char *why, size_t len) {
  if (!t->iface || if_nametoindex(t->iface)) return false;
  snprintf(why, len, "cannot connect to %s port %d: the network interface %s does not exist",
           t->host, t->port, t->iface);
  return true;
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len) {
  (void)user;
  struct lws_vhost *vh = lws_get_vhost(wsi);
  shared_vhost *v = vh ? lws_vhost_user(vh) : NULL;
  if (reason == LWS_CALLBACK_OPENSSL_LOAD_EXTRA_CLIENT_VERIFY_CERTS) {
    /* user: the vhost's client SSL_CTX, being made: watch its alerts (see tls_info) */
    if (v && user) watch_tls(v->sc, user);
    return 0;
  }
  if (reason == LWS_CALLBACK_CLIENT_CONNECTION_ERROR && v && lws_get_socket_fd(wsi) < 0)
    orphan_note(v->sc, wsi);
  /* only the current connection of a transport counts (its serial) */
  ocpp_transport *t = v ? table_find(v->sc, (uintptr_t)lws_get_opaque_user_data(wsi)) : NULL;
  bool current = t && !t->closing && t->gen == v;

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
    if (t->retry_timer) { /* connected: no attempt due (made again by the next retry) */
      uv_timer_stop(t->retry_timer);
      uv_close((uv_handle_t *)t->retry_timer, timer_freed);
      t->retry_timer = NULL;
    }
    clear_error(t);
    t->st.last_rx_ms = clock_wall_ms();
    set_state(t, OCPP_LINK_CONNECTED);
    log_info(MOD, "connected to %s://%s:%d%s (%s)%s%s", t->tls ? "wss" : "ws", t->host, t->port,
             t->path, t->st.subprotocol[0] ? t->st.subprotocol : "no subprotocol named",
             t->iface ? " through " : "", t->iface ? t->iface : "");
    if (t->ev.connected) t->ev.connected(t->ev.ctx);
    break;
  case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
    if (current) {
      char why[256];
      const struct tls_texts *tt = t->tls_text;
      tls_failure tf = {.verify_error = t->tls_verify,
                        .verify_text = tt ? tt->verify : "",
                        .alert = t->tls_alert,
                        .alert_sent = t->tls_alert_sent,
                        .server_hello = t->tls_hello,
                        .alert_text = tt ? tt->alert : "",
                        .error_reason = t->tls_error,
                        .error_text = tt ? tt->error : "",
                        .host = t->host};
      if (t->no_subprotocol)
        snprintf(why, sizeof why, "the back end agreed to none of the OCPP versions offered (%s)",
                 t->subprotocol ? t->subprotocol : "");
      else if (iface_missing(t, why, sizeof why))
        ; /* the interface in words */
      else if (t->tls && tls_reason(&tf, why, sizeof why))
        ; /* the TLS failure in words */
      else if (in && len && strstr((const char *)in, "before established"))
        /* lws 4.1's words for a refused TCP connect (or one closed before
         * the upgrade): said the way an installer reads it (issue 19) */
        snprintf(why, sizeof why,
                 "cannot connect to %s port %d: the connection was refused or closed before "
                 "the WebSocket was established (is the back end running at this address?)",
                 t->host, t->port);
      else
        snprintf(why, sizeof why, "%s", in && len ? (const char *)in : "connection failed");
      bool refused = t->tls && t->tls_verify != 0;
      /* lws 4.1 says "HS: ws upgrade unauthorized" for a 401 answer */
      bool unauthorized = in && len && strstr((const char *)in, "unauthorized");
      bool version = t->tls && tls_failure_is_version(&tf);
      bool cipher = t->tls && !version && tls_failure_is_cipher_suite(&tf);
      /* the server answered the upgrade with an HTTP status (lws 4.1 says
       * "HS: ws upgrade response not 101" or "…unauthorized"): the TLS
       * session, client certificate included, was accepted. Only the words:
       * lws_http_client_http_response() can tell a status left in a reused
       * header table by an earlier connection. */
      t->http_answered = unauthorized || (in && len && strstr((const char *)in, "not 101"));
      lost(t, why);
      if (refused && t->ev.server_certificate_refused)
        t->ev.server_certificate_refused(t->ev.ctx, why);
      if ((unauthorized || version || cipher) && t->ev.attempt_refused)
        t->ev.attempt_refused(t->ev.ctx,
                              version  ? OCPP_REFUSED_TLS_VERSION
                              : cipher ? OCPP_REFUSED_TLS_CIPHER
                                       : OCPP_REFUSED_PASSWORD,
                              why);
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
    if (current) {
      /* lws 4.1 frees the connection without a CONNECTION_ERROR when it
       * cannot set its socket's options: SO_BINDTODEVICE refused */
      char why[200];
      lost(t, iface_missing(t, why, sizeof why) ? why : "the connection was dropped");
    }
    break;
  default:
    break;
  }
  return 0;
}
