/*
 * The web page's optional HTTPS: a self-signed certificate made at the first
 * start (EC P-256, 10 years, names localhost, 127.0.0.1, ::1 and the host
 * name) kept in the data directory, or the installer's own files, and the
 * SHA-256 fingerprint people compare in their browser (`bornectl status`).
 * File I/O and OpenSSL only; called once at start, before the loop runs.
 */
#ifndef BORNE_WEB_TLS_H
#define BORNE_WEB_TLS_H

#include <stddef.h>

/* Makes DIR/web-cert.pem and DIR/web-key.pem (mode 0600) unless both exist.
 * 0, or -1 with a reason in err. */
int web_tls_self_signed(const char *dir, const char *hostname, char *err, size_t errlen);
/* "AB:CD:..." (95 characters) of the PEM certificate at `path`. */
int web_tls_fingerprint(const char *path, char *out, size_t outlen, char *err, size_t errlen);

#endif
