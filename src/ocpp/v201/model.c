/*
 * The OCPP 2.0.1 encoding of the charge-point model (model.h): pure
 * translations between 2.0.1 payloads and the model's neutral types.
 */
#include "ocpp/v201/model.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ocpp/v201/tx_ended.h"
#include "ocpp/v201/vocabulary.h"
#include "ocpp201_messages.h" /* generated from the OCPP 2.0.1 schemas */
#include "util/hex.h"
#include "util/timefmt.h"

static bool key_bool(const config *cfg, const char *k) { return config_get_bool(cfg, k); }

const char *v201_connector_type(const config *cfg, int c) {
  char key[64];
  snprintf(key, sizeof key, "connector.%d.type", c);
  const char *type = config_get(cfg, key);
  if (type && type[0] && strcmp(type, "auto") != 0) return type;
  snprintf(key, sizeof key, "connector.%d.tethered", c);
  return key_bool(cfg, key) ? "cType2" : "sType2";
}
static int key_int(const config *cfg, const char *k) { return (int)config_get_int(cfg, k); }

/* AuthCtrlr LocalPreAuthorize / LocalAuthorizeOffline / OfflineTxForUnknownIdEnabled,
 * AuthCacheCtrlr Enabled, LocalAuthListCtrlr Enabled: the station's one store keeps
 * them under their 1.6 names (docs/ocpp201.md). */
cp_auth_policy v201_auth_policy(const config *cfg) {
  return (cp_auth_policy){
      .local_pre_authorize = key_bool(cfg, "ocpp.LocalPreAuthorize"),
      .local_authorize_offline = key_bool(cfg, "ocpp.LocalAuthorizeOffline"),
      .allow_offline_unknown = key_bool(cfg, "ocpp.AllowOfflineTxForUnknownId"),
      .cache_enabled = key_bool(cfg, "ocpp.AuthorizationCacheEnabled"),
      .list_enabled = key_bool(cfg, "ocpp.LocalAuthListEnabled"),
      .cache_lifetime_ms = (borne_ms)config_get_int(cfg, "ocpp.AuthCacheLifeTime") * 1000,
  };
}

/* OCPPCommCtrlr MessageAttempts / MessageAttemptInterval (TransactionEvent). */
cp_retry_policy v201_retry_policy(const config *cfg) {
  return (cp_retry_policy){.attempts = key_int(cfg, "ocpp.TransactionMessageAttempts"),
                           .interval_s = key_int(cfg, "ocpp.TransactionMessageRetryInterval")};
}

json_t *v201_id_token(const char *uid, bool central) {
  return v201_id_token_typed(uid, central ? "Central" : "ISO14443");
}

json_t *v201_id_token_typed(const char *uid, const char *type) {
  if (!uid || !uid[0]) return NULL;
  char tok[CP_ID_MAX + 1];
  snprintf(tok, sizeof tok, "%s", uid);
  return json_pack("{s:s, s:s}", "idToken", tok, "type", type && type[0] ? type : "Central");
}

void v201_id_token_as_201(json_t *id_token) {
  /* 2.0.1's IdTokenEnumType */
  static const char *const types[] = {"Central", "eMAID", "ISO14443",   "ISO15693",
                                      "KeyCode", "Local", "MacAddress", "NoAuthorization"};
  const char *t = json_string_value(json_object_get(id_token, "type"));
  if (!t) return;
  for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
    if (!strcmp(types[i], t)) return;
  json_object_set_new(id_token, "type", json_string("Central"));
}

bool v201_event_as_201(json_t *payload) {
  bool changed = json_object_del(payload, "costDetails") == 0;
  json_t *info = json_object_get(payload, "transactionInfo");
  if (json_object_del(info, "transactionLimit") == 0) changed = true;
  /* 2.1's trigger reasons that 2.0.1 has not: the nearest 2.0.1 one */
  static const struct {
    const char *v21, *v201;
  } triggers[] = {{"LimitSet", "MeterValuePeriodic"},
                  {"RunningCost", "MeterValuePeriodic"},
                  {"TariffChanged", "MeterValuePeriodic"},
                  {"TariffNotAccepted", "MeterValuePeriodic"},
                  {"OperationModeChanged", "ChargingStateChanged"},
                  {"CostLimitReached", "ChargingStateChanged"},
                  {"SoCLimitReached", "ChargingStateChanged"},
                  {"TxResumed", "AbnormalCondition"}};
  const char *t = json_string_value(json_object_get(payload, "triggerReason"));
  for (size_t i = 0; t && i < sizeof triggers / sizeof triggers[0]; i++)
    if (!strcmp(t, triggers[i].v21)) {
      json_object_set_new(payload, "triggerReason", json_string(triggers[i].v201));
      changed = true;
      break;
    }
  return changed;
}

