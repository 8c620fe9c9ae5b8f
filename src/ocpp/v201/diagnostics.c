/*
 * OCPP 2.0.1 functional block N (Diagnostics), the part borne has: N01
 * GetLog (DiagnosticsLog, SecurityLog) collected and uploaded by the same
 * uploader as 1.6's GetLog (src/firmware/diagnostics.c), each step reported
 * as a LogStatusNotification with the request's requestId; N09/N10
 * CustomerInformation: what the station keeps about an id token (the
 * authorization cache, the local list, its sessions) reported as
 * NotifyCustomerInformation pages and cleared on request. One file of the
 * 2.0.1 dialect's functional blocks; it never uploads itself.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ocpp/v201/customer.h"
#include "ocpp/v201/v201_internal.h"
#include "ocpp/v201/vocabulary.h"
#include "ocpp21_messages.h" /* generated from the OCPP 2.1 schemas */

static json_t *log_status_payload(diag_status s, bool with_id, int request_id) {
  json_t *p = json_pack("{s:s}", "status", v201_log_status_name(s));
  if (with_id) json_object_set_new(p, "requestId", json_integer(request_id));
  return p;
}

void v201_on_diag_status(void *ctx, diag_status s, int request_id, const char *detail) {
  ocpp201_station *o = ctx;
  (void)detail;
  (void)request_id; /* the uploader's: a requestId 0 is 1 there (see h_get_log) */
  o->diag_last = s;
  if (s == DIAG_IDLE) return; /* said only when triggered */
  /* queued on disk: an upload that ends offline is still told (N01); the
   * requestId as the GetLogRequest carried it, 0 included (N01.FR.07) */
  v201_queue_message(o, "LogStatusNotification", log_status_payload(s, true, o->log_request_id));
}

void v201_send_log_status(ocpp201_station *o) {
  /* F06: Idle when no upload runs (then without requestId), else Uploading */
  bool busy = o->diag && diagnostics_busy(o->diag);
  v201_send_now(o, "LogStatusNotification",
                log_status_payload(busy ? DIAG_UPLOADING : DIAG_IDLE, busy, o->log_request_id));
}

/* ---------- GetLog ---------- */

static void h_get_log(ocpp201_station *o, const json_t *req, ocpp_reply *r) {
  ocpp201_GetLogRequest q;
  ocpp_error e;
  if (!v201_decoded(ocpp201_GetLogRequest_decode(req, &q, &e), &e, r)) return;
  int64_t start = 0, stop = 0;
  if (q.log.has_oldestTimestamp) timefmt_parse(q.log.oldestTimestamp, &start);
  if (q.log.has_latestTimestamp) timefmt_parse(q.log.latestTimestamp, &stop);
  diag_request dr = {.location = q.log.remoteLocation,
                     .retries = q.has_retries ? (int)q.retries : 0,
                     .retry_interval_s = q.has_retryInterval ? (int)q.retryInterval : 0,
                     .start = start,
                     .stop = stop,
                     /* the uploader's 0 means GetDiagnostics: a requestId 0 is 1 there
                      * (the notifications carry the GetLog's own) */
                     .request_id = q.requestId ? (int)q.requestId : 1,
                     .security_only = q.logType == ocpp201_GetLogRequest_logType_SecurityLog};
  char name[200], err[320];
  int cancelled = 0;
  if (!curl_uv_url_allowed(dr.location, err, sizeof err)) {
    /* refused up front (file://, gopher://, ...): nothing is collected, so no
     * LogStatusNotification follows the Rejected; a running upload goes on */
    log_warn(MOD, "GetLog: %s", err);
    v201_reply_status_info(r, "Rejected", "InvalidURL", err);
  } else if (!v201_diagnostics(o)) {
    v201_reply_status_info(r, "Rejected", "InternalError", "out of memory");
  } else if ((cancelled = diagnostics_cancel(o->diag, err, sizeof err)) < 0) {
    /* N01.FR.12 is a SHOULD: an upload that cannot be cancelled goes on */
    log_warn(MOD, "GetLog: %s", err);
    v201_reply_status_info(r, "Rejected", "OngoingUpload", err);
  } else {
    /* N01.FR.12: the running upload was cancelled above (its
     * LogStatusNotification AcceptedCanceled, with its own requestId, is
     * queued before this one's Uploading, N01.FR.20); this one's are told
     * with this requestId, set before the upload says Uploading at once */
    int previous = o->log_request_id;
    o->log_request_id = (int)q.requestId;
    if (diagnostics_upload(o->diag, &dr, name, sizeof name, err, sizeof err) != 0) {
      o->log_request_id = previous;
      log_warn(MOD, "GetLog: %s", err);
      v201_reply_status_info(r, "Rejected", "InternalError", err);
    } else {
      r->result = json_pack("{s:s, s:s}", "status", cancelled ? "AcceptedCanceled" : "Accepted",
                            "filename", name);
    }
  }
  ocpp201_GetLogRequest_free(&q);
}

