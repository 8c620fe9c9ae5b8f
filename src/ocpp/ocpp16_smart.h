/*
 * OCPP 1.6 Smart Charging feature profile (spec edition 2, section 3.13 and
 * the SetChargingProfile / ClearChargingProfile / GetCompositeSchedule
 * operations of 5.5, 5.7, 5.16) as the 1.6 glue calls it: the generated
 * request structs in, 1.6 statuses and payloads out. Thin wrappers over the
 * charge-point model (src/chargepoint/profiles.h: the profiles, the rules,
 * the limit, the composite schedule, the table they survive restarts in)
 * and the v16 codec (src/ocpp/v16/codec.h); they remain until the glue in
 * src/ocpp/v16 calls those itself.
 *
 * Every function takes `now` (epoch milliseconds UTC); nothing reads a clock
 * or touches the network. Requests are the structs the caller decoded from
 * payloads validated against the 1.6 JSON schemas; what the schema cannot
 * say is checked by the model and refused with "Rejected".
 */
#ifndef BORNE_OCPP_OCPP16_SMART_H
#define BORNE_OCPP_OCPP16_SMART_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "ocpp16_messages.h" /* generated from the OCPP 1.6 schemas */
#include "core/types.h"
#include "store/store.h"

typedef struct {
  int max_stack_level; /* ChargeProfileMaxStackLevel, e.g. 8 */
  int max_periods;     /* ChargingScheduleMaxPeriods, e.g. 24 */
  int max_profiles;    /* MaxChargingProfilesInstalled, e.g. 16 */
  bool allow_watts;    /* ChargingScheduleAllowedChargingRateUnit contains "Power" */
} ocpp16_smart_limits;

typedef struct ocpp16_smart ocpp16_smart;

/* Opens (and creates with store_module_migrate(db, "ocpp16_smart", ...)) the
 * profile table and loads the installed profiles. db may be NULL (memory
 * only). NULL with a message in err on failure. */
ocpp16_smart *ocpp16_smart_open(store *db, int connectors, const ocpp16_smart_limits *lim,
                                char *err, size_t errlen);
void ocpp16_smart_free(ocpp16_smart *s);
void ocpp16_smart_set_limits(ocpp16_smart *s, const ocpp16_smart_limits *lim);

/* A ChargingProfile (chapter 7) as SetChargingProfile.req carries it. */
typedef ocpp16_SetChargingProfileRequest_csChargingProfiles ocpp16_charging_profile;

/* SetChargingProfile.req's csChargingProfiles for `connector` (0 = whole
 * station). active_tx_id: the transaction running on that connector (0
 * none); a TxProfile needs one. Returns "Accepted", "Rejected" or
 * "NotSupported" (SetChargingProfile.conf status). */
const char *ocpp16_smart_set(ocpp16_smart *s, int connector, const ocpp16_charging_profile *profile,
                             int active_tx_id, borne_ms now);
/* RemoteStartTransaction.req's chargingProfile (the same schema type, a
 * struct of its own): a TxProfile without transactionId, bound to the
 * transaction that starts next (call ocpp16_smart_bind_transaction when it
 * is known). Returns "Accepted" or "Rejected" ("NotSupported" without s). */
const char *
ocpp16_smart_set_remote_start(ocpp16_smart *s, int connector,
                              const ocpp16_RemoteStartTransactionRequest_chargingProfile *profile,
                              borne_ms now);
void ocpp16_smart_bind_transaction(ocpp16_smart *s, int connector, int tx_id);

/* ClearChargingProfile.req (id, connectorId, chargingProfilePurpose,
 * stackLevel, all optional): number of profiles removed (0: the caller
 * answers "Unknown"). */
int ocpp16_smart_clear(ocpp16_smart *s, const ocpp16_ClearChargingProfileRequest *req);

/* The limit now for `connector`, in A per phase (watts converted with
 * phases x voltage); < 0 when no profile applies. tx_id / tx_start: the
 * running transaction (0 if none) and its start (for Relative schedules and
 * TxProfile matching). */
double ocpp16_smart_limit_a(ocpp16_smart *s, int connector, borne_ms now, int tx_id,
                            borne_ms tx_start, int phases, double voltage);

/* The next instant any connector's limit may change (period boundary,
 * validFrom/validTo, recurrence); INT64_MAX when never. Relative schedules
 * use the transaction start last given to ocpp16_smart_limit_a. */
borne_ms ocpp16_smart_next_change(ocpp16_smart *s, borne_ms now);

/* The transaction on `connector` ended: its TxProfiles are removed (3.13:
 * a TxProfile lives as long as its transaction). */
void ocpp16_smart_transaction_ended(ocpp16_smart *s, int connector);

/* GetCompositeSchedule.conf payload for req (connectorId, duration,
 * chargingRateUnit opt.): {"status":"Accepted","connectorId":..,
 * "scheduleStart":..,"chargingSchedule":{...}} or {"status":"Rejected"}.
 * The caller owns the result. */
json_t *ocpp16_smart_composite(ocpp16_smart *s, const ocpp16_GetCompositeScheduleRequest *req,
                               borne_ms now, int tx_id, borne_ms tx_start, int phases,
                               double voltage);

/* Number of installed profiles (for status pages and tests). */
int ocpp16_smart_count(const ocpp16_smart *s);

#endif