bool v201_id_fits(const json_t *id_token) {
  const char *s = json_string_value(json_object_get(id_token, "idToken"));
  return !s || strlen(s) <= CP_ID_MAX;
}

bool v201_local_list_ids_fit(const json_t *req, size_t *bad) {
  const json_t *list = json_object_get(req, "localAuthorizationList");
  for (size_t i = 0; i < json_array_size(list); i++) {
    const json_t *item = json_array_get(list, i);
    if (!v201_id_fits(json_object_get(item, "idToken")) ||
        !v201_id_fits(json_object_get(json_object_get(item, "idTokenInfo"), "groupIdToken"))) {
      if (bad) *bad = i;
      return false;
    }
  }
  return true;
}

bool v201_token_info(const json_t *info, cp_token_info *out) {
  static const struct {
    const char *name;
    cp_token_status status;
  } map[] = {
      {"Accepted", CP_TOKEN_ACCEPTED},
      {"Blocked", CP_TOKEN_BLOCKED},
      {"Expired", CP_TOKEN_EXPIRED},
      {"Invalid", CP_TOKEN_INVALID},
      {"ConcurrentTx", CP_TOKEN_CONCURRENT_TX},
      {"Unknown", CP_TOKEN_INVALID},
      {"NoCredit", CP_TOKEN_INVALID},
      {"NotAllowedTypeEVSE", CP_TOKEN_INVALID},
      {"NotAtThisLocation", CP_TOKEN_INVALID},
      {"NotAtThisTime", CP_TOKEN_INVALID},
  };
  *out = (cp_token_info){0};
  const char *status = json_string_value(json_object_get(info, "status"));
  if (!status) return false;
  size_t i = 0;
  while (i < sizeof map / sizeof map[0] && strcmp(map[i].name, status) != 0) i++;
  if (i == sizeof map / sizeof map[0]) return false;
  out->status = map[i].status;
  const char *expiry = json_string_value(json_object_get(info, "cacheExpiryDateTime"));
  int64_t t;
  if (expiry && timefmt_parse(expiry, &t) == 0) out->expiry = t;
  const char *group =
      json_string_value(json_object_get(json_object_get(info, "groupIdToken"), "idToken"));
  if (group && strlen(group) <= CP_ID_MAX) snprintf(out->group, sizeof out->group, "%s", group);
  return true;
}

const char *v201_local_list_update(cp_auth *a, const config *cfg, const json_t *req) {
  static const char *const names[] = {[CP_LIST_ACCEPTED] = "Accepted",
                                      [CP_LIST_FAILED] = "Failed",
                                      [CP_LIST_NOT_SUPPORTED] = "Failed",
                                      [CP_LIST_VERSION_MISMATCH] = "VersionMismatch"};
  cp_auth_policy p = v201_auth_policy(cfg);
  cp_list_limits lim = {.max_per_update = key_int(cfg, "ocpp.SendLocalListMaxLength"),
                        .max_entries = key_int(cfg, "ocpp.LocalAuthListMaxLength")};
  const json_t *list = json_object_get(req, "localAuthorizationList");
  size_t count = json_array_size(list); /* 0 when absent */
  cp_list_entry *entries = count ? calloc(count, sizeof *entries) : NULL;
  if (count && !entries) return "Failed";
  for (size_t i = 0; i < count; i++) {
    const json_t *item = json_array_get(list, i);
    entries[i].token =
        json_string_value(json_object_get(json_object_get(item, "idToken"), "idToken"));
    entries[i].has_info = v201_token_info(json_object_get(item, "idTokenInfo"), &entries[i].info);
    if (!entries[i].token) entries[i].token = "";
  }
  json_int_t version = json_integer_value(json_object_get(req, "versionNumber"));
  const char *type = json_string_value(json_object_get(req, "updateType"));
  cp_list_update u = {.version = version > INT32_MAX ? INT32_MAX : (int)version,
                      .full = type && !strcmp(type, "Full"),
                      .entries = entries,
                      .count = count};
  cp_list_result r = cp_auth_list_update(a, &p, &lim, &u);
  free(entries);
  return names[r];
}

int v201_local_list_version(cp_auth *a, const config *cfg) {
  cp_auth_policy p = v201_auth_policy(cfg);
  int v = cp_auth_list_version(a, &p);
  return v > 0 ? v : 0;
}

