/* Queued transaction messages said in the other OCPP version (ocpp_reencode.h). */
#include "ocpp/ocpp_reencode.h"

#include "ocpp/ocpp_schema.h"
#include "ocpp16_messages.h"
#include "ocpp201_messages.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool in(const char *s, const char *const list[], size_t n) {
  for (size_t i = 0; s && i < n; i++)
    if (!strcmp(s, list[i])) return true;
  return false;
}
#define IN(s, list) in(s, list, sizeof list / sizeof list[0])

/* The words each version can say, from its schema: the 1.6 MeterValues
 * sampledValue enums, the 2.0.1 TransactionEvent ones (2.0.1 units are free
 * text). */
OCPP_ENUM_MEMBER_FN(measurand16, ocpp16_MeterValuesRequest_meterValue_sampledValue_measurand_e_name)
OCPP_ENUM_MEMBER_FN(unit16, ocpp16_MeterValuesRequest_meterValue_sampledValue_unit_e_name)
OCPP_ENUM_MEMBER_FN(context16, ocpp16_MeterValuesRequest_meterValue_sampledValue_context_e_name)
OCPP_ENUM_MEMBER_FN(phase16, ocpp16_MeterValuesRequest_meterValue_sampledValue_phase_e_name)
OCPP_ENUM_MEMBER_FN(location16, ocpp16_MeterValuesRequest_meterValue_sampledValue_location_e_name)
OCPP_ENUM_MEMBER_FN(measurand201,
                    ocpp201_TransactionEventRequest_meterValue_sampledValue_measurand_e_name)
OCPP_ENUM_MEMBER_FN(context201,
                    ocpp201_TransactionEventRequest_meterValue_sampledValue_context_e_name)
OCPP_ENUM_MEMBER_FN(phase201, ocpp201_TransactionEventRequest_meterValue_sampledValue_phase_e_name)
OCPP_ENUM_MEMBER_FN(location201,
                    ocpp201_TransactionEventRequest_meterValue_sampledValue_location_e_name)
#define HAS(pred, s) ((s) && pred((s), strlen(s)))

static const char *str(const json_t *o, const char *key) {
  return json_string_value(json_object_get(o, key));
}

ocpp_words ocpp_reencode_words_of(cp_event_kind kind, const json_t *payload) {
  if (kind == CP_EVENT_SECURITY || kind == CP_EVENT_SECURITY_CRITICAL) return OCPP_WORDS_V16;
  if (kind == CP_EVENT_MESSAGE) return OCPP_WORDS_V201; /* only the 2.0.1 dialect queues them */
  /* a 2.0.1 MeterValues outside a transaction (clock-aligned, J01) has evseId */
  return json_object_get(payload, "eventType") || json_object_get(payload, "evseId")
             ? OCPP_WORDS_V201
             : OCPP_WORDS_V16;
}

/* ---------- sampled values ---------- */

/* One 1.6 sampledValue (value as text) in 2.0.1 words (value a number);
 * NULL when 2.0.1 cannot say it (signed data, a measurand it lacks). */
static json_t *sample_to201(const json_t *sv) {
  const char *v = str(sv, "value");
  const char *fmt = str(sv, "format");
  if (!v || (fmt && strcmp(fmt, "Raw") != 0)) return NULL;
  char *end = NULL;
  double x = strtod(v, &end);
  if (end == v || *end || !isfinite(x)) return NULL;
  const char *m = str(sv, "measurand");
  if (m && !HAS(measurand201, m)) return NULL;
  json_t *out = json_pack("{s:f}", "value", x);
  if (m) json_object_set_new(out, "measurand", json_string(m));
  const char *c = str(sv, "context"), *p = str(sv, "phase"), *l = str(sv, "location");
  if (HAS(context201, c)) json_object_set_new(out, "context", json_string(c));
  if (HAS(phase201, p)) json_object_set_new(out, "phase", json_string(p));
  if (HAS(location201, l)) json_object_set_new(out, "location", json_string(l));
  const char *u = str(sv, "unit");
  if (u && strlen(u) <= 20)
    json_object_set_new(out, "unitOfMeasure",
                        json_pack("{s:s}", "unit", !strcmp(u, "Celcius") ? "Celsius" : u));
  return out;
}

