/*
 * libcurl's multi interface driven by the station's libuv loop: sockets are
 * watched with uv_poll, curl's timeout with one uv_timer, so downloads and
 * uploads (firmware images, diagnostics) never block the loop and never poll.
 * This is the integration libcurl documents (curl_multi_socket_action).
 *
 * borned does not link libcurl: libcurl's Debian build brings ~28 libraries
 * (GnuTLS, Kerberos, LDAP, libssh2, librtmp, nghttp2, ...) into every process
 * that links it, for a transfer that happens a few times a year. The
 * functions borne calls are resolved from libcurl.so.4 with dlopen/dlsym at
 * the first transfer instead (curl_uv_load); the types and CURL* constants
 * still come from <curl/curl.h> at build time. Why libcurl stays at all: FTP
 * and FTPS (docs/dependencies.md).
 */
#ifndef BORNE_FIRMWARE_CURL_UV_H
#define BORNE_FIRMWARE_CURL_UV_H

#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

/* The only URL schemes a transfer may use: those OCPP names for firmware and
 * diagnostics (OCPP 1.6 section 8 and SupportedFileTransferProtocols: FTP,
 * FTPS, HTTP, HTTPS). libcurl knows many more (file, gopher, dict, smb, ...),
 * which would let a back end read the station's files or send raw bytes to
 * any host of the LAN. sftp and scp are left out too: OCPP does not name
 * them and the station has no known_hosts to check an SSH server with. The
 * string is libcurl's CURLOPT_PROTOCOLS_STR form. */
#define CURL_UV_PROTOCOLS "https,http,ftps,ftp"
/* Redirects a download follows at most. */
#define CURL_UV_MAX_REDIRS 5L

/* Whether `url` starts with an allowed scheme (case-insensitive) and "://".
 * Pure. false with the reason in why ("" allowed), for logs and the status
 * detail. */
bool curl_uv_url_allowed(const char *url, char *why, size_t whylen);

/* libcurl's functions that borne calls, named after them without "curl_"
 * (easy_init is curl_easy_init, ...). */
typedef struct {
  CURLcode (*global_init)(long flags);
  CURL *(*easy_init)(void);
  CURLcode (*easy_setopt)(CURL *easy, CURLoption option, ...);
  CURLcode (*easy_getinfo)(CURL *easy, CURLINFO info, ...);
  void (*easy_cleanup)(CURL *easy);
  const char *(*easy_strerror)(CURLcode code);
  CURLM *(*multi_init)(void);
  CURLMcode (*multi_setopt)(CURLM *multi, CURLMoption option, ...);
  CURLMcode (*multi_add_handle)(CURLM *multi, CURL *easy);
  CURLMcode (*multi_remove_handle)(CURLM *multi, CURL *easy);
  CURLMcode (*multi_socket_action)(CURLM *multi, curl_socket_t fd, int ev_bitmask,
                                   int *running_handles);
  CURLMcode (*multi_assign)(CURLM *multi, curl_socket_t fd, void *sockp);
  CURLMsg *(*multi_info_read)(CURLM *multi, int *msgs_in_queue);
  CURLMcode (*multi_cleanup)(CURLM *multi);
  curl_mime *(*mime_init)(CURL *easy);
  curl_mimepart *(*mime_addpart)(curl_mime *mime);
  CURLcode (*mime_name)(curl_mimepart *part, const char *name);
  CURLcode (*mime_filedata)(curl_mimepart *part, const char *filename);
  CURLcode (*mime_filename)(curl_mimepart *part, const char *filename);
  CURLcode (*mime_type)(curl_mimepart *part, const char *mimetype);
  void (*mime_free)(curl_mime *mime);
  struct curl_slist *(*slist_append)(struct curl_slist *list, const char *string);
  void (*slist_free_all)(struct curl_slist *list);
} curl_fns;

/* libcurl's functions, libcurl.so.4 loaded (dlopen) and curl_global_init
 * run at the first call in the process; every later call returns the same
 * table. NULL with the reason in why when the library cannot be loaded (not
 * installed, too old to have one of the functions): that transfer fails, the
 * next call tries again. The library is never unloaded (curl_uv.c says why).
 * Thread-safe. */
const curl_fns *curl_uv_load(char *why, size_t whylen);
/* Tests only: the file curl_uv_load opens (NULL: "libcurl.so.4"), to see a
 * missing library fail cleanly. No effect once libcurl is loaded. */
void curl_uv_set_library(const char *file);

typedef struct curl_uv curl_uv;

/* Called once per transfer when it ends; `error` is curl's message or "". The
 * easy handle is cleaned up by curl_uv after the callback returns. */
typedef void (*curl_uv_done_fn)(void *ctx, CURLcode result, long response_code, const char *error);

/* Loads nothing: libcurl is loaded by the first transfer (curl_uv_load). */
curl_uv *curl_uv_new(uv_loop_t *loop);
/* Start a prepared easy handle, made with curl_uv_load()->easy_init (curl_uv
 * owns it from here). Every transfer is
 * held to CURL_UV_PROTOCOLS, redirects included, and CURL_UV_MAX_REDIRS
 * (defence in depth behind curl_uv_url_allowed at the request). A failure's
 * `error` says why in words: for a TLS server that cannot be trusted, the
 * reason (expired, unknown CA, host name mismatch, ...; util/tls_reason.h).
 * Returns -1 if curl refuses it (the handle is cleaned up, cb not called). */
int curl_uv_start(curl_uv *cu, CURL *easy, curl_uv_done_fn cb, void *ctx);
/* Abort the transfers started with this ctx (OCPP 2.0.1 L01/N01: a new
 * UpdateFirmware or GetLog cancels the running one): each is taken off the
 * multi handle (its connection closed) and its callback runs once, before
 * this returns, with CURLE_ABORTED_BY_CALLBACK and "cancelled". The other
 * transfers go on. Returns how many were aborted (0: none ran for ctx). Not
 * to be called from inside a transfer's callback. */
int curl_uv_cancel(curl_uv *cu, void *ctx);
/* Abort every transfer (their callbacks run with CURLE_ABORTED_BY_CALLBACK),
 * close the handles; the memory goes once the loop has closed them. */
void curl_uv_close(curl_uv *cu);

#endif
