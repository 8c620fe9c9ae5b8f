/*
 * OCPP 2.0.1 functional block A (Security) and the certificate use cases of
 * M, over the charge-point model's one certificate store
 * (src/chargepoint/certificates.h, the one 1.6's security whitepaper
 * messages use: a root installed in one version is listed and deleted in
 * the other):
 *   - A02/A03 SignCertificate (ChargingStationCertificate: a CSR made by
 *     the store, CN = station.serial, station.id while it is empty (A00.FR.511),
 *     O = SecurityCtrlr.OrganizationName), after
 *     TriggerMessage SignChargingStationCertificate or by itself when the
 *     client certificate nears its end; sent again when no
 *     CertificateSigned comes within CertSigningWaitMinimum (doubled at each
 *     attempt), at most CertSigningRepeatTimes times;
 *     SignV2GCertificate makes the same for the ISO 15118 SECC certificate
 *     (V2GCertificate: the store's second leaf, kept for a 15118 stack),
 *     renewed by itself too a month before its end;
 *   - CertificateSigned: the chain checked and installed by the store, then
 *     under security profile 3 the station reconnects with it (as 1.6);
 *     refused with the security event InvalidChargingStationCertificate;
 *   - M03/M04/M05 GetInstalledCertificateIds (certificateHashDataChain,
 *     filtered by type), DeleteCertificate, InstallCertificate
 *     (CSMSRootCertificate, ManufacturerRootCertificate, V2GRootCertificate,
 *     MORootCertificate);
 *   - M Get15118EVCertificate and GetCertificateStatus: handed to a hook an
 *     ISO 15118 stack implements (v201_iso15118_hooks), Failed without one;
 *   - InvalidCsmsCertificate when a TLS connection refuses the CSMS.
 * Each handler decodes its request with the generated code of the version
 * spoken (2.1's when 2.1 is: its OEMRootCertificate and V2G20Certificate
 * are carried out, the 2.0.1 schema still refuses them), asks the store, and
 * answers; the link validates every answer against the schema.
 */
#include <stdlib.h>
#include <string.h>

#include "ocpp/ocpp_core.h"
#include "ocpp/v201/v201_internal.h"
#include "ocpp21_messages.h" /* generated from the OCPP 2.1 schemas */

#define RENEW_BEFORE_MS (30LL * 86400 * 1000) /* A03: a month before the end */
#define RENEW_CHECK_MS (86400LL * 1000)       /* looked at again daily */

/* ---------- the ISO 15118 hook (block M) ---------- */

static v201_iso15118_hooks iso15118;

void v201_set_iso15118_hooks(const v201_iso15118_hooks *h) {
  if (h)
    iso15118 = *h;
  else
    memset(&iso15118, 0, sizeof iso15118);
}

static void reply_failed(ocpp_reply *r, const char *reason, const char *info) {
  r->result = json_pack("{s:s, s:{s:s, s:s}}", "status", "Failed", "statusInfo", "reasonCode",
                        reason, "additionalInfo", info);
}

static void h_get_15118_ev_certificate(ocpp201_station *o, const json_t *req, ocpp_reply *r) {
  (void)o;
  ocpp201_Get15118EVCertificateRequest q;
  ocpp_error e;
  if (!v201_decoded(ocpp201_Get15118EVCertificateRequest_decode(req, &q, &e), &e, r)) return;
  ocpp201_Get15118EVCertificateRequest_free(&q);
  if (iso15118.get_ev_certificate) {
    r->result = iso15118.get_ev_certificate(iso15118.ctx, req);
    if (r->result) return;
  }
  reply_failed(r, "NotSupported", "no ISO 15118 stack on this charging station");
  json_object_set_new(r->result, "exiResponse", json_string("")); /* required: nothing to say */
}

static void h_get_certificate_status(ocpp201_station *o, const json_t *req, ocpp_reply *r) {
  (void)o;
  ocpp201_GetCertificateStatusRequest q;
  ocpp_error e;
  if (!v201_decoded(ocpp201_GetCertificateStatusRequest_decode(req, &q, &e), &e, r)) return;
  ocpp201_GetCertificateStatusRequest_free(&q);
  if (iso15118.get_certificate_status) {
    r->result = iso15118.get_certificate_status(iso15118.ctx, req);
    if (r->result) return;
  }
  reply_failed(r, "NotSupported", "no ISO 15118 stack on this charging station");
}

