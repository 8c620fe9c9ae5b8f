/*
 * A JSON value as compact text, byte for byte what jansson's
 * json_dumps(v, JSON_COMPACT | JSON_REAL_PRECISION(p)) gives, in a fraction of
 * its time (issue 15: jansson walks the UTF-8 of every character and calls
 * back for each piece of text, ~44 000 instructions per OCPP message of a
 * charging cycle, most of them in the OCMF records' long strings).
 *
 * It writes what it can prove it writes the same: objects, arrays, integers,
 * reals, true, false, null, and strings of ASCII. A value it does not handle
 * (a string with a byte above 0x7F, nesting deeper than 64, a scalar at the
 * top) is handed to json_dumps whole, so the text is always jansson's.
 */
#ifndef BORNE_HTTP_JSON_TEXT_H
#define BORNE_HTTP_JSON_TEXT_H

#include <jansson.h>

/* The text (malloc'd, the caller frees it), or NULL where json_dumps gives
 * NULL (a scalar at the top, invalid UTF-8, a loop, no memory). `precision`
 * as JSON_REAL_PRECISION's: 0 for jansson's default (17). */
char *json_text_compact(const json_t *v, int precision);

#endif
