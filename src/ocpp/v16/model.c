/*
 * The OCPP 1.6 encoding of the charge-point model (see model.h): the
 * 1.6 spellings and key names live here, the model (src/chargepoint/) knows
 * none of them.
 */
#include "ocpp/v16/model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"
#include "util/timefmt.h"

#define MOD "ocpp"

static bool key_bool(const config *cfg, const char *key) { return config_get_bool(cfg, key); }

static int key_int(const config *cfg, const char *key) {
  long v = config_get_int(cfg, key);
  return v > INT32_MAX ? INT32_MAX : v < INT32_MIN ? INT32_MIN : (int)v;
}

cp_auth_policy v16_auth_policy(const config *cfg) {
  return (cp_auth_policy){
      .local_pre_authorize = key_bool(cfg, "ocpp.LocalPreAuthorize"),
      .local_authorize_offline = key_bool(cfg, "ocpp.LocalAuthorizeOffline"),
      .allow_offline_unknown = key_bool(cfg, "ocpp.AllowOfflineTxForUnknownId"),
      .cache_enabled = key_bool(cfg, "ocpp.AuthorizationCacheEnabled"),
      .list_enabled = key_bool(cfg, "ocpp.LocalAuthListEnabled"),
      .cache_lifetime_ms = (borne_ms)config_get_int(cfg, "ocpp.AuthCacheLifeTime") * 1000,
  };
}

cp_retry_policy v16_retry_policy(const config *cfg) {
  return (cp_retry_policy){.attempts = key_int(cfg, "ocpp.TransactionMessageAttempts"),
                           .interval_s = key_int(cfg, "ocpp.TransactionMessageRetryInterval")};
}

cp_list_limits v16_list_limits(const config *cfg) {
  return (cp_list_limits){.max_per_update = key_int(cfg, "ocpp.SendLocalListMaxLength"),
                          .max_entries = key_int(cfg, "ocpp.LocalAuthListMaxLength")};
}

/* ---------- authorization ---------- */

/* AuthorizationStatus of 1.6, in the order of cp_token_status. */
static const char *const token_statuses[] = {
    [CP_TOKEN_ACCEPTED] = "Accepted",
    [CP_TOKEN_BLOCKED] = "Blocked",
    [CP_TOKEN_EXPIRED] = "Expired",
    [CP_TOKEN_INVALID] = "Invalid",
    [CP_TOKEN_CONCURRENT_TX] = "ConcurrentTx",
};

/* An idTagInfo's expiryDate (NULL when absent); 0: none. */
static borne_ms expiry_at(const char *text) {
  int64_t t = 0;
  return text && timefmt_parse(text, &t) == 0 ? t : 0;
}

bool v16_token_info(const json_t *info, cp_token_info *out) {
  const char *status = json_string_value(json_object_get(info, "status"));
  if (!status) return false;
  int s = -1;
  for (int i = 0; i < (int)(sizeof token_statuses / sizeof *token_statuses); i++)
    if (strcmp(token_statuses[i], status) == 0) s = i;
  if (s < 0) return false;
  *out =
      (cp_token_info){.status = (cp_token_status)s,
                      .expiry = expiry_at(json_string_value(json_object_get(info, "expiryDate")))};
  const char *parent = json_string_value(json_object_get(info, "parentIdTag"));
  snprintf(out->group, sizeof out->group, "%s", parent ? parent : "");
  return true;
}

void v16_auth_remember(cp_auth *a, const config *cfg, const char *tag, const json_t *id_tag_info,
                       borne_ms now) {
  cp_token_info info;
  if (!v16_token_info(id_tag_info, &info)) return;
  cp_auth_policy p = v16_auth_policy(cfg);
  cp_auth_remember(a, &p, tag, &info, now);
}

static cp_token_status
list_status(ocpp16_SendLocalListRequest_localAuthorizationList_idTagInfo_status_e s) {
  switch (s) {
  case ocpp16_SendLocalListRequest_localAuthorizationList_idTagInfo_status_Accepted:
    return CP_TOKEN_ACCEPTED;
  case ocpp16_SendLocalListRequest_localAuthorizationList_idTagInfo_status_Blocked:
    return CP_TOKEN_BLOCKED;
  case ocpp16_SendLocalListRequest_localAuthorizationList_idTagInfo_status_Expired:
    return CP_TOKEN_EXPIRED;
  case ocpp16_SendLocalListRequest_localAuthorizationList_idTagInfo_status_ConcurrentTx:
    return CP_TOKEN_CONCURRENT_TX;
  default:
    return CP_TOKEN_INVALID;
  }
}

const char *v16_local_list_update(cp_auth *a, const config *cfg,
                                  const ocpp16_SendLocalListRequest *req) {
  static const char *const names[] = {[CP_LIST_ACCEPTED] = "Accepted",
                                      [CP_LIST_FAILED] = "Failed",
                                      [CP_LIST_NOT_SUPPORTED] = "NotSupported",
                                      [CP_LIST_VERSION_MISMATCH] = "VersionMismatch"};
  cp_auth_policy p = v16_auth_policy(cfg);
  cp_list_limits lim = v16_list_limits(cfg);
  size_t count = req->localAuthorizationList_count; /* 0 when absent */
  cp_list_entry *entries = count ? calloc(count, sizeof *entries) : NULL;
  if (count && !entries) return "Failed";
  for (size_t i = 0; i < count; i++) {
    const ocpp16_SendLocalListRequest_localAuthorizationList *item =
        &req->localAuthorizationList[i];
    entries[i].token = item->idTag;
    entries[i].has_info = item->has_idTagInfo; /* without: removed (differential) */
    if (!item->has_idTagInfo) continue;
    const ocpp16_SendLocalListRequest_localAuthorizationList_idTagInfo *info = &item->idTagInfo;
    entries[i].info.status = list_status(info->status);
    entries[i].info.expiry = expiry_at(info->has_expiryDate ? info->expiryDate : NULL);
    snprintf(entries[i].info.group, sizeof entries[i].info.group, "%s",
             info->has_parentIdTag ? info->parentIdTag : "");
  }
  cp_list_update u = {.version = req->listVersion > INT32_MAX ? INT32_MAX : (int)req->listVersion,
                      .full = req->updateType == ocpp16_SendLocalListRequest_updateType_Full,
                      .entries = entries,
                      .count = count};
  cp_list_result r = cp_auth_list_update(a, &p, &lim, &u);
  free(entries);
  return names[r];
}