/* ---------- certificate types ---------- */

static bool speaks21(const ocpp201_station *o) {
  return o->link && ocpp_link_dialect(o->link) == &ocpp21_dialect;
}

/* InstallCertificateUseEnumType / GetCertificateIdUseEnumType of each root
 * use, in the order listed; OEMRootCertificate is 2.1's only. */
static const struct {
  cp_cert_use use;
  const char *name;
  bool only21;
} id_uses[] = {
    {CP_CERT_V2G_ROOT, "V2GRootCertificate", false},
    {CP_CERT_MO_ROOT, "MORootCertificate", false},
    {CP_CERT_CSMS_ROOT, "CSMSRootCertificate", false},
    {CP_CERT_MANUFACTURER_ROOT, "ManufacturerRootCertificate", false},
    {CP_CERT_OEM_ROOT, "OEMRootCertificate", true},
};
#define ID_USES (sizeof id_uses / sizeof id_uses[0])

static bool install_use(const char *name, cp_cert_use *u) {
  for (size_t i = 0; name && i < ID_USES; i++)
    if (!strcmp(name, id_uses[i].name)) {
      *u = id_uses[i].use;
      return true;
    }
  return false;
}

static const char *algorithm_name(cp_hash_algorithm a) {
  return a == CP_HASH_SHA384 ? "SHA384" : a == CP_HASH_SHA512 ? "SHA512" : "SHA256";
}

/* ---------- M05 InstallCertificate, M04 DeleteCertificate, M03 GetInstalledCertificateIds */

static void trust_maybe_changed(ocpp201_station *o, unsigned before) {
  if (cp_certs_csms_generation(o->shared->certs) != before) o->trust_changed = true;
}

static char *dup_name(const char *name) { return name ? strdup(name) : NULL; }

/* The request decoded with the code of the version spoken: the type's name
 * and the PEM (caller frees both); false when answered with a CALLERROR. */
static bool decode_install(ocpp201_station *o, const json_t *req, ocpp_reply *r, char **type,
                           char **pem) {
  ocpp_error e;
  if (speaks21(o)) {
    ocpp21_InstallCertificateRequest *q = calloc(1, sizeof *q);
    if (!q) {
      v201_decoded(-1, &(ocpp_error){.kind = OCPP_ERR_INTERNAL, .text = "out of memory"}, r);
      return false;
    }
    bool ok = v201_decoded(ocpp21_InstallCertificateRequest_decode(req, q, &e), &e, r);
    if (ok) {
      *type = dup_name(ocpp21_InstallCertificateRequest_certificateType_e_name(q->certificateType));
      *pem = strdup(q->certificate);
    }
    ocpp21_InstallCertificateRequest_free(q);
    free(q);
    return ok;
  }
  ocpp201_InstallCertificateRequest q;
  if (!v201_decoded(ocpp201_InstallCertificateRequest_decode(req, &q, &e), &e, r)) return false;
  *type = dup_name(ocpp201_InstallCertificateRequest_certificateType_e_name(q.certificateType));
  *pem = strdup(q.certificate);
  ocpp201_InstallCertificateRequest_free(&q);
  return true;
}

static void h_install_certificate(ocpp201_station *o, const json_t *req, ocpp_reply *r) {
  char *type = NULL, *pem = NULL;
  if (!decode_install(o, req, r, &type, &pem)) return;
  cp_cert_use use = CP_CERT_CSMS_ROOT;
  unsigned before = cp_certs_csms_generation(o->shared->certs);
  cp_cert_install_result res = type && pem && install_use(type, &use)
                                   ? cp_certs_install(o->shared->certs, use, pem, now201(o))
                                   : CP_CERT_INSTALL_REJECTED;
  free(type);
  free(pem);
  trust_maybe_changed(o, before);
  if (res == CP_CERT_INSTALL_ACCEPTED)
    v201_reply_status(r, "Accepted");
  else if (res == CP_CERT_INSTALL_FAILED)
    reply_failed(r, "WriteError", "the certificate store cannot be written");
  else
    r->result =
        json_pack("{s:s, s:{s:s, s:s}}", "status", "Rejected", "statusInfo", "reasonCode",
                  "InvalidCertificate", "additionalInfo",
                  "not one valid self-signed CA certificate (AdditionalRootCertificateCheck: "
                  "a CSMS root signed by the installed one), or 16 roots installed");
}

