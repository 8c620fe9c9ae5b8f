/*
 * OCPP 2.0.1 functional block O (DisplayMessage): SetDisplayMessage (O01,
 * O02: for a transaction, O06: replaced by id), GetDisplayMessages →
 * NotifyDisplayMessages (O03, O04), ClearDisplayMessage (O05). The messages are
 * kept on disk (table ocpp201_display, store module "ocpp201_display")
 * before the answer, dropped at their endDateTime and with the transaction
 * they were set for, and shown by the web pages through the status
 * (`display_messages` of each connector). In 2.1 (the same dialect) the
 * QRCODE format is taken and drawn as a QR code by the connector page. The
 * rules are display_msgs.c's (pure); this file is their I/O.
 */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "ocpp/v201/display_msgs.h"
#include "ocpp/v201/v201_internal.h"

static const char *const steps[] = {
    /* 1 */
    "CREATE TABLE ocpp201_display(id INTEGER PRIMARY KEY, info TEXT NOT NULL);",
};

static bool v21(const ocpp201_station *o) {
  return o->link && ocpp_link_dialect(o->link) == &ocpp21_dialect;
}

static int store_put(ocpp201_station *o, const json_t *info) {
  sqlite3_stmt *s =
      store_stmt(o->st->db, "INSERT OR REPLACE INTO ocpp201_display(id, info) VALUES(?, ?)");
  if (!s) return -1;
  char *text = json_dumps(info, JSON_COMPACT);
  sqlite3_bind_int(s, 1, v201_display_id(info));
  sqlite3_bind_text(s, 2, text ? text : "{}", -1, SQLITE_TRANSIENT);
  int rc = sqlite3_step(s) == SQLITE_DONE ? 0 : -1;
  free(text);
  store_stmt_release(o->st->db, s);
  return rc;
}

static int store_remove(ocpp201_station *o, int id) {
  sqlite3_stmt *s = store_stmt(o->st->db, "DELETE FROM ocpp201_display WHERE id = ?");
  if (!s) return -1;
  sqlite3_bind_int(s, 1, id);
  int rc = sqlite3_step(s) == SQLITE_DONE ? 0 : -1;
  store_stmt_release(o->st->db, s);
  return rc;
}

int v201_display_open(ocpp201_station *o, char *err, size_t errlen) {
  o->display = json_array();
  if (store_module_migrate(o->st->db, "ocpp201_display", steps, 1) != 0) {
    snprintf(err, errlen, "display messages: %s", store_last_error(o->st->db));
    return -1;
  }
  sqlite3_stmt *s = store_stmt(o->st->db, "SELECT info FROM ocpp201_display ORDER BY id");
  if (!s) {
    snprintf(err, errlen, "display messages: %s", store_last_error(o->st->db));
    return -1;
  }
  while (sqlite3_step(s) == SQLITE_ROW) {
    json_t *info = json_loads((const char *)sqlite3_column_text(s, 0), 0, NULL);
    if (json_is_object(info))
      json_array_append_new(o->display, info);
    else
      json_decref(info);
  }
  store_stmt_release(o->st->db, s);
  return 0;
}

static size_t index_of(const ocpp201_station *o, int id) {
  size_t i;
  const json_t *info;
  json_array_foreach(o->display, i, info) {
    if (v201_display_id(info) == id) return i;
  }
  return (size_t)-1;
}

static void forget(ocpp201_station *o, size_t i, const char *why) {
  int id = v201_display_id(json_array_get(o->display, i));
  if (store_remove(o, id) != 0)
    log_warn(MOD, "display message %d: %s", id, store_last_error(o->st->db));
  json_array_remove(o->display, i);
  station_event(o->st, 0, "ocpp_display", "{\"id\":%d,\"state\":\"%s\"}", id, why);
}

borne_ms v201_expire_display(ocpp201_station *o, borne_ms now) {
  borne_ms next = NEVER;
  for (size_t i = json_array_size(o->display); i-- > 0;) {
    borne_ms end = v201_display_end(json_array_get(o->display, i));
    if (end <= now)
      forget(o, i, "expired");
    else if (end < next)
      next = end;
  }
  return next;
}

void v201_display_transaction_ended(ocpp201_station *o, const char *tx_id) {
  for (size_t i = json_array_size(o->display); i-- > 0;) {
    const char *t = v201_display_transaction(json_array_get(o->display, i));
    if (t && !strcmp(t, tx_id)) forget(o, i, "transaction_ended");
  }
}