/* ---------- CustomerInformation ---------- */

#define CUSTOMER_LINES_MAX 200 /* sessions reported: the newest that fit */

typedef struct {
  char *lines[CUSTOMER_LINES_MAX];
  size_t n;
  int sessions;
} customer_report;

static void add_line(customer_report *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void add_line(customer_report *c, const char *fmt, ...) {
  if (c->n == CUSTOMER_LINES_MAX) return;
  va_list ap;
  va_start(ap, fmt);
  char line[600];
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  char *copy = strdup(line);
  if (copy) c->lines[c->n++] = copy;
}

static void add_entry(customer_report *c, const char *what, bool found, const cp_auth_kept *k) {
  if (!found) {
    add_line(c, "%s: none", what);
    return;
  }
  char exp[40] = "never";
  if (k->expiry) timefmt_iso(k->expiry, exp, sizeof exp);
  add_line(c, "%s: %s, expires %s%s%s", what, k->status, exp, k->group[0] ? ", group " : "",
           k->group);
}

static int add_session(void *ctx, const session_row *row) {
  customer_report *c = ctx;
  char from[40], to[40] = "running";
  timefmt_iso(row->start_ms, from, sizeof from);
  if (row->stop_ms) timefmt_iso(row->stop_ms, to, sizeof to);
  const char *reason = row->stop_ms ? v201_stop_reason_name(row->reason) : NULL;
  add_line(c, "transaction on EVSE %d: %s to %s, %.3f kWh%s%s", row->connector, from, to,
           (row->meter_stop_wh - row->meter_start_wh) / 1000.0, reason ? ", stopped " : "",
           reason ? reason : "");
  c->sessions++;
  return 0;
}

/* The members of a CustomerInformation borne uses, decoded as the version
 * spoken has them (2.1's IdTokenType: any type string, 255 characters). */
typedef struct {
  bool by_token, by_other_id, by_certificate, report, clear;
  int request_id;
  char token[CP_ID_MAX + 1];
} customer_req;

static bool customer_decode(ocpp201_station *o, const json_t *req, ocpp_reply *r, customer_req *x) {
  ocpp_error e;
  *x = (customer_req){0};
  if (o->link && ocpp_link_dialect(o->link) == &ocpp21_dialect) {
    ocpp21_CustomerInformationRequest *q = calloc(1, sizeof *q);
    if (!q) {
      r->error_code = ocpp_dialect_code(&ocpp201_dialect, OCPP_ERR_INTERNAL);
      snprintf(r->error_text, sizeof r->error_text, "out of memory");
      return false;
    }
    bool ok = v201_decoded(ocpp21_CustomerInformationRequest_decode(req, q, &e), &e, r);
    if (ok) {
      *x = (customer_req){.by_token = q->has_idToken,
                          .by_other_id = q->has_customerIdentifier,
                          .by_certificate = q->has_customerCertificate,
                          .report = q->report,
                          .clear = q->clear,
                          .request_id = (int)q->requestId};
      if (q->has_idToken) snprintf(x->token, sizeof x->token, "%s", q->idToken.idToken);
    }
    ocpp21_CustomerInformationRequest_free(q);
    free(q);
    return ok;
  }
  ocpp201_CustomerInformationRequest q;
  if (!v201_decoded(ocpp201_CustomerInformationRequest_decode(req, &q, &e), &e, r)) return false;
  *x = (customer_req){.by_token = q.has_idToken,
                      .by_other_id = q.has_customerIdentifier,
                      .by_certificate = q.has_customerCertificate,
                      .report = q.report,
                      .clear = q.clear,
                      .request_id = (int)q.requestId};
  if (q.has_idToken) snprintf(x->token, sizeof x->token, "%s", q.idToken.idToken);
  ocpp201_CustomerInformationRequest_free(&q);
  return true;
}

/* N09/N10: what the station keeps about an id token: its entries in the
 * authorization cache (2.1: the driver tariff kept with it) and the local list, the sessions it
 * started (the newest CUSTOMER_LINES_MAX lines); clear removes the cache entry and the token from
 * the finished sessions (the local list is the CSMS's and stays, N10). A customerIdentifier or
 * certificate names nothing this station keeps. */
static void h_customer_information(ocpp201_station *o, const json_t *req, ocpp_reply *r) {
  /* 2.1: an idToken of up to 255 characters names nothing this station can
   * keep; cut, it could name another customer's records: Rejected */
  if (!v201_id_fits(json_object_get(req, "idToken"))) {
    v201_reply_status_info(r, "Rejected", "InvalidIdToken",
                           "idToken longer than the 36 characters this station keeps");
    return;
  }
  customer_req q;
  if (!customer_decode(o, req, r, &q)) return;
  bool by_token = q.by_token;
  if (!by_token && !q.by_other_id && !q.by_certificate) {
    v201_reply_status_info(r, "Invalid", "MissingParam",
                           "no idToken, customerIdentifier nor customerCertificate");
    return;
  }
  customer_report c = {0};
  const char *token = by_token ? q.token : "";
  if (q.report) {
    if (!by_token) {
      add_line(&c, "this station keeps nothing by %s",
               q.by_other_id ? "customerIdentifier" : "customer certificate");
    } else {
      cp_auth_kept k;
      add_line(&c, "idToken %s", token);
      add_entry(&c, "local authorization list", cp_auth_entry(o->auth, true, token, &k), &k);
      add_entry(&c, "authorization cache", cp_auth_entry(o->auth, false, token, &k), &k);
      char tariff_id[64];
      if (v201_cost_kept_tariff_id(o, token, tariff_id, sizeof tariff_id))
        add_line(&c, "driver tariff kept with the authorization cache: %s", tariff_id);
      if (store_sessions_of_uid(o->st->db, token, add_session, &c) != 0)
        log_error(MOD, "CustomerInformation: %s", store_last_error(o->st->db));
      if (!c.sessions) add_line(&c, "transactions: none");
    }
  }
  bool failed = false;
  if (q.clear && by_token) {
    int forgotten = 0;
    v201_cost_forget_driver_tariffs(o, token); /* 2.1: kept with the cache */
    failed = cp_auth_forget(o->auth, token) != 0 ||
             store_sessions_forget_uid(o->st->db, token, &forgotten) != 0;
    if (failed)
      log_error(MOD, "CustomerInformation: cannot clear %s", token);
    else
      station_event(o->st, 0, "ocpp_customer_cleared",
                    "the id token left the authorization cache and %d sessions", forgotten);
  }
  if (failed) {
    v201_reply_status_info(r, "Rejected", "InternalError",
                           "the station's records could not be changed");
  } else {
    v201_reply_status_info(r, "Accepted", NULL, NULL);
    if (q.report) {
      json_decref(o->customer_pages);
      o->customer_pages =
          v201_customer_pages((const char *const *)c.lines, c.n, q.request_id, now201(o));
    }
  }
  for (size_t i = 0; i < c.n; i++) free(c.lines[i]);
}

static void page_answer(void *ctx, const json_t *result, const char *code, const char *text) {
  (void)ctx, (void)result;
  if (code) log_warn(MOD, "NotifyCustomerInformation: %s %s", code, text);
}

/* The report's pages once the CustomerInformation answer was written. */
void v201_customer_information_replied(ocpp201_station *o) {
  json_t *pages = o->customer_pages;
  o->customer_pages = NULL;
  size_t i;
  json_t *page;
  json_array_foreach(pages, i, page) {
    if (!ocpp_link_connected(o->link) || o->boot == B201_REJECTED) break;
    if (ocpp_link_call(o->link, "NotifyCustomerInformation", json_incref(page), page_answer, o) !=
        0)
      log_warn(MOD, "NotifyCustomerInformation %zu not sent", i);
  }
  json_decref(pages);
}

static const v201_handler handlers[] = {
    {"GetLog", h_get_log},
    {"CustomerInformation", h_customer_information},
};
const v201_family v201_diagnostics_calls = {handlers, sizeof handlers / sizeof handlers[0]};