static void h_delete_certificate(ocpp201_station *o, const json_t *req, ocpp_reply *r) {
  ocpp201_DeleteCertificateRequest q;
  ocpp_error e;
  if (!v201_decoded(ocpp201_DeleteCertificateRequest_decode(req, &q, &e), &e, r)) return;
  cp_cert_hash_data want;
  memset(&want, 0, sizeof want);
  const ocpp201_DeleteCertificateRequest_certificateHashData *h = &q.certificateHashData;
  want.algorithm =
      h->hashAlgorithm == ocpp201_DeleteCertificateRequest_certificateHashData_hashAlgorithm_SHA384
          ? CP_HASH_SHA384
      : h->hashAlgorithm ==
              ocpp201_DeleteCertificateRequest_certificateHashData_hashAlgorithm_SHA512
          ? CP_HASH_SHA512
          : CP_HASH_SHA256;
  bool fits =
      (size_t)snprintf(want.issuer_name_hash, sizeof want.issuer_name_hash, "%s",
                       h->issuerNameHash) < sizeof want.issuer_name_hash &&
      (size_t)snprintf(want.issuer_key_hash, sizeof want.issuer_key_hash, "%s", h->issuerKeyHash) <
          sizeof want.issuer_key_hash &&
      (size_t)snprintf(want.serial, sizeof want.serial, "%s", h->serialNumber) < sizeof want.serial;
  ocpp201_DeleteCertificateRequest_free(&q);
  unsigned before = cp_certs_csms_generation(o->shared->certs);
  cp_cert_delete_result res =
      fits ? cp_certs_delete(o->shared->certs, &want) : CP_CERT_DELETE_NOT_FOUND;
  trust_maybe_changed(o, before);
  v201_reply_status(r, res == CP_CERT_DELETE_ACCEPTED ? "Accepted"
                       : res == CP_CERT_DELETE_FAILED ? "Failed"
                                                      : "NotFound");
}

/* The types asked for, by name (NULL: every type), decoded with the code of
 * the version spoken; false when answered with a CALLERROR. */
static bool decode_ids(ocpp201_station *o, const json_t *req, ocpp_reply *r, json_t **types) {
  ocpp_error e;
  *types = NULL;
  if (speaks21(o)) {
    ocpp21_GetInstalledCertificateIdsRequest q;
    if (!v201_decoded(ocpp21_GetInstalledCertificateIdsRequest_decode(req, &q, &e), &e, r))
      return false;
    if (q.has_certificateType && q.certificateType_count) *types = json_array();
    for (size_t i = 0; *types && i < q.certificateType_count; i++)
      json_array_append_new(
          *types, json_string(ocpp21_GetInstalledCertificateIdsRequest_certificateType_e_name(
                      q.certificateType[i])));
    ocpp21_GetInstalledCertificateIdsRequest_free(&q);
    return true;
  }
  ocpp201_GetInstalledCertificateIdsRequest q;
  if (!v201_decoded(ocpp201_GetInstalledCertificateIdsRequest_decode(req, &q, &e), &e, r))
    return false;
  if (q.has_certificateType && q.certificateType_count) *types = json_array();
  for (size_t i = 0; *types && i < q.certificateType_count; i++)
    json_array_append_new(
        *types, json_string(ocpp201_GetInstalledCertificateIdsRequest_certificateType_e_name(
                    q.certificateType[i])));
  ocpp201_GetInstalledCertificateIdsRequest_free(&q);
  return true;
}

static bool type_wanted(const json_t *types, const char *name) {
  if (!types) return true;
  size_t i;
  json_t *t;
  json_array_foreach(types, i, t) {
    const char *n = json_string_value(t);
    if (n && !strcmp(n, name)) return true;
  }
  return false;
}