/* 5.10: 0 says the list is empty, whatever version the last update carried
 * (OCTT TC_042_2_CS: a Full update of version 1 without entries, then 0);
 * -1 that there is no list. */
int v16_local_list_version(cp_auth *a, const config *cfg) {
  cp_auth_policy p = v16_auth_policy(cfg);
  int v = cp_auth_list_version(a, &p);
  return v > 0 && cp_auth_list_length(a) == 0 ? 0 : v;
}

static int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int v16_authorization_key_decode(const char *value, char *out, size_t outlen) {
  size_t n = strlen(value);
  bool hex = n >= 32 && n <= 40 && n % 2 == 0;
  for (size_t i = 0; hex && i < n; i++) hex = hex_digit(value[i]) >= 0;
  if (!hex) {
    snprintf(out, outlen, "%s", value);
    return 0;
  }
  if (n / 2 + 1 > outlen) return -1;
  for (size_t i = 0; i < n / 2; i++) {
    int b = hex_digit(value[2 * i]) * 16 + hex_digit(value[2 * i + 1]);
    if (b <= ' ' || b > '~') return -1;
    out[i] = (char)b;
  }
  out[n / 2] = 0;
  return 1;
}

/* ---------- reservations ---------- */

const char *v16_reservation_status(cp_reserve_result r) {
  switch (r) {
  case CP_RESERVE_ACCEPTED:
    return "Accepted";
  case CP_RESERVE_OCCUPIED:
    return "Occupied";
  default:
    return "Rejected";
  }
}

/* ---------- the journal ---------- */

int v16_event_kind(const char *action, const json_t *payload, cp_event_kind *out) {
  if (!action) return -1;
  if (strcmp(action, "StartTransaction") == 0)
    *out = CP_EVENT_STARTED;
  else if (strcmp(action, "MeterValues") == 0)
    *out = CP_EVENT_UPDATED;
  else if (strcmp(action, "StopTransaction") == 0)
    *out = CP_EVENT_ENDED;
  else if (strcmp(action, "SecurityEventNotification") == 0)
    *out = cp_security_event_kind(json_string_value(json_object_get(payload, "type")));
  else
    return -1;
  return 0;
}

const char *v16_event_action(cp_event_kind kind) {
  switch (kind) {
  case CP_EVENT_STARTED:
    return "StartTransaction";
  case CP_EVENT_UPDATED:
    return "MeterValues";
  case CP_EVENT_ENDED:
    return "StopTransaction";
  default:
    return "SecurityEventNotification";
  }
}

int v16_journal_push(cp_journal *j, int64_t session_id, const char *action, const json_t *payload,
                     borne_ms now) {
  char *text = NULL;
  int rc = v16_journal_push_text(j, session_id, action, payload, now, &text);
  free(text);
  return rc;
}

int v16_journal_push_text(cp_journal *j, int64_t session_id, const char *action,
                          const json_t *payload, borne_ms now, char **text) {
  *text = NULL;
  cp_event_kind kind;
  if (v16_event_kind(action, payload, &kind) != 0) return -1;
  *text = json_dumps(payload, JSON_COMPACT);
  if (!*text) return -1;
  int rc = cp_journal_push(j, session_id, kind, *text, now);
  if (rc != 0) {
    free(*text);
    *text = NULL;
  }
  return rc;
}

json_t *v16_event_payload(const cp_journal_entry *e, const char *tx_id) {
  json_error_t jerr;
  return v16_event_payload_of(json_loads(e->payload, 0, &jerr), e->kind, tx_id, NULL);
}

json_t *v16_event_payload_of(json_t *p, cp_event_kind kind, const char *tx_id, bool *unchanged) {
  if (unchanged) *unchanged = false;
  if (!p || !json_is_object(p)) {
    json_decref(p);
    return NULL;
  }
  bool same = true;
  if ((kind == CP_EVENT_UPDATED || kind == CP_EVENT_ENDED) && tx_id && tx_id[0]) {
    char *end = NULL;
    long long tx = strtoll(tx_id, &end, 10);
    if (end && *end == '\0') {
      const json_t *was = json_object_get(p, "transactionId");
      /* jansson replaces a member's value in its place: the same number
       * leaves the object's text as it was */
      if (!json_is_integer(was) || json_integer_value(was) != tx) {
        same = false;
        json_object_set_new(p, "transactionId", json_integer(tx));
      }
    }
  }
  if (unchanged) *unchanged = same;
  return p;
}

void v16_tx_text(int tx, char out[CP_TX_ID_MAX + 1]) { snprintf(out, CP_TX_ID_MAX + 1, "%d", tx); }

int v16_journal_tx_id(cp_journal *j, int64_t session_id) {
  char tx[CP_TX_ID_MAX + 1];
  if (!cp_journal_tx_id(j, session_id, tx)) return 0;
  return atoi(tx);
}
