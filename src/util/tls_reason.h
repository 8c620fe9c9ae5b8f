/*
 * Why a TLS connection failed, in words an installer can act on. OpenSSL
 * reports a refused server certificate as an X509_V_ERR_* code and a failed
 * handshake as a TLS alert; libwebsockets passes on neither ("SSL err 1:
 * error:00000001:lib(0)::reason(1)") and libcurl only OpenSSL's terse text.
 * The OCPP connection (last_error) and the firmware and diagnostics transfers
 * (the status detail) give what they saw here and show the sentence. Pure:
 * it uses OpenSSL's constants, never its functions; OpenSSL's own words for
 * a code come in from the caller.
 */
#ifndef BORNE_UTIL_TLS_REASON_H
#define BORNE_UTIL_TLS_REASON_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
  long verify_error;       /* X509_V_ERR_* for the server's certificate; 0: none */
  const char *verify_text; /* OpenSSL's words for it (X509_verify_cert_error_string); NULL */
  int alert;               /* first fatal TLS alert (SSL_AD_*); -1: none */
  bool alert_sent;         /* the station sent it (else the server did) */
  const char *alert_text;  /* OpenSSL's name for it (SSL_alert_desc_string_long); NULL */
  int error_reason;        /* the station's own TLS error: SSL_R_* (ERR_GET_REASON of an
                              ERR_LIB_SSL error), -1 another library's; 0: none */
  const char *error_text;  /* OpenSSL's words for it (ERR_reason_error_string); NULL */
  const char *host;        /* the server as the station was told to reach it; NULL */
  bool server_hello;       /* the server's hello had come (a cipher suite agreed) when it
                              failed; false when unknown */
} tls_failure;

/* One sentence starting "TLS: " that names the reason: certificate expired,
 * not yet valid, unknown CA (self-signed, issuer unknown), host name
 * mismatch, revoked, protocol version, handshake failure, the server refused
 * the station's own certificate, not TLS at all, ... The certificate's error
 * comes first, then what the server said (its alert), then the station's own
 * error. Returns false (out "") when f holds nothing to tell. */
bool tls_reason(const tls_failure *f, char *out, size_t len);

/* The failure is about the TLS version: the server accepts none of the
 * station's (its protocol_version alert) or offers none the station accepts
 * (OpenSSL's version errors); the server's certificate was not refused. */
bool tls_failure_is_version(const tls_failure *f);

/* The failure is about the cipher suites (InvalidTLSCipherSuite): the server
 * refused the station's hello with a handshake_failure or
 * insufficient_security alert before answering it (what OpenSSL servers say
 * for "no shared cipher"; a server also says it for no key exchange group
 * in common, which a station offering the usual ones does not meet), or
 * OpenSSL's own cipher errors (none available, a suite the station did not
 * offer chosen by the server); the server's certificate was not refused. */
bool tls_failure_is_cipher_suite(const tls_failure *f);

#endif