/* A V2G certificate's chain as one V2GCertificateChain entry appended to
 * chain: the leaf's hash data, the sub-CAs as its children. */
static void append_v2g_chain(ocpp201_station *o, cp_cert_leaf kind, json_t *chain) {
  cp_cert_hash_data v2g[4];
  int nv = cp_certs_leaf_chain(o->shared->certs, kind, CP_HASH_SHA256, v2g, 4);
  if (nv <= 0) return;
  json_t *leaf = NULL, *children = json_array();
  for (int i = 0; i < nv; i++) {
    json_t *h = json_pack("{s:s, s:s, s:s, s:s}", "hashAlgorithm", algorithm_name(v2g[i].algorithm),
                          "issuerNameHash", v2g[i].issuer_name_hash, "issuerKeyHash",
                          v2g[i].issuer_key_hash, "serialNumber", v2g[i].serial);
    if (i)
      json_array_append_new(children, h);
    else
      leaf = h;
  }
  json_t *entry = json_pack("{s:s, s:o}", "certificateType", "V2GCertificateChain",
                            "certificateHashData", leaf);
  if (json_array_size(children)) json_object_set(entry, "childCertificateHashData", children);
  json_decref(children);
  json_array_append_new(chain, entry);
}

static void h_get_installed_certificate_ids(ocpp201_station *o, const json_t *req, ocpp_reply *r) {
  json_t *types;
  if (!decode_ids(o, req, r, &types)) return;
  bool v21 = speaks21(o);
  json_t *chain = json_array();
  for (size_t u = 0; u < ID_USES; u++) {
    if ((id_uses[u].only21 && !v21) || !type_wanted(types, id_uses[u].name)) continue;
    cp_cert_hash_data list[CP_CERTS_MAX * 2];
    int n = cp_certs_list(o->shared->certs, id_uses[u].use, CP_HASH_SHA256, list,
                          (int)(sizeof list / sizeof list[0]));
    for (int i = 0; i < n; i++)
      json_array_append_new(chain,
                            json_pack("{s:s, s:{s:s, s:s, s:s, s:s}}", "certificateType",
                                      id_uses[u].name, "certificateHashData", "hashAlgorithm",
                                      algorithm_name(list[i].algorithm), "issuerNameHash",
                                      list[i].issuer_name_hash, "issuerKeyHash",
                                      list[i].issuer_key_hash, "serialNumber", list[i].serial));
  }
  if (type_wanted(types, "V2GCertificateChain")) {
    append_v2g_chain(o, CP_LEAF_V2G, chain);
    /* 2.1's ISO 15118-20 certificate: a V2GCertificateChain too (2.1 has no type of its own) */
    if (v21) append_v2g_chain(o, CP_LEAF_V2G20, chain);
  }
  json_decref(types);
  if (json_array_size(chain) == 0) {
    json_decref(chain);
    v201_reply_status(r, "NotFound");
    return;
  }
  r->result = json_pack("{s:s, s:o}", "status", "Accepted", "certificateHashDataChain", chain);
}

/* ---------- A02/A03 SignCertificate, CertificateSigned ---------- */

static void arm_cert_timer(ocpp201_station *o, borne_ms at);

static void sign_answer(void *ctx, const json_t *result, const char *code, const char *text) {
  ocpp201_station *o = ctx;
  if (o->closing) return;
  const char *status = result ? json_string_value(json_object_get(result, "status")) : NULL;
  if (!status || strcmp(status, "Accepted") != 0) {
    log_warn(MOD, "SignCertificate not accepted: %s %s", status ? status : code,
             status ? "" : text);
    o->csr_awaiting = false;
    o->csr_attempt = 0;
    arm_cert_timer(o, now201(o) + RENEW_CHECK_MS);
    return;
  }
  /* A02: no CertificateSigned within CertSigningWaitMinimum, the request
   * again, the wait doubled at each attempt */
  long wait_s = key201_int(o, "CertSigningWaitMinimum");
  if (wait_s < 1) wait_s = 1;
  int shift = o->csr_attempt > 1 ? o->csr_attempt - 1 : 0;
  if (shift > 16) shift = 16;
  arm_cert_timer(o, now201(o) + (borne_ms)wait_s * 1000 * (1LL << shift));
}

