/*
 * Attaches the web module to a station: its tables, its routes, its auth
 * hook on the HTTP server and its station hooks. Owns the web_ctx.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "firmware/firmware_module.h"
#include "webpage/page_api.h"
#include "webpage/tls.h"
#include "webpage/webpage_module.h"

int web_tls_files(const config *cfg, const char *data_dir, char *cert, size_t certlen, char *key,
                  size_t keylen, char *err, size_t errlen) {
  cert[0] = key[0] = '\0';
  if (!config_get_bool(cfg, "web.https")) return 0;
  const char *c = config_get(cfg, "web.cert_file"), *k = config_get(cfg, "web.key_file");
  if (c && c[0]) {
    if (!k || !k[0]) {
      snprintf(err, errlen, "web.key_file: required with web.cert_file");
      return -1;
    }
    snprintf(cert, certlen, "%s", c);
    snprintf(key, keylen, "%s", k);
    return 0;
  }
  char host[256] = "";
  gethostname(host, sizeof host - 1);
  if (web_tls_self_signed(data_dir, host, err, errlen) != 0) return -1;
  snprintf(cert, certlen, "%s/web-cert.pem", data_dir);
  snprintf(key, keylen, "%s/web-key.pem", data_dir);
  return 0;
}

/* station.web in GET /api/v1/status: whether the page is HTTPS, and the
 * certificate's fingerprint to compare with the browser's. */
static void web_status(void *ctx, int connector, json_t *obj) {
  web_ctx *w = ctx;
  if (connector != 0) return;
  json_object_set_new(obj, "web",
                      json_pack("{s:b, s:s?}", "https", w->fingerprint[0] != 0,
                                "fingerprint_sha256", w->fingerprint[0] ? w->fingerprint : NULL));
}

static void web_closing(void *ctx) {
  web_ctx *w = ctx;
  w->closing = true;
  web_events_close(w);
}

static void web_on_event(void *ctx, int connector, const char *kind, const char *detail) {
  (void)connector;
  (void)kind;
  (void)detail;
  web_events_push(ctx);
}

static void web_free(void *ctx) { free(ctx); }

/* The web page's run-time settings are read at each use: the session length
 * and lock-out at each login (api_web_auth.c), the upload limit at each
 * upload (api_web_firmware.c), the payment QR code and notice at each public
 * page (api_web_public.c). */
static station_setting_state web_setting_state(void *ctx, const char *key) {
  (void)ctx;
  static const char *const read_at_use[] = {"web.session_minutes", "web.lockout_s",
                                            "web.firmware_max_mb", "payment.qr_url",
                                            "payment.notice"};
  for (size_t i = 0; i < sizeof read_at_use / sizeof read_at_use[0]; i++)
    if (strcmp(key, read_at_use[i]) == 0) return SETTING_CURRENT;
  return SETTING_UNUSED;
}

int webpage_attach(station *st, char *err, size_t errlen) {
  web_ctx *w = calloc(1, sizeof *w);
  if (!w) {
    snprintf(err, errlen, "web: out of memory");
    return -1;
  }
  w->st = st;
  if (web_auth_open(w, err, errlen) != 0) {
    free(w);
    return -1;
  }
  char cert[600], key[600];
  if (web_tls_files(st->cfg, st->data_dir, cert, sizeof cert, key, sizeof key, err, errlen) != 0 ||
      (cert[0] &&
       web_tls_fingerprint(cert, w->fingerprint, sizeof w->fingerprint, err, errlen) != 0)) {
    free(w);
    return -1;
  }
  station_module m = {.name = "web",
                      .ctx = w,
                      .event = web_on_event,
                      .status_json = web_status,
                      .setting_state = web_setting_state,
                      .closing = web_closing,
                      .free = web_free};
  web_events_meter_hook(&m);
  if (station_add_module(st, &m) != 0) {
    free(w);
    snprintf(err, errlen, "web: too many modules");
    return -1;
  }
  api_web_static_routes(w);
  api_web_auth_routes(w);
  api_web_events_routes(w);
  api_web_public_routes(w);
  api_web_firmware_routes(w);
  api_web_selftest_routes(w);
  w->upload_bytes = -1;
  station_firmware_boot(st); /* "Installed" after a restart into an uploaded image */
  return 0;
}