void v201_tx_id(int64_t session_id, borne_ms start_ms, char out[CP_TX_ID_MAX + 1]) {
  snprintf(out, CP_TX_ID_MAX + 1, "%" PRId64 "-%" PRIx64, session_id, (uint64_t)start_ms);
}

void v201_session_tx_id(const char *known, int64_t session_id, borne_ms start_ms,
                        char out[CP_TX_ID_MAX + 1]) {
  if (known && known[0] && strlen(known) <= CP_TX_ID_MAX)
    snprintf(out, CP_TX_ID_MAX + 1, "%s", known);
  else
    v201_tx_id(session_id, start_ms, out);
}

const char *v201_stop_trigger(stop_reason r) {
  switch (r) {
  case STOP_LOCAL:
    return "StopAuthorized";
  case STOP_REMOTE:
    return "RemoteStop";
  case STOP_EV_DISCONNECTED:
    return "EVCommunicationLost";
  case STOP_HARD_RESET:
  case STOP_SOFT_RESET:
    return "ResetCommand";
  case STOP_DEAUTHORIZED:
    return "Deauthorized";
  case STOP_UNLOCK_COMMAND:
    return "UnlockCommand";
  default: /* power loss, reboot, emergency stop, other */
    return "AbnormalCondition";
  }
}

json_t *v201_transaction_event(const v201_tx_event *e) {
  static const char *const types[] = {
      [CP_EVENT_STARTED] = "Started", [CP_EVENT_UPDATED] = "Updated", [CP_EVENT_ENDED] = "Ended"};
  if ((unsigned)e->kind > CP_EVENT_ENDED || !e->tx_id || !e->tx_id[0] || !e->trigger_reason) {
    json_decref(e->meter_values);
    return NULL;
  }
  char t[40];
  timefmt_iso(e->at, t, sizeof t);
  /* Ended: no energy flows any more, the car is at most connected
   * (EVConnected; Idle once it left). The session's stop comes before the
   * EVSE's status says so, and the EV's pause that ends a transaction at
   * TxStopPoint EnergyTransfer is no charging state of an Ended: TC_E_22_CS
   * wants EVConnected there (Part 6, 2023-06-30), TC_B_27_CS the same in
   * the Ended of a reset, and the OCTT's own Ended after a badge stop says
   * EVConnected (TC_E_08_CSMS). */
  connector_status state = e->status;
  if (e->kind == CP_EVENT_ENDED &&
      (state == STATUS_CHARGING || state == STATUS_SUSPENDED_EV || state == STATUS_SUSPENDED_EVSE))
    state = STATUS_FINISHING;
  json_t *info = json_pack("{s:s, s:s}", "transactionId", e->tx_id, "chargingState",
                           v201_charging_state_name(state));
  if (e->kind == CP_EVENT_ENDED) {
    /* Ended: why it ended */
    const char *why = e->stopped_name ? e->stopped_name : v201_stop_reason_name(e->stopped);
    if (why) json_object_set_new(info, "stoppedReason", json_string(why));
  }
  if (e->remote_start_id)
    json_object_set_new(info, "remoteStartId", json_integer(e->remote_start_id));
  if (json_is_object(e->transaction_limit)) /* 2.1 E16 */
    json_object_set_new(info, "transactionLimit", json_deep_copy(e->transaction_limit));
  json_t *p = json_pack("{s:s, s:s, s:s, s:I, s:o}", "eventType", types[e->kind], "timestamp", t,
                        "triggerReason", e->trigger_reason, "seqNo", (json_int_t)e->seq_no,
                        "transactionInfo", info);
  if (e->offline) json_object_set_new(p, "offline", json_true());
  if (e->evse > 0)
    json_object_set_new(p, "evse", json_pack("{s:i, s:i}", "id", e->evse, "connectorId", 1));
  json_t *tok = e->token_type && e->token_type[0] ? v201_id_token_typed(e->id_token, e->token_type)
                                                  : v201_id_token(e->id_token, e->central_token);
  if (tok) json_object_set_new(p, "idToken", tok);
  if (e->reservation_id) json_object_set_new(p, "reservationId", json_integer(e->reservation_id));
  if (e->meter_values && json_array_size(e->meter_values))
    json_object_set_new(p, "meterValue", e->meter_values);
  else
    json_decref(e->meter_values);
  return p;
}

/* A SampledValueType the 2.0.1 schema accepts, asked of the generated
 * validator through the smallest message that carries one. */
