/*
 * OCPP 2.0.1 functional blocks C and D, the part borne has: Authorize (C01)
 * for the station's badge questions with the id token type (a badge is
 * ISO14443), the offline decisions through the charge-point model's
 * authorization cache and local list (C12, C13, the same store 1.6 fills),
 * ClearCache (C11), and the local list the CSMS sends (D01 SendLocalList,
 * full or differential; D02 GetLocalListVersion). One file of the 2.0.1
 * dialect's functional blocks.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ocpp/v201/v201_internal.h"

typedef struct {
  ocpp201_station *o;
  uint32_t request_id;
  char uid[BORNE_UID_MAX + 1];
  char tok[CP_ID_MAX + 1];
} auth_ctx;

/* C09/C16: an accepted token whose group is AuthCtrlr.MasterPassGroupId is
 * a master pass: it stops every transaction of the station (which has no
 * screen to choose some: C16.FR.03), stoppedReason MasterPass, and starts
 * none (C16.FR.01: answered to the station as refused). True when it was. */
static bool master_pass(ocpp201_station *o, uint32_t request_id, const char *tok,
                        const char *group) {
  const char *master = key201_str(o, "MasterPassGroupId");
  if (!master[0] || !group || strcasecmp(group, master) != 0) return false;
  int stopped = 0;
  for (int c = 1; c <= o->count; c++) {
    if (!station_has_session(o->st, c)) continue;
    snprintf(o->evse[c - 1].master_pass, sizeof o->evse[c - 1].master_pass, "%s", tok);
    station_connector_event(o->st, c, &(cs_event){.type = CS_EV_STOP, .reason = STOP_LOCAL});
    o->evse[c - 1].master_pass[0] = 0; /* used by the Ended event, if it came */
    stopped++;
  }
  station_event(o->st, 0, "ocpp_master_pass", "%s: %d transaction(s) stopped", tok, stopped);
  station_auth_answer_reason(o->st, request_id, false, NULL, NULL, "master_pass");
  return true;
}

/* The groupIdToken of the token that started the transaction on EVSE c:
 * the one its authorization gave (also with the cache disabled), else the
 * local list's, else the cache's; "" unknown. */
static void starter_group(ocpp201_station *o, int c, char group[CP_ID_MAX + 1]) {
  group[0] = 0;
  if (o->evse[c - 1].starter_group[0]) {
    snprintf(group, CP_ID_MAX + 1, "%s", o->evse[c - 1].starter_group);
    return;
  }
  session_row row;
  if (!o->evse[c - 1].session_id || store_session_get(o->st->db, o->evse[c - 1].session_id, &row))
    return;
  cp_auth_kept kept;
  if (!row.uid[0]) return;
  if (cp_auth_entry(o->auth, true, row.uid, &kept) || cp_auth_entry(o->auth, false, row.uid, &kept))
    snprintf(group, CP_ID_MAX + 1, "%s", kept.group);
}

/* C09: an accepted token of the same groupIdToken as the token that started
 * a running transaction stops it (the Ended event names it) and starts
 * nothing (heard by the station as refused, reason group_stop) — unless a
 * car waits on another EVSE: then the token is for it. True when it stopped
 * one. */
static bool group_stop(ocpp201_station *o, uint32_t request_id, const char *tok,
                       const char *group) {
  if (!group || !group[0]) return false;
  /* the station's view, not the EVSE status: a car plugged into a reserved
   * EVSE shows Reserved, yet waits for this badge */
  for (int c = 1; c <= o->count; c++)
    if (station_waiting_for_authorization(o->st, c)) return false;
  for (int c = 1; c <= o->count; c++) {
    char g[CP_ID_MAX + 1];
    if (!station_has_session(o->st, c)) continue;
    starter_group(o, c, g);
    if (!g[0] || strcasecmp(g, group) != 0) continue;
    v201_evse *k = &o->evse[c - 1];
    snprintf(k->group_stop, sizeof k->group_stop, "%s", tok);
    station_connector_event(o->st, c, &(cs_event){.type = CS_EV_STOP, .reason = STOP_LOCAL});
    k->group_stop[0] = 0;
    station_event(o->st, c, "ocpp_group_stop", "%s (group %s)", tok, group);
    station_auth_answer_reason(o->st, request_id, false, NULL, NULL, "group_stop");
    return true;
  }
  return false;
}

