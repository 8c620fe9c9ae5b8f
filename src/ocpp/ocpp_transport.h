/*
 * The WebSocket to the central system: a libwebsockets client on the
 * daemon's libuv loop (one lws client context per loop, shared by every
 * station's link on it; no listener). It connects to
 * `url` + "/" + charge point id with the OCPP subprotocol, applies the OCPP
 * security profile (1: HTTP Basic with the AuthorizationKey; 2: TLS with the
 * server certificate checked against a CA; 3: TLS with a client
 * certificate), goes out through the network interface it is given, if any
 * (SO_BINDTODEVICE), pings at the configured interval and hangs up a connection
 * that stays silent for two intervals, and reconnects with exponential
 * back-off and jitter. It knows nothing of OCPP messages: text frames in,
 * text frames out.
 */
#ifndef BORNE_OCPP_TRANSPORT_H
#define BORNE_OCPP_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

typedef enum {
  OCPP_LINK_DISABLED,   /* no URL, or a configuration that cannot work */
  OCPP_LINK_CONNECTING, /* TCP/TLS/WebSocket handshake under way */
  OCPP_LINK_CONNECTED,
  OCPP_LINK_WAITING, /* lost or refused: the next attempt is scheduled */
} ocpp_link_state;

typedef struct {
  ocpp_link_state state;
  int64_t since_ms;   /* wall-clock epoch ms of the last state change */
  int64_t last_rx_ms; /* wall-clock epoch ms of the last frame received, 0 never */
  unsigned reconnects;
  char last_error[256]; /* why the last attempt failed; TLS failures name the reason */
  /* the subprotocol the server picked in its handshake answer ("ocpp1.6"),
   * "" before the first connection or when it named none */
  char subprotocol[32];
  char iface[16]; /* the interface the connection is bound to (IFNAMSIZ), "" none */
} ocpp_link_status;

typedef struct {
  const char *url;            /* ws://host:port/path or wss://... */
  const char *cp_id;          /* appended to the path */
  const char *subprotocol;    /* "ocpp2.0.1, ocpp1.6": offered in that order (ocpp_link sets it) */
  int security_profile;       /* 0..3 */
  const char *basic_password; /* profile 1 and 2: AuthorizationKey */
  const char *ca_file;        /* profile 2, 3: the CA that signs the server; "" = system CAs */
  const char *cert_file;      /* profile 3 */
  const char *key_file;       /* profile 3 */
  /* the OS network interface the connection goes out through (SO_BINDTODEVICE,
   * needs CAP_NET_RAW: root on a station), "eth0"; NULL or "": the system's
   * routing picks it. One that does not exist fails every attempt. */
  const char *iface;
  int ping_interval_s; /* 0 = no pings */
  int reconnect_min_s;
  int reconnect_max_s;
} ocpp_transport_config;

/* Why the back end refused an attempt, when the station can tell (security
 * events): the HTTP 401 of the WebSocket upgrade (its password), or no TLS
 * version in common, or no cipher suite in common. */
typedef enum {
  OCPP_REFUSED_PASSWORD,
  OCPP_REFUSED_TLS_VERSION,
  OCPP_REFUSED_TLS_CIPHER,
} ocpp_refusal;

typedef struct {
  void *ctx;
  void (*connected)(void *ctx);
  void (*disconnected)(void *ctx, const char *why);
  void (*received)(void *ctx, const char *text, size_t len);
  /* a text message larger than OCPP_TRANSPORT_RX_MAX was received and not
   * kept: its first bytes (head, at most OCPP_TRANSPORT_RX_HEAD of them, to
   * read its type and message id) and its whole size. Optional. */
  void (*too_large)(void *ctx, const char *head, size_t head_len, size_t total);
  /* an attempt failed because the station refused the server's certificate
   * (its verification failed); `why` is the TLS reason. Optional. */
  void (*server_certificate_refused)(void *ctx, const char *why);
  /* an attempt ended without a connection (refused, unreachable, TLS,
   * handshake); the next one is scheduled. Optional. */
  void (*attempt_failed)(void *ctx, const char *why);
  /* under security profile 3, an attempt failed after the TLS handshake began
   * and before the WebSocket was up, the station trusting the server: the
   * server ended it (a fatal alert, or closing the connection, as servers
   * refusing a client certificate do); after attempt_failed. Optional. */
  void (*client_certificate_refused)(void *ctx, const char *why);
  /* an attempt failed for one of the reasons of ocpp_refusal; after
   * attempt_failed. Optional. */
  void (*attempt_refused)(void *ctx, ocpp_refusal kind, const char *why);
} ocpp_transport_events;

typedef struct ocpp_transport ocpp_transport;

/* The largest message taken (4 MiB: a local list, a charging profile of
 * 1024 periods, a certificate chain fit many times over). */
#define OCPP_TRANSPORT_RX_MAX (4u * 1024u * 1024u)
#define OCPP_TRANSPORT_RX_HEAD 256u

/* The size of lws's descriptor tables in the loop's shared client context,
 * for contexts made from now on: 8 (the default) for one station's link; 0
 * sizes them by the process's descriptor limit, for many stations in one
 * process (borne-swarm). */
void ocpp_transport_set_context_fds(unsigned fd_limit);
/* At most this many transports per lws client context, for transports made
 * from now on: 0 (the default) puts every transport of a loop in one
 * context (borned); borne-swarm groups its links (lws 4.1 walks a context's
 * sorted timer list, one entry per connection, at every timer insert). */
void ocpp_transport_set_context_links(unsigned links);
/* lws's receive buffer per connection, for vhosts made from now on: 0 (the
 * default) is lws's 4 kB; borne-swarm sets 512 bytes. A larger message comes
 * in pieces and is put together in the link's own buffer, grown as needed
 * (up to 4 MB) and freed after a message larger than 4 kB; with a buffer
 * set below 4 kB (the swarm's thousands of mostly idle links) it is freed
 * after every message. */
void ocpp_transport_set_rx_buffer(size_t bytes);

/* Starts connecting at once. A configuration error is not fatal: the state
 * is DISABLED with the reason in last_error (the installer fixes the key and
 * the transport is reconfigured). NULL only when lws cannot start. */
ocpp_transport *ocpp_transport_new(uv_loop_t *loop, const ocpp_transport_config *cfg,
                                   const ocpp_transport_events *ev, char *err, size_t errlen);
/* Queues a text frame; -1 when not connected. */
int ocpp_transport_send(ocpp_transport *t, const char *text, size_t len);
/* New settings: drops the connection and connects again with them. While
 * connected, the frames queued so far and those queued before the
 * connection is next writable (the answer to the CALL that made the change)
 * are written first, for at most 2 s. */
void ocpp_transport_reconfigure(ocpp_transport *t, const ocpp_transport_config *cfg);
/* The longest wait between two attempts from the next one on; the
 * connection stays as it is. */
void ocpp_transport_set_reconnect_max(ocpp_transport *t, int reconnect_max_s);
void ocpp_transport_status(const ocpp_transport *t, ocpp_link_status *out);
bool ocpp_transport_connected(const ocpp_transport *t);
/* The server's certificate chain on the current TLS connection, PEM, leaf
 * first (the caller frees it); NULL when not connected over TLS. */
char *ocpp_transport_peer_chain_pem(const ocpp_transport *t);
/* Closes the connection and releases the loop handles; the loop must run
 * until they are closed. No callbacks after this. Frees itself when done. */
void ocpp_transport_close(ocpp_transport *t);

#endif