static bool sampled_value_ok(json_t *sv) {
  json_t *probe = json_pack("{s:i, s:[{s:s, s:[O]}]}", "evseId", 1, "meterValue", "timestamp",
                            "2026-01-01T00:00:00Z", "sampledValue", sv);
  ocpp_error err;
  bool ok = probe && ocpp201_validate("MeterValues", true, probe, &err) == 0;
  json_decref(probe);
  return ok;
}

/* sampled_value_ok of a value v201_meter_value made: its number always
 * passes, so the schema's answer follows from its texts alone (context,
 * measurand, phase, location, unit), asked once per set of texts and kept
 * (a reading asks for each of its values, and each message is checked again
 * when it is sent). */
#define VERDICTS_KEPT 32
static bool sampled_texts_ok(json_t *sv) {
  static _Thread_local struct {
    char key[112]; /* the five texts, each its kind, its text and a NUL */
    size_t len;
    bool ok;
  } kept[VERDICTS_KEPT];
  static _Thread_local unsigned next;
  const json_t *texts[] = {json_object_get(sv, "context"), json_object_get(sv, "measurand"),
                           json_object_get(sv, "phase"), json_object_get(sv, "location"),
                           json_object_get(json_object_get(sv, "unitOfMeasure"), "unit")};
  char key[sizeof kept[0].key];
  size_t len = 0;
  for (size_t t = 0; t < sizeof texts / sizeof texts[0]; t++) {
    const char *x = json_string_value(texts[t]);
    size_t n = x ? strlen(x) : 0;
    if (len + n + 2 > sizeof key) return sampled_value_ok(sv); /* too long to keep */
    key[len++] = texts[t] ? (x ? 's' : 'o') : '-';             /* a string, another value, none */
    if (n) memcpy(key + len, x, n);
    key[len + n] = 0;
    len += n + 1;
  }
  for (unsigned i = 0; i < VERDICTS_KEPT; i++)
    if (kept[i].len == len && memcmp(kept[i].key, key, len) == 0) return kept[i].ok;
  bool ok = sampled_value_ok(sv);
  unsigned i = next++ % VERDICTS_KEPT;
  memcpy(kept[i].key, key, len);
  kept[i].len = len;
  kept[i].ok = ok;
  return ok;
}