/* One 2.0.1 sampledValue in 1.6 words; NULL when 1.6 cannot say it. */
static json_t *sample_to16(const json_t *sv) {
  const json_t *jv = json_object_get(sv, "value");
  if (!json_is_number(jv)) return NULL;
  double x = json_number_value(jv);
  const char *m = str(sv, "measurand");
  if (m && !HAS(measurand16, m)) return NULL;
  const json_t *uom = json_object_get(sv, "unitOfMeasure");
  const char *u = str(uom, "unit");
  if (u && !HAS(unit16, u)) return NULL;
  const json_t *mul = json_object_get(uom, "multiplier");
  if (json_is_integer(mul)) x *= pow(10.0, (double)json_integer_value(mul));
  char text[64];
  snprintf(text, sizeof text, "%.15g", x);
  json_t *out = json_pack("{s:s}", "value", text);
  if (m) json_object_set_new(out, "measurand", json_string(m));
  const char *c = str(sv, "context"), *p = str(sv, "phase"), *l = str(sv, "location");
  if (HAS(context16, c)) json_object_set_new(out, "context", json_string(c));
  if (HAS(phase16, p)) json_object_set_new(out, "phase", json_string(p));
  if (HAS(location16, l)) json_object_set_new(out, "location", json_string(l));
  if (u) json_object_set_new(out, "unit", json_string(u));
  return out;
}

/* A meterValue list in the other words: the samples that can be said, the
 * meter values left with none dropped. An empty array when nothing is left. */
static json_t *meter_values(const json_t *list, bool to201) {
  json_t *out = json_array();
  size_t i;
  const json_t *mv;
  json_array_foreach(list, i, mv) {
    const char *ts = str(mv, "timestamp");
    const json_t *svs = json_object_get(mv, "sampledValue");
    if (!ts || !json_is_array(svs)) continue;
    json_t *conv = json_array();
    size_t k;
    const json_t *sv;
    json_array_foreach(svs, k, sv) {
      json_t *one = to201 ? sample_to201(sv) : sample_to16(sv);
      if (one) json_array_append_new(conv, one);
    }
    if (json_array_size(conv))
      json_array_append_new(out, json_pack("{s:s, s:o}", "timestamp", ts, "sampledValue", conv));
    else
      json_decref(conv);
  }
  return out;
}

/* The energy register of a 2.0.1 meterValue list in Wh, preferring the
 * sample of `context`; false when it has none. */
static bool energy_wh(const json_t *list, const char *context, double *wh) {
  bool found = false;
  size_t i, k;
  const json_t *mv, *sv;
  json_array_foreach(list, i, mv) {
    json_array_foreach(json_object_get(mv, "sampledValue"), k, sv) {
      const char *m = str(sv, "measurand");
      if ((m && strcmp(m, "Energy.Active.Import.Register") != 0) ||
          !json_is_number(json_object_get(sv, "value")) || str(sv, "phase"))
        continue;
      const json_t *uom = json_object_get(sv, "unitOfMeasure");
      double x = json_number_value(json_object_get(sv, "value"));
      const char *u = str(uom, "unit");
      if (u && !strcmp(u, "kWh"))
        x *= 1000.0;
      else if (u && strcmp(u, "Wh") != 0)
        continue;
      const json_t *mul = json_object_get(uom, "multiplier");
      if (json_is_integer(mul)) x *= pow(10.0, (double)json_integer_value(mul));
      const char *c = str(sv, "context");
      if (!found || (c && context && !strcmp(c, context))) *wh = x;
      found = true;
    }
  }
  return found;
}

