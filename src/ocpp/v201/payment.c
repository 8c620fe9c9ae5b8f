/*
 * OCPP 2.1 functional block C, ad hoc payment via a dynamic QR code (C25,
 * AFIR), for a station whose screen is its public page /c/N and the
 * dashboard, without a payment terminal: the QR code's URL, built from
 * WebPaymentsCtrlr's settings (the ocpp.WebPayments* keys, the device model
 * is their view) with a one-time password of the station clock (webpay.c),
 * and NotifyWebPaymentStarted, the CSMS telling an EVSE that its driver is
 * paying on the payment page: the EVSE shows that a payment is in progress
 * instead of the code until the RequestStartTransaction that follows it or
 * the timeout. One file of the 2.0.1 dialect's functional blocks, 2.1 only.
 */
#include <stdlib.h>
#include <string.h>

#include "ocpp/v201/v201_internal.h"
#include "ocpp/v201/webpay.h"

static bool speaks21(const ocpp201_station *o) {
  return o->link && ocpp_link_dialect(o->link) == &ocpp21_dialect;
}

/* Is the dynamic QR code configured (and 2.1 spoken)? */
static bool configured(const ocpp201_station *o) {
  return speaks21(o) && config_get_bool(o->st->cfg, "ocpp.WebPaymentsEnabled") &&
         key201_str(o, "WebPaymentsURLTemplate")[0] &&
         webpay_secret_ok(key201_str(o, "WebPaymentsSharedSecret"));
}

/* The start came on EVSE c (a RequestStartTransaction accepted for it, or a
 * transaction runs there): its payment window closes. */
static bool started(const ocpp201_station *o, int c) {
  const v201_evse *k = &o->evse[c - 1];
  return k->session_id || k->remote_pending;
}

borne_ms v201_webpay_tick(ocpp201_station *o, borne_ms now) {
  borne_ms next = NEVER;
  for (int c = 1; c <= o->count; c++) {
    webpay_window *w = &o->webpay[c - 1];
    if (!w->until_ms) continue;
    if (started(o, c)) {
      webpay_window_close(w);
      station_event(o->st, c, "web_payment", "ended: the transaction was started");
    } else if (webpay_window_expired(w, now)) {
      station_event(o->st, c, "web_payment", "timed out: no transaction was started");
    } else if (w->until_ms < next) {
      next = w->until_ms;
    }
  }
  return next;
}

json_t *v201_webpay_status(ocpp201_station *o, int c) {
  if (c < 1 || c > o->count || !configured(o)) return json_null();
  const webpay_window *w = &o->webpay[c - 1];
  borne_ms now = now201(o);
  bool paying = webpay_window_open(w, now) && !started(o, c);
  connector_status s = o->evse[c - 1].status;
  /* a code only where a driver can pay for a charge now: registered with
   * the CSMS (which starts it), the EVSE free or waiting for its driver (not
   * reserved, charging, out of order) */
  bool ready =
      online201(o) && !paying && !started(o, c) && (s == STATUS_AVAILABLE || s == STATUS_PREPARING);
  json_t *out = json_pack("{s:b, s:b, s:o, s:o, s:o}", "in_progress", paying, "available",
                          online201(o), "until", paying ? time201(w->until_ms) : json_null(),
                          "qr_url", json_null(), "refresh_s", json_null());
  if (!ready) return out;
  char totp[WEBPAY_LENGTH_MAX + 1], url[2 * WEBPAY_TEMPLATE_MAX + 256];
  int left = 0;
  if (webpay_totp_v1(key201_str(o, "WebPaymentsSharedSecret"), now / 1000,
                     (int)key201_int(o, "WebPaymentsValidityTime"),
                     (int)key201_int(o, "WebPaymentsLength"), totp, sizeof totp, &left) != 0 ||
      webpay_url(key201_str(o, "WebPaymentsURLTemplate"), config_get(o->st->cfg, "station.id"), c,
                 totp, key201_str(o, "WebPaymentsTOTPVersion"), url, sizeof url) < 0)
    return out;
  json_object_set_new(out, "qr_url", json_string(url));
  json_object_set_new(out, "refresh_s", json_integer(left));
  return out;
}

bool v201_webpay_blocks_badge(ocpp201_station *o) {
  int waiting = 0, paid = 0;
  borne_ms now = now201(o);
  for (int c = 1; c <= o->count; c++) {
    if (!station_waiting_for_authorization(o->st, c)) continue;
    waiting++;
    paid += webpay_window_open(&o->webpay[c - 1], now) && !started(o, c);
  }
  return waiting > 0 && paid == waiting;
}

/* NotifyWebPaymentStarted (C25): EVSE evseId shows that a payment is in
 * progress for `timeout` seconds (0: revoked), or until the start. */
static void h_web_payment_started(ocpp201_station *o, const json_t *req, ocpp_reply *r) {
  json_int_t evse = json_integer_value(json_object_get(req, "evseId"));
  json_int_t timeout = json_integer_value(json_object_get(req, "timeout"));
  if (evse < 1 || evse > o->count) {
    r->error_code = ocpp_dialect_code(&ocpp201_dialect, OCPP_ERR_PROPERTY_CONSTRAINT);
    snprintf(r->error_text, sizeof r->error_text, "evseId %lld: this station has EVSE 1 to %d",
             (long long)evse, o->count);
    return;
  }
  int c = (int)evse;
  if (timeout > 86400) timeout = 86400;
  webpay_window *w = &o->webpay[c - 1];
  bool was = webpay_window_open(w, now201(o));
  webpay_window_start(w, now201(o), (long)timeout);
  r->result = json_object();
  if (timeout > 0)
    station_event(o->st, c, "web_payment", "payment in progress, waiting %lld s for the start",
                  (long long)timeout);
  else
    station_event(o->st, c, "web_payment", "%s", was ? "revoked by the CSMS" : "nothing to revoke");
  v201_arm_tick(o);
}

static const v201_handler handlers[] = {
    {"NotifyWebPaymentStarted", h_web_payment_started},
};
const v201_family v201_payment_calls = {handlers, sizeof handlers / sizeof handlers[0]};
