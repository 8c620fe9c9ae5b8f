/*
 * TLS failures in words (util/tls_reason.h): each certificate error an
 * installer meets (expired, not yet valid, unknown CA, self-signed, host
 * name mismatch, revoked), the server's alerts (protocol version, handshake
 * failure, client certificate refused or required), the station's own errors
 * (no common TLS version, not TLS at all, closed during the handshake), which
 * one wins, and "nothing known".
 */
/* cmocka.h needs these first */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <string.h>

#include "util/tls_reason.h"

static char out[256];

static const char *verify(long code, const char *text) {
  tls_failure f = {
      .verify_error = code, .verify_text = text, .alert = -1, .host = "cs.example.com"};
  assert_true(tls_reason(&f, out, sizeof out));
  return out;
}

static const char *alert(int a, bool sent, const char *name) {
  tls_failure f = {.alert = a, .alert_sent = sent, .alert_text = name, .host = "cs.example.com"};
  assert_true(tls_reason(&f, out, sizeof out));
  return out;
}

static const char *error(int reason, const char *text, int a) {
  tls_failure f = {.alert = a, .alert_sent = a >= 0, .error_reason = reason, .error_text = text};
  assert_true(tls_reason(&f, out, sizeof out));
  return out;
}

static void contains(const char *text, const char *part) {
  if (!strstr(text, part)) fail_msg("\"%s\" lacks \"%s\"", text, part);
  if (strncmp(text, "TLS: ", 5) != 0) fail_msg("\"%s\" does not start with \"TLS: \"", text);
}

static void certificate_errors_are_named(void **state) {
  (void)state;
  contains(verify(X509_V_ERR_CERT_HAS_EXPIRED, "certificate has expired"), "certificate expired");
  contains(verify(X509_V_ERR_CERT_NOT_YET_VALID, "certificate is not yet valid"), "not yet valid");
  contains(out, "clock");
  contains(verify(X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, NULL), "unknown CA");
  contains(out, "unknown issuer");
  contains(verify(X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE, NULL), "unknown CA");
  contains(verify(X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, NULL), "self-signed");
  contains(out, "unknown CA");
  contains(verify(X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN, NULL), "self-signed root");
  contains(verify(X509_V_ERR_HOSTNAME_MISMATCH, NULL), "host name mismatch");
  contains(out, "not for cs.example.com");
  contains(verify(X509_V_ERR_IP_ADDRESS_MISMATCH, NULL), "host name mismatch");
  contains(verify(X509_V_ERR_CERT_REVOKED, NULL), "revoked");
  contains(verify(X509_V_ERR_CERT_SIGNATURE_FAILURE, "certificate signature failure"),
           "bad signature (certificate signature failure)");
  contains(verify(X509_V_ERR_CA_MD_TOO_WEAK, "CA signature digest algorithm too weak"), "too weak");
  /* one nobody mapped: OpenSSL's words, or the number */
  contains(verify(X509_V_ERR_PATH_LENGTH_EXCEEDED, "path length constraint exceeded"),
           "not trusted (path length constraint exceeded)");
  contains(verify(X509_V_ERR_PATH_LENGTH_EXCEEDED, NULL), "X509 error 25");
  /* no host known */
  tls_failure f = {.verify_error = X509_V_ERR_HOSTNAME_MISMATCH, .alert = -1};
  assert_true(tls_reason(&f, out, sizeof out));
  contains(out, "host name mismatch");
}