static json_t *energy_sample(double wh, const char *context, const char *ts) {
  return json_pack("[{s:s, s:[{s:f, s:s, s:s, s:{s:s}}]}]", "timestamp", ts, "sampledValue",
                   "value", wh, "context", context, "measurand", "Energy.Active.Import.Register",
                   "unitOfMeasure", "unit", "Wh");
}

/* ---------- 1.6 -> 2.0.1 ---------- */

static const char *trigger_of_reason(const char *r) {
  if (!r || !strcmp(r, "Local")) return "StopAuthorized";
  if (!strcmp(r, "Remote")) return "RemoteStop";
  if (!strcmp(r, "EVDisconnected")) return "EVCommunicationLost";
  if (!strcmp(r, "DeAuthorized")) return "Deauthorized";
  if (!strcmp(r, "HardReset") || !strcmp(r, "SoftReset") || !strcmp(r, "Reboot"))
    return "ResetCommand";
  if (!strcmp(r, "UnlockCommand")) return "UnlockCommand";
  return "AbnormalCondition";
}

static const char *reason_to201(const char *r) {
  static const char *const same[] = {"DeAuthorized", "EmergencyStop", "EVDisconnected", "Local",
                                     "Other",        "PowerLoss",     "Reboot",         "Remote"};
  if (!r) return "Local";
  if (IN(r, same)) return r;
  if (!strcmp(r, "HardReset") || !strcmp(r, "SoftReset")) return "ImmediateReset";
  if (!strcmp(r, "UnlockCommand")) return "Remote";
  return "Other";
}

static json_t *event201(const char *type, const char *ts, const char *trigger,
                        const ocpp_reencode_ctx *cx) {
  json_t *e = json_pack("{s:s, s:s, s:s, s:I, s:b, s:{s:s}}", "eventType", type, "timestamp", ts,
                        "triggerReason", trigger, "seqNo", (json_int_t)cx->seq_no, "offline", 1,
                        "transactionInfo", "transactionId", cx->tx_id);
  return e;
}

static json_t *to201(cp_event_kind kind, const json_t *p, const ocpp_reencode_ctx *cx, char *why,
                     size_t whylen) {
  if (!cx->tx_id || !cx->tx_id[0] || strlen(cx->tx_id) > 36 || cx->seq_no < 0) {
    snprintf(why, whylen, "no 2.0.1 transactionId or seqNo for it");
    return NULL;
  }
  const char *ts = str(p, "timestamp");
  json_t *e = NULL;
  int connector = (int)json_integer_value(json_object_get(p, "connectorId"));
  if (connector <= 0) connector = cx->connector;
  switch (kind) {
  case CP_EVENT_STARTED: {
    const char *tag = str(p, "idTag");
    const json_t *ms = json_object_get(p, "meterStart");
    if (!ts || !tag || !json_is_integer(ms) || connector <= 0) {
      snprintf(why, whylen, "a StartTransaction without its connector, idTag, meterStart or time");
      return NULL;
    }
    e = event201("Started", ts, "Authorized", cx);
    json_object_set_new(e, "evse", json_pack("{s:i, s:i}", "id", connector, "connectorId", 1));
    json_object_set_new(e, "idToken", json_pack("{s:s, s:s}", "idToken", tag, "type", "Local"));
    json_object_set_new(e, "meterValue",
                        energy_sample((double)json_integer_value(ms), "Transaction.Begin", ts));
    const json_t *rid = json_object_get(p, "reservationId");
    if (json_is_integer(rid))
      json_object_set_new(e, "reservationId", json_integer(json_integer_value(rid)));
    return e;
  }
  case CP_EVENT_UPDATED: {
    json_t *mv = meter_values(json_object_get(p, "meterValue"), true);
    const char *first = str(json_array_get(mv, 0), "timestamp");
    if (!first) {
      json_decref(mv);
      snprintf(why, whylen, "a MeterValues none of whose samples 2.0.1 can say");
      return NULL;
    }
    e = event201("Updated", first, "MeterValuePeriodic", cx);
    if (connector > 0)
      json_object_set_new(e, "evse", json_pack("{s:i, s:i}", "id", connector, "connectorId", 1));
    json_object_set_new(e, "meterValue", mv);
    return e;
  }
  case CP_EVENT_ENDED: {
    const json_t *stop = json_object_get(p, "meterStop");
    if (!ts || !json_is_integer(stop)) {
      snprintf(why, whylen, "a StopTransaction without meterStop or time");
      return NULL;
    }
    const char *reason = str(p, "reason");
    e = event201("Ended", ts, trigger_of_reason(reason), cx);
    json_object_set_new(json_object_get(e, "transactionInfo"), "stoppedReason",
                        json_string(reason_to201(reason)));
    if (connector > 0)
      json_object_set_new(e, "evse", json_pack("{s:i, s:i}", "id", connector, "connectorId", 1));
    const char *tag = str(p, "idTag");
    if (tag)
      json_object_set_new(e, "idToken", json_pack("{s:s, s:s}", "idToken", tag, "type", "Local"));
    json_t *mv = energy_sample((double)json_integer_value(stop), "Transaction.End", ts);
    json_t *data = meter_values(json_object_get(p, "transactionData"), true);
    json_array_extend(mv, data);
    json_decref(data);
    json_object_set_new(e, "meterValue", mv);
    return e;
  }
  default:
    snprintf(why, whylen, "not a transaction message");
    return NULL;
  }
}

