/* libcurl multi on the libuv loop (see curl_uv.h): no thread, no polling. */
#include "firmware/curl_uv.h"

#include <ctype.h>
#include <openssl/x509.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/tls_reason.h"

/* ---------- which URLs (pure) ---------- */

bool curl_uv_url_allowed(const char *url, char *why, size_t whylen) {
  static const char *const allowed[] = {"https", "http", "ftps", "ftp"};
  if (whylen) why[0] = '\0';
  if (!url || !url[0]) {
    snprintf(why, whylen, "no location");
    return false;
  }
  /* RFC 3986: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ), then ":" */
  size_t n = 0;
  if (isalpha((unsigned char)url[0]))
    while (isalnum((unsigned char)url[n]) || url[n] == '+' || url[n] == '-' || url[n] == '.') n++;
  if (n == 0 || url[n] != ':') {
    snprintf(why, whylen,
             "the location is not a URL with a scheme (https://, http://, ftps:// or ftp://)");
    return false;
  }
  for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
    if (strlen(allowed[i]) == n && strncasecmp(url, allowed[i], n) == 0) {
      if (strncmp(url + n, "://", 3) != 0) {
        snprintf(why, whylen, "the location is not a URL of the form %.*s://host/path", (int)n,
                 url);
        return false;
      }
      return true;
    }
  snprintf(why, whylen, "the URL scheme %.*s is not allowed (only https, http, ftps and ftp)",
           (int)(n < 20 ? n : 20), url);
  return false;
}

/* ---------- transfers on the loop ---------- */

typedef struct transfer {
  curl_uv_done_fn cb;
  void *ctx;
  CURL *easy;
  struct transfer *next;
  char error[CURL_ERROR_SIZE];
} transfer;

/* One watched socket. */
typedef struct watched {
  uv_poll_t poll;
  curl_socket_t fd;
  curl_uv *cu;
  struct watched *next;
  bool closing;
} watched;

struct curl_uv {
  uv_loop_t *loop;
  CURLM *multi;
  uv_timer_t timer;
  transfer *transfers; /* running */
  watched *sockets;    /* watched by uv_poll */
  int open_handles;    /* uv handles still to be closed (timer + polls) */
  bool closing;
};

static void unlink_transfer(curl_uv *cu, transfer *t) {
  for (transfer **p = &cu->transfers; *p; p = &(*p)->next)
    if (*p == t) {
      *p = t->next;
      return;
    }
}

static void close_watched(curl_uv *cu, watched *w);

static void maybe_free(curl_uv *cu) {
  if (cu->closing && cu->open_handles == 0) free(cu);
}

static void handle_closed(uv_handle_t *h) {
  curl_uv *cu = h->data;
  cu->open_handles--;
  maybe_free(cu);
}

static void poll_closed(uv_handle_t *h) {
  watched *w = (watched *)h;
  curl_uv *cu = w->cu;
  for (watched **p = &cu->sockets; *p; p = &(*p)->next)
    if (*p == w) {
      *p = w->next;
      break;
    }
  free(w);
  cu->open_handles--;
  maybe_free(cu);
}

/* A TLS failure in words (util/tls_reason.h); curl's own text otherwise. */
static void explain(CURL *easy, CURLcode result, const char *curl_text, char *out, size_t len) {
  long verify = 0;
  if (result == CURLE_PEER_FAILED_VERIFICATION &&
      curl_easy_getinfo(easy, CURLINFO_SSL_VERIFYRESULT, &verify) == CURLE_OK && verify != 0) {
    tls_failure f = {
        .verify_error = verify, .verify_text = X509_verify_cert_error_string(verify), .alert = -1};
    tls_reason(&f, out, len);
  } else if (result == CURLE_PEER_FAILED_VERIFICATION) {
    /* the chain was fine: libcurl's own check of the name failed */
    snprintf(out, len, "TLS: host name mismatch: %s", curl_text);
  } else if (result == CURLE_SSL_CONNECT_ERROR) {
    snprintf(out, len, "TLS: handshake failure: %s", curl_text);
  } else {
    snprintf(out, len, "%s", curl_text);
  }
}

static void finish_done(curl_uv *cu) {
  CURLMsg *msg;
  int left;
  while ((msg = curl_multi_info_read(cu->multi, &left))) {
    if (msg->msg != CURLMSG_DONE) continue;
    CURL *easy = msg->easy_handle;
    CURLcode result = msg->data.result;
    transfer *t = NULL;
    long code = 0;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&t);
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &code);
    char why[CURL_ERROR_SIZE + 64] = "";
    if (t && result != CURLE_OK)
      explain(easy, result, t->error[0] ? t->error : curl_easy_strerror(result), why, sizeof why);
    curl_multi_remove_handle(cu->multi, easy);
    curl_easy_cleanup(easy);
    if (t) {
      unlink_transfer(cu, t);
      t->cb(t->ctx, result, code, why);
      free(t);
    }
  }
}

