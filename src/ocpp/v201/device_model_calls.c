/*
 * OCPP 2.0.1 functional block B (Provisioning), the device model's messages:
 * GetVariables (B06), SetVariables (B05), GetBaseReport (B07) and GetReport
 * (B08) answered at once, the report itself sent after the answer as
 * NotifyReport pages (seqNo, tbc). The model is device_model.c (pure); a
 * SetVariables goes through ocpp_keys_change, the path ChangeConfiguration
 * takes in 1.6: checked by the registry, saved with borne's settings and
 * applied to the running station. One file of the 2.0.1 dialect's
 * functional blocks.
 */
#include <stdlib.h>
#include <string.h>

#include "ocpp/ocpp_core.h"
#include "ocpp/v201/device_model.h"
#include "ocpp/v201/v201_internal.h"
#include "ocpp/v201/vocabulary.h"

void v201_fill_live_evses(const ocpp201_station *o, dm_live *l) {
  *l = (dm_live){.evse_count = o->count, .now_ms = now201(o)};
  for (int c = 1; c <= o->count && c <= BORNE_MAX_CONNECTORS; c++) {
    l->evse_state[c - 1] = v201_connector_status_name(o->evse[c - 1].status);
    const meter_reading *m = &o->st->conn[c - 1].meter;
    l->evse_power_w[c - 1] = m->power_total_w;
    /* the phase the overcurrent supervision watches (core/connector.c) */
    double a = m->current_a[0];
    for (int p = 1; p < 3; p++)
      if (m->current_a[p] > a) a = m->current_a[p];
    l->evse_current_a[c - 1] = a;
    l->evse_temperature_c[c - 1] = o->st->conn[c - 1].temperature_c;
  }
}

void v201_fill_live(const ocpp201_station *o, dm_live *l) {
  v201_fill_live_evses(o, l);
  l->local_list_entries = cp_auth_list_length(o->auth);
  l->local_list_bytes = cp_auth_list_bytes(o->auth);
  l->auth_cache_bytes = cp_auth_cache_bytes(o->auth);
  /* the certificate store's roots and the station's own certificate (security.c) */
  l->certificate_entries = cp_certs_total(o->shared->certs) +
                           (cp_certs_client_cert_file(o->shared->certs) ? 1 : 0) +
                           (cp_certs_have_v2g(o->shared->certs) ? 1 : 0);
  l->charging_profiles = cp_profiles_count(o->profiles);
  l->network_slot = ocpp_core_network_slot(o->shared);
  l->security_profile = v201_security_profile_in_use(o);
  l->monitoring_base = v201_monitoring_base(o);
  l->monitoring_level = v201_monitoring_level(o);
  l->v21 = o->link && ocpp_link_dialect(o->link) == &ocpp21_dialect;
  l->tariff_problem = o->tariff_problem;
}

/* Too many bytes for what DeviceDataCtrlr declares: a CALLERROR
 * FormatViolation, true. */
static bool over_bytes(const json_t *req, ocpp_reply *r) {
  char *text = json_dumps(req, JSON_COMPACT);
  size_t n = text ? strlen(text) : 0;
  free(text);
  if (n > DM_BYTES_PER_MESSAGE) {
    r->error_code = ocpp_dialect_code(&ocpp201_dialect, OCPP_ERR_FORMAT);
    snprintf(r->error_text, sizeof r->error_text, "at most %d bytes (BytesPerMessage)",
             DM_BYTES_PER_MESSAGE);
    return true;
  }
  return false;
}

/* Too many items as well: a CALLERROR OccurrenceConstraintViolation
 * (SetVariables, B05; GetVariables answers them instead, TC_B_08_CS). */
static bool over_limits(const json_t *req, const json_t *items, ocpp_reply *r) {
  if (json_array_size(items) > DM_ITEMS_PER_MESSAGE) {
    r->error_code = ocpp_dialect_code(&ocpp201_dialect, OCPP_ERR_OCCURRENCE_CONSTRAINT);
    snprintf(r->error_text, sizeof r->error_text, "at most %d items (ItemsPerMessage)",
             DM_ITEMS_PER_MESSAGE);
    return true;
  }
  return over_bytes(req, r);
}

