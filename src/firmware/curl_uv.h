/*
 * libcurl's multi interface driven by the station's libuv loop: sockets are
 * watched with uv_poll, curl's timeout with one uv_timer, so downloads and
 * uploads (firmware images, diagnostics) never block the loop and never poll.
 * This is the integration libcurl documents (curl_multi_socket_action).
 */
#ifndef BORNE_FIRMWARE_CURL_UV_H
#define BORNE_FIRMWARE_CURL_UV_H

#include <curl/curl.h>
#include <uv.h>

typedef struct curl_uv curl_uv;

/* Called once per transfer when it ends; `error` is curl's message or "". The
 * easy handle is cleaned up by curl_uv after the callback returns. */
typedef void (*curl_uv_done_fn)(void *ctx, CURLcode result, long response_code, const char *error);

curl_uv *curl_uv_new(uv_loop_t *loop);
/* Start a prepared easy handle (curl_uv owns it from here). Returns -1 if
 * curl refuses it (the handle is cleaned up, cb not called). */
int curl_uv_start(curl_uv *cu, CURL *easy, curl_uv_done_fn cb, void *ctx);
/* Abort every transfer (their callbacks run with CURLE_ABORTED_BY_CALLBACK),
 * close the handles; the memory goes once the loop has closed them. */
void curl_uv_close(curl_uv *cu);

#endif
