/*
 * TLS failure reasons in words (see tls_reason.h). Only OpenSSL's constants
 * are used here, so util links no OpenSSL.
 */
#include "util/tls_reason.h"

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <stdio.h>

static const char *or_code(const char *text, char *buf, size_t len, const char *what, long code) {
  if (text && text[0]) return text;
  snprintf(buf, len, "%s %ld", what, code);
  return buf;
}

static void verify_reason(const tls_failure *f, char *out, size_t len) {
  const char *host = f->host && f->host[0] ? f->host : "the host the station was given";
  char code[40];
  const char *text = or_code(f->verify_text, code, sizeof code, "X509 error", f->verify_error);
  switch (f->verify_error) {
  case X509_V_ERR_CERT_HAS_EXPIRED:
    snprintf(out, len, "TLS: certificate expired: the server's certificate is past its end date");
    break;
  case X509_V_ERR_CERT_NOT_YET_VALID:
    snprintf(out, len,
             "TLS: certificate not yet valid: the server's certificate starts later (is the "
             "station's clock right?)");
    break;
  case X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD:
  case X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD:
    snprintf(out, len, "TLS: the server's certificate has a malformed validity date");
    break;
  case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    snprintf(out, len,
             "TLS: unknown CA: the server's certificate is self-signed and not one the station "
             "trusts");
    break;
  case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    snprintf(out, len,
             "TLS: unknown CA: the server's certificate chain ends in a self-signed root the "
             "station does not trust");
    break;
  case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
  case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
  case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
  case X509_V_ERR_CERT_UNTRUSTED:
    snprintf(out, len,
             "TLS: unknown CA: the server's certificate was not issued by a CA the station "
             "trusts (unknown issuer)");
    break;
  case X509_V_ERR_HOSTNAME_MISMATCH:
  case X509_V_ERR_IP_ADDRESS_MISMATCH:
    snprintf(out, len, "TLS: host name mismatch: the server's certificate is not for %s", host);
    break;
  case X509_V_ERR_CERT_REVOKED:
    snprintf(out, len, "TLS: certificate revoked: the server's certificate was revoked");
    break;
  case X509_V_ERR_CERT_SIGNATURE_FAILURE:
  case X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE:
  case X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY:
    snprintf(out, len, "TLS: the server's certificate has a bad signature (%s)", text);
    break;
  case X509_V_ERR_EE_KEY_TOO_SMALL:
  case X509_V_ERR_CA_KEY_TOO_SMALL:
  case X509_V_ERR_CA_MD_TOO_WEAK:
    snprintf(out, len, "TLS: the server's certificate is too weak to trust (%s)", text);
    break;
  default:
    snprintf(out, len, "TLS: the server's certificate is not trusted (%s)", text);
    break;
  }
}

/* What the server said: its fatal alert. */
static void alert_reason(const tls_failure *f, char *out, size_t len) {
  char code[40];
  const char *text = or_code(f->alert_text, code, sizeof code, "alert", f->alert);
  switch (f->alert) {
  case SSL_AD_PROTOCOL_VERSION:
    snprintf(out, len,
             "TLS: protocol version: the server accepts none of the station's TLS versions "
             "(TLS 1.2, 1.3)");
    break;
  case SSL_AD_HANDSHAKE_FAILURE:
    snprintf(out, len,
             "TLS: handshake failure: the server and the station have no cipher suite or key "
             "exchange in common");
    break;
  case SSL_AD_INSUFFICIENT_SECURITY:
    snprintf(out, len,
             "TLS: handshake failure: the server wants stronger cipher suites than the station "
             "offers");
    break;
  case SSL_AD_CERTIFICATE_REQUIRED:
    snprintf(out, len, "TLS: the server requires a client certificate from the station");
    break;
  case SSL_AD_BAD_CERTIFICATE:
  case SSL_AD_UNSUPPORTED_CERTIFICATE:
  case SSL_AD_CERTIFICATE_REVOKED:
  case SSL_AD_CERTIFICATE_EXPIRED:
  case SSL_AD_CERTIFICATE_UNKNOWN:
  case SSL_AD_UNKNOWN_CA:
    snprintf(out, len, "TLS: the server refused the station's client certificate (%s)", text);
    break;
  case SSL_AD_ACCESS_DENIED:
    snprintf(out, len, "TLS: the server denied access (%s)", text);
    break;
  case SSL_AD_UNRECOGNIZED_NAME:
    snprintf(out, len, "TLS: the server does not know the host name %s",
             f->host && f->host[0] ? f->host : "it was given");
    break;
  default:
    snprintf(out, len, "TLS: handshake failure: the server ended it (%s)", text);
    break;
  }
}

