/*
 * Percent-encoding (RFC 3986): the server re-encodes query arguments with it
 * and bornectl builds request paths with it. One copy below both, since
 * bornectl links util only.
 */
#ifndef BORNE_UTIL_URL_H
#define BORNE_UTIL_URL_H

#include <stddef.h>

/* Percent-encodes every byte of in[0..len) outside RFC 3986 unreserved
 * (ALPHA DIGIT - . _ ~) into out (NUL-terminated, upper-case hex). Returns
 * the length, or -1 when out (outlen bytes) is too small. */
int url_encode(const char *in, size_t len, char *out, size_t outlen);

#endif