static json_t *result_of(const json_t *item, const char *status) {
  json_t *res =
      json_pack("{s:s, s:O, s:O}", "attributeStatus", status, "component",
                json_object_get(item, "component"), "variable", json_object_get(item, "variable"));
  const json_t *type = json_object_get(item, "attributeType");
  if (type) json_object_set(res, "attributeType", (json_t *)type);
  return res;
}

/* What waits for the answer to go out (ocpp201_module.c's on_replied). */
static json_t *after(ocpp201_station *o) {
  if (!o->after_reply) o->after_reply = json_pack("{s:[]}", "pages");
  return o->after_reply;
}

/* B06.FR.16 allows a CALLERROR above ItemsPerMessage ("MAY"); the OCA's
 * TC_B_08_CS takes only an answer, every item Rejected or the last ones: the
 * first ItemsPerMessage items are answered, the others Rejected. */
static void h_get_variables(ocpp201_station *o, const json_t *req, ocpp_reply *r) {
  const json_t *items = json_object_get(req, "getVariableData");
  if (over_bytes(req, r)) return;
  dm_live live;
  v201_fill_live(o, &live);
  dm_ctx c = {o->st->cfg, &live};
  json_t *results = json_array();
  size_t i;
  const json_t *item;
  json_array_foreach(items, i, item) {
    dm_ref ref = dm_ref_of(item);
    dm_attr attr;
    char value[DM_REPORTING_VALUE_SIZE + 1] = "";
    dm_status s = i >= DM_ITEMS_PER_MESSAGE ? DM_REJECTED
                  : dm_attr_parse(json_string_value(json_object_get(item, "attributeType")), &attr)
                      ? dm_get(&c, &ref, attr, value, sizeof value)
                      : DM_NOT_SUPPORTED_ATTRIBUTE_TYPE;
    json_t *res = result_of(item, dm_status_name(s));
    if (s == DM_ACCEPTED) json_object_set_new(res, "attributeValue", json_string(value));
    json_array_append_new(results, res);
  }
  r->result = json_pack("{s:o}", "getVariableResult", results);
}

/* A00.FR.205: BasicAuthPassword is a passwordString, whose characters are
 * a-z, A-Z, 0-9 and '*', '-', '_', '=', ':', '+', '|', '@', '.' (Part 2,
 * primitive datatypes); TC_A_01_CS checks the password against them. The
 * setting itself takes any printable password (1.6's AuthorizationKey). */
static bool password_string(const char *v) {
  for (; v && *v; v++) {
    char ch = *v;
    bool alnum = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
    if (!alnum && !strchr("*-_=:+|@.", ch)) return false;
  }
  return true;
}

static void h_set_variables(ocpp201_station *o, const json_t *req, ocpp_reply *r) {
  const json_t *items = json_object_get(req, "setVariableData");
  if (over_limits(req, items, r)) return;
  json_t *results = json_array();
  size_t i;
  const json_t *item;
  json_array_foreach(items, i, item) {
    dm_live live;
    v201_fill_live(o, &live);
    dm_ctx c = {o->st->cfg, &live};
    dm_ref ref = dm_ref_of(item);
    dm_attr attr;
    const char *value = json_string_value(json_object_get(item, "attributeValue"));
    const char *name = NULL;
    char why[160] = "";
    dm_status s = dm_attr_parse(json_string_value(json_object_get(item, "attributeType")), &attr)
                      ? dm_set_check(&c, &ref, attr, value, &name, why, sizeof why)
                      : DM_NOT_SUPPORTED_ATTRIBUTE_TYPE;
    if (s == DM_ACCEPTED && !strcmp(name, "NetworkConfigurationPriority") &&
        (v201_priority_downgrades(o, value, why, sizeof why) ||
         v201_priority_unready(o, value, why, sizeof why)))
      s = DM_REJECTED;
    if (s == DM_ACCEPTED && !strcmp(name, "AuthorizationKey") && !password_string(value)) {
      s = DM_REJECTED;
      snprintf(why, sizeof why, "a passwordString: a-z A-Z 0-9 * - _ = : + | @ . only");
    }
    const char *status = dm_status_name(s);
    if (s == DM_ACCEPTED) {
      char applied[96] = "";
      status = ocpp_keys_change(o->st->db, o->st->cfg, name, value, applied, sizeof applied);
      if (!strcmp(status, "Accepted") && applied[0]) {
        /* BasicAuthPassword makes the link anew: the transport writes this
         * answer before it hangs up (ocpp_transport_reconfigure) */
        station_apply_setting(o->st, applied);
        /* a module that cannot take the value in place takes it at the restart */
        if (station_setting_use(o->st, applied) == SETTING_STALE) status = "RebootRequired";
      } else if (strcmp(status, "RebootRequired") != 0) {
        status = "Rejected"; /* the registry refused the value */
        snprintf(why, sizeof why, "refused by the setting's check");
      }
      if (strcmp(status, "Rejected") != 0 && !strcmp(name, "AuthorizationKey"))
        station_event(o->st, 0, "security",
                      "ReconfigurationOfSecurityParameters: BasicAuthPassword set by the CSMS");
    }
    log_info(MOD, "SetVariables %s.%s: %s%s%s", ref.component ? ref.component : "",
             ref.variable ? ref.variable : "", status, why[0] ? ", " : "", why);
    json_t *res = result_of(item, status);
    if (why[0] && strcmp(status, "Accepted") != 0) {
      char text[101]; /* StatusInfoType.reasonCode: string(20); additionalInfo: 512 */
      snprintf(text, sizeof text, "%s", why);
      json_object_set_new(
          res, "attributeStatusInfo",
          json_pack("{s:s, s:s}", "reasonCode", "InvalidValue", "additionalInfo", text));
    }
    json_array_append_new(results, res);
  }
  r->result = json_pack("{s:o}", "setVariableResult", results);
}