/* The station gave up: OpenSSL's error says why. */
static void error_reason(const tls_failure *f, char *out, size_t len) {
  char code[40];
  const char *text = f->error_reason
                         ? or_code(f->error_text, code, sizeof code, "SSL error", f->error_reason)
                         : or_code(f->alert_text, code, sizeof code, "alert", f->alert);
  switch (f->error_reason) {
  case SSL_R_UNSUPPORTED_PROTOCOL:
  case SSL_R_NO_PROTOCOLS_AVAILABLE:
  case SSL_R_VERSION_TOO_LOW:
  case SSL_R_VERSION_TOO_HIGH:
    snprintf(out, len,
             "TLS: protocol version: the server offers no TLS version the station accepts "
             "(TLS 1.2 or later) (%s)",
             text);
    return;
  case SSL_R_WRONG_VERSION_NUMBER:
  case SSL_R_PACKET_LENGTH_TOO_LONG:
  case SSL_R_RECORD_LENGTH_MISMATCH:
  case SSL_R_HTTP_REQUEST:
    snprintf(out, len,
             "TLS: the server did not answer in TLS (%s): is that port plain, without TLS?", text);
    return;
  case SSL_R_UNEXPECTED_EOF_WHILE_READING:
    snprintf(out, len, "TLS: handshake failure: the server closed the connection during it");
    return;
  default:
    break;
  }
  if (f->alert == SSL_AD_PROTOCOL_VERSION)
    snprintf(out, len,
             "TLS: protocol version: the server offers no TLS version the station accepts "
             "(TLS 1.2 or later) (%s)",
             text);
  else
    snprintf(out, len, "TLS: handshake failure: %s", text);
}

bool tls_failure_is_version(const tls_failure *f) {
  if (!f || f->verify_error != 0) return false;
  switch (f->error_reason) {
  case SSL_R_UNSUPPORTED_PROTOCOL:
  case SSL_R_NO_PROTOCOLS_AVAILABLE:
  case SSL_R_VERSION_TOO_LOW:
  case SSL_R_VERSION_TOO_HIGH:
    return true;
  default:
    return f->alert == SSL_AD_PROTOCOL_VERSION;
  }
}

bool tls_failure_is_cipher_suite(const tls_failure *f) {
  if (!f || f->verify_error != 0) return false;
  switch (f->error_reason) {
  case SSL_R_NO_CIPHERS_AVAILABLE:
  case SSL_R_NO_SHARED_CIPHER:
  case SSL_R_WRONG_CIPHER_RETURNED:
  case SSL_R_NO_CIPHER_MATCH:
    return true;
  default:
    return f->alert >= 0 && !f->alert_sent && !f->server_hello &&
           (f->alert == SSL_AD_HANDSHAKE_FAILURE || f->alert == SSL_AD_INSUFFICIENT_SECURITY);
  }
}

bool tls_reason(const tls_failure *f, char *out, size_t len) {
  if (len) out[0] = '\0';
  if (!f || !len) return false;
  if (f->verify_error != 0) {
    verify_reason(f, out, len);
    return true;
  }
  if (f->alert >= 0 && !f->alert_sent) {
    alert_reason(f, out, len);
    return true;
  }
  if (f->error_reason != 0 || f->alert >= 0) {
    error_reason(f, out, len);
    return true;
  }
  return false;
}
