/*
 * Signed meter data on a station (src/ocmf/ocmf_module.c): builds, signs and
 * stores an OCMF record at each session's begin and end, and on demand;
 * serves them over the API. Attached from main/modules.c; see
 * docs/metering.md, "Signed meter data (OCMF)".
 */
#ifndef BORNE_APP_OCMF_GLUE_H
#define BORNE_APP_OCMF_GLUE_H

#include <stddef.h>
#include <stdint.h>

struct station;
struct ocmf;

/* ocmf.enabled = false: does nothing. Otherwise loads (or makes) the key and
 * the tables; -1 with one line in err when the key cannot be used. */
int ocmf_attach(struct station *st, char *err, size_t errlen);

/* borne-swarm: OCMF's tables made before the OCPP module's first write,
 * where the store takes its schema template (store.c), so that every later
 * new station's database has them in its copy. Nothing else: ocmf_attach
 * (late) finds them made. ocmf.enabled = false: does nothing. */
int ocmf_schema_attach(struct station *st, char *err, size_t errlen);

/* The station's OCMF service (records of a session for OCPP SignedData:
 * ocmf_session_records), or NULL when OCMF is off. */
struct ocmf *station_ocmf(struct station *st);

/* OCPP's signed intermediate readings (2.0.1 SampledDataCtrlr / AlignedDataCtrlr
 * SignReadings, issue 16): the record of connector c's session `session_id`
 * for the import register at `wh`, read at `at_ms`, its TX `tx` (OCMF Table 7:
 * 'C' during charging, 'T' at a tariff change; its kind in the records),
 * built, signed and committed with the session's records before it returns,
 * its text into out. Its station event says "origin":"ocpp" (the 1.6
 * dialect does not send it again as an on-demand reading). 0, or -1 with
 * one line in err (OCMF off, no key, no connector, a database error). */
int ocmf_sign_intermediate(struct station *st, int c, int64_t session_id, int64_t at_ms, double wh,
                           char tx, char *out, size_t outlen, char *err, size_t errlen);

#endif
