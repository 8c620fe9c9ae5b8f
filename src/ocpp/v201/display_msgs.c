/*
 * Pure: the display messages' rules (see display_msgs.h), read from the
 * messageInfo objects the link checked against the version's schema. They
 * are read defensively all the same (a member of the wrong type counts as
 * absent): the fuzz target feeds them any JSON.
 */
#include "ocpp/v201/display_msgs.h"

#include <string.h>

#include "util/timefmt.h"

static const char *str_of(const json_t *o, const char *key) {
  return json_string_value(json_object_get(o, key));
}

static const json_t *message_of(const json_t *info) {
  const json_t *m = json_object_get(info, "message");
  return json_is_object(m) ? m : NULL;
}

int v201_display_id(const json_t *info) {
  const json_t *id = json_object_get(info, "id");
  return json_is_integer(id) ? (int)json_integer_value(id) : -1;
}

int v201_display_evse(const json_t *info) {
  const json_t *evse =
      json_object_get(json_object_get(json_object_get(info, "display"), "evse"), "id");
  return json_is_integer(evse) ? (int)json_integer_value(evse) : 0;
}

const char *v201_display_transaction(const json_t *info) { return str_of(info, "transactionId"); }

static borne_ms time_of(const json_t *info, const char *key, borne_ms none) {
  const char *t = str_of(info, key);
  int64_t ms;
  if (!t || timefmt_parse(t, &ms) != 0) return none;
  return ms;
}

borne_ms v201_display_end(const json_t *info) {
  return time_of(info, "endDateTime", V201_DISPLAY_NEVER);
}

const char *v201_display_refusal(const json_t *info, int evses, bool qr) {
  const json_t *m = message_of(info);
  if (!json_is_object(info) || v201_display_id(info) < 0 || !m || !str_of(m, "content") ||
      !str_of(m, "format"))
    return "Rejected";
  const char *format = str_of(m, "format");
  static const char *const formats[] = {"ASCII", "HTML", "URI", "UTF8"};
  bool known = qr && !strcmp(format, "QRCODE");
  for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
    if (!strcmp(format, formats[i])) known = true;
  if (!known) return "NotSupportedMessageFormat";
  int evse = v201_display_evse(info);
  if (evse < 0 || evse > evses) return "Rejected";
  if (time_of(info, "startDateTime", 0) >= v201_display_end(info)) return "Rejected";
  return NULL;
}

bool v201_display_shown(const json_t *info, int evse, const char *state, borne_ms now) {
  int on = v201_display_evse(info);
  if (on && on != evse) return false;
  if (time_of(info, "startDateTime", 0) > now || v201_display_end(info) <= now) return false;
  const char *want = str_of(info, "state");
  return !want || (state && !strcmp(want, state));
}

bool v201_display_selected(const json_t *info, const json_t *ids, const char *priority,
                           const char *state) {
  if (json_array_size(ids)) {
    bool found = false;
    size_t i;
    const json_t *id;
    json_array_foreach(ids, i, id) {
      if (json_is_integer(id) && json_integer_value(id) == v201_display_id(info)) found = true;
    }
    if (!found) return false;
  }
  const char *p = str_of(info, "priority"), *s = str_of(info, "state");
  if (priority && (!p || strcmp(p, priority))) return false;
  if (state && (!s || strcmp(s, state))) return false;
  return true;
}

json_t *v201_display_pages(const json_t *infos, int request_id) {
  json_t *pages = json_array();
  size_t n = json_array_size(infos);
  for (size_t at = 0; at < n; at += V201_DISPLAY_PER_PAGE) {
    json_t *list = json_array();
    for (size_t i = at; i < n && i < at + V201_DISPLAY_PER_PAGE; i++)
      json_array_append(list, json_array_get(infos, i));
    json_t *page = json_pack("{s:i, s:o}", "requestId", request_id, "messageInfo", list);
    if (at + V201_DISPLAY_PER_PAGE < n) json_object_set_new(page, "tbc", json_true());
    json_array_append_new(pages, page);
  }
  return pages;
}

static json_t *str_or_null(const char *s) { return s ? json_string(s) : json_null(); }

json_t *v201_display_view(const json_t *info) {
  const json_t *m = message_of(info);
  int evse = v201_display_evse(info);
  return json_pack(
      "{s:i, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "id", v201_display_id(info), "priority",
      str_or_null(str_of(info, "priority")), "state", str_or_null(str_of(info, "state")), "format",
      str_or_null(str_of(m, "format")), "language", str_or_null(str_of(m, "language")), "content",
      str_or_null(str_of(m, "content")), "start", str_or_null(str_of(info, "startDateTime")), "end",
      str_or_null(str_of(info, "endDateTime")), "transaction_id",
      str_or_null(v201_display_transaction(info)), "evse", evse ? json_integer(evse) : json_null());
}

int v201_display_rank(const json_t *info) {
  const char *p = str_of(info, "priority");
  if (p && !strcmp(p, "AlwaysFront")) return 0;
  if (p && !strcmp(p, "InFront")) return 1;
  return 2;
}
