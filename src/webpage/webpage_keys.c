/* Configuration keys of the web module (its table is handed to the
 * registry, see config/config_tables.h). */
#include <stdio.h>
#include <string.h>

#include "config/config_tables.h"

/* An http(s) URL template; {station} and {connector} are replaced. */
static int check_qr_url(const char *v, char *why, size_t len) {
  if (!v[0]) return 0;
  if (strncmp(v, "https://", 8) != 0 && strncmp(v, "http://", 7) != 0) {
    snprintf(why, len, "`%s` must start with https:// or http://", v);
    return -1;
  }
  for (const char *p = v; *p; p++)
    if ((unsigned char)*p <= ' ' || *p == '"' || *p == '<' || *p == '>' || *p == 0x7f) {
      snprintf(why, len, "`%s` must not contain spaces, quotes or angle brackets", v);
      return -1;
    }
  if (strlen(v) > 400) {
    snprintf(why, len, "at most 400 characters");
    return -1;
  }
  return 0;
}

static int check_notice(const char *v, char *why, size_t len) {
  if (strlen(v) > 500) {
    snprintf(why, len, "at most 500 characters");
    return -1;
  }
  return 0;
}

static const cfg_key_def rows[] = {
    {"web.session_minutes", CFG_INT, "480", 5, 10080, NULL, true,
     "How long a web page login lasts without activity (each request extends it).", NULL, NULL},
    {"web.lockout_s", CFG_INT, "30", 1, 3600, NULL, true,
     "First lock-out after 3 wrong PINs in a row of a role from one client address (that "
     "address only), in seconds; it doubles at each further wrong PIN or attempt while locked "
     "(at most one hour).",
     NULL, NULL},
    {"web.https", CFG_BOOL, "false", 0, 0, NULL, false,
     "Serve the API and the web page over HTTPS (same address, http.listen). Without "
     "web.cert_file a self-signed certificate is made at the first start in the data directory "
     "(web-cert.pem); its SHA-256 fingerprint is in `bornectl status`.",
     NULL, NULL},
    {"web.cert_file", CFG_STRING, "", 0, 400, NULL, false,
     "PEM certificate (chain) for HTTPS provided by the installer; empty: the self-signed one.",
     "absolute path", config_check_abs_or_empty},
    {"web.key_file", CFG_STRING, "", 0, 400, NULL, false, "PEM private key of web.cert_file.",
     "absolute path", config_check_abs_or_empty},
    {"web.firmware_max_mb", CFG_INT, "256", 1, 2048, NULL, true,
     "Largest firmware image the installer may upload from the web page, in MiB (it is "
     "streamed to the data directory, which needs that much free space).",
     NULL, NULL},
    {"payment.qr_url", CFG_STRING, "", 0, 400, NULL, true,
     "Ad hoc payment URL shown as a QR code on the public connector page /c/N; {station} and "
     "{connector} are replaced (e.g. https://pay.example.org/{station}/{connector}). Empty: no "
     "QR code. Under OCPP 2.1 the back end's dynamic code replaces it once set "
     "(ocpp.WebPaymentsEnabled).",
     "http(s) URL template", check_qr_url},
    {"payment.notice", CFG_STRING, "", 0, 500, NULL, true,
     "Price notice shown to drivers on the public connector page (plain text).", "text",
     check_notice},
    {0},
};

const cfg_key_table webpage_keys = {"web", rows, NULL};