/* ---------- 2.0.1 -> 1.6 ---------- */

static const char *reason_to16(const char *r) {
  static const char *const same[] = {"DeAuthorized", "EmergencyStop", "EVDisconnected", "Local",
                                     "Other",        "PowerLoss",     "Reboot",         "Remote"};
  if (!r) return "Local";
  if (IN(r, same)) return r;
  if (!strcmp(r, "ImmediateReset")) return "HardReset";
  return "Other";
}

static bool tx16(const char *tx, json_int_t *out) {
  if (!tx || !*tx) return false;
  char *end = NULL;
  long long v = strtoll(tx, &end, 10);
  if (*end || v < INT32_MIN || v > INT32_MAX) return false;
  *out = (json_int_t)v;
  return true;
}

static json_t *to16(cp_event_kind kind, const json_t *p, const ocpp_reencode_ctx *cx, char *why,
                    size_t whylen) {
  const char *type = str(p, "eventType");
  const char *ts = str(p, "timestamp");
  const json_t *mvs = json_object_get(p, "meterValue");
  int connector = (int)json_integer_value(json_object_get(json_object_get(p, "evse"), "id"));
  if (connector <= 0) connector = cx->connector;
  const char *tag = str(json_object_get(p, "idToken"), "idToken");
  json_int_t tx = 0;
  bool has_tx = tx16(cx->tx_id, &tx);
  if (!type || !ts) {
    snprintf(why, whylen, "a TransactionEvent without eventType or timestamp");
    return NULL;
  }
  if (kind == CP_EVENT_STARTED) {
    double wh;
    if (!tag || strlen(tag) > 20 || connector <= 0 || !energy_wh(mvs, "Transaction.Begin", &wh)) {
      snprintf(why, whylen,
               "a Started event without a 1.6 idTag (20 characters), its EVSE or its meter "
               "register");
      return NULL;
    }
    json_t *s = json_pack("{s:i, s:s, s:I, s:s}", "connectorId", connector, "idTag", tag,
                          "meterStart", (json_int_t)llround(wh), "timestamp", ts);
    const json_t *rid = json_object_get(p, "reservationId");
    if (json_is_integer(rid))
      json_object_set_new(s, "reservationId", json_integer(json_integer_value(rid)));
    return s;
  }
  if (!has_tx) {
    snprintf(why, whylen, "the 1.6 back end gave this transaction no transactionId");
    return NULL;
  }
  if (kind == CP_EVENT_UPDATED) {
    json_t *mv = meter_values(mvs, false);
    if (!json_array_size(mv) || connector <= 0) {
      json_decref(mv);
      snprintf(why, whylen, "an Updated event without meter values 1.6 can say");
      return NULL;
    }
    return json_pack("{s:i, s:I, s:o}", "connectorId", connector, "transactionId", tx, "meterValue",
                     mv);
  }
  if (kind == CP_EVENT_ENDED) {
    double wh;
    if (!energy_wh(mvs, "Transaction.End", &wh)) {
      snprintf(why, whylen, "an Ended event without its meter register");
      return NULL;
    }
    const char *reason = str(json_object_get(p, "transactionInfo"), "stoppedReason");
    json_t *s = json_pack("{s:I, s:s, s:I, s:s}", "meterStop", (json_int_t)llround(wh), "timestamp",
                          ts, "transactionId", tx, "reason", reason_to16(reason));
    if (tag && strlen(tag) <= 20) json_object_set_new(s, "idTag", json_string(tag));
    json_t *data = meter_values(mvs, false);
    if (json_array_size(data))
      json_object_set_new(s, "transactionData", data);
    else
      json_decref(data);
    return s;
  }
  snprintf(why, whylen, "not a transaction message");
  return NULL;
}

