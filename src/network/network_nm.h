/*
 * The NetworkManager back end's borned side (network.backend = nm): runs the
 * borne-nm helper as a child process on the loop (uv_spawn, pipes) and
 * exchanges one JSON line per request and per answer with it. borned itself
 * links neither libnm nor GLib (docs/network.md says why).
 */
#ifndef BORNE_NETWORK_NETWORK_NM_H
#define BORNE_NETWORK_NETWORK_NM_H

#include <jansson.h>
#include <stddef.h>
#include <uv.h>

#include "network/network_req.h"

typedef struct net_nm net_nm;

/* The answer to one request: the network view (owned by the callee, may be
 * NULL on error) or why it failed. Called on the loop, exactly once. */
typedef void (*net_nm_done)(void *ctx, json_t *view, const char *error);

/* `helper`: path of borne-nm. Nothing runs before the first request. */
net_nm *net_nm_new(uv_loop_t *loop, const char *helper);
/* Sends `r`; the helper is (re)started when it is not running. */
void net_nm_submit(net_nm *n, const net_request *r, net_nm_done done, void *ctx);
/* Ends the helper (stdin closed) and fails what is pending; frees once closed. */
void net_nm_free(net_nm *n);

#endif