/* messageInfo's words for the state EVSE c is in. */
static const char *state_of(const ocpp201_station *o, int c) {
  const v201_evse *k = &o->evse[c - 1];
  if (k->status == STATUS_FAULTED) return "Faulted";
  if (k->status == STATUS_UNAVAILABLE) return "Unavailable";
  return k->session_id ? "Charging" : "Idle";
}

json_t *v201_display_status(const ocpp201_station *o, int c) {
  json_t *list = json_array();
  borne_ms now = now201(o);
  for (int rank = 0; rank < 3; rank++) {
    size_t i;
    const json_t *info;
    json_array_foreach(o->display, i, info) {
      if (v201_display_rank(info) != rank || !v201_display_shown(info, c, state_of(o, c), now))
        continue;
      /* one bound to a transaction is shown where it runs */
      const char *t = v201_display_transaction(info);
      if (t && strcmp(t, o->evse[c - 1].tx_id)) continue;
      json_array_append_new(list, v201_display_view(info));
    }
  }
  return list;
}

static bool validated(ocpp201_station *o, const char *action, const json_t *req, ocpp_reply *r) {
  ocpp_error e;
  if (ocpp_link_dialect(o->link)->validate(action, true, req, &e) == 0) return true;
  return v201_decoded(-1, &e, r);
}

static void h_set(ocpp201_station *o, const json_t *req, ocpp_reply *r) {
  if (!validated(o, "SetDisplayMessage", req, r)) return;
  const json_t *info = json_object_get(req, "message");
  const char *status = v201_display_refusal(info, o->count, v21(o));
  int id = v201_display_id(info);
  const char *tx = v201_display_transaction(info);
  if (!status && tx) { /* O02: only for a transaction running here */
    int on = 0;
    for (int c = 1; c <= o->count; c++)
      if (o->evse[c - 1].tx_id[0] && !strcmp(o->evse[c - 1].tx_id, tx)) on = c;
    if (!on) status = "UnknownTransaction";
  }
  size_t at = index_of(o, id);
  if (!status && at == (size_t)-1 && json_array_size(o->display) >= V201_DISPLAY_MAX)
    status = "Rejected";
  if (!status && store_put(o, info) != 0) {
    log_warn(MOD, "display message %d: %s", id, store_last_error(o->st->db));
    status = "Rejected";
  }
  if (!status) {
    if (at != (size_t)-1)
      json_array_set(o->display, at, (json_t *)info); /* O06: the same id replaces it */
    else
      json_array_append(o->display, (json_t *)info);
    station_event(o->st, v201_display_evse(info), "ocpp_display", "{\"id\":%d,\"state\":\"set\"}",
                  id);
    v201_arm_tick(o);
  }
  v201_reply_status(r, status ? status : "Accepted");
}

static void h_get(ocpp201_station *o, const json_t *req, ocpp_reply *r) {
  if (!validated(o, "GetDisplayMessages", req, r)) return;
  int request_id = (int)json_integer_value(json_object_get(req, "requestId"));
  const json_t *ids = json_object_get(req, "id");
  const char *priority = json_string_value(json_object_get(req, "priority"));
  const char *state = json_string_value(json_object_get(req, "state"));
  json_t *found = json_array();
  size_t i;
  json_t *info;
  json_array_foreach(o->display, i, info) {
    if (v201_display_selected(info, ids, priority, state)) json_array_append(found, info);
  }
  if (!json_array_size(found)) { /* nothing matches: Unknown, nothing sent */
    json_decref(found);
    v201_reply_status(r, "Unknown");
    return;
  }
  json_decref(o->display_pages);
  o->display_pages = v201_display_pages(found, request_id);
  json_decref(found);
  v201_reply_status(r, "Accepted");
}

void v201_display_replied(ocpp201_station *o) {
  json_t *pages = o->display_pages;
  o->display_pages = NULL;
  size_t i;
  json_t *p;
  json_array_foreach(pages, i, p) { v201_send_now(o, "NotifyDisplayMessages", json_incref(p)); }
  json_decref(pages);
}

static void h_clear(ocpp201_station *o, const json_t *req, ocpp_reply *r) {
  if (!validated(o, "ClearDisplayMessage", req, r)) return;
  size_t at = index_of(o, (int)json_integer_value(json_object_get(req, "id")));
  if (at == (size_t)-1) {
    v201_reply_status(r, "Unknown");
    return;
  }
  forget(o, at, "cleared");
  v201_reply_status(r, "Accepted");
}

static const v201_handler handlers[] = {
    {"SetDisplayMessage", h_set},
    {"GetDisplayMessages", h_get},
    {"ClearDisplayMessage", h_clear},
};
const v201_family v201_display_calls = {handlers, sizeof handlers / sizeof handlers[0]};