static const char *action_in(cp_event_kind kind, ocpp_words w) {
  if (kind == CP_EVENT_SECURITY || kind == CP_EVENT_SECURITY_CRITICAL)
    return "SecurityEventNotification";
  if (w == OCPP_WORDS_V201) return "TransactionEvent";
  return kind == CP_EVENT_STARTED   ? "StartTransaction"
         : kind == CP_EVENT_UPDATED ? "MeterValues"
                                    : "StopTransaction";
}

json_t *ocpp_reencode(cp_event_kind kind, const json_t *payload, ocpp_words to,
                      const ocpp_reencode_ctx *cx, const char **action, char *why, size_t whylen) {
  *action = NULL;
  if (!json_is_object(payload)) {
    snprintf(why, whylen, "not a JSON object");
    return NULL;
  }
  if (kind == CP_EVENT_MESSAGE) {
    /* a 2.0.1 FirmwareStatusNotification, LogStatusNotification or
     * NotifyEvent: its 1.6 namesake (if any) tells another story */
    static const char *const queued[] = {"FirmwareStatusNotification", "LogStatusNotification",
                                         "NotifyEvent"};
    const char *a = str(payload, "action"), *known = NULL;
    for (size_t i = 0; a && i < sizeof queued / sizeof queued[0]; i++)
      if (!strcmp(a, queued[i])) known = queued[i];
    const json_t *inner = json_object_get(payload, "payload");
    if (to == OCPP_WORDS_V16 || !known || !json_is_object(inner)) {
      snprintf(why, whylen, "a 2.0.1 %.60s has no 1.6 equivalent", a ? a : "message");
      return NULL;
    }
    *action = known;
    return json_deep_copy(inner);
  }
  if ((unsigned)kind > CP_EVENT_SECURITY_CRITICAL) {
    snprintf(why, whylen, "unknown message kind %d", (int)kind);
    return NULL;
  }
  bool security = kind == CP_EVENT_SECURITY || kind == CP_EVENT_SECURITY_CRITICAL;
  json_t *out;
  if (security || ocpp_reencode_words_of(kind, payload) == to)
    out = json_deep_copy(payload);
  else
    out = to == OCPP_WORDS_V201 ? to201(kind, payload, cx, why, whylen)
                                : to16(kind, payload, cx, why, whylen);
  if (out) *action = action_in(kind, to);
  return out;
}
