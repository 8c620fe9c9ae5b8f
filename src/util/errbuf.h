/*
 * Writing an error message into a caller's buffer: every fallible function in
 * borne takes `char *err, size_t errlen` and says there why it failed. This is
 * the one helper that fills such a buffer, instead of a static copy in each
 * module. A NULL buffer or a zero length is allowed (the message is dropped);
 * a long message is cut to fit and always terminated.
 */
#ifndef BORNE_UTIL_ERRBUF_H
#define BORNE_UTIL_ERRBUF_H

#include <stdarg.h>
#include <stddef.h>

void errbuf_setf(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

void errbuf_vsetf(char *err, size_t errlen, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* errbuf_setf, then -1, for `return errbuf_fail(err, errlen, "...", ...);`. */
int errbuf_fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
