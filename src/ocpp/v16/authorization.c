/*
 * OCPP 1.6 authorization: Authorize (4.1) for the station's badge questions,
 * the offline decisions (3.5: authorization cache, local list,
 * LocalAuthorizeOffline, auth.offline_local_badges), and the incoming
 * ClearCache (5.4), SendLocalList (5.15) and GetLocalListVersion (5.10).
 * One file of the 1.6 dialect's message families.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ocpp/v16/v16_internal.h"

typedef struct {
  ocpp16_station *o;
  uint32_t request_id;
  char uid[BORNE_UID_MAX + 1];
  char tag[OCPP16_ID_TAG_MAX + 1];
} auth_ctx;

/* 3.5.1: an accepted badge other than the one that started a transaction
 * stops it when its parentIdTag is the starter's (the shared model decides:
 * cp_auth_may_stop); StopTransaction names the badge that stopped it. It
 * starts nothing (heard by the station as refused, reason group_stop) —
 * unless a car waits on another connector: then the badge is for it. True
 * when it stopped one. */
static bool group_stop(ocpp16_station *o, uint32_t request_id, const char *tag,
                       const char *parent) {
  if (!parent || !parent[0]) return false;
  station_connector_view v;
  for (int c = 1; c <= o->count; c++) {
    station_view(o->st, c, &v);
    if (v.waiting_for_authorization) return false; /* a car plugged in waits for a badge */
  }
  for (int c = 1; c <= o->count; c++) {
    cp_conn *k = &o->conn[c - 1];
    station_view(o->st, c, &v);
    if (!v.has_session) continue;
    char starter[OCPP16_ID_TAG_MAX + 1];
    if (!id_tag_of(o, v.uid, starter, sizeof starter)) continue;
    if (!cp_auth_may_stop(o->auth, starter, k->start_parent, tag, parent)) continue;
    snprintf(k->stop_tag, sizeof k->stop_tag, "%s", tag);
    station_connector_event(o->st, c, &(cs_event){.type = CS_EV_STOP, .reason = STOP_LOCAL});
    k->stop_tag[0] = '\0'; /* used by StopTransaction, if the session stopped */
    station_event(o->st, c, "ocpp_group_stop", "%s (parentIdTag %s)", tag, parent);
    station_auth_answer_reason(o->st, request_id, false, NULL, NULL, "group_stop");
    return true;
  }
  return false;
}

/* Answers the station's badge question and remembers the badge's group for
 * the reservation the session may use. */
static void answer_auth(ocpp16_station *o, uint32_t request_id, const char *tag, bool accepted,
                        const char *user, const char *parent, const char *reason) {
  if (accepted && group_stop(o, request_id, tag, parent)) return;
  if (accepted) {
    snprintf(o->auth_tag, sizeof o->auth_tag, "%s", tag);
    snprintf(o->auth_parent, sizeof o->auth_parent, "%s", parent ? parent : "");
  }
  station_auth_answer_reason(o->st, request_id, accepted, user, parent, reason);
}

/* Offline, or the Authorize got no answer (timed out, the link dropped, an
 * error came back): the model's offline rules, then the station's own badges
 * (auth.offline_local_badges). */
static void decide_offline(ocpp16_station *o, uint32_t request_id, const char *uid,
                           const char *tag) {
  char user[BORNE_NAME_MAX + 1] = "", group[CP_ID_MAX + 1] = "";
  cp_auth_policy p = v16_auth_policy(o->st->cfg);
  cp_auth_verdict v = cp_auth_unanswered(o->auth, &p, tag, now_of(o), group);
  if (v == CP_AUTH_UNKNOWN && config_get_bool(o->st->cfg, "auth.offline_local_badges") &&
      station_authorize_locally(o->st, uid, user, sizeof user))
    v = CP_AUTH_ACCEPT;
  station_event(o->st, 0, "ocpp_offline_auth", "%s %s", tag,
                v == CP_AUTH_ACCEPT ? "accepted" : "refused");
  answer_auth(o, request_id, tag, v == CP_AUTH_ACCEPT, user[0] ? user : NULL, group,
              "offline_refused");
}

