/*
 * Bytes as hexadecimal text and back, digit by digit: the station key and
 * signatures of OCMF (upper case), certificate hashes and fingerprints of OCPP
 * and the web session tokens (lower case), percent-encoding in URLs and P1
 * CRCs. One copy instead of one per module; pure, no allocation.
 */
#ifndef BORNE_UTIL_HEX_H
#define BORNE_UTIL_HEX_H

#include <stdbool.h>
#include <stddef.h>

/* n bytes of `in` as 2n hex digits and a NUL into out (2n + 1 bytes). */
void hex_encode(const unsigned char *in, size_t n, char *out, bool upper);

/* The value of one hex digit (0-9, a-f, A-F), or -1. */
int hex_digit(char c);

#endif
