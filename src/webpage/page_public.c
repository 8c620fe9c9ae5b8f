/*
 * What the web module serves without a login: the public connector page's
 * data (GET /api/v1/public/connectors/{n}) and its ad hoc payment QR code
 * (GET /api/v1/public/connectors/{n}/qr.svg, also for a HAL display), plus
 * the key registry the installer's settings page builds its form from
 * (GET /api/v1/web/settings-schema, installer only by the role table).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http_json.h"
#include "tariff/tariff_module.h"
#include "webpage/page_api.h"
#include "webpage/qr.h"
#include "core/led.h"

/* The modules' status of connector c (a new object). */
static json_t *modules_view(station *st, int c) {
  json_t *co = json_object();
  for (int m = 0; m < st->module_count; m++)
    if (st->modules[m].status_json) st->modules[m].status_json(st->modules[m].ctx, c, co);
  return co;
}

/* The payment QR code's URL of connector c: OCPP 2.1's dynamic one when
 * the back end configured it (the OCPP module's "web_payment", ocpp21.md:
 * none while a payment is in progress or the station cannot start a
 * charge), else payment.qr_url's. 0 when there is none; *dynamic says
 * which. */
static int qr_url_of(web_ctx *w, int c, char *out, size_t len, json_t **dynamic) {
  json_t *co = modules_view(w->st, c);
  json_t *web = json_object_get(co, "web_payment");
  if (dynamic) *dynamic = json_is_object(web) ? json_incref(web) : NULL;
  if (json_is_object(web)) {
    const char *url = json_string_value(json_object_get(web, "qr_url"));
    int n = url ? snprintf(out, len, "%s", url) : 0;
    json_decref(co);
    return n > 0 && (size_t)n < len;
  }
  json_decref(co);
  const char *tpl = config_get(w->st->cfg, "payment.qr_url");
  if (!tpl || !tpl[0]) return 0;
  return web_qr_url(tpl, config_get(w->st->cfg, "station.id"), c, out, len) > 0;
}

/* What the back end gives the driver of connector c (OCPP 2.0.1/2.1, block
 * O and I): the display messages shown now and the cost of the last
 * transaction, from the modules' status of that connector; a QRCODE message
 * comes with its QR code drawn (qr_svg). Nothing else of the status. */
static void backend_view(station *st, int c, json_t *out) {
  json_t *co = modules_view(st, c);
  json_t *msgs = json_object_get(co, "display_messages");
  size_t i;
  json_t *msg;
  json_array_foreach(msgs, i, msg) {
    const char *format = json_string_value(json_object_get(msg, "format"));
    const char *content = json_string_value(json_object_get(msg, "content"));
    if (!format || strcmp(format, "QRCODE") || !content) continue;
    char err[128];
    char *svg = web_qr_svg(content, err, sizeof err);
    json_object_set_new(msg, "qr_svg", svg ? json_string(svg) : json_null());
    free(svg);
  }
  json_object_set(out, "display_messages", msgs ? msgs : json_array());
  json_t *cost = json_object_get(co, "ocpp_cost");
  json_object_set(out, "ocpp_cost", cost ? cost : json_null());
  json_decref(co);
}

static int get_public_connector(void *ctx, const http_request *req, http_response *res) {
  web_ctx *w = ctx;
  station *st = w->st;
  int c = http_connector_param(req, 0, station_connector_count(st), res);
  if (c <= 0) return 0;
  station_connector_view v;
  station_view(st, c, &v);
  const led_look *led = led_look_of(v.led);
  char url[1400];
  json_t *web = NULL;
  bool qr = qr_url_of(w, c, url, sizeof url, &web);
  const char *notice = config_get(st->cfg, "payment.notice");
  /* AFIR: the price is shown before charging */
  tariff t;
  tariff_now(st->cfg, &t);
  json_t *price = tariff_is_set(&t) ? json_pack("{s:f, s:f, s:s}", "price_kwh", t.price_kwh,
                                                "price_hour", t.price_hour, "currency", t.currency)
                                    : json_null();
  json_t *body = json_pack(
      "{s:s, s:i, s:s, s:s, s:s, s:b, s:s?, s:o}", "station", config_get(st->cfg, "station.id"),
      "connector", c, "status", connector_status_name(v.status), "led", led->colour, "notice",
      notice ? notice : "", "qr", qr, "qr_url", qr ? url : NULL, "tariff", price);
  backend_view(st, c, body);
  /* 2.1 ad hoc payment: {"in_progress", "available", "until", "qr_url", "refresh_s"} */
  json_object_set_new(body, "web_payment", web ? web : json_null());
  http_json_body(res, body);
  return 0;
}

static int get_qr(void *ctx, const http_request *req, http_response *res) {
  web_ctx *w = ctx;
  int c = http_connector_param(req, 0, station_connector_count(w->st), res);
  if (c <= 0) return 0;
  char url[1400], err[128];
  if (!qr_url_of(w, c, url, sizeof url, NULL))
    return http_json_error(res, 404,
                           "no payment QR code: payment.qr_url is not set, or the dynamic one "
                           "of OCPP 2.1 cannot be shown now"),
           0;
  char *svg = web_qr_svg(url, err, sizeof err);
  if (!svg) return http_json_error(res, 500, "%s", err), 0;
  res->body = svg;
  res->content_type = "image/svg+xml";
  return 0;
}

static int get_schema(void *ctx, const http_request *req, http_response *res) {
  (void)ctx;
  (void)req;
  int n;
  const cfg_key_def *defs = config_registry(&n);
  json_t *keys = json_array();
  for (int i = 0; i < n; i++) {
    const cfg_key_def *d = &defs[i];
    json_t *o =
        json_pack("{s:s, s:s, s:s?, s:b, s:b, s:b, s:s?, s:s?}", "key", d->key, "type",
                  config_type_name(d->type), "default", config_key_secret(d) ? NULL : d->def,
                  "runtime", config_key_runtime(d), "secret", config_key_secret(d), "file_only",
                  config_key_file_only(d), "doc", d->doc, "format", d->format);
    if (d->choices) json_object_set_new(o, "choices", json_string(d->choices));
    if (d->type == CFG_STRING) {
      json_object_set_new(o, "max_length", json_integer((json_int_t)d->max));
    } else if (d->min != d->max) {
      json_object_set_new(o, "min", json_real(d->min));
      json_object_set_new(o, "max", json_real(d->max));
    }
    json_array_append_new(keys, o);
  }
  http_json_body(res, json_pack("{s:o}", "keys", keys));
  return 0;
}

void api_web_public_routes(web_ctx *w) {
  const http_route routes[] = {
      {"GET", "/api/v1/public/connectors/{id}", get_public_connector, w},
      {"GET", "/api/v1/public/connectors/{id}/qr.svg", get_qr, w},
      {"GET", "/api/v1/web/settings-schema", get_schema, w},
  };
  for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
    http_add_route(w->st->http, &routes[i]);
}
