/*
 * The OCPP 1.6 dialect of the charge-point model (src/chargepoint): the
 * generated 1.6 request structs (ocpp16_messages.h) turned into borne's
 * types, and the model's results turned into 1.6 statuses and .conf
 * payloads. It exists so that the rules live once in the model and a
 * version only translates. No rule is decided here beyond what only 1.6
 * says (integer transaction ids, its status spellings).
 */
#ifndef BORNE_OCPP_V16_CODEC_H
#define BORNE_OCPP_V16_CODEC_H

#include <jansson.h>

#include "chargepoint/certificates.h"
#include "chargepoint/profiles.h"
#include "ocpp16_messages.h" /* generated from the OCPP 1.6 schemas */

/* ---------- Smart Charging (smart_charging_codec.c) ---------- */

/* A 1.6 transaction id (an integer, 0 = none) as the model names it. */
void v16_tx_id(int tx, char out[CP_TX_ID_MAX + 1]);

/* SetChargingProfile.req's csChargingProfiles as a model profile. Its
 * periods are allocated in *periods (free it, also on failure). -1 when a
 * value cannot be carried (a date that does not parse, an unknown enum, a
 * transactionId out of the 1.6 range or on another purpose than TxProfile):
 * the answer is then "Rejected". */
int v16_profile_decode(const ocpp16_SetChargingProfileRequest_csChargingProfiles *in,
                       cp_charging_profile *out, cp_schedule_period **periods);

/* RemoteStartTransaction.req's chargingProfile (the same schema type,
 * generated as a struct of its own): the same, through its JSON form. */
int v16_remote_start_profile_decode(const ocpp16_RemoteStartTransactionRequest_chargingProfile *in,
                                    cp_charging_profile *out, cp_schedule_period **periods);

/* SetChargingProfile.conf status: "Accepted", "Rejected", "NotSupported". */
const char *v16_profile_status(cp_profile_result r);

/* ClearChargingProfile.req as a filter; -1 for an unknown purpose. */
int v16_clear_filter_decode(const ocpp16_ClearChargingProfileRequest *in, cp_profile_filter *out);

/* GetCompositeSchedule.req's chargingRateUnit (A when absent). */
cp_rate_unit v16_composite_unit(const ocpp16_GetCompositeScheduleRequest *req);

/* GetCompositeSchedule.conf payload: {"status":"Accepted","connectorId":..,
 * "scheduleStart":..,"chargingSchedule":{...}} or {"status":"Rejected"}. */
json_t *v16_composite_encode(cp_profile_result r, const cp_composite_schedule *c);

/* ---------- Security whitepaper certificates (security_codec.c) ---------- */

/* InstallCertificate.req certificateType as the model's use. */
cp_cert_use v16_install_use(const ocpp16_InstallCertificateRequest *in);
/* GetInstalledCertificateIds.req certificateType as the model's use. */
cp_cert_use v16_get_ids_use(const ocpp16_GetInstalledCertificateIdsRequest *in);
/* DeleteCertificate.req certificateHashData as the model's hash data; -1
 * when it cannot name an installed certificate (the answer is "NotFound"). */
int v16_hash_data_decode(const ocpp16_DeleteCertificateRequest_certificateHashData *in,
                         cp_cert_hash_data *out);

/* {"status": ...} for each result, in the spellings of 1.6. */
json_t *v16_install_encode(cp_cert_install_result r);
json_t *v16_delete_encode(cp_cert_delete_result r);
json_t *v16_signed_encode(cp_cert_signed_result r);
/* GetInstalledCertificateIds.conf: the list or status "NotFound". */
json_t *v16_ids_encode(const cp_cert_hash_data *list, int n);
/* SignCertificate.req payload {"csr": PEM}. */
json_t *v16_sign_request_encode(const char *csr);

#endif
