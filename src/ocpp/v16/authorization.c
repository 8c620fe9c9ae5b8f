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
  char tag[21];
} auth_ctx;

/* Answers the station's badge question and remembers the badge's group for
 * the reservation the session may use. */
static void answer_auth(ocpp16_station *o, uint32_t request_id, const char *tag, bool accepted,
                        const char *user, const char *parent) {
  if (accepted) {
    snprintf(o->auth_tag, sizeof o->auth_tag, "%s", tag);
    snprintf(o->auth_parent, sizeof o->auth_parent, "%s", parent ? parent : "");
  }
  station_auth_answer_parent(o->st, request_id, accepted, user, parent);
}

static void decide_offline(ocpp16_station *o, uint32_t request_id, const char *uid,
                           const char *tag) {
  char user[BORNE_NAME_MAX + 1] = "", parent[21] = "";
  ocpp16_auth_verdict v = ocpp16_backend_auth_offline(o->be, tag, now_of(o), parent);
  if (v == OCPP16_AUTH_UNKNOWN && config_get_bool(o->st->cfg, "auth.offline_local_badges") &&
      station_authorize_locally(o->st, uid, user, sizeof user))
    v = OCPP16_AUTH_ACCEPT;
  station_event(o->st, 0, "ocpp_offline_auth", "%s %s", tag,
                v == OCPP16_AUTH_ACCEPT ? "accepted" : "refused");
  answer_auth(o, request_id, tag, v == OCPP16_AUTH_ACCEPT, user[0] ? user : NULL, parent);
}

static void authorize_answer(void *ctx, const json_t *result, const char *code, const char *text) {
  auth_ctx *a = ctx;
  ocpp16_station *o = a->o;
  if (!o->closing) {
    if (!result) {
      log_warn(MOD, "Authorize %s: %s %s: offline rules", a->tag, code, text);
      decide_offline(o, a->request_id, a->uid, a->tag);
    } else {
      const json_t *info = json_object_get(result, "idTagInfo");
      ocpp16_backend_auth_update(o->be, a->tag, info, now_of(o));
      const char *status = json_string_value(json_object_get(info, "status"));
      const char *parent = json_string_value(json_object_get(info, "parentIdTag"));
      answer_auth(o, a->request_id, a->tag, status && !strcmp(status, "Accepted"), NULL, parent);
    }
  }
  free(a);
}

void v16_authorize(void *ctx, uint32_t request_id, const char *uid) {
  ocpp16_station *o = ctx;
  char tag[21], parent[21] = "";
  id_tag_of(o, uid, tag, sizeof tag);
  if (!online(o)) {
    decide_offline(o, request_id, uid, tag);
    return;
  }
  /* LocalPreAuthorize: a valid cache or local list entry answers at once */
  if (ocpp16_backend_auth_local(o->be, tag, now_of(o), parent) == OCPP16_AUTH_ACCEPT) {
    answer_auth(o, request_id, tag, true, NULL, parent);
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
  v16_reply_status(r, ocpp16_backend_auth_clear_cache(o->be) == 0 ? "Accepted" : "Rejected");
}

static void h_send_local_list(ocpp16_station *o, const json_t *req, ocpp_reply *r) {
  ocpp16_SendLocalListRequest q;
  ocpp_error e;
  if (!v16_decoded(ocpp16_SendLocalListRequest_decode(req, &q, &e), &e, r)) return;
  v16_reply_status(r, ocpp16_backend_local_list_update(o->be, &q));
  ocpp16_SendLocalListRequest_free(&q);
}

static void h_get_local_list_version(ocpp16_station *o, const json_t *req, ocpp_reply *r) {
  (void)req;
  r->result = json_pack("{s:i}", "listVersion", ocpp16_backend_local_list_version(o->be));
}

/* The incoming CALLs of this family (gathered by on_call in ocpp16_module.c). */
static const v16_handler handlers[] = {
    {"ClearCache", h_clear_cache, false},
    {"SendLocalList", h_send_local_list, false},
    {"GetLocalListVersion", h_get_local_list_version, false},
};
const v16_family v16_authorization_calls = {handlers, sizeof handlers / sizeof handlers[0]};