static void on_poll(uv_poll_t *p, int status, int events) {
  watched *w = (watched *)p;
  curl_uv *cu = w->cu;
  int flags = 0;
  if (status < 0) flags = CURL_CSELECT_ERR;
  if (events & UV_READABLE) flags |= CURL_CSELECT_IN;
  if (events & UV_WRITABLE) flags |= CURL_CSELECT_OUT;
  int running;
  curl_multi_socket_action(cu->multi, w->fd, flags, &running);
  finish_done(cu);
}

static void on_timer(uv_timer_t *t) {
  curl_uv *cu = t->data;
  int running;
  curl_multi_socket_action(cu->multi, CURL_SOCKET_TIMEOUT, 0, &running);
  finish_done(cu);
}

static int socket_cb(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp) {
  (void)easy;
  curl_uv *cu = userp;
  watched *w = socketp;
  if (what == CURL_POLL_REMOVE) {
    if (w) {
      curl_multi_assign(cu->multi, fd, NULL);
      close_watched(cu, w);
    }
    return 0;
  }
  if (!w) {
    w = calloc(1, sizeof *w);
    if (!w) return -1;
    w->fd = fd;
    w->cu = cu;
    if (uv_poll_init_socket(cu->loop, &w->poll, fd) != 0) {
      free(w);
      return -1;
    }
    cu->open_handles++;
    w->next = cu->sockets;
    cu->sockets = w;
    curl_multi_assign(cu->multi, fd, w);
  }
  int events = 0;
  if (what & CURL_POLL_IN) events |= UV_READABLE;
  if (what & CURL_POLL_OUT) events |= UV_WRITABLE;
  uv_poll_start(&w->poll, events, on_poll);
  return 0;
}

static void close_watched(curl_uv *cu, watched *w) {
  (void)cu;
  if (w->closing) return;
  w->closing = true;
  uv_poll_stop(&w->poll);
  uv_close((uv_handle_t *)&w->poll, poll_closed);
}

static int timer_cb(CURLM *multi, long timeout_ms, void *userp) {
  (void)multi;
  curl_uv *cu = userp;
  if (timeout_ms < 0)
    uv_timer_stop(&cu->timer);
  else
    uv_timer_start(&cu->timer, on_timer, (uint64_t)timeout_ms, 0);
  return 0;
}

static void global_init(void) { curl_global_init(CURL_GLOBAL_DEFAULT); }

curl_uv *curl_uv_new(uv_loop_t *loop) {
  static uv_once_t once = UV_ONCE_INIT;
  uv_once(&once, global_init);
  curl_uv *cu = calloc(1, sizeof *cu);
  if (!cu) return NULL;
  cu->loop = loop;
  cu->multi = curl_multi_init();
  if (!cu->multi) {
    free(cu);
    return NULL;
  }
  uv_timer_init(loop, &cu->timer);
  cu->timer.data = cu;
  cu->open_handles = 1;
  curl_multi_setopt(cu->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
  curl_multi_setopt(cu->multi, CURLMOPT_SOCKETDATA, cu);
  curl_multi_setopt(cu->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
  curl_multi_setopt(cu->multi, CURLMOPT_TIMERDATA, cu);
  return cu;
}

int curl_uv_start(curl_uv *cu, CURL *easy, curl_uv_done_fn cb, void *ctx) {
  transfer *t = calloc(1, sizeof *t);
  if (!t || cu->closing) {
    free(t);
    curl_easy_cleanup(easy);
    return -1;
  }
  t->cb = cb;
  t->ctx = ctx;
  t->easy = easy;
  curl_easy_setopt(easy, CURLOPT_PRIVATE, t);
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, t->error);
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  /* only OCPP's schemes, redirects too (a redirect elsewhere fails with
   * CURLE_UNSUPPORTED_PROTOCOL); refused if libcurl cannot be held to them */
  bool held = curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, CURL_UV_PROTOCOLS) == CURLE_OK &&
              curl_easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS_STR, CURL_UV_PROTOCOLS) == CURLE_OK &&
              curl_easy_setopt(easy, CURLOPT_MAXREDIRS, CURL_UV_MAX_REDIRS) == CURLE_OK;
  /* the OCPP security whitepaper: TLS 1.2 or later (https, ftps) */
  curl_easy_setopt(easy, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
  if (!held || curl_multi_add_handle(cu->multi, easy) != CURLM_OK) {
    free(t);
    curl_easy_cleanup(easy);
    return -1;
  }
  t->next = cu->transfers;
  cu->transfers = t;
  return 0;
}

void curl_uv_close(curl_uv *cu) {
  if (!cu || cu->closing) return;
  cu->closing = true;
  /* Abort what runs: every transfer's callback hears about it once. */
  while (cu->transfers) {
    transfer *t = cu->transfers;
    cu->transfers = t->next;
    curl_multi_remove_handle(cu->multi, t->easy);
    curl_easy_cleanup(t->easy);
    t->cb(t->ctx, CURLE_ABORTED_BY_CALLBACK, 0, "aborted: the station is closing");
    free(t);
  }
  curl_multi_cleanup(cu->multi);
  cu->multi = NULL;
  for (watched *w = cu->sockets; w; w = w->next) close_watched(cu, w);
  uv_timer_stop(&cu->timer);
  uv_close((uv_handle_t *)&cu->timer, handle_closed);
}