static void authorize_answer(void *ctx, const json_t *result, const char *code, const char *text) {
  auth_ctx *a = ctx;
  ocpp16_station *o = a->o;
  if (!o->closing) {
    if (!result) {
      log_warn(MOD, "Authorize %s: %s %s: offline rules", a->tag, code, text);
      decide_offline(o, a->request_id, a->uid, a->tag);
    } else {
      cp_token_info info;
      bool known = v16_token_info(json_object_get(result, "idTagInfo"), &info);
      cp_auth_policy p = v16_auth_policy(o->st->cfg);
      cp_auth_verdict v = cp_auth_answered(o->auth, &p, a->tag, known ? &info : NULL, now_of(o));
      answer_auth(o, a->request_id, a->tag, v == CP_AUTH_ACCEPT, NULL,
                  known && info.group[0] ? info.group : NULL,
                  cp_token_refusal_reason(known, &info));
    }
  }
  free(a);
}

void v16_authorize(void *ctx, uint32_t request_id, const char *uid) {
  ocpp16_station *o = ctx;
  char tag[OCPP16_ID_TAG_MAX + 1], group[CP_ID_MAX + 1] = "";
  /* an idTag is a CiString20: a longer badge is refused, never cut (its
   * first 20 characters could be another badge); nothing is sent */
  if (!id_tag_of(o, uid, tag, sizeof tag)) {
    log_warn(MOD, "a badge of %zu characters refused: an OCPP 1.6 idTag is at most %d",
             strlen(uid ? uid : ""), OCPP16_ID_TAG_MAX);
    station_auth_answer_reason(o->st, request_id, false, NULL, NULL, "token_too_long");
    return;
  }
  if (!online(o)) {
    decide_offline(o, request_id, uid, tag);
    return;
  }
  /* LocalPreAuthorize: a valid cache or local list entry answers at once */
  cp_auth_policy p = v16_auth_policy(o->st->cfg);
  if (cp_auth_begin(o->auth, &p, tag, true, now_of(o), group) == CP_AUTH_ACCEPT) {
    answer_auth(o, request_id, tag, true, NULL, group, "");
    return;
  }
  auth_ctx *a = calloc(1, sizeof *a);
  a->o = o;
  a->request_id = request_id;
  snprintf(a->uid, sizeof a->uid, "%s", uid);
  snprintf(a->tag, sizeof a->tag, "%s", tag);
  if (ocpp_link_call(o->link, "Authorize", json_pack("{s:s}", "idTag", tag), authorize_answer, a) !=
      0) {
    free(a);
    decide_offline(o, request_id, uid, tag);
  }
}

/* ---------- incoming calls ---------- */

static void h_clear_cache(ocpp16_station *o, const json_t *req, ocpp_reply *r) {
  (void)req;
  v16_reply_status(r, cp_auth_clear_cache(o->auth) == 0 ? "Accepted" : "Rejected");
}

static void h_send_local_list(ocpp16_station *o, const json_t *req, ocpp_reply *r) {
  ocpp16_SendLocalListRequest q;
  ocpp_error e;
  if (!v16_decoded(ocpp16_SendLocalListRequest_decode(req, &q, &e), &e, r)) return;
  v16_reply_status(r, v16_local_list_update(o->auth, o->st->cfg, &q));
  ocpp16_SendLocalListRequest_free(&q);
}

static void h_get_local_list_version(ocpp16_station *o, const json_t *req, ocpp_reply *r) {
  (void)req;
  r->result = json_pack("{s:i}", "listVersion", v16_local_list_version(o->auth, o->st->cfg));
}

/* The incoming CALLs of this family (gathered by on_call in ocpp16_module.c). */
static const v16_handler handlers[] = {
    {"ClearCache", h_clear_cache, false},
    {"SendLocalList", h_send_local_list, false},
    {"GetLocalListVersion", h_get_local_list_version, false},
};
const v16_family v16_authorization_calls = {handlers, sizeof handlers / sizeof handlers[0]};