/* kind: the certificate asked for (CP_LEAF_V2G20 under 2.1 only); combined:
 * the client key's CSR without certificateType (for both connections) */
static int send_sign(ocpp201_station *o, cp_cert_leaf kind, bool combined, const char *why) {
  char err[200];
  /* the Charging Station certificate's CN is the station's unique serial
   * number (A00.FR.511; the BootNotification's serialNumber), its id while
   * station.serial is not set; the V2G certificate's CN would be
   * ISO15118Ctrlr.SeccId: borne has no ISO15118Ctrlr, the station's id
   * stands for it */
  const char *serial = config_get(o->st->cfg, "station.serial");
  const char *cn = kind == CP_LEAF_CHARGING_STATION && serial && serial[0]
                       ? serial
                       : config_get(o->st->cfg, "station.id");
  char *csr = cp_certs_sign_request_leaf(o->shared->certs, kind, cn, key201_str(o, "CpoName"), err,
                                         sizeof err);
  if (!csr) {
    log_error(MOD, "SignCertificate not sent: %s", err);
    return -1;
  }
  const char *type = combined                ? "combined (no certificateType)"
                     : kind == CP_LEAF_V2G20 ? "V2G20Certificate"
                     : kind == CP_LEAF_V2G   ? "V2GCertificate"
                                             : "ChargingStationCertificate";
  json_t *p = json_pack("{s:s}", "csr", csr);
  if (!combined) json_object_set_new(p, "certificateType", json_string(type));
  free(csr);
  o->csr_awaiting = true;
  o->csr_leaf = kind;
  o->csr_combined = combined;
  o->csr_attempt++;
  station_event(o->st, 0, "ocpp_certificate", "SignCertificate %s (%s, attempt %d)", type, why,
                o->csr_attempt);
  if (!ocpp_link_connected(o->link) ||
      ocpp_link_call(o->link, "SignCertificate", p, sign_answer, o) != 0) {
    o->csr_awaiting = false;
    return -1;
  }
  return 0;
}

int v201_send_sign_certificate(ocpp201_station *o, bool v2g, const char *why) {
  return send_sign(o, v2g ? CP_LEAF_V2G : CP_LEAF_CHARGING_STATION, false, why);
}

int v201_send_sign_v2g20_certificate(ocpp201_station *o, const char *why) {
  return send_sign(o, CP_LEAF_V2G20, false, why);
}

int v201_send_sign_combined_certificate(ocpp201_station *o, const char *why) {
  return send_sign(o, CP_LEAF_CHARGING_STATION, true, why);
}

/* A03: the client certificate (the store's or the installer's, under
 * security profile 3) or the V2G certificate (the store's) ends within a
 * month: a new one is asked for (the client's first), once a day at most. */
static void renewal_check(ocpp201_station *o) {
  borne_ms now = now201(o);
  borne_ms end =
      key201_int(o, "security_profile") < 3
          ? 0
          : cp_certs_client_not_after(o->shared->certs, config_get(o->st->cfg, "ocpp.cert_file"));
  borne_ms v2g_end = cp_certs_v2g_not_after(o->shared->certs);
  borne_ms v2g20_end = cp_certs_leaf_not_after(o->shared->certs, CP_LEAF_V2G20);
  borne_ms next = now + RENEW_CHECK_MS;
  if (!key201_str(o, "CpoName")[0]) {
    arm_cert_timer(o, next);
    return;
  }
  bool client_due = end && now + RENEW_BEFORE_MS >= end;
  bool v2g_due = v2g_end && now + RENEW_BEFORE_MS >= v2g_end;
  /* the 15118-20 certificate: asked for under 2.1 only (2.0.1 has no such type) */
  bool v2g20_due = v2g20_end && now + RENEW_BEFORE_MS >= v2g20_end && speaks21(o);
  if (!client_due && !v2g_due && !v2g20_due) {
    if (end && end - RENEW_BEFORE_MS < next) next = end - RENEW_BEFORE_MS;
    if (v2g_end && v2g_end - RENEW_BEFORE_MS < next) next = v2g_end - RENEW_BEFORE_MS;
    if (v2g20_end && v2g20_end - RENEW_BEFORE_MS < next) next = v2g20_end - RENEW_BEFORE_MS;
    arm_cert_timer(o, next);
    return;
  }
  if (!online201(o)) return; /* looked at again at the next accepted boot */
  o->csr_attempt = 0;        /* a new round of CertSigningRepeatTimes */
  send_sign(o,
            client_due ? CP_LEAF_CHARGING_STATION
            : v2g_due  ? CP_LEAF_V2G
                       : CP_LEAF_V2G20,
            false, "the certificate ends within a month");
}