static void server_alerts_are_named(void **state) {
  (void)state;
  contains(alert(SSL_AD_PROTOCOL_VERSION, false, "protocol version"), "protocol version");
  contains(out, "TLS 1.2");
  contains(alert(SSL_AD_HANDSHAKE_FAILURE, false, "handshake failure"), "handshake failure");
  contains(out, "cipher suite");
  contains(alert(SSL_AD_INSUFFICIENT_SECURITY, false, NULL), "stronger cipher suites");
  contains(alert(SSL_AD_CERTIFICATE_REQUIRED, false, NULL), "requires a client certificate");
  contains(alert(SSL_AD_UNKNOWN_CA, false, "unknown CA"),
           "refused the station's client certificate (unknown CA)");
  contains(alert(SSL_AD_CERTIFICATE_EXPIRED, false, "certificate expired"),
           "client certificate (certificate expired)");
  contains(alert(SSL_AD_UNRECOGNIZED_NAME, false, NULL), "host name cs.example.com");
  contains(alert(SSL_AD_INTERNAL_ERROR, false, "internal error"),
           "the server ended it (internal error)");
  contains(alert(SSL_AD_INTERNAL_ERROR, false, NULL), "alert 80");
}

static void station_errors_are_named(void **state) {
  (void)state;
  contains(error(SSL_R_UNSUPPORTED_PROTOCOL, "unsupported protocol", SSL_AD_PROTOCOL_VERSION),
           "protocol version");
  contains(out, "(unsupported protocol)");
  contains(error(SSL_R_NO_PROTOCOLS_AVAILABLE, "no protocols available", -1), "protocol version");
  contains(error(SSL_R_WRONG_VERSION_NUMBER, "wrong version number", -1), "did not answer in TLS");
  contains(out, "plain");
  contains(error(SSL_R_UNEXPECTED_EOF_WHILE_READING, "unexpected eof while reading", -1),
           "closed the connection");
  contains(error(SSL_R_LEGACY_SIGALG_DISALLOWED_OR_UNSUPPORTED,
                 "legacy sigalg disallowed or unsupported", SSL_AD_HANDSHAKE_FAILURE),
           "handshake failure: legacy sigalg disallowed or unsupported");
  contains(error(-1, "some other library's reason", -1),
           "handshake failure: some other library's reason");
  /* an alert the station sent, no error known: the alert says it */
  contains(error(0, NULL, SSL_AD_PROTOCOL_VERSION), "protocol version");
  tls_failure f = {.alert = SSL_AD_DECODE_ERROR, .alert_sent = true, .alert_text = "decode error"};
  assert_true(tls_reason(&f, out, sizeof out));
  contains(out, "handshake failure: decode error");
}

static void the_cause_wins(void **state) {
  (void)state;
  /* the certificate was refused, so the station sent "certificate expired" */
  tls_failure f = {.verify_error = X509_V_ERR_CERT_HAS_EXPIRED,
                   .alert = SSL_AD_CERTIFICATE_EXPIRED,
                   .alert_sent = true,
                   .alert_text = "certificate expired",
                   .error_reason = SSL_R_CERTIFICATE_VERIFY_FAILED,
                   .error_text = "certificate verify failed"};
  assert_true(tls_reason(&f, out, sizeof out));
  contains(out, "past its end date");
  /* the server's alert says more than the error it caused here */
  tls_failure g = {.alert = SSL_AD_PROTOCOL_VERSION,
                   .alert_text = "protocol version",
                   .error_reason = SSL_R_TLSV1_ALERT_PROTOCOL_VERSION,
                   .error_text = "tlsv1 alert protocol version"};
  assert_true(tls_reason(&g, out, sizeof out));
  contains(out, "accepts none of the station's TLS versions");
}

static void nothing_known_says_nothing(void **state) {
  (void)state;
  tls_failure f = {.alert = -1};
  strcpy(out, "stale");
  assert_false(tls_reason(&f, out, sizeof out));
  assert_string_equal(out, "");
  assert_false(tls_reason(NULL, out, sizeof out));
  char tiny[12];
  tls_failure e = {.verify_error = X509_V_ERR_CERT_HAS_EXPIRED, .alert = -1};
  assert_true(tls_reason(&e, tiny, sizeof tiny));
  assert_string_equal(tiny, "TLS: certif"); /* cut, still terminated */
}