/* The report's NotifyReport pages wait for the answer to go out first (B07.FR.01). */
static void stash_report(ocpp201_station *o, json_t *items, int request_id) {
  char at[40];
  timefmt_iso(now201(o), at, sizeof at);
  json_object_set_new(after(o), "pages",
                      dm_report_pages(items, request_id, at, DM_BYTES_PER_MESSAGE));
  json_decref(items);
}

static void report_answer(void *ctx, const json_t *result, const char *code, const char *text) {
  (void)ctx, (void)result;
  if (code) log_debug(MOD, "NotifyReport: %s %s", code, text);
}

/* Once the answer went out: the report's pages — sent while Pending too: the
 * CSMS asks for the report to provision the station before it accepts it
 * (B02); while Rejected no call is answered. */
void v201_device_model_replied(ocpp201_station *o) {
  json_t *todo = o->after_reply;
  o->after_reply = NULL;
  size_t i;
  json_t *pages = json_object_get(todo, "pages");
  json_t *page;
  json_array_foreach(pages, i, page) {
    if (!ocpp_link_connected(o->link) || o->boot == B201_REJECTED) break;
    if (ocpp_link_call(o->link, "NotifyReport", json_incref(page), report_answer, o) != 0)
      log_warn(MOD, "NotifyReport %zu not sent", i);
  }
  json_decref(todo);
}

/* GetBaseReport / GetReport: EmptyResultSet, or Accepted with the report
 * kept for the NotifyReport pages sent once the answer is written. */
static void answer_report(ocpp201_station *o, json_t *items, const json_t *req, ocpp_reply *r) {
  if (!json_array_size(items)) {
    json_decref(items);
    v201_reply_status(r, "EmptyResultSet");
    return;
  }
  stash_report(o, items, (int)json_integer_value(json_object_get(req, "requestId")));
  v201_reply_status(r, "Accepted");
}

static void h_get_base_report(ocpp201_station *o, const json_t *req, ocpp_reply *r) {
  dm_base base;
  if (!dm_base_parse(json_string_value(json_object_get(req, "reportBase")), &base)) {
    v201_reply_status(r, "NotSupported");
    return;
  }
  dm_live live;
  v201_fill_live(o, &live);
  dm_ctx c = {o->st->cfg, &live};
  answer_report(o, dm_report(&c, base, NULL), req, r);
}

static void h_get_report(ocpp201_station *o, const json_t *req, ocpp_reply *r) {
  if (over_limits(req, json_object_get(req, "componentVariable"), r)) return;
  dm_live live;
  v201_fill_live(o, &live);
  dm_ctx c = {o->st->cfg, &live};
  answer_report(o, dm_report(&c, DM_BASE_FULL, req), req, r);
}

static const v201_handler handlers[] = {
    {"GetVariables", h_get_variables},
    {"SetVariables", h_set_variables},
    {"GetBaseReport", h_get_base_report},
    {"GetReport", h_get_report},
};
const v201_family v201_device_model_calls = {handlers, sizeof handlers / sizeof handlers[0]};
