/* libcurl multi on the libuv loop (see curl_uv.h): no thread, no polling. */
#include "firmware/curl_uv.h"

#include <ctype.h>
#include <dlfcn.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "station/lazy_timer.h"
#include "util/lazylib.h"
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

/* ---------- libcurl, loaded at the first transfer ---------- */

/* Never unloaded (no dlclose): curl_global_init runs once per process and
 * libcurl documents that it must not run again after curl_global_cleanup
 * while other code may use it; libcurl's TLS and GSSAPI libraries install
 * their own atexit and thread-exit handlers, which would point into unmapped
 * code after a dlclose. The cost of keeping it is paid only by a station that
 * made a transfer, once. */
static pthread_mutex_t lib_lock = PTHREAD_MUTEX_INITIALIZER;
static bool lib_loaded;
static curl_fns lib;

/* The functions resolved, named after curl_fns' fields; called through
 * curl_fns (some take varargs), opened by the shared helper (util/lazylib.h). */
/* One symbol a line: clang-format 14 reflowed the packed list differently at each pass. */
#define CURL_SYMS(X)                                                                               \
  X(global_init)                                                                                   \
  X(easy_init)                                                                                     \
  X(easy_setopt)                                                                                   \
  X(easy_getinfo)                                                                                  \
  X(easy_cleanup)                                                                                  \
  X(easy_strerror)                                                                                 \
  X(multi_init)                                                                                    \
  X(multi_setopt)                                                                                  \
  X(multi_add_handle)                                                                              \
  X(multi_remove_handle)                                                                           \
  X(multi_socket_action)                                                                           \
  X(multi_assign)                                                                                  \
  X(multi_info_read)                                                                               \
  X(multi_cleanup)                                                                                 \
  X(mime_init)                                                                                     \
  X(mime_addpart)                                                                                  \
  X(mime_name)                                                                                     \
  X(mime_filedata)                                                                                 \
  X(mime_filename)                                                                                 \
  X(mime_type)                                                                                     \
  X(mime_free)                                                                                     \
  X(slist_append)                                                                                  \
  X(slist_free_all)
#define SYM_NAME(field) "curl_" #field,
#define SYM_OFFSET(field) offsetof(curl_fns, field),
static const char *const sym_names[] = {CURL_SYMS(SYM_NAME)};
static const size_t sym_offsets[] = {CURL_SYMS(SYM_OFFSET)};
#define NSYMS (sizeof sym_names / sizeof sym_names[0])
static void *sym_slots[NSYMS];
static lazylib curl_lib = {.file = "libcurl.so.4",
                           .package = "libcurl4",
                           .names = sym_names,
                           .fns = sym_slots,
                           .count = NSYMS,
                           .lock = PTHREAD_MUTEX_INITIALIZER};

void curl_uv_set_library(const char *file) { lazylib_set_file(&curl_lib, file); }

const curl_fns *curl_uv_load(char *why, size_t whylen) {
  if (why && whylen) why[0] = '\0';
  pthread_mutex_lock(&lib_lock);
  if (lib_loaded) {
    pthread_mutex_unlock(&lib_lock);
    return &lib;
  }
  char detail[400] = "";
  const char *fail = NULL;
  curl_fns fns;
  if (!lazylib_load(&curl_lib, detail, sizeof detail)) {
    fail = ""; /* the helper's words say it all */
  } else {
    for (size_t i = 0; i < NSYMS; i++) /* POSIX: dlsym's pointer holds a function's address */
      memcpy((char *)&fns + sym_offsets[i], &sym_slots[i], sizeof sym_slots[i]);
    /* once per process: after a failure libcurl stays loaded (its
     * initialisation may have half run) and the next transfer tries again */
    if (fns.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      snprintf(detail, sizeof detail, "curl_global_init failed");
      fail = "cannot start libcurl for the transfer";
    }
  }
  if (!fail) {
    lib = fns;
    lib_loaded = true;
  }
  pthread_mutex_unlock(&lib_lock);
  if (fail) {
    if (why && fail[0])
      snprintf(why, whylen, "%s: %s", fail, detail);
    else if (why)
      snprintf(why, whylen, "%s", detail);
    return NULL;
  }
  return &lib;
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
  /* curl's timeout, made by the first transfer's (station/lazy_timer.h): a
   * station's updaters that never transfer hold none */
  lazy_timer timer;
  transfer *transfers; /* running */
  watched *sockets;    /* watched by uv_poll */
  int open_handles;    /* uv_poll handles still to be closed */
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
      lib.easy_getinfo(easy, CURLINFO_SSL_VERIFYRESULT, &verify) == CURLE_OK && verify != 0) {
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
  while ((msg = lib.multi_info_read(cu->multi, &left))) {
    if (msg->msg != CURLMSG_DONE) continue;
    CURL *easy = msg->easy_handle;
    CURLcode result = msg->data.result;
    transfer *t = NULL;
    long code = 0;
    lib.easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&t);
    lib.easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &code);
    char why[CURL_ERROR_SIZE + 64] = "";
    if (t && result != CURLE_OK)
      explain(easy, result, t->error[0] ? t->error : lib.easy_strerror(result), why, sizeof why);
    lib.multi_remove_handle(cu->multi, easy);
    lib.easy_cleanup(easy);
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
  lib.multi_socket_action(cu->multi, w->fd, flags, &running);
  finish_done(cu);
}

