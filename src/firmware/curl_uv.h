/*
 * libcurl's multi interface driven by the station's libuv loop: sockets are
 * watched with uv_poll, curl's timeout with one uv_timer, so downloads and
 * uploads (firmware images, diagnostics) never block the loop and never poll.
 * This is the integration libcurl documents (curl_multi_socket_action).
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

typedef struct curl_uv curl_uv;

/* Called once per transfer when it ends; `error` is curl's message or "". The
 * easy handle is cleaned up by curl_uv after the callback returns. */
typedef void (*curl_uv_done_fn)(void *ctx, CURLcode result, long response_code, const char *error);

curl_uv *curl_uv_new(uv_loop_t *loop);
/* Start a prepared easy handle (curl_uv owns it from here). Every transfer is
 * held to CURL_UV_PROTOCOLS, redirects included, and CURL_UV_MAX_REDIRS
 * (defence in depth behind curl_uv_url_allowed at the request). A failure's
 * `error` says why in words: for a TLS server that cannot be trusted, the
 * reason (expired, unknown CA, host name mismatch, ...; util/tls_reason.h).
 * Returns -1 if curl refuses it (the handle is cleaned up, cb not called). */
int curl_uv_start(curl_uv *cu, CURL *easy, curl_uv_done_fn cb, void *ctx);
/* Abort every transfer (their callbacks run with CURLE_ABORTED_BY_CALLBACK),
 * close the handles; the memory goes once the loop has closed them. */
void curl_uv_close(curl_uv *cu);

#endif