static void cert_timer_cb(uv_timer_t *t) {
  ocpp201_station *o = t->data;
  if (o->closing) return;
  if (o->csr_awaiting) {
    /* no CertificateSigned came in time */
    o->csr_awaiting = false;
    if (o->csr_attempt <= key201_int(o, "CertSigningRepeatTimes") && online201(o)) {
      send_sign(o, o->csr_leaf, o->csr_combined, "no CertificateSigned in time");
      return;
    }
    log_warn(MOD, "no CertificateSigned after %d SignCertificate requests", o->csr_attempt);
    o->csr_attempt = 0;
    arm_cert_timer(o, now201(o) + RENEW_CHECK_MS); /* the renewal is tried again tomorrow */
    return;
  }
  renewal_check(o);
}

static void arm_cert_timer(ocpp201_station *o, borne_ms at) {
  if (o->closing) return;
  uint64_t delay = clock_real_delay_ms(&o->st->clock, at);
  uv_timer_start(&o->cert_timer, cert_timer_cb, delay, 0);
}

void v201_security_registered(ocpp201_station *o) {
  if (!o->csr_awaiting) renewal_check(o);
}

static void h_certificate_signed(ocpp201_station *o, const json_t *req, ocpp_reply *r) {
  ocpp201_CertificateSignedRequest *q = calloc(1, sizeof *q);
  ocpp_error e;
  if (!q) {
    r->error_code = ocpp_dialect_code(&ocpp201_dialect, OCPP_ERR_INTERNAL);
    snprintf(r->error_text, sizeof r->error_text, "out of memory");
    return;
  }
  /* 2.1's request (its V2G20Certificate) when 2.1 is spoken: both types
   * hold the chain and the type, the decoder of the version spoken fills one */
  bool v21 = speaks21(o);
  ocpp21_CertificateSignedRequest *q21 = v21 ? calloc(1, sizeof *q21) : NULL;
  if (v21 && !q21) {
    free(q);
    r->error_code = ocpp_dialect_code(&ocpp201_dialect, OCPP_ERR_INTERNAL);
    snprintf(r->error_text, sizeof r->error_text, "out of memory");
    return;
  }
  if (!v201_decoded(v21 ? ocpp21_CertificateSignedRequest_decode(req, q21, &e)
                        : ocpp201_CertificateSignedRequest_decode(req, q, &e),
                    &e, r)) {
    free(q);
    free(q21);
    return;
  }
  bool has_type = v21 ? q21->has_certificateType : q->has_certificateType;
  const char *type_name =
      !has_type ? ""
      : v21     ? ocpp21_CertificateSignedRequest_certificateType_e_name(q21->certificateType)
                : ocpp201_CertificateSignedRequest_certificateType_e_name(q->certificateType);
  cp_cert_leaf kind = !type_name                               ? CP_LEAF_CHARGING_STATION
                      : !strcmp(type_name, "V2GCertificate")   ? CP_LEAF_V2G
                      : !strcmp(type_name, "V2G20Certificate") ? CP_LEAF_V2G20
                                                               : CP_LEAF_CHARGING_STATION;
  bool v2g = kind != CP_LEAF_CHARGING_STATION;
  /* without certificateType, the answer to a combined CSR is for both */
  bool combined = !has_type && o->csr_combined;
  bool changed = false;
  char why[200];
  cp_cert_signed_result res = cp_certs_signed_leaf(
      o->shared->certs, kind, v21 ? q21->certificateChain : q->certificateChain, now201(o),
      &changed, why, sizeof why);
  if (v21)
    ocpp21_CertificateSignedRequest_free(q21);
  else
    ocpp201_CertificateSignedRequest_free(q);
  free(q21);
  free(q);
  if (!changed) {
    r->result = json_pack("{s:s, s:{s:s, s:s}}", "status", "Rejected", "statusInfo", "reasonCode",
                          "InvalidCertificate", "additionalInfo", why);
    station_event(o->st, 0, "security", "InvalidChargingStationCertificate: %s", why);
    return;
  }
  (void)res;
  /* the request was answered: no retry */
  o->csr_awaiting = false;
  o->csr_attempt = 0;
  arm_cert_timer(o, now201(o) + RENEW_CHECK_MS);
  v201_reply_status(r, "Accepted");
  if (combined && cp_certs_client_as_v2g(o->shared->certs) != 0)
    log_error(MOD, "the combined certificate could not be stored as the V2G certificate");
  o->csr_combined = false;
  station_event(o->st, 0, "ocpp_certificate", "%s installed",
                kind == CP_LEAF_V2G20 ? "V2G20 certificate (ISO 15118-20)"
                : v2g                 ? "V2G certificate"
                : combined            ? "combined certificate (client and V2G)"
                                      : "client certificate");
  if (v2g) return; /* for a 15118 stack: the link does not use it */
  /* profile 3 authenticates with it: reconnect once the answer is out */
  if (key201_int(o, "security_profile") == 3) o->cert_reconnect = true;
}