json_t *v201_meter_value(const char *csl, const meter_reading *r, const ocpp16_sample_extra *x,
                         const char *context, borne_ms at) {
  /* the 1.6 sampledValues of the same measurands, rewritten: 2.0.1 carries
   * the value as a number and the unit in unitOfMeasure */
  json_t *v16 = json_array();
  ocpp16_sampled_values(csl, r, x, context, v16);
  json_t *out = json_array();
  size_t i;
  json_t *sv;
  json_array_foreach(v16, i, sv) {
    const char *text = json_string_value(json_object_get(sv, "value"));
    char *end = NULL;
    double value = text ? strtod(text, &end) : 0;
    if (!text || end == text) continue;
    json_t *o = json_pack("{s:f}", "value", value);
    if (!o) continue; /* not a finite number */
    static const char *const copied[] = {"context", "measurand", "phase", "location"};
    for (size_t k = 0; k < sizeof copied / sizeof copied[0]; k++) {
      json_t *m = json_object_get(sv, copied[k]);
      if (m) json_object_set(o, copied[k], m);
    }
    const char *unit = json_string_value(json_object_get(sv, "unit"));
    if (unit) json_object_set_new(o, "unitOfMeasure", json_pack("{s:s}", "unit", unit));
    /* 2.0.1 dropped measurands 1.6 had (Temperature, RPM): the schema says
     * which survive */
    if (!sampled_texts_ok(o)) {
      json_decref(o);
      continue;
    }
    json_array_append_new(out, o);
  }
  json_decref(v16);
  if (json_array_size(out) == 0) {
    json_decref(out);
    return NULL;
  }
  char t[40];
  timefmt_iso(at, t, sizeof t);
  return json_pack("{s:s, s:o}", "timestamp", t, "sampledValue", out);
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* RFC 4648 Base64 of n bytes into out (at least 4 * ceil(n / 3) + 1). */
static void base64(const unsigned char *in, size_t n, char *out) {
  size_t o = 0;
  for (size_t i = 0; i < n; i += 3) {
    unsigned v = (unsigned)in[i] << 16;
    if (i + 1 < n) v |= (unsigned)in[i + 1] << 8;
    if (i + 2 < n) v |= in[i + 2];
    out[o++] = b64[(v >> 18) & 63];
    out[o++] = b64[(v >> 12) & 63];
    out[o++] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
    out[o++] = i + 2 < n ? b64[v & 63] : '=';
  }
  out[o] = 0;
}

#define SIGNED_MAX 2500 /* SignedMeterValueType's signedMeterData and publicKey */

json_t *v201_signed_meter_value(const char *ocmf_record, const char *pubkey_hex) {
  size_t rn = ocmf_record ? strlen(ocmf_record) : 0, hn = pubkey_hex ? strlen(pubkey_hex) : 0;
  if (!rn || hn % 2 || (rn + 2) / 3 * 4 > SIGNED_MAX || (hn / 2 + 2) / 3 * 4 > SIGNED_MAX)
    return NULL;
  unsigned char der[SIGNED_MAX];
  for (size_t i = 0; i < hn / 2; i++) { /* digit by digit: no sscanf per byte */
    int hi = hex_digit(pubkey_hex[2 * i]), lo = hex_digit(pubkey_hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return NULL;
    der[i] = (unsigned char)(hi << 4 | lo);
  }
  char data[SIGNED_MAX + 1], key[SIGNED_MAX + 1];
  base64((const unsigned char *)ocmf_record, rn, data);
  base64(der, hn / 2, key);
  /* the algorithm the record names ("SA" of its signature section) */
  char method[51] = "ECDSA-secp256r1-SHA256";
  const char *sa = strstr(ocmf_record, "\"SA\":\"");
  if (sa) sscanf(sa + 6, "%50[^\"]", method);
  return json_pack("{s:s, s:s, s:s, s:s}", "signedMeterData", data, "signingMethod", method,
                   "encodingMethod", "OCMF", "publicKey", key);
}

bool v201_pubkey_due(const char *policy, bool sent_in_transaction) {
  if (policy && !strcmp(policy, "Never")) return false;
  if (policy && !strcmp(policy, "OncePerTransaction")) return !sent_in_transaction;
  return true; /* EveryMeterValue (and anything else: the key rather than none) */
}

bool v201_attach_signed(json_t *meter_values, const char *context, json_t *signed_value) {
  size_t i, j;
  json_t *mv, *sv;
  json_array_foreach(meter_values, i, mv) {
    json_array_foreach(json_object_get(mv, "sampledValue"), j, sv) {
      const char *m = json_string_value(json_object_get(sv, "measurand"));
      const char *c = json_string_value(json_object_get(sv, "context"));
      /* measurand left out: Energy.Active.Import.Register, the default */
      if ((!m || !strcmp(m, "Energy.Active.Import.Register")) && c && !strcmp(c, context) &&
          signed_value) {
        json_object_set_new(sv, "signedMeterValue", signed_value);
        return true;
      }
    }
  }
  json_decref(signed_value);
  return false;
}

char *v201_txend_fit(json_t *p, size_t from, size_t series, char *text, size_t *kept_out) {
  size_t len = strlen(text);
  json_t *mv = json_object_get(p, "meterValue");
  size_t n = json_array_size(mv);
  if (kept_out) *kept_out = series;
  if (len + V201_TXEND_FRAME_SLACK <= V201_TXEND_MESSAGE_MAX || from >= n) return text;
  if (series > n - from) series = n - from;
  size_t *sizes = calloc(series ? series : 1, sizeof *sizes);
  bool *keep = calloc(series ? series : 1, sizeof *keep);
  unsigned char *which = calloc(series ? series : 1, 1);
  if (!sizes || !keep || !which) {
    free(sizes);
    free(keep);
    free(which);
    return text; /* sent whole */
  }
  size_t in_series = 0;
  for (size_t i = 0; i < series; i++) {
    json_t *one_mv = json_array_get(mv, from + i);
    const char *context = json_string_value(
        json_object_get(json_array_get(json_object_get(one_mv, "sampledValue"), 0), "context"));
    which[i] = context && !strcmp(context, "Sample.Clock"); /* AlignedDataCtrlr's */
    char *one = json_dumps(one_mv, JSON_COMPACT);
    sizes[i] = one ? strlen(one) : 0;
    in_series += sizes[i] + 1;
    free(one);
  }
  size_t rest = len > in_series ? len - in_series : 0;
  size_t budget = V201_TXEND_MESSAGE_MAX - V201_TXEND_FRAME_SLACK;
  size_t kept = v201_txend_thin(sizes, which, series, budget > rest ? budget - rest : 0, keep);
  for (size_t i = series; i-- > 0;)
    if (!keep[i]) json_array_remove(mv, from + i);
  if (json_array_size(mv) == 0) json_object_del(p, "meterValue"); /* minItems 1 */
  if (kept_out) *kept_out = kept;
  free(sizes);
  free(keep);
  free(which);
  char *again = json_dumps(p, JSON_COMPACT);
  if (!again) return text;
  free(text);
  return again;
}
