/*
 * Server-Sent Events framing (WHATWG HTML Living Standard, section
 * "Server-sent events", the text/event-stream format): pure formatting and
 * the Last-Event-ID parser.
 */
#ifndef BORNE_WEB_SSE_H
#define BORNE_WEB_SSE_H

#include <stddef.h>
#include <stdint.h>

/* One message: "id: ID\n" (when id > 0), "event: TYPE\n" (when type is not
 * NULL), one "data: " line per line of data, then a blank line. CR, LF and
 * CRLF in data all start a new data line (the standard's line ends), so no
 * input can forge a field. Returns the length, or -1 when out is too small. */
int web_sse_format(char *out, size_t len, int64_t id, const char *type, const char *data);
/* The id to resume after, from a Last-Event-ID header (decimal, up to 18
 * digits): -1 when absent or not a plain number. */
int64_t web_sse_last_id(const char *header);

#endif