/* InvalidTLSVersion (security events): the version alert either way or
 * OpenSSL's version errors; not a refused certificate nor another alert */
static void version_failures_are_told_apart(void **state) {
  (void)state;
  tls_failure server = {.alert = SSL_AD_PROTOCOL_VERSION, .alert_sent = false};
  assert_true(tls_failure_is_version(&server));
  tls_failure mine = {.alert = SSL_AD_PROTOCOL_VERSION,
                      .alert_sent = true,
                      .error_reason = SSL_R_UNSUPPORTED_PROTOCOL};
  assert_true(tls_failure_is_version(&mine));
  tls_failure low = {.alert = -1, .error_reason = SSL_R_VERSION_TOO_LOW};
  assert_true(tls_failure_is_version(&low));
  tls_failure cert = {.verify_error = X509_V_ERR_CERT_HAS_EXPIRED,
                      .alert = SSL_AD_PROTOCOL_VERSION};
  assert_false(tls_failure_is_version(&cert));
  tls_failure other = {.alert = SSL_AD_HANDSHAKE_FAILURE};
  assert_false(tls_failure_is_version(&other));
  tls_failure none = {.alert = -1};
  assert_false(tls_failure_is_version(&none));
  assert_false(tls_failure_is_version(NULL));
}

/* InvalidTLSCipherSuite: the server refusing the station's hello
 * (handshake_failure, insufficient_security before its own hello) or
 * OpenSSL's cipher errors; not the same alert after the server's hello (a
 * client certificate refused in TLS 1.2), not one the station sent, not a
 * refused certificate, not a version failure */
static void cipher_failures_are_told_apart(void **state) {
  (void)state;
  tls_failure refused = {.alert = SSL_AD_HANDSHAKE_FAILURE, .alert_sent = false};
  assert_true(tls_failure_is_cipher_suite(&refused));
  assert_false(tls_failure_is_version(&refused));
  tls_failure weak = {.alert = SSL_AD_INSUFFICIENT_SECURITY, .alert_sent = false};
  assert_true(tls_failure_is_cipher_suite(&weak));
  tls_failure later = {
      .alert = SSL_AD_HANDSHAKE_FAILURE, .alert_sent = false, .server_hello = true};
  assert_false(tls_failure_is_cipher_suite(&later));
  tls_failure mine = {.alert = SSL_AD_HANDSHAKE_FAILURE, .alert_sent = true};
  assert_false(tls_failure_is_cipher_suite(&mine));
  tls_failure wrong = {.alert = SSL_AD_ILLEGAL_PARAMETER,
                       .alert_sent = true,
                       .error_reason = SSL_R_WRONG_CIPHER_RETURNED,
                       .server_hello = true};
  assert_true(tls_failure_is_cipher_suite(&wrong));
  tls_failure none_here = {.alert = -1, .error_reason = SSL_R_NO_CIPHERS_AVAILABLE};
  assert_true(tls_failure_is_cipher_suite(&none_here));
  tls_failure cert = {.verify_error = X509_V_ERR_CERT_HAS_EXPIRED,
                      .alert = SSL_AD_HANDSHAKE_FAILURE};
  assert_false(tls_failure_is_cipher_suite(&cert));
  tls_failure version = {.alert = SSL_AD_PROTOCOL_VERSION};
  assert_false(tls_failure_is_cipher_suite(&version));
  tls_failure nothing = {.alert = -1};
  assert_false(tls_failure_is_cipher_suite(&nothing));
  assert_false(tls_failure_is_cipher_suite(NULL));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(certificate_errors_are_named),
      cmocka_unit_test(server_alerts_are_named),
      cmocka_unit_test(station_errors_are_named),
      cmocka_unit_test(the_cause_wins),
      cmocka_unit_test(nothing_known_says_nothing),
      cmocka_unit_test(version_failures_are_told_apart),
      cmocka_unit_test(cipher_failures_are_told_apart),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