static void on_timer(uv_timer_t *t) {
  curl_uv *cu = t->data;
  int running;
  lib.multi_socket_action(cu->multi, CURL_SOCKET_TIMEOUT, 0, &running);
  finish_done(cu);
}

static int socket_cb(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp) {
  (void)easy;
  curl_uv *cu = userp;
  watched *w = socketp;
  if (what == CURL_POLL_REMOVE) {
    if (w) {
      lib.multi_assign(cu->multi, fd, NULL);
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
    lib.multi_assign(cu->multi, fd, w);
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
    lazy_timer_stop(&cu->timer);
  else if (lazy_timer_start(&cu->timer, cu->loop, on_timer, cu, (uint64_t)timeout_ms, 0) != 0)
    return -1; /* out of memory: curl fails the transfers */
  return 0;
}

curl_uv *curl_uv_new(uv_loop_t *loop) {
  curl_uv *cu = calloc(1, sizeof *cu);
  if (!cu) return NULL;
  cu->loop = loop;
  return cu;
}

/* The multi handle, made at the first transfer (libcurl is loaded then). */
static bool have_multi(curl_uv *cu) {
  if (cu->multi) return true;
  cu->multi = lib.multi_init();
  if (!cu->multi) return false;
  lib.multi_setopt(cu->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
  lib.multi_setopt(cu->multi, CURLMOPT_SOCKETDATA, cu);
  lib.multi_setopt(cu->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
  lib.multi_setopt(cu->multi, CURLMOPT_TIMERDATA, cu);
  return true;
}

int curl_uv_start(curl_uv *cu, CURL *easy, curl_uv_done_fn cb, void *ctx) {
  /* an easy handle comes from a loaded libcurl, so this only looks it up */
  if (!easy || !curl_uv_load(NULL, 0)) return -1;
  transfer *t = calloc(1, sizeof *t);
  if (!t || cu->closing || !have_multi(cu)) {
    free(t);
    lib.easy_cleanup(easy);
    return -1;
  }
  t->cb = cb;
  t->ctx = ctx;
  t->easy = easy;
  lib.easy_setopt(easy, CURLOPT_PRIVATE, t);
  lib.easy_setopt(easy, CURLOPT_ERRORBUFFER, t->error);
  lib.easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  /* only OCPP's schemes, redirects too (a redirect elsewhere fails with
   * CURLE_UNSUPPORTED_PROTOCOL); refused if libcurl cannot be held to them */
  bool held = lib.easy_setopt(easy, CURLOPT_PROTOCOLS_STR, CURL_UV_PROTOCOLS) == CURLE_OK &&
              lib.easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS_STR, CURL_UV_PROTOCOLS) == CURLE_OK &&
              lib.easy_setopt(easy, CURLOPT_MAXREDIRS, CURL_UV_MAX_REDIRS) == CURLE_OK;
  /* the OCPP security whitepaper: TLS 1.2 or later (https, ftps) */
  lib.easy_setopt(easy, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
  if (!held || lib.multi_add_handle(cu->multi, easy) != CURLM_OK) {
    free(t);
    lib.easy_cleanup(easy);
    return -1;
  }
  t->next = cu->transfers;
  cu->transfers = t;
  return 0;
}

int curl_uv_cancel(curl_uv *cu, void *ctx) {
  if (!cu || cu->closing) return 0;
  /* taken off the list first: a callback that starts a new transfer for the
   * same ctx (a retry) neither loses it nor sees it cancelled */
  transfer *cancelled = NULL;
  for (transfer **p = &cu->transfers; *p;) {
    transfer *t = *p;
    if (t->ctx != ctx) {
      p = &t->next;
      continue;
    }
    *p = t->next;
    t->next = cancelled;
    cancelled = t;
  }
  int n = 0;
  while (cancelled) {
    transfer *t = cancelled;
    cancelled = t->next;
    /* libcurl closes the connection and, through socket_cb, stops watching it */
    lib.multi_remove_handle(cu->multi, t->easy);
    lib.easy_cleanup(t->easy);
    t->cb(t->ctx, CURLE_ABORTED_BY_CALLBACK, 0, "cancelled");
    free(t);
    n++;
  }
  return n;
}

void curl_uv_close(curl_uv *cu) {
  if (!cu || cu->closing) return;
  cu->closing = true;
  /* Abort what runs: every transfer's callback hears about it once. */
  while (cu->transfers) {
    transfer *t = cu->transfers;
    cu->transfers = t->next;
    lib.multi_remove_handle(cu->multi, t->easy);
    lib.easy_cleanup(t->easy);
    t->cb(t->ctx, CURLE_ABORTED_BY_CALLBACK, 0, "aborted: the station is closing");
    free(t);
  }
  if (cu->multi) lib.multi_cleanup(cu->multi); /* none before the first transfer */
  cu->multi = NULL;
  for (watched *w = cu->sockets; w; w = w->next) close_watched(cu, w);
  lazy_timer_close(&cu->timer);
  maybe_free(cu); /* now when no poll handle is left to close */
}