static void answer_auth(ocpp201_station *o, uint32_t request_id, const char *tok, bool accepted,
                        const char *user, const char *group, const char *reason) {
  if (accepted && master_pass(o, request_id, tok, group)) return;
  if (accepted && group_stop(o, request_id, tok, group)) return;
  if (accepted) {
    snprintf(o->auth_tag, sizeof o->auth_tag, "%s", tok);
    snprintf(o->auth_group, sizeof o->auth_group, "%s", group ? group : "");
  }
  station_auth_answer_reason(o->st, request_id, accepted, user, group && group[0] ? group : NULL,
                             reason);
}

/* Offline, or no answer: the model's offline rules, then the station's own
 * badges (auth.offline_local_badges), as in 1.6. */
static void decide_offline(ocpp201_station *o, uint32_t request_id, const char *uid,
                           const char *tok) {
  char user[BORNE_NAME_MAX + 1] = "", group[CP_ID_MAX + 1] = "";
  cp_auth_policy p = v201_auth_policy(o->st->cfg);
  cp_auth_verdict v = cp_auth_unanswered(o->auth, &p, tok, now201(o), group);
  if (v == CP_AUTH_UNKNOWN && config_get_bool(o->st->cfg, "auth.offline_local_badges") &&
      station_authorize_locally(o->st, uid, user, sizeof user))
    v = CP_AUTH_ACCEPT;
  station_event(o->st, 0, "ocpp_offline_auth", "%s %s", tok,
                v == CP_AUTH_ACCEPT ? "accepted" : "refused");
  answer_auth(o, request_id, tok, v == CP_AUTH_ACCEPT, user[0] ? user : NULL, group,
              "offline_refused");
}

static void authorize_answer(void *ctx, const json_t *result, const char *code, const char *text) {
  auth_ctx *a = ctx;
  ocpp201_station *o = a->o;
  if (!o->closing) {
    if (!result) {
      log_warn(MOD, "Authorize %s: %s %s: offline rules", a->tok, code, text);
      decide_offline(o, a->request_id, a->uid, a->tok);
    } else {
      cp_token_info info;
      const json_t *ti = json_object_get(result, "idTokenInfo");
      bool known = v201_token_info(ti, &info);
      if (!v201_id_fits(json_object_get(ti, "groupIdToken"))) /* 2.1: up to 255 */
        log_warn(MOD, "Authorize %s: groupIdToken longer than %d characters: no group", a->tok,
                 CP_ID_MAX);
      v201_cost_authorized(o, a->tok, result); /* I01, 2.1 driver tariff */
      cp_auth_policy p = v201_auth_policy(o->st->cfg);
      cp_auth_verdict v = cp_auth_answered(o->auth, &p, a->tok, known ? &info : NULL, now201(o));
      answer_auth(o, a->request_id, a->tok, v == CP_AUTH_ACCEPT, NULL,
                  known && info.group[0] ? info.group : NULL,
                  cp_token_refusal_reason(known, &info));
    }
  }
  free(a);
}

