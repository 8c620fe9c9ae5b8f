/*
 * Signed meter data of a station: the signing key, the durable pagination
 * counter and the records of each session, in the station's database
 * (tables of module "ocmf", store_module_migrate). Used on the loop thread.
 *
 * Durability: ocmf_emit() first commits the next pagination number
 * (synchronous=FULL), then builds and signs the record, then commits the
 * record. A crash in between leaves a gap in the numbers, never a number
 * used twice (OCMF-en.md, "Pagination": strictly increasing by context).
 *
 * Record source seam: records are made by an ocmf_source. The default
 * source signs with the station key; a meter or metering module that signs
 * OCMF itself (the legally relevant case, see docs/metering.md) is another
 * source whose sign() returns the meter's own record for the reading.
 */
#ifndef BORNE_OCMF_OCMF_H
#define BORNE_OCMF_OCMF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ocmf/ocmf_key.h"
#include "ocmf/ocmf_record.h"
#include "store/store.h"

typedef struct ocmf ocmf;

typedef struct {
  const char *name; /* "station-key", "meter:NAME" ... for logs and the API */
  void *ctx;
  /* Make the record for payload p (pagination already reserved). Returns its
   * length, or -1 with one line in err. */
  int (*sign)(void *ctx, const ocmf_payload *p, char *out, size_t outlen, char *err, size_t errlen);
} ocmf_source;

typedef struct {
  const char *key_path; /* PEM private key */
  bool create_key;      /* generate key_path when it does not exist */
  /* Load (or make) the key at its first use (ocmf_key_ensure: the first
   * record, the public key asked for) instead of in ocmf_open: no OpenSSL
   * key work on a station's start path (issue 15). */
  bool defer_key;
} ocmf_options;

/* Load (or make) the key and the tables. -1 with one line in err. */
int ocmf_open(ocmf **out, store *db, const ocmf_options *opt, char *err, size_t errlen);
/* The module's tables only (what ocmf_open makes first): 0, or -1 with err. */
int ocmf_schema(store *db, char *err, size_t errlen);
/* The station key loaded (or made) now if it was not yet: 0, or -1 with why
 * (the next call tries again). ocmf_emit with the station key calls it
 * before reserving a pagination number. */
int ocmf_key_ensure(ocmf *o, char *err, size_t errlen);
void ocmf_close(ocmf *o);
/* Retention: records kept, the newest N by emission (0 = no bound; default
 * OCMF_RECORD_MAX_ROWS, about 10 000 sessions). Each record also went out
 * with its transaction (OCPP SignedData); docs/storage.md. */
#define OCMF_RECORD_MAX_ROWS 20000
void ocmf_set_record_budget(ocmf *o, int64_t max_rows);
/* NULL while a deferred key was not loaded yet (ocmf_key_ensure). */
const ocmf_key *ocmf_signing_key(const ocmf *o);
/* Replace the record source (NULL: back to the station key). */
void ocmf_set_source(ocmf *o, const ocmf_source *src);
const char *ocmf_source_name(const ocmf *o);

/* Reserve the next transaction pagination number durably (committed before
 * it returns). 0 with *out, or -1 with err. */
int ocmf_reserve_pagination(ocmf *o, uint64_t *out, char *err, size_t errlen);
/* The last number handed out (0 before the first). */
int ocmf_last_pagination(ocmf *o, uint64_t *out);

/* Reserve a pagination number into p->pagination, make the record with the
 * source, and store it with the session (kind: the TX of its reading, 'B',
 * 'C', 'E'). The record text goes to out (may be NULL). Returns 0 or -1. */
int ocmf_emit(ocmf *o, ocmf_payload *p, int64_t session_id, int connector, char kind, int64_t at_ms,
              char *out, size_t outlen, char *err, size_t errlen);
/* The same, the record stored with `origin` (NULL or "": the session's
 * begin / end or the API's; "ocpp": a transaction's periodic or
 * clock-aligned OCPP reading, which the 1.6 StopTransaction leaves out). */
int ocmf_emit_origin(ocmf *o, ocmf_payload *p, int64_t session_id, int connector, char kind,
                     int64_t at_ms, const char *origin, char *out, size_t outlen, char *err,
                     size_t errlen);

typedef struct {
  int64_t id; /* increasing in emission order */
  int64_t session_id;
  int connector;
  char kind; /* 'B', 'C', 'E' */
  uint64_t pagination;
  int64_t at_ms;
  const char *record; /* valid during the callback */
  const char *origin; /* "" or "ocpp" (ocmf_emit_origin); valid during the callback */
} ocmf_record_row;
typedef int (*ocmf_record_cb)(void *ctx, const ocmf_record_row *row); /* non-zero stops */

/* The records of a session, in emission order. For the API and for OCPP
 * (SignedData sampled values). 0, or -1 on a database error. */
int ocmf_session_records(ocmf *o, int64_t session_id, ocmf_record_cb cb, void *ctx);

#endif