/* ---------- the link ---------- */

/* The link's certificates changed: used from the next connection. */
static void certs_apply(ocpp201_station *o, const char *why) {
  ocpp_transport_config tc;
  ocpp_core_transport_config(o->shared, &tc);
  o->loaded_at = config_generation(o->st->cfg);
  station_event(o->st, 0, "ocpp_reconfigured", "%s: reconnecting to %s", why, o->url);
  ocpp_link_reconfigure(o->link, &tc);
}

static void reconnect_cb(uv_timer_t *t) {
  ocpp201_station *o = t->data;
  o->trust_changed = false;
  if (!o->closing) certs_apply(o, "new client certificate");
}

void v201_security_replied(ocpp201_station *o, const char *action) {
  if (o->cert_reconnect && !strcmp(action, "CertificateSigned")) {
    /* the transport writes the answer before it hangs up; from the next loop turn */
    o->cert_reconnect = false;
    lazy_timer_start(&o->reconnect_timer, o->st->loop, reconnect_cb, o, 0, 0);
  }
}

void v201_security_connected(ocpp201_station *o) {
  o->cert_refusal_reported = false;                /* a later refusal is a new event */
  char *chain = ocpp_link_peer_chain_pem(o->link); /* the root it needs cannot be deleted */
  cp_certs_set_server_chain(o->shared->certs, chain);
  free(chain);
}

void v201_security_disconnected(ocpp201_station *o) {
  cp_certs_set_server_chain(o->shared->certs, NULL);
  if (o->trust_changed && key201_int(o, "security_profile") >= 2) {
    o->trust_changed = false;
    certs_apply(o, "new CSMSRootCertificates");
  }
}

/* A04 InvalidCsmsCertificate: once per run of refused attempts (reset by a
 * connection), queued and delivered once a trusted connection is up. */
void v201_server_certificate_refused(void *ctx, const char *why) {
  ocpp201_station *o = ctx;
  if (o->closing || o->cert_refusal_reported) return;
  o->cert_refusal_reported = true;
  station_event(o->st, 0, "security", "InvalidCsmsCertificate: %s", why);
}

static const v201_handler handlers[] = {
    {"InstallCertificate", h_install_certificate},
    {"DeleteCertificate", h_delete_certificate},
    {"GetInstalledCertificateIds", h_get_installed_certificate_ids},
    {"CertificateSigned", h_certificate_signed},
    {"Get15118EVCertificate", h_get_15118_ev_certificate},
    {"GetCertificateStatus", h_get_certificate_status},
};
const v201_family v201_security_calls = {handlers, sizeof handlers / sizeof handlers[0]};