void v201_authorize(void *ctx, uint32_t request_id, const char *uid) {
  ocpp201_station *o = ctx;
  char tok[CP_ID_MAX + 1], group[CP_ID_MAX + 1] = "";
  const char *free_tag = config_get(o->st->cfg, "ocpp.free_id_tag");
  /* a badge longer than the station keeps (CP_ID_MAX) is refused, never cut:
   * a cut one could be another badge */
  if (uid && strlen(uid) > CP_ID_MAX) {
    log_warn(MOD, "a badge of %zu characters refused: at most %d", strlen(uid), CP_ID_MAX);
    station_auth_answer_reason(o->st, request_id, false, NULL, NULL, "token_too_long");
    return;
  }
  snprintf(tok, sizeof tok, "%s", uid && uid[0] ? uid : free_tag ? free_tag : "");
  /* 2.1 C25: the car waiting is the one its driver pays for on the web page */
  if (uid && uid[0] && v201_webpay_blocks_badge(o)) {
    station_auth_answer_reason(o->st, request_id, false, NULL, NULL, "web_payment");
    return;
  }
  if (!online201(o) || !tok[0]) {
    decide_offline(o, request_id, uid, tok);
    return;
  }
  /* LocalPreAuthorize (C10): a valid cache or local list entry answers at once */
  cp_auth_policy p = v201_auth_policy(o->st->cfg);
  if (cp_auth_begin(o->auth, &p, tok, true, now201(o), group) == CP_AUTH_ACCEPT) {
    answer_auth(o, request_id, tok, true, NULL, group, "");
    return;
  }
  auth_ctx *a = calloc(1, sizeof *a);
  if (!a) {
    decide_offline(o, request_id, uid, tok);
    return;
  }
  a->o = o;
  a->request_id = request_id;
  snprintf(a->uid, sizeof a->uid, "%s", uid ? uid : "");
  snprintf(a->tok, sizeof a->tok, "%s", tok);
  json_t *req = json_pack("{s:o}", "idToken", v201_id_token(tok, !uid || !uid[0]));
  if (ocpp_link_call(o->link, "Authorize", req, authorize_answer, a) != 0) {
    free(a);
    decide_offline(o, request_id, uid, tok);
  }
}

/* ---------- incoming calls ---------- */

/* C11: Rejected while AuthCacheCtrlr.Enabled is false (TC_C_38_CS), the
 * cache left as it is. */
static void h_clear_cache(ocpp201_station *o, const json_t *req, ocpp_reply *r) {
  (void)req;
  if (!v201_auth_policy(o->st->cfg).cache_enabled) {
    v201_reply_status(r, "Rejected");
    return;
  }
  v201_cost_forget_driver_tariffs(o, NULL); /* 2.1: kept with the cache */
  v201_reply_status(r, cp_auth_clear_cache(o->auth) == 0 ? "Accepted" : "Rejected");
}

/* D01: the payload is validated; the model applies it in one commit. An
 * entry whose idToken or groupIdToken is longer than the station keeps
 * (2.1 allows 255 characters) fails the whole update: nothing changes,
 * statusInfo InvalidIdToken names the entry (docs/ocpp21.md). */
static void h_send_local_list(ocpp201_station *o, const json_t *req, ocpp_reply *r) {
  size_t bad = 0;
  if (!v201_local_list_ids_fit(req, &bad)) {
    char why[120];
    snprintf(why, sizeof why,
             "localAuthorizationList[%zu]: idToken or groupIdToken longer than %d characters", bad,
             CP_ID_MAX);
    log_warn(MOD, "SendLocalList: %s", why);
    v201_reply_status_info(r, "Failed", "InvalidIdToken", why);
    return;
  }
  v201_reply_status(r, v201_local_list_update(o->auth, o->st->cfg, req));
}

static void h_get_local_list_version(ocpp201_station *o, const json_t *req, ocpp_reply *r) {
  (void)req;
  r->result = json_pack("{s:i}", "versionNumber", v201_local_list_version(o->auth, o->st->cfg));
}

static const v201_handler handlers[] = {
    {"ClearCache", h_clear_cache},
    {"SendLocalList", h_send_local_list},
    {"GetLocalListVersion", h_get_local_list_version},
};
const v201_family v201_authorization_calls = {handlers, sizeof handlers / sizeof handlers[0]};
