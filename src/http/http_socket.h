/*
 * Socket facts the HTTP server needs and libwebsockets does not give: how
 * much of a connection's byte stream the process has already read. The
 * server compares it across requests to tell a request that lws parses out
 * of bytes it had buffered (a pipelined one) from one read afresh. A header
 * of its own because <linux/tcp.h>, which has the whole struct tcp_info,
 * cannot be included next to <libwebsockets.h> (glibc's <netinet/tcp.h>).
 */
#ifndef BORNE_API_HTTP_SOCKET_H
#define BORNE_API_HTTP_SOCKET_H

/* Bytes of its TCP stream the process has read from the connected socket
 * `fd` (received in order minus still queued), or -1 when unknown (not a
 * TCP socket, or the counters kept changing). */
long long http_socket_bytes_read(int fd);

#endif
